/* main.c - "vpnrr": dispatch to the subcommands. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "cmd.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "keygen", pub_cmd_keygen, "make an Ed25519 or X25519 key pair" },
	{ "sign", pub_cmd_sign, "site description -> signed site record" },
	{ "zone", pub_cmd_zone, "record files -> zone-file lines" },
	{ "request", pub_cmd_request, "make a signed enrolment request" },
	{ "enrol", pub_cmd_enrol, "site: keys, description, request in one go" },
	{ "admit", pub_cmd_admit, "admin: check a request, add the member" },
	{ "accept", pub_cmd_accept, "admin: admit, index and publish a request" },
	{ "index", pub_cmd_index, "admin: sign head, pages, members; write the zone" },
	{ "revoke", pub_cmd_revoke, "admin: withdraw a site's membership" },
	{ "anchor", pub_cmd_anchor, "admin: announce or retire a trust anchor" },
	{ "resign", pub_cmd_resign, "renew what expires within a window" },
	{ "import", pub_cmd_import, "make-secnet-sites sites file -> vpnrr" },
	{ "verify", pub_cmd_verify, "check zone files, dig output or live names" },
	{ "publish", pub_cmd_publish, "send records to the primary by dynamic update" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int usage(FILE *f)
{
	fprintf(f, "Usage: vpnrr COMMAND [OPTIONS] [ARGS]\n"
		   "       vpnrr --help | --version\n\n"
		   "Publishes and audits vpnrr records: secnet/WireGuard VPN "
		   "membership\nand site data distributed through DNS.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-8s  %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f, "\n\"vpnrr COMMAND --help\" describes each command; "
		   "vpnrr(1) has the file\nformats and walk-throughs.\n\n"
		   "Exit status: 0 success (verify: valid), 1 invalid input "
		   "or record,\n2 usage error, 3 could not read, write or "
		   "fetch, 4 internal error.\n");
	return ferror(f) ? PUB_EXIT_IO : 0;
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		fputs("vpnrr: libsodium: failed to start\n", stderr);
		return PUB_EXIT_INTERNAL;
	}
	if (argc < 2) {
		usage(stderr);
		return PUB_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0)
		return usage(stdout);
	if (strcmp(argv[1], "--version") == 0) {
		printf("vpnrr %s\n", VPNRR_VERSION);
		return fflush(stdout) ? PUB_EXIT_IO : 0;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "vpnrr: %s: unknown command (see vpnrr --help)\n",
		argv[1]);
	return PUB_EXIT_USAGE;
}
