/* dynframe.h - what dynupdate.c makes of the bytes a zone's primary
 * sends over TCP, without the I/O: DNS messages framed by a two-byte
 * length (RFC 1035 4.2.2) out of reads of any size, each parsed and
 * matched to its query, and a zone transfer's RRs gathered from its
 * messages.  Private to dynupdate.c (and the fuzz target). */
#ifndef PUB_DYNFRAME_H
#define PUB_DYNFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

/* A message with its length: at most 2 + 65535 bytes. */
#define PUB_DYNFRAME_MSG_MAX (2 + 65535)
/* Reading stops once a whole message is in, so while reading fewer than
 * PUB_DYNFRAME_MSG_MAX bytes are held: room for a message and more. */
#define PUB_DYNFRAME_BUF (2 * PUB_DYNFRAME_MSG_MAX)

/* Limits on one transfer. */
#define PUB_AXFR_MAX_MSGS 100000
#define PUB_AXFR_MAX_RRS 2000000

struct pub_dynframe {
	uint8_t *buf; /* PUB_DYNFRAME_BUF bytes */
	size_t len;   /* read and not yet taken */
};

/* 0, or -1 when out of memory. */
int pub_dynframe_init(struct pub_dynframe *f);
void pub_dynframe_free(struct pub_dynframe *f);
/* Whether a whole message is in (then read no more before taking it). */
bool pub_dynframe_ready(const struct pub_dynframe *f);
/* Where the next bytes read go, and *ROOM how many fit (never 0 while
 * no whole message is in). */
uint8_t *pub_dynframe_space(struct pub_dynframe *f, size_t *room);
/* N bytes were read into the space. */
void pub_dynframe_took(struct pub_dynframe *f, size_t n);

enum pub_dynframe_result {
	PUB_DYNFRAME_OK,
	PUB_DYNFRAME_NOMEM,
	PUB_DYNFRAME_UNPARSEABLE,
	PUB_DYNFRAME_OTHER_ID,   /* the answer to another query */
};

/* Takes the whole message that is in (pub_dynframe_ready) out of F and
 * parses it into *OUT, which must answer query ID; *WIRE (when WIRE is
 * not NULL) keeps its bytes, *WLEN of them (for TSIG).  Nothing is
 * returned unless the result is PUB_DYNFRAME_OK. */
enum pub_dynframe_result pub_dynframe_next(struct pub_dynframe *f,
					   uint16_t id, ldns_pkt **out,
					   uint8_t **wire, size_t *wlen);
/* What a result means, for messages. */
const char *pub_dynframe_why(enum pub_dynframe_result r);

/* Takes the answer RRs of one AXFR message M into OUT (at most
 * PUB_AXFR_MAX_RRS): the opening SOA and what follows it, up to the
 * closing SOA (left out, like anything after it); *SOAS counts SOAs.  Returns 1 when the
 * closing SOA came, 0 when more messages are due, -1 when the transfer
 * does not start with a SOA, -2 when it is too big, -3 out of memory. */
int pub_axfr_take(const ldns_pkt *m, ldns_rr_list *out, unsigned *soas);

#endif
