/*
 * vkeys.c - value types holding keys: keys= (transport keys, any
 * algorithm, carried unchanged) and rk= (record-signing keys; only the
 * table's signing algorithms are used, others are kept but ignored).
 * Key data points into the record's copy of the value.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* "ALG:BASE64" -> alg and decoded data. */
static enum rr_errclass alg_b64(const char *item, size_t len, char *alg,
				uint8_t *data, size_t max, size_t *dlen,
				struct rr_error *err)
{
	const char *colon = memchr(item, ':', len);
	size_t al;

	if (!colon)
		return rr_seterr(err, RR_E_SYNTAX,
				 "%.*s: need ALGORITHM:BASE64",
				 (int)(len > 40 ? 40 : len), item);
	al = (size_t)(colon - item);
	if (!rr_alg_name_valid(item, al))
		return rr_seterr(err, RR_E_VALUE, "%.*s: bad algorithm name",
				 (int)(al > 40 ? 40 : al), item);
	memcpy(alg, item, al);
	alg[al] = '\0';
	return rr_b64_decode(colon + 1, len - al - 1, data, max, dlen, err);
}

static enum rr_errclass tkey_item(const char *item, size_t len,
				  struct rr_buf *out, size_t index,
				  struct rr_error *err)
{
	char alg[RR_MAX_ALG + 1];
	uint8_t *data = NULL;
	size_t dlen = 0;
	uint32_t group;
	bool fb = false;
	enum rr_errclass rc;

	if (len > 0 && item[0] == '~') {
		fb = true;
		item++;
		len--;
	}
	if (len < 9 || item[8] != ':')
		return rr_seterr(err, RR_E_SYNTAX,
				 "key %zu: need [~]GROUP:ALGORITHM:BASE64",
				 index + 1);
	rc = rr_parse_hex32(item, 8, &group, err);
	if (rc != RR_OK)
		goto out;
	if (len > 9 && item[len - 1] == ':') {
		rc = rr_seterr(err, RR_E_KEY, "empty key data");
		goto out;
	}
	data = malloc(RR_MAX_KEYDATA);
	if (!data) {
		rc = rr_seterr(err, RR_E_NOMEM, "out of memory");
		goto out;
	}
	rc = alg_b64(item + 9, len - 9, alg, data, RR_MAX_KEYDATA, &dlen, err);
	if (rc != RR_OK)
		goto out;
	rr_buf_putc(out, fb ? 1 : 0);
	rr_buf_u32(out, group);
	rr_buf_putc(out, (uint8_t)strlen(alg));
	rr_buf_puts(out, alg);
	rr_buf_u16(out, (uint16_t)dlen);
	rr_buf_put(out, data, dlen);
out:
	if (rc != RR_OK)
		rr_errprefix(err, "key %zu", index + 1);
	free(data);
	return rc;
}

static enum rr_errclass rkey_item(const char *item, size_t len,
				  struct rr_buf *out, size_t index,
				  struct rr_error *err)
{
	char alg[RR_MAX_ALG + 1];
	uint8_t data[256];
	size_t dlen = 0;
	const struct rr_alg *def;
	enum rr_errclass rc;

	rc = alg_b64(item, len, alg, data, sizeof(data), &dlen, err);
	if (rc != RR_OK)
		return rc;
	def = rr_alg_find(alg, strlen(alg));
	if (def && def->cls == RR_ALG_SIGN) {
		rc = rr_alg_check_key(def, data, dlen, err);
		if (rc != RR_OK)
			return rc;
	}
	rr_buf_putc(out, (uint8_t)strlen(alg));
	rr_buf_puts(out, alg);
	rr_buf_u16(out, (uint16_t)dlen);
	rr_buf_put(out, data, dlen);
	return RR_OK;
}


/* Reads one transport key; DATA points into the value (not copied). */
static enum rr_errclass get_tkey(struct rr_rd *rd, bool *fallback,
				 uint32_t *group, const uint8_t **alg,
				 size_t *al, const uint8_t **data, size_t *dl,
				 struct rr_error *err)
{
	uint8_t flags;
	enum rr_errclass rc;

	/* Defined on every return, so that no caller reads garbage after
	 * an error (and the compiler need not prove rr_seterr's class). */
	*fallback = false;
	*group = 0;
	*alg = *data = NULL;
	*al = *dl = 0;
	if (!rr_rd_u8(rd, &flags) || !rr_rd_u32(rd, group))
		return rr_seterr(err, RR_E_TRUNCATED, "cut short");
	if (flags > 1)
		return rr_seterr(err, RR_E_VALUE, "key flags 0x%02x unknown",
				 flags);
	*fallback = flags == 1;
	rc = rr_rd_text(rd, 1, alg, al, err);
	if (rc != RR_OK)
		return rc;
	if (!rr_alg_name_valid((const char *)*alg, *al))
		return rr_seterr(err, RR_E_VALUE, "bad algorithm name");
	rc = rr_rd_text(rd, 2, data, dl, err);
	if (rc != RR_OK)
		return rc;
	if (*dl == 0 || *dl > RR_MAX_KEYDATA)
		return rr_seterr(err, *dl ? RR_E_LIMIT : RR_E_KEY,
				 "key data must have 1 to %d bytes",
				 RR_MAX_KEYDATA);
	return RR_OK;
}


static void fmt_tkeys(const uint8_t *val, size_t len, struct rr_buf *out)
{
	struct rr_rd rdata = { val, len, 0 }, *rd = &rdata;
	const uint8_t *alg, *data;
	size_t al, dl;
	uint32_t group;
	bool fb;

	for (size_t i = 0; rr_rd_left(rd) > 0; i++) {
		if (get_tkey(rd, &fb, &group, &alg, &al, &data, &dl, NULL) !=
		    RR_OK)
			return;
		uint8_t g[4] = { (uint8_t)(group >> 24), (uint8_t)(group >> 16),
				 (uint8_t)(group >> 8), (uint8_t)group };
		if (i)
			rr_buf_putc(out, ',');
		if (fb)
			rr_buf_putc(out, '~');
		rr_fmt_hex(out, g, 4);
		rr_buf_putc(out, ':');
		rr_buf_put(out, alg, al);
		rr_buf_putc(out, ':');
		rr_b64_encode(out, data, dl);
	}
}

static void fmt_rkeys(const uint8_t *val, size_t len, struct rr_buf *out)
{
	struct rr_rd rdata = { val, len, 0 }, *rd = &rdata;
	const uint8_t *alg, *key;
	size_t al, kl;

	/* Unknown algorithms are shown too. */
	for (size_t i = 0; rr_rd_left(rd) > 0; i++) {
		if (rr_rd_text(rd, 1, &alg, &al, NULL) != RR_OK ||
		    rr_rd_text(rd, 2, &key, &kl, NULL) != RR_OK)
			return;
		if (i)
			rr_buf_putc(out, ',');
		rr_buf_put(out, alg, al);
		rr_buf_putc(out, ':');
		rr_b64_encode(out, key, kl);
	}
}

/* ---- keys= --------------------------------------------------------------- */

static enum rr_errclass tkeys_parse(const char *text, size_t len,
				    struct rr_buf *out, struct rr_error *err)
{
	return rr_each_item(text, len, RR_MAX_KEYS, tkey_item, out, err);
}

static enum rr_errclass tkeys_decode(const struct rr_tagdef *td,
				     const uint8_t *val, size_t len,
				     struct rr_record *r, struct rr_error *err)
{
	struct rr_rd rd = { val, len, 0 };
	struct rr_tkey tmp[RR_MAX_KEYS];
	const uint8_t *alg;
	size_t al, n = 0;
	enum rr_errclass rc;

	if (len == 0)
		return rr_seterr(err, RR_E_VALUE, "empty list");
	while (rr_rd_left(&rd) > 0) {
		struct rr_tkey *k = &tmp[n];
		if (n >= RR_MAX_KEYS)
			return rr_seterr(err, RR_E_LIMIT, "more than %d keys",
					 RR_MAX_KEYS);
		rc = get_tkey(&rd, &k->fallback, &k->group, &alg, &al,
			      &k->data, &k->len, err);
		if (rc != RR_OK)
			return rc;
		/* Known names point at the table: no copy. */
		k->def = rr_alg_find((const char *)alg, al);
		k->alg = k->def ? k->def->name : rr_arena_strdup(r, alg, al);
		if (!k->alg)
			return rr_seterr(err, RR_E_NOMEM, "out of memory");
		n++;
	}
	return RR_STORE_LIST(td, r, tmp, n, err);
}

const struct rr_vtype rr_vt_tkeys = { "tkeys", tkeys_parse, tkeys_decode,
				      fmt_tkeys };

/* ---- rk= ----------------------------------------------------------------- */

static enum rr_errclass rkeys_parse(const char *text, size_t len,
				    struct rr_buf *out, struct rr_error *err)
{
	return rr_each_item(text, len, RR_MAX_KEYS, rkey_item, out, err);
}

static enum rr_errclass rkeys_decode(const struct rr_tagdef *td,
				     const uint8_t *val, size_t len,
				     struct rr_record *r, struct rr_error *err)
{
	struct rr_rd rd = { val, len, 0 };
	struct rr_pubkey tmp[RR_MAX_KEYS];
	const struct rr_alg *def;
	const uint8_t *alg, *key;
	size_t al, kl, n = 0, seen = 0;
	enum rr_errclass rc;

	if (len == 0)
		return rr_seterr(err, RR_E_VALUE, "empty list");
	while (rr_rd_left(&rd) > 0) {
		if (seen++ >= RR_MAX_KEYS)
			return rr_seterr(err, RR_E_LIMIT, "more than %d keys",
					 RR_MAX_KEYS);
		rc = rr_rd_text(&rd, 1, &alg, &al, err);
		if (rc == RR_OK)
			rc = rr_rd_text(&rd, 2, &key, &kl, err);
		if (rc != RR_OK)
			return rc;
		if (!rr_alg_name_valid((const char *)alg, al))
			return rr_seterr(err, RR_E_VALUE, "bad algorithm name");
		if (kl == 0 || kl > 255)
			return rr_seterr(err, RR_E_KEY,
					 "key must have 1 to 255 bytes");
		/* Unknown algorithms stay in the field, unused: a newer
		 * admin may list a future key beside an Ed25519 one. */
		def = rr_alg_find((const char *)alg, al);
		if (!def || def->cls != RR_ALG_SIGN)
			continue;
		rc = rr_alg_check_key(def, key, kl, err);
		if (rc != RR_OK)
			return rc;
		tmp[n].alg = def->sigalg;
		memcpy(tmp[n].key, key, RR_PUBKEY_LEN);
		rr_keyid(tmp[n].key, RR_PUBKEY_LEN, tmp[n].id);
		n++;
	}
	if (n == 0)
		return rr_seterr(err, RR_E_KEY,
				 "no %s record-signing key",
				 rr_alg_ed25519.name);
	return RR_STORE_LIST(td, r, tmp, n, err);
}

const struct rr_vtype rr_vt_rkeys = { "rkeys", rkeys_parse, rkeys_decode,
				      fmt_rkeys };


/* ---- add=, retire= (anchor statements) -------------------------------------
 * One record-signing key, written and encoded as one rk= item; only an
 * algorithm that signs records makes sense for an anchor (class key). */

static enum rr_errclass akey_parse(const char *text, size_t len,
				   struct rr_buf *out, struct rr_error *err)
{
	char alg[RR_MAX_ALG + 1];
	uint8_t data[256];
	size_t dlen = 0;
	const struct rr_alg *def;
	enum rr_errclass rc;

	rc = alg_b64(text, len, alg, data, sizeof(data), &dlen, err);
	if (rc != RR_OK)
		return rc;
	def = rr_alg_find(alg, strlen(alg));
	if (!def || def->cls != RR_ALG_SIGN)
		return rr_seterr(err, RR_E_KEY, "%s: not a record-signing "
				 "algorithm", alg);
	rc = rr_alg_check_key(def, data, dlen, err);
	if (rc != RR_OK)
		return rc;
	rr_buf_putc(out, (uint8_t)strlen(alg));
	rr_buf_puts(out, alg);
	rr_buf_u16(out, (uint16_t)dlen);
	rr_buf_put(out, data, dlen);
	return RR_OK;
}

static enum rr_errclass akey_decode(const struct rr_tagdef *td,
				    const uint8_t *val, size_t len,
				    struct rr_record *r, struct rr_error *err)
{
	struct rr_rd rd = { val, len, 0 };
	struct rr_pubkey *k = RR_AT(r, td->off, struct rr_pubkey);
	const struct rr_alg *def;
	const uint8_t *alg, *key;
	size_t al, kl;
	enum rr_errclass rc;

	rc = rr_rd_text(&rd, 1, &alg, &al, err);
	if (rc == RR_OK)
		rc = rr_rd_text(&rd, 2, &key, &kl, err);
	if (rc != RR_OK)
		return rc;
	if (rr_rd_left(&rd) > 0)
		return rr_seterr(err, RR_E_VALUE, "trailing bytes after the key");
	if (!rr_alg_name_valid((const char *)alg, al))
		return rr_seterr(err, RR_E_VALUE, "bad algorithm name");
	def = rr_alg_find((const char *)alg, al);
	if (!def || def->cls != RR_ALG_SIGN)
		return rr_seterr(err, RR_E_KEY, "%.*s: not a record-signing "
				 "algorithm", (int)al, (const char *)alg);
	rc = rr_alg_check_key(def, key, kl, err);
	if (rc != RR_OK)
		return rc;
	k->alg = def->sigalg;
	memcpy(k->key, key, RR_PUBKEY_LEN);
	rr_keyid(k->key, RR_PUBKEY_LEN, k->id);
	*RR_AT(r, td->aux, bool) = true;
	return RR_OK;
}

const struct rr_vtype rr_vt_akey = { "akey", akey_parse, akey_decode,
				     fmt_rkeys };
