/* recfile.c - record files. */
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "recfile.h"

static int one(const struct pub_lines *f, const struct pub_line *l,
	       struct pub_rec *out, struct pub_err *e)
{
	struct rr_error err;
	const char *text;

	if (l->nw < 2)
		return pub_errf(e, PUB_EXIT_INVALID, f->file, l->lineno,
				"record", "need OWNER and the record text");
	if (!pub_fmt(out->owner, sizeof(out->owner), "%s", l->w[0]))
		return pub_errf(e, PUB_EXIT_INVALID, f->file, l->lineno,
				"record", "owner name too long");
	pub_name_canon(out->owner);
	if (!pub_dnsname_valid(out->owner))
		return pub_errf(e, PUB_EXIT_INVALID, f->file, l->lineno,
				"record", "%s: not a DNS name", l->w[0]);
	text = l->rest[1];
	out->line = l->lineno;
	if (rr_parse_txt_joined(text, strlen(text), &out->r, &err) != RR_OK)
		return pub_errf(e, PUB_EXIT_INVALID, f->file, l->lineno,
				rr_errclass_name(err.cls), "%s", err.msg);
	return 0;
}

int pub_recs_read(const char *path, struct pub_recs *out, struct pub_err *e)
{
	struct pub_lines f;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (pub_lines_read(path, &f, e) != 0)
		return -1;
	out->v = calloc(f.n ? f.n : 1, sizeof(*out->v));
	if (!out->v) {
		pub_errf(e, PUB_EXIT_INTERNAL, f.file, 0, "read",
			 "out of memory");
		goto out;
	}
	for (size_t i = 0; i < f.n; i++) {
		if (one(&f, &f.v[i], &out->v[out->n], e) != 0)
			goto out;
		out->n++;
	}
	if (out->n == 0) {
		pub_errf(e, PUB_EXIT_INVALID, f.file, 0, "read",
			 "no records in the file");
		goto out;
	}
	rc = 0;
out:
	pub_lines_free(&f);
	if (rc != 0)
		pub_recs_free(out);
	return rc;
}

void pub_recs_free(struct pub_recs *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		rr_record_free(&rs->v[i].r);
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}

int pub_rec_write(FILE *f, const char *owner, const struct rr_record *r,
		  struct pub_err *e)
{
	struct rr_error err;
	char *text = NULL;
	size_t len = 0;

	if (rr_format_txt(r, &text, &len, &err) != RR_OK)
		return pub_errf(e, PUB_EXIT_INVALID, owner, 0, "record", "%s",
				err.msg);
	fprintf(f, "%s %s\n", owner, text);
	free(text);
	return 0;
}
