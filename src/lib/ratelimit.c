/*
 * ratelimit.c: the client side of the rate-limit gate (ratelimit.h). The
 * state and the decisions live in PostgreSQL (rl_acquire and rl_done in
 * sql/0002_jobs.sql); this file turns the configuration into the limits
 * of one call and reads the vendors' headers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/config.h"
#include "ratelimit.h"

/*
 * Windows are widened by this much so that a call admitted at the edge of
 * a window does not reach the vendor inside it (network and scheduling
 * jitter between the gate's clock and the vendor's).
 */
#define RL_MARGIN_PCT       2
#define RL_MARGIN_MS        20
#define RL_APP_BURST_DIV    100 /* GCRA burst: 1 % of the app budget */
#define RL_DEFAULT_BLOCK_MS 1000

enum rl_sql {
	RLQ_ACQUIRE, /* RLQ_ACQUIRE */
	RLQ_DONE,    /* RLQ_DONE */
	RLQ__MAX
};

static const struct xh_sql rl_sql[RLQ__MAX] = {
    /* RLQ_ACQUIRE */
    {"rl_acquire",
     "SELECT ok, wait_ms, slot, reason, at FROM rl_acquire($1::text[], $2::text[], $3::int[],"
     " $4::int[], $5::int[], $6::int[], $7::bigint, $8, $9::int, $10::int, $11)",
     11},
    /* RLQ_DONE */
    {"rl_done",
     "SELECT rl_done($1, $2::int, $3, $4, $5::int, $6::int, $7::int, $8::int, $9::bigint,"
     " $10::int, $11, $12::int, $13, $14::timestamptz)",
     14},
};

/* A window of base_ms scaled by time_scale and widened by the margin. */
static long long
scaled(const struct xh_config *cfg, long long base_ms, int margin)
{
	double ms = (double)base_ms * cfg->ratelimit.time_scale;

	if (margin)
		ms = ms * (100 + RL_MARGIN_PCT) / 100 + RL_MARGIN_MS;
	return ms < 1 ? 1 : (long long)ms;
}

/* Adds one scope to the plan: a sliding log, or GCRA for large budgets. */
static void
plan_add(struct xh_rl_plan *p, const char *scope, int max, long long window_ms, int day_max)
{
	int i = p->n++;

	p->scope[i] = scope;
	p->max[i] = max;
	p->window_ms[i] = window_ms;
	p->burst[i] = 0;
	p->day_max[i] = day_max;
	p->algo[i] = "log";
	if (max > XH_RL_LOG_MAX) {
		/* max - burst spaced calls plus a burst never exceed max per window */
		p->algo[i] = "gcra";
		p->burst[i] = max / RL_APP_BURST_DIV;
		p->max[i] = max - p->burst[i];
	}
}

void
xh_rl_plan(const struct xh_config *cfg, const struct xh_rl_target *t, long long lease_ms,
           struct xh_arena *a, struct xh_rl_plan *p)
{
	const char *acct = t->account;

	memset(p, 0, sizeof(*p));
	p->day_ms = scaled(cfg, 86400000LL, 0);
	p->lease_ms = lease_ms;
	if (t->vendor == XH_RL_XERO) {
		if (acct != NULL) {
			p->slot_scope = xh_printf(a, "xero:%s", acct);
			p->slots = cfg->ratelimit.xero_concurrent;
			plan_add(p, p->slot_scope, cfg->ratelimit.xero_per_minute,
			         scaled(cfg, 60000, 1), cfg->ratelimit.xero_per_day);
		}
		plan_add(p, "xero:app", cfg->ratelimit.xero_app_per_minute, scaled(cfg, 60000, 1),
		         0);
	} else if (acct != NULL && t->search) {
		plan_add(p, xh_printf(a, "hubspot-search:%s", acct),
		         cfg->ratelimit.hubspot_search_per_s, scaled(cfg, 1000, 1),
		         cfg->ratelimit.hubspot_per_day);
	} else if (acct != NULL) {
		plan_add(p, xh_printf(a, "hubspot:%s", acct), cfg->ratelimit.hubspot_per_10s,
		         scaled(cfg, 10000, 1), cfg->ratelimit.hubspot_per_day);
	}
	p->block_scope = p->n > 0 ? p->scope[0] : NULL;
}

const char *
xh_rl_block_scope(const struct xh_rl_plan *p, const struct xh_rl_target *t, const char *problem)
{
	if (p->n == 0)
		return NULL;
	if (t->vendor == XH_RL_XERO && problem != NULL && strcasecmp(problem, "appminute") == 0)
		return p->scope[p->n - 1];
	return p->scope[0];
}

/* A non-negative integer header value, or -1. */
static long long
header_ll(const char *v)
{
	char *end = NULL;
	long long n;

	if (v == NULL)
		return -1;
	errno = 0;
	n = strtoll(v, &end, 10);
	while (end != NULL && (*end == ' ' || *end == '\t'))
		end++;
	if (errno != 0 || end == v || *end != '\0' || n < 0)
		return -1;
	return n;
}

long long
xh_rl_retry_after_ms(const char *v)
{
	char *end = NULL;
	double s;

	/* digits and a point only: strtod would also take "nan", "inf", hex, signs */
	if (v == NULL || *v == '\0' || strspn(v, "0123456789.") != strlen(v))
		return -1;
	errno = 0;
	s = strtod(v, &end);
	if (errno != 0 || end == v || *end != '\0' || !(s >= 0 && s <= 7 * 86400.0))
		return -1;
	return (long long)(s * 1000 + 0.5);
}

void
xh_rl_parse(enum xh_rl_vendor v, int status, const char *(*get)(const char *, void *), void *arg,
            struct xh_rl_feedback *fb)
{
	fb->status = status;
	fb->retry_after_ms = xh_rl_retry_after_ms(get("Retry-After", arg));
	fb->window_max = -1;
	fb->day_left = -1;
	fb->problem = NULL;
	if (v == XH_RL_XERO) {
		fb->window_left = header_ll(get("X-MinLimit-Remaining", arg));
		fb->day_left = header_ll(get("X-DayLimit-Remaining", arg));
		fb->problem = get("X-Rate-Limit-Problem", arg);
	} else {
		fb->window_left = header_ll(get("X-HubSpot-RateLimit-Remaining", arg));
		fb->window_max = header_ll(get("X-HubSpot-RateLimit-Max", arg));
	}
}

/* "{"a","b"}" or "{1,2}" from n strings or ints, in the arena. */
static char *
array_lit(struct xh_arena *a, const char *const *s, const long long *v, int n)
{
	struct xh_buf b;
	char *out;

	xh_buf_init(&b);
	xh_buf_putc(&b, '{');
	for (int i = 0; i < n; i++) {
		if (i)
			xh_buf_putc(&b, ',');
		if (s == NULL) {
			xh_buf_printf(&b, "%lld", v[i]);
			continue;
		}
		xh_buf_putc(&b, '"');
		for (const char *c = s[i]; *c != '\0'; c++) {
			if (*c == '"' || *c == '\\')
				xh_buf_putc(&b, '\\');
			xh_buf_putc(&b, *c);
		}
		xh_buf_putc(&b, '"');
	}
	xh_buf_putc(&b, '}');
	out = xh_buf_dup(a, &b);
	xh_buf_free(&b);
	return out;
}

/* The int[] literal of one plan column. */
static char *
int_col(struct xh_arena *a, const int *col, int n)
{
	long long v[XH_RL_MAX_SCOPES];

	for (int i = 0; i < n; i++)
		v[i] = col[i];
	return array_lit(a, NULL, v, n);
}

enum xh_err
xh_rl_acquire(struct xh_db *db, const struct xh_rl_plan *p, const char *holder,
              struct xh_rl_grant *g, long long *wait_ms, char *reason, size_t reasonlen)
{
	struct xh_arena *a = xh_arena_new();
	const char *prm[11];
	PGresult *res = NULL;
	enum xh_err err;

	memset(g, 0, sizeof(*g));
	*wait_ms = 0;
	prm[0] = array_lit(a, p->scope, NULL, p->n);
	prm[1] = array_lit(a, p->algo, NULL, p->n);
	prm[2] = int_col(a, p->max, p->n);
	prm[3] = array_lit(a, NULL, p->window_ms, p->n);
	prm[4] = int_col(a, p->burst, p->n);
	prm[5] = int_col(a, p->day_max, p->n);
	prm[6] = xh_printf(a, "%lld", p->day_ms);
	prm[7] = p->slot_scope;
	prm[8] = xh_printf(a, "%d", p->slots);
	prm[9] = xh_printf(a, "%lld", p->lease_ms);
	prm[10] = holder;
	err = xh_db_exec(db, &rl_sql[RLQ_ACQUIRE], prm, &res);
	if (err)
		goto out;
	snprintf(g->holder, sizeof(g->holder), "%s", holder);
	g->slot = PQgetisnull(res, 0, 2) ? 0 : (int)strtol(PQgetvalue(res, 0, 2), NULL, 10);
	snprintf(g->at, sizeof(g->at), "%s", PQgetisnull(res, 0, 4) ? "" : PQgetvalue(res, 0, 4));
	if (PQgetvalue(res, 0, 0)[0] != 't') {
		*wait_ms = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		snprintf(reason, reasonlen, "%s", PQgetvalue(res, 0, 3));
		err = XH_ERR_BUSY;
	}
out:
	PQclear(res);
	xh_arena_free(a);
	return err;
}

/* Text of n, or NULL (SQL NULL) when n < 0. */
static const char *
opt_ll(struct xh_arena *a, long long n)
{
	return n < 0 ? NULL : xh_printf(a, "%lld", n);
}

/*
 * The vendor's view of the window, expressed against our budget: it used
 * window_max - window_left calls, so ours has max - used left.
 */
static long long
window_left(const struct xh_rl_plan *p, const struct xh_rl_feedback *fb)
{
	long long used;

	if (fb->window_left < 0 || p->n == 0)
		return -1;
	if (fb->window_max < 0)
		return fb->window_left;
	used = fb->window_max - fb->window_left;
	return used >= p->max[0] ? 0 : p->max[0] - used;
}

enum xh_err
xh_rl_done(struct xh_db *db, const struct xh_rl_plan *p, const struct xh_rl_target *t,
           const struct xh_rl_grant *g, const struct xh_rl_feedback *fb)
{
	struct xh_arena *a;
	const char *prm[14];
	long long block_ms = -1;
	int admitted = g != NULL && g->at[0] != '\0';
	enum xh_err err;

	if ((g == NULL || g->slot == 0) && fb == NULL && !admitted)
		return XH_OK;
	/* a 429 without Retry-After blocks for one window of the scope */
	if (fb != NULL && fb->status == 429)
		block_ms = fb->retry_after_ms > 0 ? fb->retry_after_ms
		           : p->n > 0             ? p->window_ms[0]
		                                  : RL_DEFAULT_BLOCK_MS;
	a = xh_arena_new();
	prm[0] = g != NULL && g->slot > 0 ? p->slot_scope : NULL;
	prm[1] = g != NULL ? xh_printf(a, "%d", g->slot) : NULL;
	prm[2] = g != NULL ? g->holder : NULL;
	prm[3] = (fb != NULL || admitted) && p->n > 0 ? p->scope[0] : NULL;
	prm[4] = xh_printf(a, "%d", p->n > 0 ? p->max[0] : 0);
	prm[5] = xh_printf(a, "%lld", p->n > 0 ? p->window_ms[0] : 0);
	prm[6] = fb != NULL ? opt_ll(a, window_left(p, fb)) : NULL;
	prm[7] = xh_printf(a, "%d", p->n > 0 ? p->day_max[0] : 0);
	prm[8] = xh_printf(a, "%lld", p->day_ms);
	prm[9] = fb != NULL ? opt_ll(a, fb->day_left) : NULL;
	prm[10] = block_ms > 0 ? xh_rl_block_scope(p, t, fb->problem) : NULL;
	prm[11] = xh_printf(a, "%lld", block_ms > 0 ? block_ms : 0);
	prm[12] = fb != NULL && fb->problem != NULL ? fb->problem : "429";
	prm[13] = admitted ? g->at : NULL;
	err = xh_db_exec(db, &rl_sql[RLQ_DONE], prm, NULL);
	xh_arena_free(a);
	return err;
}
