/*
 * sigbench N [REPEATS] - the time to verify N Ed25519 signatures on all
 * cores, one of the benchmark's machine-limit terms (tests/bench/run.sh).
 *
 * Makes N distinct keys and signs one message of the size of a site
 * record with each (not timed), then verifies all N with one thread per
 * online core, each taking an equal slice; REPEATS times (default 5).
 * Prints one JSON line: {"n":N,"threads":T,"repeats":R,
 * "seconds_median":S,"seconds_min":S,"us_per_sig_core":U}.
 * Exit 1 when a signature fails to verify (the measurement would be of
 * the wrong path), 2 on usage errors, 4 on a library failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

/* A site record's signed text is a few hundred bytes; the hash part of
 * a verification depends on it, the curve part does not. */
#define MSG_LEN 640
#define MAX_N 1000000
#define MAX_REPEATS 101
#define MAX_THREADS 256

struct item {
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t sig[crypto_sign_BYTES];
};

struct slice {
	const struct item *items;
	const uint8_t *msg;
	size_t from, to;
	size_t bad;
};

static void *verify_slice(void *arg)
{
	struct slice *s = arg;

	for (size_t i = s->from; i < s->to; i++)
		if (crypto_sign_verify_detached(s->items[i].sig, s->msg,
						MSG_LEN, s->items[i].pk) != 0)
			s->bad++;
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_count(const char *s, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > max)
		return -1;
	*out = v;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One timed pass over all items with nthreads threads; -1 on failure. */
static int timed_pass(const struct item *items, const uint8_t *msg,
		      size_t n, size_t nthreads, double *secs, size_t *bad)
{
	pthread_t tid[MAX_THREADS];
	struct slice sl[MAX_THREADS];
	size_t started = 0;
	int rc = -1;
	double t0;

	*bad = 0;
	t0 = now_s();
	for (size_t t = 0; t < nthreads; t++) {
		sl[t] = (struct slice){ items, msg, n * t / nthreads,
					n * (t + 1) / nthreads, 0 };
		if (pthread_create(&tid[t], NULL, verify_slice, &sl[t]) != 0) {
			fprintf(stderr, "sigbench: pthread_create failed\n");
			goto out;
		}
		started++;
	}
	rc = 0;
out:
	for (size_t t = 0; t < started; t++) {
		pthread_join(tid[t], NULL);
		*bad += sl[t].bad;
	}
	*secs = now_s() - t0;
	return rc;
}

int main(int argc, char **argv)
{
	long n, repeats = 5, cores;
	size_t nthreads, bad = 0;
	struct item *items = NULL;
	uint8_t msg[MSG_LEN], sk[crypto_sign_SECRETKEYBYTES];
	double secs[MAX_REPEATS];
	int rc = 2;

	if (argc < 2 || argc > 3 || parse_count(argv[1], MAX_N, &n) != 0 ||
	    (argc == 3 && parse_count(argv[2], MAX_REPEATS, &repeats) != 0)) {
		fprintf(stderr, "usage: sigbench N [REPEATS]   (N 1..%d, "
			"REPEATS 1..%d)\n", MAX_N, MAX_REPEATS);
		goto out;
	}
	rc = 4;
	if (sodium_init() < 0) {
		fprintf(stderr, "sigbench: libsodium: cannot initialise\n");
		goto out;
	}
	cores = sysconf(_SC_NPROCESSORS_ONLN);
	nthreads = cores < 1 ? 1 : cores > MAX_THREADS ? MAX_THREADS :
		(size_t)cores;
	if (nthreads > (size_t)n)
		nthreads = (size_t)n;
	items = calloc((size_t)n, sizeof(*items));
	if (!items) {
		fprintf(stderr, "sigbench: %ld items: out of memory\n", n);
		goto out;
	}
	randombytes_buf(msg, sizeof(msg));
	for (long i = 0; i < n; i++) {
		if (crypto_sign_keypair(items[i].pk, sk) != 0 ||
		    crypto_sign_detached(items[i].sig, NULL, msg, sizeof(msg),
					 sk) != 0) {
			fprintf(stderr, "sigbench: libsodium: cannot sign\n");
			goto out;
		}
	}
	sodium_memzero(sk, sizeof(sk));
	for (long r = 0; r < repeats; r++) {
		if (timed_pass(items, msg, (size_t)n, nthreads, &secs[r],
			       &bad) != 0)
			goto out;
		if (bad) {
			fprintf(stderr, "sigbench: %zu of %ld signatures did "
				"not verify\n", bad, n);
			rc = 1;
			goto out;
		}
	}
	qsort(secs, (size_t)repeats, sizeof(secs[0]), cmp_double);
	printf("{\"n\":%ld,\"threads\":%zu,\"repeats\":%ld,"
	       "\"seconds_median\":%.6f,\"seconds_min\":%.6f,"
	       "\"us_per_sig_core\":%.3f}\n", n, nthreads, repeats,
	       secs[repeats / 2], secs[0],
	       secs[repeats / 2] * 1e6 * (double)nthreads / (double)n);
	rc = fflush(stdout) == 0 ? 0 : 4;
out:
	free(items);
	return rc;
}
