/* fields.h - values shared by the description files (site, member,
 * admin config): names, networks, endpoints, free text, times. Each
 * parser reports "FILE:LINE: KEYWORD: WHY". */
#ifndef PUB_FIELDS_H
#define PUB_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "lines.h"
#include "rr.h"


/* "LOCATION/SITE" from word I. */
int pub_field_sitename(const struct pub_lines *f, const struct pub_line *l,
		       size_t i, char out[RR_SITENAMELEN], struct pub_err *e);
/* A VPN name from word I. */
int pub_field_name(const struct pub_lines *f, const struct pub_line *l,
		   size_t i, char out[64], struct pub_err *e);
/* A DNS name from word I (lower-cased, final dot dropped). */
int pub_field_dnsname(const struct pub_lines *f, const struct pub_line *l,
		      size_t i, char out[RR_MAX_NAME + 1], struct pub_err *e);
/* Appends the prefixes in words 1.. to NETS (at most RR_MAX_NETS),
 * refusing duplicates and overlaps within the list. */
int pub_field_nets(const struct pub_lines *f, const struct pub_line *l,
		   struct rr_prefix *nets, size_t *n, struct pub_err *e);
/* HOST PORT (HOST: IPv4, [IPv6], IPv6, host name) -> canonical
 * endpoint text as the record carries it. */
int pub_field_endpoint(const struct pub_lines *f, const struct pub_line *l,
		       const char *host, const char *port,
		       char out[RR_ENDPOINTSTRLEN], struct pub_err *e);
/* The rest of the line from word 1: printable ASCII without ';'. */
int pub_field_text(const struct pub_lines *f, const struct pub_line *l,
		   char *out, size_t size, struct pub_err *e);
int pub_field_time(const struct pub_lines *f, const struct pub_line *l,
		   uint64_t *out, struct pub_err *e);
int pub_field_duration(const struct pub_lines *f, const struct pub_line *l,
		       uint64_t *out, struct pub_err *e);
/* Decimal in [MIN, MAX] from word 1. */
int pub_field_u32(const struct pub_lines *f, const struct pub_line *l,
		  uint32_t min, uint32_t max, uint32_t *out,
		  struct pub_err *e);

/* A comma-separated list of prefixes (new string). */
char *pub_nets_text(const struct rr_prefix *nets, size_t n);

#endif
