/*
 * maint.c: the maintenance thread of a worker process, on its own
 * connection (heartbeats are beat.c's, on another): the rescuer
 * (running jobs whose heartbeat went stale, e.g. their worker was killed
 * with -9, go back to retryable), and the recurring schedules. Every
 * worker runs it; the statements are safe to run concurrently.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "worker.h"

#define MAINT_TICK_MS      100
#define MAINT_SCHED_MIN_MS 100
#define MAINT_SCHED_MAX_MS 5000

static pthread_t maint_tid;
static struct xh_db *maint_db;

/* Returns jobs with a stale heartbeat to the queue. */
static void
rescue(struct worker *w)
{
	long long stale = (long long)w->cfg->worker.rescue_after_s * 1000;
	char nbuf[16];
	int n = 0;

	if (job_rescue(maint_db, stale, &n) != XH_OK) {
		xh_log(XH_LOG_WARN, "job.rescue_failed", "error", xh_db_error(maint_db), NULL);
		return;
	}
	if (n > 0) {
		snprintf(nbuf, sizeof(nbuf), "%d", n);
		xh_log(XH_LOG_WARN, "job.rescued", "count", nbuf, NULL);
		worker_wake_all(w);
	}
}

/* Fires one schedule if due: app-wide, or for each of its vendor's links. */
static enum xh_err
schedule_one(const struct job_schedule *s, int *fired)
{
	struct job_new jn = {.kind = s->kind, .args = s->args};

	if (s->link_vendor != NULL)
		return job_schedule_tick_links(maint_db, s->key, s->link_vendor, s->every_ms, &jn,
		                               fired);
	return job_schedule_tick(maint_db, s->key, s->every_ms, &jn, fired);
}

/* Enqueues each recurring job that is due (unique keys prevent doubles). */
static void
schedule(struct worker *w)
{
	for (int i = 0; i < w->nschedules; i++) {
		const struct job_schedule *s = &w->schedules[i];
		int fired = 0;

		if (schedule_one(s, &fired) != XH_OK) {
			xh_log(XH_LOG_WARN, "job.schedule_failed", "key", s->key, "error",
			       xh_db_error(maint_db), NULL);
			return;
		}
		if (fired)
			xh_log(XH_LOG_DEBUG, "job.scheduled", "key", s->key, NULL);
	}
}

/* How often the schedules are looked at: a quarter of the shortest period. */
static long long
schedule_tick_ms(const struct worker *w)
{
	long long t = MAINT_SCHED_MAX_MS;

	for (int i = 0; i < w->nschedules; i++)
		if (w->schedules[i].every_ms / 4 < t)
			t = w->schedules[i].every_ms / 4;
	return t < MAINT_SCHED_MIN_MS ? MAINT_SCHED_MIN_MS : t;
}

/*
 * The maintenance loop, until the job threads are gone (w->finished).
 */
static void *
maint_thread(void *arg)
{
	struct worker *w = arg;
	long long rescue_ms = (long long)w->cfg->worker.rescue_after_s * 500;
	long long sched_ms = schedule_tick_ms(w);
	long long now, next_rescue = 0, next_sched = 0;
	struct timespec tick = {0, MAINT_TICK_MS * 1000000L};

	while (!atomic_load(&w->finished)) {
		now = xh_now_ms();
		if (now >= next_rescue) {
			rescue(w);
			next_rescue = now + rescue_ms;
		}
		if (now >= next_sched && !atomic_load(&w->stopping)) {
			schedule(w);
			next_sched = now + sched_ms;
		}
		nanosleep(&tick, NULL);
	}
	return NULL;
}

int
worker_maint_start(struct worker *w)
{
	maint_db = worker_db_new(w);
	if (pthread_create(&maint_tid, NULL, maint_thread, w) != 0) {
		xh_db_free(maint_db);
		maint_db = NULL;
		return -1;
	}
	return 0;
}

void
worker_maint_join(struct worker *w)
{
	(void)w;
	if (maint_db == NULL)
		return;
	pthread_join(maint_tid, NULL);
	xh_db_free(maint_db);
	maint_db = NULL;
}
