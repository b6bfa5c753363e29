/*
 * atomicfile.c - whole-file reads, atomic replacement and batches of it
 * (atomicfile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "rr.h"

/* Files we compare are our own small outputs; anything larger than this
 * is not ours to slurp. */
#define READ_MAX (64u * 1024 * 1024)

/* Distinct file systems a batch syncs once each; more are synced once
 * per directory, which is only slower. */
#define MAX_FS 16

static fetch_atomic_hook hook_fn;
static void *hook_arg;

void fetch_atomic_set_hook(fetch_atomic_hook hook, void *arg)
{
	hook_fn = hook;
	hook_arg = arg;
}

/* 0 to go ahead with STEP, or -1 with errno set by the test hook. */
static int step(enum fetch_atomic_step s, const char *path)
{
	int e = hook_fn ? hook_fn(s, path, hook_arg) : 0;

	if (e == 0)
		return 0;
	errno = e;
	return -1;
}

/* ---- errors -------------------------------------------------------------- */



/* ---- paths --------------------------------------------------------------- */

int fetch_path_join(char *out, size_t outlen, const char *dir,
		    const char *name, const char *suffix)
{
	int n = snprintf(out, outlen, "%s/%s%s", dir, name,
			 suffix ? suffix : "");

	if (n < 0 || (size_t)n >= outlen)
		return -1;
	return 0;
}

static int dir_of(const char *path, char *out, size_t outlen)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash)
		return snprintf(out, outlen, ".") < (int)outlen ? 0 : -1;
	n = slash == path ? 1 : (size_t)(slash - path); /* "/f" is in "/" */
	if (n >= outlen)
		return -1;
	memcpy(out, path, n);
	out[n] = '\0';
	return 0;
}

/* ---- small steps --------------------------------------------------------- */

int fetch_dir_sync(const char *dir, char *err, size_t errlen)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = -1;

	if (fd < 0)
		return rr_failsys(err, errlen, "cannot open directory", dir);
	if (step(FETCH_ATOMIC_STEP_DIRSYNC, dir) < 0 || fsync(fd) < 0) {
		rr_failsys(err, errlen, "cannot sync directory", dir);
		goto out;
	}
	rc = 0;
out:
	if (close(fd) < 0 && rc == 0)
		rc = rr_failsys(err, errlen, "cannot close directory", dir);
	return rc;
}

static int write_all(int fd, const uint8_t *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Writes TMP with DATA and MODE; with SYNC its data is fsynced too.  TMP
 * is created exclusively and without following a symlink, so we never
 * write into a file someone else holds open; a leftover of a killed run
 * is removed first.  On failure TMP is gone.  0, or -1 with ERR.
 */
static int write_tmp(const char *tmp, const uint8_t *data, size_t len,
		     mode_t mode, bool sync, char *err, size_t errlen)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW;
	const char *what = "cannot write";
	int fd = -1;

	if (unlink(tmp) != 0 && errno != ENOENT)
		return rr_failsys(err, errlen, "cannot remove", tmp);
	if (step(FETCH_ATOMIC_STEP_CREATE, tmp) == 0)
		fd = open(tmp, flags, mode);
	if (fd < 0)
		return rr_failsys(err, errlen, "cannot create", tmp);
	/* The mode is set explicitly: secnet reads these files after
	 * dropping privileges, whatever our umask is. */
	if (fchmod(fd, mode) != 0 || step(FETCH_ATOMIC_STEP_WRITE, tmp) < 0 ||
	    write_all(fd, data, len) != 0)
		goto fail;
	what = "cannot sync";
	if (sync && (step(FETCH_ATOMIC_STEP_SYNC, tmp) < 0 || fsync(fd) != 0))
		goto fail;
	what = "cannot write";
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	rr_failsys(err, errlen, what, tmp);
	if (fd >= 0)
		(void)close(fd); /* already failing: the first error is kept */
	(void)unlink(tmp);
	return -1;
}

/* ---- one file ------------------------------------------------------------ */

/* Puts TMP in PATH's place: rename, or with EXCL link + unlink. */
static int install(const char *tmp, const char *path, unsigned flags,
		   char *err, size_t errlen)
{
	if (step(FETCH_ATOMIC_STEP_RENAME, path) < 0)
		return rr_failsys(err, errlen, "cannot rename into place", path);
	if (!(flags & FETCH_ATOMIC_EXCL)) {
		if (rename(tmp, path) != 0)
			return rr_failsys(err, errlen, "cannot rename into place",
				      path);
		return 0;
	}
	if (link(tmp, path) != 0)
		return rr_failsys(err, errlen,
			      errno == EEXIST ? "exists already" :
			      "cannot link into place", path);
	(void)unlink(tmp); /* PATH is complete; a leftover is harmless */
	return 0;
}

int fetch_atomic_write(const char *path, const char *tmppath,
		       const uint8_t *data, size_t len, mode_t mode,
		       unsigned flags, char *err, size_t errlen)
{
	char tmpbuf[PATH_MAX], dir[PATH_MAX];
	const char *tmp = tmppath;
	bool made = false;
	int rc = -1;

	if (!tmp) {
		int w = snprintf(tmpbuf, sizeof(tmpbuf), "%s%s", path,
				 FETCH_ATOMIC_TMP_SUFFIX);
		if (w < 0 || (size_t)w >= sizeof(tmpbuf))
			goto toolong;
		tmp = tmpbuf;
	}
	if (dir_of(path, dir, sizeof(dir)) < 0)
		goto toolong;
	if (write_tmp(tmp, data, len, mode, true, err, errlen) < 0)
		goto out;
	made = true;
	if (install(tmp, path, flags, err, errlen) < 0)
		goto out;
	made = false;
	if (fetch_dir_sync(dir, err, errlen) < 0)
		goto out;
	rc = 0;
	goto out;
toolong:
	errno = ENAMETOOLONG;
	rr_failsys(err, errlen, "cannot write", path);
out:
	if (made) {
		int e = errno;
		(void)unlink(tmp); /* best effort: PATH is untouched anyway */
		errno = e;
	}
	return rc;
}

int fetch_atomic_move(const char *from, const char *to, char *err,
		      size_t errlen)
{
	char d1[PATH_MAX], d2[PATH_MAX];

	if (dir_of(from, d1, sizeof(d1)) < 0 || dir_of(to, d2, sizeof(d2)) < 0) {
		errno = ENAMETOOLONG;
		return rr_failsys(err, errlen, "cannot move", from);
	}
	if (step(FETCH_ATOMIC_STEP_RENAME, to) < 0 || rename(from, to) != 0)
		return rr_failsys(err, errlen, "cannot move into place", to);
	/* The new name first: a crash in between leaves a file under both
	 * names rather than under neither. */
	if (fetch_dir_sync(d2, err, errlen) < 0 ||
	    (strcmp(d1, d2) != 0 && fetch_dir_sync(d1, err, errlen) < 0))
		return -1;
	return 0;
}

/* ---- batches ------------------------------------------------------------- */

/* The distinct directories of OPS (for the syncs), in a new array. */
static int batch_dirs(const struct fetch_atomic_op *ops, size_t n,
		      char ***dirs, size_t *ndirs)
{
	char d[PATH_MAX];

	*dirs = calloc(n ? n : 1, sizeof(**dirs));
	*ndirs = 0;
	if (!*dirs)
		return -1;
	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		if (dir_of(ops[i].path, d, sizeof(d)) < 0)
			continue; /* its own step reports the long name */
		for (size_t j = 0; j < *ndirs && !seen; j++)
			seen = strcmp((*dirs)[j], d) == 0;
		if (seen)
			continue;
		if (!((*dirs)[*ndirs] = strdup(d)))
			return -1;
		(*ndirs)++;
	}
	return 0;
}

/* One syncfs per file system flushes every temporary file's data in
 * one go, instead of an fsync per file. */
static int sync_data(char **dirs, size_t n, char *err, size_t errlen)
{
	dev_t seen[MAX_FS];
	size_t nseen = 0;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		struct stat sb;
		bool dup = false;
		int fd = open(dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0 || fstat(fd, &sb) != 0) {
			rc = rr_failsys(err, errlen, "cannot open directory",
				    dirs[i]);
			if (fd >= 0)
				(void)close(fd);
			break;
		}
		for (size_t j = 0; j < nseen; j++)
			dup |= seen[j] == sb.st_dev;
		if (!dup && (step(FETCH_ATOMIC_STEP_SYNC, dirs[i]) < 0 ||
			     syncfs(fd) != 0))
			rc = rr_failsys(err, errlen, "cannot sync", dirs[i]);
		if (!dup && nseen < MAX_FS)
			seen[nseen++] = sb.st_dev;
		(void)close(fd); /* read-only: nothing to lose */
	}
	return rc;
}

/* The renames and removals, in order. */
static int batch_install(const struct fetch_atomic_op *ops, size_t n,
			 bool *made, bool *done,
			 struct fetch_atomic_stats *st, char *err,
			 size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		const struct fetch_atomic_op *o = &ops[i];
		int r;

		if (made[i]) {
			unsigned fl = o->kind == FETCH_ATOMIC_OP_CREATE
					      ? FETCH_ATOMIC_EXCL : 0;

			if (install(o->tmp, o->path, fl, err, errlen) < 0)
				return -1;
			made[i] = false;
			st->written++;
		} else if (o->kind == FETCH_ATOMIC_OP_REMOVE) {
			if (step(FETCH_ATOMIC_STEP_REMOVE, o->path) < 0)
				return rr_failsys(err, errlen, "cannot remove",
					      o->path);
			r = fetch_file_remove(o->path, err, errlen);
			if (r < 0)
				return -1;
			st->removed += (size_t)r;
		} else {
			continue;
		}
		done[i] = true;
	}
	return 0;
}

int fetch_atomic_batch(const struct fetch_atomic_op *ops, size_t n,
		       bool *done, struct fetch_atomic_stats *stats,
		       char *err, size_t errlen)
{
	struct fetch_atomic_stats st = { 0, 0 };
	bool *made = calloc(n ? n : 1, sizeof(*made));
	char **dirs = NULL;
	size_t ndirs = 0;
	int rc = -1, saved;

	for (size_t i = 0; i < n; i++)
		done[i] = false;
	if (!made || batch_dirs(ops, n, &dirs, &ndirs) < 0) {
		rr_say(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct fetch_atomic_op *o = &ops[i];

		if (o->kind == FETCH_ATOMIC_OP_REMOVE)
			continue;
		if (write_tmp(o->tmp, o->data, o->len, o->mode ? o->mode : 0644,
			      false, err, errlen) < 0)
			goto out;
		made[i] = true;
	}
	if (sync_data(dirs, ndirs, err, errlen) < 0 ||
	    batch_install(ops, n, made, done, &st, err, errlen) < 0)
		goto out;
	for (size_t i = 0; i < ndirs; i++)
		if (fetch_dir_sync(dirs[i], err, errlen) < 0)
			goto out;
	rc = 0;
out:
	saved = errno; /* the failure's, for callers telling EEXIST apart */
	for (size_t i = 0; made && i < n; i++)
		if (made[i])
			(void)unlink(ops[i].tmp);
	for (size_t i = 0; rc != 0 && i < n; i++)
		done[i] = false; /* not durable yet: still to do */
	if (stats) {
		stats->written += st.written;
		stats->removed += st.removed;
	}
	for (size_t i = 0; i < ndirs; i++)
		free(dirs[i]);
	free(dirs);
	free(made);
	errno = saved;
	return rc;
}

/* ---- reading ------------------------------------------------------------- */

/* Opens PATH for reading: fd, or -2 when absent, or -1 with ERR set. */
static int open_existing(const char *path, struct stat *st, char *err,
			 size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		if (errno == ENOENT)
			return -2;
		return rr_failsys(err, errlen, "cannot open", path);
	}
	if (fstat(fd, st) < 0) {
		rr_failsys(err, errlen, "cannot stat", path);
		goto fail;
	}
	if (!S_ISREG(st->st_mode)) {
		rr_say(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	return fd;
fail:
	(void)close(fd); /* read-only: nothing to lose */
	return -1;
}

/* Reads exactly LEN bytes: 0, or 1 when the file is shorter (it changed
 * under us), or -1 with errno set. */
static int read_full(int fd, uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = read(fd, buf + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return 1;
		off += (size_t)n;
	}
	return 0;
}

int fetch_file_read(const char *path, size_t max, uint8_t **data,
		    size_t *len, char *err, size_t errlen)
{
	struct stat st;
	uint8_t *buf = NULL;
	int fd, rc = -1, r;

	*data = NULL;
	*len = 0;
	fd = open_existing(path, &st, err, errlen);
	if (fd == -2)
		return 0;
	if (fd < 0)
		return -1;
	if ((uint64_t)st.st_size > max) {
		rr_say(err, errlen, "%s: larger than %zu bytes", path, max);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rr_say(err, errlen, "%s: out of memory", path);
		goto out;
	}
	r = read_full(fd, buf, (size_t)st.st_size);
	if (r != 0) {
		if (r < 0)
			rr_failsys(err, errlen, "cannot read", path);
		else
			rr_say(err, errlen, "%s: changed while being read",
			       path);
		goto out;
	}
	buf[st.st_size] = '\0';
	*data = buf;
	*len = (size_t)st.st_size;
	buf = NULL;
	rc = 1;
out:
	free(buf);
	if (close(fd) < 0 && rc == 1) {
		free(*data);
		*data = NULL;
		rc = rr_failsys(err, errlen, "cannot close", path);
	}
	return rc;
}

int fetch_file_compare(const char *path, const uint8_t *data, size_t len,
		       char *err, size_t errlen)
{
	uint8_t *cur = NULL;
	size_t curlen = 0;
	struct stat st;
	int r;

	/* Sizes first: a different length needs no read at all. */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size != len)
		return FETCH_CMP_DIFFERENT;
	r = fetch_file_read(path, READ_MAX, &cur, &curlen, err, errlen);
	if (r < 0)
		return -1;
	if (r == 0)
		return FETCH_CMP_ABSENT;
	r = curlen == len && (len == 0 || memcmp(cur, data, len) == 0)
		    ? FETCH_CMP_SAME
		    : FETCH_CMP_DIFFERENT;
	free(cur);
	return r;
}

int fetch_file_remove(const char *path, char *err, size_t errlen)
{
	if (unlink(path) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	return rr_failsys(err, errlen, "cannot remove", path);
}
