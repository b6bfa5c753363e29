/*
 * secnet_site.h - what the secnet and peer-keys drivers (and the sites
 * file, which carries the same keys) agree on about one site: whether
 * secnet can be given it, its names, and its keys in peer-keys syntax.
 * Private to fetcher/out/; both drivers use it, neither uses the other.
 */
#ifndef VPNRR_FETCH_OUT_SECNET_SITE_H
#define VPNRR_FETCH_OUT_SECNET_SITE_H

#include <stdbool.h>
#include <stddef.h>

#include "output.h"

struct fetch_site_names {
	char vpn[RR_NAMELEN];
	char location[RR_NAMELEN];
	char site[RR_NAMELEN];
};

/* Splits "vpn/location/site"; false unless each part is a name (a letter,
 * then letters, digits, '-' or '_', at most 63 bytes), which is what
 * secnet's dictionary keys and make-secnet-sites' names allow. */
bool fetch_site_split(const char *name, struct fetch_site_names *out);

/* True when the secnet output renders site S (valid names, an IPv4
 * network, a key secnet understands).  Reasons for a refusal go to PLAN's
 * notices when PLAN is not NULL. */
bool fetch_secnet_site_usable(const struct fetch_site *s,
			      struct fetch_plan *plan);

/* Appends S's key set in peer-keys syntax (serial, pkg/pkgf, pub lines;
 * the same lines a sites file uses) to OUT, skipping algorithms secnet
 * does not understand (with a notice to PLAN unless NULL).  Returns the
 * number of pub lines written. */
size_t fetch_peerkeys_render(const struct fetch_site *s, struct fetch_text *out,
			     struct fetch_plan *plan);

/* The bare file names: "site.MANGLED.conf" and "peer.MANGLED". */
int fetch_secnet_site_file(char *out, size_t outlen, const char *name);
int fetch_peerkeys_file(char *out, size_t outlen, const char *name);

#endif
