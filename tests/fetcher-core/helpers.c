/* helpers.c - see helpers.h. */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <uv.h>

#include "helpers.h"

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
						      noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static void ok(enum rr_errclass rc, const struct rr_error *e, const char *what)
{
	if (rc != RR_OK)
		die("%s: %s: %s", what, rr_errclass_name(rc), e->msg);
}

void h_seckey(struct rr_seckey *k, uint32_t seed)
{
	uint8_t s[32];
	char txt[RR_SECKEYSTRLEN];
	struct rr_error e;

	if (sodium_init() < 0)
		die("sodium_init");
	memset(s, 0x5a, sizeof(s));
	memcpy(s, &seed, sizeof(seed));
	memset(k, 0, sizeof(*k));
	crypto_sign_seed_keypair(k->pub.key, k->sk, s);
	k->alg = RR_SIGALG_ED25519;
	/* Through the text form: fills the key id as the library does. */
	rr_seckey_format(k, txt);
	ok(rr_seckey_parse(txt, k, &e), &e, "seckey");
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die("out of memory");
	return p;
}

void h_config(struct fetch_config *cfg, const struct rr_pubkey *anchors,
	      size_t n)
{
	memset(cfg, 0, sizeof(*cfg));
	(void)snprintf(cfg->vpn, sizeof(cfg->vpn), "%s", T_VPN);
	(void)snprintf(cfg->zone, sizeof(cfg->zone), "%s", T_ZONE);
	for (size_t i = 0; i < n; i++)
		cfg->anchors[i] = anchors[i];
	cfg->nanchors = n;
	cfg->state_dir = xstrdup("/nonexistent");
	cfg->out_peer_keys = xstrdup(FETCH_DEFAULT_PEER_KEYS_DIR);
	cfg->expiry_warning_ms = FETCH_DEFAULT_EXPIRY_WARNING_MS;
	cfg->query_txt = cfg->query_private = true; /* record-type both */
}

static void add(struct rr_record *r, const char *tag, const char *val)
{
	struct rr_error e;

	ok(rr_add(r, tag, val, &e), &e, tag);
}

static void add_u64(struct rr_record *r, const char *tag, uint64_t v)
{
	char b[24];

	(void)snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
	add(r, tag, b);
}

static struct rr_record *alloc_record(enum rr_kind k)
{
	struct rr_record *r = malloc(sizeof(*r));

	if (!r)
		die("out of memory");
	rr_record_init(r, k);
	return r;
}

struct rr_record *h_member(const struct wsite *s)
{
	struct rr_record *r = alloc_record(RR_KIND_MEMBER);
	char pk[RR_PUBKEYSTRLEN];

	rr_pubkey_format(&s->key.pub, pk);
	add(r, "vpn", T_VPN);
	add(r, "site", s->name);
	add(r, "s", "1");
	add_u64(r, "t", T_START);
	add_u64(r, "x", s->mx);
	add(r, "rk", pk);
	add(r, "nets", s->mnets);
	add(r, "at", s->at);
	return r;
}

struct rr_record *h_site(const struct wsite *s, const char *vpn)
{
	struct rr_record *r = alloc_record(RR_KIND_SITE);
	struct rr_error e;
	char ptp[RR_ADDRSTRLEN], b[32];
	const char *slash = strchr(s->snets, '/');
	size_t l = slash ? (size_t)(slash - s->snets) : 0;

	/* ptp: the announced net's first address, as sites usually do. */
	if (l == 0 || l >= sizeof(ptp))
		die("snets %s", s->snets);
	memcpy(ptp, s->snets, l);
	ptp[l] = '\0';
	add(r, "vpn", vpn);
	add(r, "site", s->name);
	(void)snprintf(b, sizeof(b), "%u", s->serial);
	add(r, "s", b);
	add_u64(r, "t", T_START);
	add_u64(r, "x", s->sx);
	add(r, "ep", "192.0.2.1:4500,[2001:db8::1]:4500");
	add(r, "nets", s->snets);
	add(r, "ptp", ptp);
	add(r, "ks", "0000000a");
	/* A realistic rsa1 key: some 300 bytes of base64. */
	add(r, "keys",
	    "0000a1b2:rsa1:MTAyNCA2NTUzNyAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc"
	    "4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2"
	    "Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0N"
	    "TY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMz"
	    "Q1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw");
	ok(rr_sign(r, s->at, &s->key, &e), &e, "sign site");
	return r;
}

void h_free(struct rr_record *r)
{
	rr_record_free(r);
	free(r);
}

void h_blob(const struct rr_record *r, bool binary, struct rrchain_blob *out)
{
	struct rr_error e;

	if (binary) {
		ok(rr_encode_bin(r, &out->data, &out->len, &e), &e, "bin");
		out->type = RR_TYPE_VPNRR;
	} else {
		ok(rr_encode_txt_rdata(r, &out->data, &out->len, &e), &e,
		   "txt");
		out->type = 16;
	}
}

void w_init(struct world *w, size_t n, size_t per_page)
{
	struct rr_pubkey anchors[1];

	memset(w, 0, sizeof(*w));
	h_seckey(&w->anchor, 1);
	h_seckey(&w->anchor2, 3);
	h_seckey(&w->rogue, 9);
	anchors[0] = w->anchor.pub;
	h_config(&w->cfg, anchors, 1);
	w->signer = &w->anchor;
	w->per_page = per_page;
	w->head_serial = 2026010101;
	w->hx = T_END;
	w->n = n;
	w->s = calloc(n ? n : 1, sizeof(*w->s));
	if (!w->s)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		struct wsite *s = &w->s[i];
		(void)snprintf(s->name, sizeof(s->name), "loc%zu/s%zu",
			       i / 100, i);
		(void)snprintf(s->at, sizeof(s->at), "_vpnrr.s%zu.example.net",
			       i);
		h_seckey(&s->key, (uint32_t)(1000 + i));
		(void)snprintf(s->mnets, sizeof(s->mnets), "10.%zu.%zu.0/24",
			       i / 256, i % 256);
		(void)snprintf(s->snets, sizeof(s->snets), "%s", s->mnets);
		s->serial = 1;
		s->mx = s->sx = T_END;
	}
	w_publish(w);
}

static void free_pages(struct world *w)
{
	for (size_t i = 0; i < w->npages; i++)
		rrchain_blobs_free(w->pages[i].rrs, w->pages[i].n);
	free(w->pages);
	w->pages = NULL;
	w->npages = 0;
}

void w_free(struct world *w)
{
	free_pages(w);
	free(w->head.data);
	for (size_t i = 0; i < w->n; i++)
		free(w->s[i].rd.data);
	free(w->s);
	fetch_config_free(&w->cfg);
	memset(w, 0, sizeof(*w));
}

void w_publish_site(struct world *w, size_t i)
{
	struct rr_record *r = h_site(&w->s[i], T_VPN);

	free(w->s[i].rd.data);
	h_blob(r, w->binary, &w->s[i].rd);
	h_free(r);
}

/* Pages of PER_PAGE member entries (w->pages, w->nmembers). */
static void publish_pages(struct world *w)
{
	size_t cap = w->n / (w->per_page ? w->per_page : 1) + 1;
	struct rr_error e;

	w->pages = calloc(cap, sizeof(*w->pages));
	if (!w->pages)
		die("out of memory");
	w->nmembers = 0;
	for (size_t i = 0; i < w->n;) {
		struct rr_record *recs[RR_MAX_PAGE_MEMBERS];
		struct wpage *pg = &w->pages[w->npages];
		size_t k = 0;
		for (; i < w->n && k < w->per_page; i++)
			if (!w->s[i].withdrawn)
				recs[k++] = h_member(&w->s[i]);
		if (k == 0)
			break;
		ok(rr_page_hash((const struct rr_record *const *)recs, k,
				pg->hash, &e), &e, "page hash");
		pg->rrs = calloc(k, sizeof(*pg->rrs));
		if (!pg->rrs)
			die("out of memory");
		for (size_t j = 0; j < k; j++) {
			h_blob(recs[j], w->binary, &pg->rrs[j]);
			h_free(recs[j]);
		}
		pg->n = k;
		w->npages++;
		w->nmembers += k;
	}
}

/* The "pages=" text: the published pages' hashes. */
static char *pages_text(const struct world *w)
{
	size_t cap = w->npages * 48 + 1;
	char *b64 = calloc(cap, 1);
	uint8_t *hashes = calloc(w->npages + 1, RR_HASH_LEN);

	if (!b64 || !hashes)
		die("out of memory");
	for (size_t i = 0; i < w->npages; i++)
		memcpy(hashes + i * RR_HASH_LEN, w->pages[i].hash,
		       RR_HASH_LEN);
	sodium_bin2base64(b64, cap, hashes, w->npages * RR_HASH_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
	free(hashes);
	return b64;
}

void w_publish_head(struct world *w)
{
	struct rr_record *h = alloc_record(RR_KIND_HEAD);
	char owner[RR_MAX_NAME + 1], b[32];
	struct rr_error e;
	char *pages = pages_text(w);

	add(h, "vpn", T_VPN);
	(void)snprintf(b, sizeof(b), "%u", w->head_serial);
	add(h, "s", b);
	add_u64(h, "t", T_START);
	add_u64(h, "x", w->hx);
	add_u64(h, "n", (uint64_t)((int64_t)w->nmembers + w->n_delta));
	add(h, "pages", pages);
	free(pages);
	ok(rr_name_head(T_ZONE, owner, &e), &e, "head name");
	ok(rr_sign(h, owner, w->signer, &e), &e, "sign head");
	free(w->head.data);
	h_blob(h, w->binary, &w->head);
	h_free(h);
}

void w_publish(struct world *w)
{
	free_pages(w);
	publish_pages(w);
	w_publish_head(w);
	for (size_t i = 0; i < w->n; i++)
		w_publish_site(w, i);
}

/* The record under one page RR, whichever its encoding. */
static void parse_blob(const struct rrchain_blob *b, struct rr_record *r)
{
	struct rr_error e;

	ok(b->type == RR_TYPE_VPNRR ? rr_parse_bin(b->data, b->len, r, &e)
				    : rr_parse_txt_rdata(b->data, b->len, r,
							 &e),
	   &e, "parse page entry");
}

/* The binary encoding of the entry in TXT blob IN. */
static void bin_of(const struct rrchain_blob *in, struct rrchain_blob *out)
{
	struct rr_record r;

	parse_blob(in, &r);
	h_blob(&r, true, out);
	rr_record_free(&r);
}

/* TXT RDATA IN with its text split again: a FIRST-byte string, then
 * full ones.  The same entry, but other bytes on the wire. */
static void resplit(const struct rrchain_blob *in, size_t first,
		    struct rrchain_blob *out)
{
	uint8_t *text = malloc(in->len ? in->len : 1);
	size_t tlen = 0, off = 0, chunk = first;

	if (!text)
		die("out of memory");
	while (off < in->len) {
		size_t l = in->data[off++];
		if (l > in->len - off)
			die("TXT RDATA truncated");
		memcpy(text + tlen, in->data + off, l);
		tlen += l;
		off += l;
	}
	out->type = in->type;
	out->data = malloc(tlen + tlen / 255 + 2);
	if (!out->data)
		die("out of memory");
	out->len = 0;
	for (off = 0; off < tlen; off += chunk, chunk = 255) {
		size_t l = tlen - off < chunk ? tlen - off : chunk;
		out->data[out->len++] = (uint8_t)l;
		memcpy(out->data + out->len, text + off, l);
		out->len += l;
	}
	free(text);
}

void w_page_form(struct world *w, enum wform all)
{
	/* From the entries as published, so forms can follow each other. */
	free_pages(w);
	publish_pages(w);
	for (size_t p = 0; p < w->npages; p++) {
		struct wpage *pg = &w->pages[p];
		enum wform form = all == W_MIXED ? (enum wform)(p % W_MIXED)
						 : all;
		size_t n = pg->n, k = 0;
		struct rrchain_blob *out = calloc(2 * n + 1, sizeof(*out));
		if (!out)
			die("out of memory");
		/* The copies of one entry next to each other, in either
		 * order: any prefix of the RRset misses some entries. */
		for (size_t j = 0; j < n; j++) {
			struct rr_record r;
			struct rrchain_blob a, b;
			parse_blob(&pg->rrs[j], &r);
			h_blob(&r, form == W_BIN, &a);
			rr_record_free(&r);
			if (form == W_TXT || form == W_BIN) {
				out[k++] = a;
				continue;
			}
			if (form == W_BOTH)
				bin_of(&a, &b);
			else
				resplit(&a, 1 + (j * 7) % 64, &b);
			out[k++] = j % 2 ? b : a;
			out[k++] = j % 2 ? a : b;
		}
		rrchain_blobs_free(pg->rrs, pg->n);
		pg->rrs = out;
		pg->n = k;
	}
}

struct fetch_store *h_store(const char *dir)
{
	struct fetch_store *s;
	enum fetch_store_found found;
	char *aside = NULL, err[FETCH_STATE_ERRLEN];

	if (fetch_store_open(dir, FETCH_STORE_WRITE, &s, &found, &aside, err,
			     sizeof(err)) != 0)
		die("store: %s", err);
	free(aside);
	return s;
}

void h_blob_dup(const struct rrchain_blob *b, struct rrchain_blob *out)
{
	out->type = b->type;
	out->len = b->len;
	out->data = malloc(b->len ? b->len : 1);
	if (!out->data)
		die("out of memory");
	memcpy(out->data, b->data, b->len);
}

struct wsite *w_site(struct world *w, const char *name)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->s[i].name, name) == 0)
			return &w->s[i];
	return NULL;
}

/* ---- the world as a DNS source for the real refresh ------------------- */

/* One question to the world, answered from the loop (as the DNS client
 * does: never from inside the query call). */
struct wquery {
	uv_timer_t t;
	struct world *w;
	char name[RR_MAX_NAME + 2];
	uint16_t type;
	fetch_dns_cb cb;
	void *arg;
};

/* The site whose record DNS serves at AT: "_vpnrr.sI.example.net" is
 * site I (tests may move a site's name; then search). */
static const struct wsite *serving(const struct world *w, const char *at)
{
	unsigned long i;
	int end = 0;

	if (sscanf(at, "_vpnrr.s%lu.example.net%n", &i, &end) == 1 &&
	    at[end] == '\0' && i < w->n && strcmp(w->s[i].at, at) == 0)
		return &w->s[i];
	for (size_t k = 0; k < w->n; k++)
		if (strcmp(w->s[k].at, at) == 0)
			return &w->s[k];
	return NULL;
}

/* What the world serves at NAME: *B, *N; false when the lookup fails. */
static bool served(const struct world *w, const char *name,
		   const struct rrchain_blob **b, size_t *n)
{
	char pname[RR_MAX_NAME + 1];
	const struct wsite *s;
	struct rr_error e;

	*b = NULL;
	*n = 0;
	if (rr_name_head(T_ZONE, pname, &e) == RR_OK &&
	    strcmp(pname, name) == 0) {
		*b = &w->head;
		*n = 1;
		return !w->head_fail;
	}
	for (size_t i = 0; i < w->npages; i++)
		if (rr_name_page(T_ZONE, w->pages[i].hash, pname, &e) ==
			    RR_OK && strcmp(pname, name) == 0) {
			*b = w->pages[i].rrs;
			*n = w->pages[i].n;
			return true;
		}
	s = serving(w, name);
	if (s) {
		*b = &s->rd;
		*n = 1;
		return !s->fail;
	}
	return true;
}

static void wq_closed(uv_handle_t *h)
{
	free(h->data);
}

static void wq_answer(uv_timer_t *t)
{
	struct wquery *q = t->data;
	struct fetch_dns_rdata rd[4 * RR_MAX_PAGE_MEMBERS];
	struct fetch_dns_answer a;
	const struct rrchain_blob *b;
	size_t nb, n = 0;
	bool ok = served(q->w, q->name, &b, &nb);

	memset(&a, 0, sizeof(a));
	for (size_t i = 0; ok && i < nb && n < sizeof(rd) / sizeof(rd[0]); i++)
		if (b[i].type == q->type) {
			rd[n].type = b[i].type;
			rd[n].ttl = 300;
			rd[n].data = b[i].data;
			rd[n].len = b[i].len;
			n++;
		}
	a.qname = a.final_name = q->name;
	a.type = q->type;
	a.rcode = ok ? 0 : 2;
	if (!ok) {
		a.status = FETCH_DNS_SERVFAIL;
		(void)snprintf(a.error, sizeof(a.error), "%s: timeout",
			       q->name);
	}
	else if (n == 0) {
		a.status = FETCH_DNS_NODATA;
		(void)snprintf(a.error, sizeof(a.error), "%s: no data",
			       q->name);
	}
	else {
		a.rdata = rd;
		a.nrdata = n;
		a.min_ttl = 300;
	}
	q->cb(&a, q->arg);
	uv_close((uv_handle_t *)t, wq_closed);
}

static int wq_query(void *ctx, const char *name, uint16_t type,
		    fetch_dns_cb cb, void *arg)
{
	struct world *w = ctx;
	struct wquery *q = calloc(1, sizeof(*q));

	if (!q)
		return UV_ENOMEM;
	q->w = w;
	(void)snprintf(q->name, sizeof(q->name), "%s", name);
	q->type = type;
	q->cb = cb;
	q->arg = arg;
	uv_timer_init(w->loop, &q->t);
	q->t.data = q;
	return uv_timer_start(&q->t, wq_answer, 0, 0);
}

struct wdone {
	bool done;
	struct fetch_refresh_summary sum;
};

static void w_done(const struct fetch_refresh_summary *sum, json_t *report,
		   void *arg)
{
	struct wdone *d = arg;

	(void)report;
	d->done = true;
	d->sum = *sum;
}

/* FROM minus what the merge counted in it (the refresh adds the merge's
 * checks to its own): what the fetches' checks counted. */
static void stats_less(struct rrchain_stats *out,
		       const struct rrchain_stats *all,
		       const struct rrchain_stats *merge)
{
	out->heads_verified = all->heads_verified - merge->heads_verified;
	out->pages_hashed = all->pages_hashed - merge->pages_hashed;
	out->members_checked = all->members_checked - merge->members_checked;
	out->sites_verified = all->sites_verified - merge->sites_verified;
	out->sites_cached = all->sites_cached - merge->sites_cached;
	for (size_t i = 0; i < RRCHAIN_R__COUNT; i++)
		out->rejected[i] = all->rejected[i] - merge->rejected[i];
}

enum rrchain_reason w_refresh(struct world *w, struct fetch_state *st,
			      uint64_t now, struct fetch_merge_report *rep,
			      struct rrchain_stats *stats,
			      struct rrchain_error *herr)
{
	struct fetch_refresh_source src = { wq_query, w };
	struct fetch_refresh_opts o;
	struct fetch_refresh *rf;
	struct fetch_log log;
	struct wdone d;
	uv_loop_t loop;
	char err[256];

	memset(&o, 0, sizeof(o));
	memset(&d, 0, sizeof(d));
	/* A dry run: the merge, no store, no outputs (none configured). */
	o.dry_run = true;
	o.now = now;
	o.source = &src;
	o.merge_out = rep;
	fetch_log_open(&log, false, FETCH_LOG_ERR);
	if (uv_loop_init(&loop) != 0)
		die("uv_loop_init");
	w->loop = &loop;
	if (fetch_refresh_start(&loop, &w->cfg, st, &log, &o, w_done, &d, &rf,
				err, sizeof(err)) != 0)
		die("refresh: %s", err);
	uv_run(&loop, UV_RUN_DEFAULT);
	if (!d.done)
		die("refresh: did not finish");
	if (uv_loop_close(&loop) != 0)
		die("refresh: handles left open");
	w->loop = NULL;
	fetch_log_close(&log);
	stats_less(stats, &d.sum.chain, &rep->stats);
	*herr = d.sum.membership_error;
	return d.sum.membership_reason;
}

const struct fetch_site *v_find(const struct fetch_state *st, const char *name)
{
	const struct fetch_view *v = fetch_state_view(st);
	char full[RR_FULLNAMELEN];

	(void)snprintf(full, sizeof(full), "%s/%s", v->vpn, name);
	for (size_t i = 0; i < v->nsites; i++)
		if (strcmp(v->sites[i].name, full) == 0)
			return &v->sites[i];
	return NULL;
}

char *h_tmpdir(void)
{
	char *d = xstrdup("/tmp/vpnrr-core-XXXXXX");

	if (!mkdtemp(d))
		die("mkdtemp");
	return d;
}

void h_rm_rf(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[4096];

	while (d && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		(void)snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		(void)unlink(p);
	}
	if (d)
		closedir(d);
	(void)rmdir(dir);
	free(dir);
}
