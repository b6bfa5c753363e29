/*
 * view.h - the verified state that the fetcher hands to its outputs.
 *
 * A view is a read-only snapshot: every record in it has been verified
 * (anchor -> membership -> site record), is unexpired and obeys the
 * network rules.  Outputs never check signatures again; they only decide
 * how to render what is here, and report what they cannot render.
 *
 * The view borrows everything: the records belong to the fetcher's state
 * and must outlive any output call that uses the view.
 */
#ifndef VPNRR_FETCH_VIEW_H
#define VPNRR_FETCH_VIEW_H

#include <stddef.h>

#include "rr.h"

struct fetch_site {
	char name[RR_FULLNAMELEN];  /* "vpn/location/site" */
	const struct rr_record *member; /* the admin's membership */
	const struct rr_record *site;   /* the site owner's record */
	/* rrchain_record_content of member and site: what tells a change */
	const uint8_t *member_content, *site_content;
};

struct fetch_view {
	char vpn[RR_NAMELEN];
	const struct fetch_site *sites;
	size_t nsites; /* sorted by name (strcmp order), no duplicates */
};

/*
 * secnet's mangled site name, as make-secnet-sites' mangle_name() forms
 * it: '/' becomes ','.  The full "vpn/location/site" name is mangled (not
 * only the leaf, as make-secnet-sites 0.1.18 does) so that two locations
 * with a site of the same name never share a peer-keys file.  OUT has
 * RR_FULLNAMELEN bytes.
 */
static inline void fetch_site_mangle(const char *name,
				     char out[RR_FULLNAMELEN])
{
	size_t i;

	for (i = 0; i + 1 < RR_FULLNAMELEN && name[i]; i++)
		out[i] = name[i] == '/' ? ',' : name[i];
	out[i] = '\0';
}

#endif
