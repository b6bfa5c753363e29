/*
 * refresh.c - one refresh of the verified state, on one libuv loop.
 *
 *   head query -> head check (pool) -> page queries -> page checks (pool)
 *   -> member checks (pool) -> site queries -> site checks (pool)
 *   -> merge (loop) -> earlier runs' owed file actions done, outputs
 *      planned, compared with the disk into owed actions (pool)
 *   -> the candidate secnet configuration checked (secnet -j)
 *   -> ONE store transaction: new state + owed actions (journal)
 *   -> file actions done (pool), their rows deleted
 *   -> peer-keys hand-overs (watches, or install + owed restart)
 *   -> the owed restart (reload command), retried until it succeeds
 *   -> done callback with a summary and a JSON report.
 *
 * Anything that fails leaves the last good state in place: the merge
 * keeps what it has when the head, a page or a site cannot be had.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "apply.h"
#include "atomicfile.h"
#include "candidate.h"
#include "output.h"
#include "peerwatch.h"
#include "refresh.h"
#include "reload.h"

#define RELOAD_TIMEOUT_MS (120 * 1000)
/* secnet's own key lifetimes when a site's record sets none (site.c). */
#define SECNET_KEY_LIFETIME_S 3600ULL
#define SECNET_MOBILE_KEY_LIFETIME_S (2ULL * 24 * 3600)

struct fetch_refresh;

/* One DNS name, asked for each configured RR type; RDATA accumulates. */
struct lookup {
	struct fetch_refresh *rf;
	void (*done)(struct lookup *lk);
	char name[RR_MAX_NAME + 1];
	struct rrchain_blob *blobs;
	size_t nblobs;
	unsigned outstanding;
	bool any_ok;
	enum fetch_dns_status status; /* first failure, for the log */
	char error[FETCH_DNS_ERRLEN];
};

struct page_job {
	struct lookup lk;
	size_t index;
	uint8_t hash[RR_HASH_LEN];
	bool reused;
	uv_work_t work;
	enum rrchain_reason reason;
	struct rrchain_error err;
	struct rrchain_stats stats;
	struct rrchain_page page;
};

struct site_job {
	struct lookup lk;
	const struct rr_record *member;
	struct rrchain_site_cache cache;
	uv_work_t work;
	enum rrchain_reason reason;
	struct rrchain_error err;
	struct rrchain_stats stats;
	struct rrchain_site_result result;
};

struct watch_job {
	struct fetch_refresh *rf;
	struct fetch_peerwatch *w;
	size_t slot; /* in rf->owed and rf->watches */
};

struct fetch_refresh {
	uv_loop_t *loop;
	const struct fetch_config *cfg;
	struct fetch_state *st;
	const struct fetch_log *log;
	struct fetch_refresh_opts opts;
	fetch_refresh_cb cb;
	void *arg;

	struct fetch_dns *dns;
	uint16_t types[2];
	size_t ntypes;
	struct fetch_refresh_summary sum;
	json_t *sites_json; /* name -> per-site status */
	json_t *events_json;
	json_t *verdicts_json; /* the chain rules' verdict per object */
	json_t *extra_json; /* further report members (expiring) */

	/* head and pages */
	struct lookup head_lk;
	uv_work_t head_work;
	struct rrchain_hw head_hw;
	bool has_hw;
	enum rrchain_reason head_reason;
	struct rrchain_error head_err;
	struct rrchain_stats head_stats;
	struct rrchain_membership fresh;
	bool have_fresh;
	struct page_job *pages;
	size_t npages, pages_left;
	bool pages_failed;

	/* sites */
	const struct rrchain_membership *src; /* fresh or last good */
	struct site_job *sites;
	size_t nsites, sites_left;

	/* outputs */
	uv_work_t out_work;
	struct fetch_output_cfg ocfg;
	struct fetch_plan plan;
	int out_rc;
	char out_err[FETCH_OUTPUT_ERRLEN];
	struct fetch_apply_local local;
	char local_config[4096], local_keys[4096];

	/* the journal (store.h): rows left by earlier runs, rows this
	 * refresh owes, then all of them as the store holds them */
	struct fetch_store *store;
	struct fetch_owed *old, *fresh_owed, *owed;
	size_t nold, nnew, nowed;
	bool *old_paid, *paid, *deleted;
	size_t old_dropped;   /* earlier rows this refresh must not do */

	/* the secnet check of the candidate configuration */
	bool check;
	char cand_dir[4096], cand_main[4200], cand_log[4200];
	char *check_cmd;

	size_t watches_left;
	struct watch_job **watches; /* by owed row; NULL once done */
	size_t nwatches;            /* its length: rows, plus the one
				     * restart owe_reload may add */
	bool hurry;                 /* stopping: do not wait for secnet */
};

static void merge_and_write(struct fetch_refresh *rf);
static void start_sites(struct fetch_refresh *rf);

/* snprintf for messages: cutting a long one short is fine. */
static void say(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(buf, len, fmt, ap) < 0 && len > 0)
		buf[0] = '\0';
	va_end(ap);
}

static uint64_t now_ms(uv_loop_t *loop)
{
	uv_update_time(loop);
	return uv_now(loop);
}

/* The refresh's Unix time (--now for tests), moving with the loop's
 * clock: deadlines are set and checked on the same clock. */
static uint64_t clock_now(struct fetch_refresh *rf)
{
	return rf->opts.now + (now_ms(rf->loop) - rf->sum.started_ms) / 1000;
}

/* ---- DNS lookups ------------------------------------------------------- */

/* Copies an answer's RDATA into owned blobs: *N entries; 0 or -1 (out of
 * memory). */
static int blobs_from_answer(const struct fetch_dns_answer *ans,
			     struct rrchain_blob **out, size_t *n)
{
	struct rrchain_blob *b = calloc(ans->nrdata ? ans->nrdata : 1,
				      sizeof(*b));

	*out = NULL;
	*n = 0;
	if (!b)
		return -1;
	for (size_t i = 0; i < ans->nrdata; i++) {
		const struct fetch_dns_rdata *rd = &ans->rdata[i];

		b[i].type = rd->type;
		b[i].len = rd->len;
		b[i].data = malloc(rd->len ? rd->len : 1);
		if (!b[i].data) {
			rrchain_blobs_free(b, i);
			return -1;
		}
		if (rd->len)
			memcpy(b[i].data, rd->data, rd->len);
	}
	*out = b;
	*n = ans->nrdata;
	return 0;
}

static void on_answer(const struct fetch_dns_answer *ans, void *arg)
{
	struct lookup *lk = arg;
	struct rrchain_blob *more = NULL, *grown;
	size_t n = 0;

	if (ans->status == FETCH_DNS_OK) {
		if (lk->rf->sum.min_ttl == 0 || ans->min_ttl < lk->rf->sum.min_ttl)
			lk->rf->sum.min_ttl = ans->min_ttl;
		if (blobs_from_answer(ans, &more, &n) != 0) {
			lk->status = FETCH_DNS_NETWORK;
			say(lk->error, sizeof(lk->error), "out of memory");
		} else if (n > 0) {
			grown = realloc(lk->blobs,
					(lk->nblobs + n) * sizeof(*grown));
			if (!grown) {
				lk->status = FETCH_DNS_NETWORK;
				say(lk->error, sizeof(lk->error),
				    "out of memory");
			} else {
				memcpy(grown + lk->nblobs, more,
				       n * sizeof(*more));
				lk->blobs = grown;
				lk->nblobs += n;
				lk->any_ok = true;
				free(more); /* the blobs moved */
				more = NULL;
				n = 0;
			}
		} else {
			lk->any_ok = true;
		}
	} else if (ans->status != FETCH_DNS_NODATA &&
		   lk->error[0] == '\0') {
		lk->status = ans->status;
		say(lk->error, sizeof(lk->error), "%s", ans->error);
	}
	rrchain_blobs_free(more, n);
	if (--lk->outstanding == 0)
		lk->done(lk);
}

/* NODATA for every type is a missing record, told as such. */
static void lookup_finish_status(struct lookup *lk)
{
	if (!lk->any_ok && lk->error[0] == '\0') {
		lk->status = FETCH_DNS_NODATA;
		say(lk->error, sizeof(lk->error), "%s: no vpnrr record",
			 lk->name);
	}
}

static int lookup_start(struct fetch_refresh *rf, struct lookup *lk,
			const char *name, void (*done)(struct lookup *))
{
	int rc;

	lk->rf = rf;
	lk->done = done;
	say(lk->name, sizeof(lk->name), "%s", name);
	lk->outstanding = (unsigned)rf->ntypes;
	for (size_t i = 0; i < rf->ntypes; i++) {
		rc = fetch_dns_query(rf->dns, name, rf->types[i], on_answer, lk);
		if (rc != 0) {
			/* The query was refused synchronously: count it as an
			 * answered failure so the lookup still completes. */
			lk->status = FETCH_DNS_NETWORK;
			say(lk->error, sizeof(lk->error),
				 "%s: cannot query: %s", name, uv_strerror(rc));
			lk->outstanding--;
		}
	}
	return lk->outstanding == 0 ? -1 : 0;
}

static void lookup_free(struct lookup *lk)
{
	rrchain_blobs_free(lk->blobs, lk->nblobs);
	lk->blobs = NULL;
	lk->nblobs = 0;
}

/* RDATA views for the chain functions; caller frees. */
static struct rrchain_rdata *rdata_of(const struct rrchain_blob *b, size_t n)
{
	struct rrchain_rdata *rd = calloc(n ? n : 1, sizeof(*rd));

	if (rd)
		rrchain_rdata_view(b, n, rd);
	return rd;
}

/* ---- events and the report ---------------------------------------------- */

/* A JSON string of text that may quote DNS bytes: json_string refuses
 * invalid UTF-8, and the report is read by people and scripts alike. */
static json_t *json_esc(const char *s)
{
	char esc[RR_ESCAPE_CAP(FETCH_ERRLEN)];

	return json_string(rr_escape(esc, sizeof(esc), s, strlen(s)));
}

static void site_status(struct fetch_refresh *rf, const char *name,
			const char *status, const char *why)
{
	json_t *o = json_pack("{s:s}", "status", status);

	if (!o)
		return;
	if (why && *why)
		json_object_set_new(o, "error", json_esc(why));
	json_object_set_new(rf->sites_json, name, o);
}

/* The rules' verdict on one object (head, page, membership, member,
 * site), named as "vpnrr verify --json" names it: the two are compared. */
static void verdict(struct fetch_refresh *rf, const char *object,
		    const char *name, enum rrchain_reason r, const char *why)
{
	json_t *o = json_pack("{s:s,s:o,s:s}", "object", object, "name",
			      json_esc(name), "verdict",
			      rrchain_reason_name(r));

	if (o && r != RRCHAIN_OK && why && *why)
		json_object_set_new(o, "error", json_esc(why));
	if (o)
		json_array_append_new(rf->verdicts_json, o);
}

/* ---- sites -------------------------------------------------------------- */

static void site_work(uv_work_t *w)
{
	struct site_job *j = w->data;
	struct fetch_refresh *rf = j->lk.rf;
	struct rrchain_rdata *rd = rdata_of(j->lk.blobs, j->lk.nblobs);

	if (!rd) {
		j->reason = RRCHAIN_R_NOMEM;
		say(j->err.msg, sizeof(j->err.msg), "out of memory");
		return;
	}
	j->reason = rrchain_verify_site(FETCH_POLICY(rf->cfg), j->member, rd, j->lk.nblobs,
				     rf->opts.now, &j->cache, &j->result,
				     &j->stats, &j->err);
	free(rd);
}

static void site_checked(uv_work_t *w, int status)
{
	struct site_job *j = w->data;
	struct fetch_refresh *rf = j->lk.rf;

	rrchain_stats_add(&rf->sum.chain, &j->stats);
	verdict(rf, "site", j->member->site,
		status ? RRCHAIN_R_NOMEM : j->reason, j->err.msg);
	if (status != 0 || j->reason != RRCHAIN_OK) {
		rf->sum.sites_failed++;
		fetch_log(rf->log, FETCH_LOG_WARN,
			  "site %s: rejected (%s): %s; keeping its last good "
			  "record if it has one", j->member->site,
			  rrchain_reason_name(j->reason), j->err.msg);
		site_status(rf, j->member->site, rrchain_reason_name(j->reason),
			    j->err.msg);
	} else {
		site_status(rf, j->member->site,
			    j->result.cached ? "unchanged" : "verified", NULL);
	}
	lookup_free(&j->lk);
	if (--rf->sites_left == 0)
		merge_and_write(rf);
}

static void site_resolved(struct lookup *lk)
{
	struct site_job *j = (struct site_job *)lk;
	struct fetch_refresh *rf = lk->rf;
	int rc;

	lookup_finish_status(lk);
	if (!lk->any_ok) {
		rf->sum.sites_failed++;
		fetch_log(rf->log, FETCH_LOG_WARN,
			  "site %s: %s (%s); keeping its last good record if "
			  "it has one", j->member->site, lk->error,
			  fetch_dns_status_name(lk->status));
		site_status(rf, j->member->site,
			    fetch_dns_status_name(lk->status), lk->error);
		j->reason = RRCHAIN_R_MISSING;
		verdict(rf, "site", j->member->site, j->reason, lk->error);
		lookup_free(lk);
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
		say(rf->sum.error, sizeof(rf->sum.error), "out of memory");
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
		j->member = &m->rec;
		fetch_state_site_cache(rf->st, m->rec.site, &j->cache);
		rf->sum.sites_queried++;
		if (lookup_start(rf, &j->lk, m->rec.at, site_resolved) != 0)
			site_resolved(&j->lk);
	}
	if (--rf->sites_left == 0)
		merge_and_write(rf);
}

/* ---- pages and members -------------------------------------------------- */

static void members_work(uv_work_t *w)
{
	struct fetch_refresh *rf = w->data;

	rf->head_reason = rrchain_verify_members(&rf->fresh, &rf->head_stats,
					      &rf->head_err);
}

static void member_verdicts(struct fetch_refresh *rf, int status)
{
	const struct rrchain_membership *m = &rf->fresh;

	verdict(rf, "membership", rf->head_lk.name,
		status ? RRCHAIN_R_NOMEM : rf->head_reason, rf->head_err.msg);
	for (size_t p = 0; !status && !rf->head_reason && p < m->npages; p++)
		for (size_t i = 0; i < m->pages[p].nmembers; i++)
			verdict(rf, "member", m->pages[p].members[i].rec.site,
				m->pages[p].members[i].status,
				m->pages[p].members[i].why);
}

static void members_checked(uv_work_t *w, int status)
{
	struct fetch_refresh *rf = w->data;

	rrchain_stats_add(&rf->sum.chain, &rf->head_stats);
	memset(&rf->head_stats, 0, sizeof(rf->head_stats));
	member_verdicts(rf, status);
	if (status != 0 || rf->head_reason != RRCHAIN_OK) {
		fetch_log(rf->log, FETCH_LOG_ERR,
			  "membership rejected (%s): %s; keeping the last "
			  "good membership", rrchain_reason_name(rf->head_reason),
			  rf->head_err.msg);
		say(rf->sum.error, sizeof(rf->sum.error), "%s",
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
			   members_checked);
	if (rc != 0) {
		rf->head_reason = RRCHAIN_R_NOMEM;
		members_checked(&rf->head_work, rc);
	}
}

static void page_work(uv_work_t *w)
{
	struct page_job *j = w->data;
	struct fetch_refresh *rf = j->lk.rf;
	struct rrchain_rdata *rd = rdata_of(j->lk.blobs, j->lk.nblobs);

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
	verdict(rf, "page", j->lk.name, status ? RRCHAIN_R_NOMEM : j->reason,
		j->err.msg);
	if (status != 0 || j->reason != RRCHAIN_OK) {
		rf->pages_failed = true;
		fetch_log(rf->log, FETCH_LOG_ERR,
			  "page %zu (%s) rejected (%s): %s", j->index + 1,
			  j->lk.name, rrchain_reason_name(j->reason),
			  j->err.msg);
		if (!rf->sum.error[0])
			say(rf->sum.error, sizeof(rf->sum.error),
				 "page %s: %s", j->lk.name, j->err.msg);
	}
	lookup_free(&j->lk);
	if (--rf->pages_left == 0)
		pages_done(rf);
}

static void page_resolved(struct lookup *lk)
{
	struct page_job *j = (struct page_job *)lk;
	struct fetch_refresh *rf = lk->rf;
	int rc;

	lookup_finish_status(lk);
	if (!lk->any_ok) {
		j->reason = RRCHAIN_R_MISSING;
		say(j->err.msg, sizeof(j->err.msg), "%s (%s)", lk->error,
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
		say(rf->sum.error, sizeof(rf->sum.error), "out of memory");
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
			say(j->err.msg, sizeof(j->err.msg), "%s",
				 rerr.msg);
			page_checked(&j->work, 0);
			continue;
		}
		say(j->lk.name, sizeof(j->lk.name), "%s", name);
		if (reuse_page(rf, j)) {
			rf->sum.pages_reused++;
			page_resolved(&j->lk);
			continue;
		}
		rf->sum.pages_fetched++;
		if (lookup_start(rf, &j->lk, name, page_resolved) != 0)
			page_resolved(&j->lk);
	}
	if (--rf->pages_left == 0)
		pages_done(rf);
}

/* ---- head ---------------------------------------------------------------- */

static void head_work(uv_work_t *w)
{
	struct fetch_refresh *rf = w->data;
	struct rrchain_rdata *rd = rdata_of(rf->head_lk.blobs, rf->head_lk.nblobs);

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
	lookup_free(&rf->head_lk);
	verdict(rf, "head", rf->head_lk.name,
		status ? RRCHAIN_R_NOMEM : rf->head_reason, rf->head_err.msg);
	if (status != 0 || rf->head_reason != RRCHAIN_OK) {
		fetch_log(rf->log, FETCH_LOG_ERR,
			  "membership head rejected (%s): %s; keeping the "
			  "last good membership",
			  rrchain_reason_name(rf->head_reason), rf->head_err.msg);
		say(rf->sum.error, sizeof(rf->sum.error), "%s",
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

static void head_resolved(struct lookup *lk)
{
	struct fetch_refresh *rf = lk->rf;
	int rc;

	lookup_finish_status(lk);
	if (!lk->any_ok) {
		fetch_log(rf->log, FETCH_LOG_ERR,
			  "membership head: %s (%s); keeping the last good "
			  "membership", lk->error,
			  fetch_dns_status_name(lk->status));
		say(rf->sum.error, sizeof(rf->sum.error), "%s", lk->error);
		verdict(rf, "head", lk->name, RRCHAIN_R_MISSING, lk->error);
		lookup_free(lk);
		rf->src = fetch_state_membership(rf->st);
		start_sites(rf);
		return;
	}
	if (head_unchanged(rf)) {
		rf->sum.head_ok = true;
		rf->sum.pages_reused = fetch_state_membership(rf->st)->npages;
		lookup_free(lk);
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

/* ---- merge, outputs, secnet ---------------------------------------------- */

static void finish(struct fetch_refresh *rf);

static void summary_json(struct fetch_refresh *rf, json_t *o)
{
	const struct fetch_refresh_summary *s = &rf->sum;
	json_t *rej = json_object();
	json_t *dropped = json_object();
	json_t *dns;

	/* Every reason, zeros too: a report reader can rely on the keys. */
	for (int i = 0; i < FETCH_DNS_DROP__COUNT; i++)
		json_object_set_new(dropped,
				    fetch_dns_drop_name((enum fetch_dns_drop)i),
				    json_integer((json_int_t)s->dns.dropped[i]));

	for (int i = 1; i < RRCHAIN_R__COUNT; i++)
		if (s->chain.rejected[i])
			json_object_set_new(rej,
					    rrchain_reason_name((enum rrchain_reason)i),
					    json_integer((json_int_t)s->chain.rejected[i]));
	json_object_set_new(o, "ok", json_boolean(s->ok));
	if (s->error[0])
		json_object_set_new(o, "error", json_esc(s->error));
	json_object_set_new(o, "dry_run", json_boolean(rf->opts.dry_run));
	json_object_set_new(o, "now", json_integer((json_int_t)rf->opts.now));
	json_object_set_new(o, "duration_ms",
			    json_integer((json_int_t)s->duration_ms));
	dns = json_pack(
		"{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
		"queries", (json_int_t)s->dns.queries,
		"sent_udp", (json_int_t)s->dns.sent_udp,
		"sent_tcp", (json_int_t)s->dns.sent_tcp,
		"retries", (json_int_t)s->dns.retries,
		"timeouts", (json_int_t)s->dns.timeouts,
		"truncated", (json_int_t)s->dns.truncated,
		"dropped_mismatch", (json_int_t)s->dns.dropped_mismatch,
		"answered", (json_int_t)s->dns.answered,
		"max_inflight_seen", (json_int_t)s->dns.max_inflight_seen);
	if (dns) {
		json_object_set_new(dns, "dropped_malformed",
				    json_integer((json_int_t)s->dns.dropped_malformed));
		json_object_set_new(dns, "bad_tries",
				    json_integer((json_int_t)s->dns.bad_tries));
		json_object_set(dns, "dropped", dropped);
	}
	json_decref(dropped);
	json_object_set_new(o, "dns", dns);
	json_object_set_new(o, "verify", json_pack(
		"{s:I,s:I,s:I,s:I,s:I,s:o}",
		"heads_verified", (json_int_t)s->chain.heads_verified,
		"pages_hashed", (json_int_t)s->chain.pages_hashed,
		"members_checked", (json_int_t)s->chain.members_checked,
		"sites_verified", (json_int_t)s->chain.sites_verified,
		"sites_cached", (json_int_t)s->chain.sites_cached,
		"rejected", rej));
	json_object_set_new(o, "pages", json_pack("{s:I,s:I}",
		"fetched", (json_int_t)s->pages_fetched,
		"reused", (json_int_t)s->pages_reused));
	json_object_set_new(o, "sites", json_pack(
		"{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
		"queried", (json_int_t)s->sites_queried,
		"failed", (json_int_t)s->sites_failed,
		"in_view", (json_int_t)s->sites_in_view,
		"added", (json_int_t)s->added,
		"updated", (json_int_t)s->updated,
		"unchanged", (json_int_t)s->unchanged,
		"kept", (json_int_t)s->kept,
		"removed", (json_int_t)s->removed,
		"dropped", (json_int_t)s->dropped));
	json_object_set_new(o, "files", json_pack("{s:I,s:I,s:I,s:I,s:I}",
		"written", (json_int_t)s->files_written,
		"unchanged", (json_int_t)s->files_unchanged,
		"removed", (json_int_t)s->files_removed,
		"would_write", (json_int_t)s->would_write,
		"would_remove", (json_int_t)s->would_remove));
	json_object_set_new(o, "secnet", json_pack(
		"{s:I,s:i,s:I,s:I,s:I,s:I,s:I}",
		"reloads", (json_int_t)s->reloads,
		"reload_status", s->reload_status,
		"keys_adopted", (json_int_t)s->keys_adopted,
		"keys_discarded", (json_int_t)s->keys_discarded,
		"keys_timeout", (json_int_t)s->keys_timeout,
		"keys_installed", (json_int_t)s->keys_installed,
		"keys_watch_errors", (json_int_t)s->keys_watch_errors));
	json_object_set_new(o, "notices", json_integer((json_int_t)s->notices));
	json_object_set_new(o, "journal", json_pack(
		"{s:I,s:I,s:b,s:I,s:I,s:I,s:b}",
		"owed_at_start", (json_int_t)s->owed_at_start,
		"owed", (json_int_t)s->owed,
		"reload_owed", s->reload_owed,
		"reload_attempts", (json_int_t)s->reload_attempts,
		"keys_pending", (json_int_t)s->keys_pending,
		"keys_next_deadline", (json_int_t)s->keys_next_deadline,
		"store_failed", s->store_failed));
	json_object_set_new(o, "state", json_pack("{s:b,s:b}",
		"saved", s->state_saved, "reset", rf->opts.state_reset));
	json_object_set_new(o, "check", json_pack("{s:I,s:b}",
		"runs", (json_int_t)s->checks, "failed", s->check_failed));
	json_object_set_new(o, "stale", json_boolean(s->stale));
	if (s->have_head_age)
		json_object_set_new(o, "head_age",
				    json_integer((json_int_t)s->head_age));
}

/* Freeze: an attacker who holds back new heads keeps a node on an old,
 * still unexpired membership (revoked sites included).  Heads are
 * re-signed every few days, so one older than max-head-age means a
 * freeze or an admin who stopped re-signing: keep the last good
 * configuration, but say so loudly and fail the refresh. */
static void check_stale(struct fetch_refresh *rf)
{
	const struct rrchain_membership *m = fetch_state_membership(rf->st);
	uint64_t t, max_s = rf->cfg->max_head_age_ms / 1000;

	if (!m)
		return;
	t = m->head.rec.not_before;
	rf->sum.have_head_age = true;
	rf->sum.head_age = rf->opts.now > t ? rf->opts.now - t : 0;
	if (max_s == 0 || rf->sum.head_age <= max_s)
		return;
	rf->sum.stale = true;
	fetch_log(rf->log, FETCH_LOG_ERR,
		  "membership head s=%" PRIu32 " is stale: signed %" PRIu64
		  " s ago (t=%" PRIu64 "), more than max-head-age %" PRIu64
		  " s; still using the last good configuration.  Either the "
		  "admin has stopped re-signing (vpnrr resign) or newer heads "
		  "are being withheld from this node", m->head.rec.serial,
		  rf->sum.head_age, t, max_s);
}

/* What is still owed as the refresh ends (the next run does it): the
 * journal as paid so far, or, when the refresh stopped before paying,
 * what earlier runs left. */
static void owed_summary(struct fetch_refresh *rf)
{
	const struct fetch_owed *v = rf->paid ? rf->owed : rf->old;
	const bool *paid = rf->paid ? rf->paid : rf->old_paid;
	size_t n = rf->paid ? rf->nowed : rf->nold;

	rf->sum.owed = 0;
	for (size_t i = 0; paid && i < n; i++) {
		if (paid[i])
			continue;
		rf->sum.owed++;
		if (rf->paid)
			continue; /* the pay phase set the rest itself */
		if (v[i].kind == FETCH_OWED_RELOAD) {
			rf->sum.reload_owed = true;
			if (v[i].attempts > rf->sum.reload_attempts)
				rf->sum.reload_attempts = v[i].attempts;
		}
		if (v[i].kind == FETCH_OWED_KEYS &&
		    (rf->sum.keys_next_deadline == 0 ||
		     v[i].deadline < rf->sum.keys_next_deadline)) {
			rf->sum.keys_pending++;
			rf->sum.keys_next_deadline = v[i].deadline;
		}
	}
}

static void finish(struct fetch_refresh *rf)
{
	json_t *report = json_object();

	rf->sum.duration_ms = now_ms(rf->loop) - rf->sum.started_ms;
	owed_summary(rf);
	fetch_dns_stats(rf->dns, &rf->sum.dns);
	check_stale(rf);
	if (report) {
		summary_json(rf, report);
		json_object_set(report, "site_status", rf->sites_json);
		json_object_set(report, "events", rf->events_json);
		json_object_set(report, "verdicts", rf->verdicts_json);
		json_object_update(report, rf->extra_json);
	}
	fetch_dns_close(rf->dns, NULL, NULL);
	rf->cb(&rf->sum, report, rf->arg);
	json_decref(report);
	json_decref(rf->sites_json);
	json_decref(rf->events_json);
	json_decref(rf->verdicts_json);
	json_decref(rf->extra_json);
	fetch_plan_free(&rf->plan);
	fetch_owed_free(rf->old, rf->nold);
	fetch_owed_free(rf->fresh_owed, rf->nnew);
	fetch_owed_free(rf->owed, rf->nowed);
	free(rf->old_paid);
	free(rf->paid);
	free(rf->deleted);
	free(rf->check_cmd);
	if (rf->have_fresh)
		rrchain_membership_free(&rf->fresh);
	for (size_t i = 0; i < rf->npages; i++)
		rrchain_page_free(&rf->pages[i].page);
	for (size_t i = 0; i < rf->nsites; i++)
		rrchain_site_result_free(&rf->sites[i].result);
	free(rf->pages);
	free(rf->sites);
	free(rf->watches);
	free(rf);
}

/* ---- owed actions: files, keys, reload ----------------------------------- */

static void fail(struct fetch_refresh *rf, bool store, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct fetch_refresh *rf, bool store, const char *fmt, ...)
{
	char msg[FETCH_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	fetch_log(rf->log, FETCH_LOG_ERR, "%s", msg);
	if (!rf->sum.error[0])
		say(rf->sum.error, sizeof(rf->sum.error), "%s", msg);
	rf->sum.ok = false;
	rf->sum.store_failed |= store;
}

/* Deletes the rows marked paid and not yet deleted.  false when the
 * store could not be written (the actions stay owed: doing them again
 * is harmless). */
static bool settle(struct fetch_refresh *rf)
{
	char err[FETCH_ERRLEN];
	int64_t *ids = calloc(rf->nowed ? rf->nowed : 1, sizeof(*ids));
	size_t n = 0;

	if (!ids) {
		fail(rf, true, "out of memory");
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
		fail(rf, true, "state: %s", err);
		free(ids);
		return false;
	}
	for (size_t i = 0; i < rf->nowed; i++)
		if (rf->paid[i])
			rf->deleted[i] = true;
	free(ids);
	return true;
}

static size_t count_kind(const struct fetch_refresh *rf,
			 enum fetch_owed_kind k, bool unpaid)
{
	size_t n = 0;

	for (size_t i = 0; i < rf->nowed; i++)
		n += rf->owed[i].kind == k && !(unpaid && rf->paid[i]);
	return n;
}

static void on_reload(int status, const char *why, void *arg)
{
	struct fetch_refresh *rf = arg;
	char err[FETCH_ERRLEN], msg[FETCH_ERRLEN];
	size_t first = rf->nowed;

	rf->sum.reload_status = status;
	for (size_t i = 0; i < rf->nowed; i++)
		if (rf->owed[i].kind == FETCH_OWED_RELOAD && !rf->paid[i]) {
			if (first == rf->nowed)
				first = i;
			if (status == 0)
				rf->paid[i] = true;
		}
	if (status == 0) {
		fetch_log(rf->log, FETCH_LOG_NOTICE, "reload command ran");
		rf->sum.reload_owed = false;
		(void)settle(rf);
		finish(rf);
		return;
	}
	say(msg, sizeof(msg), "reload command %s (status %d)", why, status);
	rf->sum.reload_owed = true;
	if (first < rf->nowed) {
		rf->sum.reload_attempts = rf->owed[first].attempts + 1;
		if (fetch_store_reload_failed(rf->store, rf->owed[first].id, msg,
					      err, sizeof(err)) != 0)
			fail(rf, true, "state: %s", err);
	}
	fail(rf, false, "reload command \"%s\" %s (status %d); still owed, "
	     "attempt %u: it is retried", rf->cfg->reload_command, why,
	     status, rf->sum.reload_attempts);
	finish(rf);
}

static void run_reload(struct fetch_refresh *rf)
{
	int rc;

	if (count_kind(rf, FETCH_OWED_RELOAD, true) == 0) {
		finish(rf);
		return;
	}
	if (!rf->cfg->reload_command) {
		/* Nobody to pay: owing it forever would only hide later
		 * debts.  Said loudly instead. */
		fetch_log(rf->log, FETCH_LOG_WARN,
			  "secnet needs a restart, but no reload-command is "
			  "configured: restart it yourself");
		for (size_t i = 0; i < rf->nowed; i++)
			if (rf->owed[i].kind == FETCH_OWED_RELOAD)
				rf->paid[i] = true;
		(void)settle(rf);
		finish(rf);
		return;
	}
	rf->sum.reloads++;
	rc = fetch_reload_run(rf->loop, rf->cfg->reload_command,
			      RELOAD_TIMEOUT_MS, on_reload, rf);
	if (rc != 0)
		on_reload(-1, "could not be started", rf);
}

/* Makes sure a RELOAD row is owed (committed) before we act as if it
 * were: keys installed behind secnet's back are read only by a restart. */
static bool owe_reload(struct fetch_refresh *rf)
{
	struct fetch_owed o = { 0 }, *g;
	char err[FETCH_ERRLEN];

	if (count_kind(rf, FETCH_OWED_RELOAD, true) > 0)
		return true;
	o.kind = FETCH_OWED_RELOAD;
	if (fetch_store_begin(rf->store, err, sizeof(err)) != 0 ||
	    fetch_store_owe(rf->store, &o, err, sizeof(err)) != 0 ||
	    fetch_store_commit(rf->store, err, sizeof(err)) != 0) {
		fetch_store_rollback(rf->store);
		fail(rf, true, "state: %s", err);
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
	fail(rf, false, "out of memory");
	return false;
}

/* The fallback for secnet's unreliable ~update adoption: the live file
 * itself, then a restart (owed first). */
static void install_keys(struct fetch_refresh *rf, size_t i, bool reload)
{
	const struct fetch_owed *o;
	char err[FETCH_OUTPUT_ERRLEN];

	/* owe_reload may move rf->owed: take the row after it. */
	if (reload && !owe_reload(rf))
		return;
	o = &rf->owed[i];
	if (fetch_peerkeys_install_live(o->path, o->data, o->len, err,
					sizeof(err)) != 0) {
		fail(rf, false, "%s: %s", o->path, err);
		return;
	}
	rf->sum.keys_installed++;
	rf->paid[i] = true;
}

static void watches_done(struct fetch_refresh *rf)
{
	(void)settle(rf);
	run_reload(rf);
}

/* The adoption is still pending: the row stays owed, and a later refresh
 * looks again (the daemon wakes up for the earliest deadline). */
static void keys_pending(struct fetch_refresh *rf, size_t i)
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
	uint64_t now = clock_now(rf);

	if (outcome == FETCH_PEERWATCH_ADOPTED) {
		rf->sum.keys_adopted++;
		rf->paid[wj->slot] = true;
		fetch_log(rf->log, FETCH_LOG_NOTICE,
			  "%s: secnet adopted the new keys without a restart",
			  live_path);
	}
	else if (outcome == FETCH_PEERWATCH_TIMEOUT &&
		 now < rf->owed[wj->slot].deadline)
		keys_pending(rf, wj->slot);
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
		keys_pending(rf, i);
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
static bool consumed(const char *live)
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
static void hand_keys_to_secnet(struct fetch_refresh *rf)
{
	uint64_t now = clock_now(rf);
	bool restart;

	rf->nwatches = rf->nowed + 1;
	rf->watches = calloc(rf->nwatches, sizeof(*rf->watches));
	if (!rf->watches) {
		rf->nwatches = 0;
		fail(rf, false, "out of memory");
	}
	rf->watches_left = 1;
	for (size_t i = 0; i < rf->nowed; i++) {
		const struct fetch_owed *o = &rf->owed[i];
		uint64_t left;
		if (o->kind != FETCH_OWED_KEYS || rf->paid[i])
			continue;
		/* A fallback just above may have owed a restart. */
		restart = count_kind(rf, FETCH_OWED_RELOAD, true) > 0;
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
		if (restart || now >= o->deadline || consumed(o->path)) {
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
			keys_pending(rf, i);
	}
	if (--rf->watches_left == 0)
		watches_done(rf);
}

/* The file actions of the journal, on the pool. */
static void pay_work(uv_work_t *w)
{
	struct fetch_refresh *rf = w->data;
	struct fetch_apply_stats s = { 0, 0, 0 };

	rf->out_rc = fetch_apply_files(rf->owed, rf->nowed, rf->paid, &s,
				       rf->out_err, sizeof(rf->out_err));
	rf->sum.files_written += s.written;
	rf->sum.files_removed += s.removed;
}

static void pay_done(uv_work_t *w, int status)
{
	struct fetch_refresh *rf = w->data;

	if (status != 0 || rf->out_rc != 0) {
		/* Every file is old or new; the rest stays owed, and so does
		 * the restart: it must not run on a half-applied change. */
		fail(rf, false, "outputs: %s; the rest is owed and done by "
		     "the next run", status ? uv_strerror(status)
					    : rf->out_err);
		rf->sum.reload_owed = count_kind(rf, FETCH_OWED_RELOAD, true) > 0;
		(void)settle(rf);
		finish(rf);
		return;
	}
	if (!settle(rf)) {
		finish(rf);
		return;
	}
	hand_keys_to_secnet(rf);
}

/* The owed actions as the store has them now (earlier runs' and this
 * one's), then the file actions on the pool. */
static void pay(struct fetch_refresh *rf)
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
		fail(rf, true, "state: %s", err);
		finish(rf);
		return;
	}
	rf->paid = calloc(rf->nowed ? rf->nowed : 1, sizeof(*rf->paid));
	rf->deleted = calloc(rf->nowed ? rf->nowed : 1, sizeof(*rf->deleted));
	if (!rf->paid || !rf->deleted) {
		fail(rf, false, "out of memory");
		finish(rf);
		return;
	}
	rf->out_work.data = rf;
	rc = uv_queue_work(rf->loop, &rf->out_work, pay_work, pay_done);
	if (rc != 0) {
		rf->out_rc = -1;
		say(rf->out_err, sizeof(rf->out_err), "%s", uv_strerror(rc));
		pay_done(&rf->out_work, 0);
	}
}

/*
 * One transaction: the new state, the actions it owes, and the removal
 * of earlier rows already done.  Nothing outside the store has changed
 * for this refresh yet; a failure here leaves the world as it was.
 */
static void commit(struct fetch_refresh *rf)
{
	char err[FETCH_ERRLEN];
	bool any_paid = false;
	int staged;

	for (size_t i = 0; i < rf->nold; i++)
		any_paid |= rf->old_paid[i];
	/* Nothing new and nothing done: the store is left untouched. */
	if (rf->nnew == 0 && !any_paid && !fetch_state_dirty(rf->st)) {
		pay(rf);
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
	for (size_t i = 0; i < rf->nold; i++)
		if (rf->old_paid[i] &&
		    fetch_store_paid(rf->store, &rf->old[i].id, 1, err,
				     sizeof(err)) != 0)
			goto fail;
	if (fetch_store_commit(rf->store, err, sizeof(err)) != 0)
		goto fail;
	fetch_state_staged(rf->st, true);
	rf->sum.state_saved = staged > 0;
	pay(rf);
	return;
fail:
	fetch_store_rollback(rf->store);
	fetch_state_staged(rf->st, false);
	fail(rf, true, "state: %s: nothing applied", err);
	finish(rf);
}

/* The check's own words, for the log: its last lines say why.  (secnet
 * -j also logs its sites' start-up, which is noise when it passes.) */
static void log_check_output(struct fetch_refresh *rf)
{
	char err[FETCH_OUTPUT_ERRLEN];
	uint8_t *text = NULL;
	size_t len = 0, start, lines = 0;

	if (fetch_file_read(rf->cand_log, 1 << 20, &text, &len, err,
			    sizeof(err)) <= 0)
		return;
	for (start = len; start > 0 && lines < 8; start--)
		if (text[start - 1] == '\n' && start != len)
			lines++;
	if (start > 0)
		start++;
	for (size_t i = start; i < len;) {
		size_t e = i;
		while (e < len && text[e] != '\n')
			e++;
		if (e > i)
			fetch_log(rf->log, FETCH_LOG_ERR, "secnet check: %.*s",
				  (int)(e - i), (const char *)text + i);
		i = e + 1;
	}
	free(text);
}

static void on_check(int status, const char *why, void *arg)
{
	struct fetch_refresh *rf = arg;

	if (status != 0) {
		rf->sum.check_failed = true;
		log_check_output(rf);
		fail(rf, false, "%s refused the candidate configuration "
		     "(%s, status %d; its messages are above, and in %s): "
		     "nothing applied, the last good configuration stays",
		     rf->cfg->secnet_check_command ? rf->cfg->secnet_check_command
						   : FETCH_DEFAULT_SECNET_CHECK,
		     why, status, rf->cand_log);
		finish(rf);
		return;
	}
	fetch_log(rf->log, FETCH_LOG_INFO, "candidate configuration passed "
		  "the secnet check");
	commit(rf);
}

static void run_check(struct fetch_refresh *rf)
{
	const char *cmd = rf->cfg->secnet_check_command
				  ? rf->cfg->secnet_check_command
				  : FETCH_DEFAULT_SECNET_CHECK;
	size_t n = strlen(cmd) + strlen(rf->cand_main) + strlen(rf->cand_log) +
		   16;
	int rc;

	rf->check_cmd = malloc(n);
	if (!rf->check_cmd) {
		fail(rf, false, "out of memory");
		finish(rf);
		return;
	}
	(void)snprintf(rf->check_cmd, n, "%s '%s' >'%s' 2>&1", cmd,
		       rf->cand_main, rf->cand_log);
	rf->sum.checks++;
	rc = fetch_reload_run(rf->loop, rf->check_cmd, RELOAD_TIMEOUT_MS,
			      on_check, rf);
	if (rc != 0)
		on_check(-1, "could not be started", rf);
}
/* Dry run: which planned files differ from what is on disk. */
static size_t count_differences(const struct fetch_plan *plan)
{
	char path[4096], err[FETCH_OUTPUT_ERRLEN];
	size_t n = 0;

	for (size_t i = 0; i < plan->nfiles; i++) {
		const struct fetch_plan_file *f = &plan->files[i];
		if (fetch_path_join(path, sizeof(path), f->dir, f->name, "") != 0)
			continue;
		if (fetch_file_compare(path, f->data, f->len, err,
				       sizeof(err)) == FETCH_CMP_SAME)
			continue;
		/* stderr: stdout may carry the JSON report. */
		fprintf(stderr, "vpnrr-fetch: would write %s\n", path);
		n++;
	}
	return n;
}

/* Output directories are made on first use (mode 0755, parents too), so
 * a fresh node needs no preparation beyond its config file. */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(path)) {
		say(err, errlen, "%s: bad directory name", dir);
		return -1;
	}
	memcpy(path, dir, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			say(err, errlen, "%s: cannot create: %s", path,
			    strerror(errno));
			return -1;
		}
		path[i] = dir[i];
	}
	return 0;
}

static int make_plan_dirs(const struct fetch_plan *plan, char *err,
			  size_t errlen)
{
	for (size_t i = 0; i < plan->nfiles; i++) {
		if (i > 0 && strcmp(plan->files[i].dir, plan->files[i - 1].dir) == 0)
			continue;
		if (make_dirs(plan->files[i].dir, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* Dry run: which owned files would be removed (sites that left). */
static int count_removals(struct fetch_refresh *rf)
{
	char **paths = NULL;
	size_t n = 0;

	if (fetch_plan_stale(&rf->plan, &paths, &n, rf->out_err,
			     sizeof(rf->out_err)) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		fprintf(stderr, "vpnrr-fetch: would remove %s\n", paths[i]);
		free(paths[i]);
	}
	free(paths);
	rf->sum.would_remove = n;
	return 0;
}

static int site_name_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct fetch_site *)elem)->name);
}

/*
 * How long secnet has to adopt a new key set for the peer whose live
 * peer-keys file is LIVE: peer-keys-wait, or with auto the key lifetime
 * secnet uses for that peer (its record's key-lifetime, else secnet's
 * default: 1 h, 2 days for a mobile site), plus a minute for the key
 * exchange itself.  secnet reads the ~update before its next exchange,
 * which comes at the latest when the current key expires.
 */
static uint64_t keys_window(const struct fetch_refresh *rf,
			    const struct fetch_view *view, const char *live)
{
	char name[FETCH_SITENAME_MAX];
	const struct fetch_site *s;
	uint64_t ms;

	if (!rf->cfg->peer_keys_wait_auto)
		return (rf->cfg->peer_keys_wait_ms + 999) / 1000;
	if (fetch_peerkeys_site(live, name, sizeof(name)) != 0)
		return SECNET_KEY_LIFETIME_S + 60;
	s = bsearch(name, view->sites, view->nsites, sizeof(*view->sites),
		    site_name_cmp);
	if (!s || !s->site)
		return SECNET_KEY_LIFETIME_S + 60;
	ms = s->site->key_lifetime ? s->site->key_lifetime
	     : s->site->mobile ? SECNET_MOBILE_KEY_LIFETIME_S * 1000ULL
			       : SECNET_KEY_LIFETIME_S * 1000ULL;
	return (ms + 999) / 1000 + 60;
}

static void set_deadlines(struct fetch_refresh *rf,
			  const struct fetch_view *view)
{
	for (size_t i = 0; i < rf->nnew; i++)
		if (rf->fresh_owed[i].kind == FETCH_OWED_KEYS)
			rf->fresh_owed[i].deadline =
				rf->opts.now +
				keys_window(rf, view, rf->fresh_owed[i].path);
}

/* Does this refresh change what secnet reads at start (its own site's
 * file included, which needs no restart but must still be loadable)? */
static bool owes_config(const struct fetch_refresh *rf)
{
	for (size_t i = 0; i < rf->nnew; i++)
		if (rf->fresh_owed[i].secnet ||
		    rf->fresh_owed[i].kind == FETCH_OWED_RELOAD)
			return true;
	return false;
}

/* DIR is where a file of the plan lives, or one whose files it owns. */
static bool plan_has_dir(const struct fetch_plan *plan, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t l = slash ? (size_t)(slash - path) : 0;

	for (size_t i = 0; i < plan->nfiles; i++)
		if (strlen(plan->files[i].dir) == l &&
		    strncmp(plan->files[i].dir, path, l) == 0)
			return true;
	for (size_t i = 0; i < plan->ndirs; i++)
		if (strlen(plan->dirs[i].dir) == l &&
		    strncmp(plan->dirs[i].dir, path, l) == 0)
			return true;
	return false;
}

/* The peer-keys file the plan wants at LIVE, or NULL. */
static const struct fetch_plan_file *planned_keys(const struct fetch_plan *p,
						  const char *live)
{
	char path[4096];

	for (size_t i = 0; i < p->nfiles; i++)
		if (p->files[i].kind == FETCH_FILE_PEERKEYS &&
		    fetch_path_join(path, sizeof(path), p->files[i].dir,
				    p->files[i].name, NULL) == 0 &&
		    strcmp(path, live) == 0)
			return &p->files[i];
	return NULL;
}

/*
 * Rows left by earlier runs that this refresh must not do: a damaged
 * row; a file action outside every directory the outputs now use (the
 * configuration changed: it could never succeed); a key hand-over whose
 * keys the plan no longer wants (newer keys, or the site left: doing it
 * would bring old keys back).  They are dropped (deleted with this
 * refresh's commit) and counted.
 */
static void drop_old(struct fetch_refresh *rf)
{
	for (size_t i = 0; i < rf->nold; i++) {
		const struct fetch_owed *o = &rf->old[i];
		const struct fetch_plan_file *f;
		bool drop = false;
		switch (o->kind) {
		case FETCH_OWED_WRITE:
		case FETCH_OWED_REMOVE:
			drop = !plan_has_dir(&rf->plan, o->path);
			break;
		case FETCH_OWED_KEYS:
			f = planned_keys(&rf->plan, o->path);
			drop = !f || f->len != o->len ||
			       memcmp(f->data, o->data, o->len) != 0;
			break;
		case FETCH_OWED_RELOAD:
			break;
		default:
			drop = true;
			break;
		}
		if (drop) {
			rf->old_paid[i] = true;
			rf->old_dropped++;
		}
	}
}

/* A hand-over already owed for the same keys (secnet consumed the
 * ~update since, and the plan would write it again) stays the only one:
 * the earlier row decides, with its deadline, and sees the discard. */
static void dedupe_fresh(struct fetch_refresh *rf)
{
	size_t n = 0;

	for (size_t i = 0; i < rf->nnew; i++) {
		struct fetch_owed *o = &rf->fresh_owed[i];
		bool dup = false;
		for (size_t j = 0; j < rf->nold && !dup; j++) {
			const struct fetch_owed *k = &rf->old[j];
			size_t l = strlen(k->path);
			if (k->kind != FETCH_OWED_KEYS || rf->old_paid[j] ||
			    k->len != o->len || !o->path ||
			    memcmp(k->data, o->data, o->len) != 0)
				continue;
			dup = (o->kind == FETCH_OWED_KEYS &&
			       strcmp(o->path, k->path) == 0) ||
			      (o->kind == FETCH_OWED_WRITE &&
			       strncmp(o->path, k->path, l) == 0 &&
			       strcmp(o->path + l, "~update") == 0);
		}
		if (dup) {
			free(o->path);
			free(o->tmp);
			free(o->data);
			free(o->last_error);
			continue;
		}
		rf->fresh_owed[n++] = *o;
	}
	rf->nnew = n;
}

/* A store found missing or damaged may have forgotten a restart that
 * was owed: the files on disk are new already, so nothing else would
 * tell.  One restart is owed then, to be safe. */
static int owe_reset_restart(struct fetch_refresh *rf)
{
	struct fetch_owed *g;

	if (!rf->opts.state_reset || !rf->cfg->out_secnet)
		return 0;
	for (size_t i = 0; i < rf->nnew; i++)
		if (rf->fresh_owed[i].kind == FETCH_OWED_RELOAD)
			return 0;
	g = realloc(rf->fresh_owed, (rf->nnew + 1) * sizeof(*g));
	if (!g) {
		say(rf->out_err, sizeof(rf->out_err), "out of memory");
		return -1;
	}
	rf->fresh_owed = g;
	memset(&g[rf->nnew], 0, sizeof(*g));
	g[rf->nnew++].kind = FETCH_OWED_RELOAD;
	return 0;
}

/* Earlier runs' file actions: what still differs is judged against the
 * disk they leave. */
static int do_old_files(struct fetch_refresh *rf)
{
	struct fetch_apply_stats s = { 0, 0, 0 };
	struct fetch_owed *todo;
	bool *done;
	size_t *idx, n = 0;
	int rc = -1;

	todo = calloc(rf->nold ? rf->nold : 1, sizeof(*todo));
	done = calloc(rf->nold ? rf->nold : 1, sizeof(*done));
	idx = calloc(rf->nold ? rf->nold : 1, sizeof(*idx));
	if (!todo || !done || !idx) {
		say(rf->out_err, sizeof(rf->out_err), "out of memory");
		goto out;
	}
	/* Shallow copies: the rows stay owned by rf->old. */
	for (size_t i = 0; i < rf->nold; i++)
		if (!rf->old_paid[i] && (rf->old[i].kind == FETCH_OWED_WRITE ||
					 rf->old[i].kind == FETCH_OWED_REMOVE)) {
			todo[n] = rf->old[i];
			idx[n++] = i;
		}
	rc = fetch_apply_files(todo, n, done, &s, rf->out_err,
			       sizeof(rf->out_err));
	for (size_t i = 0; i < n; i++)
		rf->old_paid[idx[i]] |= done[i];
	rf->sum.files_written += s.written;
	rf->sum.files_removed += s.removed;
out:
	free(todo);
	free(done);
	free(idx);
	return rc;
}

static void out_work(uv_work_t *w)
{
	struct fetch_refresh *rf = w->data;
	const struct fetch_view *view = fetch_state_view(rf->st);

	/* Planning reads only the view: it comes first, so that what
	 * earlier runs owe can be judged against it. */
	for (size_t i = 0; i < fetch_noutputs; i++) {
		const struct fetch_output_driver *d = fetch_outputs[i];
		if (!d->enabled(&rf->ocfg))
			continue;
		rf->out_rc = d->plan(&rf->ocfg, view, &rf->plan, rf->out_err,
				     sizeof(rf->out_err));
		if (rf->out_rc != 0)
			return;
	}
	if (rf->opts.dry_run) {
		rf->sum.would_write = count_differences(&rf->plan);
		rf->out_rc = count_removals(rf);
		return;
	}
	rf->out_rc = make_plan_dirs(&rf->plan, rf->out_err,
				    sizeof(rf->out_err));
	if (rf->out_rc != 0)
		return;
	drop_old(rf);
	rf->out_rc = do_old_files(rf);
	if (rf->out_rc == 0)
		rf->out_rc = fetch_apply_owe(&rf->plan, &rf->local,
					     &rf->fresh_owed, &rf->nnew,
					     rf->out_err, sizeof(rf->out_err));
	if (rf->out_rc != 0)
		return;
	dedupe_fresh(rf);
	rf->out_rc = owe_reset_restart(rf);
	set_deadlines(rf, view);
	if (rf->out_rc == 0 && rf->cfg->secnet_config && owes_config(rf)) {
		rf->check = true;
		rf->out_rc = fetch_candidate_write(&rf->plan, &rf->ocfg,
						   rf->cfg->secnet_config,
						   rf->cand_dir, rf->out_err,
						   sizeof(rf->out_err));
	}
}

static void out_done(uv_work_t *w, int status)
{
	struct fetch_refresh *rf = w->data;
	/* Notices repeat every refresh while the data stays the same:
	 * worth saying only when something is about to change. */
	enum fetch_loglevel lvl = rf->nnew > 0 || rf->opts.dry_run
					  ? FETCH_LOG_NOTICE : FETCH_LOG_DEBUG;

	for (size_t i = 0; i < rf->plan.nnotices; i++)
		fetch_log(rf->log, lvl, "%s", rf->plan.notices[i]);
	rf->sum.notices = rf->plan.nnotices;
	if (rf->old_dropped > 0)
		fetch_log(rf->log, FETCH_LOG_WARN, "%zu actions owed by an "
			  "earlier run are no longer wanted (newer keys, a "
			  "site gone, an output moved, or a damaged row): "
			  "dropped", rf->old_dropped);
	if (status != 0 || rf->out_rc != 0) {
		fail(rf, false, "outputs: %s: nothing applied",
		     status ? uv_strerror(status) : rf->out_err);
		finish(rf);
		return;
	}
	if (rf->opts.dry_run) {
		finish(rf);
		return;
	}
	if (rf->check)
		run_check(rf);
	else {
		if (rf->cfg->out_secnet && owes_config(rf))
			fetch_log(rf->log, FETCH_LOG_WARN, "secnet-config is "
				  "not set: secnet's new configuration is "
				  "applied without a secnet -j check");
		commit(rf);
	}
}

static void record_events(struct fetch_refresh *rf,
			  const struct fetch_merge_report *rep)
{
	for (size_t i = 0; i < rep->nevents; i++) {
		const struct fetch_event *e = &rep->events[i];
		enum fetch_loglevel lvl = FETCH_LOG_INFO;
		json_t *o;

		if (e->kind == FETCH_EV_HEAD_REJECTED ||
		    e->kind == FETCH_EV_SITE_DROPPED ||
		    e->kind == FETCH_EV_HEAD_DROPPED ||
		    e->kind == FETCH_EV_MEMBER_REJECTED)
			lvl = FETCH_LOG_WARN;
		else if (e->kind != FETCH_EV_SITE_KEPT)
			lvl = FETCH_LOG_NOTICE;
		fetch_log(rf->log, lvl, "%s%s%s%s%s",
			  e->name[0] ? e->name : "membership",
			  ": ", fetch_event_kind_name(e->kind),
			  e->msg[0] ? ": " : "", e->msg);
		o = json_pack("{s:s,s:o}", "event",
			      fetch_event_kind_name(e->kind), "site",
			      json_esc(e->name));
		if (!o)
			continue;
		if (e->reason != RRCHAIN_OK)
			json_object_set_new(o, "reason", json_string(
				rrchain_reason_name(e->reason)));
		if (e->msg[0])
			json_object_set_new(o, "message", json_esc(e->msg));
		json_array_append_new(rf->events_json, o);
	}
}

/* Expired authority data caused outages elsewhere: warn early, loudly
 * when little time is left, in the log and in the JSON report. */
static void warn_expiring(struct fetch_refresh *rf)
{
	struct fetch_expiring *ex = NULL;
	json_t *list = json_array();
	size_t n = 0;

	if (!list || fetch_state_expiring(rf->st, rf->opts.now,
					  rf->cfg->expiry_warning_ms / 1000,
					  &ex, &n) != 0) {
		json_decref(list);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t left = ex[i].expires - rf->opts.now;
		fetch_log(rf->log, ex[i].severe ? FETCH_LOG_ERR : FETCH_LOG_WARN,
			  "%s %s expires in %" PRIu64 " s (at %" PRIu64 "): "
			  "renew it%s", rr_kind_name(ex[i].kind), ex[i].name,
			  left, ex[i].expires, ex[i].severe ? " now" : "");
		json_array_append_new(list, json_pack("{s:s,s:s,s:I,s:b}",
			"kind", rr_kind_name(ex[i].kind), "name", ex[i].name,
			"expires", (json_int_t)ex[i].expires,
			"severe", ex[i].severe));
		rf->sum.expiring++;
		rf->sum.expiring_severe += ex[i].severe;
	}
	json_object_set_new(rf->extra_json, "expiring", list);
	free(ex);
}

/* What earlier runs still owe: their file actions run first. */
static int load_old(struct fetch_refresh *rf)
{
	char err[FETCH_ERRLEN];

	if (fetch_store_owed(rf->store, &rf->old, &rf->nold, err,
			     sizeof(err)) != 0) {
		fail(rf, true, "state: %s", err);
		return -1;
	}
	rf->old_paid = calloc(rf->nold ? rf->nold : 1, sizeof(*rf->old_paid));
	if (!rf->old_paid) {
		fail(rf, false, "out of memory");
		return -1;
	}
	rf->sum.owed_at_start = rf->nold;
	if (rf->nold > 0)
		fetch_log(rf->log, FETCH_LOG_NOTICE, "finishing %zu actions "
			  "owed by an earlier run", rf->nold);
	return 0;
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
		say(rf->sum.error, sizeof(rf->sum.error), "out of memory");
		finish(rf);
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
	rc = fetch_state_merge(rf->st, rf->cfg, rf->opts.now,
			       rf->have_fresh && rf->src == &rf->fresh
				       ? &rf->fresh : NULL,
			       results, n, &rep, err, sizeof(err));
	for (size_t i = 0; i < n; i++)
		rrchain_site_result_free(&results[i]);
	free(results);
	if (rc != 0) {
		fetch_log(rf->log, FETCH_LOG_ERR, "merge: %s", err);
		say(rf->sum.error, sizeof(rf->sum.error), "%s", err);
		fetch_merge_report_free(&rep);
		finish(rf);
		return;
	}
	rrchain_stats_add(&rf->sum.chain, &rep.stats);
	record_events(rf, &rep);
	rf->sum.added = rep.added;
	rf->sum.updated = rep.updated;
	rf->sum.unchanged = rep.unchanged;
	rf->sum.kept = rep.kept;
	rf->sum.removed = rep.removed;
	rf->sum.dropped = rep.dropped;
	fetch_merge_report_free(&rep);
	rf->sum.sites_in_view = fetch_state_view(rf->st)->nsites;
	/* A site that could not be had or verified keeps its last good
	 * record, but the refresh is incomplete: cron and monitoring hear
	 * of it through the exit status. */
	rf->sum.ok = rf->sum.head_ok && rf->sum.error[0] == '\0' &&
		     rf->sum.sites_failed == 0;
	warn_expiring(rf);
	if (!rf->opts.dry_run && load_old(rf) != 0) {
		finish(rf);
		return;
	}

	rf->out_work.data = rf;
	rc = uv_queue_work(rf->loop, &rf->out_work, out_work, out_done);
	if (rc != 0) {
		rf->out_rc = -1;
		say(rf->out_err, sizeof(rf->out_err), "%s",
			 uv_strerror(rc));
		out_done(&rf->out_work, rc);
	}
}

/* ---- start --------------------------------------------------------------- */

static int make_dns(struct fetch_refresh *rf, char *err, size_t errlen)
{
	struct fetch_dns_server servers[FETCH_MAX_RESOLVERS];
	struct fetch_dns_config dc;
	size_t n = 0;
	int rc;

	if (rf->cfg->nresolvers == 0) {
		if (fetch_dns_resolvconf("/etc/resolv.conf", servers,
					 FETCH_MAX_RESOLVERS, &n, err,
					 errlen) != 0)
			return -1;
	}
	for (size_t i = 0; i < rf->cfg->nresolvers; i++, n++)
		if (fetch_dns_parse_server(rf->cfg->resolvers[i], &servers[n],
					   err, errlen) != 0)
			return -1;
	if (n == 0) {
		say(err, errlen, "no resolver to ask");
		return -1;
	}
	fetch_dns_config_init(&dc, servers, n);
	dc.timeout_ms = (uint32_t)rf->cfg->timeout_ms;
	dc.attempts = rf->cfg->attempts;
	dc.max_inflight = rf->cfg->concurrency;
	rc = fetch_dns_new(rf->loop, &dc, &rf->dns);
	if (rc != 0) {
		say(err, errlen, "DNS client: %s", uv_strerror(rc));
		return -1;
	}
	return 0;
}

static void output_cfg(struct fetch_refresh *rf)
{
	fetch_output_cfg_from(&rf->ocfg, rf->cfg);
}

/* This node's own site files (local-site): secnet never reads them for
 * a peer, so their changes need no restart. */
static void local_paths(struct fetch_refresh *rf)
{
	const struct fetch_config *c = rf->cfg;
	char name[FETCH_SITENAME_MAX];

	if (!c->has_local_site || !c->out_secnet)
		return;
	say(name, sizeof(name), "%s/%s", c->vpn, c->local_site);
	if (fetch_secnet_site_path(rf->local_config, sizeof(rf->local_config),
				   c->out_secnet, name) == 0)
		rf->local.config_path = rf->local_config;
	if (fetch_peerkeys_path(rf->local_keys, sizeof(rf->local_keys),
				c->out_peer_keys, name) == 0)
		rf->local.keys_path = rf->local_keys;
}

int fetch_refresh_start(uv_loop_t *loop, const struct fetch_config *cfg,
			struct fetch_state *st, const struct fetch_log *log,
			const struct fetch_refresh_opts *opts,
			fetch_refresh_cb cb, void *arg,
			struct fetch_refresh **out, char *err, size_t errlen)
{
	struct fetch_refresh *rf = calloc(1, sizeof(*rf));
	char head[RR_MAX_NAME + 1];
	struct rr_error rerr;

	if (!rf) {
		say(err, errlen, "out of memory");
		return -1;
	}
	rf->loop = loop;
	rf->cfg = cfg;
	rf->st = st;
	rf->log = log;
	rf->opts = *opts;
	rf->cb = cb;
	rf->arg = arg;
	rf->sum.started_ms = now_ms(loop);
	if (cfg->query_txt)
		rf->types[rf->ntypes++] = LDNS_RR_TYPE_TXT;
	if (cfg->query_private)
		rf->types[rf->ntypes++] = RR_TYPE_VPNRR;
	fetch_plan_init(&rf->plan);
	output_cfg(rf);
	local_paths(rf);
	rf->store = opts->store;
	if (!opts->dry_run && !rf->store) {
		say(err, errlen, "no store to record the refresh in");
		free(rf);
		return -1;
	}
	if (fetch_path_join(rf->cand_dir, sizeof(rf->cand_dir),
			    cfg->state_dir, FETCH_CANDIDATE_DIR, NULL) != 0 ||
	    fetch_path_join(rf->cand_main, sizeof(rf->cand_main),
			    rf->cand_dir, FETCH_CANDIDATE_MAIN, NULL) != 0 ||
	    fetch_path_join(rf->cand_log, sizeof(rf->cand_log),
			    rf->cand_dir, FETCH_CANDIDATE_LOG, NULL) != 0 ||
	    strchr(rf->cand_dir, '\'')) {
		say(err, errlen, "%s: state directory name not usable",
		    cfg->state_dir);
		free(rf);
		return -1;
	}
	rf->sites_json = json_object();
	rf->events_json = json_array();
	rf->verdicts_json = json_array();
	rf->extra_json = json_object();
	if (!rf->sites_json || !rf->events_json || !rf->verdicts_json ||
	    !rf->extra_json) {
		say(err, errlen, "out of memory");
		goto fail;
	}
	if (rr_name_head(cfg->zone, head, &rerr) != RR_OK) {
		say(err, errlen, "zone %s: %s", cfg->zone, rerr.msg);
		goto fail;
	}
	if (make_dns(rf, err, errlen) != 0)
		goto fail;
	/* Set before the first lookup, which may complete the refresh
	 * (calling CB) before we return. */
	*out = rf;
	if (lookup_start(rf, &rf->head_lk, head, head_resolved) != 0)
		head_resolved(&rf->head_lk);
	return 0;
fail:
	json_decref(rf->sites_json);
	json_decref(rf->events_json);
	json_decref(rf->verdicts_json);
	json_decref(rf->extra_json);
	free(rf);
	return -1;
}
