/* sigcount.c - an LD_PRELOAD module that counts signature checks.
 *
 * The fetcher's report says how many signatures it checked; this counts
 * them from outside, so that a check the report leaves out (at start-up,
 * say) still shows.  Every Ed25519 verification in the tree goes through
 * libsodium's crypto_sign_verify_detached (rr-format/sign.c); this module
 * sits in front of it, passes each call on unchanged, and at exit writes
 * the number of calls, as one decimal line, to the file named by
 * SIGCOUNT_FILE (nothing when that is unset).
 *
 * The fetcher's children (its reload command runs through sh) must not
 * load the module: built with a sanitizer it needs that sanitizer's
 * runtime, which sh lacks, and a child's count of 0 must not replace
 * the fetcher's.  So the module takes LD_PRELOAD out of the environment
 * as it loads, and only the process named SIGCOUNT_PROGRAM that loaded
 * it (not a child forked from it) writes the count. */
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

typedef int (*verify_fn)(const unsigned char *, const unsigned char *,
			 unsigned long long, const unsigned char *);

static atomic_ulong calls;
static pid_t loaded_by;

__attribute__((constructor)) static void sigcount_load(void)
{
	loaded_by = getpid();
	if (unsetenv("LD_PRELOAD") != 0)
		perror("sigcount: unsetenv LD_PRELOAD");
}

/* Same prototype as <sodium.h>, without needing its headers here. */
int crypto_sign_verify_detached(const unsigned char *sig,
				const unsigned char *m, unsigned long long mlen,
				const unsigned char *pk);

int crypto_sign_verify_detached(const unsigned char *sig,
				const unsigned char *m, unsigned long long mlen,
				const unsigned char *pk)
{
	verify_fn next;
	void *sym;

	atomic_fetch_add(&calls, 1);
	sym = dlsym(RTLD_NEXT, "crypto_sign_verify_detached");
	if (!sym) {
		/* No real verifier: failing the check is the safe answer. */
		fprintf(stderr, "sigcount: crypto_sign_verify_detached not "
			"found after the preloaded module\n");
		return -1;
	}
	/* dlsym returns an object pointer; POSIX guarantees the conversion. */
	*(void **)&next = sym;
	return next(sig, m, mlen, pk);
}

__attribute__((destructor)) static void sigcount_write(void)
{
	const char *path = getenv("SIGCOUNT_FILE");
	const char *prog = getenv("SIGCOUNT_PROGRAM");
	FILE *f;

	if (!path || !*path || getpid() != loaded_by ||
	    (prog && strcmp(prog, program_invocation_short_name) != 0))
		return;
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return;
	}
	if (fprintf(f, "%lu\n", (unsigned long)atomic_load(&calls)) < 0)
		perror(path);
	if (fclose(f) != 0)
		perror(path);
}
