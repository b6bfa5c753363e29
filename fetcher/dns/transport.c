/*
 * transport.c - one try of a query over UDP (engine.h), and the switch
 * between a try's transports: UDP here, TCP in tcp.c.  Every message that
 * arrives goes to the engine (fetch_dns_on_message); every failure ends
 * the try through fetch_dns_try_error.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "wire.h"

static const struct sockaddr *server_sa(const struct fetch_dns_query *q)
{
	return (const struct sockaddr *)&q->d->servers[q->server].addr;
}

static bool from_server(const struct fetch_dns_query *q,
			const struct sockaddr *sa)
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

/* ---- lifetime ----------------------------------------------------------- */

static void on_xfer_closed(uv_handle_t *h)
{
	struct fetch_dns_xfer *x = h->data;
	struct fetch_dns *d = x->d;

	free(x->wire);
	free(x);
	fetch_dns_handle_closed(d);
}

void fetch_dns_xfer_detach(struct fetch_dns_query *q)
{
	struct fetch_dns_xfer *x = q->x;

	fetch_dns_tcp_detach(q);
	if (!x)
		return;
	q->x = NULL;
	x->q = NULL;
	uv_close((uv_handle_t *)&x->udp, on_xfer_closed);
}

bool fetch_dns_xfer_busy(const struct fetch_dns_query *q)
{
	return q->x || q->conn || q->tcp_wait;
}

static struct fetch_dns_xfer *xfer_new(struct fetch_dns_query *q)
{
	const struct fetch_dns_config *cfg = &q->d->cfg;
	struct fetch_dns_question qu = { q->cur, q->type, q->id };
	struct fetch_dns_xfer *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->d = q->d;
	if (fetch_dns_wire_query(&qu, cfg->rd, cfg->edns_size, &x->wire,
				 &x->wirelen) < 0) {
		free(x);
		return NULL;
	}
	return x;
}

static void xfer_free_unopened(struct fetch_dns_xfer *x)
{
	free(x->wire);
	free(x);
}

/* ---- UDP ---------------------------------------------------------------- */

static void on_udp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct fetch_dns_xfer *x = h->data;

	(void)suggested;
	*buf = uv_buf_init((char *)x->d->udpbuf, sizeof(x->d->udpbuf));
}

static void on_udp_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
			const struct sockaddr *addr, unsigned flags)
{
	struct fetch_dns_xfer *x = h->data;
	struct fetch_dns_query *q = x->q;

	if (!q || (nread == 0 && !addr))
		return;
	if (nread < 0) {
		fetch_dns_try_error(q, FETCH_DNS_NETWORK, "receive: %s",
				    uv_strerror((int)nread));
		return;
	}
	if (!from_server(q, addr)) {
		fetch_dns_count_drop(q, FETCH_DNS_DROP_WRONG_SOURCE);
		return;
	}
	if (flags & UV_UDP_PARTIAL) {
		fetch_dns_count_drop(q, FETCH_DNS_DROP_MALFORMED);
		return;
	}
	fetch_dns_on_message(q, (const uint8_t *)buf->base, (size_t)nread,
			     false);
}

static void on_udp_sent(uv_udp_send_t *req, int status)
{
	struct fetch_dns_xfer *x = req->data;
	struct fetch_dns_query *q = x->q;

	if (!q || status == 0)
		return;
	fetch_dns_try_error(q, FETCH_DNS_NETWORK, "send: %s",
			    uv_strerror(status));
}

static int udp_bind_any(struct fetch_dns_xfer *x, int family)
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
	return uv_udp_bind(&x->udp, (const struct sockaddr *)&any, 0);
}

int fetch_dns_udp_start(struct fetch_dns_query *q)
{
	struct fetch_dns *d = q->d;
	struct fetch_dns_xfer *x = xfer_new(q);
	uv_buf_t buf;
	int rc;

	if (!x)
		return UV_ENOMEM;
	rc = uv_udp_init(d->loop, &x->udp);
	if (rc < 0) {
		xfer_free_unopened(x);
		return rc;
	}
	d->open_handles++;
	x->udp.data = x;
	x->send.data = x;
	x->q = q;
	q->x = x;
	rc = udp_bind_any(x, server_sa(q)->sa_family);
	if (rc < 0)
		return rc;
	rc = uv_udp_recv_start(&x->udp, on_udp_alloc, on_udp_recv);
	if (rc < 0)
		return rc;
	buf = uv_buf_init((char *)x->wire, (unsigned)x->wirelen);
	rc = uv_udp_send(&x->send, &x->udp, &buf, 1, server_sa(q),
			 on_udp_sent);
	if (rc < 0)
		return rc;
	d->st.sent_udp++;
	return 0;
}
