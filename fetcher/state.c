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

#include <jansson.h>
#include <sodium.h>

#include "state.h"

#define FORMAT_VERSION 1
#define MAX_STATE_BYTES (1024L * 1024 * 1024) /* far above 16384 sites */
#define MAX_RDATA_BYTES (RR_MAX_RDATA + RR_MAX_RDATA / RR_MAX_STRING + 1)

struct site_entry {
	char name[FETCH_SITENAMELEN];
	struct fetch_hw hw;
	/* The last good record, or rec == NULL. */
	struct rr_record *rec;
	struct fetch_blob raw;
	char owner[RR_MAX_NAME + 1];
	uint8_t content[RR_HASH_LEN];
	uint8_t key[RR_HASH_LEN];
	uint64_t expires;
	/* This merge only: the membership entry (any status) and whether a
	 * new result arrived. */
	const struct fetch_member *entry;
	bool usable; /* entry is FETCH_OK and valid now */
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
	char *dir, *path, *tmp;
	bool poisoned; /* the file on disk could not be read: keep it */
	char poison_why[FETCH_STATE_ERRLEN];
	char vpn[FETCH_NAMELEN], zone[RR_MAX_NAME + 1];
	struct fetch_hw head_hw;
	bool has_mem;
	struct fetch_membership mem;
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

static int serr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int serr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(err, errlen, fmt, ap) < 0 && errlen)
		err[0] = '\0';
	va_end(ap);
	return -1;
}

/* ---- report -------------------------------------------------------------- */

static void event(struct fetch_merge_report *rep, enum fetch_event_kind k,
		  enum fetch_reason why, const char *name, const char *fmt,
		  ...) __attribute__((format(printf, 5, 6)));

static void event(struct fetch_merge_report *rep, enum fetch_event_kind k,
		  enum fetch_reason why, const char *name, const char *fmt,
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

static void entry_set_record(struct site_entry *e, struct fetch_site_result *r)
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

static char *path_join(const char *dir, const char *name)
{
	size_t len = strlen(dir) + 1 + strlen(name) + 1;
	char *p = malloc(len);

	if (p && snprintf(p, len, "%s/%s", dir, name) < 0) {
		free(p);
		p = NULL;
	}
	return p;
}

int fetch_state_new(const char *dir, struct fetch_state **out, char *err,
		    size_t errlen)
{
	struct fetch_state *st = NULL;

	*out = NULL;
	if (sodium_init() < 0)
		return serr(err, errlen, "libsodium failed to start");
	st = calloc(1, sizeof(*st));
	if (!st)
		return serr(err, errlen, "out of memory");
	st->dir = strdup(dir);
	st->path = path_join(dir, FETCH_STATE_FILE);
	st->tmp = path_join(dir, FETCH_STATE_FILE ".tmp");
	if (!st->dir || !st->path || !st->tmp) {
		fetch_state_free(st);
		return serr(err, errlen, "out of memory");
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
	fetch_membership_free(&st->mem);
	entries_free(st->sites, st->nsites);
	table_free(&st->tab);
	free(st->view);
	free(st->dir);
	free(st->path);
	free(st->tmp);
	sodium_memzero(st->hkey, sizeof(st->hkey));
	free(st);
}

bool fetch_state_head_hw(const struct fetch_state *st, struct fetch_hw *out)
{
	*out = st->head_hw;
	return st->head_hw.set;
}

const struct fetch_membership *fetch_state_membership(
	const struct fetch_state *st)
{
	return st->has_mem ? &st->mem : NULL;
}

/* What fetch_chain_site may rely on instead of parsing E's bytes. */
static void entry_cache(const struct site_entry *e, bool with_key,
			struct fetch_site_cache *out)
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
			    struct fetch_site_cache *out)
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

static size_t membership_size(const struct fetch_membership *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->npages; i++)
		n += m->pages[i].nmembers;
	return n;
}

static bool fresh_given(const struct fetch_membership *fresh)
{
	return fresh && fresh->head.raw.data;
}

static void report_rejected_members(const struct fetch_membership *m,
				    struct fetch_merge_report *rep)
{
	for (size_t p = 0; p < m->npages; p++)
		for (size_t i = 0; i < m->pages[p].nmembers; i++) {
			const struct fetch_member *e = &m->pages[p].members[i];
			if (e->status != FETCH_OK)
				event(rep, FETCH_EV_MEMBER_REJECTED, e->status,
				      e->rec.site, "%s", e->why);
		}
}

/* Installs FRESH unless it would move the head backwards. */
static void take_fresh(struct fetch_state *st, struct fetch_membership *fresh,
		       struct fetch_merge_report *rep)
{
	const struct fetch_head *h = &fresh->head;
	int c = st->head_hw.set
			? rr_serial_cmp(h->rec.serial, st->head_hw.serial)
			: 1;

	if (c < 0 || (c == 0 && memcmp(h->content, st->head_hw.content,
				       RR_HASH_LEN) != 0)) {
		event(rep, FETCH_EV_HEAD_REJECTED,
		      c < 0 ? FETCH_R_ROLLBACK : FETCH_R_FORK, "",
		      "head serial %u refused: high-water mark is %u",
		      h->rec.serial, st->head_hw.serial);
		fetch_membership_free(fresh);
		return;
	}
	/* The same head again is no news. */
	if (!st->has_mem || c > 0) {
		event(rep, FETCH_EV_HEAD_NEW, FETCH_OK, "",
		      "head serial %u: %u members in %zu pages",
		      h->rec.serial, h->rec.nmembers, h->rec.npages);
		report_rejected_members(fresh, rep);
	}
	fetch_membership_free(&st->mem);
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
	      now >= h->expires ? FETCH_R_EXPIRED : FETCH_R_NOTYET, "",
	      "head serial %u %s at %llu (now %llu): membership dropped",
	      h->serial, now >= h->expires ? "expired" : "not valid",
	      (unsigned long long)(now >= h->expires ? h->expires
						     : h->not_before),
	      (unsigned long long)now);
	fetch_membership_free(&st->mem);
	st->has_mem = false;
}

static bool member_usable(const struct fetch_member *m, uint64_t now)
{
	return m->status == FETCH_OK && now >= m->rec.not_before &&
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
		const struct fetch_page *pg = &st->mem.pages[p];
		for (size_t i = 0; i < pg->nmembers; i++) {
			const struct fetch_member *m = &pg->members[i];
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
			event(rep, FETCH_EV_SITE_REMOVED, FETCH_OK, old->name,
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
static enum fetch_reason recheck(const struct fetch_config *cfg, uint64_t now,
				 const struct site_entry *e,
				 const struct fetch_blob *raw, bool use_cache,
				 struct fetch_site_result *res,
				 struct fetch_chain_stats *stats,
				 struct fetch_error *ferr)
{
	struct fetch_site_cache cache;
	struct fetch_rdata rd;

	entry_cache(e, use_cache, &cache);
	fetch_rdata_view(raw, 1, &rd);
	return fetch_chain_site(cfg, &e->entry->rec, &rd, 1, now, &cache, res,
				stats, ferr);
}

/* A result computed under another membership entry than the current
 * one is verified again; one that fails is treated as no result.  A
 * cached result must name the bytes the entry holds. */
static bool result_current(const struct fetch_config *cfg, uint64_t now,
			   const struct site_entry *e,
			   struct fetch_site_result *r,
			   struct fetch_merge_report *rep)
{
	struct fetch_site_result again;
	struct fetch_error ferr;
	struct fetch_rdata rd;
	uint8_t key[RR_HASH_LEN];
	bool same;

	fetch_rdata_view(&r->raw, 1, &rd);
	fetch_site_key(&e->entry->rec, &rd, key);
	same = memcmp(key, r->key, RR_HASH_LEN) == 0 &&
	       (!e->hw.set || rr_serial_cmp(r->serial, e->hw.serial) >= 0);
	if (same && (r->rec || (e->rec && memcmp(e->key, r->key,
						   RR_HASH_LEN) == 0)))
		return true;
	/* Only a caller that checked sites against another membership than
	 * the one merged gets here; the refusal is counted in rep->stats,
	 * and keep_or_drop reports what remains of the site. */
	if (recheck(cfg, now, e, &r->raw, false, &again, &rep->stats,
		    &ferr) != FETCH_OK)
		return false;
	fetch_site_result_free(r);
	*r = again;
	return true;
}

static void apply_result(const struct fetch_config *cfg, uint64_t now,
			 struct site_entry *e, struct fetch_site_result *r,
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
		event(rep, FETCH_EV_SITE_ADDED, FETCH_OK, e->name,
		      "site %s: serial %u from %s", e->name, r->serial,
		      r->owner);
	} else if (memcmp(e->content, r->content, RR_HASH_LEN) != 0) {
		rep->updated++;
		event(rep, FETCH_EV_SITE_UPDATED, FETCH_OK, e->name,
		      "site %s: serial %u -> %u", e->name, before, r->serial);
	} else {
		rep->unchanged++;
	}
	entry_set_record(e, r);
}

static void apply_results(const struct fetch_config *cfg, uint64_t now,
			  struct fetch_state *st, struct site_entry *ns,
			  struct table *nt, struct fetch_site_result *results,
			  size_t n, struct fetch_merge_report *rep)
{
	for (size_t i = 0; i < n; i++) {
		struct fetch_site_result *r = &results[i];
		struct site_entry *e;
		if (!r->raw.data)
			continue;
		e = table_find(nt, st->hkey, ns, r->name);
		/* A result for a site that is no member now is void. */
		if (e && e->usable && !e->fresh)
			apply_result(cfg, now, e, r, rep);
		fetch_site_result_free(r);
	}
}

static void drop(struct site_entry *e, enum fetch_reason why,
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
	struct fetch_site_result res;
	struct fetch_error ferr;
	enum fetch_reason r;

	if (e->fresh || !e->rec)
		return;
	if (!has_mem) {
		drop(e, FETCH_R_EXPIRED, rep, "no valid head");
		return;
	}
	if (!e->usable && e->entry->status != FETCH_OK) {
		drop(e, e->entry->status, rep, e->entry->why);
		return;
	}
	if (!e->usable) {
		/* Found here, not by the page checks: the head is unchanged
		 * and its pages were not fetched again. */
		rep->stats.rejected[FETCH_R_EXPIRED]++;
		drop(e, FETCH_R_EXPIRED, rep,
		     "membership expired or not yet valid");
		return;
	}
	r = recheck(cfg, now, e, &e->raw, true, &res, &rep->stats, &ferr);
	if (r == FETCH_R_NOMEM)
		return; /* no verdict: keep what we have */
	if (r != FETCH_OK) {
		drop(e, r, rep, ferr.msg);
		return;
	}
	rep->kept++;
	event(rep, FETCH_EV_SITE_KEPT, FETCH_OK, e->name,
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
	fetch_site_result_free(&res);
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
		fetch_record_content(v[i].member, c);
		crypto_hash_sha256_update(&h, c, sizeof(c));
		fetch_record_content(v[i].site, c);
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

static void free_results(struct fetch_site_result *results, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fetch_site_result_free(&results[i]);
}

int fetch_state_merge(struct fetch_state *st, const struct fetch_config *cfg,
		      uint64_t now, struct fetch_membership *fresh,
		      struct fetch_site_result *results, size_t nresults,
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
		serr(err, errlen, "merge: out of memory");
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
		fetch_membership_free(fresh);
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

/* ---- JSON encoding ------------------------------------------------------- */

static char *b64(const uint8_t *data, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len,
					     sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(n);

	if (s)
		sodium_bin2base64(s, n, data, len,
				  sodium_base64_VARIANT_ORIGINAL);
	return s;
}

/* json_pack "o" steals NEW's reference, even on failure. */
static json_t *blob_json(const struct fetch_blob *b)
{
	char *s = b64(b->data, b->len);
	json_t *j = NULL;

	if (s)
		j = json_pack("{s:i, s:s}", "type", (int)b->type, "rdata", s);
	free(s);
	return j;
}

static json_t *hw_json(const struct fetch_hw *hw)
{
	char *s = b64(hw->content, RR_HASH_LEN);
	json_t *j = NULL;

	if (s)
		j = json_pack("{s:I, s:s}", "serial", (json_int_t)hw->serial,
			      "content", s);
	free(s);
	return j;
}

static int arr_add(json_t *arr, json_t *v)
{
	return v ? json_array_append_new(arr, v) : -1;
}

static json_t *head_json(const struct fetch_membership *m)
{
	json_t *pages = json_array();

	for (size_t i = 0; pages && i < m->npages; i++) {
		json_t *rrs = json_array();
		if (arr_add(pages, rrs) != 0)
			goto fail;
		for (size_t j = 0; j < m->pages[i].nraw; j++)
			if (arr_add(rrs, blob_json(&m->pages[i].raw[j])) != 0)
				goto fail;
	}
	return json_pack("{s:o, s:o}", "rdata", blob_json(&m->head.raw),
			 "pages", pages);
fail:
	json_decref(pages);
	return NULL;
}

static json_t *site_json(const struct site_entry *e)
{
	json_t *j = json_pack("{s:s}", "name", e->name);

	if (!j)
		return NULL;
	if (e->hw.set && json_object_set_new(j, "hw", hw_json(&e->hw)) != 0)
		goto fail;
	if (e->rec &&
	    (json_object_set_new(j, "owner", json_string(e->owner)) != 0 ||
	     json_object_set_new(j, "record", blob_json(&e->raw)) != 0))
		goto fail;
	return j;
fail:
	json_decref(j);
	return NULL;
}

static json_t *state_json(const struct fetch_state *st)
{
	json_t *root, *sites = json_array();

	for (size_t i = 0; sites && i < st->nsites; i++)
		if (arr_add(sites, site_json(&st->sites[i])) != 0) {
			json_decref(sites);
			return NULL;
		}
	root = json_pack("{s:i, s:s, s:s, s:o}", "format", FORMAT_VERSION,
			 "vpn", st->vpn, "zone", st->zone, "sites", sites);
	if (!root)
		return NULL;
	if ((st->head_hw.set &&
	     json_object_set_new(root, "head_hw", hw_json(&st->head_hw))) ||
	    (st->has_mem &&
	     json_object_set_new(root, "head", head_json(&st->mem)))) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/* ---- atomic write -------------------------------------------------------- */

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

static int write_atomic(const struct fetch_state *st, const char *data,
			size_t len, char *err, size_t errlen)
{
	int fd, rc = -1;

	if (mkdir(st->dir, 0700) != 0 && errno != EEXIST)
		return serr(err, errlen, "%s: %s", st->dir, strerror(errno));
	fd = open(st->tmp,
		  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return serr(err, errlen, "%s: %s", st->tmp, strerror(errno));
	if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		serr(err, errlen, "%s: %s", st->tmp, strerror(errno));
		(void)close(fd);
		goto out;
	}
	if (close(fd) != 0) {
		serr(err, errlen, "%s: %s", st->tmp, strerror(errno));
		goto out;
	}
	if (rename(st->tmp, st->path) != 0) {
		serr(err, errlen, "rename to %s: %s", st->path,
		     strerror(errno));
		goto out;
	}
	/* The rename itself must reach the disk before we say "saved". */
	if (fsync_dir(st->dir) != 0)
		return serr(err, errlen, "%s: fsync: %s", st->dir,
			    strerror(errno));
	return 0;
out:
	(void)unlink(st->tmp);
	return rc;
}

int fetch_state_save(struct fetch_state *st, char *err, size_t errlen)
{
	json_t *root = NULL;
	char *text = NULL;
	int rc = -1;

	if (!st->vpn[0])
		return serr(err, errlen,
			    "%s: nothing to save before fetch_state_load or "
			    "fetch_state_merge", st->path);
	if (st->poisoned)
		return serr(err, errlen,
			    "%s: not overwriting a state file that could not "
			    "be loaded (%s); move it away to start afresh",
			    st->path, st->poison_why);
	root = state_json(st);
	if (root)
		text = json_dumps(root, JSON_COMPACT);
	if (!text) {
		serr(err, errlen, "%s: out of memory", st->path);
		goto out;
	}
	rc = write_atomic(st, text, strlen(text), err, errlen);
out:
	free(text);
	json_decref(root);
	return rc;
}

/* ---- JSON decoding ------------------------------------------------------- */

/* What the file holds before it is verified again. */
struct stored_site {
	char name[FETCH_SITENAMELEN];
	struct fetch_hw hw;
	bool has_record;
	char owner[RR_MAX_NAME + 1];
	struct fetch_blob raw;
};

struct stored {
	struct fetch_hw head_hw;
	bool has_head;
	struct fetch_blob head;
	struct fetch_blob **pages; /* arrays of RDATA, npages of them */
	size_t *npage_rrs, npages;
	struct stored_site *sites;
	size_t nsites;
};

static void stored_free(struct stored *s)
{
	free(s->head.data);
	for (size_t i = 0; i < s->npages; i++)
		fetch_blobs_free(s->pages[i], s->npage_rrs[i]);
	free(s->pages);
	free(s->npage_rrs);
	for (size_t i = 0; i < s->nsites; i++)
		free(s->sites[i].raw.data);
	free(s->sites);
	memset(s, 0, sizeof(*s));
}

struct jctx {
	const char *file;
	char *err;
	size_t errlen;
};

static int jerr(const struct jctx *c, const char *where, const char *why)
{
	return serr(c->err, c->errlen, "%s: %s: %s", c->file, where, why);
}

static int j_string(const struct jctx *c, const json_t *o, const char *key,
		    const char *where, char *out, size_t outlen)
{
	const json_t *v = json_object_get(o, key);
	char w[128];

	(void)snprintf(w, sizeof(w), "%s.%s", where, key);
	if (!json_is_string(v))
		return jerr(c, w, "missing or not a string");
	if (json_string_length(v) >= outlen ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return jerr(c, w, "too long or contains NUL");
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int j_uint(const struct jctx *c, const json_t *o, const char *key,
		  const char *where, json_int_t max, json_int_t *out)
{
	const json_t *v = json_object_get(o, key);
	char w[128];

	(void)snprintf(w, sizeof(w), "%s.%s", where, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > max)
		return jerr(c, w, "missing or not an integer in range");
	*out = json_integer_value(v);
	return 0;
}

static int j_b64(const struct jctx *c, const json_t *v, const char *where,
		 uint8_t *out, size_t max, size_t *outlen)
{
	const char *s = json_string_value(v), *end = NULL;

	if (!s)
		return jerr(c, where, "missing or not a string");
	if (json_string_length(v) / 4 * 3 > max + 2)
		return jerr(c, where, "too long");
	if (sodium_base642bin(out, max, s, json_string_length(v), NULL, outlen,
			      &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != s + json_string_length(v))
		return jerr(c, where, "not base64, or too long");
	return 0;
}

static int j_hw(const struct jctx *c, const json_t *v, const char *where,
		struct fetch_hw *hw)
{
	json_int_t serial;
	size_t len = 0;
	char w[128];

	if (!json_is_object(v))
		return jerr(c, where, "not an object");
	if (j_uint(c, v, "serial", where, UINT32_MAX, &serial) != 0)
		return -1;
	(void)snprintf(w, sizeof(w), "%s.content", where);
	if (j_b64(c, json_object_get(v, "content"), w, hw->content,
		  RR_HASH_LEN, &len) != 0)
		return -1;
	if (len != RR_HASH_LEN)
		return jerr(c, w, "not a 32-byte hash");
	hw->set = true;
	hw->serial = (uint32_t)serial;
	return 0;
}

static int j_blob(const struct jctx *c, const json_t *v, const char *where,
		  struct fetch_blob *b)
{
	const json_t *rd = json_object_get(v, "rdata");
	json_int_t type;
	size_t max;
	char w[128];

	if (!json_is_object(v))
		return jerr(c, where, "not an object");
	if (j_uint(c, v, "type", where, 65535, &type) != 0)
		return -1;
	(void)snprintf(w, sizeof(w), "%s.rdata", where);
	if (!json_is_string(rd))
		return jerr(c, w, "missing or not a string");
	/* Sized by the text: 16 KB per record would cost 300 MB at 10,000
	 * sites. */
	max = json_string_length(rd) / 4 * 3;
	if (max > MAX_RDATA_BYTES + 2)
		return jerr(c, w, "longer than any record");
	b->data = malloc(max ? max : 1);
	if (!b->data)
		return jerr(c, where, "out of memory");
	b->type = (uint16_t)type;
	return j_b64(c, rd, w, b->data, max, &b->len);
}

static int j_page(const struct jctx *c, const json_t *v, size_t i,
		  struct stored *s)
{
	size_t n = json_array_size(v);
	char w[128];

	(void)snprintf(w, sizeof(w), "head.pages[%zu]", i);
	if (!json_is_array(v) || n == 0 || n > RR_MAX_PAGE_MEMBERS)
		return jerr(c, w, "not an array of 1 to 64 records");
	s->pages[i] = calloc(n, sizeof(**s->pages));
	if (!s->pages[i])
		return jerr(c, w, "out of memory");
	for (size_t j = 0; j < n; j++) {
		s->npage_rrs[i]++;
		(void)snprintf(w, sizeof(w), "head.pages[%zu][%zu]", i, j);
		if (j_blob(c, json_array_get(v, j), w, &s->pages[i][j]) != 0)
			return -1;
	}
	return 0;
}

static int j_head(const struct jctx *c, const json_t *h, struct stored *s)
{
	const json_t *pages = json_object_get(h, "pages");
	size_t n = json_array_size(pages);

	if (!json_is_object(h))
		return jerr(c, "head", "not an object");
	if (j_blob(c, json_object_get(h, "rdata"), "head.rdata", &s->head) != 0)
		return -1;
	s->has_head = true;
	if (!json_is_array(pages) || n > RR_MAX_PAGES)
		return jerr(c, "head.pages", "not an array of at most 256");
	s->pages = calloc(n ? n : 1, sizeof(*s->pages));
	s->npage_rrs = calloc(n ? n : 1, sizeof(*s->npage_rrs));
	if (!s->pages || !s->npage_rrs)
		return jerr(c, "head.pages", "out of memory");
	s->npages = n;
	for (size_t i = 0; i < n; i++)
		if (j_page(c, json_array_get(pages, i), i, s) != 0)
			return -1;
	return 0;
}

static int j_site(const struct jctx *c, const json_t *v, size_t i,
		  struct stored_site *ss)
{
	const json_t *hw = json_object_get(v, "hw");
	const json_t *rec = json_object_get(v, "record");
	char w[64], w2[80];

	(void)snprintf(w, sizeof(w), "sites[%zu]", i);
	if (!json_is_object(v))
		return jerr(c, w, "not an object");
	if (j_string(c, v, "name", w, ss->name, sizeof(ss->name)) != 0)
		return -1;
	(void)snprintf(w2, sizeof(w2), "%s.hw", w);
	if (hw && j_hw(c, hw, w2, &ss->hw) != 0)
		return -1;
	if (!rec)
		return 0;
	(void)snprintf(w2, sizeof(w2), "%s.record", w);
	if (j_blob(c, rec, w2, &ss->raw) != 0 ||
	    j_string(c, v, "owner", w, ss->owner, sizeof(ss->owner)) != 0)
		return -1;
	ss->has_record = true;
	return 0;
}

static int j_root(const struct jctx *c, const json_t *root,
		  const struct fetch_config *cfg, struct stored *s)
{
	char vpn[FETCH_NAMELEN], zone[RR_MAX_NAME + 1];
	const json_t *sites = json_object_get(root, "sites");
	const json_t *hw = json_object_get(root, "head_hw");
	const json_t *head = json_object_get(root, "head");
	json_int_t fmt;
	size_t n = json_array_size(sites);

	if (!json_is_object(root))
		return jerr(c, "top level", "not an object");
	if (j_uint(c, root, "format", "top level", 1000, &fmt) != 0)
		return -1;
	if (fmt != FORMAT_VERSION)
		return jerr(c, "format", "unknown format version");
	if (j_string(c, root, "vpn", "top level", vpn, sizeof(vpn)) != 0 ||
	    j_string(c, root, "zone", "top level", zone, sizeof(zone)) != 0)
		return -1;
	if (strcmp(vpn, cfg->vpn) != 0 || strcmp(zone, cfg->zone) != 0)
		return serr(c->err, c->errlen,
			    "%s: holds VPN %s (zone %s), but the config says "
			    "VPN %s (zone %s); move it away to start afresh",
			    c->file, vpn, zone, cfg->vpn, cfg->zone);
	if (hw && j_hw(c, hw, "head_hw", &s->head_hw) != 0)
		return -1;
	if (head && j_head(c, head, s) != 0)
		return -1;
	if (!json_is_array(sites) || n > 4 * (size_t)FETCH_MAX_MEMBERS)
		return jerr(c, "sites", "not an array of at most 65536");
	s->sites = calloc(n ? n : 1, sizeof(*s->sites));
	if (!s->sites)
		return jerr(c, "sites", "out of memory");
	for (size_t i = 0; i < n; i++) {
		s->nsites++;
		if (j_site(c, json_array_get(sites, i), i, &s->sites[i]) != 0)
			return -1;
	}
	return 0;
}

static int read_all(int fd, char *buf, size_t len)
{
	while (len > 0) {
		ssize_t r = read(fd, buf, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		len -= (size_t)r;
	}
	return 0;
}

/* Reads the whole file first: jansson's json_loadfd reads one byte per
 * system call (36 s for a 10,000-site state). */
static json_t *read_json(const char *path, bool *missing, char *err,
			 size_t errlen)
{
	json_error_t je;
	struct stat sb;
	json_t *root = NULL;
	char *buf = NULL;
	int fd;

	*missing = false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*missing = errno == ENOENT;
		serr(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > MAX_STATE_BYTES) {
		serr(err, errlen, "%s: not a regular file of at most %ld bytes",
		     path, MAX_STATE_BYTES);
		goto out;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		serr(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (read_all(fd, buf, (size_t)sb.st_size) != 0) {
		serr(err, errlen, "%s: read: %s", path,
		     errno ? strerror(errno) : "file shrank");
		goto out;
	}
	root = json_loadb(buf, (size_t)sb.st_size, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		serr(err, errlen, "%s:%d:%d: %s", path, je.line, je.column,
		     je.text);
out:
	free(buf);
	(void)close(fd);
	return root;
}

/* ---- rebuilding from stored bytes ---------------------------------------- */

static bool rebuild_pages(const struct fetch_config *cfg, uint64_t now,
			  const struct stored *s, struct fetch_membership *m,
			  struct fetch_chain_stats *stats,
			  struct fetch_error *ferr)
{
	struct fetch_rdata rd[RR_MAX_PAGE_MEMBERS];

	if (s->npages != m->head.rec.npages) {
		ferr->reason = FETCH_R_COUNT;
		(void)snprintf(ferr->msg, sizeof(ferr->msg),
			       "stored head lists %zu pages, %zu stored",
			       m->head.rec.npages, s->npages);
		return false;
	}
	m->pages = calloc(s->npages ? s->npages : 1, sizeof(*m->pages));
	if (!m->pages) {
		ferr->reason = FETCH_R_NOMEM;
		(void)snprintf(ferr->msg, sizeof(ferr->msg), "out of memory");
		return false;
	}
	for (size_t i = 0; i < s->npages; i++) {
		fetch_rdata_view(s->pages[i], s->npage_rrs[i], rd);
		m->npages++;
		if (fetch_chain_page(cfg, m->head.rec.pages[i], rd,
				     s->npage_rrs[i], now, &m->pages[i], stats,
				     ferr) != FETCH_OK)
			return false;
	}
	return fetch_chain_members(m, stats, ferr) == FETCH_OK;
}

/* The stored head and pages through the chain checks again; false (with
 * an event) when they no longer verify. */
static bool rebuild_membership(const struct fetch_config *cfg, uint64_t now,
			       const struct stored *s,
			       struct fetch_membership *m,
			       struct fetch_merge_report *rep)
{
	struct fetch_error ferr = { 0 };
	struct fetch_rdata rd;

	memset(m, 0, sizeof(*m));
	if (!s->has_head)
		return false;
	fetch_rdata_view(&s->head, 1, &rd);
	if (fetch_chain_head(cfg, &rd, 1, now, &s->head_hw, &m->head,
			     &rep->stats, &ferr) == FETCH_OK &&
	    rebuild_pages(cfg, now, s, m, &rep->stats, &ferr))
		return true;
	event(rep, FETCH_EV_HEAD_DROPPED, ferr.reason, "",
	      "stored head no longer verifies: %s", ferr.msg);
	fetch_membership_free(m);
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
			       struct fetch_site_result *results, size_t *n,
			       struct fetch_merge_report *rep)
{
	*n = 0;
	for (size_t i = 0; i < s->nsites; i++) {
		const struct stored_site *ss = &s->sites[i];
		struct site_entry *e;
		struct fetch_error ferr;
		enum fetch_reason r;
		if (!ss->has_record)
			continue;
		e = table_find(&st->tab, st->hkey, st->sites, ss->name);
		if (!e || !e->usable)
			continue;
		r = recheck(cfg, now, e, &ss->raw, false, &results[*n],
			    &rep->stats, &ferr);
		if (r == FETCH_R_NOMEM)
			return -1;
		if (r == FETCH_OK)
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
	struct fetch_membership m;
	struct fetch_site_result *results = NULL;
	size_t n = 0;
	int rc = -1;

	st->head_hw = s->head_hw;
	if (seed_entries(st, s) != 0) {
		serr(err, errlen, "%s: out of memory", st->path);
		goto out;
	}
	rebuild_membership(cfg, now, s, &m, rep);
	/* First merge: the membership and the carried-over marks. */
	if (fetch_state_merge(st, cfg, now, &m, NULL, 0, rep, err, errlen))
		goto out;
	results = calloc(s->nsites ? s->nsites : 1, sizeof(*results));
	if (!results ||
	    verify_stored_sites(st, cfg, now, s, results, &n, rep) != 0) {
		serr(err, errlen, "%s: out of memory", st->path);
		goto out;
	}
	/* Second merge: the site records that still verify. */
	rc = fetch_state_merge(st, cfg, now, NULL, results, n, rep, err,
			       errlen);
	n = 0;
out:
	free_results(results, n);
	free(results);
	fetch_membership_free(&m);
	return rc;
}

int fetch_state_load(struct fetch_state *st, const struct fetch_config *cfg,
		     uint64_t now, struct fetch_merge_report *rep, char *err,
		     size_t errlen)
{
	struct jctx c = { st->path, err, errlen };
	struct stored s;
	json_t *root;
	bool missing;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	memcpy(st->vpn, cfg->vpn, sizeof(st->vpn));
	memcpy(st->zone, cfg->zone, sizeof(st->zone));
	(void)snprintf(st->v.vpn, sizeof(st->v.vpn), "%s", st->vpn);
	/* A temporary file is only ever a write that did not finish. */
	(void)unlink(st->tmp);
	root = read_json(st->path, &missing, err, errlen);
	if (!root && missing)
		return 0;
	if (!root || j_root(&c, root, cfg, &s) != 0)
		goto out;
	rc = rebuild(st, cfg, now, &s, rep, err, errlen);
out:
	if (rc != 0) {
		st->poisoned = true;
		(void)snprintf(st->poison_why, sizeof(st->poison_why), "%s",
			       err);
	}
	json_decref(root);
	stored_free(&s);
	return rc;
}
