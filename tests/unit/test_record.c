/* test_record.c - the record model, both encodings, signatures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "rr.h"

#define NOW 1800000000ULL
#define OWNER_SITE "_vpnrr.alpha.example.net"
#define OWNER_MEMBER "alpha.london.m._vpnrr.vpn.example.org"
#define OWNER_HEAD "_vpnrr.vpn.example.org"
#define OWNER_ANCHOR "_anchor._vpnrr.vpn.example.org"

static struct rr_seckey anchor, sitekey;

#define OK(x)                                                                  \
	do {                                                                   \
		struct rr_error *e_ = &err;                                    \
		enum rr_errclass rc_ = (x);                                    \
		if (rc_ != RR_OK)                                              \
			fail_msg("%s: %s", rr_errclass_name(rc_), e_->msg);    \
	} while (0)

static int setup(void **state)
{
	struct rr_error err;
	uint8_t seed[32];

	if (sodium_init() < 0)
		return -1;
	/* Fixed seeds keep failures reproducible. */
	memset(seed, 1, sizeof(seed));
	crypto_sign_seed_keypair(anchor.pub.key, anchor.sk, seed);
	memset(seed, 2, sizeof(seed));
	crypto_sign_seed_keypair(sitekey.pub.key, sitekey.sk, seed);
	/* Round trip through the text form fills alg and id. */
	char txt[RR_SECKEYSTRLEN];
	anchor.alg = sitekey.alg = RR_SIGALG_ED25519;
	rr_seckey_format(&anchor, txt);
	if (rr_seckey_parse(txt, &anchor, &err) != RR_OK)
		return -1;
	rr_seckey_format(&sitekey, txt);
	if (rr_seckey_parse(txt, &sitekey, &err) != RR_OK)
		return -1;
	return 0;
}

static void make_site(struct rr_record *r, bool sign)
{
	struct rr_error err;

	rr_record_init(r, RR_KIND_SITE);
	OK(rr_add(r, "vpn", "example", &err));
	OK(rr_add(r, "site", "london/alpha", &err));
	OK(rr_add(r, "s", "7", &err));
	OK(rr_add(r, "t", "1700000000", &err));
	OK(rr_add(r, "x", "1900000000", &err));
	OK(rr_add(r, "ep", "192.0.2.1:4500,[2001:db8::1]:4500", &err));
	OK(rr_add(r, "nets", "10.1.0.0/16,fd00:1::/48", &err));
	OK(rr_add(r, "ptp", "10.1.0.1", &err));
	OK(rr_add(r, "ks", "0000000a", &err));
	OK(rr_add(r, "keys",
		  "0000a1b2:rsa1:MTAyNCA2NTUzNyAxMjM0NQ==,"
		  "~0000c3d4:x25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		  &err));
	OK(rr_add(r, "key-lifetime", "3600000", &err));
	OK(rr_add(r, "contact", "ops@example.net", &err));
	OK(rr_add(r, "x-future", "kept as is", &err));
	if (sign)
		OK(rr_sign(r, OWNER_SITE, &sitekey, &err));
}

static void make_member(struct rr_record *r, const char *site, bool sign)
{
	struct rr_error err;
	char pk[RR_PUBKEYSTRLEN];

	rr_pubkey_format(&sitekey.pub, pk);
	rr_record_init(r, RR_KIND_MEMBER);
	OK(rr_add(r, "vpn", "example", &err));
	OK(rr_add(r, "site", site, &err));
	OK(rr_add(r, "s", "1", &err));
	OK(rr_add(r, "t", "1700000000", &err));
	OK(rr_add(r, "x", "1900000000", &err));
	OK(rr_add(r, "rk", pk, &err));
	OK(rr_add(r, "nets", "10.1.0.0/16,fd00:1::/48", &err));
	OK(rr_add(r, "at", OWNER_SITE, &err));
	if (sign)
		OK(rr_sign(r, OWNER_MEMBER, &anchor, &err));
}

static void make_head(struct rr_record *r, const uint8_t hash[RR_HASH_LEN])
{
	struct rr_error err;
	char b64[64];

	sodium_bin2base64(b64, sizeof(b64), hash, RR_HASH_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
	rr_record_init(r, RR_KIND_HEAD);
	OK(rr_add(r, "vpn", "example", &err));
	OK(rr_add(r, "s", "2026112301", &err));
	OK(rr_add(r, "t", "1700000000", &err));
	OK(rr_add(r, "x", "1900000000", &err));
	OK(rr_add(r, "n", "1", &err));
	OK(rr_add(r, "pages", b64, &err));
	OK(rr_sign(r, OWNER_HEAD, &anchor, &err));
}

/* An announcement of the site key as a new anchor, signed by the anchor. */
static void make_anchor(struct rr_record *r)
{
	char pub[RR_PUBKEYSTRLEN];
	struct rr_error err;

	rr_pubkey_format(&sitekey.pub, pub);
	rr_record_init(r, RR_KIND_ANCHOR);
	OK(rr_add(r, "vpn", "example", &err));
	OK(rr_add(r, "s", "1", &err));
	OK(rr_add(r, "t", "1700000000", &err));
	OK(rr_add(r, "x", "1900000000", &err));
	OK(rr_add(r, "add", pub, &err));
	OK(rr_sign(r, OWNER_ANCHOR, &anchor, &err));
}

static struct rr_expect expect_for(enum rr_kind k)
{
	struct rr_expect ex = { NULL, "example", NULL, k, NOW, false };

	switch (k) {
	case RR_KIND_SITE:
		ex.owner = OWNER_SITE;
		ex.site = "london/alpha";
		break;
	case RR_KIND_MEMBER:
		ex.owner = OWNER_MEMBER;
		ex.site = "london/alpha";
		break;
	case RR_KIND_HEAD:
		ex.owner = OWNER_HEAD;
		break;
	case RR_KIND_ANCHOR:
		ex.owner = OWNER_ANCHOR;
		break;
	}
	return ex;
}

static const struct rr_pubkey *key_for(enum rr_kind k)
{
	return k == RR_KIND_SITE ? &sitekey.pub : &anchor.pub;
}

static void build(enum rr_kind k, struct rr_record *r)
{
	uint8_t hash[RR_HASH_LEN];
	struct rr_record m;
	const struct rr_record *mp = &m;
	struct rr_error err;

	switch (k) {
	case RR_KIND_SITE:
		make_site(r, true);
		break;
	case RR_KIND_MEMBER:
		make_member(r, "london/alpha", true);
		break;
	case RR_KIND_HEAD:
		make_member(&m, "london/alpha", false);
		OK(rr_page_hash(&mp, 1, hash, &err));
		rr_record_free(&m);
		make_head(r, hash);
		break;
	case RR_KIND_ANCHOR:
		make_anchor(r);
		break;
	}
}

/* TXT -> model -> binary -> model -> TXT gives the same bytes. */
static void test_round_trip(void **state)
{
	struct rr_error err;

	for (int k = RR_KIND_HEAD; k <= RR_KIND_LAST; k++) {
		struct rr_record a, b, c;
		char *t1, *t2;
		size_t l1, l2, bl1, bl2;
		uint8_t *b1, *b2;

		build((enum rr_kind)k, &a);
		OK(rr_format_txt(&a, &t1, &l1, &err));
		OK(rr_parse_txt_joined(t1, l1, &b, &err));
		OK(rr_encode_bin(&b, &b1, &bl1, &err));
		OK(rr_parse_bin(b1, bl1, &c, &err));
		OK(rr_format_txt(&c, &t2, &l2, &err));
		assert_int_equal(l1, l2);
		assert_memory_equal(t1, t2, l1);
		OK(rr_encode_bin(&c, &b2, &bl2, &err));
		assert_int_equal(bl1, bl2);
		assert_memory_equal(b1, b2, bl1);
		/* Both decoded copies verify. */
		struct rr_expect ex = expect_for((enum rr_kind)k);
		OK(rr_verify(&b, &ex, key_for((enum rr_kind)k), 1, &err));
		OK(rr_verify(&c, &ex, key_for((enum rr_kind)k), 1, &err));
		/* The binary form is smaller. */
		assert_true(bl1 < l1);
		free(t1);
		free(t2);
		free(b1);
		free(b2);
		rr_record_free(&a);
		rr_record_free(&b);
		rr_record_free(&c);
	}
}

static void test_view(void **state)
{
	struct rr_record r;
	char s[RR_ENDPOINTSTRLEN];

	make_site(&r, true);
	assert_string_equal(r.vpn, "example");
	assert_string_equal(r.site, "london/alpha");
	assert_int_equal(r.serial, 7);
	assert_int_equal(r.neps, 2);
	rr_endpoint_format(&r.eps[1], s);
	assert_string_equal(s, "[2001:db8::1]:4500");
	assert_int_equal(r.nnets, 2);
	assert_int_equal(r.nets[1].addr.family, 6);
	assert_int_equal(r.keyserial, 10);
	assert_int_equal(r.ntkeys, 2);
	assert_string_equal(r.tkeys[0].alg, "rsa1");
	assert_int_equal(r.tkeys[0].group, 0xa1b2);
	assert_false(r.tkeys[0].fallback);
	assert_true(r.tkeys[1].fallback);
	assert_int_equal(r.tkeys[1].len, 32);
	assert_int_equal(r.key_lifetime, 3600000);
	assert_true(r.has_sig);
	rr_record_free(&r);
}

/* Every single-byte change to a signed record, in either encoding, makes
 * it fail to parse or fail to verify. */
static void flip_all(const uint8_t *data, size_t len, bool bin,
		     enum rr_kind k)
{
	uint8_t *copy = malloc(len);
	struct rr_expect ex = expect_for(k);
	struct rr_record r;
	struct rr_error err;
	size_t accepted = 0;

	assert_non_null(copy);
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			enum rr_errclass rc;
			memcpy(copy, data, len);
			copy[i] ^= (uint8_t)(1u << bit);
			rc = bin ? rr_parse_bin(copy, len, &r, &err)
				 : rr_parse_txt_rdata(copy, len, &r, &err);
			if (rc == RR_OK) {
				rc = rr_verify(&r, &ex, key_for(k), 1, &err);
				rr_record_free(&r);
			}
			if (rc == RR_OK) {
				accepted++;
				print_error("accepted flip at byte %zu bit %d "
					    "(%s)\n", i, bit,
					    bin ? "bin" : "txt");
			}
		}
	}
	free(copy);
	assert_int_equal(accepted, 0);
}

static void test_flip_every_byte(void **state)
{
	struct rr_error err;

	for (int k = RR_KIND_HEAD; k <= RR_KIND_LAST; k++) {
		struct rr_record r;
		uint8_t *bin, *txt;
		size_t bl, tl;

		build((enum rr_kind)k, &r);
		OK(rr_encode_bin(&r, &bin, &bl, &err));
		OK(rr_encode_txt_rdata(&r, &txt, &tl, &err));
		flip_all(bin, bl, true, (enum rr_kind)k);
		flip_all(txt, tl, false, (enum rr_kind)k);
		free(bin);
		free(txt);
		rr_record_free(&r);
	}
}

/* Long records split into 255-byte strings; any split gives the same
 * record, and a 256-byte string is refused. */
static void test_string_split(void **state)
{
	struct rr_record r, back;
	struct rr_error err;
	uint8_t *rd;
	size_t rl, tl;
	char *txt;

	make_site(&r, true);
	OK(rr_format_txt(&r, &txt, &tl, &err));
	OK(rr_encode_txt_rdata(&r, &rd, &rl, &err));
	assert_true(tl > 255);
	/* Every string but the last is exactly 255 bytes. */
	size_t off = 0, nstr = 0;
	while (off < rl) {
		size_t l = rd[off];
		if (off + 1 + l < rl)
			assert_int_equal(l, 255);
		off += 1 + l;
		nstr++;
	}
	assert_int_equal(off, rl);
	assert_int_equal(nstr, (tl + 254) / 255);
	OK(rr_parse_txt_rdata(rd, rl, &back, &err));
	rr_record_free(&back);

	/* Arbitrary split points: one byte, then 7-byte pieces. */
	const uint8_t *strs[1024];
	size_t lens[1024], n = 0;
	for (size_t o = 0; o < tl; n++) {
		size_t l = n == 0 ? 1 : (tl - o < 7 ? tl - o : 7);
		strs[n] = (const uint8_t *)txt + o;
		lens[n] = l;
		o += l;
	}
	OK(rr_parse_txt(strs, lens, n, &back, &err));
	struct rr_expect ex = expect_for(RR_KIND_SITE);
	OK(rr_verify(&back, &ex, &sitekey.pub, 1, &err));
	rr_record_free(&back);

	/* A 256-byte string cannot come from DNS and is refused. */
	strs[0] = (const uint8_t *)txt;
	lens[0] = 256;
	strs[1] = (const uint8_t *)txt + 256;
	lens[1] = tl - 256;
	assert_int_equal(rr_parse_txt(strs, lens, 2, &back, &err), RR_E_LIMIT);
	assert_non_null(strstr(err.msg, "256"));

	free(txt);
	free(rd);
	rr_record_free(&r);
}

/* Unknown tags survive both encodings and are covered by the signature. */
static void test_unknown_tags(void **state)
{
	const char *text;
	struct rr_record r, back;
	struct rr_error err;
	uint8_t *bin;
	size_t bl, tl;
	char *out;

	make_site(&r, true);
	OK(rr_encode_bin(&r, &bin, &bl, &err));
	OK(rr_parse_bin(bin, bl, &back, &err));
	OK(rr_format_txt(&back, &out, &tl, &err));
	assert_non_null(strstr(out, "; x-future=kept as is;"));
	struct rr_expect ex = expect_for(RR_KIND_SITE);
	OK(rr_verify(&back, &ex, &sitekey.pub, 1, &err));
	/* Changing the unknown value breaks the signature. */
	char *p = strstr(out, "kept as is");
	p[0] = 'K';
	rr_record_free(&back);
	OK(rr_parse_txt_joined(out, tl, &back, &err));
	assert_int_equal(rr_verify(&back, &ex, &sitekey.pub, 1, &err),
			 RR_E_SIGNATURE);
	rr_record_free(&back);
	free(out);
	free(bin);
	rr_record_free(&r);

	/* An unknown critical tag rejects the record. */
	text = "v=vpnrr1; k=site; vpn=example; !x-must=1";
	assert_int_equal(rr_parse_txt_joined(text, strlen(text), &back, &err),
			 RR_E_CRITICAL);
	assert_non_null(strstr(err.msg, "!x-must"));
}

static void expect_txt_error(const char *text, enum rr_errclass want,
			     const char *needle)
{
	struct rr_record r;
	struct rr_error err = { 0 };
	enum rr_errclass rc = rr_parse_txt_joined(text, strlen(text), &r, &err);

	if (rc != want || (needle && !strstr(err.msg, needle)))
		fail_msg("%s: got %s (%s), want %s with \"%s\"", text,
			 rr_errclass_name(rc), err.msg, rr_errclass_name(want),
			 needle ? needle : "");
}

static void test_bad_text(void **state)
{
	expect_txt_error("k=site; v=vpnrr1", RR_E_VERSION, "v=vpnrr1");
	expect_txt_error("v=vpnrr2; k=site", RR_E_VERSION, "vpnrr2");
	expect_txt_error("v=vpnrr1; vpn=x; k=site", RR_E_MISSING, "k=");
	expect_txt_error("v=vpnrr1; k=site; vpn=a; vpn=a; s=1",
			 RR_E_DUPLICATE, "vpn");
	expect_txt_error("v=vpnrr1; v=vpnrr1; k=site", RR_E_DUPLICATE, "v");
	expect_txt_error("v=vpnrr1; k=bogus; s=1", RR_E_VALUE, "bogus");
	expect_txt_error("v=vpnrr1; k=head; ep=mobile; s=1", RR_E_UNEXPECTED,
			 "tag ep");
	expect_txt_error("v=vpnrr1; k=site; s=01; vpn=a", RR_E_CANONICAL,
			 "tag s");
	expect_txt_error("v=vpnrr1; k=site; s=4294967296; vpn=a", RR_E_VALUE,
			 "tag s");
	expect_txt_error("v=vpnrr1; k=site; Vpn=a; s=1", RR_E_SYNTAX,
			 "Vpn");
	expect_txt_error("v=vpnrr1; k=site; ep=2001:db8::1:4500; s=1",
			 RR_E_SYNTAX, "brackets");
	expect_txt_error("v=vpnrr1; k=site; ks=0000000A; s=1",
			 RR_E_CANONICAL, "tag ks");
	expect_txt_error("v=vpnrr1; k=site; keys=0000a1b2:rsa1:AAA; s=1",
			 RR_E_TRUNCATED, "multiple of 4");
	/* Stray bits in the last base64 character: libsodium refuses. */
	expect_txt_error("v=vpnrr1; k=site; keys=0000a1b2:rsa1:AAB=; s=1",
			 RR_E_VALUE, "base64");
	expect_txt_error("v=vpnrr1; k=site; sig=AAAA; s=1", RR_E_VALUE,
			 "signature has 3 bytes");
	expect_txt_error("v=vpnrr1; k=site; contact= x; s=1",
			 RR_E_CANONICAL, "space");
	expect_txt_error("v=vpnrr1; k=site; s=1", RR_E_TRUNCATED,
			 "looks truncated");
	expect_txt_error("v=vpnrr1; k=site; ep=192.0.2.1:1,mobile; s=1",
			 RR_E_VALUE, "mobile");
	expect_txt_error("v=vpnrr1; k=member; at=Gw.example.net; s=1",
			 RR_E_CANONICAL, "lower case");
	expect_txt_error("v=vpnrr1; k=site; nets=; s=1", RR_E_VALUE, "empty");
	expect_txt_error("v=vpnrr1; k=site; nets=10.0.0.0/8,,10.1.0.0/16; s=1",
			 RR_E_SYNTAX, "empty item");
	expect_txt_error("v=vpnrr1; k=site; t=5; x=5; vpn=a; site=b/c; s=1; "
			 "ep=mobile; nets=10.0.0.0/8; ptp=10.0.0.1; "
			 "ks=00000001; keys=00000001:rsa1:AAAA;",
			 RR_E_VALUE, "not after");
}

/* A record that is complete but unsigned parses, and fails to verify. */
static void test_unsigned_and_keys(void **state)
{
	struct rr_record r;
	struct rr_error err;
	struct rr_seckey other;

	make_site(&r, false);
	struct rr_expect ex = expect_for(RR_KIND_SITE);
	assert_int_equal(rr_verify(&r, &ex, &sitekey.pub, 1, &err),
			 RR_E_UNSIGNED);
	OK(rr_sign(&r, OWNER_SITE, &sitekey, &err));
	OK(rr_verify(&r, &ex, &sitekey.pub, 1, &err));
	/* A key that is not trusted is named by its id. */
	OK(rr_seckey_generate(&other, &err));
	assert_int_equal(rr_verify(&r, &ex, &other.pub, 1, &err), RR_E_KEY);
	assert_non_null(strstr(err.msg, "not trusted"));
	/* Re-signing replaces the old signature. */
	OK(rr_sign(&r, OWNER_SITE, &other, &err));
	OK(rr_verify(&r, &ex, &other.pub, 1, &err));
	assert_int_equal(rr_verify(&r, &ex, &sitekey.pub, 1, &err), RR_E_KEY);
	rr_seckey_wipe(&other);
	rr_record_free(&r);
}

/* Substitution: the same bytes at another name, for another site or VPN,
 * or as another kind, do not verify. */
static void test_substitution(void **state)
{
	struct rr_record r;
	struct rr_error err;
	struct rr_expect ex;

	make_site(&r, true);
	ex = expect_for(RR_KIND_SITE);
	ex.owner = "_vpnrr.beta.example.net";
	assert_int_equal(rr_verify(&r, &ex, &sitekey.pub, 1, &err),
			 RR_E_SIGNATURE);
	ex = expect_for(RR_KIND_SITE);
	ex.owner = "_VPNRR.Alpha.Example.NET."; /* case and final dot */
	OK(rr_verify(&r, &ex, &sitekey.pub, 1, &err));
	ex = expect_for(RR_KIND_SITE);
	ex.site = "london/beta";
	assert_int_equal(rr_verify(&r, &ex, &sitekey.pub, 1, &err),
			 RR_E_NAME);
	ex = expect_for(RR_KIND_SITE);
	ex.vpn = "other";
	assert_int_equal(rr_verify(&r, &ex, &sitekey.pub, 1, &err),
			 RR_E_NAME);
	ex = expect_for(RR_KIND_MEMBER);
	assert_int_equal(rr_verify(&r, &ex, &sitekey.pub, 1, &err),
			 RR_E_NAME);
	rr_record_free(&r);
}

static void test_validity(void **state)
{
	struct rr_record r;
	struct rr_error err;
	struct rr_expect ex;

	make_site(&r, true);
	ex = expect_for(RR_KIND_SITE);
	ex.now = 1900000000;
	assert_int_equal(rr_verify(&r, &ex, &sitekey.pub, 1, &err),
			 RR_E_EXPIRED);
	ex.now = 1899999999;
	OK(rr_verify(&r, &ex, &sitekey.pub, 1, &err));
	ex.now = 1699999999;
	assert_int_equal(rr_verify(&r, &ex, &sitekey.pub, 1, &err),
			 RR_E_NOTYET);
	rr_record_free(&r);
}

/* Page hashes do not depend on RRset order and change with any entry. */
static void test_page_hash(void **state)
{
	struct rr_record a, b, c, signed_m;
	const struct rr_record *ab[2] = { &a, &b }, *ba[2] = { &b, &a };
	const struct rr_record *ac[2] = { &a, &c }, *s1[1] = { &signed_m };
	uint8_t h1[RR_HASH_LEN], h2[RR_HASH_LEN], h3[RR_HASH_LEN];
	struct rr_error err;
	char label[RR_PAGELABELLEN], name[RR_MAX_NAME + 1];

	make_member(&a, "london/alpha", false);
	make_member(&b, "paris/beta", false);
	make_member(&c, "paris/gamma", false);
	make_member(&signed_m, "london/alpha", true);
	OK(rr_page_hash(ab, 2, h1, &err));
	OK(rr_page_hash(ba, 2, h2, &err));
	OK(rr_page_hash(ac, 2, h3, &err));
	assert_memory_equal(h1, h2, RR_HASH_LEN);
	assert_memory_not_equal(h1, h3, RR_HASH_LEN);
	assert_int_equal(rr_page_hash(s1, 1, h3, &err), RR_E_UNSIGNED);
	rr_page_label(h1, label);
	assert_int_equal(strlen(label), 26);
	OK(rr_name_page("VPN.example.org.", h1, name, &err));
	assert_int_equal(strlen(name), 26 + strlen(".p._vpnrr.vpn.example.org"));
	assert_non_null(strstr(name, ".p._vpnrr.vpn.example.org"));
	rr_record_free(&a);
	rr_record_free(&b);
	rr_record_free(&c);
	rr_record_free(&signed_m);
}

static void test_names(void **state)
{
	char out[RR_MAX_NAME + 1];
	struct rr_error err;
	char longzone[300];

	OK(rr_name_head("vpn.example.org", out, &err));
	assert_string_equal(out, "_vpnrr.vpn.example.org");
	OK(rr_name_member("vpn.example.org", "London/Alpha", out, &err));
	assert_string_equal(out, "alpha.london.m._vpnrr.vpn.example.org");
	memset(longzone, 'a', 250);
	longzone[250] = '\0';
	assert_int_equal(rr_name_head(longzone, out, &err), RR_E_LIMIT);
}

static void test_serial(void **state)
{
	assert_int_equal(rr_serial_cmp(1, 1), 0);
	assert_true(rr_serial_cmp(1, 2) < 0);
	assert_true(rr_serial_cmp(2, 1) > 0);
	/* Wrap-around: 0xffffffff is older than 0. */
	assert_true(rr_serial_cmp(0xffffffffu, 0) < 0);
	assert_true(rr_serial_cmp(0, 0xffffffffu) > 0);
	/* Exactly 2^31 apart: neither is newer. */
	assert_true(rr_serial_cmp(0, 0x80000000u) < 0);
	assert_true(rr_serial_cmp(0x80000000u, 0) < 0);
}

static void test_keys_text(void **state)
{
	struct rr_pubkey pk;
	struct rr_seckey sk;
	struct rr_error err;
	char s[RR_PUBKEYSTRLEN], ss[RR_SECKEYSTRLEN];

	rr_pubkey_format(&anchor.pub, s);
	assert_true(strncmp(s, "ed25519:", 8) == 0);
	OK(rr_pubkey_parse(s, &pk, &err));
	assert_memory_equal(pk.key, anchor.pub.key, 32);
	assert_memory_equal(pk.id, anchor.pub.id, RR_KEYID_LEN);
	rr_seckey_format(&anchor, ss);
	OK(rr_seckey_parse(ss, &sk, &err));
	assert_memory_equal(sk.sk, anchor.sk, 64);
	assert_int_equal(rr_pubkey_parse("rsa:AAAA", &pk, &err), RR_E_KEY);
	assert_int_equal(rr_pubkey_parse("ed25519:AAAA", &pk, &err), RR_E_KEY);
	assert_int_equal(rr_pubkey_parse("ed25519:AAA", &pk, &err), RR_E_KEY);
	assert_int_equal(rr_seckey_parse(s, &sk, &err), RR_E_KEY);
	rr_seckey_wipe(&sk);
}

static void test_errclass_names(void **state)
{
	for (int i = 0; i < RR_E__COUNT; i++)
		assert_int_equal(rr_errclass_from_name(
					 rr_errclass_name((enum rr_errclass)i)),
				 i);
	assert_int_equal(rr_errclass_from_name("nonsense"), RR_E__COUNT);
}

/* Binary inputs that the TXT parser could never produce are refused too,
 * so each binary form has exactly one TXT form. */
static void bin_expect(const uint8_t *b, size_t len, enum rr_errclass want,
		       const char *needle)
{
	struct rr_record r;
	struct rr_error err = { 0 };
	enum rr_errclass rc = rr_parse_bin(b, len, &r, &err);

	if (rc != want || !strstr(err.msg, needle))
		fail_msg("got %s (%s), want %s with \"%s\"",
			 rr_errclass_name(rc), err.msg, rr_errclass_name(want),
			 needle);
}

static void test_binary_only_forms(void **state)
{
	struct rr_record r;
	struct rr_error err;
	struct rr_buf_like { uint8_t b[4096]; size_t n; } x;
	uint8_t *bin;
	size_t bl;

	/* A field named v. */
	static const uint8_t with_v[] = { 1, 1, 'k', 0, 1, RR_KIND_SITE,
					  1, 'v', 0, 1, 'x' };
	bin_expect(with_v, sizeof(with_v), RR_E_DUPLICATE, "tag v");

	/* sig= without sk=: drop the sk field of a signed record. */
	make_site(&r, true);
	OK(rr_encode_bin(&r, &bin, &bl, &err));
	/* The last two fields are sk (2+2+2+16 bytes) and sig (3+3+2+64). */
	size_t sk_len = 1 + 2 + 2 + 1 + 7 + RR_KEYID_LEN;
	size_t sig_len = 1 + 3 + 2 + RR_SIG_LEN;
	memcpy(x.b, bin, bl - sk_len - sig_len);
	memcpy(x.b + bl - sk_len - sig_len, bin + bl - sig_len, sig_len);
	x.n = bl - sk_len;
	bin_expect(x.b, x.n, RR_E_UNSIGNED, "sk");
	free(bin);
	rr_record_free(&r);

	/* A host name with a NUL byte inside. */
	static const uint8_t nul_host[] = { 1, 1, 'k', 0, 1, RR_KIND_SITE,
					    2, 'e', 'p', 0, 7, 'h', 3, 'a',
					    0, 'b', 0x11, 0x94 };
	bin_expect(nul_host, sizeof(nul_host), RR_E_VALUE, "NUL");
}

static void test_head_pages(void **state)
{
	struct rr_record r;
	struct rr_error err = { 0 };
	char b64[200];
	uint8_t two[2 * RR_HASH_LEN];

	memset(two, 7, sizeof(two));
	sodium_bin2base64(b64, sizeof(b64), two, sizeof(two),
			  sodium_base64_VARIANT_ORIGINAL);
	rr_record_init(&r, RR_KIND_HEAD);
	OK(rr_add(&r, "vpn", "example", &err));
	OK(rr_add(&r, "s", "1", &err));
	OK(rr_add(&r, "t", "1", &err));
	OK(rr_add(&r, "x", "2", &err));
	OK(rr_add(&r, "n", "2", &err));
	OK(rr_add(&r, "pages", b64, &err));
	/* Two identical page hashes: the same page listed twice. */
	assert_int_equal(rr_sign(&r, OWNER_HEAD, &anchor, &err),
			 RR_E_DUPLICATE);
	rr_record_free(&r);

	/* More pages than members. */
	two[0] = 8;
	sodium_bin2base64(b64, sizeof(b64), two, sizeof(two),
			  sodium_base64_VARIANT_ORIGINAL);
	rr_record_init(&r, RR_KIND_HEAD);
	OK(rr_add(&r, "vpn", "example", &err));
	OK(rr_add(&r, "s", "1", &err));
	OK(rr_add(&r, "t", "1", &err));
	OK(rr_add(&r, "x", "2", &err));
	OK(rr_add(&r, "n", "1", &err));
	OK(rr_add(&r, "pages", b64, &err));
	assert_int_equal(rr_sign(&r, OWNER_HEAD, &anchor, &err), RR_E_VALUE);
	assert_non_null(strstr(err.msg, "cannot fill"));
	rr_record_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_view),
		cmocka_unit_test(test_flip_every_byte),
		cmocka_unit_test(test_string_split),
		cmocka_unit_test(test_unknown_tags),
		cmocka_unit_test(test_bad_text),
		cmocka_unit_test(test_unsigned_and_keys),
		cmocka_unit_test(test_substitution),
		cmocka_unit_test(test_validity),
		cmocka_unit_test(test_page_hash),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_serial),
		cmocka_unit_test(test_keys_text),
		cmocka_unit_test(test_errclass_names),
		cmocka_unit_test(test_binary_only_forms),
		cmocka_unit_test(test_head_pages),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
