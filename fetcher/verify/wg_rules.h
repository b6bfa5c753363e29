/*
 * wg_rules.h - WireGuard's rules for the values of one site record.
 *
 * The counterpart of secnet_rules.h for the WireGuard outputs: a site
 * owner can sign a wg= endpoint, a key or networks that the grammar
 * takes but that would break every node's interface (a low-order key,
 * a route over the node's loopback or link-local networks, a default
 * route).  Checked when a WireGuard output is configured, for sites that
 * announce WireGuard reachability (wg=); the rules and reasons are
 * listed in rr-format/SPEC.md ("Consumer rules for WireGuard").
 * Pure and thread-safe.
 */
#ifndef VPNRR_FETCH_WG_RULES_H
#define VPNRR_FETCH_WG_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rr.h"

#define FETCH_WG_KEYLEN 32

/*
 * The WireGuard public key of site record R: the first x25519 item of
 * keys= (keys are in preference order), or NULL when there is none.
 */
const struct rr_tkey *fetch_wg_key(const struct rr_record *r);

/*
 * Checks every value of site record R that a WireGuard peer would be
 * given.  true, or false with "site SITE: FIELD: reason" in ERR.  A
 * record without wg= is not a WireGuard peer and passes.
 */
bool fetch_wg_rules_check(const char *site, const struct rr_record *r,
			  char *err, size_t errlen);

#endif
