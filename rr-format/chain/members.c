/*
 * members.c - pages and the membership: each page bound to the head by
 * its hash, each entry checked on its own, then the rules across all
 * entries (count; duplicates and overlaps through entries.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"

/* ---- pages --------------------------------------------------------------- */

void rrchain_page_free(struct rrchain_page *pg)
{
	if (!pg)
		return;
	rrchain_blobs_free(pg->raw, pg->nraw);
	for (size_t i = 0; i < pg->nmembers; i++)
		rr_record_free(&pg->members[i].rec);
	free(pg->members);
	memset(pg, 0, sizeof(*pg));
}

#define member_reject(m, st, r, ...) \
	rrc_mark(&(m)->status, (m)->why, sizeof((m)->why), (st), (r), \
		 __VA_ARGS__)

static void check_entry(const struct rrchain_policy *pol, uint64_t now,
			const char *owner, struct rrchain_member *m,
			struct rrchain_stats *st)
{
	const struct rr_record *r = &m->rec;
	char why[RRCHAIN_ERRLEN];

	st->members_checked++;
	if (strcmp(r->vpn, pol->vpn) != 0)
		member_reject(m, st, RRCHAIN_R_NAME,
			      "%s: member %s is for VPN %s, not %s", owner,
			      r->site, r->vpn, pol->vpn);
	else if (now < r->not_before)
		member_reject(m, st, RRCHAIN_R_NOTYET,
			      "%s: member %s not valid before %llu", owner,
			      r->site, (unsigned long long)r->not_before);
	else if (now >= r->expires)
		member_reject(m, st, RRCHAIN_R_EXPIRED,
			      "%s: member %s expired at %llu", owner, r->site,
			      (unsigned long long)r->expires);
	else if (rrc_outside(pol, owner, r->site, r->nets, r->nnets, why,
			     sizeof(why)))
		member_reject(m, st, RRCHAIN_R_OUTSIDE, "%s", why);
	else if (rrc_outside(pol, owner, r->site, r->gw_nets, r->ngw_nets,
			     why, sizeof(why)))
		member_reject(m, st, RRCHAIN_R_OUTSIDE, "%s (gw-nets)", why);
}

/* Whether the entry just parsed (members[nmembers], its content hash
 * set) repeats one before it. */
static bool duplicate_entry(const struct rrchain_page *pg)
{
	const struct rrchain_member *m = &pg->members[pg->nmembers];

	for (size_t i = 0; i < pg->nmembers; i++)
		if (memcmp(m->content, pg->members[i].content,
			   RR_HASH_LEN) == 0 &&
		    m->rec.nfields == pg->members[i].rec.nfields)
			return true;
	return false;
}

static enum rrchain_reason page_parse(const char *owner,
				    const struct rrchain_rdata *rrs, size_t n,
				    struct rrchain_page *pg,
				    struct rrchain_stats *st,
				    struct rrchain_error *err)
{
	size_t count = 0;
	struct rr_error e;
	enum rr_errclass rc;

	for (size_t i = 0; i < n; i++)
		count += rrchain_rdata_is_vpnrr(&rrs[i]);
	if (count == 0)
		return rrc_reject(st, err, RRCHAIN_R_MISSING,
			      "%s: page has no member entries", owner);
	/* Each entry may arrive twice, as TXT and as TYPE65380. */
	if (count > 2 * RR_MAX_PAGE_MEMBERS)
		return rrc_reject(st, err, RRCHAIN_R_LIMIT,
			      "%s: %zu entries in one page (at most %d)",
			      owner, count, RR_MAX_PAGE_MEMBERS);
	pg->members = calloc(count, sizeof(*pg->members));
	pg->raw = calloc(count, sizeof(*pg->raw));
	if (!pg->members || !pg->raw)
		return rrc_seterr(err, RRCHAIN_R_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		if (!rrchain_rdata_is_vpnrr(&rrs[i]))
			continue;
		if (rrc_blob_set(&pg->raw[pg->nraw], rrs[i].type, rrs[i].data,
			     rrs[i].len) != 0)
			return rrc_seterr(err, RRCHAIN_R_NOMEM, "out of memory");
		pg->nraw++;
		rc = rrc_parse_rdata(&rrs[i], &pg->members[pg->nmembers].rec, &e);
		if (rc != RR_OK)
			return rrc_reject(st, err, rrc_from_rr(rc),
				      "%s: entry %zu: %s", owner, pg->nraw,
				      e.msg);
		/* A page is a set: the same entry in the other encoding is
		 * the same member, not a second one. */
		rrchain_record_content(&pg->members[pg->nmembers].rec,
				       pg->members[pg->nmembers].content);
		if (duplicate_entry(pg)) {
			rr_record_free(&pg->members[pg->nmembers].rec);
			continue;
		}
		pg->nmembers++;
	}
	/* Room was made for both encodings of every entry; a VPN's
	 * membership is kept for as long as its head is good. */
	if (pg->nmembers > 0 && pg->nmembers < count) {
		struct rrchain_member *m = realloc(pg->members,
						   pg->nmembers * sizeof(*m));
		if (m)
			pg->members = m;
	}
	return RRCHAIN_OK;
}

static enum rrchain_reason page_hash_check(const char *owner,
					 const uint8_t want[RR_HASH_LEN],
					 struct rrchain_page *pg,
					 struct rrchain_stats *st,
					 struct rrchain_error *err)
{
	const struct rr_record **ptrs;
	uint8_t got[RR_HASH_LEN];
	char label[RR_PAGELABELLEN];
	struct rr_error e;
	enum rr_errclass rc;

	ptrs = calloc(pg->nmembers, sizeof(*ptrs));
	if (!ptrs)
		return rrc_seterr(err, RRCHAIN_R_NOMEM, "out of memory");
	for (size_t i = 0; i < pg->nmembers; i++)
		ptrs[i] = &pg->members[i].rec;
	rc = rr_page_hash(ptrs, pg->nmembers, got, &e);
	free(ptrs);
	st->pages_hashed++;
	if (rc != RR_OK)
		return rrc_reject(st, err, rrc_from_rr(rc), "%s: %s", owner, e.msg);
	if (sodium_memcmp(got, want, RR_HASH_LEN) != 0) {
		rr_page_label(got, label);
		return rrc_reject(st, err, RRCHAIN_R_HASH,
			      "%s: entries hash to page %s, not to the page "
			      "the head lists (a page of another head "
			      "version: mix-and-match)", owner, label);
	}
	return RRCHAIN_OK;
}

enum rrchain_reason rrchain_verify_page(const struct rrchain_policy *pol,
				   const uint8_t hash[RR_HASH_LEN],
				   const struct rrchain_rdata *rrs, size_t n,
				   uint64_t now, struct rrchain_page *out,
				   struct rrchain_stats *stats,
				   struct rrchain_error *err)
{
	char owner[RR_MAX_NAME + 1];
	struct rr_error e;
	enum rrchain_reason r;

	memset(out, 0, sizeof(*out));
	memcpy(out->hash, hash, RR_HASH_LEN);
	/* Entries are checked against the VPN: the head's, for an auditor. */
	if (!pol->vpn)
		return rrc_seterr(err, RRCHAIN_R_NAME, "zone %s: no VPN name "
				  "to check the page against", pol->zone);
	if (rr_name_page(pol->zone, hash, owner, &e) != RR_OK)
		return rrc_seterr(err, RRCHAIN_R_NAME, "zone %s: %s", pol->zone,
			      e.msg);
	r = page_parse(owner, rrs, n, out, stats, err);
	if (r == RRCHAIN_OK)
		r = page_hash_check(owner, hash, out, stats, err);
	if (r != RRCHAIN_OK) {
		rrchain_page_free(out);
		memcpy(out->hash, hash, RR_HASH_LEN);
		return r;
	}
	for (size_t i = 0; i < out->nmembers; i++)
		check_entry(pol, now, owner, &out->members[i], stats);
	return RRCHAIN_OK;
}

/* ---- the whole membership ------------------------------------------------ */

void rrchain_membership_free(struct rrchain_membership *m)
{
	if (!m)
		return;
	rrchain_head_free(&m->head);
	for (size_t i = 0; i < m->npages; i++)
		rrchain_page_free(&m->pages[i]);
	free(m->pages);
	memset(m, 0, sizeof(*m));
}

const struct rrchain_member *rrchain_membership_next(
	const struct rrchain_membership *m, size_t *pos)
{
	/* *POS counts entries over all pages, usable or not. */
	size_t skip = *pos;

	for (size_t p = 0; p < m->npages; p++) {
		const struct rrchain_page *pg = &m->pages[p];
		if (skip >= pg->nmembers) {
			skip -= pg->nmembers;
			continue;
		}
		for (size_t i = skip; i < pg->nmembers; i++) {
			(*pos)++;
			if (pg->members[i].status == RRCHAIN_OK)
				return &pg->members[i];
		}
		skip = 0;
	}
	return NULL;
}

static enum rrchain_reason pages_match_head(const struct rrchain_membership *m,
					  size_t *total,
					  struct rrchain_stats *st,
					  struct rrchain_error *err)
{
	const struct rr_record *h = &m->head.rec;
	char label[RR_PAGELABELLEN];

	if (m->npages != h->npages)
		return rrc_reject(st, err, RRCHAIN_R_COUNT,
			      "head serial %u lists %zu pages, %zu given",
			      h->serial, h->npages, m->npages);
	*total = 0;
	for (size_t i = 0; i < m->npages; i++) {
		if (memcmp(m->pages[i].hash, h->pages[i], RR_HASH_LEN) != 0) {
			rr_page_label(m->pages[i].hash, label);
			return rrc_reject(st, err, RRCHAIN_R_HASH,
				      "page %s is not page %zu of head serial "
				      "%u (mix-and-match)", label, i + 1,
				      h->serial);
		}
		*total += m->pages[i].nmembers;
	}
	if (*total > RRCHAIN_MAX_MEMBERS)
		return rrc_reject(st, err, RRCHAIN_R_LIMIT,
			      "%zu members (at most %d)", *total,
			      RRCHAIN_MAX_MEMBERS);
	if (*total != h->nmembers)
		return rrc_reject(st, err, RRCHAIN_R_COUNT,
			      "head serial %u says n=%u, its pages hold %zu "
			      "members", h->serial, h->nmembers, *total);
	return RRCHAIN_OK;
}

/* "page N" for each page: where its entries are listed. */
typedef char page_label[24];

static enum rrchain_reason check_set(struct rrchain_membership *m,
				     struct rrchain_entry *v, size_t total,
				     struct rrchain_stats *st,
				     struct rrchain_error *err)
{
	/* Restrict-nets were checked per page (rrchain_verify_page). */
	static const struct rrchain_policy none = { 0 };
	page_label *labels = calloc(m->npages, sizeof(*labels));
	enum rrchain_reason r;
	size_t k = 0;

	if (!labels)
		return rrc_seterr(err, RRCHAIN_R_NOMEM, "out of memory");
	for (size_t p = 0; p < m->npages; p++) {
		snprintf(labels[p], sizeof(labels[p]), "page %zu", p + 1);
		for (size_t i = 0; i < m->pages[p].nmembers; i++) {
			const struct rrchain_member *e = &m->pages[p].members[i];
			v[k++] = (struct rrchain_entry){
				.site = e->rec.site, .nets = e->rec.nets,
				.nnets = e->rec.nnets, .where = labels[p],
				.status = e->status,
			};
		}
	}
	r = rrchain_check_entries(&none, v, total, st, err);
	k = 0;
	for (size_t p = 0; r == RRCHAIN_OK && p < m->npages; p++)
		for (size_t i = 0; i < m->pages[p].nmembers; i++, k++) {
			struct rrchain_member *e = &m->pages[p].members[i];
			if (e->status == RRCHAIN_OK && v[k].status != RRCHAIN_OK) {
				e->status = v[k].status;
				memcpy(e->why, v[k].why, sizeof(e->why));
			}
		}
	free(labels);
	return r;
}

enum rrchain_reason rrchain_verify_members(struct rrchain_membership *m,
				      struct rrchain_stats *stats,
				      struct rrchain_error *err)
{
	struct rrchain_entry *v;
	size_t total = 0;
	enum rrchain_reason r;

	r = pages_match_head(m, &total, stats, err);
	if (r != RRCHAIN_OK || total == 0)
		return r;
	v = calloc(total, sizeof(*v));
	if (!v)
		return rrc_seterr(err, RRCHAIN_R_NOMEM, "out of memory");
	r = check_set(m, v, total, stats, err);
	free(v);
	return r;
}
