/*
 * secnet.c - the secnet driver: secnet configuration in make-secnet-sites' structure.
 *
 * DIR/sites.conf holds the PREFIXvpn-data tree, the PREFIXvpn lists and
 * PREFIXall-sites exactly as make-secnet-sites writes them, except that
 * each site dictionary is pulled in with `include DIR/site.MANGLED.conf'.
 * secnet's include is lexical (conffile.fl switches input buffers), so it
 * works inside a dictionary; the main file then only changes when a site
 * appears or disappears, and a change to one site rewrites one file.
 * Two additions make secnet load it fast: a PREFIXvpnrr-site-names
 * dictionary first (render_names), and dh and hash once at the VPN level
 * when configured (render_dh_hash).
 *
 * secnet 0.6 carries IPv4 only: IPv6 networks are left out (with a
 * notice), a site with no IPv4 network is left out entirely.  IPv4 and
 * IPv6 endpoint literals are written in brackets, "[192.0.2.1]" and
 * "[2001:db8::1]": secnet's resolver takes a bracketed literal without a
 * DNS lookup (resolver.c), anything else is looked up as a host name.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "gwnets.h"
#include "secnet_site.h"

/* make-secnet-sites' limit on DH modulus bits, in hex digits. */
#define DH_MAX_HEX ((8200 + 3) / 4)

/* Hash closures that secnet 0.6.7 defines (checked with secnet -j). */
static const char *const secnet_hashes[] = { "md5", "sha1" };

/* ---- values -------------------------------------------------------------- */

/* Record dh text is make-secnet-sites' "MODHEX GENHEX". */
static bool dh_split(const char *dh, size_t *modlen, const char **gen)
{
	const char *sp = strchr(dh, ' ');
	size_t gl;

	if (!sp)
		return false;
	*modlen = (size_t)(sp - dh);
	*gen = sp + 1;
	gl = strlen(*gen);
	if (*modlen == 0 || *modlen > DH_MAX_HEX || gl == 0 || gl > DH_MAX_HEX)
		return false;
	return strspn(dh, "0123456789abcdefABCDEF") == *modlen &&
	       strspn(*gen, "0123456789abcdefABCDEF") == gl;
}

static bool hash_known(const char *h)
{
	for (size_t i = 0; i < sizeof(secnet_hashes) / sizeof(*secnet_hashes);
	     i++)
		if (strcmp(secnet_hashes[i], h) == 0)
			return true;
	return false;
}

/* ---- configuration checks ------------------------------------------------ */

static const char *main_name(const struct fetch_output_cfg *cfg)
{
	return cfg->secnet_main ? cfg->secnet_main : FETCH_SECNET_MAIN;
}

static const char *key_prefix(const struct fetch_output_cfg *cfg)
{
	return cfg->secnet_prefix ? cfg->secnet_prefix : "";
}

/* The prefix starts secnet keys ("PREFIXvpn-data"), so it must be one. */
static bool prefix_ok(const char *p)
{
	return p[0] == '\0' || rr_name_valid(p, strlen(p)) ||
	       (p[0] == '_' && (p[1] == '\0' || rr_name_valid(p + 1, strlen(p + 1))));
}

static int check_cfg(const struct fetch_output_cfg *cfg,
		     const struct fetch_view *view, char *err, size_t errlen)
{
	const char *m = main_name(cfg);
	const char *pk =
		cfg->pubkeys_dir ? cfg->pubkeys_dir : FETCH_PUBKEYS_DIR;
	const char *gen;
	size_t modlen;

	if (!fetch_output_dir_ok(cfg->secnet_dir) || !fetch_output_dir_ok(pk)) {
		rr_say(err, errlen,
				    "secnet and peer-keys directories need "
				    "absolute paths without blanks or quotes");
		return -1;
	}
	/* The main file must not look like a site file, which the applier
	 * would remove. */
	if (m[0] == '\0' || m[0] == '.' || strchr(m, '/') ||
	    strncmp(m, "site.", 5) == 0 || strpbrk(m, " \t\n\"\\")) {
		rr_say(err, errlen,
				    "secnet main file name %s unusable", m);
		return -1;
	}
	if (!prefix_ok(key_prefix(cfg))) {
		rr_say(err, errlen,
				    "secnet key prefix %s is not a name",
				    key_prefix(cfg));
		return -1;
	}
	if (!rr_name_valid(view->vpn, strlen(view->vpn))) {
		rr_say(err, errlen, "VPN name %s is not a name",
				    view->vpn);
		return -1;
	}
	if (cfg->secnet_dh && !dh_split(cfg->secnet_dh, &modlen, &gen)) {
		rr_say(err, errlen, "secnet dh %.40s... is not two hex "
		       "numbers of at most 8200 bits", cfg->secnet_dh);
		return -1;
	}
	if (cfg->secnet_hash && !hash_known(cfg->secnet_hash)) {
		rr_say(err, errlen, "secnet hash %s unknown to secnet",
		       cfg->secnet_hash);
		return -1;
	}
	return 0;
}

/* ---- one site ------------------------------------------------------------ */

static void site_file_name(const struct fetch_site *s,
			   char out[RR_FULLNAMELEN + 16])
{
	/* Both parts are bounded: the result always fits. */
	(void)fetch_secnet_site_file(out, RR_FULLNAMELEN + 16, s->name);
}

/* "[192.0.2.1]", "[2001:db8::1]" or "host.example"; LEN is at least
 * RR_ENDPOINTSTRLEN, which holds either. */
static void endpoint_addr(const struct rr_endpoint *e, char *out, size_t len)
{
	char a[RR_ADDRSTRLEN];

	if (e->type == RR_EP_HOST) {
		(void)snprintf(out, len, "%s", e->host);
		return;
	}
	rr_addr_format(&e->addr, a);
	(void)snprintf(out, len, "[%s]", a);
}

/* secnet has one port per site and a list of addresses: endpoints on
 * another port than the first one cannot be expressed. */
static void render_address(const struct fetch_site *s, struct fetch_text *t,
			   struct fetch_plan *plan)
{
	const struct rr_record *r = s->site;
	char a[RR_ENDPOINTSTRLEN];
	bool first = true;

	/* A mobile site's endpoints are its last known addresses: secnet
	 * tries them as make-secnet-sites' output has it try them. */
	if (r->neps == 0)
		return;
	fetch_text_add(t, "        address ");
	for (size_t i = 0; i < r->neps; i++) {
		if (r->eps[i].port != r->eps[0].port) {
			rr_endpoint_format(&r->eps[i], a);
			fetch_plan_notice(plan, "site %s: endpoint %s not "
					  "given to secnet (one port per "
					  "site: %u)", s->name, a,
					  (unsigned)r->eps[0].port);
			continue;
		}
		endpoint_addr(&r->eps[i], a, sizeof(a));
		fetch_text_addf(t, "%s\"%s\"", first ? "" : ",", a);
		first = false;
	}
	fetch_text_addf(t, "; port %u;\n", (unsigned)r->eps[0].port);
}

/* INDENT dh diffie-hellman("MOD","GEN"); or false when DH is unusable. */
static bool dh_line(struct fetch_text *t, const char *indent, const char *dh)
{
	const char *gen;
	size_t modlen;

	if (!dh_split(dh, &modlen, &gen))
		return false;
	fetch_text_addf(t, "%sdh diffie-hellman(\"%.*s\",\"%s\");\n", indent,
			(int)modlen, dh, gen);
	return true;
}

/*
 * Each `dh diffie-hellman(...)' is a closure that secnet builds (and
 * whose modulus it tests for primality) while reading: written per site,
 * 10,000 sites cost 10,000 tests.  A site finds dh and hash in the
 * enclosing dictionaries (secnet's lookup climbs lexical parents), so a
 * site whose record agrees with the VPN-level value configured (or
 * carries none) writes nothing and shares the one closure; only a site
 * that differs writes its own.  The shared value comes from the
 * configuration, never from the sites, so one site changing its dh
 * rewrites only its own file.
 */
static void render_dh_hash(const struct fetch_output_cfg *cfg,
			   const struct fetch_site *s, struct fetch_text *t,
			   struct fetch_plan *plan)
{
	const struct rr_record *r = s->site;

	if (r->dh[0] &&
	    !(cfg->secnet_dh && strcasecmp(r->dh, cfg->secnet_dh) == 0) &&
	    !dh_line(t, "        ", r->dh))
		fetch_plan_notice(plan, "site %s: dh value unusable, not "
				  "given to secnet", s->name);
	if (!r->hash[0] || (cfg->secnet_hash &&
			    strcmp(r->hash, cfg->secnet_hash) == 0))
		return;
	if (hash_known(r->hash))
		fetch_text_addf(t, "        hash %s;\n", r->hash);
	else
		fetch_plan_notice(plan, "site %s: hash %s unknown to secnet, "
				  "not given", s->name, r->hash);
}

/* The tunables R sets whose keywords sort on the side of "mobile" that
 * BEFORE says, in sorted order (make-secnet-sites sorts properties). */
static void render_tunables(struct fetch_text *t, const struct rr_record *r,
			    bool before)
{
	const char *done = "";

	/* Five rows: pick the next keyword up each time. */
	for (size_t n = 0; n < RR_NTUNABLES; n++) {
		const struct rr_tunable *next = NULL;
		for (size_t i = 0; i < RR_NTUNABLES; i++) {
			const struct rr_tunable *c = &rr_tunables[i];
			if (strcmp(c->tag, done) > 0 &&
			    (strcmp(c->tag, "mobile") < 0) == before &&
			    (!next || strcmp(c->tag, next->tag) < 0))
				next = c;
		}
		if (!next)
			break;
		if (rr_tunable_get(r, next))
			fetch_text_addf(t, "        %s %" PRIu32 ";\n",
					next->tag, rr_tunable_get(r, next));
		done = next->tag;
	}
}

static bool secnet_direct(const struct fetch_site *s, const void *arg)
{
	(void)arg;
	return fetch_secnet_site_usable(s, NULL);
}

/* The site's gateway networks (gw-nets=) that secnet routes to it:
 * IPv4 ones that no site secnet reaches directly claims (gwnets.h). */
static void render_gw_routes(const struct fetch_view *view,
			     const struct fetch_site *s, struct fetch_text *t,
			     struct fetch_plan *plan, bool *first)
{
	const struct rr_record *r = s->site;
	size_t i = (size_t)(s - view->sites);
	char p[RR_PREFIXSTRLEN], why[256];

	for (size_t j = 0; j < r->ngw_nets; j++) {
		rr_prefix_format(&r->gw_nets[j], p);
		if (r->gw_nets[j].addr.family != 4) {
			fetch_plan_notice(plan, "site %s: IPv6 gateway network "
					  "%s not given to secnet", s->name,
					  p);
			continue;
		}
		if (!fetch_gw_net_routed(view, i, j, secnet_direct, NULL, why,
					 sizeof(why))) {
			fetch_plan_notice(plan, "site %s: secnet: %s: left "
					  "out", s->name, why);
			continue;
		}
		fetch_text_addf(t, "%s\"%s\"", *first ? "" : ",", p);
		*first = false;
	}
}

static void render_netlink(const struct fetch_view *view,
			   const struct fetch_site *s, struct fetch_text *t,
			   struct fetch_plan *plan)
{
	const struct rr_record *r = s->site;
	char p[RR_PREFIXSTRLEN];
	bool first = true;

	fetch_text_add(t, "        link netlink {\n          routes ");
	for (size_t i = 0; i < r->nnets; i++) {
		rr_prefix_format(&r->nets[i], p);
		if (r->nets[i].addr.family != 4) {
			fetch_plan_notice(plan, "site %s: IPv6 network %s not "
					  "given to secnet", s->name, p);
			continue;
		}
		fetch_text_addf(t, "%s\"%s\"", first ? "" : ",", p);
		first = false;
	}
	render_gw_routes(view, s, t, plan, &first);
	fetch_text_add(t, ";\n");
	if (r->has_ptp && r->ptp.family == 4) {
		rr_addr_format(&r->ptp, p);
		fetch_text_addf(t, "          ptp-address \"%s\";\n", p);
	} else if (r->has_ptp) {
		rr_addr_format(&r->ptp, p);
		fetch_plan_notice(plan, "site %s: IPv6 point-to-point address "
				  "%s not given to secnet", s->name, p);
	}
	fetch_text_add(t, "        };\n");
}

/* Properties in make-secnet-sites' (sorted) order. */
static void render_site(const struct fetch_output_cfg *cfg,
			const struct fetch_view *view,
			const struct fetch_site *s,
			const struct fetch_site_names *nm, struct fetch_text *t,
			struct fetch_plan *plan)
{
	const struct rr_record *r = s->site;
	char pk[4096] = "";

	fetch_text_addf(t, "# %s, written by vpnrr-fetch from verified "
			"records: do not edit.\n", s->name);
	fetch_text_addf(t, "      S%s {\n        name \"%s\";\n", nm->site,
			s->name);
	if (fetch_peerkeys_path(pk, sizeof(pk), cfg->pubkeys_dir ?
				cfg->pubkeys_dir : FETCH_PUBKEYS_DIR,
				s->name) < 0)
		t->failed = true; /* the configuration checked the length */
	fetch_text_addf(t, "        peer-keys \"%s\";\n", pk);
	render_address(s, t, plan);
	render_dh_hash(cfg, s, t, plan);
	render_tunables(t, r, true);
	if (r->mobile)
		fetch_text_add(t, "        mobile True;\n");
	render_tunables(t, r, false);
	render_netlink(view, s, t, plan);
	fetch_text_add(t, "      };\n");
}

/* ---- the main file ------------------------------------------------------- */

/* Sites that secnet gets, in view (name) order; grouped by location
 * because names sort by "vpn/location/" first. */
struct selected {
	const struct fetch_site *site;
	struct fetch_site_names nm;
};

/*
 * secnet interns every name it reads or looks up by walking one list of
 * all names, newest first (conffile.c), so each of a site's dozen keys
 * costs a walk over every site name read so far.  Read from 10,000 site
 * files, those names lie scattered in memory between the include
 * buffers, and the walks are cache misses: `secnet -j' took 2.5 times
 * as long as on make-secnet-sites' single file.  Naming every site
 * first, in one dictionary secnet never reads, makes the names one
 * compact run and the keys that follow cheap to find: the same
 * configuration loads faster than make-secnet-sites' own.
 */
static void render_names(const struct fetch_output_cfg *cfg,
			 const struct selected *sel, size_t n,
			 struct fetch_text *t)
{
	fetch_text_addf(t, "%svpnrr-site-names {\n", key_prefix(cfg));
	for (size_t i = 0; i < n; i++) {
		bool first = i == 0 || strcmp(sel[i - 1].nm.location,
					      sel[i].nm.location) != 0;
		bool last = i + 1 == n || strcmp(sel[i + 1].nm.location,
						 sel[i].nm.location) != 0;

		if (first)
			fetch_text_addf(t, "  L%s {\n", sel[i].nm.location);
		fetch_text_addf(t, "    S%s 0;\n", sel[i].nm.site);
		if (last)
			fetch_text_add(t, "  };\n");
	}
	fetch_text_add(t, "};\n");
}

static void render_data(const struct fetch_output_cfg *cfg, const char *vpn,
			const struct selected *sel, size_t n,
			struct fetch_text *t)
{
	char fname[RR_FULLNAMELEN + 16];

	fetch_text_addf(t, "%svpn-data {\n  V%s {\n", key_prefix(cfg), vpn);
	/* check_cfg() took the dh. */
	if (cfg->secnet_dh)
		(void)dh_line(t, "    ", cfg->secnet_dh);
	if (cfg->secnet_hash)
		fetch_text_addf(t, "    hash %s;\n", cfg->secnet_hash);
	for (size_t i = 0; i < n; i++) {
		bool first = i == 0 || strcmp(sel[i - 1].nm.location,
					      sel[i].nm.location) != 0;
		bool last = i + 1 == n || strcmp(sel[i + 1].nm.location,
						 sel[i].nm.location) != 0;

		if (first)
			fetch_text_addf(t, "    L%s {\n", sel[i].nm.location);
		site_file_name(sel[i].site, fname);
		fetch_text_addf(t, "include %s/%s\n", cfg->secnet_dir, fname);
		if (last)
			fetch_text_add(t, "    };\n");
	}
	fetch_text_add(t, "  };\n};\n");
}

static void render_lists(const struct fetch_output_cfg *cfg, const char *vpn,
			 const struct selected *sel, size_t n,
			 struct fetch_text *t)
{
	const char *p = key_prefix(cfg);
	struct fetch_text all;

	fetch_text_init(&all);
	fetch_text_addf(t, "%svpn {\n  V%s {\n", p, vpn);
	for (size_t i = 0; i < n; i++) {
		bool first = i == 0 || strcmp(sel[i - 1].nm.location,
					      sel[i].nm.location) != 0;

		if (first) {
			fetch_text_addf(t, "%s    L%s ", i ? ";\n" : "",
					sel[i].nm.location);
			fetch_text_addf(&all, "%sL%s", i ? "," : "",
					sel[i].nm.location);
		} else {
			fetch_text_add(t, ",");
		}
		fetch_text_addf(t, "%svpn-data/V%s/L%s/S%s", p, vpn,
				sel[i].nm.location, sel[i].nm.site);
	}
	fetch_text_addf(t, ";\n\n    all-sites %s;\n  };\n};\n",
			all.buf ? all.buf : "");
	fetch_text_addf(t, "%sall-sites %svpn/V%s/all-sites;\n", p, p, vpn);
	if (all.failed)
		t->failed = true;
	fetch_text_free(&all);
}

static int plan_main(const struct fetch_output_cfg *cfg,
		     const struct fetch_view *view, const struct selected *sel,
		     size_t n, struct fetch_plan *plan, char *err,
		     size_t errlen)
{
	struct fetch_text t;

	fetch_text_init(&t);
	fetch_text_addf(&t, "# secnet sites for VPN %s, written by vpnrr-fetch "
			"from verified DNS\n# records: do not edit.  Each "
			"site is in its own file in\n# %s.\n",
			view->vpn, cfg->secnet_dir);
	render_names(cfg, sel, n, &t);
	render_data(cfg, view->vpn, sel, n, &t);
	render_lists(cfg, view->vpn, sel, n, &t);
	if (fetch_plan_add_file(plan, FETCH_FILE_CONFIG, cfg->secnet_dir,
				main_name(cfg), &t) < 0) {
		rr_say(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int plan_sites(const struct fetch_output_cfg *cfg,
		      const struct fetch_view *view,
		      const struct selected *sel, size_t n,
		      struct fetch_plan *plan, char *err, size_t errlen)
{
	char fname[RR_FULLNAMELEN + 16];

	for (size_t i = 0; i < n; i++) {
		struct fetch_text t;

		fetch_text_init(&t);
		render_site(cfg, view, sel[i].site, &sel[i].nm, &t, plan);
		site_file_name(sel[i].site, fname);
		if (fetch_plan_add_file(plan, FETCH_FILE_CONFIG,
					cfg->secnet_dir, fname, &t) < 0) {
			rr_say(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

static size_t select_sites(const struct fetch_view *view,
			   struct selected *sel, struct fetch_plan *plan)
{
	size_t n = 0;

	for (size_t i = 0; i < view->nsites; i++) {
		const struct fetch_site *s = &view->sites[i];

		if (!fetch_secnet_site_usable(s, plan) ||
		    !fetch_site_split(s->name, &sel[n].nm))
			continue;
		if (strcmp(sel[n].nm.vpn, view->vpn) != 0) {
			fetch_plan_notice(plan, "site %s: not in VPN %s, "
					  "skipped", s->name, view->vpn);
			continue;
		}
		sel[n++].site = s;
	}
	return n;
}

static int secnet_plan(const struct fetch_output_cfg *cfg,
		       const struct fetch_view *view, struct fetch_plan *plan,
		       char *err, size_t errlen)
{
	struct selected *sel = NULL;
	char prefix[RR_NAMELEN + 8];
	size_t n;
	int rc = -1;

	if (check_cfg(cfg, view, err, errlen) < 0)
		goto out;
	sel = calloc(view->nsites + 1, sizeof(*sel));
	if (!sel) {
		rr_say(err, errlen, "out of memory");
		goto out;
	}
	n = select_sites(view, sel, plan);
	/* secnet cannot load an empty site list: `all-sites' needs at
	 * least one item (an empty list is a syntax error, and a key bound
	 * to nothing, such as map(site), is "can't find key" where the
	 * node's `sites map(site,all-sites)' names it).  So secnet's files
	 * stay as they were and the other outputs go on; the refresh fails
	 * loudly until a site can be given again. */
	if (n == 0) {
		rr_say(err, errlen, "no site of VPN %s can be given to "
		       "secnet (secnet cannot load an empty site list): "
		       "its configuration and peer-keys files are left as "
		       "they were, with the sites it had", view->vpn);
		rc = FETCH_OUTPUT_KEPT;
		goto out;
	}
	/* Fits: check_cfg() bounded the VPN name. */
	(void)snprintf(prefix, sizeof(prefix), "site.%s,", view->vpn);
	if (fetch_plan_own(plan, FETCH_FILE_CONFIG, cfg->secnet_dir, prefix,
			   ".conf") < 0) {
		rr_say(err, errlen, "out of memory");
		goto out;
	}
	/* Site files first: the main file never names a file not yet
	 * written. */
	if (plan_sites(cfg, view, sel, n, plan, err, errlen) < 0 ||
	    plan_main(cfg, view, sel, n, plan, err, errlen) < 0)
		goto out;
	if (plan->oom) {
		rr_say(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(sel);
	return rc;
}

static bool secnet_enabled(const struct fetch_output_cfg *cfg)
{
	return cfg->secnet_dir != NULL;
}

const struct fetch_output_driver fetch_output_secnet = {
	.keyword = "secnet",
	.config_path = offsetof(struct fetch_config, out_secnet),
	.enabled = secnet_enabled,
	.plan = secnet_plan,
};
