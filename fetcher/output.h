/*
 * output.h - one interface for everything vpnrr-fetch writes from a
 * verified view: secnet configuration, secnet peer-keys files, a
 * make-secnet-sites sites file, JSON (and WireGuard later).
 *
 * An output is a planner: it turns a view into a plan, the complete list
 * of files it wants on disk (path, bytes, kind) plus the directory
 * patterns it owns, and a list of notices (things in the view it could not
 * render, e.g. IPv6 networks for secnet).  Planning only reads the view;
 * it touches no file.  One common applier then makes the disk match a
 * plan: a file is written only when its bytes differ from what is there
 * (an unchanged refresh writes nothing), always atomically, peer-keys
 * files through secnet's ~update protocol, and owned files that are no
 * longer planned (sites that disappeared) are removed.
 *
 * Threading: planners and the applier are plain synchronous functions
 * that do blocking file I/O (read, write, fsync, rename).  They keep no
 * state between calls, use no global state and only thread-safe libc
 * calls, so the orchestrator runs plan + apply inside uv_queue_work() and
 * the event loop is never blocked.  Plans of different outputs may be
 * built in parallel; two applies must not write the same files at once.
 */
#ifndef VPNRR_FETCH_OUTPUT_H
#define VPNRR_FETCH_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "view.h"

#define FETCH_OUTPUT_ERRLEN 320

/* secnet's default peer-keys directory (make-secnet-sites --pubkeys-dir). */
#define FETCH_PUBKEYS_DIR "/var/lib/secnet/pubkeys"
#define FETCH_SECNET_MAIN "sites.conf"
#define FETCH_VPN_CONTACT "root@localhost"

enum fetch_file_kind {
	FETCH_FILE_CONFIG,   /* secnet configuration: a change needs a reload */
	FETCH_FILE_PEERKEYS, /* secnet peer-keys: written as FILE~update */
	FETCH_FILE_STATE,    /* other outputs (sites file, JSON): no reload */
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
	/* sites file for make-secnet-sites */
	const char *sitesfile_path;
	const char *vpn_contact;  /* VPN, locations; NULL: FETCH_VPN_CONTACT */
	const char *default_dh;   /* "MODHEX GENHEX" at VPN level; NULL: none */
	const char *default_hash; /* "sha1" or "md5" at VPN level; NULL: none */
	/* JSON */
	const char *json_path;
};

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
	uint8_t *data; /* owned */
	size_t len;
	enum fetch_file_kind kind;
};

/* Files named PREFIX*SUFFIX in DIR belong to the plan's output: the
 * applier removes those the plan no longer lists.  For FETCH_FILE_PEERKEYS
 * the config manager's own variants NAME~update and NAME~tmp go with NAME;
 * secnet's ~proc and ~incoming are never touched. */
struct fetch_plan_dir {
	char *dir, *prefix, *suffix; /* owned */
	enum fetch_file_kind kind;
};

struct fetch_plan {
	struct fetch_plan_file *files; /* applied in this order */
	size_t nfiles, capfiles;
	struct fetch_plan_dir *dirs;
	size_t ndirs, capdirs;
	char **notices; /* "site X: ..." lines for the log */
	size_t nnotices, capnotices;
	bool oom; /* a notice could not be recorded: the plan is unusable */
};

void fetch_plan_init(struct fetch_plan *p);
void fetch_plan_free(struct fetch_plan *p);
/* Adds DIR/NAME with TEXT's bytes; TEXT's buffer moves into the plan and
 * TEXT is left empty.  Returns 0, or -1 when out of memory or when TEXT
 * had failed (the plan is then unusable). */
int fetch_plan_add_file(struct fetch_plan *p, enum fetch_file_kind kind,
			const char *dir, const char *name,
			struct fetch_text *text);
int fetch_plan_own(struct fetch_plan *p, enum fetch_file_kind kind,
		   const char *dir, const char *prefix, const char *suffix);
/* Records a notice; out of memory sets p->oom (checked by the planner). */
void fetch_plan_notice(struct fetch_plan *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- applying a plan ----------------------------------------------------- */

/* A peer-keys file written as LIVE~update: hand it to a peerwatch. */
struct fetch_peerkeys_update {
	char *live_path; /* owned */
	uint8_t *data;   /* owned copy of what was written */
	size_t len;
};

struct fetch_apply_result {
	size_t files_written, files_unchanged, files_removed;
	bool reload_needed; /* a CONFIG file was written or removed */
	struct fetch_peerkeys_update *updates;
	size_t nupdates;
};

/*
 * Makes the disk match PLAN: planned files in order (each only when its
 * bytes differ, atomically), then removals of owned files that are not
 * planned.  Stops at the first failure and returns -1 with ERR set; RES
 * then counts what was done so far (each file is either old or new, never
 * half-written).  Returns 0 on success.  RES is always initialised and
 * must be released with fetch_apply_result_free().
 */
int fetch_plan_apply(const struct fetch_plan *plan,
		     struct fetch_apply_result *res, char *err, size_t errlen);
void fetch_apply_result_free(struct fetch_apply_result *res);

/* For a dry run: the paths fetch_plan_apply would remove (owned files the
 * plan no longer lists), in a new array of new strings (*N entries; free
 * each and the array).  Returns 0, or -1 with ERR set. */
int fetch_plan_stale(const struct fetch_plan *plan, char ***out, size_t *n,
		     char *err, size_t errlen);

/* ---- outputs ------------------------------------------------------------- */

struct fetch_output_ops {
	const char *name;
	/* Appends this output's files, owned patterns and notices to PLAN.
	 * Returns 0, or -1 with ERR set (configuration unusable, nothing
	 * renderable, out of memory); PLAN must then not be applied. */
	int (*plan)(const struct fetch_output_cfg *cfg,
		    const struct fetch_view *view, struct fetch_plan *plan,
		    char *err, size_t errlen);
};

/* DIR/sites.conf + DIR/site.MANGLED.conf, in make-secnet-sites' layout. */
extern const struct fetch_output_ops fetch_output_secnet;
/* PUBKEYS/peer.MANGLED in secnet's peer-keys format. */
extern const struct fetch_output_ops fetch_output_peerkeys;
/* A sites file that make-secnet-sites --pubkeys-install accepts. */
extern const struct fetch_output_ops fetch_output_sitesfile;
/* The verified state as JSON. */
extern const struct fetch_output_ops fetch_output_json;

/* ---- shared by the outputs and by the peer-keys fallback ----------------- */

/* Formats an error message into ERR (ERRLEN bytes; cut short if need
 * be).  Never fails. */
void fetch_output_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* True for an absolute path with no blanks, '"', '\\' or control bytes:
 * secnet's `include' ends a path at a blank and its strings have no
 * escapes. */
bool fetch_output_dir_ok(const char *dir);

struct fetch_site_names {
	char vpn[FETCH_NAMECOMP_MAX];
	char location[FETCH_NAMECOMP_MAX];
	char site[FETCH_NAMECOMP_MAX];
};

/* Splits "vpn/location/site"; false unless each part is a name (a letter,
 * then letters, digits, '-' or '_', at most 63 bytes), which is what
 * secnet's dictionary keys and make-secnet-sites' names allow. */
bool fetch_site_split(const char *name, struct fetch_site_names *out);

/* True when the secnet output renders site S (valid names, an IPv4
 * network, a key secnet understands).  Reasons for a refusal go to PLAN's
 * notices when PLAN is not NULL. */
bool fetch_secnet_site_usable(const struct fetch_site *s,
			      struct fetch_plan *plan);

/* Appends S's key set in peer-keys syntax (serial, pkg/pkgf, pub lines;
 * the same lines a sites file uses) to OUT, skipping algorithms secnet
 * does not understand (with a notice to PLAN unless NULL).  Returns the
 * number of pub lines written. */
size_t fetch_peerkeys_render(const struct fetch_site *s, struct fetch_text *out,
			     struct fetch_plan *plan);

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
