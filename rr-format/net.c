/*
 * net.c - addresses, prefixes and endpoints: parsing, formatting,
 * containment.
 *
 * Canonical form.  A record is signed over its text, so every value has
 * exactly one accepted spelling: the parsers convert with inet_pton, print
 * the result again with inet_ntop, and reject the input unless the two
 * texts are identical (RR_E_CANONICAL, naming the canonical form).  What
 * "canonical" means is therefore exactly what glibc's inet_ntop prints:
 *
 *  - IPv4: dotted quad, decimal, no leading zeros ("192.0.2.1").  glibc's
 *    inet_pton already refuses leading zeros, short forms ("1.2.3") and
 *    hex, so those are RR_E_VALUE rather than RR_E_CANONICAL.
 *  - IPv6: RFC 5952: lower-case hex, no leading zeros in a group, the
 *    longest run of two or more zero groups compressed to "::" (the first
 *    one on a tie), a single zero group is NOT compressed:
 *    "2001:db8:0:1:1:1:1:1" is canonical, "2001:db8::1:1:1:1:1" is not.
 *  - IPv4-mapped addresses are printed with a dotted tail, as RFC 5952
 *    section 5 recommends: "::ffff:192.0.2.1" is canonical,
 *    "::ffff:c000:201" is not.
 *  - glibc quirk: any address whose first 96 bits are zero and whose
 *    seventh group is not zero is printed in the (deprecated) IPv4-
 *    compatible form: ::102:304 prints as "::1.2.3.4" and ::a:b as
 *    "::0.10.0.11".  RFC 5952 would print hex there; we follow inet_ntop,
 *    because a second formatter would be a second source of truth.  "::",
 *    "::1" and "::2" (seventh group zero) print in hex as usual.
 *  - Scope ids ("fe80::1%eth0") mean nothing outside one host: rejected.
 *
 * Prefixes are ADDR/LEN with a decimal length without leading zeros and
 * all host bits zero.  Endpoints are "192.0.2.1:4500", "[2001:db8::1]:4500"
 * or "host.example.org:4500" with a decimal port 1-65535 without leading
 * zeros; host names are lower case.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "rr.h"

/* Room for an over-long input's head in an error message. */
#define SHOWN_PREFIX 48

/* ---- helpers ------------------------------------------------------------ */

static unsigned max_len(uint8_t family)
{
	if (family == 4)
		return 32;
	if (family == 6)
		return 128;
	return 0;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Error for input longer than the longest canonical text: show only its
 * head, since the rest may be arbitrarily long. */
static enum rr_errclass too_long(struct rr_error *err, const char *s,
				 const char *what, size_t max)
{
	return rr_seterr(err, RR_E_LIMIT, "%.*s...: %s too long (at most %zu characters)",
			 SHOWN_PREFIX, s, what, max);
}

enum dec_result { DEC_OK, DEC_EMPTY, DEC_NOTNUM };

/*
 * Parses the N bytes at S as an unsigned decimal.  The value saturates at
 * MAX + 1 so that huge inputs are "out of range" rather than wrapping.
 * *LEADING_ZERO is set when the text has a superfluous leading zero.
 */
static enum dec_result parse_decimal(const char *s, size_t n, unsigned long max,
				     unsigned long *val, bool *leading_zero)
{
	unsigned long v = 0;

	if (n == 0)
		return DEC_EMPTY;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return DEC_NOTNUM;
		if (v <= max)
			v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*val = v > max ? max + 1 : v;
	*leading_zero = n > 1 && s[0] == '0';
	return DEC_OK;
}

/* ---- addresses ---------------------------------------------------------- */

/*
 * Converts the N bytes at S (not NUL-terminated) to an address.  Returns
 * RR_OK, or RR_E_CANONICAL with *OUT valid and CANON holding the canonical
 * text, or another class with *WHY saying what is wrong.  CANON is filled
 * whenever *OUT is.
 */
static enum rr_errclass addr_scan(const char *s, size_t n, struct rr_addr *out,
				  char canon[RR_ADDRSTRLEN], const char **why)
{
	char buf[RR_ADDRSTRLEN];
	struct rr_addr a;
	int af;

	if (n == 0) {
		*why = "empty address";
		return RR_E_SYNTAX;
	}
	if (n >= sizeof(buf)) {
		*why = "address too long";
		return RR_E_LIMIT;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';

	memset(&a, 0, sizeof(a));
	if (memchr(buf, ':', n)) {
		if (memchr(buf, '%', n)) {
			*why = "scope ids are not allowed";
			return RR_E_VALUE;
		}
		a.family = 6;
		af = AF_INET6;
	} else {
		a.family = 4;
		af = AF_INET;
	}
	/* For IPv4 only bytes[0..3] are written; the rest stays zero. */
	if (inet_pton(af, buf, a.bytes) != 1) {
		*why = a.family == 4 ? "not a valid IPv4 address"
				     : "not a valid IPv6 address";
		return RR_E_VALUE;
	}
	if (!inet_ntop(af, a.bytes, canon, RR_ADDRSTRLEN)) {
		/* Cannot happen with a buffer this size; be safe anyway. */
		*why = "cannot format address";
		return RR_E_VALUE;
	}
	*out = a;
	return strcmp(canon, buf) == 0 ? RR_OK : RR_E_CANONICAL;
}

enum rr_errclass rr_addr_parse(const char *s, struct rr_addr *out,
			       struct rr_error *err)
{
	char canon[RR_ADDRSTRLEN];
	const char *why = "";
	struct rr_addr a;
	enum rr_errclass cls;
	size_t n;

	if (!s || !*s)
		return rr_seterr(err, RR_E_SYNTAX, "empty address");
	n = strnlen(s, RR_ADDRSTRLEN);
	if (n >= RR_ADDRSTRLEN)
		return too_long(err, s, "address", RR_ADDRSTRLEN - 1);

	cls = addr_scan(s, n, &a, canon, &why);
	if (cls == RR_E_CANONICAL)
		return rr_seterr(err, cls, "%s: not in canonical form (%s)", s,
				 canon);
	if (cls != RR_OK)
		return rr_seterr(err, cls, "%s: %s", s, why);
	*out = a;
	return RR_OK;
}

void rr_addr_format(const struct rr_addr *a, char out[RR_ADDRSTRLEN])
{
	int af = a->family == 4 ? AF_INET : a->family == 6 ? AF_INET6 : 0;

	if (!af || !inet_ntop(af, a->bytes, out, RR_ADDRSTRLEN))
		snprintf(out, RR_ADDRSTRLEN, "(bad address family %u)",
			 (unsigned)a->family);
}

/* ---- prefixes ----------------------------------------------------------- */

/* Clears every bit of A after the first LEN. */
static void mask_host_bits(struct rr_addr *a, unsigned len)
{
	unsigned nbytes = max_len(a->family) / 8;

	for (unsigned i = 0; i < nbytes; i++) {
		unsigned first = i * 8;

		if (first >= len)
			a->bytes[i] = 0;
		else if (len - first < 8)
			a->bytes[i] &= (uint8_t)(0xff00u >> (len - first));
	}
}

enum rr_errclass rr_prefix_parse(const char *s, struct rr_prefix *out,
				 struct rr_error *err)
{
	char canon[RR_ADDRSTRLEN], masked_txt[RR_ADDRSTRLEN];
	const char *why = "", *slash;
	struct rr_addr a, masked;
	enum rr_errclass cls;
	unsigned long len = 0;
	bool lz = false;
	size_t n;

	if (!s || !*s)
		return rr_seterr(err, RR_E_SYNTAX, "empty prefix");
	n = strnlen(s, RR_PREFIXSTRLEN);
	if (n >= RR_PREFIXSTRLEN)
		return too_long(err, s, "prefix", RR_PREFIXSTRLEN - 1);
	slash = memchr(s, '/', n);
	if (!slash)
		return rr_seterr(err, RR_E_SYNTAX,
				 "%s: missing prefix length (ADDR/LEN)", s);

	/* A non-canonical address is reported last: a wrong value matters
	 * more than a wrong spelling. */
	cls = addr_scan(s, (size_t)(slash - s), &a, canon, &why);
	if (cls != RR_OK && cls != RR_E_CANONICAL)
		return rr_seterr(err, cls, "%s: %s", s, why);

	switch (parse_decimal(slash + 1, n - (size_t)(slash + 1 - s),
			      max_len(a.family), &len, &lz)) {
	case DEC_EMPTY:
		return rr_seterr(err, RR_E_SYNTAX,
				 "%s: missing prefix length (ADDR/LEN)", s);
	case DEC_NOTNUM:
		return rr_seterr(err, RR_E_VALUE,
				 "%s: prefix length is not a decimal number", s);
	case DEC_OK:
		break;
	}
	if (len > max_len(a.family))
		return rr_seterr(err, RR_E_VALUE, "%s: prefix length out of range",
				 s);

	masked = a;
	mask_host_bits(&masked, (unsigned)len);
	if (memcmp(masked.bytes, a.bytes, sizeof(a.bytes)) != 0) {
		rr_addr_format(&masked, masked_txt);
		return rr_seterr(err, RR_E_VALUE,
				 "%s: host bits set (did you mean %s/%lu?)", s,
				 masked_txt, len);
	}
	if (cls == RR_E_CANONICAL || lz)
		return rr_seterr(err, RR_E_CANONICAL,
				 "%s: not in canonical form (%s/%lu)", s, canon,
				 len);

	out->addr = a;
	out->len = (uint8_t)len;
	return RR_OK;
}

void rr_prefix_format(const struct rr_prefix *p, char out[RR_PREFIXSTRLEN])
{
	char addr[RR_ADDRSTRLEN];

	rr_addr_format(&p->addr, addr);
	snprintf(out, RR_PREFIXSTRLEN, "%.*s/%u", RR_ADDRSTRLEN - 1, addr,
		 (unsigned)p->len);
}

/* ---- host names --------------------------------------------------------- */

/*
 * Checks the N bytes at S as an LDH host name, ignoring case.  Returns
 * NULL when it is one, else the reason.  *UPPER is set when it contains
 * upper-case letters (valid, but not canonical).
 */
static const char *hostname_problem(const char *s, size_t n, bool *upper)
{
	size_t label = 0; /* length of the current label so far */
	bool only_digits_dots = true;

	*upper = false;
	if (n == 0)
		return "empty host name";
	if (n > RR_MAX_NAME)
		return "host name too long (at most 253 characters)";
	if (s[n - 1] == '.')
		return "host name must not end with a dot";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0)
				return "empty label in host name";
			if (s[i - 1] == '-')
				return "host name label ends with '-'";
			label = 0;
			continue;
		}
		if (++label > 63)
			return "host name label longer than 63 characters";
		if (c == '-') {
			if (label == 1)
				return "host name label starts with '-'";
		} else if (c >= 'A' && c <= 'Z') {
			*upper = true;
		} else if (!(c >= 'a' && c <= 'z') && !is_digit(c)) {
			return "invalid character in host name";
		}
		if (!is_digit(c))
			only_digits_dots = false;
	}
	if (s[n - 1] == '-')
		return "host name label ends with '-'";
	/* RFC 1123 2.1: a host name never looks like a dotted decimal
	 * address; one that does is a mistyped IPv4 address. */
	if (only_digits_dots)
		return "not a valid IPv4 address";
	return NULL;
}

bool rr_hostname_valid(const char *s)
{
	bool upper;

	if (!s)
		return false;
	return !hostname_problem(s, strnlen(s, RR_MAX_NAME + 1), &upper) &&
	       !upper;
}

/* ---- endpoints ---------------------------------------------------------- */

/*
 * Parses the N-byte port text P of endpoint S (S only names the input in
 * messages).  Sets *PORT and *LZ (a leading zero, which is only a
 * canonical-form problem).
 */
static enum rr_errclass port_parse(const char *s, const char *p, size_t n,
				   uint16_t *port, bool *lz,
				   struct rr_error *err)
{
	unsigned long v = 0;

	switch (parse_decimal(p, n, 65535, &v, lz)) {
	case DEC_EMPTY:
		return rr_seterr(err, RR_E_SYNTAX, "%s: missing port", s);
	case DEC_NOTNUM:
		return rr_seterr(err, RR_E_VALUE,
				 "%s: port is not a decimal number", s);
	case DEC_OK:
		break;
	}
	if (v < 1 || v > 65535)
		return rr_seterr(err, RR_E_VALUE,
				 "%s: port out of range (1-65535)", s);
	*port = (uint16_t)v;
	return RR_OK;
}

/* The first 96 bits of an IPv4-mapped IPv6 address (RFC 4291 2.5.5.2). */
static const uint8_t v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* "[v6]:port"; S has length N and starts with '['. */
static enum rr_errclass ep_parse_bracketed(const char *s, size_t n,
					   struct rr_endpoint *e,
					   bool *noncanon, struct rr_error *err)
{
	const char *close = memchr(s, ']', n), *why = "";
	char canon[RR_ADDRSTRLEN];
	enum rr_errclass cls;
	struct rr_addr a;
	size_t alen;
	bool lz = false;

	if (!close)
		return rr_seterr(err, RR_E_SYNTAX, "%s: missing ']'", s);
	alen = (size_t)(close - s) - 1;
	if (!memchr(s + 1, ':', alen))
		return rr_seterr(err, RR_E_VALUE,
				 "%s: brackets are only for IPv6 addresses", s);
	cls = addr_scan(s + 1, alen, &a, canon, &why);
	if (cls != RR_OK && cls != RR_E_CANONICAL)
		return rr_seterr(err, cls, "%s: %s", s, why);
	if (close + 1 == s + n)
		return rr_seterr(err, RR_E_SYNTAX, "%s: missing port", s);
	if (close[1] != ':')
		return rr_seterr(err, RR_E_SYNTAX, "%s: expected ':' after ']'",
				 s);
	*noncanon = cls == RR_E_CANONICAL;
	cls = port_parse(s, close + 2, n - (size_t)(close + 2 - s), &e->port,
			 &lz, err);
	if (cls != RR_OK)
		return cls;

	/* ::ffff:0:0/96 is an IPv4 host; two spellings for one endpoint
	 * would make comparisons and policy checks unreliable. */
	if (memcmp(a.bytes, v4mapped, sizeof(v4mapped)) == 0) {
		char v4[RR_ADDRSTRLEN];
		struct rr_addr a4 = { .family = 4 };

		memcpy(a4.bytes, a.bytes + 12, 4);
		rr_addr_format(&a4, v4);
		return rr_seterr(err, RR_E_VALUE,
				 "%s: IPv4-mapped address, use the IPv4 form (%s:%u)",
				 s, v4, (unsigned)e->port);
	}
	e->type = RR_EP_IPV6;
	e->addr = a;
	*noncanon = *noncanon || lz;
	return RR_OK;
}

/* "a.b.c.d:port" or "host:port"; S has length N, COLON is its only ':'. */
static enum rr_errclass ep_parse_plain(const char *s, size_t n,
				       const char *colon, struct rr_endpoint *e,
				       bool *noncanon, struct rr_error *err)
{
	size_t hlen = (size_t)(colon - s);
	const char *why = "";
	char canon[RR_ADDRSTRLEN];
	enum rr_errclass cls;
	bool lz = false, upper = false, numeric = true;

	if (hlen == 0)
		return rr_seterr(err, RR_E_SYNTAX, "%s: missing host", s);
	for (size_t i = 0; i < hlen; i++)
		if (!is_digit((unsigned char)s[i]) && s[i] != '.')
			numeric = false;

	if (numeric) {
		cls = addr_scan(s, hlen, &e->addr, canon, &why);
		/* inet_pton's IPv4 text has one spelling: no CANONICAL. */
		if (cls != RR_OK)
			return rr_seterr(err, cls == RR_E_CANONICAL ? RR_E_VALUE : cls,
					 "%s: %s", s, why);
		e->type = RR_EP_IPV4;
	} else {
		why = hostname_problem(s, hlen, &upper);
		if (why)
			return rr_seterr(err, RR_E_VALUE, "%s: %s", s, why);
		/* hlen <= RR_MAX_NAME here; lower-cased below if need be. */
		memcpy(e->host, s, hlen);
		e->host[hlen] = '\0';
		e->type = RR_EP_HOST;
	}
	cls = port_parse(s, colon + 1, n - hlen - 1, &e->port, &lz, err);
	if (cls != RR_OK)
		return cls;
	*noncanon = upper || lz;
	return RR_OK;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

enum rr_errclass rr_endpoint_parse(const char *s, struct rr_endpoint *out,
				   struct rr_error *err)
{
	char canon[RR_ENDPOINTSTRLEN];
	struct rr_endpoint e;
	enum rr_errclass cls;
	bool noncanon = false;
	const char *colon;
	size_t n;

	if (!s || !*s)
		return rr_seterr(err, RR_E_SYNTAX, "empty endpoint");
	n = strnlen(s, RR_ENDPOINTSTRLEN);
	if (n >= RR_ENDPOINTSTRLEN)
		return too_long(err, s, "endpoint", RR_ENDPOINTSTRLEN - 1);

	memset(&e, 0, sizeof(e));
	if (s[0] == '[') {
		cls = ep_parse_bracketed(s, n, &e, &noncanon, err);
	} else {
		colon = memchr(s, ':', n);
		if (!colon)
			return rr_seterr(err, RR_E_SYNTAX,
					 "%s: missing port (HOST:PORT)", s);
		if (memchr(colon + 1, ':', n - (size_t)(colon + 1 - s)))
			return rr_seterr(err, RR_E_SYNTAX,
					 "%s: IPv6 endpoint needs brackets ([addr]:port)",
					 s);
		cls = ep_parse_plain(s, n, colon, &e, &noncanon, err);
	}
	if (cls != RR_OK)
		return cls;
	if (noncanon) {
		lower(e.host);
		rr_endpoint_format(&e, canon);
		return rr_seterr(err, RR_E_CANONICAL,
				 "%s: not in canonical form (%s)", s, canon);
	}
	*out = e;
	return RR_OK;
}

void rr_endpoint_format(const struct rr_endpoint *e,
			char out[RR_ENDPOINTSTRLEN])
{
	char addr[RR_ADDRSTRLEN];

	switch (e->type) {
	case RR_EP_IPV4:
		rr_addr_format(&e->addr, addr);
		snprintf(out, RR_ENDPOINTSTRLEN, "%s:%u", addr,
			 (unsigned)e->port);
		return;
	case RR_EP_IPV6:
		rr_addr_format(&e->addr, addr);
		snprintf(out, RR_ENDPOINTSTRLEN, "[%s]:%u", addr,
			 (unsigned)e->port);
		return;
	case RR_EP_HOST:
		snprintf(out, RR_ENDPOINTSTRLEN, "%.*s:%u", RR_MAX_NAME,
			 e->host, (unsigned)e->port);
		return;
	}
	snprintf(out, RR_ENDPOINTSTRLEN, "(bad endpoint type %d)",
		 (int)e->type);
}

/* ---- containment -------------------------------------------------------- */

/* True when the first BITS bits of A and B agree; BITS <= 128. */
static bool bits_match(const uint8_t a[16], const uint8_t b[16], unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	uint8_t mask;

	if (memcmp(a, b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff00u >> rest);
	return ((a[whole] ^ b[whole]) & mask) == 0;
}

bool rr_prefix_contains_addr(const struct rr_prefix *p,
			     const struct rr_addr *a)
{
	unsigned max = max_len(p->addr.family);

	/* max == 0 catches a bad family; len > max a corrupt prefix. */
	if (max == 0 || p->addr.family != a->family || p->len > max)
		return false;
	return bits_match(p->addr.bytes, a->bytes, p->len);
}

bool rr_prefix_contains(const struct rr_prefix *outer,
			const struct rr_prefix *inner)
{
	if (outer->len > inner->len || inner->len > max_len(inner->addr.family))
		return false;
	return rr_prefix_contains_addr(outer, &inner->addr);
}

bool rr_prefix_overlap(const struct rr_prefix *a, const struct rr_prefix *b)
{
	/* Prefixes nest or are disjoint: overlap means containment. */
	return rr_prefix_contains(a, b) || rr_prefix_contains(b, a);
}

bool rr_prefixes_within(const struct rr_prefix *outer, size_t nouter,
			const struct rr_prefix *inner, size_t ninner,
			size_t *bad_index)
{
	for (size_t i = 0; i < ninner; i++) {
		bool inside = false;

		for (size_t j = 0; j < nouter && !inside; j++)
			inside = rr_prefix_contains(&outer[j], &inner[i]);
		if (!inside) {
			if (bad_index)
				*bad_index = i;
			return false;
		}
	}
	return true;
}

enum rr_errclass rr_site_check(const struct rr_record *site,
			       struct rr_error *err)
{
	char a[RR_ADDRSTRLEN];

	if (site->kind != RR_KIND_SITE || !site->has_ptp)
		return RR_OK;
	for (size_t i = 0; i < site->nnets; i++)
		if (rr_prefix_contains_addr(&site->nets[i], &site->ptp))
			return RR_OK;
	rr_addr_format(&site->ptp, a);
	return rr_seterr(err, RR_E_POLICY, "tag ptp: point-to-point address "
			 "%s is outside the site's networks", a);
}
