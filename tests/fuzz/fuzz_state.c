/*
 * fuzz_state.c - libFuzzer target for the state loader: the store
 * (fetcher/store.c: open, integrity check, moving a damaged file aside,
 * the journal) and the state read back from it (fetcher/state.c:
 * fetch_state_load, which checks the stored record bytes against what
 * they verified as, and verifies them again when that fails).
 *
 * A valid store (a few sites, two pages, journal rows of every kind, a
 * sync among them, and anchor rows: adopted, pending, retired) is made
 * once; each
 * input then damages a copy of it, as a disk, an editor or another
 * program might.  The first byte chooses how:
 *   'S'  the rest is SQL run on the copy (ATTACH, PRAGMA and such are
 *        denied): rows deleted, values of the wrong type or size;
 *   'P'  the rest is patches: 4-byte little-endian offset, 1 byte XORed
 *        in there (an offset past the end truncates the file there);
 *   any other: the rest is the whole state.db file.
 * Beyond "no crash", the store must open (a damaged file is moved aside,
 * a node must never stay wedged), the state must load unless the store
 * is another VPN's, and a state that loads must save and load back to
 * the same view and the same anchor rows.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "helpers.h"
#include "state.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *work;              /* the store under test lives here */
static char dbpath[512];
static struct world w;
static uint8_t *tmpl;           /* the valid state.db file */
static size_t tmpl_len;

static void must(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_state: setup: %s\n", what);
		abort();
	}
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n = 0;

	must(f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	     fseek(f, 0, SEEK_SET) == 0, "read state.db");
	buf = malloc((size_t)n);
	must(buf && fread(buf, 1, (size_t)n, f) == (size_t)n, "read state.db");
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void spit(const uint8_t *data, size_t len)
{
	FILE *f = fopen(dbpath, "wb");

	must(f && fwrite(data, 1, len, f) == len && fclose(f) == 0,
	     "write state.db");
}

/* Everything in WORK but the lock goes, so each input starts alike. */
static void clean(void)
{
	DIR *d = opendir(work);
	struct dirent *de;
	char p[600];

	must(d != NULL, "opendir");
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "lock") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", work, de->d_name);
		(void)unlink(p);
	}
	closedir(d);
}

/* Anchor rows of each status (schema 3): anchor2 announced twice by
 * the anchor, a hold-down apart (adopted), another key announced since
 * (pending), the rogue key retired. */
static void add_anchors(struct fetch_state *st, struct fetch_merge_report *rep)
{
	struct fetch_config cfg = w.cfg;
	struct rr_seckey other;
	struct rrchain_anchor_stmt s[3];
	struct rr_pubkey got;

	h_seckey(&other, 7);
	memset(s, 0, sizeof(s));
	s[0].key = w.anchor2.pub;
	s[1].key = other.pub;
	s[2].key = w.rogue.pub;
	s[2].retire = true;
	memcpy(s[2].signer, w.rogue.pub.id, RR_KEYID_LEN);
	for (size_t i = 0; i < 3; i++) {
		if (!s[i].retire)
			memcpy(s[i].signer, w.anchor.pub.id, RR_KEYID_LEN);
		s[i].serial = 1;
		s[i].not_before = T_NOW - 1000;
		s[i].expires = T_NOW + 100000;
		s[i].status = RRCHAIN_OK;
	}
	cfg.anchor_hold_down_ms = 10000;
	must(fetch_state_anchors_update(st, &cfg, T_NOW - 100, s, 1, rep) == 0 &&
	     fetch_state_anchors_update(st, &cfg, T_NOW - 50, s, 3, rep) == 0,
	     "anchors");
	must(fetch_state_anchor_keys(st, FETCH_ANCHOR_ADOPTED, &got, 1) == 1 &&
	     fetch_state_anchor_keys(st, FETCH_ANCHOR_PENDING, &got, 1) == 1 &&
	     fetch_state_anchor_keys(st, FETCH_ANCHOR_RETIRED, &got, 1) == 1,
	     "anchor rows of each status");
}

static void make_template(void)
{
	struct rrchain_stats stats = { 0 };
	struct fetch_merge_report rep = { 0 };
	struct rrchain_error e;
	struct fetch_state *st = NULL;
	struct fetch_store *store = h_store(work);
	char err[FETCH_STATE_ERRLEN];
	static uint8_t conf[] = "site conf\n";
	static uint8_t peers[] =
		"\n[Peer]\n# test/paris/beta\n"
		"PublicKey = AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=\n"
		"Endpoint = [2001:db8::2]:51820\nAllowedIPs = 10.2.0.0/16\n";
	struct fetch_owed o[] = {
		{ .kind = FETCH_OWED_WRITE, .path = "/nonexistent/a.conf",
		  .tmp = "/nonexistent/.a.conf.tmp", .data = conf,
		  .len = sizeof(conf) - 1, .config = true },
		{ .kind = FETCH_OWED_KEYS, .path = "/nonexistent/peer.x",
		  .data = conf, .len = 4, .deadline = T_NOW + 60 },
		{ .kind = FETCH_OWED_REMOVE, .path = "/nonexistent/b" },
		{ .kind = FETCH_OWED_RELOAD },
		{ .kind = FETCH_OWED_SYNC, .path = "wireguard:wg0",
		  .data = peers, .len = sizeof(peers) - 1 },
	};

	w_init(&w, 5, 2);
	must(fetch_state_new(work, &st, err, sizeof(err)) == 0 &&
	     w_refresh(&w, st, T_NOW, &rep, &stats, &e) == RRCHAIN_OK,
	     "refresh");
	add_anchors(st, &rep);
	must(fetch_state_save(st, store, err, sizeof(err)) == 1, err);
	must(fetch_store_begin(store, err, sizeof(err)) == 0, err);
	for (size_t i = 0; i < sizeof(o) / sizeof(o[0]); i++)
		must(fetch_store_owe(store, &o[i], err, sizeof(err)) == 0, err);
	must(fetch_store_commit(store, err, sizeof(err)) == 0, err);
	fetch_merge_report_free(&rep);
	fetch_state_free(st);
	fetch_store_close(store); /* checkpoints the WAL into state.db */
	tmpl = slurp(dbpath, &tmpl_len);
}

static void cleanup(void)
{
	h_rm_rf(work);
}

static void setup(void)
{
	if (work)
		return;
	/* In memory when it can be: the store fsyncs every commit. */
	work = strdup("/dev/shm/vpnrr-fuzz-state-XXXXXX");
	must(work != NULL, "strdup");
	if (!mkdtemp(work)) {
		free(work);
		work = h_tmpdir();
	}
	must(atexit(cleanup) == 0, "atexit");
	snprintf(dbpath, sizeof(dbpath), "%s/%s", work, FETCH_STORE_FILE);
	make_template();
}

/* The damage stays inside the copy: no other files, no settings, and
 * nothing random, so that an input always does the same. */
static int deny(void *arg, int op, const char *a, const char *b,
		const char *c, const char *d)
{
	(void)arg, (void)a, (void)c, (void)d;
	if (op == SQLITE_ATTACH || op == SQLITE_DETACH || op == SQLITE_PRAGMA)
		return SQLITE_DENY;
	if (op == SQLITE_FUNCTION && b && strncmp(b, "random", 6) == 0)
		return SQLITE_DENY;
	return SQLITE_OK;
}

static int stop(void *arg)
{
	return ++*(int *)arg > 1000; /* bounds a runaway statement */
}

/* Runs the input's SQL on the template copy; errors are ignored: what
 * ran is the damage. */
static void damage_sql(const uint8_t *data, size_t size)
{
	sqlite3 *db = NULL;
	char *sql = malloc(size + 1);
	int ticks = 0;

	must(sql != NULL, "malloc");
	memcpy(sql, data, size);
	sql[size] = '\0';
	spit(tmpl, tmpl_len);
	must(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE, NULL) ==
	     SQLITE_OK, "sqlite3_open");
	sqlite3_set_authorizer(db, deny, NULL);
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 1 << 20);
	sqlite3_progress_handler(db, 100, stop, &ticks);
	(void)sqlite3_exec(db, sql, NULL, NULL, NULL);
	must(sqlite3_close(db) == SQLITE_OK, "sqlite3_close");
	free(sql);
}

static void damage_patch(const uint8_t *data, size_t size)
{
	uint8_t *f = malloc(tmpl_len);
	size_t len = tmpl_len;

	must(f != NULL, "malloc");
	memcpy(f, tmpl, tmpl_len);
	for (size_t i = 0; i + 5 <= size; i += 5) {
		uint32_t off = (uint32_t)data[i] | (uint32_t)data[i + 1] << 8 |
			       (uint32_t)data[i + 2] << 16 |
			       (uint32_t)data[i + 3] << 24;
		if (off >= len) {
			len = off % (len + 1);
			continue;
		}
		f[off] ^= data[i + 4];
	}
	spit(f, len);
	free(f);
}

/* Loads the store in DIR into *ST (new); 0 or -1. */
static int load(struct fetch_store *store, struct fetch_state **st,
		struct fetch_merge_report *rep, char *err, size_t errlen)
{
	must(fetch_state_new(work, st, err, errlen) == 0, "state_new");
	return fetch_state_load(*st, store, &w.cfg, T_NOW, rep, err, errlen);
}

static bool same_view(const struct fetch_view *a, const struct fetch_view *b)
{
	if (a->nsites != b->nsites)
		return false;
	for (size_t i = 0; i < a->nsites; i++)
		if (strcmp(a->sites[i].name, b->sites[i].name) != 0 ||
		    !a->sites[i].site != !b->sites[i].site)
			return false;
	return true;
}

/* The anchor rows load back as they were saved. */
static bool same_anchors(const struct fetch_state *a,
			 const struct fetch_state *b)
{
	size_t na, nb;
	const struct fetch_anchor *va = fetch_state_anchors(a, &na);
	const struct fetch_anchor *vb = fetch_state_anchors(b, &nb);

	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (memcmp(va[i].key.key, vb[i].key.key, RR_PUBKEY_LEN) != 0 ||
		    va[i].status != vb[i].status ||
		    va[i].since != vb[i].since ||
		    memcmp(va[i].signer, vb[i].signer, RR_KEYID_LEN) != 0)
			return false;
	return true;
}

static void check(void)
{
	struct fetch_store *store = NULL;
	struct fetch_state *st = NULL, *st2 = NULL;
	struct fetch_merge_report rep = { 0 }, rep2 = { 0 };
	enum fetch_store_found found;
	struct fetch_owed *v = NULL;
	size_t n = 0;
	char *aside = NULL;
	char err[FETCH_STATE_ERRLEN];
	bool loaded;

	/* A node must never stay wedged on a damaged file. */
	if (fetch_store_open(work, FETCH_STORE_WRITE, &store, &found, &aside,
			     err, sizeof(err)) != 0) {
		/* Refusing a store of a newer schema is by design (no
		 * downgrade); it names the version. */
		if (strstr(err, "schema version"))
			return;
		fprintf(stderr, "fuzz_state: open: %s\n", err);
		abort();
	}
	free(aside);
	if (fetch_store_owed(store, &v, &n, err, sizeof(err)) == 0)
		fetch_owed_free(v, n);
	loaded = load(store, &st, &rep, err, sizeof(err)) == 0;
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz_state: found %d, load %s, %zu events, "
			"%zu sites\n", (int)found, loaded ? "ok" : err,
			rep.nevents, fetch_state_view(st)->nsites);
	/* The one refusal by design: a store of another VPN or zone (the
	 * operator moves it away).  Anything else would fail every start. */
	if (!loaded && !strstr(err, "move it away")) {
		fprintf(stderr, "fuzz_state: load: %s\n", err);
		abort();
	}
	if (loaded) {
		/* What loads saves, and loads back the same. */
		if (fetch_state_save(st, store, err, sizeof(err)) < 0)
			goto out;
		fetch_store_close(store);
		store = NULL;
		if (fetch_store_open(work, FETCH_STORE_WRITE, &store, &found,
				     &aside, err, sizeof(err)) != 0 ||
		    found != FETCH_STORE_EXISTING ||
		    load(store, &st2, &rep2, err, sizeof(err)) != 0 ||
		    !same_view(fetch_state_view(st), fetch_state_view(st2)) ||
		    !same_anchors(st, st2)) {
			fprintf(stderr, "fuzz_state: reload: %s\n", err);
			abort();
		}
		free(aside);
	}
out:
	fetch_merge_report_free(&rep);
	fetch_merge_report_free(&rep2);
	fetch_state_free(st);
	fetch_state_free(st2);
	fetch_store_close(store);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	clean();
	if (size > 0 && data[0] == 'S')
		damage_sql(data + 1, size - 1);
	else if (size > 0 && data[0] == 'P')
		damage_patch(data + 1, size - 1);
	else
		spit(data + (size > 0), size - (size > 0));
	check();
	return 0;
}
