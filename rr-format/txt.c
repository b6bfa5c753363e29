/*
 * txt.c - the TXT presentation: "v=vpnrr1; k=site; tag=value; ...; sig=..."
 * carried in one TXT RR whose character-strings are simply concatenated.
 * Where the strings were split carries no meaning (DNS panels split at
 * arbitrary points), but a record that stops early is reported as
 * truncated, since panels and resolvers do cut long TXT data.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bool is_wsp(char c) { return c == ' ' || c == '\t'; }

/* Adds hints for a record that looks cut off. */
static enum rr_errclass truncated(struct rr_error *err, size_t len)
{
	char why[sizeof(err->msg)];

	memcpy(why, err->msg, sizeof(why));
	return rr_seterr(err, RR_E_TRUNCATED,
			 "%s; the record looks truncated after %zu bytes%s",
			 why, len,
			 len == RR_MAX_STRING
				 ? " (exactly one 255-byte string: was it cut "
				   "by a DNS panel?)" : "");
}

static bool looks_cut(enum rr_errclass rc)
{
	return rc == RR_E_SYNTAX || rc == RR_E_VALUE || rc == RR_E_TRUNCATED ||
	       rc == RR_E_CANONICAL || rc == RR_E_KEY;
}

static enum rr_errclass parse_tag(const char *text, size_t len, size_t *pos,
				  struct rr_record *out, bool first,
				  bool *value_failed, struct rr_error *err)
{
	const char *tag = text + *pos, *eq, *end;
	size_t rest = len - *pos, tl, vl;
	struct rr_buf b = { 0 };
	char name[RR_MAX_TAG + 1];
	enum rr_errclass rc;

	end = memchr(tag, ';', rest);
	if (!end)
		end = text + len;
	eq = memchr(tag, '=', (size_t)(end - tag));
	*value_failed = end == text + len;
	if (!eq)
		return rr_seterr(err, end == text + len ? RR_E_TRUNCATED
				 : RR_E_SYNTAX,
				 "byte %zu: \"%.*s\" has no '='", *pos,
				 (int)((end - tag) > 32 ? 32 : (end - tag)), tag);
	*value_failed = false;
	tl = (size_t)(eq - tag);
	vl = (size_t)(end - eq - 1);
	*pos = (size_t)(end - text);
	if (first) {
		if (tl != 1 || tag[0] != 'v')
			return rr_seterr(err, RR_E_VERSION,
					 "record must start with v=%s",
					 RR_VERSION_TAG);
		if (vl != strlen(RR_VERSION_TAG) ||
		    memcmp(eq + 1, RR_VERSION_TAG, vl) != 0)
			return rr_seterr(err, RR_E_VERSION,
					 "tag v: version \"%.*s\" unsupported "
					 "(want %s)", (int)(vl > 32 ? 32 : vl),
					 eq + 1, RR_VERSION_TAG);
		return RR_OK;
	}
	if (tl == 1 && tag[0] == 'v')
		return rr_seterr(err, RR_E_DUPLICATE,
				 "tag v: appears more than once");
	if (!rr_tag_valid(tag, tl))
		return rr_seterr(err, tl > RR_MAX_TAG ? RR_E_LIMIT : RR_E_SYNTAX,
				 "byte %zu: bad tag name \"%.*s\"",
				 (size_t)(tag - text), (int)(tl > 40 ? 40 : tl),
				 tag);
	memcpy(name, tag, tl);
	name[tl] = '\0';
	rc = rr_value_parse(rr_tagdef_find(name), eq + 1, vl, &b, err);
	if (rc == RR_OK && b.oom)
		rc = rr_seterr(err, RR_E_NOMEM, "out of memory");
	if (rc != RR_OK) {
		*value_failed = true;
		rr_errprefix(err, "tag %s", name);
		goto out;
	}
	rc = rr_field_append(out, tag, tl, b.p ? b.p : (const uint8_t *)"",
			     b.len, err);
out:
	rr_buf_free(&b);
	return rc;
}

/*
 * Records that stop early are called truncated, with the reason, because
 * the usual cause is a panel or resolver that cut long TXT data: a value
 * that fails where the text ends, required tags missing from an unsigned
 * text, or sk= without its sig=.  Nothing here depends on the text's
 * length or spacing, so every presentation of a record is classed alike;
 * a complete record that merely lacks sk= and sig= is left to rr_verify.
 */
static bool looks_truncated(const struct rr_record *r, enum rr_errclass rc,
			    bool tail_value_failed, bool parsed)
{
	if (tail_value_failed)
		return looks_cut(rc);
	if (!parsed)
		return false;
	if (rc == RR_E_MISSING && !r->has_sig)
		return true;
	return rc == RR_E_UNSIGNED && r->has_sk && !r->has_sig;
}

enum rr_errclass rr_parse_txt_joined(const char *text, size_t len,
				     struct rr_record *out,
				     struct rr_error *err)
{
	size_t pos = 0;
	bool first = true, value_failed = false;
	enum rr_errclass rc = RR_OK;

	rr_record_init(out, (enum rr_kind)0);
	if (len > RR_MAX_RDATA)
		return rr_seterr(err, RR_E_LIMIT,
				 "record of %zu bytes exceeds %d", len,
				 RR_MAX_RDATA);
	if (len == 0)
		return rr_seterr(err, RR_E_VERSION, "empty record");
	while (pos < len) {
		if (!first) {
			pos++; /* the ';' */
			while (pos < len && is_wsp(text[pos]))
				pos++;
			if (pos == len)
				break; /* a trailing ';' is allowed */
		}
		rc = parse_tag(text, len, &pos, out, first, &value_failed, err);
		if (rc != RR_OK)
			break;
		first = false;
	}
	bool parsed = rc == RR_OK;
	if (parsed)
		rc = rr_record_finish(out, err);
	if (looks_truncated(out, rc, value_failed && pos >= len, parsed))
		rc = truncated(err, len);
	if (rc != RR_OK) {
		rr_record_free(out);
		rr_record_init(out, (enum rr_kind)0);
	} else {
		rr_record_compact(out);
	}
	return rc;
}

enum rr_errclass rr_parse_txt(const uint8_t *const *strings,
			      const size_t *lens, size_t nstrings,
			      struct rr_record *out, struct rr_error *err)
{
	struct rr_buf b = { 0 };
	enum rr_errclass rc;
	size_t total = 0;

	rr_record_empty(out);
	for (size_t i = 0; i < nstrings; i++) {
		if (lens[i] > RR_MAX_STRING)
			return rr_seterr(err, RR_E_LIMIT,
					 "string %zu has %zu bytes (at most %d)",
					 i + 1, lens[i], RR_MAX_STRING);
		total += lens[i];
		if (total > RR_MAX_RDATA)
			return rr_seterr(err, RR_E_LIMIT,
					 "record exceeds %d bytes",
					 RR_MAX_RDATA);
	}
	for (size_t i = 0; i < nstrings; i++)
		rr_buf_put(&b, strings[i], lens[i]);
	if (b.oom) {
		rr_buf_free(&b);
		return rr_seterr(err, RR_E_NOMEM, "out of memory");
	}
	rc = rr_parse_txt_joined(b.p ? (const char *)b.p : "", b.len, out, err);
	rr_buf_free(&b);
	return rc;
}

enum rr_errclass rr_format_txt(const struct rr_record *r, char **out,
			       size_t *outlen, struct rr_error *err)
{
	struct rr_buf b = { 0 };
	enum rr_errclass rc = RR_OK;

	rr_buf_puts(&b, "v=" RR_VERSION_TAG);
	for (size_t i = 0; i < r->nfields && rc == RR_OK; i++) {
		const struct rr_field *f = &r->fields[i];
		rr_buf_puts(&b, "; ");
		rr_buf_puts(&b, f->tag);
		rr_buf_putc(&b, '=');
		rc = rr_value_format(f->known ? rr_tagdef_find(f->tag) : NULL,
				     f->val, f->len, &b, err);
		if (rc != RR_OK)
			rr_errprefix(err, "tag %s", f->tag);
	}
	rr_buf_cstr(&b);
	if (rc == RR_OK && b.oom)
		rc = rr_seterr(err, RR_E_NOMEM, "out of memory");
	if (rc == RR_OK && b.len > RR_MAX_RDATA)
		rc = rr_seterr(err, RR_E_LIMIT,
			       "TXT record of %zu bytes exceeds %d", b.len,
			       RR_MAX_RDATA);
	if (rc != RR_OK) {
		rr_buf_free(&b);
		return rc;
	}
	*out = (char *)b.p;
	*outlen = b.len;
	return RR_OK;
}

enum rr_errclass rr_encode_txt_rdata(const struct rr_record *r, uint8_t **out,
				     size_t *outlen, struct rr_error *err)
{
	struct rr_buf b = { 0 };
	char *text = NULL;
	size_t len = 0;
	enum rr_errclass rc;

	rc = rr_format_txt(r, &text, &len, err);
	if (rc != RR_OK)
		return rc;
	for (size_t off = 0; off < len; off += RR_MAX_STRING) {
		size_t n = len - off < RR_MAX_STRING ? len - off : RR_MAX_STRING;
		rr_buf_putc(&b, (uint8_t)n);
		rr_buf_put(&b, text + off, n);
	}
	free(text);
	if (b.oom || b.len > RR_MAX_RDATA + RR_MAX_RDATA / RR_MAX_STRING + 1) {
		rr_buf_free(&b);
		return rr_seterr(err, b.oom ? RR_E_NOMEM : RR_E_LIMIT,
				 "TXT RDATA too large");
	}
	*out = b.p;
	*outlen = b.len;
	return RR_OK;
}

enum rr_errclass rr_parse_txt_rdata(const uint8_t *rdata, size_t len,
				    struct rr_record *out,
				    struct rr_error *err)
{
	/* 64 full strings hold a maximal record; allow empty ones too. */
	const uint8_t *strs[1024];
	size_t lens[sizeof(strs) / sizeof(strs[0])];
	struct rr_rd rd = { rdata, len, 0 };
	size_t n = 0;
	uint8_t l;

	rr_record_empty(out);
	if (len > RR_MAX_RDATA + RR_MAX_RDATA / RR_MAX_STRING + 1)
		return rr_seterr(err, RR_E_LIMIT, "TXT RDATA of %zu bytes "
				 "exceeds the record size limit", len);
	while (rr_rd_left(&rd) > 0) {
		if (n >= sizeof(strs) / sizeof(strs[0]))
			return rr_seterr(err, RR_E_LIMIT, "too many strings");
		if (!rr_rd_u8(&rd, &l) || !rr_rd_bytes(&rd, l, &strs[n]))
			return rr_seterr(err, RR_E_TRUNCATED,
					 "TXT string %zu runs past the end of "
					 "the RDATA", n + 1);
		lens[n++] = l;
	}
	return rr_parse_txt(strs, lens, n, out, err);
}
