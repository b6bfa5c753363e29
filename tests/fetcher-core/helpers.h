/*
 * helpers.h - a simulated VPN for the fetcher-core tests: an admin who
 * publishes a head and pages, site owners who publish site records, and
 * the real refresh (fetcher/refresh/) run against them as its DNS source
 * (w_refresh).
 *
 * Keys come from fixed seeds so failures are reproducible.  Helpers
 * abort() on setup errors: those are bugs in the test, not results.
 */
#ifndef VPNRR_TEST_CORE_HELPERS_H
#define VPNRR_TEST_CORE_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "chain.h"
#include "config.h"
#include "refresh.h"
#include "rr.h"
#include "state.h"

#define T_START 1700000000ULL /* t= of everything */
#define T_NOW 1800000000ULL   /* "now" in most tests */
#define T_END 1900000000ULL   /* x= of everything by default */
#define T_VPN "example"
#define T_ZONE "vpn.example.org"

struct wsite {
	char name[RR_SITENAMELEN]; /* "location/site" */
	char at[RR_MAX_NAME + 1];
	struct rr_seckey key;
	char mnets[256];              /* member (authorized) nets */
	char snets[256];              /* site (announced) nets */
	uint32_t serial;
	uint64_t mx, sx;              /* member and site expiry */
	bool withdrawn;               /* not in the membership */
	bool fail;                    /* its DNS lookup fails */
	struct rrchain_blob rd;         /* what DNS serves at ->at */
};

struct wpage {
	uint8_t hash[RR_HASH_LEN];
	struct rrchain_blob *rrs;
	size_t n;
};

struct world {
	struct fetch_config cfg;
	struct rr_seckey anchor, anchor2, rogue;
	const struct rr_seckey *signer; /* of the head */
	struct wsite *s;
	size_t n;
	size_t per_page;
	uint32_t head_serial;
	uint64_t hx;
	bool head_fail;                 /* head lookup fails */
	bool binary;                    /* publish the binary form */
	int n_delta;                    /* added to the head's n= */
	struct rrchain_blob head;
	struct wpage *pages;
	size_t npages;
	size_t nmembers;                /* entries in the pages */
	uv_loop_t *loop;                /* during w_refresh */
};

void h_seckey(struct rr_seckey *k, uint32_t seed);
/* Config for T_VPN / T_ZONE trusting ANCHORS (strdup'd paths set). */
void h_config(struct fetch_config *cfg, const struct rr_pubkey *anchors,
	      size_t n);

/* Records as the publisher makes them; the caller frees (h_free). */
struct rr_record *h_member(const struct wsite *s);
struct rr_record *h_site(const struct wsite *s, const char *vpn);
void h_free(struct rr_record *r);
void h_blob(const struct rr_record *r, bool binary, struct rrchain_blob *out);

/* N sites "locL/sI" with nets 10.X.Y.0/24, one page per PER_PAGE. */
void w_init(struct world *w, size_t n, size_t per_page);
void w_free(struct world *w);
/* (Re)builds every published record from the world's fields. */
void w_publish(struct world *w);
/* Re-signs the head over the pages as they are (new head_serial, hx,
 * signer, n_delta) without touching pages or site records. */
void w_publish_head(struct world *w);
/* Re-signs and re-encodes one site record. */
void w_publish_site(struct world *w, size_t i);
struct wsite *w_site(struct world *w, const char *name);

/* How a server may hand out each page's RRset: the form the fetcher
 * saw decides nothing about what it stores (one binary entry per
 * member), so every form must save and load back the same. */
enum wform {
	W_TXT,         /* TXT only */
	W_BIN,         /* TYPE65380 only */
	W_BOTH,        /* every entry in both encodings */
	W_TXT_RESPLIT, /* TXT, plus each entry again split at other
			* string boundaries (a second RR to DNS) */
	W_MIXED,       /* page P in the form P % W_MIXED: all of them in
			* one membership */
};
/* Publishes W's pages again (same entries, same hashes), each RRset in
 * FORM; the head and site records are left as they are. */
void w_page_form(struct world *w, enum wform form);

/* One refresh of ST against the world at NOW: the real refresh (a dry
 * run, no outputs), with the world as its DNS source.  Returns the
 * membership's verdict (RRCHAIN_OK or why it was refused, in *HERR); the
 * merge's report in *REP, the fetches' checks in *STATS. */
enum rrchain_reason w_refresh(struct world *w, struct fetch_state *st,
			    uint64_t now, struct fetch_merge_report *rep,
			    struct rrchain_stats *stats,
			    struct rrchain_error *herr);

/* Owned copy of B. */
void h_blob_dup(const struct rrchain_blob *b, struct rrchain_blob *out);

/* The view's entry for "location/site", or NULL. */
const struct fetch_site *v_find(const struct fetch_state *st,
				const char *name);

/* Opens DIR's store for writing; aborts when it cannot. */
struct fetch_store *h_store(const char *dir);

/* A new temporary directory (mkdtemp under /tmp); rm_rf removes it. */
char *h_tmpdir(void);
void h_rm_rf(char *dir);

#endif
