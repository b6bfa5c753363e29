/* zonefmt.h - zone-file lines for records: TXT (strings of at most 255
 * bytes, quoted and escaped) and the private type in RFC 3597 form. */
#ifndef PUB_ZONEFMT_H
#define PUB_ZONEFMT_H

#include <stdint.h>
#include <stdio.h>

#include "rr.h"
#include "util.h"

enum pub_ztype { PUB_Z_TXT = 1, PUB_Z_BIN = 2, PUB_Z_BOTH = 3 };

/* Parses "txt", "bin" or "both". */
int pub_ztype_parse(const char *s, enum pub_ztype *out);
/* Writes the record at OWNER (absolute, a final dot is added). */
int pub_zone_record(FILE *f, const char *owner, uint32_t ttl,
		    const struct rr_record *r, enum pub_ztype t,
		    struct pub_err *e);
/* One quoted character-string of LEN bytes. */
void pub_zone_quoted(FILE *f, const char *s, size_t len);

#endif
