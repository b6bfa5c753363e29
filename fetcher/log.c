/* log.c - stderr ("vpnrr-fetch: warning: ...") or syslog. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "log.h"
#include "rr.h"

static const int syslog_prio[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO,
				   LOG_DEBUG };
static const char *const prefix[] = { "error: ", "warning: ", "", "", "debug: " };

void fetch_log_open(struct fetch_log *l, bool use_syslog,
		    enum fetch_loglevel max)
{
	l->syslog = use_syslog;
	l->max = max;
	if (use_syslog)
		openlog("vpnrr-fetch", LOG_PID, LOG_DAEMON);
}

void fetch_log(const struct fetch_log *l, enum fetch_loglevel lvl,
	       const char *fmt, ...)
{
	char msg[1024], esc[RR_ESCAPE_CAP(sizeof(msg))];
	va_list ap;

	if (lvl > l->max)
		return;
	va_start(ap, fmt);
	(void)rr_vfail(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Messages quote names and values from DNS answers: escaped here,
	 * once, so none can forge a log line or drive the terminal. */
	rr_escape(esc, sizeof(esc), msg, strlen(msg));
	if (l->syslog)
		syslog(syslog_prio[lvl], "%s", esc);
	else
		fprintf(stderr, "vpnrr-fetch: %s%s\n", prefix[lvl], esc);
}

void fetch_log_close(struct fetch_log *l)
{
	if (l->syslog)
		closelog();
}
