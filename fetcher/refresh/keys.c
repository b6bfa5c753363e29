/*
 * keys.c - peer-keys hand-overs: secnet adopts an ~update itself within
 * its deadline, or the keys are installed and a restart is owed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "atomicfile.h"
#include "candidate.h"
#include "internal.h"

/* The fallback for secnet's unreliable ~update adoption: the live file
 * itself, then a restart (owed first). */
static void install_keys(struct fetch_refresh *rf, size_t i, bool reload)
{
	const struct fetch_owed *o;
	char err[FETCH_OUTPUT_ERRLEN];

	/* owe_reload may move rf->owed: take the row after it. */
	if (reload && !rf_owe_reload(rf))
		return;
	o = &rf->owed[i];
	if (fetch_peerkeys_install_live(o->path, o->data, o->len, err,
					sizeof(err)) != 0) {
		rf_fail(rf, false, "%s: %s", o->path, err);
		return;
	}
	rf->sum.keys_installed++;
	rf->paid[i] = true;
}

static void watches_done(struct fetch_refresh *rf)
{
	(void)rf_settle(rf);
	rf_run_reload(rf);
}

/* The adoption is still pending: the row stays owed, and a later refresh
 * looks again (the daemon wakes up for the earliest deadline). */
void rf_keys_pending(struct fetch_refresh *rf, size_t i)
{
	const struct fetch_owed *o = &rf->owed[i];

	rf->sum.keys_pending++;
	if (rf->sum.keys_next_deadline == 0 ||
	    o->deadline < rf->sum.keys_next_deadline)
		rf->sum.keys_next_deadline = o->deadline;
	fetch_log(rf->log, FETCH_LOG_INFO, "%s: waiting for secnet to adopt "
		  "the new keys (until %" PRIu64 ", %" PRIu64 " s from now)",
		  o->path, o->deadline,
		  o->deadline > rf->opts.now ? o->deadline - rf->opts.now : 0);
}

static void on_watch(enum fetch_peerwatch_outcome outcome,
		     const char *live_path, const char *msg, void *data)
{
	struct watch_job *wj = data;
	struct fetch_refresh *rf = wj->rf;
	uint64_t now = rf_clock_now(rf);

	if (outcome == FETCH_PEERWATCH_ADOPTED) {
		rf->sum.keys_adopted++;
		rf->paid[wj->slot] = true;
		fetch_log(rf->log, FETCH_LOG_NOTICE,
			  "%s: secnet adopted the new keys without a restart",
			  live_path);
	}
	else if (outcome == FETCH_PEERWATCH_TIMEOUT &&
		 now < rf->owed[wj->slot].deadline)
		rf_keys_pending(rf, wj->slot);
	else {
		if (outcome == FETCH_PEERWATCH_DISCARDED)
			rf->sum.keys_discarded++;
		else if (outcome == FETCH_PEERWATCH_TIMEOUT)
			rf->sum.keys_timeout++;
		else
			rf->sum.keys_watch_errors++;
		fetch_log(rf->log, FETCH_LOG_WARN,
			  "%s: %s%s%s; installing the keys and restarting",
			  live_path,
			  outcome == FETCH_PEERWATCH_DISCARDED
				  ? "secnet discarded the peer-keys update "
				    "(the known serial defect)"
				  : outcome == FETCH_PEERWATCH_TIMEOUT
				  ? "secnet did not take the peer-keys update "
				    "within peer-keys-wait"
				  : "whether secnet took the peer-keys update "
				    "could not be checked",
			  msg && *msg ? ": " : "", msg ? msg : "");
		install_keys(rf, wj->slot, true);
	}
	rf->watches[wj->slot] = NULL;
	free(wj);
	if (--rf->watches_left == 0)
		watches_done(rf);
}

/* Stopping: the hand-overs being watched stay owed, with their
 * deadlines; the next start looks at them again. */
void fetch_refresh_hurry(struct fetch_refresh *rf)
{
	size_t pending = 0;

	rf->hurry = true;
	for (size_t i = 0; i < rf->nwatches && rf->watches; i++) {
		struct watch_job *wj = rf->watches[i];
		if (!wj)
			continue;
		fetch_peerwatch_cancel(wj->w);
		rf->watches[i] = NULL;
		rf_keys_pending(rf, i);
		free(wj);
		pending++;
	}
	if (pending > 0) {
		rf->watches_left -= pending;
		if (rf->watches_left == 0)
			watches_done(rf);
	}
}

static bool start_watch(struct fetch_refresh *rf, size_t i, uint64_t ms)
{
	struct fetch_peerwatch_opts wo = { 0, ms };
	struct watch_job *wj = calloc(1, sizeof(*wj));
	int rc = wj ? 0 : UV_ENOMEM;

	if (wj) {
		wj->rf = rf;
		wj->slot = i;
		rc = fetch_peerwatch_start(rf->loop, rf->owed[i].path,
					   rf->owed[i].data, rf->owed[i].len,
					   &wo, on_watch, wj, &wj->w);
	}
	if (rc != 0) {
		free(wj);
		fetch_log(rf->log, FETCH_LOG_ERR,
			  "%s: cannot watch the update: %s", rf->owed[i].path,
			  uv_strerror(rc));
		return false;
	}
	rf->watches[i] = wj;
	rf->watches_left++;
	return true;
}

/* Did secnet consume the ~update (it and ~proc are gone)? */
bool rf_consumed(const char *live)
{
	char p[4200];
	struct stat sb;

	if ((size_t)snprintf(p, sizeof(p), "%s~update", live) >= sizeof(p) ||
	    stat(p, &sb) == 0)
		return false;
	(void)snprintf(p, sizeof(p), "%s~proc", live);
	return stat(p, &sb) != 0;
}

/* A finished hand-over (secnet adopted the keys, or a run killed
 * between installing the live file and removing the ~update): drop a
 * pending copy of the same keys, which secnet would only discard. */
static void handed_over(struct fetch_refresh *rf, size_t i)
{
	const struct fetch_owed *o = &rf->owed[i];
	char upd[4200], err[FETCH_OUTPUT_ERRLEN];

	if ((size_t)snprintf(upd, sizeof(upd), "%s~update", o->path) <
		    sizeof(upd) &&
	    fetch_apply_holds(upd, o->data, o->len))
		(void)fetch_file_remove(upd, err, sizeof(err));
	rf->paid[i] = true;
}

/*
 * Peer-keys hand-overs.  secnet reads an ~update only before a key
 * exchange with that peer, so it is given until the row's deadline
 * (peer-keys-wait; auto: the peer's key lifetime) to adopt it.  One
 * refresh watches for at most peer-keys-watch; an adoption still pending
 * then stays owed and every later refresh looks again.  When secnet
 * discarded the keys (its serial defect), or the deadline passed, the
 * fetcher installs the live file and owes a restart.  A restart owed
 * anyway makes secnet read the live files: no waiting then.
 */
void rf_hand_keys_to_secnet(struct fetch_refresh *rf)
{
	uint64_t now = rf_clock_now(rf);
	bool restart;

	rf->nwatches = rf->nowed + 1;
	rf->watches = calloc(rf->nwatches, sizeof(*rf->watches));
	if (!rf->watches) {
		rf->nwatches = 0;
		rf_fail(rf, false, "out of memory");
	}
	rf->watches_left = 1;
	for (size_t i = 0; i < rf->nowed; i++) {
		const struct fetch_owed *o = &rf->owed[i];
		uint64_t left;
		if (o->kind != FETCH_OWED_KEYS || rf->paid[i])
			continue;
		/* A fallback just above may have owed a restart. */
		restart = rf_count_kind(rf, FETCH_OWED_RELOAD, true) > 0;
		if (fetch_apply_holds(o->path, o->data, o->len)) {
			/* Left by an earlier run: secnet took the keys since
			 * (or we installed them just before being killed, with
			 * the restart owed already). */
			rf->sum.keys_adopted++;
			handed_over(rf, i);
			continue;
		}
		/* secnet never reads its own site's keys: install, no
		 * restart. */
		if (o->local) {
			install_keys(rf, i, false);
			continue;
		}
		if (restart || now >= o->deadline || rf_consumed(o->path)) {
			if (!restart) {
				bool gone = now < o->deadline;
				if (gone)
					rf->sum.keys_discarded++;
				else
					rf->sum.keys_timeout++;
				fetch_log(rf->log, FETCH_LOG_WARN, "%s: %s; "
					  "installing the keys and restarting",
					  o->path, gone
					  ? "secnet discarded the peer-keys "
					    "update (the known serial defect)"
					  : "secnet did not take the peer-keys "
					    "update within peer-keys-wait");
			}
			install_keys(rf, i, true);
			continue;
		}
		left = (o->deadline - now) * 1000;
		if (left > rf->cfg->peer_keys_watch_ms)
			left = rf->cfg->peer_keys_watch_ms;
		if (rf->hurry || left == 0 || !rf->watches ||
		    !start_watch(rf, i, left))
			rf_keys_pending(rf, i);
	}
	if (--rf->watches_left == 0)
		watches_done(rf);
}
