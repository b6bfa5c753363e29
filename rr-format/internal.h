/* internal.h - helpers shared by the rr-format sources only. */
#ifndef VPNRR_RR_INTERNAL_H
#define VPNRR_RR_INTERNAL_H

#include "rr.h"

/* Growable output buffer; a failed allocation sticks in ->oom so callers
 * check once at the end. */
struct rr_buf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};

void rr_buf_put(struct rr_buf *b, const void *data, size_t len);
void rr_buf_putc(struct rr_buf *b, uint8_t c);
void rr_buf_puts(struct rr_buf *b, const char *s);
void rr_buf_u16(struct rr_buf *b, uint16_t v);
void rr_buf_u32(struct rr_buf *b, uint32_t v);
void rr_buf_u64(struct rr_buf *b, uint64_t v);
void rr_buf_free(struct rr_buf *b);
/* NUL-terminates without counting the NUL in ->len. */
void rr_buf_cstr(struct rr_buf *b);

/* Bounds-checked reader over untrusted bytes. */
struct rr_rd {
	const uint8_t *p;
	size_t len, off;
};
bool rr_rd_u8(struct rr_rd *r, uint8_t *v);
bool rr_rd_u16(struct rr_rd *r, uint16_t *v);
bool rr_rd_u32(struct rr_rd *r, uint32_t *v);
bool rr_rd_u64(struct rr_rd *r, uint64_t *v);
bool rr_rd_bytes(struct rr_rd *r, size_t n, const uint8_t **v);
static inline size_t rr_rd_left(const struct rr_rd *r) { return r->len - r->off; }

/* Value types of the known tags (SPEC.md, "Tags"). */
enum rr_vtype {
	RR_VT_KIND,
	RR_VT_NAME,     /* vpn */
	RR_VT_SITENAME, /* location/site */
	RR_VT_DNSNAME,  /* at */
	RR_VT_TEXT,     /* contact, dh, hash, and every unknown tag */
	RR_VT_U32,      /* s, n, tunables */
	RR_VT_HEX32,    /* ks */
	RR_VT_TIME,     /* t, x */
	RR_VT_NETS,
	RR_VT_ADDR,     /* ptp */
	RR_VT_EPS,
	RR_VT_TKEYS,    /* keys */
	RR_VT_RKEYS,    /* rk */
	RR_VT_HASHES,   /* pages */
	RR_VT_SK,
	RR_VT_SIG,
};

#define RR_KBIT(k) (1u << (k))

struct rr_tagdef {
	const char *name;
	enum rr_vtype type;
	unsigned allowed;  /* RR_KBIT of the kinds it belongs to */
	unsigned required; /* RR_KBIT of the kinds that need it */
};

/* NULL for tags this implementation does not know. */
const struct rr_tagdef *rr_tagdef_find(const char *tag);
const struct rr_tagdef *rr_tagdef_at(size_t i); /* NULL past the end */

/* Tag name syntax: optional '!', then [a-z][a-z0-9-]*, at most RR_MAX_TAG. */
bool rr_tag_valid(const char *tag, size_t len);

/* Presentation value -> binary value, rejecting non-canonical text. */
enum rr_errclass rr_value_parse(const struct rr_tagdef *td, const char *text,
				size_t len, struct rr_buf *out,
				struct rr_error *err);
/* Binary value -> presentation value (appended to OUT). */
enum rr_errclass rr_value_format(const struct rr_tagdef *td,
				 const uint8_t *val, size_t len,
				 struct rr_buf *out, struct rr_error *err);
/* Validates a binary value and fills the record's decoded view. */
enum rr_errclass rr_value_decode(const struct rr_tagdef *td,
				 const uint8_t *val, size_t len,
				 struct rr_record *r, struct rr_error *err);
/* Text values (unknown tags and RR_VT_TEXT): printable ASCII without ';',
 * no leading or trailing space. */
enum rr_errclass rr_text_check(const char *text, size_t len, bool allow_empty,
			       struct rr_error *err);

/* Appends a field whose value is already in binary form: checks the tag,
 * order, duplicates and limits, and decodes known values into the view. */
enum rr_errclass rr_field_append(struct rr_record *r, const char *tag,
				 size_t taglen, const uint8_t *val, size_t len,
				 struct rr_error *err);
/* Leaves R safe to pass to rr_record_free, without the cost of
 * rr_record_init: for wrappers whose callee initialises R fully. */
void rr_record_empty(struct rr_record *r);
/* After the last field: required tags present, validity period sane. */
enum rr_errclass rr_record_finish(struct rr_record *r, struct rr_error *err);

/* Binary encoding of the record; WITH_SIG false gives the bytes that are
 * signed (after the canonical prefix). */
enum rr_errclass rr_encode_fields(const struct rr_record *r, bool with_sig,
				  struct rr_buf *out, struct rr_error *err);

/* base64 (RFC 4648, padded) through libsodium; decode is strict and
 * canonical (re-encoding gives the same text). */
enum rr_errclass rr_b64_decode(const char *text, size_t len, uint8_t *out,
			       size_t max, size_t *outlen,
			       struct rr_error *err);
void rr_b64_encode(struct rr_buf *out, const uint8_t *data, size_t len);

void rr_keyid(const uint8_t *key, size_t len, uint8_t id[RR_KEYID_LEN]);

#define RR_BINARY_VERSION 1

#endif
