/*
 * bench_state.c - time and size of the state for N sites (default
 * 10,000): first refresh (every signature), save, load (every signature
 * again), and an unchanged refresh (cached).  Exits non-zero when a step
 * fails or the loaded view differs.
 *
 *   fetch-core-bench [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "helpers.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long max_rss_mb(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss / 1024 : -1;
}

static int refresh(struct world *w, struct fetch_state *st, const char *what)
{
	struct fetch_merge_report rep = { 0 };
	struct fetch_chain_stats stats = { 0 };
	struct fetch_error e;
	double t = now_s();
	enum fetch_reason r = w_refresh(w, st, T_NOW, &rep, &stats, &e);

	printf("%-26s %8.3f s  (sites verified %llu, cached %llu, view %zu)\n",
	       what, now_s() - t, (unsigned long long)stats.sites_verified,
	       (unsigned long long)stats.sites_cached,
	       fetch_state_view(st)->nsites);
	fetch_merge_report_free(&rep);
	return r == FETCH_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	struct fetch_state *st = NULL, *st2 = NULL;
	struct fetch_merge_report rep = { 0 };
	char err[FETCH_STATE_ERRLEN] = "", path[512];
	char *dir = h_tmpdir();
	struct world w;
	struct stat sb;
	double t;
	int rc = 1;

	t = now_s();
	w_init(&w, n, 64);
	printf("publishing %zu sites       %8.3f s  (%zu pages)\n", n,
	       now_s() - t, w.npages);
	if (fetch_state_new(dir, &st, err, sizeof(err)) != 0 ||
	    refresh(&w, st, "first refresh") != 0)
		goto out;
	t = now_s();
	if (fetch_state_save(st, err, sizeof(err)) != 0)
		goto out;
	(void)snprintf(path, sizeof(path), "%s/state.json", dir);
	if (stat(path, &sb) != 0)
		goto out;
	printf("%-26s %8.3f s  (%lld bytes, %.0f per site)\n", "save",
	       now_s() - t, (long long)sb.st_size,
	       (double)sb.st_size / (double)(n ? n : 1));
	if (fetch_state_new(dir, &st2, err, sizeof(err)) != 0)
		goto out;
	t = now_s();
	if (fetch_state_load(st2, &w.cfg, T_NOW, &rep, err, sizeof(err)) != 0)
		goto out;
	printf("%-26s %8.3f s  (sites verified %llu, view %zu)\n",
	       "load + verify again", now_s() - t,
	       (unsigned long long)rep.stats.sites_verified,
	       fetch_state_view(st2)->nsites);
	if (fetch_state_view(st2)->nsites != n ||
	    refresh(&w, st2, "unchanged refresh") != 0)
		goto out;
	printf("max RSS %ld MB\n", max_rss_mb());
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "fetch-core-bench: failed: %s\n", err);
	fetch_merge_report_free(&rep);
	fetch_state_free(st);
	fetch_state_free(st2);
	w_free(&w);
	h_rm_rf(dir);
	return rc;
}
