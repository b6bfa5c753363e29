/* signdesc.h - read a site description and sign its record (shared by
 * "vpnrr sign" and "vpnrr resign"). */
#ifndef PUB_SIGNDESC_H
#define PUB_SIGNDESC_H

#include "sitedesc.h"

/* Fills S and R (signed at S->publish); the caller frees both.  PREV
 * (or NULL) is the record file this one replaces: without a
 * record-serial in the description, the serial is the time in seconds,
 * or one above PREV's when that is not below it, so that two records
 * signed in one second never share a serial (nodes would take the
 * second for a fork of the first). */
int pub_sign_desc(const char *desc, const char *keyfile, const char *prev,
		  uint64_t now, struct pub_site *s, struct rr_record *r,
		  struct pub_err *e);
/* Writes R as a record file at PATH (atomically), or to stdout. */
int pub_sign_emit(const char *path, const char *owner,
		  const struct rr_record *r, struct pub_err *e);

#endif
