/* admit.h - taking an enrolment request (shared by "vpnrr admit" and
 * "vpnrr accept"): the request checked, any blocks it asks for
 * allocated, a hosted site given its name in the VPN's zone, the
 * allocation rules applied, the member record signed and the membership
 * written to ADMINDIR/members/. */
#ifndef PUB_ADMIT_H
#define PUB_ADMIT_H

#include "admin.h"

struct pub_admitted {
	struct pub_member m;   /* as written */
	bool hosted;           /* the admin chose m.publish */
	size_t nallocated;     /* the last ones of m.nets were allocated */
	char *signed_text;     /* the signed member record: record-file form
				* or JSON (JSON true); the caller frees it */
	size_t signed_len;
};

/* FILE ("-": standard input) holds the armoured request; GW (or NULL)
 * carries the gateway networks the admin authorizes (gw_nets only). */
int pub_admit_request(const struct pub_admin *a, const char *file,
		      bool json, const struct pub_member *gw,
		      struct pub_admitted *res, struct pub_err *e);

#endif
