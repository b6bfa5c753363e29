/* test_policy.c - the admin's admission rules and enrolment requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "policy.h"
#include "request.h"

static struct pub_admin admin;
static struct rr_seckey k1, k2;

static void net(struct rr_prefix *p, const char *s)
{
	struct rr_error err;
	assert_int_equal(rr_prefix_parse(s, p, &err), RR_OK);
}

static void member(struct pub_member *m, const char *site, const char *n1,
		   const char *at, const struct rr_seckey *k)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->file, sizeof(m->file), "%s.member", site);
	snprintf(m->site, sizeof(m->site), "%s", site);
	snprintf(m->publish, sizeof(m->publish), "%s", at);
	net(&m->nets[0], n1);
	m->nnets = 1;
	m->keys[0] = k->pub;
	m->nkeys = 1;
	m->expires = 2000000000;
}

static int setup(void **state)
{
	struct rr_error err;

	memset(&admin, 0, sizeof(admin));
	snprintf(admin.vpn, sizeof(admin.vpn), "example");
	snprintf(admin.zone, sizeof(admin.zone), "vpn.example.org");
	net(&admin.restrict_nets[0], "10.0.0.0/8");
	net(&admin.restrict_nets[1], "fd00::/16");
	admin.nrestrict = 2;
	if (rr_seckey_generate(&k1, &err) || rr_seckey_generate(&k2, &err))
		return -1;
	return 0;
}

static void expect(const struct pub_members *ms, const struct pub_member *m,
		   const char *needle)
{
	struct pub_err e = { 0 };
	int rc = pub_policy_admit(&admin, ms, m, false, &e);

	if (!needle) {
		if (rc != 0)
			fail_msg("refused: %s", e.msg);
		return;
	}
	if (rc == 0)
		fail_msg("admitted %s, want \"%s\"", m->site, needle);
	if (!strstr(e.msg, needle))
		fail_msg("\"%s\" lacks \"%s\"", e.msg, needle);
}

static void test_rules(void **state)
{
	struct pub_member have[1], m;
	struct pub_members ms = { have, 1 };

	member(&have[0], "london/alpha", "10.1.0.0/16", "_vpnrr.a.example", &k1);
	member(&m, "paris/beta", "10.2.0.0/16", "_vpnrr.b.example", &k2);
	expect(&ms, &m, NULL);
	net(&m.nets[1], "fd00:2::/48");
	m.nnets = 2;
	expect(&ms, &m, NULL);
	/* Outside restrict-nets. */
	net(&m.nets[0], "192.168.0.0/16");
	expect(&ms, &m, "member paris/beta: authorized net 192.168.0.0/16 is "
	       "outside restrict-nets");
	net(&m.nets[0], "fe80::/64");
	expect(&ms, &m, "fe80::/64 is outside");
	/* Overlapping an existing member, either way round. */
	net(&m.nets[0], "10.1.2.0/24");
	expect(&ms, &m, "10.1.2.0/24 overlaps 10.1.0.0/16 of site london/alpha");
	net(&m.nets[0], "10.0.0.0/12");
	expect(&ms, &m, "overlaps 10.1.0.0/16");
	/* Names and keys are taken. */
	member(&m, "london/alpha", "10.2.0.0/16", "_vpnrr.b.example", &k2);
	expect(&ms, &m, "site london/alpha is listed twice");
	member(&m, "London/Alpha", "10.2.0.0/16", "_vpnrr.b.example", &k2);
	expect(&ms, &m, "listed twice (as london/alpha and London/Alpha)");
	member(&m, "paris/beta", "10.2.0.0/16", "_vpnrr.A.example", &k2);
	expect(&ms, &m, "already the publish name of london/alpha");
	member(&m, "paris/beta", "10.2.0.0/16", "_vpnrr.b.example", &k1);
	expect(&ms, &m, "already the key of london/alpha");
}

static void test_renew_and_all(void **state)
{
	struct pub_member v[2];
	struct pub_members ms = { v, 2 };
	struct pub_err e;

	member(&v[0], "london/alpha", "10.1.0.0/16", "_vpnrr.a.example", &k1);
	member(&v[1], "paris/beta", "10.2.0.0/16", "_vpnrr.b.example", &k2);
	assert_int_equal(pub_policy_all(&admin, &ms, &e), 0);
	/* Renewing a member does not collide with itself. */
	assert_int_equal(pub_policy_admit(&admin, &ms, &v[0], true, &e), 0);
	net(&v[1].nets[0], "10.1.128.0/17");
	assert_int_equal(pub_policy_all(&admin, &ms, &e), -1);
	assert_non_null(strstr(e.msg, "overlaps"));
}

/* The whole set: the first member in order that breaks a rule is named,
 * with the member it clashes with. */
static void test_all_names_both(void **state)
{
	struct pub_member v[3];
	struct pub_members ms = { v, 3 };
	struct pub_err e;

	member(&v[0], "london/alpha", "10.1.0.0/16", "_vpnrr.a.example", &k1);
	member(&v[1], "paris/beta", "10.2.0.0/16", "_vpnrr.b.example", &k2);
	member(&v[2], "rome/gamma", "10.3.0.0/16", "_vpnrr.c.example", &k2);
	v[2].keys[0].key[0] ^= 1;
	assert_int_equal(pub_policy_all(&admin, &ms, &e), 0);
	/* Overlap between the last two: the earlier one's file is named. */
	net(&v[2].nets[0], "10.2.3.0/24");
	assert_int_equal(pub_policy_all(&admin, &ms, &e), -1);
	assert_string_equal(e.msg, "paris/beta.member: networks: site "
			    "paris/beta: authorized net 10.2.0.0/16 overlaps "
			    "10.2.3.0/24 of site rome/gamma");
	net(&v[2].nets[0], "10.3.0.0/16");
	/* Names equal but for case. */
	snprintf(v[2].site, sizeof(v[2].site), "Paris/Beta");
	assert_int_equal(pub_policy_all(&admin, &ms, &e), -1);
	assert_non_null(strstr(e.msg, "paris/beta.member: site: site "
			       "paris/beta is listed twice (as paris/beta and "
			       "Paris/Beta)"));
	snprintf(v[2].site, sizeof(v[2].site), "rome/gamma");
	/* Publish names equal but for case: the later member is refused. */
	snprintf(v[2].publish, sizeof(v[2].publish), "_vpnrr.A.example");
	assert_int_equal(pub_policy_all(&admin, &ms, &e), -1);
	assert_string_equal(e.msg, "rome/gamma.member: publish: "
			    "_vpnrr.A.example: already the publish name of "
			    "london/alpha");
	snprintf(v[2].publish, sizeof(v[2].publish), "_vpnrr.c.example");
	/* A key shared by two members. */
	v[2].keys[1] = k1.pub;
	v[2].nkeys = 2;
	assert_int_equal(pub_policy_all(&admin, &ms, &e), -1);
	assert_non_null(strstr(e.msg, "rome/gamma.member: key: already the "
			       "key of london/alpha"));
	v[2].nkeys = 1;
	/* Outside restrict-nets. */
	net(&v[0].nets[0], "172.16.0.0/12");
	assert_int_equal(pub_policy_all(&admin, &ms, &e), -1);
	assert_non_null(strstr(e.msg, "london/alpha.member: networks: member "
			       "london/alpha: authorized net 172.16.0.0/12 is "
			       "outside restrict-nets"));
}

/* A candidate is refused for its own conflicts only. */
static void test_admit_own_conflicts(void **state)
{
	struct pub_member v[2], m;
	struct pub_members ms = { v, 2 };

	member(&v[0], "london/alpha", "10.1.0.0/16", "_vpnrr.a.example", &k1);
	member(&v[1], "paris/beta", "10.1.2.0/24", "_vpnrr.b.example", &k2);
	member(&m, "rome/gamma", "10.3.0.0/16", "_vpnrr.c.example", &k2);
	m.keys[0].key[0] ^= 1;
	expect(&ms, &m, NULL);
	/* Overlapping both: named against one of them. */
	net(&m.nets[0], "10.1.2.128/25");
	expect(&ms, &m, "authorized net 10.1.2.128/25 overlaps");
}

/* Thousands of members: every rule still finds the one clash, at the
 * end of the order (the checks sort; no pair is compared twice). */
static void test_many(void **state)
{
	enum { N = 4000 };
	struct pub_member *v = calloc(N, sizeof(*v));
	struct pub_members ms = { v, N };
	struct pub_err e;
	char site[64], nets[32], pub[64];

	assert_non_null(v);
	for (size_t i = 0; i < N; i++) {
		snprintf(site, sizeof(site), "loc%zu/site%zu", i / 100, i);
		snprintf(nets, sizeof(nets), "10.%zu.%zu.0/24", i / 256,
			 i % 256);
		snprintf(pub, sizeof(pub), "_vpnrr.s%zu.example", i);
		member(&v[i], site, nets, pub, &k1);
		v[i].keys[0].key[0] = (uint8_t)i;
		v[i].keys[0].key[1] = (uint8_t)(i >> 8);
	}
	assert_int_equal(pub_policy_all(&admin, &ms, &e), 0);
	net(&v[N - 1].nets[0], "10.0.7.128/25");
	assert_int_equal(pub_policy_all(&admin, &ms, &e), -1);
	assert_non_null(strstr(e.msg, "loc0/site7: authorized net 10.0.7.0/24 "
			       "overlaps 10.0.7.128/25 of site loc39/site3999"));
	net(&v[N - 1].nets[0], "10.15.159.0/24");
	v[N - 1].keys[0] = v[5].keys[0];
	assert_int_equal(pub_policy_all(&admin, &ms, &e), -1);
	assert_non_null(strstr(e.msg, "already the key of loc0/site5"));
	free(v);
}

static void test_request(void **state)
{
	struct pub_request q, back;
	struct pub_err e;
	char *text = NULL, *p;

	memset(&q, 0, sizeof(q));
	snprintf(q.vpn, sizeof(q.vpn), "example");
	snprintf(q.site, sizeof(q.site), "paris/beta");
	net(&q.nets[0], "10.2.0.0/16");
	net(&q.nets[1], "fd00:2::/48");
	q.nnets = 2;
	snprintf(q.publish, sizeof(q.publish), "_vpnrr.beta.example.net");
	snprintf(q.contact, sizeof(q.contact), "noc@beta.example.net");
	q.made = 1800000000;
	if (pub_request_encode(&q, &k2, &text, &e) != 0)
		fail_msg("%s", e.msg);
	assert_true(strncmp(text, PUB_REQ_BEGIN "\n", 30) == 0);
	/* Mail headers around the armour are ignored. */
	size_t n = strlen(text) + 64;
	char *mail = malloc(n);
	snprintf(mail, n, "From: x\nSubject: join\n\n%s-- \nbye\n", text);
	if (pub_request_decode("req", mail, &back, &e) != 0)
		fail_msg("%s", e.msg);
	assert_string_equal(back.site, "paris/beta");
	assert_int_equal(back.nnets, 2);
	assert_memory_equal(back.key.key, k2.pub.key, RR_PUBKEY_LEN);
	assert_int_equal(back.made, 1800000000);
	/* Any changed character breaks it. */
	p = strchr(mail + strlen("From: x\nSubject: join\n\n") + 31, '\n') - 5;
	*p = *p == 'A' ? 'B' : 'A';
	assert_int_equal(pub_request_decode("req", mail, &back, &e), -1);
	assert_non_null(strstr(e.msg, "req:4: request"));
	free(mail);
	/* A tag added after sig= is not signed: refused, not taken in. */
	{
		char b64[4096] = "", body[4096], armoured[8192];
		size_t blen = 0, at = 0;
		const char *l = strchr(text, '\n') + 1;
		while (strncmp(l, PUB_REQ_END, strlen(PUB_REQ_END)) != 0) {
			size_t ll = strcspn(l, "\n");
			memcpy(b64 + at, l, ll);
			at += ll;
			l += ll + 1;
		}
		b64[at] = '\0';
		assert_int_equal(sodium_base642bin((uint8_t *)body,
			sizeof(body) - 32, b64, at, NULL, &blen, NULL,
			sodium_base64_VARIANT_ORIGINAL), 0);
		memcpy(body + blen, "; any=ipv4/8", 13);
		sodium_bin2base64(b64, sizeof(b64), (uint8_t *)body,
				  strlen(body), sodium_base64_VARIANT_ORIGINAL);
		snprintf(armoured, sizeof(armoured), "%s\n%s\n%s\n",
			 PUB_REQ_BEGIN, b64, PUB_REQ_END);
		assert_int_equal(pub_request_decode("req", armoured, &back,
						    &e), -1);
		assert_non_null(strstr(e.msg, "tags after sig="));
	}
	/* No armour. */
	assert_int_equal(pub_request_decode("req", "hello\n", &back, &e), -1);
	assert_non_null(strstr(e.msg, "no " PUB_REQ_BEGIN));
	/* Cut off before the END line. */
	text[strlen(text) - 20] = '\0';
	assert_int_equal(pub_request_decode("req", text, &back, &e), -1);
	assert_non_null(strstr(e.msg, "no " PUB_REQ_END));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_renew_and_all),
		cmocka_unit_test(test_all_names_both),
		cmocka_unit_test(test_admit_own_conflicts),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_request),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
