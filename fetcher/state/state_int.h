/*
 * state_int.h - what the files of the state share (state/README.md):
 * the state's structures and the calls between merge.c, save.c, load.c
 * and state.c.  Not for use outside fetcher/state/.
 *
 * Invariants:
 *  - head_hw and each site's hw only move forward (RFC 1982), and are
 *    only set from records that were accepted;
 *  - a site entry's record, when present, verified under the membership
 *    entry it is paired with, and its serial is the site's hw;
 *  - the membership, when present, is the last good head with all its
 *    pages, and its head has not expired as of the last merge.
 */
#ifndef VPNRR_FETCH_STATE_INT_H
#define VPNRR_FETCH_STATE_INT_H

#include <sodium.h>
#include <sqlite3.h>

#include "state.h"

#define MAX_RDATA_BYTES (RR_MAX_RDATA + RR_MAX_RDATA / RR_MAX_STRING + 1)

struct site_entry {
	char name[RR_SITENAMELEN];
	struct rrchain_hw hw;
	/* The last good record, or rec == NULL. */
	struct rr_record *rec;
	struct rrchain_blob raw;
	char owner[RR_MAX_NAME + 1];
	uint8_t content[RR_HASH_LEN];
	uint8_t key[RR_HASH_LEN];
	bool has_alt;             /* the key of another copy of the record */
	uint8_t alt[RR_HASH_LEN];
	uint64_t expires;
	/* This merge only: the membership entry (any status) and whether a
	 * new result arrived. */
	const struct rrchain_member *entry;
	bool usable; /* entry is RRCHAIN_OK and valid now */
	bool fresh;
	bool taken;  /* moved into the next generation */
	/* The store's row for this name (stored) holds what row digests
	 * (st_row_digest; zero when it holds something else): saving
	 * writes only rows that differ.  pend: what the open transaction
	 * wrote. */
	bool stored, pending;
	uint8_t row[RR_HASH_LEN], pend[RR_HASH_LEN];
};

/* Open addressing, linear probing; slots hold index + 1, 0 is empty.
 * Keys are site names hashed with SipHash under a per-state random key,
 * so names chosen by an admin cannot make lookups degrade. */
struct table {
	uint32_t *slots;
	size_t mask;
};

struct fetch_state {
	char *dir;
	struct fetch_store *store; /* borrowed: fetch_state_load's */
	/* The store holds the state that hashes to saved_digest (saved);
	 * pending_digest is what the open transaction writes. */
	bool saved, pending;
	uint8_t saved_digest[RR_HASH_LEN], pending_digest[RR_HASH_LEN];
	bool empty; /* the load found nothing stored */
	char vpn[RR_NAMELEN], zone[RR_MAX_NAME + 1];
	struct rrchain_hw head_hw;
	bool has_mem;
	struct rrchain_membership mem;
	struct site_entry *sites;
	size_t nsites;
	struct table tab;
	uint8_t hkey[crypto_shorthash_KEYBYTES];
	struct fetch_site *view;
	struct fetch_view v;
	/* What the store's head and page rows hold (zero: unknown), and
	 * the names whose rows are to go; pend_* for the open
	 * transaction. */
	bool meta_saved;
	uint8_t head_row[RR_HASH_LEN], pend_head[RR_HASH_LEN];
	uint8_t (*page_rows)[RR_HASH_LEN], (*pend_pages)[RR_HASH_LEN];
	size_t npage_rows, npend_pages;
	char (*gone)[RR_SITENAMELEN];
	size_t ngone, gone_cap, npend_gone;
	uint8_t digest[RR_HASH_LEN]; /* of the view, to tell "changed" */
	/* anchors.c: announced, adopted and retired anchors */
	struct fetch_anchor anchors[FETCH_MAX_ANCHOR_ROWS];
	size_t nanchors;
};

void st_event(struct fetch_merge_report *rep, enum fetch_event_kind k,
	      enum rrchain_reason why, const char *name, const char *fmt,
	      ...) __attribute__((format(printf, 5, 6)));

int st_table_alloc(struct table *t, size_t n);

void st_table_free(struct table *t);

struct site_entry *st_table_find(const struct table *t, const uint8_t *key,
				     struct site_entry *v, const char *name);

void st_table_put(struct table *t, const uint8_t *key, size_t idx,
		      const char *name);

void st_entry_drop_record(struct site_entry *e);

void st_entries_free(struct site_entry *v, size_t n);

void st_entry_take(struct site_entry *e, struct site_entry *old);

void st_entry_set_record(struct site_entry *e, struct rrchain_site_result *r);

void st_entry_cache(const struct site_entry *e, bool with_key,
			struct rrchain_site_cache *out);

enum rrchain_reason st_recheck(const struct fetch_config *cfg, uint64_t now,
				 const struct site_entry *e,
				 const struct rrchain_blob *raw, bool use_cache,
				 struct rrchain_site_result *res,
				 struct rrchain_stats *stats,
				 struct rrchain_error *ferr);

/* anchors.c: the anchor rows into the state digest, the store and back
 * (inside the caller's transaction; a damaged row is an event). */
void st_anchors_digest(const struct fetch_state *st,
		       crypto_hash_sha256_state *h);
int st_anchors_save(struct fetch_state *st, char *err, size_t errlen);
int st_anchors_load(struct fetch_state *st, struct fetch_merge_report *rep,
		    char *err, size_t errlen);

void st_free_results(struct rrchain_site_result *results, size_t n);

void st_state_digest(const struct fetch_state *st,
			 uint8_t out[RR_HASH_LEN]);

/* What the head row holds (RAW NULL: no bytes), as one hash. */
void st_head_digest(const struct rrchain_hw *hw,
		    const struct rrchain_blob *raw, uint8_t out[RR_HASH_LEN]);

/* What a site row holds, as one hash. */
void st_row_digest(const struct site_entry *e, uint8_t out[RR_HASH_LEN]);

/* NAME's row is to be deleted at the next save.  0 or -1 (no memory:
 * the row stays, harmless: a load skips rows of unknown names). */
int st_gone(struct fetch_state *st, const char *name);

int st_prep(struct fetch_state *st, const char *sql, sqlite3_stmt **out,
		char *err, size_t errlen);

#endif
