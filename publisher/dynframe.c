/* dynframe.c - DNS messages out of a TCP byte stream, and a zone
 * transfer's RRs out of its messages (no I/O: see dynupdate.c). */
#include <stdlib.h>
#include <string.h>

#include "dynframe.h"

int pub_dynframe_init(struct pub_dynframe *f)
{
	f->len = 0;
	f->buf = malloc(PUB_DYNFRAME_BUF);
	return f->buf ? 0 : -1;
}

void pub_dynframe_free(struct pub_dynframe *f)
{
	free(f->buf);
	f->buf = NULL;
	f->len = 0;
}

bool pub_dynframe_ready(const struct pub_dynframe *f)
{
	return f->len >= 2 &&
	       f->len - 2 >= ((size_t)f->buf[0] << 8 | f->buf[1]);
}

uint8_t *pub_dynframe_space(struct pub_dynframe *f, size_t *room)
{
	*room = PUB_DYNFRAME_BUF - f->len;
	return f->buf + f->len;
}

void pub_dynframe_took(struct pub_dynframe *f, size_t n)
{
	/* A read never gets more than the space it was given. */
	if (n > PUB_DYNFRAME_BUF - f->len)
		abort();
	f->len += n;
}

const char *pub_dynframe_why(enum pub_dynframe_result r)
{
	switch (r) {
	case PUB_DYNFRAME_OK: return "ok";
	case PUB_DYNFRAME_NOMEM: return "out of memory";
	case PUB_DYNFRAME_UNPARSEABLE: return "unparseable answer";
	case PUB_DYNFRAME_OTHER_ID: return "answer with another query's ID";
	}
	return "unknown";
}

enum pub_dynframe_result pub_dynframe_next(struct pub_dynframe *f,
					   uint16_t id, ldns_pkt **out,
					   uint8_t **wire, size_t *wlen)
{
	enum pub_dynframe_result r = PUB_DYNFRAME_OK;
	size_t len;
	uint8_t *msg;

	*out = NULL;
	if (!pub_dynframe_ready(f))
		abort(); /* the caller reads until one is */
	len = (size_t)f->buf[0] << 8 | f->buf[1];
	msg = malloc(len ? len : 1);
	if (!msg)
		return PUB_DYNFRAME_NOMEM;
	memcpy(msg, f->buf + 2, len);
	/* The next message's first bytes may have come with this one. */
	f->len -= len + 2;
	memmove(f->buf, f->buf + 2 + len, f->len);
	if (ldns_wire2pkt(out, msg, len) != LDNS_STATUS_OK) {
		*out = NULL;
		r = PUB_DYNFRAME_UNPARSEABLE;
	} else if (ldns_pkt_id(*out) != id) {
		r = PUB_DYNFRAME_OTHER_ID;
	}
	if (r != PUB_DYNFRAME_OK) {
		ldns_pkt_free(*out);
		*out = NULL;
		free(msg);
	} else if (wire) {
		*wire = msg;
		*wlen = len;
	} else {
		free(msg);
	}
	return r;
}

int pub_axfr_take(const ldns_pkt *m, ldns_rr_list *out, unsigned *soas)
{
	const ldns_rr_list *ans = ldns_pkt_answer(m);

	for (size_t i = 0; i < ldns_rr_list_rr_count(ans); i++) {
		ldns_rr *rr = ldns_rr_list_rr(ans, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && ++*soas == 2)
			return 1;
		if (*soas == 0)
			return -1;
		if (ldns_rr_list_rr_count(out) >= PUB_AXFR_MAX_RRS)
			return -2;
		rr = ldns_rr_clone(rr);
		if (!rr || !ldns_rr_list_push_rr(out, rr)) {
			ldns_rr_free(rr);
			return -3;
		}
	}
	return 0;
}
