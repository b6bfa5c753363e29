/* util.c - errors, exit codes, atomic files, small string helpers. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "atomicfile.h"
#include "rr.h"
#include "util.h"

/* A WireGuard (X25519) key: 32 bytes in base64, nothing else.  Private
 * and public keys look the same, so both count as secret. */
static bool b64_key32(const char *s)
{
	if (strlen(s) != 44 || s[43] != '=')
		return false;
	for (size_t i = 0; i < 43; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '+' && s[i] != '/')
			return false;
	return true;
}

bool pub_looks_secret(const char *s)
{
	return strstr(s, "-secret:") || strstr(s, "PRIVATE KEY") ||
	       b64_key32(s);
}

void pub_redact_secrets(char *msg)
{
	static const char tag[] = "-secret:", hidden[] = "(not shown)";
	char *p = msg;

	while ((p = strstr(p, tag))) {
		char *key = p + sizeof(tag) - 1, *end = key;
		while (isalnum((unsigned char)*end) || *end == '+' ||
		       *end == '/' || *end == '=')
			end++;
		/* The key text is at least as long as the marker (a 32-byte
		 * seed is 44 characters), so this never grows the message. */
		if ((size_t)(end - key) >= sizeof(hidden) - 1) {
			memcpy(key, hidden, sizeof(hidden) - 1);
			memmove(key + sizeof(hidden) - 1, end, strlen(end) + 1);
		}
		p = key;
	}
}

int pub_errf(struct pub_err *e, int code, const char *file, unsigned line,
	     const char *what, const char *fmt, ...)
{
	char why[768], where[300] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* "vpnrr verify --anchor \"$(cat site.key)\"" must not print the
	 * key back as a file name. */
	if (file && pub_looks_secret(file))
		file = "(argument not shown: it looks like secret key text)";
	if (file && line)
		snprintf(where, sizeof(where), "%s:%u: ", file, line);
	else if (file)
		snprintf(where, sizeof(where), "%s: ", file);
	e->code = code;
	e->line = file ? line : 0;
	if (snprintf(e->file, sizeof(e->file), "%s", file ? file : "") < 0)
		e->file[0] = '\0';
	pub_redact_secrets(e->file);
	if (snprintf(e->msg, sizeof(e->msg), "%s%s%s%s", where,
		     what ? what : "", what ? ": " : "", why) < 0)
		e->msg[0] = '\0';
	pub_redact_secrets(e->msg);
	return -1;
}

void pub_free_wipe(void *p, size_t len)
{
	if (p)
		sodium_memzero(p, len);
	free(p);
}

void pub_fputs_esc(const char *s, FILE *f)
{
	size_t len = strlen(s);
	char *esc = malloc(RR_ESCAPE_CAP(len));

	if (esc)
		fputs(rr_escape(esc, RR_ESCAPE_CAP(len), s, len), f);
	else
		fputs("(message lost: out of memory)", f);
	free(esc);
}

void pub_err_print(const struct pub_err *e)
{
	fputs("vpnrr: ", stderr);
	pub_fputs_esc(e->msg, stderr);
	fputc('\n', stderr);
}

void pub_warn(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	(void)rr_vfail(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pub_redact_secrets(msg);
	fputs("vpnrr: warning: ", stderr);
	pub_fputs_esc(msg, stderr);
	fputc('\n', stderr);
}

int pub_read_file(const char *path, size_t max, char **out, size_t *len,
		  struct pub_err *e)
{
	FILE *f;

	if (strcmp(path, "-") == 0)
		return pub_read_stream(stdin, "-", max, out, len, e);
	if (!(f = fopen(path, "r")))
		return pub_errf(e, PUB_EXIT_IO, path, 0, "cannot open", "%s",
				strerror(errno));
	return pub_read_stream(f, path, max, out, len, e);
}

int pub_read_stream(FILE *f, const char *path, size_t max, char **out,
		    size_t *len, struct pub_err *e)
{
	char *buf = NULL;
	size_t n = 0, cap = 4096;
	int rc = -1;

	/* Key files come through here: no stdio buffer keeps a copy of
	 * their text. */
	if (f != stdin)
		setvbuf(f, NULL, _IONBF, 0);
	buf = malloc(cap);
	if (!buf) {
		pub_errf(e, PUB_EXIT_INTERNAL, path, 0, "read", "out of memory");
		goto out;
	}
	for (;;) {
		size_t got;
		if (n + 1 >= cap) {
			char *nb;
			if (cap > max + 1) {
				pub_errf(e, PUB_EXIT_INVALID, path, 0, "read",
					 "larger than %zu bytes", max);
				goto out;
			}
			/* Not realloc: it could leave secret text behind in
			 * the freed block. */
			nb = malloc(cap * 2);
			if (!nb) {
				pub_errf(e, PUB_EXIT_INTERNAL, path, 0, "read",
					 "out of memory");
				goto out;
			}
			memcpy(nb, buf, n);
			pub_free_wipe(buf, cap);
			buf = nb;
			cap *= 2;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		pub_errf(e, PUB_EXIT_IO, path, 0, "read", "%s", strerror(errno));
		goto out;
	}
	if (n > max) {
		pub_errf(e, PUB_EXIT_INVALID, path, 0, "read",
			 "larger than %zu bytes", max);
		goto out;
	}
	if (memchr(buf, '\0', n)) {
		pub_errf(e, PUB_EXIT_INVALID, path, 0, "read",
			 "contains a NUL byte (not a text file)");
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out:
	pub_free_wipe(buf, cap);
	if (f && f != stdin)
		fclose(f);
	return rc;
}

int pub_write_file(const char *path, const void *data, size_t len,
		   mode_t mode, bool excl, struct pub_err *e)
{
	char err[1024];

	/* Checked first for the plain message; link(2) in the atomic write
	 * is what guarantees it. */
	if (excl && access(path, F_OK) == 0)
		return pub_errf(e, PUB_EXIT_INVALID, path, 0, "write",
				"file exists; refusing to overwrite it");
	if (fetch_atomic_write(path, NULL, data, len, mode,
			       excl ? FETCH_ATOMIC_EXCL : 0, err,
			       sizeof(err)) == 0)
		return 0;
	if (excl && errno == EEXIST)
		return pub_errf(e, PUB_EXIT_INVALID, path, 0, "write",
				"file exists; refusing to overwrite it");
	return pub_errf(e, PUB_EXIT_IO, NULL, 0, NULL, "%s", err);
}

int pub_out_open(struct pub_out *o, struct pub_err *e)
{
	memset(o, 0, sizeof(*o));
	o->f = open_memstream(&o->buf, &o->len);
	if (!o->f)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "memory stream",
				"%s", strerror(errno));
	return 0;
}

int pub_out_close(struct pub_out *o, struct pub_err *e)
{
	int bad = ferror(o->f);

	if (fclose(o->f) != 0 || bad) {
		o->f = NULL;
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "memory stream",
				"write failed");
	}
	o->f = NULL;
	return 0;
}

void pub_out_free(struct pub_out *o)
{
	if (o->f)
		fclose(o->f);
	free(o->buf);
	memset(o, 0, sizeof(*o));
}

char *pub_path_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p;

	if (name[0] == '/' || dl == 0)
		return strdup(name);
	p = malloc(dl + nl + 2);
	if (!p)
		return NULL;
	memcpy(p, dir, dl);
	p[dl] = '/';
	memcpy(p + dl + 1, name, nl + 1);
	return p;
}

void pub_name_canon(char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		s[i] = (char)tolower((unsigned char)s[i]);
	if (n > 1 && s[n - 1] == '.')
		s[n - 1] = '\0';
}

bool pub_streq_nocase(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
	return *a == *b;
}

static int ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int pub_site_cmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	while (*x && ascii_lower(*x) == ascii_lower(*y)) {
		x++;
		y++;
	}
	return ascii_lower(*x) - ascii_lower(*y);
}

bool pub_site_eq(const char *a, const char *b)
{
	return pub_site_cmp(a, b) == 0;
}

bool pub_fmt(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < size;
}

int pub_flush_stdout(struct pub_err *e)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		return pub_errf(e, PUB_EXIT_IO, "standard output", 0, "write",
				"%s", strerror(errno));
	return 0;
}

bool pub_name_valid(const char *s)
{
	return rr_name_valid(s, strlen(s));
}

bool pub_dnsname_valid(const char *s)
{
	return rr_dnsname_valid(s, strlen(s));
}
