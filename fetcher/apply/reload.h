/* reload.h - runs the configured reload command on the loop. */
#ifndef VPNRR_FETCH_RELOAD_H
#define VPNRR_FETCH_RELOAD_H

#include <stdint.h>
#include <uv.h>

struct fetch_reload;

/* Called once: STATUS is the exit status, or -1 (could not start, killed,
 * or timed out); WHY says which. */
typedef void (*fetch_reload_cb)(int status, const char *why, void *arg);

/* Runs "/bin/sh -c COMMAND", killing it after TIMEOUT_MS.  Returns 0, or
 * a negative libuv error (nothing started, CB not called). */
int fetch_reload_run(uv_loop_t *loop, const char *command, uint64_t timeout_ms,
		     fetch_reload_cb cb, void *arg);

#endif
