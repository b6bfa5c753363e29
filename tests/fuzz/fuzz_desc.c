/*
 * fuzz_desc.c - libFuzzer target for the site-description parser
 * (publisher/sitedesc.c, "vpnrr sign" and "vpnrr import").
 *
 * Input: the text of a description file.  Beyond "no crash", whatever
 * parses and builds a record must sign, format and parse back to the
 * same record, which verifies at its publish name: a description the
 * parser accepts is one the fetchers will accept as written.
 */
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "sitedesc.h"

#ifndef FUZZ_DATA_DIR
#define FUZZ_DATA_DIR "."
#endif

#define NOW 1800000000ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* peer-keys reads a file: keep the input away from devices that block
 * or never end (a real description names a regular file). */
static bool reads_devices(const uint8_t *data, size_t size)
{
	static const char *const bad[] = { "/dev", "/proc", "/sys" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (memmem(data, size, bad[i], strlen(bad[i])))
			return true;
	return false;
}

/* Signs R at OWNER, then checks the record's round trip; aborts when the
 * promise breaks. */
static void round_trip(struct rr_record *r, const char *owner)
{
	static const char sk_text[] =
		"ed25519-secret:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
	struct rr_seckey sk;
	struct rr_record back, back2;
	struct rr_error err;
	struct rr_expect ex;
	char *t1 = NULL, *t2 = NULL;
	uint8_t *b1 = NULL, *b2 = NULL, *rd = NULL;
	size_t l1 = 0, l2 = 0, bl1 = 0, bl2 = 0, rdl = 0;

	if (rr_seckey_parse(sk_text, &sk, &err) != RR_OK)
		abort();
	/* A record too big to sign is refused with a reason, not a crash. */
	if (rr_sign(r, owner, &sk, &err) != RR_OK)
		return;
	if (rr_format_txt(r, &t1, &l1, &err) != RR_OK ||
	    rr_encode_bin(r, &b1, &bl1, &err) != RR_OK)
		abort();
	if (rr_parse_txt_joined(t1, l1, &back, &err) != RR_OK)
		abort();
	if (rr_format_txt(&back, &t2, &l2, &err) != RR_OK || l1 != l2 ||
	    memcmp(t1, t2, l1) != 0 ||
	    rr_encode_bin(&back, &b2, &bl2, &err) != RR_OK || bl1 != bl2 ||
	    memcmp(b1, b2, bl1) != 0)
		abort();
	memset(&ex, 0, sizeof(ex));
	ex.owner = owner;
	ex.kind = RR_KIND_SITE;
	ex.now = NOW;
	if (rr_verify(&back, &ex, &sk.pub, 1, &err) != RR_OK)
		abort();
	/* The TXT RDATA a zone carries decodes to the same record too. */
	if (rr_encode_txt_rdata(r, &rd, &rdl, &err) != RR_OK ||
	    rr_parse_txt_rdata(rd, rdl, &back2, &err) != RR_OK)
		abort();
	free(b2);
	b2 = NULL;
	if (rr_encode_bin(&back2, &b2, &bl2, &err) != RR_OK || bl1 != bl2 ||
	    memcmp(b1, b2, bl1) != 0)
		abort();
	rr_record_free(&back2);
	rr_record_free(&back);
	rr_seckey_wipe(&sk);
	free(t1);
	free(t2);
	free(b1);
	free(b2);
	free(rd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pub_lines f;
	struct pub_site s;
	struct pub_err e;
	struct rr_record r;

	if (reads_devices(data, size))
		return 0;
	memset(&e, 0, sizeof(e));
	if (pub_lines_parse("desc", (const char *)data, size, &f, &e) != 0)
		return 0;
	if (pub_site_parse(&f, FUZZ_DATA_DIR, &s, &e) == 0) {
		/* Every accepted description names where it is published. */
		if (!s.publish[0] || !s.site[0] || !s.vpn[0])
			abort();
		if (pub_site_record(&s, NOW, &r, &e) == 0) {
			round_trip(&r, s.publish);
			rr_record_free(&r);
		}
		pub_site_free(&s);
	}
	pub_lines_free(&f);
	return 0;
}
