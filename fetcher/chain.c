/*
 * chain.c - anchor -> head -> pages -> member -> site record.
 *
 * Everything here is a pure function of its arguments (see chain.h), so
 * the orchestrator can run the expensive parts on libuv's thread pool.
 * The rules are DESIGN.md's threat table; each rejection is counted by
 * reason so an attack shows up in the statistics, not only in the log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "chain.h"
#include "secnet_rules.h"

#define TYPE_TXT 16

static const char *const reason_names[FETCH_R__COUNT] = {
	[FETCH_OK] = "ok",
	[FETCH_R_MALFORMED] = "malformed",
	[FETCH_R_SIGNATURE] = "signature",
	[FETCH_R_KEY] = "untrusted-key",
	[FETCH_R_UNSIGNED] = "unsigned",
	[FETCH_R_NAME] = "substitution",
	[FETCH_R_EXPIRED] = "expired",
	[FETCH_R_NOTYET] = "not-yet-valid",
	[FETCH_R_HASH] = "page-hash",
	[FETCH_R_ROLLBACK] = "rollback",
	[FETCH_R_FORK] = "fork",
	[FETCH_R_OUTSIDE] = "nets-outside",
	[FETCH_R_OVERLAP] = "nets-overlap",
	[FETCH_R_DUPLICATE] = "duplicate-site",
	[FETCH_R_COUNT] = "member-count",
	[FETCH_R_LIMIT] = "limit",
	[FETCH_R_MISSING] = "missing",
	[FETCH_R_VERSION] = "version",
	[FETCH_R_NOMEM] = "nomem",
	[FETCH_R_CONSUMER] = "consumer-rule",
};

const char *fetch_reason_name(enum fetch_reason r)
{
	if ((unsigned)r >= FETCH_R__COUNT)
		return "unknown";
	return reason_names[r];
}

static enum fetch_reason seterr(struct fetch_error *err, enum fetch_reason r,
				const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum fetch_reason seterr(struct fetch_error *err, enum fetch_reason r,
				const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->reason = r;
		va_start(ap, fmt);
		if (vsnprintf(err->msg, sizeof(err->msg), fmt, ap) < 0)
			err->msg[0] = '\0';
		va_end(ap);
	}
	return r;
}

/* Records one rejection in STATS and ERR. */
static enum fetch_reason reject(struct fetch_chain_stats *st,
				struct fetch_error *err, enum fetch_reason r,
				const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum fetch_reason reject(struct fetch_chain_stats *st,
				struct fetch_error *err, enum fetch_reason r,
				const char *fmt, ...)
{
	va_list ap;

	if (st)
		st->rejected[r]++;
	if (err) {
		err->reason = r;
		va_start(ap, fmt);
		if (vsnprintf(err->msg, sizeof(err->msg), fmt, ap) < 0)
			err->msg[0] = '\0';
		va_end(ap);
	}
	return r;
}

void fetch_chain_stats_add(struct fetch_chain_stats *into,
			   const struct fetch_chain_stats *from)
{
	into->heads_verified += from->heads_verified;
	into->pages_hashed += from->pages_hashed;
	into->members_checked += from->members_checked;
	into->sites_verified += from->sites_verified;
	into->sites_cached += from->sites_cached;
	for (size_t i = 0; i < FETCH_R__COUNT; i++)
		into->rejected[i] += from->rejected[i];
}

static enum fetch_reason from_rr(enum rr_errclass c)
{
	switch (c) {
	case RR_OK:
		return FETCH_OK;
	case RR_E_SIGNATURE:
		return FETCH_R_SIGNATURE;
	case RR_E_KEY:
		return FETCH_R_KEY;
	case RR_E_UNSIGNED:
		return FETCH_R_UNSIGNED;
	case RR_E_NAME:
		return FETCH_R_NAME;
	case RR_E_EXPIRED:
		return FETCH_R_EXPIRED;
	case RR_E_NOTYET:
		return FETCH_R_NOTYET;
	case RR_E_HASH:
		return FETCH_R_HASH;
	case RR_E_POLICY:
		return FETCH_R_OUTSIDE;
	case RR_E_NOMEM:
		return FETCH_R_NOMEM;
	case RR_E_VERSION:
		return FETCH_R_VERSION;
	default:
		return FETCH_R_MALFORMED;
	}
}

/* ---- RDATA --------------------------------------------------------------- */

static int blob_set(struct fetch_blob *b, uint16_t type, const uint8_t *data,
		    size_t len)
{
	b->type = type;
	b->len = len;
	b->data = malloc(len ? len : 1);
	if (!b->data)
		return -1;
	if (len)
		memcpy(b->data, data, len);
	return 0;
}

void fetch_blobs_free(struct fetch_blob *blobs, size_t n)
{
	if (!blobs)
		return;
	for (size_t i = 0; i < n; i++)
		free(blobs[i].data);
	free(blobs);
}

void fetch_rdata_view(const struct fetch_blob *blobs, size_t n,
		      struct fetch_rdata *out)
{
	for (size_t i = 0; i < n; i++) {
		out[i].type = blobs[i].type;
		out[i].data = blobs[i].data;
		out[i].len = blobs[i].len;
	}
}

/* ldns keeps each TXT character-string as one rdf with its length byte,
 * and an unknown type's RDATA as one rdf: concatenating the rdfs gives the
 * wire RDATA either way. */
static int rr_wire_rdata(const ldns_rr *rr, struct fetch_blob *out)
{
	size_t len = 0, off = 0;

	for (size_t j = 0; j < ldns_rr_rd_count(rr); j++)
		len += ldns_rdf_size(ldns_rr_rdf(rr, j));
	out->type = (uint16_t)ldns_rr_get_type(rr);
	out->len = len;
	out->data = malloc(len ? len : 1);
	if (!out->data)
		return -1;
	for (size_t j = 0; j < ldns_rr_rd_count(rr); j++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, j);
		if (ldns_rdf_size(f))
			memcpy(out->data + off, ldns_rdf_data(f),
			       ldns_rdf_size(f));
		off += ldns_rdf_size(f);
	}
	return 0;
}

int fetch_rdata_from_ldns(const ldns_rr_list *rrs, struct fetch_blob **out,
			  size_t *n)
{
	size_t count = rrs ? ldns_rr_list_rr_count(rrs) : 0;
	struct fetch_blob *b = calloc(count ? count : 1, sizeof(*b));

	*out = NULL;
	*n = 0;
	if (!b)
		return -1;
	for (size_t i = 0; i < count; i++)
		if (rr_wire_rdata(ldns_rr_list_rr(rrs, i), &b[i]) != 0) {
			fetch_blobs_free(b, i);
			return -1;
		}
	*out = b;
	*n = count;
	return 0;
}

/* ---- record identity ----------------------------------------------------- */

static void hash_u32(crypto_hash_sha256_state *st, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };

	crypto_hash_sha256_update(st, b, sizeof(b));
}

void fetch_record_content(const struct rr_record *r, uint8_t out[RR_HASH_LEN])
{
	static const char ctx[] = "vpnrr-fetch-content";
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)ctx, sizeof(ctx));
	for (size_t i = 0; i < r->nfields; i++) {
		const struct rr_field *f = &r->fields[i];
		size_t tl = strlen(f->tag);
		/* The signer is not content: the same head signed by two
		 * anchors during a rollover is the same head. */
		if (strcmp(f->tag, "sk") == 0 || strcmp(f->tag, "sig") == 0)
			continue;
		hash_u32(&st, (uint32_t)tl);
		crypto_hash_sha256_update(&st, (const uint8_t *)f->tag, tl);
		hash_u32(&st, (uint32_t)f->len);
		crypto_hash_sha256_update(&st, f->val, f->len);
	}
	crypto_hash_sha256_final(&st, out);
}

static void cache_key(const uint8_t member[RR_HASH_LEN],
		      const struct fetch_rdata *rd, uint8_t out[RR_HASH_LEN])
{
	static const char ctx[] = "vpnrr-fetch-cache";
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)ctx, sizeof(ctx));
	crypto_hash_sha256_update(&st, member, RR_HASH_LEN);
	hash_u32(&st, rd->type);
	hash_u32(&st, (uint32_t)rd->len);
	crypto_hash_sha256_update(&st, rd->data, rd->len);
	crypto_hash_sha256_final(&st, out);
}

void fetch_site_key(const struct rr_record *member,
		    const struct fetch_rdata *rd, uint8_t out[RR_HASH_LEN])
{
	uint8_t mc[RR_HASH_LEN];

	fetch_record_content(member, mc);
	cache_key(mc, rd, out);
}

/* ---- picking one record out of an RRset ---------------------------------- */

/* TXT RDATA whose text starts with "v=vpnrr", wherever the strings were
 * split; anything else at the name (SPF, site notes) is not ours. */
static bool txt_is_vpnrr(const struct fetch_rdata *rd)
{
	static const char want[] = "v=vpnrr";
	size_t off = 0, got = 0;

	while (off < rd->len && got < sizeof(want) - 1) {
		size_t l = rd->data[off++];
		for (size_t i = 0; i < l && off < rd->len &&
				   got < sizeof(want) - 1; i++, off++)
			if (rd->data[off] != (uint8_t)want[got++])
				return false;
	}
	return got == sizeof(want) - 1;
}

static bool is_candidate(const struct fetch_rdata *rd)
{
	if (rd->type == RR_TYPE_VPNRR)
		return true;
	return rd->type == TYPE_TXT && txt_is_vpnrr(rd);
}

static enum rr_errclass parse_rdata(const struct fetch_rdata *rd,
				    struct rr_record *rec, struct rr_error *e)
{
	if (rd->type == RR_TYPE_VPNRR)
		return rr_parse_bin(rd->data, rd->len, rec, e);
	return rr_parse_txt_rdata(rd->data, rd->len, rec, e);
}

/* The bytes under this member entry were verified before: the cache
 * knows what they hold, so only the clock is checked. */
static enum fetch_reason check_cached(const struct fetch_site_cache *c,
				      const char *owner, uint64_t now,
				      struct fetch_error *err)
{
	if (now < c->not_before)
		return seterr(err, FETCH_R_NOTYET,
			      "%s: not valid before %llu (now %llu)", owner,
			      (unsigned long long)c->not_before,
			      (unsigned long long)now);
	if (now >= c->expires)
		return seterr(err, FETCH_R_EXPIRED,
			      "%s: expired at %llu (now %llu)", owner,
			      (unsigned long long)c->expires,
			      (unsigned long long)now);
	return FETCH_OK;
}

/* One valid record of an RRset.  REC is NULL for a cache hit. */
struct cand {
	struct rr_record *rec;
	const struct fetch_rdata *rd;
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
	const struct fetch_site_cache *cache;
	uint64_t *verified;    /* stats counter for signature checks */
	uint64_t *cached;      /* stats counter for skipped checks */
	/* the best valid record so far */
	bool have_best;
	struct cand best;
	bool tie; /* another valid record has best's serial, other content */
	/* what went wrong with the others */
	struct fetch_error first;
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
static enum fetch_reason pick_check(struct pick *pk,
				    const struct fetch_rdata *rd,
				    struct cand *c, bool *ignored,
				    struct fetch_error *err)
{
	struct rr_error e = { 0 };
	enum rr_errclass rc;

	*ignored = false;
	c->rd = rd;
	if (pk->member)
		cache_key(pk->member, rd, c->key);
	if (cache_hit(pk, c->key)) {
		(*pk->cached)++;
		c->cached = true;
		c->serial = pk->cache->serial;
		c->expires = pk->cache->expires;
		memcpy(c->content, pk->cache->content, RR_HASH_LEN);
		return check_cached(pk->cache, pk->ex.owner, pk->ex.now, err);
	}
	c->rec = malloc(sizeof(*c->rec));
	if (!c->rec)
		return seterr(err, FETCH_R_NOMEM, "out of memory");
	rc = parse_rdata(rd, c->rec, &e);
	if (rc == RR_E_VERSION) {
		/* Another version of the format: not for this reader. */
		*ignored = true;
		return FETCH_OK;
	}
	if (rc != RR_OK)
		return seterr(err, from_rr(rc), "%s: %s", pk->ex.owner, e.msg);
	c->serial = c->rec->serial;
	c->expires = c->rec->expires;
	fetch_record_content(c->rec, c->content);
	if (is_duplicate(pk, c)) {
		(*pk->cached)++;
		*ignored = true;
		return FETCH_OK;
	}
	(*pk->verified)++;
	rc = rr_verify(c->rec, &pk->ex, pk->keys, pk->nkeys, &e);
	if (rc != RR_OK)
		return seterr(err, from_rr(rc), "%s", e.msg);
	return FETCH_OK;
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
}

static enum fetch_reason pick_one(struct pick *pk, const struct fetch_rdata *rd,
				  struct fetch_chain_stats *st)
{
	struct fetch_error e;
	struct cand c;
	bool ignored;
	enum fetch_reason r;

	if (++pk->nseen > FETCH_MAX_RRSET)
		return reject(st, &pk->first, FETCH_R_LIMIT,
			      "%s: more than %d vpnrr records", pk->ex.owner,
			      FETCH_MAX_RRSET);
	memset(&c, 0, sizeof(c));
	r = pick_check(pk, rd, &c, &ignored, &e);
	if (r != FETCH_OK || ignored) {
		cand_free(&c);
		if (ignored) {
			pk->nignored++;
			return FETCH_OK;
		}
		st->rejected[r]++;
		if (pk->nrejected++ == 0 || r == FETCH_R_NOMEM)
			pk->first = e;
		return r == FETCH_R_NOMEM ? r : FETCH_OK;
	}
	pick_take(pk, &c);
	return FETCH_OK;
}

/* Runs PK over RRS and applies the rules that need the winner. */
static enum fetch_reason pick_run(struct pick *pk,
				  const struct fetch_rdata *rrs, size_t n,
				  const struct fetch_hw *hw,
				  struct fetch_chain_stats *st,
				  struct fetch_error *err)
{
	const char *owner = pk->ex.owner;
	uint8_t key[RR_HASH_LEN];
	enum fetch_reason r;

	/* Cache hits first: the other encoding of the same record is then
	 * a duplicate and not verified either. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			bool hit;
			if (!is_candidate(&rrs[i]))
				continue;
			if (pk->member)
				cache_key(pk->member, &rrs[i], key);
			hit = cache_hit(pk, key);
			if (hit != (pass == 0))
				continue;
			r = pick_one(pk, &rrs[i], st);
			if (r != FETCH_OK) {
				*err = pk->first;
				return r;
			}
		}
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
		return reject(st, err, FETCH_R_VERSION,
			      "%s: only records of another version than %s "
			      "(%zu)", owner, RR_VERSION_TAG, pk->nignored);
	if (!pk->have_best)
		return reject(st, err, FETCH_R_MISSING, "%s: no %s record",
			      owner, RR_VERSION_TAG);
	if (pk->tie)
		return reject(st, err, FETCH_R_FORK,
			      "%s: two different records carry serial %u",
			      owner, pk->best.serial);
	if (hw && hw->set) {
		int c = rr_serial_cmp(pk->best.serial, hw->serial);
		if (c < 0)
			return reject(st, err, FETCH_R_ROLLBACK,
				      "%s: serial %u is older than %u, "
				      "already seen (rollback)",
				      owner, pk->best.serial, hw->serial);
		if (c == 0 && memcmp(pk->best.content, hw->content,
				     RR_HASH_LEN) != 0)
			return reject(st, err, FETCH_R_FORK,
				      "%s: serial %u was seen before with "
				      "other content (replay or fork)",
				      owner, pk->best.serial);
	}
	return FETCH_OK;
}

/* ---- head ---------------------------------------------------------------- */

void fetch_head_free(struct fetch_head *h)
{
	if (!h)
		return;
	rr_record_free(&h->rec);
	free(h->raw.data);
	memset(h, 0, sizeof(*h));
}

static enum fetch_reason head_pages_distinct(const struct rr_record *h,
					     const char *owner,
					     struct fetch_chain_stats *st,
					     struct fetch_error *err)
{
	char label[RR_PAGELABELLEN];

	/* A page listed twice would count its members twice. */
	for (size_t i = 0; i < h->npages; i++)
		for (size_t j = i + 1; j < h->npages; j++) {
			if (memcmp(h->pages[i], h->pages[j], RR_HASH_LEN))
				continue;
			rr_page_label(h->pages[i], label);
			return reject(st, err, FETCH_R_MALFORMED,
				      "%s: tag pages: page %s is listed twice",
				      owner, label);
		}
	return FETCH_OK;
}

enum fetch_reason fetch_chain_head(const struct fetch_config *cfg,
				   const struct fetch_rdata *rrs, size_t n,
				   uint64_t now, const struct fetch_hw *hw,
				   struct fetch_head *out,
				   struct fetch_chain_stats *stats,
				   struct fetch_error *err)
{
	char owner[RR_MAX_NAME + 1];
	struct rr_error e;
	struct pick pk;
	uint64_t never = 0;
	enum fetch_reason r;

	memset(out, 0, sizeof(*out));
	if (rr_name_head(cfg->zone, owner, &e) != RR_OK)
		return seterr(err, FETCH_R_NAME, "zone %s: %s", cfg->zone,
			      e.msg);
	memset(&pk, 0, sizeof(pk));
	pk.ex = (struct rr_expect){ owner, cfg->vpn, NULL, RR_KIND_HEAD, now };
	pk.keys = cfg->anchors;
	pk.nkeys = cfg->nanchors;
	pk.verified = &stats->heads_verified;
	pk.cached = &never; /* heads have no cache: one check per refresh */
	r = pick_run(&pk, rrs, n, hw, stats, err);
	if (r == FETCH_OK)
		r = head_pages_distinct(pk.best.rec, owner, stats, err);
	if (r == FETCH_OK &&
	    blob_set(&out->raw, pk.best.rd->type, pk.best.rd->data,
		     pk.best.rd->len) != 0)
		r = seterr(err, FETCH_R_NOMEM, "out of memory");
	if (r != FETCH_OK)
		goto out;
	/* The record's heap parts move with the struct. */
	out->rec = *pk.best.rec;
	free(pk.best.rec);
	pk.best.rec = NULL;
	memcpy(out->content, pk.best.content, RR_HASH_LEN);
out:
	cand_free(&pk.best);
	return r;
}

bool fetch_membership_same_head(const struct fetch_membership *m,
				const struct fetch_head *h)
{
	return m && m->head.raw.data && h->raw.data &&
	       m->head.rec.serial == h->rec.serial &&
	       memcmp(m->head.content, h->content, RR_HASH_LEN) == 0;
}

/* ---- pages --------------------------------------------------------------- */

void fetch_page_free(struct fetch_page *pg)
{
	if (!pg)
		return;
	fetch_blobs_free(pg->raw, pg->nraw);
	for (size_t i = 0; i < pg->nmembers; i++)
		rr_record_free(&pg->members[i].rec);
	free(pg->members);
	memset(pg, 0, sizeof(*pg));
}

static void member_reject(struct fetch_member *m, struct fetch_chain_stats *st,
			  enum fetch_reason r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void member_reject(struct fetch_member *m, struct fetch_chain_stats *st,
			  enum fetch_reason r, const char *fmt, ...)
{
	va_list ap;

	/* The first reason is kept: it is the one to fix first. */
	if (m->status != FETCH_OK)
		return;
	m->status = r;
	st->rejected[r]++;
	va_start(ap, fmt);
	if (vsnprintf(m->why, sizeof(m->why), fmt, ap) < 0)
		m->why[0] = '\0';
	va_end(ap);
}

static void check_entry(const struct fetch_config *cfg, uint64_t now,
			const char *owner, struct fetch_member *m,
			struct fetch_chain_stats *st)
{
	const struct rr_record *r = &m->rec;
	char p[RR_PREFIXSTRLEN];
	size_t bad = 0;

	st->members_checked++;
	if (strcmp(r->vpn, cfg->vpn) != 0)
		member_reject(m, st, FETCH_R_NAME,
			      "%s: member %s is for VPN %s, not %s", owner,
			      r->site, r->vpn, cfg->vpn);
	else if (now < r->not_before)
		member_reject(m, st, FETCH_R_NOTYET,
			      "%s: member %s not valid before %llu", owner,
			      r->site, (unsigned long long)r->not_before);
	else if (now >= r->expires)
		member_reject(m, st, FETCH_R_EXPIRED,
			      "%s: member %s expired at %llu", owner, r->site,
			      (unsigned long long)r->expires);
	else if (cfg->nrestrict &&
		 !rr_prefixes_within(cfg->restrict_nets, cfg->nrestrict,
				     r->nets, r->nnets, &bad)) {
		rr_prefix_format(&r->nets[bad], p);
		member_reject(m, st, FETCH_R_OUTSIDE,
			      "%s: member %s: authorized net %s is outside "
			      "restrict-nets", owner, r->site, p);
	}
}

static bool duplicate_entry(const struct fetch_page *pg,
			    const struct rr_record *r)
{
	uint8_t a[RR_HASH_LEN], b[RR_HASH_LEN];

	fetch_record_content(r, a);
	for (size_t i = 0; i < pg->nmembers; i++) {
		fetch_record_content(&pg->members[i].rec, b);
		if (memcmp(a, b, RR_HASH_LEN) == 0 &&
		    r->nfields == pg->members[i].rec.nfields)
			return true;
	}
	return false;
}

static enum fetch_reason page_parse(const char *owner,
				    const struct fetch_rdata *rrs, size_t n,
				    struct fetch_page *pg,
				    struct fetch_chain_stats *st,
				    struct fetch_error *err)
{
	size_t count = 0;
	struct rr_error e;
	enum rr_errclass rc;

	for (size_t i = 0; i < n; i++)
		count += is_candidate(&rrs[i]);
	if (count == 0)
		return reject(st, err, FETCH_R_MISSING,
			      "%s: page has no member entries", owner);
	/* Each entry may arrive twice, as TXT and as TYPE65380. */
	if (count > 2 * RR_MAX_PAGE_MEMBERS)
		return reject(st, err, FETCH_R_LIMIT,
			      "%s: %zu entries in one page (at most %d)",
			      owner, count, RR_MAX_PAGE_MEMBERS);
	pg->members = calloc(count, sizeof(*pg->members));
	pg->raw = calloc(count, sizeof(*pg->raw));
	if (!pg->members || !pg->raw)
		return seterr(err, FETCH_R_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		if (!is_candidate(&rrs[i]))
			continue;
		if (blob_set(&pg->raw[pg->nraw], rrs[i].type, rrs[i].data,
			     rrs[i].len) != 0)
			return seterr(err, FETCH_R_NOMEM, "out of memory");
		pg->nraw++;
		rc = parse_rdata(&rrs[i], &pg->members[pg->nmembers].rec, &e);
		if (rc != RR_OK)
			return reject(st, err, from_rr(rc),
				      "%s: entry %zu: %s", owner, pg->nraw,
				      e.msg);
		/* A page is a set: the same entry in the other encoding is
		 * the same member, not a second one. */
		if (duplicate_entry(pg, &pg->members[pg->nmembers].rec)) {
			rr_record_free(&pg->members[pg->nmembers].rec);
			continue;
		}
		pg->nmembers++;
	}
	return FETCH_OK;
}

static enum fetch_reason page_hash_check(const char *owner,
					 const uint8_t want[RR_HASH_LEN],
					 struct fetch_page *pg,
					 struct fetch_chain_stats *st,
					 struct fetch_error *err)
{
	const struct rr_record **ptrs;
	uint8_t got[RR_HASH_LEN];
	char label[RR_PAGELABELLEN];
	struct rr_error e;
	enum rr_errclass rc;

	ptrs = calloc(pg->nmembers, sizeof(*ptrs));
	if (!ptrs)
		return seterr(err, FETCH_R_NOMEM, "out of memory");
	for (size_t i = 0; i < pg->nmembers; i++)
		ptrs[i] = &pg->members[i].rec;
	rc = rr_page_hash(ptrs, pg->nmembers, got, &e);
	free(ptrs);
	st->pages_hashed++;
	if (rc != RR_OK)
		return reject(st, err, from_rr(rc), "%s: %s", owner, e.msg);
	if (sodium_memcmp(got, want, RR_HASH_LEN) != 0) {
		rr_page_label(got, label);
		return reject(st, err, FETCH_R_HASH,
			      "%s: entries hash to page %s, not to the page "
			      "the head lists (a page of another head "
			      "version: mix-and-match)", owner, label);
	}
	return FETCH_OK;
}

enum fetch_reason fetch_chain_page(const struct fetch_config *cfg,
				   const uint8_t hash[RR_HASH_LEN],
				   const struct fetch_rdata *rrs, size_t n,
				   uint64_t now, struct fetch_page *out,
				   struct fetch_chain_stats *stats,
				   struct fetch_error *err)
{
	char owner[RR_MAX_NAME + 1];
	struct rr_error e;
	enum fetch_reason r;

	memset(out, 0, sizeof(*out));
	memcpy(out->hash, hash, RR_HASH_LEN);
	if (rr_name_page(cfg->zone, hash, owner, &e) != RR_OK)
		return seterr(err, FETCH_R_NAME, "zone %s: %s", cfg->zone,
			      e.msg);
	r = page_parse(owner, rrs, n, out, stats, err);
	if (r == FETCH_OK)
		r = page_hash_check(owner, hash, out, stats, err);
	if (r != FETCH_OK) {
		fetch_page_free(out);
		memcpy(out->hash, hash, RR_HASH_LEN);
		return r;
	}
	for (size_t i = 0; i < out->nmembers; i++)
		check_entry(cfg, now, owner, &out->members[i], stats);
	return FETCH_OK;
}

/* ---- the whole membership ------------------------------------------------ */

void fetch_membership_free(struct fetch_membership *m)
{
	if (!m)
		return;
	fetch_head_free(&m->head);
	for (size_t i = 0; i < m->npages; i++)
		fetch_page_free(&m->pages[i]);
	free(m->pages);
	memset(m, 0, sizeof(*m));
}

const struct fetch_member *fetch_membership_next(
	const struct fetch_membership *m, size_t *pos)
{
	/* *POS counts entries over all pages, usable or not. */
	size_t skip = *pos;

	for (size_t p = 0; p < m->npages; p++) {
		const struct fetch_page *pg = &m->pages[p];
		if (skip >= pg->nmembers) {
			skip -= pg->nmembers;
			continue;
		}
		for (size_t i = skip; i < pg->nmembers; i++) {
			(*pos)++;
			if (pg->members[i].status == FETCH_OK)
				return &pg->members[i];
		}
		skip = 0;
	}
	return NULL;
}

struct ref {
	struct fetch_member *m;
	size_t page;
};

/* Names that differ only in case share one member DNS name
 * (rr_name_member lower-cases), so they are the same name. */
static int ref_name_cmp(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;
	int c = strcasecmp(x->m->rec.site, y->m->rec.site);

	if (c)
		return c;
	return x->page < y->page ? -1 : x->page > y->page;
}

static void mark_duplicates(struct ref *refs, size_t n,
			    struct fetch_chain_stats *st)
{
	qsort(refs, n, sizeof(*refs), ref_name_cmp);
	for (size_t i = 0; i + 1 < n; i++) {
		struct ref *a = &refs[i], *b = &refs[i + 1];
		if (strcasecmp(a->m->rec.site, b->m->rec.site) != 0)
			continue;
		/* Both: nothing says which of the two the admin meant. */
		member_reject(a->m, st, FETCH_R_DUPLICATE,
			      "site %s is listed twice (as %s and %s, pages "
			      "%zu and %zu)", a->m->rec.site, a->m->rec.site,
			      b->m->rec.site, a->page + 1, b->page + 1);
		member_reject(b->m, st, FETCH_R_DUPLICATE,
			      "site %s is listed twice (as %s and %s, pages "
			      "%zu and %zu)", b->m->rec.site, a->m->rec.site,
			      b->m->rec.site, a->page + 1, b->page + 1);
	}
}

struct pfx {
	const struct rr_prefix *p;
	struct fetch_member *m;
};

static int pfx_cmp(const void *a, const void *b)
{
	const struct rr_prefix *x = ((const struct pfx *)a)->p;
	const struct rr_prefix *y = ((const struct pfx *)b)->p;
	int c;

	if (x->addr.family != y->addr.family)
		return x->addr.family < y->addr.family ? -1 : 1;
	c = memcmp(x->addr.bytes, y->addr.bytes, sizeof(x->addr.bytes));
	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static void overlap_pair(const struct pfx *a, const struct pfx *b,
			 struct fetch_chain_stats *st)
{
	char pa[RR_PREFIXSTRLEN], pb[RR_PREFIXSTRLEN];

	rr_prefix_format(a->p, pa);
	rr_prefix_format(b->p, pb);
	member_reject(a->m, st, FETCH_R_OVERLAP,
		      "site %s: authorized net %s overlaps %s of site %s",
		      a->m->rec.site, pa, pb, b->m->rec.site);
	member_reject(b->m, st, FETCH_R_OVERLAP,
		      "site %s: authorized net %s overlaps %s of site %s",
		      b->m->rec.site, pb, pa, a->m->rec.site);
}

/*
 * Sorted by address then length, every prefix that contains P comes
 * before P, and the prefixes containing P form a chain.  A stack of that
 * chain finds all overlaps in O(total log total + pairs).
 */
static enum fetch_reason mark_overlaps(struct ref *refs, size_t n,
				       struct fetch_chain_stats *st,
				       struct fetch_error *err)
{
	struct pfx *all = NULL, **stack = NULL;
	size_t total = 0, k = 0, depth = 0;
	enum fetch_reason r = FETCH_OK;

	for (size_t i = 0; i < n; i++)
		if (refs[i].m->status == FETCH_OK)
			total += refs[i].m->rec.nnets;
	if (total == 0)
		return FETCH_OK;
	all = calloc(total, sizeof(*all));
	stack = calloc(total, sizeof(*stack));
	if (!all || !stack) {
		r = seterr(err, FETCH_R_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (refs[i].m->status != FETCH_OK)
			continue;
		for (size_t j = 0; j < refs[i].m->rec.nnets; j++)
			all[k++] = (struct pfx){ &refs[i].m->rec.nets[j],
						 refs[i].m };
	}
	qsort(all, total, sizeof(*all), pfx_cmp);
	for (size_t i = 0; i < total; i++) {
		while (depth && !rr_prefix_contains(stack[depth - 1]->p,
						    all[i].p))
			depth--;
		for (size_t d = 0; d < depth; d++)
			if (stack[d]->m != all[i].m)
				overlap_pair(stack[d], &all[i], st);
		stack[depth++] = &all[i];
	}
out:
	free(all);
	free(stack);
	return r;
}

static enum fetch_reason pages_match_head(const struct fetch_membership *m,
					  size_t *total,
					  struct fetch_chain_stats *st,
					  struct fetch_error *err)
{
	const struct rr_record *h = &m->head.rec;
	char label[RR_PAGELABELLEN];

	if (m->npages != h->npages)
		return reject(st, err, FETCH_R_COUNT,
			      "head serial %u lists %zu pages, %zu given",
			      h->serial, h->npages, m->npages);
	*total = 0;
	for (size_t i = 0; i < m->npages; i++) {
		if (memcmp(m->pages[i].hash, h->pages[i], RR_HASH_LEN) != 0) {
			rr_page_label(m->pages[i].hash, label);
			return reject(st, err, FETCH_R_HASH,
				      "page %s is not page %zu of head serial "
				      "%u (mix-and-match)", label, i + 1,
				      h->serial);
		}
		*total += m->pages[i].nmembers;
	}
	if (*total > FETCH_MAX_MEMBERS)
		return reject(st, err, FETCH_R_LIMIT,
			      "%zu members (at most %d)", *total,
			      FETCH_MAX_MEMBERS);
	if (*total != h->nmembers)
		return reject(st, err, FETCH_R_COUNT,
			      "head serial %u says n=%u, its pages hold %zu "
			      "members", h->serial, h->nmembers, *total);
	return FETCH_OK;
}

enum fetch_reason fetch_chain_members(struct fetch_membership *m,
				      struct fetch_chain_stats *stats,
				      struct fetch_error *err)
{
	struct ref *refs = NULL;
	size_t total = 0, k = 0;
	enum fetch_reason r;

	r = pages_match_head(m, &total, stats, err);
	if (r != FETCH_OK || total == 0)
		return r;
	refs = calloc(total, sizeof(*refs));
	if (!refs)
		return seterr(err, FETCH_R_NOMEM, "out of memory");
	for (size_t p = 0; p < m->npages; p++)
		for (size_t i = 0; i < m->pages[p].nmembers; i++)
			refs[k++] = (struct ref){ &m->pages[p].members[i], p };
	mark_duplicates(refs, total, stats);
	r = mark_overlaps(refs, total, stats, err);
	free(refs);
	return r;
}

/* ---- site records -------------------------------------------------------- */

void fetch_site_result_free(struct fetch_site_result *r)
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

static enum fetch_reason site_nets_within(const struct rr_record *member,
					  const struct rr_record *site,
					  struct fetch_chain_stats *st,
					  struct fetch_error *err)
{
	char p[RR_PREFIXSTRLEN];
	size_t bad = 0;

	if (rr_prefixes_within(member->nets, member->nnets, site->nets,
			       site->nnets, &bad))
		return FETCH_OK;
	rr_prefix_format(&site->nets[bad], p);
	return reject(st, err, FETCH_R_OUTSIDE,
		      "%s: site %s announces %s, outside its authorized nets "
		      "(tag nets)", member->at, site->site, p);
}

/* A hostile site owner can sign values that our grammar takes but that
 * stop secnet on every node.  A cache hit is parsed again (not verified):
 * the rules or their settings may have changed since it was verified. */
static enum fetch_reason site_secnet_rules(const struct fetch_config *cfg,
					   const struct rr_record *member,
					   const struct cand *c,
					   struct fetch_chain_stats *st,
					   struct fetch_error *err)
{
	char site[FETCH_NAMELEN + FETCH_SITENAMELEN + 1];
	struct rr_record *parsed = NULL;
	const struct rr_record *rec = c->rec;
	struct rr_error e;
	enum fetch_secnet_verdict v;
	enum fetch_reason r = FETCH_OK;

	if (!rec) {
		parsed = malloc(sizeof(*parsed));
		if (!parsed)
			return seterr(err, FETCH_R_NOMEM, "out of memory");
		if (parse_rdata(c->rd, parsed, &e) != RR_OK) {
			r = reject(st, err, FETCH_R_MALFORMED, "%s: %s",
				   member->at, e.msg);
			goto out;
		}
		rec = parsed;
	}
	/* Both parts are bounded names: this fits. */
	(void)snprintf(site, sizeof(site), "%s/%s", cfg->vpn, member->site);
	v = fetch_secnet_rules_check(site, rec, cfg->secnet_min_rsa_bits,
				     err ? err->msg : NULL,
				     err ? sizeof(err->msg) : 0);
	if (v == FETCH_SECNET_NOMEM) {
		r = seterr(err, FETCH_R_NOMEM, "out of memory");
	} else if (v != FETCH_SECNET_OK) {
		r = FETCH_R_CONSUMER;
		st->rejected[r]++;
		if (err)
			err->reason = r;
	}
out:
	if (parsed) {
		rr_record_free(parsed);
		free(parsed);
	}
	return r;
}

enum fetch_reason fetch_chain_site(const struct fetch_config *cfg,
				   const struct rr_record *member,
				   const struct fetch_rdata *rrs, size_t n,
				   uint64_t now,
				   const struct fetch_site_cache *cache,
				   struct fetch_site_result *out,
				   struct fetch_chain_stats *stats,
				   struct fetch_error *err)
{
	uint8_t mcontent[RR_HASH_LEN];
	struct pick pk;
	enum fetch_reason r;

	memset(out, 0, sizeof(*out));
	if (member->kind != RR_KIND_MEMBER || member->nrkeys == 0 ||
	    strlen(member->site) >= sizeof(out->name))
		return seterr(err, FETCH_R_NAME, "%.*s: not a member entry",
			      (int)sizeof(out->name), member->site);
	fetch_record_content(member, mcontent);
	memset(&pk, 0, sizeof(pk));
	pk.ex = (struct rr_expect){ member->at, cfg->vpn, member->site,
				    RR_KIND_SITE, now };
	pk.keys = member->rkeys;
	pk.nkeys = member->nrkeys;
	pk.member = mcontent;
	pk.cache = cache;
	pk.verified = &stats->sites_verified;
	pk.cached = &stats->sites_cached;
	r = pick_run(&pk, rrs, n, cache ? &cache->hw : NULL, stats, err);
	/* A cache hit passed this check under the same member entry. */
	if (r == FETCH_OK && !pk.best.cached)
		r = site_nets_within(member, pk.best.rec, stats, err);
	if (r == FETCH_OK && cfg->out_secnet)
		r = site_secnet_rules(cfg, member, &pk.best, stats, err);
	if (r == FETCH_OK &&
	    blob_set(&out->raw, pk.best.rd->type, pk.best.rd->data,
		     pk.best.rd->len) != 0)
		r = seterr(err, FETCH_R_NOMEM, "out of memory");
	if (r != FETCH_OK)
		goto out;
	memcpy(out->name, member->site, strlen(member->site) + 1);
	memcpy(out->owner, member->at, strlen(member->at) + 1);
	memcpy(out->content, pk.best.content, RR_HASH_LEN);
	memcpy(out->key, pk.best.key, RR_HASH_LEN);
	out->serial = pk.best.serial;
	out->cached = pk.best.cached;
	out->expires = pk.best.expires < member->expires ? pk.best.expires
							 : member->expires;
	out->rec = pk.best.rec;
	pk.best.rec = NULL;
out:
	cand_free(&pk.best);
	return r;
}
