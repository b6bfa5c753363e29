/*
 * test_anchors.c - trust-anchor rollover (SPEC.md 10.10) on a node's
 * state, with the clock as a parameter: an announcement is pending until
 * it has been seen for the hold-down, then adopted; a gap resets it; a
 * retirement is permanent, also for a configured anchor, and takes the
 * head it signed along; forged announcements (unknown signer, retired
 * signer) adopt nothing; the rows survive the store, including its
 * upgrade from schema 2; a head signed by an adopted anchor is kept
 * across a reload.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "helpers.h"

#define OWNER "_anchor._vpnrr." T_ZONE
#define HOLD (30 * 86400ULL) /* the default */
#define DAY 86400ULL

struct fx {
	char *dir;
	struct world w;
	struct fetch_state *st;
	struct fetch_store *store;
	struct fetch_merge_report rep;
	struct rr_seckey k3; /* a third anchor-to-be */
	char err[FETCH_STATE_ERRLEN];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct rrchain_stats stats = { 0 };
	struct rrchain_error e;

	if (!f)
		return -1;
	w_init(&f->w, 3, 2);
	f->w.cfg.anchor_hold_down_ms = HOLD * 1000;
	h_seckey(&f->k3, 7);
	f->dir = h_tmpdir();
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

/* One signed statement about SUBJECT by SIGNER, as TXT RDATA. */
static void stmt(const char *op, const struct rr_pubkey *subject,
		 const struct rr_seckey *signer, struct rrchain_blob *out)
{
	char kt[RR_PUBKEYSTRLEN];
	struct rr_record r;
	struct rr_error err;

	rr_pubkey_format(subject, kt);
	rr_record_init(&r, RR_KIND_ANCHOR);
	assert_int_equal(rr_add(&r, "vpn", T_VPN, &err), RR_OK);
	assert_int_equal(rr_add(&r, "s", "1", &err), RR_OK);
	assert_int_equal(rr_add(&r, "t", "1700000000", &err), RR_OK);
	assert_int_equal(rr_add(&r, "x", "1900000000", &err), RR_OK);
	assert_int_equal(rr_add(&r, op, kt, &err), RR_OK);
	assert_int_equal(rr_sign(&r, OWNER, signer, &err), RR_OK);
	h_blob(&r, false, out);
	rr_record_free(&r);
}

/* One refresh's anchor step at NOW over the statements B[0..N): as
 * the refresh does it (rrchain_verify_anchors under the node's trust,
 * then the state's update).  The verdicts go to OUT (may be NULL). */
static void step(struct fx *f, struct rrchain_blob *b, size_t n,
		 uint64_t now, struct rrchain_anchor_stmt *out, size_t *nout)
{
	struct rrchain_anchor_stmt v[RRCHAIN_MAX_RRSET];
	struct rr_pubkey pending[RRCHAIN_MAX_ANCHOR_KEYS];
	struct rr_pubkey retired[RRCHAIN_MAX_ANCHOR_KEYS];
	struct rrchain_rdata rd[RRCHAIN_MAX_RRSET];
	struct rrchain_stats st = { 0 };
	struct rrchain_error e = { 0 };
	struct fetch_config trust;
	size_t np, nr, nv = 0;

	fetch_state_trust(f->st, &f->w.cfg, &trust);
	np = fetch_state_anchor_keys(f->st, FETCH_ANCHOR_PENDING, pending,
				     RRCHAIN_MAX_ANCHOR_KEYS);
	nr = fetch_state_anchor_keys(f->st, FETCH_ANCHOR_RETIRED, retired,
				     RRCHAIN_MAX_ANCHOR_KEYS);
	rrchain_rdata_view(b, n, rd);
	assert_int_equal(rrchain_verify_anchors(FETCH_POLICY(&trust), rd, n,
						now, pending, np, retired,
						nr, v, &nv, &st, &e),
			 RRCHAIN_OK);
	fetch_merge_report_free(&f->rep);
	assert_int_equal(fetch_state_anchors_update(f->st, &f->w.cfg, now, v,
						    nv, &f->rep), 0);
	if (out) {
		memcpy(out, v, nv * sizeof(*v));
		*nout = nv;
	}
}

static const struct fetch_anchor *row(struct fx *f,
				      const struct rr_pubkey *k)
{
	const struct fetch_anchor *v;
	size_t n;

	v = fetch_state_anchors(f->st, &n);
	for (size_t i = 0; i < n; i++)
		if (memcmp(v[i].key.key, k->key, RR_PUBKEY_LEN) == 0)
			return &v[i];
	return NULL;
}

static bool trusted(struct fx *f, const struct rr_pubkey *k)
{
	struct fetch_config t;

	fetch_state_trust(f->st, &f->w.cfg, &t);
	for (size_t i = 0; i < t.nanchors; i++)
		if (memcmp(t.anchors[i].key, k->key, RR_PUBKEY_LEN) == 0)
			return true;
	return false;
}

static size_t events(struct fx *f, enum fetch_event_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < f->rep.nevents; i++)
		n += f->rep.events[i].kind == k;
	return n;
}

/* Announced at T: pending until T + hold-down, seen at every refresh in
 * between, adopted at the first refresh after it; each change is one
 * event; the adopted key verifies heads. */
static void test_adopt_after_hold_down(void **state)
{
	struct fx *f = *state;
	const struct rr_pubkey *b = &f->w.anchor2.pub;
	struct rrchain_blob add;
	struct rrchain_stats st = { 0 };
	struct rrchain_error e;

	stmt("add", b, &f->w.anchor, &add);
	step(f, &add, 1, T_NOW, NULL, NULL);
	assert_int_equal(events(f, FETCH_EV_ANCHOR_PENDING), 1);
	assert_non_null(row(f, b));
	assert_int_equal(row(f, b)->status, FETCH_ANCHOR_PENDING);
	assert_int_equal(row(f, b)->since, T_NOW);
	assert_false(trusted(f, b));
	for (uint64_t d = 1; d < 30; d += 7) {
		step(f, &add, 1, T_NOW + d * DAY, NULL, NULL);
		assert_int_equal(f->rep.nevents, 0); /* no news */
		assert_int_equal(row(f, b)->status, FETCH_ANCHOR_PENDING);
	}
	step(f, &add, 1, T_NOW + HOLD - 1, NULL, NULL);
	assert_false(trusted(f, b));
	step(f, &add, 1, T_NOW + HOLD, NULL, NULL);
	assert_int_equal(events(f, FETCH_EV_ANCHOR_ADOPTED), 1);
	assert_int_equal(row(f, b)->status, FETCH_ANCHOR_ADOPTED);
	assert_true(trusted(f, b));
	assert_true(trusted(f, &f->w.anchor.pub));

	/* Heads signed by the adopted anchor verify in a refresh. */
	f->w.signer = &f->w.anchor2;
	f->w.head_serial++;
	w_publish_head(&f->w);
	fetch_merge_report_free(&f->rep);
	assert_int_equal(w_refresh(&f->w, f->st, T_NOW + HOLD, &f->rep, &st,
				   &e), RRCHAIN_OK);
	assert_int_equal(fetch_state_view(f->st)->nsites, 3);
	free(add.data);
}

/* RFC 5011: an announcement missing at one refresh starts over. */
static void test_gap_resets(void **state)
{
	struct fx *f = *state;
	const struct rr_pubkey *b = &f->w.anchor2.pub;
	struct rrchain_blob add;

	stmt("add", b, &f->w.anchor, &add);
	step(f, &add, 1, T_NOW, NULL, NULL);
	step(f, NULL, 0, T_NOW + 10 * DAY, NULL, NULL);
	assert_int_equal(events(f, FETCH_EV_ANCHOR_RESET), 1);
	assert_null(row(f, b));
	step(f, &add, 1, T_NOW + 20 * DAY, NULL, NULL);
	assert_int_equal(row(f, b)->since, T_NOW + 20 * DAY);
	step(f, &add, 1, T_NOW + HOLD + DAY, NULL, NULL);
	assert_int_equal(row(f, b)->status, FETCH_ANCHOR_PENDING);
	step(f, &add, 1, T_NOW + 20 * DAY + HOLD, NULL, NULL);
	assert_int_equal(row(f, b)->status, FETCH_ANCHOR_ADOPTED);
	free(add.data);
}

/* A clock set back does not end the hold-down at once (the unsigned
 * time since first seen must not wrap): the wait starts again then. */
static void test_clock_back(void **state)
{
	struct fx *f = *state;
	const struct rr_pubkey *b = &f->w.anchor2.pub;
	struct rrchain_blob add;

	stmt("add", b, &f->w.anchor, &add);
	step(f, &add, 1, T_NOW, NULL, NULL);
	step(f, &add, 1, T_NOW - DAY, NULL, NULL);
	assert_int_equal(row(f, b)->status, FETCH_ANCHOR_PENDING);
	assert_false(trusted(f, b));
	step(f, &add, 1, T_NOW - DAY + HOLD - 1, NULL, NULL);
	assert_int_equal(row(f, b)->status, FETCH_ANCHOR_PENDING);
	step(f, &add, 1, T_NOW - DAY + HOLD, NULL, NULL);
	assert_int_equal(row(f, b)->status, FETCH_ANCHOR_ADOPTED);
	free(add.data);
}

/* A retirement is final: the configured anchor is no longer trusted,
 * its head goes, and announcements it signs are refused. */
static void test_retire(void **state)
{
	struct fx *f = *state;
	const struct rr_pubkey *a = &f->w.anchor.pub;
	struct rrchain_anchor_stmt v[RRCHAIN_MAX_RRSET];
	struct rrchain_blob b[2];
	size_t nv;

	assert_non_null(fetch_state_membership(f->st));
	stmt("retire", a, &f->w.anchor, &b[0]);
	step(f, b, 1, T_NOW, NULL, NULL);
	assert_int_equal(events(f, FETCH_EV_ANCHOR_RETIRED), 1);
	assert_non_null(strstr(f->rep.events[0].msg,
			       "the configuration still lists it"));
	assert_int_equal(events(f, FETCH_EV_HEAD_DROPPED), 1);
	assert_null(fetch_state_membership(f->st));
	assert_int_equal(row(f, a)->status, FETCH_ANCHOR_RETIRED);
	assert_false(trusted(f, a));
	/* Seen again: no news; still retired. */
	step(f, b, 1, T_NOW + DAY, NULL, NULL);
	assert_int_equal(f->rep.nevents, 0);
	assert_false(trusted(f, a));
	/* The retired anchor announces: refused, class key. */
	stmt("add", &f->k3.pub, &f->w.anchor, &b[1]);
	step(f, b, 2, T_NOW + 2 * DAY, v, &nv);
	assert_int_equal(nv, 2);
	assert_int_equal(v[1].status, RRCHAIN_R_KEY);
	assert_non_null(strstr(v[1].why, "which is retired"));
	assert_int_equal(events(f, FETCH_EV_ANCHOR_REJECTED), 1);
	assert_null(row(f, &f->k3.pub));
	free(b[0].data);
	free(b[1].data);
}

/* Retiring needs the key itself: anchor A cannot retire a pending B. */
static void test_retire_needs_own_key(void **state)
{
	struct fx *f = *state;
	const struct rr_pubkey *b = &f->w.anchor2.pub;
	struct rrchain_anchor_stmt v[RRCHAIN_MAX_RRSET];
	struct rrchain_blob s[2];
	size_t nv;

	stmt("add", b, &f->w.anchor, &s[0]);
	stmt("retire", b, &f->w.anchor, &s[1]);
	step(f, s, 2, T_NOW, v, &nv);
	assert_int_equal(v[1].status, RRCHAIN_R_KEY);
	assert_int_equal(row(f, b)->status, FETCH_ANCHOR_PENDING);
	/* B's own retirement cancels its announcement for good. */
	free(s[1].data);
	stmt("retire", b, &f->w.anchor2, &s[1]);
	step(f, s, 2, T_NOW + DAY, v, &nv);
	assert_int_equal(v[1].status, RRCHAIN_OK);
	assert_int_equal(row(f, b)->status, FETCH_ANCHOR_RETIRED);
	step(f, s, 1, T_NOW + HOLD + DAY, v, &nv);
	assert_int_equal(v[0].status, RRCHAIN_R_KEY);
	assert_false(trusted(f, b));
	free(s[0].data);
	free(s[1].data);
}

/* Forged: signed by a key nobody trusts; nothing pending, however long
 * it stays published. */
static void test_forged(void **state)
{
	struct fx *f = *state;
	struct rrchain_anchor_stmt v[RRCHAIN_MAX_RRSET];
	struct rrchain_blob add;
	size_t nv;

	stmt("add", &f->w.rogue.pub, &f->w.rogue, &add);
	for (uint64_t t = T_NOW; t < T_NOW + 2 * HOLD; t += 10 * DAY) {
		step(f, &add, 1, t, v, &nv);
		assert_int_equal(v[0].status, RRCHAIN_R_KEY);
		assert_int_equal(events(f, FETCH_EV_ANCHOR_REJECTED), 1);
		assert_null(row(f, &f->w.rogue.pub));
		assert_false(trusted(f, &f->w.rogue.pub));
	}
	free(add.data);
}

/* A node back after the whole rollover (B announced by A, A retired, in
 * one RRset): A is retired first, so its announcement of B counts for
 * nothing, and the advice names B for the operator. */
static void test_offline_after_retirement(void **state)
{
	struct fx *f = *state;
	struct rrchain_blob s[2];
	char advice[512], kt[RR_PUBKEYSTRLEN];
	struct rrchain_anchor_stmt v[RRCHAIN_MAX_RRSET];
	size_t nv;

	stmt("add", &f->w.anchor2.pub, &f->w.anchor, &s[0]);
	stmt("retire", &f->w.anchor.pub, &f->w.anchor, &s[1]);
	step(f, s, 2, T_NOW, v, &nv);
	assert_null(row(f, &f->w.anchor2.pub));
	assert_false(trusted(f, &f->w.anchor.pub));
	assert_int_equal(fetch_state_anchor_advice(f->st, &f->w.cfg, v, nv,
						   advice, sizeof(advice)),
			 1);
	rr_pubkey_format(&f->w.anchor2.pub, kt);
	assert_non_null(strstr(advice, kt));
	free(s[0].data);
	free(s[1].data);
}

/* Rows saved and loaded back, also after an upgrade from schema 2; a
 * head signed by an adopted anchor survives the load. */
static void test_store(void **state)
{
	struct fx *f = *state;
	struct rrchain_blob s[3];
	struct fetch_state *st2 = NULL;
	struct rrchain_stats stats = { 0 };
	struct rrchain_error e;
	char path[600];
	sqlite3 *db = NULL;
	size_t n;

	stmt("add", &f->w.anchor2.pub, &f->w.anchor, &s[0]);
	stmt("add", &f->k3.pub, &f->w.anchor, &s[1]);
	step(f, s, 2, T_NOW, NULL, NULL);
	step(f, s, 2, T_NOW + HOLD, NULL, NULL);   /* both adopted */
	stmt("retire", &f->k3.pub, &f->k3, &s[2]);
	step(f, s, 3, T_NOW + HOLD, NULL, NULL);   /* k3 retired */
	assert_int_equal(row(f, &f->k3.pub)->status, FETCH_ANCHOR_RETIRED);
	f->w.signer = &f->w.anchor2;
	f->w.head_serial++;
	w_publish_head(&f->w);
	fetch_merge_report_free(&f->rep);
	assert_int_equal(w_refresh(&f->w, f->st, T_NOW + HOLD, &f->rep,
				   &stats, &e), RRCHAIN_OK);
	assert_int_equal(fetch_state_save(f->st, f->store, f->err,
					  sizeof(f->err)), 1);

	fetch_store_close(f->store);
	f->store = h_store(f->dir);
	assert_int_equal(fetch_state_new(f->dir, &st2, f->err,
					 sizeof(f->err)), 0);
	fetch_merge_report_free(&f->rep);
	assert_int_equal(fetch_state_load(st2, f->store, &f->w.cfg,
					  T_NOW + HOLD, &f->rep, f->err,
					  sizeof(f->err)), 0);
	(void)fetch_state_anchors(st2, &n);
	assert_int_equal(n, 2);
	fetch_state_free(f->st);
	f->st = st2;
	assert_int_equal(row(f, &f->w.anchor2.pub)->status,
			 FETCH_ANCHOR_ADOPTED);
	assert_int_equal(row(f, &f->w.anchor2.pub)->since, T_NOW + HOLD);
	assert_int_equal(row(f, &f->k3.pub)->status, FETCH_ANCHOR_RETIRED);
	/* B's head is kept: B is trusted at load. */
	assert_non_null(fetch_state_membership(f->st));
	assert_int_equal(fetch_state_view(f->st)->nsites, 3);

	/* Schema 2 (no anchor table) is upgraded in place. */
	fetch_store_close(f->store);
	f->store = NULL;
	(void)snprintf(path, sizeof(path), "%s/%s", f->dir, FETCH_STORE_FILE);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE,
					 NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE anchor;"
				      "PRAGMA user_version=2;", NULL, NULL,
				      NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	f->store = h_store(f->dir);
	assert_int_equal(fetch_state_new(f->dir, &st2, f->err,
					 sizeof(f->err)), 0);
	fetch_merge_report_free(&f->rep);
	assert_int_equal(fetch_state_load(st2, f->store, &f->w.cfg,
					  T_NOW + HOLD, &f->rep, f->err,
					  sizeof(f->err)), 0);
	(void)fetch_state_anchors(st2, &n);
	assert_int_equal(n, 0);
	/* Nothing adopted any more: B's head is no longer trusted. */
	assert_null(fetch_state_membership(st2));
	fetch_state_free(f->st);
	f->st = st2;
	step(f, s, 1, T_NOW + HOLD, NULL, NULL);
	assert_int_equal(fetch_state_save(f->st, f->store, f->err,
					  sizeof(f->err)), 1);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
					 NULL), SQLITE_OK);
	{
		sqlite3_stmt *q = NULL;
		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version",
						    -1, &q, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(q, 0), 3);
		sqlite3_finalize(q);
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM "
						    "anchor WHERE status = 1",
						    -1, &q, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(q, 0), 1);
		sqlite3_finalize(q);
	}
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	for (size_t i = 0; i < 3; i++)
		free(s[i].data);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_adopt_after_hold_down),
		T(test_clock_back),
		T(test_gap_resets),
		T(test_retire),
		T(test_retire_needs_own_key),
		T(test_forged),
		T(test_offline_after_retirement),
		T(test_store),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
