/*
 * worker.h: the parts of xhsync-worker and what they share.
 *
 *   main.c     configuration, signals, start and orderly stop
 *   pool.c     job threads: claim onto a shared queue, each job to an idle thread
 *   beat.c     heartbeats and completions, on a connection of their own
 *   wake.c     LISTEN on a dedicated connection; wakes idle job threads
 *   maint.c    the rescuer and the recurring schedules
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

	pthread_mutex_t mu;       /* guards everything below */
	pthread_cond_t wake;      /* a job may be available, or stopping */
	int wake_tokens;          /* wake-ups not yet taken by a job thread */
	struct job_hold *running; /* jobs held by this process: queued, running, done */
	int nrunning;
	int caprunning;
	struct job_hold *done; /* finished jobs whose completion is not yet written */
	int ndone;
	int capdone;
	pthread_cond_t beat_wake; /* a completion to write, or finished */
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
/* Gives back the claimed jobs no thread started within max_ms. */
void worker_pool_release_stale(struct worker *w, struct xh_db *db, long long max_ms);

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

/* maint.c: rescuer and schedules in one thread, until w->finished. */
int worker_maint_start(struct worker *w);
void worker_maint_join(struct worker *w);

/*
 * beat.c: writes each completion as soon as its job ends (grouped when
 * several end together) and heartbeats every held job, on a thread and
 * connection of their own that no other step can hold up; runs until
 * w->finished and every completion is written.
 */
int worker_beat_start(struct worker *w);
void worker_beat_join(struct worker *w);
/* Hands a finished job to the beat thread (it stays held until written). */
void worker_done_add(struct worker *w, const struct job_hold *h);

/* The process's set of held jobs, for heartbeats (under w->mu). */
void worker_running_add(struct worker *w, const struct job_hold *h, int n);
void worker_running_remove(struct worker *w, const struct job_hold *h);
/* Copies the held jobs into a malloc'ed array; *n its length. */
struct job_hold *worker_running_copy(struct worker *w, int *n);

/* Handlers of the housekeeping kinds (retention.c). */
enum xh_err worker_audit_retention(struct job_ctx *ctx);
enum xh_err worker_job_prune(struct job_ctx *ctx);
enum xh_err worker_webhook_prune(struct job_ctx *ctx);

/* A new xh_db from the configuration. */
struct xh_db *worker_db_new(const struct worker *w);

#endif
