/*
 * initsecnet.h - vpnrr-fetch --init-secnet: the node's whole secnet.conf
 * around what the fetcher writes (the sites from `output secnet', the
 * peer-keys files they name), so that nobody copies a hand-written one.
 */
#ifndef VPNRR_FETCH_INITSECNET_H
#define VPNRR_FETCH_INITSECNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "view.h"

/* Where secnet finds a site's private keys by key id (vpnrr keygen
 * --secnet writes them there). */
#define FETCH_INIT_PRIVKEYS "/etc/secnet/privkeys/priv."
#define FETCH_INIT_OUTPUT "/etc/secnet/secnet.conf"
#define FETCH_INIT_PIDFILE "/run/secnet.pid"

/* What the node supplies on the command line; NULL or 0: the default
 * (from the verified record of the local site where there is one). */
struct fetch_init_secnet {
	const char *site;            /* LOC/SITE or VPN/LOC/SITE */
	const char *private_key;     /* key file, or priv-cache prefix */
	const char *local_address;   /* the host's tunnel interface */
	const char *secnet_address;  /* secnet's own; record: ptp */
	const char *networks;        /* "P,P"; record: its IPv4 networks */
	const char *remote_networks; /* "P,P"; config: restrict-nets */
	const char *interface;       /* tun interface name */
	const char *log_file;        /* NULL: syslog */
	const char *pidfile;
	const char *userid;
	const char *output;          /* config secnet-config, else default */
	unsigned port;               /* record: its first endpoint's port */
	unsigned mtu;                /* 1400 */
	bool force;                  /* replace an existing OUTPUT */
};

/*
 * Writes the secnet configuration for CFG's node atomically (an existing
 * file only with ->force).  VIEW is the verified state, or NULL when the
 * node has not fetched yet (then every value comes from O).  Warnings
 * (a private key file missing for a published group, ...) go to NOTES.
 * Returns 0, or -1 with "what: why" in ERR.
 */
int fetch_init_secnet(const struct fetch_init_secnet *o,
		      const struct fetch_config *cfg,
		      const struct fetch_view *view, FILE *notes, char *err,
		      size_t errlen);

#endif
