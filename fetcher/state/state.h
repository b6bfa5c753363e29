/*
 * state.h - what vpnrr-fetch remembers: high-water marks and the last
 * good verified data, in the store (store.h, STATE-DIR/state.db), and the
 * view built on it.
 *
 * The state keeps the raw bytes that verified and what they verified as
 * (per site: the cache key over member entry and bytes, the validity
 * period).  At load every chain rule runs again with the current config
 * and time, so an anchor removed from the config or a record that
 * expired while the node was down takes effect at once; only the
 * signatures of bytes that still hash to what was verified are not
 * computed again (README.md here).  High-water marks are taken as
 * stored: they are what a rollback attack would have to lower.
 *
 * Not thread-safe: one owner (the loop thread).  The chain functions that
 * run on other threads get copies (fetch_state_site_cache) and return
 * results that fetch_state_merge takes in afterwards.
 */
#ifndef VPNRR_FETCH_STATE_H
#define VPNRR_FETCH_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain.h"
#include "config.h"
#include "rr.h"
#include "store.h"
#include "view.h"

#define FETCH_STATE_ERRLEN 512

/* The view (view.h): one entry per site that has a usable membership and
 * a valid site record, named "vpn/location/site", sorted by name.  Its
 * pointers stay valid until the next fetch_state_merge, fetch_state_load
 * or fetch_state_free. */
struct fetch_state; /* opaque */

/* What changed, for the log and the JSON output. */
enum fetch_event_kind {
	FETCH_EV_HEAD_NEW,     /* a newer head (membership) was installed */
	FETCH_EV_HEAD_REJECTED,/* a head offered to the merge was refused */
	FETCH_EV_HEAD_DROPPED, /* the last good head expired or no longer
				* verifies: every site record is dropped */
	FETCH_EV_MEMBER_REJECTED, /* an entry of a new head is unusable */
	FETCH_EV_SITE_ADDED,   /* a site entered the view */
	FETCH_EV_SITE_UPDATED, /* a site's record changed */
	FETCH_EV_SITE_KEPT,    /* no new record: last good kept (stale) */
	FETCH_EV_SITE_REMOVED, /* membership withdrawn: revocation */
	FETCH_EV_SITE_DROPPED, /* last good record expired, or no longer
				* valid under the current membership */
	/* anchor statements (SPEC.md 10.10); the event's name is
	 * "anchor KEYID" */
	FETCH_EV_ANCHOR_PENDING,  /* announced: the hold-down starts */
	FETCH_EV_ANCHOR_ADOPTED,  /* hold-down over: trusted */
	FETCH_EV_ANCHOR_RESET,    /* announcement gone: pending dropped */
	FETCH_EV_ANCHOR_RETIRED,  /* retired: never trusted again */
	FETCH_EV_ANCHOR_REJECTED, /* a statement that may not be acted on */
};
const char *fetch_event_kind_name(enum fetch_event_kind k);

struct fetch_event {
	enum fetch_event_kind kind;
	enum rrchain_reason reason;     /* why, for REJECTED and DROPPED */
	char name[RR_SITENAMELEN]; /* site, or "" for the head */
	char msg[FETCH_ERRLEN];
};

struct fetch_merge_report {
	struct fetch_event *events;   /* owned; fetch_merge_report_free */
	size_t nevents, cap;
	size_t events_lost;           /* not recorded: out of memory */
	size_t added, updated, unchanged, kept, removed, dropped;
	bool changed;                 /* the view differs from before */
	struct rrchain_stats stats; /* checks the merge itself ran */
};
void fetch_merge_report_free(struct fetch_merge_report *rep);

/* An empty state for DIR (copied).  0 or -1 with ERR. */
int fetch_state_new(const char *dir, struct fetch_state **out, char *err,
		    size_t errlen);
void fetch_state_free(struct fetch_state *st);

/*
 * Reads the state tables of STORE (borrowed; it must outlive ST) into ST
 * (which must be fresh from fetch_state_new) and rebuilds the last good
 * view by running the chain checks on the stored bytes with CFG and NOW
 * (signatures only where the bytes or the member entry changed);
 * what no longer verifies (expired, an anchor removed, a damaged row) is
 * dropped and reported in REP, and fetched again by the next refresh.
 * STORE may be NULL or empty (first run, or a read-only open of a missing
 * store).  A store written for another VPN or zone gives -1 and ERR.
 */
int fetch_state_load(struct fetch_state *st, struct fetch_store *store,
		     const struct fetch_config *cfg, uint64_t now,
		     struct fetch_merge_report *rep, char *err,
		     size_t errlen);

/*
 * Writes ST into its store, inside a transaction the caller opened
 * (fetch_store_begin), so that the owed actions that follow from this
 * state are committed with it.  Writes nothing when the store already
 * holds this state.  1 written, 0 unchanged, -1 with ERR.  After the
 * commit (or rollback) call fetch_state_staged.
 */
int fetch_state_stage(struct fetch_state *st, char *err, size_t errlen);
void fetch_state_staged(struct fetch_state *st, bool committed);
/* True when fetch_state_load found nothing stored (no high-water marks
 * to protect against rollback). */
bool fetch_state_empty(const struct fetch_state *st);
/* True when the store does not hold ST as it is now. */
bool fetch_state_dirty(const struct fetch_state *st);

/* Stage and commit in a transaction of its own, into STORE (which ST
 * then uses, as after fetch_state_load).  1, 0 or -1 as for stage. */
int fetch_state_save(struct fetch_state *st, struct fetch_store *store,
		     char *err, size_t errlen);

/* ---- inputs for a refresh ------------------------------------------------ */

/* The head's high-water mark; false when none was ever accepted. */
bool fetch_state_head_hw(const struct fetch_state *st, struct rrchain_hw *out);

/* The last good membership (to fetch sites by when the head fails), or
 * NULL. */
const struct rrchain_membership *fetch_state_membership(
	const struct fetch_state *st);

/* Copies what rrchain_verify_site needs about NAME into OUT (zeroed when the
 * site is unknown).  O(1): a hash table keyed by site name. */
void fetch_state_site_cache(const struct fetch_state *st, const char *name,
			    struct rrchain_site_cache *out);

/*
 * Takes in one refresh's results and rebuilds the view.
 *
 * FRESH: the membership verified in this refresh (rrchain_verify_head,
 * _page, _members), or NULL when the head or a page failed, or when the
 * head was the same as the last good one (rrchain_membership_same_head).
 * It is moved into the state (*FRESH is left empty) unless it is older
 * than the head's high-water mark.  With NULL the last good membership
 * stays until its head expires; then every site record goes (freeze).
 *
 * RESULTS: the sites that verified (rrchain_verify_site, run against the
 * membership that is current after this merge); each is moved in (left
 * empty).  A usable member with no result (DNS failed, record refused)
 * keeps its last good record while that record is still valid under the
 * current membership entry (same keys, owner, nets: verified again when
 * the entry changed) and neither record nor entry has expired.
 *
 * A member entry of a verified head that is unusable (expired, outside
 * restrict-nets, overlapping another, duplicate name) loses its site
 * record at once: the admin signed that entry, so it is the admin's
 * current word, not a failure to keep stale data over; the entry's
 * high-water mark is kept.  Sites whose names are not in the current
 * membership are removed (revocation); their high-water marks stay, so
 * that a re-admitted site cannot be fed its old records (SPEC.md 10.3).
 * High-water marks only move forward.
 *
 * Returns 0, or -1 (out of memory) with ERR; the state is then unchanged
 * except that FRESH and RESULTS have been consumed.
 */
int fetch_state_merge(struct fetch_state *st, const struct fetch_config *cfg,
		      uint64_t now, struct rrchain_membership *fresh,
		      struct rrchain_site_result *results, size_t nresults,
		      struct fetch_merge_report *rep, char *err,
		      size_t errlen);

const struct fetch_view *fetch_state_view(const struct fetch_state *st);

/* A hash of the view (names, member entries and site records): equal
 * views, equal digests. */
void fetch_state_view_digest(const struct fetch_state *st,
			     uint8_t out[RR_HASH_LEN]);

/* ---- trust anchors (SPEC.md 10.10) --------------------------------------- */

enum fetch_anchor_status {
	FETCH_ANCHOR_PENDING = 1, /* announced; waiting out the hold-down */
	FETCH_ANCHOR_ADOPTED,     /* trusted like a configured anchor */
	FETCH_ANCHOR_RETIRED,     /* never trusted again, configured or not */
};
const char *fetch_anchor_status_name(enum fetch_anchor_status s);

/* Keys a node keeps a row for: announced, adopted and retired ones. */
#define FETCH_MAX_ANCHOR_ROWS 64

struct fetch_anchor {
	struct rr_pubkey key;
	enum fetch_anchor_status status;
	/* pending: first seen (the hold-down ends at since + hold-down);
	 * adopted, retired: when that happened (Unix seconds) */
	uint64_t since;
	uint8_t signer[RR_KEYID_LEN]; /* who announced or retired it */
};

/* The rows, in the store's order; *N of them. */
const struct fetch_anchor *fetch_state_anchors(const struct fetch_state *st,
					       size_t *n);
/* The keys in STATUS (pending, retired), at most CAP, into OUT. */
size_t fetch_state_anchor_keys(const struct fetch_state *st,
			       enum fetch_anchor_status status,
			       struct rr_pubkey *out, size_t cap);

/* OUT becomes CFG (a shallow copy: never pass it to fetch_config_free)
 * with the anchors the node trusts now: the configured ones that are
 * not retired, then the adopted ones, at most FETCH_MAX_ANCHORS. */
void fetch_state_trust(const struct fetch_state *st,
		       const struct fetch_config *cfg,
		       struct fetch_config *out);

/*
 * Takes in the verdicts on the statements at _anchor._vpnrr.ZONE
 * (rrchain_verify_anchors under fetch_state_trust, with the pending and
 * retired keys).  Call it only when the lookup succeeded: a failed query
 * says nothing about what is published.  Retirements first; then each
 * announced key not yet known becomes pending (since NOW), and a pending
 * key announced at this refresh too is adopted once cfg's hold-down has
 * passed since it was first seen; a pending key not announced now is
 * dropped (its hold-down starts again).  Every change is an event in
 * REP, and every statement refused is an ANCHOR_REJECTED event.  0.
 */
int fetch_state_anchors_update(struct fetch_state *st,
			       const struct fetch_config *cfg, uint64_t now,
			       const struct rrchain_anchor_stmt *stmts,
			       size_t n, struct fetch_merge_report *rep);

/* When no anchor is trusted any more: the keys of announcements refused
 * for their retired signer, as "anchor ed25519:..." lines joined by
 * "; " in OUT (what the operator must configure after checking them out
 * of band).  Returns how many; 0 while some anchor is trusted. */
size_t fetch_state_anchor_advice(const struct fetch_state *st,
				 const struct fetch_config *cfg,
				 const struct rrchain_anchor_stmt *stmts,
				 size_t n, char *out, size_t len);

/* ---- expiry warnings ----------------------------------------------------- */

struct fetch_expiring {
	enum rr_kind kind;          /* head, member or site */
	char name[RR_MAX_NAME + 1]; /* head: its DNS name; else the site */
	uint64_t expires;
	bool severe;                /* report as an error, not a warning */
};

/*
 * Lists the head, the members and the site records of the view that
 * expire (and have not yet) within max(WINDOW_S, a quarter of their
 * validity period) after NOW, soonest first, in a new array (*OUT, *N;
 * free with free()); SEVERE when less than max(1 day, a sixteenth of
 * the period) remains (SPEC.md 10.5).  0 or -1 (out of memory).
 */
int fetch_state_expiring(const struct fetch_state *st, uint64_t now,
			 uint64_t window_s, struct fetch_expiring **out,
			 size_t *n);

#endif
