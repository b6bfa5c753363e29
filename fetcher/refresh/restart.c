/*
 * restart.c - the secnet check of the candidate configuration and the
 * owed restart (the reload command), retried until it succeeds.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "atomicfile.h"
#include "candidate.h"
#include "internal.h"

static void on_reload(int status, const char *why, void *arg)
{
	struct fetch_refresh *rf = arg;
	char err[FETCH_ERRLEN], msg[FETCH_ERRLEN];
	size_t first = rf->nowed;

	rf->sum.reload_status = status;
	for (size_t i = 0; i < rf->nowed; i++)
		if (rf->owed[i].kind == FETCH_OWED_RELOAD && !rf->paid[i]) {
			if (first == rf->nowed)
				first = i;
			if (status == 0)
				rf->paid[i] = true;
		}
	if (status == 0) {
		fetch_log(rf->log, FETCH_LOG_NOTICE, "reload command ran");
		rf->sum.reload_owed = false;
		(void)rf_settle(rf);
		rf_finish(rf);
		return;
	}
	rr_say(msg, sizeof(msg), "reload command %s (status %d)", why, status);
	rf->sum.reload_owed = true;
	if (first < rf->nowed) {
		rf->sum.reload_attempts = rf->owed[first].attempts + 1;
		if (fetch_store_reload_failed(rf->store, rf->owed[first].id, msg,
					      err, sizeof(err)) != 0)
			rf_fail(rf, true, "state: %s", err);
	}
	rf_fail(rf, false, "reload command \"%s\" %s (status %d); still owed, "
	     "attempt %u: it is retried", rf->cfg->reload_command, why,
	     status, rf->sum.reload_attempts);
	rf_finish(rf);
}

void rf_run_reload(struct fetch_refresh *rf)
{
	int rc;

	if (rf_count_kind(rf, FETCH_OWED_RELOAD, true) == 0) {
		rf_finish(rf);
		return;
	}
	if (!rf->cfg->reload_command) {
		/* Nobody to pay: owing it forever would only hide later
		 * debts.  Said loudly instead. */
		fetch_log(rf->log, FETCH_LOG_WARN,
			  "secnet needs a restart, but no reload-command is "
			  "configured: restart it yourself");
		for (size_t i = 0; i < rf->nowed; i++)
			if (rf->owed[i].kind == FETCH_OWED_RELOAD)
				rf->paid[i] = true;
		(void)rf_settle(rf);
		rf_finish(rf);
		return;
	}
	rf->sum.reloads++;
	rc = fetch_reload_run(rf->loop, rf->cfg->reload_command,
			      RELOAD_TIMEOUT_MS, on_reload, rf);
	if (rc != 0)
		on_reload(-1, "could not be started", rf);
}

/* The check's own words, for the log: its last lines say why.  (secnet
 * -j also logs its sites' start-up, which is noise when it passes.) */
static void log_check_output(struct fetch_refresh *rf)
{
	char err[FETCH_OUTPUT_ERRLEN];
	uint8_t *text = NULL;
	size_t len = 0, start, lines = 0;

	if (fetch_file_read(rf->cand_log, 1 << 20, &text, &len, err,
			    sizeof(err)) <= 0)
		return;
	for (start = len; start > 0 && lines < 8; start--)
		if (text[start - 1] == '\n' && start != len)
			lines++;
	if (start > 0)
		start++;
	for (size_t i = start; i < len;) {
		size_t e = i;
		while (e < len && text[e] != '\n')
			e++;
		if (e > i)
			fetch_log(rf->log, FETCH_LOG_ERR, "secnet check: %.*s",
				  (int)(e - i), (const char *)text + i);
		i = e + 1;
	}
	free(text);
}

static void on_check(int status, const char *why, void *arg)
{
	struct fetch_refresh *rf = arg;

	if (status != 0) {
		rf->sum.check_failed = true;
		log_check_output(rf);
		rf_fail(rf, false, "%s refused the candidate configuration "
		     "(%s, status %d; its messages are above, and in %s): "
		     "nothing applied, the last good configuration stays",
		     rf->cfg->secnet_check_command ? rf->cfg->secnet_check_command
						   : FETCH_DEFAULT_SECNET_CHECK,
		     why, status, rf->cand_log);
		rf_finish(rf);
		return;
	}
	fetch_log(rf->log, FETCH_LOG_INFO, "candidate configuration passed "
		  "the secnet check");
	rf_commit(rf);
}

void rf_run_check(struct fetch_refresh *rf)
{
	const char *cmd = rf->cfg->secnet_check_command
				  ? rf->cfg->secnet_check_command
				  : FETCH_DEFAULT_SECNET_CHECK;
	size_t n = strlen(cmd) + strlen(rf->cand_main) + strlen(rf->cand_log) +
		   16;
	int rc;

	rf->check_cmd = malloc(n);
	if (!rf->check_cmd) {
		rf_fail(rf, false, "out of memory");
		rf_finish(rf);
		return;
	}
	(void)snprintf(rf->check_cmd, n, "%s '%s' >'%s' 2>&1", cmd,
		       rf->cand_main, rf->cand_log);
	rf->sum.checks++;
	rc = fetch_reload_run(rf->loop, rf->check_cmd, RELOAD_TIMEOUT_MS,
			      on_check, rf);
	if (rc != 0)
		on_check(-1, "could not be started", rf);
}
