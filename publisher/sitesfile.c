/* sitesfile.c - make-secnet-sites sites files. */
#include <arpa/inet.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sitesfile.h"
#include "sitedesc.h"

#define MAX_DEPTH 8

struct parser {
	struct pub_sitesfile *sf;
	struct pub_sf_vpn *vpn;
	struct pub_sf_location *loc;
	struct pub_sf_site *site;
	int depth;
	/* After a refused vpn/location/site line the properties that follow
	 * belong to nothing: skipped (not reported again) up to the next
	 * navigation line. */
	int lost; /* 0, or the level (1 vpn, 2 location, 3 site) refused */
	/* make-secnet-sites resolves a relative include against the
	 * directory of the file it opened last, even once back in the
	 * including file; vpnrr does the same so one file set is read. */
	char *last_file;
	const char *cur_file; /* the file being read, kept in sf->files */
	struct pub_err *problems;
	size_t nproblems;
};

#define BAD(what, ...)                                                         \
	pub_errf(e, PUB_EXIT_INVALID, f->file, l->lineno, (what), __VA_ARGS__)

static void __attribute__((format(printf, 4, 5)))
note(struct parser *p, const struct pub_lines *f, const struct pub_line *l,
     const char *fmt, ...)
{
	char (*nv)[PUB_SF_NOTELEN];
	char why[PUB_SF_NOTELEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	nv = realloc(p->sf->notes, (p->sf->nnotes + 1) * sizeof(*nv));
	if (!nv)
		return;
	p->sf->notes = nv;
	snprintf(nv[p->sf->nnotes++], PUB_SF_NOTELEN, "%.120s:%u: %.40s: %.200s",
		 f->file, l->lineno, l->w[0], why);
}

/* ---- values -------------------------------------------------------------- */

/* NETWORK as make-secnet-sites takes it: ADDR/LEN or ADDR/DOTTED-MASK, in
 * any spelling inet_pton accepts; host bits must be clear. */
static int sf_prefix(const struct pub_lines *f, const struct pub_line *l,
		     const char *w, struct rr_prefix *out, struct pub_err *e)
{
	char addr[64], canon[RR_PREFIXSTRLEN + 8], a4[RR_ADDRSTRLEN];
	const char *slash = strchr(w, '/');
	struct rr_error err;
	struct rr_addr ra;
	uint8_t bytes[16];
	unsigned len = 0;
	int fam;

	if (!slash || (size_t)(slash - w) >= sizeof(addr))
		return BAD(l->w[0], "%s: need ADDRESS/LENGTH", w);
	memcpy(addr, w, (size_t)(slash - w));
	addr[slash - w] = '\0';
	fam = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(fam, addr, bytes) != 1)
		return BAD(l->w[0], "%s: bad address", w);
	if (strchr(slash + 1, '.')) {
		uint8_t m[4];
		uint32_t mask;
		if (fam != AF_INET || inet_pton(AF_INET, slash + 1, m) != 1)
			return BAD(l->w[0], "%s: bad netmask", w);
		mask = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 |
		       (uint32_t)m[2] << 8 | m[3];
		while (len < 32 && (mask & (0x80000000u >> len)))
			len++;
		if (len < 32 && (mask << len) != 0)
			return BAD(l->w[0], "%s: netmask is not contiguous", w);
	} else {
		char *end;
		unsigned long v = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || v > (fam == AF_INET ? 32u : 128u))
			return BAD(l->w[0], "%s: bad prefix length", w);
		len = (unsigned)v;
	}
	memset(&ra, 0, sizeof(ra));
	ra.family = fam == AF_INET ? 4 : 6;
	memcpy(ra.bytes, bytes, fam == AF_INET ? 4 : 16);
	rr_addr_format(&ra, a4);
	snprintf(canon, sizeof(canon), "%s/%u", a4, len);
	if (rr_prefix_parse(canon, out, &err) != RR_OK)
		return BAD(l->w[0], "%s: %s", w, err.msg);
	return 0;
}

static int sf_nets(const struct pub_lines *f, const struct pub_line *l,
		   struct rr_prefix *nets, size_t *n, struct pub_err *e)
{
	if (l->nw < 2)
		return BAD(l->w[0], "needs at least one network");
	for (size_t i = 1; i < l->nw; i++) {
		if (*n >= RR_MAX_NETS)
			return BAD(l->w[0], "more than %d networks",
				   RR_MAX_NETS);
		if (sf_prefix(f, l, l->w[i], &nets[*n], e) != 0)
			return -1;
		(*n)++;
	}
	return 0;
}

static int sf_addr(const struct pub_lines *f, const struct pub_line *l,
		   const char *w, struct rr_addr *out, struct pub_err *e)
{
	uint8_t b[16];
	int fam = strchr(w, ':') ? AF_INET6 : AF_INET;

	if (inet_pton(fam, w, b) != 1)
		return BAD(l->w[0], "%s: not an IP address", w);
	memset(out, 0, sizeof(*out));
	out->family = fam == AF_INET ? 4 : 6;
	memcpy(out->bytes, b, fam == AF_INET ? 4 : 16);
	return 0;
}

static int sf_address(struct parser *p, const struct pub_lines *f,
		      const struct pub_line *l, struct pub_err *e)
{
	struct pub_sf_site *s = p->site;
	char host[RR_MAX_NAME + 3], inner[64], canon[RR_ADDRSTRLEN + 2];
	const char *h;
	size_t hl;
	struct rr_addr a;

	/* w[1] and w[2] exist only once the count is checked. */
	if (pub_line_args(f, l, 2, 2, e) != 0)
		return -1;
	h = l->w[1];
	hl = strlen(h);
	if (strcmp(l->w[2], "65536") == 0)
		return BAD(l->w[0], "port 65536 (accepted by make-secnet-sites) "
			   "is not a UDP port and cannot be carried");
	if (h[0] == '[' && hl > 2 && h[hl - 1] == ']' && hl - 2 < sizeof(inner)) {
		memcpy(inner, h + 1, hl - 2);
		inner[hl - 2] = '\0';
		h = inner;
	}
	if (strchr(h, ':')) {
		/* An IPv6 literal in any spelling: write it canonically. */
		if (sf_addr(f, l, h, &a, e) != 0)
			return -1;
		rr_addr_format(&a, canon);
		h = canon;
	}
	if (!pub_fmt(host, sizeof(host), "%s", h))
		return BAD(l->w[0], "host name too long");
	pub_name_canon(host);
	if (pub_field_endpoint(f, l, host, l->w[2], s->endpoint, e) != 0)
		return -1;
	s->has_address = true;
	s->address_line = l->lineno;
	return 0;
}

/* ---- navigation ---------------------------------------------------------- */

static int grow(void **v, size_t n, size_t size)
{
	void *nv = realloc(*v, (n + 1) * size);

	if (!nv)
		return -1;
	memset((char *)nv + n * size, 0, size);
	*v = nv;
	return 0;
}

static int nav_vpn(struct parser *p, const struct pub_lines *f,
		   const struct pub_line *l, struct pub_err *e)
{
	struct pub_sitesfile *sf = p->sf;

	if (pub_line_args(f, l, 1, 1, e) != 0)
		return -1;
	if (!pub_name_valid(l->w[1]))
		return BAD(l->w[0], "%s: bad name", l->w[1]);
	p->loc = NULL;
	p->site = NULL;
	for (size_t i = 0; i < sf->n; i++)
		if (strcmp(sf->vpns[i].name, l->w[1]) == 0) {
			p->vpn = &sf->vpns[i];
			return 0;
		}
	if (grow((void **)&sf->vpns, sf->n, sizeof(*sf->vpns)) != 0)
		return BAD(l->w[0], "out of memory");
	p->vpn = &sf->vpns[sf->n++];
	memcpy(p->vpn->name, l->w[1], strlen(l->w[1]) + 1);
	p->vpn->line = l->lineno;
	p->vpn->file = p->cur_file;
	return 0;
}

/* make-secnet-sites' groupname(). */
static bool group_valid(const char *g)
{
	size_t n = strlen(g);

	return n > 0 && n <= 64 &&
	       (g[0] == '_' || (g[0] >= 'a' && g[0] <= 'z') ||
		(g[0] >= 'A' && g[0] <= 'Z')) &&
	       strspn(g, "-+_0123456789abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == n;
}

/* make-secnet-sites' email(): it refuses any other character. */
static bool email_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 1023 &&
	       strspn(s, "-._0123456789abcdefghijklmnopqrstuvwxyz"
			 "@!$%^&*=+~/") == n;
}

static int nav_location(struct parser *p, const struct pub_lines *f,
			const struct pub_line *l, struct pub_err *e)
{
	struct pub_sf_vpn *v = p->vpn;

	if (pub_line_args(f, l, 1, 2, e) != 0)
		return -1;
	if (!v)
		return BAD(l->w[0], "no vpn line before it");
	if (!pub_name_valid(l->w[1]))
		return BAD(l->w[0], "%s: bad name", l->w[1]);
	p->site = NULL;
	if (l->nw == 3 && !group_valid(l->w[2]))
		return BAD(l->w[0], "group %s: bad group name", l->w[2]);
	if (l->nw == 3)
		note(p, f, l, "group %s is userv access control; not carried",
		     l->w[2]);
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->locs[i].name, l->w[1]) == 0) {
			p->loc = &v->locs[i];
			return 0;
		}
	/* make-secnet-sites fails on a new location without one. */
	if (l->nw < 3)
		return BAD(l->w[0], "%s: a new location needs a GROUP "
			   "(location NAME GROUP)", l->w[1]);
	if (grow((void **)&v->locs, v->n, sizeof(*v->locs)) != 0)
		return BAD(l->w[0], "out of memory");
	p->loc = &v->locs[v->n++];
	memcpy(p->loc->name, l->w[1], strlen(l->w[1]) + 1);
	p->loc->line = l->lineno;
	p->loc->file = p->cur_file;
	return 0;
}

static int nav_site(struct parser *p, const struct pub_lines *f,
		    const struct pub_line *l, struct pub_err *e)
{
	struct pub_sf_location *lo = p->loc;

	if (pub_line_args(f, l, 1, 1, e) != 0)
		return -1;
	if (!lo)
		return BAD(l->w[0], "no location line before it");
	if (!pub_name_valid(l->w[1]))
		return BAD(l->w[0], "%s: bad name", l->w[1]);
	for (size_t i = 0; i < lo->n; i++)
		if (strcmp(lo->sites[i].name, l->w[1]) == 0) {
			p->site = &lo->sites[i];
			return 0;
		}
	if (grow((void **)&lo->sites, lo->n, sizeof(*lo->sites)) != 0)
		return BAD(l->w[0], "out of memory");
	p->site = &lo->sites[lo->n++];
	memcpy(p->site->name, l->w[1], strlen(l->w[1]) + 1);
	p->site->line = l->lineno;
	p->site->file = p->cur_file;
	return 0;
}

/* ---- properties ---------------------------------------------------------- */

static struct pub_sf_common *current(struct parser *p)
{
	return p->site ? &p->site->c : p->loc ? &p->loc->c
			 : p->vpn ? &p->vpn->c : NULL;
}

static int prop_common(struct parser *p, const struct pub_lines *f,
		       const struct pub_line *l, struct pub_err *e)
{
	struct pub_sf_common *c = current(p);
	const char *kw = l->w[0];

	if (!c)
		return BAD(kw, "no vpn line before it");
	if (strcmp(kw, "contact") == 0) {
		if (pub_line_args(f, l, 1, 1, e) != 0)
			return -1;
		if (c->contact[0])
			return BAD(kw, "already defined");
		if (!email_valid(l->w[1]))
			return BAD(kw, "%s: not an e-mail address make-secnet-sites "
				   "accepts (lower case letters, digits and "
				   "-._@!$%%^&*=+~/ only)", l->w[1]);
		return pub_field_text(f, l, c->contact, sizeof(c->contact), e);
	}
	if (strcmp(kw, "dh") == 0) {
		if (pub_line_args(f, l, 2, 2, e) != 0)
			return -1;
		if (c->dh[0])
			return BAD(kw, "already defined");
		if (strspn(l->w[1], "0123456789abcdefABCDEF") != strlen(l->w[1]) ||
		    strspn(l->w[2], "0123456789abcdefABCDEF") != strlen(l->w[2]))
			return BAD(kw, "need P and G in hexadecimal");
		if (!pub_fmt(c->dh, sizeof(c->dh), "%s %s", l->w[1], l->w[2]))
			return BAD(kw, "too long");
		return 0;
	}
	if (strcmp(kw, "hash") == 0) {
		if (pub_line_args(f, l, 1, 1, e) != 0)
			return -1;
		if (c->hash[0])
			return BAD(kw, "already defined");
		if (strcmp(l->w[1], "md5") && strcmp(l->w[1], "sha1"))
			return BAD(kw, "unknown hash type %s", l->w[1]);
		memcpy(c->hash, l->w[1], strlen(l->w[1]) + 1);
		return 0;
	}
	if (strcmp(kw, "restrict-nets") == 0) {
		if (c->has_restrict)
			return BAD(kw, "already defined");
		c->has_restrict = true;
		if (p->loc || p->site)
			note(p, f, l, "restrictions below VPN level are not "
			     "carried (the admin's restrict-nets is the VPN's); "
			     "networks were checked against it");
		return sf_nets(f, l, c->restrict_nets, &c->nrestrict, e);
	}
	for (size_t i = 0; i < RR_NTUNABLES; i++) {
		if (strcmp(kw, rr_tunables[i].tag) != 0)
			continue;
		if (c->has_tun[i])
			return BAD(kw, "already defined");
		if (pub_field_u32(f, l, 0, 0x7fffffff, &c->tun[i], e) != 0)
			return -1;
		c->has_tun[i] = true;
		if (c->tun[i] == 0)
			note(p, f, l, "value 0 cannot be carried (records take "
			     "1..2147483647); left out, secnet's default "
			     "applies");
		return 0;
	}
	return 1;
}

static int prop_site(struct parser *p, const struct pub_lines *f,
		     const struct pub_line *l, struct pub_err *e)
{
	struct pub_sf_site *s = p->site;
	const char *kw = l->w[0];
	int r;

	if (strcmp(kw, "networks") == 0) {
		if (s->has_nets)
			return BAD(kw, "already defined");
		s->has_nets = true;
		return sf_nets(f, l, s->nets, &s->nnets, e);
	}
	if (strcmp(kw, "peer") == 0) {
		if (pub_line_args(f, l, 1, 1, e) != 0)
			return -1;
		if (s->has_peer)
			return BAD(kw, "already defined");
		s->has_peer = true;
		return sf_addr(f, l, l->w[1], &s->peer, e);
	}
	if (strcmp(kw, "address") == 0)
		return s->has_address ? BAD(kw, "already defined")
				      : sf_address(p, f, l, e);
	if (strcmp(kw, "mobile") == 0) {
		if (pub_line_args(f, l, 1, 1, e) != 0)
			return -1;
		if (s->has_mobile)
			return BAD(kw, "already defined");
		if (strchr("TtYy1", l->w[1][0]))
			s->mobile = true;
		else if (!strchr("FfNn0", l->w[1][0]))
			return BAD(kw, "invalid boolean value");
		s->has_mobile = true;
		return 0;
	}
	/* The trailing word is a comment make-secnet-sites checks as an
	 * e-mail address and then drops too: nothing is lost. */
	if (strcmp(kw, "pubkey") == 0 && l->nw == 5 && !email_valid(l->w[4]))
		return BAD(kw, "%s: the trailing comment must be an e-mail "
			   "address (make-secnet-sites checks it)", l->w[4]);
	r = pub_tkeys_line(&s->keys, f, l, e);
	if (r < 0)
		return -1;
	return r ? 0 : BAD(kw, "unknown keyword");
}

static int read_file(struct parser *p, const char *path,
		     const struct pub_lines *from, const struct pub_line *at,
		     struct pub_err *e);

static bool is_site_keyword(const char *kw)
{
	static const char *const k[] = { "networks", "address", "peer", "pub",
					 "pubkey", "mobile", "serial", "pkg",
					 "pkgf" };

	for (size_t i = 0; i < sizeof(k) / sizeof(*k); i++)
		if (strcmp(kw, k[i]) == 0)
			return true;
	return false;
}

/* A word worth quoting back: a keyword-like word.  Anything else (a line
 * of some unrelated file named by an include) is not echoed. */
static const char *shown(const char *w)
{
	size_t n = strlen(w);

	return n > 0 && n <= 40 &&
	       strspn(w, "abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_#") == n
	       ? w : "(word not shown)";
}

static int do_include(struct parser *p, const struct pub_lines *f,
		      const struct pub_line *l, struct pub_err *e)
{
	char *dcopy, *path;
	int r;

	if (pub_line_args(f, l, 1, 1, e) != 0)
		return -1;
	dcopy = strdup(p->last_file ? p->last_file : f->file);
	path = dcopy ? pub_path_join(dirname(dcopy), l->w[1]) : NULL;
	free(dcopy);
	if (!path)
		return BAD(l->w[0], "out of memory");
	r = read_file(p, path, f, l, e);
	free(path);
	return r;
}

static int one_line(struct parser *p, const struct pub_lines *f,
		    const struct pub_line *l, struct pub_err *e)
{
	const char *kw = l->w[0];
	int r;

	if (strcmp(kw, "vpn") == 0 || strcmp(kw, "location") == 0 ||
	    strcmp(kw, "site") == 0) {
		int lvl = kw[0] == 'v' ? 1 : kw[0] == 'l' ? 2 : 3;
		/* Below a refused level: already reported. */
		if (p->lost && lvl > p->lost)
			return 0;
		p->lost = 0;
		r = lvl == 1 ? nav_vpn(p, f, l, e)
		    : lvl == 2 ? nav_location(p, f, l, e)
			       : nav_site(p, f, l, e);
		if (r != 0) {
			p->lost = lvl;
			p->site = NULL;
			p->loc = lvl == 3 ? p->loc : NULL;
			p->vpn = lvl == 1 ? NULL : p->vpn;
		}
		return r;
	}
	if (strcmp(kw, "end-definitions") == 0) {
		note(p, f, l, "userv restriction marker; ignored");
		p->vpn = NULL;
		p->loc = NULL;
		p->site = NULL;
		return 0;
	}
	if (strcmp(kw, "include") == 0)
		return do_include(p, f, l, e);
	if (p->lost)
		return 0;
	r = prop_common(p, f, l, e);
	if (r <= 0)
		return r;
	if (!p->site)
		return BAD(shown(kw), "%s", is_site_keyword(kw)
			   ? "only allowed at site level" : "unknown keyword");
	return prop_site(p, f, l, e);
}

static void add_problem(struct parser *p, const struct pub_err *e)
{
	struct pub_err *nv = realloc(p->problems,
				     (p->nproblems + 1) * sizeof(*nv));

	if (!nv)
		return;
	p->problems = nv;
	p->problems[p->nproblems++] = *e;
}

/* The lines reader drops every line whose first word starts with '#';
 * make-secnet-sites skips only those with '#' in the first column and
 * refuses an indented one (as an unknown property).  Reports those of
 * the raw lines from *AT (a byte offset) up to line UPTO. */
struct rawpos {
	size_t at;      /* byte offset in the raw text */
	unsigned line;  /* lines consumed */
};

static void indented_comments(struct parser *p, const struct pub_lines *f,
			      struct rawpos *rp, unsigned upto,
			      struct pub_err *e)
{
	/* The reader has replaced each newline of the raw text by a NUL. */
	const char *t = f->orig;
	size_t len = f->len ? f->len - 1 : 0;

	while (rp->at < len && rp->line + 1 < upto) {
		size_t s = rp->at, b = s;
		const char *nl = memchr(t + s, '\0', len - s);
		size_t end = nl ? (size_t)(nl - t) : len;

		rp->line++;
		while (b < end && (t[b] == ' ' || t[b] == '\t' || t[b] == '\r'))
			b++;
		if (b > s && b < end && t[b] == '#') {
			pub_errf(e, PUB_EXIT_INVALID, f->file, rp->line, "comment",
				 "'#' must be in the first column "
				 "(make-secnet-sites takes an indented '#' "
				 "line as an unknown property and refuses "
				 "the file)");
			add_problem(p, e);
		}
		rp->at = nl ? end + 1 : len;
	}
}

static const char *keep_name(struct pub_sitesfile *sf, const char *path)
{
	char **nv = realloc(sf->files, (sf->nfiles + 1) * sizeof(*nv));

	if (!nv)
		return NULL;
	sf->files = nv;
	nv[sf->nfiles] = strdup(path);
	return nv[sf->nfiles] ? nv[sf->nfiles++] : NULL;
}

/* Reads PATH line by line; every refused line is a problem and reading
 * goes on, so that all of them are reported at once (as make-secnet-sites
 * does).  FROM/AT: the include line that named PATH (NULL at the top). */
static int read_file(struct parser *p, const char *path,
		     const struct pub_lines *from, const struct pub_line *at,
		     struct pub_err *e)
{
	struct pub_lines f;
	struct rawpos rp = { 0, 0 };
	const char *cur, *prev;
	char *keep;

	if (p->depth >= MAX_DEPTH) {
		pub_errf(e, PUB_EXIT_INVALID, from->file, at->lineno, "include",
			 "%s: includes nested more than %d deep", at->w[1],
			 MAX_DEPTH);
		add_problem(p, e);
		return 0;
	}
	if (pub_lines_read(path, &f, e) != 0) {
		/* The reason names the file; say which line asked for it. */
		if (from) {
			struct pub_err why = *e;
			pub_errf(e, PUB_EXIT_INVALID, from->file, at->lineno,
				 "include", "%s", why.msg);
		}
		add_problem(p, e);
		return from ? 0 : -1;
	}
	keep = strdup(path);
	if (!keep || !(prev = keep_name(p->sf, path))) {
		free(keep);
		pub_lines_free(&f);
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "include",
				"out of memory");
	}
	free(p->last_file);
	p->last_file = keep;
	cur = p->cur_file;
	p->cur_file = prev;
	p->depth++;
	for (size_t i = 0; i <= f.n; i++) {
		unsigned upto = i < f.n ? f.v[i].lineno : ~0u;
		indented_comments(p, &f, &rp, upto, e);
		if (i < f.n && one_line(p, &f, &f.v[i], e) != 0)
			add_problem(p, e);
	}
	p->depth--;
	p->cur_file = cur;
	pub_lines_free(&f);
	return 0;
}

/* ---- whole-file checks --------------------------------------------------- */

void pub_sf_effective(const struct pub_sf_vpn *v,
		      const struct pub_sf_location *l,
		      const struct pub_sf_site *s, struct pub_sf_common *out)
{
	const struct pub_sf_common *lv[3] = { &v->c, &l->c, &s->c };

	memset(out, 0, sizeof(*out));
	for (size_t k = 0; k < 3; k++) {
		const struct pub_sf_common *c = lv[k];
		if (c->contact[0])
			memcpy(out->contact, c->contact, sizeof(out->contact));
		if (c->dh[0])
			memcpy(out->dh, c->dh, sizeof(out->dh));
		if (c->hash[0])
			memcpy(out->hash, c->hash, sizeof(out->hash));
		for (size_t i = 0; i < RR_NTUNABLES; i++)
			if (c->has_tun[i]) {
				out->has_tun[i] = true;
				out->tun[i] = c->tun[i];
			}
	}
}

/* make-secnet-sites' checkconstraints for one site: each property a
 * site needs, its own or inherited from its location or VPN (all the
 * missing ones in one message); networks inside every enclosing
 * restrict-nets; peer inside the networks. */
static void site_check(struct parser *p, const struct pub_sf_vpn *v,
		       const struct pub_sf_location *l,
		       const struct pub_sf_site *s, struct pub_err *e)
{
	const struct pub_sf_common *lv[3] = { &v->c, &l->c, &s->c };
	struct pub_sf_common eff;
	char miss[80] = "";
	bool ptp_in = false;

	pub_sf_effective(v, l, s, &eff);
	/* Together these fit MISS. */
	if (!eff.dh[0])
		strcat(miss, ", dh");
	if (!eff.contact[0])
		strcat(miss, ", contact");
	if (!s->has_nets)
		strcat(miss, ", networks");
	if (!eff.hash[0])
		strcat(miss, ", hash");
	if (!s->has_peer)
		strcat(miss, ", peer");
	if (!s->keys.n)
		strcat(miss, ", pub or pubkey");
	if (miss[0]) {
		pub_errf(e, PUB_EXIT_INVALID, s->file, s->line, "site",
			 "%s/%s/%s is missing %s %s (make-secnet-sites needs "
			 "%s at site level or above)", v->name, l->name,
			 s->name, strchr(miss + 2, ',') ? "properties"
							: "property",
			 miss + 2, strchr(miss + 2, ',') ? "them" : "it");
		add_problem(p, e);
	}
	for (size_t k = 0; k < 3; k++)
		if (s->has_nets && lv[k]->has_restrict &&
		    !rr_prefixes_within(lv[k]->restrict_nets, lv[k]->nrestrict,
					s->nets, s->nnets, NULL)) {
			pub_errf(e, PUB_EXIT_INVALID, s->file, s->line,
				 "networks", "site %s/%s/%s networks out of "
				 "bounds (outside the %s's restrict-nets)",
				 v->name, l->name, s->name,
				 k == 0 ? "VPN" : k == 1 ? "location" : "site");
			add_problem(p, e);
		}
	for (size_t i = 0; i < s->nnets; i++)
		ptp_in = ptp_in || rr_prefix_contains_addr(&s->nets[i], &s->peer);
	if (s->has_nets && s->has_peer && !ptp_in) {
		pub_errf(e, PUB_EXIT_INVALID, s->file, s->line, "peer",
			 "site %s/%s/%s peer not in networks", v->name, l->name,
			 s->name);
		add_problem(p, e);
	}
}

/* VPN and location levels need a contact of their own or inherited (a
 * location inherits its VPN's); make-secnet-sites checks only levels
 * that have sites. */
static void level_checks(struct parser *p, const struct pub_sf_vpn *v)
{
	struct pub_err e;
	bool live = false;

	for (size_t j = 0; j < v->n; j++) {
		const struct pub_sf_location *l = &v->locs[j];
		if (!l->n)
			continue;
		live = true;
		if (!v->c.contact[0] && !l->c.contact[0]) {
			pub_errf(&e, PUB_EXIT_INVALID, l->file, l->line,
				 "location", "%s is missing property contact "
				 "(make-secnet-sites needs it at location or "
				 "VPN level)", l->name);
			add_problem(p, &e);
		}
		for (size_t k = 0; k < l->n; k++)
			site_check(p, v, l, &l->sites[k], &e);
	}
	if (live && !v->c.contact[0]) {
		pub_errf(&e, PUB_EXIT_INVALID, v->file, v->line, "vpn",
			 "%s is missing property contact (make-secnet-sites "
			 "needs it at VPN level)", v->name);
		add_problem(p, &e);
	}
}

int pub_sitesfile_read(const char *path, struct pub_sitesfile *sf,
		       struct pub_err *e)
{
	struct parser p = { .sf = sf };
	int rc = -1;

	memset(sf, 0, sizeof(*sf));
	if (read_file(&p, path, NULL, NULL, e) != 0 && !p.nproblems)
		goto out;
	for (size_t i = 0; i < sf->n; i++)
		level_checks(&p, &sf->vpns[i]);
	if (p.nproblems == 1) {
		*e = p.problems[0];
	} else if (p.nproblems > 1) {
		/* Like make-secnet-sites: every problem, then the count. */
		for (size_t i = 0; i < p.nproblems; i++)
			pub_err_print(&p.problems[i]);
		pub_errf(e, PUB_EXIT_INVALID, path, 0, NULL, "%zu problems "
			 "(each listed above), the first: %s", p.nproblems,
			 p.problems[0].msg);
	} else {
		rc = 0;
	}
out:
	free(p.problems);
	free(p.last_file);
	if (rc != 0)
		pub_sitesfile_free(sf);
	return rc;
}

void pub_sitesfile_free(struct pub_sitesfile *sf)
{
	for (size_t i = 0; i < sf->n; i++) {
		struct pub_sf_vpn *v = &sf->vpns[i];
		for (size_t j = 0; j < v->n; j++) {
			for (size_t k = 0; k < v->locs[j].n; k++)
				pub_tkeys_free(&v->locs[j].sites[k].keys);
			free(v->locs[j].sites);
		}
		free(v->locs);
	}
	free(sf->vpns);
	free(sf->notes);
	for (size_t i = 0; i < sf->nfiles; i++)
		free(sf->files[i]);
	free(sf->files);
	memset(sf, 0, sizeof(*sf));
}
