/* record.c - the record model: ordered fields plus a decoded view. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *rr_kind_name(enum rr_kind k)
{
	switch (k) {
	case RR_KIND_HEAD:
		return "head";
	case RR_KIND_MEMBER:
		return "member";
	case RR_KIND_SITE:
		return "site";
	case RR_KIND_ANCHOR:
		return "anchor";
	}
	return "unknown";
}

/* The empty view: no fields, every string "" and every array empty. */
static void reset(struct rr_record *r)
{
	memset(r, 0, sizeof(*r));
	r->vpn = r->site = r->at = r->contact = r->dh = r->hash = "";
}

void rr_record_init(struct rr_record *r, enum rr_kind kind)
{
	uint8_t k = (uint8_t)kind;

	reset(r);
	if (kind != 0)
		rr_field_append(r, "k", 1, &k, 1, NULL);
}

void rr_record_empty(struct rr_record *r)
{
	reset(r);
}

void rr_record_free(struct rr_record *r)
{
	if (!r)
		return;
	free(r->fields);
	rr_arena_free(r);
	reset(r);
}

void rr_record_move(struct rr_record *dst, struct rr_record *src)
{
	/* Nothing points into the struct itself, only into its arena. */
	*dst = *src;
	reset(src);
}

enum rr_errclass rr_record_copy(struct rr_record *dst,
				const struct rr_record *src,
				struct rr_error *err)
{
	enum rr_errclass rc = RR_OK;

	reset(dst);
	/* The copy holds what SRC holds, plus alignment padding. */
	rr_record_reserve(dst, src->nfields, rr_arena_used(src) + 64);
	/* Decoding again rebuilds the view exactly as the parsers did. */
	for (size_t i = 0; i < src->nfields && rc == RR_OK; i++) {
		const struct rr_field *f = &src->fields[i];
		rc = rr_field_append(dst, f->tag, strlen(f->tag), f->val,
				     f->len, err);
	}
	if (rc != RR_OK)
		rr_record_free(dst);
	return rc;
}

static const char *basetag(const char *tag)
{
	return tag[0] == '!' ? tag + 1 : tag;
}

static enum rr_errclass check_order(const struct rr_record *r, const char *tag,
				    const struct rr_tagdef *td,
				    struct rr_error *err)
{
	if (r->nfields >= RR_MAX_FIELDS)
		return rr_seterr(err, RR_E_LIMIT, "more than %d tags",
				 RR_MAX_FIELDS);
	if (r->nfields == 0 && strcmp(tag, "k") != 0)
		return rr_seterr(err, RR_E_MISSING,
				 "k= must be the second tag, after v=");
	if (r->has_sig)
		return rr_seterr(err, RR_E_SYNTAX,
				 "sig= must be the last tag");
	if (r->has_sk && !(td && td->type == &rr_vt_sig))
		return rr_seterr(err, RR_E_SYNTAX,
				 "sk= must come directly before sig=");
	for (size_t i = 0; i < r->nfields; i++)
		if (strcmp(basetag(r->fields[i].tag), basetag(tag)) == 0)
			return rr_seterr(err, RR_E_DUPLICATE,
					 "tag appears more than once");
	return RR_OK;
}

static enum rr_errclass grow_fields(struct rr_record *r,
				    struct rr_error *err)
{
	size_t cap = r->fieldcap ? 2 * r->fieldcap : 8;
	struct rr_field *f;

	if (r->nfields < r->fieldcap)
		return RR_OK;
	if (cap > RR_MAX_FIELDS)
		cap = RR_MAX_FIELDS;
	f = realloc(r->fields, cap * sizeof(*f));
	if (!f)
		return rr_seterr(err, RR_E_NOMEM, "out of memory");
	r->fields = f;
	r->fieldcap = cap;
	return RR_OK;
}

/* Stores the field; its value is copied (NUL-terminated, so text values
 * serve as the view's strings) before it is decoded from the copy. */
static enum rr_errclass store_field(struct rr_record *r, const char *name,
				    size_t taglen, const struct rr_tagdef *td,
				    const uint8_t *val, size_t len,
				    struct rr_error *err)
{
	struct rr_field *f;
	const char *tag = td ? td->name : rr_arena_strdup(r, name, taglen);
	const uint8_t *v = (const uint8_t *)rr_arena_strdup(r, val, len);
	enum rr_errclass rc;

	if (!tag || !v)
		return rr_seterr(err, RR_E_NOMEM, "out of memory");
	rc = grow_fields(r, err);
	if (rc == RR_OK)
		rc = rr_value_decode(td, v, len, r, err);
	if (rc != RR_OK)
		return rc;
	f = &r->fields[r->nfields++];
	f->tag = tag;
	f->val = v;
	f->len = len;
	f->known = td != NULL;
	return RR_OK;
}

enum rr_errclass rr_field_append(struct rr_record *r, const char *tag,
				 size_t taglen, const uint8_t *val, size_t len,
				 struct rr_error *err)
{
	char name[RR_MAX_TAG + 1];
	const struct rr_tagdef *td;
	enum rr_errclass rc;

	if (!rr_tag_valid(tag, taglen))
		return rr_seterr(err, taglen > RR_MAX_TAG ? RR_E_LIMIT
				 : RR_E_SYNTAX, "bad tag name \"%.*s\"",
				 (int)(taglen > 40 ? 40 : taglen), tag);
	memcpy(name, tag, taglen);
	name[taglen] = '\0';
	/* v= is the version, carried by the encodings themselves. */
	if (strcmp(basetag(name), "v") == 0)
		return rr_seterr(err, RR_E_DUPLICATE,
				 "tag v: appears more than once");
	td = rr_tagdef_find(basetag(name));
	if (td && name[0] == '!')
		return rr_seterr(err, RR_E_SYNTAX,
				 "tag %s: a known tag is never marked critical",
				 name + 1);
	rc = check_order(r, name, td, err);
	if (rc != RR_OK)
		goto out;
	if (!td && name[0] == '!') {
		rc = rr_seterr(err, RR_E_CRITICAL,
			       "unknown tag marked critical");
		goto out;
	}
	if (td && td->type == &rr_vt_kind && r->nfields == 0) {
		if (len != 1 || val[0] < RR_KIND_HEAD || val[0] > RR_KIND_LAST) {
			rc = rr_seterr(err, RR_E_VALUE, "unknown kind");
			goto out;
		}
		r->kind = (enum rr_kind)val[0];
	}
	if (td && !(td->allowed & RR_KBIT(r->kind))) {
		rc = rr_seterr(err, RR_E_UNEXPECTED,
			       "not allowed in a %s record",
			       rr_kind_name(r->kind));
		goto out;
	}
	rc = store_field(r, name, taglen, td, val, len, err);
out:
	if (rc != RR_OK)
		rr_errprefix(err, "tag %s", name);
	return rc;
}

static bool has_field(const struct rr_record *r, const char *tag)
{
	for (size_t i = 0; i < r->nfields; i++)
		if (strcmp(r->fields[i].tag, tag) == 0)
			return true;
	return false;
}

enum rr_errclass rr_record_finish(struct rr_record *r, struct rr_error *err)
{
	const struct rr_tagdef *td;

	if (r->nfields == 0)
		return rr_seterr(err, RR_E_MISSING, "tag k: missing");
	for (size_t i = 0; (td = rr_tagdef_at(i)) != NULL; i++)
		if ((td->required & RR_KBIT(r->kind)) &&
		    !has_field(r, td->name))
			return rr_seterr(err, RR_E_MISSING,
					 "tag %s: missing (required in a %s "
					 "record)", td->name,
					 rr_kind_name(r->kind));
	if (r->has_sk && !r->has_sig)
		return rr_seterr(err, RR_E_UNSIGNED,
				 "tag sig: missing after sk=");
	if (r->has_sig && !r->has_sk)
		return rr_seterr(err, RR_E_UNSIGNED,
				 "tag sk: missing before sig=");
	if (r->expires <= r->not_before)
		return rr_seterr(err, RR_E_VALUE,
				 "tag x: expiry %llu is not after t=%llu",
				 (unsigned long long)r->expires,
				 (unsigned long long)r->not_before);
	if (r->kind == RR_KIND_HEAD &&
	    (r->nmembers > r->npages * RR_MAX_PAGE_MEMBERS ||
	     r->npages > r->nmembers))
		return rr_seterr(err, RR_E_VALUE,
				 "tag n: %u members cannot fill %zu pages",
				 r->nmembers, r->npages);
	if (r->kind == RR_KIND_ANCHOR && r->anchor_add == r->anchor_retire)
		return rr_seterr(err, r->anchor_add ? RR_E_VALUE : RR_E_MISSING,
				 "tags add, retire: an anchor statement has "
				 "exactly one of them");
	for (size_t i = 0; i < r->npages; i++)
		for (size_t j = i + 1; j < r->npages; j++)
			if (memcmp(r->pages[i], r->pages[j], RR_HASH_LEN) == 0)
				return rr_seterr(err, RR_E_DUPLICATE,
						 "tag pages: pages %zu and %zu "
						 "have the same hash", i + 1,
						 j + 1);
	return RR_OK;
}

enum rr_errclass rr_add(struct rr_record *r, const char *tag,
			const char *value, struct rr_error *err)
{
	const struct rr_tagdef *td = rr_tagdef_find(tag);
	struct rr_buf b = { 0 };
	enum rr_errclass rc;

	if (td && (td->type == &rr_vt_kind || td->type == &rr_vt_sk ||
		   td->type == &rr_vt_sig))
		return rr_seterr(err, RR_E_SYNTAX,
				 "tag %s: set by the library, not by rr_add",
				 tag);
	if (strcmp(tag, "v") == 0)
		return rr_seterr(err, RR_E_SYNTAX, "tag v: implicit");
	rc = rr_value_parse(td, value, strlen(value), &b, err);
	if (rc == RR_OK && b.oom)
		rc = rr_seterr(err, RR_E_NOMEM, "out of memory");
	if (rc != RR_OK) {
		rr_errprefix(err, "tag %s", tag);
		goto out;
	}
	rc = rr_field_append(r, tag, strlen(tag), b.p ? b.p : (const uint8_t *)"",
			     b.len, err);
out:
	rr_buf_free(&b);
	return rc;
}
