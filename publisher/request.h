/* request.h - enrolment requests: what a new site asks the admin for,
 * signed with the site's own record key (proof of possession), as one
 * text blob that can be mailed or pasted:
 *
 *   -----BEGIN VPNRR REQUEST-----
 *   BASE64 of "v=vpnrr1; k=request; vpn=...; site=LOC/SITE;
 *              rk=ed25519:...; nets=...; at=...; [contact=...;] t=...;
 *              sig=BASE64"  (wrapped at 64 columns)
 *   -----END VPNRR REQUEST-----
 *
 * sig is Ed25519 by rk over "vpnrr1-request\0" followed by the text
 * before "; sig=".  Lines outside the armour (mail headers) are ignored.
 */
#ifndef PUB_REQUEST_H
#define PUB_REQUEST_H

#include "fields.h"

#define PUB_REQ_BEGIN "-----BEGIN VPNRR REQUEST-----"
#define PUB_REQ_END "-----END VPNRR REQUEST-----"

struct pub_request {
	char vpn[64];
	char site[RR_SITENAMELEN];
	struct rr_pubkey key;
	struct rr_prefix nets[RR_MAX_NETS];
	size_t nnets;
	char publish[RR_MAX_NAME + 1];
	char contact[RR_MAX_TEXT + 1];
	uint64_t made;
};

/* The armoured, signed text (new string). */
int pub_request_encode(const struct pub_request *q, const struct rr_seckey *k,
		       char **out, struct pub_err *e);
/* Parses and checks the signature; FILE names TEXT in messages. */
int pub_request_decode(const char *file, const char *text,
		       struct pub_request *q, struct pub_err *e);

#endif
