/*
 * lookup.c - the DNS lookups of a refresh: one name, each configured type,
 * RDATA accumulated as owned blobs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "atomicfile.h"
#include "candidate.h"
#include "internal.h"

/* Copies an answer's RDATA into owned blobs: *N entries; 0 or -1 (out of
 * memory). */
static int blobs_from_answer(const struct fetch_dns_answer *ans,
			     struct rrchain_blob **out, size_t *n)
{
	struct rrchain_blob *b = calloc(ans->nrdata ? ans->nrdata : 1,
				      sizeof(*b));

	*out = NULL;
	*n = 0;
	if (!b)
		return -1;
	for (size_t i = 0; i < ans->nrdata; i++) {
		const struct fetch_dns_rdata *rd = &ans->rdata[i];

		b[i].type = rd->type;
		b[i].len = rd->len;
		b[i].data = malloc(rd->len ? rd->len : 1);
		if (!b[i].data) {
			rrchain_blobs_free(b, i);
			return -1;
		}
		if (rd->len)
			memcpy(b[i].data, rd->data, rd->len);
	}
	*out = b;
	*n = ans->nrdata;
	return 0;
}

static void on_answer(const struct fetch_dns_answer *ans, void *arg)
{
	struct lookup *lk = arg;
	struct rrchain_blob *more = NULL, *grown;
	size_t n = 0;

	if (ans->status == FETCH_DNS_OK) {
		if (lk->rf->sum.min_ttl == 0 || ans->min_ttl < lk->rf->sum.min_ttl)
			lk->rf->sum.min_ttl = ans->min_ttl;
		if (blobs_from_answer(ans, &more, &n) != 0) {
			lk->status = FETCH_DNS_NETWORK;
			rr_say(lk->error, sizeof(lk->error), "out of memory");
		} else if (n > 0) {
			grown = realloc(lk->blobs,
					(lk->nblobs + n) * sizeof(*grown));
			if (!grown) {
				lk->status = FETCH_DNS_NETWORK;
				rr_say(lk->error, sizeof(lk->error),
				    "out of memory");
			} else {
				memcpy(grown + lk->nblobs, more,
				       n * sizeof(*more));
				lk->blobs = grown;
				lk->nblobs += n;
				lk->any_ok = true;
				free(more); /* the blobs moved */
				more = NULL;
				n = 0;
			}
		} else {
			lk->any_ok = true;
		}
	} else if (ans->status != FETCH_DNS_NODATA &&
		   lk->error[0] == '\0') {
		lk->status = ans->status;
		rr_say(lk->error, sizeof(lk->error), "%s", ans->error);
	}
	rrchain_blobs_free(more, n);
	if (--lk->outstanding == 0)
		lk->done(lk);
}

/* NODATA for every type is a missing record, told as such. */
void rf_lookup_finish_status(struct lookup *lk)
{
	if (!lk->any_ok && lk->error[0] == '\0') {
		lk->status = FETCH_DNS_NODATA;
		rr_say(lk->error, sizeof(lk->error), "%s: no vpnrr record",
			 lk->name);
	}
}

int rf_lookup_start(struct fetch_refresh *rf, struct lookup *lk,
			const char *name, void (*done)(struct lookup *))
{
	int rc;

	lk->rf = rf;
	lk->done = done;
	rr_say(lk->name, sizeof(lk->name), "%s", name);
	lk->outstanding = (unsigned)rf->ntypes;
	for (size_t i = 0; i < rf->ntypes; i++) {
		rc = rf->opts.source
			? rf->opts.source->query(rf->opts.source->ctx, name,
						 rf->types[i], on_answer, lk)
			: fetch_dns_query(rf->dns, name, rf->types[i],
					  on_answer, lk);
		if (rc != 0) {
			/* The query was refused synchronously: count it as an
			 * answered failure so the lookup still completes. */
			lk->status = FETCH_DNS_NETWORK;
			rr_say(lk->error, sizeof(lk->error),
				 "%s: cannot query: %s", name, uv_strerror(rc));
			lk->outstanding--;
		}
	}
	return lk->outstanding == 0 ? -1 : 0;
}

void rf_lookup_free(struct lookup *lk)
{
	rrchain_blobs_free(lk->blobs, lk->nblobs);
	lk->blobs = NULL;
	lk->nblobs = 0;
}

/* RDATA views for the chain functions; caller frees. */
struct rrchain_rdata *rf_rdata_of(const struct rrchain_blob *b, size_t n)
{
	struct rrchain_rdata *rd = calloc(n ? n : 1, sizeof(*rd));

	if (rd)
		rrchain_rdata_view(b, n, rd);
	return rd;
}
