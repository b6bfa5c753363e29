/* example.c - signed records and views for the output tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "example.h"

#define SITE_OWNER_FMT "_vpnrr.%s.sites.example.net"

static void seed_key(struct rr_seckey *k, unsigned char fill)
{
	uint8_t seed[32];

	/* Fixed seeds: the signed records are the same on every run. */
	memset(seed, fill, sizeof(seed));
	k->alg = RR_SIGALG_ED25519;
	crypto_sign_seed_keypair(k->pub.key, k->sk, seed);
}

/* Round trip through the text form fills the key id. */
static int keys_init(struct rr_seckey *anchor, struct rr_seckey *site,
		     struct rr_error *e)
{
	char txt[RR_SECKEYSTRLEN];

	if (sodium_init() < 0)
		return -1;
	seed_key(anchor, 1);
	seed_key(site, 2);
	rr_seckey_format(anchor, txt);
	if (rr_seckey_parse(txt, anchor, e) != RR_OK)
		return -1;
	rr_seckey_format(site, txt);
	return rr_seckey_parse(txt, site, e) == RR_OK ? 0 : -1;
}

static int add(struct rr_record *r, const char *tag, const char *v,
	       struct rr_error *e)
{
	if (!v)
		return 0;
	if (rr_add(r, tag, v, e) != RR_OK) {
		rr_errprefix(e, "%s", tag);
		return -1;
	}
	return 0;
}

static int make_member(struct rr_record *m, const char *vpn,
		       const struct example_spec *s, const char *owner,
		       const struct rr_seckey *anchor,
		       const struct rr_seckey *sitekey, struct rr_error *e)
{
	char pk[RR_PUBKEYSTRLEN], mowner[RR_MAX_NAME + 1];
	char loc[64];
	const char *slash = strchr(s->site, '/');

	rr_pubkey_format(&sitekey->pub, pk);
	rr_record_init(m, RR_KIND_MEMBER);
	snprintf(loc, sizeof(loc), "%.*s", (int)(slash - s->site), s->site);
	snprintf(mowner, sizeof(mowner), "%s.%s.m._vpnrr.vpn.example.org",
		 slash + 1, loc);
	if (add(m, "vpn", vpn, e) || add(m, "site", s->site, e) ||
	    add(m, "s", "1", e) || add(m, "t", "1700000000", e) ||
	    add(m, "x", "1900000000", e) || add(m, "rk", pk, e) ||
	    add(m, "nets", s->member_nets ? s->member_nets : s->nets, e) ||
	    add(m, "at", owner, e) || add(m, "contact", "admin@example.org", e))
		return -1;
	return rr_sign(m, mowner, anchor, e) == RR_OK ? 0 : -1;
}

static int make_site(struct rr_record *r, const char *vpn,
		     const struct example_spec *s, const char *owner,
		     const struct rr_seckey *sitekey, struct rr_error *e)
{
	rr_record_init(r, RR_KIND_SITE);
	if (add(r, "vpn", vpn, e) || add(r, "site", s->site, e) ||
	    add(r, "s", "7", e) || add(r, "t", "1700000000", e) ||
	    add(r, "x", "1890000000", e) || add(r, "ep", s->ep, e) ||
	    add(r, "nets", s->nets, e) || add(r, "ptp", s->ptp, e) ||
	    add(r, "ks", s->ks, e) || add(r, "keys", s->keys, e))
		return -1;
	for (size_t i = 0; i + 1 < 8 && s->extra[i]; i += 2)
		if (add(r, s->extra[i], s->extra[i + 1], e))
			return -1;
	return rr_sign(r, owner, sitekey, e) == RR_OK ? 0 : -1;
}

static int cmp_site(const void *a, const void *b)
{
	return strcmp(((const struct fetch_site *)a)->name,
		      ((const struct fetch_site *)b)->name);
}

int example_build(struct example *ex, const char *vpn,
		  const struct example_spec *specs, size_t n, char *err,
		  size_t errlen)
{
	struct rr_seckey anchor, sitekey;
	struct rr_error e = { RR_OK, "" };
	char owner[RR_MAX_NAME + 1];

	memset(ex, 0, sizeof(*ex));
	ex->members = calloc(n + 1, sizeof(*ex->members));
	ex->records = calloc(n + 1, sizeof(*ex->records));
	ex->sites = calloc(n + 1, sizeof(*ex->sites));
	if (!ex->members || !ex->records || !ex->sites ||
	    keys_init(&anchor, &sitekey, &e) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const char *leaf = strchr(specs[i].site, '/') + 1;

		snprintf(owner, sizeof(owner), SITE_OWNER_FMT, leaf);
		ex->n = i + 1; /* both records of site i are initialised */
		if (make_member(&ex->members[i], vpn, &specs[i], owner,
				&anchor, &sitekey, &e) < 0 ||
		    make_site(&ex->records[i], vpn, &specs[i], owner, &sitekey,
			      &e) < 0) {
			rr_errprefix(&e, "%s", specs[i].site);
			goto fail;
		}
		snprintf(ex->sites[i].name, sizeof(ex->sites[i].name), "%s/%s",
			 vpn, specs[i].site);
		ex->sites[i].member = &ex->members[i];
		ex->sites[i].site = &ex->records[i];
	}
	qsort(ex->sites, n, sizeof(*ex->sites), cmp_site);
	snprintf(ex->view.vpn, sizeof(ex->view.vpn), "%s", vpn);
	ex->view.sites = ex->sites;
	ex->view.nsites = n;
	rr_seckey_wipe(&anchor);
	rr_seckey_wipe(&sitekey);
	return 0;
fail:
	snprintf(err, errlen, "%s", e.msg[0] ? e.msg : "out of memory");
	example_free(ex);
	return -1;
}

void example_free(struct example *ex)
{
	for (size_t i = 0; i < ex->n; i++) {
		rr_record_free(&ex->members[i]);
		rr_record_free(&ex->records[i]);
	}
	free(ex->members);
	free(ex->records);
	free(ex->sites);
	memset(ex, 0, sizeof(*ex));
}

char *example_rsa1_key(const char *group, const char *text)
{
	size_t tl = strlen(text);
	size_t bl =
		sodium_base64_ENCODED_LEN(tl, sodium_base64_VARIANT_ORIGINAL);
	size_t n = strlen(group) + 6 + bl;
	char *out = malloc(n);

	if (!out)
		return NULL;
	snprintf(out, n, "%s:rsa1:", group);
	sodium_bin2base64(out + strlen(out), bl, (const unsigned char *)text,
			  tl, sodium_base64_VARIANT_ORIGINAL);
	return out;
}

void example_applied_free(struct example_applied *res)
{
	fetch_owed_free(res->owed, res->nowed);
	memset(res, 0, sizeof(*res));
}

int example_apply(struct fetch_plan *plan,
		  struct example_applied *res, char *err, size_t errlen)
{
	struct fetch_apply_stats st = { 0, 0, 0 };
	size_t nwrites = 0;
	bool *done = NULL;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (fetch_apply_owe(plan, NULL, &res->owed, &res->nowed, err,
			    errlen) < 0)
		goto out;
	done = calloc(res->nowed + 1, sizeof(*done));
	if (!done) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (fetch_apply_files(res->owed, res->nowed, done, &st, err,
			      errlen) < 0)
		goto out;
	for (size_t i = 0; i < res->nowed; i++) {
		const struct fetch_owed *o = &res->owed[i];

		nwrites += o->kind == FETCH_OWED_WRITE;
		res->reload_needed |= o->kind == FETCH_OWED_RELOAD;
		if (o->kind != FETCH_OWED_KEYS || res->nupdates >= 16)
			continue;
		res->updates[res->nupdates].live_path = o->path;
		res->updates[res->nupdates].data = o->data;
		res->updates[res->nupdates++].len = o->len;
	}
	res->files_written = st.written;
	res->files_removed = st.removed;
	/* Each planned file owes at most one write. */
	res->files_unchanged = plan->nfiles - nwrites;
	rc = 0;
out:
	free(done);
	return rc;
}
