/*
 * wireguard.c - drivers `wireguard' (a live interface, through wg(8))
 * and `wg-quick' (a peers file for `wg addconf' / `wg syncconf').
 *
 * Both render the same peers text from the view: one [Peer] section per
 * site that announces WireGuard reachability (wg= and an x25519 key),
 * this node's own site excepted, with the site's networks (IPv4 and
 * IPv6) and the gateway networks routed to it (gwnets.h) as AllowedIPs.
 * No [Interface] section: the operator owns the interface's private key
 * and listen port, and nothing here ever touches them.
 *
 * `wg-quick PATH' writes that text to PATH (atomically, like every
 * output file).  `wireguard IFACE' hands it to the journal as a SYNC
 * action; sync() then reads the interface's peers (`wg show IFACE
 * dump') and changes only the peers that differ: `wg set IFACE peer K
 * remove' for peers not in the text, `wg set IFACE peer K [endpoint E]
 * [allowed-ips A]' for new peers and for changed endpoints or
 * allowed-ips.  A peer that did not change is not touched, so its
 * session and handshake stay.  The interface belongs to the VPN: peers
 * the data does not list are removed.
 *
 * Host-name endpoints: the file keeps the name (wg resolves it when the
 * file is loaded); sync() resolves it itself and gives wg the address,
 * so that an unchanged name whose address is live is left alone and a
 * name that does not resolve leaves the peer without a new endpoint (it
 * can still reach us) instead of failing every other peer's change.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sodium.h>

#include "config.h"
#include "gwnets.h"
#include "output.h"
#include "wgsync.h"

#define WG_KEYLEN 32 /* an X25519 public key */
#define WG_TIMEOUT_MS 10000
#define WG_MAX_OUTPUT (16u << 20)
#define WG_KEY_B64LEN 45 /* 44 characters and a NUL */
#define WG_ALLOWED_MAX (2 * RR_MAX_NETS * (RR_PREFIXSTRLEN + 1) + 1)

extern char **environ;

/* ---- which sites are peers ----------------------------------------------- */

/* The first x25519 key of keys= (preference order), or NULL.  Its size
 * and order were checked by the consumer rules (verify/wg_rules.c). */
static const struct rr_tkey *wg_key(const struct rr_record *r)
{
	for (size_t i = 0; i < r->ntkeys; i++)
		if (r->tkeys[i].def == &rr_alg_x25519)
			return &r->tkeys[i];
	return NULL;
}

/* "vpn/location/site" is this node's "location/site". */
static bool is_local(const struct fetch_output_cfg *cfg, const char *name)
{
	const char *slash = strchr(name, '/');

	return cfg->local_site && slash &&
	       strcmp(slash + 1, cfg->local_site) == 0;
}

static bool is_peer(const struct fetch_site *s, const void *arg)
{
	const struct fetch_output_cfg *cfg = arg;
	const struct rr_tkey *k;

	if (!s->site || !s->site->has_wg)
		return false;
	k = wg_key(s->site);
	return k && k->len == WG_KEYLEN && !is_local(cfg, s->name);
}

/* Reached directly: a peer, or this node itself. */
static bool is_direct(const struct fetch_site *s, const void *arg)
{
	return is_peer(s, arg) || is_local(arg, s->name);
}

/* ---- the peers text ------------------------------------------------------ */

static void add_allowed(struct fetch_text *t, const struct rr_prefix *p,
			bool *first)
{
	char s[RR_PREFIXSTRLEN];

	rr_prefix_format(p, s);
	fetch_text_addf(t, "%s%s", *first ? "" : ", ", s);
	*first = false;
}

static void render_peer(const struct fetch_output_cfg *cfg,
			const struct fetch_view *view, size_t i,
			struct fetch_text *t, struct fetch_plan *plan)
{
	const struct fetch_site *s = &view->sites[i];
	const struct rr_record *r = s->site;
	const struct rr_tkey *k = wg_key(r);
	char key[WG_KEY_B64LEN], ep[RR_ENDPOINTSTRLEN], why[256];
	bool first = true;

	sodium_bin2base64(key, sizeof(key), k->data, k->len,
			  sodium_base64_VARIANT_ORIGINAL);
	fetch_text_addf(t, "\n[Peer]\n# %s\nPublicKey = %s\n", s->name, key);
	if (r->wg_ep) {
		rr_endpoint_format(r->wg_ep, ep);
		fetch_text_addf(t, "Endpoint = %s\n", ep);
	}
	fetch_text_add(t, "AllowedIPs = ");
	for (size_t j = 0; j < r->nnets; j++)
		add_allowed(t, &r->nets[j], &first);
	for (size_t j = 0; j < r->ngw_nets; j++) {
		if (fetch_gw_net_routed(view, i, j, is_direct, cfg, why,
					sizeof(why)))
			add_allowed(t, &r->gw_nets[j], &first);
		else if (plan)
			fetch_plan_notice(plan, "site %s: wireguard: %s: "
					  "left out", s->name, why);
	}
	fetch_text_add(t, "\n");
}

/* The peers text of VIEW into T; gateway networks left out are noticed
 * in PLAN (NULL: not noticed, another driver says it). */
static void render(const struct fetch_output_cfg *cfg,
		   const struct fetch_view *view, struct fetch_text *t,
		   struct fetch_plan *plan)
{
	fetch_text_addf(t, "# WireGuard peers of VPN %s, written by "
			"vpnrr-fetch: do not edit.\n# No [Interface] "
			"section: load with wg addconf or wg syncconf.\n",
			view->vpn);
	for (size_t i = 0; i < view->nsites; i++)
		if (is_peer(&view->sites[i], cfg))
			render_peer(cfg, view, i, t, plan);
}

/* ---- driver wg-quick ----------------------------------------------------- */

static bool live_enabled(const struct fetch_output_cfg *cfg)
{
	return cfg->wg_iface != NULL;
}

static bool quick_enabled(const struct fetch_output_cfg *cfg)
{
	return cfg->wg_quick_path != NULL;
}

static int quick_plan(const struct fetch_output_cfg *cfg,
		      const struct fetch_view *view, struct fetch_plan *plan,
		      char *err, size_t errlen)
{
	const char *slash = strrchr(cfg->wg_quick_path, '/');
	struct fetch_text t;
	char *dir;
	int rc;

	if (!slash || slash[1] == '\0') {
		(void)snprintf(err, errlen, "output wg-quick %s: not a file "
			       "path", cfg->wg_quick_path);
		return -1;
	}
	dir = strndup(cfg->wg_quick_path,
		      slash == cfg->wg_quick_path
			      ? 1 : (size_t)(slash - cfg->wg_quick_path));
	if (!dir) {
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	fetch_text_init(&t);
	/* Both drivers render the same peers: with the live one configured
	 * too, it alone notices what is left out, so the log says it once. */
	render(cfg, view, &t, live_enabled(cfg) ? NULL : plan);
	rc = fetch_plan_add_file(plan, FETCH_FILE_STATE, dir, slash + 1, &t);
	if (rc != 0)
		(void)snprintf(err, errlen, "out of memory");
	fetch_text_free(&t);
	free(dir);
	return rc;
}

const struct fetch_output_driver fetch_output_wg_quick = {
	.keyword = "wg-quick",
	.config_path = offsetof(struct fetch_config, out_wg_quick),
	.enabled = quick_enabled,
	.plan = quick_plan,
};

/* ---- driver wireguard: plan ---------------------------------------------- */

static int live_plan(const struct fetch_output_cfg *cfg,
		     const struct fetch_view *view, struct fetch_plan *plan,
		     char *err, size_t errlen)
{
	struct fetch_text t;
	int rc;

	fetch_text_init(&t);
	render(cfg, view, &t, plan);
	rc = fetch_plan_add_sync(plan, "wireguard", cfg->wg_iface, &t);
	if (rc != 0)
		(void)snprintf(err, errlen, "out of memory");
	return rc;
}

/* ---- running wg ---------------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Runs wg with ARGV (argv[0] "wg", found on PATH), its output (stdout and
 * stderr) into OUT (NUL-terminated, freed by the caller).  Bounded: a wg
 * that runs longer than WG_TIMEOUT_MS is killed.  0 when it exited 0;
 * -1 with ERR (its output, or why it could not run) otherwise.
 */
static int run_wg(char *const argv[], char **out, char *err, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	int fds[2] = { -1, -1 }, status = 0, rc = -1;
	size_t len = 0, cap = 4096;
	int64_t deadline = now_ms() + WG_TIMEOUT_MS;
	char *buf = malloc(cap);
	pid_t pid = -1;
	bool fa_ok = false, timed_out = false;

	*out = NULL;
	if (!buf || pipe2(fds, O_CLOEXEC) != 0) {
		(void)snprintf(err, errlen, "wg: %s", strerror(errno));
		goto out;
	}
	if (posix_spawn_file_actions_init(&fa) != 0)
		goto out;
	fa_ok = true;
	if (posix_spawn_file_actions_adddup2(&fa, fds[1], 1) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, fds[1], 2) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY,
					     0) != 0)
		goto out;
	errno = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	if (errno != 0) {
		pid = -1;
		(void)snprintf(err, errlen, "wg: cannot run: %s",
			       strerror(errno));
		goto out;
	}
	close(fds[1]);
	fds[1] = -1;
	for (;;) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t n;

		if (left <= 0) {
			timed_out = true;
			break;
		}
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			break;
		if (len + 1 >= cap) {
			char *nb = cap < WG_MAX_OUTPUT ? realloc(buf, cap * 2)
						       : NULL;
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fds[0], buf + len, cap - len - 1);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			break;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (timed_out)
		(void)kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out) {
		(void)snprintf(err, errlen, "wg %s: no answer within %d s",
			       argv[1], WG_TIMEOUT_MS / 1000);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		buf[strcspn(buf, "\n")] = '\0';
		(void)snprintf(err, errlen, "wg %s %s: %s", argv[1],
			       argv[2] ? argv[2] : "",
			       buf[0] ? buf : "failed");
	} else {
		*out = buf;
		buf = NULL;
		rc = 0;
	}
out:
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	free(buf);
	return rc;
}

/* ---- peers: desired and live --------------------------------------------- */

struct wg_peer {
	char key[WG_KEY_B64LEN];
	char endpoint[RR_ENDPOINTSTRLEN]; /* "" none */
	char allowed[WG_ALLOWED_MAX];     /* "a,b,c" sorted, "" none */
	bool seen;
};

struct wg_peers {
	struct wg_peer *v;
	size_t n, cap;
};

static struct wg_peer *peers_add(struct wg_peers *p)
{
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 16;
		struct wg_peer *nv = realloc(p->v, nc * sizeof(*nv));
		if (!nv)
			return NULL;
		p->v = nv;
		p->cap = nc;
	}
	memset(&p->v[p->n], 0, sizeof(p->v[0]));
	return &p->v[p->n++];
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "a, b,c" -> "a,b,c" sorted (sets compare as strings).  false when it
 * does not fit. */
static bool canon_allowed(const char *in, char *out, size_t outlen)
{
	char tmp[WG_ALLOWED_MAX], *items[2 * RR_MAX_NETS + 8], *save = NULL;
	size_t n = 0, len = 0;

	if (strlen(in) >= sizeof(tmp))
		return false;
	memcpy(tmp, in, strlen(in) + 1);
	for (char *t = strtok_r(tmp, ", ", &save); t;
	     t = strtok_r(NULL, ", ", &save)) {
		if (n == sizeof(items) / sizeof(items[0]))
			return false;
		items[n++] = t;
	}
	qsort(items, n, sizeof(items[0]), cmp_str);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(out + len, outlen - len, "%s%s", i ? "," : "",
				 items[i]);
		if (w < 0 || (size_t)w >= outlen - len)
			return false;
		len += (size_t)w;
	}
	return true;
}

/* The base64 of an X25519 public key.  Keys from the dump and from the
 * owed peers text become `wg set' arguments: only this form may. */
static bool key_valid(const char *s)
{
	uint8_t k[WG_KEYLEN];
	size_t len = 0;

	return strlen(s) == WG_KEY_B64LEN - 1 &&
	       sodium_base642bin(k, sizeof(k), s, WG_KEY_B64LEN - 1, NULL,
				 &len, NULL,
				 sodium_base64_VARIANT_ORIGINAL) == 0 &&
	       len == WG_KEYLEN;
}

/* ALLOWED (canonical, "a,b,c") holds prefixes only. */
static bool allowed_valid(const char *allowed)
{
	char tmp[WG_ALLOWED_MAX], *save = NULL;
	struct rr_prefix p;
	struct rr_error e;

	if (strlen(allowed) >= sizeof(tmp))
		return false;
	memcpy(tmp, allowed, strlen(allowed) + 1);
	for (char *t = strtok_r(tmp, ",", &save); t;
	     t = strtok_r(NULL, ",", &save))
		if (rr_prefix_parse(t, &p, &e) != RR_OK)
			return false;
	return true;
}

static bool copy_field(char *dst, size_t dstlen, const char *src)
{
	size_t n = strlen(src);

	if (n >= dstlen)
		return false;
	memcpy(dst, src, n + 1);
	return true;
}

/* The text render() wrote, back into peers. */
static int parse_desired(const uint8_t *data, size_t len,
			 struct wg_peers *out, char *err, size_t errlen)
{
	char *text = strndup((const char *)data, len), *save = NULL;
	struct wg_peer *cur = NULL;
	int rc = -1;

	if (!text) {
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (char *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		bool ok = true;
		if (strcmp(l, "[Peer]") == 0) {
			cur = peers_add(out);
			ok = cur != NULL;
		} else if (l[0] == '#' || !cur) {
			continue;
		} else if (strncmp(l, "PublicKey = ", 12) == 0) {
			/* One key a section: a second would make the
			 * first a peer to remove. */
			ok = !cur->key[0] && key_valid(l + 12) &&
			     copy_field(cur->key, sizeof(cur->key), l + 12);
		} else if (strncmp(l, "Endpoint = ", 11) == 0) {
			struct rr_endpoint ep;
			struct rr_error e;
			ok = rr_endpoint_parse(l + 11, &ep, &e) == RR_OK &&
			     copy_field(cur->endpoint, sizeof(cur->endpoint),
					l + 11);
		} else if (strncmp(l, "AllowedIPs = ", 13) == 0) {
			ok = canon_allowed(l + 13, cur->allowed,
					   sizeof(cur->allowed)) &&
			     allowed_valid(cur->allowed);
		}
		if (!ok) {
			(void)snprintf(err, errlen, "wireguard: owed peers "
				       "text unreadable");
			goto out;
		}
	}
	/* The text is an owed row read back from the store: a section
	 * without its key would make a `wg set' line without one. */
	for (size_t i = 0; i < out->n; i++)
		if (!out->v[i].key[0]) {
			(void)snprintf(err, errlen, "wireguard: owed peers "
				       "text unreadable");
			goto out;
		}
	rc = 0;
out:
	free(text);
	return rc;
}

/* `wg show IFACE dump': a line for the interface, then per peer: key,
 * preshared key, endpoint, allowed ips, latest handshake, rx, tx,
 * keepalive, separated by tabs. */
static int parse_dump(char *dump, struct wg_peers *out, char *err,
		      size_t errlen)
{
	char *save = NULL;
	bool first = true;

	for (char *l = strtok_r(dump, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char *f[8], *fs = NULL;
		size_t n = 0;
		struct wg_peer *p;

		if (first) {
			first = false;
			continue;
		}
		for (char *t = strtok_r(l, "\t", &fs); t && n < 8;
		     t = strtok_r(NULL, "\t", &fs))
			f[n++] = t;
		if (n < 4)
			continue;
		p = peers_add(out);
		if (!p) {
			(void)snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (!key_valid(f[0])) {
			(void)snprintf(err, errlen, "wg show dump: a peer "
				       "line without a WireGuard key");
			return -1;
		}
		if (!copy_field(p->key, sizeof(p->key), f[0]) ||
		    (strcmp(f[2], "(none)") != 0 &&
		     !copy_field(p->endpoint, sizeof(p->endpoint), f[2])) ||
		    (strcmp(f[3], "(none)") != 0 &&
		     !canon_allowed(f[3], p->allowed, sizeof(p->allowed)))) {
			(void)snprintf(err, errlen, "wg show dump: a peer "
				       "line too long");
			return -1;
		}
	}
	return 0;
}

static struct wg_peer *peers_find(struct wg_peers *p, const char *key)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].key, key) == 0)
			return &p->v[i];
	return NULL;
}

/* ---- endpoints ----------------------------------------------------------- */

/* ENDPOINT with a host name resolved to an address, into OUT ("" when
 * the name does not resolve); literal endpoints are copied. */
static void resolve_endpoint(const char *endpoint, char *out, size_t outlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai = NULL;
	char host[RR_ENDPOINTSTRLEN], a[INET6_ADDRSTRLEN];
	const char *colon = strrchr(endpoint, ':');
	size_t hl;

	out[0] = '\0';
	if (!colon || endpoint[0] == '[' ||
	    strspn(endpoint, "0123456789.:") == strlen(endpoint)) {
		(void)copy_field(out, outlen, endpoint);
		return;
	}
	hl = (size_t)(colon - endpoint);
	if (hl >= sizeof(host))
		return;
	memcpy(host, endpoint, hl);
	host[hl] = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0 || !ai)
		return;
	if (ai->ai_family == AF_INET6 &&
	    inet_ntop(AF_INET6,
		      &((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr,
		      a, sizeof(a)))
		(void)snprintf(out, outlen, "[%s]:%s", a, colon + 1);
	else if (ai->ai_family == AF_INET &&
		 inet_ntop(AF_INET,
			   &((struct sockaddr_in *)(void *)ai->ai_addr)
				    ->sin_addr, a, sizeof(a)))
		(void)snprintf(out, outlen, "%s:%s", a, colon + 1);
	freeaddrinfo(ai);
}

/* ---- driver wireguard: sync ---------------------------------------------- */

/* The wg set arguments for one desired peer D against its live state L
 * (NULL: absent), if it differs. */
static void diff_peer(const struct wg_peer *d, const struct wg_peer *l,
		      struct fetch_text *out)
{
	char ep[RR_ENDPOINTSTRLEN];
	const char *set_ep = NULL;
	bool set_allowed;

	if (d->endpoint[0]) {
		resolve_endpoint(d->endpoint, ep, sizeof(ep));
		if (ep[0] && (!l || strcmp(ep, l->endpoint) != 0))
			set_ep = ep;
	}
	set_allowed = !l || strcmp(d->allowed, l->allowed) != 0;
	if (!set_ep && !set_allowed)
		return;
	fetch_text_addf(out, "peer %s", d->key);
	if (set_ep)
		fetch_text_addf(out, " endpoint %s", set_ep);
	/* An empty list clears the peer's allowed IPs; wg takes "". */
	if (set_allowed)
		fetch_text_addf(out, " allowed-ips %s",
				d->allowed[0] ? d->allowed : "\"\"");
	fetch_text_add(out, "\n");
}

int fetch_wg_diff(const uint8_t *data, size_t len, char *dump,
		  struct fetch_text *out, char *err, size_t errlen)
{
	struct wg_peers want = { 0 }, have = { 0 };
	int rc = -1;

	if (parse_desired(data, len, &want, err, errlen) != 0 ||
	    parse_dump(dump, &have, err, errlen) != 0)
		goto out;
	/* Removals first: a key change frees the old peer's allowed-ips
	 * before the new peer takes them. */
	for (size_t i = 0; i < have.n; i++)
		if (!peers_find(&want, have.v[i].key))
			fetch_text_addf(out, "peer %s remove\n", have.v[i].key);
	for (size_t i = 0; i < want.n; i++)
		diff_peer(&want.v[i], peers_find(&have, want.v[i].key), out);
	if (out->failed) {
		(void)snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(want.v);
	free(have.v);
	return rc;
}

/* Runs `wg set IFACE ARGS' for one line of fetch_wg_diff(). */
static int wg_set(const char *iface, char *line, char *err, size_t errlen)
{
	char *argv[12], *out = NULL, *save = NULL;
	size_t n = 0;
	int rc;

	argv[n++] = (char *)"wg";
	argv[n++] = (char *)"set";
	argv[n++] = (char *)iface;
	for (char *t = strtok_r(line, " ", &save); t;
	     t = strtok_r(NULL, " ", &save)) {
		if (n == sizeof(argv) / sizeof(argv[0]) - 1) {
			(void)snprintf(err, errlen, "wireguard: a wg set "
				       "command too long");
			return -1;
		}
		argv[n++] = strcmp(t, "\"\"") == 0 ? (char *)"" : t;
	}
	argv[n] = NULL;
	rc = run_wg(argv, &out, err, errlen);
	free(out);
	return rc;
}

/* IFACE as the configuration takes it (config_keywords.c): it comes back
 * from an owed row in the store, which the disk may have damaged, and a
 * leading '-' would reach wg as an option. */
static bool iface_valid(const char *iface)
{
	size_t n = strlen(iface);

	return n > 0 && n <= 15 && iface[0] != '-' &&
	       strspn(iface, "abcdefghijklmnopqrstuvwxyz"
			     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.=+") == n &&
	       strcmp(iface, ".") != 0 && strcmp(iface, "..") != 0;
}

static int live_sync(const char *iface, const uint8_t *data, size_t len,
		     char *err, size_t errlen)
{
	char *argv[] = { (char *)"wg", (char *)"show", (char *)iface,
			 (char *)"dump", NULL };
	struct fetch_text cmds;
	char *dump = NULL, *save = NULL;
	int rc = -1;

	fetch_text_init(&cmds);
	if (!iface_valid(iface)) {
		(void)snprintf(err, errlen, "wireguard: owed sync names no "
			       "interface (\"%.20s\")", iface);
		goto out;
	}
	if (run_wg(argv, &dump, err, errlen) != 0 ||
	    fetch_wg_diff(data, len, dump, &cmds, err, errlen) != 0)
		goto out;
	for (char *l = cmds.buf ? strtok_r(cmds.buf, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save))
		if (wg_set(iface, l, err, errlen) != 0)
			goto out;
	rc = 0;
out:
	fetch_text_free(&cmds);
	free(dump);
	return rc;
}

const struct fetch_output_driver fetch_output_wireguard = {
	.keyword = "wireguard",
	.config_path = offsetof(struct fetch_config, out_wireguard),
	.enabled = live_enabled,
	.plan = live_plan,
	.sync = live_sync,
};
