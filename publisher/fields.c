/* fields.c - values shared by the description files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "timefmt.h"

#define BAD(what, ...)                                                         \
	pub_errf(e, PUB_EXIT_INVALID, f->file, l->lineno, (what), __VA_ARGS__)

int pub_field_sitename(const struct pub_lines *f, const struct pub_line *l,
		       size_t i, char out[RR_SITENAMELEN], struct pub_err *e)
{
	const char *w = l->w[i], *slash = strchr(w, '/');
	char loc[64];

	if (!slash || (size_t)(slash - w) >= sizeof(loc))
		return BAD(l->w[0], "%s: need LOCATION/SITE", w);
	memcpy(loc, w, (size_t)(slash - w));
	loc[slash - w] = '\0';
	if (!pub_name_valid(loc) || !pub_name_valid(slash + 1))
		return BAD(l->w[0], "%s: location and site names are a letter "
			   "then up to 62 letters, digits, '-' or '_'", w);
	if (!pub_fmt(out, RR_SITENAMELEN, "%s", w))
		return BAD(l->w[0], "%s: too long", w);
	return 0;
}

int pub_field_name(const struct pub_lines *f, const struct pub_line *l,
		   size_t i, char out[64], struct pub_err *e)
{
	if (!pub_name_valid(l->w[i]))
		return BAD(l->w[0], "%s: names are a letter then up to 62 "
			   "letters, digits, '-' or '_'", l->w[i]);
	memcpy(out, l->w[i], strlen(l->w[i]) + 1);
	return 0;
}

int pub_field_dnsname(const struct pub_lines *f, const struct pub_line *l,
		      size_t i, char out[RR_MAX_NAME + 1], struct pub_err *e)
{
	char tmp[RR_MAX_NAME + 2];

	if (!pub_fmt(tmp, sizeof(tmp), "%s", l->w[i]))
		return BAD(l->w[0], "DNS name longer than %d bytes",
			   RR_MAX_NAME);
	pub_name_canon(tmp);
	if (!pub_dnsname_valid(tmp))
		return BAD(l->w[0], "%s: not a DNS name (labels of letters, "
			   "digits, '-' and '_')", l->w[i]);
	memcpy(out, tmp, strlen(tmp) + 1);
	return 0;
}

int pub_field_nets(const struct pub_lines *f, const struct pub_line *l,
		   struct rr_prefix *nets, size_t *n, struct pub_err *e)
{
	struct rr_error err;
	char a[RR_PREFIXSTRLEN], b[RR_PREFIXSTRLEN];

	if (l->nw < 2)
		return BAD(l->w[0], "needs at least one network");
	for (size_t i = 1; i < l->nw; i++) {
		struct rr_prefix p;
		if (rr_prefix_parse(l->w[i], &p, &err) != RR_OK)
			return BAD(l->w[0], "%s", err.msg);
		if (*n >= RR_MAX_NETS)
			return BAD(l->w[0], "more than %d networks",
				   RR_MAX_NETS);
		for (size_t j = 0; j < *n; j++) {
			if (!rr_prefix_overlap(&nets[j], &p))
				continue;
			rr_prefix_format(&nets[j], a);
			rr_prefix_format(&p, b);
			return BAD(l->w[0], "%s overlaps %s listed before", b,
				   a);
		}
		nets[(*n)++] = p;
	}
	return 0;
}

int pub_field_endpoint(const struct pub_lines *f, const struct pub_line *l,
		       const char *host, const char *port,
		       char out[RR_ENDPOINTSTRLEN], struct pub_err *e)
{
	char text[RR_ENDPOINTSTRLEN + 8];
	struct rr_endpoint ep;
	struct rr_error err;
	bool bare6 = host[0] != '[' && strchr(host, ':');

	if (!pub_fmt(text, sizeof(text), "%s%s%s:%s", bare6 ? "[" : "", host,
		     bare6 ? "]" : "", port))
		return BAD(l->w[0], "%s: too long", host);
	/* Host names compare without case: write them in lower case. */
	for (char *p = text; *p && *p != ':'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (rr_endpoint_parse(text, &ep, &err) != RR_OK)
		return BAD(l->w[0], "%s", err.msg);
	rr_endpoint_format(&ep, out);
	return 0;
}

int pub_field_text(const struct pub_lines *f, const struct pub_line *l,
		   char *out, size_t size, struct pub_err *e)
{
	const char *t;

	if (l->nw < 2)
		return BAD(l->w[0], "needs a value");
	t = l->rest[1];
	for (const char *p = t; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e ||
		    *p == ';')
			return BAD(l->w[0], "only printable ASCII without ';' "
				   "(byte 0x%02x)", (unsigned char)*p);
	if (!pub_fmt(out, size, "%s", t))
		return BAD(l->w[0], "longer than %zu bytes", size - 1);
	/* Tabs inside became nothing special; keep the text as written. */
	return 0;
}

int pub_field_time(const struct pub_lines *f, const struct pub_line *l,
		   uint64_t *out, struct pub_err *e)
{
	if (pub_line_args(f, l, 1, 1, e) != 0)
		return -1;
	if (!pub_time_parse(l->w[1], out))
		return BAD(l->w[0], "%s: need YYYY-MM-DDTHH:MM:SSZ or Unix "
			   "seconds", l->w[1]);
	return 0;
}

int pub_field_duration(const struct pub_lines *f, const struct pub_line *l,
		       uint64_t *out, struct pub_err *e)
{
	if (pub_line_args(f, l, 1, 1, e) != 0)
		return -1;
	if (!pub_duration_parse(l->w[1], out) || *out == 0)
		return BAD(l->w[0], "%s: need a duration such as 3600, 90m, "
			   "12h, 30d, 2w or 10y", l->w[1]);
	return 0;
}

int pub_field_u32(const struct pub_lines *f, const struct pub_line *l,
		  uint32_t min, uint32_t max, uint32_t *out,
		  struct pub_err *e)
{
	const char *s;
	uint64_t v = 0;

	if (pub_line_args(f, l, 1, 1, e) != 0)
		return -1;
	s = l->w[1];
	if (strspn(s, "0123456789") != strlen(s) || strlen(s) > 10)
		return BAD(l->w[0], "%s: not a decimal number", s);
	for (; *s; s++)
		v = v * 10 + (uint64_t)(*s - '0');
	if (v < min || v > max)
		return BAD(l->w[0], "%s: out of range %u..%u", l->w[1],
			   (unsigned)min, (unsigned)max);
	*out = (uint32_t)v;
	return 0;
}

char *pub_nets_text(const struct rr_prefix *nets, size_t n)
{
	size_t cap = n * (RR_PREFIXSTRLEN + 1) + 1, len = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char s[RR_PREFIXSTRLEN];
		rr_prefix_format(&nets[i], s);
		len += (size_t)snprintf(out + len, cap - len, "%s%s",
					i ? "," : "", s);
	}
	return out;
}
