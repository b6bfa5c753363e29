/* admin.h - the VPN admin's directory: vpnrr.conf and one membership
 * description per site under members/.
 *
 * vpnrr.conf (one keyword per line, '#' comments; paths relative to the
 * directory):
 *   vpn NAME                   zone DNSNAME
 *   restrict-nets PREFIX...    anchor-key PATH
 *   member-lifetime DURATION   (default 90d)
 *   head-lifetime DURATION     (default 10d)
 *   page-size N                (default 40, at most 64)
 *   ttl SECONDS                (default 300)
 *   soa MNAME RNAME            ns NAME (repeatable)
 *   glue NAME ADDRESS          (A/AAAA records written into the zone)
 *   output PATH                (default ZONE.zone)
 *   types txt|bin|both         (default both)
 *   site-records PATH          (record files of sites hosted in this zone)
 *
 * members/LOCATION,SITE.member:
 *   site LOCATION/SITE         key ed25519:BASE64 (repeatable)
 *   networks PREFIX...         publish DNSNAME
 *   contact TEXT               serial N
 *   valid-from TIME            expires TIME
 */
#ifndef PUB_ADMIN_H
#define PUB_ADMIN_H

#include <stdio.h>

#include "fields.h"
#include "zonefmt.h"

#define PUB_PATHLEN 1024
#define PUB_MAX_NS 8

struct pub_glue {
	char name[RR_MAX_NAME + 1];
	struct rr_addr addr;
};

struct pub_admin {
	char dir[PUB_PATHLEN];
	char file[PUB_PATHLEN];
	char vpn[64];
	char zone[RR_MAX_NAME + 1];
	struct rr_prefix restrict_nets[RR_MAX_NETS];
	size_t nrestrict;
	char anchor_key[PUB_PATHLEN];
	uint64_t member_lifetime, head_lifetime;
	uint32_t page_size, ttl;
	char soa_mname[RR_MAX_NAME + 1], soa_rname[RR_MAX_NAME + 1];
	char ns[PUB_MAX_NS][RR_MAX_NAME + 1];
	size_t nns;
	struct pub_glue glue[PUB_MAX_NS];
	size_t nglue;
	char output[PUB_PATHLEN];
	enum pub_ztype types;
	char site_records[PUB_MAX_NS][PUB_PATHLEN];
	size_t nsite_records;
};

struct pub_member {
	char file[PUB_PATHLEN];
	char site[RR_SITENAMELEN];
	struct rr_pubkey keys[RR_MAX_KEYS];
	size_t nkeys;
	struct rr_prefix nets[RR_MAX_NETS];
	size_t nnets;
	/* networks the site may route for a foreign VPN system (gw-nets=) */
	struct rr_prefix gw_nets[RR_MAX_NETS];
	size_t ngw_nets;
	char publish[RR_MAX_NAME + 1];
	char contact[RR_MAX_TEXT + 1];
	uint32_t serial;
	uint64_t valid_from, expires;
};

struct pub_members {
	struct pub_member *v;
	size_t n;
};

/* Reads DIR/vpnrr.conf. */
int pub_admin_load(const char *dir, struct pub_admin *a, struct pub_err *e);
/* Reads every DIR/members/NAME.member, sorted by site name. */
int pub_members_load(const struct pub_admin *a, struct pub_members *ms,
		     struct pub_err *e);
void pub_members_free(struct pub_members *ms);
int pub_member_parse(const char *path, struct pub_member *m,
		     struct pub_err *e);
/* Writes the description text of M. */
void pub_member_format(FILE *f, const struct pub_member *m);
/* DIR/members/LOCATION,SITE.member (new string). */
char *pub_member_path(const struct pub_admin *a, const char *site);
/* Writes M to its file atomically (EXCL: must be new). */
int pub_member_save(const struct pub_admin *a, const struct pub_member *m,
		    bool excl, struct pub_err *e);
/* The unsigned member record of M. */
int pub_member_record(const struct pub_admin *a, const struct pub_member *m,
		      struct rr_record *r, struct pub_err *e);

#endif
