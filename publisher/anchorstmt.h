/* anchorstmt.h - the admin's anchor statements (SPEC.md 10.10): one
 * record file per statement in ADMINDIR/anchors/, "add-KEYID.rec" or
 * "retire-KEYID.rec" (KEYID: the key announced or retired), which
 * "vpnrr index" publishes at _anchor._vpnrr.ZONE while they are valid. */
#ifndef PUB_ANCHORSTMT_H
#define PUB_ANCHORSTMT_H

#include <stdbool.h>

#include "admin.h"
#include "recfile.h"

#define PUB_ANCHOR_DIR "anchors"

/* Every statement file of A, in file name order, into OUT (empty when
 * the directory does not exist). */
int pub_anchor_stmts_load(const struct pub_admin *a, struct pub_recs *out,
			  struct pub_err *e);
/* ADMINDIR/anchors/(add|retire)-KEYID.rec for KEY, in a new string. */
char *pub_anchor_stmt_path(const struct pub_admin *a, bool retire,
			   const struct rr_pubkey *key);

#endif
