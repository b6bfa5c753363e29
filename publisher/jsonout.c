/* jsonout.c - JSON views of records. */
#include <stdlib.h>
#include <string.h>

#include "jsonout.h"
#include "timefmt.h"

json_t *pub_json_text(const char *s)
{
	return pub_json_textn(s, strlen(s));
}

json_t *pub_json_textn(const char *s, size_t len)
{
	char *esc = malloc(RR_ESCAPE_CAP(len));
	json_t *j = NULL;

	if (esc)
		j = json_string(rr_escape(esc, RR_ESCAPE_CAP(len), s, len));
	free(esc);
	return j;
}

static json_t *fields_obj(const struct rr_record *r, const char *text)
{
	json_t *o = json_object();
	const char *p = text;

	if (!o)
		return NULL;
	/* The TXT form is "v=...; tag=value; ..." with no ';' in values. */
	while (p && *p) {
		const char *end = strstr(p, "; "), *eq = strchr(p, '=');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (eq && (size_t)(eq - p) < n) {
			char tag[RR_MAX_TAG + 2];
			size_t tl = (size_t)(eq - p);
			if (tl < sizeof(tag)) {
				memcpy(tag, p, tl);
				tag[tl] = '\0';
				json_object_set_new(o, tag, pub_json_textn(
					eq + 1, n - tl - 1));
			}
		}
		p = end ? end + 2 : NULL;
	}
	(void)r;
	return o;
}

json_t *pub_json_record(const char *owner, const struct rr_record *r)
{
	struct rr_error err;
	char *text = NULL, t1[PUB_TIMESTRLEN], t2[PUB_TIMESTRLEN];
	size_t len = 0;
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (rr_format_txt(r, &text, &len, &err) != RR_OK) {
		json_decref(o);
		return NULL;
	}
	pub_time_format(r->not_before, t1);
	pub_time_format(r->expires, t2);
	if (owner)
		json_object_set_new(o, "owner", pub_json_text(owner));
	json_object_set_new(o, "kind", json_string(rr_kind_name(r->kind)));
	json_object_set_new(o, "vpn", json_string(r->vpn));
	if (r->site[0])
		json_object_set_new(o, "site", json_string(r->site));
	json_object_set_new(o, "serial", json_integer(r->serial));
	json_object_set_new(o, "not_before", json_string(t1));
	json_object_set_new(o, "expires", json_string(t2));
	json_object_set_new(o, "text", pub_json_textn(text, len));
	json_object_set_new(o, "fields", fields_obj(r, text));
	free(text);
	return o;
}

int pub_json_print(json_t *j, struct pub_err *e)
{
	int rc;

	if (!j)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "json",
				"out of memory");
	rc = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(j);
	if (rc != 0)
		return pub_errf(e, PUB_EXIT_IO, "standard output", 0, "json",
				"write failed");
	fputc('\n', stdout);
	return pub_flush_stdout(e);
}
