/*
 * chain.h - the fetcher's binding of the chain rules (rrchain.h): its
 * configuration as the rules' policy, secnet's consumer rules as the
 * site hook, and ldns answers as RDATA.
 *
 * The rules themselves, the reasons and the result types are the shared
 * library's (rr-format/chain), the same that "vpnrr verify" uses.  Like
 * it, everything here is a pure function and may run on libuv's pool.
 *
 * Flow of one refresh (the orchestrator, refresh.c):
 *   head RRset   -> fetch_chain_head       -> struct rrchain_head
 *   page RRsets  -> fetch_chain_page       -> struct rrchain_page
 *   head + pages -> rrchain_verify_members -> struct rrchain_membership
 *   site RRsets  -> fetch_chain_site       -> struct rrchain_site_result
 *   all of it    -> fetch_state_merge (state.h) -> the new view
 */
#ifndef VPNRR_FETCH_CHAIN_H
#define VPNRR_FETCH_CHAIN_H

#include <ldns/ldns.h>

#include "config.h"
#include "rr.h"
#include "rrchain.h"

/* Error texts of the fetcher: as long as the rules' own. */
#define FETCH_ERRLEN RRCHAIN_ERRLEN

/* The rules' policy for CFG: its zone, VPN, anchors and restrict-nets;
 * with the secnet output configured, secnet's own rules
 * (secnet_rules.h) as the consumer hook.  POL points into CFG. */
void fetch_chain_policy(const struct fetch_config *cfg,
			struct rrchain_policy *pol);

/* rrchain_verify_head / _page / _site under fetch_chain_policy(CFG). */
enum rrchain_reason fetch_chain_head(const struct fetch_config *cfg,
				     const struct rrchain_rdata *rrs,
				     size_t n, uint64_t now,
				     const struct rrchain_hw *hw,
				     struct rrchain_head *out,
				     struct rrchain_stats *stats,
				     struct rrchain_error *err);
enum rrchain_reason fetch_chain_page(const struct fetch_config *cfg,
				     const uint8_t hash[RR_HASH_LEN],
				     const struct rrchain_rdata *rrs,
				     size_t n, uint64_t now,
				     struct rrchain_page *out,
				     struct rrchain_stats *stats,
				     struct rrchain_error *err);
enum rrchain_reason fetch_chain_site(const struct fetch_config *cfg,
				     const struct rr_record *member,
				     const struct rrchain_rdata *rrs,
				     size_t n, uint64_t now,
				     const struct rrchain_site_cache *cache,
				     struct rrchain_site_result *out,
				     struct rrchain_stats *stats,
				     struct rrchain_error *err);

/* Copies the RDATA of every RR in RRS (TXT and TYPE65380 as ldns holds
 * them) into a new array of blobs, *N entries; 0 or -1 (out of memory). */
int fetch_rdata_from_ldns(const ldns_rr_list *rrs, struct rrchain_blob **out,
			  size_t *n);

#endif
