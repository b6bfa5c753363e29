/* timefmt.h - times (UTC, ISO 8601 or Unix seconds) and durations
 * ("90d", "12h", "10y", "3600"). */
#ifndef PUB_TIMEFMT_H
#define PUB_TIMEFMT_H

#include <stdbool.h>
#include <stdint.h>

#define PUB_TIMESTRLEN 24

/* "2036-01-01T00:00:00Z" or decimal Unix seconds. */
bool pub_time_parse(const char *s, uint64_t *out);
void pub_time_format(uint64_t t, char out[PUB_TIMESTRLEN]);
/* N followed by s, m, h, d, w or y (365 days); a bare N is seconds. */
bool pub_duration_parse(const char *s, uint64_t *out);

/* The current time: VPNRR_NOW (or --now) when set, else the clock. */
uint64_t pub_now(void);
void pub_set_now(uint64_t t);

#endif
