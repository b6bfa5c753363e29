/*
 * test_drops.c - the DNS client counts the answers it drops, per reason,
 * and a query that got nothing but such answers fails as "malformed" or
 * "mismatch", not as a timeout.  A server inside the test (UDP and TCP on
 * 127.0.0.1, same loop) answers every query with one crafted message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns.h"

#define WAIT_MS 150

enum reply {
	R_SILENT,    /* no answer at all */
	R_SHORT,     /* 5 bytes with the right ID */
	R_WRONG_ID,
	R_WRONG_NAME,
	R_WRONG_TYPE,
	R_CUT,       /* an answer RR cut inside its RDATA */
	R_LOOP,      /* an answer owner that points at itself */
	R_TC_BADLEN, /* TC=1, then a TCP length prefix of 5 */
};

struct srv {
	uv_loop_t loop;
	uv_udp_t udp;
	uv_tcp_t tcp;
	struct sockaddr_in addr;
	enum reply mode;
	uint8_t buf[4096];
	uint8_t out[4096];
	uv_udp_send_t send;
	uv_buf_t sendbuf;
	uv_tcp_t conn;
	bool conn_used;
	uv_write_t write;
};

struct result {
	bool done;
	enum fetch_dns_status status;
	char error[FETCH_DNS_ERRLEN];
};

static size_t question_end(const uint8_t *q, size_t n)
{
	size_t pos = 12;

	while (pos < n && q[pos] != 0)
		pos += 1U + q[pos];
	return pos + 1 + 4;
}

/* The reply to query Q (N bytes) under MODE, into OUT; its length. */
static size_t craft(enum reply mode, const uint8_t *q, size_t n, uint8_t *out)
{
	size_t qend = question_end(q, n), len;
	static const uint8_t cut_rr[] = { 0xc0, 12, 0, 16, 0, 1, 0, 0, 1, 44,
					  0, 100, 9, 'x', 'x', 'x' };
	uint8_t loop_rr[] = { 0, 0, 0, 16, 0, 1, 0, 0, 1, 44, 0, 0 };

	assert_true(qend <= n);
	memcpy(out, q, qend);
	out[2] = 0x84; /* QR, AA */
	out[3] = 0;
	memset(out + 6, 0, 6);
	len = qend;
	switch (mode) {
	case R_SHORT:
		return 5;
	case R_WRONG_ID:
		out[1] ^= 1;
		break;
	case R_WRONG_NAME:
		out[13] ^= 1;
		break;
	case R_WRONG_TYPE:
		out[qend - 3] ^= 1;
		break;
	case R_CUT:
		out[7] = 1;
		memcpy(out + len, cut_rr, sizeof(cut_rr));
		len += sizeof(cut_rr);
		break;
	case R_LOOP:
		out[7] = 1;
		loop_rr[0] = (uint8_t)(0xc0 | (qend >> 8));
		loop_rr[1] = (uint8_t)qend;
		memcpy(out + len, loop_rr, sizeof(loop_rr));
		len += sizeof(loop_rr);
		break;
	case R_TC_BADLEN:
		out[2] |= 0x02;
		break;
	case R_SILENT:
		break;
	}
	return len;
}

static void on_srv_alloc(uv_handle_t *h, size_t sz, uv_buf_t *buf)
{
	struct srv *s = h->data;

	(void)sz;
	*buf = uv_buf_init((char *)s->buf, sizeof(s->buf));
}

static void on_srv_sent(uv_udp_send_t *req, int status)
{
	(void)req;
	(void)status;
}

static void on_srv_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
			const struct sockaddr *from, unsigned flags)
{
	struct srv *s = h->data;

	(void)buf;
	(void)flags;
	if (nread <= 0 || !from || s->mode == R_SILENT)
		return;
	s->sendbuf = uv_buf_init((char *)s->out,
				 (unsigned)craft(s->mode, s->buf,
						 (size_t)nread, s->out));
	assert_int_equal(uv_udp_send(&s->send, &s->udp, &s->sendbuf, 1, from,
				     on_srv_sent), 0);
}

static void on_conn_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct srv *s = st->data;
	static const uint8_t badlen[] = { 0, 5, 1, 2, 3, 4, 5 };

	(void)buf;
	if (nread <= 0)
		return;
	(void)uv_read_stop(st);
	s->sendbuf = uv_buf_init((char *)badlen, sizeof(badlen));
	assert_int_equal(uv_write(&s->write, st, &s->sendbuf, 1, NULL), 0);
}

static void on_conn(uv_stream_t *l, int status)
{
	struct srv *s = l->data;

	assert_int_equal(status, 0);
	assert_false(s->conn_used); /* one TCP connection per test */
	s->conn_used = true;
	assert_int_equal(uv_tcp_init(&s->loop, &s->conn), 0);
	s->conn.data = s;
	assert_int_equal(uv_accept(l, (uv_stream_t *)&s->conn), 0);
	assert_int_equal(uv_read_start((uv_stream_t *)&s->conn, on_srv_alloc,
				       on_conn_read), 0);
}

/* UDP and TCP on one free port: another process may hold the TCP side
 * of the port the kernel picked for UDP, so a few picks are allowed. */
static int srv_bind(struct srv *s)
{
	int len = sizeof(s->addr);
	int rc;

	assert_int_equal(uv_ip4_addr("127.0.0.1", 0, &s->addr), 0);
	assert_int_equal(uv_udp_init(&s->loop, &s->udp), 0);
	assert_int_equal(uv_tcp_init(&s->loop, &s->tcp), 0);
	s->udp.data = s;
	s->tcp.data = s;
	assert_int_equal(uv_udp_bind(&s->udp, (struct sockaddr *)&s->addr, 0),
			 0);
	assert_int_equal(uv_udp_getsockname(&s->udp,
					    (struct sockaddr *)&s->addr, &len),
			 0);
	rc = uv_tcp_bind(&s->tcp, (struct sockaddr *)&s->addr, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&s->tcp, 4, on_conn);
	if (rc < 0) {
		uv_close((uv_handle_t *)&s->udp, NULL);
		uv_close((uv_handle_t *)&s->tcp, NULL);
		assert_int_equal(uv_run(&s->loop, UV_RUN_DEFAULT), 0);
	}
	return rc;
}

static void srv_start(struct srv *s, enum reply mode)
{
	int rc = -1;

	memset(s, 0, sizeof(*s));
	s->mode = mode;
	assert_int_equal(uv_loop_init(&s->loop), 0);
	for (int i = 0; i < 20 && rc < 0; i++)
		rc = srv_bind(s);
	assert_int_equal(rc, 0);
	assert_int_equal(uv_udp_recv_start(&s->udp, on_srv_alloc,
					   on_srv_recv), 0);
}

static void srv_stop(struct srv *s)
{
	uv_close((uv_handle_t *)&s->udp, NULL);
	uv_close((uv_handle_t *)&s->tcp, NULL);
	if (s->conn_used)
		uv_close((uv_handle_t *)&s->conn, NULL);
	assert_int_equal(uv_run(&s->loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(uv_loop_close(&s->loop), 0);
}

static void on_answer(const struct fetch_dns_answer *a, void *arg)
{
	struct result *r = arg;

	r->done = true;
	r->status = a->status;
	snprintf(r->error, sizeof(r->error), "%s", a->error);
}

/* One query for x.test TXT against a server replying with MODE. */
static void ask(enum reply mode, struct result *r, struct fetch_dns_stats *st)
{
	struct srv s;
	struct fetch_dns_server server;
	struct fetch_dns_config cfg;
	struct fetch_dns *d = NULL;

	srv_start(&s, mode);
	memset(&server, 0, sizeof(server));
	memcpy(&server.addr, &s.addr, sizeof(s.addr));
	server.len = sizeof(s.addr);
	fetch_dns_config_init(&cfg, &server, 1);
	cfg.timeout_ms = WAIT_MS;
	cfg.attempts = 1;
	assert_int_equal(fetch_dns_new(&s.loop, &cfg, &d), 0);
	memset(r, 0, sizeof(*r));
	assert_int_equal(fetch_dns_query(d, "x.test", 16 /* TXT */,
					 on_answer, r), 0);
	while (!r->done)
		assert_true(uv_run(&s.loop, UV_RUN_ONCE) >= 0);
	fetch_dns_stats(d, st);
	fetch_dns_close(d, NULL, NULL);
	srv_stop(&s);
}

static uint64_t total_dropped(const struct fetch_dns_stats *st)
{
	uint64_t n = 0;

	for (int i = 0; i < FETCH_DNS_DROP__COUNT; i++)
		n += st->dropped[i];
	return n;
}

/* MODE ends the query with STATUS after exactly one drop for WHY. */
static void expect_drop(enum reply mode, enum fetch_dns_status status,
			enum fetch_dns_drop why)
{
	struct result r;
	struct fetch_dns_stats st;

	ask(mode, &r, &st);
	assert_string_equal(fetch_dns_status_name(r.status),
			    fetch_dns_status_name(status));
	assert_int_equal(st.dropped[why], 1);
	assert_int_equal(total_dropped(&st), 1);
	assert_int_equal(st.dropped_malformed + st.dropped_mismatch, 1);
	assert_int_equal(st.timeouts, 0);
	assert_non_null(strstr(r.error, fetch_dns_drop_name(why)));
}

static void test_silent_is_timeout(void **state)
{
	struct result r;
	struct fetch_dns_stats st;

	(void)state;
	ask(R_SILENT, &r, &st);
	assert_int_equal(r.status, FETCH_DNS_TIMEOUT);
	assert_int_equal(st.timeouts, 1);
	assert_int_equal(st.bad_tries, 0);
	assert_int_equal(total_dropped(&st), 0);
	assert_non_null(strstr(r.error, "no answer within"));
}

static void test_short(void **state)
{
	(void)state;
	expect_drop(R_SHORT, FETCH_DNS_MALFORMED, FETCH_DNS_DROP_MALFORMED);
}

static void test_wrong_id(void **state)
{
	(void)state;
	expect_drop(R_WRONG_ID, FETCH_DNS_MISMATCH, FETCH_DNS_DROP_WRONG_ID);
}

static void test_wrong_name(void **state)
{
	(void)state;
	expect_drop(R_WRONG_NAME, FETCH_DNS_MISMATCH,
		    FETCH_DNS_DROP_WRONG_QUESTION);
}

static void test_wrong_type(void **state)
{
	(void)state;
	expect_drop(R_WRONG_TYPE, FETCH_DNS_MISMATCH, FETCH_DNS_DROP_WRONG_TYPE);
}

static void test_cut(void **state)
{
	(void)state;
	expect_drop(R_CUT, FETCH_DNS_MALFORMED, FETCH_DNS_DROP_TRUNCATED);
}

static void test_pointer_loop(void **state)
{
	(void)state;
	expect_drop(R_LOOP, FETCH_DNS_MALFORMED, FETCH_DNS_DROP_BAD_POINTER);
}

static void test_tcp_length(void **state)
{
	(void)state;
	expect_drop(R_TC_BADLEN, FETCH_DNS_MALFORMED,
		    FETCH_DNS_DROP_TCP_LENGTH);
}

static void test_drop_names(void **state)
{
	(void)state;
	for (int i = 0; i < FETCH_DNS_DROP__COUNT; i++)
		assert_string_not_equal(
			fetch_dns_drop_name((enum fetch_dns_drop)i), "unknown");
	assert_string_equal(fetch_dns_drop_name(FETCH_DNS_DROP__COUNT),
			    "unknown");
	assert_true(fetch_dns_drop_is_parse(FETCH_DNS_DROP_TRUNCATED));
	assert_false(fetch_dns_drop_is_parse(FETCH_DNS_DROP_WRONG_ID));
	assert_string_equal(fetch_dns_status_name(FETCH_DNS_MALFORMED),
			    "malformed");
	assert_string_equal(fetch_dns_status_name(FETCH_DNS_MISMATCH),
			    "mismatch");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_silent_is_timeout),
		cmocka_unit_test(test_short),
		cmocka_unit_test(test_wrong_id),
		cmocka_unit_test(test_wrong_name),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_pointer_loop),
		cmocka_unit_test(test_tcp_length),
		cmocka_unit_test(test_drop_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
