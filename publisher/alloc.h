/* alloc.h - networks for a site that asks for "any /N": the first free
 * aligned block of the VPN's space (its restrict-nets, in the order
 * vpnrr.conf lists them) that overlaps no member's networks.  The same
 * members and config always give the same block. */
#ifndef PUB_ALLOC_H
#define PUB_ALLOC_H

#include "admin.h"
#include "request.h"

/* The first block of WANT's size free of TAKEN (NTAKEN prefixes) inside
 * one of SPACE; -1 with E set (PUB_EXIT_INVALID) naming the size when
 * none is free or SPACE holds no prefix of WANT's family. */
int pub_alloc_block(const struct rr_prefix *space, size_t nspace,
		    const struct rr_prefix *taken, size_t ntaken,
		    const struct pub_anynet *want, struct rr_prefix *out,
		    struct pub_err *e);

/* Fills CAND's networks: its own NETS plus one block for each of ANY
 * (NANY), allocated from A's restrict-nets free of every member's in MS
 * (CAND's own site skipped, as a renewal replaces it) and of each other. */
int pub_alloc_member(const struct pub_admin *a, const struct pub_members *ms,
		     const struct pub_anynet *any, size_t nany,
		     struct pub_member *cand, struct pub_err *e);

#endif
