/* chain_report.c - the rules' verdicts mapped onto the records of the
 * input: which record a verdict covers, why the others at a name were
 * passed over, what expires soon, and the objects the report lists. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain_int.h"
#include "timefmt.h"

static void __attribute__((format(printf, 3, 0)))
msg(char (*arr)[PUB_VMSGLEN], size_t *n, const char *fmt, va_list ap)
{
	if (*n >= PUB_VMSGS)
		return;
	vsnprintf(arr[*n], PUB_VMSGLEN, fmt, ap);
	(*n)++;
}

void pcv_bad(struct pub_vrec *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg(v->err, &v->nerr, fmt, ap);
	va_end(ap);
	v->status = PUB_V_INVALID;
}

void pcv_warn(struct pub_vrec *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg(v->warn, &v->nwarn, fmt, ap);
	va_end(ap);
}

void pcv_global(struct pub_report *rep, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg(rep->err, &rep->nerr, fmt, ap);
	va_end(ap);
}

const char *pub_obj_kind_name(enum pub_obj_kind k)
{
	static const char *const names[] = {
		[PUB_OBJ_HEAD] = "head", [PUB_OBJ_PAGE] = "page",
		[PUB_OBJ_MEMBERSHIP] = "membership",
		[PUB_OBJ_MEMBER] = "member", [PUB_OBJ_SITE] = "site",
		[PUB_OBJ_ANCHOR] = "anchor",
	};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k]
							       : "unknown";
}

int pcv_object(struct pcv_ctx *c, enum pub_obj_kind kind, const char *name,
	       enum rrchain_reason verdict, const char *why,
	       const char *warning)
{
	struct pub_object *o = realloc(c->rep->obj,
				       (c->rep->nobj + 1) * sizeof(*o));

	if (!o)
		return -1;
	c->rep->obj = o;
	o = &o[c->rep->nobj++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->verdict = verdict;
	snprintf(o->name, sizeof(o->name), "%s", name);
	snprintf(o->why, sizeof(o->why), "%s", verdict ? why : "");
	snprintf(o->warning, sizeof(o->warning), "%s", warning ? warning : "");
	return 0;
}

/* ---- mapping verdicts onto records --------------------------------------- */

void pcv_soon(struct pcv_ctx *c, struct pub_vrec *v)
{
	char t[PUB_TIMESTRLEN];
	uint64_t now = c->o->now;

	pub_time_format(v->r.expires, t);
	if (now < v->r.expires && v->r.expires - now < c->o->warn_within)
		pcv_warn(v, "expires soon: at %s (in %" PRIu64 " hours)", t,
			 (v->r.expires - now) / 3600);
}

bool pcv_same_content(const struct pub_vrec *v,
		      const uint8_t content[RR_HASH_LEN])
{
	uint8_t h[RR_HASH_LEN];

	if (!v->parsed)
		return false;
	rrchain_record_content(&v->r, h);
	return memcmp(h, content, RR_HASH_LEN) == 0;
}

/* The verdict on one record alone, for one the rules did not choose: why
 * it was passed over. */
static enum rrchain_reason rule_one(const struct pcv_ctx *c,
				    const struct pcv_rule *ru,
				    const struct pub_rr *rr,
				    struct rrchain_error *err)
{
	struct rrchain_rdata rd = pcv_rdata_of(rr);
	struct rrchain_stats st = { 0 };
	struct rrchain_site_result res;
	struct rrchain_head h;
	enum rrchain_reason r;

	if (!ru->member) {
		r = rrchain_verify_head(ru->pol, &rd, 1, c->o->now, NULL, &h,
					&st, err);
		rrchain_head_free(&h);
		return r;
	}
	r = rrchain_verify_site(ru->pol, ru->member, &rd, 1, c->o->now, NULL,
				&res, &st, err);
	rrchain_site_result_free(&res);
	return r;
}

void pcv_mark_owner(struct pcv_ctx *c, const char *owner,
		    enum rrchain_reason r, const char *why,
		    const uint8_t *content, const char *chain,
		    const struct pcv_rule *ru)
{
	struct rrchain_error err;

	for (size_t i = 0; i < c->rep->n; i++) {
		struct pub_vrec *v = &c->rep->v[i];
		if (v->decided || !pub_streq_nocase(v->rr->owner, owner))
			continue;
		v->decided = true;
		if (r != RRCHAIN_OK) {
			pcv_bad(v, "%s: %s", rrchain_reason_name(r), why);
		} else if (content && pcv_same_content(v, content)) {
			v->signed_ok = true;
			snprintf(v->chain, sizeof(v->chain), "%s", chain);
			pcv_soon(c, v);
		} else if (ru && v->parsed &&
			   rule_one(c, ru, v->rr, &err) != RRCHAIN_OK) {
			pcv_bad(v, "not used: %s: %s",
				rrchain_reason_name(err.reason), err.msg);
		} else if (v->parsed) {
			pcv_warn(v, "not used: another record at this name is "
				 "newer");
		}
	}
}

void pcv_bad_owner(struct pcv_ctx *c, const char *owner, enum rrchain_reason r,
		   const char *why)
{
	for (size_t i = 0; i < c->rep->n; i++)
		if (c->rep->v[i].signed_ok &&
		    pub_streq_nocase(c->rep->v[i].rr->owner, owner))
			pcv_bad(&c->rep->v[i], "%s: %s", rrchain_reason_name(r),
				why);
}

void pcv_page_entries(struct pcv_ctx *c, const char *owner,
		      const struct rrchain_page *pg, const char *chain)
{
	for (size_t i = 0; i < c->rep->n; i++) {
		struct pub_vrec *v = &c->rep->v[i];
		if (!pub_streq_nocase(v->rr->owner, owner))
			continue;
		v->in_page = true;
		v->decided = true;
		snprintf(v->chain, sizeof(v->chain), "%s", chain);
		for (size_t k = 0; k < pg->nmembers; k++) {
			uint8_t h[RR_HASH_LEN];
			rrchain_record_content(&pg->members[k].rec, h);
			if (!pcv_same_content(v, h))
				continue;
			if (pg->members[k].status != RRCHAIN_OK)
				pcv_bad(v, "%s: %s", rrchain_reason_name(
					pg->members[k].status),
					pg->members[k].why);
			else
				v->signed_ok = true;
		}
	}
}

void pcv_finish(struct pub_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		struct pub_vrec *v = &rep->v[i];
		if (v->status != PUB_V_INVALID && v->signed_ok)
			v->status = PUB_V_VALID;
		if (v->status == PUB_V_VALID)
			rep->nvalid++;
		else if (v->status == PUB_V_INVALID)
			rep->ninvalid++;
	}
	if (rep->n == 0)
		pcv_global(rep, "no vpnrr records in the input");
	if (rep->nvalid == 0 && rep->ninvalid == 0 && rep->n)
		pcv_global(rep, "nothing could be verified");
}

void pub_report_free(struct pub_report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		rr_record_free(&rep->v[i].r);
	free(rep->v);
	free(rep->obj);
	memset(rep, 0, sizeof(*rep));
}
