/* filebatch.c - many files in one durable batch (filebatch.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "filebatch.h"

struct pub_batch_file {
	char *path, *tmp;
	uint8_t *data;
	size_t len;
	mode_t mode;
	bool excl;
};

static int refuse_existing(const char *path, struct pub_err *e)
{
	return pub_errf(e, PUB_EXIT_INVALID, path, 0, "write",
			"file exists; refusing to overwrite it");
}

static int grow(struct pub_batch *b)
{
	struct pub_batch_file *nv;
	size_t cap = b->cap ? b->cap * 2 : 64;

	if (b->n < b->cap)
		return 0;
	nv = realloc(b->v, cap * sizeof(*nv));
	if (!nv)
		return -1;
	b->v = nv;
	b->cap = cap;
	return 0;
}

int pub_batch_add(struct pub_batch *b, const char *path, const void *data,
		  size_t len, mode_t mode, bool excl, struct pub_err *e)
{
	struct pub_batch_file f = { .len = len, .mode = mode, .excl = excl };
	size_t pl = strlen(path);

	/* Checked first for the plain message; link(2) at commit is what
	 * guarantees it. */
	if (excl && access(path, F_OK) == 0)
		return refuse_existing(path, e);
	f.path = strdup(path);
	f.tmp = malloc(pl + sizeof(FETCH_ATOMIC_TMP_SUFFIX));
	f.data = malloc(len ? len : 1);
	if (!f.path || !f.tmp || !f.data || grow(b) != 0) {
		free(f.path);
		free(f.tmp);
		free(f.data);
		return pub_errf(e, PUB_EXIT_INTERNAL, path, 0, "write",
				"out of memory");
	}
	memcpy(f.tmp, path, pl);
	memcpy(f.tmp + pl, FETCH_ATOMIC_TMP_SUFFIX,
	       sizeof(FETCH_ATOMIC_TMP_SUFFIX));
	if (len)
		memcpy(f.data, data, len);
	b->v[b->n++] = f;
	return 0;
}

int pub_batch_commit(struct pub_batch *b, struct pub_err *e)
{
	struct fetch_atomic_op *ops = calloc(b->n ? b->n : 1, sizeof(*ops));
	bool *done = calloc(b->n ? b->n : 1, sizeof(*done));
	char err[1024];
	int rc = -1;

	if (!ops || !done) {
		pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "write",
			 "out of memory");
		goto out;
	}
	for (size_t i = 0; i < b->n; i++)
		ops[i] = (struct fetch_atomic_op){
			.kind = b->v[i].excl ? FETCH_ATOMIC_OP_CREATE
					     : FETCH_ATOMIC_OP_WRITE,
			.path = b->v[i].path, .tmp = b->v[i].tmp,
			.data = b->v[i].data, .len = b->v[i].len,
			.mode = b->v[i].mode,
		};
	if (fetch_atomic_batch(ops, b->n, done, NULL, err, sizeof(err)) == 0)
		rc = 0;
	else if (errno == EEXIST)
		pub_errf(e, PUB_EXIT_INVALID, NULL, 0, NULL,
			 "%s; refusing to overwrite it", err);
	else
		pub_errf(e, PUB_EXIT_IO, NULL, 0, NULL, "%s", err);
out:
	free(ops);
	free(done);
	return rc;
}

void pub_batch_free(struct pub_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->v[i].path);
		free(b->v[i].tmp);
		pub_free_wipe(b->v[i].data, b->v[i].len ? b->v[i].len : 1);
	}
	free(b->v);
	memset(b, 0, sizeof(*b));
}
