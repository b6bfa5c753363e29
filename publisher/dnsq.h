/* dnsq.h - live DNS queries for "vpnrr verify --server", through ldns's
 * synchronous resolver (UDP with EDNS, TCP when the answer is
 * truncated). */
#ifndef PUB_DNSQ_H
#define PUB_DNSQ_H

#include "rrset.h"

struct pub_dnsq;

/* SERVER is an IPv4 or IPv6 address literal. */
int pub_dnsq_open(struct pub_dnsq **q, const char *server, uint16_t port,
		  unsigned timeout_s, struct pub_err *e);
/* Queries NAME/TYPE and adds the TXT and TYPE65380 answers at NAME to S.
 * NXDOMAIN and NODATA add nothing and succeed (*FOUND false); timeouts,
 * SERVFAIL, REFUSED and malformed answers fail with PUB_EXIT_IO. */
int pub_dnsq_fetch(struct pub_dnsq *q, const char *name, uint16_t type,
		   struct pub_rrset *s, bool *found, struct pub_err *e);
void pub_dnsq_close(struct pub_dnsq *q);

#endif
