/*
 * secnet_site.c - one site as secnet sees it: usable or not, its names
 * and files, its keys in peer-keys syntax (secnet_site.h).
 *
 * Peer-keys format (secnet's pubkeys.fl.pl, NOTES.peer-keys): an optional
 * "serial XXXXXXXX" line, then for each key group "pkg GGGGGGGG" or
 * "pkgf GGGGGGGG" followed by "pub ALG BASE91S" lines, lower-case hex as
 * secnet's scanner requires; keys of algorithms secnet does not know are
 * written too (it skips them), as make-secnet-sites writes them.  The bytes are those make-secnet-sites
 * --pubkeys-install writes for the same keys, so that files from either
 * tool compare equal and nothing is rewritten when a VPN moves from one
 * to the other.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secnet_site.h"

#define PEER_PREFIX "peer."

/* ---- names --------------------------------------------------------------- */

int fetch_secnet_site_file(char *out, size_t outlen, const char *name)
{
	char mangled[RR_FULLNAMELEN];
	int n;

	fetch_site_mangle(name, mangled);
	n = snprintf(out, outlen, "site.%s.conf", mangled);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int fetch_peerkeys_file(char *out, size_t outlen, const char *name)
{
	char mangled[RR_FULLNAMELEN];
	int n;

	fetch_site_mangle(name, mangled);
	n = snprintf(out, outlen, PEER_PREFIX "%s", mangled);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static int in_dir(char *out, size_t outlen, const char *dir,
		  int (*file)(char *, size_t, const char *), const char *name)
{
	char f[RR_FULLNAMELEN + 16];
	int n;

	if (file(f, sizeof(f), name) < 0)
		return -1;
	n = snprintf(out, outlen, "%s/%s", dir, f);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int fetch_secnet_site_path(char *out, size_t outlen, const char *dir,
			   const char *name)
{
	return in_dir(out, outlen, dir, fetch_secnet_site_file, name);
}

int fetch_peerkeys_path(char *out, size_t outlen, const char *dir,
			const char *name)
{
	return in_dir(out, outlen, dir, fetch_peerkeys_file, name);
}

int fetch_peerkeys_site(const char *path, char *out, size_t outlen)
{
	const char *base = strrchr(path, '/');
	size_t i;

	base = base ? base + 1 : path;
	if (strncmp(base, PEER_PREFIX, strlen(PEER_PREFIX)) != 0)
		return -1;
	base += strlen(PEER_PREFIX);
	/* The mangling maps '/' to ',' and names hold no ',': reversible. */
	for (i = 0; base[i] && i + 1 < outlen; i++)
		out[i] = base[i] == ',' ? '/' : base[i];
	if (base[i] || outlen == 0)
		return -1;
	out[i] = '\0';
	return 0;
}

/* ---- usable by secnet ---------------------------------------------------- */

static bool copy_part(const char *s, size_t len, char out[RR_NAMELEN])
{
	if (!rr_name_valid(s, len))
		return false;
	memcpy(out, s, len);
	out[len] = '\0';
	return true;
}

bool fetch_site_split(const char *name, struct fetch_site_names *out)
{
	const char *a = strchr(name, '/');
	const char *b = a ? strchr(a + 1, '/') : NULL;

	if (!a || !b || strchr(b + 1, '/'))
		return false;
	return copy_part(name, (size_t)(a - name), out->vpn) &&
	       copy_part(a + 1, (size_t)(b - a - 1), out->location) &&
	       copy_part(b + 1, strlen(b + 1), out->site);
}

static size_t count_v4(const struct rr_record *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nnets; i++)
		n += r->nets[i].addr.family == 4;
	return n;
}

bool fetch_secnet_site_usable(const struct fetch_site *s,
			      struct fetch_plan *plan)
{
	struct fetch_site_names nm;
	struct fetch_text t;
	size_t nkeys;

	if (!fetch_site_split(s->name, &nm)) {
		if (plan)
			fetch_plan_notice(plan, "site %s: name not usable "
					  "by secnet, skipped", s->name);
		return false;
	}
	if (count_v4(s->site) == 0) {
		if (plan)
			fetch_plan_notice(plan, "site %s: no IPv4 network, "
					  "not given to secnet", s->name);
		return false;
	}
	fetch_text_init(&t);
	nkeys = fetch_peerkeys_render(s, &t, NULL);
	if (t.failed && plan)
		plan->oom = true;
	fetch_text_free(&t);
	if (nkeys == 0) {
		if (plan)
			fetch_plan_notice(plan, "site %s: no key secnet "
					  "understands, not given to secnet",
					  s->name);
		return false;
	}
	return true;
}

/* ---- keys ---------------------------------------------------------------- */

/* secnet keeps at most this many keys of a set (MAX_SIG_KEYS) and skips
 * the rest with a log line. */
#define SECNET_MAX_KEYS 4

/*
 * How many leading bytes of K's data make-secnet-sites would keep, or 0
 * when it would refuse the key.  Which algorithms secnet understands is
 * the algorithm table's RR_ALGUSE_SECNET.  rsa1 data may carry a
 * trailing " COMMENT"; make-secnet-sites writes back only "BITS E N"
 * (rsakey.__init__), and secnet ignores anything after N anyway.
 */
static size_t secnet_usable(const struct rr_tkey *k)
{
	struct rr_rsa1 rsa;

	if (!k->def || !(k->def->uses & RR_ALGUSE_SECNET))
		return 0;
	if (k->def != &rr_alg_rsa1)
		return k->len;
	return rr_rsa1_parse(k->data, k->len, &rsa, NULL) == RR_OK
		       ? rsa.usable : 0;
}

/*
 * A key secnet has no scheme for, kept as make-secnet-sites keeps it:
 * secnet's peer-keys scanner skips a "pub ALG DATA" line whose ALG
 * ([-0-9a-z]+, which every vpnrr algorithm name is) it does not know,
 * with an info log line, and loads the rest of the file.
 * make-secnet-sites refuses an algorithm name that does not start with a
 * letter, so such a key is left out (secnet would skip it anyway).  It
 * does not count towards secnet's MAX_SIG_KEYS: a skipped line never
 * reaches the count.
 */
static bool foreign_key_kept(const struct rr_tkey *k)
{
	return k->alg[0] >= 'a' && k->alg[0] <= 'z' && k->len > 0;
}

/* Writes one "pub" line, preceded by a group line when the group (or its
 * fallback flag) differs from the previous key's; groups with no usable
 * key get no line, which secnet treats the same (an empty group loads
 * nothing and a later pkgf sees the same key count). */
static void render_key(const struct rr_tkey *k, size_t usable,
		       const struct rr_tkey **prev, struct fetch_text *out)
{
	char *b91 = rr_base91s_encode(k->data, usable);

	if (!b91) {
		out->failed = true;
		return;
	}
	if (!*prev || (*prev)->group != k->group ||
	    (*prev)->fallback != k->fallback)
		fetch_text_addf(out, "%s %08" PRIx32 "\n",
				k->fallback ? "pkgf" : "pkg", k->group);
	fetch_text_addf(out, "pub %s %s\n", k->alg, b91);
	free(b91);
	*prev = k;
}

size_t fetch_peerkeys_render(const struct fetch_site *s, struct fetch_text *out,
			     struct fetch_plan *plan)
{
	const struct rr_record *r = s->site;
	const struct rr_tkey *prev = NULL;
	size_t n = 0;

	if (r->has_keyserial)
		fetch_text_addf(out, "serial %08" PRIx32 "\n", r->keyserial);
	for (size_t i = 0; i < r->ntkeys; i++) {
		const struct rr_tkey *k = &r->tkeys[i];
		size_t usable;

		if (!k->def || !(k->def->uses & RR_ALGUSE_SECNET)) {
			if (foreign_key_kept(k)) {
				render_key(k, k->len, &prev, out);
				continue;
			}
			if (plan)
				fetch_plan_notice(plan,
						  "site %s: %s key in group "
						  "%08" PRIx32 " is not for "
						  "secnet, skipped",
						  s->name, k->alg, k->group);
			continue;
		}
		usable = secnet_usable(k);
		if (usable == 0) {
			if (plan)
				fetch_plan_notice(plan,
						  "site %s: %s key in group "
						  "%08" PRIx32 " is malformed, "
						  "skipped",
						  s->name, k->alg, k->group);
			continue;
		}
		render_key(k, usable, &prev, out);
		n++;
	}
	/* Written all the same, as make-secnet-sites does: secnet keeps
	 * the first ones, which are the preferred ones. */
	if (n > SECNET_MAX_KEYS && plan)
		fetch_plan_notice(plan,
				  "site %s: %zu keys for secnet, which uses "
				  "at most %d",
				  s->name, n, SECNET_MAX_KEYS);
	return n;
}

