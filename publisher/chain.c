/* chain.c - the auditor's report over a set of RRs.  Every verdict on a
 * head, page, member or site record comes from the chain rules
 * (rrchain.h) that vpnrr-fetch applies too; this file walks each VPN
 * zone of the input as a fetcher would (head, pages, members, site
 * records) and hands the verdicts to chain_report.c. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain_int.h"

/* ---- site records -------------------------------------------------------- */

static int check_site_of(struct pcv_ctx *c, const struct rrchain_policy *pol,
			 const struct pcv_auth *a)
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

	rd = pcv_rrset_at(c->s, m->at, &n);
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
				pcv_bad(&c->rep->v[i], "%s", err.msg);
	}
	rc = pcv_object(c, PUB_OBJ_SITE, m->site, r, err.msg, res.warning);
	if (r == RRCHAIN_OK && res.rec)
		rr_keyid_format(res.rec->sigkeyid, id);
	else
		snprintf(id, sizeof(id), "?");
	snprintf(chain, sizeof(chain), "%.440s -> site key %s", a->chain, id);
	pcv_mark_owner(c, m->at, r, err.msg,
		       r == RRCHAIN_OK ? res.content : NULL, chain,
		       &(struct pcv_rule){ pol, m });
	for (size_t i = 0; r == RRCHAIN_OK && res.warning[0] && i < c->rep->n;
	     i++)
		if (c->rep->v[i].signed_ok &&
		    pub_streq_nocase(c->rep->v[i].rr->owner, m->at))
			pcv_warn(&c->rep->v[i], "%s", res.warning);
out:
	rrchain_site_result_free(&res);
	return rc;
}

/* Site records the zones did not reach: authorized by a stand-alone
 * member record, or by nothing in the input. */
static int other_sites(struct pcv_ctx *c)
{
	for (size_t i = 0; i < c->rep->n; i++) {
		struct pub_vrec *s = &c->rep->v[i];
		struct rrchain_policy pol = { 0 };
		const struct pcv_auth *a;
		if (s->decided || !s->parsed || s->r.kind != RR_KIND_SITE)
			continue;
		a = pcv_find_auth(c, s->r.vpn, s->r.site, c->o->zone);
		if (!a) {
			s->decided = true;
			pcv_bad(s, "no membership for %s in VPN %s in the "
				"input: give the VPN zone's records too, or "
				"let verify fetch them (--server ADDRESS "
				"--zone ZONE)", s->r.site, s->r.vpn);
			continue;
		}
		if (!pub_streq_nocase(a->m->at, s->rr->owner)) {
			s->decided = true;
			pcv_bad(s, "published at %s, but its membership "
				"says %s", s->rr->owner, a->m->at);
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

/* Pages of the head in M; false when one is not in the input. */
static int check_pages(struct pcv_ctx *c, const struct rrchain_policy *pol,
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
		rd = pcv_rrset_at(c->s, owner, &n);
		if (!rd)
			return -1;
		if (n == 0 && c->o->partial) {
			free(rd);
			*complete = false;
			for (size_t i = 0; i < c->rep->n; i++) {
				struct pub_vrec *v = &c->rep->v[i];
				if (pub_streq_nocase(v->rr->owner, head_owner))
					pcv_warn(v, "page %zu (%s) not in the "
						 "input: its members are not "
						 "checked", p + 1, owner);
			}
			continue;
		}
		r = rrchain_verify_page(pol, h->pages[p], rd, n, c->o->now,
					&m->pages[p], &st, &err);
		free(rd);
		m->npages = p + 1;
		if (n == 0)
			snprintf(err.msg, sizeof(err.msg), "page %zu (%s) is "
				 "missing", p + 1, owner);
		if (pcv_object(c, PUB_OBJ_PAGE, owner, r, err.msg, NULL) != 0)
			return -1;
		if (r == RRCHAIN_OK)
			continue;
		*ok = false;
		pcv_mark_owner(c, owner, r, err.msg, NULL, "", NULL);
		pcv_bad_owner(c, head_owner, r, err.msg);
	}
	return 0;
}

static int check_members(struct pcv_ctx *c, const struct rrchain_policy *pol,
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
	    pcv_object(c, PUB_OBJ_MEMBERSHIP, hown, r, err.msg, NULL) != 0)
		return -1;
	if (r != RRCHAIN_OK) {
		pcv_bad_owner(c, hown, r, err.msg);
		return 0;
	}
	for (size_t p = 0; p < m->npages; p++) {
		const struct rrchain_page *pg = &m->pages[p];
		if (rr_name_page(pol->zone, pg->hash, owner, &rerr) != RR_OK)
			return -1;
		snprintf(chain, sizeof(chain), "%.400s -> head s=%" PRIu32
			 " -> page %zu", head_chain, h->serial, p + 1);
		pcv_page_entries(c, owner, pg, chain);
		for (size_t i = 0; i < pg->nmembers; i++) {
			const struct rrchain_member *e = &pg->members[i];
			if (pcv_object(c, PUB_OBJ_MEMBER, e->rec.site,
				       e->status, e->why, NULL) != 0 ||
			    (e->status == RRCHAIN_OK &&
			     pcv_add_auth(c, &e->rec, pol->zone, chain) != 0))
				return -1;
		}
	}
	return 0;
}

static int keep_membership(struct pcv_ctx *c, struct rrchain_membership *m)
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
static int check_zone(struct pcv_ctx *c, const char *owner)
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

	pol.zone = owner + strlen(PCV_HEAD_PREFIX);
	pol.anchors = c->o->anchors;
	pol.nanchors = c->o->nanchors;
	rd = pcv_rrset_at(c->s, owner, &n);
	if (!rd)
		return -1;
	r = rrchain_verify_head(&pol, rd, n, c->o->now, NULL, &m.head, &st,
				&err);
	free(rd);
	if (pcv_object(c, PUB_OBJ_HEAD, owner, r, err.msg, NULL) != 0)
		goto out;
	if (r == RRCHAIN_OK)
		rr_keyid_format(m.head.rec.sigkeyid, id);
	snprintf(chain, sizeof(chain), "anchor %s", r == RRCHAIN_OK ? id : "?");
	pcv_mark_owner(c, owner, r, err.msg, m.head.content, chain,
		       &(struct pcv_rule){ &pol, NULL });
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

/* ---- the whole input ----------------------------------------------------- */

static bool first_at(const struct pub_report *rep, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (pub_streq_nocase(rep->v[j].rr->owner, rep->v[i].rr->owner))
			return false;
	return true;
}

static int check_all(struct pcv_ctx *c)
{
	struct pub_report *rep = c->rep;

	for (size_t i = 0; i < rep->n; i++)
		if (rep->v[i].parsed && rep->v[i].r.kind == RR_KIND_HEAD &&
		    !strncmp(rep->v[i].rr->owner, PCV_HEAD_PREFIX,
			     strlen(PCV_HEAD_PREFIX)) && first_at(rep, i) &&
		    check_zone(c, rep->v[i].rr->owner) != 0)
			return -1;
	for (size_t i = 0; i < rep->n; i++) {
		struct pub_vrec *v = &rep->v[i];
		if (v->decided || !v->parsed || v->r.kind != RR_KIND_MEMBER)
			continue;
		if (!v->r.has_sig)
			pcv_loose_entry(c, v);
		else if (pcv_check_member(c, v) != 0)
			return -1;
	}
	if (other_sites(c) != 0 || pcv_check_anchors(c) != 0)
		return -1;
	for (size_t i = 0; i < rep->n; i++) {
		struct pub_vrec *v = &rep->v[i];
		if (!v->decided && v->parsed && v->r.kind == RR_KIND_HEAD)
			pcv_bad(v, "a head belongs at " PCV_HEAD_PREFIX "ZONE");
	}
	return 0;
}

int pub_chain_check(const struct pub_rrset *s, const struct pub_chain_opts *o,
		    struct pub_report *rep, struct pub_err *e)
{
	struct pcv_ctx c = { s, o, rep, NULL, 0, NULL, 0 };
	int rc = 0;

	memset(rep, 0, sizeof(*rep));
	if (pcv_decode_all(s, rep, e) != 0)
		return -1;
	if (o->nanchors == 0)
		pcv_global(rep, "no trust anchor given (--anchor): signatures "
			   "cannot be checked");
	if (check_all(&c) != 0)
		rc = pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "verify",
			      "out of memory");
	else
		pcv_finish(rep);
	free(c.auth);
	for (size_t i = 0; i < c.nms; i++)
		rrchain_membership_free(&c.ms[i]);
	free(c.ms);
	return rc;
}
