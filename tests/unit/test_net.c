/* test_net.c - addresses, prefixes, endpoints, host names, containment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "rr.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ------------------------------------------------------------ */

/* The message names the input (or, for over-long input, its head). */
static void assert_msg_names(const struct rr_error *err, const char *s)
{
	char head[41];

	snprintf(head, sizeof(head), "%s", s);
	if (!strstr(err->msg, head))
		fail_msg("message \"%s\" does not name \"%s\"", err->msg, head);
}

static void assert_msg_has(const struct rr_error *err, const char *needle)
{
	if (needle && !strstr(err->msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err->msg, needle);
}

static struct rr_addr addr_ok(const char *s)
{
	struct rr_error err = { 0 };
	struct rr_addr a;
	char out[RR_ADDRSTRLEN];

	memset(&a, 0x5a, sizeof(a));
	if (rr_addr_parse(s, &a, &err) != RR_OK)
		fail_msg("%s: %s", s, err.msg);
	/* Canonical input formats back to itself. */
	rr_addr_format(&a, out);
	assert_string_equal(out, s);
	return a;
}

static void addr_bad(const char *s, enum rr_errclass cls, const char *needle)
{
	struct rr_error err = { 0 };
	struct rr_addr a, before;

	memset(&a, 0x5a, sizeof(a));
	before = a;
	assert_int_equal(rr_addr_parse(s, &a, &err), cls);
	assert_int_equal(err.cls, cls);
	if (*s)
		assert_msg_names(&err, s);
	assert_msg_has(&err, needle);
	/* Failure leaves the output alone. */
	assert_memory_equal(&a, &before, sizeof(a));
}

static struct rr_prefix prefix_ok(const char *s)
{
	struct rr_error err = { 0 };
	struct rr_prefix p;
	char out[RR_PREFIXSTRLEN];

	memset(&p, 0x5a, sizeof(p));
	if (rr_prefix_parse(s, &p, &err) != RR_OK)
		fail_msg("%s: %s", s, err.msg);
	rr_prefix_format(&p, out);
	assert_string_equal(out, s);
	return p;
}

static void prefix_bad(const char *s, enum rr_errclass cls, const char *needle)
{
	struct rr_error err = { 0 };
	struct rr_prefix p, before;

	memset(&p, 0x5a, sizeof(p));
	before = p;
	assert_int_equal(rr_prefix_parse(s, &p, &err), cls);
	assert_int_equal(err.cls, cls);
	if (*s)
		assert_msg_names(&err, s);
	assert_msg_has(&err, needle);
	assert_memory_equal(&p, &before, sizeof(p));
}

static struct rr_endpoint ep_ok(const char *s)
{
	struct rr_error err = { 0 };
	struct rr_endpoint e;
	char out[RR_ENDPOINTSTRLEN];

	memset(&e, 0x5a, sizeof(e));
	if (rr_endpoint_parse(s, &e, &err) != RR_OK)
		fail_msg("%s: %s", s, err.msg);
	rr_endpoint_format(&e, out);
	assert_string_equal(out, s);
	return e;
}

static void ep_bad(const char *s, enum rr_errclass cls, const char *needle)
{
	struct rr_error err = { 0 };
	struct rr_endpoint e, before;

	memset(&e, 0x5a, sizeof(e));
	before = e;
	assert_int_equal(rr_endpoint_parse(s, &e, &err), cls);
	assert_int_equal(err.cls, cls);
	if (*s)
		assert_msg_names(&err, s);
	assert_msg_has(&err, needle);
	assert_memory_equal(&e, &before, sizeof(e));
}

/* A string of N copies of C, in BUF (of SIZE bytes). */
static char *fill(char *buf, size_t size, char c, size_t n)
{
	assert_true(n < size);
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

/* Host name of exactly LEN bytes: 63-byte labels of 'a', dot-separated,
 * the last label shorter. */
static char *long_name(char *buf, size_t size, size_t len)
{
	size_t i;

	assert_true(len < size);
	for (i = 0; i < len; i++)
		buf[i] = (i % 64 == 63) ? '.' : 'a';
	buf[len] = '\0';
	/* Never end on a dot. */
	if (buf[len - 1] == '.')
		buf[len - 1] = 'b';
	return buf;
}

/* ---- IPv4 --------------------------------------------------------------- */

static void test_ipv4_valid(void **state)
{
	struct rr_addr a;
	static const uint8_t zero[12];

	(void)state;
	a = addr_ok("192.0.2.1");
	assert_int_equal(a.family, 4);
	assert_int_equal(a.bytes[0], 192);
	assert_int_equal(a.bytes[1], 0);
	assert_int_equal(a.bytes[2], 2);
	assert_int_equal(a.bytes[3], 1);
	/* Unused bytes are zeroed, even though the output was dirty. */
	assert_memory_equal(a.bytes + 4, zero, sizeof(zero));

	a = addr_ok("0.0.0.0");
	assert_int_equal(a.family, 4);
	a = addr_ok("255.255.255.255");
	assert_int_equal(a.bytes[3], 255);
	addr_ok("10.0.0.1");
}

static void test_ipv4_invalid(void **state)
{
	(void)state;
	addr_bad("", RR_E_SYNTAX, "empty");
	addr_bad("1.2.3", RR_E_VALUE, "not a valid IPv4 address");
	addr_bad("1.2.3.4.5", RR_E_VALUE, NULL);
	addr_bad("256.0.0.1", RR_E_VALUE, NULL);
	addr_bad("1.2.3.256", RR_E_VALUE, NULL);
	/* inet_pton refuses leading zeros outright. */
	addr_bad("010.0.0.1", RR_E_VALUE, NULL);
	addr_bad("1.2.3.04", RR_E_VALUE, NULL);
	addr_bad("0x1.2.3.4", RR_E_VALUE, NULL);
	addr_bad(" 1.2.3.4", RR_E_VALUE, NULL);
	addr_bad("1.2.3.4 ", RR_E_VALUE, NULL);
	addr_bad("1.2.3.4/32", RR_E_VALUE, NULL);
	addr_bad("1.2.3.", RR_E_VALUE, NULL);
	addr_bad("-1.2.3.4", RR_E_VALUE, NULL);
	addr_bad("host.example.org", RR_E_VALUE, NULL);
}

static void test_addr_null_err(void **state)
{
	struct rr_addr a;

	(void)state;
	/* A NULL error pointer is allowed. */
	assert_int_equal(rr_addr_parse("1.2.3", &a, NULL), RR_E_VALUE);
	assert_int_equal(rr_addr_parse("1.2.3.4", &a, NULL), RR_OK);
}

/* ---- IPv6 --------------------------------------------------------------- */

static void test_ipv6_valid(void **state)
{
	static const uint8_t zero[16];
	static const uint8_t mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					    0xff, 0xff, 192, 0, 2, 1 };
	struct rr_addr a;

	(void)state;
	a = addr_ok("::");
	assert_int_equal(a.family, 6);
	assert_memory_equal(a.bytes, zero, 16);

	a = addr_ok("::1");
	assert_int_equal(a.family, 6);
	assert_int_equal(a.bytes[15], 1);

	/* IPv4-mapped: glibc prints the dotted tail (RFC 5952 section 5). */
	a = addr_ok("::ffff:192.0.2.1");
	assert_int_equal(a.family, 6);
	assert_memory_equal(a.bytes, mapped, 16);

	a = addr_ok("2001:db8::1");
	assert_int_equal(a.bytes[0], 0x20);
	assert_int_equal(a.bytes[1], 0x01);
	assert_int_equal(a.bytes[2], 0x0d);
	assert_int_equal(a.bytes[3], 0xb8);

	/* A single zero group is not compressed (RFC 5952 4.2.2). */
	addr_ok("2001:db8:0:1:1:1:1:1");
	addr_ok("1:2:3:4:5:6:7:8");
	addr_ok("1:2:3:4:5:6:7:0");
	addr_ok("0:2:3:4:5:6:7:8");
	addr_ok("1::");
	addr_ok("fe80::1");
	/* First of two equal zero runs is compressed; longest run wins. */
	addr_ok("2001:db8::1:0:0:1");
	addr_ok("2001:db8:0:1::1");
	addr_ok("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	addr_ok("::ffff:0.0.0.0");
	addr_ok("64:ff9b::c000:201");
}

static void test_ipv6_glibc_compat_form(void **state)
{
	(void)state;
	/* glibc quirk (documented in net.c): first 96 bits zero and the
	 * seventh group non-zero prints in IPv4-compatible dotted form. */
	addr_ok("::1.2.3.4");
	addr_bad("::102:304", RR_E_CANONICAL, "(::1.2.3.4)");
	addr_ok("::2");
	addr_bad("::0.0.0.2", RR_E_CANONICAL, "(::2)");
}

static void test_ipv6_invalid(void **state)
{
	(void)state;
	addr_bad("fe80::1%eth0", RR_E_VALUE, "scope ids are not allowed");
	addr_bad("fe80::1%1", RR_E_VALUE, "scope ids are not allowed");
	addr_bad("1:2:3:4:5:6:7:8:9", RR_E_VALUE, "not a valid IPv6 address");
	addr_bad("12345::", RR_E_VALUE, "not a valid IPv6 address");
	addr_bad(":::", RR_E_VALUE, NULL);
	addr_bad("1::2::3", RR_E_VALUE, NULL);
	addr_bad("2001:db8::g", RR_E_VALUE, NULL);
	addr_bad(":1", RR_E_VALUE, NULL);
	addr_bad("1:", RR_E_VALUE, NULL);
	addr_bad("1:2:3:4:5:6:7", RR_E_VALUE, NULL);
	addr_bad("::1.2.3", RR_E_VALUE, NULL);
	addr_bad("[::1]", RR_E_VALUE, NULL);
	addr_bad("::1/128", RR_E_VALUE, NULL);
	addr_bad(" ::1", RR_E_VALUE, NULL);
}

static void test_ipv6_noncanonical(void **state)
{
	(void)state;
	addr_bad("2001:DB8::1", RR_E_CANONICAL, "not in canonical form (2001:db8::1)");
	addr_bad("2001:db8:0:0:0:0:0:1", RR_E_CANONICAL, "(2001:db8::1)");
	addr_bad("2001:0db8::1", RR_E_CANONICAL, "(2001:db8::1)");
	addr_bad("2001:db8::0:1", RR_E_CANONICAL, "(2001:db8::1)");
	addr_bad("2001:db8:0::1", RR_E_CANONICAL, "(2001:db8::1)");
	addr_bad("0:0:0:0:0:0:0:0", RR_E_CANONICAL, "(::)");
	addr_bad("0::0", RR_E_CANONICAL, "(::)");
	addr_bad("::0", RR_E_CANONICAL, "(::)");
	addr_bad("0:0:0:0:0:0:0:1", RR_E_CANONICAL, "(::1)");
	/* A single zero group must not be compressed. */
	addr_bad("2001:db8::1:1:1:1:1", RR_E_CANONICAL, "(2001:db8:0:1:1:1:1:1)");
	addr_bad("1:2:3:4:5:6:7::", RR_E_CANONICAL, "(1:2:3:4:5:6:7:0)");
	/* Longest run, then first run. */
	addr_bad("2001:db8::1:0:0:0:1", RR_E_CANONICAL, "(2001:db8:0:1::1)");
	addr_bad("2001:db8:0:0:1::1", RR_E_CANONICAL, "(2001:db8::1:0:0:1)");
	/* IPv4-mapped written in hex. */
	addr_bad("::ffff:c000:201", RR_E_CANONICAL, "(::ffff:192.0.2.1)");
	addr_bad("::FFFF:192.0.2.1", RR_E_CANONICAL, "(::ffff:192.0.2.1)");
	addr_bad("0:0:0:0:0:ffff:192.0.2.1", RR_E_CANONICAL, "(::ffff:192.0.2.1)");
	addr_bad("FE80::1", RR_E_CANONICAL, "(fe80::1)");
}

static void test_addr_limit(void **state)
{
	char buf[20000];
	struct rr_error err = { 0 };
	struct rr_addr a;

	(void)state;
	/* 47 characters: within the limit, so the error is about the value. */
	addr_bad(fill(buf, sizeof(buf), '1', RR_ADDRSTRLEN - 1), RR_E_VALUE, NULL);
	addr_bad(fill(buf, sizeof(buf), '1', RR_ADDRSTRLEN), RR_E_LIMIT, "too long");
	addr_bad(fill(buf, sizeof(buf), ':', sizeof(buf) - 1), RR_E_LIMIT, NULL);
	/* The longest canonical text fits. */
	addr_ok("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	addr_ok("::ffff:255.255.255.255");
	assert_int_equal(rr_addr_parse(fill(buf, sizeof(buf), 'a', 100), &a, &err),
			 RR_E_LIMIT);
	/* Only a bounded head of the input is quoted. */
	assert_true(strlen(err.msg) < 120);
}

static void test_addr_format(void **state)
{
	static const char *const round[] = {
		"0.0.0.0", "192.0.2.1", "255.255.255.255", "::", "::1",
		"::ffff:192.0.2.1", "2001:db8:0:1:1:1:1:1", "fe80::1:2",
		"2001:db8::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	};
	struct rr_addr a = { .family = 4, .bytes = { 198, 51, 100, 7 } };
	char out[RR_ADDRSTRLEN];

	(void)state;
	for (size_t i = 0; i < N_ELEMS(round); i++)
		addr_ok(round[i]);
	rr_addr_format(&a, out);
	assert_string_equal(out, "198.51.100.7");
	a.family = 6;
	memset(a.bytes, 0, sizeof(a.bytes));
	a.bytes[0] = 0x20;
	a.bytes[1] = 0x01;
	a.bytes[2] = 0x0d;
	a.bytes[3] = 0xb8;
	a.bytes[15] = 0x42;
	rr_addr_format(&a, out);
	assert_string_equal(out, "2001:db8::42");
	/* A corrupt family still yields a terminated string. */
	a.family = 5;
	rr_addr_format(&a, out);
	assert_non_null(memchr(out, '\0', sizeof(out)));
}

/* ---- prefixes ----------------------------------------------------------- */

static void test_prefix_valid(void **state)
{
	struct rr_prefix p;

	(void)state;
	p = prefix_ok("10.0.0.0/8");
	assert_int_equal(p.addr.family, 4);
	assert_int_equal(p.len, 8);
	assert_int_equal(p.addr.bytes[0], 10);

	p = prefix_ok("0.0.0.0/0");
	assert_int_equal(p.len, 0);
	p = prefix_ok("::/0");
	assert_int_equal(p.addr.family, 6);
	assert_int_equal(p.len, 0);
	p = prefix_ok("192.0.2.1/32");
	assert_int_equal(p.len, 32);
	p = prefix_ok("2001:db8::1/128");
	assert_int_equal(p.len, 128);
	prefix_ok("2001:db8::/32");
	prefix_ok("10.1.0.0/16");
	prefix_ok("10.0.0.0/9");
	prefix_ok("10.128.0.0/9");
	prefix_ok("192.0.2.128/25");
	prefix_ok("2001:db8:8000::/33");
	prefix_ok("::ffff:0.0.0.0/96");
	prefix_ok("fe80::/10");
}

static void test_prefix_invalid(void **state)
{
	char buf[200];
	struct rr_error err = { 0 };
	struct rr_prefix p;

	(void)state;
	/* The exact message a user sees: the value, then why. */
	assert_int_equal(rr_prefix_parse("10.0.0.0/33", &p, &err), RR_E_VALUE);
	assert_string_equal(err.msg, "10.0.0.0/33: prefix length out of range");

	prefix_bad("::/129", RR_E_VALUE, "prefix length out of range");
	prefix_bad("10.0.0.0/99999999999999999999999", RR_E_VALUE, "out of range");
	prefix_bad("10.1.2.3/16", RR_E_VALUE, "host bits set (did you mean 10.1.0.0/16?)");
	prefix_bad("10.0.0.1/0", RR_E_VALUE, "did you mean 0.0.0.0/0?");
	prefix_bad("10.0.0.1/31", RR_E_VALUE, "did you mean 10.0.0.0/31?");
	prefix_bad("10.192.0.0/9", RR_E_VALUE, "did you mean 10.128.0.0/9?");
	prefix_bad("2001:db8::1/32", RR_E_VALUE, "did you mean 2001:db8::/32?");
	prefix_bad("::1/0", RR_E_VALUE, "did you mean ::/0?");
	prefix_bad("10.0.0.0", RR_E_SYNTAX, "missing prefix length");
	prefix_bad("2001:db8::", RR_E_SYNTAX, "missing prefix length");
	prefix_bad("10.0.0.0/", RR_E_SYNTAX, "missing prefix length");
	prefix_bad("/8", RR_E_SYNTAX, NULL);
	prefix_bad("", RR_E_SYNTAX, NULL);
	prefix_bad("10.0.0.0/8x", RR_E_VALUE, "not a decimal number");
	prefix_bad("10.0.0.0/-8", RR_E_VALUE, NULL);
	prefix_bad("10.0.0.0/+8", RR_E_VALUE, NULL);
	prefix_bad("10.0.0.0/ 8", RR_E_VALUE, NULL);
	prefix_bad("10.0.0.0/8/8", RR_E_VALUE, NULL);
	prefix_bad("10.0.0/8", RR_E_VALUE, "not a valid IPv4 address");
	prefix_bad("010.0.0.0/8", RR_E_VALUE, NULL);
	prefix_bad("fe80::%eth0/64", RR_E_VALUE, "scope ids are not allowed");
	prefix_bad("1:2:3:4:5:6:7:8:9/64", RR_E_VALUE, NULL);
	prefix_bad(fill(buf, sizeof(buf), '1', RR_PREFIXSTRLEN), RR_E_LIMIT, NULL);
}

static void test_prefix_noncanonical(void **state)
{
	(void)state;
	prefix_bad("10.0.0.0/08", RR_E_CANONICAL, "not in canonical form (10.0.0.0/8)");
	prefix_bad("0.0.0.0/00", RR_E_CANONICAL, "(0.0.0.0/0)");
	prefix_bad("::/000", RR_E_CANONICAL, "(::/0)");
	prefix_bad("2001:DB8::/32", RR_E_CANONICAL, "(2001:db8::/32)");
	prefix_bad("2001:db8:0:0:0:0:0:0/32", RR_E_CANONICAL, "(2001:db8::/32)");
	prefix_bad("2001:DB8::/032", RR_E_CANONICAL, "(2001:db8::/32)");
	/* Value errors take precedence over spelling. */
	prefix_bad("2001:DB8::1/32", RR_E_VALUE, "did you mean 2001:db8::/32?");
	prefix_bad("10.0.0.0/033", RR_E_VALUE, "out of range");
}

static void test_prefix_format(void **state)
{
	static const char *const round[] = {
		"0.0.0.0/0", "10.0.0.0/8", "192.0.2.1/32", "::/0",
		"2001:db8::/32", "2001:db8::1/128",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
		"::ffff:255.255.255.255/128",
	};
	struct rr_prefix p = { .addr = { .family = 4, .bytes = { 172, 16 } },
			       .len = 12 };
	char out[RR_PREFIXSTRLEN];

	(void)state;
	for (size_t i = 0; i < N_ELEMS(round); i++)
		prefix_ok(round[i]);
	rr_prefix_format(&p, out);
	assert_string_equal(out, "172.16.0.0/12");
}

/* ---- host names --------------------------------------------------------- */

static void test_hostname(void **state)
{
	char buf[400];

	(void)state;
	assert_true(rr_hostname_valid("vpn.example.org"));
	assert_true(rr_hostname_valid("a"));
	assert_true(rr_hostname_valid("localhost"));
	assert_true(rr_hostname_valid("a-b.c-d"));
	assert_true(rr_hostname_valid("123abc.example"));
	assert_true(rr_hostname_valid("1.2.3.x"));
	assert_true(rr_hostname_valid("xn--bcher-kva.example"));
	assert_true(rr_hostname_valid("a--b"));

	assert_false(rr_hostname_valid(""));
	assert_false(rr_hostname_valid(NULL));
	assert_false(rr_hostname_valid("."));
	assert_false(rr_hostname_valid("vpn.example.org."));
	assert_false(rr_hostname_valid(".vpn.example.org"));
	assert_false(rr_hostname_valid("vpn..example.org"));
	assert_false(rr_hostname_valid("-vpn.example.org"));
	assert_false(rr_hostname_valid("vpn-.example.org"));
	assert_false(rr_hostname_valid("vpn.example.org-"));
	assert_false(rr_hostname_valid("vpn.-example.org"));
	assert_false(rr_hostname_valid("vpn_1.example.org"));
	assert_false(rr_hostname_valid("vpn example.org"));
	assert_false(rr_hostname_valid("vpn.example.org:4500"));
	assert_false(rr_hostname_valid("caf\xc3\xa9.example"));
	/* Upper case is valid LDH but not canonical. */
	assert_false(rr_hostname_valid("VPN.example.org"));
	assert_false(rr_hostname_valid("vpn.Example.org"));
	/* All digits and dots is a (bad) IPv4 address, never a host name. */
	assert_false(rr_hostname_valid("1.2.3.4"));
	assert_false(rr_hostname_valid("999.1.1.1"));
	assert_false(rr_hostname_valid("12345"));

	/* Label length: 63 fine, 64 not. */
	fill(buf, sizeof(buf), 'a', 63);
	assert_true(rr_hostname_valid(buf));
	memcpy(buf + 63, ".org", 5);
	assert_true(rr_hostname_valid(buf));
	fill(buf, sizeof(buf), 'a', 64);
	assert_false(rr_hostname_valid(buf));
	memcpy(buf + 64, ".org", 5);
	assert_false(rr_hostname_valid(buf));

	/* Total length: 253 fine, 254 not. */
	long_name(buf, sizeof(buf), 253);
	assert_int_equal(strlen(buf), 253);
	assert_true(rr_hostname_valid(buf));
	long_name(buf, sizeof(buf), 254);
	assert_false(rr_hostname_valid(buf));
	long_name(buf, sizeof(buf), 399);
	assert_false(rr_hostname_valid(buf));
}

/* ---- endpoints ---------------------------------------------------------- */

static void test_endpoint_valid(void **state)
{
	struct rr_endpoint e;

	(void)state;
	e = ep_ok("192.0.2.1:4500");
	assert_int_equal(e.type, RR_EP_IPV4);
	assert_int_equal(e.addr.family, 4);
	assert_int_equal(e.addr.bytes[0], 192);
	assert_int_equal(e.addr.bytes[3], 1);
	assert_int_equal(e.port, 4500);

	e = ep_ok("[2001:db8::1]:4500");
	assert_int_equal(e.type, RR_EP_IPV6);
	assert_int_equal(e.addr.family, 6);
	assert_int_equal(e.addr.bytes[15], 1);
	assert_int_equal(e.port, 4500);

	e = ep_ok("vpn.example.org:4500");
	assert_int_equal(e.type, RR_EP_HOST);
	assert_string_equal(e.host, "vpn.example.org");
	assert_int_equal(e.port, 4500);

	e = ep_ok("localhost:1");
	assert_int_equal(e.port, 1);
	e = ep_ok("a:65535");
	assert_int_equal(e.port, 65535);
	e = ep_ok("[::1]:1");
	assert_int_equal(e.type, RR_EP_IPV6);
	e = ep_ok("[::]:500");
	assert_int_equal(e.type, RR_EP_IPV6);
	ep_ok("0.0.0.0:9");
	ep_ok("xn--bcher-kva.example:4500");
	ep_ok("123abc.example:4500");
	/* IPv4-compatible (not mapped) stays IPv6. */
	ep_ok("[::1.2.3.4]:4500");
}

static void test_endpoint_brackets(void **state)
{
	(void)state;
	ep_bad("2001:db8::1:4500", RR_E_SYNTAX,
	       "2001:db8::1:4500: IPv6 endpoint needs brackets ([addr]:port)");
	ep_bad("::1:4500", RR_E_SYNTAX, "needs brackets");
	ep_bad("::ffff:192.0.2.1:4500", RR_E_SYNTAX, "needs brackets");
	ep_bad("fe80::1%eth0:4500", RR_E_SYNTAX, "needs brackets");
	ep_bad("host:1:2", RR_E_SYNTAX, "needs brackets");
	ep_bad("[2001:db8::1", RR_E_SYNTAX, "missing ']'");
	ep_bad("[2001:db8::1]4500", RR_E_SYNTAX, "expected ':'");
	ep_bad("[2001:db8::1]]:4500", RR_E_SYNTAX, NULL);
	ep_bad("[192.0.2.1]:4500", RR_E_VALUE, "only for IPv6");
	ep_bad("[vpn.example.org]:4500", RR_E_VALUE, NULL);
	ep_bad("[]:4500", RR_E_VALUE, NULL);
	ep_bad("[fe80::1%eth0]:4500", RR_E_VALUE, "scope ids are not allowed");
	ep_bad("[1:2:3:4:5:6:7:8:9]:4500", RR_E_VALUE, "not a valid IPv6 address");
	ep_bad("[::ffff:192.0.2.1]:4500", RR_E_VALUE,
	       "use the IPv4 form (192.0.2.1:4500)");
	ep_bad("[::ffff:c000:201]:4500", RR_E_VALUE, "use the IPv4 form");
	ep_bad("[2001:DB8::1]:4500", RR_E_CANONICAL,
	       "not in canonical form ([2001:db8::1]:4500)");
	ep_bad("[2001:db8:0:0:0:0:0:1]:4500", RR_E_CANONICAL,
	       "([2001:db8::1]:4500)");
}

static void test_endpoint_ports(void **state)
{
	(void)state;
	ep_bad("192.0.2.1", RR_E_SYNTAX, "missing port");
	ep_bad("192.0.2.1:", RR_E_SYNTAX, "missing port");
	ep_bad("[2001:db8::1]", RR_E_SYNTAX, "missing port");
	ep_bad("[2001:db8::1]:", RR_E_SYNTAX, "missing port");
	ep_bad("vpn.example.org", RR_E_SYNTAX, "missing port");
	ep_bad("vpn.example.org:", RR_E_SYNTAX, "missing port");
	ep_bad("192.0.2.1:0", RR_E_VALUE, "port out of range");
	ep_bad("192.0.2.1:00", RR_E_VALUE, "port out of range");
	ep_bad("192.0.2.1:65536", RR_E_VALUE, "port out of range");
	ep_bad("[::1]:65536", RR_E_VALUE, "port out of range");
	ep_bad("vpn.example.org:0", RR_E_VALUE, "port out of range");
	ep_bad("192.0.2.1:99999999999999999999999", RR_E_VALUE, "out of range");
	ep_bad("192.0.2.1:45a", RR_E_VALUE, "not a decimal number");
	ep_bad("192.0.2.1:-1", RR_E_VALUE, NULL);
	ep_bad("192.0.2.1:+1", RR_E_VALUE, NULL);
	ep_bad("192.0.2.1: 1", RR_E_VALUE, NULL);
	ep_bad("192.0.2.1:0x10", RR_E_VALUE, NULL);
	ep_bad("192.0.2.1:04500", RR_E_CANONICAL,
	       "not in canonical form (192.0.2.1:4500)");
	ep_bad("[2001:db8::1]:04500", RR_E_CANONICAL, "([2001:db8::1]:4500)");
	ep_bad("vpn.example.org:01", RR_E_CANONICAL, "(vpn.example.org:1)");
}

static void test_endpoint_hosts(void **state)
{
	char buf[400];

	(void)state;
	ep_bad(":4500", RR_E_SYNTAX, "missing host");
	ep_bad("", RR_E_SYNTAX, NULL);
	ep_bad("-vpn.example.org:4500", RR_E_VALUE, "starts with '-'");
	ep_bad("vpn-.example.org:4500", RR_E_VALUE, "ends with '-'");
	ep_bad("vpn.example-:4500", RR_E_VALUE, "ends with '-'");
	ep_bad("vpn..example.org:4500", RR_E_VALUE, "empty label");
	ep_bad(".example.org:4500", RR_E_VALUE, "empty label");
	ep_bad("vpn.example.org.:4500", RR_E_VALUE, "dot");
	ep_bad("vpn_1.example.org:4500", RR_E_VALUE, "invalid character");
	ep_bad("a[b:4500", RR_E_VALUE, NULL);
	ep_bad("caf\xc3\xa9.example:4500", RR_E_VALUE, NULL);
	/* Digits and dots only: a bad IPv4 address, not a host name. */
	ep_bad("999.1.1.1:4500", RR_E_VALUE, "not a valid IPv4 address");
	ep_bad("1.2.3:4500", RR_E_VALUE, "not a valid IPv4 address");
	ep_bad("010.0.0.1:4500", RR_E_VALUE, NULL);
	ep_bad("4500:4500", RR_E_VALUE, NULL);
	/* Upper case is not canonical; the message gives the lower case. */
	ep_bad("VPN.Example.ORG:4500", RR_E_CANONICAL,
	       "not in canonical form (vpn.example.org:4500)");
	ep_bad("VPN.Example.ORG:04500", RR_E_CANONICAL,
	       "(vpn.example.org:4500)");

	/* Labels: 63 ok, 64 not. */
	fill(buf, sizeof(buf), 'a', 63);
	memcpy(buf + 63, ".org:4500", 10);
	ep_ok(buf);
	fill(buf, sizeof(buf), 'a', 64);
	memcpy(buf + 64, ".org:4500", 10);
	ep_bad(buf, RR_E_VALUE, "longer than 63");

	/* Names: 253 ok, 254 not. */
	long_name(buf, sizeof(buf), 253);
	memcpy(buf + 253, ":65535", 7);
	assert_int_equal(strlen(buf), RR_ENDPOINTSTRLEN - 2);
	{
		struct rr_endpoint e = ep_ok(buf);

		assert_int_equal(strlen(e.host), 253);
	}
	long_name(buf, sizeof(buf), 254);
	memcpy(buf + 254, ":4500", 6);
	ep_bad(buf, RR_E_VALUE, "too long");

	/* Longer than any endpoint can be: a limit. */
	long_name(buf, sizeof(buf), RR_ENDPOINTSTRLEN + 10);
	ep_bad(buf, RR_E_LIMIT, "too long");
}

static void test_endpoint_format(void **state)
{
	struct rr_endpoint e;
	char out[RR_ENDPOINTSTRLEN];

	(void)state;
	memset(&e, 0, sizeof(e));
	e.type = RR_EP_IPV6;
	e.addr.family = 6;
	e.addr.bytes[15] = 1;
	e.port = 655;
	rr_endpoint_format(&e, out);
	assert_string_equal(out, "[::1]:655");

	memset(&e, 0, sizeof(e));
	e.type = RR_EP_IPV4;
	e.addr.family = 4;
	e.addr.bytes[0] = 203;
	e.addr.bytes[1] = 0;
	e.addr.bytes[2] = 113;
	e.addr.bytes[3] = 9;
	e.port = 65535;
	rr_endpoint_format(&e, out);
	assert_string_equal(out, "203.0.113.9:65535");

	memset(&e, 0, sizeof(e));
	e.type = RR_EP_HOST;
	snprintf(e.host, sizeof(e.host), "%s", "vpn.example.net");
	e.port = 1;
	rr_endpoint_format(&e, out);
	assert_string_equal(out, "vpn.example.net:1");

	/* Round trips through the parser. */
	ep_ok("[2001:db8:0:1:1:1:1:1]:4500");
	ep_ok("[fe80::1]:65535");
	ep_ok("198.51.100.255:1");
}

/* ---- containment -------------------------------------------------------- */

static struct rr_prefix P(const char *s)
{
	return prefix_ok(s);
}

static struct rr_addr A(const char *s)
{
	return addr_ok(s);
}

static void test_contains(void **state)
{
	struct rr_prefix p8 = P("10.0.0.0/8"), p16 = P("10.1.0.0/16"),
			 p9 = P("10.0.0.0/9"), p9b = P("10.128.0.0/9"),
			 v4all = P("0.0.0.0/0"), v6all = P("::/0"),
			 doc = P("2001:db8::/32"), doc48 = P("2001:db8:1::/48"),
			 mapped = P("::ffff:0.0.0.0/96"), host = P("10.1.2.3/32");

	(void)state;
	assert_true(rr_prefix_contains(&p8, &p8));
	assert_true(rr_prefix_contains(&p8, &p16));
	assert_false(rr_prefix_contains(&p16, &p8));
	assert_true(rr_prefix_contains(&p8, &p9));
	assert_true(rr_prefix_contains(&p8, &p9b));
	assert_true(rr_prefix_contains(&p9, &p16));
	assert_false(rr_prefix_contains(&p9b, &p16));
	assert_false(rr_prefix_contains(&p9, &p9b));
	assert_true(rr_prefix_contains(&p16, &host));
	assert_true(rr_prefix_contains(&v4all, &p8));
	assert_true(rr_prefix_contains(&v4all, &host));
	assert_true(rr_prefix_contains(&v6all, &doc));
	assert_true(rr_prefix_contains(&doc, &doc48));
	assert_false(rr_prefix_contains(&doc48, &doc));
	/* Across families nothing contains anything, /0 included. */
	assert_false(rr_prefix_contains(&v4all, &v6all));
	assert_false(rr_prefix_contains(&v6all, &v4all));
	assert_false(rr_prefix_contains(&v6all, &p8));
	assert_false(rr_prefix_contains(&v4all, &doc));
	assert_false(rr_prefix_contains(&mapped, &p8));
	assert_false(rr_prefix_contains(&p8, &mapped));
}

static void test_contains_addr(void **state)
{
	struct rr_prefix p8 = P("10.0.0.0/8"), p9b = P("10.128.0.0/9"),
			 v4all = P("0.0.0.0/0"), v6all = P("::/0"),
			 doc = P("2001:db8::/32"), host = P("192.0.2.1/32"),
			 host6 = P("2001:db8::1/128"), p31 = P("192.0.2.0/31");
	struct rr_addr a = A("10.200.3.4"), b = A("11.0.0.1"),
		       c = A("10.127.255.255"), d = A("2001:db8:ffff::1"),
		       e = A("2001:db9::"), g = A("192.0.2.1"),
		       h = A("2001:db8::1"), m = A("::ffff:10.0.0.1"),
		       z = A("::"), g0 = A("192.0.2.0"), g2 = A("192.0.2.2");

	(void)state;
	assert_true(rr_prefix_contains_addr(&p8, &a));
	assert_false(rr_prefix_contains_addr(&p8, &b));
	assert_true(rr_prefix_contains_addr(&p9b, &a));
	assert_false(rr_prefix_contains_addr(&p9b, &c));
	assert_true(rr_prefix_contains_addr(&v4all, &b));
	assert_true(rr_prefix_contains_addr(&doc, &d));
	assert_false(rr_prefix_contains_addr(&doc, &e));
	assert_true(rr_prefix_contains_addr(&host, &g));
	assert_true(rr_prefix_contains_addr(&host6, &h));
	assert_false(rr_prefix_contains_addr(&host6, &d));
	assert_true(rr_prefix_contains_addr(&p31, &g0));
	assert_true(rr_prefix_contains_addr(&p31, &g));
	assert_false(rr_prefix_contains_addr(&p31, &g2));
	/* Families never mix: not even ::/0, 0.0.0.0/0 or mapped forms. */
	assert_true(rr_prefix_contains_addr(&v6all, &z));
	assert_false(rr_prefix_contains_addr(&v6all, &a));
	assert_false(rr_prefix_contains_addr(&v4all, &z));
	assert_false(rr_prefix_contains_addr(&p8, &m));
}

static void test_contains_corrupt(void **state)
{
	struct rr_prefix p = P("10.0.0.0/8"), q = P("10.0.0.0/8");
	struct rr_addr a = A("10.0.0.1");

	(void)state;
	/* Out-of-range lengths and families never match (nor overrun). */
	p.len = 200;
	assert_false(rr_prefix_contains_addr(&p, &a));
	assert_false(rr_prefix_contains(&q, &p));
	p.len = 8;
	p.addr.family = 5;
	a.family = 5;
	assert_false(rr_prefix_contains_addr(&p, &a));
}

static void test_overlap(void **state)
{
	struct rr_prefix p8 = P("10.0.0.0/8"), p16 = P("10.1.0.0/16"),
			 p9 = P("10.0.0.0/9"), p9b = P("10.128.0.0/9"),
			 o = P("172.16.0.0/12"), v4all = P("0.0.0.0/0"),
			 v6all = P("::/0"), doc = P("2001:db8::/32"),
			 doc2 = P("2001:db8:8000::/33"), lo = P("::1/128");

	(void)state;
	assert_true(rr_prefix_overlap(&p8, &p16));
	assert_true(rr_prefix_overlap(&p16, &p8));
	assert_true(rr_prefix_overlap(&p8, &p8));
	assert_false(rr_prefix_overlap(&p9, &p9b));
	assert_false(rr_prefix_overlap(&p9b, &p16));
	assert_true(rr_prefix_overlap(&p9, &p16));
	assert_false(rr_prefix_overlap(&p8, &o));
	assert_true(rr_prefix_overlap(&v4all, &o));
	assert_true(rr_prefix_overlap(&doc, &doc2));
	assert_true(rr_prefix_overlap(&v6all, &lo));
	assert_false(rr_prefix_overlap(&doc, &lo));
	/* Cross-family never overlaps. */
	assert_false(rr_prefix_overlap(&v4all, &v6all));
	assert_false(rr_prefix_overlap(&v6all, &p8));
	assert_false(rr_prefix_overlap(&p8, &doc));
}

static void test_within(void **state)
{
	struct rr_prefix outer[3], inner[4];
	size_t bad = 99;

	(void)state;
	outer[0] = P("10.0.0.0/8");
	outer[1] = P("2001:db8::/32");
	outer[2] = P("192.0.2.0/24");

	inner[0] = P("10.1.0.0/16");
	inner[1] = P("2001:db8:1::/48");
	inner[2] = P("192.0.2.128/25");
	inner[3] = P("10.0.0.0/8");
	assert_true(rr_prefixes_within(outer, 3, inner, 4, &bad));
	assert_int_equal(bad, 99); /* untouched on success */
	assert_true(rr_prefixes_within(outer, 3, inner, 4, NULL));

	/* Nothing to check is trivially within, even with no outer. */
	assert_true(rr_prefixes_within(outer, 3, inner, 0, &bad));
	assert_true(rr_prefixes_within(NULL, 0, NULL, 0, &bad));
	assert_int_equal(bad, 99);

	/* First offender is reported. */
	inner[1] = P("2001:db9::/32");
	inner[3] = P("11.0.0.0/8");
	assert_false(rr_prefixes_within(outer, 3, inner, 4, &bad));
	assert_int_equal(bad, 1);
	assert_false(rr_prefixes_within(outer, 3, inner, 4, NULL));

	/* Wider than the authorization: outside. */
	inner[1] = P("2001:db8::/31");
	assert_false(rr_prefixes_within(outer, 3, inner, 4, &bad));
	assert_int_equal(bad, 1);

	inner[1] = P("2001:db8::/32");
	assert_false(rr_prefixes_within(outer, 3, inner, 4, &bad));
	assert_int_equal(bad, 3);

	/* Family mismatch: v4 inner vs v6-only outer. */
	outer[0] = P("::/0");
	inner[0] = P("10.0.0.0/8");
	assert_false(rr_prefixes_within(outer, 1, inner, 1, &bad));
	assert_int_equal(bad, 0);

	/* No outer at all. */
	bad = 99;
	assert_false(rr_prefixes_within(NULL, 0, inner, 1, &bad));
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_valid),
		cmocka_unit_test(test_ipv4_invalid),
		cmocka_unit_test(test_addr_null_err),
		cmocka_unit_test(test_ipv6_valid),
		cmocka_unit_test(test_ipv6_glibc_compat_form),
		cmocka_unit_test(test_ipv6_invalid),
		cmocka_unit_test(test_ipv6_noncanonical),
		cmocka_unit_test(test_addr_limit),
		cmocka_unit_test(test_addr_format),
		cmocka_unit_test(test_prefix_valid),
		cmocka_unit_test(test_prefix_invalid),
		cmocka_unit_test(test_prefix_noncanonical),
		cmocka_unit_test(test_prefix_format),
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_endpoint_valid),
		cmocka_unit_test(test_endpoint_brackets),
		cmocka_unit_test(test_endpoint_ports),
		cmocka_unit_test(test_endpoint_hosts),
		cmocka_unit_test(test_endpoint_format),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_contains_addr),
		cmocka_unit_test(test_contains_corrupt),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_within),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
