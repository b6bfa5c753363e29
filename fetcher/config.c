/*
 * config.c - reads vpnrr-fetch.conf (see CONFIG.md).
 *
 * Every mistake is reported as "FILE:LINE: KEYWORD: why" and stops the
 * load: a node that silently ignored a line could end up trusting the
 * wrong anchor or writing to the wrong place.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

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
	SLOT_LOCAL_SITE,
	SLOT_RECORD_TYPE,
	SLOT_SITES_DH,
	SLOT_SITES_HASH,
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

static int perr(struct parser *p, const char *kw, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(struct parser *p, const char *kw, const char *fmt, ...)
{
	char why[FETCH_CONFIG_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(why, sizeof(why), fmt, ap) < 0)
		why[0] = '\0';
	va_end(ap);
	/* Truncation keeps the start, which names the file and line. */
	if (kw && p->line)
		(void)snprintf(p->err, p->errlen, "%s:%u: %s: %s", p->path,
			       p->line, kw, why);
	else if (kw)
		(void)snprintf(p->err, p->errlen, "%s: %s: %s", p->path, kw,
			       why);
	else if (p->line)
		(void)snprintf(p->err, p->errlen, "%s:%u: %s", p->path,
			       p->line, why);
	else
		(void)snprintf(p->err, p->errlen, "%s: %s", p->path, why);
	return -1;
}

/* ---- value checks -------------------------------------------------------- */

/* Copies S into OUT (lower case, final dot dropped) and checks it is a
 * DNS name of labels [a-z0-9_-]{1,63}. */
static const char *zone_normalize(const char *s, char *out, size_t outlen)
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
static bool parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
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
static bool parse_duration(const char *s, uint64_t *ms)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = { { "ms", 1 },     { "s", 1000 },     { "", 1000 },
		      { "m", 60000 },  { "h", 3600000 },  { "d", 86400000 } };
	size_t digits = strspn(s, "0123456789");
	uint64_t v;

	if (!parse_u64(s, digits, UINT32_MAX, &v))
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(s + digits, units[i].unit) == 0) {
			*ms = v * units[i].ms; /* < 2^32 * 2^27: no overflow */
			return true;
		}
	return false;
}

/* The largest unit that divides MS exactly, for messages. */
static void fmt_duration(uint64_t ms, char *out, size_t len)
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

	return parse_u64(s, strlen(s), 65535, &v) && v >= 1;
}

/* ADDR, ADDR:PORT (IPv4), V6, [V6], [V6]:PORT. */
static const char *resolver_check(const char *s)
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

/* ---- keyword handlers ---------------------------------------------------- */

static int set_path(struct parser *p, const char *kw, const char *val,
		    char **dst)
{
	if (val[0] != '/')
		return perr(p, kw, "%s: must be an absolute path", val);
	if (strlen(val) >= MAX_PATH)
		return perr(p, kw, "path longer than %d bytes", MAX_PATH - 1);
	free(*dst);
	*dst = strdup(val);
	if (!*dst)
		return perr(p, kw, "out of memory");
	return 0;
}

static int kw_vpn(struct parser *p, const char *kw, char **a, size_t n)
{
	(void)n;
	if (!rr_name_valid(a[0], strlen(a[0])))
		return perr(p, kw,
			    "%s: a VPN name is a letter, then up to 62 "
			    "letters, digits, '-' or '_'", a[0]);
	memcpy(p->cfg->vpn, a[0], strlen(a[0]) + 1);
	return 0;
}

static int kw_zone(struct parser *p, const char *kw, char **a, size_t n)
{
	char page[RR_MAX_NAME + 1];
	uint8_t zero[RR_HASH_LEN] = { 0 };
	struct rr_error e;
	const char *why;

	(void)n;
	why = zone_normalize(a[0], p->cfg->zone, sizeof(p->cfg->zone));
	if (why)
		return perr(p, kw, "%s: %s", a[0], why);
	/* The longest name the fetcher asks for is a page name. */
	if (rr_name_page(p->cfg->zone, zero, page, &e) != RR_OK)
		return perr(p, kw, "%s: %s", a[0], e.msg);
	return 0;
}

static int kw_anchor(struct parser *p, const char *kw, char **a, size_t n)
{
	struct fetch_config *c = p->cfg;
	struct rr_pubkey k;
	struct rr_error e;
	char id[2 * RR_KEYID_LEN + 1];

	(void)n;
	if (rr_pubkey_parse(a[0], &k, &e) != RR_OK)
		return perr(p, kw, "%s", e.msg);
	for (size_t i = 0; i < c->nanchors; i++)
		if (memcmp(c->anchors[i].key, k.key, RR_PUBKEY_LEN) == 0) {
			rr_keyid_format(k.id, id);
			return perr(p, kw, "key %s is listed twice", id);
		}
	if (c->nanchors >= FETCH_MAX_ANCHORS)
		return perr(p, kw, "more than %d anchors", FETCH_MAX_ANCHORS);
	c->anchors[c->nanchors++] = k;
	return 0;
}

static int kw_restrict(struct parser *p, const char *kw, char **a, size_t n)
{
	struct fetch_config *c = p->cfg;
	struct rr_error e;

	for (size_t i = 0; i < n; i++) {
		if (c->nrestrict >= FETCH_MAX_RESTRICT)
			return perr(p, kw, "more than %d prefixes",
				    FETCH_MAX_RESTRICT);
		if (rr_prefix_parse(a[i], &c->restrict_nets[c->nrestrict],
				    &e) != RR_OK)
			return perr(p, kw, "%s: %s", a[i], e.msg);
		c->nrestrict++;
	}
	return 0;
}

static int kw_resolver(struct parser *p, const char *kw, char **a, size_t n)
{
	struct fetch_config *c = p->cfg;
	const char *why = resolver_check(a[0]);

	(void)n;
	if (why)
		return perr(p, kw, "%s: %s", a[0], why);
	if (c->nresolvers >= FETCH_MAX_RESOLVERS)
		return perr(p, kw, "more than %d resolvers",
			    FETCH_MAX_RESOLVERS);
	memcpy(c->resolvers[c->nresolvers++], a[0], strlen(a[0]) + 1);
	return 0;
}

static int kw_state_dir(struct parser *p, const char *kw, char **a, size_t n)
{
	(void)n;
	return set_path(p, kw, a[0], &p->cfg->state_dir);
}

static int claim(struct parser *p, const char *kw, enum slot s)
{
	if (p->set_line[s])
		return perr(p, kw, "already set on line %u", p->set_line[s]);
	p->set_line[s] = p->line;
	return 0;
}

/* `output KIND PATH': the kinds are the output drivers' keywords, each
 * its own single-valued keyword, and the driver says where PATH goes. */
static int kw_output(struct parser *p, const char *kw, char **a, size_t n)
{
	const struct fetch_output_driver *d = fetch_output_find(a[0]);
	char full[64], known[256] = "";
	size_t i;

	(void)n;
	if (!d) {
		for (i = 0; i < fetch_noutputs; i++)
			(void)snprintf(known + strlen(known),
				       sizeof(known) - strlen(known), "%s%s",
				       i ? ", " : "", fetch_outputs[i]->keyword);
		return perr(p, kw, "%s: unknown output (%s)", a[0], known);
	}
	for (i = 0; fetch_outputs[i] != d; i++)
		;
	(void)snprintf(full, sizeof(full), "output %s", a[0]);
	if (p->out_line[i])
		return perr(p, full, "already set on line %u", p->out_line[i]);
	p->out_line[i] = p->line;
	if (d == &fetch_output_peerkeys)
		p->cfg->out_peer_keys_set = true;
	return set_path(p, full, a[1],
			(char **)((char *)p->cfg + d->config_path));
}

static int kw_reload(struct parser *p, const char *kw, char **a, size_t n)
{
	(void)n;
	if (a[0][0] == '\0')
		return perr(p, kw, "empty command");
	p->cfg->reload_command = strdup(a[0]);
	if (!p->cfg->reload_command)
		return perr(p, kw, "out of memory");
	return 0;
}

static int kw_secnet_config(struct parser *p, const char *kw, char **a,
			    size_t n)
{
	(void)n;
	return set_path(p, kw, a[0], &p->cfg->secnet_config);
}

static int kw_secnet_check(struct parser *p, const char *kw, char **a,
			   size_t n)
{
	(void)n;
	if (a[0][0] == '\0')
		return perr(p, kw, "empty command");
	free(p->cfg->secnet_check_command);
	p->cfg->secnet_check_command = strdup(a[0]);
	if (!p->cfg->secnet_check_command)
		return perr(p, kw, "out of memory");
	return 0;
}

static int duration(struct parser *p, const char *kw, const char *val,
		    uint64_t min, uint64_t max, uint64_t *out)
{
	char lo[32], hi[32];

	fmt_duration(min, lo, sizeof(lo));
	fmt_duration(max, hi, sizeof(hi));
	if (!parse_duration(val, out))
		return perr(p, kw,
			    "%s: not a duration (a number with unit ms, s, "
			    "m, h or d)", val);
	if (*out < min || *out > max)
		return perr(p, kw, "%s: out of range %s to %s", val, lo, hi);
	return 0;
}

static int number(struct parser *p, const char *kw, const char *val,
		  unsigned min, unsigned max, unsigned *out)
{
	uint64_t v;

	if (!parse_u64(val, strlen(val), UINT32_MAX, &v))
		return perr(p, kw, "%s: not a number", val);
	if (v < min || v > max)
		return perr(p, kw, "%s: out of range %u to %u", val, min, max);
	*out = (unsigned)v;
	return 0;
}

static int kw_refresh(struct parser *p, const char *kw, char **a, size_t n)
{
	(void)n;
	return duration(p, kw, a[0], 10000, 30 * 86400000ULL,
			&p->cfg->refresh_interval_ms);
}

static int kw_timeout(struct parser *p, const char *kw, char **a, size_t n)
{
	(void)n;
	return duration(p, kw, a[0], 10, 60000, &p->cfg->timeout_ms);
}

static int kw_pkwait(struct parser *p, const char *kw, char **a, size_t n)
{
	(void)n;
	if (strcmp(a[0], "auto") == 0) {
		p->cfg->peer_keys_wait_auto = true;
		return 0;
	}
	p->cfg->peer_keys_wait_auto = false;
	return duration(p, kw, a[0], 0, 30 * 86400000ULL,
			&p->cfg->peer_keys_wait_ms);
}

static int kw_pkwatch(struct parser *p, const char *kw, char **a, size_t n)
{
	(void)n;
	return duration(p, kw, a[0], 0, 3600000, &p->cfg->peer_keys_watch_ms);
}

static int kw_expiry(struct parser *p, const char *kw, char **a, size_t n)
{
	(void)n;
	return duration(p, kw, a[0], 0, 365 * 86400000ULL,
			&p->cfg->expiry_warning_ms);
}

/* 0s turns the check off; otherwise at least an hour, since the publisher
 * backdates t= by that much for clock skew. */
static int kw_max_head_age(struct parser *p, const char *kw, char **a,
			   size_t n)
{
	uint64_t ms = 0;

	(void)n;
	if (duration(p, kw, a[0], 0, 366 * 86400000ULL, &ms) != 0)
		return -1;
	if (ms != 0 && ms < 7200000ULL)
		return perr(p, kw, "%s: at least 2h (or 0s to turn it off)",
			    a[0]);
	p->cfg->max_head_age_ms = ms;
	return 0;
}

static int kw_concurrency(struct parser *p, const char *kw, char **a, size_t n)
{
	(void)n;
	return number(p, kw, a[0], 1, 4096, &p->cfg->concurrency);
}

static int kw_attempts(struct parser *p, const char *kw, char **a, size_t n)
{
	(void)n;
	/* 64 is the DNS client's FETCH_DNS_MAX_ATTEMPTS. */
	return number(p, kw, a[0], 1, 64, &p->cfg->attempts);
}

static int kw_local_site(struct parser *p, const char *kw, char **a, size_t n)
{
	(void)n;
	if (!rr_sitename_valid(a[0], strlen(a[0])))
		return perr(p, kw, "%s: need LOCATION/SITE, each a name", a[0]);
	memcpy(p->cfg->local_site, a[0], strlen(a[0]) + 1);
	p->cfg->has_local_site = true;
	return 0;
}

/* The publisher's names (vpnrr zone --type). */
static int kw_record_type(struct parser *p, const char *kw, char **a,
			  size_t n)
{
	struct fetch_config *c = p->cfg;

	(void)n;
	c->query_txt = strcmp(a[0], "txt") == 0 || strcmp(a[0], "both") == 0;
	c->query_private = strcmp(a[0], "bin") == 0 ||
			   strcmp(a[0], "both") == 0;
	if (!c->query_txt && !c->query_private)
		return perr(p, kw, "%s: not txt, bin or both", a[0]);
	return 0;
}

/* The sites-file output's VPN-level dh: two hex numbers, as
 * make-secnet-sites' dh keyword takes them. */
static int kw_sites_dh(struct parser *p, const char *kw, char **a, size_t n)
{
	(void)n;
	for (size_t i = 0; i < 2; i++)
		if (strlen(a[i]) == 0 || strspn(a[i], "0123456789abcdefABCDEF") !=
						 strlen(a[i]))
			return perr(p, kw, "%s: not a hex number", a[i]);
	size_t len = strlen(a[0]) + strlen(a[1]) + 2;
	p->cfg->sites_dh = malloc(len);
	if (!p->cfg->sites_dh)
		return perr(p, kw, "out of memory");
	snprintf(p->cfg->sites_dh, len, "%s %s", a[0], a[1]);
	return 0;
}

static int kw_sites_hash(struct parser *p, const char *kw, char **a,
			 size_t n)
{
	(void)n;
	/* secnet 0.6 has only these hash closures. */
	if (strcmp(a[0], "sha1") != 0 && strcmp(a[0], "md5") != 0)
		return perr(p, kw, "%s: secnet knows sha1 and md5", a[0]);
	p->cfg->sites_hash = strdup(a[0]);
	if (!p->cfg->sites_hash)
		return perr(p, kw, "out of memory");
	return 0;
}

/* Below 768 bits a signature hash of up to 64 bytes no longer fits
 * secnet's PKCS#1 padding ("rsa: message too big", fatal); above
 * make-secnet-sites' 8200 no key would pass at all. */
static int kw_secnet_min_rsa(struct parser *p, const char *kw, char **a,
			     size_t n)
{
	(void)n;
	return number(p, kw, a[0], FETCH_SECNET_MIN_RSA_LO,
		      FETCH_SECNET_MIN_RSA_HI, &p->cfg->secnet_min_rsa_bits);
}

static const struct keyword keywords[] = {
	{ "vpn", kw_vpn, 1, 1, SLOT_VPN },
	{ "zone", kw_zone, 1, 1, SLOT_ZONE },
	{ "anchor", kw_anchor, 1, 1, SLOT_REPEATABLE },
	{ "restrict-nets", kw_restrict, 1, MAX_TOKENS, SLOT_REPEATABLE },
	{ "resolver", kw_resolver, 1, 1, SLOT_REPEATABLE },
	{ "state-dir", kw_state_dir, 1, 1, SLOT_STATE_DIR },
	{ "output", kw_output, 2, 2, SLOT_REPEATABLE }, /* slots per kind */
	{ "reload-command", kw_reload, 1, 1, SLOT_RELOAD },
	{ "refresh-interval", kw_refresh, 1, 1, SLOT_REFRESH },
	{ "concurrency", kw_concurrency, 1, 1, SLOT_CONCURRENCY },
	{ "timeout", kw_timeout, 1, 1, SLOT_TIMEOUT },
	{ "attempts", kw_attempts, 1, 1, SLOT_ATTEMPTS },
	{ "peer-keys-wait", kw_pkwait, 1, 1, SLOT_PEER_KEYS_WAIT },
	{ "peer-keys-watch", kw_pkwatch, 1, 1, SLOT_PEER_KEYS_WATCH },
	{ "expiry-warning", kw_expiry, 1, 1, SLOT_EXPIRY_WARNING },
	{ "max-head-age", kw_max_head_age, 1, 1, SLOT_MAX_HEAD_AGE },
	{ "local-site", kw_local_site, 1, 1, SLOT_LOCAL_SITE },
	{ "record-type", kw_record_type, 1, 1, SLOT_RECORD_TYPE },
	{ "sites-file-dh", kw_sites_dh, 2, 2, SLOT_SITES_DH },
	{ "sites-file-hash", kw_sites_hash, 1, 1, SLOT_SITES_HASH },
	{ "secnet-config", kw_secnet_config, 1, 1, SLOT_SECNET_CONFIG },
	{ "secnet-check-command", kw_secnet_check, 1, 1, SLOT_SECNET_CHECK },
	{ "secnet-min-rsa-bits", kw_secnet_min_rsa, 1, 1,
	  SLOT_SECNET_MIN_RSA },
};

/* ---- lines --------------------------------------------------------------- */

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

/* Reads one "quoted string" starting after the quote at *R, compacting
 * it in place at *W; \" and \\ are the only escapes. */
static int quoted(struct parser *p, char **r, char **w)
{
	char *s = *r, *d = *w;

	for (;;) {
		if (*s == '\0')
			return perr(p, NULL, "unterminated \"quoted string\"");
		if (*s == '"')
			break;
		if (*s == '\\') {
			if (s[1] != '"' && s[1] != '\\')
				return perr(p, NULL,
					    "only \\\" and \\\\ are escapes "
					    "inside quotes");
			s++;
		}
		*d++ = *s++;
	}
	s++; /* closing quote */
	if (*s != '\0' && !is_blank(*s))
		return perr(p, NULL, "text directly after a closing quote");
	*r = s;
	*w = d;
	return 0;
}

/* Splits LINE in place into words; '#' at the start of a word begins a
 * comment, so paths may still contain '#'. */
static int tokenize(struct parser *p, char *line, char **tok, size_t *n)
{
	char *r = line;

	*n = 0;
	for (;;) {
		char *w;
		while (is_blank(*r))
			r++;
		if (*r == '\0' || *r == '#')
			return 0;
		if (*n >= MAX_TOKENS)
			return perr(p, NULL, "more than %d words on a line",
				    MAX_TOKENS);
		w = r;
		tok[(*n)++] = w;
		if (*r == '"') {
			r++;
			if (quoted(p, &r, &w) != 0)
				return -1;
		} else {
			while (*r && !is_blank(*r)) {
				if (*r == '"')
					return perr(p, NULL,
						    "quote inside a word");
				r++;
			}
			w = r;
		}
		if (*r == '\0') {
			*w = '\0';
			return 0;
		}
		*w = '\0';
		r++;
	}
}

static int check_chars(struct parser *p, const char *line, size_t len)
{
	if (strlen(line) != len)
		return perr(p, NULL, "NUL byte in line");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return perr(p, NULL, "control character 0x%02x", c);
	}
	return 0;
}

static int do_line(struct parser *p, char *line, size_t len)
{
	char *tok[MAX_TOKENS];
	size_t n;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	if (len >= MAX_LINE)
		return perr(p, NULL, "line longer than %d bytes", MAX_LINE - 1);
	if (check_chars(p, line, len) != 0 || tokenize(p, line, tok, &n) != 0)
		return -1;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		const struct keyword *k = &keywords[i];
		if (strcmp(tok[0], k->name) != 0)
			continue;
		if (n - 1 < k->minargs || n - 1 > k->maxargs)
			return perr(p, k->name,
				    "takes %zu%s argument%s, not %zu",
				    k->minargs,
				    k->maxargs > k->minargs ? " or more" : "",
				    k->minargs == 1 && k->maxargs == 1 ? ""
								       : "s",
				    n - 1);
		if (k->slot != SLOT_REPEATABLE &&
		    claim(p, k->name, (enum slot)k->slot) != 0)
			return -1;
		return k->fn(p, k->name, tok + 1, n - 1);
	}
	return perr(p, tok[0], "unknown keyword");
}

static int read_lines(struct parser *p, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;

	errno = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		p->line++;
		rc = do_line(p, line, (size_t)len);
		if (rc != 0)
			goto out;
		errno = 0;
	}
	if (errno != 0 || ferror(f)) {
		p->line = 0;
		rc = perr(p, NULL, "read error: %s",
			  strerror(errno ? errno : EIO));
	}
out:
	free(line);
	return rc;
}

static int finish(struct parser *p)
{
	struct fetch_config *c = p->cfg;

	p->line = 0;
	if (!p->set_line[SLOT_VPN])
		return perr(p, "vpn", "missing (required)");
	if (!p->set_line[SLOT_ZONE])
		return perr(p, "zone", "missing (required)");
	if (c->nanchors == 0)
		return perr(p, "anchor", "missing (at least one is required)");
	if (!c->state_dir && !(c->state_dir = strdup(FETCH_DEFAULT_STATE_DIR)))
		return perr(p, "state-dir", "out of memory");
	if (!c->out_peer_keys &&
	    !(c->out_peer_keys = strdup(FETCH_DEFAULT_PEER_KEYS_DIR)))
		return perr(p, "output peer-keys", "out of memory");
	return 0;
}

static void defaults(struct fetch_config *c)
{
	memset(c, 0, sizeof(*c));
	c->refresh_interval_ms = FETCH_DEFAULT_REFRESH_MS;
	c->timeout_ms = FETCH_DEFAULT_TIMEOUT_MS;
	c->peer_keys_wait_ms = 0;
	c->peer_keys_wait_auto = true;
	c->peer_keys_watch_ms = FETCH_DEFAULT_PEER_KEYS_WATCH_MS;
	c->expiry_warning_ms = FETCH_DEFAULT_EXPIRY_WARNING_MS;
	c->max_head_age_ms = FETCH_DEFAULT_MAX_HEAD_AGE_MS;
	c->concurrency = FETCH_DEFAULT_CONCURRENCY;
	c->attempts = FETCH_DEFAULT_ATTEMPTS;
	c->secnet_min_rsa_bits = FETCH_DEFAULT_SECNET_MIN_RSA;
	c->query_txt = c->query_private = true;
}

int fetch_config_load(const char *path, struct fetch_config *out, char *err,
		      size_t errlen)
{
	struct parser p = { .path = path, .cfg = out, .err = err,
			    .errlen = errlen };
	FILE *f = NULL;
	int rc = -1;

	defaults(out);
	/* Key ids are SHA-256 through libsodium. */
	if (sodium_init() < 0) {
		perr(&p, NULL, "libsodium failed to start");
		goto out;
	}
	f = fopen(path, "re");
	if (!f) {
		(void)snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = read_lines(&p, f);
	if (rc == 0)
		rc = finish(&p);
out:
	if (f && fclose(f) != 0 && rc == 0)
		rc = perr(&p, NULL, "close: %s", strerror(errno));
	if (rc != 0)
		fetch_config_free(out);
	return rc;
}

void fetch_config_free(struct fetch_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->state_dir);
	free(cfg->out_secnet);
	free(cfg->out_peer_keys);
	free(cfg->out_sites_file);
	free(cfg->out_json);
	free(cfg->reload_command);
	free(cfg->secnet_config);
	free(cfg->secnet_check_command);
	free(cfg->sites_dh);
	free(cfg->sites_hash);
	memset(cfg, 0, sizeof(*cfg));
}
