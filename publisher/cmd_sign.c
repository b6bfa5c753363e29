/* cmd_sign.c - "vpnrr sign": site description -> signed site record. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "jsonout.h"
#include "keyfile.h"
#include "recfile.h"
#include "signdesc.h"
#include "signpub.h"
#include "timefmt.h"

static const char help[] =
"Usage: vpnrr sign -k KEYFILE [-o FILE] [--json] [-q] [--now TIME] DESCRIPTION\n"
"       vpnrr sign --publish -d DIR [--anchor KEY] [--vpn-zone ZONE]\n"
"                  [--resolver ADDR[:PORT]] [--config FILE] [-q]\n"
"\n"
"Reads a site description (see vpnrr(1), \"SITE DESCRIPTION\"), builds\n"
"the site record and signs it with the site's Ed25519 record key. The\n"
"result is a record file: one line \"OWNER v=vpnrr1; k=site; ...\", where\n"
"OWNER is the description's publish name. Feed it to \"vpnrr zone\".\n"
"\n"
"  -k, --key FILE     the site's record key (ed25519-secret:...; must not\n"
"                     be readable by group or others)\n"
"  -o, --output FILE  write the record file to FILE (atomically) instead\n"
"                     of standard output (and a one-line summary to\n"
"                     standard error)\n"
"  -q, --quiet        no summary\n"
"  --json             print the record as JSON instead\n"
"  --now TIME         pretend the time is TIME (tests)\n"
"  --help             this text\n"
"\n"
"Validity: from one hour before now until now + lifetime (default 30d) or\n"
"the description's expires time. The record serial is the description's\n"
"record-serial, or the current time in Unix seconds.\n"
"\n"
"--publish -d DIR: the enrolled site's one command, in the directory\n"
"\"vpnrr enrol\" made. Reads the site's membership from DNS (the head\n"
"and pages at _vpnrr.ZONE, fetched from --resolver and checked against\n"
"the anchor as \"vpnrr verify\" checks them), adds to DIR/site.desc what\n"
"it lacks and the admin decided (the networks allocated for \"any /N\",\n"
"the peer address: their first host, and a hosted site's publish name),\n"
"signs DIR/site.desc with DIR/record.key into DIR/site.rec and publishes\n"
"it as \"vpnrr publish --signer DIR/record.key\" does, with\n"
"DIR/publish.conf (--config: another file). ZONE and the resolver come\n"
"from DIR/enrol.conf (lines vpn-zone ZONE, resolver ADDR[:PORT]) unless\n"
"given; the anchor from DIR/anchor.pub unless --anchor.\n";

/* PREV's highest record serial, or 0 (no such file, or none in it). */
static uint32_t prev_serial(const char *prev)
{
	struct pub_recs old = { 0 };
	struct pub_err ignored;
	uint32_t max = 0;

	if (!prev || access(prev, F_OK) != 0 ||
	    pub_recs_read(prev, &old, &ignored) != 0)
		return 0;
	for (size_t i = 0; i < old.n; i++)
		if (old.v[i].r.has_serial && old.v[i].r.serial > max)
			max = old.v[i].r.serial;
	pub_recs_free(&old);
	return max;
}

int pub_sign_desc(const char *desc, const char *keyfile, const char *prev,
		  uint64_t now, struct pub_site *s, struct rr_record *r,
		  struct pub_err *e)
{
	struct rr_seckey sk;
	struct rr_error err;
	int rc = -1;

	if (pub_seckey_load(keyfile, &sk, e) != 0)
		return -1;
	if (pub_site_read(desc, s, e) != 0)
		goto out;
	if (!s->has_rserial) {
		uint32_t p = prev_serial(prev);

		/* RFC 1982 order is what nodes apply; past the wrap the
		 * description's record-serial must say. */
		if (p >= (uint32_t)now && p < UINT32_MAX) {
			s->rserial = p + 1;
			s->has_rserial = true;
		}
	}
	if (pub_site_record(s, now, r, e) != 0) {
		pub_site_free(s);
		goto out;
	}
	if (rr_sign(r, s->publish, &sk, &err) != RR_OK) {
		pub_errf(e, PUB_EXIT_INVALID, desc, 0, "sign", "%s", err.msg);
		rr_record_free(r);
		pub_site_free(s);
		goto out;
	}
	rc = 0;
out:
	rr_seckey_wipe(&sk);
	return rc;
}

int pub_sign_emit(const char *path, const char *owner,
		  const struct rr_record *r, struct pub_err *e)
{
	struct pub_out o;
	int rc = -1;

	if (!path) {
		if (pub_rec_write(stdout, owner, r, e) != 0)
			return -1;
		return pub_flush_stdout(e);
	}
	if (pub_out_open(&o, e) != 0)
		return -1;
	if (pub_rec_write(o.f, owner, r, e) == 0 && pub_out_close(&o, e) == 0)
		rc = pub_write_file(path, o.buf, o.len, 0644, false, e);
	pub_out_free(&o);
	return rc;
}

int pub_cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, PUB_OPT_JSON },
		{ "now", required_argument, NULL, PUB_OPT_NOW },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, PUB_OPT_HELP },
		{ "publish", no_argument, NULL, 'P' },
		{ "dir", required_argument, NULL, 'd' },
		{ "anchor", required_argument, NULL, 'a' },
		{ "vpn-zone", required_argument, NULL, 'z' },
		{ "resolver", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key = NULL, *out = NULL;
	struct pub_signpub_opts po = { 0 };
	bool json = false, publish = false;
	struct pub_site s;
	struct rr_record r;
	struct pub_err e;
	int c, rc;

	while ((c = getopt_long(argc, argv, "k:o:d:c:q", opts, NULL)) != -1) {
		switch (c) {
		case 'P': publish = true; break;
		case 'd': po.dir = optarg; break;
		case 'a': po.anchor = optarg; break;
		case 'z': po.vpn_zone = optarg; break;
		case 'r': po.resolver = optarg; break;
		case 'c': po.config = optarg; break;
		case 'k': key = optarg; break;
		case 'o': out = optarg; break;
		case PUB_OPT_JSON:
			json = true;
			pub_cli_json_errors();
			break;
		case PUB_OPT_NOW:
			if (pub_cli_now(optarg))
				return PUB_EXIT_USAGE;
			break;
		case 'q':
			po.quiet = true;
			pub_cli_quiet();
			break;
		case PUB_OPT_HELP: return pub_help(help);
		default: return pub_usage_error("sign", "bad option");
		}
	}
	if (publish) {
		if (!po.dir || argc != optind || key || out || json)
			return pub_usage_error("sign", "--publish takes -d DIR "
					       "and no -k, -o, --json or "
					       "DESCRIPTION");
		return pub_sign_publish(&po, &e) ? pub_fail(&e) : 0;
	}
	if (po.dir || po.anchor || po.vpn_zone || po.resolver || po.config)
		return pub_usage_error("sign", "-d, --anchor, --vpn-zone, "
				       "--resolver and --config go with "
				       "--publish");
	if (argc - optind != 1)
		return pub_usage_error("sign", "need one DESCRIPTION file");
	if (!key)
		return pub_usage_error("sign", "need --key KEYFILE");
	if (pub_sign_desc(argv[optind], key, out, pub_now(), &s, &r, &e) != 0)
		return pub_fail(&e);
	rc = json ? pub_json_print(pub_json_record(s.publish, &r), &e)
		  : pub_sign_emit(out, s.publish, &r, &e);
	if (rc == 0 && out && !json) {
		char t[PUB_TIMESTRLEN];
		pub_time_format(r.expires, t);
		pub_summary("sign", "site record of %s at %s, valid until %s, "
			    "written to %s", r.site, s.publish, t, out);
	}
	rr_record_free(&r);
	pub_site_free(&s);
	return rc ? pub_fail(&e) : 0;
}
