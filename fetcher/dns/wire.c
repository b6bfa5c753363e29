/* wire.c - DNS messages: the query, and checks on answers (see wire.h).
 * ldns encodes and decodes; nothing here keeps state or does I/O. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "wire.h"

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

void fetch_dns_type_name(uint16_t type, char out[FETCH_DNS_TYPENAMELEN])
{
	const ldns_rr_descriptor *desc = ldns_rr_descript(type);

	/* ldns names unknown types too; fall back to RFC 3597 form. */
	if (desc && desc->_name)
		snprintf(out, FETCH_DNS_TYPENAMELEN, "%s", desc->_name);
	else
		snprintf(out, FETCH_DNS_TYPENAMELEN, "TYPE%u", (unsigned)type);
}

int fetch_dns_wire_query(const struct fetch_dns_question *q, bool rd,
			 uint16_t edns_size, uint8_t **wire, size_t *len)
{
	ldns_pkt *pkt = ldns_pkt_new();
	ldns_rr *rr = ldns_rr_new();
	ldns_rdf *owner = ldns_rdf_clone(q->name);
	int rc = UV_ENOMEM;

	if (!pkt || !rr || !owner)
		goto out;
	ldns_rr_set_owner(rr, owner);
	owner = NULL;
	ldns_rr_set_question(rr, true);
	ldns_rr_set_type(rr, (ldns_rr_type)q->type);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	if (!ldns_pkt_push_rr(pkt, LDNS_SECTION_QUESTION, rr))
		goto out;
	rr = NULL;
	ldns_pkt_set_id(pkt, q->id);
	ldns_pkt_set_opcode(pkt, LDNS_PACKET_QUERY);
	ldns_pkt_set_rd(pkt, rd);
	/* A non-zero size is what makes ldns_pkt2wire emit the OPT RR. */
	if (edns_size)
		ldns_pkt_set_edns_udp_size(pkt, edns_size);
	if (ldns_pkt2wire(wire, pkt, len) != LDNS_STATUS_OK)
		goto out;
	rc = 0;
out:
	ldns_rdf_deep_free(owner);
	ldns_rr_free(rr);
	ldns_pkt_free(pkt);
	return rc;
}

/* The answer must be a response to exactly our question: returns -1,
 * or the enum fetch_dns_drop saying how it differs. */
static int question_mismatch(const struct fetch_dns_question *q,
			     const ldns_pkt *pkt)
{
	const ldns_rr_list *qs = ldns_pkt_question(pkt);
	const ldns_rr *rr;

	if (!ldns_pkt_qr(pkt) || ldns_pkt_get_opcode(pkt) != LDNS_PACKET_QUERY)
		return FETCH_DNS_DROP_WRONG_QUESTION;
	if (!qs || ldns_rr_list_rr_count(qs) != 1)
		return FETCH_DNS_DROP_WRONG_QUESTION;
	rr = ldns_rr_list_rr(qs, 0);
	if (!rr || ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
	    !ldns_rr_owner(rr) ||
	    ldns_dname_compare(ldns_rr_owner(rr), q->name) != 0)
		return FETCH_DNS_DROP_WRONG_QUESTION;
	if (ldns_rr_get_type(rr) != (ldns_rr_type)q->type)
		return FETCH_DNS_DROP_WRONG_TYPE;
	return -1;
}

/* ldns's reason for rejecting a message, as one of ours. */
static enum fetch_dns_drop parse_drop(ldns_status rc)
{
	/* ldns renames an overflow by the section it happened in. */
	if (rc == LDNS_STATUS_PACKET_OVERFLOW ||
	    rc == LDNS_STATUS_WIRE_INCOMPLETE_HEADER ||
	    rc == LDNS_STATUS_WIRE_INCOMPLETE_QUESTION ||
	    rc == LDNS_STATUS_WIRE_INCOMPLETE_ANSWER ||
	    rc == LDNS_STATUS_WIRE_INCOMPLETE_AUTHORITY ||
	    rc == LDNS_STATUS_WIRE_INCOMPLETE_ADDITIONAL)
		return FETCH_DNS_DROP_TRUNCATED;
	if (rc == LDNS_STATUS_INVALID_POINTER)
		return FETCH_DNS_DROP_BAD_POINTER;
	return FETCH_DNS_DROP_MALFORMED;
}

int fetch_dns_wire_check(const uint8_t *data, size_t len,
			 const struct fetch_dns_question *q, ldns_pkt **pkt)
{
	ldns_pkt *p = NULL;
	ldns_status prc;
	int why;

	*pkt = NULL;
	if (len < FETCH_DNS_HDR_LEN)
		return FETCH_DNS_DROP_MALFORMED;
	/* The ID first: a blind spoof is not worth parsing. */
	if ((uint16_t)((uint16_t)data[0] << 8 | data[1]) != q->id)
		return FETCH_DNS_DROP_WRONG_ID;
	prc = ldns_wire2pkt(&p, data, len);
	if (prc != LDNS_STATUS_OK)
		return parse_drop(prc);
	why = question_mismatch(q, p);
	if (why >= 0)
		ldns_pkt_free(p);
	else
		*pkt = p;
	return why;
}

static bool rr_at(const ldns_rr *rr, const ldns_rdf *name, uint16_t type)
{
	return ldns_rr_get_type(rr) == (ldns_rr_type)type &&
	       ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN &&
	       ldns_dname_compare(ldns_rr_owner(rr), name) == 0;
}

static size_t rdata_len(const ldns_rr *rr)
{
	size_t len = 0;

	for (size_t j = 0; j < ldns_rr_rd_count(rr); j++)
		len += ldns_rdf_size(ldns_rr_rdf(rr, j));
	return len;
}

/* ldns holds the RDATA as fields; the wire form is their concatenation
 * (names uncompressed). */
static uint8_t *rdata_copy(const ldns_rr *rr, uint8_t *to)
{
	for (size_t j = 0; j < ldns_rr_rd_count(rr); j++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, j);

		if (ldns_rdf_size(f))
			memcpy(to, ldns_rdf_data(f), ldns_rdf_size(f));
		to += ldns_rdf_size(f);
	}
	return to;
}

int fetch_dns_wire_collect(const ldns_pkt *pkt, const ldns_rdf *name,
			   uint16_t type, struct fetch_dns_rdata **out,
			   size_t *n, uint32_t *ttl)
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	size_t count = 0, bytes = 0, k = 0;
	struct fetch_dns_rdata *v;
	uint8_t *p;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);

		if (!rr_at(rr, name, type))
			continue;
		count++;
		bytes += rdata_len(rr);
	}
	if (count == 0)
		return 0;
	/* An answer is at most 64 KiB, so neither sum can overflow. */
	v = malloc(count * sizeof(*v) + bytes + 1);
	if (!v)
		return -1;
	p = (uint8_t *)(v + count);
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);

		if (!rr_at(rr, name, type))
			continue;
		v[k].type = type;
		v[k].ttl = ldns_rr_ttl(rr);
		v[k].data = p;
		v[k].len = rdata_len(rr);
		p = rdata_copy(rr, p);
		*ttl = min_u32(*ttl, v[k].ttl);
		k++;
	}
	*out = v;
	*n = count;
	return 0;
}

struct fetch_dns_rdata *fetch_dns_rdata_dup(const struct fetch_dns_rdata *rdata,
					    size_t n)
{
	struct fetch_dns_rdata *v;
	size_t bytes = 0;
	uint8_t *p;

	for (size_t i = 0; i < n; i++)
		bytes += rdata[i].len;
	/* The array, then the bytes: one free() releases both. */
	v = malloc(n * sizeof(*v) + bytes + 1);
	if (!v)
		return NULL;
	p = (uint8_t *)(v + n);
	for (size_t i = 0; i < n; i++) {
		v[i] = rdata[i];
		v[i].data = p;
		if (rdata[i].len)
			memcpy(p, rdata[i].data, rdata[i].len);
		p += rdata[i].len;
	}
	return v;
}

const ldns_rr *fetch_dns_wire_cname(const ldns_pkt *pkt, const ldns_rdf *name)
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);

	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);

		if (rr_at(rr, name, LDNS_RR_TYPE_CNAME))
			return rr;
	}
	return NULL;
}

bool fetch_dns_wire_negative_ttl(const ldns_pkt *pkt, uint32_t *ttl)
{
	const ldns_rr_list *ns = ldns_pkt_authority(pkt);

	for (size_t i = 0; i < ldns_rr_list_rr_count(ns); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ns, i);
		const ldns_rdf *min;

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA ||
		    ldns_rr_rd_count(rr) != 7)
			continue;
		min = ldns_rr_rdf(rr, 6);
		if (!min || ldns_rdf_size(min) != 4)
			continue;
		*ttl = min_u32(ldns_rr_ttl(rr), ldns_rdf2native_int32(min));
		return true;
	}
	return false;
}

bool fetch_dns_wire_has_soa(const ldns_pkt *pkt)
{
	const ldns_rr_list *ns = ldns_pkt_authority(pkt);

	for (size_t i = 0; i < ldns_rr_list_rr_count(ns); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(ns, i)) == LDNS_RR_TYPE_SOA)
			return true;
	return false;
}
