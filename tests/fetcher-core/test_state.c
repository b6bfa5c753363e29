/*
 * test_state.c - state.json: round trip, atomic write, refusal of a
 * corrupt or foreign file, re-verification at load, name lookups.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"

#define NSITES 5

struct fx {
	char *dir;
	char path[512], tmp[512];
	struct world w;
	struct fetch_state *st;
	struct fetch_merge_report rep;
	char err[FETCH_STATE_ERRLEN];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct fetch_chain_stats stats = { 0 };
	struct fetch_error e;

	if (!f)
		return -1;
	w_init(&f->w, NSITES, 2);
	f->dir = h_tmpdir();
	(void)snprintf(f->path, sizeof(f->path), "%s/state.json", f->dir);
	(void)snprintf(f->tmp, sizeof(f->tmp), "%s/state.json.tmp", f->dir);
	if (fetch_state_new(f->dir, &f->st, f->err, sizeof(f->err)) != 0 ||
	    w_refresh(&f->w, f->st, T_NOW, &f->rep, &stats, &e) != FETCH_OK)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	fetch_merge_report_free(&f->rep);
	fetch_state_free(f->st);
	w_free(&f->w);
	h_rm_rf(f->dir);
	free(f);
	return 0;
}

static void save(struct fx *f)
{
	if (fetch_state_save(f->st, f->err, sizeof(f->err)) != 0)
		fail_msg("save: %s", f->err);
}

/* Loads the saved file into a new state at NOW; returns its result. */
static int reload(struct fx *f, uint64_t now, struct fetch_state **out)
{
	assert_int_equal(fetch_state_new(f->dir, out, f->err, sizeof(f->err)),
			 0);
	fetch_merge_report_free(&f->rep);
	return fetch_state_load(*out, &f->w.cfg, now, &f->rep, f->err,
				sizeof(f->err));
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n >= 0);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static void spill(const char *path, const char *text)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static void test_round_trip(void **state)
{
	struct fx *f = *state;
	const struct fetch_view *a, *b;
	struct fetch_state *st2;
	struct fetch_hw h1, h2;
	struct stat sb;

	save(f);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(access(f->tmp, F_OK), -1); /* no .tmp left */
	if (reload(f, T_NOW, &st2) != 0)
		fail_msg("load: %s", f->err);
	/* Every record was verified again, none trusted from the file. */
	assert_int_equal(f->rep.stats.heads_verified, 1);
	assert_int_equal(f->rep.stats.pages_hashed, 3);
	assert_int_equal(f->rep.stats.sites_verified, NSITES);
	assert_int_equal(f->rep.stats.sites_cached, 0);
	a = fetch_state_view(f->st);
	b = fetch_state_view(st2);
	assert_string_equal(b->vpn, T_VPN);
	assert_int_equal(a->nsites, b->nsites);
	for (size_t i = 0; i < a->nsites; i++) {
		assert_string_equal(a->sites[i].name, b->sites[i].name);
		assert_int_equal(a->sites[i].site->serial,
				 b->sites[i].site->serial);
		assert_string_equal(a->sites[i].member->at,
				    b->sites[i].member->at);
		if (i)
			assert_true(strcmp(b->sites[i - 1].name,
					   b->sites[i].name) < 0);
	}
	assert_true(fetch_state_head_hw(f->st, &h1));
	assert_true(fetch_state_head_hw(st2, &h2));
	assert_int_equal(h1.serial, h2.serial);
	assert_memory_equal(h1.content, h2.content, RR_HASH_LEN);
	for (size_t i = 0; i < NSITES; i++) {
		struct fetch_site_cache c1, c2;
		fetch_state_site_cache(f->st, f->w.s[i].name, &c1);
		fetch_state_site_cache(st2, f->w.s[i].name, &c2);
		assert_true(c2.hw.set);
		assert_int_equal(c1.hw.serial, c2.hw.serial);
		assert_memory_equal(c1.key, c2.key, RR_HASH_LEN);
	}
	/* Saving the loaded state gives the same bytes. */
	{
		size_t l1, l2;
		char *t1 = slurp(f->path, &l1), *t2;
		if (fetch_state_save(st2, f->err, sizeof(f->err)) != 0)
			fail_msg("save: %s", f->err);
		t2 = slurp(f->path, &l2);
		assert_int_equal(l1, l2);
		assert_memory_equal(t1, t2, l1);
		free(t1);
		free(t2);
	}
	fetch_state_free(st2);
}

static void test_missing_file(void **state)
{
	struct fx *f = *state;
	struct fetch_state *st2;
	struct fetch_hw hw;

	assert_int_equal(reload(f, T_NOW, &st2), 0);
	assert_int_equal(fetch_state_view(st2)->nsites, 0);
	assert_false(fetch_state_head_hw(st2, &hw));
	/* A first run may save (and creates the directory). */
	if (fetch_state_save(st2, f->err, sizeof(f->err)) != 0)
		fail_msg("%s", f->err);
	fetch_state_free(st2);
}

static void test_corrupt(void **state)
{
	struct fx *f = *state;
	struct fetch_state *st2;
	size_t len, len2;
	char *before, *after;

	spill(f->path, "{\"format\": 1, \"vpn\": \"example\",\n  \"zone\": ");
	before = slurp(f->path, &len);
	assert_int_equal(reload(f, T_NOW, &st2), -1);
	/* Names the file, line and column. */
	assert_non_null(strstr(f->err, "state.json:2:"));
	/* ... and refuses to overwrite it. */
	assert_int_equal(fetch_state_save(st2, f->err, sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "not overwriting"));
	after = slurp(f->path, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(before, after, len);
	free(before);
	free(after);
	fetch_state_free(st2);
}

/* Valid JSON with a bad field: the error names the field. */
static void test_bad_fields(void **state)
{
	struct fx *f = *state;
	struct fetch_state *st2;
	char *text, *p;
	size_t len;

	save(f);
	text = slurp(f->path, &len);
	/* Break the first site record's base64. */
	p = strstr(text, "\"record\":{");
	assert_non_null(p);
	p = strstr(p, "\"rdata\":\"");
	assert_non_null(p);
	p[9] = '*';
	spill(f->path, text);
	assert_int_equal(reload(f, T_NOW, &st2), -1);
	assert_non_null(strstr(f->err, "sites[0].record.rdata: not base64"));
	fetch_state_free(st2);

	/* Another VPN's file. */
	save(f);
	free(text);
	text = slurp(f->path, &len);
	p = strstr(text, "\"vpn\":\"example\"");
	assert_non_null(p);
	memcpy(p + 7, "elpmaxe", 7);
	spill(f->path, text);
	assert_int_equal(reload(f, T_NOW, &st2), -1);
	assert_non_null(strstr(f->err, "holds VPN elpmaxe"));
	assert_non_null(strstr(f->err, "config says VPN example"));
	fetch_state_free(st2);

	/* A serial out of range. */
	spill(f->path, "{\"format\":1,\"vpn\":\"example\",\"zone\":"
		       "\"vpn.example.org\",\"sites\":[{\"name\":\"a/b\","
		       "\"hw\":{\"serial\":4294967296,\"content\":\"\"}}]}");
	assert_int_equal(reload(f, T_NOW, &st2), -1);
	assert_non_null(strstr(f->err, "sites[0].hw.serial"));
	fetch_state_free(st2);
	/* A duplicate key (JSON_REJECT_DUPLICATES). */
	spill(f->path, "{\"format\":1,\"format\":1}");
	assert_int_equal(reload(f, T_NOW, &st2), -1);
	assert_non_null(strstr(f->err, "duplicate"));
	fetch_state_free(st2);
	free(text);
}

/* The file is only bytes: an edited record fails its signature at load
 * and is dropped, the rest loads. */
static void test_tampered(void **state)
{
	struct fx *f = *state;
	struct fetch_state *st2;
	char *text, *p;
	size_t len;

	save(f);
	text = slurp(f->path, &len);
	/* In the first site record's base64, change one character. */
	p = strstr(text, "\"record\":{");
	assert_non_null(p);
	p = strstr(p, "\"rdata\":\"");
	assert_non_null(p);
	p[9 + 40] = p[9 + 40] == 'A' ? 'B' : 'A';
	spill(f->path, text);
	if (reload(f, T_NOW, &st2) != 0)
		fail_msg("%s", f->err);
	assert_int_equal(fetch_state_view(st2)->nsites, NSITES - 1);
	{
		bool found = false;
		for (size_t i = 0; i < f->rep.nevents; i++)
			found |= f->rep.events[i].kind ==
					 FETCH_EV_SITE_DROPPED &&
				 strstr(f->rep.events[i].msg,
					"no longer verifies") != NULL;
		assert_true(found);
	}
	fetch_state_free(st2);
	free(text);
}

/* Data that expired while the node was down is dropped at load; the
 * high-water marks survive. */
static void test_expired_at_load(void **state)
{
	struct fx *f = *state;
	struct fetch_state *st2;
	struct fetch_hw hw;
	struct fetch_site_cache c;

	save(f);
	if (reload(f, T_END, &st2) != 0)
		fail_msg("%s", f->err);
	assert_int_equal(fetch_state_view(st2)->nsites, 0);
	assert_null(fetch_state_membership(st2));
	assert_true(fetch_state_head_hw(st2, &hw));
	assert_int_equal(hw.serial, f->w.head_serial);
	fetch_state_site_cache(st2, f->w.s[0].name, &c);
	assert_true(c.hw.set);
	assert_false(c.has_key);
	/* Saved again, the marks are still there. */
	if (fetch_state_save(st2, f->err, sizeof(f->err)) != 0)
		fail_msg("%s", f->err);
	fetch_state_free(st2);
	assert_int_equal(reload(f, T_NOW, &st2), 0);
	assert_true(fetch_state_head_hw(st2, &hw));
	fetch_state_site_cache(st2, f->w.s[0].name, &c);
	assert_true(c.hw.set);
	fetch_state_free(st2);
}

/* A config that no longer trusts the anchor drops the stored head. */
static void test_anchor_removed(void **state)
{
	struct fx *f = *state;
	struct fetch_state *st2;

	save(f);
	f->w.cfg.anchors[0] = f->w.anchor2.pub;
	if (reload(f, T_NOW, &st2) != 0)
		fail_msg("%s", f->err);
	assert_int_equal(fetch_state_view(st2)->nsites, 0);
	assert_int_equal(f->rep.events[0].kind, FETCH_EV_HEAD_DROPPED);
	assert_non_null(strstr(f->rep.events[0].msg, "not trusted"));
	fetch_state_free(st2);
}

/* A save that cannot happen leaves the old file and no temporary. */
static void test_failed_save(void **state)
{
	struct fx *f = *state;
	struct fetch_state *st2;
	size_t l1, l2;
	char *t1, *t2;

	save(f);
	t1 = slurp(f->path, &l1);
	/* A directory where the temporary file goes makes open() fail. */
	assert_int_equal(mkdir(f->tmp, 0700), 0);
	f->w.s[0].serial = 2;
	w_publish_site(&f->w, 0);
	{
		struct fetch_chain_stats stats = { 0 };
		struct fetch_error e;
		fetch_merge_report_free(&f->rep);
		assert_int_equal(w_refresh(&f->w, f->st, T_NOW, &f->rep, &stats,
					   &e), FETCH_OK);
	}
	assert_int_equal(fetch_state_save(f->st, f->err, sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "state.json.tmp"));
	t2 = slurp(f->path, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(t1, t2, l1);
	assert_int_equal(rmdir(f->tmp), 0);
	/* A stale temporary file from a crash is removed at load. */
	spill(f->tmp, "partial");
	assert_int_equal(reload(f, T_NOW, &st2), 0);
	assert_int_equal(access(f->tmp, F_OK), -1);
	fetch_state_free(st2);
	free(t1);
	free(t2);
}

/* Lookups by name for many sites, including names that collide in
 * their first bytes. */
static void test_lookup(void **state)
{
	struct world w;
	struct fetch_state *st;
	struct fetch_merge_report rep = { 0 };
	struct fetch_chain_stats stats = { 0 };
	struct fetch_error e;
	struct fetch_site_cache c;
	char err[FETCH_STATE_ERRLEN];
	char *dir = h_tmpdir();

	(void)state;
	w_init(&w, 1000, 64);
	assert_int_equal(fetch_state_new(dir, &st, err, sizeof(err)), 0);
	assert_int_equal(w_refresh(&w, st, T_NOW, &rep, &stats, &e), FETCH_OK);
	assert_int_equal(fetch_state_view(st)->nsites, 1000);
	for (size_t i = 0; i < 1000; i++) {
		fetch_state_site_cache(st, w.s[i].name, &c);
		assert_true(c.hw.set);
		assert_true(c.has_key);
		assert_non_null(v_find(st, w.s[i].name));
	}
	fetch_state_site_cache(st, "loc0/nosuch", &c);
	assert_false(c.hw.set);
	fetch_merge_report_free(&rep);
	fetch_state_free(st);
	w_free(&w);
	h_rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_fields, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tampered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_at_load, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_anchor_removed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failed_save, setup,
						teardown),
		cmocka_unit_test(test_lookup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
