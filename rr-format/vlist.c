/*
 * vlist.c - value types holding addresses and lists: ptp=, nets=, ep=,
 * keys=, rk= and pages=.
 *
 * Text and binary forms are checked by one rule set (a binary item is
 * formatted and parsed again as text where the text rules are the finer
 * ones).  Decoders build the list on the stack, then store exactly its
 * items in the record's arena at the tag row's offset (td->off) with the
 * count at td->aux; key data and page hashes point into the record's
 * copy of the value.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum rr_errclass rr_each_item(const char *text, size_t len, size_t max,
				  rr_item_fn fn, struct rr_buf *out,
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
				 "mobile must come first, before any endpoint");
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
		rc = rr_rd_text(rd, 1, &p, &hl, err);
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



/*
 * Formats a value that rr_field_append has already validated, straight
 * from its bytes: the readers below cannot fail on such a value, so their
 * results are not checked again.
 */
static void fmt_nets(const uint8_t *val, size_t len, struct rr_buf *out)
{
	struct rr_rd rdata = { val, len, 0 }, *rd = &rdata;
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

static void fmt_eps(const uint8_t *val, size_t len, struct rr_buf *out)
{
	struct rr_rd rdata = { val, len, 0 }, *rd = &rdata;
	struct rr_endpoint e;
	char s[RR_ENDPOINTSTRLEN];

	bool sep = false;

	if (rd->len >= 1 && rd->p[0] == 0) {
		rr_buf_puts(out, "mobile");
		rd->off = 1;
		sep = true;
	}
	while (rr_rd_left(rd) > 0) {
		if (get_endpoint(rd, &e, NULL) != RR_OK)
			return;
		if (sep)
			rr_buf_putc(out, ',');
		sep = true;
		rr_endpoint_format(&e, s);
		rr_buf_puts(out, s);
	}
}

/* ---- decoding into the record ------------------------------------------- */

enum rr_errclass rr_store_list(const struct rr_tagdef *td,
				   struct rr_record *r, const void *tmp,
				   size_t n, size_t size, size_t align,
				   struct rr_error *err)
{
	void *p = rr_arena_alloc(r, n * size, align);

	if (!p)
		return rr_seterr(err, RR_E_NOMEM, "out of memory");
	memcpy(p, tmp, n * size);
	*RR_AT(r, td->off, const void *) = p;
	*RR_AT(r, td->aux, size_t) = n;
	return RR_OK;
}

static enum rr_errclass no_trailing(const struct rr_rd *rd,
				    struct rr_error *err)
{
	if (rr_rd_left(rd) != 0)
		return rr_seterr(err, RR_E_VALUE, "%zu trailing bytes",
				 rr_rd_left(rd));
	return RR_OK;
}

/* ---- ptp= ---------------------------------------------------------------- */

static enum rr_errclass addr_parse(const char *text, size_t len,
				   struct rr_buf *out, struct rr_error *err)
{
	char tmp[RR_ADDRSTRLEN + 1];
	struct rr_addr a;
	enum rr_errclass rc;

	if (len >= sizeof(tmp))
		return rr_seterr(err, RR_E_LIMIT, "value too long (%zu bytes)",
				 len);
	memcpy(tmp, text, len);
	tmp[len] = '\0';
	rc = rr_addr_parse(tmp, &a, err);
	if (rc == RR_OK)
		put_addr(out, &a);
	return rc;
}

static enum rr_errclass addr_decode(const struct rr_tagdef *td,
				    const uint8_t *val, size_t len,
				    struct rr_record *r, struct rr_error *err)
{
	struct rr_rd rd = { val, len, 0 };
	struct rr_addr a;
	enum rr_errclass rc = get_addr(&rd, &a, err);

	if (rc == RR_OK)
		rc = no_trailing(&rd, err);
	if (rc != RR_OK)
		return rc;
	*RR_AT(r, td->off, struct rr_addr) = a;
	*RR_AT(r, td->aux, bool) = true;
	return RR_OK;
}

static void addr_format(const uint8_t *val, size_t len, struct rr_buf *out)
{
	struct rr_rd rd = { val, len, 0 };
	struct rr_addr a;
	char s[RR_ADDRSTRLEN];

	if (get_addr(&rd, &a, NULL) == RR_OK) {
		rr_addr_format(&a, s);
		rr_buf_puts(out, s);
	}
}

const struct rr_vtype rr_vt_addr = { "addr", addr_parse, addr_decode,
				     addr_format };

/* ---- nets= --------------------------------------------------------------- */

static enum rr_errclass nets_parse(const char *text, size_t len,
				   struct rr_buf *out, struct rr_error *err)
{
	return rr_each_item(text, len, RR_MAX_NETS, net_item, out, err);
}

static enum rr_errclass nets_decode(const struct rr_tagdef *td,
				    const uint8_t *val, size_t len,
				    struct rr_record *r, struct rr_error *err)
{
	struct rr_rd rd = { val, len, 0 };
	struct rr_prefix tmp[RR_MAX_NETS];
	size_t n = 0;
	enum rr_errclass rc;

	if (len == 0)
		return rr_seterr(err, RR_E_VALUE, "empty list");
	while (rr_rd_left(&rd) > 0) {
		if (n >= RR_MAX_NETS)
			return rr_seterr(err, RR_E_LIMIT,
					 "more than %d prefixes", RR_MAX_NETS);
		rc = get_prefix(&rd, &tmp[n], err);
		if (rc != RR_OK)
			return rc;
		n++;
	}
	return RR_STORE_LIST(td, r, tmp, n, err);
}

const struct rr_vtype rr_vt_nets = { "nets", nets_parse, nets_decode,
				     fmt_nets };

/* ---- ep= ----------------------------------------------------------------- */

static enum rr_errclass eps_parse(const char *text, size_t len,
				  struct rr_buf *out, struct rr_error *err)
{
	/* "mobile" may lead the list: a mobile site that also names where
	 * it was last seen (make-secnet-sites keeps both; peers try the
	 * address).  Its byte 0 cannot start an endpoint. */
	if (len >= 6 && memcmp(text, "mobile", 6) == 0 &&
	    (len == 6 || text[6] == ',')) {
		rr_buf_putc(out, 0);
		if (len == 6)
			return RR_OK;
		text += 7;
		len -= 7;
	}
	return rr_each_item(text, len, RR_MAX_ENDPOINTS, ep_item, out, err);
}

static enum rr_errclass eps_decode(const struct rr_tagdef *td,
				   const uint8_t *val, size_t len,
				   struct rr_record *r, struct rr_error *err)
{
	struct rr_rd rd = { val, len, 0 };
	struct rr_endpoint tmp[RR_MAX_ENDPOINTS];
	size_t n = 0;
	enum rr_errclass rc;

	if (len >= 1 && val[0] == 0) {
		r->mobile = true;
		if (len == 1)
			return RR_OK;
		rd.off = 1;
	}
	if (len == 0)
		return rr_seterr(err, RR_E_VALUE, "empty list");
	while (rr_rd_left(&rd) > 0) {
		if (n >= RR_MAX_ENDPOINTS)
			return rr_seterr(err, RR_E_LIMIT,
					 "more than %d endpoints",
					 RR_MAX_ENDPOINTS);
		rc = get_endpoint(&rd, &tmp[n], err);
		if (rc != RR_OK)
			return rc;
		n++;
	}
	return RR_STORE_LIST(td, r, tmp, n, err);
}

const struct rr_vtype rr_vt_eps = { "eps", eps_parse, eps_decode, fmt_eps };

/* ---- pages= -------------------------------------------------------------- */

static enum rr_errclass hashes_parse(const char *text, size_t len,
				     struct rr_buf *out, struct rr_error *err)
{
	size_t max = RR_MAX_PAGES * RR_HASH_LEN + 3, blen = 0;
	uint8_t *hb;
	enum rr_errclass rc;

	if (len == 0)
		return RR_OK;
	hb = malloc(max);
	if (!hb)
		return rr_seterr(err, RR_E_NOMEM, "out of memory");
	rc = rr_b64_decode(text, len, hb, max, &blen, err);
	if (rc == RR_OK && (blen % RR_HASH_LEN != 0 ||
			    blen / RR_HASH_LEN > RR_MAX_PAGES))
		rc = rr_seterr(err, blen % RR_HASH_LEN ? RR_E_VALUE
			       : RR_E_LIMIT, "%zu bytes is not 1 to %d page "
			       "hashes of %d bytes", blen, RR_MAX_PAGES,
			       RR_HASH_LEN);
	if (rc == RR_OK)
		rr_buf_put(out, hb, blen);
	free(hb);
	return rc;
}

static enum rr_errclass hashes_decode(const struct rr_tagdef *td,
				      const uint8_t *val, size_t len,
				      struct rr_record *r,
				      struct rr_error *err)
{
	if (len % RR_HASH_LEN != 0)
		return rr_seterr(err, RR_E_VALUE,
				 "%zu bytes is not a list of %d-byte hashes",
				 len, RR_HASH_LEN);
	if (len / RR_HASH_LEN > RR_MAX_PAGES)
		return rr_seterr(err, RR_E_LIMIT, "more than %d pages",
				 RR_MAX_PAGES);
	/* The hashes are the value itself. */
	*RR_AT(r, td->off, const void *) = len ? val : NULL;
	*RR_AT(r, td->aux, size_t) = len / RR_HASH_LEN;
	return RR_OK;
}

static void hashes_format(const uint8_t *val, size_t len, struct rr_buf *out)
{
	rr_b64_encode(out, val, len);
}

const struct rr_vtype rr_vt_hashes = { "hashes", hashes_parse, hashes_decode,
				       hashes_format };
