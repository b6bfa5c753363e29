/*
 * rrchain.h - the rules over sets of vpnrr records: anchor -> head ->
 * pages -> members -> site records, with every rule of the threat model
 * (SPEC.md 10).  One rule book for every reader: the fetcher (vpnrr-fetch)
 * and the auditor (vpnrr verify) both take their verdicts from here.
 *
 * Pure functions: no I/O, no global state, nothing shared between calls
 * but what the caller passes.  Each may run on any thread as long as its
 * const inputs are not changed meanwhile; each writes only to its own
 * OUT, STATS and ERR.  Rules about one record alone (grammar, canonical
 * form, signature, a site's own values) are rr.h's.
 *
 * Flow of one check:
 *   head RRset   -> rrchain_verify_head    -> struct rrchain_head
 *   (rrchain_membership_same_head: an unchanged head skips the pages)
 *   page RRsets  -> rrchain_verify_page    -> struct rrchain_page (per hash)
 *   head + pages -> rrchain_verify_members -> struct rrchain_membership
 *   site RRsets  -> rrchain_verify_site    -> struct rrchain_site_result
 */
#ifndef VPNRR_RRCHAIN_H
#define VPNRR_RRCHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rr.h"

#define RRCHAIN_ERRLEN 512
/* More vpnrr records than this at one name is an attack on our time. */
#define RRCHAIN_MAX_RRSET 16
/* Members in one VPN: what a head can address (256 pages of 64). */
#define RRCHAIN_MAX_MEMBERS (RR_MAX_PAGES * RR_MAX_PAGE_MEMBERS)
/* "location/site" and its NUL. */

/* Why an object was rejected.  Names (rrchain_reason_name) are stable:
 * logs, JSON output and tests use them. */
enum rrchain_reason {
	RRCHAIN_OK = 0,
	RRCHAIN_R_MALFORMED, /* does not parse (syntax, limits, missing tags) */
	RRCHAIN_R_SIGNATURE, /* signature does not verify: forged or altered */
	RRCHAIN_R_KEY,       /* signed by a key that is not trusted here */
	RRCHAIN_R_UNSIGNED,  /* signature missing, or where none belongs */
	RRCHAIN_R_NAME,      /* substitution: wrong kind, VPN, site or owner */
	RRCHAIN_R_EXPIRED,   /* freeze: validity ended */
	RRCHAIN_R_NOTYET,    /* validity not begun */
	RRCHAIN_R_HASH,      /* mix-and-match: page does not match the head */
	RRCHAIN_R_ROLLBACK,  /* serial older than the high-water mark */
	RRCHAIN_R_FORK,      /* the high-water serial with other content */
	RRCHAIN_R_OUTSIDE,   /* network hijack: nets outside the authorization */
	RRCHAIN_R_OVERLAP,   /* network hijack: two members' nets overlap */
	RRCHAIN_R_DUPLICATE, /* two members with the same site name */
	RRCHAIN_R_COUNT,     /* head n= differs from the members in its pages */
	RRCHAIN_R_LIMIT,     /* too many records or members */
	RRCHAIN_R_MISSING,   /* no vpnrr record where one belongs */
	RRCHAIN_R_VERSION,   /* only records of another format version */
	RRCHAIN_R_NOMEM,
	RRCHAIN_R_CONSUMER,  /* hostile site owner: a value the caller's
			      * consumer (e.g. secnet) would refuse */
	RRCHAIN_R__COUNT
};
const char *rrchain_reason_name(enum rrchain_reason r);

struct rrchain_error {
	enum rrchain_reason reason;
	char msg[RRCHAIN_ERRLEN]; /* names the DNS name, site or tag, and why */
};

/* Counters; the caller adds up per-call stats (rrchain_stats_add). */
struct rrchain_stats {
	uint64_t heads_verified;  /* head signature checks */
	uint64_t pages_hashed;    /* page hashes computed and compared */
	uint64_t members_checked; /* member entries checked */
	uint64_t sites_verified;  /* site signature checks */
	uint64_t sites_cached;    /* site records whose bytes were verified
				   * before: signature check skipped */
	uint64_t heads_stored;    /* heads from the reader's own store whose
				   * content was verified before: skipped */
	uint64_t rejected[RRCHAIN_R__COUNT];
};
void rrchain_stats_add(struct rrchain_stats *into,
		       const struct rrchain_stats *from);

/* A consumer's own rules over a site record the chain accepted (a
 * hostile site owner can sign values the grammar takes but that stop
 * the consumer).  Returns RRCHAIN_OK, RRCHAIN_R_CONSUMER with a message
 * in MSG, or RRCHAIN_R_NOMEM. */
typedef enum rrchain_reason (*rrchain_consumer_fn)(
	void *arg, const struct rr_record *member, const struct rr_record *site,
	char *msg, size_t msglen);

/* What the reader trusts and expects: a node's configuration, or an
 * auditor's options.  The same policy gives the same verdicts. */
struct rrchain_policy {
	const char *zone;    /* the VPN zone: every name derives from it */
	const char *vpn;     /* the VPN name; NULL only for the head: an
			      * auditor learns it from the head it verified */
	const struct rr_pubkey *anchors;
	size_t nanchors;
	const struct rr_prefix *restrict_nets; /* none: no restriction */
	size_t nrestrict;
	rrchain_consumer_fn consumer; /* NULL: no consumer rules */
	void *consumer_arg;
	/* The records come from the reader's own store, where they were
	 * put only after they verified: a head whose content is the
	 * high-water mark's is not verified again (stats->heads_stored),
	 * though its signer must still be an anchor and its clock is
	 * checked.  Site records use the cache (rrchain_site_cache). */
	bool stored;
};

/* One RR's RDATA as it came from DNS or a zone file: TXT (type 16:
 * length-prefixed character-strings) or the binary form (RR_TYPE_VPNRR).
 * Other types are ignored, and so are TXT RRs that are not vpnrr records
 * (SPF, site notes): rrchain_rdata_is_vpnrr. */
struct rrchain_rdata {
	uint16_t type;
	const uint8_t *data;
	size_t len;
};

/* True when RD is one of ours: the binary type, or a TXT whose text
 * starts with "v=vpnrr" wherever its strings are split. */
bool rrchain_rdata_is_vpnrr(const struct rrchain_rdata *rd);

/* Owned copy of one RDATA. */
struct rrchain_blob {
	uint16_t type;
	uint8_t *data;
	size_t len;
};

/* Views BLOBS as rrchain_rdata (no copy); OUT has room for N. */
void rrchain_rdata_view(const struct rrchain_blob *blobs, size_t n,
			struct rrchain_rdata *out);
void rrchain_blobs_free(struct rrchain_blob *blobs, size_t n);

/* A high-water mark: the newest serial accepted so far and the content
 * hash of the record that carried it (to tell a replay from a fork). */
struct rrchain_hw {
	bool set;
	uint32_t serial;
	uint8_t content[RR_HASH_LEN];
};

/* SHA-256 over a record's fields except sk= and sig=: the same for both
 * encodings and for the same content signed by different keys. */
void rrchain_record_content(const struct rr_record *r,
			    uint8_t out[RR_HASH_LEN]);

/* The cache key of RDATA RD verified as the site record of MEMBER:
 * SHA-256 over the member entry's content and the RDATA (type included). */
void rrchain_site_key(const struct rr_record *member,
		      const struct rrchain_rdata *rd,
		      uint8_t out[RR_HASH_LEN]);

/* ---- head ---------------------------------------------------------------- */

struct rrchain_head {
	struct rr_record rec;          /* the chosen, verified head */
	struct rrchain_blob raw;       /* its RDATA */
	uint8_t content[RR_HASH_LEN];  /* rrchain_record_content */
};
void rrchain_head_free(struct rrchain_head *h);

/*
 * RRS: what is at rr_name_head(pol->zone).  Verifies every vpnrr record
 * as a head of pol->vpn (any VPN when NULL) signed by one of pol->anchors
 * and valid at NOW; takes the valid one with the highest serial (RFC
 * 1982); rejects it when older than HW (ROLLBACK) or as new as HW with
 * other content (FORK), and when it lists a page twice.  HW may be NULL
 * (nothing seen yet).  On RRCHAIN_OK, *OUT owns the head.
 */
enum rrchain_reason rrchain_verify_head(const struct rrchain_policy *pol,
					const struct rrchain_rdata *rrs,
					size_t n, uint64_t now,
					const struct rrchain_hw *hw,
					struct rrchain_head *out,
					struct rrchain_stats *stats,
					struct rrchain_error *err);

/* ---- pages and members --------------------------------------------------- */

/* One member entry; STATUS says whether it may be used. */
struct rrchain_member {
	struct rr_record rec;
	uint8_t content[RR_HASH_LEN]; /* rrchain_record_content of rec */
	enum rrchain_reason status;
	char why[RRCHAIN_ERRLEN]; /* empty when STATUS is RRCHAIN_OK */
};

struct rrchain_page {
	uint8_t hash[RR_HASH_LEN];  /* as listed in the head */
	struct rrchain_blob *raw;   /* the RRset's RDATA, as fetched */
	size_t nraw;
	struct rrchain_member *members;
	size_t nmembers;
};
void rrchain_page_free(struct rrchain_page *pg);

/*
 * RRS: what is at rr_name_page(pol->zone, HASH), one member entry per
 * RR.  Fails as a whole when an entry does not parse or the entries do
 * not hash to HASH (mix-and-match: a page of another head).  Each entry
 * is then checked on its own (member of pol->vpn, unsigned, valid at
 * NOW, nets inside pol->restrict_nets); a failing entry is kept with its
 * STATUS set, so the member count still adds up.
 */
enum rrchain_reason rrchain_verify_page(const struct rrchain_policy *pol,
					const uint8_t hash[RR_HASH_LEN],
					const struct rrchain_rdata *rrs,
					size_t n, uint64_t now,
					struct rrchain_page *out,
					struct rrchain_stats *stats,
					struct rrchain_error *err);

/* A verified head with its pages, in the head's order. */
struct rrchain_membership {
	struct rrchain_head head;
	struct rrchain_page *pages; /* head.rec.npages entries, owned */
	size_t npages;
};
void rrchain_membership_free(struct rrchain_membership *m);

/* True when H is the head M was built from (same serial and content):
 * its pages are then the same too (bound by hash). */
bool rrchain_membership_same_head(const struct rrchain_membership *m,
				  const struct rrchain_head *h);

/*
 * Checks across all pages of M: each page is the one the head lists at
 * its position, the entries add up to the head's n=, at most
 * RRCHAIN_MAX_MEMBERS; then the set rules of rrchain_check_entries over
 * all entries (restrict-nets were checked per page): DUPLICATE and
 * OVERLAP.  A failure of the first kind fails the whole membership;
 * marked members leave the rest usable.
 */
enum rrchain_reason rrchain_verify_members(struct rrchain_membership *m,
					   struct rrchain_stats *stats,
					   struct rrchain_error *err);

/*
 * One member as the set rules see it, however it is written down: a page
 * entry (rrchain_verify_members builds these) or an admin's member
 * description before it is published (vpnrr admit, index, import).
 */
struct rrchain_entry {
	const char *site;              /* "location/site" */
	const struct rr_prefix *nets;  /* the networks it is authorized for */
	size_t nnets;
	const char *where;             /* where it is listed ("page 2", a
					* file), for messages; may be NULL */
	/* In: RRCHAIN_OK, or a verdict reached before (kept: the first
	 * reason is the one to fix first).  Out: the verdict. */
	enum rrchain_reason status;
	char why[RRCHAIN_ERRLEN];      /* empty while STATUS is RRCHAIN_OK */
};

/*
 * The rules over a set of members, the same wherever the set comes from:
 * each entry's nets inside pol->restrict_nets (OUTSIDE); then, both
 * marked and each naming the other, entries with the same site name
 * ignoring case, as DNS does (DUPLICATE), and entries still usable whose
 * nets overlap (OVERLAP, naming both prefixes).  Only pol->restrict_nets
 * is read.  O(n log n) in the entries and their nets.  Returns RRCHAIN_OK
 * (rejected entries leave the rest usable) or RRCHAIN_R_NOMEM.
 */
enum rrchain_reason rrchain_check_entries(const struct rrchain_policy *pol,
					  struct rrchain_entry *entries,
					  size_t n,
					  struct rrchain_stats *stats,
					  struct rrchain_error *err);

/* Usable members (STATUS RRCHAIN_OK) in page order: start with *POS = 0;
 * returns NULL at the end. */
const struct rrchain_member *rrchain_membership_next(
	const struct rrchain_membership *m, size_t *pos);

/* ---- site records -------------------------------------------------------- */

/* What a reader remembers of a site between checks: the high-water
 * mark, and what the last verified record holds, under its key. */
struct rrchain_site_cache {
	struct rrchain_hw hw;
	bool has_key;
	uint8_t key[RR_HASH_LEN];     /* rrchain_site_key of that record */
	uint32_t serial;
	uint64_t not_before, expires;
	uint8_t content[RR_HASH_LEN];
	/* A hit is parsed (not verified) into OUT->rec, for a reader that
	 * kept the bytes but not the parsed record (its store). */
	bool parse;
	/* The record those bytes hold, as the reader keeps it (or NULL):
	 * a hit is not parsed again for the consumer's rules, and when
	 * CONSUMER_OK (the consumer accepted it under the settings it has
	 * now) they are not run again either. */
	const struct rr_record *rec;
	bool consumer_ok;
	/* The key of another copy of the same record seen beside it (the
	 * other encoding, with record-type both): next to a hit, those
	 * bytes are that copy again and are not parsed to find out. */
	bool has_alt;
	uint8_t alt[RR_HASH_LEN];
};

struct rrchain_site_result {
	char name[RR_SITENAMELEN]; /* the member's site name */
	/* The chosen record, owned; NULL when CACHED (the bytes are those
	 * the caller holds: nothing was parsed). */
	struct rr_record *rec;
	uint32_t serial;
	struct rrchain_blob raw;       /* its RDATA */
	char owner[RR_MAX_NAME + 1];   /* member at= it was fetched from */
	uint8_t content[RR_HASH_LEN];  /* rrchain_record_content */
	/* Cache key: SHA-256 over the member entry and the RDATA, so the
	 * same bytes under a changed membership (new rk=, at=, nets=) are
	 * verified again. */
	uint8_t key[RR_HASH_LEN];
	uint64_t expires;              /* min(site x=, member x=) */
	bool cached;                   /* signature check was skipped */
	/* The key of a copy of the chosen record in the RRset (another
	 * encoding of the same content), for the next check's cache. */
	bool has_alt;
	uint8_t alt[RR_HASH_LEN];
	/* A SHOULD of the format the record breaks (rr_site_check), or
	 * empty: the record is used all the same. */
	char warning[RRCHAIN_ERRLEN];
};
void rrchain_site_result_free(struct rrchain_site_result *r);

/*
 * RRS: what is at MEMBER->at.  MEMBER is a page entry or a stand-alone
 * member record.  Verifies each vpnrr record as the site record of MEMBER
 * (kind site, owner at=, pol->vpn, site name, signed by one of its rk=
 * keys, valid at NOW).  When CACHE (may be NULL) holds the key of the
 * same bytes under the same member entry, they are not parsed or
 * verified again (stats->sites_cached): only their validity period is
 * checked, and OUT->rec is NULL.  Takes the valid record with the highest
 * serial, rejects ROLLBACK and FORK against CACHE's high-water mark, and
 * requires every announced prefix to lie inside the member's nets
 * (OUTSIDE, naming the prefix).  With pol->consumer, the chosen record
 * (cached or not) must also pass it, else CONSUMER.
 */
enum rrchain_reason rrchain_verify_site(const struct rrchain_policy *pol,
					const struct rr_record *member,
					const struct rrchain_rdata *rrs,
					size_t n, uint64_t now,
					const struct rrchain_site_cache *cache,
					struct rrchain_site_result *out,
					struct rrchain_stats *stats,
					struct rrchain_error *err);

/* The same for a page entry M, whose content hash its page check kept:
 * a reader that checks every site of a VPN on every refresh does not
 * hash every member entry again. */
enum rrchain_reason rrchain_verify_entry_site(
	const struct rrchain_policy *pol, const struct rrchain_member *m,
	const struct rrchain_rdata *rrs, size_t n, uint64_t now,
	const struct rrchain_site_cache *cache,
	struct rrchain_site_result *out, struct rrchain_stats *stats,
	struct rrchain_error *err);

/* ---- anchor statements (SPEC.md 10.10) ----------------------------------- */

/* Keys a reader holds in one role (trusted, pending, retired). */
#define RRCHAIN_MAX_ANCHOR_KEYS RR_MAX_KEYS

struct rrchain_anchor_stmt {
	bool retire;                  /* retire=; else add= */
	struct rr_pubkey key;         /* the key announced or retired */
	uint8_t signer[RR_KEYID_LEN]; /* sk= key id */
	uint32_t serial;
	uint64_t not_before, expires;
	enum rrchain_reason status;   /* RRCHAIN_OK: the reader may act on it */
	char why[RRCHAIN_ERRLEN];     /* empty while STATUS is RRCHAIN_OK */
};

/*
 * RRS: what is at rr_name_anchor(pol->zone).  Every vpnrr record gets one
 * OUT entry (OUT has room for RRCHAIN_MAX_RRSET; *NOUT of them used) with
 * its own verdict: an anchor statement of pol->vpn, valid at NOW, and
 *  - retire=K: signed by K itself, K one of pol->anchors, PENDING or
 *    RETIRED (a retirement seen again is still valid);
 *  - add=K: signed by one of pol->anchors that neither RETIRED nor a
 *    valid retirement in RRS retires (KEY, naming the retired signer),
 *    and K not retired (KEY).
 * Retirements are judged first: what the same RRset retires vouches for
 * nothing in it.  Returns RRCHAIN_OK (verdicts per statement), or LIMIT
 * (more than RRCHAIN_MAX_RRSET records) with nothing in OUT.
 */
enum rrchain_reason rrchain_verify_anchors(
	const struct rrchain_policy *pol, const struct rrchain_rdata *rrs,
	size_t n, uint64_t now, const struct rr_pubkey *pending,
	size_t npending, const struct rr_pubkey *retired, size_t nretired,
	struct rrchain_anchor_stmt *out, size_t *nout,
	struct rrchain_stats *stats, struct rrchain_error *err);

/* rrchain_site_key for page entry M. */
void rrchain_entry_site_key(const struct rrchain_member *m,
			    const struct rrchain_rdata *rd,
			    uint8_t out[RR_HASH_LEN]);

#endif
