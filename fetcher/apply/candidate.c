/*
 * candidate.c - the candidate secnet configuration for `secnet -j`.
 *
 * Paths are rewritten as text: secnet's include takes the path up to the
 * next blank and peer-keys takes a quoted string without escapes, and
 * the output directories are checked to hold neither (output.h), so a
 * plain substring replacement cannot change anything else's meaning.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "candidate.h"

#define MAX_MAIN_CONFIG (4 * 1024 * 1024)

/* Appends S[0..LEN) to T with every FROM replaced by TO. */
static void replace(struct fetch_text *t, const char *s, size_t len,
		    const char *from, const char *to)
{
	size_t fl = strlen(from);
	const char *end = s + len;

	while (s < end) {
		const char *hit = fl ? memmem(s, (size_t)(end - s), from, fl)
				     : NULL;
		size_t n = hit ? (size_t)(hit - s) : (size_t)(end - s);
		char *part = strndup(s, n);
		if (!part) {
			t->failed = true;
			return;
		}
		fetch_text_add(t, part);
		free(part);
		if (!hit)
			return;
		fetch_text_add(t, to);
		s = hit + fl;
	}
}

static int rewrite(const char *in, size_t len, const char *a_from,
		   const char *a_to, const char *b_from, const char *b_to,
		   struct fetch_text *out)
{
	struct fetch_text mid;

	fetch_text_init(&mid);
	replace(&mid, in, len, a_from, a_to);
	if (!mid.failed)
		replace(out, mid.buf ? mid.buf : "", mid.len, b_from, b_to);
	fetch_text_free(&mid);
	return mid.failed || out->failed ? -1 : 0;
}

static int empty_dir(const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		rr_say(err, errlen, "%s: cannot create: %s", dir,
				    strerror(errno));
		return -1;
	}
	d = opendir(dir);
	if (!d) {
		rr_say(err, errlen, "%s: %s", dir,
				    strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (fetch_path_join(path, sizeof(path), dir, de->d_name,
				    NULL) == 0)
			(void)unlink(path);
	}
	(void)closedir(d);
	return 0;
}

/* Scratch files: no fsync, nobody depends on them surviving a crash. */
static int put(const char *dir, const char *name, const char *data,
	       size_t len, char *err, size_t errlen)
{
	char path[PATH_MAX];
	FILE *f;
	int rc = 0;

	if (fetch_path_join(path, sizeof(path), dir, name, NULL) < 0) {
		rr_say(err, errlen, "path too long: %s", name);
		return -1;
	}
	f = fopen(path, "we");
	if (!f || fwrite(data, 1, len, f) != len)
		rc = -1;
	if (f && fclose(f) != 0)
		rc = -1;
	if (rc != 0 || !f)
		rr_say(err, errlen, "%s: cannot write: %s", path,
				    strerror(errno));
	return rc != 0 || !f ? -1 : 0;
}

static int write_main(const struct fetch_output_cfg *cfg,
		      const char *secnet_config, const char *dir, char *err,
		      size_t errlen)
{
	char want[PATH_MAX + 16], to[PATH_MAX + 16];
	const char *main_name = cfg->secnet_main ? cfg->secnet_main
						 : FETCH_SECNET_MAIN;
	struct fetch_text out;
	uint8_t *text = NULL;
	size_t len = 0;
	int r, rc = -1;

	r = fetch_file_read(secnet_config, MAX_MAIN_CONFIG, &text, &len, err,
			    errlen);
	if (r <= 0) {
		if (r == 0)
			rr_say(err, errlen, "%s: no such file",
					    secnet_config);
		return -1;
	}
	fetch_text_init(&out);
	(void)snprintf(want, sizeof(want), "include %s/%s", cfg->secnet_dir,
		       main_name);
	(void)snprintf(to, sizeof(to), "include %s/%s", dir, main_name);
	if (!memmem(text, len, want, strlen(want))) {
		rr_say(err, errlen, "%s: has no line `%s': "
				    "cannot check the candidate with it",
				    secnet_config, want);
		goto out;
	}
	if (rewrite((const char *)text, len, want, to, "", "", &out) != 0) {
		rr_say(err, errlen, "out of memory");
		goto out;
	}
	rc = put(dir, FETCH_CANDIDATE_MAIN, out.buf ? out.buf : "", out.len,
		 err, errlen);
out:
	fetch_text_free(&out);
	free(text);
	return rc;
}

int fetch_candidate_write(const struct fetch_plan *plan,
			  const struct fetch_output_cfg *cfg,
			  const char *secnet_config, const char *dir,
			  char *err, size_t errlen)
{
	char inc_from[PATH_MAX + 16], inc_to[PATH_MAX + 16];
	char pk_from[PATH_MAX + 16], pk_to[PATH_MAX + 16];
	const char *pk = cfg->pubkeys_dir ? cfg->pubkeys_dir
					  : FETCH_PUBKEYS_DIR;

	if (empty_dir(dir, err, errlen) < 0 ||
	    write_main(cfg, secnet_config, dir, err, errlen) < 0)
		return -1;
	(void)snprintf(inc_from, sizeof(inc_from), "include %s/",
		       cfg->secnet_dir);
	(void)snprintf(inc_to, sizeof(inc_to), "include %s/", dir);
	(void)snprintf(pk_from, sizeof(pk_from), "peer-keys \"%s/", pk);
	(void)snprintf(pk_to, sizeof(pk_to), "peer-keys \"%s/", dir);
	for (size_t i = 0; i < plan->nfiles; i++) {
		const struct fetch_plan_file *f = &plan->files[i];
		struct fetch_text out;
		int rc;
		if (f->kind != FETCH_FILE_CONFIG &&
		    f->kind != FETCH_FILE_PEERKEYS)
			continue;
		fetch_text_init(&out);
		rc = rewrite((const char *)f->data, f->len, inc_from, inc_to,
			     pk_from, pk_to, &out);
		if (rc != 0)
			rr_say(err, errlen, "out of memory");
		else
			rc = put(dir, f->name, out.buf ? out.buf : "",
				 out.len, err, errlen);
		fetch_text_free(&out);
		if (rc != 0)
			return -1;
	}
	return 0;
}
