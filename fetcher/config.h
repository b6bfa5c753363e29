/*
 * config.h - vpnrr-fetch's configuration file (fetcher/CONFIG.md).
 *
 * One keyword per line, arguments separated by blanks, "double quotes"
 * around an argument with blanks, '#' starting a comment.  The loader
 * checks every value; the rest of the fetcher trusts the struct.
 */
#ifndef VPNRR_FETCH_CONFIG_H
#define VPNRR_FETCH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "rr.h"

#define FETCH_CONFIG_ERRLEN 512   /* "FILE:LINE: KEYWORD: why" */
#define FETCH_MAX_ANCHORS RR_MAX_KEYS
#define FETCH_MAX_RESOLVERS 32    /* as many as the DNS client takes */
#define FETCH_MAX_RESTRICT 256    /* restrict-nets prefixes */
#define FETCH_RESOLVERLEN 72      /* "[v6%zone]:port" + NUL */

#define FETCH_DEFAULT_STATE_DIR "/var/lib/vpnrr"
#define FETCH_DEFAULT_PEER_KEYS_DIR "/var/lib/secnet/pubkeys"
#define FETCH_DEFAULT_REFRESH_MS (3600ULL * 1000)
/* The DNS client's own defaults, defined once in dns.h. */
#define FETCH_DEFAULT_CONCURRENCY FETCH_DNS_DEFAULT_MAX_INFLIGHT
#define FETCH_DEFAULT_TIMEOUT_MS FETCH_DNS_DEFAULT_TIMEOUT_MS
#define FETCH_DEFAULT_ATTEMPTS FETCH_DNS_DEFAULT_ATTEMPTS
#define FETCH_DEFAULT_SECNET_MIN_RSA 1024
#define FETCH_SECNET_MIN_RSA_LO 768
#define FETCH_SECNET_MIN_RSA_HI 8200
#define FETCH_DEFAULT_PEER_KEYS_WATCH_MS 30000ULL
#define FETCH_DEFAULT_SECNET_CHECK "secnet -j -c"
#define FETCH_DEFAULT_EXPIRY_WARNING_MS (7ULL * 86400 * 1000)
#define FETCH_DEFAULT_MAX_HEAD_AGE_MS (7ULL * 86400 * 1000)
/* RFC 5011 section 2.4.1: 30 days. */
#define FETCH_DEFAULT_ANCHOR_HOLD_DOWN_MS (30ULL * 86400 * 1000)

struct fetch_config {
	char vpn[RR_NAMELEN];
	char zone[RR_MAX_NAME + 1]; /* lower case, no final dot */
	struct rr_pubkey anchors[FETCH_MAX_ANCHORS];
	size_t nanchors;            /* >= 1 */
	/* VPN-wide authorization; 0 prefixes means no restriction. */
	struct rr_prefix restrict_nets[FETCH_MAX_RESTRICT];
	size_t nrestrict;
	/* "192.0.2.1", "192.0.2.1:5353", "2001:db8::1", "[2001:db8::1]:53",
	 * as written (fetch_dns_parse_server takes them); 0 entries means
	 * "use /etc/resolv.conf". */
	char resolvers[FETCH_MAX_RESOLVERS][FETCH_RESOLVERLEN];
	size_t nresolvers;

	/* Absolute paths, owned by the config; NULL when not configured. */
	char *state_dir;      /* always set (default) */
	char *out_secnet;
	char *out_peer_keys;  /* always set (default); used with out_secnet */
	bool out_peer_keys_set;
	char *out_sites_file;
	char *out_json;
	char *out_wireguard;  /* an interface name, not a path */
	char *out_wg_quick;
	char *reload_command; /* run with /bin/sh -c */
	/* The node's secnet.conf: when set, every candidate configuration
	 * must pass SECNET_CHECK_COMMAND (default FETCH_DEFAULT_SECNET_CHECK,
	 * run with the candidate's path appended) before it is applied. */
	char *secnet_config;
	char *secnet_check_command;

	uint64_t refresh_interval_ms;
	uint64_t timeout_ms;        /* per query try */
	/* How long secnet has to adopt a peer-keys ~update before the
	 * fetcher installs the keys itself and restarts it: auto (the
	 * peer's key lifetime, see fetch_keys_window) or a fixed time. */
	bool peer_keys_wait_auto;
	uint64_t peer_keys_wait_ms;
	/* How long one refresh watches for the adoption before leaving it
	 * owed (checked again by every later refresh). */
	uint64_t peer_keys_watch_ms;
	uint64_t expiry_warning_ms;
	/* A head whose t= is older than this is stale (a freeze, or an admin
	 * who stopped re-signing); 0: never. */
	uint64_t max_head_age_ms;
	/* An announced anchor (SPEC.md 10.10) is trusted once it has been
	 * announced at every refresh for this long. */
	uint64_t anchor_hold_down_ms;
	unsigned concurrency;       /* queries in flight */
	unsigned attempts;          /* tries per query */
	/* record-type: which RR types to ask for at every name (at least
	 * one is set): TXT and/or the binary form (RR_TYPE_VPNRR). */
	bool query_txt, query_private;

	/* VPN-level defaults for the sites-file output (make-secnet-sites
	 * needs dh and hash somewhere above each site). */
	char *sites_dh;       /* "MODULUS GENERATOR" in hex */
	char *sites_hash;     /* "sha1" or "md5" */
	char *sites_contact;  /* the VPN level's contact, or NULL */
	/* VPN-level dh and hash of the secnet output: written once, and per
	 * site only where a site's record differs. */
	char *secnet_dh;      /* "MODULUS GENERATOR" in hex */
	char *secnet_hash;    /* "sha1" or "md5" */
	/* secnet consumer rules (secnet_rules.h): smallest rsa1 modulus */
	unsigned secnet_min_rsa_bits;
	bool has_local_site;
	char local_site[RR_SITENAMELEN]; /* "location/site" */
	/* SHA-256 of the file's bytes as parsed: outputs planned under one
	 * configuration are not taken for another's. */
	uint8_t digest[RR_HASH_LEN];
};

/*
 * Reads PATH into *OUT (which the caller owns and later passes to
 * fetch_config_free).  Returns 0, or -1 with "FILE:LINE: KEYWORD: why"
 * (or "FILE: why") in ERR; on failure *OUT holds nothing to free.
 */
int fetch_config_load(const char *path, struct fetch_config *out, char *err,
		      size_t errlen);
void fetch_config_free(struct fetch_config *cfg);

#endif
