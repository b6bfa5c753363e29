/* rsakey.c - secnet rsa1 keys: GMP does the arithmetic, libsodium gives
 * the random bytes; this file only lays out the SSH-1 key file. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmp.h>
#include <sodium.h>

#include "keyfile.h"
#include "rsakey.h"

#define RSA1_E 65537u
/* The file's magic line, with its NUL. */
static const char magic[] = "SSH PRIVATE KEY FILE FORMAT 1.1\n";
/* Candidates tried per prime before giving up: one in about 355 random
 * odd 2048-bit numbers is prime, so this is never reached by chance. */
#define PRIME_TRIES 100000
/* Miller-Rabin rounds on top of GMP's own BPSW test. */
#define PRIME_REPS 64
/* rsa.c's limits: a comment of at most 1024 bytes, numbers of at most
 * RSA_MAX_MODBYTES (2048) bytes. */
#define RSA1_MAX_COMMENT 1024
#define RSA1_MAX_NUMBYTES 2048
/* Bigger than any key file keygen writes (4 numbers of 512 bytes). */
#define RSA1_MAX_FILE 16384

/* ---- GMP memory: wiped before it is given back ---------------------------
 * GMP keeps the primes and d in blocks it allocates and frees itself; these
 * hooks zero every block on free and realloc, so no copy of the private
 * key outlives its use in the process' heap. */

static void *gmp_alloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		abort(); /* GMP cannot handle a failed allocation either */
	return p;
}

static void gmp_free(void *p, size_t n)
{
	pub_free_wipe(p, n);
}

static void *gmp_realloc(void *p, size_t old, size_t n)
{
	void *q = gmp_alloc(n);

	memcpy(q, p, old < n ? old : n);
	gmp_free(p, old);
	return q;
}

static void wipe_gmp_memory(void)
{
	mp_set_memory_functions(gmp_alloc, gmp_realloc, gmp_free);
}

/* ---- key generation ------------------------------------------------------ */

struct rsa1_key {
	mpz_t n, e, d, iqmp, q, p; /* q < p, as the file orders them */
};

static void key_init(struct rsa1_key *k)
{
	mpz_inits(k->n, k->e, k->d, k->iqmp, k->q, k->p, NULL);
}

static void key_clear(struct rsa1_key *k)
{
	mpz_clears(k->n, k->e, k->d, k->iqmp, k->q, k->p, NULL);
}

/* A random prime of exactly BITS bits with its top two bits set (so that
 * two of them multiply to exactly 2*BITS bits) and P-1 prime to E. */
static int random_prime(mpz_t p, unsigned bits, const mpz_t e)
{
	uint8_t buf[PUB_RSA1_MAX_BITS / 16];
	size_t len = (bits + 7) / 8;
	int rc = -1;
	mpz_t t;

	mpz_init(t);
	for (unsigned i = 0; i < PRIME_TRIES; i++) {
		randombytes_buf(buf, len);
		mpz_import(p, len, 1, 1, 1, 0, buf);
		mpz_fdiv_r_2exp(p, p, bits);
		mpz_setbit(p, bits - 1);
		mpz_setbit(p, bits - 2);
		mpz_setbit(p, 0);
		if (mpz_probab_prime_p(p, PRIME_REPS) == 0)
			continue;
		mpz_sub_ui(t, p, 1);
		mpz_gcd(t, t, e);
		if (mpz_cmp_ui(t, 1) == 0) {
			rc = 0;
			break;
		}
	}
	sodium_memzero(buf, sizeof(buf));
	mpz_clear(t);
	return rc;
}

/* The checks secnet's rsa-private() makes on load, so that a key keygen
 * writes is never one secnet refuses. */
static bool key_consistent(const struct rsa1_key *k, unsigned bits)
{
	mpz_t t, m;
	bool ok;

	mpz_inits(t, m, NULL);
	mpz_mul(t, k->p, k->q);
	ok = mpz_cmp(t, k->n) == 0 && mpz_sizeinbase(k->n, 2) == bits;
	mpz_mul(t, k->d, k->e);
	mpz_sub_ui(m, k->p, 1);
	mpz_mod(m, t, m);
	ok = ok && mpz_cmp_ui(m, 1) == 0;
	mpz_sub_ui(m, k->q, 1);
	mpz_mod(m, t, m);
	ok = ok && mpz_cmp_ui(m, 1) == 0;
	mpz_mul(t, k->q, k->iqmp);
	mpz_mod(t, t, k->p);
	ok = ok && mpz_cmp_ui(t, 1) == 0;
	mpz_clears(t, m, NULL);
	return ok;
}

static int make_key(struct rsa1_key *k, unsigned bits, struct pub_err *e)
{
	mpz_t phi, t;
	int rc = -1;

	mpz_inits(phi, t, NULL);
	mpz_set_ui(k->e, RSA1_E);
	if (random_prime(k->p, bits / 2, k->e) != 0 ||
	    random_prime(k->q, bits / 2, k->e) != 0) {
		pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "keygen",
			 "no prime found in %d tries", PRIME_TRIES);
		goto out;
	}
	if (mpz_cmp(k->p, k->q) == 0) {
		pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "keygen",
			 "the two primes are equal: the random source is "
			 "broken");
		goto out;
	}
	if (mpz_cmp(k->p, k->q) < 0)
		mpz_swap(k->p, k->q);
	mpz_mul(k->n, k->p, k->q);
	mpz_sub_ui(phi, k->p, 1);
	mpz_sub_ui(t, k->q, 1);
	mpz_mul(phi, phi, t);
	if (mpz_invert(k->d, k->e, phi) == 0 ||
	    mpz_invert(k->iqmp, k->q, k->p) == 0 || !key_consistent(k, bits)) {
		pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "keygen",
			 "the generated key failed its consistency check");
		goto out;
	}
	rc = 0;
out:
	mpz_clears(phi, t, NULL);
	return rc;
}

/* ---- the SSH-1 private key file ------------------------------------------ */

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static bool put(struct buf *b, const void *data, size_t len)
{
	if (len > b->cap - b->len)
		return false;
	memcpy(b->p + b->len, data, len);
	b->len += len;
	return true;
}

static bool put_be(struct buf *b, uint32_t v, unsigned bytes)
{
	uint8_t x[4];

	for (unsigned i = 0; i < bytes; i++)
		x[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	return put(b, x, bytes);
}

/* An SSH-1 multiple-precision integer: 16-bit bit count, then the
 * big-endian bytes. */
static bool put_mpint(struct buf *b, const mpz_t v)
{
	size_t bits = mpz_sizeinbase(v, 2), len = (bits + 7) / 8, got = 0;

	if (mpz_sgn(v) <= 0 || len > RSA1_MAX_NUMBYTES || !put_be(b, (uint32_t)bits, 2) ||
	    len > b->cap - b->len)
		return false;
	mpz_export(b->p + b->len, &got, 1, 1, 1, 0, v);
	b->len += got;
	return got == len;
}

/* The file as rsa.c's rsa_loadpriv_core reads it: magic, cipher 0,
 * reserved word, key bits, n, e, comment, then two equal check-byte pairs
 * (how an unencrypted file shows it was not garbled), d, iqmp, q, p,
 * zero-padded to a multiple of 8 as OpenSSH wrote it. */
static bool layout(struct buf *b, const struct rsa1_key *k, unsigned bits,
		   const char *comment)
{
	uint8_t check[2], zero[8] = { 0 };
	size_t priv;

	randombytes_buf(check, sizeof(check));
	if (!put(b, magic, sizeof(magic)) || !put_be(b, 0, 1) ||
	    !put_be(b, 0, 4) || !put_be(b, bits, 4) || !put_mpint(b, k->n) ||
	    !put_mpint(b, k->e) || !put_be(b, (uint32_t)strlen(comment), 4) ||
	    !put(b, comment, strlen(comment)))
		return false;
	priv = b->len;
	if (!put(b, check, 2) || !put(b, check, 2) || !put_mpint(b, k->d) ||
	    !put_mpint(b, k->iqmp) || !put_mpint(b, k->q) ||
	    !put_mpint(b, k->p))
		return false;
	return put(b, zero, (8 - (b->len - priv) % 8) % 8);
}

static int public_text(const struct rsa1_key *k, struct pub_rsa1_pub *pub,
		       struct pub_err *e)
{
	pub->bits = (unsigned)mpz_sizeinbase(k->n, 2);
	pub->e = mpz_get_str(NULL, 10, k->e);
	pub->n = mpz_get_str(NULL, 10, k->n);
	if (!pub->e || !pub->n) {
		pub_rsa1_pub_free(pub);
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "keygen",
				"out of memory");
	}
	return 0;
}

int pub_rsa1_keygen(const char *path, unsigned bits, const char *comment,
		    struct pub_rsa1_pub *pub, struct pub_err *e)
{
	struct buf b = { NULL, 0, RSA1_MAX_FILE };
	struct rsa1_key k;
	int rc = -1;

	memset(pub, 0, sizeof(*pub));
	if (bits < PUB_RSA1_MIN_BITS || bits > PUB_RSA1_MAX_BITS || bits % 2)
		return pub_errf(e, PUB_EXIT_USAGE, NULL, 0, "--bits",
				"%u: need an even number from %d to %d", bits,
				PUB_RSA1_MIN_BITS, PUB_RSA1_MAX_BITS);
	if (strlen(comment) > RSA1_MAX_COMMENT)
		return pub_errf(e, PUB_EXIT_USAGE, NULL, 0, "comment",
				"longer than %d bytes", RSA1_MAX_COMMENT);
	if (sodium_init() < 0)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "keygen",
				"libsodium failed to start");
	wipe_gmp_memory();
	key_init(&k);
	b.p = malloc(b.cap);
	if (!b.p) {
		pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "keygen",
			 "out of memory");
		goto out;
	}
	if (make_key(&k, bits, e) != 0)
		goto out;
	if (!layout(&b, &k, bits, comment)) {
		pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "keygen",
			 "key file larger than %d bytes", RSA1_MAX_FILE);
		goto out;
	}
	if (pub_write_file(path, b.p, b.len, 0600, true, e) != 0 ||
	    public_text(&k, pub, e) != 0)
		goto out;
	rc = 0;
out:
	pub_free_wipe(b.p, b.cap);
	key_clear(&k);
	return rc;
}

/* ---- reading the public half back ---------------------------------------- */

struct rd {
	const uint8_t *p;
	size_t len, off;
};

static bool get_be(struct rd *r, unsigned bytes, uint32_t *v)
{
	if (bytes > r->len - r->off)
		return false;
	*v = 0;
	for (unsigned i = 0; i < bytes; i++)
		*v = *v << 8 | r->p[r->off++];
	return true;
}

static bool get_mpint(struct rd *r, mpz_t v)
{
	uint32_t bits;
	size_t len;

	if (!get_be(r, 2, &bits))
		return false;
	len = (bits + 7) / 8;
	if (len == 0 || len > RSA1_MAX_NUMBYTES || len > r->len - r->off)
		return false;
	mpz_import(v, len, 1, 1, 1, 0, r->p + r->off);
	r->off += len;
	return true;
}

/* Reads the binary file PATH (at most RSA1_MAX_FILE bytes) into BUF;
 * unbuffered, so that no stdio buffer keeps a copy of the private key. */
static int read_key_file(const char *path, uint8_t *buf, size_t *len,
			 struct pub_err *e)
{
	FILE *f = fopen(path, "rb");
	int rc = -1;

	if (!f)
		return pub_errf(e, PUB_EXIT_IO, path, 0, "cannot open", "%s",
				strerror(errno));
	setvbuf(f, NULL, _IONBF, 0);
	*len = fread(buf, 1, RSA1_MAX_FILE, f);
	if (ferror(f))
		pub_errf(e, PUB_EXIT_IO, path, 0, "read", "%s",
			 strerror(errno));
	else if (!feof(f))
		pub_errf(e, PUB_EXIT_INVALID, path, 0, "private key",
			 "larger than %d bytes: not a secnet key file",
			 RSA1_MAX_FILE);
	else
		rc = 0;
	(void)fclose(f); /* read-only: nothing to lose */
	return rc;
}

int pub_rsa1_load_public(const char *path, struct pub_rsa1_pub *pub,
			 struct pub_err *e)
{
	struct rd r = { NULL, 0, 0 };
	struct rsa1_key k;
	uint8_t *data = malloc(RSA1_MAX_FILE);
	uint32_t cipher, reserved, bits;
	int rc = -1;

	memset(pub, 0, sizeof(*pub));
	wipe_gmp_memory();
	key_init(&k);
	if (!data) {
		pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "keygen",
			 "out of memory");
		goto out;
	}
	if (pub_private_mode_check(path, e) != 0 ||
	    read_key_file(path, data, &r.len, e) != 0)
		goto out;
	r.p = data;
	if (r.len < sizeof(magic) || memcmp(r.p, magic, sizeof(magic)) != 0) {
		pub_errf(e, PUB_EXIT_INVALID, path, 0, "private key",
			 "not an SSH-1 private key file (no \"%.31s\" line)",
			 magic);
		goto out;
	}
	r.off = sizeof(magic);
	if (!get_be(&r, 1, &cipher) || !get_be(&r, 4, &reserved) ||
	    !get_be(&r, 4, &bits) || !get_mpint(&r, k.n) ||
	    !get_mpint(&r, k.e)) {
		pub_errf(e, PUB_EXIT_INVALID, path, 0, "private key",
			 "SSH-1 key file truncated or garbled");
		goto out;
	}
	if (cipher != 0) {
		pub_errf(e, PUB_EXIT_INVALID, path, 0, "private key",
			 "encrypted (cipher %u); secnet reads only "
			 "unencrypted key files", (unsigned)cipher);
		goto out;
	}
	rc = public_text(&k, pub, e);
out:
	pub_free_wipe(data, RSA1_MAX_FILE);
	key_clear(&k);
	return rc;
}

void pub_rsa1_pub_free(struct pub_rsa1_pub *pub)
{
	void (*gfree)(void *, size_t);

	/* mpz_get_str allocated them with GMP's functions. */
	mp_get_memory_functions(NULL, NULL, &gfree);
	if (pub->e)
		gfree(pub->e, strlen(pub->e) + 1);
	if (pub->n)
		gfree(pub->n, strlen(pub->n) + 1);
	pub->e = pub->n = NULL;
}
