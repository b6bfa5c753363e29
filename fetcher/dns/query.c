/*
 * query.c - the query engine and the public calls (dns.h, engine.h):
 * the wait queue, tries and their timers, retries over the servers, and
 * the walk of an accepted answer along CNAMEs.
 *
 * Every query is started from a loop callback (the pump timer), never from
 * fetch_dns_query(), so a query that fails at once still reports through
 * the loop and callers never see their callback re-entered from their own
 * call.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "engine.h"
#include "wire.h"

#define DNS_NAME_TEXT_MAX 1024 /* generous: escaped 255-byte names fit */
#define BACKOFF_MAX_SHIFT 5    /* timeouts grow to at most 32x the first */

typedef struct fetch_dns_query query_t;

static void start_try(query_t *q);
static void on_timer(uv_timer_t *t);

/* ---- small helpers ------------------------------------------------------ */

static void query_vseterr(query_t *q, bool with_server, const char *fmt,
			  va_list ap) __attribute__((format(printf, 3, 0)));

/* "SERVER: QNAME TYPE: reason", plus "via NAME" once a CNAME moved the
 * question elsewhere. */
static void query_vseterr(query_t *q, bool with_server, const char *fmt,
			  va_list ap)
{
	char srv[FETCH_DNS_SERVERSTRLEN] = "";
	char tname[FETCH_DNS_TYPENAMELEN];
	char reason[FETCH_DNS_ERRLEN / 2];
	char *via = q->nseen > 1 ? ldns_rdf2str(q->cur) : NULL;

	vsnprintf(reason, sizeof(reason), fmt, ap);
	fetch_dns_type_name(q->type, tname);
	if (with_server)
		fetch_dns_server_format(&q->d->servers[q->server], srv);
	snprintf(q->err, sizeof(q->err), "%s%s%s %s%s%s: %s", srv,
		 with_server ? ": " : "", q->qname, tname, via ? " via " : "",
		 via ? via : "", reason);
	free(via);
}

static void query_seterr(query_t *q, bool with_server, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void query_seterr(query_t *q, bool with_server, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	query_vseterr(q, with_server, fmt, ap);
	va_end(ap);
}

void fetch_dns_seterr(query_t *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	query_vseterr(q, true, fmt, ap);
	va_end(ap);
}

/* ---- lists -------------------------------------------------------------- */

static void wait_push(struct fetch_dns *d, query_t *q)
{
	q->next = NULL;
	q->prev = d->wait_tail;
	if (d->wait_tail)
		d->wait_tail->next = q;
	else
		d->wait_head = q;
	d->wait_tail = q;
}

static query_t *wait_pop(struct fetch_dns *d)
{
	query_t *q = d->wait_head;

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

static void active_add(struct fetch_dns *d, query_t *q)
{
	q->prev = NULL;
	q->next = d->active;
	if (d->active)
		d->active->prev = q;
	d->active = q;
	d->inflight++;
	if (d->inflight > d->st.max_inflight_seen)
		d->st.max_inflight_seen = d->inflight;
}

static void active_remove(struct fetch_dns *d, query_t *q)
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

static void query_free(query_t *q)
{
	for (size_t i = 0; i < q->nseen; i++)
		ldns_rdf_deep_free(q->seen[i]);
	free(q->qname);
	free(q);
}

void fetch_dns_handle_closed(struct fetch_dns *d)
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

static void on_query_closed(uv_handle_t *h)
{
	query_t *q = h->data;
	struct fetch_dns *d = q->d;

	query_free(q);
	fetch_dns_handle_closed(d);
}

static void on_pump_closed(uv_handle_t *h)
{
	fetch_dns_handle_closed(h->data);
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

static void deliver(query_t *q, enum fetch_dns_status st,
		    const struct fetch_dns_rdata *rdata, size_t nrdata,
		    uint32_t min_ttl)
{
	struct fetch_dns_answer ans;
	char *final = q->cur ? ldns_rdf2str(q->cur) : NULL;

	memset(&ans, 0, sizeof(ans));
	ans.status = st;
	ans.qname = q->qname;
	ans.final_name = final;
	ans.type = q->type;
	if (st == FETCH_DNS_OK) {
		ans.rdata = rdata;
		ans.nrdata = nrdata;
	}
	ans.min_ttl = min_ttl;
	ans.rcode = q->last_rcode;
	ans.via_tcp = q->last_tcp;
	if (st != FETCH_DNS_OK)
		snprintf(ans.error, sizeof(ans.error), "%s", q->err);
	q->cb(&ans, q->arg);
	free(final);
}

void fetch_dns_finish(query_t *q, enum fetch_dns_status st,
			 const struct fetch_dns_rdata *rdata, size_t nrdata,
			 uint32_t min_ttl)
{
	struct fetch_dns *d = q->d;

	fetch_dns_xfer_detach(q);
	/* Stopping an initialized timer cannot fail. */
	(void)uv_timer_stop(&q->timer);
	active_remove(d, q);
	deliver(q, st, rdata, nrdata, min_ttl);
	uv_close((uv_handle_t *)&q->timer, on_query_closed);
	if (kick_pump(d) < 0)
		pump(d);
}

static void finish(query_t *q, enum fetch_dns_status st, uint32_t min_ttl)
{
	fetch_dns_finish(q, st, NULL, 0, min_ttl);
}

static bool is_rcode_failure(enum fetch_dns_status st)
{
	return st == FETCH_DNS_SERVFAIL || st == FETCH_DNS_REFUSED ||
	       st == FETCH_DNS_RCODE;
}

static void advance(query_t *q)
{
	if (q->attempt < q->d->cfg.attempts)
		start_try(q);
	else
		finish(q, q->last, 0);
}

/*
 * The current try failed without a usable answer (q->err says why).
 * Another server is tried at once; the same server again only when the
 * try's timer fires, so retries to one server back off.  A server that
 * answered with an error rcode is not asked again for this name.
 */
static void try_failed(query_t *q, enum fetch_dns_status st)
{
	const struct fetch_dns_config *cfg = &q->d->cfg;

	q->last = st;
	fetch_dns_xfer_detach(q);
	if (is_rcode_failure(st))
		q->rcode_fails++;
	if (q->attempt >= cfg->attempts ||
	    (is_rcode_failure(st) && q->rcode_fails >= cfg->nservers)) {
		finish(q, st, 0);
		return;
	}
	if (q->attempt % cfg->nservers == q->server)
		return; /* the timer is running and will call advance() */
	(void)uv_timer_stop(&q->timer);
	advance(q);
}

void fetch_dns_try_error(query_t *q, enum fetch_dns_status st,
			 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	query_vseterr(q, true, fmt, ap);
	va_end(ap);
	try_failed(q, st);
}

void fetch_dns_requery(query_t *q)
{
	fetch_dns_xfer_detach(q);
	(void)uv_timer_stop(&q->timer);
	q->attempt = 0;
	q->rcode_fails = 0;
	start_try(q);
}

/* ---- tries -------------------------------------------------------------- */

/* Starts a try's clock and its transfer (START: UDP or TCP), with the
 * try's drop counts afresh. */
static void arm_try(query_t *q, int (*start)(query_t *), const char *proto)
{
	int rc;

	q->try_drop = -1;
	q->try_drops = 0;
	rc = uv_timer_start(&q->timer, on_timer, q->wait, 0);
	if (rc < 0) {
		/* try_failed() relies on the timer: without it, give up. */
		query_seterr(q, true, "timer: %s", uv_strerror(rc));
		finish(q, FETCH_DNS_NETWORK, 0);
		return;
	}
	rc = start(q);
	if (rc < 0)
		fetch_dns_try_error(q, FETCH_DNS_NETWORK, "%s: %s", proto,
				    uv_strerror(rc));
}

void fetch_dns_switch_to_tcp(query_t *q)
{
	fetch_dns_xfer_detach(q);
	arm_try(q, fetch_dns_tcp_start, "TCP");
}

static uint64_t try_timeout(const struct fetch_dns *d, unsigned attempt)
{
	unsigned shift = attempt / (unsigned)d->cfg.nservers;

	if (shift > BACKOFF_MAX_SHIFT)
		shift = BACKOFF_MAX_SHIFT;
	return (uint64_t)d->cfg.timeout_ms << shift;
}

static void start_try(query_t *q)
{
	struct fetch_dns *d = q->d;

	if (q->attempt > 0)
		d->st.retries++;
	q->server = q->attempt % d->cfg.nservers;
	q->wait = try_timeout(d, q->attempt);
	q->attempt++;
	q->id = (uint16_t)randombytes_uniform(UINT16_MAX + 1U);
	/*
	 * A server that truncated lately likely will again (big records come
	 * in numbers), and servers rate-limit UDP answers, truncated ones
	 * too, but not TCP: while a connection to it is open, the try skips
	 * the UDP round trip.  RFC 7766 allows TCP for any query.
	 */
	if (fetch_dns_tcp_warm(d, q->server))
		arm_try(q, fetch_dns_tcp_start, "TCP");
	else
		arm_try(q, fetch_dns_udp_start, "UDP");
}

/* The try's time is up with its transfer still open: say what it got. */
static void try_expired(query_t *q)
{
	struct fetch_dns *d = q->d;
	unsigned long long ms = (unsigned long long)q->wait;
	size_t got, want;

	if (q->try_drop >= 0) {
		enum fetch_dns_drop why = (enum fetch_dns_drop)q->try_drop;

		/* Answers came but none was usable: that, not silence, is
		 * what went wrong. */
		d->st.bad_tries++;
		q->last = fetch_dns_drop_is_parse(why) ? FETCH_DNS_MALFORMED
						       : FETCH_DNS_MISMATCH;
		query_seterr(q, true, "no usable answer within %llu ms (try %u "
			     "of %u): %llu dropped (%s), the last %s", ms,
			     q->attempt, d->cfg.attempts,
			     (unsigned long long)q->try_drops,
			     fetch_dns_drop_name(why), fetch_dns_drop_text(why));
		return;
	}
	d->st.timeouts++;
	q->last = FETCH_DNS_TIMEOUT;
	if (q->tcp_wait)
		query_seterr(q, true, "no room on a TCP connection within "
			     "%llu ms (try %u of %u)", ms, q->attempt,
			     d->cfg.attempts);
	else if (fetch_dns_tcp_partial(q, &got, &want))
		query_seterr(q, true, "TCP answer incomplete within %llu ms "
			     "(%zu of %zu bytes; try %u of %u)", ms, got, want,
			     q->attempt, d->cfg.attempts);
	else
		query_seterr(q, true, "no answer within %llu ms (try %u of %u)",
			     ms, q->attempt, d->cfg.attempts);
}

static void on_timer(uv_timer_t *t)
{
	query_t *q = t->data;

	if (fetch_dns_xfer_busy(q)) {
		try_expired(q);
		fetch_dns_xfer_detach(q);
	}
	advance(q);
}

static void deliver_unstarted(query_t *q, enum fetch_dns_status st)
{
	deliver(q, st, NULL, 0, 0);
	query_free(q);
}

static void start_query(query_t *q)
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
	cfg->tcp_conns = FETCH_DNS_DEFAULT_TCP_CONNS;
	cfg->tcp_pipeline = FETCH_DNS_DEFAULT_TCP_PIPELINE;
	cfg->tcp_idle_ms = FETCH_DNS_DEFAULT_TCP_IDLE_MS;
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
	if (cfg->tcp_conns == 0 || cfg->tcp_conns > FETCH_DNS_MAX_TCP_CONNS ||
	    cfg->tcp_pipeline == 0 ||
	    cfg->tcp_pipeline > FETCH_DNS_MAX_TCP_PIPELINE ||
	    cfg->tcp_idle_ms == 0)
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
	rc = fetch_dns_tcp_init(d);
	if (rc < 0) {
		/* The pump is a handle now: the loop frees D. */
		d->closing = true;
		uv_close((uv_handle_t *)&d->pump, on_pump_closed);
		d = NULL;
		goto out;
	}
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
	query_t *q = NULL;
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
	query_t *q;

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
		finish(q, FETCH_DNS_CANCELLED, 0);
	}
	fetch_dns_tcp_shutdown(d);
	uv_close((uv_handle_t *)&d->pump, on_pump_closed);
}
