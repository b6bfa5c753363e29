/*
 * fuzz_wgdump.c - libFuzzer target for the `wireguard' driver's sync
 * plan (fetcher/out/wireguard.c, fetch_wg_diff): the text `wg show IFACE
 * dump' prints, compared with the peers text the plan rendered.  The
 * dump is local, but whatever it holds ends up as arguments of `wg set'.
 *
 * Input: the dump text.  When it holds a NUL byte, the bytes before it
 * are the peers text instead of the fixed one below (as a damaged owed
 * row in the store could give); endpoints with host names are skipped
 * there (they would be resolved).
 * Beyond "no crash", every line of the plan is well formed: "peer KEY
 * remove" or "peer KEY [endpoint E] [allowed-ips A]", KEY the base64 of
 * 32 bytes, E one word, A "" or a list of valid prefixes; a peer of the
 * peers text is never removed; and with the fixed peers text, a peer the
 * dump shows as wanted gets no line while one it lacks gets one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "rr.h"
#include "wgsync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEY_A "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
#define KEY_B "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="
#define KEY_C "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM="

/* As render() writes it: one peer with an IPv4 endpoint, one with an
 * IPv6 one, one without and with no networks. */
static const char peers_text[] =
	"# WireGuard peers of VPN test, written by vpnrr-fetch: do not "
	"edit.\n# No [Interface] section: load with wg addconf or wg "
	"syncconf.\n"
	"\n[Peer]\n# test/london/alpha\nPublicKey = " KEY_A "\n"
	"Endpoint = 192.0.2.1:51820\n"
	"AllowedIPs = 10.1.0.0/16, fd00:1::/48\n"
	"\n[Peer]\n# test/paris/beta\nPublicKey = " KEY_B "\n"
	"Endpoint = [2001:db8::2]:51820\n"
	"AllowedIPs = 10.2.0.0/16, fd00:2::/48, 10.20.0.0/16\n"
	"\n[Peer]\n# test/berlin/gamma\nPublicKey = " KEY_C "\n"
	"AllowedIPs = \n";

static const struct {
	const char *key, *endpoint, *allowed; /* allowed: sorted */
} wanted[] = {
	{ KEY_A, "192.0.2.1:51820", "10.1.0.0/16,fd00:1::/48" },
	{ KEY_B, "[2001:db8::2]:51820", "10.2.0.0/16,10.20.0.0/16,fd00:2::/48" },
	{ KEY_C, "", "" },
};
#define NWANTED (sizeof(wanted) / sizeof(wanted[0]))

static bool key_valid(const char *s)
{
	uint8_t k[32];
	size_t len = 0;

	return strlen(s) == 44 &&
	       sodium_base642bin(k, sizeof(k), s, 44, NULL, &len, NULL,
				 sodium_base64_VARIANT_ORIGINAL) == 0 &&
	       len == 32;
}

static bool allowed_valid(const char *s)
{
	char *copy, *save = NULL;
	bool ok = true;

	if (strcmp(s, "\"\"") == 0)
		return true;
	copy = strdup(s);
	if (!copy)
		abort();
	for (char *t = strtok_r(copy, ",", &save); ok && t;
	     t = strtok_r(NULL, ",", &save)) {
		struct rr_prefix p;
		struct rr_error err;
		ok = rr_prefix_parse(t, &p, &err) == RR_OK;
	}
	free(copy);
	return ok && s[0] && s[strlen(s) - 1] != ',';
}

/* Whether the peers text names KEY as a peer: a "PublicKey = KEY" line
 * inside a [Peer] section (lines before the first are not read). */
static bool text_has_key(const char *text, const char *key)
{
	char *copy = strdup(text), *save = NULL;
	bool in_peer = false, found = false;

	if (!copy)
		abort();
	for (char *l = strtok_r(copy, "\n", &save); l && !found;
	     l = strtok_r(NULL, "\n", &save)) {
		if (strcmp(l, "[Peer]") == 0)
			in_peer = true;
		else if (in_peer && strncmp(l, "PublicKey = ", 12) == 0 &&
			 strcmp(l + 12, key) == 0)
			found = true;
	}
	free(copy);
	return found;
}

/* An endpoint sync() would resolve: a valid one with a host name (what
 * does not parse is refused before). */
static bool resolves_names(const char *text)
{
	for (const char *p = strstr(text, "Endpoint = "); p;
	     p = strstr(p + 1, "Endpoint = ")) {
		const char *v = p + 11;
		size_t n = strcspn(v, "\n");
		char ep[RR_ENDPOINTSTRLEN + 1];
		struct rr_endpoint e;
		struct rr_error err;
		if (n == 0 || n >= sizeof(ep))
			continue;
		memcpy(ep, v, n);
		ep[n] = '\0';
		if (rr_endpoint_parse(ep, &e, &err) == RR_OK && ep[0] != '[' &&
		    strspn(ep, "0123456789.:") < n)
			return true;
	}
	return false;
}

/* Checks one plan line; returns its key (into KEY) and whether it is a
 * removal.  Aborts on a malformed line. */
static bool check_line(char *line, const char *text, char key[64])
{
	char *tok[16], *save = NULL;
	size_t n = 0;

	for (char *t = strtok_r(line, " ", &save); t;
	     t = strtok_r(NULL, " ", &save)) {
		if (n == sizeof(tok) / sizeof(tok[0]))
			abort();
		tok[n++] = t;
	}
	if (n < 3 || strcmp(tok[0], "peer") != 0 || !key_valid(tok[1]))
		abort();
	(void)snprintf(key, 64, "%s", tok[1]);
	if (strcmp(tok[2], "remove") == 0) {
		/* Never a peer the peers text keeps. */
		if (n != 3 || text_has_key(text, tok[1]))
			abort();
		return true;
	}
	for (size_t i = 2; i < n; i += 2) {
		if (i + 1 >= n)
			abort();
		if (strcmp(tok[i], "endpoint") == 0 && i == 2)
			continue;
		if (strcmp(tok[i], "allowed-ips") == 0 && i + 2 == n &&
		    allowed_valid(tok[i + 1]))
			continue;
		abort();
	}
	return false;
}

/* The allowed IPs of a dump field, sorted and joined by ",". */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sorted_set(const char *in, char *out, size_t outlen)
{
	char *copy = strdup(in), *items[512], *save = NULL;
	size_t n = 0, len = 0;

	if (!copy)
		abort();
	out[0] = '\0';
	for (char *t = strtok_r(copy, ", ", &save); t && n < 512;
	     t = strtok_r(NULL, ", ", &save))
		items[n++] = t;
	qsort(items, n, sizeof(items[0]), cmp_str);
	for (size_t i = 0; i < n && len < outlen; i++)
		len += (size_t)snprintf(out + len, outlen - len, "%s%s",
					i ? "," : "", items[i]);
	free(copy);
}

/* Whether the dump's first line for KEY already shows the wanted peer
 * W (the interface line, the first, is not a peer). */
static bool dump_in_line(const char *dump, size_t w)
{
	char *copy = strdup(dump), *save = NULL, set[4096];
	bool first = true, found = false, same = false;

	if (!copy)
		abort();
	for (char *l = strtok_r(copy, "\n", &save); l && !found;
	     l = strtok_r(NULL, "\n", &save)) {
		char *f[8], *fs = NULL;
		size_t n = 0;
		if (first) {
			first = false;
			continue;
		}
		for (char *t = strtok_r(l, "\t", &fs); t && n < 8;
		     t = strtok_r(NULL, "\t", &fs))
			f[n++] = t;
		if (n < 4 || strcmp(f[0], wanted[w].key) != 0)
			continue;
		found = true;
		sorted_set(strcmp(f[3], "(none)") ? f[3] : "", set,
			   sizeof(set));
		same = strcmp(set, wanted[w].allowed) == 0 &&
		       (!wanted[w].endpoint[0] ||
			strcmp(f[2], wanted[w].endpoint) == 0);
	}
	free(copy);
	return same;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	const char *text = peers_text;
	size_t textlen = strlen(peers_text);
	char *dump, *dump_copy, *owned_text = NULL, err[256], *save = NULL;
	bool fixed = nul == NULL, planned, lined[NWANTED] = { false };
	struct fetch_text out;

	if (sodium_init() < 0)
		abort();
	if (nul) {
		owned_text = strndup((const char *)data, (size_t)(nul - data));
		if (!owned_text)
			abort();
		if (resolves_names(owned_text)) {
			free(owned_text);
			return 0;
		}
		text = owned_text;
		textlen = strlen(text);
		size -= (size_t)(nul + 1 - data);
		data = nul + 1;
	}
	dump = strndup((const char *)data, size);
	dump_copy = strndup((const char *)data, size);
	if (!dump || !dump_copy)
		abort();
	fetch_text_init(&out);
	planned = fetch_wg_diff((const uint8_t *)text, textlen, dump, &out,
				err, sizeof(err)) == 0;
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz_wgdump: %s\n%s", planned ? "plan:" : err,
			planned && out.buf ? out.buf : "");
	if (planned && out.buf) {
		if (out.len == 0 || out.buf[out.len - 1] != '\n')
			abort();
		for (char *l = strtok_r(out.buf, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save)) {
			char key[64];
			bool removal = check_line(l, text, key);
			for (size_t w = 0; fixed && w < NWANTED; w++)
				if (strcmp(key, wanted[w].key) == 0 &&
				    !removal)
					lined[w] = true;
		}
	}
	/* With the fixed peers text, a peer in line is left alone and one
	 * out of line is brought in line (when the plan was made). */
	for (size_t w = 0; fixed && planned && w < NWANTED; w++) {
		bool in_line = dump_in_line(dump_copy, w);
		if (in_line == lined[w])
			abort();
	}
	fetch_text_free(&out);
	free(dump);
	free(dump_copy);
	free(owned_text);
	return 0;
}
