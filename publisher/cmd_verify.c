/* cmd_verify.c - "vpnrr verify": the auditor's view of zone files, dig
 * output and live names. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chain.h"
#include "cli.h"
#include "cmd.h"
#include "jsonout.h"
#include "keyfile.h"
#include "live.h"
#include "timefmt.h"

#define MAX_ANCHORS 8
#define MAX_TIMEOUT_MS (3600 * 1000ULL)

static const char help[] =
"Usage: vpnrr verify --anchor KEY [options] ZONEFILE|-...\n"
"       vpnrr verify --anchor KEY --server ADDRESS [-p PORT] [options] NAME\n"
"       vpnrr verify --anchor KEY --server ADDRESS --zone ZONE [options]\n"
"                    RECORDFILE|-\n"
"\n"
"Decodes every vpnrr record (TXT and TYPE65380) and checks it against the\n"
"trust anchor: the head's signature, each page's hash, each member entry\n"
"(networks not overlapping, names unique), the signed member records\n"
"(equal to their page entries), each site record (published where its\n"
"membership says, signed by a key its membership lists, networks inside\n"
"the membership), validity periods, and that TXT and binary forms agree.\n"
"Prints each record decoded, its chain, validity, and the rules it\n"
"breaks.\n"
"\n"
"Input: zone files, or dig output on standard input (\"-\"), e.g.\n"
"  dig TXT _vpnrr.vpn.example.org | vpnrr verify --anchor A -\n"
"Records given alone (a head without its pages, a page without its head)\n"
"are checked as far as they can be when reading standard input.\n"
"With --server, NAME is queried (TXT and TYPE65380; TCP when truncated;\n"
"CNAMEs followed, as vpnrr-fetch follows them) and the chain is followed:\n"
"a VPN zone name (or _vpnrr.ZONE) fetches the head, its pages, every\n"
"member record and every site record.\n"
"\n"
"One site record: with --server and --zone, a file or \"-\" (rather than\n"
"a NAME) holds one site's record (dig output, zone lines or a record\n"
"file), e.g.\n"
"  dig TXT _vpnrr.alpha.example.net |\n"
"    vpnrr verify --anchor A --server 192.0.2.53 --zone vpn.example.org -\n"
"The membership is fetched from the server (the head at _vpnrr.ZONE and\n"
"its pages) and the record checked under it as vpnrr-fetch checks it.\n"
"The verdict is one of VALID, REVOKED (the head holds but lists no entry\n"
"for the site, or not the key that signed the record), UNKNOWN-ANCHOR\n"
"(the head is not signed by --anchor) or INVALID, with the reason.\n"
"\n"
"  -a, --anchor KEY      ed25519:BASE64, or a file of such lines\n"
"                        (repeatable; required)\n"
"  -s, --server ADDRESS  DNS server to query: an IPv4 or IPv6 literal,\n"
"                        or ADDR:PORT, [V6ADDR]:PORT\n"
"  -p, --port PORT       its port (default 53)\n"
"      --timeout DURATION  give up on a name when the server has not\n"
"                        answered it within DURATION, retries included\n"
"                        (5s; e.g. 1500ms, 10s, 1m)\n"
"      --tries N         queries per name within --timeout, each waiting\n"
"                        twice as long as the one before (3; 1..10)\n"
"  -z, --zone ZONE       the VPN zone (to find memberships of site records;\n"
"                        also --vpn-zone)\n"
"      --warn DURATION   warn about records expiring within DURATION (7d)\n"
"      --json            print {\"result\", \"records\": [...],\n"
"                        \"objects\": [...], \"errors\"}; for one site\n"
"                        record {\"verdict\", \"reason\", \"hint\", \"site\",\n"
"                        \"vpn\", \"record\", \"zone\", \"server\", \"chain\"}\n"
"      --quiet           print nothing; the exit status tells\n"
"      --now TIME        pretend the time is TIME\n"
"      --help            this text\n"
"\n"
"Exit status: 0 valid, 1 invalid (a record breaks a rule or does not\n"
"decode), 2 usage, 3 could not read or fetch; for one site record also\n"
"5 revoked, 6 unknown anchor.\n";

struct vopts {
	struct rr_pubkey anchors[MAX_ANCHORS];
	size_t nanchors;
	const char *server, *zone;
	unsigned long port; /* 0: none given */
	uint64_t warn;
	uint64_t timeout_ms;
	unsigned tries; /* 0: the default */
	bool json, quiet;
};

static const char *type_name(uint16_t t)
{
	return t == 16 ? "TXT" : "TYPE65380";
}

static void print_line(const char *label, const char *s)
{
	fputs(label, stdout);
	pub_fputs_esc(s, stdout);
	putchar('\n');
}

/* Owner names, chains, record text and messages can carry DNS bytes:
 * every one is escaped. */
static void print_text(const struct pub_vrec *v)
{
	char t1[PUB_TIMESTRLEN], t2[PUB_TIMESTRLEN], *text = NULL;
	struct rr_error err;
	size_t len = 0;

	pub_fputs_esc(v->rr->owner, stdout);
	printf(" %s: ", type_name(v->rr->type));
	if (v->parsed) {
		pub_time_format(v->r.not_before, t1);
		pub_time_format(v->r.expires, t2);
		printf("%s", rr_kind_name(v->r.kind));
		if (v->r.site[0]) {
			putchar(' ');
			pub_fputs_esc(v->r.site, stdout);
		}
		fputs(" (VPN ", stdout);
		pub_fputs_esc(v->r.vpn, stdout);
		printf(") s=%u valid %s .. %s", (unsigned)v->r.serial, t1, t2);
	}
	printf(": %s\n", v->status == PUB_V_VALID ? "VALID"
			 : v->status == PUB_V_INVALID ? "INVALID"
						      : "NOT CHECKED");
	if (v->rr->line) {
		fputs("  source: ", stdout);
		pub_fputs_esc(v->rr->src, stdout);
		printf(":%u\n", v->rr->line);
	}
	if (v->chain[0])
		print_line("  chain: ", v->chain);
	if (v->parsed && rr_format_txt(&v->r, &text, &len, &err) == RR_OK)
		print_line("  record: ", text);
	free(text);
	for (size_t i = 0; i < v->nerr; i++)
		print_line("  error: ", v->err[i]);
	for (size_t i = 0; i < v->nwarn; i++)
		print_line("  warning: ", v->warn[i]);
}

static const char *result_name(const struct pub_report *rep)
{
	return rep->ninvalid || rep->nerr ? "invalid" : "valid";
}

static json_t *vrec_json(const struct pub_vrec *v)
{
	json_t *o = v->parsed ? pub_json_record(v->rr->owner, &v->r)
			      : json_pack("{s:o}", "owner",
					  pub_json_text(v->rr->owner));
	json_t *errs = json_array(), *warns = json_array();

	if (!o || !errs || !warns) {
		json_decref(o);
		json_decref(errs);
		json_decref(warns);
		return NULL;
	}
	for (size_t i = 0; i < v->nerr; i++)
		json_array_append_new(errs, pub_json_text(v->err[i]));
	for (size_t i = 0; i < v->nwarn; i++)
		json_array_append_new(warns, pub_json_text(v->warn[i]));
	json_object_set_new(o, "type", json_string(type_name(v->rr->type)));
	json_object_set_new(o, "status", json_string(
		v->status == PUB_V_VALID ? "valid" : v->status == PUB_V_INVALID
		? "invalid" : "unchecked"));
	json_object_set_new(o, "chain", pub_json_text(v->chain));
	json_object_set_new(o, "source", pub_json_text(v->rr->src));
	if (v->rr->line)
		json_object_set_new(o, "line", json_integer(v->rr->line));
	json_object_set_new(o, "errors", errs);
	json_object_set_new(o, "warnings", warns);
	return o;
}

/* The chain's verdict per object, named as vpnrr-fetch's report names
 * them: the two tools are compared on these. */
static json_t *objects_json(const struct pub_report *rep)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < rep->nobj; i++) {
		const struct pub_object *o = &rep->obj[i];
		json_t *j = json_pack("{s:s, s:o, s:s}", "object",
				      pub_obj_kind_name(o->kind), "name",
				      pub_json_text(o->name), "verdict",
				      rrchain_reason_name(o->verdict));
		if (j && o->why[0])
			json_object_set_new(j, "error", pub_json_text(o->why));
		if (j && o->warning[0])
			json_object_set_new(j, "warning",
					    pub_json_text(o->warning));
		json_array_append_new(a, j);
	}
	return a;
}

static void print_objects(const struct pub_report *rep)
{
	for (size_t i = 0; i < rep->nobj; i++) {
		const struct pub_object *o = &rep->obj[i];
		printf("verdict: %s ", pub_obj_kind_name(o->kind));
		pub_fputs_esc(o->name, stdout);
		/* The why is on the records above (and in --json). */
		printf(": %s\n", rrchain_reason_name(o->verdict));
	}
}

static int print_report(const struct pub_report *rep, const struct vopts *vo,
			const char *fetch_error)
{
	struct pub_err e;
	json_t *j, *recs, *errs;

	if (vo->quiet)
		return 0;
	if (!vo->json) {
		for (size_t i = 0; i < rep->n; i++)
			print_text(&rep->v[i]);
		print_objects(rep);
		for (size_t i = 0; i < rep->nerr; i++)
			print_line("error: ", rep->err[i]);
		if (fetch_error)
			print_line("error: ", fetch_error);
		printf("result: %s (%zu valid, %zu invalid)\n",
		       fetch_error ? "could not fetch" : result_name(rep),
		       rep->nvalid, rep->ninvalid);
		return pub_flush_stdout(&e) ? pub_fail(&e) : 0;
	}
	recs = json_array();
	errs = json_array();
	for (size_t i = 0; recs && i < rep->n; i++)
		json_array_append_new(recs, vrec_json(&rep->v[i]));
	for (size_t i = 0; errs && i < rep->nerr; i++)
		json_array_append_new(errs, pub_json_text(rep->err[i]));
	if (fetch_error && errs)
		json_array_append_new(errs, pub_json_text(fetch_error));
	j = json_pack("{s:s, s:o, s:o, s:o, s:I, s:I}", "result",
		      fetch_error ? "unfetched" : result_name(rep),
		      "records", recs, "objects", objects_json(rep),
		      "errors", errs,
		      "valid", (json_int_t)rep->nvalid,
		      "invalid", (json_int_t)rep->ninvalid);
	return pub_json_print(j, &e) ? pub_fail(&e) : 0;
}

/* "1500ms", or a duration as --warn takes it ("5s", "1m"). */
static bool timeout_parse(const char *text, uint64_t *ms)
{
	size_t n = strlen(text);
	uint64_t v;
	char *end;

	if (n > 2 && strcmp(text + n - 2, "ms") == 0) {
		if (text[0] < '0' || text[0] > '9')
			return false;
		v = strtoull(text, &end, 10);
		if (end != text + n - 2)
			return false;
	} else {
		if (!pub_duration_parse(text, &v) || v > MAX_TIMEOUT_MS / 1000)
			return false;
		v *= 1000;
	}
	*ms = v;
	return v >= 1 && v <= MAX_TIMEOUT_MS;
}

static int parse_opts(int argc, char **argv, struct vopts *vo)
{
	static const struct option opts[] = {
		{ "anchor", required_argument, NULL, 'a' },
		{ "server", required_argument, NULL, 's' },
		{ "port", required_argument, NULL, 'p' },
		{ "zone", required_argument, NULL, 'z' },
		{ "vpn-zone", required_argument, NULL, 'z' },
		{ "timeout", required_argument, NULL, 't' },
		{ "tries", required_argument, NULL, 'T' },
		{ "warn", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, PUB_OPT_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "now", required_argument, NULL, PUB_OPT_NOW },
		{ "help", no_argument, NULL, PUB_OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct pub_err e;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "a:s:p:z:q", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (pub_anchor_load(optarg, vo->anchors, &vo->nanchors,
					    MAX_ANCHORS, &e) != 0) {
				/* A bad anchor is a bad command line. */
				if (e.code != PUB_EXIT_IO)
					e.code = PUB_EXIT_USAGE;
				return pub_fail(&e);
			}
			break;
		case 's': vo->server = optarg; break;
		case 'z': vo->zone = optarg; break;
		case 'q':
			vo->quiet = true;
			pub_cli_quiet();
			break;
		case 'p':
			vo->port = strtoul(optarg, &end, 10);
			if (!*optarg || *end || vo->port < 1 || vo->port > 65535)
				return pub_usage_error("verify", "--port %s: "
						       "need 1..65535", optarg);
			break;
		case 't':
			if (!timeout_parse(optarg, &vo->timeout_ms))
				return pub_usage_error("verify", "--timeout %s: "
						       "need a duration from "
						       "1ms to 1h", optarg);
			break;
		case 'T': {
			unsigned long n = strtoul(optarg, &end, 10);
			if (!*optarg || *end || n < 1 || n > PUB_LIVE_MAX_TRIES)
				return pub_usage_error("verify", "--tries %s: "
						       "need 1..%d", optarg,
						       PUB_LIVE_MAX_TRIES);
			vo->tries = (unsigned)n;
			break;
		}
		case 'w':
			if (!pub_duration_parse(optarg, &vo->warn))
				return pub_usage_error("verify", "--warn %s: "
						       "need a duration",
						       optarg);
			break;
		case PUB_OPT_JSON:
			vo->json = true;
			pub_cli_json_errors();
			break;
		case PUB_OPT_NOW:
			if (pub_cli_now(optarg))
				return PUB_EXIT_USAGE;
			break;
		case PUB_OPT_HELP: return pub_help(help) ? PUB_EXIT_IO : -1;
		default: return pub_usage_error("verify", "bad option");
		}
	}
	return 0;
}

/* ---- one site record against the live membership ----------------------- */

static struct pub_live_opts live_opts(const struct vopts *vo)
{
	return (struct pub_live_opts){
		.server = vo->server, .port = (uint16_t)vo->port,
		.timeout_ms = vo->timeout_ms, .tries = vo->tries,
		.progress = !vo->quiet && !vo->json,
	};
}

/* With --server, "-" or an existing file is one site's records; anything
 * else is a NAME to follow. */
static bool is_record_input(const char *arg)
{
	struct stat st;

	return strcmp(arg, "-") == 0 || stat(arg, &st) == 0;
}

static int print_site(const struct vopts *vo, const struct pub_site_verdict *sv,
		      const char *head, const char *fetch_error)
{
	const char *name = fetch_error ? "could not fetch"
				       : pub_verdict_name(sv->verdict);
	const char *reason = fetch_error ? fetch_error : sv->reason;
	struct pub_err e;
	json_t *j;
	char low[32];
	size_t i;

	if (vo->quiet)
		return 0;
	if (vo->json) {
		for (i = 0; name[i] && i + 1 < sizeof(low); i++)
			low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z'
					? name[i] - 'A' + 'a' : name[i]);
		low[i] = '\0';
		j = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			      "verdict", fetch_error ? "unfetched" : low,
			      "reason", pub_json_text(reason),
			      "site", pub_json_text(sv->site),
			      "vpn", pub_json_text(sv->vpn),
			      "record", pub_json_text(sv->owner),
			      "membership", pub_json_text(head),
			      "chain", pub_json_text(sv->chain),
			      "server", pub_json_text(vo->server));
		if (j && sv->hint && !fetch_error)
			json_object_set_new(j, "hint", json_string(sv->hint));
		return pub_json_print(j, &e) ? pub_fail(&e) : 0;
	}
	pub_fputs_esc(sv->site[0] ? sv->site : "?", stdout);
	fputs(" at ", stdout);
	pub_fputs_esc(sv->owner, stdout);
	printf(": %s\n", name);
	if (sv->vpn[0])
		print_line("  vpn: ", sv->vpn);
	print_line("  membership: ", head);
	if (sv->chain[0])
		print_line("  chain: ", sv->chain);
	if (reason[0])
		print_line(sv->verdict == PUB_VERDICT_VALID && !fetch_error
			   ? "  warning: " : "  reason: ", reason);
	if (sv->hint && !fetch_error)
		print_line("  hint: ", sv->hint);
	return pub_flush_stdout(&e) ? pub_fail(&e) : 0;
}

/* INPUT's site record under the membership of --zone fetched from
 * --server: the rules' report over both, read as one verdict. */
static int verify_site(const struct vopts *vo, const char *input)
{
	struct pub_chain_opts co = {
		.anchors = vo->anchors, .nanchors = vo->nanchors,
		.now = pub_now(), .warn_within = vo->warn, .zone = vo->zone,
		.fetched = true, .membership_only = true,
	};
	struct pub_live_opts lo = live_opts(vo);
	char zone[RR_MAX_NAME + 2], head[RR_MAX_NAME + 1];
	struct pub_site_verdict sv;
	struct pub_rrset s = { 0 };
	struct pub_report rep;
	struct rr_error rerr;
	struct pub_err e;
	bool fetch_failed = false;
	int rc;

	if (!vo->zone)
		return pub_usage_error("verify", "a site record with --server "
				       "needs --zone ZONE: the VPN's zone, "
				       "where its membership is published");
	if (!pub_fmt(zone, sizeof(zone), "%s", vo->zone))
		return pub_usage_error("verify", "--zone: name too long");
	pub_name_canon(zone);
	if (rr_name_head(zone, head, &rerr) != RR_OK)
		return pub_usage_error("verify", "--zone %s: %s", vo->zone,
				       rerr.msg);
	co.zone = zone;
	rc = pub_rrset_read(&s, input, &e);
	if (rc == 0)
		rc = pub_chain_check(&s, &co, &rep, &e);
	if (rc == 0) {
		rc = pub_site_of_input(&rep, &sv, &e);
		pub_report_free(&rep);
	}
	if (rc == 0 && pub_live_fetch(&lo, head, &co, &s, &e) != 0) {
		rc = e.code == PUB_EXIT_IO ? 0 : -1;
		fetch_failed = true;
	}
	if (rc != 0) {
		rc = pub_fail(&e);
		goto out;
	}
	if (fetch_failed) {
		rc = print_site(vo, &sv, head, e.msg);
		if (!vo->json && !vo->quiet)
			pub_err_print(&e);
		if (rc == 0)
			rc = PUB_EXIT_IO;
		goto out;
	}
	if (pub_chain_check(&s, &co, &rep, &e) != 0) {
		rc = pub_fail(&e);
		goto out;
	}
	pub_site_verdict(&rep, zone, &sv);
	pub_report_free(&rep);
	rc = print_site(vo, &sv, head, NULL);
	if (rc == 0)
		rc = pub_verdict_exit(sv.verdict);
out:
	pub_rrset_free(&s);
	return rc;
}

int pub_cmd_verify(int argc, char **argv)
{
	struct vopts vo = { .warn = 7 * 86400ULL,
			    .timeout_ms = PUB_LIVE_DEFAULT_TIMEOUT_MS };
	struct pub_chain_opts co;
	struct pub_rrset s = { 0 };
	struct pub_report rep;
	struct pub_err e;
	bool fetch_failed = false, partial = false;
	int rc;

	rc = parse_opts(argc, argv, &vo);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (optind >= argc)
		return pub_usage_error("verify", "need ZONEFILE, \"-\" or NAME");
	if (vo.nanchors == 0)
		return pub_usage_error("verify", "need --anchor KEY");
	if (vo.server && argc - optind != 1)
		return pub_usage_error("verify", "--server takes one NAME, "
				       "or one site's records (a file or -)");
	if (vo.server && is_record_input(argv[optind]))
		return verify_site(&vo, argv[optind]);
	co = (struct pub_chain_opts){
		.anchors = vo.anchors, .nanchors = vo.nanchors,
		.now = pub_now(), .warn_within = vo.warn, .zone = vo.zone,
		.fetched = vo.server != NULL,
	};
	if (vo.server) {
		struct pub_live_opts lo = live_opts(&vo);
		char name[RR_MAX_NAME + 2];
		if (!pub_fmt(name, sizeof(name), "%s", argv[optind]))
			return pub_usage_error("verify", "NAME too long");
		pub_name_canon(name);
		if (pub_live_fetch(&lo, name, &co, &s, &e) != 0) {
			if (e.code != PUB_EXIT_IO) {
				pub_rrset_free(&s);
				return pub_fail(&e);
			}
			fetch_failed = true;
		}
	}
	for (int i = optind; !vo.server && i < argc; i++) {
		partial = partial || strcmp(argv[i], "-") == 0;
		if (pub_rrset_read(&s, argv[i], &e) != 0) {
			pub_rrset_free(&s);
			return pub_fail(&e);
		}
	}
	co.partial = partial;
	if (pub_chain_check(&s, &co, &rep, &e) != 0) {
		pub_rrset_free(&s);
		return pub_fail(&e);
	}
	rc = print_report(&rep, &vo, fetch_failed ? e.msg : NULL);
	if (rc == 0)
		rc = fetch_failed ? PUB_EXIT_IO
		     : rep.ninvalid || rep.nerr ? PUB_EXIT_INVALID : 0;
	if (fetch_failed && !vo.json && !vo.quiet)
		pub_err_print(&e);
	pub_report_free(&rep);
	pub_rrset_free(&s);
	return rc;
}
