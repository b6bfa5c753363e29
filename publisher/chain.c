/* chain.c - decoding and checking the chain of records. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "timefmt.h"

#define HEAD_PREFIX "_vpnrr."
#define MEMBER_INFIX ".m._vpnrr."

/* One membership that authorizes site records. */
struct auth {
	const struct pub_vrec *m;
	char zone[RR_MAX_NAME + 1];
	char chain[512];
};

struct ctx {
	const struct pub_rrset *s;
	const struct pub_chain_opts *o;
	struct pub_report *rep;
	struct auth *auth;
	size_t nauth;
};

static void __attribute__((format(printf, 3, 0)))
msg(char (*arr)[PUB_VMSGLEN], size_t *n, const char *fmt, va_list ap)
{
	if (*n >= PUB_VMSGS)
		return;
	vsnprintf(arr[*n], PUB_VMSGLEN, fmt, ap);
	(*n)++;
}

static void __attribute__((format(printf, 2, 3)))
bad(struct pub_vrec *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg(v->err, &v->nerr, fmt, ap);
	va_end(ap);
	v->status = PUB_V_INVALID;
}

static void __attribute__((format(printf, 2, 3)))
warn(struct pub_vrec *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg(v->warn, &v->nwarn, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3)))
global(struct pub_report *rep, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg(rep->err, &rep->nerr, fmt, ap);
	va_end(ap);
}

static void keyid(const uint8_t id[RR_KEYID_LEN], char out[17])
{
	rr_keyid_format(id, out);
}

/* ---- decoding ------------------------------------------------------------ */

static bool is_vpnrr_txt(const struct pub_rr *rr)
{
	return rr->len >= 3 && rr->rdata[0] >= 2 && rr->rdata[1] == 'v' &&
	       rr->rdata[2] == '=';
}

static void decode(struct pub_vrec *v)
{
	struct rr_error err;
	enum rr_errclass rc;

	if (v->rr->type == RR_TYPE_VPNRR)
		rc = rr_parse_bin(v->rr->rdata, v->rr->len, &v->r, &err);
	else
		rc = rr_parse_txt_rdata(v->rr->rdata, v->rr->len, &v->r, &err);
	if (rc != RR_OK) {
		bad(v, "cannot decode (%s): %s", rr_errclass_name(rc), err.msg);
		return;
	}
	v->parsed = true;
}

static int decode_all(const struct pub_rrset *s, struct pub_report *rep,
		      struct pub_err *e)
{
	rep->v = calloc(s->n ? s->n : 1, sizeof(*rep->v));
	if (!rep->v)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "verify",
				"out of memory");
	for (size_t i = 0; i < s->n; i++) {
		const struct pub_rr *rr = &s->v[i];
		struct pub_vrec *v;
		if (rr->type == 16 && !is_vpnrr_txt(rr))
			continue; /* another TXT record (SPF, ...) */
		v = &rep->v[rep->n++];
		v->rr = rr;
		decode(v);
	}
	return 0;
}

/* ---- common checks ------------------------------------------------------- */

static void times(struct ctx *c, struct pub_vrec *v)
{
	char t[PUB_TIMESTRLEN];
	uint64_t now = c->o->now;

	pub_time_format(v->r.expires, t);
	if (now >= v->r.expires)
		bad(v, "expired at %s", t);
	else if (now < v->r.not_before)
		bad(v, "not valid before %s", t);
	else if (v->r.expires - now < c->o->warn_within)
		warn(v, "expires soon: at %s (in %" PRIu64 " hours)", t,
		     (v->r.expires - now) / 3600);
}

static void verify_sig(struct ctx *c, struct pub_vrec *v, const char *vpn,
		       const char *site, const struct rr_pubkey *keys,
		       size_t nkeys)
{
	struct rr_expect ex = { v->rr->owner, vpn, site, v->r.kind, c->o->now };
	struct rr_error err;
	enum rr_errclass rc;

	if (nkeys == 0) {
		bad(v, "no key to check the signature with (give --anchor)");
		return;
	}
	/* Signature and names first; the validity period is reported by
	 * times() with the expiry warnings. */
	ex.now = v->r.not_before;
	rc = rr_verify(&v->r, &ex, keys, nkeys, &err);
	if (rc != RR_OK) {
		bad(v, "%s: %s", rr_errclass_name(rc), err.msg);
		return;
	}
	v->signed_ok = true;
	times(c, v);
}

static const char *head_zone(const char *owner)
{
	return strncmp(owner, HEAD_PREFIX, strlen(HEAD_PREFIX)) == 0
		       ? owner + strlen(HEAD_PREFIX) : NULL;
}

static const char *member_zone(const char *owner)
{
	const char *p = strstr(owner, MEMBER_INFIX);
	return p ? p + strlen(MEMBER_INFIX) : NULL;
}

static size_t vrecs_at(const struct pub_report *rep, const char *owner,
		       uint16_t type, struct pub_vrec **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < rep->n; i++) {
		struct pub_vrec *v = &rep->v[i];
		if (v->rr->type == type && strcmp(v->rr->owner, owner) == 0) {
			if (n < max)
				out[n] = v;
			n++;
		}
	}
	return n;
}

static bool same_content(const struct rr_record *a, const struct rr_record *b);

static int add_auth(struct ctx *c, const struct pub_vrec *m,
		    const char *zone, const char *chain)
{
	struct auth *na;

	/* The TXT and binary copies of one head list the same entries. */
	for (size_t i = 0; i < c->nauth; i++)
		if (strcmp(c->auth[i].zone, zone) == 0 &&
		    same_content(&c->auth[i].m->r, &m->r))
			return 0;
	na = realloc(c->auth, (c->nauth + 1) * sizeof(*na));

	if (!na)
		return -1;
	c->auth = na;
	na = &c->auth[c->nauth++];
	na->m = m;
	snprintf(na->zone, sizeof(na->zone), "%s", zone);
	snprintf(na->chain, sizeof(na->chain), "%s", chain);
	return 0;
}

/* ---- heads and pages ----------------------------------------------------- */

static void page_entries(struct ctx *c, struct pub_vrec *head,
			 struct pub_vrec **ents, size_t n, size_t page,
			 bool use, const char *zone)
{
	char chain[512];

	snprintf(chain, sizeof(chain), "%.400s -> head s=%" PRIu32 " -> page %zu",
		 head->chain, head->r.serial, page + 1);
	for (size_t i = 0; i < n; i++) {
		struct pub_vrec *m = ents[i];
		m->in_page = true;
		m->signed_ok = true;
		snprintf(m->chain, sizeof(m->chain), "%s", chain);
		if (strcmp(m->r.vpn, head->r.vpn) != 0)
			bad(m, "entry for VPN %s in a page of VPN %s", m->r.vpn,
			    head->r.vpn);
		times(c, m);
		if (use && m->status != PUB_V_INVALID &&
		    add_auth(c, m, zone, chain) != 0)
			bad(m, "out of memory");
	}
}

/* Checks one page RRset of one type against the head's hash. */
static bool page_type(struct ctx *c, struct pub_vrec *head, size_t p,
		      const char *owner, uint16_t type, bool use,
		      const char *zone, size_t *count)
{
	struct pub_vrec *ents[RR_MAX_PAGE_MEMBERS + 1];
	const struct rr_record *recs[RR_MAX_PAGE_MEMBERS];
	uint8_t h[RR_HASH_LEN];
	struct rr_error err;
	size_t n = vrecs_at(c->rep, owner, type, ents, RR_MAX_PAGE_MEMBERS + 1);

	if (n == 0)
		return false;
	if (n > RR_MAX_PAGE_MEMBERS) {
		bad(head, "page %zu (%s) has more than %d entries", p + 1,
		    owner, RR_MAX_PAGE_MEMBERS);
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		if (!ents[i]->parsed) {
			bad(head, "page %zu (%s): an entry does not decode",
			    p + 1, owner);
			return true;
		}
		recs[i] = &ents[i]->r;
	}
	if (rr_page_hash(recs, n, h, &err) != RR_OK) {
		bad(head, "page %zu (%s): %s", p + 1, owner, err.msg);
		for (size_t i = 0; i < n; i++)
			bad(ents[i], "%s", err.msg);
		return true;
	}
	if (memcmp(h, head->r.pages[p], RR_HASH_LEN) != 0) {
		bad(head, "page %zu (%s, %s): content does not match the "
		    "head's hash (altered, or pages of another version)",
		    p + 1, owner, type == 16 ? "TXT" : "TYPE65380");
		for (size_t i = 0; i < n; i++)
			bad(ents[i], "page content does not match the hash "
			    "in head %s", head->rr->owner);
		return true;
	}
	page_entries(c, head, ents, n, p, use, zone);
	if (use)
		*count += n;
	return true;
}

static void check_head(struct ctx *c, struct pub_vrec *h)
{
	const char *zone = head_zone(h->rr->owner);
	char id[17], owner[RR_MAX_NAME + 1];
	struct rr_error err;
	size_t count = 0;
	bool all = true;

	if (!zone) {
		bad(h, "a head belongs at " HEAD_PREFIX "ZONE");
		return;
	}
	verify_sig(c, h, NULL, NULL, c->o->anchors, c->o->nanchors);
	if (!h->signed_ok)
		return;
	keyid(h->r.sigkeyid, id);
	snprintf(h->chain, sizeof(h->chain), "anchor %s", id);
	for (size_t p = 0; p < h->r.npages; p++) {
		bool txt, bin;
		if (rr_name_page(zone, h->r.pages[p], owner, &err) != RR_OK) {
			bad(h, "%s", err.msg);
			continue;
		}
		txt = page_type(c, h, p, owner, 16, true, zone, &count);
		bin = page_type(c, h, p, owner, RR_TYPE_VPNRR, !txt, zone,
				&count);
		if (txt || bin)
			continue;
		all = false;
		if (c->o->partial)
			warn(h, "page %zu (%s) not in the input: its members "
			     "are not checked", p + 1, owner);
		else
			bad(h, "page %zu (%s) is missing", p + 1, owner);
	}
	if (all && count != h->r.nmembers)
		bad(h, "n=%" PRIu32 " but the pages hold %zu members",
		    h->r.nmembers, count);
}

/* ---- members ----------------------------------------------------------- */

static const struct auth *find_auth(const struct ctx *c, const char *vpn,
				    const char *site, const char *zone)
{
	for (size_t i = 0; i < c->nauth; i++) {
		const struct rr_record *m = &c->auth[i].m->r;
		if (strcmp(m->vpn, vpn) == 0 && strcmp(m->site, site) == 0 &&
		    (!zone || strcmp(c->auth[i].zone, zone) == 0))
			return &c->auth[i];
	}
	return NULL;
}

static bool zone_has_head(const struct ctx *c, const char *zone)
{
	for (size_t i = 0; i < c->rep->n; i++) {
		const struct pub_vrec *v = &c->rep->v[i];
		if (v->parsed && v->r.kind == RR_KIND_HEAD && v->signed_ok &&
		    strcmp(head_zone(v->rr->owner) ? head_zone(v->rr->owner)
						    : "", zone) == 0)
			return true;
	}
	return false;
}

/* The signed record without sk= and sig= must equal the page entry. */
static bool same_content(const struct rr_record *a, const struct rr_record *b)
{
	size_t na = a->nfields, nb = b->nfields;

	while (na && (!strcmp(a->fields[na - 1].tag, "sig") ||
		      !strcmp(a->fields[na - 1].tag, "sk")))
		na--;
	while (nb && (!strcmp(b->fields[nb - 1].tag, "sig") ||
		      !strcmp(b->fields[nb - 1].tag, "sk")))
		nb--;
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a->fields[i].tag, b->fields[i].tag) ||
		    a->fields[i].len != b->fields[i].len ||
		    memcmp(a->fields[i].val, b->fields[i].val, a->fields[i].len))
			return false;
	return true;
}

static void check_member(struct ctx *c, struct pub_vrec *m)
{
	const char *zone = member_zone(m->rr->owner);
	char want[RR_MAX_NAME + 1], id[17], chain[512];
	const struct auth *a;
	struct rr_error err;

	if (!m->r.has_sig) {
		if (!m->in_page && c->o->partial)
			warn(m, "unsigned page entry: not checked (the head "
			     "that lists its page is not in the input)");
		else if (!m->in_page)
			bad(m, "unsigned member entry not listed by any head");
		return;
	}
	if (!zone) {
		bad(m, "member records belong at SITE.LOCATION" MEMBER_INFIX
		    "ZONE");
		return;
	}
	if (rr_name_member(zone, m->r.site, want, &err) != RR_OK ||
	    strcmp(want, m->rr->owner) != 0) {
		bad(m, "the member record of %s belongs at %s", m->r.site, want);
		return;
	}
	verify_sig(c, m, NULL, m->r.site, c->o->anchors, c->o->nanchors);
	if (!m->signed_ok)
		return;
	keyid(m->r.sigkeyid, id);
	if (zone_has_head(c, zone)) {
		a = find_auth(c, m->r.vpn, m->r.site, zone);
		if (!a) {
			bad(m, "not listed in the head's pages (withdrawn?)");
			return;
		}
		if (!same_content(&a->m->r, &m->r))
			bad(m, "differs from the entry in the head's pages");
		snprintf(m->chain, sizeof(m->chain), "%.400s (signed by anchor "
			 "%s)", a->chain, id);
		return;
	}
	snprintf(chain, sizeof(chain), "anchor %s -> member record", id);
	snprintf(m->chain, sizeof(m->chain), "%s", chain);
	if (m->status != PUB_V_INVALID && add_auth(c, m, zone, chain) != 0)
		bad(m, "out of memory");
}

static void member_overlaps(struct ctx *c)
{
	char p[RR_PREFIXSTRLEN], q[RR_PREFIXSTRLEN];

	for (size_t i = 0; i < c->nauth; i++)
		for (size_t j = i + 1; j < c->nauth; j++) {
			const struct rr_record *a = &c->auth[i].m->r;
			struct pub_vrec *bv = (struct pub_vrec *)c->auth[j].m;
			const struct rr_record *b = &bv->r;
			if (strcmp(c->auth[i].zone, c->auth[j].zone) != 0)
				continue;
			if (pub_streq_nocase(a->site, b->site)) {
				bad(bv, "site name %s appears twice", b->site);
				continue;
			}
			for (size_t x = 0; x < a->nnets; x++)
				for (size_t y = 0; y < b->nnets; y++) {
					if (!rr_prefix_overlap(&a->nets[x],
							       &b->nets[y]))
						continue;
					rr_prefix_format(&a->nets[x], p);
					rr_prefix_format(&b->nets[y], q);
					bad(bv, "network %s overlaps %s of %s",
					    q, p, a->site);
				}
		}
}

/* ---- site records -------------------------------------------------------- */

static void check_site(struct ctx *c, struct pub_vrec *s)
{
	const struct auth *a = find_auth(c, s->r.vpn, s->r.site, c->o->zone);
	const struct rr_record *m;
	char id[17], p[RR_PREFIXSTRLEN];
	size_t badi = 0;
	bool ptp_in = false;

	if (!a) {
		bad(s, "no membership for %s in VPN %s found (give the VPN "
		    "zone, or --zone with --server)", s->r.site, s->r.vpn);
		return;
	}
	m = &a->m->r;
	if (!pub_streq_nocase(m->at, s->rr->owner)) {
		bad(s, "published at %s, but its membership says %s",
		    s->rr->owner, m->at);
		return;
	}
	verify_sig(c, s, m->vpn, m->site, m->rkeys, m->nrkeys);
	if (!s->signed_ok)
		return;
	keyid(s->r.sigkeyid, id);
	snprintf(s->chain, sizeof(s->chain), "%.440s -> site key %s",
		 a->chain, id);
	if (!rr_prefixes_within(m->nets, m->nnets, s->r.nets, s->r.nnets,
				&badi)) {
		rr_prefix_format(&s->r.nets[badi], p);
		bad(s, "network %s is outside its membership", p);
	}
	for (size_t i = 0; i < s->r.nnets; i++)
		ptp_in = ptp_in || rr_prefix_contains_addr(&s->r.nets[i],
							   &s->r.ptp);
	if (!ptp_in)
		bad(s, "point-to-point address is outside the site's networks");
	if (m->expires - c->o->now < c->o->warn_within && m->expires > c->o->now)
		warn(s, "its membership expires soon");
}

/* A member whose site record is absent: an error when something else
 * sits at its name (a damaged record is not a vpnrr record any more), a
 * warning when the chain was fetched and nothing is there. */
static void missing_sites(struct ctx *c)
{
	for (size_t i = 0; i < c->nauth; i++) {
		struct pub_vrec *m = (struct pub_vrec *)c->auth[i].m;
		bool found = false;
		for (size_t j = 0; j < c->rep->n && !found; j++) {
			const struct pub_vrec *v = &c->rep->v[j];
			found = pub_streq_nocase(v->rr->owner, m->r.at);
		}
		if (found)
			continue;
		if (pub_rrset_has_owner(c->s, m->r.at))
			bad(m, "the records at %s include no vpnrr site record "
			    "(damaged?)", m->r.at);
		else if (c->o->fetched)
			warn(m, "no site record published at %s", m->r.at);
	}
}

/* ---- consistency --------------------------------------------------------- */

static void same_owner_rules(struct ctx *c)
{
	for (size_t i = 0; i < c->rep->n; i++) {
		struct pub_vrec *a = &c->rep->v[i];
		if (!a->parsed || (a->r.kind == RR_KIND_MEMBER && !a->r.has_sig))
			continue;
		for (size_t j = i + 1; j < c->rep->n; j++) {
			struct pub_vrec *b = &c->rep->v[j];
			if (!b->parsed || strcmp(a->rr->owner, b->rr->owner))
				continue;
			if (b->r.kind == RR_KIND_MEMBER && !b->r.has_sig)
				continue;
			if (a->rr->type == b->rr->type)
				bad(b, "more than one record at %s",
				    b->rr->owner);
			else if (!same_content(&a->r, &b->r) ||
				 memcmp(a->r.sig, b->r.sig, RR_SIG_LEN))
				bad(b, "TXT and TYPE65380 records at %s "
				    "differ", b->rr->owner);
		}
	}
}

static void finish(struct pub_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		struct pub_vrec *v = &rep->v[i];
		if (v->status != PUB_V_INVALID && v->signed_ok)
			v->status = PUB_V_VALID;
		if (v->status == PUB_V_VALID)
			rep->nvalid++;
		else if (v->status == PUB_V_INVALID)
			rep->ninvalid++;
	}
	if (rep->n == 0)
		global(rep, "no vpnrr records in the input");
	if (rep->nvalid == 0 && rep->ninvalid == 0 && rep->n)
		global(rep, "nothing could be verified");
}

int pub_chain_check(const struct pub_rrset *s, const struct pub_chain_opts *o,
		    struct pub_report *rep, struct pub_err *e)
{
	struct ctx c = { s, o, rep, NULL, 0 };

	memset(rep, 0, sizeof(*rep));
	if (decode_all(s, rep, e) != 0)
		return -1;
	if (o->nanchors == 0)
		global(rep, "no trust anchor given (--anchor): signatures "
		       "cannot be checked");
	for (size_t i = 0; i < rep->n; i++)
		if (rep->v[i].parsed && rep->v[i].r.kind == RR_KIND_HEAD)
			check_head(&c, &rep->v[i]);
	for (size_t i = 0; i < rep->n; i++)
		if (rep->v[i].parsed && rep->v[i].r.kind == RR_KIND_MEMBER)
			check_member(&c, &rep->v[i]);
	member_overlaps(&c);
	for (size_t i = 0; i < rep->n; i++)
		if (rep->v[i].parsed && rep->v[i].r.kind == RR_KIND_SITE)
			check_site(&c, &rep->v[i]);
	missing_sites(&c);
	same_owner_rules(&c);
	finish(rep);
	free(c.auth);
	return 0;
}

void pub_report_free(struct pub_report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		rr_record_free(&rep->v[i].r);
	free(rep->v);
	memset(rep, 0, sizeof(*rep));
}

/* ---- names to fetch ------------------------------------------------------ */

struct names {
	char **v;
	size_t n;
	const struct pub_rrset *s;
};

static int want(struct names *nm, const char *name, struct pub_err *e)
{
	char **nv;

	if (!name[0] || pub_rrset_has_owner(nm->s, name))
		return 0;
	for (size_t i = 0; i < nm->n; i++)
		if (strcmp(nm->v[i], name) == 0)
			return 0;
	nv = realloc(nm->v, (nm->n + 1) * sizeof(*nv));
	if (!nv || !(nv[nm->n] = strdup(name))) {
		if (nv)
			nm->v = nv;
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "verify",
				"out of memory");
	}
	nm->v = nv;
	nm->n++;
	return 0;
}

static int names_of(struct names *nm, const struct rr_record *r,
		    const char *owner, const struct pub_chain_opts *o,
		    struct pub_err *e)
{
	char name[RR_MAX_NAME + 1];
	struct rr_error err;
	const char *zone = r->kind == RR_KIND_HEAD ? head_zone(owner)
			 : member_zone(owner) ? member_zone(owner) : o->zone;

	if (r->kind == RR_KIND_HEAD && zone) {
		for (size_t p = 0; p < r->npages; p++)
			if (rr_name_page(zone, r->pages[p], name, &err) == RR_OK &&
			    want(nm, name, e) != 0)
				return -1;
	}
	if (r->kind == RR_KIND_MEMBER && want(nm, r->at, e) != 0)
		return -1;
	if (r->kind != RR_KIND_HEAD && zone && !strstr(owner, ".p._vpnrr.") &&
	    rr_name_member(zone, r->site, name, &err) == RR_OK &&
	    want(nm, name, e) != 0)
		return -1;
	if (r->kind == RR_KIND_MEMBER && !r->has_sig && zone &&
	    rr_name_member(zone, r->site, name, &err) == RR_OK &&
	    want(nm, name, e) != 0)
		return -1;
	return 0;
}

int pub_chain_names(const struct pub_rrset *s, const struct pub_chain_opts *o,
		    char ***names, size_t *n, struct pub_err *e)
{
	struct names nm = { NULL, 0, s };
	char head[RR_MAX_NAME + 1];
	struct rr_error err;
	int rc = 0;

	if (o->zone && rr_name_head(o->zone, head, &err) == RR_OK)
		rc = want(&nm, head, e);
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		const struct pub_rr *rr = &s->v[i];
		struct rr_record r;
		enum rr_errclass pc;
		if (rr->type == 16 && !is_vpnrr_txt(rr))
			continue;
		pc = rr->type == 16 ? rr_parse_txt_rdata(rr->rdata, rr->len, &r,
							 &err)
				    : rr_parse_bin(rr->rdata, rr->len, &r, &err);
		if (pc != RR_OK)
			continue;
		if (r.kind == RR_KIND_MEMBER && !r.has_sig) {
			/* A page entry: its zone is the page's. */
			const char *pz = strstr(rr->owner, ".p._vpnrr.");
			if (pz && rr_name_member(pz + 10, r.site, head, &err) ==
					  RR_OK)
				rc = want(&nm, head, e);
			if (rc == 0)
				rc = want(&nm, r.at, e);
		} else {
			rc = names_of(&nm, &r, rr->owner, o, e);
		}
		rr_record_free(&r);
	}
	*names = nm.v;
	*n = nm.n;
	return rc;
}

void pub_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
