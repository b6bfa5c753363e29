/* internal.h - helpers the chain's files share; not for callers (they
 * use rrchain.h). */
#ifndef VPNRR_RRCHAIN_INTERNAL_H
#define VPNRR_RRCHAIN_INTERNAL_H

#include <stdarg.h>

#include "rrchain.h"

/* Fills ERR (may be NULL); returns R. */
void rrc_vseterr(struct rrchain_error *err, enum rrchain_reason r,
		 const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
enum rrchain_reason rrc_seterr(struct rrchain_error *err,
			       enum rrchain_reason r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same, and counts one rejection in ST (may be NULL). */
enum rrchain_reason rrc_reject(struct rrchain_stats *st,
			       struct rrchain_error *err,
			       enum rrchain_reason r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The reason class of a record-level error class. */
enum rrchain_reason rrc_from_rr(enum rr_errclass c);

int rrc_blob_set(struct rrchain_blob *b, uint16_t type, const uint8_t *data,
		 size_t len);
/* Cache key over a member entry's content hash and one RDATA. */
void rrc_cache_key(const uint8_t member[RR_HASH_LEN],
		   const struct rrchain_rdata *rd, uint8_t out[RR_HASH_LEN]);
/* Parses RD in whichever encoding its type says. */
enum rr_errclass rrc_parse_rdata(const struct rrchain_rdata *rd,
				 struct rr_record *rec, struct rr_error *e);

#endif
