/*
 * tcp.c - DNS over TCP in proportion (engine.h, RFC 7766 6.2.1): per
 * server a small pool of connections, opened when needed, each carrying
 * many queries at once; answers are read one length-prefixed message at a
 * time and handed to the query with that ID on that connection, whose
 * question the engine then checks (fetch_dns_on_message).
 *
 * A connection owns its handles (the stream and an idle timer), its read
 * buffer and its writes; a query only points at the connection its try
 * is on.  A connection leaves the pool when it fails, when the server
 * closes it, when it has been idle too long, or when it stalls inside an
 * answer whose try timed out; it is freed once both its handles closed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "engine.h"
#include "wire.h"

/* IDs of tries that left a connection without an answer, remembered so
 * that their late answers are told from answers to nobody. */
#define RETIRED_IDS 64

typedef struct fetch_dns_query query_t;
typedef struct fetch_dns_conn conn_t;

struct fetch_dns_conn {
	uv_tcp_t tcp;
	uv_timer_t idle;
	uv_connect_t connect;
	struct fetch_dns *d;
	conn_t *prev, *next; /* d->conns until closing */
	size_t server;
	unsigned handles;    /* of tcp and idle, still open */
	bool connected;
	bool draining;       /* takes no new query; closes when empty */
	bool closing;
	query_t *head, *tail; /* the queries outstanding on it */
	unsigned nq;
	query_t *delivering; /* the query whose answer is being handed over */
	uint16_t retired[RETIRED_IDS];
	unsigned nretired, retired_next;
	/* The message being read: 2-byte length, then the message. */
	uint8_t hdr[2];
	size_t hdrgot;
	uint8_t *msg;
	size_t msglen, msggot;
};

/* A query framed for TCP, owned by libuv until its write callback. */
struct tcp_send {
	uv_write_t req;
	size_t len;
	uint8_t buf[]; /* 2-byte length, then the message */
};

static void conn_close(conn_t *c);
static void on_kick(uv_timer_t *t);

/* ---- the lists ---------------------------------------------------------- */

static void conn_link(conn_t *c)
{
	struct fetch_dns *d = c->d;

	c->prev = NULL;
	c->next = d->conns;
	if (d->conns)
		d->conns->prev = c;
	d->conns = c;
}

static void conn_unlink(conn_t *c)
{
	struct fetch_dns *d = c->d;

	if (c->prev)
		c->prev->next = c->next;
	else
		d->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

static void qlist_push(query_t **head, query_t **tail, query_t *q)
{
	q->tnext = NULL;
	q->tprev = *tail;
	if (*tail)
		(*tail)->tnext = q;
	else
		*head = q;
	*tail = q;
}

static void qlist_remove(query_t **head, query_t **tail, query_t *q)
{
	if (q->tprev)
		q->tprev->tnext = q->tnext;
	else
		*head = q->tnext;
	if (q->tnext)
		q->tnext->tprev = q->tprev;
	else
		*tail = q->tprev;
	q->tprev = q->tnext = NULL;
}

/* ---- IDs ---------------------------------------------------------------- */

static query_t *conn_find(const conn_t *c, uint16_t id)
{
	for (query_t *q = c->head; q; q = q->tnext)
		if (q->id == id)
			return q;
	return NULL;
}

static bool retired_has(const conn_t *c, uint16_t id)
{
	for (unsigned i = 0; i < c->nretired; i++)
		if (c->retired[i] == id)
			return true;
	return false;
}

static void retire(conn_t *c, uint16_t id)
{
	c->retired[c->retired_next] = id;
	c->retired_next = (c->retired_next + 1) % RETIRED_IDS;
	if (c->nretired < RETIRED_IDS)
		c->nretired++;
}

static bool id_taken(const conn_t *c, uint16_t id)
{
	return conn_find(c, id) || retired_has(c, id);
}

/*
 * Q keeps the random ID its try began with unless another query on C, or
 * a recent one, has it: IDs are what tells answers apart on a connection.
 * Fewer than RETIRED_IDS + FETCH_DNS_MAX_TCP_PIPELINE of the 65536 are
 * taken, so the walk from a fresh random ID ends within that many steps.
 */
static void pick_id(const conn_t *c, query_t *q)
{
	if (!id_taken(c, q->id))
		return;
	q->id = (uint16_t)randombytes_uniform(UINT16_MAX + 1U);
	for (unsigned i = 0; i <= UINT16_MAX && id_taken(c, q->id); i++)
		q->id++;
}

/* ---- lifetime ----------------------------------------------------------- */

static void on_conn_closed(uv_handle_t *h)
{
	conn_t *c = h->data;
	struct fetch_dns *d = c->d;

	if (--c->handles == 0) {
		free(c->msg);
		free(c);
	}
	fetch_dns_handle_closed(d);
}

/* Seats waiting tries from the loop, never from inside a caller. */
static void kick(struct fetch_dns *d)
{
	if (d->closing || !d->tcp_wait_head)
		return;
	/* Starting an initialized timer cannot fail. */
	(void)uv_timer_start(&d->tcp_kick, on_kick, 0, 0);
}

/* Closes C, which has no query left. */
static void conn_close(conn_t *c)
{
	if (c->closing)
		return;
	c->closing = true;
	c->draining = true;
	conn_unlink(c);
	uv_close((uv_handle_t *)&c->idle, on_conn_closed);
	uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
	kick(c->d);
}

static void on_idle(uv_timer_t *t)
{
	conn_t *c = t->data;

	if (c->nq == 0)
		conn_close(c);
}

static void conn_went_idle(conn_t *c)
{
	if (c->draining) {
		conn_close(c);
		return;
	}
	if (uv_timer_start(&c->idle, on_idle, c->d->cfg.tcp_idle_ms, 0) < 0)
		conn_close(c);
}

static void conn_fail(conn_t *c, enum fetch_dns_status st, const char *fmt,
		      ...) __attribute__((format(printf, 3, 4)));

/*
 * C is unusable: every try on it fails with ST and the reason, and C
 * closes.  A failing try may run callbacks that close the client; C stays
 * allocated until its handles have closed, so the walk is safe.
 */
static void conn_fail(conn_t *c, enum fetch_dns_status st, const char *fmt,
		      ...)
{
	char why[FETCH_DNS_ERRLEN / 2];
	va_list ap;
	query_t *q;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	c->draining = true;
	while ((q = c->head) != NULL)
		fetch_dns_try_error(q, st, "%s", why);
	conn_close(c);
}

/* ---- writing ------------------------------------------------------------ */

static void on_written(uv_write_t *req, int status)
{
	conn_t *c = req->handle->data;

	free(req);
	if (status == 0 || c->closing)
		return;
	conn_fail(c, FETCH_DNS_NETWORK, "TCP write: %s", uv_strerror(status));
}

/* Writes Q's query on C.  Returns 0 or a negative errno. */
static int conn_send(conn_t *c, query_t *q)
{
	struct fetch_dns_question qu = { q->cur, q->type, q->id };
	struct tcp_send *s = NULL;
	uint8_t *wire = NULL;
	size_t len;
	uv_buf_t buf;
	int rc;

	rc = fetch_dns_wire_query(&qu, c->d->cfg.rd, c->d->cfg.edns_size,
				  &wire, &len);
	if (rc < 0)
		goto out;
	rc = UV_EMSGSIZE;
	if (len > UINT16_MAX)
		goto out;
	rc = UV_ENOMEM;
	s = malloc(sizeof(*s) + 2 + len);
	if (!s)
		goto out;
	s->len = 2 + len;
	s->buf[0] = (uint8_t)(len >> 8);
	s->buf[1] = (uint8_t)len;
	memcpy(s->buf + 2, wire, len);
	buf = uv_buf_init((char *)s->buf, (unsigned)s->len);
	rc = uv_write(&s->req, (uv_stream_t *)&c->tcp, &buf, 1, on_written);
	if (rc < 0)
		goto out;
	s = NULL;
	q->tcp_sent = true;
	c->d->st.sent_tcp++;
out:
	free(s);
	free(wire);
	return rc;
}

/* ---- reading ------------------------------------------------------------ */

static void reset_message(conn_t *c)
{
	free(c->msg);
	c->msg = NULL;
	c->msglen = c->msggot = 0;
	c->hdrgot = 0;
}

/* Bytes still missing from the length prefix, or else from the message. */
static size_t missing(const conn_t *c)
{
	if (c->hdrgot < sizeof(c->hdr))
		return sizeof(c->hdr) - c->hdrgot;
	if (c->msg && c->msggot < c->msglen)
		return c->msglen - c->msggot;
	return 0;
}

/* Hands libuv exactly the bytes still missing, so partial reads simply
 * continue where they stopped and nothing past one message is read. */
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	conn_t *c = h->data;
	size_t n = missing(c);

	(void)suggested;
	if (c->hdrgot < sizeof(c->hdr))
		*buf = uv_buf_init((char *)c->hdr + c->hdrgot, (unsigned)n);
	else if (n > 0)
		*buf = uv_buf_init((char *)c->msg + c->msggot, (unsigned)n);
	else
		*buf = uv_buf_init(NULL, 0);
}

/* Returns -1 after failing C. */
static int got_header(conn_t *c)
{
	c->msglen = (size_t)c->hdr[0] << 8 | c->hdr[1];
	if (c->msglen < FETCH_DNS_HDR_LEN) {
		/* Nothing after it can be framed: the stream is useless. */
		fetch_dns_count_drop_stats(c->d, FETCH_DNS_DROP_TCP_LENGTH);
		conn_fail(c, FETCH_DNS_MALFORMED, "TCP length prefix of %zu "
			  "bytes, below a DNS header (%s)", c->msglen,
			  fetch_dns_drop_name(FETCH_DNS_DROP_TCP_LENGTH));
		return -1;
	}
	/* The 16-bit length bounds this to 65535 bytes. */
	c->msg = malloc(c->msglen);
	if (!c->msg) {
		conn_fail(c, FETCH_DNS_NETWORK, "TCP: out of memory");
		return -1;
	}
	return 0;
}

/*
 * A whole message: to the query with its ID.  One with an ID no query on
 * C has is dropped; unless it is a late answer to a try gone from C, each
 * try on C notes it, as it may have been meant for any of them.
 */
static void got_message(conn_t *c)
{
	uint16_t id = (uint16_t)((uint16_t)c->msg[0] << 8 | c->msg[1]);
	query_t *q = conn_find(c, id);

	if (!q) {
		fetch_dns_count_drop_stats(c->d, FETCH_DNS_DROP_WRONG_ID);
		if (retired_has(c, id))
			return;
		for (q = c->head; q; q = q->tnext)
			fetch_dns_note_drop(q, FETCH_DNS_DROP_WRONG_ID);
		return;
	}
	c->delivering = q;
	fetch_dns_on_message(q, c->msg, c->msglen, true);
	c->delivering = NULL;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	conn_t *c = s->data;

	(void)buf;
	if (c->closing || nread == 0)
		return;
	if (nread < 0) {
		if (c->nq == 0 && c->hdrgot == 0)
			conn_close(c); /* the server ends an idle connection */
		else if (nread == UV_EOF)
			conn_fail(c, FETCH_DNS_NETWORK,
				  "TCP: closed before the answer");
		else
			conn_fail(c, FETCH_DNS_NETWORK,
				  "TCP: closed before the answer: %s",
				  uv_strerror((int)nread));
		return;
	}
	/* on_alloc never offers more than is missing; check anyway. */
	if ((size_t)nread > missing(c)) {
		conn_fail(c, FETCH_DNS_NETWORK, "TCP: read past the message");
		return;
	}
	if (c->hdrgot < sizeof(c->hdr)) {
		c->hdrgot += (size_t)nread;
		if (c->hdrgot == sizeof(c->hdr))
			(void)got_header(c);
		return;
	}
	c->msggot += (size_t)nread;
	if (c->msggot < c->msglen)
		return;
	got_message(c);
	reset_message(c);
}

/* ---- connecting --------------------------------------------------------- */

static void on_connect(uv_connect_t *req, int status)
{
	conn_t *c = req->data;
	query_t *q;
	int rc;

	if (c->closing)
		return;
	if (status < 0) {
		conn_fail(c, FETCH_DNS_NETWORK, "TCP connect: %s",
			  uv_strerror(status));
		return;
	}
	c->connected = true;
	rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
	for (q = c->head; q && rc == 0; q = q->tnext)
		if (!q->tcp_sent)
			rc = conn_send(c, q);
	if (rc < 0)
		conn_fail(c, FETCH_DNS_NETWORK, "TCP: %s", uv_strerror(rc));
}

/* A new connection to SERVER in the pool: *OUT, or a negative errno. */
static int conn_open(struct fetch_dns *d, size_t server, conn_t **out)
{
	conn_t *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return UV_ENOMEM;
	c->d = d;
	c->server = server;
	rc = uv_tcp_init(d->loop, &c->tcp);
	if (rc < 0) {
		free(c);
		return rc;
	}
	c->tcp.data = c;
	c->handles = 1;
	d->open_handles++;
	conn_link(c);
	rc = uv_timer_init(d->loop, &c->idle);
	if (rc < 0) {
		/* Only the stream to close. */
		c->closing = true;
		conn_unlink(c);
		uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
		return rc;
	}
	c->idle.data = c;
	c->handles = 2;
	d->open_handles++;
	c->connect.data = c;
	rc = uv_tcp_connect(&c->connect, &c->tcp,
			    (const struct sockaddr *)&d->servers[server].addr,
			    on_connect);
	if (rc < 0) {
		conn_close(c);
		return rc;
	}
	d->st.tcp_connections++;
	*out = c;
	return 0;
}

/* ---- seating a try ------------------------------------------------------ */

/*
 * A connection to SERVER with room: an idle one, else a new one while
 * the pool has room, else the least busy one with room.  *OUT is NULL
 * when every connection is full; returns 0 or a negative errno.
 */
static int pick_conn(struct fetch_dns *d, size_t server, conn_t **out)
{
	conn_t *best = NULL;
	unsigned n = 0;

	*out = NULL;
	for (conn_t *c = d->conns; c; c = c->next) {
		if (c->server != server || c->draining)
			continue;
		n++;
		if (!best || c->nq < best->nq)
			best = c;
	}
	if (best && best->nq == 0) {
		*out = best;
		return 0;
	}
	if (n < d->cfg.tcp_conns)
		return conn_open(d, server, out);
	if (best && best->nq < d->cfg.tcp_pipeline)
		*out = best;
	return 0;
}

bool fetch_dns_tcp_warm(const struct fetch_dns *d, size_t server)
{
	for (const conn_t *c = d->conns; c; c = c->next)
		if (c->server == server && !c->draining)
			return true;
	return false;
}

/* Puts Q on C and, once C is connected, writes its query. */
static int attach(conn_t *c, query_t *q)
{
	pick_id(c, q);
	qlist_push(&c->head, &c->tail, q);
	c->nq++;
	q->conn = c;
	q->tcp_sent = false;
	(void)uv_timer_stop(&c->idle);
	if (!c->connected)
		return 0;
	return conn_send(c, q);
}

int fetch_dns_tcp_start(query_t *q)
{
	struct fetch_dns *d = q->d;
	conn_t *c;
	int rc = pick_conn(d, q->server, &c);

	if (rc < 0)
		return rc;
	if (c)
		return attach(c, q);
	q->tcp_wait = true;
	qlist_push(&d->tcp_wait_head, &d->tcp_wait_tail, q);
	return 0;
}

/* Seats the waiting tries that now fit, in order; a try whose server has
 * no room yet does not hold up the others. */
static void on_kick(uv_timer_t *t)
{
	struct fetch_dns *d = t->data;
	query_t *q, *next;
	conn_t *c;
	int rc;

again:
	for (q = d->tcp_wait_head; q && !d->closing; q = next) {
		next = q->tnext;
		rc = pick_conn(d, q->server, &c);
		if (rc == 0 && !c)
			continue;
		qlist_remove(&d->tcp_wait_head, &d->tcp_wait_tail, q);
		q->tcp_wait = false;
		if (rc == 0)
			rc = attach(c, q);
		if (rc < 0) {
			/* Callbacks may change the list: walk it afresh (Q
			 * left it, so this ends). */
			fetch_dns_try_error(q, FETCH_DNS_NETWORK, "TCP: %s",
					    uv_strerror(rc));
			goto again;
		}
	}
}

void fetch_dns_tcp_detach(query_t *q)
{
	struct fetch_dns *d = q->d;
	conn_t *c = q->conn;
	size_t got, want;

	if (q->tcp_wait) {
		qlist_remove(&d->tcp_wait_head, &d->tcp_wait_tail, q);
		q->tcp_wait = false;
	}
	if (!c)
		return;
	/* A stall inside this try's answer holds up all behind it. */
	if (c->delivering != q && fetch_dns_tcp_partial(q, &got, &want))
		c->draining = true;
	if (c->delivering != q && q->tcp_sent)
		retire(c, q->id);
	qlist_remove(&c->head, &c->tail, q);
	c->nq--;
	q->conn = NULL;
	q->tcp_sent = false;
	if (c->nq == 0 && !c->closing)
		conn_went_idle(c);
	kick(d);
}

bool fetch_dns_tcp_partial(const query_t *q, size_t *got, size_t *want)
{
	const conn_t *c = q->conn;

	if (!c || c->hdrgot == 0)
		return false;
	/* Once its ID is in, the message is known to be Q's or not; before
	 * that, only when Q is alone on C. */
	if (c->msggot >= 2) {
		if ((uint16_t)((uint16_t)c->msg[0] << 8 | c->msg[1]) != q->id)
			return false;
	} else if (c->nq != 1) {
		return false;
	}
	*got = c->hdrgot + c->msggot;
	*want = c->msg ? c->msglen + sizeof(c->hdr) : 0;
	return true;
}

/* ---- the client's TCP side ---------------------------------------------- */

int fetch_dns_tcp_init(struct fetch_dns *d)
{
	int rc = uv_timer_init(d->loop, &d->tcp_kick);

	if (rc < 0)
		return rc;
	d->tcp_kick.data = d;
	d->open_handles++;
	return 0;
}

static void on_kick_closed(uv_handle_t *h)
{
	fetch_dns_handle_closed(h->data);
}

void fetch_dns_tcp_shutdown(struct fetch_dns *d)
{
	query_t *q;

	while ((q = d->tcp_wait_head) != NULL)
		fetch_dns_tcp_detach(q);
	while (d->conns) {
		conn_t *c = d->conns;

		while ((q = c->head) != NULL)
			fetch_dns_tcp_detach(q);
		conn_close(c);
	}
	uv_close((uv_handle_t *)&d->tcp_kick, on_kick_closed);
}
