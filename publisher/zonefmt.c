/* zonefmt.c - zone-file presentation of records. */
#include <stdlib.h>
#include <string.h>

#include "zonefmt.h"

int pub_ztype_parse(const char *s, enum pub_ztype *out)
{
	if (strcmp(s, "txt") == 0)
		*out = PUB_Z_TXT;
	else if (strcmp(s, "bin") == 0)
		*out = PUB_Z_BIN;
	else if (strcmp(s, "both") == 0)
		*out = PUB_Z_BOTH;
	else
		return -1;
	return 0;
}

void pub_zone_quoted(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			fprintf(f, "\\%03u", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static const char *dot(const char *owner)
{
	size_t n = strlen(owner);
	return n && owner[n - 1] == '.' ? "" : ".";
}

static int txt_lines(FILE *f, const char *owner, uint32_t ttl,
		     const struct rr_record *r, struct pub_err *e)
{
	struct rr_error err;
	char *text = NULL;
	size_t len = 0;

	if (rr_format_txt(r, &text, &len, &err) != RR_OK)
		return pub_errf(e, PUB_EXIT_INVALID, owner, 0, "TXT", "%s",
				err.msg);
	fprintf(f, "%s%s\t%u\tIN\tTXT\t", owner, dot(owner), (unsigned)ttl);
	if (len > RR_MAX_STRING)
		fputs("(\n", f);
	for (size_t off = 0; off < len; off += RR_MAX_STRING) {
		size_t n = len - off < RR_MAX_STRING ? len - off
						     : RR_MAX_STRING;
		if (len > RR_MAX_STRING)
			fputc('\t', f);
		pub_zone_quoted(f, text + off, n);
		if (len > RR_MAX_STRING)
			fputc('\n', f);
	}
	fputs(len > RR_MAX_STRING ? "\t)\n" : "\n", f);
	free(text);
	return 0;
}

static int bin_lines(FILE *f, const char *owner, uint32_t ttl,
		     const struct rr_record *r, struct pub_err *e)
{
	struct rr_error err;
	uint8_t *bin = NULL;
	size_t len = 0;

	if (rr_encode_bin(r, &bin, &len, &err) != RR_OK)
		return pub_errf(e, PUB_EXIT_INVALID, owner, 0, "TYPE65380",
				"%s", err.msg);
	fprintf(f, "%s%s\t%u\tIN\tTYPE%d\t\\# %zu (", owner, dot(owner),
		(unsigned)ttl, RR_TYPE_VPNRR, len);
	for (size_t i = 0; i < len; i++) {
		if (i % 32 == 0)
			fputs("\n\t", f);
		fprintf(f, "%02x", bin[i]);
	}
	fputs(" )\n", f);
	free(bin);
	return 0;
}

int pub_zone_record(FILE *f, const char *owner, uint32_t ttl,
		    const struct rr_record *r, enum pub_ztype t,
		    struct pub_err *e)
{
	if ((t & PUB_Z_TXT) && txt_lines(f, owner, ttl, r, e) != 0)
		return -1;
	if ((t & PUB_Z_BIN) && bin_lines(f, owner, ttl, r, e) != 0)
		return -1;
	return 0;
}
