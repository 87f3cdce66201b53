/*
 * wake.c: wake-ups for idle job threads. A dedicated connection LISTENs on
 * JOB_CHANNEL (the enqueuing transaction NOTIFYs on commit); the
 * notifications read in one go wake one idle thread, and a thread that
 * claims a full batch wakes another (pool.c), so a burst brings in as
 * many threads as it needs and a single job only one. Threads also wake
 * after poll_ms, so nothing depends on a notification arriving. After
 * PostgreSQL restarts, the listener reconnects, LISTENs again and wakes
 * everyone, since notifications sent meanwhile are lost.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "worker.h"

#define WAKE_POLL_MS  200 /* how often the listener looks at `stopping` */
#define WAKE_RETRY_MS 500 /* pause between reconnection attempts */

enum wake_sql {
	WQ_LISTEN, /* WQ_LISTEN */
	WQ__MAX
};

static const struct xh_sql wake_sql[WQ__MAX] = {
    {"worker_listen", "LISTEN " JOB_CHANNEL, 0}, /* WQ_LISTEN */
};

static pthread_t listen_tid;
static struct xh_db *listen_db;

void
worker_wake_one(struct worker *w)
{
	pthread_mutex_lock(&w->mu);
	if (w->wake_tokens < w->cfg->worker.threads)
		w->wake_tokens++;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
}

void
worker_wake_all(struct worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->wake_tokens = w->cfg->worker.threads;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->mu);
}

void
worker_wait(struct worker *w, long long ms)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->mu);
	while (w->wake_tokens == 0 && !atomic_load(&w->stopping))
		if (pthread_cond_timedwait(&w->wake, &w->mu, &until) == ETIMEDOUT)
			break;
	if (w->wake_tokens > 0)
		w->wake_tokens--;
	pthread_mutex_unlock(&w->mu);
}

/* Sleeps up to ms in steps, returning early when stopping (takes no token). */
static void
pause_ms(struct worker *w, long long ms)
{
	struct timespec step = {0, 50 * 1000000L};

	for (long long t = 0; t < ms && !atomic_load(&w->stopping); t += 50)
		nanosleep(&step, NULL);
}

/* Waits for notifications on the live connection; -1 when it broke. */
static int
listen_once(struct worker *w)
{
	PGconn *conn = xh_db_conn(listen_db);
	struct pollfd pfd = {.fd = PQsocket(conn), .events = POLLIN};
	PGnotify *n;
	int got = 0;

	if (poll(&pfd, 1, WAKE_POLL_MS) < 0 && errno != EINTR)
		return -1;
	if (PQconsumeInput(conn) == 0)
		return -1;
	while ((n = PQnotifies(conn)) != NULL) {
		PQfreemem(n);
		got = 1;
	}
	if (got)
		worker_wake_one(w);
	return 0;
}

/* The listener thread: LISTEN, wait, reconnect as needed. */
static void *
listen_thread(void *arg)
{
	struct worker *w = arg;
	int listening = 0;

	while (!atomic_load(&w->stopping)) {
		if (!listening) {
			if (xh_db_exec(listen_db, &wake_sql[WQ_LISTEN], NULL, NULL) != XH_OK) {
				pause_ms(w, WAKE_RETRY_MS);
				continue;
			}
			listening = 1;
			xh_log(XH_LOG_DEBUG, "worker.listen", "channel", JOB_CHANNEL, NULL);
			worker_wake_all(w);
		}
		if (listen_once(w) < 0) {
			xh_log(XH_LOG_WARN, "worker.listen_lost", NULL);
			listening = 0;
		}
	}
	return NULL;
}

int
worker_listen_start(struct worker *w)
{
	listen_db = worker_db_new(w);
	if (pthread_create(&listen_tid, NULL, listen_thread, w) != 0) {
		xh_db_free(listen_db);
		listen_db = NULL;
		return -1;
	}
	return 0;
}

void
worker_listen_join(struct worker *w)
{
	(void)w;
	if (listen_db == NULL)
		return;
	pthread_join(listen_tid, NULL);
	xh_db_free(listen_db);
	listen_db = NULL;
}
