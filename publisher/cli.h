/* cli.h - command-line plumbing shared by the subcommands. */
#ifndef PUB_CLI_H
#define PUB_CLI_H

#include <stdbool.h>

#include "util.h"

/* Option ids above the ASCII range for long-only options. */
enum {
	PUB_OPT_NOW = 256,
	PUB_OPT_JSON,
	PUB_OPT_HELP,
	PUB_OPT_FIRST_FREE,
};

/* Handles --now (sets the clock): returns 0 or PUB_EXIT_USAGE. */
int pub_cli_now(const char *arg);
/* "vpnrr CMD: WHY" plus a hint to --help; returns PUB_EXIT_USAGE. */
int pub_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints HELP to stdout; returns 0 or PUB_EXIT_IO. */
int pub_help(const char *help);
/* Prints E and returns its exit code. */
int pub_fail(const struct pub_err *e);

#endif
