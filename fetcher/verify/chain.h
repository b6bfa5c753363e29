/*
 * chain.h - the fetcher's binding of the chain rules (rrchain.h): its
 * configuration as the rules' policy, secnet's consumer rules as the
 * site hook, and ldns answers as RDATA.
 *
 * The rules themselves, the reasons and the result types are the shared
 * library's (rr-format/chain), the same that "vpnrr verify" uses.  Like
 * it, everything here is a pure function and may run on libuv's pool.
 *
 * Flow of one refresh (the orchestrator, refresh.c), each rule under
 * FETCH_POLICY(cfg):
 *   head RRset   -> rrchain_verify_head    -> struct rrchain_head
 *   page RRsets  -> rrchain_verify_page    -> struct rrchain_page
 *   head + pages -> rrchain_verify_members -> struct rrchain_membership
 *   site RRsets  -> rrchain_verify_site    -> struct rrchain_site_result
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

/* The rules' policy for CFG, in POL (which points into CFG): its zone,
 * VPN, anchors and restrict-nets; with the secnet output configured,
 * secnet's own rules (secnet_rules.h) as the consumer hook.  Returns POL. */
const struct rrchain_policy *fetch_chain_policy(const struct fetch_config *cfg,
						struct rrchain_policy *pol);
/* The policy of CFG for one call: rrchain_verify_head(FETCH_POLICY(cfg),
 * ...).  The compound literal lives until the end of the block. */
#define FETCH_POLICY(cfg) fetch_chain_policy((cfg), &(struct rrchain_policy){ 0 })

/* Copies the RDATA of every RR in RRS (TXT and TYPE65380 as ldns holds
 * them) into a new array of blobs, *N entries; 0 or -1 (out of memory). */
int fetch_rdata_from_ldns(const ldns_rr_list *rrs, struct rrchain_blob **out,
			  size_t *n);

#endif
