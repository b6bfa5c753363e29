/*
 * vscalar.c - value types holding one thing: the kind, names, free text,
 * numbers, times and the signature tags.
 *
 * Every parser here is strict: a value is accepted only in the one text
 * form that formatting would produce, so each record has exactly one
 * presentation per binary form and signatures cannot be made to cover two
 * different texts.  Decoders store into the member the tag row names
 * (td->off, and td->aux for a presence flag).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static void set_flag(const struct rr_tagdef *td, struct rr_record *r)
{
	if (td->aux != RR_NOWHERE)
		*RR_AT(r, td->aux, bool) = true;
}

/* ---- kind ---------------------------------------------------------------- */

static enum rr_errclass kind_parse(const char *text, size_t len,
				   struct rr_buf *out, struct rr_error *err)
{
	for (uint8_t k = RR_KIND_HEAD; k <= RR_KIND_LAST; k++) {
		const char *name = rr_kind_name((enum rr_kind)k);
		if (strlen(name) == len && memcmp(text, name, len) == 0) {
			rr_buf_putc(out, k);
			return RR_OK;
		}
	}
	return rr_seterr(err, RR_E_VALUE, "%.*s: unknown kind",
			 (int)(len > 20 ? 20 : len), text);
}

static enum rr_errclass kind_decode(const struct rr_tagdef *td,
				    const uint8_t *val, size_t len,
				    struct rr_record *r, struct rr_error *err)
{
	(void)td;
	if (len != 1 || val[0] != r->kind)
		return rr_seterr(err, RR_E_VALUE, "kind mismatch");
	return RR_OK;
}

static void kind_format(const uint8_t *val, size_t len, struct rr_buf *out)
{
	rr_buf_puts(out, rr_kind_name(len == 1 ? (enum rr_kind)val[0]
					       : (enum rr_kind)0));
}

const struct rr_vtype rr_vt_kind = { "kind", kind_parse, kind_decode,
				     kind_format };

/* ---- names and text -------------------------------------------------------
 * Stored as they are: the record's copy of the value is NUL-terminated,
 * so the view's string points at it. */

static enum rr_errclass str_decode(const struct rr_tagdef *td,
				   const uint8_t *val, size_t len,
				   struct rr_record *r, struct rr_error *err)
{
	(void)len;
	(void)err;
	*RR_AT(r, td->off, const char *) = (const char *)val;
	return RR_OK;
}

static void str_format(const uint8_t *val, size_t len, struct rr_buf *out)
{
	rr_buf_put(out, val, len);
}

static enum rr_errclass name_parse(const char *text, size_t len,
				   struct rr_buf *out, struct rr_error *err)
{
	if (!rr_name_valid(text, len))
		return rr_seterr(err, RR_E_VALUE,
				 "%.*s: names are a letter then up to 62 "
				 "letters, digits, '-' or '_'",
				 (int)(len > 64 ? 64 : len), text);
	rr_buf_put(out, text, len);
	return RR_OK;
}

static enum rr_errclass name_decode(const struct rr_tagdef *td,
				    const uint8_t *val, size_t len,
				    struct rr_record *r, struct rr_error *err)
{
	if (!rr_name_valid((const char *)val, len))
		return rr_seterr(err, RR_E_VALUE, "bad name");
	return str_decode(td, val, len, r, err);
}

const struct rr_vtype rr_vt_name = { "name", name_parse, name_decode,
				     str_format };

static enum rr_errclass sitename_parse(const char *text, size_t len,
				       struct rr_buf *out,
				       struct rr_error *err)
{
	if (!rr_sitename_valid(text, len))
		return rr_seterr(err, RR_E_VALUE,
				 "%.*s: need LOCATION/SITE, each a name",
				 (int)(len > 128 ? 128 : len), text);
	rr_buf_put(out, text, len);
	return RR_OK;
}

static enum rr_errclass sitename_decode(const struct rr_tagdef *td,
					const uint8_t *val, size_t len,
					struct rr_record *r,
					struct rr_error *err)
{
	if (!rr_sitename_valid((const char *)val, len))
		return rr_seterr(err, RR_E_VALUE,
				 "need LOCATION/SITE, each a name");
	return str_decode(td, val, len, r, err);
}

const struct rr_vtype rr_vt_sitename = { "sitename", sitename_parse,
					 sitename_decode, str_format };

static enum rr_errclass dnsname_parse(const char *text, size_t len,
				      struct rr_buf *out,
				      struct rr_error *err)
{
	enum rr_errclass rc = rr_dnsname_check(text, len, err);

	if (rc == RR_OK)
		rr_buf_put(out, text, len);
	return rc;
}

static enum rr_errclass dnsname_decode(const struct rr_tagdef *td,
				       const uint8_t *val, size_t len,
				       struct rr_record *r,
				       struct rr_error *err)
{
	enum rr_errclass rc = rr_dnsname_check((const char *)val, len, err);

	if (rc == RR_OK)
		rc = str_decode(td, val, len, r, err);
	return rc;
}

const struct rr_vtype rr_vt_dnsname = { "dnsname", dnsname_parse,
					dnsname_decode, str_format };

static enum rr_errclass text_parse(const char *text, size_t len,
				   struct rr_buf *out, struct rr_error *err)
{
	enum rr_errclass rc = rr_text_check(text, len, false, err);

	if (rc == RR_OK)
		rr_buf_put(out, text, len);
	return rc;
}

static enum rr_errclass text_decode(const struct rr_tagdef *td,
				    const uint8_t *val, size_t len,
				    struct rr_record *r, struct rr_error *err)
{
	enum rr_errclass rc = rr_text_check((const char *)val, len, false,
					    err);

	if (rc == RR_OK)
		rc = str_decode(td, val, len, r, err);
	return rc;
}

const struct rr_vtype rr_vt_text = { "text", text_parse, text_decode,
				     str_format };

/* ---- numbers ------------------------------------------------------------- */

static void fmt_dec(struct rr_buf *out, uint64_t v)
{
	char tmp[24];

	snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
	rr_buf_puts(out, tmp);
}

static enum rr_errclass u32_parse(const char *text, size_t len,
				  struct rr_buf *out, struct rr_error *err)
{
	uint64_t v;
	enum rr_errclass rc = rr_parse_dec(text, len, UINT32_MAX, &v, err);

	if (rc == RR_OK)
		rr_buf_u32(out, (uint32_t)v);
	return rc;
}

static enum rr_errclass get_u32(const uint8_t *val, size_t len, uint32_t *v,
				struct rr_error *err)
{
	struct rr_rd rd = { val, len, 0 };

	if (len != 4 || !rr_rd_u32(&rd, v))
		return rr_seterr(err, RR_E_VALUE, "need a 4-byte number");
	return RR_OK;
}

static enum rr_errclass u32_decode(const struct rr_tagdef *td,
				   const uint8_t *val, size_t len,
				   struct rr_record *r, struct rr_error *err)
{
	uint32_t v;
	enum rr_errclass rc = get_u32(val, len, &v, err);

	if (rc != RR_OK)
		return rc;
	*RR_AT(r, td->off, uint32_t) = v;
	set_flag(td, r);
	return RR_OK;
}

static void u32_format(const uint8_t *val, size_t len, struct rr_buf *out)
{
	struct rr_rd rd = { val, len, 0 };
	uint32_t v = 0;

	(void)rr_rd_u32(&rd, &v);
	fmt_dec(out, v);
}

const struct rr_vtype rr_vt_u32 = { "u32", u32_parse, u32_decode,
				    u32_format };

/* secnet's tunables are ms or counts in 1..2^31-1. */
static enum rr_errclass tunable_decode(const struct rr_tagdef *td,
				       const uint8_t *val, size_t len,
				       struct rr_record *r,
				       struct rr_error *err)
{
	uint32_t v;
	enum rr_errclass rc = get_u32(val, len, &v, err);

	if (rc != RR_OK)
		return rc;
	if (v == 0 || v > 0x7fffffff)
		return rr_seterr(err, RR_E_VALUE,
				 "%" PRIu32 " out of range 1..2147483647", v);
	*RR_AT(r, td->off, uint32_t) = v;
	return RR_OK;
}

const struct rr_vtype rr_vt_tunable = { "tunable", u32_parse,
					tunable_decode, u32_format };

static enum rr_errclass hex32_parse(const char *text, size_t len,
				    struct rr_buf *out, struct rr_error *err)
{
	uint32_t h;
	enum rr_errclass rc = rr_parse_hex32(text, len, &h, err);

	if (rc == RR_OK)
		rr_buf_u32(out, h);
	return rc;
}

static void hex32_format(const uint8_t *val, size_t len, struct rr_buf *out)
{
	rr_fmt_hex(out, val, len < 4 ? len : 4);
}

const struct rr_vtype rr_vt_hex32 = { "hex32", hex32_parse, u32_decode,
				      hex32_format };

static enum rr_errclass time_parse(const char *text, size_t len,
				   struct rr_buf *out, struct rr_error *err)
{
	uint64_t v;
	enum rr_errclass rc = rr_parse_dec(text, len, INT64_MAX, &v, err);

	if (rc == RR_OK)
		rr_buf_u64(out, v);
	return rc;
}

static enum rr_errclass time_decode(const struct rr_tagdef *td,
				    const uint8_t *val, size_t len,
				    struct rr_record *r, struct rr_error *err)
{
	struct rr_rd rd = { val, len, 0 };
	uint64_t v;

	if (len != 8 || !rr_rd_u64(&rd, &v))
		return rr_seterr(err, RR_E_VALUE, "need an 8-byte time");
	if (v > INT64_MAX)
		return rr_seterr(err, RR_E_VALUE, "time out of range");
	*RR_AT(r, td->off, uint64_t) = v;
	set_flag(td, r);
	return RR_OK;
}

static void time_format(const uint8_t *val, size_t len, struct rr_buf *out)
{
	struct rr_rd rd = { val, len, 0 };
	uint64_t v = 0;

	(void)rr_rd_u64(&rd, &v);
	fmt_dec(out, v);
}

const struct rr_vtype rr_vt_time = { "time", time_parse, time_decode,
				     time_format };

/* ---- signature ----------------------------------------------------------- */

/* sk=ALGORITHM:KEYID; binary: length-prefixed name, then the key id. */
static enum rr_errclass sk_parse(const char *text, size_t len,
				 struct rr_buf *out, struct rr_error *err)
{
	const char *colon = memchr(text, ':', len);
	size_t al;

	if (!colon || (size_t)(text + len - colon - 1) != 2 * RR_KEYID_LEN ||
	    !rr_alg_name_valid(text, (size_t)(colon - text)))
		return rr_seterr(err, RR_E_SYNTAX,
				 "need ALGORITHM:KEYID (16 hex digits)");
	al = (size_t)(colon - text);
	rr_buf_putc(out, (uint8_t)al);
	rr_buf_put(out, text, al);
	for (size_t i = 0; i < RR_KEYID_LEN; i++) {
		int hi = rr_hexval(colon[1 + 2 * i]);
		int lo = rr_hexval(colon[2 + 2 * i]);
		if (hi < 0 || lo < 0)
			return rr_seterr(err, RR_E_VALUE, "key id needs 16 "
					 "lower-case hex digits");
		rr_buf_putc(out, (uint8_t)(hi << 4 | lo));
	}
	return RR_OK;
}

static enum rr_errclass sk_decode(const struct rr_tagdef *td,
				  const uint8_t *val, size_t len,
				  struct rr_record *r, struct rr_error *err)
{
	struct rr_rd rd = { val, len, 0 };
	const struct rr_alg *alg;
	const uint8_t *p;
	size_t l;
	enum rr_errclass rc;

	rc = rr_rd_text(&rd, 1, &p, &l, err);
	if (rc != RR_OK)
		return rc;
	alg = rr_alg_find((const char *)p, l);
	if (!alg || alg->cls != RR_ALG_SIGN)
		return rr_seterr(err, RR_E_KEY,
				 "signature algorithm %.*s unknown",
				 (int)l, (const char *)p);
	if (!rr_rd_bytes(&rd, RR_KEYID_LEN, &p))
		return rr_seterr(err, RR_E_TRUNCATED, "cut short");
	if (rr_rd_left(&rd) != 0)
		return rr_seterr(err, RR_E_VALUE, "%zu trailing bytes",
				 rr_rd_left(&rd));
	r->sigalg = alg->sigalg;
	memcpy(RR_AT(r, td->off, uint8_t), p, RR_KEYID_LEN);
	set_flag(td, r);
	return RR_OK;
}

static void sk_format(const uint8_t *val, size_t len, struct rr_buf *out)
{
	struct rr_rd rd = { val, len, 0 };
	const uint8_t *p;
	size_t l;

	if (rr_rd_text(&rd, 1, &p, &l, NULL) == RR_OK &&
	    rr_rd_left(&rd) == RR_KEYID_LEN) {
		rr_buf_put(out, p, l);
		rr_buf_putc(out, ':');
		rr_fmt_hex(out, val + rd.off, RR_KEYID_LEN);
	}
}

const struct rr_vtype rr_vt_sk = { "sk", sk_parse, sk_decode, sk_format };

static enum rr_errclass sig_parse(const char *text, size_t len,
				  struct rr_buf *out, struct rr_error *err)
{
	uint8_t bin[RR_SIG_LEN];
	size_t blen = 0;
	enum rr_errclass rc = rr_b64_decode(text, len, bin, sizeof(bin),
					    &blen, err);

	if (rc == RR_OK && blen != RR_SIG_LEN)
		rc = rr_seterr(err, RR_E_VALUE,
			       "signature has %zu bytes, not %d", blen,
			       RR_SIG_LEN);
	if (rc == RR_OK)
		rr_buf_put(out, bin, blen);
	return rc;
}

static enum rr_errclass sig_decode(const struct rr_tagdef *td,
				   const uint8_t *val, size_t len,
				   struct rr_record *r, struct rr_error *err)
{
	if (len != RR_SIG_LEN)
		return rr_seterr(err, RR_E_VALUE,
				 "signature has %zu bytes, not %d", len,
				 RR_SIG_LEN);
	memcpy(RR_AT(r, td->off, uint8_t), val, RR_SIG_LEN);
	set_flag(td, r);
	return RR_OK;
}

static void b64_format(const uint8_t *val, size_t len, struct rr_buf *out)
{
	rr_b64_encode(out, val, len);
}

const struct rr_vtype rr_vt_sig = { "sig", sig_parse, sig_decode,
				    b64_format };
