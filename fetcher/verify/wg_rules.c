/*
 * wg_rules.c - WireGuard's rules for one site record (wg_rules.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "wg_rules.h"

static bool bad(char *err, size_t errlen, const char *site, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));

static bool bad(char *err, size_t errlen, const char *site, const char *fmt,
		...)
{
	va_list ap;
	int n;

	if (!err || !errlen)
		return false;
	n = snprintf(err, errlen, "site %s: ", site);
	if (n < 0 || (size_t)n >= errlen)
		return false;
	va_start(ap, fmt);
	(void)vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

const struct rr_tkey *fetch_wg_key(const struct rr_record *r)
{
	for (size_t i = 0; i < r->ntkeys; i++)
		if (r->tkeys[i].def == &rr_alg_x25519)
			return &r->tkeys[i];
	return NULL;
}

/* A low-order point (all-zero among them) gives every peer the same,
 * public, shared secret: libsodium refuses the product with it. */
static bool low_order(const uint8_t *k)
{
	static const uint8_t scalar[crypto_scalarmult_SCALARBYTES] = {
		0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d,
		0x3c, 0x16, 0xc1, 0x72, 0x51, 0xb2, 0x66, 0x45,
		0xdf, 0x4c, 0x2f, 0x87, 0xeb, 0xc0, 0x99, 0x2a,
		0xb1, 0x77, 0xfb, 0xa5, 0x1d, 0xb9, 0x2c, 0x2a,
	};
	uint8_t q[crypto_scalarmult_BYTES];
	bool low = crypto_scalarmult(q, scalar, k) != 0;

	sodium_memzero(q, sizeof(q));
	return low;
}

static const char *v4_unusable(const uint8_t *a)
{
	if (a[0] == 0)
		return "unspecified (0.0.0.0/8)";
	if (a[0] == 127)
		return "loopback";
	if (a[0] >= 224)
		return "multicast, reserved or broadcast";
	return NULL;
}

static const char *addr_unusable(const struct rr_addr *a)
{
	static const uint8_t zero[16];

	if (a->family == 4)
		return v4_unusable(a->bytes);
	if (memcmp(a->bytes, zero, 16) == 0)
		return "unspecified (::)";
	if (memcmp(a->bytes, zero, 15) == 0 && a->bytes[15] == 1)
		return "loopback";
	if (a->bytes[0] == 0xff)
		return "multicast";
	if (a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80)
		return "link-local (needs a zone)";
	return NULL;
}

static bool host_is_local(const char *h)
{
	size_t l = strlen(h);
	static const char lh[] = "localhost";

	return strcmp(h, lh) == 0 ||
	       (l > sizeof(lh) - 1 && h[l - sizeof(lh)] == '.' &&
		strcmp(h + l - (sizeof(lh) - 1), lh) == 0);
}

/* Ranges no WireGuard peer's allowed-ips may touch: the node's own
 * loopback and link-local networks, multicast, and (through them) any
 * default route, which would take all of the node's traffic. */
static const struct {
	uint8_t family, len, b0, b1;
	const char *what;
} special[] = {
	{ 4, 8, 0, 0, "0.0.0.0/8 (this network)" },
	{ 4, 8, 127, 0, "127.0.0.0/8 (loopback)" },
	{ 4, 3, 224, 0, "224.0.0.0/3 (multicast, reserved, broadcast)" },
	{ 4, 16, 169, 254, "169.254.0.0/16 (link-local)" },
	{ 6, 127, 0, 0, "::/127 (unspecified, loopback)" },
	{ 6, 10, 0xfe, 0x80, "fe80::/10 (link-local)" },
	{ 6, 8, 0xff, 0, "ff00::/8 (multicast)" },
};

static bool check_prefix(const char *site, const char *tag,
			 const struct rr_prefix *n, char *err, size_t errlen)
{
	char p[RR_PREFIXSTRLEN];

	for (size_t j = 0; j < sizeof(special) / sizeof(special[0]); j++) {
		struct rr_prefix sp = { .addr = { .family = special[j].family } };
		sp.addr.bytes[0] = special[j].b0;
		sp.addr.bytes[1] = special[j].b1;
		sp.len = special[j].len;
		if (n->addr.family != sp.addr.family ||
		    !rr_prefix_overlap(n, &sp))
			continue;
		rr_prefix_format(n, p);
		return bad(err, errlen, site, "%s %s: overlaps %s", tag, p,
			   special[j].what);
	}
	return true;
}

bool fetch_wg_rules_check(const char *site, const struct rr_record *r,
			  char *err, size_t errlen)
{
	const struct rr_tkey *k;
	char s[RR_ENDPOINTSTRLEN];
	const char *why;

	if (err && errlen)
		err[0] = '\0';
	if (!r->has_wg)
		return true;
	k = fetch_wg_key(r);
	if (!k)
		return bad(err, errlen, site, "wg: no x25519 key in keys=");
	if (k->len != FETCH_WG_KEYLEN)
		return bad(err, errlen, site, "keys: x25519 key of %zu bytes, "
			   "not %d", (size_t)k->len, FETCH_WG_KEYLEN);
	if (low_order(k->data))
		return bad(err, errlen, site, "keys: x25519 key is a "
			   "low-order point (no secret with it)");
	if (r->wg_ep) {
		rr_endpoint_format(r->wg_ep, s);
		why = r->wg_ep->type == RR_EP_HOST
			      ? (host_is_local(r->wg_ep->host) ? "loopback"
							       : NULL)
			      : addr_unusable(&r->wg_ep->addr);
		if (why)
			return bad(err, errlen, site,
				   "wg %s: address is %s", s, why);
		if (r->wg_ep->port == 0)
			return bad(err, errlen, site, "wg %s: port 0", s);
	}
	for (size_t i = 0; i < r->nnets; i++)
		if (!check_prefix(site, "network", &r->nets[i], err, errlen))
			return false;
	for (size_t i = 0; i < r->ngw_nets; i++)
		if (!check_prefix(site, "gateway network", &r->gw_nets[i],
				  err, errlen))
			return false;
	return true;
}
