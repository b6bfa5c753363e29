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
	st_anchors_digest(st, &h);
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

void st_head_digest(const struct rrchain_hw *hw,
		    const struct rrchain_blob *raw, uint8_t out[RR_HASH_LEN])
{
	crypto_hash_sha256_state h;
	uint8_t b[5];

	crypto_hash_sha256_init(&h);
	b[0] = hw->set;
	for (int i = 0; i < 4; i++)
		b[1 + i] = (uint8_t)(hw->serial >> (8 * i));
	crypto_hash_sha256_update(&h, b, sizeof(b));
	crypto_hash_sha256_update(&h, hw->content, RR_HASH_LEN);
	b[0] = raw != NULL;
	crypto_hash_sha256_update(&h, b, 1);
	if (raw)
		crypto_hash_sha256_update(&h, raw->data, raw->len);
	crypto_hash_sha256_final(&h, out);
}

void st_row_digest(const struct site_entry *e, uint8_t out[RR_HASH_LEN])
{
	crypto_hash_sha256_state h;
	uint8_t b[21] = { 0 };

	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const uint8_t *)e->name,
				  strlen(e->name) + 1);
	b[0] = e->hw.set;
	for (int i = 0; i < 4; i++)
		b[1 + i] = (uint8_t)(e->hw.serial >> (8 * i));
	if (e->rec)
		for (int i = 0; i < 8; i++) {
			b[5 + i] = (uint8_t)(e->rec->not_before >> (8 * i));
			b[13 + i] = (uint8_t)(e->rec->expires >> (8 * i));
		}
	crypto_hash_sha256_update(&h, b, sizeof(b));
	crypto_hash_sha256_update(&h, e->hw.content, RR_HASH_LEN);
	if (e->rec) {
		/* key binds the bytes and the member entry they verified
		 * under: what a load checks them against. */
		crypto_hash_sha256_update(&h, (const uint8_t *)e->owner,
					  strlen(e->owner) + 1);
		crypto_hash_sha256_update(&h, e->key, RR_HASH_LEN);
		if (e->has_alt)
			crypto_hash_sha256_update(&h, e->alt, RR_HASH_LEN);
	}
	crypto_hash_sha256_final(&h, out);
}

static int save_head(struct fetch_state *st, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	uint8_t d[RR_HASH_LEN];
	int rc = -1;

	st_head_digest(&st->head_hw, st->has_mem ? &st->mem.head.raw : NULL,
		       d);
	memcpy(st->pend_head, d, RR_HASH_LEN);
	if (memcmp(d, st->head_row, RR_HASH_LEN) == 0)
		return 0;
	if (!st->head_hw.set && !st->has_mem) {
		if (sqlite3_exec(fetch_store_db(st->store), "DELETE FROM head",
				 NULL, NULL, NULL) != SQLITE_OK)
			return fetch_store_fail(st->store, "head", err, errlen);
		return 0;
	}
	if (st_prep(st, "INSERT OR REPLACE INTO head(id, hw_serial, "
		 "hw_content, rtype, rdata) VALUES(1, ?, ?, ?, ?)", &s, err,
		 errlen) != 0)
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

static int save_page(struct fetch_state *st, sqlite3_stmt *del,
		     sqlite3_stmt *ins, size_t i, char *err, size_t errlen)
{
	const struct rrchain_page *pg = &st->mem.pages[i];
	struct rr_error e;

	if (sqlite3_bind_int64(del, 1, (sqlite3_int64)i) != SQLITE_OK)
		return fetch_store_fail(st->store, "page", err, errlen);
	if (step_done(st, del, err, errlen) != 0)
		return -1;
	for (size_t j = 0; j < pg->nmembers; j++) {
		uint8_t *bin = NULL;
		size_t len = 0;
		int b;
		if (rr_encode_bin(&pg->members[j].rec, &bin, &len, &e) !=
		    RR_OK)
			return rr_fail(err, errlen, "%s: page %zu entry %zu: %s",
				       fetch_store_path(st->store), i, j,
				       e.msg);
		b = sqlite3_bind_int64(ins, 1, (sqlite3_int64)i) ||
		    sqlite3_bind_int64(ins, 2, (sqlite3_int64)j) ||
		    sqlite3_bind_int(ins, 3, RR_TYPE_VPNRR) ||
		    bind_blob(ins, 4, bin, len);
		free(bin);
		if (b != SQLITE_OK)
			return fetch_store_fail(st->store, "page", err, errlen);
		if (step_done(st, ins, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/*
 * Pages are stored as their member entries, one per member, in the binary
 * encoding: exactly the entries that hashed to the page, whatever extra
 * copies (both encodings, re-split TXT strings) the server sent.  So what
 * is saved always fits the page limits when it is loaded again.  Only
 * the pages whose hash differs from what their rows hold are written.
 */
static int save_pages(struct fetch_state *st, char *err, size_t errlen)
{
	sqlite3_stmt *del = NULL, *ins = NULL, *tail = NULL;
	size_t n = st->has_mem ? st->mem.npages : 0;
	int rc = -1;

	free(st->pend_pages);
	st->pend_pages = calloc(n ? n : 1, sizeof(*st->pend_pages));
	st->npend_pages = 0;
	if (!st->pend_pages)
		return rr_fail(err, errlen, "out of memory");
	if (st_prep(st, "DELETE FROM page_rr WHERE page = ?", &del, err,
		    errlen) != 0 ||
	    st_prep(st, "INSERT INTO page_rr(page, seq, rtype, rdata) "
		    "VALUES(?, ?, ?, ?)", &ins, err, errlen) != 0 ||
	    st_prep(st, "DELETE FROM page_rr WHERE page >= ?", &tail, err,
		    errlen) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *hash = st->mem.pages[i].hash;
		if (i >= st->npage_rows ||
		    memcmp(st->page_rows[i], hash, RR_HASH_LEN) != 0) {
			if (save_page(st, del, ins, i, err, errlen) != 0)
				goto out;
		}
		memcpy(st->pend_pages[i], hash, RR_HASH_LEN);
	}
	st->npend_pages = n;
	if (sqlite3_bind_int64(tail, 1, (sqlite3_int64)n) != SQLITE_OK) {
		fetch_store_fail(st->store, "page", err, errlen);
		goto out;
	}
	rc = step_done(st, tail, err, errlen);
out:
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
	sqlite3_finalize(tail);
	return rc;
}

static int bind_site(sqlite3_stmt *s, const struct site_entry *e)
{
	int b = sqlite3_bind_text(s, 1, e->name, -1, SQLITE_STATIC);

	if (b == SQLITE_OK && e->hw.set)
		b = sqlite3_bind_int64(s, 2, e->hw.serial) ||
		    bind_blob(s, 3, e->hw.content, RR_HASH_LEN);
	if (b == SQLITE_OK && e->rec)
		b = sqlite3_bind_text(s, 4, e->owner, -1, SQLITE_STATIC) ||
		    sqlite3_bind_int(s, 5, e->raw.type) ||
		    bind_blob(s, 6, e->raw.data, e->raw.len) ||
		    bind_blob(s, 7, e->key, RR_HASH_LEN) ||
		    sqlite3_bind_int64(s, 8,
				       (sqlite3_int64)e->rec->not_before) ||
		    sqlite3_bind_int64(s, 9, (sqlite3_int64)e->rec->expires) ||
		    (e->has_alt && bind_blob(s, 10, e->alt, RR_HASH_LEN));
	return b;
}

static int save_gone(struct fetch_state *st, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	st->npend_gone = st->ngone;
	if (st->ngone == 0)
		return 0;
	if (st_prep(st, "DELETE FROM site WHERE name = ?", &s, err,
		    errlen) != 0)
		return -1;
	for (size_t i = 0; i < st->ngone; i++) {
		if (sqlite3_bind_text(s, 1, st->gone[i], -1, SQLITE_STATIC) !=
		    SQLITE_OK) {
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

static int save_sites(struct fetch_state *st, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (save_gone(st, err, errlen) != 0)
		return -1;
	if (st_prep(st, "INSERT INTO site(name, hw_serial, hw_content, owner, "
		 "rtype, rdata, skey, not_before, expires, akey) "
		 "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE "
		 "SET hw_serial = excluded.hw_serial, "
		 "hw_content = excluded.hw_content, owner = excluded.owner, "
		 "rtype = excluded.rtype, rdata = excluded.rdata, "
		 "skey = excluded.skey, not_before = excluded.not_before, "
		 "expires = excluded.expires, akey = excluded.akey", &s, err,
		 errlen) != 0)
		return -1;
	for (size_t i = 0; i < st->nsites; i++) {
		struct site_entry *e = &st->sites[i];
		st_row_digest(e, e->pend);
		e->pending = !e->stored ||
			     memcmp(e->pend, e->row, RR_HASH_LEN) != 0;
		if (!e->pending)
			continue;
		if (bind_site(s, e) != SQLITE_OK) {
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
	(void)db;
	if (!st->meta_saved &&
	    (fetch_store_meta_put(st->store, "vpn", st->vpn, strlen(st->vpn),
				  err, errlen) != 0 ||
	     fetch_store_meta_put(st->store, "zone", st->zone,
				  strlen(st->zone), err, errlen) != 0))
		return -1;
	if (save_head(st, err, errlen) != 0 ||
	    save_pages(st, err, errlen) != 0 ||
	    save_sites(st, err, errlen) != 0 ||
	    st_anchors_save(st, err, errlen) != 0)
		return -1;
	memcpy(st->pending_digest, digest, RR_HASH_LEN);
	st->pending = true;
	return 1;
}

/* The rows the transaction wrote are now what the store holds. */
static void rows_committed(struct fetch_state *st)
{
	uint8_t (*t)[RR_HASH_LEN] = st->page_rows;

	st->meta_saved = true;
	memcpy(st->head_row, st->pend_head, RR_HASH_LEN);
	st->page_rows = st->pend_pages;
	st->npage_rows = st->npend_pages;
	st->pend_pages = t;
	for (size_t i = 0; i < st->nsites; i++)
		if (st->sites[i].pending) {
			memcpy(st->sites[i].row, st->sites[i].pend,
			       RR_HASH_LEN);
			st->sites[i].stored = true;
		}
	/* gone is NULL until a site first leaves; no pointer sums on it. */
	if (st->npend_gone > 0) {
		memmove(st->gone, st->gone + st->npend_gone,
			(st->ngone - st->npend_gone) * sizeof(*st->gone));
		st->ngone -= st->npend_gone;
	}
}

void fetch_state_staged(struct fetch_state *st, bool committed)
{
	if (committed && st->pending) {
		memcpy(st->saved_digest, st->pending_digest, RR_HASH_LEN);
		st->saved = true;
		rows_committed(st);
	}
	for (size_t i = 0; i < st->nsites; i++)
		st->sites[i].pending = false;
	st->npend_gone = 0;
	st->pending = false;
}

int fetch_state_save(struct fetch_state *st, struct fetch_store *store,
		     char *err, size_t errlen)
{
	int rc;

	if (st->store != store) {
		/* Another store: it holds none of the rows we know of. */
		st->meta_saved = false;
		st->saved = false;
		memset(st->head_row, 0, RR_HASH_LEN);
		st->npage_rows = 0;
		st->ngone = 0;
		for (size_t i = 0; i < st->nsites; i++)
			st->sites[i].stored = false;
	}
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
