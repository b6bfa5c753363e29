/*
 * merge.c - one refresh's results taken into the state: the membership,
 * the site records kept, replaced or dropped, the view, expiry warnings.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "state_int.h"

/* ---- merge --------------------------------------------------------------- */

static size_t membership_size(const struct rrchain_membership *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->npages; i++)
		n += m->pages[i].nmembers;
	return n;
}

static bool fresh_given(const struct rrchain_membership *fresh)
{
	return fresh && fresh->head.raw.data;
}

static void report_rejected_members(const struct rrchain_membership *m,
				    struct fetch_merge_report *rep)
{
	for (size_t p = 0; p < m->npages; p++)
		for (size_t i = 0; i < m->pages[p].nmembers; i++) {
			const struct rrchain_member *e = &m->pages[p].members[i];
			if (e->status != RRCHAIN_OK)
				st_event(rep, FETCH_EV_MEMBER_REJECTED, e->status,
				      e->rec.site, "%s", e->why);
		}
}

/* Installs FRESH unless it would move the head backwards. */
static void take_fresh(struct fetch_state *st, struct rrchain_membership *fresh,
		       struct fetch_merge_report *rep)
{
	const struct rrchain_head *h = &fresh->head;
	int c = st->head_hw.set
			? rr_serial_cmp(h->rec.serial, st->head_hw.serial)
			: 1;

	if (c < 0 || (c == 0 && memcmp(h->content, st->head_hw.content,
				       RR_HASH_LEN) != 0)) {
		st_event(rep, FETCH_EV_HEAD_REJECTED,
		      c < 0 ? RRCHAIN_R_ROLLBACK : RRCHAIN_R_FORK, "",
		      "head serial %u refused: high-water mark is %u",
		      h->rec.serial, st->head_hw.serial);
		rrchain_membership_free(fresh);
		return;
	}
	/* The same head again is no news. */
	if (!st->has_mem || c > 0) {
		st_event(rep, FETCH_EV_HEAD_NEW, RRCHAIN_OK, "",
		      "head serial %u: %u members in %zu pages",
		      h->rec.serial, h->rec.nmembers, h->rec.npages);
		report_rejected_members(fresh, rep);
	}
	rrchain_membership_free(&st->mem);
	st->mem = *fresh;
	memset(fresh, 0, sizeof(*fresh));
	st->has_mem = true;
	st->head_hw.set = true;
	st->head_hw.serial = st->mem.head.rec.serial;
	memcpy(st->head_hw.content, st->mem.head.content, RR_HASH_LEN);
}

/* Freeze: a head that is not renewed takes its whole membership along. */
static void expire_head(struct fetch_state *st, uint64_t now,
			struct fetch_merge_report *rep)
{
	const struct rr_record *h = &st->mem.head.rec;

	if (!st->has_mem || (now >= h->not_before && now < h->expires))
		return;
	st_event(rep, FETCH_EV_HEAD_DROPPED,
	      now >= h->expires ? RRCHAIN_R_EXPIRED : RRCHAIN_R_NOTYET, "",
	      "head serial %u %s at %llu (now %llu): membership dropped",
	      h->serial, now >= h->expires ? "expired" : "not valid",
	      (unsigned long long)(now >= h->expires ? h->expires
						     : h->not_before),
	      (unsigned long long)now);
	rrchain_membership_free(&st->mem);
	st->has_mem = false;
}

static bool member_usable(const struct rrchain_member *m, uint64_t now)
{
	return m->status == RRCHAIN_OK && now >= m->rec.not_before &&
	       now < m->rec.expires;
}

/* The next generation of entries: one per name in the membership (any
 * status, so high-water marks of rejected members survive), then the
 * other old ones, with their marks only when there is a membership (and
 * with their records until keep_or_drop when there is none). */
static void build_entries(struct fetch_state *st, uint64_t now,
			  struct site_entry *ns, size_t *nn, struct table *nt,
			  struct fetch_merge_report *rep)
{
	*nn = 0;
	for (size_t p = 0; st->has_mem && p < st->mem.npages; p++) {
		const struct rrchain_page *pg = &st->mem.pages[p];
		for (size_t i = 0; i < pg->nmembers; i++) {
			const struct rrchain_member *m = &pg->members[i];
			struct site_entry *e, *old;
			size_t len = strlen(m->rec.site);
			/* rr-format limits names to 63+1+63 bytes. */
			if (len >= sizeof(e->name) ||
			    st_table_find(nt, st->hkey, ns, m->rec.site))
				continue; /* a duplicate: both are rejected */
			e = &ns[*nn];
			memcpy(e->name, m->rec.site, len + 1);
			old = st_table_find(&st->tab, st->hkey, st->sites,
					 e->name);
			if (old)
				st_entry_take(e, old);
			e->entry = m;
			e->usable = member_usable(m, now);
			st_table_put(nt, st->hkey, *nn, e->name);
			(*nn)++;
		}
	}
	/* Names no longer in the membership: the record goes (revocation),
	 * the high-water mark stays, so that re-admitting the site cannot
	 * replay its old records (SPEC.md 10.3). */
	for (size_t i = 0; i < st->nsites; i++) {
		struct site_entry *old = &st->sites[i];
		if (old->taken)
			continue;
		if (st->has_mem && old->rec) {
			rep->removed++;
			st_event(rep, FETCH_EV_SITE_REMOVED, RRCHAIN_OK, old->name,
			      "site %s is no longer a member: removed "
			      "(revoked)", old->name);
			st_entry_drop_record(old);
		}
		if (!old->hw.set && !old->rec) {
			if (old->stored)
				(void)st_gone(st, old->name);
			continue;
		}
		st_entry_take(&ns[*nn], old);
		memcpy(ns[*nn].name, old->name, sizeof(old->name));
		st_table_put(nt, st->hkey, *nn, old->name);
		(*nn)++;
	}
}

/* Re-checks a record against the current membership entry.  The cache
 * key makes this a parse when nothing changed, and a full verification
 * when the entry did (new keys, owner or nets). */
enum rrchain_reason st_recheck(const struct fetch_config *cfg, uint64_t now,
				 const struct site_entry *e,
				 const struct rrchain_blob *raw, bool use_cache,
				 struct rrchain_site_result *res,
				 struct rrchain_stats *stats,
				 struct rrchain_error *ferr)
{
	struct rrchain_site_cache cache;
	struct rrchain_rdata rd;

	st_entry_cache(e, use_cache, &cache);
	rrchain_rdata_view(raw, 1, &rd);
	return rrchain_verify_entry_site(FETCH_POLICY(cfg), e->entry, &rd, 1,
					 now, &cache, res, stats, ferr);
}

/* A result computed under another membership entry than the current
 * one is verified again; one that fails is treated as no result.  A
 * cached result must name the bytes the entry holds. */
static bool result_current(const struct fetch_config *cfg, uint64_t now,
			   const struct site_entry *e,
			   struct rrchain_site_result *r,
			   struct fetch_merge_report *rep)
{
	struct rrchain_site_result again;
	struct rrchain_error ferr;
	struct rrchain_rdata rd;
	uint8_t key[RR_HASH_LEN];
	bool same;

	rrchain_rdata_view(&r->raw, 1, &rd);
	rrchain_entry_site_key(e->entry, &rd, key);
	same = memcmp(key, r->key, RR_HASH_LEN) == 0 &&
	       (!e->hw.set || rr_serial_cmp(r->serial, e->hw.serial) >= 0);
	if (same && (r->rec || (e->rec && memcmp(e->key, r->key,
						   RR_HASH_LEN) == 0)))
		return true;
	/* Only a caller that checked sites against another membership than
	 * the one merged gets here; the refusal is counted in rep->stats,
	 * and keep_or_drop reports what remains of the site. */
	if (st_recheck(cfg, now, e, &r->raw, false, &again, &rep->stats,
		    &ferr) != RRCHAIN_OK)
		return false;
	rrchain_site_result_free(r);
	*r = again;
	return true;
}

static void apply_result(const struct fetch_config *cfg, uint64_t now,
			 struct site_entry *e, struct rrchain_site_result *r,
			 struct fetch_merge_report *rep)
{
	uint32_t before = e->rec ? e->rec->serial : 0;

	if (!result_current(cfg, now, e, r, rep))
		return;
	e->fresh = true;
	if (!r->rec) {
		/* The entry's own bytes, confirmed: nothing to swap, but a
		 * copy beside them is learnt. */
		rep->unchanged++;
		e->expires = r->expires;
		if (r->has_alt) {
			e->has_alt = true;
			memcpy(e->alt, r->alt, RR_HASH_LEN);
		}
		return;
	}
	if (!e->rec) {
		rep->added++;
		st_event(rep, FETCH_EV_SITE_ADDED, RRCHAIN_OK, e->name,
		      "site %s: serial %u from %s", e->name, r->serial,
		      r->owner);
	} else if (memcmp(e->content, r->content, RR_HASH_LEN) != 0) {
		rep->updated++;
		st_event(rep, FETCH_EV_SITE_UPDATED, RRCHAIN_OK, e->name,
		      "site %s: serial %u -> %u", e->name, before, r->serial);
	} else {
		rep->unchanged++;
	}
	st_entry_set_record(e, r);
}

static void apply_results(const struct fetch_config *cfg, uint64_t now,
			  struct fetch_state *st, struct site_entry *ns,
			  struct table *nt, struct rrchain_site_result *results,
			  size_t n, struct fetch_merge_report *rep)
{
	for (size_t i = 0; i < n; i++) {
		struct rrchain_site_result *r = &results[i];
		struct site_entry *e;
		if (!r->raw.data)
			continue;
		e = st_table_find(nt, st->hkey, ns, r->name);
		/* A result for a site that is no member now is void. */
		if (e && e->usable && !e->fresh)
			apply_result(cfg, now, e, r, rep);
		rrchain_site_result_free(r);
	}
}

static void drop(struct site_entry *e, enum rrchain_reason why,
		 struct fetch_merge_report *rep, const char *msg)
{
	rep->dropped++;
	st_event(rep, FETCH_EV_SITE_DROPPED, why, e->name,
	      "site %s: last good serial %u dropped: %s", e->name,
	      e->rec->serial, msg);
	st_entry_drop_record(e);
}

/* Entries without a new result keep their last good record while it is
 * still valid under the current membership entry. */
static void keep_or_drop(const struct fetch_config *cfg, uint64_t now,
			 bool has_mem, struct site_entry *e,
			 struct fetch_merge_report *rep)
{
	struct rrchain_site_result res;
	struct rrchain_error ferr;
	enum rrchain_reason r;

	if (e->fresh || !e->rec)
		return;
	if (!has_mem) {
		drop(e, RRCHAIN_R_EXPIRED, rep, "no valid head");
		return;
	}
	if (!e->usable && e->entry->status != RRCHAIN_OK) {
		drop(e, e->entry->status, rep, e->entry->why);
		return;
	}
	if (!e->usable) {
		/* Found here, not by the page checks: the head is unchanged
		 * and its pages were not fetched again. */
		rep->stats.rejected[RRCHAIN_R_EXPIRED]++;
		drop(e, RRCHAIN_R_EXPIRED, rep,
		     "membership expired or not yet valid");
		return;
	}
	r = st_recheck(cfg, now, e, &e->raw, true, &res, &rep->stats, &ferr);
	if (r == RRCHAIN_R_NOMEM)
		return; /* no verdict: keep what we have */
	if (r != RRCHAIN_OK) {
		drop(e, r, rep, ferr.msg);
		return;
	}
	rep->kept++;
	st_event(rep, FETCH_EV_SITE_KEPT, RRCHAIN_OK, e->name,
	      "site %s: no new record; last good serial %u kept until %llu",
	      e->name, res.serial, (unsigned long long)res.expires);
	/* Same bytes; verified again when the membership entry changed,
	 * and then the key follows it. */
	if (res.rec) {
		rr_record_free(e->rec);
		free(e->rec);
		e->rec = res.rec;
		res.rec = NULL;
	}
	memcpy(e->key, res.key, RR_HASH_LEN);
	e->expires = res.expires;
	rrchain_site_result_free(&res);
}

static int site_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fetch_site *)a)->name,
		      ((const struct fetch_site *)b)->name);
}

static void view_digest(const struct fetch_site *v, size_t n,
		        uint8_t out[RR_HASH_LEN])
{
	crypto_hash_sha256_state h;

	crypto_hash_sha256_init(&h);
	for (size_t i = 0; i < n; i++) {
		crypto_hash_sha256_update(&h, (const uint8_t *)v[i].name,
					  strlen(v[i].name) + 1);
		crypto_hash_sha256_update(&h, v[i].member_content, RR_HASH_LEN);
		crypto_hash_sha256_update(&h, v[i].site_content, RR_HASH_LEN);
	}
	crypto_hash_sha256_final(&h, out);
}

/* VIEW has room for every entry. */
static bool build_view(struct fetch_state *st, struct fetch_site *view)
{
	uint8_t digest[RR_HASH_LEN];
	size_t n = 0;

	for (size_t i = 0; i < st->nsites; i++) {
		const struct site_entry *e = &st->sites[i];
		if (!e->rec || !e->usable)
			continue;
		(void)snprintf(view[n].name, sizeof(view[n].name), "%s/%s",
			       st->vpn, e->name);
		view[n].member = &e->entry->rec;
		view[n].site = e->rec;
		view[n].member_content = e->entry->content;
		view[n].site_content = e->content;
		n++;
	}
	qsort(view, n, sizeof(*view), site_cmp);
	free(st->view);
	st->view = view;
	(void)snprintf(st->v.vpn, sizeof(st->v.vpn), "%s", st->vpn);
	st->v.sites = view;
	st->v.nsites = n;
	view_digest(view, n, digest);
	if (memcmp(digest, st->digest, RR_HASH_LEN) == 0)
		return false;
	memcpy(st->digest, digest, RR_HASH_LEN);
	return true;
}

static void install(struct fetch_state *st, struct site_entry *ns, size_t nn,
		    struct table *nt)
{
	st_entries_free(st->sites, st->nsites);
	st_table_free(&st->tab);
	st->sites = ns;
	st->nsites = nn;
	st->tab = *nt;
	for (size_t i = 0; i < nn; i++)
		ns[i].fresh = ns[i].taken = false;
}

void st_free_results(struct rrchain_site_result *results, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rrchain_site_result_free(&results[i]);
}

int fetch_state_merge(struct fetch_state *st, const struct fetch_config *cfg,
		      uint64_t now, struct rrchain_membership *fresh,
		      struct rrchain_site_result *results, size_t nresults,
		      struct fetch_merge_report *rep, char *err,
		      size_t errlen)
{
	struct site_entry *ns = NULL;
	struct fetch_site *view = NULL;
	struct table nt = { 0 };
	size_t cap, nn = 0;
	int rc = -1;

	/* Allocate first, so that running out of memory changes nothing. */
	cap = st->nsites + (fresh_given(fresh) ? membership_size(fresh)
			    : st->has_mem ? membership_size(&st->mem) : 0);
	ns = calloc(cap ? cap : 1, sizeof(*ns));
	view = calloc(cap ? cap : 1, sizeof(*view));
	if (!ns || !view || st_table_alloc(&nt, cap) != 0) {
		rr_fail(err, errlen, "merge: out of memory");
		goto out;
	}
	memcpy(st->vpn, cfg->vpn, sizeof(st->vpn));
	memcpy(st->zone, cfg->zone, sizeof(st->zone));
	if (fresh_given(fresh))
		take_fresh(st, fresh, rep);
	expire_head(st, now, rep);
	build_entries(st, now, ns, &nn, &nt, rep);
	apply_results(cfg, now, st, ns, &nt, results, nresults, rep);
	for (size_t i = 0; i < nn; i++)
		keep_or_drop(cfg, now, st->has_mem, &ns[i], rep);
	install(st, ns, nn, &nt);
	ns = NULL;
	memset(&nt, 0, sizeof(nt));
	rep->changed = build_view(st, view);
	view = NULL;
	rc = 0;
out:
	st_free_results(results, nresults);
	if (fresh_given(fresh))
		rrchain_membership_free(fresh);
	free(ns);
	free(view);
	st_table_free(&nt);
	return rc;
}

/* ---- expiry warnings ----------------------------------------------------- */

static int exp_cmp(const void *a, const void *b)
{
	const struct fetch_expiring *x = a, *y = b;

	if (x->expires != y->expires)
		return x->expires < y->expires ? -1 : 1;
	return strcmp(x->name, y->name);
}

static uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* SPEC.md 10.5: warn when less than max(WIN, a quarter of the validity
 * period) remains, loudly when less than max(1 day, a sixteenth). */
static void exp_add(struct fetch_expiring *v, size_t *n, enum rr_kind k,
		    const char *name, const struct rr_record *r, uint64_t now,
		    uint64_t win)
{
	uint64_t life = r->expires - r->not_before; /* > 0: rr-format */

	if (r->expires <= now || r->expires - now > max64(win, life / 4))
		return;
	v[*n].kind = k;
	(void)snprintf(v[*n].name, sizeof(v[*n].name), "%s", name);
	v[*n].expires = r->expires;
	v[*n].severe = r->expires - now < max64(86400, life / 16);
	(*n)++;
}

int fetch_state_expiring(const struct fetch_state *st, uint64_t now,
			 uint64_t window_s, struct fetch_expiring **out,
			 size_t *n)
{
	struct fetch_expiring *v;
	char owner[RR_MAX_NAME + 1];
	struct rr_error e;

	*out = NULL;
	*n = 0;
	v = calloc(1 + 2 * st->v.nsites, sizeof(*v));
	if (!v)
		return -1;
	if (st->has_mem && rr_name_head(st->zone, owner, &e) == RR_OK)
		exp_add(v, n, RR_KIND_HEAD, owner, &st->mem.head.rec, now,
			window_s);
	for (size_t i = 0; i < st->v.nsites; i++) {
		const struct fetch_site *s = &st->v.sites[i];
		exp_add(v, n, RR_KIND_MEMBER, s->name, s->member, now,
			window_s);
		exp_add(v, n, RR_KIND_SITE, s->name, s->site, now, window_s);
	}
	qsort(v, *n, sizeof(*v), exp_cmp);
	*out = v;
	return 0;
}
