/* timefmt.c - UTC times and durations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timefmt.h"

static bool have_now;
static uint64_t fixed_now;

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

bool pub_time_parse(const char *s, uint64_t *out)
{
	struct tm tm;
	char *end;
	time_t t;

	if (parse_u64(s, (uint64_t)INT64_MAX / 2, out))
		return true;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end || strlen(s) != 20)
		return false;
	t = timegm(&tm);
	if (t < 0)
		return false;
	*out = (uint64_t)t;
	return true;
}

void pub_time_format(uint64_t t, char out[PUB_TIMESTRLEN])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t > (uint64_t)253402300799ULL || !gmtime_r(&tt, &tm) ||
	    strftime(out, PUB_TIMESTRLEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, PUB_TIMESTRLEN, "%llu", (unsigned long long)t);
}

bool pub_duration_parse(const char *s, uint64_t *out)
{
	char num[24];
	size_t n = strlen(s);
	uint64_t v, mul = 1;

	if (n == 0 || n >= sizeof(num))
		return false;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 's': mul = 1; break;
	case 'm': mul = 60; break;
	case 'h': mul = 3600; break;
	case 'd': mul = 86400; break;
	case 'w': mul = 7 * 86400; break;
	case 'y': mul = 365 * 86400; break;
	default: n++; break;
	}
	num[n - 1] = '\0';
	if (!parse_u64(num, 1000ULL * 365 * 86400, &v))
		return false;
	*out = v * mul;
	return *out <= 1000ULL * 365 * 86400;
}

void pub_set_now(uint64_t t)
{
	have_now = true;
	fixed_now = t;
}

uint64_t pub_now(void)
{
	const char *env;
	uint64_t t;

	if (have_now)
		return fixed_now;
	env = getenv("VPNRR_NOW");
	if (env && pub_time_parse(env, &t))
		return t;
	return (uint64_t)time(NULL);
}
