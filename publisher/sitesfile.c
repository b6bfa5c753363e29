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
	return 0;
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
	if (l->nw == 3)
		note(p, f, l, "group %s is userv access control; not carried",
		     l->w[2]);
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->locs[i].name, l->w[1]) == 0) {
			p->loc = &v->locs[i];
			return 0;
		}
	if (grow((void **)&v->locs, v->n, sizeof(*v->locs)) != 0)
		return BAD(l->w[0], "out of memory");
	p->loc = &v->locs[v->n++];
	memcpy(p->loc->name, l->w[1], strlen(l->w[1]) + 1);
	p->loc->line = l->lineno;
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
	if (strcmp(kw, "pubkey") == 0 && l->nw == 5)
		note(p, f, l, "trailing comment \"%s\" not carried", l->w[4]);
	r = pub_tkeys_line(&s->keys, f, l, e);
	if (r < 0)
		return -1;
	return r ? 0 : BAD(kw, "unknown keyword");
}

static int read_file(struct parser *p, const char *path, struct pub_err *e);

static int one_line(struct parser *p, const struct pub_lines *f,
		    const struct pub_line *l, struct pub_err *e)
{
	const char *kw = l->w[0];
	int r;

	if (strcmp(kw, "vpn") == 0)
		return nav_vpn(p, f, l, e);
	if (strcmp(kw, "location") == 0)
		return nav_location(p, f, l, e);
	if (strcmp(kw, "site") == 0)
		return nav_site(p, f, l, e);
	if (strcmp(kw, "end-definitions") == 0) {
		note(p, f, l, "userv restriction marker; ignored");
		p->vpn = NULL;
		p->loc = NULL;
		p->site = NULL;
		return 0;
	}
	if (strcmp(kw, "include") == 0) {
		char *dcopy, *path;
		if (pub_line_args(f, l, 1, 1, e) != 0)
			return -1;
		dcopy = strdup(f->file);
		path = dcopy ? pub_path_join(dirname(dcopy), l->w[1]) : NULL;
		free(dcopy);
		if (!path)
			return BAD(kw, "out of memory");
		r = read_file(p, path, e);
		free(path);
		return r;
	}
	r = prop_common(p, f, l, e);
	if (r <= 0)
		return r;
	if (!p->site)
		return BAD(kw, "%s", strcmp(kw, "networks") == 0 ||
			   strcmp(kw, "address") == 0 ||
			   strcmp(kw, "peer") == 0 || strcmp(kw, "pub") == 0 ||
			   strcmp(kw, "pubkey") == 0 ||
			   strcmp(kw, "mobile") == 0 ||
			   strcmp(kw, "serial") == 0 || strcmp(kw, "pkg") == 0 ||
			   strcmp(kw, "pkgf") == 0
			   ? "only allowed at site level" : "unknown keyword");
	return prop_site(p, f, l, e);
}

static int read_file(struct parser *p, const char *path, struct pub_err *e)
{
	struct pub_lines f;
	int rc = 0;

	if (++p->depth > MAX_DEPTH) {
		p->depth--;
		return pub_errf(e, PUB_EXIT_INVALID, path, 0, "include",
				"nested more than %d deep", MAX_DEPTH);
	}
	if (pub_lines_read(path, &f, e) != 0) {
		p->depth--;
		return -1;
	}
	for (size_t i = 0; i < f.n && rc == 0; i++)
		rc = one_line(p, &f, &f.v[i], e);
	pub_lines_free(&f);
	p->depth--;
	return rc;
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

static int site_check(const char *file, const struct pub_sf_vpn *v,
		      const struct pub_sf_location *l,
		      const struct pub_sf_site *s, struct pub_err *e)
{
	const struct pub_sf_common *lv[3] = { &v->c, &l->c, &s->c };
	struct pub_sf_common eff;
	const char *miss;
	bool ptp_in = false;

	pub_sf_effective(v, l, s, &eff);
	miss = !eff.dh[0] ? "dh" : !eff.contact[0] ? "contact"
	     : !s->has_nets ? "networks" : !eff.hash[0] ? "hash"
	     : !s->has_peer ? "peer" : !s->keys.n ? "pubkey" : NULL;
	if (miss)
		return pub_errf(e, PUB_EXIT_INVALID, file, s->line, miss,
				"site %s/%s/%s is missing property %s", v->name,
				l->name, s->name, miss);
	for (size_t k = 0; k < 3; k++)
		if (lv[k]->has_restrict &&
		    !rr_prefixes_within(lv[k]->restrict_nets, lv[k]->nrestrict,
					s->nets, s->nnets, NULL))
			return pub_errf(e, PUB_EXIT_INVALID, file, s->line,
					"networks", "site %s/%s/%s networks out "
					"of bounds", v->name, l->name, s->name);
	for (size_t i = 0; i < s->nnets; i++)
		ptp_in = ptp_in || rr_prefix_contains_addr(&s->nets[i], &s->peer);
	if (!ptp_in)
		return pub_errf(e, PUB_EXIT_INVALID, file, s->line, "peer",
				"site %s/%s/%s peer not in networks", v->name,
				l->name, s->name);
	if (!v->c.contact[0] || !l->c.contact[0])
		return pub_errf(e, PUB_EXIT_INVALID, file,
				v->c.contact[0] ? l->line : v->line, "contact",
				"%s %s is missing property contact",
				v->c.contact[0] ? "location" : "vpn",
				v->c.contact[0] ? l->name : v->name);
	return 0;
}

int pub_sitesfile_read(const char *path, struct pub_sitesfile *sf,
		       struct pub_err *e)
{
	struct parser p = { sf, NULL, NULL, NULL, 0 };

	memset(sf, 0, sizeof(*sf));
	if (read_file(&p, path, e) != 0)
		goto fail;
	for (size_t i = 0; i < sf->n; i++)
		for (size_t j = 0; j < sf->vpns[i].n; j++)
			for (size_t k = 0; k < sf->vpns[i].locs[j].n; k++)
				if (site_check(path, &sf->vpns[i],
					       &sf->vpns[i].locs[j],
					       &sf->vpns[i].locs[j].sites[k],
					       e) != 0)
					goto fail;
	return 0;
fail:
	pub_sitesfile_free(sf);
	return -1;
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
	memset(sf, 0, sizeof(*sf));
}
