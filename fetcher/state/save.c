/*
 * save.c - the state written into its store (one transaction with the
 * journal), only when it changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "state_int.h"

/* ---- saving to the store ------------------------------------------------- */

/* What the store would hold for ST, as one hash: a refresh that changed
 * nothing writes nothing.  Pages count by their hash, which binds their
 * content; site records by their content hash and signing key, not
 * their bytes, so the same record split into other TXT strings by a
 * server (which changes nothing it says) is not written again. */
void st_state_digest(const struct fetch_state *st,
			 uint8_t out[RR_HASH_LEN])
{
	crypto_hash_sha256_state h;
	uint8_t len8[8];

#define ADD(p, n) do { \
		uint64_t n_ = (uint64_t)(n); \
		for (int i_ = 0; i_ < 8; i_++) \
			len8[i_] = (uint8_t)(n_ >> (8 * i_)); \
		crypto_hash_sha256_update(&h, len8, 8); \
		crypto_hash_sha256_update(&h, (const uint8_t *)(p), n_); \
	} while (0)

	crypto_hash_sha256_init(&h);
	ADD(st->vpn, strlen(st->vpn));
	ADD(st->zone, strlen(st->zone));
	if (st->head_hw.set) {
		ADD(&st->head_hw.serial, sizeof(st->head_hw.serial));
		ADD(st->head_hw.content, RR_HASH_LEN);
	}
	ADD("", st->has_mem);
	if (st->has_mem) {
		ADD(st->mem.head.raw.data, st->mem.head.raw.len);
		for (size_t i = 0; i < st->mem.npages; i++)
			ADD(st->mem.pages[i].hash, RR_HASH_LEN);
	}
	for (size_t i = 0; i < st->nsites; i++) {
		const struct site_entry *e = &st->sites[i];
		ADD(e->name, strlen(e->name));
		ADD(&e->hw.serial, e->hw.set ? sizeof(e->hw.serial) : 0);
		ADD(e->hw.content, e->hw.set ? RR_HASH_LEN : 0);
		ADD(e->owner, e->rec ? strlen(e->owner) : 0);
		ADD(e->content, e->rec ? RR_HASH_LEN : 0);
		ADD(e->rec ? e->rec->sigkeyid : e->content,
		    e->rec ? RR_KEYID_LEN : 0);
	}
#undef ADD
	crypto_hash_sha256_final(&h, out);
}

int st_prep(struct fetch_state *st, const char *sql, sqlite3_stmt **out,
		char *err, size_t errlen)
{
	if (sqlite3_prepare_v2(fetch_store_db(st->store), sql, -1, out,
			       NULL) != SQLITE_OK)
		return fetch_store_fail(st->store, "prepare", err, errlen);
	return 0;
}

/* Runs one bound statement to completion and resets it for reuse. */
static int step_done(struct fetch_state *st, sqlite3_stmt *s, char *err,
		     size_t errlen)
{
	int rc = sqlite3_step(s);

	(void)sqlite3_reset(s);
	(void)sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return fetch_store_fail(st->store, "write", err, errlen);
	return 0;
}

static int bind_blob(sqlite3_stmt *s, int i, const void *p, size_t n)
{
	return sqlite3_bind_blob64(s, i, n ? p : "", n, SQLITE_TRANSIENT);
}

static int save_head(struct fetch_state *st, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (!st->head_hw.set && !st->has_mem)
		return 0;
	if (st_prep(st, "INSERT INTO head(id, hw_serial, hw_content, rtype, "
		 "rdata) VALUES(1, ?, ?, ?, ?)", &s, err, errlen) != 0)
		return -1;
	if (st->head_hw.set &&
	    (sqlite3_bind_int64(s, 1, st->head_hw.serial) != SQLITE_OK ||
	     bind_blob(s, 2, st->head_hw.content, RR_HASH_LEN) != SQLITE_OK))
		goto fail;
	if (st->has_mem &&
	    (sqlite3_bind_int(s, 3, st->mem.head.raw.type) != SQLITE_OK ||
	     bind_blob(s, 4, st->mem.head.raw.data, st->mem.head.raw.len) !=
		     SQLITE_OK))
		goto fail;
	rc = step_done(st, s, err, errlen);
	goto out;
fail:
	fetch_store_fail(st->store, "head", err, errlen);
out:
	sqlite3_finalize(s);
	return rc;
}

/*
 * Pages are stored as their member entries, one per member, in the binary
 * encoding: exactly the entries that hashed to the page, whatever extra
 * copies (both encodings, re-split TXT strings) the server sent.  So what
 * is saved always fits the page limits when it is loaded again.
 */
static int save_pages(struct fetch_state *st, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	struct rr_error e;
	int rc = -1;

	if (!st->has_mem)
		return 0;
	if (st_prep(st, "INSERT INTO page_rr(page, seq, rtype, rdata) "
		 "VALUES(?, ?, ?, ?)", &s, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < st->mem.npages; i++) {
		const struct rrchain_page *pg = &st->mem.pages[i];
		for (size_t j = 0; j < pg->nmembers; j++) {
			uint8_t *bin = NULL;
			size_t len = 0;
			int b;
			if (rr_encode_bin(&pg->members[j].rec, &bin, &len,
					  &e) != RR_OK) {
				rr_fail(err, errlen, "%s: page %zu entry %zu: %s",
				     fetch_store_path(st->store), i, j, e.msg);
				goto out;
			}
			b = sqlite3_bind_int64(s, 1, (sqlite3_int64)i) ||
			    sqlite3_bind_int64(s, 2, (sqlite3_int64)j) ||
			    sqlite3_bind_int(s, 3, RR_TYPE_VPNRR) ||
			    bind_blob(s, 4, bin, len);
			free(bin);
			if (b != SQLITE_OK) {
				fetch_store_fail(st->store, "page", err,
						 errlen);
				goto out;
			}
			if (step_done(st, s, err, errlen) != 0)
				goto out;
		}
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

static int save_sites(struct fetch_state *st, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (st_prep(st, "INSERT INTO site(name, hw_serial, hw_content, owner, "
		 "rtype, rdata) VALUES(?, ?, ?, ?, ?, ?)", &s, err,
		 errlen) != 0)
		return -1;
	for (size_t i = 0; i < st->nsites; i++) {
		const struct site_entry *e = &st->sites[i];
		int b = sqlite3_bind_text(s, 1, e->name, -1, SQLITE_STATIC);
		if (b == SQLITE_OK && e->hw.set)
			b = sqlite3_bind_int64(s, 2, e->hw.serial) ||
			    bind_blob(s, 3, e->hw.content, RR_HASH_LEN);
		if (b == SQLITE_OK && e->rec)
			b = sqlite3_bind_text(s, 4, e->owner, -1,
					      SQLITE_STATIC) ||
			    sqlite3_bind_int(s, 5, e->raw.type) ||
			    bind_blob(s, 6, e->raw.data, e->raw.len);
		if (b != SQLITE_OK) {
			fetch_store_fail(st->store, "site", err, errlen);
			goto out;
		}
		if (step_done(st, s, err, errlen) != 0)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

bool fetch_state_empty(const struct fetch_state *st)
{
	return st->empty;
}

bool fetch_state_dirty(const struct fetch_state *st)
{
	uint8_t digest[RR_HASH_LEN];

	if (!st->saved)
		return true;
	st_state_digest(st, digest);
	return memcmp(digest, st->saved_digest, RR_HASH_LEN) != 0;
}

int fetch_state_stage(struct fetch_state *st, char *err, size_t errlen)
{
	uint8_t digest[RR_HASH_LEN];
	sqlite3 *db;

	if (!st->store || !(db = fetch_store_db(st->store)))
		return rr_fail(err, errlen, "%s: no store to save to", st->dir);
	if (!st->vpn[0])
		return rr_fail(err, errlen, "%s: nothing to save before "
			    "fetch_state_load", st->dir);
	st_state_digest(st, digest);
	if (st->saved && memcmp(digest, st->saved_digest, RR_HASH_LEN) == 0)
		return 0;
	if (sqlite3_exec(db, "DELETE FROM head; DELETE FROM page_rr; "
			 "DELETE FROM site", NULL, NULL, NULL) != SQLITE_OK)
		return fetch_store_fail(st->store, "clear", err, errlen);
	if (fetch_store_meta_put(st->store, "vpn", st->vpn, strlen(st->vpn),
				 err, errlen) != 0 ||
	    fetch_store_meta_put(st->store, "zone", st->zone,
				 strlen(st->zone), err, errlen) != 0 ||
	    save_head(st, err, errlen) != 0 ||
	    save_pages(st, err, errlen) != 0 ||
	    save_sites(st, err, errlen) != 0)
		return -1;
	memcpy(st->pending_digest, digest, RR_HASH_LEN);
	st->pending = true;
	return 1;
}

void fetch_state_staged(struct fetch_state *st, bool committed)
{
	if (committed && st->pending) {
		memcpy(st->saved_digest, st->pending_digest, RR_HASH_LEN);
		st->saved = true;
	}
	st->pending = false;
}

int fetch_state_save(struct fetch_state *st, struct fetch_store *store,
		     char *err, size_t errlen)
{
	int rc;

	st->store = store;
	if (fetch_store_begin(store, err, errlen) != 0)
		return -1;
	rc = fetch_state_stage(st, err, errlen);
	if (rc < 0 || fetch_store_commit(store, err, errlen) != 0) {
		fetch_store_rollback(store);
		fetch_state_staged(st, false);
		return -1;
	}
	fetch_state_staged(st, true);
	return rc;
}
