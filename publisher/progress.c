/* progress.c - the status line of progress.h: one terminal line,
 * rewritten in place ("\r", erase to end of line), cleared at the end. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

#define FIRST_MS 1000 /* work shorter than this shows no line */
#define EVERY_MS 250

static uint64_t now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void pub_progress_start(struct pub_progress *p, const char *what,
			bool enabled)
{
	p->what = what;
	p->on = enabled && isatty(STDERR_FILENO) == 1;
	p->shown = false;
	p->start_ms = p->last_ms = now_ms();
}

void pub_progress_count(struct pub_progress *p, size_t done, size_t total)
{
	uint64_t t;

	if (!p->on)
		return;
	t = now_ms();
	if (t - p->start_ms < FIRST_MS || (p->shown && t - p->last_ms <
					   EVERY_MS))
		return;
	if (total)
		pub_progress_say(p, "%s: %zu of %zu (%llu s)", p->what, done,
				 total, (unsigned long long)
				 ((t - p->start_ms) / 1000));
	else
		pub_progress_say(p, "%s: %zu (%llu s)", p->what, done,
				 (unsigned long long)
				 ((t - p->start_ms) / 1000));
}

void pub_progress_say(struct pub_progress *p, const char *fmt, ...)
{
	va_list ap;

	if (!p->on)
		return;
	fputs("\r\033[Kvpnrr: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
	p->shown = true;
	p->last_ms = now_ms();
}

void pub_progress_end(struct pub_progress *p)
{
	if (!p->shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	p->shown = false;
}
