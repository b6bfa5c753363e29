/* cmd_admit.c - "vpnrr admit": the admin checks an enrolment request
 * against the allocation rules and adds the membership. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admit.h"
#include "alloc.h"
#include "cli.h"
#include "cmd.h"
#include "index.h"
#include "jsonout.h"
#include "keyfile.h"
#include "policy.h"
#include "recfile.h"
#include "request.h"
#include "timefmt.h"

#define MAX_AGE (30 * 86400ULL)

static const char help[] =
"Usage: vpnrr admit [--json] [-q] [--now TIME] [--gateway-networks LIST]\n"
"                   ADMINDIR REQUESTFILE\n"
"\n"
"Checks an enrolment request (from \"vpnrr request\"; \"-\" reads standard\n"
"input, mail headers around the armour are ignored):\n"
"  - its signature, made with the key it asks the admin to trust;\n"
"  - it is for this VPN and at most 30 days old;\n"
"  - the networks lie inside the VPN's restrict-nets and overlap no\n"
"    existing member's networks;\n"
"  - the site name, its DNS name, the publish name and the key are free.\n"
"Then writes ADMINDIR/members/LOCATION,SITE.member (valid from now for\n"
"member-lifetime) and prints the signed member record (record-file form,\n"
"or --json). Run \"vpnrr index\" to publish it.\n"
"\n"
"--gateway-networks P1,P2,... also authorizes the site as a gateway to\n"
"networks of a foreign VPN system (gw-nets=): other nodes route them to\n"
"it. They must lie inside restrict-nets and may overlap other members'\n"
"networks (a gateway reaches them another way). Edit the membership's\n"
"gateway-networks line and run \"vpnrr index\" to change them later.\n";

/* --gateway-networks: a comma-separated prefix list. */
static int parse_gw(const char *text, struct pub_member *m)
{
	char buf[RR_MAX_NETS * RR_PREFIXSTRLEN];
	struct rr_error err;
	char *save = NULL;

	if (strlen(text) >= sizeof(buf)) {
		fprintf(stderr, "vpnrr admit: --gateway-networks: too long\n");
		return -1;
	}
	memcpy(buf, text, strlen(text) + 1);
	m->ngw_nets = 0;
	for (char *p = strtok_r(buf, ",", &save); p;
	     p = strtok_r(NULL, ",", &save)) {
		if (m->ngw_nets >= RR_MAX_NETS ||
		    rr_prefix_parse(p, &m->gw_nets[m->ngw_nets], &err) !=
			    RR_OK) {
			fprintf(stderr, "vpnrr admit: --gateway-networks: "
				"%s: %s\n", p, m->ngw_nets >= RR_MAX_NETS
				? "too many prefixes" : err.msg);
			return -1;
		}
		m->ngw_nets++;
	}
	if (m->ngw_nets == 0) {
		fprintf(stderr, "vpnrr admit: --gateway-networks: empty\n");
		return -1;
	}
	return 0;
}

static void to_member(const struct pub_request *q, const struct pub_admin *a,
		      uint64_t now, const char *file, struct pub_member *m)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->file, sizeof(m->file), "%s", file);
	memcpy(m->site, q->site, sizeof(m->site));
	m->keys[0] = q->key;
	m->nkeys = 1;
	memcpy(m->nets, q->nets, sizeof(m->nets));
	m->nnets = q->nnets;
	memcpy(m->publish, q->publish, sizeof(m->publish));
	memcpy(m->contact, q->contact, sizeof(m->contact));
	m->serial = (uint32_t)now;
	m->valid_from = now - PUB_CLOCK_SKEW;
	m->expires = now + a->member_lifetime;
}

static int check_request(const struct pub_admin *a,
			 const struct pub_request *q, const char *file,
			 uint64_t now, struct pub_err *e)
{
	if (strcmp(q->vpn, a->vpn) != 0)
		return pub_errf(e, PUB_EXIT_INVALID, file, 0, "vpn",
				"request is for VPN %s, this is %s", q->vpn,
				a->vpn);
	if (q->made + MAX_AGE < now)
		return pub_errf(e, PUB_EXIT_INVALID, file, 0, "t",
				"request is more than 30 days old; ask for a "
				"new one");
	if (q->made > now + PUB_CLOCK_SKEW)
		return pub_errf(e, PUB_EXIT_INVALID, file, 0, "t",
				"request is dated in the future");
	return 0;
}

static int signed_member(const struct pub_admin *a,
			 const struct pub_member *m, bool json, FILE *f,
			 struct pub_err *e)
{
	char owner[RR_MAX_NAME + 1];
	struct rr_record r;
	struct rr_seckey sk;
	struct rr_error err;
	int rc = -1;

	if (pub_seckey_load(a->anchor_key, &sk, e) != 0)
		return -1;
	if (pub_member_record(a, m, &r, e) != 0)
		goto out;
	if (rr_name_member(a->zone, m->site, owner, &err) != RR_OK ||
	    rr_sign(&r, owner, &sk, &err) != RR_OK) {
		pub_errf(e, PUB_EXIT_INVALID, m->file, 0, "sign", "%s", err.msg);
	} else if (json) {
		json_t *j = pub_json_record(owner, &r);
		rc = j && json_dumpf(j, f, JSON_INDENT(2) | JSON_SORT_KEYS) == 0
			     ? 0 : pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0,
					    "json", "out of memory");
		fputc('\n', f);
		json_decref(j);
	} else {
		rc = pub_rec_write(f, owner, &r, e);
	}
	rr_record_free(&r);
out:
	rr_seckey_wipe(&sk);
	return rc;
}

/* A hosted site's record lives in the VPN's zone, at the name "vpnrr
 * import" gives its sites: SITE.LOCATION.sites.ZONE. */
static int hosted_name(const struct pub_admin *a, struct pub_member *m,
		       struct pub_err *e)
{
	const char *slash = strchr(m->site, '/');

	if (!slash || !pub_fmt(m->publish, sizeof(m->publish), "%s.%.*s.sites.%s",
			       slash + 1, (int)(slash - m->site), m->site,
			       a->zone))
		return pub_errf(e, PUB_EXIT_INVALID, m->file, 0, "hosted",
				"%s: no DNS name fits", m->site);
	pub_name_canon(m->publish);
	if (!pub_dnsname_valid(m->publish))
		return pub_errf(e, PUB_EXIT_INVALID, m->file, 0, "hosted",
				"%s: %s is not a DNS name", m->site,
				m->publish);
	return 0;
}

int pub_admit_request(const struct pub_admin *a, const char *file,
		      bool json, const struct pub_member *gw,
		      struct pub_admitted *res, struct pub_err *e)
{
	struct pub_members ms = { 0 };
	struct pub_out o = { 0 };
	struct pub_request q;
	struct pub_member *m = &res->m;
	uint64_t now = pub_now();
	char *text = NULL;
	size_t len = 0;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (pub_read_file(file, 1 << 20, &text, &len, e) != 0)
		return -1;
	if (pub_request_decode(file, text, &q, e) != 0 ||
	    check_request(a, &q, file, now, e) != 0 ||
	    pub_members_load(a, &ms, e) != 0)
		goto out;
	to_member(&q, a, now, file, m);
	res->hosted = q.hosted;
	res->nallocated = q.nany;
	if (gw) {
		memcpy(m->gw_nets, gw->gw_nets, sizeof(m->gw_nets));
		m->ngw_nets = gw->ngw_nets;
	}
	if (a->nrestrict &&
	    !rr_prefixes_within(a->restrict_nets, a->nrestrict, m->gw_nets,
				m->ngw_nets, NULL)) {
		pub_errf(e, PUB_EXIT_INVALID, file, 0, "gateway-networks",
			 "a gateway network lies outside restrict-nets");
		goto out;
	}
	/* Allocation sees the same members the rules then check against. */
	if ((q.hosted && hosted_name(a, m, e) != 0) ||
	    pub_alloc_member(a, &ms, q.any, q.nany, m, e) != 0 ||
	    pub_policy_admit(a, &ms, m, false, e) != 0)
		goto out;
	/* Prepare the signed record first: nothing is written if the anchor
	 * key cannot be used. */
	if (pub_out_open(&o, e) != 0 ||
	    signed_member(a, m, json, o.f, e) != 0 ||
	    pub_out_close(&o, e) != 0 || pub_member_save(a, m, true, e) != 0)
		goto out;
	res->signed_text = o.buf;
	res->signed_len = o.len;
	o.buf = NULL;
	rc = 0;
out:
	pub_out_free(&o);
	free(text);
	pub_members_free(&ms);
	return rc;
}

static int admit(const char *dir, const char *file, bool json,
		 const struct pub_member *gw, struct pub_err *e)
{
	struct pub_admitted res;
	struct pub_admin a;
	int rc = -1;

	if (pub_admin_load(dir, &a, e) != 0 ||
	    pub_admit_request(&a, file, json, gw, &res, e) != 0)
		return -1;
	if (fwrite(res.signed_text, 1, res.signed_len, stdout) !=
	    res.signed_len)
		pub_errf(e, PUB_EXIT_IO, "standard output", 0, "write",
			 "failed");
	else
		rc = pub_flush_stdout(e);
	free(res.signed_text);
	return rc;
}

int pub_cmd_admit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, PUB_OPT_JSON },
		{ "now", required_argument, NULL, PUB_OPT_NOW },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, PUB_OPT_HELP },
		{ "gateway-networks", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	static struct pub_member gw; /* only its gateway networks are used */
	struct pub_err e;
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
		switch (c) {
		case PUB_OPT_JSON:
			json = true;
			pub_cli_json_errors();
			break;
		case PUB_OPT_NOW:
			if (pub_cli_now(optarg))
				return PUB_EXIT_USAGE;
			break;
		case 'q': pub_cli_quiet(); break;
		case 'g':
			if (parse_gw(optarg, &gw) != 0)
				return PUB_EXIT_USAGE;
			break;
		case PUB_OPT_HELP: return pub_help(help);
		default: return pub_usage_error("admit", "bad option");
		}
	}
	if (argc - optind != 2)
		return pub_usage_error("admit", "need ADMINDIR and "
				       "REQUESTFILE");
	return admit(argv[optind], argv[optind + 1], json, &gw, &e) ? pub_fail(&e)
								: 0;
}
