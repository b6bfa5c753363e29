/* index.h - building the admin zone: the signed head, the pages of
 * unsigned member entries bound to it by hash, the per-site signed member
 * records, SOA/NS, and site records the admin hosts. */
#ifndef PUB_INDEX_H
#define PUB_INDEX_H

#include <stdbool.h>

#include "admin.h"
#include "progress.h"

#define PUB_CLOCK_SKEW 3600

struct pub_index_info {
	uint32_t zone_serial;
	size_t nmembers, npages, nexpired;
	uint64_t head_expires;
	size_t head_txt_len, max_member_txt_len, max_page_bytes;
	bool changed; /* false: the zone there was kept (see pub_index_run) */
};

/* Signs the zone and writes it to a->output; saves the zone serial, the
 * head's expiry and a fingerprint of the signed content in DIR/state.
 * When the content is the same as the last zone's, that zone file is
 * still as written and its head is younger than half the head lifetime
 * and than 3 days, nothing is written (INFO->changed false; the serial
 * and head stay), unless FORCE.  INFO may be NULL. */
int pub_index_run(const struct pub_admin *a, uint64_t now, bool force,
		  struct pub_index_info *info, struct pub_err *e);
/* Counts the members of the next runs on P (started by the caller, who
 * knows -q and --json), phase by phase; NULL: no progress. */
void pub_index_progress(struct pub_progress *p);
/* Expiry of the head written by the last run (0 when unknown). */
uint64_t pub_index_head_expires(const struct pub_admin *a);

#endif
