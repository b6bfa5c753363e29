/*
 * peerwatch.c - watches secnet consume a peer-keys ~update (see
 * peerwatch.h for why).
 *
 * A libuv timer paces the checks; each check (a few stat() calls and one
 * small read) runs in the thread pool so the loop never waits on the file
 * system.  Only one check is in flight at a time, and the watch is freed
 * only when neither the timer nor a check refers to it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomicfile.h"
#include "output.h"
#include "peerwatch.h"

enum check {
	CHECK_PENDING,   /* ~update or ~proc still there */
	CHECK_SAME,      /* consumed; live file holds our bytes */
	CHECK_DIFFERENT, /* consumed; live file differs or is missing */
	CHECK_FAILED,
};

struct fetch_peerwatch {
	uv_loop_t *loop;
	uv_timer_t timer;
	uv_work_t work;
	char *live, *upd, *proc;
	uint8_t *data;
	size_t len;
	uint64_t interval_ms, deadline;
	fetch_peerwatch_cb *cb;
	void *cbdata;
	bool busy;      /* a check is in the thread pool */
	bool cancelled; /* no callback any more; free when idle */
	bool closing;   /* uv_close() called on the timer */
	enum check result; /* written by the worker, read after it */
	char msg[FETCH_OUTPUT_ERRLEN];
};

const char *fetch_peerwatch_outcome_name(enum fetch_peerwatch_outcome o)
{
	switch (o) {
	case FETCH_PEERWATCH_ADOPTED:
		return "adopted";
	case FETCH_PEERWATCH_DISCARDED:
		return "discarded";
	case FETCH_PEERWATCH_TIMEOUT:
		return "timeout";
	case FETCH_PEERWATCH_ERROR:
		break;
	}
	return "error";
}

static void watch_free(struct fetch_peerwatch *w)
{
	free(w->live);
	free(w->upd);
	free(w->proc);
	free(w->data);
	free(w);
}

static void on_close(uv_handle_t *h)
{
	watch_free(h->data);
}

static void close_watch(struct fetch_peerwatch *w)
{
	if (w->closing)
		return;
	w->closing = true;
	uv_close((uv_handle_t *)&w->timer, on_close);
}

/* 1 when PATH exists, 0 when not, -1 with W->msg set.  (Messages in
 * W->msg may be cut short; that is all snprintf can fail with here.) */
static int exists(struct fetch_peerwatch *w, const char *path)
{
	struct stat st;
	char buf[128];

	if (lstat(path, &st) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	(void)snprintf(w->msg, sizeof(w->msg), "cannot examine %s: %s", path,
		       strerror_r(errno, buf, sizeof(buf)));
	return -1;
}

/* Thread pool: what has secnet done with the update? */
static void do_check(uv_work_t *req)
{
	struct fetch_peerwatch *w = req->data;
	int r;

	w->result = CHECK_FAILED;
	/* The order secnet moves the key set in: update, proc, live. */
	r = exists(w, w->upd);
	if (r == 0)
		r = exists(w, w->proc);
	if (r < 0)
		return;
	if (r > 0) {
		w->result = CHECK_PENDING;
		return;
	}
	r = fetch_file_compare(w->live, w->data, w->len, w->msg,
			       sizeof(w->msg));
	if (r < 0)
		return;
	w->result = r == FETCH_CMP_SAME ? CHECK_SAME : CHECK_DIFFERENT;
}

static void finish(struct fetch_peerwatch *w,
		   enum fetch_peerwatch_outcome outcome)
{
	w->cb(outcome, w->live, outcome == FETCH_PEERWATCH_ERROR ? w->msg : "",
	      w->cbdata);
	close_watch(w);
}

static void on_timer(uv_timer_t *t);

static void after_check(uv_work_t *req, int status)
{
	struct fetch_peerwatch *w = req->data;
	int r;

	w->busy = false;
	if (w->cancelled) {
		close_watch(w);
		return;
	}
	if (status != 0) {
		(void)snprintf(w->msg, sizeof(w->msg), "check not run: %s",
			       uv_strerror(status));
		finish(w, FETCH_PEERWATCH_ERROR);
		return;
	}
	switch (w->result) {
	case CHECK_SAME:
		finish(w, FETCH_PEERWATCH_ADOPTED);
		return;
	case CHECK_DIFFERENT:
		finish(w, FETCH_PEERWATCH_DISCARDED);
		return;
	case CHECK_FAILED:
		finish(w, FETCH_PEERWATCH_ERROR);
		return;
	case CHECK_PENDING:
		break;
	}
	if (uv_now(w->loop) >= w->deadline) {
		finish(w, FETCH_PEERWATCH_TIMEOUT);
		return;
	}
	r = uv_timer_start(&w->timer, on_timer, w->interval_ms, 0);
	if (r < 0) {
		(void)snprintf(w->msg, sizeof(w->msg), "timer: %s",
			       uv_strerror(r));
		finish(w, FETCH_PEERWATCH_ERROR);
	}
}

static void on_timer(uv_timer_t *t)
{
	struct fetch_peerwatch *w = t->data;
	int r;

	w->work.data = w;
	r = uv_queue_work(w->loop, &w->work, do_check, after_check);
	if (r < 0) {
		(void)snprintf(w->msg, sizeof(w->msg), "cannot queue check: %s",
			       uv_strerror(r));
		finish(w, FETCH_PEERWATCH_ERROR);
		return;
	}
	w->busy = true;
}

static char *with_suffix(const char *path, const char *suffix)
{
	size_t a = strlen(path), b = strlen(suffix);
	char *s = malloc(a + b + 1);

	if (!s)
		return NULL;
	memcpy(s, path, a);
	memcpy(s + a, suffix, b + 1);
	return s;
}

static struct fetch_peerwatch *watch_new(const char *live_path,
					 const uint8_t *data, size_t len)
{
	struct fetch_peerwatch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->live = with_suffix(live_path, "");
	w->upd = with_suffix(live_path, "~update");
	w->proc = with_suffix(live_path, "~proc");
	w->data = malloc(len ? len : 1);
	if (!w->live || !w->upd || !w->proc || !w->data) {
		watch_free(w);
		return NULL;
	}
	memcpy(w->data, data, len);
	w->len = len;
	return w;
}

int fetch_peerwatch_start(uv_loop_t *loop, const char *live_path,
			  const uint8_t *data, size_t len,
			  const struct fetch_peerwatch_opts *opts,
			  fetch_peerwatch_cb *cb, void *cbdata,
			  struct fetch_peerwatch **out)
{
	struct fetch_peerwatch *w;
	uint64_t timeout;
	int r;

	*out = NULL;
	w = watch_new(live_path, data, len);
	if (!w)
		return UV_ENOMEM;
	w->loop = loop;
	w->cb = cb;
	w->cbdata = cbdata;
	w->interval_ms = opts && opts->interval_ms
				 ? opts->interval_ms
				 : FETCH_PEERWATCH_DEFAULT_INTERVAL_MS;
	timeout = opts && opts->timeout_ms ? opts->timeout_ms
					   : FETCH_PEERWATCH_DEFAULT_TIMEOUT_MS;
	w->deadline = uv_now(loop) + timeout;
	r = uv_timer_init(loop, &w->timer);
	if (r < 0) {
		watch_free(w);
		return r;
	}
	w->timer.data = w;
	r = uv_timer_start(&w->timer, on_timer, w->interval_ms, 0);
	if (r < 0) {
		close_watch(w); /* initialised handles must be closed */
		return r;
	}
	*out = w;
	return 0;
}

void fetch_peerwatch_cancel(struct fetch_peerwatch *w)
{
	if (!w || w->cancelled)
		return;
	w->cancelled = true;
	/* A check in flight cannot be recalled; after_check frees. */
	if (w->busy)
		return;
	(void)uv_timer_stop(&w->timer); /* cannot fail on an open timer */
	close_watch(w);
}
