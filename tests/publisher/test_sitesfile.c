/* test_sitesfile.c - reading make-secnet-sites sites files for import. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "sitesfile.h"

static char dir[] = "/tmp/vpnrr-sf-XXXXXX";

static const char *write_tmp(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

#define HEAD "vpn v\ncontact a@b\ndh 0a 2\nhash sha1\nlocation l g\n" \
	     "contact c@d\n"
#define SITE "site s\nnetworks 10.0.0.0/24\npeer 10.0.0.1\n" \
	     "pubkey 1024 65537 99\n"

static void test_every_keyword(void **state)
{
	struct pub_sitesfile sf;
	struct pub_err e;
	const struct pub_sf_location *lo;
	const struct pub_sf_site *s;
	struct pub_sf_common c;
	char path[300];

	snprintf(path, sizeof(path), "%s/sites-all.conf", DATA_DIR);
	if (pub_sitesfile_read(path, &sf, &e) != 0)
		fail_msg("%s", e.msg);
	assert_int_equal(sf.n, 1);
	assert_string_equal(sf.vpns[0].name, "example");
	assert_int_equal(sf.vpns[0].n, 2);
	lo = &sf.vpns[0].locs[0];
	assert_string_equal(lo->name, "london");
	assert_int_equal(lo->n, 2);
	s = &lo->sites[0];
	assert_string_equal(s->endpoint, "192.0.2.10:4500");
	assert_int_equal(s->nets[0].len, 16); /* from a dotted netmask */
	s = &lo->sites[1];
	assert_string_equal(s->endpoint, "[2001:db8:2::10]:4500");
	assert_int_equal(s->nnets, 2);
	assert_int_equal(s->keys.n, 2);
	assert_int_equal(s->keys.serial, 10);
	assert_string_equal(s->keys.k[0].alg, "rsa1");
	assert_memory_equal(s->keys.k[0].data, "1024 65537 1234567891", 21);
	assert_true(s->keys.k[1].fallback);
	assert_string_equal(s->keys.k[1].alg, "ed448");
	assert_true(s->has_mobile && !s->mobile);
	pub_sf_effective(&sf.vpns[0], lo, s, &c);
	assert_string_equal(c.hash, "md5");
	assert_string_equal(c.contact, "london@example.org");
	assert_true(c.has_tun[0] && c.tun[0] == 3600000);
	lo = &sf.vpns[0].locs[1];
	assert_int_equal(lo->n, 3);
	assert_true(lo->sites[0].mobile && !lo->sites[0].has_address);
	assert_string_equal(lo->sites[1].endpoint, "[2001:db8:4::1]:4500");
	assert_string_equal(lo->sites[2].endpoint, "gw.example.net:4500");
	/* Notes name what is not carried, with lines. */
	assert_true(sf.nnotes >= 5);
	bool zero = false, group = false, comment = false;
	for (size_t i = 0; i < sf.nnotes; i++) {
		zero |= strstr(sf.notes[i], ":12: renegotiate-time: value 0") != 0;
		group |= strstr(sf.notes[i], ":14: location: group admins") != 0;
		/* make-secnet-sites drops a pubkey's comment too. */
		comment |= strstr(sf.notes[i], "comment") != 0;
	}
	assert_true(zero && group && !comment);
	pub_sitesfile_free(&sf);
}

static void test_include(void **state)
{
	struct pub_sitesfile sf;
	struct pub_err e;
	char path[300];

	snprintf(path, sizeof(path), "%s/sites-include.conf", DATA_DIR);
	if (pub_sitesfile_read(path, &sf, &e) != 0)
		fail_msg("%s", e.msg);
	assert_int_equal(sf.vpns[0].locs[0].n, 3);
	pub_sitesfile_free(&sf);
}

static void expect_bad(const char *text, const char *needle)
{
	struct pub_sitesfile sf;
	struct pub_err e = { 0 };
	const char *p = write_tmp("sites", text);

	if (pub_sitesfile_read(p, &sf, &e) == 0) {
		pub_sitesfile_free(&sf);
		fail_msg("accepted: %s", text);
	}
	if (!strstr(e.msg, needle))
		fail_msg("\"%s\" lacks \"%s\"", e.msg, needle);
}

static void test_bad(void **state)
{
	expect_bad("site s\n", "sites:1: site: no location line before it");
	expect_bad("vpn v\nlocation l g\nbogus 1\n", "sites:3: bogus: unknown");
	expect_bad(HEAD "networks 10.0.0.0/8\n", "sites:7: networks: only "
		   "allowed at site level");
	expect_bad(HEAD SITE "networks 10.0.0.0/24\n", "sites:11: networks: "
		   "already defined");
	expect_bad(HEAD "site s\nnetworks 10.0.0.1/24\n", "sites:8: networks");
	expect_bad(HEAD "site s\nnetworks 10.0.0.0/255.0.255.0\n",
		   "netmask is not contiguous");
	expect_bad(HEAD SITE "address 192.0.2.1 65536\n", "sites:11: address: "
		   "port 65536");
	expect_bad(HEAD SITE "address bad_host! 1\n", "sites:11: address");
	expect_bad(HEAD SITE "mobile maybe\n", "sites:11: mobile");
	expect_bad(HEAD SITE "hash sha3\n", "sites:11: hash");
	expect_bad(HEAD SITE "serial 12345\n", "sites:11: serial");
	expect_bad(HEAD SITE "pub rsa1 \"bad\n", "sites:11: pub");
	expect_bad(HEAD "site s\nnetworks 10.0.0.0/24\npeer 10.0.0.1\n",
		   "is missing property pub or pubkey");
	expect_bad(HEAD "site s\nnetworks 10.0.0.0/24\npeer 10.9.0.1\n"
		   "pubkey 1024 65537 99\n", "peer not in networks");
	expect_bad(HEAD "restrict-nets 10.1.0.0/16\n" SITE,
		   "networks out of bounds");
	expect_bad("vpn v\ndh 0a 2\nhash sha1\nlocation l g\ncontact c@d\n" SITE,
		   "vpn: v is missing property contact");
	expect_bad(HEAD "include nonexistent.conf\n", "nonexistent.conf");
	expect_bad(HEAD SITE "key-lifetime -1\n", "sites:11: key-lifetime");
}

/* What make-secnet-sites accepts, import accepts. */
static void expect_good(const char *text)
{
	struct pub_sitesfile sf;
	struct pub_err e = { 0 };
	const char *p = write_tmp("sites", text);

	if (pub_sitesfile_read(p, &sf, &e) != 0)
		fail_msg("refused: %s: %s", text, e.msg);
	pub_sitesfile_free(&sf);
}

static void test_parity(void **state)
{
	(void)state;
	/* A location inherits its VPN's contact. */
	expect_good("vpn v\ncontact a@b\ndh 0a 2\nhash sha1\nlocation l g\n"
		    SITE);
	/* An existing location may be named again without its group. */
	expect_good(HEAD SITE "location l\nsite t\nnetworks 10.0.1.0/24\n"
		    "peer 10.0.1.1\npubkey 1024 65537 99\n");
	/* A trailing e-mail comment on pubkey is fine. */
	expect_good(HEAD "site s\nnetworks 10.0.0.0/24\npeer 10.0.0.1\n"
		    "pubkey 1024 65537 99 me@example.org\n");
	/* Every missing property at once, not only the first. */
	expect_bad("vpn v\ncontact a@b\nlocation l g\nsite s\n"
		   "pubkey 1024 65537 99\n", "sites:4: site: v/l/s is missing "
		   "properties dh, networks, hash, peer");
	/* A location with no contact anywhere names the location. */
	expect_bad("vpn v\ndh 0a 2\nhash sha1\nlocation l g\n" SITE,
		   "sites:4: location: l is missing property contact");
	/* make-secnet-sites refuses what follows. */
	expect_bad("vpn v\ncontact a@b\ndh 0a 2\nhash sha1\nlocation l\n" SITE,
		   "sites:5: location: l: a new location needs a GROUP");
	expect_bad(HEAD SITE "  #serial 00000001\n", "sites:11: comment: '#' "
		   "must be in the first column");
	expect_bad(HEAD "site s\n\t# pub ed25519 xyz\nnetworks 10.0.0.0/24\n",
		   "sites:8: comment");
	expect_bad("vpn v\ncontact A@B\n", "sites:2: contact: A@B: not an "
		   "e-mail address");
	expect_bad(HEAD "site s\nnetworks 10.0.0.0/24\npeer 10.0.0.1\n"
		   "pubkey 1024 65537 99 (comment)\n", "sites:10: pubkey");
	/* Two problems: both counted, the first named. */
	expect_bad(HEAD SITE "colour blue\nflavour red\n",
		   "2 problems (each listed above), the first: ");
	expect_bad(HEAD SITE "colour blue\nflavour red\n",
		   "sites:11: colour: unknown keyword");
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Errors in an included file name that file and its line; a missing
 * file is named with the include line that asked for it. */
static void test_include_errors(void **state)
{
	char sub[300], inc[320], top[320];
	struct pub_sitesfile sf;
	struct pub_err e = { 0 };

	(void)state;
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(inc, sizeof(inc), "%s/inc.conf", sub);
	snprintf(top, sizeof(top), "%s/top.conf", dir);
	put_file(inc, "site s\nnetworks 10.0.0.0/24\npeer 10.0.0.1\n"
		 "bogus 1\n");
	put_file(top, HEAD "include sub/inc.conf\n");
	assert_int_not_equal(pub_sitesfile_read(top, &sf, &e), 0);
	if (!strstr(e.msg, "sub/inc.conf:4: bogus: unknown keyword"))
		fail_msg("%s", e.msg);
	put_file(top, HEAD "include ../nowhere.conf\n");
	assert_int_not_equal(pub_sitesfile_read(top, &sf, &e), 0);
	if (!strstr(e.msg, "top.conf:7: include: ") ||
	    !strstr(e.msg, "nowhere.conf"))
		fail_msg("%s", e.msg);
	unlink(top);
	unlink(inc);
	rmdir(sub);
}

/* A keyword without its arguments is an error naming it, never a crash
 * (a bare "address" once read past the words of its line). */
static void test_bare_keywords(void **state)
{
	static const char *const kws[] = {
		"vpn", "location", "site", "contact", "dh", "hash",
		"restrict-nets", "key-lifetime", "setup-timeout",
		"setup-retries", "wait-time", "renegotiate-time", "networks",
		"peer", "address", "mobile", "pubkey", "pub", "serial", "pkg",
		"pkgf", "include",
	};
	char text[1024], needle[64];

	(void)state;
	expect_bad(HEAD SITE "address\n",
		   "sites:11: address: takes 2 arguments, not 0");
	expect_bad(HEAD SITE "address 192.0.2.1\n",
		   "sites:11: address: takes 2 arguments, not 1");
	for (size_t i = 0; i < sizeof(kws) / sizeof(kws[0]); i++) {
		snprintf(text, sizeof(text), HEAD SITE "%s\n", kws[i]);
		snprintf(needle, sizeof(needle), "sites:11: %s: ", kws[i]);
		expect_bad(text, needle);
	}
}

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char p[300];

	snprintf(p, sizeof(p), "%s/sites", dir);
	unlink(p);
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_keyword),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_bare_keywords),
		cmocka_unit_test(test_parity),
		cmocka_unit_test(test_include_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
