/*
 * dns.c - asynchronous DNS stub client (see dns.h).
 *
 * Ownership: a struct query belongs to the client from fetch_dns_query()
 * until its timer handle has closed; a struct xfer (one UDP socket or TCP
 * connection for one try) belongs to its query until detached, then to
 * libuv until its close callback frees it.  A detached xfer has q == NULL,
 * which is how callbacks that libuv still delivers for it (ECANCELED
 * writes, a pending connect) know to do nothing.
 *
 * Every query is started from a loop callback (the pump timer), never from
 * fetch_dns_query(), so a query that fails at once still reports through
 * the loop and callers never see their callback re-entered from their own
 * call.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dns.h"

#define DNS_HDR_LEN 12
#define DNS_NAME_TEXT_MAX 1024 /* generous: escaped 255-byte names fit */
#define UDP_BUF_LEN 65536      /* any datagram, so oversized ones are seen */
#define BACKOFF_MAX_SHIFT 5    /* timeouts grow to at most 32x the first */
#define TYPE_NAME_LEN 16

struct query;

struct xfer {
	union {
		uv_udp_t udp;
		uv_tcp_t tcp;
	} h;
	struct fetch_dns *d;
	struct query *q; /* NULL once detached */
	uint8_t *wire;   /* the query message, from ldns_pkt2wire */
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

struct query {
	struct fetch_dns *d;
	struct query *prev, *next; /* wait queue or active list */
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
	struct xfer *x;
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
	struct query *wait_head, *wait_tail;
	struct query *active;
	unsigned inflight;
	uint64_t open_handles;
	uv_timer_t pump; /* starts waiting queries from the loop */
	bool closing;
	void (*done)(void *);
	void *done_arg;
	struct fetch_dns_stats st;
	/* One buffer serves every UDP socket: libuv hands each datagram to
	 * the receive callback before it asks for a buffer again. */
	uint8_t udpbuf[UDP_BUF_LEN];
};

static void start_try(struct query *q);
static void on_timer(uv_timer_t *t);

/* ---- small helpers ------------------------------------------------------ */

static const char *const status_names[] = {
	[FETCH_DNS_OK] = "ok",
	[FETCH_DNS_NXDOMAIN] = "nxdomain",
	[FETCH_DNS_NODATA] = "nodata",
	[FETCH_DNS_SERVFAIL] = "servfail",
	[FETCH_DNS_REFUSED] = "refused",
	[FETCH_DNS_RCODE] = "rcode",
	[FETCH_DNS_TIMEOUT] = "timeout",
	[FETCH_DNS_NETWORK] = "network",
	[FETCH_DNS_CNAME_LOOP] = "cname-loop",
	[FETCH_DNS_CANCELLED] = "cancelled",
	[FETCH_DNS_MALFORMED] = "malformed",
	[FETCH_DNS_MISMATCH] = "mismatch",
};

static const char *const drop_names[] = {
	[FETCH_DNS_DROP_MALFORMED] = "malformed",
	[FETCH_DNS_DROP_TRUNCATED] = "truncated",
	[FETCH_DNS_DROP_BAD_POINTER] = "bad-pointer",
	[FETCH_DNS_DROP_TCP_LENGTH] = "tcp-length",
	[FETCH_DNS_DROP_WRONG_ID] = "wrong-id",
	[FETCH_DNS_DROP_WRONG_QUESTION] = "wrong-question",
	[FETCH_DNS_DROP_WRONG_TYPE] = "wrong-type",
	[FETCH_DNS_DROP_WRONG_SOURCE] = "wrong-source",
};

/* For messages: what the last dropped answer of a try was. */
static const char *const drop_texts[] = {
	[FETCH_DNS_DROP_MALFORMED] = "an unparseable answer",
	[FETCH_DNS_DROP_TRUNCATED] = "an answer cut short inside a record",
	[FETCH_DNS_DROP_BAD_POINTER] =
		"a name compression pointer that loops or points outside",
	[FETCH_DNS_DROP_TCP_LENGTH] = "a TCP length below a DNS header",
	[FETCH_DNS_DROP_WRONG_ID] = "an answer with another ID",
	[FETCH_DNS_DROP_WRONG_QUESTION] = "an answer to another name",
	[FETCH_DNS_DROP_WRONG_TYPE] = "an answer to another type",
	[FETCH_DNS_DROP_WRONG_SOURCE] = "an answer from another address",
};

const char *fetch_dns_status_name(enum fetch_dns_status st)
{
	if ((size_t)st >= sizeof(status_names) / sizeof(status_names[0]))
		return "unknown";
	return status_names[st];
}

const char *fetch_dns_drop_name(enum fetch_dns_drop why)
{
	if ((size_t)why >= sizeof(drop_names) / sizeof(drop_names[0]))
		return "unknown";
	return drop_names[why];
}

bool fetch_dns_drop_is_parse(enum fetch_dns_drop why)
{
	return why == FETCH_DNS_DROP_MALFORMED ||
	       why == FETCH_DNS_DROP_TRUNCATED ||
	       why == FETCH_DNS_DROP_BAD_POINTER ||
	       why == FETCH_DNS_DROP_TCP_LENGTH;
}

/* Counts an answer dropped in Q's current try, and remembers why. */
static void drop(struct query *q, enum fetch_dns_drop why)
{
	struct fetch_dns_stats *st = &q->d->st;

	st->dropped[why]++;
	if (fetch_dns_drop_is_parse(why))
		st->dropped_malformed++;
	else
		st->dropped_mismatch++;
	q->try_drop = (int)why;
	q->try_drops++;
}

static void type_name(uint16_t type, char out[TYPE_NAME_LEN])
{
	const ldns_rr_descriptor *desc = ldns_rr_descript(type);

	/* ldns names unknown types too; fall back to RFC 3597 form. */
	if (desc && desc->_name)
		snprintf(out, TYPE_NAME_LEN, "%s", desc->_name);
	else
		snprintf(out, TYPE_NAME_LEN, "TYPE%u", (unsigned)type);
}

static void query_seterr(struct query *q, bool with_server, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "SERVER: QNAME TYPE: reason", plus "via NAME" once a CNAME moved the
 * question elsewhere. */
static void query_seterr(struct query *q, bool with_server, const char *fmt, ...)
{
	char srv[FETCH_DNS_SERVERSTRLEN] = "";
	char tname[TYPE_NAME_LEN];
	char reason[FETCH_DNS_ERRLEN / 2];
	char *via = q->nseen > 1 ? ldns_rdf2str(q->cur) : NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	type_name(q->type, tname);
	if (with_server)
		fetch_dns_server_format(&q->d->servers[q->server], srv);
	snprintf(q->err, sizeof(q->err), "%s%s%s %s%s%s: %s", srv,
		 with_server ? ": " : "", q->qname, tname, via ? " via " : "",
		 via ? via : "", reason);
	free(via);
}

static void update_max_inflight(struct fetch_dns *d)
{
	if (d->inflight > d->st.max_inflight_seen)
		d->st.max_inflight_seen = d->inflight;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* ---- lists -------------------------------------------------------------- */

static void wait_push(struct fetch_dns *d, struct query *q)
{
	q->next = NULL;
	q->prev = d->wait_tail;
	if (d->wait_tail)
		d->wait_tail->next = q;
	else
		d->wait_head = q;
	d->wait_tail = q;
}

static struct query *wait_pop(struct fetch_dns *d)
{
	struct query *q = d->wait_head;

	if (!q)
		return NULL;
	d->wait_head = q->next;
	if (d->wait_head)
		d->wait_head->prev = NULL;
	else
		d->wait_tail = NULL;
	q->next = q->prev = NULL;
	return q;
}

static void active_add(struct fetch_dns *d, struct query *q)
{
	q->prev = NULL;
	q->next = d->active;
	if (d->active)
		d->active->prev = q;
	d->active = q;
	d->inflight++;
	update_max_inflight(d);
}

static void active_remove(struct fetch_dns *d, struct query *q)
{
	if (q->prev)
		q->prev->next = q->next;
	else
		d->active = q->next;
	if (q->next)
		q->next->prev = q->prev;
	q->next = q->prev = NULL;
	d->inflight--;
}

/* ---- lifetime ----------------------------------------------------------- */

static void query_free(struct query *q)
{
	for (size_t i = 0; i < q->nseen; i++)
		ldns_rdf_deep_free(q->seen[i]);
	free(q->qname);
	free(q);
}

/* Every handle close lands here; the last one after close frees D. */
static void handle_closed(struct fetch_dns *d)
{
	void (*done)(void *);
	void *arg;

	d->open_handles--;
	if (!d->closing || d->open_handles > 0)
		return;
	done = d->done;
	arg = d->done_arg;
	free(d->servers);
	free(d);
	if (done)
		done(arg);
}

static void on_xfer_closed(uv_handle_t *h)
{
	struct xfer *x = h->data;
	struct fetch_dns *d = x->d;

	free(x->wire);
	free(x->msg);
	free(x);
	handle_closed(d);
}

static void on_query_closed(uv_handle_t *h)
{
	struct query *q = h->data;
	struct fetch_dns *d = q->d;

	query_free(q);
	handle_closed(d);
}

static void on_pump_closed(uv_handle_t *h)
{
	handle_closed(h->data);
}

static void detach_xfer(struct query *q)
{
	struct xfer *x = q->x;

	if (!x)
		return;
	q->x = NULL;
	x->q = NULL;
	uv_close((uv_handle_t *)&x->h, on_xfer_closed);
}

/* ---- completion --------------------------------------------------------- */

static void pump(struct fetch_dns *d);

static void on_pump(uv_timer_t *t)
{
	pump(t->data);
}

static int kick_pump(struct fetch_dns *d)
{
	if (d->closing || !d->wait_head)
		return 0;
	return uv_timer_start(&d->pump, on_pump, 0, 0);
}

static void deliver(struct query *q, enum fetch_dns_status st,
		    const ldns_rr_list *rrs, uint32_t min_ttl)
{
	struct fetch_dns_answer ans;
	char *final = q->cur ? ldns_rdf2str(q->cur) : NULL;

	memset(&ans, 0, sizeof(ans));
	ans.status = st;
	ans.qname = q->qname;
	ans.final_name = final;
	ans.type = q->type;
	ans.rrs = st == FETCH_DNS_OK ? rrs : NULL;
	ans.min_ttl = min_ttl;
	ans.rcode = q->last_rcode;
	ans.via_tcp = q->last_tcp;
	if (st != FETCH_DNS_OK)
		snprintf(ans.error, sizeof(ans.error), "%s", q->err);
	q->cb(&ans, q->arg);
	free(final);
}

/* Ends a started query: its callback runs, its handles close. */
static void finish(struct query *q, enum fetch_dns_status st,
		   const ldns_rr_list *rrs, uint32_t min_ttl)
{
	struct fetch_dns *d = q->d;

	detach_xfer(q);
	/* Stopping an initialized timer cannot fail. */
	(void)uv_timer_stop(&q->timer);
	active_remove(d, q);
	deliver(q, st, rrs, min_ttl);
	uv_close((uv_handle_t *)&q->timer, on_query_closed);
	if (kick_pump(d) < 0)
		pump(d);
}

static bool is_rcode_failure(enum fetch_dns_status st)
{
	return st == FETCH_DNS_SERVFAIL || st == FETCH_DNS_REFUSED ||
	       st == FETCH_DNS_RCODE;
}

static void advance(struct query *q)
{
	if (q->attempt < q->d->cfg.attempts)
		start_try(q);
	else
		finish(q, q->last, NULL, 0);
}

/*
 * The current try failed without a usable answer (q->err says why).
 * Another server is tried at once; the same server again only when the
 * try's timer fires, so retries to one server back off.  A server that
 * answered with an error rcode is not asked again for this name.
 */
static void try_failed(struct query *q, enum fetch_dns_status st)
{
	const struct fetch_dns_config *cfg = &q->d->cfg;

	q->last = st;
	detach_xfer(q);
	if (is_rcode_failure(st))
		q->rcode_fails++;
	if (q->attempt >= cfg->attempts ||
	    (is_rcode_failure(st) && q->rcode_fails >= cfg->nservers)) {
		finish(q, st, NULL, 0);
		return;
	}
	if (q->attempt % cfg->nservers == q->server)
		return; /* the timer is running and will call advance() */
	(void)uv_timer_stop(&q->timer);
	advance(q);
}

/* ---- query messages ----------------------------------------------------- */

static int build_wire(const struct query *q, uint8_t **wire, size_t *len)
{
	const struct fetch_dns_config *cfg = &q->d->cfg;
	ldns_pkt *pkt = ldns_pkt_new();
	ldns_rr *rr = ldns_rr_new();
	ldns_rdf *owner = ldns_rdf_clone(q->cur);
	int rc = UV_ENOMEM;

	if (!pkt || !rr || !owner)
		goto out;
	ldns_rr_set_owner(rr, owner);
	owner = NULL;
	ldns_rr_set_question(rr, true);
	ldns_rr_set_type(rr, (ldns_rr_type)q->type);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	if (!ldns_pkt_push_rr(pkt, LDNS_SECTION_QUESTION, rr))
		goto out;
	rr = NULL;
	ldns_pkt_set_id(pkt, q->id);
	ldns_pkt_set_opcode(pkt, LDNS_PACKET_QUERY);
	ldns_pkt_set_rd(pkt, cfg->rd);
	/* A non-zero size is what makes ldns_pkt2wire emit the OPT RR. */
	if (cfg->edns_size)
		ldns_pkt_set_edns_udp_size(pkt, cfg->edns_size);
	if (ldns_pkt2wire(wire, pkt, len) != LDNS_STATUS_OK)
		goto out;
	rc = 0;
out:
	ldns_rdf_deep_free(owner);
	ldns_rr_free(rr);
	ldns_pkt_free(pkt);
	return rc;
}

static const struct sockaddr *server_sa(const struct query *q)
{
	return (const struct sockaddr *)&q->d->servers[q->server].addr;
}

static bool from_server(const struct query *q, const struct sockaddr *sa)
{
	const struct fetch_dns_server *s = &q->d->servers[q->server];

	if (!sa || sa->sa_family != s->addr.ss_family)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)sa;
		const struct sockaddr_in *b = (const void *)&s->addr;

		return a->sin_port == b->sin_port &&
		       a->sin_addr.s_addr == b->sin_addr.s_addr;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)sa;
		const struct sockaddr_in6 *b = (const void *)&s->addr;

		return a->sin6_port == b->sin6_port &&
		       memcmp(&a->sin6_addr, &b->sin6_addr, 16) == 0 &&
		       (b->sin6_scope_id == 0 ||
			a->sin6_scope_id == b->sin6_scope_id);
	}
	return false;
}

/* The answer must be a response to exactly our question: returns -1,
 * or the enum fetch_dns_drop saying how it differs. */
static int question_mismatch(const struct query *q, const ldns_pkt *pkt)
{
	const ldns_rr_list *qs = ldns_pkt_question(pkt);
	const ldns_rr *rr;

	if (!ldns_pkt_qr(pkt) || ldns_pkt_get_opcode(pkt) != LDNS_PACKET_QUERY)
		return FETCH_DNS_DROP_WRONG_QUESTION;
	if (!qs || ldns_rr_list_rr_count(qs) != 1)
		return FETCH_DNS_DROP_WRONG_QUESTION;
	rr = ldns_rr_list_rr(qs, 0);
	if (!rr || ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
	    !ldns_rr_owner(rr) ||
	    ldns_dname_compare(ldns_rr_owner(rr), q->cur) != 0)
		return FETCH_DNS_DROP_WRONG_QUESTION;
	if (ldns_rr_get_type(rr) != (ldns_rr_type)q->type)
		return FETCH_DNS_DROP_WRONG_TYPE;
	return -1;
}

/* ldns's reason for rejecting a message, as one of ours. */
static enum fetch_dns_drop parse_drop(ldns_status rc)
{
	/* ldns renames an overflow by the section it happened in. */
	if (rc == LDNS_STATUS_PACKET_OVERFLOW ||
	    rc == LDNS_STATUS_WIRE_INCOMPLETE_HEADER ||
	    rc == LDNS_STATUS_WIRE_INCOMPLETE_QUESTION ||
	    rc == LDNS_STATUS_WIRE_INCOMPLETE_ANSWER ||
	    rc == LDNS_STATUS_WIRE_INCOMPLETE_AUTHORITY ||
	    rc == LDNS_STATUS_WIRE_INCOMPLETE_ADDITIONAL)
		return FETCH_DNS_DROP_TRUNCATED;
	if (rc == LDNS_STATUS_INVALID_POINTER)
		return FETCH_DNS_DROP_BAD_POINTER;
	return FETCH_DNS_DROP_MALFORMED;
}

/* ---- answers ------------------------------------------------------------ */

static bool rr_at(const ldns_rr *rr, const ldns_rdf *name, uint16_t type)
{
	return ldns_rr_get_type(rr) == (ldns_rr_type)type &&
	       ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN &&
	       ldns_dname_compare(ldns_rr_owner(rr), name) == 0;
}

/* RRs of the query's type at q->cur; *TTL lowered to their minimum. */
static ldns_rr_list *collect(const struct query *q, const ldns_rr_list *an,
			     uint32_t *ttl)
{
	ldns_rr_list *out = ldns_rr_list_new();

	if (!out)
		return NULL;
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);

		if (!rr_at(rr, q->cur, q->type))
			continue;
		if (!ldns_rr_list_push_rr(out, rr)) {
			ldns_rr_list_free(out);
			return NULL;
		}
		*ttl = min_u32(*ttl, ldns_rr_ttl(rr));
	}
	return out;
}

static const ldns_rr *find_cname(const struct query *q, const ldns_rr_list *an)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);

		if (rr_at(rr, q->cur, LDNS_RR_TYPE_CNAME))
			return rr;
	}
	return NULL;
}

/* RFC 2308: a negative answer lives min(SOA TTL, SOA MINIMUM). */
static uint32_t negative_ttl(const struct query *q, const ldns_pkt *pkt)
{
	const ldns_rr_list *ns = ldns_pkt_authority(pkt);

	for (size_t i = 0; i < ldns_rr_list_rr_count(ns); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ns, i);
		const ldns_rdf *min;

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA ||
		    ldns_rr_rd_count(rr) != 7)
			continue;
		min = ldns_rr_rdf(rr, 6);
		if (!min || ldns_rdf_size(min) != 4)
			continue;
		return min_u32(q->cname_ttl,
			       min_u32(ldns_rr_ttl(rr),
				       ldns_rdf2native_int32(min)));
	}
	return 0;
}

static bool has_soa(const ldns_pkt *pkt)
{
	const ldns_rr_list *ns = ldns_pkt_authority(pkt);

	for (size_t i = 0; i < ldns_rr_list_rr_count(ns); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(ns, i)) == LDNS_RR_TYPE_SOA)
			return true;
	return false;
}

/* Moves q->cur to CNAME's target.  Returns -1 after finishing Q. */
static int follow(struct query *q, const ldns_rr *cname)
{
	const ldns_rdf *target = ldns_rr_rdf(cname, 0);
	char *tname;
	ldns_rdf *copy;

	if (!target || ldns_rdf_get_type(target) != LDNS_RDF_TYPE_DNAME) {
		query_seterr(q, true, "CNAME without a target name");
		finish(q, FETCH_DNS_RCODE, NULL, 0);
		return -1;
	}
	for (size_t i = 0; i < q->nseen; i++) {
		if (ldns_dname_compare(q->seen[i], target) != 0)
			continue;
		tname = ldns_rdf2str(target);
		query_seterr(q, true, "CNAME loop back to %s",
			     tname ? tname : "an earlier name");
		free(tname);
		finish(q, FETCH_DNS_CNAME_LOOP, NULL, 0);
		return -1;
	}
	/* seen[] holds the first name plus one per CNAME followed. */
	if (q->nseen > q->d->cfg.max_cname) {
		query_seterr(q, true, "more than %u CNAMEs", q->d->cfg.max_cname);
		finish(q, FETCH_DNS_CNAME_LOOP, NULL, 0);
		return -1;
	}
	copy = ldns_rdf_clone(target);
	if (!copy) {
		query_seterr(q, true, "out of memory following CNAME");
		finish(q, FETCH_DNS_NETWORK, NULL, 0);
		return -1;
	}
	q->seen[q->nseen++] = copy;
	q->cur = copy;
	q->cname_ttl = min_u32(q->cname_ttl, ldns_rr_ttl(cname));
	q->d->st.cname_followed++;
	return 0;
}

/* The chain left the answer at a name it has no data for: ask for it. */
static void requery(struct query *q)
{
	detach_xfer(q);
	(void)uv_timer_stop(&q->timer);
	q->attempt = 0;
	q->rcode_fails = 0;
	start_try(q);
}

/* NOERROR or NXDOMAIN: walk the answer section from q->cur. */
static void resolve(struct query *q, const ldns_pkt *pkt, ldns_pkt_rcode rcode)
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	bool moved = false;
	ldns_rr_list *rrs;
	uint32_t ttl;

	for (;;) {
		const ldns_rr *cname;

		ttl = q->cname_ttl;
		rrs = collect(q, an, &ttl);
		if (!rrs) {
			query_seterr(q, true, "out of memory");
			finish(q, FETCH_DNS_NETWORK, NULL, 0);
			return;
		}
		if (ldns_rr_list_rr_count(rrs) > 0) {
			finish(q, FETCH_DNS_OK, rrs, ttl);
			ldns_rr_list_free(rrs); /* shallow: RRs belong to PKT */
			return;
		}
		ldns_rr_list_free(rrs);
		if (q->type == LDNS_RR_TYPE_CNAME)
			break;
		cname = find_cname(q, an);
		if (!cname)
			break;
		if (follow(q, cname) < 0)
			return;
		moved = true;
	}
	if (rcode == LDNS_RCODE_NXDOMAIN) {
		query_seterr(q, true, "no such name");
		finish(q, FETCH_DNS_NXDOMAIN, NULL, negative_ttl(q, pkt));
	} else if (moved && !has_soa(pkt)) {
		requery(q);
	} else {
		query_seterr(q, true, "no RRs of this type");
		finish(q, FETCH_DNS_NODATA, NULL, negative_ttl(q, pkt));
	}
}

static void switch_to_tcp(struct query *q);

/* An accepted answer: its rcode decides what happens next. */
static void handle_answer(struct query *q, const ldns_pkt *pkt, bool via_tcp)
{
	ldns_pkt_rcode rcode = ldns_pkt_get_rcode(pkt);
	const ldns_lookup_table *rname;

	q->d->st.answered++;
	q->last_rcode = (int)rcode;
	q->last_tcp = via_tcp;
	if (!via_tcp && ldns_pkt_tc(pkt)) {
		q->d->st.truncated++;
		switch_to_tcp(q);
		return;
	}
	switch (rcode) {
	case LDNS_RCODE_NOERROR:
	case LDNS_RCODE_NXDOMAIN:
		resolve(q, pkt, rcode);
		break;
	case LDNS_RCODE_SERVFAIL:
		query_seterr(q, true, "SERVFAIL");
		try_failed(q, FETCH_DNS_SERVFAIL);
		break;
	case LDNS_RCODE_REFUSED:
		query_seterr(q, true, "REFUSED");
		try_failed(q, FETCH_DNS_REFUSED);
		break;
	default:
		rname = ldns_lookup_by_id(ldns_rcodes, (int)rcode);
		if (rname && rname->name)
			query_seterr(q, true, "%s", rname->name);
		else
			query_seterr(q, true, "rcode %d", (int)rcode);
		try_failed(q, FETCH_DNS_RCODE);
		break;
	}
}

/* A message from the server of the current try; DATA is untrusted. */
static void on_message(struct query *q, const uint8_t *data, size_t len,
		       bool via_tcp)
{
	ldns_pkt *pkt = NULL;
	ldns_status prc;
	uint16_t id;
	int why;

	if (len < DNS_HDR_LEN) {
		drop(q, FETCH_DNS_DROP_MALFORMED);
		return;
	}
	id = (uint16_t)((uint16_t)data[0] << 8 | data[1]);
	if (id != q->id) {
		drop(q, FETCH_DNS_DROP_WRONG_ID);
		return;
	}
	prc = ldns_wire2pkt(&pkt, data, len);
	if (prc != LDNS_STATUS_OK) {
		drop(q, parse_drop(prc));
		return;
	}
	why = question_mismatch(q, pkt);
	if (why >= 0)
		drop(q, (enum fetch_dns_drop)why);
	else
		handle_answer(q, pkt, via_tcp);
	ldns_pkt_free(pkt);
}

/* ---- UDP ---------------------------------------------------------------- */

static struct xfer *xfer_new(struct query *q)
{
	struct xfer *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->d = q->d;
	if (build_wire(q, &x->wire, &x->wirelen) < 0) {
		free(x);
		return NULL;
	}
	return x;
}

static void on_udp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct xfer *x = h->data;

	(void)suggested;
	*buf = uv_buf_init((char *)x->d->udpbuf, sizeof(x->d->udpbuf));
}

static void on_udp_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
			const struct sockaddr *addr, unsigned flags)
{
	struct xfer *x = h->data;
	struct query *q = x->q;

	if (!q || (nread == 0 && !addr))
		return;
	if (nread < 0) {
		query_seterr(q, true, "receive: %s", uv_strerror((int)nread));
		try_failed(q, FETCH_DNS_NETWORK);
		return;
	}
	if (!from_server(q, addr)) {
		drop(q, FETCH_DNS_DROP_WRONG_SOURCE);
		return;
	}
	if (flags & UV_UDP_PARTIAL) {
		drop(q, FETCH_DNS_DROP_MALFORMED);
		return;
	}
	on_message(q, (const uint8_t *)buf->base, (size_t)nread, false);
}

static void on_udp_sent(uv_udp_send_t *req, int status)
{
	struct xfer *x = req->data;
	struct query *q = x->q;

	if (!q || status == 0)
		return;
	query_seterr(q, true, "send: %s", uv_strerror(status));
	try_failed(q, FETCH_DNS_NETWORK);
}

static int udp_bind_any(struct xfer *x, int family)
{
	struct sockaddr_storage any;
	int rc;

	memset(&any, 0, sizeof(any));
	if (family == AF_INET6)
		rc = uv_ip6_addr("::", 0, (struct sockaddr_in6 *)&any);
	else
		rc = uv_ip4_addr("0.0.0.0", 0, (struct sockaddr_in *)&any);
	if (rc < 0)
		return rc;
	/*
	 * Port 0 on a fresh socket for every try: the kernel picks a random
	 * ephemeral port (Linux and the BSDs randomize, RFC 6056), so the
	 * source port adds to the 16 random bits of the ID.
	 */
	return uv_udp_bind(&x->h.udp, (const struct sockaddr *)&any, 0);
}

/* Returns 0, or a negative errno with q->x (if any) left to detach. */
static int udp_start(struct query *q)
{
	struct fetch_dns *d = q->d;
	struct xfer *x = xfer_new(q);
	uv_buf_t buf;
	int rc;

	if (!x)
		return UV_ENOMEM;
	rc = uv_udp_init(d->loop, &x->h.udp);
	if (rc < 0) {
		free(x->wire);
		free(x);
		return rc;
	}
	d->open_handles++;
	x->h.udp.data = x;
	x->send.data = x;
	x->q = q;
	q->x = x;
	rc = udp_bind_any(x, server_sa(q)->sa_family);
	if (rc < 0)
		return rc;
	rc = uv_udp_recv_start(&x->h.udp, on_udp_alloc, on_udp_recv);
	if (rc < 0)
		return rc;
	buf = uv_buf_init((char *)x->wire, (unsigned)x->wirelen);
	rc = uv_udp_send(&x->send, &x->h.udp, &buf, 1, server_sa(q),
			 on_udp_sent);
	if (rc < 0)
		return rc;
	d->st.sent_udp++;
	return 0;
}

/* ---- TCP ---------------------------------------------------------------- */

static void tcp_reset_message(struct xfer *x)
{
	free(x->msg);
	x->msg = NULL;
	x->msglen = x->msggot = 0;
	x->hdrgot = 0;
}

/* Bytes still missing from the length prefix, or else from the message. */
static size_t tcp_missing(const struct xfer *x)
{
	if (x->hdrgot < sizeof(x->hdr))
		return sizeof(x->hdr) - x->hdrgot;
	if (x->msg && x->msggot < x->msglen)
		return x->msglen - x->msggot;
	return 0;
}

/* Hands libuv exactly the bytes still missing, so partial reads simply
 * continue where they stopped and nothing past one message is read. */
static void on_tcp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct xfer *x = h->data;
	size_t n = tcp_missing(x);

	(void)suggested;
	if (x->hdrgot < sizeof(x->hdr))
		*buf = uv_buf_init((char *)x->hdr + x->hdrgot, (unsigned)n);
	else if (n > 0)
		*buf = uv_buf_init((char *)x->msg + x->msggot, (unsigned)n);
	else
		*buf = uv_buf_init(NULL, 0);
}

/* Returns -1 after failing the try. */
static int tcp_got_header(struct query *q, struct xfer *x)
{
	x->msglen = (size_t)x->hdr[0] << 8 | x->hdr[1];
	if (x->msglen < DNS_HDR_LEN) {
		/* Nothing after it can be framed: the stream is useless. */
		drop(q, FETCH_DNS_DROP_TCP_LENGTH);
		query_seterr(q, true, "TCP length prefix of %zu bytes, below "
			     "a DNS header (%s)", x->msglen,
			     drop_names[FETCH_DNS_DROP_TCP_LENGTH]);
		try_failed(q, FETCH_DNS_MALFORMED);
		return -1;
	}
	/* The 16-bit length bounds this to 65535 bytes. */
	x->msg = malloc(x->msglen);
	if (!x->msg) {
		query_seterr(q, true, "out of memory");
		try_failed(q, FETCH_DNS_NETWORK);
		return -1;
	}
	return 0;
}

static void on_tcp_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct xfer *x = s->data;
	struct query *q = x->q;

	(void)buf;
	if (!q || nread == 0)
		return;
	if (nread < 0) {
		query_seterr(q, true, "TCP: %s",
			     nread == UV_EOF ? "closed before the answer"
					     : uv_strerror((int)nread));
		try_failed(q, FETCH_DNS_NETWORK);
		return;
	}
	/* on_tcp_alloc never offers more than is missing; check anyway. */
	if ((size_t)nread > tcp_missing(x)) {
		query_seterr(q, true, "TCP: read past the message");
		try_failed(q, FETCH_DNS_NETWORK);
		return;
	}
	if (x->hdrgot < sizeof(x->hdr)) {
		x->hdrgot += (size_t)nread;
		if (x->hdrgot == sizeof(x->hdr))
			(void)tcp_got_header(q, x);
		return;
	}
	x->msggot += (size_t)nread;
	if (x->msggot < x->msglen)
		return;
	on_message(q, x->msg, x->msglen, true);
	if (x->q) /* dropped as a mismatch: keep reading the stream */
		tcp_reset_message(x);
}

static void on_tcp_written(uv_write_t *req, int status)
{
	struct xfer *x = req->data;
	struct query *q = x->q;

	if (!q || status == 0)
		return;
	query_seterr(q, true, "TCP write: %s", uv_strerror(status));
	try_failed(q, FETCH_DNS_NETWORK);
}

static void on_tcp_connect(uv_connect_t *req, int status)
{
	struct xfer *x = req->data;
	struct query *q = x->q;
	uv_buf_t bufs[2];
	int rc;

	if (!q)
		return;
	if (status < 0) {
		query_seterr(q, true, "TCP connect: %s", uv_strerror(status));
		try_failed(q, FETCH_DNS_NETWORK);
		return;
	}
	x->lenpfx[0] = (uint8_t)(x->wirelen >> 8);
	x->lenpfx[1] = (uint8_t)x->wirelen;
	bufs[0] = uv_buf_init((char *)x->lenpfx, sizeof(x->lenpfx));
	bufs[1] = uv_buf_init((char *)x->wire, (unsigned)x->wirelen);
	rc = uv_write(&x->write, (uv_stream_t *)&x->h.tcp, bufs, 2,
		      on_tcp_written);
	if (rc == 0)
		rc = uv_read_start((uv_stream_t *)&x->h.tcp, on_tcp_alloc,
				   on_tcp_read);
	if (rc < 0) {
		query_seterr(q, true, "TCP: %s", uv_strerror(rc));
		try_failed(q, FETCH_DNS_NETWORK);
		return;
	}
	q->d->st.sent_tcp++;
}

static int tcp_start(struct query *q)
{
	struct fetch_dns *d = q->d;
	struct xfer *x = xfer_new(q);
	int rc;

	if (!x)
		return UV_ENOMEM;
	if (x->wirelen > UINT16_MAX) {
		free(x->wire);
		free(x);
		return UV_EMSGSIZE;
	}
	rc = uv_tcp_init(d->loop, &x->h.tcp);
	if (rc < 0) {
		free(x->wire);
		free(x);
		return rc;
	}
	d->open_handles++;
	x->h.tcp.data = x;
	x->connect.data = x;
	x->write.data = x;
	x->q = q;
	q->x = x;
	return uv_tcp_connect(&x->connect, &x->h.tcp, server_sa(q),
			      on_tcp_connect);
}

/* Same server, same try: TCP gets a fresh timeout of the try's length. */
static void switch_to_tcp(struct query *q)
{
	int rc;

	detach_xfer(q);
	q->try_drop = -1;
	q->try_drops = 0;
	rc = uv_timer_start(&q->timer, on_timer, q->wait, 0);
	if (rc < 0) {
		query_seterr(q, true, "timer: %s", uv_strerror(rc));
		finish(q, FETCH_DNS_NETWORK, NULL, 0);
		return;
	}
	rc = tcp_start(q);
	if (rc < 0) {
		query_seterr(q, true, "TCP: %s", uv_strerror(rc));
		try_failed(q, FETCH_DNS_NETWORK);
	}
}

/* ---- tries -------------------------------------------------------------- */

static uint64_t try_timeout(const struct fetch_dns *d, unsigned attempt)
{
	unsigned shift = attempt / (unsigned)d->cfg.nservers;

	if (shift > BACKOFF_MAX_SHIFT)
		shift = BACKOFF_MAX_SHIFT;
	return (uint64_t)d->cfg.timeout_ms << shift;
}

static void start_try(struct query *q)
{
	struct fetch_dns *d = q->d;
	int rc;

	if (q->attempt > 0)
		d->st.retries++;
	q->server = q->attempt % d->cfg.nservers;
	q->wait = try_timeout(d, q->attempt);
	q->attempt++;
	q->id = (uint16_t)randombytes_uniform(UINT16_MAX + 1U);
	q->try_drop = -1;
	q->try_drops = 0;
	rc = uv_timer_start(&q->timer, on_timer, q->wait, 0);
	if (rc < 0) {
		/* try_failed() relies on the timer: without it, give up. */
		query_seterr(q, true, "timer: %s", uv_strerror(rc));
		finish(q, FETCH_DNS_NETWORK, NULL, 0);
		return;
	}
	rc = udp_start(q);
	if (rc < 0) {
		query_seterr(q, true, "UDP: %s", uv_strerror(rc));
		try_failed(q, FETCH_DNS_NETWORK);
	}
}

/* The try's time is up with its transfer still open: say what it got. */
static void try_expired(struct query *q)
{
	const struct xfer *x = q->x;
	struct fetch_dns *d = q->d;
	unsigned long long ms = (unsigned long long)q->wait;

	if (q->try_drop >= 0) {
		/* Answers came but none was usable: that, not silence, is
		 * what went wrong. */
		d->st.bad_tries++;
		q->last = fetch_dns_drop_is_parse((enum fetch_dns_drop)q->try_drop)
				  ? FETCH_DNS_MALFORMED
				  : FETCH_DNS_MISMATCH;
		query_seterr(q, true, "no usable answer within %llu ms (try %u "
			     "of %u): %llu dropped (%s), the last %s", ms,
			     q->attempt, d->cfg.attempts,
			     (unsigned long long)q->try_drops,
			     drop_names[q->try_drop], drop_texts[q->try_drop]);
		return;
	}
	d->st.timeouts++;
	q->last = FETCH_DNS_TIMEOUT;
	if (uv_handle_get_type((const uv_handle_t *)&x->h) == UV_TCP &&
	    x->hdrgot > 0)
		query_seterr(q, true, "TCP answer incomplete within %llu ms "
			     "(%zu of %zu bytes; try %u of %u)", ms,
			     x->hdrgot + x->msggot,
			     x->msg ? x->msglen + sizeof(x->hdr) : 0,
			     q->attempt, d->cfg.attempts);
	else
		query_seterr(q, true, "no answer within %llu ms (try %u of %u)",
			     ms, q->attempt, d->cfg.attempts);
}

static void on_timer(uv_timer_t *t)
{
	struct query *q = t->data;

	if (q->x) {
		try_expired(q);
		detach_xfer(q);
	}
	advance(q);
}

static void deliver_unstarted(struct query *q, enum fetch_dns_status st)
{
	deliver(q, st, NULL, 0);
	query_free(q);
}

static void start_query(struct query *q)
{
	struct fetch_dns *d = q->d;
	int rc = uv_timer_init(d->loop, &q->timer);

	if (rc < 0) {
		query_seterr(q, false, "timer: %s", uv_strerror(rc));
		deliver_unstarted(q, FETCH_DNS_NETWORK);
		return;
	}
	d->open_handles++;
	q->timer.data = q;
	active_add(d, q);
	start_try(q);
}

static void pump(struct fetch_dns *d)
{
	while (!d->closing && d->wait_head &&
	       d->inflight < d->cfg.max_inflight)
		start_query(wait_pop(d));
}

/* ---- public ------------------------------------------------------------- */

void fetch_dns_config_init(struct fetch_dns_config *cfg,
			   const struct fetch_dns_server *servers,
			   size_t nservers)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->servers = servers;
	cfg->nservers = nservers;
	cfg->timeout_ms = FETCH_DNS_DEFAULT_TIMEOUT_MS;
	cfg->attempts = FETCH_DNS_DEFAULT_ATTEMPTS;
	cfg->max_inflight = FETCH_DNS_DEFAULT_MAX_INFLIGHT;
	cfg->edns_size = FETCH_DNS_DEFAULT_EDNS_SIZE;
	cfg->max_cname = FETCH_DNS_DEFAULT_MAX_CNAME;
	cfg->rd = true;
}

static bool server_valid(const struct fetch_dns_server *s)
{
	if (s->addr.ss_family == AF_INET)
		return s->len == sizeof(struct sockaddr_in);
	if (s->addr.ss_family == AF_INET6)
		return s->len == sizeof(struct sockaddr_in6);
	return false;
}

static bool config_valid(const struct fetch_dns_config *cfg)
{
	if (!cfg->servers || cfg->nservers == 0 ||
	    cfg->nservers > FETCH_DNS_MAX_SERVERS)
		return false;
	if (cfg->timeout_ms == 0 || cfg->attempts == 0 ||
	    cfg->attempts > FETCH_DNS_MAX_ATTEMPTS || cfg->max_inflight == 0 ||
	    cfg->max_cname > FETCH_DNS_MAX_CNAME)
		return false;
	if (cfg->edns_size != 0 && cfg->edns_size < 512)
		return false;
	for (size_t i = 0; i < cfg->nservers; i++)
		if (!server_valid(&cfg->servers[i]))
			return false;
	return true;
}

int fetch_dns_new(uv_loop_t *loop, const struct fetch_dns_config *cfg,
		  struct fetch_dns **out)
{
	struct fetch_dns *d = NULL;
	int rc = UV_EINVAL;

	if (!loop || !cfg || !out || !config_valid(cfg))
		goto out;
	rc = UV_EIO;
	if (sodium_init() < 0)
		goto out;
	rc = UV_ENOMEM;
	d = calloc(1, sizeof(*d));
	if (!d)
		goto out;
	d->servers = calloc(cfg->nservers, sizeof(*d->servers));
	if (!d->servers)
		goto out;
	memcpy(d->servers, cfg->servers, cfg->nservers * sizeof(*d->servers));
	d->cfg = *cfg;
	d->cfg.servers = d->servers;
	d->loop = loop;
	rc = uv_timer_init(loop, &d->pump);
	if (rc < 0)
		goto out;
	d->pump.data = d;
	d->open_handles = 1;
	*out = d;
	d = NULL;
	rc = 0;
out:
	if (d)
		free(d->servers);
	free(d);
	return rc;
}

int fetch_dns_query(struct fetch_dns *d, const char *name, uint16_t type,
		    fetch_dns_cb cb, void *arg)
{
	struct query *q = NULL;
	int rc = UV_EINVAL;

	if (!d || !name || !cb || strnlen(name, DNS_NAME_TEXT_MAX + 1) >
					  DNS_NAME_TEXT_MAX)
		goto out;
	rc = UV_ESHUTDOWN;
	if (d->closing)
		goto out;
	rc = UV_ENOMEM;
	q = calloc(1, sizeof(*q));
	if (!q)
		goto out;
	q->d = d;
	q->type = type;
	q->cb = cb;
	q->arg = arg;
	q->cname_ttl = UINT32_MAX;
	q->last = FETCH_DNS_TIMEOUT;
	q->last_rcode = -1;
	q->qname = strdup(name);
	if (!q->qname)
		goto out;
	rc = UV_EINVAL;
	if (name[0] == '\0' ||
	    ldns_str2rdf_dname(&q->seen[0], name) != LDNS_STATUS_OK)
		goto out;
	q->nseen = 1;
	q->cur = q->seen[0];
	rc = uv_timer_start(&d->pump, on_pump, 0, 0);
	if (rc < 0)
		goto out;
	wait_push(d, q);
	d->st.queries++;
	q = NULL;
out:
	if (q)
		query_free(q);
	return rc;
}

void fetch_dns_close(struct fetch_dns *d, void (*done)(void *), void *arg)
{
	struct query *q;

	if (!d || d->closing)
		return;
	d->closing = true;
	d->done = done;
	d->done_arg = arg;
	(void)uv_timer_stop(&d->pump);
	while ((q = wait_pop(d)) != NULL) {
		query_seterr(q, false, "cancelled");
		deliver_unstarted(q, FETCH_DNS_CANCELLED);
	}
	while ((q = d->active) != NULL) {
		query_seterr(q, false, "cancelled");
		finish(q, FETCH_DNS_CANCELLED, NULL, 0);
	}
	uv_close((uv_handle_t *)&d->pump, on_pump_closed);
}

void fetch_dns_stats(const struct fetch_dns *d, struct fetch_dns_stats *out)
{
	if (!d || !out)
		return;
	*out = d->st;
}
