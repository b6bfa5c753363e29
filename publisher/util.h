/* util.h - errors, exit codes, files and small string helpers shared by
 * the vpnrr subcommands. */
#ifndef PUB_UTIL_H
#define PUB_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Exit codes (documented in vpnrr(1)). */
enum pub_exit {
	PUB_EXIT_OK = 0,       /* success; verify: everything valid */
	PUB_EXIT_INVALID = 1,  /* input rejected, or a record breaks a rule */
	PUB_EXIT_USAGE = 2,    /* bad command line */
	PUB_EXIT_IO = 3,       /* could not read, write or fetch */
	PUB_EXIT_INTERNAL = 4, /* out of memory, crypto library failure */
};

/* One error: an exit code and "FILE:LINE: WHAT: WHY"; FILE and LINE
 * are kept apart too, for --json (empty and 0 when not known). */
struct pub_err {
	int code;
	char msg[1024];
	char file[256];
	unsigned line;
};

/* Fills E with "FILE:LINE: WHAT: WHY" (FILE NULL or LINE 0 leave that
 * part out) and returns -1. */
int pub_errf(struct pub_err *e, int code, const char *file, unsigned line,
	     const char *what, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Writes S to F escaped with rr_escape: messages quote names and values
 * from records and DNS answers, which must not forge a line or drive the
 * terminal. */
void pub_fputs_esc(const char *s, FILE *f);
/* Prints "vpnrr: MSG" on stderr, escaped. */
void pub_err_print(const struct pub_err *e);
/* "vpnrr: warning: ..." on stderr, escaped. */
void pub_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True when S is, or holds, what looks like secret key text (an
 * ed25519-secret: key, a PEM or secnet private key, or a bare 32-byte
 * base64 key as WireGuard writes them): messages must not quote it. */
bool pub_looks_secret(const char *s);
/* Replaces the key text after every "-secret:" in MSG with "(not shown)". */
void pub_redact_secrets(char *msg);
/* Zeroes LEN bytes at P (NULL is fine), then frees it: for buffers that
 * may have held secret key text. */
void pub_free_wipe(void *p, size_t len);

/* Reads a whole file (at most MAX bytes) into a NUL-terminated buffer;
 * PATH "-" is standard input. */
int pub_read_file(const char *path, size_t max, char **out, size_t *len,
		  struct pub_err *e);
/* The same from F, which it closes (unless stdin); PATH names it in
 * errors. */
int pub_read_stream(FILE *f, const char *path, size_t max, char **out,
		    size_t *len, struct pub_err *e);
/* Writes DATA to PATH atomically (atomicfile.h: a fixed temporary name,
 * fsync, rename, directory fsync).  With EXCL the final name must not
 * exist (checked atomically with link(2)). */
int pub_write_file(const char *path, const void *data, size_t len,
		   mode_t mode, bool excl, struct pub_err *e);

/* A growable text buffer on top of open_memstream. */
struct pub_out {
	FILE *f;
	char *buf;
	size_t len;
};
int pub_out_open(struct pub_out *o, struct pub_err *e);
/* Closes the stream; buf/len hold the text (caller frees buf). */
int pub_out_close(struct pub_out *o, struct pub_err *e);
void pub_out_free(struct pub_out *o);

/* Joins DIR and NAME ("NAME" itself when it is absolute). */
char *pub_path_join(const char *dir, const char *name);
/* Lower-cases S in place and drops one final dot. */
void pub_name_canon(char *s);
bool pub_streq_nocase(const char *a, const char *b);
/* snprintf that reports truncation as failure. */
bool pub_fmt(char *out, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Writes text to stdout and checks for errors at the end. */
int pub_flush_stdout(struct pub_err *e);

/* Whether two site names (LOCATION/SITE) name the same member: equal
 * ignoring ASCII case.  Names differing only in case share one member
 * DNS name (SPEC 2.1 lower-cases it), so a VPN cannot hold both (SPEC
 * 5.1.4, 10.4) and the admin's commands find a member either way.  A
 * record's own site field is still checked byte for byte against its
 * membership (rr_verify), as every fetcher checks it. */
int pub_site_cmp(const char *a, const char *b);
bool pub_site_eq(const char *a, const char *b);

/* VPN, location and site names: a letter, then up to 62 letters, digits,
 * '-' or '_' (the record format's rule; make-secnet-sites allows 33). */
bool pub_name_valid(const char *s);
/* DNS names as records use them: lower case, labels of [a-z0-9_-], no
 * final dot, at most 253 bytes. */
bool pub_dnsname_valid(const char *s);

#endif
