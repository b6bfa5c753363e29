/*
 * load.c - the state read back from its store and verified again under
 * the current configuration.
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

/* ---- loading from the store ---------------------------------------------- */

/* What the store holds before it is verified again. */
struct stored_site {
	char name[RR_SITENAMELEN];
	struct rrchain_hw hw;
	bool has_record;
	char owner[RR_MAX_NAME + 1];
	struct rrchain_blob raw;
	/* What the record verified as, when the row has it (a store of
	 * schema 1 does not): its bytes are checked against key instead
	 * of verifying the signature again. */
	bool has_key;
	uint8_t key[RR_HASH_LEN];
	uint64_t not_before, expires;
	bool has_alt;
	uint8_t alt[RR_HASH_LEN];
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

	if (st_prep(st, "SELECT hw_serial, hw_content, rtype, rdata FROM head "
		 "WHERE id = 1", &q, err, errlen) != 0)
		return -1;
	r = sqlite3_step(q);
	if (r == SQLITE_ROW) {
		if (!col_hw(q, 0, &s->head_hw))
			st_event(rep, FETCH_EV_HEAD_DROPPED, RRCHAIN_R_MALFORMED, "",
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

	if (st_prep(st, "SELECT page, rtype, rdata FROM page_rr "
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

	/* A read-only open does not upgrade a store of schema 1. */
	if (sqlite3_prepare_v2(fetch_store_db(st->store),
			       "SELECT name, hw_serial, hw_content, owner, rtype, "
			       "rdata, skey, not_before, expires, akey FROM site "
			       "ORDER BY name", -1, &q, NULL) != SQLITE_OK &&
	    st_prep(st, "SELECT name, hw_serial, hw_content, owner, rtype, "
		    "rdata, NULL, NULL, NULL, NULL FROM site ORDER BY name", &q,
		    err, errlen) != 0)
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
			st_event(rep, FETCH_EV_SITE_DROPPED, RRCHAIN_R_MALFORMED,
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
		if (sqlite3_column_bytes(q, 6) == RR_HASH_LEN &&
		    sqlite3_column_int64(q, 7) >= 0 &&
		    sqlite3_column_int64(q, 8) >= 0) {
			ss->has_key = true;
			memcpy(ss->key, sqlite3_column_blob(q, 6), RR_HASH_LEN);
			ss->not_before = (uint64_t)sqlite3_column_int64(q, 7);
			ss->expires = (uint64_t)sqlite3_column_int64(q, 8);
			if (sqlite3_column_bytes(q, 9) == RR_HASH_LEN) {
				ss->has_alt = true;
				memcpy(ss->alt, sqlite3_column_blob(q, 9),
				       RR_HASH_LEN);
			}
		}
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
 * an st_event) when they no longer verify. */
static bool rebuild_membership(const struct fetch_config *cfg, uint64_t now,
			       const struct stored *s,
			       struct rrchain_membership *m,
			       struct fetch_merge_report *rep)
{
	struct rrchain_error ferr = { 0 };
	struct rrchain_rdata rd;

	struct rrchain_policy pol;

	memset(m, 0, sizeof(*m));
	if (!s->has_head)
		return false;
	rrchain_rdata_view(&s->head, 1, &rd);
	/* Its own store: a head with the high-water mark's content was
	 * verified when it was stored. */
	pol = *FETCH_POLICY(cfg);
	pol.stored = true;
	if (rrchain_verify_head(&pol, &rd, 1, now, &s->head_hw, &m->head,
			     &rep->stats, &ferr) == RRCHAIN_OK &&
	    rebuild_pages(cfg, now, s, m, &rep->stats, &ferr))
		return true;
	st_event(rep, FETCH_EV_HEAD_DROPPED, ferr.reason, "",
	      "stored head no longer verifies: %s", ferr.msg);
	rrchain_membership_free(m);
	return false;
}

/* Entries holding only the stored high-water marks, for the first merge
 * to carry over. */
static int seed_entries(struct fetch_state *st, const struct stored *s)
{
	st->sites = calloc(s->nsites ? s->nsites : 1, sizeof(*st->sites));
	if (!st->sites || st_table_alloc(&st->tab, s->nsites) != 0)
		return -1;
	for (size_t i = 0; i < s->nsites; i++) {
		if (st_table_find(&st->tab, st->hkey, st->sites, s->sites[i].name))
			continue;
		memcpy(st->sites[st->nsites].name, s->sites[i].name,
		       sizeof(st->sites[st->nsites].name));
		st->sites[st->nsites].hw = s->sites[i].hw;
		st_table_put(&st->tab, st->hkey, st->nsites, s->sites[i].name);
		st->nsites++;
	}
	return 0;
}

/* The store's integrity stands in for the signature: bytes that still
 * hash, with the current member entry, to the key they were verified
 * under are parsed, not verified (rrchain_verify_site's cache); any
 * other bytes, or a changed member entry, are verified in full. */
static enum rrchain_reason recheck_stored(const struct fetch_config *cfg,
					  uint64_t now,
					  const struct site_entry *e,
					  const struct stored_site *ss,
					  struct rrchain_site_result *res,
					  struct rrchain_stats *stats,
					  struct rrchain_error *ferr)
{
	struct rrchain_site_cache cache;
	struct rrchain_rdata rd;

	memset(&cache, 0, sizeof(cache));
	cache.hw = e->hw;
	cache.parse = true;
	if (ss->has_key && e->hw.set) {
		cache.has_key = true;
		memcpy(cache.key, ss->key, RR_HASH_LEN);
		cache.serial = e->hw.serial;
		cache.not_before = ss->not_before;
		cache.expires = ss->expires;
		memcpy(cache.content, e->hw.content, RR_HASH_LEN);
	}
	rrchain_rdata_view(&ss->raw, 1, &rd);
	return rrchain_verify_entry_site(FETCH_POLICY(cfg), e->entry, &rd, 1,
					 now, &cache, res, stats, ferr);
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
		e = st_table_find(&st->tab, st->hkey, st->sites, ss->name);
		if (!e || !e->usable)
			continue;
		r = recheck_stored(cfg, now, e, ss, &results[*n], &rep->stats,
				   &ferr);
		if (r == RRCHAIN_R_NOMEM)
			return -1;
		/* The copy seen beside these bytes, when they are the ones
		 * verified before. */
		if (r == RRCHAIN_OK && ss->has_alt && results[*n].cached) {
			results[*n].has_alt = true;
			memcpy(results[*n].alt, ss->alt, RR_HASH_LEN);
		}
		if (r == RRCHAIN_OK)
			(*n)++;
		else
			st_event(rep, FETCH_EV_SITE_DROPPED, r, ss->name,
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
	st_free_results(results, n);
	free(results);
	rrchain_membership_free(&m);
	return rc;
}

/* Whether E, as loaded, is what the row SS holds. */
static bool row_matches(const struct site_entry *e,
			const struct stored_site *ss)
{
	if (!ss->has_record || !e->rec)
		return !ss->has_record && !e->rec;
	return ss->has_key && memcmp(e->key, ss->key, RR_HASH_LEN) == 0 &&
	       e->has_alt == ss->has_alt &&
	       (!e->has_alt || memcmp(e->alt, ss->alt, RR_HASH_LEN) == 0) &&
	       strcmp(e->owner, ss->owner) == 0 &&
	       e->rec->not_before == ss->not_before &&
	       e->rec->expires == ss->expires;
}

/* What the rows hold, so that saving writes only those that change;
 * false when some row differs from the state loaded (the next save
 * writes it: a cache to fill in, a record dropped, a name gone). */
static bool note_rows(struct fetch_state *st, const struct stored *s)
{
	bool same = true;

	st->meta_saved = true;
	st_head_digest(&s->head_hw, s->has_head ? &s->head : NULL,
		       st->head_row);
	if (st->has_mem) {
		st->page_rows = calloc(st->mem.npages ? st->mem.npages : 1,
				       sizeof(*st->page_rows));
		for (size_t i = 0; st->page_rows && i < st->mem.npages; i++)
			memcpy(st->page_rows[i], st->mem.pages[i].hash,
			       RR_HASH_LEN);
		st->npage_rows = st->page_rows ? st->mem.npages : 0;
	}
	for (size_t i = 0; i < s->nsites; i++) {
		const struct stored_site *ss = &s->sites[i];
		struct site_entry *e = st_table_find(&st->tab, st->hkey,
						     st->sites, ss->name);
		if (!e) {
			(void)st_gone(st, ss->name);
			same = false;
			continue;
		}
		e->stored = true;
		if (row_matches(e, ss))
			st_row_digest(e, e->row);
		else
			same = false;
	}
	return same;
}

int fetch_state_load(struct fetch_state *st, struct fetch_store *store,
		     const struct fetch_config *cfg, uint64_t now,
		     struct fetch_merge_report *rep, char *err, size_t errlen)
{
	struct stored s;
	bool empty = true, same;
	size_t dropped;
	int rc = -1;
	/* A config holds a few KB of restrict-nets: not on the stack. */
	struct fetch_config *trust = malloc(sizeof(*trust));

	if (!trust)
		return rr_fail(err, errlen, "out of memory");
	memset(&s, 0, sizeof(s));
	memcpy(st->vpn, cfg->vpn, sizeof(st->vpn));
	memcpy(st->zone, cfg->zone, sizeof(st->zone));
	(void)snprintf(st->v.vpn, sizeof(st->v.vpn), "%s", st->vpn);
	st->store = store;
	st->empty = true;
	if (!store || !fetch_store_db(store)) {
		free(trust);
		return 0; /* read-only, and nothing stored yet */
	}
	if (check_owner(st, cfg, &empty, err, errlen) != 0)
		goto out;
	if (empty) {
		rc = 0;
		goto out;
	}
	st->empty = false;
	if (st_anchors_load(st, rep, err, errlen) != 0 ||
	    load_head(st, &s, rep, err, errlen) != 0 ||
	    load_pages(st, &s, err, errlen) != 0 ||
	    load_sites(st, &s, rep, err, errlen) != 0)
		goto out;
	dropped = rep->nevents;
	/* Heads signed by an adopted anchor stay; by a retired one, go. */
	fetch_state_trust(st, cfg, trust);
	rc = rebuild(st, trust, now, &s, rep, err, errlen);
	same = rc == 0 && note_rows(st, &s);
	/* What was loaded is what is stored, unless something was dropped
	 * on the way: then the next save writes the store afresh. */
	if (rc == 0) {
		st->saved = same;
		for (size_t i = dropped; i < rep->nevents; i++)
			if (rep->events[i].kind == FETCH_EV_SITE_DROPPED ||
			    rep->events[i].kind == FETCH_EV_HEAD_DROPPED)
				st->saved = false;
		for (size_t i = 0; i < dropped; i++)
			st->saved = false;
		if (st->saved)
			st_state_digest(st, st->saved_digest);
	}
out:
	stored_free(&s);
	free(trust);
	return rc;
}
