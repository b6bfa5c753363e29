/*
 * render_example.c - writes every output for an example VPN, for the
 * integration script that runs the real secnet and make-secnet-sites on
 * the result.
 *
 * usage: render_example OUTDIR ALPHA.pub BETA.pub GAMMA.pub DHHEX
 *
 * The .pub files hold rsa1 public keys ("BITS E N COMMENT").  Writes
 * OUTDIR/secnet/ (sites.conf and one file per site), OUTDIR/pk/ (peer
 * files), OUTDIR/sites and OUTDIR/state.json, and prints the plan's
 * notices and the apply counts on stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"
#include "output.h"

static char *read_line(const char *path)
{
	char buf[4096];
	FILE *f = fopen(path, "r");
	char *nl;

	if (!f)
		return NULL;
	if (!fgets(buf, sizeof(buf), f)) {
		(void)fclose(f);
		return NULL;
	}
	if (fclose(f) != 0)
		return NULL;
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return strdup(buf);
}

static int run(struct example *ex, const char *outdir, const char *dh)
{
	const struct fetch_output_driver *ops[] = {
		&fetch_output_secnet, &fetch_output_peerkeys,
		&fetch_output_sitesfile, &fetch_output_json,
	};
	char sdir[4096], pk[4096], sites[4096], json[4096], defdh[2100];
	char err[FETCH_OUTPUT_ERRLEN];
	struct fetch_output_cfg cfg;
	struct example_applied res;
	struct fetch_plan plan;
	int rc = 1;

	snprintf(sdir, sizeof(sdir), "%s/secnet", outdir);
	snprintf(pk, sizeof(pk), "%s/pk", outdir);
	snprintf(sites, sizeof(sites), "%s/sites", outdir);
	snprintf(json, sizeof(json), "%s/state.json", outdir);
	snprintf(defdh, sizeof(defdh), "%s 2", dh);
	memset(&cfg, 0, sizeof(cfg));
	cfg.secnet_dir = sdir;
	cfg.pubkeys_dir = pk;
	cfg.sitesfile_path = sites;
	cfg.json_path = json;
	cfg.vpn_contact = "admin@example.org";
	cfg.default_dh = defdh;
	cfg.default_hash = "sha1";
	fetch_plan_init(&plan);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (ops[i]->plan(&cfg, &ex->view, &plan, err, sizeof(err)) <
		    0) {
			fprintf(stderr, "%s: %s\n", ops[i]->keyword, err);
			goto out;
		}
	}
	for (size_t i = 0; i < plan.nnotices; i++)
		printf("notice: %s\n", plan.notices[i]);
	if (example_apply(&plan, &res, err, sizeof(err)) < 0) {
		fprintf(stderr, "apply: %s\n", err);
		example_applied_free(&res);
		goto out;
	}
	printf("written %zu unchanged %zu removed %zu reload %d\n",
	       res.files_written, res.files_unchanged, res.files_removed,
	       (int)res.reload_needed);
	example_applied_free(&res);
	rc = 0;
out:
	fetch_plan_free(&plan);
	return rc;
}

int main(int argc, char **argv)
{
	char *pub[3] = { NULL, NULL, NULL }, *key[3] = { NULL, NULL, NULL };
	char alpha_keys[8192], err[FETCH_OUTPUT_ERRLEN], gamma_dh[2100];
	struct example ex;
	int rc = 1;

	if (argc != 6) {
		fprintf(stderr, "usage: render_example OUTDIR ALPHA.pub "
				"BETA.pub GAMMA.pub DHHEX\n");
		return 2;
	}
	for (int i = 0; i < 3; i++) {
		static const char *const groups[] = { "0000a1b2", "00000000",
						      "00000001" };
		pub[i] = read_line(argv[2 + i]);
		key[i] = pub[i] ? example_rsa1_key(groups[i], pub[i]) : NULL;
		if (!key[i]) {
			fprintf(stderr, "cannot read %s\n", argv[2 + i]);
			goto out;
		}
	}
	/* alpha also has a WireGuard key, which secnet must not see. */
	snprintf(alpha_keys, sizeof(alpha_keys),
		 "%s,~0000c3d4:x25519:"
		 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		 key[0]);
	snprintf(gamma_dh, sizeof(gamma_dh), "%s 2", argv[5]);
	const struct example_spec specs[] = {
		{ "london/alpha", "10.1.0.0/16,fd00:1::/48",
		  "192.0.2.1:4500,[2001:db8::1]:4500,[2001:db8::2]:4600",
		  "10.1.0.0/16,fd00:1::/48", "10.1.0.1", "0000000a",
		  alpha_keys,
		  { "key-lifetime", "3600000", "contact", "ops@example.net",
		    NULL } },
		{ "london/beta", NULL, "mobile", "10.2.0.0/16", "10.2.0.1",
		  "00000001", key[1], { "setup-retries", "5", NULL } },
		{ "paris/gamma", "10.3.0.0/16", "vpn.example.net:4501",
		  "10.3.0.0/17,10.3.128.0/17", "10.3.0.1", "00000002", key[2],
		  { "dh", gamma_dh, "hash", "md5", NULL } },
		{ "paris/delta", NULL, "[2001:db8::4]:4500", "fd00:4::/48",
		  "fd00:4::1", "00000003", key[1], { NULL } },
	};
	if (example_build(&ex, "test", specs, sizeof(specs) / sizeof(specs[0]),
			  err, sizeof(err)) < 0) {
		fprintf(stderr, "example: %s\n", err);
		goto out;
	}
	rc = run(&ex, argv[1], argv[5]);
	example_free(&ex);
out:
	for (int i = 0; i < 3; i++) {
		free(pub[i]);
		free(key[i]);
	}
	return rc;
}
