/*
 * test_tcp.c - DNS over TCP in proportion: pipelined queries on a pool
 * of connections.  A server inside the test (same loop, 127.0.0.1)
 * truncates every UDP answer and over TCP reads queries as they come,
 * answering them as the test's mode says: in reverse order, after closing
 * the first connection, or late for one name.  It counts the connections
 * it accepts and the most queries it held unanswered on one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns.h"

#define WAIT_MS 150
#define MAX_CONNS 16
#define MAX_HELD 64

enum mode {
	M_REVERSE,     /* hold queries until HOLD_N arrived, answer last first */
	M_CLOSE_FIRST, /* the first connection is closed after one query */
	M_LATE,        /* "slow." held, answered just before "after." */
};

struct held {
	uint8_t msg[512];
	size_t len;
};

struct conn {
	uv_tcp_t tcp;
	struct srv *s;
	uint8_t in[4096];
	size_t got;
	struct held held[MAX_HELD];
	size_t nheld;
	bool closed;
};

struct srv {
	uv_loop_t loop;
	uv_udp_t udp;
	uv_tcp_t listen;
	struct sockaddr_in addr;
	enum mode mode;
	size_t hold_n;
	uint8_t ubuf[4096];
	struct conn conns[MAX_CONNS];
	size_t nconns;
	size_t max_held; /* most queries unanswered on one connection */
};

struct result {
	bool done;
	enum fetch_dns_status status;
	bool via_tcp;
};

static size_t question_end(const uint8_t *q, size_t n)
{
	size_t pos = 12;

	while (pos < n && q[pos] != 0)
		pos += 1U + q[pos];
	return pos + 1 + 4;
}

/* The answer to query Q (N bytes): its question and TXT "ok", or with TC
 * only the question. */
static size_t craft(const uint8_t *q, size_t n, bool tc, uint8_t *out)
{
	static const uint8_t rr[] = { 0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60,
				      0, 3, 2, 'o', 'k' };
	size_t qend = question_end(q, n);

	assert_true(qend <= n && qend + sizeof(rr) <= 512);
	memcpy(out, q, qend);
	out[2] = (uint8_t)(0x84 | (tc ? 0x02 : 0)); /* QR, AA */
	out[3] = 0;
	memset(out + 6, 0, 6);
	if (tc)
		return qend;
	out[7] = 1;
	memcpy(out + qend, rr, sizeof(rr));
	return qend + sizeof(rr);
}

static bool qname_starts(const uint8_t *q, const char *label)
{
	size_t n = strlen(label);

	return q[12] == n && memcmp(q + 13, label, n) == 0;
}

/* ---- the server ----------------------------------------------------------- */

static void on_alloc(uv_handle_t *h, size_t sz, uv_buf_t *buf)
{
	struct srv *s = h->data;

	(void)sz;
	*buf = uv_buf_init((char *)s->ubuf, sizeof(s->ubuf));
}

static void on_usent(uv_udp_send_t *req, int status)
{
	(void)status;
	free(req);
}

static void on_udp(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
		   const struct sockaddr *from, unsigned flags)
{
	struct srv *s = h->data;
	uv_udp_send_t *req;
	uint8_t *p;
	uv_buf_t b;

	(void)buf;
	(void)flags;
	if (nread <= 0 || !from)
		return;
	/* A request and its bytes per reply: several may be in flight. */
	req = malloc(sizeof(*req) + 512);
	assert_non_null(req);
	p = (uint8_t *)(req + 1);
	b = uv_buf_init((char *)p,
			(unsigned)craft(s->ubuf, (size_t)nread, true, p));
	assert_int_equal(uv_udp_send(req, &s->udp, &b, 1, from, on_usent), 0);
}

static void on_written(uv_write_t *req, int status)
{
	(void)status;
	free(req);
}

/* Writes the answer to HELD query H on C. */
static void answer(struct conn *c, const struct held *h)
{
	uv_write_t *req = malloc(sizeof(*req) + 2 + 512);
	uint8_t *p = (uint8_t *)(req + 1);
	size_t len;
	uv_buf_t b;

	assert_non_null(req);
	len = craft(h->msg, h->len, false, p + 2);
	p[0] = (uint8_t)(len >> 8);
	p[1] = (uint8_t)len;
	b = uv_buf_init((char *)p, (unsigned)(len + 2));
	assert_int_equal(uv_write(req, (uv_stream_t *)&c->tcp, &b, 1,
				  on_written), 0);
}

static void conn_close(struct conn *c)
{
	if (c->closed)
		return;
	c->closed = true;
	uv_close((uv_handle_t *)&c->tcp, NULL);
}

static void hold(struct conn *c, const uint8_t *msg, size_t len)
{
	assert_true(c->nheld < MAX_HELD && len <= sizeof(c->held[0].msg));
	memcpy(c->held[c->nheld].msg, msg, len);
	c->held[c->nheld].len = len;
	c->nheld++;
	if (c->nheld > c->s->max_held)
		c->s->max_held = c->nheld;
}

/* One query read on C. */
static void on_query(struct conn *c, const uint8_t *msg, size_t len)
{
	struct srv *s = c->s;

	switch (s->mode) {
	case M_REVERSE:
		hold(c, msg, len);
		if (c->nheld < s->hold_n)
			return;
		while (c->nheld > 0)
			answer(c, &c->held[--c->nheld]);
		return;
	case M_CLOSE_FIRST:
		if (c == &s->conns[0]) {
			conn_close(c);
			return;
		}
		hold(c, msg, len);
		answer(c, &c->held[--c->nheld]);
		return;
	case M_LATE:
		hold(c, msg, len);
		if (qname_starts(msg, "slow"))
			return;
		if (!qname_starts(msg, "after")) {
			answer(c, &c->held[--c->nheld]);
			return;
		}
		/* Held answers in order: slow's, which nobody waits for any
		 * more, comes first. */
		for (size_t j = 0; j < c->nheld; j++)
			answer(c, &c->held[j]);
		c->nheld = 0;
		return;
	}
}

static void on_conn_alloc(uv_handle_t *h, size_t sz, uv_buf_t *buf)
{
	struct conn *c = h->data;

	(void)sz;
	*buf = uv_buf_init((char *)c->in + c->got,
			   (unsigned)(sizeof(c->in) - c->got));
}

static void on_conn_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = st->data;
	size_t pos = 0;

	(void)buf;
	if (c->closed || nread == 0)
		return;
	if (nread < 0) {
		conn_close(c);
		return;
	}
	c->got += (size_t)nread;
	while (!c->closed && c->got - pos >= 2) {
		size_t len = (size_t)c->in[pos] << 8 | c->in[pos + 1];

		if (c->got - pos < 2 + len)
			break;
		on_query(c, c->in + pos + 2, len);
		pos += 2 + len;
	}
	memmove(c->in, c->in + pos, c->got - pos);
	c->got -= pos;
}

static void on_accept(uv_stream_t *l, int status)
{
	struct srv *s = l->data;
	struct conn *c;

	assert_int_equal(status, 0);
	assert_true(s->nconns < MAX_CONNS);
	c = &s->conns[s->nconns++];
	memset(c, 0, sizeof(*c));
	c->s = s;
	assert_int_equal(uv_tcp_init(&s->loop, &c->tcp), 0);
	c->tcp.data = c;
	assert_int_equal(uv_accept(l, (uv_stream_t *)&c->tcp), 0);
	assert_int_equal(uv_read_start((uv_stream_t *)&c->tcp, on_conn_alloc,
				       on_conn_read), 0);
}

/* UDP and TCP on one free port (another process may hold the TCP side
 * of the one the kernel picked for UDP: a few picks are allowed). */
static int srv_bind(struct srv *s)
{
	int len = sizeof(s->addr);
	int rc;

	assert_int_equal(uv_ip4_addr("127.0.0.1", 0, &s->addr), 0);
	assert_int_equal(uv_udp_init(&s->loop, &s->udp), 0);
	assert_int_equal(uv_tcp_init(&s->loop, &s->listen), 0);
	s->udp.data = s;
	s->listen.data = s;
	assert_int_equal(uv_udp_bind(&s->udp, (struct sockaddr *)&s->addr, 0),
			 0);
	assert_int_equal(uv_udp_getsockname(&s->udp,
					    (struct sockaddr *)&s->addr, &len),
			 0);
	rc = uv_tcp_bind(&s->listen, (struct sockaddr *)&s->addr, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&s->listen, 16, on_accept);
	if (rc < 0) {
		uv_close((uv_handle_t *)&s->udp, NULL);
		uv_close((uv_handle_t *)&s->listen, NULL);
		assert_int_equal(uv_run(&s->loop, UV_RUN_DEFAULT), 0);
	}
	return rc;
}

static struct srv *srv_start(enum mode mode, size_t hold_n)
{
	struct srv *s = calloc(1, sizeof(*s));
	int rc = -1;

	assert_non_null(s);
	s->mode = mode;
	s->hold_n = hold_n;
	assert_int_equal(uv_loop_init(&s->loop), 0);
	for (int i = 0; i < 20 && rc < 0; i++)
		rc = srv_bind(s);
	assert_int_equal(rc, 0);
	assert_int_equal(uv_udp_recv_start(&s->udp, on_alloc, on_udp), 0);
	return s;
}

static void srv_stop(struct srv *s)
{
	uv_close((uv_handle_t *)&s->udp, NULL);
	uv_close((uv_handle_t *)&s->listen, NULL);
	for (size_t i = 0; i < s->nconns; i++)
		conn_close(&s->conns[i]);
	assert_int_equal(uv_run(&s->loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(uv_loop_close(&s->loop), 0);
	free(s);
}

/* ---- the client ----------------------------------------------------------- */

static void on_answer(const struct fetch_dns_answer *a, void *arg)
{
	struct result *r = arg;

	assert_false(r->done);
	r->done = true;
	r->status = a->status;
	r->via_tcp = a->via_tcp;
}

static struct fetch_dns *client(struct srv *s, unsigned attempts,
				unsigned conns, unsigned pipeline)
{
	struct fetch_dns_server server;
	struct fetch_dns_config cfg;
	struct fetch_dns *d = NULL;

	memset(&server, 0, sizeof(server));
	memcpy(&server.addr, &s->addr, sizeof(s->addr));
	server.len = sizeof(s->addr);
	fetch_dns_config_init(&cfg, &server, 1);
	cfg.timeout_ms = WAIT_MS;
	cfg.attempts = attempts;
	cfg.tcp_conns = conns;
	cfg.tcp_pipeline = pipeline;
	assert_int_equal(fetch_dns_new(&s->loop, &cfg, &d), 0);
	return d;
}

static void ask(struct fetch_dns *d, const char *name, struct result *r)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(fetch_dns_query(d, name, 16 /* TXT */, on_answer, r),
			 0);
}

static bool all_done(const struct result *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!r[i].done)
			return false;
	return true;
}

/* Runs S's loop until R[0..N) are answered (bounded by the tries' own
 * timeouts, which the loop's timers enforce). */
static void run_until(struct srv *s, const struct result *r, size_t n)
{
	while (!all_done(r, n))
		assert_true(uv_run(&s->loop, UV_RUN_ONCE) >= 0);
}

static void finish(struct srv *s, struct fetch_dns *d)
{
	fetch_dns_close(d, NULL, NULL);
	srv_stop(s);
}

#define NQ 24

/* 24 queries, 2 connections of up to 12: the server holds each
 * connection's 12 and answers them last first; all arrive, over 2
 * connections at most. */
static void test_pipelined_out_of_order(void **state)
{
	struct srv *s = srv_start(M_REVERSE, NQ / 2);
	struct fetch_dns *d = client(s, 1, 2, NQ / 2);
	struct fetch_dns_stats st;
	struct result r[NQ];
	char name[32];

	(void)state;
	for (size_t i = 0; i < NQ; i++) {
		snprintf(name, sizeof(name), "q%zu.test", i);
		ask(d, name, &r[i]);
	}
	run_until(s, r, NQ);
	fetch_dns_stats(d, &st);
	for (size_t i = 0; i < NQ; i++) {
		assert_string_equal(fetch_dns_status_name(r[i].status), "ok");
		assert_true(r[i].via_tcp);
	}
	assert_int_equal(st.sent_tcp, NQ);
	assert_int_equal(st.timeouts, 0);
	assert_int_equal(st.tcp_connections, 2);
	assert_int_equal(s->nconns, 2);
	/* Pipelined for real: the server held 12 at once on one. */
	assert_int_equal(s->max_held, NQ / 2);
	assert_int_equal(st.dropped_mismatch + st.dropped_malformed, 0);
	finish(s, d);
}

/* More queries than the pool holds at once: the rest wait for room and
 * the server never sees more than the bound of connections. */
static void test_pool_bound(void **state)
{
	struct srv *s = srv_start(M_REVERSE, 1);
	struct fetch_dns *d = client(s, 1, 3, 2);
	struct fetch_dns_stats st;
	struct result r[NQ];
	char name[32];

	(void)state;
	for (size_t i = 0; i < NQ; i++) {
		snprintf(name, sizeof(name), "b%zu.test", i);
		ask(d, name, &r[i]);
	}
	run_until(s, r, NQ);
	fetch_dns_stats(d, &st);
	for (size_t i = 0; i < NQ; i++)
		assert_string_equal(fetch_dns_status_name(r[i].status), "ok");
	assert_true(s->nconns <= 3);
	assert_int_equal(st.tcp_connections, s->nconns);
	assert_int_equal(st.timeouts, 0);
	finish(s, d);
}

/* The server closes the first connection after reading a query: the
 * tries on it fail and retry, on a new connection, and all succeed. */
static void test_server_closes(void **state)
{
	struct srv *s = srv_start(M_CLOSE_FIRST, 0);
	struct fetch_dns *d = client(s, 2, 1, 8);
	struct fetch_dns_stats st;
	struct result r[4];

	(void)state;
	ask(d, "c0.test", &r[0]);
	ask(d, "c1.test", &r[1]);
	ask(d, "c2.test", &r[2]);
	ask(d, "c3.test", &r[3]);
	run_until(s, r, 4);
	fetch_dns_stats(d, &st);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(fetch_dns_status_name(r[i].status), "ok");
	assert_int_equal(st.retries, 4);
	assert_int_equal(st.tcp_connections, 2);
	assert_int_equal(s->nconns, 2);
	finish(s, d);
}

static struct fetch_dns *late_client;

static void on_ask_after(uv_timer_t *t)
{
	struct result *r = t->data;

	ask(late_client, "after.test", &r[2]);
}

/* "slow" times out; its answer comes later, after "fast" was answered,
 * right before the answer to "after", asked once slow had timed out on
 * the same connection: the late one is dropped (counted as an unknown
 * ID), "after" gets its answer. */
static void test_late_answer(void **state)
{
	struct srv *s = srv_start(M_LATE, 0);
	struct fetch_dns *d = client(s, 1, 1, 8);
	struct fetch_dns_stats st;
	struct result r[3];
	uv_timer_t t;

	(void)state;
	memset(r, 0, sizeof(r));
	ask(d, "slow.test", &r[0]);
	ask(d, "fast.test", &r[1]);
	late_client = d;
	assert_int_equal(uv_timer_init(&s->loop, &t), 0);
	t.data = r;
	assert_int_equal(uv_timer_start(&t, on_ask_after, 2 * WAIT_MS, 0), 0);
	run_until(s, r, 2);
	assert_string_equal(fetch_dns_status_name(r[0].status), "timeout");
	assert_string_equal(fetch_dns_status_name(r[1].status), "ok");
	while (!r[2].done)
		assert_true(uv_run(&s->loop, UV_RUN_ONCE) >= 0);
	fetch_dns_stats(d, &st);
	assert_string_equal(fetch_dns_status_name(r[2].status), "ok");
	assert_true(r[2].via_tcp);
	assert_int_equal(st.dropped[FETCH_DNS_DROP_WRONG_ID], 1);
	assert_int_equal(st.timeouts, 1);
	assert_int_equal(st.tcp_connections, 1);
	assert_int_equal(s->nconns, 1);
	uv_close((uv_handle_t *)&t, NULL);
	finish(s, d);
}

static void test_config_bounds(void **state)
{
	struct fetch_dns_server server;
	struct fetch_dns_config cfg;
	struct fetch_dns *d = NULL;
	char err[FETCH_DNS_ERRLEN];
	uv_loop_t loop;

	(void)state;
	assert_int_equal(fetch_dns_parse_server("127.0.0.1", &server, err,
						sizeof(err)), 0);
	assert_int_equal(uv_loop_init(&loop), 0);
	fetch_dns_config_init(&cfg, &server, 1);
	assert_int_equal(cfg.tcp_conns, FETCH_DNS_DEFAULT_TCP_CONNS);
	cfg.tcp_conns = 0;
	assert_int_equal(fetch_dns_new(&loop, &cfg, &d), UV_EINVAL);
	cfg.tcp_conns = 1;
	cfg.tcp_pipeline = FETCH_DNS_MAX_TCP_PIPELINE + 1;
	assert_int_equal(fetch_dns_new(&loop, &cfg, &d), UV_EINVAL);
	cfg.tcp_pipeline = 1;
	cfg.tcp_idle_ms = 0;
	assert_int_equal(fetch_dns_new(&loop, &cfg, &d), UV_EINVAL);
	assert_null(d);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipelined_out_of_order),
		cmocka_unit_test(test_pool_bound),
		cmocka_unit_test(test_server_closes),
		cmocka_unit_test(test_late_answer),
		cmocka_unit_test(test_config_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
