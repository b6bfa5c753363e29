/*
 * driver.c - drives the DNS stub client against real servers for the
 * integration tests (run-nsd.sh, spoof.py).
 *
 *   dns-driver nsd LIVE DEAD    cases against nsd serving example.test
 *   dns-driver spoof SERVER     cases against spoof.py's fake server
 *   dns-driver probe SERVER NAME TYPE   exit 0 when NAME answers
 *
 * LIVE, DEAD and SERVER are "addr:port" / "[v6]:port"; DEAD is a port on
 * which nothing answers.  Prints one "ok"/"not ok" line per check and a
 * final "N passed, N failed" line; exits 1 on any failure.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h> /* type and rcode numbers only */

#include "dns.h"

#define WATCHDOG_MS 30000
#define TEXT_MAX 4096
#define MANY 100

struct tally {
	unsigned pass, fail;
	const char *prefix; /* "v4", "v6": tells the two runs apart */
};

struct result {
	bool done;
	unsigned calls;
	enum fetch_dns_status status;
	bool via_tcp;
	uint32_t min_ttl;
	int rcode;
	char final[512];
	char error[FETCH_DNS_ERRLEN];
	struct fetch_dns_rdata *rrs; /* copied, one allocation */
	size_t nrrs;
	uint64_t ms;       /* from fetch_dns_query until the loop was idle */
};

struct env {
	uv_loop_t loop;
	uv_timer_t watchdog;
	struct tally t;
};

static void check(struct tally *t, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check(struct tally *t, bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %u - %s: ", ok ? "ok" : "not ok", t->pass + t->fail + 1,
	       t->prefix);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		t->pass++;
	else
		t->fail++;
}

static void on_watchdog(uv_timer_t *tm)
{
	(void)tm;
	fprintf(stderr, "dns-driver: watchdog: loop still busy after %d ms\n",
		WATCHDOG_MS);
	exit(2);
}

static void result_clear(struct result *r)
{
	free(r->rrs);
	memset(r, 0, sizeof(*r));
}

/* Copies the answer's RDATA (valid only during the callback). */
static void keep_rdata(struct result *r, const struct fetch_dns_answer *a)
{
	r->rrs = fetch_dns_rdata_dup(a->rdata, a->nrdata);
	if (!r->rrs) {
		fprintf(stderr, "dns-driver: out of memory\n");
		exit(2);
	}
	r->nrrs = a->nrdata;
}

static void on_answer(const struct fetch_dns_answer *a, void *arg)
{
	struct result *r = arg;

	r->calls++;
	r->done = true;
	r->status = a->status;
	r->via_tcp = a->via_tcp;
	r->min_ttl = a->min_ttl;
	r->rcode = a->rcode;
	snprintf(r->final, sizeof(r->final), "%s",
		 a->final_name ? a->final_name : "");
	snprintf(r->error, sizeof(r->error), "%s", a->error);
	if (a->nrdata > 0 && !r->rrs)
		keep_rdata(r, a);
}

/* Runs the loop until the client is idle; the watchdog bounds it. */
static void run(struct env *e)
{
	if (uv_run(&e->loop, UV_RUN_DEFAULT) < 0)
		fprintf(stderr, "dns-driver: uv_run failed\n");
}

static int client(struct env *e, const struct fetch_dns_config *cfg,
		  struct fetch_dns **out)
{
	int rc = fetch_dns_new(&e->loop, cfg, out);

	if (rc < 0)
		fprintf(stderr, "dns-driver: fetch_dns_new: %s\n",
			uv_strerror(rc));
	return rc;
}

static void on_closed(void *arg)
{
	bool *flag = arg;

	*flag = true;
}

static void close_client(struct env *e, struct fetch_dns *d)
{
	bool closed = false;

	fetch_dns_close(d, on_closed, &closed);
	run(e);
	check(&e->t, closed, "close completes");
}

static void ask(struct env *e, struct fetch_dns *d, const char *name,
		uint16_t type, struct result *r)
{
	int rc;

	uint64_t t0 = uv_hrtime();

	result_clear(r);
	rc = fetch_dns_query(d, name, type, on_answer, r);
	if (rc < 0) {
		snprintf(r->error, sizeof(r->error), "fetch_dns_query: %s",
			 uv_strerror(rc));
		return;
	}
	run(e);
	r->ms = (uv_hrtime() - t0) / 1000000;
}

/* The character-strings of a TXT RR's RDATA joined with '|'; "" when
 * the RDATA is not a TXT's. */
static void txt_join(const struct fetch_dns_rdata *rd, char *out,
		     size_t outlen)
{
	size_t used = 0, off = 0;

	out[0] = '\0';
	if (rd->type != LDNS_RR_TYPE_TXT)
		return;
	while (off < rd->len) {
		const uint8_t *p = rd->data + off;
		int w;

		if (off + 1 + p[0] > rd->len) {
			out[0] = '\0'; /* a string runs past the RDATA */
			return;
		}
		w = snprintf(out + used, outlen - used, "%s%.*s",
			     off ? "|" : "", (int)p[0], (const char *)p + 1);
		if (w < 0 || (size_t)w >= outlen - used)
			return;
		used += (size_t)w;
		off += 1 + (size_t)p[0];
	}
}

static bool has_txt(const struct result *r, const char *want)
{
	char text[TEXT_MAX];

	for (size_t i = 0; i < r->nrrs; i++) {
		txt_join(&r->rrs[i], text, sizeof(text));
		if (strcmp(text, want) == 0)
			return true;
	}
	return false;
}

static size_t nrrs(const struct result *r)
{
	return r->nrrs;
}

static void report(struct env *e, const char *what, const struct result *r)
{
	printf("# %s: status=%s tcp=%d ttl=%u rrs=%zu final=%s%s%s\n", what,
	       fetch_dns_status_name(r->status), r->via_tcp, r->min_ttl,
	       nrrs(r), r->final, r->error[0] ? " error=" : "", r->error);
	(void)e;
}

/* ---- nsd cases ---------------------------------------------------------- */

static void case_txt(struct env *e, struct fetch_dns *d)
{
	struct result r = {0};

	ask(e, d, "txt.example.test", LDNS_RR_TYPE_TXT, &r);
	report(e, "txt", &r);
	check(&e->t, r.calls == 1 && r.status == FETCH_DNS_OK, "TXT: ok");
	check(&e->t, nrrs(&r) == 2 && has_txt(&r, "hello from nsd|second string") &&
		     has_txt(&r, "another RR"),
	      "TXT: both RRs with their strings");
	check(&e->t, !r.via_tcp && r.min_ttl == 300 &&
		     strcmp(r.final, "txt.example.test.") == 0,
	      "TXT: UDP, ttl 300, final name");
	result_clear(&r);

	ask(e, d, "TXT.eXample.TEST.", LDNS_RR_TYPE_TXT, &r);
	check(&e->t, r.status == FETCH_DNS_OK && nrrs(&r) == 2,
	      "TXT: mixed-case name with final dot");
	result_clear(&r);
}

static void case_big(struct env *e, struct fetch_dns *d)
{
	struct fetch_dns_stats before, after;
	struct result r = {0};
	bool seen[20] = {false};
	bool all = true;
	char text[TEXT_MAX];

	fetch_dns_stats(d, &before);
	ask(e, d, "big.example.test", LDNS_RR_TYPE_TXT, &r);
	fetch_dns_stats(d, &after);
	report(e, "big", &r);
	check(&e->t, r.status == FETCH_DNS_OK && r.via_tcp,
	      "TC: answer came over TCP");
	check(&e->t, after.truncated == before.truncated + 1 &&
		     after.sent_tcp == before.sent_tcp + 1,
	      "TC: one truncated UDP answer, one TCP query");
	for (size_t i = 0; i < nrrs(&r); i++) {
		unsigned idx;

		txt_join(&r.rrs[i], text, sizeof(text));
		if (strlen(text) != 200 || sscanf(text, "big-%2u-", &idx) != 1 ||
		    idx >= 20 || text[199] != (char)('a' + idx))
			all = false;
		else
			seen[idx] = true;
	}
	for (size_t i = 0; i < 20; i++)
		all = all && seen[i];
	check(&e->t, nrrs(&r) == 20 && all, "TC: all 20 RRs of 200 bytes");
	result_clear(&r);
}

static void case_cname(struct env *e, struct fetch_dns *d)
{
	struct fetch_dns_stats before, after;
	struct result r = {0};

	fetch_dns_stats(d, &before);
	ask(e, d, "c1.example.test", LDNS_RR_TYPE_TXT, &r);
	fetch_dns_stats(d, &after);
	report(e, "c1", &r);
	check(&e->t, r.status == FETCH_DNS_OK && nrrs(&r) == 2 &&
		     has_txt(&r, "another RR"),
	      "CNAME chain: TXT at the end");
	check(&e->t, strcmp(r.final, "txt.example.test.") == 0 &&
		     after.cname_followed == before.cname_followed + 3,
	      "CNAME chain: 3 followed, final txt.example.test.");
	check(&e->t, r.min_ttl == 120, "CNAME chain: ttl is the chain minimum (%u)",
	      r.min_ttl);
	result_clear(&r);

	ask(e, d, "c1.example.test", LDNS_RR_TYPE_CNAME, &r);
	check(&e->t, r.status == FETCH_DNS_OK && nrrs(&r) == 1 &&
		     strcmp(r.final, "c1.example.test.") == 0,
	      "CNAME asked for itself is not followed");
	result_clear(&r);

	ask(e, d, "out.example.test", LDNS_RR_TYPE_TXT, &r);
	check(&e->t, r.status == FETCH_DNS_OK &&
		     has_txt(&r, "reached other zone") && r.min_ttl == 45 &&
		     strcmp(r.final, "target.other.test.") == 0,
	      "CNAME into another zone");
	result_clear(&r);

	ask(e, d, "loop1.example.test", LDNS_RR_TYPE_TXT, &r);
	report(e, "loop1", &r);
	check(&e->t, r.status == FETCH_DNS_CNAME_LOOP && nrrs(&r) == 0 &&
		     strstr(r.error, "loop1.example.test TXT via ") &&
		     strstr(r.error, "CNAME loop back to"),
	      "CNAME loop detected: %s", r.error);
	result_clear(&r);
}

static void case_short_chain(struct env *e, const struct fetch_dns_server *srv)
{
	struct fetch_dns_config cfg;
	struct fetch_dns *d;
	struct result r = {0};

	fetch_dns_config_init(&cfg, srv, 1);
	cfg.max_cname = 2;
	if (client(e, &cfg, &d) < 0)
		return;
	ask(e, d, "c1.example.test", LDNS_RR_TYPE_TXT, &r);
	report(e, "c1 max 2", &r);
	check(&e->t, r.status == FETCH_DNS_CNAME_LOOP &&
		     strstr(r.error, "more than 2"),
	      "CNAME chain longer than max_cname");
	result_clear(&r);
	close_client(e, d);
}

static void case_negative(struct env *e, struct fetch_dns *d)
{
	struct result r = {0};
	char text[64];

	ask(e, d, "missing.example.test", LDNS_RR_TYPE_TXT, &r);
	report(e, "missing", &r);
	check(&e->t, r.status == FETCH_DNS_NXDOMAIN && r.min_ttl == 60 &&
		     r.rcode == LDNS_RCODE_NXDOMAIN,
	      "NXDOMAIN with SOA minimum as ttl");
	check(&e->t, strstr(r.error, "missing.example.test") != NULL,
	      "NXDOMAIN error names the name");
	result_clear(&r);

	ask(e, d, "dangling.example.test", LDNS_RR_TYPE_TXT, &r);
	check(&e->t, r.status == FETCH_DNS_NXDOMAIN &&
		     strcmp(r.final, "nowhere.example.test.") == 0,
	      "CNAME to a missing name: NXDOMAIN at the target");
	result_clear(&r);

	ask(e, d, "aonly.example.test", LDNS_RR_TYPE_TXT, &r);
	report(e, "aonly", &r);
	check(&e->t, r.status == FETCH_DNS_NODATA && nrrs(&r) == 0 &&
		     r.min_ttl == 60,
	      "NODATA");
	result_clear(&r);

	ask(e, d, "aonly.example.test", LDNS_RR_TYPE_A, &r);
	text[0] = '\0';
	if (nrrs(&r) == 1 && r.rrs[0].type == LDNS_RR_TYPE_A &&
	    r.rrs[0].len == 4 &&
	    !inet_ntop(AF_INET, r.rrs[0].data, text, sizeof(text)))
		text[0] = '\0';
	check(&e->t, r.status == FETCH_DNS_OK && strcmp(text, "192.0.2.1") == 0,
	      "A record at the NODATA name");
	result_clear(&r);
}

static void case_private_type(struct env *e, struct fetch_dns *d)
{
	static const uint8_t want[] = {0x00, 0x01, 0x02, 0x03, 0xfe,
				       0x7f, 0x80, 0xff, 0x0a, 0x0d};
	struct result r = {0};
	const struct fetch_dns_rdata *rd = NULL;

	ask(e, d, "bin.example.test", 65380, &r);
	report(e, "bin", &r);
	if (nrrs(&r) == 1)
		rd = &r.rrs[0];
	check(&e->t, r.status == FETCH_DNS_OK && rd && rd->type == 65380,
	      "TYPE65380: one RR");
	check(&e->t, rd && rd->len == sizeof(want) &&
		     memcmp(rd->data, want, sizeof(want)) == 0,
	      "TYPE65380: RDATA bytes");
	result_clear(&r);

	ask(e, d, "txt.example.test", 65380, &r);
	check(&e->t, r.status == FETCH_DNS_NODATA, "TYPE65380 at a TXT name: NODATA");
	result_clear(&r);
}

static void case_bad_name(struct env *e, struct fetch_dns *d)
{
	char longlabel[80];
	struct result r = {0};
	int rc;

	memset(longlabel, 'a', 64);
	snprintf(longlabel + 64, sizeof(longlabel) - 64, ".test");
	rc = fetch_dns_query(d, longlabel, LDNS_RR_TYPE_TXT, on_answer, &r);
	check(&e->t, rc == UV_EINVAL, "64-byte label rejected (%d)", rc);
	rc = fetch_dns_query(d, "", LDNS_RR_TYPE_TXT, on_answer, &r);
	check(&e->t, rc == UV_EINVAL, "empty name rejected");
	run(e);
	check(&e->t, r.calls == 0, "no callback for rejected queries");
}

static void case_timeout(struct env *e, const struct fetch_dns_server *dead)
{
	struct fetch_dns_config cfg;
	struct fetch_dns_stats st;
	struct fetch_dns *d;
	struct result r = {0};
	uint64_t t0, ms;

	fetch_dns_config_init(&cfg, dead, 1);
	cfg.timeout_ms = 200;
	cfg.attempts = 2;
	if (client(e, &cfg, &d) < 0)
		return;
	t0 = uv_hrtime();
	ask(e, d, "txt.example.test", LDNS_RR_TYPE_TXT, &r);
	ms = (uv_hrtime() - t0) / 1000000;
	fetch_dns_stats(d, &st);
	report(e, "timeout", &r);
	check(&e->t, r.status == FETCH_DNS_TIMEOUT, "dead server: TIMEOUT");
	/* 200 ms, then 400 ms after backing off. */
	check(&e->t, ms >= 590 && ms < 3000, "dead server: took %llu ms",
	      (unsigned long long)ms);
	check(&e->t, st.timeouts == 2 && st.retries == 1 && st.sent_udp == 2,
	      "dead server: 2 timeouts, 1 retry");
	check(&e->t, strstr(r.error, "txt.example.test") != NULL &&
		     strstr(r.error, "no answer") != NULL,
	      "dead server: error names name and reason: %s", r.error);
	result_clear(&r);
	close_client(e, d);
}

static void case_failover(struct env *e, const struct fetch_dns_server *live,
			  const struct fetch_dns_server *dead)
{
	struct fetch_dns_server both[2] = {*dead, *live};
	struct fetch_dns_config cfg;
	struct fetch_dns_stats st;
	struct fetch_dns *d;
	struct result r = {0};

	fetch_dns_config_init(&cfg, both, 2);
	cfg.timeout_ms = 200;
	cfg.attempts = 3;
	if (client(e, &cfg, &d) < 0)
		return;
	ask(e, d, "txt.example.test", LDNS_RR_TYPE_TXT, &r);
	fetch_dns_stats(d, &st);
	report(e, "failover", &r);
	check(&e->t, r.status == FETCH_DNS_OK && nrrs(&r) == 2,
	      "failover: answer from the second server");
	check(&e->t, st.timeouts == 1 && st.retries == 1,
	      "failover: one timeout on the dead server");
	result_clear(&r);
	close_client(e, d);
}

static void case_inflight(struct env *e, const struct fetch_dns_server *srv)
{
	static const char *const names[] = {"txt.example.test",
					    "bin.example.test",
					    "c1.example.test"};
	static const uint16_t types[] = {LDNS_RR_TYPE_TXT, 65380,
					 LDNS_RR_TYPE_TXT};
	struct fetch_dns_config cfg;
	struct fetch_dns_stats st;
	struct fetch_dns *d;
	struct result *r = calloc(MANY, sizeof(*r));
	unsigned ok = 0, calls = 0;
	bool queued = true;

	fetch_dns_config_init(&cfg, srv, 1);
	cfg.max_inflight = 4;
	if (!r || client(e, &cfg, &d) < 0) {
		free(r);
		check(&e->t, false, "in-flight: setup");
		return;
	}
	for (size_t i = 0; i < MANY; i++)
		if (fetch_dns_query(d, names[i % 3], types[i % 3], on_answer,
				    &r[i]) < 0)
			queued = false;
	run(e);
	fetch_dns_stats(d, &st);
	for (size_t i = 0; i < MANY; i++) {
		calls += r[i].calls;
		if (r[i].status == FETCH_DNS_OK && nrrs(&r[i]) >= 1)
			ok++;
		result_clear(&r[i]);
	}
	printf("# in-flight: %u callbacks, %u ok, max_inflight_seen %llu\n",
	       calls, ok, (unsigned long long)st.max_inflight_seen);
	check(&e->t, queued && calls == MANY && ok == MANY,
	      "in-flight: all %d queries succeed", MANY);
	check(&e->t, st.max_inflight_seen == 4,
	      "in-flight: never more than 4 outstanding (%llu)",
	      (unsigned long long)st.max_inflight_seen);
	check(&e->t, st.queries == MANY && st.answered == MANY,
	      "in-flight: stats count %d queries and answers", MANY);
	free(r);
	close_client(e, d);
}

/* ---- cancellation ------------------------------------------------------- */

struct cancel_ctx {
	struct fetch_dns *d;
	struct result r[5];
	bool closed;
};

static void on_cancel_answer(const struct fetch_dns_answer *a, void *arg)
{
	struct cancel_ctx *c = arg;
	size_t i = 0;

	while (i < 5 && c->r[i].done)
		i++;
	if (i < 5)
		on_answer(a, &c->r[i]);
	if (i == 0)
		fetch_dns_close(c->d, on_closed, &c->closed);
}

static void case_close_in_callback(struct env *e,
				   const struct fetch_dns_server *srv)
{
	struct fetch_dns_config cfg;
	struct cancel_ctx c;
	unsigned cancelled = 0;
	int rc = 0;

	memset(&c, 0, sizeof(c));
	fetch_dns_config_init(&cfg, srv, 1);
	cfg.max_inflight = 1;
	if (client(e, &cfg, &c.d) < 0)
		return;
	for (size_t i = 0; i < 5 && rc == 0; i++)
		rc = fetch_dns_query(c.d, "txt.example.test", LDNS_RR_TYPE_TXT,
				     on_cancel_answer, &c);
	run(e);
	for (size_t i = 1; i < 5; i++)
		cancelled += c.r[i].status == FETCH_DNS_CANCELLED;
	check(&e->t, rc == 0 && c.r[0].status == FETCH_DNS_OK && cancelled == 4,
	      "close from a callback cancels the 4 waiting queries");
	check(&e->t, c.closed, "close from a callback completes");
	for (size_t i = 0; i < 5; i++)
		result_clear(&c.r[i]);
}

struct midflight {
	struct fetch_dns *d;
	bool closed;
};

static void on_close_timer(uv_timer_t *tm)
{
	struct midflight *m = tm->data;

	fetch_dns_close(m->d, on_closed, &m->closed);
	uv_close((uv_handle_t *)tm, NULL);
}

static void case_close_midflight(struct env *e,
				 const struct fetch_dns_server *dead)
{
	struct fetch_dns_config cfg;
	struct midflight m = {0};
	struct result r[3];
	uv_timer_t tm;
	uint64_t t0, ms;
	unsigned cancelled = 0;

	memset(r, 0, sizeof(r));
	fetch_dns_config_init(&cfg, dead, 1);
	cfg.timeout_ms = 2000;
	cfg.max_inflight = 2; /* two started, one waiting */
	if (client(e, &cfg, &m.d) < 0)
		return;
	for (size_t i = 0; i < 3; i++)
		if (fetch_dns_query(m.d, "big.example.test", LDNS_RR_TYPE_TXT,
				    on_answer, &r[i]) < 0)
			check(&e->t, false, "mid-flight: query %zu", i);
	if (uv_timer_init(&e->loop, &tm) < 0 ||
	    uv_timer_start(&tm, on_close_timer, 50, 0) < 0) {
		check(&e->t, false, "mid-flight: timer");
		return;
	}
	tm.data = &m;
	t0 = uv_hrtime();
	run(e);
	ms = (uv_hrtime() - t0) / 1000000;
	for (size_t i = 0; i < 3; i++) {
		cancelled += r[i].calls == 1 &&
			     r[i].status == FETCH_DNS_CANCELLED;
		result_clear(&r[i]);
	}
	check(&e->t, cancelled == 3 && m.closed && ms < 1000,
	      "close mid-flight cancels at once (%llu ms)",
	      (unsigned long long)ms);
}

static void run_nsd(struct env *e, const struct fetch_dns_server *live,
		    const struct fetch_dns_server *dead)
{
	struct fetch_dns_config cfg;
	struct fetch_dns *d;

	fetch_dns_config_init(&cfg, live, 1);
	if (client(e, &cfg, &d) < 0) {
		check(&e->t, false, "client");
		return;
	}
	case_txt(e, d);
	case_big(e, d);
	case_cname(e, d);
	case_negative(e, d);
	case_private_type(e, d);
	case_bad_name(e, d);
	close_client(e, d);
	case_short_chain(e, live);
	case_timeout(e, dead);
	case_failover(e, live, dead);
	case_inflight(e, live);
	case_close_in_callback(e, live);
	case_close_midflight(e, dead);
}

/* ---- spoof.py cases ----------------------------------------------------- */

static void spoof_one(struct env *e, const struct fetch_dns_config *cfg,
		      const char *name, struct result *r,
		      struct fetch_dns_stats *st)
{
	struct fetch_dns *d;

	result_clear(r);
	if (client(e, cfg, &d) < 0)
		return;
	ask(e, d, name, LDNS_RR_TYPE_TXT, r);
	fetch_dns_stats(d, st);
	report(e, name, r);
	close_client(e, d);
}

static void run_spoof(struct env *e, const struct fetch_dns_server *srv)
{
	const struct fetch_dns_server twice[2] = {*srv, *srv};
	struct fetch_dns_config cfg, cfg2;
	struct fetch_dns_stats st;
	struct result r = {0};

	fetch_dns_config_init(&cfg, srv, 1);
	cfg.timeout_ms = 2000;
	cfg.attempts = 1;

	spoof_one(e, &cfg, "spoof.test", &r, &st);
	check(&e->t, r.status == FETCH_DNS_OK && nrrs(&r) == 1 &&
		     has_txt(&r, "right-answer"),
	      "spoof: only the right answer is taken");
	check(&e->t, st.dropped_mismatch == 3 && st.answered == 1,
	      "spoof: wrong ID, wrong question, wrong port dropped (%llu)",
	      (unsigned long long)st.dropped_mismatch);

	spoof_one(e, &cfg, "wrongtype.spoof.test", &r, &st);
	check(&e->t, r.status == FETCH_DNS_OK && has_txt(&r, "right-answer") &&
		     st.dropped_mismatch == 3,
	      "spoof: wrong type, wrong class, QR=0 dropped (%llu)",
	      (unsigned long long)st.dropped_mismatch);

	spoof_one(e, &cfg, "garbage.spoof.test", &r, &st);
	check(&e->t, r.status == FETCH_DNS_OK && has_txt(&r, "right-answer") &&
		     st.dropped_malformed == 2,
	      "spoof: short and cut datagrams dropped as malformed (%llu)",
	      (unsigned long long)st.dropped_malformed);

	spoof_one(e, &cfg, "flags.spoof.test", &r, &st);
	check(&e->t, has_txt(&r, "rd=1 edns=1232 ar=1"),
	      "query carries RD and an OPT RR advertising 1232");
	cfg.rd = false;
	cfg.edns_size = 0;
	spoof_one(e, &cfg, "flags.spoof.test", &r, &st);
	check(&e->t, has_txt(&r, "rd=0 edns=none ar=0"),
	      "rd=false and edns_size=0 are honoured");
	cfg.rd = true;
	cfg.edns_size = FETCH_DNS_DEFAULT_EDNS_SIZE;

	spoof_one(e, &cfg, "tc.spoof.test", &r, &st);
	check(&e->t, r.status == FETCH_DNS_OK && r.via_tcp &&
		     has_txt(&r, "tcp-chunked") && st.dropped_mismatch == 1,
	      "TCP: answer in chunks after a wrong-ID message");

	spoof_one(e, &cfg, "tceof.spoof.test", &r, &st);
	check(&e->t, r.status == FETCH_DNS_NETWORK &&
		     strstr(r.error, "closed before"),
	      "TCP: connection closed mid-message is a network error");

	spoof_one(e, &cfg, "chain.spoof.test", &r, &st);
	check(&e->t, r.status == FETCH_DNS_OK && has_txt(&r, "after-requery") &&
		     strcmp(r.final, "target.spoof.test.") == 0 &&
		     st.cname_followed == 1 && st.sent_udp == 2,
	      "CNAME target re-queried");

	spoof_one(e, &cfg, "rl1.spoof.test", &r, &st);
	check(&e->t, r.status == FETCH_DNS_CNAME_LOOP && st.sent_udp == 2 &&
		     strstr(r.error, "rl1.spoof.test TXT via rl2.spoof.test."),
	      "CNAME loop across re-queries: %s", r.error);

	cfg.timeout_ms = 300;
	cfg.attempts = 2;
	spoof_one(e, &cfg, "tceof.spoof.test", &r, &st);
	check(&e->t, r.status == FETCH_DNS_NETWORK && st.sent_udp == 2 &&
		     st.sent_tcp == 2 && st.retries == 1 && st.timeouts == 0,
	      "network error on the only server: retried");
	check(&e->t, r.ms >= 290,
	      "network error on the only server: retry waits for the timeout (%llu ms)",
	      (unsigned long long)r.ms);
	cfg.attempts = 3;
	spoof_one(e, &cfg, "servfail.spoof.test", &r, &st);
	check(&e->t, r.status == FETCH_DNS_SERVFAIL && r.rcode == 2 &&
		     st.sent_udp == 1,
	      "SERVFAIL: the only server is not asked again");
	fetch_dns_config_init(&cfg2, twice, 2);
	cfg2.attempts = 3;
	cfg2.timeout_ms = 2000;
	spoof_one(e, &cfg2, "servfail.spoof.test", &r, &st);
	check(&e->t, r.status == FETCH_DNS_SERVFAIL && st.sent_udp == 2 &&
		     st.retries == 1,
	      "SERVFAIL: each of two servers asked once");
	check(&e->t, r.ms < 1000,
	      "SERVFAIL: the next server is asked at once (%llu ms)",
	      (unsigned long long)r.ms);
	cfg.attempts = 1;
	cfg.timeout_ms = 2000;
	spoof_one(e, &cfg, "refused.spoof.test", &r, &st);
	check(&e->t, r.status == FETCH_DNS_REFUSED && r.rcode == 5, "REFUSED");
	spoof_one(e, &cfg, "formerr.spoof.test", &r, &st);
	check(&e->t, r.status == FETCH_DNS_RCODE && r.rcode == 1 &&
		     strstr(r.error, "formerr.spoof.test") &&
		     strstr(r.error, "FORMERR"),
	      "FORMERR: %s", r.error);
	result_clear(&r);
}

/* ---- main --------------------------------------------------------------- */

static int parse(const char *text, struct fetch_dns_server *out)
{
	char err[256];

	if (fetch_dns_parse_server(text, out, err, sizeof(err)) == 0)
		return 0;
	fprintf(stderr, "dns-driver: %s\n", err);
	return -1;
}

static int probe(struct env *e, const char *srvtext, const char *name,
		 const char *type)
{
	struct fetch_dns_server srv;
	struct fetch_dns_config cfg;
	struct fetch_dns *d;
	struct result r = {0};
	int rc;

	if (parse(srvtext, &srv) < 0)
		return 2;
	fetch_dns_config_init(&cfg, &srv, 1);
	cfg.timeout_ms = 300;
	cfg.attempts = 1;
	if (client(e, &cfg, &d) < 0)
		return 2;
	ask(e, d, name, (uint16_t)atoi(type), &r);
	fetch_dns_close(d, NULL, NULL);
	run(e);
	rc = r.done && r.status == FETCH_DNS_OK ? 0 : 1;
	result_clear(&r);
	return rc;
}

static int usage(void)
{
	fprintf(stderr, "usage: dns-driver nsd LIVE DEAD | spoof SERVER | "
			"probe SERVER NAME TYPENUM\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct fetch_dns_server a, b;
	struct env e;
	int rc = 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&e, 0, sizeof(e));
	if (argc < 3)
		return usage();
	if (uv_loop_init(&e.loop) < 0 || uv_timer_init(&e.loop, &e.watchdog) < 0 ||
	    uv_timer_start(&e.watchdog, on_watchdog, WATCHDOG_MS, 0) < 0)
		return 2;
	/* The watchdog must not keep uv_run from returning when idle. */
	uv_unref((uv_handle_t *)&e.watchdog);
	e.t.prefix = argv[2];
	if (strcmp(argv[1], "nsd") == 0 && argc == 4) {
		if (parse(argv[2], &a) == 0 && parse(argv[3], &b) == 0) {
			run_nsd(&e, &a, &b);
			rc = 0;
		}
	} else if (strcmp(argv[1], "spoof") == 0 && argc == 3) {
		if (parse(argv[2], &a) == 0) {
			run_spoof(&e, &a);
			rc = 0;
		}
	} else if (strcmp(argv[1], "probe") == 0 && argc == 5) {
		rc = probe(&e, argv[2], argv[3], argv[4]);
		e.t.prefix = NULL;
	} else {
		return usage();
	}
	uv_close((uv_handle_t *)&e.watchdog, NULL);
	if (uv_run(&e.loop, UV_RUN_DEFAULT) < 0 || uv_loop_close(&e.loop) < 0)
		fprintf(stderr, "dns-driver: loop did not close cleanly\n");
	if (!e.t.prefix)
		return rc;
	if (rc == 0) {
		printf("%u passed, %u failed\n", e.t.pass, e.t.fail);
		rc = e.t.fail ? 1 : 0;
	}
	return rc;
}
