/*
 * fuzz_request.c - libFuzzer target for enrolment requests
 * (publisher/request.c, pub_request_decode): the armoured, signed blob a
 * would-be site mails to the admin, so every byte of it is a stranger's.
 *
 * Input: the first byte chooses what the rest is:
 *   'B'  the request body before "; sig=" ("v=vpnrr1; k=request; ...");
 *        the harness signs it with the test key, wraps it in base64 and
 *        the armour lines and decodes that, so a body whose rk= is the
 *        test key gets past the signature (bodies with another rk= are
 *        refused there, as they should be);
 *   any other: the rest is the whole text (mail headers, armour, base64).
 * Beyond "no crash", an accepted request must be sane (networks and
 * blocks within their limits, strings NUL-terminated, at= xor hosted=1),
 * and, made again with the test key, must decode to the same request
 * (unless it is then too long to make, which encoding says).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT 20000

static const char sk_text[] =
	"ed25519-secret:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";

static struct rr_seckey sk;

static void setup(void)
{
	static bool done;
	struct rr_error err;

	if (done)
		return;
	if (sodium_init() < 0 || rr_seckey_parse(sk_text, &sk, &err) != RR_OK)
		abort();
	done = true;
}

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* The promises of an accepted request; aborts when one breaks. */
static void check_sane(const struct pub_request *q)
{
	if (!terminated(q->vpn, sizeof(q->vpn)) || !q->vpn[0] ||
	    !terminated(q->site, sizeof(q->site)) || !q->site[0] ||
	    !terminated(q->publish, sizeof(q->publish)) ||
	    !terminated(q->contact, sizeof(q->contact)))
		abort();
	if (q->nnets > RR_MAX_NETS || q->nany > RR_MAX_NETS ||
	    q->nnets + q->nany == 0)
		abort();
	/* hosted=1 leaves the place to the admin; otherwise at= names it. */
	if (q->hosted != (q->publish[0] == '\0'))
		abort();
	for (size_t i = 0; i < q->nany; i++) {
		const struct pub_anynet *a = &q->any[i];
		if ((a->family != 4 && a->family != 6) || a->len == 0 ||
		    a->len > (a->family == 4 ? 32 : 128))
			abort();
	}
	for (size_t i = 0; i < q->nnets; i++) {
		char s[RR_PREFIXSTRLEN];
		struct rr_prefix back;
		struct rr_error err;
		rr_prefix_format(&q->nets[i], s);
		if (rr_prefix_parse(s, &back, &err) != RR_OK)
			abort();
	}
}

static bool same_request(const struct pub_request *a,
			 const struct pub_request *b)
{
	char *na = pub_nets_text(a->nets, a->nnets);
	char *nb = pub_nets_text(b->nets, b->nnets);
	bool same = na && nb && strcmp(na, nb) == 0 &&
		    a->nnets == b->nnets && a->nany == b->nany &&
		    strcmp(a->vpn, b->vpn) == 0 &&
		    strcmp(a->site, b->site) == 0 &&
		    a->hosted == b->hosted &&
		    strcmp(a->publish, b->publish) == 0 &&
		    strcmp(a->contact, b->contact) == 0 && a->made == b->made;

	for (size_t i = 0; same && i < a->nany; i++)
		same = a->any[i].family == b->any[i].family &&
		       a->any[i].len == b->any[i].len;
	free(na);
	free(nb);
	return same;
}

/* An accepted request made again with the test key decodes the same. */
static void round_trip(const struct pub_request *q)
{
	struct pub_request back;
	struct pub_err e;
	char *text = NULL;

	memset(&e, 0, sizeof(e));
	if (pub_request_encode(q, &sk, &text, &e) != 0) {
		/* Canonical forms ("any/29" -> "ipv4/29") can make a body that
		 * just fitted too long: refused with that reason, not cut. */
		if (!strstr(e.msg, "longer than"))
			abort();
		return;
	}
	if (pub_request_decode("again", text, &back, &e) != 0) {
		fprintf(stderr, "fuzz_request: made again, refused: %s\n",
			e.msg);
		abort();
	}
	check_sane(&back);
	if (!same_request(q, &back) ||
	    memcmp(back.key.key, sk.pub.key, RR_PUBKEY_LEN) != 0)
		abort();
	free(text);
}

/* BODY signed with the test key, in base64 inside the armour (new). */
static char *sign_and_armour(const uint8_t *body, size_t len)
{
	static const char ctx[] = "vpnrr1-request";
	crypto_sign_state st;
	uint8_t sig[RR_SIG_LEN];
	char sigb64[sodium_base64_ENCODED_LEN(RR_SIG_LEN,
					      sodium_base64_VARIANT_ORIGINAL)];
	size_t full_len = len + 6 + sizeof(sigb64), b64len, cap, n = 0;
	uint8_t *full = malloc(full_len);
	char *b64 = NULL, *out = NULL;

	if (!full)
		abort();
	crypto_sign_init(&st);
	crypto_sign_update(&st, (const uint8_t *)ctx, sizeof(ctx));
	crypto_sign_update(&st, body, len);
	crypto_sign_final_create(&st, sig, NULL, sk.sk);
	sodium_bin2base64(sigb64, sizeof(sigb64), sig, sizeof(sig),
			  sodium_base64_VARIANT_ORIGINAL);
	memcpy(full, body, len);
	memcpy(full + len, "; sig=", 6);
	memcpy(full + len + 6, sigb64, strlen(sigb64));
	full_len = len + 6 + strlen(sigb64);
	b64len = sodium_base64_ENCODED_LEN(full_len,
					   sodium_base64_VARIANT_ORIGINAL);
	b64 = malloc(b64len);
	cap = b64len + b64len / 64 + 128;
	out = malloc(cap);
	if (!b64 || !out)
		abort();
	sodium_bin2base64(b64, b64len, full, full_len,
			  sodium_base64_VARIANT_ORIGINAL);
	/* CAP holds the armour, every 64 characters and their newlines. */
	n += (size_t)snprintf(out, cap, "%s\n", PUB_REQ_BEGIN);
	for (size_t i = 0; i < strlen(b64); i += 64)
		n += (size_t)snprintf(out + n, cap - n, "%.64s\n", b64 + i);
	(void)snprintf(out + n, cap - n, "%s\n", PUB_REQ_END);
	free(full);
	free(b64);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pub_request q;
	struct pub_err e;
	char *text;

	if (size == 0 || size > FUZZ_MAX_INPUT)
		return 0;
	setup();
	if (data[0] == 'B') {
		text = sign_and_armour(data + 1, size - 1);
	} else {
		text = malloc(size);
		if (!text)
			abort();
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
	}
	memset(&e, 0, sizeof(e));
	if (pub_request_decode("request", text, &q, &e) == 0) {
		if (getenv("FUZZ_VERBOSE"))
			fprintf(stderr, "fuzz_request: accepted\n");
		check_sane(&q);
		round_trip(&q);
	} else if (!e.msg[0]) {
		abort(); /* a refusal always says why */
	} else if (getenv("FUZZ_VERBOSE")) {
		fprintf(stderr, "fuzz_request: refused: %s\n", e.msg);
	}
	free(text);
	return 0;
}
