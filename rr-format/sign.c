/*
 * sign.c - canonical form, Ed25519 signatures, page hashes, the DNS names
 * records live at, and serial arithmetic.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>
#include <sodium.h>

#include "internal.h"

/* Domain separation: these bytes never begin anything else we hash. */
static const char sig_context[] = "vpnrr1-sig";
static const char page_context[] = "vpnrr1-page";

/* Owner name in canonical wire form (RFC 4034 section 6.2). */
static enum rr_errclass owner_wire(const char *owner, struct rr_buf *out,
				   struct rr_error *err)
{
	ldns_rdf *dn = NULL;
	enum rr_errclass rc = RR_OK;

	if (!owner || !*owner || strlen(owner) > RR_MAX_NAME + 1)
		return rr_seterr(err, RR_E_NAME, "owner name missing or too long");
	if (ldns_str2rdf_dname(&dn, owner) != LDNS_STATUS_OK || !dn)
		return rr_seterr(err, RR_E_NAME, "%s: not a valid DNS name",
				 owner);
	ldns_dname2canonical(dn);
	rr_buf_putc(out, (uint8_t)ldns_rdf_size(dn));
	rr_buf_put(out, ldns_rdf_data(dn), ldns_rdf_size(dn));
	ldns_rdf_deep_free(dn);
	if (out->oom)
		rc = rr_seterr(err, RR_E_NOMEM, "out of memory");
	return rc;
}

enum rr_errclass rr_canonical(const struct rr_record *r, const char *owner,
			      uint8_t **out, size_t *outlen,
			      struct rr_error *err)
{
	struct rr_buf b = { 0 };
	enum rr_errclass rc;

	rr_buf_put(&b, sig_context, sizeof(sig_context)); /* with its NUL */
	rc = owner_wire(owner, &b, err);
	if (rc == RR_OK)
		rc = rr_encode_fields(r, false, &b, err);
	if (rc != RR_OK) {
		rr_buf_free(&b);
		return rc;
	}
	*out = b.p;
	*outlen = b.len;
	return RR_OK;
}

static void drop_signature(struct rr_record *r)
{
	while (r->nfields > 0) {
		const struct rr_field *f = &r->fields[r->nfields - 1];
		/* Their bytes stay in the arena until the record is freed. */
		if (strcmp(f->tag, "sig") != 0 && strcmp(f->tag, "sk") != 0)
			break;
		r->nfields--;
	}
	r->has_sk = r->has_sig = false;
}

enum rr_errclass rr_sign(struct rr_record *r, const char *owner,
			 const struct rr_seckey *key, struct rr_error *err)
{
	uint8_t sk[1 + RR_MAX_ALG + RR_KEYID_LEN];
	const struct rr_alg *alg = rr_alg_by_sigalg(key->alg);
	size_t al;
	uint8_t sig[RR_SIG_LEN];
	uint8_t *canon = NULL;
	size_t clen = 0;
	enum rr_errclass rc;

	if (sodium_init() < 0)
		return rr_seterr(err, RR_E_KEY, "libsodium failed to start");
	if (!alg)
		return rr_seterr(err, RR_E_KEY, "signing key of unknown "
				 "algorithm %d", (int)key->alg);
	drop_signature(r);
	al = strlen(alg->name);
	sk[0] = (uint8_t)al;
	memcpy(sk + 1, alg->name, al);
	memcpy(sk + 1 + al, key->pub.id, RR_KEYID_LEN);
	rc = rr_record_finish(r, err);
	if (rc == RR_OK)
		rc = rr_field_append(r, "sk", 2, sk, 1 + al + RR_KEYID_LEN,
				     err);
	if (rc == RR_OK)
		rc = rr_canonical(r, owner, &canon, &clen, err);
	if (rc != RR_OK)
		goto out;
	crypto_sign_detached(sig, NULL, canon, clen, key->sk);
	rc = rr_field_append(r, "sig", 3, sig, sizeof(sig), err);
out:
	if (rc != RR_OK)
		drop_signature(r);
	free(canon);
	return rc;
}

static const struct rr_pubkey *find_key(const struct rr_record *r,
					const struct rr_pubkey *keys,
					size_t nkeys)
{
	for (size_t i = 0; i < nkeys; i++)
		if (keys[i].alg == r->sigalg &&
		    memcmp(keys[i].id, r->sigkeyid, RR_KEYID_LEN) == 0)
			return &keys[i];
	return NULL;
}

static enum rr_errclass check_names(const struct rr_record *r,
				    const struct rr_expect *ex,
				    struct rr_error *err)
{
	if (r->kind != ex->kind)
		return rr_seterr(err, RR_E_NAME,
				 "%s: a %s record where a %s record belongs",
				 ex->owner, rr_kind_name(r->kind),
				 rr_kind_name(ex->kind));
	if (ex->vpn && strcmp(r->vpn, ex->vpn) != 0)
		return rr_seterr(err, RR_E_NAME,
				 "%s: record is for VPN %s, not %s", ex->owner,
				 r->vpn, ex->vpn);
	if (ex->site && strcmp(r->site, ex->site) != 0)
		return rr_seterr(err, RR_E_NAME,
				 "%s: record is for site %s, not %s",
				 ex->owner, r->site, ex->site);
	return RR_OK;
}

enum rr_errclass rr_verify(const struct rr_record *r,
			   const struct rr_expect *ex,
			   const struct rr_pubkey *keys, size_t nkeys,
			   struct rr_error *err)
{
	const struct rr_pubkey *k;
	uint8_t *canon = NULL;
	size_t clen = 0;
	char id[2 * RR_KEYID_LEN + 1];
	enum rr_errclass rc;

	if (sodium_init() < 0)
		return rr_seterr(err, RR_E_KEY, "libsodium failed to start");
	rc = check_names(r, ex, err);
	if (rc != RR_OK)
		return rc;
	if (!r->has_sig || !r->has_sk)
		return rr_seterr(err, RR_E_UNSIGNED,
				 "%s: record is not signed (no sk= and sig=; "
				 "if it came through a DNS panel, it may have "
				 "been truncated)", ex->owner);
	/* RFC 5011's REVOKE: only the holder of a key retires it, so a
	 * thief of one anchor cannot retire the others. */
	if (r->kind == RR_KIND_ANCHOR && r->anchor_retire &&
	    (r->sigalg != r->anchor_key.alg ||
	     memcmp(r->sigkeyid, r->anchor_key.id, RR_KEYID_LEN) != 0)) {
		rr_keyid_format(r->anchor_key.id, id);
		return rr_seterr(err, RR_E_KEY,
				 "%s: retire= %s is not signed by that key "
				 "itself", ex->owner, id);
	}
	k = find_key(r, keys, nkeys);
	if (k && r->kind == RR_KIND_ANCHOR && r->anchor_retire &&
	    memcmp(k->key, r->anchor_key.key, RR_PUBKEY_LEN) != 0)
		k = NULL;
	if (!k) {
		rr_keyid_format(r->sigkeyid, id);
		return rr_seterr(err, RR_E_KEY,
				 "%s: signed by key %s, which is not trusted "
				 "here", ex->owner, id);
	}
	if (!ex->sig_known) {
		rc = rr_canonical(r, ex->owner, &canon, &clen, err);
		if (rc != RR_OK)
			return rc;
		if (crypto_sign_verify_detached(r->sig, canon, clen,
						k->key) != 0)
			rc = rr_seterr(err, RR_E_SIGNATURE,
				       "%s: signature does not verify",
				       ex->owner);
		free(canon);
		if (rc != RR_OK)
			return rc;
	}
	if (ex->now < r->not_before)
		return rr_seterr(err, RR_E_NOTYET,
				 "%s: not valid before %llu (now %llu)",
				 ex->owner, (unsigned long long)r->not_before,
				 (unsigned long long)ex->now);
	if (ex->now >= r->expires)
		return rr_seterr(err, RR_E_EXPIRED,
				 "%s: expired at %llu (now %llu)", ex->owner,
				 (unsigned long long)r->expires,
				 (unsigned long long)ex->now);
	return RR_OK;
}

struct entry {
	uint8_t *p;
	size_t len;
};

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->p, y->p, n);

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static void hash_u32(crypto_hash_sha256_state *st, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };
	crypto_hash_sha256_update(st, b, 4);
}

enum rr_errclass rr_page_hash(const struct rr_record *const *members,
			      size_t n, uint8_t out[RR_HASH_LEN],
			      struct rr_error *err)
{
	struct entry *e = NULL;
	crypto_hash_sha256_state st;
	enum rr_errclass rc = RR_OK;
	size_t done = 0;

	if (n == 0 || n > RR_MAX_PAGE_MEMBERS)
		return rr_seterr(err, RR_E_LIMIT,
				 "a page holds 1 to %d members, not %zu",
				 RR_MAX_PAGE_MEMBERS, n);
	e = calloc(n, sizeof(*e));
	if (!e)
		return rr_seterr(err, RR_E_NOMEM, "out of memory");
	for (; done < n; done++) {
		struct rr_buf b = { 0 };
		const struct rr_record *m = members[done];
		if (m->kind != RR_KIND_MEMBER) {
			rc = rr_seterr(err, RR_E_NAME,
				       "page entry %zu is a %s record",
				       done + 1, rr_kind_name(m->kind));
			break;
		}
		if (m->has_sig || m->has_sk) {
			rc = rr_seterr(err, RR_E_UNSIGNED,
				       "page entry %zu carries a signature; "
				       "page entries are covered by the head",
				       done + 1);
			break;
		}
		rc = rr_encode_fields(m, true, &b, err);
		e[done].p = b.p;
		e[done].len = b.len;
		if (rc != RR_OK)
			break;
	}
	if (rc == RR_OK) {
		qsort(e, n, sizeof(*e), entry_cmp);
		crypto_hash_sha256_init(&st);
		crypto_hash_sha256_update(&st, (const uint8_t *)page_context,
					  sizeof(page_context));
		hash_u32(&st, (uint32_t)n);
		for (size_t i = 0; i < n; i++) {
			hash_u32(&st, (uint32_t)e[i].len);
			crypto_hash_sha256_update(&st, e[i].p, e[i].len);
		}
		crypto_hash_sha256_final(&st, out);
	}
	for (size_t i = 0; i < n; i++)
		free(e[i].p);
	free(e);
	return rc;
}

void rr_page_label(const uint8_t hash[RR_HASH_LEN], char out[RR_PAGELABELLEN])
{
	static const char b32hex[] = "0123456789abcdefghijklmnopqrstuv";
	unsigned acc = 0, bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < 16; i++) {
		acc = (acc << 8) | hash[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = b32hex[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = b32hex[(acc << (5 - bits)) & 31];
	out[o] = '\0';
}

static enum rr_errclass join_name(char *out, struct rr_error *err,
				  const char *a, const char *b, const char *c,
				  const char *zone)
{
	size_t zl = strlen(zone);
	/* A final dot on the zone is dropped so names compare simply. */
	if (zl > 0 && zone[zl - 1] == '.')
		zl--;
	int n = snprintf(out, RR_MAX_NAME + 1, "%s%s%s%.*s", a, b, c, (int)zl,
			 zone);

	if (n < 0 || n > RR_MAX_NAME)
		return rr_seterr(err, RR_E_LIMIT,
				 "name under %s longer than %d bytes", zone,
				 RR_MAX_NAME);
	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return RR_OK;
}

enum rr_errclass rr_name_head(const char *zone, char *out, struct rr_error *err)
{
	return join_name(out, err, "_vpnrr.", "", "", zone);
}

enum rr_errclass rr_name_anchor(const char *zone, char *out,
				struct rr_error *err)
{
	return join_name(out, err, "_anchor._vpnrr.", "", "", zone);
}

enum rr_errclass rr_name_page(const char *zone, const uint8_t hash[RR_HASH_LEN],
			      char *out, struct rr_error *err)
{
	char label[RR_PAGELABELLEN];

	rr_page_label(hash, label);
	return join_name(out, err, label, ".p._vpnrr.", "", zone);
}

enum rr_errclass rr_name_member(const char *zone, const char *site, char *out,
				struct rr_error *err)
{
	char loc[64], name[65];
	const char *slash = strchr(site, '/');
	size_t nl;

	if (!slash || (size_t)(slash - site) >= sizeof(loc) ||
	    (nl = strlen(slash + 1)) >= sizeof(name) - 1)
		return rr_seterr(err, RR_E_VALUE,
				 "%s: need LOCATION/SITE", site);
	memcpy(loc, site, (size_t)(slash - site));
	loc[slash - site] = '\0';
	memcpy(name, slash + 1, nl);
	memcpy(name + nl, ".", 2);
	return join_name(out, err, name, loc, ".m._vpnrr.", zone);
}

int rr_serial_cmp(uint32_t a, uint32_t b)
{
	uint32_t d = b - a;

	if (a == b)
		return 0;
	/* RFC 1982: a < b when b is ahead by less than 2^31.  At exactly
	 * 2^31 the order is undefined; we call neither side newer. */
	if (d == 0x80000000u)
		return -1;
	return d < 0x80000000u ? -1 : 1;
}
