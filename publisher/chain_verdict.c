/* chain_verdict.c - one site record's verdict for an auditor: the
 * report over the record and its membership (chain.c, the rules
 * vpnrr-fetch applies) read link by link from the anchor down, so the
 * first broken link is the reason given, with what to do about it. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "chain_int.h"

#define HINT_ADMIN "the VPN admin re-publishes the membership (vpnrr " \
	"index) and reloads the zone"

static void set(struct pub_site_verdict *sv, enum pub_verdict v,
		const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set(struct pub_site_verdict *sv, enum pub_verdict v,
		const char *hint, const char *fmt, ...)
{
	va_list ap;

	sv->verdict = v;
	sv->hint = hint;
	va_start(ap, fmt);
	vsnprintf(sv->reason, sizeof(sv->reason), fmt, ap);
	va_end(ap);
}

const char *pub_verdict_name(enum pub_verdict v)
{
	switch (v) {
	case PUB_VERDICT_VALID: return "VALID";
	case PUB_VERDICT_REVOKED: return "REVOKED";
	case PUB_VERDICT_UNKNOWN_ANCHOR: return "UNKNOWN-ANCHOR";
	case PUB_VERDICT_INVALID: break;
	}
	return "INVALID";
}

int pub_verdict_exit(enum pub_verdict v)
{
	switch (v) {
	case PUB_VERDICT_VALID: return PUB_EXIT_OK;
	case PUB_VERDICT_REVOKED: return PUB_EXIT_REVOKED;
	case PUB_VERDICT_UNKNOWN_ANCHOR: return PUB_EXIT_UNKNOWN_ANCHOR;
	case PUB_VERDICT_INVALID: break;
	}
	return PUB_EXIT_INVALID;
}

/* ---- the input ----------------------------------------------------------- */

int pub_site_of_input(const struct pub_report *rep, struct pub_site_verdict *sv,
		      struct pub_err *e)
{
	const struct pub_vrec *first = NULL;

	memset(sv, 0, sizeof(*sv));
	for (size_t i = 0; i < rep->n; i++) {
		const struct pub_vrec *v = &rep->v[i];
		if (!v->parsed)
			continue; /* at the record's name: INVALID later */
		if (v->r.kind != RR_KIND_SITE)
			return pub_errf(e, PUB_EXIT_USAGE, v->rr->src,
					v->rr->line, "verify",
					"%s holds a %s record: with --server, "
					"give one site record (its membership "
					"is fetched), or a NAME to follow",
					v->rr->owner,
					rr_kind_name(v->r.kind));
		if (!first) {
			first = v;
			continue;
		}
		if (strcmp(v->r.site, first->r.site) != 0 ||
		    !pub_streq_nocase(v->rr->owner, first->rr->owner))
			return pub_errf(e, PUB_EXIT_USAGE, v->rr->src,
					v->rr->line, "verify",
					"records of two sites (%s at %s, %s at "
					"%s): give one site's records",
					first->r.site, first->rr->owner,
					v->r.site, v->rr->owner);
	}
	if (!first && rep->n)
		first = &rep->v[0]; /* does not decode: its owner at least */
	if (!first)
		return pub_errf(e, PUB_EXIT_USAGE, NULL, 0, "verify",
				"no vpnrr site record in the input (dig "
				"output or zone lines: vpnrr zone prints a "
				"record file's)");
	snprintf(sv->owner, sizeof(sv->owner), "%s", first->rr->owner);
	if (first->parsed) {
		snprintf(sv->site, sizeof(sv->site), "%s", first->r.site);
		snprintf(sv->vpn, sizeof(sv->vpn), "%s", first->r.vpn);
	}
	return 0;
}

/* ---- what to do about it ------------------------------------------------- */

static const char *site_hint(enum rrchain_reason r)
{
	switch (r) {
	case RRCHAIN_R_SIGNATURE:
		return "the record was changed after it was signed: publish "
		       "the site owner's signed record unchanged (vpnrr zone)";
	case RRCHAIN_R_EXPIRED:
	case RRCHAIN_R_NOTYET:
		return "the site owner re-signs the record (vpnrr resign -k "
		       "KEY -o RECORD DESCRIPTION) and republishes it";
	case RRCHAIN_R_OUTSIDE:
		return "the record announces networks its membership does not "
		       "authorize: the site owner signs networks inside it, or "
		       "the VPN admin widens the membership";
	case RRCHAIN_R_NAME:
		return "the record names another VPN, site or owner name than "
		       "its member entry";
	case RRCHAIN_R_UNSIGNED:
	case RRCHAIN_R_MALFORMED:
		return "the record is damaged (a DNS panel may have cut it): "
		       "publish it as vpnrr zone prints it";
	default:
		return NULL;
	}
}

/* ---- the links, anchor first --------------------------------------------- */

static const struct pub_object *object(const struct pub_report *rep,
				       enum pub_obj_kind kind,
				       const char *name)
{
	for (size_t i = 0; i < rep->nobj; i++)
		if (rep->obj[i].kind == kind &&
		    (!name || strcmp(rep->obj[i].name, name) == 0))
			return &rep->obj[i];
	return NULL;
}

/* The first complaint about a record at OWNER, or NULL. */
static const char *record_error(const struct pub_report *rep,
				const char *owner)
{
	for (size_t i = 0; i < rep->n; i++)
		if (rep->v[i].nerr &&
		    pub_streq_nocase(rep->v[i].rr->owner, owner))
			return rep->v[i].err[0];
	return NULL;
}

static const struct pub_vrec *record_at(const struct pub_report *rep,
				       const char *owner)
{
	for (size_t i = 0; i < rep->n; i++)
		if (pub_streq_nocase(rep->v[i].rr->owner, owner))
			return &rep->v[i];
	return NULL;
}

static const struct pub_vrec *valid_head(const struct pub_report *rep,
					 const char *owner)
{
	for (size_t i = 0; i < rep->n; i++)
		if (rep->v[i].signed_ok && rep->v[i].parsed &&
		    rep->v[i].r.kind == RR_KIND_HEAD &&
		    pub_streq_nocase(rep->v[i].rr->owner, owner))
			return &rep->v[i];
	return NULL;
}

/* Head, pages and membership: false (with the verdict set) when one
 * fails. */
static bool membership_holds(const struct pub_report *rep, const char *head,
			     struct pub_site_verdict *sv)
{
	const struct pub_object *o = object(rep, PUB_OBJ_HEAD, head);

	if (!o) {
		const struct pub_vrec *v = record_at(rep, head);
		if (v && !v->parsed && v->nerr)
			set(sv, PUB_VERDICT_INVALID, HINT_ADMIN, "head %s: %s",
			    head, v->err[0]);
		else
			set(sv, PUB_VERDICT_INVALID, "check --zone (the zone "
			    "the VPN's head is published in) and --server",
			    "no vpnrr head at %s%s%s%s", head,
			    v && v->parsed ? " (it holds a " : "",
			    v && v->parsed ? rr_kind_name(v->r.kind) : "",
			    v && v->parsed ? " record)" : "");
		return false;
	}
	if (o->verdict == RRCHAIN_R_KEY) {
		set(sv, PUB_VERDICT_UNKNOWN_ANCHOR, "check --anchor: it must "
		    "be the VPN's anchor key (the admin's public anchor key), "
		    "and --zone this VPN's zone", "head %s: %s", head, o->why);
		return false;
	}
	if (o->verdict != RRCHAIN_OK) {
		set(sv, PUB_VERDICT_INVALID, o->verdict == RRCHAIN_R_EXPIRED
		    ? "the VPN admin re-signs the head (vpnrr resign or "
		      "index) and reloads the zone" : HINT_ADMIN,
		    "head %s: %s: %s", head, rrchain_reason_name(o->verdict),
		    o->why);
		return false;
	}
	for (size_t i = 0; i < rep->nobj; i++) {
		o = &rep->obj[i];
		if ((o->kind == PUB_OBJ_PAGE || o->kind == PUB_OBJ_MEMBERSHIP)
		    && o->verdict != RRCHAIN_OK) {
			set(sv, PUB_VERDICT_INVALID, HINT_ADMIN,
			    "%s %s: %s: %s", pub_obj_kind_name(o->kind),
			    o->name, rrchain_reason_name(o->verdict), o->why);
			return false;
		}
	}
	if (!object(rep, PUB_OBJ_MEMBERSHIP, NULL)) {
		set(sv, PUB_VERDICT_INVALID, HINT_ADMIN, "the pages of %s were "
		    "not all fetched: the membership is not checked", head);
		return false;
	}
	return true;
}

/* The member entry and the record under it. */
static void site_holds(const struct pub_report *rep, const char *head,
		       struct pub_site_verdict *sv)
{
	const struct pub_vrec *h = valid_head(rep, head);
	const struct pub_object *m, *s;
	const char *why;

	if (h && strcmp(h->r.vpn, sv->vpn) != 0) {
		set(sv, PUB_VERDICT_INVALID, "check --zone: the zone of the "
		    "record's VPN", "the record is for VPN %s, but %s is the "
		    "head of VPN %s", sv->vpn, head, h->r.vpn);
		return;
	}
	m = object(rep, PUB_OBJ_MEMBER, sv->site);
	if (!m) {
		set(sv, PUB_VERDICT_REVOKED, "the VPN admin withdrew the site "
		    "(vpnrr revoke), or never admitted it; nodes drop it at "
		    "their next refresh", "the membership of VPN %s (head %s, "
		    "serial %" PRIu32 ", signed by an anchor) has no entry for "
		    "%s", sv->vpn, head, h ? h->r.serial : 0, sv->site);
		return;
	}
	if (m->verdict != RRCHAIN_OK) {
		set(sv, PUB_VERDICT_INVALID, m->verdict == RRCHAIN_R_EXPIRED
		    ? "the VPN admin renews the membership (vpnrr resign "
		      "--within D ADMINDIR)" : HINT_ADMIN,
		    "member entry of %s: %s: %s", sv->site,
		    rrchain_reason_name(m->verdict), m->why);
		return;
	}
	s = object(rep, PUB_OBJ_SITE, sv->site);
	if (!s) {
		/* The rules never reached it: the report says why (published
		 * at another name than its member entry's at=, ...). */
		why = record_error(rep, sv->owner);
		set(sv, PUB_VERDICT_INVALID, "publish the record at the name "
		    "its member entry gives (at=)", "%s", why ? why
		    : "the member entry does not lead to this record");
		return;
	}
	if (s->verdict == RRCHAIN_R_KEY) {
		set(sv, PUB_VERDICT_REVOKED, "the site owner re-signs with the "
		    "record key the membership lists (the admin may have "
		    "replaced it)", "the member entry of %s no longer lists "
		    "the record's key: %s", sv->site, s->why);
		return;
	}
	if (s->verdict != RRCHAIN_OK) {
		set(sv, PUB_VERDICT_INVALID, site_hint(s->verdict), "%s: %s",
		    rrchain_reason_name(s->verdict), s->why);
		return;
	}
	set(sv, PUB_VERDICT_VALID, NULL, "%s", s->warning);
}

void pub_site_verdict(const struct pub_report *rep, const char *zone,
		      struct pub_site_verdict *sv)
{
	char head[RR_MAX_NAME + 1];
	struct rr_error err;
	const char *why;

	sv->chain[0] = '\0';
	if (rr_name_head(zone, head, &err) != RR_OK) {
		set(sv, PUB_VERDICT_INVALID, NULL, "zone %s: %s", zone,
		    err.msg);
		return;
	}
	if (!sv->site[0]) {
		why = record_error(rep, sv->owner);
		set(sv, PUB_VERDICT_INVALID, site_hint(RRCHAIN_R_MALFORMED),
		    "%s: %s", sv->owner, why ? why : "not a vpnrr site record");
		return;
	}
	if (!membership_holds(rep, head, sv))
		return;
	site_holds(rep, head, sv);
	for (size_t i = 0; sv->verdict == PUB_VERDICT_VALID && i < rep->n; i++)
		if (rep->v[i].status == PUB_V_VALID &&
		    pub_streq_nocase(rep->v[i].rr->owner, sv->owner)) {
			snprintf(sv->chain, sizeof(sv->chain), "%s",
				 rep->v[i].chain);
			break;
		}
}
