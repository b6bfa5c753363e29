/*
 * test_secnet_rules.c - secnet's rules for a site's values
 * (fetcher/secnet_rules.h): one test per constraint, each showing a bad
 * value refused with a message naming site, field and reason, and a good
 * value next to it accepted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <gmp.h>

#include "config.h"
#include "secnet_rules.h"

#define SITE "example/london/alpha"
/* zone-examples' 1024-bit group (a prime) with generator 2. */
#define DH_P                                                              \
	"8db5f2c15ac96d9f3382d1ef4688fba14dc7908ae7dfd71a9cfe7f479a75d506dc" \
	"53f159aeaf488bde073fe544bc91c099f101fcf60074f30c06e36263c03ca9e079" \
	"31ce3fc235fe1171dc6d9316fb097bd4362891e2c36e234e7c16b038fd97b1f165" \
	"c710e90537de66ee4f54001f5712b050d4e07de3fba07607b19b64f6c3"

/* A site record with good values everywhere, some of them values the
 * parsers would refuse: its lists and strings live here, and the record
 * points at them (the rules read the view, not who owns it). */
struct site {
	struct rr_record r;
	struct rr_tkey tkeys[RR_MAX_KEYS];
	struct rr_endpoint eps[RR_MAX_ENDPOINTS];
	struct rr_prefix nets[RR_MAX_NETS];
	char dh[RR_MAX_TEXT + 1], hash[RR_MAX_TEXT + 1];
	char keybuf[RR_MAX_KEYS][3000];
	char err[512];
};

static void set_alg(struct site *s, size_t i, const char *name)
{
	s->tkeys[i].alg = name;
	s->tkeys[i].def = rr_alg_find(name, strlen(name));
}

/* "BITS E N" with N = 2^(BITS-1) + ADD (odd for odd ADD) and E. */
static void set_rsa1(struct site *s, size_t i, unsigned bits,
		     unsigned long e, long add, int declared_delta)
{
	mpz_t n;
	char *ns;

	mpz_init(n);
	mpz_ui_pow_ui(n, 2, bits - 1);
	if (add >= 0)
		mpz_add_ui(n, n, (unsigned long)add);
	else
		mpz_sub_ui(n, n, (unsigned long)-add);
	ns = mpz_get_str(NULL, 10, n);
	assert_non_null(ns);
	(void)snprintf(s->keybuf[i], sizeof(s->keybuf[i]), "%d %lu %s",
		       (int)bits + declared_delta, e, ns);
	free(ns);
	mpz_clear(n);
	s->tkeys[i].data = (uint8_t *)s->keybuf[i];
	s->tkeys[i].len = strlen(s->keybuf[i]);
	if (s->r.ntkeys <= i)
		s->r.ntkeys = i + 1;
}

static void set_key_text(struct site *s, size_t i, const char *text)
{
	(void)snprintf(s->keybuf[i], sizeof(s->keybuf[i]), "%s", text);
	s->tkeys[i].data = (uint8_t *)s->keybuf[i];
	s->tkeys[i].len = strlen(s->keybuf[i]);
}

static void set_ep(struct site *s, size_t i, const char *text)
{
	struct rr_error e;

	assert_int_equal(rr_endpoint_parse(text, &s->eps[i], &e), RR_OK);
	if (s->r.neps <= i)
		s->r.neps = i + 1;
}

static void set_net(struct site *s, size_t i, const char *text)
{
	struct rr_error e;

	assert_int_equal(rr_prefix_parse(text, &s->nets[i], &e), RR_OK);
	if (s->r.nnets <= i)
		s->r.nnets = i + 1;
}

static int setup(void **state)
{
	struct site *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	rr_record_init(&s->r, RR_KIND_SITE);
	s->r.tkeys = s->tkeys;
	s->r.eps = s->eps;
	s->r.nets = s->nets;
	s->r.dh = s->dh;
	s->r.hash = s->hash;
	set_alg(s, 0, "rsa1");
	s->tkeys[0].group = 1;
	set_rsa1(s, 0, 2048, 65537, 1, 0);
	set_ep(s, 0, "192.0.2.1:4500");
	set_ep(s, 1, "[2001:db8::1]:4500");
	set_ep(s, 2, "vpn.example.net:4500");
	set_net(s, 0, "10.1.0.0/16");
	set_net(s, 1, "fd00:1::/48");
	s->r.has_ptp = true;
	s->r.ptp = s->nets[0].addr;
	s->r.ptp.bytes[3] = 1;
	s->r.key_lifetime = 3600000;
	s->r.renegotiate_time = 300000;
	s->r.setup_timeout = 2000;
	s->r.setup_retries = 5;
	s->r.wait_time = 20000;
	strcpy(s->dh, DH_P " 2");
	strcpy(s->hash, "sha1");
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct site *s = *state;

	/* The lists and strings are ours; the record frees its own. */
	rr_record_free(&s->r);
	free(s);
	return 0;
}

static void ok(struct site *s, unsigned min_bits)
{
	enum fetch_secnet_verdict v = fetch_secnet_rules_check(
		SITE, &s->r, min_bits, s->err, sizeof(s->err));
	if (v != FETCH_SECNET_OK)
		fail_msg("refused: %s", s->err);
}

/* Refused, and the message names the site and contains WANT. */
static void refused(struct site *s, unsigned min_bits, const char *want)
{
	enum fetch_secnet_verdict v = fetch_secnet_rules_check(
		SITE, &s->r, min_bits, s->err, sizeof(s->err));
	if (v != FETCH_SECNET_BAD)
		fail_msg("accepted, expected \"%s\"", want);
	if (strncmp(s->err, "site " SITE ": ", strlen("site " SITE ": ")) ||
	    !strstr(s->err, want))
		fail_msg("message \"%s\" lacks \"%s\"", s->err, want);
}

/* ---- rsa1 ---------------------------------------------------------------- */

static void rsa_min_bits(void **state)
{
	struct site *s = *state;

	ok(s, 1024);
	set_rsa1(s, 0, 64, 65537, 1, 0);
	refused(s, 1024, "rsa1 key in group 00000001: modulus of 64 bits is "
			 "below the minimum of 1024");
	set_rsa1(s, 0, 1023, 65537, 1, 0);
	refused(s, 1024, "modulus of 1023 bits is below the minimum of 1024");
	set_rsa1(s, 0, 1024, 65537, 1, 0);
	ok(s, 1024);
	/* The minimum is the caller's (secnet-min-rsa-bits). */
	set_rsa1(s, 0, 800, 65537, 1, 0);
	refused(s, 1024, "800 bits");
	ok(s, 768);
	refused(s, 2048, "below the minimum of 2048");
}

static void rsa_later_key_checked(void **state)
{
	struct site *s = *state;

	/* A bad key in a fallback group counts as much as the first. */
	set_alg(s, 1, "rsa1");
	s->tkeys[1].group = 2;
	s->tkeys[1].fallback = true;
	set_rsa1(s, 1, 2048, 65537, 1, 0);
	ok(s, 1024);
	set_rsa1(s, 1, 512, 65537, 1, 0);
	refused(s, 1024, "rsa1 key in group 00000002: modulus of 512 bits");
}

static void rsa_max_bits(void **state)
{
	struct site *s = *state;

	/* Over make-secnet-sites' limit, and over secnet's key buffer. */
	set_rsa1(s, 0, 8201, 65537, 1, 0);
	refused(s, 1024, "rsa1 key in group 00000001: ");
	set_rsa1(s, 0, 6000, 65537, 1, 0);
	ok(s, 1024);
	set_rsa1(s, 0, 7000, 65537, 1, 0);
	refused(s, 1024, "do not fit secnet's 2048-byte key buffer");
}

static void rsa_declared_bits(void **state)
{
	struct site *s = *state;

	set_rsa1(s, 0, 2048, 65537, 1, -1);
	refused(s, 1024, "declares 2047 bits but its modulus has 2048");
	set_rsa1(s, 0, 2048, 65537, 1, 0);
	ok(s, 1024);
}

static void rsa_even_modulus(void **state)
{
	struct site *s = *state;

	set_rsa1(s, 0, 2048, 65537, 2, 0);
	refused(s, 1024, "modulus is even");
	set_rsa1(s, 0, 2048, 65537, 3, 0);
	ok(s, 1024);
}

static void rsa_exponent(void **state)
{
	struct site *s = *state;
	const unsigned long bad_e[] = { 1, 2, 65536 };
	const unsigned long good_e[] = { 3, 35, 65537 };

	for (size_t i = 0; i < 3; i++) {
		set_rsa1(s, 0, 2048, bad_e[i], 1, 0);
		refused(s, 1024, "public exponent must be odd, at least 3");
		set_rsa1(s, 0, 2048, good_e[i], 1, 0);
		ok(s, 1024);
	}
	/* An exponent as large as the modulus (n = 2^1023 + 1). */
	{
		mpz_t n;
		char *ns, text[1024];
		mpz_init(n);
		mpz_ui_pow_ui(n, 2, 1023);
		mpz_add_ui(n, n, 1);
		ns = mpz_get_str(NULL, 10, n);
		(void)snprintf(text, sizeof(text), "1024 %s %s", ns, ns);
		set_key_text(s, 0, text);
		refused(s, 1024, "below the modulus");
		free(ns);
		mpz_clear(n);
	}
}

static void rsa_key_data(void **state)
{
	struct site *s = *state;
	static const char *const bad_data[] = {
		"2048 65537",           /* no modulus: secnet's loader fails */
		"2048 65537 12x4",      /* not decimal */
		"2048  65537 12345",    /* make-secnet-sites splits at ' ' */
		"abc 65537 12345",
		"",
	};

	for (size_t i = 0; i < sizeof(bad_data) / sizeof(*bad_data); i++) {
		set_key_text(s, 0, bad_data[i]);
		refused(s, 1024, "not \"BITS EXPONENT MODULUS\"");
	}
	/* A trailing comment is fine: it is not written for secnet. */
	set_rsa1(s, 0, 2048, 65537, 1, 0);
	(void)strcat(s->keybuf[0], " owner@example.net");
	s->tkeys[0].len = strlen(s->keybuf[0]);
	ok(s, 1024);
}

static void other_algs_ignored(void **state)
{
	struct site *s = *state;

	/* Not given to secnet: no secnet rule applies. */
	set_alg(s, 0, "x25519");
	set_key_text(s, 0, "not an rsa key");
	ok(s, 1024);
	set_alg(s, 0, "rsa1");
	refused(s, 1024, "rsa1 key in group 00000001");
}

/* ---- dh ------------------------------------------------------------------ */

static void dh_prime(void **state)
{
	struct site *s = *state;
	char *p;
	mpz_t m;

	/* The next odd composite above the group's prime. */
	mpz_init_set_str(m, DH_P, 16);
	do
		mpz_add_ui(m, m, 2);
	while (mpz_probab_prime_p(m, 30));
	p = mpz_get_str(NULL, 16, m);
	(void)snprintf(s->dh, sizeof(s->dh), "%s 2", p);
	refused(s, 1024, "dh: modulus of 1024 bits is not prime");
	free(p);
	mpz_clear(m);
	strcpy(s->dh, DH_P " 2");
	ok(s, 1024);
}

static void dh_cache(void **state)
{
	struct site *s = *state;
	uint64_t before;

	/* 10,000 sites sharing one group cost at most one test. */
	strcpy(s->dh, DH_P " 5");
	ok(s, 1024);
	before = fetch_secnet_rules_prime_tests();
	for (int i = 0; i < 10000; i++)
		ok(s, 1024);
	assert_int_equal(fetch_secnet_rules_prime_tests(), before);
	/* Leading zeros do not make another modulus. */
	strcpy(s->dh, "00" DH_P " 2");
	ok(s, 1024);
	assert_int_equal(fetch_secnet_rules_prime_tests(), before);
}

static void dh_generator(void **state)
{
	struct site *s = *state;
	static const char *const bad_g[] = { "0", "1", DH_P, "f" DH_P };
	char pm1[sizeof(DH_P)];

	for (size_t i = 0; i < sizeof(bad_g) / sizeof(*bad_g); i++) {
		(void)snprintf(s->dh, sizeof(s->dh), "%s %s", DH_P,
			       bad_g[i]);
		refused(s, 1024, "dh: generator must be above 1 and below");
	}
	strcpy(pm1, DH_P);
	pm1[strlen(pm1) - 1] = '2'; /* ...c3 -> ...c2: p - 1 */
	(void)snprintf(s->dh, sizeof(s->dh), "%s %s", DH_P, pm1);
	refused(s, 1024, "dh: generator must be above 1 and below");
	strcpy(s->dh, DH_P " 2");
	ok(s, 1024);
}

static void dh_size(void **state)
{
	struct site *s = *state;

	/* 2^127 - 1 is prime but far too small a group. */
	strcpy(s->dh, "7fffffffffffffffffffffffffffffff 2");
	refused(s, 1024, "dh: modulus of 127 bits is below the minimum of "
			 "1024");
	strcpy(s->dh, DH_P " 2");
	ok(s, 1024);
}

static void dh_text(void **state)
{
	struct site *s = *state;
	static const char *const bad_text[] = { DH_P, DH_P " ", " 2",
						DH_P " 2x", DH_P "g 2" };

	for (size_t i = 0; i < sizeof(bad_text) / sizeof(*bad_text); i++) {
		(void)snprintf(s->dh, sizeof(s->dh), "%s", bad_text[i]);
		refused(s, 1024, "dh: not \"MODULUS GENERATOR\"");
	}
	s->dh[0] = '\0'; /* absent: the node's own group applies */
	ok(s, 1024);
}

static void hash_known(void **state)
{
	struct site *s = *state;

	strcpy(s->hash, "sha256");
	refused(s, 1024, "hash: sha256 is unknown to secnet");
	strcpy(s->hash, "md5");
	ok(s, 1024);
	strcpy(s->hash, "sha1");
	ok(s, 1024);
}

/* ---- timers -------------------------------------------------------------- */

static void renegotiate_below_lifetime(void **state)
{
	struct site *s = *state;

	s->r.renegotiate_time = 3600000;
	refused(s, 1024, "renegotiate-time: 3600000 ms is not below "
			 "key-lifetime 3600000 ms");
	s->r.renegotiate_time = 3599999;
	ok(s, 1024);
}

static void renegotiate_below_default_lifetime(void **state)
{
	struct site *s = *state;

	/* Absent key-lifetime: secnet's default, 1 h for a fixed peer. */
	s->r.key_lifetime = 0;
	s->r.renegotiate_time = 7200000;
	refused(s, 1024, "not below key-lifetime (secnet's default) 3600000");
	s->r.renegotiate_time = 3000000;
	ok(s, 1024);
	/* Two days for a mobile one. */
	s->r.mobile = true;
	s->r.renegotiate_time = 7200000;
	ok(s, 1024);
	s->r.renegotiate_time = 2u * 24 * 3600 * 1000;
	refused(s, 1024, "(secnet's default) 172800000");
}

static void key_lifetime_min(void **state)
{
	struct site *s = *state;

	s->r.key_lifetime = 9999;
	s->r.renegotiate_time = 5000;
	refused(s, 1024, "key-lifetime: 9999 ms is below the minimum");
	s->r.key_lifetime = 10000;
	ok(s, 1024);
}

static void renegotiate_min(void **state)
{
	struct site *s = *state;

	s->r.renegotiate_time = 999;
	refused(s, 1024, "renegotiate-time: 999 ms is below the minimum");
	s->r.renegotiate_time = 1000;
	ok(s, 1024);
}

static void setup_timeout_min(void **state)
{
	struct site *s = *state;

	s->r.setup_timeout = 99;
	refused(s, 1024, "setup-timeout: 99 ms is below the minimum");
	s->r.setup_timeout = 100;
	ok(s, 1024);
}

static void setup_retries_max(void **state)
{
	struct site *s = *state;

	s->r.setup_retries = 101;
	refused(s, 1024, "setup-retries: 101 is above the maximum of 100");
	s->r.setup_retries = 100;
	ok(s, 1024);
}

static void wait_time_min(void **state)
{
	struct site *s = *state;

	s->r.wait_time = 999;
	refused(s, 1024, "wait-time: 999 ms is below the minimum");
	s->r.wait_time = 1000;
	ok(s, 1024);
}

static void numbers_fit_int32(void **state)
{
	struct site *s = *state;

	/* conffile.c refuses numbers from 2^31 (the grammar does too;
	 * the rule does not rely on it). */
	s->r.wait_time = 0x80000000u;
	refused(s, 1024, "wait-time: 2147483648 does not fit");
	s->r.wait_time = 0x7fffffffu;
	ok(s, 1024);
}

/* ---- addresses ----------------------------------------------------------- */

static void endpoints_unusable(void **state)
{
	struct site *s = *state;
	static const struct {
		const char *ep, *why;
	} bad_ep[] = {
		{ "0.0.0.0:4500", "unspecified" },
		{ "127.0.0.1:4500", "loopback" },
		{ "127.1.2.3:4500", "loopback" },
		{ "224.0.0.1:4500", "multicast" },
		{ "239.1.1.1:4500", "multicast" },
		{ "255.255.255.255:4500", "broadcast" },
		{ "240.0.0.1:4500", "reserved" },
		{ "[::]:4500", "unspecified" },
		{ "[::1]:4500", "loopback" },
		{ "[ff02::1]:4500", "multicast" },
		{ "localhost:4500", "loopback" },
		{ "a.localhost:4500", "loopback" },
	};

	for (size_t i = 0; i < sizeof(bad_ep) / sizeof(*bad_ep); i++) {
		struct rr_error e;
		char want[128];
		if (rr_endpoint_parse(bad_ep[i].ep, &s->eps[1], &e) != RR_OK)
			fail_msg("%s: %s", bad_ep[i].ep, e.msg);
		(void)snprintf(want, sizeof(want), "address is %s",
			       bad_ep[i].why);
		refused(s, 1024, want);
	}
	/* IPv4-mapped: the grammar refuses it, the rule does not rely on
	 * that. */
	set_ep(s, 1, "[2001:db8::1]:4500");
	memset(s->eps[1].addr.bytes, 0, 16);
	memcpy(s->eps[1].addr.bytes + 10, "\xff\xff\x7f\0\0\x01", 6);
	refused(s, 1024, "address is loopback");
	set_ep(s, 1, "[2001:db8::1]:4500");
	ok(s, 1024);
	set_ep(s, 1, "notlocalhost.example:4500");
	ok(s, 1024);
}

static void endpoint_port(void **state)
{
	struct site *s = *state;

	s->eps[0].port = 0;
	refused(s, 1024, "endpoint 192.0.2.1:0: port 0");
	s->eps[0].port = 1;
	ok(s, 1024);
}

static void networks_special(void **state)
{
	struct site *s = *state;
	static const char *const bad_net[] = { "127.0.0.0/8", "0.0.0.0/0",
					       "0.0.0.0/8", "224.0.0.0/4",
					       "255.255.255.255/32",
					       "96.0.0.0/3" };

	for (size_t i = 0; i < sizeof(bad_net) / sizeof(*bad_net); i++) {
		set_net(s, 2, bad_net[i]);
		refused(s, 1024, "network ");
		refused(s, 1024, "overlaps");
	}
	set_net(s, 2, "192.168.0.0/16");
	ok(s, 1024);
	/* IPv6 networks are not given to secnet. */
	set_net(s, 2, "::/0");
	ok(s, 1024);
}

static void ptp_address(void **state)
{
	struct site *s = *state;
	struct rr_error e;

	assert_int_equal(rr_addr_parse("127.0.0.1", &s->r.ptp, &e), RR_OK);
	refused(s, 1024, "ptp 127.0.0.1: address is loopback");
	assert_int_equal(rr_addr_parse("10.1.0.1", &s->r.ptp, &e), RR_OK);
	ok(s, 1024);
}

/* ---- the keyword --------------------------------------------------------- */

static int load(const char *extra, struct fetch_config *cfg, char *err)
{
	char path[] = "/tmp/vpnrr-rules-conf-XXXXXX";
	int fd = mkstemp(path), rc;
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "vpn example\nzone vpn.example.org\nanchor "
		   "ed25519:iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=\n%s",
		extra);
	fclose(f);
	rc = fetch_config_load(path, cfg, err, FETCH_CONFIG_ERRLEN);
	unlink(path);
	return rc;
}

static void keyword(void **state)
{
	struct fetch_config cfg;
	char err[FETCH_CONFIG_ERRLEN];

	(void)state;
	assert_int_equal(load("", &cfg, err), 0);
	assert_int_equal(cfg.secnet_min_rsa_bits, 1024);
	fetch_config_free(&cfg);
	assert_int_equal(load("secnet-min-rsa-bits 2048\n", &cfg, err), 0);
	assert_int_equal(cfg.secnet_min_rsa_bits, 2048);
	fetch_config_free(&cfg);
	assert_int_equal(load("secnet-min-rsa-bits 767\n", &cfg, err), -1);
	assert_non_null(strstr(err, "secnet-min-rsa-bits"));
	assert_non_null(strstr(err, "out of range 768 to 8200"));
	assert_int_equal(load("secnet-min-rsa-bits 8201\n", &cfg, err), -1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(rsa_min_bits),
		T(rsa_later_key_checked),
		T(rsa_max_bits),
		T(rsa_declared_bits),
		T(rsa_even_modulus),
		T(rsa_exponent),
		T(rsa_key_data),
		T(other_algs_ignored),
		T(dh_prime),
		T(dh_cache),
		T(dh_generator),
		T(dh_size),
		T(dh_text),
		T(hash_known),
		T(renegotiate_below_lifetime),
		T(renegotiate_below_default_lifetime),
		T(key_lifetime_min),
		T(renegotiate_min),
		T(setup_timeout_min),
		T(setup_retries_max),
		T(wait_time_min),
		T(numbers_fit_int32),
		T(endpoints_unusable),
		T(endpoint_port),
		T(networks_special),
		T(ptp_address),
		cmocka_unit_test(keyword),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
