/*
 * testkinds.c: job kinds for the test suite and the benchmark, registered
 * only when the environment says XHSYNC_WORKER_TEST_KINDS=1.
 *
 *   test.noop    does nothing
 *   test.record  sleeps args.ms (default 0), then records (job id, pid,
 *                attempt, start, end) in test_job_run, a table the test
 *                creates: proof of exactly-once and of no overlap
 *   test.long    test.record as a long kind (a deadline over 5 minutes,
 *                like xero.pull), which may hold all threads but one
 *   test.fail    fails while attempt + snoozes <= args.fail (default
 *                1000) with args.error: "transient", "permanent" or "busy"
 *                (snoozed for args.snooze_ms), then succeeds
 *   test.enqueue in one transaction, records a marker row in test_job_run
 *                (started_us = -1) and enqueues a test.record job, then
 *                commits, or rolls back when args.rollback is 1: the job
 *                and the row must share their fate
 */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "worker.h"

enum test_sql {
	TQ_RECORD, /* TQ_RECORD */
	TQ_MARK,   /* TQ_MARK */
	TQ__MAX
};

static const struct xh_sql test_sql[TQ__MAX] = {
    /* TQ_RECORD */
    {"test_record",
     "INSERT INTO test_job_run (job_id, pid, attempt, started_us, ended_us)"
     " VALUES ($1::bigint, $2::int, $3::int, $4::bigint, $5::bigint)",
     5},
    /* TQ_MARK */
    {"test_mark",
     "INSERT INTO test_job_run (job_id, pid, attempt, started_us, ended_us)"
     " VALUES ($1::bigint, $2::int, 0, -1, -1)",
     2},
};

static enum xh_err test_noop(struct job_ctx *ctx);
static enum xh_err test_record(struct job_ctx *ctx);
static enum xh_err test_fail(struct job_ctx *ctx);
static enum xh_err test_enqueue(struct job_ctx *ctx);

enum test_kind {
	TK_NOOP,    /* TK_NOOP */
	TK_RECORD,  /* TK_RECORD */
	TK_FAIL,    /* TK_FAIL */
	TK_ENQUEUE, /* TK_ENQUEUE */
	TK_LONG,    /* TK_LONG */
	TK__MAX
};

/* name, handler, timeout_s, max_attempts, retry policy */
static const struct job_kind test_kind_table[TK__MAX] = {
    {"test.noop", test_noop, 10, 1000, RETRY_TEST},       /* TK_NOOP */
    {"test.record", test_record, 60, 1000, RETRY_TEST},   /* TK_RECORD */
    {"test.fail", test_fail, 10, 1000, RETRY_TEST},       /* TK_FAIL */
    {"test.enqueue", test_enqueue, 10, 1000, RETRY_TEST}, /* TK_ENQUEUE */
    {"test.long", test_record, 900, 1000, RETRY_TEST},    /* TK_LONG */
};

const struct job_kind *
worker_test_kind_table(int *n)
{
	*n = TK__MAX;
	return test_kind_table;
}

static enum xh_err
test_noop(struct job_ctx *ctx)
{
	(void)ctx;
	return XH_OK;
}

/* Wall-clock microseconds, comparable across processes on one host. */
static long long
wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Sleeps args.ms, then records the run with its start and end times. */
static enum xh_err
test_record(struct job_ctx *ctx)
{
	char id[24], pid[16], attempt[16], t0[24], t1[24];
	long long ms = 0;
	struct timespec ts;

	if (job_arg_int(ctx->job, "ms", 0, 0, 600000, &ms) != XH_OK)
		return job_error(ctx, XH_ERR_INVAL, "args.ms must be 0..600000");
	snprintf(t0, sizeof(t0), "%lld", wall_us());
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	snprintf(t1, sizeof(t1), "%lld", wall_us());
	snprintf(id, sizeof(id), "%lld", ctx->job->id);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(attempt, sizeof(attempt), "%d", ctx->job->attempt);
	if (xh_db_execv(ctx->db, &test_sql[TQ_RECORD], NULL, id, pid, attempt, t0, t1) != XH_OK)
		return job_error(ctx, XH_ERR_DB, "record: %s", xh_db_error(ctx->db));
	return XH_OK;
}

/* Fails the first args.fail attempts with the error named by args.error. */
static enum xh_err
test_fail(struct job_ctx *ctx)
{
	static const struct {
		const char *name;
		enum xh_err err;
	} errs[] = {
	    {"transient", XH_ERR_TRANSIENT},
	    {"permanent", XH_ERR_PERMANENT},
	    {"busy", XH_ERR_BUSY},
	};
	long long fail = 0, snooze = 0;
	char *what = NULL;

	if (job_arg_int(ctx->job, "fail", 1000, 0, 1000, &fail) != XH_OK ||
	    job_arg_int(ctx->job, "snooze_ms", 100, 0, 3600000, &snooze) != XH_OK ||
	    job_arg_str(ctx->job, ctx->arena, "error", &what) != XH_OK)
		return job_error(ctx, XH_ERR_INVAL, "bad args");
	if (ctx->job->attempt + ctx->job->snoozes > fail)
		return XH_OK;
	ctx->snooze_ms = snooze;
	for (size_t i = 0; i < XH_NELEM(errs); i++)
		if (strcmp(what != NULL ? what : "transient", errs[i].name) == 0)
			return job_error(ctx, errs[i].err, "test failure %d of %lld (%s)",
			                 ctx->job->attempt + ctx->job->snoozes, fail, errs[i].name);
	return job_error(ctx, XH_ERR_INVAL, "args.error: unknown error name");
}

/* The marker row and the job enqueued in the handler's transaction. */
static enum xh_err
enqueue_tx(struct xh_db *db, void *arg)
{
	struct job_ctx *ctx = arg;
	struct job_new jn = {.kind = "test.record", .args = "{}"};
	char id[24], pid[16];

	snprintf(id, sizeof(id), "%lld", ctx->job->id);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (xh_db_execv(db, &test_sql[TQ_MARK], NULL, id, pid) != XH_OK)
		return XH_ERR_DB;
	return job_enqueue(db, &jn, NULL, NULL);
}

/* Commits, or rolls back (args.rollback = 1), a row and a job together. */
static enum xh_err
test_enqueue(struct job_ctx *ctx)
{
	long long rollback = 0;
	enum xh_err err;

	if (job_arg_int(ctx->job, "rollback", 0, 0, 1, &rollback) != XH_OK)
		return job_error(ctx, XH_ERR_INVAL, "args.rollback must be 0 or 1");
	if (!rollback)
		return xh_db_tx(ctx->db, enqueue_tx, ctx) == XH_OK
		           ? XH_OK
		           : job_error(ctx, XH_ERR_DB, "%s", xh_db_error(ctx->db));
	if ((err = xh_db_begin(ctx->db)) == XH_OK) {
		err = enqueue_tx(ctx->db, ctx);
		xh_db_rollback(ctx->db);
	}
	return err ? job_error(ctx, err, "%s", xh_db_error(ctx->db)) : XH_OK;
}
