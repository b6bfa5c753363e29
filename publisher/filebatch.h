/* filebatch.h - many new or replaced files written as one batch
 * (atomicfile.h's fetch_atomic_batch): every temporary file, one syncfs,
 * the renames or links, one fsync per directory.  A run that writes
 * thousands of files ("vpnrr import") pays for a few syncs instead of
 * three per file, with the same guarantee: a crash leaves each file old
 * or new, never torn. */
#ifndef PUB_FILEBATCH_H
#define PUB_FILEBATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util.h"

struct pub_batch_file;

struct pub_batch {
	struct pub_batch_file *v;
	size_t n, cap;
};

/* Queues PATH with a copy of DATA (MODE set explicitly).  With EXCL the
 * file must be new: refused now when it exists, and installed with
 * link(2) so that one made meanwhile is not replaced either. */
int pub_batch_add(struct pub_batch *b, const char *path, const void *data,
		  size_t len, mode_t mode, bool excl, struct pub_err *e);
/* Writes every queued file. */
int pub_batch_commit(struct pub_batch *b, struct pub_err *e);
/* Frees the queue, wiping the copies (key files pass through it). */
void pub_batch_free(struct pub_batch *b);

#endif
