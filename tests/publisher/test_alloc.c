/* test_alloc.c - "any /N" allocation and the request tags that carry it
 * (any=, hosted=1), with requests made before them still read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "alloc.h"
#include "request.h"

static void net(struct rr_prefix *p, const char *s)
{
	struct rr_error err;
	assert_int_equal(rr_prefix_parse(s, p, &err), RR_OK);
}

static void expect_block(const struct rr_prefix *space, size_t nspace,
			 const struct rr_prefix *taken, size_t ntaken,
			 const char *want, const char *got_text)
{
	struct pub_anynet a;
	struct rr_prefix got;
	struct pub_err e;
	char s[RR_PREFIXSTRLEN];

	assert_int_equal(pub_anynet_parse(want, &a), 0);
	assert_int_equal(pub_alloc_block(space, nspace, taken, ntaken, &a,
					 &got, &e), 0);
	rr_prefix_format(&got, s);
	assert_string_equal(s, got_text);
}

static void first_free_aligned(void **state)
{
	struct rr_prefix space[2], taken[4];
	(void)state;

	net(&space[0], "10.0.0.0/24");
	net(&space[1], "fd00::/16");
	expect_block(space, 2, NULL, 0, "any/29", "10.0.0.0/29");
	net(&taken[0], "10.0.0.0/30");
	/* A /30 at the start: the first /29 is taken, not half free. */
	expect_block(space, 2, taken, 1, "any/29", "10.0.0.8/29");
	net(&taken[1], "10.0.0.8/29");
	net(&taken[2], "10.0.0.32/27");
	expect_block(space, 2, taken, 3, "any/29", "10.0.0.16/29");
	expect_block(space, 2, taken, 3, "any/27", "10.0.0.64/27");
	/* A hole of a /28 at .16 is used before the space after .32/27. */
	expect_block(space, 2, taken, 3, "any/28", "10.0.0.16/28");
	/* IPv6 jumps over a member's prefix in one step. */
	net(&taken[3], "fd00::/48");
	expect_block(space, 2, taken, 4, "any6/64", "fd00:0:1::/64");
}

static void exhaustion_and_no_space(void **state)
{
	struct rr_prefix space[2], taken[2];
	struct rr_prefix got;
	struct pub_anynet a;
	struct pub_err e;
	(void)state;

	net(&space[0], "10.0.0.0/28");
	net(&space[1], "10.1.0.0/29");
	net(&taken[0], "10.0.0.0/29");
	net(&taken[1], "10.0.0.8/29");
	/* The second space is used when the first is full. */
	expect_block(space, 2, taken, 2, "any/29", "10.1.0.0/29");
	assert_int_equal(pub_anynet_parse("any/29", &a), 0);
	assert_int_equal(pub_alloc_block(space, 1, taken, 2, &a, &got, &e),
			 -1);
	assert_int_equal(e.code, PUB_EXIT_INVALID);
	assert_non_null(strstr(e.msg, "no free IPv4 /29"));
	/* Larger than every space. */
	assert_int_equal(pub_anynet_parse("any/24", &a), 0);
	assert_int_equal(pub_alloc_block(space, 2, NULL, 0, &a, &got, &e), -1);
	assert_non_null(strstr(e.msg, "hold no IPv4 network"));
	assert_int_equal(pub_anynet_parse("any6/64", &a), 0);
	assert_int_equal(pub_alloc_block(space, 2, NULL, 0, &a, &got, &e), -1);
	assert_non_null(strstr(e.msg, "hold no IPv6 network"));
}

static void anynet_forms(void **state)
{
	struct pub_anynet a;
	char s[16];
	(void)state;

	assert_int_equal(pub_anynet_parse("any/29", &a), 0);
	pub_anynet_format(&a, s);
	assert_string_equal(s, "ipv4/29");
	assert_int_equal(pub_anynet_parse("ipv6/64", &a), 0);
	assert_int_equal(a.family, 6);
	assert_int_equal(a.len, 64);
	assert_int_equal(pub_anynet_parse("any/33", &a), -1);
	assert_int_equal(pub_anynet_parse("any/0", &a), -1);
	assert_int_equal(pub_anynet_parse("any/029", &a), -1);
	assert_int_equal(pub_anynet_parse("some/29", &a), -1);
}

static void request_roundtrip(void **state)
{
	struct pub_request q, back;
	struct rr_seckey k;
	struct rr_error err;
	struct pub_err e;
	char *text = NULL;
	(void)state;

	assert_int_equal(rr_seckey_generate(&k, &err), RR_OK);
	memset(&q, 0, sizeof(q));
	strcpy(q.vpn, "example");
	strcpy(q.site, "mobile/delta");
	q.key = k.pub;
	q.hosted = true;
	assert_int_equal(pub_anynet_parse("any/29", &q.any[0]), 0);
	assert_int_equal(pub_anynet_parse("any6/64", &q.any[1]), 0);
	q.nany = 2;
	q.made = 1700000000;
	assert_int_equal(pub_request_encode(&q, &k, &text, &e), 0);
	assert_int_equal(pub_request_decode("t", text, &back, &e), 0);
	assert_true(back.hosted);
	assert_int_equal(back.nnets, 0);
	assert_int_equal(back.nany, 2);
	assert_int_equal(back.any[1].family, 6);
	assert_int_equal(back.any[1].len, 64);
	assert_string_equal(back.publish, "");
	free(text);

	/* Fixed networks and a publish name: no any=, no hosted=. */
	q.hosted = false;
	q.nany = 0;
	net(&q.nets[0], "10.1.0.0/16");
	q.nnets = 1;
	strcpy(q.publish, "_vpnrr.alpha.example.net");
	assert_int_equal(pub_request_encode(&q, &k, &text, &e), 0);
	assert_int_equal(pub_request_decode("t", text, &back, &e), 0);
	assert_false(back.hosted);
	assert_int_equal(back.nany, 0);
	assert_string_equal(back.publish, "_vpnrr.alpha.example.net");
	free(text);

	/* A contact with a control byte (an escape sequence for the admin's
	 * terminal) is refused, though signed. */
	strcpy(q.contact, "ops@alpha.example.net\x1b[2J");
	assert_int_equal(pub_request_encode(&q, &k, &text, &e), 0);
	assert_int_equal(pub_request_decode("t", text, &back, &e), -1);
	assert_non_null(strstr(e.msg, "contact: control character"));
	free(text);
	q.contact[0] = '\0';

	/* Asking for nothing is refused. */
	q.nnets = 0;
	assert_int_equal(pub_request_encode(&q, &k, &text, &e), 0);
	assert_int_equal(pub_request_decode("t", text, &back, &e), -1);
	assert_non_null(strstr(e.msg, "asks for no networks"));
	free(text);
	rr_seckey_wipe(&k);
}

/* Armours BODY signed by K as a request made before any= and hosted=. */
static char *old_style(const char *body, const struct rr_seckey *k)
{
	static const char ctx[] = "vpnrr1-request";
	uint8_t sig[RR_SIG_LEN];
	char sigb64[128], full[1024], b64[2048], *out = malloc(4096);
	crypto_sign_state st;

	crypto_sign_init(&st);
	crypto_sign_update(&st, (const uint8_t *)ctx, sizeof(ctx));
	crypto_sign_update(&st, (const uint8_t *)body, strlen(body));
	crypto_sign_final_create(&st, sig, NULL, k->sk);
	sodium_bin2base64(sigb64, sizeof(sigb64), sig, sizeof(sig),
			  sodium_base64_VARIANT_ORIGINAL);
	snprintf(full, sizeof(full), "%s; sig=%s", body, sigb64);
	sodium_bin2base64(b64, sizeof(b64), (const uint8_t *)full,
			  strlen(full), sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, 4096, "%s\n%s\n%s\n", PUB_REQ_BEGIN, b64, PUB_REQ_END);
	return out;
}

static void old_requests_still_valid(void **state)
{
	struct pub_request back;
	struct rr_seckey k;
	struct rr_error err;
	struct pub_err e;
	char key[RR_PUBKEYSTRLEN], body[512], *text;
	(void)state;

	assert_int_equal(rr_seckey_generate(&k, &err), RR_OK);
	rr_pubkey_format(&k.pub, key);
	snprintf(body, sizeof(body), "v=vpnrr1; k=request; vpn=example; "
		 "site=london/alpha; rk=%s; nets=10.1.0.0/16; "
		 "at=_vpnrr.alpha.example.net; contact=ops; t=1700000000", key);
	text = old_style(body, &k);
	assert_int_equal(pub_request_decode("old", text, &back, &e), 0);
	assert_int_equal(back.nnets, 1);
	assert_false(back.hosted);
	free(text);
	/* at= and hosted=1 together: refused. */
	snprintf(body, sizeof(body), "v=vpnrr1; k=request; vpn=example; "
		 "site=london/alpha; rk=%s; nets=10.1.0.0/16; "
		 "at=_vpnrr.alpha.example.net; hosted=1; t=1700000000", key);
	text = old_style(body, &k);
	assert_int_equal(pub_request_decode("both", text, &back, &e), -1);
	free(text);
	rr_seckey_wipe(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_free_aligned),
		cmocka_unit_test(exhaustion_and_no_space),
		cmocka_unit_test(anynet_forms),
		cmocka_unit_test(request_roundtrip),
		cmocka_unit_test(old_requests_still_valid),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
