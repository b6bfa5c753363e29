/*
 * refresh.c - one refresh of the verified state, on one libuv loop.
 * The stages, in refresh/'s files:
 *
 *   anchor statements (loop: the trust of this refresh, anchors.c)
 *   -> head query -> head check (pool) -> page queries -> page checks (pool)
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

#include "atomicfile.h"
#include "candidate.h"
#include "internal.h"


static uint64_t now_ms(uv_loop_t *loop)
{
	uv_update_time(loop);
	return uv_now(loop);
}

/* The refresh's Unix time (--now for tests), moving with the loop's
 * clock: deadlines are set and checked on the same clock. */
uint64_t rf_clock_now(struct fetch_refresh *rf)
{
	return rf->opts.now + (now_ms(rf->loop) - rf->sum.started_ms) / 1000;
}

void rf_finish(struct fetch_refresh *rf)
{
	json_t *report = json_object();

	rf->sum.duration_ms = now_ms(rf->loop) - rf->sum.started_ms;
	rf_owed_summary(rf);
	if (rf->dns)
		fetch_dns_stats(rf->dns, &rf->sum.dns);
	rf_check_stale(rf);
	if (report) {
		rf_summary_json(rf, report);
		json_object_set(report, "site_status", rf->sites_json);
		json_object_set(report, "events", rf->events_json);
		json_object_set(report, "verdicts", rf->verdicts_json);
		json_object_update(report, rf->extra_json);
	}
	if (rf->dns)
		fetch_dns_close(rf->dns, NULL, NULL);
	rf->cb(&rf->sum, report, rf->arg);
	json_decref(report);
	json_decref(rf->sites_json);
	json_decref(rf->events_json);
	json_decref(rf->verdicts_json);
	json_decref(rf->extra_json);
	json_decref(rf->would);
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
		rr_say(err, errlen, "no resolver to ask");
		return -1;
	}
	fetch_dns_config_init(&dc, servers, n);
	dc.timeout_ms = (uint32_t)rf->cfg->timeout_ms;
	dc.attempts = rf->cfg->attempts;
	dc.max_inflight = rf->cfg->concurrency;
	rc = fetch_dns_new(rf->loop, &dc, &rf->dns);
	if (rc != 0) {
		rr_say(err, errlen, "DNS client: %s", uv_strerror(rc));
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
	char name[RR_FULLNAMELEN];

	if (!c->has_local_site || !c->out_secnet)
		return;
	rr_say(name, sizeof(name), "%s/%s", c->vpn, c->local_site);
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
		rr_say(err, errlen, "out of memory");
		return -1;
	}
	rf->loop = loop;
	rf->cfg = cfg;
	rf->given = cfg;
	rf->st = st;
	rf->log = log;
	rf->opts = *opts;
	rf->opts.prior = NULL;
	if (opts->prior)
		rrchain_stats_add(&rf->sum.chain, opts->prior);
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
		rr_say(err, errlen, "no store to record the refresh in");
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
		rr_say(err, errlen, "%s: state directory name not usable",
		    cfg->state_dir);
		free(rf);
		return -1;
	}
	rf->sites_json = json_object();
	rf->events_json = json_array();
	rf->verdicts_json = json_array();
	rf->extra_json = json_object();
	rf->would = json_array();
	if (!rf->sites_json || !rf->events_json || !rf->verdicts_json ||
	    !rf->extra_json || !rf->would) {
		rr_say(err, errlen, "out of memory");
		goto fail;
	}
	if (rr_name_head(cfg->zone, head, &rerr) != RR_OK) {
		rr_say(err, errlen, "zone %s: %s", cfg->zone, rerr.msg);
		goto fail;
	}
	if (!opts->source && make_dns(rf, err, errlen) != 0)
		goto fail;
	/* Set before the first lookup, which may complete the refresh
	 * (calling CB) before we return. */
	*out = rf;
	(void)rf_anchors_start(rf);
	return 0;
fail:
	json_decref(rf->sites_json);
	json_decref(rf->events_json);
	json_decref(rf->verdicts_json);
	json_decref(rf->extra_json);
	json_decref(rf->would);
	free(rf);
	return -1;
}
