/*
 * job.h: the job queue in PostgreSQL (DESIGN.md section 5).
 *
 * A job is enqueued (optionally inside the caller's transaction, so a
 * webhook row and its job commit together), claimed by a worker with one
 * FOR UPDATE SKIP LOCKED statement that is fair across links, run by the
 * handler of its kind, and then completed, failed (retried with backoff,
 * discarded after max_attempts), snoozed (rescheduled without using an
 * attempt) or released (SIGTERM). A running job carries a claim token;
 * only the attempt holding the token can write its result, so a job that
 * the rescuer gave to another worker is never finished twice.
 *
 * Enqueuing a due job sends NOTIFY on JOB_CHANNEL: with the caller's
 * commit when enqueued inside its transaction, else right after the
 * insert commits (a NOTIFY in its own statement does not serialise
 * commits behind PostgreSQL's notify lock).
 */
#ifndef XH_JOB_H
#define XH_JOB_H

#include <stdatomic.h>

#include "arena.h"
#include "db.h"
#include "xh.h"

#define JOB_CHANNEL          "xhsync_job"
#define JOB_DEFAULT_ATTEMPTS 20
#define JOB_UNIQUE_KEY_MAX   200
#define JOB_ERROR_MAX        2000
#define JOB_TOKEN_MAX        128

/* A job a worker holds: its id and the claim token it was claimed under. */
struct job_hold {
	long long id;
	char token[JOB_TOKEN_MAX];
};

enum job_state {
	JOB_AVAILABLE, /* JOB_AVAILABLE */
	JOB_RUNNING,   /* JOB_RUNNING */
	JOB_RETRYABLE, /* JOB_RETRYABLE */
	JOB_COMPLETED, /* JOB_COMPLETED */
	JOB_DISCARDED, /* JOB_DISCARDED */
	JOB_CANCELLED, /* JOB_CANCELLED */
	JOB_STATE__MAX
};

/* "available", "running", ...; NULL if out of range. */
const char *job_state_name(enum job_state st);
/* Parses a state name; -1 if unknown. */
int job_state_parse(const char *s, enum job_state *out);

/* What to enqueue. Zero values mean the defaults noted. */
struct job_new {
	const char *kind;       /* "vendor.action", e.g. "xero.ping" (required) */
	long long link_id;      /* 0: not tied to a link */
	const char *args;       /* JSON object text; NULL: {} */
	int priority;           /* -100..100, lower runs first; 0 default */
	long long delay_ms;     /* run_at = now() + delay_ms */
	int max_attempts;       /* 0: JOB_DEFAULT_ATTEMPTS */
	const char *unique_key; /* NULL: none; see job_unique_key() */
};

/*
 * Inserts a job on db, inside the caller's transaction if one is open.
 * When unique_key matches a non-final job, nothing is inserted: *id is the
 * existing job and *inserted 0. A pending (available or retryable) job
 * gets these args merged into its own (jsonb ||: keys given here win,
 * others stay) and runs no later than this job would have (a retryable
 * job's far backoff gives way to new work). A running job is marked to run
 * once more after it completes, with these args (merged over every such
 * request) instead of its own: one-shot args ({"full": true}) apply to
 * one run and are gone after it. id and inserted may be NULL.
 * XH_ERR_INVAL for a bad kind, args or key (checked by the table).
 */
enum xh_err job_enqueue(struct xh_db *db, const struct job_new *jn, long long *id, int *inserted);

/*
 * The unique key for "one pending job of this kind for this link and
 * thing": "<kind>:<link>" or "<kind>:<link>:<part>". A key that would be
 * longer than JOB_UNIQUE_KEY_MAX keeps its prefix and ends in the SHA-256
 * of the whole, so distinct inputs stay distinct. In the arena.
 */
char *job_unique_key(struct xh_arena *a, const char *kind, long long link_id, const char *part);

/* A claimed job, in the claimer's arena. */
struct job {
	long long id;
	char *kind;
	long long link_id; /* 0 if none */
	char *args;        /* JSON object text */
	int attempt;       /* 1 for the first run */
	int snoozes;       /* times rescheduled without using an attempt */
	int max_attempts;
	char *unique_key; /* NULL if none */
};

/*
 * Claims up to n due jobs whose kind is one of kinds[0..nkinds-1], for the
 * claim token `token`. Fair across (link, vendor) groups: each group's
 * oldest due job comes before any group's second. Groups whose vendor
 * scope is blocked by a 429 are skipped, and so are the jobs of a paused
 * link: they wait in the queue until it resumes. *jobs is in the arena.
 */
enum xh_err job_claim(struct xh_db *db, const char *token, int n, const char *const *kinds,
                      int nkinds, struct xh_arena *a, struct job **jobs, int *njobs);
/*
 * Refreshes the heartbeat of the running jobs h[0..n-1], each only while
 * its token still holds it (a job rescued and claimed by another worker is
 * not kept alive by the old holder). *beaten (may be NULL) counts the rows.
 */
enum xh_err job_heartbeat(struct xh_db *db, const struct job_hold *h, int n, int *beaten);
/*
 * Completes the held jobs h[0..n-1] (several claims may be mixed); a job
 * asked to run again while running goes back to available. *done counts
 * the rows written (a job cancelled or rescued meanwhile is not); done may
 * be NULL.
 */
enum xh_err job_complete(struct xh_db *db, const struct job_hold *h, int n, int *done);
/*
 * Records a failed attempt: retryable at now() + backoff_ms, or discarded
 * when permanent or the attempt was the last of max_attempts. The message
 * is kept in last_error (truncated). *state (may be NULL) gets the new
 * state; XH_ERR_NOTFOUND if the token no longer holds the job.
 */
enum xh_err job_fail(struct xh_db *db, const char *token, const struct job *j, int max_attempts,
                     int permanent, long long backoff_ms, const char *msg, enum job_state *state);
/* Reschedules a running job at now() + delay_ms without using an attempt. */
enum xh_err job_snooze(struct xh_db *db, const char *token, long long id, long long delay_ms);
/* Gives held jobs back (shutdown, not started in time) without using an attempt. */
enum xh_err job_release(struct xh_db *db, const struct job_hold *h, int n);
/*
 * Returns running jobs whose heartbeat is older than stale_ms to
 * retryable (or discarded at max_attempts). *n (may be NULL) gets the
 * number rescued.
 */
enum xh_err job_rescue(struct xh_db *db, long long stale_ms, int *n);
/* Operator: cancels a non-final job. XH_ERR_NOTFOUND, or XH_ERR_INVAL if final. */
enum xh_err job_cancel(struct xh_db *db, long long id);
/*
 * Operator: makes a retryable, discarded or cancelled job available now
 * with its attempts reset. XH_ERR_NOTFOUND, XH_ERR_INVAL if it is in
 * another state, XH_ERR_BUSY if a pending job holds the same unique key.
 */
enum xh_err job_retry(struct xh_db *db, long long id);
/*
 * Deletes up to 5000 finished jobs older than keep_ms (discarded ones:
 * 4 x keep_ms); *n gets how many. Call again while *n > 0.
 */
enum xh_err job_prune(struct xh_db *db, long long keep_ms, long long *n);

/*
 * Recurring schedule: if the schedule `key` is due (first time: now), moves
 * it every_ms forward and enqueues jn with unique key `key`, in one
 * statement; several workers never double a run. *fired (may be NULL) is
 * 1 if this call enqueued.
 */
enum xh_err job_schedule_tick(struct xh_db *db, const char *key, long long every_ms,
                              const struct job_new *jn, int *fired);
/*
 * Recurring schedule per link: every link whose status is 'active' or
 * 'setup' and that has an oauth credential of `vendor` gets the schedule
 * "<key>:<link id>", which fires like job_schedule_tick (its first run is
 * half to one period after the link became eligible, at random, so links
 * added together do not all run at once, now or later):
 * jn is enqueued for that link with the schedule's key as unique key, and
 * several workers never double a run. The schedule rows go with their
 * link. *fired (may be NULL) counts the jobs this call enqueued.
 */
enum xh_err job_schedule_tick_links(struct xh_db *db, const char *key, const char *vendor,
                                    long long every_ms, const struct job_new *jn, int *fired);

/*
 * An integer from the job's JSON args: def when absent; XH_ERR_INVAL when
 * it is not an integer within [min, max] or args is not JSON.
 */
enum xh_err job_arg_int(const struct job *j, const char *key, long long def, long long min,
                        long long max, long long *out);
/* A string from the job's args, copied into the arena; *out NULL if absent. */
enum xh_err job_arg_str(const struct job *j, struct xh_arena *a, const char *key, char **out);
/* A boolean from the job's args: def when absent; XH_ERR_INVAL when not a boolean. */
enum xh_err job_arg_bool(const struct job *j, const char *key, int def, int *out);

struct xh_config;
struct xh_http;
struct xh_keyring;

/*
 * What a job handler gets: the claimed job, the thread's own database
 * connection and HTTP client, and an arena freed after the job. A handler
 * returns XH_OK (complete), XH_ERR_BUSY with snooze_ms set (rate limited:
 * rescheduled without using an attempt), or another error (see
 * retry_classify(): transient errors retry with backoff, permanent ones
 * discard), with a short reason in msg for last_error.
 */
struct job_ctx {
	const struct job *job;
	struct xh_db *db;
	struct xh_http *http;
	const struct xh_config *cfg;
	const struct xh_keyring *keys; /* NULL when no key file is configured */
	struct xh_arena *arena;
	long long deadline_ms;      /* xh_now_ms() after which the handler must stop */
	const atomic_int *stopping; /* set when the worker stops (may be NULL) */
	long long snooze_ms;        /* with XH_ERR_BUSY */
	char msg[256];              /* reason for last_error; never a secret */
};

typedef enum xh_err (*job_handler_fn)(struct job_ctx *ctx);

/*
 * 1 when a long handler should stop at its next safe point and return
 * XH_ERR_BUSY with a short snooze_ms to go on later: the worker is
 * stopping, or the deadline is less than margin_ms away.
 */
int job_should_yield(const struct job_ctx *ctx, long long margin_ms);

/*
 * Fills ctx (and j, kind "oneoff") to run job code outside the worker (the
 * CLI, the console) for link_id (0: none), with a deadline timeout_ms from
 * now. keys may be NULL.
 */
void job_ctx_oneoff(struct job_ctx *ctx, struct job *j, struct xh_db *db, struct xh_http *http,
                    const struct xh_config *cfg, const struct xh_keyring *keys,
                    struct xh_arena *arena, long long link_id, long long timeout_ms);

/* Formats ctx->msg and returns err, for `return job_error(ctx, err, ...)`. */
enum xh_err job_error(struct job_ctx *ctx, enum xh_err err, const char *fmt, ...) XH_PRINTF(3, 4);

#endif
