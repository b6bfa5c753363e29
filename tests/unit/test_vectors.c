/*
 * test_vectors.c - runs the machine-checkable test vectors.
 *
 *   test_vectors VECDIR [SPEC.md]
 *
 * Reads every *.vec file in VECDIR and every ```vpnrr-vector fenced block
 * of the markdown file (a missing file, or one without such blocks, adds no
 * vectors), runs each vector as tests/vectors/README.md describes, and
 * fails listing every vector whose result differs from its expectation
 * (VPNRR_VECTORS_VERBOSE=1 in the environment lists every result).
 * All vector data comes from those files; nothing is repeated here.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rr.h"

#define MIN_VEC_FILE_VECTORS 30

static const char *vecdir;
static const char *specfile;

/* ---- growable lists ------------------------------------------------------ */

struct strlist {
	char **v;
	size_t n;
};

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	assert_non_null(q);
	return q;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = xrealloc(NULL, n);

	memcpy(p, s, n);
	return p;
}

static void strlist_add(struct strlist *l, const char *s)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
}

static void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ---- vectors ------------------------------------------------------------- */

enum field {
	F_KIND,
	F_ENCODING,
	F_OWNER,
	F_VPN,
	F_SITE,
	F_NOW,
	F_DATA,
	F_STRINGS,
	F_HASH,
	F_EXPECT,
	F_COUNT
};

static const char *const field_names[F_COUNT] = {
	"kind", "encoding", "owner", "vpn", "site",
	"now", "data", "strings", "hash", "expect",
};

struct vector {
	char *name;
	char *where;  /* "file:line" of the header */
	char *f[F_COUNT];
	struct strlist keys, members, notes;
};

struct vectors {
	struct vector *v;
	size_t n;
};

/* Problems with the vector files themselves, and failed vectors. */
struct report {
	struct strlist lines;
};

static void report(struct report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void report(struct report *r, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	strlist_add(&r->lines, buf);
}

static void vector_free(struct vector *v)
{
	free(v->name);
	free(v->where);
	for (int i = 0; i < F_COUNT; i++)
		free(v->f[i]);
	strlist_free(&v->keys);
	strlist_free(&v->members);
	strlist_free(&v->notes);
}

static void vectors_free(struct vectors *vs)
{
	for (size_t i = 0; i < vs->n; i++)
		vector_free(&vs->v[i]);
	free(vs->v);
	vs->v = NULL;
	vs->n = 0;
}

static bool name_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* Parser state for one source (a .vec file or the blocks of a markdown
 * file): lines are fed one at a time. */
struct reader {
	const char *file;
	struct vectors *vs;
	struct report *rep;
	struct vector *cur;
};

static void feed_line(struct reader *rd, char *line, unsigned lineno)
{
	size_t n = strlen(line);
	struct vector *v;
	char *eq;

	if (n == 0 || line[0] == '#')
		return;
	if (line[0] == '[') {
		if (n < 3 || line[n - 1] != ']' || !name_ok(line + 1, n - 2)) {
			report(rd->rep, "%s:%u: bad vector header \"%s\"",
			       rd->file, lineno, line);
			rd->cur = NULL;
			return;
		}
		rd->vs->v = xrealloc(rd->vs->v,
				     (rd->vs->n + 1) * sizeof(*rd->vs->v));
		v = &rd->vs->v[rd->vs->n++];
		memset(v, 0, sizeof(*v));
		line[n - 1] = '\0';
		v->name = xstrdup(line + 1);
		char where[512];
		snprintf(where, sizeof(where), "%s:%u", rd->file, lineno);
		v->where = xstrdup(where);
		rd->cur = v;
		return;
	}
	eq = strstr(line, " = ");
	if (!eq) {
		report(rd->rep, "%s:%u: expected \"key = value\"", rd->file,
		       lineno);
		return;
	}
	if (!rd->cur) {
		report(rd->rep, "%s:%u: line outside a vector", rd->file,
		       lineno);
		return;
	}
	v = rd->cur;
	*eq = '\0';
	const char *key = line, *val = eq + 3;
	if (strcmp(key, "key") == 0) {
		strlist_add(&v->keys, val);
		return;
	}
	if (strcmp(key, "member") == 0) {
		strlist_add(&v->members, val);
		return;
	}
	if (strcmp(key, "note") == 0) {
		strlist_add(&v->notes, val);
		return;
	}
	for (int i = 0; i < F_COUNT; i++) {
		if (strcmp(key, field_names[i]) != 0)
			continue;
		if (v->f[i]) {
			report(rd->rep, "%s:%u: [%s]: %s given twice", rd->file,
			       lineno, v->name, key);
			return;
		}
		v->f[i] = xstrdup(val);
		return;
	}
	report(rd->rep, "%s:%u: [%s]: unknown key \"%s\"", rd->file, lineno,
	       v->name, key);
}

/* Removes the line end ("\n" or "\r\n"). */
static void chomp(char *line)
{
	size_t n = strlen(line);

	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	if (n > 0 && line[n - 1] == '\r')
		line[--n] = '\0';
}

/* Reads FILE: all of it when MARKDOWN is false, else only the lines of
 * ```vpnrr-vector blocks.  Returns false when the file cannot be opened. */
static bool read_source(const char *file, bool markdown, struct vectors *vs,
			struct report *rep)
{
	struct reader rd = { file, vs, rep, NULL };
	FILE *f = fopen(file, "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	bool inblock = false;

	if (!f)
		return false;
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		chomp(line);
		if (markdown) {
			if (!inblock) {
				const char *p = line + strspn(line, " ");
				if (strncmp(p, "```vpnrr-vector", 15) == 0 &&
				    p[15 + strspn(p + 15, " ")] == '\0') {
					inblock = true;
					rd.cur = NULL;
				}
				continue;
			}
			if (strncmp(line + strspn(line, " "), "```", 3) == 0) {
				inblock = false;
				continue;
			}
		}
		feed_line(&rd, line, lineno);
	}
	if (inblock)
		report(rep, "%s: unterminated ```vpnrr-vector block", file);
	free(line);
	fclose(f);
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void read_vec_dir(const char *dir, struct vectors *vs,
			 struct report *rep)
{
	struct strlist files = { 0 };
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		fail_msg("%s: cannot open directory: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (n > 4 && strcmp(de->d_name + n - 4, ".vec") == 0) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			strlist_add(&files, path);
		}
	}
	closedir(d);
	qsort(files.v, files.n, sizeof(*files.v), cmp_str);
	for (size_t i = 0; i < files.n; i++)
		if (!read_source(files.v[i], false, vs, rep))
			report(rep, "%s: cannot open: %s", files.v[i],
			       strerror(errno));
	strlist_free(&files);
}

/* ---- decoding helpers ------------------------------------------------------ */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Lower-case hex -> bytes; false when malformed. */
static bool unhex(const char *s, uint8_t **out, size_t *outlen)
{
	size_t n = strlen(s);
	uint8_t *p;

	if (n % 2 != 0)
		return false;
	p = xrealloc(NULL, n / 2);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(p);
			return false;
		}
		p[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = p;
	*outlen = n / 2;
	return true;
}

static void tohex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* The character-strings of a TXT record. */
struct strings {
	uint8_t **s;
	size_t *len;
	size_t n;
};

static void strings_add(struct strings *st, const uint8_t *p, size_t n)
{
	st->s = xrealloc(st->s, (st->n + 1) * sizeof(*st->s));
	st->len = xrealloc(st->len, (st->n + 1) * sizeof(*st->len));
	st->s[st->n] = xrealloc(NULL, n);
	memcpy(st->s[st->n], p, n);
	st->len[st->n++] = n;
}

static void strings_free(struct strings *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->s[i]);
	free(st->s);
	free(st->len);
	memset(st, 0, sizeof(*st));
}

/* Joined text split into 255-byte strings, as a DNS publisher does. */
static void split_255(const char *text, struct strings *st)
{
	size_t len = strlen(text);

	for (size_t off = 0; off < len; off += RR_MAX_STRING)
		strings_add(st, (const uint8_t *)text + off,
			    len - off < RR_MAX_STRING ? len - off
						      : RR_MAX_STRING);
}

/* dig-style "a" "b" with \" \\ \DDD escapes; false when malformed. */
static bool parse_quoted(const char *s, struct strings *st)
{
	size_t cap = strlen(s) + 1;
	uint8_t *buf = xrealloc(NULL, cap);

	for (;;) {
		size_t n = 0;
		s += strspn(s, " \t");
		if (*s == '\0')
			break;
		if (*s++ != '"')
			goto bad;
		while (*s != '"') {
			if (*s == '\0')
				goto bad;
			if (*s != '\\') {
				buf[n++] = (uint8_t)*s++;
				continue;
			}
			s++;
			if (s[0] >= '0' && s[0] <= '9') {
				if (!(s[1] >= '0' && s[1] <= '9') ||
				    !(s[2] >= '0' && s[2] <= '9'))
					goto bad;
				unsigned v = (unsigned)(s[0] - '0') * 100 +
					     (unsigned)(s[1] - '0') * 10 +
					     (unsigned)(s[2] - '0');
				if (v > 255)
					goto bad;
				buf[n++] = (uint8_t)v;
				s += 3;
			} else if (*s != '\0') {
				buf[n++] = (uint8_t)*s++;
			} else {
				goto bad;
			}
		}
		s++;
		if (*s != '\0' && *s != ' ' && *s != '\t')
			goto bad;
		strings_add(st, buf, n);
	}
	free(buf);
	return true;
bad:
	free(buf);
	return false;
}

static char *strings_join(const struct strings *st)
{
	size_t total = 0, off = 0;
	char *p;

	for (size_t i = 0; i < st->n; i++)
		total += st->len[i];
	p = xrealloc(NULL, total + 1);
	for (size_t i = 0; i < st->n; i++) {
		memcpy(p + off, st->s[i], st->len[i]);
		off += st->len[i];
	}
	p[off] = '\0';
	return p;
}

static enum rr_errclass parse_strings(const struct strings *st,
				      struct rr_record *r,
				      struct rr_error *err)
{
	return rr_parse_txt((const uint8_t *const *)st->s, st->len, st->n, r,
			    err);
}

/* ---- running one vector ---------------------------------------------------- */

struct result {
	enum rr_errclass cls;
	char msg[sizeof(((struct rr_error *)0)->msg) + 128];
	bool bad_vector; /* the vector itself is malformed */
	bool rt_differs; /* ok, but re-encoding does not give the data */
};

static void set_result(struct result *res, enum rr_errclass cls,
		       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_result(struct result *res, enum rr_errclass cls,
		       const char *fmt, ...)
{
	va_list ap;

	res->cls = cls;
	va_start(ap, fmt);
	vsnprintf(res->msg, sizeof(res->msg), fmt, ap);
	va_end(ap);
}

static void bad_vector(struct result *res, const char *why)
{
	res->bad_vector = true;
	snprintf(res->msg, sizeof(res->msg), "malformed vector: %s", why);
}

static bool parse_kind(const char *s, enum rr_kind *k)
{
	if (strcmp(s, "head") == 0)
		*k = RR_KIND_HEAD;
	else if (strcmp(s, "member") == 0)
		*k = RR_KIND_MEMBER;
	else if (strcmp(s, "site") == 0)
		*k = RR_KIND_SITE;
	else if (strcmp(s, "anchor") == 0)
		*k = RR_KIND_ANCHOR;
	else
		return false;
	return true;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* Round trip for expect=ok: the record encodes back to exactly the
 * vector's data (the joined strings when `strings` was used). */
static void round_trip(const struct vector *v, const struct rr_record *r,
		       const uint8_t *want, size_t wantlen, struct result *res)
{
	/* kind=page members are txt, with or without an encoding line. */
	const char *enc = v->f[F_ENCODING] ? v->f[F_ENCODING] : "txt";
	struct rr_error err = { 0 };
	enum rr_errclass rc;
	uint8_t *got = NULL;
	size_t gotlen = 0;
	char *text = NULL;

	if (strcmp(enc, "txt") == 0) {
		rc = rr_format_txt(r, &text, &gotlen, &err);
		got = (uint8_t *)text;
	} else if (strcmp(enc, "txtrdata") == 0) {
		rc = rr_encode_txt_rdata(r, &got, &gotlen, &err);
	} else {
		rc = rr_encode_bin(r, &got, &gotlen, &err);
	}
	if (rc != RR_OK) {
		set_result(res, rc, "re-encoding as %s failed: %s", enc,
			   err.msg);
	} else if (gotlen != wantlen || memcmp(got, want, wantlen) != 0) {
		size_t i = 0;
		while (i < gotlen && i < wantlen && got[i] == want[i])
			i++;
		res->rt_differs = true;
		snprintf(res->msg, sizeof(res->msg),
			 "re-encoding as %s differs from the data at byte %zu "
			 "(%zu bytes, want %zu)", enc, i, gotlen, wantlen);
	}
	free(got);
}

static void run_page(const struct vector *v, struct result *res)
{
	struct rr_record *recs = NULL;
	const struct rr_record **ptrs = NULL;
	size_t n = v->members.n, parsed = 0;
	struct rr_error err = { 0 };
	uint8_t hash[RR_HASH_LEN];
	char hexhash[2 * RR_HASH_LEN + 1];
	enum rr_errclass rc = RR_OK;

	if (v->f[F_ENCODING] && strcmp(v->f[F_ENCODING], "txt") != 0)
		return bad_vector(res, "kind=page takes encoding txt only");
	if (!v->f[F_HASH] || strlen(v->f[F_HASH]) != 2 * RR_HASH_LEN ||
	    strspn(v->f[F_HASH], "0123456789abcdef") != 2 * RR_HASH_LEN)
		return bad_vector(res, "hash must be 64 lower-case hex digits");
	if (v->f[F_DATA] || v->f[F_STRINGS])
		return bad_vector(res, "kind=page takes member lines, not data");

	recs = xrealloc(NULL, (n ? n : 1) * sizeof(*recs));
	ptrs = xrealloc(NULL, (n ? n : 1) * sizeof(*ptrs));
	for (; parsed < n; parsed++) {
		struct strings st = { 0 };
		split_255(v->members.v[parsed], &st);
		rc = parse_strings(&st, &recs[parsed], &err);
		strings_free(&st);
		if (rc != RR_OK) {
			set_result(res, rc, "member %zu: %s", parsed + 1,
				   err.msg);
			goto out;
		}
		ptrs[parsed] = &recs[parsed];
	}
	rc = rr_page_hash(ptrs, n, hash, &err);
	if (rc != RR_OK) {
		set_result(res, rc, "%s", err.msg);
		goto out;
	}
	tohex(hash, RR_HASH_LEN, hexhash);
	if (strcmp(hexhash, v->f[F_HASH]) != 0) {
		set_result(res, RR_E_HASH, "page hash is %s", hexhash);
		goto out;
	}
	set_result(res, RR_OK, "page hash matches");
	if (strcmp(v->f[F_EXPECT], "ok") == 0)
		for (size_t i = 0; i < n && res->cls == RR_OK &&
				   !res->rt_differs; i++)
			round_trip(v, &recs[i],
				   (const uint8_t *)v->members.v[i],
				   strlen(v->members.v[i]), res);
out:
	for (size_t i = 0; i < parsed; i++)
		rr_record_free(&recs[i]);
	free(recs);
	free(ptrs);
}

static void run_record(const struct vector *v, enum rr_kind kind,
		       struct result *res)
{
	const char *enc = v->f[F_ENCODING];
	struct rr_pubkey *keys = NULL;
	struct rr_record *r = NULL;
	struct rr_error err = { 0 };
	struct strings st = { 0 };
	struct rr_expect ex;
	uint8_t *raw = NULL;
	size_t rawlen = 0;
	char *joined = NULL;
	enum rr_errclass rc;
	uint64_t now;

	if (!enc || (strcmp(enc, "txt") != 0 && strcmp(enc, "txtrdata") != 0 &&
		     strcmp(enc, "bin") != 0))
		return bad_vector(res, "encoding must be txt, txtrdata or bin");
	if (!v->f[F_OWNER])
		return bad_vector(res, "owner missing");
	if (!v->f[F_NOW] || !parse_u64(v->f[F_NOW], &now))
		return bad_vector(res, "now missing or not a number");
	if (v->keys.n == 0)
		return bad_vector(res, "at least one key is needed");
	if (v->members.n || v->f[F_HASH])
		return bad_vector(res, "member and hash are for kind=page");
	if (!!v->f[F_DATA] == !!v->f[F_STRINGS])
		return bad_vector(res, "need exactly one of data and strings");
	if (v->f[F_STRINGS] && strcmp(enc, "txt") != 0)
		return bad_vector(res, "strings is for encoding=txt only");

	keys = xrealloc(NULL, v->keys.n * sizeof(*keys));
	for (size_t i = 0; i < v->keys.n; i++)
		if (rr_pubkey_parse(v->keys.v[i], &keys[i], &err) != RR_OK) {
			bad_vector(res, "bad key");
			goto out;
		}

	r = xrealloc(NULL, sizeof(*r));
	if (strcmp(enc, "txt") == 0) {
		if (v->f[F_STRINGS]) {
			if (!parse_quoted(v->f[F_STRINGS], &st)) {
				bad_vector(res, "strings is not in dig form");
				goto out;
			}
			joined = strings_join(&st);
		} else {
			split_255(v->f[F_DATA], &st);
			joined = xstrdup(v->f[F_DATA]);
		}
		raw = (uint8_t *)joined;
		rawlen = strlen(joined);
		joined = NULL;
		rc = parse_strings(&st, r, &err);
	} else {
		if (!unhex(v->f[F_DATA], &raw, &rawlen)) {
			bad_vector(res, "data is not lower-case hex");
			goto out;
		}
		rc = strcmp(enc, "bin") == 0
			     ? rr_parse_bin(raw, rawlen, r, &err)
			     : rr_parse_txt_rdata(raw, rawlen, r, &err);
	}
	if (rc != RR_OK) {
		set_result(res, rc, "parse: %s", err.msg);
		goto out;
	}
	ex = (struct rr_expect){ v->f[F_OWNER], v->f[F_VPN], v->f[F_SITE],
				 kind, now, false };
	rc = rr_verify(r, &ex, keys, v->keys.n, &err);
	if (rc != RR_OK)
		set_result(res, rc, "verify: %s", err.msg);
	else
		set_result(res, RR_OK, "parses and verifies");
	if (rc == RR_OK && strcmp(v->f[F_EXPECT], "ok") == 0)
		round_trip(v, r, raw, rawlen, res);
	rr_record_free(r);
out:
	free(r);
	free(raw);
	free(joined);
	free(keys);
	strings_free(&st);
}

static void run_vector(const struct vector *v, struct result *res)
{
	enum rr_kind kind;

	memset(res, 0, sizeof(*res));
	if (!v->f[F_KIND])
		return bad_vector(res, "kind missing");
	if (!v->f[F_EXPECT])
		return bad_vector(res, "expect missing");
	enum rr_errclass want = rr_errclass_from_name(v->f[F_EXPECT]);
	if (want == RR_E__COUNT || want == RR_E_NOMEM || want == RR_E_IO)
		return bad_vector(res, "expect is not a class name");
	if (strcmp(v->f[F_KIND], "page") == 0)
		return run_page(v, res);
	if (!parse_kind(v->f[F_KIND], &kind))
		return bad_vector(res, "kind must be head, member, site, anchor or page");
	run_record(v, kind, res);
}

/* ---- the test ---------------------------------------------------------------- */

static void test_vectors(void **state)
{
	struct vectors vs = { 0 };
	struct report rep = { { 0 } };
	size_t from_vec, failed = 0;
	size_t per_kind_ok[5] = { 0 }, per_kind_bad[5] = { 0 };
	/* VPNRR_VECTORS_VERBOSE=1 shows every vector's result. */
	const char *env = getenv("VPNRR_VECTORS_VERBOSE");
	bool verbose = env && *env && strcmp(env, "0") != 0;

	(void)state;
	read_vec_dir(vecdir, &vs, &rep);
	from_vec = vs.n;
	if (specfile && !read_source(specfile, true, &vs, &rep))
		print_message("note: %s not readable (%s): no vectors from "
			      "it\n", specfile, strerror(errno));
	print_message("%zu vectors from %s/*.vec, %zu from %s\n", from_vec,
		      vecdir, vs.n - from_vec, specfile ? specfile : "-");

	for (size_t i = 0; i < vs.n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(vs.v[i].name, vs.v[j].name) == 0)
				report(&rep, "%s: vector name %s already "
				       "used at %s", vs.v[i].where,
				       vs.v[i].name, vs.v[j].where);

	for (size_t i = 0; i < vs.n; i++) {
		const struct vector *v = &vs.v[i];
		struct result res;

		run_vector(v, &res);
		if (res.bad_vector) {
			report(&rep, "%s: [%s]: %s", v->where, v->name,
			       res.msg);
			failed++;
			continue;
		}
		const char *want = v->f[F_EXPECT];
		const char *got = res.rt_differs ? "ok (not round-trip)"
						 : rr_errclass_name(res.cls);
		int k = strcmp(v->f[F_KIND], "head") == 0     ? 0
			: strcmp(v->f[F_KIND], "member") == 0 ? 1
			: strcmp(v->f[F_KIND], "site") == 0   ? 2
			: strcmp(v->f[F_KIND], "page") == 0   ? 3
							      : 4;
		if (strcmp(want, "ok") == 0)
			per_kind_ok[k]++;
		else
			per_kind_bad[k]++;
		if (verbose)
			print_message("%s: [%s]: expected %s, got %s: %s\n",
				      v->where, v->name, want, got, res.msg);
		if (strcmp(want, got) != 0) {
			report(&rep, "%s: [%s]: expected %s, got %s: %s",
			       v->where, v->name, want, got, res.msg);
			failed++;
		}
	}
	print_message("valid/invalid: head %zu/%zu, member %zu/%zu, site "
		      "%zu/%zu, page %zu/%zu, anchor %zu/%zu\n",
		      per_kind_ok[0], per_kind_bad[0], per_kind_ok[1],
		      per_kind_bad[1], per_kind_ok[2], per_kind_bad[2],
		      per_kind_ok[3], per_kind_bad[3], per_kind_ok[4],
		      per_kind_bad[4]);
	for (size_t i = 0; i < rep.lines.n; i++)
		print_error("%s\n", rep.lines.v[i]);
	size_t problems = rep.lines.n;
	strlist_free(&rep.lines);
	vectors_free(&vs);
	if (problems)
		fail_msg("%zu problem(s), %zu of the vectors failed", problems,
			 failed);
	if (from_vec < MIN_VEC_FILE_VECTORS)
		fail_msg("only %zu vectors in %s/*.vec (at least %d expected)",
			 from_vec, vecdir, MIN_VEC_FILE_VECTORS);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
	};

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s VECDIR [SPEC.md]\n", argv[0]);
		return 2;
	}
	vecdir = argv[1];
	specfile = argc > 2 ? argv[2] : NULL;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
