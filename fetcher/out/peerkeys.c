/*
 * peerkeys.c - the peer-keys driver: one secnet peer-keys file per site
 * secnet is given (PUBKEYS/peer.MANGLED), and secnet's protocol for
 * handing a changed key set over (NOTES.peer-keys in secnet).
 *
 * The file's bytes come from secnet_site.c, which the sites file uses
 * too.  The live file is secnet's once it runs: a change is planned as
 * FETCH_FILE_PEERKEYS, which the fetcher writes as FILE~update (through
 * FILE~tmp) and watches (peerwatch.h); fetch_peerkeys_install_live() is
 * the fallback when secnet does not take it.
 */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "config.h"
#include "secnet_site.h"

static const char *pubkeys_dir(const struct fetch_output_cfg *cfg)
{
	return cfg->pubkeys_dir ? cfg->pubkeys_dir : FETCH_PUBKEYS_DIR;
}

static int plan_site(const char *dir, const struct fetch_site *s,
		     struct fetch_plan *plan, char *err, size_t errlen)
{
	char name[RR_FULLNAMELEN + 8];
	struct fetch_text t;

	if (fetch_peerkeys_file(name, sizeof(name), s->name) < 0) {
		rr_say(err, errlen, "site %s: name too long",
				    s->name);
		return -1;
	}
	fetch_text_init(&t);
	(void)fetch_peerkeys_render(s, &t, plan); /* usable: checked */
	if (fetch_plan_add_file(plan, FETCH_FILE_PEERKEYS, dir, name, &t) <
	    0) {
		rr_say(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int peerkeys_plan(const struct fetch_output_cfg *cfg,
			 const struct fetch_view *view, struct fetch_plan *plan,
			 char *err, size_t errlen)
{
	const char *dir = pubkeys_dir(cfg);
	char vpn[RR_NAMELEN + 1], prefix[RR_NAMELEN + 8];
	size_t usable = 0;

	if (!fetch_output_dir_ok(dir)) {
		rr_say(err, errlen,
				    "peer-keys directory %s: need an "
				    "absolute path without blanks or quotes",
				    dir);
		return -1;
	}
	for (size_t i = 0; i < view->nsites; i++)
		usable += fetch_secnet_site_usable(&view->sites[i], NULL);
	/* The files secnet's kept configuration names stay with it (the
	 * secnet output keeps its files when no site is left). */
	if (usable == 0) {
		rr_say(err, errlen, "peer-keys files in %s left as they "
		       "were", dir);
		return FETCH_OUTPUT_KEPT;
	}
	/* Only this VPN's files are ours ("peer.VPN," and more): the
	 * directory may also hold peer files that make-secnet-sites
	 * installs for other VPNs. */
	if (snprintf(vpn, sizeof(vpn), "%s/", view->vpn) >= (int)sizeof(vpn) ||
	    fetch_peerkeys_file(prefix, sizeof(prefix), vpn) < 0 ||
	    fetch_plan_own(plan, FETCH_FILE_PEERKEYS, dir, prefix, "") < 0) {
		rr_say(err, errlen, "out of memory");
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
		rr_say(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* The peer-keys directory has a default, but the files are secnet's
 * keys for the sites the secnet output names: they go together. */
static bool peerkeys_enabled(const struct fetch_output_cfg *cfg)
{
	return cfg->secnet_dir != NULL;
}

const struct fetch_output_driver fetch_output_peerkeys = {
	.keyword = "peer-keys",
	.config_path = offsetof(struct fetch_config, out_peer_keys),
	.enabled = peerkeys_enabled,
	.plan = peerkeys_plan,
};

/* ---- the protocol -------------------------------------------------------- */

/*
 * What secnet will end up using is the newest of NAME~update, NAME~proc
 * and NAME; they are read in that order (the direction secnet moves a key
 * set) so that a file moved by secnet between two reads is still seen.
 * The first one present decides.
 */
int fetch_peerkeys_compare(const char *live, const uint8_t *data, size_t len,
			   char *err, size_t errlen)
{
	static const char *const order[] = { FETCH_PK_UPDATE, FETCH_PK_PROC,
					      "" };
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int r, n = snprintf(path, sizeof(path), "%s%s", live, order[i]);

		if (n < 0 || (size_t)n >= sizeof(path)) {
			rr_say(err, errlen, "%s: path too long",
					    live);
			return -1;
		}
		r = fetch_file_compare(path, data, len, err, errlen);
		if (r != FETCH_CMP_ABSENT)
			return r;
	}
	return FETCH_CMP_ABSENT;
}

int fetch_peerkeys_install_live(const char *live_path, const uint8_t *data,
				size_t len, char *err, size_t errlen)
{
	char tmp[PATH_MAX], upd[PATH_MAX];
	int n1, n2, r;

	n1 = snprintf(tmp, sizeof(tmp), "%s" FETCH_PK_TMP, live_path);
	n2 = snprintf(upd, sizeof(upd), "%s" FETCH_PK_UPDATE, live_path);
	if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof(tmp) ||
	    (size_t)n2 >= sizeof(upd)) {
		rr_say(err, errlen, "%s: path too long",
				    live_path);
		return -1;
	}
	if (fetch_atomic_write(live_path, tmp, data, len, 0644, 0, err,
			       errlen) < 0)
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
