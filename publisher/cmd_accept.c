/* cmd_accept.c - "vpnrr accept": the admin's whole part of an enrolment
 * in one command: admit the request (allocating what it asks for),
 * rebuild the zone, publish it by dynamic update. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admit.h"
#include "cli.h"
#include "cmd.h"
#include "index.h"
#include "jsonout.h"
#include "subcmd.h"
#include "timefmt.h"

static const char help[] =
"Usage: vpnrr accept [--config FILE | --no-publish] [--json] [-q]\n"
"                    [--now TIME] ADMINDIR REQUESTFILE\n"
"\n"
"Takes an enrolment request (from \"vpnrr enrol\" or \"vpnrr request\";\n"
"\"-\" reads standard input) in one step:\n"
"  1 checks it as \"vpnrr admit\" does (signature, VPN, age, allocation\n"
"    rules), allocates every block it asks for (\"any /29\": the first\n"
"    free aligned block of that size in the VPN's restrict-nets, in the\n"
"    order vpnrr.conf lists them, overlapping no member's networks) and,\n"
"    for a site without a zone of its own (hosted=1), names its record\n"
"    SITE.LOCATION.sites.ZONE; then writes the membership;\n"
"  2 rebuilds the zone as \"vpnrr index\" does;\n"
"  3 publishes it as \"vpnrr publish --index ADMINDIR\" does, when\n"
"    ADMINDIR/publish.conf exists (or --config names one); otherwise it\n"
"    says what to run.\n"
"Prints the site, its networks (allocated ones marked) and where its\n"
"record is to be published. The site learns them from the membership\n"
"the zone now carries: \"vpnrr sign --publish\" reads it from DNS.\n"
"\n"
"  -c, --config FILE  publish.conf for step 3\n"
"      --no-publish   stop after step 2\n"
"      --json         print {\"site\", \"networks\", \"allocated\", \"publish\",\n"
"                     \"hosted\", \"expires\", \"zone\", \"serial\",\n"
"                     \"published\"}\n"
"  -q, --quiet        no report from step 3, no summary\n"
"      --now TIME     pretend the time is TIME (tests)\n"
"      --help         this text\n"
"\n"
"When step 2 or 3 fails the membership is written already: run \"vpnrr\n"
"index ADMINDIR\" and \"vpnrr publish --index ADMINDIR\" to finish.\n";

struct aopts {
	const char *dir, *request, *config;
	bool json, quiet, no_publish;
};

static json_t *nets_json(const struct pub_member *m, size_t from, size_t to)
{
	json_t *a = json_array();

	for (size_t i = from; a && i < to; i++) {
		char s[RR_PREFIXSTRLEN];
		rr_prefix_format(&m->nets[i], s);
		if (json_array_append_new(a, json_string(s)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static int report(const struct aopts *o, const struct pub_admin *a,
		  const struct pub_admitted *r,
		  const struct pub_index_info *info, bool published,
		  struct pub_err *e)
{
	const struct pub_member *m = &r->m;
	size_t first_alloc = m->nnets - r->nallocated;
	char t[PUB_TIMESTRLEN];

	pub_time_format(m->expires, t);
	if (o->json)
		return pub_json_print(json_pack(
			"{s:s, s:o, s:o, s:s, s:b, s:s, s:s, s:I, s:b}",
			"site", m->site, "networks", nets_json(m, 0, m->nnets),
			"allocated", nets_json(m, first_alloc, m->nnets),
			"publish", m->publish, "hosted", r->hosted,
			"expires", t, "zone", a->zone,
			"serial", (json_int_t)info->zone_serial,
			"published", published), e);
	printf("accepted %s\n  networks:", m->site);
	for (size_t i = 0; i < m->nnets; i++) {
		char s[RR_PREFIXSTRLEN];
		rr_prefix_format(&m->nets[i], s);
		printf(" %s%s", s, i >= first_alloc ? " (allocated)" : "");
	}
	printf("\n  publish: %s%s\n  membership valid until %s\n",
	       m->publish, r->hosted ? " (hosted in the VPN's zone)" : "", t);
	printf("  zone %s: serial %u, %s\n", a->zone,
	       (unsigned)info->zone_serial, a->output);
	if (!published)
		printf("  not published: run \"vpnrr publish --index %s\" or "
		       "load %s into the DNS server\n", o->dir, a->output);
	return pub_flush_stdout(e);
}

/* The publish.conf step 3 uses, NULL for none. */
static char *publish_config(const struct aopts *o)
{
	char *path;

	if (o->no_publish)
		return NULL;
	if (o->config)
		return strdup(o->config);
	path = pub_path_join(o->dir, "publish.conf");
	if (path && access(path, F_OK) != 0) {
		free(path);
		path = NULL;
	}
	return path;
}

static int accept_request(const struct aopts *o, struct pub_err *e)
{
	struct pub_index_info info;
	struct pub_admitted r;
	struct pub_admin a;
	char *conf = NULL;
	int rc = -1;

	if (pub_admin_load(o->dir, &a, e) != 0 ||
	    pub_admit_request(&a, o->request, false, NULL, &r, e) != 0)
		return -1;
	free(r.signed_text);
	if (pub_index_run(&a, pub_now(), false, &info, e) != 0) {
		size_t len = strlen(e->msg);
		snprintf(e->msg + len, sizeof(e->msg) - len,
			 " (%s is a member now: run \"vpnrr index\" and "
			 "\"vpnrr publish --index\" to finish)", r.m.site);
		return -1;
	}
	conf = publish_config(o);
	if (conf) {
		const char *args[] = { "publish", "--config", conf, "--index",
				       o->dir, o->quiet || o->json ? "-q" : NULL,
				       NULL };
		int prc = pub_subcmd(pub_cmd_publish, args);
		if (prc != 0) {
			pub_errf(e, prc, o->dir, 0, "accept",
				 "%s is a member and the zone is written, but "
				 "publishing failed (above); run \"vpnrr "
				 "publish --index %s\" to finish", r.m.site,
				 o->dir);
			goto out;
		}
	}
	rc = report(o, &a, &r, &info, conf != NULL, e);
	if (rc == 0)
		pub_summary("accept", "%s admitted%s", r.m.site,
			    conf ? " and published" : "");
out:
	free(conf);
	return rc;
}

int pub_cmd_accept(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "no-publish", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, PUB_OPT_JSON },
		{ "now", required_argument, NULL, PUB_OPT_NOW },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, PUB_OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct aopts o = { 0 };
	struct pub_err e;
	int c;

	while ((c = getopt_long(argc, argv, "c:q", opts, NULL)) != -1) {
		switch (c) {
		case 'c': o.config = optarg; break;
		case 'n': o.no_publish = true; break;
		case PUB_OPT_JSON:
			o.json = true;
			pub_cli_json_errors();
			break;
		case PUB_OPT_NOW:
			if (pub_cli_now(optarg))
				return PUB_EXIT_USAGE;
			break;
		case 'q':
			o.quiet = true;
			pub_cli_quiet();
			break;
		case PUB_OPT_HELP: return pub_help(help);
		default: return pub_usage_error("accept", "bad option");
		}
	}
	if (argc - optind != 2)
		return pub_usage_error("accept", "need ADMINDIR and "
				       "REQUESTFILE");
	if (o.config && o.no_publish)
		return pub_usage_error("accept", "--config and --no-publish "
				       "contradict each other");
	o.dir = argv[optind];
	o.request = argv[optind + 1];
	return accept_request(&o, &e) ? pub_fail(&e) : 0;
}
