/*
 * ratelimit.h: vendor rate limits enforced in PostgreSQL, so they hold
 * across every worker process and host (DESIGN.md section 6).
 *
 * Before each call the gate (sql/0002_jobs.sql rl_acquire) checks and
 * records, in one statement, every scope the call counts against:
 *   Xero, per organisation: a leased slot (xero_concurrent in flight;
 *     leases expire, so a killed worker leaks nothing), a sliding window
 *     of xero_per_minute per minute, and xero_per_day per day;
 *   Xero, app-wide: xero_app_per_minute per minute (GCRA);
 *   HubSpot, per portal: hubspot_per_10s per ten seconds (sliding window,
 *     like HubSpot's TEN_SECONDLY_ROLLING), and for search endpoints
 *     hubspot_search_per_s per second instead (search is exempt from the
 *     ten-second limit); each of the two also counts calls against
 *     hubspot_per_day per day (the day_used the console shows).
 * After the response, rl_done frees the slot and corrects the scope from
 * the vendor's headers; a 429 blocks the scope until Retry-After for every
 * worker (and the claim skips that vendor's jobs of the affected links).
 * Windows are multiplied by [ratelimit] time_scale. No row lock is held
 * across the HTTP call: each statement locks and releases.
 */
#ifndef XH_RATELIMIT_H
#define XH_RATELIMIT_H

#include "arena.h"
#include "db.h"
#include "xh.h"

struct xh_config;

enum xh_rl_vendor {
	XH_RL_XERO,    /* XH_RL_XERO */
	XH_RL_HUBSPOT, /* XH_RL_HUBSPOT */
	XH_RL__MAX
};

/* Whom a call counts against. */
struct xh_rl_target {
	enum xh_rl_vendor vendor;
	const char *account; /* Xero tenant id or HubSpot portal id; NULL: app-wide only */
	int search;          /* HubSpot search endpoint */
};

#define XH_RL_MAX_SCOPES 3
#define XH_RL_LOG_MAX    1000 /* larger budgets use GCRA instead of a log */

/* The limits of one call, as rl_acquire wants them. Pure; in the arena. */
struct xh_rl_plan {
	int n;
	const char *scope[XH_RL_MAX_SCOPES];
	const char *algo[XH_RL_MAX_SCOPES]; /* "log" or "gcra" */
	int max[XH_RL_MAX_SCOPES];
	long long window_ms[XH_RL_MAX_SCOPES];
	int burst[XH_RL_MAX_SCOPES];
	int day_max[XH_RL_MAX_SCOPES];
	long long day_ms;
	const char *slot_scope; /* NULL: no concurrency limit */
	int slots;
	long long lease_ms;
	const char *block_scope; /* what a 429 blocks (see xh_rl_plan_block) */
};

/* A granted call, to hand back to xh_rl_done. */
struct xh_rl_grant {
	int slot; /* 0: none */
	char holder[128];
	char at[64]; /* admission time as PostgreSQL printed it; "" if none */
};

/* What the response said. -1 means "not reported". */
struct xh_rl_feedback {
	int status;
	long long retry_after_ms;
	long long window_left; /* X-MinLimit-Remaining / X-HubSpot-RateLimit-Remaining */
	long long window_max;  /* X-HubSpot-RateLimit-Max; -1 for Xero (use config) */
	long long day_left;    /* X-DayLimit-Remaining */
	const char *problem;   /* X-Rate-Limit-Problem, or NULL */
};

/*
 * Fills p for target t from the configuration. lease_ms is how long a slot
 * may be held (the call's total timeout plus a margin).
 */
void xh_rl_plan(const struct xh_config *cfg, const struct xh_rl_target *t, long long lease_ms,
                struct xh_arena *a, struct xh_rl_plan *p);
/*
 * The scope a 429 blocks: Xero's "appminute" problem blocks the app
 * scope, any other problem the organisation; HubSpot search 429s block
 * the search scope, other 429s the portal. NULL for app-less targets.
 */
const char *xh_rl_block_scope(const struct xh_rl_plan *p, const struct xh_rl_target *t,
                              const char *problem);
/*
 * Retry-After as milliseconds: delta seconds, fractions allowed (the
 * simulators scale time); -1 if absent, negative, over a week or not a
 * number (HTTP dates are not used by either vendor).
 */
long long xh_rl_retry_after_ms(const char *value);
/* Reads the vendor's rate-limit headers through get(name, arg). */
void xh_rl_parse(enum xh_rl_vendor v, int status, const char *(*get)(const char *, void *),
                 void *arg, struct xh_rl_feedback *fb);

/*
 * Asks the gate. XH_OK: granted (g filled). XH_ERR_BUSY: *wait_ms to wait
 * and reason ("blocked", "window", "day", "concurrent"). XH_ERR_DB.
 */
enum xh_err xh_rl_acquire(struct xh_db *db, const struct xh_rl_plan *p, const char *holder,
                          struct xh_rl_grant *g, long long *wait_ms, char *reason,
                          size_t reasonlen);
/*
 * After the call, whether or not it got a response (fb NULL): frees the
 * grant's slot, moves the call's window entry from its admission time to
 * now (it has surely reached the vendor by now, so the window holds at
 * the vendor's end whatever the network delay), and applies the feedback.
 */
enum xh_err xh_rl_done(struct xh_db *db, const struct xh_rl_plan *p, const struct xh_rl_target *t,
                       const struct xh_rl_grant *g, const struct xh_rl_feedback *fb);

#endif
