/* live.h - live names for "vpnrr verify --server": the chain fetched from
 * one DNS server with the fetcher's asynchronous client (fetcher/dns/),
 * CNAMEs followed as vpnrr-fetch follows them. */
#ifndef PUB_LIVE_H
#define PUB_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "chain.h"
#include "rrset.h"

#define PUB_LIVE_DEFAULT_TIMEOUT_MS 5000
#define PUB_LIVE_DEFAULT_TRIES 3
#define PUB_LIVE_MAX_TRIES 10

struct pub_live_opts {
	const char *server;  /* "ADDR", "ADDR:PORT", "[V6]:PORT" */
	uint16_t port;       /* 0: the one in SERVER, else 53 */
	uint64_t timeout_ms; /* per name and type, retries included */
	unsigned tries;      /* queries per name and type, within
			      * timeout_ms; 0: PUB_LIVE_DEFAULT_TRIES */
	bool progress;       /* on a terminal, say on stderr what a silent
			      * server keeps waiting and how many names
			      * are in (false with -q, --json) */
};

/*
 * Queries NAME (TXT and TYPE65380; "_vpnrr.NAME" too when NAME has no
 * records), then every name the records gathered point at, until nothing
 * new is named, into S.  Records reached through a CNAME are kept under
 * the name asked, which is where the chain expects them.  Returns 0, or
 * -1 with E set: PUB_EXIT_USAGE for a bad server address, PUB_EXIT_IO
 * when a query fails (timeout, SERVFAIL, REFUSED, unusable answers),
 * naming the server, the name and the reason.
 */
int pub_live_fetch(const struct pub_live_opts *o, const char *name,
		   const struct pub_chain_opts *co, struct pub_rrset *s,
		   struct pub_err *e);

#endif
