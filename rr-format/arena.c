/*
 * arena.c - the memory a record owns.
 *
 * A record's values, strings and arrays are bump-allocated from a short
 * list of blocks that live as long as the record, so a record costs about
 * what it holds and is freed in a few calls.  Nothing is freed singly:
 * records are built once by a parser (which reserves about the right size
 * up front) or by a short sequence of rr_add calls.
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct rr_chunk {
	struct rr_chunk *next; /* older blocks */
	size_t used, cap;      /* bytes of data[] */
	alignas(max_align_t) unsigned char data[];
};

/* The first block of a record built field by field; later ones double. */
#define FIRST_CHUNK 192

static struct rr_chunk *new_chunk(struct rr_record *r, size_t cap)
{
	struct rr_chunk *c = malloc(sizeof(*c) + cap);

	if (!c)
		return NULL;
	c->next = r->mem;
	c->used = 0;
	c->cap = cap;
	r->mem = c;
	return c;
}

void *rr_arena_alloc(struct rr_record *r, size_t size, size_t align)
{
	struct rr_chunk *c = r->mem;
	size_t at, cap;

	if (size > SIZE_MAX / 4)
		return NULL;
	if (c) {
		at = (c->used + align - 1) & ~(align - 1);
		if (at <= c->cap && c->cap - at >= size) {
			c->used = at + size;
			return c->data + at;
		}
	}
	cap = c ? 2 * c->cap : FIRST_CHUNK;
	if (cap < size + align)
		cap = size + align;
	c = new_chunk(r, cap);
	if (!c)
		return NULL;
	/* data[] is aligned for any type. */
	c->used = size;
	return c->data;
}

char *rr_arena_strdup(struct rr_record *r, const void *p, size_t len)
{
	char *s = rr_arena_alloc(r, len + 1, 1);

	if (!s)
		return NULL;
	if (len)
		memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

void rr_record_reserve(struct rr_record *r, size_t nfields, size_t bytes)
{
	struct rr_field *f;

	if (!r->mem && bytes > 0)
		(void)new_chunk(r, bytes);
	if (nfields > r->fieldcap && nfields <= RR_MAX_FIELDS) {
		f = realloc(r->fields, nfields * sizeof(*f));
		if (f) {
			r->fields = f;
			r->fieldcap = nfields;
		}
	}
}

void rr_arena_free(struct rr_record *r)
{
	struct rr_chunk *c = r->mem, *next;

	for (; c; c = next) {
		next = c->next;
		free(c);
	}
	r->mem = NULL;
}

size_t rr_arena_used(const struct rr_record *r)
{
	size_t n = 0;

	for (const struct rr_chunk *c = r->mem; c; c = c->next)
		n += c->used;
	return n;
}


void rr_record_compact(struct rr_record *r)
{
	struct rr_record tmp;

	if (!r->mem || (!r->mem->next && r->fieldcap == r->nfields))
		return;
	/* Decoding the fields again into one block of the right size is
	 * simpler than moving every pointer of the view. */
	if (rr_record_copy(&tmp, r, NULL) != RR_OK)
		return;
	rr_record_free(r);
	rr_record_move(r, &tmp);
}

size_t rr_record_heap(const struct rr_record *r)
{
	size_t n = r->fieldcap * sizeof(struct rr_field);

	for (const struct rr_chunk *c = r->mem; c; c = c->next)
		n += sizeof(*c) + c->cap;
	return n;
}
