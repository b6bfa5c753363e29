/*
 * rr.h - the vpnrr record format: model, encodings, canonical form,
 * signatures, keys, addresses and limits.
 *
 * Everything that touches record bytes lives behind this header; the
 * publisher and the fetcher only see the model.  rr-format/SPEC.md is the
 * normative description; this header follows it.
 */
#ifndef VPNRR_RR_H
#define VPNRR_RR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RR_VERSION_TAG "vpnrr1"

/* Private-use RR type (RFC 6895 range 65280-65534) for the binary form. */
#define RR_TYPE_VPNRR 65380

/* Hard limits; a record that exceeds any of them is rejected. */
#define RR_MAX_RDATA 16384     /* bytes of RDATA, either encoding */
#define RR_MAX_STRING 255      /* bytes per TXT character-string */
#define RR_MAX_FIELDS 64       /* tags per record */
#define RR_MAX_TAG 32          /* bytes in a tag name, '!' included */
#define RR_MAX_KEYS 16         /* keys per key set or signing-key list */
#define RR_MAX_KEYDATA 4096    /* bytes of one transport key's data */
#define RR_MAX_ALG 32          /* bytes in an algorithm name */
#define RR_MAX_NETS 64         /* prefixes per network list */
#define RR_MAX_ENDPOINTS 8     /* endpoints per site */
#define RR_MAX_NAME 253        /* DNS names, presentation form */
#define RR_MAX_NAMECOMP 63     /* a VPN, location or site name */
/* Buffers for names, NUL included: a component, "location/site", and
 * "vpn/location/site".  Every part of both tools sizes them from here. */
#define RR_NAMELEN (RR_MAX_NAMECOMP + 1)
#define RR_SITENAMELEN (2 * RR_MAX_NAMECOMP + 2)
#define RR_FULLNAMELEN (3 * RR_MAX_NAMECOMP + 3)
#define RR_MAX_TEXT 1024       /* bytes of a free-text value */
#define RR_MAX_PAGES 256       /* page hashes in one head */
#define RR_MAX_PAGE_MEMBERS 64 /* member entries in one page RRset */

#define RR_HASH_LEN 32   /* SHA-256 */
#define RR_KEYID_LEN 8   /* leading bytes of SHA-256(public key) */
#define RR_SIG_LEN 64    /* Ed25519 */
#define RR_PUBKEY_LEN 32 /* Ed25519 and X25519 */

/* ---- errors ------------------------------------------------------------ */

/* Error classes: stable names (rr_errclass_name) are used by the test
 * vectors and by --json output. */
enum rr_errclass {
	RR_OK = 0,
	RR_E_SYNTAX,    /* malformed presentation or wire bytes */
	RR_E_TRUNCATED, /* data ends early (short base64, cut wire data) */
	RR_E_LIMIT,     /* a hard limit is exceeded */
	RR_E_VERSION,   /* missing or unsupported v= */
	RR_E_DUPLICATE, /* a tag appears twice */
	RR_E_MISSING,   /* a required tag is absent */
	RR_E_UNEXPECTED,/* a known tag that does not belong to this kind */
	RR_E_CRITICAL,  /* an unknown tag marked critical */
	RR_E_VALUE,     /* a value is out of range or malformed */
	RR_E_CANONICAL, /* a value is valid but not in canonical form */
	RR_E_KEY,       /* key text or key material is unusable */
	RR_E_SIGNATURE, /* the signature does not verify */
	RR_E_UNSIGNED,  /* a signature is required but absent, or present where none belongs */
	RR_E_NAME,      /* owner, VPN or site name does not match */
	RR_E_EXPIRED,   /* the validity period has ended */
	RR_E_NOTYET,    /* the validity period has not begun */
	RR_E_HASH,      /* page content does not match the head's hash */
	RR_E_POLICY,    /* network outside authorization, overlap, rollback */
	RR_E_NOMEM,
	RR_E_IO,
	RR_E__COUNT
};

struct rr_error {
	enum rr_errclass cls;
	char msg[320]; /* "tag nets: 10.0.0.0/33: prefix length out of range" */
};

const char *rr_errclass_name(enum rr_errclass cls);
/* Returns RR_E__COUNT when NAME is not a class name. */
enum rr_errclass rr_errclass_from_name(const char *name);
/* Sets *err and returns CLS; printf-style.  CLS is never RR_OK. */
enum rr_errclass rr_seterr(struct rr_error *err, enum rr_errclass cls,
			   const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefixes err->msg with "WHAT: " (e.g. a tag or a file:line). */
void rr_errprefix(struct rr_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The one convention of the tools for errors outside records: a function
 * that can fail returns -1 (or a negative value) and leaves "THING: why"
 * in the caller's buffer ERR of ERRLEN bytes (cut short if need be; ERR
 * may be NULL).  rr_fail formats such a message and returns -1;
 * rr_failsys adds strerror(errno) thread-safely ("PATH: WHAT: why") and
 * keeps errno; rr_say only formats (for messages that are not failures).
 */
int rr_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int rr_vfail(char *err, size_t errlen, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int rr_failsys(char *err, size_t errlen, const char *what, const char *path);
void rr_say(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- escaping ---------------------------------------------------------- */

/* Makes LEN bytes of S (which may hold NULs) safe to print in a log line,
 * on a terminal or in a JSON string: '\\' becomes "\\\\", control bytes
 * (below 0x20, 0x7f) and bytes that are not valid UTF-8 become "\\xHH".
 * Valid UTF-8 passes, so names and contact text in any script stay
 * readable, except C1 controls and bidirectional overrides, which are
 * escaped byte by byte.  Writes a NUL-terminated string of at most CAP
 * bytes to OUT, cut between escapes when it does not fit, and returns
 * OUT.  RR_ESCAPE_CAP(LEN) is always enough. */
#define RR_ESCAPE_CAP(len) (4 * (len) + 1)
char *rr_escape(char *out, size_t cap, const char *s, size_t len);

/* ---- addresses, prefixes, endpoints ------------------------------------ */

struct rr_addr {
	uint8_t family; /* 4 or 6 */
	uint8_t bytes[16];
};

struct rr_prefix {
	struct rr_addr addr; /* host bits are zero */
	uint8_t len;
};

enum rr_eptype { RR_EP_IPV4 = 4, RR_EP_IPV6 = 6, RR_EP_HOST = 'h' };

struct rr_endpoint {
	enum rr_eptype type;
	struct rr_addr addr;          /* RR_EP_IPV4, RR_EP_IPV6 */
	char host[RR_MAX_NAME + 1];   /* RR_EP_HOST: lower case, no final dot */
	uint16_t port;                /* 1-65535 */
};

/* Formatting buffers: "ffff:...:ffff/128", "[v6]:65535", host:port. */
#define RR_ADDRSTRLEN 48
#define RR_PREFIXSTRLEN 52
#define RR_ENDPOINTSTRLEN (RR_MAX_NAME + 8)

/* Parsers take a NUL-terminated string and reject anything that is not in
 * canonical form: IPv4 dotted quad without leading zeros, IPv6 in RFC 5952
 * form, no scope ids, prefixes with zero host bits. */
enum rr_errclass rr_addr_parse(const char *s, struct rr_addr *out,
			       struct rr_error *err);
void rr_addr_format(const struct rr_addr *a, char out[RR_ADDRSTRLEN]);
enum rr_errclass rr_prefix_parse(const char *s, struct rr_prefix *out,
				 struct rr_error *err);
void rr_prefix_format(const struct rr_prefix *p, char out[RR_PREFIXSTRLEN]);
/* "192.0.2.1:4500", "[2001:db8::1]:4500", "vpn.example.org:4500". */
enum rr_errclass rr_endpoint_parse(const char *s, struct rr_endpoint *out,
				   struct rr_error *err);
void rr_endpoint_format(const struct rr_endpoint *e,
			char out[RR_ENDPOINTSTRLEN]);
/* LDH host name check (RFC 1123), at most 253 bytes, no final dot. */
bool rr_hostname_valid(const char *s);

bool rr_prefix_contains(const struct rr_prefix *outer,
			const struct rr_prefix *inner);
bool rr_prefix_contains_addr(const struct rr_prefix *p,
			     const struct rr_addr *a);
bool rr_prefix_overlap(const struct rr_prefix *a, const struct rr_prefix *b);
/* True when every prefix of INNER lies inside some prefix of OUTER. */
bool rr_prefixes_within(const struct rr_prefix *outer, size_t nouter,
			const struct rr_prefix *inner, size_t ninner,
			size_t *bad_index);

/* VPN, location and site names: a letter, then up to 62 letters, digits,
 * '-' or '_' (the names make-secnet-sites and secnet accept). */
bool rr_name_valid(const char *s, size_t len);
/* "LOCATION/SITE", each part a name. */
bool rr_sitename_valid(const char *s, size_t len);
/* A DNS name as vpnrr writes it: lower case labels of [a-z0-9_-], 1 to 63
 * bytes each, at most 253 bytes, no final dot. */
bool rr_dnsname_valid(const char *s, size_t len);

/* ---- keys --------------------------------------------------------------- */

enum rr_sigalg { RR_SIGALG_ED25519 = 1 };

/* A record-signing public key: the anchor, or a site's record key. */
struct rr_pubkey {
	enum rr_sigalg alg;
	uint8_t key[RR_PUBKEY_LEN];
	uint8_t id[RR_KEYID_LEN];
};

/* An Ed25519 secret key (libsodium's 64-byte form: seed || public). */
struct rr_seckey {
	enum rr_sigalg alg;
	uint8_t sk[64];
	struct rr_pubkey pub;
};

/* Text forms name their algorithm: "ed25519:BASE64" for public keys,
 * "ed25519-secret:BASE64(seed)" for secret keys. */
#define RR_PUBKEYSTRLEN 64
#define RR_SECKEYSTRLEN 72
enum rr_errclass rr_pubkey_parse(const char *s, struct rr_pubkey *out,
				 struct rr_error *err);
void rr_pubkey_format(const struct rr_pubkey *k, char out[RR_PUBKEYSTRLEN]);
enum rr_errclass rr_seckey_parse(const char *s, struct rr_seckey *out,
				 struct rr_error *err);
void rr_seckey_format(const struct rr_seckey *k, char out[RR_SECKEYSTRLEN]);
/* True when S starts like a key text (public or secret) rather than,
 * say, a file name. */
bool rr_key_text_is(const char *s);
enum rr_errclass rr_seckey_generate(struct rr_seckey *out, struct rr_error *err);
/* Key id as 16 lower-case hex digits. */
void rr_keyid_format(const uint8_t id[RR_KEYID_LEN], char out[2 * RR_KEYID_LEN + 1]);
void rr_seckey_wipe(struct rr_seckey *k);

/* ---- algorithms -------------------------------------------------------- */

/*
 * Every algorithm name vpnrr knows, in one table: record-signing
 * algorithms (sk=, rk=, the anchor) and transport key algorithms (keys=).
 * Records may name algorithms outside the table; they are carried
 * unchanged and used by nobody.
 */
enum rr_algclass {
	RR_ALG_SIGN = 1,  /* signs records: sk=, rk=, anchors */
	RR_ALG_TRANSPORT, /* a transport key in keys= */
};
/* Consumers that understand a transport algorithm (bit set). */
#define RR_ALGUSE_SECNET 1u /* written to secnet's peer-keys and sites */

struct rr_alg {
	const char *name;      /* as written in records and key files */
	enum rr_algclass cls;
	size_t keylen;         /* exact key data length; 0: variable */
	const char *format;    /* what the key data is, for messages */
	unsigned uses;         /* RR_ALGUSE_* (transport algorithms) */
	enum rr_sigalg sigalg; /* signing algorithms: their id; else 0 */
};

/* The rows, for callers that mean one algorithm: compare definitions
 * (k->def == &rr_alg_rsa1) or use ->name; never spell a name out. */
extern const struct rr_alg rr_alg_ed25519, rr_alg_rsa1, rr_alg_x25519;

/* NULL when NAME (LEN bytes) is not in the table. */
const struct rr_alg *rr_alg_find(const char *name, size_t len);
const struct rr_alg *rr_alg_by_sigalg(enum rr_sigalg alg);
/* The table's entries in order; NULL past the end. */
const struct rr_alg *rr_alg_at(size_t i);
/* Algorithm names: 1 to RR_MAX_ALG of [a-z0-9-]. */
bool rr_alg_name_valid(const char *name, size_t len);
/* Checks key DATA against ALG's length and format: RR_OK, or RR_E_KEY
 * naming the algorithm and the reason.  Unknown algorithms (NULL) pass. */
enum rr_errclass rr_alg_check_key(const struct rr_alg *alg,
				  const uint8_t *data, size_t len,
				  struct rr_error *err);

/* rsa1 key data: "BITS E N" in decimal ASCII as in ssh1 .pub files, maybe
 * followed by " COMMENT".  Numbers point into the data (not terminated). */
#define RR_RSA1_MAX_BITS 8200 /* make-secnet-sites' limit */
struct rr_rsa1 {
	unsigned bits;          /* as declared */
	const char *e, *n;      /* exponent and modulus digits */
	size_t elen, nlen;
	size_t usable;          /* bytes of "BITS E N", comment excluded */
};
/* RR_OK or RR_E_KEY: BITS of 1 to 4 digits at most RR_RSA1_MAX_BITS, E and
 * N of 1 to 2,470 digits (enough for 8,200 bits), single spaces. */
enum rr_errclass rr_rsa1_parse(const uint8_t *data, size_t len,
			       struct rr_rsa1 *out, struct rr_error *err);

/* A transport key: secnet's "pub ALG DATA" inside key group GROUP.
 * Unknown algorithms are carried unchanged. */
struct rr_tkey {
	uint32_t group;          /* secnet pkg id */
	bool fallback;           /* group introduced by pkgf */
	const char *alg;         /* never NULL */
	const struct rr_alg *def;/* NULL for algorithms outside the table */
	const uint8_t *data;     /* owned by the record */
	size_t len;
};

/* secnet's base91s text (basE91 with '-' in place of '"'), used for rsa1
 * key data in peer-keys and sites files.  Encode returns a new
 * NUL-terminated string (NULL when out of memory); decode returns
 * RR_E_VALUE for characters outside the alphabet. */
char *rr_base91s_encode(const uint8_t *data, size_t len);
enum rr_errclass rr_base91s_decode(const char *text, size_t len,
				   uint8_t **out, size_t *outlen,
				   struct rr_error *err);

/* ---- records ------------------------------------------------------------ */

enum rr_kind {
	RR_KIND_HEAD = 1, /* admin: signed list of page hashes */
	RR_KIND_MEMBER,   /* admin: one site's membership (unsigned in pages) */
	RR_KIND_SITE,     /* site owner: endpoints, networks, transport keys */
	RR_KIND_ANCHOR,   /* admin: a trust-anchor statement (add, retire) */
};
#define RR_KIND_LAST RR_KIND_ANCHOR
const char *rr_kind_name(enum rr_kind k);

struct rr_field {
	const char *tag;          /* includes a leading '!' when critical */
	const uint8_t *val;       /* binary-form value, owned by the record */
	size_t len;
	bool known;
};

struct rr_record;
struct rr_chunk;

/*
 * The tunables: secnet timers and counts a site may set, one row each,
 * in record order.  Every user (site descriptions, sites files, secnet
 * configuration, secnet rules, JSON) iterates rr_tunables.
 *
 * Columns: id, tag (also the sites-file, description and secnet
 * keyword), unit ("ms" or "" for a count), secnet's defaults for fixed
 * and for mobile peers (site.c; renegotiate-time's is derived from
 * key-lifetime and shown for the default), the range a fetcher accepts
 * (secnet takes 1..2^31-1, but values outside these make a site a load
 * on every node: each re-key is a DH exchange, each setup retry a packet
 * to every node; 0: no bound), and the struct rr_record member.
 */
#define RR_TUNABLE_ROWS(X)                                                  \
	X(KEY_LIFETIME, "key-lifetime", "ms", 3600000u, 172800000u, 10000u, \
	  0u, key_lifetime)                                                 \
	X(SETUP_TIMEOUT, "setup-timeout", "ms", 2000u, 1000u, 100u, 0u,     \
	  setup_timeout)                                                    \
	X(SETUP_RETRIES, "setup-retries", "", 5u, 30u, 0u, 100u,            \
	  setup_retries)                                                    \
	X(WAIT_TIME, "wait-time", "ms", 20000u, 10000u, 1000u, 0u,          \
	  wait_time)                                                        \
	X(RENEGOTIATE_TIME, "renegotiate-time", "ms", 3300000u, 129600000u, \
	  1000u, 0u, renegotiate_time)

#define RR_TUNABLE_ID(id, tag, unit, def, mdef, min, max, member) \
	RR_TUN_##id,
enum rr_tunable_id { RR_TUNABLE_ROWS(RR_TUNABLE_ID) RR_NTUNABLES };

struct rr_tunable {
	const char *tag;
	const char *unit;
	uint32_t secnet_default, secnet_mobile_default;
	uint32_t min, max; /* 0: no bound */
	size_t off;        /* its uint32_t in struct rr_record */
};
extern const struct rr_tunable rr_tunables[RR_NTUNABLES];
/* The value R sets, 0 when absent. */
uint32_t rr_tunable_get(const struct rr_record *r, const struct rr_tunable *t);
/* NULL when TAG names no tunable. */
const struct rr_tunable *rr_tunable_find(const char *tag);

/*
 * A decoded record.  fields[] is the truth (it is what is encoded, hashed
 * and signed, in order, unknown tags included); the members below are a
 * decoded view of the known tags, filled by the parsers and by rr_add().
 *
 * Everything variable lives in memory the record owns (its arena):
 * strings are never NULL ("" when absent), arrays are a pointer and a
 * count.  rr_record_free releases it; a struct assignment would share
 * it, so copies go through rr_record_copy and moves through
 * rr_record_move.
 */
struct rr_record {
	enum rr_kind kind;
	struct rr_field *fields;
	size_t nfields;

	const char *vpn;
	const char *site;              /* "location/site" */
	bool has_serial;
	uint32_t serial;               /* s= */
	bool has_times;
	uint64_t not_before, expires;  /* t=, x= (Unix seconds) */

	/* member */
	const struct rr_pubkey *rkeys; /* rk= record-signing keys */
	size_t nrkeys;
	const char *at;                /* at= where the site record lives */

	/* member (authorized) and site (announced) networks: nets= */
	const struct rr_prefix *nets;
	size_t nnets;

	/* site */
	bool mobile;                   /* ep=mobile */
	const struct rr_endpoint *eps;
	size_t neps;
	bool has_ptp;
	struct rr_addr ptp;            /* ptp= */
	bool has_keyserial;
	uint32_t keyserial;            /* ks= secnet key-set serial */
	const struct rr_tkey *tkeys;   /* keys= in preference order */
	size_t ntkeys;
	/* tunables (ms / counts); 0 means absent; see rr_tunables */
	uint32_t key_lifetime, setup_timeout, setup_retries, wait_time,
		renegotiate_time;
	const char *contact;
	const char *dh;
	const char *hash;

	/* member (authorized) and site (announced) networks reached through
	 * a foreign VPN system, for which the site is a gateway: gw-nets= */
	const struct rr_prefix *gw_nets;
	size_t ngw_nets;
	/* site: WireGuard reachability, wg= (with an x25519 key in keys=) */
	bool has_wg;
	bool wg_roaming;               /* wg=roaming: no fixed endpoint */
	const struct rr_endpoint *wg_ep; /* otherwise (NULL when roaming) */

	/* head */
	uint32_t nmembers;             /* n= */
	const uint8_t (*pages)[RR_HASH_LEN]; /* pages= */
	size_t npages;

	/* anchor statement: exactly one of add= (a new anchor, signed by a
	 * trusted anchor) and retire= (signed by the key it retires) */
	bool anchor_add, anchor_retire;
	struct rr_pubkey anchor_key;

	/* signature: sk= (alg and key id) is signed, sig= is not */
	bool has_sk;
	enum rr_sigalg sigalg;
	uint8_t sigkeyid[RR_KEYID_LEN];
	bool has_sig;
	uint8_t sig[RR_SIG_LEN];

	/* the memory behind the pointers above (rr-format only) */
	struct rr_chunk *mem;
	size_t fieldcap;
};

void rr_record_init(struct rr_record *r, enum rr_kind kind);
void rr_record_free(struct rr_record *r);
/* DST (not initialised) becomes an independent copy of SRC. */
enum rr_errclass rr_record_copy(struct rr_record *dst,
				const struct rr_record *src,
				struct rr_error *err);
/* DST (not initialised) takes SRC's memory; SRC is left empty. */
void rr_record_move(struct rr_record *dst, struct rr_record *src);
/* Bytes of heap R holds beyond sizeof(*R) (arena and field list). */
size_t rr_record_heap(const struct rr_record *r);

/* A site record's own SHOULDs (SPEC.md 10.4): its ptp= address lies
 * inside one of its nets= (which lie inside its member's).  RR_OK, or
 * RR_E_POLICY naming the address.  Readers report it; none refuses the
 * record for it. */
enum rr_errclass rr_site_check(const struct rr_record *site,
			       struct rr_error *err);

/* Appends tag=value (presentation form) as the next field, checking the
 * value the same way the TXT parser does.  The "v" and "k" tags are
 * implicit (rr_record_init) and "sig" is added by rr_sign. */
enum rr_errclass rr_add(struct rr_record *r, const char *tag,
			const char *value, struct rr_error *err);

/* TXT form.  STRINGS are the RR's character-strings as they arrived (any
 * split points; meaning never depends on them). */
enum rr_errclass rr_parse_txt(const uint8_t *const *strings,
			      const size_t *lens, size_t nstrings,
			      struct rr_record *out, struct rr_error *err);
/* Convenience: one already-joined buffer. */
enum rr_errclass rr_parse_txt_joined(const char *text, size_t len,
				     struct rr_record *out,
				     struct rr_error *err);
/* Writes the joined presentation text (no string splitting) into a new
 * NUL-terminated buffer. */
enum rr_errclass rr_format_txt(const struct rr_record *r, char **out,
			       size_t *outlen, struct rr_error *err);
/* Writes TXT RDATA (length-prefixed strings of at most 255 bytes). */
enum rr_errclass rr_encode_txt_rdata(const struct rr_record *r,
				     uint8_t **out, size_t *outlen,
				     struct rr_error *err);
enum rr_errclass rr_parse_txt_rdata(const uint8_t *rdata, size_t len,
				    struct rr_record *out,
				    struct rr_error *err);

/* Binary form: RDATA of RR type RR_TYPE_VPNRR. */
enum rr_errclass rr_parse_bin(const uint8_t *rdata, size_t len,
			      struct rr_record *out, struct rr_error *err);
enum rr_errclass rr_encode_bin(const struct rr_record *r, uint8_t **out,
			       size_t *outlen, struct rr_error *err);

/* Canonical form: the bytes a signature covers (see SPEC.md).  OWNER is
 * the DNS owner name the record is published at. */
enum rr_errclass rr_canonical(const struct rr_record *r, const char *owner,
			      uint8_t **out, size_t *outlen,
			      struct rr_error *err);

/* Adds sk= and sig= (replacing any earlier signature). */
enum rr_errclass rr_sign(struct rr_record *r, const char *owner,
			 const struct rr_seckey *key, struct rr_error *err);

/*
 * Checks the signature against KEYS (the one whose id matches sk=), the
 * validity period against NOW, and that the record is signed at all.
 * Names (VPN, site) are checked by the caller's expectations: pass NULL to
 * skip.  Returns RR_OK or the first failure.
 */
struct rr_expect {
	const char *owner;  /* DNS owner name the record was fetched from */
	const char *vpn;    /* NULL: any */
	const char *site;   /* NULL: any */
	enum rr_kind kind;
	uint64_t now;
	/* The caller verified this record's signature before and kept it
	 * intact (a reader's own store, checked by content hash): names,
	 * the signing key's trust and the validity period are checked, the
	 * signature is not computed again. */
	bool sig_known;
};
enum rr_errclass rr_verify(const struct rr_record *r,
			   const struct rr_expect *ex,
			   const struct rr_pubkey *keys, size_t nkeys,
			   struct rr_error *err);

/* Page hash over an RRset of unsigned member entries: order-independent
 * (entries are hashed in sorted canonical order).  See SPEC.md. */
enum rr_errclass rr_page_hash(const struct rr_record *const *members,
			      size_t n, uint8_t out[RR_HASH_LEN],
			      struct rr_error *err);
/* The owner name label for a page: base32hex of the first 16 hash bytes,
 * lower case, 26 characters. */
#define RR_PAGELABELLEN 27
void rr_page_label(const uint8_t hash[RR_HASH_LEN], char out[RR_PAGELABELLEN]);

/* DNS names where records live (SPEC.md, "Names"); OUT has RR_MAX_NAME+1
 * bytes.  ZONE is the VPN's DNS name. */
enum rr_errclass rr_name_head(const char *zone, char *out, struct rr_error *err);
enum rr_errclass rr_name_page(const char *zone, const uint8_t hash[RR_HASH_LEN],
			      char *out, struct rr_error *err);
enum rr_errclass rr_name_member(const char *zone, const char *site,
				char *out, struct rr_error *err);
/* Where the anchor statements of ZONE live: "_anchor._vpnrr." ZONE. */
enum rr_errclass rr_name_anchor(const char *zone, char *out,
				struct rr_error *err);

/* RFC 1982 serial arithmetic: negative when A is older than B, zero when
 * equal, positive when newer.  Serials exactly 2^31 apart are undefined in
 * RFC 1982; both orders return -1, so neither counts as newer. */
int rr_serial_cmp(uint32_t a, uint32_t b);

#endif
