/*
 * bench_state.c - time and size of the state for N sites (default
 * 10,000): first refresh (every signature), save into the store, an
 * unchanged save (nothing written), load from the store opened again
 * (every signature again), and an unchanged refresh (cached).  FORM is
 * how the pages are served: txt (default), bin, both, resplit or mixed
 * (helpers.h: enum wform).  Exits
 * non-zero when a step fails or the loaded view differs.
 *
 *   fetch-core-bench [N [FORM]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	struct rrchain_stats stats = { 0 };
	struct rrchain_error e;
	double t = now_s();
	enum rrchain_reason r = w_refresh(w, st, T_NOW, &rep, &stats, &e);

	printf("%-26s %8.3f s  (sites verified %llu, cached %llu, view %zu)\n",
	       what, now_s() - t, (unsigned long long)stats.sites_verified,
	       (unsigned long long)stats.sites_cached,
	       fetch_state_view(st)->nsites);
	fetch_merge_report_free(&rep);
	return r == RRCHAIN_OK ? 0 : -1;
}

/* Bytes of the store: the database and its write-ahead log. */
static long long store_bytes(const char *dir)
{
	static const char *const sfx[] = { "", "-wal" };
	char path[512];
	struct stat sb;
	long long n = 0;

	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		(void)snprintf(path, sizeof(path), "%s/%s%s", dir,
			       FETCH_STORE_FILE, sfx[i]);
		if (stat(path, &sb) == 0)
			n += (long long)sb.st_size;
	}
	return n;
}

static int parse_form(const char *s, enum wform *out)
{
	static const char *const names[] = {
		[W_TXT] = "txt", [W_BIN] = "bin", [W_BOTH] = "both",
		[W_TXT_RESPLIT] = "resplit", [W_MIXED] = "mixed",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum wform)i;
			return 0;
		}
	return -1;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	struct fetch_state *st = NULL, *st2 = NULL;
	struct fetch_store *store = NULL;
	struct fetch_merge_report rep = { 0 };
	char err[FETCH_STATE_ERRLEN] = "";
	char *dir = h_tmpdir();
	enum wform form = W_TXT;
	struct world w;
	long long bytes;
	double t;
	int rc = 1, r;

	memset(&w, 0, sizeof(w));
	if (argc > 2 && parse_form(argv[2], &form) != 0) {
		(void)snprintf(err, sizeof(err), "form %s: not txt, bin, both, "
			       "resplit or mixed", argv[2]);
		goto out;
	}
	t = now_s();
	w_init(&w, n, 64);
	w_page_form(&w, form);
	printf("publishing %zu sites       %8.3f s  (%zu pages)\n", n,
	       now_s() - t, w.npages);
	if (fetch_state_new(dir, &st, err, sizeof(err)) != 0 ||
	    refresh(&w, st, "first refresh") != 0)
		goto out;
	store = h_store(dir);
	t = now_s();
	if (fetch_state_save(st, store, err, sizeof(err)) != 1)
		goto out;
	bytes = store_bytes(dir);
	printf("%-26s %8.3f s  (%lld bytes, %.0f per site)\n", "save",
	       now_s() - t, bytes, (double)bytes / (double)(n ? n : 1));
	t = now_s();
	r = fetch_state_save(st, store, err, sizeof(err));
	printf("%-26s %8.3f s  (%s)\n", "save unchanged", now_s() - t,
	       r == 0 ? "nothing written" : "written");
	if (r != 0)
		goto out;
	fetch_state_free(st);
	st = NULL;
	fetch_store_close(store);
	store = h_store(dir);
	if (fetch_state_new(dir, &st2, err, sizeof(err)) != 0)
		goto out;
	t = now_s();
	if (fetch_state_load(st2, store, &w.cfg, T_NOW, &rep, err,
			     sizeof(err)) != 0)
		goto out;
	printf("%-26s %8.3f s  (sites verified %llu, view %zu)\n",
	       "load + verify again", now_s() - t,
	       (unsigned long long)rep.stats.sites_verified,
	       fetch_state_view(st2)->nsites);
	if (fetch_state_view(st2)->nsites != n) {
		(void)snprintf(err, sizeof(err), "loaded %zu sites, saved %zu",
			       fetch_state_view(st2)->nsites, n);
		goto out;
	}
	if (refresh(&w, st2, "unchanged refresh") != 0)
		goto out;
	printf("max RSS %ld MB\n", max_rss_mb());
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "fetch-core-bench: failed: %s\n", err);
	fetch_merge_report_free(&rep);
	fetch_state_free(st);
	fetch_state_free(st2);
	fetch_store_close(store);
	w_free(&w);
	h_rm_rf(dir);
	return rc;
}
