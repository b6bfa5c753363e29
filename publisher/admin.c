/* admin.c - the admin directory: config and membership descriptions. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "admin.h"
#include "lines.h"
#include "timefmt.h"

#define BAD(what, ...)                                                         \
	pub_errf(e, PUB_EXIT_INVALID, f->file, l->lineno, (what), __VA_ARGS__)

static int set_path(const struct pub_admin *a, const struct pub_lines *f,
		    const struct pub_line *l, char *out, struct pub_err *e)
{
	char *p;

	if (pub_line_args(f, l, 1, 1, e) != 0)
		return -1;
	p = pub_path_join(a->dir, l->w[1]);
	if (!p || !pub_fmt(out, PUB_PATHLEN, "%s", p)) {
		free(p);
		return BAD(l->w[0], "path too long");
	}
	free(p);
	return 0;
}

static int kw_glue(struct pub_admin *a, const struct pub_lines *f,
		   const struct pub_line *l, struct pub_err *e)
{
	struct rr_error err;

	if (pub_line_args(f, l, 2, 2, e) != 0)
		return -1;
	if (a->nglue >= PUB_MAX_NS)
		return BAD(l->w[0], "more than %d glue records", PUB_MAX_NS);
	if (pub_field_dnsname(f, l, 1, a->glue[a->nglue].name, e) != 0)
		return -1;
	if (rr_addr_parse(l->w[2], &a->glue[a->nglue].addr, &err) != RR_OK)
		return BAD(l->w[0], "%s", err.msg);
	a->nglue++;
	return 0;
}

static int kw_list(const struct pub_lines *f, const struct pub_line *l,
		   size_t *n, struct pub_err *e)
{
	if (pub_line_args(f, l, 1, 1, e) != 0)
		return -1;
	if (*n >= PUB_MAX_NS)
		return BAD(l->w[0], "given more than %d times", PUB_MAX_NS);
	return 0;
}

static int conf_line(struct pub_admin *a, const struct pub_lines *f,
		     const struct pub_line *l, struct pub_err *e)
{
	const char *kw = l->w[0];

	if (strcmp(kw, "vpn") == 0)
		return pub_line_args(f, l, 1, 1, e) ||
		       pub_field_name(f, l, 1, a->vpn, e);
	if (strcmp(kw, "zone") == 0)
		return pub_line_args(f, l, 1, 1, e) ||
		       pub_field_dnsname(f, l, 1, a->zone, e);
	if (strcmp(kw, "restrict-nets") == 0)
		return pub_field_nets(f, l, a->restrict_nets, &a->nrestrict, e);
	if (strcmp(kw, "anchor-key") == 0)
		return set_path(a, f, l, a->anchor_key, e);
	if (strcmp(kw, "output") == 0)
		return set_path(a, f, l, a->output, e);
	if (strcmp(kw, "member-lifetime") == 0)
		return pub_field_duration(f, l, &a->member_lifetime, e);
	if (strcmp(kw, "head-lifetime") == 0)
		return pub_field_duration(f, l, &a->head_lifetime, e);
	if (strcmp(kw, "page-size") == 0)
		return pub_field_u32(f, l, 1, RR_MAX_PAGE_MEMBERS,
				     &a->page_size, e);
	if (strcmp(kw, "ttl") == 0)
		return pub_field_u32(f, l, 0, 604800, &a->ttl, e);
	if (strcmp(kw, "soa") == 0)
		return pub_line_args(f, l, 2, 2, e) ||
		       pub_field_dnsname(f, l, 1, a->soa_mname, e) ||
		       pub_field_dnsname(f, l, 2, a->soa_rname, e);
	if (strcmp(kw, "ns") == 0)
		return kw_list(f, l, &a->nns, e) ||
		       pub_field_dnsname(f, l, 1, a->ns[a->nns++], e);
	if (strcmp(kw, "glue") == 0)
		return kw_glue(a, f, l, e);
	if (strcmp(kw, "types") == 0) {
		if (pub_line_args(f, l, 1, 1, e) != 0)
			return -1;
		if (pub_ztype_parse(l->w[1], &a->types) != 0)
			return BAD(kw, "%s: need txt, bin or both", l->w[1]);
		return 0;
	}
	if (strcmp(kw, "site-records") == 0)
		return kw_list(f, l, &a->nsite_records, e) ||
		       set_path(a, f, l, a->site_records[a->nsite_records++],
				e);
	return BAD(kw, "unknown keyword");
}

static int conf_check(struct pub_admin *a, const char *file,
		      struct pub_err *e)
{
	const char *miss = !a->vpn[0] ? "vpn" : !a->zone[0] ? "zone"
			 : !a->nrestrict ? "restrict-nets"
			 : !a->anchor_key[0] ? "anchor-key"
			 : !a->soa_mname[0] ? "soa" : !a->nns ? "ns" : NULL;
	char *p;

	if (miss)
		return pub_errf(e, PUB_EXIT_INVALID, file, 0, miss,
				"missing from the admin config");
	if (!a->output[0]) {
		char name[RR_MAX_NAME + 8];
		snprintf(name, sizeof(name), "%s.zone", a->zone);
		p = pub_path_join(a->dir, name);
		if (!p || !pub_fmt(a->output, sizeof(a->output), "%s", p)) {
			free(p);
			return pub_errf(e, PUB_EXIT_INVALID, file, 0, "output",
					"path too long");
		}
		free(p);
	}
	return 0;
}

int pub_admin_load(const char *dir, struct pub_admin *a, struct pub_err *e)
{
	struct pub_lines f;
	int rc = -1;

	memset(a, 0, sizeof(*a));
	a->member_lifetime = 90 * 86400ULL;
	/* Days, not weeks: a head is what a frozen node keeps trusting, and
	 * vpnrr-fetch calls one older than 7 days stale (max-head-age).
	 * vpnrr-resign.timer re-signs it when 2 days old. */
	a->head_lifetime = 10 * 86400ULL;
	a->page_size = 40;
	a->ttl = 300;
	a->types = PUB_Z_BOTH;
	if (!pub_fmt(a->dir, sizeof(a->dir), "%s", dir) ||
	    !pub_fmt(a->file, sizeof(a->file), "%s/vpnrr.conf", dir))
		return pub_errf(e, PUB_EXIT_INVALID, dir, 0, "admin directory",
				"path too long");
	if (pub_lines_read(a->file, &f, e) != 0)
		return -1;
	for (size_t i = 0; i < f.n; i++)
		if (conf_line(a, &f, &f.v[i], e) != 0)
			goto out;
	rc = conf_check(a, f.file, e);
out:
	pub_lines_free(&f);
	return rc;
}

/* ---- member descriptions ---------------------------------------------- */

static int kw_key(struct pub_member *m, const struct pub_lines *f,
		  const struct pub_line *l, struct pub_err *e)
{
	struct rr_error err;

	if (pub_line_args(f, l, 1, 1, e) != 0)
		return -1;
	if (m->nkeys >= RR_MAX_KEYS)
		return BAD(l->w[0], "more than %d keys", RR_MAX_KEYS);
	if (rr_pubkey_parse(l->w[1], &m->keys[m->nkeys], &err) != RR_OK)
		return BAD(l->w[0], "%s", err.msg);
	for (size_t i = 0; i < m->nkeys; i++)
		if (memcmp(m->keys[i].key, m->keys[m->nkeys].key,
			   RR_PUBKEY_LEN) == 0)
			return BAD(l->w[0], "key listed twice");
	m->nkeys++;
	return 0;
}

static int member_line(struct pub_member *m, const struct pub_lines *f,
		       const struct pub_line *l, struct pub_err *e)
{
	const char *kw = l->w[0];

	if (strcmp(kw, "site") == 0)
		return pub_line_args(f, l, 1, 1, e) ||
		       pub_field_sitename(f, l, 1, m->site, e);
	if (strcmp(kw, "key") == 0)
		return kw_key(m, f, l, e);
	if (strcmp(kw, "networks") == 0)
		return pub_field_nets(f, l, m->nets, &m->nnets, e);
	if (strcmp(kw, "gateway-networks") == 0)
		return pub_field_nets(f, l, m->gw_nets, &m->ngw_nets, e);
	if (strcmp(kw, "publish") == 0)
		return pub_line_args(f, l, 1, 1, e) ||
		       pub_field_dnsname(f, l, 1, m->publish, e);
	if (strcmp(kw, "contact") == 0)
		return pub_field_text(f, l, m->contact, sizeof(m->contact), e);
	if (strcmp(kw, "serial") == 0)
		return pub_field_u32(f, l, 0, UINT32_MAX, &m->serial, e);
	if (strcmp(kw, "valid-from") == 0)
		return pub_field_time(f, l, &m->valid_from, e);
	if (strcmp(kw, "expires") == 0)
		return pub_field_time(f, l, &m->expires, e);
	return BAD(kw, "unknown keyword");
}

int pub_member_parse(const char *path, struct pub_member *m,
		     struct pub_err *e)
{
	struct pub_lines f;
	const char *miss;
	int rc = -1;

	memset(m, 0, sizeof(*m));
	if (!pub_fmt(m->file, sizeof(m->file), "%s", path))
		return pub_errf(e, PUB_EXIT_INVALID, path, 0, "member",
				"path too long");
	if (pub_lines_read(path, &f, e) != 0)
		return -1;
	for (size_t i = 0; i < f.n; i++)
		if (member_line(m, &f, &f.v[i], e) != 0)
			goto out;
	miss = !m->site[0] ? "site" : !m->nkeys ? "key"
	     : !m->nnets ? "networks" : !m->publish[0] ? "publish"
	     : !m->expires ? "expires" : NULL;
	if (miss) {
		pub_errf(e, PUB_EXIT_INVALID, f.file, 0, miss,
			 "missing from the membership");
		goto out;
	}
	if (m->expires <= m->valid_from) {
		pub_errf(e, PUB_EXIT_INVALID, f.file, 0, "expires",
			 "not after valid-from");
		goto out;
	}
	rc = 0;
out:
	pub_lines_free(&f);
	return rc;
}

static int member_cmp(const void *a, const void *b)
{
	const struct pub_member *x = a, *y = b;
	return pub_site_cmp(x->site, y->site);
}

static bool is_member_file(const char *name)
{
	size_t n = strlen(name);
	return n > 7 && name[0] != '.' && strcmp(name + n - 7, ".member") == 0;
}

int pub_members_load(const struct pub_admin *a, struct pub_members *ms,
		     struct pub_err *e)
{
	char *dir = pub_path_join(a->dir, "members");
	struct dirent *d;
	DIR *dh = NULL;
	int rc = -1;

	memset(ms, 0, sizeof(*ms));
	if (!dir)
		return pub_errf(e, PUB_EXIT_INTERNAL, a->dir, 0, "members",
				"out of memory");
	dh = opendir(dir);
	if (!dh) {
		if (errno == ENOENT)
			rc = 0;
		else
			pub_errf(e, PUB_EXIT_IO, dir, 0, "members", "%s",
				 strerror(errno));
		goto out;
	}
	while ((d = readdir(dh)) != NULL) {
		struct pub_member *nv;
		char *path;
		if (!is_member_file(d->d_name))
			continue;
		nv = realloc(ms->v, (ms->n + 1) * sizeof(*nv));
		path = pub_path_join(dir, d->d_name);
		if (!nv || !path) {
			if (nv)
				ms->v = nv;
			free(path);
			pub_errf(e, PUB_EXIT_INTERNAL, dir, 0, "members",
				 "out of memory");
			goto out;
		}
		ms->v = nv;
		if (pub_member_parse(path, &ms->v[ms->n], e) != 0) {
			free(path);
			goto out;
		}
		free(path);
		ms->n++;
	}
	if (ms->n)
		qsort(ms->v, ms->n, sizeof(*ms->v), member_cmp);
	rc = 0;
out:
	if (dh)
		closedir(dh);
	free(dir);
	if (rc != 0)
		pub_members_free(ms);
	return rc;
}

void pub_members_free(struct pub_members *ms)
{
	free(ms->v);
	memset(ms, 0, sizeof(*ms));
}

void pub_member_format(FILE *f, const struct pub_member *m)
{
	char t1[PUB_TIMESTRLEN], t2[PUB_TIMESTRLEN];

	fprintf(f, "# vpnrr membership (written by vpnrr; see vpnrr(1))\n");
	fprintf(f, "site %s\n", m->site);
	for (size_t i = 0; i < m->nkeys; i++) {
		char k[RR_PUBKEYSTRLEN];
		rr_pubkey_format(&m->keys[i], k);
		fprintf(f, "key %s\n", k);
	}
	fprintf(f, "networks");
	for (size_t i = 0; i < m->nnets; i++) {
		char p[RR_PREFIXSTRLEN];
		rr_prefix_format(&m->nets[i], p);
		fprintf(f, " %s", p);
	}
	if (m->ngw_nets) {
		fprintf(f, "\ngateway-networks");
		for (size_t i = 0; i < m->ngw_nets; i++) {
			char p[RR_PREFIXSTRLEN];
			rr_prefix_format(&m->gw_nets[i], p);
			fprintf(f, " %s", p);
		}
	}
	fprintf(f, "\npublish %s\n", m->publish);
	if (m->contact[0])
		fprintf(f, "contact %s\n", m->contact);
	pub_time_format(m->valid_from, t1);
	pub_time_format(m->expires, t2);
	fprintf(f, "serial %" PRIu32 "\nvalid-from %s\nexpires %s\n",
		m->serial, t1, t2);
}

char *pub_member_path(const struct pub_admin *a, const char *site)
{
	char name[RR_SITENAMELEN + 16], *slash;
	char *dir, *p;

	snprintf(name, sizeof(name), "%s.member", site);
	slash = strchr(name, '/');
	if (slash)
		*slash = ',';
	dir = pub_path_join(a->dir, "members");
	if (!dir)
		return NULL;
	p = pub_path_join(dir, name);
	free(dir);
	return p;
}

int pub_member_save(const struct pub_admin *a, const struct pub_member *m,
		    bool excl, struct pub_err *e)
{
	struct pub_out o = { 0 };
	char *path = pub_member_path(a, m->site);
	char *dir = pub_path_join(a->dir, "members");
	int rc = -1;

	if (!path || !dir) {
		pub_errf(e, PUB_EXIT_INTERNAL, a->dir, 0, "member",
			 "out of memory");
		goto out;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		pub_errf(e, PUB_EXIT_IO, dir, 0, "mkdir", "%s",
			 strerror(errno));
		goto out;
	}
	if (pub_out_open(&o, e) != 0)
		goto out;
	pub_member_format(o.f, m);
	if (pub_out_close(&o, e) == 0)
		rc = pub_write_file(path, o.buf, o.len, 0644, excl, e);
out:
	pub_out_free(&o);
	free(dir);
	free(path);
	return rc;
}

static int madd(struct rr_record *r, const struct pub_member *m,
		const char *tag, const char *val, struct pub_err *e)
{
	struct rr_error err;

	if (rr_add(r, tag, val, &err) == RR_OK)
		return 0;
	return pub_errf(e, PUB_EXIT_INVALID, m->file, 0, tag, "%s", err.msg);
}

int pub_member_record(const struct pub_admin *a, const struct pub_member *m,
		      struct rr_record *r, struct pub_err *e)
{
	char s[16], t[24], x[24];
	char keys[RR_MAX_KEYS * (RR_PUBKEYSTRLEN + 1) + 1] = "";
	char *nets = pub_nets_text(m->nets, m->nnets);
	char *gw = m->ngw_nets ? pub_nets_text(m->gw_nets, m->ngw_nets) : NULL;
	size_t len = 0;
	int rc = -1;

	rr_record_init(r, RR_KIND_MEMBER);
	if (!nets || (m->ngw_nets && !gw)) {
		pub_errf(e, PUB_EXIT_INTERNAL, m->file, 0, "record",
			 "out of memory");
		goto out;
	}
	for (size_t i = 0; i < m->nkeys; i++) {
		char k[RR_PUBKEYSTRLEN];
		rr_pubkey_format(&m->keys[i], k);
		len += (size_t)snprintf(keys + len, sizeof(keys) - len, "%s%s",
					i ? "," : "", k);
	}
	snprintf(s, sizeof(s), "%" PRIu32, m->serial);
	snprintf(t, sizeof(t), "%" PRIu64, m->valid_from);
	snprintf(x, sizeof(x), "%" PRIu64, m->expires);
	if (madd(r, m, "vpn", a->vpn, e) || madd(r, m, "site", m->site, e) ||
	    madd(r, m, "s", s, e) || madd(r, m, "t", t, e) ||
	    madd(r, m, "x", x, e) || madd(r, m, "rk", keys, e) ||
	    madd(r, m, "nets", nets, e) || madd(r, m, "at", m->publish, e) ||
	    (m->contact[0] && madd(r, m, "contact", m->contact, e)) ||
	    (gw && madd(r, m, "gw-nets", gw, e)))
		goto out;
	rc = 0;
out:
	free(nets);
	free(gw);
	if (rc != 0)
		rr_record_free(r);
	return rc;
}
