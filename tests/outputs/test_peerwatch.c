/*
 * test_peerwatch.c - the watch on secnet's handling of peer-keys updates,
 * against a fake secnet: a libuv timer that does what secnet's
 * peerkeys_check_for_update() does (rename ~update to ~proc, then either
 * rename ~proc over the live file or, as the defective secnet does with a
 * "not newer" key set, delete it).
 */
#include <ftw.h>
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
#include <uv.h>

#include "atomicfile.h"
#include "peerwatch.h"

#define OLD_KEYS                                                               \
	"serial 00000001\npkg 00000000\npub rsa1 ytlE7Wddh26=_)lT{+VE\n"
#define NEW_KEYS                                                               \
	"serial 00000002\npkg 00000000\npub rsa1 ytlE7Wddh26=8M7R;49E\n"

enum fake_action { FAKE_NOTHING, FAKE_ADOPT, FAKE_DISCARD, FAKE_CANCEL };

struct fixture {
	char root[64], live[128], upd[160], proc[160];
	uv_loop_t loop;
	uv_timer_t fake; /* the fake secnet */
	enum fake_action action;
	int fake_step;
	struct fetch_peerwatch *watch;
	int calls;
	enum fetch_peerwatch_outcome outcome;
};

static void write_file(const char *path, const char *text)
{
	char err[256];

	if (fetch_atomic_write(path, NULL, (const uint8_t *)text, strlen(text),
			       0644, 0, err, sizeof(err)) < 0)
		fail_msg("%s", err);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->root, sizeof(f->root), "/tmp/vpnrr-peerwatch-XXXXXX");
	if (!mkdtemp(f->root) || uv_loop_init(&f->loop) < 0) {
		free(f);
		return -1;
	}
	snprintf(f->live, sizeof(f->live), "%s/peer.test,london,alpha",
		 f->root);
	snprintf(f->upd, sizeof(f->upd), "%s~update", f->live);
	snprintf(f->proc, sizeof(f->proc), "%s~proc", f->live);
	write_file(f->live, OLD_KEYS);
	write_file(f->upd, NEW_KEYS);
	*state = f;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int rc = uv_loop_close(&f->loop); /* UV_EBUSY: a handle leaked */

	if (nftw(f->root, rm_entry, 8, FTW_DEPTH | FTW_PHYS) < 0)
		rc = -1;
	free(f);
	return rc;
}

static void on_outcome(enum fetch_peerwatch_outcome outcome,
		       const char *live_path, const char *msg, void *data)
{
	struct fixture *f = data;

	(void)msg;
	assert_string_equal(live_path, f->live);
	f->calls++;
	f->outcome = outcome;
	f->watch = NULL;
	uv_close((uv_handle_t *)&f->fake, NULL);
}

/* Each tick of the fake secnet does one of secnet's steps. */
static void fake_tick(uv_timer_t *t)
{
	struct fixture *f = t->data;

	switch (f->fake_step++) {
	case 0:
		if (f->action == FAKE_CANCEL) {
			fetch_peerwatch_cancel(f->watch);
			f->watch = NULL;
			uv_close((uv_handle_t *)&f->fake, NULL);
			return;
		}
		if (f->action != FAKE_NOTHING)
			assert_int_equal(rename(f->upd, f->proc), 0);
		break;
	case 1:
		if (f->action == FAKE_ADOPT)
			assert_int_equal(rename(f->proc, f->live), 0);
		else if (f->action == FAKE_DISCARD)
			assert_int_equal(unlink(f->proc), 0);
		break;
	default:
		break;
	}
}

static void run(struct fixture *f, enum fake_action action,
		uint64_t timeout_ms)
{
	struct fetch_peerwatch_opts opts = { 5, timeout_ms };
	int r;

	f->action = action;
	assert_int_equal(uv_timer_init(&f->loop, &f->fake), 0);
	f->fake.data = f;
	/* Steps 40 ms apart, so several checks see each state. */
	assert_int_equal(uv_timer_start(&f->fake, fake_tick, 20, 40), 0);
	r = fetch_peerwatch_start(&f->loop, f->live,
				  (const uint8_t *)NEW_KEYS, strlen(NEW_KEYS),
				  &opts, on_outcome, f, &f->watch);
	assert_int_equal(r, 0);
	assert_int_equal(uv_run(&f->loop, UV_RUN_DEFAULT), 0);
}

static void test_adopted(void **state)
{
	struct fixture *f = *state;

	run(f, FAKE_ADOPT, 5000);
	assert_int_equal(f->calls, 1);
	assert_int_equal(f->outcome, FETCH_PEERWATCH_ADOPTED);
}

/* secnet 0.6.7's defect: the newer set is "older" and deleted. */
static void test_discarded(void **state)
{
	struct fixture *f = *state;
	uint8_t *data;
	size_t len;
	char err[256];

	run(f, FAKE_DISCARD, 5000);
	assert_int_equal(f->calls, 1);
	assert_int_equal(f->outcome, FETCH_PEERWATCH_DISCARDED);
	assert_string_equal(fetch_peerwatch_outcome_name(f->outcome),
			    "discarded");
	/* The live file still holds the old keys. */
	assert_int_equal(fetch_file_read(f->live, 4096, &data, &len, err,
					 sizeof(err)),
			 1);
	assert_int_equal(len, strlen(OLD_KEYS));
	assert_memory_equal(data, OLD_KEYS, len);
	free(data);
}

static void test_timeout(void **state)
{
	struct fixture *f = *state;

	run(f, FAKE_NOTHING, 150);
	assert_int_equal(f->calls, 1);
	assert_int_equal(f->outcome, FETCH_PEERWATCH_TIMEOUT);
	assert_int_equal(access(f->upd, F_OK), 0);
}

static void test_cancel(void **state)
{
	struct fixture *f = *state;

	run(f, FAKE_CANCEL, 5000);
	assert_int_equal(f->calls, 0);
}

/* Cancelled before the loop ever runs: freed without a callback. */
static void test_cancel_at_once(void **state)
{
	struct fixture *f = *state;
	struct fetch_peerwatch *w;

	assert_int_equal(fetch_peerwatch_start(&f->loop, f->live,
					       (const uint8_t *)NEW_KEYS,
					       strlen(NEW_KEYS), NULL,
					       on_outcome, f, &w),
			 0);
	fetch_peerwatch_cancel(w);
	assert_int_equal(uv_run(&f->loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(f->calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_adopted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discarded, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_at_once, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
