/*
 * store.c - the SQLite store: opening (lock, schema, integrity), meta
 * values and the journal of owed actions.  The state tables are read and
 * written by state.c.
 *
 * synchronous=FULL in WAL mode: a commit is on disk when it returns,
 * which is what "the journal is committed before anything outside the
 * store changes" needs.  One commit per refresh (plus one when the owed
 * actions are done), so this costs two fsyncs, not one per file.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rr.h"
#include "store.h"

#define SCHEMA_VERSION 3
#define BUSY_TIMEOUT_MS 5000

struct fetch_store {
	sqlite3 *db;
	char *dir, *path;
	int lockfd;
	bool in_txn;
};

/* Site rows hold a record of up to a few KB: a rowid table keeps them in
 * its leaves, where a WITHOUT ROWID table would spill each into overflow
 * pages (five times the file).  skey, not_before and expires are what
 * the record was verified as (rrchain_site_cache): a load checks the
 * bytes against skey instead of verifying the signature again. */
#define SITE_TABLE \
	"CREATE TABLE IF NOT EXISTS site(" \
	" id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE," \
	" hw_serial INTEGER, hw_content BLOB, owner TEXT, rtype INTEGER," \
	" rdata BLOB, skey BLOB, not_before INTEGER, expires INTEGER," \
	" akey BLOB);"

/* Version 3: the anchors announced, adopted and retired (SPEC.md 10.10);
 * status 1 pending, 2 adopted, 3 retired. */
#define ANCHOR_TABLE \
	"CREATE TABLE IF NOT EXISTS anchor(" \
	" key BLOB PRIMARY KEY, status INTEGER NOT NULL," \
	" since INTEGER NOT NULL, signer BLOB NOT NULL) WITHOUT ROWID;"

static const char schema[] =
	ANCHOR_TABLE
	"CREATE TABLE IF NOT EXISTS meta("
	" k TEXT PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS head("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" hw_serial INTEGER, hw_content BLOB, rtype INTEGER, rdata BLOB);"
	"CREATE TABLE IF NOT EXISTS page_rr("
	" page INTEGER NOT NULL, seq INTEGER NOT NULL, rtype INTEGER NOT NULL,"
	" rdata BLOB NOT NULL, PRIMARY KEY (page, seq)) WITHOUT ROWID;"
	SITE_TABLE
	"CREATE TABLE IF NOT EXISTS journal("
	" id INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL,"
	" path TEXT, tmp TEXT, data BLOB, config INTEGER NOT NULL DEFAULT 0,"
	" local INTEGER NOT NULL DEFAULT 0,"
	" attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
	" deadline INTEGER NOT NULL DEFAULT 0);";


int fetch_store_fail(struct fetch_store *s, const char *what, char *err,
		     size_t errlen)
{
	return rr_fail(err, errlen, "%s: %s: %s", s->path, what,
		    s->db ? sqlite3_errmsg(s->db) : "not open");
}

sqlite3 *fetch_store_db(struct fetch_store *s)
{
	return s->db;
}

const char *fetch_store_path(const struct fetch_store *s)
{
	return s->path;
}

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p)
		(void)snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* The lock file, not the database: SQLite's own locks cover single
 * statements, ours covers a whole refresh and its owed actions. */
static int take_lock(struct fetch_store *s, char *err, size_t errlen)
{
	char *p = join(s->dir, FETCH_STORE_LOCK);
	int rc = -1;

	if (!p)
		return rr_fail(err, errlen, "out of memory");
	s->lockfd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->lockfd < 0) {
		rr_fail(err, errlen, "%s: %s", p, strerror(errno));
		goto out;
	}
	if (flock(s->lockfd, LOCK_EX | LOCK_NB) != 0) {
		rr_fail(err, errlen, "%s: %s", p,
		     errno == EWOULDBLOCK
			     ? "another vpnrr-fetch is using this state "
			       "directory"
			     : strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(p);
	return rc;
}

static int exec(struct fetch_store *s, const char *sql, char *err,
		size_t errlen)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fetch_store_fail(s, sql[0] == 'P' ? "pragma" : "schema",
					err, errlen);
	return 0;
}

/* quick_check reads every page: a torn or garbage file shows here, not
 * in the middle of a refresh.  1 healthy, 0 corrupt, -1 other error. */
static int healthy(struct fetch_store *s)
{
	sqlite3_stmt *st = NULL;
	int rc, ok = 0;

	rc = sqlite3_prepare_v2(s->db, "PRAGMA quick_check", -1, &st, NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		ok = t && strcmp((const char *)t, "ok") == 0;
	}
	else {
		rc = sqlite3_extended_errcode(s->db) & 0xff;
		ok = (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) ? 0 : -1;
	}
	sqlite3_finalize(st);
	return ok;
}

/*
 * The tables and columns the code reads, as one statement each: a store
 * that passes SQLite's check but lost one of them (a table dropped or
 * renamed by hand, a schema edited) would fail every load the same way,
 * so it counts as damaged.  1 intact, 0 not, -1 cannot tell.
 */
static int tables_intact(struct fetch_store *s)
{
	static const char *const probe[] = {
		"SELECT k, v FROM meta",
		"SELECT id, hw_serial, hw_content, rtype, rdata FROM head",
		"SELECT page, seq, rtype, rdata FROM page_rr",
		("SELECT name, hw_serial, hw_content, owner, rtype, rdata, skey, "
		 "not_before, expires, akey FROM site"),
		("SELECT id, kind, path, tmp, data, config, local, attempts, "
		 "last_error, deadline FROM journal"),
		"SELECT key, status, since, signer FROM anchor",
	};
	int ok = 1;

	for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]) && ok == 1;
	     i++) {
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(s->db, probe[i], -1, &st, NULL);

		if (rc != SQLITE_OK)
			ok = (rc & 0xff) == SQLITE_ERROR ? 0 : -1;
		sqlite3_finalize(st);
	}
	return ok;
}

static int open_db(struct fetch_store *s, int flags, char *err,
		   size_t errlen)
{
	if (sqlite3_open_v2(s->path, &s->db, flags | SQLITE_OPEN_NOFOLLOW,
			    NULL) != SQLITE_OK)
		return fetch_store_fail(s, "cannot open", err, errlen);
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(s->db, 1);
	return 0;
}

static void close_db(struct fetch_store *s)
{
	(void)sqlite3_close(s->db);
	s->db = NULL;
}

static int remove_logs(struct fetch_store *s, char *err, size_t errlen)
{
	static const char *const sfx[] = { "-wal", "-shm", "-journal" };
	char p[4096];

	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		if ((size_t)snprintf(p, sizeof(p), "%s%s", s->path, sfx[i]) >=
		    sizeof(p))
			return rr_fail(err, errlen, "%s: path too long", s->path);
		if (unlink(p) != 0 && errno != ENOENT)
			return rr_fail(err, errlen, "%s: %s", p, strerror(errno));
	}
	return 0;
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	(void)close(fd);
	return rc;
}

/* Moves the damaged store (and its WAL) aside for a post-mortem. */
static int move_aside(struct fetch_store *s, char **aside, char *err,
		      size_t errlen)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char from[4096], to[4096];
	long t = (long)time(NULL);

	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		if ((size_t)snprintf(from, sizeof(from), "%s%s", s->path,
				     sfx[i]) >= sizeof(from) ||
		    (size_t)snprintf(to, sizeof(to), "%s.corrupt-%ld%s",
				     s->path, t, sfx[i]) >= sizeof(to))
			return rr_fail(err, errlen, "%s: path too long", s->path);
		if (rename(from, to) != 0 && errno != ENOENT)
			return rr_fail(err, errlen, "%s: cannot move aside: %s",
				    from, strerror(errno));
		if (i == 0 && !(*aside = strdup(to)))
			return rr_fail(err, errlen, "out of memory");
	}
	if (sync_dir(s->dir) != 0)
		return rr_fail(err, errlen, "%s: fsync: %s", s->dir,
			    strerror(errno));
	return 0;
}

static int user_version(struct fetch_store *s)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Version 1 kept sites in a WITHOUT ROWID table and no verification
 * cache: the rows move as they are, and each record is verified once
 * more at the next load, which then saves its cache.  It goes straight
 * to version 3 (the anchor table of upgrade_v2). */
static int upgrade_v1(struct fetch_store *s, char *err, size_t errlen)
{
	static const char sql[] =
		"BEGIN IMMEDIATE;"
		"ALTER TABLE site RENAME TO site_v1;"
		SITE_TABLE
		"INSERT INTO site(name, hw_serial, hw_content, owner, rtype, rdata)"
		" SELECT name, hw_serial, hw_content, owner, rtype, rdata"
		" FROM site_v1 ORDER BY name;"
		"DROP TABLE site_v1;"
		ANCHOR_TABLE
		"PRAGMA user_version=3;"
		"COMMIT;";

	if (exec(s, sql, err, errlen) != 0) {
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

/* Version 2 had no anchor table: nothing adopted or retired yet. */
static int upgrade_v2(struct fetch_store *s, char *err, size_t errlen)
{
	static const char sql[] =
		"BEGIN IMMEDIATE;"
		ANCHOR_TABLE
		"PRAGMA user_version=3;"
		"COMMIT;";

	if (exec(s, sql, err, errlen) != 0) {
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

/* Schema and version are written only into a new store: opening an
 * existing one changes none of its bytes. */
static int setup(struct fetch_store *s, char *err, size_t errlen)
{
	char sql[64];
	int v = user_version(s);

	/* A big refresh journals every file it writes, with its bytes, and
	 * deletes the rows once done: the pages they leave are given back
	 * (fetch_store_trim), or every start would check them again.  Only
	 * a new file takes the setting, before anything is written. */
	if (v == 0 &&
	    exec(s, "PRAGMA auto_vacuum=INCREMENTAL", err, errlen) != 0)
		return -1;
	if (exec(s, "PRAGMA journal_mode=WAL", err, errlen) != 0 ||
	    exec(s, "PRAGMA synchronous=FULL", err, errlen) != 0)
		return -1;
	if (v == SCHEMA_VERSION)
		return 0;
	if (v == 1)
		return upgrade_v1(s, err, errlen);
	if (v == 2)
		return upgrade_v2(s, err, errlen);
	if (v != 0)
		return rr_fail(err, errlen, "%s: schema version %d, this "
			    "vpnrr-fetch knows %d", s->path, v,
			    SCHEMA_VERSION);
	if (exec(s, schema, err, errlen) != 0)
		return -1;
	(void)snprintf(sql, sizeof(sql), "PRAGMA user_version=%d",
		       SCHEMA_VERSION);
	return exec(s, sql, err, errlen);
}

static int open_write(struct fetch_store *s, enum fetch_store_found *found,
		      char **aside, char *err, size_t errlen)
{
	struct stat sb;
	int h;

	if (mkdir(s->dir, 0700) != 0 && errno != EEXIST)
		return rr_fail(err, errlen, "%s: %s", s->dir, strerror(errno));
	if (take_lock(s, err, errlen) != 0)
		return -1;
	*found = stat(s->path, &sb) == 0 ? FETCH_STORE_EXISTING
					 : FETCH_STORE_MISSING;
	/* A log left beside a deleted store belongs to that store: SQLite
	 * must not replay it into the new one. */
	if (*found == FETCH_STORE_MISSING && remove_logs(s, err, errlen) != 0)
		return -1;
	if (open_db(s, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err,
		    errlen) != 0)
		return -1;
	h = *found == FETCH_STORE_EXISTING ? healthy(s) : 1;
	if (h == 1 && *found == FETCH_STORE_EXISTING &&
	    user_version(s) == SCHEMA_VERSION)
		h = tables_intact(s);
	if (h < 0)
		return fetch_store_fail(s, "cannot read", err, errlen);
	if (h == 0) {
		close_db(s);
		if (move_aside(s, aside, err, errlen) != 0)
			return -1;
		*found = FETCH_STORE_CORRUPT;
		if (open_db(s, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err,
			    errlen) != 0)
			return -1;
	}
	return setup(s, err, errlen);
}

int fetch_store_open(const char *dir, enum fetch_store_mode mode,
		     struct fetch_store **out, enum fetch_store_found *found,
		     char **aside, char *err, size_t errlen)
{
	struct fetch_store *s = calloc(1, sizeof(*s));
	struct stat sb;
	int rc = -1;

	*out = NULL;
	*aside = NULL;
	*found = FETCH_STORE_MISSING;
	if (!s)
		return rr_fail(err, errlen, "out of memory");
	s->lockfd = -1;
	s->dir = strdup(dir);
	s->path = join(dir, FETCH_STORE_FILE);
	if (!s->dir || !s->path) {
		rr_fail(err, errlen, "out of memory");
		goto out;
	}
	if (mode == FETCH_STORE_WRITE) {
		rc = open_write(s, found, aside, err, errlen);
		goto out;
	}
	if (stat(s->path, &sb) != 0) {
		rc = errno == ENOENT ? 0 : rr_fail(err, errlen, "%s: %s", s->path,
						strerror(errno));
		goto out;
	}
	*found = FETCH_STORE_EXISTING;
	rc = open_db(s, SQLITE_OPEN_READONLY, err, errlen);
	if (rc == 0 && healthy(s) != 1)
		rc = fetch_store_fail(s, "damaged or unreadable", err, errlen);
out:
	if (rc != 0) {
		fetch_store_close(s);
		free(*aside);
		*aside = NULL;
		return -1;
	}
	*out = s;
	return 0;
}

void fetch_store_close(struct fetch_store *s)
{
	if (!s)
		return;
	if (s->in_txn)
		fetch_store_rollback(s);
	close_db(s);
	if (s->lockfd >= 0)
		(void)close(s->lockfd); /* releases the flock */
	free(s->dir);
	free(s->path);
	free(s);
}

int fetch_store_begin(struct fetch_store *s, char *err, size_t errlen)
{
	if (!s->db)
		return rr_fail(err, errlen, "store not open for writing");
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return fetch_store_fail(s, "begin", err, errlen);
	s->in_txn = true;
	return 0;
}

int fetch_store_commit(struct fetch_store *s, char *err, size_t errlen)
{
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		fetch_store_fail(s, "commit", err, errlen);
		fetch_store_rollback(s);
		return -1;
	}
	s->in_txn = false;
	return 0;
}

void fetch_store_rollback(struct fetch_store *s)
{
	if (s->db && !sqlite3_get_autocommit(s->db))
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_txn = false;
}

/* ---- meta ---------------------------------------------------------------- */

int fetch_store_meta_put(struct fetch_store *s, const char *key,
			 const void *val, size_t len, char *err,
			 size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(s->db,
			       "INSERT OR REPLACE INTO meta(k, v) VALUES(?, ?)",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob64(st, 2, len ? val : "", len, SQLITE_STATIC) !=
		    SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		fetch_store_fail(s, key, err, errlen);
	else
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

int fetch_store_meta_get(struct fetch_store *s, const char *key,
			 uint8_t **val, size_t *len, char *err,
			 size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	*val = NULL;
	*len = 0;
	if (!s->db)
		return 0;
	if (sqlite3_prepare_v2(s->db, "SELECT v FROM meta WHERE k = ?", -1,
			       &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) != SQLITE_OK) {
		fetch_store_fail(s, key, err, errlen);
		goto out;
	}
	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		rc = 0;
		goto out;
	}
	if (step != SQLITE_ROW) {
		fetch_store_fail(s, key, err, errlen);
		goto out;
	}
	*len = (size_t)sqlite3_column_bytes(st, 0);
	*val = malloc(*len + 1);
	if (!*val) {
		rr_fail(err, errlen, "out of memory");
		goto out;
	}
	if (*len)
		memcpy(*val, sqlite3_column_blob(st, 0), *len);
	(*val)[*len] = 0; /* text values can be used as strings */
	rc = 1;
out:
	sqlite3_finalize(st);
	return rc;
}

/* Free pages beyond this many, and beyond a quarter of the file, are
 * given back to the file system. */
#define TRIM_MIN_PAGES 256

static int64_t pragma_int(struct fetch_store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

void fetch_store_trim(struct fetch_store *s)
{
	int64_t free_pages, pages;

	if (!s || !s->db || s->in_txn)
		return;
	free_pages = pragma_int(s, "PRAGMA freelist_count");
	pages = pragma_int(s, "PRAGMA page_count");
	if (free_pages < TRIM_MIN_PAGES || free_pages * 4 < pages)
		return;
	/* A store made before auto_vacuum was set ignores this: harmless. */
	(void)sqlite3_exec(s->db, "PRAGMA incremental_vacuum", NULL, NULL,
			   NULL);
}
