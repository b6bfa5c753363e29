/* dnsq.c - live DNS queries through ldns. */
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <ldns/ldns.h>

#include "dnsq.h"

struct pub_dnsq {
	ldns_resolver *res;
	char server[128];
};

int pub_dnsq_open(struct pub_dnsq **q, const char *server, uint16_t port,
		  unsigned timeout_s, struct pub_err *e)
{
	struct pub_dnsq *d = calloc(1, sizeof(*d));
	ldns_rdf *addr = NULL;
	struct timeval tv = { (time_t)timeout_s, 0 };

	if (!d)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "resolver",
				"out of memory");
	snprintf(d->server, sizeof(d->server), "%s port %u", server,
		 (unsigned)port);
	addr = ldns_rdf_new_frm_str(strchr(server, ':') ? LDNS_RDF_TYPE_AAAA
							: LDNS_RDF_TYPE_A,
				    server);
	d->res = ldns_resolver_new();
	if (!addr || !d->res ||
	    ldns_resolver_push_nameserver(d->res, addr) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(addr);
		pub_dnsq_close(d);
		return pub_errf(e, PUB_EXIT_USAGE, NULL, 0, "--server",
				"%s: not an IP address", server);
	}
	ldns_rdf_deep_free(addr);
	ldns_resolver_set_port(d->res, port);
	ldns_resolver_set_recursive(d->res, false);
	ldns_resolver_set_fallback(d->res, true);
	ldns_resolver_set_edns_udp_size(d->res, 1232);
	ldns_resolver_set_timeout(d->res, tv);
	ldns_resolver_set_retry(d->res, 2);
	ldns_resolver_set_random(d->res, true);
	*q = d;
	return 0;
}

static int add_answers(struct pub_dnsq *q, const ldns_pkt *p,
		       const ldns_rdf *qname, uint16_t type,
		       struct pub_rrset *s, bool *found, struct pub_err *e)
{
	ldns_rr_list *ans = ldns_pkt_answer(p);
	ldns_buffer *b = ldns_buffer_new(1024);
	int rc = 0;

	if (!b)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "resolver",
				"out of memory");
	for (size_t i = 0; rc == 0 && i < ldns_rr_list_rr_count(ans); i++) {
		ldns_rr *rr = ldns_rr_list_rr(ans, i);
		char *owner;
		if (ldns_rr_get_type(rr) != type ||
		    ldns_dname_compare(ldns_rr_owner(rr), qname) != 0)
			continue;
		ldns_buffer_clear(b);
		owner = ldns_rdf2str(ldns_rr_owner(rr));
		if (!owner || ldns_rr_rdata2buffer_wire(b, rr) !=
				      LDNS_STATUS_OK) {
			free(owner);
			rc = pub_errf(e, PUB_EXIT_IO, q->server, 0, "answer",
				      "cannot decode an RR");
			break;
		}
		rc = pub_rrset_add(s, owner, type, ldns_buffer_begin(b),
				   ldns_buffer_position(b), q->server, 0, e);
		*found = true;
		free(owner);
	}
	ldns_buffer_free(b);
	return rc;
}

int pub_dnsq_fetch(struct pub_dnsq *q, const char *name, uint16_t type,
		   struct pub_rrset *s, bool *found, struct pub_err *e)
{
	ldns_rdf *qname = ldns_dname_new_frm_str(name);
	ldns_pkt *p = NULL;
	ldns_pkt_rcode rc;
	int ret = -1;

	*found = false;
	if (!qname)
		return pub_errf(e, PUB_EXIT_INVALID, name, 0, "query",
				"not a DNS name");
	p = ldns_resolver_query(q->res, qname, (ldns_rr_type)type,
				LDNS_RR_CLASS_IN, 0);
	if (!p) {
		pub_errf(e, PUB_EXIT_IO, q->server, 0, "query",
			 "%s type %u: no answer (server down or timeout)", name,
			 (unsigned)type);
		goto out;
	}
	rc = ldns_pkt_get_rcode(p);
	if (rc == LDNS_RCODE_NXDOMAIN) {
		ret = 0;
		goto out;
	}
	if (rc != LDNS_RCODE_NOERROR) {
		char *r = ldns_pkt_rcode2str(rc);
		pub_errf(e, PUB_EXIT_IO, q->server, 0, "query",
			 "%s type %u: %s", name, (unsigned)type,
			 r ? r : "error");
		free(r);
		goto out;
	}
	if (ldns_pkt_tc(p)) {
		pub_errf(e, PUB_EXIT_IO, q->server, 0, "query",
			 "%s: answer truncated even over TCP", name);
		goto out;
	}
	ret = add_answers(q, p, qname, type, s, found, e);
out:
	ldns_pkt_free(p);
	ldns_rdf_deep_free(qname);
	return ret;
}

void pub_dnsq_close(struct pub_dnsq *q)
{
	if (!q)
		return;
	if (q->res)
		ldns_resolver_deep_free(q->res);
	free(q);
}
