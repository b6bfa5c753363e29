/* index.c - the admin zone. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "anchorstmt.h"
#include "hostcache.h"
#include "index.h"
#include "keyfile.h"
#include "lines.h"
#include "policy.h"
#include "recfile.h"
#include "rrchain.h"
#include "timefmt.h"
#include "zonefmt.h"

struct state {
	uint32_t serial;
	bool has_serial;
	uint64_t head_expires;
	/* What the last zone written signed (fingerprint) and the file it
	 * went to, to tell an unchanged run (index.h). */
	bool has_fp, has_zone;
	uint8_t fp[RR_HASH_LEN];
	struct zone_id {
		uint64_t ino, size, mtime_s, mtime_ns;
	} zone;
};

/* Where the member counts go (pub_index_progress); thousands of members
 * take seconds to check and sign. */
static struct pub_progress *progress;

void pub_index_progress(struct pub_progress *p)
{
	progress = p;
}

static void count(const char *what, size_t done, size_t total)
{
	if (!progress)
		return;
	progress->what = what;
	pub_progress_count(progress, done, total);
}

static char *state_path(const struct pub_admin *a)
{
	return pub_path_join(a->dir, "state");
}

static bool zone_id_parse(const struct pub_line *l, struct zone_id *z)
{
	char *end;
	uint64_t *v[4] = { &z->ino, &z->size, &z->mtime_s, &z->mtime_ns };

	if (l->nw != 5)
		return false;
	for (size_t i = 0; i < 4; i++) {
		*v[i] = strtoull(l->w[i + 1], &end, 10);
		if (*end)
			return false;
	}
	return true;
}

static void state_line(struct state *st, const struct pub_line *l)
{
	size_t got = 0;

	if (strcmp(l->w[0], "zone-file") == 0) {
		st->has_zone = zone_id_parse(l, &st->zone);
		return;
	}
	if (l->nw != 2)
		return;
	if (strcmp(l->w[0], "zone-serial") == 0) {
		st->serial = (uint32_t)strtoul(l->w[1], NULL, 10);
		st->has_serial = true;
	} else if (strcmp(l->w[0], "head-expires") == 0) {
		pub_time_parse(l->w[1], &st->head_expires);
	} else if (strcmp(l->w[0], "fingerprint") == 0) {
		st->has_fp = sodium_hex2bin(st->fp, sizeof(st->fp), l->w[1],
					    strlen(l->w[1]), NULL, &got,
					    NULL) == 0 &&
			     got == sizeof(st->fp);
	}
}

static void state_read(const struct pub_admin *a, struct state *st)
{
	char *path = state_path(a);
	struct pub_lines f;
	struct pub_err e;

	memset(st, 0, sizeof(*st));
	if (!path || pub_lines_read(path, &f, &e) != 0) {
		free(path);
		return;
	}
	for (size_t i = 0; i < f.n; i++)
		state_line(st, &f.v[i]);
	pub_lines_free(&f);
	free(path);
}

static int state_write(const struct pub_admin *a, const struct state *st,
		       struct pub_err *e)
{
	char buf[512], t[PUB_TIMESTRLEN], fp[2 * RR_HASH_LEN + 1];
	char *path = state_path(a);
	int rc;

	if (!path)
		return pub_errf(e, PUB_EXIT_INTERNAL, a->dir, 0, "state",
				"out of memory");
	pub_time_format(st->head_expires, t);
	sodium_bin2hex(fp, sizeof(fp), st->fp, sizeof(st->fp));
	snprintf(buf, sizeof(buf), "# written by vpnrr index\n"
		 "zone-serial %" PRIu32 "\nhead-expires %s\n"
		 "fingerprint %s\n"
		 "zone-file %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
		 st->serial, t, fp, st->zone.ino, st->zone.size,
		 st->zone.mtime_s, st->zone.mtime_ns);
	rc = pub_write_file(path, buf, strlen(buf), 0644, false, e);
	free(path);
	return rc;
}

/* The identity of the zone file as it is now; false when absent. */
static bool zone_stat(const char *path, struct zone_id *z)
{
	struct stat sb;

	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return false;
	z->ino = (uint64_t)sb.st_ino;
	z->size = (uint64_t)sb.st_size;
	z->mtime_s = (uint64_t)sb.st_mtim.tv_sec;
	z->mtime_ns = (uint64_t)sb.st_mtim.tv_nsec;
	return true;
}

uint64_t pub_index_head_expires(const struct pub_admin *a)
{
	struct state st;

	state_read(a, &st);
	return st.head_expires;
}

/* The members that are still valid, as unsigned member records. */
struct built {
	struct rr_record *m;   /* unsigned entries */
	const struct pub_member **src;
	size_t n;
	uint8_t (*hash)[RR_HASH_LEN];
	size_t npages;
};

static void built_free(struct built *b)
{
	for (size_t i = 0; i < b->n; i++)
		rr_record_free(&b->m[i]);
	free(b->m);
	free(b->src);
	free(b->hash);
	memset(b, 0, sizeof(*b));
}

static int build_members(const struct pub_admin *a,
			 const struct pub_members *ms, uint64_t now,
			 struct built *b, size_t *expired, struct pub_err *e)
{
	b->m = calloc(ms->n ? ms->n : 1, sizeof(*b->m));
	b->src = calloc(ms->n ? ms->n : 1, sizeof(*b->src));
	if (!b->m || !b->src)
		return pub_errf(e, PUB_EXIT_INTERNAL, a->dir, 0, "index",
				"out of memory");
	for (size_t i = 0; i < ms->n; i++) {
		const struct pub_member *m = &ms->v[i];
		count("index: member entries built", i, ms->n);
		if (m->expires <= now) {
			pub_warn("%s: membership of %s expired; not "
				 "published (vpnrr resign renews it)",
				 m->file, m->site);
			(*expired)++;
			continue;
		}
		if (pub_member_record(a, m, &b->m[b->n], e) != 0)
			return -1;
		b->src[b->n++] = m;
	}
	return 0;
}

static int hash_pages(const struct pub_admin *a, struct built *b,
		      struct pub_err *e)
{
	const struct rr_record **ptrs;
	struct rr_error err;
	size_t ps = a->page_size;

	b->npages = (b->n + ps - 1) / ps;
	if (b->npages > RR_MAX_PAGES)
		return pub_errf(e, PUB_EXIT_INVALID, a->file, 0, "page-size",
				"%zu members need more than %d pages", b->n,
				RR_MAX_PAGES);
	b->hash = calloc(b->npages ? b->npages : 1, RR_HASH_LEN);
	ptrs = calloc(ps, sizeof(*ptrs));
	if (!b->hash || !ptrs) {
		free(ptrs);
		return pub_errf(e, PUB_EXIT_INTERNAL, a->dir, 0, "index",
				"out of memory");
	}
	for (size_t p = 0; p < b->npages; p++) {
		size_t k = 0;
		for (size_t i = p * ps; i < b->n && i < (p + 1) * ps; i++)
			ptrs[k++] = &b->m[i];
		if (rr_page_hash(ptrs, k, b->hash[p], &err) != RR_OK) {
			free(ptrs);
			return pub_errf(e, PUB_EXIT_INVALID, a->dir, 0,
					"page hash", "%s", err.msg);
		}
	}
	free(ptrs);
	return 0;
}

static int head_record(const struct pub_admin *a, const struct built *b,
		       uint32_t serial, uint64_t now, const struct rr_seckey *sk,
		       struct rr_record *h, struct pub_err *e)
{
	char num[3][24], owner[RR_MAX_NAME + 1];
	size_t blen = sodium_base64_ENCODED_LEN(b->npages * RR_HASH_LEN,
			sodium_base64_VARIANT_ORIGINAL);
	char *pages = malloc(blen + 1);
	char n[16];
	struct rr_error err;
	int rc = -1;

	rr_record_init(h, RR_KIND_HEAD);
	if (!pages) {
		pub_errf(e, PUB_EXIT_INTERNAL, a->dir, 0, "head",
			 "out of memory");
		goto out;
	}
	pages[0] = '\0';
	if (b->npages)
		sodium_bin2base64(pages, blen + 1, (const uint8_t *)b->hash,
				  b->npages * RR_HASH_LEN,
				  sodium_base64_VARIANT_ORIGINAL);
	snprintf(num[0], 24, "%" PRIu32, serial);
	snprintf(num[1], 24, "%" PRIu64, now - PUB_CLOCK_SKEW);
	snprintf(num[2], 24, "%" PRIu64, now + a->head_lifetime);
	snprintf(n, sizeof(n), "%zu", b->n);
	if (rr_add(h, "vpn", a->vpn, &err) || rr_add(h, "s", num[0], &err) ||
	    rr_add(h, "t", num[1], &err) || rr_add(h, "x", num[2], &err) ||
	    rr_add(h, "n", n, &err) || rr_add(h, "pages", pages, &err) ||
	    rr_name_head(a->zone, owner, &err) ||
	    rr_sign(h, owner, sk, &err)) {
		pub_errf(e, PUB_EXIT_INVALID, a->dir, 0, "head", "%s", err.msg);
		goto out;
	}
	rc = 0;
out:
	free(pages);
	return rc;
}

static void soa_ns(FILE *f, const struct pub_admin *a, uint32_t serial)
{
	fprintf(f, "; vpnrr admin zone of VPN %s; written by \"vpnrr index\", "
		"do not edit\n$TTL %u\n", a->vpn, (unsigned)a->ttl);
	fprintf(f, "%s.\t%u\tIN\tSOA\t%s. %s. %" PRIu32 " 3600 900 1209600 "
		"300\n", a->zone, (unsigned)a->ttl, a->soa_mname, a->soa_rname,
		serial);
	for (size_t i = 0; i < a->nns; i++)
		fprintf(f, "%s.\t%u\tIN\tNS\t%s.\n", a->zone, (unsigned)a->ttl,
			a->ns[i]);
	for (size_t i = 0; i < a->nglue; i++) {
		char ad[RR_ADDRSTRLEN];
		rr_addr_format(&a->glue[i].addr, ad);
		fprintf(f, "%s.\t%u\tIN\t%s\t%s\n", a->glue[i].name,
			(unsigned)a->ttl,
			a->glue[i].addr.family == 4 ? "A" : "AAAA", ad);
	}
}

static int pages_out(FILE *f, const struct pub_admin *a,
		     const struct built *b, struct pub_index_info *info,
		     struct pub_err *e)
{
	char owner[RR_MAX_NAME + 1];
	struct rr_error err;

	for (size_t p = 0; p < b->npages; p++) {
		size_t bytes = 0;
		if (rr_name_page(a->zone, b->hash[p], owner, &err) != RR_OK)
			return pub_errf(e, PUB_EXIT_INVALID, a->dir, 0, "page",
					"%s", err.msg);
		fprintf(f, "; page %zu of %zu\n", p + 1, b->npages);
		for (size_t i = p * a->page_size;
		     i < b->n && i < (p + 1) * a->page_size; i++) {
			char *t = NULL;
			size_t tl = 0;
			if (rr_format_txt(&b->m[i], &t, &tl, &err) == RR_OK) {
				bytes += tl;
				if (tl > info->max_member_txt_len)
					info->max_member_txt_len = tl;
			}
			free(t);
			if (pub_zone_record(f, owner, a->ttl, &b->m[i],
					    a->types, e) != 0)
				return -1;
		}
		if (bytes > info->max_page_bytes)
			info->max_page_bytes = bytes;
	}
	return 0;
}

static int members_out(FILE *f, const struct pub_admin *a,
		       const struct built *b, const struct rr_seckey *sk,
		       struct pub_err *e)
{
	char owner[RR_MAX_NAME + 1];
	struct rr_error err;

	fprintf(f, "; signed member records\n");
	for (size_t i = 0; i < b->n; i++) {
		struct rr_record *m = &b->m[i];
		int rc;
		count("index: member records signed", i, b->n);
		if (rr_name_member(a->zone, m->site, owner, &err) ||
		    rr_sign(m, owner, sk, &err))
			return pub_errf(e, PUB_EXIT_INVALID, b->src[i]->file,
					0, "member", "%s", err.msg);
		rc = pub_zone_record(f, owner, a->ttl, m, a->types, e);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* A hosted site record must be signed by its member's key at its
 * member's publish name. */
static bool in_zone(const char *name, const char *zone)
{
	size_t n = strlen(name), z = strlen(zone);

	return strcmp(name, zone) == 0 ||
	       (n > z + 1 && name[n - z - 1] == '.' &&
		strcmp(name + n - z, zone) == 0);
}

/* The built member of SITE, or B->n: B keeps pub_members_load's order,
 * sorted by site name (pub_site_cmp), so one binary search finds it. */
static size_t find_built(const struct built *b, const char *site)
{
	size_t lo = 0, hi = b->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = pub_site_cmp(b->src[mid]->site, site);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return b->n;
}

/* The hosted records' verification cache: OLD as loaded, NEXT what this
 * run verified (hostcache.h). */
struct hosted {
	struct pub_hostcache old, next;
};

/* The site record as a fetcher would take it from this zone: the chain
 * library's verdict under the member entry being published.  Bytes it
 * verified before under the same entry only have their dates checked. */
static int hosted_verify(const struct pub_admin *a, const struct built *b,
			 size_t i, const char *file, const struct pub_rec *rec,
			 uint64_t now, struct hosted *h, struct pub_err *e)
{
	const struct rrchain_site_cache *cache;
	struct rrchain_policy pol = { 0 };
	struct rrchain_site_result res;
	struct rrchain_site_cache next;
	struct rrchain_stats st = { 0 };
	struct rrchain_error err = { 0 };
	struct rrchain_rdata rd;
	struct rr_error rerr;
	enum rrchain_reason r;
	uint8_t *txt = NULL;
	size_t len = 0;
	int rc = 0;

	if (rr_encode_txt_rdata(&rec->r, &txt, &len, &rerr) != RR_OK)
		return pub_errf(e, PUB_EXIT_INVALID, file, rec->line,
				"site record", "%s", rerr.msg);
	pol.zone = a->zone;
	pol.vpn = a->vpn;
	rd = (struct rrchain_rdata){ 16, txt, len };
	cache = pub_hostcache_find(&h->old, rec->r.site);
	r = rrchain_verify_site(&pol, &b->m[i], &rd, 1, now, cache, &res, &st,
				&err);
	free(txt);
	if (r == RRCHAIN_OK && res.warning[0])
		pub_warn("%s:%u: site record: %s", file, rec->line,
			 res.warning);
	if (r == RRCHAIN_OK) {
		next = (struct rrchain_site_cache){
			.has_key = true, .serial = res.serial,
			.not_before = res.rec ? res.rec->not_before
					      : cache->not_before,
			.expires = res.rec ? res.rec->expires : cache->expires,
		};
		memcpy(next.key, res.key, RR_HASH_LEN);
		memcpy(next.content, res.content, RR_HASH_LEN);
		rc = pub_hostcache_add(&h->next, rec->r.site, &next, e);
	}
	rrchain_site_result_free(&res);
	if (r != RRCHAIN_OK)
		return pub_errf(e, PUB_EXIT_INVALID, file, rec->line,
				"site record", "%s: %s", rrchain_reason_name(r),
				err.msg);
	return rc;
}

static int hosted_check(const struct pub_admin *a, const struct built *b,
			const char *file, const struct pub_rec *rec,
			uint64_t now, struct hosted *h, struct pub_err *e)
{
	const struct pub_member *m;
	size_t i;

	if (!in_zone(rec->owner, a->zone))
		return pub_errf(e, PUB_EXIT_INVALID, file, rec->line,
				"site record", "%s is outside zone %s; publish "
				"it in its own zone", rec->owner, a->zone);
	i = find_built(b, rec->r.site);
	if (i == b->n)
		return pub_errf(e, PUB_EXIT_INVALID, file, rec->line,
				"site record", "%s: no current membership",
				rec->r.site);
	m = b->src[i];
	if (strcmp(m->publish, rec->owner) != 0)
		return pub_errf(e, PUB_EXIT_INVALID, file, rec->line,
				"site record", "%s publishes at %s, not %s",
				m->site, m->publish, rec->owner);
	return hosted_verify(a, b, i, file, rec, now, h, e);
}

static int hosted_out(FILE *f, const struct pub_admin *a,
		      const struct built *b, uint64_t now, struct hosted *h,
		      struct pub_err *e)
{
	for (size_t k = 0; k < a->nsite_records; k++) {
		struct pub_recs rs;
		int rc = 0;
		if (pub_recs_read(a->site_records[k], &rs, e) != 0)
			return -1;
		fprintf(f, "; site records from %s\n", a->site_records[k]);
		for (size_t i = 0; i < rs.n && rc == 0; i++) {
			count("index: hosted site records checked", i, rs.n);
			rc = hosted_check(a, b, a->site_records[k], &rs.v[i], now,
					  h, e);
			if (rc == 0)
				rc = pub_zone_record(f, rs.v[i].owner, a->ttl,
						     &rs.v[i].r, a->types, e);
		}
		pub_recs_free(&rs);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static uint32_t next_serial(const struct state *st, uint64_t now)
{
	uint32_t t = (uint32_t)now;

	if (!st->has_serial || rr_serial_cmp(t, st->serial) > 0)
		return t;
	return st->serial + 1;
}

/* The anchor statements of ADMINDIR/anchors/ still valid, so that they
 * stay published (a node offline through a rollover finds them when it
 * comes back); an expired one is left out with a warning. */
static int anchors_out(FILE *f, const struct pub_admin *a, uint64_t now,
		       struct pub_err *e)
{
	char owner[RR_MAX_NAME + 1], t[PUB_TIMESTRLEN];
	struct pub_recs rs;
	struct rr_error err;
	int rc = 0;

	if (rr_name_anchor(a->zone, owner, &err) != RR_OK)
		return pub_errf(e, PUB_EXIT_INVALID, a->dir, 0, "anchors",
				"%s", err.msg);
	if (pub_anchor_stmts_load(a, &rs, e) != 0)
		return -1;
	if (rs.n > 0)
		fprintf(f, "; anchor statements\n");
	for (size_t i = 0; i < rs.n && rc == 0; i++) {
		const struct pub_rec *r = &rs.v[i];
		if (r->r.kind != RR_KIND_ANCHOR ||
		    !pub_streq_nocase(r->owner, owner) ||
		    strcmp(r->r.vpn, a->vpn) != 0) {
			rc = pub_errf(e, PUB_EXIT_INVALID, a->dir, r->line,
				      "anchors", "%s: not an anchor statement "
				      "of VPN %s at %s", r->owner, a->vpn,
				      owner);
			break;
		}
		if (now >= r->r.expires) {
			pub_time_format(r->r.expires, t);
			pub_warn("index: %s: anchor statement expired at %s: "
				 "left out (sign it again with vpnrr anchor)",
				 PUB_ANCHOR_DIR, t);
			continue;
		}
		rc = pub_zone_record(f, owner, a->ttl, &r->r, a->types, e);
	}
	pub_recs_free(&rs);
	return rc;
}

/* Everything after the head: pages, signed member records, hosted site
 * records.  Signatures are deterministic (Ed25519), so the same input
 * gives the same bytes. */
static int zone_body(const struct pub_admin *a, const struct built *b,
		     const struct rr_seckey *sk, uint64_t now, struct hosted *h,
		     struct pub_index_info *info, struct pub_out *body,
		     struct pub_err *e)
{
	if (pub_out_open(body, e) != 0)
		return -1;
	if (anchors_out(body->f, a, now, e) == 0 &&
	    pages_out(body->f, a, b, info, e) == 0 &&
	    members_out(body->f, a, b, sk, e) == 0 &&
	    hosted_out(body->f, a, b, now, h, e) == 0 &&
	    pub_out_close(body, e) == 0)
		return 0;
	pub_out_free(body);
	return -1;
}

/* What the zone signs but for the head's serial and dates: the anchor,
 * the head's lifetime, SOA/NS/glue without the serial, and the body. */
static int fingerprint(const struct pub_admin *a, const struct rr_seckey *sk,
		       const struct pub_out *body, uint8_t out[RR_HASH_LEN],
		       struct pub_err *e)
{
	static const char ctx[] = "vpnrr-index-1";
	crypto_generichash_state h; /* BLAKE2b: tens of MB at 10,000 sites */
	struct pub_out top;
	uint8_t life[8];

	if (pub_out_open(&top, e) != 0)
		return -1;
	soa_ns(top.f, a, 0);
	if (pub_out_close(&top, e) != 0) {
		pub_out_free(&top);
		return -1;
	}
	for (size_t i = 0; i < 8; i++)
		life[i] = (uint8_t)(a->head_lifetime >> (8 * i));
	if (crypto_generichash_init(&h, NULL, 0, RR_HASH_LEN) != 0 ||
	    crypto_generichash_update(&h, (const uint8_t *)ctx,
				      sizeof(ctx)) != 0 ||
	    crypto_generichash_update(&h, sk->pub.key, RR_PUBKEY_LEN) != 0 ||
	    crypto_generichash_update(&h, life, sizeof(life)) != 0 ||
	    crypto_generichash_update(&h, (const uint8_t *)top.buf,
				      top.len + 1) != 0 ||
	    crypto_generichash_update(&h, (const uint8_t *)body->buf,
				      body->len) != 0 ||
	    crypto_generichash_final(&h, out, RR_HASH_LEN) != 0) {
		pub_out_free(&top);
		return pub_errf(e, PUB_EXIT_INTERNAL, a->dir, 0, "index",
				"hash failed");
	}
	pub_out_free(&top);
	return 0;
}

/* A head this old is signed again even when nothing changed: well
 * inside vpnrr-fetch's default max-head-age (7 days), past which nodes
 * call a head stale. */
#define HEAD_MAX_AGE (3 * 86400ULL)

/* The head written last is due for re-signing: half its lifetime or
 * HEAD_MAX_AGE has passed since it was signed (the lifetime is part of
 * the fingerprint, so it is the one it was signed with). */
static bool head_due(const struct pub_admin *a, const struct state *st,
		     uint64_t now)
{
	uint64_t age = a->head_lifetime / 2;

	if (age > HEAD_MAX_AGE)
		age = HEAD_MAX_AGE;
	return st->head_expires < a->head_lifetime ||
	       now >= st->head_expires - a->head_lifetime + age;
}

/* Nothing to publish: the same signed content as the zone already there,
 * untouched since, under a head that is not due (nodes re-fetch every
 * page when the head changes, so it is re-signed only when due; vpnrr
 * resign and --force re-sign anyway). */
static bool unchanged(const struct pub_admin *a, const struct state *st,
		      const uint8_t fp[RR_HASH_LEN], uint64_t now)
{
	struct zone_id z;

	return st->has_serial && st->has_fp && st->has_zone &&
	       sodium_memcmp(st->fp, fp, RR_HASH_LEN) == 0 &&
	       zone_stat(a->output, &z) &&
	       memcmp(&z, &st->zone, sizeof(z)) == 0 && !head_due(a, st, now);
}

static int write_zone(const struct pub_admin *a, const struct built *b,
		      const struct rr_seckey *sk, uint64_t now,
		      const struct pub_out *body, struct state *st,
		      struct pub_index_info *info, struct pub_err *e)
{
	struct rr_record head;
	char owner[RR_MAX_NAME + 1], *t = NULL;
	struct rr_error err;
	struct pub_out o;
	size_t tl = 0;
	int rc = -1;

	st->serial = next_serial(st, now);
	if (head_record(a, b, st->serial, now, sk, &head, e) != 0)
		return -1;
	st->head_expires = head.expires;
	if (rr_format_txt(&head, &t, &tl, &err) == RR_OK)
		info->head_txt_len = tl;
	free(t);
	if (rr_name_head(a->zone, owner, &err) != RR_OK ||
	    pub_out_open(&o, e) != 0) {
		rr_record_free(&head);
		return -1;
	}
	soa_ns(o.f, a, st->serial);
	fprintf(o.f, "; head\n");
	if (pub_zone_record(o.f, owner, a->ttl, &head, a->types, e) == 0 &&
	    fwrite(body->buf, 1, body->len, o.f) == body->len &&
	    pub_out_close(&o, e) == 0 &&
	    pub_write_file(a->output, o.buf, o.len, 0644, false, e) == 0) {
		st->has_zone = zone_stat(a->output, &st->zone);
		rc = 0;
	}
	pub_out_free(&o);
	rr_record_free(&head);
	return rc;
}

static int publish(const struct pub_admin *a, const struct built *b,
		   const struct rr_seckey *sk, uint64_t now, bool force,
		   struct pub_index_info *info, struct pub_err *e)
{
	struct hosted h = { 0 };
	struct pub_out body = { 0 };
	uint8_t fp[RR_HASH_LEN];
	struct state st;
	int rc = -1;

	state_read(a, &st);
	pub_hostcache_load(a->dir, &h.old);
	if (zone_body(a, b, sk, now, &h, info, &body, e) != 0 ||
	    fingerprint(a, sk, &body, fp, e) != 0)
		goto out;
	info->changed = force || !unchanged(a, &st, fp, now);
	memcpy(st.fp, fp, sizeof(fp));
	if (info->changed &&
	    (write_zone(a, b, sk, now, &body, &st, info, e) != 0 ||
	     state_write(a, &st, e) != 0))
		goto out;
	if (pub_hostcache_save(a->dir, &h.next, e) != 0)
		goto out;
	info->zone_serial = st.serial;
	info->head_expires = st.head_expires;
	rc = 0;
out:
	pub_out_free(&body);
	pub_hostcache_free(&h.old);
	pub_hostcache_free(&h.next);
	return rc;
}

int pub_index_run(const struct pub_admin *a, uint64_t now, bool force,
		  struct pub_index_info *info, struct pub_err *e)
{
	struct pub_index_info dummy;
	struct pub_members ms = { 0 };
	struct built b = { 0 };
	struct rr_seckey sk;
	int rc = -1;

	if (!info)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	if (pub_seckey_load(a->anchor_key, &sk, e) != 0)
		return -1;
	if (pub_members_load(a, &ms, e) != 0 ||
	    pub_policy_all(a, &ms, e) != 0 ||
	    build_members(a, &ms, now, &b, &info->nexpired, e) != 0 ||
	    hash_pages(a, &b, e) != 0 ||
	    publish(a, &b, &sk, now, force, info, e) != 0)
		goto out;
	info->nmembers = b.n;
	info->npages = b.npages;
	rc = 0;
out:
	rr_seckey_wipe(&sk);
	built_free(&b);
	pub_members_free(&ms);
	return rc;
}
