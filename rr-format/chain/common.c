/*
 * common.c - what every rule of the chain shares: reason names, error
 * and statistics plumbing, RDATA copies, and the identity of a record
 * (its content hash, a site record's cache key).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"

#define TYPE_TXT 16

static const char *const reason_names[RRCHAIN_R__COUNT] = {
	[RRCHAIN_OK] = "ok",
	[RRCHAIN_R_MALFORMED] = "malformed",
	[RRCHAIN_R_SIGNATURE] = "signature",
	[RRCHAIN_R_KEY] = "untrusted-key",
	[RRCHAIN_R_UNSIGNED] = "unsigned",
	[RRCHAIN_R_NAME] = "substitution",
	[RRCHAIN_R_EXPIRED] = "expired",
	[RRCHAIN_R_NOTYET] = "not-yet-valid",
	[RRCHAIN_R_HASH] = "page-hash",
	[RRCHAIN_R_ROLLBACK] = "rollback",
	[RRCHAIN_R_FORK] = "fork",
	[RRCHAIN_R_OUTSIDE] = "nets-outside",
	[RRCHAIN_R_OVERLAP] = "nets-overlap",
	[RRCHAIN_R_DUPLICATE] = "duplicate-site",
	[RRCHAIN_R_COUNT] = "member-count",
	[RRCHAIN_R_LIMIT] = "limit",
	[RRCHAIN_R_MISSING] = "missing",
	[RRCHAIN_R_VERSION] = "version",
	[RRCHAIN_R_NOMEM] = "nomem",
	[RRCHAIN_R_CONSUMER] = "consumer-rule",
};

const char *rrchain_reason_name(enum rrchain_reason r)
{
	if ((unsigned)r >= RRCHAIN_R__COUNT)
		return "unknown";
	return reason_names[r];
}

void rrc_vseterr(struct rrchain_error *err, enum rrchain_reason r,
		 const char *fmt, va_list ap)
{
	if (!err)
		return;
	err->reason = r;
	(void)rr_vfail(err->msg, sizeof(err->msg), fmt, ap);
}

enum rrchain_reason rrc_seterr(struct rrchain_error *err,
			       enum rrchain_reason r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rrc_vseterr(err, r, fmt, ap);
	va_end(ap);
	return r;
}

enum rrchain_reason rrc_reject(struct rrchain_stats *st,
			       struct rrchain_error *err,
			       enum rrchain_reason r, const char *fmt, ...)
{
	va_list ap;

	if (st)
		st->rejected[r]++;
	va_start(ap, fmt);
	rrc_vseterr(err, r, fmt, ap);
	va_end(ap);
	return r;
}

void rrchain_stats_add(struct rrchain_stats *into,
			   const struct rrchain_stats *from)
{
	into->heads_verified += from->heads_verified;
	into->pages_hashed += from->pages_hashed;
	into->members_checked += from->members_checked;
	into->sites_verified += from->sites_verified;
	into->sites_cached += from->sites_cached;
	into->heads_stored += from->heads_stored;
	for (size_t i = 0; i < RRCHAIN_R__COUNT; i++)
		into->rejected[i] += from->rejected[i];
}

enum rrchain_reason rrc_from_rr(enum rr_errclass c)
{
	switch (c) {
	case RR_OK:
		return RRCHAIN_OK;
	case RR_E_SIGNATURE:
		return RRCHAIN_R_SIGNATURE;
	case RR_E_KEY:
		return RRCHAIN_R_KEY;
	case RR_E_UNSIGNED:
		return RRCHAIN_R_UNSIGNED;
	case RR_E_NAME:
		return RRCHAIN_R_NAME;
	case RR_E_EXPIRED:
		return RRCHAIN_R_EXPIRED;
	case RR_E_NOTYET:
		return RRCHAIN_R_NOTYET;
	case RR_E_HASH:
		return RRCHAIN_R_HASH;
	case RR_E_POLICY:
		return RRCHAIN_R_OUTSIDE;
	case RR_E_NOMEM:
		return RRCHAIN_R_NOMEM;
	case RR_E_VERSION:
		return RRCHAIN_R_VERSION;
	default:
		return RRCHAIN_R_MALFORMED;
	}
}

/* ---- RDATA --------------------------------------------------------------- */

int rrc_blob_set(struct rrchain_blob *b, uint16_t type, const uint8_t *data,
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

void rrchain_blobs_free(struct rrchain_blob *blobs, size_t n)
{
	if (!blobs)
		return;
	for (size_t i = 0; i < n; i++)
		free(blobs[i].data);
	free(blobs);
}

void rrchain_rdata_view(const struct rrchain_blob *blobs, size_t n,
		      struct rrchain_rdata *out)
{
	for (size_t i = 0; i < n; i++) {
		out[i].type = blobs[i].type;
		out[i].data = blobs[i].data;
		out[i].len = blobs[i].len;
	}
}

/* ---- record identity ----------------------------------------------------- */

static void hash_u32(crypto_hash_sha256_state *st, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };

	crypto_hash_sha256_update(st, b, sizeof(b));
}

void rrchain_record_content(const struct rr_record *r, uint8_t out[RR_HASH_LEN])
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

void rrc_cache_key(const uint8_t member[RR_HASH_LEN],
		      const struct rrchain_rdata *rd, uint8_t out[RR_HASH_LEN])
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

void rrchain_entry_site_key(const struct rrchain_member *m,
			    const struct rrchain_rdata *rd,
			    uint8_t out[RR_HASH_LEN])
{
	rrc_cache_key(m->content, rd, out);
}

void rrchain_site_key(const struct rr_record *member,
		    const struct rrchain_rdata *rd, uint8_t out[RR_HASH_LEN])
{
	uint8_t mc[RR_HASH_LEN];

	rrchain_record_content(member, mc);
	rrc_cache_key(mc, rd, out);
}

/* ---- which RDATA is ours ------------------------------------------------- */

/* TXT RDATA whose text starts with "v=vpnrr", wherever the strings were
 * split; anything else at the name (SPF, site notes) is not ours. */
static bool txt_is_vpnrr(const struct rrchain_rdata *rd)
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

bool rrchain_rdata_is_vpnrr(const struct rrchain_rdata *rd)
{
	if (rd->type == RR_TYPE_VPNRR)
		return true;
	return rd->type == TYPE_TXT && txt_is_vpnrr(rd);
}

enum rr_errclass rrc_parse_rdata(const struct rrchain_rdata *rd,
				    struct rr_record *rec, struct rr_error *e)
{
	if (rd->type == RR_TYPE_VPNRR)
		return rr_parse_bin(rd->data, rd->len, rec, e);
	return rr_parse_txt_rdata(rd->data, rd->len, rec, e);
}
