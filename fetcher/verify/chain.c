/*
 * chain.c - the fetcher's binding of the shared chain rules: policy from
 * the configuration, secnet's rules as the consumer hook, RDATA out of
 * ldns.  The rules are rr-format/chain's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "secnet_rules.h"
#include "wg_rules.h"

/* A hostile site owner can sign values that our grammar takes but that
 * stop secnet on every node. */
static enum rrchain_reason consumer_rules(void *arg,
					   const struct rr_record *member,
					   const struct rr_record *site,
					   char *msg, size_t msglen)
{
	const struct fetch_config *cfg = arg;
	char name[RR_NAMELEN + RR_SITENAMELEN + 1];
	enum fetch_secnet_verdict v;

	/* Both parts are bounded names: this fits. */
	(void)snprintf(name, sizeof(name), "%s/%s", cfg->vpn, member->site);
	/* Each configured consumer's rules: a value one of them cannot
	 * take keeps the whole record out (the site stays at its last good
	 * version), as every output renders one view. */
	if (cfg->out_secnet) {
		v = fetch_secnet_rules_check(name, site,
					     cfg->secnet_min_rsa_bits, msg,
					     msglen);
		if (v == FETCH_SECNET_NOMEM)
			return RRCHAIN_R_NOMEM;
		if (v != FETCH_SECNET_OK)
			return RRCHAIN_R_CONSUMER;
	}
	if ((cfg->out_wireguard || cfg->out_wg_quick) &&
	    !fetch_wg_rules_check(name, site, msg, msglen))
		return RRCHAIN_R_CONSUMER;
	return RRCHAIN_OK;
}

const struct rrchain_policy *fetch_chain_policy(const struct fetch_config *cfg,
						struct rrchain_policy *pol)
{
	*pol = (struct rrchain_policy){
		.zone = cfg->zone,
		.vpn = cfg->vpn,
		.anchors = cfg->anchors,
		.nanchors = cfg->nanchors,
		.restrict_nets = cfg->restrict_nets,
		.nrestrict = cfg->nrestrict,
		.consumer = cfg->out_secnet || cfg->out_wireguard ||
				    cfg->out_wg_quick
			    ? consumer_rules : NULL,
		.consumer_arg = (void *)cfg,
	};
	return pol;
}

/* ldns keeps each TXT character-string as one rdf with its length byte,
 * and an unknown type's RDATA as one rdf: concatenating the rdfs gives the
 * wire RDATA either way. */
static int rr_wire_rdata(const ldns_rr *rr, struct rrchain_blob *out)
{
	size_t len = 0, off = 0;

	for (size_t j = 0; j < ldns_rr_rd_count(rr); j++)
		len += ldns_rdf_size(ldns_rr_rdf(rr, j));
	out->type = (uint16_t)ldns_rr_get_type(rr);
	out->len = len;
	out->data = malloc(len ? len : 1);
	if (!out->data)
		return -1;
	for (size_t j = 0; j < ldns_rr_rd_count(rr); j++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, j);
		if (ldns_rdf_size(f))
			memcpy(out->data + off, ldns_rdf_data(f),
			       ldns_rdf_size(f));
		off += ldns_rdf_size(f);
	}
	return 0;
}

int fetch_rdata_from_ldns(const ldns_rr_list *rrs, struct rrchain_blob **out,
			  size_t *n)
{
	size_t count = rrs ? ldns_rr_list_rr_count(rrs) : 0;
	struct rrchain_blob *b = calloc(count ? count : 1, sizeof(*b));

	*out = NULL;
	*n = 0;
	if (!b)
		return -1;
	for (size_t i = 0; i < count; i++)
		if (rr_wire_rdata(ldns_rr_list_rr(rrs, i), &b[i]) != 0) {
			rrchain_blobs_free(b, i);
			return -1;
		}
	*out = b;
	*n = count;
	return 0;
}
