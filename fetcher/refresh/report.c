/*
 * report.c - what a refresh reports: per-site status, per-object
 * verdicts, events, expiry warnings, freeze, and the JSON summary.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "atomicfile.h"
#include "candidate.h"
#include "internal.h"

/* A JSON string of text that may quote DNS bytes: json_string refuses
 * invalid UTF-8, and the report is read by people and scripts alike. */
static json_t *json_esc(const char *s)
{
	char esc[RR_ESCAPE_CAP(FETCH_ERRLEN)];

	return json_string(rr_escape(esc, sizeof(esc), s, strlen(s)));
}

void rf_site_status(struct fetch_refresh *rf, const char *name,
			const char *status, const char *why)
{
	json_t *o = json_pack("{s:s}", "status", status);

	if (!o)
		return;
	if (why && *why)
		json_object_set_new(o, "error", json_esc(why));
	json_object_set_new(rf->sites_json, name, o);
}

/* The rules' verdict on one object (head, page, membership, member,
 * site), named as "vpnrr verify --json" names it: the two are compared. */
void rf_verdict(struct fetch_refresh *rf, const char *object,
		    const char *name, enum rrchain_reason r, const char *why)
{
	json_t *o = json_pack("{s:s,s:o,s:s}", "object", object, "name",
			      json_esc(name), "verdict",
			      rrchain_reason_name(r));

	if (o && r != RRCHAIN_OK && why && *why)
		json_object_set_new(o, "error", json_esc(why));
	if (o)
		json_array_append_new(rf->verdicts_json, o);
}

void rf_summary_json(struct fetch_refresh *rf, json_t *o)
{
	const struct fetch_refresh_summary *s = &rf->sum;
	json_t *rej = json_object();
	json_t *dropped = json_object();
	json_t *dns;

	/* Every reason, zeros too: a report reader can rely on the keys. */
	for (int i = 0; i < FETCH_DNS_DROP__COUNT; i++)
		json_object_set_new(dropped,
				    fetch_dns_drop_name((enum fetch_dns_drop)i),
				    json_integer((json_int_t)s->dns.dropped[i]));

	for (int i = 1; i < RRCHAIN_R__COUNT; i++)
		if (s->chain.rejected[i])
			json_object_set_new(rej,
					    rrchain_reason_name((enum rrchain_reason)i),
					    json_integer((json_int_t)s->chain.rejected[i]));
	json_object_set_new(o, "ok", json_boolean(s->ok));
	if (s->error[0])
		json_object_set_new(o, "error", json_esc(s->error));
	json_object_set_new(o, "dry_run", json_boolean(rf->opts.dry_run));
	json_object_set_new(o, "now", json_integer((json_int_t)rf->opts.now));
	json_object_set_new(o, "duration_ms",
			    json_integer((json_int_t)s->duration_ms));
	dns = json_pack(
		"{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
		"queries", (json_int_t)s->dns.queries,
		"sent_udp", (json_int_t)s->dns.sent_udp,
		"sent_tcp", (json_int_t)s->dns.sent_tcp,
		"retries", (json_int_t)s->dns.retries,
		"timeouts", (json_int_t)s->dns.timeouts,
		"truncated", (json_int_t)s->dns.truncated,
		"dropped_mismatch", (json_int_t)s->dns.dropped_mismatch,
		"answered", (json_int_t)s->dns.answered,
		"max_inflight_seen", (json_int_t)s->dns.max_inflight_seen,
		"tcp_connections", (json_int_t)s->dns.tcp_connections);
	if (dns) {
		json_object_set_new(dns, "dropped_malformed",
				    json_integer((json_int_t)s->dns.dropped_malformed));
		json_object_set_new(dns, "bad_tries",
				    json_integer((json_int_t)s->dns.bad_tries));
		json_object_set(dns, "dropped", dropped);
	}
	json_decref(dropped);
	json_object_set_new(o, "dns", dns);
	json_object_set_new(o, "verify", json_pack(
		"{s:I,s:I,s:I,s:I,s:I,s:I,s:o}",
		"heads_verified", (json_int_t)s->chain.heads_verified,
		"pages_hashed", (json_int_t)s->chain.pages_hashed,
		"members_checked", (json_int_t)s->chain.members_checked,
		"sites_verified", (json_int_t)s->chain.sites_verified,
		"sites_cached", (json_int_t)s->chain.sites_cached,
		"heads_stored", (json_int_t)s->chain.heads_stored,
		"rejected", rej));
	json_object_set_new(o, "pages", json_pack("{s:I,s:I}",
		"fetched", (json_int_t)s->pages_fetched,
		"reused", (json_int_t)s->pages_reused));
	json_object_set_new(o, "sites", json_pack(
		"{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
		"queried", (json_int_t)s->sites_queried,
		"failed", (json_int_t)s->sites_failed,
		"in_view", (json_int_t)s->sites_in_view,
		"added", (json_int_t)s->added,
		"updated", (json_int_t)s->updated,
		"unchanged", (json_int_t)s->unchanged,
		"kept", (json_int_t)s->kept,
		"removed", (json_int_t)s->removed,
		"dropped", (json_int_t)s->dropped));
	json_object_set_new(o, "files", json_pack("{s:I,s:I,s:I,s:I,s:I}",
		"written", (json_int_t)s->files_written,
		"unchanged", (json_int_t)s->files_unchanged,
		"removed", (json_int_t)s->files_removed,
		"would_write", (json_int_t)s->would_write,
		"would_remove", (json_int_t)s->would_remove));
	json_object_set_new(o, "secnet", json_pack(
		"{s:I,s:i,s:I,s:I,s:I,s:I,s:I}",
		"reloads", (json_int_t)s->reloads,
		"reload_status", s->reload_status,
		"keys_adopted", (json_int_t)s->keys_adopted,
		"keys_discarded", (json_int_t)s->keys_discarded,
		"keys_timeout", (json_int_t)s->keys_timeout,
		"keys_installed", (json_int_t)s->keys_installed,
		"keys_watch_errors", (json_int_t)s->keys_watch_errors));
	json_object_set_new(o, "notices", json_integer((json_int_t)s->notices));
	json_object_set_new(o, "journal", json_pack(
		"{s:I,s:I,s:b,s:I,s:I,s:I,s:b}",
		"owed_at_start", (json_int_t)s->owed_at_start,
		"owed", (json_int_t)s->owed,
		"reload_owed", s->reload_owed,
		"reload_attempts", (json_int_t)s->reload_attempts,
		"keys_pending", (json_int_t)s->keys_pending,
		"keys_next_deadline", (json_int_t)s->keys_next_deadline,
		"store_failed", s->store_failed));
	json_object_set_new(o, "state", json_pack("{s:b,s:b}",
		"saved", s->state_saved, "reset", rf->opts.state_reset));
	json_object_set_new(o, "check", json_pack("{s:I,s:b}",
		"runs", (json_int_t)s->checks, "failed", s->check_failed));
	json_object_set_new(o, "stale", json_boolean(s->stale));
	if (s->have_head_age)
		json_object_set_new(o, "head_age",
				    json_integer((json_int_t)s->head_age));
}

/* Freeze: an attacker who holds back new heads keeps a node on an old,
 * still unexpired membership (revoked sites included).  Heads are
 * re-signed every few days, so one older than max-head-age means a
 * freeze or an admin who stopped re-signing: keep the last good
 * configuration, but say so loudly and fail the refresh. */
void rf_check_stale(struct fetch_refresh *rf)
{
	const struct rrchain_membership *m = fetch_state_membership(rf->st);
	uint64_t t, max_s = rf->cfg->max_head_age_ms / 1000;

	if (!m)
		return;
	t = m->head.rec.not_before;
	rf->sum.have_head_age = true;
	rf->sum.head_age = rf->opts.now > t ? rf->opts.now - t : 0;
	if (max_s == 0 || rf->sum.head_age <= max_s)
		return;
	rf->sum.stale = true;
	fetch_log(rf->log, FETCH_LOG_ERR,
		  "membership head s=%" PRIu32 " is stale: signed %" PRIu64
		  " s ago (t=%" PRIu64 "), more than max-head-age %" PRIu64
		  " s; still using the last good configuration.  Either the "
		  "admin has stopped re-signing (vpnrr resign) or newer heads "
		  "are being withheld from this node", m->head.rec.serial,
		  rf->sum.head_age, t, max_s);
}

/* What is still owed as the refresh ends (the next run does it): the
 * journal as paid so far, or, when the refresh stopped before paying,
 * what earlier runs left. */
void rf_owed_summary(struct fetch_refresh *rf)
{
	const struct fetch_owed *v = rf->paid ? rf->owed : rf->old;
	const bool *paid = rf->paid ? rf->paid : rf->old_paid;
	size_t n = rf->paid ? rf->nowed : rf->nold;

	rf->sum.owed = 0;
	for (size_t i = 0; paid && i < n; i++) {
		if (paid[i])
			continue;
		rf->sum.owed++;
		if (rf->paid)
			continue; /* the pay phase set the rest itself */
		if (v[i].kind == FETCH_OWED_RELOAD) {
			rf->sum.reload_owed = true;
			if (v[i].attempts > rf->sum.reload_attempts)
				rf->sum.reload_attempts = v[i].attempts;
		}
		if (v[i].kind == FETCH_OWED_KEYS &&
		    (rf->sum.keys_next_deadline == 0 ||
		     v[i].deadline < rf->sum.keys_next_deadline)) {
			rf->sum.keys_pending++;
			rf->sum.keys_next_deadline = v[i].deadline;
		}
	}
}

void rf_record_events(struct fetch_refresh *rf,
			  const struct fetch_merge_report *rep)
{
	for (size_t i = 0; i < rep->nevents; i++) {
		const struct fetch_event *e = &rep->events[i];
		enum fetch_loglevel lvl = FETCH_LOG_INFO;
		json_t *o;

		if (e->kind == FETCH_EV_HEAD_REJECTED ||
		    e->kind == FETCH_EV_SITE_DROPPED ||
		    e->kind == FETCH_EV_HEAD_DROPPED ||
		    e->kind == FETCH_EV_MEMBER_REJECTED ||
		    e->kind == FETCH_EV_ANCHOR_REJECTED ||
		    e->kind == FETCH_EV_ANCHOR_RESET ||
		    e->kind == FETCH_EV_ANCHOR_RETIRED)
			lvl = FETCH_LOG_WARN;
		else if (e->kind != FETCH_EV_SITE_KEPT)
			lvl = FETCH_LOG_NOTICE;
		fetch_log(rf->log, lvl, "%s%s%s%s%s",
			  e->name[0] ? e->name : "membership",
			  ": ", fetch_event_kind_name(e->kind),
			  e->msg[0] ? ": " : "", e->msg);
		o = json_pack("{s:s,s:o}", "event",
			      fetch_event_kind_name(e->kind), "site",
			      json_esc(e->name));
		if (!o)
			continue;
		if (e->reason != RRCHAIN_OK)
			json_object_set_new(o, "reason", json_string(
				rrchain_reason_name(e->reason)));
		if (e->msg[0])
			json_object_set_new(o, "message", json_esc(e->msg));
		json_array_append_new(rf->events_json, o);
	}
}

/* Expired authority data caused outages elsewhere: warn early, loudly
 * when little time is left, in the log and in the JSON report. */
void rf_warn_expiring(struct fetch_refresh *rf)
{
	struct fetch_expiring *ex = NULL;
	json_t *list = json_array();
	size_t n = 0;

	if (!list || fetch_state_expiring(rf->st, rf->opts.now,
					  rf->cfg->expiry_warning_ms / 1000,
					  &ex, &n) != 0) {
		json_decref(list);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t left = ex[i].expires - rf->opts.now;
		fetch_log(rf->log, ex[i].severe ? FETCH_LOG_ERR : FETCH_LOG_WARN,
			  "%s %s expires in %" PRIu64 " s (at %" PRIu64 "): "
			  "renew it%s", rr_kind_name(ex[i].kind), ex[i].name,
			  left, ex[i].expires, ex[i].severe ? " now" : "");
		json_array_append_new(list, json_pack("{s:s,s:s,s:I,s:b}",
			"kind", rr_kind_name(ex[i].kind), "name", ex[i].name,
			"expires", (json_int_t)ex[i].expires,
			"severe", ex[i].severe));
		rf->sum.expiring++;
		rf->sum.expiring_severe += ex[i].severe;
	}
	json_object_set_new(rf->extra_json, "expiring", list);
	free(ex);
}
