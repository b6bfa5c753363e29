/*
 * anchors.c - the trust anchors a node has learnt from signed anchor
 * statements (SPEC.md 10.10, in the spirit of RFC 5011): pending ones
 * waiting out the hold-down, adopted ones, retired ones; their rows in
 * the store; and the trust they give (configured + adopted - retired).
 */
#include <stdio.h>
#include <string.h>

#include "state_int.h"

static const char *const status_names[] = {
	[FETCH_ANCHOR_PENDING] = "pending",
	[FETCH_ANCHOR_ADOPTED] = "adopted",
	[FETCH_ANCHOR_RETIRED] = "retired",
};

const char *fetch_anchor_status_name(enum fetch_anchor_status s)
{
	if ((unsigned)s >= sizeof(status_names) / sizeof(status_names[0]) ||
	    !status_names[s])
		return "unknown";
	return status_names[s];
}

static bool same_key(const struct rr_pubkey *a, const struct rr_pubkey *b)
{
	return a->alg == b->alg && memcmp(a->key, b->key, RR_PUBKEY_LEN) == 0;
}

static struct fetch_anchor *row_of(struct fetch_state *st,
				   const struct rr_pubkey *k)
{
	for (size_t i = 0; i < st->nanchors; i++)
		if (same_key(&st->anchors[i].key, k))
			return &st->anchors[i];
	return NULL;
}

static bool configured(const struct fetch_config *cfg,
		       const struct rr_pubkey *k)
{
	for (size_t i = 0; i < cfg->nanchors; i++)
		if (same_key(&cfg->anchors[i], k))
			return true;
	return false;
}

const struct fetch_anchor *fetch_state_anchors(const struct fetch_state *st,
					       size_t *n)
{
	*n = st->nanchors;
	return st->anchors;
}

size_t fetch_state_anchor_keys(const struct fetch_state *st,
			       enum fetch_anchor_status status,
			       struct rr_pubkey *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < st->nanchors && n < cap; i++)
		if (st->anchors[i].status == status)
			out[n++] = st->anchors[i].key;
	return n;
}

void fetch_state_trust(const struct fetch_state *st,
		       const struct fetch_config *cfg, struct fetch_config *out)
{
	struct fetch_state *w = (struct fetch_state *)st;
	size_t n = 0;

	*out = *cfg;
	for (size_t i = 0; i < cfg->nanchors; i++) {
		const struct fetch_anchor *a = row_of(w, &cfg->anchors[i]);
		if (!a || a->status != FETCH_ANCHOR_RETIRED)
			out->anchors[n++] = cfg->anchors[i];
	}
	for (size_t i = 0; i < st->nanchors && n < FETCH_MAX_ANCHORS; i++)
		if (st->anchors[i].status == FETCH_ANCHOR_ADOPTED &&
		    !configured(cfg, &st->anchors[i].key))
			out->anchors[n++] = st->anchors[i].key;
	out->nanchors = n;
}

static void key_text(const struct rr_pubkey *k, char out[RR_PUBKEYSTRLEN])
{
	rr_pubkey_format(k, out);
}

static void ev_name(const struct rr_pubkey *k, char *out, size_t len)
{
	char id[2 * RR_KEYID_LEN + 1];

	rr_keyid_format(k->id, id);
	(void)snprintf(out, len, "anchor %s", id);
}

static void retire(struct fetch_state *st, const struct fetch_config *cfg,
		   const struct rrchain_anchor_stmt *s, uint64_t now,
		   struct fetch_merge_report *rep)
{
	struct fetch_anchor *a = row_of(st, &s->key);
	char name[RR_SITENAMELEN], kt[RR_PUBKEYSTRLEN];

	if (a && a->status == FETCH_ANCHOR_RETIRED)
		return;
	if (!a) {
		/* The table holds at most what the statements and the
		 * config name: a retirement is never dropped for room. */
		if (st->nanchors >= FETCH_MAX_ANCHOR_ROWS)
			return;
		a = &st->anchors[st->nanchors++];
		a->key = s->key;
	}
	a->status = FETCH_ANCHOR_RETIRED;
	a->since = now;
	memcpy(a->signer, s->signer, RR_KEYID_LEN);
	ev_name(&s->key, name, sizeof(name));
	key_text(&s->key, kt);
	st_event(rep, FETCH_EV_ANCHOR_RETIRED, RRCHAIN_OK, name,
		 "%s retired by its own signature: no longer trusted%s", kt,
		 configured(cfg, &s->key)
			 ? "; the configuration still lists it: remove its "
			   "anchor line"
			 : "");
}

/* Adoption, or the start of the hold-down, of S's key; SEEN marks the
 * rows announced in this refresh. */
static void announce(struct fetch_state *st, const struct fetch_config *cfg,
		     const struct rrchain_anchor_stmt *s, uint64_t now,
		     bool *seen, struct fetch_merge_report *rep)
{
	struct fetch_anchor *a = row_of(st, &s->key);
	uint64_t hold = cfg->anchor_hold_down_ms / 1000;
	char name[RR_SITENAMELEN], kt[RR_PUBKEYSTRLEN];

	if (configured(cfg, &s->key) ||
	    (a && a->status != FETCH_ANCHOR_PENDING))
		return;
	ev_name(&s->key, name, sizeof(name));
	key_text(&s->key, kt);
	if (!a) {
		if (st->nanchors >= FETCH_MAX_ANCHOR_ROWS) {
			st_event(rep, FETCH_EV_ANCHOR_REJECTED,
				 RRCHAIN_R_LIMIT, name, "%s: more than %d "
				 "anchors known: not taken", kt,
				 FETCH_MAX_ANCHOR_ROWS);
			return;
		}
		a = &st->anchors[st->nanchors++];
		a->key = s->key;
		a->status = FETCH_ANCHOR_PENDING;
		a->since = now;
		memcpy(a->signer, s->signer, RR_KEYID_LEN);
		st_event(rep, FETCH_EV_ANCHOR_PENDING, RRCHAIN_OK, name,
			 "%s announced: trusted from %llu if it is still "
			 "announced at every refresh until then", kt,
			 (unsigned long long)(now + hold));
	}
	seen[a - st->anchors] = true;
	/* A clock set back (or a row from the future) must not make the
	 * unsigned difference huge and adopt at once: the wait restarts. */
	if (now < a->since)
		a->since = now;
	if (now - a->since < hold)
		return;
	a->status = FETCH_ANCHOR_ADOPTED;
	a->since = now;
	st_event(rep, FETCH_EV_ANCHOR_ADOPTED, RRCHAIN_OK, name,
		 "%s adopted after the hold-down: heads it signs are trusted",
		 kt);
}

/* What a retired key signed is no longer believed: its head goes with
 * its membership, as when an anchor leaves the configuration. */
static void drop_retired_head(struct fetch_state *st,
			      struct fetch_merge_report *rep)
{
	const struct rr_record *h = &st->mem.head.rec;
	char id[2 * RR_KEYID_LEN + 1];

	if (!st->has_mem)
		return;
	for (size_t i = 0; i < st->nanchors; i++) {
		const struct fetch_anchor *a = &st->anchors[i];
		if (a->status != FETCH_ANCHOR_RETIRED ||
		    memcmp(a->key.id, h->sigkeyid, RR_KEYID_LEN) != 0)
			continue;
		rr_keyid_format(a->key.id, id);
		st_event(rep, FETCH_EV_HEAD_DROPPED, RRCHAIN_R_KEY, "",
			 "head serial %u was signed by anchor %s, which is "
			 "retired: membership dropped", h->serial, id);
		rrchain_membership_free(&st->mem);
		st->has_mem = false;
		return;
	}
}

int fetch_state_anchors_update(struct fetch_state *st,
			       const struct fetch_config *cfg, uint64_t now,
			       const struct rrchain_anchor_stmt *stmts,
			       size_t n, struct fetch_merge_report *rep)
{
	bool seen[FETCH_MAX_ANCHOR_ROWS] = { false };
	char name[RR_SITENAMELEN], kt[RR_PUBKEYSTRLEN];
	size_t keep = 0;

	for (size_t i = 0; i < n; i++)
		if (stmts[i].status == RRCHAIN_OK && stmts[i].retire)
			retire(st, cfg, &stmts[i], now, rep);
	drop_retired_head(st, rep);
	for (size_t i = 0; i < n; i++)
		if (stmts[i].status == RRCHAIN_OK && !stmts[i].retire)
			announce(st, cfg, &stmts[i], now, seen, rep);
	/* RFC 5011: an announcement that is gone (withdrawn, expired, or
	 * its signer retired) resets the hold-down. */
	for (size_t i = 0; i < st->nanchors; i++) {
		struct fetch_anchor *a = &st->anchors[i];
		if (a->status == FETCH_ANCHOR_PENDING && !seen[i]) {
			ev_name(&a->key, name, sizeof(name));
			key_text(&a->key, kt);
			st_event(rep, FETCH_EV_ANCHOR_RESET, RRCHAIN_OK, name,
				 "%s is no longer announced by a trusted "
				 "anchor: its hold-down starts again when it "
				 "is", kt);
			continue;
		}
		st->anchors[keep++] = *a;
	}
	st->nanchors = keep;
	for (size_t i = 0; i < n; i++) {
		const struct fetch_anchor *a = row_of(st, &stmts[i].key);
		if (stmts[i].status == RRCHAIN_OK)
			continue;
		/* The announcement of an anchor trusted already, signed by
		 * the anchor it replaced: old news, not an attack. */
		if (!stmts[i].retire && stmts[i].status == RRCHAIN_R_KEY &&
		    (configured(cfg, &stmts[i].key) ||
		     (a && a->status == FETCH_ANCHOR_ADOPTED)))
			continue;
		ev_name(&stmts[i].key, name, sizeof(name));
		st_event(rep, FETCH_EV_ANCHOR_REJECTED, stmts[i].status, name,
			 "%s", stmts[i].why);
	}
	return 0;
}

/* ---- advice when nothing is trusted any more ----------------------------- */

size_t fetch_state_anchor_advice(const struct fetch_state *st,
				 const struct fetch_config *cfg,
				 const struct rrchain_anchor_stmt *stmts,
				 size_t n, char *out, size_t len)
{
	struct fetch_config eff;
	char kt[RR_PUBKEYSTRLEN];
	size_t found = 0, off = 0;

	out[0] = '\0';
	fetch_state_trust(st, cfg, &eff);
	if (eff.nanchors > 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int w;
		if (stmts[i].retire || stmts[i].status != RRCHAIN_R_KEY)
			continue;
		key_text(&stmts[i].key, kt);
		w = snprintf(out + off, len - off, "%sanchor %s",
			     found ? "; " : "", kt);
		if (w < 0 || (size_t)w >= len - off)
			break;
		off += (size_t)w;
		found++;
	}
	return found;
}

/* ---- the store ----------------------------------------------------------- */

/* SPEC.md 7.3: the first bytes of SHA-256 over the raw key. */
static void key_id(struct rr_pubkey *k)
{
	uint8_t h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, k->key, RR_PUBKEY_LEN);
	memcpy(k->id, h, RR_KEYID_LEN);
}

void st_anchors_digest(const struct fetch_state *st,
		       crypto_hash_sha256_state *h)
{
	for (size_t i = 0; i < st->nanchors; i++) {
		const struct fetch_anchor *a = &st->anchors[i];
		uint8_t b[RR_PUBKEY_LEN + 1 + 8 + RR_KEYID_LEN];

		memcpy(b, a->key.key, RR_PUBKEY_LEN);
		b[RR_PUBKEY_LEN] = (uint8_t)a->status;
		for (int j = 0; j < 8; j++)
			b[RR_PUBKEY_LEN + 1 + j] = (uint8_t)(a->since >> (8 * j));
		memcpy(b + RR_PUBKEY_LEN + 9, a->signer, RR_KEYID_LEN);
		crypto_hash_sha256_update(h, b, sizeof(b));
	}
}

int st_anchors_save(struct fetch_state *st, char *err, size_t errlen)
{
	sqlite3_stmt *del = NULL, *ins = NULL;
	int rc = -1;

	if (st_prep(st, "DELETE FROM anchor", &del, err, errlen) != 0 ||
	    st_prep(st, "INSERT INTO anchor(key, status, since, signer) "
		    "VALUES (?, ?, ?, ?)", &ins, err, errlen) != 0)
		goto out;
	if (sqlite3_step(del) != SQLITE_DONE) {
		fetch_store_fail(st->store, "anchor", err, errlen);
		goto out;
	}
	for (size_t i = 0; i < st->nanchors; i++) {
		const struct fetch_anchor *a = &st->anchors[i];
		sqlite3_reset(ins);
		if (sqlite3_bind_blob(ins, 1, a->key.key, RR_PUBKEY_LEN,
				      SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int(ins, 2, (int)a->status) != SQLITE_OK ||
		    sqlite3_bind_int64(ins, 3, (sqlite3_int64)a->since) !=
			    SQLITE_OK ||
		    sqlite3_bind_blob(ins, 4, a->signer, RR_KEYID_LEN,
				      SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_step(ins) != SQLITE_DONE) {
			fetch_store_fail(st->store, "anchor", err, errlen);
			goto out;
		}
	}
	rc = 0;
out:
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
	return rc;
}

/* A damaged row is dropped and reported: a pending anchor is announced
 * again, a retirement is published again. */
int st_anchors_load(struct fetch_state *st, struct fetch_merge_report *rep,
		    char *err, size_t errlen)
{
	sqlite3_stmt *q = NULL;
	int rc = -1, r;

	st->nanchors = 0;
	if (st_prep(st, "SELECT key, status, since, signer FROM anchor "
		    "ORDER BY key", &q, err, errlen) != 0)
		return -1;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		struct fetch_anchor *a = &st->anchors[st->nanchors];
		int status = sqlite3_column_int(q, 1);
		sqlite3_int64 since = sqlite3_column_int64(q, 2);
		if (st->nanchors >= FETCH_MAX_ANCHOR_ROWS ||
		    sqlite3_column_bytes(q, 0) != RR_PUBKEY_LEN ||
		    sqlite3_column_bytes(q, 3) != RR_KEYID_LEN ||
		    status < FETCH_ANCHOR_PENDING ||
		    status > FETCH_ANCHOR_RETIRED || since < 0) {
			st_event(rep, FETCH_EV_ANCHOR_RESET,
				 RRCHAIN_R_MALFORMED, "anchor",
				 "%s: an anchor row is damaged: dropped",
				 fetch_store_path(st->store));
			continue;
		}
		memset(a, 0, sizeof(*a));
		a->key.alg = RR_SIGALG_ED25519;
		memcpy(a->key.key, sqlite3_column_blob(q, 0), RR_PUBKEY_LEN);
		key_id(&a->key);
		a->status = (enum fetch_anchor_status)status;
		a->since = (uint64_t)since;
		memcpy(a->signer, sqlite3_column_blob(q, 3), RR_KEYID_LEN);
		st->nanchors++;
	}
	if (r != SQLITE_DONE) {
		fetch_store_fail(st->store, "anchor", err, errlen);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(q);
	return rc;
}
