/* sitedesc.c - site description files -> site records. */
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sitedesc.h"

#define BAD(what, ...)                                                         \
	pub_errf(e, PUB_EXIT_INVALID, f->file, l->lineno, (what), __VA_ARGS__)

#define DEFAULT_LIFETIME (30 * 86400ULL)
#define CLOCK_SKEW 3600

static int once(const struct pub_lines *f, const struct pub_line *l,
		bool seen, struct pub_err *e)
{
	if (seen)
		return BAD(l->w[0], "given more than once");
	return 0;
}

static int kw_address(const struct pub_lines *f, const struct pub_line *l,
		      struct pub_site *s, struct pub_err *e)
{
	if (pub_line_args(f, l, 2, 2, e) != 0)
		return -1;
	if (s->neps >= RR_MAX_ENDPOINTS)
		return BAD(l->w[0], "more than %d addresses", RR_MAX_ENDPOINTS);
	if (pub_field_endpoint(f, l, l->w[1], l->w[2], s->eps[s->neps], e))
		return -1;
	for (size_t i = 0; i < s->neps; i++)
		if (strcmp(s->eps[i], s->eps[s->neps]) == 0)
			return BAD(l->w[0], "%s listed twice", s->eps[i]);
	s->neps++;
	s->line_ep = s->line_ep ? s->line_ep : l->lineno;
	return 0;
}

/* `wireguard HOST PORT' or `wireguard roaming' (wg=). */
static int kw_wireguard(const struct pub_lines *f, const struct pub_line *l,
			struct pub_site *s, struct pub_err *e)
{
	if (pub_line_args(f, l, 1, 2, e) != 0 || once(f, l, s->wg[0], e))
		return -1;
	s->line_wg = l->lineno;
	if (l->nw == 2) {
		if (strcmp(l->w[1], "roaming") != 0)
			return BAD(l->w[0], "%s: need HOST PORT or roaming",
				   l->w[1]);
		memcpy(s->wg, "roaming", sizeof("roaming"));
		return 0;
	}
	return pub_field_endpoint(f, l, l->w[1], l->w[2], s->wg, e);
}

static int kw_mobile(const struct pub_lines *f, const struct pub_line *l,
		     struct pub_site *s, struct pub_err *e)
{
	bool yes = true;

	if (pub_line_args(f, l, 0, 1, e) != 0)
		return -1;
	if (l->nw == 2) {
		const char *v = l->w[1];
		if (strchr("TtYy1", v[0]))
			yes = true;
		else if (strchr("FfNn0", v[0]))
			yes = false;
		else
			return BAD(l->w[0], "%s: need yes or no", v);
	}
	/* With addresses too, they are its last known ones (ep=mobile,...). */
	s->mobile = yes;
	s->line_ep = s->line_ep ? s->line_ep : l->lineno;
	return 0;
}

static int kw_peer(const struct pub_lines *f, const struct pub_line *l,
		   struct pub_site *s, struct pub_err *e)
{
	struct rr_error err;

	if (pub_line_args(f, l, 1, 1, e) != 0 || once(f, l, s->has_ptp, e))
		return -1;
	if (rr_addr_parse(l->w[1], &s->ptp, &err) != RR_OK)
		return BAD(l->w[0], "%s", err.msg);
	s->has_ptp = true;
	s->line_ptp = l->lineno;
	return 0;
}

static bool hex_word(const char *s)
{
	return *s && strspn(s, "0123456789abcdefABCDEF") == strlen(s);
}

static int kw_dh(const struct pub_lines *f, const struct pub_line *l,
		 struct pub_site *s, struct pub_err *e)
{
	if (pub_line_args(f, l, 2, 2, e) != 0 || once(f, l, s->dh[0], e))
		return -1;
	if (!hex_word(l->w[1]) || !hex_word(l->w[2]))
		return BAD(l->w[0], "need P and G in hexadecimal");
	if (!pub_fmt(s->dh, sizeof(s->dh), "%s %s", l->w[1], l->w[2]))
		return BAD(l->w[0], "longer than %d bytes", RR_MAX_TEXT);
	return 0;
}

static int kw_hash(const struct pub_lines *f, const struct pub_line *l,
		   struct pub_site *s, struct pub_err *e)
{
	const char *h;

	if (pub_line_args(f, l, 1, 1, e) != 0 || once(f, l, s->hash[0], e))
		return -1;
	h = l->w[1];
	if (strcmp(h, "md5") && strcmp(h, "sha1") && strcmp(h, "sha512"))
		return BAD(l->w[0], "%s: secnet knows md5, sha1 and sha512",
			   h);
	memcpy(s->hash, h, strlen(h) + 1);
	return 0;
}

static int kw_tag(const struct pub_lines *f, const struct pub_line *l,
		  struct pub_site *s, struct pub_err *e)
{
	const char *t = l->nw > 1 ? l->w[1] : "";
	size_t tl = strlen(t);

	if (pub_line_args(f, l, 2, PUB_MAX_WORDS, e) != 0)
		return -1;
	if (s->nextra >= PUB_MAX_EXTRA)
		return BAD(l->w[0], "more than %d extension tags",
			   PUB_MAX_EXTRA);
	if (tl == 0 || tl > RR_MAX_TAG ||
	    strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789-") != tl ||
	    !(t[0] >= 'a' && t[0] <= 'z'))
		return BAD(l->w[0], "%s: tags are a lower-case letter then "
			   "letters, digits or '-'", t);
	memcpy(s->extra_tag[s->nextra], t, tl + 1);
	if (!pub_fmt(s->extra_val[s->nextra], RR_MAX_TEXT + 1, "%s",
		     l->rest[2]))
		return BAD(l->w[0], "value longer than %d bytes", RR_MAX_TEXT);
	s->nextra++;
	return 0;
}

static int kw_peerkeys(const struct pub_lines *f, const struct pub_line *l,
		       const char *basedir, struct pub_site *s,
		       struct pub_err *e)
{
	char *path;
	int rc;

	if (pub_line_args(f, l, 1, 1, e) != 0)
		return -1;
	path = pub_path_join(basedir, l->w[1]);
	if (!path)
		return BAD(l->w[0], "out of memory");
	rc = pub_tkeys_peerkeys(&s->keys, path, e);
	free(path);
	if (rc == 0 && !s->line_keys)
		s->line_keys = l->lineno;
	return rc;
}

static int tunable(const struct pub_lines *f, const struct pub_line *l,
		   struct pub_site *s, struct pub_err *e)
{
	for (size_t i = 0; i < RR_NTUNABLES; i++) {
		if (strcmp(l->w[0], rr_tunables[i].tag) != 0)
			continue;
		if (once(f, l, s->tun[i] != 0, e) != 0)
			return -1;
		return pub_field_u32(f, l, 1, 0x7fffffff, &s->tun[i], e) ? -1
									   : 1;
	}
	return 0;
}

static int one_line(const struct pub_lines *f, const struct pub_line *l,
		    const char *basedir, struct pub_site *s,
		    struct pub_err *e)
{
	const char *kw = l->w[0];
	int r;

	if (strcmp(kw, "vpn") == 0)
		return pub_line_args(f, l, 1, 1, e) || once(f, l, s->vpn[0], e) ||
		       pub_field_name(f, l, 1, s->vpn, e) ? -1 : 0;
	if (strcmp(kw, "site") == 0)
		return pub_line_args(f, l, 1, 1, e) || once(f, l, s->site[0], e) ||
		       pub_field_sitename(f, l, 1, s->site, e) ? -1 : 0;
	if (strcmp(kw, "publish") == 0)
		return pub_line_args(f, l, 1, 1, e) ||
		       once(f, l, s->publish[0], e) ||
		       pub_field_dnsname(f, l, 1, s->publish, e) ? -1 : 0;
	if (strcmp(kw, "address") == 0)
		return kw_address(f, l, s, e);
	if (strcmp(kw, "mobile") == 0)
		return kw_mobile(f, l, s, e);
	if (strcmp(kw, "networks") == 0) {
		s->line_nets = s->line_nets ? s->line_nets : l->lineno;
		return pub_field_nets(f, l, s->nets, &s->nnets, e);
	}
	if (strcmp(kw, "gateway-networks") == 0) {
		s->line_gw = s->line_gw ? s->line_gw : l->lineno;
		return pub_field_nets(f, l, s->gw_nets, &s->ngw_nets, e);
	}
	if (strcmp(kw, "wireguard") == 0)
		return kw_wireguard(f, l, s, e);
	if (strcmp(kw, "peer") == 0)
		return kw_peer(f, l, s, e);
	if (strcmp(kw, "contact") == 0)
		return once(f, l, s->contact[0], e) ||
		       pub_field_text(f, l, s->contact, sizeof(s->contact), e);
	if (strcmp(kw, "dh") == 0)
		return kw_dh(f, l, s, e);
	if (strcmp(kw, "hash") == 0)
		return kw_hash(f, l, s, e);
	if (strcmp(kw, "lifetime") == 0)
		return once(f, l, s->lifetime || s->expires, e) ||
		       pub_field_duration(f, l, &s->lifetime, e);
	if (strcmp(kw, "expires") == 0)
		return once(f, l, s->lifetime || s->expires, e) ||
		       pub_field_time(f, l, &s->expires, e);
	if (strcmp(kw, "record-serial") == 0) {
		if (once(f, l, s->has_rserial, e) ||
		    pub_field_u32(f, l, 0, UINT32_MAX, &s->rserial, e))
			return -1;
		s->has_rserial = true;
		return 0;
	}
	if (strcmp(kw, "tag") == 0)
		return kw_tag(f, l, s, e);
	if (strcmp(kw, "peer-keys") == 0)
		return kw_peerkeys(f, l, basedir, s, e);
	r = tunable(f, l, s, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	r = pub_tkeys_line(&s->keys, f, l, e);
	if (r < 0)
		return -1;
	if (r > 0) {
		s->line_keys = s->line_keys ? s->line_keys : l->lineno;
		return 0;
	}
	return BAD(kw, "unknown keyword");
}

static int require(const struct pub_lines *f, bool ok, const char *kw,
		   const char *why, struct pub_err *e)
{
	if (ok)
		return 0;
	return pub_errf(e, PUB_EXIT_INVALID, f->file, 0, kw, "missing: %s",
			why);
}

static int check_whole(const struct pub_lines *f, const struct pub_site *s,
		       struct pub_err *e)
{
	if (require(f, s->vpn[0], "vpn", "the VPN's name", e) ||
	    require(f, s->site[0], "site", "LOCATION/SITE", e) ||
	    require(f, s->publish[0], "publish",
		    "the DNS name the site record is published at", e) ||
	    require(f, s->mobile || s->neps || s->wg[0], "address",
		    "an address (or mobile, or a wireguard line)", e) ||
	    require(f, s->nnets, "networks", "the site's networks", e) ||
	    require(f, s->has_ptp, "peer", "the point-to-point address", e) ||
	    require(f, s->keys.n, "pubkey", "at least one transport key "
		    "(pubkey, pub, key or peer-keys)", e))
		return -1;
	for (size_t i = 0; i < s->nnets; i++)
		if (rr_prefix_contains_addr(&s->nets[i], &s->ptp))
			return 0;
	return pub_errf(e, PUB_EXIT_INVALID, f->file, s->line_ptp, "peer",
			"the point-to-point address is not inside the "
			"site's networks");
}

int pub_site_parse(const struct pub_lines *f, const char *basedir,
		   struct pub_site *s, struct pub_err *e)
{
	memset(s, 0, sizeof(*s));
	if (!pub_fmt(s->file, sizeof(s->file), "%s", f->file))
		memcpy(s->file, "(description)", 14);
	for (size_t i = 0; i < f->n; i++)
		if (one_line(f, &f->v[i], basedir, s, e) != 0)
			goto fail;
	if (check_whole(f, s, e) != 0)
		goto fail;
	return 0;
fail:
	pub_site_free(s);
	return -1;
}

int pub_site_read(const char *path, struct pub_site *s, struct pub_err *e)
{
	struct pub_lines f;
	char *dcopy = strdup(path);
	int rc = -1;

	if (!dcopy)
		return pub_errf(e, PUB_EXIT_INTERNAL, path, 0, "read",
				"out of memory");
	if (pub_lines_read(path, &f, e) == 0) {
		rc = pub_site_parse(&f, strcmp(path, "-") ? dirname(dcopy) : ".",
				    s, e);
		pub_lines_free(&f);
	}
	free(dcopy);
	return rc;
}

/* rr_add with the description's file and line in the message. */
static int add(struct rr_record *r, const struct pub_site *s, unsigned line,
	       const char *tag, const char *val, struct pub_err *e)
{
	struct rr_error err;

	if (rr_add(r, tag, val, &err) == RR_OK)
		return 0;
	return pub_errf(e, PUB_EXIT_INVALID, s->file, line, tag, "%s",
			err.msg);
}

static int add_u64(struct rr_record *r, const struct pub_site *s,
		   const char *tag, uint64_t v, struct pub_err *e)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	return add(r, s, 0, tag, num, e);
}

static int add_eps(struct rr_record *r, const struct pub_site *s,
		   struct pub_err *e)
{
	char buf[RR_MAX_ENDPOINTS * (RR_ENDPOINTSTRLEN + 1) + 8] = "";
	size_t len = 0;

	/* A WireGuard-only site has no secnet address: to secnet it is a
	 * site that never answers, which mobile describes (ep= is
	 * required). */
	if (s->mobile || s->neps == 0)
		len = (size_t)snprintf(buf, sizeof(buf), "mobile");
	for (size_t i = 0; i < s->neps; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
					len ? "," : "", s->eps[i]);
	return add(r, s, s->line_ep, "ep", buf, e);
}

static int add_times(struct rr_record *r, const struct pub_site *s,
		     uint64_t now, struct pub_err *e)
{
	uint64_t t = now > CLOCK_SKEW ? now - CLOCK_SKEW : 0;
	uint64_t x = s->expires ? s->expires
				: now + (s->lifetime ? s->lifetime
						     : DEFAULT_LIFETIME);

	if (x <= now)
		return pub_errf(e, PUB_EXIT_INVALID, s->file, 0, "expires",
				"the expiry time has passed");
	if (add_u64(r, s, "s", s->has_rserial ? s->rserial
			       : (uint64_t)(uint32_t)now, e) ||
	    add_u64(r, s, "t", t, e) || add_u64(r, s, "x", x, e))
		return -1;
	return 0;
}

static int add_optional(struct rr_record *r, const struct pub_site *s,
			struct pub_err *e)
{
	for (size_t i = 0; i < RR_NTUNABLES; i++)
		if (s->tun[i] &&
		    add_u64(r, s, rr_tunables[i].tag, s->tun[i], e))
			return -1;
	if (s->contact[0] && add(r, s, 0, "contact", s->contact, e))
		return -1;
	if (s->dh[0] && add(r, s, 0, "dh", s->dh, e))
		return -1;
	if (s->ngw_nets) {
		char *gw = pub_nets_text(s->gw_nets, s->ngw_nets);
		int rc = gw ? add(r, s, s->line_gw, "gw-nets", gw, e)
			    : pub_errf(e, PUB_EXIT_INTERNAL, s->file, 0,
				       "record", "out of memory");
		free(gw);
		if (rc)
			return -1;
	}
	if (s->wg[0] && add(r, s, s->line_wg, "wg", s->wg, e))
		return -1;
	if (s->hash[0] && add(r, s, 0, "hash", s->hash, e))
		return -1;
	for (size_t i = 0; i < s->nextra; i++)
		if (add(r, s, 0, s->extra_tag[i], s->extra_val[i], e))
			return -1;
	return 0;
}

int pub_site_record(const struct pub_site *s, uint64_t now,
		    struct rr_record *r, struct pub_err *e)
{
	char ptp[RR_ADDRSTRLEN], ks[12];
	char *nets = NULL, *keys = NULL;
	int rc = -1;

	rr_record_init(r, RR_KIND_SITE);
	nets = pub_nets_text(s->nets, s->nnets);
	keys = pub_tkeys_value(&s->keys);
	if (!nets || !keys) {
		pub_errf(e, PUB_EXIT_INTERNAL, s->file, 0, "record",
			 "out of memory");
		goto out;
	}
	rr_addr_format(&s->ptp, ptp);
	snprintf(ks, sizeof(ks), "%08" PRIx32, s->keys.serial);
	if (add(r, s, 0, "vpn", s->vpn, e) ||
	    add(r, s, 0, "site", s->site, e) || add_times(r, s, now, e) ||
	    add_eps(r, s, e) || add(r, s, s->line_nets, "nets", nets, e) ||
	    add(r, s, s->line_ptp, "ptp", ptp, e) ||
	    add(r, s, s->line_keys, "ks", ks, e) ||
	    add(r, s, s->line_keys, "keys", keys, e) ||
	    add_optional(r, s, e))
		goto out;
	rc = 0;
out:
	free(nets);
	free(keys);
	if (rc != 0)
		rr_record_free(r);
	return rc;
}

void pub_site_free(struct pub_site *s)
{
	pub_tkeys_free(&s->keys);
}
