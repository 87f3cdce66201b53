/*
 * unit.h: the few lines every Check test program shares: adding a test
 * case (optionally with a fixture and a loop) and running the suite.
 * Define UNIT_ARENA before including it for an arena `a` per test.
 */
#ifndef XH_UNIT_H
#define XH_UNIT_H

#include <check.h>
#include <stdlib.h>

/* Adds a case holding test t, looped over [0, loop) when loop > 0. */
static inline void
unit_add(Suite *s, const char *name, const TTest *t, int loop, SFun setup, SFun teardown)
{
	TCase *tc = tcase_create(name);

	if (setup != NULL || teardown != NULL)
		tcase_add_checked_fixture(tc, setup, teardown);
	if (loop > 0)
		tcase_add_loop_test(tc, t, 0, loop);
	else
		tcase_add_test(tc, t);
	suite_add_tcase(s, tc);
}

/* Runs every case and returns the process exit status. */
static inline int
unit_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#ifdef UNIT_ARENA
#include "arena.h"

/* One arena per test, for tests that build strings: pass setup, teardown. */
static struct xh_arena *a;

static void
setup(void)
{
	a = xh_arena_new();
}

static void
teardown(void)
{
	xh_arena_free(a);
}
#endif

#endif
