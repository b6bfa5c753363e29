/* rrset.h - DNS resource records collected for verification, from zone
 * files, from dig output, or from live queries (live.h). */
#ifndef PUB_RRSET_H
#define PUB_RRSET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rr.h"
#include "util.h"

struct pub_rr {
	char owner[RR_MAX_NAME + 1]; /* lower case, no final dot */
	uint16_t type;
	uint8_t *rdata;
	size_t len;
	char src[256];               /* file name, "standard input", server */
	unsigned line;               /* 0 for live answers */
};

struct pub_rrset {
	struct pub_rr *v;
	size_t n, cap;
};

/* Appends one RR (copies RDATA); duplicates are dropped as DNS would. */
int pub_rrset_add(struct pub_rrset *s, const char *owner, uint16_t type,
		  const uint8_t *rdata, size_t len, const char *src,
		  unsigned line, struct pub_err *e);
/* Reads a zone file or dig output (PATH "-": standard input).  Only TXT
 * and TYPE65380 RRs are kept; lines that are not RRs in zone-file syntax
 * are errors "FILE:LINE: zone: WHY", except comments. */
int pub_rrset_read(struct pub_rrset *s, const char *path, struct pub_err *e);
bool pub_rrset_has_owner(const struct pub_rrset *s, const char *owner);
void pub_rrset_free(struct pub_rrset *s);

#endif
