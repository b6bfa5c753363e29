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

#include "config_int.h"
#include "output.h"

int cf_perr(struct parser *p, const char *kw, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

int cf_perr(struct parser *p, const char *kw, const char *fmt, ...)
{
	char why[FETCH_CONFIG_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	(void)rr_vfail(why, sizeof(why), fmt, ap);
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

/* ---- lines --------------------------------------------------------------- */

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

/* Reads one "quoted string" starting after the quote at *R, compacting
 * it in place at *W; \" and \\ are the only escapes. */
static int quoted(struct parser *p, char **r, char **w)
{
	char *s = *r, *d = *w;

	for (;;) {
		if (*s == '\0')
			return cf_perr(p, NULL, "unterminated \"quoted string\"");
		if (*s == '"')
			break;
		if (*s == '\\') {
			if (s[1] != '"' && s[1] != '\\')
				return cf_perr(p, NULL,
					    "only \\\" and \\\\ are escapes "
					    "inside quotes");
			s++;
		}
		*d++ = *s++;
	}
	s++; /* closing quote */
	if (*s != '\0' && !is_blank(*s))
		return cf_perr(p, NULL, "text directly after a closing quote");
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
			return cf_perr(p, NULL, "more than %d words on a line",
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
					return cf_perr(p, NULL,
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
		return cf_perr(p, NULL, "NUL byte in line");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return cf_perr(p, NULL, "control character 0x%02x", c);
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
		return cf_perr(p, NULL, "line longer than %d bytes", MAX_LINE - 1);
	if (check_chars(p, line, len) != 0 || tokenize(p, line, tok, &n) != 0)
		return -1;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < cf_nkeywords; i++) {
		const struct keyword *k = &cf_keywords[i];
		if (strcmp(tok[0], k->name) != 0)
			continue;
		if (n - 1 < k->minargs || n - 1 > k->maxargs)
			return cf_perr(p, k->name,
				    "takes %zu%s argument%s, not %zu",
				    k->minargs,
				    k->maxargs > k->minargs ? " or more" : "",
				    k->minargs == 1 && k->maxargs == 1 ? ""
								       : "s",
				    n - 1);
		if (k->slot != SLOT_REPEATABLE &&
		    cf_claim(p, k->name, (enum slot)k->slot) != 0)
			return -1;
		return k->fn(p, k->name, tok + 1, n - 1);
	}
	return cf_perr(p, tok[0], "unknown keyword");
}

static int read_lines(struct parser *p, FILE *f)
{
	crypto_hash_sha256_state h;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;

	crypto_hash_sha256_init(&h);
	errno = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		crypto_hash_sha256_update(&h, (const uint8_t *)line,
					  (size_t)len);
		p->line++;
		rc = do_line(p, line, (size_t)len);
		if (rc != 0)
			goto out;
		errno = 0;
	}
	if (errno != 0 || ferror(f)) {
		p->line = 0;
		rc = cf_perr(p, NULL, "read error: %s",
			  strerror(errno ? errno : EIO));
	}
	crypto_hash_sha256_final(&h, p->cfg->digest);
out:
	free(line);
	return rc;
}

static int finish(struct parser *p)
{
	struct fetch_config *c = p->cfg;

	p->line = 0;
	if (!p->set_line[SLOT_VPN])
		return cf_perr(p, "vpn", "missing (required)");
	if (!p->set_line[SLOT_ZONE])
		return cf_perr(p, "zone", "missing (required)");
	if (c->nanchors == 0)
		return cf_perr(p, "anchor", "missing (at least one is required)");
	if (!c->state_dir && !(c->state_dir = strdup(FETCH_DEFAULT_STATE_DIR)))
		return cf_perr(p, "state-dir", "out of memory");
	if (!c->out_peer_keys &&
	    !(c->out_peer_keys = strdup(FETCH_DEFAULT_PEER_KEYS_DIR)))
		return cf_perr(p, "output peer-keys", "out of memory");
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
	c->anchor_hold_down_ms = FETCH_DEFAULT_ANCHOR_HOLD_DOWN_MS;
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
		cf_perr(&p, NULL, "libsodium failed to start");
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
		rc = cf_perr(&p, NULL, "close: %s", strerror(errno));
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
	free(cfg->out_wireguard);
	free(cfg->out_wg_quick);
	free(cfg->reload_command);
	free(cfg->secnet_config);
	free(cfg->secnet_check_command);
	free(cfg->sites_dh);
	free(cfg->sites_hash);
	free(cfg->sites_contact);
	free(cfg->secnet_dh);
	free(cfg->secnet_hash);
	memset(cfg, 0, sizeof(*cfg));
}
