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
/* Sets *STATUS to R and WHY to the message unless a verdict is there
 * already (the first reason is kept); counts it in ST (may be NULL). */
void rrc_mark(enum rrchain_reason *status, char *why, size_t whylen,
	      struct rrchain_stats *st, enum rrchain_reason r,
	      const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* The restrict-nets rule on one member: true, with the first net outside
 * named in WHY, when one of NETS lies outside pol->restrict_nets.  WHERE
 * (may be NULL) starts the message. */
bool rrc_outside(const struct rrchain_policy *pol, const char *where,
		 const char *site, const struct rr_prefix *nets, size_t n,
		 char *why, size_t whylen);
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
