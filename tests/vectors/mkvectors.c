/*
 * mkvectors.c - writes the vpnrr test vectors (the .vec files in tests/vectors).
 *
 *   mkvectors KEYDIR OUTDIR
 *
 * Every record is built and signed with the rr library from the fixture
 * keys in KEYDIR (anchor, anchor2, alpha, beta, rogue; Ed25519 signatures are
 * deterministic), so the output is the same on every run; the
 * 'vectors-fresh' test regenerates the files and compares them with the
 * committed ones.  Invalid vectors start from a correctly built record and
 * change it the way an attacker, a broken tool or a DNS panel would; the
 * edits are exact-match text or byte edits that stop the generator when
 * the text they expect is not there.  KEYDIR/NAME.pub, when present, must
 * hold the public half of KEYDIR/NAME.key.
 *
 * The generator never decides what the library answers: the expected
 * classes are written here and checked by tests/unit/test_vectors.c.
 * Vectors marked pending expect a class the library does not give yet;
 * they are left out unless --pending is given, which writes them to
 * OUTDIR/pending.vec (never commit that file: the unit test reads every
 * .vec file).  When the library is fixed, drop the mark.
 * The file format is described in tests/vectors/README.md.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "rr.h"

/* Fixed times. */
#define T_START 1700000000ULL
#define T_END 1900000000ULL
#define T_NOW 1800000000ULL

#define ZONE "vpn.example.org"
#define VPN "example"
#define OWNER_ALPHA "_vpnrr.alpha.example.net"
#define OWNER_BETA "_vpnrr.beta.example.net"

static const char *keydir;
static const char *outdir;

static struct rr_seckey k_anchor, k_anchor2, k_alpha, k_beta, k_rogue;
static char owner_head[RR_MAX_NAME + 1];
static char owner_anchor[RR_MAX_NAME + 1];
static char owner_m_alpha[RR_MAX_NAME + 1];
static char owner_m_beta[RR_MAX_NAME + 1];

/* ---- failure ------------------------------------------------------------ */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("mkvectors: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void check(enum rr_errclass rc, const struct rr_error *err,
		  const char *what)
{
	if (rc != RR_OK)
		die("%s: %s: %s", what, rr_errclass_name(rc), err->msg);
}

/* Everything the generator allocates lives until it exits: keep()
 * remembers a block (or a record) so that main() can free it. */
static void **kept;
static size_t nkept, capkept;
static struct rr_record **recs;
static size_t nrecs, caprecs;

static void *keep(void *p)
{
	if (nkept == capkept) {
		capkept = capkept ? 2 * capkept : 256;
		kept = realloc(kept, capkept * sizeof(*kept));
		if (!kept)
			die("out of memory");
	}
	kept[nkept++] = p;
	return p;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory");
	return keep(p);
}

static void free_all(void)
{
	for (size_t i = 0; i < nrecs; i++) {
		rr_record_free(recs[i]);
		free(recs[i]);
	}
	free(recs);
	for (size_t i = 0; i < nkept; i++)
		free(kept[i]);
	free(kept);
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = xmalloc(n);

	memcpy(p, s, n);
	return p;
}

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *xprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("vsnprintf failed");
	p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

/* ---- keys ---------------------------------------------------------------- */

static char *read_line_file(const char *path, bool must)
{
	FILE *f = fopen(path, "r");
	char buf[256];
	size_t n;

	if (!f) {
		if (must)
			die("%s: cannot open", path);
		return NULL;
	}
	if (!fgets(buf, sizeof(buf), f))
		die("%s: empty", path);
	fclose(f);
	n = strlen(buf);
	if (n == 0 || buf[n - 1] != '\n')
		die("%s: need one line ending in a newline", path);
	buf[n - 1] = '\0';
	return xstrdup(buf);
}

static void load_key(const char *name, struct rr_seckey *k)
{
	char *path = xprintf("%s/%s.key", keydir, name);
	char *text = read_line_file(path, true), *pub;
	char want[RR_PUBKEYSTRLEN];
	struct rr_error err;

	check(rr_seckey_parse(text, k, &err), &err, path);
	rr_pubkey_format(&k->pub, want);
	path = xprintf("%s/%s.pub", keydir, name);
	pub = read_line_file(path, false);
	if (pub && strcmp(pub, want) != 0)
		die("%s: holds %s but %s.key gives %s", path, pub, name, want);
}

static const char *pubtext(const struct rr_seckey *k)
{
	char buf[RR_PUBKEYSTRLEN];

	rr_pubkey_format(&k->pub, buf);
	return xstrdup(buf);
}

/* Deterministic filler bytes for opaque key data: BLAKE2b of a label. */
static void filler(const char *label, uint8_t *out, size_t len)
{
	crypto_generichash(out, len, (const uint8_t *)label, strlen(label),
			   NULL, 0);
}

static char *b64(const uint8_t *p, size_t n)
{
	size_t sz = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *s = xmalloc(sz);

	sodium_bin2base64(s, sz, p, n, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

static char *hex(const uint8_t *p, size_t n)
{
	char *s = xmalloc(2 * n + 1);

	sodium_bin2hex(s, 2 * n + 1, p, n);
	return s;
}

/* ---- tag lists: the records' content before they are built ------------- */

#define MAXTAGS 96

struct tags {
	const char *tag[MAXTAGS];
	const char *val[MAXTAGS];
	size_t n;
};

/* Replaces TAG's value, or appends TAG when it is absent. */
static void tag_set(struct tags *t, const char *tag, const char *val)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->tag[i], tag) == 0) {
			t->val[i] = val;
			return;
		}
	if (t->n >= MAXTAGS)
		die("too many tags");
	t->tag[t->n] = tag;
	t->val[t->n++] = val;
}

static void tag_del(struct tags *t, const char *tag)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->tag[i], tag) == 0) {
			memmove(&t->tag[i], &t->tag[i + 1],
				(t->n - i - 1) * sizeof(t->tag[0]));
			memmove(&t->val[i], &t->val[i + 1],
				(t->n - i - 1) * sizeof(t->val[0]));
			t->n--;
			return;
		}
	die("tag_del: no tag %s", tag);
}

static const char *x25519_alpha, *x25519_beta, *rsa1_alpha;

static void time_tags(struct tags *t, const char *serial)
{
	tag_set(t, "s", serial);
	tag_set(t, "t", xprintf("%llu", T_START));
	tag_set(t, "x", xprintf("%llu", T_END));
}

static struct tags site_alpha(void)
{
	struct tags t = { .n = 0 };

	tag_set(&t, "vpn", VPN);
	tag_set(&t, "site", "london/alpha");
	time_tags(&t, "7");
	tag_set(&t, "ep", "192.0.2.1:4500,[2001:db8::1]:4500,"
			  "gw.alpha.example.net:4500");
	tag_set(&t, "nets", "10.1.0.0/16,fd00:1::/48");
	tag_set(&t, "ptp", "10.1.0.1");
	tag_set(&t, "ks", "0000000a");
	tag_set(&t, "keys", xprintf("0000a1b2:rsa1:%s,~0000c3d4:x25519:%s",
				    rsa1_alpha, x25519_alpha));
	tag_set(&t, "key-lifetime", "3600000");
	tag_set(&t, "setup-timeout", "2000");
	tag_set(&t, "contact", "ops@alpha.example.net");
	tag_set(&t, "x-future", "kept as is");
	return t;
}

static struct tags site_beta(void)
{
	struct tags t = { .n = 0 };

	tag_set(&t, "vpn", VPN);
	tag_set(&t, "site", "paris/beta");
	time_tags(&t, "1");
	tag_set(&t, "ep", "mobile");
	tag_set(&t, "nets", "10.2.0.0/24");
	tag_set(&t, "ptp", "10.2.0.1");
	tag_set(&t, "ks", "00000001");
	tag_set(&t, "keys", xprintf("00000001:x25519:%s", x25519_beta));
	return t;
}

static struct tags member_alpha(void)
{
	struct tags t = { .n = 0 };

	tag_set(&t, "vpn", VPN);
	tag_set(&t, "site", "london/alpha");
	time_tags(&t, "3");
	tag_set(&t, "rk", pubtext(&k_alpha));
	tag_set(&t, "nets", "10.1.0.0/16,fd00:1::/48");
	tag_set(&t, "at", OWNER_ALPHA);
	tag_set(&t, "contact", "alpha-admin@example.net");
	return t;
}

static struct tags member_beta(void)
{
	struct tags t = { .n = 0 };

	tag_set(&t, "vpn", VPN);
	tag_set(&t, "site", "paris/beta");
	time_tags(&t, "1");
	tag_set(&t, "rk", pubtext(&k_beta));
	tag_set(&t, "nets", "10.2.0.0/24");
	tag_set(&t, "at", OWNER_BETA);
	return t;
}

static struct tags head_tags(const uint8_t *hashes, size_t npages,
			     unsigned nmembers)
{
	struct tags t = { .n = 0 };

	tag_set(&t, "vpn", VPN);
	time_tags(&t, "2026112301");
	tag_set(&t, "n", xprintf("%u", nmembers));
	tag_set(&t, "pages", b64(hashes, npages * RR_HASH_LEN));
	return t;
}

/* ---- records ------------------------------------------------------------ */

static struct rr_record *build(enum rr_kind kind, const struct tags *t)
{
	struct rr_record *r = malloc(sizeof(*r));
	struct rr_error err;

	if (!r)
		die("out of memory");
	if (nrecs == caprecs) {
		caprecs = caprecs ? 2 * caprecs : 64;
		recs = realloc(recs, caprecs * sizeof(*recs));
		if (!recs)
			die("out of memory");
	}
	rr_record_init(r, kind);
	recs[nrecs++] = r;
	for (size_t i = 0; i < t->n; i++) {
		char *what = xprintf("rr_add %s=%s", t->tag[i], t->val[i]);
		check(rr_add(r, t->tag[i], t->val[i], &err), &err, what);
	}
	return r;
}

static struct rr_record *build_signed(enum rr_kind kind, const struct tags *t,
				      const char *owner,
				      const struct rr_seckey *key)
{
	struct rr_record *r = build(kind, t);
	struct rr_error err;

	check(rr_sign(r, owner, key, &err), &err, "rr_sign");
	return r;
}

static char *to_txt(const struct rr_record *r)
{
	struct rr_error err;
	char *s;
	size_t n;

	check(rr_format_txt(r, &s, &n, &err), &err, "rr_format_txt");
	return keep(s);
}

struct bytes {
	uint8_t *p;
	size_t len;
};

static struct bytes to_bin(const struct rr_record *r)
{
	struct rr_error err;
	struct bytes b;

	check(rr_encode_bin(r, &b.p, &b.len, &err), &err, "rr_encode_bin");
	keep(b.p);
	return b;
}

static struct bytes to_txtrdata(const struct rr_record *r)
{
	struct rr_error err;
	struct bytes b;

	check(rr_encode_txt_rdata(r, &b.p, &b.len, &err), &err,
	      "rr_encode_txt_rdata");
	keep(b.p);
	return b;
}

static char *bhex(struct bytes b)
{
	return hex(b.p, b.len);
}

/* A copy of B with N bytes of P inserted at offset AT. */
static struct bytes bin_insert(struct bytes b, size_t at, const void *p,
			       size_t n)
{
	struct bytes o = { xmalloc(b.len + n), b.len + n };

	if (at > b.len)
		die("bin_insert: offset past the end");
	memcpy(o.p, b.p, at);
	memcpy(o.p + at, p, n);
	memcpy(o.p + at + n, b.p + at, b.len - at);
	return o;
}

/* Appends a binary field (tag length, tag, value length, value). */
static void bin_field(struct bytes *b, const char *tag, const uint8_t *val,
		      size_t vl)
{
	size_t tl = strlen(tag);
	uint8_t *p = xmalloc(b->len + 3 + tl + vl);

	if (b->len)
		memcpy(p, b->p, b->len);
	p[b->len] = (uint8_t)tl;
	memcpy(p + b->len + 1, tag, tl);
	p[b->len + 1 + tl] = (uint8_t)(vl >> 8);
	p[b->len + 2 + tl] = (uint8_t)vl;
	memcpy(p + b->len + 3 + tl, val, vl);
	b->p = p;
	b->len += 3 + tl + vl;
}

/* Offset of the binary field TAG; the generator stops when it is absent. */
static size_t bin_find(struct bytes b, const char *tag)
{
	size_t off = 1, tl = strlen(tag);

	while (off < b.len) {
		size_t l = b.p[off];
		size_t vl = (size_t)b.p[off + 1 + l] << 8 | b.p[off + 2 + l];
		if (l == tl && memcmp(b.p + off + 1, tag, tl) == 0)
			return off;
		off += 3 + l + vl;
	}
	die("bin_find: no field %s", tag);
}

/* A copy of B with the value of field TAG replaced by VAL. */
static struct bytes bin_set_field(struct bytes b, const char *tag,
				  const uint8_t *val, size_t vl)
{
	size_t off = bin_find(b, tag), tl = strlen(tag);
	size_t old = (size_t)b.p[off + 1 + tl] << 8 | b.p[off + 2 + tl];
	size_t end = off + 3 + tl + old;
	struct bytes before = { b.p, off };
	struct bytes o = bin_insert(before, off, "", 0);

	bin_field(&o, tag, val, vl);
	return bin_insert(o, o.len, b.p + end, b.len - end);
}

/* ---- text edits --------------------------------------------------------- */

static size_t count(const char *s, const char *sub)
{
	size_t n = 0;

	for (const char *p = strstr(s, sub); p; p = strstr(p + 1, sub))
		n++;
	return n;
}

/* Replaces the single occurrence of OLD in S by NEW. */
static char *edit(const char *s, const char *old, const char *new)
{
	const char *p;
	size_t n;

	if (count(s, old) != 1)
		die("edit: \"%s\" occurs %zu times in \"%s\"", old,
		    count(s, old), s);
	p = strstr(s, old);
	n = strlen(s) - strlen(old) + strlen(new);
	char *out = xmalloc(n + 1);
	memcpy(out, s, (size_t)(p - s));
	strcpy(out + (p - s), new);
	strcat(out, p + strlen(old));
	return out;
}

/* Inserts INS directly before the single occurrence of AT. */
static char *insert_before(const char *s, const char *at, const char *ins)
{
	return edit(s, at, xprintf("%s%s", ins, at));
}

/* "; TAG=VALUE" of the field TAG in text S (up to the next ';'). */
static char *field_text(const char *s, const char *tag)
{
	char *needle = xprintf("; %s=", tag);
	const char *p, *end;

	if (count(s, needle) != 1)
		die("field_text: %s occurs %zu times", needle,
		    count(s, needle));
	p = strstr(s, needle);
	end = strchr(p + 1, ';');
	if (!end)
		end = p + strlen(p);
	char *out = xmalloc((size_t)(end - p) + 1);
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
	return out;
}

static char *remove_field(const char *s, const char *tag)
{
	return edit(s, field_text(s, tag), "");
}

/* Replaces one base64 character at offset POS of tag TAG's value by
 * another base64 character that keeps the text canonical. */
static char *flip_b64(const char *s, const char *tag, size_t pos)
{
	char *f = field_text(s, tag), *g = xstrdup(f);
	size_t at = strlen(tag) + 3 + pos;

	if (at >= strlen(g) || g[at] == '=')
		die("flip_b64: position %zu outside the value", pos);
	g[at] = g[at] == 'A' ? 'B' : 'A';
	return edit(s, f, g);
}

/* dig-style quoted strings: S split after the given lengths (the rest
 * goes in a last string), separated by single spaces. */
static char *quoted(const char *s, const size_t *splits, size_t nsplits)
{
	size_t len = strlen(s), off = 0, o = 0;
	char *out = xmalloc(4 * len + 4 * (nsplits + 1) + 1);

	for (size_t i = 0; i <= nsplits; i++) {
		size_t n = i < nsplits ? splits[i] : len - off;
		if (off + n > len)
			die("quoted: split past the end");
		if (i)
			out[o++] = ' ';
		out[o++] = '"';
		for (size_t j = off; j < off + n; j++) {
			unsigned char c = (unsigned char)s[j];
			if (c == '"' || c == '\\') {
				out[o++] = '\\';
				out[o++] = (char)c;
			} else if (c < 0x20 || c > 0x7e) {
				o += (size_t)sprintf(out + o, "\\%03u", c);
			} else {
				out[o++] = (char)c;
			}
		}
		out[o++] = '"';
		off += n;
	}
	out[o] = '\0';
	return out;
}

/* ---- output ------------------------------------------------------------- */

#define MAXKEYS 4
#define MAXMEMBERS 8
#define MAXNAMES 256

struct vec {
	const char *name;
	const char *kind;
	const char *enc;     /* txt, txtrdata, bin; NULL for pages */
	const char *owner;
	const char *vpn;
	const char *site;
	uint64_t now;
	const struct rr_seckey *keys[MAXKEYS]; /* trusted public halves */
	const char *data;
	const char *strings;
	const char *members[MAXMEMBERS];
	const char *hash;
	const char *expect;
	const char *note;
	/* The library does not give this class yet: written to pending.vec
	 * (with --pending) instead of the file being generated. */
	bool pending;
};

static FILE *out, *pend;
static const char *outname;
static const char *names[MAXNAMES];
static size_t nnames;

static void open_out(const char *file, const char *title)
{
	char *path = xprintf("%s/%s", outdir, file);

	out = fopen(path, "w");
	if (!out)
		die("%s: cannot create", path);
	outname = file;
	fprintf(out,
		"# %s\n"
		"#\n"
		"# Generated by tests/vectors/mkvectors.c from the keys in "
		"tests/vectors/keys;\n"
		"# do not edit: change the generator and regenerate (see "
		"README.md).\n",
		title);
}

static void close_out(void)
{
	if (ferror(out) || fclose(out) != 0)
		die("%s: write error", outname);
	out = NULL;
}

static void kv(const char *k, const char *v)
{
	if (v)
		fprintf(out, "%s = %s\n", k, v);
}

/* Notes are written one sentence per line; '|' separates lines. */
static void emit(const struct vec *v)
{
	for (size_t i = 0; i < nnames; i++)
		if (strcmp(names[i], v->name) == 0)
			die("vector name %s used twice", v->name);
	if (nnames >= MAXNAMES)
		die("too many vectors");
	names[nnames++] = v->name;
	for (const char *c = v->name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		      *c == '-'))
			die("bad vector name %s", v->name);
	if (!v->note || !v->expect)
		die("%s: every vector needs expect and a note", v->name);
	if (v->pending && !pend)
		return;

	FILE *saved = out;
	if (v->pending)
		out = pend;
	fprintf(out, "\n[%s]\n", v->name);
	kv("kind", v->kind);
	kv("encoding", v->enc);
	kv("owner", v->owner);
	kv("vpn", v->vpn);
	kv("site", v->site);
	if (v->now)
		fprintf(out, "now = %llu\n", (unsigned long long)v->now);
	for (size_t i = 0; i < MAXKEYS && v->keys[i]; i++)
		kv("key", pubtext(v->keys[i]));
	for (size_t i = 0; i < MAXMEMBERS && v->members[i]; i++)
		kv("member", v->members[i]);
	kv("hash", v->hash);
	kv("data", v->data);
	kv("strings", v->strings);
	kv("expect", v->expect);
	for (const char *p = v->note; *p;) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		fprintf(out, "note = %.*s\n", (int)n, p);
		p += n;
		if (bar)
			p++;
	}
	out = saved;
}

/* Vector templates for the usual places records are fetched from. */
static struct vec at_site_alpha(const char *name, const char *enc)
{
	return (struct vec){ .name = name, .kind = "site", .enc = enc,
			     .owner = OWNER_ALPHA, .vpn = VPN,
			     .site = "london/alpha", .now = T_NOW,
			     .keys = { &k_alpha } };
}

static struct vec at_site_beta(const char *name, const char *enc)
{
	return (struct vec){ .name = name, .kind = "site", .enc = enc,
			     .owner = OWNER_BETA, .vpn = VPN,
			     .site = "paris/beta", .now = T_NOW,
			     .keys = { &k_beta } };
}

static struct vec at_member_alpha(const char *name, const char *enc)
{
	return (struct vec){ .name = name, .kind = "member", .enc = enc,
			     .owner = owner_m_alpha, .vpn = VPN,
			     .site = "london/alpha", .now = T_NOW,
			     .keys = { &k_anchor } };
}

static struct vec at_member_beta(const char *name, const char *enc)
{
	return (struct vec){ .name = name, .kind = "member", .enc = enc,
			     .owner = owner_m_beta, .vpn = VPN,
			     .site = "paris/beta", .now = T_NOW,
			     .keys = { &k_anchor } };
}

static struct vec at_head(const char *name, const char *enc)
{
	return (struct vec){ .name = name, .kind = "head", .enc = enc,
			     .owner = owner_head, .vpn = VPN, .now = T_NOW,
			     .keys = { &k_anchor } };
}

static struct vec at_page(const char *name)
{
	return (struct vec){ .name = name, .kind = "page" };
}

/* ---- the records every file uses ---------------------------------------- */

static struct rr_record *site_a, *site_b, *mem_a, *mem_b, *head;
static char *site_a_txt, *site_b_txt, *mem_a_txt, *mem_b_txt, *head_txt;
static struct bytes site_a_bin, mem_a_bin, head_bin;
/* Unsigned page entries and their page hash. */
static char *entry_a_txt, *entry_b_txt;
static uint8_t page_hash[RR_HASH_LEN];
static char *page_hash_hex;

static void page_hash_of(struct rr_record *const *entries, size_t n,
			 uint8_t out_hash[RR_HASH_LEN])
{
	struct rr_error err;

	check(rr_page_hash((const struct rr_record *const *)entries, n,
			   out_hash, &err),
	      &err, "rr_page_hash");
}

static void build_common(void)
{
	struct tags t;
	struct rr_record *ea, *eb, *entries[2];

	t = site_alpha();
	site_a = build_signed(RR_KIND_SITE, &t, OWNER_ALPHA, &k_alpha);
	site_a_txt = to_txt(site_a);
	site_a_bin = to_bin(site_a);
	t = site_beta();
	site_b = build_signed(RR_KIND_SITE, &t, OWNER_BETA, &k_beta);
	site_b_txt = to_txt(site_b);
	t = member_alpha();
	mem_a = build_signed(RR_KIND_MEMBER, &t, owner_m_alpha, &k_anchor);
	mem_a_txt = to_txt(mem_a);
	mem_a_bin = to_bin(mem_a);
	t = member_beta();
	mem_b = build_signed(RR_KIND_MEMBER, &t, owner_m_beta, &k_anchor);
	mem_b_txt = to_txt(mem_b);

	t = member_alpha();
	ea = build(RR_KIND_MEMBER, &t);
	t = member_beta();
	eb = build(RR_KIND_MEMBER, &t);
	entry_a_txt = to_txt(ea);
	entry_b_txt = to_txt(eb);
	entries[0] = ea;
	entries[1] = eb;
	page_hash_of(entries, 2, page_hash);
	page_hash_hex = hex(page_hash, RR_HASH_LEN);

	t = head_tags(page_hash, 1, 2);
	head = build_signed(RR_KIND_HEAD, &t, owner_head, &k_anchor);
	head_txt = to_txt(head);
	head_bin = to_bin(head);
}

/* ---- valid.vec ---------------------------------------------------------- */

static void gen_valid_wg(void);
static void gen_invalid_wg(void);

static void gen_valid(void)
{
	struct vec v;
	struct tags t;
	struct rr_record *r;

	open_out("valid.vec", "vpnrr test vectors: valid records (expect = ok)");

	v = at_head("head-txt", "txt");
	v.data = head_txt;
	v.expect = "ok";
	v.note = "Head record signed by the anchor: one page holding the two "
		 "member entries|of page.vec (page-valid), n=2.";
	emit(&v);

	v = at_head("head-bin", "bin");
	v.data = bhex(head_bin);
	v.expect = "ok";
	v.note = "head-txt in the binary encoding (RR type 65380); the same "
		 "signature covers both.";
	emit(&v);

	v = at_member_alpha("member-txt", "txt");
	v.data = mem_a_txt;
	v.expect = "ok";
	v.note = "Membership of london/alpha signed by the anchor: record key "
		 "alpha, authorized nets,|where the site record lives (at=), "
		 "optional contact.";
	emit(&v);

	v = at_member_alpha("member-bin", "bin");
	v.data = bhex(mem_a_bin);
	v.expect = "ok";
	v.note = "member-txt in the binary encoding.";
	emit(&v);

	v = at_member_beta("member-beta-txt", "txt");
	v.data = mem_b_txt;
	v.expect = "ok";
	v.note = "Membership of paris/beta (one IPv4 network, no optional "
		 "tags).";
	emit(&v);

	v = at_member_alpha("member-two-anchors", "txt");
	v.data = mem_a_txt;
	v.keys[0] = &k_beta;
	v.keys[1] = &k_anchor;
	v.expect = "ok";
	v.note = "Several trusted keys (e.g. during an anchor rollover): the "
		 "one named by sk= is used,|whatever its position.";
	emit(&v);

	v = at_site_alpha("site-txt", "txt");
	v.data = site_a_txt;
	v.expect = "ok";
	v.note = "Site record of london/alpha signed by its record key "
		 "(alpha): IPv4, IPv6 and host-name|endpoints, IPv4 and IPv6 "
		 "networks, secnet rsa1 key and an x25519 fallback key,|"
		 "tunables, contact and an unknown tag (x-future), which is "
		 "kept and signed.";
	emit(&v);

	v = at_site_alpha("site-bin", "bin");
	v.data = bhex(site_a_bin);
	v.expect = "ok";
	v.note = "site-txt in the binary encoding.";
	emit(&v);

	v = at_site_alpha("site-txtrdata", "txtrdata");
	v.data = bhex(to_txtrdata(site_a));
	v.expect = "ok";
	v.note = "site-txt as TXT RDATA: the text split into character-strings "
		 "of 255 bytes.";
	emit(&v);

	{
		/* Split points inside a tag name, inside a value and just
		 * after a ';', plus an empty string. */
		size_t splits[] = { 1, 10, 0, 100, 37, 255 };
		v = at_site_alpha("site-strings-split", "txt");
		v.strings = quoted(site_a_txt, splits,
				   sizeof(splits) / sizeof(splits[0]));
		v.expect = "ok";
		v.note = "site-txt as dig shows it when split at arbitrary "
			 "points (one empty string too):|where strings break "
			 "carries no meaning.";
		emit(&v);
	}

	v = at_site_beta("site-mobile-txt", "txt");
	v.data = site_b_txt;
	v.expect = "ok";
	v.note = "Mobile site paris/beta (ep=mobile) with a single x25519 "
		 "key.";
	emit(&v);

	v = at_site_beta("site-mobile-bin", "bin");
	v.data = bhex(to_bin(site_b));
	v.expect = "ok";
	v.note = "site-mobile-txt in the binary encoding.";
	emit(&v);

	t = site_beta();
	tag_set(&t, "ep", "mobile,192.0.2.2:4500");
	r = build_signed(RR_KIND_SITE, &t, OWNER_BETA, &k_beta);
	v = at_site_beta("site-mobile-endpoint-txt", "txt");
	v.data = to_txt(r);
	v.expect = "ok";
	v.note = "Mobile site paris/beta that also names its last known "
		 "address (ep=mobile,ENDPOINT):|secnet's mobile True with an "
		 "address.";
	emit(&v);
	v = at_site_beta("site-mobile-endpoint-bin", "bin");
	v.data = bhex(to_bin(r));
	v.expect = "ok";
	v.note = "site-mobile-endpoint-txt in the binary encoding.";
	emit(&v);

	t = site_beta();
	tag_set(&t, "x-color", "blue");
	tag_set(&t, "x-empty", "");
	r = build_signed(RR_KIND_SITE, &t, OWNER_BETA, &k_beta);
	v = at_site_beta("site-unknown-tag", "txt");
	v.data = to_txt(r);
	v.expect = "ok";
	v.note = "Unknown tags without '!' (one with an empty value) are "
		 "accepted, kept and covered|by the signature.";
	emit(&v);

	v = at_site_alpha("site-owner-case", "txt");
	v.data = site_a_txt;
	v.owner = "_VPNRR.Alpha.Example.NET.";
	v.expect = "ok";
	v.note = "DNS names compare without case and with or without the "
		 "final dot: the canonical|form lower-cases the owner name.";
	emit(&v);

	v = at_site_alpha("site-no-expectations", "txt");
	v.data = site_a_txt;
	v.vpn = v.site = NULL;
	v.expect = "ok";
	v.note = "Without vpn and site expectations only owner, kind, key and "
		 "validity are checked.";
	emit(&v);

	v = at_site_alpha("site-first-second", "txt");
	v.data = site_a_txt;
	v.now = T_START;
	v.expect = "ok";
	v.note = "now = t: the first second of the validity period.";
	emit(&v);

	v = at_site_alpha("site-last-second", "txt");
	v.data = site_a_txt;
	v.now = T_END - 1;
	v.expect = "ok";
	v.note = "now = x - 1: the last second of the validity period.";
	emit(&v);

	gen_valid_wg();
	close_out();
}


/* WireGuard reachability (wg=) and gateway networks (gw-nets=): tags
 * added after the first table, whose binary value is their text. */
static void gen_valid_wg(void)
{
	struct vec v;
	struct tags t;
	struct rr_record *r;

	t = site_beta();
	tag_set(&t, "wg", "192.0.2.2:51820");
	r = build_signed(RR_KIND_SITE, &t, OWNER_BETA, &k_beta);
	v = at_site_beta("site-wg-txt", "txt");
	v.data = to_txt(r);
	v.expect = "ok";
	v.note = "paris/beta reachable by WireGuard at 192.0.2.2:51820 with "
		 "its x25519 key.";
	emit(&v);
	v = at_site_beta("site-wg-bin", "bin");
	v.data = bhex(to_bin(r));
	v.expect = "ok";
	v.note = "site-wg-txt in the binary encoding: the wg value is its "
		 "text.";
	emit(&v);

	t = site_beta();
	tag_set(&t, "wg", "roaming");
	r = build_signed(RR_KIND_SITE, &t, OWNER_BETA, &k_beta);
	v = at_site_beta("site-wg-roaming", "txt");
	v.data = to_txt(r);
	v.expect = "ok";
	v.note = "A roaming WireGuard peer (no endpoint: it makes contact "
		 "itself).";
	emit(&v);

	t = site_beta();
	tag_set(&t, "wg", "[2001:db8::2]:51820");
	r = build_signed(RR_KIND_SITE, &t, OWNER_BETA, &k_beta);
	v = at_site_beta("site-wg-ipv6", "bin");
	v.data = bhex(to_bin(r));
	v.expect = "ok";
	v.note = "A WireGuard endpoint that is an IPv6 literal, binary "
		 "encoding.";
	emit(&v);

	t = site_alpha();
	tag_set(&t, "gw-nets", "172.16.0.0/16,fd00:99::/48");
	r = build_signed(RR_KIND_SITE, &t, OWNER_ALPHA, &k_alpha);
	v = at_site_alpha("site-gw-nets-txt", "txt");
	v.data = to_txt(r);
	v.expect = "ok";
	v.note = "london/alpha announces networks it reaches through a "
		 "foreign VPN system.";
	emit(&v);
	v = at_site_alpha("site-gw-nets-bin", "bin");
	v.data = bhex(to_bin(r));
	v.expect = "ok";
	v.note = "site-gw-nets-txt in the binary encoding.";
	emit(&v);

	t = member_alpha();
	tag_set(&t, "gw-nets", "172.16.0.0/12");
	r = build_signed(RR_KIND_MEMBER, &t, owner_m_alpha, &k_anchor);
	v = at_member_alpha("member-gw-nets", "txt");
	v.data = to_txt(r);
	v.expect = "ok";
	v.note = "The admin authorizes london/alpha as a gateway for "
		 "172.16.0.0/12.";
	emit(&v);
}

static void gen_invalid_wg(void)
{
	static const struct {
		const char *name, *value, *expect, *note;
	} wg[] = {
		{ "wg-port-zero", "192.0.2.2:0", "value", "Port 0." },
		{ "wg-two-endpoints", "192.0.2.2:51820,192.0.2.3:51820",
		  "value", "wg= holds one endpoint." },
		{ "wg-ipv6-no-brackets", "2001:db8::2:51820", "syntax",
		  "IPv6 endpoints are written in brackets." },
		{ "wg-mobile", "mobile", "syntax",
		  "The word is roaming, not mobile." },
		{ "wg-empty", "", "value", "An empty wg=." },
		{ "wg-host-upper", "WG.beta.example.net:51820", "canonical",
		  "Host names are lower case." },
	};
	struct vec v;

	for (size_t i = 0; i < sizeof(wg) / sizeof(wg[0]); i++) {
		v = at_site_beta(wg[i].name, "txt");
		v.data = edit(site_b_txt, "; ks=",
			      xprintf("; wg=%s; ks=", wg[i].value));
		v.expect = wg[i].expect;
		v.note = wg[i].note;
		emit(&v);
	}

	v = at_site_alpha("gw-nets-host-bits", "txt");
	v.data = edit(site_a_txt, "; ptp=", "; gw-nets=172.16.0.1/16; ptp=");
	v.expect = "value";
	v.note = "gw-nets= prefixes have no host bits set.";
	emit(&v);

	v = at_member_alpha("member-wg", "txt");
	v.data = edit(mem_a_txt, "; at=", "; wg=192.0.2.1:51820; at=");
	v.expect = "unexpected";
	v.note = "wg= belongs to site records only.";
	emit(&v);
}

/* ---- invalid.vec -------------------------------------------------------- */

static void gen_invalid(void)
{
	struct vec v;
	struct tags t;
	struct rr_record *r;
	struct bytes b;
	char *s;

	open_out("invalid.vec",
		 "vpnrr test vectors: head, member and site records that must "
		 "be rejected");

	/* -- forged, altered, untrusted ------------------------------------ */

	v = at_site_alpha("site-sig-flipped", "txt");
	v.data = flip_b64(site_a_txt, "sig", 10);
	v.expect = "signature";
	v.note = "site-txt with one base64 character of sig= changed.";
	emit(&v);

	b = to_bin(head);
	b.p[b.len - 20] ^= 0x01;
	v = at_head("head-sig-flipped-bin", "bin");
	v.data = bhex(b);
	v.expect = "signature";
	v.note = "head-bin with one bit of the signature flipped.";
	emit(&v);

	v = at_site_alpha("site-altered-endpoint", "txt");
	v.data = edit(site_a_txt, "192.0.2.1:4500", "192.0.2.66:4500");
	v.expect = "signature";
	v.note = "site-txt with its IPv4 endpoint changed after signing "
		 "(forged or altered record).";
	emit(&v);

	v = at_site_alpha("site-unknown-tag-altered", "txt");
	v.data = edit(site_a_txt, "x-future=kept as is", "x-future=Kept as is");
	v.expect = "signature";
	v.note = "Unknown tags are signed too: changing x-future breaks the "
		 "signature.";
	emit(&v);

	v = at_site_alpha("site-optional-tag-dropped", "txt");
	v.data = remove_field(site_a_txt, "contact");
	v.expect = "signature";
	v.note = "Removing an optional tag (contact) from a signed record "
		 "breaks the signature.";
	emit(&v);

	v = at_member_alpha("member-nets-widened", "txt");
	v.data = edit(mem_a_txt, "nets=10.1.0.0/16,", "nets=10.0.0.0/8,");
	v.expect = "signature";
	v.note = "A site owner widens its authorized networks in a copy of "
		 "its membership.";
	emit(&v);

	t = site_alpha();
	r = build_signed(RR_KIND_SITE, &t, OWNER_ALPHA, &k_rogue);
	v = at_site_alpha("site-untrusted-key", "txt");
	v.data = to_txt(r);
	v.expect = "key";
	v.note = "Well-formed site record signed by a key (rogue) that the "
		 "membership does not list.";
	emit(&v);

	t = site_alpha();
	r = build_signed(RR_KIND_SITE, &t, OWNER_ALPHA, &k_beta);
	v = at_site_alpha("site-signed-by-other-site", "bin");
	v.data = bhex(to_bin(r));
	v.expect = "key";
	v.note = "Site beta's owner signs a record for site alpha with beta's "
		 "own (trusted elsewhere) key.";
	emit(&v);

	t = member_alpha();
	r = build_signed(RR_KIND_MEMBER, &t, owner_m_alpha, &k_alpha);
	v = at_member_alpha("member-self-signed", "txt");
	v.data = to_txt(r);
	v.expect = "key";
	v.note = "A site signs its own membership with its record key: only "
		 "the anchor may.";
	emit(&v);

	t = head_tags(page_hash, 1, 2);
	r = build_signed(RR_KIND_HEAD, &t, owner_head, &k_rogue);
	v = at_head("head-untrusted-key", "txt");
	v.data = to_txt(r);
	v.expect = "key";
	v.note = "Head signed by a key that is not a trust anchor.";
	emit(&v);

	/* -- substitution ---------------------------------------------------- */

	v = at_site_beta("site-wrong-owner", "txt");
	v.data = site_a_txt;
	v.site = "london/alpha";
	v.keys[0] = &k_alpha;
	v.expect = "signature";
	v.note = "site-txt served at another owner name (beta's) with the "
		 "right site expectation:|the owner name is inside the "
		 "signature.";
	emit(&v);

	v = at_head("head-wrong-owner", "bin");
	v.data = bhex(head_bin);
	v.owner = "_vpnrr.vpn.example.com";
	v.expect = "signature";
	v.note = "head-bin replayed in another zone whose VPN is also called "
		 "example.";
	emit(&v);

	v = at_site_beta("site-moved", "txt");
	v.data = site_a_txt;
	v.expect = "name";
	v.note = "Site alpha's record served where site paris/beta's record "
		 "belongs (record moved|to another site).";
	emit(&v);

	t = member_alpha();
	tag_set(&t, "vpn", "other");
	r = build_signed(RR_KIND_MEMBER, &t, owner_m_alpha, &k_anchor);
	v = at_member_alpha("member-other-vpn", "txt");
	v.data = to_txt(r);
	v.expect = "name";
	v.note = "A membership that the same anchor signed for VPN other, "
		 "replayed into VPN example.";
	emit(&v);

	t = site_alpha();
	tag_set(&t, "vpn", "other");
	r = build_signed(RR_KIND_SITE, &t, OWNER_ALPHA, &k_alpha);
	v = at_site_alpha("site-other-vpn", "bin");
	v.data = bhex(to_bin(r));
	v.expect = "name";
	v.note = "Site alpha's record for its membership in VPN other, served "
		 "to VPN example|(same owner name, same key).";
	emit(&v);

	v = at_member_beta("member-other-site", "bin");
	v.data = bhex(mem_a_bin);
	v.expect = "name";
	v.note = "Alpha's membership served at beta's membership name.";
	emit(&v);

	v = at_member_alpha("site-as-member", "txt");
	v.data = site_a_txt;
	v.keys[0] = &k_alpha;
	v.expect = "name";
	v.note = "A site record offered where a membership belongs (kind "
		 "substitution).";
	emit(&v);

	v = at_member_alpha("head-as-member", "bin");
	v.data = bhex(head_bin);
	v.site = NULL;
	v.expect = "name";
	v.note = "A head record (anchor-signed too) offered where a "
		 "membership belongs.";
	emit(&v);

	/* -- validity ---------------------------------------------------------- */

	t = site_alpha();
	tag_set(&t, "x", "1750000000");
	r = build_signed(RR_KIND_SITE, &t, OWNER_ALPHA, &k_alpha);
	v = at_site_alpha("site-expired", "txt");
	v.data = to_txt(r);
	v.expect = "expired";
	v.note = "Correctly signed site record whose validity ended (x) "
		 "before now (freeze attack).";
	emit(&v);

	v = at_site_alpha("site-expired-boundary", "txt");
	v.data = site_a_txt;
	v.now = T_END;
	v.expect = "expired";
	v.note = "now = x: the validity period has just ended.";
	emit(&v);

	t = site_alpha();
	tag_set(&t, "t", "1850000000");
	r = build_signed(RR_KIND_SITE, &t, OWNER_ALPHA, &k_alpha);
	v = at_site_alpha("site-notyet", "txt");
	v.data = to_txt(r);
	v.expect = "notyet";
	v.note = "Correctly signed site record whose validity begins (t) after "
		 "now.";
	emit(&v);

	t = member_alpha();
	tag_set(&t, "t", "1800000001");
	r = build_signed(RR_KIND_MEMBER, &t, owner_m_alpha, &k_anchor);
	v = at_member_alpha("member-notyet-bin", "bin");
	v.data = bhex(to_bin(r));
	v.expect = "notyet";
	v.note = "Membership valid from one second after now.";
	emit(&v);

	t = head_tags(page_hash, 1, 2);
	tag_set(&t, "x", "1799999999");
	r = build_signed(RR_KIND_HEAD, &t, owner_head, &k_anchor);
	v = at_head("head-expired-bin", "bin");
	v.data = bhex(to_bin(r));
	v.expect = "expired";
	v.note = "Head that expired one second before now.";
	emit(&v);

	/* -- signature missing or misplaced ----------------------------------- */

	t = site_alpha();
	r = build(RR_KIND_SITE, &t);
	v = at_site_alpha("site-unsigned", "txt");
	v.data = to_txt(r);
	v.expect = "unsigned";
	v.note = "Complete site record without sk= and sig=.";
	emit(&v);
	v = at_site_alpha("site-unsigned-bin", "bin");
	v.data = bhex(to_bin(r));
	v.expect = "unsigned";
	v.note = "site-unsigned in the binary encoding.";
	emit(&v);

	v = at_site_alpha("site-sk-not-before-sig", "txt");
	s = field_text(site_a_txt, "sk");
	v.data = insert_before(remove_field(site_a_txt, "sk"), "; contact=", s);
	v.expect = "syntax";
	v.note = "sk= moved before contact=: sk= must come directly before "
		 "sig=.";
	emit(&v);

	v = at_site_alpha("site-tags-after-sig", "txt");
	v.data = xprintf("%s; x-late=1; x-later=2", site_a_txt);
	v.expect = "syntax";
	v.note = "Two tags after sig=: sig= must be the last tag.";
	emit(&v);

	v = at_site_alpha("site-tag-after-sig", "txt");
	v.data = xprintf("%s; x-late=1", site_a_txt);
	v.expect = "syntax";
	v.note = "One tag after sig=: sig= must be the last tag.";
	emit(&v);

	v = at_site_alpha("site-sk-unknown-alg", "txt");
	v.data = edit(site_a_txt, "sk=ed25519:", "sk=ed448:");
	v.expect = "key";
	v.note = "sk= names a signature algorithm this implementation does "
		 "not know.";
	emit(&v);

	v = at_site_alpha("site-sig-short", "txt");
	{
		uint8_t zero[63] = { 0 };
		v.data = edit(site_a_txt, field_text(site_a_txt, "sig"),
			      xprintf("; sig=%s", b64(zero, sizeof(zero))));
	}
	v.expect = "truncated";
	v.note = "sig= holds 63 bytes in canonical base64 (84 characters): "
		 "exactly what remains|when a record loses its last 4 "
		 "characters, so at the end of the text it looks cut off.";
	emit(&v);

	{
		uint8_t zero[63] = { 0 };
		v = at_site_alpha("bin-sig-63-bytes", "bin");
		v.data = bhex(bin_set_field(to_bin(site_a), "sig", zero,
					    sizeof(zero)));
		v.expect = "value";
		v.note = "site-bin with a 63-byte sig field (binary lengths "
			 "are exact, so this is not truncation).";
		emit(&v);
	}

	/* -- truncation --------------------------------------------------------- */

	s = xstrdup(site_a_txt);
	s[strlen(s) - 3] = '\0';
	v = at_site_alpha("site-sig-base64-truncated", "txt");
	v.data = s;
	v.expect = "truncated";
	v.note = "site-txt missing its last 3 characters: the sig= base64 is "
		 "not a multiple of 4.";
	emit(&v);

	s = xstrdup(site_a_txt);
	s[255] = '\0';
	v = at_site_alpha("site-cut-255", "txt");
	v.data = s;
	v.expect = "unsigned";
	v.note = "site-txt cut after its first 255-byte string, as some DNS "
		 "panels do; the cut|falls on a base64 quantum inside the "
		 "rsa1 key, so what is left parses as a|complete unsigned "
		 "record, which verification refuses (its message|says the "
		 "record may have been truncated). The class does not depend "
		 "on where|the text ends, so every presentation of a record "
		 "is classed alike.";
	emit(&v);

	s = xstrdup(mem_a_txt);
	s[255] = '\0';
	v = at_member_alpha("member-cut-255", "txt");
	v.data = s;
	v.expect = "truncated";
	v.note = "member-txt cut after its first 255-byte string (inside "
		 "sig=).";
	emit(&v);

	s = xstrdup(site_b_txt);
	s[255] = '\0';
	v = at_site_beta("site-mobile-cut-255", "txt");
	v.data = s;
	v.expect = "truncated";
	v.note = "site-mobile-txt cut after its first 255-byte string.";
	emit(&v);

	v = at_site_alpha("site-cut-before-sig", "txt");
	v.data = edit(site_a_txt, field_text(site_a_txt, "sig"), "");
	v.expect = "truncated";
	v.note = "site-txt cut just before \"; sig=\": sk= announces a "
		 "signature that never comes.";
	emit(&v);

	v = at_site_alpha("site-keys-base64-short", "txt");
	v.data = edit(site_a_txt, xprintf(":%s,", rsa1_alpha),
		      xprintf(":%.*s,", (int)strlen(rsa1_alpha) - 1,
			      rsa1_alpha));
	v.expect = "truncated";
	v.note = "The rsa1 key's base64 lost one character in the middle of "
		 "the record.";
	emit(&v);

	t = site_alpha();
	tag_del(&t, "ptp");
	tag_del(&t, "ks");
	tag_del(&t, "keys");
	tag_del(&t, "key-lifetime");
	tag_del(&t, "setup-timeout");
	tag_del(&t, "contact");
	tag_del(&t, "x-future");
	r = build(RR_KIND_SITE, &t);
	v = at_site_alpha("site-missing-unsigned", "txt");
	v.data = to_txt(r);
	v.expect = "truncated";
	v.note = "A record that stops after nets= (no ptp, ks, keys, no "
		 "signature) at a tag boundary:|required tags are missing and "
		 "nothing says the record is complete, so it looks cut off.";
	emit(&v);
	v = at_site_alpha("site-missing-unsigned-bin", "bin");
	v.data = bhex(to_bin(r));
	v.expect = "missing";
	v.note = "site-missing-unsigned in the binary encoding, whose length "
		 "is exact: reported as missing.";
	emit(&v);

	b = to_bin(site_a);
	b.len -= 5;
	v = at_site_alpha("bin-field-past-end", "bin");
	v.data = bhex(b);
	v.expect = "truncated";
	v.note = "site-bin without its last 5 bytes: the sig field runs past "
		 "the end of the RDATA.";
	emit(&v);

	b = to_bin(site_a);
	b.p[bin_find(b, "nets") + 5] = 0xff;
	v = at_site_alpha("bin-length-past-end", "bin");
	v.data = bhex(b);
	v.expect = "truncated";
	v.note = "site-bin with the value length of nets raised to 0xff..: the "
		 "field runs past the end.";
	emit(&v);

	b = to_txtrdata(site_a);
	b.len -= 3;
	v = at_site_alpha("txtrdata-string-past-end", "txtrdata");
	v.data = bhex(b);
	v.expect = "truncated";
	v.note = "TXT RDATA whose last character-string's length byte claims "
		 "more bytes than remain.";
	emit(&v);

	/* -- limits ---------------------------------------------------------------- */

	{
		size_t splits[] = { 256 };
		v = at_site_alpha("string-256", "txt");
		v.strings = quoted(site_a_txt, splits, 1);
		v.expect = "limit";
		v.note = "site-txt as two strings, the first of 256 bytes: a "
			 "DNS character-string holds at most 255.";
		emit(&v);
	}

	t = site_alpha();
	r = build(RR_KIND_SITE, &t);
	s = to_txt(r);
	for (int i = 0; i < 17; i++) {
		char pad[1001];
		memset(pad, 'a' + i, 1000);
		pad[1000] = '\0';
		s = xprintf("%s; x-pad%02d=%s", s, i, pad);
	}
	v = at_site_alpha("site-over-16384", "txt");
	v.data = s;
	v.expect = "limit";
	v.note = "An unsigned site record padded with 17 unknown tags of 1000 "
		 "bytes to more than|16384 bytes of text.";
	emit(&v);

	b = to_bin(r);
	for (int i = 0; i < 17; i++) {
		uint8_t pad[1000];
		char tag[16];
		memset(pad, 'a' + i, sizeof(pad));
		snprintf(tag, sizeof(tag), "x-pad%02d", i);
		bin_field(&b, tag, pad, sizeof(pad));
	}
	v = at_site_alpha("bin-over-16384", "bin");
	v.data = bhex(b);
	v.expect = "limit";
	v.note = "site-over-16384 in the binary encoding (more than 16384 "
		 "bytes of RDATA).";
	emit(&v);

	s = to_txt(r);
	for (int i = 0; i < 64; i++)
		s = xprintf("%s; x-%02d=1", s, i);
	v = at_site_alpha("site-65-tags", "txt");
	v.data = s;
	v.expect = "limit";
	v.note = "A site record with more than 64 tags (64 unknown tags "
		 "added).";
	emit(&v);

	{
		char tag[40];
		memset(tag, 'x', 33);
		tag[33] = '\0';
		v = at_site_alpha("site-tag-name-33", "txt");
		v.data = insert_before(site_a_txt, "; sk=",
				       xprintf("; %s=1", tag));
		v.expect = "limit";
		v.note = "A tag name of 33 bytes (at most 32).";
		emit(&v);
	}

	/* -- version and tag order ------------------------------------------------ */

	v = at_site_alpha("site-v2", "txt");
	v.data = edit(site_a_txt, "v=vpnrr1;", "v=vpnrr2;");
	v.expect = "version";
	v.note = "v=vpnrr2: a version this implementation does not know.";
	emit(&v);

	v = at_site_alpha("site-no-v", "txt");
	v.data = edit(site_a_txt, "v=vpnrr1; ", "");
	v.expect = "version";
	v.note = "The record does not start with v=.";
	emit(&v);

	b = to_bin(site_a);
	b.p[0] = 2;
	v = at_site_alpha("bin-version-2", "bin");
	v.data = bhex(b);
	v.expect = "version";
	v.note = "site-bin with binary version byte 2.";
	emit(&v);

	v = at_site_alpha("site-dup-v", "txt");
	v.data = edit(site_a_txt, "v=vpnrr1;", "v=vpnrr1; v=vpnrr1;");
	v.expect = "duplicate";
	v.note = "v= appears twice.";
	emit(&v);

	v = at_site_alpha("site-dup-tag", "txt");
	v.data = edit(site_a_txt, "; s=7;", "; s=7; s=7;");
	v.expect = "duplicate";
	v.note = "s= appears twice (with the same value): DKIM's rule, a "
		 "duplicate tag invalidates the record.";
	emit(&v);

	v = at_site_alpha("site-dup-unknown-tag", "txt");
	v.data = insert_before(site_a_txt, "; sk=", "; x-future=again");
	v.expect = "duplicate";
	v.note = "An unknown tag (x-future) appears twice.";
	emit(&v);

	b = to_bin(head);
	{
		size_t off = bin_find(b, "s");
		b = bin_insert(b, off, b.p + off, 3 + 1 + 4);
	}
	v = at_head("head-dup-tag-bin", "bin");
	v.data = bhex(b);
	v.expect = "duplicate";
	v.note = "head-bin with its s field repeated.";
	emit(&v);

	v = at_site_alpha("site-k-not-second", "txt");
	v.data = edit(site_a_txt, "v=vpnrr1; k=site; vpn=example;",
		      "v=vpnrr1; vpn=example; k=site;");
	v.expect = "missing";
	v.note = "k= must be the second tag, right after v=.";
	emit(&v);

	v = at_site_alpha("site-missing-ptp", "txt");
	v.data = remove_field(site_a_txt, "ptp");
	v.expect = "missing";
	v.note = "Signed site record with the required ptp= removed (the "
		 "signature is still there,|so the record is not truncated).";
	emit(&v);

	v = at_member_alpha("member-missing-at", "txt");
	v.data = remove_field(mem_a_txt, "at");
	v.expect = "missing";
	v.note = "Signed membership with the required at= removed.";
	emit(&v);

	v = at_head("head-missing-pages", "txt");
	v.data = remove_field(head_txt, "pages");
	v.expect = "missing";
	v.note = "Signed head with the required pages= removed.";
	emit(&v);

	/* -- tags --------------------------------------------------------------- */

	v = at_site_alpha("site-unknown-critical", "txt");
	v.data = insert_before(site_a_txt, "; sk=", "; !x-must=1");
	v.expect = "critical";
	v.note = "An unknown tag marked critical ('!'): readers that do not "
		 "know it must reject the record.";
	emit(&v);

	b = to_bin(site_a);
	{
		struct bytes f = { NULL, 0 };
		bin_field(&f, "!x-must", (const uint8_t *)"1", 1);
		b = bin_insert(b, bin_find(b, "sk"), f.p, f.len);
	}
	v = at_site_alpha("bin-unknown-critical", "bin");
	v.data = bhex(b);
	v.expect = "critical";
	v.note = "site-bin with an unknown critical field !x-must before sk.";
	emit(&v);

	v = at_site_alpha("site-known-critical", "txt");
	v.data = edit(site_a_txt, "; contact=", "; !contact=");
	v.expect = "syntax";
	v.note = "A known tag marked critical: '!' is only for unknown "
		 "tags.";
	emit(&v);

	v = at_site_alpha("site-unexpected-at", "txt");
	v.data = insert_before(site_a_txt, "; sk=", "; at=gw.example.net");
	v.expect = "unexpected";
	v.note = "at= belongs in memberships, not in site records.";
	emit(&v);

	v = at_head("head-unexpected-nets", "txt");
	v.data = insert_before(head_txt, "; sk=", "; nets=10.0.0.0/8");
	v.expect = "unexpected";
	v.note = "nets= in a head record.";
	emit(&v);

	v = at_site_alpha("site-bad-tag-name", "txt");
	v.data = edit(site_a_txt, "; contact=", "; Contact=");
	v.expect = "syntax";
	v.note = "Tag names are lower case.";
	emit(&v);

	/* -- values: addresses, prefixes, endpoints ----------------------------- */

	v = at_site_alpha("ep-ipv6-no-brackets", "txt");
	v.data = edit(site_a_txt, "[2001:db8::1]:4500", "2001:db8::1:4500");
	v.expect = "syntax";
	v.note = "IPv6 endpoint without brackets: the port cannot be told "
		 "apart.";
	emit(&v);

	v = at_site_alpha("ep-ipv4-mapped", "txt");
	v.data = edit(site_a_txt, "[2001:db8::1]:4500", "[::ffff:192.0.2.1]:4500");
	v.expect = "value";
	v.note = "IPv4-mapped IPv6 endpoint: an IPv4 host must be written as "
		 "IPv4.";
	emit(&v);

	v = at_site_alpha("ep-scope-id", "txt");
	v.data = edit(site_a_txt, "[2001:db8::1]:4500", "[fe80::1%eth0]:4500");
	v.expect = "value";
	v.note = "Scope ids mean nothing outside one host.";
	emit(&v);

	v = at_site_alpha("ep-ipv6-not-canonical", "txt");
	v.data = edit(site_a_txt, "[2001:db8::1]:4500", "[2001:0db8::1]:4500");
	v.expect = "canonical";
	v.note = "IPv6 not in RFC 5952 form (leading zero in a group).";
	emit(&v);

	v = at_site_alpha("ep-ipv6-upper-case", "txt");
	v.data = edit(site_a_txt, "[2001:db8::1]:4500", "[2001:DB8::1]:4500");
	v.expect = "canonical";
	v.note = "IPv6 in upper case: RFC 5952 text is lower case.";
	emit(&v);

	v = at_site_alpha("ep-port-leading-zero", "txt");
	v.data = edit(site_a_txt, "192.0.2.1:4500", "192.0.2.1:04500");
	v.expect = "canonical";
	v.note = "Port with a leading zero.";
	emit(&v);

	v = at_site_alpha("ep-port-zero", "txt");
	v.data = edit(site_a_txt, "192.0.2.1:4500", "192.0.2.1:0");
	v.expect = "value";
	v.note = "Port 0 is out of range.";
	emit(&v);

	v = at_site_alpha("ep-host-upper-case", "txt");
	v.data = edit(site_a_txt, "gw.alpha.example.net:4500",
		      "GW.alpha.example.net:4500");
	v.expect = "canonical";
	v.note = "Host names in endpoints are lower case.";
	emit(&v);

	v = at_site_beta("ep-endpoint-then-mobile", "txt");
	v.data = edit(site_b_txt, "ep=mobile", "ep=192.0.2.2:4500,mobile");
	v.expect = "value";
	v.note = "mobile comes first, before any endpoint.";
	emit(&v);

	v = at_site_alpha("nets-prefix-too-long", "txt");
	v.data = edit(site_a_txt, "nets=10.1.0.0/16", "nets=10.1.0.0/33");
	v.expect = "value";
	v.note = "IPv4 prefix length 33.";
	emit(&v);

	v = at_site_alpha("nets-host-bits", "txt");
	v.data = edit(site_a_txt, "nets=10.1.0.0/16", "nets=10.1.0.1/16");
	v.expect = "value";
	v.note = "Prefix with host bits set.";
	emit(&v);

	v = at_site_alpha("nets-ipv6-not-canonical", "txt");
	v.data = edit(site_a_txt, "fd00:1::/48", "fd00:1:0::/48");
	v.expect = "canonical";
	v.note = "IPv6 prefix not in RFC 5952 form.";
	emit(&v);

	v = at_site_alpha("nets-empty", "txt");
	v.data = edit(site_a_txt, "nets=10.1.0.0/16,fd00:1::/48", "nets=");
	v.expect = "value";
	v.note = "An empty network list.";
	emit(&v);

	v = at_site_alpha("nets-empty-item", "txt");
	v.data = edit(site_a_txt, "nets=10.1.0.0/16,", "nets=10.1.0.0/16,,");
	v.expect = "syntax";
	v.note = "An empty item in a list.";
	emit(&v);

	b = to_bin(site_a);
	b.p[bin_find(b, "nets") + 7] = 33; /* prefix length of the first net */
	v = at_site_alpha("bin-prefix-too-long", "bin");
	v.data = bhex(b);
	v.expect = "value";
	v.note = "site-bin with the first prefix length set to 33.";
	emit(&v);

	v = at_site_alpha("ptp-ipv4-leading-zero", "txt");
	v.data = edit(site_a_txt, "ptp=10.1.0.1", "ptp=10.1.0.01");
	v.expect = "value";
	v.note = "IPv4 address with a leading zero in an octet (not an "
		 "address at all for inet_pton).";
	emit(&v);

	/* -- values: numbers, names, keys, times ----------------------------------- */

	v = at_site_alpha("ks-upper-case", "txt");
	v.data = edit(site_a_txt, "ks=0000000a", "ks=0000000A");
	v.expect = "canonical";
	v.note = "Key-set serial in upper-case hex.";
	emit(&v);

	v = at_site_alpha("s-leading-zero", "txt");
	v.data = edit(site_a_txt, "; s=7;", "; s=07;");
	v.expect = "canonical";
	v.note = "Serial with a leading zero.";
	emit(&v);

	v = at_site_alpha("s-too-large", "txt");
	v.data = edit(site_a_txt, "; s=7;", "; s=4294967296;");
	v.expect = "value";
	v.note = "Serial larger than 2^32-1.";
	emit(&v);

	v = at_site_alpha("tunable-zero", "txt");
	v.data = edit(site_a_txt, "setup-timeout=2000", "setup-timeout=0");
	v.expect = "value";
	v.note = "secnet tunables are 1..2147483647.";
	emit(&v);

	v = at_site_alpha("contact-trailing-space", "txt");
	v.data = edit(site_a_txt, "contact=ops@alpha.example.net",
		      "contact=ops@alpha.example.net ");
	v.expect = "canonical";
	v.note = "A text value with a trailing space.";
	emit(&v);

	v = at_site_alpha("site-name-no-location", "txt");
	v.data = edit(site_a_txt, "site=london/alpha", "site=alpha");
	v.expect = "value";
	v.note = "site= needs LOCATION/SITE.";
	emit(&v);

	v = at_member_alpha("member-at-upper-case", "txt");
	v.data = edit(mem_a_txt, "at=_vpnrr.alpha", "at=_vpnrr.Alpha");
	v.expect = "canonical";
	v.note = "at= DNS names are lower case.";
	emit(&v);

	v = at_member_alpha("member-at-final-dot", "txt");
	v.data = edit(mem_a_txt, "at=_vpnrr.alpha.example.net;",
		      "at=_vpnrr.alpha.example.net.;");
	v.expect = "canonical";
	v.note = "at= DNS names have no final dot.";
	emit(&v);

	{
		uint8_t k31[31];
		const char *rk = pubtext(&k_alpha);
		memcpy(k31, k_alpha.pub.key, 31);
		v = at_member_alpha("member-rk-31-bytes", "txt");
		v.data = edit(mem_a_txt, rk, xprintf("ed25519:%s", b64(k31, 31)));
		v.expect = "key";
		v.note = "An ed25519 record key of 31 bytes.";
		emit(&v);
	}

	v = at_site_alpha("keys-empty-data", "txt");
	v.data = edit(site_a_txt, xprintf("~0000c3d4:x25519:%s", x25519_alpha),
		      "~0000c3d4:x25519:");
	v.expect = "key";
	v.note = "A transport key with no key data at all (empty base64).";
	emit(&v);

	{
		static const uint8_t k0[] = { 0, 0, 0, 0, 1, 6, 'x', '2', '5',
					      '5', '1', '9', 0, 0 };
		v = at_site_alpha("bin-keys-empty-data", "bin");
		v.data = bhex(bin_set_field(to_bin(site_a), "keys", k0,
					    sizeof(k0)));
		v.expect = "key";
		v.note = "site-bin whose keys field holds one x25519 key with "
			 "0 bytes of key data.";
		emit(&v);
	}

	v = at_site_alpha("keys-base64-stray-bits", "txt");
	v.data = edit(site_a_txt, xprintf("~0000c3d4:x25519:%s", x25519_alpha),
		      "~0000c3d4:x25519:AAB=");
	v.expect = "value";
	v.note = "base64 whose last character carries stray bits (AAB=): "
		 "libsodium refuses it.";
	emit(&v);

	t = site_alpha();
	tag_set(&t, "x", xprintf("%llu", T_START));
	r = build(RR_KIND_SITE, &t);
	v = at_site_alpha("site-x-not-after-t", "txt");
	v.data = to_txt(r);
	v.expect = "value";
	v.note = "x equal to t: an empty validity period (rr_sign refuses "
		 "it, so the record is unsigned).";
	emit(&v);

	v = at_head("head-n-too-large", "txt");
	v.data = edit(head_txt, "; n=2;", "; n=65;");
	v.expect = "value";
	v.note = "n=65 members cannot fit one page (at most 64 entries).";
	emit(&v);

	{
		uint8_t h31[31];
		memcpy(h31, page_hash, 31);
		v = at_head("head-pages-31-bytes", "txt");
		v.data = edit(head_txt, b64(page_hash, RR_HASH_LEN),
			      b64(h31, 31));
		v.expect = "value";
		v.note = "pages= must be a list of 32-byte hashes.";
		emit(&v);
	}

	v = at_site_alpha("kind-unknown", "txt");
	v.data = edit(site_a_txt, "k=site;", "k=relay;");
	v.expect = "value";
	v.note = "An unknown record kind.";
	emit(&v);

	/* -- binary junk ------------------------------------------------------------- */

	b = to_bin(site_a);
	b = bin_insert(b, b.len, "", 1);
	v = at_site_alpha("bin-trailing-byte", "bin");
	v.data = bhex(b);
	v.expect = "truncated";
	v.note = "site-bin followed by one zero byte: the start of a field "
		 "that is cut short.";
	emit(&v);

	b = to_bin(site_a);
	bin_field(&b, "x-junk", (const uint8_t *)"1", 1);
	v = at_site_alpha("bin-trailing-field", "bin");
	v.data = bhex(b);
	v.expect = "syntax";
	v.note = "site-bin followed by a complete field: nothing may follow "
		 "sig.";
	emit(&v);

	b = to_bin(site_a);
	b.p[bin_find(b, "k") + 4] = 5;
	v = at_site_alpha("bin-kind-5", "bin");
	v.data = bhex(b);
	v.expect = "value";
	v.note = "site-bin with kind byte 5, which names no kind.";
	emit(&v);

	gen_invalid_wg();
	close_out();
}


/* ---- anchor.vec ---------------------------------------------------------- */

static struct tags anchor_tags(const char *op, const struct rr_seckey *k)
{
	struct tags t = { .n = 0 };

	tag_set(&t, "vpn", VPN);
	time_tags(&t, "2026112301");
	tag_set(&t, op, pubtext(k));
	return t;
}

static struct vec at_anchor(const char *name, const char *enc)
{
	return (struct vec){ .name = name, .kind = "anchor", .enc = enc,
			     .owner = owner_anchor, .vpn = VPN, .now = T_NOW,
			     .keys = { &k_anchor } };
}

static void gen_anchor(void)
{
	struct rr_record *add, *ret, *r;
	struct tags t;
	struct vec v;
	char *add_txt, *ret_txt;

	open_out("anchor.vec", "vpnrr test vectors: anchor statements "
		 "(announce and retire a trust anchor)");
	t = anchor_tags("add", &k_anchor2);
	add = build_signed(RR_KIND_ANCHOR, &t, owner_anchor, &k_anchor);
	add_txt = to_txt(add);
	t = anchor_tags("retire", &k_anchor);
	ret = build_signed(RR_KIND_ANCHOR, &t, owner_anchor, &k_anchor);
	ret_txt = to_txt(ret);

	v = at_anchor("anchor-add-txt", "txt");
	v.data = add_txt;
	v.expect = "ok";
	v.note = "anchor announces anchor2 as a new trust anchor.";
	emit(&v);

	v = at_anchor("anchor-add-bin", "bin");
	v.data = bhex(to_bin(add));
	v.expect = "ok";
	v.note = "anchor-add-txt in the binary form.";
	emit(&v);

	v = at_anchor("anchor-add-txtrdata", "txtrdata");
	v.data = bhex(to_txtrdata(add));
	v.expect = "ok";
	v.note = "anchor-add-txt as TXT RDATA.";
	emit(&v);

	v = at_anchor("anchor-retire-txt", "txt");
	v.data = ret_txt;
	v.expect = "ok";
	v.note = "anchor retires itself (signed by the key it retires).";
	emit(&v);

	v = at_anchor("anchor-retire-bin", "bin");
	v.data = bhex(to_bin(ret));
	v.expect = "ok";
	v.note = "anchor-retire-txt in the binary form.";
	emit(&v);

	t = anchor_tags("add", &k_anchor2);
	r = build_signed(RR_KIND_ANCHOR, &t, owner_anchor, &k_rogue);
	v = at_anchor("anchor-add-rogue", "txt");
	v.data = to_txt(r);
	v.expect = "key";
	v.note = "a forged announcement: signed by a key nobody trusts.";
	emit(&v);

	t = anchor_tags("retire", &k_anchor2);
	r = build_signed(RR_KIND_ANCHOR, &t, owner_anchor, &k_anchor);
	v = at_anchor("anchor-retire-other", "txt");
	v.keys[1] = &k_anchor2;
	v.data = to_txt(r);
	v.expect = "key";
	v.note = "anchor retires anchor2: only a key itself may retire it,|"
		 "even when the signer is trusted too.";
	emit(&v);

	v = at_anchor("anchor-retire-untrusted", "txt");
	v.keys[0] = &k_anchor2;
	v.data = ret_txt;
	v.expect = "key";
	v.note = "a retire statement of a key the verifier does not know.";
	emit(&v);

	v = at_anchor("anchor-both", "txt");
	v.data = insert_before(add_txt, "; sk=",
			       xprintf("; retire=%s", pubtext(&k_anchor)));
	v.expect = "value";
	v.note = "add= and retire= together.";
	emit(&v);

	v = at_anchor("anchor-neither", "txt");
	v.data = remove_field(add_txt, "add");
	v.expect = "missing";
	v.note = "neither add= nor retire=.";
	emit(&v);

	v = at_anchor("anchor-add-x25519", "txt");
	v.data = edit(add_txt, xprintf("add=%s", pubtext(&k_anchor2)),
		      xprintf("add=x25519:%s", pubtext(&k_anchor2) + 8));
	v.expect = "key";
	v.note = "an anchor must be a record-signing key.";
	emit(&v);

	v = at_anchor("anchor-add-tampered", "txt");
	v.data = flip_b64(add_txt, "add", 13);
	v.expect = "signature";
	v.note = "the announced key was changed after signing.";
	emit(&v);

	v = at_anchor("anchor-add-expired", "txt");
	v.data = add_txt;
	v.now = T_END;
	v.expect = "expired";
	v.note = "valid while t <= now < x.";
	emit(&v);

	v = at_anchor("anchor-add-wrong-owner", "txt");
	v.owner = owner_head;
	v.data = add_txt;
	v.expect = "signature";
	v.note = "the owner name is inside the signed bytes: a statement|"
		 "cannot be moved to another name.";
	emit(&v);

	v = at_anchor("anchor-add-as-head", "txt");
	v.kind = "head";
	v.owner = owner_head;
	v.data = add_txt;
	v.expect = "name";
	v.note = "an anchor statement offered where a head belongs.";
	emit(&v);

	v = at_anchor("anchor-head-as-anchor", "txt");
	v.data = head_txt;
	v.expect = "name";
	v.note = "a head offered where an anchor statement belongs.";
	emit(&v);

	v = at_anchor("anchor-add-other-vpn", "txt");
	v.vpn = "other";
	v.data = add_txt;
	v.expect = "name";
	v.note = "a statement of another VPN.";
	emit(&v);

	close_out();
}

/* ---- page.vec ------------------------------------------------------------ */

static void gen_page(void)
{
	struct vec v;
	struct tags t;
	struct rr_record *r, *e[2];
	uint8_t h[RR_HASH_LEN];

	open_out("page.vec",
		 "vpnrr test vectors: member pages and their hashes");

	v = at_page("page-valid");
	v.members[0] = entry_a_txt;
	v.members[1] = entry_b_txt;
	v.hash = page_hash_hex;
	v.expect = "ok";
	v.note = "The page that head-txt lists: unsigned member entries of "
		 "london/alpha and paris/beta.";
	emit(&v);

	v = at_page("page-order");
	v.members[0] = entry_b_txt;
	v.members[1] = entry_a_txt;
	v.hash = page_hash_hex;
	v.expect = "ok";
	v.note = "The same page with the entries in the other order: an "
		 "RRset has no order.";
	emit(&v);

	t = member_alpha();
	e[0] = build(RR_KIND_MEMBER, &t);
	page_hash_of(e, 1, h);
	v = at_page("page-single");
	v.members[0] = entry_a_txt;
	v.hash = hex(h, RR_HASH_LEN);
	v.expect = "ok";
	v.note = "A page of one entry.";
	emit(&v);

	v = at_page("page-hash-mismatch");
	v.members[0] = entry_a_txt;
	v.members[1] = edit(entry_b_txt, "nets=10.2.0.0/24", "nets=10.0.0.0/8");
	v.hash = page_hash_hex;
	v.expect = "hash";
	v.note = "Beta's entry altered (nets widened): the page no longer "
		 "matches the head's hash.";
	emit(&v);

	v = at_page("page-entry-dropped");
	v.members[0] = entry_a_txt;
	v.hash = page_hash_hex;
	v.expect = "hash";
	v.note = "An entry removed from the page (a site hidden from the "
		 "VPN).";
	emit(&v);

	t = member_beta();
	tag_set(&t, "s", "2");
	r = build(RR_KIND_MEMBER, &t);
	v = at_page("page-mix-and-match");
	v.members[0] = entry_a_txt;
	v.members[1] = to_txt(r);
	v.hash = page_hash_hex;
	v.expect = "hash";
	v.note = "Beta's entry from a newer version of the membership (s=2) "
		 "mixed into the page|of the older head.";
	emit(&v);

	v = at_page("page-entry-added");
	v.members[0] = entry_a_txt;
	v.members[1] = entry_b_txt;
	t = member_beta();
	tag_set(&t, "site", "paris/gamma");
	tag_set(&t, "nets", "10.3.0.0/24");
	tag_set(&t, "at", "_vpnrr.gamma.example.net");
	r = build(RR_KIND_MEMBER, &t);
	v.members[2] = to_txt(r);
	v.hash = page_hash_hex;
	v.expect = "hash";
	v.note = "An entry injected into the page.";
	emit(&v);

	v = at_page("page-entry-signed");
	v.members[0] = entry_a_txt;
	v.members[1] = mem_b_txt;
	v.hash = page_hash_hex;
	v.expect = "unsigned";
	v.note = "A page entry carrying sk= and sig=: page entries are "
		 "covered by the head's signature|and must not be signed "
		 "themselves.";
	emit(&v);

	v = at_page("page-entry-site");
	v.members[0] = entry_a_txt;
	v.members[1] = site_b_txt;
	v.hash = page_hash_hex;
	v.expect = "name";
	v.note = "A site record among the page entries.";
	emit(&v);

	v = at_page("page-entry-duplicate-tag");
	v.members[0] = entry_a_txt;
	v.members[1] = edit(entry_b_txt, "; s=1;", "; s=1; s=1;");
	v.hash = page_hash_hex;
	v.expect = "duplicate";
	v.note = "A page entry that does not parse (s= twice).";
	emit(&v);

	close_out();
}

int main(int argc, char **argv)
{
	struct rr_error err;
	uint8_t buf[64];

	if (argc == 4 && strcmp(argv[3], "--pending") == 0) {
		char *path = xprintf("%s/pending.vec", argv[2]);
		pend = fopen(path, "w");
		if (!pend)
			die("%s: cannot create", path);
		fprintf(pend, "# vpnrr test vectors that the rr library does "
			      "not pass yet (see README.md).\n");
	} else if (argc != 3) {
		fprintf(stderr, "usage: mkvectors KEYDIR OUTDIR [--pending]\n");
		return 2;
	}
	keydir = argv[1];
	outdir = argv[2];
	if (sodium_init() < 0)
		die("libsodium failed to start");
	load_key("anchor", &k_anchor);
	load_key("alpha", &k_alpha);
	load_key("beta", &k_beta);
	load_key("rogue", &k_rogue);
	load_key("anchor2", &k_anchor2);

	check(rr_name_head(ZONE, owner_head, &err), &err, "rr_name_head");
	check(rr_name_anchor(ZONE, owner_anchor, &err), &err,
	      "rr_name_anchor");
	check(rr_name_member(ZONE, "london/alpha", owner_m_alpha, &err), &err,
	      "rr_name_member");
	check(rr_name_member(ZONE, "paris/beta", owner_m_beta, &err), &err,
	      "rr_name_member");

	/* Opaque transport key data: any bytes do for the record format. */
	filler("vpnrr test vector rsa1 key alpha", buf, 64);
	rsa1_alpha = b64(buf, 64);
	filler("vpnrr test vector x25519 key alpha", buf, 32);
	x25519_alpha = b64(buf, 32);
	filler("vpnrr test vector x25519 key beta", buf, 32);
	x25519_beta = b64(buf, 32);

	build_common();
	gen_valid();
	gen_invalid();
	gen_page();
	gen_anchor();
	if (pend && (ferror(pend) || fclose(pend) != 0))
		die("pending.vec: write error");
	free_all();
	return 0;
}
