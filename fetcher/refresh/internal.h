/*
 * internal.h - what the parts of one refresh share (refresh/README.md):
 * the refresh itself and the calls between its files.  Not for use
 * outside fetcher/refresh/.
 */
#ifndef VPNRR_FETCH_REFRESH_INTERNAL_H
#define VPNRR_FETCH_REFRESH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <uv.h>

#include "apply.h"
#include "output.h"
#include "peerwatch.h"
#include "refresh.h"
#include "reload.h"
#include "store.h"

#define RELOAD_TIMEOUT_MS (120 * 1000)

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
	const struct rrchain_member *entry; /* its page entry */
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
	/* The caller's configuration (given), and the same with the anchors
	 * trusted now (trust: configured + adopted - retired), which cfg
	 * points at once the anchor statements are taken in. */
	const struct fetch_config *cfg, *given;
	struct fetch_config trust;
	struct lookup anchor_lk;
	struct rrchain_anchor_stmt anchor_stmts[RRCHAIN_MAX_RRSET];
	size_t nanchor_stmts;
	struct fetch_state *st;
	const struct fetch_log *log;
	struct fetch_refresh_opts opts;
	fetch_refresh_cb cb;
	void *arg;
	/* The outputs of this view under this configuration (the store's
	 * meta "outputs" names the last that were planned and applied or
	 * owed): when it is the store's and nothing is owed, planning is
	 * skipped.  mark_new: planned now, the store's differs. */
	uint8_t mark[RR_HASH_LEN];
	bool outputs_skipped, mark_new;

	struct fetch_dns *dns;
	uint16_t types[2];
	size_t ntypes;
	struct fetch_refresh_summary sum;
	json_t *sites_json; /* name -> per-site status */
	json_t *events_json;
	json_t *verdicts_json; /* the chain rules' verdict per object */
	json_t *extra_json; /* further report members (expiring) */
	json_t *would;      /* dry run: files that would change */

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
	/* Why an output kept its files as they were, or "". */
	char kept_err[2 * FETCH_OUTPUT_ERRLEN];
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

/* ---- calls between the files of refresh/ ------------------------------- */

uint64_t rf_clock_now(struct fetch_refresh *rf);

void rf_lookup_finish_status(struct lookup *lk);

int rf_lookup_start(struct fetch_refresh *rf, struct lookup *lk,
			const char *name, void (*done)(struct lookup *));

void rf_lookup_free(struct lookup *lk);

struct rrchain_rdata *rf_rdata_of(const struct rrchain_blob *b, size_t n);

void rf_site_status(struct fetch_refresh *rf, const char *name,
			const char *status, const char *why);

void rf_verdict(struct fetch_refresh *rf, const char *object,
		    const char *name, enum rrchain_reason r, const char *why);

void rf_members_checked(uv_work_t *w, int status);

void rf_head_resolved(struct lookup *lk);

/* Starts with the anchor statements; then the head (anchors.c). */
int rf_anchors_start(struct fetch_refresh *rf);
/* A head refused for its key (E): says so when that key is an announced
 * anchor still in its hold-down, or a retired one. */
void rf_anchor_hint(struct fetch_refresh *rf, const struct rrchain_error *e);

void rf_summary_json(struct fetch_refresh *rf, json_t *o);

void rf_check_stale(struct fetch_refresh *rf);

void rf_owed_summary(struct fetch_refresh *rf);

void rf_finish(struct fetch_refresh *rf);

void rf_fail(struct fetch_refresh *rf, bool store, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

bool rf_settle(struct fetch_refresh *rf);

size_t rf_count_kind(const struct fetch_refresh *rf,
			 enum fetch_owed_kind k, bool unpaid);

void rf_run_reload(struct fetch_refresh *rf);

bool rf_owe_reload(struct fetch_refresh *rf);

void rf_keys_pending(struct fetch_refresh *rf, size_t i);

bool rf_consumed(const char *live);

void rf_hand_keys_to_secnet(struct fetch_refresh *rf);

void rf_pay(struct fetch_refresh *rf);

void rf_commit(struct fetch_refresh *rf);

void rf_run_check(struct fetch_refresh *rf);

void rf_out_work(uv_work_t *w);

void rf_out_done(uv_work_t *w, int status);

void rf_record_events(struct fetch_refresh *rf,
			  const struct fetch_merge_report *rep);

void rf_warn_expiring(struct fetch_refresh *rf);

#endif
