/*
 * atomicfile.h - whole-file reads, comparisons and atomic replacement.
 *
 * Readers of the files vpnrr-fetch writes (secnet, make-secnet-sites,
 * monitoring) must see either the old or the new content, never a mix,
 * even across a crash or power loss.  So a file is written under a
 * temporary name in the same directory, flushed, renamed over the old one
 * and the directory is flushed too.
 *
 * These are blocking calls, meant for a libuv worker thread (see
 * output.h); error texts are built with thread-safe calls only.
 */
#ifndef VPNRR_FETCH_ATOMICFILE_H
#define VPNRR_FETCH_ATOMICFILE_H

#include <stddef.h>
#include <stdint.h>

enum fetch_cmp {
	FETCH_CMP_SAME,
	FETCH_CMP_DIFFERENT,
	FETCH_CMP_ABSENT,
};

/*
 * Replaces PATH by DATA (mode 0644): writes TMPPATH (NULL: "PATH.tmp-PID"),
 * fsyncs it, renames it to PATH and fsyncs the directory.  TMPPATH must be
 * in PATH's directory.  On failure the temporary file is removed and PATH
 * is untouched.  Returns 0, or -1 with ERR set.
 */
int fetch_atomic_write(const char *path, const char *tmppath,
		       const uint8_t *data, size_t len, char *err,
		       size_t errlen);

/* Compares PATH's bytes with DATA.  Returns a fetch_cmp, or -1 with ERR
 * set (a missing file is FETCH_CMP_ABSENT, not an error). */
int fetch_file_compare(const char *path, const uint8_t *data, size_t len,
		       char *err, size_t errlen);

/* Reads all of PATH (at most MAX bytes) into a new buffer (*DATA, freed
 * by the caller).  Returns 1 when read, 0 when PATH does not exist, or -1
 * with ERR set. */
int fetch_file_read(const char *path, size_t max, uint8_t **data,
		    size_t *len, char *err, size_t errlen);

/* Compares DATA with the key set secnet will end up using for the
 * peer-keys file LIVE: the first present of LIVE~update, LIVE~proc and
 * LIVE (the direction secnet moves a key set, so that a move between two
 * reads is still seen).  A fetch_cmp, or -1 with ERR. */
int fetch_peerkeys_compare(const char *live, const uint8_t *data, size_t len,
			   char *err, size_t errlen);

/* Removes PATH; a missing file is not an error.  Returns 1 when removed,
 * 0 when absent, -1 with ERR set. */
int fetch_file_remove(const char *path, char *err, size_t errlen);

/* fsyncs directory DIR so that renames and removals in it are durable. */
int fetch_dir_sync(const char *dir, char *err, size_t errlen);

/* Writes DIR/NAME followed by SUFFIX (may be NULL) into OUT (OUTLEN
 * bytes).  Returns 0, or -1 when the result does not fit. */
int fetch_path_join(char *out, size_t outlen, const char *dir,
		    const char *name, const char *suffix);

#endif
