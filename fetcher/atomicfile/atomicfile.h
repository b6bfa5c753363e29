/*
 * atomicfile.h - the one way vpnrr writes files: whole-file reads and
 * comparisons, atomic replacement of one file, and batches of
 * replacements and removals with shared syncs.
 *
 * Readers of the files vpnrr writes (secnet, make-secnet-sites,
 * monitoring, the admin's tools) must see either the old or the new
 * content, never a mix, even across a crash or power loss.  So a file is
 * written under a temporary name in the same directory, its data is made
 * durable, it is renamed over the old one and the directory is made
 * durable too.  Temporary names are fixed per target (PATH.vpnrr-tmp
 * unless the caller names one), so a killed run's leftover is simply
 * replaced by the next run and never accumulates.
 *
 * Used by the publisher (vpnrr), every fetcher output, the fetcher's
 * status file.  Blocking calls, safe on libuv worker threads (no global
 * state apart from the test hook; error texts are built with thread-safe
 * calls only).  Library code: it never prints or exits; every failure is
 * -1 with "PATH: what: why" in ERR and errno kept.
 */
#ifndef VPNRR_ATOMICFILE_H
#define VPNRR_ATOMICFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The temporary name's suffix when the caller does not choose one. */
#define FETCH_ATOMIC_TMP_SUFFIX ".vpnrr-tmp"

/* ---- writing ------------------------------------------------------------- */

/* PATH must not exist yet: the final step is link(2), which fails with
 * EEXIST (errno) instead of replacing a file. */
#define FETCH_ATOMIC_EXCL 1u

/*
 * Replaces PATH by DATA with MODE (set explicitly, whatever the umask):
 * writes TMPPATH (NULL: PATH FETCH_ATOMIC_TMP_SUFFIX; it must be in
 * PATH's directory), fsyncs it, renames it to PATH (or links it, with
 * FETCH_ATOMIC_EXCL) and fsyncs the directory.  On failure the temporary
 * file is gone and PATH is as it was.  Returns 0, or -1 with ERR set.
 */
int fetch_atomic_write(const char *path, const char *tmppath,
		       const uint8_t *data, size_t len, mode_t mode,
		       unsigned flags, char *err, size_t errlen);

/* Moves FROM to TO (same file system) and fsyncs both directories. */
int fetch_atomic_move(const char *from, const char *to, char *err,
		      size_t errlen);

enum fetch_atomic_kind {
	FETCH_ATOMIC_OP_WRITE,  /* PATH becomes DATA (via TMP) */
	FETCH_ATOMIC_OP_REMOVE, /* PATH goes; a missing PATH is fine */
	FETCH_ATOMIC_OP_CREATE, /* as WRITE, but PATH must not exist yet:
				 * installed with link(2), EEXIST (errno)
				 * otherwise, like FETCH_ATOMIC_EXCL */
};

struct fetch_atomic_op {
	enum fetch_atomic_kind kind;
	const char *path;
	const char *tmp;     /* WRITE, CREATE: in PATH's directory, fixed
			      * per PATH */
	const uint8_t *data; /* WRITE, CREATE */
	size_t len;
	mode_t mode;         /* WRITE, CREATE; 0 means 0644 */
};

struct fetch_atomic_stats {
	size_t written, removed; /* removed: files that were there */
};

/*
 * Does OPS in one batch: every temporary file first, one syncfs per file
 * system, then the renames and removals in the order given, then one
 * fsync per directory.  DONE[i] is set for each op that is complete and
 * durable; STATS (may be NULL) is added to.  On failure the temporary
 * files made so far are removed, each target is old or new, DONE is all
 * false, and -1 is returned with ERR set (a CREATE whose PATH exists
 * fails the batch there, errno EEXIST: the ops before it are in place).
 */
int fetch_atomic_batch(const struct fetch_atomic_op *ops, size_t n,
		       bool *done, struct fetch_atomic_stats *stats,
		       char *err, size_t errlen);

/* ---- reading ------------------------------------------------------------- */

enum fetch_cmp {
	FETCH_CMP_SAME,
	FETCH_CMP_DIFFERENT,
	FETCH_CMP_ABSENT,
};

/* Compares PATH's bytes with DATA.  Returns a fetch_cmp, or -1 with ERR
 * set (a missing file is FETCH_CMP_ABSENT, not an error). */
int fetch_file_compare(const char *path, const uint8_t *data, size_t len,
		       char *err, size_t errlen);

/* Reads all of PATH (at most MAX bytes) into a new buffer (*DATA, freed
 * by the caller; one NUL byte follows the LEN bytes).  Returns 1 when
 * read, 0 when PATH does not exist, or -1 with ERR set. */
int fetch_file_read(const char *path, size_t max, uint8_t **data,
		    size_t *len, char *err, size_t errlen);

/* Removes PATH (not durable until its directory is synced); a missing
 * file is not an error.  Returns 1 when removed, 0 when absent, -1 with
 * ERR set. */
int fetch_file_remove(const char *path, char *err, size_t errlen);

/* fsyncs directory DIR so that renames and removals in it are durable. */
int fetch_dir_sync(const char *dir, char *err, size_t errlen);

/* Writes DIR/NAME followed by SUFFIX (may be NULL) into OUT (OUTLEN
 * bytes).  Returns 0, or -1 when the result does not fit. */
int fetch_path_join(char *out, size_t outlen, const char *dir,
		    const char *name, const char *suffix);

/* ---- for tests ----------------------------------------------------------- */

/* The steps a write goes through, in the order a single write takes
 * them.  PATH is the file or directory the step acts on. */
enum fetch_atomic_step {
	FETCH_ATOMIC_STEP_CREATE,  /* the temporary file */
	FETCH_ATOMIC_STEP_WRITE,   /* its bytes */
	FETCH_ATOMIC_STEP_SYNC,    /* fsync of it, or syncfs (PATH: dir) */
	FETCH_ATOMIC_STEP_RENAME,  /* PATH: the target (link with EXCL) */
	FETCH_ATOMIC_STEP_REMOVE,  /* a batch's removal */
	FETCH_ATOMIC_STEP_DIRSYNC, /* PATH: the directory */
};

/* Called before each step; returning an errno value makes the step fail
 * as if the system call had, 0 lets it run.  NULL removes the hook.  For
 * fault-injection tests only: not to be changed while writes run. */
typedef int (*fetch_atomic_hook)(enum fetch_atomic_step step,
				 const char *path, void *arg);
void fetch_atomic_set_hook(fetch_atomic_hook hook, void *arg);

#endif
