/* test_entries.c - the chain library's set rules over a flat list of
 * members (rrchain_check_entries): what the fetcher applies to the pages
 * and the admin to its member descriptions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "rrchain.h"

struct ent {
	struct rrchain_entry e;
	struct rr_prefix nets[4];
};

static void mk(struct ent *x, const char *site, const char *where,
	       const char *n1, const char *n2)
{
	struct rr_error err;

	memset(x, 0, sizeof(*x));
	x->e.site = site;
	x->e.where = where;
	x->e.nets = x->nets;
	assert_int_equal(rr_prefix_parse(n1, &x->nets[0], &err), RR_OK);
	x->e.nnets = 1;
	if (n2) {
		assert_int_equal(rr_prefix_parse(n2, &x->nets[1], &err), RR_OK);
		x->e.nnets = 2;
	}
}

/* Runs the rules over V (N of them, copied into one array). */
static void run(const struct rrchain_policy *pol, struct ent *v, size_t n,
		struct rrchain_stats *st)
{
	struct rrchain_entry e[8];
	struct rrchain_error err;

	assert_true(n <= 8);
	for (size_t i = 0; i < n; i++)
		e[i] = v[i].e;
	assert_int_equal(rrchain_check_entries(pol, e, n, st, &err),
			 RRCHAIN_OK);
	for (size_t i = 0; i < n; i++)
		v[i].e = e[i];
}

static void test_restrict(void **state)
{
	struct rr_prefix r[1];
	struct rrchain_policy pol = { .restrict_nets = r, .nrestrict = 1 };
	struct rrchain_stats st = { 0 };
	struct rr_error err;
	struct ent v[2];

	(void)state;
	assert_int_equal(rr_prefix_parse("10.0.0.0/8", &r[0], &err), RR_OK);
	mk(&v[0], "london/alpha", "page 1", "10.1.0.0/16", "192.0.2.0/24");
	mk(&v[1], "paris/beta", NULL, "10.2.0.0/16", "fd00::/16");
	run(&pol, v, 2, &st);
	assert_int_equal(v[0].e.status, RRCHAIN_R_OUTSIDE);
	assert_string_equal(v[0].e.why, "page 1: member london/alpha: "
			    "authorized net 192.0.2.0/24 is outside "
			    "restrict-nets");
	assert_int_equal(v[1].e.status, RRCHAIN_R_OUTSIDE);
	assert_string_equal(v[1].e.why, "member paris/beta: authorized net "
			    "fd00::/16 is outside restrict-nets");
	assert_int_equal(st.rejected[RRCHAIN_R_OUTSIDE], 2);
	/* No restriction: the same entries pass. */
	pol.nrestrict = 0;
	mk(&v[0], "london/alpha", "page 1", "10.1.0.0/16", "192.0.2.0/24");
	run(&pol, v, 1, NULL);
	assert_int_equal(v[0].e.status, RRCHAIN_OK);
	assert_string_equal(v[0].e.why, "");
}

static void test_duplicates(void **state)
{
	struct rrchain_policy pol = { 0 };
	struct rrchain_stats st = { 0 };
	struct ent v[3];

	(void)state;
	mk(&v[0], "london/alpha", "page 1", "10.1.0.0/16", NULL);
	mk(&v[1], "paris/beta", "page 1", "10.2.0.0/16", NULL);
	mk(&v[2], "London/Alpha", "page 2", "10.3.0.0/16", NULL);
	run(&pol, v, 3, &st);
	/* Both marked, each naming the other and where it is listed. */
	assert_int_equal(v[0].e.status, RRCHAIN_R_DUPLICATE);
	assert_string_equal(v[0].e.why, "site london/alpha is listed twice "
			    "(as london/alpha in page 1 and London/Alpha in "
			    "page 2)");
	assert_int_equal(v[2].e.status, RRCHAIN_R_DUPLICATE);
	assert_string_equal(v[2].e.why, "site London/Alpha is listed twice "
			    "(as london/alpha in page 1 and London/Alpha in "
			    "page 2)");
	assert_int_equal(v[1].e.status, RRCHAIN_OK);
	assert_int_equal(st.rejected[RRCHAIN_R_DUPLICATE], 2);
}

static void test_overlaps(void **state)
{
	struct rrchain_policy pol = { 0 };
	struct ent v[5];

	(void)state;
	/* A chain of containment: every pair inside it overlaps. */
	mk(&v[0], "a/a", NULL, "10.1.2.0/24", NULL);
	mk(&v[1], "b/b", NULL, "10.0.0.0/8", "fd00:1::/32");
	mk(&v[2], "c/c", NULL, "172.16.0.0/12", "fd00:1:2::/48");
	mk(&v[3], "d/d", NULL, "192.168.0.0/16", "fd00:2::/32");
	mk(&v[4], "e/e", NULL, "10.1.0.0/16", NULL);
	run(&pol, v, 5, NULL);
	assert_int_equal(v[0].e.status, RRCHAIN_R_OVERLAP);
	assert_int_equal(v[1].e.status, RRCHAIN_R_OVERLAP);
	assert_int_equal(v[2].e.status, RRCHAIN_R_OVERLAP);
	assert_int_equal(v[4].e.status, RRCHAIN_R_OVERLAP);
	assert_int_equal(v[3].e.status, RRCHAIN_OK);
	assert_string_equal(v[2].e.why, "site c/c: authorized net "
			    "fd00:1:2::/48 overlaps fd00:1::/32 of site b/b");
	assert_non_null(strstr(v[0].e.why, "10.1.2.0/24 overlaps"));
}

/* A verdict given before is kept, and a rejected entry's nets claim
 * nothing: only usable entries can overlap. */
static void test_earlier_verdicts(void **state)
{
	struct rrchain_policy pol = { 0 };
	struct rrchain_stats st = { 0 };
	struct ent v[3];

	(void)state;
	mk(&v[0], "london/alpha", NULL, "10.1.0.0/16", NULL);
	v[0].e.status = RRCHAIN_R_EXPIRED;
	snprintf(v[0].e.why, sizeof(v[0].e.why), "expired");
	mk(&v[1], "paris/beta", NULL, "10.1.2.0/24", NULL);
	mk(&v[2], "London/alpha", NULL, "10.3.0.0/16", NULL);
	run(&pol, v, 3, &st);
	assert_int_equal(v[0].e.status, RRCHAIN_R_EXPIRED);
	assert_string_equal(v[0].e.why, "expired");
	assert_int_equal(v[1].e.status, RRCHAIN_OK);
	/* Its name still clashes with the expired one's. */
	assert_int_equal(v[2].e.status, RRCHAIN_R_DUPLICATE);
	assert_int_equal(st.rejected[RRCHAIN_R_DUPLICATE], 1);
	assert_int_equal(st.rejected[RRCHAIN_R_OVERLAP], 0);
	/* Nothing and one entry are fine. */
	run(&pol, v, 0, NULL);
	mk(&v[0], "london/alpha", NULL, "10.1.0.0/16", NULL);
	run(&pol, v, 1, NULL);
	assert_int_equal(v[0].e.status, RRCHAIN_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restrict),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_overlaps),
		cmocka_unit_test(test_earlier_verdicts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
