/* cmd_keygen.c - "vpnrr keygen": Ed25519 record keys and X25519
 * (WireGuard) transport keys. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "jsonout.h"
#include "keyfile.h"

static const char help[] =
"Usage: vpnrr keygen [--x25519] [--json] FILE\n"
"       vpnrr keygen --public [--x25519] [--json] FILE\n"
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
"  --public    do not generate: print the public key of existing FILE\n"
"              (refused when group or others may read FILE).\n"
"  --json      print {\"algorithm\", \"public\", \"keyid\", \"file\"}.\n"
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

int pub_cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "x25519", no_argument, NULL, 'x' },
		{ "public", no_argument, NULL, 'p' },
		{ "json", no_argument, NULL, PUB_OPT_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, PUB_OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool x25519 = false, show = false, json = false;
	struct rr_seckey sk;
	struct rr_pubkey pk;
	struct pub_err e;
	char xpub[64] = "";
	int c, rc;

	while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
		switch (c) {
		case 'x': x25519 = true; break;
		case 'p': show = true; break;
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
