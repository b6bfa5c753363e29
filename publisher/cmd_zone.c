/* cmd_zone.c - "vpnrr zone": record files -> zone-file lines. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "jsonout.h"
#include "recfile.h"
#include "timefmt.h"
#include "zonefile.h"
#include "zonefmt.h"

static const char help[] =
"Usage: vpnrr zone [--ttl SECONDS] [--type txt|bin|both] [--json]\n"
"                  RECORDFILE...\n"
"       vpnrr zone --update ZONEFILE [--ttl S] [--type T] [--json] [-q]\n"
"                  RECORDFILE|ADMINZONE...\n"
"       vpnrr zone --init ZONE --ns NAME [--ns NAME...] [--mbox ADDR]\n"
"                  [--ttl SECONDS] [-o FILE]\n"
"\n"
"Prints zone-file lines for the records in each RECORDFILE (as written by\n"
"\"vpnrr sign\"; \"-\" reads standard input), at their owner names:\n"
"\n"
"  txt   a TXT RR whose text is split into strings of at most 255 bytes,\n"
"        quoted and escaped for zone files\n"
"  bin   the binary form in the private RR type 65380, in RFC 3597\n"
"        generic form (TYPE65380 \\# LEN HEX)\n"
"  both  both (the default)\n"
"\n"
"  --ttl SECONDS   TTL of the lines (default 300)\n"
"  --json          print [{\"owner\", \"ttl\", \"record\": {...}}] instead\n"
"  --help          this text\n"
"\n"
"--update ZONEFILE puts the records into ZONEFILE in place of the ones\n"
"there: every TXT and TYPE65380 record at each record's owner name goes,\n"
"and for a head (_vpnrr.ZONE) also those below p._vpnrr.ZONE and\n"
"m._vpnrr.ZONE (stale pages, revoked members). An input that is a zone\n"
"file (the admin's, as \"vpnrr index\" writes it) gives its vpnrr\n"
"records as they are. Every other line of ZONEFILE stays as it is; the\n"
"SOA serial goes up (to YYYYMMDD00 of today when that is higher, else\n"
"by one) and the file is replaced atomically. Nothing is written when\n"
"the zone already holds exactly these records. $INCLUDE is refused; a\n"
"name outside the SOA's zone is refused (relative names need $ORIGIN).\n"
"--json prints {\"zone_file\", \"changed\", \"serial\", \"removed\",\n"
"\"added\"}; -q drops the one-line summary on standard error.\n"
"\n"
"--init ZONE prints a new zone's skeleton: $ORIGIN, $TTL (--ttl), an SOA\n"
"(primary: the first --ns; mailbox --mbox, user@domain or a DNS name,\n"
"default hostmaster.ZONE; serial YYYYMMDD00; refresh 1h, retry 15m,\n"
"expire 14d, negative TTL 5m) and one NS per --ns. With -o FILE it is\n"
"written to FILE, which must not exist yet.\n";

static int one_file(FILE *f, const char *path, uint32_t ttl,
		    enum pub_ztype t, json_t *arr, struct pub_err *e)
{
	struct pub_recs rs;
	int rc = 0;

	if (pub_recs_read(path, &rs, e) != 0)
		return -1;
	for (size_t i = 0; i < rs.n && rc == 0; i++) {
		if (arr) {
			json_t *o = json_pack("{s:s, s:i, s:o}", "owner",
					      rs.v[i].owner, "ttl", (int)ttl,
					      "record", pub_json_record(NULL,
							&rs.v[i].r));
			if (!o || json_array_append_new(arr, o) != 0)
				rc = pub_errf(e, PUB_EXIT_INTERNAL, path, 0,
					      "json", "out of memory");
			continue;
		}
		rc = pub_zone_record(f, rs.v[i].owner, ttl, &rs.v[i].r,
				     t, e);
	}
	pub_recs_free(&rs);
	return rc;
}

static int do_update(const char *zonefile, char **inputs, int n,
		     uint32_t ttl, enum pub_ztype type, bool json)
{
	struct pub_zf_result res;
	struct pub_err e;

	if (pub_zonefile_update_from(zonefile, (const char *const *)inputs,
				     (size_t)n, ttl, type, pub_now(), &res,
				     &e) != 0)
		return pub_fail(&e);
	if (json)
		return pub_json_print(json_pack("{s:s, s:b, s:I, s:I, s:I}",
						"zone_file", zonefile,
						"changed", res.changed,
						"serial", (json_int_t)res.serial,
						"removed", (json_int_t)res.removed,
						"added", (json_int_t)res.added),
				      &e) == 0 ? 0 : pub_fail(&e);
	if (res.changed)
		pub_summary("zone", "%s: %zu records replaced by %zu, serial %u",
			    zonefile, res.removed, res.added,
			    (unsigned)res.serial);
	else
		pub_summary("zone", "%s: unchanged, serial %u kept", zonefile,
			    (unsigned)res.serial);
	return 0;
}

#define MAX_NS 16

static int do_init(const char *zone, const char *const *ns, size_t nns,
		   const char *mbox, uint32_t ttl, const char *out)
{
	struct pub_out o;
	struct pub_err e;
	int rc = -1;

	if (pub_out_open(&o, &e) != 0)
		return pub_fail(&e);
	if (pub_zonefile_skeleton(o.f, zone, ns, nns, mbox, ttl, pub_now(),
				  &e) != 0 || pub_out_close(&o, &e) != 0)
		goto out;
	if (out) {
		rc = pub_write_file(out, o.buf, o.len, 0644, true, &e);
		if (rc == 0)
			pub_summary("zone", "skeleton of %s written to %s", zone,
				    out);
	} else if (fwrite(o.buf, 1, o.len, stdout) != o.len) {
		pub_errf(&e, PUB_EXIT_IO, "standard output", 0, "write",
			 "failed");
	} else {
		rc = pub_flush_stdout(&e);
	}
out:
	pub_out_free(&o);
	return rc ? pub_fail(&e) : 0;
}

int pub_cmd_zone(int argc, char **argv)
{
	enum { OPT_UPDATE = PUB_OPT_FIRST_FREE, OPT_INIT, OPT_NS, OPT_MBOX };
	static const struct option opts[] = {
		{ "ttl", required_argument, NULL, 't' },
		{ "type", required_argument, NULL, 'y' },
		{ "update", required_argument, NULL, OPT_UPDATE },
		{ "init", required_argument, NULL, OPT_INIT },
		{ "ns", required_argument, NULL, OPT_NS },
		{ "mbox", required_argument, NULL, OPT_MBOX },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, PUB_OPT_JSON },
		{ "now", required_argument, NULL, PUB_OPT_NOW },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, PUB_OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	enum pub_ztype type = PUB_Z_BOTH;
	unsigned long ttl = 300;
	const char *update = NULL, *init = NULL, *mbox = NULL, *out = NULL;
	const char *ns[MAX_NS];
	size_t nns = 0;
	bool json = false;
	json_t *arr = NULL;
	struct pub_out o;
	struct pub_err e;
	char *end;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "o:q", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			ttl = strtoul(optarg, &end, 10);
			if (!*optarg || *end || ttl > 2147483647UL)
				return pub_usage_error("zone", "--ttl %s: need "
						       "0..2147483647", optarg);
			break;
		case 'y':
			if (pub_ztype_parse(optarg, &type) != 0)
				return pub_usage_error("zone", "--type %s: need "
						       "txt, bin or both",
						       optarg);
			break;
		case OPT_UPDATE: update = optarg; break;
		case OPT_INIT: init = optarg; break;
		case OPT_NS:
			if (nns == MAX_NS)
				return pub_usage_error("zone", "at most %d --ns",
						       MAX_NS);
			ns[nns++] = optarg;
			break;
		case OPT_MBOX: mbox = optarg; break;
		case 'o': out = optarg; break;
		case PUB_OPT_JSON:
			json = true;
			pub_cli_json_errors();
			break;
		case PUB_OPT_NOW:
			if (pub_cli_now(optarg))
				return PUB_EXIT_USAGE;
			break;
		case 'q': pub_cli_quiet(); break;
		case PUB_OPT_HELP: return pub_help(help);
		default: return pub_usage_error("zone", "bad option");
		}
	}
	if (update && init)
		return pub_usage_error("zone", "--update and --init exclude "
				       "each other");
	if (!init && (nns || mbox || out))
		return pub_usage_error("zone", "--ns, --mbox and -o go with "
				       "--init");
	if (init) {
		if (optind != argc || json)
			return pub_usage_error("zone", "--init takes no files "
					       "and no --json");
		if (nns == 0)
			return pub_usage_error("zone", "--init needs --ns NAME");
		return do_init(init, ns, nns, mbox, (uint32_t)ttl, out);
	}
	if (optind >= argc)
		return pub_usage_error("zone", "need at least one RECORDFILE");
	if (update)
		return do_update(update, argv + optind, argc - optind,
				 (uint32_t)ttl, type, json);
	if (json)
		arr = json_array();
	if (pub_out_open(&o, &e) != 0)
		return pub_fail(&e);
	/* Everything is built first: a failure prints no partial zone. */
	for (int i = optind; i < argc && rc == 0; i++)
		rc = one_file(o.f, argv[i], (uint32_t)ttl, type, arr, &e);
	if (rc == 0)
		rc = pub_out_close(&o, &e);
	if (rc == 0 && arr) {
		rc = pub_json_print(arr, &e);
		arr = NULL;
	} else if (rc == 0 && fwrite(o.buf, 1, o.len, stdout) != o.len) {
		rc = pub_errf(&e, PUB_EXIT_IO, "standard output", 0, "write",
			      "failed");
	}
	if (rc == 0)
		rc = pub_flush_stdout(&e);
	json_decref(arr);
	pub_out_free(&o);
	return rc ? pub_fail(&e) : 0;
}
