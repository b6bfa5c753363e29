/*
 * reload.c - the reload command, through uv_spawn so the loop never
 * blocks on it, and with a time limit so a hung command cannot hold up
 * every later refresh.
 */
#include <signal.h>
#include <sys/types.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "reload.h"

struct fetch_reload {
	uv_process_t proc;
	uv_timer_t timer;
	fetch_reload_cb cb;
	void *arg;
	int status;
	const char *why;
	int open_handles;
	bool silent;
};

static void on_closed(uv_handle_t *h)
{
	struct fetch_reload *r = h->data;

	if (--r->open_handles > 0)
		return;
	if (!r->silent)
		r->cb(r->status, r->why, r->arg);
	free(r);
}

static void finish(struct fetch_reload *r)
{
	if (!uv_is_closing((uv_handle_t *)&r->timer))
		uv_close((uv_handle_t *)&r->timer, on_closed);
	if (!uv_is_closing((uv_handle_t *)&r->proc))
		uv_close((uv_handle_t *)&r->proc, on_closed);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int signo)
{
	struct fetch_reload *r = p->data;

	if (r->why == NULL) {
		r->status = signo ? -1 : (int)status;
		r->why = signo ? "killed by a signal" : "exited";
	}
	finish(r);
}

static void on_timeout(uv_timer_t *t)
{
	struct fetch_reload *r = t->data;

	r->status = -1;
	r->why = "timed out and was killed";
	/* The command runs in its own process group (UV_PROCESS_DETACHED
	 * makes it a session leader), so the shell's children die too.  The
	 * exit callback follows the kill and closes both handles. */
	if (kill(-r->proc.pid, SIGKILL) != 0 &&
	    uv_process_kill(&r->proc, SIGKILL) != 0)
		finish(r);
}

int fetch_reload_run(uv_loop_t *loop, const char *command, uint64_t timeout_ms,
		     fetch_reload_cb cb, void *arg)
{
	struct fetch_reload *r = calloc(1, sizeof(*r));
	char *args[] = { "/bin/sh", "-c", (char *)command, NULL };
	uv_process_options_t opt = { 0 };
	uv_stdio_container_t stdio[3];
	int rc;

	if (!r)
		return UV_ENOMEM;
	r->cb = cb;
	r->arg = arg;
	r->proc.data = r;
	r->timer.data = r;
	opt.file = args[0];
	opt.args = args;
	opt.exit_cb = on_exit_cb;
	opt.flags = UV_PROCESS_DETACHED;
	/* The command's output goes to our stderr, next to our log. */
	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_INHERIT_FD;
	stdio[1].data.fd = 2;
	stdio[2].flags = UV_INHERIT_FD;
	stdio[2].data.fd = 2;
	opt.stdio = stdio;
	opt.stdio_count = 3;
	rc = uv_timer_init(loop, &r->timer);
	if (rc != 0) {
		free(r);
		return rc;
	}
	r->open_handles = 1;
	rc = uv_spawn(loop, &r->proc, &opt);
	if (rc != 0) {
		/* libuv wants a failed process handle closed too; R must
		 * outlive both closes, and the caller hears of the failure
		 * from our return value, not from CB. */
		r->silent = true;
		r->open_handles = 2;
		uv_close((uv_handle_t *)&r->proc, on_closed);
		uv_close((uv_handle_t *)&r->timer, on_closed);
		return rc;
	}
	r->open_handles = 2;
	rc = uv_timer_start(&r->timer, on_timeout, timeout_ms, 0);
	if (rc != 0)
		on_timeout(&r->timer);
	return 0;
}
