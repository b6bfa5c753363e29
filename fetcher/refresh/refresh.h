/*
 * refresh.h - one refresh: resolve, verify, merge, write, hand keys to
 * secnet, all driven from one libuv loop.
 *
 * DNS runs on the loop (dns.h); signature checks and hashing run on the
 * libuv thread pool (chain.h); outputs are planned and applied on the pool
 * too (output.h); the reload command and the peer-keys watches run on the
 * loop.  Nothing here blocks the loop.
 */
#ifndef VPNRR_FETCH_REFRESH_H
#define VPNRR_FETCH_REFRESH_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <uv.h>

#include "chain.h"
#include "config.h"
#include "dns.h"
#include "log.h"
#include "state.h"
#include "store.h"

/* Where a refresh's questions go: the DNS client by default.  A caller
 * (a test) may hand in its own: QUERY asks NAME of TYPE and must call CB
 * exactly once, later, from the loop, as fetch_dns_query does; it returns
 * 0, or a negative libuv error when it refuses at once. */
struct fetch_refresh_source {
	int (*query)(void *ctx, const char *name, uint16_t type,
		     fetch_dns_cb cb, void *arg);
	void *ctx;
};

struct fetch_refresh_opts {
	bool dry_run;    /* plan outputs, report what would change, write
			  * nothing (state included) */
	uint64_t now;    /* Unix time the refresh verifies against */
	/* The store the state and the journal live in (store.h); NULL
	 * only for a dry run. */
	struct fetch_store *store;
	bool state_reset; /* the store was missing or damaged at start */
	/* NULL: the resolvers of the configuration. */
	const struct fetch_refresh_source *source;
	/* When set, the merge's report moves here (the caller frees it with
	 * fetch_merge_report_free) instead of being dropped. */
	struct fetch_merge_report *merge_out;
	/* Checks made before this refresh (loading the state): counted in
	 * its report, so that it counts every check the process made.
	 * NULL: none. */
	const struct rrchain_stats *prior;
	/* Plan every output and compare it with the disk even when the view
	 * and the configuration are those last applied. */
	bool check_outputs;
};

/* What one refresh did; every fetch and verification is counted. */
struct fetch_refresh_summary {
	bool ok;                 /* membership verified and outputs written */
	bool head_ok;            /* a head (new or unchanged) verified */
	/* The first reason the membership (head, a page, the members) was
	 * refused in this refresh, RRCHAIN_OK when it was not. */
	enum rrchain_reason membership_reason;
	struct rrchain_error membership_error;
	char error[FETCH_ERRLEN];
	uint64_t started_ms, duration_ms;
	uint32_t min_ttl;        /* smallest TTL seen; 0 when none */
	struct fetch_dns_stats dns;
	struct rrchain_stats chain;
	size_t pages_fetched, pages_reused;
	size_t sites_queried, sites_failed;
	size_t sites_in_view;
	size_t files_written, files_unchanged, files_removed;
	size_t would_write;      /* dry run: files that differ */
	size_t would_remove;     /* dry run: files that would be removed */
	size_t notices;
	unsigned reloads;        /* reload command runs (0 or 1) */
	int reload_status;       /* its exit status, -1 when it failed */
	size_t keys_adopted, keys_discarded, keys_timeout, keys_installed;
	size_t keys_watch_errors;
	size_t expiring, expiring_severe; /* objects near expiry */
	/* The last good head, by its t=: age in seconds at opts.now (when
	 * there is one), and stale when older than max-head-age. */
	bool have_head_age, stale;
	uint64_t head_age;
	size_t added, updated, unchanged, kept, removed, dropped;
	/* the journal */
	size_t owed_at_start;    /* actions earlier runs left owed */
	size_t owed;             /* actions still owed as the refresh ends */
	bool reload_owed;        /* the restart failed: retried later */
	unsigned reload_attempts;
	size_t keys_pending;     /* hand-overs still waiting for secnet */
	uint64_t keys_next_deadline; /* the earliest of their deadlines */
	bool store_failed;       /* the store could not be written */
	bool state_saved;        /* the state changed and was written */
	unsigned checks;         /* secnet check runs */
	bool check_failed;       /* the candidate was refused */
};

/* Called once when the refresh has finished (outputs written, reload run,
 * peer-keys watches resolved).  REPORT is a JSON object describing the
 * refresh (counts, events, per-site status); the callee may keep a
 * reference (json_incref). */
typedef void (*fetch_refresh_cb)(const struct fetch_refresh_summary *sum,
				 json_t *report, void *arg);

struct fetch_refresh;

/*
 * Starts a refresh of ST with CFG on LOOP and sets *OUT to it (valid until
 * CB has run; CB may run before this returns).  CFG, ST and LOG must stay
 * valid until CB has run.  Returns 0, or -1 with ERR set (nothing
 * started, CB not called).
 */
int fetch_refresh_start(uv_loop_t *loop, const struct fetch_config *cfg,
			struct fetch_state *st, const struct fetch_log *log,
			const struct fetch_refresh_opts *opts,
			fetch_refresh_cb cb, void *arg,
			struct fetch_refresh **out, char *err, size_t errlen);

/* Stopping: stop waiting for secnet to adopt peer-keys updates (they are
 * installed as live files and the reload command runs instead), so the
 * refresh ends as soon as its DNS queries and writes have. */
void fetch_refresh_hurry(struct fetch_refresh *rf);

#endif
