/*
 * test_model.c - the record's memory (copy, move, cost), the tunables
 * table, the algorithm table and rsa1 key data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rr.h"

#define OK(x)                                                                  \
	do {                                                                   \
		enum rr_errclass rc_ = (x);                                    \
		if (rc_ != RR_OK)                                              \
			fail_msg("%s: %s", rr_errclass_name(rc_), err.msg);    \
	} while (0)

/* An unsigned site record with every kind of value, as TXT text. */
static const char site_txt[] =
	"v=vpnrr1; k=site; vpn=example; site=london/alpha; s=7; "
	"t=1700000000; x=1900000000; "
	"ep=192.0.2.1:4500,[2001:db8::1]:4500,vpn.example.net:4500; "
	"nets=10.1.0.0/16,fd00:1::/48; ptp=10.1.0.1; ks=0000000a; "
	"keys=0000a1b2:rsa1:MTAyNCA2NTUzNyAxMjM0NQ==,"
	"~0000c3d4:x25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,"
	"0000c3d4:x-new:AQID; "
	"key-lifetime=3600000; wait-time=20000; contact=ops@example.net; "
	"dh=abcd 2; x-future=kept as is";

static void parse_site(struct rr_record *r)
{
	struct rr_error err;

	OK(rr_parse_txt_joined(site_txt, strlen(site_txt), r, &err));
}

static void check_site_view(const struct rr_record *r)
{
	char s[RR_ENDPOINTSTRLEN];

	assert_string_equal(r->vpn, "example");
	assert_string_equal(r->site, "london/alpha");
	assert_string_equal(r->contact, "ops@example.net");
	assert_string_equal(r->dh, "abcd 2");
	assert_string_equal(r->hash, "");
	assert_string_equal(r->at, "");
	assert_int_equal(r->neps, 3);
	rr_endpoint_format(&r->eps[2], s);
	assert_string_equal(s, "vpn.example.net:4500");
	assert_int_equal(r->nnets, 2);
	assert_int_equal(r->nets[1].len, 48);
	assert_true(r->has_ptp);
	assert_int_equal(r->ntkeys, 3);
	assert_string_equal(r->tkeys[0].alg, "rsa1");
	assert_ptr_equal(r->tkeys[0].def, &rr_alg_rsa1);
	assert_int_equal(r->tkeys[0].len, 16);
	assert_memory_equal(r->tkeys[0].data, "1024 65537 12345", 16);
	assert_ptr_equal(r->tkeys[1].def, &rr_alg_x25519);
	assert_true(r->tkeys[1].fallback);
	assert_string_equal(r->tkeys[2].alg, "x-new");
	assert_null(r->tkeys[2].def);
	assert_int_equal(r->key_lifetime, 3600000);
	assert_int_equal(r->wait_time, 20000);
	assert_int_equal(r->setup_timeout, 0);
}

static void encode(const struct rr_record *r, uint8_t **out, size_t *len)
{
	struct rr_error err;

	OK(rr_encode_bin(r, out, len, &err));
}

/* Absent strings are "", never NULL, before and after rr_record_free. */
static void test_absent_strings(void **state)
{
	struct rr_record r;

	rr_record_init(&r, RR_KIND_SITE);
	assert_string_equal(r.vpn, "");
	assert_string_equal(r.dh, "");
	assert_int_equal(r.nnets, 0);
	rr_record_free(&r);
	assert_string_equal(r.vpn, "");
	assert_string_equal(r.contact, "");
	assert_int_equal(r.nfields, 0);
	rr_record_free(&r); /* twice is harmless */
}

/* A copy outlives its source and encodes the same; a move leaves the
 * source empty. */
static void test_copy_move(void **state)
{
	struct rr_record a, b, c;
	struct rr_error err;
	uint8_t *ea, *eb;
	size_t la, lb;

	parse_site(&a);
	encode(&a, &ea, &la);
	OK(rr_record_copy(&b, &a, &err));
	rr_record_free(&a);
	check_site_view(&b);
	encode(&b, &eb, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(ea, eb, la);
	rr_record_move(&c, &b);
	assert_int_equal(b.nfields, 0);
	assert_int_equal(b.ntkeys, 0);
	assert_string_equal(b.vpn, "");
	check_site_view(&c);
	rr_record_free(&b);
	rr_record_free(&c);
	free(ea);
	free(eb);
}

/* A parsed record costs about what it holds: the struct is small and the
 * heap behind it is a small multiple of the record's own bytes. */
static void test_cost(void **state)
{
	struct rr_record r, m;
	struct rr_error err;
	uint8_t *bin;
	size_t len;
	static const char member[] =
		"v=vpnrr1; k=member; vpn=example; site=london/alpha; s=1; "
		"t=1700000000; x=1900000000; "
		"rk=ed25519:iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=; "
		"nets=10.1.0.0/16; at=_vpnrr.alpha.example.net";

	assert_true(sizeof(struct rr_record) <= 512);
	parse_site(&r);
	encode(&r, &bin, &len);
	/* Values once, the field list, and the endpoints' host buffers. */
	assert_true(rr_record_heap(&r) <=
		    2 * len + r.nfields * sizeof(struct rr_field) +
			    r.neps * sizeof(struct rr_endpoint));
	free(bin);
	rr_record_free(&r);
	assert_int_equal(rr_record_heap(&r), 0);

	OK(rr_parse_txt_joined(member, strlen(member), &m, &err));
	encode(&m, &bin, &len);
	assert_true(rr_record_heap(&m) <=
		    2 * len + m.nfields * sizeof(struct rr_field));
	free(bin);
	rr_record_free(&m);
}

/* Every tunable is a site tag, read back through its table row. */
static void test_tunables(void **state)
{
	struct rr_record r;
	struct rr_error err;
	char v[16];

	assert_int_equal(RR_NTUNABLES, 5);
	rr_record_init(&r, RR_KIND_SITE);
	for (size_t i = 0; i < RR_NTUNABLES; i++) {
		const struct rr_tunable *t = &rr_tunables[i];
		assert_ptr_equal(rr_tunable_find(t->tag), t);
		assert_true(t->secnet_default > 0);
		(void)snprintf(v, sizeof(v), "%zu", 1000 + i);
		OK(rr_add(&r, t->tag, v, &err));
	}
	for (size_t i = 0; i < RR_NTUNABLES; i++)
		assert_int_equal(rr_tunable_get(&r, &rr_tunables[i]), 1000 + i);
	assert_int_equal(r.renegotiate_time,
			 1000 + RR_TUN_RENEGOTIATE_TIME);
	assert_null(rr_tunable_find("mobile"));
	/* Zero is out of range for every tunable. */
	assert_int_equal(rr_add(&r, "wait-time", "0", &err), RR_E_DUPLICATE);
	rr_record_free(&r);
	rr_record_init(&r, RR_KIND_SITE);
	assert_int_equal(rr_add(&r, "wait-time", "0", &err), RR_E_VALUE);
	rr_record_free(&r);
}

static void test_algs(void **state)
{
	const struct rr_alg *a;
	struct rr_error err;
	size_t n = 0;

	a = rr_alg_find("ed25519", 7);
	assert_ptr_equal(a, &rr_alg_ed25519);
	assert_int_equal(a->cls, RR_ALG_SIGN);
	assert_ptr_equal(rr_alg_by_sigalg(RR_SIGALG_ED25519), a);
	assert_true(rr_alg_rsa1.uses & RR_ALGUSE_SECNET);
	assert_false(rr_alg_x25519.uses & RR_ALGUSE_SECNET);
	assert_null(rr_alg_find("ed2551", 6));
	assert_null(rr_alg_find("rsa1x", 5));
	while (rr_alg_at(n))
		n++;
	assert_int_equal(n, 3);
	assert_true(rr_alg_name_valid("x-new2", 6));
	assert_false(rr_alg_name_valid("X", 1));
	assert_false(rr_alg_name_valid("", 0));
	assert_int_equal(rr_alg_check_key(&rr_alg_x25519,
					  (const uint8_t *)"abc", 3, &err),
			 RR_E_KEY);
	assert_non_null(strstr(err.msg, "x25519 keys have 32 bytes"));
	assert_int_equal(rr_alg_check_key(NULL, (const uint8_t *)"x", 1,
					  &err), RR_OK);
	assert_true(rr_key_text_is("ed25519:AAAA"));
	assert_true(rr_key_text_is("ed25519-secret:AAAA"));
	assert_false(rr_key_text_is("ed25519.pub"));
	assert_false(rr_key_text_is("keys/anchor"));
}

static enum rr_errclass rsa1(const char *text, struct rr_rsa1 *k)
{
	struct rr_error err;

	return rr_rsa1_parse((const uint8_t *)text, strlen(text), k, &err);
}

static void test_rsa1(void **state)
{
	struct rr_rsa1 k;
	struct rr_error err;
	static const char *const bad[] = {
		"", "2048", "2048 65537", "2048  65537 12345",
		"2048 65537 12x4", "abc 65537 12345", "20480 3 5",
		"8201 3 5", " 2048 3 5", "2048 3 5x",
	};
	static const char good_comment[] = "2048 65537 12345 me@example.net";

	assert_int_equal(rsa1("2048 65537 12345", &k), RR_OK);
	assert_int_equal(k.bits, 2048);
	assert_int_equal(k.elen, 5);
	assert_memory_equal(k.e, "65537", 5);
	assert_int_equal(k.nlen, 5);
	assert_int_equal(k.usable, 16);
	assert_int_equal(rsa1(good_comment, &k), RR_OK);
	assert_int_equal(k.usable, 16);
	assert_int_equal(rsa1("8200 3 5", &k), RR_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (rsa1(bad[i], &k) != RR_E_KEY)
			fail_msg("\"%s\" accepted", bad[i]);
	/* A key in a record or key file has nothing after N. */
	assert_int_equal(rr_alg_check_key(&rr_alg_rsa1,
					  (const uint8_t *)good_comment,
					  strlen(good_comment), &err),
			 RR_E_KEY);
	assert_int_equal(rr_alg_check_key(&rr_alg_rsa1,
					  (const uint8_t *)"2048 65537 12345",
					  16, &err),
			 RR_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absent_strings),
		cmocka_unit_test(test_copy_move),
		cmocka_unit_test(test_cost),
		cmocka_unit_test(test_tunables),
		cmocka_unit_test(test_algs),
		cmocka_unit_test(test_rsa1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
