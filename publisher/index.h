/* index.h - building the admin zone: the signed head, the pages of
 * unsigned member entries bound to it by hash, the per-site signed member
 * records, SOA/NS, and site records the admin hosts. */
#ifndef PUB_INDEX_H
#define PUB_INDEX_H

#include "admin.h"

#define PUB_CLOCK_SKEW 3600

struct pub_index_info {
	uint32_t zone_serial;
	size_t nmembers, npages, nexpired;
	uint64_t head_expires;
	size_t head_txt_len, max_member_txt_len, max_page_bytes;
};

/* Signs and writes the zone to a->output; saves the zone serial in
 * DIR/state.  INFO may be NULL. */
int pub_index_run(const struct pub_admin *a, uint64_t now,
		  struct pub_index_info *info, struct pub_err *e);
/* Expiry of the head written by the last run (0 when unknown). */
uint64_t pub_index_head_expires(const struct pub_admin *a);

#endif
