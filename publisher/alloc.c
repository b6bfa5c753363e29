/* alloc.c - first free aligned block of the VPN's space. */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

static size_t addr_bytes(uint8_t family)
{
	return family == 4 ? 4 : 16;
}

/* A + 1 in place; false when it wraps past the family's last address. */
static bool addr_inc(struct rr_addr *a)
{
	for (size_t i = addr_bytes(a->family); i-- > 0;)
		if (++a->bytes[i] != 0)
			return true;
	return false;
}

/* The last address of P. */
static struct rr_addr prefix_last(const struct rr_prefix *p)
{
	struct rr_addr a = p->addr;

	for (size_t bit = p->len; bit < 8 * addr_bytes(a.family); bit++)
		a.bytes[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
	return a;
}

/* A rounded up to the next multiple of a /LEN block; false on wrap. */
static bool align_up(struct rr_addr *a, uint8_t len)
{
	struct rr_prefix p = { *a, len };
	bool host = false;

	for (size_t bit = len; bit < 8 * addr_bytes(a->family); bit++) {
		uint8_t m = (uint8_t)(0x80u >> (bit % 8));
		host = host || (a->bytes[bit / 8] & m);
		p.addr.bytes[bit / 8] &= (uint8_t)~m;
	}
	if (!host)
		return true;
	*a = prefix_last(&p);
	return addr_inc(a);
}

static const struct rr_prefix *overlapping(const struct rr_prefix *p,
					   const struct rr_prefix *taken,
					   size_t ntaken)
{
	for (size_t i = 0; i < ntaken; i++)
		if (taken[i].addr.family == p->addr.family &&
		    rr_prefix_overlap(p, &taken[i]))
			return &taken[i];
	return NULL;
}

/* The first free block inside SPACE; each step jumps past one taken
 * prefix, so NTAKEN + 1 candidates are enough. */
static bool first_free(const struct rr_prefix *space,
		       const struct rr_prefix *taken, size_t ntaken,
		       uint8_t len, struct rr_prefix *out)
{
	struct rr_prefix c = { space->addr, len };

	for (size_t step = 0; step <= ntaken; step++) {
		const struct rr_prefix *t;
		if (!rr_prefix_contains(space, &c))
			return false;
		t = overlapping(&c, taken, ntaken);
		if (!t) {
			*out = c;
			return true;
		}
		c.addr = prefix_last(t);
		if (!addr_inc(&c.addr) || !align_up(&c.addr, len))
			return false;
	}
	return false;
}

int pub_alloc_block(const struct rr_prefix *space, size_t nspace,
		    const struct rr_prefix *taken, size_t ntaken,
		    const struct pub_anynet *want, struct rr_prefix *out,
		    struct pub_err *e)
{
	bool any_space = false;

	for (size_t i = 0; i < nspace; i++) {
		if (space[i].addr.family != want->family ||
		    space[i].len > want->len)
			continue;
		any_space = true;
		if (first_free(&space[i], taken, ntaken, want->len, out))
			return 0;
	}
	return pub_errf(e, PUB_EXIT_INVALID, NULL, 0, "any",
			any_space ? "no free IPv%u /%u left in the VPN's "
				    "restrict-nets"
				  : "the VPN's restrict-nets hold no IPv%u "
				    "network of /%u or larger to allocate "
				    "from",
			(unsigned)want->family, (unsigned)want->len);
}

int pub_alloc_member(const struct pub_admin *a, const struct pub_members *ms,
		     const struct pub_anynet *any, size_t nany,
		     struct pub_member *cand, struct pub_err *e)
{
	struct rr_prefix *taken;
	size_t n = 0, cap = cand->nnets + nany;
	int rc = 0;

	if (nany == 0)
		return 0;
	if (cand->nnets + nany > RR_MAX_NETS)
		return pub_errf(e, PUB_EXIT_INVALID, cand->file, 0, "any",
				"more than %d networks", RR_MAX_NETS);
	for (size_t i = 0; i < ms->n; i++)
		cap += ms->v[i].nnets;
	taken = malloc(cap * sizeof(*taken));
	if (!taken)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "any",
				"out of memory");
	for (size_t i = 0; i < ms->n; i++) {
		if (pub_site_eq(ms->v[i].site, cand->site))
			continue;
		memcpy(taken + n, ms->v[i].nets,
		       ms->v[i].nnets * sizeof(*taken));
		n += ms->v[i].nnets;
	}
	memcpy(taken + n, cand->nets, cand->nnets * sizeof(*taken));
	n += cand->nnets;
	for (size_t i = 0; i < nany && rc == 0; i++) {
		struct rr_prefix got;
		rc = pub_alloc_block(a->restrict_nets, a->nrestrict, taken, n,
				     &any[i], &got, e);
		if (rc == 0) {
			taken[n++] = got;
			cand->nets[cand->nnets++] = got;
		}
	}
	free(taken);
	return rc;
}
