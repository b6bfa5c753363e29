/*
 * anchors.c - the first step of a refresh: the anchor statements at
 * _anchor._vpnrr.ZONE (SPEC.md 10.10).  Their verdicts update the
 * state's anchors, and the head is then verified under the trust that
 * results (configured + adopted - retired).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The anchor rows for --json: what each key is, since when, and when a
 * pending one is adopted if it stays announced. */
static void anchors_json(struct fetch_refresh *rf)
{
	const struct fetch_anchor *v;
	size_t n;
	json_t *a = json_array();
	char kt[RR_PUBKEYSTRLEN], id[2 * RR_KEYID_LEN + 1];

	if (!a)
		return;
	v = fetch_state_anchors(rf->st, &n);
	for (size_t i = 0; i < rf->given->nanchors; i++) {
		bool known = false;
		for (size_t j = 0; j < n && !known; j++)
			known = memcmp(v[j].key.key, rf->given->anchors[i].key,
				       RR_PUBKEY_LEN) == 0;
		if (known)
			continue;
		rr_pubkey_format(&rf->given->anchors[i], kt);
		rr_keyid_format(rf->given->anchors[i].id, id);
		json_array_append_new(a, json_pack("{s:s,s:s,s:s}", "key", kt,
						   "id", id, "status",
						   "configured"));
	}
	for (size_t i = 0; i < n; i++) {
		json_t *o;
		bool conf = false;
		for (size_t j = 0; j < rf->given->nanchors; j++)
			conf |= memcmp(v[i].key.key, rf->given->anchors[j].key,
				       RR_PUBKEY_LEN) == 0;
		rr_pubkey_format(&v[i].key, kt);
		rr_keyid_format(v[i].key.id, id);
		o = json_pack("{s:s,s:s,s:s,s:I,s:b}", "key", kt, "id", id,
			      "status", fetch_anchor_status_name(v[i].status),
			      "since", (json_int_t)v[i].since, "configured",
			      conf);
		if (o && v[i].status == FETCH_ANCHOR_PENDING)
			json_object_set_new(o, "adopt_at", json_integer(
				(json_int_t)(v[i].since +
					     rf->given->anchor_hold_down_ms /
						     1000)));
		json_array_append_new(a, o);
	}
	json_object_set_new(rf->extra_json, "anchors", a);
}

/* A retired anchor still in the configuration is an operator's error
 * worth repeating at every refresh, not only when it happened. */
static void warn_configured_retired(struct fetch_refresh *rf)
{
	const struct fetch_anchor *v;
	char kt[RR_PUBKEYSTRLEN];
	size_t n;

	v = fetch_state_anchors(rf->st, &n);
	for (size_t i = 0; i < n; i++) {
		if (v[i].status != FETCH_ANCHOR_RETIRED)
			continue;
		for (size_t j = 0; j < rf->given->nanchors; j++) {
			if (memcmp(v[i].key.key, rf->given->anchors[j].key,
				   RR_PUBKEY_LEN) != 0)
				continue;
			rr_pubkey_format(&v[i].key, kt);
			fetch_log(rf->log, FETCH_LOG_ERR,
				  "anchor %s is retired (its own signed "
				  "statement at %s) but the configuration "
				  "still lists it: it is not trusted; remove "
				  "its anchor line", kt, rf->anchor_lk.name);
		}
	}
}

static void take_statements(struct fetch_refresh *rf)
{
	struct rr_pubkey pending[RRCHAIN_MAX_ANCHOR_KEYS];
	struct rr_pubkey retired[RRCHAIN_MAX_ANCHOR_KEYS];
	struct fetch_merge_report rep;
	struct rrchain_rdata *rd;
	struct rrchain_error e = { RRCHAIN_OK, "" };
	char advice[1024];
	size_t np, nr;
	enum rrchain_reason r;

	memset(&rep, 0, sizeof(rep));
	rd = rf_rdata_of(rf->anchor_lk.blobs, rf->anchor_lk.nblobs);
	if (!rd) {
		fetch_log(rf->log, FETCH_LOG_ERR, "%s: out of memory",
			  rf->anchor_lk.name);
		return;
	}
	np = fetch_state_anchor_keys(rf->st, FETCH_ANCHOR_PENDING, pending,
				     RRCHAIN_MAX_ANCHOR_KEYS);
	nr = fetch_state_anchor_keys(rf->st, FETCH_ANCHOR_RETIRED, retired,
				     RRCHAIN_MAX_ANCHOR_KEYS);
	r = rrchain_verify_anchors(FETCH_POLICY(&rf->trust), rd,
				   rf->anchor_lk.nblobs, rf->opts.now, pending,
				   np, retired, nr, rf->anchor_stmts,
				   &rf->nanchor_stmts, &rf->sum.chain, &e);
	free(rd);
	if (r != RRCHAIN_OK) {
		/* Too many to judge: nothing is learnt, nothing reset. */
		fetch_log(rf->log, FETCH_LOG_ERR, "anchor statements "
			  "rejected (%s): %s", rrchain_reason_name(r), e.msg);
		rf_verdict(rf, "anchors", rf->anchor_lk.name, r, e.msg);
		return;
	}
	for (size_t i = 0; i < rf->nanchor_stmts; i++)
		rf_verdict(rf, "anchor", rf->anchor_lk.name,
			   rf->anchor_stmts[i].status, rf->anchor_stmts[i].why);
	(void)fetch_state_anchors_update(rf->st, rf->given, rf->opts.now,
					 rf->anchor_stmts, rf->nanchor_stmts,
					 &rep);
	rf_record_events(rf, &rep);
	fetch_merge_report_free(&rep);
	if (fetch_state_anchor_advice(rf->st, rf->given, rf->anchor_stmts,
				      rf->nanchor_stmts, advice,
				      sizeof(advice)) > 0)
		fetch_log(rf->log, FETCH_LOG_ERR,
			  "no trust anchor is left: every configured anchor "
			  "is retired, and the new one was announced only by "
			  "a retired anchor.  Check it with the VPN admin out "
			  "of band, then put it in the configuration: %s",
			  advice);
}

static void anchors_resolved(struct lookup *lk)
{
	struct fetch_refresh *rf = lk->rf;
	char head[RR_MAX_NAME + 1];
	struct rr_error rerr;

	/* NODATA and NXDOMAIN are answers (nothing announced); a failure
	 * to ask says nothing, so nothing pending is reset by it. */
	if (lk->any_ok || lk->error[0] == '\0' ||
	    lk->status == FETCH_DNS_NXDOMAIN)
		take_statements(rf);
	else
		fetch_log(rf->log, FETCH_LOG_WARN,
			  "anchor statements: %s (%s); anchors unchanged",
			  lk->error, fetch_dns_status_name(lk->status));
	rf_lookup_free(lk);
	warn_configured_retired(rf);
	fetch_state_trust(rf->st, rf->given, &rf->trust);
	anchors_json(rf);
	/* The zone was checked by fetch_refresh_start. */
	if (rr_name_head(rf->cfg->zone, head, &rerr) != RR_OK ||
	    rf_lookup_start(rf, &rf->head_lk, head, rf_head_resolved) != 0)
		rf_head_resolved(&rf->head_lk);
}

int rf_anchors_start(struct fetch_refresh *rf)
{
	char name[RR_MAX_NAME + 1];
	struct rr_error rerr;

	fetch_state_trust(rf->st, rf->given, &rf->trust);
	rf->cfg = &rf->trust;
	if (rr_name_anchor(rf->cfg->zone, name, &rerr) != RR_OK) {
		rr_say(rf->anchor_lk.name, sizeof(rf->anchor_lk.name), "%s",
		       rf->cfg->zone);
		rr_say(rf->anchor_lk.error, sizeof(rf->anchor_lk.error), "%s",
		       rerr.msg);
		rf->anchor_lk.rf = rf;
		rf->anchor_lk.status = FETCH_DNS_MALFORMED;
		anchors_resolved(&rf->anchor_lk);
		return 0;
	}
	if (rf_lookup_start(rf, &rf->anchor_lk, name, anchors_resolved) != 0)
		anchors_resolved(&rf->anchor_lk);
	return 0;
}

void rf_anchor_hint(struct fetch_refresh *rf, const struct rrchain_error *e)
{
	const struct fetch_anchor *v;
	char id[2 * RR_KEYID_LEN + 1];
	size_t n;

	if (e->reason != RRCHAIN_R_KEY)
		return;
	v = fetch_state_anchors(rf->st, &n);
	for (size_t i = 0; i < n; i++) {
		rr_keyid_format(v[i].key.id, id);
		if (!strstr(e->msg, id))
			continue;
		if (v[i].status == FETCH_ANCHOR_PENDING)
			fetch_log(rf->log, FETCH_LOG_ERR,
				  "the head is signed by anchor %s, announced "
				  "at %llu and pending: trusted from %llu if "
				  "it stays announced at every refresh; until "
				  "then the last good peers are kept", id,
				  (unsigned long long)v[i].since,
				  (unsigned long long)(v[i].since +
					rf->given->anchor_hold_down_ms / 1000));
		else if (v[i].status == FETCH_ANCHOR_RETIRED)
			fetch_log(rf->log, FETCH_LOG_ERR,
				  "the head is signed by anchor %s, which is "
				  "retired", id);
	}
}
