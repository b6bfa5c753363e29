/*
 * policy.c - admission rules.  What a fetcher checks in the published
 * set (restrict-nets, duplicate site names, overlapping nets) comes from
 * the chain library, so the admin cannot admit what nodes would refuse;
 * unique publish names and keys and a usable member DNS name are the
 * admin's own rules.  Every check sorts instead of comparing pairs.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy.h"
#include "rrchain.h"

/* The members under check: the entries the library sees, and the
 * descriptions they come from, in the same order. */
struct set {
	struct rrchain_entry *v;
	const struct pub_member **m;
	size_t n;
};

static void set_free(struct set *s)
{
	free(s->v);
	free(s->m);
	memset(s, 0, sizeof(*s));
}

static void set_add(struct set *s, const struct pub_member *m)
{
	s->v[s->n] = (struct rrchain_entry){
		.site = m->site, .nets = m->nets, .nnets = m->nnets,
	};
	s->m[s->n++] = m;
}

/* The members of MS (but the one CAND renews) and then CAND, if any. */
static int set_build(const struct pub_members *ms,
		     const struct pub_member *cand, bool renew, struct set *s,
		     struct pub_err *e)
{
	size_t cap = ms->n + 1;

	memset(s, 0, sizeof(*s));
	s->v = calloc(cap, sizeof(*s->v));
	s->m = calloc(cap, sizeof(*s->m));
	if (!s->v || !s->m) {
		set_free(s);
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "policy",
				"out of memory");
	}
	for (size_t i = 0; i < ms->n; i++)
		if (!(cand && renew && pub_site_eq(ms->v[i].site, cand->site)))
			set_add(s, &ms->v[i]);
	if (cand)
		set_add(s, cand);
	return 0;
}

static int verdict_err(const struct pub_member *m,
		       const struct rrchain_entry *v, struct pub_err *e)
{
	const char *kw = v->status == RRCHAIN_R_DUPLICATE ? "site"
							  : "networks";

	return pub_errf(e, PUB_EXIT_INVALID, m->file, 0, kw, "%s", v->why);
}

/* The chain's set rules; ONLY (may be NULL) limits the verdicts that
 * count to that member's: others' old conflicts are not its fault. */
static int set_rules(const struct pub_admin *a, struct set *s,
		     const struct pub_member *only, struct pub_err *e)
{
	struct rrchain_policy pol = { 0 };
	struct rrchain_error err = { 0 };

	pol.restrict_nets = a->restrict_nets;
	pol.nrestrict = a->nrestrict;
	if (rrchain_check_entries(&pol, s->v, s->n, NULL, &err) != RRCHAIN_OK)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "policy", "%s",
				err.msg);
	for (size_t i = 0; i < s->n; i++)
		if ((!only || s->m[i] == only) && s->v[i].status != RRCHAIN_OK)
			return verdict_err(s->m[i], &s->v[i], e);
	return 0;
}

static int dns_name(const struct pub_admin *a, const struct pub_member *m,
		    struct pub_err *e)
{
	char name[RR_MAX_NAME + 1];
	struct rr_error err;

	if (rr_name_member(a->zone, m->site, name, &err) != RR_OK)
		return pub_errf(e, PUB_EXIT_INVALID, m->file, 0, "site", "%s",
				err.msg);
	return 0;
}

/* ---- publish names and keys: the admin's own ----------------------------- */

/* Ties keep the set's order, so the later member is the one refused. */
static int publish_cmp(const void *a, const void *b)
{
	const struct pub_member *x = *(const struct pub_member *const *)a;
	const struct pub_member *y = *(const struct pub_member *const *)b;
	int c = strcasecmp(x->publish, y->publish);

	if (c)
		return c;
	return x < y ? -1 : x > y;
}

static int publish_clash(const struct pub_member *old,
			 const struct pub_member *m, struct pub_err *e)
{
	return pub_errf(e, PUB_EXIT_INVALID, m->file, 0, "publish",
			"%s: already the publish name of %s", m->publish,
			old->site);
}

struct keyref {
	const uint8_t *key;
	const struct pub_member *m;
};

static int key_cmp(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int c = memcmp(x->key, y->key, RR_PUBKEY_LEN);

	if (c)
		return c;
	return x->m < y->m ? -1 : x->m > y->m;
}

static int key_clash(const struct pub_member *old, const struct pub_member *m,
		     struct pub_err *e)
{
	return pub_errf(e, PUB_EXIT_INVALID, m->file, 0, "key",
			"already the key of %s", old->site);
}

/* CAND against every other member of S: one pass. */
static int unique_one(const struct set *s, const struct pub_member *cand,
		      struct pub_err *e)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct pub_member *old = s->m[i];
		if (old == cand)
			continue;
		if (strcasecmp(old->publish, cand->publish) == 0)
			return publish_clash(old, cand, e);
		for (size_t k = 0; k < cand->nkeys; k++)
			for (size_t j = 0; j < old->nkeys; j++)
				if (memcmp(cand->keys[k].key, old->keys[j].key,
					   RR_PUBKEY_LEN) == 0)
					return key_clash(old, cand, e);
	}
	return 0;
}

/* Every member of S against every other, sorted: O(n log n). */
static int unique_all(const struct set *s, struct pub_err *e)
{
	const struct pub_member **by = calloc(s->n ? s->n : 1, sizeof(*by));
	struct keyref *keys = NULL;
	size_t nkeys = 0;
	int rc = -1;

	for (size_t i = 0; i < s->n; i++)
		nkeys += s->m[i]->nkeys;
	keys = calloc(nkeys ? nkeys : 1, sizeof(*keys));
	if (!by || !keys) {
		pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "policy",
			 "out of memory");
		goto out;
	}
	memcpy(by, s->m, s->n * sizeof(*by));
	qsort(by, s->n, sizeof(*by), publish_cmp);
	for (size_t i = 0; i + 1 < s->n; i++)
		if (strcasecmp(by[i]->publish, by[i + 1]->publish) == 0) {
			publish_clash(by[i], by[i + 1], e);
			goto out;
		}
	nkeys = 0;
	for (size_t i = 0; i < s->n; i++)
		for (size_t k = 0; k < s->m[i]->nkeys; k++)
			keys[nkeys++] = (struct keyref){ s->m[i]->keys[k].key,
							 s->m[i] };
	qsort(keys, nkeys, sizeof(*keys), key_cmp);
	/* One member's own keys are distinct (pub_member_parse). */
	for (size_t i = 0; i + 1 < nkeys; i++)
		if (memcmp(keys[i].key, keys[i + 1].key, RR_PUBKEY_LEN) == 0) {
			key_clash(keys[i].m, keys[i + 1].m, e);
			goto out;
		}
	rc = 0;
out:
	free(by);
	free(keys);
	return rc;
}

/* ---- the two checks ------------------------------------------------------ */

int pub_policy_admit(const struct pub_admin *a, const struct pub_members *ms,
		     const struct pub_member *cand, bool renew,
		     struct pub_err *e)
{
	struct set s;
	int rc = -1;

	if (set_build(ms, cand, renew, &s, e) != 0)
		return -1;
	if (set_rules(a, &s, cand, e) == 0 && dns_name(a, cand, e) == 0 &&
	    unique_one(&s, cand, e) == 0)
		rc = 0;
	set_free(&s);
	return rc;
}

int pub_policy_all(const struct pub_admin *a, const struct pub_members *ms,
		   struct pub_err *e)
{
	struct set s;
	int rc = -1;

	if (set_build(ms, NULL, false, &s, e) != 0)
		return -1;
	if (set_rules(a, &s, NULL, e) != 0)
		goto out;
	for (size_t i = 0; i < s.n; i++)
		if (dns_name(a, s.m[i], e) != 0)
			goto out;
	rc = unique_all(&s, e);
out:
	set_free(&s);
	return rc;
}
