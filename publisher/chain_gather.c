/* chain_gather.c - the input (zone files, dig output, live answers) as
 * the chain library takes it: every vpnrr record decoded, the RRset at
 * a name, and the names the chain points at that the input lacks. */
#include <stdlib.h>
#include <string.h>

#include "chain_int.h"

/* ---- decoding ------------------------------------------------------------ */

struct rrchain_rdata pcv_rdata_of(const struct pub_rr *rr)
{
	return (struct rrchain_rdata){ rr->type, rr->rdata, rr->len };
}

/* RR's record in whichever encoding its type says. */
static enum rr_errclass parse(const struct pub_rr *rr, struct rr_record *r,
			      struct rr_error *err)
{
	if (rr->type == RR_TYPE_VPNRR)
		return rr_parse_bin(rr->rdata, rr->len, r, err);
	return rr_parse_txt_rdata(rr->rdata, rr->len, r, err);
}

static void decode(struct pub_vrec *v)
{
	struct rr_error err;
	enum rr_errclass rc = parse(v->rr, &v->r, &err);

	if (rc == RR_E_VERSION) {
		/* Not for this reader; an error only where nothing else is
		 * (the rules say so when they look at the name). */
		v->decided = true;
		pcv_warn(v, "another format version than %s: ignored",
			 RR_VERSION_TAG);
		return;
	}
	if (rc != RR_OK) {
		pcv_bad(v, "cannot decode (%s): %s", rr_errclass_name(rc),
			err.msg);
		return;
	}
	v->parsed = true;
}

int pcv_decode_all(const struct pub_rrset *s, struct pub_report *rep,
		   struct pub_err *e)
{
	rep->v = calloc(s->n ? s->n : 1, sizeof(*rep->v));
	if (!rep->v)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "verify",
				"out of memory");
	for (size_t i = 0; i < s->n; i++) {
		struct rrchain_rdata rd = pcv_rdata_of(&s->v[i]);
		struct pub_vrec *v;
		if (!rrchain_rdata_is_vpnrr(&rd))
			continue; /* another TXT record (SPF, ...) */
		v = &rep->v[rep->n++];
		v->rr = &s->v[i];
		decode(v);
	}
	return 0;
}

struct rrchain_rdata *pcv_rrset_at(const struct pub_rrset *s,
				   const char *owner, size_t *n)
{
	struct rrchain_rdata *rd = calloc(s->n ? s->n : 1, sizeof(*rd));

	*n = 0;
	for (size_t i = 0; rd && i < s->n; i++)
		if (pub_streq_nocase(s->v[i].owner, owner))
			rd[(*n)++] = pcv_rdata_of(&s->v[i]);
	return rd;
}

const char *pcv_head_zone(const char *owner)
{
	return strncmp(owner, PCV_HEAD_PREFIX, strlen(PCV_HEAD_PREFIX)) == 0
		       ? owner + strlen(PCV_HEAD_PREFIX) : NULL;
}

const char *pcv_member_zone(const char *owner)
{
	const char *p = strstr(owner, PCV_MEMBER_INFIX);
	return p ? p + strlen(PCV_MEMBER_INFIX) : NULL;
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
	const char *zone = r->kind == RR_KIND_HEAD ? pcv_head_zone(owner)
			 : pcv_member_zone(owner) ? pcv_member_zone(owner)
						  : o->zone;

	if (r->kind == RR_KIND_HEAD && zone) {
		for (size_t p = 0; p < r->npages; p++)
			if (rr_name_page(zone, r->pages[p], name, &err) ==
				    RR_OK && want(nm, name, e) != 0)
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
		struct rrchain_rdata rd = pcv_rdata_of(rr);
		struct rr_record r;
		enum rr_errclass pc;
		if (!rrchain_rdata_is_vpnrr(&rd))
			continue;
		pc = parse(rr, &r, &err);
		if (pc != RR_OK)
			continue;
		if (o->membership_only) {
			if (r.kind == RR_KIND_HEAD)
				rc = names_of(&nm, &r, rr->owner, o, e);
		} else if (r.kind == RR_KIND_MEMBER && !r.has_sig) {
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
