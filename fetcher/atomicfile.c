/*
 * atomicfile.c - atomic file replacement, and the plans built on it: the
 * text buffers outputs render into, the plan container and the one
 * applier every output shares (see output.h).
 */
#include <dirent.h>
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
#include "output.h"

/* secnet's peer-keys protocol names (NOTES.peer-keys in secnet). */
#define PK_UPDATE "~update"
#define PK_TMP "~tmp"
#define PK_PROC "~proc"

/* Files we compare or read are our own small outputs; anything larger
 * than this is not ours to slurp. */
#define READ_MAX (64u * 1024 * 1024)

/* ---- errors -------------------------------------------------------------- */

void fetch_output_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	/* A message cut short is still a message. */
	if (vsnprintf(err, errlen, fmt, ap) < 0)
		err[0] = '\0';
	va_end(ap);
}

/* "WHAT PATH: strerror(errno)" with the thread-safe strerror_r, since
 * this runs in libuv worker threads. */
static int syserr(char *err, size_t errlen, const char *what,
		  const char *path)
{
	char buf[128];
	int e = errno;
	const char *msg = strerror_r(e, buf, sizeof(buf));

	fetch_output_seterr(err, errlen, "%s %s: %s", what, path, msg);
	errno = e;
	return -1;
}

/* ---- primitives ---------------------------------------------------------- */

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
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= outlen)
		return -1;
	memcpy(out, path, n);
	out[n] = '\0';
	return 0;
}

int fetch_dir_sync(const char *dir, char *err, size_t errlen)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = -1;

	if (fd < 0)
		return syserr(err, errlen, "cannot open directory", dir);
	if (fsync(fd) < 0) {
		syserr(err, errlen, "cannot sync directory", dir);
		goto out;
	}
	rc = 0;
out:
	if (close(fd) < 0 && rc == 0)
		rc = syserr(err, errlen, "cannot close directory", dir);
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

/* Creates TMP exclusively, so that we never write through a symlink or
 * into a file someone else holds open; a leftover from a crashed run is
 * removed once and the creation retried. */
static int create_tmp(const char *tmp)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW;
	int fd = open(tmp, flags, 0644);

	if (fd < 0 && errno == EEXIST) {
		if (unlink(tmp) < 0)
			return -1;
		fd = open(tmp, flags, 0644);
	}
	return fd;
}

int fetch_atomic_write(const char *path, const char *tmppath,
		       const uint8_t *data, size_t len, char *err,
		       size_t errlen)
{
	char tmpbuf[PATH_MAX], dir[PATH_MAX];
	const char *tmp = tmppath;
	bool created = false;
	int fd = -1, rc = -1;

	if (!tmp) {
		int n = snprintf(tmpbuf, sizeof(tmpbuf), "%s.tmp-%ld", path,
				 (long)getpid());
		if (n < 0 || (size_t)n >= sizeof(tmpbuf)) {
			fetch_output_seterr(err, errlen, "path too long: %s",
					    path);
			goto out;
		}
		tmp = tmpbuf;
	}
	if (dir_of(path, dir, sizeof(dir)) < 0) {
		fetch_output_seterr(err, errlen, "path too long: %s", path);
		goto out;
	}
	fd = create_tmp(tmp);
	if (fd < 0) {
		syserr(err, errlen, "cannot create", tmp);
		goto out;
	}
	created = true;
	/* The mode is set explicitly because secnet reads these files after
	 * dropping privileges, whatever our umask is. */
	if (fchmod(fd, 0644) < 0 || write_all(fd, data, len) < 0 ||
	    fsync(fd) < 0) {
		syserr(err, errlen, "cannot write", tmp);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		syserr(err, errlen, "cannot write", tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		syserr(err, errlen, "cannot rename into place", path);
		goto out;
	}
	created = false;
	if (fetch_dir_sync(dir, err, errlen) < 0)
		goto out;
	rc = 0;
out:
	if (fd >= 0)
		(void)close(fd); /* already failing; the first error is kept */
	if (created)
		(void)unlink(tmp); /* best effort: PATH is untouched anyway */
	return rc;
}

/* Opens PATH for reading: fd, or -2 when absent, or -1 with ERR set. */
static int open_existing(const char *path, struct stat *st, char *err,
			 size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		if (errno == ENOENT)
			return -2;
		return syserr(err, errlen, "cannot open", path);
	}
	if (fstat(fd, st) < 0) {
		syserr(err, errlen, "cannot stat", path);
		goto fail;
	}
	if (!S_ISREG(st->st_mode)) {
		fetch_output_seterr(err, errlen, "%s: not a regular file",
				    path);
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
		fetch_output_seterr(err, errlen, "%s: larger than %zu bytes",
				    path, max);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		fetch_output_seterr(err, errlen, "out of memory");
		goto out;
	}
	r = read_full(fd, buf, (size_t)st.st_size);
	if (r != 0) {
		if (r < 0)
			syserr(err, errlen, "cannot read", path);
		else
			fetch_output_seterr(err, errlen,
					    "%s changed while being read",
					    path);
		goto out;
	}
	*data = buf;
	*len = (size_t)st.st_size;
	buf = NULL;
	rc = 1;
out:
	free(buf);
	if (close(fd) < 0 && rc == 1) {
		free(*data);
		*data = NULL;
		rc = syserr(err, errlen, "cannot close", path);
	}
	return rc;
}

int fetch_file_compare(const char *path, const uint8_t *data, size_t len,
		       char *err, size_t errlen)
{
	uint8_t *cur = NULL;
	size_t curlen = 0;
	int r;

	/* Sizes first: a different length needs no read at all. */
	struct stat st;
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
	return syserr(err, errlen, "cannot remove", path);
}

bool fetch_output_dir_ok(const char *dir)
{
	if (!dir || dir[0] != '/')
		return false;
	for (const char *p = dir; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\')
			return false;
	}
	return true;
}

/* ---- text ---------------------------------------------------------------- */

void fetch_text_init(struct fetch_text *t)
{
	memset(t, 0, sizeof(*t));
}

void fetch_text_free(struct fetch_text *t)
{
	free(t->buf);
	fetch_text_init(t);
}

static bool text_reserve(struct fetch_text *t, size_t more)
{
	size_t want, cap;
	char *nb;

	if (t->failed)
		return false;
	if (more > SIZE_MAX - t->len - 1)
		goto fail;
	want = t->len + more + 1; /* always room for a NUL */
	if (want <= t->cap)
		return true;
	cap = t->cap ? t->cap : 256;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	nb = realloc(t->buf, cap);
	if (!nb)
		goto fail;
	t->buf = nb;
	t->cap = cap;
	return true;
fail:
	t->failed = true;
	return false;
}

void fetch_text_add(struct fetch_text *t, const char *s)
{
	size_t n = strlen(s);

	if (!text_reserve(t, n))
		return;
	memcpy(t->buf + t->len, s, n + 1);
	t->len += n;
}

void fetch_text_addf(struct fetch_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->failed = true;
		return;
	}
	if (!text_reserve(t, (size_t)n))
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->failed = true;
		return;
	}
	t->len += (size_t)n;
}

/* ---- plans --------------------------------------------------------------- */

void fetch_plan_init(struct fetch_plan *p)
{
	memset(p, 0, sizeof(*p));
}

void fetch_plan_free(struct fetch_plan *p)
{
	for (size_t i = 0; i < p->nfiles; i++) {
		free(p->files[i].dir);
		free(p->files[i].name);
		free(p->files[i].data);
	}
	for (size_t i = 0; i < p->ndirs; i++) {
		free(p->dirs[i].dir);
		free(p->dirs[i].prefix);
		free(p->dirs[i].suffix);
	}
	for (size_t i = 0; i < p->nnotices; i++)
		free(p->notices[i]);
	free(p->files);
	free(p->dirs);
	free(p->notices);
	fetch_plan_init(p);
}

/* Makes room for one more element in *ARR (N used, *CAP allocated). */
static int grow(void **arr, size_t n, size_t *cap, size_t elsize)
{
	size_t ncap;
	void *na;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > SIZE_MAX / elsize)
		return -1;
	na = realloc(*arr, ncap * elsize);
	if (!na)
		return -1;
	*arr = na;
	*cap = ncap;
	return 0;
}

int fetch_plan_add_file(struct fetch_plan *p, enum fetch_file_kind kind,
			const char *dir, const char *name,
			struct fetch_text *text)
{
	struct fetch_plan_file f = { NULL, NULL, NULL, 0, kind };
	int rc = -1;

	if (text->failed || p->oom)
		goto out;
	if (grow((void **)&p->files, p->nfiles, &p->capfiles,
		 sizeof(*p->files)) < 0)
		goto out;
	f.dir = strdup(dir);
	f.name = strdup(name);
	if (!f.dir || !f.name)
		goto out;
	/* An empty text has no buffer yet; give it one so data is never
	 * NULL. */
	if (!text->buf && !text_reserve(text, 0))
		goto out;
	f.data = (uint8_t *)text->buf;
	f.len = text->len;
	fetch_text_init(text);
	p->files[p->nfiles++] = f;
	f.dir = f.name = NULL;
	rc = 0;
out:
	free(f.dir);
	free(f.name);
	fetch_text_free(text);
	return rc;
}

int fetch_plan_own(struct fetch_plan *p, enum fetch_file_kind kind,
		   const char *dir, const char *prefix, const char *suffix)
{
	struct fetch_plan_dir d = { NULL, NULL, NULL, kind };
	int rc = -1;

	if (grow((void **)&p->dirs, p->ndirs, &p->capdirs, sizeof(*p->dirs)) <
	    0)
		goto out;
	d.dir = strdup(dir);
	d.prefix = strdup(prefix);
	d.suffix = strdup(suffix);
	if (!d.dir || !d.prefix || !d.suffix)
		goto out;
	p->dirs[p->ndirs++] = d;
	d.dir = d.prefix = d.suffix = NULL;
	rc = 0;
out:
	free(d.dir);
	free(d.prefix);
	free(d.suffix);
	return rc;
}

void fetch_plan_notice(struct fetch_plan *p, const char *fmt, ...)
{
	char buf[512];
	char *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || grow((void **)&p->notices, p->nnotices, &p->capnotices,
			  sizeof(*p->notices)) < 0) {
		p->oom = true;
		return;
	}
	s = strdup(buf);
	if (!s) {
		p->oom = true;
		return;
	}
	p->notices[p->nnotices++] = s;
}

/* ---- applying ------------------------------------------------------------ */

void fetch_apply_result_free(struct fetch_apply_result *res)
{
	for (size_t i = 0; i < res->nupdates; i++) {
		free(res->updates[i].live_path);
		free(res->updates[i].data);
	}
	free(res->updates);
	memset(res, 0, sizeof(*res));
}

static int note_update(struct fetch_apply_result *res, const char *live,
		       const uint8_t *data, size_t len)
{
	struct fetch_peerkeys_update u = { NULL, NULL, len };
	/* The capacity is not kept: grow() sees a full array and
	 * reallocates each time, which is fine for the few updates of a
	 * refresh. */
	size_t cap = res->nupdates;
	void *arr = res->updates;

	u.live_path = strdup(live);
	u.data = malloc(len ? len : 1);
	if (!u.live_path || !u.data)
		goto fail;
	memcpy(u.data, data, len);
	if (grow(&arr, res->nupdates, &cap, sizeof(u)) < 0)
		goto fail;
	res->updates = arr;
	res->updates[res->nupdates++] = u;
	return 0;
fail:
	free(u.live_path);
	free(u.data);
	return -1;
}

/*
 * What secnet will end up using is the newest of NAME~update, NAME~proc
 * and NAME; they are read in that order (the direction secnet moves a key
 * set) so that a file moved by secnet between two reads is still seen
 * (NOTES.peer-keys).  The first one present decides.
 */
int fetch_peerkeys_compare(const char *live, const uint8_t *data, size_t len,
			   char *err, size_t errlen)
{
	static const char *const order[] = { PK_UPDATE, PK_PROC, "" };
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int r;

		if (snprintf(path, sizeof(path), "%s%s", live, order[i]) >=
		    (int)sizeof(path)) {
			fetch_output_seterr(err, errlen, "path too long: %s",
					    live);
			return -1;
		}
		r = fetch_file_compare(path, data, len, err, errlen);
		if (r != FETCH_CMP_ABSENT)
			return r;
	}
	return FETCH_CMP_ABSENT;
}

static int apply_peerkeys(const struct fetch_plan_file *f,
			  struct fetch_apply_result *res, char *err,
			  size_t errlen)
{
	char live[PATH_MAX], upd[PATH_MAX], tmp[PATH_MAX];
	int r;

	if (fetch_path_join(live, sizeof(live), f->dir, f->name, NULL) < 0 ||
	    fetch_path_join(upd, sizeof(upd), f->dir, f->name, PK_UPDATE) <
		    0 ||
	    fetch_path_join(tmp, sizeof(tmp), f->dir, f->name, PK_TMP) < 0) {
		fetch_output_seterr(err, errlen, "path too long: %s/%s", f->dir,
				    f->name);
		return -1;
	}
	r = fetch_peerkeys_compare(live, f->data, f->len, err, errlen);
	if (r < 0)
		return -1;
	if (r == FETCH_CMP_SAME) {
		res->files_unchanged++;
		return 0;
	}
	if (r == FETCH_CMP_ABSENT) {
		/* No key set anywhere: a new site.  secnet reads the live
		 * file when it starts (the reload that the new site's
		 * configuration triggers) and only renames onto it while
		 * an ~update or ~proc exists, so writing it here races with
		 * nothing.  With only an ~update, as make-secnet-sites
		 * --pubkeys-install always writes, secnet would start
		 * without keys for the site and log an error until its
		 * first key exchange. */
		if (fetch_atomic_write(live, tmp, f->data, f->len, err,
				       errlen) < 0)
			return -1;
		res->files_written++;
		return 0;
	}
	/* The live file is secnet's: a change goes through ~tmp and a
	 * rename to ~update, which secnet picks up before a key
	 * exchange. */
	if (fetch_atomic_write(upd, tmp, f->data, f->len, err, errlen) < 0)
		return -1;
	res->files_written++;
	if (note_update(res, live, f->data, f->len) < 0) {
		fetch_output_seterr(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int apply_file(const struct fetch_plan_file *f,
		      struct fetch_apply_result *res, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int r;

	if (f->kind == FETCH_FILE_PEERKEYS)
		return apply_peerkeys(f, res, err, errlen);
	if (fetch_path_join(path, sizeof(path), f->dir, f->name, NULL) < 0) {
		fetch_output_seterr(err, errlen, "path too long: %s/%s", f->dir,
				    f->name);
		return -1;
	}
	r = fetch_file_compare(path, f->data, f->len, err, errlen);
	if (r < 0)
		return -1;
	if (r == FETCH_CMP_SAME) {
		res->files_unchanged++;
		return 0;
	}
	if (fetch_atomic_write(path, NULL, f->data, f->len, err, errlen) < 0)
		return -1;
	res->files_written++;
	if (f->kind == FETCH_FILE_CONFIG)
		res->reload_needed = true;
	return 0;
}

static bool has_suffix(const char *s, size_t len, const char *suf)
{
	size_t n = strlen(suf);

	return len >= n && memcmp(s + len - n, suf, n) == 0;
}

/* If NAME is owned by D, the planned file it belongs to (NAME without a
 * ~update/~tmp variant) goes to BASE and true is returned. */
static bool owned_base(const struct fetch_plan_dir *d, const char *name,
		       char *base, size_t baselen)
{
	size_t len = strlen(name), pl = strlen(d->prefix);

	if (len <= pl || strncmp(name, d->prefix, pl) != 0)
		return false;
	if (d->kind == FETCH_FILE_PEERKEYS) {
		if (has_suffix(name, len, PK_UPDATE))
			len -= strlen(PK_UPDATE);
		else if (has_suffix(name, len, PK_TMP))
			len -= strlen(PK_TMP);
		/* ~proc, ~incoming and the like are secnet's own. */
		if (memchr(name, '~', len))
			return false;
	}
	if (!has_suffix(name, len, d->suffix) ||
	    len <= pl + strlen(d->suffix) || len >= baselen)
		return false;
	memcpy(base, name, len);
	base[len] = '\0';
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names the plan keeps in D's directory, sorted for bsearch. */
static const char **kept_names(const struct fetch_plan *plan,
			       const struct fetch_plan_dir *d, size_t *n)
{
	const char **names = malloc((plan->nfiles + 1) * sizeof(*names));

	*n = 0;
	if (!names)
		return NULL;
	for (size_t i = 0; i < plan->nfiles; i++)
		if (strcmp(plan->files[i].dir, d->dir) == 0)
			names[(*n)++] = plan->files[i].name;
	qsort(names, *n, sizeof(*names), cmp_str);
	return names;
}

/* Collects the owned but unplanned names of D's directory into a new
 * array of new strings. */
static int stale_names(const struct fetch_plan *plan,
		       const struct fetch_plan_dir *d, char ***out,
		       size_t *nout, char *err, size_t errlen)
{
	char base[NAME_MAX + 1];
	const char **kept = NULL;
	char **stale = NULL;
	size_t nkept = 0, nstale = 0, cap = 0;
	struct dirent *de;
	DIR *dir = NULL;
	int rc = -1;

	kept = kept_names(plan, d, &nkept);
	if (!kept) {
		fetch_output_seterr(err, errlen, "out of memory");
		goto out;
	}
	dir = opendir(d->dir);
	if (!dir) {
		syserr(err, errlen, "cannot read directory", d->dir);
		goto out;
	}
	errno = 0;
	while ((de = readdir(dir)) != NULL) {
		const char *key = base;

		if (!owned_base(d, de->d_name, base, sizeof(base)) ||
		    bsearch(&key, kept, nkept, sizeof(*kept), cmp_str))
			continue;
		if (grow((void **)&stale, nstale, &cap, sizeof(*stale)) < 0 ||
		    !(stale[nstale] = strdup(de->d_name))) {
			fetch_output_seterr(err, errlen, "out of memory");
			goto out;
		}
		nstale++;
		errno = 0;
	}
	if (errno != 0) {
		syserr(err, errlen, "cannot read directory", d->dir);
		goto out;
	}
	*out = stale;
	*nout = nstale;
	stale = NULL;
	nstale = 0;
	rc = 0;
out:
	for (size_t i = 0; i < nstale; i++)
		free(stale[i]);
	free(stale);
	free(kept);
	if (dir && closedir(dir) < 0 && rc == 0)
		rc = syserr(err, errlen, "cannot read directory", d->dir);
	return rc;
}

static int remove_stale(const struct fetch_plan *plan,
			const struct fetch_plan_dir *d,
			struct fetch_apply_result *res, char *err,
			size_t errlen)
{
	char path[PATH_MAX];
	char **stale = NULL;
	size_t nstale = 0;
	bool removed = false;
	int rc = -1;

	if (stale_names(plan, d, &stale, &nstale, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < nstale; i++) {
		int r;

		if (fetch_path_join(path, sizeof(path), d->dir, stale[i],
				    NULL) < 0) {
			fetch_output_seterr(err, errlen, "path too long: %s",
					    stale[i]);
			goto out;
		}
		r = fetch_file_remove(path, err, errlen);
		if (r < 0)
			goto out;
		/* Counted at once: a later failure must not hide that a
		 * configuration file is already gone. */
		if (r > 0) {
			removed = true;
			res->files_removed++;
			if (d->kind == FETCH_FILE_CONFIG)
				res->reload_needed = true;
		}
	}
	if (removed && fetch_dir_sync(d->dir, err, errlen) < 0)
		goto out;
	rc = 0;
out:
	for (size_t i = 0; i < nstale; i++)
		free(stale[i]);
	free(stale);
	return rc;
}

int fetch_plan_stale(const struct fetch_plan *plan, char ***out, size_t *n,
		     char *err, size_t errlen)
{
	char path[PATH_MAX];
	char **all = NULL, **stale = NULL, **grown;
	size_t nall = 0, nstale = 0;
	int rc = -1;

	for (size_t i = 0; i < plan->ndirs; i++) {
		const struct fetch_plan_dir *d = &plan->dirs[i];
		struct stat sb;
		/* A directory not made yet holds nothing to remove. */
		if (stat(d->dir, &sb) != 0 && errno == ENOENT)
			continue;
		if (stale_names(plan, d, &stale, &nstale, err, errlen) < 0)
			goto out;
		grown = realloc(all, (nall + nstale + 1) * sizeof(*all));
		if (!grown) {
			fetch_output_seterr(err, errlen, "out of memory");
			goto out;
		}
		all = grown;
		for (; nstale > 0; nstale--) {
			char *name = stale[nstale - 1];
			if (fetch_path_join(path, sizeof(path), d->dir, name,
					    NULL) < 0 ||
			    !(all[nall] = strdup(path))) {
				fetch_output_seterr(err, errlen,
						    "cannot name %s", name);
				goto out;
			}
			nall++;
			free(name);
		}
		free(stale);
		stale = NULL;
	}
	*out = all;
	*n = nall;
	all = NULL;
	nall = 0;
	rc = 0;
out:
	for (size_t i = 0; i < nstale; i++)
		free(stale[i]);
	free(stale);
	for (size_t i = 0; i < nall; i++)
		free(all[i]);
	free(all);
	return rc;
}

int fetch_plan_apply(const struct fetch_plan *plan,
		     struct fetch_apply_result *res, char *err, size_t errlen)
{
	memset(res, 0, sizeof(*res));
	if (plan->oom) {
		fetch_output_seterr(err, errlen,
				    "out of memory while planning");
		return -1;
	}
	/* Writes first: a main file that stops naming a site is in place
	 * before that site's file goes away. */
	for (size_t i = 0; i < plan->nfiles; i++)
		if (apply_file(&plan->files[i], res, err, errlen) < 0)
			return -1;
	for (size_t i = 0; i < plan->ndirs; i++)
		if (remove_stale(plan, &plan->dirs[i], res, err, errlen) < 0)
			return -1;
	return 0;
}
