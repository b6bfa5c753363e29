/* signpub.c - sign and publish an enrolled site's record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "chain.h"
#include "cli.h"
#include "cmd.h"
#include "keyfile.h"
#include "lines.h"
#include "live.h"
#include "signdesc.h"
#include "signpub.h"
#include "subcmd.h"
#include "timefmt.h"

#define MAX_ANCHORS 8

struct ctx {
	const struct pub_signpub_opts *o;
	char zone[RR_MAX_NAME + 2], resolver[RR_MAX_NAME + 1];
	char desc[PUB_PATHLEN], key[PUB_PATHLEN], rec[PUB_PATHLEN];
	char conf[PUB_PATHLEN];
	struct rr_pubkey anchors[MAX_ANCHORS];
	size_t nanchors;
	/* from the description */
	char site[RR_SITENAMELEN];
	bool has_nets, has_peer, has_publish;
	/* from the membership */
	struct rr_prefix nets[RR_MAX_NETS];
	size_t nnets;
	char at[RR_MAX_NAME + 1];
};

static int path_in(const struct ctx *c, char *out, const char *name,
		   struct pub_err *e)
{
	if (!pub_fmt(out, PUB_PATHLEN, "%s/%s", c->o->dir, name))
		return pub_errf(e, PUB_EXIT_USAGE, c->o->dir, 0, "sign",
				"path too long");
	return 0;
}

/* DIR/enrol.conf: vpn-zone and resolver, unless given. */
static int read_enrol_conf(struct ctx *c, struct pub_err *e)
{
	char path[PUB_PATHLEN];
	struct pub_lines f;
	int rc = 0;

	if (c->o->vpn_zone)
		snprintf(c->zone, sizeof(c->zone), "%s", c->o->vpn_zone);
	if (c->o->resolver)
		snprintf(c->resolver, sizeof(c->resolver), "%s",
			 c->o->resolver);
	if (path_in(c, path, "enrol.conf", e) != 0)
		return -1;
	if (access(path, F_OK) == 0) {
		if (pub_lines_read(path, &f, e) != 0)
			return -1;
		for (size_t i = 0; i < f.n && rc == 0; i++) {
			struct pub_line *l = &f.v[i];
			char *dst = NULL;
			size_t size = 0;
			if (strcmp(l->w[0], "vpn-zone") == 0) {
				dst = c->zone;
				size = sizeof(c->zone);
			} else if (strcmp(l->w[0], "resolver") == 0) {
				dst = c->resolver;
				size = sizeof(c->resolver);
			} else {
				rc = pub_errf(e, PUB_EXIT_INVALID, path,
					      l->lineno, l->w[0],
					      "unknown keyword (vpn-zone, "
					      "resolver)");
				break;
			}
			rc = pub_line_args(&f, l, 1, 1, e);
			if (rc == 0 && !dst[0])
				snprintf(dst, size, "%s", l->w[1]);
		}
		pub_lines_free(&f);
	}
	if (rc == 0 && (!c->zone[0] || !c->resolver[0]))
		rc = pub_errf(e, PUB_EXIT_USAGE, path, 0, "sign",
			      "need the VPN's zone and a DNS server to read "
			      "the membership from: --vpn-zone and "
			      "--resolver, or vpn-zone and resolver lines in "
			      "this file (vpnrr enrol writes them)");
	pub_name_canon(c->zone);
	return rc;
}

static int read_desc(struct ctx *c, struct pub_err *e)
{
	struct pub_lines f;

	if (pub_lines_read(c->desc, &f, e) != 0)
		return -1;
	for (size_t i = 0; i < f.n; i++) {
		const char *kw = f.v[i].w[0];
		if (strcmp(kw, "site") == 0 && f.v[i].nw == 2)
			snprintf(c->site, sizeof(c->site), "%s", f.v[i].w[1]);
		c->has_nets |= strcmp(kw, "networks") == 0;
		c->has_peer |= strcmp(kw, "peer") == 0;
		c->has_publish |= strcmp(kw, "publish") == 0;
	}
	pub_lines_free(&f);
	if (!c->site[0])
		return pub_errf(e, PUB_EXIT_INVALID, c->desc, 0, "site",
				"missing: the site's LOCATION/NAME");
	return 0;
}

/* The site's entry in the verified membership (head and pages). */
static int membership(struct ctx *c, struct pub_err *e)
{
	struct pub_chain_opts co = {
		.anchors = c->anchors, .nanchors = c->nanchors,
		.now = pub_now(), .zone = c->zone, .fetched = true,
		.membership_only = true,
	};
	struct pub_live_opts lo = {
		.server = c->resolver,
		.timeout_ms = PUB_LIVE_DEFAULT_TIMEOUT_MS,
	};
	char head[RR_MAX_NAME + 1];
	struct pub_rrset s = { 0 };
	struct pub_report rep;
	struct rr_error err;
	bool found = false;
	int rc = -1;

	if (rr_name_head(c->zone, head, &err) != RR_OK)
		return pub_errf(e, PUB_EXIT_USAGE, NULL, 0, "vpn-zone",
				"%s: %s", c->zone, err.msg);
	if (pub_live_fetch(&lo, head, &co, &s, e) != 0 ||
	    pub_chain_check(&s, &co, &rep, e) != 0)
		goto out;
	for (size_t i = 0; i < rep.n && !found; i++) {
		const struct pub_vrec *v = &rep.v[i];
		if (!v->in_page || v->status != PUB_V_VALID || !v->parsed ||
		    v->r.kind != RR_KIND_MEMBER ||
		    !pub_site_eq(v->r.site, c->site))
			continue;
		found = true;
		c->nnets = v->r.nnets;
		memcpy(c->nets, v->r.nets, c->nnets * sizeof(c->nets[0]));
		snprintf(c->at, sizeof(c->at), "%s", v->r.at);
	}
	pub_report_free(&rep);
	rc = found ? 0 : pub_errf(e, PUB_EXIT_INVALID, head, 0, "membership",
				  "%s is not a valid member of %s as %s "
				  "serves it (has the admin run \"vpnrr "
				  "accept\"? is the anchor right?)", c->site,
				  c->zone, c->resolver);
out:
	pub_rrset_free(&s);
	return rc;
}

/* Adds the lines the description lacks and the membership decides. */
static int fill_desc(struct ctx *c, struct pub_err *e)
{
	char *text = NULL, *add = NULL;
	size_t len = 0;
	struct pub_out o;
	int rc = -1;

	if (c->has_nets && c->has_peer && c->has_publish)
		return 0;
	if (c->nnets == 0 || !c->at[0])
		return pub_errf(e, PUB_EXIT_INVALID, c->desc, 0, "membership",
				"%s's membership lacks networks or at=",
				c->site);
	if (pub_read_file(c->desc, 1 << 20, &text, &len, e) != 0)
		return -1;
	if (pub_out_open(&o, e) != 0)
		goto out;
	fwrite(text, 1, len, o.f);
	if (len && text[len - 1] != '\n')
		fputc('\n', o.f);
	fputs("# from the membership (vpnrr sign --publish)\n", o.f);
	if (!c->has_publish)
		fprintf(o.f, "publish %s\n", c->at);
	if (!c->has_nets) {
		add = pub_nets_text(c->nets, c->nnets);
		for (char *p = add; p && *p; p++)
			*p = *p == ',' ? ' ' : *p;
		fprintf(o.f, "networks %s\n", add ? add : "");
	}
	if (!c->has_peer) {
		struct rr_addr a = c->nets[0].addr;
		char s[RR_ADDRSTRLEN];
		a.bytes[a.family == 4 ? 3 : 15] |= 1;
		rr_addr_format(&a, s);
		fprintf(o.f, "peer %s\n", s);
	}
	if (!c->has_nets && !add)
		pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "sign", "out of memory");
	else if (pub_out_close(&o, e) == 0)
		rc = pub_write_file(c->desc, o.buf, o.len, 0644, false, e);
	pub_out_free(&o);
	if (rc == 0)
		pub_summary("sign", "%s: publish, networks and peer from the "
			    "membership added", c->desc);
out:
	free(add);
	free(text);
	return rc;
}

static int sign_record(struct ctx *c, struct pub_err *e)
{
	struct pub_site s;
	struct rr_record r;
	char t[PUB_TIMESTRLEN];
	int rc;

	if (pub_sign_desc(c->desc, c->key, c->rec, pub_now(), &s, &r, e) != 0)
		return -1;
	rc = pub_sign_emit(c->rec, s.publish, &r, e);
	pub_time_format(r.expires, t);
	if (rc == 0)
		pub_summary("sign", "site record of %s at %s, valid until %s, "
			    "written to %s", r.site, s.publish, t, c->rec);
	rr_record_free(&r);
	pub_site_free(&s);
	return rc;
}

int pub_sign_publish(const struct pub_signpub_opts *o, struct pub_err *e)
{
	struct ctx c = { .o = o };
	char anchor[PUB_PATHLEN];
	int prc;

	if (path_in(&c, c.desc, "site.desc", e) != 0 ||
	    path_in(&c, c.key, "record.key", e) != 0 ||
	    path_in(&c, c.rec, "site.rec", e) != 0 ||
	    path_in(&c, c.conf, "publish.conf", e) != 0 ||
	    path_in(&c, anchor, "anchor.pub", e) != 0)
		return -1;
	if (o->config)
		snprintf(c.conf, sizeof(c.conf), "%s", o->config);
	if (read_enrol_conf(&c, e) != 0 ||
	    pub_anchor_load(o->anchor ? o->anchor : anchor, c.anchors,
			    &c.nanchors, MAX_ANCHORS, e) != 0 ||
	    read_desc(&c, e) != 0 || membership(&c, e) != 0 ||
	    fill_desc(&c, e) != 0 || sign_record(&c, e) != 0)
		return -1;
	{
		const char *args[] = { "publish", "--config", c.conf,
				       "--signer", c.key, c.rec,
				       o->quiet ? "-q" : NULL, NULL };
		prc = pub_subcmd(pub_cmd_publish, args);
	}
	if (prc != 0)
		return pub_errf(e, prc, c.rec, 0, "publish", "signed but not "
				"published (above); \"vpnrr sign --publish -d "
				"%s\" again, or \"vpnrr publish\" it", o->dir);
	return 0;
}
