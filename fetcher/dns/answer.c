/*
 * answer.c - what an accepted answer means for its query (engine.h):
 * the rcode, TC, and the walk along CNAMEs to the RRs asked for.
 */
#include <stdlib.h>

#include "engine.h"
#include "wire.h"

typedef struct fetch_dns_query query_t;

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Moves q->cur to CNAME's target.  Returns -1 after finishing Q. */
static int follow(query_t *q, const ldns_rr *cname)
{
	const ldns_rdf *target = ldns_rr_rdf(cname, 0);
	char *tname;
	ldns_rdf *copy;

	if (!target || ldns_rdf_get_type(target) != LDNS_RDF_TYPE_DNAME) {
		fetch_dns_seterr(q, "CNAME without a target name");
		fetch_dns_finish(q, FETCH_DNS_RCODE, NULL, 0, 0);
		return -1;
	}
	for (size_t i = 0; i < q->nseen; i++) {
		if (ldns_dname_compare(q->seen[i], target) != 0)
			continue;
		tname = ldns_rdf2str(target);
		fetch_dns_seterr(q, "CNAME loop back to %s",
			     tname ? tname : "an earlier name");
		free(tname);
		fetch_dns_finish(q, FETCH_DNS_CNAME_LOOP, NULL, 0, 0);
		return -1;
	}
	/* seen[] holds the first name plus one per CNAME followed. */
	if (q->nseen > q->d->cfg.max_cname) {
		fetch_dns_seterr(q, "more than %u CNAMEs", q->d->cfg.max_cname);
		fetch_dns_finish(q, FETCH_DNS_CNAME_LOOP, NULL, 0, 0);
		return -1;
	}
	copy = ldns_rdf_clone(target);
	if (!copy) {
		fetch_dns_seterr(q, "out of memory following CNAME");
		fetch_dns_finish(q, FETCH_DNS_NETWORK, NULL, 0, 0);
		return -1;
	}
	q->seen[q->nseen++] = copy;
	q->cur = copy;
	q->cname_ttl = min_u32(q->cname_ttl, ldns_rr_ttl(cname));
	q->d->st.cname_followed++;
	return 0;
}

/* RFC 2308, and never longer than a CNAME that led there. */
static uint32_t negative_ttl(const query_t *q, const ldns_pkt *pkt)
{
	uint32_t ttl;

	if (!fetch_dns_wire_negative_ttl(pkt, &ttl))
		return 0;
	return min_u32(q->cname_ttl, ttl);
}

/* NOERROR or NXDOMAIN: walk the answer section from q->cur. */
static void resolve(query_t *q, const ldns_pkt *pkt, ldns_pkt_rcode rcode)
{
	struct fetch_dns_rdata *rdata;
	bool moved = false;
	size_t n;
	uint32_t ttl;

	for (;;) {
		const ldns_rr *cname;

		ttl = q->cname_ttl;
		if (fetch_dns_wire_collect(pkt, q->cur, q->type, &rdata, &n,
					   &ttl) != 0) {
			fetch_dns_seterr(q, "out of memory");
			fetch_dns_finish(q, FETCH_DNS_NETWORK, NULL, 0, 0);
			return;
		}
		if (n > 0) {
			fetch_dns_finish(q, FETCH_DNS_OK, rdata, n, ttl);
			free(rdata);
			return;
		}
		if (q->type == LDNS_RR_TYPE_CNAME)
			break;
		cname = fetch_dns_wire_cname(pkt, q->cur);
		if (!cname)
			break;
		if (follow(q, cname) < 0)
			return;
		moved = true;
	}
	if (rcode == LDNS_RCODE_NXDOMAIN) {
		fetch_dns_seterr(q, "no such name");
		fetch_dns_finish(q, FETCH_DNS_NXDOMAIN, NULL, 0,
				 negative_ttl(q, pkt));
	} else if (moved && !fetch_dns_wire_has_soa(pkt)) {
		fetch_dns_requery(q);
	} else {
		fetch_dns_seterr(q, "no RRs of this type");
		fetch_dns_finish(q, FETCH_DNS_NODATA, NULL, 0,
				 negative_ttl(q, pkt));
	}
}

/* An accepted answer: its rcode decides what happens next. */
static void handle_answer(query_t *q, const ldns_pkt *pkt, bool via_tcp)
{
	ldns_pkt_rcode rcode = ldns_pkt_get_rcode(pkt);
	const ldns_lookup_table *rname;

	q->d->st.answered++;
	q->last_rcode = (int)rcode;
	q->last_tcp = via_tcp;
	if (!via_tcp && ldns_pkt_tc(pkt)) {
		q->d->st.truncated++;
		fetch_dns_switch_to_tcp(q);
		return;
	}
	switch (rcode) {
	case LDNS_RCODE_NOERROR:
	case LDNS_RCODE_NXDOMAIN:
		resolve(q, pkt, rcode);
		break;
	case LDNS_RCODE_SERVFAIL:
		fetch_dns_try_error(q, FETCH_DNS_SERVFAIL, "SERVFAIL");
		break;
	case LDNS_RCODE_REFUSED:
		fetch_dns_try_error(q, FETCH_DNS_REFUSED, "REFUSED");
		break;
	default:
		rname = ldns_lookup_by_id(ldns_rcodes, (int)rcode);
		if (rname && rname->name)
			fetch_dns_try_error(q, FETCH_DNS_RCODE, "%s",
					    rname->name);
		else
			fetch_dns_try_error(q, FETCH_DNS_RCODE, "rcode %d",
					    (int)rcode);
		break;
	}
}

void fetch_dns_on_message(query_t *q, const uint8_t *data, size_t len,
			  bool via_tcp)
{
	struct fetch_dns_question qu = { q->cur, q->type, q->id };
	ldns_pkt *pkt = NULL;
	int why = fetch_dns_wire_check(data, len, &qu, &pkt);

	if (why >= 0) {
		fetch_dns_count_drop(q, (enum fetch_dns_drop)why);
		return;
	}
	handle_answer(q, pkt, via_tcp);
	ldns_pkt_free(pkt);
}

