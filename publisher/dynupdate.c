/* dynupdate.c - UPDATE, queries and AXFR over TCP to a zone's primary.
 * ldns builds, parses and TSIG-signs the messages; libuv carries them,
 * each exchange on a private loop bounded by one timer.  (ldns's own TCP
 * calls time out per read, not per exchange, and cannot tell a timeout
 * from a closed connection.) */
#include <netdb.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <uv.h>

#include "dynframe.h"
#include "dynupdate.h"

#define TSIG_FUDGE 300

/* "ADDR", "ADDR:PORT", "[V6]:PORT", or a bare IPv6 literal. */
static int parse_server(struct pub_dyn *d, const char *server,
			struct pub_err *e)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	char host[RR_MAX_NAME + 1], port[8] = "53";
	const char *colon = strchr(server, ':');
	char *end;
	int rc;

	if (!pub_fmt(host, sizeof(host), "%s", server))
		return pub_errf(e, PUB_EXIT_USAGE, NULL, 0, "server",
				"address too long");
	if (host[0] == '[') {
		end = strchr(host, ']');
		if (!end || (end[1] && (end[1] != ':' || !end[2])))
			goto bad;
		if (end[1] && !pub_fmt(port, sizeof(port), "%s", end + 2))
			goto bad;
		*end = '\0';
		memmove(host, host + 1, strlen(host));
	} else if (colon && !strchr(colon + 1, ':')) {
		host[colon - server] = '\0';
		if (!pub_fmt(port, sizeof(port), "%s", colon + 1))
			goto bad;
	}
	if (strtoul(port, &end, 10) == 0 || *end || strtoul(port, NULL, 10)
	    > 65535)
		goto bad;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0 || !ai || ai->ai_addrlen > sizeof(d->addr)) {
		if (ai)
			freeaddrinfo(ai);
		goto bad;
	}
	memcpy(&d->addr, ai->ai_addr, ai->ai_addrlen);
	d->addrlen = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
bad:
	return pub_errf(e, PUB_EXIT_USAGE, NULL, 0, "server",
			"%s: need an IPv4 or IPv6 literal, ADDR:PORT or "
			"[V6ADDR]:PORT", server);
}

int pub_dyn_open(struct pub_dyn *d, const char *server, const char *zone,
		 const struct pub_tsig *key, uint64_t timeout_ms,
		 struct pub_err *e)
{
	memset(d, 0, sizeof(*d));
	d->key = key;
	d->timeout_ms = timeout_ms;
	if (!pub_fmt(d->server, sizeof(d->server), "%s", server) ||
	    parse_server(d, server, e) != 0)
		return server[0] ? -1 : pub_errf(e, PUB_EXIT_USAGE, NULL, 0,
						 "server", "empty address");
	if (!pub_fmt(d->zone, sizeof(d->zone), "%s", zone))
		return pub_errf(e, PUB_EXIT_USAGE, NULL, 0, "zone",
				"name too long");
	pub_name_canon(d->zone);
	if (!pub_dnsname_valid(d->zone) ||
	    !pub_fmt(d->zone + strlen(d->zone), 2, "."))
		return pub_errf(e, PUB_EXIT_USAGE, NULL, 0, "zone",
				"%s: not a DNS name", zone);
	d->zone_rdf = ldns_dname_new_frm_str(d->zone);
	if (!d->zone_rdf)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "zone",
				"out of memory");
	return 0;
}

void pub_dyn_close(struct pub_dyn *d)
{
	ldns_rdf_deep_free(d->zone_rdf);
	d->zone_rdf = NULL;
}

/* ---- one TCP connection ------------------------------------------------ */

#define STEP_RUNNING 1

/* One connection to the server on a private libuv loop.  One timer,
 * started with the connection, bounds everything done on it: connecting,
 * sending and every read, so an exchange (a whole transfer included)
 * never outlasts the timeout however the server trickles its bytes. */
struct conn {
	uv_loop_t loop;
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_connect_t creq;
	uv_write_t wreq;
	const struct pub_dyn *d;
	const char *what;
	int status;        /* of the step under way: STEP_RUNNING, 0 done,
			    * or a libuv error (UV_EOF: the server closed) */
	bool timed_out;
	struct pub_dynframe in; /* bytes read and not yet taken */
	uint8_t *out;      /* the message being sent, with its length */
	bool loop_open, timer_open, tcp_open;
};

static int fail_io(const struct pub_dyn *d, const char *what, const char *why,
		   struct pub_err *e)
{
	return pub_errf(e, PUB_EXIT_IO, NULL, 0, d->server, "%s: %s", what,
			why);
}

static int fail_timeout(const struct pub_dyn *d, const char *what,
			struct pub_err *e)
{
	char why[64];

	pub_fmt(why, sizeof(why), "no answer within %llu ms (timeout)",
		(unsigned long long)d->timeout_ms);
	return fail_io(d, what, why, e);
}

static void on_timer(uv_timer_t *t)
{
	struct conn *c = t->data;

	c->timed_out = true;
}

static void on_connect(uv_connect_t *req, int status)
{
	struct conn *c = req->data;

	if (c->status == STEP_RUNNING)
		c->status = status < 0 ? status : 0;
}

static void on_write(uv_write_t *req, int status)
{
	struct conn *c = req->data;

	if (c->status == STEP_RUNNING)
		c->status = status < 0 ? status : 0;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct conn *c = h->data;
	size_t room;
	uint8_t *p = pub_dynframe_space(&c->in, &room);

	(void)suggested;
	*b = uv_buf_init((char *)p, (unsigned)room);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct conn *c = s->data;

	(void)b;
	if (n < 0) {
		(void)uv_read_stop(s);
		if (c->status == STEP_RUNNING)
			c->status = (int)n;
		return;
	}
	pub_dynframe_took(&c->in, (size_t)n);
	if (pub_dynframe_ready(&c->in)) {
		(void)uv_read_stop(s);
		if (c->status == STEP_RUNNING)
			c->status = 0;
	}
}

/* Runs the loop until the step under way ends or the timer fires; the
 * timer is always armed, so each turn returns in time. */
static int conn_wait(struct conn *c, struct pub_err *e)
{
	while (c->status == STEP_RUNNING && !c->timed_out)
		(void)uv_run(&c->loop, UV_RUN_ONCE);
	if (c->status == 0)
		return 0;
	if (c->timed_out)
		return fail_timeout(c->d, c->what, e);
	return fail_io(c->d, c->what, c->status == UV_EOF ? "the server "
		       "closed the connection" : uv_strerror(c->status), e);
}

static void conn_close(struct conn *c)
{
	if (c->tcp_open)
		uv_close((uv_handle_t *)&c->tcp, NULL);
	if (c->timer_open)
		uv_close((uv_handle_t *)&c->timer, NULL);
	if (c->loop_open) {
		/* Only closing handles are left: this returns once they are
		 * closed and any pending request is cancelled. */
		(void)uv_run(&c->loop, UV_RUN_DEFAULT);
		(void)uv_loop_close(&c->loop);
	}
	pub_dynframe_free(&c->in);
	free(c->out);
	c->out = NULL;
}

/* Connects to the server and starts the exchange's clock.  C must be
 * closed with conn_close() whatever this returns. */
static int conn_open(struct conn *c, const struct pub_dyn *d,
		     const char *what, struct pub_err *e)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->d = d;
	c->what = what;
	if (pub_dynframe_init(&c->in) != 0)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, what,
				"out of memory");
	rc = uv_loop_init(&c->loop);
	c->loop_open = rc == 0;
	if (rc == 0) {
		rc = uv_timer_init(&c->loop, &c->timer);
		c->timer_open = rc == 0;
		c->timer.data = c;
	}
	if (rc == 0)
		rc = uv_timer_start(&c->timer, on_timer, d->timeout_ms, 0);
	if (rc == 0) {
		rc = uv_tcp_init(&c->loop, &c->tcp);
		c->tcp_open = rc == 0;
		c->tcp.data = c;
	}
	if (rc != 0)
		return fail_io(d, what, uv_strerror(rc), e);
	c->creq.data = c;
	c->status = STEP_RUNNING;
	rc = uv_tcp_connect(&c->creq, &c->tcp,
			    (const struct sockaddr *)&d->addr, on_connect);
	if (rc != 0)
		c->status = rc;
	return conn_wait(c, e);
}

static int conn_send(struct conn *c, const ldns_pkt *q, struct pub_err *e)
{
	uint8_t *wire = NULL;
	size_t len = 0;
	uv_buf_t b;
	int rc;

	if (ldns_pkt2wire(&wire, q, &len) != LDNS_STATUS_OK || len > 65535) {
		free(wire);
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, c->what,
				"message does not fit DNS (%zu bytes)", len);
	}
	/* Kept in C until the connection is closed: a write cut short by
	 * the timer may still hold it. */
	free(c->out);
	c->out = malloc(len + 2);
	if (!c->out) {
		free(wire);
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, c->what,
				"out of memory");
	}
	c->out[0] = (uint8_t)(len >> 8);
	c->out[1] = (uint8_t)len;
	memcpy(c->out + 2, wire, len);
	free(wire);
	b = uv_buf_init((char *)c->out, (unsigned)(len + 2));
	c->wreq.data = c;
	c->status = STEP_RUNNING;
	rc = uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, on_write);
	if (rc != 0)
		c->status = rc;
	return conn_wait(c, e);
}

/* Reads one message for query ID; *WIRE keeps its bytes (TSIG). */
static int conn_recv(struct conn *c, uint16_t id, ldns_pkt **out,
		     uint8_t **wire, size_t *wlen, struct pub_err *e)
{
	enum pub_dynframe_result r;
	int urc;

	*out = NULL;
	if (!pub_dynframe_ready(&c->in)) {
		c->status = STEP_RUNNING;
		urc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
		if (urc != 0)
			c->status = urc;
		if (conn_wait(c, e) != 0)
			return -1;
	}
	r = pub_dynframe_next(&c->in, id, out, wire, wlen);
	if (r == PUB_DYNFRAME_NOMEM)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, c->what,
				"out of memory");
	if (r != PUB_DYNFRAME_OK)
		return fail_io(c->d, c->what, pub_dynframe_why(r), e);
	return 0;
}

/* Q out, one answer in. */
static int exchange(const struct pub_dyn *d, const ldns_pkt *q,
		    const char *what, ldns_pkt **reply, uint8_t **wire,
		    size_t *wlen, struct pub_err *e)
{
	struct conn c;
	int rc;

	rc = conn_open(&c, d, what, e);
	if (rc == 0)
		rc = conn_send(&c, q, e);
	if (rc == 0)
		rc = conn_recv(&c, ldns_pkt_id(q), reply, wire, wlen, e);
	conn_close(&c);
	return rc;
}

/* ---- answers ------------------------------------------------------------ */

static const char *rcode_name(ldns_pkt_rcode rc)
{
	const ldns_lookup_table *t = ldns_lookup_by_id(ldns_rcodes, (int)rc);

	return t ? t->name : "unknown";
}

static const char *tsig_error_name(uint16_t err)
{
	switch (err) {
	case 16: return "BADSIG (the key's secret differs)";
	case 17: return "BADKEY (the server has no key of this name and "
			"algorithm)";
	case 18: return "BADTIME (clocks differ by more than the fudge)";
	case 20: return "BADNAME";
	case 21: return "BADALG";
	case 22: return "BADTRUNC";
	default: return "unknown";
	}
}

/* ", TSIG error N NAME" when REPLY's TSIG carries one. */
static void tsig_error(const ldns_pkt *reply, char *out, size_t size)
{
	const ldns_rr *t = ldns_pkt_tsig(reply);
	uint16_t err;

	out[0] = '\0';
	if (!t || ldns_rr_rd_count(t) < 6 || !ldns_rr_rdf(t, 5))
		return;
	err = ldns_rdf2native_int16(ldns_rr_rdf(t, 5));
	if (err)
		pub_fmt(out, size, ", TSIG error %u %s", (unsigned)err,
			tsig_error_name(err));
}

static ldns_pkt *new_query(const ldns_rdf *name, ldns_rr_type type)
{
	ldns_rdf *n = ldns_rdf_clone(name);
	ldns_pkt *q = n ? ldns_pkt_query_new(n, type, LDNS_RR_CLASS_IN, 0)
			: NULL;

	if (!q) {
		ldns_rdf_deep_free(n);
		return NULL;
	}
	ldns_pkt_set_id(q, (uint16_t)randombytes_uniform(65536));
	return q;
}

static int tsig_sign(const struct pub_dyn *d, ldns_pkt *q, const char *what,
		     struct pub_err *e)
{
	ldns_status s = ldns_pkt_tsig_sign(q, d->key->name, d->key->secret,
					   TSIG_FUDGE, d->key->alg, NULL);

	return s == LDNS_STATUS_OK ? 0
	       : pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, what,
			  "TSIG signing failed: %s",
			  ldns_get_errorstr_by_id(s));
}

/* The apex exists: "name is in use" (RFC 2136 2.4.4). */
static ldns_rr_list *zone_prereq(const struct pub_dyn *d)
{
	ldns_rr_list *l = ldns_rr_list_new();
	ldns_rr *rr = ldns_rr_new();

	if (!l || !rr) {
		ldns_rr_list_free(l);
		ldns_rr_free(rr);
		return NULL;
	}
	ldns_rr_set_owner(rr, ldns_rdf_clone(d->zone_rdf));
	ldns_rr_set_type(rr, LDNS_RR_TYPE_ANY);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_ANY);
	ldns_rr_set_ttl(rr, 0);
	ldns_rr_set_question(rr, false);
	ldns_rr_list_push_rr(l, rr);
	return l;
}

/* The update section: DEL as "delete an RRset" (class ANY, no data),
 * then ADD. */
static ldns_rr_list *update_section(const ldns_rr_list *del,
				    const ldns_rr_list *add)
{
	ldns_rr_list *l = ldns_rr_list_new();

	for (size_t i = 0; l && del && i < ldns_rr_list_rr_count(del); i++) {
		const ldns_rr *src = ldns_rr_list_rr(del, i);
		ldns_rr *rr = ldns_rr_new();
		if (!rr) {
			ldns_rr_list_deep_free(l);
			return NULL;
		}
		ldns_rr_set_owner(rr, ldns_rdf_clone(ldns_rr_owner(src)));
		ldns_rr_set_type(rr, ldns_rr_get_type(src));
		ldns_rr_set_class(rr, LDNS_RR_CLASS_ANY);
		ldns_rr_set_ttl(rr, 0);
		ldns_rr_list_push_rr(l, rr);
	}
	for (size_t i = 0; l && add && i < ldns_rr_list_rr_count(add); i++) {
		ldns_rr *rr = ldns_rr_clone(ldns_rr_list_rr(add, i));
		if (!rr) {
			ldns_rr_list_deep_free(l);
			return NULL;
		}
		ldns_rr_list_push_rr(l, rr);
	}
	return l;
}

int pub_dyn_update(struct pub_dyn *d, const ldns_rr_list *del,
		   const ldns_rr_list *add, const char *step,
		   struct pub_err *e)
{
	ldns_rr_list *pre = zone_prereq(d), *up = update_section(del, add);
	ldns_pkt *q = NULL, *reply = NULL;
	uint8_t *wire = NULL;
	size_t wlen = 0;
	char what[128], terr[160];
	int rc = -1;

	pub_fmt(what, sizeof(what), "update (%s)", step);
	if (!pre || !up)
		goto nomem;
	q = ldns_update_pkt_new(ldns_rdf_clone(d->zone_rdf), LDNS_RR_CLASS_IN,
				pre, up, NULL);
	if (!q)
		goto nomem;
	ldns_pkt_set_rd(q, false);
	ldns_pkt_set_id(q, (uint16_t)randombytes_uniform(65536));
	if (tsig_sign(d, q, what, e) != 0 ||
	    exchange(d, q, what, &reply, &wire, &wlen, e) != 0)
		goto out;
	tsig_error(reply, terr, sizeof(terr));
	if (ldns_pkt_get_opcode(reply) != LDNS_PACKET_UPDATE ||
	    !ldns_pkt_qr(reply)) {
		fail_io(d, what, "the answer is not an UPDATE response", e);
	} else if (ldns_pkt_get_rcode(reply) != LDNS_RCODE_NOERROR) {
		pub_errf(e, PUB_EXIT_IO, NULL, 0, d->server, "%s of zone %s "
			 "refused: RCODE %s%s", what, d->zone,
			 rcode_name(ldns_pkt_get_rcode(reply)), terr);
	} else if (!ldns_pkt_tsig(reply) ||
		   !ldns_pkt_tsig_verify(reply, wire, wlen, d->key->name,
					 d->key->secret,
					 ldns_rr_rdf(ldns_pkt_tsig(q), 3))) {
		/* Taken, but unproven: the check afterwards decides. */
		pub_warn("%s: %s: the answer's TSIG signature does not "
			 "verify%s", d->server, what, terr);
		d->nsent++;
		rc = 0;
	} else {
		d->nsent++;
		rc = 0;
	}
	goto out;
nomem:
	pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, what, "out of memory");
out:
	ldns_rr_list_deep_free(pre);
	ldns_rr_list_deep_free(up);
	ldns_pkt_free(q);
	ldns_pkt_free(reply);
	free(wire);
	return rc;
}

int pub_dyn_query(struct pub_dyn *d, const ldns_rdf *name, ldns_rr_type type,
		  ldns_rr_list **out, struct pub_err *e)
{
	ldns_pkt *q = new_query(name, type), *reply = NULL;
	ldns_rr_list *l = NULL;
	char what[RR_MAX_NAME + 32], *n = ldns_rdf2str(name);
	ldns_pkt_rcode rcode;
	int rc = -1;

	*out = NULL;
	pub_fmt(what, sizeof(what), "query %s %s", n ? n : "?",
		type == LDNS_RR_TYPE_SOA ? "SOA" : type == LDNS_RR_TYPE_TXT
		? "TXT" : "TYPE65380");
	free(n);
	if (!q) {
		pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, what, "out of memory");
		goto out;
	}
	if (exchange(d, q, what, &reply, NULL, NULL, e) != 0)
		goto out;
	rcode = ldns_pkt_get_rcode(reply);
	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
		pub_errf(e, PUB_EXIT_IO, NULL, 0, d->server, "%s: RCODE %s",
			 what, rcode_name(rcode));
		goto out;
	}
	if (!ldns_pkt_aa(reply)) {
		fail_io(d, what, "not authoritative for the name (is it the "
			"zone's primary?)", e);
		goto out;
	}
	l = ldns_pkt_rr_list_by_name_and_type(reply, name, type,
					      LDNS_SECTION_ANSWER);
	*out = l ? l : ldns_rr_list_new();
	rc = *out ? 0 : pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, what,
				 "out of memory");
out:
	ldns_pkt_free(q);
	ldns_pkt_free(reply);
	return rc;
}

int pub_dyn_serial(struct pub_dyn *d, uint32_t *serial, struct pub_err *e)
{
	ldns_rr_list *l = NULL;
	const ldns_rr *soa;
	int rc;

	if (pub_dyn_query(d, d->zone_rdf, LDNS_RR_TYPE_SOA, &l, e) != 0)
		return -1;
	soa = ldns_rr_list_rr_count(l) == 1 ? ldns_rr_list_rr(l, 0) : NULL;
	if (soa && ldns_rr_rd_count(soa) == 7) {
		*serial = ldns_rdf2native_int32(ldns_rr_rdf(soa, 2));
		rc = 0;
	} else {
		rc = pub_errf(e, PUB_EXIT_IO, NULL, 0, d->server, "zone %s: "
			      "no SOA in the answer (does the server serve "
			      "the zone?)", d->zone);
	}
	ldns_rr_list_deep_free(l);
	return rc;
}

int pub_dyn_axfr(struct pub_dyn *d, ldns_rr_list **out, struct pub_err *e)
{
	ldns_pkt *q = new_query(d->zone_rdf, LDNS_RR_TYPE_AXFR), *m = NULL;
	ldns_rr_list *l = ldns_rr_list_new();
	struct conn c;
	char what[RR_MAX_NAME + 32], terr[160];
	unsigned soas = 0;
	int rc = -1, t = 0;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	pub_fmt(what, sizeof(what), "zone transfer of %s", d->zone);
	if (!q || !l) {
		pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, what, "out of memory");
		goto out;
	}
	if (tsig_sign(d, q, what, e) != 0 ||
	    conn_open(&c, d, what, e) != 0 || conn_send(&c, q, e) != 0)
		goto out;
	for (size_t n = 0; t == 0 && n < PUB_AXFR_MAX_MSGS; n++) {
		if (conn_recv(&c, ldns_pkt_id(q), &m, NULL, NULL, e) != 0)
			goto out;
		if (ldns_pkt_get_rcode(m) != LDNS_RCODE_NOERROR) {
			tsig_error(m, terr, sizeof(terr));
			pub_errf(e, PUB_EXIT_IO, NULL, 0, d->server, "%s "
				 "refused: RCODE %s%s (does the server's ACL "
				 "allow transfers with this key?)", what,
				 rcode_name(ldns_pkt_get_rcode(m)), terr);
			goto out;
		}
		t = pub_axfr_take(m, l, &soas);
		ldns_pkt_free(m);
		m = NULL;
	}
	if (t != 1) {
		fail_io(d, what, t == -3 ? "out of memory" : "malformed or "
			"endless transfer", e);
		goto out;
	}
	*out = l;
	l = NULL;
	rc = 0;
out:
	conn_close(&c);
	ldns_pkt_free(m);
	ldns_pkt_free(q);
	ldns_rr_list_deep_free(l);
	return rc;
}

size_t pub_dyn_rr_size(const ldns_rr *rr)
{
	const ldns_rdf *o = ldns_rr_owner(rr);
	size_t n = (o ? ldns_rdf_size(o) : 255) + 10;

	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++)
		n += ldns_rdf_size(ldns_rr_rdf(rr, i)) + 1;
	return n;
}
