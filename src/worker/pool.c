/*
 * pool.c: the job threads. Each has its own database connection and HTTP
 * client, claims a small batch, runs the jobs one by one, and records each
 * result. Completions are written in groups (one statement per group);
 * failures and snoozes at once. On stop, a thread finishes the job in
 * hand and releases the rest of its batch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "log.h"
#include "worker.h"

#define POOL_FLUSH_MS     100 /* longest a finished job waits to be marked */
#define POOL_DB_RETRY_MS  250 /* pause between tries while PostgreSQL is away */
#define POOL_DB_GIVEUP_MS 60000
#define POOL_COOLDOWN_MS  10 /* pause before claiming a partial batch again */

struct jthread {
	struct worker *w;
	int index;
	pthread_t tid;
	struct xh_db *db;
	struct xh_http *http;
	unsigned long claims;
	char token[128];
	long long *done; /* finished, not yet marked completed */
	int ndone;
	long long flushed_at;
	int failing; /* the last claim failed (PostgreSQL away) */
};

static struct jthread *threads;
static int nthreads;

/* Sleeps ms milliseconds. */
static void
sleep_ms(long long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/*
 * Marks the finished jobs completed, trying again while PostgreSQL is
 * unreachable (a restart); a job rescued meanwhile is simply not touched.
 */
static void
flush_done(struct jthread *t)
{
	long long start = xh_now_ms();
	int n = 0;

	if (t->ndone == 0)
		return;
	while (job_complete(t->db, t->token, t->done, t->ndone, &n) != XH_OK) {
		if (xh_now_ms() - start > POOL_DB_GIVEUP_MS) {
			xh_log(XH_LOG_ERROR, "job.complete_failed", "error", xh_db_error(t->db),
			       NULL);
			break;
		}
		sleep_ms(POOL_DB_RETRY_MS);
	}
	for (int i = 0; i < t->ndone; i++)
		worker_running_remove(t->w, t->done[i]);
	t->ndone = 0;
	t->flushed_at = xh_now_ms();
}

/* The effective attempt cap: the job's own, bounded by its kind's. */
static int
max_attempts(const struct job_kind *k, const struct job *j)
{
	return k->max_attempts < j->max_attempts ? k->max_attempts : j->max_attempts;
}

/* Writes a failed or snoozed result, retrying while PostgreSQL is away. */
static void
record_result(struct jthread *t, const struct job_kind *k, const struct job *j,
              enum retry_outcome out, const struct job_ctx *ctx)
{
	long long start = xh_now_ms(), backoff;
	enum xh_err err;

	backoff = retry_backoff_ms(k->retry, j->attempt, retry_random());
	for (;;) {
		if (out == RETRY_SNOOZE)
			err = job_snooze(t->db, t->token, j->id,
			                 ctx->snooze_ms > 0 ? ctx->snooze_ms : 1000);
		else
			err = job_fail(t->db, t->token, j, max_attempts(k, j), out == RETRY_DISCARD,
			               backoff, ctx->msg[0] ? ctx->msg : "failed", NULL);
		if (err != XH_ERR_DB || xh_now_ms() - start > POOL_DB_GIVEUP_MS)
			break;
		sleep_ms(POOL_DB_RETRY_MS);
	}
	worker_running_remove(t->w, j->id);
}

/* Runs one job through its handler and records the outcome. */
static void
run_job(struct jthread *t, const struct job *j)
{
	const struct job_kind *k = worker_kind_find(t->w, j->kind);
	struct job_ctx ctx;
	char idbuf[32], attempt[16], ms[24];
	long long start = xh_now_ms();
	enum retry_outcome out;
	enum xh_err err;

	memset(&ctx, 0, sizeof(ctx));
	if (k == NULL) { /* the claim asks only for known kinds; never trust it blindly */
		snprintf(ctx.msg, sizeof(ctx.msg), "no handler for kind %s", j->kind);
		job_fail(t->db, t->token, j, 1, 1, 0, ctx.msg, NULL);
		worker_running_remove(t->w, j->id);
		return;
	}
	ctx.job = j;
	ctx.db = t->db;
	ctx.http = t->http;
	ctx.cfg = t->w->cfg;
	ctx.keys = t->w->have_keys ? &t->w->keys : NULL;
	ctx.arena = xh_arena_new();
	ctx.deadline_ms = start + (long long)k->timeout_s * 1000;
	ctx.stopping = &t->w->stopping;
	snprintf(idbuf, sizeof(idbuf), "j-%lld", j->id);
	xh_log_set_id(idbuf);
	err = k->fn(&ctx);
	out = retry_classify(err);
	snprintf(attempt, sizeof(attempt), "%d", j->attempt);
	snprintf(ms, sizeof(ms), "%lld", xh_now_ms() - start);
	xh_log(out == RETRY_COMPLETE ? XH_LOG_DEBUG : XH_LOG_WARN, "job.done", "kind", j->kind,
	       "attempt", attempt, "outcome", retry_outcome_name(out), "ms", ms, "error",
	       out == RETRY_COMPLETE ? NULL : (ctx.msg[0] ? ctx.msg : xh_strerror(err)), NULL);
	if (out == RETRY_COMPLETE)
		t->done[t->ndone++] = j->id;
	else
		record_result(t, k, j, out, &ctx);
	xh_log_set_id(NULL);
	xh_arena_free(ctx.arena);
}

/*
 * Claims one batch and runs it. Returns the number of jobs claimed, or -1
 * when the claim failed (PostgreSQL away).
 */
static int
claim_and_run(struct jthread *t)
{
	struct worker *w = t->w;
	struct xh_arena *a = xh_arena_new();
	struct job *jobs = NULL;
	long long *ids;
	int n = 0, i;

	snprintf(t->token, sizeof(t->token), "%s:%d:%lu", w->name, t->index, ++t->claims);
	if (job_claim(t->db, t->token, w->cfg->worker.claim_batch, w->kind_names, w->nkinds, a,
	              &jobs, &n) != XH_OK) {
		if (!t->failing) /* once per outage, not every retry */
			xh_log(XH_LOG_WARN, "job.claim_failed", "error", xh_db_error(t->db), NULL);
		t->failing = 1;
		xh_arena_free(a);
		return -1;
	}
	if (t->failing)
		xh_log(XH_LOG_INFO, "job.claim_recovered", NULL);
	t->failing = 0;
	if (n == w->cfg->worker.claim_batch)
		worker_wake_one(w); /* there may be more: bring in another thread */
	ids = xh_alloc(a, sizeof(*ids) * (size_t)(n + 1));
	for (i = 0; i < n; i++)
		ids[i] = jobs[i].id;
	worker_running_add(w, ids, n);
	for (i = 0; i < n && !atomic_load(&w->stopping); i++) {
		run_job(t, &jobs[i]);
		if (xh_now_ms() - t->flushed_at >= POOL_FLUSH_MS)
			flush_done(t);
	}
	flush_done(t);
	if (i < n) {
		job_release(t->db, t->token, ids + i, n - i);
		for (; i < n; i++)
			worker_running_remove(w, ids[i]);
	}
	xh_arena_free(a);
	return n;
}

/* The loop of one job thread: claim, run, or wait for a wake-up. */
static void *
job_thread(void *arg)
{
	struct jthread *t = arg;
	struct worker *w = t->w;
	int n;

	while (!atomic_load(&w->stopping)) {
		n = claim_and_run(t);
		if (n < 0) {
			worker_wait(w, POOL_DB_RETRY_MS * 2);
		} else if (n < w->cfg->worker.claim_batch) {
			/*
			 * Idle or nearly: wait for a wake-up, then let a few more
			 * jobs arrive so one claim and one completion serve them all.
			 */
			if (n == 0)
				worker_wait(w, w->cfg->worker.poll_ms);
			sleep_ms(POOL_COOLDOWN_MS);
		}
	}
	return NULL;
}

int
worker_pool_start(struct worker *w)
{
	nthreads = w->cfg->worker.threads;
	threads = xh_xcalloc((size_t)nthreads, sizeof(*threads));
	for (int i = 0; i < nthreads; i++) {
		struct jthread *t = &threads[i];

		t->w = w;
		t->index = i;
		t->db = worker_db_new(w);
		t->http = xh_http_new(w->cfg, t->db, w->name);
		t->done = xh_xcalloc((size_t)w->cfg->worker.claim_batch, sizeof(*t->done));
		if (pthread_create(&t->tid, NULL, job_thread, t) != 0) {
			xh_log(XH_LOG_ERROR, "worker.thread_failed", NULL);
			xh_http_free(t->http);
			xh_db_free(t->db);
			free(t->done);
			nthreads = i;
			return -1;
		}
	}
	return 0;
}

void
worker_pool_join(struct worker *w)
{
	(void)w;
	for (int i = 0; i < nthreads; i++) {
		pthread_join(threads[i].tid, NULL);
		xh_http_free(threads[i].http);
		xh_db_free(threads[i].db);
		free(threads[i].done);
	}
	free(threads);
	threads = NULL;
	nthreads = 0;
}

void
worker_running_add(struct worker *w, const long long *ids, int n)
{
	if (n <= 0)
		return;
	pthread_mutex_lock(&w->mu);
	if (w->nrunning + n > w->caprunning) {
		w->caprunning = (w->nrunning + n) * 2;
		w->running = xh_xrealloc(w->running, sizeof(*w->running) * (size_t)w->caprunning);
	}
	memcpy(w->running + w->nrunning, ids, sizeof(*ids) * (size_t)n);
	w->nrunning += n;
	pthread_mutex_unlock(&w->mu);
}

void
worker_running_remove(struct worker *w, long long id)
{
	pthread_mutex_lock(&w->mu);
	for (int i = 0; i < w->nrunning; i++) {
		if (w->running[i] == id) {
			w->running[i] = w->running[--w->nrunning];
			break;
		}
	}
	pthread_mutex_unlock(&w->mu);
}

long long *
worker_running_copy(struct worker *w, int *n)
{
	long long *ids;

	pthread_mutex_lock(&w->mu);
	*n = w->nrunning;
	ids = xh_xcalloc((size_t)(*n > 0 ? *n : 1), sizeof(*ids));
	if (*n > 0)
		memcpy(ids, w->running, sizeof(*ids) * (size_t)*n);
	pthread_mutex_unlock(&w->mu);
	return ids;
}
