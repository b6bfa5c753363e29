/* chain_anchor.c - the auditor's verdict on anchor statements
 * (_anchor._vpnrr.ZONE): the rule vpnrr-fetch applies
 * (rrchain_verify_anchors) under the anchors given, each statement
 * judged with the RRset it came in, since a retirement there takes the
 * retired key's announcements with it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain_int.h"

#define ANCHOR_PREFIX "_anchor._vpnrr."

/* The record of S that carries the I-th vpnrr RDATA at OWNER. */
static struct pub_vrec *nth_at(struct pcv_ctx *c, const char *owner,
			       size_t i)
{
	size_t k = 0;

	for (size_t j = 0; j < c->s->n; j++) {
		struct rrchain_rdata rd = pcv_rdata_of(&c->s->v[j]);
		if (!pub_streq_nocase(c->s->v[j].owner, owner) ||
		    !rrchain_rdata_is_vpnrr(&rd))
			continue;
		if (k++ != i)
			continue;
		for (size_t v = 0; v < c->rep->n; v++)
			if (c->rep->v[v].rr == &c->s->v[j])
				return &c->rep->v[v];
		return NULL;
	}
	return NULL;
}

static int check_owner(struct pcv_ctx *c, const char *owner)
{
	struct rrchain_anchor_stmt out[RRCHAIN_MAX_RRSET];
	struct rrchain_policy pol = { 0 };
	struct rrchain_error err = { 0 };
	struct rrchain_stats st = { 0 };
	struct rrchain_rdata *rd;
	char kt[RR_PUBKEYSTRLEN], id[2 * RR_KEYID_LEN + 1];
	enum rrchain_reason r;
	size_t n, nout = 0;
	int rc = 0;

	pol.zone = owner + strlen(ANCHOR_PREFIX);
	pol.anchors = c->o->anchors;
	pol.nanchors = c->o->nanchors;
	rd = pcv_rrset_at(c->s, owner, &n);
	if (!rd)
		return -1;
	r = rrchain_verify_anchors(&pol, rd, n, c->o->now, NULL, 0, NULL, 0,
				   out, &nout, &st, &err);
	free(rd);
	if (r != RRCHAIN_OK) {
		pcv_bad_owner(c, owner, r, err.msg);
		return pcv_object(c, PUB_OBJ_ANCHOR, owner, r, err.msg, NULL);
	}
	for (size_t i = 0; i < nout && rc == 0; i++) {
		struct pub_vrec *v = nth_at(c, owner, i);
		rc = pcv_object(c, PUB_OBJ_ANCHOR, owner, out[i].status,
				out[i].why, NULL);
		if (!v)
			continue;
		v->decided = true;
		if (out[i].status != RRCHAIN_OK) {
			pcv_bad(v, "%s: %s", rrchain_reason_name(out[i].status),
				out[i].why);
			continue;
		}
		v->signed_ok = true;
		rr_pubkey_format(&out[i].key, kt);
		rr_keyid_format(out[i].signer, id);
		snprintf(v->chain, sizeof(v->chain), "anchor %s -> %s %s", id,
			 out[i].retire ? "retires" : "announces", kt);
		pcv_soon(c, v);
	}
	return rc;
}

static bool first_at(const struct pub_report *rep, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (pub_streq_nocase(rep->v[j].rr->owner, rep->v[i].rr->owner))
			return false;
	return true;
}

int pcv_check_anchors(struct pcv_ctx *c)
{
	for (size_t i = 0; i < c->rep->n; i++) {
		struct pub_vrec *v = &c->rep->v[i];
		if (v->decided || !v->parsed || v->r.kind != RR_KIND_ANCHOR)
			continue;
		if (strncmp(v->rr->owner, ANCHOR_PREFIX,
			    strlen(ANCHOR_PREFIX)) != 0) {
			v->decided = true;
			pcv_bad(v, "an anchor statement belongs at "
				ANCHOR_PREFIX "ZONE");
			continue;
		}
		if (first_at(c->rep, i) && check_owner(c, v->rr->owner) != 0)
			return -1;
	}
	return 0;
}
