/*
 * worker.h: the parts of xhsync-worker and what they share.
 *
 *   main.c     configuration, signals, start and orderly stop
 *   pool.c     job threads: claim a batch, run each job, record results
 *   wake.c     LISTEN on a dedicated connection; wakes idle job threads
 *   maint.c    heartbeats, the rescuer and the recurring schedules
 *   kinds.c    the job-kind table (kind -> handler, timeout, retries)
 *   testkinds.c  job kinds for the test suite (XHSYNC_WORKER_TEST_KINDS=1)
 *   retention.c  audit.retention and job.prune handlers
 */
#ifndef XH_WORKER_H
#define XH_WORKER_H

#include <pthread.h>
#include <stdatomic.h>

#include "crypto.h"
#include "job.h"
#include "lib/config.h"
#include "retry.h"

/* One line of the job-kind table. */
struct job_kind {
	const char *name; /* "vendor.action" */
	job_handler_fn fn;
	int timeout_s;           /* the handler's deadline */
	int max_attempts;        /* cap on the job row's max_attempts */
	enum retry_policy retry; /* backoff between attempts */
};

/*
 * A recurring schedule: one unique job per key, every every_ms. With
 * link_vendor set, one per link instead: every link in use that has a
 * credential of that vendor gets its own schedule "<key>:<link id>"
 * (job_schedule_tick_links).
 */
struct job_schedule {
	const char *key; /* also the job's unique key */
	const char *kind;
	long long every_ms;
	const char *args;        /* JSON object */
	const char *link_vendor; /* NULL: one app-wide job; "xero": one per Xero link */
};

/* State shared by every thread of the process. */
struct worker {
	const struct xh_config *cfg;
	struct xh_keyring keys; /* empty when [secrets] key_file is unset */
	int have_keys;
	char name[96];       /* "host:pid", prefix of claim tokens */
	atomic_int stopping; /* SIGTERM seen: claim nothing more */
	atomic_int finished; /* job threads gone: maintenance may stop */

	const struct job_kind **kinds; /* every kind this process runs */
	const char **kind_names;
	int nkinds;
	const struct job_schedule *schedules;
	int nschedules;

	pthread_mutex_t mu;  /* guards everything below */
	pthread_cond_t wake; /* a job may be available, or stopping */
	int wake_tokens;     /* wake-ups not yet taken by a job thread */
	long long *running;  /* ids of jobs held by this process */
	int nrunning;
	int caprunning;
};

/* kinds.c: fills w->kinds (test kinds too when test_kinds is set). */
void worker_kinds_init(struct worker *w, int test_kinds);
void worker_kinds_free(struct worker *w);
/* The kind named name, or NULL. */
const struct job_kind *worker_kind_find(const struct worker *w, const char *name);
/* The production and test kind tables (kinds.c, testkinds.c). */
const struct job_kind *worker_kind_table(int *n);
const struct job_kind *worker_test_kind_table(int *n);
/*
 * The recurring schedules (kinds.c); test_schedule_ms > 0 adds a test.noop
 * schedule with that period (test kinds only); link_schedule_ms > 0
 * replaces the period of every per-link schedule (tests). Free with
 * free(w->schedules).
 */
void worker_schedules_init(struct worker *w, long long test_schedule_ms,
                           long long link_schedule_ms);

/* pool.c: starts the job threads; they run until w->stopping. */
int worker_pool_start(struct worker *w);
/* Waits for every job thread to finish its job in hand and exit. */
void worker_pool_join(struct worker *w);

/*
 * wake.c: wake-ups are tokens, at most one per job thread, so that a
 * notification arriving while every thread is busy is not lost, and one
 * job does not wake a whole herd. worker_wake_one adds a token and wakes
 * one idle thread; worker_wake_all gives every thread one.
 */
void worker_wake_one(struct worker *w);
void worker_wake_all(struct worker *w);
/* Waits for a token, stopping, or ms milliseconds, whichever is first. */
void worker_wait(struct worker *w, long long ms);
int worker_listen_start(struct worker *w);
void worker_listen_join(struct worker *w);

/* maint.c: heartbeats, rescuer and schedules in one thread, until w->finished. */
int worker_maint_start(struct worker *w);
void worker_maint_join(struct worker *w);

/* The process's set of running job ids, for heartbeats (under w->mu). */
void worker_running_add(struct worker *w, const long long *ids, int n);
void worker_running_remove(struct worker *w, long long id);
/* Copies the running ids into a malloc'ed array; *n its length. */
long long *worker_running_copy(struct worker *w, int *n);

/* Handlers of the housekeeping kinds (retention.c). */
enum xh_err worker_audit_retention(struct job_ctx *ctx);
enum xh_err worker_job_prune(struct job_ctx *ctx);

/* A new xh_db from the configuration. */
struct xh_db *worker_db_new(const struct worker *w);

#endif
