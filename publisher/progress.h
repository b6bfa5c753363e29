/* progress.h - a status line on standard error while a command waits or
 * works through many items, for a person at a terminal: nothing when
 * stderr is not a terminal, nor with -q or --json (the caller says). */
#ifndef PUB_PROGRESS_H
#define PUB_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pub_progress {
	const char *what;  /* "index: members", ... */
	bool on;           /* lines are written */
	bool shown;        /* a line is on the terminal now */
	uint64_t start_ms, last_ms;
};

/* Starts P for WHAT; ENABLED is false with -q or --json. */
void pub_progress_start(struct pub_progress *p, const char *what,
			bool enabled);
/* "vpnrr: WHAT: DONE of TOTAL" (TOTAL 0: not known); at most 4 lines a
 * second, and none before the work has taken a second: short work shows
 * nothing. */
void pub_progress_count(struct pub_progress *p, size_t done, size_t total);
/* "vpnrr: TEXT" now, replacing the line shown (the caller paces it). */
void pub_progress_say(struct pub_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Clears the line, so what follows starts on a clean one. */
void pub_progress_end(struct pub_progress *p);

#endif
