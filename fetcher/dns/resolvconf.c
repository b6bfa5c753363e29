/* resolvconf.c - server addresses: command-line forms and resolv.conf. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "rr.h"

#define DNS_PORT 53
/* Longest text worth looking at: "[" v6 "%" ifname "]:" port. */
#define SERVER_TEXT_MAX (INET6_ADDRSTRLEN + IF_NAMESIZE + 10)



/* Decimal 1-65535, digits only: "+53", " 53" and "053x" are mistakes. */
static int parse_port(const char *s, uint16_t *out)
{
	uint32_t v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint32_t)(*s - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int parse_scope(const char *s, uint32_t *out)
{
	uint32_t v = 0;
	const char *p;

	if (*s == '\0')
		return -1;
	for (p = s; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT32_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint32_t)(*p - '0');
	}
	if (*p == '\0') {
		*out = v;
		return 0;
	}
	/* An interface name: only meaningful on this host, so resolve now. */
	v = if_nametoindex(s);
	if (v == 0)
		return -1;
	*out = v;
	return 0;
}

static void set_v4(struct fetch_dns_server *out, const struct in_addr *a,
		   uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&out->addr;

	memset(out, 0, sizeof(*out));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	sin->sin_addr = *a;
	out->len = sizeof(*sin);
}

/* TEXT is writable: the zone separator is cut off in place. */
static int set_v6(struct fetch_dns_server *out, char *text, uint16_t port)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->addr;
	struct in6_addr a;
	uint32_t scope = 0;
	char *pct = strchr(text, '%');

	if (pct) {
		*pct = '\0';
		if (parse_scope(pct + 1, &scope) < 0)
			return -1;
	}
	if (inet_pton(AF_INET6, text, &a) != 1)
		return -1;
	memset(out, 0, sizeof(*out));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	sin6->sin6_addr = a;
	sin6->sin6_scope_id = scope;
	out->len = sizeof(*sin6);
	return 0;
}

/* "[v6]" or "[v6]:port"; BUF starts at the '['. */
static int parse_bracketed(char *buf, struct fetch_dns_server *out)
{
	char *close = strchr(buf, ']');
	uint16_t port = DNS_PORT;

	if (!close)
		return -1;
	*close = '\0';
	if (close[1] != '\0') {
		if (close[1] != ':' || parse_port(close + 2, &port) < 0)
			return -1;
	}
	return set_v6(out, buf + 1, port);
}

static bool is_v6(const char *s, size_t len)
{
	char buf[INET6_ADDRSTRLEN + 1];
	struct in6_addr a;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, &a) == 1;
}

bool fetch_dns_server_ambiguous(const char *text, char *err, size_t errlen)
{
	const char *pct = strchr(text, '%');
	size_t alen = pct ? (size_t)(pct - text) : strlen(text);
	const char *last = NULL;
	uint16_t port;
	char group[8];
	size_t glen;

	/* The last ':' of the address part, zone left aside. */
	for (size_t i = 0; i < alen; i++)
		if (text[i] == ':')
			last = text + i;
	if (!last || text[0] == '[' || !is_v6(text, alen))
		return false;
	glen = alen - (size_t)(last + 1 - text);
	if (glen == 0 || glen >= sizeof(group))
		return false;
	memcpy(group, last + 1, glen);
	group[glen] = '\0';
	if (parse_port(group, &port) < 0 || !is_v6(text, (size_t)(last - text)))
		return false;
	(void)rr_fail(err, errlen,
		      "'%s' is ambiguous: write [%.*s%s]:%s for port %s, or "
		      "[%s] for that address on port 53",
		      text, (int)(last - text), text, pct ? pct : "", group,
		      group, text);
	return true;
}

static int parse_plain(char *buf, struct fetch_dns_server *out)
{
	char *colon = strchr(buf, ':');
	uint16_t port = DNS_PORT;
	struct in_addr a;

	if (colon && strchr(colon + 1, ':'))
		return set_v6(out, buf, port); /* bare IPv6: no port possible */
	if (colon) {
		*colon = '\0';
		if (parse_port(colon + 1, &port) < 0)
			return -1;
	}
	/* inet_pton, unlike inet_aton, takes only the dotted quad. */
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	set_v4(out, &a, port);
	return 0;
}

int fetch_dns_parse_server(const char *text, struct fetch_dns_server *out,
			   char *err, size_t errlen)
{
	char buf[SERVER_TEXT_MAX + 1];
	size_t len;
	int rc;

	if (!text || !out)
		return rr_fail(err, errlen, "no server address given");
	len = strnlen(text, sizeof(buf));
	if (len == 0)
		return rr_fail(err, errlen, "empty server address");
	if (len >= sizeof(buf))
		return rr_fail(err, errlen, "server address too long");
	memcpy(buf, text, len + 1);
	if (fetch_dns_server_ambiguous(text, err, errlen))
		return -1;
	if (buf[0] == '[')
		rc = parse_bracketed(buf, out);
	else
		rc = parse_plain(buf, out);
	if (rc < 0)
		return rr_fail(err, errlen,
			      "'%s': not an IPv4 or IPv6 address with optional port",
			      text);
	return 0;
}

/* Returns the address token of a "nameserver ADDR" line, or NULL. */
static char *nameserver_token(char *line)
{
	static const char kw[] = "nameserver";
	char *p = line;
	char *end;

	p += strspn(p, " \t");
	if (strncmp(p, kw, sizeof(kw) - 1) != 0)
		return NULL;
	p += sizeof(kw) - 1;
	if (*p != ' ' && *p != '\t')
		return NULL;
	p += strspn(p, " \t");
	end = p + strcspn(p, " \t\r\n#;");
	if (end == p)
		return NULL;
	*end = '\0';
	return p;
}

/* resolv.conf has no port syntax: every token is an address on port 53. */
static int parse_resolvconf_addr(char *tok, struct fetch_dns_server *out)
{
	struct in_addr a;

	if (strchr(tok, ':'))
		return set_v6(out, tok, DNS_PORT);
	if (inet_pton(AF_INET, tok, &a) != 1)
		return -1;
	set_v4(out, &a, DNS_PORT);
	return 0;
}

int fetch_dns_resolvconf(const char *path, struct fetch_dns_server *out,
			 size_t max, size_t *n, char *err, size_t errlen)
{
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0;
	size_t count = 0;
	unsigned long lineno = 0;
	unsigned long badline = 0;
	int rc = -1;

	if (!path)
		path = "/etc/resolv.conf";
	if (!out || !n || max == 0) {
		rr_fail(err, errlen, "%s: no room for servers", path);
		goto out;
	}
	*n = 0;
	f = fopen(path, "r");
	if (!f) {
		rr_fail(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	while (getline(&line, &cap, f) >= 0) {
		char *tok = nameserver_token(line);

		lineno++;
		if (!tok || count >= max)
			continue;
		if (parse_resolvconf_addr(tok, &out[count]) < 0) {
			if (badline == 0)
				badline = lineno;
			continue;
		}
		count++;
	}
	if (ferror(f)) {
		rr_fail(err, errlen, "%s: read error", path);
		goto out;
	}
	if (count == 0) {
		if (badline)
			rr_fail(err, errlen, "%s:%lu: unusable nameserver address",
			       path, badline);
		else
			rr_fail(err, errlen, "%s: no nameserver lines", path);
		goto out;
	}
	*n = count;
	rc = 0;
out:
	free(line);
	if (f)
		fclose(f);
	return rc;
}

void fetch_dns_server_format(const struct fetch_dns_server *s,
			     char out[FETCH_DNS_SERVERSTRLEN])
{
	char ip[INET6_ADDRSTRLEN];

	if (s->addr.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)&s->addr;

		if (!inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip)))
			snprintf(ip, sizeof(ip), "?");
		snprintf(out, FETCH_DNS_SERVERSTRLEN, "%s:%u", ip,
			 (unsigned)ntohs(sin->sin_port));
	} else if (s->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)&s->addr;

		if (!inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip)))
			snprintf(ip, sizeof(ip), "?");
		if (sin6->sin6_scope_id)
			snprintf(out, FETCH_DNS_SERVERSTRLEN, "[%s%%%u]:%u", ip,
				 (unsigned)sin6->sin6_scope_id,
				 (unsigned)ntohs(sin6->sin6_port));
		else
			snprintf(out, FETCH_DNS_SERVERSTRLEN, "[%s]:%u", ip,
				 (unsigned)ntohs(sin6->sin6_port));
	} else {
		snprintf(out, FETCH_DNS_SERVERSTRLEN, "(family %d)",
			 (int)s->addr.ss_family);
	}
}
