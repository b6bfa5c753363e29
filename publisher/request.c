/* request.c - enrolment requests. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "request.h"

static const char ctx[] = "vpnrr1-request";

#define MAX_BODY 8192

static void sign_body(const char *body, size_t len, const uint8_t *sk,
		      uint8_t sig[RR_SIG_LEN])
{
	crypto_sign_state st;

	crypto_sign_init(&st);
	crypto_sign_update(&st, (const uint8_t *)ctx, sizeof(ctx));
	crypto_sign_update(&st, (const uint8_t *)body, len);
	crypto_sign_final_create(&st, sig, NULL, sk);
}

static bool check_body(const char *body, size_t len, const uint8_t *pk,
		       const uint8_t sig[RR_SIG_LEN])
{
	crypto_sign_state st;

	crypto_sign_init(&st);
	crypto_sign_update(&st, (const uint8_t *)ctx, sizeof(ctx));
	crypto_sign_update(&st, (const uint8_t *)body, len);
	return crypto_sign_final_verify(&st, sig, pk) == 0;
}

int pub_anynet_parse(const char *s, struct pub_anynet *a)
{
	static const struct {
		const char *pfx;
		uint8_t family, max;
	} forms[] = { { "any/", 4, 32 }, { "any4/", 4, 32 },
		      { "any6/", 6, 128 }, { "ipv4/", 4, 32 },
		      { "ipv6/", 6, 128 } };

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		size_t n = strlen(forms[i].pfx);
		const char *d = s + n;
		unsigned long v;
		char *end;
		if (strncmp(s, forms[i].pfx, n) != 0)
			continue;
		if (*d < '1' || *d > '9' || strlen(d) > 3)
			return -1;
		v = strtoul(d, &end, 10);
		if (*end || v > forms[i].max)
			return -1;
		a->family = forms[i].family;
		a->len = (uint8_t)v;
		return 0;
	}
	return -1;
}

void pub_anynet_format(const struct pub_anynet *a, char out[16])
{
	snprintf(out, 16, "ipv%u/%u", (unsigned)a->family, (unsigned)a->len);
}

/* The any= value: "ipv4/29,ipv6/64", "" when nothing is asked for. */
static int any_text(const struct pub_request *q, char out[RR_MAX_NETS * 16])
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < q->nany && i < RR_MAX_NETS; i++) {
		char one[16];
		const struct pub_anynet *a = &q->any[i];
		if ((a->family != 4 && a->family != 6) || a->len == 0 ||
		    a->len > (a->family == 4 ? 32 : 128))
			return -1;
		pub_anynet_format(a, one);
		len += (size_t)snprintf(out + len, RR_MAX_NETS * 16 - len,
					"%s%s", i ? "," : "", one);
	}
	return 0;
}

int pub_request_encode(const struct pub_request *q, const struct rr_seckey *k,
		       char **out, struct pub_err *e)
{
	char body[MAX_BODY], key[RR_PUBKEYSTRLEN], *nets, *b64 = NULL;
	char any[RR_MAX_NETS * 16];
	uint8_t sig[RR_SIG_LEN];
	char sigb64[sodium_base64_ENCODED_LEN(RR_SIG_LEN,
					      sodium_base64_VARIANT_ORIGINAL)];
	struct pub_out o;
	size_t n, blen;
	int rc = -1;

	if (any_text(q, any) != 0)
		return pub_errf(e, PUB_EXIT_INVALID, NULL, 0, "request",
				"a block of networks asked for is not ipv4/1..32 "
				"or ipv6/1..128");
	nets = pub_nets_text(q->nets, q->nnets);
	if (!nets)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "request",
				"out of memory");
	rr_pubkey_format(&k->pub, key);
	if (!pub_fmt(body, sizeof(body), "v=vpnrr1; k=request; vpn=%s; "
		     "site=%s; rk=%s; nets=%s%s%s; %s%s%s%s; t=%" PRIu64,
		     q->vpn, q->site, key, nets, any[0] ? "; any=" : "", any,
		     q->hosted ? "hosted=1" : "at=", q->hosted ? "" : q->publish,
		     q->contact[0] ? "; contact=" : "", q->contact, q->made)) {
		free(nets);
		return pub_errf(e, PUB_EXIT_INVALID, NULL, 0, "request",
				"longer than %d bytes", MAX_BODY);
	}
	free(nets);
	sign_body(body, strlen(body), k->sk, sig);
	sodium_bin2base64(sigb64, sizeof(sigb64), sig, RR_SIG_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
	n = strlen(body);
	if (!pub_fmt(body + n, sizeof(body) - n, "; sig=%s", sigb64))
		return pub_errf(e, PUB_EXIT_INVALID, NULL, 0, "request",
				"longer than %d bytes", MAX_BODY);
	n = strlen(body);
	blen = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	b64 = malloc(blen);
	if (!b64 || pub_out_open(&o, e) != 0) {
		free(b64);
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "request",
				"out of memory");
	}
	sodium_bin2base64(b64, blen, (const uint8_t *)body, n,
			  sodium_base64_VARIANT_ORIGINAL);
	fprintf(o.f, "%s\n", PUB_REQ_BEGIN);
	for (size_t i = 0; i < strlen(b64); i += 64)
		fprintf(o.f, "%.64s\n", b64 + i);
	fprintf(o.f, "%s\n", PUB_REQ_END);
	if (pub_out_close(&o, e) == 0) {
		*out = o.buf;
		o.buf = NULL;
		rc = 0;
	}
	pub_out_free(&o);
	free(b64);
	return rc;
}

/* Collects the base64 between the armour lines; *LINE is BEGIN's line. */
static int unarmour(const char *file, const char *text, char *b64,
		    size_t size, unsigned *line, struct pub_err *e)
{
	const char *p = text, *nl;
	unsigned ln = 0;
	size_t n = 0;
	int state = 0; /* 0 before, 1 inside, 2 done */

	for (; *p && state < 2; p = nl ? nl + 1 : p + strlen(p)) {
		size_t len;
		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		while (len && (p[len - 1] == '\r' || p[len - 1] == ' '))
			len--;
		ln++;
		if (state == 0 && len == strlen(PUB_REQ_BEGIN) &&
		    memcmp(p, PUB_REQ_BEGIN, len) == 0) {
			state = 1;
			*line = ln;
		} else if (state == 1 && len == strlen(PUB_REQ_END) &&
			   memcmp(p, PUB_REQ_END, len) == 0) {
			state = 2;
		} else if (state == 1) {
			if (n + len >= size)
				return pub_errf(e, PUB_EXIT_INVALID, file, ln,
						"request", "too long");
			memcpy(b64 + n, p, len);
			n += len;
		}
		if (!nl)
			break;
	}
	b64[n] = '\0';
	if (state != 2)
		return pub_errf(e, PUB_EXIT_INVALID, file, state ? *line : 0,
				"request", state ? "no " PUB_REQ_END " line"
				: "no " PUB_REQ_BEGIN " line");
	return 0;
}

struct parsed {
	const char *file;
	unsigned line;
	struct pub_request *q;
	unsigned seen;
	uint8_t sig[RR_SIG_LEN];
};

#define BAD(...) pub_errf(e, PUB_EXIT_INVALID, ps->file, ps->line, "request", \
			  __VA_ARGS__)

static int tag_value(struct parsed *ps, const char *tag, char *val,
		     struct pub_err *e)
{
	static const char *const tags[] = { "v", "k", "vpn", "site", "rk",
					    "nets", "at", "contact", "t",
					    "sig", "any", "hosted" };
	enum { NTAGS = sizeof(tags) / sizeof(tags[0]) };
	struct pub_request *q = ps->q;
	struct rr_error err;
	size_t i, len = 0;

	for (i = 0; i < NTAGS && strcmp(tags[i], tag); i++)
		;
	if (i == NTAGS)
		return BAD("unknown tag %s", tag);
	if (ps->seen & (1u << i))
		return BAD("tag %s appears twice", tag);
	ps->seen |= 1u << i;
	switch (i) {
	case 0: return strcmp(val, "vpnrr1") ? BAD("v=%s unsupported", val) : 0;
	case 1: return strcmp(val, "request") ? BAD("not a request (k=%s)",
						    val) : 0;
	case 2:
		if (!pub_name_valid(val) || strlen(val) >= sizeof(q->vpn))
			return BAD("vpn=%s: not a name", val);
		memcpy(q->vpn, val, strlen(val) + 1);
		return 0;
	case 3: {
		struct pub_lines f = { .file = (char *)ps->file };
		struct pub_line l = { .lineno = ps->line, .nw = 2,
				      .w = { "site", val } };
		return pub_field_sitename(&f, &l, 1, q->site, e);
	}
	case 4:
		return rr_pubkey_parse(val, &q->key, &err) != RR_OK
			       ? BAD("rk: %s", err.msg) : 0;
	case 5:
		for (char *sv = NULL, *it = strtok_r(val, ",", &sv); it;
		     it = strtok_r(NULL, ",", &sv)) {
			if (q->nnets >= RR_MAX_NETS)
				return BAD("too many networks");
			if (rr_prefix_parse(it, &q->nets[q->nnets++], &err))
				return BAD("nets: %s", err.msg);
		}
		return 0;
	case 6:
		if (!pub_dnsname_valid(val) || strlen(val) > RR_MAX_NAME)
			return BAD("at=%s: not a DNS name", val);
		memcpy(q->publish, val, strlen(val) + 1);
		return 0;
	case 7:
		/* A stranger's text reaches the admin's terminal: no control
		 * bytes (the record's text rule refuses them too). */
		for (const unsigned char *c = (const unsigned char *)val; *c;
		     c++)
			if (*c < 0x20 || *c == 0x7f)
				return BAD("contact: control character");
		if (!pub_fmt(q->contact, sizeof(q->contact), "%s", val))
			return BAD("contact too long");
		return 0;
	case 8:
		if (strspn(val, "0123456789") != strlen(val) || !*val ||
		    strlen(val) > 18)
			return BAD("t=%s: not a time", val);
		q->made = strtoull(val, NULL, 10);
		return 0;
	case 10:
		for (char *sv = NULL, *it = strtok_r(val, ",", &sv); it;
		     it = strtok_r(NULL, ",", &sv)) {
			if (q->nany >= RR_MAX_NETS)
				return BAD("too many blocks in any=");
			if (pub_anynet_parse(it, &q->any[q->nany++]) != 0)
				return BAD("any=%s: not ipv4/LEN or ipv6/LEN",
					   it);
		}
		return 0;
	case 11:
		if (strcmp(val, "1") != 0)
			return BAD("hosted=%s: only hosted=1 is defined", val);
		q->hosted = true;
		return 0;
	case 9:
		if (sodium_base642bin(ps->sig, sizeof(ps->sig), val,
				      strlen(val), NULL, &len, NULL,
				      sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    len != RR_SIG_LEN)
			return BAD("sig: not a base64 Ed25519 signature");
		return 0;
	default:
		return BAD("tag %s: not handled", tag);
	}
}

static int parse_body(struct parsed *ps, char *body, struct pub_err *e)
{
	char *p = body;

	while (p && *p) {
		char *end = strstr(p, "; "), *eq;
		if (end)
			*end = '\0';
		eq = strchr(p, '=');
		if (!eq)
			return BAD("\"%.40s\" has no '='", p);
		*eq = '\0';
		if (tag_value(ps, p, eq + 1, e) != 0)
			return -1;
		p = end ? end + 2 : NULL;
	}
	/* at= (bit 6) or hosted=1 (bit 11), never both. */
	if ((ps->seen & 0x33f) != 0x33f ||
	    !(ps->seen & (1u << 6)) == !(ps->seen & (1u << 11)))
		return BAD("incomplete: needs v, k, vpn, site, rk, nets, at "
			   "or hosted, t and sig");
	if (ps->q->nnets == 0 && ps->q->nany == 0)
		return BAD("asks for no networks (nets= and any= empty)");
	return 0;
}

int pub_request_decode(const char *file, const char *text,
		       struct pub_request *q, struct pub_err *e)
{
	char b64[MAX_BODY * 2], body[MAX_BODY + 1], *sigp;
	struct parsed st = { file, 0, q, 0, { 0 } };
	struct parsed *ps = &st;
	size_t blen = 0;

	memset(q, 0, sizeof(*q));
	if (unarmour(file, text, b64, sizeof(b64), &st.line, e) != 0)
		return -1;
	if (sodium_base642bin((uint8_t *)body, MAX_BODY, b64, strlen(b64),
			      NULL, &blen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return BAD("the text between the armour lines is not base64 "
			   "(damaged in transit?)");
	body[blen] = '\0';
	if (strlen(body) != blen)
		return BAD("contains a NUL byte");
	sigp = strstr(body, "; sig=");
	if (!sigp)
		return BAD("unsigned (no sig=)");
	/* The signature covers what comes before it: a tag after it would
	 * be taken in unsigned (added in transit). */
	if (strstr(sigp + 6, "; "))
		return BAD("tags after sig= (not signed; added in transit?)");
	*sigp = '\0';
	{
		char signed_part[MAX_BODY + 1];
		size_t sl = strlen(body);
		memcpy(signed_part, body, sl + 1);
		*sigp = ';';
		if (parse_body(&st, body, e) != 0)
			return -1;
		if (!check_body(signed_part, sl, q->key.key, st.sig))
			return BAD("signature does not verify: the request "
				   "was altered, or not made with the key in "
				   "rk=");
	}
	return 0;
}
