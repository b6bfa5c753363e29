/* hostcache.c - site records verified before (hostcache.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "atomicfile.h"
#include "hostcache.h"

#define FILE_NAME "verified"
#define HEXLEN (2 * RR_HASH_LEN + 1)

static int entry_cmp(const void *a, const void *b)
{
	const struct pub_hostcache_entry *x = a, *y = b;

	return pub_site_cmp(x->site, y->site);
}

static bool unhex(const char *s, uint8_t out[RR_HASH_LEN])
{
	size_t got = 0;

	return strlen(s) == 2 * RR_HASH_LEN &&
	       sodium_hex2bin(out, RR_HASH_LEN, s, strlen(s), NULL, &got,
			      NULL) == 0 &&
	       got == RR_HASH_LEN;
}

static bool num(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return false;
	v = strtoull(s, &end, 10);
	if (*end || v > max)
		return false;
	*out = v;
	return true;
}

/* One line into E: false when it is not one of ours. */
static bool parse_line(char *line, struct pub_hostcache_entry *e)
{
	char *w[6], *save = NULL;
	uint64_t serial;
	size_t n = 0;

	memset(e, 0, sizeof(*e));
	for (char *t = strtok_r(line, " \n", &save); t && n < 7;
	     t = strtok_r(NULL, " \n", &save))
		if (n++ < 6)
			w[n - 1] = t;
	if (n != 6 || strlen(w[0]) >= sizeof(e->site) ||
	    !unhex(w[1], e->c.key) || !unhex(w[5], e->c.content) ||
	    !num(w[2], UINT32_MAX, &serial) ||
	    !num(w[3], UINT64_MAX, &e->c.not_before) ||
	    !num(w[4], UINT64_MAX, &e->c.expires))
		return false;
	memcpy(e->site, w[0], strlen(w[0]) + 1);
	e->c.has_key = true;
	e->c.serial = (uint32_t)serial;
	return true;
}

static int grow(struct pub_hostcache *hc)
{
	struct pub_hostcache_entry *nv;
	size_t cap = hc->cap ? hc->cap * 2 : 256;

	if (hc->n < hc->cap)
		return 0;
	nv = realloc(hc->v, cap * sizeof(*nv));
	if (!nv)
		return -1;
	hc->v = nv;
	hc->cap = cap;
	return 0;
}

void pub_hostcache_load(const char *dir, struct pub_hostcache *hc)
{
	char *path = pub_path_join(dir, FILE_NAME);
	char line[RR_SITENAMELEN + 4 * HEXLEN];
	FILE *f = path ? fopen(path, "r") : NULL;

	memset(hc, 0, sizeof(*hc));
	while (f && fgets(line, sizeof(line), f)) {
		struct pub_hostcache_entry e;
		if (line[0] == '#' || !parse_line(line, &e))
			continue; /* not ours: it is only a cache */
		if (grow(hc) != 0)
			break;
		hc->v[hc->n++] = e;
	}
	if (f)
		fclose(f); /* read-only */
	free(path);
	if (hc->n)
		qsort(hc->v, hc->n, sizeof(*hc->v), entry_cmp);
}

const struct rrchain_site_cache *pub_hostcache_find(
	const struct pub_hostcache *hc, const char *site)
{
	size_t lo = 0, hi = hc->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = pub_site_cmp(hc->v[mid].site, site);
		if (c == 0)
			return &hc->v[mid].c;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int pub_hostcache_add(struct pub_hostcache *hc, const char *site,
		      const struct rrchain_site_cache *c, struct pub_err *e)
{
	if (strlen(site) >= sizeof(hc->v[0].site))
		return pub_errf(e, PUB_EXIT_INVALID, NULL, 0, "site", "%s: "
				"name too long", site);
	if (grow(hc) != 0)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, FILE_NAME,
				"out of memory");
	memset(&hc->v[hc->n], 0, sizeof(hc->v[hc->n]));
	memcpy(hc->v[hc->n].site, site, strlen(site) + 1);
	hc->v[hc->n++].c = *c;
	return 0;
}

char *pub_hostcache_text(struct pub_hostcache *hc, size_t *len)
{
	struct pub_out o;
	struct pub_err e;

	if (hc->n)
		qsort(hc->v, hc->n, sizeof(*hc->v), entry_cmp);
	if (pub_out_open(&o, &e) != 0)
		return NULL;
	fputs("# site records verified by vpnrr (a cache: may be removed)\n",
	      o.f);
	for (size_t i = 0; i < hc->n; i++) {
		const struct rrchain_site_cache *c = &hc->v[i].c;
		char k[HEXLEN], h[HEXLEN];

		sodium_bin2hex(k, sizeof(k), c->key, RR_HASH_LEN);
		sodium_bin2hex(h, sizeof(h), c->content, RR_HASH_LEN);
		fprintf(o.f, "%s %s %" PRIu32 " %" PRIu64 " %" PRIu64 " %s\n",
			hc->v[i].site, k, c->serial, c->not_before, c->expires,
			h);
	}
	if (pub_out_close(&o, &e) != 0) {
		pub_out_free(&o);
		return NULL;
	}
	*len = o.len;
	return o.buf;
}

char *pub_hostcache_path(const char *dir)
{
	return pub_path_join(dir, FILE_NAME);
}

int pub_hostcache_save(const char *dir, struct pub_hostcache *hc,
		       struct pub_err *e)
{
	char *path = pub_hostcache_path(dir), *text;
	char err[1024];
	size_t len = 0;
	int rc = -1, cmp;

	text = pub_hostcache_text(hc, &len);
	if (!path || !text) {
		pub_errf(e, PUB_EXIT_INTERNAL, dir, 0, FILE_NAME,
			 "out of memory");
		goto out;
	}
	/* Unchanged: not rewritten (an unchanged run writes nothing). */
	cmp = fetch_file_compare(path, (const uint8_t *)text, len, err,
				 sizeof(err));
	rc = cmp == FETCH_CMP_SAME
		     ? 0
		     : pub_write_file(path, text, len, 0644, false, e);
out:
	free(path);
	free(text);
	return rc;
}

void pub_hostcache_free(struct pub_hostcache *hc)
{
	free(hc->v);
	memset(hc, 0, sizeof(*hc));
}

int pub_hostcache_entry(const struct rr_record *member,
			const struct rr_record *rr,
			struct rrchain_site_cache *c, struct pub_err *e)
{
	struct rr_error err;
	struct rrchain_rdata rd;
	uint8_t *txt = NULL;
	size_t len = 0;

	memset(c, 0, sizeof(*c));
	if (rr_encode_txt_rdata(rr, &txt, &len, &err) != RR_OK)
		return pub_errf(e, PUB_EXIT_INVALID, rr->site, 0, "site record",
				"%s", err.msg);
	rd = (struct rrchain_rdata){ 16, txt, len };
	rrchain_site_key(member, &rd, c->key);
	free(txt);
	c->has_key = true;
	c->serial = rr->serial;
	c->not_before = rr->not_before;
	c->expires = rr->expires;
	rrchain_record_content(rr, c->content);
	return 0;
}
