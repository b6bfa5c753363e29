/* test_escape.c - rr_escape: what passes, what is escaped, how it is cut. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "rr.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct esc_case {
	const char *in;
	size_t len;
	const char *out;
};

#define C(in, out) { in, sizeof(in) - 1, out }

static void check_cases(const struct esc_case *c, size_t n)
{
	char out[256];

	for (size_t i = 0; i < n; i++) {
		rr_escape(out, sizeof(out), c[i].in, c[i].len);
		if (strcmp(out, c[i].out) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, out,
				 c[i].out);
	}
}

static void test_plain(void **state)
{
	static const struct esc_case c[] = {
		C("", ""),
		C("tag nets: 10.0.0.0/33", "tag nets: 10.0.0.0/33"),
		C("~ !\"'%s", "~ !\"'%s"),
	};
	(void)state;
	check_cases(c, N_ELEMS(c));
}

static void test_controls(void **state)
{
	static const struct esc_case c[] = {
		C("a\nb", "a\\x0ab"),
		C("\r\t", "\\x0d\\x09"),
		C("\x1b[31mred", "\\x1b[31mred"),
		C("del\x7f", "del\\x7f"),
		C("nul\0x", "nul\\x00x"),
		C("back\\slash", "back\\\\slash"),
		/* An escape in the input cannot pose as one in the output. */
		C("\\x0a", "\\\\x0a"),
	};
	(void)state;
	check_cases(c, N_ELEMS(c));
}

static void test_utf8(void **state)
{
	static const struct esc_case c[] = {
		/* valid UTF-8 passes */
		C("J\xc3\xbcrgen", "J\xc3\xbcrgen"),
		C("\xe2\x82\xac", "\xe2\x82\xac"),
		C("\xf0\x9f\x94\x91", "\xf0\x9f\x94\x91"),
		/* invalid: lone continuation, truncated, overlong, surrogate,
		 * above U+10FFFF, lead bytes that never start a sequence */
		C("\x80", "\\x80"),
		C("\xc3", "\\xc3"),
		C("\xe2\x82", "\\xe2\\x82"),
		C("\xc0\xaf", "\\xc0\\xaf"),
		C("\xe0\x80\xaf", "\\xe0\\x80\\xaf"),
		C("\xed\xa0\x80", "\\xed\\xa0\\x80"),
		C("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"),
		C("\xff\xfe", "\\xff\\xfe"),
		/* valid, but C1 CSI and a right-to-left override */
		C("\xc2\x9b" "31m", "\\xc2\\x9b" "31m"),
		C("a\xe2\x80\xae" "b", "a\\xe2\\x80\\xae" "b"),
	};
	(void)state;
	check_cases(c, N_ELEMS(c));
}

/* Cut between escapes and UTF-8 sequences, never inside one. */
static void test_truncate(void **state)
{
	char out[8];

	(void)state;
	memset(out, 'Z', sizeof(out));
	rr_escape(out, 6, "ab\ncd", 5);
	assert_string_equal(out, "ab");
	rr_escape(out, 7, "ab\ncd", 5);
	assert_string_equal(out, "ab\\x0a");
	rr_escape(out, 4, "a\xe2\x82\xac", 4);
	assert_string_equal(out, "a");
	rr_escape(out, 1, "abc", 3);
	assert_string_equal(out, "");
	/* the worst case fits RR_ESCAPE_CAP */
	char big[RR_ESCAPE_CAP(2)];
	rr_escape(big, sizeof(big), "\x01\x02", 2);
	assert_string_equal(big, "\\x01\\x02");
	/* CAP 0 writes nothing */
	out[0] = 'Z';
	rr_escape(out, 0, "abc", 3);
	assert_int_equal(out[0], 'Z');
}

/* Whatever goes in, what comes out is one line of valid UTF-8 that jansson
 * accepts. */
static void test_all_bytes(void **state)
{
	char in[512], out[RR_ESCAPE_CAP(sizeof(in))];
	json_t *j;

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char)(i * 7 + (i >> 8));
	rr_escape(out, sizeof(out), in, sizeof(in));
	assert_int_equal(strlen(out) > sizeof(in), 1);
	for (const unsigned char *p = (const unsigned char *)out; *p; p++)
		assert_true(*p >= 0x20 && *p != 0x7f);
	j = json_string(out);
	assert_non_null(j);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_all_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
