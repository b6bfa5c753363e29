/* keyfile.c - private key files and trust anchors. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "keyfile.h"
#include "lines.h"

int pub_private_mode_check(const char *path, struct pub_err *e)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return pub_errf(e, PUB_EXIT_IO, path, 0, "private key", "%s",
				strerror(errno));
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		return pub_errf(e, PUB_EXIT_INVALID, path, 0, "private key",
				"mode %04o lets group or others access it; "
				"refusing to use it (chmod 600 %s)",
				(unsigned)(st.st_mode & 07777), path);
	return 0;
}

/* The first non-comment line of a private key file. */
static int read_secret_line(const char *path, char *out, size_t size,
			    unsigned *lineno, struct pub_err *e)
{
	struct pub_lines f;
	int rc = -1;

	if (pub_private_mode_check(path, e) != 0)
		return -1;
	if (pub_lines_read(path, &f, e) != 0)
		return -1;
	if (f.n == 0) {
		pub_errf(e, PUB_EXIT_INVALID, path, 0, "private key",
			 "file holds no key");
		goto out;
	}
	*lineno = f.v[0].lineno;
	if (f.v[0].nw != 1 || !pub_fmt(out, size, "%s", f.v[0].w[0])) {
		pub_errf(e, PUB_EXIT_INVALID, path, f.v[0].lineno,
			 "private key", "expected one key on the line");
		goto out;
	}
	rc = 0;
out:
	pub_lines_free(&f);
	return rc;
}

int pub_seckey_load(const char *path, struct rr_seckey *out,
		    struct pub_err *e)
{
	char text[RR_SECKEYSTRLEN + 8];
	struct rr_error err;
	unsigned line = 0;
	int rc = -1;

	if (read_secret_line(path, text, sizeof(text), &line, e) != 0)
		goto out;
	if (rr_seckey_parse(text, out, &err) != RR_OK) {
		pub_errf(e, PUB_EXIT_INVALID, path, line, "private key", "%s",
			 err.msg);
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(text, sizeof(text));
	return rc;
}

int pub_secret_save(const char *path, const char *text, struct pub_err *e)
{
	char buf[256];
	int rc;

	if (!pub_fmt(buf, sizeof(buf), "%s\n", text))
		return pub_errf(e, PUB_EXIT_INTERNAL, path, 0, "private key",
				"key text too long");
	rc = pub_write_file(path, buf, strlen(buf), 0600, true, e);
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

int pub_ed25519_keygen(const char *path, struct rr_pubkey *pub,
		       struct pub_err *e)
{
	struct rr_seckey k;
	struct rr_error err;
	char text[RR_SECKEYSTRLEN];
	int rc = -1;

	if (rr_seckey_generate(&k, &err) != RR_OK) {
		pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "keygen", "%s", err.msg);
		goto out;
	}
	rr_seckey_format(&k, text);
	if (pub_secret_save(path, text, e) != 0)
		goto out;
	*pub = k.pub;
	rc = 0;
out:
	sodium_memzero(text, sizeof(text));
	rr_seckey_wipe(&k);
	return rc;
}

static void b64(char *out, size_t size, const uint8_t *k)
{
	sodium_bin2base64(out, size, k, 32, sodium_base64_VARIANT_ORIGINAL);
}

int pub_x25519_keygen(const char *path, char pub[64], struct pub_err *e)
{
	uint8_t sk[crypto_box_SECRETKEYBYTES], pk[crypto_box_PUBLICKEYBYTES];
	char text[64];
	int rc = -1;

	if (sodium_init() < 0)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "keygen",
				"libsodium failed to start");
	if (crypto_box_keypair(pk, sk) != 0) {
		pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "keygen",
			 "crypto_box_keypair failed");
		goto out;
	}
	/* Clamp as wg genkey does, so the text is what WireGuard shows. */
	sk[0] &= 248;
	sk[31] &= 127;
	sk[31] |= 64;
	if (crypto_scalarmult_base(pk, sk) != 0) {
		pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "keygen",
			 "crypto_scalarmult_base failed");
		goto out;
	}
	b64(text, sizeof(text), sk);
	if (pub_secret_save(path, text, e) != 0)
		goto out;
	b64(pub, 64, pk);
	rc = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(text, sizeof(text));
	return rc;
}

int pub_x25519_public(const char *path, char pub[64], struct pub_err *e)
{
	uint8_t sk[32], pk[32];
	char text[128];
	size_t len = 0;
	unsigned line = 0;
	int rc = -1;

	if (sodium_init() < 0)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "key",
				"libsodium failed to start");
	if (read_secret_line(path, text, sizeof(text), &line, e) != 0)
		goto out;
	if (sodium_base642bin(sk, sizeof(sk), text, strlen(text), NULL, &len,
			      NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != 32) {
		pub_errf(e, PUB_EXIT_INVALID, path, line, "private key",
			 "not a base64 X25519 (WireGuard) key");
		goto out;
	}
	if (crypto_scalarmult_base(pk, sk) != 0) {
		pub_errf(e, PUB_EXIT_INVALID, path, line, "private key",
			 "unusable X25519 key");
		goto out;
	}
	b64(pub, 64, pk);
	rc = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(text, sizeof(text));
	return rc;
}

static int add_anchor(const char *text, const char *file, unsigned line,
		      struct rr_pubkey *keys, size_t *n, size_t max,
		      struct pub_err *e)
{
	struct rr_error err;

	if (*n >= max)
		return pub_errf(e, PUB_EXIT_INVALID, file, line, "anchor",
				"more than %zu trust anchors", max);
	if (pub_looks_secret(text))
		return pub_errf(e, PUB_EXIT_INVALID, file, line, "anchor",
				"secret key text (not shown), not a public "
				"key: give the public key (vpnrr keygen "
				"--public KEYFILE)");
	if (rr_pubkey_parse(text, &keys[*n], &err) != RR_OK)
		return pub_errf(e, PUB_EXIT_INVALID, file, line, "anchor",
				"%s", err.msg);
	(*n)++;
	return 0;
}

int pub_anchor_load(const char *arg, struct rr_pubkey *keys, size_t *n,
		    size_t max, struct pub_err *e)
{
	struct pub_lines f;
	int rc = 0;

	if (rr_key_text_is(arg))
		return add_anchor(arg, NULL, 0, keys, n, max, e);
	if (pub_lines_read(arg, &f, e) != 0)
		return -1;
	for (size_t i = 0; i < f.n && rc == 0; i++) {
		const struct pub_line *l = &f.v[i];
		/* Accept a bare key, or "anchor KEY" as in admin configs. */
		const char *k = l->nw == 2 && strcmp(l->w[0], "anchor") == 0
					? l->w[1] : l->w[0];
		if (l->nw > 2 || (l->nw == 2 && strcmp(l->w[0], "anchor")))
			rc = pub_errf(e, PUB_EXIT_INVALID, f.file, l->lineno,
				      "anchor", "expected one ed25519:BASE64 "
				      "key per line");
		else
			rc = add_anchor(k, f.file, l->lineno, keys, n, max, e);
	}
	if (rc == 0 && f.n == 0)
		rc = pub_errf(e, PUB_EXIT_INVALID, f.file, 0, "anchor",
			      "file holds no key");
	pub_lines_free(&f);
	return rc;
}
