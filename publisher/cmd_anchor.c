/* cmd_anchor.c - "vpnrr anchor announce" and "vpnrr anchor retire": the
 * signed statements that roll a VPN's trust anchor over (SPEC.md 10.10). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "anchorstmt.h"
#include "cli.h"
#include "cmd.h"
#include "index.h"
#include "keyfile.h"
#include "timefmt.h"

#define DEFAULT_ADD_LIFETIME (90 * 86400ULL)
#define DEFAULT_RETIRE_LIFETIME (365 * 86400ULL)

static const char help_anchor[] =
"Usage: vpnrr anchor announce [--anchor-key CUR.key] [--lifetime DURATION]\n"
"                             [-q] [--now TIME] ADMINDIR NEW.pub\n"
"       vpnrr anchor retire --key OLD.key [--lifetime DURATION]\n"
"                           [-q] [--now TIME] ADMINDIR\n"
"\n"
"Rolls the VPN's trust anchor over without touching the nodes' configs.\n"
"\n"
"announce: signs, with the current anchor key (--anchor-key, default the\n"
"anchor-key of ADMINDIR/vpnrr.conf), a statement that NEW.pub (a key file\n"
"or \"ed25519:BASE64\") is a new anchor, saves it as\n"
"ADMINDIR/anchors/add-KEYID.rec and rebuilds the zone as \"vpnrr index\"\n"
"(which keeps publishing it at _anchor._vpnrr.ZONE until it expires;\n"
"run announce again to renew it). Nodes trust the new key once they have\n"
"seen the statement at every refresh for their anchor-hold-down (30 days\n"
"by default). Default lifetime 90d.\n"
"\n"
"retire: signs, with OLD.key itself, a statement that its key is retired\n"
"(only the holder of a key can retire it), saves it as\n"
"ADMINDIR/anchors/retire-KEYID.rec (an announcement of OLD.key goes) and\n"
"rebuilds the zone. Nodes then never trust OLD.key again,\n"
"even where their configuration lists it, and drop what it signed.\n"
"Retire a key only after the heads are signed by the new one and the\n"
"nodes adopted it. Default lifetime 365d.\n"
"\n"
"  --anchor-key FILE  the anchor key that signs the announcement\n"
"  --key FILE         the anchor key to retire (it signs the statement)\n"
"  --lifetime D       validity of the statement (e.g. 90d)\n"
"  -q, --quiet        no one-line summary on standard error\n"
"  --now TIME         pretend the time is TIME (tests)\n"
"  --help             this text\n";

enum { OPT_ANCHOR_KEY = PUB_OPT_FIRST_FREE, OPT_KEY, OPT_LIFETIME };

/* Builds, signs and saves one statement; then the zone. */
static int sign_statement(const struct pub_admin *a, bool retire,
			  const struct rr_pubkey *subject,
			  const struct rr_seckey *sk,
		 uint64_t now, uint64_t lifetime, struct pub_err *e)
{
	char owner[RR_MAX_NAME + 1], num[3][24], kt[RR_PUBKEYSTRLEN];
	struct rr_record r;
	struct rr_error err;
	struct pub_out o;
	char *path = pub_anchor_stmt_path(a, retire, subject);
	char *dir = pub_path_join(a->dir, PUB_ANCHOR_DIR);
	int rc = -1;

	rr_record_init(&r, RR_KIND_ANCHOR);
	if (!path || !dir) {
		pub_errf(e, PUB_EXIT_INTERNAL, a->dir, 0, "anchor",
			 "out of memory");
		goto out;
	}
	/* The signing time is the serial: a renewal is always newer. */
	(void)snprintf(num[0], sizeof(num[0]), "%" PRIu32, (uint32_t)now);
	(void)snprintf(num[1], sizeof(num[1]), "%" PRIu64,
		       now - PUB_CLOCK_SKEW);
	(void)snprintf(num[2], sizeof(num[2]), "%" PRIu64, now + lifetime);
	rr_pubkey_format(subject, kt);
	if (rr_name_anchor(a->zone, owner, &err) != RR_OK ||
	    rr_add(&r, "vpn", a->vpn, &err) != RR_OK ||
	    rr_add(&r, "s", num[0], &err) != RR_OK ||
	    rr_add(&r, "t", num[1], &err) != RR_OK ||
	    rr_add(&r, "x", num[2], &err) != RR_OK ||
	    rr_add(&r, retire ? "retire" : "add", kt, &err) != RR_OK ||
	    rr_sign(&r, owner, sk, &err) != RR_OK) {
		pub_errf(e, PUB_EXIT_INVALID, a->dir, 0, "anchor", "%s",
			 err.msg);
		goto out;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		pub_errf(e, PUB_EXIT_IO, dir, 0, "anchor", "%s",
			 strerror(errno));
		goto out;
	}
	if (pub_out_open(&o, e) != 0)
		goto out;
	fprintf(o.f, "# %s statement of vpnrr anchor; published by vpnrr "
		"index\n", retire ? "retire" : "add");
	if (pub_rec_write(o.f, owner, &r, e) == 0 &&
	    pub_out_close(&o, e) == 0 &&
	    pub_write_file(path, o.buf, o.len, 0644, false, e) == 0)
		rc = 0;
	pub_out_free(&o);
out:
	rr_record_free(&r);
	free(path);
	free(dir);
	return rc;
}

/* An announcement of the retired key is void now: it goes.  The ones
 * the retired key signed stay until they expire: a node offline through
 * the rollover learns from them which anchor to configure. */
static int drop_announcement(const struct pub_admin *a,
			     const struct rr_pubkey *gone, struct pub_err *e)
{
	char *path = pub_anchor_stmt_path(a, false, gone);
	int rc = 0;

	if (!path)
		return pub_errf(e, PUB_EXIT_INTERNAL, a->dir, 0, "anchor",
				"out of memory");
	if (unlink(path) != 0 && errno != ENOENT)
		rc = pub_errf(e, PUB_EXIT_IO, path, 0, "anchor", "%s",
			      strerror(errno));
	free(path);
	return rc;
}

static int announce(const struct pub_admin *a, const char *keyfile,
		    const char *newpub, uint64_t lifetime, struct pub_err *e)
{
	struct rr_pubkey keys[2];
	struct rr_seckey sk;
	size_t n = 0;
	int rc = -1;

	if (pub_anchor_load(newpub, keys, &n, 2, e) != 0)
		return -1;
	if (n != 1)
		return pub_errf(e, PUB_EXIT_USAGE, newpub, 0, "anchor",
				"need exactly one public key, found %zu", n);
	if (pub_seckey_load(keyfile ? keyfile : a->anchor_key, &sk, e) != 0)
		return -1;
	if (memcmp(sk.pub.key, keys[0].key, RR_PUBKEY_LEN) == 0)
		pub_errf(e, PUB_EXIT_USAGE, newpub, 0, "anchor",
			 "this is the signing anchor itself: announce a new "
			 "key (vpnrr keygen)");
	else
		rc = sign_statement(a, false, &keys[0], &sk, pub_now(), lifetime, e);
	rr_seckey_wipe(&sk);
	return rc;
}

static int retire(const struct pub_admin *a, const char *keyfile,
		  uint64_t lifetime, struct pub_err *e)
{
	struct rr_seckey sk;
	int rc;

	if (pub_seckey_load(keyfile, &sk, e) != 0)
		return -1;
	rc = sign_statement(a, true, &sk.pub, &sk, pub_now(), lifetime, e);
	if (rc == 0)
		rc = drop_announcement(a, &sk.pub, e);
	rr_seckey_wipe(&sk);
	return rc;
}

struct args {
	const char *anchor_key, *key;
	uint64_t lifetime;
};

/* Options before and after the verb; returns -1 to go on, else the
 * exit code. */
static int parse_opts(int argc, char **argv, const char *shortopts,
		      struct args *ar)
{
	static const struct option opts[] = {
		{ "anchor-key", required_argument, NULL, OPT_ANCHOR_KEY },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "lifetime", required_argument, NULL, OPT_LIFETIME },
		{ "now", required_argument, NULL, PUB_OPT_NOW },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, PUB_OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (c) {
		case OPT_ANCHOR_KEY: ar->anchor_key = optarg; break;
		case OPT_KEY: ar->key = optarg; break;
		case OPT_LIFETIME:
			if (!pub_duration_parse(optarg, &ar->lifetime) ||
			    ar->lifetime == 0)
				return pub_usage_error("anchor", "--lifetime "
						       "%s: not a duration",
						       optarg);
			break;
		case PUB_OPT_NOW:
			if (pub_cli_now(optarg))
				return PUB_EXIT_USAGE;
			break;
		case 'q': pub_cli_quiet(); break;
		case PUB_OPT_HELP: return pub_help(help_anchor);
		default: return pub_usage_error("anchor", "bad option");
		}
	}
	return -1;
}

int pub_cmd_anchor(int argc, char **argv)
{
	struct args ar = { NULL, NULL, 0 };
	struct pub_index_info info;
	struct pub_admin a;
	struct pub_err e;
	const char *verb;
	bool is_retire;
	int rc;

	/* "+": stop at the verb, whose own options follow it. */
	if ((rc = parse_opts(argc, argv, "+q", &ar)) >= 0)
		return rc;
	if (optind >= argc)
		return pub_usage_error("anchor", "need announce or retire");
	verb = argv[optind++];
	is_retire = strcmp(verb, "retire") == 0;
	if (!is_retire && strcmp(verb, "announce") != 0)
		return pub_usage_error("anchor", "%s: need announce or "
				       "retire", verb);
	if ((rc = parse_opts(argc, argv, "q", &ar)) >= 0)
		return rc;
	if (is_retire && (argc - optind != 1 || !ar.key || ar.anchor_key))
		return pub_usage_error("anchor", "retire: need --key OLD.key "
				       "and ADMINDIR");
	if (!is_retire && (argc - optind != 2 || ar.key))
		return pub_usage_error("anchor", "announce: need ADMINDIR and "
				       "NEW.pub");
	if (ar.lifetime == 0)
		ar.lifetime = is_retire ? DEFAULT_RETIRE_LIFETIME
					: DEFAULT_ADD_LIFETIME;
	if (pub_admin_load(argv[optind], &a, &e) != 0 ||
	    (is_retire ? retire(&a, ar.key, ar.lifetime, &e)
		       : announce(&a, ar.anchor_key, argv[optind + 1],
				  ar.lifetime, &e)) != 0 ||
	    pub_index_run(&a, pub_now(), false, &info, &e) != 0)
		return pub_fail(&e);
	pub_summary("anchor", "%s statement saved in %s/%s/; zone serial %u "
		    "written to %s", verb, a.dir, PUB_ANCHOR_DIR,
		    (unsigned)info.zone_serial, a.output);
	return 0;
}
