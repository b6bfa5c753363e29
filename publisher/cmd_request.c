/* cmd_request.c - "vpnrr request": a new site's enrolment request. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "keyfile.h"
#include "request.h"
#include "sitedesc.h"
#include "timefmt.h"

static const char help[] =
"Usage: vpnrr request -k KEYFILE [-o FILE] [-q] [--now TIME] DESCRIPTION\n"
"\n"
"Makes an enrolment request for the site described in DESCRIPTION (its\n"
"vpn, site, networks, publish and contact lines) and signs it with the\n"
"site's record key KEYFILE, proving possession of the key the admin is\n"
"asked to trust. The request is one armoured text block:\n"
"\n"
"  " PUB_REQ_BEGIN "\n"
"  (base64 of: v=vpnrr1; k=request; vpn=...; site=...; rk=...; nets=...;\n"
"   at=...; contact=...; t=...; sig=...)\n"
"  " PUB_REQ_END "\n"
"\n"
"Mail or paste it to the VPN admin, who runs \"vpnrr admit\".\n"
"\n"
"  -k, --key FILE     the site's Ed25519 record key\n"
"  -o, --output FILE  write the request to FILE instead of standard output\n"
"                     (and a one-line summary to standard error)\n"
"  -q, --quiet        no summary\n"
"  --now TIME         pretend the time is TIME\n"
"  --help             this text\n";

static int make(const char *desc, const char *key, char **text,
		struct pub_err *e)
{
	struct pub_request q;
	struct pub_site s;
	struct rr_seckey sk;
	int rc;

	if (pub_seckey_load(key, &sk, e) != 0)
		return -1;
	if (pub_site_read(desc, &s, e) != 0) {
		rr_seckey_wipe(&sk);
		return -1;
	}
	memset(&q, 0, sizeof(q));
	memcpy(q.vpn, s.vpn, sizeof(q.vpn));
	memcpy(q.site, s.site, sizeof(q.site));
	memcpy(q.nets, s.nets, sizeof(q.nets));
	q.nnets = s.nnets;
	memcpy(q.publish, s.publish, sizeof(q.publish));
	memcpy(q.contact, s.contact, sizeof(q.contact));
	q.made = pub_now();
	rc = pub_request_encode(&q, &sk, text, e);
	rr_seckey_wipe(&sk);
	pub_site_free(&s);
	return rc;
}

int pub_cmd_request(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		{ "now", required_argument, NULL, PUB_OPT_NOW },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, PUB_OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *key = NULL, *out = NULL;
	struct pub_err e;
	char *text = NULL;
	int c, rc;

	while ((c = getopt_long(argc, argv, "k:o:q", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key = optarg; break;
		case 'o': out = optarg; break;
		case PUB_OPT_NOW:
			if (pub_cli_now(optarg))
				return PUB_EXIT_USAGE;
			break;
		case 'q': pub_cli_quiet(); break;
		case PUB_OPT_HELP: return pub_help(help);
		default: return pub_usage_error("request", "bad option");
		}
	}
	if (argc - optind != 1 || !key)
		return pub_usage_error("request", "need --key KEYFILE and one "
				       "DESCRIPTION");
	if (make(argv[optind], key, &text, &e) != 0)
		return pub_fail(&e);
	if (out)
		rc = pub_write_file(out, text, strlen(text), 0644, false, &e);
	else
		rc = fputs(text, stdout) < 0 ? pub_errf(&e, PUB_EXIT_IO,
			"standard output", 0, "write", "failed")
					     : pub_flush_stdout(&e);
	if (rc == 0 && out)
		pub_summary("request", "written to %s; send it to the VPN "
			    "admin", out);
	free(text);
	return rc ? pub_fail(&e) : 0;
}
