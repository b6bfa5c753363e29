/* escape.c - make bytes that came from DNS safe for a log line, a terminal
 * and a JSON string. */
#include <string.h>

#include "rr.h"

/* Length of the valid UTF-8 sequence at S (at most LEN bytes), or 0.
 * Overlong forms, surrogates and code points above U+10FFFF are invalid
 * (RFC 3629), so a decoder downstream cannot be tricked into seeing a
 * different character than the one we checked. */
static size_t utf8_seq(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n = 0;
	unsigned char lo = 0x80, hi = 0xbf;
	uint32_t c = 0;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	}
	if (n == 0 || n > len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	*cp = c;
	return n;
}

/* Characters that are valid UTF-8 yet still steer a terminal or reorder
 * what a reader sees: C1 controls (U+0080-U+009F; some terminals take
 * U+009B as CSI) and the bidirectional overrides and isolates. */
static bool cp_unsafe(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) || c == 0x200e || c == 0x200f ||
	       (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

char *rr_escape(char *out, size_t cap, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, i = 0;

	if (cap == 0)
		return out;
	while (i < len) {
		char piece[16];
		size_t n = 0, take = 1;
		uint32_t cp = 0;

		if (p[i] == '\\') {
			piece[n++] = '\\';
			piece[n++] = '\\';
		} else if (p[i] >= 0x20 && p[i] < 0x7f) {
			piece[n++] = (char)p[i];
		} else {
			take = p[i] >= 0x80 ? utf8_seq(p + i, len - i, &cp) : 0;
			if (take > 0 && !cp_unsafe(cp)) {
				memcpy(piece, p + i, take);
				n = take;
			} else {
				take = take ? take : 1;
				for (size_t k = 0; k < take; k++) {
					piece[n++] = '\\';
					piece[n++] = 'x';
					piece[n++] = hex[p[i + k] >> 4];
					piece[n++] = hex[p[i + k] & 15];
				}
			}
		}
		/* Cut only between pieces: half an escape or half a UTF-8
		 * sequence would be a new forgery or invalid JSON. */
		if (n >= cap - o)
			break;
		memcpy(out + o, piece, n);
		o += n;
		i += take;
	}
	out[o] = '\0';
	return out;
}
