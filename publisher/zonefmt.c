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

/* Zones run to tens of megabytes at 10,000 sites: text goes out in
 * runs and hex a line at a time, not a formatted call per byte. */
void pub_zone_quoted(FILE *f, const char *s, size_t len)
{
	size_t run = 0;

	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c != '"' && c != '\\' && c >= 0x20 && c <= 0x7e)
			continue;
		fwrite(s + run, 1, i - run, f);
		run = i + 1;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else
			fprintf(f, "\\%03u", c);
	}
	fwrite(s + run, 1, len - run, f);
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

#define HEX_PER_LINE 32

static int bin_lines(FILE *f, const char *owner, uint32_t ttl,
		     const struct rr_record *r, struct pub_err *e)
{
	static const char hex[] = "0123456789abcdef";
	struct rr_error err;
	uint8_t *bin = NULL;
	size_t len = 0;

	if (rr_encode_bin(r, &bin, &len, &err) != RR_OK)
		return pub_errf(e, PUB_EXIT_INVALID, owner, 0, "TYPE65380",
				"%s", err.msg);
	fprintf(f, "%s%s\t%u\tIN\tTYPE%d\t\\# %zu (", owner, dot(owner),
		(unsigned)ttl, RR_TYPE_VPNRR, len);
	for (size_t i = 0; i < len; i += HEX_PER_LINE) {
		size_t n = len - i < HEX_PER_LINE ? len - i : HEX_PER_LINE;
		char line[2 + 2 * HEX_PER_LINE];

		line[0] = '\n';
		line[1] = '\t';
		for (size_t k = 0; k < n; k++) {
			line[2 + 2 * k] = hex[bin[i + k] >> 4];
			line[3 + 2 * k] = hex[bin[i + k] & 15];
		}
		fwrite(line, 1, 2 + 2 * n, f);
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
