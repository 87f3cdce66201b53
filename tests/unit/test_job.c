/*
 * test_job.c: the pure logic of the job queue: the backoff schedule,
 * error classification, unique keys, state names and job arguments.
 * (What needs PostgreSQL, like unique-key collapse, is in
 * tests/integration/test_jobs.py.)
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "retry.h"
#include "unit.h"

static const struct {
	int attempt;
	long long ms;
} default_schedule[] = {
    {1, 10000},     {2, 20000},     {3, 40000},     {4, 80000},     {5, 160000},
    {6, 320000},    {7, 640000},    {8, 1280000},   {9, 2560000},   {10, 5120000},
    {11, 10240000}, {12, 20480000}, {13, 21600000}, {20, 21600000}, {1000, 21600000},
};

START_TEST(backoff_default_doubles_then_caps)
{
	int i = _i;

	/* r = 0.5 is the middle of the jitter range: no jitter */
	ck_assert_int_eq(retry_backoff_ms(RETRY_DEFAULT, default_schedule[i].attempt, 0.5),
	                 default_schedule[i].ms);
}
END_TEST

START_TEST(backoff_jitter_stays_within_20_percent)
{
	for (int attempt = 1; attempt <= 25; attempt++) {
		long long mid = retry_backoff_ms(RETRY_DEFAULT, attempt, 0.5);
		long long lo = retry_backoff_ms(RETRY_DEFAULT, attempt, 0.0);
		long long hi = retry_backoff_ms(RETRY_DEFAULT, attempt, 0.999999);

		ck_assert_int_eq(lo, mid * 8 / 10);
		ck_assert_int_ge(hi, mid * 119 / 100);
		ck_assert_int_lt(hi, mid * 12 / 10 + 1);
	}
}
END_TEST

START_TEST(backoff_jitter_spreads_retries)
{
	long long a = retry_backoff_ms(RETRY_FAST, 3, 0.1);
	long long b = retry_backoff_ms(RETRY_FAST, 3, 0.9);

	ck_assert_int_ne(a, b);
	ck_assert_int_lt(a, b);
}
END_TEST

START_TEST(backoff_fast_and_test_policies)
{
	ck_assert_int_eq(retry_backoff_ms(RETRY_FAST, 1, 0.5), 1000);
	ck_assert_int_eq(retry_backoff_ms(RETRY_FAST, 4, 0.5), 8000);
	ck_assert_int_eq(retry_backoff_ms(RETRY_FAST, 30, 0.5), 300000);
	ck_assert_int_eq(retry_backoff_ms(RETRY_TEST, 1, 0.5), 50);
	ck_assert_int_eq(retry_backoff_ms(RETRY_TEST, 5, 0.5), 800);
	ck_assert_int_eq(retry_backoff_ms(RETRY_TEST, 6, 0.5), 1000);
}
END_TEST

START_TEST(backoff_odd_inputs_are_safe)
{
	/* attempt 0 or negative means "the first"; r outside [0,1) means no jitter */
	ck_assert_int_eq(retry_backoff_ms(RETRY_DEFAULT, 0, 0.5), 10000);
	ck_assert_int_eq(retry_backoff_ms(RETRY_DEFAULT, -5, 0.5), 10000);
	ck_assert_int_eq(retry_backoff_ms(RETRY_DEFAULT, 1, 7.0), 10000);
	ck_assert_int_eq(retry_backoff_ms(RETRY_DEFAULT, 1, -1.0), 10000);
	ck_assert_int_eq(retry_backoff_ms((enum retry_policy)99, 1, 0.5), 10000);
	ck_assert_int_eq(retry_backoff_ms(RETRY_DEFAULT, 2147483647, 0.5), 21600000);
}
END_TEST

START_TEST(random_is_in_unit_interval)
{
	double lo = 1, hi = 0;

	for (int i = 0; i < 1000; i++) {
		double r = retry_random();

		ck_assert(r >= 0.0 && r < 1.0);
		lo = r < lo ? r : lo;
		hi = r > hi ? r : hi;
	}
	ck_assert(lo < 0.1 && hi > 0.9);
}
END_TEST

static const struct {
	enum xh_err err;
	enum retry_outcome out;
} classes[] = {
    {XH_OK, RETRY_COMPLETE},         {XH_ERR_NOMEM, RETRY_AGAIN},
    {XH_ERR_INVAL, RETRY_DISCARD},   {XH_ERR_IO, RETRY_AGAIN},
    {XH_ERR_CONFIG, RETRY_DISCARD},  {XH_ERR_DB, RETRY_AGAIN},
    {XH_ERR_CRYPTO, RETRY_DISCARD},  {XH_ERR_NOTFOUND, RETRY_DISCARD},
    {XH_ERR_TOOBIG, RETRY_DISCARD},  {XH_ERR_HTTP, RETRY_AGAIN},
    {XH_ERR_TRANSIENT, RETRY_AGAIN}, {XH_ERR_PERMANENT, RETRY_DISCARD},
    {XH_ERR_BUSY, RETRY_SNOOZE},     {(enum xh_err)999, RETRY_AGAIN},
};

START_TEST(errors_are_classified)
{
	ck_assert_int_eq(retry_classify(classes[_i].err), classes[_i].out);
}
END_TEST

START_TEST(only_success_completes)
{
	/* a code added to xh.h without its line in retry.c would read as 0: complete */
	for (int e = 1; e < XH_ERR__MAX; e++)
		ck_assert_int_ne(retry_classify((enum xh_err)e), RETRY_COMPLETE);
	ck_assert_int_eq((int)XH_NELEM(classes), XH_ERR__MAX + 1);
}
END_TEST

START_TEST(outcome_names)
{
	ck_assert_str_eq(retry_outcome_name(RETRY_COMPLETE), "complete");
	ck_assert_str_eq(retry_outcome_name(RETRY_AGAIN), "retry");
	ck_assert_str_eq(retry_outcome_name(RETRY_DISCARD), "discard");
	ck_assert_str_eq(retry_outcome_name(RETRY_SNOOZE), "snooze");
	ck_assert_str_eq(retry_outcome_name((enum retry_outcome)42), "unknown");
}
END_TEST

START_TEST(unique_key_shapes)
{
	struct xh_arena *a = xh_arena_new();

	ck_assert_str_eq(job_unique_key(a, "xero.pull", 7, "contact"), "xero.pull:7:contact");
	ck_assert_str_eq(job_unique_key(a, "xero.pull", 7, NULL), "xero.pull:7");
	ck_assert_str_eq(job_unique_key(a, "audit.retention", 0, NULL), "audit.retention:0");
	xh_arena_free(a);
}
END_TEST

START_TEST(unique_key_separates_links_and_parts)
{
	struct xh_arena *a = xh_arena_new();

	ck_assert_str_ne(job_unique_key(a, "xero.pull", 1, "invoice"),
	                 job_unique_key(a, "xero.pull", 2, "invoice"));
	ck_assert_str_ne(job_unique_key(a, "xero.pull", 1, "invoice"),
	                 job_unique_key(a, "xero.pull", 1, "contact"));
	ck_assert_str_ne(job_unique_key(a, "xero.pull", 1, "invoice"),
	                 job_unique_key(a, "hubspot.push", 1, "invoice"));
	ck_assert_str_eq(job_unique_key(a, "xero.pull", 1, "invoice"),
	                 job_unique_key(a, "xero.pull", 1, "invoice"));
	xh_arena_free(a);
}
END_TEST

START_TEST(unique_key_long_is_hashed_to_the_limit)
{
	struct xh_arena *a = xh_arena_new();
	char part1[400], part2[400];
	char *k1, *k2;

	memset(part1, 'x', sizeof(part1) - 1);
	part1[sizeof(part1) - 1] = '\0';
	memcpy(part2, part1, sizeof(part1));
	part2[300] = 'y'; /* differs only far beyond the kept prefix */
	k1 = job_unique_key(a, "xero.fetch", 3, part1);
	k2 = job_unique_key(a, "xero.fetch", 3, part2);
	ck_assert_uint_eq(strlen(k1), JOB_UNIQUE_KEY_MAX);
	ck_assert_uint_eq(strlen(k2), JOB_UNIQUE_KEY_MAX);
	ck_assert_str_ne(k1, k2);
	ck_assert(strncmp(k1, "xero.fetch:3:xxx", 16) == 0);
	ck_assert_str_eq(k1, job_unique_key(a, "xero.fetch", 3, part1));
	xh_arena_free(a);
}
END_TEST

START_TEST(unique_key_at_the_limit_is_kept)
{
	struct xh_arena *a = xh_arena_new();
	char part[JOB_UNIQUE_KEY_MAX];
	size_t room = JOB_UNIQUE_KEY_MAX - strlen("k.k:1:");
	char *k;

	memset(part, 'p', room);
	part[room] = '\0';
	k = job_unique_key(a, "k.k", 1, part);
	ck_assert_uint_eq(strlen(k), JOB_UNIQUE_KEY_MAX);
	ck_assert_ptr_null(strchr(k, '#'));
	part[room] = 'p';
	part[room + 1] = '\0';
	ck_assert_ptr_nonnull(strchr(job_unique_key(a, "k.k", 1, part), '#'));
	xh_arena_free(a);
}
END_TEST

START_TEST(state_names_round_trip)
{
	for (int i = 0; i < JOB_STATE__MAX; i++) {
		enum job_state st;

		ck_assert_int_eq(job_state_parse(job_state_name((enum job_state)i), &st), 0);
		ck_assert_int_eq(st, i);
	}
	ck_assert_ptr_null(job_state_name(JOB_STATE__MAX));
}
END_TEST

START_TEST(state_parse_rejects_unknown)
{
	enum job_state st = JOB_RUNNING;

	ck_assert_int_eq(job_state_parse("done", &st), -1);
	ck_assert_int_eq(job_state_parse("Running", &st), -1);
	ck_assert_int_eq(job_state_parse("", &st), -1);
	ck_assert_int_eq(job_state_parse(NULL, &st), -1);
	ck_assert_int_eq(st, JOB_RUNNING);
}
END_TEST

START_TEST(args_int_present_absent_and_bad)
{
	struct job j = {.args = "{\"ms\": 250, \"s\": \"x\", \"big\": 99999}"};
	long long v = 0;

	ck_assert_int_eq(job_arg_int(&j, "ms", 0, 0, 1000, &v), XH_OK);
	ck_assert_int_eq(v, 250);
	ck_assert_int_eq(job_arg_int(&j, "absent", 7, 0, 1000, &v), XH_OK);
	ck_assert_int_eq(v, 7);
	ck_assert_int_eq(job_arg_int(&j, "s", 0, 0, 1000, &v), XH_ERR_INVAL);
	ck_assert_int_eq(job_arg_int(&j, "big", 0, 0, 1000, &v), XH_ERR_INVAL);
	j.args = "[1,2]";
	ck_assert_int_eq(job_arg_int(&j, "ms", 0, 0, 1000, &v), XH_ERR_INVAL);
	j.args = "{not json";
	ck_assert_int_eq(job_arg_int(&j, "ms", 0, 0, 1000, &v), XH_ERR_INVAL);
}
END_TEST

START_TEST(args_str_present_absent_and_bad)
{
	struct job j = {.args = "{\"error\": \"busy\", \"n\": 3}"};
	struct xh_arena *a = xh_arena_new();
	char *s = NULL;

	ck_assert_int_eq(job_arg_str(&j, a, "error", &s), XH_OK);
	ck_assert_str_eq(s, "busy");
	ck_assert_int_eq(job_arg_str(&j, a, "absent", &s), XH_OK);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(job_arg_str(&j, a, "n", &s), XH_ERR_INVAL);
	xh_arena_free(a);
}
END_TEST

static void
add(Suite *s, const char *name, const TTest *t, int loop_end)
{
	unit_add(s, name, t, loop_end, NULL, NULL);
}

int
main(void)
{
	Suite *s = suite_create("job");

	add(s, "backoff_default", backoff_default_doubles_then_caps,
	    (int)XH_NELEM(default_schedule));
	add(s, "backoff_jitter", backoff_jitter_stays_within_20_percent, 0);
	add(s, "backoff_spread", backoff_jitter_spreads_retries, 0);
	add(s, "backoff_policies", backoff_fast_and_test_policies, 0);
	add(s, "backoff_odd", backoff_odd_inputs_are_safe, 0);
	add(s, "random", random_is_in_unit_interval, 0);
	add(s, "classify", errors_are_classified, (int)XH_NELEM(classes));
	add(s, "classify_all", only_success_completes, 0);
	add(s, "outcome_names", outcome_names, 0);
	add(s, "unique_shapes", unique_key_shapes, 0);
	add(s, "unique_separate", unique_key_separates_links_and_parts, 0);
	add(s, "unique_long", unique_key_long_is_hashed_to_the_limit, 0);
	add(s, "unique_limit", unique_key_at_the_limit_is_kept, 0);
	add(s, "states", state_names_round_trip, 0);
	add(s, "state_unknown", state_parse_rejects_unknown, 0);
	add(s, "args_int", args_int_present_absent_and_bad, 0);
	add(s, "args_str", args_str_present_absent_and_bad, 0);
	return unit_run(s);
}
