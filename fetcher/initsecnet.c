/*
 * initsecnet.c - vpnrr-fetch --init-secnet: renders the node's secnet.conf
 * (system, log, tun netlink, udp comm, the local site and its private
 * keys, dh and hash where the sites need them, the include of the
 * fetcher's sites.conf and the site list) and writes it atomically.
 *
 * secnet strings have no escapes and `include' takes the path up to the
 * next blank, so every value written is checked for what secnet's
 * lexer would misread.  secnet builds each site while it reads, so dh
 * and hash come before the include.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "initsecnet.h"
#include "output.h"
#include "secnet_site.h"

#define DEFAULT_MTU 1400
#define MAX_LIST 64

/* Absolute, and nothing secnet's strings or include cannot carry. */
static bool path_ok(const char *p)
{
	return p[0] == '/' && strpbrk(p, " \t\n\r\"\\;") == NULL;
}

static bool word_ok(const char *w, size_t max)
{
	size_t l = strlen(w);

	return l > 0 && l <= max &&
	       strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789_.-") == l;
}

static int ipv4_addr(const char *what, const char *s, struct rr_addr *a,
		     char *err, size_t errlen)
{
	struct rr_error e;

	if (rr_addr_parse(s, a, &e) != RR_OK)
		return rr_fail(err, errlen, "%s %s: %s", what, s, e.msg);
	if (a->family != 4)
		return rr_fail(err, errlen, "%s %s: secnet's tunnel carries "
			       "IPv4 only", what, s);
	return 0;
}

/* "P,P,..." of IPv4 prefixes into the text as "\"P\",\"P\"". */
static int prefix_list(const char *what, const char *list,
		       struct fetch_text *t, char *err, size_t errlen)
{
	char *copy = strdup(list), *save = NULL, *p;
	char canon[RR_PREFIXSTRLEN];
	struct rr_prefix pf;
	struct rr_error e;
	size_t n = 0;
	int rc = -1;

	if (!copy) {
		rr_say(err, errlen, "out of memory");
		goto out;
	}
	for (p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (rr_prefix_parse(p, &pf, &e) != RR_OK) {
			rr_say(err, errlen, "%s %s: %s", what, p, e.msg);
			goto out;
		}
		if (pf.addr.family != 4) {
			rr_say(err, errlen, "%s %s: secnet's tunnel carries "
			       "IPv4 only", what, p);
			goto out;
		}
		rr_prefix_format(&pf, canon);
		fetch_text_addf(t, "%s\"%s\"", n++ ? "," : "", canon);
	}
	if (n == 0 || n > MAX_LIST) {
		rr_say(err, errlen, "%s %s: want 1 to %d prefixes, separated "
		       "by commas", what, list, MAX_LIST);
		goto out;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

/* The local site's full name "VPN/LOC/SITE" from --site or local-site. */
static int local_name(const struct fetch_init_secnet *o,
		      const struct fetch_config *cfg,
		      char out[RR_FULLNAMELEN], char *err, size_t errlen)
{
	struct fetch_site_names nm;
	const char *s = o->site;
	char full[RR_FULLNAMELEN];

	if (!s && !cfg->has_local_site)
		return rr_fail(err, errlen, "--site: missing: name this node's "
			       "site (LOCATION/SITE), or set local-site in the "
			       "configuration");
	if (!s)
		s = cfg->local_site;
	/* LOC/SITE has one slash, VPN/LOC/SITE two. */
	if (strchr(s, '/') == strrchr(s, '/')) {
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", cfg->vpn, s) >=
		    sizeof(full))
			return rr_fail(err, errlen, "--site %s: too long", s);
	} else if ((size_t)snprintf(full, sizeof(full), "%s", s) >=
		   sizeof(full)) {
		return rr_fail(err, errlen, "--site %s: too long", s);
	}
	if (!fetch_site_split(full, &nm))
		return rr_fail(err, errlen, "--site %s: not LOCATION/SITE (or "
			       "VPN/LOCATION/SITE) of names", s);
	if (strcmp(nm.vpn, cfg->vpn) != 0)
		return rr_fail(err, errlen, "--site %s: not in VPN %s, which "
			       "the configuration names", s, cfg->vpn);
	if (cfg->has_local_site &&
	    strcmp(full + strlen(cfg->vpn) + 1, cfg->local_site) != 0)
		return rr_fail(err, errlen, "--site %s: the configuration's "
			       "local-site is %s", s, cfg->local_site);
	memcpy(out, full, strlen(full) + 1);
	return 0;
}

static const struct fetch_site *find_site(const struct fetch_view *view,
					  const char *name)
{
	for (size_t i = 0; view && i < view->nsites; i++)
		if (strcmp(view->sites[i].name, name) == 0)
			return &view->sites[i];
	return NULL;
}

static void section_system(const struct fetch_init_secnet *o,
			   struct fetch_text *t)
{
	fetch_text_add(t, "system {\n");
	if (o->userid)
		fetch_text_addf(t, "\tuserid \"%s\";\n", o->userid);
	fetch_text_addf(t, "\tpidfile \"%s\";\n};\n",
			o->pidfile ? o->pidfile : FETCH_INIT_PIDFILE);
	if (o->log_file)
		fetch_text_addf(t, "log logfile {\n\tfilename \"%s\";\n",
				o->log_file);
	else
		fetch_text_add(t, "log syslog {\n\tident \"secnet\";\n"
			       "\tfacility \"daemon\";\n");
	fetch_text_add(t, "\tclass \"info\",\"notice\",\"warning\",\"error\","
		       "\"security\",\"fatal\";\n};\n");
}

/* The tun netlink: whose networks come from the record unless given. */
static int section_netlink(const struct fetch_init_secnet *o,
			   const struct fetch_config *cfg,
			   const struct rr_record *r, struct fetch_text *t,
			   char *err, size_t errlen)
{
	char a[RR_PREFIXSTRLEN];
	struct rr_addr addr;
	size_t n = 0;

	if (!o->local_address)
		return rr_fail(err, errlen, "--local-address: missing: the "
			       "IPv4 address of this host's tunnel interface");
	if (ipv4_addr("--local-address", o->local_address, &addr, err,
		      errlen) < 0)
		return -1;
	rr_addr_format(&addr, a);
	fetch_text_addf(t, "netlink tun {\n\tname \"netlink-tun\";\n");
	if (o->interface)
		fetch_text_addf(t, "\tinterface \"%s\";\n", o->interface);
	fetch_text_addf(t, "\tlocal-address \"%s\";\n", a);
	if (o->secnet_address) {
		if (ipv4_addr("--secnet-address", o->secnet_address, &addr,
			      err, errlen) < 0)
			return -1;
	} else if (r && r->has_ptp && r->ptp.family == 4) {
		addr = r->ptp;
	} else {
		return rr_fail(err, errlen, "--secnet-address: missing, and "
			       "the site's verified record has no IPv4 peer "
			       "address to take it from");
	}
	rr_addr_format(&addr, a);
	fetch_text_addf(t, "\tsecnet-address \"%s\";\n", a);
	if (o->networks) {
		fetch_text_add(t, "\tnetworks ");
		if (prefix_list("--networks", o->networks, t, err, errlen) < 0)
			return -1;
		fetch_text_add(t, ";\n");
	} else if (r) {
		for (size_t i = 0; i < r->nnets; i++) {
			if (r->nets[i].addr.family != 4)
				continue;
			rr_prefix_format(&r->nets[i], a);
			fetch_text_addf(t, "%s\"%s\"",
					n++ ? "," : "\tnetworks ", a);
		}
		if (n)
			fetch_text_add(t, ";\n");
	}
	fetch_text_add(t, "\tremote-networks ");
	if (o->remote_networks) {
		if (prefix_list("--remote-networks", o->remote_networks, t,
				err, errlen) < 0)
			return -1;
	} else {
		n = 0;
		for (size_t i = 0; i < cfg->nrestrict; i++) {
			if (cfg->restrict_nets[i].addr.family != 4)
				continue;
			rr_prefix_format(&cfg->restrict_nets[i], a);
			fetch_text_addf(t, "%s\"%s\"", n++ ? "," : "", a);
		}
		if (n == 0)
			return rr_fail(err, errlen, "--remote-networks: missing, "
				       "and the configuration has no IPv4 "
				       "restrict-nets to take it from");
	}
	fetch_text_addf(t, ";\n\tmtu %u;\n\tbuffer sysbuffer(2048);\n};\n",
			o->mtu ? o->mtu : DEFAULT_MTU);
	return 0;
}

static int section_comm(const struct fetch_init_secnet *o,
			const struct rr_record *r, struct fetch_text *t,
			char *err, size_t errlen)
{
	unsigned port = o->port;

	if (!port && r && !r->mobile && r->neps > 0)
		port = r->eps[0].port;
	if (!port && !(r && r->mobile))
		return rr_fail(err, errlen, "--port: missing, and no verified "
			       "record of the site gives its endpoint's port");
	fetch_text_add(t, "comm udp {\n");
	/* A mobile site needs no stable port: its peers answer it. */
	if (port)
		fetch_text_addf(t, "\tport %u;\n", port);
	fetch_text_add(t, "\tbuffer sysbuffer(4096);\n};\n");
	return 0;
}

/* The site's private keys: a priv-cache for a file named by key id (so
 * that a rolled-over group's key is found beside it), else the one file. */
static void section_keys(const struct fetch_init_secnet *o,
			 const struct rr_record *r, struct fetch_text *t,
			 FILE *notes)
{
	const char *k = o->private_key ? o->private_key : FETCH_INIT_PRIVKEYS;
	size_t l = strlen(k), plen;
	char path[4200];

	/* PREFIX, or PREFIX + 10 hex digits (group and algorithm id). */
	if (k[l - 1] == '.')
		plen = l;
	else if (l > 11 && k[l - 11] == '.' &&
		 strspn(k + l - 10, "0123456789abcdef") == 10)
		plen = l - 10;
	else {
		fetch_text_addf(t, "local-key rsa-private(\"%s\");\n", k);
		if (access(k, F_OK) != 0)
			fprintf(notes, "vpnrr-fetch: warning: private key %s: "
				"%s\n", k, strerror(errno));
		return;
	}
	fetch_text_addf(t, "key-cache priv-cache({ privkeys \"%.*s\"; });\n",
			(int)plen, k);
	for (size_t i = 0; r && i < r->ntkeys; i++) {
		if (strcmp(r->tkeys[i].alg, "rsa1") != 0)
			continue;
		(void)snprintf(path, sizeof(path), "%.*s%08" PRIx32 "00",
			       (int)plen, k, r->tkeys[i].group);
		if (access(path, F_OK) != 0)
			fprintf(notes, "vpnrr-fetch: warning: %s: %s: secnet "
				"cannot answer a peer that uses the published "
				"key group %08" PRIx32 "\n", path,
				strerror(errno), r->tkeys[i].group);
	}
}

/* "MOD GEN" hex into secnet's dh closure; false when it is not that. */
static bool dh_line(struct fetch_text *t, const char *dh)
{
	const char *sp = strchr(dh, ' ');
	size_t ml = sp ? (size_t)(sp - dh) : 0;
	const char *hex = "0123456789abcdefABCDEF";

	if (!sp || ml == 0 || strspn(dh, hex) != ml || !sp[1] ||
	    strspn(sp + 1, hex) != strlen(sp + 1))
		return false;
	fetch_text_addf(t, "dh diffie-hellman(\"%.*s\",\"%s\");\n", (int)ml,
			dh, sp + 1);
	return true;
}

/* The fetcher writes dh and hash once at the VPN level when configured
 * (secnet-dh, secnet-hash); otherwise the local site's own values are
 * the sites' fallback here, as make-secnet-sites' users put them. */
static void section_dh_hash(const struct fetch_config *cfg,
			    const struct rr_record *r, struct fetch_text *t,
			    FILE *notes)
{
	if (!cfg->secnet_dh && !(r && r->dh && r->dh[0] && dh_line(t, r->dh)))
		fprintf(notes, "vpnrr-fetch: warning: no dh: set secnet-dh "
			"in the configuration (or publish dh in this site's "
			"record), or sites without their own dh fail\n");
	if (!cfg->secnet_hash && r && r->hash && r->hash[0])
		fetch_text_addf(t, "hash %s;\n", r->hash);
	else if (!cfg->secnet_hash)
		fetch_text_add(t, "hash sha1;\n");
}

static int check_options(const struct fetch_init_secnet *o, char *err,
			 size_t errlen)
{
	const char *paths[] = { o->private_key, o->log_file, o->pidfile,
				o->output };
	const char *names[] = { "--private-key", "--log-file", "--pidfile",
				"--output" };

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (paths[i] && !path_ok(paths[i]))
			return rr_fail(err, errlen, "%s %s: need an absolute "
				       "path without blanks, quotes, "
				       "backslashes or ';'", names[i],
				       paths[i]);
	if (o->interface && !word_ok(o->interface, 15))
		return rr_fail(err, errlen, "--interface %s: not an interface "
			       "name (1 to 15 letters, digits, '_', '.', '-')",
			       o->interface);
	if (o->userid && !word_ok(o->userid, 32))
		return rr_fail(err, errlen, "--userid %s: not a user name",
			       o->userid);
	if (o->port > 65535 || (o->mtu && (o->mtu < 576 || o->mtu > 65535)))
		return rr_fail(err, errlen, "--port or --mtu out of range "
			       "(port 1 to 65535, mtu 576 to 65535)");
	return 0;
}

static int render(const struct fetch_init_secnet *o,
		  const struct fetch_config *cfg, const char *name,
		  const struct rr_record *r, struct fetch_text *t,
		  FILE *notes, char *err, size_t errlen)
{
	fetch_text_addf(t, "# secnet configuration of %s, written by "
			"vpnrr-fetch --init-secnet.\n# The sites come from "
			"vpnrr-fetch (output secnet %s).\n", name,
			cfg->out_secnet);
	section_system(o, t);
	if (section_netlink(o, cfg, r, t, err, errlen) < 0 ||
	    section_comm(o, r, t, err, errlen) < 0)
		return -1;
	fetch_text_addf(t, "local-name \"%s\";\n", name);
	section_keys(o, r, t, notes);
	if (r && r->mobile)
		fetch_text_add(t, "local-mobile True;\n");
	fetch_text_add(t, "resolver adns { };\n"
		       "random randomfile(\"/dev/urandom\",no);\n"
		       "transform eax-serpent { }, serpent256-cbc { };\n"
		       "log-events \"setup-init\",\"setup-timeout\","
		       "\"activate-key\",\"timeout-key\",\"errors\","
		       "\"security\";\n");
	section_dh_hash(cfg, r, t, notes);
	fetch_text_addf(t, "include %s/%s\nsites map(site,all-sites);\n",
			cfg->out_secnet, FETCH_SECNET_MAIN);
	if (t->failed)
		return rr_fail(err, errlen, "out of memory");
	return 0;
}

int fetch_init_secnet(const struct fetch_init_secnet *o,
		      const struct fetch_config *cfg,
		      const struct fetch_view *view, FILE *notes, char *err,
		      size_t errlen)
{
	const char *out = o->output ? o->output
		: cfg->secnet_config ? cfg->secnet_config : FETCH_INIT_OUTPUT;
	char name[RR_FULLNAMELEN], e2[512];
	const struct fetch_site *s;
	struct fetch_text t;
	int rc = -1;

	fetch_text_init(&t);
	if (check_options(o, err, errlen) < 0 ||
	    local_name(o, cfg, name, err, errlen) < 0)
		goto out;
	if (!cfg->out_secnet) {
		rr_say(err, errlen, "the configuration has no `output secnet "
		       "DIR': secnet.conf includes the sites written there");
		goto out;
	}
	s = find_site(view, name);
	if (!s)
		fprintf(notes, "vpnrr-fetch: notice: no verified record of %s "
			"yet: its networks, peer address and port come from "
			"the options only\n", name);
	if (render(o, cfg, name, s ? s->site : NULL, &t, notes, err,
		   errlen) < 0)
		goto out;
	if (cfg->secnet_config && strcmp(cfg->secnet_config, out) != 0)
		fprintf(notes, "vpnrr-fetch: warning: the configuration's "
			"secnet-config is %s: the fetcher checks candidates "
			"against that file, not %s\n", cfg->secnet_config, out);
	if (fetch_atomic_write(out, NULL, (const uint8_t *)t.buf, t.len, 0644,
			       o->force ? 0 : FETCH_ATOMIC_EXCL, e2,
			       sizeof(e2)) < 0) {
		if (errno == EEXIST)
			rr_say(err, errlen, "%s: exists already: use --force "
			       "to replace it", out);
		else
			rr_say(err, errlen, "%s", e2);
		goto out;
	}
	fprintf(notes, "vpnrr-fetch: wrote %s\n", out);
	rc = 0;
out:
	fetch_text_free(&t);
	return rc;
}
