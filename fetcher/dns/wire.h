/*
 * wire.h - DNS messages for the client: the query it sends, and the checks
 * and walks over what comes back.  Internal to fetcher/dns/ (dns.h is the
 * public header); also the entry point of a fuzz target of the answer
 * path.  Pure functions: no I/O, no state, safe on untrusted bytes.
 */
#ifndef VPNRR_FETCH_DNS_WIRE_H
#define VPNRR_FETCH_DNS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "dns.h"

#define FETCH_DNS_HDR_LEN 12

/* The question a message is sent with, and must come back with. */
struct fetch_dns_question {
	const ldns_rdf *name;
	uint16_t type; /* class is always IN */
	uint16_t id;
};

/* The query message for Q into *WIRE (malloc'd), *LEN bytes; EDNS_SIZE 0
 * sends no OPT RR.  Returns 0 or UV_ENOMEM. */
int fetch_dns_wire_query(const struct fetch_dns_question *q, bool rd,
			 uint16_t edns_size, uint8_t **wire, size_t *len);

/*
 * Decides whether DATA (LEN bytes, untrusted) is a response to exactly Q:
 * returns -1 with the parsed message in *PKT (the caller frees it with
 * ldns_pkt_free), or else the enum fetch_dns_drop saying why not, with
 * *PKT NULL.  The source address is the transport's business.
 */
int fetch_dns_wire_check(const uint8_t *data, size_t len,
			 const struct fetch_dns_question *q, ldns_pkt **pkt);

/*
 * The RRs of TYPE, class IN, owned by NAME in PKT's answer section, as
 * raw RDATA in one allocation: *OUT (free with free()), *N entries; *TTL
 * is lowered to their smallest TTL.  *N may be 0.  Returns 0, or -1 when
 * out of memory.
 */
int fetch_dns_wire_collect(const ldns_pkt *pkt, const ldns_rdf *name,
			   uint16_t type, struct fetch_dns_rdata **out,
			   size_t *n, uint32_t *ttl);

/* The CNAME RR owned by NAME in PKT's answer section, or NULL. */
const ldns_rr *fetch_dns_wire_cname(const ldns_pkt *pkt, const ldns_rdf *name);

/* RFC 2308: true with *TTL = min(SOA TTL, SOA MINIMUM) when the authority
 * section has a well-formed SOA. */
bool fetch_dns_wire_negative_ttl(const ldns_pkt *pkt, uint32_t *ttl);

/* True when the authority section has any SOA (a referral has none). */
bool fetch_dns_wire_has_soa(const ldns_pkt *pkt);

/* "TXT", "TYPE65380": TYPE for messages. */
#define FETCH_DNS_TYPENAMELEN 16
void fetch_dns_type_name(uint16_t type, char out[FETCH_DNS_TYPENAMELEN]);

#endif
