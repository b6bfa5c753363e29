/* cmd_import.c - "vpnrr import": a make-secnet-sites sites file becomes
 * an admin directory (config, memberships), one site description per
 * site, record keys, and the sites' signed records, reusing the sites'
 * transport keys and addresses. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "admin.h"
#include "atomicfile.h"
#include "cli.h"
#include "filebatch.h"
#include "hostcache.h"
#include "cmd.h"
#include "index.h"
#include "jsonout.h"
#include "progress.h"
#include "keyfile.h"
#include "policy.h"
#include "recfile.h"
#include "sitedesc.h"
#include "sitesfile.h"
#include "timefmt.h"

static const char help[] =
"Usage: vpnrr import --zone ZONE -d OUTDIR [options] SITESFILE\n"
"\n"
"Reads a make-secnet-sites sites file (vpn / location / site, contact,\n"
"dh, hash, tunables, restrict-nets, networks, peer, address with IPv4,\n"
"IPv6 literal or host name, pubkey, pub / serial / pkg / pkgf, mobile,\n"
"include) and writes, under OUTDIR:\n"
"  admin/vpnrr.conf           the VPN (restrict-nets from the VPN level)\n"
"  admin/anchor.key           a new anchor key (unless --anchor-key)\n"
"  admin/members/L,S.member   one membership per site\n"
"  admin/sites.rec            every site's signed record (hosted in ZONE)\n"
"  sites/L,S.site             one site description per site\n"
"  keys/L,S.key               each site's record key (an existing one is\n"
"                             reused, so re-importing keeps them)\n"
"The sites' secnet keys, key-set serials, groups and addresses are carried\n"
"as they are: the VPN is re-provisioned without new transport keys. Then\n"
"\"vpnrr index OUTDIR/admin\" writes the zone.\n"
"\n"
"Whatever cannot be expressed is reported on standard error as\n"
"\"FILE:LINE: KEYWORD: note: ...\" (and in --json); nothing is dropped\n"
"silently. Malformed input is an error and nothing is written.\n"
"\n"
"  --zone ZONE        the VPN's DNS zone (required)\n"
"  -d, --output-dir D where to write (required; existing files are never\n"
"                     overwritten)\n"
"  --vpn NAME         which VPN of the file (needed when it has several)\n"
"  --anchor-key FILE  use this existing anchor key\n"
"  --publish PATTERN  site record names; %s site, %l location, %v VPN,\n"
"                     %z zone (default %s.%l.sites.%z)\n"
"  --lifetime DUR     membership and site record lifetime (default 90d)\n"
"  --json             print a summary with the notes\n"
"  -q, --quiet        no one-line summary on standard error\n"
"  --now TIME         pretend the time is TIME\n"
"  --help             this text\n";

struct iopts {
	const char *zone, *dir, *vpn, *anchor, *publish, *lifetime;
	uint64_t life;
	bool json, quiet;
};

/* One imported site, built fully in memory before anything is written. */
struct isite {
	char site[RR_SITENAMELEN];
	char base[RR_SITENAMELEN];   /* "L,S" */
	char *desc;                   /* description text */
	struct rr_seckey key;
	bool new_key;
	struct pub_member m;
	struct rr_record rec;
	char owner[RR_MAX_NAME + 1];
};

struct job {
	const struct iopts *o;
	const char *sitesfile;
	const struct pub_sf_vpn *v;
	struct pub_sitesfile sf;
	struct isite *s;
	size_t n;
	struct pub_admin a;
	struct rr_seckey anchor;
	bool new_anchor;
	uint64_t now;
	char **extra_notes;
	size_t nextra;
};

static char *path2(const char *dir, const char *a, const char *b)
{
	char *p1 = pub_path_join(dir, a), *p2;

	if (!p1 || !b)
		return p1;
	p2 = pub_path_join(p1, b);
	free(p1);
	return p2;
}

static void add_note(struct job *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add_note(struct job *j, const char *fmt, ...)
{
	char buf[PUB_SF_NOTELEN], **nv;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	nv = realloc(j->extra_notes, (j->nextra + 1) * sizeof(*nv));
	if (!nv)
		return;
	j->extra_notes = nv;
	nv[j->nextra] = strdup(buf);
	if (nv[j->nextra])
		j->nextra++;
}

static int publish_name(const struct job *j, const char *loc,
			const char *site, char *out, struct pub_err *e)
{
	char buf[RR_MAX_NAME + 2];
	size_t n = 0;

	for (const char *p = j->o->publish; *p && n < sizeof(buf) - 1; p++) {
		const char *ins = NULL;
		if (*p == '%' && p[1]) {
			p++;
			ins = *p == 's' ? site : *p == 'l' ? loc
			    : *p == 'z' ? j->o->zone : *p == 'v' ? j->v->name
			    : *p == '%' ? "%" : NULL;
			if (!ins)
				return pub_errf(e, PUB_EXIT_USAGE, NULL, 0,
						"--publish", "unknown %%%c", *p);
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s",
					      ins);
			continue;
		}
		buf[n++] = *p;
	}
	buf[n < sizeof(buf) ? n : sizeof(buf) - 1] = '\0';
	pub_name_canon(buf);
	if (!pub_dnsname_valid(buf) || strlen(buf) > RR_MAX_NAME)
		return pub_errf(e, PUB_EXIT_INVALID, NULL, 0, "--publish",
				"%s (for %s/%s) is not a DNS name", buf, loc,
				site);
	memcpy(out, buf, strlen(buf) + 1);
	return 0;
}

/* ---- site description text ------------------------------------------- */

static int desc_keys(FILE *f, const struct pub_tkeys *ks, struct pub_err *e)
{
	uint32_t group = 0;
	bool fb = false;

	if (ks->has_serial)
		fprintf(f, "serial %08" PRIx32 "\n", ks->serial);
	for (size_t i = 0; i < ks->n; i++) {
		const struct pub_tkey *k = &ks->k[i];
		if (k->group != group || k->fallback != fb)
			fprintf(f, "%s %08" PRIx32 "\n",
				k->fallback ? "pkgf" : "pkg", k->group);
		group = k->group;
		fb = k->fallback;
		if (strcmp(k->alg, rr_alg_rsa1.name) == 0) {
			fprintf(f, "pubkey %.*s\n", (int)k->len,
				(const char *)k->data);
		} else {
			char *b = rr_base91s_encode(k->data, k->len);
			if (!b)
				return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0,
						"import", "out of memory");
			fprintf(f, "pub %s %s\n", k->alg, b);
			free(b);
		}
	}
	return 0;
}

/* A mobile site keeps its address (its last known one: make-secnet-sites
 * writes both and secnet's peers try it). */
static void desc_endpoint(FILE *f, struct job *j,
			  const struct pub_sf_site *s, const char *site)
{
	const char *colon;

	if (!s->mobile && !s->has_address)
		add_note(j, "%s:%u: site: %s has no address and is not "
			 "mobile; carried as mobile (a record needs one or "
			 "the other)", s->file, s->line, site);
	if (s->mobile || !s->has_address)
		fprintf(f, "mobile\n");
	if (!s->has_address)
		return;
	colon = strrchr(s->endpoint, ':');
	fprintf(f, "address %.*s %s\n", (int)(colon - s->endpoint),
		s->endpoint, colon + 1);
}

static int desc_text(struct job *j, const struct pub_sf_location *l,
		     const struct pub_sf_site *s, struct isite *is,
		     struct pub_err *e)
{
	struct pub_sf_common c;
	struct pub_out o;
	char *nets = pub_nets_text(s->nets, s->nnets), ptp[RR_ADDRSTRLEN];
	int rc = -1;

	if (!nets || pub_out_open(&o, e) != 0) {
		free(nets);
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "import",
				"out of memory");
	}
	for (char *p = nets; *p; p++)
		*p = *p == ',' ? ' ' : *p;
	pub_sf_effective(j->v, l, s, &c);
	rr_addr_format(&s->peer, ptp);
	fprintf(o.f, "# site %s, imported from %s:%u by vpnrr import\n"
		"vpn %s\nsite %s\npublish %s\n", is->site, s->file,
		s->line, j->v->name, is->site, is->owner);
	desc_endpoint(o.f, j, s, is->site);
	fprintf(o.f, "networks %s\npeer %s\n", nets, ptp);
	if (desc_keys(o.f, &s->keys, e) != 0)
		goto out;
	fprintf(o.f, "contact %s\ndh %s\nhash %s\n", c.contact, c.dh, c.hash);
	for (size_t i = 0; i < RR_NTUNABLES; i++)
		if (c.has_tun[i] && c.tun[i])
			fprintf(o.f, "%s %" PRIu32 "\n", rr_tunables[i].tag,
				c.tun[i]);
	fprintf(o.f, "lifetime %s\n", j->o->lifetime);
	if (pub_out_close(&o, e) == 0) {
		is->desc = o.buf;
		o.buf = NULL;
		rc = 0;
	}
out:
	pub_out_free(&o);
	free(nets);
	return rc;
}

/* ---- building ---------------------------------------------------------- */

static int record_key(struct job *j, struct isite *is, struct pub_err *e)
{
	char *path = path2(j->o->dir, "keys", NULL), *kp;
	char name[RR_SITENAMELEN + 8];
	struct rr_error err;
	int rc;

	snprintf(name, sizeof(name), "%s.key", is->base);
	kp = path ? pub_path_join(path, name) : NULL;
	free(path);
	if (!kp)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "import",
				"out of memory");
	if (access(kp, F_OK) == 0) {
		rc = pub_seckey_load(kp, &is->key, e);
	} else {
		is->new_key = true;
		rc = rr_seckey_generate(&is->key, &err) == RR_OK ? 0
		     : pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "keygen", "%s",
				err.msg);
	}
	free(kp);
	return rc;
}

static int build_site(struct job *j, const struct pub_sf_location *l,
		      const struct pub_sf_site *s, struct isite *is,
		      struct pub_err *e)
{
	struct pub_lines f;
	struct pub_site sd;
	struct rr_error err;
	int rc;

	snprintf(is->site, sizeof(is->site), "%s/%s", l->name, s->name);
	snprintf(is->base, sizeof(is->base), "%s,%s", l->name, s->name);
	if (publish_name(j, l->name, s->name, is->owner, e) != 0 ||
	    record_key(j, is, e) != 0 || desc_text(j, l, s, is, e) != 0)
		return -1;
	/* The description goes through the same parser as "vpnrr sign". */
	if (pub_lines_parse(is->base, is->desc, strlen(is->desc), &f, e) != 0)
		return -1;
	rc = pub_site_parse(&f, ".", &sd, e);
	pub_lines_free(&f);
	if (rc != 0)
		return pub_errf(e, PUB_EXIT_INVALID, s->file, s->line,
				"site", "%s: cannot be carried: %s", is->site,
				e->msg);
	rc = pub_site_record(&sd, j->now, &is->rec, e);
	if (rc == 0 && rr_sign(&is->rec, is->owner, &is->key, &err) != RR_OK)
		rc = pub_errf(e, PUB_EXIT_INVALID, s->file, s->line,
			      "site", "%s", err.msg);
	/* What "vpnrr index" would warn about, had it to verify the record
	 * (admin/verified spares it that). */
	if (rc == 0 && rr_site_check(&is->rec, &err) != RR_OK)
		add_note(j, "%s:%u: site: %s: %s", s->file, s->line,
			 is->site, err.msg);
	memset(&is->m, 0, sizeof(is->m));
	snprintf(is->m.file, sizeof(is->m.file), "%s:%u", s->file,
		 s->line);
	memcpy(is->m.site, is->site, sizeof(is->m.site));
	is->m.keys[0] = is->key.pub;
	is->m.nkeys = 1;
	memcpy(is->m.nets, s->nets, sizeof(is->m.nets));
	is->m.nnets = s->nnets;
	memcpy(is->m.publish, is->owner, sizeof(is->m.publish));
	memcpy(is->m.contact, sd.contact, sizeof(is->m.contact));
	is->m.serial = (uint32_t)j->now;
	is->m.valid_from = j->now - PUB_CLOCK_SKEW;
	is->m.expires = j->now + j->o->life;
	pub_site_free(&sd);
	return rc;
}

static int admin_setup(struct job *j, struct pub_err *e)
{
	struct pub_admin *a = &j->a;
	const struct pub_sf_common *c = &j->v->c;
	struct rr_error err;

	memset(a, 0, sizeof(*a));
	if (!pub_fmt(a->dir, sizeof(a->dir), "%s/admin", j->o->dir) ||
	    !pub_fmt(a->file, sizeof(a->file), "%s/vpnrr.conf", a->dir))
		return pub_errf(e, PUB_EXIT_USAGE, j->o->dir, 0, "--output-dir",
				"path too long");
	memcpy(a->vpn, j->v->name, sizeof(a->vpn));
	snprintf(a->zone, sizeof(a->zone), "%s", j->o->zone);
	pub_name_canon(a->zone);
	if (!pub_dnsname_valid(a->zone))
		return pub_errf(e, PUB_EXIT_USAGE, NULL, 0, "--zone",
				"%s: not a DNS name", j->o->zone);
	if (c->has_restrict) {
		memcpy(a->restrict_nets, c->restrict_nets,
		       sizeof(a->restrict_nets));
		a->nrestrict = c->nrestrict;
	} else {
		rr_prefix_parse("0.0.0.0/0", &a->restrict_nets[0], &err);
		rr_prefix_parse("::/0", &a->restrict_nets[1], &err);
		a->nrestrict = 2;
		add_note(j, "%s:%u: vpn: %s has no restrict-nets; the admin "
			 "config allows every network (0.0.0.0/0 ::/0)",
			 j->v->file, j->v->line, j->v->name);
	}
	a->member_lifetime = j->o->life;
	if (c->contact[0])
		add_note(j, "%s:%u: vpn: the VPN contact %s is not carried "
			 "(records carry each site's own contact)",
			 j->v->file, j->v->line, c->contact);
	if (j->o->anchor)
		return pub_seckey_load(j->o->anchor, &j->anchor, e);
	j->new_anchor = true;
	return rr_seckey_generate(&j->anchor, &err) == RR_OK ? 0
	       : pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "keygen", "%s",
			  err.msg);
}

static int build(struct job *j, struct pub_err *e)
{
	struct pub_progress pg;
	struct pub_members ms;
	size_t total = 0;

	for (size_t i = 0; i < j->v->n; i++)
		total += j->v->locs[i].n;
	if (total == 0)
		return pub_errf(e, PUB_EXIT_INVALID, j->v->file, j->v->line,
				"vpn", "%s has no sites", j->v->name);
	j->s = calloc(total, sizeof(*j->s));
	if (!j->s)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "import",
				"out of memory");
	if (admin_setup(j, e) != 0)
		return -1;
	/* Signing thousands of sites takes seconds: show it on a terminal. */
	pub_progress_start(&pg, "import: sites signed",
			   !j->o->json && !j->o->quiet);
	for (size_t i = 0; i < j->v->n; i++)
		for (size_t k = 0; k < j->v->locs[i].n; k++) {
			if (build_site(j, &j->v->locs[i],
				       &j->v->locs[i].sites[k], &j->s[j->n++],
				       e) != 0) {
				pub_progress_end(&pg);
				return -1;
			}
			pub_progress_count(&pg, j->n, total);
		}
	pub_progress_end(&pg);
	ms.n = j->n;
	ms.v = calloc(j->n, sizeof(*ms.v));
	if (!ms.v)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "import",
				"out of memory");
	for (size_t i = 0; i < j->n; i++)
		ms.v[i] = j->s[i].m;
	total = pub_policy_all(&j->a, &ms, e) == 0;
	free(ms.v);
	return total ? 0 : -1;
}

/* ---- writing ------------------------------------------------------------ */

static int mkdirs(const char *dir, struct pub_err *e)
{
	static const char *const sub[] = { "", "admin", "admin/members",
					   "sites", "keys" };

	for (size_t i = 0; i < 5; i++) {
		char *p = sub[i][0] ? pub_path_join(dir, sub[i]) : strdup(dir);
		int ok = p && (mkdir(p, i == 4 ? 0700 : 0755) == 0 ||
			       errno == EEXIST);
		if (!ok) {
			pub_errf(e, PUB_EXIT_IO, p ? p : dir, 0, "mkdir", "%s",
				 strerror(errno));
			free(p);
			return -1;
		}
		free(p);
	}
	return 0;
}

/* Queues DIR/A[/B] with TEXT; every file import writes is new. */
static int queue_text(struct pub_batch *fb, const char *dir, const char *a,
		      const char *b, const char *text, size_t len, mode_t mode,
		      struct pub_err *e)
{
	char *p = path2(dir, a, b);
	int rc;

	if (!p)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "import",
				"out of memory");
	rc = pub_batch_add(fb, p, text, len, mode, true, e);
	free(p);
	return rc;
}

/* A private key file as pub_secret_save writes it (mode 0600). */
static int queue_key(struct pub_batch *fb, const char *dir, const char *a,
		     const char *b, const struct rr_seckey *k,
		     struct pub_err *e)
{
	char text[RR_SECKEYSTRLEN + 1];
	size_t n;
	int rc;

	rr_seckey_format(k, text);
	n = strlen(text);
	text[n++] = '\n';
	rc = queue_text(fb, dir, a, b, text, n, 0600, e);
	sodium_memzero(text, sizeof(text));
	return rc;
}

static int queue_member(struct pub_batch *fb, const struct pub_admin *a,
			const struct pub_member *m, struct pub_err *e)
{
	struct pub_out o;
	char *path = pub_member_path(a, m->site);
	int rc = -1;

	if (!path)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "import",
				"out of memory");
	if (pub_out_open(&o, e) == 0) {
		pub_member_format(o.f, m);
		if (pub_out_close(&o, e) == 0)
			rc = pub_batch_add(fb, path, o.buf, o.len, 0644, true,
					   e);
		pub_out_free(&o);
	}
	free(path);
	return rc;
}

static int conf_text(const struct job *j, char **out, struct pub_err *e)
{
	struct pub_out o;
	char *nets = pub_nets_text(j->a.restrict_nets, j->a.nrestrict);
	char *anchor = j->o->anchor ? realpath(j->o->anchor, NULL) : NULL;

	if (!nets || pub_out_open(&o, e) != 0 || (j->o->anchor && !anchor)) {
		free(nets);
		free(anchor);
		return pub_errf(e, PUB_EXIT_IO, NULL, 0, "import",
				"cannot prepare the admin config");
	}
	for (char *p = nets; *p; p++)
		*p = *p == ',' ? ' ' : *p;
	fprintf(o.f, "# VPN %s, imported from %s by vpnrr import\n"
		"vpn %s\nzone %s\nrestrict-nets %s\nanchor-key %s\n"
		"member-lifetime %s\nhead-lifetime 10d\npage-size 40\n"
		"ttl 300\nsoa ns1.%s hostmaster.%s\nns ns1.%s\n"
		"site-records sites.rec\n", j->v->name, j->sitesfile,
		j->v->name, j->a.zone, nets, anchor ? anchor : "anchor.key",
		j->o->lifetime, j->a.zone, j->a.zone, j->a.zone);
	free(nets);
	free(anchor);
	if (pub_out_close(&o, e) != 0) {
		pub_out_free(&o);
		return -1;
	}
	*out = o.buf;
	return 0;
}

/* The new directories' entries are durable before anything in them. */
static int sync_dirs(const char *dir, struct pub_err *e)
{
	char err[1024], *admin = pub_path_join(dir, "admin");
	int rc = 0;

	if (!admin)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "import",
				"out of memory");
	if (fetch_dir_sync(dir, err, sizeof(err)) != 0 ||
	    fetch_dir_sync(admin, err, sizeof(err)) != 0)
		rc = pub_errf(e, PUB_EXIT_IO, NULL, 0, NULL, "%s", err);
	free(admin);
	return rc;
}

/* admin/verified: the records just signed, under the memberships just
 * made, need no second check by "vpnrr index" (hostcache.h); the entries
 * bind the exact bytes and member entries, so any later edit is checked
 * in full. */
static int queue_verified(struct job *j, struct pub_batch *fb,
			  struct pub_err *e)
{
	struct pub_hostcache hc = { 0 };
	struct rrchain_site_cache c;
	char *text = NULL;
	size_t len = 0;
	int rc = -1;

	for (size_t i = 0; i < j->n; i++) {
		struct rr_record mr;
		int r;

		if (pub_member_record(&j->a, &j->s[i].m, &mr, e) != 0)
			goto out;
		r = pub_hostcache_entry(&mr, &j->s[i].rec, &c, e);
		rr_record_free(&mr);
		if (r != 0 || pub_hostcache_add(&hc, j->s[i].site, &c, e) != 0)
			goto out;
	}
	text = pub_hostcache_text(&hc, &len);
	if (!text) {
		pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "import",
			 "out of memory");
		goto out;
	}
	rc = queue_text(fb, j->o->dir, "admin/verified", NULL, text, len,
			0644, e);
out:
	free(text);
	pub_hostcache_free(&hc);
	return rc;
}

/* Every file is queued first (each refused if it exists), then written
 * in one batch: a few syncs for the whole VPN instead of three per
 * file. */
static int queue_all(struct job *j, struct pub_batch *fb, struct pub_err *e)
{
	struct pub_out recs;
	char name[RR_SITENAMELEN + 16], *conf = NULL;
	const char *d = j->o->dir;
	int rc = -1;

	if (pub_out_open(&recs, e) != 0)
		return -1;
	for (size_t i = 0; i < j->n; i++)
		if (pub_rec_write(recs.f, j->s[i].owner, &j->s[i].rec, e) != 0)
			goto out;
	if (pub_out_close(&recs, e) != 0 || conf_text(j, &conf, e) != 0 ||
	    queue_text(fb, d, "admin/vpnrr.conf", NULL, conf, strlen(conf),
		       0644, e) != 0 ||
	    queue_text(fb, d, "admin/sites.rec", NULL, recs.buf, recs.len,
		       0644, e) != 0)
		goto out;
	if (j->new_anchor &&
	    queue_key(fb, d, "admin/anchor.key", NULL, &j->anchor, e) != 0)
		goto out;
	for (size_t i = 0; i < j->n; i++) {
		struct isite *is = &j->s[i];
		snprintf(name, sizeof(name), "%s.site", is->base);
		if (queue_text(fb, d, "sites", name, is->desc,
			       strlen(is->desc), 0644, e) != 0 ||
		    queue_member(fb, &j->a, &is->m, e) != 0)
			goto out;
		snprintf(name, sizeof(name), "%s.key", is->base);
		if (is->new_key &&
		    queue_key(fb, d, "keys", name, &is->key, e) != 0)
			goto out;
	}
	rc = queue_verified(j, fb, e);
out:
	free(conf);
	pub_out_free(&recs);
	return rc;
}

static int write_all(struct job *j, struct pub_err *e)
{
	struct pub_batch fb = { 0 };
	int rc = -1;

	if (mkdirs(j->o->dir, e) == 0 && sync_dirs(j->o->dir, e) == 0 &&
	    queue_all(j, &fb, e) == 0 && pub_batch_commit(&fb, e) == 0)
		rc = 0;
	pub_batch_free(&fb);
	return rc;
}

/* ---- reporting ---------------------------------------------------------- */

static void print_note(const char *note)
{
	fputs("vpnrr: note: ", stderr);
	pub_fputs_esc(note, stderr);
	fputc('\n', stderr);
}

static int report(const struct job *j, struct pub_err *e)
{
	json_t *notes, *o;

	if (!j->o->json) {
		for (size_t i = 0; i < j->sf.nnotes; i++)
			print_note(j->sf.notes[i]);
		for (size_t i = 0; i < j->nextra; i++)
			print_note(j->extra_notes[i]);
		pub_summary("import", "VPN %s: %zu sites, zone %s, written to "
			    "%s (run \"vpnrr index %s\")", j->v->name, j->n,
			    j->a.zone, j->a.dir, j->a.dir);
		return 0;
	}
	notes = json_array();
	for (size_t i = 0; notes && i < j->sf.nnotes; i++)
		json_array_append_new(notes, pub_json_text(j->sf.notes[i]));
	for (size_t i = 0; notes && i < j->nextra; i++)
		json_array_append_new(notes, pub_json_text(j->extra_notes[i]));
	o = json_pack("{s:s, s:s, s:I, s:s, s:o}", "vpn", j->v->name, "zone",
		      j->a.zone, "sites", (json_int_t)j->n, "admin", j->a.dir,
		      "notes", notes);
	return pub_json_print(o, e);
}

static int choose_vpn(struct job *j, struct pub_err *e)
{
	if (j->sf.n == 0)
		return pub_errf(e, PUB_EXIT_INVALID, j->sitesfile, 0, "vpn",
				"no VPN in the file");
	for (size_t i = 0; j->o->vpn && i < j->sf.n; i++)
		if (strcmp(j->sf.vpns[i].name, j->o->vpn) == 0)
			j->v = &j->sf.vpns[i];
	if (j->o->vpn && !j->v)
		return pub_errf(e, PUB_EXIT_INVALID, j->sitesfile, 0, "vpn",
				"no VPN called %s", j->o->vpn);
	if (!j->v && j->sf.n > 1)
		return pub_errf(e, PUB_EXIT_USAGE, j->sitesfile, 0, "vpn",
				"the file has %zu VPNs: choose one with --vpn",
				j->sf.n);
	if (!j->v)
		j->v = &j->sf.vpns[0];
	return 0;
}

static void job_free(struct job *j)
{
	for (size_t i = 0; i < j->n; i++) {
		free(j->s[i].desc);
		rr_record_free(&j->s[i].rec);
		rr_seckey_wipe(&j->s[i].key);
	}
	free(j->s);
	for (size_t i = 0; i < j->nextra; i++)
		free(j->extra_notes[i]);
	free(j->extra_notes);
	rr_seckey_wipe(&j->anchor);
	pub_sitesfile_free(&j->sf);
}

static int run(const struct iopts *o, const char *file, struct pub_err *e)
{
	struct job j;
	int rc = -1;

	memset(&j, 0, sizeof(j));
	j.o = o;
	j.sitesfile = file;
	j.now = pub_now();
	if (pub_sitesfile_read(file, &j.sf, e) != 0)
		return -1;
	if (choose_vpn(&j, e) == 0 && build(&j, e) == 0 &&
	    write_all(&j, e) == 0)
		rc = report(&j, e);
	job_free(&j);
	return rc;
}

int pub_cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "output-dir", required_argument, NULL, 'd' },
		{ "vpn", required_argument, NULL, 'v' },
		{ "anchor-key", required_argument, NULL, 'a' },
		{ "publish", required_argument, NULL, 'P' },
		{ "lifetime", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, PUB_OPT_JSON },
		{ "now", required_argument, NULL, PUB_OPT_NOW },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, PUB_OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct iopts o = { .publish = "%s.%l.sites.%z", .lifetime = "90d",
			   .life = 90 * 86400ULL };
	struct pub_err e;
	int c;

	while ((c = getopt_long(argc, argv, "d:q", opts, NULL)) != -1) {
		switch (c) {
		case 'z': o.zone = optarg; break;
		case 'd': o.dir = optarg; break;
		case 'v': o.vpn = optarg; break;
		case 'a': o.anchor = optarg; break;
		case 'P': o.publish = optarg; break;
		case 'l':
			o.lifetime = optarg;
			if (!pub_duration_parse(optarg, &o.life) || !o.life)
				return pub_usage_error("import", "--lifetime "
						       "%s: need a duration",
						       optarg);
			break;
		case PUB_OPT_JSON:
			o.json = true;
			pub_cli_json_errors();
			break;
		case PUB_OPT_NOW:
			if (pub_cli_now(optarg))
				return PUB_EXIT_USAGE;
			break;
		case 'q':
			o.quiet = true;
			pub_cli_quiet();
			break;
		case PUB_OPT_HELP: return pub_help(help);
		default: return pub_usage_error("import", "bad option");
		}
	}
	if (argc - optind != 1 || !o.zone || !o.dir)
		return pub_usage_error("import", "need --zone, --output-dir and "
				       "one SITESFILE");
	return run(&o, argv[optind], &e) ? pub_fail(&e) : 0;
}
