/* cmd_enrol.c - "vpnrr enrol": a new site's first command.  Keys,
 * description and enrolment request in one directory, the request shown
 * as text, JSON or a QR code. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin.h"
#include "cli.h"
#include "cmd.h"
#include "jsonout.h"
#include "keyfile.h"
#include "lines.h"
#include "qr.h"
#include "request.h"
#include "rsakey.h"
#include "sitedesc.h"
#include "timefmt.h"

#define MAX_ADDRS RR_MAX_ENDPOINTS
#define SECNET_GROUP 1u

static const char help[] =
"Usage: vpnrr enrol --vpn NAME --site LOCATION/SITE -d DIR\n"
"                   (--publish DNSNAME | --hosted)\n"
"                   (--address HOST PORT ... | --mobile)\n"
"                   --networks PREFIX|any/N|any6/N[,...] [--peer ADDRESS]\n"
"                   [--contact TEXT] [--lifetime DURATION]\n"
"                   [--private-key-dir DIR] [--bits N]\n"
"                   [--vpn-zone ZONE] [--anchor KEY] [--resolver ADDR[:PORT]]\n"
"                   [--dns-server ADDR[:PORT] --dns-zone ZONE --tsig-key FILE]\n"
"                   [--json] [--qr | --no-qr] [-q] [--now TIME]\n"
"\n"
"Everything a new site does before the admin takes it, in one command.\n"
"Makes DIR (mode 0700) with:\n"
"  record.key, record.pub  the site's Ed25519 record key (0600)\n"
"  site.desc               the site description (vpnrr(1), \"SITE\n"
"                          DESCRIPTION\") from the options\n"
"  site.req                the enrolment request, signed with record.key\n"
"  privkeys/priv.0000000100  secnet's rsa1 private key, group 00000001,\n"
"                          key-set serial 00000001 (--private-key-dir:\n"
"                          elsewhere, e.g. /etc/secnet/privkeys)\n"
"  anchor.pub, enrol.conf  with --anchor, --vpn-zone, --resolver: what\n"
"                          \"vpnrr sign --publish -d DIR\" reads the\n"
"                          membership with\n"
"  publish.conf            with --dns-server, --dns-zone, --tsig-key:\n"
"                          where \"vpnrr sign --publish\" sends the record\n"
"and prints the request: the armoured text (mail or paste it to the admin,\n"
"who runs \"vpnrr accept\"), then, on a terminal, the same as a QR code.\n"
"\n"
"\"any/29\" in --networks asks the admin for a /29 from the VPN's free\n"
"IPv4 space (\"any6/64\": IPv6); the admin's accept allocates it and\n"
"\"vpnrr sign --publish\" adds it (and, with neither --peer nor fixed\n"
"networks, its first host address as the peer address) to site.desc. --hosted: the site has no\n"
"zone of its own; the admin names its record in the VPN's zone and\n"
"\"sign --publish\" adds that name as publish. Without --peer, fixed\n"
"networks give the peer address: the first network's first host.\n"
"\n"
"  --address HOST PORT  an endpoint (repeatable): IPv4, IPv6 or host name\n"
"  --mobile             no fixed address\n"
"  --lifetime D         of each signed record (30d)\n"
"  --bits N             secnet key size (2048)\n"
"  --json               print {\"dir\", \"site\", \"record_key\", \"request\",\n"
"                       \"files\"} instead of the text and QR code\n"
"  --qr / --no-qr       draw the QR code even when standard output is not\n"
"                       a terminal / never\n"
"  -q, --quiet          no summary on standard error\n";

struct eopts {
	const char *vpn, *site, *dir, *publish, *peer, *contact, *lifetime;
	const char *privdir, *vpn_zone, *anchor, *resolver;
	const char *dns_server, *dns_zone, *tsig_key;
	const char *addr[MAX_ADDRS], *port[MAX_ADDRS];
	size_t naddr;
	char *networks;
	bool hosted, mobile, json, quiet;
	int qr;   /* -1 auto, 0 no, 1 yes */
	unsigned bits;
};

/* What the options ask for, checked before anything is written. */
struct plan {
	struct pub_request q;
	char nets_line[RR_MAX_NETS * (RR_PREFIXSTRLEN + 1) + 16];
	char peer[RR_ADDRSTRLEN];
	struct rr_pubkey anchors[8];
	size_t nanchors;
};

#define BAD(...) pub_errf(e, PUB_EXIT_USAGE, NULL, 0, "enrol", __VA_ARGS__)

static int plan_networks(const struct eopts *o, struct plan *p,
			 struct pub_err *e)
{
	size_t len = 0;
	struct rr_error err;

	for (char *sv = NULL, *it = strtok_r(o->networks, ",", &sv); it;
	     it = strtok_r(NULL, ",", &sv)) {
		struct pub_request *q = &p->q;
		if (strncmp(it, "any", 3) == 0) {
			if (q->nany >= RR_MAX_NETS ||
			    pub_anynet_parse(it, &q->any[q->nany++]) != 0)
				return BAD("--networks %s: need any/LEN (IPv4) "
					   "or any6/LEN (IPv6)", it);
			continue;
		}
		if (q->nnets >= RR_MAX_NETS ||
		    rr_prefix_parse(it, &q->nets[q->nnets++], &err) != RR_OK)
			return BAD("--networks %s: %s", it,
				   q->nnets > RR_MAX_NETS ? "too many"
							  : err.msg);
		len += (size_t)snprintf(p->nets_line + len,
					sizeof(p->nets_line) - len, "%s%s",
					len ? " " : "networks ", it);
	}
	if (p->q.nnets == 0 && p->q.nany == 0)
		return BAD("--networks: none given");
	if (o->peer) {
		struct rr_addr a;
		if (rr_addr_parse(o->peer, &a, &err) != RR_OK)
			return BAD("--peer %s: %s", o->peer, err.msg);
		rr_addr_format(&a, p->peer);
	} else if (p->q.nnets) {
		/* The first host of the first network, as most sites
		 * number their router. */
		struct rr_addr a = p->q.nets[0].addr;
		size_t last = a.family == 4 ? 3 : 15;
		a.bytes[last] |= 1;
		rr_addr_format(&a, p->peer);
	}
	return 0;
}

/* The description's text; with PLACEHOLDERS, what the admin fills in
 * (allocated networks, a hosted site's name) is stood in for, so that
 * every other line can be checked now. */
static char *desc_text(const struct eopts *o, const struct plan *p,
		       const char *pubkey, bool placeholders)
{
	struct pub_out out;
	struct pub_err e;
	const struct pub_request *q = &p->q;

	if (pub_out_open(&out, &e) != 0)
		return NULL;
	fprintf(out.f, "vpn %s\nsite %s\n", o->vpn, o->site);
	if (!q->hosted)
		fprintf(out.f, "publish %s\n", o->publish);
	else if (placeholders)
		fprintf(out.f, "publish hosted.invalid\n");
	else
		fprintf(out.f, "# publish: the admin names it (hosted); "
			"\"vpnrr sign --publish\" adds it\n");
	if (o->mobile)
		fprintf(out.f, "mobile\n");
	for (size_t i = 0; i < o->naddr; i++)
		fprintf(out.f, "address %s %s\n", o->addr[i], o->port[i]);
	if (p->nets_line[0])
		fprintf(out.f, "%s\n", p->nets_line);
	for (size_t i = 0; i < q->nany; i++) {
		char a[16];
		pub_anynet_format(&q->any[i], a);
		fprintf(out.f, "# networks: %s from the admin; \"vpnrr sign "
			"--publish\" adds them\n", a);
	}
	if (placeholders && q->nany && !p->nets_line[0])
		fprintf(out.f, "networks %s\n", q->any[0].family == 4
			? "192.0.2.0/24" : "2001:db8::/32");
	if (p->peer[0])
		fprintf(out.f, "peer %s\n", p->peer);
	else if (placeholders)
		fprintf(out.f, "peer %s\n", q->any[0].family == 4
			? "192.0.2.1" : "2001:db8::1");
	if (o->contact)
		fprintf(out.f, "contact %s\n", o->contact);
	fprintf(out.f, "lifetime %s\nserial %08x\npkg %08x\n%s\n",
		o->lifetime ? o->lifetime : "30d", 1u, SECNET_GROUP, pubkey);
	if (pub_out_close(&out, &e) != 0) {
		pub_out_free(&out);
		return NULL;
	}
	return out.buf;
}

/* The description parses (with placeholders) as vpnrr sign reads it. */
static int check_desc(const struct eopts *o, const struct plan *p,
		      struct pub_err *e)
{
	/* A well-formed stand-in key: the real one is made later. */
	static const char fake_key[] = "pubkey 1024 65537 1";
	char *text = desc_text(o, p, fake_key, true);
	char name[PUB_PATHLEN];
	struct pub_lines f;
	struct pub_site s;
	int rc = -1;

	if (!text)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "enrol",
				"out of memory");
	snprintf(name, sizeof(name), "%s/site.desc", o->dir);
	if (pub_lines_parse(name, text, strlen(text), &f, e) == 0) {
		rc = pub_site_parse(&f, o->dir, &s, e);
		if (rc == 0)
			pub_site_free(&s);
		pub_lines_free(&f);
	}
	free(text);
	return rc;
}

static int plan(const struct eopts *o, struct plan *p, struct pub_err *e)
{
	struct pub_request *q = &p->q;

	memset(p, 0, sizeof(*p));
	if (!o->vpn || !o->site || !o->dir || !o->networks)
		return BAD("need --vpn, --site, --networks and -d DIR");
	if (!o->publish == !o->hosted)
		return BAD("need --publish DNSNAME or --hosted (not both)");
	if (!o->naddr == !o->mobile && !o->mobile)
		return BAD("need --address HOST PORT or --mobile");
	if (!o->dns_server != !o->dns_zone || !o->dns_zone != !o->tsig_key)
		return BAD("--dns-server, --dns-zone and --tsig-key go "
			   "together");
	if (!pub_fmt(q->vpn, sizeof(q->vpn), "%s", o->vpn) ||
	    !pub_fmt(q->site, sizeof(q->site), "%s", o->site) ||
	    (o->publish && !pub_fmt(q->publish, sizeof(q->publish), "%s",
				    o->publish)) ||
	    (o->contact && !pub_fmt(q->contact, sizeof(q->contact), "%s",
				    o->contact)))
		return BAD("--vpn, --site, --publish or --contact too long");
	q->hosted = o->hosted;
	q->made = pub_now();
	if (o->anchor && pub_anchor_load(o->anchor, p->anchors, &p->nanchors,
					 8, e) != 0)
		return -1;
	if (plan_networks(o, p, e) != 0)
		return -1;
	return check_desc(o, p, e);
}

/* ---- writing ------------------------------------------------------------ */

static int write_text(const char *dir, const char *name, const char *text,
		      mode_t mode, struct pub_err *e)
{
	char *path = pub_path_join(dir, name);
	int rc;

	if (!path)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "enrol",
				"out of memory");
	rc = pub_write_file(path, text, strlen(text), mode, true, e);
	free(path);
	return rc;
}

/* enrol.conf, anchor.pub and publish.conf, each when asked for. */
static int write_confs(const struct eopts *o, const struct plan *p,
		       struct pub_err *e)
{
	char buf[4 * PUB_PATHLEN], abs[PATH_MAX];
	size_t len = 0;

	if (p->nanchors) {
		for (size_t i = 0; i < p->nanchors; i++) {
			char k[RR_PUBKEYSTRLEN];
			rr_pubkey_format(&p->anchors[i], k);
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						"%s\n", k);
		}
		if (write_text(o->dir, "anchor.pub", buf, 0644, e) != 0)
			return -1;
	}
	if (o->vpn_zone || o->resolver) {
		snprintf(buf, sizeof(buf), "# read by vpnrr sign --publish\n"
			 "%s%s%s%s%s%s", o->vpn_zone ? "vpn-zone " : "",
			 o->vpn_zone ? o->vpn_zone : "", o->vpn_zone ? "\n" : "",
			 o->resolver ? "resolver " : "",
			 o->resolver ? o->resolver : "", o->resolver ? "\n" : "");
		if (write_text(o->dir, "enrol.conf", buf, 0644, e) != 0)
			return -1;
	}
	if (!o->dns_server)
		return 0;
	if (!realpath(o->tsig_key, abs))
		return pub_errf(e, PUB_EXIT_IO, o->tsig_key, 0, "--tsig-key",
				"%s", strerror(errno));
	if (!pub_fmt(buf, sizeof(buf), "server %s\nzone %s\ntsig-key %s\n",
		     o->dns_server, o->dns_zone, abs))
		return pub_errf(e, PUB_EXIT_USAGE, NULL, 0, "enrol",
				"--tsig-key path too long");
	return write_text(o->dir, "publish.conf", buf, 0644, e);
}

/* DIR made 0700, or an existing one that only its owner (us) can
 * write: secret keys go there, so a directory others can write, or
 * someone else's, or a symlink, is refused rather than used. */
static int private_dir(const char *dir, struct pub_err *e)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return pub_errf(e, PUB_EXIT_IO, dir, 0, "mkdir", "%s",
				strerror(errno));
	if (lstat(dir, &st) != 0)
		return pub_errf(e, PUB_EXIT_IO, dir, 0, "stat", "%s",
				strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return pub_errf(e, PUB_EXIT_IO, dir, 0, "mkdir",
				"exists and is not a directory");
	if (st.st_uid != geteuid() || (st.st_mode & 022))
		return pub_errf(e, PUB_EXIT_IO, dir, 0, "mkdir",
				"mode %04o, owner %u: secret keys go there, "
				"so it must be ours and not writable by group "
				"or others (chmod go-w)",
				(unsigned)(st.st_mode & 07777),
				(unsigned)st.st_uid);
	return 0;
}

/* Keys, description and request; *REQ receives the request's text. */
static int make(const struct eopts *o, struct plan *p, char **req,
		char *rkey, char *privpath, struct pub_err *e)
{
	char *keypath = NULL, *desc = NULL, pubkey[16384];
	struct pub_rsa1_pub rpub = { 0 };
	struct rr_seckey sk;
	bool have_sk = false;
	int rc = -1;

	if (private_dir(o->dir, e) != 0)
		return -1;
	if (!o->privdir && !pub_fmt(privpath, PUB_PATHLEN, "%s/privkeys",
				    o->dir))
		return pub_errf(e, PUB_EXIT_USAGE, o->dir, 0, "enrol",
				"path too long");
	if (o->privdir)
		snprintf(privpath, PUB_PATHLEN, "%s", o->privdir);
	if (private_dir(privpath, e) != 0)
		return -1;
	if (!pub_fmt(privpath + strlen(privpath), PUB_PATHLEN - strlen(privpath),
		     "/priv.%08x00", SECNET_GROUP))
		return pub_errf(e, PUB_EXIT_USAGE, privpath, 0, "enrol",
				"path too long");
	keypath = pub_path_join(o->dir, "record.key");
	if (!keypath)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "enrol",
				"out of memory");
	if (pub_ed25519_keygen(keypath, &sk.pub, e) != 0 ||
	    pub_seckey_load(keypath, &sk, e) != 0)
		goto out;
	have_sk = true;
	rr_pubkey_format(&sk.pub, rkey);
	{
		char line[RR_PUBKEYSTRLEN + 1];
		snprintf(line, sizeof(line), "%s\n", rkey);
		if (write_text(o->dir, "record.pub", line, 0644, e) != 0)
			goto out;
	}
	if (pub_rsa1_keygen(privpath, o->bits, o->site, &rpub, e) != 0)
		goto out;
	if (!pub_fmt(pubkey, sizeof(pubkey), "pubkey %u %s %s", rpub.bits,
		     rpub.e, rpub.n)) {
		pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "enrol", "key too long");
		goto out;
	}
	desc = desc_text(o, p, pubkey, false);
	if (!desc) {
		pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "enrol", "out of memory");
		goto out;
	}
	if (write_text(o->dir, "site.desc", desc, 0644, e) != 0 ||
	    write_confs(o, p, e) != 0 ||
	    pub_request_encode(&p->q, &sk, req, e) != 0)
		goto out;
	if (write_text(o->dir, "site.req", *req, 0644, e) != 0) {
		free(*req);
		*req = NULL;
		goto out;
	}
	rc = 0;
out:
	if (have_sk)
		rr_seckey_wipe(&sk);
	pub_rsa1_pub_free(&rpub);
	free(desc);
	free(keypath);
	return rc;
}

static int output(const struct eopts *o, const char *req, const char *rkey,
		  const char *privpath, struct pub_err *e)
{
	bool qr = o->qr == 1 || (o->qr == -1 && isatty(STDOUT_FILENO));

	if (o->json)
		return pub_json_print(json_pack(
			"{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}}",
			"dir", o->dir, "site", o->site, "record_key", rkey,
			"request", req, "files", "record_key", "record.key",
			"description", "site.desc", "request", "site.req",
			"secnet_key", privpath), e);
	if (fputs(req, stdout) < 0 || (qr && pub_qr_print(stdout, req, e)))
		return e->msg[0] ? -1 : pub_errf(e, PUB_EXIT_IO,
			"standard output", 0, "write", "failed");
	if (pub_flush_stdout(e) != 0)
		return -1;
	pub_summary("enrol", "keys, site.desc and site.req in %s; secnet's "
		    "private key in %s; send the request to the VPN admin "
		    "(vpnrr accept), then run \"vpnrr sign --publish -d %s\"",
		    o->dir, privpath, o->dir);
	return 0;
}

static int enrol(struct eopts *o, struct pub_err *e)
{
	char rkey[RR_PUBKEYSTRLEN], privpath[PUB_PATHLEN];
	char *req = NULL;
	struct plan p;
	int rc;

	e->msg[0] = '\0';
	if (plan(o, &p, e) != 0 || make(o, &p, &req, rkey, privpath, e) != 0)
		return -1;
	rc = output(o, req, rkey, privpath, e);
	free(req);
	return rc;
}

static int parse_address(struct eopts *o, int argc, char **argv)
{
	if (o->naddr >= MAX_ADDRS)
		return pub_usage_error("enrol", "more than %d --address",
				       MAX_ADDRS);
	if (optind >= argc || argv[optind][0] == '-')
		return pub_usage_error("enrol", "--address %s: need HOST PORT",
				       optarg);
	o->addr[o->naddr] = optarg;
	o->port[o->naddr++] = argv[optind++];
	return 0;
}

int pub_cmd_enrol(int argc, char **argv)
{
	enum { O_VPN = PUB_OPT_FIRST_FREE, O_SITE, O_PUBLISH, O_HOSTED,
	       O_ADDRESS, O_MOBILE, O_NETWORKS, O_PEER, O_CONTACT,
	       O_LIFETIME, O_PRIVDIR, O_BITS, O_VPNZONE, O_ANCHOR,
	       O_RESOLVER, O_DNSSERVER, O_DNSZONE, O_TSIG, O_QR, O_NOQR };
	static const struct option opts[] = {
		{ "vpn", required_argument, NULL, O_VPN },
		{ "site", required_argument, NULL, O_SITE },
		{ "publish", required_argument, NULL, O_PUBLISH },
		{ "hosted", no_argument, NULL, O_HOSTED },
		{ "address", required_argument, NULL, O_ADDRESS },
		{ "mobile", no_argument, NULL, O_MOBILE },
		{ "networks", required_argument, NULL, O_NETWORKS },
		{ "peer", required_argument, NULL, O_PEER },
		{ "contact", required_argument, NULL, O_CONTACT },
		{ "lifetime", required_argument, NULL, O_LIFETIME },
		{ "private-key-dir", required_argument, NULL, O_PRIVDIR },
		{ "bits", required_argument, NULL, O_BITS },
		{ "vpn-zone", required_argument, NULL, O_VPNZONE },
		{ "anchor", required_argument, NULL, O_ANCHOR },
		{ "resolver", required_argument, NULL, O_RESOLVER },
		{ "dns-server", required_argument, NULL, O_DNSSERVER },
		{ "dns-zone", required_argument, NULL, O_DNSZONE },
		{ "tsig-key", required_argument, NULL, O_TSIG },
		{ "qr", no_argument, NULL, O_QR },
		{ "no-qr", no_argument, NULL, O_NOQR },
		{ "dir", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, PUB_OPT_JSON },
		{ "now", required_argument, NULL, PUB_OPT_NOW },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, PUB_OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct eopts o = { .qr = -1, .bits = PUB_RSA1_DEFAULT_BITS };
	struct pub_err e;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "d:q", opts, NULL)) != -1) {
		switch (c) {
		case O_VPN: o.vpn = optarg; break;
		case O_SITE: o.site = optarg; break;
		case O_PUBLISH: o.publish = optarg; break;
		case O_HOSTED: o.hosted = true; break;
		case O_ADDRESS:
			if (parse_address(&o, argc, argv) != 0)
				return PUB_EXIT_USAGE;
			break;
		case O_MOBILE: o.mobile = true; break;
		case O_NETWORKS: o.networks = optarg; break;
		case O_PEER: o.peer = optarg; break;
		case O_CONTACT: o.contact = optarg; break;
		case O_LIFETIME: o.lifetime = optarg; break;
		case O_PRIVDIR: o.privdir = optarg; break;
		case O_BITS:
			o.bits = (unsigned)strtoul(optarg, &end, 10);
			if (*end || o.bits < PUB_RSA1_MIN_BITS ||
			    o.bits > PUB_RSA1_MAX_BITS || o.bits % 2)
				return pub_usage_error("enrol", "--bits %s: need "
						       "an even number, %d to %d",
						       optarg, PUB_RSA1_MIN_BITS,
						       PUB_RSA1_MAX_BITS);
			break;
		case O_VPNZONE: o.vpn_zone = optarg; break;
		case O_ANCHOR: o.anchor = optarg; break;
		case O_RESOLVER: o.resolver = optarg; break;
		case O_DNSSERVER: o.dns_server = optarg; break;
		case O_DNSZONE: o.dns_zone = optarg; break;
		case O_TSIG: o.tsig_key = optarg; break;
		case O_QR: o.qr = 1; break;
		case O_NOQR: o.qr = 0; break;
		case 'd': o.dir = optarg; break;
		case PUB_OPT_JSON:
			o.json = true;
			pub_cli_json_errors();
			break;
		case PUB_OPT_NOW:
			if (pub_cli_now(optarg))
				return PUB_EXIT_USAGE;
			break;
		case 'q': pub_cli_quiet(); break;
		case PUB_OPT_HELP: return pub_help(help);
		default: return pub_usage_error("enrol", "bad option");
		}
	}
	if (optind != argc)
		return pub_usage_error("enrol", "unexpected argument %s",
				       argv[optind]);
	return enrol(&o, &e) ? pub_fail(&e) : 0;
}
