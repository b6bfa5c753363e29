/* lines.c - keyword-per-line text files. */
#include <stdlib.h>
#include <string.h>

#include "lines.h"

static int check_bytes(const char *name, const char *text, size_t len,
		       struct pub_err *e)
{
	unsigned line = 1;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\n') {
			line++;
			continue;
		}
		if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
			return pub_errf(e, PUB_EXIT_INVALID, name, line,
					"syntax", "control character 0x%02x",
					c);
	}
	return 0;
}

static int split_line(struct pub_lines *out, char *t, const char *o,
		      unsigned lineno, struct pub_err *e)
{
	struct pub_line *l = &out->v[out->n];
	char *p = t;

	memset(l, 0, sizeof(*l));
	l->lineno = lineno;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (!*p)
			break;
		if (l->nw == 0 && *p == '#')
			return 0;
		if (l->nw >= PUB_MAX_WORDS)
			return pub_errf(e, PUB_EXIT_INVALID, out->file, lineno,
					"syntax", "more than %d words",
					PUB_MAX_WORDS);
		l->w[l->nw] = p;
		l->rest[l->nw] = o + (p - t);
		l->nw++;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		if (*p)
			*p++ = '\0';
	}
	if (l->nw > 0)
		out->n++;
	return 0;
}

int pub_lines_parse(const char *name, const char *text, size_t len,
		    struct pub_lines *out, struct pub_err *e)
{
	size_t nlines = 1;
	unsigned lineno = 0;
	char *t, *o;

	memset(out, 0, sizeof(*out));
	out->file = strdup(name);
	if (!out->file)
		return pub_errf(e, PUB_EXIT_INTERNAL, name, 0, "read",
				"out of memory");
	if (check_bytes(name, text, len, e) != 0)
		goto fail;
	for (size_t i = 0; i < len; i++)
		nlines += text[i] == '\n';
	out->len = len + 1;
	out->nalloc = nlines;
	out->text = malloc(len + 1);
	out->orig = malloc(len + 1);
	out->v = calloc(nlines, sizeof(*out->v));
	if (!out->text || !out->orig || !out->v) {
		pub_errf(e, PUB_EXIT_INTERNAL, name, 0, "read", "out of memory");
		goto fail;
	}
	memcpy(out->text, text, len);
	out->text[len] = '\0';
	memcpy(out->orig, text, len);
	out->orig[len] = '\0';
	t = out->text;
	o = out->orig;
	while (*t || lineno == 0) {
		char *nl = strchr(t, '\n');
		lineno++;
		if (nl) {
			*nl = '\0';
			o[nl - t] = '\0';
		}
		if (strlen(t) > PUB_MAX_LINE) {
			pub_errf(e, PUB_EXIT_INVALID, name, lineno, "syntax",
				 "line longer than %d bytes", PUB_MAX_LINE);
			goto fail;
		}
		/* Trailing CR and blanks are not part of the last word. */
		for (size_t k = strlen(o); k > 0 && (o[k - 1] == '\r' ||
			     o[k - 1] == ' ' || o[k - 1] == '\t'); k--)
			o[k - 1] = '\0';
		if (split_line(out, t, o, lineno, e) != 0)
			goto fail;
		if (!nl)
			break;
		o += nl - t + 1;
		t = nl + 1;
	}
	return 0;
fail:
	pub_lines_free(out);
	return -1;
}

int pub_lines_read(const char *path, struct pub_lines *out,
		   struct pub_err *e)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (pub_read_file(path, 16u << 20, &buf, &len, e) != 0)
		return -1;
	rc = pub_lines_parse(strcmp(path, "-") == 0 ? "standard input" : path,
			     buf, len, out, e);
	pub_free_wipe(buf, len);
	return rc;
}

void pub_lines_free(struct pub_lines *l)
{
	/* Private key files are read as lines too: wipe what they held. */
	free(l->file);
	pub_free_wipe(l->v, l->nalloc * sizeof(*l->v));
	pub_free_wipe(l->text, l->len);
	pub_free_wipe(l->orig, l->len);
	memset(l, 0, sizeof(*l));
}

int pub_line_args(const struct pub_lines *f, const struct pub_line *l,
		  size_t min, size_t max, struct pub_err *e)
{
	size_t n = l->nw - 1;

	if (n >= min && n <= max)
		return 0;
	if (min == max)
		return pub_errf(e, PUB_EXIT_INVALID, f->file, l->lineno,
				l->w[0], "takes %zu argument%s, not %zu", min,
				min == 1 ? "" : "s", n);
	if (n < min)
		return pub_errf(e, PUB_EXIT_INVALID, f->file, l->lineno,
				l->w[0], "needs at least %zu argument%s", min,
				min == 1 ? "" : "s");
	return pub_errf(e, PUB_EXIT_INVALID, f->file, l->lineno, l->w[0],
			"takes at most %zu argument%s, not %zu", max,
			max == 1 ? "" : "s", n);
}
