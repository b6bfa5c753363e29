/*
 * engine.h - the client's shared state, between the query engine
 * (query.c), the transports (transport.c) and the counters (status.c).
 * Internal to fetcher/dns/; dns.h is the public header.
 *
 * Ownership: a struct query belongs to the client from fetch_dns_query()
 * until its timer handle has closed.  A struct fetch_dns_xfer (one UDP
 * socket for one try) belongs to its query until detached, then to libuv
 * until its close callback frees it; a detached xfer has q == NULL, which
 * is how callbacks that libuv still delivers for it know to do nothing.
 * A TCP connection (struct fetch_dns_conn, tcp.c) belongs to the client,
 * in its pool: it owns its handles, its read buffer and its pending
 * writes, and carries many queries at once.  A query only references the
 * connection its try is on (q->conn) and is detached from it when the try
 * ends for any reason; the connection then forgets the query, and an
 * answer that comes later for its ID is dropped and counted.
 */
#ifndef VPNRR_FETCH_DNS_ENGINE_H
#define VPNRR_FETCH_DNS_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include <ldns/ldns.h>
#include <uv.h>

#include "dns.h"

#define FETCH_DNS_UDP_BUF_LEN 65536 /* any datagram, so oversized ones
				     * are seen */

struct fetch_dns_query;
struct fetch_dns_conn; /* tcp.c */

/* A UDP try: its own socket, so the source port is fresh each time. */
struct fetch_dns_xfer {
	uv_udp_t udp;
	struct fetch_dns *d;
	struct fetch_dns_query *q; /* NULL once detached */
	uint8_t *wire;   /* the query message */
	size_t wirelen;
	uv_udp_send_t send;
};

struct fetch_dns_query {
	struct fetch_dns *d;
	struct fetch_dns_query *prev, *next; /* wait queue or active list */
	uv_timer_t timer;
	char *qname;
	uint16_t type;
	fetch_dns_cb cb;
	void *arg;
	/* Names along the CNAME chain, all owned here; cur is the last. */
	ldns_rdf *seen[FETCH_DNS_MAX_CNAME + 1];
	size_t nseen;
	ldns_rdf *cur;
	uint32_t cname_ttl;
	unsigned attempt;     /* tries started for cur */
	unsigned rcode_fails; /* servers that answered SERVFAIL and such */
	size_t server;        /* index of the server of the current try */
	uint64_t wait;        /* timeout of the current try, ms */
	uint16_t id;
	struct fetch_dns_xfer *x;     /* the UDP try's socket */
	struct fetch_dns_conn *conn;  /* the TCP try's connection */
	bool tcp_wait;                /* the TCP try waits for room */
	bool tcp_sent;                /* its query is written on conn */
	/* Links on conn's queries or on the client's TCP wait list. */
	struct fetch_dns_query *tprev, *tnext;
	enum fetch_dns_status last; /* why the last try failed */
	int try_drop;         /* enum fetch_dns_drop of this try's last
			       * dropped answer, or -1 */
	uint64_t try_drops;   /* answers dropped in this try */
	int last_rcode;
	bool last_tcp;
	char err[FETCH_DNS_ERRLEN];
};

struct fetch_dns {
	uv_loop_t *loop;
	struct fetch_dns_config cfg;
	struct fetch_dns_server *servers; /* cfg.servers points here */
	struct fetch_dns_query *wait_head, *wait_tail;
	struct fetch_dns_query *active;
	unsigned inflight;
	uint64_t open_handles;
	uv_timer_t pump; /* starts waiting queries from the loop */
	/* TCP (tcp.c): every open connection, of all servers; the tries
	 * waiting for room on one, FIFO; a timer that seats them from the
	 * loop once room is made. */
	struct fetch_dns_conn *conns;
	struct fetch_dns_query *tcp_wait_head, *tcp_wait_tail;
	uv_timer_t tcp_kick;
	bool closing;
	void (*done)(void *);
	void *done_arg;
	struct fetch_dns_stats st;
	/* One buffer serves every UDP socket: libuv hands each datagram to
	 * the receive callback before it asks for a buffer again. */
	uint8_t udpbuf[FETCH_DNS_UDP_BUF_LEN];
};

/* ---- query.c: what the transports report ------------------------------- */

/* Q's current try failed with ST: "SERVER: NAME TYPE: " + FMT. */
void fetch_dns_try_error(struct fetch_dns_query *q, enum fetch_dns_status st,
			 const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* One of D's handles has closed (the last one after close frees D). */
void fetch_dns_handle_closed(struct fetch_dns *d);

/* ---- query.c: what the answer walk asks of the engine ------------------- */

/* Sets Q's message: "SERVER: NAME TYPE[ via NAME]: " + FMT. */
void fetch_dns_seterr(struct fetch_dns_query *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Ends a started query: its callback runs (with RDATA[0..N) when ST is
 * OK), its handles close. */
void fetch_dns_finish(struct fetch_dns_query *q, enum fetch_dns_status st,
		      const struct fetch_dns_rdata *rdata, size_t n,
		      uint32_t min_ttl);
/* The CNAME chain left the answer at a name it has no data for: asks for
 * that name anew, with fresh tries. */
void fetch_dns_requery(struct fetch_dns_query *q);
/* A truncated UDP answer: the same server, the same try, over TCP with a
 * fresh timeout of the try's length. */
void fetch_dns_switch_to_tcp(struct fetch_dns_query *q);

/* ---- answer.c ----------------------------------------------------------- */

/* A message from the server of Q's current try; DATA is untrusted.  A
 * message that is no answer to the question is counted and dropped. */
void fetch_dns_on_message(struct fetch_dns_query *q, const uint8_t *data,
			  size_t len, bool via_tcp);

/* ---- transport.c -------------------------------------------------------- */

/* Starts Q's current try over UDP.  Returns 0, or a negative errno with
 * q->x (if any) left to detach. */
int fetch_dns_udp_start(struct fetch_dns_query *q);
/* Detaches Q's try from its transport, UDP or TCP, if it has one. */
void fetch_dns_xfer_detach(struct fetch_dns_query *q);
/* True while Q's try has a transport: a UDP socket, a TCP connection,
 * or a place on the TCP wait list. */
bool fetch_dns_xfer_busy(const struct fetch_dns_query *q);

/* ---- tcp.c: the pool of pipelined TCP connections ---------------------- */

/* Sets up D's TCP side (one handle, counted in open_handles). */
int fetch_dns_tcp_init(struct fetch_dns *d);
/* Closes every connection and the TCP side's handle; every query must
 * already be detached. */
void fetch_dns_tcp_shutdown(struct fetch_dns *d);
/* Q's current try over TCP: on a pooled connection to its server, opened
 * if the pool has room, or else on the wait list until one has room.
 * Returns 0, or a negative errno with Q left to detach. */
int fetch_dns_tcp_start(struct fetch_dns_query *q);
/* True while D has a connection to SERVER that takes queries: the server
 * truncated an answer lately. */
bool fetch_dns_tcp_warm(const struct fetch_dns *d, size_t server);
/* Takes Q off its connection or the wait list. */
void fetch_dns_tcp_detach(struct fetch_dns_query *q);
/* True when Q's answer is the one being read, incomplete: *GOT bytes of
 * *WANT (0 while the length is not known yet). */
bool fetch_dns_tcp_partial(const struct fetch_dns_query *q, size_t *got,
			   size_t *want);

/* ---- status.c ----------------------------------------------------------- */

/* Counts an answer dropped in Q's current try, and remembers why. */
void fetch_dns_count_drop(struct fetch_dns_query *q, enum fetch_dns_drop why);
/* Counts a dropped answer that belongs to no query's try. */
void fetch_dns_count_drop_stats(struct fetch_dns *d, enum fetch_dns_drop why);
/* Q's try saw an answer dropped (counted elsewhere) that may have been
 * meant for it. */
void fetch_dns_note_drop(struct fetch_dns_query *q, enum fetch_dns_drop why);
/* "an answer with another ID": what the last dropped answer was. */
const char *fetch_dns_drop_text(enum fetch_dns_drop why);

#endif
