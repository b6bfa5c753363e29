/*
 * apply.c - owed actions from a plan, and the file actions themselves.
 *
 * Durability is batched: all temporary files are written first, then one
 * syncfs() per file system makes their data durable, then the renames,
 * then one fsync per directory makes the renames durable.  A crash at any
 * point leaves each target old or new (never a torn file), and the
 * journal row, still present, makes the next run finish the job.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply.h"
#include "atomicfile.h"

#define PK_UPDATE "~update"
#define PK_TMP "~tmp"
#define TMP_SUFFIX ".vpnrr-tmp"

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

static int owe_peerkeys(const struct fetch_plan_file *f,
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
		fetch_output_seterr(err, errlen, "path too long: %s/%s",
				    f->dir, f->name);
		return -1;
	}
	r = fetch_peerkeys_compare(live, f->data, f->len, err, errlen);
	if (r < 0 || r == FETCH_CMP_SAME)
		return r < 0 ? -1 : 0;
	/* No key set at all: a new site, whose keys secnet reads from the
	 * live file when the reload for its configuration starts it. */
	if (r == FETCH_CMP_ABSENT)
		return push(v, n, FETCH_OWED_WRITE, live, tmp, f->data, f->len,
			    false, false);
	/* The live file is secnet's: a change goes through ~tmp and a
	 * rename to ~update, then the hand-over (a KEYS action). */
	if (push(v, n, FETCH_OWED_WRITE, upd, tmp, f->data, f->len, false,
		 false) < 0 ||
	    push(keys, nkeys, FETCH_OWED_KEYS, live, NULL, f->data, f->len,
		 false, local && same_path(local->keys_path, live)) < 0)
		return -1;
	return 0;
}

static int owe_file(const struct fetch_plan_file *f,
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
		fetch_output_seterr(err, errlen, "path too long: %s/%s",
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
	if (push(v, n, FETCH_OWED_WRITE, path, tmp, f->data, f->len, config,
		 false) < 0)
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

int fetch_apply_owe(const struct fetch_plan *plan,
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
		fetch_output_seterr(err, errlen,
				    "out of memory while planning");
		return -1;
	}
	for (size_t i = 0; i < plan->nfiles; i++) {
		const struct fetch_plan_file *f = &plan->files[i];
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
	if (reload &&
	    push(v, n, FETCH_OWED_RELOAD, NULL, NULL, NULL, 0, false, false))
		goto oom;
	rc = 0;
	goto out;
oom:
	fetch_output_seterr(err, errlen, "out of memory");
out:
	fetch_owed_free(keys, nkeys);
	for (size_t i = 0; i < nstale; i++)
		free(stale[i]);
	free(stale);
	return rc;
}

/* ---- doing the file actions ---------------------------------------------- */

static int syserr(char *err, size_t errlen, const char *what,
		  const char *path)
{
	fetch_output_seterr(err, errlen, "%s: %s: %s", path, what,
			    strerror(errno));
	return -1;
}

static int dir_of(const char *path, char *out, size_t outlen)
{
	const char *slash = strrchr(path, '/');
	size_t l = slash ? (size_t)(slash - path) : 0;

	if (!slash || l + 1 > outlen)
		return -1;
	if (l == 0)
		l = 1; /* "/file" lives in "/" */
	memcpy(out, path, l);
	out[l] = '\0';
	return 0;
}

static int write_tmp(const struct fetch_owed *o, char *err, size_t errlen)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW;
	const uint8_t *p = o->data;
	size_t left = o->len;
	int fd;

	/* A leftover from a killed run holds nothing we need. */
	if (unlink(o->tmp) != 0 && errno != ENOENT)
		return syserr(err, errlen, "cannot remove", o->tmp);
	fd = open(o->tmp, flags, 0644);
	if (fd < 0)
		return syserr(err, errlen, "cannot create", o->tmp);
	/* secnet reads these after dropping privileges, whatever our umask */
	if (fchmod(fd, 0644) != 0)
		goto fail;
	while (left > 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		p += w;
		left -= (size_t)w;
	}
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	syserr(err, errlen, "cannot write", o->tmp);
	if (fd >= 0)
		(void)close(fd);
	(void)unlink(o->tmp);
	return -1;
}

/* Distinct directories of the actions, for the syncs. */
static int add_dir(char ***dirs, size_t *n, const char *path)
{
	char d[PATH_MAX];
	char **g;

	if (dir_of(path, d, sizeof(d)) < 0)
		return 0;
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*dirs)[i], d) == 0)
			return 0;
	g = realloc(*dirs, (*n + 1) * sizeof(*g));
	if (!g)
		return -1;
	*dirs = g;
	if (!(g[*n] = strdup(d)))
		return -1;
	(*n)++;
	return 0;
}

/* One syncfs per file system flushes every temporary file's data. */
static int sync_data(char **dirs, size_t n, char *err, size_t errlen)
{
	dev_t seen[16];
	size_t nseen = 0;

	for (size_t i = 0; i < n; i++) {
		struct stat sb;
		bool dup = false;
		int fd = open(dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &sb) != 0) {
			if (fd >= 0)
				(void)close(fd);
			return syserr(err, errlen, "cannot open", dirs[i]);
		}
		for (size_t j = 0; j < nseen; j++)
			dup |= seen[j] == sb.st_dev;
		if (!dup && syncfs(fd) != 0) {
			(void)close(fd);
			return syserr(err, errlen, "cannot sync", dirs[i]);
		}
		if (!dup && nseen < sizeof(seen) / sizeof(seen[0]))
			seen[nseen++] = sb.st_dev;
		(void)close(fd);
	}
	return 0;
}

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
	char **dirs = NULL;
	bool *made = calloc(n ? n : 1, sizeof(*made));
	size_t ndirs = 0;
	int rc = -1;

	if (!made) {
		fetch_output_seterr(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct fetch_owed *o = &v[i];
		if (o->kind != FETCH_OWED_WRITE && o->kind != FETCH_OWED_REMOVE)
			continue;
		if (add_dir(&dirs, &ndirs, o->path) < 0) {
			fetch_output_seterr(err, errlen, "out of memory");
			goto out;
		}
		if (o->kind != FETCH_OWED_WRITE)
			continue;
		if (update_done(o)) {
			done[i] = true;
			stats->skipped++;
			continue;
		}
		if (write_tmp(o, err, errlen) < 0)
			goto out;
		made[i] = true;
	}
	if (sync_data(dirs, ndirs, err, errlen) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct fetch_owed *o = &v[i];
		if (made[i]) {
			if (rename(o->tmp, o->path) != 0) {
				syserr(err, errlen, "cannot rename into place",
				       o->path);
				goto out;
			}
			made[i] = false;
			done[i] = true;
			stats->written++;
		}
		else if (o->kind == FETCH_OWED_REMOVE) {
			if (unlink(o->path) == 0)
				stats->removed++;
			else if (errno != ENOENT) {
				syserr(err, errlen, "cannot remove", o->path);
				goto out;
			}
			done[i] = true;
		}
	}
	for (size_t i = 0; i < ndirs; i++)
		if (fetch_dir_sync(dirs[i], err, errlen) < 0)
			goto out;
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		if (made[i])
			(void)unlink(v[i].tmp);
	if (rc != 0)
		for (size_t i = 0; i < n; i++)
			done[i] = false; /* not durable yet: owed still */
	for (size_t i = 0; i < ndirs; i++)
		free(dirs[i]);
	free(dirs);
	free(made);
	return rc;
}
