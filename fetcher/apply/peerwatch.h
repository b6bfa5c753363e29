/*
 * peerwatch.h - did secnet adopt a peer-keys update?
 *
 * secnet 0.6.7 (and upstream up to 0.6.10) adopts FILE~update unreliably:
 * keyset_load() never stores the parsed serial in the key set it returns
 * (the compared serials are leftover heap bytes) and serial_cmp() orders
 * serials the wrong way round, so secnet may discard a newer key set as
 * "older" (or install an older one).  A written ~update is therefore a
 * request, not a fact.  A peerwatch polls (a libuv timer; the file checks
 * run in the libuv thread pool, never on the loop) until secnet has
 * consumed NAME~update (it and NAME~proc are gone), then compares the live
 * NAME with the bytes written:
 *
 *   ADOPTED    the live file holds exactly what was written;
 *   DISCARDED  secnet consumed the update but the live file differs;
 *   TIMEOUT    the update was not consumed within the bound (secnet only
 *              looks before a key exchange, so an idle link may take as
 *              long as its key lifetime);
 *   ERROR      the files could not be examined.
 *
 * On DISCARDED or TIMEOUT the caller installs the keys itself with
 * fetch_peerkeys_install_live() and runs the reload command, and logs
 * which path was taken.
 */
#ifndef VPNRR_FETCH_PEERWATCH_H
#define VPNRR_FETCH_PEERWATCH_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#define FETCH_PEERWATCH_DEFAULT_INTERVAL_MS 1000
#define FETCH_PEERWATCH_DEFAULT_TIMEOUT_MS (10 * 60 * 1000)

enum fetch_peerwatch_outcome {
	FETCH_PEERWATCH_ADOPTED,
	FETCH_PEERWATCH_DISCARDED,
	FETCH_PEERWATCH_TIMEOUT,
	FETCH_PEERWATCH_ERROR,
};

const char *fetch_peerwatch_outcome_name(enum fetch_peerwatch_outcome o);

struct fetch_peerwatch; /* opaque */

struct fetch_peerwatch_opts {
	uint64_t interval_ms; /* between checks; 0: default */
	uint64_t timeout_ms;  /* give up after; 0: default */
};

/* Called exactly once unless the watch is cancelled first.  LIVE_PATH is
 * the watched live file; MSG says more on ERROR ("" otherwise).  The watch
 * is freed after the callback returns: do not cancel it from here. */
typedef void fetch_peerwatch_cb(enum fetch_peerwatch_outcome outcome,
				const char *live_path, const char *msg,
				void *data);

/*
 * Starts watching LIVE_PATH~update, written with DATA (copied).  Returns
 * 0 and sets *OUT, or a negative libuv error code (nothing started, CB
 * never called).  Cancel a watch on the same file before writing a newer
 * update for it.
 */
int fetch_peerwatch_start(uv_loop_t *loop, const char *live_path,
			  const uint8_t *data, size_t len,
			  const struct fetch_peerwatch_opts *opts,
			  fetch_peerwatch_cb *cb, void *cbdata,
			  struct fetch_peerwatch **out);

/* Stops W: its callback will not be called.  Memory is released once
 * libuv is done with it (a check in flight finishes first), so the loop
 * must keep running until then. */
void fetch_peerwatch_cancel(struct fetch_peerwatch *w);

#endif
