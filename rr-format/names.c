/*
 * names.c - checks and small readers shared by the value types: free
 * text, VPN/site/DNS names, decimal and hex numbers.
 */
#include <ctype.h>
#include <inttypes.h>
#include <string.h>

#include "internal.h"

enum rr_errclass rr_text_check(const char *text, size_t len, bool allow_empty,
			       struct rr_error *err)
{
	if (len == 0)
		return allow_empty ? RR_OK
				   : rr_seterr(err, RR_E_VALUE, "empty value");
	if (len > RR_MAX_TEXT)
		return rr_seterr(err, RR_E_LIMIT, "value longer than %d bytes",
				 RR_MAX_TEXT);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c < 0x20 || c > 0x7e || c == ';')
			return rr_seterr(err, RR_E_VALUE,
					 "byte 0x%02x at offset %zu is not "
					 "allowed in a value", c, i);
	}
	if (text[0] == ' ' || text[len - 1] == ' ')
		return rr_seterr(err, RR_E_CANONICAL,
				 "leading or trailing space in value");
	return RR_OK;
}

bool rr_name_valid(const char *s, size_t len)
{
	if (len == 0 || len > 63)
		return false;
	if (!isalpha((unsigned char)s[0]) || !isascii((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(isascii(c) && (isalnum(c) || c == '-' || c == '_')))
			return false;
	}
	return true;
}

/* DNS name in presentation form: lower case, labels of [a-z0-9_-], no
 * final dot.  Underscore is allowed because site records usually live at
 * names like _vpnrr.gw.example.net. */
enum rr_errclass rr_dnsname_check(const char *s, size_t len,
				      struct rr_error *err)
{
	size_t lab = 0;

	if (len == 0 || len > RR_MAX_NAME)
		return rr_seterr(err, RR_E_VALUE,
				 "DNS name must have 1 to %d bytes",
				 RR_MAX_NAME);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (lab == 0)
				return rr_seterr(err, RR_E_VALUE,
						 "%.*s: empty label", (int)len, s);
			lab = 0;
			continue;
		}
		if (c >= 'A' && c <= 'Z')
			return rr_seterr(err, RR_E_CANONICAL,
					 "%.*s: DNS name must be lower case",
					 (int)len, s);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return rr_seterr(err, RR_E_VALUE,
					 "%.*s: character 0x%02x not allowed "
					 "in a DNS name", (int)len, s, c);
		if (++lab > 63)
			return rr_seterr(err, RR_E_VALUE,
					 "%.*s: label longer than 63 bytes",
					 (int)len, s);
	}
	if (lab == 0)
		return rr_seterr(err, RR_E_CANONICAL,
				 "%.*s: DNS name must not end with a dot",
				 (int)len, s);
	return RR_OK;
}

bool rr_sitename_valid(const char *s, size_t len)
{
	const char *slash = memchr(s, '/', len);

	return slash && rr_name_valid(s, (size_t)(slash - s)) &&
	       rr_name_valid(slash + 1, len - (size_t)(slash - s) - 1);
}

bool rr_dnsname_valid(const char *s, size_t len)
{
	return rr_dnsname_check(s, len, NULL) == RR_OK;
}

enum rr_errclass rr_parse_dec(const char *s, size_t len, uint64_t max,
				  uint64_t *out, struct rr_error *err)
{
	uint64_t v = 0;

	if (len == 0)
		return rr_seterr(err, RR_E_VALUE, "empty number");
	if (len > 1 && s[0] == '0')
		return rr_seterr(err, RR_E_CANONICAL,
				 "%.*s: leading zero", (int)len, s);
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return rr_seterr(err, RR_E_VALUE,
					 "%.*s: not a decimal number",
					 (int)len, s);
		if (v > (max - (uint64_t)(s[i] - '0')) / 10)
			return rr_seterr(err, RR_E_VALUE,
					 "%.*s: larger than %" PRIu64,
					 (int)len, s, max);
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return RR_OK;
}

int rr_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

enum rr_errclass rr_parse_hex32(const char *s, size_t len, uint32_t *out,
				    struct rr_error *err)
{
	uint32_t v = 0;

	if (len != 8)
		return rr_seterr(err, RR_E_VALUE,
				 "%.*s: need exactly 8 hex digits",
				 (int)len, s);
	for (size_t i = 0; i < 8; i++) {
		int h = rr_hexval(s[i]);
		if (h < 0)
			return rr_seterr(err, (s[i] >= 'A' && s[i] <= 'F')
					 ? RR_E_CANONICAL : RR_E_VALUE,
					 "%.*s: need lower-case hex digits",
					 (int)len, s);
		v = (v << 4) | (uint32_t)h;
	}
	*out = v;
	return RR_OK;
}

enum rr_errclass rr_rd_text(struct rr_rd *rd, size_t lenbytes,
				 const uint8_t **p, size_t *len,
				 struct rr_error *err)
{
	uint8_t l8;
	uint16_t l16;

	if (lenbytes == 1) {
		if (!rr_rd_u8(rd, &l8))
			return rr_seterr(err, RR_E_TRUNCATED, "cut short");
		*len = l8;
	} else {
		if (!rr_rd_u16(rd, &l16))
			return rr_seterr(err, RR_E_TRUNCATED, "cut short");
		*len = l16;
	}
	if (!rr_rd_bytes(rd, *len, p))
		return rr_seterr(err, RR_E_TRUNCATED, "cut short");
	return RR_OK;
}

void rr_fmt_hex(struct rr_buf *out, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		rr_buf_putc(out, (uint8_t)hex[p[i] >> 4]);
		rr_buf_putc(out, (uint8_t)hex[p[i] & 15]);
	}
}
