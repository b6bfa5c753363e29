/* rrset.c - collected resource records. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "rrset.h"

int pub_rrset_add(struct pub_rrset *s, const char *owner, uint16_t type,
		  const uint8_t *rdata, size_t len, const char *src,
		  unsigned line, struct pub_err *e)
{
	struct pub_rr *r;
	char name[RR_MAX_NAME + 2];

	if (!pub_fmt(name, sizeof(name), "%s", owner))
		return pub_errf(e, PUB_EXIT_INVALID, src, line, "owner",
				"name too long");
	pub_name_canon(name);
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].type == type && s->v[i].len == len &&
		    strcmp(s->v[i].owner, name) == 0 &&
		    memcmp(s->v[i].rdata, rdata, len) == 0)
			return 0;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		struct pub_rr *nv = realloc(s->v, nc * sizeof(*nv));
		if (!nv)
			return pub_errf(e, PUB_EXIT_INTERNAL, src, line, "read",
					"out of memory");
		s->v = nv;
		s->cap = nc;
	}
	r = &s->v[s->n];
	memset(r, 0, sizeof(*r));
	r->rdata = malloc(len ? len : 1);
	if (!r->rdata)
		return pub_errf(e, PUB_EXIT_INTERNAL, src, line, "read",
				"out of memory");
	memcpy(r->rdata, rdata, len);
	r->len = len;
	r->type = type;
	r->line = line;
	memcpy(r->owner, name, strlen(name) + 1);
	if (!pub_fmt(r->src, sizeof(r->src), "%s", src))
		r->src[0] = '\0';
	s->n++;
	return 0;
}

static int keep(struct pub_rrset *s, const ldns_rr *rr, const char *src,
		unsigned line, struct pub_err *e)
{
	ldns_rr_type t = ldns_rr_get_type(rr);
	ldns_buffer *b = NULL;
	char *owner = NULL;
	int rc = -1;

	if (t != LDNS_RR_TYPE_TXT && t != RR_TYPE_VPNRR)
		return 0;
	b = ldns_buffer_new(1024);
	owner = ldns_rdf2str(ldns_rr_owner(rr));
	if (!b || !owner) {
		pub_errf(e, PUB_EXIT_INTERNAL, src, line, "read",
			 "out of memory");
		goto out;
	}
	if (ldns_rr_rdata2buffer_wire(b, rr) != LDNS_STATUS_OK) {
		pub_errf(e, PUB_EXIT_INVALID, src, line, "zone",
			 "cannot encode RDATA");
		goto out;
	}
	rc = pub_rrset_add(s, owner, (uint16_t)t, ldns_buffer_begin(b),
			   ldns_buffer_position(b), src, line, e);
out:
	free(owner);
	ldns_buffer_free(b);
	return rc;
}

static int read_fp(struct pub_rrset *s, FILE *fp, const char *name,
		   struct pub_err *e)
{
	ldns_rdf *origin = NULL, *prev = NULL;
	uint32_t ttl = 3600;
	int line = 0, rc = 0;

	while (rc == 0 && !feof(fp)) {
		ldns_rr *rr = NULL;
		int before = line;
		ldns_status st = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin,
						      &prev, &line);
		if (st == LDNS_STATUS_OK) {
			rc = keep(s, rr, name, (unsigned)line, e);
			ldns_rr_free(rr);
			continue;
		}
		if (st == LDNS_STATUS_SYNTAX_EMPTY ||
		    st == LDNS_STATUS_SYNTAX_TTL ||
		    st == LDNS_STATUS_SYNTAX_ORIGIN)
			continue;
		if (feof(fp) && line == before)
			break;
		rc = pub_errf(e, PUB_EXIT_INVALID, name, (unsigned)line,
			      "zone", "%s", ldns_get_errorstr_by_id(st));
	}
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	return rc;
}

int pub_rrset_read(struct pub_rrset *s, const char *path, struct pub_err *e)
{
	bool in = strcmp(path, "-") == 0;
	FILE *fp = in ? stdin : fopen(path, "r");
	int rc;

	if (!fp)
		return pub_errf(e, PUB_EXIT_IO, path, 0, "cannot open", "%s",
				strerror(errno));
	rc = read_fp(s, fp, in ? "standard input" : path, e);
	if (rc == 0 && ferror(fp))
		rc = pub_errf(e, PUB_EXIT_IO, path, 0, "read", "%s",
			      strerror(errno));
	if (!in)
		fclose(fp);
	return rc;
}

bool pub_rrset_has_owner(const struct pub_rrset *s, const char *owner)
{
	for (size_t i = 0; i < s->n; i++)
		if (pub_streq_nocase(s->v[i].owner, owner))
			return true;
	return false;
}

void pub_rrset_free(struct pub_rrset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].rdata);
	free(s->v);
	memset(s, 0, sizeof(*s));
}
