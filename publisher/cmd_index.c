/* cmd_index.c - the admin's publishing commands: "vpnrr index",
 * "vpnrr revoke" and "vpnrr resign". */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cli.h"
#include "cmd.h"
#include "index.h"
#include "jsonout.h"
#include "recfile.h"
#include "signdesc.h"
#include "subcmd.h"
#include "timefmt.h"
#include "zonefile.h"

static const char help_index[] =
"Usage: vpnrr index [--force] [--json] [-q] [--now TIME] ADMINDIR\n"
"\n"
"Builds the VPN's admin zone from ADMINDIR/vpnrr.conf and the membership\n"
"descriptions in ADMINDIR/members/: the head (at _vpnrr.ZONE, signed by\n"
"the anchor key), the pages (RRsets of unsigned member entries at\n"
"LABEL.p._vpnrr.ZONE, bound to the head by hash), one signed member\n"
"record per site (at SITE.LOCATION.m._vpnrr.ZONE), SOA and NS, and any\n"
"site records listed by site-records (each checked against its\n"
"membership). The zone goes to the config's output file (default\n"
"ADMINDIR/ZONE.zone), written atomically, with a higher SOA and head\n"
"serial (saved in ADMINDIR/state).\n"
"\n"
"An unchanged VPN is not re-published: when the signed content (config,\n"
"memberships, pages, hosted records, anchor key) is the same as the last\n"
"zone's, that zone file is untouched since and its head is younger than\n"
"half of head-lifetime and than 3 days, nothing is written, the serials\n"
"stay (nodes fetch nothing new) and \"vpnrr: index: unchanged\" goes to\n"
"standard error. An older head is re-signed (nodes call one older than 7\n"
"days stale).\n"
"\n"
"Memberships are checked first: networks inside restrict-nets, no\n"
"overlaps, unique names. Expired memberships are left out with a\n"
"warning.\n"
"\n"
"  --force     sign and write a new zone (new serial) even when unchanged\n"
"  --json      print {\"zone\", \"output\", \"serial\", \"members\", \"pages\",\n"
"              \"head_expires\", \"changed\"}\n"
"  -q, --quiet no one-line summary on standard error\n"
"  --now TIME  pretend the time is TIME (tests)\n"
"  --help      this text\n";

static const char help_revoke[] =
"Usage: vpnrr revoke [-q] [--now TIME] ADMINDIR LOCATION/SITE\n"
"\n"
"Withdraws SITE's membership: its description moves from\n"
"ADMINDIR/members/ to ADMINDIR/revoked/ and the zone is rebuilt as by\n"
"\"vpnrr index\". Fetchers drop the site at their next refresh. SITE\n"
"matches ignoring case, as admit compares names. A one-line summary goes\n"
"to standard error (not with -q).\n";

static const char help_resign[] =
"Usage: vpnrr resign --within DURATION [ZONEOPTS] [-q] [--now TIME] ADMINDIR\n"
"       vpnrr resign --within DURATION -k KEYFILE -o RECORDFILE [ZONEOPTS]\n"
"                    DESCRIPTION\n"
"ZONEOPTS: [--zone ZONEFILE [--ttl S] [--type T]] [--reload COMMAND]\n"
"          [--publish [--config PUBLISH.CONF]]\n"
"\n"
"Renews what expires within DURATION (e.g. 7d), for cron. Writes\n"
"nothing when nothing is due. A one-line summary of what it did goes to\n"
"standard error; -q (for cron) suppresses it.\n"
"\n"
"Admin form: every membership in ADMINDIR that expires within DURATION\n"
"gets a new validity (now until now + member-lifetime) and a higher\n"
"serial; then, or when the head itself expires within DURATION, the zone\n"
"is rebuilt as by \"vpnrr index\".\n"
"\n"
"Site form: when RECORDFILE is missing or its record expires within\n"
"DURATION, DESCRIPTION is signed again into RECORDFILE (as \"vpnrr sign\").\n"
"\n"
"  --zone ZONEFILE   after signing again, put what was signed into\n"
"                    ZONEFILE as \"vpnrr zone --update\" does (the admin\n"
"                    zone's vpnrr records, or the site record at --ttl,\n"
"                    default 300, as --type, default both); the serial\n"
"                    goes up once; nothing is touched when nothing was due\n"
"  --reload COMMAND  after writing (the zone, or the admin's output when\n"
"                    there is no --zone), run COMMAND with /bin/sh -c (e.g.\n"
"                    \"nsd-control reload example.org\"); its failure is\n"
"                    an error (exit 3)\n"
"  --publish         then send it to the zone's primary by dynamic update,\n"
"                    as \"vpnrr publish\" does (admin: --index ADMINDIR;\n"
"                    site: --signer KEYFILE RECORDFILE; --type and --ttl\n"
"                    as given); also when nothing was due, so that a\n"
"                    failed publication is retried (a served zone is left\n"
"                    alone: \"unchanged\")\n"
"  --config FILE     publish.conf for --publish (admin: default\n"
"                    ADMINDIR/publish.conf; site: publish.conf in\n"
"                    DESCRIPTION's directory)\n";

static int index_json(const struct pub_admin *a,
		      const struct pub_index_info *info, struct pub_err *e)
{
	char t[PUB_TIMESTRLEN];

	pub_time_format(info->head_expires, t);
	return pub_json_print(json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, "
					"s:s, s:I, s:I, s:b}",
					"vpn", a->vpn, "zone", a->zone,
					"output", a->output,
					"serial", (json_int_t)info->zone_serial,
					"members", (json_int_t)info->nmembers,
					"pages", (json_int_t)info->npages,
					"expired", (json_int_t)info->nexpired,
					"head_expires", t,
					"head_txt_bytes",
					(json_int_t)info->head_txt_len,
					"max_page_txt_bytes",
					(json_int_t)info->max_page_bytes,
					"changed", info->changed), e);
}

/* What a run of pub_index_run did, for the one-line summary. */
static void index_summary(const char *cmd, const struct pub_admin *a,
			  const struct pub_index_info *info)
{
	if (!info->changed)
		pub_summary(cmd, "unchanged; zone and serial kept (--force "
			    "re-signs)");
	else
		pub_summary(cmd, "%zu members, %zu pages, serial %u, written "
			    "to %s", info->nmembers, info->npages,
			    (unsigned)info->zone_serial, a->output);
}

int pub_cmd_index(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, PUB_OPT_JSON },
		{ "now", required_argument, NULL, PUB_OPT_NOW },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, PUB_OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct pub_index_info info;
	struct pub_progress pg;
	struct pub_admin a;
	struct pub_err e;
	bool json = false, force = false, quiet = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
		switch (c) {
		case 'f': force = true; break;
		case PUB_OPT_JSON:
			json = true;
			pub_cli_json_errors();
			break;
		case PUB_OPT_NOW:
			if (pub_cli_now(optarg))
				return PUB_EXIT_USAGE;
			break;
		case 'q':
			quiet = true;
			pub_cli_quiet();
			break;
		case PUB_OPT_HELP: return pub_help(help_index);
		default: return pub_usage_error("index", "bad option");
		}
	}
	if (argc - optind != 1)
		return pub_usage_error("index", "need one ADMINDIR");
	if (pub_admin_load(argv[optind], &a, &e) != 0)
		return pub_fail(&e);
	/* Thousands of members take seconds: a terminal is told how far. */
	pub_progress_start(&pg, "index", !quiet && !json);
	pub_index_progress(&pg);
	rc = pub_index_run(&a, pub_now(), force, &info, &e);
	pub_index_progress(NULL);
	pub_progress_end(&pg);
	if (rc != 0 || (json && index_json(&a, &info, &e) != 0))
		return pub_fail(&e);
	index_summary("index", &a, &info);
	return 0;
}

/* The member file of SITE, and its name as the file spells it: found
 * by pub_site_eq, as admit refuses a name that differs from a member's
 * only in case.  The exact file name first, so a member file that no
 * longer parses can still be revoked. */
static int find_member(const struct pub_admin *a, const char *site,
		       char *file, size_t size, char *name, struct pub_err *e)
{
	char *exact = pub_member_path(a, site);
	struct pub_members ms;
	bool found;
	int rc = -1;

	if (!exact)
		return pub_errf(e, PUB_EXIT_INTERNAL, a->dir, 0, "revoke",
				"out of memory");
	found = access(exact, F_OK) == 0 &&
		pub_fmt(file, size, "%s", exact) &&
		pub_fmt(name, RR_SITENAMELEN, "%s", site);
	free(exact);
	if (found)
		return 0;
	if (pub_members_load(a, &ms, e) != 0)
		return -1;
	for (size_t i = 0; i < ms.n && rc != 0; i++)
		if (pub_site_eq(ms.v[i].site, site) &&
		    pub_fmt(file, size, "%s", ms.v[i].file) &&
		    pub_fmt(name, RR_SITENAMELEN, "%s", ms.v[i].site))
			rc = 0;
	if (rc != 0)
		pub_errf(e, PUB_EXIT_INVALID, a->dir, 0, "revoke",
			 "%s is not a member", site);
	pub_members_free(&ms);
	return rc;
}

static int move_to_revoked(const struct pub_admin *a, const char *site,
			   char *name, struct pub_err *e)
{
	char from[PUB_PATHLEN], msg[512];
	char *dir = NULL, *to = NULL;
	const char *base;
	int rc = -1;

	if (find_member(a, site, from, sizeof(from), name, e) != 0)
		return -1;
	dir = pub_path_join(a->dir, "revoked");
	if (!dir)
		goto oom;
	base = strrchr(from, '/');
	to = pub_path_join(dir, base ? base + 1 : from);
	if (!to)
		goto oom;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		pub_errf(e, PUB_EXIT_IO, dir, 0, "revoke", "%s", strerror(errno));
		goto out;
	}
	/* Durable like every other write: both directories are synced. */
	if (fetch_atomic_move(from, to, msg, sizeof(msg)) != 0) {
		pub_errf(e, PUB_EXIT_IO, NULL, 0, "revoke", "%s", msg);
		goto out;
	}
	rc = 0;
	goto out;
oom:
	pub_errf(e, PUB_EXIT_INTERNAL, a->dir, 0, "revoke", "out of memory");
out:
	free(dir);
	free(to);
	return rc;
}

int pub_cmd_revoke(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "now", required_argument, NULL, PUB_OPT_NOW },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, PUB_OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	char name[RR_SITENAMELEN];
	struct pub_index_info info;
	struct pub_admin a;
	struct pub_err e;
	int c;

	while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
		switch (c) {
		case PUB_OPT_NOW:
			if (pub_cli_now(optarg))
				return PUB_EXIT_USAGE;
			break;
		case 'q': pub_cli_quiet(); break;
		case PUB_OPT_HELP: return pub_help(help_revoke);
		default: return pub_usage_error("revoke", "bad option");
		}
	}
	if (argc - optind != 2)
		return pub_usage_error("revoke", "need ADMINDIR and "
				       "LOCATION/SITE");
	if (!strchr(argv[optind + 1], '/'))
		return pub_usage_error("revoke", "%s: need LOCATION/SITE",
				       argv[optind + 1]);
	if (pub_admin_load(argv[optind], &a, &e) != 0 ||
	    move_to_revoked(&a, argv[optind + 1], name, &e) != 0 ||
	    pub_index_run(&a, pub_now(), false, &info, &e) != 0)
		return pub_fail(&e);
	pub_summary("revoke", "%s moved to revoked/; %zu members left, "
		    "serial %u, written to %s", name, info.nmembers,
		    (unsigned)info.zone_serial, a.output);
	return 0;
}

static int renew_members(const struct pub_admin *a, uint64_t now,
			 uint64_t within, size_t *renewed, struct pub_err *e)
{
	struct pub_members ms;
	int rc = 0;

	if (pub_members_load(a, &ms, e) != 0)
		return -1;
	for (size_t i = 0; i < ms.n && rc == 0; i++) {
		struct pub_member *m = &ms.v[i];
		uint32_t t = (uint32_t)now;
		if (m->expires > now + within)
			continue;
		m->serial = rr_serial_cmp(t, m->serial) > 0 ? t : m->serial + 1;
		m->valid_from = now - PUB_CLOCK_SKEW;
		m->expires = now + a->member_lifetime;
		rc = pub_member_save(a, m, false, e);
		(*renewed)++;
	}
	pub_members_free(&ms);
	return rc;
}

/* Where "resign" puts what it signed, and who is told. */
struct resign_zone {
	const char *zone;    /* NULL: no zone file to update */
	const char *reload;  /* NULL: no command */
	uint32_t ttl;
	enum pub_ztype type;
	bool dynamic;        /* --publish */
	const char *config;  /* --config, NULL: the default */
	bool quiet;
};

/* --publish: "vpnrr publish" run on what resign wrote.  KEY and SOURCE
 * are the site's record key and record file; KEY NULL: SOURCE is the
 * admin directory. */
static int dyn_publish(const struct resign_zone *z, const char *key,
		       const char *source, const char *desc,
		       struct pub_err *e)
{
	static const char *const types[] = { "txt", "bin", "both" };
	char conf[PUB_PATHLEN], ttl[16];
	const char *args[16];
	size_t n = 0;
	int rc;

	if (!z->dynamic)
		return 0;
	if (z->config) {
		snprintf(conf, sizeof(conf), "%s", z->config);
	} else if (key) {
		const char *slash = strrchr(desc, '/');
		int dlen = slash ? (int)(slash - desc) : 1;
		if (!pub_fmt(conf, sizeof(conf), "%.*s/publish.conf", dlen,
			     slash ? desc : "."))
			return pub_errf(e, PUB_EXIT_USAGE, desc, 0, "resign",
					"path too long");
	}
	args[n++] = "publish";
	if (z->config || key) {
		args[n++] = "--config";
		args[n++] = conf;
	}
	if (key) {
		snprintf(ttl, sizeof(ttl), "%u", (unsigned)z->ttl);
		args[n++] = "--signer";
		args[n++] = key;
		args[n++] = "--ttl";
		args[n++] = ttl;
		args[n++] = "--type";
		args[n++] = types[z->type >= PUB_Z_TXT && z->type <= PUB_Z_BOTH
				  ? z->type - PUB_Z_TXT : 2];
		args[n++] = source;
	} else {
		args[n++] = "--index";
		args[n++] = source;
	}
	if (z->quiet)
		args[n++] = "-q";
	args[n] = NULL;
	rc = pub_subcmd(pub_cmd_publish, args);
	if (rc != 0)
		return pub_errf(e, rc, source, 0, "resign", "renewed but not "
				"published (above); the next run tries again");
	return 0;
}

static int run_reload(const char *cmd, struct pub_err *e)
{
	int st;

	if (fflush(stdout) != 0)
		return pub_errf(e, PUB_EXIT_IO, "standard output", 0,
				"reload", "write failed");
	st = system(cmd);
	if (st == -1)
		return pub_errf(e, PUB_EXIT_IO, NULL, 0, "reload", "%s: %s",
				cmd, strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return pub_errf(e, PUB_EXIT_IO, NULL, 0, "reload",
				"%s: failed (status %d); the zone file is "
				"written, the DNS server may not serve it yet",
				cmd, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}

/* SOURCE (the admin's zone or the site's record file) into the zone
 * file, then the reload command when something changed.  Also when
 * nothing was due (RENEWED false): a renewal whose zone update failed
 * last time is still published, and an up-to-date zone is a no-op. */
static int publish(const struct resign_zone *z, const char *source,
		   bool renewed, uint64_t now, struct pub_err *e)
{
	struct pub_zf_result res = { .changed = renewed };

	if (z->zone) {
		if (pub_zonefile_update_from(z->zone, &source, 1, z->ttl,
					     z->type, now, &res, e) != 0)
			return -1;
		if (res.changed)
			pub_summary("resign", "%s: %zu records replaced by "
				    "%zu, serial %u", z->zone, res.removed,
				    res.added, (unsigned)res.serial);
		else
			pub_summary("resign", "%s: already up to date",
				    z->zone);
	}
	return z->reload && res.changed ? run_reload(z->reload, e) : 0;
}

static int resign_admin(const char *dir, uint64_t within,
			const struct resign_zone *z, struct pub_err *e)
{
	struct pub_index_info info;
	struct pub_admin a;
	uint64_t now = pub_now(), hx;
	char t[PUB_TIMESTRLEN];
	size_t renewed = 0;

	if (pub_admin_load(dir, &a, e) != 0 ||
	    renew_members(&a, now, within, &renewed, e) != 0)
		return -1;
	hx = pub_index_head_expires(&a);
	if (renewed == 0 && hx > now + within) {
		pub_time_format(hx, t);
		pub_summary("resign", "nothing due; head valid until %s", t);
		if (publish(z, a.output, false, now, e) != 0)
			return -1;
		return dyn_publish(z, NULL, dir, NULL, e);
	}
	/* Due: a renewed membership changes the content anyway, and a head
	 * within DURATION of its expiry must be re-signed even when the
	 * content is the same. */
	if (pub_index_run(&a, now, true, &info, e) != 0)
		return -1;
	pub_time_format(info.head_expires, t);
	pub_summary("resign", "%zu memberships renewed; serial %u, head valid "
		    "until %s, written to %s", renewed,
		    (unsigned)info.zone_serial, t, a.output);
	if (publish(z, a.output, true, now, e) != 0)
		return -1;
	return dyn_publish(z, NULL, dir, NULL, e);
}

static int resign_site(const char *desc, const char *key, const char *out,
		       uint64_t within, const struct resign_zone *z,
		       struct pub_err *e)
{
	struct pub_recs old;
	struct pub_site s;
	struct rr_record r;
	uint64_t now = pub_now();
	char t[PUB_TIMESTRLEN];
	int rc;

	if (access(out, F_OK) == 0) {
		if (pub_recs_read(out, &old, e) != 0)
			return -1;
		uint64_t x = old.v[0].r.expires;
		pub_recs_free(&old);
		if (x > now + within) {
			pub_time_format(x, t);
			pub_summary("resign", "%s: nothing due; valid until %s",
				    out, t);
			if (publish(z, out, false, now, e) != 0)
				return -1;
			return dyn_publish(z, key, out, desc, e);
		}
	}
	if (pub_sign_desc(desc, key, out, now, &s, &r, e) != 0)
		return -1;
	rc = pub_sign_emit(out, s.publish, &r, e);
	pub_time_format(r.expires, t);
	if (rc == 0)
		pub_summary("resign", "%s: signed again, valid until %s", out,
			    t);
	if (rc == 0)
		rc = publish(z, out, true, now, e);
	if (rc == 0)
		rc = dyn_publish(z, key, out, desc, e);
	rr_record_free(&r);
	pub_site_free(&s);
	return rc;
}

int pub_cmd_resign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "within", required_argument, NULL, 'w' },
		{ "key", required_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		{ "zone", required_argument, NULL, 'z' },
		{ "reload", required_argument, NULL, 'r' },
		{ "ttl", required_argument, NULL, 't' },
		{ "type", required_argument, NULL, 'y' },
		{ "publish", no_argument, NULL, 'P' },
		{ "config", required_argument, NULL, 'c' },
		{ "now", required_argument, NULL, PUB_OPT_NOW },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, PUB_OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct resign_zone z = { NULL, NULL, 300, PUB_Z_BOTH, false, NULL,
				 false };
	const char *key = NULL, *out = NULL;
	unsigned long ttl;
	char *end;
	uint64_t within = 0;
	bool have_within = false;
	struct pub_err e;
	struct stat st;
	int c, rc;

	while ((c = getopt_long(argc, argv, "k:o:q", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			if (!pub_duration_parse(optarg, &within))
				return pub_usage_error("resign", "--within %s: "
						       "need a duration such as "
						       "7d", optarg);
			have_within = true;
			break;
		case 'k': key = optarg; break;
		case 'o': out = optarg; break;
		case 'z': z.zone = optarg; break;
		case 'r': z.reload = optarg; break;
		case 'P': z.dynamic = true; break;
		case 'c': z.config = optarg; break;
		case 't':
			ttl = strtoul(optarg, &end, 10);
			if (!*optarg || *end || ttl > 2147483647UL)
				return pub_usage_error("resign", "--ttl %s: need "
						       "0..2147483647", optarg);
			z.ttl = (uint32_t)ttl;
			break;
		case 'y':
			if (pub_ztype_parse(optarg, &z.type) != 0)
				return pub_usage_error("resign", "--type %s: "
						       "need txt, bin or both",
						       optarg);
			break;
		case PUB_OPT_NOW:
			if (pub_cli_now(optarg))
				return PUB_EXIT_USAGE;
			break;
		case 'q':
			z.quiet = true;
			pub_cli_quiet();
			break;
		case PUB_OPT_HELP: return pub_help(help_resign);
		default: return pub_usage_error("resign", "bad option");
		}
	}
	if (z.config && !z.dynamic)
		return pub_usage_error("resign", "--config goes with --publish");
	if (!have_within || argc - optind != 1)
		return pub_usage_error("resign", "need --within DURATION and "
				       "one ADMINDIR or DESCRIPTION");
	if (stat(argv[optind], &st) == 0 && S_ISDIR(st.st_mode))
		rc = resign_admin(argv[optind], within, &z, &e);
	else if (!key || !out)
		return pub_usage_error("resign", "a DESCRIPTION needs --key "
				       "and --output");
	else
		rc = resign_site(argv[optind], key, out, within, &z, &e);
	return rc ? pub_fail(&e) : 0;
}
