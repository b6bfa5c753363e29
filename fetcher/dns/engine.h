/*
 * engine.h - the client's shared state, between the query engine
 * (query.c), the transports (transport.c) and the counters (status.c).
 * Internal to fetcher/dns/; dns.h is the public header.
 *
 * Ownership: a struct query belongs to the client from fetch_dns_query()
 * until its timer handle has closed; a struct fetch_dns_xfer (one UDP
 * socket or TCP connection for one try) belongs to its query until
 * detached, then to libuv until its close callback frees it.  A detached
 * xfer has q == NULL, which is how callbacks that libuv still delivers for
 * it (ECANCELED writes, a pending connect) know to do nothing.
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

struct fetch_dns_xfer {
	union {
		uv_udp_t udp;
		uv_tcp_t tcp;
	} h;
	struct fetch_dns *d;
	struct fetch_dns_query *q; /* NULL once detached */
	uint8_t *wire;   /* the query message */
	size_t wirelen;
	uv_udp_send_t send;
	uv_connect_t connect;
	uv_write_t write;
	uint8_t lenpfx[2];
	/* TCP answer being read: 2-byte length, then the message */
	uint8_t hdr[2];
	size_t hdrgot;
	uint8_t *msg;
	size_t msglen, msggot;
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
	struct fetch_dns_xfer *x;
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

/* Starts Q's current try over UDP, or over TCP.  Return 0, or a negative
 * errno with q->x (if any) left to detach. */
int fetch_dns_udp_start(struct fetch_dns_query *q);
int fetch_dns_tcp_start(struct fetch_dns_query *q);
/* Detaches and closes Q's transfer, if any. */
void fetch_dns_xfer_detach(struct fetch_dns_query *q);
/* True when X is a TCP transfer that got part of an answer: *GOT bytes
 * of *WANT (0 while the length is not known yet). */
bool fetch_dns_xfer_partial(const struct fetch_dns_xfer *x, size_t *got,
			    size_t *want);

/* ---- status.c ----------------------------------------------------------- */

/* Counts an answer dropped in Q's current try, and remembers why. */
void fetch_dns_count_drop(struct fetch_dns_query *q, enum fetch_dns_drop why);
/* "an answer with another ID": what the last dropped answer was. */
const char *fetch_dns_drop_text(enum fetch_dns_drop why);

#endif
