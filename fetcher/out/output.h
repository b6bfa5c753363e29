/*
 * output.h - everything vpnrr-fetch writes from a verified view (secnet
 * configuration, secnet peer-keys files, a make-secnet-sites sites file,
 * JSON; WireGuard later), behind one table of drivers.  README.md in
 * this directory is the guide to writing a driver.
 *
 * A driver is a planner: it turns a view into a plan, the complete list
 * of files it wants on disk (path, bytes, kind) plus the directory
 * patterns it owns, and a list of notices (things in the view it could
 * not render, e.g. IPv6 networks for secnet).  Planning only reads the
 * view; it touches no file.  The fetcher then turns the plans into owed
 * actions (apply.h: only files whose bytes differ, owned files no longer
 * planned, peer-keys hand-overs, a restart when secnet configuration
 * changed), journals them and does them through the atomic-write module
 * (atomicfile.h).
 *
 * Threading: planners are plain synchronous functions.  They keep no
 * state between calls, use no global state and only thread-safe libc
 * calls, so the fetcher runs them inside uv_queue_work().
 */
#ifndef VPNRR_FETCH_OUTPUT_H
#define VPNRR_FETCH_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rr.h"
#include "view.h"

struct fetch_config;

#define FETCH_OUTPUT_ERRLEN 320
/* A driver's plan() result: its files stay as they are (see below). */
#define FETCH_OUTPUT_KEPT 1

/* secnet's default peer-keys directory (make-secnet-sites --pubkeys-dir). */
#define FETCH_PUBKEYS_DIR "/var/lib/secnet/pubkeys"
#define FETCH_SECNET_MAIN "sites.conf"

/* secnet's peer-keys protocol names (NOTES.peer-keys in secnet): the
 * config manager writes FILE~tmp and renames it to FILE~update; secnet
 * moves that to FILE~proc and then onto FILE. */
#define FETCH_PK_UPDATE "~update"
#define FETCH_PK_TMP "~tmp"
#define FETCH_PK_PROC "~proc"

/* What a planned file is, which is all the journal needs to know. */
enum fetch_file_kind {
	FETCH_FILE_CONFIG,   /* secnet configuration: a change needs a restart */
	FETCH_FILE_PEERKEYS, /* secnet peer-keys: changes handed over as
			      * FILE~update, then watched */
	FETCH_FILE_STATE,    /* other outputs (sites file, JSON): just written */
};

/* Where and how outputs write.  Strings are borrowed.  Directories are
 * absolute paths without whitespace or '"' (secnet's `include' takes the
 * path up to the next blank and its strings have no escapes). */
struct fetch_output_cfg {
	/* secnet configuration */
	const char *secnet_dir;    /* main file and one file per site */
	const char *secnet_main;   /* main file name; NULL: FETCH_SECNET_MAIN */
	const char *secnet_prefix; /* make-secnet-sites -P PREFIX; NULL: "" */
	const char *pubkeys_dir;   /* peer.* files; NULL: FETCH_PUBKEYS_DIR */
	const char *secnet_dh;     /* "MODHEX GENHEX" written once at VPN
				    * level; NULL: each site its own */
	const char *secnet_hash;   /* "sha1" or "md5" likewise */
	/* sites file for make-secnet-sites */
	const char *sitesfile_path;
	const char *vpn_contact;  /* VPN level (sites-file-contact), or NULL */
	const char *default_dh;   /* "MODHEX GENHEX" at VPN level; NULL: none */
	const char *default_hash; /* "sha1" or "md5" at VPN level; NULL: none */
	/* JSON */
	const char *json_path;
	/* WireGuard: a live interface and/or a peers file for wg addconf */
	const char *wg_iface;
	const char *wg_quick_path;
	const char *local_site; /* "location/site", this node, or NULL */
};

/* The outputs' view of the fetcher's configuration (borrowing from C). */
void fetch_output_cfg_from(struct fetch_output_cfg *out,
			   const struct fetch_config *c);

/* ---- text being built ---------------------------------------------------- */

/* A growable text buffer.  A failed allocation sticks (->failed) so that
 * renderers can write many lines and check once at the end. */
struct fetch_text {
	char *buf;
	size_t len, cap;
	bool failed;
};

void fetch_text_init(struct fetch_text *t);
void fetch_text_free(struct fetch_text *t);
void fetch_text_add(struct fetch_text *t, const char *s);
void fetch_text_addf(struct fetch_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- plans --------------------------------------------------------------- */

struct fetch_plan_file {
	char *dir;  /* owned */
	char *name; /* owned; a plain file name inside dir */
	uint8_t *data; /* owned, unless lent */
	size_t len;
	enum fetch_file_kind kind;
	/* DATA belongs to an owed action now (fetch_apply_owe): one copy of
	 * every file to write, not two.  The plan may still read it until
	 * those actions are freed. */
	bool lent;
};

/* Files named PREFIX*SUFFIX in DIR belong to the plan's output: those
 * the plan no longer lists are owed a removal.  For FETCH_FILE_PEERKEYS
 * the config manager's own variants NAME~update and NAME~tmp go with
 * NAME; secnet's ~proc and ~incoming are never touched. */
struct fetch_plan_dir {
	char *dir, *prefix, *suffix; /* owned */
	enum fetch_file_kind kind;
};

/* A live consumer (a running daemon, not a file) to bring in line with
 * DATA, the complete desired state: owed as a SYNC action and done by the
 * driver's sync(), which changes only what differs.  TARGET is
 * "KEYWORD:ARG" (e.g. "wireguard:wg0"). */
struct fetch_plan_sync {
	char *target;  /* owned */
	uint8_t *data; /* owned */
	size_t len;
};

struct fetch_plan {
	struct fetch_plan_file *files; /* applied in this order */
	size_t nfiles, capfiles;
	struct fetch_plan_sync *syncs; /* done after every file */
	size_t nsyncs, capsyncs;
	struct fetch_plan_dir *dirs;
	size_t ndirs, capdirs;
	char **notices; /* "site X: ..." lines for the log */
	size_t nnotices, capnotices;
	bool oom; /* a notice could not be recorded: the plan is unusable */
};

void fetch_plan_init(struct fetch_plan *p);
void fetch_plan_free(struct fetch_plan *p);
/* Frees the plan's files (what owed actions lent them too), keeping its
 * notices. */
void fetch_plan_drop_files(struct fetch_plan *p);
/* Adds DIR/NAME with TEXT's bytes; TEXT's buffer moves into the plan and
 * TEXT is left empty.  Returns 0, or -1 when out of memory or when TEXT
 * had failed (the plan is then unusable). */
int fetch_plan_add_file(struct fetch_plan *p, enum fetch_file_kind kind,
			const char *dir, const char *name,
			struct fetch_text *text);
/* Adds a sync of the driver KEYWORD's consumer ARG to TEXT's bytes; TEXT
 * is left empty.  0, or -1 (out of memory, or TEXT had failed). */
int fetch_plan_add_sync(struct fetch_plan *p, const char *keyword,
			const char *arg, struct fetch_text *text);
int fetch_plan_own(struct fetch_plan *p, enum fetch_file_kind kind,
		   const char *dir, const char *prefix, const char *suffix);
/* Records a notice; out of memory sets p->oom (checked by the planner). */
void fetch_plan_notice(struct fetch_plan *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The paths of owned files the plan no longer lists (they are owed a
 * removal), in a new array of new strings (*N entries; free each and the
 * array).  A missing directory holds none.  Returns 0, or -1 with ERR. */
int fetch_plan_stale(const struct fetch_plan *plan, char ***out, size_t *n,
		     char *err, size_t errlen);

/* ---- the drivers --------------------------------------------------------- */

struct fetch_output_driver {
	/* `output KEYWORD PATH' in the configuration file */
	const char *keyword;
	/* Where that PATH goes: offsetof(struct fetch_config, a char *). */
	size_t config_path;
	/* Planned in a refresh with this configuration? */
	bool (*enabled)(const struct fetch_output_cfg *cfg);
	/* Appends this output's files, owned patterns and notices to PLAN.
	 * Returns 0; FETCH_OUTPUT_KEPT with ERR saying why when this
	 * output's files must stay as they are (it added nothing to PLAN;
	 * the other outputs are applied and the refresh fails loudly); or
	 * -1 with ERR set (configuration unusable, out of memory): PLAN
	 * must then not be applied. */
	int (*plan)(const struct fetch_output_cfg *cfg,
		    const struct fetch_view *view, struct fetch_plan *plan,
		    char *err, size_t errlen);
	/* Optional, for a driver whose plan adds syncs: brings the live
	 * consumer ARG in line with DATA (what plan() gave), changing only
	 * what differs; idempotent, since a killed run does it again.
	 * Blocking (runs on the pool).  0, or -1 with ERR (stays owed). */
	int (*sync)(const char *arg, const uint8_t *data, size_t len,
		    char *err, size_t errlen);
};

/* Runs the sync of TARGET ("KEYWORD:ARG") through its driver: 0, or -1
 * with ERR. */
int fetch_output_sync(const char *target, const uint8_t *data, size_t len,
		      char *err, size_t errlen);

/* Every output, in the order they are planned (table.c); at most
 * FETCH_OUTPUTS_MAX of them. */
#define FETCH_OUTPUTS_MAX 16
extern const struct fetch_output_driver *const fetch_outputs[];
extern const size_t fetch_noutputs;

/* The driver for KEYWORD, or NULL. */
const struct fetch_output_driver *fetch_output_find(const char *keyword);

/* Each driver, for tests that plan one alone. */
/* DIR/sites.conf + DIR/site.MANGLED.conf, in make-secnet-sites' layout. */
extern const struct fetch_output_driver fetch_output_secnet;
/* PUBKEYS/peer.MANGLED in secnet's peer-keys format. */
extern const struct fetch_output_driver fetch_output_peerkeys;
/* A sites file that make-secnet-sites --pubkeys-install accepts. */
extern const struct fetch_output_driver fetch_output_sitesfile;
/* The verified state as JSON. */
extern const struct fetch_output_driver fetch_output_json;
/* WireGuard peers: a live interface through wg(8), or a peers file. */
extern const struct fetch_output_driver fetch_output_wireguard;
extern const struct fetch_output_driver fetch_output_wg_quick;

/* ---- shared by the outputs and their callers ----------------------------- */

/* True for an absolute path with no blanks, '"', '\\' or control bytes:
 * secnet's `include' ends a path at a blank and its strings have no
 * escapes. */
bool fetch_output_dir_ok(const char *dir);

/* ---- secnet's file names, built here only (secnet_site.c) --------------- */

/* DIR/site.MANGLED.conf, the secnet output's file for site NAME
 * ("vpn/location/site"), into OUT.  0, or -1 when it does not fit. */
int fetch_secnet_site_path(char *out, size_t outlen, const char *dir,
			   const char *name);
/* DIR/peer.MANGLED, the peer-keys file for site NAME, into OUT. */
int fetch_peerkeys_path(char *out, size_t outlen, const char *dir,
			const char *name);
/* The site name ("vpn/location/site") whose peer-keys file is PATH (a
 * bare name or a path), into OUT; -1 when PATH is no peer-keys file. */
int fetch_peerkeys_site(const char *path, char *out, size_t outlen);

/* ---- secnet's peer-keys protocol (peerkeys.c) ---------------------------- */

/* Compares DATA with the key set secnet will end up using for the
 * peer-keys file LIVE: the first present of LIVE~update, LIVE~proc and
 * LIVE (the direction secnet moves a key set, so that a move between two
 * reads is still seen).  A fetch_cmp (atomicfile.h), or -1 with ERR. */
int fetch_peerkeys_compare(const char *live, const uint8_t *data, size_t len,
			   char *err, size_t errlen);

/*
 * The fallback for secnet's unreliable ~update adoption (see peerwatch.h):
 * installs DATA as the live peer-keys file LIVE_PATH itself (via
 * LIVE_PATH~tmp and a rename), and removes a still pending LIVE_PATH~update
 * that holds the same bytes.  secnet reads the live file only when it
 * starts, so call this before running the reload command.  Returns 0 or
 * -1 with ERR set.
 */
int fetch_peerkeys_install_live(const char *live_path, const uint8_t *data,
				size_t len, char *err, size_t errlen);

#endif
