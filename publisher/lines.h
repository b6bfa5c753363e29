/* lines.h - keyword-per-line text files (site and member descriptions,
 * the admin config, sites files): words split at blanks, '#' comments. */
#ifndef PUB_LINES_H
#define PUB_LINES_H

#include <stddef.h>

#include "util.h"

#define PUB_MAX_WORDS 64
#define PUB_MAX_LINE 16384

struct pub_line {
	unsigned lineno;
	size_t nw;
	char *w[PUB_MAX_WORDS]; /* NUL-terminated words */
	const char *rest[PUB_MAX_WORDS]; /* line text from word i on */
};

struct pub_lines {
	char *file;  /* name used in messages */
	struct pub_line *v;
	size_t n;
	char *text;  /* words point into this */
	char *orig;  /* rest[] points into this */
	size_t len;     /* bytes of text and of orig */
	size_t nalloc;  /* entries allocated in v */
};

/* Reads PATH ("-" for stdin).  Blank lines and lines whose first word
 * starts with '#' are dropped.  Control characters other than tab are
 * rejected with the line number. */
int pub_lines_read(const char *path, struct pub_lines *out,
		   struct pub_err *e);
/* Same, from a buffer; NAME names it in messages. */
int pub_lines_parse(const char *name, const char *text, size_t len,
		    struct pub_lines *out, struct pub_err *e);
void pub_lines_free(struct pub_lines *l);

/* Checks that line L has between MIN and MAX words after the keyword;
 * reports "FILE:LINE: KEYWORD: ..." otherwise. */
int pub_line_args(const struct pub_lines *f, const struct pub_line *l,
		  size_t min, size_t max, struct pub_err *e);

#endif
