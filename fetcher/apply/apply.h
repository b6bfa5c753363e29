/*
 * apply.h - from an output plan to owed actions, and doing them.
 *
 * A refresh never writes a plan straight to disk.  It first turns the
 * plan into the list of actions the disk still needs (fetch_apply_owe:
 * files whose bytes differ, owned files to remove, peer-keys updates to
 * hand to secnet, a reload when secnet's configuration changed), commits
 * that list to the store's journal together with the new state, and only
 * then does the file actions (fetch_apply_files).  Each action is
 * idempotent, so a journal left by a killed run is simply done again.
 *
 * Blocking file I/O: call these on a libuv worker thread.
 */
#ifndef VPNRR_FETCH_APPLY_H
#define VPNRR_FETCH_APPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "output.h"
#include "store.h"

/* Files of this node's own site: secnet never reads them for a peer, so
 * a change to them needs no reload.  Either may be NULL. */
struct fetch_apply_local {
	const char *config_path;  /* its secnet site file */
	const char *keys_path;    /* its live peer-keys file */
};

/*
 * Compares PLAN with the disk and appends to *V (*N entries, growing the
 * array; free with fetch_owed_free) the actions still needed, in the
 * order they must run: writes in plan order, then removals, then
 * peer-keys hand-overs, then one RELOAD when a secnet configuration file
 * is written or removed.  The data of a file to write moves into its
 * action and is lent back to the plan (plan_file.lent): the plan's
 * bytes stay readable until *V is freed.  0, or -1 with ERR.
 */
int fetch_apply_owe(struct fetch_plan *plan,
		    const struct fetch_apply_local *local,
		    struct fetch_owed **v, size_t *n, char *err,
		    size_t errlen);

struct fetch_apply_stats {
	size_t written, removed, skipped;
};

/*
 * Does the WRITE and REMOVE actions of V (others are left alone): every
 * temporary file first, one data sync per file system, then the renames
 * and removals in order, then one sync per directory.  DONE[i] is set
 * for each action of V that is now complete.  On failure the temporary
 * files made so far are removed, every target is either old or new, and
 * -1 is returned with ERR (the journal keeps the rest owed).
 */
int fetch_apply_files(const struct fetch_owed *v, size_t n, bool *done,
		      struct fetch_apply_stats *stats, char *err,
		      size_t errlen);

/* True when PATH holds exactly DATA. */
bool fetch_apply_holds(const char *path, const uint8_t *data, size_t len);

#endif
