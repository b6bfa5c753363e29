/* pubconf.h - what "vpnrr publish" needs to reach a zone's primary: the
 * publish.conf file (server, zone, TSIG key file, timeout) and the TSIG
 * key file itself.
 *
 * publish.conf (one keyword per line, '#' comments; a relative tsig-key
 * path is relative to the file's directory):
 *   server ADDR | ADDR:PORT | [V6ADDR]:PORT   (port 53 by default)
 *   zone DNSNAME
 *   tsig-key PATH
 *   timeout DURATION                          (default 10s)
 *
 * A TSIG key file holds one key, either as BIND, Knot's keymgr and
 * tsig-keygen write it:
 *   key "NAME" { algorithm hmac-sha256; secret "BASE64"; };
 * or on one line as dig -y and knsupdate -y take it:
 *   [ALGORITHM:]NAME:BASE64                   (default hmac-sha256)
 * and must not be readable or writable by group or others. */
#ifndef PUB_PUBCONF_H
#define PUB_PUBCONF_H

#include <stdint.h>

#include "admin.h"
#include "util.h"

#define PUB_PUBLISH_DEFAULT_TIMEOUT_MS 10000
#define PUB_TSIG_SECRETLEN 256

struct pub_pubconf {
	char server[RR_MAX_NAME + 1];
	char zone[RR_MAX_NAME + 1];
	char key_file[PUB_PATHLEN];
	uint64_t timeout_ms;        /* 0: not set */
};

struct pub_tsig {
	char name[RR_MAX_NAME + 2];  /* absolute, final dot */
	char alg[32];                /* as ldns names it: "hmac-sha256." */
	char secret[PUB_TSIG_SECRETLEN]; /* base64 */
};

/* Reads PATH into C: only the keywords present are set, so a caller can
 * fill C from the command line afterwards. */
int pub_pubconf_load(const char *path, struct pub_pubconf *c,
		     struct pub_err *e);
/* Loads the key in PATH, refusing a file that group or others may
 * access. */
int pub_tsig_load(const char *path, struct pub_tsig *k, struct pub_err *e);
/* Zeroes the secret. */
void pub_tsig_wipe(struct pub_tsig *k);

#endif
