/*
 * out_peerkeys.c - secnet peer-keys files (PUBKEYS/peer.MANGLED).
 *
 * Format (secnet's pubkeys.fl.pl, NOTES.peer-keys): an optional
 * "serial XXXXXXXX" line, then for each key group "pkg GGGGGGGG" or
 * "pkgf GGGGGGGG" followed by "pub ALG BASE91S" lines, lower-case hex as
 * secnet's scanner requires.  The bytes are those make-secnet-sites
 * --pubkeys-install writes for the same keys, so that files from either
 * tool compare equal and nothing is rewritten when a VPN moves from one
 * to the other.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "output.h"

/*
 * Key algorithms secnet understands (its sigscheme table); a new secnet
 * algorithm is one more entry.  USABLE returns how many leading bytes of
 * the key data make-secnet-sites would keep, or 0 when it would refuse
 * the key.
 */
struct secnet_alg {
	const char *name;
	size_t (*usable)(const uint8_t *data, size_t len);
};

/* secnet keeps at most this many keys of a set (MAX_SIG_KEYS) and skips
 * the rest with a log line. */
#define SECNET_MAX_KEYS 4

/* make-secnet-sites' limit on RSA modulus bits. */
#define RSA1_MAX_BITS 8200

/* Length of one run of decimal digits at D[*I], advancing *I. */
static size_t digits(const uint8_t *d, size_t len, size_t *i)
{
	size_t start = *i;

	while (*i < len && d[*i] >= '0' && d[*i] <= '9')
		(*i)++;
	return *i - start;
}

/*
 * rsa1 data is "BITS E N" in ASCII, as in ssh1 .pub files, possibly with
 * a trailing " COMMENT".  make-secnet-sites splits it at single spaces and
 * writes back only "BITS E N" (rsakey.__init__), so that is the usable
 * part; secnet ignores anything after N anyway.
 */
static size_t rsa1_usable(const uint8_t *d, size_t len)
{
	size_t i = 0, n;
	unsigned long bits = 0;

	n = digits(d, len, &i);
	if (n == 0 || n > 4)
		return 0;
	for (size_t j = 0; j < n; j++)
		bits = bits * 10 + (unsigned long)(d[j] - '0');
	if (bits > RSA1_MAX_BITS)
		return 0;
	for (int field = 0; field < 2; field++) {
		if (i >= len || d[i] != ' ')
			return 0;
		i++;
		if (digits(d, len, &i) == 0)
			return 0;
	}
	if (i < len && d[i] != ' ')
		return 0;
	return i;
}

static const struct secnet_alg secnet_algs[] = {
	{ "rsa1", rsa1_usable },
};

static const struct secnet_alg *secnet_alg_find(const char *name)
{
	for (size_t i = 0; i < sizeof(secnet_algs) / sizeof(secnet_algs[0]);
	     i++)
		if (strcmp(secnet_algs[i].name, name) == 0)
			return &secnet_algs[i];
	return NULL;
}

/* Writes one "pub" line, preceded by a group line when the group (or its
 * fallback flag) differs from the previous key's; groups with no usable
 * key get no line, which secnet treats the same (an empty group loads
 * nothing and a later pkgf sees the same key count). */
static void render_key(const struct rr_tkey *k, const struct secnet_alg *alg,
		       size_t usable, const struct rr_tkey **prev,
		       struct fetch_text *out)
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
	fetch_text_addf(out, "pub %s %s\n", alg->name, b91);
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
		const struct secnet_alg *alg = secnet_alg_find(k->alg);
		size_t usable;

		if (!alg) {
			if (plan)
				fetch_plan_notice(plan,
						  "site %s: %s key in group "
						  "%08" PRIx32 " is not for "
						  "secnet, skipped",
						  s->name, k->alg, k->group);
			continue;
		}
		usable = alg->usable(k->data, k->len);
		if (usable == 0) {
			if (plan)
				fetch_plan_notice(plan,
						  "site %s: %s key in group "
						  "%08" PRIx32 " is malformed, "
						  "skipped",
						  s->name, k->alg, k->group);
			continue;
		}
		render_key(k, alg, usable, &prev, out);
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

static const char *pubkeys_dir(const struct fetch_output_cfg *cfg)
{
	return cfg->pubkeys_dir ? cfg->pubkeys_dir : FETCH_PUBKEYS_DIR;
}

static int plan_site(const char *dir, const struct fetch_site *s,
		     struct fetch_plan *plan, char *err, size_t errlen)
{
	char mangled[FETCH_SITENAME_MAX], name[FETCH_SITENAME_MAX + 8];
	struct fetch_text t;
	int n;

	fetch_text_init(&t);
	fetch_site_mangle(s->name, mangled);
	n = snprintf(name, sizeof(name), "peer.%s", mangled);
	if (n < 0 || (size_t)n >= sizeof(name)) {
		fetch_output_seterr(err, errlen, "site %s: name too long",
				    s->name);
		fetch_text_free(&t);
		return -1;
	}
	(void)fetch_peerkeys_render(s, &t, plan); /* usable: checked */
	if (fetch_plan_add_file(plan, FETCH_FILE_PEERKEYS, dir, name, &t) <
	    0) {
		fetch_output_seterr(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int peerkeys_plan(const struct fetch_output_cfg *cfg,
			 const struct fetch_view *view, struct fetch_plan *plan,
			 char *err, size_t errlen)
{
	const char *dir = pubkeys_dir(cfg);
	char prefix[FETCH_NAMECOMP_MAX + 8];
	int n;

	if (!fetch_output_dir_ok(dir)) {
		fetch_output_seterr(err, errlen,
				    "peer-keys directory %s: need an "
				    "absolute path without blanks or quotes",
				    dir);
		return -1;
	}
	/* Only this VPN's files are ours: the directory may also hold
	 * peer files that make-secnet-sites installs for other VPNs. */
	n = snprintf(prefix, sizeof(prefix), "peer.%s,", view->vpn);
	if (n < 0 || (size_t)n >= sizeof(prefix) ||
	    fetch_plan_own(plan, FETCH_FILE_PEERKEYS, dir, prefix, "") < 0) {
		fetch_output_seterr(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < view->nsites; i++) {
		/* A site secnet is not told about needs no keys; its
		 * notices come from the secnet output. */
		if (!fetch_secnet_site_usable(&view->sites[i], NULL))
			continue;
		if (plan_site(dir, &view->sites[i], plan, err, errlen) < 0)
			return -1;
	}
	if (plan->oom) {
		fetch_output_seterr(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

const struct fetch_output_ops fetch_output_peerkeys = {
	"peer-keys",
	peerkeys_plan,
};

int fetch_peerkeys_install_live(const char *live_path, const uint8_t *data,
				size_t len, char *err, size_t errlen)
{
	char tmp[4096], upd[4096];
	int n1, n2, r;

	n1 = snprintf(tmp, sizeof(tmp), "%s~tmp", live_path);
	n2 = snprintf(upd, sizeof(upd), "%s~update", live_path);
	if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof(tmp) ||
	    (size_t)n2 >= sizeof(upd)) {
		fetch_output_seterr(err, errlen, "path too long: %s",
				    live_path);
		return -1;
	}
	if (fetch_atomic_write(live_path, tmp, data, len, err, errlen) < 0)
		return -1;
	/* A pending copy of the same keys would only be discarded by secnet
	 * later, with a log line that looks like a failure. */
	r = fetch_file_compare(upd, data, len, err, errlen);
	if (r < 0)
		return -1;
	if (r == FETCH_CMP_SAME && fetch_file_remove(upd, err, errlen) < 0)
		return -1;
	return 0;
}
