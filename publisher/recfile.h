/* recfile.h - record files: what "vpnrr sign" writes and "vpnrr zone"
 * reads.  One record per line, "OWNER v=vpnrr1; k=...", '#' comments. */
#ifndef PUB_RECFILE_H
#define PUB_RECFILE_H

#include <stdio.h>

#include "rr.h"
#include "util.h"

struct pub_rec {
	char owner[RR_MAX_NAME + 1];
	unsigned line;
	struct rr_record r;
};

struct pub_recs {
	struct pub_rec *v;
	size_t n;
};

int pub_recs_read(const char *path, struct pub_recs *out, struct pub_err *e);
void pub_recs_free(struct pub_recs *rs);
/* Writes "OWNER TEXT\n". */
int pub_rec_write(FILE *f, const char *owner, const struct rr_record *r,
		  struct pub_err *e);

#endif
