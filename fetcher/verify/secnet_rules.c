/*
 * secnet_rules.c - secnet's constraints on one site's values (see
 * secnet_rules.h; the reasons are in rr-format/SPEC.md).
 *
 * The limits come from secnet 0.6's sources: site.c (timers and their
 * defaults), dh.c (modulus and generator), rsa.c (rsa1 public keys and the
 * PKCS#1 padding of signatures), pubkeys.fl.pl (peer-keys data), conffile.c
 * (numbers), plus minimums below which a site would cost every node work
 * or route nonsense.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmp.h>
#include <sodium.h>

#include "secnet_rules.h"

/* ---- secnet's numbers ---------------------------------------------------- */

/* conffile.c's dict_read_number: numbers must fit a signed 32-bit int. */
#define SN_NUMBER_MAX 0x7fffffffu
/* rsa.c: RSA_MAX_MODBYTES, the largest modulus or exponent loaded. */
#define SN_RSA_MAX_BYTES 2048
/* site.c's SETUP_BUFFER_LEN: the buffer peer-keys key data is decoded
 * into (pubkeys.fl.pl), one byte of which rsa1_loadpub needs for a NUL. */
#define SN_KEYDATA_BUF 2048
/* make-secnet-sites' largest RSA key. */
#define SN_RSA_MAX_BITS RR_RSA1_MAX_BITS
/* Hash closures secnet 0.6 defines. */
static const char *const sn_hashes[] = { "md5", "sha1" };

/* ---- errors -------------------------------------------------------------- */

static enum fetch_secnet_verdict bad(char *err, size_t errlen,
				     const char *site, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum fetch_secnet_verdict bad(char *err, size_t errlen,
				     const char *site, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || errlen == 0)
		return FETCH_SECNET_BAD;
	n = snprintf(err, errlen, "site %s: ", site);
	if (n < 0 || (size_t)n >= errlen)
		return FETCH_SECNET_BAD;
	va_start(ap, fmt);
	if (vsnprintf(err + n, errlen - (size_t)n, fmt, ap) < 0)
		err[n] = '\0';
	va_end(ap);
	return FETCH_SECNET_BAD;
}

/* ---- timers -------------------------------------------------------------- */

/* One tunable against secnet's number range and the table's bounds. */
static enum fetch_secnet_verdict check_tunable(const char *site,
					       const struct rr_record *r,
					       const struct rr_tunable *t,
					       char *err, size_t errlen)
{
	uint32_t v = rr_tunable_get(r, t);
	const char *sp = t->unit[0] ? " " : "";

	if (v > SN_NUMBER_MAX)
		return bad(err, errlen, site, "%s: %" PRIu32 " does not fit "
			   "secnet's signed 32-bit numbers", t->tag, v);
	if (v && t->min && v < t->min)
		return bad(err, errlen, site, "%s: %" PRIu32 "%s%s is below "
			   "the minimum of %" PRIu32 "%s%s", t->tag, v, sp,
			   t->unit, t->min, sp, t->unit);
	if (t->max && v > t->max)
		return bad(err, errlen, site, "%s: %" PRIu32 "%s%s is above "
			   "the maximum of %" PRIu32 "%s%s", t->tag, v, sp,
			   t->unit, t->max, sp, t->unit);
	return FETCH_SECNET_OK;
}

static enum fetch_secnet_verdict check_timers(const char *site,
					      const struct rr_record *r,
					      char *err, size_t errlen)
{
	const struct rr_tunable *klt = &rr_tunables[RR_TUN_KEY_LIFETIME];
	enum fetch_secnet_verdict v = FETCH_SECNET_OK;
	/* A fixed peer gets the fixed defaults even on a mobile node
	 * (whose defaults are longer): the stricter reading. */
	uint32_t kl = r->key_lifetime ? r->key_lifetime
		      : r->mobile ? klt->secnet_mobile_default
				  : klt->secnet_default;

	for (size_t i = 0; i < RR_NTUNABLES && v == FETCH_SECNET_OK; i++)
		v = check_tunable(site, r, &rr_tunables[i], err, errlen);
	if (v != FETCH_SECNET_OK)
		return v;
	/* site.c: "renegotiate-time must be less than key-lifetime", fatal
	 * for the whole configuration.  An absent renegotiate-time is
	 * derived from key-lifetime and always fits. */
	if (r->renegotiate_time && r->renegotiate_time >= kl)
		return bad(err, errlen, site,
			   "renegotiate-time: %" PRIu32 " ms is not below "
			   "key-lifetime %s%" PRIu32 " ms (secnet refuses "
			   "its configuration)",
			   r->renegotiate_time,
			   r->key_lifetime ? "" : "(secnet's default) ", kl);
	return FETCH_SECNET_OK;
}

/* ---- addresses ----------------------------------------------------------- */

/* Why secnet must not be pointed at IPv4 address A (4 bytes), or NULL:
 * every node would send to itself or to nobody. */
static const char *v4_unusable(const uint8_t *a)
{
	if (a[0] == 0)
		return "unspecified (0.0.0.0/8)";
	if (a[0] == 127)
		return "loopback";
	if (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255)
		return "broadcast";
	if (a[0] >= 224 && a[0] < 240)
		return "multicast";
	if (a[0] >= 240)
		return "reserved (240.0.0.0/4)";
	return NULL;
}

static const char *addr_unusable(const struct rr_addr *a)
{
	static const uint8_t zero[16], mapped[12] = { [10] = 0xff,
						      [11] = 0xff };

	if (a->family == 4)
		return v4_unusable(a->bytes);
	if (memcmp(a->bytes, zero, 16) == 0)
		return "unspecified (::)";
	if (memcmp(a->bytes, zero, 15) == 0 && a->bytes[15] == 1)
		return "loopback";
	if (a->bytes[0] == 0xff)
		return "multicast";
	/* An IPv4-mapped address is that IPv4 address. */
	if (memcmp(a->bytes, mapped, 12) == 0)
		return v4_unusable(a->bytes + 12);
	return NULL;
}

/* "localhost" resolves to loopback by convention (RFC 6761). */
static bool host_is_local(const char *h)
{
	size_t l = strlen(h);
	static const char lh[] = "localhost";

	return strcmp(h, lh) == 0 ||
	       (l > sizeof(lh) - 1 && h[l - sizeof(lh)] == '.' &&
		strcmp(h + l - (sizeof(lh) - 1), lh) == 0);
}

static enum fetch_secnet_verdict check_endpoints(const char *site,
						 const struct rr_record *r,
						 char *err, size_t errlen)
{
	char s[RR_ENDPOINTSTRLEN];

	for (size_t i = 0; i < r->neps; i++) {
		const struct rr_endpoint *e = &r->eps[i];
		const char *why = NULL;

		if (e->type == RR_EP_HOST)
			why = host_is_local(e->host) ? "loopback" : NULL;
		else
			why = addr_unusable(&e->addr);
		rr_endpoint_format(e, s);
		if (why)
			return bad(err, errlen, site,
				   "endpoint %s: address is %s", s, why);
		if (e->port == 0)
			return bad(err, errlen, site,
				   "endpoint %s: port 0", s);
	}
	return FETCH_SECNET_OK;
}

/* IPv4 ranges no secnet route may touch: to route them into a tunnel
 * takes the node's own loopback or "this network", and secnet carries
 * unicast only. */
static const struct {
	uint8_t a, len;
	const char *what;
} v4_special[] = {
	{ 0, 8, "0.0.0.0/8 (this network)" },
	{ 127, 8, "127.0.0.0/8 (loopback)" },
	{ 224, 3, "224.0.0.0/3 (multicast, reserved, broadcast)" },
};

static enum fetch_secnet_verdict check_nets(const char *site,
					    const struct rr_record *r,
					    char *err, size_t errlen)
{
	char p[RR_PREFIXSTRLEN];

	/* Gateway networks (gw-nets=) are routed by secnet like the site's
	 * own: the same ranges are refused. */
	for (size_t i = 0; i < r->nnets + r->ngw_nets; i++) {
		const struct rr_prefix *n = i < r->nnets
			? &r->nets[i] : &r->gw_nets[i - r->nnets];
		/* IPv6 networks are not given to secnet (out_secnet.c). */
		if (n->addr.family != 4)
			continue;
		for (size_t j = 0; j < sizeof(v4_special) /
					       sizeof(v4_special[0]); j++) {
			struct rr_prefix sp = { .addr = { .family = 4 } };
			sp.addr.bytes[0] = v4_special[j].a;
			sp.len = v4_special[j].len;
			if (!rr_prefix_overlap(n, &sp))
				continue;
			rr_prefix_format(n, p);
			return bad(err, errlen, site,
				   "network %s: overlaps %s", p,
				   v4_special[j].what);
		}
	}
	if (r->has_ptp && r->ptp.family == 4 && v4_unusable(r->ptp.bytes)) {
		rr_addr_format(&r->ptp, p);
		return bad(err, errlen, site, "ptp %s: address is %s", p,
			   v4_unusable(r->ptp.bytes));
	}
	return FETCH_SECNET_OK;
}

/* ---- dh ------------------------------------------------------------------ */

#define PRIME_CACHE_SIZE 16

struct prime_entry {
	bool used;
	bool prime;
	uint8_t hash[crypto_hash_sha256_BYTES];
};

static pthread_mutex_t prime_lock = PTHREAD_MUTEX_INITIALIZER;
static struct prime_entry prime_cache[PRIME_CACHE_SIZE];
static size_t prime_next;
static uint64_t prime_tests;

uint64_t fetch_secnet_rules_prime_tests(void)
{
	uint64_t n;

	(void)pthread_mutex_lock(&prime_lock);
	n = prime_tests;
	(void)pthread_mutex_unlock(&prime_lock);
	return n;
}

static bool cache_get(const uint8_t h[crypto_hash_sha256_BYTES], bool *prime)
{
	bool hit = false;

	(void)pthread_mutex_lock(&prime_lock);
	for (size_t i = 0; i < PRIME_CACHE_SIZE && !hit; i++)
		if (prime_cache[i].used &&
		    memcmp(prime_cache[i].hash, h, sizeof(prime_cache[i].hash)) ==
			    0) {
			*prime = prime_cache[i].prime;
			hit = true;
		}
	(void)pthread_mutex_unlock(&prime_lock);
	return hit;
}

static void cache_put(const uint8_t h[crypto_hash_sha256_BYTES], bool prime)
{
	(void)pthread_mutex_lock(&prime_lock);
	prime_tests++;
	/* Round robin: a VPN has a few groups, not sixteen. */
	prime_cache[prime_next].used = true;
	prime_cache[prime_next].prime = prime;
	memcpy(prime_cache[prime_next].hash, h,
	       sizeof(prime_cache[prime_next].hash));
	prime_next = (prime_next + 1) % PRIME_CACHE_SIZE;
	(void)pthread_mutex_unlock(&prime_lock);
}

/* Two threads may test the same modulus at once; both get the same
 * answer, which is only a little work wasted. */
static bool is_prime(const mpz_t p, const char *hex, size_t hexlen)
{
	uint8_t h[crypto_hash_sha256_BYTES];
	bool prime;

	/* The hex text has no leading zeros that matter to GMP, but the
	 * number is the key: "0f" and "f" are one modulus.  Skip zeros. */
	while (hexlen > 1 && hex[0] == '0') {
		hex++;
		hexlen--;
	}
	crypto_hash_sha256(h, (const uint8_t *)hex, hexlen);
	if (cache_get(h, &prime))
		return prime;
	/* secnet's dh.c asks for 5 rounds; more only makes a composite
	 * that secnet would reject less likely to pass here. */
	prime = mpz_probab_prime_p(p, 30) != 0;
	cache_put(h, prime);
	return prime;
}

/* Our record's dh text is "MODHEX GENHEX" (make-secnet-sites'); a value
 * of another shape is not given to secnet by the output, but is refused
 * here too: the site would silently fall back to the node's group. */
static bool split_hex(const char *dh, size_t *mlen, const char **gen)
{
	const char *sp = strchr(dh, ' ');
	static const char hexd[] = "0123456789abcdefABCDEF";

	if (!sp)
		return false;
	*mlen = (size_t)(sp - dh);
	*gen = sp + 1;
	return *mlen > 0 && strspn(dh, hexd) == *mlen && **gen != '\0' &&
	       strspn(*gen, hexd) == strlen(*gen);
}

static enum fetch_secnet_verdict check_dh(const char *site,
					  const struct rr_record *r, char *err,
					  size_t errlen)
{
	enum fetch_secnet_verdict v = FETCH_SECNET_OK;
	char *mod = NULL;
	const char *gen;
	size_t mlen, bits;
	mpz_t p, g, pm1;

	if (!r->dh[0])
		return FETCH_SECNET_OK;
	if (!split_hex(r->dh, &mlen, &gen))
		return bad(err, errlen, site,
			   "dh: not \"MODULUS GENERATOR\" in hexadecimal");
	/* Bounded before GMP sees it: the record text is at most
	 * RR_MAX_TEXT, but the size rule is ours. */
	if (mlen > (FETCH_SECNET_DH_MAX_BITS + 3) / 4 + 1 ||
	    strlen(gen) > (FETCH_SECNET_DH_MAX_BITS + 3) / 4 + 1)
		return bad(err, errlen, site,
			   "dh: modulus or generator above %u bits",
			   FETCH_SECNET_DH_MAX_BITS);
	mod = strndup(r->dh, mlen);
	if (!mod)
		return FETCH_SECNET_NOMEM;
	mpz_inits(p, g, pm1, NULL);
	if (mpz_set_str(p, mod, 16) != 0 || mpz_set_str(g, gen, 16) != 0) {
		v = bad(err, errlen, site, "dh: not a hex number");
		goto out;
	}
	bits = mpz_sizeinbase(p, 2);
	if (mpz_sgn(p) == 0 || bits < FETCH_SECNET_DH_MIN_BITS) {
		v = bad(err, errlen, site,
			"dh: modulus of %zu bits is below the minimum of %u",
			mpz_sgn(p) ? bits : 0, FETCH_SECNET_DH_MIN_BITS);
		goto out;
	}
	if (bits > FETCH_SECNET_DH_MAX_BITS) {
		v = bad(err, errlen, site,
			"dh: modulus of %zu bits is above the maximum of %u",
			bits, FETCH_SECNET_DH_MAX_BITS);
		goto out;
	}
	/* dh.c: "generator must be less than modulus", fatal; 0, 1 and
	 * p-1 generate groups of order 1 or 2: no secret at all. */
	mpz_sub_ui(pm1, p, 1);
	if (mpz_cmp_ui(g, 1) <= 0 || mpz_cmp(g, pm1) >= 0) {
		v = bad(err, errlen, site,
			"dh: generator must be above 1 and below modulus-1");
		goto out;
	}
	/* dh.c: "modulus must be a prime", fatal. */
	if (!is_prime(p, mod, mlen)) {
		v = bad(err, errlen, site, "dh: modulus of %zu bits is not "
			"prime (secnet refuses its configuration)", bits);
		goto out;
	}
out:
	mpz_clears(p, g, pm1, NULL);
	free(mod);
	return v;
}

static enum fetch_secnet_verdict check_hash(const char *site,
					    const struct rr_record *r,
					    char *err, size_t errlen)
{
	if (!r->hash[0])
		return FETCH_SECNET_OK;
	for (size_t i = 0; i < sizeof(sn_hashes) / sizeof(sn_hashes[0]); i++)
		if (strcmp(sn_hashes[i], r->hash) == 0)
			return FETCH_SECNET_OK;
	return bad(err, errlen, site, "hash: %s is unknown to secnet "
		   "(md5 or sha1)", r->hash);
}

/* ---- rsa1 keys ----------------------------------------------------------- */

/* Decimal digits for SN_RSA_MAX_BYTES bytes, with room. */
#define DEC_MAX (SN_RSA_MAX_BYTES * 5 / 2 + 8)

/* E and N as C strings for GMP. */
struct rsa1_text {
	char e[DEC_MAX], n[DEC_MAX];
};

/* rsa1 data is parsed by rr_rsa1_parse ("BITS E N" with an optional
 * " COMMENT"; out_peerkeys.c writes the first three); rsa.c reads E and
 * N as decimal. */
static bool rsa1_text(const struct rr_rsa1 *k, struct rsa1_text *t)
{
	if (k->elen >= sizeof(t->e) || k->nlen >= sizeof(t->n))
		return false;
	memcpy(t->e, k->e, k->elen);
	t->e[k->elen] = '\0';
	memcpy(t->n, k->n, k->nlen);
	t->n[k->nlen] = '\0';
	return true;
}

/* pubkeys.fl.pl decodes into a SN_KEYDATA_BUF buffer sized by the base91s
 * text (at most 14 bits per character pair) and skips keys that might
 * not fit; rsa1_loadpub then needs a byte more. */
static int rsa1_fits_buffer(const struct rr_tkey *k, size_t usable)
{
	char *b91 = rr_base91s_encode(k->data, usable);
	size_t el, maxl;

	if (!b91)
		return -1;
	el = strlen(b91);
	free(b91);
	maxl = (el / 2) * 14 / 8 + (el % 2);
	return maxl <= SN_KEYDATA_BUF && usable + 1 <= SN_KEYDATA_BUF;
}

static enum fetch_secnet_verdict check_rsa1_numbers(
	const char *site, const struct rr_tkey *k, const struct rsa1_text *t,
	unsigned long declared, unsigned min_bits, char *err, size_t errlen)
{
	enum fetch_secnet_verdict v = FETCH_SECNET_OK;
	size_t bits;
	mpz_t e, n;

	mpz_inits(e, n, NULL);
	if (mpz_set_str(e, t->e, 10) != 0 || mpz_set_str(n, t->n, 10) != 0) {
		v = bad(err, errlen, site, "rsa1 key in group %08" PRIx32
			": not decimal numbers", k->group);
		goto out;
	}
	bits = mpz_sgn(n) ? mpz_sizeinbase(n, 2) : 0;
	/* The PKCS#1 padding in rsa.c needs 2*hashlen+6 hex digits or
	 * secnet exits ("rsa: message too big"); MIN_BITS (at least 768)
	 * is above that for any hash up to 64 bytes. */
	if (bits < min_bits) {
		v = bad(err, errlen, site, "rsa1 key in group %08" PRIx32
			": modulus of %zu bits is below the minimum of %u",
			k->group, bits, min_bits);
		goto out;
	}
	if (bits > SN_RSA_MAX_BITS) {
		v = bad(err, errlen, site, "rsa1 key in group %08" PRIx32
			": modulus of %zu bits is above the maximum of %u",
			k->group, bits, SN_RSA_MAX_BITS);
		goto out;
	}
	/* The secnet output trusts the declared size (make-secnet-sites'
	 * check): it must be the modulus' own. */
	if (declared != bits) {
		v = bad(err, errlen, site, "rsa1 key in group %08" PRIx32
			": declares %lu bits but its modulus has %zu",
			k->group, declared, bits);
		goto out;
	}
	if (mpz_even_p(n)) {
		v = bad(err, errlen, site, "rsa1 key in group %08" PRIx32
			": modulus is even", k->group);
		goto out;
	}
	if (mpz_cmp_ui(e, 3) < 0 || mpz_even_p(e) || mpz_cmp(e, n) >= 0) {
		v = bad(err, errlen, site, "rsa1 key in group %08" PRIx32
			": public exponent must be odd, at least 3 and below "
			"the modulus", k->group);
		goto out;
	}
out:
	mpz_clears(e, n, NULL);
	return v;
}

static enum fetch_secnet_verdict check_rsa1(const char *site,
					    const struct rr_tkey *k,
					    unsigned min_bits, char *err,
					    size_t errlen)
{
	struct rsa1_text *t = NULL;
	struct rr_rsa1 rsa;
	struct rr_error e;
	enum fetch_secnet_verdict v;
	int fits;

	if (rr_rsa1_parse(k->data, k->len, &rsa, &e) != RR_OK) {
		v = bad(err, errlen, site, "rsa1 key in group %08" PRIx32
			": %s", k->group, e.msg);
		goto out;
	}
	t = malloc(sizeof(*t));
	if (!t) {
		v = FETCH_SECNET_NOMEM;
		goto out;
	}
	if (!rsa1_text(&rsa, t)) {
		v = bad(err, errlen, site, "rsa1 key in group %08" PRIx32
			": numbers larger than secnet loads", k->group);
		goto out;
	}
	fits = rsa1_fits_buffer(k, rsa.usable);
	if (fits < 0) {
		v = FETCH_SECNET_NOMEM;
		goto out;
	}
	if (!fits) {
		v = bad(err, errlen, site, "rsa1 key in group %08" PRIx32
			": %zu bytes of key data do not fit secnet's "
			"%d-byte key buffer", k->group, rsa.usable,
			SN_KEYDATA_BUF);
		goto out;
	}
	v = check_rsa1_numbers(site, k, t, rsa.bits, min_bits, err, errlen);
out:
	free(t);
	return v;
}

static enum fetch_secnet_verdict check_keys(const char *site,
					    const struct rr_record *r,
					    unsigned min_bits, char *err,
					    size_t errlen)
{
	enum fetch_secnet_verdict v = FETCH_SECNET_OK;

	/* Other algorithms are not given to secnet (out_peerkeys.c). */
	for (size_t i = 0; i < r->ntkeys && v == FETCH_SECNET_OK; i++)
		if (r->tkeys[i].def == &rr_alg_rsa1)
			v = check_rsa1(site, &r->tkeys[i], min_bits, err,
				       errlen);
	return v;
}

/* ---- all ----------------------------------------------------------------- */

enum fetch_secnet_verdict fetch_secnet_rules_check(const char *site,
						   const struct rr_record *r,
						   unsigned min_rsa_bits,
						   char *err, size_t errlen)
{
	enum fetch_secnet_verdict v;

	if (err && errlen)
		err[0] = '\0';
	v = check_timers(site, r, err, errlen);
	if (v == FETCH_SECNET_OK)
		v = check_endpoints(site, r, err, errlen);
	if (v == FETCH_SECNET_OK)
		v = check_nets(site, r, err, errlen);
	if (v == FETCH_SECNET_OK)
		v = check_hash(site, r, err, errlen);
	if (v == FETCH_SECNET_OK)
		v = check_keys(site, r, min_rsa_bits, err, errlen);
	/* Last: the only check that may cost a primality test. */
	if (v == FETCH_SECNET_OK)
		v = check_dh(site, r, err, errlen);
	return v;
}
