/*
 * state.c - the state's life cycle, its name table and entries, and
 * what a refresh asks of it (state.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "state_int.h"

static const char *const event_names[] = {
	[FETCH_EV_HEAD_NEW] = "head-new",
	[FETCH_EV_HEAD_REJECTED] = "head-rejected",
	[FETCH_EV_HEAD_DROPPED] = "head-dropped",
	[FETCH_EV_MEMBER_REJECTED] = "member-rejected",
	[FETCH_EV_SITE_ADDED] = "site-added",
	[FETCH_EV_SITE_UPDATED] = "site-updated",
	[FETCH_EV_SITE_KEPT] = "site-kept",
	[FETCH_EV_SITE_REMOVED] = "site-removed",
	[FETCH_EV_SITE_DROPPED] = "site-dropped",
	[FETCH_EV_ANCHOR_PENDING] = "anchor-pending",
	[FETCH_EV_ANCHOR_ADOPTED] = "anchor-adopted",
	[FETCH_EV_ANCHOR_RESET] = "anchor-reset",
	[FETCH_EV_ANCHOR_RETIRED] = "anchor-retired",
	[FETCH_EV_ANCHOR_REJECTED] = "anchor-rejected",
};

const char *fetch_event_kind_name(enum fetch_event_kind k)
{
	if ((unsigned)k >= sizeof(event_names) / sizeof(event_names[0]))
		return "unknown";
	return event_names[k];
}

/* ---- report -------------------------------------------------------------- */

void st_event(struct fetch_merge_report *rep, enum fetch_event_kind k,
		  enum rrchain_reason why, const char *name, const char *fmt,
		  ...)
{
	struct fetch_event *ev;
	va_list ap;

	if (rep->nevents == rep->cap) {
		size_t ncap = rep->cap ? 2 * rep->cap : 16;
		ev = realloc(rep->events, ncap * sizeof(*ev));
		if (!ev) {
			/* Events are for the log; losing one is counted. */
			rep->events_lost++;
			return;
		}
		rep->events = ev;
		rep->cap = ncap;
	}
	ev = &rep->events[rep->nevents++];
	ev->kind = k;
	ev->reason = why;
	(void)snprintf(ev->name, sizeof(ev->name), "%s", name);
	va_start(ap, fmt);
	(void)rr_vfail(ev->msg, sizeof(ev->msg), fmt, ap);
	va_end(ap);
}

void fetch_merge_report_free(struct fetch_merge_report *rep)
{
	if (!rep)
		return;
	free(rep->events);
	memset(rep, 0, sizeof(*rep));
}

/* ---- the name table ------------------------------------------------------ */

static size_t name_hash(const uint8_t *key, const char *name)
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v = 0;

	crypto_shorthash(h, (const uint8_t *)name, strlen(name), key);
	for (size_t i = 0; i < sizeof(h); i++)
		v = v << 8 | h[i];
	return (size_t)v;
}

int st_table_alloc(struct table *t, size_t n)
{
	size_t cap = 16;

	/* At most half full keeps probe sequences short. */
	while (cap < 2 * n + 1)
		cap <<= 1;
	t->slots = calloc(cap, sizeof(*t->slots));
	t->mask = cap - 1;
	return t->slots ? 0 : -1;
}

void st_table_free(struct table *t)
{
	free(t->slots);
	t->slots = NULL;
	t->mask = 0;
}

struct site_entry *st_table_find(const struct table *t, const uint8_t *key,
				     struct site_entry *v, const char *name)
{
	size_t i;

	if (!t->slots)
		return NULL;
	for (i = name_hash(key, name) & t->mask;; i = (i + 1) & t->mask) {
		uint32_t s = t->slots[i];
		if (s == 0)
			return NULL;
		if (strcmp(v[s - 1].name, name) == 0)
			return &v[s - 1];
	}
}

void st_table_put(struct table *t, const uint8_t *key, size_t idx,
		      const char *name)
{
	size_t i = name_hash(key, name) & t->mask;

	while (t->slots[i] != 0)
		i = (i + 1) & t->mask;
	t->slots[i] = (uint32_t)(idx + 1);
}

/* ---- entries ------------------------------------------------------------- */

void st_entry_drop_record(struct site_entry *e)
{
	if (e->rec) {
		rr_record_free(e->rec);
		free(e->rec);
		e->rec = NULL;
	}
	free(e->raw.data);
	memset(&e->raw, 0, sizeof(e->raw));
	memset(e->key, 0, sizeof(e->key));
	e->has_alt = false;
	e->expires = 0;
}

void st_entries_free(struct site_entry *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		st_entry_drop_record(&v[i]);
	free(v);
}

/* Moves what outlives a membership (hw, last good record) from OLD. */
void st_entry_take(struct site_entry *e, struct site_entry *old)
{
	e->hw = old->hw;
	e->rec = old->rec;
	e->raw = old->raw;
	memcpy(e->owner, old->owner, sizeof(e->owner));
	memcpy(e->content, old->content, sizeof(e->content));
	memcpy(e->key, old->key, sizeof(e->key));
	e->has_alt = old->has_alt;
	memcpy(e->alt, old->alt, sizeof(e->alt));
	e->expires = old->expires;
	e->stored = old->stored;
	memcpy(e->row, old->row, sizeof(e->row));
	old->rec = NULL;
	memset(&old->raw, 0, sizeof(old->raw));
	old->stored = false;
	old->taken = true;
}

int st_gone(struct fetch_state *st, const char *name)
{
	if (st->ngone == st->gone_cap) {
		size_t nc = st->gone_cap ? 2 * st->gone_cap : 16;
		char (*g)[RR_SITENAMELEN] = realloc(st->gone, nc * sizeof(*g));
		if (!g)
			return -1;
		st->gone = g;
		st->gone_cap = nc;
	}
	(void)snprintf(st->gone[st->ngone++], RR_SITENAMELEN, "%s", name);
	return 0;
}

void st_entry_set_record(struct site_entry *e, struct rrchain_site_result *r)
{
	st_entry_drop_record(e);
	e->rec = r->rec;
	e->raw = r->raw;
	memcpy(e->owner, r->owner, sizeof(e->owner));
	memcpy(e->content, r->content, sizeof(e->content));
	memcpy(e->key, r->key, sizeof(e->key));
	e->has_alt = r->has_alt;
	memcpy(e->alt, r->alt, sizeof(e->alt));
	e->expires = r->expires;
	r->rec = NULL;
	memset(&r->raw, 0, sizeof(r->raw));
	/* Accepted: the high-water mark follows (never backwards). */
	if (!e->hw.set || rr_serial_cmp(e->rec->serial, e->hw.serial) >= 0) {
		e->hw.set = true;
		e->hw.serial = e->rec->serial;
		memcpy(e->hw.content, e->content, RR_HASH_LEN);
	}
}

/* ---- life cycle ---------------------------------------------------------- */

int fetch_state_new(const char *dir, struct fetch_state **out, char *err,
		    size_t errlen)
{
	struct fetch_state *st = NULL;

	*out = NULL;
	if (sodium_init() < 0)
		return rr_fail(err, errlen, "libsodium failed to start");
	st = calloc(1, sizeof(*st));
	if (!st)
		return rr_fail(err, errlen, "out of memory");
	st->dir = strdup(dir);
	if (!st->dir) {
		fetch_state_free(st);
		return rr_fail(err, errlen, "out of memory");
	}
	crypto_shorthash_keygen(st->hkey);
	st->v.sites = NULL;
	*out = st;
	return 0;
}

void fetch_state_free(struct fetch_state *st)
{
	if (!st)
		return;
	rrchain_membership_free(&st->mem);
	st_entries_free(st->sites, st->nsites);
	st_table_free(&st->tab);
	free(st->view);
	free(st->dir);
	free(st->page_rows);
	free(st->pend_pages);
	free(st->gone);
	sodium_memzero(st->hkey, sizeof(st->hkey));
	free(st);
}

bool fetch_state_head_hw(const struct fetch_state *st, struct rrchain_hw *out)
{
	*out = st->head_hw;
	return st->head_hw.set;
}

const struct rrchain_membership *fetch_state_membership(
	const struct fetch_state *st)
{
	return st->has_mem ? &st->mem : NULL;
}

/* What rrchain_verify_site may rely on instead of parsing E's bytes. */
void st_entry_cache(const struct site_entry *e, bool with_key,
			struct rrchain_site_cache *out)
{
	memset(out, 0, sizeof(*out));
	out->hw = e->hw;
	if (!with_key || !e->rec)
		return;
	out->has_key = true;
	memcpy(out->key, e->key, RR_HASH_LEN);
	/* Every record in the state passed the consumer's rules under the
	 * configuration the state was loaded with (a new configuration
	 * loads a new state). */
	out->rec = e->rec;
	out->consumer_ok = true;
	out->has_alt = e->has_alt;
	memcpy(out->alt, e->alt, RR_HASH_LEN);
	out->serial = e->rec->serial;
	out->not_before = e->rec->not_before;
	out->expires = e->rec->expires;
	memcpy(out->content, e->content, RR_HASH_LEN);
}

void fetch_state_site_cache(const struct fetch_state *st, const char *name,
			    struct rrchain_site_cache *out)
{
	struct site_entry *e = st_table_find(&st->tab, st->hkey, st->sites, name);

	memset(out, 0, sizeof(*out));
	if (e)
		st_entry_cache(e, true, out);
}

const struct fetch_view *fetch_state_view(const struct fetch_state *st)
{
	return &st->v;
}

void fetch_state_view_digest(const struct fetch_state *st,
			     uint8_t out[RR_HASH_LEN])
{
	memcpy(out, st->digest, RR_HASH_LEN);
}
