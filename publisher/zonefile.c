/* zonefile.c - zone files kept up to date in place.
 *
 * A zone file that holds vpnrr records is often the operator's own, with
 * comments, relative names and records vpnrr knows nothing about.  So
 * records are located with ldns (which knows the zone-file syntax) but
 * the file is rewritten from its own text: only the RRs taken out and
 * the SOA change; every other byte stays. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <ldns/ldns.h>

#include "recfile.h"
#include "rr.h"
#include "zonefile.h"

#define ZONE_MAX_BYTES ((size_t)1 << 30)
#define DEFAULT_TTL 3600

/* One RR of a zone file: where its own lines are in the text (leading
 * comments and blank lines are not its own) and its owner name in the
 * form names are compared in (lower case, no final dot). */
struct zrr {
	ldns_rr *rr;
	char *owner;
	size_t off, end;
	unsigned line;
	bool blank_owner;   /* inherits the previous RR's owner */
	bool drop;
};

struct zone {
	const char *path;
	const char *text;
	size_t len;
	struct zrr *v;
	size_t n, cap;
	size_t soa, nsoa;
};

static void zone_free(struct zone *z)
{
	for (size_t i = 0; i < z->n; i++) {
		ldns_rr_free(z->v[i].rr);
		free(z->v[i].owner);
	}
	free(z->v);
	memset(z, 0, sizeof(*z));
}

static char *owner_str(const ldns_rr *rr)
{
	char *s = ldns_rdf2str(ldns_rr_owner(rr));
	size_t n;

	if (!s)
		return NULL;
	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	n = strlen(s);
	if (n > 1 && s[n - 1] == '.')
		s[n - 1] = '\0';
	return s;
}

static bool line_is_filler(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
		s++;
	return s == end || *s == '\n' || *s == ';';
}

static const char *line_end(const char *s, const char *end)
{
	const char *nl = memchr(s, '\n', (size_t)(end - s));
	return nl ? nl + 1 : end;
}

/* Narrows [A,B), what one ldns call consumed, to the RR's own lines:
 * ldns also swallows the comments and blank lines around it. */
static void core_span(const struct zone *z, size_t a, size_t b,
		      struct zrr *r)
{
	const char *t = z->text, *p = t + a, *end = t + b;
	const char *first = NULL, *last = NULL;

	for (const char *q = p; q < end; q = line_end(q, end)) {
		if (line_is_filler(q, end))
			continue;
		if (!first)
			first = q;
		last = q;
	}
	if (!first) {
		first = p;
		last = p;
	}
	r->off = (size_t)(first - t);
	r->end = (size_t)(line_end(last, end) - t);
	r->blank_owner = *first == ' ' || *first == '\t';
}

static unsigned count_lines(const char *s, size_t from, size_t to)
{
	unsigned n = 0;

	for (size_t i = from; i < to; i++)
		n += s[i] == '\n';
	return n;
}

static int add_rr(struct zone *z, ldns_rr *rr, size_t a, size_t b,
		  unsigned *lineno, size_t *counted, struct pub_err *e)
{
	struct zrr *r;

	if (z->n == z->cap) {
		size_t cap = z->cap ? 2 * z->cap : 64;
		struct zrr *v = realloc(z->v, cap * sizeof(*v));
		if (!v)
			goto oom;
		z->v = v;
		z->cap = cap;
	}
	r = &z->v[z->n];
	memset(r, 0, sizeof(*r));
	core_span(z, a, b, r);
	*lineno += count_lines(z->text, *counted, r->off);
	*counted = r->off;
	r->line = *lineno;
	r->owner = owner_str(rr);
	if (!r->owner)
		goto oom;
	r->rr = rr;
	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA) {
		z->soa = z->n;
		z->nsoa++;
	}
	z->n++;
	return 0;
oom:
	ldns_rr_free(rr);
	return pub_errf(e, PUB_EXIT_INTERNAL, z->path, 0, "zone",
			"out of memory");
}

/* The line a failed ldns call stopped in: the first line of what it
 * consumed that is not a comment or blank. */
static unsigned error_line(const struct zone *z, size_t a, size_t b,
			   unsigned lineno, size_t counted)
{
	struct zrr r;

	if (b <= a)
		return lineno + count_lines(z->text, counted, a);
	core_span(z, a, b, &r);
	return lineno + count_lines(z->text, counted, r.off);
}

static int parse_loop(struct zone *z, FILE *f, struct pub_err *e)
{
	ldns_rdf *origin = NULL, *prev = NULL;
	uint32_t ttl = DEFAULT_TTL;
	unsigned lineno = 1;
	size_t counted = 0;
	int ldns_line = 1, rc = -1;

	for (;;) {
		long a = ftell(f), b;
		ldns_rr *rr = NULL;
		ldns_status s = ldns_rr_new_frm_fp_l(&rr, f, &ttl, &origin,
						     &prev, &ldns_line);
		b = ftell(f);
		if (a < 0 || b < 0) {
			ldns_rr_free(rr);
			pub_errf(e, PUB_EXIT_IO, z->path, 0, "zone", "%s",
				 strerror(errno));
			goto out;
		}
		if (s == LDNS_STATUS_OK) {
			if (add_rr(z, rr, (size_t)a, (size_t)b, &lineno,
				   &counted, e) != 0)
				goto out;
			continue;
		}
		ldns_rr_free(rr);
		if (s == LDNS_STATUS_SYNTAX_EMPTY && feof(f))
			break;
		if (s == LDNS_STATUS_SYNTAX_EMPTY ||
		    s == LDNS_STATUS_SYNTAX_TTL ||
		    s == LDNS_STATUS_SYNTAX_ORIGIN)
			continue;
		/* An included file would be edited behind its includer's
		 * back, or its records missed: the layout must be flat. */
		if (s == LDNS_STATUS_SYNTAX_INCLUDE) {
			pub_errf(e, PUB_EXIT_INVALID, z->path,
				 error_line(z, (size_t)a, (size_t)b, lineno,
					    counted),
				 "zone", "$INCLUDE is not supported (the "
				 "records to update must be in this file)");
			goto out;
		}
		pub_errf(e, PUB_EXIT_INVALID, z->path,
			 error_line(z, (size_t)a, (size_t)b, lineno, counted),
			 "zone", "%s", ldns_get_errorstr_by_id(s));
		goto out;
	}
	rc = 0;
out:
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	return rc;
}

static int parse_text(struct zone *z, const char *path, const char *text,
		      size_t len, struct pub_err *e)
{
	FILE *f;
	int rc;

	memset(z, 0, sizeof(*z));
	z->path = path;
	z->text = text;
	z->len = len;
	if (len == 0)
		return 0;
	f = fmemopen((void *)text, len, "r");
	if (!f)
		return pub_errf(e, PUB_EXIT_INTERNAL, path, 0, "zone", "%s",
				strerror(errno));
	rc = parse_loop(z, f, e);
	fclose(f);
	if (rc != 0)
		zone_free(z);
	return rc;
}

static bool name_at_or_below(const char *name, const char *apex)
{
	size_t n = strlen(name), a = strlen(apex);

	if (n == a)
		return strcmp(name, apex) == 0;
	return n > a && name[n - a - 1] == '.' &&
	       strcmp(name + n - a, apex) == 0;
}

static bool name_below(const char *name, const char *parent)
{
	return strlen(name) > strlen(parent) &&
	       name_at_or_below(name, parent);
}

/* The checks every zone to be updated passes: one SOA, and no record
 * outside the SOA's zone (what a relative name read without $ORIGIN
 * turns into). */
static int zone_check(const struct zone *z, struct pub_err *e)
{
	const char *apex;

	if (z->nsoa == 0)
		return pub_errf(e, PUB_EXIT_INVALID, z->path, 0, "zone",
				"no SOA record (make one with \"vpnrr zone "
				"--init\")");
	if (z->nsoa > 1)
		return pub_errf(e, PUB_EXIT_INVALID, z->path, 0, "zone",
				"%zu SOA records; a zone file has one",
				z->nsoa);
	apex = z->v[z->soa].owner;
	/* What "@" or a relative SOA owner read without $ORIGIN becomes;
	 * nobody keeps the root zone in a file this tool edits. */
	if (strcmp(apex, ".") == 0)
		return pub_errf(e, PUB_EXIT_INVALID, z->path,
				z->v[z->soa].line, "zone", "SOA at the root "
				"name (a relative name with no $ORIGIN?)");
	for (size_t i = 0; i < z->n; i++)
		if (!name_at_or_below(z->v[i].owner, apex))
			return pub_errf(e, PUB_EXIT_INVALID, z->path,
					z->v[i].line, "zone", "%s is outside "
					"the zone %s (a relative name with no "
					"$ORIGIN?)", z->v[i].owner, apex);
	return 0;
}

static bool is_vpnrr_type(const ldns_rr *rr)
{
	ldns_rr_type t = ldns_rr_get_type(rr);
	return t == LDNS_RR_TYPE_TXT || t == (ldns_rr_type)RR_TYPE_VPNRR;
}

/* Decodes RR as a vpnrr record (TXT or the private type); -1 when it is
 * none. */
static int rr_decode(const ldns_rr *rr, struct rr_record *out)
{
	ldns_buffer *b = ldns_buffer_new(512);
	struct rr_error err;
	enum rr_errclass c = RR_E_SYNTAX;

	if (!b)
		return -1;
	if (ldns_rr_rdata2buffer_wire(b, rr) == LDNS_STATUS_OK) {
		const uint8_t *d = ldns_buffer_begin(b);
		size_t n = ldns_buffer_position(b);
		c = ldns_rr_get_type(rr) == LDNS_RR_TYPE_TXT
			? rr_parse_txt_rdata(d, n, out, &err)
			: rr_parse_bin(d, n, out, &err);
	}
	ldns_buffer_free(b);
	return c == RR_OK ? 0 : -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names whose vpnrr records NEW replaces (sorted, for bsearch) and
 * the heads' page and member subtrees. */
struct targets {
	char **names;
	size_t n;
	char **below;
	size_t nbelow;
};

static void targets_free(struct targets *t)
{
	for (size_t i = 0; i < t->nbelow; i++)
		free(t->below[i]);
	free(t->names);
	free(t->below);
}

static int add_head(struct targets *t, const char *owner)
{
	static const char *const sub[] = { "p.", "m." };

	if (strncmp(owner, "_vpnrr.", 7) != 0)
		return 0;
	for (size_t k = 0; k < 2; k++) {
		size_t n = strlen(sub[k]) + strlen(owner) + 1;
		char *s = malloc(n);
		if (!s)
			return -1;
		snprintf(s, n, "%s%s", sub[k], owner);
		t->below[t->nbelow++] = s;
	}
	return 0;
}

static int targets_make(const struct zone *nz, const char *apex,
			struct targets *t, struct pub_err *e)
{
	memset(t, 0, sizeof(*t));
	t->names = calloc(nz->n ? nz->n : 1, sizeof(*t->names));
	t->below = calloc(2 * nz->n + 1, sizeof(*t->below));
	if (!t->names || !t->below)
		goto oom;
	for (size_t i = 0; i < nz->n; i++) {
		const struct zrr *r = &nz->v[i];
		struct rr_record rec;
		bool head;

		if (!is_vpnrr_type(r->rr) || rr_decode(r->rr, &rec) != 0)
			return pub_errf(e, PUB_EXIT_INVALID, nz->path, r->line,
					"update", "%s: not a vpnrr record",
					r->owner);
		head = rec.kind == RR_KIND_HEAD;
		rr_record_free(&rec);
		if (!name_at_or_below(r->owner, apex))
			return pub_errf(e, PUB_EXIT_INVALID, nz->path, r->line,
					"update", "%s is outside the zone %s",
					r->owner, apex);
		t->names[t->n++] = r->owner;
		if (head && add_head(t, r->owner) != 0)
			goto oom;
	}
	qsort(t->names, t->n, sizeof(*t->names), cmp_str);
	return 0;
oom:
	return pub_errf(e, PUB_EXIT_INTERNAL, nz->path, 0, "update",
			"out of memory");
}

static size_t mark_drops(struct zone *z, const struct targets *t)
{
	size_t n = 0;

	for (size_t i = 0; i < z->n; i++) {
		struct zrr *r = &z->v[i];
		bool hit;
		if (!is_vpnrr_type(r->rr))
			continue;
		hit = bsearch(&r->owner, t->names, t->n, sizeof(*t->names),
			      cmp_str) != NULL;
		for (size_t k = 0; k < t->nbelow && !hit; k++)
			hit = name_below(r->owner, t->below[k]);
		r->drop = hit;
		n += hit;
	}
	return n;
}

static int cmp_rr(const void *a, const void *b)
{
	const ldns_rr *x = *(const ldns_rr *const *)a;
	const ldns_rr *y = *(const ldns_rr *const *)b;
	int c = ldns_rr_compare(x, y);

	if (c != 0)
		return c;
	return ldns_rr_ttl(x) < ldns_rr_ttl(y) ? -1
					       : ldns_rr_ttl(x) > ldns_rr_ttl(y);
}

/* Whether the RRs taken out are exactly the new ones (TTLs included):
 * then the update is a no-op and the serial stays. */
static int same_records(const struct zone *z, size_t ndrop,
			const struct zone *nz, bool *same)
{
	const ldns_rr **a, **b;
	size_t k = 0;

	*same = false;
	if (ndrop != nz->n)
		return 0;
	a = calloc(ndrop + 1, sizeof(*a));
	b = calloc(ndrop + 1, sizeof(*b));
	if (!a || !b) {
		free(a);
		free(b);
		return -1;
	}
	for (size_t i = 0; i < z->n; i++)
		if (z->v[i].drop)
			a[k++] = z->v[i].rr;
	for (size_t i = 0; i < nz->n; i++)
		b[i] = nz->v[i].rr;
	qsort(a, ndrop, sizeof(*a), cmp_rr);
	qsort(b, ndrop, sizeof(*b), cmp_rr);
	*same = true;
	for (size_t i = 0; i < ndrop && *same; i++)
		*same = cmp_rr(&a[i], &b[i]) == 0;
	free(a);
	free(b);
	return 0;
}

uint32_t pub_zonefile_date_serial(uint64_t now)
{
	time_t t = (time_t)now;
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		return 0;
	return ((uint32_t)(tm.tm_year + 1900) * 10000u +
		(uint32_t)(tm.tm_mon + 1) * 100u + (uint32_t)tm.tm_mday) *
	       100u;
}

static uint32_t next_serial(uint32_t cur, uint64_t now)
{
	uint32_t d = pub_zonefile_date_serial(now);
	return rr_serial_cmp(d, cur) > 0 ? d : cur + 1;
}

static int set_serial(ldns_rr *soa, uint32_t serial)
{
	ldns_rdf *r = ldns_native2rdf_int32(LDNS_RDF_TYPE_INT32, serial);
	ldns_rdf *old;

	if (!r)
		return -1;
	old = ldns_rr_set_rdf(soa, r, 2);
	ldns_rdf_deep_free(old);
	return 0;
}

static int put_rr(FILE *f, const ldns_rr *rr)
{
	char *s = ldns_rr2str(rr);

	if (!s)
		return -1;
	fputs(s, f);
	free(s);
	return 0;
}

/* The new text of the zone: the old text with dropped RRs cut out (the
 * new records where the first of them was), the SOA in ldns form.  A kept
 * RR with a blank owner right after a cut one would inherit the wrong
 * owner, so it is written in ldns form (absolute owner) too. */
static int build(const struct zone *z, const char *newtext, size_t newlen,
		 FILE *f)
{
	size_t cur = 0;
	bool inserted = false, prev_cut = false;
	int rc = 0;

	for (size_t i = 0; i < z->n && rc == 0; i++) {
		const struct zrr *r = &z->v[i];
		fwrite(z->text + cur, 1, r->off - cur, f);
		cur = r->end;
		if (r->drop) {
			if (!inserted)
				fwrite(newtext, 1, newlen, f);
			inserted = true;
			prev_cut = true;
			continue;
		}
		if (i == z->soa || (r->blank_owner && prev_cut))
			rc = put_rr(f, r->rr);
		else
			fwrite(z->text + r->off, 1, r->end - r->off, f);
		prev_cut = false;
	}
	fwrite(z->text + cur, 1, z->len - cur, f);
	if (!inserted) {
		if (z->len && z->text[z->len - 1] != '\n')
			fputc('\n', f);
		fwrite(newtext, 1, newlen, f);
	}
	return rc;
}

/* The written text must read back as the zone intended: one SOA with the
 * new serial, and the expected number of RRs. */
static int recheck(const struct zone *z, const char *buf, size_t len,
		   size_t expect, uint32_t serial, struct pub_err *e)
{
	struct zone o;
	int rc = -1;

	if (parse_text(&o, z->path, buf, len, e) != 0)
		return -1;
	if (zone_check(&o, e) != 0)
		goto out;
	if (o.n != expect || ldns_rdf2native_int32(ldns_rr_rdf(
			     o.v[o.soa].rr, 2)) != serial) {
		pub_errf(e, PUB_EXIT_INTERNAL, z->path, 0, "update",
			 "the new zone text does not read back as intended "
			 "(%zu RRs, expected %zu); file left as it was",
			 o.n, expect);
		goto out;
	}
	rc = 0;
out:
	zone_free(&o);
	return rc;
}

static int write_back(const struct zone *z, const char *newtext,
		      size_t newlen, size_t expect, uint32_t serial,
		      struct pub_err *e)
{
	struct pub_out o;
	struct stat st;
	int rc = -1;

	if (stat(z->path, &st) != 0)
		return pub_errf(e, PUB_EXIT_IO, z->path, 0, "zone", "%s",
				strerror(errno));
	if (pub_out_open(&o, e) != 0)
		return -1;
	if (build(z, newtext, newlen, o.f) != 0) {
		pub_errf(e, PUB_EXIT_INTERNAL, z->path, 0, "update",
			 "out of memory");
		fclose(o.f);
		o.f = NULL;
		goto out;
	}
	if (pub_out_close(&o, e) == 0 &&
	    recheck(z, o.buf, o.len, expect, serial, e) == 0)
		rc = pub_write_file(z->path, o.buf, o.len,
				    st.st_mode & 07777, false, e);
out:
	pub_out_free(&o);
	return rc;
}

int pub_zonefile_update(const char *path, const char *newtext, size_t len,
			uint64_t now, struct pub_zf_result *res,
			struct pub_err *e)
{
	struct zone z, nz;
	struct targets t;
	char *text = NULL;
	size_t tlen = 0, ndrop;
	bool same;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	memset(&nz, 0, sizeof(nz));
	memset(&t, 0, sizeof(t));
	if (pub_read_file(path, ZONE_MAX_BYTES, &text, &tlen, e) != 0)
		return -1;
	if (parse_text(&z, path, text, tlen, e) != 0)
		goto out_text;
	if (zone_check(&z, e) != 0 ||
	    parse_text(&nz, "the new records", newtext, len, e) != 0)
		goto out;
	if (nz.n == 0) {
		pub_errf(e, PUB_EXIT_INVALID, path, 0, "update",
			 "no records to put in");
		goto out;
	}
	if (targets_make(&nz, z.v[z.soa].owner, &t, e) != 0)
		goto out;
	ndrop = mark_drops(&z, &t);
	res->serial = ldns_rdf2native_int32(ldns_rr_rdf(z.v[z.soa].rr, 2));
	if (same_records(&z, ndrop, &nz, &same) != 0) {
		pub_errf(e, PUB_EXIT_INTERNAL, path, 0, "update",
			 "out of memory");
		goto out;
	}
	if (same) {
		rc = 0;
		goto out;
	}
	res->serial = next_serial(res->serial, now);
	if (set_serial(z.v[z.soa].rr, res->serial) != 0) {
		pub_errf(e, PUB_EXIT_INTERNAL, path, 0, "update",
			 "out of memory");
		goto out;
	}
	if (write_back(&z, newtext, len, z.n - ndrop + nz.n, res->serial,
		       e) != 0)
		goto out;
	res->changed = true;
	res->removed = ndrop;
	res->added = nz.n;
	rc = 0;
out:
	targets_free(&t);
	zone_free(&nz);
	zone_free(&z);
out_text:
	free(text);
	return rc;
}

int pub_zonefile_vpnrr(const char *path, FILE *f, size_t *count,
		       struct pub_err *e)
{
	struct zone z;
	char *text = NULL;
	size_t tlen = 0;
	int rc = -1;

	*count = 0;
	if (pub_read_file(path, ZONE_MAX_BYTES, &text, &tlen, e) != 0)
		return -1;
	if (parse_text(&z, path, text, tlen, e) != 0)
		goto out_text;
	rc = 0;
	for (size_t i = 0; i < z.n && rc == 0; i++) {
		struct rr_record rec;
		if (!is_vpnrr_type(z.v[i].rr) ||
		    rr_decode(z.v[i].rr, &rec) != 0)
			continue;
		rr_record_free(&rec);
		if (put_rr(f, z.v[i].rr) != 0)
			rc = pub_errf(e, PUB_EXIT_INTERNAL, path, 0, "zone",
				      "out of memory");
		(*count)++;
	}
	if (rc == 0 && *count == 0)
		rc = pub_errf(e, PUB_EXIT_INVALID, path, 0, "zone",
			      "no vpnrr records in the file");
	zone_free(&z);
out_text:
	free(text);
	return rc;
}

static int record_file(FILE *f, const char *path, uint32_t ttl,
		       enum pub_ztype t, struct pub_err *e)
{
	struct pub_recs rs;
	int rc = 0;

	if (pub_recs_read(path, &rs, e) != 0)
		return -1;
	for (size_t i = 0; i < rs.n && rc == 0; i++)
		rc = pub_zone_record(f, rs.v[i].owner, ttl, &rs.v[i].r, t, e);
	pub_recs_free(&rs);
	return rc;
}

int pub_zonefile_update_from(const char *path, const char *const *inputs,
			     size_t ninputs, uint32_t ttl, enum pub_ztype t,
			     uint64_t now, struct pub_zf_result *res,
			     struct pub_err *e)
{
	struct pub_out o;
	size_t count;
	int rc = 0;

	if (pub_out_open(&o, e) != 0)
		return -1;
	for (size_t i = 0; i < ninputs && rc == 0; i++)
		rc = pub_zonefile_looks_like(inputs[i])
			? pub_zonefile_vpnrr(inputs[i], o.f, &count, e)
			: record_file(o.f, inputs[i], ttl, t, e);
	if (rc == 0)
		rc = pub_out_close(&o, e);
	if (rc == 0)
		rc = pub_zonefile_update(path, o.buf, o.len, now, res, e);
	pub_out_free(&o);
	return rc;
}

bool pub_zonefile_looks_like(const char *path)
{
	char line[512];
	bool zone = false;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *w = line + strspn(line, " \t\r\n");
		if (*w == '\0' || *w == '#' || *w == ';')
			continue;
		if (*w == '$') {
			zone = true;
			break;
		}
		w += strcspn(w, " \t\r\n");
		w += strspn(w, " \t");
		zone = strncmp(w, "v=vpnrr", 7) != 0;
		break;
	}
	fclose(f);
	return zone;
}

/* "user@example.org" -> "user.example.org" (dots in the user part
 * escaped, RFC 1035 5.1); a name is kept as it is. */
static bool mbox_name(const char *mbox, char *out, size_t size)
{
	const char *at = strchr(mbox, '@');
	size_t k = 0;

	if (!at)
		return pub_fmt(out, size, "%s", mbox);
	for (const char *p = mbox; p < at; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("-_.+", *p))
			return false;
		if (k + 3 >= size)
			return false;
		if (*p == '.')
			out[k++] = '\\';
		out[k++] = *p;
	}
	out[k] = '\0';
	return k > 0 && pub_fmt(out + k, size - k, ".%s", at + 1);
}

static bool abs_name(const char *in, char *out, size_t size)
{
	size_t n = strlen(in);

	if (!pub_fmt(out, size, "%s", in))
		return false;
	pub_name_canon(out);
	if (!pub_dnsname_valid(out))
		return false;
	return n < size - 1 && pub_fmt(out + strlen(out),
				       size - strlen(out), ".");
}

int pub_zonefile_skeleton(FILE *f, const char *zone, const char *const *ns,
			  size_t nns, const char *mbox, uint32_t ttl,
			  uint64_t now, struct pub_err *e)
{
	char z[300], m[600], n[300], n0[300], dflt[320];
	struct pub_out o;
	struct zone chk;
	int rc = -1;

	if (!abs_name(zone, z, sizeof(z)))
		return pub_errf(e, PUB_EXIT_INVALID, NULL, 0, "init",
				"%s: not a DNS name", zone);
	if (!mbox && !pub_fmt(dflt, sizeof(dflt), "hostmaster.%s", zone))
		return pub_errf(e, PUB_EXIT_INVALID, NULL, 0, "init",
				"%s: name too long", zone);
	if (!mbox_name(mbox ? mbox : dflt, m, sizeof(m)) ||
	    !pub_fmt(m + strlen(m), sizeof(m) - strlen(m), "%s",
		     m[strlen(m) - 1] == '.' ? "" : "."))
		return pub_errf(e, PUB_EXIT_INVALID, NULL, 0, "init",
				"--mbox %s: need user@domain or a DNS name",
				mbox ? mbox : dflt);
	if (nns == 0)
		return pub_errf(e, PUB_EXIT_INVALID, NULL, 0, "init",
				"need at least one name server (--ns)");
	if (!abs_name(ns[0], n0, sizeof(n0)))
		return pub_errf(e, PUB_EXIT_INVALID, NULL, 0, "init",
				"--ns %s: not a DNS name", ns[0]);
	if (pub_out_open(&o, e) != 0)
		return -1;
	fprintf(o.f, "; zone %s skeleton written by \"vpnrr zone --init\";"
		" \"vpnrr zone --update\"\n; adds records and raises the "
		"serial\n$ORIGIN %s\n$TTL %u\n", z, z, (unsigned)ttl);
	/* Timers as "vpnrr index" writes them: refresh 1h, retry 15m,
	 * expire 14d, negative answers cached 5m. */
	fprintf(o.f, "@\tIN\tSOA\t%s %s %u 3600 900 1209600 300\n",
		n0, m, (unsigned)pub_zonefile_date_serial(now));
	for (size_t i = 0; i < nns; i++) {
		if (!abs_name(ns[i], n, sizeof(n))) {
			pub_errf(e, PUB_EXIT_INVALID, NULL, 0, "init",
				 "--ns %s: not a DNS name", ns[i]);
			goto out;
		}
		fprintf(o.f, "@\tIN\tNS\t%s\n", n);
	}
	if (pub_out_close(&o, e) != 0)
		goto out;
	/* ldns reads it back as a zone with one SOA: nothing malformed (an
	 * odd mailbox, say) reaches the DNS server. */
	if (parse_text(&chk, "the skeleton", o.buf, o.len, e) != 0)
		goto out;
	rc = zone_check(&chk, e);
	zone_free(&chk);
	if (rc == 0 && fwrite(o.buf, 1, o.len, f) != o.len)
		rc = pub_errf(e, PUB_EXIT_IO, NULL, 0, "init", "write failed");
out:
	pub_out_free(&o);
	return rc;
}
