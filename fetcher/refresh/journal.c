/*
 * journal.c - the one transaction (state + owed actions) and paying
 * what is owed: file actions, then keys, then the restart.
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

void rf_fail(struct fetch_refresh *rf, bool store, const char *fmt, ...)
{
	char msg[FETCH_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	(void)rr_vfail(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fetch_log(rf->log, FETCH_LOG_ERR, "%s", msg);
	if (!rf->sum.error[0])
		rr_say(rf->sum.error, sizeof(rf->sum.error), "%s", msg);
	rf->sum.ok = false;
	rf->sum.store_failed |= store;
}

/* Deletes the rows marked paid and not yet deleted.  false when the
 * store could not be written (the actions stay owed: doing them again
 * is harmless). */
bool rf_settle(struct fetch_refresh *rf)
{
	char err[FETCH_ERRLEN];
	int64_t *ids = calloc(rf->nowed ? rf->nowed : 1, sizeof(*ids));
	size_t n = 0;

	if (!ids) {
		rf_fail(rf, true, "out of memory");
		return false;
	}
	for (size_t i = 0; i < rf->nowed; i++)
		if (rf->paid[i] && !rf->deleted[i])
			ids[n++] = rf->owed[i].id;
	if (n > 0 && (fetch_store_begin(rf->store, err, sizeof(err)) != 0 ||
		      fetch_store_paid(rf->store, ids, n, err,
				       sizeof(err)) != 0 ||
		      fetch_store_commit(rf->store, err, sizeof(err)) != 0)) {
		fetch_store_rollback(rf->store);
		rf_fail(rf, true, "state: %s", err);
		free(ids);
		return false;
	}
	for (size_t i = 0; i < rf->nowed; i++)
		if (rf->paid[i])
			rf->deleted[i] = true;
	if (n > 0)
		fetch_store_trim(rf->store);
	free(ids);
	return true;
}

size_t rf_count_kind(const struct fetch_refresh *rf,
			 enum fetch_owed_kind k, bool unpaid)
{
	size_t n = 0;

	for (size_t i = 0; i < rf->nowed; i++)
		n += rf->owed[i].kind == k && !(unpaid && rf->paid[i]);
	return n;
}

/* Makes sure a RELOAD row is owed (committed) before we act as if it
 * were: keys installed behind secnet's back are read only by a restart. */
bool rf_owe_reload(struct fetch_refresh *rf)
{
	struct fetch_owed o = { 0 }, *g;
	char err[FETCH_ERRLEN];

	if (rf_count_kind(rf, FETCH_OWED_RELOAD, true) > 0)
		return true;
	o.kind = FETCH_OWED_RELOAD;
	if (fetch_store_begin(rf->store, err, sizeof(err)) != 0 ||
	    fetch_store_owe(rf->store, &o, err, sizeof(err)) != 0 ||
	    fetch_store_commit(rf->store, err, sizeof(err)) != 0) {
		fetch_store_rollback(rf->store);
		rf_fail(rf, true, "state: %s", err);
		return false;
	}
	g = realloc(rf->owed, (rf->nowed + 1) * sizeof(*g));
	if (g) {
		bool *p = realloc(rf->paid, (rf->nowed + 1) * sizeof(*p));
		bool *d = p ? realloc(rf->deleted,
				      (rf->nowed + 1) * sizeof(*d)) : NULL;
		if (p)
			rf->paid = p;
		if (d)
			rf->deleted = d;
		rf->owed = g;
		if (p && d) {
			rf->owed[rf->nowed] = o;
			rf->paid[rf->nowed] = rf->deleted[rf->nowed] = false;
			rf->nowed++;
			return true;
		}
	}
	rf_fail(rf, false, "out of memory");
	return false;
}

/* The file actions of the journal, on the pool. */
static void pay_work(uv_work_t *w)
{
	struct fetch_refresh *rf = w->data;
	struct fetch_apply_stats s = { 0, 0, 0 };
	char sync_err[FETCH_ERRLEN];

	rf->out_rc = fetch_apply_files(rf->owed, rf->nowed, rf->paid, &s,
				       rf->out_err, sizeof(rf->out_err));
	rf->sum.files_written += s.written;
	rf->sum.files_removed += s.removed;
	/* Live consumers after the files, in journal order: a later sync
	 * of the same target supersedes an earlier one, which is skipped. */
	for (size_t i = 0; i < rf->nowed && rf->out_rc >= 0; i++) {
		const struct fetch_owed *o = &rf->owed[i];
		bool later = false;
		if (o->kind != FETCH_OWED_SYNC || rf->paid[i])
			continue;
		for (size_t j = i + 1; j < rf->nowed && !later; j++)
			later = rf->owed[j].kind == FETCH_OWED_SYNC &&
				strcmp(rf->owed[j].path, o->path) == 0;
		if (later) {
			rf->paid[i] = true;
			continue;
		}
		/* One live consumer's failure must not hold back the others
		 * nor secnet's hand-over and restart: that sync alone stays
		 * owed (out_rc 1 keeps its error; the first one is told). */
		if (fetch_output_sync(o->path, o->data, o->len,
				      rf->out_rc ? sync_err : rf->out_err,
				      rf->out_rc ? sizeof(sync_err)
						 : sizeof(rf->out_err)) != 0) {
			rf->out_rc = 1;
			continue;
		}
		rf->paid[i] = true;
	}
}

static void pay_done(uv_work_t *w, int status)
{
	struct fetch_refresh *rf = w->data;

	if (status == 0 && rf->out_rc > 0)
		rf_fail(rf, false, "outputs: %s; that sync is owed and done by "
			"the next run", rf->out_err);
	if (status != 0 || rf->out_rc < 0) {
		/* Every file is old or new; the rest stays owed, and so does
		 * the restart: it must not run on a half-applied change. */
		rf_fail(rf, false, "outputs: %s; the rest is owed and done by "
		     "the next run", status ? uv_strerror(status)
					    : rf->out_err);
		rf->sum.reload_owed = rf_count_kind(rf, FETCH_OWED_RELOAD, true) > 0;
		(void)rf_settle(rf);
		rf_finish(rf);
		return;
	}
	if (!rf_settle(rf)) {
		rf_finish(rf);
		return;
	}
	rf_hand_keys_to_secnet(rf);
}

/* The owed actions as the store has them now (earlier runs' and this
 * one's), then the file actions on the pool. */
void rf_pay(struct fetch_refresh *rf)
{
	char err[FETCH_ERRLEN];
	int rc;

	fetch_owed_free(rf->owed, rf->nowed);
	rf->owed = NULL;
	rf->nowed = 0;
	free(rf->paid);
	free(rf->deleted);
	rf->paid = rf->deleted = NULL;
	if (fetch_store_owed(rf->store, &rf->owed, &rf->nowed, err,
			     sizeof(err)) != 0) {
		rf_fail(rf, true, "state: %s", err);
		rf_finish(rf);
		return;
	}
	rf->paid = calloc(rf->nowed ? rf->nowed : 1, sizeof(*rf->paid));
	rf->deleted = calloc(rf->nowed ? rf->nowed : 1, sizeof(*rf->deleted));
	if (!rf->paid || !rf->deleted) {
		rf_fail(rf, false, "out of memory");
		rf_finish(rf);
		return;
	}
	rf->out_work.data = rf;
	rc = uv_queue_work(rf->loop, &rf->out_work, pay_work, pay_done);
	if (rc != 0) {
		rf->out_rc = -1;
		rr_say(rf->out_err, sizeof(rf->out_err), "%s", uv_strerror(rc));
		pay_done(&rf->out_work, 0);
	}
}

/*
 * One transaction: the new state, the actions it owes, and the removal
 * of earlier rows already done.  Nothing outside the store has changed
 * for this refresh yet; a failure here leaves the world as it was.
 */
void rf_commit(struct fetch_refresh *rf)
{
	char err[FETCH_ERRLEN];
	bool any_paid = false;
	int staged;

	for (size_t i = 0; i < rf->nold; i++)
		any_paid |= rf->old_paid[i];
	/* Nothing new and nothing done: the store is left untouched. */
	if (rf->nnew == 0 && !any_paid && !rf->mark_new &&
	    !fetch_state_dirty(rf->st)) {
		rf_pay(rf);
		return;
	}
	if (fetch_store_begin(rf->store, err, sizeof(err)) != 0)
		goto fail;
	staged = fetch_state_stage(rf->st, err, sizeof(err));
	if (staged < 0)
		goto fail;
	for (size_t i = 0; i < rf->nnew; i++)
		if (fetch_store_owe(rf->store, &rf->fresh_owed[i], err,
				    sizeof(err)) != 0)
			goto fail;
	/* What was just planned is on disk or owed, in this transaction. */
	if (rf->mark_new &&
	    fetch_store_meta_put(rf->store, "outputs", rf->mark, RR_HASH_LEN,
				 err, sizeof(err)) != 0)
		goto fail;
	for (size_t i = 0; i < rf->nold; i++)
		if (rf->old_paid[i] &&
		    fetch_store_paid(rf->store, &rf->old[i].id, 1, err,
				     sizeof(err)) != 0)
			goto fail;
	if (fetch_store_commit(rf->store, err, sizeof(err)) != 0)
		goto fail;
	fetch_state_staged(rf->st, true);
	rf->sum.state_saved = staged > 0;
	/* The actions are the store's now, and rf_pay reads them back from
	 * it: the planned bytes need not be held twice. */
	fetch_owed_free(rf->fresh_owed, rf->nnew);
	rf->fresh_owed = NULL;
	rf->nnew = 0;
	fetch_plan_drop_files(&rf->plan);
	rf_pay(rf);
	return;
fail:
	fetch_store_rollback(rf->store);
	fetch_state_staged(rf->st, false);
	rf_fail(rf, true, "state: %s: nothing applied", err);
	rf_finish(rf);
}
