/*
 * test_state.c - the state in the store (STATE-DIR/state.db): round trip,
 * pages stored canonically whatever form DNS served them in, unchanged
 * saves that write nothing, high-water marks across restarts, damaged
 * rows and files, another VPN's store, the journal of owed actions, the
 * lock, re-verification at load, name lookups.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "helpers.h"

#define NSITES 5

struct fx {
	char *dir;
	char path[512];
	struct world w;
	struct fetch_store *store;
	struct fetch_state *st;
	struct fetch_merge_report rep;
	char err[FETCH_STATE_ERRLEN];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct rrchain_stats stats = { 0 };
	struct rrchain_error e;

	if (!f)
		return -1;
	w_init(&f->w, NSITES, 2);
	f->dir = h_tmpdir();
	(void)snprintf(f->path, sizeof(f->path), "%s/%s", f->dir,
		       FETCH_STORE_FILE);
	f->store = h_store(f->dir);
	if (fetch_state_new(f->dir, &f->st, f->err, sizeof(f->err)) != 0 ||
	    w_refresh(&f->w, f->st, T_NOW, &f->rep, &stats, &e) != RRCHAIN_OK)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	fetch_merge_report_free(&f->rep);
	fetch_state_free(f->st);
	fetch_store_close(f->store);
	w_free(&f->w);
	h_rm_rf(f->dir);
	free(f);
	return 0;
}

/* 1 written or 0 unchanged; fails the test on -1. */
static int save_st(struct fx *f, struct fetch_state *st)
{
	int rc = fetch_state_save(st, f->store, f->err, sizeof(f->err));

	if (rc < 0)
		fail_msg("save: %s", f->err);
	return rc;
}

static int save(struct fx *f)
{
	return save_st(f, f->st);
}

static enum rrchain_reason refresh(struct fx *f, struct fetch_state *st)
{
	struct rrchain_stats stats = { 0 };
	struct rrchain_error e;

	fetch_merge_report_free(&f->rep);
	return w_refresh(&f->w, st, T_NOW, &f->rep, &stats, &e);
}

/* The store closed and opened again, as by a new process. */
static void reopen(struct fx *f)
{
	fetch_store_close(f->store);
	f->store = h_store(f->dir);
}

/* Loads the store, opened again, into a new state with CFG at NOW. */
static int reload_cfg(struct fx *f, const struct fetch_config *cfg,
		      uint64_t now, struct fetch_state **out)
{
	reopen(f);
	assert_int_equal(fetch_state_new(f->dir, out, f->err, sizeof(f->err)),
			 0);
	fetch_merge_report_free(&f->rep);
	return fetch_state_load(*out, f->store, cfg, now, &f->rep, f->err,
				sizeof(f->err));
}

static int reload(struct fx *f, uint64_t now, struct fetch_state **out)
{
	return reload_cfg(f, &f->w.cfg, now, out);
}

/* Runs SQL on the store file through a connection of its own (the
 * store closed), as damage or another program would; it must change
 * exactly one row. */
static void tamper(struct fx *f, const char *sql)
{
	sqlite3 *db = NULL;

	fetch_store_close(f->store);
	f->store = NULL;
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE,
					 NULL), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_changes(db), 1);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* The single integer SQL yields on the open store. */
static int64_t query_int(struct fetch_store *s, const char *sql)
{
	sqlite3_stmt *q = NULL;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(fetch_store_db(s), sql, -1, &q,
					    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

static bool has_event(const struct fetch_merge_report *rep,
		      enum fetch_event_kind k, const char *name,
		      const char *needle)
{
	for (size_t i = 0; i < rep->nevents; i++)
		if (rep->events[i].kind == k &&
		    (!name || strcmp(rep->events[i].name, name) == 0) &&
		    (!needle || strstr(rep->events[i].msg, needle)))
			return true;
	return false;
}

static size_t count_events(const struct fetch_merge_report *rep,
			   enum fetch_event_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < rep->nevents; i++)
		n += rep->events[i].kind == k;
	return n;
}

static void assert_same_record(const struct rr_record *a,
			       const struct rr_record *b)
{
	uint8_t *ba = NULL, *bb = NULL;
	size_t la = 0, lb = 0;
	struct rr_error e;

	assert_int_equal(rr_encode_bin(a, &ba, &la, &e), RR_OK);
	assert_int_equal(rr_encode_bin(b, &bb, &lb, &e), RR_OK);
	assert_int_equal(la, lb);
	assert_memory_equal(ba, bb, la);
	free(ba);
	free(bb);
}

/* Same sites, same record bytes, same high-water marks. */
static void assert_same_state(const struct fetch_state *a,
			      const struct fetch_state *b,
			      const struct world *w)
{
	const struct fetch_view *va = fetch_state_view(a);
	const struct fetch_view *vb = fetch_state_view(b);
	struct rrchain_hw h1, h2;

	assert_string_equal(vb->vpn, T_VPN);
	assert_int_equal(va->nsites, vb->nsites);
	for (size_t i = 0; i < va->nsites; i++) {
		assert_string_equal(va->sites[i].name, vb->sites[i].name);
		assert_same_record(va->sites[i].member, vb->sites[i].member);
		assert_same_record(va->sites[i].site, vb->sites[i].site);
		if (i)
			assert_true(strcmp(vb->sites[i - 1].name,
					   vb->sites[i].name) < 0);
	}
	assert_true(fetch_state_head_hw(a, &h1));
	assert_true(fetch_state_head_hw(b, &h2));
	assert_int_equal(h1.serial, h2.serial);
	assert_memory_equal(h1.content, h2.content, RR_HASH_LEN);
	for (size_t i = 0; i < w->n; i++) {
		struct rrchain_site_cache c1, c2;
		fetch_state_site_cache(a, w->s[i].name, &c1);
		fetch_state_site_cache(b, w->s[i].name, &c2);
		assert_int_equal(c1.hw.set, c2.hw.set);
		assert_int_equal(c1.hw.serial, c2.hw.serial);
		assert_memory_equal(c1.hw.content, c2.hw.content,
				    RR_HASH_LEN);
		assert_int_equal(c1.has_key, c2.has_key);
		assert_memory_equal(c1.key, c2.key, RR_HASH_LEN);
	}
}

/* ---- 1. round trip ------------------------------------------------------- */

static void test_round_trip(void **state)
{
	struct fx *f = *state;
	struct fetch_state *st2, *st3;
	struct fetch_store *ro;
	enum fetch_store_found found;
	char *aside;

	assert_int_equal(save(f), 1);
	if (reload(f, T_NOW, &st2) != 0)
		fail_msg("load: %s", f->err);
	/* No signature is checked again: the store's bytes are checked
	 * against the content and keys they verified as. */
	assert_int_equal(f->rep.stats.heads_verified, 0);
	assert_int_equal(f->rep.stats.heads_stored, 1);
	assert_int_equal(f->rep.stats.pages_hashed, 3);
	assert_int_equal(f->rep.stats.sites_verified, 0);
	assert_int_equal(f->rep.stats.sites_cached, NSITES);
	assert_int_equal(count_events(&f->rep, FETCH_EV_HEAD_DROPPED), 0);
	assert_int_equal(count_events(&f->rep, FETCH_EV_SITE_DROPPED), 0);
	assert_same_state(f->st, st2, &f->w);
	/* The site rows hold the bytes DNS served, the page rows one
	 * binary entry per member. */
	for (size_t i = 0; i < NSITES; i++) {
		sqlite3_stmt *q = NULL;
		assert_int_equal(sqlite3_prepare_v2(fetch_store_db(f->store),
						    "SELECT rtype, rdata FROM "
						    "site WHERE name = ?", -1,
						    &q, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_bind_text(q, 1, f->w.s[i].name, -1,
						   SQLITE_STATIC), SQLITE_OK);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(q, 0), f->w.s[i].rd.type);
		assert_int_equal(sqlite3_column_bytes(q, 1), f->w.s[i].rd.len);
		assert_memory_equal(sqlite3_column_blob(q, 1),
				    f->w.s[i].rd.data, f->w.s[i].rd.len);
		sqlite3_finalize(q);
	}
	assert_int_equal(query_int(f->store, "SELECT count(*) FROM page_rr"),
			 NSITES);
	/* What was loaded is what is stored: saving it writes nothing. */
	assert_int_equal(save_st(f, st2), 0);

	/* A read-only open (--status) sees the same, while the writer
	 * holds the lock. */
	assert_int_equal(fetch_store_open(f->dir, FETCH_STORE_READONLY, &ro,
					  &found, &aside, f->err,
					  sizeof(f->err)), 0);
	assert_int_equal(found, FETCH_STORE_EXISTING);
	assert_null(aside);
	assert_int_equal(fetch_state_new(f->dir, &st3, f->err,
					 sizeof(f->err)), 0);
	fetch_merge_report_free(&f->rep);
	if (fetch_state_load(st3, ro, &f->w.cfg, T_NOW, &f->rep, f->err,
			     sizeof(f->err)) != 0)
		fail_msg("read-only load: %s", f->err);
	assert_same_state(f->st, st3, &f->w);
	fetch_state_free(st3);
	fetch_store_close(ro);
	fetch_state_free(st2);
}

/* A store with nothing in it (first run) loads as an empty state. */
static void test_empty_store(void **state)
{
	struct fx *f = *state;
	struct fetch_state *st2;
	struct rrchain_hw hw;

	assert_int_equal(reload(f, T_NOW, &st2), 0);
	assert_int_equal(f->rep.nevents, 0);
	assert_int_equal(fetch_state_view(st2)->nsites, 0);
	assert_string_equal(fetch_state_view(st2)->vpn, T_VPN);
	assert_false(fetch_state_head_hw(st2, &hw));
	assert_null(fetch_state_membership(st2));
	/* A first run may save. */
	assert_int_equal(save_st(f, st2), 1);
	fetch_state_free(st2);
	/* So may a state that was never loaded (nothing to compare). */
	assert_int_equal(save(f), 1);
}

/* ---- 2. property: every form of page, every size ------------------------- */

static const char *form_name(enum wform form)
{
	static const char *const names[] = {
		[W_TXT] = "TXT", [W_BIN] = "binary", [W_BOTH] = "both",
		[W_TXT_RESPLIT] = "TXT re-split", [W_MIXED] = "mixed",
	};

	return names[form];
}

/* How many RRs page P of a membership seen in FORM holds per entry. */
static size_t rrs_per_entry(enum wform form, size_t p)
{
	if (form == W_MIXED)
		form = (enum wform)(p % W_MIXED);
	return form == W_BOTH || form == W_TXT_RESPLIT ? 2 : 1;
}

/*
 * For N sites, one signed world; the state sees the pages in each of
 * FORMS in turn (after the first, a new head each time, so the pages
 * are fetched again while the site records, the same bytes, come from
 * the cache), is saved, and is loaded back from the store opened again,
 * which the next form then continues from.  Every load must give all N
 * sites, whatever the page RRsets held: the store keeps one binary
 * entry per member.
 */
static void check_forms(size_t n, const enum wform *forms, size_t nforms)
{
	struct fx fx, *f = &fx;
	struct fetch_state *st2;
	const struct rrchain_membership *m;
	char not_binary[128];

	(void)snprintf(not_binary, sizeof(not_binary),
		       "SELECT count(*) FROM page_rr WHERE rtype <> %d",
		       RR_TYPE_VPNRR);
	memset(f, 0, sizeof(*f));
	w_init(&f->w, n, RR_MAX_PAGE_MEMBERS);
	f->dir = h_tmpdir();
	f->store = h_store(f->dir);
	assert_int_equal(fetch_state_new(f->dir, &f->st, f->err,
					 sizeof(f->err)), 0);
	for (size_t k = 0; k < nforms; k++) {
		struct rrchain_stats stats = { 0 };
		struct rrchain_error e;
		w_page_form(&f->w, forms[k]);
		/* The refresh takes a page whose hash it holds from its
		 * state, so each form starts from an empty state: every page
		 * is fetched in this form. */
		if (k) {
			f->w.head_serial++;
			w_publish_head(&f->w);
			fetch_state_free(f->st);
			assert_int_equal(fetch_state_new(f->dir, &f->st, f->err,
							 sizeof(f->err)), 0);
		}
		fetch_merge_report_free(&f->rep);
		if (w_refresh(&f->w, f->st, T_NOW, &f->rep, &stats, &e) !=
		    RRCHAIN_OK)
			fail_msg("%zu sites, %s: refresh: %s", n,
				 form_name(forms[k]), e.msg);
		assert_int_equal(fetch_state_view(f->st)->nsites, n);
		assert_int_equal(stats.sites_verified, n);
		assert_int_equal(stats.sites_cached, 0);
		/* The pages really were taken from RRsets in this form. */
		m = fetch_state_membership(f->st);
		assert_non_null(m);
		assert_int_equal(m->head.rec.serial, f->w.head_serial);
		for (size_t p = 0; p < m->npages; p++) {
			assert_true(m->pages[p].nmembers <=
				    RR_MAX_PAGE_MEMBERS);
			assert_int_equal(m->pages[p].nraw,
					 rrs_per_entry(forms[k], p) *
						 m->pages[p].nmembers);
		}
		assert_int_equal(save(f), 1);
		assert_int_equal(query_int(f->store,
					   "SELECT count(*) FROM page_rr"), n);
		assert_int_equal(query_int(f->store, not_binary), 0);
		assert_true(query_int(f->store,
				      "SELECT coalesce(max(c), 0) FROM "
				      "(SELECT count(*) AS c FROM page_rr "
				      "GROUP BY page)") <= RR_MAX_PAGE_MEMBERS);
		if (reload(f, T_NOW, &st2) != 0)
			fail_msg("%zu sites, %s: load: %s", n,
				 form_name(forms[k]), f->err);
		if (fetch_state_view(st2)->nsites != n)
			fail_msg("%zu sites, %s: %zu loaded", n,
				 form_name(forms[k]),
				 fetch_state_view(st2)->nsites);
		assert_int_equal(count_events(&f->rep,
					      FETCH_EV_HEAD_DROPPED), 0);
		assert_int_equal(count_events(&f->rep,
					      FETCH_EV_SITE_DROPPED), 0);
		assert_int_equal(f->rep.stats.sites_verified, 0);
		assert_int_equal(f->rep.stats.sites_cached, n);
		if (n <= 64)
			assert_same_state(f->st, st2, &f->w);
		fetch_state_free(f->st);
		f->st = st2;
	}
	fetch_merge_report_free(&f->rep);
	fetch_state_free(f->st);
	fetch_store_close(f->store);
	w_free(&f->w);
	h_rm_rf(f->dir);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Every form for each size; at 10,000 sites (157 pages, each load
 * verifies every signature again) the forms share one membership, page
 * P in form P % 4, so that one load covers them all.  The bench runs any
 * single form at any size: fetch-core-bench 10000 both.
 */
static void test_page_forms(void **state)
{
	static const enum wform each[] = { W_TXT, W_BIN, W_BOTH,
					   W_TXT_RESPLIT, W_MIXED };
	static const enum wform mixed[] = { W_MIXED };
	static const size_t sizes[] = { 1, 33, 64, 1000, 10000 };

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		bool big = sizes[i] > 1000;
		double t = now_s();
		check_forms(sizes[i], big ? mixed : each,
			    big ? 1 : sizeof(each) / sizeof(each[0]));
		print_message("%zu sites, %s: %.2f s\n", sizes[i],
			      big ? "forms mixed" : "each form",
			      now_s() - t);
	}
}

/* ---- 3. nothing changed, nothing written --------------------------------- */

static void test_unchanged_save(void **state)
{
	struct fx *f = *state;
	sqlite3 *db = fetch_store_db(f->store);
	int before;

	assert_int_equal(save(f), 1);
	before = sqlite3_total_changes(db);
	assert_int_equal(save(f), 0);
	/* A refresh that finds everything as it was changes nothing. */
	assert_int_equal(refresh(f, f->st), RRCHAIN_OK);
	assert_false(f->rep.changed);
	assert_int_equal(save(f), 0);
	assert_int_equal(sqlite3_total_changes(db), before);
	/* One site's new record is written. */
	f->w.s[3].serial = 2;
	w_publish_site(&f->w, 3);
	assert_int_equal(refresh(f, f->st), RRCHAIN_OK);
	assert_int_equal(f->rep.updated, 1);
	assert_int_equal(save(f), 1);
	/* Exactly its row: the state is written in proportion to change. */
	assert_int_equal(sqlite3_total_changes(db) - before, 1);
	assert_int_equal(query_int(f->store, "SELECT hw_serial FROM site "
				   "WHERE name = 'loc0/s3'"), 2);
	assert_int_equal(save(f), 0);
}

/* A store of schema 1 (sites in a WITHOUT ROWID table, no verification
 * cache) is upgraded in place: every record is verified once more, then
 * saved with what it verified as, and the next load verifies none. */
static void test_upgrade_v1(void **state)
{
	struct fx *f = *state;
	struct fetch_state *st2;
	sqlite3 *db = NULL;

	assert_int_equal(save(f), 1);
	fetch_store_close(f->store);
	f->store = NULL;
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE,
					 NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
		"ALTER TABLE site RENAME TO s2;"
		"CREATE TABLE site(name TEXT PRIMARY KEY, hw_serial INTEGER,"
		" hw_content BLOB, owner TEXT, rtype INTEGER, rdata BLOB)"
		" WITHOUT ROWID;"
		"INSERT INTO site SELECT name, hw_serial, hw_content, owner,"
		" rtype, rdata FROM s2;"
		"DROP TABLE s2; PRAGMA user_version=1;", NULL, NULL, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	if (reload(f, T_NOW, &st2) != 0)
		fail_msg("load: %s", f->err);
	assert_int_equal(query_int(f->store, "PRAGMA user_version"), 3);
	assert_int_equal(fetch_state_view(st2)->nsites, NSITES);
	assert_int_equal(f->rep.stats.sites_verified, NSITES);
	assert_int_equal(save_st(f, st2), 1);
	assert_int_equal(query_int(f->store, "SELECT count(*) FROM site "
				   "WHERE skey IS NULL"), 0);
	fetch_state_free(st2);
	if (reload(f, T_NOW, &st2) != 0)
		fail_msg("load: %s", f->err);
	assert_int_equal(fetch_state_view(st2)->nsites, NSITES);
	assert_int_equal(f->rep.stats.sites_verified, 0);
	assert_int_equal(f->rep.stats.sites_cached, NSITES);
	fetch_state_free(st2);
}

/* A state staged in the caller's transaction is saved only if that
 * transaction commits, together with the owed actions. */
static void test_stage(void **state)
{
	struct fx *f = *state;
	struct fetch_owed o = { .kind = FETCH_OWED_RELOAD };
	struct fetch_owed *v;
	size_t n;

	assert_int_equal(save(f), 1); /* the state learns its store */
	f->w.s[0].serial = 2;
	w_publish_site(&f->w, 0);
	assert_int_equal(refresh(f, f->st), RRCHAIN_OK);

	/* Rolled back: neither the state nor the journal row stays. */
	assert_int_equal(fetch_store_begin(f->store, f->err, sizeof(f->err)),
			 0);
	assert_int_equal(fetch_state_stage(f->st, f->err, sizeof(f->err)), 1);
	assert_int_equal(fetch_store_owe(f->store, &o, f->err,
					 sizeof(f->err)), 0);
	fetch_store_rollback(f->store);
	fetch_state_staged(f->st, false);
	assert_int_equal(fetch_store_owed(f->store, &v, &n, f->err,
					  sizeof(f->err)), 0);
	assert_int_equal(n, 0);
	fetch_owed_free(v, n);
	assert_int_equal(query_int(f->store, "SELECT hw_serial FROM site "
				   "WHERE name = 'loc0/s0'"), 1);

	/* Committed: both are there, and the state counts as saved. */
	assert_int_equal(fetch_store_begin(f->store, f->err, sizeof(f->err)),
			 0);
	assert_int_equal(fetch_state_stage(f->st, f->err, sizeof(f->err)), 1);
	assert_int_equal(fetch_store_owe(f->store, &o, f->err,
					 sizeof(f->err)), 0);
	assert_int_equal(fetch_store_commit(f->store, f->err,
					    sizeof(f->err)), 0);
	fetch_state_staged(f->st, true);
	assert_int_equal(fetch_store_owed(f->store, &v, &n, f->err,
					  sizeof(f->err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, o.id);
	fetch_owed_free(v, n);
	assert_int_equal(query_int(f->store, "SELECT hw_serial FROM site "
				   "WHERE name = 'loc0/s0'"), 2);
	assert_int_equal(save(f), 0);
}

/* ---- 4. rollback protection across restarts ------------------------------ */

static void test_rollback_after_reload(void **state)
{
	struct fx *f = *state;
	struct wsite *s0 = &f->w.s[0];
	struct rrchain_blob old_site, old_head;
	struct fetch_state *st2;
	struct rrchain_site_cache c;
	struct rrchain_hw hw;

	h_blob_dup(&s0->rd, &old_site);  /* serial 1 */
	h_blob_dup(&f->w.head, &old_head);
	s0->serial = 3;
	w_publish_site(&f->w, 0);
	f->w.head_serial++;
	w_publish_head(&f->w);
	assert_int_equal(refresh(f, f->st), RRCHAIN_OK);
	assert_int_equal(v_find(f->st, s0->name)->site->serial, 3);
	assert_int_equal(save(f), 1);

	if (reload(f, T_NOW, &st2) != 0)
		fail_msg("load: %s", f->err);
	fetch_state_free(f->st);
	f->st = st2;
	assert_true(fetch_state_head_hw(f->st, &hw));
	assert_int_equal(hw.serial, f->w.head_serial);
	fetch_state_site_cache(f->st, s0->name, &c);
	assert_true(c.hw.set);
	assert_int_equal(c.hw.serial, 3);

	/* DNS replays the old site record and the old head. */
	free(s0->rd.data);
	h_blob_dup(&old_site, &s0->rd);
	{
		struct rrchain_stats stats = { 0 };
		struct rrchain_error e;
		fetch_merge_report_free(&f->rep);
		assert_int_equal(w_refresh(&f->w, f->st, T_NOW, &f->rep,
					   &stats, &e), RRCHAIN_OK);
		assert_int_equal(stats.rejected[RRCHAIN_R_ROLLBACK], 1);
	}
	assert_true(has_event(&f->rep, FETCH_EV_SITE_KEPT, s0->name, NULL));
	assert_int_equal(v_find(f->st, s0->name)->site->serial, 3);
	free(f->w.head.data);
	h_blob_dup(&old_head, &f->w.head);
	assert_int_equal(refresh(f, f->st), RRCHAIN_R_ROLLBACK);
	assert_int_equal(fetch_state_view(f->st)->nsites, NSITES);

	/* Even with the record itself gone from the store, its mark
	 * stays and the replay is refused. */
	assert_int_equal(save(f), 0);
	tamper(f, "UPDATE site SET owner = NULL, rtype = NULL, rdata = NULL "
		  "WHERE name = 'loc0/s0'");
	if (reload(f, T_NOW, &st2) != 0)
		fail_msg("load: %s", f->err);
	fetch_state_free(f->st);
	f->st = st2;
	assert_null(v_find(f->st, s0->name));
	fetch_state_site_cache(f->st, s0->name, &c);
	assert_true(c.hw.set);
	assert_int_equal(c.hw.serial, 3);
	w_publish_head(&f->w); /* the current head again */
	assert_int_equal(refresh(f, f->st), RRCHAIN_OK);
	assert_null(v_find(f->st, s0->name));
	assert_int_equal(fetch_state_view(f->st)->nsites, NSITES - 1);
	free(old_site.data);
	free(old_head.data);
}

/* Data that expired while the node was down is dropped at load; the
 * high-water marks survive, also through the next save. */
static void test_expired_at_load(void **state)
{
	struct fx *f = *state;
	struct fetch_state *st2;
	struct rrchain_hw hw;
	struct rrchain_site_cache c;

	assert_int_equal(save(f), 1);
	if (reload(f, T_END, &st2) != 0)
		fail_msg("%s", f->err);
	assert_int_equal(fetch_state_view(st2)->nsites, 0);
	assert_null(fetch_state_membership(st2));
	assert_true(has_event(&f->rep, FETCH_EV_HEAD_DROPPED, "", NULL));
	assert_true(fetch_state_head_hw(st2, &hw));
	assert_int_equal(hw.serial, f->w.head_serial);
	fetch_state_site_cache(st2, f->w.s[0].name, &c);
	assert_true(c.hw.set);
	assert_false(c.has_key);
	/* Something was dropped: the store is written afresh. */
	assert_int_equal(save_st(f, st2), 1);
	fetch_state_free(st2);
	assert_int_equal(reload(f, T_NOW, &st2), 0);
	assert_int_equal(fetch_state_view(st2)->nsites, 0);
	assert_true(fetch_state_head_hw(st2, &hw));
	assert_int_equal(hw.serial, f->w.head_serial);
	fetch_state_site_cache(st2, f->w.s[0].name, &c);
	assert_true(c.hw.set);
	fetch_state_free(st2);
}

/* A config that no longer trusts the anchor drops the stored head. */
static void test_anchor_removed(void **state)
{
	struct fx *f = *state;
	struct fetch_state *st2;

	assert_int_equal(save(f), 1);
	f->w.cfg.anchors[0] = f->w.anchor2.pub;
	if (reload(f, T_NOW, &st2) != 0)
		fail_msg("%s", f->err);
	assert_int_equal(fetch_state_view(st2)->nsites, 0);
	assert_int_equal(f->rep.events[0].kind, FETCH_EV_HEAD_DROPPED);
	assert_non_null(strstr(f->rep.events[0].msg, "not trusted"));
	fetch_state_free(st2);
}

/* ---- 5. damage ----------------------------------------------------------- */

/* A site row whose record is garbage: that site is dropped (and
 * reported), the others load; the next refresh fetches it again. */
static void test_damaged_site_row(void **state)
{
	struct fx *f = *state;
	struct fetch_state *st2;
	struct rrchain_site_cache c;

	assert_int_equal(save(f), 1);
	tamper(f, "UPDATE site SET rdata = x'00ff00ff6a756e6b6a756e6b' "
		  "WHERE name = 'loc0/s1'");
	if (reload(f, T_NOW, &st2) != 0)
		fail_msg("load: %s", f->err);
	assert_int_equal(fetch_state_view(st2)->nsites, NSITES - 1);
	assert_null(v_find(st2, "loc0/s1"));
	for (size_t i = 0; i < NSITES; i++)
		if (i != 1)
			assert_non_null(v_find(st2, f->w.s[i].name));
	assert_true(has_event(&f->rep, FETCH_EV_SITE_DROPPED, "loc0/s1",
			      NULL));
	assert_int_equal(count_events(&f->rep, FETCH_EV_SITE_DROPPED), 1);
	fetch_state_site_cache(st2, "loc0/s1", &c);
	assert_true(c.hw.set);
	assert_int_equal(c.hw.serial, 1);
	/* The damaged row is written afresh by the next save. */
	assert_int_equal(refresh(f, st2), RRCHAIN_OK);
	assert_int_equal(fetch_state_view(st2)->nsites, NSITES);
	assert_int_equal(save_st(f, st2), 1);
	fetch_state_free(st2);
	if (reload(f, T_NOW, &st2) != 0)
		fail_msg("load: %s", f->err);
	assert_int_equal(fetch_state_view(st2)->nsites, NSITES);
	assert_int_equal(f->rep.stats.sites_verified, 0);
	assert_int_equal(f->rep.stats.sites_cached, NSITES);
	fetch_state_free(st2);
}

/* Replaces FROM by TO (as long) in site NAME's stored record, through
 * a connection of its own. */
static void edit_site_record(struct fx *f, const char *name,
			     const char *from, const char *to)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	uint8_t *buf, *p;
	size_t len;

	assert_int_equal(strlen(from), strlen(to));
	fetch_store_close(f->store);
	f->store = NULL;
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE,
					 NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT rdata FROM site "
					    "WHERE name = ?", -1, &q, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	len = (size_t)sqlite3_column_bytes(q, 0);
	buf = malloc(len);
	assert_non_null(buf);
	memcpy(buf, sqlite3_column_blob(q, 0), len);
	sqlite3_finalize(q);
	p = memmem(buf, len, from, strlen(from));
	assert_non_null(p);
	memcpy(p, to, strlen(to));
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE site SET rdata = ? "
					    "WHERE name = ?", -1, &q, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_bind_blob(q, 1, buf, (int)len,
					   SQLITE_STATIC), SQLITE_OK);
	assert_int_equal(sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_DONE);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_finalize(q);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	free(buf);
}

/* A stored record edited into another valid one (another endpoint): its
 * signature fails at load. */
static void test_tampered_record(void **state)
{
	struct fx *f = *state;
	struct fetch_state *st2;

	assert_int_equal(save(f), 1);
	edit_site_record(f, "loc0/s2", "192.0.2.1:", "192.0.2.9:");
	if (reload(f, T_NOW, &st2) != 0)
		fail_msg("load: %s", f->err);
	assert_int_equal(fetch_state_view(st2)->nsites, NSITES - 1);
	assert_null(v_find(st2, "loc0/s2"));
	assert_true(has_event(&f->rep, FETCH_EV_SITE_DROPPED, "loc0/s2",
			      "no longer verifies"));
	assert_int_equal(f->rep.stats.rejected[RRCHAIN_R_SIGNATURE], 1);
	fetch_state_free(st2);
}

/* A garbage page row: the stored membership no longer verifies, every
 * site goes until the next refresh; the marks stay. */
static void test_damaged_page_row(void **state)
{
	struct fx *f = *state;
	struct fetch_state *st2;
	struct rrchain_hw hw;

	assert_int_equal(save(f), 1);
	tamper(f, "UPDATE page_rr SET rdata = x'0102030405' "
		  "WHERE page = 1 AND seq = 0");
	if (reload(f, T_NOW, &st2) != 0)
		fail_msg("load: %s", f->err);
	assert_true(has_event(&f->rep, FETCH_EV_HEAD_DROPPED, "", NULL));
	assert_int_equal(fetch_state_view(st2)->nsites, 0);
	assert_true(fetch_state_head_hw(st2, &hw));
	assert_int_equal(hw.serial, f->w.head_serial);
	assert_int_equal(refresh(f, st2), RRCHAIN_OK);
	assert_int_equal(fetch_state_view(st2)->nsites, NSITES);
	assert_int_equal(save_st(f, st2), 1);
	fetch_state_free(st2);
}

static void spill(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n >= 0);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* A store file that is garbage: a read-only open refuses it and leaves
 * it; a writing open moves it aside and starts afresh. */
static void test_damaged_file(void **state)
{
	struct fx *f = *state;
	struct fetch_store *s;
	struct fetch_state *st2;
	enum fetch_store_found found;
	char *aside = NULL;
	uint8_t junk[8192], *back;
	size_t len;
	struct rrchain_hw hw;

	assert_int_equal(save(f), 1);
	fetch_store_close(f->store);
	f->store = NULL;
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131 + 7);
	spill(f->path, junk, sizeof(junk));

	assert_int_equal(fetch_store_open(f->dir, FETCH_STORE_READONLY, &s,
					  &found, &aside, f->err,
					  sizeof(f->err)), -1);
	assert_null(s);
	assert_non_null(strstr(f->err, f->path));
	back = slurp(f->path, &len);
	assert_int_equal(len, sizeof(junk));
	free(back);

	assert_int_equal(fetch_store_open(f->dir, FETCH_STORE_WRITE, &s,
					  &found, &aside, f->err,
					  sizeof(f->err)), 0);
	f->store = s;
	assert_int_equal(found, FETCH_STORE_CORRUPT);
	assert_non_null(aside);
	assert_non_null(strstr(aside, "/state.db.corrupt-"));
	back = slurp(aside, &len);
	assert_int_equal(len, sizeof(junk));
	assert_memory_equal(back, junk, len);
	free(back);
	free(aside);

	/* The fresh store is empty and works. */
	assert_int_equal(fetch_state_new(f->dir, &st2, f->err,
					 sizeof(f->err)), 0);
	fetch_merge_report_free(&f->rep);
	assert_int_equal(fetch_state_load(st2, f->store, &f->w.cfg, T_NOW,
					  &f->rep, f->err, sizeof(f->err)), 0);
	assert_int_equal(fetch_state_view(st2)->nsites, 0);
	assert_false(fetch_state_head_hw(st2, &hw));
	assert_int_equal(refresh(f, st2), RRCHAIN_OK);
	assert_int_equal(save_st(f, st2), 1);
	fetch_state_free(st2);
	if (reload(f, T_NOW, &st2) != 0)
		fail_msg("load: %s", f->err);
	assert_int_equal(fetch_state_view(st2)->nsites, NSITES);
	fetch_state_free(st2);
}

/* A store SQLite finds sound but that lost a table or a column the code
 * reads (edited by hand) would fail every load alike: it is moved aside
 * like a damaged file, and the node starts afresh. */
static void lost_schema(struct fx *f, const char *sql)
{
	struct fetch_state *st2;
	enum fetch_store_found found;
	char *aside = NULL;
	sqlite3 *db = NULL;

	assert_int_equal(save(f), 1);
	fetch_store_close(f->store);
	f->store = NULL;
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE,
					 NULL), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_close(db), SQLITE_OK);

	assert_int_equal(fetch_store_open(f->dir, FETCH_STORE_WRITE, &f->store,
					  &found, &aside, f->err,
					  sizeof(f->err)), 0);
	assert_int_equal(found, FETCH_STORE_CORRUPT);
	assert_non_null(aside);
	free(aside);
	assert_int_equal(fetch_state_new(f->dir, &st2, f->err,
					 sizeof(f->err)), 0);
	fetch_merge_report_free(&f->rep);
	if (fetch_state_load(st2, f->store, &f->w.cfg, T_NOW, &f->rep, f->err,
			     sizeof(f->err)) != 0)
		fail_msg("%s: load: %s", sql, f->err);
	assert_int_equal(refresh(f, st2), RRCHAIN_OK);
	assert_int_equal(save_st(f, st2), 1);
	fetch_state_free(st2);
}

static void test_lost_table(void **state)
{
	lost_schema(*state, "DROP TABLE site");
}

static void test_lost_column(void **state)
{
	lost_schema(*state, "ALTER TABLE journal RENAME COLUMN deadline TO d");
}

/* ---- 6. another VPN's store ---------------------------------------------- */

static void test_foreign(void **state)
{
	struct fx *f = *state;
	struct fetch_config c = f->w.cfg; /* shallow: not freed */
	struct fetch_state *st2;

	assert_int_equal(save(f), 1);
	(void)snprintf(c.vpn, sizeof(c.vpn), "othervpn");
	assert_int_equal(reload_cfg(f, &c, T_NOW, &st2), -1);
	assert_non_null(strstr(f->err, f->path));
	assert_non_null(strstr(f->err, "holds VPN example"));
	assert_non_null(strstr(f->err, "says VPN othervpn"));
	fetch_state_free(st2);

	c = f->w.cfg;
	(void)snprintf(c.zone, sizeof(c.zone), "other.example.org");
	assert_int_equal(reload_cfg(f, &c, T_NOW, &st2), -1);
	assert_non_null(strstr(f->err, "zone vpn.example.org"));
	assert_non_null(strstr(f->err, "zone other.example.org"));
	fetch_state_free(st2);

	/* Refused, not touched: the right config still loads it. */
	assert_int_equal(reload(f, T_NOW, &st2), 0);
	assert_int_equal(fetch_state_view(st2)->nsites, NSITES);
	fetch_state_free(st2);
}

/* ---- 7. the journal and the lock ----------------------------------------- */

static void owed_check(const struct fetch_owed *got,
		       const struct fetch_owed *want)
{
	assert_int_equal(got->id, want->id);
	assert_int_equal(got->kind, want->kind);
	if (want->path)
		assert_string_equal(got->path, want->path);
	else
		assert_null(got->path);
	if (want->tmp)
		assert_string_equal(got->tmp, want->tmp);
	else
		assert_null(got->tmp);
	if (want->data) {
		assert_non_null(got->data);
		assert_int_equal(got->len, want->len);
		assert_memory_equal(got->data, want->data, want->len);
	}
	else
		assert_null(got->data);
	assert_int_equal(got->config, want->config);
	assert_int_equal(got->local, want->local);
}

/* A big journal, paid: its pages go back to the file system, so that a
 * start does not check megabytes of free pages. */
static void test_trim(void **state)
{
	struct fx *f = *state;
	enum { ROWS = 200, LEN = 64 * 1024 };
	uint8_t *data = calloc(1, LEN);
	int64_t ids[ROWS];
	int64_t before;

	assert_non_null(data);
	assert_int_equal(save(f), 1);
	before = query_int(f->store, "PRAGMA page_count");
	assert_int_equal(query_int(f->store, "PRAGMA auto_vacuum"), 2);
	assert_int_equal(fetch_store_begin(f->store, f->err, sizeof(f->err)),
			 0);
	for (size_t i = 0; i < ROWS; i++) {
		struct fetch_owed o = { .kind = FETCH_OWED_WRITE,
					.path = "/x/site.conf",
					.tmp = "/x/.site.conf.tmp",
					.data = data, .len = LEN };
		data[0] = (uint8_t)i;
		assert_int_equal(fetch_store_owe(f->store, &o, f->err,
						 sizeof(f->err)), 0);
		ids[i] = o.id;
	}
	assert_int_equal(fetch_store_commit(f->store, f->err, sizeof(f->err)),
			 0);
	assert_true(query_int(f->store, "PRAGMA page_count") >
		    before + ROWS * (LEN / 4096));
	assert_int_equal(fetch_store_begin(f->store, f->err, sizeof(f->err)),
			 0);
	assert_int_equal(fetch_store_paid(f->store, ids, ROWS, f->err,
					  sizeof(f->err)), 0);
	assert_int_equal(fetch_store_commit(f->store, f->err, sizeof(f->err)),
			 0);
	fetch_store_trim(f->store);
	assert_true(query_int(f->store, "PRAGMA freelist_count") < 256);
	assert_true(query_int(f->store, "PRAGMA page_count") < before + 256);
	/* Little left free: nothing to do, and nothing breaks. */
	fetch_store_trim(f->store);
	free(data);
}

static void test_journal(void **state)
{
	struct fx *f = *state;
	static uint8_t conf[] = "site x {\n};\n", keys[] = "key-bytes";
	struct fetch_owed o[] = {
		{ .kind = FETCH_OWED_WRITE, .path = "/etc/secnet/sites.conf",
		  .tmp = "/etc/secnet/.sites.conf.tmp", .data = conf,
		  .len = sizeof(conf) - 1, .config = true },
		{ .kind = FETCH_OWED_REMOVE, .path = "/etc/secnet/old.conf",
		  .config = true },
		{ .kind = FETCH_OWED_KEYS, .path = "/var/lib/keys/peer-a",
		  .data = keys, .len = sizeof(keys) - 1 },
		{ .kind = FETCH_OWED_KEYS, .path = "/var/lib/keys/self",
		  .data = keys, .len = 3, .local = true },
		{ .kind = FETCH_OWED_WRITE, .path = "/etc/secnet/empty.conf",
		  .tmp = "/etc/secnet/.empty.conf.tmp", .data = conf,
		  .len = 0 },
		{ .kind = FETCH_OWED_RELOAD },
	};
	const size_t no = sizeof(o) / sizeof(o[0]);
	struct fetch_owed *v;
	size_t n;
	int64_t ids[2];

	assert_string_equal(fetch_owed_kind_name(FETCH_OWED_WRITE), "write");
	assert_string_equal(fetch_owed_kind_name(FETCH_OWED_RELOAD),
			    "reload");
	assert_int_equal(fetch_store_owed(f->store, &v, &n, f->err,
					  sizeof(f->err)), 0);
	assert_int_equal(n, 0);
	fetch_owed_free(v, n);

	assert_int_equal(fetch_store_begin(f->store, f->err, sizeof(f->err)),
			 0);
	for (size_t i = 0; i < no; i++) {
		assert_int_equal(fetch_store_owe(f->store, &o[i], f->err,
						 sizeof(f->err)), 0);
		if (i)
			assert_true(o[i].id > o[i - 1].id);
	}
	assert_int_equal(fetch_store_commit(f->store, f->err, sizeof(f->err)),
			 0);

	/* As a new process finds them, in order. */
	reopen(f);
	assert_int_equal(fetch_store_owed(f->store, &v, &n, f->err,
					  sizeof(f->err)), 0);
	assert_int_equal(n, no);
	for (size_t i = 0; i < no; i++) {
		owed_check(&v[i], &o[i]);
		assert_int_equal(v[i].attempts, 0);
		assert_null(v[i].last_error);
	}
	fetch_owed_free(v, n);

	/* Some are done. */
	ids[0] = o[0].id;
	ids[1] = o[2].id;
	assert_int_equal(fetch_store_begin(f->store, f->err, sizeof(f->err)),
			 0);
	assert_int_equal(fetch_store_paid(f->store, ids, 2, f->err,
					  sizeof(f->err)), 0);
	assert_int_equal(fetch_store_commit(f->store, f->err, sizeof(f->err)),
			 0);
	assert_int_equal(fetch_store_owed(f->store, &v, &n, f->err,
					  sizeof(f->err)), 0);
	assert_int_equal(n, no - 2);
	owed_check(&v[0], &o[1]);
	owed_check(&v[1], &o[3]);
	owed_check(&v[2], &o[4]);
	owed_check(&v[3], &o[5]);
	fetch_owed_free(v, n);

	/* The reload fails twice: counted, the last reason kept. */
	assert_int_equal(fetch_store_reload_failed(f->store, o[5].id,
						   "exit status 1", f->err,
						   sizeof(f->err)), 0);
	assert_int_equal(fetch_store_reload_failed(f->store, o[5].id,
						   "killed by signal 9",
						   f->err, sizeof(f->err)), 0);
	reopen(f);
	assert_int_equal(fetch_store_owed(f->store, &v, &n, f->err,
					  sizeof(f->err)), 0);
	assert_int_equal(n, no - 2);
	assert_int_equal(v[3].kind, FETCH_OWED_RELOAD);
	assert_int_equal(v[3].attempts, 2);
	assert_non_null(v[3].last_error);
	assert_string_equal(v[3].last_error, "killed by signal 9");
	assert_int_equal(v[0].attempts, 0);
	fetch_owed_free(v, n);

	/* Rows owed in a transaction that rolls back never were. */
	assert_int_equal(fetch_store_begin(f->store, f->err, sizeof(f->err)),
			 0);
	assert_int_equal(fetch_store_owe(f->store, &o[1], f->err,
					 sizeof(f->err)), 0);
	fetch_store_rollback(f->store);
	assert_int_equal(fetch_store_owed(f->store, &v, &n, f->err,
					  sizeof(f->err)), 0);
	assert_int_equal(n, no - 2);
	fetch_owed_free(v, n);
}

/* Small named values. */
static void test_meta(void **state)
{
	struct fx *f = *state;
	uint8_t *val;
	size_t len;

	assert_int_equal(fetch_store_meta_get(f->store, "report", &val, &len,
					      f->err, sizeof(f->err)), 0);
	assert_null(val);
	assert_int_equal(fetch_store_begin(f->store, f->err, sizeof(f->err)),
			 0);
	assert_int_equal(fetch_store_meta_put(f->store, "report", "{\"a\":1}",
					      7, f->err, sizeof(f->err)), 0);
	assert_int_equal(fetch_store_meta_put(f->store, "empty", "", 0,
					      f->err, sizeof(f->err)), 0);
	assert_int_equal(fetch_store_commit(f->store, f->err, sizeof(f->err)),
			 0);
	reopen(f);
	assert_int_equal(fetch_store_meta_get(f->store, "report", &val, &len,
					      f->err, sizeof(f->err)), 1);
	assert_int_equal(len, 7);
	assert_string_equal((char *)val, "{\"a\":1}");
	free(val);
	assert_int_equal(fetch_store_meta_get(f->store, "empty", &val, &len,
					      f->err, sizeof(f->err)), 1);
	assert_int_equal(len, 0);
	free(val);
}

static void test_open_modes(void **state)
{
	struct fx *f = *state;
	struct fetch_store *s, *s2;
	struct fetch_state *st2;
	struct fetch_owed *v;
	enum fetch_store_found found;
	char *aside = NULL, absent[600];
	uint8_t *val;
	size_t n;
	struct stat sb;

	/* Read-only (--status, --dry-run) on a node that never ran: an
	 * empty state, and nothing created. */
	(void)snprintf(absent, sizeof(absent), "%s/absent", f->dir);
	assert_int_equal(fetch_store_open(absent, FETCH_STORE_READONLY, &s,
					  &found, &aside, f->err,
					  sizeof(f->err)), 0);
	assert_non_null(s);
	assert_int_equal(found, FETCH_STORE_MISSING);
	assert_null(aside);
	assert_null(fetch_store_db(s));
	assert_int_equal(fetch_state_new(absent, &st2, f->err,
					 sizeof(f->err)), 0);
	fetch_merge_report_free(&f->rep);
	assert_int_equal(fetch_state_load(st2, s, &f->w.cfg, T_NOW, &f->rep,
					  f->err, sizeof(f->err)), 0);
	assert_int_equal(fetch_state_view(st2)->nsites, 0);
	assert_int_equal(fetch_store_owed(s, &v, &n, f->err, sizeof(f->err)),
			 0);
	assert_int_equal(n, 0);
	fetch_owed_free(v, n);
	assert_int_equal(fetch_store_meta_get(s, "vpn", &val, &n, f->err,
					      sizeof(f->err)), 0);
	/* ... and it cannot be written to. */
	assert_int_equal(fetch_state_save(st2, s, f->err, sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "not open for writing"));
	fetch_state_free(st2);
	fetch_store_close(s);
	assert_int_equal(stat(absent, &sb), -1);
	assert_int_equal(errno, ENOENT);

	/* A second writer is refused while the first holds the store. */
	s = (struct fetch_store *)1; /* must come back NULL */
	assert_int_equal(fetch_store_open(f->dir, FETCH_STORE_WRITE, &s,
					  &found, &aside, f->err,
					  sizeof(f->err)), -1);
	assert_null(s);
	assert_null(aside);
	assert_non_null(strstr(f->err, "another vpnrr-fetch"));
	assert_non_null(strstr(f->err, f->dir));
	/* A reader is not. */
	assert_int_equal(fetch_store_open(f->dir, FETCH_STORE_READONLY, &s2,
					  &found, &aside, f->err,
					  sizeof(f->err)), 0);
	assert_int_equal(found, FETCH_STORE_EXISTING);
	fetch_store_close(s2);
	/* Once the first is closed, the next one gets it. */
	fetch_store_close(f->store);
	f->store = NULL;
	assert_int_equal(fetch_store_open(f->dir, FETCH_STORE_WRITE, &s,
					  &found, &aside, f->err,
					  sizeof(f->err)), 0);
	assert_int_equal(found, FETCH_STORE_EXISTING);
	f->store = s;
}

/* Lookups by name for many sites, including names that collide in
 * their first bytes. */
static void test_lookup(void **state)
{
	struct world w;
	struct fetch_state *st;
	struct fetch_merge_report rep = { 0 };
	struct rrchain_stats stats = { 0 };
	struct rrchain_error e;
	struct rrchain_site_cache c;
	char err[FETCH_STATE_ERRLEN];
	char *dir = h_tmpdir();

	(void)state;
	w_init(&w, 1000, 64);
	assert_int_equal(fetch_state_new(dir, &st, err, sizeof(err)), 0);
	assert_int_equal(w_refresh(&w, st, T_NOW, &rep, &stats, &e), RRCHAIN_OK);
	assert_int_equal(fetch_state_view(st)->nsites, 1000);
	for (size_t i = 0; i < 1000; i++) {
		fetch_state_site_cache(st, w.s[i].name, &c);
		assert_true(c.hw.set);
		assert_true(c.has_key);
		assert_non_null(v_find(st, w.s[i].name));
	}
	fetch_state_site_cache(st, "loc0/nosuch", &c);
	assert_false(c.hw.set);
	fetch_merge_report_free(&rep);
	fetch_state_free(st);
	w_free(&w);
	h_rm_rf(dir);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_round_trip),
		T(test_empty_store),
		cmocka_unit_test(test_page_forms),
		T(test_unchanged_save),
		T(test_stage),
		T(test_upgrade_v1),
		T(test_rollback_after_reload),
		T(test_expired_at_load),
		T(test_anchor_removed),
		T(test_damaged_site_row),
		T(test_tampered_record),
		T(test_damaged_page_row),
		T(test_damaged_file),
		T(test_lost_table),
		T(test_lost_column),
		T(test_foreign),
		T(test_journal),
		T(test_trim),
		T(test_meta),
		T(test_open_modes),
		cmocka_unit_test(test_lookup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
