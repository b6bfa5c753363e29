/*
 * store.h - the node's embedded store: STATE-DIR/state.db (SQLite, WAL).
 *
 * It holds what the fetcher must not forget across restarts, crashes and
 * power loss: the high-water marks and last good records (state.c owns
 * those tables), the report of the last refresh, and a journal of the
 * actions a refresh owes to the world outside the store: files to write
 * or remove, peer-keys updates to hand to secnet, and reloads.
 *
 * The journal is committed in the same transaction as the state it
 * follows from, and before anything outside the store changes; the rows
 * are deleted only once their action is done.  Every action is
 * idempotent, so a run that finds rows left by a killed one simply does
 * them (again) and reaches exactly what the uninterrupted run would have.
 *
 * One process at a time: fetch_store_open takes an exclusive lock on
 * STATE-DIR/lock for as long as the store is open (read-only opens for
 * --status and --dry-run take none).  Not thread-safe: the loop thread
 * owns the store.
 */
#ifndef VPNRR_FETCH_STORE_H
#define VPNRR_FETCH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define FETCH_STORE_FILE "state.db"
#define FETCH_STORE_LOCK "lock"

struct fetch_store;

enum fetch_store_mode {
	FETCH_STORE_WRITE,    /* create if missing, lock, read and write */
	FETCH_STORE_READONLY, /* never create; a missing store is empty */
};

/* How the store was found when it was opened. */
enum fetch_store_found {
	FETCH_STORE_EXISTING,
	FETCH_STORE_MISSING, /* created afresh (or absent, read-only) */
	FETCH_STORE_CORRUPT, /* unreadable: moved aside and created afresh */
};

/*
 * Opens DIR/state.db.  In FETCH_STORE_WRITE mode, creates DIR (0700) and
 * the store when missing, takes the lock, and moves a store that SQLite
 * cannot read, or that fails its integrity check, aside to
 * state.db.corrupt-UNIXTIME (named in *ASIDE, which the caller frees)
 * before creating a new one: a node must not stay wedged on a damaged
 * file.  *FOUND says which case it was.  0, or -1 with ERR (I/O error,
 * locked by another process, read-only directory).
 */
int fetch_store_open(const char *dir, enum fetch_store_mode mode,
		     struct fetch_store **out, enum fetch_store_found *found,
		     char **aside, char *err, size_t errlen);
void fetch_store_close(struct fetch_store *s);

/* The database handle, NULL for a read-only open of a missing store.
 * state.c reads and writes its own tables through it. */
sqlite3 *fetch_store_db(struct fetch_store *s);
const char *fetch_store_path(const struct fetch_store *s);

/* Transactions: every change to the store goes through one.  0, or -1
 * with ERR; after a failed commit the transaction is rolled back. */
int fetch_store_begin(struct fetch_store *s, char *err, size_t errlen);
int fetch_store_commit(struct fetch_store *s, char *err, size_t errlen);
void fetch_store_rollback(struct fetch_store *s);

/* Fails with "PATH: WHAT: sqlite's message" in ERR; returns -1. */
int fetch_store_fail(struct fetch_store *s, const char *what, char *err,
		     size_t errlen);

/* Small named values (the last report, the state's digest): PUT inside a
 * transaction; GET returns 1 and a new buffer, 0 when absent, -1. */
int fetch_store_meta_put(struct fetch_store *s, const char *key,
			 const void *val, size_t len, char *err,
			 size_t errlen);
int fetch_store_meta_get(struct fetch_store *s, const char *key,
			 uint8_t **val, size_t *len, char *err,
			 size_t errlen);

/* Gives free pages back to the file system when many were left by
 * deleted rows (a big journal paid).  Outside a transaction; failures
 * are ignored (the pages stay, nothing is lost). */
void fetch_store_trim(struct fetch_store *s);

/* ---- the journal of owed actions ----------------------------------------- */

enum fetch_owed_kind {
	FETCH_OWED_WRITE = 1, /* PATH gets DATA, written as TMP then renamed */
	FETCH_OWED_REMOVE,    /* PATH is removed */
	FETCH_OWED_KEYS,      /* PATH (a live peer-keys file) must end up
			       * holding DATA: adopted by secnet from the
			       * ~update, or installed by us plus a reload */
	FETCH_OWED_RELOAD,    /* the reload command must run successfully */
	FETCH_OWED_DAMAGED,   /* a row that cannot be read: dropped */
	FETCH_OWED_SYNC,      /* a live consumer (PATH "KEYWORD:ARG", e.g.
			       * "wireguard:wg0") must be brought in line
			       * with DATA by its driver's sync() */
};
const char *fetch_owed_kind_name(enum fetch_owed_kind k);

struct fetch_owed {
	int64_t id;           /* set by the store; order of execution */
	enum fetch_owed_kind kind;
	char *path;           /* owned; NULL for RELOAD */
	char *tmp;            /* owned; WRITE: the temporary name */
	uint8_t *data;        /* owned; WRITE and KEYS */
	size_t len;
	bool config;          /* WRITE/REMOVE that needs a secnet restart */
	bool secnet;          /* WRITE/REMOVE of a file secnet reads at
			       * start (its own site's too): the candidate
			       * must be checked.  Not stored. */
	bool local;           /* KEYS of this node's own site: no reload */
	uint32_t attempts;    /* RELOAD: failed runs so far */
	uint64_t deadline;    /* KEYS: Unix time after which secnet is no
			       * longer given the chance to adopt the
			       * ~update itself (0: no chance at all) */
	char *last_error;     /* owned; RELOAD: why the last run failed */
};
void fetch_owed_free(struct fetch_owed *v, size_t n);

/* Appends O to the journal (inside a transaction); O->id is set. */
int fetch_store_owe(struct fetch_store *s, struct fetch_owed *o, char *err,
		    size_t errlen);
/* Every owed action in execution order, in a new array (*V, *N). */
int fetch_store_owed(struct fetch_store *s, struct fetch_owed **v, size_t *n,
		     char *err, size_t errlen);
/* Deletes the rows IDS (done); inside a transaction. */
int fetch_store_paid(struct fetch_store *s, const int64_t *ids, size_t n,
		     char *err, size_t errlen);
/* A RELOAD row failed again: count it and keep why (own transaction). */
int fetch_store_reload_failed(struct fetch_store *s, int64_t id,
			      const char *why, char *err, size_t errlen);

#endif
