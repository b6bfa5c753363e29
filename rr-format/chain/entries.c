/*
 * entries.c - the rules over a set of members, whoever wrote it down:
 * authorization (restrict-nets), duplicate site names and overlapping
 * nets.  The fetcher's and the auditor's membership (members.c) and the
 * admin's member descriptions (vpnrr admit, index, import) go through
 * these same functions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

void rrc_mark(enum rrchain_reason *status, char *why, size_t whylen,
	      struct rrchain_stats *st, enum rrchain_reason r,
	      const char *fmt, ...)
{
	va_list ap;

	/* The first reason is kept: it is the one to fix first. */
	if (*status != RRCHAIN_OK)
		return;
	*status = r;
	if (st)
		st->rejected[r]++;
	va_start(ap, fmt);
	if (vsnprintf(why, whylen, fmt, ap) < 0)
		why[0] = '\0';
	va_end(ap);
}

bool rrc_outside(const struct rrchain_policy *pol, const char *where,
		 const char *site, const struct rr_prefix *nets, size_t n,
		 char *why, size_t whylen)
{
	char p[RR_PREFIXSTRLEN];
	size_t bad = 0;

	if (!pol->nrestrict ||
	    rr_prefixes_within(pol->restrict_nets, pol->nrestrict, nets, n,
			       &bad))
		return false;
	rr_prefix_format(&nets[bad], p);
	if (snprintf(why, whylen, "%s%smember %s: authorized net %s is "
		     "outside restrict-nets", where ? where : "",
		     where ? ": " : "", site, p) < 0)
		why[0] = '\0';
	return true;
}

static void entry_reject(struct rrchain_entry *e, struct rrchain_stats *st,
			 enum rrchain_reason r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void entry_reject(struct rrchain_entry *e, struct rrchain_stats *st,
			 enum rrchain_reason r, const char *fmt, ...)
{
	char why[RRCHAIN_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	(void)rr_vfail(why, sizeof(why), fmt, ap);
	va_end(ap);
	rrc_mark(&e->status, e->why, sizeof(e->why), st, r, "%s", why);
}

/* ---- duplicate site names ------------------------------------------------ */

/* Names that differ only in case share one member DNS name
 * (rr_name_member lower-cases), so they are the same name.  Ties keep
 * the caller's order, so messages name the entries in it. */
static int name_cmp(const void *a, const void *b)
{
	const struct rrchain_entry *x = *(const struct rrchain_entry *const *)a;
	const struct rrchain_entry *y = *(const struct rrchain_entry *const *)b;
	int c = strcasecmp(x->site, y->site);

	if (c)
		return c;
	return x < y ? -1 : x > y;
}

static void duplicate_pair(struct rrchain_entry *a, struct rrchain_entry *b,
			   struct rrchain_stats *st)
{
	char how[RRCHAIN_ERRLEN];

	if (a->where && b->where)
		snprintf(how, sizeof(how), "as %s in %s and %s in %s", a->site,
			 a->where, b->site, b->where);
	else
		snprintf(how, sizeof(how), "as %s and %s", a->site, b->site);
	/* Both: nothing says which of the two the admin meant. */
	entry_reject(a, st, RRCHAIN_R_DUPLICATE,
		     "site %s is listed twice (%s)", a->site, how);
	entry_reject(b, st, RRCHAIN_R_DUPLICATE,
		     "site %s is listed twice (%s)", b->site, how);
}

static void mark_duplicates(struct rrchain_entry **by, size_t n,
			    struct rrchain_stats *st)
{
	qsort(by, n, sizeof(*by), name_cmp);
	for (size_t i = 0; i + 1 < n; i++)
		if (strcasecmp(by[i]->site, by[i + 1]->site) == 0)
			duplicate_pair(by[i], by[i + 1], st);
}

/* ---- overlapping nets ---------------------------------------------------- */

struct pfx {
	const struct rr_prefix *p;
	struct rrchain_entry *e;
};

/* Address, then length; ties keep the caller's order. */
static int pfx_cmp(const void *a, const void *b)
{
	const struct pfx *pa = a, *pb = b;
	const struct rr_prefix *x = pa->p, *y = pb->p;
	int c;

	if (x->addr.family != y->addr.family)
		return x->addr.family < y->addr.family ? -1 : 1;
	c = memcmp(x->addr.bytes, y->addr.bytes, sizeof(x->addr.bytes));
	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return pa->e < pb->e ? -1 : pa->e > pb->e;
}

static void overlap_pair(const struct pfx *a, const struct pfx *b,
			 struct rrchain_stats *st)
{
	char pa[RR_PREFIXSTRLEN], pb[RR_PREFIXSTRLEN];

	rr_prefix_format(a->p, pa);
	rr_prefix_format(b->p, pb);
	entry_reject(a->e, st, RRCHAIN_R_OVERLAP,
		     "site %s: authorized net %s overlaps %s of site %s",
		     a->e->site, pa, pb, b->e->site);
	entry_reject(b->e, st, RRCHAIN_R_OVERLAP,
		     "site %s: authorized net %s overlaps %s of site %s",
		     b->e->site, pb, pa, a->e->site);
}

/*
 * Sorted by address then length, every prefix that contains P comes
 * before P, and the prefixes containing P form a chain.  A stack of that
 * chain finds all overlaps in O(total log total + pairs).  Only entries
 * usable so far take part: a rejected entry is not used, so its nets
 * claim nothing.
 */
static enum rrchain_reason mark_overlaps(struct rrchain_entry *v, size_t n,
					 struct rrchain_stats *st,
					 struct rrchain_error *err)
{
	struct pfx *all = NULL, **stack = NULL;
	size_t total = 0, k = 0, depth = 0;
	enum rrchain_reason r = RRCHAIN_OK;

	for (size_t i = 0; i < n; i++)
		if (v[i].status == RRCHAIN_OK)
			total += v[i].nnets;
	if (total == 0)
		return RRCHAIN_OK;
	all = calloc(total, sizeof(*all));
	stack = calloc(total, sizeof(*stack));
	if (!all || !stack) {
		r = rrc_seterr(err, RRCHAIN_R_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i].status != RRCHAIN_OK)
			continue;
		for (size_t j = 0; j < v[i].nnets; j++)
			all[k++] = (struct pfx){ &v[i].nets[j], &v[i] };
	}
	qsort(all, total, sizeof(*all), pfx_cmp);
	for (size_t i = 0; i < total; i++) {
		while (depth && !rr_prefix_contains(stack[depth - 1]->p,
						    all[i].p))
			depth--;
		for (size_t d = 0; d < depth; d++)
			if (stack[d]->e != all[i].e)
				overlap_pair(stack[d], &all[i], st);
		stack[depth++] = &all[i];
	}
out:
	free(all);
	free(stack);
	return r;
}

/* ---- the set ------------------------------------------------------------- */

enum rrchain_reason rrchain_check_entries(const struct rrchain_policy *pol,
					  struct rrchain_entry *entries,
					  size_t n,
					  struct rrchain_stats *stats,
					  struct rrchain_error *err)
{
	struct rrchain_entry **by;
	char why[RRCHAIN_ERRLEN];

	for (size_t i = 0; i < n; i++) {
		if (entries[i].status != RRCHAIN_OK)
			continue;
		entries[i].why[0] = '\0';
		if (rrc_outside(pol, entries[i].where, entries[i].site,
				entries[i].nets, entries[i].nnets, why,
				sizeof(why)))
			entry_reject(&entries[i], stats, RRCHAIN_R_OUTSIDE,
				     "%s", why);
	}
	if (n < 2)
		return RRCHAIN_OK;
	by = calloc(n, sizeof(*by));
	if (!by)
		return rrc_seterr(err, RRCHAIN_R_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		by[i] = &entries[i];
	mark_duplicates(by, n, stats);
	free(by);
	return mark_overlaps(entries, n, stats, err);
}
