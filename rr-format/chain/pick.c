/*
 * pick.c - one record out of an RRset (a head or a site record): every
 * vpnrr record at the name is verified, the newest valid one is taken,
 * and the rules that need the winner (rollback, fork, pages listed
 * twice, nets inside the member's, the consumer's rules) are applied.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"

/* The bytes under this member entry were verified before: the cache
 * knows what they hold, so only the clock is checked. */
static enum rrchain_reason check_cached(const struct rrchain_site_cache *c,
				      const char *owner, uint64_t now,
				      struct rrchain_error *err)
{
	if (now < c->not_before)
		return rrc_seterr(err, RRCHAIN_R_NOTYET,
			      "%s: not valid before %llu (now %llu)", owner,
			      (unsigned long long)c->not_before,
			      (unsigned long long)now);
	if (now >= c->expires)
		return rrc_seterr(err, RRCHAIN_R_EXPIRED,
			      "%s: expired at %llu (now %llu)", owner,
			      (unsigned long long)c->expires,
			      (unsigned long long)now);
	return RRCHAIN_OK;
}

/* One valid record of an RRset.  REC is NULL for a cache hit. */
struct cand {
	struct rr_record *rec;
	const struct rrchain_rdata *rd;
	uint32_t serial;
	uint64_t expires;
	uint8_t content[RR_HASH_LEN];
	uint8_t key[RR_HASH_LEN];
	bool cached;
};

static void cand_free(struct cand *c)
{
	if (c->rec) {
		rr_record_free(c->rec);
		free(c->rec);
	}
	memset(c, 0, sizeof(*c));
}

struct pick {
	/* inputs */
	struct rr_expect ex;
	const struct rr_pubkey *keys;
	size_t nkeys;
	const uint8_t *member; /* site records: member content, for keys */
	const struct rrchain_site_cache *cache;
	const uint8_t *known;  /* heads: content verified before (stored) */
	uint64_t *known_count; /* stats counter for those */
	uint64_t *verified;    /* stats counter for signature checks */
	uint64_t *cached;      /* stats counter for skipped checks */
	/* the best valid record so far, and a copy of it seen beside it */
	bool have_best;
	struct cand best;
	bool has_dup;
	uint8_t dup_key[RR_HASH_LEN];
	bool tie; /* another valid record has best's serial, other content */
	/* what went wrong with the others */
	struct rrchain_error first;
	size_t nseen, nrejected, nignored;
};

static bool cache_hit(const struct pick *pk, const uint8_t key[RR_HASH_LEN])
{
	return pk->member && pk->cache && pk->cache->has_key &&
	       sodium_memcmp(key, pk->cache->key, RR_HASH_LEN) == 0;
}

/* The same content and serial as the record already chosen: the other
 * encoding (TXT and binary are both fetched) or a repeat.  Whatever its
 * signature, dropping it unverified cannot change the outcome. */
static bool is_duplicate(const struct pick *pk, const struct cand *c)
{
	return pk->have_best && c->serial == pk->best.serial &&
	       memcmp(c->content, pk->best.content, RR_HASH_LEN) == 0;
}

/* Parses and verifies one candidate into C; *IGNORED for records of
 * another format version and duplicates. */
static enum rrchain_reason pick_check(struct pick *pk,
				    const struct rrchain_rdata *rd,
				    const uint8_t *key, struct cand *c,
				    bool *ignored, struct rrchain_error *err)
{
	struct rr_error e = { 0 };
	enum rr_errclass rc;

	*ignored = false;
	c->rd = rd;
	if (key)
		memcpy(c->key, key, RR_HASH_LEN);
	/* The other copy of the cached record, next to that record: the
	 * same bytes as when it was found to be a copy. */
	if (key && pk->cache && pk->cache->has_alt && pk->have_best &&
	    pk->best.cached &&
	    sodium_memcmp(key, pk->cache->alt, RR_HASH_LEN) == 0) {
		(*pk->cached)++;
		pk->has_dup = true;
		memcpy(pk->dup_key, key, RR_HASH_LEN);
		*ignored = true;
		return RRCHAIN_OK;
	}
	if (key && cache_hit(pk, c->key)) {
		(*pk->cached)++;
		c->cached = true;
		c->serial = pk->cache->serial;
		c->expires = pk->cache->expires;
		memcpy(c->content, pk->cache->content, RR_HASH_LEN);
		return check_cached(pk->cache, pk->ex.owner, pk->ex.now, err);
	}
	c->rec = malloc(sizeof(*c->rec));
	if (!c->rec)
		return rrc_seterr(err, RRCHAIN_R_NOMEM, "out of memory");
	rc = rrc_parse_rdata(rd, c->rec, &e);
	if (rc == RR_E_VERSION) {
		/* Another version of the format: not for this reader. */
		*ignored = true;
		return RRCHAIN_OK;
	}
	if (rc != RR_OK)
		return rrc_seterr(err, rrc_from_rr(rc), "%s: %s", pk->ex.owner, e.msg);
	c->serial = c->rec->serial;
	c->expires = c->rec->expires;
	rrchain_record_content(c->rec, c->content);
	if (is_duplicate(pk, c)) {
		(*pk->cached)++;
		if (key) {
			pk->has_dup = true;
			memcpy(pk->dup_key, key, RR_HASH_LEN);
		}
		*ignored = true;
		return RRCHAIN_OK;
	}
	pk->ex.sig_known = pk->known &&
			   sodium_memcmp(c->content, pk->known, RR_HASH_LEN) == 0;
	(*(pk->ex.sig_known ? pk->known_count : pk->verified))++;
	rc = rr_verify(c->rec, &pk->ex, pk->keys, pk->nkeys, &e);
	if (rc != RR_OK)
		return rrc_seterr(err, rrc_from_rr(rc), "%s", e.msg);
	return RRCHAIN_OK;
}

/* Keeps C when it is newer than the best so far. */
static void pick_take(struct pick *pk, struct cand *c)
{
	int cmp = pk->have_best ? rr_serial_cmp(c->serial, pk->best.serial)
				: 1;

	if (cmp == 0 &&
	    memcmp(c->content, pk->best.content, RR_HASH_LEN) != 0)
		pk->tie = true;
	if (cmp <= 0) {
		cand_free(c);
		return;
	}
	cand_free(&pk->best);
	pk->best = *c;
	pk->have_best = true;
	pk->tie = false;
	pk->has_dup = false; /* it was a copy of the record replaced */
}

static enum rrchain_reason pick_one(struct pick *pk, const struct rrchain_rdata *rd,
				  const uint8_t *key, struct rrchain_stats *st)
{
	struct rrchain_error e;
	struct cand c;
	bool ignored;
	enum rrchain_reason r;

	if (++pk->nseen > RRCHAIN_MAX_RRSET)
		return rrc_reject(st, &pk->first, RRCHAIN_R_LIMIT,
			      "%s: more than %d vpnrr records", pk->ex.owner,
			      RRCHAIN_MAX_RRSET);
	memset(&c, 0, sizeof(c));
	r = pick_check(pk, rd, key, &c, &ignored, &e);
	if (r != RRCHAIN_OK || ignored) {
		cand_free(&c);
		if (ignored) {
			pk->nignored++;
			return RRCHAIN_OK;
		}
		st->rejected[r]++;
		if (pk->nrejected++ == 0 || r == RRCHAIN_R_NOMEM)
			pk->first = e;
		return r == RRCHAIN_R_NOMEM ? r : RRCHAIN_OK;
	}
	pick_take(pk, &c);
	return RRCHAIN_OK;
}

/* Runs PK over RRS and applies the rules that need the winner. */
static enum rrchain_reason pick_run(struct pick *pk,
				  const struct rrchain_rdata *rrs, size_t n,
				  const struct rrchain_hw *hw,
				  struct rrchain_stats *st,
				  struct rrchain_error *err)
{
	const char *owner = pk->ex.owner;
	uint8_t (*keys)[RR_HASH_LEN] = NULL;
	enum rrchain_reason r;

	/* Each key once: it hashes the whole RDATA. */
	if (pk->member && n) {
		keys = malloc(n * sizeof(*keys));
		if (!keys)
			return rrc_seterr(err, RRCHAIN_R_NOMEM, "out of memory");
		for (size_t i = 0; i < n; i++)
			if (rrchain_rdata_is_vpnrr(&rrs[i]))
				rrc_cache_key(pk->member, &rrs[i], keys[i]);
	}
	/* Cache hits first: the other encoding of the same record is then
	 * a duplicate and not verified either. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			const uint8_t *key = keys ? keys[i] : NULL;
			if (!rrchain_rdata_is_vpnrr(&rrs[i]))
				continue;
			if ((key && cache_hit(pk, key)) != (pass == 0))
				continue;
			r = pick_one(pk, &rrs[i], key, st);
			if (r != RRCHAIN_OK) {
				free(keys);
				*err = pk->first;
				return r;
			}
		}
	free(keys);
	if (!pk->have_best && pk->nrejected) {
		/* Already counted per record; report the first failure. */
		err->reason = pk->first.reason;
		if (pk->nrejected == 1)
			memcpy(err->msg, pk->first.msg, sizeof(err->msg));
		else if (snprintf(err->msg, sizeof(err->msg),
				  "%zu records, none valid; first: %s",
				  pk->nrejected, pk->first.msg) < 0)
			err->msg[0] = '\0';
		return err->reason;
	}
	/* Other versions are ignored next to a vpnrr1 record, and an error
	 * of their own without one (SPEC.md 2.2). */
	if (!pk->have_best && pk->nignored)
		return rrc_reject(st, err, RRCHAIN_R_VERSION,
			      "%s: only records of another version than %s "
			      "(%zu)", owner, RR_VERSION_TAG, pk->nignored);
	if (!pk->have_best)
		return rrc_reject(st, err, RRCHAIN_R_MISSING, "%s: no %s record",
			      owner, RR_VERSION_TAG);
	if (pk->tie)
		return rrc_reject(st, err, RRCHAIN_R_FORK,
			      "%s: two different records carry serial %u",
			      owner, pk->best.serial);
	if (hw && hw->set) {
		int c = rr_serial_cmp(pk->best.serial, hw->serial);
		if (c < 0)
			return rrc_reject(st, err, RRCHAIN_R_ROLLBACK,
				      "%s: serial %u is older than %u, "
				      "already seen (rollback)",
				      owner, pk->best.serial, hw->serial);
		if (c == 0 && memcmp(pk->best.content, hw->content,
				     RR_HASH_LEN) != 0)
			return rrc_reject(st, err, RRCHAIN_R_FORK,
				      "%s: serial %u was seen before with "
				      "other content (replay or fork)",
				      owner, pk->best.serial);
	}
	return RRCHAIN_OK;
}

/* ---- head ---------------------------------------------------------------- */

void rrchain_head_free(struct rrchain_head *h)
{
	if (!h)
		return;
	rr_record_free(&h->rec);
	free(h->raw.data);
	memset(h, 0, sizeof(*h));
}

static enum rrchain_reason head_pages_distinct(const struct rr_record *h,
					     const char *owner,
					     struct rrchain_stats *st,
					     struct rrchain_error *err)
{
	char label[RR_PAGELABELLEN];

	/* A page listed twice would count its members twice. */
	for (size_t i = 0; i < h->npages; i++)
		for (size_t j = i + 1; j < h->npages; j++) {
			if (memcmp(h->pages[i], h->pages[j], RR_HASH_LEN))
				continue;
			rr_page_label(h->pages[i], label);
			return rrc_reject(st, err, RRCHAIN_R_MALFORMED,
				      "%s: tag pages: page %s is listed twice",
				      owner, label);
		}
	return RRCHAIN_OK;
}

enum rrchain_reason rrchain_verify_head(const struct rrchain_policy *pol,
				   const struct rrchain_rdata *rrs, size_t n,
				   uint64_t now, const struct rrchain_hw *hw,
				   struct rrchain_head *out,
				   struct rrchain_stats *stats,
				   struct rrchain_error *err)
{
	char owner[RR_MAX_NAME + 1];
	struct rr_error e;
	struct pick pk;
	uint64_t never = 0;
	enum rrchain_reason r;

	memset(out, 0, sizeof(*out));
	if (rr_name_head(pol->zone, owner, &e) != RR_OK)
		return rrc_seterr(err, RRCHAIN_R_NAME, "zone %s: %s", pol->zone,
			      e.msg);
	memset(&pk, 0, sizeof(pk));
	pk.ex = (struct rr_expect){ owner, pol->vpn, NULL, RR_KIND_HEAD, now,
				    false };
	pk.keys = pol->anchors;
	pk.nkeys = pol->nanchors;
	pk.verified = &stats->heads_verified;
	pk.cached = &never; /* heads have no cache: one check per refresh */
	if (pol->stored && hw && hw->set) {
		pk.known = hw->content;
		pk.known_count = &stats->heads_stored;
	}
	r = pick_run(&pk, rrs, n, hw, stats, err);
	if (r == RRCHAIN_OK)
		r = head_pages_distinct(pk.best.rec, owner, stats, err);
	if (r == RRCHAIN_OK &&
	    rrc_blob_set(&out->raw, pk.best.rd->type, pk.best.rd->data,
		     pk.best.rd->len) != 0)
		r = rrc_seterr(err, RRCHAIN_R_NOMEM, "out of memory");
	if (r != RRCHAIN_OK)
		goto out;
	rr_record_move(&out->rec, pk.best.rec);
	free(pk.best.rec);
	pk.best.rec = NULL;
	memcpy(out->content, pk.best.content, RR_HASH_LEN);
out:
	cand_free(&pk.best);
	return r;
}

bool rrchain_membership_same_head(const struct rrchain_membership *m,
				const struct rrchain_head *h)
{
	return m && m->head.raw.data && h->raw.data &&
	       m->head.rec.serial == h->rec.serial &&
	       memcmp(m->head.content, h->content, RR_HASH_LEN) == 0;
}
/* ---- site records -------------------------------------------------------- */

void rrchain_site_result_free(struct rrchain_site_result *r)
{
	if (!r)
		return;
	if (r->rec) {
		rr_record_free(r->rec);
		free(r->rec);
	}
	free(r->raw.data);
	memset(r, 0, sizeof(*r));
}

static enum rrchain_reason site_nets_within(const struct rr_record *member,
					  const struct rr_record *site,
					  struct rrchain_stats *st,
					  struct rrchain_error *err)
{
	char p[RR_PREFIXSTRLEN];
	size_t bad = 0;

	if (!rr_prefixes_within(member->nets, member->nnets, site->nets,
				site->nnets, &bad)) {
		rr_prefix_format(&site->nets[bad], p);
		return rrc_reject(st, err, RRCHAIN_R_OUTSIDE,
				  "%s: site %s announces %s, outside its "
				  "authorized nets (tag nets)", member->at,
				  site->site, p);
	}
	/* Gateway networks are authorized apart from the site's own
	 * (gw-nets=): the admin grants each kind separately. */
	if (site->ngw_nets &&
	    !rr_prefixes_within(member->gw_nets, member->ngw_nets,
				site->gw_nets, site->ngw_nets, &bad)) {
		rr_prefix_format(&site->gw_nets[bad], p);
		return rrc_reject(st, err, RRCHAIN_R_OUTSIDE,
				  "%s: site %s announces gateway network %s, "
				  "outside its authorized gateway networks "
				  "(tag gw-nets)", member->at, site->site, p);
	}
	return RRCHAIN_OK;
}

/* A hostile site owner can sign values that our grammar takes but that
 * stop the consumer on every node.  A cache hit is parsed again (not
 * verified): the consumer's rules or settings may have changed since. */
static enum rrchain_reason site_consumer(const struct rrchain_policy *pol,
					 const struct rr_record *member,
					 const struct cand *c,
					 const struct rr_record *kept,
					 struct rrchain_stats *st,
					 struct rrchain_error *err)
{
	struct rrchain_error local;
	struct rrchain_error *e = err ? err : &local;
	struct rr_record *parsed = NULL;
	const struct rr_record *rec = c->rec ? c->rec : kept;
	struct rr_error re;
	enum rrchain_reason r;

	if (!rec) {
		parsed = malloc(sizeof(*parsed));
		if (!parsed)
			return rrc_seterr(err, RRCHAIN_R_NOMEM, "out of memory");
		if (rrc_parse_rdata(c->rd, parsed, &re) != RR_OK) {
			r = rrc_reject(st, err, RRCHAIN_R_MALFORMED, "%s: %s",
				       member->at, re.msg);
			goto out;
		}
		rec = parsed;
	}
	e->msg[0] = '\0';
	r = pol->consumer(pol->consumer_arg, member, rec, e->msg,
			  sizeof(e->msg));
	if (r == RRCHAIN_R_NOMEM) {
		r = rrc_seterr(err, r, "out of memory");
	} else if (r != RRCHAIN_OK) {
		r = RRCHAIN_R_CONSUMER;
		st->rejected[r]++;
		e->reason = r;
	}
out:
	if (parsed) {
		rr_record_free(parsed);
		free(parsed);
	}
	return r;
}

/* A cache hit's bytes, parsed for a reader that asked for the record. */
static enum rrchain_reason site_parse_hit(struct cand *c,
					  const struct rr_record *member,
					  struct rrchain_stats *st,
					  struct rrchain_error *err)
{
	struct rr_error re;

	c->rec = malloc(sizeof(*c->rec));
	if (!c->rec)
		return rrc_seterr(err, RRCHAIN_R_NOMEM, "out of memory");
	if (rrc_parse_rdata(c->rd, c->rec, &re) != RR_OK) {
		free(c->rec);
		c->rec = NULL;
		return rrc_reject(st, err, RRCHAIN_R_MALFORMED, "%s: %s",
				  member->at, re.msg);
	}
	return RRCHAIN_OK;
}

/* The format's SHOULDs for a site record alone (rr_site_check): they do
 * not refuse the record, but every reader reports them alike. */
static void site_warning(const struct cand *c, struct rrchain_site_result *out)
{
	struct rr_error e;

	if (c->rec && rr_site_check(c->rec, &e) != RR_OK &&
	    snprintf(out->warning, sizeof(out->warning), "%s: %s",
		     c->rec->site, e.msg) < 0)
		out->warning[0] = '\0';
}

static enum rrchain_reason verify_site(const struct rrchain_policy *pol,
				       const struct rr_record *member,
				       const uint8_t mcontent[RR_HASH_LEN],
				       const struct rrchain_rdata *rrs,
				       size_t n, uint64_t now,
				       const struct rrchain_site_cache *cache,
				       struct rrchain_site_result *out,
				       struct rrchain_stats *stats,
				       struct rrchain_error *err);

enum rrchain_reason rrchain_verify_site(const struct rrchain_policy *pol,
				   const struct rr_record *member,
				   const struct rrchain_rdata *rrs, size_t n,
				   uint64_t now,
				   const struct rrchain_site_cache *cache,
				   struct rrchain_site_result *out,
				   struct rrchain_stats *stats,
				   struct rrchain_error *err)
{
	uint8_t mcontent[RR_HASH_LEN];

	rrchain_record_content(member, mcontent);
	return verify_site(pol, member, mcontent, rrs, n, now, cache, out,
			   stats, err);
}

enum rrchain_reason rrchain_verify_entry_site(
	const struct rrchain_policy *pol, const struct rrchain_member *m,
	const struct rrchain_rdata *rrs, size_t n, uint64_t now,
	const struct rrchain_site_cache *cache,
	struct rrchain_site_result *out, struct rrchain_stats *stats,
	struct rrchain_error *err)
{
	return verify_site(pol, &m->rec, m->content, rrs, n, now, cache, out,
			   stats, err);
}

static enum rrchain_reason verify_site(const struct rrchain_policy *pol,
				       const struct rr_record *member,
				       const uint8_t mcontent[RR_HASH_LEN],
				       const struct rrchain_rdata *rrs,
				       size_t n, uint64_t now,
				       const struct rrchain_site_cache *cache,
				       struct rrchain_site_result *out,
				       struct rrchain_stats *stats,
				       struct rrchain_error *err)
{
	struct pick pk;
	enum rrchain_reason r;

	memset(out, 0, sizeof(*out));
	if (!pol->vpn)
		return rrc_seterr(err, RRCHAIN_R_NAME, "%.*s: no VPN name to "
				  "check the site record against",
				  (int)sizeof(out->name), member->site);
	if (member->kind != RR_KIND_MEMBER || member->nrkeys == 0 ||
	    strlen(member->site) >= sizeof(out->name))
		return rrc_seterr(err, RRCHAIN_R_NAME, "%.*s: not a member entry",
			      (int)sizeof(out->name), member->site);
	memset(&pk, 0, sizeof(pk));
	pk.ex = (struct rr_expect){ member->at, pol->vpn, member->site,
				    RR_KIND_SITE, now, false };
	pk.keys = member->rkeys;
	pk.nkeys = member->nrkeys;
	pk.member = mcontent;
	pk.cache = cache;
	pk.verified = &stats->sites_verified;
	pk.cached = &stats->sites_cached;
	r = pick_run(&pk, rrs, n, cache ? &cache->hw : NULL, stats, err);
	if (r == RRCHAIN_OK && pk.best.cached && cache->parse)
		r = site_parse_hit(&pk.best, member, stats, err);
	/* A cache hit passed this check under the same member entry. */
	if (r == RRCHAIN_OK && !pk.best.cached)
		r = site_nets_within(member, pk.best.rec, stats, err);
	if (r == RRCHAIN_OK && pol->consumer &&
	    !(pk.best.cached && cache->consumer_ok))
		r = site_consumer(pol, member, &pk.best,
				  pk.best.cached ? cache->rec : NULL, stats,
				  err);
	if (r == RRCHAIN_OK &&
	    rrc_blob_set(&out->raw, pk.best.rd->type, pk.best.rd->data,
		     pk.best.rd->len) != 0)
		r = rrc_seterr(err, RRCHAIN_R_NOMEM, "out of memory");
	if (r != RRCHAIN_OK)
		goto out;
	memcpy(out->name, member->site, strlen(member->site) + 1);
	memcpy(out->owner, member->at, strlen(member->at) + 1);
	memcpy(out->content, pk.best.content, RR_HASH_LEN);
	memcpy(out->key, pk.best.key, RR_HASH_LEN);
	out->serial = pk.best.serial;
	out->cached = pk.best.cached;
	out->has_alt = pk.has_dup;
	memcpy(out->alt, pk.dup_key, RR_HASH_LEN);
	out->expires = pk.best.expires < member->expires ? pk.best.expires
							 : member->expires;
	site_warning(&pk.best, out);
	out->rec = pk.best.rec;
	pk.best.rec = NULL;
out:
	cand_free(&pk.best);
	return r;
}
