/* chain.c - the auditor's report over a set of RRs.  Every verdict on a
 * head, page, member or site record comes from the chain rules
 * (rrchain.h) that vpnrr-fetch applies too; this file only gathers the
 * RRsets out of the input and maps the verdicts onto the records. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "timefmt.h"

#define HEAD_PREFIX "_vpnrr."
#define MEMBER_INFIX ".m._vpnrr."

/* One member that authorizes a site record: a verified page entry or a
 * stand-alone member record of a zone without a head in the input. */
struct auth {
	const struct rr_record *m;
	char zone[RR_MAX_NAME + 1];
	char chain[512];
};

struct ctx {
	const struct pub_rrset *s;
	const struct pub_chain_opts *o;
	struct pub_report *rep;
	struct auth *auth;
	size_t nauth;
	struct rrchain_membership *ms; /* verified memberships, kept for auth */
	size_t nms;
};

static void __attribute__((format(printf, 3, 0)))
msg(char (*arr)[PUB_VMSGLEN], size_t *n, const char *fmt, va_list ap)
{
	if (*n >= PUB_VMSGS)
		return;
	vsnprintf(arr[*n], PUB_VMSGLEN, fmt, ap);
	(*n)++;
}

static void __attribute__((format(printf, 2, 3)))
bad(struct pub_vrec *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg(v->err, &v->nerr, fmt, ap);
	va_end(ap);
	v->status = PUB_V_INVALID;
}

static void __attribute__((format(printf, 2, 3)))
warn(struct pub_vrec *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg(v->warn, &v->nwarn, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3)))
global(struct pub_report *rep, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg(rep->err, &rep->nerr, fmt, ap);
	va_end(ap);
}

const char *pub_obj_kind_name(enum pub_obj_kind k)
{
	static const char *const names[] = {
		[PUB_OBJ_HEAD] = "head", [PUB_OBJ_PAGE] = "page",
		[PUB_OBJ_MEMBERSHIP] = "membership",
		[PUB_OBJ_MEMBER] = "member", [PUB_OBJ_SITE] = "site",
	};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k]
							       : "unknown";
}

static int object(struct ctx *c, enum pub_obj_kind kind, const char *name,
		  enum rrchain_reason verdict, const char *why,
		  const char *warning)
{
	struct pub_object *o = realloc(c->rep->obj,
				       (c->rep->nobj + 1) * sizeof(*o));

	if (!o)
		return -1;
	c->rep->obj = o;
	o = &o[c->rep->nobj++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->verdict = verdict;
	snprintf(o->name, sizeof(o->name), "%s", name);
	snprintf(o->why, sizeof(o->why), "%s", verdict ? why : "");
	snprintf(o->warning, sizeof(o->warning), "%s", warning ? warning : "");
	return 0;
}

/* ---- decoding ------------------------------------------------------------ */

static struct rrchain_rdata rdata_of(const struct pub_rr *rr)
{
	return (struct rrchain_rdata){ rr->type, rr->rdata, rr->len };
}

static void decode(struct pub_vrec *v)
{
	struct rrchain_rdata rd = rdata_of(v->rr);
	struct rr_error err;
	enum rr_errclass rc;

	if (rd.type == RR_TYPE_VPNRR)
		rc = rr_parse_bin(rd.data, rd.len, &v->r, &err);
	else
		rc = rr_parse_txt_rdata(rd.data, rd.len, &v->r, &err);
	if (rc == RR_E_VERSION) {
		/* Not for this reader; an error only where nothing else is
		 * (the rules say so when they look at the name). */
		v->decided = true;
		warn(v, "another format version than %s: ignored",
		     RR_VERSION_TAG);
		return;
	}
	if (rc != RR_OK) {
		bad(v, "cannot decode (%s): %s", rr_errclass_name(rc), err.msg);
		return;
	}
	v->parsed = true;
}

static int decode_all(const struct pub_rrset *s, struct pub_report *rep,
		      struct pub_err *e)
{
	rep->v = calloc(s->n ? s->n : 1, sizeof(*rep->v));
	if (!rep->v)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "verify",
				"out of memory");
	for (size_t i = 0; i < s->n; i++) {
		struct rrchain_rdata rd = rdata_of(&s->v[i]);
		struct pub_vrec *v;
		if (!rrchain_rdata_is_vpnrr(&rd))
			continue; /* another TXT record (SPF, ...) */
		v = &rep->v[rep->n++];
		v->rr = &s->v[i];
		decode(v);
	}
	return 0;
}

/* The RRset at OWNER as the rules take it; *N entries, NULL when out of
 * memory. */
static struct rrchain_rdata *rrset_at(const struct pub_rrset *s,
				      const char *owner, size_t *n)
{
	struct rrchain_rdata *rd = calloc(s->n ? s->n : 1, sizeof(*rd));

	*n = 0;
	for (size_t i = 0; rd && i < s->n; i++)
		if (pub_streq_nocase(s->v[i].owner, owner))
			rd[(*n)++] = rdata_of(&s->v[i]);
	return rd;
}

/* ---- mapping verdicts onto records --------------------------------------- */

static void soon(struct ctx *c, struct pub_vrec *v)
{
	char t[PUB_TIMESTRLEN];
	uint64_t now = c->o->now;

	pub_time_format(v->r.expires, t);
	if (now < v->r.expires && v->r.expires - now < c->o->warn_within)
		warn(v, "expires soon: at %s (in %" PRIu64 " hours)", t,
		     (v->r.expires - now) / 3600);
}

static bool same_content(const struct pub_vrec *v,
			 const uint8_t content[RR_HASH_LEN])
{
	uint8_t h[RR_HASH_LEN];

	if (!v->parsed)
		return false;
	rrchain_record_content(&v->r, h);
	return memcmp(h, content, RR_HASH_LEN) == 0;
}

/* The rules a record at a name is under: a head's (MEMBER NULL) or the
 * site record's of MEMBER. */
struct rule {
	const struct rrchain_policy *pol;
	const struct rr_record *member;
};

/* The verdict on one record alone, for one the rules did not choose: why
 * it was passed over. */
static enum rrchain_reason rule_one(const struct ctx *c, const struct rule *ru,
				    const struct pub_rr *rr,
				    struct rrchain_error *err)
{
	struct rrchain_rdata rd = rdata_of(rr);
	struct rrchain_stats st = { 0 };
	struct rrchain_site_result res;
	struct rrchain_head h;
	enum rrchain_reason r;

	if (!ru->member) {
		r = rrchain_verify_head(ru->pol, &rd, 1, c->o->now, NULL, &h,
					&st, err);
		rrchain_head_free(&h);
		return r;
	}
	r = rrchain_verify_site(ru->pol, ru->member, &rd, 1, c->o->now, NULL,
				&res, &st, err);
	rrchain_site_result_free(&res);
	return r;
}

/* The records at OWNER under one verdict: on a rejection all of them
 * break it; else the chosen one (CONTENT) is valid with CHAIN, and each
 * other one either breaks a rule on its own or is older (RU, may be
 * NULL: no rule for one record alone). */
static void mark_owner(struct ctx *c, const char *owner,
		       enum rrchain_reason r, const char *why,
		       const uint8_t *content, const char *chain,
		       const struct rule *ru)
{
	struct rrchain_error err;

	for (size_t i = 0; i < c->rep->n; i++) {
		struct pub_vrec *v = &c->rep->v[i];
		if (v->decided || !pub_streq_nocase(v->rr->owner, owner))
			continue;
		v->decided = true;
		if (r != RRCHAIN_OK) {
			bad(v, "%s: %s", rrchain_reason_name(r), why);
		} else if (content && same_content(v, content)) {
			v->signed_ok = true;
			snprintf(v->chain, sizeof(v->chain), "%s", chain);
			soon(c, v);
		} else if (ru && v->parsed &&
			   rule_one(c, ru, v->rr, &err) != RRCHAIN_OK) {
			bad(v, "not used: %s: %s",
			    rrchain_reason_name(err.reason), err.msg);
		} else if (v->parsed) {
			warn(v, "not used: another record at this name is "
			     "newer");
		}
	}
}

static int add_auth(struct ctx *c, const struct rr_record *m,
		    const char *zone, const char *chain)
{
	struct auth *na = realloc(c->auth, (c->nauth + 1) * sizeof(*na));

	if (!na)
		return -1;
	c->auth = na;
	na = &c->auth[c->nauth++];
	na->m = m;
	snprintf(na->zone, sizeof(na->zone), "%s", zone);
	snprintf(na->chain, sizeof(na->chain), "%s", chain);
	return 0;
}

static const struct auth *find_auth(const struct ctx *c, const char *vpn,
				    const char *site, const char *zone)
{
	for (size_t i = 0; i < c->nauth; i++) {
		const struct rr_record *m = c->auth[i].m;
		if (strcmp(m->vpn, vpn) == 0 && strcmp(m->site, site) == 0 &&
		    (!zone || strcmp(c->auth[i].zone, zone) == 0))
			return &c->auth[i];
	}
	return NULL;
}

/* ---- site records -------------------------------------------------------- */

static int check_site_of(struct ctx *c, const struct rrchain_policy *pol,
			 const struct auth *a)
{
	const struct rr_record *m = a->m;
	struct rrchain_site_result res;
	struct rrchain_stats st = { 0 };
	struct rrchain_error err = { 0 };
	struct rrchain_rdata *rd;
	char chain[512], id[RR_KEYID_LEN * 2 + 1];
	enum rrchain_reason r;
	size_t n;
	int rc = 0;

	rd = rrset_at(c->s, m->at, &n);
	if (!rd)
		return -1;
	r = rrchain_verify_site(pol, m, rd, n, c->o->now, NULL, &res, &st,
				&err);
	free(rd);
	if (r == RRCHAIN_R_MISSING && n == 0)
		goto out; /* the site's zone is not in the input */
	if (r == RRCHAIN_R_MISSING) {
		/* Something else sits at the name: a damaged record is not
		 * a vpnrr record any more. */
		snprintf(err.msg, sizeof(err.msg), "the records at %s include "
			 "no vpnrr site record (damaged?)", m->at);
		for (size_t i = 0; i < c->rep->n; i++)
			if (c->rep->v[i].parsed && c->rep->v[i].r.kind ==
			    RR_KIND_MEMBER && strcmp(c->rep->v[i].r.site,
						     m->site) == 0)
				bad(&c->rep->v[i], "%s", err.msg);
	}
	rc = object(c, PUB_OBJ_SITE, m->site, r, err.msg, res.warning);
	if (r == RRCHAIN_OK && res.rec)
		rr_keyid_format(res.rec->sigkeyid, id);
	else
		snprintf(id, sizeof(id), "?");
	snprintf(chain, sizeof(chain), "%.440s -> site key %s", a->chain, id);
	mark_owner(c, m->at, r, err.msg, r == RRCHAIN_OK ? res.content : NULL,
		   chain, &(struct rule){ pol, m });
	for (size_t i = 0; r == RRCHAIN_OK && res.warning[0] && i < c->rep->n;
	     i++)
		if (c->rep->v[i].signed_ok &&
		    pub_streq_nocase(c->rep->v[i].rr->owner, m->at))
			warn(&c->rep->v[i], "%s", res.warning);
out:
	rrchain_site_result_free(&res);
	return rc;
}

/* Site records the zones did not reach: authorized by a stand-alone
 * member record, or by nothing in the input. */
static int other_sites(struct ctx *c)
{
	for (size_t i = 0; i < c->rep->n; i++) {
		struct pub_vrec *s = &c->rep->v[i];
		struct rrchain_policy pol = { 0 };
		const struct auth *a;
		if (s->decided || !s->parsed || s->r.kind != RR_KIND_SITE)
			continue;
		a = find_auth(c, s->r.vpn, s->r.site, c->o->zone);
		if (!a) {
			s->decided = true;
			bad(s, "no membership for %s in VPN %s found (give the "
			    "VPN zone, or --zone with --server)", s->r.site,
			    s->r.vpn);
			continue;
		}
		if (!pub_streq_nocase(a->m->at, s->rr->owner)) {
			s->decided = true;
			bad(s, "published at %s, but its membership says %s",
			    s->rr->owner, a->m->at);
			continue;
		}
		pol.zone = a->zone;
		pol.vpn = a->m->vpn;
		if (check_site_of(c, &pol, a) != 0)
			return -1;
	}
	return 0;
}

/* ---- heads, pages and members -------------------------------------------- */

/* A verdict against the chain below a record already valid (a head
 * whose page or membership fails). */
static void bad_owner(struct ctx *c, const char *owner, enum rrchain_reason r,
		      const char *why)
{
	for (size_t i = 0; i < c->rep->n; i++)
		if (c->rep->v[i].signed_ok &&
		    pub_streq_nocase(c->rep->v[i].rr->owner, owner))
			bad(&c->rep->v[i], "%s: %s", rrchain_reason_name(r),
			    why);
}

/* The entries of a verified page: each under its member's verdict
 * (set after the members are checked). */
static void page_entries(struct ctx *c, const char *owner,
			 const struct rrchain_page *pg, const char *chain)
{
	for (size_t i = 0; i < c->rep->n; i++) {
		struct pub_vrec *v = &c->rep->v[i];
		if (!pub_streq_nocase(v->rr->owner, owner))
			continue;
		v->in_page = true;
		v->decided = true;
		snprintf(v->chain, sizeof(v->chain), "%s", chain);
		for (size_t k = 0; k < pg->nmembers; k++) {
			uint8_t h[RR_HASH_LEN];
			rrchain_record_content(&pg->members[k].rec, h);
			if (!same_content(v, h))
				continue;
			if (pg->members[k].status != RRCHAIN_OK)
				bad(v, "%s: %s", rrchain_reason_name(
					    pg->members[k].status),
				    pg->members[k].why);
			else
				v->signed_ok = true;
		}
	}
}

/* Pages of the head in M; false when one is not in the input. */
static int check_pages(struct ctx *c, const struct rrchain_policy *pol,
		       struct rrchain_membership *m, const char *head_owner,
		       bool *complete, bool *ok)
{
	const struct rr_record *h = &m->head.rec;
	char owner[RR_MAX_NAME + 1];
	struct rrchain_stats st = { 0 };
	struct rr_error rerr;

	*complete = *ok = true;
	for (size_t p = 0; p < h->npages; p++) {
		struct rrchain_error err = { 0 };
		struct rrchain_rdata *rd;
		enum rrchain_reason r;
		size_t n;
		if (rr_name_page(pol->zone, h->pages[p], owner, &rerr) != RR_OK)
			return -1;
		rd = rrset_at(c->s, owner, &n);
		if (!rd)
			return -1;
		if (n == 0 && c->o->partial) {
			free(rd);
			*complete = false;
			for (size_t i = 0; i < c->rep->n; i++)
				if (pub_streq_nocase(c->rep->v[i].rr->owner,
						     head_owner))
					warn(&c->rep->v[i], "page %zu (%s) not "
					     "in the input: its members are "
					     "not checked", p + 1, owner);
			continue;
		}
		r = rrchain_verify_page(pol, h->pages[p], rd, n, c->o->now,
					&m->pages[p], &st, &err);
		free(rd);
		m->npages = p + 1;
		if (n == 0)
			snprintf(err.msg, sizeof(err.msg), "page %zu (%s) is "
				 "missing", p + 1, owner);
		if (object(c, PUB_OBJ_PAGE, owner, r, err.msg, NULL) != 0)
			return -1;
		if (r == RRCHAIN_OK)
			continue;
		*ok = false;
		mark_owner(c, owner, r, err.msg, NULL, "", NULL);
		bad_owner(c, head_owner, r, err.msg);
	}
	return 0;
}

static int check_members(struct ctx *c, const struct rrchain_policy *pol,
			 struct rrchain_membership *m, const char *head_chain)
{
	const struct rr_record *h = &m->head.rec;
	struct rrchain_stats st = { 0 };
	struct rrchain_error err = { 0 };
	char owner[RR_MAX_NAME + 1], chain[512], hown[RR_MAX_NAME + 1];
	struct rr_error rerr;
	enum rrchain_reason r;

	r = rrchain_verify_members(m, &st, &err);
	if (rr_name_head(pol->zone, hown, &rerr) != RR_OK ||
	    object(c, PUB_OBJ_MEMBERSHIP, hown, r, err.msg, NULL) != 0)
		return -1;
	if (r != RRCHAIN_OK) {
		bad_owner(c, hown, r, err.msg);
		return 0;
	}
	for (size_t p = 0; p < m->npages; p++) {
		const struct rrchain_page *pg = &m->pages[p];
		if (rr_name_page(pol->zone, pg->hash, owner, &rerr) != RR_OK)
			return -1;
		snprintf(chain, sizeof(chain), "%.400s -> head s=%" PRIu32
			 " -> page %zu", head_chain, h->serial, p + 1);
		page_entries(c, owner, pg, chain);
		for (size_t i = 0; i < pg->nmembers; i++) {
			const struct rrchain_member *e = &pg->members[i];
			if (object(c, PUB_OBJ_MEMBER, e->rec.site, e->status,
				   e->why, NULL) != 0 ||
			    (e->status == RRCHAIN_OK &&
			     add_auth(c, &e->rec, pol->zone, chain) != 0))
				return -1;
		}
	}
	return 0;
}

static int keep_membership(struct ctx *c, struct rrchain_membership *m)
{
	struct rrchain_membership *nm = realloc(c->ms,
						(c->nms + 1) * sizeof(*nm));

	if (!nm)
		return -1;
	c->ms = nm;
	c->ms[c->nms++] = *m;
	memset(m, 0, sizeof(*m));
	return 0;
}

/* The chain of the zone whose head sits at OWNER, as a fetcher of that
 * zone would verify it. */
static int check_zone(struct ctx *c, const char *owner)
{
	struct rrchain_policy pol = { 0 };
	struct rrchain_membership m = { 0 };
	struct rrchain_stats st = { 0 };
	struct rrchain_error err = { 0 };
	struct rrchain_rdata *rd;
	char chain[64], id[RR_KEYID_LEN * 2 + 1];
	enum rrchain_reason r;
	bool complete, ok;
	size_t n, first = c->nauth;
	int rc = -1;

	pol.zone = owner + strlen(HEAD_PREFIX);
	pol.anchors = c->o->anchors;
	pol.nanchors = c->o->nanchors;
	rd = rrset_at(c->s, owner, &n);
	if (!rd)
		return -1;
	r = rrchain_verify_head(&pol, rd, n, c->o->now, NULL, &m.head, &st,
				&err);
	free(rd);
	if (object(c, PUB_OBJ_HEAD, owner, r, err.msg, NULL) != 0)
		goto out;
	if (r == RRCHAIN_OK)
		rr_keyid_format(m.head.rec.sigkeyid, id);
	snprintf(chain, sizeof(chain), "anchor %s", r == RRCHAIN_OK ? id : "?");
	mark_owner(c, owner, r, err.msg, m.head.content, chain,
		   &(struct rule){ &pol, NULL });
	rc = 0;
	if (r != RRCHAIN_OK)
		goto out;
	pol.vpn = m.head.rec.vpn;
	m.pages = calloc(m.head.rec.npages ? m.head.rec.npages : 1,
			 sizeof(*m.pages));
	rc = -1;
	if (!m.pages || check_pages(c, &pol, &m, owner, &complete, &ok) != 0)
		goto out;
	rc = 0;
	if (!complete || !ok)
		goto out;
	if (check_members(c, &pol, &m, chain) != 0)
		goto out_fail;
	for (size_t i = first; i < c->nauth; i++)
		if (check_site_of(c, &pol, &c->auth[i]) != 0)
			goto out_fail;
	/* The authorizations point into M: it lives as long as C. */
	if (keep_membership(c, &m) != 0)
		goto out_fail;
	goto out;
out_fail:
	rc = -1;
out:
	/* Authorizations into a membership not kept go with it. */
	if (m.head.raw.data)
		c->nauth = first;
	rrchain_membership_free(&m);
	return rc;
}

/* ---- stand-alone member records ------------------------------------------ */

static const char *member_zone(const char *owner)
{
	const char *p = strstr(owner, MEMBER_INFIX);
	return p ? p + strlen(MEMBER_INFIX) : NULL;
}

static bool zone_has_head(const struct ctx *c, const char *zone)
{
	char owner[RR_MAX_NAME + 1];
	struct rr_error err;

	if (rr_name_head(zone, owner, &err) != RR_OK)
		return false;
	for (size_t i = 0; i < c->rep->nobj; i++)
		if (c->rep->obj[i].kind == PUB_OBJ_HEAD &&
		    c->rep->obj[i].verdict == RRCHAIN_OK &&
		    strcmp(c->rep->obj[i].name, owner) == 0)
			return true;
	return false;
}

/* A member record signed by an anchor (SPEC.md 2.1): one record's rules
 * (rr_verify), and equal to its entry when the zone's head is here. */
static int check_member(struct ctx *c, struct pub_vrec *m)
{
	const char *zone = member_zone(m->rr->owner);
	char want[RR_MAX_NAME + 1], id[RR_KEYID_LEN * 2 + 1];
	struct rr_expect ex = { m->rr->owner, NULL, m->r.site, RR_KIND_MEMBER,
				c->o->now };
	uint8_t h[RR_HASH_LEN];
	const struct auth *a;
	struct rr_error err;
	enum rr_errclass rc;

	m->decided = true;
	if (!zone) {
		bad(m, "member records belong at SITE.LOCATION" MEMBER_INFIX
		    "ZONE");
		return 0;
	}
	if (rr_name_member(zone, m->r.site, want, &err) != RR_OK ||
	    strcmp(want, m->rr->owner) != 0) {
		bad(m, "the member record of %s belongs at %s", m->r.site, want);
		return 0;
	}
	rc = rr_verify(&m->r, &ex, c->o->anchors, c->o->nanchors, &err);
	if (rc != RR_OK) {
		bad(m, "%s: %s", rr_errclass_name(rc), err.msg);
		return 0;
	}
	m->signed_ok = true;
	soon(c, m);
	rr_keyid_format(m->r.sigkeyid, id);
	if (zone_has_head(c, zone)) {
		a = find_auth(c, m->r.vpn, m->r.site, zone);
		if (a)
			rrchain_record_content(a->m, h);
		if (!a)
			bad(m, "not a usable entry of the head's pages "
			    "(withdrawn or rejected?)");
		else if (!same_content(m, h))
			bad(m, "differs from the entry in the head's pages");
		else
			snprintf(m->chain, sizeof(m->chain), "%.400s (signed "
				 "by anchor %s)", a->chain, id);
		return 0;
	}
	snprintf(m->chain, sizeof(m->chain), "anchor %s -> member record", id);
	return add_auth(c, &m->r, zone, m->chain);
}

/* Page entries no verified head reached. */
static void loose_entry(struct ctx *c, struct pub_vrec *m)
{
	m->decided = true;
	if (c->o->partial)
		warn(m, "unsigned page entry: not checked (the head that "
		     "lists its page is not in the input)");
	else
		bad(m, "unsigned member entry not listed by any head");
}

/* ---- the whole input ----------------------------------------------------- */

static bool first_at(const struct pub_report *rep, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (pub_streq_nocase(rep->v[j].rr->owner, rep->v[i].rr->owner))
			return false;
	return true;
}

static int check_all(struct ctx *c)
{
	struct pub_report *rep = c->rep;

	for (size_t i = 0; i < rep->n; i++)
		if (rep->v[i].parsed && rep->v[i].r.kind == RR_KIND_HEAD &&
		    !strncmp(rep->v[i].rr->owner, HEAD_PREFIX,
			     strlen(HEAD_PREFIX)) && first_at(rep, i) &&
		    check_zone(c, rep->v[i].rr->owner) != 0)
			return -1;
	for (size_t i = 0; i < rep->n; i++) {
		struct pub_vrec *v = &rep->v[i];
		if (v->decided || !v->parsed || v->r.kind != RR_KIND_MEMBER)
			continue;
		if (!v->r.has_sig)
			loose_entry(c, v);
		else if (check_member(c, v) != 0)
			return -1;
	}
	if (other_sites(c) != 0)
		return -1;
	for (size_t i = 0; i < rep->n; i++) {
		struct pub_vrec *v = &rep->v[i];
		if (!v->decided && v->parsed && v->r.kind == RR_KIND_HEAD)
			bad(v, "a head belongs at " HEAD_PREFIX "ZONE");
	}
	return 0;
}

static void finish(struct pub_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		struct pub_vrec *v = &rep->v[i];
		if (v->status != PUB_V_INVALID && v->signed_ok)
			v->status = PUB_V_VALID;
		if (v->status == PUB_V_VALID)
			rep->nvalid++;
		else if (v->status == PUB_V_INVALID)
			rep->ninvalid++;
	}
	if (rep->n == 0)
		global(rep, "no vpnrr records in the input");
	if (rep->nvalid == 0 && rep->ninvalid == 0 && rep->n)
		global(rep, "nothing could be verified");
}

int pub_chain_check(const struct pub_rrset *s, const struct pub_chain_opts *o,
		    struct pub_report *rep, struct pub_err *e)
{
	struct ctx c = { s, o, rep, NULL, 0, NULL, 0 };
	int rc = 0;

	memset(rep, 0, sizeof(*rep));
	if (decode_all(s, rep, e) != 0)
		return -1;
	if (o->nanchors == 0)
		global(rep, "no trust anchor given (--anchor): signatures "
		       "cannot be checked");
	if (check_all(&c) != 0)
		rc = pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "verify",
			      "out of memory");
	else
		finish(rep);
	free(c.auth);
	for (size_t i = 0; i < c.nms; i++)
		rrchain_membership_free(&c.ms[i]);
	free(c.ms);
	return rc;
}

void pub_report_free(struct pub_report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		rr_record_free(&rep->v[i].r);
	free(rep->v);
	free(rep->obj);
	memset(rep, 0, sizeof(*rep));
}

static const char *head_zone(const char *owner)
{
	return strncmp(owner, HEAD_PREFIX, strlen(HEAD_PREFIX)) == 0
		       ? owner + strlen(HEAD_PREFIX) : NULL;
}

/* ---- names to fetch ------------------------------------------------------ */

struct names {
	char **v;
	size_t n;
	const struct pub_rrset *s;
};

static int want(struct names *nm, const char *name, struct pub_err *e)
{
	char **nv;

	if (!name[0] || pub_rrset_has_owner(nm->s, name))
		return 0;
	for (size_t i = 0; i < nm->n; i++)
		if (strcmp(nm->v[i], name) == 0)
			return 0;
	nv = realloc(nm->v, (nm->n + 1) * sizeof(*nv));
	if (!nv || !(nv[nm->n] = strdup(name))) {
		if (nv)
			nm->v = nv;
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "verify",
				"out of memory");
	}
	nm->v = nv;
	nm->n++;
	return 0;
}

static int names_of(struct names *nm, const struct rr_record *r,
		    const char *owner, const struct pub_chain_opts *o,
		    struct pub_err *e)
{
	char name[RR_MAX_NAME + 1];
	struct rr_error err;
	const char *zone = r->kind == RR_KIND_HEAD ? head_zone(owner)
			 : member_zone(owner) ? member_zone(owner) : o->zone;

	if (r->kind == RR_KIND_HEAD && zone) {
		for (size_t p = 0; p < r->npages; p++)
			if (rr_name_page(zone, r->pages[p], name, &err) == RR_OK &&
			    want(nm, name, e) != 0)
				return -1;
	}
	if (r->kind == RR_KIND_MEMBER && want(nm, r->at, e) != 0)
		return -1;
	if (r->kind != RR_KIND_HEAD && zone && !strstr(owner, ".p._vpnrr.") &&
	    rr_name_member(zone, r->site, name, &err) == RR_OK &&
	    want(nm, name, e) != 0)
		return -1;
	if (r->kind == RR_KIND_MEMBER && !r->has_sig && zone &&
	    rr_name_member(zone, r->site, name, &err) == RR_OK &&
	    want(nm, name, e) != 0)
		return -1;
	return 0;
}

int pub_chain_names(const struct pub_rrset *s, const struct pub_chain_opts *o,
		    char ***names, size_t *n, struct pub_err *e)
{
	struct names nm = { NULL, 0, s };
	char head[RR_MAX_NAME + 1];
	struct rr_error err;
	int rc = 0;

	if (o->zone && rr_name_head(o->zone, head, &err) == RR_OK)
		rc = want(&nm, head, e);
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		const struct pub_rr *rr = &s->v[i];
		struct rrchain_rdata rd = rdata_of(rr);
		struct rr_record r;
		enum rr_errclass pc;
		if (!rrchain_rdata_is_vpnrr(&rd))
			continue;
		pc = rr->type == 16 ? rr_parse_txt_rdata(rr->rdata, rr->len, &r,
							 &err)
				    : rr_parse_bin(rr->rdata, rr->len, &r, &err);
		if (pc != RR_OK)
			continue;
		if (r.kind == RR_KIND_MEMBER && !r.has_sig) {
			/* A page entry: its zone is the page's. */
			const char *pz = strstr(rr->owner, ".p._vpnrr.");
			if (pz && rr_name_member(pz + 10, r.site, head, &err) ==
					  RR_OK)
				rc = want(&nm, head, e);
			if (rc == 0)
				rc = want(&nm, r.at, e);
		} else {
			rc = names_of(&nm, &r, rr->owner, o, e);
		}
		rr_record_free(&r);
	}
	*names = nm.v;
	*n = nm.n;
	return rc;
}

void pub_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
