/*
 * sitesfile.c - the sites-file driver: a sites file for the unmodified make-secnet-sites, so
 * that the old tool chain keeps working from verified DNS data.
 *
 * What make-secnet-sites 0.1.18 (secnet 0.6.7) accepts, checked by
 * running it: names of at most 33 bytes; contact as a lower-case e-mail
 * word; dh and hash required at site level but inherited, so defaults go
 * at VPN level; `address HOST PORT' once per site, HOST matching
 * [-][_.:0-9a-zA-Z] (so "[2001:db8::1]" is fine); `peer' inside the site's
 * networks.  It also accepts IPv6 `networks', but passes
 * them to secnet's `routes', which secnet 0.6.7 rejects ("not a valid
 * subnet specification"), so IPv6 networks are left out here as for
 * secnet.  Key lines are the peer-keys lines (serial, pkg/pkgf, pub), for
 * --pubkeys-install.
 *
 * Only what the records carry is written.  Where make-secnet-sites needs
 * something the records do not carry, it goes where make-secnet-sites
 * inherits it from, and says so in the file's head:
 *   - a contact at VPN level (required there): the configured one, else
 *     the first site's own contact in name order; a site with no contact
 *     of its own inherits it.  With no contact anywhere the sites are left
 *     out (make-secnet-sites would refuse them).
 *   - a userv group on each new location (make-secnet-sites fails
 *     without one; only --userv mode reads it): the VPN's name, one group
 *     for all.  Locations get no contact: they inherit the VPN's.
 * Gateway networks (gw-nets=) have no keyword of their own: for
 * make-secnet-sites a site's `networks' are the routes secnet gives it,
 * and it checks them against restrict-nets only, never for overlap with
 * other sites.  So the IPv4 gateway networks routed to a site (gwnets.h,
 * as in the secnet output) go on its networks line after its own.
 * restrict-nets is not written: it only bounds what make-secnet-sites
 * accepts (and becomes a comment in its output); the fetcher has already
 * held each site to the networks its membership authorizes.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "gwnets.h"
#include "secnet_site.h"

#define MSS_MAX_NAME 33  /* make-secnet-sites max['name'] */
#define MSS_MAX_EMAIL 1023
#define MSS_DH_MAX_HEX ((8200 + 3) / 4)

static const char *const mss_hashes[] = { "md5", "sha1" };

/* make-secnet-sites' email(): no character outside this set. */
static bool email_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= MSS_MAX_EMAIL &&
	       strspn(s,
		      "-._0123456789abcdefghijklmnopqrstuvwxyz@!$%^&*=+~/") ==
		       n;
}

static bool hash_ok(const char *h)
{
	for (size_t i = 0; i < sizeof(mss_hashes) / sizeof(*mss_hashes); i++)
		if (strcmp(mss_hashes[i], h) == 0)
			return true;
	return false;
}

/* "MODHEX GENHEX", each at most make-secnet-sites' bignum_16 length. */
static bool dh_ok(const char *dh)
{
	static const char hex[] = "0123456789abcdefABCDEF";
	size_t m = strspn(dh, hex), g;

	if (m == 0 || m > MSS_DH_MAX_HEX || dh[m] != ' ')
		return false;
	g = strspn(dh + m + 1, hex);
	return g > 0 && g <= MSS_DH_MAX_HEX && dh[m + 1 + g] == '\0';
}

/* The site's own contact, or NULL: the record's, else the membership's. */
static const char *site_contact(const struct fetch_site *s)
{
	if (email_ok(s->site->contact))
		return s->site->contact;
	if (s->member && email_ok(s->member->contact))
		return s->member->contact;
	return NULL;
}

/* The VPN level's contact (see the head comment), or NULL. */
static const char *vpn_contact(const struct fetch_output_cfg *cfg,
			       const struct fetch_view *view)
{
	if (cfg->vpn_contact)
		return cfg->vpn_contact;
	for (size_t i = 0; i < view->nsites; i++) {
		const char *c = site_contact(&view->sites[i]);
		if (c)
			return c;
	}
	return NULL;
}

static int check_cfg(const struct fetch_output_cfg *cfg,
		     const struct fetch_view *view, char *err, size_t errlen)
{
	if (!cfg->sitesfile_path || cfg->sitesfile_path[0] != '/') {
		rr_say(err, errlen,
				    "sites file needs an absolute path");
		return -1;
	}
	if (strlen(view->vpn) > MSS_MAX_NAME) {
		rr_say(err, errlen,
				    "VPN name %s is longer than "
				    "make-secnet-sites allows (%d)",
				    view->vpn, MSS_MAX_NAME);
		return -1;
	}
	if (cfg->vpn_contact && !email_ok(cfg->vpn_contact)) {
		rr_say(err, errlen,
				    "VPN contact %s is not an address "
				    "make-secnet-sites accepts",
				    cfg->vpn_contact);
		return -1;
	}
	if ((cfg->default_dh && !dh_ok(cfg->default_dh)) ||
	    (cfg->default_hash && !hash_ok(cfg->default_hash))) {
		rr_say(err, errlen,
				    "default dh or hash not accepted by "
				    "make-secnet-sites");
		return -1;
	}
	return 0;
}

static void render_head(const struct fetch_output_cfg *cfg,
			const struct fetch_view *view, struct fetch_text *t)
{
	const char *contact = vpn_contact(cfg, view);

	fetch_text_addf(t,
			"# sites file for VPN %s, written by vpnrr-fetch from "
			"verified DNS records:\n"
			"# do not edit.  Turn it into secnet configuration "
			"with\n"
			"#   make-secnet-sites --pubkeys-install "
			"[--pubkeys-dir DIR] %s OUT\n"
			"# Records carry no VPN-level contact and no userv "
			"groups: the VPN's contact is\n"
			"# %s, and every location's group is "
			"the VPN's name.\n\n",
			view->vpn, cfg->sitesfile_path,
			cfg->vpn_contact ? "the configured one"
					 : "the first site's own contact");
	fetch_text_addf(t, "vpn %s\n", view->vpn);
	if (contact)
		fetch_text_addf(t, "contact %s\n", contact);
	if (cfg->default_dh)
		fetch_text_addf(t, "dh %s\n", cfg->default_dh);
	if (cfg->default_hash)
		fetch_text_addf(t, "hash %s\n", cfg->default_hash);
}

static size_t count_v4(const struct rr_record *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nnets; i++)
		n += r->nets[i].addr.family == 4;
	return n;
}

static bool ptp_in_v4_nets(const struct rr_record *r)
{
	if (!r->has_ptp || r->ptp.family != 4)
		return false;
	for (size_t i = 0; i < r->nnets; i++)
		if (r->nets[i].addr.family == 4 &&
		    rr_prefix_contains_addr(&r->nets[i], &r->ptp))
			return true;
	return false;
}

/* Everything make-secnet-sites would refuse, checked before writing a
 * line, because one refused site makes it reject the whole file. */
static bool site_ok(const struct fetch_output_cfg *cfg,
		    const struct fetch_site *s,
		    const struct fetch_site_names *nm, const char *contact,
		    struct fetch_plan *plan)
{
	const struct rr_record *r = s->site;
	const char *why = NULL;

	if (!fetch_secnet_site_usable(s, NULL))
		why = "secnet could not use it";
	else if (strlen(nm->location) > MSS_MAX_NAME ||
		 strlen(nm->site) > MSS_MAX_NAME)
		why = "name longer than make-secnet-sites allows";
	else if (count_v4(r) == 0 || !ptp_in_v4_nets(r))
		why = "no IPv4 point-to-point address inside its networks";
	else if (!(r->dh[0] && dh_ok(r->dh)) && !cfg->default_dh)
		why = "no dh (and no default dh)";
	else if (!(r->hash[0] && hash_ok(r->hash)) && !cfg->default_hash)
		why = "no hash (and no default hash)";
	else if (!contact)
		why = "no contact anywhere (make-secnet-sites needs one)";
	if (why)
		fetch_plan_notice(plan, "site %s: left out of the sites file: "
				  "%s", s->name, why);
	return why == NULL;
}

static void render_nets(const char *word, const struct rr_prefix *nets,
			size_t n, bool v4only, struct fetch_text *t)
{
	char p[RR_PREFIXSTRLEN];

	fetch_text_add(t, word);
	for (size_t i = 0; i < n; i++) {
		if (v4only && nets[i].addr.family != 4)
			continue;
		rr_prefix_format(&nets[i], p);
		fetch_text_addf(t, " %s", p);
	}
}

static bool sitesfile_direct(const struct fetch_site *s, const void *arg)
{
	(void)arg;
	return fetch_secnet_site_usable(s, NULL);
}

/* The gateway networks routed to site I, on its networks line: for
 * make-secnet-sites a site's networks are its routes, and it checks
 * them only against restrict-nets (not written), never for overlap.
 * IPv4 only, as for secnet; what is left out is noticed once, by the
 * secnet output when it is configured too. */
static void render_gw_nets(const struct fetch_output_cfg *cfg,
			   const struct fetch_view *view, size_t i,
			   struct fetch_text *t, struct fetch_plan *plan)
{
	const struct rr_record *r = view->sites[i].site;
	const char *name = view->sites[i].name;
	bool tell = cfg->secnet_dir == NULL;
	char p[RR_PREFIXSTRLEN], why[256];

	for (size_t j = 0; j < r->ngw_nets; j++) {
		rr_prefix_format(&r->gw_nets[j], p);
		if (r->gw_nets[j].addr.family != 4) {
			if (tell)
				fetch_plan_notice(plan, "site %s: IPv6 gateway "
						  "network %s left out of the "
						  "sites file", name, p);
		} else if (fetch_gw_net_routed(view, i, j, sitesfile_direct,
					       NULL, why, sizeof(why))) {
			fetch_text_addf(t, " %s", p);
		} else if (tell) {
			fetch_plan_notice(plan, "site %s: sites file: %s: "
					  "left out", name, why);
		}
	}
}

static void render_endpoint(const struct fetch_site *s, struct fetch_text *t,
			    struct fetch_plan *plan)
{
	const struct rr_record *r = s->site;
	char a[RR_ENDPOINTSTRLEN];

	if (r->mobile)
		fetch_text_add(t, "mobile True\n");
	if (r->neps == 0)
		return;
	if (r->eps[0].type == RR_EP_HOST) {
		fetch_text_addf(t, "address %s %u\n", r->eps[0].host,
				(unsigned)r->eps[0].port);
	} else {
		/* As the sites file had it: brackets only round IPv6. */
		rr_addr_format(&r->eps[0].addr, a);
		fetch_text_addf(t, r->eps[0].type == RR_EP_IPV6
				? "address [%s] %u\n" : "address %s %u\n", a,
				(unsigned)r->eps[0].port);
	}
	/* make-secnet-sites takes one address per site. */
	for (size_t i = 1; i < r->neps; i++) {
		rr_endpoint_format(&r->eps[i], a);
		fetch_plan_notice(plan, "site %s: endpoint %s left out of the "
				  "sites file (one address per site)",
				  s->name, a);
	}
}

static void render_props(const struct fetch_site *s, struct fetch_text *t,
			 struct fetch_plan *plan)
{
	const struct rr_record *r = s->site;

	if (r->dh[0] && dh_ok(r->dh))
		fetch_text_addf(t, "dh %s\n", r->dh);
	else if (r->dh[0])
		fetch_plan_notice(plan, "site %s: dh value left out of the "
				  "sites file", s->name);
	if (r->hash[0] && hash_ok(r->hash))
		fetch_text_addf(t, "hash %s\n", r->hash);
	else if (r->hash[0])
		fetch_plan_notice(plan, "site %s: hash %s left out of the "
				  "sites file", s->name, r->hash);
	for (size_t i = 0; i < RR_NTUNABLES; i++)
		if (rr_tunable_get(r, &rr_tunables[i]))
			fetch_text_addf(t, "%s %" PRIu32 "\n",
					rr_tunables[i].tag,
					rr_tunable_get(r, &rr_tunables[i]));
}

static void render_site(const struct fetch_output_cfg *cfg,
			const struct fetch_view *view, size_t i,
			const struct fetch_site_names *nm, struct fetch_text *t,
			struct fetch_plan *plan)
{
	const struct fetch_site *s = &view->sites[i];
	const struct rr_record *r = s->site;
	char p[RR_PREFIXSTRLEN];

	fetch_text_addf(t, "\nsite %s\n", nm->site);
	if (site_contact(s))
		fetch_text_addf(t, "contact %s\n", site_contact(s));
	render_nets("networks", r->nets, r->nnets, true, t);
	render_gw_nets(cfg, view, i, t, plan);
	fetch_text_add(t, "\n");
	for (size_t j = 0; j < r->nnets; j++) {
		if (r->nets[j].addr.family == 4)
			continue;
		rr_prefix_format(&r->nets[j], p);
		fetch_plan_notice(plan, "site %s: IPv6 network %s left out of "
				  "the sites file", s->name, p);
	}
	rr_addr_format(&r->ptp, p);
	fetch_text_addf(t, "peer %s\n", p);
	render_endpoint(s, t, plan);
	render_props(s, t, plan);
	(void)fetch_peerkeys_render(s, t, NULL); /* notices: peer-keys */
}

static void render_sites(const struct fetch_output_cfg *cfg,
			 const struct fetch_view *view, struct fetch_text *t,
			 struct fetch_plan *plan)
{
	char loc[RR_NAMELEN] = "";
	struct fetch_site_names nm;
	const char *contact = vpn_contact(cfg, view);

	for (size_t i = 0; i < view->nsites; i++) {
		const struct fetch_site *s = &view->sites[i];

		if (!fetch_site_split(s->name, &nm) ||
		    strcmp(nm.vpn, view->vpn) != 0) {
			fetch_plan_notice(plan, "site %s: left out of the "
					  "sites file: bad name", s->name);
			continue;
		}
		if (!site_ok(cfg, s, &nm, contact, plan))
			continue;
		/* Sites arrive sorted, so each location comes once. */
		if (strcmp(loc, nm.location) != 0) {
			fetch_text_addf(t, "\nlocation %s %s\n", nm.location,
					view->vpn);
			memcpy(loc, nm.location, sizeof(loc));
		}
		render_site(cfg, view, i, &nm, t, plan);
	}
}

static int sitesfile_plan(const struct fetch_output_cfg *cfg,
			  const struct fetch_view *view,
			  struct fetch_plan *plan, char *err, size_t errlen)
{
	char dir[4096];
	const char *slash;
	struct fetch_text t;

	if (check_cfg(cfg, view, err, errlen) < 0)
		return -1;
	slash = strrchr(cfg->sitesfile_path, '/');
	if ((size_t)(slash - cfg->sitesfile_path) >= sizeof(dir) ||
	    slash[1] == '\0') {
		rr_say(err, errlen, "sites file path %s unusable",
				    cfg->sitesfile_path);
		return -1;
	}
	/* Fits: the length was checked above. */
	(void)snprintf(dir, sizeof(dir), "%.*s",
		       (int)(slash == cfg->sitesfile_path
				     ? 1
				     : slash - cfg->sitesfile_path),
		       cfg->sitesfile_path);
	fetch_text_init(&t);
	render_head(cfg, view, &t);
	render_sites(cfg, view, &t, plan);
	fetch_text_add(&t, "\n# end of sites file\n");
	if (fetch_plan_add_file(plan, FETCH_FILE_STATE, dir, slash + 1, &t) <
		    0 ||
	    plan->oom) {
		rr_say(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static bool sitesfile_enabled(const struct fetch_output_cfg *cfg)
{
	return cfg->sitesfile_path != NULL;
}

const struct fetch_output_driver fetch_output_sitesfile = {
	.keyword = "sites-file",
	.config_path = offsetof(struct fetch_config, out_sites_file),
	.enabled = sitesfile_enabled,
	.plan = sitesfile_plan,
};
