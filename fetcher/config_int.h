/*
 * config_int.h - what the files of the configuration reader share: the
 * parser, the keyword table's shape, the value checks.  Not for use
 * outside config*.c.
 */
#ifndef VPNRR_FETCH_CONFIG_INT_H
#define VPNRR_FETCH_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "output.h"

#define MAX_LINE 4096  /* a longer line is a mistake, not a config */
#define MAX_TOKENS 300 /* keyword + FETCH_MAX_RESTRICT prefixes + slack */
#define MAX_PATH 4096

/* Single-valued keywords: the line each was set on catches duplicates. */
enum slot {
	SLOT_VPN,
	SLOT_ZONE,
	SLOT_STATE_DIR,
	SLOT_RELOAD,
	SLOT_REFRESH,
	SLOT_CONCURRENCY,
	SLOT_TIMEOUT,
	SLOT_ATTEMPTS,
	SLOT_PEER_KEYS_WAIT,
	SLOT_PEER_KEYS_WATCH,
	SLOT_EXPIRY_WARNING,
	SLOT_MAX_HEAD_AGE,
	SLOT_ANCHOR_HOLD_DOWN,
	SLOT_LOCAL_SITE,
	SLOT_RECORD_TYPE,
	SLOT_SITES_DH,
	SLOT_SITES_HASH,
	SLOT_SITES_CONTACT,
	SLOT_SECNET_DH,
	SLOT_SECNET_HASH,
	SLOT_SECNET_CONFIG,
	SLOT_SECNET_CHECK,
	SLOT_SECNET_MIN_RSA,
	SLOT__COUNT,
	SLOT_REPEATABLE = -1,
};

struct parser {
	const char *path;
	unsigned line;
	struct fetch_config *cfg;
	unsigned set_line[SLOT__COUNT];
	unsigned out_line[FETCH_OUTPUTS_MAX]; /* per fetch_outputs[] entry */
	char *err;
	size_t errlen;
};

struct keyword {
	const char *name;
	int (*fn)(struct parser *p, const char *kw, char **args, size_t n);
	size_t minargs, maxargs;
	int slot;
};

int cf_perr(struct parser *p, const char *kw, const char *fmt, ...);

const char *cf_zone_normalize(const char *s, char *out, size_t outlen);

bool cf_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);

bool cf_parse_duration(const char *s, uint64_t *ms);

void cf_fmt_duration(uint64_t ms, char *out, size_t len);

const char *cf_resolver_check(const char *s);

/* The keywords, in config_keywords.c; a single-valued one is claimed
 * once per file (a second line is an error naming the first). */
extern const struct keyword cf_keywords[];
extern const size_t cf_nkeywords;
int cf_claim(struct parser *p, const char *kw, enum slot s);

#endif
