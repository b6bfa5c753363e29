/* jsonout.h - JSON views of records for --json output (libjansson). */
#ifndef PUB_JSONOUT_H
#define PUB_JSONOUT_H

#include <jansson.h>

#include "rr.h"
#include "util.h"

/* {"owner", "kind", "vpn", "site", "serial", "not_before", "expires",
 *  "text", "fields": {tag: value, ...}}; NULL when out of memory. */
/* A JSON string of S escaped with rr_escape: text from records and DNS
 * answers may hold bytes that are not UTF-8, which jansson refuses. */
json_t *pub_json_text(const char *s);
json_t *pub_json_textn(const char *s, size_t len);
json_t *pub_json_record(const char *owner, const struct rr_record *r);
/* Prints J (compact when ONE_LINE) and a newline to stdout; frees J. */
int pub_json_print(json_t *j, struct pub_err *e);

#endif
