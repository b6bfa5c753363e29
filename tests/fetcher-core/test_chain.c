/*
 * test_chain.c - one test per rule of docs/DESIGN.md's threat table: each
 * offers the fetcher an attack and checks it is rejected (with the right
 * reason, counted) and that the last good view is what remains.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"

#define NSITES 6
#define PER_PAGE 2

struct fx {
	char *dir;
	struct world w;
	struct fetch_store *store; /* opened by the first restart */
	struct fetch_state *st;
	struct fetch_merge_report rep;
	struct rrchain_stats stats;
	struct rrchain_error herr;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[FETCH_STATE_ERRLEN];

	if (!f)
		return -1;
	w_init(&f->w, NSITES, PER_PAGE);
	f->dir = h_tmpdir();
	if (fetch_state_new(f->dir, &f->st, err, sizeof(err)) != 0)
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

/* One refresh with a clean report and counters. */
static enum rrchain_reason refresh(struct fx *f, uint64_t now)
{
	fetch_merge_report_free(&f->rep);
	memset(&f->stats, 0, sizeof(f->stats));
	memset(&f->herr, 0, sizeof(f->herr));
	return w_refresh(&f->w, f->st, now, &f->rep, &f->stats, &f->herr);
}

static uint32_t site_serial(struct fx *f, const char *name)
{
	const struct fetch_site *s = v_find(f->st, name);

	assert_non_null(s);
	return s->site->serial;
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

/* Runs rrchain_verify_site for member entry NAME of the current state. */
static enum rrchain_reason site_check(struct fx *f, const char *name,
				    const struct rrchain_blob *rds, size_t n,
				    uint64_t now, struct rrchain_error *e)
{
	const struct fetch_site *s = v_find(f->st, name);
	struct rrchain_rdata rd[8];
	struct rrchain_site_cache cache;
	struct rrchain_site_result res;
	enum rrchain_reason r;

	assert_non_null(s);
	assert_true(n <= 8);
	rrchain_rdata_view(rds, n, rd);
	fetch_state_site_cache(f->st, name, &cache);
	memset(&f->stats, 0, sizeof(f->stats));
	r = rrchain_verify_site(FETCH_POLICY(&f->w.cfg), s->member, rd, n, now, &cache, &res,
			     &f->stats, e);
	rrchain_site_result_free(&res);
	return r;
}

/* Replaces the first occurrence of FROM with TO (same length) in B. */
static void patch(struct rrchain_blob *b, const char *from, const char *to)
{
	size_t l = strlen(from);

	assert_int_equal(l, strlen(to));
	for (size_t i = 0; i + l <= b->len; i++)
		if (memcmp(b->data + i, from, l) == 0) {
			memcpy(b->data + i, to, l);
			return;
		}
	fail_msg("\"%s\" not found in record", from);
}

/* The starting point of every test: all sites verified. */
static void baseline(struct fx *f)
{
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	assert_int_equal(fetch_state_view(f->st)->nsites, NSITES);
	assert_true(f->rep.changed);
}

/* ---- forged or altered record -------------------------------------------- */

static void test_forged(void **state)
{
	struct fx *f = *state;
	struct wsite *s0 = &f->w.s[0];
	struct rrchain_error e;

	baseline(f);
	/* Altered in transit: one value changed, signature kept. */
	s0->serial = 2;
	w_publish_site(&f->w, 0);
	patch(&s0->rd, "192.0.2.1:4500", "192.0.2.9:4500");
	assert_int_equal(site_check(f, s0->name, &s0->rd, 1, T_NOW, &e),
			 RRCHAIN_R_SIGNATURE);
	assert_non_null(strstr(e.msg, s0->at));
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	assert_int_equal(f->stats.rejected[RRCHAIN_R_SIGNATURE], 1);
	assert_int_equal(site_serial(f, s0->name), 1);
	assert_true(has_event(&f->rep, FETCH_EV_SITE_KEPT, s0->name, NULL));
	assert_false(f->rep.changed);

	/* Forged: signed by a key the membership does not list. */
	{
		struct rr_seckey real = s0->key;
		s0->key = f->w.rogue;
		w_publish_site(&f->w, 0);
		s0->key = real;
	}
	assert_int_equal(site_check(f, s0->name, &s0->rd, 1, T_NOW, &e),
			 RRCHAIN_R_KEY);
	assert_non_null(strstr(e.msg, "not trusted"));
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	assert_int_equal(f->stats.rejected[RRCHAIN_R_KEY], 1);
	assert_int_equal(site_serial(f, s0->name), 1);

	/* A forged head (rogue anchor) is refused; the last good stays. */
	f->w.signer = &f->w.rogue;
	f->w.head_serial++;
	s0->withdrawn = true; /* what the forger wants */
	w_publish(&f->w);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_R_KEY);
	assert_non_null(strstr(f->herr.msg, "_vpnrr." T_ZONE));
	assert_int_equal(fetch_state_view(f->st)->nsites, NSITES);
	assert_non_null(v_find(f->st, s0->name));

	/* An altered head: the forger edits n= of a real one. */
	f->w.signer = &f->w.anchor;
	w_publish(&f->w);
	{
		char from[16], to[16];
		(void)snprintf(from, sizeof(from), "; n=%d;", NSITES - 1);
		(void)snprintf(to, sizeof(to), "; n=%d;", NSITES - 2);
		patch(&f->w.head, from, to);
	}
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_R_SIGNATURE);
	assert_int_equal(f->stats.rejected[RRCHAIN_R_SIGNATURE], 1);
	assert_non_null(v_find(f->st, s0->name));
}

/* ---- substitution -------------------------------------------------------- */

static void test_substitution(void **state)
{
	struct fx *f = *state;
	struct wsite *s0 = &f->w.s[0], *s1 = &f->w.s[1];
	struct rrchain_blob saved = s0->rd, other = { 0 };
	struct rrchain_error e;
	struct rr_record *r;

	baseline(f);
	/* Site 1's genuine record served at site 0's name. */
	s0->rd = s1->rd;
	assert_int_equal(site_check(f, s0->name, &s0->rd, 1, T_NOW, &e),
			 RRCHAIN_R_NAME);
	assert_non_null(strstr(e.msg, s1->name));
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	assert_int_equal(f->stats.rejected[RRCHAIN_R_NAME], 1);
	assert_string_equal(v_find(f->st, s0->name)->site->site, s0->name);

	/* Site 0's own record for another VPN (same keys, same names). */
	r = h_site(s0, "othervpn");
	h_blob(r, false, &other);
	h_free(r);
	s0->rd = other;
	assert_int_equal(site_check(f, s0->name, &s0->rd, 1, T_NOW, &e),
			 RRCHAIN_R_NAME);
	assert_non_null(strstr(e.msg, "othervpn"));

	/* Site 0's record moved to another DNS name: the signature covers
	 * the owner name, so it fails there. */
	{
		char at[RR_MAX_NAME + 1];
		memcpy(at, s0->at, sizeof(at));
		(void)snprintf(s0->at, sizeof(s0->at), "_vpnrr.moved.example");
		r = h_site(s0, T_VPN);
		memcpy(s0->at, at, sizeof(at));
	}
	free(other.data);
	h_blob(r, false, &other);
	h_free(r);
	s0->rd = other;
	assert_int_equal(site_check(f, s0->name, &s0->rd, 1, T_NOW, &e),
			 RRCHAIN_R_SIGNATURE);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	assert_int_equal(site_serial(f, s0->name), 1);
	free(other.data);
	s0->rd = saved;

	/* A head of another VPN signed by the same anchor. */
	{
		struct fetch_config c = f->w.cfg;
		struct rrchain_rdata rd;
		struct rrchain_head h;
		struct rrchain_stats st = { 0 };
		(void)snprintf(c.vpn, sizeof(c.vpn), "othervpn");
		rrchain_rdata_view(&f->w.head, 1, &rd);
		assert_int_equal(rrchain_verify_head(FETCH_POLICY(&c), &rd, 1, T_NOW, NULL, &h,
						  &st, &e),
				 RRCHAIN_R_NAME);
		assert_non_null(strstr(e.msg, "othervpn"));
		/* ... or fetched under another zone's name. */
		c = f->w.cfg;
		(void)snprintf(c.zone, sizeof(c.zone), "other.example.org");
		assert_int_equal(rrchain_verify_head(FETCH_POLICY(&c), &rd, 1, T_NOW, NULL, &h,
						  &st, &e),
				 RRCHAIN_R_SIGNATURE);
	}
}

/* ---- rollback ------------------------------------------------------------ */

/* Saves F's state and loads it into a new one from a store opened
 * again, as after a restart. */
static void restart(struct fx *f, uint64_t now)
{
	char err[FETCH_STATE_ERRLEN];
	struct fetch_state *st2;

	if (!f->store)
		f->store = h_store(f->dir);
	if (fetch_state_save(f->st, f->store, err, sizeof(err)) < 0)
		fail_msg("save: %s", err);
	fetch_state_free(f->st);
	f->st = NULL;
	fetch_store_close(f->store);
	f->store = h_store(f->dir);
	assert_int_equal(fetch_state_new(f->dir, &st2, err, sizeof(err)), 0);
	f->st = st2;
	fetch_merge_report_free(&f->rep);
	if (fetch_state_load(st2, f->store, &f->w.cfg, now, &f->rep, err,
			     sizeof(err)))
		fail_msg("load: %s", err);
}

/* DNS serves a copy of B at site I's name (w_publish_site restores). */
static void serve_site(struct fx *f, size_t i, const struct rrchain_blob *b)
{
	free(f->w.s[i].rd.data);
	h_blob_dup(b, &f->w.s[i].rd);
}

/* DNS serves a copy of B as the head (w_publish restores). */
static void serve_head(struct fx *f, const struct rrchain_blob *b)
{
	free(f->w.head.data);
	h_blob_dup(b, &f->w.head);
}

static void test_rollback(void **state)
{
	struct fx *f = *state;
	struct wsite *s0 = &f->w.s[0];
	struct rrchain_blob old_site, old_head, both[2];
	struct rrchain_error e;
	struct rrchain_hw hw;

	baseline(f);
	h_blob_dup(&s0->rd, &old_site);      /* site 0, serial 1 */
	h_blob_dup(&f->w.head, &old_head);   /* the first head */
	s0->serial = 5;
	f->w.head_serial += 10;
	w_publish(&f->w);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	assert_int_equal(site_serial(f, s0->name), 5);

	/* Offered together, the newer record wins. */
	both[0] = old_site;
	both[1] = s0->rd;
	assert_int_equal(site_check(f, s0->name, both, 2, T_NOW, &e), RRCHAIN_OK);
	/* The old site record alone: genuine, valid, and refused. */
	serve_site(f, 0, &old_site);
	assert_int_equal(site_check(f, s0->name, &s0->rd, 1, T_NOW, &e),
			 RRCHAIN_R_ROLLBACK);
	assert_non_null(strstr(e.msg, "serial 1 is older than 5"));
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	assert_int_equal(f->stats.rejected[RRCHAIN_R_ROLLBACK], 1);
	assert_int_equal(site_serial(f, s0->name), 5);

	/* The old head, likewise. */
	serve_head(f, &old_head);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_R_ROLLBACK);
	assert_non_null(strstr(f->herr.msg, "rollback"));
	assert_true(fetch_state_head_hw(f->st, &hw));
	assert_int_equal(hw.serial, f->w.head_serial);

	/* Same serial, other content: a fork (or the replay of a version
	 * the admin withdrew) is refused as well. */
	f->w.hx = T_END - 1;
	w_publish(&f->w);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_R_FORK);
	assert_non_null(strstr(f->herr.msg, "other content"));
	f->w.hx = T_END;
	w_publish(&f->w);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);

	/* The merge itself refuses a membership older than its mark, even
	 * one whose chain checks ran without it. */
	{
		struct rrchain_membership m;
		struct rrchain_rdata rd[PER_PAGE];
		struct rrchain_site_result none;
		char err[FETCH_STATE_ERRLEN];
		memset(&m, 0, sizeof(m));
		rrchain_rdata_view(&old_head, 1, rd);
		assert_int_equal(rrchain_verify_head(FETCH_POLICY(&f->w.cfg), rd, 1, T_NOW, NULL,
						  &m.head, &f->stats, &e),
				 RRCHAIN_OK);
		m.pages = calloc(m.head.rec.npages, sizeof(*m.pages));
		assert_non_null(m.pages);
		for (size_t i = 0; i < m.head.rec.npages; i++) {
			rrchain_rdata_view(f->w.pages[i].rrs, f->w.pages[i].n,
					 rd);
			m.npages++;
			assert_int_equal(rrchain_verify_page(FETCH_POLICY(&f->w.cfg),
							  m.head.rec.pages[i],
							  rd, f->w.pages[i].n,
							  T_NOW, &m.pages[i],
							  &f->stats, &e),
					 RRCHAIN_OK);
		}
		memset(&none, 0, sizeof(none));
		fetch_merge_report_free(&f->rep);
		assert_int_equal(fetch_state_merge(f->st, &f->w.cfg, T_NOW, &m,
						   &none, 0, &f->rep, err,
						   sizeof(err)), 0);
		assert_true(has_event(&f->rep, FETCH_EV_HEAD_REJECTED, "",
				      "high-water"));
		assert_true(fetch_state_head_hw(f->st, &hw));
		assert_int_equal(hw.serial, f->w.head_serial);
		assert_int_equal(fetch_state_view(f->st)->nsites, NSITES);
	}

	/* After a restart the marks still hold. */
	restart(f, T_NOW);
	assert_true(fetch_state_head_hw(f->st, &hw));
	assert_int_equal(hw.serial, f->w.head_serial);
	assert_int_equal(site_serial(f, s0->name), 5);
	serve_head(f, &old_head);
	serve_site(f, 0, &old_site);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_R_ROLLBACK);
	assert_int_equal(site_check(f, s0->name, &s0->rd, 1, T_NOW, &e),
			 RRCHAIN_R_ROLLBACK);
	assert_int_equal(site_serial(f, s0->name), 5);
	w_publish(&f->w);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	assert_int_equal(site_serial(f, s0->name), 5);
	free(old_site.data);
	free(old_head.data);
}

/* ---- freeze -------------------------------------------------------------- */

static bool expiring_has(const struct fetch_expiring *v, size_t n,
			 enum rr_kind k, const char *needle)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].kind == k && strstr(v[i].name, needle))
			return true;
	return false;
}

static void test_freeze(void **state)
{
	struct fx *f = *state;
	struct wsite *s0 = &f->w.s[0], *s1 = &f->w.s[1];
	const uint64_t day = 86400, week = 7 * day;
	struct fetch_expiring *ex;
	struct rrchain_blob stale;
	size_t n;

	baseline(f);
	assert_int_equal(fetch_state_expiring(f->st, T_NOW, week, &ex, &n), 0);
	assert_int_equal(n, 0);
	free(ex);
	/* Long-lived objects warn a quarter of their life ahead (here
	 * about 579 days), loudly a sixteenth ahead (about 145 days). */
	assert_int_equal(fetch_state_expiring(f->st, T_END - 300 * day, week,
					      &ex, &n), 0);
	assert_int_equal(n, 1 + 2 * NSITES);
	for (size_t i = 0; i < n; i++)
		assert_false(ex[i].severe);
	free(ex);
	assert_int_equal(fetch_state_expiring(f->st, T_END - 100 * day, week,
					      &ex, &n), 0);
	assert_int_equal(n, 1 + 2 * NSITES);
	for (size_t i = 0; i < n; i++)
		assert_true(ex[i].severe);
	free(ex);
	/* Site 0 expires in 3 days, member 1 in 2, the head in 5. */
	s0->serial = 2;
	s0->sx = T_NOW + 3 * day;
	s1->mx = T_NOW + 2 * day;
	f->w.head_serial++;
	f->w.hx = T_NOW + 5 * day;
	w_publish(&f->w);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	assert_int_equal(fetch_state_expiring(f->st, T_NOW, week, &ex, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ex[0].kind, RR_KIND_MEMBER);
	assert_non_null(strstr(ex[0].name, s1->name));
	assert_int_equal(ex[1].kind, RR_KIND_SITE);
	assert_non_null(strstr(ex[1].name, s0->name));
	assert_int_equal(ex[2].kind, RR_KIND_HEAD);
	assert_string_equal(ex[2].name, "_vpnrr." T_ZONE);
	assert_true(ex[2].severe);
	free(ex);
	assert_int_equal(fetch_state_expiring(f->st, T_NOW + day, day, &ex,
					      &n), 0);
	assert_true(expiring_has(ex, n, RR_KIND_MEMBER, s1->name));
	assert_true(expiring_has(ex, n, RR_KIND_HEAD, T_ZONE));
	free(ex);

	/* Day 2: member 1 has expired (the admin stopped renewing it). */
	assert_int_equal(refresh(f, T_NOW + 2 * day), RRCHAIN_OK);
	assert_null(v_find(f->st, s1->name));
	assert_true(has_event(&f->rep, FETCH_EV_SITE_DROPPED, s1->name,
			      "membership expired"));
	assert_int_equal(f->rep.stats.rejected[RRCHAIN_R_EXPIRED], 1);

	/* Day 3: DNS keeps serving site 0's stale record: refused, and the
	 * last good (the same record) is dropped too. */
	h_blob_dup(&s0->rd, &stale);
	assert_int_equal(refresh(f, T_NOW + 3 * day), RRCHAIN_OK);
	assert_null(v_find(f->st, s0->name));
	assert_true(has_event(&f->rep, FETCH_EV_SITE_DROPPED, s0->name,
			      "expired"));
	assert_int_equal(f->stats.rejected[RRCHAIN_R_EXPIRED], 1);
	assert_int_equal(fetch_state_view(f->st)->nsites, NSITES - 2);

	/* A new head that still lists an expired member: that entry is
	 * refused when the page is checked. */
	f->w.head_serial++;
	w_publish(&f->w);
	assert_int_equal(refresh(f, T_NOW + 3 * day), RRCHAIN_OK);
	assert_int_equal(f->stats.rejected[RRCHAIN_R_EXPIRED], 2);
	assert_true(has_event(&f->rep, FETCH_EV_MEMBER_REJECTED, s1->name,
			      "expired"));
	assert_null(v_find(f->st, s1->name));

	/* Day 5: the head is replayed after its expiry: refused, and the
	 * whole membership goes with the last good head. */
	assert_int_equal(refresh(f, T_NOW + 5 * day), RRCHAIN_R_EXPIRED);
	assert_int_equal(fetch_state_view(f->st)->nsites, 0);
	assert_true(has_event(&f->rep, FETCH_EV_HEAD_DROPPED, "", "expired"));
	assert_null(fetch_state_membership(f->st));
	free(stale.data);
}

/* ---- mix-and-match ------------------------------------------------------- */

static void test_mix_and_match(void **state)
{
	struct fx *f = *state;
	struct rrchain_blob *old_rrs;
	size_t old_n;
	uint8_t old_hash[RR_HASH_LEN];
	struct rrchain_rdata rd[PER_PAGE];
	struct rrchain_page pg;
	struct rrchain_error e;
	struct rrchain_stats st = { 0 };

	baseline(f);
	/* Take page 1 of this head version ... */
	old_n = f->w.pages[0].n;
	old_rrs = calloc(old_n, sizeof(*old_rrs));
	assert_non_null(old_rrs);
	for (size_t i = 0; i < old_n; i++)
		h_blob_dup(&f->w.pages[0].rrs[i], &old_rrs[i]);
	memcpy(old_hash, f->w.pages[0].hash, RR_HASH_LEN);
	/* ... then the admin changes site 0's membership. */
	snprintf(f->w.s[0].mnets, sizeof(f->w.s[0].mnets),
		 "10.0.0.0/24,fd00::/48");
	f->w.head_serial++;
	w_publish(&f->w);
	assert_memory_not_equal(old_hash, f->w.pages[0].hash, RR_HASH_LEN);

	/* The old page offered under the new head's hash. */
	rrchain_rdata_view(old_rrs, old_n, rd);
	assert_int_equal(rrchain_verify_page(FETCH_POLICY(&f->w.cfg), f->w.pages[0].hash, rd,
					  old_n, T_NOW, &pg, &st, &e),
			 RRCHAIN_R_HASH);
	assert_non_null(strstr(e.msg, "mix-and-match"));
	assert_int_equal(st.pages_hashed, 1);
	assert_int_equal(st.rejected[RRCHAIN_R_HASH], 1);
	/* One entry of page 2 mixed into page 1: also refused. */
	{
		struct rrchain_blob mixed[PER_PAGE] = { f->w.pages[0].rrs[0],
						      f->w.pages[1].rrs[0] };
		rrchain_rdata_view(mixed, PER_PAGE, rd);
		assert_int_equal(rrchain_verify_page(FETCH_POLICY(&f->w.cfg),
						  f->w.pages[0].hash, rd,
						  PER_PAGE, T_NOW, &pg, &st,
						  &e),
				 RRCHAIN_R_HASH);
	}

	/* Through DNS: the old page is served at the new page's name.  The
	 * new head fails as a whole and the last good membership stays. */
	{
		struct rrchain_blob *cur = f->w.pages[0].rrs;
		f->w.pages[0].rrs = old_rrs;
		assert_int_equal(refresh(f, T_NOW), RRCHAIN_R_HASH);
		f->w.pages[0].rrs = cur;
	}
	assert_int_equal(v_find(f->st, f->w.s[0].name)->member->nnets, 1);
	assert_int_equal(fetch_state_view(f->st)->nsites, NSITES);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	assert_int_equal(v_find(f->st, f->w.s[0].name)->member->nnets, 2);

	/* Pages given in another order than the head lists them. */
	{
		struct rrchain_membership m;
		struct rrchain_rdata hr;
		memset(&m, 0, sizeof(m));
		rrchain_rdata_view(&f->w.head, 1, &hr);
		assert_int_equal(rrchain_verify_head(FETCH_POLICY(&f->w.cfg), &hr, 1, T_NOW,
						  NULL, &m.head, &st, &e),
				 RRCHAIN_OK);
		m.pages = calloc(f->w.npages, sizeof(*m.pages));
		assert_non_null(m.pages);
		for (size_t i = 0; i < f->w.npages; i++) {
			size_t j = (i + 1) % f->w.npages; /* rotated */
			rrchain_rdata_view(f->w.pages[j].rrs, f->w.pages[j].n,
					 rd);
			m.npages++;
			assert_int_equal(rrchain_verify_page(FETCH_POLICY(&f->w.cfg),
							  f->w.pages[j].hash,
							  rd, f->w.pages[j].n,
							  T_NOW, &m.pages[i],
							  &st, &e),
					 RRCHAIN_OK);
		}
		assert_int_equal(rrchain_verify_members(&m, &st, &e),
				 RRCHAIN_R_HASH);
		assert_non_null(strstr(e.msg, "is not page 1"));
		rrchain_membership_free(&m);
	}

	/* A head whose n= does not match its pages. */
	f->w.n_delta = 1;
	f->w.head_serial++;
	w_publish(&f->w);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_R_COUNT);
	assert_non_null(strstr(f->herr.msg, "n=7"));
	rrchain_blobs_free(old_rrs, old_n);
}

/* ---- network hijack ------------------------------------------------------ */

static void assert_no_overlap(const struct fetch_view *v)
{
	for (size_t a = 0; a < v->nsites; a++)
		for (size_t b = a + 1; b < v->nsites; b++)
			for (size_t i = 0; i < v->sites[a].site->nnets; i++)
				for (size_t j = 0; j < v->sites[b].site->nnets;
				     j++)
					assert_false(rr_prefix_overlap(
						&v->sites[a].site->nets[i],
						&v->sites[b].site->nets[j]));
}

static void test_hijack_outside(void **state)
{
	struct fx *f = *state;
	struct wsite *s0 = &f->w.s[0];
	struct rrchain_error e;

	baseline(f);
	/* Site 0 announces a /16 around its authorized /24. */
	s0->serial = 2;
	snprintf(s0->snets, sizeof(s0->snets), "10.0.0.0/16");
	w_publish_site(&f->w, 0);
	assert_int_equal(site_check(f, s0->name, &s0->rd, 1, T_NOW, &e),
			 RRCHAIN_R_OUTSIDE);
	assert_non_null(strstr(e.msg, "10.0.0.0/16"));
	/* Or a second prefix elsewhere: the message names that one. */
	snprintf(s0->snets, sizeof(s0->snets), "10.0.0.0/25,10.0.3.0/24");
	w_publish_site(&f->w, 0);
	assert_int_equal(site_check(f, s0->name, &s0->rd, 1, T_NOW, &e),
			 RRCHAIN_R_OUTSIDE);
	assert_non_null(strstr(e.msg, "announces 10.0.3.0/24"));
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	assert_int_equal(f->stats.rejected[RRCHAIN_R_OUTSIDE], 1);
	assert_int_equal(site_serial(f, s0->name), 1);
	/* Inside (a sub-prefix) is fine. */
	snprintf(s0->snets, sizeof(s0->snets), "10.0.0.0/25,10.0.0.128/26");
	w_publish_site(&f->w, 0);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	assert_int_equal(site_serial(f, s0->name), 2);
	assert_no_overlap(fetch_state_view(f->st));

	/* VPN-wide restrict-nets (a config change, so a restart): members
	 * outside it are unusable. */
	assert_int_equal(rr_prefix_parse("10.0.0.0/22",
					 &f->w.cfg.restrict_nets[0], NULL),
			 RR_OK);
	f->w.cfg.nrestrict = 1;
	restart(f, T_NOW);
	assert_int_equal(fetch_state_view(f->st)->nsites, 4);
	assert_null(v_find(f->st, f->w.s[4].name));
	assert_true(has_event(&f->rep, FETCH_EV_MEMBER_REJECTED,
			      f->w.s[4].name, "outside restrict-nets"));
	assert_int_equal(f->rep.stats.rejected[RRCHAIN_R_OUTSIDE], 2);
	/* ... and a new head is checked the same way. */
	f->w.head_serial++;
	w_publish(&f->w);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	assert_int_equal(fetch_state_view(f->st)->nsites, 4);
	assert_int_equal(f->stats.rejected[RRCHAIN_R_OUTSIDE], 2);
}

static void test_hijack_overlap(void **state)
{
	struct fx *f = *state;
	struct wsite *s0 = &f->w.s[0], *s1 = &f->w.s[1];
	struct wsite *s2 = &f->w.s[2], *s3 = &f->w.s[3];

	baseline(f);
	/* The admin (or a forger with the anchor) gives site 1 a /23 that
	 * holds site 0's /24; and sites 2 and 3 overlap in IPv6 only. */
	snprintf(s1->mnets, sizeof(s1->mnets), "10.0.0.0/23");
	snprintf(s2->mnets, sizeof(s2->mnets), "10.0.2.0/24,fd00:2::/48");
	snprintf(s3->mnets, sizeof(s3->mnets), "10.0.3.0/24,fd00:2:0:1::/64");
	f->w.head_serial++;
	w_publish(&f->w);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	assert_int_equal(f->stats.rejected[RRCHAIN_R_OVERLAP], 4);
	/* Both of each pair are refused, each message naming the other. */
	assert_true(has_event(&f->rep, FETCH_EV_MEMBER_REJECTED, s0->name,
			      s1->name));
	assert_true(has_event(&f->rep, FETCH_EV_MEMBER_REJECTED, s1->name,
			      s0->name));
	assert_true(has_event(&f->rep, FETCH_EV_MEMBER_REJECTED, s2->name,
			      "fd00:2::/48"));
	assert_true(has_event(&f->rep, FETCH_EV_MEMBER_REJECTED, s3->name,
			      "fd00:2:0:1::/64"));
	assert_int_equal(fetch_state_view(f->st)->nsites, NSITES - 4);
	assert_no_overlap(fetch_state_view(f->st));

	/* Duplicate site names, here differing only in case (they share
	 * one member DNS name): both entries are refused. */
	snprintf(s1->mnets, sizeof(s1->mnets), "10.0.1.0/24");
	snprintf(s3->mnets, sizeof(s3->mnets), "10.0.3.0/24");
	memcpy(s1->name, s0->name, sizeof(s1->name));
	s1->name[0] = 'L';
	/* A name that sorts between the two when case counts. */
	snprintf(s2->name, sizeof(s2->name), "Mid/s2");
	f->w.head_serial++;
	w_publish(&f->w);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	assert_int_equal(f->stats.rejected[RRCHAIN_R_DUPLICATE], 2);
	assert_true(has_event(&f->rep, FETCH_EV_MEMBER_REJECTED, s0->name,
			      "listed twice"));
	assert_true(has_event(&f->rep, FETCH_EV_MEMBER_REJECTED, s1->name,
			      s0->name));
	assert_null(v_find(f->st, s0->name));
	assert_null(v_find(f->st, s1->name));
	assert_non_null(v_find(f->st, s2->name));
	assert_non_null(v_find(f->st, s3->name));
}

/* Many members with nested and adjacent nets: exactly the overlapping
 * ones are found, and the final view never overlaps. */
static void test_overlap_many(void **state)
{
	struct world w;
	struct fetch_state *st;
	struct fetch_merge_report rep = { 0 };
	struct rrchain_stats stats = { 0 };
	struct rrchain_error e;
	char err[FETCH_STATE_ERRLEN];
	char *dir = h_tmpdir();
	size_t rejected = 0;

	(void)state;
	w_init(&w, 200, 64);
	/* Sites 10, 20, ... claim a /23 holding their own /24 and the
	 * next one's: each such pair overlaps. */
	for (size_t i = 10; i < 200; i += 10)
		snprintf(w.s[i].mnets, sizeof(w.s[i].mnets), "10.0.%zu.0/23",
			 i);
	w_publish(&w);
	assert_int_equal(fetch_state_new(dir, &st, err, sizeof(err)), 0);
	assert_int_equal(w_refresh(&w, st, T_NOW, &rep, &stats, &e), RRCHAIN_OK);
	for (size_t i = 0; i < rep.nevents; i++)
		rejected += rep.events[i].kind == FETCH_EV_MEMBER_REJECTED;
	assert_int_equal(rejected, 2 * 19);
	assert_int_equal(fetch_state_view(st)->nsites, 200 - 2 * 19);
	assert_no_overlap(fetch_state_view(st));
	fetch_merge_report_free(&rep);
	fetch_state_free(st);
	w_free(&w);
	h_rm_rf(dir);
}

/* ---- revocation ---------------------------------------------------------- */

static void test_revocation(void **state)
{
	struct fx *f = *state;
	struct wsite *s2 = &f->w.s[2], *s3 = &f->w.s[3];
	struct rrchain_site_cache cache;
	struct rrchain_blob old;

	baseline(f);
	h_blob_dup(&s2->rd, &old);   /* serial 1 */
	s2->serial = 3;
	w_publish_site(&f->w, 2);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	/* Membership withdrawn: gone at the next refresh. */
	s2->withdrawn = true;
	f->w.head_serial++;
	w_publish(&f->w);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	assert_null(v_find(f->st, s2->name));
	assert_true(has_event(&f->rep, FETCH_EV_SITE_REMOVED, s2->name,
			      "revoked"));
	assert_int_equal(f->rep.removed, 1);
	/* Its high-water mark stays (also across a restart): re-admitted,
	 * the site cannot be fed its old record. */
	fetch_state_site_cache(f->st, s2->name, &cache);
	assert_true(cache.hw.set);
	assert_int_equal(cache.hw.serial, 3);
	assert_false(cache.has_key);
	restart(f, T_NOW);
	s2->withdrawn = false;
	f->w.head_serial++;
	w_publish(&f->w);
	free(s2->rd.data);
	s2->rd = old;
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	assert_null(v_find(f->st, s2->name));
	assert_int_equal(f->stats.rejected[RRCHAIN_R_ROLLBACK], 1);
	w_publish_site(&f->w, 2);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	assert_int_equal(site_serial(f, s2->name), 3);

	/* Site 3's record key is compromised: the admin lists a new one.
	 * DNS (the attacker) keeps serving the record signed with the old
	 * key: refused, and the last good record, signed by the same old
	 * key, is dropped at once rather than kept until it expires. */
	h_blob_dup(&s3->rd, &old);
	h_seckey(&s3->key, 4242);
	f->w.head_serial++;
	w_publish(&f->w);
	free(s3->rd.data);
	s3->rd = old;
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	assert_null(v_find(f->st, s3->name));
	assert_true(has_event(&f->rep, FETCH_EV_SITE_DROPPED, s3->name,
			      "not trusted"));
	/* Once the owner re-signs with the new key, the site is back. */
	w_publish_site(&f->w, 3);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	assert_non_null(v_find(f->st, s3->name));
}

/* ---- failed refresh ------------------------------------------------------ */

static void test_failed_refresh(void **state)
{
	struct fx *f = *state;
	struct wsite *s0 = &f->w.s[0], *s1 = &f->w.s[1];

	baseline(f);
	s0->serial = 2;
	s0->sx = T_NOW + 1000;
	f->w.hx = T_NOW + 5000;
	f->w.head_serial++;
	w_publish(&f->w);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);

	/* Site 0's DNS fails: its last good record stays until x=. */
	s0->fail = true;
	assert_int_equal(refresh(f, T_NOW + 500), RRCHAIN_OK);
	assert_int_equal(site_serial(f, s0->name), 2);
	assert_true(has_event(&f->rep, FETCH_EV_SITE_KEPT, s0->name, NULL));
	assert_int_equal(f->rep.kept, 1);
	assert_int_equal(refresh(f, T_NOW + 999), RRCHAIN_OK);
	assert_non_null(v_find(f->st, s0->name));
	assert_int_equal(refresh(f, T_NOW + 1000), RRCHAIN_OK);
	assert_null(v_find(f->st, s0->name));
	assert_true(has_event(&f->rep, FETCH_EV_SITE_DROPPED, s0->name,
			      "expired"));

	/* The head's DNS fails: the last good membership stays, and site
	 * records are still fetched by it. */
	f->w.head_fail = true;
	s1->serial = 2;
	w_publish_site(&f->w, 1);
	assert_int_equal(refresh(f, T_NOW + 2000), RRCHAIN_R_MISSING);
	assert_int_equal(fetch_state_view(f->st)->nsites, NSITES - 1);
	assert_int_equal(site_serial(f, s1->name), 2);
	assert_int_equal(refresh(f, T_NOW + 4999), RRCHAIN_R_MISSING);
	assert_int_equal(fetch_state_view(f->st)->nsites, NSITES - 1);
	/* ... until the head expires. */
	assert_int_equal(refresh(f, T_NOW + 5000), RRCHAIN_R_MISSING);
	assert_int_equal(fetch_state_view(f->st)->nsites, 0);
	assert_true(f->rep.changed);
}

/* ---- unchanged bytes ----------------------------------------------------- */

static void test_cache(void **state)
{
	struct fx *f = *state;
	struct wsite *s1 = &f->w.s[1];

	baseline(f);
	assert_int_equal(f->stats.sites_verified, NSITES);
	assert_int_equal(f->stats.sites_cached, 0);
	assert_int_equal(f->stats.heads_verified, 1);
	assert_int_equal(f->stats.pages_hashed, 3);
	assert_int_equal(f->stats.members_checked, NSITES);

	/* Nothing changed: no signature is checked again. */
	assert_int_equal(refresh(f, T_NOW + 10), RRCHAIN_OK);
	assert_int_equal(f->stats.sites_verified, 0);
	assert_int_equal(f->stats.sites_cached, NSITES);
	assert_int_equal(f->rep.unchanged, NSITES);
	assert_false(f->rep.changed);

	/* One record changed: that one only. */
	s1->serial = 2;
	w_publish_site(&f->w, 1);
	assert_int_equal(refresh(f, T_NOW + 20), RRCHAIN_OK);
	assert_int_equal(f->stats.sites_verified, 1);
	assert_int_equal(f->stats.sites_cached, NSITES - 1);
	assert_int_equal(f->rep.updated, 1);
	assert_true(f->rep.changed);

	/* Same bytes, changed membership entry: verified again, since the
	 * keys or owner it was checked against may have changed. */
	snprintf(s1->mnets, sizeof(s1->mnets), "10.0.1.0/24,fd00:1::/48");
	f->w.head_serial++;
	w_publish(&f->w);
	assert_int_equal(refresh(f, T_NOW + 30), RRCHAIN_OK);
	assert_int_equal(f->stats.sites_verified, 1);
	assert_int_equal(f->stats.sites_cached, NSITES - 1);
	assert_true(f->rep.changed);

	/* Both encodings fetched (record-type both): the binary twin of
	 * the cached TXT record is not verified either, in either order. */
	{
		struct rrchain_error e;
		struct rr_record *r = h_site(s1, T_VPN);
		struct rrchain_blob two[2];
		h_blob(r, true, &two[0]);
		h_free(r);
		two[1] = s1->rd;
		assert_int_equal(site_check(f, s1->name, two, 2, T_NOW, &e),
				 RRCHAIN_OK);
		assert_int_equal(f->stats.sites_verified, 0);
		assert_int_equal(f->stats.sites_cached, 2);
		two[1] = two[0];
		two[0] = s1->rd;
		assert_int_equal(site_check(f, s1->name, two, 2, T_NOW, &e),
				 RRCHAIN_OK);
		assert_int_equal(f->stats.sites_verified, 0);
		/* A twin with a broken signature changes nothing either. */
		two[1].data[two[1].len - 1] ^= 1;
		assert_int_equal(site_check(f, s1->name, two, 2, T_NOW, &e),
				 RRCHAIN_OK);
		free(two[1].data);
	}

	/* Cached bytes still expire. */
	{
		struct rrchain_error e;
		assert_int_equal(site_check(f, s1->name, &s1->rd, 1, T_END, &e),
				 RRCHAIN_R_EXPIRED);
		assert_int_equal(f->stats.sites_cached, 1);
	}

	/* The other copy is learnt (has_alt) and next to the cached record
	 * taken as that copy; a newer record in its place is not. */
	{
		const struct fetch_site *s = v_find(f->st, s1->name);
		struct rrchain_site_cache c;
		struct rrchain_site_result res;
		struct rrchain_stats st;
		struct rrchain_error e;
		struct rrchain_blob bin, newer;
		struct rrchain_rdata rd[2];
		struct rr_record *r = h_site(s1, T_VPN);
		h_blob(r, true, &bin);
		h_free(r);
		fetch_state_site_cache(f->st, s1->name, &c);
		rrchain_rdata_view(&s1->rd, 1, &rd[0]);
		rrchain_rdata_view(&bin, 1, &rd[1]);
		memset(&st, 0, sizeof(st));
		assert_int_equal(rrchain_verify_site(FETCH_POLICY(&f->w.cfg),
						     s->member, rd, 2, T_NOW, &c,
						     &res, &st, &e), RRCHAIN_OK);
		assert_true(res.has_alt);
		c.has_alt = true;
		memcpy(c.alt, res.alt, RR_HASH_LEN);
		rrchain_site_result_free(&res);
		memset(&st, 0, sizeof(st));
		assert_int_equal(rrchain_verify_site(FETCH_POLICY(&f->w.cfg),
						     s->member, rd, 2, T_NOW, &c,
						     &res, &st, &e), RRCHAIN_OK);
		assert_true(res.cached && res.has_alt);
		assert_int_equal(st.sites_cached, 2);
		rrchain_site_result_free(&res);
		s1->serial++;
		r = h_site(s1, T_VPN);
		h_blob(r, true, &newer);
		h_free(r);
		rrchain_rdata_view(&newer, 1, &rd[1]);
		memset(&st, 0, sizeof(st));
		assert_int_equal(rrchain_verify_site(FETCH_POLICY(&f->w.cfg),
						     s->member, rd, 2, T_NOW, &c,
						     &res, &st, &e), RRCHAIN_OK);
		assert_int_equal(res.serial, s1->serial);
		assert_int_equal(st.sites_verified, 1);
		assert_false(res.has_alt);
		rrchain_site_result_free(&res);
		free(bin.data);
		free(newer.data);
	}
}

/* ---- anchor rollover ----------------------------------------------------- */

static void test_anchor_rollover(void **state)
{
	struct fx *f = *state;

	f->w.cfg.anchors[1] = f->w.anchor2.pub;
	f->w.cfg.nanchors = 2;
	baseline(f);
	/* The same head signed by the second anchor: not a fork. */
	f->w.signer = &f->w.anchor2;
	w_publish(&f->w);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	/* The new anchor signs the next head. */
	f->w.head_serial++;
	f->w.s[0].withdrawn = true;
	w_publish(&f->w);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
	assert_int_equal(fetch_state_view(f->st)->nsites, NSITES - 1);
	/* A key that is neither: refused, named by its id. */
	f->w.signer = &f->w.rogue;
	f->w.head_serial++;
	w_publish(&f->w);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_R_KEY);
	assert_non_null(strstr(f->herr.msg, "not trusted"));
	/* The old anchor is retired from the config: its heads no longer
	 * count, even fresh ones. */
	f->w.cfg.anchors[0] = f->w.anchor2.pub;
	f->w.cfg.nanchors = 1;
	f->w.signer = &f->w.anchor;
	w_publish(&f->w);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_R_KEY);
	f->w.signer = &f->w.anchor2;
	w_publish(&f->w);
	assert_int_equal(refresh(f, T_NOW), RRCHAIN_OK);
}

/* ---- RRsets as DNS delivers them ----------------------------------------- */

static void test_rrsets(void **state)
{
	struct fx *f = *state;
	struct wsite *s0 = &f->w.s[0];
	static const uint8_t spf[] = "\x09v=spf1 -a";
	struct rrchain_blob rrs[3], forged;
	struct rrchain_error e;
	ldns_rr_list *list = ldns_rr_list_new();
	struct rrchain_blob *got = NULL;
	size_t ngot = 0;
	char *txt = NULL, *line = NULL;
	size_t tl = 0;
	struct rr_record *r;
	struct rr_error re;

	baseline(f);
	/* Other TXT records at the name are ignored. */
	rrs[0] = (struct rrchain_blob){ 16, (uint8_t *)spf, sizeof(spf) - 1 };
	rrs[1] = s0->rd;
	assert_int_equal(site_check(f, s0->name, rrs, 2, T_NOW, &e), RRCHAIN_OK);
	assert_int_equal(site_check(f, s0->name, rrs, 1, T_NOW, &e),
			 RRCHAIN_R_MISSING);
	/* A record of a later version: ignored next to a vpnrr1 record,
	 * an error of its own without one. */
	{
		static const uint8_t v2[] = "\x18v=vpnrr2; k=site; future";
		rrs[0] = (struct rrchain_blob){ 16, (uint8_t *)v2,
					      sizeof(v2) - 1 };
		assert_int_equal(site_check(f, s0->name, rrs, 2, T_NOW, &e),
				 RRCHAIN_OK);
		assert_int_equal(site_check(f, s0->name, rrs, 1, T_NOW, &e),
				 RRCHAIN_R_VERSION);
		assert_non_null(strstr(e.msg, "another version"));
	}
	/* A valid record next to a forged newer one: the valid one. */
	s0->serial = 9;
	{
		struct rr_seckey real = s0->key;
		s0->key = f->w.rogue;
		r = h_site(s0, T_VPN);
		s0->key = real;
	}
	h_blob(r, true, &forged);
	h_free(r);
	rrs[1] = forged;
	rrs[2] = s0->rd;
	assert_int_equal(site_check(f, s0->name, rrs + 1, 2, T_NOW, &e),
			 RRCHAIN_OK);
	assert_int_equal(f->stats.rejected[RRCHAIN_R_KEY], 1);
	/* Only forged ones: the error says so. */
	rrs[2] = forged;
	assert_int_equal(site_check(f, s0->name, rrs + 1, 2, T_NOW, &e),
			 RRCHAIN_R_KEY);
	assert_non_null(strstr(e.msg, "2 records, none valid"));
	free(forged.data);

	/* From ldns: TXT split into strings, and TYPE65380 generic. */
	r = h_site(s0, T_VPN);
	assert_int_equal(rr_format_txt(r, &txt, &tl, &re), RR_OK);
	line = malloc(tl * 2 + 256);
	assert_non_null(line);
	{
		size_t o = 0;
		o += (size_t)snprintf(line, 64, "%s 60 IN TXT ", s0->at);
		for (size_t i = 0; i < tl; i += 100)
			o += (size_t)snprintf(line + o, 110 + 4, "\"%.*s\" ",
					      (int)(tl - i < 100 ? tl - i : 100),
					      txt + i);
	}
	{
		ldns_rr *rr = NULL;
		assert_int_equal(ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL),
				 LDNS_STATUS_OK);
		ldns_rr_list_push_rr(list, rr);
		assert_int_equal(ldns_rr_new_frm_str(&rr,
						     "x.example. 60 IN "
						     "TYPE65380 \\# 3 010203",
						     0, NULL, NULL),
				 LDNS_STATUS_OK);
		ldns_rr_list_push_rr(list, rr);
	}
	assert_int_equal(fetch_rdata_from_ldns(list, &got, &ngot), 0);
	assert_int_equal(ngot, 2);
	assert_int_equal(got[1].type, RR_TYPE_VPNRR);
	assert_int_equal(got[1].len, 3);
	/* The garbage binary record is refused, the TXT one is taken. */
	assert_int_equal(site_check(f, s0->name, got, 2, T_NOW, &e), RRCHAIN_OK);
	assert_int_equal(f->stats.rejected[RRCHAIN_R_MALFORMED], 1);
	rrchain_blobs_free(got, ngot);
	ldns_rr_list_deep_free(list);
	free(line);
	free(txt);
	h_free(r);
}

/* ---- one page in both encodings ----------------------------------------- */

/* TXT RDATA B re-split into character-strings of at most CHUNK bytes: the
 * same entry as another TXT RR (where strings break means nothing). */
static void resplit_txt(const struct rrchain_blob *b, size_t chunk,
			struct rrchain_blob *out)
{
	uint8_t *text = malloc(b->len), *d;
	size_t tl = 0, o = 0;

	assert_non_null(text);
	for (size_t i = 0; i < b->len; i += 1 + b->data[i]) {
		assert_true(i + 1 + b->data[i] <= b->len);
		memcpy(text + tl, b->data + i + 1, b->data[i]);
		tl += b->data[i];
	}
	d = malloc(tl + tl / chunk + 1);
	assert_non_null(d);
	for (size_t i = 0; i < tl; i += chunk) {
		size_t l = tl - i < chunk ? tl - i : chunk;
		d[o++] = (uint8_t)l;
		memcpy(d + o, text + i, l);
		o += l;
	}
	free(text);
	out->type = 16;
	out->data = d;
	out->len = o;
}

/* rrchain_verify_page on RRS (N of them) against HASH; returns the verdict
 * and the number of members the page holds. */
static enum rrchain_reason page_check(struct fx *f, const uint8_t *hash,
				    const struct rrchain_blob *rrs, size_t n,
				    size_t *members,
				    struct rrchain_stats *st)
{
	struct rrchain_rdata rd[8];
	struct rrchain_page pg;
	struct rrchain_error e;
	enum rrchain_reason r;

	assert_true(n <= 8);
	rrchain_rdata_view(rrs, n, rd);
	memset(st, 0, sizeof(*st));
	r = rrchain_verify_page(FETCH_POLICY(&f->w.cfg), hash, rd, n, T_NOW, &pg, st, &e);
	*members = pg.nmembers;
	if (r == RRCHAIN_OK) {
		for (size_t i = 0; i < pg.nmembers; i++)
			assert_int_equal(pg.members[i].status, RRCHAIN_OK);
		assert_int_equal(pg.nraw, n);
	}
	rrchain_page_free(&pg);
	return r;
}

/* record-type both: every member entry of a page arrives twice, as TXT
 * and as TYPE65380.  The page is a set of entries, so the RRset still
 * hashes to the page the head lists; and an entry duplicated in one
 * encoding only (the other entries once) is the same set too.  Missing or
 * foreign entries are not hidden by the deduplication. */
static void test_page_both_encodings(void **state)
{
	struct fx *f = *state;
	struct rrchain_membership m;
	struct rrchain_rdata hr;
	struct rrchain_error e;
	struct rrchain_stats st = { 0 };
	struct rrchain_blob txt[PER_PAGE + 1], bin[PER_PAGE + 1], txt0b;
	const uint8_t *hash;
	size_t members;

	/* The hash as the (verified) head lists it. */
	memset(&m, 0, sizeof(m));
	rrchain_rdata_view(&f->w.head, 1, &hr);
	assert_int_equal(rrchain_verify_head(FETCH_POLICY(&f->w.cfg), &hr, 1, T_NOW, NULL,
					  &m.head, &st, &e), RRCHAIN_OK);
	assert_true(m.head.rec.npages >= 2);
	hash = m.head.rec.pages[0];
	assert_memory_equal(hash, f->w.pages[0].hash, RR_HASH_LEN);
	/* Page 1 holds sites 0 and 1; site 2 is on page 2. */
	for (size_t i = 0; i <= PER_PAGE; i++) {
		struct rr_record *r = h_member(&f->w.s[i]);
		h_blob(r, false, &txt[i]);
		h_blob(r, true, &bin[i]);
		h_free(r);
	}
	resplit_txt(&txt[0], 100, &txt0b);
	assert_true(txt0b.len != txt[0].len ||
		    memcmp(txt0b.data, txt[0].data, txt0b.len) != 0);

	/* Each encoding alone. */
	{
		struct rrchain_blob t[] = { txt[0], txt[1] }, b[] = { bin[1],
								   bin[0] };
		assert_int_equal(page_check(f, hash, t, 2, &members, &st),
				 RRCHAIN_OK);
		assert_int_equal(members, PER_PAGE);
		assert_int_equal(page_check(f, hash, b, 2, &members, &st),
				 RRCHAIN_OK);
		assert_int_equal(members, PER_PAGE);
	}
	/* Both encodings of every entry, interleaved as DNS may order
	 * them: one hash computed, over two members, and it matches. */
	{
		struct rrchain_blob both[] = { bin[1], txt[0], bin[0], txt[1] };
		assert_int_equal(page_check(f, hash, both, 4, &members, &st),
				 RRCHAIN_OK);
		assert_int_equal(members, PER_PAGE);
		assert_int_equal(st.pages_hashed, 1);
		assert_int_equal(st.members_checked, PER_PAGE);
		for (int i = 1; i < RRCHAIN_R__COUNT; i++)
			assert_int_equal(st.rejected[i], 0);
	}
	/* One entry in both encodings, the other in one only. */
	{
		struct rrchain_blob one[] = { txt[0], bin[0], bin[1] };
		assert_int_equal(page_check(f, hash, one, 3, &members, &st),
				 RRCHAIN_OK);
		assert_int_equal(members, PER_PAGE);
	}
	/* One entry twice as TXT (strings split elsewhere), the other
	 * once. */
	{
		struct rrchain_blob dup[] = { txt[0], txt[1], txt0b };
		assert_int_equal(page_check(f, hash, dup, 3, &members, &st),
				 RRCHAIN_OK);
		assert_int_equal(members, PER_PAGE);
	}
	/* Deduplication hides nothing: entry 1 missing in both encodings,
	 * or a third site's entry added, is another page. */
	{
		struct rrchain_blob miss[] = { txt[0], bin[0], txt0b };
		struct rrchain_blob extra[] = { txt[0], bin[0], txt[1], bin[1],
					      bin[2] };
		assert_int_equal(page_check(f, hash, miss, 3, &members, &st),
				 RRCHAIN_R_HASH);
		assert_int_equal(st.rejected[RRCHAIN_R_HASH], 1);
		assert_int_equal(page_check(f, hash, extra, 5, &members, &st),
				 RRCHAIN_R_HASH);
	}
	for (size_t i = 0; i <= PER_PAGE; i++) {
		free(txt[i].data);
		free(bin[i].data);
	}
	free(txt0b.data);
	rrchain_membership_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_forged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_substitution, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_freeze, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mix_and_match, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hijack_outside, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hijack_overlap, setup,
						teardown),
		cmocka_unit_test(test_overlap_many),
		cmocka_unit_test_setup_teardown(test_revocation, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failed_refresh, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anchor_rollover, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rrsets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_both_encodings, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
