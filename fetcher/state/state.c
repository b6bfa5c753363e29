/*
 * state.c - high-water marks, the last good data, and the view.
 *
 * Invariants:
 *  - head_hw and each site's hw only move forward (RFC 1982), and are
 *    only set from records that were accepted;
 *  - a site entry's record, when present, verified under the membership
 *    entry it is paired with, and its serial is the site's hw;
 *  - the membership, when present, is the last good head with all its
 *    pages, and its head has not expired as of the last merge.
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

#include "state.h"

#define MAX_RDATA_BYTES (RR_MAX_RDATA + RR_MAX_RDATA / RR_MAX_STRING + 1)

struct site_entry {
	char name[RR_SITENAMELEN];
	struct rrchain_hw hw;
	/* The last good record, or rec == NULL. */
	struct rr_record *rec;
	struct rrchain_blob raw;
	char owner[RR_MAX_NAME + 1];
	uint8_t content[RR_HASH_LEN];
	uint8_t key[RR_HASH_LEN];
	uint64_t expires;
	/* This merge only: the membership entry (any status) and whether a
	 * new result arrived. */
	const struct rrchain_member *entry;
	bool usable; /* entry is RRCHAIN_OK and valid now */
	bool fresh;
	bool taken;  /* moved into the next generation */
};

/* Open addressing, linear probing; slots hold index + 1, 0 is empty.
 * Keys are site names hashed with SipHash under a per-state random key,
 * so names chosen by an admin cannot make lookups degrade. */
struct table {
	uint32_t *slots;
	size_t mask;
};

struct fetch_state {
	char *dir;
	struct fetch_store *store; /* borrowed: fetch_state_load's */
	/* The store holds the state that hashes to saved_digest (saved);
	 * pending_digest is what the open transaction writes. */
	bool saved, pending;
	uint8_t saved_digest[RR_HASH_LEN], pending_digest[RR_HASH_LEN];
	bool empty; /* the load found nothing stored */
	char vpn[RR_NAMELEN], zone[RR_MAX_NAME + 1];
	struct rrchain_hw head_hw;
	bool has_mem;
	struct rrchain_membership mem;
	struct site_entry *sites;
	size_t nsites;
	struct table tab;
	uint8_t hkey[crypto_shorthash_KEYBYTES];
	struct fetch_site *view;
	struct fetch_view v;
	uint8_t digest[RR_HASH_LEN]; /* of the view, to tell "changed" */
};

static const char *const event_names[] = {
	[FETCH_EV_HEAD_NEW] = "head-new",
	[FETCH_EV_HEAD_REJECTED] = "head-rejected",
	[FETCH_EV_HEAD_DROPPED] = "head-dropped",
	[FETCH_EV_MEMBER_REJECTED] = "member-rejected",
	[FETCH_EV_SITE_ADDED] = "site-added",
	[FETCH_EV_SITE_UPDATED] = "site-updated",
	[FETCH_EV_SITE_KEPT] = "site-kept",
	[FETCH_EV_SITE_REMOVED] = "site-removed",
	[FETCH_EV_SITE_DROPPED] = "site-dropped",
};

const char *fetch_event_kind_name(enum fetch_event_kind k)
{
	if ((unsigned)k >= sizeof(event_names) / sizeof(event_names[0]))
		return "unknown";
	return event_names[k];
}



/* ---- report -------------------------------------------------------------- */

static void event(struct fetch_merge_report *rep, enum fetch_event_kind k,
		  enum rrchain_reason why, const char *name, const char *fmt,
		  ...) __attribute__((format(printf, 5, 6)));

static void event(struct fetch_merge_report *rep, enum fetch_event_kind k,
		  enum rrchain_reason why, const char *name, const char *fmt,
		  ...)
{
	struct fetch_event *ev;
	va_list ap;

	if (rep->nevents == rep->cap) {
		size_t ncap = rep->cap ? 2 * rep->cap : 16;
		ev = realloc(rep->events, ncap * sizeof(*ev));
		if (!ev) {
			/* Events are for the log; losing one is counted. */
			rep->events_lost++;
			return;
		}
		rep->events = ev;
		rep->cap = ncap;
	}
	ev = &rep->events[rep->nevents++];
	ev->kind = k;
	ev->reason = why;
	(void)snprintf(ev->name, sizeof(ev->name), "%s", name);
	va_start(ap, fmt);
	if (vsnprintf(ev->msg, sizeof(ev->msg), fmt, ap) < 0)
		ev->msg[0] = '\0';
	va_end(ap);
}

void fetch_merge_report_free(struct fetch_merge_report *rep)
{
	if (!rep)
		return;
	free(rep->events);
	memset(rep, 0, sizeof(*rep));
}

/* ---- the name table ------------------------------------------------------ */

static size_t name_hash(const uint8_t *key, const char *name)
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v = 0;

	crypto_shorthash(h, (const uint8_t *)name, strlen(name), key);
	for (size_t i = 0; i < sizeof(h); i++)
		v = v << 8 | h[i];
	return (size_t)v;
}

static int table_alloc(struct table *t, size_t n)
{
	size_t cap = 16;

	/* At most half full keeps probe sequences short. */
	while (cap < 2 * n + 1)
		cap <<= 1;
	t->slots = calloc(cap, sizeof(*t->slots));
	t->mask = cap - 1;
	return t->slots ? 0 : -1;
}

static void table_free(struct table *t)
{
	free(t->slots);
	t->slots = NULL;
	t->mask = 0;
}

static struct site_entry *table_find(const struct table *t, const uint8_t *key,
				     struct site_entry *v, const char *name)
{
	size_t i;

	if (!t->slots)
		return NULL;
	for (i = name_hash(key, name) & t->mask;; i = (i + 1) & t->mask) {
		uint32_t s = t->slots[i];
		if (s == 0)
			return NULL;
		if (strcmp(v[s - 1].name, name) == 0)
			return &v[s - 1];
	}
}

static void table_put(struct table *t, const uint8_t *key, size_t idx,
		      const char *name)
{
	size_t i = name_hash(key, name) & t->mask;

	while (t->slots[i] != 0)
		i = (i + 1) & t->mask;
	t->slots[i] = (uint32_t)(idx + 1);
}

/* ---- entries ------------------------------------------------------------- */

static void entry_drop_record(struct site_entry *e)
{
	if (e->rec) {
		rr_record_free(e->rec);
		free(e->rec);
		e->rec = NULL;
	}
	free(e->raw.data);
	memset(&e->raw, 0, sizeof(e->raw));
	memset(e->key, 0, sizeof(e->key));
	e->expires = 0;
}

static void entries_free(struct site_entry *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		entry_drop_record(&v[i]);
	free(v);
}

/* Moves what outlives a membership (hw, last good record) from OLD. */
static void entry_take(struct site_entry *e, struct site_entry *old)
{
	e->hw = old->hw;
	e->rec = old->rec;
	e->raw = old->raw;
	memcpy(e->owner, old->owner, sizeof(e->owner));
	memcpy(e->content, old->content, sizeof(e->content));
	memcpy(e->key, old->key, sizeof(e->key));
	e->expires = old->expires;
	old->rec = NULL;
	memset(&old->raw, 0, sizeof(old->raw));
	old->taken = true;
}

static void entry_set_record(struct site_entry *e, struct rrchain_site_result *r)
{
	entry_drop_record(e);
	e->rec = r->rec;
	e->raw = r->raw;
	memcpy(e->owner, r->owner, sizeof(e->owner));
	memcpy(e->content, r->content, sizeof(e->content));
	memcpy(e->key, r->key, sizeof(e->key));
	e->expires = r->expires;
	r->rec = NULL;
	memset(&r->raw, 0, sizeof(r->raw));
	/* Accepted: the high-water mark follows (never backwards). */
	if (!e->hw.set || rr_serial_cmp(e->rec->serial, e->hw.serial) >= 0) {
		e->hw.set = true;
		e->hw.serial = e->rec->serial;
		memcpy(e->hw.content, e->content, RR_HASH_LEN);
	}
}

/* ---- life cycle ---------------------------------------------------------- */

int fetch_state_new(const char *dir, struct fetch_state **out, char *err,
		    size_t errlen)
{
	struct fetch_state *st = NULL;

	*out = NULL;
	if (sodium_init() < 0)
		return rr_fail(err, errlen, "libsodium failed to start");
	st = calloc(1, sizeof(*st));
	if (!st)
		return rr_fail(err, errlen, "out of memory");
	st->dir = strdup(dir);
	if (!st->dir) {
		fetch_state_free(st);
		return rr_fail(err, errlen, "out of memory");
	}
	crypto_shorthash_keygen(st->hkey);
	st->v.sites = NULL;
	*out = st;
	return 0;
}

void fetch_state_free(struct fetch_state *st)
{
	if (!st)
		return;
	rrchain_membership_free(&st->mem);
	entries_free(st->sites, st->nsites);
	table_free(&st->tab);
	free(st->view);
	free(st->dir);
	sodium_memzero(st->hkey, sizeof(st->hkey));
	free(st);
}

bool fetch_state_head_hw(const struct fetch_state *st, struct rrchain_hw *out)
{
	*out = st->head_hw;
	return st->head_hw.set;
}

const struct rrchain_membership *fetch_state_membership(
	const struct fetch_state *st)
{
	return st->has_mem ? &st->mem : NULL;
}

/* What rrchain_verify_site may rely on instead of parsing E's bytes. */
static void entry_cache(const struct site_entry *e, bool with_key,
			struct rrchain_site_cache *out)
{
	memset(out, 0, sizeof(*out));
	out->hw = e->hw;
	if (!with_key || !e->rec)
		return;
	out->has_key = true;
	memcpy(out->key, e->key, RR_HASH_LEN);
	out->serial = e->rec->serial;
	out->not_before = e->rec->not_before;
	out->expires = e->rec->expires;
	memcpy(out->content, e->content, RR_HASH_LEN);
}

void fetch_state_site_cache(const struct fetch_state *st, const char *name,
			    struct rrchain_site_cache *out)
{
	struct site_entry *e = table_find(&st->tab, st->hkey, st->sites, name);

	memset(out, 0, sizeof(*out));
	if (e)
		entry_cache(e, true, out);
}

const struct fetch_view *fetch_state_view(const struct fetch_state *st)
{
	return &st->v;
}

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
				event(rep, FETCH_EV_MEMBER_REJECTED, e->status,
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
		event(rep, FETCH_EV_HEAD_REJECTED,
		      c < 0 ? RRCHAIN_R_ROLLBACK : RRCHAIN_R_FORK, "",
		      "head serial %u refused: high-water mark is %u",
		      h->rec.serial, st->head_hw.serial);
		rrchain_membership_free(fresh);
		return;
	}
	/* The same head again is no news. */
	if (!st->has_mem || c > 0) {
		event(rep, FETCH_EV_HEAD_NEW, RRCHAIN_OK, "",
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
	event(rep, FETCH_EV_HEAD_DROPPED,
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
			    table_find(nt, st->hkey, ns, m->rec.site))
				continue; /* a duplicate: both are rejected */
			e = &ns[*nn];
			memcpy(e->name, m->rec.site, len + 1);
			old = table_find(&st->tab, st->hkey, st->sites,
					 e->name);
			if (old)
				entry_take(e, old);
			e->entry = m;
			e->usable = member_usable(m, now);
			table_put(nt, st->hkey, *nn, e->name);
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
			event(rep, FETCH_EV_SITE_REMOVED, RRCHAIN_OK, old->name,
			      "site %s is no longer a member: removed "
			      "(revoked)", old->name);
			entry_drop_record(old);
		}
		if (!old->hw.set && !old->rec)
			continue;
		entry_take(&ns[*nn], old);
		memcpy(ns[*nn].name, old->name, sizeof(old->name));
		table_put(nt, st->hkey, *nn, old->name);
		(*nn)++;
	}
}

/* Re-checks a record against the current membership entry.  The cache
 * key makes this a parse when nothing changed, and a full verification
 * when the entry did (new keys, owner or nets). */
static enum rrchain_reason recheck(const struct fetch_config *cfg, uint64_t now,
				 const struct site_entry *e,
				 const struct rrchain_blob *raw, bool use_cache,
				 struct rrchain_site_result *res,
				 struct rrchain_stats *stats,
				 struct rrchain_error *ferr)
{
	struct rrchain_site_cache cache;
	struct rrchain_rdata rd;

	entry_cache(e, use_cache, &cache);
	rrchain_rdata_view(raw, 1, &rd);
	return rrchain_verify_site(FETCH_POLICY(cfg), &e->entry->rec, &rd, 1, now, &cache, res,
				stats, ferr);
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
	rrchain_site_key(&e->entry->rec, &rd, key);
	same = memcmp(key, r->key, RR_HASH_LEN) == 0 &&
	       (!e->hw.set || rr_serial_cmp(r->serial, e->hw.serial) >= 0);
	if (same && (r->rec || (e->rec && memcmp(e->key, r->key,
						   RR_HASH_LEN) == 0)))
		return true;
	/* Only a caller that checked sites against another membership than
	 * the one merged gets here; the refusal is counted in rep->stats,
	 * and keep_or_drop reports what remains of the site. */
	if (recheck(cfg, now, e, &r->raw, false, &again, &rep->stats,
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
		/* The entry's own bytes, confirmed: nothing to swap. */
		rep->unchanged++;
		e->expires = r->expires;
		return;
	}
	if (!e->rec) {
		rep->added++;
		event(rep, FETCH_EV_SITE_ADDED, RRCHAIN_OK, e->name,
		      "site %s: serial %u from %s", e->name, r->serial,
		      r->owner);
	} else if (memcmp(e->content, r->content, RR_HASH_LEN) != 0) {
		rep->updated++;
		event(rep, FETCH_EV_SITE_UPDATED, RRCHAIN_OK, e->name,
		      "site %s: serial %u -> %u", e->name, before, r->serial);
	} else {
		rep->unchanged++;
	}
	entry_set_record(e, r);
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
		e = table_find(nt, st->hkey, ns, r->name);
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
	event(rep, FETCH_EV_SITE_DROPPED, why, e->name,
	      "site %s: last good serial %u dropped: %s", e->name,
	      e->rec->serial, msg);
	entry_drop_record(e);
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
	r = recheck(cfg, now, e, &e->raw, true, &res, &rep->stats, &ferr);
	if (r == RRCHAIN_R_NOMEM)
		return; /* no verdict: keep what we have */
	if (r != RRCHAIN_OK) {
		drop(e, r, rep, ferr.msg);
		return;
	}
	rep->kept++;
	event(rep, FETCH_EV_SITE_KEPT, RRCHAIN_OK, e->name,
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
	uint8_t c[RR_HASH_LEN];

	crypto_hash_sha256_init(&h);
	for (size_t i = 0; i < n; i++) {
		crypto_hash_sha256_update(&h, (const uint8_t *)v[i].name,
					  strlen(v[i].name) + 1);
		rrchain_record_content(v[i].member, c);
		crypto_hash_sha256_update(&h, c, sizeof(c));
		rrchain_record_content(v[i].site, c);
		crypto_hash_sha256_update(&h, c, sizeof(c));
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
	entries_free(st->sites, st->nsites);
	table_free(&st->tab);
	st->sites = ns;
	st->nsites = nn;
	st->tab = *nt;
	for (size_t i = 0; i < nn; i++)
		ns[i].fresh = ns[i].taken = false;
}

static void free_results(struct rrchain_site_result *results, size_t n)
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
	if (!ns || !view || table_alloc(&nt, cap) != 0) {
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
	free_results(results, nresults);
	if (fresh_given(fresh))
		rrchain_membership_free(fresh);
	free(ns);
	free(view);
	table_free(&nt);
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

/* ---- saving to the store ------------------------------------------------- */

/* What the store would hold for ST, as one hash: a refresh that changed
 * nothing writes nothing.  Pages count by their hash, which binds their
 * content; site records by their content hash and signing key, not
 * their bytes, so the same record split into other TXT strings by a
 * server (which changes nothing it says) is not written again. */
static void state_digest(const struct fetch_state *st,
			 uint8_t out[RR_HASH_LEN])
{
	crypto_hash_sha256_state h;
	uint8_t len8[8];

#define ADD(p, n) do { \
		uint64_t n_ = (uint64_t)(n); \
		for (int i_ = 0; i_ < 8; i_++) \
			len8[i_] = (uint8_t)(n_ >> (8 * i_)); \
		crypto_hash_sha256_update(&h, len8, 8); \
		crypto_hash_sha256_update(&h, (const uint8_t *)(p), n_); \
	} while (0)

	crypto_hash_sha256_init(&h);
	ADD(st->vpn, strlen(st->vpn));
	ADD(st->zone, strlen(st->zone));
	if (st->head_hw.set) {
		ADD(&st->head_hw.serial, sizeof(st->head_hw.serial));
		ADD(st->head_hw.content, RR_HASH_LEN);
	}
	ADD("", st->has_mem);
	if (st->has_mem) {
		ADD(st->mem.head.raw.data, st->mem.head.raw.len);
		for (size_t i = 0; i < st->mem.npages; i++)
			ADD(st->mem.pages[i].hash, RR_HASH_LEN);
	}
	for (size_t i = 0; i < st->nsites; i++) {
		const struct site_entry *e = &st->sites[i];
		ADD(e->name, strlen(e->name));
		ADD(&e->hw.serial, e->hw.set ? sizeof(e->hw.serial) : 0);
		ADD(e->hw.content, e->hw.set ? RR_HASH_LEN : 0);
		ADD(e->owner, e->rec ? strlen(e->owner) : 0);
		ADD(e->content, e->rec ? RR_HASH_LEN : 0);
		ADD(e->rec ? e->rec->sigkeyid : e->content,
		    e->rec ? RR_KEYID_LEN : 0);
	}
#undef ADD
	crypto_hash_sha256_final(&h, out);
}

static int prep(struct fetch_state *st, const char *sql, sqlite3_stmt **out,
		char *err, size_t errlen)
{
	if (sqlite3_prepare_v2(fetch_store_db(st->store), sql, -1, out,
			       NULL) != SQLITE_OK)
		return fetch_store_fail(st->store, "prepare", err, errlen);
	return 0;
}

/* Runs one bound statement to completion and resets it for reuse. */
static int step_done(struct fetch_state *st, sqlite3_stmt *s, char *err,
		     size_t errlen)
{
	int rc = sqlite3_step(s);

	(void)sqlite3_reset(s);
	(void)sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return fetch_store_fail(st->store, "write", err, errlen);
	return 0;
}

static int bind_blob(sqlite3_stmt *s, int i, const void *p, size_t n)
{
	return sqlite3_bind_blob64(s, i, n ? p : "", n, SQLITE_TRANSIENT);
}

static int save_head(struct fetch_state *st, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (!st->head_hw.set && !st->has_mem)
		return 0;
	if (prep(st, "INSERT INTO head(id, hw_serial, hw_content, rtype, "
		 "rdata) VALUES(1, ?, ?, ?, ?)", &s, err, errlen) != 0)
		return -1;
	if (st->head_hw.set &&
	    (sqlite3_bind_int64(s, 1, st->head_hw.serial) != SQLITE_OK ||
	     bind_blob(s, 2, st->head_hw.content, RR_HASH_LEN) != SQLITE_OK))
		goto fail;
	if (st->has_mem &&
	    (sqlite3_bind_int(s, 3, st->mem.head.raw.type) != SQLITE_OK ||
	     bind_blob(s, 4, st->mem.head.raw.data, st->mem.head.raw.len) !=
		     SQLITE_OK))
		goto fail;
	rc = step_done(st, s, err, errlen);
	goto out;
fail:
	fetch_store_fail(st->store, "head", err, errlen);
out:
	sqlite3_finalize(s);
	return rc;
}

/*
 * Pages are stored as their member entries, one per member, in the binary
 * encoding: exactly the entries that hashed to the page, whatever extra
 * copies (both encodings, re-split TXT strings) the server sent.  So what
 * is saved always fits the page limits when it is loaded again.
 */
static int save_pages(struct fetch_state *st, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	struct rr_error e;
	int rc = -1;

	if (!st->has_mem)
		return 0;
	if (prep(st, "INSERT INTO page_rr(page, seq, rtype, rdata) "
		 "VALUES(?, ?, ?, ?)", &s, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < st->mem.npages; i++) {
		const struct rrchain_page *pg = &st->mem.pages[i];
		for (size_t j = 0; j < pg->nmembers; j++) {
			uint8_t *bin = NULL;
			size_t len = 0;
			int b;
			if (rr_encode_bin(&pg->members[j].rec, &bin, &len,
					  &e) != RR_OK) {
				rr_fail(err, errlen, "%s: page %zu entry %zu: %s",
				     fetch_store_path(st->store), i, j, e.msg);
				goto out;
			}
			b = sqlite3_bind_int64(s, 1, (sqlite3_int64)i) ||
			    sqlite3_bind_int64(s, 2, (sqlite3_int64)j) ||
			    sqlite3_bind_int(s, 3, RR_TYPE_VPNRR) ||
			    bind_blob(s, 4, bin, len);
			free(bin);
			if (b != SQLITE_OK) {
				fetch_store_fail(st->store, "page", err,
						 errlen);
				goto out;
			}
			if (step_done(st, s, err, errlen) != 0)
				goto out;
		}
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

static int save_sites(struct fetch_state *st, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (prep(st, "INSERT INTO site(name, hw_serial, hw_content, owner, "
		 "rtype, rdata) VALUES(?, ?, ?, ?, ?, ?)", &s, err,
		 errlen) != 0)
		return -1;
	for (size_t i = 0; i < st->nsites; i++) {
		const struct site_entry *e = &st->sites[i];
		int b = sqlite3_bind_text(s, 1, e->name, -1, SQLITE_STATIC);
		if (b == SQLITE_OK && e->hw.set)
			b = sqlite3_bind_int64(s, 2, e->hw.serial) ||
			    bind_blob(s, 3, e->hw.content, RR_HASH_LEN);
		if (b == SQLITE_OK && e->rec)
			b = sqlite3_bind_text(s, 4, e->owner, -1,
					      SQLITE_STATIC) ||
			    sqlite3_bind_int(s, 5, e->raw.type) ||
			    bind_blob(s, 6, e->raw.data, e->raw.len);
		if (b != SQLITE_OK) {
			fetch_store_fail(st->store, "site", err, errlen);
			goto out;
		}
		if (step_done(st, s, err, errlen) != 0)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

bool fetch_state_empty(const struct fetch_state *st)
{
	return st->empty;
}

bool fetch_state_dirty(const struct fetch_state *st)
{
	uint8_t digest[RR_HASH_LEN];

	if (!st->saved)
		return true;
	state_digest(st, digest);
	return memcmp(digest, st->saved_digest, RR_HASH_LEN) != 0;
}

int fetch_state_stage(struct fetch_state *st, char *err, size_t errlen)
{
	uint8_t digest[RR_HASH_LEN];
	sqlite3 *db;

	if (!st->store || !(db = fetch_store_db(st->store)))
		return rr_fail(err, errlen, "%s: no store to save to", st->dir);
	if (!st->vpn[0])
		return rr_fail(err, errlen, "%s: nothing to save before "
			    "fetch_state_load", st->dir);
	state_digest(st, digest);
	if (st->saved && memcmp(digest, st->saved_digest, RR_HASH_LEN) == 0)
		return 0;
	if (sqlite3_exec(db, "DELETE FROM head; DELETE FROM page_rr; "
			 "DELETE FROM site", NULL, NULL, NULL) != SQLITE_OK)
		return fetch_store_fail(st->store, "clear", err, errlen);
	if (fetch_store_meta_put(st->store, "vpn", st->vpn, strlen(st->vpn),
				 err, errlen) != 0 ||
	    fetch_store_meta_put(st->store, "zone", st->zone,
				 strlen(st->zone), err, errlen) != 0 ||
	    save_head(st, err, errlen) != 0 ||
	    save_pages(st, err, errlen) != 0 ||
	    save_sites(st, err, errlen) != 0)
		return -1;
	memcpy(st->pending_digest, digest, RR_HASH_LEN);
	st->pending = true;
	return 1;
}

void fetch_state_staged(struct fetch_state *st, bool committed)
{
	if (committed && st->pending) {
		memcpy(st->saved_digest, st->pending_digest, RR_HASH_LEN);
		st->saved = true;
	}
	st->pending = false;
}

int fetch_state_save(struct fetch_state *st, struct fetch_store *store,
		     char *err, size_t errlen)
{
	int rc;

	st->store = store;
	if (fetch_store_begin(store, err, errlen) != 0)
		return -1;
	rc = fetch_state_stage(st, err, errlen);
	if (rc < 0 || fetch_store_commit(store, err, errlen) != 0) {
		fetch_store_rollback(store);
		fetch_state_staged(st, false);
		return -1;
	}
	fetch_state_staged(st, true);
	return rc;
}

/* ---- loading from the store ---------------------------------------------- */

/* What the store holds before it is verified again. */
struct stored_site {
	char name[RR_SITENAMELEN];
	struct rrchain_hw hw;
	bool has_record;
	char owner[RR_MAX_NAME + 1];
	struct rrchain_blob raw;
};

struct stored {
	struct rrchain_hw head_hw;
	bool has_head;
	struct rrchain_blob head;
	struct rrchain_blob **pages; /* arrays of RDATA, npages of them */
	size_t *npage_rrs, npages;
	struct stored_site *sites;
	size_t nsites;
};

static void stored_free(struct stored *s)
{
	free(s->head.data);
	for (size_t i = 0; i < s->npages; i++)
		rrchain_blobs_free(s->pages[i], s->npage_rrs[i]);
	free(s->pages);
	free(s->npage_rrs);
	for (size_t i = 0; i < s->nsites; i++)
		free(s->sites[i].raw.data);
	free(s->sites);
	memset(s, 0, sizeof(*s));
}

/* A stored value that cannot be right is reported with where it is; the
 * load goes on without it (the refresh fetches it again). */
static bool col_hw(sqlite3_stmt *s, int i, struct rrchain_hw *hw)
{
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return true;
	if (sqlite3_column_bytes(s, i + 1) != RR_HASH_LEN ||
	    sqlite3_column_int64(s, i) < 0 ||
	    sqlite3_column_int64(s, i) > UINT32_MAX)
		return false;
	hw->set = true;
	hw->serial = (uint32_t)sqlite3_column_int64(s, i);
	memcpy(hw->content, sqlite3_column_blob(s, i + 1), RR_HASH_LEN);
	return true;
}

static int col_blob(sqlite3_stmt *s, int ti, int di, struct rrchain_blob *b)
{
	int n = sqlite3_column_bytes(s, di);
	sqlite3_int64 t = sqlite3_column_int64(s, ti);

	if (sqlite3_column_type(s, di) == SQLITE_NULL || n <= 0 ||
	    n > (int)MAX_RDATA_BYTES || t < 0 || t > 65535)
		return 1;
	b->data = malloc((size_t)n);
	if (!b->data)
		return -1;
	memcpy(b->data, sqlite3_column_blob(s, di), (size_t)n);
	b->len = (size_t)n;
	b->type = (uint16_t)t;
	return 0;
}

static int load_head(struct fetch_state *st, struct stored *s,
		     struct fetch_merge_report *rep, char *err, size_t errlen)
{
	sqlite3_stmt *q = NULL;
	int rc = -1, r;

	if (prep(st, "SELECT hw_serial, hw_content, rtype, rdata FROM head "
		 "WHERE id = 1", &q, err, errlen) != 0)
		return -1;
	r = sqlite3_step(q);
	if (r == SQLITE_ROW) {
		if (!col_hw(q, 0, &s->head_hw))
			event(rep, FETCH_EV_HEAD_DROPPED, RRCHAIN_R_MALFORMED, "",
			      "%s: head high-water mark is damaged",
			      fetch_store_path(st->store));
		r = col_blob(q, 2, 3, &s->head);
		if (r < 0) {
			rr_fail(err, errlen, "out of memory");
			goto out;
		}
		s->has_head = r == 0;
	}
	else if (r != SQLITE_DONE) {
		fetch_store_fail(st->store, "head", err, errlen);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(q);
	return rc;
}

static int page_slot(struct stored *s, size_t page)
{
	if (page >= RR_MAX_PAGES)
		return 1;
	if (page >= s->npages) {
		size_t n = page + 1;
		struct rrchain_blob **p = realloc(s->pages, n * sizeof(*p));
		size_t *c;
		if (!p)
			return -1;
		s->pages = p;
		c = realloc(s->npage_rrs, n * sizeof(*c));
		if (!c)
			return -1;
		s->npage_rrs = c;
		for (size_t i = s->npages; i < n; i++) {
			s->pages[i] = NULL;
			s->npage_rrs[i] = 0;
		}
		s->npages = n;
	}
	if (s->npage_rrs[page] >= RR_MAX_PAGE_MEMBERS)
		return 1;
	if (!s->pages[page]) {
		s->pages[page] = calloc(RR_MAX_PAGE_MEMBERS,
					sizeof(**s->pages));
		if (!s->pages[page])
			return -1;
	}
	return 0;
}

static int load_pages(struct fetch_state *st, struct stored *s,
		      char *err, size_t errlen)
{
	sqlite3_stmt *q = NULL;
	int rc = -1, r;

	if (prep(st, "SELECT page, rtype, rdata FROM page_rr "
		 "ORDER BY page, seq", &q, err, errlen) != 0)
		return -1;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		sqlite3_int64 pg = sqlite3_column_int64(q, 0);
		struct rrchain_blob *b;
		int slot = pg < 0 ? 1 : page_slot(s, (size_t)pg);
		if (slot < 0)
			goto oom;
		if (slot > 0)
			continue; /* out of range: the head check fails */
		b = &s->pages[pg][s->npage_rrs[pg]];
		r = col_blob(q, 1, 2, b);
		if (r < 0)
			goto oom;
		if (r == 0)
			s->npage_rrs[pg]++;
	}
	if (r != SQLITE_DONE) {
		fetch_store_fail(st->store, "pages", err, errlen);
		goto out;
	}
	rc = 0;
	goto out;
oom:
	rr_fail(err, errlen, "out of memory");
out:
	sqlite3_finalize(q);
	return rc;
}

static int load_sites(struct fetch_state *st, struct stored *s,
		      struct fetch_merge_report *rep, char *err,
		      size_t errlen)
{
	sqlite3_stmt *q = NULL;
	size_t cap = 0;
	int rc = -1, r;

	if (prep(st, "SELECT name, hw_serial, hw_content, owner, rtype, "
		 "rdata FROM site ORDER BY name", &q, err, errlen) != 0)
		return -1;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(q, 0);
		const char *owner = (const char *)sqlite3_column_text(q, 3);
		struct stored_site *ss;
		if (!name || strlen(name) >= RR_SITENAMELEN ||
		    !rr_sitename_valid(name, strlen(name)))
			continue; /* not a name we write: damage */
		if (s->nsites == cap) {
			size_t nc = cap ? 2 * cap : 64;
			struct stored_site *g = realloc(s->sites,
							nc * sizeof(*g));
			if (!g)
				goto oom;
			s->sites = g;
			cap = nc;
		}
		ss = &s->sites[s->nsites++];
		memset(ss, 0, sizeof(*ss));
		memcpy(ss->name, name, strlen(name) + 1);
		if (!col_hw(q, 1, &ss->hw))
			event(rep, FETCH_EV_SITE_DROPPED, RRCHAIN_R_MALFORMED,
			      name, "stored high-water mark is damaged");
		if (!owner || strlen(owner) > RR_MAX_NAME)
			continue;
		r = col_blob(q, 4, 5, &ss->raw);
		if (r < 0)
			goto oom;
		if (r > 0)
			continue;
		memcpy(ss->owner, owner, strlen(owner) + 1);
		ss->has_record = true;
	}
	if (r != SQLITE_DONE) {
		fetch_store_fail(st->store, "sites", err, errlen);
		goto out;
	}
	rc = 0;
	goto out;
oom:
	rr_fail(err, errlen, "out of memory");
out:
	sqlite3_finalize(q);
	return rc;
}

/* The VPN and zone the store was written for: another VPN's store is a
 * configuration mistake, not something to overwrite. */
static int check_owner(struct fetch_state *st, const struct fetch_config *cfg,
		       bool *empty, char *err, size_t errlen)
{
	uint8_t *vpn = NULL, *zone = NULL;
	size_t lv, lz;
	int rv, rz, rc = -1;

	rv = fetch_store_meta_get(st->store, "vpn", &vpn, &lv, err, errlen);
	rz = fetch_store_meta_get(st->store, "zone", &zone, &lz, err,
				  errlen);
	if (rv < 0 || rz < 0)
		goto out;
	*empty = rv == 0;
	if (rv == 1 && (strcmp((char *)vpn, cfg->vpn) != 0 || rz != 1 ||
			strcmp((char *)zone, cfg->zone) != 0)) {
		rr_fail(err, errlen, "%s: holds VPN %s (zone %s), but the config "
		     "says VPN %s (zone %s); move it away to start afresh",
		     fetch_store_path(st->store), (char *)vpn,
		     rz == 1 ? (char *)zone : "?", cfg->vpn, cfg->zone);
		goto out;
	}
	rc = 0;
out:
	free(vpn);
	free(zone);
	return rc;
}
/* ---- rebuilding from stored bytes ---------------------------------------- */

static bool rebuild_pages(const struct fetch_config *cfg, uint64_t now,
			  const struct stored *s, struct rrchain_membership *m,
			  struct rrchain_stats *stats,
			  struct rrchain_error *ferr)
{
	struct rrchain_rdata rd[RR_MAX_PAGE_MEMBERS];

	if (s->npages != m->head.rec.npages) {
		ferr->reason = RRCHAIN_R_COUNT;
		(void)snprintf(ferr->msg, sizeof(ferr->msg),
			       "stored head lists %zu pages, %zu stored",
			       m->head.rec.npages, s->npages);
		return false;
	}
	m->pages = calloc(s->npages ? s->npages : 1, sizeof(*m->pages));
	if (!m->pages) {
		ferr->reason = RRCHAIN_R_NOMEM;
		(void)snprintf(ferr->msg, sizeof(ferr->msg), "out of memory");
		return false;
	}
	for (size_t i = 0; i < s->npages; i++) {
		rrchain_rdata_view(s->pages[i], s->npage_rrs[i], rd);
		m->npages++;
		if (rrchain_verify_page(FETCH_POLICY(cfg), m->head.rec.pages[i], rd,
				     s->npage_rrs[i], now, &m->pages[i], stats,
				     ferr) != RRCHAIN_OK)
			return false;
	}
	return rrchain_verify_members(m, stats, ferr) == RRCHAIN_OK;
}

/* The stored head and pages through the chain checks again; false (with
 * an event) when they no longer verify. */
static bool rebuild_membership(const struct fetch_config *cfg, uint64_t now,
			       const struct stored *s,
			       struct rrchain_membership *m,
			       struct fetch_merge_report *rep)
{
	struct rrchain_error ferr = { 0 };
	struct rrchain_rdata rd;

	memset(m, 0, sizeof(*m));
	if (!s->has_head)
		return false;
	rrchain_rdata_view(&s->head, 1, &rd);
	if (rrchain_verify_head(FETCH_POLICY(cfg), &rd, 1, now, &s->head_hw, &m->head,
			     &rep->stats, &ferr) == RRCHAIN_OK &&
	    rebuild_pages(cfg, now, s, m, &rep->stats, &ferr))
		return true;
	event(rep, FETCH_EV_HEAD_DROPPED, ferr.reason, "",
	      "stored head no longer verifies: %s", ferr.msg);
	rrchain_membership_free(m);
	return false;
}

/* Entries holding only the stored high-water marks, for the first merge
 * to carry over. */
static int seed_entries(struct fetch_state *st, const struct stored *s)
{
	st->sites = calloc(s->nsites ? s->nsites : 1, sizeof(*st->sites));
	if (!st->sites || table_alloc(&st->tab, s->nsites) != 0)
		return -1;
	for (size_t i = 0; i < s->nsites; i++) {
		if (table_find(&st->tab, st->hkey, st->sites, s->sites[i].name))
			continue;
		memcpy(st->sites[st->nsites].name, s->sites[i].name,
		       sizeof(st->sites[st->nsites].name));
		st->sites[st->nsites].hw = s->sites[i].hw;
		table_put(&st->tab, st->hkey, st->nsites, s->sites[i].name);
		st->nsites++;
	}
	return 0;
}

static int verify_stored_sites(struct fetch_state *st,
			       const struct fetch_config *cfg, uint64_t now,
			       const struct stored *s,
			       struct rrchain_site_result *results, size_t *n,
			       struct fetch_merge_report *rep)
{
	*n = 0;
	for (size_t i = 0; i < s->nsites; i++) {
		const struct stored_site *ss = &s->sites[i];
		struct site_entry *e;
		struct rrchain_error ferr;
		enum rrchain_reason r;
		if (!ss->has_record)
			continue;
		e = table_find(&st->tab, st->hkey, st->sites, ss->name);
		if (!e || !e->usable)
			continue;
		r = recheck(cfg, now, e, &ss->raw, false, &results[*n],
			    &rep->stats, &ferr);
		if (r == RRCHAIN_R_NOMEM)
			return -1;
		if (r == RRCHAIN_OK)
			(*n)++;
		else
			event(rep, FETCH_EV_SITE_DROPPED, r, ss->name,
			      "stored record no longer verifies: %s",
			      ferr.msg);
	}
	return 0;
}

static int rebuild(struct fetch_state *st, const struct fetch_config *cfg,
		   uint64_t now, struct stored *s,
		   struct fetch_merge_report *rep, char *err, size_t errlen)
{
	struct rrchain_membership m;
	struct rrchain_site_result *results = NULL;
	size_t n = 0;
	int rc = -1;

	st->head_hw = s->head_hw;
	if (seed_entries(st, s) != 0) {
		rr_fail(err, errlen, "%s: out of memory", st->dir);
		goto out;
	}
	rebuild_membership(cfg, now, s, &m, rep);
	/* First merge: the membership and the carried-over marks. */
	if (fetch_state_merge(st, cfg, now, &m, NULL, 0, rep, err, errlen))
		goto out;
	results = calloc(s->nsites ? s->nsites : 1, sizeof(*results));
	if (!results ||
	    verify_stored_sites(st, cfg, now, s, results, &n, rep) != 0) {
		rr_fail(err, errlen, "%s: out of memory", st->dir);
		goto out;
	}
	/* Second merge: the site records that still verify. */
	rc = fetch_state_merge(st, cfg, now, NULL, results, n, rep, err,
			       errlen);
	n = 0;
out:
	free_results(results, n);
	free(results);
	rrchain_membership_free(&m);
	return rc;
}

int fetch_state_load(struct fetch_state *st, struct fetch_store *store,
		     const struct fetch_config *cfg, uint64_t now,
		     struct fetch_merge_report *rep, char *err, size_t errlen)
{
	struct stored s;
	bool empty = true;
	size_t dropped;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	memcpy(st->vpn, cfg->vpn, sizeof(st->vpn));
	memcpy(st->zone, cfg->zone, sizeof(st->zone));
	(void)snprintf(st->v.vpn, sizeof(st->v.vpn), "%s", st->vpn);
	st->store = store;
	st->empty = true;
	if (!store || !fetch_store_db(store))
		return 0; /* read-only, and nothing stored yet */
	if (check_owner(st, cfg, &empty, err, errlen) != 0)
		goto out;
	if (empty) {
		rc = 0;
		goto out;
	}
	st->empty = false;
	if (load_head(st, &s, rep, err, errlen) != 0 ||
	    load_pages(st, &s, err, errlen) != 0 ||
	    load_sites(st, &s, rep, err, errlen) != 0)
		goto out;
	dropped = rep->nevents;
	rc = rebuild(st, cfg, now, &s, rep, err, errlen);
	/* What was loaded is what is stored, unless something was dropped
	 * on the way: then the next save writes the store afresh. */
	if (rc == 0) {
		st->saved = true;
		for (size_t i = dropped; i < rep->nevents; i++)
			if (rep->events[i].kind == FETCH_EV_SITE_DROPPED ||
			    rep->events[i].kind == FETCH_EV_HEAD_DROPPED)
				st->saved = false;
		for (size_t i = 0; i < dropped; i++)
			st->saved = false;
		if (st->saved)
			state_digest(st, st->saved_digest);
	}
out:
	stored_free(&s);
	return rc;
}
