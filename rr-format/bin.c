/* bin.c - the binary encoding carried in RR type RR_TYPE_VPNRR. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum rr_errclass rr_encode_fields(const struct rr_record *r, bool with_sig,
				  struct rr_buf *out, struct rr_error *err)
{
	rr_buf_putc(out, RR_BINARY_VERSION);
	for (size_t i = 0; i < r->nfields; i++) {
		const struct rr_field *f = &r->fields[i];
		size_t tl = strlen(f->tag);
		if (!with_sig && strcmp(f->tag, "sig") == 0)
			continue;
		if (f->len > UINT16_MAX)
			return rr_seterr(err, RR_E_LIMIT,
					 "tag %s: value too long", f->tag);
		rr_buf_putc(out, (uint8_t)tl);
		rr_buf_put(out, f->tag, tl);
		rr_buf_u16(out, (uint16_t)f->len);
		rr_buf_put(out, f->val, f->len);
	}
	if (out->oom)
		return rr_seterr(err, RR_E_NOMEM, "out of memory");
	return RR_OK;
}

enum rr_errclass rr_encode_bin(const struct rr_record *r, uint8_t **out,
			       size_t *outlen, struct rr_error *err)
{
	struct rr_buf b = { 0 };
	enum rr_errclass rc;

	rc = rr_encode_fields(r, true, &b, err);
	if (rc == RR_OK && b.len > RR_MAX_RDATA)
		rc = rr_seterr(err, RR_E_LIMIT,
			       "binary record of %zu bytes exceeds %d", b.len,
			       RR_MAX_RDATA);
	if (rc != RR_OK) {
		rr_buf_free(&b);
		return rc;
	}
	*out = b.p;
	*outlen = b.len;
	return RR_OK;
}

/* Both encodings must carry every record: one whose TXT form would be
 * over the limit is refused here too. */
static enum rr_errclass check_txt_size(const struct rr_record *r,
				       struct rr_error *err)
{
	char *txt = NULL;
	size_t len = 0;
	enum rr_errclass rc = rr_format_txt(r, &txt, &len, err);

	free(txt);
	return rc;
}

enum rr_errclass rr_parse_bin(const uint8_t *rdata, size_t len,
			      struct rr_record *out, struct rr_error *err)
{
	struct rr_rd rd = { rdata, len, 0 };
	const uint8_t *tag, *val;
	uint8_t ver, tl;
	uint16_t vl;
	enum rr_errclass rc = RR_OK;

	rr_record_init(out, (enum rr_kind)0);
	if (len > RR_MAX_RDATA)
		return rr_seterr(err, RR_E_LIMIT,
				 "binary record of %zu bytes exceeds %d", len,
				 RR_MAX_RDATA);
	if (!rr_rd_u8(&rd, &ver))
		return rr_seterr(err, RR_E_TRUNCATED, "empty record");
	if (ver != RR_BINARY_VERSION)
		return rr_seterr(err, RR_E_VERSION,
				 "binary version %u unsupported (want %d)", ver,
				 RR_BINARY_VERSION);
	while (rr_rd_left(&rd) > 0) {
		size_t at = rd.off;
		if (!rr_rd_u8(&rd, &tl) || !rr_rd_bytes(&rd, tl, &tag) ||
		    !rr_rd_u16(&rd, &vl) || !rr_rd_bytes(&rd, vl, &val)) {
			rc = rr_seterr(err, RR_E_TRUNCATED,
				       "field at byte %zu runs past the end "
				       "of the record", at);
			goto out;
		}
		rc = rr_field_append(out, (const char *)tag, tl, val, vl, err);
		if (rc != RR_OK)
			goto out;
	}
	rc = rr_record_finish(out, err);
	if (rc == RR_OK)
		rc = check_txt_size(out, err);
	if (rc == RR_OK)
		rr_record_compact(out);
out:
	if (rc != RR_OK) {
		rr_record_free(out);
		rr_record_init(out, (enum rr_kind)0);
	}
	return rc;
}
