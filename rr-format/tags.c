/*
 * tags.c - the known tags and the tunables, as tables.
 *
 * A tag row names its value type (vscalar.c, vlist.c) and the record
 * member its value decodes into; the code below only dispatches.  The
 * tunables are one list (RR_TUNABLE_ROWS in rr.h) that makes their tag
 * rows, the public rr_tunables table and their ids, so they are spelt
 * once.
 */
#include <stddef.h>
#include <string.h>

#include "internal.h"

#define H RR_KBIT(RR_KIND_HEAD)
#define M RR_KBIT(RR_KIND_MEMBER)
#define S RR_KBIT(RR_KIND_SITE)
#define A RR_KBIT(RR_KIND_ANCHOR)
#define AT(member) offsetof(struct rr_record, member)

#define TUNABLE_TAG(id, tag, unit, def, mdef, min, max, member) \
	{ tag, &rr_vt_tunable, S, 0, AT(member), RR_NOWHERE },
#define TUNABLE_ROW(id, tag, unit, def, mdef, min, max, member) \
	[RR_TUN_##id] = { tag, unit, def, mdef, min, max, AT(member) },

static const struct rr_tagdef tagdefs[] = {
	{ "k", &rr_vt_kind, H | M | S | A, H | M | S | A, RR_NOWHERE,
	  RR_NOWHERE },
	{ "vpn", &rr_vt_name, H | M | S | A, H | M | S | A, AT(vpn),
	  RR_NOWHERE },
	{ "site", &rr_vt_sitename, M | S, M | S, AT(site), RR_NOWHERE },
	{ "s", &rr_vt_u32, H | M | S | A, H | M | S | A, AT(serial),
	  AT(has_serial) },
	{ "t", &rr_vt_time, H | M | S | A, H | M | S | A, AT(not_before),
	  AT(has_times) },
	{ "x", &rr_vt_time, H | M | S | A, H | M | S | A, AT(expires),
	  AT(has_times) },
	{ "n", &rr_vt_u32, H, H, AT(nmembers), RR_NOWHERE },
	{ "pages", &rr_vt_hashes, H, H, AT(pages), AT(npages) },
	{ "rk", &rr_vt_rkeys, M, M, AT(rkeys), AT(nrkeys) },
	{ "nets", &rr_vt_nets, M | S, M | S, AT(nets), AT(nnets) },
	{ "at", &rr_vt_dnsname, M, M, AT(at), RR_NOWHERE },
	{ "ep", &rr_vt_eps, S, S, AT(eps), AT(neps) },
	{ "ptp", &rr_vt_addr, S, S, AT(ptp), AT(has_ptp) },
	{ "ks", &rr_vt_hex32, S, S, AT(keyserial), AT(has_keyserial) },
	{ "keys", &rr_vt_tkeys, S, S, AT(tkeys), AT(ntkeys) },
	{ "contact", &rr_vt_text, M | S, 0, AT(contact), RR_NOWHERE },
	{ "dh", &rr_vt_text, S, 0, AT(dh), RR_NOWHERE },
	{ "hash", &rr_vt_text, S, 0, AT(hash), RR_NOWHERE },
	RR_TUNABLE_ROWS(TUNABLE_TAG)
	/* Added after the first table (SPEC.md 13.1): text values. */
	{ "gw-nets", &rr_vt_tnets, M | S, 0, AT(gw_nets), AT(ngw_nets) },
	{ "wg", &rr_vt_wg, S, 0, RR_NOWHERE, RR_NOWHERE },
	/* exactly one of these two (rr_record_finish) */
	{ "add", &rr_vt_akey, A, 0, AT(anchor_key), AT(anchor_add) },
	{ "retire", &rr_vt_akey, A, 0, AT(anchor_key), AT(anchor_retire) },
	{ "sk", &rr_vt_sk, H | M | S | A, 0, AT(sigkeyid), AT(has_sk) },
	{ "sig", &rr_vt_sig, H | M | S | A, 0, AT(sig), AT(has_sig) },
};

const struct rr_tunable rr_tunables[RR_NTUNABLES] = {
	RR_TUNABLE_ROWS(TUNABLE_ROW)
};

#undef H
#undef M
#undef S
#undef A

const struct rr_tagdef *rr_tagdef_find(const char *tag)
{
	for (size_t i = 0; i < sizeof(tagdefs) / sizeof(tagdefs[0]); i++)
		if (strcmp(tagdefs[i].name, tag) == 0)
			return &tagdefs[i];
	return NULL;
}

const struct rr_tagdef *rr_tagdef_at(size_t i)
{
	if (i >= sizeof(tagdefs) / sizeof(tagdefs[0]))
		return NULL;
	return &tagdefs[i];
}

const struct rr_tunable *rr_tunable_find(const char *tag)
{
	for (size_t i = 0; i < RR_NTUNABLES; i++)
		if (strcmp(rr_tunables[i].tag, tag) == 0)
			return &rr_tunables[i];
	return NULL;
}

uint32_t rr_tunable_get(const struct rr_record *r, const struct rr_tunable *t)
{
	return *RR_AT(r, t->off, const uint32_t);
}

bool rr_tag_valid(const char *tag, size_t len)
{
	size_t i = 0;

	if (len > RR_MAX_TAG)
		return false;
	if (i < len && tag[i] == '!')
		i++;
	if (i >= len || !(tag[i] >= 'a' && tag[i] <= 'z'))
		return false;
	for (i++; i < len; i++) {
		char c = tag[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return false;
	}
	return true;
}

/* ---- dispatch ------------------------------------------------------------ */

enum rr_errclass rr_value_parse(const struct rr_tagdef *td, const char *text,
				size_t len, struct rr_buf *out,
				struct rr_error *err)
{
	enum rr_errclass rc;

	if (td)
		return td->type->parse(text, len, out, err);
	/* An unknown tag: carried as text, unchanged. */
	rc = rr_text_check(text, len, true, err);
	if (rc == RR_OK)
		rr_buf_put(out, text, len);
	return rc;
}

enum rr_errclass rr_value_decode(const struct rr_tagdef *td,
				 const uint8_t *val, size_t len,
				 struct rr_record *r, struct rr_error *err)
{
	if (!td)
		return rr_text_check((const char *)val, len, true, err);
	return td->type->decode(td, val, len, r, err);
}

enum rr_errclass rr_value_format(const struct rr_tagdef *td,
				 const uint8_t *val, size_t len,
				 struct rr_buf *out, struct rr_error *err)
{
	if (td)
		td->type->format(val, len, out);
	else
		rr_buf_put(out, val, len);
	if (out->oom)
		return rr_seterr(err, RR_E_NOMEM, "out of memory");
	return RR_OK;
}
