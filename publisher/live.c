/*
 * live.c - "vpnrr verify --server": fetches the chain from a server with
 * the DNS client of fetcher/dns/ on a private libuv loop (live.h).
 *
 * Names are asked round by round: the names the records so far point at,
 * all at once, and the loop runs until every answer is in.  Answers are
 * added to the record set in the order they were asked, not the order
 * they arrived, so the report does not depend on timing.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "dns.h"
#include "live.h"
#include "progress.h"

#define MAX_FETCH 20000   /* names asked at most, over all rounds */
#define TICK_MS 1000      /* a silent wait is told this often */
#define TYPE_TXT 16

static const uint16_t types[] = { TYPE_TXT, RR_TYPE_VPNRR };
#define NTYPES (sizeof(types) / sizeof(types[0]))

/* One name and type asked, and what came back. */
struct ask {
	struct live *lv;
	char name[RR_MAX_NAME + 2];
	uint16_t type;
	char error[FETCH_DNS_ERRLEN + 64]; /* why it failed, or "" */
	struct fetch_dns_rdata *rd; /* copies, one allocation */
	size_t nrd;
};

struct live {
	uv_loop_t loop;
	uv_timer_t tick;
	struct fetch_dns *dns;
	const struct pub_live_opts *o;
	char server[FETCH_DNS_SERVERSTRLEN];
	struct ask *asks;
	size_t nasks;
	size_t outstanding;
	size_t answered, total; /* over all rounds */
	uint64_t last_news; /* loop time of the last answer, ms */
	struct pub_progress pg;
	bool loop_open, tick_open;
	bool oom;
	/* Every name asked so far: a name with no records is not asked
	 * again in the next round. */
	char **asked;
	size_t nasked, capasked;
};

/* ---- progress ----------------------------------------------------------- */

static void on_tick(uv_timer_t *t)
{
	struct live *lv = t->data;
	uint64_t quiet = uv_now(&lv->loop) - lv->last_news;

	if (lv->outstanding == 0 || quiet < TICK_MS)
		return;
	pub_progress_say(&lv->pg, "waiting for %s: %zu %s unanswered for "
			 "%llu s (--timeout %llu ms)", lv->server,
			 lv->outstanding, lv->outstanding == 1 ? "query"
			 : "queries", (unsigned long long)(quiet / 1000),
			 (unsigned long long)lv->o->timeout_ms);
}

/* ---- answers ------------------------------------------------------------ */

static void keep(struct ask *a, const struct fetch_dns_answer *ans)
{
	a->rd = fetch_dns_rdata_dup(ans->rdata, ans->nrdata);
	if (!a->rd)
		a->lv->oom = true;
	else
		a->nrd = ans->nrdata;
}

static void on_answer(const struct fetch_dns_answer *ans, void *arg)
{
	struct ask *a = arg;
	struct live *lv = a->lv;

	lv->outstanding--;
	lv->answered++;
	lv->last_news = uv_now(&lv->loop);
	pub_progress_count(&lv->pg, lv->answered, lv->total);
	if (ans->status == FETCH_DNS_OK)
		keep(a, ans);
	else if (ans->status != FETCH_DNS_NXDOMAIN &&
		 ans->status != FETCH_DNS_NODATA)
		snprintf(a->error, sizeof(a->error), "%s%s", ans->error,
			 ans->status == FETCH_DNS_TIMEOUT
				 ? "; the server sent nothing usable within "
				   "--timeout" : "");
	if (lv->outstanding == 0)
		(void)uv_timer_stop(&lv->tick);
}

static void asks_free(struct live *lv)
{
	for (size_t i = 0; i < lv->nasks; i++) {
		free(lv->asks[i].rd);
	}
	free(lv->asks);
	lv->asks = NULL;
	lv->nasks = 0;
}

/* ---- rounds ------------------------------------------------------------- */

static bool was_asked(const struct live *lv, const char *name)
{
	for (size_t i = 0; i < lv->nasked; i++)
		if (strcmp(lv->asked[i], name) == 0)
			return true;
	return false;
}

static int remember(struct live *lv, const char *name)
{
	char **grown;

	if (lv->nasked == lv->capasked) {
		size_t cap = lv->capasked ? 2 * lv->capasked : 64;

		grown = realloc(lv->asked, cap * sizeof(*grown));
		if (!grown)
			return -1;
		lv->asked = grown;
		lv->capasked = cap;
	}
	lv->asked[lv->nasked] = strdup(name);
	if (!lv->asked[lv->nasked])
		return -1;
	lv->nasked++;
	return 0;
}

/* Starts the query of NAME for every type. */
static int ask_name(struct live *lv, const char *name, struct pub_err *e)
{
	for (size_t t = 0; t < NTYPES; t++) {
		struct ask *a = &lv->asks[lv->nasks];
		int rc;

		a->lv = lv;
		a->type = types[t];
		if (!pub_fmt(a->name, sizeof(a->name), "%s", name))
			return pub_errf(e, PUB_EXIT_INVALID, name, 0, "query",
					"name too long");
		rc = fetch_dns_query(lv->dns, a->name, a->type, on_answer, a);
		if (rc < 0)
			return pub_errf(e, PUB_EXIT_INVALID, name, 0, "query",
					"cannot ask: %s", uv_strerror(rc));
		lv->nasks++;
		lv->outstanding++;
		lv->total++;
	}
	return 0;
}

/* Asks every name of NAMES not asked before, both types, and runs the
 * loop until all have answered (after a failure too: the queries started
 * call back into this round's asks).  *ASKED counts the new names. */
static int round_run(struct live *lv, char *const *names, size_t n,
		     size_t *asked, struct pub_err *e)
{
	int rc = 0;

	*asked = 0;
	lv->asks = calloc(n * NTYPES + 1, sizeof(*lv->asks));
	if (!lv->asks)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "query",
				"out of memory");
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (was_asked(lv, names[i]))
			continue;
		if (remember(lv, names[i]) != 0)
			rc = pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "query",
				      "out of memory");
		else
			rc = ask_name(lv, names[i], e);
		(*asked)++;
	}
	lv->last_news = uv_now(&lv->loop);
	/* Without the timer there are no progress lines; the fetch goes on
	 * all the same. */
	if (lv->o->progress && lv->outstanding > 0)
		(void)uv_timer_start(&lv->tick, on_tick, TICK_MS, TICK_MS);
	(void)uv_run(&lv->loop, UV_RUN_DEFAULT);
	return rc;
}

/* The answers of the round, in the order asked, into S. */
static int round_collect(struct live *lv, struct pub_rrset *s, bool *found,
			 struct pub_err *e)
{
	if (lv->oom)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "query",
				"out of memory");
	/* The first failure in the order asked, whatever came first. */
	for (size_t i = 0; i < lv->nasks; i++)
		if (lv->asks[i].error[0])
			return pub_errf(e, PUB_EXIT_IO, NULL, 0, "query", "%s",
					lv->asks[i].error);
	for (size_t i = 0; i < lv->nasks; i++) {
		struct ask *a = &lv->asks[i];
		char owner[RR_MAX_NAME + 2];

		if (!pub_fmt(owner, sizeof(owner), "%s", a->name))
			return pub_errf(e, PUB_EXIT_INVALID, a->name, 0,
					"query", "name too long");
		pub_name_canon(owner);
		for (size_t j = 0; j < a->nrd; j++) {
			if (a->rd[j].type != a->type)
				continue;
			if (pub_rrset_add(s, owner, a->type, a->rd[j].data,
					  a->rd[j].len, lv->server, 0, e) != 0)
				return -1;
			*found = true;
		}
	}
	return 0;
}

/* One round: NAMES asked, answers added to S; *ASKED new names. */
static int round_do(struct live *lv, char *const *names, size_t n,
		    struct pub_rrset *s, bool *found, size_t *asked,
		    struct pub_err *e)
{
	int rc = round_run(lv, names, n, asked, e);

	if (rc == 0)
		rc = round_collect(lv, s, found, e);
	asks_free(lv);
	return rc;
}

/* ---- setup -------------------------------------------------------------- */

static int server_parse(const struct pub_live_opts *o,
			struct fetch_dns_server *srv, struct pub_err *e)
{
	char err[256];
	uint16_t nport = htons(o->port);

	if (fetch_dns_parse_server(o->server, srv, err, sizeof(err)) != 0)
		return pub_errf(e, PUB_EXIT_USAGE, NULL, 0, "--server", "%s",
				err);
	if (o->port == 0)
		return 0;
	if (srv->addr.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&srv->addr)->sin6_port = nport;
	else
		((struct sockaddr_in *)&srv->addr)->sin_port = nport;
	return 0;
}

static int live_open(struct live *lv, const struct pub_live_opts *o,
		     struct pub_err *e)
{
	struct fetch_dns_server srv;
	struct fetch_dns_config cfg;
	unsigned tries = o->tries ? o->tries : PUB_LIVE_DEFAULT_TRIES;
	uint64_t first;
	int rc;

	lv->o = o;
	pub_progress_start(&lv->pg, "verify: queries answered", o->progress);
	if (server_parse(o, &srv, e) != 0)
		return -1;
	fetch_dns_server_format(&srv, lv->server);
	rc = uv_loop_init(&lv->loop);
	if (rc < 0)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "event loop",
				"%s", uv_strerror(rc));
	lv->loop_open = true;
	rc = uv_timer_init(&lv->loop, &lv->tick);
	if (rc < 0)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "event loop",
				"%s", uv_strerror(rc));
	lv->tick_open = true;
	lv->tick.data = lv;
	fetch_dns_config_init(&cfg, &srv, 1);
	/* Tries wait t, 2t, 4t, ... (the client doubles the wait each round
	 * over the servers): all of them fit in the timeout. */
	if (tries > PUB_LIVE_MAX_TRIES)
		tries = PUB_LIVE_MAX_TRIES;
	first = o->timeout_ms / ((1ULL << tries) - 1);
	cfg.timeout_ms = (uint32_t)(first < 1 ? 1
				   : first > UINT32_MAX ? UINT32_MAX : first);
	cfg.attempts = tries;
	rc = fetch_dns_new(&lv->loop, &cfg, &lv->dns);
	if (rc < 0)
		return pub_errf(e, PUB_EXIT_INTERNAL, NULL, 0, "DNS client",
				"%s", uv_strerror(rc));
	return 0;
}

static void live_close(struct live *lv)
{
	pub_progress_end(&lv->pg);
	if (lv->dns)
		fetch_dns_close(lv->dns, NULL, NULL);
	if (lv->tick_open)
		uv_close((uv_handle_t *)&lv->tick, NULL);
	if (lv->loop_open) {
		/* Runs the closes to their end; then nothing is left open. */
		(void)uv_run(&lv->loop, UV_RUN_DEFAULT);
		(void)uv_loop_close(&lv->loop);
	}
	for (size_t i = 0; i < lv->nasked; i++)
		free(lv->asked[i]);
	free(lv->asked);
}

int pub_live_fetch(const struct pub_live_opts *o, const char *name,
		   const struct pub_chain_opts *co, struct pub_rrset *s,
		   struct pub_err *e)
{
	struct live lv;
	char alt[RR_MAX_NAME + 16];
	char *first[1];
	bool found = false;
	size_t asked, total = 0;
	int rc = -1;

	memset(&lv, 0, sizeof(lv));
	if (live_open(&lv, o, e) != 0)
		goto out;
	first[0] = (char *)name;
	if (round_do(&lv, first, 1, s, &found, &asked, e) != 0)
		goto out;
	if (!found && strncmp(name, "_vpnrr.", 7) != 0 &&
	    pub_fmt(alt, sizeof(alt), "_vpnrr.%s", name)) {
		first[0] = alt;
		if (round_do(&lv, first, 1, s, &found, &asked, e) != 0)
			goto out;
	}
	for (;;) {
		char **names = NULL;
		size_t n = 0;

		if (pub_chain_names(s, co, &names, &n, e) != 0)
			goto out;
		rc = round_do(&lv, names, n, s, &found, &asked, e);
		pub_names_free(names, n);
		if (rc != 0)
			goto out;
		rc = -1;
		total += asked;
		if (asked == 0 || total > MAX_FETCH)
			break;
	}
	rc = 0;
out:
	live_close(&lv);
	return rc;
}
