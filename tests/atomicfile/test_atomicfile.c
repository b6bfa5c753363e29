/*
 * test_atomicfile.c - the atomic-write module (fetcher/atomicfile): the
 * steps a write takes, in order, and what a failure at each step leaves
 * behind (the old file, no temporary file), through its fault hook.
 */
#include <errno.h>
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

#include "atomicfile.h"

#define MAX_STEPS 64

struct trace {
	enum fetch_atomic_step step[MAX_STEPS];
	char path[MAX_STEPS][256];
	size_t n;
	/* fail the FAIL_AT-th step (counting from 1) with FAIL_ERRNO */
	size_t fail_at;
	int fail_errno;
};

struct fixture {
	char dir[64], sub[96], path[128], path2[128], tmp[160];
	struct trace tr;
};

static int hook(enum fetch_atomic_step s, const char *path, void *arg)
{
	struct trace *t = arg;

	if (t->n < MAX_STEPS) {
		t->step[t->n] = s;
		(void)snprintf(t->path[t->n], sizeof(t->path[0]), "%s", path);
	}
	t->n++;
	return t->n == t->fail_at ? t->fail_errno : 0;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* PATH's content, or "(absent)". */
static const char *content(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return "(absent)";
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	(void)fclose(f);
	return buf;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/vpnrr-atomic-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	(void)snprintf(f->sub, sizeof(f->sub), "%s/sub", f->dir);
	(void)snprintf(f->path, sizeof(f->path), "%s/file", f->dir);
	(void)snprintf(f->path2, sizeof(f->path2), "%s/file2", f->sub);
	(void)snprintf(f->tmp, sizeof(f->tmp), "%s%s", f->path,
		       FETCH_ATOMIC_TMP_SUFFIX);
	if (mkdir(f->sub, 0755) != 0)
		return -1;
	fetch_atomic_set_hook(hook, &f->tr);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	fetch_atomic_set_hook(NULL, NULL);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	free(f);
	return system(cmd) == 0 ? 0 : -1;
}

static int write_text(struct fixture *f, const char *text, unsigned flags,
		      char *err, size_t errlen)
{
	return fetch_atomic_write(f->path, NULL, (const uint8_t *)text,
				  strlen(text), 0640, flags, err, errlen);
}

static void test_write_steps_in_order(void **state)
{
	struct fixture *f = *state;
	char err[512];
	struct stat st;

	put(f->path, "old\n");
	assert_int_equal(write_text(f, "new\n", 0, err, sizeof(err)), 0);
	assert_string_equal(content(f->path), "new\n");
	assert_false(exists(f->tmp));
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	/* data durable before the rename, the rename durable after it */
	assert_int_equal(f->tr.n, 5);
	assert_int_equal(f->tr.step[0], FETCH_ATOMIC_STEP_CREATE);
	assert_string_equal(f->tr.path[0], f->tmp);
	assert_int_equal(f->tr.step[1], FETCH_ATOMIC_STEP_WRITE);
	assert_int_equal(f->tr.step[2], FETCH_ATOMIC_STEP_SYNC);
	assert_string_equal(f->tr.path[2], f->tmp);
	assert_int_equal(f->tr.step[3], FETCH_ATOMIC_STEP_RENAME);
	assert_string_equal(f->tr.path[3], f->path);
	assert_int_equal(f->tr.step[4], FETCH_ATOMIC_STEP_DIRSYNC);
	assert_string_equal(f->tr.path[4], f->dir);
}

/* A failure at any step before the rename leaves the old file and no
 * temporary file; the error names the file and the reason. */
static void test_failure_keeps_old_file(void **state)
{
	struct fixture *f = *state;
	char err[512];

	for (size_t at = 1; at <= 4; at++) {
		put(f->path, "old\n");
		f->tr.n = 0;
		f->tr.fail_at = at;
		f->tr.fail_errno = at == 2 ? ENOSPC : EIO;
		err[0] = '\0';
		assert_int_equal(write_text(f, "new\n", 0, err, sizeof(err)),
				 -1);
		assert_string_equal(content(f->path), "old\n");
		assert_false(exists(f->tmp));
		assert_non_null(strstr(err, f->dir));
		assert_non_null(strstr(err, strerror(f->tr.fail_errno)));
	}
}

/* After the rename the new file is in place, but a failed directory
 * sync is still a failure: the caller must not count it as durable. */
static void test_dirsync_failure_reported(void **state)
{
	struct fixture *f = *state;
	char err[512];

	put(f->path, "old\n");
	f->tr.fail_at = 5;
	f->tr.fail_errno = EIO;
	assert_int_equal(write_text(f, "new\n", 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot sync directory"));
	assert_false(exists(f->tmp));
}

/* A killed run's temporary file (here even a symlink) is replaced, not
 * written through. */
static void test_leftover_tmp_replaced(void **state)
{
	struct fixture *f = *state;
	char err[512], target[160];

	(void)snprintf(target, sizeof(target), "%s/victim", f->dir);
	put(target, "victim\n");
	assert_int_equal(symlink(target, f->tmp), 0);
	assert_int_equal(write_text(f, "new\n", 0, err, sizeof(err)), 0);
	assert_string_equal(content(f->path), "new\n");
	assert_string_equal(content(target), "victim\n");
	assert_false(exists(f->tmp));
}

static void test_excl(void **state)
{
	struct fixture *f = *state;
	char err[512];

	assert_int_equal(write_text(f, "first\n", FETCH_ATOMIC_EXCL, err,
				    sizeof(err)), 0);
	assert_int_equal(write_text(f, "second\n", FETCH_ATOMIC_EXCL, err,
				    sizeof(err)), -1);
	assert_int_equal(errno, EEXIST);
	assert_string_equal(content(f->path), "first\n");
	assert_false(exists(f->tmp));
}

/* A batch's CREATE never replaces a file: the existing target stays,
 * the failure says EEXIST, and no temporary file is left. */
static void test_batch_create(void **state)
{
	struct fixture *f = *state;
	char err[512], tmp2[200];
	struct fetch_atomic_op ops[2];
	bool done[2];

	(void)snprintf(tmp2, sizeof(tmp2), "%s~tmp", f->path2);
	memset(ops, 0, sizeof(ops));
	ops[0] = (struct fetch_atomic_op){ FETCH_ATOMIC_OP_CREATE, f->path,
					   f->tmp, (const uint8_t *)"new1\n",
					   5, 0600 };
	ops[1] = (struct fetch_atomic_op){ FETCH_ATOMIC_OP_CREATE, f->path2,
					   tmp2, (const uint8_t *)"new2\n", 5,
					   0 };
	assert_int_equal(fetch_atomic_batch(ops, 2, done, NULL, err,
					    sizeof(err)), 0);
	assert_true(done[0] && done[1]);
	assert_string_equal(content(f->path), "new1\n");
	assert_false(exists(f->tmp) || exists(tmp2));

	put(f->path2, "mine\n");
	ops[1].data = (const uint8_t *)"again";
	assert_int_equal(fetch_atomic_batch(&ops[1], 1, done, NULL, err,
					    sizeof(err)), -1);
	assert_int_equal(errno, EEXIST);
	assert_non_null(strstr(err, "exists already"));
	assert_string_equal(content(f->path2), "mine\n");
	assert_false(done[0]);
	assert_false(exists(tmp2));
}

static void test_batch(void **state)
{
	struct fixture *f = *state;
	char gone[128], err[512];
	struct fetch_atomic_op ops[3];
	struct fetch_atomic_stats st = { 0, 0 };
	char tmp2[200];
	bool done[3];

	(void)snprintf(gone, sizeof(gone), "%s/gone", f->dir);
	(void)snprintf(tmp2, sizeof(tmp2), "%s~tmp", f->path2);
	put(f->path, "old1\n");
	put(gone, "gone\n");
	memset(ops, 0, sizeof(ops));
	ops[0] = (struct fetch_atomic_op){ FETCH_ATOMIC_OP_WRITE, f->path,
					   f->tmp, (const uint8_t *)"new1\n",
					   5, 0 };
	ops[1] = (struct fetch_atomic_op){ FETCH_ATOMIC_OP_WRITE, f->path2,
					   tmp2, (const uint8_t *)"new2\n", 5,
					   0 };
	ops[2] = (struct fetch_atomic_op){ FETCH_ATOMIC_OP_REMOVE, gone, NULL,
					   NULL, 0, 0 };

	/* The second rename fails: no temporary file stays, nothing is
	 * reported done, each target is old or new. */
	f->tr.fail_at = 7; /* C W C W SYNC(one file system) RENAME RENAME */
	f->tr.fail_errno = EIO;
	assert_int_equal(fetch_atomic_batch(ops, 3, done, &st, err,
					    sizeof(err)), -1);
	assert_int_equal(f->tr.step[4], FETCH_ATOMIC_STEP_SYNC);
	assert_int_equal(f->tr.step[6], FETCH_ATOMIC_STEP_RENAME);
	assert_false(done[0] || done[1] || done[2]);
	assert_false(exists(f->tmp) || exists(tmp2));
	assert_string_equal(content(f->path2), "(absent)");
	assert_string_equal(content(gone), "gone\n");

	/* Again, without a fault: temporaries, one data sync for the one
	 * file system, renames and removal in order, one sync per
	 * directory. */
	f->tr.n = 0;
	f->tr.fail_at = 0;
	st.written = st.removed = 0;
	assert_int_equal(fetch_atomic_batch(ops, 3, done, &st, err,
					    sizeof(err)), 0);
	static const enum fetch_atomic_step want[] = {
		FETCH_ATOMIC_STEP_CREATE, FETCH_ATOMIC_STEP_WRITE,
		FETCH_ATOMIC_STEP_CREATE, FETCH_ATOMIC_STEP_WRITE,
		FETCH_ATOMIC_STEP_SYNC,   FETCH_ATOMIC_STEP_RENAME,
		FETCH_ATOMIC_STEP_RENAME, FETCH_ATOMIC_STEP_REMOVE,
		FETCH_ATOMIC_STEP_DIRSYNC, FETCH_ATOMIC_STEP_DIRSYNC,
	};
	assert_int_equal(f->tr.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < f->tr.n; i++)
		assert_int_equal(f->tr.step[i], want[i]);
	assert_string_equal(f->tr.path[8], f->dir);
	assert_string_equal(f->tr.path[9], f->sub);
	assert_true(done[0] && done[1] && done[2]);
	assert_int_equal(st.written, 2);
	assert_int_equal(st.removed, 1);
	assert_string_equal(content(f->path), "new1\n");
	assert_string_equal(content(f->path2), "new2\n");
	assert_false(exists(gone) || exists(f->tmp) || exists(tmp2));
}

static void test_read_compare_move(void **state)
{
	struct fixture *f = *state;
	char err[512], to[160];
	uint8_t *data;
	size_t len;

	assert_int_equal(fetch_file_read(f->path, 100, &data, &len, err,
					 sizeof(err)), 0);
	assert_int_equal(fetch_file_compare(f->path, (const uint8_t *)"x", 1,
					    err, sizeof(err)),
			 FETCH_CMP_ABSENT);
	put(f->path, "abc");
	assert_int_equal(fetch_file_compare(f->path, (const uint8_t *)"abc", 3,
					    err, sizeof(err)), FETCH_CMP_SAME);
	assert_int_equal(fetch_file_compare(f->path, (const uint8_t *)"abd", 3,
					    err, sizeof(err)),
			 FETCH_CMP_DIFFERENT);
	assert_int_equal(fetch_file_read(f->path, 2, &data, &len, err,
					 sizeof(err)), -1);
	assert_int_equal(fetch_file_read(f->path, 100, &data, &len, err,
					 sizeof(err)), 1);
	assert_int_equal(len, 3);
	assert_string_equal((char *)data, "abc");
	free(data);
	/* A move syncs the new directory, then the old one. */
	(void)snprintf(to, sizeof(to), "%s/moved", f->sub);
	f->tr.n = 0;
	assert_int_equal(fetch_atomic_move(f->path, to, err, sizeof(err)), 0);
	assert_int_equal(f->tr.n, 3);
	assert_string_equal(f->tr.path[1], f->sub);
	assert_string_equal(f->tr.path[2], f->dir);
	assert_string_equal(content(to), "abc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_steps_in_order,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_keeps_old_file,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_dirsync_failure_reported,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_leftover_tmp_replaced,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_excl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_create, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_compare_move, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
