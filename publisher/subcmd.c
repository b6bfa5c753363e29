/* subcmd.c - running a subcommand in process. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "subcmd.h"
#include "util.h"

#define MAX_ARGS 32

int pub_subcmd(int (*fn)(int argc, char **argv), const char *const *args)
{
	char *argv[MAX_ARGS + 1];
	int argc = 0;

	/* The subcommand's getopt must not edit our strings: it permutes
	 * argv (pointers), never the characters. */
	while (args[argc] && argc < MAX_ARGS) {
		argv[argc] = (char *)args[argc];
		argc++;
	}
	if (args[argc]) {
		fprintf(stderr, "vpnrr: %s: too many arguments\n", args[0]);
		return PUB_EXIT_INTERNAL;
	}
	argv[argc] = NULL;
	/* glibc re-initialises getopt, permutation state included, when
	 * optind is 0; the caller has finished its own parsing. */
	optind = 0;
	if (fflush(stdout) != 0)
		return PUB_EXIT_IO;
	return fn(argc, argv);
}
