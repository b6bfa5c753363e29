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

/* After --json: every error is also printed on stdout as one line
 * {"error": {"class", "message", "file", "line", "exit"}}, so a caller
 * that parses stdout always gets JSON. */
void pub_cli_json_errors(void);
/* After -q/--quiet: no success summary on stderr. */
void pub_cli_quiet(void);
/* "vpnrr: CMD: WHAT" on stderr, the one-line summary of a command that
 * succeeded; not printed with -q, nor with --json (stdout says it). */
void pub_summary(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Handles --now (sets the clock): returns 0 or PUB_EXIT_USAGE. */
int pub_cli_now(const char *arg);
/* "vpnrr CMD: WHY" plus a hint to --help (and its JSON form after
 * --json); returns PUB_EXIT_USAGE. */
int pub_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints HELP to stdout; returns 0 or PUB_EXIT_IO. */
int pub_help(const char *help);
/* Prints E (and its JSON form after --json) and returns its exit code. */
int pub_fail(const struct pub_err *e);

#endif
