/*
 * apply.c - owed actions from a plan, and the file actions themselves.
 *
 * The writes go through the atomic-write module's batch
 * (fetch_atomic_batch: temporary files, one syncfs per file system,
 * renames, one fsync per directory).  A crash at any point leaves each
 * target old or new (never a torn file), and the journal row, still
 * present, makes the next run finish the job.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "atomicfile.h"

#define PK_UPDATE FETCH_PK_UPDATE
#define PK_TMP FETCH_PK_TMP
#define TMP_SUFFIX FETCH_ATOMIC_TMP_SUFFIX

static int grow(struct fetch_owed **v, size_t n)
{
	/* Doubling at powers of two: the capacity is implied by N. */
	if (n == 0 || (n & (n - 1)) == 0) {
		size_t cap = n ? 2 * n : 8;
		struct fetch_owed *g = realloc(*v, cap * sizeof(*g));
		if (!g)
			return -1;
		*v = g;
	}
	return 0;
}

static int push(struct fetch_owed **v, size_t *n, enum fetch_owed_kind k,
		const char *path, const char *tmp, const uint8_t *data,
		size_t len, bool config, bool local)
{
	struct fetch_owed *o;

	if (grow(v, *n) < 0)
		return -1;
	o = &(*v)[*n];
	memset(o, 0, sizeof(*o));
	o->kind = k;
	o->config = config;
	o->local = local;
	(*n)++;
	if ((path && !(o->path = strdup(path))) ||
	    (tmp && !(o->tmp = strdup(tmp))))
		return -1;
	if (data) {
		o->data = malloc(len ? len : 1);
		if (!o->data)
			return -1;
		memcpy(o->data, data, len);
		o->len = len;
	}
	return 0;
}

/* As push, with F's data moved into the action and lent back to F. */
static int push_take(struct fetch_owed **v, size_t *n, enum fetch_owed_kind k,
		     const char *path, const char *tmp,
		     struct fetch_plan_file *f, bool config, bool local)
{
	struct fetch_owed *o;

	if (f->lent)
		return push(v, n, k, path, tmp, f->data, f->len, config,
			    local);
	if (push(v, n, k, path, tmp, NULL, 0, config, local) < 0)
		return -1;
	o = &(*v)[*n - 1];
	o->data = f->data;
	o->len = f->len;
	f->lent = true;
	return 0;
}

bool fetch_apply_holds(const char *path, const uint8_t *data, size_t len)
{
	char err[64];

	return fetch_file_compare(path, data, len, err, sizeof(err)) ==
	       FETCH_CMP_SAME;
}

static bool same_path(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static int owe_peerkeys(struct fetch_plan_file *f,
			const struct fetch_apply_local *local,
			struct fetch_owed **v, size_t *n, size_t *nkeys,
			struct fetch_owed **keys, char *err, size_t errlen)
{
	char live[PATH_MAX], upd[PATH_MAX], tmp[PATH_MAX];
	int r;

	if (fetch_path_join(live, sizeof(live), f->dir, f->name, NULL) < 0 ||
	    fetch_path_join(upd, sizeof(upd), f->dir, f->name, PK_UPDATE) <
		    0 ||
	    fetch_path_join(tmp, sizeof(tmp), f->dir, f->name, PK_TMP) < 0) {
		rr_say(err, errlen, "path too long: %s/%s",
				    f->dir, f->name);
		return -1;
	}
	r = fetch_peerkeys_compare(live, f->data, f->len, err, errlen);
	if (r < 0 || r == FETCH_CMP_SAME)
		return r < 0 ? -1 : 0;
	/* No key set at all: a new site, whose keys secnet reads from the
	 * live file when the reload for its configuration starts it. */
	if (r == FETCH_CMP_ABSENT)
		return push_take(v, n, FETCH_OWED_WRITE, live, tmp, f, false,
				 false);
	/* The live file is secnet's: a change goes through ~tmp and a
	 * rename to ~update, then the hand-over (a KEYS action). */
	if (push(v, n, FETCH_OWED_WRITE, upd, tmp, f->data, f->len, false,
		 false) < 0 ||
	    push_take(keys, nkeys, FETCH_OWED_KEYS, live, NULL, f, false,
		      local && same_path(local->keys_path, live)) < 0)
		return -1;
	return 0;
}

static int owe_file(struct fetch_plan_file *f,
		    const struct fetch_apply_local *local,
		    struct fetch_owed **v, size_t *n, bool *reload,
		    char *err, size_t errlen)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	bool config;
	int r;

	if (fetch_path_join(path, sizeof(path), f->dir, f->name, NULL) < 0 ||
	    fetch_path_join(tmp, sizeof(tmp), f->dir, f->name, TMP_SUFFIX) <
		    0) {
		rr_say(err, errlen, "path too long: %s/%s",
				    f->dir, f->name);
		return -1;
	}
	r = fetch_file_compare(path, f->data, f->len, err, errlen);
	if (r < 0 || r == FETCH_CMP_SAME)
		return r < 0 ? -1 : 0;
	/* secnet reads its own site's block too (local-mobile must match
	 * it), so that file is checked, but needs no restart. */
	config = f->kind == FETCH_FILE_CONFIG &&
		 !(local && same_path(local->config_path, path));
	*reload |= config;
	if (push_take(v, n, FETCH_OWED_WRITE, path, tmp, f, config, false) < 0)
		return -1;
	(*v)[*n - 1].secnet = f->kind == FETCH_FILE_CONFIG;
	return 0;
}

static bool in_config_dir(const struct fetch_plan *plan, const char *path)
{
	for (size_t i = 0; i < plan->ndirs; i++) {
		size_t l = strlen(plan->dirs[i].dir);
		if (plan->dirs[i].kind == FETCH_FILE_CONFIG &&
		    strncmp(path, plan->dirs[i].dir, l) == 0 &&
		    path[l] == '/' && !strchr(path + l + 1, '/'))
			return true;
	}
	return false;
}

int fetch_apply_owe(struct fetch_plan *plan,
		    const struct fetch_apply_local *local,
		    struct fetch_owed **v, size_t *n, char *err,
		    size_t errlen)
{
	struct fetch_owed *keys = NULL;
	char **stale = NULL;
	size_t nkeys = 0, nstale = 0;
	bool reload = false;
	int rc = -1;

	if (plan->oom) {
		rr_say(err, errlen,
				    "out of memory while planning");
		return -1;
	}
	for (size_t i = 0; i < plan->nfiles; i++) {
		struct fetch_plan_file *f = &plan->files[i];
		int r = f->kind == FETCH_FILE_PEERKEYS
			? owe_peerkeys(f, local, v, n, &nkeys, &keys, err,
				       errlen)
			: owe_file(f, local, v, n, &reload, err, errlen);
		if (r < 0)
			goto out;
	}
	if (fetch_plan_stale(plan, &stale, &nstale, err, errlen) < 0)
		goto out;
	for (size_t i = 0; i < nstale; i++) {
		bool config = in_config_dir(plan, stale[i]) &&
			      !(local && same_path(local->config_path,
						   stale[i]));
		reload |= config;
		if (push(v, n, FETCH_OWED_REMOVE, stale[i], NULL, NULL, 0,
			 config, false) < 0)
			goto oom;
		(*v)[*n - 1].secnet = in_config_dir(plan, stale[i]);
	}
	for (size_t i = 0; i < nkeys; i++) {
		if (grow(v, *n) < 0)
			goto oom;
		(*v)[(*n)++] = keys[i];
		memset(&keys[i], 0, sizeof(keys[i]));
	}
	/* A live consumer is synced to the whole desired state each time
	 * the outputs are planned: the sync itself changes only what
	 * differs, and a view that did not change is not planned. */
	for (size_t i = 0; i < plan->nsyncs; i++)
		if (push(v, n, FETCH_OWED_SYNC, plan->syncs[i].target, NULL,
			 plan->syncs[i].data, plan->syncs[i].len, false,
			 false) < 0)
			goto oom;
	if (reload &&
	    push(v, n, FETCH_OWED_RELOAD, NULL, NULL, NULL, 0, false, false))
		goto oom;
	rc = 0;
	goto out;
oom:
	rr_say(err, errlen, "out of memory");
out:
	fetch_owed_free(keys, nkeys);
	for (size_t i = 0; i < nstale; i++)
		free(stale[i]);
	free(stale);
	return rc;
}

/* ---- doing the file actions ---------------------------------------------- */

/* A ~update whose keys secnet (or we) already made live must not be
 * written again: secnet would take the same keys a second time. */
static bool update_done(const struct fetch_owed *o)
{
	size_t l = strlen(o->path), ul = strlen(PK_UPDATE);
	char live[PATH_MAX];

	if (l <= ul || l >= sizeof(live) ||
	    strcmp(o->path + l - ul, PK_UPDATE) != 0)
		return false;
	memcpy(live, o->path, l - ul);
	live[l - ul] = '\0';
	if (!fetch_apply_holds(live, o->data, o->len))
		return false;
	if (fetch_apply_holds(o->path, o->data, o->len))
		(void)unlink(o->path);
	return true;
}

int fetch_apply_files(const struct fetch_owed *v, size_t n, bool *done,
		      struct fetch_apply_stats *stats, char *err,
		      size_t errlen)
{
	struct fetch_atomic_stats st = { 0, 0 };
	struct fetch_atomic_op *ops = calloc(n ? n : 1, sizeof(*ops));
	size_t *idx = calloc(n ? n : 1, sizeof(*idx));
	bool *opdone = calloc(n ? n : 1, sizeof(*opdone));
	size_t nops = 0;
	int rc = -1;

	if (!ops || !idx || !opdone) {
		rr_say(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct fetch_owed *o = &v[i];
		if (o->kind != FETCH_OWED_WRITE && o->kind != FETCH_OWED_REMOVE)
			continue;
		if (o->kind == FETCH_OWED_WRITE && update_done(o)) {
			done[i] = true;
			stats->skipped++;
			continue;
		}
		ops[nops].kind = o->kind == FETCH_OWED_WRITE
					 ? FETCH_ATOMIC_OP_WRITE
					 : FETCH_ATOMIC_OP_REMOVE;
		ops[nops].path = o->path;
		ops[nops].tmp = o->tmp;
		ops[nops].data = o->data;
		ops[nops].len = o->len;
		ops[nops].mode = 0644; /* secnet reads them unprivileged */
		idx[nops++] = i;
	}
	rc = fetch_atomic_batch(ops, nops, opdone, &st, err, errlen);
	for (size_t j = 0; j < nops; j++)
		done[idx[j]] = opdone[j];
	stats->written += st.written;
	stats->removed += st.removed;
out:
	if (rc != 0)
		for (size_t i = 0; i < n; i++)
			done[i] = false; /* not durable yet: owed still */
	free(ops);
	free(idx);
	free(opdone);
	return rc;
}
