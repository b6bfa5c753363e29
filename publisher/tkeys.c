/* tkeys.c - transport key sets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tkeys.h"

bool pub_hex32_parse(const char *s, uint32_t *out)
{
	uint32_t v = 0;

	if (strlen(s) != 8)
		return false;
	for (size_t i = 0; i < 8; i++) {
		char c = s[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

static int add_key(struct pub_tkeys *ks, const char *alg,
		   const uint8_t *data, size_t len, const char *file,
		   unsigned line, const char *kw, struct pub_err *e)
{
	const struct rr_alg *def;
	struct rr_error err;
	struct pub_tkey *k;

	if (ks->n >= RR_MAX_KEYS)
		return pub_errf(e, PUB_EXIT_INVALID, file, line, kw,
				"more than %d transport keys", RR_MAX_KEYS);
	if (len == 0 || len > RR_MAX_KEYDATA)
		return pub_errf(e, PUB_EXIT_INVALID, file, line, kw,
				"key data must have 1 to %d bytes",
				RR_MAX_KEYDATA);
	if (!rr_alg_name_valid(alg, strlen(alg)))
		return pub_errf(e, PUB_EXIT_INVALID, file, line, kw,
				"%s: algorithm names are lower-case letters, "
				"digits and '-'", alg);
	/* Transport algorithms in the table have a key format to meet;
	 * others are carried unchecked. */
	def = rr_alg_find(alg, strlen(alg));
	if (def && def->cls != RR_ALG_TRANSPORT)
		def = NULL;
	if (rr_alg_check_key(def, data, len, &err) != RR_OK)
		return pub_errf(e, PUB_EXIT_INVALID, file, line, kw, "%s",
				err.msg);
	k = &ks->k[ks->n];
	k->data = malloc(len);
	if (!k->data)
		return pub_errf(e, PUB_EXIT_INTERNAL, file, line, kw,
				"out of memory");
	memcpy(k->data, data, len);
	k->len = len;
	k->group = ks->group;
	k->fallback = ks->fallback;
	memcpy(k->alg, alg, strlen(alg) + 1);
	ks->n++;
	return 0;
}

static int line_pubkey(struct pub_tkeys *ks, const struct pub_lines *f,
		       const struct pub_line *l, struct pub_err *e)
{
	char *text = NULL;
	struct rr_rsa1 rsa;
	struct rr_error err;
	size_t n;
	int rc;

	/* make-secnet-sites allows a trailing comment word (an email). */
	if (pub_line_args(f, l, 3, 4, e) != 0)
		return -1;
	n = strlen(l->w[1]) + strlen(l->w[2]) + strlen(l->w[3]) + 3;
	text = malloc(n);
	if (!text)
		return pub_errf(e, PUB_EXIT_INTERNAL, f->file, l->lineno,
				l->w[0], "out of memory");
	snprintf(text, n, "%s %s %s", l->w[1], l->w[2], l->w[3]);
	if (rr_rsa1_parse((const uint8_t *)text, strlen(text), &rsa, &err) !=
	    RR_OK) {
		free(text);
		return pub_errf(e, PUB_EXIT_INVALID, f->file, l->lineno,
				l->w[0], "need BITS E N as decimal numbers "
				"(BITS at most %d)", RR_RSA1_MAX_BITS);
	}
	rc = add_key(ks, rr_alg_rsa1.name, (const uint8_t *)text,
		     strlen(text), f->file, l->lineno, l->w[0], e);
	free(text);
	return rc;
}

static int add_b91(struct pub_tkeys *ks, const char *alg, const char *data,
		   const char *file, unsigned line, const char *kw,
		   struct pub_err *e)
{
	uint8_t *bin = NULL;
	size_t blen = 0;
	struct rr_error err;
	int rc;

	if (rr_base91s_decode(data, strlen(data), &bin, &blen, &err) != RR_OK)
		return pub_errf(e, PUB_EXIT_INVALID, file, line, kw,
				"bad base91s key data: %s", err.msg);
	rc = add_key(ks, alg, bin, blen, file, line, kw, e);
	free(bin);
	return rc;
}

static int add_b64(struct pub_tkeys *ks, const char *alg, const char *data,
		   const char *file, unsigned line, const char *kw,
		   struct pub_err *e)
{
	uint8_t *bin;
	size_t blen = 0, n = strlen(data);
	const char *end = NULL;
	int rc;

	bin = malloc(n / 4 * 3 + 3);
	if (!bin)
		return pub_errf(e, PUB_EXIT_INTERNAL, file, line, kw,
				"out of memory");
	if (sodium_base642bin(bin, n / 4 * 3 + 3, data, n, NULL, &blen, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != data + n || n % 4 != 0) {
		free(bin);
		return pub_errf(e, PUB_EXIT_INVALID, file, line, kw,
				"key data is not padded base64");
	}
	rc = add_key(ks, alg, bin, blen, file, line, kw, e);
	free(bin);
	return rc;
}

static int set_group(struct pub_tkeys *ks, const struct pub_lines *f,
		     const struct pub_line *l, bool fallback,
		     struct pub_err *e)
{
	uint32_t g;

	if (pub_line_args(f, l, 1, 1, e) != 0)
		return -1;
	if (!pub_hex32_parse(l->w[1], &g))
		return pub_errf(e, PUB_EXIT_INVALID, f->file, l->lineno,
				l->w[0], "%s: need 8 hex digits", l->w[1]);
	for (size_t i = 0; i < ks->n; i++)
		if (ks->k[i].group == g && ks->k[i].fallback != fallback)
			return pub_errf(e, PUB_EXIT_INVALID, f->file,
					l->lineno, l->w[0],
					"group %08x already used as a %s group",
					g, fallback ? "main" : "fallback");
	ks->group = g;
	ks->fallback = fallback;
	return 0;
}

int pub_tkeys_line(struct pub_tkeys *ks, const struct pub_lines *f,
		   const struct pub_line *l, struct pub_err *e)
{
	const char *kw = l->w[0];
	int rc;

	if (strcmp(kw, "serial") == 0) {
		if (pub_line_args(f, l, 1, 1, e) != 0)
			return -1;
		if (ks->has_serial)
			return pub_errf(e, PUB_EXIT_INVALID, f->file, l->lineno,
					kw, "given twice");
		if (!pub_hex32_parse(l->w[1], &ks->serial))
			return pub_errf(e, PUB_EXIT_INVALID, f->file, l->lineno,
					kw, "%s: need 8 hex digits", l->w[1]);
		ks->has_serial = true;
		return 1;
	}
	if (strcmp(kw, "pkg") == 0 || strcmp(kw, "pkgf") == 0)
		rc = set_group(ks, f, l, kw[3] == 'f', e);
	else if (strcmp(kw, "pubkey") == 0)
		rc = line_pubkey(ks, f, l, e);
	else if (strcmp(kw, "pub") == 0)
		rc = pub_line_args(f, l, 2, 2, e) ? -1
		     : add_b91(ks, l->w[1], l->w[2], f->file, l->lineno, kw, e);
	else if (strcmp(kw, "key") == 0)
		rc = pub_line_args(f, l, 2, 2, e) ? -1
		     : add_b64(ks, l->w[1], l->w[2], f->file, l->lineno, kw, e);
	else
		return 0;
	return rc == 0 ? 1 : -1;
}

static int peerkeys_line(struct pub_tkeys *ks, const struct pub_lines *f,
			 const struct pub_line *l, struct pub_err *e)
{
	int r = pub_tkeys_line(ks, f, l, e);

	if (r < 0)
		return -1;
	if (r == 0)
		return pub_errf(e, PUB_EXIT_INVALID, f->file, l->lineno,
				l->w[0], "unknown peer-keys directive");
	return 0;
}

int pub_tkeys_peerkeys(struct pub_tkeys *ks, const char *path,
		       struct pub_err *e)
{
	struct pub_lines f;
	int rc = 0;

	if (pub_lines_read(path, &f, e) != 0)
		return -1;
	for (size_t i = 0; i < f.n && rc == 0; i++) {
		const struct pub_line *l = &f.v[i];
		if (strcmp(l->w[0], "pubkey") == 0 ||
		    strcmp(l->w[0], "key") == 0)
			rc = pub_errf(e, PUB_EXIT_INVALID, f.file, l->lineno,
				      l->w[0], "not a peer-keys directive "
				      "(serial, pkg, pkgf, pub)");
		else
			rc = peerkeys_line(ks, &f, l, e);
	}
	pub_lines_free(&f);
	return rc;
}

char *pub_tkeys_value(const struct pub_tkeys *ks)
{
	size_t cap = 1;
	char *out, *p;

	for (size_t i = 0; i < ks->n; i++)
		cap += 1 + 8 + 1 + strlen(ks->k[i].alg) + 1 +
		       sodium_base64_ENCODED_LEN(ks->k[i].len,
				sodium_base64_VARIANT_ORIGINAL) + 1;
	out = p = malloc(cap);
	if (!out)
		return NULL;
	*p = '\0';
	for (size_t i = 0; i < ks->n; i++) {
		const struct pub_tkey *k = &ks->k[i];
		int n = snprintf(p, cap - (size_t)(p - out), "%s%s%08x:%s:",
				 i ? "," : "", k->fallback ? "~" : "",
				 (unsigned)k->group, k->alg);
		p += n;
		sodium_bin2base64(p, cap - (size_t)(p - out), k->data, k->len,
				  sodium_base64_VARIANT_ORIGINAL);
		p += strlen(p);
	}
	return out;
}

void pub_tkeys_free(struct pub_tkeys *ks)
{
	for (size_t i = 0; i < ks->n; i++)
		free(ks->k[i].data);
	memset(ks, 0, sizeof(*ks));
}
