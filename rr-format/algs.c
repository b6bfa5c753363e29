/*
 * algs.c - the algorithms vpnrr knows, and rsa1 key data.
 *
 * One row per algorithm: a new signing or transport algorithm is a row
 * here (plus, for signing, its enum rr_sigalg), and every parser and
 * output asks the table instead of comparing names.
 */
#include <string.h>

#include "internal.h"

const struct rr_alg rr_alg_ed25519 = {
	"ed25519", RR_ALG_SIGN, RR_PUBKEY_LEN, "a 32-byte Ed25519 public key",
	0, RR_SIGALG_ED25519,
};
const struct rr_alg rr_alg_rsa1 = {
	"rsa1", RR_ALG_TRANSPORT, 0, "\"BITS E N\" in decimal",
	RR_ALGUSE_SECNET, 0,
};
const struct rr_alg rr_alg_x25519 = {
	"x25519", RR_ALG_TRANSPORT, 32, "a 32-byte X25519 public key", 0, 0,
};

static const struct rr_alg *const algs[] = {
	&rr_alg_ed25519,
	&rr_alg_rsa1,
	&rr_alg_x25519,
};

#define NALGS (sizeof(algs) / sizeof(algs[0]))

const struct rr_alg *rr_alg_find(const char *name, size_t len)
{
	for (size_t i = 0; i < NALGS; i++)
		if (strlen(algs[i]->name) == len &&
		    memcmp(algs[i]->name, name, len) == 0)
			return algs[i];
	return NULL;
}

const struct rr_alg *rr_alg_by_sigalg(enum rr_sigalg alg)
{
	for (size_t i = 0; i < NALGS; i++)
		if (algs[i]->cls == RR_ALG_SIGN && algs[i]->sigalg == alg)
			return algs[i];
	return NULL;
}

const struct rr_alg *rr_alg_at(size_t i)
{
	return i < NALGS ? algs[i] : NULL;
}

bool rr_alg_name_valid(const char *s, size_t len)
{
	if (len == 0 || len > RR_MAX_ALG)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

enum rr_errclass rr_alg_check_key(const struct rr_alg *alg,
				  const uint8_t *data, size_t len,
				  struct rr_error *err)
{
	struct rr_rsa1 rsa;
	enum rr_errclass rc;

	if (!alg)
		return RR_OK;
	if (alg->keylen && len != alg->keylen)
		return rr_seterr(err, RR_E_KEY,
				 "%s keys have %zu bytes, not %zu",
				 alg->name, alg->keylen, len);
	if (alg != &rr_alg_rsa1)
		return RR_OK;
	rc = rr_rsa1_parse(data, len, &rsa, err);
	if (rc == RR_OK && rsa.usable != len)
		rc = rr_seterr(err, RR_E_KEY, "rsa1 key data is %s with "
			       "nothing after N", alg->format);
	return rc;
}

/* ---- rsa1 ---------------------------------------------------------------- */

/* ceil(8200 / log2(10)) digits, generously. */
#define RSA1_MAX_DIGITS 2470

/* A run of 1 to MAX decimal digits at D[*I]; moves *I past it. */
static bool digits(const uint8_t *d, size_t len, size_t *i, size_t max,
		   const char **start, size_t *n)
{
	size_t from = *i;

	while (*i < len && d[*i] >= '0' && d[*i] <= '9')
		(*i)++;
	*start = (const char *)d + from;
	*n = *i - from;
	return *n > 0 && *n <= max;
}

enum rr_errclass rr_rsa1_parse(const uint8_t *data, size_t len,
			       struct rr_rsa1 *out, struct rr_error *err)
{
	const char *b;
	size_t i = 0, bl;
	bool ok;

	memset(out, 0, sizeof(*out));
	ok = digits(data, len, &i, 4, &b, &bl) && i < len &&
	     data[i++] == ' ' &&
	     digits(data, len, &i, RSA1_MAX_DIGITS, &out->e, &out->elen) &&
	     i < len && data[i++] == ' ' &&
	     digits(data, len, &i, RSA1_MAX_DIGITS, &out->n, &out->nlen) &&
	     (i == len || data[i] == ' ');
	if (!ok)
		return rr_seterr(err, RR_E_KEY, "rsa1 key data is not "
				 "\"BITS EXPONENT MODULUS\" in decimal (BITS "
				 "of 1 to 4 digits, the others of at most %d)",
				 RSA1_MAX_DIGITS);
	for (size_t j = 0; j < bl; j++)
		out->bits = out->bits * 10 + (unsigned)(b[j] - '0');
	if (out->bits > RR_RSA1_MAX_BITS)
		return rr_seterr(err, RR_E_KEY, "rsa1 key of %u bits is above "
				 "the maximum of %d", out->bits,
				 RR_RSA1_MAX_BITS);
	out->usable = i;
	return RR_OK;
}
