/*
 * json.c - the JSON driver: the verified state as JSON, for monitoring and other
 * tooling.
 *
 * Unlike secnet's output nothing is filtered: IPv6 networks, every key
 * algorithm and every endpoint are here.  Keys are sorted and there is no
 * timestamp of the run, so an unchanged state gives identical bytes and
 * the applier writes nothing.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "config.h"
#include "output.h"

/* Sets KEY to V (a new reference, consumed); false when V is NULL or the
 * set fails, so that a whole object can be built with one check. */
static bool put(json_t *obj, const char *key, json_t *v)
{
	return v && json_object_set_new(obj, key, v) == 0;
}

static bool push(json_t *arr, json_t *v)
{
	return v && json_array_append_new(arr, v) == 0;
}

static json_t *hex32(uint32_t v)
{
	char buf[9];

	(void)snprintf(buf, sizeof(buf), "%08" PRIx32, v); /* always fits */
	return json_string(buf);
}

static json_t *nets_json(const struct rr_prefix *nets, size_t n)
{
	json_t *a = json_array();
	char p[RR_PREFIXSTRLEN];

	for (size_t i = 0; a && i < n; i++) {
		rr_prefix_format(&nets[i], p);
		if (!push(a, json_string(p))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *endpoints_json(const struct rr_record *r)
{
	json_t *a = json_array();
	char e[RR_ENDPOINTSTRLEN];

	for (size_t i = 0; a && i < r->neps; i++) {
		rr_endpoint_format(&r->eps[i], e);
		if (!push(a, json_string(e))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *key_json(const struct rr_tkey *k)
{
	json_t *o = json_object();
	size_t blen = sodium_base64_ENCODED_LEN(k->len,
						sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(blen);
	bool ok;

	if (!o || !b64) {
		json_decref(o);
		free(b64);
		return NULL;
	}
	sodium_bin2base64(b64, blen, k->data, k->len,
			  sodium_base64_VARIANT_ORIGINAL);
	ok = put(o, "alg", json_string(k->alg)) &&
	     put(o, "group", hex32(k->group)) &&
	     put(o, "fallback", json_boolean(k->fallback)) &&
	     put(o, "data", json_string(b64));
	free(b64);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *keys_json(const struct rr_record *r)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < r->ntkeys; i++) {
		if (!push(a, key_json(&r->tkeys[i]))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *tunables_json(const struct rr_record *r)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < RR_NTUNABLES; i++) {
		const struct rr_tunable *tn = &rr_tunables[i];
		uint32_t v = rr_tunable_get(r, tn);
		if (v && !put(o, tn->tag, json_integer(v))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* Optional text: absent values are left out rather than "". */
static bool put_text(json_t *o, const char *key, const char *v)
{
	return v[0] == '\0' || put(o, key, json_string(v));
}

static bool put_member(json_t *o, const struct rr_record *m)
{
	json_t *mo = json_object();

	if (!mo)
		return false;
	if (!put(mo, "serial", json_integer(m->serial)) ||
	    !put(mo, "expires", json_integer((json_int_t)m->expires)) ||
	    !put(mo, "networks", nets_json(m->nets, m->nnets)) ||
	    !put_text(mo, "contact", m->contact)) {
		json_decref(mo);
		return false;
	}
	return put(o, "member", mo);
}

static bool put_site_fields(json_t *o, const struct fetch_site *s)
{
	const struct rr_record *r = s->site;
	char a[RR_ADDRSTRLEN];
	uint64_t exp = r->expires;

	/* The site stops working at the earlier of its two expiries. */
	if (s->member && s->member->expires < exp)
		exp = s->member->expires;
	if (!put(o, "name", json_string(s->name)) ||
	    !put(o, "serial", json_integer(r->serial)) ||
	    !put(o, "expires", json_integer((json_int_t)exp)) ||
	    !put(o, "site_expires", json_integer((json_int_t)r->expires)) ||
	    !put(o, "mobile", json_boolean(r->mobile)) ||
	    !put(o, "endpoints", endpoints_json(r)) ||
	    !put(o, "networks", nets_json(r->nets, r->nnets)) ||
	    !put(o, "keys", keys_json(r)) ||
	    !put(o, "tunables", tunables_json(r)) ||
	    !put_text(o, "contact", r->contact) ||
	    !put_text(o, "dh", r->dh) || !put_text(o, "hash", r->hash))
		return false;
	if (s->member && (!put_text(o, "source", s->member->at) ||
			  !put_member(o, s->member)))
		return false;
	if (r->has_keyserial && !put(o, "keyserial", hex32(r->keyserial)))
		return false;
	if (r->has_ptp) {
		rr_addr_format(&r->ptp, a);
		if (!put(o, "ptp", json_string(a)))
			return false;
	}
	return true;
}

/* Appends V's text (JSON_SORT_KEYS | JSON_INDENT(2)) as if nested
 * DEPTH levels deep: what json_dumps of the whole tree would give. */
static bool add_nested(struct fetch_text *t, const json_t *v, int depth)
{
	char *text = json_dumps(v, JSON_SORT_KEYS | JSON_INDENT(2) |
				       JSON_ENCODE_ANY);
	const char *p;

	if (!text)
		return false;
	for (p = text; *p;) {
		const char *nl = strchr(p, '\n');
		if (!nl) {
			fetch_text_add(t, p);
			break;
		}
		fetch_text_addf(t, "%.*s\n%*s", (int)(nl - p), p, 2 * depth,
				"");
		p = nl + 1;
	}
	free(text);
	return true;
}

/*
 * The view as {"sites": [...], "vpn": ...}, one site's tree at a time:
 * the bytes of json_dumps over the whole tree, without holding the tree
 * of every site at once (at 10,000 sites that tree alone would be a few
 * hundred bytes of overhead per value).
 */
static bool view_text(const struct fetch_view *view, struct fetch_text *t)
{
	json_t *vpn = json_string(view->vpn);
	bool ok = vpn != NULL;

	fetch_text_add(t, "{\n  \"sites\": [");
	for (size_t i = 0; ok && i < view->nsites; i++) {
		json_t *o = json_object();
		ok = o && put_site_fields(o, &view->sites[i]);
		fetch_text_add(t, i ? ",\n    " : "\n    ");
		ok = ok && add_nested(t, o, 2);
		json_decref(o);
	}
	fetch_text_add(t, view->nsites ? "\n  ],\n  \"vpn\": " : "],\n  \"vpn\": ");
	ok = ok && add_nested(t, vpn, 1);
	fetch_text_add(t, "\n}\n");
	json_decref(vpn);
	return ok && !t->failed;
}

static int json_plan(const struct fetch_output_cfg *cfg,
		     const struct fetch_view *view, struct fetch_plan *plan,
		     char *err, size_t errlen)
{
	char dir[4096];
	const char *slash;
	struct fetch_text t;
	int rc = -1;

	fetch_text_init(&t);
	slash = cfg->json_path ? strrchr(cfg->json_path, '/') : NULL;
	if (!slash || cfg->json_path[0] != '/' || slash[1] == '\0' ||
	    (size_t)(slash - cfg->json_path) >= sizeof(dir)) {
		rr_say(err, errlen,
				    "JSON output needs an absolute file path");
		goto out;
	}
	/* Fits: the length was checked above. */
	(void)snprintf(dir, sizeof(dir), "%.*s",
		       (int)(slash == cfg->json_path ? 1
						     : slash - cfg->json_path),
		       cfg->json_path);
	if (!view_text(view, &t)) {
		rr_say(err, errlen, "out of memory");
		goto out;
	}
	if (fetch_plan_add_file(plan, FETCH_FILE_STATE, dir, slash + 1, &t) <
	    0) {
		rr_say(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	fetch_text_free(&t);
	return rc;
}

static bool json_enabled(const struct fetch_output_cfg *cfg)
{
	return cfg->json_path != NULL;
}

const struct fetch_output_driver fetch_output_json = {
	.keyword = "json",
	.config_path = offsetof(struct fetch_config, out_json),
	.enabled = json_enabled,
	.plan = json_plan,
};
