/*
 * chain.h - verification of the chain anchor -> head -> pages -> member ->
 * site record, with every rule of DESIGN.md's threat table.
 *
 * Pure functions: no I/O, no global state, nothing shared between calls
 * but what the caller passes.  Each may run on any thread (libuv's pool)
 * as long as its const inputs are not changed meanwhile; each writes only
 * to its own OUT, STATS and ERR.
 *
 * Flow of one refresh (the orchestrator, refresh.c):
 *   head RRset   -> fetch_chain_head    -> struct fetch_head
 *   (fetch_membership_same_head: an unchanged head skips the pages)
 *   page RRsets  -> fetch_chain_page    -> struct fetch_page (one per hash)
 *   head + pages -> fetch_chain_members -> struct fetch_membership
 *   site RRsets  -> fetch_chain_site    -> struct fetch_site_result
 *   all of it    -> fetch_state_merge (state.h) -> the new view
 */
#ifndef VPNRR_FETCH_CHAIN_H
#define VPNRR_FETCH_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "config.h"
#include "rr.h"

#define FETCH_ERRLEN 512
/* More vpnrr records than this at one name is an attack on our time. */
#define FETCH_MAX_RRSET 16
/* Members in one VPN: what a head can address (256 pages of 64). */
#define FETCH_MAX_MEMBERS (RR_MAX_PAGES * RR_MAX_PAGE_MEMBERS)

/* Why an object was rejected.  Names (fetch_reason_name) are stable:
 * logs, JSON output and tests use them. */
enum fetch_reason {
	FETCH_OK = 0,
	FETCH_R_MALFORMED, /* does not parse (syntax, limits, missing tags) */
	FETCH_R_SIGNATURE, /* signature does not verify: forged or altered */
	FETCH_R_KEY,       /* signed by a key that is not trusted here */
	FETCH_R_UNSIGNED,  /* signature missing, or where none belongs */
	FETCH_R_NAME,      /* substitution: wrong kind, VPN, site or owner */
	FETCH_R_EXPIRED,   /* freeze: validity ended */
	FETCH_R_NOTYET,    /* validity not begun */
	FETCH_R_HASH,      /* mix-and-match: page does not match the head */
	FETCH_R_ROLLBACK,  /* serial older than the high-water mark */
	FETCH_R_FORK,      /* the high-water serial with other content */
	FETCH_R_OUTSIDE,   /* network hijack: nets outside the authorization */
	FETCH_R_OVERLAP,   /* network hijack: two members' nets overlap */
	FETCH_R_DUPLICATE, /* two members with the same site name */
	FETCH_R_COUNT,     /* head n= differs from the members in its pages */
	FETCH_R_LIMIT,     /* too many records or members */
	FETCH_R_MISSING,   /* no vpnrr record where one belongs */
	FETCH_R_VERSION,   /* only records of another format version */
	FETCH_R_NOMEM,
	FETCH_R_CONSUMER,  /* hostile site owner: a value its consumer
			    * (secnet) would refuse or die of */
	FETCH_R__COUNT
};
const char *fetch_reason_name(enum fetch_reason r);

struct fetch_error {
	enum fetch_reason reason;
	char msg[FETCH_ERRLEN]; /* names the DNS name, site or tag, and why */
};

/* Counters; the caller adds up per-call stats (fetch_chain_stats_add). */
struct fetch_chain_stats {
	uint64_t heads_verified;  /* head signature checks */
	uint64_t pages_hashed;    /* page hashes computed and compared */
	uint64_t members_checked; /* member entries checked */
	uint64_t sites_verified;  /* site signature checks */
	uint64_t sites_cached;    /* site records whose bytes were verified
				   * before: signature check skipped */
	uint64_t rejected[FETCH_R__COUNT];
};
void fetch_chain_stats_add(struct fetch_chain_stats *into,
			   const struct fetch_chain_stats *from);

/* One RR's RDATA as it came from DNS: TXT (type 16: length-prefixed
 * character-strings) or the binary form (RR_TYPE_VPNRR).  Other types are
 * ignored.  Non-vpnrr TXT RRs (SPF, other versions) are ignored too. */
struct fetch_rdata {
	uint16_t type;
	const uint8_t *data;
	size_t len;
};

/* Owned copy of one RDATA. */
struct fetch_blob {
	uint16_t type;
	uint8_t *data;
	size_t len;
};

/* Copies the RDATA of every RR in RRS (TXT and TYPE65380 as ldns holds
 * them) into a new array of blobs, *N entries; 0 or -1 (out of memory). */
int fetch_rdata_from_ldns(const ldns_rr_list *rrs, struct fetch_blob **out,
			  size_t *n);
/* Views BLOBS as fetch_rdata (no copy); OUT has room for N. */
void fetch_rdata_view(const struct fetch_blob *blobs, size_t n,
		      struct fetch_rdata *out);
void fetch_blobs_free(struct fetch_blob *blobs, size_t n);

/* A high-water mark: the newest serial accepted so far and the content
 * hash of the record that carried it (to tell a replay from a fork). */
struct fetch_hw {
	bool set;
	uint32_t serial;
	uint8_t content[RR_HASH_LEN];
};

/* SHA-256 over a record's fields except sk= and sig=: the same for both
 * encodings and for the same content signed by different keys. */
void fetch_record_content(const struct rr_record *r,
			  uint8_t out[RR_HASH_LEN]);

/* The cache key of RDATA RD verified as the site record of MEMBER:
 * SHA-256 over the member entry's content and the RDATA (type included). */
void fetch_site_key(const struct rr_record *member,
		    const struct fetch_rdata *rd, uint8_t out[RR_HASH_LEN]);

/* ---- head ---------------------------------------------------------------- */

struct fetch_head {
	struct rr_record rec;          /* the chosen, verified head */
	struct fetch_blob raw;         /* its RDATA */
	uint8_t content[RR_HASH_LEN];  /* fetch_record_content */
};
void fetch_head_free(struct fetch_head *h);

/*
 * RRS: what was fetched at rr_name_head(cfg->zone).  Verifies every vpnrr
 * record as a head of cfg->vpn signed by one of cfg->anchors and valid at
 * NOW; takes the valid one with the highest serial (RFC 1982); rejects it
 * when older than HW (ROLLBACK) or as new as HW with other content (FORK).
 * HW may be NULL (nothing seen yet).  On FETCH_OK, *OUT owns the head.
 */
enum fetch_reason fetch_chain_head(const struct fetch_config *cfg,
				   const struct fetch_rdata *rrs, size_t n,
				   uint64_t now, const struct fetch_hw *hw,
				   struct fetch_head *out,
				   struct fetch_chain_stats *stats,
				   struct fetch_error *err);

/* ---- pages and members --------------------------------------------------- */

/* One member entry; STATUS says whether it may be used. */
struct fetch_member {
	struct rr_record rec;
	enum fetch_reason status;
	char why[FETCH_ERRLEN]; /* empty when STATUS is FETCH_OK */
};

struct fetch_page {
	uint8_t hash[RR_HASH_LEN];  /* as listed in the head */
	struct fetch_blob *raw;     /* the RRset's RDATA, as fetched */
	size_t nraw;
	struct fetch_member *members;
	size_t nmembers;
};
void fetch_page_free(struct fetch_page *pg);

/*
 * RRS: what was fetched at rr_name_page(cfg->zone, HASH), one member
 * entry per RR.  Fails as a whole when an entry does not parse or the
 * entries do not hash to HASH (mix-and-match: a page of another head).
 * Each entry is then checked on its own (member of cfg->vpn, unsigned,
 * valid at NOW, nets inside cfg->restrict_nets); a failing entry is kept
 * with its STATUS set, so the member count still adds up.
 */
enum fetch_reason fetch_chain_page(const struct fetch_config *cfg,
				   const uint8_t hash[RR_HASH_LEN],
				   const struct fetch_rdata *rrs, size_t n,
				   uint64_t now, struct fetch_page *out,
				   struct fetch_chain_stats *stats,
				   struct fetch_error *err);

/* A verified head with its pages, in the head's order. */
struct fetch_membership {
	struct fetch_head head;
	struct fetch_page *pages; /* head.rec.npages entries, owned */
	size_t npages;
};
void fetch_membership_free(struct fetch_membership *m);

/* True when H is the head M was built from (same serial and content):
 * its pages are then the same too (bound by hash), and need not be
 * fetched again. */
bool fetch_membership_same_head(const struct fetch_membership *m,
				const struct fetch_head *h);

/*
 * Checks across all pages of M: each page is the one the head lists at
 * its position, the entries add up to the head's n=, at most
 * FETCH_MAX_MEMBERS; then marks as rejected (both, each naming the other)
 * members with the same site name, ignoring case as DNS does (DUPLICATE),
 * and members whose nets overlap another member's (OVERLAP).  A failure
 * of the first kind fails the whole membership; marked members leave the
 * rest usable.
 */
enum fetch_reason fetch_chain_members(struct fetch_membership *m,
				      struct fetch_chain_stats *stats,
				      struct fetch_error *err);

/* Usable members (STATUS FETCH_OK) in page order, via a callback-free
 * iterator: start with *POS = 0; returns NULL at the end. */
const struct fetch_member *fetch_membership_next(
	const struct fetch_membership *m, size_t *pos);

/* ---- site records -------------------------------------------------------- */

/* What the state remembers of a site between refreshes: the high-water
 * mark, and what the last verified record holds, under its key. */
struct fetch_site_cache {
	struct fetch_hw hw;
	bool has_key;
	uint8_t key[RR_HASH_LEN];     /* fetch_site_key of that record */
	uint32_t serial;
	uint64_t not_before, expires;
	uint8_t content[RR_HASH_LEN];
};

struct fetch_site_result {
	char name[FETCH_SITENAMELEN];  /* the member's site name */
	/* The chosen record, owned; NULL when CACHED (the bytes are those
	 * the state holds: nothing was parsed). */
	struct rr_record *rec;
	uint32_t serial;
	struct fetch_blob raw;         /* its RDATA */
	char owner[RR_MAX_NAME + 1];   /* member at= it was fetched from */
	uint8_t content[RR_HASH_LEN];  /* fetch_record_content */
	/* Cache key: SHA-256 over the member entry and the RDATA, so the
	 * same bytes under a changed membership (new rk=, at=, nets=) are
	 * verified again. */
	uint8_t key[RR_HASH_LEN];
	uint64_t expires;              /* min(site x=, member x=) */
	bool cached;                   /* signature check was skipped */
};
void fetch_site_result_free(struct fetch_site_result *r);

/*
 * RRS: what was fetched at MEMBER->at.  Verifies each vpnrr record as the
 * site record of MEMBER (kind site, owner at=, VPN, site name, signed by
 * one of its rk= keys, valid at NOW).  When CACHE (may be NULL) holds the
 * key of the same bytes under the same member entry, they are not parsed
 * or verified again (stats->sites_cached): only their validity period is
 * checked, and OUT->rec is NULL.  Takes the
 * valid record with the highest serial, rejects ROLLBACK and FORK against
 * CACHE's high-water mark, and requires every announced prefix to lie
 * inside the member's nets (OUTSIDE, naming the prefix).  When the secnet
 * output is configured, the chosen record (cached or not) must also obey
 * secnet's own rules (secnet_rules.h), else CONSUMER.
 */
enum fetch_reason fetch_chain_site(const struct fetch_config *cfg,
				   const struct rr_record *member,
				   const struct fetch_rdata *rrs, size_t n,
				   uint64_t now,
				   const struct fetch_site_cache *cache,
				   struct fetch_site_result *out,
				   struct fetch_chain_stats *stats,
				   struct fetch_error *err);

#endif
