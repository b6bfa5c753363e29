/* anchorstmt.c - the admin's anchor statement files (anchorstmt.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anchorstmt.h"

static int only_rec(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 4 &&
	       strcmp(d->d_name + n - 4, ".rec") == 0;
}

static int append(struct pub_recs *out, struct pub_recs *more,
		  struct pub_err *e)
{
	struct pub_rec *v;

	if (more->n == 0)
		return 0;
	v = realloc(out->v, (out->n + more->n) * sizeof(*v));
	if (!v)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "anchors",
				"out of memory");
	memcpy(v + out->n, more->v, more->n * sizeof(*v));
	out->v = v;
	out->n += more->n;
	free(more->v); /* the records moved */
	more->v = NULL;
	more->n = 0;
	return 0;
}

int pub_anchor_stmts_load(const struct pub_admin *a, struct pub_recs *out,
			  struct pub_err *e)
{
	char *dir = pub_path_join(a->dir, PUB_ANCHOR_DIR);
	struct dirent **names = NULL;
	int n, rc = -1;

	memset(out, 0, sizeof(*out));
	if (!dir)
		return pub_errf(e, PUB_EXIT_INTERNAL, a->dir, 0, "anchors",
				"out of memory");
	n = scandir(dir, &names, only_rec, alphasort);
	if (n < 0) {
		if (errno == ENOENT)
			rc = 0;
		else
			pub_errf(e, PUB_EXIT_IO, dir, 0, "anchors", "%s",
				 strerror(errno));
		goto out;
	}
	rc = 0;
	for (int i = 0; i < n; i++) {
		struct pub_recs more = { 0 };
		char *path = rc == 0 ? pub_path_join(dir, names[i]->d_name)
				     : NULL;
		if (rc == 0 && !path)
			rc = pub_errf(e, PUB_EXIT_INTERNAL, dir, 0, "anchors",
				      "out of memory");
		if (rc == 0 && (pub_recs_read(path, &more, e) != 0 ||
				append(out, &more, e) != 0))
			rc = -1;
		pub_recs_free(&more);
		free(path);
		free(names[i]);
	}
	free(names);
	if (rc != 0)
		pub_recs_free(out);
out:
	free(dir);
	return rc;
}

char *pub_anchor_stmt_path(const struct pub_admin *a, bool retire,
			   const struct rr_pubkey *key)
{
	char id[2 * RR_KEYID_LEN + 1], name[64];
	char *dir, *path;

	rr_keyid_format(key->id, id);
	(void)snprintf(name, sizeof(name), "%s-%s.rec",
		       retire ? "retire" : "add", id);
	dir = pub_path_join(a->dir, PUB_ANCHOR_DIR);
	path = dir ? pub_path_join(dir, name) : NULL;
	free(dir);
	return path;
}
