/*
 * pipeline.c - head, pages, members and sites: lookups, checks on the
 * thread pool (the chain rules), then the merge into the state.
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
#include <sodium.h>

#include "internal.h"

static void merge_and_write(struct fetch_refresh *rf);
static void start_sites(struct fetch_refresh *rf);

/* The first reason the membership was refused, for the summary. */
static void membership_refused(struct fetch_refresh *rf,
			       enum rrchain_reason r,
			       const struct rrchain_error *e)
{
	if (rf->sum.membership_reason != RRCHAIN_OK || r == RRCHAIN_OK)
		return;
	rf->sum.membership_reason = r;
	rf->sum.membership_error = *e;
}

static void site_work(uv_work_t *w)
{
	struct site_job *j = w->data;
	struct fetch_refresh *rf = j->lk.rf;
	struct rrchain_rdata *rd = rf_rdata_of(j->lk.blobs, j->lk.nblobs);

	if (!rd) {
		j->reason = RRCHAIN_R_NOMEM;
		rr_say(j->err.msg, sizeof(j->err.msg), "out of memory");
		return;
	}
	j->reason = rrchain_verify_entry_site(FETCH_POLICY(rf->cfg), j->entry,
					      rd, j->lk.nblobs, rf->opts.now,
					      &j->cache, &j->result,
					      &j->stats, &j->err);
	free(rd);
}

static void site_checked(uv_work_t *w, int status)
{
	struct site_job *j = w->data;
	struct fetch_refresh *rf = j->lk.rf;

	rrchain_stats_add(&rf->sum.chain, &j->stats);
	rf_verdict(rf, "site", j->entry->rec.site,
		status ? RRCHAIN_R_NOMEM : j->reason, j->err.msg);
	if (status != 0 || j->reason != RRCHAIN_OK) {
		rf->sum.sites_failed++;
		fetch_log(rf->log, FETCH_LOG_WARN,
			  "site %s: rejected (%s): %s; keeping its last good "
			  "record if it has one", j->entry->rec.site,
			  rrchain_reason_name(j->reason), j->err.msg);
		rf_site_status(rf, j->entry->rec.site, rrchain_reason_name(j->reason),
			    j->err.msg);
	} else {
		rf_site_status(rf, j->entry->rec.site,
			    j->result.cached ? "unchanged" : "verified", NULL);
	}
	rf_lookup_free(&j->lk);
	if (--rf->sites_left == 0)
		merge_and_write(rf);
}

static void site_resolved(struct lookup *lk)
{
	struct site_job *j = (struct site_job *)lk;
	struct fetch_refresh *rf = lk->rf;
	int rc;

	rf_lookup_finish_status(lk);
	if (!lk->any_ok) {
		rf->sum.sites_failed++;
		fetch_log(rf->log, FETCH_LOG_WARN,
			  "site %s: %s (%s); keeping its last good record if "
			  "it has one", j->entry->rec.site, lk->error,
			  fetch_dns_status_name(lk->status));
		rf_site_status(rf, j->entry->rec.site,
			    fetch_dns_status_name(lk->status), lk->error);
		j->reason = RRCHAIN_R_MISSING;
		rf_verdict(rf, "site", j->entry->rec.site, j->reason, lk->error);
		rf_lookup_free(lk);
		if (--rf->sites_left == 0)
			merge_and_write(rf);
		return;
	}
	j->work.data = j;
	rc = uv_queue_work(rf->loop, &j->work, site_work, site_checked);
	if (rc != 0) {
		j->reason = RRCHAIN_R_NOMEM;
		site_checked(&j->work, rc);
	}
}

static void start_sites(struct fetch_refresh *rf)
{
	const struct rrchain_member *m;
	size_t pos = 0, n = 0;

	if (!rf->src) {
		merge_and_write(rf);
		return;
	}
	while (rrchain_membership_next(rf->src, &pos))
		n++;
	rf->sites = calloc(n ? n : 1, sizeof(*rf->sites));
	if (!rf->sites) {
		rr_say(rf->sum.error, sizeof(rf->sum.error), "out of memory");
		merge_and_write(rf);
		return;
	}
	rf->nsites = n;
	/* One extra count keeps the merge from starting while lookups are
	 * still being issued (an answer can come back only on a later loop
	 * turn, but a refused query completes at once). */
	rf->sites_left = n + 1;
	pos = 0;
	for (size_t i = 0; (m = rrchain_membership_next(rf->src, &pos)); i++) {
		struct site_job *j = &rf->sites[i];
		j->entry = m;
		fetch_state_site_cache(rf->st, m->rec.site, &j->cache);
		rf->sum.sites_queried++;
		if (rf_lookup_start(rf, &j->lk, m->rec.at, site_resolved) != 0)
			site_resolved(&j->lk);
	}
	if (--rf->sites_left == 0)
		merge_and_write(rf);
}

static void members_work(uv_work_t *w)
{
	struct fetch_refresh *rf = w->data;

	rf->head_reason = rrchain_verify_members(&rf->fresh, &rf->head_stats,
					      &rf->head_err);
}

static void member_verdicts(struct fetch_refresh *rf, int status)
{
	const struct rrchain_membership *m = &rf->fresh;

	rf_verdict(rf, "membership", rf->head_lk.name,
		status ? RRCHAIN_R_NOMEM : rf->head_reason, rf->head_err.msg);
	for (size_t p = 0; !status && !rf->head_reason && p < m->npages; p++)
		for (size_t i = 0; i < m->pages[p].nmembers; i++)
			rf_verdict(rf, "member", m->pages[p].members[i].rec.site,
				m->pages[p].members[i].status,
				m->pages[p].members[i].why);
}

void rf_members_checked(uv_work_t *w, int status)
{
	struct fetch_refresh *rf = w->data;

	rrchain_stats_add(&rf->sum.chain, &rf->head_stats);
	memset(&rf->head_stats, 0, sizeof(rf->head_stats));
	member_verdicts(rf, status);
	if (status != 0 || rf->head_reason != RRCHAIN_OK) {
		membership_refused(rf, status ? RRCHAIN_R_NOMEM
					      : rf->head_reason, &rf->head_err);
		fetch_log(rf->log, FETCH_LOG_ERR,
			  "membership rejected (%s): %s; keeping the last "
			  "good membership", rrchain_reason_name(rf->head_reason),
			  rf->head_err.msg);
		rr_say(rf->sum.error, sizeof(rf->sum.error), "%s",
			 rf->head_err.msg);
		rrchain_membership_free(&rf->fresh);
		rf->have_fresh = false;
		rf->src = fetch_state_membership(rf->st);
	} else {
		rf->src = &rf->fresh;
	}
	start_sites(rf);
}

static void pages_done(struct fetch_refresh *rf)
{
	int rc;

	if (rf->pages_failed) {
		rrchain_membership_free(&rf->fresh);
		rf->have_fresh = false;
		rf->src = fetch_state_membership(rf->st);
		start_sites(rf);
		return;
	}
	/* The pages move into the membership in the head's order. */
	for (size_t i = 0; i < rf->npages; i++) {
		rf->fresh.pages[i] = rf->pages[i].page;
		memset(&rf->pages[i].page, 0, sizeof(rf->pages[i].page));
	}
	rf->fresh.npages = rf->npages;
	rf->head_work.data = rf;
	rc = uv_queue_work(rf->loop, &rf->head_work, members_work,
			   rf_members_checked);
	if (rc != 0) {
		rf->head_reason = RRCHAIN_R_NOMEM;
		rf_members_checked(&rf->head_work, rc);
	}
}

static void page_work(uv_work_t *w)
{
	struct page_job *j = w->data;
	struct fetch_refresh *rf = j->lk.rf;
	struct rrchain_rdata *rd = rf_rdata_of(j->lk.blobs, j->lk.nblobs);

	if (!rd) {
		j->reason = RRCHAIN_R_NOMEM;
		return;
	}
	j->reason = rrchain_verify_page(FETCH_POLICY(rf->cfg), j->hash, rd, j->lk.nblobs,
				     rf->opts.now, &j->page, &j->stats,
				     &j->err);
	free(rd);
}

static void page_checked(uv_work_t *w, int status)
{
	struct page_job *j = w->data;
	struct fetch_refresh *rf = j->lk.rf;

	rrchain_stats_add(&rf->sum.chain, &j->stats);
	rf_verdict(rf, "page", j->lk.name, status ? RRCHAIN_R_NOMEM : j->reason,
		j->err.msg);
	if (status != 0 || j->reason != RRCHAIN_OK) {
		rf->pages_failed = true;
		membership_refused(rf, status ? RRCHAIN_R_NOMEM : j->reason,
				   &j->err);
		fetch_log(rf->log, FETCH_LOG_ERR,
			  "page %zu (%s) rejected (%s): %s", j->index + 1,
			  j->lk.name, rrchain_reason_name(j->reason),
			  j->err.msg);
		if (!rf->sum.error[0])
			rr_say(rf->sum.error, sizeof(rf->sum.error),
				 "page %s: %s", j->lk.name, j->err.msg);
	}
	rf_lookup_free(&j->lk);
	if (--rf->pages_left == 0)
		pages_done(rf);
}

static void page_resolved(struct lookup *lk)
{
	struct page_job *j = (struct page_job *)lk;
	struct fetch_refresh *rf = lk->rf;
	int rc;

	rf_lookup_finish_status(lk);
	if (!lk->any_ok) {
		j->reason = RRCHAIN_R_MISSING;
		rr_say(j->err.msg, sizeof(j->err.msg), "%s (%s)", lk->error,
			 fetch_dns_status_name(lk->status));
		page_checked(&j->work, 0);
		return;
	}
	j->work.data = j;
	rc = uv_queue_work(rf->loop, &j->work, page_work, page_checked);
	if (rc != 0) {
		j->reason = RRCHAIN_R_NOMEM;
		page_checked(&j->work, rc);
	}
}

/* A page whose hash the last good membership already holds is taken
 * from there: content addressing makes it the same page. */
static bool reuse_page(struct fetch_refresh *rf, struct page_job *j)
{
	const struct rrchain_membership *old = fetch_state_membership(rf->st);

	if (!old)
		return false;
	for (size_t i = 0; i < old->npages; i++) {
		const struct rrchain_page *p = &old->pages[i];
		if (memcmp(p->hash, j->hash, RR_HASH_LEN) != 0)
			continue;
		j->lk.blobs = calloc(p->nraw ? p->nraw : 1,
				     sizeof(*j->lk.blobs));
		if (!j->lk.blobs)
			return false;
		for (size_t k = 0; k < p->nraw; k++) {
			struct rrchain_blob *b = &j->lk.blobs[k];
			b->type = p->raw[k].type;
			b->len = p->raw[k].len;
			b->data = malloc(b->len ? b->len : 1);
			if (!b->data) {
				rrchain_blobs_free(j->lk.blobs, k);
				j->lk.blobs = NULL;
				return false;
			}
			memcpy(b->data, p->raw[k].data, b->len);
		}
		j->lk.nblobs = p->nraw;
		j->lk.any_ok = true;
		return true;
	}
	return false;
}

static void start_pages(struct fetch_refresh *rf)
{
	size_t n = rf->fresh.head.rec.npages;
	char name[RR_MAX_NAME + 1];
	struct rr_error rerr;

	rf->pages = calloc(n ? n : 1, sizeof(*rf->pages));
	rf->fresh.pages = calloc(n ? n : 1, sizeof(*rf->fresh.pages));
	if (!rf->pages || !rf->fresh.pages) {
		rf->pages_failed = true;
		rr_say(rf->sum.error, sizeof(rf->sum.error), "out of memory");
		rf->npages = 0;
		pages_done(rf);
		return;
	}
	rf->npages = n;
	rf->pages_left = n + 1;
	for (size_t i = 0; i < n; i++) {
		struct page_job *j = &rf->pages[i];
		j->index = i;
		j->lk.rf = rf;
		j->work.data = j;
		memcpy(j->hash, rf->fresh.head.rec.pages[i], RR_HASH_LEN);
		if (rr_name_page(rf->cfg->zone, j->hash, name, &rerr) != RR_OK) {
			j->reason = RRCHAIN_R_LIMIT;
			rr_say(j->err.msg, sizeof(j->err.msg), "%s",
				 rerr.msg);
			page_checked(&j->work, 0);
			continue;
		}
		rr_say(j->lk.name, sizeof(j->lk.name), "%s", name);
		if (reuse_page(rf, j)) {
			rf->sum.pages_reused++;
			page_resolved(&j->lk);
			continue;
		}
		rf->sum.pages_fetched++;
		if (rf_lookup_start(rf, &j->lk, name, page_resolved) != 0)
			page_resolved(&j->lk);
	}
	if (--rf->pages_left == 0)
		pages_done(rf);
}

static void head_work(uv_work_t *w)
{
	struct fetch_refresh *rf = w->data;
	struct rrchain_rdata *rd = rf_rdata_of(rf->head_lk.blobs, rf->head_lk.nblobs);

	if (!rd) {
		rf->head_reason = RRCHAIN_R_NOMEM;
		return;
	}
	rf->head_reason = rrchain_verify_head(FETCH_POLICY(rf->cfg), rd, rf->head_lk.nblobs,
					   rf->opts.now,
					   rf->has_hw ? &rf->head_hw : NULL,
					   &rf->fresh.head, &rf->head_stats,
					   &rf->head_err);
	free(rd);
}

static void head_checked(uv_work_t *w, int status)
{
	struct fetch_refresh *rf = w->data;

	rrchain_stats_add(&rf->sum.chain, &rf->head_stats);
	memset(&rf->head_stats, 0, sizeof(rf->head_stats));
	rf_lookup_free(&rf->head_lk);
	rf_verdict(rf, "head", rf->head_lk.name,
		status ? RRCHAIN_R_NOMEM : rf->head_reason, rf->head_err.msg);
	if (status != 0 || rf->head_reason != RRCHAIN_OK) {
		membership_refused(rf, status ? RRCHAIN_R_NOMEM
					      : rf->head_reason, &rf->head_err);
		fetch_log(rf->log, FETCH_LOG_ERR,
			  "membership head rejected (%s): %s; keeping the "
			  "last good membership",
			  rrchain_reason_name(rf->head_reason), rf->head_err.msg);
		rf_anchor_hint(rf, &rf->head_err);
		rr_say(rf->sum.error, sizeof(rf->sum.error), "%s",
			 rf->head_err.msg);
		rf->src = fetch_state_membership(rf->st);
		start_sites(rf);
		return;
	}
	rf->sum.head_ok = true;
	rf->have_fresh = true;
	start_pages(rf);
}

/* The head (in every encoding fetched) carries the same content and the
 * same signature as the one the last good membership was built from:
 * nothing in the membership can have changed and nothing needs checking
 * again (its expiry is the merge's business).  Parsing costs no
 * signature check. */
static bool head_unchanged(struct fetch_refresh *rf)
{
	const struct rrchain_membership *old = fetch_state_membership(rf->st);
	uint8_t content[RR_HASH_LEN];
	struct rr_record r;
	struct rr_error e;
	bool same = true;

	if (!old || rf->head_lk.nblobs == 0 ||
	    rf->opts.now >= old->head.rec.expires)
		return false;
	for (size_t i = 0; i < rf->head_lk.nblobs && same; i++) {
		const struct rrchain_blob *b = &rf->head_lk.blobs[i];
		enum rr_errclass rc = b->type == RR_TYPE_VPNRR
			? rr_parse_bin(b->data, b->len, &r, &e)
			: rr_parse_txt_rdata(b->data, b->len, &r, &e);
		if (rc != RR_OK)
			return false;
		rrchain_record_content(&r, content);
		same = r.has_sig && old->head.rec.has_sig &&
		       memcmp(r.sig, old->head.rec.sig, RR_SIG_LEN) == 0 &&
		       memcmp(content, old->head.content, RR_HASH_LEN) == 0;
		rr_record_free(&r);
	}
	return same;
}

void rf_head_resolved(struct lookup *lk)
{
	struct fetch_refresh *rf = lk->rf;
	int rc;

	rf_lookup_finish_status(lk);
	if (!lk->any_ok) {
		fetch_log(rf->log, FETCH_LOG_ERR,
			  "membership head: %s (%s); keeping the last good "
			  "membership", lk->error,
			  fetch_dns_status_name(lk->status));
		rr_say(rf->sum.error, sizeof(rf->sum.error), "%s", lk->error);
		rf_verdict(rf, "head", lk->name, RRCHAIN_R_MISSING, lk->error);
		{
			struct rrchain_error e = { RRCHAIN_R_MISSING, "" };
			rr_say(e.msg, sizeof(e.msg), "%s", lk->error);
			membership_refused(rf, RRCHAIN_R_MISSING, &e);
		}
		rf_lookup_free(lk);
		rf->src = fetch_state_membership(rf->st);
		start_sites(rf);
		return;
	}
	if (head_unchanged(rf)) {
		rf->sum.head_ok = true;
		rf->sum.pages_reused = fetch_state_membership(rf->st)->npages;
		rf_lookup_free(lk);
		rf->src = fetch_state_membership(rf->st);
		start_sites(rf);
		return;
	}
	rf->has_hw = fetch_state_head_hw(rf->st, &rf->head_hw);
	rf->head_work.data = rf;
	rc = uv_queue_work(rf->loop, &rf->head_work, head_work, head_checked);
	if (rc != 0) {
		rf->head_reason = RRCHAIN_R_NOMEM;
		head_checked(&rf->head_work, rc);
	}
}

/* What earlier runs still owe: their file actions run first. */
static int load_old(struct fetch_refresh *rf)
{
	char err[FETCH_ERRLEN];

	if (fetch_store_owed(rf->store, &rf->old, &rf->nold, err,
			     sizeof(err)) != 0) {
		rf_fail(rf, true, "state: %s", err);
		return -1;
	}
	rf->old_paid = calloc(rf->nold ? rf->nold : 1, sizeof(*rf->old_paid));
	if (!rf->old_paid) {
		rf_fail(rf, false, "out of memory");
		return -1;
	}
	rf->sum.owed_at_start = rf->nold;
	if (rf->nold > 0)
		fetch_log(rf->log, FETCH_LOG_NOTICE, "finishing %zu actions "
			  "owed by an earlier run", rf->nold);
	return 0;
}

/* Whether the outputs on disk (or owed) are those of the current view
 * under the current configuration: then a refresh that changed nothing
 * renders, compares and writes nothing.  Sets rf->mark. */
static bool outputs_current(struct fetch_refresh *rf)
{
	static const char ctx[] = "vpnrr-fetch outputs 1";
	crypto_hash_sha256_state h;
	uint8_t view[RR_HASH_LEN], *old = NULL;
	size_t len = 0;
	char err[FETCH_ERRLEN];
	bool same;

	fetch_state_view_digest(rf->st, view);
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const uint8_t *)ctx, sizeof(ctx));
	crypto_hash_sha256_update(&h, view, sizeof(view));
	crypto_hash_sha256_update(&h, rf->cfg->digest, RR_HASH_LEN);
	crypto_hash_sha256_final(&h, rf->mark);
	if (rf->opts.dry_run || !rf->store)
		return false;
	same = fetch_store_meta_get(rf->store, "outputs", &old, &len, err,
				    sizeof(err)) == 1 &&
	       len == RR_HASH_LEN && memcmp(old, rf->mark, RR_HASH_LEN) == 0;
	free(old);
	rf->mark_new = !same;
	return same && rf->nold == 0 && !rf->opts.state_reset &&
	       !rf->opts.check_outputs;
}

static void merge_and_write(struct fetch_refresh *rf)
{
	struct rrchain_site_result *results;
	struct fetch_merge_report rep;
	char err[FETCH_STATE_ERRLEN];
	size_t n = 0;
	int rc;

	memset(&rep, 0, sizeof(rep));
	results = calloc(rf->nsites ? rf->nsites : 1, sizeof(*results));
	if (!results) {
		rr_say(rf->sum.error, sizeof(rf->sum.error), "out of memory");
		rf_finish(rf);
		return;
	}
	/* Results move into the state; the jobs keep empty shells. */
	for (size_t i = 0; i < rf->nsites; i++) {
		/* A cached result (bytes verified before) has no record of
		 * its own: the merge takes it from the state. */
		if (rf->sites[i].reason != RRCHAIN_OK)
			continue;
		results[n++] = rf->sites[i].result;
		memset(&rf->sites[i].result, 0, sizeof(rf->sites[i].result));
	}
	/* The jobs are done with (2.6 KB each): gone before the merge and
	 * the outputs need their memory. */
	for (size_t i = 0; i < rf->nsites; i++)
		rrchain_site_result_free(&rf->sites[i].result);
	free(rf->sites);
	rf->sites = NULL;
	rf->nsites = 0;
	rc = fetch_state_merge(rf->st, rf->cfg, rf->opts.now,
			       rf->have_fresh && rf->src == &rf->fresh
				       ? &rf->fresh : NULL,
			       results, n, &rep, err, sizeof(err));
	for (size_t i = 0; i < n; i++)
		rrchain_site_result_free(&results[i]);
	free(results);
	if (rc != 0) {
		fetch_log(rf->log, FETCH_LOG_ERR, "merge: %s", err);
		rr_say(rf->sum.error, sizeof(rf->sum.error), "%s", err);
		fetch_merge_report_free(&rep);
		rf_finish(rf);
		return;
	}
	rrchain_stats_add(&rf->sum.chain, &rep.stats);
	rf_record_events(rf, &rep);
	rf->sum.added = rep.added;
	rf->sum.updated = rep.updated;
	rf->sum.unchanged = rep.unchanged;
	rf->sum.kept = rep.kept;
	rf->sum.removed = rep.removed;
	rf->sum.dropped = rep.dropped;
	if (rf->opts.merge_out) {
		fetch_merge_report_free(rf->opts.merge_out);
		*rf->opts.merge_out = rep; /* moved: the caller frees it */
	}
	else
		fetch_merge_report_free(&rep);
	rf->sum.sites_in_view = fetch_state_view(rf->st)->nsites;
	/* A site that could not be had or verified keeps its last good
	 * record, but the refresh is incomplete: cron and monitoring hear
	 * of it through the exit status. */
	rf->sum.ok = rf->sum.head_ok && rf->sum.error[0] == '\0' &&
		     rf->sum.sites_failed == 0;
	rf_warn_expiring(rf);
	if (!rf->opts.dry_run && load_old(rf) != 0) {
		rf_finish(rf);
		return;
	}
	if (outputs_current(rf)) {
		/* Nothing to plan, nothing owed: the state (its marks may
		 * have moved) is all there is to save. */
		rf->outputs_skipped = true;
		rf_commit(rf);
		return;
	}

	rf->out_work.data = rf;
	rc = uv_queue_work(rf->loop, &rf->out_work, rf_out_work, rf_out_done);
	if (rc != 0) {
		rf->out_rc = -1;
		rr_say(rf->out_err, sizeof(rf->out_err), "%s",
			 uv_strerror(rc));
		rf_out_done(&rf->out_work, rc);
	}
}
