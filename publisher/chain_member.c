/* chain_member.c - member records outside a page: signed stand-alone
 * records (SPEC.md 2.1), checked against the anchors and their page
 * entries, and unsigned entries no verified head reached; and the list
 * of members that authorize site records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain_int.h"

int pcv_add_auth(struct pcv_ctx *c, const struct rr_record *m,
		 const char *zone, const char *chain)
{
	struct pcv_auth *na = realloc(c->auth, (c->nauth + 1) * sizeof(*na));

	if (!na)
		return -1;
	c->auth = na;
	na = &c->auth[c->nauth++];
	na->m = m;
	snprintf(na->zone, sizeof(na->zone), "%s", zone);
	snprintf(na->chain, sizeof(na->chain), "%s", chain);
	return 0;
}

const struct pcv_auth *pcv_find_auth(const struct pcv_ctx *c, const char *vpn,
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

/* ---- stand-alone member records ------------------------------------------ */

static bool zone_has_head(const struct pcv_ctx *c, const char *zone)
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

int pcv_check_member(struct pcv_ctx *c, struct pub_vrec *m)
{
	const char *zone = pcv_member_zone(m->rr->owner);
	char want[RR_MAX_NAME + 1], id[RR_KEYID_LEN * 2 + 1];
	struct rr_expect ex = { m->rr->owner, NULL, m->r.site, RR_KIND_MEMBER,
				c->o->now, false };
	uint8_t h[RR_HASH_LEN];
	const struct pcv_auth *a;
	struct rr_error err;
	enum rr_errclass rc;

	m->decided = true;
	if (!zone) {
		pcv_bad(m, "member records belong at "
			"SITE.LOCATION" PCV_MEMBER_INFIX "ZONE");
		return 0;
	}
	if (rr_name_member(zone, m->r.site, want, &err) != RR_OK ||
	    strcmp(want, m->rr->owner) != 0) {
		pcv_bad(m, "the member record of %s belongs at %s",
			m->r.site, want);
		return 0;
	}
	rc = rr_verify(&m->r, &ex, c->o->anchors, c->o->nanchors, &err);
	if (rc != RR_OK) {
		pcv_bad(m, "%s: %s", rr_errclass_name(rc), err.msg);
		return 0;
	}
	m->signed_ok = true;
	pcv_soon(c, m);
	rr_keyid_format(m->r.sigkeyid, id);
	if (zone_has_head(c, zone)) {
		a = pcv_find_auth(c, m->r.vpn, m->r.site, zone);
		if (a)
			rrchain_record_content(a->m, h);
		if (!a)
			pcv_bad(m, "not a usable entry of the head's pages "
				"(withdrawn or rejected?)");
		else if (!pcv_same_content(m, h))
			pcv_bad(m, "differs from the entry in the head's "
				"pages");
		else
			snprintf(m->chain, sizeof(m->chain), "%.400s (signed "
				 "by anchor %s)", a->chain, id);
		return 0;
	}
	snprintf(m->chain, sizeof(m->chain), "anchor %s -> member record", id);
	return pcv_add_auth(c, &m->r, zone, m->chain);
}

void pcv_loose_entry(struct pcv_ctx *c, struct pub_vrec *m)
{
	m->decided = true;
	if (c->o->partial)
		pcv_warn(m, "unsigned page entry: not checked (the head that "
			 "lists its page is not in the input)");
	else
		pcv_bad(m, "unsigned member entry not listed by any head");
}
