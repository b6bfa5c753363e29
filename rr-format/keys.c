/* keys.c - key text forms, key ids and base64, all through libsodium. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"

enum rr_errclass rr_b64_decode(const char *text, size_t len, uint8_t *out,
			       size_t max, size_t *outlen,
			       struct rr_error *err)
{
	struct rr_buf again = { 0 };
	const char *end = NULL;
	enum rr_errclass rc = RR_OK;

	if (len == 0)
		return rr_seterr(err, RR_E_VALUE, "empty base64");
	if (len % 4 != 0)
		return rr_seterr(err, RR_E_TRUNCATED,
				 "base64 of %zu characters is not a multiple "
				 "of 4 (truncated?)", len);
	size_t want = len / 4 * 3 - (text[len - 1] == '=') -
		      (text[len - 2] == '=');
	if (want > max)
		return rr_seterr(err, RR_E_LIMIT,
				 "base64 decodes to %zu bytes, more than %zu",
				 want, max);
	if (sodium_base642bin(out, max, text, len, NULL, outlen, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != text + len)
		return rr_seterr(err, RR_E_VALUE,
				 "invalid base64 at offset %zu",
				 end ? (size_t)(end - text) : (size_t)0);
	/* Reject encodings with stray bits in the last character, so each
	 * byte string has exactly one text form. */
	rr_b64_encode(&again, out, *outlen);
	if (again.oom)
		rc = rr_seterr(err, RR_E_NOMEM, "out of memory");
	else if (again.len != len || memcmp(again.p, text, len) != 0)
		rc = rr_seterr(err, RR_E_CANONICAL,
			       "base64 is not in canonical form");
	rr_buf_free(&again);
	return rc;
}

void rr_b64_encode(struct rr_buf *out, const uint8_t *data, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	size_t start = out->len;

	/* Reserve n bytes (NUL included), then trim the NUL. */
	for (size_t i = 0; i < n; i++)
		rr_buf_putc(out, 0);
	if (out->oom)
		return;
	sodium_bin2base64((char *)out->p + start, n, data, len,
			  sodium_base64_VARIANT_ORIGINAL);
	out->len = start + n - 1;
}

void rr_keyid(const uint8_t *key, size_t len, uint8_t id[RR_KEYID_LEN])
{
	uint8_t h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, key, len);
	memcpy(id, h, RR_KEYID_LEN);
}

void rr_keyid_format(const uint8_t id[RR_KEYID_LEN],
		     char out[2 * RR_KEYID_LEN + 1])
{
	sodium_bin2hex(out, 2 * RR_KEYID_LEN + 1, id, RR_KEYID_LEN);
}

/* The text forms' prefixes: "ALG:" and "ALG-secret:". */
#define SECRET_SUFFIX "-secret"

/* Length of S's prefix when it is ALG's public (or, with SECRET, secret)
 * key prefix; 0 when it is not. */
static size_t key_prefix(const char *s, const struct rr_alg *alg,
			 bool secret)
{
	size_t n = strlen(alg->name), sl = strlen(SECRET_SUFFIX);

	if (strncmp(s, alg->name, n) != 0)
		return 0;
	if (secret) {
		if (strncmp(s + n, SECRET_SUFFIX, sl) != 0)
			return 0;
		n += sl;
	}
	return s[n] == ':' ? n + 1 : 0;
}

bool rr_key_text_is(const char *s)
{
	const struct rr_alg *a;

	for (size_t i = 0; (a = rr_alg_at(i)) != NULL; i++)
		if (a->cls == RR_ALG_SIGN &&
		    (key_prefix(s, a, false) || key_prefix(s, a, true)))
			return true;
	return false;
}

static enum rr_errclass prefixed_b64(const char *s, bool secret,
				     uint8_t *out, size_t want,
				     struct rr_error *err)
{
	const struct rr_alg *alg = &rr_alg_ed25519;
	size_t pl = key_prefix(s, alg, secret), got = 0;
	enum rr_errclass rc;

	if (pl == 0)
		return rr_seterr(err, RR_E_KEY, "key must start with "
				 "\"%s%s:\"", alg->name,
				 secret ? SECRET_SUFFIX : "");
	rc = rr_b64_decode(s + pl, strlen(s + pl), out, want, &got, err);
	if (rc != RR_OK) {
		err->cls = RR_E_KEY;
		return RR_E_KEY;
	}
	if (got != want)
		return rr_seterr(err, RR_E_KEY, "key has %zu bytes, not %zu",
				 got, want);
	return RR_OK;
}

enum rr_errclass rr_pubkey_parse(const char *s, struct rr_pubkey *out,
				 struct rr_error *err)
{
	enum rr_errclass rc;

	memset(out, 0, sizeof(*out));
	rc = prefixed_b64(s, false, out->key, RR_PUBKEY_LEN, err);
	if (rc != RR_OK)
		return rc;
	out->alg = RR_SIGALG_ED25519;
	rr_keyid(out->key, RR_PUBKEY_LEN, out->id);
	return RR_OK;
}

void rr_pubkey_format(const struct rr_pubkey *k, char out[RR_PUBKEYSTRLEN])
{
	char b64[sodium_base64_ENCODED_LEN(RR_PUBKEY_LEN,
					   sodium_base64_VARIANT_ORIGINAL)];

	sodium_bin2base64(b64, sizeof(b64), k->key, RR_PUBKEY_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, RR_PUBKEYSTRLEN, "%s:%s", rr_alg_ed25519.name, b64);
}

static void seckey_from_seed(struct rr_seckey *k, const uint8_t *seed)
{
	crypto_sign_seed_keypair(k->pub.key, k->sk, seed);
	k->alg = RR_SIGALG_ED25519;
	k->pub.alg = RR_SIGALG_ED25519;
	rr_keyid(k->pub.key, RR_PUBKEY_LEN, k->pub.id);
}

enum rr_errclass rr_seckey_parse(const char *s, struct rr_seckey *out,
				 struct rr_error *err)
{
	uint8_t seed[crypto_sign_SEEDBYTES];
	enum rr_errclass rc;

	memset(out, 0, sizeof(*out));
	rc = prefixed_b64(s, true, seed, sizeof(seed), err);
	if (rc == RR_OK)
		seckey_from_seed(out, seed);
	sodium_memzero(seed, sizeof(seed));
	return rc;
}

void rr_seckey_format(const struct rr_seckey *k, char out[RR_SECKEYSTRLEN])
{
	char b64[sodium_base64_ENCODED_LEN(crypto_sign_SEEDBYTES,
					   sodium_base64_VARIANT_ORIGINAL)];

	/* libsodium keeps the seed as the first half of the secret key. */
	sodium_bin2base64(b64, sizeof(b64), k->sk, crypto_sign_SEEDBYTES,
			  sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, RR_SECKEYSTRLEN, "%s" SECRET_SUFFIX ":%s",
		 rr_alg_ed25519.name, b64);
	sodium_memzero(b64, sizeof(b64));
}

enum rr_errclass rr_seckey_generate(struct rr_seckey *out, struct rr_error *err)
{
	uint8_t seed[crypto_sign_SEEDBYTES];

	if (sodium_init() < 0)
		return rr_seterr(err, RR_E_KEY, "libsodium failed to start");
	memset(out, 0, sizeof(*out));
	randombytes_buf(seed, sizeof(seed));
	seckey_from_seed(out, seed);
	sodium_memzero(seed, sizeof(seed));
	return RR_OK;
}

void rr_seckey_wipe(struct rr_seckey *k)
{
	sodium_memzero(k, sizeof(*k));
}
