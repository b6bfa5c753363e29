/* zonefile.h - upkeep of a zone file that also holds other records:
 * replace vpnrr records in place, bump the SOA serial, write atomically;
 * and the skeleton (SOA, NS) of a new zone. */
#ifndef PUB_ZONEFILE_H
#define PUB_ZONEFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util.h"
#include "zonefmt.h"

/* What pub_zonefile_update did. */
struct pub_zf_result {
	bool changed;       /* false: the zone already held these records */
	uint32_t serial;    /* the SOA serial the file now has */
	size_t removed;     /* RRs taken out (replaced or stale) */
	size_t added;       /* RRs put in */
};

/*
 * Replaces records in the zone file PATH with the vpnrr records in
 * NEWTEXT (zone-file lines with absolute owner names, TTL and class, as
 * pub_zone_record writes them).  Taken out: every TXT and TYPE65380 RR
 * at an owner name of NEWTEXT, and, for each head in NEWTEXT (at
 * _vpnrr.Z), every TXT and TYPE65380 RR below p._vpnrr.Z and m._vpnrr.Z
 * (pages and member records the new head no longer lists).  Everything
 * else keeps its text byte for byte; the SOA is rewritten with a higher
 * serial (RFC 1982: YYYYMMDD00 of NOW when that is newer, else +1).  When
 * the zone already holds exactly these records nothing is written.  Each
 * refusal (unparseable zone: FILE:LINE; $INCLUDE; no or several SOAs;
 * records outside the zone) leaves the file as it was.
 */
int pub_zonefile_update(const char *path, const char *newtext, size_t len,
			uint64_t now, struct pub_zf_result *res,
			struct pub_err *e);

/* Writes the vpnrr records (TXT that parse as vpnrr records, TYPE65380)
 * of the zone file PATH to F, one RR a line in ldns's presentation
 * form; *COUNT is how many.  For the admin's zone as "vpnrr index"
 * writes it. */
int pub_zonefile_vpnrr(const char *path, FILE *f, size_t *count,
		       struct pub_err *e);

/* pub_zonefile_update with the records of INPUTS: record files (as
 * "vpnrr sign" writes them; "-" is standard input), written at TTL as
 * types T, or zone files (as "vpnrr index" writes them), whose vpnrr
 * records are taken as they are. */
int pub_zonefile_update_from(const char *path, const char *const *inputs,
			     size_t ninputs, uint32_t ttl, enum pub_ztype t,
			     uint64_t now, struct pub_zf_result *res,
			     struct pub_err *e);

/* True when PATH reads as a zone file rather than a record file (whose
 * first line that is not blank or a comment is "OWNER v=vpnrr1;..."). */
bool pub_zonefile_looks_like(const char *path);

/* The date-based serial of NOW: YYYYMMDD00 (UTC). */
uint32_t pub_zonefile_date_serial(uint64_t now);

/* A new zone's skeleton: $ORIGIN, $TTL, SOA (MBOX: "user@domain" or a
 * DNS name; NULL: hostmaster.ZONE) with a date-based serial, one NS per
 * NSS entry. */
int pub_zonefile_skeleton(FILE *f, const char *zone, const char *const *ns,
			  size_t nns, const char *mbox, uint32_t ttl,
			  uint64_t now, struct pub_err *e);

#endif
