/* policy.h - the admin's allocation rules: a member's networks lie inside
 * the VPN's restrict-nets and overlap no other member's; site names (and
 * the DNS names derived from them) and publish names are unique. */
#ifndef PUB_POLICY_H
#define PUB_POLICY_H

#include "admin.h"

/* Checks CAND against the rules and the existing members MS (a member
 * with CAND's own site name is skipped when RENEW is true). */
int pub_policy_admit(const struct pub_admin *a, const struct pub_members *ms,
		     const struct pub_member *cand, bool renew,
		     struct pub_err *e);
/* Checks a whole member set (what "vpnrr index" publishes). */
int pub_policy_all(const struct pub_admin *a, const struct pub_members *ms,
		   struct pub_err *e);

#endif
