/*
 * beat.c: the beat thread of a worker process, on its own connection. It
 * writes each finished job's completion as soon as the job ends (the jobs
 * that end while one statement runs go in the next, so completions stay
 * grouped under load), and refreshes the heartbeat of every job the
 * process holds, each under its own claim token. Nothing else runs on
 * this thread, so a slow maintenance step or a long job cannot make a
 * live job look dead. It also gives back claimed jobs that found every
 * thread busy (worker_pool_release_stale), and keeps the set of held jobs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "worker.h"

#define BEAT_TICK_MS      50  /* longest sleep between looks at the clock */
#define BEAT_QUEUE_MAX_MS 100 /* a claimed job no thread starts in this long goes back */
#define BEAT_DB_GIVEUP_MS 60000

static pthread_t beat_tid;
static struct xh_db *beat_db;

/* The process's own liveness row (sql/0014_dashboard.sql), for the console. */
enum beat_sql_id {
	BQ_BEAT, /* BQ_BEAT */
	BQ_END,  /* BQ_END */
	BQ__MAX
};
static const struct xh_sql beat_sql[BQ__MAX] = {
    /* BQ_BEAT */
    {"worker_beat", /* $1 name: this process beats; rows a day old are dropped */
     XH_SQL_IDEMPOTENT "WITH old AS (DELETE FROM worker_heartbeat"
                       " WHERE beat_at < now() - interval '1 day' AND name <> $1)"
                       " INSERT INTO worker_heartbeat (name) VALUES ($1)"
                       " ON CONFLICT (name) DO UPDATE SET beat_at = now()",
     1},
    /* BQ_END */
    {"worker_beat_end", XH_SQL_IDEMPOTENT "DELETE FROM worker_heartbeat WHERE name = $1", 1},
};

/* Appends n holds to a growable array. */
static void
holds_append(struct job_hold **arr, int *len, int *cap, const struct job_hold *h, int n)
{
	if (*len + n > *cap) {
		*cap = (*len + n) * 2;
		*arr = xh_xrealloc(*arr, sizeof(**arr) * (size_t)*cap);
	}
	memcpy(*arr + *len, h, sizeof(*h) * (size_t)n);
	*len += n;
}

void
worker_running_add(struct worker *w, const struct job_hold *h, int n)
{
	if (n <= 0)
		return;
	pthread_mutex_lock(&w->mu);
	holds_append(&w->running, &w->nrunning, &w->caprunning, h, n);
	pthread_mutex_unlock(&w->mu);
}

void
worker_running_remove(struct worker *w, const struct job_hold *h)
{
	pthread_mutex_lock(&w->mu);
	for (int i = 0; i < w->nrunning; i++) {
		if (w->running[i].id == h->id && strcmp(w->running[i].token, h->token) == 0) {
			w->running[i] = w->running[--w->nrunning];
			break;
		}
	}
	pthread_mutex_unlock(&w->mu);
}

struct job_hold *
worker_running_copy(struct worker *w, int *n)
{
	struct job_hold *h;

	pthread_mutex_lock(&w->mu);
	*n = w->nrunning;
	h = xh_xcalloc((size_t)(*n > 0 ? *n : 1), sizeof(*h));
	if (*n > 0)
		memcpy(h, w->running, sizeof(*h) * (size_t)*n);
	pthread_mutex_unlock(&w->mu);
	return h;
}

void
worker_done_add(struct worker *w, const struct job_hold *h)
{
	pthread_mutex_lock(&w->mu);
	holds_append(&w->done, &w->ndone, &w->capdone, h, 1);
	pthread_cond_signal(&w->beat_wake);
	pthread_mutex_unlock(&w->mu);
}

/* Takes the finished jobs, waiting up to ms for one; *n their number. */
static struct job_hold *
take_done(struct worker *w, long long ms, int *n)
{
	struct timespec until;
	struct job_hold *h = NULL;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->mu);
	while (w->ndone == 0 && !atomic_load(&w->finished))
		if (pthread_cond_timedwait(&w->beat_wake, &w->mu, &until) == ETIMEDOUT)
			break;
	*n = w->ndone;
	if (*n > 0) {
		h = w->done;
		w->done = NULL;
		w->ndone = w->capdone = 0;
	}
	pthread_mutex_unlock(&w->mu);
	return h;
}

/*
 * Writes the completions of h[0..n-1], retrying while PostgreSQL is away
 * (a restart); a job rescued or cancelled meanwhile is simply not touched.
 */
static void
complete(struct worker *w, struct job_hold *h, int n)
{
	long long start = xh_now_ms();

	while (job_complete(beat_db, h, n, NULL) != XH_OK) {
		if (xh_now_ms() - start > BEAT_DB_GIVEUP_MS) {
			xh_log(XH_LOG_ERROR, "job.complete_failed", "error", xh_db_error(beat_db),
			       NULL);
			break;
		}
		struct timespec ts = {0, 250 * 1000000L};
		nanosleep(&ts, NULL);
	}
	for (int i = 0; i < n; i++)
		worker_running_remove(w, &h[i]);
}

/* Refreshes the heartbeat of every job this process holds. */
static void
beat(struct worker *w)
{
	int n = 0;
	struct job_hold *h = worker_running_copy(w, &n);

	if (n > 0 && job_heartbeat(beat_db, h, n, NULL) != XH_OK)
		xh_log(XH_LOG_WARN, "job.heartbeat_failed", "error", xh_db_error(beat_db), NULL);
	free(h);
	if (xh_db_execv(beat_db, &beat_sql[BQ_BEAT], NULL, w->name) != XH_OK)
		xh_log(XH_LOG_WARN, "worker.heartbeat_failed", "error", xh_db_error(beat_db), NULL);
}

/*
 * The beat loop. It outlives the job threads (w->finished, not
 * w->stopping): the jobs they finish during shutdown keep beating, and
 * their completions are written before it ends.
 */
static void *
beat_thread(void *arg)
{
	struct worker *w = arg;
	long long hb_ms = (long long)w->cfg->worker.heartbeat_s * 1000;
	long long now, next_hb = 0;
	struct job_hold *h;
	int n;

	for (;;) {
		now = xh_now_ms();
		if (now >= next_hb) {
			beat(w);
			next_hb = now + hb_ms;
		}
		h = take_done(w, next_hb - now < BEAT_TICK_MS ? next_hb - now : BEAT_TICK_MS, &n);
		if (n > 0)
			complete(w, h, n);
		free(h);
		worker_pool_release_stale(w, beat_db, BEAT_QUEUE_MAX_MS);
		if (n == 0 && atomic_load(&w->finished))
			break;
	}
	return NULL;
}

int
worker_beat_start(struct worker *w)
{
	beat_db = worker_db_new(w);
	if (pthread_create(&beat_tid, NULL, beat_thread, w) != 0) {
		xh_db_free(beat_db);
		beat_db = NULL;
		return -1;
	}
	return 0;
}

void
worker_beat_join(struct worker *w)
{
	if (beat_db == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	pthread_cond_signal(&w->beat_wake);
	pthread_mutex_unlock(&w->mu);
	pthread_join(beat_tid, NULL);
	if (xh_db_execv(beat_db, &beat_sql[BQ_END], NULL, w->name) != XH_OK)
		xh_log(XH_LOG_WARN, "worker.heartbeat_failed", "error", xh_db_error(beat_db), NULL);
	xh_db_free(beat_db);
	beat_db = NULL;
}
