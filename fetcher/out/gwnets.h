/*
 * gwnets.h - which gateway networks (gw-nets=) a consumer routes to the
 * site that announces them.  Private to fetcher/out/.
 *
 * A gateway network is authorized by the admin (member gw-nets=) and may
 * overlap the networks of other sites: that is the point of a gateway
 * into a foreign VPN system (e.g. WireGuard-only sites seen from secnet).
 * Each consumer therefore leaves out, for itself, a gateway network that
 * overlaps a network it reaches directly (a site it renders, this node's
 * own included: the direct route wins) or another site's gateway network
 * (both are left out: which gateway is meant is for the admin to say).
 */
#ifndef VPNRR_FETCH_OUT_GWNETS_H
#define VPNRR_FETCH_OUT_GWNETS_H

#include <stdbool.h>
#include <stddef.h>

#include "output.h"

/* Whether the consumer reaches site S directly (renders it as a peer, or
 * it is this node). */
typedef bool (*fetch_gw_direct_fn)(const struct fetch_site *s,
				   const void *arg);

/* True when gateway network J of site VIEW->sites[I] is routed to it by
 * this consumer; false with WHY ("overlaps ... of site X") otherwise. */
bool fetch_gw_net_routed(const struct fetch_view *view, size_t i, size_t j,
			 fetch_gw_direct_fn direct, const void *arg,
			 char *why, size_t whylen);

#endif
