/* signpub.h - "vpnrr sign --publish": the enrolled site's one command.
 * Reads its membership from DNS (the same client and chain checks as
 * "vpnrr verify --server --zone"), fills what the admin decided into the
 * description, signs the record and publishes it by dynamic update. */
#ifndef PUB_SIGNPUB_H
#define PUB_SIGNPUB_H

#include <stdbool.h>

struct pub_signpub_opts {
	const char *dir;       /* the site's directory ("vpnrr enrol -d") */
	const char *anchor;    /* NULL: DIR/anchor.pub */
	const char *vpn_zone;  /* NULL: DIR/enrol.conf */
	const char *resolver;  /* NULL: DIR/enrol.conf */
	const char *config;    /* NULL: DIR/publish.conf */
	bool quiet;
};

int pub_sign_publish(const struct pub_signpub_opts *o, struct pub_err *e);

#endif
