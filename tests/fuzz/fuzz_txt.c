/*
 * fuzz_txt.c - libFuzzer target for the TXT decoder.
 *
 * Input: raw TXT RDATA (length-prefixed character-strings), exactly what
 * a DNS answer carries.  Beyond "no crash", it checks the property the
 * format promises: whatever decodes re-encodes to a record that decodes
 * again to the same binary form (one record, one canonical form).
 */
#include <stdlib.h>
#include <string.h>

#include "rr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rr_record r, again;
	struct rr_error err;
	uint8_t *b1 = NULL, *b2 = NULL, *t = NULL;
	size_t l1 = 0, l2 = 0, tl = 0;

	if (rr_parse_txt_rdata(data, size, &r, &err) != RR_OK)
		return 0;
	if (rr_encode_bin(&r, &b1, &l1, &err) != RR_OK ||
	    rr_encode_txt_rdata(&r, &t, &tl, &err) != RR_OK ||
	    rr_parse_txt_rdata(t, tl, &again, &err) != RR_OK)
		abort();
	if (rr_encode_bin(&again, &b2, &l2, &err) != RR_OK || l1 != l2 ||
	    memcmp(b1, b2, l1) != 0)
		abort();
	rr_record_free(&again);
	rr_record_free(&r);
	free(b1);
	free(b2);
	free(t);
	return 0;
}
