/* util.c - byte buffers and a bounds-checked reader. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void rr_buf_put(struct rr_buf *b, const void *data, size_t len)
{
	size_t ncap;
	uint8_t *np;

	if (b->oom || len == 0)
		return;
	if (len > SIZE_MAX / 2 - b->len) {
		b->oom = true;
		return;
	}
	if (b->len + len + 1 > b->cap) {
		ncap = b->cap ? b->cap : 256;
		while (ncap < b->len + len + 1)
			ncap *= 2;
		np = realloc(b->p, ncap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

void rr_buf_putc(struct rr_buf *b, uint8_t c) { rr_buf_put(b, &c, 1); }
void rr_buf_puts(struct rr_buf *b, const char *s) { rr_buf_put(b, s, strlen(s)); }

void rr_buf_u16(struct rr_buf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	rr_buf_put(b, x, 2);
}

void rr_buf_u32(struct rr_buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };
	rr_buf_put(b, x, 4);
}

void rr_buf_u64(struct rr_buf *b, uint64_t v)
{
	rr_buf_u32(b, (uint32_t)(v >> 32));
	rr_buf_u32(b, (uint32_t)v);
}

void rr_buf_cstr(struct rr_buf *b)
{
	/* rr_buf_put always leaves room for one more byte. */
	if (b->oom)
		return;
	if (!b->p) {
		b->p = malloc(1);
		if (!b->p) {
			b->oom = true;
			return;
		}
		b->cap = 1;
	}
	b->p[b->len] = '\0';
}

void rr_buf_free(struct rr_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

bool rr_rd_bytes(struct rr_rd *r, size_t n, const uint8_t **v)
{
	if (n > r->len - r->off)
		return false;
	*v = r->p + r->off;
	r->off += n;
	return true;
}

bool rr_rd_u8(struct rr_rd *r, uint8_t *v)
{
	const uint8_t *p;
	if (!rr_rd_bytes(r, 1, &p))
		return false;
	*v = p[0];
	return true;
}

bool rr_rd_u16(struct rr_rd *r, uint16_t *v)
{
	const uint8_t *p;
	if (!rr_rd_bytes(r, 2, &p))
		return false;
	*v = (uint16_t)(p[0] << 8 | p[1]);
	return true;
}

bool rr_rd_u32(struct rr_rd *r, uint32_t *v)
{
	const uint8_t *p;
	if (!rr_rd_bytes(r, 4, &p))
		return false;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	     (uint32_t)p[2] << 8 | p[3];
	return true;
}

bool rr_rd_u64(struct rr_rd *r, uint64_t *v)
{
	uint32_t hi, lo;
	if (!rr_rd_u32(r, &hi) || !rr_rd_u32(r, &lo))
		return false;
	*v = (uint64_t)hi << 32 | lo;
	return true;
}
