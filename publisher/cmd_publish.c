/* cmd_publish.c - "vpnrr publish": a site's records, or the admin's
 * zone, sent to the zone's primary by dynamic update (RFC 2136, TSIG),
 * then read back and compared. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "chain.h"
#include "cli.h"
#include "cmd.h"
#include "dynupdate.h"
#include "keyfile.h"
#include "pubconf.h"
#include "recfile.h"
#include "timefmt.h"
#include "zonefile.h"
#include "zonefmt.h"

#define MAX_SIGNERS 8
#define CHECK_TRIES 5

static const char help[] =
"Usage: vpnrr publish [CONNECTION] --signer KEY [--ttl S] [--type T]\n"
"                     [--dry-run] [-q] RECORDFILE\n"
"       vpnrr publish [CONNECTION] [--keep-old-pages|--prune]\n"
"                     [--step-wait DURATION] [--dry-run] [-q] --index ADMINDIR\n"
"CONNECTION: [--config FILE] [--server ADDR[:PORT]] [--zone ZONE]\n"
"            [--key TSIGKEYFILE] [--timeout DURATION]\n"
"\n"
"Sends records to the zone's primary DNS server by dynamic update (RFC\n"
"2136) signed with a TSIG key (RFC 8945), over TCP, then queries the\n"
"server and succeeds only when it serves exactly what was sent.\n"
"\n"
"A site owner publishes the record file \"vpnrr sign\" wrote: its records\n"
"are checked first (every field, the validity period, and the signature\n"
"against --signer KEY: the site's record key file or its public half,\n"
"ed25519:BASE64), then one UPDATE message replaces the TXT and TYPE65380\n"
"RRsets at the record's owner name with the new records (types and TTL\n"
"as \"vpnrr zone\": --type txt|bin|both, default both; --ttl, default\n"
"300). The server applies the message all or nothing.\n"
"\n"
"The admin publishes the zone \"vpnrr index\" wrote (--index ADMINDIR:\n"
"its vpnrr.conf names the zone file and the anchor key). The whole chain\n"
"is checked first, as \"vpnrr verify\" checks it, against the anchor. The\n"
"zone is read from the server by a zone transfer signed with the same key\n"
"and only what differs is sent, in this order, so that a node never sees\n"
"a head whose pages are missing:\n"
"  1 pages    new pages (names derived from their content, so a new page\n"
"             never replaces one an old head names)\n"
"  2 head     the head, in one message\n"
"  3 records  changed member and hosted site records; withdrawn members\n"
"             removed\n"
"  4 cleanup  pages neither the new head nor the head it replaced names\n"
"             (--prune: also those of the replaced head; --keep-old-pages:\n"
"             none)\n"
"Large steps are split into several messages. The pages of the replaced\n"
"head stay until the next publish, for nodes that still hold it. When a\n"
"step fails, what is already there is consistent (the message says what\n"
"the server serves); running the command again finishes the work.\n"
"\n"
"Nothing is sent when the records do not verify, and nothing when the\n"
"server already serves them (\"unchanged\").\n"
"\n"
"  -c, --config FILE    publish.conf (default for --index: ADMINDIR/\n"
"                       publish.conf when it exists); lines:\n"
"                         server ADDR[:PORT]   zone NAME\n"
"                         tsig-key FILE        timeout DURATION\n"
"  -s, --server ADDR    the primary: IPv4/IPv6 literal, ADDR:PORT,\n"
"                       [V6ADDR]:PORT (port 53)\n"
"  -z, --zone ZONE      the zone to update (--index: the admin's zone)\n"
"  -k, --key FILE       the TSIG key: key \"NAME\" { algorithm ALG;\n"
"                       secret \"BASE64\"; }; (as tsig-keygen writes it)\n"
"                       or one line [ALG:]NAME:BASE64; mode 0600\n"
"      --timeout DURATION  per exchange with the server (10s)\n"
"      --signer KEY     site record: the key that must have signed it\n"
"      --step-wait DURATION  --index: pause between steps, so that the\n"
"                       zone's secondaries have the pages before the head\n"
"                       names them (0s)\n"
"      --dry-run        check and print what would be sent; send nothing\n"
"  -q, --quiet          no report on standard output\n"
"      --now TIME       pretend the time is TIME (tests)\n"
"      --help           this text\n"
"\n"
"Exit status: 0 published (or unchanged), 1 records do not verify or bad\n"
"key file, 2 usage, 3 the server refused, failed or serves something\n"
"else afterwards.\n";

struct popts {
	struct pub_pubconf conf;
	const char *config, *index, *signer;
	enum pub_ztype type;
	uint32_t ttl;
	bool dry_run, quiet, prune, keep_old;
	uint64_t step_wait_ms;   /* between the admin's steps */
};

/* ---- RRsets ------------------------------------------------------------- */

struct set {
	char *owner;         /* lower case, absolute */
	uint16_t type;
	ldns_rr_list *rrs;   /* not owned */
};

struct sets {
	struct set *v;
	size_t n;
};

struct ent {
	char *owner;
	uint16_t type;
	ldns_rr *rr;
};

static char *owner_str(const ldns_rr *rr)
{
	char *s = ldns_rdf2str(ldns_rr_owner(rr));

	for (char *p = s; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c = strcmp(x->owner, y->owner);

	return c ? c : (int)x->type - (int)y->type;
}

static int set_cmp(const void *a, const void *b)
{
	const struct set *x = a, *y = b;
	int c = strcmp(x->owner, y->owner);

	return c ? c : (int)x->type - (int)y->type;
}

static void sets_free(struct sets *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].owner);
		ldns_rr_list_free(s->v[i].rrs);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

typedef bool (*keep_fn)(const char *owner, uint16_t type, const void *arg);

/* Groups the RRs of L that KEEP accepts into RRsets, sorted. */
static int sets_build(const ldns_rr_list *l, keep_fn keep, const void *arg,
		      struct sets *out, struct pub_err *e)
{
	size_t n = ldns_rr_list_rr_count(l), m = 0;
	struct ent *v = calloc(n ? n : 1, sizeof(*v));
	int rc = -1;

	out->v = calloc(n ? n : 1, sizeof(*out->v));
	out->n = 0;
	if (!v || !out->v)
		goto out;
	for (size_t i = 0; i < n; i++) {
		ldns_rr *rr = ldns_rr_list_rr(l, i);
		char *o = owner_str(rr);
		if (!o)
			goto out;
		if (!keep(o, (uint16_t)ldns_rr_get_type(rr), arg)) {
			free(o);
			continue;
		}
		v[m++] = (struct ent){ o, (uint16_t)ldns_rr_get_type(rr), rr };
	}
	qsort(v, m, sizeof(*v), ent_cmp);
	for (size_t i = 0; i < m; i++) {
		if (out->n == 0 || ent_cmp(&v[i], &(struct ent){
			    out->v[out->n - 1].owner,
			    out->v[out->n - 1].type, NULL }) != 0) {
			out->v[out->n] = (struct set){ v[i].owner, v[i].type,
						       ldns_rr_list_new() };
			v[i].owner = NULL;
			if (!out->v[out->n++].rrs)
				goto out;
		}
		if (!ldns_rr_list_push_rr(out->v[out->n - 1].rrs, v[i].rr))
			goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; v && i < m; i++)
		free(v[i].owner);
	free(v);
	if (rc != 0) {
		sets_free(out);
		pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "publish",
			 "out of memory");
	}
	return rc;
}

static const struct set *sets_find(const struct sets *s, const char *owner,
				   uint16_t type)
{
	struct set key = { (char *)owner, type, NULL };

	return s->n ? bsearch(&key, s->v, s->n, sizeof(*s->v), set_cmp)
		    : NULL;
}

/* Same RRs, data and TTL alike (RDATA compared byte for byte). */
static bool set_equal(const struct set *a, const struct set *b)
{
	size_t n = ldns_rr_list_rr_count(a->rrs);

	if (!b || n != ldns_rr_list_rr_count(b->rrs))
		return false;
	ldns_rr_list_sort(a->rrs);
	ldns_rr_list_sort(b->rrs);
	for (size_t i = 0; i < n; i++) {
		const ldns_rr *x = ldns_rr_list_rr(a->rrs, i);
		const ldns_rr *y = ldns_rr_list_rr(b->rrs, i);
		if (ldns_rr_compare(x, y) != 0 ||
		    ldns_rr_ttl(x) != ldns_rr_ttl(y))
			return false;
	}
	return true;
}

static bool vpnrr_type(uint16_t t)
{
	return t == LDNS_RR_TYPE_TXT || t == RR_TYPE_VPNRR;
}

/* Zone-file text (absolute owners; records may span lines in
 * parentheses) -> RRs. */
static int text_rrs(const char *text, size_t len, const char *src,
		    ldns_rr_list *out, struct pub_err *e)
{
	FILE *f = fmemopen((void *)text, len, "r");
	uint32_t ttl = 0;
	int line = 1, rc = 0;

	if (!f)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, src,
				"out of memory");
	while (rc == 0 && !feof(f)) {
		ldns_rr *rr = NULL;
		ldns_status st = ldns_rr_new_frm_fp_l(&rr, f, &ttl, NULL, NULL,
						      &line);
		if (st == LDNS_STATUS_SYNTAX_EMPTY)
			continue;
		if (st != LDNS_STATUS_OK || !ldns_rr_list_push_rr(out, rr)) {
			ldns_rr_free(rr);
			rc = pub_errf(e, PUB_EXIT_INTERNAL, src, (unsigned)line,
				      "zone", "cannot read back: %s",
				      ldns_get_errorstr_by_id(st));
		}
	}
	fclose(f);
	return rc;
}

/* ---- what the records are ------------------------------------------------ */

static bool in_zone(const char *owner, const char *zone)
{
	size_t lo = strlen(owner), lz = strlen(zone);

	return lo == lz ? strcmp(owner, zone) == 0
	       : lo > lz && owner[lo - lz - 1] == '.' &&
		 strcmp(owner + lo - lz, zone) == 0;
}

/* Names of the admin's zone: head, pages, member records. */
struct names {
	char head[RR_MAX_NAME + 2];
	char pages[RR_MAX_NAME + 2];    /* p._vpnrr.ZONE. */
	char members[RR_MAX_NAME + 2];  /* m._vpnrr.ZONE. */
	const struct sets *want;        /* the new records */
};

static bool is_page(const struct names *nm, const char *owner)
{
	return in_zone(owner, nm->pages) && strcmp(owner, nm->pages) != 0;
}

/* The admin's RRs: TXT and TYPE65380 at the head, below p._vpnrr and
 * m._vpnrr, and at the names of the new records (hosted sites). */
static bool keep_admin(const char *owner, uint16_t type, const void *arg)
{
	const struct names *nm = arg;

	if (!vpnrr_type(type))
		return false;
	if (strcmp(owner, nm->head) == 0 || in_zone(owner, nm->pages) ||
	    in_zone(owner, nm->members))
		return true;
	return nm->want && (sets_find(nm->want, owner, LDNS_RR_TYPE_TXT) ||
			    sets_find(nm->want, owner, RR_TYPE_VPNRR));
}

static bool keep_all_vpnrr(const char *owner, uint16_t type, const void *arg)
{
	(void)owner;
	(void)arg;
	return vpnrr_type(type);
}

/* ---- messages ------------------------------------------------------------ */

enum step { STEP_PAGES, STEP_HEAD, STEP_RECORDS, STEP_CLEANUP, NSTEPS };
static const char *const step_names[NSTEPS] = {
	"pages", "head", "records", "cleanup",
};

struct msg {
	enum step step;
	ldns_rr_list *del, *add;  /* not owned: RRs of the sets */
	size_t size;
};

struct plan {
	struct msg *v;
	size_t n, cap;
	size_t nsets[NSTEPS], ndel[NSTEPS];
};

static void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		ldns_rr_list_free(p->v[i].del);
		ldns_rr_list_free(p->v[i].add);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* The message of STEP that SIZE more bytes fit in (a new one if need
 * be: each RRset goes whole into one message). */
static struct msg *plan_msg(struct plan *p, enum step step, size_t size)
{
	struct msg *m = p->n ? &p->v[p->n - 1] : NULL;

	if (m && m->step == step && m->size + size <= PUB_DYN_MSG_BUDGET)
		return m;
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 16;
		struct msg *v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		p->v = v;
		p->cap = cap;
	}
	m = &p->v[p->n];
	*m = (struct msg){ step, ldns_rr_list_new(), ldns_rr_list_new(), 0 };
	if (!m->del || !m->add) {
		ldns_rr_list_free(m->del);
		ldns_rr_list_free(m->add);
		return NULL;
	}
	p->n++;
	return m;
}

/* Replace (WANT) or delete (WANT NULL) the RRset at HAVE's or WANT's
 * name and type. */
static int plan_set(struct plan *p, enum step step, const struct set *want,
		    const struct set *have, struct pub_err *e)
{
	const struct set *s = want ? want : have;
	size_t size = pub_dyn_rr_size(ldns_rr_list_rr(s->rrs, 0));
	struct msg *m;

	for (size_t i = 0; want && i < ldns_rr_list_rr_count(want->rrs); i++)
		size += pub_dyn_rr_size(ldns_rr_list_rr(want->rrs, i));
	if (size > PUB_DYN_MSG_BUDGET)
		return pub_errf(e, PUB_EXIT_INVALID, NULL, 0, s->owner,
				"RRset of %zu bytes does not fit one UPDATE "
				"message", size);
	m = plan_msg(p, step, size);
	if (!m || !ldns_rr_list_push_rr(m->del, ldns_rr_list_rr(s->rrs, 0)))
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "publish",
				"out of memory");
	for (size_t i = 0; want && i < ldns_rr_list_rr_count(want->rrs); i++)
		if (!ldns_rr_list_push_rr(m->add,
					  ldns_rr_list_rr(want->rrs, i)))
			return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0,
					"publish", "out of memory");
	m->size += size;
	p->nsets[step]++;
	if (!want)
		p->ndel[step]++;
	return 0;
}

static void print_plan(const struct plan *p, const struct popts *o,
		       const char *verb)
{
	if (o->quiet)
		return;
	if (!o->index) {
		printf("records: %zu RRsets %s (%zu removed) in one message\n",
		       p->nsets[STEP_RECORDS], verb, p->ndel[STEP_RECORDS]);
		return;
	}
	for (int s = 0; s < NSTEPS; s++) {
		size_t nmsg = 0;
		for (size_t i = 0; i < p->n; i++)
			nmsg += p->v[i].step == (enum step)s;
		if (nmsg)
			printf("step %d (%s): %zu RRsets %s (%zu removed) in "
			       "%zu message%s\n", s + 1, step_names[s],
			       p->nsets[s], verb, p->ndel[s], nmsg,
			       nmsg == 1 ? "" : "s");
	}
}

/* What the zone holds after a failure in STEP, for the message. */
static const char *const after_failure[NSTEPS] = {
	"nothing nodes use has changed: the server still serves the old head "
	"and all of its pages; new pages sent so far are unused",
	"the server still serves the old head, and all of its pages are still "
	"there; the new pages are in the zone, unused",
	"the server serves the new head with all of its pages; some member or "
	"hosted site records are not updated yet",
	"the server serves the new head with all of its pages; some pages no "
	"head names are still in the zone",
};

/* STAGED: the admin's steps; else one message, all or nothing. */
static void sleep_ms(uint64_t ms);

static int plan_send(struct pub_dyn *d, const struct plan *p, bool staged,
		     uint64_t step_wait_ms, struct pub_err *e)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct msg *m = &p->v[i];
		/* Secondaries and caches get time to take one step before
		 * the next relies on it. */
		if (i && m->step != p->v[i - 1].step && step_wait_ms)
			sleep_ms(step_wait_ms);
		if (pub_dyn_update(d, m->del, m->add, step_names[m->step],
				   e) != 0) {
			size_t len = strlen(e->msg);
			if (!staged) {
				snprintf(e->msg + len, sizeof(e->msg) - len,
					 " (nothing changed: the server applies "
					 "the message all or nothing)");
				return -1;
			}
			snprintf(e->msg + len, sizeof(e->msg) - len,
				 " (step %d of 4; %zu of %zu messages taken: "
				 "%s; run again to finish)", (int)m->step + 1,
				 i, p->n, after_failure[m->step]);
			return -1;
		}
	}
	return 0;
}

/* ---- checks before anything is sent -------------------------------------- */

static int load_signers(const char *arg, struct rr_pubkey *keys, size_t *n,
			struct pub_err *e)
{
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	bool secret;

	*n = 0;
	if (stat(arg, &st) != 0 || !S_ISREG(st.st_mode))
		return pub_anchor_load(arg, keys, n, MAX_SIGNERS, e);
	if (pub_read_file(arg, 65536, &text, &len, e) != 0)
		return -1;
	secret = strstr(text, "-secret:") != NULL;
	pub_free_wipe(text, len);
	if (secret) {
		struct rr_seckey sk;
		if (pub_seckey_load(arg, &sk, e) != 0)
			return -1;
		keys[0] = sk.pub;
		*n = 1;
		rr_seckey_wipe(&sk);
		return 0;
	}
	return pub_anchor_load(arg, keys, n, MAX_SIGNERS, e);
}

/* Every record of RS verifies under KEYS and lies in ZONE. */
static int check_site_records(const struct pub_recs *rs, const char *path,
			      const struct rr_pubkey *keys, size_t nkeys,
			      const char *zone, struct pub_err *e)
{
	for (size_t i = 0; i < rs->n; i++) {
		const struct pub_rec *r = &rs->v[i];
		struct rr_expect ex = { .owner = r->owner, .kind = r->r.kind,
					.now = pub_now() };
		char owner[RR_MAX_NAME + 2];
		struct rr_error err;

		if (rr_verify(&r->r, &ex, keys, nkeys, &err) != RR_OK)
			return pub_errf(e, PUB_EXIT_INVALID, path, r->line,
					"record", "%s: does not verify: %s; "
					"nothing sent", r->owner, err.msg);
		pub_fmt(owner, sizeof(owner), "%s.", r->owner);
		pub_name_canon(owner);
		if (!pub_fmt(owner + strlen(owner), 2, ".") ||
		    !in_zone(owner, zone))
			return pub_errf(e, PUB_EXIT_INVALID, path, r->line,
					"record", "%s is not in zone %s; "
					"nothing sent", r->owner, zone);
	}
	return rs->n ? 0 : pub_errf(e, PUB_EXIT_INVALID, path, 0, "record",
				    "no records in the file");
}

/* After a rollover two statements are no longer signed by the current
 * anchor (anchor-key): the announcement of the current key, signed by
 * its predecessor, and the predecessor's own retirement, signed by
 * itself.  Both stay published for the nodes that still trust the old
 * key, which verify them.  Each is sent only if that is all that is
 * wrong with it: the announcement names the current key, and the
 * retirement verifies under the key it retires. */
static bool predecessor_stmt(const struct pub_vrec *v,
			     const struct rr_pubkey *cur, uint64_t now)
{
	struct rr_expect ex = { .owner = v->rr->owner, .kind = RR_KIND_ANCHOR,
				.now = now };
	struct rr_error err;

	if (!v->parsed || v->r.kind != RR_KIND_ANCHOR)
		return false;
	for (size_t i = 0; i < v->nerr; i++)
		if (strncmp(v->err[i], "untrusted-key:", 14) != 0)
			return false;
	if (v->r.anchor_add)
		return v->r.anchor_key.alg == cur->alg &&
		       memcmp(v->r.anchor_key.key, cur->key,
			      sizeof(cur->key)) == 0;
	return v->r.anchor_retire &&
	       rr_verify(&v->r, &ex, &v->r.anchor_key, 1, &err) == RR_OK;
}

/* The chain of the admin's zone file, as "vpnrr verify" checks it. */
static int check_index(const struct pub_admin *a, struct pub_err *e)
{
	size_t kept = 0;
	struct pub_chain_opts co = { .nanchors = 1, .now = pub_now(),
				     .zone = a->zone };
	struct pub_rrset s = { 0 };
	struct pub_report rep;
	struct rr_seckey sk;
	int rc = -1;

	if (pub_seckey_load(a->anchor_key, &sk, e) != 0)
		return -1;
	co.anchors = &sk.pub;
	if (pub_rrset_read(&s, a->output, e) != 0)
		goto out;
	if (pub_chain_check(&s, &co, &rep, e) != 0)
		goto out;
	for (size_t i = 0; i < rep.n; i++) {
		const struct pub_vrec *v = &rep.v[i];

		if (v->status != PUB_V_INVALID || !v->nerr)
			continue;
		/* After a rollover the announcement of the current key is
		 * signed by its predecessor, which the admin no longer holds
		 * as anchor-key: it stays published for nodes that still
		 * trust the old key (they verify it themselves). */
		if (predecessor_stmt(v, &sk.pub, co.now)) {
			pub_warn("%s: %s: anchor statement signed by a "
				 "predecessor of the current anchor; kept "
				 "for the nodes that still trust it",
				 a->output, v->rr->owner);
			kept++;
			continue;
		}
		pub_warn("%s: %s: %s", a->output, v->rr->owner, v->err[0]);
	}
	for (size_t i = 0; i < rep.nerr; i++)
		pub_warn("%s: %s", a->output, rep.err[i]);
	if (rep.ninvalid > kept || rep.nerr || rep.nvalid == 0)
		pub_errf(e, PUB_EXIT_INVALID, a->output, 0, "verify",
			 "%zu valid, %zu invalid records, %zu chain errors: "
			 "nothing sent (run \"vpnrr index\" and \"vpnrr "
			 "verify\")", rep.nvalid, rep.ninvalid, rep.nerr);
	else
		rc = 0;
	pub_report_free(&rep);
out:
	pub_rrset_free(&s);
	rr_seckey_wipe(&sk);
	return rc;
}

/* ---- reading back --------------------------------------------------------- */

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000),
			       (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The site's RRsets at the owners of WANT, as the server answers. */
static int site_fetch(struct pub_dyn *d, const struct sets *want,
		      ldns_rr_list *out, struct pub_err *e)
{
	static const ldns_rr_type types[] = { LDNS_RR_TYPE_TXT,
					      (ldns_rr_type)RR_TYPE_VPNRR };

	for (size_t i = 0; i < want->n; i++) {
		ldns_rdf *name;
		if (i && strcmp(want->v[i].owner, want->v[i - 1].owner) == 0)
			continue;
		name = ldns_dname_new_frm_str(want->v[i].owner);
		if (!name)
			return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0,
					"publish", "out of memory");
		for (size_t t = 0; t < 2; t++) {
			ldns_rr_list *l = NULL;
			int rc = pub_dyn_query(d, name, types[t], &l, e);
			if (rc == 0 && !ldns_rr_list_cat(out, l))
				rc = pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0,
					      "publish", "out of memory");
			ldns_rr_list_free(l);
			if (rc != 0) {
				ldns_rdf_deep_free(name);
				return -1;
			}
		}
		ldns_rdf_deep_free(name);
	}
	return 0;
}

/* True when HAVE holds exactly the RRsets of WANT plus those of EXTRA. */
static bool sets_match(const struct sets *want, const struct sets *extra,
		       const struct sets *have, char *why, size_t size)
{
	for (size_t i = 0; i < want->n; i++)
		if (!set_equal(&want->v[i], sets_find(have, want->v[i].owner,
						       want->v[i].type))) {
			pub_fmt(why, size, "%s %s is not what was sent",
				want->v[i].owner, want->v[i].type == 16
				? "TXT" : "TYPE65380");
			return false;
		}
	for (size_t i = 0; i < have->n; i++)
		if (!sets_find(want, have->v[i].owner, have->v[i].type) &&
		    !(extra && sets_find(extra, have->v[i].owner,
					 have->v[i].type))) {
			pub_fmt(why, size, "%s %s is still there",
				have->v[i].owner, have->v[i].type == 16
				? "TXT" : "TYPE65380");
			return false;
		}
	return true;
}

/* ---- a site --------------------------------------------------------------- */

static int site_want(const struct popts *o, const char *path,
		     ldns_rr_list *want, struct pub_err *e)
{
	struct rr_pubkey keys[MAX_SIGNERS];
	struct pub_recs rs;
	struct pub_out out;
	size_t nkeys = 0;
	int rc = -1;

	if (load_signers(o->signer, keys, &nkeys, e) != 0)
		return -1;
	if (pub_recs_read(path, &rs, e) != 0)
		return -1;
	if (check_site_records(&rs, path, keys, nkeys, o->conf.zone, e) != 0 ||
	    pub_out_open(&out, e) != 0)
		goto out;
	rc = 0;
	for (size_t i = 0; i < rs.n && rc == 0; i++)
		rc = pub_zone_record(out.f, rs.v[i].owner, o->ttl,
				     &rs.v[i].r, o->type, e);
	if (rc == 0)
		rc = pub_out_close(&out, e);
	if (rc == 0)
		rc = text_rrs(out.buf, out.len, path, want, e);
	pub_out_free(&out);
out:
	pub_recs_free(&rs);
	return rc;
}

static int fetch_sets(struct pub_dyn *d, const struct sets *want,
		      ldns_rr_list **l, struct sets *have, struct pub_err *e)
{
	*l = ldns_rr_list_new();
	if (!*l)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "publish",
				"out of memory");
	if (site_fetch(d, want, *l, e) != 0)
		return -1;
	return sets_build(*l, keep_all_vpnrr, NULL, have, e);
}

static int publish_site(const struct popts *o, struct pub_dyn *d,
			const char *path)
{
	ldns_rr_list *want_l = ldns_rr_list_new(), *have_l = NULL;
	struct sets want = { 0 }, have = { 0 };
	struct plan p = { 0 };
	uint32_t before = 0, after = 0;
	struct pub_err e;
	char why[2 * RR_MAX_NAME];
	int rc = -1, tries;

	if (!want_l) {
		pub_errf(&e, PUB_EXIT_INTERNAL, NULL, 0, "publish",
			 "out of memory");
		goto out;
	}
	if (site_want(o, path, want_l, &e) != 0 ||
	    sets_build(want_l, keep_all_vpnrr, NULL, &want, &e) != 0 ||
	    pub_dyn_serial(d, &before, &e) != 0 ||
	    fetch_sets(d, &want, &have_l, &have, &e) != 0)
		goto out;
	if (sets_match(&want, NULL, &have, why, sizeof(why))) {
		if (!o->quiet)
			printf("unchanged: %s serves these records (serial "
			       "%u); nothing sent\n", d->server,
			       (unsigned)before);
		rc = 0;
		goto out;
	}
	/* One message: every TXT and TYPE65380 RRset at each owner goes,
	 * the new records come in. */
	for (size_t i = 0; i < want.n; i++) {
		if (i && strcmp(want.v[i].owner, want.v[i - 1].owner) == 0)
			continue;
		for (size_t t = 0; t < 2; t++) {
			struct set s = want.v[i];
			uint16_t type = t ? RR_TYPE_VPNRR : LDNS_RR_TYPE_TXT;
			const struct set *w = sets_find(&want, s.owner, type);
			const struct set *h = sets_find(&have, s.owner, type);
			if ((w || h) && plan_set(&p, STEP_RECORDS, w, h,
						 &e) != 0)
				goto out;
		}
	}
	if (p.n != 1) {
		pub_errf(&e, PUB_EXIT_INVALID, path, 0, "publish",
			 "the records do not fit one UPDATE message");
		goto out;
	}
	if (o->dry_run) {
		print_plan(&p, o, "to send");
		rc = 0;
		goto out;
	}
	if (plan_send(d, &p, false, 0, &e) != 0)
		goto out;
	for (tries = 0; tries < CHECK_TRIES; tries++) {
		sets_free(&have);
		ldns_rr_list_deep_free(have_l);
		have_l = NULL;
		if (tries)
			sleep_ms(200);
		if (pub_dyn_serial(d, &after, &e) != 0 ||
		    fetch_sets(d, &want, &have_l, &have, &e) != 0)
			goto out;
		if (sets_match(&want, NULL, &have, why, sizeof(why)))
			break;
	}
	if (tries == CHECK_TRIES) {
		pub_errf(&e, PUB_EXIT_IO, NULL, 0, d->server, "after the "
			 "update: %s (serial %u)", why, (unsigned)after);
		goto out;
	}
	print_plan(&p, o, "replaced");
	if (!o->quiet)
		printf("published: zone %s on %s, serial %u -> %u, checked\n",
		       d->zone, d->server, (unsigned)before, (unsigned)after);
	rc = 0;
out:
	plan_free(&p);
	sets_free(&want);
	sets_free(&have);
	ldns_rr_list_deep_free(want_l);
	ldns_rr_list_deep_free(have_l);
	return rc == 0 ? (fflush(stdout) ? PUB_EXIT_IO : 0) : pub_fail(&e);
}

/* ---- the admin's zone ----------------------------------------------------- */

/* The page names the head RRsets at NM->head in HAVE list, into KEEP (an
 * RRset per name and type; data unused). */
static int head_pages(const struct sets *have, const struct names *nm,
		      const char *zone, struct sets *keep_out,
		      ldns_rr_list *names_l, struct pub_err *e)
{
	const struct set *h = sets_find(have, nm->head, RR_TYPE_VPNRR);
	struct rr_record r;
	struct rr_error err;
	ldns_buffer *b;
	enum rr_errclass ec;
	int rc = 0;

	if (!h)
		h = sets_find(have, nm->head, LDNS_RR_TYPE_TXT);
	if (!h || ldns_rr_list_rr_count(h->rrs) != 1)
		return sets_build(names_l, keep_all_vpnrr, NULL, keep_out, e);
	b = ldns_buffer_new(65536);
	if (!b || ldns_rr_rdata2buffer_wire(b, ldns_rr_list_rr(h->rrs, 0))
		  != LDNS_STATUS_OK) {
		ldns_buffer_free(b);
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "publish",
				"out of memory");
	}
	ec = h->type == RR_TYPE_VPNRR
	     ? rr_parse_bin(ldns_buffer_begin(b), ldns_buffer_position(b),
			    &r, &err)
	     : rr_parse_txt_rdata(ldns_buffer_begin(b),
				  ldns_buffer_position(b), &r, &err);
	ldns_buffer_free(b);
	/* A head that does not parse names nothing worth keeping. */
	for (size_t i = 0; ec == RR_OK && i < r.npages && rc == 0; i++) {
		char name[RR_MAX_NAME + 1], line[RR_MAX_NAME + 32];
		ldns_rr *rr = NULL;
		if (rr_name_page(zone, r.pages[i], name, &err) != RR_OK)
			continue;
		for (int t = 0; t < 2 && rc == 0; t++) {
			pub_fmt(line, sizeof(line), "%s. 0 IN %s", name,
				t ? "TYPE65380 \\# 0" : "TXT \"\"");
			if (ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL) !=
			    LDNS_STATUS_OK || !ldns_rr_list_push_rr(names_l, rr)) {
				ldns_rr_free(rr);
				rc = pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0,
					      "publish", "out of memory");
			}
		}
	}
	if (ec == RR_OK)
		rr_record_free(&r);
	return rc ? -1 : sets_build(names_l, keep_all_vpnrr, NULL, keep_out, e);
}

static int index_want(const struct pub_admin *a, ldns_rr_list *want,
		      struct pub_err *e)
{
	struct pub_out out;
	size_t count = 0;
	int rc;

	if (pub_out_open(&out, e) != 0)
		return -1;
	rc = pub_zonefile_vpnrr(a->output, out.f, &count, e);
	if (rc == 0)
		rc = pub_out_close(&out, e);
	if (rc == 0)
		rc = text_rrs(out.buf, out.len, a->output, want, e);
	pub_out_free(&out);
	return rc;
}

/* The messages that turn HAVE into WANT (4 steps; see the help). */
static int index_plan(const struct popts *o, const struct names *nm,
		      const struct sets *want, const struct sets *have,
		      const struct sets *oldpages, struct plan *p,
		      struct pub_err *e)
{
	for (size_t i = 0; i < want->n; i++) {
		const struct set *w = &want->v[i];
		const struct set *h = sets_find(have, w->owner, w->type);
		enum step s = is_page(nm, w->owner) ? STEP_PAGES
			      : strcmp(w->owner, nm->head) == 0 ? STEP_HEAD
			      : STEP_RECORDS;
		if (!set_equal(w, h) && plan_set(p, s, w, h, e) != 0)
			return -1;
	}
	/* A head type the new zone no longer has goes with the head. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < have->n; i++) {
			const struct set *h = &have->v[i];
			bool page = is_page(nm, h->owner);
			enum step s = page ? STEP_CLEANUP
				      : strcmp(h->owner, nm->head) == 0
				      ? STEP_HEAD : STEP_RECORDS;
			if ((pass == 0) != (s != STEP_CLEANUP) ||
			    sets_find(want, h->owner, h->type))
				continue;
			if (page && !o->prune && (o->keep_old ||
			    sets_find(oldpages, h->owner, h->type)))
				continue;
			if (plan_set(p, s, NULL, h, e) != 0)
				return -1;
		}
	/* plan_set appends; the steps must go out in order. */
	for (size_t i = 1; i < p->n; i++)
		for (size_t j = i; j > 0 && p->v[j - 1].step > p->v[j].step;
		     j--) {
			struct msg t = p->v[j];
			p->v[j] = p->v[j - 1];
			p->v[j - 1] = t;
		}
	return 0;
}

static int zone_sets(struct pub_dyn *d, const struct names *nm,
		     ldns_rr_list **l, struct sets *s, uint32_t *serial,
		     struct pub_err *e)
{
	if (pub_dyn_axfr(d, l, e) != 0)
		return -1;
	if (ldns_rr_list_rr_count(*l) > 0 &&
	    ldns_rr_get_type(ldns_rr_list_rr(*l, 0)) == LDNS_RR_TYPE_SOA &&
	    ldns_rr_rd_count(ldns_rr_list_rr(*l, 0)) == 7)
		*serial = ldns_rdf2native_int32(
			ldns_rr_rdf(ldns_rr_list_rr(*l, 0), 2));
	return sets_build(*l, keep_admin, nm, s, e);
}

static int publish_index(const struct popts *o, struct pub_dyn *d,
			 const struct pub_admin *a)
{
	ldns_rr_list *want_l = ldns_rr_list_new(), *have_l = NULL;
	ldns_rr_list *old_l = ldns_rr_list_new();
	struct sets want = { 0 }, have = { 0 }, oldpages = { 0 };
	struct names nm = { .want = &want };
	struct plan p = { 0 };
	uint32_t before = 0, after = 0;
	struct pub_err e;
	char why[2 * RR_MAX_NAME];
	int rc = -1, tries;

	if (!want_l || !old_l ||
	    !pub_fmt(nm.head, sizeof(nm.head), "_vpnrr.%s", d->zone) ||
	    !pub_fmt(nm.pages, sizeof(nm.pages), "p._vpnrr.%s", d->zone) ||
	    !pub_fmt(nm.members, sizeof(nm.members), "m._vpnrr.%s",
		     d->zone)) {
		pub_errf(&e, PUB_EXIT_INTERNAL, NULL, 0, "publish",
			 "out of memory");
		goto out;
	}
	if (check_index(a, &e) != 0 || index_want(a, want_l, &e) != 0 ||
	    sets_build(want_l, keep_all_vpnrr, NULL, &want, &e) != 0 ||
	    zone_sets(d, &nm, &have_l, &have, &before, &e) != 0 ||
	    head_pages(&have, &nm, a->zone, &oldpages, old_l, &e) != 0 ||
	    index_plan(o, &nm, &want, &have, &oldpages, &p, &e) != 0)
		goto out;
	if (p.n == 0) {
		if (!o->quiet)
			printf("unchanged: %s serves these records (serial "
			       "%u); nothing sent\n", d->server,
			       (unsigned)before);
		rc = 0;
		goto out;
	}
	if (o->dry_run) {
		print_plan(&p, o, "to send");
		rc = 0;
		goto out;
	}
	if (plan_send(d, &p, true, o->step_wait_ms, &e) != 0)
		goto out;
	for (tries = 0; tries < CHECK_TRIES; tries++) {
		sets_free(&have);
		ldns_rr_list_deep_free(have_l);
		have_l = NULL;
		if (tries)
			sleep_ms(200);
		if (zone_sets(d, &nm, &have_l, &have, &after, &e) != 0)
			goto out;
		/* Old pages left by design may stay. */
		if (sets_match(&want, o->prune ? NULL : &oldpages, &have, why,
			       sizeof(why)) || (o->keep_old &&
			       sets_match(&want, &have, &have, why,
					  sizeof(why))))
			break;
	}
	if (tries == CHECK_TRIES) {
		pub_errf(&e, PUB_EXIT_IO, NULL, 0, d->server, "after the "
			 "update: %s (serial %u)", why, (unsigned)after);
		goto out;
	}
	print_plan(&p, o, "replaced");
	if (!o->quiet)
		printf("published: zone %s on %s, serial %u -> %u, %zu "
		       "messages, checked\n", d->zone, d->server,
		       (unsigned)before, (unsigned)after, p.n);
	rc = 0;
out:
	plan_free(&p);
	sets_free(&want);
	sets_free(&have);
	sets_free(&oldpages);
	ldns_rr_list_deep_free(want_l);
	ldns_rr_list_deep_free(have_l);
	ldns_rr_list_deep_free(old_l);
	return rc == 0 ? (fflush(stdout) ? PUB_EXIT_IO : 0) : pub_fail(&e);
}

/* ---- command line --------------------------------------------------------- */

static int parse_opts(int argc, char **argv, struct popts *o,
		      struct pub_pubconf *cl)
{
	enum { OPT_TIMEOUT = PUB_OPT_FIRST_FREE, OPT_SIGNER, OPT_INDEX,
	       OPT_DRY, OPT_PRUNE, OPT_KEEP, OPT_TTL, OPT_TYPE, OPT_WAIT };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "server", required_argument, NULL, 's' },
		{ "zone", required_argument, NULL, 'z' },
		{ "key", required_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "signer", required_argument, NULL, OPT_SIGNER },
		{ "index", required_argument, NULL, OPT_INDEX },
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ "prune", no_argument, NULL, OPT_PRUNE },
		{ "keep-old-pages", no_argument, NULL, OPT_KEEP },
		{ "step-wait", required_argument, NULL, OPT_WAIT },
		{ "ttl", required_argument, NULL, OPT_TTL },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "now", required_argument, NULL, PUB_OPT_NOW },
		{ "help", no_argument, NULL, PUB_OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	uint64_t secs;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "c:s:z:k:q", opts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 's':
			if (!pub_fmt(cl->server, sizeof(cl->server), "%s",
				     optarg))
				return pub_usage_error("publish", "--server: "
						       "too long");
			break;
		case 'z':
			if (!pub_fmt(cl->zone, sizeof(cl->zone), "%s", optarg))
				return pub_usage_error("publish", "--zone: "
						       "too long");
			break;
		case 'k':
			if (!pub_fmt(cl->key_file, sizeof(cl->key_file), "%s",
				     optarg))
				return pub_usage_error("publish", "--key: "
						       "too long");
			break;
		case OPT_TIMEOUT:
			if (!pub_duration_parse(optarg, &secs) || secs == 0 ||
			    secs > 3600)
				return pub_usage_error("publish", "--timeout "
						       "%s: need 1s..1h",
						       optarg);
			cl->timeout_ms = secs * 1000;
			break;
		case OPT_WAIT:
			if (!pub_duration_parse(optarg, &secs) || secs > 3600)
				return pub_usage_error("publish", "--step-wait "
						       "%s: need 0s..1h",
						       optarg);
			o->step_wait_ms = secs * 1000;
			break;
		case OPT_SIGNER: o->signer = optarg; break;
		case OPT_INDEX: o->index = optarg; break;
		case OPT_DRY: o->dry_run = true; break;
		case OPT_PRUNE: o->prune = true; break;
		case OPT_KEEP: o->keep_old = true; break;
		case OPT_TTL:
			v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || v > 2147483647UL)
				return pub_usage_error("publish", "--ttl %s: "
						       "need 0..2147483647",
						       optarg);
			o->ttl = (uint32_t)v;
			break;
		case OPT_TYPE:
			if (pub_ztype_parse(optarg, &o->type) != 0)
				return pub_usage_error("publish", "--type %s: "
						       "need txt, bin or both",
						       optarg);
			break;
		case 'q': o->quiet = true; pub_cli_quiet(); break;
		case PUB_OPT_NOW:
			if (pub_cli_now(optarg))
				return PUB_EXIT_USAGE;
			break;
		case PUB_OPT_HELP: return pub_help(help) ? PUB_EXIT_IO : -1;
		default: return pub_usage_error("publish", "bad option");
		}
	}
	return 0;
}

/* Command-line values over the config file's. */
static void conf_merge(struct pub_pubconf *c, const struct pub_pubconf *cl)
{
	if (cl->server[0])
		memcpy(c->server, cl->server, sizeof(c->server));
	if (cl->zone[0])
		memcpy(c->zone, cl->zone, sizeof(c->zone));
	if (cl->key_file[0])
		memcpy(c->key_file, cl->key_file, sizeof(c->key_file));
	if (cl->timeout_ms)
		c->timeout_ms = cl->timeout_ms;
	if (!c->timeout_ms)
		c->timeout_ms = PUB_PUBLISH_DEFAULT_TIMEOUT_MS;
	pub_name_canon(c->zone);
}

int pub_cmd_publish(int argc, char **argv)
{
	struct popts o = { .type = PUB_Z_BOTH, .ttl = 300 };
	struct pub_pubconf cl = { 0 };
	struct pub_admin a;
	struct pub_tsig key;
	struct pub_dyn d;
	struct pub_err e;
	char defconf[PUB_PATHLEN];
	struct stat st;
	int rc;

	/* A server that closes the connection mid-write is an error to
	 * report (EPIPE), not a reason to die silently. */
	signal(SIGPIPE, SIG_IGN);
	rc = parse_opts(argc, argv, &o, &cl);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (o.index ? optind != argc : optind + 1 != argc)
		return pub_usage_error("publish", o.index
				       ? "--index ADMINDIR takes no other file"
				       : "need one RECORDFILE (or --index "
				       "ADMINDIR)");
	if (o.prune && o.keep_old)
		return pub_usage_error("publish", "--prune and "
				       "--keep-old-pages exclude each other");
	if (!o.index && (o.prune || o.keep_old || o.step_wait_ms))
		return pub_usage_error("publish", "--prune, --keep-old-pages "
				       "and --step-wait go with --index");
	if (o.index && o.signer)
		return pub_usage_error("publish", "--signer is for a site "
				       "record; --index checks the chain "
				       "against the admin's anchor");
	if (!o.index && !o.signer)
		return pub_usage_error("publish", "a site record needs "
				       "--signer KEY (its record key, to check "
				       "the signature before sending)");
	if (o.index) {
		if (pub_admin_load(o.index, &a, &e) != 0)
			return pub_fail(&e);
		if (!o.config && pub_fmt(defconf, sizeof(defconf),
					 "%s/publish.conf", o.index) &&
		    stat(defconf, &st) == 0)
			o.config = defconf;
	}
	if (o.config && pub_pubconf_load(o.config, &o.conf, &e) != 0)
		return pub_fail(&e);
	conf_merge(&o.conf, &cl);
	if (o.index && !o.conf.zone[0])
		memcpy(o.conf.zone, a.zone, sizeof(o.conf.zone));
	if (o.index && strcmp(o.conf.zone, a.zone) != 0)
		return pub_usage_error("publish", "zone %s, but %s/vpnrr.conf "
				       "publishes zone %s", o.conf.zone,
				       o.index, a.zone);
	if (!o.conf.server[0] || !o.conf.zone[0] || !o.conf.key_file[0])
		return pub_usage_error("publish", "need %s (--%s, or in "
				       "--config FILE)", !o.conf.server[0]
				       ? "the server" : !o.conf.zone[0]
				       ? "the zone" : "the TSIG key file",
				       !o.conf.server[0] ? "server"
				       : !o.conf.zone[0] ? "zone" : "key");
	if (pub_tsig_load(o.conf.key_file, &key, &e) != 0)
		return pub_fail(&e);
	if (pub_dyn_open(&d, o.conf.server, o.conf.zone, &key,
			 o.conf.timeout_ms, &e) != 0) {
		pub_tsig_wipe(&key);
		return pub_fail(&e);
	}
	/* The checks compare with names in d.zone's form (final dot). */
	memcpy(o.conf.zone, d.zone, sizeof(o.conf.zone));
	rc = o.index ? publish_index(&o, &d, &a)
		     : publish_site(&o, &d, argv[optind]);
	pub_dyn_close(&d);
	pub_tsig_wipe(&key);
	return rc;
}
