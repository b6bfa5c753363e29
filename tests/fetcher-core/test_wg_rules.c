/*
 * test_wg_rules.c - WireGuard's rules for a site's values
 * (fetcher/verify/wg_rules.h): low-order keys, unusable endpoints and
 * allowed IPs over the node's own networks are refused with a message
 * naming site, field and reason; good values next to them pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "wg_rules.h"

#define SITE "example/paris/beta"

/* A WireGuard site record with good values; tests spoil one of them. */
struct site {
	struct rr_record r;
	struct rr_tkey tkeys[2];
	struct rr_endpoint ep;
	struct rr_prefix nets[4], gw[4];
	uint8_t key[64];
	char err[512];
};

static void set_key(struct site *s, const uint8_t *k, size_t len)
{
	memcpy(s->key, k, len);
	s->tkeys[0].len = len;
}

static void good(struct site *s)
{
	struct rr_error e;
	uint8_t sk[32];

	memset(s, 0, sizeof(*s));
	s->tkeys[0].alg = rr_alg_x25519.name;
	s->tkeys[0].def = &rr_alg_x25519;
	s->tkeys[0].data = s->key;
	randombytes_buf(sk, sizeof(sk));
	assert_int_equal(crypto_scalarmult_base(s->key, sk), 0);
	s->tkeys[0].len = 32;
	s->r.tkeys = s->tkeys;
	s->r.ntkeys = 1;
	s->r.has_wg = true;
	assert_int_equal(rr_endpoint_parse("[2001:db8::20]:51820", &s->ep, &e),
			 RR_OK);
	s->r.wg_ep = &s->ep;
	assert_int_equal(rr_prefix_parse("10.2.0.0/16", &s->nets[0], &e),
			 RR_OK);
	assert_int_equal(rr_prefix_parse("fd00:2::/64", &s->nets[1], &e),
			 RR_OK);
	s->r.nets = s->nets;
	s->r.nnets = 2;
	assert_int_equal(rr_prefix_parse("10.20.0.0/16", &s->gw[0], &e),
			 RR_OK);
	s->r.gw_nets = s->gw;
	s->r.ngw_nets = 1;
}

static bool check(struct site *s)
{
	return fetch_wg_rules_check(SITE, &s->r, s->err, sizeof(s->err));
}

/* Refused, and the message names the site and contains WANT. */
static void refused(struct site *s, const char *want)
{
	assert_false(check(s));
	if (strstr(s->err, SITE) == NULL || strstr(s->err, want) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", s->err, want);
}

static void test_good_accepted(void **state)
{
	struct site s;

	(void)state;
	good(&s);
	assert_true(check(&s));
	assert_string_equal(s.err, "");
	s.r.wg_ep = NULL; /* roaming */
	assert_true(check(&s));
}

static void test_no_wg_not_checked(void **state)
{
	struct site s;

	(void)state;
	good(&s);
	s.r.has_wg = false;
	s.r.ntkeys = 0;
	assert_true(check(&s));
}

static void test_key_missing_or_short(void **state)
{
	struct site s;

	(void)state;
	good(&s);
	s.tkeys[0].def = NULL;
	s.tkeys[0].alg = "x448";
	refused(&s, "no x25519 key");
	good(&s);
	s.tkeys[0].len = 31;
	refused(&s, "31 bytes");
}

/* The all-zero point and the other points of small order (the list
 * libsodium and WireGuard refuse), with non-canonical encodings. */
static void test_low_order_keys_refused(void **state)
{
	static const uint8_t bad[][32] = {
		{ 0 },
		{ 1 },
		{ 0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56,
		  0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb,
		  0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49,
		  0xb8, 0x00 },
		{ 0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0,
		  0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4,
		  0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f,
		  0x11, 0x57 },
		/* p - 1, p, p + 1 */
		{ 0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0x7f },
		{ 0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0x7f },
		{ 0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0x7f },
	};
	struct site s;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		good(&s);
		set_key(&s, bad[i], 32);
		refused(&s, "low-order");
	}
}

static void test_bad_endpoints_refused(void **state)
{
	static const struct {
		const char *ep, *why;
	} bad[] = {
		{ "127.0.0.1:51820", "loopback" },
		{ "0.0.0.0:51820", "unspecified" },
		{ "224.0.0.1:51820", "multicast" },
		{ "255.255.255.255:51820", "broadcast" },
		{ "[::1]:51820", "loopback" },
		{ "[::]:51820", "unspecified" },
		{ "[ff02::1]:51820", "multicast" },
		{ "[fe80::1]:51820", "link-local" },
		{ "localhost:51820", "loopback" },
		{ "vpn.localhost:51820", "loopback" },
	};
	static const char *const ok[] = {
		"192.0.2.10:51820", "[2001:db8::1]:1", "vpn.example.org:51820",
		"notlocalhost:51820",
	};
	struct site s;
	struct rr_error e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		good(&s);
		if (rr_endpoint_parse(bad[i].ep, &s.ep, &e) != RR_OK)
			fail_msg("%s does not parse", bad[i].ep);
		refused(&s, bad[i].why);
	}
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		good(&s);
		if (rr_endpoint_parse(ok[i], &s.ep, &e) != RR_OK)
			fail_msg("%s does not parse", ok[i]);
		if (!check(&s))
			fail_msg("%s refused: %s", ok[i], s.err);
	}
	good(&s);
	s.ep.port = 0;
	refused(&s, "port 0");
}

/* Networks and gateway networks become allowed IPs: none may take the
 * node's loopback, link-local or multicast traffic, or all of it. */
static void test_allowed_ips(void **state)
{
	static const char *const bad[] = {
		"0.0.0.0/0", "0.0.0.0/8", "127.0.0.0/8", "127.0.0.1/32",
		"169.254.0.0/16", "169.254.1.0/24", "224.0.0.0/4",
		"240.0.0.0/4", "0.0.0.0/1", "128.0.0.0/1", "::/0", "::1/128",
		"fe80::/10", "fe80::/64", "ff00::/8", "ff02::/16",
	};
	static const char *const ok[] = {
		"10.0.0.0/8", "192.0.2.0/24", "1.0.0.0/8", "223.255.255.0/24",
		"169.253.0.0/16", "fd00::/8", "2001:db8::/32", "fec0::/10",
	};
	struct site s;
	struct rr_error e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		good(&s);
		if (rr_prefix_parse(bad[i], &s.nets[1], &e) != RR_OK)
			fail_msg("%s does not parse", bad[i]);
		refused(&s, "network");
		if (strstr(s.err, bad[i]) == NULL)
			fail_msg("\"%s\" does not name %s", s.err, bad[i]);
		good(&s);
		assert_int_equal(rr_prefix_parse(bad[i], &s.gw[0], &e), RR_OK);
		refused(&s, "gateway network");
	}
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		good(&s);
		if (rr_prefix_parse(ok[i], &s.nets[1], &e) != RR_OK)
			fail_msg("%s does not parse", ok[i]);
		if (!check(&s))
			fail_msg("%s refused: %s", ok[i], s.err);
		good(&s);
		assert_int_equal(rr_prefix_parse(ok[i], &s.gw[0], &e), RR_OK);
		if (!check(&s))
			fail_msg("gateway %s refused: %s", ok[i], s.err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_accepted),
		cmocka_unit_test(test_no_wg_not_checked),
		cmocka_unit_test(test_key_missing_or_short),
		cmocka_unit_test(test_low_order_keys_refused),
		cmocka_unit_test(test_bad_endpoints_refused),
		cmocka_unit_test(test_allowed_ips),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
