/* cmd_keygen.c - "vpnrr keygen": Ed25519 record keys, X25519
 * (WireGuard) transport keys and secnet rsa1 transport keys. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "jsonout.h"
#include "keyfile.h"
#include "rsakey.h"
#include "tkeys.h"

static const char help[] =
"Usage: vpnrr keygen [--x25519] [--json] FILE\n"
"       vpnrr keygen --secnet [--bits N] [--group HEX8] [--serial HEX8]\n"
"                    [--json] FILE\n"
"       vpnrr keygen --public [--x25519 | --secnet] [--json] FILE\n"
"\n"
"Writes a new private key to FILE (mode 0600; an existing FILE is never\n"
"overwritten) and prints its public key on standard output.\n"
"\n"
"  (default)   Ed25519 record-signing key: FILE holds\n"
"              \"ed25519-secret:BASE64\", the output is \"ed25519:BASE64\"\n"
"              (an anchor key, or a site's record key).\n"
"  --x25519    X25519 transport key for WireGuard sites: FILE holds the\n"
"              base64 private key as \"wg genkey\" writes it, the output\n"
"              is the base64 public key (use it as \"key x25519 BASE64\"\n"
"              in a site description).\n"
"  --secnet    secnet rsa1 transport key: FILE is an unencrypted SSH-1\n"
"              private key for secnet's rsa-private(\"FILE\") (e = 65537).\n"
"              The output is the lines to paste into the site description:\n"
"              \"serial HEX8\" and \"pkg HEX8\" when given, then\n"
"              \"pub rsa1 BASE91S\" (the key \"BITS E N\" as make-secnet-sites\n"
"              writes it in sites files).\n"
"  --bits N    modulus size for --secnet: even, 1024 to 4096 (default\n"
"              2048; vpnrr-fetch refuses keys below secnet-min-rsa-bits).\n"
"  --group HEX8, --serial HEX8\n"
"              with --secnet: the key group and key-set serial to print\n"
"              with the key (8 hex digits; for a rollover, a serial above\n"
"              the published one and a new group).\n"
"  --public    do not generate: print the public key of existing FILE\n"
"              (refused when group or others may read FILE).\n"
"  --json      print {\"algorithm\", \"public\", \"keyid\", \"file\"}; with\n"
"              --secnet {\"algorithm\": \"rsa1\", \"file\", \"bits\", \"e\",\n"
"              \"n\", \"group\", \"serial\", \"pub\", \"pubkey\", \"lines\"}.\n"
"  --help      this text.\n";

static int output(bool json, bool x25519, const char *file,
		  const struct rr_pubkey *pk, const char *xpub)
{
	char text[RR_PUBKEYSTRLEN], id[2 * RR_KEYID_LEN + 1] = "";
	struct pub_err e;
	json_t *j;

	if (!x25519) {
		rr_pubkey_format(pk, text);
		rr_keyid_format(pk->id, id);
	}
	if (!json) {
		printf("%s\n", x25519 ? xpub : text);
		return pub_flush_stdout(&e) ? pub_fail(&e) : 0;
	}
	j = json_pack("{s:s, s:s, s:s}", "algorithm",
		      x25519 ? rr_alg_x25519.name : rr_alg_ed25519.name,
		      "public", x25519 ? xpub : text, "file", file);
	if (j && !x25519)
		json_object_set_new(j, "keyid", json_string(id));
	return pub_json_print(j, &e) ? pub_fail(&e) : 0;
}

/* --secnet's options. */
struct rsa1_opts {
	unsigned bits;
	bool has_group, has_serial;
	uint32_t group, serial;
};

/* The description lines: serial, pkg (when given), then the key. */
static json_t *rsa1_lines(const struct rsa1_opts *o, const char *publine)
{
	json_t *a = json_array();
	char l[32];

	if (!a)
		return NULL;
	if (o->has_serial && pub_fmt(l, sizeof(l), "serial %08" PRIx32,
				     o->serial))
		json_array_append_new(a, json_string(l));
	if (o->has_group && pub_fmt(l, sizeof(l), "pkg %08" PRIx32, o->group))
		json_array_append_new(a, json_string(l));
	json_array_append_new(a, json_string(publine));
	return a;
}

static json_t *rsa1_json(const struct rsa1_opts *o, const char *file,
			 const struct pub_rsa1_pub *pk, const char *publine,
			 const char *pubkey, json_t *lines)
{
	char g[9], sn[9];

	snprintf(g, sizeof(g), "%08" PRIx32, o->has_group ? o->group : 0);
	snprintf(sn, sizeof(sn), "%08" PRIx32, o->serial);
	return json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s?, s:s, s:s, s:o}",
			 "algorithm", rr_alg_rsa1.name, "file", file,
			 "bits", (json_int_t)pk->bits, "e", pk->e, "n", pk->n,
			 "group", g, "serial", o->has_serial ? sn : NULL,
			 "pub", publine, "pubkey", pubkey, "lines", lines);
}

static int rsa1_output(bool json, const struct rsa1_opts *o,
		       const char *file, const struct pub_rsa1_pub *pk)
{
	char *text = NULL, *b91 = NULL, *publine = NULL, *pubkey = NULL;
	json_t *lines = NULL;
	struct pub_err e;
	int rc = PUB_EXIT_INTERNAL;
	size_t n;

	n = strlen(pk->e) + strlen(pk->n) + 16;
	text = malloc(n);
	if (text && pub_fmt(text, n, "%u %s %s", pk->bits, pk->e, pk->n))
		b91 = rr_base91s_encode((const uint8_t *)text, strlen(text));
	if (b91 && (publine = malloc(strlen(b91) + 16)))
		snprintf(publine, strlen(b91) + 16, "pub %s %s",
			 rr_alg_rsa1.name, b91);
	if (publine && (pubkey = malloc(n + 8)))
		snprintf(pubkey, n + 8, "pubkey %s", text);
	if (pubkey)
		lines = rsa1_lines(o, publine);
	if (!lines) {
		pub_errf(&e, PUB_EXIT_INTERNAL, NULL, 0, "keygen",
			 "out of memory");
		rc = pub_fail(&e);
		goto out;
	}
	if (json) {
		json_t *j = rsa1_json(o, file, pk, publine, pubkey, lines);
		lines = NULL; /* the object owns it ("o"), even on failure */
		rc = pub_json_print(j, &e) ? pub_fail(&e) : 0;
		goto out;
	}
	for (size_t i = 0; i < json_array_size(lines); i++)
		printf("%s\n", json_string_value(json_array_get(lines, i)));
	rc = pub_flush_stdout(&e) ? pub_fail(&e) : 0;
out:
	json_decref(lines);
	free(text);
	free(b91);
	free(publine);
	free(pubkey);
	return rc;
}

static int rsa1_cmd(bool show, bool json, const struct rsa1_opts *o,
		    const char *file)
{
	struct pub_rsa1_pub pk;
	struct pub_err e;
	int rc;

	if (show)
		rc = pub_rsa1_load_public(file, &pk, &e);
	else
		rc = pub_rsa1_keygen(file, o->bits, "vpnrr-keygen", &pk, &e);
	if (rc != 0)
		return pub_fail(&e);
	rc = rsa1_output(json, o, file, &pk);
	pub_rsa1_pub_free(&pk);
	return rc;
}

static bool parse_bits(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	v = strtoul(s, &end, 10);
	if (*end || v > 65535)
		return false;
	*out = (unsigned)v;
	return true;
}

int pub_cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "x25519", no_argument, NULL, 'x' },
		{ "public", no_argument, NULL, 'p' },
		{ "secnet", no_argument, NULL, 's' },
		{ "bits", required_argument, NULL, 'b' },
		{ "group", required_argument, NULL, 'g' },
		{ "serial", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, PUB_OPT_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, PUB_OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct rsa1_opts ro = { PUB_RSA1_DEFAULT_BITS, false, false, 0, 0 };
	bool x25519 = false, show = false, json = false, secnet = false;
	bool rsa1_only = false;
	struct rr_seckey sk;
	struct rr_pubkey pk;
	struct pub_err e;
	char xpub[64] = "";
	int c, rc;

	while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
		switch (c) {
		case 'x': x25519 = true; break;
		case 'p': show = true; break;
		case 's': secnet = true; break;
		case 'b':
			if (!parse_bits(optarg, &ro.bits))
				return pub_usage_error("keygen", "--bits needs "
						       "a number of bits");
			rsa1_only = true;
			break;
		case 'g':
			if (!pub_hex32_parse(optarg, &ro.group))
				return pub_usage_error("keygen", "--group "
						       "needs 8 hex digits");
			ro.has_group = rsa1_only = true;
			break;
		case 'n':
			if (!pub_hex32_parse(optarg, &ro.serial))
				return pub_usage_error("keygen", "--serial "
						       "needs 8 hex digits");
			ro.has_serial = rsa1_only = true;
			break;
		case PUB_OPT_JSON:
			json = true;
			pub_cli_json_errors();
			break;
		case 'q': pub_cli_quiet(); break;
		case PUB_OPT_HELP: return pub_help(help);
		default: return pub_usage_error("keygen", "bad option");
		}
	}
	if (argc - optind != 1)
		return pub_usage_error("keygen", "need exactly one FILE");
	if (secnet && x25519)
		return pub_usage_error("keygen", "--secnet and --x25519 are "
				       "different keys: give one");
	if (rsa1_only && !secnet)
		return pub_usage_error("keygen", "--bits, --group and --serial "
				       "are for --secnet keys");
	if (secnet)
		return rsa1_cmd(show, json, &ro, argv[optind]);
	if (show && x25519)
		rc = pub_x25519_public(argv[optind], xpub, &e);
	else if (show)
		rc = pub_seckey_load(argv[optind], &sk, &e);
	else if (x25519)
		rc = pub_x25519_keygen(argv[optind], xpub, &e);
	else
		rc = pub_ed25519_keygen(argv[optind], &pk, &e);
	if (rc != 0)
		return pub_fail(&e);
	if (show && !x25519) {
		pk = sk.pub;
		rr_seckey_wipe(&sk);
	}
	return output(json, x25519, argv[optind], &pk, xpub);
}
