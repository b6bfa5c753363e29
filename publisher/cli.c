/* cli.c - command-line plumbing. */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"
#include "jsonout.h"
#include "rr.h"
#include "timefmt.h"

/* Process-wide: set once while the options are parsed, read when the
 * command ends. */
static bool json_errors, quiet;

void pub_cli_json_errors(void)
{
	json_errors = true;
}

void pub_cli_quiet(void)
{
	quiet = true;
}

static const char *exit_class(int code)
{
	switch (code) {
	case PUB_EXIT_USAGE: return "usage";
	case PUB_EXIT_IO: return "io";
	case PUB_EXIT_INTERNAL: return "internal";
	default: return "invalid";
	}
}

/* The human message has gone to stderr already; a failure here can only
 * be noted there too. */
static void json_error(int code, const char *msg, const char *file,
		       unsigned line)
{
	json_t *j = json_pack("{s:{s:s, s:o, s:o, s:o, s:i}}", "error",
			      "class", exit_class(code),
			      "message", pub_json_text(msg),
			      "file", file && file[0] ? pub_json_text(file)
						      : json_null(),
			      "line", line ? json_integer(line) : json_null(),
			      "exit", code);

	if (!j || json_dumpf(j, stdout, JSON_SORT_KEYS) != 0 ||
	    fputc('\n', stdout) == EOF || fflush(stdout) != 0)
		fputs("vpnrr: could not write the JSON error to standard "
		      "output\n", stderr);
	json_decref(j);
}

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
	char msg[1024], full[1200];
	va_list ap;

	va_start(ap, fmt);
	(void)rr_vfail(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pub_redact_secrets(msg);
	fprintf(stderr, "vpnrr: %s: ", cmd);
	pub_fputs_esc(msg, stderr);
	fprintf(stderr, " (see vpnrr %s --help)\n",
		cmd[0] == '-' ? "" : cmd);
	if (json_errors) {
		/* Truncation only shortens the message. */
		(void)pub_fmt(full, sizeof(full), "%s: %s", cmd, msg);
		json_error(PUB_EXIT_USAGE, full, NULL, 0);
	}
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
	int code = e->code ? e->code : PUB_EXIT_INVALID;

	pub_err_print(e);
	if (json_errors)
		json_error(code, e->msg, e->file, e->line);
	return code;
}

void pub_summary(const char *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (quiet || json_errors)
		return;
	va_start(ap, fmt);
	(void)rr_vfail(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vpnrr: %s: ", cmd);
	pub_fputs_esc(msg, stderr);
	fputc('\n', stderr);
}
