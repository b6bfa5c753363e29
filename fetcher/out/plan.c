/*
 * plan.c - what drivers build (output.h): text buffers, plans with their
 * files, owned directory patterns and notices, and which owned files a
 * plan no longer lists.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomicfile.h"
#include "output.h"

/* ---- errors -------------------------------------------------------------- */


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

void fetch_plan_drop_files(struct fetch_plan *p)
{
	for (size_t i = 0; i < p->nfiles; i++) {
		free(p->files[i].dir);
		free(p->files[i].name);
		if (!p->files[i].lent)
			free(p->files[i].data);
	}
	free(p->files);
	p->files = NULL;
	p->nfiles = p->capfiles = 0;
}

void fetch_plan_free(struct fetch_plan *p)
{
	for (size_t i = 0; i < p->nfiles; i++) {
		free(p->files[i].dir);
		free(p->files[i].name);
		if (!p->files[i].lent)
			free(p->files[i].data);
	}
	for (size_t i = 0; i < p->ndirs; i++) {
		free(p->dirs[i].dir);
		free(p->dirs[i].prefix);
		free(p->dirs[i].suffix);
	}
	for (size_t i = 0; i < p->nnotices; i++)
		free(p->notices[i]);
	for (size_t i = 0; i < p->nsyncs; i++) {
		free(p->syncs[i].target);
		free(p->syncs[i].data);
	}
	free(p->syncs);
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

int fetch_plan_add_sync(struct fetch_plan *p, const char *keyword,
			const char *arg, struct fetch_text *text)
{
	struct fetch_plan_sync y = { NULL, NULL, 0 };
	size_t n = strlen(keyword) + strlen(arg) + 2;
	int rc = -1;

	if (text->failed)
		goto out;
	y.target = malloc(n);
	if (!y.target ||
	    grow((void **)&p->syncs, p->nsyncs, &p->capsyncs,
		 sizeof(*p->syncs)) < 0)
		goto out;
	(void)snprintf(y.target, n, "%s:%s", keyword, arg);
	y.len = text->len;
	y.data = (uint8_t *)text->buf;
	if (!y.data) {
		y.data = malloc(1);
		if (!y.data)
			goto out;
	}
	text->buf = NULL;
	p->syncs[p->nsyncs++] = y;
	y.target = NULL;
	y.data = NULL;
	rc = 0;
out:
	free(y.target);
	free(y.data);
	fetch_text_free(text);
	if (rc != 0)
		p->oom = true;
	return rc;
}

int fetch_plan_add_file(struct fetch_plan *p, enum fetch_file_kind kind,
			const char *dir, const char *name,
			struct fetch_text *text)
{
	struct fetch_plan_file f = { NULL, NULL, NULL, 0, kind, false };
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

/* ---- owned files no longer planned ---------------------------------------- */

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
		if (has_suffix(name, len, FETCH_PK_UPDATE))
			len -= strlen(FETCH_PK_UPDATE);
		else if (has_suffix(name, len, FETCH_PK_TMP))
			len -= strlen(FETCH_PK_TMP);
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
		rr_say(err, errlen, "out of memory");
		goto out;
	}
	dir = opendir(d->dir);
	if (!dir) {
		rr_failsys(err, errlen, "cannot read directory", d->dir);
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
			rr_say(err, errlen, "out of memory");
			goto out;
		}
		nstale++;
		errno = 0;
	}
	if (errno != 0) {
		rr_failsys(err, errlen, "cannot read directory", d->dir);
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
		rc = rr_failsys(err, errlen, "cannot read directory", d->dir);
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
			rr_say(err, errlen, "out of memory");
			goto out;
		}
		all = grown;
		for (; nstale > 0; nstale--) {
			char *name = stale[nstale - 1];
			if (fetch_path_join(path, sizeof(path), d->dir, name,
					    NULL) < 0 ||
			    !(all[nall] = strdup(path))) {
				rr_say(err, errlen,
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
