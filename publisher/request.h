/* request.h - enrolment requests: what a new site asks the admin for,
 * signed with the site's own record key (proof of possession), as one
 * text blob that can be mailed or pasted:
 *
 *   -----BEGIN VPNRR REQUEST-----
 *   BASE64 of "v=vpnrr1; k=request; vpn=...; site=LOC/SITE;
 *              rk=ed25519:...; nets=...; [any=...;] at=...|hosted=1;
 *              [contact=...;] t=...; sig=BASE64"  (wrapped at 64 columns)
 *   -----END VPNRR REQUEST-----
 *
 * nets= lists the networks the site brings (may be empty when any= asks
 * for some); any= asks the admin for blocks from the VPN's free space,
 * "ipv4/29,ipv6/64" (one block per item).  hosted=1 in place of at=: the
 * site has no zone of its own and the admin chooses where its record
 * lives, in the VPN's zone.  Requests without either tag are as before.
 *
 * sig is Ed25519 by rk over "vpnrr1-request\0" followed by the text
 * before "; sig=".  Lines outside the armour (mail headers) are ignored.
 */
#ifndef PUB_REQUEST_H
#define PUB_REQUEST_H

#include "fields.h"

#define PUB_REQ_BEGIN "-----BEGIN VPNRR REQUEST-----"
#define PUB_REQ_END "-----END VPNRR REQUEST-----"

/* A request for one block of LEN bits (a /LEN) of FAMILY (4 or 6). */
struct pub_anynet {
	uint8_t family;
	uint8_t len;
};

struct pub_request {
	char vpn[64];
	char site[RR_SITENAMELEN];
	struct rr_pubkey key;
	struct rr_prefix nets[RR_MAX_NETS];
	size_t nnets;
	struct pub_anynet any[RR_MAX_NETS];
	size_t nany;
	bool hosted;             /* the admin chooses publish (empty) */
	char publish[RR_MAX_NAME + 1];
	char contact[RR_MAX_TEXT + 1];
	uint64_t made;
};

/* The armoured, signed text (new string). */
int pub_request_encode(const struct pub_request *q, const struct rr_seckey *k,
		       char **out, struct pub_err *e);
/* "any/29" (IPv4), "any6/64" (IPv6), or the request tag's "ipv4/29" and
 * "ipv6/64" forms: 0, or -1 when S is neither. */
int pub_anynet_parse(const char *s, struct pub_anynet *a);
/* "ipv4/29" */
void pub_anynet_format(const struct pub_anynet *a, char out[16]);

/* Parses and checks the signature; FILE names TEXT in messages. */
int pub_request_decode(const char *file, const char *text,
		       struct pub_request *q, struct pub_err *e);

#endif
