/*
 * fuzz_bin.c - libFuzzer target for the binary (TYPE65380) decoder.
 *
 * Whatever decodes must re-encode to exactly the input bytes (the binary
 * form is canonical), and its TXT form must decode to the same record.
 */
#include <stdlib.h>
#include <string.h>

#include "rr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rr_record r, again;
	struct rr_error err;
	uint8_t *bin = NULL, *b2 = NULL;
	char *txt = NULL;
	size_t bl = 0, b2l = 0, tl = 0;

	if (rr_parse_bin(data, size, &r, &err) != RR_OK)
		return 0;
	if (rr_encode_bin(&r, &bin, &bl, &err) != RR_OK || bl != size ||
	    memcmp(bin, data, size) != 0)
		abort();
	if (rr_format_txt(&r, &txt, &tl, &err) != RR_OK ||
	    rr_parse_txt_joined(txt, tl, &again, &err) != RR_OK ||
	    rr_encode_bin(&again, &b2, &b2l, &err) != RR_OK || b2l != size ||
	    memcmp(b2, data, size) != 0)
		abort();
	rr_record_free(&again);
	rr_record_free(&r);
	free(bin);
	free(b2);
	free(txt);
	return 0;
}
