/*
 * main.c - vpnrr-fetch: resolve the VPN's records, verify them against
 * the trust anchor, and keep secnet's configuration in step, once (cron,
 * systemd timer) or as a daemon.
 *
 * Exit status: 0 success; 1 the refresh failed (last good state kept);
 * 2 usage or configuration error; 3 state or I/O error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <fcntl.h>

#include <jansson.h>
#include <sodium.h>
#include <uv.h>

#include "atomicfile.h"
#include "config.h"
#include "initsecnet.h"
#include "log.h"
#include "refresh.h"
#include "state.h"
#include "store.h"

#define EXIT_REFRESH 1
#define EXIT_USAGE 2
#define EXIT_IO 3
#define DEFAULT_CONFIG "/etc/vpnrr/fetch.conf"
#define STATUS_FILE "status.json"
#define MIN_INTERVAL_MS (10 * 1000)
#define RETRY_MIN_MS (10 * 1000)

/* Long options without a letter (--once; --init-secnet and its values,
 * from OPT_SITE on). */
enum {
	OPT_ONCE = 256, OPT_INIT, OPT_SITE, OPT_PRIVKEY, OPT_LOCALADDR, OPT_SECNETADDR,
	OPT_NETWORKS, OPT_REMOTE, OPT_IFACE, OPT_PORT, OPT_MTU, OPT_LOGFILE,
	OPT_PIDFILE, OPT_USERID, OPT_FORCE,
};

struct app {
	uv_loop_t loop;
	const char *config_path;
	struct fetch_config cfg;
	bool have_cfg;
	struct fetch_state *st;
	struct fetch_store *store;
	bool state_reset;  /* reported in the next report, then cleared */
	/* Checks the state's load made: counted in the next report. */
	struct rrchain_stats load_stats;
	struct fetch_log log;
	bool once, dry_run, json, daemon_mode;
	/* The next refresh compares every output with the disk even when
	 * nothing changed: --check-outputs, a daemon's first refresh and
	 * the one after SIGHUP. */
	bool check_outputs;
	bool busy, stopping, reload_pending;
	int exit_code;
	uint64_t fixed_now; /* --now, for tests; 0: the clock */
	uv_timer_t timer;
	struct fetch_refresh *rf; /* the running refresh, if busy */
	uv_signal_t sighup, sigterm, sigint;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: vpnrr-fetch [options]\n"
"\n"
"Resolves the VPN's membership and site records from DNS, verifies them\n"
"against the trust anchor, and updates secnet: new keys through peer-keys\n"
"files, structural changes by rewriting only the affected site files.\n"
"\n"
"  -c, --config PATH  configuration file (default " DEFAULT_CONFIG ")\n"
"      --once         refresh once and exit (for cron or a systemd timer)\n"
"      --dry-run      refresh once and print what would change; write nothing\n"
"      --check-outputs\n"
"                     compare every output file with the disk even when\n"
"                     nothing changed (puts right files edited or removed\n"
"                     by hand; a daemon does so when it starts and on\n"
"                     SIGHUP)\n"
"      --status       print the JSON report of the last refresh and exit\n"
"      --json         with --once or --dry-run: print the refresh report\n"
"                     as JSON on standard output\n"
"      --syslog       log to syslog instead of standard error\n"
"  -v, --verbose      log more (repeat for debug messages)\n"
"      --now SECONDS  verify as of this Unix time (testing)\n"
"      --init-secnet  write this node's whole secnet.conf around what\n"
"                     vpnrr-fetch writes, and exit; with:\n"
"        --site LOCATION/SITE   this node's site (default: local-site)\n"
"        --local-address ADDR   this host's tunnel interface (required)\n"
"        --secnet-address ADDR  secnet's own address (default: the\n"
"                               site record's peer address)\n"
"        --private-key PATH     priv-cache prefix or a key file\n"
"                               (default " FETCH_INIT_PRIVKEYS ")\n"
"        --networks P,P         local networks (default: the record's)\n"
"        --remote-networks P,P  (default: restrict-nets)\n"
"        --port N               (default: the record's endpoint port)\n"
"        --interface NAME, --mtu N, --log-file PATH (default: syslog),\n"
"        --pidfile PATH (default " FETCH_INIT_PIDFILE "), --userid NAME\n"
"        -o, --output PATH      (default: secnet-config, else\n"
"                               " FETCH_INIT_OUTPUT ")\n"
"        --force                replace an existing file\n"
"  -h, --help         this text\n"
"  -V, --version      print the version\n"
"\n"
"Without --once, --dry-run or --status it runs as a daemon: it refreshes\n"
"every refresh-interval (sooner when record TTLs are shorter, with\n"
"jitter), re-reads its configuration on SIGHUP, and exits on SIGTERM.\n"
"\n"
"Exit status: 0 success; 1 refresh failed (last good state kept);\n"
"2 usage or configuration error; 3 state or I/O error.\n"
"See vpnrr-fetch(8) and fetcher/CONFIG.md.\n");
}

static uint64_t wall_now(const struct app *a)
{
	return a->fixed_now ? a->fixed_now : (uint64_t)time(NULL);
}

/* What a report says, leaving out what every refresh counts anew (time
 * taken, queries, checks, files, events): hex of its hash in OUT, or ""
 * (out of memory). */
static void report_substance(json_t *report, char out[2 * RR_HASH_LEN + 1])
{
	static const char *const counted[] = {
		"now", "duration_ms", "dns", "verify", "pages", "files",
		"sites", "head_age", "events", "secnet", "substance",
	};
	json_t *copy = json_copy(report), *byname = json_object(), *v;
	uint8_t h[RR_HASH_LEN];
	char *text = NULL, key[2 * RR_MAX_NAME + 8];
	size_t i;

	out[0] = '\0';
	if (!copy || !byname)
		goto out;
	for (i = 0; i < sizeof(counted) / sizeof(counted[0]); i++)
		(void)json_object_del(copy, counted[i]);
	/* Verdicts come in the order the answers did: keyed, they sort. */
	json_array_foreach(json_object_get(copy, "verdicts"), i, v) {
		const char *o = json_string_value(json_object_get(v, "object"));
		const char *n = json_string_value(json_object_get(v, "name"));
		(void)snprintf(key, sizeof(key), "%s %s", o ? o : "",
			       n ? n : "");
		json_object_set(byname, key, v);
	}
	json_object_set(copy, "verdicts", byname);
	text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
	if (text) {
		crypto_hash_sha256(h, (const uint8_t *)text, strlen(text));
		sodium_bin2hex(out, 2 * RR_HASH_LEN + 1, h, RR_HASH_LEN);
	}
out:
	free(text);
	json_decref(byname);
	json_decref(copy);
}

/* The substance recorded in the status file at PATH, or false. */
static bool status_substance(const char *path, const char *want)
{
	uint8_t *data = NULL;
	size_t len = 0;
	char err[512];
	json_t *old = NULL;
	bool same = false;

	if (fetch_file_read(path, 256 * 1024 * 1024, &data, &len, err,
			    sizeof(err)) == 1 &&
	    (old = json_loadb((const char *)data, len, 0, NULL)) != NULL) {
		const char *s = json_string_value(json_object_get(old,
							      "substance"));
		same = s && strcmp(s, want) == 0;
	}
	json_decref(old);
	free(data);
	return same;
}

/*
 * The report of the last refresh that said something new, in
 * STATE-DIR/status.json: a file of its own, so that a refresh that
 * changed nothing leaves the store as it was.  A refresh that says
 * nothing new (the same verdicts, state and owed actions) writes no
 * bytes: it only sets the file's time, which --status shows as
 * "checked_at".  The temporary name is fixed: a killed run's leftover
 * is simply replaced by the next one.
 */
static void save_status(struct app *a, json_t *report)
{
	char path[4096], err[512], sub[2 * RR_HASH_LEN + 1];
	char *text = NULL;
	json_t *saved = NULL;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", a->cfg.state_dir,
			     STATUS_FILE) >= sizeof(path)) {
		fetch_log(&a->log, FETCH_LOG_ERR, "%s: path too long",
			  a->cfg.state_dir);
		goto out;
	}
	report_substance(report, sub);
	if (sub[0] && status_substance(path, sub) &&
	    utimensat(AT_FDCWD, path, NULL, 0) == 0)
		goto out;
	/* A shallow copy: the report printed by --json stays as it is. */
	saved = json_copy(report);
	if (saved && sub[0])
		json_object_set_new(saved, "substance", json_string(sub));
	text = saved ? json_dumps(saved, JSON_INDENT(2) | JSON_SORT_KEYS)
		     : NULL;
	/* Monitoring reads it at any time: old or new, never half. */
	if (!text)
		fetch_log(&a->log, FETCH_LOG_ERR, "%s: cannot write: out of "
			  "memory", path);
	else if (fetch_atomic_write(path, NULL, (const uint8_t *)text,
				    strlen(text), 0644, 0, err,
				    sizeof(err)) != 0)
		fetch_log(&a->log, FETCH_LOG_ERR, "%s", err);
out:
	json_decref(saved);
	free(text);
}

static void schedule(struct app *a, uint32_t min_ttl, unsigned failures,
		     uint64_t wake_at);
static void start_refresh(struct app *a);
static void apply_reload(struct app *a);

static void refresh_done(const struct fetch_refresh_summary *sum,
			 json_t *report, void *arg)
{
	struct app *a = arg;

	a->busy = false;
	a->rf = NULL;
	a->state_reset = false;
	if (sum->store_failed)
		a->exit_code = EXIT_IO;
	if (!a->dry_run && report)
		save_status(a, report);
	if (a->json && report) {
		char *text = json_dumps(report, JSON_INDENT(2) | JSON_SORT_KEYS);
		if (text)
			printf("%s\n", text);
		free(text);
	}
	fetch_log(&a->log, sum->ok ? FETCH_LOG_INFO : FETCH_LOG_WARN,
		  "refresh %s in %" PRIu64 " ms: %zu sites, %" PRIu64
		  " queries, %" PRIu64 " signatures checked, %zu files "
		  "written, %u reloads%s%s",
		  sum->ok ? "done" : "incomplete", sum->duration_ms,
		  sum->sites_in_view, sum->dns.queries,
		  sum->chain.heads_verified + sum->chain.sites_verified,
		  sum->files_written, sum->reloads,
		  sum->error[0] ? ": " : "", sum->error);
	/* A stale head is a failure too, though its outputs stay in use. */
	if ((!sum->ok || sum->stale) && a->exit_code == 0)
		a->exit_code = EXIT_REFRESH;
	if (a->once || a->stopping) {
		uv_stop(&a->loop);
		return;
	}
	a->exit_code = 0;
	if (a->reload_pending) {
		a->reload_pending = false;
		apply_reload(a);
		start_refresh(a);
		return;
	}
	schedule(a, sum->min_ttl, sum->reload_owed ? sum->reload_attempts : 0,
		 sum->keys_next_deadline);
}

static void start_refresh(struct app *a)
{
	struct fetch_refresh_opts o = {
		.dry_run = a->dry_run, .now = wall_now(a), .store = a->store,
		.state_reset = a->state_reset, .prior = &a->load_stats,
		.check_outputs = a->check_outputs,
	};
	char err[512];

	if (a->busy)
		return;
	/* Set first: the refresh may finish before fetch_refresh_start
	 * returns (out of memory), and refresh_done clears it. */
	a->busy = true;
	if (fetch_refresh_start(&a->loop, &a->cfg, a->st, &a->log, &o,
				refresh_done, a, &a->rf, err, sizeof(err)) != 0) {
		a->busy = false;
		memset(&a->load_stats, 0, sizeof(a->load_stats));
		fetch_log(&a->log, FETCH_LOG_ERR, "refresh: %s", err);
		a->exit_code = EXIT_REFRESH;
		if (a->once)
			uv_stop(&a->loop);
		else
			schedule(a, 0, 0, 0);
		return;
	}
	memset(&a->load_stats, 0, sizeof(a->load_stats));
	a->check_outputs = false;
}

static void on_timer(uv_timer_t *t)
{
	start_refresh(t->data);
}

/* The next refresh comes after the configured interval or half the
 * smallest TTL seen, whichever is sooner, less up to 10% jitter so that
 * a VPN's nodes do not all ask at the same moment.  A restart still owed
 * after FAILURES failed runs is retried sooner: 10 s, 20 s, 40 s, ...,
 * never later than the interval.  A peer-keys hand-over still pending
 * is looked at again by its deadline WAKE_AT (Unix time). */
static void schedule(struct app *a, uint32_t min_ttl, unsigned failures,
		     uint64_t wake_at)
{
	uint64_t ms = a->cfg.refresh_interval_ms, now = wall_now(a);

	if (min_ttl > 0 && (uint64_t)min_ttl * 500 < ms)
		ms = (uint64_t)min_ttl * 500;
	if (failures > 0) {
		uint64_t retry = (uint64_t)RETRY_MIN_MS
				 << (failures > 16 ? 16 : failures - 1);
		if (retry < ms)
			ms = retry;
	}
	if (wake_at > 0 && (wake_at > now ? wake_at - now : 0) * 1000 + 1000 < ms)
		ms = (wake_at > now ? wake_at - now : 0) * 1000 + 1000;
	if (ms < MIN_INTERVAL_MS)
		ms = MIN_INTERVAL_MS;
	ms -= randombytes_uniform((uint32_t)(ms / 10 + 1));
	fetch_log(&a->log, FETCH_LOG_DEBUG, "next refresh in %" PRIu64 " s",
		  ms / 1000);
	uv_timer_start(&a->timer, on_timer, ms, 0);
}

static int load_config(struct app *a, struct fetch_config *out)
{
	char err[FETCH_CONFIG_ERRLEN];

	if (fetch_config_load(a->config_path, out, err, sizeof(err)) != 0) {
		fetch_log(&a->log, FETCH_LOG_ERR, "%s", err);
		return -1;
	}
	return 0;
}

/* Opens CFG's store: read-only for a dry run (which must create and
 * change nothing), else for writing.  A store that had to be created
 * afresh (missing, or damaged and moved aside) means the high-water marks
 * are gone: said loudly, in the log now and in the next JSON report. */
static int open_store(struct app *a, const struct fetch_config *cfg,
		      struct fetch_store **out, bool *reset)
{
	enum fetch_store_found found;
	char err[FETCH_STATE_ERRLEN];
	char *aside = NULL;

	*reset = false;
	if (fetch_store_open(cfg->state_dir,
			     a->dry_run ? FETCH_STORE_READONLY
					: FETCH_STORE_WRITE,
			     out, &found, &aside, err, sizeof(err)) != 0) {
		fetch_log(&a->log, FETCH_LOG_ERR, "state: %s", err);
		return -1;
	}
	if (found == FETCH_STORE_CORRUPT)
		fetch_log(&a->log, FETCH_LOG_ERR,
			  "state-reset: %s/%s was damaged and is moved to %s; "
			  "starting afresh: rollback protection restarts from "
			  "what DNS serves now", cfg->state_dir,
			  FETCH_STORE_FILE, aside);
	else if (found == FETCH_STORE_MISSING && !a->dry_run)
		fetch_log(&a->log, FETCH_LOG_WARN,
			  "state-reset: no store at %s/%s (a first run, or "
			  "the store was deleted): starting afresh; rollback "
			  "protection restarts from what DNS serves now",
			  cfg->state_dir, FETCH_STORE_FILE);
	*reset = found != FETCH_STORE_EXISTING && !a->dry_run;
	free(aside);
	return 0;
}

/* Reads STORE into a new state, verifying everything in it again under
 * CFG (its anchors, zone and VPN). */
static int open_state(struct app *a, const struct fetch_config *cfg,
		      struct fetch_store *store, struct fetch_state **out)
{
	struct fetch_merge_report rep;
	struct fetch_state *st = NULL;
	char err[FETCH_STATE_ERRLEN];
	int rc = -1;

	memset(&rep, 0, sizeof(rep));
	if (fetch_state_new(cfg->state_dir, &st, err, sizeof(err)) != 0 ||
	    fetch_state_load(st, store, cfg, wall_now(a), &rep, err,
			     sizeof(err)) != 0) {
		fetch_log(&a->log, FETCH_LOG_ERR, "state: %s", err);
		fetch_state_free(st);
		goto out;
	}
	/* What the store held coming back is no news; what it no longer
	 * may hold is. */
	for (size_t i = 0; i < rep.nevents; i++)
		if (rep.events[i].kind != FETCH_EV_SITE_ADDED &&
		    rep.events[i].kind != FETCH_EV_HEAD_NEW)
			fetch_log(&a->log, FETCH_LOG_NOTICE, "state: %s%s%s: %s",
				  rep.events[i].name,
				  rep.events[i].name[0] ? " " : "",
				  fetch_event_kind_name(rep.events[i].kind),
				  rep.events[i].msg);
	*out = st;
	rrchain_stats_add(&a->load_stats, &rep.stats);
	rc = 0;
out:
	fetch_merge_report_free(&rep);
	return rc;
}

/*
 * A new configuration comes with a new state, loaded from disk and
 * verified again under it: data trusted under an anchor that was just
 * removed must not survive the reload.  On any failure the old
 * configuration and state stay.
 */
static void apply_reload(struct app *a)
{
	struct fetch_config fresh;
	struct fetch_store *store = a->store;
	struct fetch_state *st;
	bool reset = false;

	if (load_config(a, &fresh) != 0) {
		fetch_log(&a->log, FETCH_LOG_ERR,
			  "SIGHUP: keeping the old configuration");
		return;
	}
	/* A new state directory is a new store (and lock). */
	if (strcmp(fresh.state_dir, a->cfg.state_dir) != 0 &&
	    open_store(a, &fresh, &store, &reset) != 0)
		goto keep;
	if (open_state(a, &fresh, store, &st) != 0) {
		if (store != a->store)
			fetch_store_close(store);
		goto keep;
	}
	fetch_state_free(a->st);
	a->st = st;
	if (store != a->store) {
		fetch_store_close(a->store);
		a->store = store;
		a->state_reset = reset;
	}
	fetch_config_free(&a->cfg);
	a->cfg = fresh;
	a->check_outputs = true;
	fetch_log(&a->log, FETCH_LOG_NOTICE,
		  "SIGHUP: configuration reloaded; refreshing");
	return;
keep:
	fetch_log(&a->log, FETCH_LOG_ERR,
		  "SIGHUP: keeping the old configuration and state");
	fetch_config_free(&fresh);
}

static void on_sighup(uv_signal_t *s, int signo)
{
	struct app *a = s->data;

	if (a->busy) {
		/* The running refresh uses the config and state: swap them
		 * once it has finished and saved. */
		a->reload_pending = true;
		fetch_log(&a->log, FETCH_LOG_NOTICE,
			  "SIGHUP: will reload after the running refresh");
		return;
	}
	apply_reload(a);
	uv_timer_stop(&a->timer);
	start_refresh(a);
}

static void on_sigterm(uv_signal_t *s, int signo)
{
	struct app *a = s->data;

	if (a->stopping) {
		/* Asked twice: do not wait for the refresh to finish. */
		fetch_log(&a->log, FETCH_LOG_NOTICE,
			  "signal %d again: exiting now", signo);
		exit(EXIT_REFRESH);
	}
	fetch_log(&a->log, FETCH_LOG_NOTICE,
		  "signal %d: stopping after the running refresh", signo);
	a->stopping = true;
	uv_timer_stop(&a->timer);
	if (!a->busy)
		uv_stop(&a->loop);
	else if (a->rf)
		fetch_refresh_hurry(a->rf);
	/* else: refresh_done stops the loop once the refresh has saved. */
}

static void close_cb(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static json_t *owed_json(const struct fetch_owed *v, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++) {
		json_t *o = json_pack("{s:s,s:I}", "action",
				      fetch_owed_kind_name(v[i].kind),
				      "attempts", (json_int_t)v[i].attempts);
		if (o && v[i].path)
			json_object_set_new(o, "path", json_string(v[i].path));
		if (o && v[i].last_error)
			json_object_set_new(o, "last_error",
					    json_string(v[i].last_error));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* The last refresh's report, with what is still owed now. */
static int print_status(struct app *a)
{
	enum fetch_store_found found;
	struct fetch_store *s = NULL;
	struct fetch_owed *v = NULL;
	char err[FETCH_STATE_ERRLEN], *aside = NULL, *text = NULL;
	char path[4096];
	struct stat sb;
	uint8_t *rep = NULL;
	json_t *root = NULL;
	size_t len, n = 0;
	int rc = EXIT_IO, r;

	if (fetch_store_open(a->cfg.state_dir, FETCH_STORE_READONLY, &s,
			     &found, &aside, err, sizeof(err)) != 0)
		goto fail;
	if (found == FETCH_STORE_MISSING) {
		snprintf(err, sizeof(err), "%s/%s: no store yet: vpnrr-fetch "
			 "has not run", a->cfg.state_dir, FETCH_STORE_FILE);
		goto fail;
	}
	(void)snprintf(path, sizeof(path), "%s/%s", a->cfg.state_dir,
		       STATUS_FILE);
	r = fetch_file_read(path, 64 * 1024 * 1024, &rep, &len, err,
			    sizeof(err));
	if (r < 0 || fetch_store_owed(s, &v, &n, err, sizeof(err)) != 0)
		goto fail;
	root = r == 1 ? json_loadb((const char *)rep, len, 0, NULL)
		      : json_object();
	if (!root)
		root = json_object();
	if (r == 1 && stat(path, &sb) == 0)
		json_object_set_new(root, "checked_at",
				    json_integer((json_int_t)sb.st_mtime));
	json_object_set_new(root, "owed", owed_json(v, n));
	text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!text) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	printf("%s\n", text);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "vpnrr-fetch: %s\n", err);
out:
	free(text);
	json_decref(root);
	free(rep);
	free(aside);
	fetch_owed_free(v, n);
	fetch_store_close(s);
	return rc;
}

/* The verified view, if the node has fetched, for --init-secnet's
 * defaults; then the file.  The store is opened read-only: nothing of
 * the state changes. */
static int init_secnet(struct app *a, const struct fetch_init_secnet *o)
{
	enum fetch_store_found found;
	char err[FETCH_STATE_ERRLEN], *aside = NULL;
	int rc = EXIT_IO;

	if (fetch_store_open(a->cfg.state_dir, FETCH_STORE_READONLY, &a->store,
			     &found, &aside, err, sizeof(err)) != 0) {
		fprintf(stderr, "vpnrr-fetch: state: %s\n", err);
		goto out;
	}
	if (found == FETCH_STORE_EXISTING &&
	    open_state(a, &a->cfg, a->store, &a->st) != 0)
		goto out;
	rc = EXIT_USAGE;
	if (fetch_init_secnet(o, &a->cfg, a->st ? fetch_state_view(a->st)
						: NULL, stderr, err,
			      sizeof(err)) != 0) {
		fprintf(stderr, "vpnrr-fetch: --init-secnet: %s\n", err);
		goto out;
	}
	rc = 0;
out:
	free(aside);
	return rc;
}

/* An --init-secnet number option. */
static int number_arg(const char *name, const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !*s || v == 0 || v > 65535) {
		fprintf(stderr, "vpnrr-fetch: %s %s: not a number from 1 to "
			"65535\n", name, s);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int run(struct app *a)
{
	int rc;

	if ((rc = uv_loop_init(&a->loop)) != 0) {
		fetch_log(&a->log, FETCH_LOG_ERR, "libuv: %s", uv_strerror(rc));
		return EXIT_IO;
	}
	uv_timer_init(&a->loop, &a->timer);
	a->timer.data = a;
	uv_signal_init(&a->loop, &a->sigterm);
	uv_signal_init(&a->loop, &a->sigint);
	uv_signal_init(&a->loop, &a->sighup);
	a->sigterm.data = a->sigint.data = a->sighup.data = a;
	uv_signal_start(&a->sigterm, on_sigterm, SIGTERM);
	uv_signal_start(&a->sigint, on_sigterm, SIGINT);
	if (a->daemon_mode)
		uv_signal_start(&a->sighup, on_sighup, SIGHUP);
	start_refresh(a);
	uv_run(&a->loop, UV_RUN_DEFAULT);
	/* Let pending closes (DNS sockets, watches) finish, then close ours. */
	uv_walk(&a->loop, close_cb, NULL);
	uv_run(&a->loop, UV_RUN_DEFAULT);
	uv_loop_close(&a->loop);
	return a->exit_code;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "check-outputs", no_argument, NULL, 'k' },
		{ "status", no_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "syslog", no_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "now", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "init-secnet", no_argument, NULL, OPT_INIT },
		{ "site", required_argument, NULL, OPT_SITE },
		{ "private-key", required_argument, NULL, OPT_PRIVKEY },
		{ "local-address", required_argument, NULL, OPT_LOCALADDR },
		{ "secnet-address", required_argument, NULL, OPT_SECNETADDR },
		{ "networks", required_argument, NULL, OPT_NETWORKS },
		{ "remote-networks", required_argument, NULL, OPT_REMOTE },
		{ "interface", required_argument, NULL, OPT_IFACE },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "mtu", required_argument, NULL, OPT_MTU },
		{ "log-file", required_argument, NULL, OPT_LOGFILE },
		{ "pidfile", required_argument, NULL, OPT_PIDFILE },
		{ "userid", required_argument, NULL, OPT_USERID },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ NULL, 0, NULL, 0 },
	};
	struct fetch_init_secnet init;
	bool init_mode = false, init_opt = false;
	struct app a;
	bool status = false, use_syslog = false;
	enum fetch_loglevel level = FETCH_LOG_NOTICE;
	int c, rc;

	memset(&a, 0, sizeof(a));
	memset(&init, 0, sizeof(init));
	a.config_path = DEFAULT_CONFIG;
	while ((c = getopt_long(argc, argv, "c:vhVo:", opts, NULL)) != -1) {
		init_opt |= c >= OPT_SITE || c == 'o';
		switch (c) {
		case OPT_INIT: init_mode = true; break;
		case OPT_SITE: init.site = optarg; break;
		case OPT_PRIVKEY: init.private_key = optarg; break;
		case OPT_LOCALADDR: init.local_address = optarg; break;
		case OPT_SECNETADDR: init.secnet_address = optarg; break;
		case OPT_NETWORKS: init.networks = optarg; break;
		case OPT_REMOTE: init.remote_networks = optarg; break;
		case OPT_IFACE: init.interface = optarg; break;
		case OPT_LOGFILE: init.log_file = optarg; break;
		case OPT_PIDFILE: init.pidfile = optarg; break;
		case OPT_USERID: init.userid = optarg; break;
		case OPT_FORCE: init.force = true; break;
		case 'o': init.output = optarg; break;
		case OPT_PORT:
			if (number_arg("--port", optarg, &init.port) != 0)
				return EXIT_USAGE;
			break;
		case OPT_MTU:
			if (number_arg("--mtu", optarg, &init.mtu) != 0)
				return EXIT_USAGE;
			break;
		case 'c': a.config_path = optarg; break;
		case OPT_ONCE: a.once = true; break;
		case 'n': a.dry_run = a.once = true; break;
		case 'k': a.check_outputs = true; break;
		case 's': status = true; break;
		case 'j': a.json = true; break;
		case 'l': use_syslog = true; break;
		case 'v': if (level < FETCH_LOG_DEBUG) level++; break;
		case 't': {
			char *end;
			errno = 0;
			a.fixed_now = strtoull(optarg, &end, 10);
			if (errno || *end || a.fixed_now == 0) {
				fprintf(stderr, "vpnrr-fetch: --now %s: not a "
					"Unix time\n", optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case 'h': usage(stdout); return 0;
		case 'V': printf("vpnrr-fetch %s\n", VPNRR_VERSION); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (init_opt && !init_mode) {
		fprintf(stderr, "vpnrr-fetch: --site, --private-key, --output "
			"and the like go with --init-secnet\n");
		return EXIT_USAGE;
	}
	if (init_mode && (a.once || status || a.check_outputs)) {
		fprintf(stderr, "vpnrr-fetch: --init-secnet writes secnet.conf "
			"only: no --once, --dry-run, --status or "
			"--check-outputs with it\n");
		return EXIT_USAGE;
	}
	if (optind != argc) {
		fprintf(stderr, "vpnrr-fetch: unexpected argument %s\n",
			argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "vpnrr-fetch: libsodium failed to start\n");
		return EXIT_IO;
	}
	a.daemon_mode = !a.once && !status;
	if (a.daemon_mode)
		a.check_outputs = true;
	fetch_log_open(&a.log, use_syslog, level);
	if (load_config(&a, &a.cfg) != 0) {
		fetch_log_close(&a.log);
		return EXIT_USAGE;
	}
	a.have_cfg = true;
	if (init_mode) {
		rc = init_secnet(&a, &init);
		goto out;
	}
	if (status) {
		rc = print_status(&a);
		goto out;
	}
	if (open_store(&a, &a.cfg, &a.store, &a.state_reset) != 0 ||
	    open_state(&a, &a.cfg, a.store, &a.st) != 0) {
		rc = EXIT_IO;
		goto out;
	}
	/* A store created by a run that was stopped before its first
	 * commit holds no high-water marks either. */
	if (!a.dry_run && !a.state_reset && fetch_state_empty(a.st)) {
		fetch_log(&a.log, FETCH_LOG_WARN, "state-reset: %s/%s holds no "
			  "state yet (an earlier first run did not finish): "
			  "starting afresh", a.cfg.state_dir, FETCH_STORE_FILE);
		a.state_reset = true;
	}
	/* SIGPIPE from a closed stdout must not kill a daemon mid-write. */
	signal(SIGPIPE, SIG_IGN);
	rc = run(&a);
out:
	fetch_state_free(a.st);
	fetch_store_close(a.store);
	if (a.have_cfg)
		fetch_config_free(&a.cfg);
	fetch_log_close(&a.log);
	return rc;
}
