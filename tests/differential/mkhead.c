/* mkhead.c - test helper: signs a head over member entries given as
 * text, whatever they hold (overlaps, duplicates, expired entries: what
 * "vpnrr index" refuses to publish), and writes the head and its pages
 * as zone-file lines in both encodings.
 *
 * Usage: mkhead ANCHOR-KEYFILE ZONE VPN SERIAL NOT-BEFORE EXPIRES < ENTRIES
 * ENTRIES: one member entry per line ("v=vpnrr1; k=member; ..."); a line
 * "--" starts the next page. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "keyfile.h"
#include "zonefmt.h"

#define MAXENT (RR_MAX_PAGES * RR_MAX_PAGE_MEMBERS)

struct page {
	struct rr_record *e[RR_MAX_PAGE_MEMBERS];
	size_t n;
	uint8_t hash[RR_HASH_LEN];
};

static struct page pages[RR_MAX_PAGES];
static size_t npages, nentries;

static int die(const char *what, const char *why)
{
	fprintf(stderr, "mkhead: %s: %s\n", what, why);
	return 1;
}

static int read_entries(void)
{
	static char line[RR_MAX_RDATA];
	struct rr_error err;

	npages = 1;
	while (fgets(line, sizeof(line), stdin)) {
		struct page *p = &pages[npages - 1];
		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		if (strcmp(line, "--") == 0) {
			if (npages == RR_MAX_PAGES)
				return die("entries", "too many pages");
			npages++;
			continue;
		}
		if (p->n == RR_MAX_PAGE_MEMBERS)
			return die("entries", "page full");
		p->e[p->n] = calloc(1, sizeof(struct rr_record));
		if (!p->e[p->n] || rr_parse_txt_joined(line, strlen(line),
						       p->e[p->n], &err))
			return die(line, p->e[p->n] ? err.msg : "no memory");
		p->n++;
		nentries++;
	}
	return 0;
}

static int sign_head(struct rr_record *h, char **argv,
		     const struct rr_seckey *sk, const char *owner)
{
	uint8_t all[RR_MAX_PAGES * RR_HASH_LEN];
	char b64[sizeof(all) * 2], n[24];
	struct rr_error err;

	for (size_t i = 0; i < npages; i++)
		memcpy(all + i * RR_HASH_LEN, pages[i].hash, RR_HASH_LEN);
	sodium_bin2base64(b64, sizeof(b64), all, npages * RR_HASH_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
	snprintf(n, sizeof(n), "%zu", nentries);
	rr_record_init(h, RR_KIND_HEAD);
	if (rr_add(h, "vpn", argv[3], &err) || rr_add(h, "s", argv[4], &err) ||
	    rr_add(h, "t", argv[5], &err) || rr_add(h, "x", argv[6], &err) ||
	    rr_add(h, "n", n, &err) || rr_add(h, "pages", b64, &err) ||
	    rr_sign(h, owner, sk, &err))
		return die("head", err.msg);
	return 0;
}

int main(int argc, char **argv)
{
	char owner[RR_MAX_NAME + 1];
	struct rr_seckey sk;
	struct rr_record h;
	struct rr_error err;
	struct pub_err e;

	if (argc != 7)
		return die("usage", "ANCHOR-KEY ZONE VPN SERIAL T X < ENTRIES");
	if (sodium_init() < 0 || pub_seckey_load(argv[1], &sk, &e) != 0)
		return die(argv[1], "cannot load the anchor key");
	if (read_entries() != 0)
		return 1;
	for (size_t i = 0; i < npages; i++)
		if (rr_page_hash((const struct rr_record *const *)pages[i].e,
				 pages[i].n, pages[i].hash, &err))
			return die("page", err.msg);
	if (rr_name_head(argv[2], owner, &err) || sign_head(&h, argv, &sk, owner))
		return die(argv[2], err.msg);
	if (pub_zone_record(stdout, owner, 300, &h, PUB_Z_BOTH, &e) != 0)
		return die("head", e.msg);
	for (size_t i = 0; i < npages; i++) {
		if (rr_name_page(argv[2], pages[i].hash, owner, &err))
			return die("page", err.msg);
		for (size_t k = 0; k < pages[i].n; k++)
			if (pub_zone_record(stdout, owner, 300, pages[i].e[k],
					    PUB_Z_BOTH, &e) != 0)
				return die("entry", e.msg);
	}
	rr_record_free(&h);
	for (size_t i = 0; i < npages; i++)
		for (size_t k = 0; k < pages[i].n; k++) {
			rr_record_free(pages[i].e[k]);
			free(pages[i].e[k]);
		}
	return fflush(stdout) ? die("stdout", "write failed") : 0;
}
