/*
 * pool.c: the job threads. Each has its own database connection and HTTP
 * client. A claim never makes a job wait for another job: a thread with
 * nothing queued claims a batch onto the process's queue and wakes one
 * idle thread per job, so every idle thread takes a claimed job at once;
 * a job that finds every thread busy for a moment is given back to the
 * database (worker_pool_release_stale, from the beat thread), where any
 * worker's idle thread can take it. Long kinds (a deadline over
 * POOL_LONG_S) hold at most all threads but one, so short jobs always
 * find a thread. A finished job goes to the beat thread, which writes its
 * completion at once (beat.c); failures and snoozes are written here. On
 * stop, a thread finishes the job in hand; the jobs still queued are
 * released.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "log.h"
#include "worker.h"

#define POOL_DB_RETRY_MS  250 /* pause between tries while PostgreSQL is away */
#define POOL_DB_GIVEUP_MS 60000
#define POOL_COOLDOWN_MS  10  /* pause after an empty claim, so jobs arrive together */
#define POOL_LONG_S       300 /* a kind whose deadline is longer is a long one */

struct jthread {
	struct worker *w;
	int index;
	pthread_t tid;
	struct xh_db *db;
	struct xh_http *http;
	unsigned long claims;
	char token_buf[JOB_TOKEN_MAX]; /* the current claim's token */
	int failing;                   /* the last claim failed (PostgreSQL away) */
};

/* A claimed job waiting for a thread (at most a wake-up away). */
struct pool_item {
	struct job job; /* in a */
	struct xh_arena *a;
	struct job_hold hold;
	int is_long;
	long long queued_at;
	struct pool_item *next;
};

/* The process's queue and thread counts, under w->mu. */
static struct {
	struct pool_item *head, *tail;
	int nqueue;   /* items on the queue */
	int nlong;    /* long jobs queued or running */
	int long_cap; /* most long jobs at once */
} q;

static struct jthread *threads;
static int nthreads;
static const char **short_kinds; /* the kinds that are not long */
static int nshort;

/* Sleeps ms milliseconds. */
static void
sleep_ms(long long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* 1 if jobs of kind k may run for long (POOL_LONG_S). */
static int
kind_is_long(const struct job_kind *k)
{
	return k != NULL && k->timeout_s > POOL_LONG_S;
}

/* The effective attempt cap: the job's own, bounded by its kind's. */
static int
max_attempts(const struct job_kind *k, const struct job *j)
{
	return k->max_attempts < j->max_attempts ? k->max_attempts : j->max_attempts;
}

/* Writes a failed or snoozed result, retrying while PostgreSQL is away. */
static void
record_result(struct jthread *t, const struct job_kind *k, const struct pool_item *it,
              enum retry_outcome out, const struct job_ctx *ctx)
{
	const struct job *j = &it->job;
	long long start = xh_now_ms(), backoff;
	enum xh_err err;

	backoff = retry_backoff_ms(k->retry, j->attempt, retry_random());
	for (;;) {
		if (out == RETRY_SNOOZE)
			err = job_snooze(t->db, it->hold.token, j->id,
			                 ctx->snooze_ms > 0 ? ctx->snooze_ms : 1000);
		else
			err = job_fail(t->db, it->hold.token, j, max_attempts(k, j),
			               out == RETRY_DISCARD, backoff,
			               ctx->msg[0] ? ctx->msg : "failed", NULL);
		if (err != XH_ERR_DB || xh_now_ms() - start > POOL_DB_GIVEUP_MS)
			break;
		sleep_ms(POOL_DB_RETRY_MS);
	}
	worker_running_remove(t->w, &it->hold);
}

/* Runs one job through its handler and records the outcome. */
static void
run_job(struct jthread *t, const struct pool_item *it)
{
	const struct job *j = &it->job;
	const struct job_kind *k = worker_kind_find(t->w, j->kind);
	struct job_ctx ctx;
	char idbuf[32], attempt[16], ms[24];
	long long start = xh_now_ms();
	enum retry_outcome out;
	enum xh_err err;

	memset(&ctx, 0, sizeof(ctx));
	if (k == NULL) { /* the claim asks only for known kinds; never trust it blindly */
		snprintf(ctx.msg, sizeof(ctx.msg), "no handler for kind %s", j->kind);
		job_fail(t->db, it->hold.token, j, 1, 1, 0, ctx.msg, NULL);
		worker_running_remove(t->w, &it->hold);
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
		worker_done_add(t->w, &it->hold);
	else
		record_result(t, k, it, out, &ctx);
	xh_log_set_id(NULL);
	xh_arena_free_wipe(ctx.arena); /* credentials, tokens, auth headers */
}

/* A queue item owning a copy of j (strings in its own arena). */
static struct pool_item *
item_new(const struct worker *w, const struct job *j, const char *token)
{
	struct xh_arena *a = xh_arena_new();
	struct pool_item *it = xh_alloc(a, sizeof(*it));

	memset(it, 0, sizeof(*it));
	it->a = a;
	it->job = *j;
	it->job.kind = xh_strdup(a, j->kind);
	it->job.args = xh_strdup(a, j->args);
	it->job.unique_key = j->unique_key != NULL ? xh_strdup(a, j->unique_key) : NULL;
	it->hold.id = j->id;
	snprintf(it->hold.token, sizeof(it->hold.token), "%s", token);
	it->is_long = kind_is_long(worker_kind_find(w, j->kind));
	return it;
}

/* Appends it to the queue (under w->mu). */
static void
queue_append(struct pool_item *it)
{
	if (q.tail != NULL)
		q.tail->next = it;
	else
		q.head = it;
	q.tail = it;
	q.nqueue++;
}

/* Takes the next queued job for a thread (under w->mu); NULL if none. */
static struct pool_item *
queue_take(struct worker *w)
{
	struct pool_item *it;

	pthread_mutex_lock(&w->mu);
	if ((it = q.head) != NULL) {
		q.head = it->next;
		if (q.head == NULL)
			q.tail = NULL;
		q.nqueue--;
	}
	pthread_mutex_unlock(&w->mu);
	return it;
}

/* A thread is done with it: counts and memory. */
static void
queue_done(struct worker *w, struct pool_item *it)
{
	pthread_mutex_lock(&w->mu);
	q.nlong -= it->is_long;
	pthread_mutex_unlock(&w->mu);
	xh_arena_free(it->a);
}

/* 1 while the long kinds hold fewer than their share of the threads. */
static int
long_ok(struct worker *w)
{
	int ok;

	pthread_mutex_lock(&w->mu);
	ok = q.nlong < q.long_cap;
	pthread_mutex_unlock(&w->mu);
	return ok;
}

/*
 * Queues the claimed jobs; a long job over the cap goes to *excess instead
 * (to be released). Returns how many were queued.
 */
static int
queue_put(struct worker *w, struct pool_item **items, int n, struct job_hold *excess, int *nexcess)
{
	long long now = xh_now_ms();
	int queued = 0;

	*nexcess = 0;
	pthread_mutex_lock(&w->mu);
	for (int i = 0; i < n; i++) {
		if (items[i]->is_long && q.nlong >= q.long_cap) {
			excess[(*nexcess)++] = items[i]->hold;
			xh_arena_free(items[i]->a);
			continue;
		}
		q.nlong += items[i]->is_long;
		items[i]->queued_at = now;
		queue_append(items[i]);
		queued++;
	}
	pthread_mutex_unlock(&w->mu);
	return queued;
}

/* Gives held jobs back and forgets them. */
static void
release(struct worker *w, struct xh_db *db, const struct job_hold *h, int n)
{
	if (n <= 0)
		return;
	if (job_release(db, h, n) != XH_OK)
		xh_log(XH_LOG_WARN, "job.release_failed", "error", xh_db_error(db), NULL);
	for (int i = 0; i < n; i++)
		worker_running_remove(w, &h[i]);
}

/* Claims into the arena; logs an outage once. -1 when the claim failed. */
static int
claim(struct jthread *t, int want, int long_ok, struct xh_arena *a, struct job **jobs)
{
	struct worker *w = t->w;
	int n = 0;

	snprintf(t->token_buf, sizeof(t->token_buf), "%s:%d:%lu", w->name, t->index, ++t->claims);
	if (job_claim(t->db, t->token_buf, want, long_ok ? w->kind_names : short_kinds,
	              long_ok ? w->nkinds : nshort, a, jobs, &n) != XH_OK) {
		if (!t->failing) /* once per outage, not every retry */
			xh_log(XH_LOG_WARN, "job.claim_failed", "error", xh_db_error(t->db), NULL);
		t->failing = 1;
		return -1;
	}
	if (t->failing)
		xh_log(XH_LOG_INFO, "job.claim_recovered", NULL);
	t->failing = 0;
	return n;
}

/*
 * Claims a batch and queues it, waking one idle thread per job beyond the
 * first (this thread takes that one). Returns the number claimed, or -1
 * when the claim failed (PostgreSQL away).
 */
static int
claim_and_queue(struct jthread *t)
{
	struct worker *w = t->w;
	struct xh_arena *a = xh_arena_new();
	struct job *jobs = NULL;
	struct pool_item **items;
	struct job_hold *holds;
	int n, queued, nexcess;

	n = claim(t, w->cfg->worker.claim_batch, long_ok(w), a, &jobs);
	items = xh_alloc(a, sizeof(*items) * (size_t)(n > 0 ? n : 1));
	holds = xh_alloc(a, sizeof(*holds) * (size_t)(n > 0 ? n : 1));
	for (int i = 0; i < n; i++) {
		items[i] = item_new(w, &jobs[i], t->token_buf);
		holds[i] = items[i]->hold;
	}
	worker_running_add(w, holds, n);
	queued = queue_put(w, items, n > 0 ? n : 0, holds, &nexcess);
	for (int i = 1; i < queued; i++)
		worker_wake_one(w);
	if (n == w->cfg->worker.claim_batch)
		worker_wake_one(w); /* there may be more: bring in another thread */
	release(w, t->db, holds, nexcess);
	xh_arena_free(a);
	return n;
}

/*
 * Gives back the jobs queued longer than max_ms (every thread busy), so
 * that an idle thread of any worker can take them. Called by the beat
 * thread on its own connection.
 */
void
worker_pool_release_stale(struct worker *w, struct xh_db *db, long long max_ms)
{
	struct pool_item *it, *next, *stale = NULL;
	struct job_hold *h;
	long long now = xh_now_ms();
	int n = 0;

	pthread_mutex_lock(&w->mu);
	it = q.head;
	q.head = q.tail = NULL;
	q.nqueue = 0;
	for (; it != NULL; it = next) {
		next = it->next;
		it->next = NULL;
		if (now - it->queued_at <= max_ms) {
			queue_append(it);
			continue;
		}
		q.nlong -= it->is_long;
		it->next = stale;
		stale = it;
		n++;
	}
	pthread_mutex_unlock(&w->mu);
	if (n == 0)
		return;
	h = xh_xcalloc((size_t)n, sizeof(*h));
	n = 0;
	for (it = stale; it != NULL; it = next) {
		next = it->next;
		h[n++] = it->hold;
		xh_arena_free(it->a);
	}
	release(w, db, h, n);
	free(h);
}

/* The loop of one job thread: run a queued job, else claim, else wait. */
static void *
job_thread(void *arg)
{
	struct jthread *t = arg;
	struct worker *w = t->w;
	struct pool_item *it;
	int n;

	while (!atomic_load(&w->stopping)) {
		if ((it = queue_take(w)) != NULL) {
			run_job(t, it);
			queue_done(w, it);
			continue;
		}
		n = claim_and_queue(t);
		if (n < 0) {
			worker_wait(w, POOL_DB_RETRY_MS * 2);
		} else if (n == 0) {
			worker_wait(w, w->cfg->worker.poll_ms);
			sleep_ms(POOL_COOLDOWN_MS);
		}
	}
	return NULL;
}

/* The kinds a claim may ask for while the long ones hold their share. */
static void
short_kinds_init(const struct worker *w)
{
	short_kinds = xh_xcalloc((size_t)w->nkinds + 1, sizeof(*short_kinds));
	nshort = 0;
	for (int i = 0; i < w->nkinds; i++)
		if (!kind_is_long(w->kinds[i]))
			short_kinds[nshort++] = w->kinds[i]->name;
}

int
worker_pool_start(struct worker *w)
{
	nthreads = w->cfg->worker.threads;
	memset(&q, 0, sizeof(q));
	q.long_cap = nthreads > 1 ? nthreads - 1 : 1;
	short_kinds_init(w);
	threads = xh_xcalloc((size_t)nthreads, sizeof(*threads));
	for (int i = 0; i < nthreads; i++) {
		struct jthread *t = &threads[i];

		t->w = w;
		t->index = i;
		t->db = worker_db_new(w);
		t->http = xh_http_new(w->cfg, t->db, w->name);
		if (pthread_create(&t->tid, NULL, job_thread, t) != 0) {
			xh_log(XH_LOG_ERROR, "worker.thread_failed", NULL);
			xh_http_free(t->http);
			xh_db_free(t->db);
			nthreads = i;
			return -1;
		}
	}
	return 0;
}

/* Releases the jobs still queued at stop (no thread will start them). */
static void
release_queued(struct worker *w, struct xh_db *db)
{
	struct pool_item *it;

	while ((it = queue_take(w)) != NULL) {
		release(w, db, &it->hold, 1);
		queue_done(w, it);
	}
}

void
worker_pool_join(struct worker *w)
{
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i].tid, NULL);
	if (nthreads > 0)
		release_queued(w, threads[0].db);
	for (int i = 0; i < nthreads; i++) {
		xh_http_free(threads[i].http);
		xh_db_free(threads[i].db);
	}
	free(threads);
	free(short_kinds);
	threads = NULL;
	short_kinds = NULL;
	nthreads = 0;
}
