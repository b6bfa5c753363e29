/*
 * config_values.c - the checks and conversions of configuration values:
 * zone names, numbers, durations, resolver addresses.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "config_int.h"
#include "output.h"

/* ---- value checks -------------------------------------------------------- */

/* Copies S into OUT (lower case, final dot dropped) and checks it is a
 * DNS name of labels [a-z0-9_-]{1,63}. */
const char *cf_zone_normalize(const char *s, char *out, size_t outlen)
{
	size_t len = strlen(s), lab = 0;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0)
		return "empty name";
	if (len >= outlen)
		return "name too long";
	for (size_t i = 0; i < len; i++) {
		char c = (char)tolower((unsigned char)s[i]);
		out[i] = c;
		if (c == '.') {
			if (lab == 0)
				return "empty label";
			lab = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return "only letters, digits, '-' and '_' are allowed "
			       "in labels";
		if (++lab > 63)
			return "label longer than 63 bytes";
	}
	out[len] = '\0';
	return NULL;
}

/* Decimal without sign; false on junk or overflow of MAX. */
bool cf_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned d;
		if (s[i] < '0' || s[i] > '9')
			return false;
		d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* "90", "90s", "500ms", "15m", "1h", "7d" -> milliseconds. */
bool cf_parse_duration(const char *s, uint64_t *ms)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = { { "ms", 1 },     { "s", 1000 },     { "", 1000 },
		      { "m", 60000 },  { "h", 3600000 },  { "d", 86400000 } };
	size_t digits = strspn(s, "0123456789");
	uint64_t v;

	if (!cf_parse_u64(s, digits, UINT32_MAX, &v))
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(s + digits, units[i].unit) == 0) {
			*ms = v * units[i].ms; /* < 2^32 * 2^27: no overflow */
			return true;
		}
	return false;
}

/* The largest unit that divides MS exactly, for messages. */
void cf_fmt_duration(uint64_t ms, char *out, size_t len)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = { { "d", 86400000 }, { "h", 3600000 }, { "m", 60000 },
		      { "s", 1000 } };
	const char *unit = "ms";
	uint64_t div = 1;

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (ms % units[i].ms == 0 && (ms > 0 || units[i].ms == 1000)) {
			unit = units[i].unit;
			div = units[i].ms;
			break;
		}
	(void)snprintf(out, len, "%llu%s", (unsigned long long)(ms / div),
		       unit);
}

/* An IPv6 literal, optionally with a %zone (the DNS client keeps it). */
static bool ipv6_ok(const char *s, size_t len)
{
	char buf[INET6_ADDRSTRLEN + 1];
	struct in6_addr a;
	const char *pct = memchr(s, '%', len);
	size_t alen = pct ? (size_t)(pct - s) : len;

	if (alen == 0 || alen >= sizeof(buf))
		return false;
	if (pct && (len - alen < 2 || len - alen > 16))
		return false;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	return inet_pton(AF_INET6, buf, &a) == 1;
}

static bool ipv4_ok(const char *s, size_t len)
{
	char buf[INET_ADDRSTRLEN + 1];
	struct in_addr a;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET, buf, &a) == 1;
}

static bool port_ok(const char *s)
{
	uint64_t v;

	return cf_parse_u64(s, strlen(s), 65535, &v) && v >= 1;
}

/* ADDR, ADDR:PORT (IPv4), V6, [V6], [V6]:PORT. */
const char *cf_resolver_check(const char *s)
{
	const char *colon = strchr(s, ':');

	if (strlen(s) >= FETCH_RESOLVERLEN)
		return "too long";
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || !ipv6_ok(s + 1, (size_t)(close - s - 1)))
			return "not [IPv6]:PORT";
		if (close[1] == '\0')
			return NULL;
		if (close[1] != ':' || !port_ok(close + 2))
			return "bad port after ']' (want :1-65535)";
		return NULL;
	}
	if (colon && strchr(colon + 1, ':'))
		return ipv6_ok(s, strlen(s))
			       ? NULL
			       : "not an IPv6 address (write [V6]:PORT to "
				 "give a port)";
	if (!ipv4_ok(s, colon ? (size_t)(colon - s) : strlen(s)))
		return "not an IPv4 address";
	if (colon && !port_ok(colon + 1))
		return "bad port (want 1-65535)";
	return NULL;
}
