/*
 * bench.c - the DNS client alone against a server, for measuring: asks
 * every "NAME TYPE" line of standard input (TYPE a number), MAX_INFLIGHT
 * at once, and prints one line of figures: wall time, answers by status,
 * and the client's counters.
 *
 * Usage: dns-bench SERVER [MAX_INFLIGHT [TCP_CONNS]]
 *
 * Uses dns.h only, so the same file builds against older versions of the
 * client for before/after figures.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

#define MAX_NAMES 1000000

struct bench {
	size_t done, ok, failed;
	size_t by_status[FETCH_DNS_MISMATCH + 1];
	char first_error[FETCH_DNS_ERRLEN];
};

static void on_answer(const struct fetch_dns_answer *a, void *arg)
{
	struct bench *b = arg;

	b->done++;
	if ((size_t)a->status < sizeof(b->by_status) / sizeof(b->by_status[0]))
		b->by_status[a->status]++;
	if (a->status == FETCH_DNS_OK || a->status == FETCH_DNS_NODATA ||
	    a->status == FETCH_DNS_NXDOMAIN) {
		b->ok++;
		return;
	}
	if (b->failed++ == 0)
		snprintf(b->first_error, sizeof(b->first_error), "%s",
			 a->error);
}

static int ask_all(struct fetch_dns *d, struct bench *b, size_t *n)
{
	char line[1100], name[1025];
	unsigned type;

	*n = 0;
	while (*n < MAX_NAMES && fgets(line, sizeof(line), stdin)) {
		if (sscanf(line, "%1024s %u", name, &type) != 2 ||
		    type > UINT16_MAX) {
			fprintf(stderr, "dns-bench: bad line: %s", line);
			return -1;
		}
		if (fetch_dns_query(d, name, (uint16_t)type, on_answer, b) < 0) {
			fprintf(stderr, "dns-bench: cannot ask for %s\n", name);
			return -1;
		}
		(*n)++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct fetch_dns_server srv;
	struct fetch_dns_config cfg;
	struct fetch_dns_stats st;
	struct fetch_dns *d = NULL;
	struct bench b;
	char err[FETCH_DNS_ERRLEN];
	uv_loop_t loop;
	uint64_t t0, ms;
	size_t n;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: dns-bench SERVER [MAX_INFLIGHT "
			"[TCP_CONNS]] < NAME-TYPE-LINES\n");
		return 2;
	}
	if (fetch_dns_parse_server(argv[1], &srv, err, sizeof(err)) < 0) {
		fprintf(stderr, "dns-bench: %s\n", err);
		return 2;
	}
	memset(&b, 0, sizeof(b));
	if (uv_loop_init(&loop) < 0)
		return 1;
	fetch_dns_config_init(&cfg, &srv, 1);
	if (argc > 2)
		cfg.max_inflight = (unsigned)strtoul(argv[2], NULL, 10);
#ifdef FETCH_DNS_DEFAULT_TCP_CONNS
	if (argc > 3)
		cfg.tcp_conns = (unsigned)strtoul(argv[3], NULL, 10);
#endif
	if (fetch_dns_new(&loop, &cfg, &d) < 0) {
		fprintf(stderr, "dns-bench: bad configuration\n");
		return 2;
	}
	t0 = uv_hrtime();
	if (ask_all(d, &b, &n) < 0)
		return 1;
	while (b.done < n && uv_run(&loop, UV_RUN_ONCE))
		;
	ms = (uv_hrtime() - t0) / 1000000;
	fetch_dns_stats(d, &st);
	fetch_dns_close(d, NULL, NULL);
	(void)uv_run(&loop, UV_RUN_DEFAULT);
	(void)uv_loop_close(&loop);
	printf("ms=%" PRIu64 " queries=%zu answered=%zu failed=%zu "
	       "timeout=%zu network=%zu sent_udp=%" PRIu64 " sent_tcp=%" PRIu64
	       " truncated=%" PRIu64 " retries=%" PRIu64 " timeouts=%" PRIu64,
	       ms, n, b.ok, b.failed, b.by_status[FETCH_DNS_TIMEOUT],
	       b.by_status[FETCH_DNS_NETWORK], st.sent_udp, st.sent_tcp,
	       st.truncated, st.retries, st.timeouts);
#ifdef FETCH_DNS_DEFAULT_TCP_CONNS
	printf(" tcp_connections=%" PRIu64, st.tcp_connections);
#endif
	printf("\n");
	if (b.failed)
		printf("first failure: %s\n", b.first_error);
	return b.done == n && b.failed == 0 ? 0 : 1;
}
