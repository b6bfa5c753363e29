/*
 * vtext.c - value types of the tags added after version 1's first table
 * (SPEC.md 13.1): their binary value is their presentation text, so that
 * readers that do not know them convert records between the encodings
 * unchanged.  Each is checked with the grammar of the value it spells
 * (an endpoint, a prefix list), so a known reader gets the same view from
 * either encoding.
 */
#include <string.h>

#include "internal.h"

#define WG_ROAMING "roaming"

/* Text as its own binary form, once CHECK (a vtype's parse) accepts it. */
static enum rr_errclass text_as_binary(const struct rr_vtype *check,
				       const char *text, size_t len,
				       struct rr_buf *out,
				       struct rr_error *err)
{
	struct rr_buf tmp = { 0 };
	enum rr_errclass rc = check->parse(text, len, &tmp, err);

	if (rc == RR_OK && tmp.oom)
		rc = rr_seterr(err, RR_E_NOMEM, "out of memory");
	if (rc == RR_OK)
		rr_buf_put(out, text, len);
	rr_buf_free(&tmp);
	return rc;
}

static void text_format(const uint8_t *val, size_t len, struct rr_buf *out)
{
	rr_buf_put(out, val, len);
}

/* ---- gw-nets= ------------------------------------------------------------ */

static enum rr_errclass tnets_parse(const char *text, size_t len,
				    struct rr_buf *out, struct rr_error *err)
{
	return text_as_binary(&rr_vt_nets, text, len, out, err);
}

static enum rr_errclass tnets_decode(const struct rr_tagdef *td,
				     const uint8_t *val, size_t len,
				     struct rr_record *r, struct rr_error *err)
{
	struct rr_buf tmp = { 0 };
	enum rr_errclass rc;

	rc = rr_vt_nets.parse((const char *)val, len, &tmp, err);
	if (rc == RR_OK && tmp.oom)
		rc = rr_seterr(err, RR_E_NOMEM, "out of memory");
	if (rc == RR_OK)
		rc = rr_vt_nets.decode(td, tmp.p, tmp.len, r, err);
	rr_buf_free(&tmp);
	return rc;
}

const struct rr_vtype rr_vt_tnets = { "text-nets", tnets_parse, tnets_decode,
				      text_format };

/* ---- wg= ----------------------------------------------------------------- */

/* "roaming", or one endpoint (5.1.11) into *EP. */
static enum rr_errclass wg_value(const char *text, size_t len, bool *roaming,
				 struct rr_endpoint *ep, struct rr_error *err)
{
	char s[RR_ENDPOINTSTRLEN];

	*roaming = false;
	if (len == strlen(WG_ROAMING) && memcmp(text, WG_ROAMING, len) == 0) {
		*roaming = true;
		return RR_OK;
	}
	if (len == 0)
		return rr_seterr(err, RR_E_VALUE, "empty WireGuard endpoint");
	if (len >= sizeof(s))
		return rr_seterr(err, RR_E_VALUE,
				 "WireGuard endpoint longer than %d bytes",
				 RR_ENDPOINTSTRLEN - 1);
	if (memchr(text, '\0', len) || memchr(text, ',', len))
		return rr_seterr(err, RR_E_VALUE,
				 "one WireGuard endpoint or \"roaming\"");
	memcpy(s, text, len);
	s[len] = '\0';
	return rr_endpoint_parse(s, ep, err);
}

static enum rr_errclass wg_parse(const char *text, size_t len,
				 struct rr_buf *out, struct rr_error *err)
{
	struct rr_endpoint ep;
	bool roaming;
	enum rr_errclass rc = wg_value(text, len, &roaming, &ep, err);

	if (rc == RR_OK)
		rr_buf_put(out, text, len);
	return rc;
}

static enum rr_errclass wg_decode(const struct rr_tagdef *td,
				  const uint8_t *val, size_t len,
				  struct rr_record *r, struct rr_error *err)
{
	struct rr_endpoint ep;
	bool roaming;
	enum rr_errclass rc;

	(void)td;
	rc = wg_value((const char *)val, len, &roaming, &ep, err);
	if (rc != RR_OK)
		return rc;
	if (!roaming) {
		struct rr_endpoint *p = RR_ARENA_NEW(r, struct rr_endpoint, 1);
		if (!p)
			return rr_seterr(err, RR_E_NOMEM, "out of memory");
		*p = ep;
		r->wg_ep = p;
	}
	r->has_wg = true;
	r->wg_roaming = roaming;
	return RR_OK;
}

const struct rr_vtype rr_vt_wg = { "wg", wg_parse, wg_decode, text_format };
