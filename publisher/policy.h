/* policy.h - the admin's allocation rules: a member's networks lie inside
 * the VPN's restrict-nets and overlap no other member's, site names are
 * unique ignoring case (these three are the chain library's, rrchain.h,
 * as every fetcher applies them); its DNS name can be made; publish
 * names and keys are unique.  Errors name the member file, both members
 * and the prefix. */
#ifndef PUB_POLICY_H
#define PUB_POLICY_H

#include "admin.h"

/* Checks CAND against the rules and the existing members MS (a member
 * with CAND's own site name is skipped when RENEW is true).  Conflicts
 * among the others are not CAND's and do not refuse it. */
int pub_policy_admit(const struct pub_admin *a, const struct pub_members *ms,
		     const struct pub_member *cand, bool renew,
		     struct pub_err *e);
/* Checks a whole member set (what "vpnrr index" publishes); reports the
 * first member, in MS's order, that breaks a rule. */
int pub_policy_all(const struct pub_admin *a, const struct pub_members *ms,
		   struct pub_err *e);

#endif
