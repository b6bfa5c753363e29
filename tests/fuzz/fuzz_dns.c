/*
 * fuzz_dns.c - libFuzzer target for the DNS answer path of the stub
 * client (fetcher/dns.c): parsing a reply, matching it to the question,
 * rcodes, CNAME chains within and across answers, negative TTLs, the
 * move to TCP and TCP's length framing.
 *
 * The harness is the server.  The client asks 127.0.0.1 for a.example.
 * and every answer it gets comes from the input, through real loopback
 * sockets, so the client runs exactly as in production; dns.c is not
 * changed for the fuzz build.
 *
 * Input: one byte of settings (bits 0-1: the type asked, TXT, the binary
 * record type, CNAME or SOA; bit 2: no EDNS0; bits 3-5: CNAMEs followed
 * at most), then messages, each a flag byte (bit 0: keep the input's ID
 * instead of the query's; bit 1: over TCP, send the bytes as they are,
 * without a length prefix; bit 2: over UDP, send from another port), a
 * 2-byte big-endian length and that many bytes (fewer at the end).  Each
 * query the client sends gets the next message; when the client waits
 * for more without asking, the next message follows anyway, as an
 * attacker's would; when none are left, the client's try times out (2 ms),
 * so a try that got only dropped answers ends as it would in production.
 * Bit 6 of the settings allows a second try.
 *
 * Beyond "no crash, no hang": exactly one callback per query; an OK
 * answer holds only RRs of the type asked, class IN, at its final name,
 * with min_ttl no larger than theirs; a failure names why; the drop
 * counters add up.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define QNAME "a.example."
#define IDLE_TURNS 3       /* loop turns without progress before pushing */
#define DEADLINE_MS 10000  /* no input may keep the client this long */

struct msg {
	uint8_t flags;
	const uint8_t *p;
	size_t len;
};

static uv_loop_t loop;
static uv_udp_t srv_udp, alt_udp;
static uv_tcp_t srv_tcp;
static struct sockaddr_in srv_addr;
static bool ready;

/* One input's run. */
static struct run {
	struct fetch_dns *d;
	struct msg m[256];
	size_t nm, next;
	uint16_t qtype;
	uint16_t id;                 /* of the last query seen */
	bool have_peer;
	struct sockaddr_storage peer; /* where the last UDP query came from */
	uv_tcp_t *conn;              /* the client's TCP connection */
	uint8_t tcpbuf[65538];
	size_t tcpgot;
	unsigned idle;
	int callbacks;
	bool closed;
	uv_idle_t idler;
	uv_timer_t deadline;
} r;

static void die(const char *what)
{
	fprintf(stderr, "fuzz_dns: %s\n", what);
	abort();
}

/* ---- the answers' side (checks) ---------------------------------------- */

static void on_closed(void *arg)
{
	(void)arg;
	r.d = NULL;
}

static void close_client(void)
{
	if (!r.closed) {
		r.closed = true;
		fetch_dns_close(r.d, on_closed, NULL);
	}
}

/* The client hands over raw RDATA of the RRs it accepted: owner (the
 * final name) and class IN are its wire layer's checks, so what is left
 * to hold here is the type asked, the TTL floor, and failures with a
 * reason and no data. */
static void check_answer(const struct fetch_dns_answer *a)
{
	if (a->status == FETCH_DNS_OK) {
		if (a->nrdata == 0 || !a->rdata || !a->final_name)
			die("OK without RRs or a final name");
		for (size_t i = 0; i < a->nrdata; i++)
			if (a->rdata[i].type != r.qtype ||
			    a->rdata[i].ttl < a->min_ttl ||
			    (a->rdata[i].len > 0 && !a->rdata[i].data))
				die("OK with an RR that was not asked for");
	} else {
		if (a->rdata || a->nrdata)
			die("RRs with a failure");
		if (!a->error[0])
			die("a failure without a reason");
	}
}

static void on_answer(const struct fetch_dns_answer *a, void *arg)
{
	struct fetch_dns_stats st;
	uint64_t sum = 0;

	(void)arg;
	if (++r.callbacks != 1)
		die("more than one callback");
	check_answer(a);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz_dns: %s %s%s\n",
			fetch_dns_status_name(a->status), a->error,
			a->via_tcp ? " (tcp)" : "");
	fetch_dns_stats(r.d, &st);
	for (int k = 0; k < FETCH_DNS_DROP__COUNT; k++)
		sum += st.dropped[k];
	if (sum != st.dropped_mismatch + st.dropped_malformed)
		die("drop counters do not add up");
	close_client();
}

/* ---- the server's side --------------------------------------------------- */

static void on_sent(uv_udp_send_t *req, int status)
{
	(void)status;
	free(req);
}

static void on_written(uv_write_t *req, int status)
{
	(void)status;
	free(req);
}

static void on_conn_closed(uv_handle_t *h)
{
	free(h);
}

/* The next message with the query's ID in place; NULL when none left. */
static uint8_t *next_msg(size_t *len, struct msg *out)
{
	uint8_t *b;

	if (r.next >= r.nm)
		return NULL;
	*out = r.m[r.next++];
	b = malloc(out->len + 2);
	if (!b)
		die("malloc");
	memcpy(b + 2, out->p, out->len);
	if (!(out->flags & 1) && out->len >= 2) {
		b[2] = (uint8_t)(r.id >> 8);
		b[3] = (uint8_t)r.id;
	}
	b[0] = (uint8_t)(out->len >> 8);
	b[1] = (uint8_t)out->len;
	*len = out->len;
	return b;
}

static void send_udp(void)
{
	struct msg m;
	size_t len;
	uint8_t *b = next_msg(&len, &m);
	uv_udp_send_t *req;
	uv_buf_t buf;

	if (!b)
		return; /* the try times out */
	req = malloc(sizeof(*req) + len);
	if (!req)
		die("malloc");
	memcpy(req + 1, b + 2, len);
	free(b);
	buf = uv_buf_init((char *)(req + 1), (unsigned)len);
	if (uv_udp_send(req, (m.flags & 4) ? &alt_udp : &srv_udp, &buf, 1,
			(const struct sockaddr *)&r.peer, on_sent) != 0)
		free(req);
}

static void send_tcp(void)
{
	struct msg m;
	size_t len;
	uint8_t *b = next_msg(&len, &m);
	uv_write_t *req;
	uv_buf_t buf;
	bool raw;

	if (!b)
		return;
	raw = m.flags & 2;
	req = malloc(sizeof(*req) + len + 2);
	if (!req)
		die("malloc");
	memcpy(req + 1, raw ? b + 2 : b, raw ? len : len + 2);
	free(b);
	buf = uv_buf_init((char *)(req + 1), (unsigned)(raw ? len : len + 2));
	if (uv_write(req, (uv_stream_t *)r.conn, &buf, 1, on_written) != 0)
		free(req);
}

/* The client waits without asking: push the next message its way. */
static void on_idle(uv_idle_t *h)
{
	(void)h;
	if (r.closed || r.next >= r.nm || ++r.idle < IDLE_TURNS)
		return;
	r.idle = 0;
	if (r.conn)
		send_tcp();
	else if (r.have_peer)
		send_udp();
}

static uint16_t query_id(const uint8_t *p, size_t len)
{
	return len >= 2 ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

static void on_alloc(uv_handle_t *h, size_t sug, uv_buf_t *buf)
{
	static char udpbuf[65536];

	(void)h, (void)sug;
	*buf = uv_buf_init(udpbuf, sizeof(udpbuf));
}

static void on_udp(uv_udp_t *h, ssize_t n, const uv_buf_t *buf,
		   const struct sockaddr *from, unsigned flags)
{
	(void)h, (void)flags;
	if (n <= 0 || !from || r.closed)
		return;
	r.idle = 0;
	r.id = query_id((const uint8_t *)buf->base, (size_t)n);
	memcpy(&r.peer, from, sizeof(struct sockaddr_in));
	r.have_peer = true;
	send_udp();
}

static void on_tcp_alloc(uv_handle_t *h, size_t sug, uv_buf_t *buf)
{
	(void)h, (void)sug;
	*buf = uv_buf_init((char *)r.tcpbuf + r.tcpgot,
			   (unsigned)(sizeof(r.tcpbuf) - r.tcpgot));
}

static void on_tcp_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	(void)buf;
	if (n < 0) {
		if ((uv_tcp_t *)s == r.conn)
			r.conn = NULL;
		uv_close((uv_handle_t *)s, on_conn_closed);
		return;
	}
	if ((uv_tcp_t *)s != r.conn || r.closed)
		return;
	r.tcpgot += (size_t)n;
	/* A whole query: 2-byte length, then the message. */
	if (r.tcpgot >= 2 &&
	    r.tcpgot >= 2 + (size_t)(r.tcpbuf[0] << 8 | r.tcpbuf[1])) {
		r.idle = 0;
		r.id = query_id(r.tcpbuf + 2, r.tcpgot - 2);
		r.tcpgot = 0;
		send_tcp();
	}
}

static void on_connection(uv_stream_t *srv, int status)
{
	uv_tcp_t *c;

	if (status != 0)
		return;
	c = malloc(sizeof(*c));
	if (!c || uv_tcp_init(&loop, c) != 0)
		die("tcp_init");
	if (uv_accept(srv, (uv_stream_t *)c) != 0 || r.closed) {
		uv_close((uv_handle_t *)c, on_conn_closed);
		return;
	}
	if (r.conn)
		uv_close((uv_handle_t *)r.conn, on_conn_closed);
	r.conn = c;
	r.tcpgot = 0;
	if (uv_read_start((uv_stream_t *)c, on_tcp_alloc, on_tcp_read) != 0)
		die("read_start");
}

/* UDP and TCP on one loopback port, made once for all inputs. */
static void setup(void)
{
	struct sockaddr_in any;
	int len = sizeof(srv_addr);

	if (ready)
		return;
	if (uv_loop_init(&loop) != 0 || uv_udp_init(&loop, &srv_udp) != 0 ||
	    uv_udp_init(&loop, &alt_udp) != 0)
		die("loop");
	for (int tries = 0; tries < 50 && !ready; tries++) {
		uv_ip4_addr("127.0.0.1", 0, &any);
		if (uv_tcp_init(&loop, &srv_tcp) != 0 ||
		    uv_tcp_bind(&srv_tcp, (const struct sockaddr *)&any, 0) ||
		    uv_tcp_getsockname(&srv_tcp, (struct sockaddr *)&srv_addr,
				       &len) != 0)
			die("tcp bind");
		if (uv_udp_bind(&srv_udp, (const struct sockaddr *)&srv_addr,
				0) == 0) {
			ready = true;
			break;
		}
		/* UDP port taken: another TCP port, and again. */
		uv_close((uv_handle_t *)&srv_tcp, NULL);
		(void)uv_run(&loop, UV_RUN_NOWAIT);
	}
	if (!ready || uv_listen((uv_stream_t *)&srv_tcp, 8, on_connection) ||
	    uv_udp_bind(&alt_udp, (const struct sockaddr *)&any, 0) ||
	    uv_udp_recv_start(&srv_udp, on_alloc, on_udp) != 0)
		die("server sockets");
	(void)uv_udp_recv_start(&alt_udp, on_alloc, on_udp);
}

static void on_deadline(uv_timer_t *t)
{
	(void)t;
	die("the client is still busy after the deadline (a hang)");
}

static void parse_input(const uint8_t *data, size_t size)
{
	static const uint16_t types[4] = { LDNS_RR_TYPE_TXT, 65380,
					   LDNS_RR_TYPE_CNAME,
					   LDNS_RR_TYPE_SOA };
	size_t i = 1;

	r.qtype = types[data[0] & 3];
	while (i < size && r.nm < sizeof(r.m) / sizeof(r.m[0])) {
		struct msg *m = &r.m[r.nm++];
		size_t want;

		m->flags = data[i++];
		want = i + 2 <= size ? (size_t)(data[i] << 8 | data[i + 1]) : 0;
		i = i + 2 <= size ? i + 2 : size;
		m->p = data + i;
		m->len = want < size - i ? want : size - i;
		i += m->len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fetch_dns_server srv;
	struct fetch_dns_config cfg;

	if (size < 1)
		return 0;
	setup();
	memset(&r, 0, offsetof(struct run, tcpbuf));
	r.tcpgot = r.idle = 0;
	r.callbacks = 0;
	r.closed = false;
	parse_input(data, size);
	memset(&srv, 0, sizeof(srv));
	memcpy(&srv.addr, &srv_addr, sizeof(srv_addr));
	srv.len = sizeof(srv_addr);
	fetch_dns_config_init(&cfg, &srv, 1);
	cfg.timeout_ms = 2;
	cfg.attempts = (data[0] & 0x40) ? 2 : 1;
	cfg.edns_size = (data[0] & 4) ? 0 : 1232;
	cfg.max_cname = (unsigned)(data[0] >> 3 & 7);
	if (fetch_dns_new(&loop, &cfg, &r.d) != 0 ||
	    fetch_dns_query(r.d, QNAME, r.qtype, on_answer, NULL) != 0)
		die("client");
	if (uv_idle_init(&loop, &r.idler) != 0 ||
	    uv_idle_start(&r.idler, on_idle) != 0 ||
	    uv_timer_init(&loop, &r.deadline) != 0 ||
	    uv_timer_start(&r.deadline, on_deadline, DEADLINE_MS, 0) != 0)
		die("idle");
	while (r.d && uv_run(&loop, UV_RUN_ONCE))
		;
	if (r.d || r.callbacks != 1)
		die("the query did not end with one callback");
	if (r.conn)
		uv_close((uv_handle_t *)r.conn, on_conn_closed);
	uv_close((uv_handle_t *)&r.idler, NULL);
	uv_close((uv_handle_t *)&r.deadline, NULL);
	(void)uv_run(&loop, UV_RUN_NOWAIT);
	return 0;
}
