/*
 * base91s.c - secnet's "base91s" text encoding of binary key data.
 *
 * base91s is Joachim Henke's basE91 with '-' in place of '"', so that the
 * text can sit inside secnet's double-quoted configuration strings and in
 * make-secnet-sites' whitespace-separated sites files.  The output must be
 * byte-for-byte what secnet's base91.py produces (make-secnet-sites uses
 * it), because peer-keys files written here are compared with files that
 * make-secnet-sites writes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rr.h"

static const char alphabet[91] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	"abcdefghijklmnopqrstuvwxyz"
	"0123456789"
	"!#$%&()*+,./:;<=>?@[]^_`{|}~-";

/* Index of C in the alphabet, or -1. */
static int symbol_value(unsigned char c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = memchr(alphabet, c, sizeof(alphabet));
	return p ? (int)(p - alphabet) : -1;
}

char *rr_base91s_encode(const uint8_t *data, size_t len)
{
	uint32_t queue = 0; /* pending bits, low bits first */
	unsigned nbits = 0;
	size_t o = 0;
	char *out;

	/* basE91 never needs more than 2 characters per 13 input bits,
	 * plus 2 for the tail; 2*len+3 bounds that with room to spare. */
	if (len > (SIZE_MAX - 3) / 2)
		return NULL;
	out = malloc(2 * len + 3);
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		queue |= (uint32_t)data[i] << nbits;
		nbits += 8;
		if (nbits > 13) {
			uint32_t v = queue & 8191;

			/* Values above 88 fit 13 bits in two symbols;
			 * smaller ones can carry a 14th bit. */
			if (v > 88) {
				queue >>= 13;
				nbits -= 13;
			} else {
				v = queue & 16383;
				queue >>= 14;
				nbits -= 14;
			}
			out[o++] = alphabet[v % 91];
			out[o++] = alphabet[v / 91];
		}
	}
	if (nbits) {
		out[o++] = alphabet[queue % 91];
		if (nbits > 7 || queue > 90)
			out[o++] = alphabet[queue / 91];
	}
	out[o] = '\0';
	return out;
}

enum rr_errclass rr_base91s_decode(const char *text, size_t len,
				   uint8_t **out, size_t *outlen,
				   struct rr_error *err)
{
	uint32_t queue = 0;
	unsigned nbits = 0;
	int pending = -1; /* first symbol of an incomplete pair */
	size_t o = 0;
	uint8_t *buf;

	*out = NULL;
	*outlen = 0;
	/* Two symbols carry at most 14 bits, so the output is shorter than
	 * the input; +1 keeps malloc(0) out of the picture. */
	buf = malloc(len + 1);
	if (!buf)
		return rr_seterr(err, RR_E_NOMEM, "out of memory");
	for (size_t i = 0; i < len; i++) {
		int c = symbol_value((unsigned char)text[i]);

		if (c < 0) {
			free(buf);
			return rr_seterr(err, RR_E_VALUE,
					 "base91s: byte 0x%02x at offset %zu "
					 "is not in the alphabet",
					 (unsigned char)text[i], i);
		}
		if (pending < 0) {
			pending = c;
			continue;
		}
		uint32_t v = (uint32_t)pending + (uint32_t)c * 91;

		queue |= v << nbits;
		nbits += (v & 8191) > 88 ? 13 : 14;
		do {
			buf[o++] = (uint8_t)(queue & 255);
			queue >>= 8;
			nbits -= 8;
		} while (nbits > 7);
		pending = -1;
	}
	if (pending >= 0)
		buf[o++] =
			(uint8_t)((queue | (uint32_t)pending << nbits) & 255);
	*out = buf;
	*outlen = o;
	return RR_OK;
}
