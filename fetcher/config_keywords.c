/*
 * config_keywords.c - one handler per keyword of vpnrr-fetch.conf, and
 * the table that names them (CONFIG.md documents each).
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

/* ---- keyword handlers ---------------------------------------------------- */

static int set_path(struct parser *p, const char *kw, const char *val,
		    char **dst)
{
	if (val[0] != '/')
		return cf_perr(p, kw, "%s: must be an absolute path", val);
	if (strlen(val) >= MAX_PATH)
		return cf_perr(p, kw, "path longer than %d bytes", MAX_PATH - 1);
	free(*dst);
	*dst = strdup(val);
	if (!*dst)
		return cf_perr(p, kw, "out of memory");
	return 0;
}

/* A network interface name as the kernel takes it (IFNAMSIZ - 1 bytes,
 * no '/', blank or ':'); wg(8) gets it as one argument. */
static int set_iface(struct parser *p, const char *kw, const char *val,
		     char **dst)
{
	size_t n = strlen(val);

	if (n == 0 || n > 15 ||
	    strspn(val, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789_-.=+") != n || val[0] == '-' ||
	    strcmp(val, ".") == 0 || strcmp(val, "..") == 0)
		return cf_perr(p, kw, "%s: not an interface name (1 to 15 "
			       "letters, digits, '_', '-', '.', '=', '+')",
			       val);
	free(*dst);
	*dst = strdup(val);
	if (!*dst)
		return cf_perr(p, kw, "out of memory");
	return 0;
}

static int kw_vpn(struct parser *p, const char *kw, char **a, size_t n)
{
	(void)n;
	if (!rr_name_valid(a[0], strlen(a[0])))
		return cf_perr(p, kw,
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
	why = cf_zone_normalize(a[0], p->cfg->zone, sizeof(p->cfg->zone));
	if (why)
		return cf_perr(p, kw, "%s: %s", a[0], why);
	/* The longest name the fetcher asks for is a page name. */
	if (rr_name_page(p->cfg->zone, zero, page, &e) != RR_OK)
		return cf_perr(p, kw, "%s: %s", a[0], e.msg);
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
		return cf_perr(p, kw, "%s", e.msg);
	for (size_t i = 0; i < c->nanchors; i++)
		if (memcmp(c->anchors[i].key, k.key, RR_PUBKEY_LEN) == 0) {
			rr_keyid_format(k.id, id);
			return cf_perr(p, kw, "key %s is listed twice", id);
		}
	if (c->nanchors >= FETCH_MAX_ANCHORS)
		return cf_perr(p, kw, "more than %d anchors", FETCH_MAX_ANCHORS);
	c->anchors[c->nanchors++] = k;
	return 0;
}

static int kw_restrict(struct parser *p, const char *kw, char **a, size_t n)
{
	struct fetch_config *c = p->cfg;
	struct rr_error e;

	for (size_t i = 0; i < n; i++) {
		if (c->nrestrict >= FETCH_MAX_RESTRICT)
			return cf_perr(p, kw, "more than %d prefixes",
				    FETCH_MAX_RESTRICT);
		if (rr_prefix_parse(a[i], &c->restrict_nets[c->nrestrict],
				    &e) != RR_OK)
			return cf_perr(p, kw, "%s: %s", a[i], e.msg);
		c->nrestrict++;
	}
	return 0;
}

static int kw_resolver(struct parser *p, const char *kw, char **a, size_t n)
{
	struct fetch_config *c = p->cfg;
	const char *why = cf_resolver_check(a[0]);
	char amb[FETCH_CONFIG_ERRLEN];

	(void)n;
	if (why)
		return cf_perr(p, kw, "%s: %s", a[0], why);
	if (fetch_dns_server_ambiguous(a[0], amb, sizeof(amb)))
		return cf_perr(p, kw, "%s", amb);
	if (c->nresolvers >= FETCH_MAX_RESOLVERS)
		return cf_perr(p, kw, "more than %d resolvers",
			    FETCH_MAX_RESOLVERS);
	memcpy(c->resolvers[c->nresolvers++], a[0], strlen(a[0]) + 1);
	return 0;
}

static int kw_state_dir(struct parser *p, const char *kw, char **a, size_t n)
{
	(void)n;
	return set_path(p, kw, a[0], &p->cfg->state_dir);
}

int cf_claim(struct parser *p, const char *kw, enum slot s)
{
	if (p->set_line[s])
		return cf_perr(p, kw, "already set on line %u", p->set_line[s]);
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
		return cf_perr(p, kw, "%s: unknown output (%s)", a[0], known);
	}
	for (i = 0; fetch_outputs[i] != d; i++)
		;
	(void)snprintf(full, sizeof(full), "output %s", a[0]);
	if (p->out_line[i])
		return cf_perr(p, full, "already set on line %u", p->out_line[i]);
	p->out_line[i] = p->line;
	if (d == &fetch_output_peerkeys)
		p->cfg->out_peer_keys_set = true;
	if (d == &fetch_output_wireguard)
		return set_iface(p, full, a[1], &p->cfg->out_wireguard);
	return set_path(p, full, a[1],
			(char **)((char *)p->cfg + d->config_path));
}

static int kw_reload(struct parser *p, const char *kw, char **a, size_t n)
{
	(void)n;
	if (a[0][0] == '\0')
		return cf_perr(p, kw, "empty command");
	p->cfg->reload_command = strdup(a[0]);
	if (!p->cfg->reload_command)
		return cf_perr(p, kw, "out of memory");
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
		return cf_perr(p, kw, "empty command");
	free(p->cfg->secnet_check_command);
	p->cfg->secnet_check_command = strdup(a[0]);
	if (!p->cfg->secnet_check_command)
		return cf_perr(p, kw, "out of memory");
	return 0;
}

static int duration(struct parser *p, const char *kw, const char *val,
		    uint64_t min, uint64_t max, uint64_t *out)
{
	char lo[32], hi[32];

	cf_fmt_duration(min, lo, sizeof(lo));
	cf_fmt_duration(max, hi, sizeof(hi));
	if (!cf_parse_duration(val, out))
		return cf_perr(p, kw,
			    "%s: not a duration (a number with unit ms, s, "
			    "m, h or d)", val);
	if (*out < min || *out > max)
		return cf_perr(p, kw, "%s: out of range %s to %s", val, lo, hi);
	return 0;
}

static int number(struct parser *p, const char *kw, const char *val,
		  unsigned min, unsigned max, unsigned *out)
{
	uint64_t v;

	if (!cf_parse_u64(val, strlen(val), UINT32_MAX, &v))
		return cf_perr(p, kw, "%s: not a number", val);
	if (v < min || v > max)
		return cf_perr(p, kw, "%s: out of range %u to %u", val, min, max);
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
		return cf_perr(p, kw, "%s: at least 2h (or 0s to turn it off)",
			    a[0]);
	p->cfg->max_head_age_ms = ms;
	return 0;
}

/* RFC 5011's hold-down: how long an announced anchor must be seen at
 * every refresh before it is trusted.  0s (tests, or an admin who
 * trusts the announcing anchor alone) adopts at first sight. */
static int kw_anchor_hold_down(struct parser *p, const char *kw, char **a,
			       size_t n)
{
	(void)n;
	return duration(p, kw, a[0], 0, 366 * 86400000ULL,
			&p->cfg->anchor_hold_down_ms);
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
		return cf_perr(p, kw, "%s: need LOCATION/SITE, each a name", a[0]);
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
		return cf_perr(p, kw, "%s: not txt, bin or both", a[0]);
	return 0;
}

/* A VPN-level dh: two hex numbers, as make-secnet-sites' dh keyword
 * takes them, stored as "MODULUS GENERATOR". */
static int dh_pair(struct parser *p, const char *kw, char **a, char **out)
{
	for (size_t i = 0; i < 2; i++)
		if (strlen(a[i]) == 0 || strspn(a[i], "0123456789abcdefABCDEF") !=
						 strlen(a[i]))
			return cf_perr(p, kw, "%s: not a hex number", a[i]);
	size_t len = strlen(a[0]) + strlen(a[1]) + 2;
	*out = malloc(len);
	if (!*out)
		return cf_perr(p, kw, "out of memory");
	snprintf(*out, len, "%s %s", a[0], a[1]);
	return 0;
}

static int hash_name(struct parser *p, const char *kw, const char *a,
		     char **out)
{
	/* secnet 0.6 has only these hash closures. */
	if (strcmp(a, "sha1") != 0 && strcmp(a, "md5") != 0)
		return cf_perr(p, kw, "%s: secnet knows sha1 and md5", a);
	*out = strdup(a);
	if (!*out)
		return cf_perr(p, kw, "out of memory");
	return 0;
}

static int kw_sites_dh(struct parser *p, const char *kw, char **a, size_t n)
{
	(void)n;
	return dh_pair(p, kw, a, &p->cfg->sites_dh);
}

static int kw_sites_hash(struct parser *p, const char *kw, char **a,
			 size_t n)
{
	(void)n;
	return hash_name(p, kw, a[0], &p->cfg->sites_hash);
}

/* Checked against make-secnet-sites' rule by the sites-file driver,
 * which names the problem with the VPN's other refusals. */
static int kw_sites_contact(struct parser *p, const char *kw, char **a,
			    size_t n)
{
	(void)n;
	p->cfg->sites_contact = strdup(a[0]);
	if (!p->cfg->sites_contact)
		return cf_perr(p, kw, "out of memory");
	return 0;
}

static int kw_secnet_dh(struct parser *p, const char *kw, char **a, size_t n)
{
	(void)n;
	return dh_pair(p, kw, a, &p->cfg->secnet_dh);
}

static int kw_secnet_hash(struct parser *p, const char *kw, char **a,
			  size_t n)
{
	(void)n;
	return hash_name(p, kw, a[0], &p->cfg->secnet_hash);
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

const struct keyword cf_keywords[] = {
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
	{ "anchor-hold-down", kw_anchor_hold_down, 1, 1,
	  SLOT_ANCHOR_HOLD_DOWN },
	{ "local-site", kw_local_site, 1, 1, SLOT_LOCAL_SITE },
	{ "record-type", kw_record_type, 1, 1, SLOT_RECORD_TYPE },
	{ "sites-file-dh", kw_sites_dh, 2, 2, SLOT_SITES_DH },
	{ "sites-file-hash", kw_sites_hash, 1, 1, SLOT_SITES_HASH },
	{ "sites-file-contact", kw_sites_contact, 1, 1, SLOT_SITES_CONTACT },
	{ "secnet-dh", kw_secnet_dh, 2, 2, SLOT_SECNET_DH },
	{ "secnet-hash", kw_secnet_hash, 1, 1, SLOT_SECNET_HASH },
	{ "secnet-config", kw_secnet_config, 1, 1, SLOT_SECNET_CONFIG },
	{ "secnet-check-command", kw_secnet_check, 1, 1, SLOT_SECNET_CHECK },
	{ "secnet-min-rsa-bits", kw_secnet_min_rsa, 1, 1,
	  SLOT_SECNET_MIN_RSA },
};

const size_t cf_nkeywords = sizeof(cf_keywords) / sizeof(cf_keywords[0]);
