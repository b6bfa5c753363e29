/*
 * anchors.c - the anchor statements at _anchor._vpnrr.ZONE (SPEC.md
 * 10.10): which announcements and retirements a reader may act on.
 *
 * Retirements are judged first, so that a key this very RRset retires
 * cannot vouch for a new anchor in it: a node that comes back after the
 * whole rollover must not adopt what only a retired key announced.
 */
#include <string.h>

#include "internal.h"

static bool key_in(const struct rr_pubkey *k, const struct rr_pubkey *set,
		   size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (set[i].alg == k->alg &&
		    memcmp(set[i].key, k->key, RR_PUBKEY_LEN) == 0)
			return true;
	return false;
}

static bool id_in(const uint8_t id[RR_KEYID_LEN], const struct rr_pubkey *set,
		  size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(set[i].id, id, RR_KEYID_LEN) == 0)
			return true;
	return false;
}

/* Trusted, pending and retired keys; the retired plus what RRS retires. */
#define VICTIMS (3 * RRCHAIN_MAX_ANCHOR_KEYS)
#define GONE (RRCHAIN_MAX_ANCHOR_KEYS + RRCHAIN_MAX_RRSET)

struct sets {
	struct rr_pubkey *v;
	size_t n;
};

static void set_add(struct sets *s, const struct rr_pubkey *k, size_t cap)
{
	if (s->n < cap && !key_in(k, s->v, s->n))
		s->v[s->n++] = *k;
}

static void mark(struct rrchain_anchor_stmt *o, struct rrchain_stats *stats,
		 enum rrchain_reason r, const struct rr_error *e)
{
	o->status = r;
	if (stats)
		stats->rejected[r]++;
	rr_say(o->why, sizeof(o->why), "%s", e->msg);
}

static void take(struct rrchain_anchor_stmt *o, const struct rr_record *rec)
{
	o->retire = rec->anchor_retire;
	o->key = rec->anchor_key;
	memcpy(o->signer, rec->sigkeyid, RR_KEYID_LEN);
	o->serial = rec->serial;
	o->not_before = rec->not_before;
	o->expires = rec->expires;
}

enum rrchain_reason rrchain_verify_anchors(
	const struct rrchain_policy *pol, const struct rrchain_rdata *rrs,
	size_t n, uint64_t now, const struct rr_pubkey *pending,
	size_t npending, const struct rr_pubkey *retired, size_t nretired,
	struct rrchain_anchor_stmt *out, size_t *nout,
	struct rrchain_stats *stats, struct rrchain_error *err)
{
	/* Every key a retirement may name, and the keys retired so far. */
	struct rr_pubkey vb[VICTIMS], gb[GONE], tb[RRCHAIN_MAX_ANCHOR_KEYS];
	struct sets victims = { vb, 0 }, gone = { gb, 0 }, trusted = { tb, 0 };
	struct rr_record recs[RRCHAIN_MAX_RRSET];
	char owner[RR_MAX_NAME + 1], id[2 * RR_KEYID_LEN + 1];
	struct rr_expect ex;
	struct rr_error e;
	size_t m = 0;

	*nout = 0;
	if (rr_name_anchor(pol->zone, owner, &e) != RR_OK)
		return rrc_reject(stats, err, RRCHAIN_R_LIMIT, "%s", e.msg);
	for (size_t i = 0; i < n; i++)
		if (rrchain_rdata_is_vpnrr(&rrs[i]) && m++ >= RRCHAIN_MAX_RRSET)
			return rrc_reject(stats, err, RRCHAIN_R_LIMIT,
					  "%s: more than %d records", owner,
					  RRCHAIN_MAX_RRSET);
	for (size_t i = 0; i < pol->nanchors; i++) {
		set_add(&victims, &pol->anchors[i], VICTIMS);
		set_add(&trusted, &pol->anchors[i], RRCHAIN_MAX_ANCHOR_KEYS);
	}
	for (size_t i = 0; i < npending; i++)
		set_add(&victims, &pending[i], VICTIMS);
	for (size_t i = 0; i < nretired; i++) {
		set_add(&victims, &retired[i], VICTIMS);
		set_add(&gone, &retired[i], GONE);
	}
	ex = (struct rr_expect){ owner, pol->vpn, NULL, RR_KIND_ANCHOR, now,
				 false };

	/* Parse; then the retirements. */
	m = 0;
	for (size_t i = 0; i < n; i++) {
		struct rrchain_anchor_stmt *o;
		enum rr_errclass c;

		if (!rrchain_rdata_is_vpnrr(&rrs[i]))
			continue;
		o = &out[m];
		memset(o, 0, sizeof(*o));
		c = rrc_parse_rdata(&rrs[i], &recs[m], &e);
		if (c != RR_OK) {
			rr_record_init(&recs[m], (enum rr_kind)0);
			mark(o, stats, rrc_from_rr(c), &e);
			m++;
			continue;
		}
		take(o, &recs[m]);
		if (recs[m].kind == RR_KIND_ANCHOR && recs[m].anchor_retire) {
			c = rr_verify(&recs[m], &ex, victims.v, victims.n, &e);
			if (c != RR_OK)
				mark(o, stats, rrc_from_rr(c), &e);
			else
				set_add(&gone, &o->key,
					GONE);
		}
		m++;
	}

	/* The announcements, under the anchors still standing. */
	for (size_t i = 0; i < m; i++) {
		struct rrchain_anchor_stmt *o = &out[i];
		struct rr_pubkey sb[RRCHAIN_MAX_ANCHOR_KEYS];
		size_t ns = 0;
		enum rr_errclass c;

		if (o->status != RRCHAIN_OK || o->retire)
			continue;
		for (size_t j = 0; j < trusted.n; j++)
			if (!key_in(&trusted.v[j], gone.v, gone.n))
				sb[ns++] = trusted.v[j];
		c = rr_verify(&recs[i], &ex, sb, ns, &e);
		if (c == RR_E_KEY && recs[i].kind == RR_KIND_ANCHOR &&
		    id_in(o->signer, gone.v, gone.n)) {
			rr_keyid_format(o->signer, id);
			(void)rr_seterr(&e, RR_E_KEY, "%s: signed by anchor "
					"%s, which is retired", owner, id);
		}
		if (c == RR_OK && key_in(&o->key, gone.v, gone.n)) {
			rr_keyid_format(o->key.id, id);
			c = rr_seterr(&e, RR_E_KEY, "%s: announces anchor %s, "
				      "which is retired", owner, id);
		}
		if (c != RR_OK)
			mark(o, stats, rrc_from_rr(c), &e);
	}
	for (size_t i = 0; i < m; i++)
		rr_record_free(&recs[i]);
	*nout = m;
	return RRCHAIN_OK;
}
