/* cli.c - command-line plumbing. */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"
#include "rr.h"
#include "timefmt.h"

int pub_cli_now(const char *arg)
{
	uint64_t t;

	if (!pub_time_parse(arg, &t))
		return pub_usage_error("--now", "%s: need YYYY-MM-DDTHH:MM:SSZ "
				       "or Unix seconds", arg);
	pub_set_now(t);
	return 0;
}

int pub_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	(void)rr_vfail(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pub_redact_secrets(msg);
	fprintf(stderr, "vpnrr: %s: ", cmd);
	pub_fputs_esc(msg, stderr);
	fprintf(stderr, " (see vpnrr %s --help)\n",
		cmd[0] == '-' ? "" : cmd);
	return PUB_EXIT_USAGE;
}

int pub_help(const char *help)
{
	struct pub_err e;

	fputs(help, stdout);
	if (pub_flush_stdout(&e) != 0)
		return pub_fail(&e);
	return 0;
}

int pub_fail(const struct pub_err *e)
{
	pub_err_print(e);
	return e->code ? e->code : PUB_EXIT_INVALID;
}
