/*
 * gwnets.c - gateway networks a consumer routes (gwnets.h).
 *
 * Quadratic in the sites with gateway networks times all networks: a
 * VPN has few gateways, and only they pay.
 */
#include <stdio.h>

#include "gwnets.h"

static bool overlaps_any(const struct rr_prefix *p, const struct rr_prefix *v,
			 size_t n, const struct rr_prefix **hit)
{
	for (size_t k = 0; k < n; k++)
		if (rr_prefix_overlap(p, &v[k])) {
			*hit = &v[k];
			return true;
		}
	return false;
}

bool fetch_gw_net_routed(const struct fetch_view *view, size_t i, size_t j,
			 fetch_gw_direct_fn direct, const void *arg,
			 char *why, size_t whylen)
{
	const struct rr_prefix *p = &view->sites[i].site->gw_nets[j], *hit;
	char a[RR_PREFIXSTRLEN], b[RR_PREFIXSTRLEN];

	for (size_t k = 0; k < view->nsites; k++) {
		const struct fetch_site *o = &view->sites[k];
		const char *what = NULL;

		if (k == i || !o->site)
			continue;
		if (direct(o, arg) &&
		    overlaps_any(p, o->site->nets, o->site->nnets, &hit))
			what = "network";
		else if (overlaps_any(p, o->site->gw_nets, o->site->ngw_nets,
				      &hit))
			what = "gateway network";
		if (!what)
			continue;
		rr_prefix_format(p, a);
		rr_prefix_format(hit, b);
		(void)snprintf(why, whylen, "gateway network %s overlaps %s "
			       "%s of site %s", a, what, b, o->name);
		return false;
	}
	return true;
}
