/* sitesfile.h - make-secnet-sites "sites" files (vpn / location / site
 * hierarchy and their properties), read for "vpnrr import".  Whatever
 * vpnrr cannot carry is reported as a note with its file and line. */
#ifndef PUB_SITESFILE_H
#define PUB_SITESFILE_H

#include "fields.h"
#include "tkeys.h"

#define PUB_SF_NOTELEN 400

/* Properties every level may have. */
struct pub_sf_common {
	char contact[RR_MAX_TEXT + 1];
	char dh[RR_MAX_TEXT + 1];
	char hash[16];
	uint32_t tun[RR_NTUNABLES]; /* by rr_tunables */
	bool has_tun[RR_NTUNABLES];
	struct rr_prefix restrict_nets[RR_MAX_NETS];
	size_t nrestrict;
	bool has_restrict;
};

struct pub_sf_site {
	char name[64];
	const char *file; /* where it was first named (an included file?) */
	unsigned line;
	struct pub_sf_common c;
	struct rr_prefix nets[RR_MAX_NETS];
	size_t nnets;
	bool has_nets, has_peer, has_address, has_mobile, mobile;
	struct rr_addr peer;
	char endpoint[RR_ENDPOINTSTRLEN];
	unsigned address_line;
	struct pub_tkeys keys;
};

struct pub_sf_location {
	char name[64];
	const char *file;
	unsigned line;
	struct pub_sf_common c;
	struct pub_sf_site *sites;
	size_t n;
};

struct pub_sf_vpn {
	char name[64];
	const char *file;
	unsigned line;
	struct pub_sf_common c;
	struct pub_sf_location *locs;
	size_t n;
};

struct pub_sitesfile {
	struct pub_sf_vpn *vpns;
	size_t n;
	char (*notes)[PUB_SF_NOTELEN];
	size_t nnotes;
	char **files; /* every file read, for the file pointers above */
	size_t nfiles;
};

/* Reads PATH (following include lines, relative ones resolved as
 * make-secnet-sites does) and checks it as make-secnet-sites does:
 * required properties, networks inside every enclosing restrict-nets,
 * peer inside networks.  Reading goes on after a problem: with one, E
 * holds it; with several, each is printed on standard error (FILE:LINE
 * of the file it is in) and E says how many. */
int pub_sitesfile_read(const char *path, struct pub_sitesfile *sf,
		       struct pub_err *e);
/* A site's effective properties: its own, else its location's, else its
 * VPN's (make-secnet-sites' inheritance). */
void pub_sf_effective(const struct pub_sf_vpn *v,
		      const struct pub_sf_location *l,
		      const struct pub_sf_site *s, struct pub_sf_common *out);
void pub_sitesfile_free(struct pub_sitesfile *sf);

#endif
