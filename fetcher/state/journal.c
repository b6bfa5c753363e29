/*
 * journal.c - the journal of owed actions in the store (store.h): rows
 * owed, listed, paid and failed.  What each action means is in apply/ and
 * refresh/; here they are only kept safely.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rr.h"
#include "store.h"

static const char *const owed_names[] = {
	[FETCH_OWED_WRITE] = "write",
	[FETCH_OWED_REMOVE] = "remove",
	[FETCH_OWED_KEYS] = "keys",
	[FETCH_OWED_RELOAD] = "reload",
	[FETCH_OWED_DAMAGED] = "damaged",
	[FETCH_OWED_SYNC] = "sync",
};

const char *fetch_owed_kind_name(enum fetch_owed_kind k)
{
	if ((unsigned)k >= sizeof(owed_names) / sizeof(owed_names[0]) ||
	    !owed_names[k])
		return "unknown";
	return owed_names[k];
}

/* ---- journal ------------------------------------------------------------- */

void fetch_owed_free(struct fetch_owed *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].tmp);
		free(v[i].data);
		free(v[i].last_error);
	}
	free(v);
}

int fetch_store_owe(struct fetch_store *s, struct fetch_owed *o, char *err,
		    size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(fetch_store_db(s),
			       "INSERT INTO journal(kind, path, tmp, data, "
			       "config, local, deadline) "
			       "VALUES(?, ?, ?, ?, ?, ?, ?)",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int(st, 1, (int)o->kind) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, o->path, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, o->tmp, -1, SQLITE_STATIC) != SQLITE_OK ||
	    (o->data ? sqlite3_bind_blob64(st, 4, o->len ? (const void *)o->data
								 : "",
					   o->len, SQLITE_STATIC)
		     : sqlite3_bind_null(st, 4)) != SQLITE_OK ||
	    sqlite3_bind_int(st, 5, o->config) != SQLITE_OK ||
	    sqlite3_bind_int(st, 6, o->local) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 7, (sqlite3_int64)o->deadline) !=
		    SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		fetch_store_fail(s, "journal", err, errlen);
	else {
		o->id = sqlite3_last_insert_rowid(fetch_store_db(s));
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

static char *col_text(sqlite3_stmt *st, int i, bool *oom)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	char *c;

	if (!t)
		return NULL;
	c = strdup((const char *)t);
	if (!c)
		*oom = true;
	return c;
}

static int row_owed(sqlite3_stmt *st, struct fetch_owed *o)
{
	bool oom = false;
	int k = sqlite3_column_int(st, 1);

	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(st, 0);
	o->kind = (enum fetch_owed_kind)k;
	o->path = col_text(st, 2, &oom);
	o->tmp = col_text(st, 3, &oom);
	if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
		o->len = (size_t)sqlite3_column_bytes(st, 4);
		o->data = malloc(o->len ? o->len : 1);
		if (!o->data)
			oom = true;
		else if (o->len)
			memcpy(o->data, sqlite3_column_blob(st, 4), o->len);
	}
	o->config = sqlite3_column_int(st, 5) != 0;
	o->local = sqlite3_column_int(st, 6) != 0;
	o->attempts = (uint32_t)sqlite3_column_int64(st, 7);
	o->last_error = col_text(st, 8, &oom);
	if (sqlite3_column_int64(st, 9) > 0)
		o->deadline = (uint64_t)sqlite3_column_int64(st, 9);
	if (oom)
		return -1;
	/* A row that names no path where one belongs cannot be done: it
	 * can only come from a damaged store. */
	if (((k < FETCH_OWED_WRITE || k > FETCH_OWED_RELOAD) &&
	     k != FETCH_OWED_SYNC) ||
	    (k != FETCH_OWED_RELOAD && !o->path) ||
	    (k == FETCH_OWED_WRITE && (!o->tmp || !o->data)) ||
	    ((k == FETCH_OWED_KEYS || k == FETCH_OWED_SYNC) && !o->data))
		return -2;
	return 0;
}

int fetch_store_owed(struct fetch_store *s, struct fetch_owed **v, size_t *n,
		     char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	struct fetch_owed *arr = NULL;
	size_t cnt = 0, cap = 0;
	int rc = -1, step;

	*v = NULL;
	*n = 0;
	if (!fetch_store_db(s))
		return 0;
	if (sqlite3_prepare_v2(fetch_store_db(s),
			       "SELECT id, kind, path, tmp, data, config, "
			       "local, attempts, last_error, deadline "
			       "FROM journal ORDER BY id", -1, &st,
			       NULL) != SQLITE_OK) {
		fetch_store_fail(s, "journal", err, errlen);
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int r;
		if (cnt == cap) {
			size_t nc = cap ? 2 * cap : 16;
			struct fetch_owed *g = realloc(arr, nc * sizeof(*g));
			if (!g) {
				rr_fail(err, errlen, "out of memory");
				goto out;
			}
			arr = g;
			cap = nc;
		}
		r = row_owed(st, &arr[cnt]);
		cnt++;
		if (r == -1) {
			rr_fail(err, errlen, "out of memory");
			goto out;
		}
		/* A damaged row must not make the whole journal unreadable
		 * (every later run would stop there): the caller drops it. */
		if (r == -2)
			arr[cnt - 1].kind = FETCH_OWED_DAMAGED;
	}
	if (step != SQLITE_DONE) {
		fetch_store_fail(s, "journal", err, errlen);
		goto out;
	}
	*v = arr;
	*n = cnt;
	arr = NULL;
	cnt = 0;
	rc = 0;
out:
	sqlite3_finalize(st);
	fetch_owed_free(arr, cnt);
	return rc;
}

int fetch_store_paid(struct fetch_store *s, const int64_t *ids, size_t n,
		     char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (n == 0)
		return 0;
	if (sqlite3_prepare_v2(fetch_store_db(s), "DELETE FROM journal WHERE id = ?", -1,
			       &st, NULL) != SQLITE_OK) {
		fetch_store_fail(s, "journal", err, errlen);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (sqlite3_bind_int64(st, 1, ids[i]) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_DONE) {
			fetch_store_fail(s, "journal", err, errlen);
			goto out;
		}
		sqlite3_reset(st);
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

int fetch_store_reload_failed(struct fetch_store *s, int64_t id,
			      const char *why, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (fetch_store_begin(s, err, errlen) != 0)
		return -1;
	if (sqlite3_prepare_v2(fetch_store_db(s),
			       "UPDATE journal SET attempts = attempts + 1, "
			       "last_error = ? WHERE id = ?", -1, &st,
			       NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, why, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, id) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE) {
		fetch_store_fail(s, "journal", err, errlen);
		fetch_store_rollback(s);
		goto out;
	}
	rc = fetch_store_commit(s, err, errlen);
out:
	sqlite3_finalize(st);
	return rc;
}
