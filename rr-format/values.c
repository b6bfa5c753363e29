/*
 * values.c - the known tags and their values: presentation text <->
 * binary form, and decoding into the record's view.
 *
 * Every parser here is strict: a value is accepted only in the one text
 * form that formatting would produce, so each record has exactly one
 * presentation per binary form and signatures cannot be made to cover two
 * different texts.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"

#define H RR_KBIT(RR_KIND_HEAD)
#define M RR_KBIT(RR_KIND_MEMBER)
#define S RR_KBIT(RR_KIND_SITE)

static const struct rr_tagdef tagdefs[] = {
	{ "k", RR_VT_KIND, H | M | S, H | M | S },
	{ "vpn", RR_VT_NAME, H | M | S, H | M | S },
	{ "site", RR_VT_SITENAME, M | S, M | S },
	{ "s", RR_VT_U32, H | M | S, H | M | S },
	{ "t", RR_VT_TIME, H | M | S, H | M | S },
	{ "x", RR_VT_TIME, H | M | S, H | M | S },
	{ "n", RR_VT_U32, H, H },
	{ "pages", RR_VT_HASHES, H, H },
	{ "rk", RR_VT_RKEYS, M, M },
	{ "nets", RR_VT_NETS, M | S, M | S },
	{ "at", RR_VT_DNSNAME, M, M },
	{ "ep", RR_VT_EPS, S, S },
	{ "ptp", RR_VT_ADDR, S, S },
	{ "ks", RR_VT_HEX32, S, S },
	{ "keys", RR_VT_TKEYS, S, S },
	{ "contact", RR_VT_TEXT, M | S, 0 },
	{ "dh", RR_VT_TEXT, S, 0 },
	{ "hash", RR_VT_TEXT, S, 0 },
	{ "key-lifetime", RR_VT_U32, S, 0 },
	{ "setup-timeout", RR_VT_U32, S, 0 },
	{ "setup-retries", RR_VT_U32, S, 0 },
	{ "wait-time", RR_VT_U32, S, 0 },
	{ "renegotiate-time", RR_VT_U32, S, 0 },
	{ "sk", RR_VT_SK, H | M | S, 0 },
	{ "sig", RR_VT_SIG, H | M | S, 0 },
};

#undef H
#undef M
#undef S

const struct rr_tagdef *rr_tagdef_find(const char *tag)
{
	for (size_t i = 0; i < sizeof(tagdefs) / sizeof(tagdefs[0]); i++)
		if (strcmp(tagdefs[i].name, tag) == 0)
			return &tagdefs[i];
	return NULL;
}

const struct rr_tagdef *rr_tagdef_at(size_t i)
{
	if (i >= sizeof(tagdefs) / sizeof(tagdefs[0]))
		return NULL;
	return &tagdefs[i];
}

bool rr_tag_valid(const char *tag, size_t len)
{
	size_t i = 0;

	if (len > RR_MAX_TAG)
		return false;
	if (i < len && tag[i] == '!')
		i++;
	if (i >= len || !(tag[i] >= 'a' && tag[i] <= 'z'))
		return false;
	for (i++; i < len; i++) {
		char c = tag[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return false;
	}
	return true;
}

/* ---- small text helpers ------------------------------------------------- */

enum rr_errclass rr_text_check(const char *text, size_t len, bool allow_empty,
			       struct rr_error *err)
{
	if (len == 0)
		return allow_empty ? RR_OK
				   : rr_seterr(err, RR_E_VALUE, "empty value");
	if (len > RR_MAX_TEXT)
		return rr_seterr(err, RR_E_LIMIT, "value longer than %d bytes",
				 RR_MAX_TEXT);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c < 0x20 || c > 0x7e || c == ';')
			return rr_seterr(err, RR_E_VALUE,
					 "byte 0x%02x at offset %zu is not "
					 "allowed in a value", c, i);
	}
	if (text[0] == ' ' || text[len - 1] == ' ')
		return rr_seterr(err, RR_E_CANONICAL,
				 "leading or trailing space in value");
	return RR_OK;
}

/* Copies TEXT[0..LEN) into a NUL-terminated scratch buffer. */
static enum rr_errclass cstr(const char *text, size_t len, char *out,
			     size_t outsz, struct rr_error *err)
{
	if (len >= outsz)
		return rr_seterr(err, RR_E_LIMIT, "value too long (%zu bytes)",
				 len);
	memcpy(out, text, len);
	out[len] = '\0';
	return RR_OK;
}

bool rr_name_valid(const char *s, size_t len)
{
	if (len == 0 || len > 63)
		return false;
	if (!isalpha((unsigned char)s[0]) || !isascii((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(isascii(c) && (isalnum(c) || c == '-' || c == '_')))
			return false;
	}
	return true;
}

/* DNS name in presentation form: lower case, labels of [a-z0-9_-], no
 * final dot.  Underscore is allowed because site records usually live at
 * names like _vpnrr.gw.example.net. */
static enum rr_errclass dnsname_check(const char *s, size_t len,
				      struct rr_error *err)
{
	size_t lab = 0;

	if (len == 0 || len > RR_MAX_NAME)
		return rr_seterr(err, RR_E_VALUE,
				 "DNS name must have 1 to %d bytes",
				 RR_MAX_NAME);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (lab == 0)
				return rr_seterr(err, RR_E_VALUE,
						 "%.*s: empty label", (int)len, s);
			lab = 0;
			continue;
		}
		if (c >= 'A' && c <= 'Z')
			return rr_seterr(err, RR_E_CANONICAL,
					 "%.*s: DNS name must be lower case",
					 (int)len, s);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return rr_seterr(err, RR_E_VALUE,
					 "%.*s: character 0x%02x not allowed "
					 "in a DNS name", (int)len, s, c);
		if (++lab > 63)
			return rr_seterr(err, RR_E_VALUE,
					 "%.*s: label longer than 63 bytes",
					 (int)len, s);
	}
	if (lab == 0)
		return rr_seterr(err, RR_E_CANONICAL,
				 "%.*s: DNS name must not end with a dot",
				 (int)len, s);
	return RR_OK;
}

bool rr_sitename_valid(const char *s, size_t len)
{
	const char *slash = memchr(s, '/', len);

	return slash && rr_name_valid(s, (size_t)(slash - s)) &&
	       rr_name_valid(slash + 1, len - (size_t)(slash - s) - 1);
}

bool rr_dnsname_valid(const char *s, size_t len)
{
	return dnsname_check(s, len, NULL) == RR_OK;
}

/* Decimal without sign or leading zeros, at most MAX. */
static enum rr_errclass parse_dec(const char *s, size_t len, uint64_t max,
				  uint64_t *out, struct rr_error *err)
{
	uint64_t v = 0;

	if (len == 0)
		return rr_seterr(err, RR_E_VALUE, "empty number");
	if (len > 1 && s[0] == '0')
		return rr_seterr(err, RR_E_CANONICAL,
				 "%.*s: leading zero", (int)len, s);
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return rr_seterr(err, RR_E_VALUE,
					 "%.*s: not a decimal number",
					 (int)len, s);
		if (v > (max - (uint64_t)(s[i] - '0')) / 10)
			return rr_seterr(err, RR_E_VALUE,
					 "%.*s: larger than %" PRIu64,
					 (int)len, s, max);
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return RR_OK;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static enum rr_errclass parse_hex32(const char *s, size_t len, uint32_t *out,
				    struct rr_error *err)
{
	uint32_t v = 0;

	if (len != 8)
		return rr_seterr(err, RR_E_VALUE,
				 "%.*s: need exactly 8 hex digits",
				 (int)len, s);
	for (size_t i = 0; i < 8; i++) {
		int h = hexval(s[i]);
		if (h < 0)
			return rr_seterr(err, (s[i] >= 'A' && s[i] <= 'F')
					 ? RR_E_CANONICAL : RR_E_VALUE,
					 "%.*s: need lower-case hex digits",
					 (int)len, s);
		v = (v << 4) | (uint32_t)h;
	}
	*out = v;
	return RR_OK;
}

/* Splits a comma-separated list; calls FN on each item (never empty). */
typedef enum rr_errclass (*item_fn)(const char *item, size_t len,
				    struct rr_buf *out, size_t index,
				    struct rr_error *err);

static enum rr_errclass each_item(const char *text, size_t len, size_t max,
				  item_fn fn, struct rr_buf *out,
				  struct rr_error *err)
{
	size_t start = 0, n = 0;
	enum rr_errclass rc;

	if (len == 0)
		return rr_seterr(err, RR_E_VALUE, "empty list");
	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] != ',')
			continue;
		if (i == start)
			return rr_seterr(err, RR_E_SYNTAX,
					 "empty item in list at offset %zu",
					 start);
		if (n >= max)
			return rr_seterr(err, RR_E_LIMIT,
					 "more than %zu items in list", max);
		rc = fn(text + start, i - start, out, n, err);
		if (rc != RR_OK)
			return rc;
		n++;
		start = i + 1;
	}
	return RR_OK;
}

/* ---- binary encodings of compound values --------------------------------- */

static void put_addr(struct rr_buf *b, const struct rr_addr *a)
{
	rr_buf_putc(b, a->family);
	rr_buf_put(b, a->bytes, a->family == 4 ? 4 : 16);
}

static enum rr_errclass get_addr(struct rr_rd *rd, struct rr_addr *a,
				 struct rr_error *err)
{
	const uint8_t *p;
	uint8_t fam;

	memset(a, 0, sizeof(*a));
	if (!rr_rd_u8(rd, &fam))
		return rr_seterr(err, RR_E_TRUNCATED, "address cut short");
	if (fam != 4 && fam != 6)
		return rr_seterr(err, RR_E_VALUE, "address family %u unknown",
				 fam);
	if (!rr_rd_bytes(rd, fam == 4 ? 4 : 16, &p))
		return rr_seterr(err, RR_E_TRUNCATED, "address cut short");
	a->family = fam;
	memcpy(a->bytes, p, fam == 4 ? 4 : 16);
	return RR_OK;
}

static enum rr_errclass get_prefix(struct rr_rd *rd, struct rr_prefix *p,
				   struct rr_error *err)
{
	char text[RR_PREFIXSTRLEN];
	struct rr_prefix check;
	uint8_t plen;
	enum rr_errclass rc;

	if (!rr_rd_u8(rd, &plen))
		return rr_seterr(err, RR_E_TRUNCATED, "prefix cut short");
	rc = get_addr(rd, &p->addr, err);
	if (rc != RR_OK)
		return rc;
	if (plen > (p->addr.family == 4 ? 32 : 128))
		return rr_seterr(err, RR_E_VALUE,
				 "prefix length %u out of range", plen);
	p->len = plen;
	/* Host bits must be clear: reuse the text parser's rule. */
	rr_prefix_format(p, text);
	return rr_prefix_parse(text, &check, err);
}

static enum rr_errclass get_text(struct rr_rd *rd, size_t lenbytes,
				 const uint8_t **p, size_t *len,
				 struct rr_error *err)
{
	uint8_t l8;
	uint16_t l16;

	if (lenbytes == 1) {
		if (!rr_rd_u8(rd, &l8))
			return rr_seterr(err, RR_E_TRUNCATED, "cut short");
		*len = l8;
	} else {
		if (!rr_rd_u16(rd, &l16))
			return rr_seterr(err, RR_E_TRUNCATED, "cut short");
		*len = l16;
	}
	if (!rr_rd_bytes(rd, *len, p))
		return rr_seterr(err, RR_E_TRUNCATED, "cut short");
	return RR_OK;
}

static bool alg_valid(const uint8_t *s, size_t len)
{
	if (len == 0 || len > RR_MAX_ALG)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* ---- text -> binary per item -------------------------------------------- */

static enum rr_errclass net_item(const char *item, size_t len,
				 struct rr_buf *out, size_t index,
				 struct rr_error *err)
{
	char tmp[RR_PREFIXSTRLEN + 1];
	struct rr_prefix p;
	enum rr_errclass rc;

	if (len >= sizeof(tmp))
		return rr_seterr(err, RR_E_VALUE, "%.*s: not a prefix",
				 (int)(len > 60 ? 60 : len), item);
	memcpy(tmp, item, len);
	tmp[len] = '\0';
	rc = rr_prefix_parse(tmp, &p, err);
	if (rc != RR_OK)
		return rc;
	rr_buf_putc(out, p.len);
	put_addr(out, &p.addr);
	return RR_OK;
}

static enum rr_errclass ep_item(const char *item, size_t len,
				struct rr_buf *out, size_t index,
				struct rr_error *err)
{
	char tmp[RR_ENDPOINTSTRLEN + 1];
	struct rr_endpoint e;
	enum rr_errclass rc;

	if (len == 6 && memcmp(item, "mobile", 6) == 0)
		return rr_seterr(err, RR_E_VALUE,
				 "mobile cannot be combined with endpoints");
	if (len >= sizeof(tmp))
		return rr_seterr(err, RR_E_LIMIT, "endpoint too long");
	memcpy(tmp, item, len);
	tmp[len] = '\0';
	rc = rr_endpoint_parse(tmp, &e, err);
	if (rc != RR_OK)
		return rc;
	rr_buf_putc(out, (uint8_t)e.type);
	if (e.type == RR_EP_HOST) {
		size_t hl = strlen(e.host);
		rr_buf_putc(out, (uint8_t)hl);
		rr_buf_put(out, e.host, hl);
	} else {
		rr_buf_put(out, e.addr.bytes, e.type == RR_EP_IPV4 ? 4 : 16);
	}
	rr_buf_u16(out, e.port);
	return RR_OK;
}

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
	if (!alg_valid((const uint8_t *)item, al))
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
	rc = parse_hex32(item, 8, &group, err);
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
	enum rr_errclass rc;

	rc = alg_b64(item, len, alg, data, sizeof(data), &dlen, err);
	if (rc != RR_OK)
		return rc;
	if (strcmp(alg, "ed25519") == 0 && dlen != RR_PUBKEY_LEN)
		return rr_seterr(err, RR_E_KEY,
				 "ed25519 key must have 32 bytes, not %zu",
				 dlen);
	rr_buf_putc(out, (uint8_t)strlen(alg));
	rr_buf_puts(out, alg);
	rr_buf_u16(out, (uint16_t)dlen);
	rr_buf_put(out, data, dlen);
	return RR_OK;
}

/* ---- text -> binary ---------------------------------------------------- */

enum rr_errclass rr_value_parse(const struct rr_tagdef *td, const char *text,
				size_t len, struct rr_buf *out,
				struct rr_error *err)
{
	char tmp[RR_ADDRSTRLEN + 1];
	uint8_t bin[RR_SIG_LEN];
	uint64_t v;
	uint32_t h;
	size_t blen;
	struct rr_addr a;
	const char *colon;
	enum rr_errclass rc = RR_OK;

	if (!td) {
		rc = rr_text_check(text, len, true, err);
		if (rc == RR_OK)
			rr_buf_put(out, text, len);
		return rc;
	}
	switch (td->type) {
	case RR_VT_KIND:
		if (len == 4 && memcmp(text, "head", 4) == 0)
			rr_buf_putc(out, RR_KIND_HEAD);
		else if (len == 6 && memcmp(text, "member", 6) == 0)
			rr_buf_putc(out, RR_KIND_MEMBER);
		else if (len == 4 && memcmp(text, "site", 4) == 0)
			rr_buf_putc(out, RR_KIND_SITE);
		else
			rc = rr_seterr(err, RR_E_VALUE, "%.*s: unknown kind",
				       (int)(len > 20 ? 20 : len), text);
		break;
	case RR_VT_NAME:
		if (!rr_name_valid(text, len))
			rc = rr_seterr(err, RR_E_VALUE,
				       "%.*s: names are a letter then up to 62 "
				       "letters, digits, '-' or '_'",
				       (int)(len > 64 ? 64 : len), text);
		else
			rr_buf_put(out, text, len);
		break;
	case RR_VT_SITENAME:
		if (!rr_sitename_valid(text, len))
			rc = rr_seterr(err, RR_E_VALUE,
				       "%.*s: need LOCATION/SITE, each a name",
				       (int)(len > 128 ? 128 : len), text);
		else
			rr_buf_put(out, text, len);
		break;
	case RR_VT_DNSNAME:
		rc = dnsname_check(text, len, err);
		if (rc == RR_OK)
			rr_buf_put(out, text, len);
		break;
	case RR_VT_TEXT:
		rc = rr_text_check(text, len, false, err);
		if (rc == RR_OK)
			rr_buf_put(out, text, len);
		break;
	case RR_VT_U32:
		rc = parse_dec(text, len, UINT32_MAX, &v, err);
		if (rc == RR_OK)
			rr_buf_u32(out, (uint32_t)v);
		break;
	case RR_VT_HEX32:
		rc = parse_hex32(text, len, &h, err);
		if (rc == RR_OK)
			rr_buf_u32(out, h);
		break;
	case RR_VT_TIME:
		rc = parse_dec(text, len, INT64_MAX, &v, err);
		if (rc == RR_OK)
			rr_buf_u64(out, v);
		break;
	case RR_VT_NETS:
		rc = each_item(text, len, RR_MAX_NETS, net_item, out, err);
		break;
	case RR_VT_ADDR:
		rc = cstr(text, len, tmp, sizeof(tmp), err);
		if (rc == RR_OK)
			rc = rr_addr_parse(tmp, &a, err);
		if (rc == RR_OK)
			put_addr(out, &a);
		break;
	case RR_VT_EPS:
		if (len == 6 && memcmp(text, "mobile", 6) == 0)
			rr_buf_putc(out, 0);
		else
			rc = each_item(text, len, RR_MAX_ENDPOINTS, ep_item,
				       out, err);
		break;
	case RR_VT_TKEYS:
		rc = each_item(text, len, RR_MAX_KEYS, tkey_item, out, err);
		break;
	case RR_VT_RKEYS:
		rc = each_item(text, len, RR_MAX_KEYS, rkey_item, out, err);
		break;
	case RR_VT_HASHES:
		if (len == 0)
			break;
		{
			uint8_t *hb = malloc(RR_MAX_PAGES * RR_HASH_LEN + 3);
			if (!hb)
				return rr_seterr(err, RR_E_NOMEM, "out of memory");
			rc = rr_b64_decode(text, len, hb,
					   RR_MAX_PAGES * RR_HASH_LEN + 3,
					   &blen, err);
			if (rc == RR_OK && (blen % RR_HASH_LEN != 0 ||
					    blen / RR_HASH_LEN > RR_MAX_PAGES))
				rc = rr_seterr(err, blen % RR_HASH_LEN
					       ? RR_E_VALUE : RR_E_LIMIT,
					       "%zu bytes is not 1 to %d "
					       "page hashes of %d bytes", blen,
					       RR_MAX_PAGES, RR_HASH_LEN);
			if (rc == RR_OK)
				rr_buf_put(out, hb, blen);
			free(hb);
		}
		break;
	case RR_VT_SK:
		colon = memchr(text, ':', len);
		if (!colon || (size_t)(text + len - colon - 1) !=
				      2 * RR_KEYID_LEN ||
		    !alg_valid((const uint8_t *)text, (size_t)(colon - text))) {
			rc = rr_seterr(err, RR_E_SYNTAX,
				       "need ALGORITHM:KEYID (16 hex digits)");
			break;
		}
		rr_buf_putc(out, (uint8_t)(colon - text));
		rr_buf_put(out, text, (size_t)(colon - text));
		for (size_t i = 0; i < RR_KEYID_LEN && rc == RR_OK; i++) {
			int hi = hexval(colon[1 + 2 * i]);
			int lo = hexval(colon[2 + 2 * i]);
			if (hi < 0 || lo < 0)
				rc = rr_seterr(err, RR_E_VALUE,
					       "key id needs 16 lower-case hex "
					       "digits");
			else
				rr_buf_putc(out, (uint8_t)(hi << 4 | lo));
		}
		break;
	case RR_VT_SIG:
		rc = rr_b64_decode(text, len, bin, sizeof(bin), &blen, err);
		if (rc == RR_OK && blen != RR_SIG_LEN)
			rc = rr_seterr(err, RR_E_VALUE,
				       "signature has %zu bytes, not %d", blen,
				       RR_SIG_LEN);
		if (rc == RR_OK)
			rr_buf_put(out, bin, blen);
		break;
	}
	return rc;
}

/* ---- binary -> view ------------------------------------------------------ */

static enum rr_errclass copy_text(const uint8_t *val, size_t len, char *dst,
				  size_t dstsz, struct rr_error *err)
{
	if (len >= dstsz)
		return rr_seterr(err, RR_E_LIMIT, "value too long");
	memcpy(dst, val, len);
	dst[len] = '\0';
	return RR_OK;
}

static enum rr_errclass decode_nets(struct rr_rd *rd, struct rr_record *r,
				    struct rr_error *err)
{
	enum rr_errclass rc;

	if (rr_rd_left(rd) == 0)
		return rr_seterr(err, RR_E_VALUE, "empty list");
	while (rr_rd_left(rd) > 0) {
		if (r->nnets >= RR_MAX_NETS)
			return rr_seterr(err, RR_E_LIMIT,
					 "more than %d prefixes", RR_MAX_NETS);
		rc = get_prefix(rd, &r->nets[r->nnets], err);
		if (rc != RR_OK)
			return rc;
		r->nnets++;
	}
	return RR_OK;
}

/* Reads one endpoint, checked by the same rules as its text form. */
static enum rr_errclass get_endpoint(struct rr_rd *rd, struct rr_endpoint *e,
				     struct rr_error *err)
{
	const uint8_t *p;
	size_t hl;
	uint8_t type;
	char tmp[RR_ENDPOINTSTRLEN];
	struct rr_endpoint check;
	enum rr_errclass rc;

	memset(e, 0, sizeof(*e));
	if (!rr_rd_u8(rd, &type))
		return rr_seterr(err, RR_E_TRUNCATED, "cut short");
	if (type == RR_EP_IPV4 || type == RR_EP_IPV6) {
		e->type = (enum rr_eptype)type;
		e->addr.family = type;
		if (!rr_rd_bytes(rd, type == 4 ? 4 : 16, &p))
			return rr_seterr(err, RR_E_TRUNCATED, "cut short");
		memcpy(e->addr.bytes, p, type == 4 ? 4 : 16);
	} else if (type == RR_EP_HOST) {
		e->type = RR_EP_HOST;
		rc = get_text(rd, 1, &p, &hl, err);
		if (rc != RR_OK)
			return rc;
		if (hl > RR_MAX_NAME)
			return rr_seterr(err, RR_E_LIMIT, "host name too long");
		/* Checked on the raw bytes: a NUL would hide the rest of
		 * the name from the text re-check below. */
		if (memchr(p, 0, hl))
			return rr_seterr(err, RR_E_VALUE,
					 "NUL byte in host name");
		memcpy(e->host, p, hl);
		e->host[hl] = '\0';
	} else {
		return rr_seterr(err, RR_E_VALUE, "endpoint type %u unknown",
				 type);
	}
	if (!rr_rd_u16(rd, &e->port))
		return rr_seterr(err, RR_E_TRUNCATED, "cut short");
	/* One rule set for both encodings: re-check as text. */
	rr_endpoint_format(e, tmp);
	return rr_endpoint_parse(tmp, &check, err);
}

static enum rr_errclass decode_eps(struct rr_rd *rd, struct rr_record *r,
				   struct rr_error *err)
{
	enum rr_errclass rc;

	if (rd->len == 1 && rd->p[0] == 0) {
		r->mobile = true;
		rd->off = 1;
		return RR_OK;
	}
	if (rr_rd_left(rd) == 0)
		return rr_seterr(err, RR_E_VALUE, "empty list");
	while (rr_rd_left(rd) > 0) {
		if (r->neps >= RR_MAX_ENDPOINTS)
			return rr_seterr(err, RR_E_LIMIT,
					 "more than %d endpoints",
					 RR_MAX_ENDPOINTS);
		rc = get_endpoint(rd, &r->eps[r->neps], err);
		if (rc != RR_OK)
			return rc;
		r->neps++;
	}
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

	if (!rr_rd_u8(rd, &flags) || !rr_rd_u32(rd, group))
		return rr_seterr(err, RR_E_TRUNCATED, "cut short");
	if (flags > 1)
		return rr_seterr(err, RR_E_VALUE, "key flags 0x%02x unknown",
				 flags);
	*fallback = flags == 1;
	rc = get_text(rd, 1, alg, al, err);
	if (rc != RR_OK)
		return rc;
	if (!alg_valid(*alg, *al))
		return rr_seterr(err, RR_E_VALUE, "bad algorithm name");
	rc = get_text(rd, 2, data, dl, err);
	if (rc != RR_OK)
		return rc;
	if (*dl == 0 || *dl > RR_MAX_KEYDATA)
		return rr_seterr(err, *dl ? RR_E_LIMIT : RR_E_KEY,
				 "key data must have 1 to %d bytes",
				 RR_MAX_KEYDATA);
	return RR_OK;
}

static enum rr_errclass decode_tkeys(struct rr_rd *rd, struct rr_record *r,
				     struct rr_error *err)
{
	const uint8_t *alg, *data;
	size_t al, dl;
	struct rr_tkey *k;
	enum rr_errclass rc;

	if (rr_rd_left(rd) == 0)
		return rr_seterr(err, RR_E_VALUE, "empty list");
	while (rr_rd_left(rd) > 0) {
		if (r->ntkeys >= RR_MAX_KEYS)
			return rr_seterr(err, RR_E_LIMIT, "more than %d keys",
					 RR_MAX_KEYS);
		k = &r->tkeys[r->ntkeys];
		rc = get_tkey(rd, &k->fallback, &k->group, &alg, &al, &data,
			      &dl, err);
		if (rc != RR_OK)
			return rc;
		memcpy(k->alg, alg, al);
		k->alg[al] = '\0';
		k->data = malloc(dl);
		if (!k->data)
			return rr_seterr(err, RR_E_NOMEM, "out of memory");
		memcpy(k->data, data, dl);
		k->len = dl;
		r->ntkeys++;
	}
	return RR_OK;
}

static enum rr_errclass decode_rkeys(struct rr_rd *rd, struct rr_record *r,
				     struct rr_error *err)
{
	const uint8_t *alg, *key;
	size_t al, kl, n = 0;
	enum rr_errclass rc;

	if (rr_rd_left(rd) == 0)
		return rr_seterr(err, RR_E_VALUE, "empty list");
	while (rr_rd_left(rd) > 0) {
		if (n++ >= RR_MAX_KEYS)
			return rr_seterr(err, RR_E_LIMIT, "more than %d keys",
					 RR_MAX_KEYS);
		rc = get_text(rd, 1, &alg, &al, err);
		if (rc == RR_OK)
			rc = get_text(rd, 2, &key, &kl, err);
		if (rc != RR_OK)
			return rc;
		if (!alg_valid(alg, al))
			return rr_seterr(err, RR_E_VALUE, "bad algorithm name");
		if (kl == 0 || kl > 255)
			return rr_seterr(err, RR_E_KEY,
					 "key must have 1 to 255 bytes");
		/* Unknown algorithms stay in the field, unused: a newer
		 * admin may list a future key beside an Ed25519 one. */
		if (al != 7 || memcmp(alg, "ed25519", 7) != 0)
			continue;
		if (kl != RR_PUBKEY_LEN)
			return rr_seterr(err, RR_E_KEY,
					 "ed25519 key must have 32 bytes");
		struct rr_pubkey *pk = &r->rkeys[r->nrkeys++];
		pk->alg = RR_SIGALG_ED25519;
		memcpy(pk->key, key, RR_PUBKEY_LEN);
		rr_keyid(pk->key, RR_PUBKEY_LEN, pk->id);
	}
	if (r->nrkeys == 0)
		return rr_seterr(err, RR_E_KEY,
				 "no ed25519 record-signing key");
	return RR_OK;
}

static enum rr_errclass decode_u32(const char *tag, uint32_t v,
				   struct rr_record *r, struct rr_error *err)
{
	if (strcmp(tag, "s") == 0) {
		r->has_serial = true;
		r->serial = v;
	} else if (strcmp(tag, "n") == 0) {
		r->nmembers = v;
	} else {
		/* secnet's tunables are ms or counts in 1..2^31-1 */
		if (v == 0 || v > 0x7fffffff)
			return rr_seterr(err, RR_E_VALUE,
					 "%" PRIu32 " out of range 1..2147483647",
					 v);
		if (strcmp(tag, "key-lifetime") == 0)
			r->key_lifetime = v;
		else if (strcmp(tag, "setup-timeout") == 0)
			r->setup_timeout = v;
		else if (strcmp(tag, "setup-retries") == 0)
			r->setup_retries = v;
		else if (strcmp(tag, "wait-time") == 0)
			r->wait_time = v;
		else
			r->renegotiate_time = v;
	}
	return RR_OK;
}

enum rr_errclass rr_value_decode(const struct rr_tagdef *td,
				 const uint8_t *val, size_t len,
				 struct rr_record *r, struct rr_error *err)
{
	struct rr_rd rd = { val, len, 0 };
	const uint8_t *p;
	size_t l;
	uint32_t u32;
	uint64_t u64;
	enum rr_errclass rc = RR_OK;

	if (!td)
		return rr_text_check((const char *)val, len, true, err);
	switch (td->type) {
	case RR_VT_KIND:
		if (len != 1 || val[0] != r->kind)
			return rr_seterr(err, RR_E_VALUE, "kind mismatch");
		return RR_OK;
	case RR_VT_NAME:
		if (!rr_name_valid((const char *)val, len))
			return rr_seterr(err, RR_E_VALUE, "bad name");
		return copy_text(val, len, r->vpn, sizeof(r->vpn), err);
	case RR_VT_SITENAME:
		if (!rr_sitename_valid((const char *)val, len))
			return rr_seterr(err, RR_E_VALUE,
					 "need LOCATION/SITE, each a name");
		return copy_text(val, len, r->site, sizeof(r->site), err);
	case RR_VT_DNSNAME:
		rc = dnsname_check((const char *)val, len, err);
		if (rc == RR_OK)
			rc = copy_text(val, len, r->at, sizeof(r->at), err);
		return rc;
	case RR_VT_TEXT:
		rc = rr_text_check((const char *)val, len, false, err);
		if (rc != RR_OK)
			return rc;
		if (strcmp(td->name, "contact") == 0)
			return copy_text(val, len, r->contact,
					 sizeof(r->contact), err);
		if (strcmp(td->name, "dh") == 0)
			return copy_text(val, len, r->dh, sizeof(r->dh), err);
		return copy_text(val, len, r->hash, sizeof(r->hash), err);
	case RR_VT_U32:
	case RR_VT_HEX32:
		if (len != 4 || !rr_rd_u32(&rd, &u32))
			return rr_seterr(err, RR_E_VALUE,
					 "need a 4-byte number");
		if (td->type == RR_VT_HEX32) {
			r->has_keyserial = true;
			r->keyserial = u32;
			return RR_OK;
		}
		return decode_u32(td->name, u32, r, err);
	case RR_VT_TIME:
		if (len != 8 || !rr_rd_u64(&rd, &u64))
			return rr_seterr(err, RR_E_VALUE,
					 "need an 8-byte time");
		if (u64 > INT64_MAX)
			return rr_seterr(err, RR_E_VALUE, "time out of range");
		r->has_times = true;
		if (strcmp(td->name, "t") == 0)
			r->not_before = u64;
		else
			r->expires = u64;
		return RR_OK;
	case RR_VT_NETS:
		rc = decode_nets(&rd, r, err);
		break;
	case RR_VT_ADDR:
		rc = get_addr(&rd, &r->ptp, err);
		r->has_ptp = rc == RR_OK;
		break;
	case RR_VT_EPS:
		rc = decode_eps(&rd, r, err);
		break;
	case RR_VT_TKEYS:
		rc = decode_tkeys(&rd, r, err);
		break;
	case RR_VT_RKEYS:
		rc = decode_rkeys(&rd, r, err);
		break;
	case RR_VT_HASHES:
		if (len % RR_HASH_LEN != 0)
			return rr_seterr(err, RR_E_VALUE,
					 "%zu bytes is not a list of %d-byte "
					 "hashes", len, RR_HASH_LEN);
		if (len / RR_HASH_LEN > RR_MAX_PAGES)
			return rr_seterr(err, RR_E_LIMIT,
					 "more than %d pages", RR_MAX_PAGES);
		r->npages = len / RR_HASH_LEN;
		if (r->npages) {
			r->pages = malloc(len);
			if (!r->pages)
				return rr_seterr(err, RR_E_NOMEM,
						 "out of memory");
			memcpy(r->pages, val, len);
		}
		return RR_OK;
	case RR_VT_SK:
		rc = get_text(&rd, 1, &p, &l, err);
		if (rc != RR_OK)
			return rc;
		if (l != 7 || memcmp(p, "ed25519", 7) != 0)
			return rr_seterr(err, RR_E_KEY,
					 "signature algorithm %.*s unknown",
					 (int)l, (const char *)p);
		if (!rr_rd_bytes(&rd, RR_KEYID_LEN, &p))
			return rr_seterr(err, RR_E_TRUNCATED, "cut short");
		r->has_sk = true;
		r->sigalg = RR_SIGALG_ED25519;
		memcpy(r->sigkeyid, p, RR_KEYID_LEN);
		break;
	case RR_VT_SIG:
		if (len != RR_SIG_LEN)
			return rr_seterr(err, RR_E_VALUE,
					 "signature has %zu bytes, not %d", len,
					 RR_SIG_LEN);
		r->has_sig = true;
		memcpy(r->sig, val, RR_SIG_LEN);
		return RR_OK;
	}
	if (rc == RR_OK && rr_rd_left(&rd) != 0)
		rc = rr_seterr(err, RR_E_VALUE, "%zu trailing bytes",
			       rr_rd_left(&rd));
	return rc;
}

/* ---- binary -> text ------------------------------------------------------ */

static void fmt_u32(struct rr_buf *out, uint64_t v)
{
	char tmp[24];
	snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
	rr_buf_puts(out, tmp);
}

static void fmt_hex(struct rr_buf *out, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		rr_buf_putc(out, (uint8_t)hex[p[i] >> 4]);
		rr_buf_putc(out, (uint8_t)hex[p[i] & 15]);
	}
}

/*
 * Formats a value that rr_field_append has already validated, straight
 * from its bytes: the readers below cannot fail on such a value, so their
 * results are not checked again.
 */
static void fmt_nets(struct rr_buf *out, struct rr_rd *rd)
{
	struct rr_prefix p;
	char s[RR_PREFIXSTRLEN];

	for (size_t i = 0; rr_rd_left(rd) > 0; i++) {
		if (get_prefix(rd, &p, NULL) != RR_OK)
			return;
		if (i)
			rr_buf_putc(out, ',');
		rr_prefix_format(&p, s);
		rr_buf_puts(out, s);
	}
}

static void fmt_eps(struct rr_buf *out, struct rr_rd *rd)
{
	struct rr_endpoint e;
	char s[RR_ENDPOINTSTRLEN];

	if (rd->len == 1 && rd->p[0] == 0) {
		rr_buf_puts(out, "mobile");
		return;
	}
	for (size_t i = 0; rr_rd_left(rd) > 0; i++) {
		if (get_endpoint(rd, &e, NULL) != RR_OK)
			return;
		if (i)
			rr_buf_putc(out, ',');
		rr_endpoint_format(&e, s);
		rr_buf_puts(out, s);
	}
}

static void fmt_tkeys(struct rr_buf *out, struct rr_rd *rd)
{
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
		fmt_hex(out, g, 4);
		rr_buf_putc(out, ':');
		rr_buf_put(out, alg, al);
		rr_buf_putc(out, ':');
		rr_b64_encode(out, data, dl);
	}
}

static void fmt_rkeys(struct rr_buf *out, struct rr_rd *rd)
{
	const uint8_t *alg, *key;
	size_t al, kl;

	/* Unknown algorithms are shown too. */
	for (size_t i = 0; rr_rd_left(rd) > 0; i++) {
		if (get_text(rd, 1, &alg, &al, NULL) != RR_OK ||
		    get_text(rd, 2, &key, &kl, NULL) != RR_OK)
			return;
		if (i)
			rr_buf_putc(out, ',');
		rr_buf_put(out, alg, al);
		rr_buf_putc(out, ':');
		rr_b64_encode(out, key, kl);
	}
}

enum rr_errclass rr_value_format(const struct rr_tagdef *td,
				 const uint8_t *val, size_t len,
				 struct rr_buf *out, struct rr_error *err)
{
	struct rr_rd rd = { val, len, 0 };
	struct rr_addr a;
	const uint8_t *p;
	size_t l;
	uint32_t u32 = 0;
	uint64_t u64 = 0;
	char s[RR_ADDRSTRLEN];

	if (!td) {
		rr_buf_put(out, val, len);
		return RR_OK;
	}
	switch (td->type) {
	case RR_VT_NAME:
	case RR_VT_SITENAME:
	case RR_VT_DNSNAME:
	case RR_VT_TEXT:
		rr_buf_put(out, val, len);
		break;
	case RR_VT_KIND:
		rr_buf_puts(out, rr_kind_name(len == 1 ? (enum rr_kind)val[0]
						       : (enum rr_kind)0));
		break;
	case RR_VT_U32:
		rr_rd_u32(&rd, &u32);
		fmt_u32(out, u32);
		break;
	case RR_VT_TIME:
		rr_rd_u64(&rd, &u64);
		fmt_u32(out, u64);
		break;
	case RR_VT_HEX32:
		fmt_hex(out, val, len < 4 ? len : 4);
		break;
	case RR_VT_NETS:
		fmt_nets(out, &rd);
		break;
	case RR_VT_ADDR:
		if (get_addr(&rd, &a, NULL) == RR_OK) {
			rr_addr_format(&a, s);
			rr_buf_puts(out, s);
		}
		break;
	case RR_VT_EPS:
		fmt_eps(out, &rd);
		break;
	case RR_VT_TKEYS:
		fmt_tkeys(out, &rd);
		break;
	case RR_VT_RKEYS:
		fmt_rkeys(out, &rd);
		break;
	case RR_VT_HASHES:
	case RR_VT_SIG:
		rr_b64_encode(out, val, len);
		break;
	case RR_VT_SK:
		if (get_text(&rd, 1, &p, &l, NULL) == RR_OK &&
		    rr_rd_left(&rd) == RR_KEYID_LEN) {
			rr_buf_put(out, p, l);
			rr_buf_putc(out, ':');
			fmt_hex(out, val + rd.off, RR_KEYID_LEN);
		}
		break;
	}
	if (out->oom)
		return rr_seterr(err, RR_E_NOMEM, "out of memory");
	return RR_OK;
}
