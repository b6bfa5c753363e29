/* sitedesc.h - the site owner's description file and the signed site
 * record built from it.  Grammar (one keyword per line, '#' comments):
 *
 *   vpn NAME                    site LOCATION/NAME
 *   publish DNSNAME             (owner name of the site record)
 *   address HOST PORT           (repeatable; IPv4, [IPv6] or host name)
 *   mobile                      (no fixed address; any address lines
 *                               are its last known ones)
 *   networks PREFIX...          (repeatable; IPv4 and IPv6)
 *   wireguard HOST PORT         (WireGuard endpoint; or `wireguard roaming')
 *   gateway-networks PREFIX...  (repeatable; reached through a foreign
 *                               VPN system, routed to this site)
 *   peer ADDRESS                (point-to-point address)
 *   serial HEX8  pkg HEX8  pkgf HEX8
 *   pubkey BITS E N   pub ALG BASE91S   key ALG BASE64
 *   peer-keys PATH              (a secnet peer-keys file)
 *   contact TEXT  dh P G  hash NAME
 *   key-lifetime / setup-timeout / setup-retries / wait-time /
 *   renegotiate-time INTEGER
 *   lifetime DURATION  or  expires TIME      (default lifetime 30d)
 *   record-serial N                          (default: the time now)
 *   tag TAG VALUE...            (extension tags, carried and signed)
 */
#ifndef PUB_SITEDESC_H
#define PUB_SITEDESC_H

#include "fields.h"
#include "tkeys.h"

#define PUB_MAX_EXTRA 16

struct pub_site {
	char file[256];
	char vpn[64];
	char site[RR_SITENAMELEN];
	char publish[RR_MAX_NAME + 1];
	bool mobile;
	char eps[RR_MAX_ENDPOINTS][RR_ENDPOINTSTRLEN];
	size_t neps;
	struct rr_prefix nets[RR_MAX_NETS];
	size_t nnets;
	bool has_ptp;
	struct rr_addr ptp;
	char wg[RR_ENDPOINTSTRLEN]; /* wg= value, "" when absent */
	struct rr_prefix gw_nets[RR_MAX_NETS];
	size_t ngw_nets;
	struct pub_tkeys keys;
	uint32_t tun[RR_NTUNABLES]; /* by rr_tunables, 0: absent */
	char contact[RR_MAX_TEXT + 1];
	char dh[RR_MAX_TEXT + 1];
	char hash[64];
	uint64_t lifetime, expires; /* 0: absent */
	bool has_rserial;
	uint32_t rserial;
	char extra_tag[PUB_MAX_EXTRA][RR_MAX_TAG + 1];
	char extra_val[PUB_MAX_EXTRA][RR_MAX_TEXT + 1];
	size_t nextra;
	unsigned line_nets, line_ptp, line_keys, line_ep, line_wg, line_gw;
};

int pub_site_read(const char *path, struct pub_site *s, struct pub_err *e);
int pub_site_parse(const struct pub_lines *f, const char *basedir,
		   struct pub_site *s, struct pub_err *e);
/* Builds the unsigned site record valid from NOW - 1 hour. */
int pub_site_record(const struct pub_site *s, uint64_t now,
		    struct rr_record *r, struct pub_err *e);
void pub_site_free(struct pub_site *s);

#endif
