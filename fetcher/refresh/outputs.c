/*
 * outputs.c - the outputs planned from the new view and compared with
 * the disk into owed actions (after earlier runs' file actions).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "atomicfile.h"
#include "candidate.h"
#include "internal.h"

/* Dry run: what would change, kept for the loop thread to log and
 * report (this runs on the pool, where nothing logs). */
static void would(struct fetch_refresh *rf, const char *what,
		  const char *path)
{
	json_t *o = json_pack("{s:s,s:s}", "action", what, "path", path);

	if (o)
		json_array_append_new(rf->would, o);
}

/* Dry run: which planned files differ from what is on disk. */
static size_t count_differences(struct fetch_refresh *rf,
				const struct fetch_plan *plan)
{
	char path[4096], err[FETCH_OUTPUT_ERRLEN];
	size_t n = 0;

	for (size_t i = 0; i < plan->nfiles; i++) {
		const struct fetch_plan_file *f = &plan->files[i];
		if (fetch_path_join(path, sizeof(path), f->dir, f->name, "") != 0)
			continue;
		if (fetch_file_compare(path, f->data, f->len, err,
				       sizeof(err)) == FETCH_CMP_SAME)
			continue;
		would(rf, "write", path);
		n++;
	}
	return n;
}

/* Output directories are made on first use (mode 0755, parents too), so
 * a fresh node needs no preparation beyond its config file. */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(path)) {
		rr_say(err, errlen, "%s: bad directory name", dir);
		return -1;
	}
	memcpy(path, dir, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			rr_say(err, errlen, "%s: cannot create: %s", path,
			    strerror(errno));
			return -1;
		}
		path[i] = dir[i];
	}
	return 0;
}

static int make_plan_dirs(const struct fetch_plan *plan, char *err,
			  size_t errlen)
{
	for (size_t i = 0; i < plan->nfiles; i++) {
		if (i > 0 && strcmp(plan->files[i].dir, plan->files[i - 1].dir) == 0)
			continue;
		if (make_dirs(plan->files[i].dir, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* Dry run: which owned files would be removed (sites that left). */
static int count_removals(struct fetch_refresh *rf)
{
	char **paths = NULL;
	size_t n = 0;

	if (fetch_plan_stale(&rf->plan, &paths, &n, rf->out_err,
			     sizeof(rf->out_err)) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		would(rf, "remove", paths[i]);
		free(paths[i]);
	}
	free(paths);
	rf->sum.would_remove = n;
	return 0;
}

static int site_name_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct fetch_site *)elem)->name);
}

/*
 * How long secnet has to adopt a new key set for the peer whose live
 * peer-keys file is LIVE: peer-keys-wait, or with auto the key lifetime
 * secnet uses for that peer (its record's key-lifetime, else secnet's
 * default: 1 h, 2 days for a mobile site), plus a minute for the key
 * exchange itself.  secnet reads the ~update before its next exchange,
 * which comes at the latest when the current key expires.
 */
static uint64_t keys_window(const struct fetch_refresh *rf,
			    const struct fetch_view *view, const char *live)
{
	const struct rr_tunable *kl = &rr_tunables[RR_TUN_KEY_LIFETIME];
	char name[RR_FULLNAMELEN];
	const struct fetch_site *s = NULL;
	uint64_t ms;

	if (!rf->cfg->peer_keys_wait_auto)
		return (rf->cfg->peer_keys_wait_ms + 999) / 1000;
	if (fetch_peerkeys_site(live, name, sizeof(name)) == 0)
		s = bsearch(name, view->sites, view->nsites,
			    sizeof(*view->sites), site_name_cmp);
	if (!s || !s->site)
		ms = kl->secnet_default;
	else if (s->site->key_lifetime)
		ms = s->site->key_lifetime;
	else
		ms = s->site->mobile ? kl->secnet_mobile_default
				     : kl->secnet_default;
	return (ms + 999) / 1000 + 60;
}

static void set_deadlines(struct fetch_refresh *rf,
			  const struct fetch_view *view)
{
	for (size_t i = 0; i < rf->nnew; i++)
		if (rf->fresh_owed[i].kind == FETCH_OWED_KEYS)
			rf->fresh_owed[i].deadline =
				rf->opts.now +
				keys_window(rf, view, rf->fresh_owed[i].path);
}

/* Does this refresh change what secnet reads at start (its own site's
 * file included, which needs no restart but must still be loadable)? */
static bool owes_config(const struct fetch_refresh *rf)
{
	for (size_t i = 0; i < rf->nnew; i++)
		if (rf->fresh_owed[i].secnet ||
		    rf->fresh_owed[i].kind == FETCH_OWED_RELOAD)
			return true;
	return false;
}

/* DIR is where a file of the plan lives, or one whose files it owns. */
static bool plan_has_dir(const struct fetch_plan *plan, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t l = slash ? (size_t)(slash - path) : 0;

	for (size_t i = 0; i < plan->nfiles; i++)
		if (strlen(plan->files[i].dir) == l &&
		    strncmp(plan->files[i].dir, path, l) == 0)
			return true;
	for (size_t i = 0; i < plan->ndirs; i++)
		if (strlen(plan->dirs[i].dir) == l &&
		    strncmp(plan->dirs[i].dir, path, l) == 0)
			return true;
	return false;
}

static bool planned_sync(const struct fetch_plan *p, const char *target)
{
	for (size_t i = 0; i < p->nsyncs; i++)
		if (strcmp(p->syncs[i].target, target) == 0)
			return true;
	return false;
}

/* The peer-keys file the plan wants at LIVE, or NULL. */
static const struct fetch_plan_file *planned_keys(const struct fetch_plan *p,
						  const char *live)
{
	char path[4096];

	for (size_t i = 0; i < p->nfiles; i++)
		if (p->files[i].kind == FETCH_FILE_PEERKEYS &&
		    fetch_path_join(path, sizeof(path), p->files[i].dir,
				    p->files[i].name, NULL) == 0 &&
		    strcmp(path, live) == 0)
			return &p->files[i];
	return NULL;
}

/*
 * Rows left by earlier runs that this refresh must not do: a damaged
 * row; a file action outside every directory the outputs now use (the
 * configuration changed: it could never succeed); a key hand-over whose
 * keys the plan no longer wants (newer keys, or the site left: doing it
 * would bring old keys back).  They are dropped (deleted with this
 * refresh's rf_commit) and counted.
 */
static void drop_old(struct fetch_refresh *rf)
{
	for (size_t i = 0; i < rf->nold; i++) {
		const struct fetch_owed *o = &rf->old[i];
		const struct fetch_plan_file *f;
		bool drop = false;
		switch (o->kind) {
		case FETCH_OWED_WRITE:
		case FETCH_OWED_REMOVE:
			/* A kept output plans no directory, but what an
			 * interrupted run owes there finishes its change. */
			drop = !rf->kept_err[0] &&
			       !plan_has_dir(&rf->plan, o->path);
			break;
		case FETCH_OWED_KEYS:
			f = planned_keys(&rf->plan, o->path);
			drop = !f || f->len != o->len ||
			       memcmp(f->data, o->data, o->len) != 0;
			break;
		case FETCH_OWED_RELOAD:
			break;
		case FETCH_OWED_SYNC:
			/* A newer sync of the same consumer supersedes it; a
			 * consumer no longer configured is left alone (unless
			 * an output was kept: then finish what was owed). */
			drop = planned_sync(&rf->plan, o->path) ||
			       !rf->kept_err[0];
			break;
		default:
			drop = true;
			break;
		}
		if (drop) {
			rf->old_paid[i] = true;
			rf->old_dropped++;
		}
	}
}

/* A hand-over already owed for the same keys (secnet consumed the
 * ~update since, and the plan would write it again) stays the only one:
 * the earlier row decides, with its deadline, and sees the discard. */
static void dedupe_fresh(struct fetch_refresh *rf)
{
	size_t n = 0;

	for (size_t i = 0; i < rf->nnew; i++) {
		struct fetch_owed *o = &rf->fresh_owed[i];
		bool dup = false;
		for (size_t j = 0; j < rf->nold && !dup; j++) {
			const struct fetch_owed *k = &rf->old[j];
			size_t l;
			/* Only key hand-overs have a path to compare: an owed
			 * reload has none. */
			if (k->kind != FETCH_OWED_KEYS || !k->path ||
			    rf->old_paid[j] || k->len != o->len || !o->path ||
			    memcmp(k->data, o->data, o->len) != 0)
				continue;
			l = strlen(k->path);
			dup = (o->kind == FETCH_OWED_KEYS &&
			       strcmp(o->path, k->path) == 0) ||
			      (o->kind == FETCH_OWED_WRITE &&
			       strncmp(o->path, k->path, l) == 0 &&
			       strcmp(o->path + l, "~update") == 0);
		}
		if (dup) {
			free(o->path);
			free(o->tmp);
			free(o->data);
			free(o->last_error);
			continue;
		}
		rf->fresh_owed[n++] = *o;
	}
	rf->nnew = n;
}

/* A store found missing or damaged may have forgotten a restart that
 * was owed: the files on disk are new already, so nothing else would
 * tell.  One restart is owed then, to be safe. */
static int owe_reset_restart(struct fetch_refresh *rf)
{
	struct fetch_owed *g;

	if (!rf->opts.state_reset || !rf->cfg->out_secnet)
		return 0;
	for (size_t i = 0; i < rf->nnew; i++)
		if (rf->fresh_owed[i].kind == FETCH_OWED_RELOAD)
			return 0;
	g = realloc(rf->fresh_owed, (rf->nnew + 1) * sizeof(*g));
	if (!g) {
		rr_say(rf->out_err, sizeof(rf->out_err), "out of memory");
		return -1;
	}
	rf->fresh_owed = g;
	memset(&g[rf->nnew], 0, sizeof(*g));
	g[rf->nnew++].kind = FETCH_OWED_RELOAD;
	return 0;
}

/* Earlier runs' file actions: what still differs is judged against the
 * disk they leave. */
static int do_old_files(struct fetch_refresh *rf)
{
	struct fetch_apply_stats s = { 0, 0, 0 };
	struct fetch_owed *todo;
	bool *done;
	size_t *idx, n = 0;
	int rc = -1;

	todo = calloc(rf->nold ? rf->nold : 1, sizeof(*todo));
	done = calloc(rf->nold ? rf->nold : 1, sizeof(*done));
	idx = calloc(rf->nold ? rf->nold : 1, sizeof(*idx));
	if (!todo || !done || !idx) {
		rr_say(rf->out_err, sizeof(rf->out_err), "out of memory");
		goto out;
	}
	/* Shallow copies: the rows stay owned by rf->old. */
	for (size_t i = 0; i < rf->nold; i++)
		if (!rf->old_paid[i] && (rf->old[i].kind == FETCH_OWED_WRITE ||
					 rf->old[i].kind == FETCH_OWED_REMOVE)) {
			todo[n] = rf->old[i];
			idx[n++] = i;
		}
	rc = fetch_apply_files(todo, n, done, &s, rf->out_err,
			       sizeof(rf->out_err));
	for (size_t i = 0; i < n; i++)
		rf->old_paid[idx[i]] |= done[i];
	rf->sum.files_written += s.written;
	rf->sum.files_removed += s.removed;
out:
	free(todo);
	free(done);
	free(idx);
	return rc;
}

void rf_out_work(uv_work_t *w)
{
	struct fetch_refresh *rf = w->data;
	const struct fetch_view *view = fetch_state_view(rf->st);

	/* Planning reads only the view: it comes first, so that what
	 * earlier runs owe can be judged against it.  An output that keeps
	 * its files (secnet with no site left) plans nothing; the others
	 * go on, and the first reason is reported. */
	for (size_t i = 0; i < fetch_noutputs; i++) {
		const struct fetch_output_driver *d = fetch_outputs[i];
		if (!d->enabled(&rf->ocfg))
			continue;
		rf->out_rc = d->plan(&rf->ocfg, view, &rf->plan, rf->out_err,
				     sizeof(rf->out_err));
		if (rf->out_rc == FETCH_OUTPUT_KEPT) {
			size_t l = strlen(rf->kept_err);
			(void)snprintf(rf->kept_err + l,
				       sizeof(rf->kept_err) - l, "%s%s",
				       l ? "; " : "", rf->out_err);
			rf->out_rc = 0;
		}
		if (rf->out_rc != 0)
			return;
	}
	if (rf->opts.dry_run) {
		rf->sum.would_write = count_differences(rf, &rf->plan);
		rf->out_rc = count_removals(rf);
		return;
	}
	rf->out_rc = make_plan_dirs(&rf->plan, rf->out_err,
				    sizeof(rf->out_err));
	if (rf->out_rc != 0)
		return;
	drop_old(rf);
	rf->out_rc = do_old_files(rf);
	if (rf->out_rc == 0)
		rf->out_rc = fetch_apply_owe(&rf->plan, &rf->local,
					     &rf->fresh_owed, &rf->nnew,
					     rf->out_err, sizeof(rf->out_err));
	if (rf->out_rc != 0)
		return;
	rf->out_rc = owe_reset_restart(rf);
	/* Before dedupe_fresh: the plan's bytes are lent by the actions it
	 * may free. */
	if (rf->out_rc == 0 && rf->cfg->secnet_config && owes_config(rf)) {
		rf->check = true;
		rf->out_rc = fetch_candidate_write(&rf->plan, &rf->ocfg,
						   rf->cfg->secnet_config,
						   rf->cand_dir, rf->out_err,
						   sizeof(rf->out_err));
	}
	dedupe_fresh(rf);
	set_deadlines(rf, view);
}

void rf_out_done(uv_work_t *w, int status)
{
	struct fetch_refresh *rf = w->data;
	/* Notices repeat every refresh while the data stays the same:
	 * worth saying only when something is about to change. */
	enum fetch_loglevel lvl = rf->nnew > 0 || rf->opts.dry_run
					  ? FETCH_LOG_NOTICE : FETCH_LOG_DEBUG;

	for (size_t i = 0; i < rf->plan.nnotices; i++)
		fetch_log(rf->log, lvl, "%s", rf->plan.notices[i]);
	rf->sum.notices = rf->plan.nnotices;
	/* stderr, through the log: stdout may carry the JSON report. */
	for (size_t i = 0; i < json_array_size(rf->would); i++) {
		json_t *o = json_array_get(rf->would, i);
		fetch_log(rf->log, FETCH_LOG_NOTICE, "would %s %s",
			  json_string_value(json_object_get(o, "action")),
			  json_string_value(json_object_get(o, "path")));
	}
	if (json_array_size(rf->would) > 0)
		json_object_set(rf->extra_json, "would", rf->would);
	if (rf->old_dropped > 0)
		fetch_log(rf->log, FETCH_LOG_WARN, "%zu actions owed by an "
			  "earlier run are no longer wanted (newer keys, a "
			  "site gone, an output moved, or a damaged row): "
			  "dropped", rf->old_dropped);
	if (status != 0 || rf->out_rc != 0) {
		rf_fail(rf, false, "outputs: %s: nothing applied",
		     status ? uv_strerror(status) : rf->out_err);
		rf_finish(rf);
		return;
	}
	if (rf->kept_err[0]) {
		/* Loud, and again at every refresh while it holds: the
		 * outputs are marked as not current. */
		rf_fail(rf, false, "outputs: %s", rf->kept_err);
		memset(rf->mark, 0, sizeof(rf->mark));
		rf->mark_new = true;
	}
	if (rf->opts.dry_run) {
		rf_finish(rf);
		return;
	}
	if (rf->check)
		rf_run_check(rf);
	else {
		if (rf->cfg->out_secnet && owes_config(rf))
			fetch_log(rf->log, FETCH_LOG_WARN, "secnet-config is "
				  "not set: secnet's new configuration is "
				  "applied without a secnet -j check");
		rf_commit(rf);
	}
}
