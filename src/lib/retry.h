/*
 * retry.h: what a job's result means for the queue. An error is either
 * transient (retried with exponential backoff and jitter), permanent
 * (discarded at once), or a rate limit (snoozed, no attempt used).
 */
#ifndef XH_RETRY_H
#define XH_RETRY_H

#include "xh.h"

/* Backoff curves; a job kind names one. */
enum retry_policy {
	RETRY_DEFAULT, /* RETRY_DEFAULT: 10 s doubling to 6 h, +-20 % */
	RETRY_FAST,    /* RETRY_FAST: 1 s doubling to 5 min, +-20 % */
	RETRY_TEST,    /* RETRY_TEST: 50 ms doubling to 1 s, +-20 % (test kinds) */
	RETRY__MAX
};

/* What the worker does with a job after its handler returned an error. */
enum retry_outcome {
	RETRY_COMPLETE, /* RETRY_COMPLETE: success */
	RETRY_AGAIN,    /* RETRY_AGAIN: transient; retry after backoff */
	RETRY_DISCARD,  /* RETRY_DISCARD: permanent; no retry */
	RETRY_SNOOZE,   /* RETRY_SNOOZE: rate limited; reschedule, no attempt used */
	RETRY_OUTCOME__MAX
};

/*
 * Delay before attempt `attempt` + 1 after attempt `attempt` (>= 1)
 * failed: base * 2^(attempt-1), capped, then scaled by a jitter factor
 * in [1 - j, 1 + j) chosen by r in [0, 1). Never negative.
 */
long long retry_backoff_ms(enum retry_policy p, int attempt, double r);
/* The outcome an error code leads to (unknown codes are transient). */
enum retry_outcome retry_classify(enum xh_err err);
/* "complete", "retry", "discard", "snooze". */
const char *retry_outcome_name(enum retry_outcome o);
/* A uniformly random double in [0, 1), from the CSPRNG. */
double retry_random(void);

#endif
