/* dynupdate.h - talking to a zone's primary over TCP for "vpnrr publish":
 * RFC 2136 UPDATE messages signed with TSIG (RFC 8945), plain queries, and
 * a zone transfer (AXFR, TSIG-signed) to read what the zone holds.  Every
 * exchange is one TCP connection, and the timeout bounds all of it
 * (connecting, sending, every message of a transfer).  The calls block. */
#ifndef PUB_DYNUPDATE_H
#define PUB_DYNUPDATE_H

#include <stdint.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#include "pubconf.h"
#include "util.h"

struct pub_dyn {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char server[RR_MAX_NAME + 1];  /* as given, for messages */
	char zone[RR_MAX_NAME + 2];    /* absolute */
	ldns_rdf *zone_rdf;
	const struct pub_tsig *key;
	uint64_t timeout_ms;           /* per exchange */
	size_t nsent;                  /* UPDATE messages the server took */
};

/* SERVER is "ADDR", "ADDR:PORT" or "[V6ADDR]:PORT" (port 53 by default;
 * a literal address, no host name); ZONE the zone to update. */
int pub_dyn_open(struct pub_dyn *d, const char *server, const char *zone,
		 const struct pub_tsig *key, uint64_t timeout_ms,
		 struct pub_err *e);
void pub_dyn_close(struct pub_dyn *d);

/* Sends one UPDATE message, applied by the server all or nothing: the
 * RRsets named by DEL (each RR's owner and type; its data is ignored) go,
 * then the RRs of ADD are added.  A prerequisite makes the server refuse
 * the message unless the zone's apex exists.  STEP names the message in
 * errors, which give the RCODE and any TSIG error.  Returns 0, or -1 with
 * E set (PUB_EXIT_IO). */
int pub_dyn_update(struct pub_dyn *d, const ldns_rr_list *del,
		   const ldns_rr_list *add, const char *step,
		   struct pub_err *e);

/* The RRs of TYPE at NAME (*OUT empty when there are none). */
int pub_dyn_query(struct pub_dyn *d, const ldns_rdf *name, ldns_rr_type type,
		  ldns_rr_list **out, struct pub_err *e);
/* The zone's SOA serial as the server answers it. */
int pub_dyn_serial(struct pub_dyn *d, uint32_t *serial, struct pub_err *e);
/* Every RR of the zone (AXFR signed with the key; the first SOA kept, the
 * closing one dropped). */
int pub_dyn_axfr(struct pub_dyn *d, ldns_rr_list **out, struct pub_err *e);

/* Bytes an RR takes in an UPDATE message (for splitting large changes
 * into messages that fit). */
size_t pub_dyn_rr_size(const ldns_rr *rr);
/* What one UPDATE message may carry, TSIG and header aside. */
#define PUB_DYN_MSG_BUDGET 48000

#endif
