/* cmd_zone.c - "vpnrr zone": record files -> zone-file lines. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "jsonout.h"
#include "recfile.h"
#include "zonefmt.h"

static const char help[] =
"Usage: vpnrr zone [--ttl SECONDS] [--type txt|bin|both] [--json]\n"
"                  RECORDFILE...\n"
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
"  --help          this text\n";

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

int pub_cmd_zone(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ttl", required_argument, NULL, 't' },
		{ "type", required_argument, NULL, 'y' },
		{ "json", no_argument, NULL, PUB_OPT_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, PUB_OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	enum pub_ztype type = PUB_Z_BOTH;
	unsigned long ttl = 300;
	json_t *arr = NULL;
	struct pub_out o;
	struct pub_err e;
	char *end;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
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
		case PUB_OPT_JSON:
			arr = arr ? arr : json_array();
			pub_cli_json_errors();
			break;
		case 'q': pub_cli_quiet(); break;
		case PUB_OPT_HELP: return pub_help(help);
		default: return pub_usage_error("zone", "bad option");
		}
	}
	if (optind >= argc)
		return pub_usage_error("zone", "need at least one RECORDFILE");
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
