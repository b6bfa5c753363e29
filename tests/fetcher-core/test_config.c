/*
 * test_config.c - the config file: the shipped example, defaults, and one
 * case per kind of mistake, each reported as FILE:LINE: KEYWORD: why.
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

#include "config.h"

#define A1 "ed25519:iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w="
#define A2 "ed25519:7UkoxijRwsbq6QM4kFmVYSlZJzpcY/k2NsFGFKyHN9E="
#define BASE "vpn example\nzone vpn.example.org\nanchor " A1 "\n"

struct cf {
	char path[64];
	struct fetch_config cfg;
	char err[FETCH_CONFIG_ERRLEN];
};

static int setup(void **state)
{
	struct cf *c = calloc(1, sizeof(*c));
	int fd;

	if (!c)
		return -1;
	(void)snprintf(c->path, sizeof(c->path), "/tmp/vpnrr-conf-XXXXXX");
	fd = mkstemp(c->path);
	if (fd < 0)
		return -1;
	close(fd);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct cf *c = *state;

	fetch_config_free(&c->cfg);
	unlink(c->path);
	free(c);
	return 0;
}

static int load(struct cf *c, const char *text)
{
	FILE *f = fopen(c->path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	fetch_config_free(&c->cfg);
	c->err[0] = '\0';
	return fetch_config_load(c->path, &c->cfg, c->err, sizeof(c->err));
}

/* TEXT must fail with "PATH:LINE: WANT" at the start of the message. */
static void expect_error(struct cf *c, const char *text, unsigned line,
			 const char *want)
{
	char prefix[256];

	if (load(c, text) == 0)
		fail_msg("accepted:\n%s", text);
	if (line)
		(void)snprintf(prefix, sizeof(prefix), "%s:%u: %s", c->path,
			       line, want);
	else
		(void)snprintf(prefix, sizeof(prefix), "%s: %s", c->path, want);
	if (strncmp(c->err, prefix, strlen(prefix)) != 0)
		fail_msg("got \"%s\", want prefix \"%s\"", c->err, prefix);
	/* Nothing is left to free after a failed load. */
	assert_null(c->cfg.state_dir);
}

static void test_example(void **state)
{
	const char *example = *state;
	struct fetch_config cfg;
	char err[FETCH_CONFIG_ERRLEN];
	char p[RR_PREFIXSTRLEN];

	if (fetch_config_load(example, &cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(cfg.vpn, "example");
	assert_string_equal(cfg.zone, "vpn.example.org");
	assert_int_equal(cfg.nanchors, 1);
	/* the default, RFC 5011's 30 days (the example shows it commented) */
	assert_true(cfg.anchor_hold_down_ms == 30ull * 86400 * 1000);
	assert_int_equal(cfg.nrestrict, 3);
	rr_prefix_format(&cfg.restrict_nets[2], p);
	assert_string_equal(p, "fd00::/8");
	assert_int_equal(cfg.nresolvers, 2);
	assert_string_equal(cfg.resolvers[1], "[::1]:53");
	assert_string_equal(cfg.state_dir, "/var/lib/vpnrr");
	assert_string_equal(cfg.out_secnet, "/etc/secnet/vpnrr");
	assert_string_equal(cfg.out_peer_keys, "/var/lib/secnet/pubkeys");
	assert_true(cfg.out_peer_keys_set);
	assert_string_equal(cfg.out_sites_file, "/var/lib/vpnrr/sites");
	assert_string_equal(cfg.out_json, "/var/lib/vpnrr/state-view.json");
	assert_string_equal(cfg.reload_command, "vpnrr-secnet-restart");
	assert_string_equal(cfg.secnet_config, "/etc/secnet/secnet.conf");
	assert_int_equal(cfg.refresh_interval_ms, 3600000);
	assert_int_equal(cfg.concurrency, 64);
	assert_int_equal(cfg.timeout_ms, 2000);
	assert_int_equal(cfg.attempts, 3);
	assert_true(cfg.peer_keys_wait_auto);
	assert_int_equal(cfg.peer_keys_watch_ms, 30000);
	assert_int_equal(cfg.expiry_warning_ms, 7 * 86400000ULL);
	assert_true(cfg.has_local_site);
	assert_string_equal(cfg.local_site, "london/alpha");
	assert_true(cfg.query_txt);
	assert_true(cfg.query_private);
	fetch_config_free(&cfg);
}

static void test_defaults(void **state)
{
	struct cf *c = *state;

	if (load(c, "# minimal\n\n" BASE) != 0)
		fail_msg("%s", c->err);
	assert_int_equal(c->cfg.nresolvers, 0); /* resolv.conf */
	assert_int_equal(c->cfg.nrestrict, 0);
	assert_string_equal(c->cfg.state_dir, FETCH_DEFAULT_STATE_DIR);
	assert_string_equal(c->cfg.out_peer_keys, FETCH_DEFAULT_PEER_KEYS_DIR);
	assert_false(c->cfg.out_peer_keys_set);
	assert_null(c->cfg.out_secnet);
	assert_null(c->cfg.out_json);
	assert_null(c->cfg.reload_command);
	assert_int_equal(c->cfg.refresh_interval_ms, FETCH_DEFAULT_REFRESH_MS);
	assert_int_equal(c->cfg.timeout_ms, FETCH_DEFAULT_TIMEOUT_MS);
	assert_int_equal(c->cfg.concurrency, FETCH_DEFAULT_CONCURRENCY);
	assert_int_equal(c->cfg.attempts, FETCH_DEFAULT_ATTEMPTS);
	assert_true(c->cfg.peer_keys_wait_auto);
	assert_int_equal(c->cfg.peer_keys_watch_ms,
			 FETCH_DEFAULT_PEER_KEYS_WATCH_MS);
	assert_int_equal(c->cfg.expiry_warning_ms,
			 FETCH_DEFAULT_EXPIRY_WARNING_MS);
	assert_false(c->cfg.has_local_site);
	assert_true(c->cfg.query_txt);
	assert_true(c->cfg.query_private);
	if (load(c, BASE "record-type txt\n") != 0)
		fail_msg("%s", c->err);
	assert_true(c->cfg.query_txt);
	assert_false(c->cfg.query_private);
	if (load(c, BASE "record-type bin\n") != 0)
		fail_msg("%s", c->err);
	assert_false(c->cfg.query_txt);
	assert_true(c->cfg.query_private);
	assert_null(c->cfg.secnet_dh);
	assert_null(c->cfg.secnet_hash);
	if (load(c, BASE "secnet-dh 17 2\nsecnet-hash md5\n") != 0)
		fail_msg("%s", c->err);
	assert_string_equal(c->cfg.secnet_dh, "17 2");
	assert_string_equal(c->cfg.secnet_hash, "md5");
}

static void test_syntax(void **state)
{
	struct cf *c = *state;

	/* Quotes, escapes, comments, tabs, CRLF, case of the zone. */
	if (load(c, "vpn\texample   # the VPN\r\n"
		    "zone VPN.Example.ORG.\n"
		    "anchor " A1 "\n"
		    "anchor " A2 "\n"
		    "state-dir \"/var/lib/vpn rr\"\n"
		    "output json /srv/a#b.json # a '#' inside a word stays\n"
		    "reload-command \"kill -HUP \\\"$(cat /run/x.pid)\\\" \\\\\"\n"
		    "timeout 500ms\n"
		    "refresh-interval 90\n"
		    "expiry-warning 0s\n"
		    "resolver 192.0.2.1:5353\n"
		    "resolver 2001:db8::1\n"
		    "resolver [fe80::1%eth0]:53\n") != 0)
		fail_msg("%s", c->err);
	assert_string_equal(c->cfg.zone, "vpn.example.org");
	assert_int_equal(c->cfg.nanchors, 2);
	assert_string_equal(c->cfg.state_dir, "/var/lib/vpn rr");
	assert_string_equal(c->cfg.out_json, "/srv/a#b.json");
	assert_string_equal(c->cfg.reload_command,
			    "kill -HUP \"$(cat /run/x.pid)\" \\");
	assert_int_equal(c->cfg.timeout_ms, 500);
	assert_int_equal(c->cfg.refresh_interval_ms, 90000);
	assert_int_equal(c->cfg.expiry_warning_ms, 0);
	assert_int_equal(c->cfg.nresolvers, 3);
}

static void test_errors(void **state)
{
	struct cf *c = *state;

	/* Unknown keyword. */
	expect_error(c, BASE "refresh 1h\n", 4, "refresh: unknown keyword");
	/* Missing required keywords. */
	expect_error(c, "zone a.b\nanchor " A1 "\n", 0,
		     "vpn: missing (required)");
	expect_error(c, "vpn x\nanchor " A1 "\n", 0,
		     "zone: missing (required)");
	expect_error(c, "vpn x\nzone a.b\n", 0, "anchor: missing");
	/* Duplicates of single-valued keywords. */
	expect_error(c, BASE "vpn other\n", 4, "vpn: already set on line 1");
	expect_error(c, BASE "output json /a\n\noutput json /b\n", 6,
		     "output json: already set on line 4");
	expect_error(c, BASE "anchor " A1 "\n", 4, "anchor: key ");
	/* Wrong number of arguments. */
	expect_error(c, BASE "timeout\n", 4, "timeout: takes 1 argument, not 0");
	expect_error(c, BASE "vpn a b\n", 4, "vpn: takes 1 argument, not 2");
	expect_error(c, BASE "output json\n", 4, "output: takes 2 arguments");
	/* Bad values, one per type. */
	expect_error(c, "vpn 9lives\n", 1, "vpn: 9lives: a VPN name");
	expect_error(c, "zone a..b\n", 1, "zone: a..b: empty label");
	expect_error(c, "zone a b.c\n", 1, "zone: takes 1 argument");
	expect_error(c, "zone a!.b\n", 1, "zone: a!.b: only letters");
	expect_error(c, "anchor rsa:AAAA\n", 1, "anchor: key must start");
	expect_error(c, "anchor ed25519:AAAA\n", 1, "anchor: key has 3 bytes");
	expect_error(c, BASE "restrict-nets 10.0.0.0/8 10.1.2.3/16\n", 4,
		     "restrict-nets: 10.1.2.3/16: ");
	expect_error(c, BASE "resolver 192.0.2.1:0\n", 4,
		     "resolver: 192.0.2.1:0: bad port");
	expect_error(c, BASE "resolver example.net\n", 4,
		     "resolver: example.net: not an IPv4 address");
	expect_error(c, BASE "resolver [2001:db8::1]53\n", 4,
		     "resolver: [2001:db8::1]53: bad port after");
	/* ADDR:PORT or an address? The brackets must say. */
	expect_error(c, BASE "resolver ::1:5340\n", 4,
		     "resolver: '::1:5340' is ambiguous: write [::1]:5340 "
		     "for port 5340, or [::1:5340] for that address on port 53");
	expect_error(c, BASE "resolver fe80::1:53%eth0\n", 4,
		     "resolver: 'fe80::1:53%eth0' is ambiguous: write "
		     "[fe80::1%eth0]:53 for port 53");
	expect_error(c, BASE "state-dir var/lib\n", 4,
		     "state-dir: var/lib: must be an absolute path");
	expect_error(c, BASE "output openvpn /x\n", 4,
		     "output: openvpn: unknown output");
	/* The live WireGuard output takes an interface, not a path. */
	expect_error(c, BASE "output wireguard /x\n", 4,
		     "output wireguard: /x: not an interface name");
	expect_error(c, BASE "output wg-quick wg0.conf\n", 4,
		     "output wg-quick: wg0.conf: must be an absolute path");
	expect_error(c, BASE "reload-command \"\"\n", 4,
		     "reload-command: empty command");
	expect_error(c, BASE "timeout 2x\n", 4, "timeout: 2x: not a duration");
	expect_error(c, BASE "timeout 2 s\n", 4, "timeout: takes 1 argument");
	expect_error(c, BASE "refresh-interval 1s\n", 4,
		     "refresh-interval: 1s: out of range 10s to 30d");
	expect_error(c, BASE "expiry-warning 99999999999d\n", 4,
		     "expiry-warning: 99999999999d: not a duration");
	expect_error(c, BASE "concurrency 0\n", 4,
		     "concurrency: 0: out of range 1 to 4096");
	expect_error(c, BASE "attempts many\n", 4,
		     "attempts: many: not a number");
	expect_error(c, BASE "local-site alpha\n", 4,
		     "local-site: alpha: need LOCATION/SITE");
	expect_error(c, BASE "record-type TXT\n", 4,
		     "record-type: TXT: not txt, bin or both");
	/* Lexical mistakes. */
	expect_error(c, BASE "reload-command \"echo\n", 4,
		     "unterminated \"quoted string\"");
	expect_error(c, BASE "reload-command \"a\\n\"\n", 4,
		     "only \\\" and \\\\ are escapes");
	expect_error(c, BASE "reload-command \"a\"b\n", 4,
		     "text directly after a closing quote");
	expect_error(c, BASE "state-dir /a\"b\n", 4, "quote inside a word");
	expect_error(c, BASE "vpn\x01x\n", 4, "control character 0x01");
	expect_error(c, BASE "secnet-dh 17\n", 4,
		     "secnet-dh: takes 2 arguments");
	expect_error(c, BASE "secnet-dh 17 g2\n", 4,
		     "secnet-dh: g2: not a hex number");
	expect_error(c, BASE "secnet-hash sha256\n", 4,
		     "secnet-hash: sha256: secnet knows sha1 and md5");
	expect_error(c, BASE "secnet-hash md5\nsecnet-hash md5\n", 5,
		     "secnet-hash: already set on line 4");
	/* A missing file names itself. */
	fetch_config_free(&c->cfg);
	assert_int_equal(fetch_config_load("/nonexistent/vpnrr.conf", &c->cfg,
					   c->err, sizeof(c->err)), -1);
	assert_non_null(strstr(c->err, "/nonexistent/vpnrr.conf: No such"));
}

static void test_long_line(void **state)
{
	struct cf *c = *state;
	size_t n = 5000;
	char *text = malloc(n + sizeof(BASE) + 8);

	assert_non_null(text);
	memcpy(text, BASE "# ", strlen(BASE) + 2);
	memset(text + strlen(BASE) + 2, 'x', n);
	memcpy(text + strlen(BASE) + 2 + n, "\n", 2);
	expect_error(c, text, 4, "line longer than 4095 bytes");
	free(text);
}

int main(int argc, char **argv)
{
	const char *example = argc > 1 ? argv[1]
				       : "../fetcher/vpnrr-fetch.conf.example";
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(test_example, (void *)example),
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_line, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
