/* test_desc.c - the site description parser and the records it builds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sitedesc.h"

#define NOW 1800000000ULL
#define RSA "pubkey 1024 65537 1234567\n"

static const char good[] =
	"# a comment\n"
	"vpn example\n"
	"site london/alpha\n"
	"publish _vpnrr.Alpha.example.net.\n"
	"address 192.0.2.1 4500\n"
	"address 2001:db8::1 4500\n"
	"address [2001:db8::2] 4501\n"
	"address GW.example.net 4502\n"
	"networks 10.1.0.0/16\n"
	"networks fd00:1::/48\n"
	"peer 10.1.0.1\n"
	"serial 0000000A\n"
	"pkg 0000a1b2\n" RSA
	"pkgf 0000c3d4\n"
	"key x25519 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
	"contact ops@example.net\n"
	"dh 0123abcd 2\n"
	"hash sha1\n"
	"key-lifetime 3600000\n"
	"lifetime 10d\n"
	"record-serial 42\n"
	"tag x-future kept as is\n";

static int parse(const char *text, struct pub_site *s, struct pub_err *e)
{
	struct pub_lines f;
	int rc;

	if (pub_lines_parse("test.site", text, strlen(text), &f, e) != 0)
		return -1;
	rc = pub_site_parse(&f, ".", s, e);
	pub_lines_free(&f);
	return rc;
}

static void test_good(void **state)
{
	struct pub_site s;
	struct pub_err e;
	struct rr_record r;
	char *txt = NULL;
	size_t len = 0;
	struct rr_error err;

	if (parse(good, &s, &e) != 0)
		fail_msg("%s", e.msg);
	assert_string_equal(s.publish, "_vpnrr.alpha.example.net");
	assert_int_equal(s.neps, 4);
	assert_string_equal(s.eps[1], "[2001:db8::1]:4500");
	assert_string_equal(s.eps[3], "gw.example.net:4502");
	assert_int_equal(s.nnets, 2);
	assert_int_equal(s.keys.n, 2);
	assert_int_equal(s.keys.serial, 10);
	assert_true(s.keys.k[1].fallback);
	assert_int_equal(s.keys.k[1].group, 0xc3d4);
	if (pub_site_record(&s, NOW, &r, &e) != 0)
		fail_msg("%s", e.msg);
	assert_int_equal(r.serial, 42);
	assert_int_equal(r.expires, NOW + 10 * 86400);
	assert_int_equal(r.not_before, NOW - 3600);
	assert_int_equal(rr_format_txt(&r, &txt, &len, &err), RR_OK);
	assert_non_null(strstr(txt, "; ep=192.0.2.1:4500,[2001:db8::1]:4500,"
			       "[2001:db8::2]:4501,gw.example.net:4502;"));
	assert_non_null(strstr(txt, "; ks=0000000a; keys=0000a1b2:rsa1:"));
	assert_non_null(strstr(txt, "; x-future=kept as is"));
	assert_non_null(strstr(txt, "; dh=0123abcd 2; hash=sha1"));
	free(txt);
	rr_record_free(&r);
	pub_site_free(&s);
}

static void test_mobile(void **state)
{
	const char *t = "vpn v\nsite a/b\npublish x.example\nmobile\n"
			"networks 10.0.0.0/24\npeer 10.0.0.1\n" RSA;
	struct pub_site s;
	struct pub_err e;
	struct rr_record r;

	if (parse(t, &s, &e) != 0)
		fail_msg("%s", e.msg);
	assert_true(s.mobile);
	assert_int_equal(pub_site_record(&s, NOW, &r, &e), 0);
	assert_true(r.mobile);
	assert_int_equal(r.keyserial, 0);
	rr_record_free(&r);
	pub_site_free(&s);
}

/* Each bad description fails with FILE:LINE and a reason. */
/* A mobile site may name its last known address (make-secnet-sites
 * keeps both): ep=mobile,ADDRESS. */
static void test_mobile_address(void **state)
{
	const char *t = "vpn v\nsite a/b\npublish x.example\n"
			"address 192.0.2.1 4500\nmobile\n"
			"networks 10.0.0.0/24\npeer 10.0.0.1\n" RSA;
	struct pub_site s;
	struct pub_err e;
	struct rr_record r;
	struct rr_error err;
	char *txt;
	size_t len;

	(void)state;
	if (parse(t, &s, &e) != 0)
		fail_msg("%s", e.msg);
	assert_true(s.mobile);
	assert_int_equal(s.neps, 1);
	if (pub_site_record(&s, NOW, &r, &e) != 0)
		fail_msg("%s", e.msg);
	assert_true(r.mobile);
	assert_int_equal(r.neps, 1);
	assert_int_equal(rr_format_txt(&r, &txt, &len, &err), RR_OK);
	assert_non_null(strstr(txt, "; ep=mobile,192.0.2.1:4500;"));
	free(txt);
	rr_record_free(&r);
	pub_site_free(&s);
}

static void expect_bad(const char *text, const char *needle)
{
	struct pub_site s;
	struct pub_err e = { 0 };

	if (parse(text, &s, &e) == 0) {
		pub_site_free(&s);
		fail_msg("accepted: %s", text);
	}
	assert_true(e.code == PUB_EXIT_INVALID || e.code == PUB_EXIT_IO);
	if (!strstr(e.msg, needle))
		fail_msg("\"%s\" lacks \"%s\"", e.msg, needle);
}

#define BASE "vpn v\nsite a/b\npublish x.example\n"
#define REST "networks 10.0.0.0/24\npeer 10.0.0.1\n" RSA

static void test_bad(void **state)
{
	expect_bad(BASE "address 192.0.2.1 4500\n" REST "bogus 1\n",
		   "test.site:8: bogus: unknown keyword");
	expect_bad(BASE "address 192.0.2.1\n" REST,
		   "test.site:4: address: takes 2 arguments");
	expect_bad(BASE "address 192.0.2.1 70000\n" REST, "test.site:4: address");
	expect_bad(BASE "address 2001:db8::1:4500 x\n" REST, "test.site:4");
	expect_bad(BASE "mobile\nnetworks 10.0.0.0/33\npeer 10.0.0.1\n" RSA,
		   "test.site:5: networks");
	expect_bad(BASE "mobile\nnetworks 10.0.0.1/24\npeer 10.0.0.1\n" RSA,
		   "test.site:5: networks");
	expect_bad(BASE "mobile\nnetworks 10.0.0.0/24 10.0.0.0/25\n"
		   "peer 10.0.0.1\n" RSA, "overlaps");
	expect_bad(BASE "mobile\nnetworks 10.0.0.0/24\npeer 10.9.0.1\n" RSA,
		   "test.site:6: peer: the point-to-point address is not "
		   "inside");
	expect_bad(BASE "mobile\n" REST "serial 123\n", "test.site:8: serial");
	expect_bad(BASE "mobile\n" REST "pubkey 1024 abc 5\n",
		   "test.site:8: pubkey");
	expect_bad(BASE "mobile\n" REST "key x25519 AAAA\n",
		   "test.site:8: key: x25519 keys have 32 bytes");
	expect_bad(BASE "mobile\n" REST "key x25519 AAA\n",
		   "test.site:8: key: key data is not padded base64");
	expect_bad(BASE "mobile\n" REST "pub rsa1 \"\n", "test.site:8: pub");
	expect_bad(BASE "mobile\n" REST "key-lifetime 0\n",
		   "test.site:8: key-lifetime: 0: out of range");
	expect_bad(BASE "mobile\n" REST "lifetime soon\n", "test.site:8: lifetime");
	expect_bad(BASE "mobile\n" REST "expires 2030-13-01T00:00:00Z\n",
		   "test.site:8: expires");
	expect_bad(BASE "mobile\n" REST "contact a;b\n", "test.site:8: contact");
	expect_bad(BASE "mobile\n" REST "hash sha3\n", "test.site:8: hash");
	expect_bad(BASE "mobile\n" REST "vpn w\n",
		   "test.site:8: vpn: given more than once");
	expect_bad("vpn v\nsite ab\n", "test.site:2: site: ab: need LOCATION/SITE");
	expect_bad("vpn 1v\n", "test.site:1: vpn");
	expect_bad(BASE "publish bad..name\n", "test.site:4: publish");
	expect_bad(BASE "mobile\npeer 10.0.0.1\n" RSA, "networks: missing");
	expect_bad(BASE "networks 10.0.0.0/24\npeer 10.0.0.1\n" RSA,
		   "address: missing");
	expect_bad(BASE "mobile\nnetworks 10.0.0.0/24\npeer 10.0.0.1\n",
		   "pubkey: missing");
	expect_bad("vpn v\x01\n", "test.site:1: syntax: control character");
	expect_bad(BASE "mobile\n" REST "tag Bad x\n", "test.site:8: tag");
	expect_bad(BASE "mobile\n" REST "peer-keys /nonexistent/peer.x\n",
		   "/nonexistent/peer.x");
}

static void test_expired(void **state)
{
	struct pub_site s;
	struct pub_err e;
	struct rr_record r;

	if (parse(BASE "mobile\n" REST "expires 2020-01-01T00:00:00Z\n", &s,
		  &e) != 0)
		fail_msg("%s", e.msg);
	assert_int_equal(pub_site_record(&s, NOW, &r, &e), -1);
	assert_non_null(strstr(e.msg, "expires: the expiry time has passed"));
	pub_site_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_mobile),
		cmocka_unit_test(test_mobile_address),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_expired),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
