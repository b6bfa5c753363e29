/* log.h - the fetcher's log: stderr or syslog, with levels. */
#ifndef VPNRR_FETCH_LOG_H
#define VPNRR_FETCH_LOG_H

#include <stdbool.h>

enum fetch_loglevel { FETCH_LOG_ERR, FETCH_LOG_WARN, FETCH_LOG_NOTICE,
		      FETCH_LOG_INFO, FETCH_LOG_DEBUG };

struct fetch_log {
	bool syslog;
	enum fetch_loglevel max; /* messages above this are dropped */
};

void fetch_log_open(struct fetch_log *l, bool use_syslog,
		    enum fetch_loglevel max);
void fetch_log(const struct fetch_log *l, enum fetch_loglevel lvl,
	       const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void fetch_log_close(struct fetch_log *l);

#endif
