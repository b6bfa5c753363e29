/* pubconf.c - publish.conf and TSIG key files for "vpnrr publish". */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "lines.h"
#include "pubconf.h"
#include "timefmt.h"

#define KEYFILE_MAX 65536
#define TOKLEN 512

/* The TSIG algorithms ldns signs with (RFC 8945 section 6); MD5 is
 * deprecated and not offered. */
static const char *const algs[] = {
	"hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384",
	"hmac-sha512",
};

static int set_word(const struct pub_lines *f, const struct pub_line *l,
		    char *out, size_t size, struct pub_err *e)
{
	if (pub_line_args(f, l, 1, 1, e) != 0)
		return -1;
	if (!pub_fmt(out, size, "%s", l->w[1]))
		return pub_errf(e, PUB_EXIT_INVALID, f->file, l->lineno,
				l->w[0], "too long");
	return 0;
}

/* DIR of PATH joined with NAME, unless NAME is absolute. */
static int rel_path(const char *conf, const char *name, char *out,
		    size_t size, const char *file, unsigned line,
		    struct pub_err *e)
{
	const char *slash = strrchr(conf, '/');
	bool ok;

	if (name[0] == '/' || !slash)
		ok = pub_fmt(out, size, "%s", name);
	else
		ok = pub_fmt(out, size, "%.*s/%s", (int)(slash - conf), conf,
			     name);
	return ok ? 0 : pub_errf(e, PUB_EXIT_INVALID, file, line, "tsig-key",
				 "path too long");
}

static int conf_line(const struct pub_lines *f, const struct pub_line *l,
		     const char *path, struct pub_pubconf *c,
		     struct pub_err *e)
{
	const char *kw = l->w[0];
	uint64_t secs;

	if (strcmp(kw, "server") == 0)
		return set_word(f, l, c->server, sizeof(c->server), e);
	if (strcmp(kw, "zone") == 0) {
		if (set_word(f, l, c->zone, sizeof(c->zone), e) != 0)
			return -1;
		pub_name_canon(c->zone);
		if (!pub_dnsname_valid(c->zone))
			return pub_errf(e, PUB_EXIT_INVALID, f->file,
					l->lineno, "zone", "%s: not a DNS "
					"name", l->w[1]);
		return 0;
	}
	if (strcmp(kw, "tsig-key") == 0) {
		if (pub_line_args(f, l, 1, 1, e) != 0)
			return -1;
		return rel_path(path, l->w[1], c->key_file,
				sizeof(c->key_file), f->file, l->lineno, e);
	}
	if (strcmp(kw, "timeout") == 0) {
		if (pub_line_args(f, l, 1, 1, e) != 0)
			return -1;
		if (!pub_duration_parse(l->w[1], &secs) || secs == 0 ||
		    secs > 3600)
			return pub_errf(e, PUB_EXIT_INVALID, f->file,
					l->lineno, "timeout", "%s: need a "
					"duration from 1s to 1h", l->w[1]);
		c->timeout_ms = secs * 1000;
		return 0;
	}
	return pub_errf(e, PUB_EXIT_INVALID, f->file, l->lineno, kw,
			"unknown keyword (server, zone, tsig-key, timeout)");
}

int pub_pubconf_load(const char *path, struct pub_pubconf *c,
		     struct pub_err *e)
{
	struct pub_lines f;
	int rc = 0;

	if (pub_lines_read(path, &f, e) != 0)
		return -1;
	for (size_t i = 0; i < f.n && rc == 0; i++)
		rc = conf_line(&f, &f.v[i], path, c, e);
	pub_lines_free(&f);
	return rc;
}

/* ---- TSIG key files ----------------------------------------------------- */

struct lexer {
	const char *p, *end;
	const char *path;
};

/* The next token of a BIND-style key file: a word, a quoted string
 * (quotes dropped) or one of "{};".  Comments (#, //, C style) are
 * skipped.  Returns 1 with a token, 0 at the end, -1 on bad input. */
static int next_token(struct lexer *lx, char tok[TOKLEN])
{
	const char *p = lx->p;
	size_t n = 0;

	for (;;) {
		while (p < lx->end && isspace((unsigned char)*p))
			p++;
		if (p < lx->end && (*p == '#' ||
				    (*p == '/' && p + 1 < lx->end &&
				     p[1] == '/'))) {
			while (p < lx->end && *p != '\n')
				p++;
			continue;
		}
		if (p + 1 < lx->end && p[0] == '/' && p[1] == '*') {
			const char *q = p + 2;
			while (q + 1 < lx->end && !(q[0] == '*' && q[1] == '/'))
				q++;
			if (q + 1 >= lx->end)
				return -1;
			p = q + 2;
			continue;
		}
		break;
	}
	if (p >= lx->end) {
		lx->p = p;
		return 0;
	}
	if (*p == '{' || *p == '}' || *p == ';') {
		tok[n++] = *p++;
	} else if (*p == '"') {
		for (p++; p < lx->end && *p != '"' && n + 1 < TOKLEN; p++)
			tok[n++] = *p;
		if (p >= lx->end || *p != '"')
			return -1;
		p++;
	} else {
		while (p < lx->end && !isspace((unsigned char)*p) &&
		       !strchr("{};\"", *p) && n + 1 < TOKLEN)
			tok[n++] = *p++;
	}
	tok[n] = '\0';
	lx->p = p;
	return 1;
}

static bool alg_set(struct pub_tsig *k, const char *name)
{
	char low[32];
	size_t i;

	for (i = 0; name[i] && i + 1 < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[i] = '\0';
	if (i && low[i - 1] == '.')
		low[i - 1] = '\0';
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcmp(low, algs[i]) == 0)
			return pub_fmt(k->alg, sizeof(k->alg), "%s.", algs[i]);
	return false;
}

static bool name_set(struct pub_tsig *k, const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > RR_MAX_NAME)
		return false;
	if (!pub_fmt(k->name, sizeof(k->name), "%s%s", name,
		     name[n - 1] == '.' ? "" : "."))
		return false;
	pub_name_canon(k->name);
	return pub_dnsname_valid(k->name) &&
	       pub_fmt(k->name + strlen(k->name), 2, ".");
}

static bool secret_set(struct pub_tsig *k, const char *b64)
{
	unsigned char bin[PUB_TSIG_SECRETLEN];
	size_t len = 0;
	bool ok;

	ok = sodium_base642bin(bin, sizeof(bin), b64, strlen(b64), NULL,
			       &len, NULL, sodium_base64_VARIANT_ORIGINAL) == 0
	     && len >= 16 && pub_fmt(k->secret, sizeof(k->secret), "%s", b64);
	sodium_memzero(bin, sizeof(bin));
	return ok;
}

/* key "NAME" { algorithm ALG; secret "BASE64"; }; */
static int parse_bind(struct lexer *lx, struct pub_tsig *k, struct pub_err *e)
{
	char tok[TOKLEN], val[TOKLEN];
	const char *why = NULL;

	if (next_token(lx, tok) != 1 || !name_set(k, tok))
		why = "expected the key's name after \"key\"";
	else if (next_token(lx, tok) != 1 || strcmp(tok, "{") != 0)
		why = "expected \"{\" after the key's name";
	while (!why) {
		if (next_token(lx, tok) != 1) {
			why = "missing \"}\"";
			break;
		}
		if (strcmp(tok, "}") == 0)
			break;
		if (next_token(lx, val) != 1 || strchr("{};", val[0])) {
			why = "expected a value after a keyword";
			break;
		}
		if (strcmp(tok, "algorithm") == 0) {
			if (!alg_set(k, val))
				why = "unsupported algorithm (hmac-sha1, "
				      "hmac-sha224, hmac-sha256, hmac-sha384, "
				      "hmac-sha512)";
		} else if (strcmp(tok, "secret") == 0) {
			if (!secret_set(k, val))
				why = "secret is not base64 of at least 16 "
				      "bytes";
		} else {
			why = "unknown keyword in the key block (algorithm, "
			      "secret)";
		}
		if (!why && (next_token(lx, tok) != 1 || strcmp(tok, ";") != 0))
			why = "expected \";\" after a statement";
	}
	sodium_memzero(val, sizeof(val));
	sodium_memzero(tok, sizeof(tok));
	if (!why && (!k->alg[0] || !k->secret[0]))
		why = "the key block needs algorithm and secret";
	return why ? pub_errf(e, PUB_EXIT_INVALID, lx->path, 0, "TSIG key",
			      "%s", why) : 0;
}

/* [ALG:]NAME:BASE64 on one line. */
static int parse_line(const char *text, const char *path, struct pub_tsig *k,
		      struct pub_err *e)
{
	char buf[TOKLEN], *c1, *c2, *s;
	const char *why = NULL;

	if (!pub_fmt(buf, sizeof(buf), "%s", text))
		return pub_errf(e, PUB_EXIT_INVALID, path, 0, "TSIG key",
				"too long for a key");
	s = buf + strlen(buf);
	while (s > buf && isspace((unsigned char)s[-1]))
		*--s = '\0';
	c1 = strchr(buf, ':');
	c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c1 || strpbrk(buf, " \t\n")) {
		why = "expected key \"NAME\" { ... }; or [ALGORITHM:]NAME:SECRET";
	} else {
		*c1 = '\0';
		if (c2)
			*c2 = '\0';
		if (!alg_set(k, c2 ? buf : "hmac-sha256"))
			why = "unsupported algorithm (hmac-sha1, hmac-sha224, "
			      "hmac-sha256, hmac-sha384, hmac-sha512)";
		else if (!name_set(k, c2 ? c1 + 1 : buf))
			why = "the key's name is not a DNS name";
		else if (!secret_set(k, c2 ? c2 + 1 : c1 + 1))
			why = "secret is not base64 of at least 16 bytes";
	}
	sodium_memzero(buf, sizeof(buf));
	return why ? pub_errf(e, PUB_EXIT_INVALID, path, 0, "TSIG key", "%s",
			      why) : 0;
}

int pub_tsig_load(const char *path, struct pub_tsig *k, struct pub_err *e)
{
	struct lexer lx;
	struct stat st;
	char tok[TOKLEN], more[TOKLEN], *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc = -1, t, fd;

	memset(k, 0, sizeof(*k));
	/* The mode checked is the file's that is read: fstat on the open
	 * descriptor (a symlink is followed to it), never stat then open,
	 * which a file swapped in between would pass. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = pub_errf(e, PUB_EXIT_IO, path, 0, "TSIG key", "%s",
			      strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & (S_IRWXG | S_IRWXO))) {
		close(fd);
		if (!S_ISREG(st.st_mode))
			return pub_errf(e, PUB_EXIT_INVALID, path, 0,
					"TSIG key", "not a regular file");
		return pub_errf(e, PUB_EXIT_INVALID, path, 0, "TSIG key",
				"mode %04o lets group or others access the "
				"secret; refusing to use it (chmod 600 %s)",
				(unsigned)(st.st_mode & 07777), path);
	}
	if (!(f = fdopen(fd, "r"))) {
		rc = pub_errf(e, PUB_EXIT_IO, path, 0, "TSIG key", "%s",
			      strerror(errno));
		close(fd);
		return rc;
	}
	if (pub_read_stream(f, path, KEYFILE_MAX, &text, &len, e) != 0)
		return -1;
	lx = (struct lexer){ .p = text, .end = text + len, .path = path };
	t = next_token(&lx, tok);
	if (t == 1 && strcmp(tok, "key") == 0)
		rc = parse_bind(&lx, k, e);
	else if (t == 1 && next_token(&lx, more) == 0)
		rc = parse_line(tok, path, k, e);
	else if (t == 1)
		pub_errf(e, PUB_EXIT_INVALID, path, 0, "TSIG key",
			 "expected key \"NAME\" { ... }; or one line "
			 "[ALGORITHM:]NAME:SECRET");
	else
		pub_errf(e, PUB_EXIT_INVALID, path, 0, "TSIG key",
			 "file holds no key");
	sodium_memzero(tok, sizeof(tok));
	sodium_memzero(more, sizeof(more));
	pub_free_wipe(text, len);
	if (rc != 0)
		pub_tsig_wipe(k);
	return rc;
}

void pub_tsig_wipe(struct pub_tsig *k)
{
	sodium_memzero(k->secret, sizeof(k->secret));
}
