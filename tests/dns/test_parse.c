/*
 * test_parse.c - cmocka tests for server address parsing, resolv.conf
 * reading and the client's argument checks (no network needed).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"

static uint16_t port_of(const struct fetch_dns_server *s)
{
	if (s->addr.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&s->addr)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)&s->addr)->sin6_port);
}

static void assert_v4(const struct fetch_dns_server *s, const char *ip,
		      uint16_t port)
{
	const struct sockaddr_in *sin = (const void *)&s->addr;
	struct in_addr want;

	assert_int_equal(s->addr.ss_family, AF_INET);
	assert_int_equal(s->len, sizeof(struct sockaddr_in));
	assert_int_equal(inet_pton(AF_INET, ip, &want), 1);
	assert_memory_equal(&sin->sin_addr, &want, sizeof(want));
	assert_int_equal(port_of(s), port);
}

static void assert_v6(const struct fetch_dns_server *s, const char *ip,
		      uint16_t port, uint32_t scope)
{
	const struct sockaddr_in6 *sin6 = (const void *)&s->addr;
	struct in6_addr want;

	assert_int_equal(s->addr.ss_family, AF_INET6);
	assert_int_equal(s->len, sizeof(struct sockaddr_in6));
	assert_int_equal(inet_pton(AF_INET6, ip, &want), 1);
	assert_memory_equal(&sin6->sin6_addr, &want, sizeof(want));
	assert_int_equal(port_of(s), port);
	assert_int_equal(sin6->sin6_scope_id, scope);
}

static void parse_ok(const char *text, struct fetch_dns_server *s)
{
	char err[128] = "";

	if (fetch_dns_parse_server(text, s, err, sizeof(err)) != 0)
		fail_msg("'%s' rejected: %s", text, err);
}

static void test_parse_v4(void **state)
{
	struct fetch_dns_server s;

	(void)state;
	parse_ok("127.0.0.1", &s);
	assert_v4(&s, "127.0.0.1", 53);
	parse_ok("192.0.2.10:5353", &s);
	assert_v4(&s, "192.0.2.10", 5353);
	parse_ok("10.1.2.3:65535", &s);
	assert_v4(&s, "10.1.2.3", 65535);
	parse_ok("0.0.0.0:1", &s);
	assert_v4(&s, "0.0.0.0", 1);
}

static void test_parse_v6(void **state)
{
	struct fetch_dns_server s;
	unsigned lo = if_nametoindex("lo");

	(void)state;
	parse_ok("::1", &s);
	assert_v6(&s, "::1", 53, 0);
	parse_ok("[::1]:5353", &s);
	assert_v6(&s, "::1", 5353, 0);
	parse_ok("[2001:db8::53]", &s);
	assert_v6(&s, "2001:db8::53", 53, 0);
	parse_ok("2001:db8:0:0:1:0:0:1", &s);
	assert_v6(&s, "2001:db8::1:0:0:1", 53, 0);
	/* A trailing decimal group that cannot be a port stays the address's. */
	parse_ok("2001:db8::53", &s);
	assert_v6(&s, "2001:db8::53", 53, 0);
	parse_ok("[::1:53]", &s);
	assert_v6(&s, "::1:53", 53, 0);
	parse_ok("::ffff:192.0.2.1", &s);
	assert_v6(&s, "::ffff:192.0.2.1", 53, 0);
	parse_ok("fe80::1%7", &s);
	assert_v6(&s, "fe80::1", 53, 7);
	parse_ok("[fe80::1%3]:853", &s);
	assert_v6(&s, "fe80::1", 853, 3);
	if (lo) {
		parse_ok("fe80::1%lo", &s);
		assert_v6(&s, "fe80::1", 53, lo);
	}
}

/* Longer than any address text with a zone and port. */
#define TOO_LONG_ADDR ("1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:" \
		       "bbbb:cccc:dddd:eeee:ffff:0000:1111:2222:3333:4444")

static void test_parse_reject(void **state)
{
	const char *const too_long = TOO_LONG_ADDR;
	const char *const bad[] = {
		"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4x",
		"1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:+53",
		"1.2.3.4: 53", "1.2.3.4:53x", "1.2.3.4:53:53", " 1.2.3.4",
		"1.2.3.4 ", "[::1", "[::1]x", "[::1]:", "[::1]:0", "[]:53",
		"[1.2.3.4]:53", "::1]", ":::1", "host.example", "host:53",
		"fe80::1%", "fe80::1%no-such-if0", "fe80::1%4294967296",
		"[::1]:123456", too_long,
		/* Could be ADDR:PORT as well as an address: brackets decide. */
		"::1:5340", "::1:53", "2001:db8::1:53", "fe80::1:53%1",
	};
	struct fetch_dns_server s;
	char err[160];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (fetch_dns_parse_server(bad[i], &s, err, sizeof(err)) == 0)
			fail_msg("'%s' accepted", bad[i]);
		assert_true(err[0] != '\0');
	}
	assert_int_equal(fetch_dns_parse_server("x", &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'x'"));
	assert_int_equal(fetch_dns_parse_server(NULL, &s, NULL, 0), -1);
	assert_int_equal(fetch_dns_parse_server("::1:5340", &s, err,
						sizeof(err)), -1);
	assert_non_null(strstr(err, "[::1]:5340"));
	assert_non_null(strstr(err, "[::1:5340]"));
}

static void test_format(void **state)
{
	struct fetch_dns_server s;
	char out[FETCH_DNS_SERVERSTRLEN];

	(void)state;
	parse_ok("192.0.2.1", &s);
	fetch_dns_server_format(&s, out);
	assert_string_equal(out, "192.0.2.1:53");
	parse_ok("[2001:db8::1]:5353", &s);
	fetch_dns_server_format(&s, out);
	assert_string_equal(out, "[2001:db8::1]:5353");
	parse_ok("fe80::1%9", &s);
	fetch_dns_server_format(&s, out);
	assert_string_equal(out, "[fe80::1%9]:53");
}

/* Writes TEXT to a new temporary file; returns its path (free it). */
static char *temp_file(const char *text)
{
	char *path = strdup("/tmp/fetch-dns-resolvconf.XXXXXX");
	int fd;
	size_t len = strlen(text);

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	return path;
}

static void drop_file(char *path)
{
	assert_int_equal(unlink(path), 0);
	free(path);
}

static void test_resolvconf(void **state)
{
	char *path = temp_file(
		"# generated by a test\n"
		"; another comment\n"
		"search example.org\n"
		"options edns0 trust-ad\n"
		"nameserver 192.0.2.53\n"
		"  nameserver\t2001:db8::53   # trailing comment\n"
		"nameserver fe80::1%1\n"
		"nameserver 192.0.2.1:5353\n"  /* no ports in resolv.conf */
		"nameserver not-an-address\n"
		"nameservers 192.0.2.99\n"
		"#nameserver 192.0.2.98\n"
		"nameserver\n"
		"nameserver ::1\r\n"
		"nameserver 127.0.0.53");      /* no final newline */
	struct fetch_dns_server s[8];
	size_t n = 0;
	char err[160] = "";

	(void)state;
	if (fetch_dns_resolvconf(path, s, 8, &n, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(n, 5);
	assert_v4(&s[0], "192.0.2.53", 53);
	assert_v6(&s[1], "2001:db8::53", 53, 0);
	assert_v6(&s[2], "fe80::1", 53, 1);
	assert_v6(&s[3], "::1", 53, 0);
	assert_v4(&s[4], "127.0.0.53", 53);

	/* MAX bounds what is stored; the rest is ignored. */
	assert_int_equal(fetch_dns_resolvconf(path, s, 2, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_v6(&s[1], "2001:db8::53", 53, 0);
	drop_file(path);
}

static void test_resolvconf_errors(void **state)
{
	struct fetch_dns_server s[3];
	size_t n = 99;
	char err[160];
	char *path;

	(void)state;
	path = temp_file("search example.org\n# nameserver 192.0.2.1\n");
	assert_int_equal(fetch_dns_resolvconf(path, s, 3, &n, err, sizeof(err)), -1);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err, "no nameserver lines"));
	assert_non_null(strstr(err, path));
	drop_file(path);

	path = temp_file("search x\nnameserver bogus\nnameserver 1.2.3.4:53\n");
	assert_int_equal(fetch_dns_resolvconf(path, s, 3, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: unusable nameserver"));
	drop_file(path);

	path = temp_file("");
	assert_int_equal(fetch_dns_resolvconf(path, s, 3, &n, err, sizeof(err)), -1);
	drop_file(path);

	assert_int_equal(fetch_dns_resolvconf("/nonexistent/resolv.conf", s, 3,
					      &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/resolv.conf"));
	assert_int_equal(fetch_dns_resolvconf("/dev/null", s, 0, &n, err,
					      sizeof(err)), -1);
}

static void on_done(void *arg)
{
	int *flag = arg;

	(*flag)++;
}

static void never(const struct fetch_dns_answer *a, void *arg)
{
	(void)a;
	(void)arg;
	fail_msg("callback for a rejected query");
}

static void count_cancel(const struct fetch_dns_answer *a, void *arg)
{
	int *n = arg;

	assert_int_equal(a->status, FETCH_DNS_CANCELLED);
	assert_string_equal(a->qname, "q.example");
	assert_null(a->rdata);
	assert_int_equal(a->nrdata, 0);
	assert_non_null(strstr(a->error, "q.example"));
	(*n)++;
}

static void test_client_args(void **state)
{
	struct fetch_dns_server srv;
	struct fetch_dns_config cfg;
	struct fetch_dns *d = NULL;
	uv_loop_t loop;
	int done = 0, cancelled = 0;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	parse_ok("127.0.0.1:9", &srv);
	fetch_dns_config_init(&cfg, &srv, 1);
	assert_int_equal(cfg.edns_size, 1232);
	assert_int_equal(cfg.max_cname, 8);
	assert_true(cfg.rd);

	cfg.attempts = 0;
	assert_int_equal(fetch_dns_new(&loop, &cfg, &d), UV_EINVAL);
	cfg.attempts = 2;
	cfg.edns_size = 100;
	assert_int_equal(fetch_dns_new(&loop, &cfg, &d), UV_EINVAL);
	cfg.edns_size = 1232;
	cfg.nservers = 0;
	assert_int_equal(fetch_dns_new(&loop, &cfg, &d), UV_EINVAL);
	cfg.nservers = 1;
	cfg.max_cname = FETCH_DNS_MAX_CNAME + 1;
	assert_int_equal(fetch_dns_new(&loop, &cfg, &d), UV_EINVAL);
	cfg.max_cname = 8;
	srv.len = 3;
	assert_int_equal(fetch_dns_new(&loop, &cfg, &d), UV_EINVAL);
	assert_null(d);
	parse_ok("127.0.0.1:9", &srv);
	assert_int_equal(fetch_dns_new(&loop, &cfg, &d), 0);
	assert_non_null(d);

	assert_int_equal(fetch_dns_query(d, "a..b", 16, never, NULL), UV_EINVAL);
	assert_int_equal(fetch_dns_query(d, "", 16, never, NULL), UV_EINVAL);
	assert_int_equal(fetch_dns_query(d, "ok.example", 16, NULL, NULL),
			 UV_EINVAL);
	/* Accepted queries report only from the loop, here when cancelled. */
	assert_int_equal(fetch_dns_query(d, "q.example", 16, count_cancel,
					 &cancelled), 0);
	assert_int_equal(fetch_dns_query(d, "q.example", 65380, count_cancel,
					 &cancelled), 0);
	assert_int_equal(cancelled, 0);
	fetch_dns_close(d, on_done, &done);
	assert_int_equal(cancelled, 2);
	assert_int_equal(done, 0);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(done, 1);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_status_names(void **state)
{
	(void)state;
	assert_string_equal(fetch_dns_status_name(FETCH_DNS_OK), "ok");
	assert_string_equal(fetch_dns_status_name(FETCH_DNS_NODATA), "nodata");
	assert_string_equal(fetch_dns_status_name(FETCH_DNS_CANCELLED),
			    "cancelled");
	assert_string_equal(fetch_dns_status_name((enum fetch_dns_status)99),
			    "unknown");
}

/* Answers are copied by callers that keep them past the callback. */
static void test_rdata_dup(void **state)
{
	static const uint8_t txt[] = { 5, 'h', 'e', 'l', 'l', 'o' };
	static const uint8_t bin[] = { 0x00, 0xff, 0x01 };
	const struct fetch_dns_rdata in[3] = {
		{ 16, 300, txt, sizeof(txt) },
		{ 65380, 60, bin, sizeof(bin) },
		{ 16, 1, txt, 0 },
	};
	struct fetch_dns_rdata *out;

	(void)state;
	out = fetch_dns_rdata_dup(in, 3);
	assert_non_null(out);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(out[i].type, in[i].type);
		assert_int_equal(out[i].ttl, in[i].ttl);
		assert_int_equal(out[i].len, in[i].len);
		assert_ptr_not_equal(out[i].data, in[i].data);
		if (in[i].len)
			assert_memory_equal(out[i].data, in[i].data, in[i].len);
	}
	/* The copies do not overlap: each starts where the last ended. */
	assert_ptr_equal(out[1].data, out[0].data + sizeof(txt));
	free(out);
	out = fetch_dns_rdata_dup(NULL, 0);
	assert_non_null(out);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_v4),
		cmocka_unit_test(test_parse_v6),
		cmocka_unit_test(test_parse_reject),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_resolvconf),
		cmocka_unit_test(test_resolvconf_errors),
		cmocka_unit_test(test_client_args),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_rdata_dup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
