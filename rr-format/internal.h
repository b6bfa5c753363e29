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

/* ---- the record's memory (arena.c) ------------------------------------- */

/* SIZE bytes aligned for ALIGN (a power of two) from R's arena, freed
 * with the record; NULL when out of memory. */
void *rr_arena_alloc(struct rr_record *r, size_t size, size_t align);
/* LEN bytes of P copied into the arena with a NUL after them. */
char *rr_arena_strdup(struct rr_record *r, const void *p, size_t len);
#define RR_ARENA_NEW(r, type, n) \
	((type *)rr_arena_alloc((r), sizeof(type) * (n), _Alignof(type)))
/* Plans for about BYTES of arena and NFIELDS fields, so a record built
 * to a known size sits in one block.  Best effort: never fails. */
void rr_record_reserve(struct rr_record *r, size_t nfields, size_t bytes);
void rr_arena_free(struct rr_record *r);
/* Bytes of the arena in use. */
size_t rr_arena_used(const struct rr_record *r);
/* Rebuilds R in one block when it spread over several (a parser's last
 * step): the record then costs what it holds. */
void rr_record_compact(struct rr_record *r);

/* ---- value types (vscalar.c, vlist.c) ----------------------------------- */

struct rr_tagdef;

/* How one kind of value is written, read and stored.  PARSE turns
 * presentation text into the binary form, rejecting non-canonical text;
 * DECODE validates a binary value and stores it in the record at the
 * tag's offset; FORMAT writes a value DECODE has accepted. */
struct rr_vtype {
	const char *name;
	enum rr_errclass (*parse)(const char *text, size_t len,
				  struct rr_buf *out, struct rr_error *err);
	enum rr_errclass (*decode)(const struct rr_tagdef *td,
				   const uint8_t *val, size_t len,
				   struct rr_record *r, struct rr_error *err);
	void (*format)(const uint8_t *val, size_t len, struct rr_buf *out);
};

extern const struct rr_vtype rr_vt_kind, rr_vt_name, rr_vt_sitename,
	rr_vt_dnsname, rr_vt_text, rr_vt_u32, rr_vt_tunable, rr_vt_hex32,
	rr_vt_time, rr_vt_addr, rr_vt_sk, rr_vt_sig, rr_vt_nets, rr_vt_eps,
	rr_vt_tkeys, rr_vt_rkeys, rr_vt_akey, rr_vt_hashes;
/* Tags added later (vtext.c): the binary value is the text (SPEC 13.1). */
extern const struct rr_vtype rr_vt_tnets, rr_vt_wg;

/* Splits a comma-separated list; calls FN on each item (never empty),
 * at most MAX of them. */
typedef enum rr_errclass (*rr_item_fn)(const char *item, size_t len,
				       struct rr_buf *out, size_t index,
				       struct rr_error *err);
enum rr_errclass rr_each_item(const char *text, size_t len, size_t max,
			      rr_item_fn fn, struct rr_buf *out,
			      struct rr_error *err);
/* Stores N items of SIZE bytes from TMP in R's arena and points the
 * row's member (td->off) at them, with the count at td->aux. */
enum rr_errclass rr_store_list(const struct rr_tagdef *td,
			       struct rr_record *r, const void *tmp, size_t n,
			       size_t size, size_t align,
			       struct rr_error *err);
#define RR_STORE_LIST(td, r, tmp, n, err) \
	rr_store_list((td), (r), (tmp), (n), sizeof((tmp)[0]), \
		      _Alignof(__typeof__((tmp)[0])), (err))

/* ---- the tag table (tags.c) --------------------------------------------- */

#define RR_KBIT(k) (1u << (k))
#define RR_NOWHERE ((size_t)-1)

/*
 * A known tag: its value type, the kinds it belongs to and where its
 * decoded value lives.  OFF is the offset of its member in struct
 * rr_record (a scalar, a string pointer or an array pointer); AUX is the
 * offset of a companion: the count of an array, or the bool saying the
 * value is present.  Adding a tag is one row here (plus its member).
 */
struct rr_tagdef {
	const char *name;
	const struct rr_vtype *type;
	unsigned allowed;  /* RR_KBIT of the kinds it belongs to */
	unsigned required; /* RR_KBIT of the kinds that need it */
	size_t off, aux;   /* RR_NOWHERE when there is none */
};

/* NULL for tags this implementation does not know. */
const struct rr_tagdef *rr_tagdef_find(const char *tag);
const struct rr_tagdef *rr_tagdef_at(size_t i); /* NULL past the end */

/* The member at OFF in R, as TYPE. */
#define RR_AT(r, off, type) ((type *)(void *)((char *)(r) + (off)))

/* Tag name syntax: optional '!', then [a-z][a-z0-9-]*, at most RR_MAX_TAG. */
bool rr_tag_valid(const char *tag, size_t len);

/* Presentation value -> binary value (TD NULL: an unknown tag's text). */
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

/* ---- shared value helpers (names.c) ------------------------------------- */

/* Text values (unknown tags and text tags): printable ASCII without ';',
 * no leading or trailing space. */
enum rr_errclass rr_text_check(const char *text, size_t len, bool allow_empty,
			       struct rr_error *err);
enum rr_errclass rr_dnsname_check(const char *s, size_t len,
				  struct rr_error *err);
/* Decimal without sign or leading zeros, at most MAX. */
enum rr_errclass rr_parse_dec(const char *s, size_t len, uint64_t max,
			      uint64_t *out, struct rr_error *err);
/* Exactly 8 lower-case hex digits. */
enum rr_errclass rr_parse_hex32(const char *s, size_t len, uint32_t *out,
				struct rr_error *err);
int rr_hexval(char c);
void rr_fmt_hex(struct rr_buf *out, const uint8_t *p, size_t n);
/* A length-prefixed (LENBYTES 1 or 2) byte string. */
enum rr_errclass rr_rd_text(struct rr_rd *rd, size_t lenbytes,
			    const uint8_t **p, size_t *len,
			    struct rr_error *err);

/* Appends a field whose value is already in binary form: checks the tag,
 * order, duplicates and limits, and decodes known values into the view. */
enum rr_errclass rr_field_append(struct rr_record *r, const char *tag,
				 size_t taglen, const uint8_t *val, size_t len,
				 struct rr_error *err);
/* Leaves R empty (no fields, strings "") without adding k=: for
 * wrappers that may fail before their callee initialises R. */
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
