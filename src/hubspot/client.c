/*
 * client.c: one HubSpot API call from a job: through the shared limiter
 * (xh_http_do passes the gate and corrects it from the
 * X-HubSpot-RateLimit-* headers), with the status table of errors.c
 * turned into retries, snoozes and link reports (HUBSPOT.md 4).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hubspot/auth.h"
#include "hubspot/crm.h"
#include "lib/config.h"
#include "log.h"
#include "retry.h"

enum client_sql {
	HCQ_LINK_REPORT, /* HCQ_LINK_REPORT */
	HCQ_DAILY_BLOCK, /* HCQ_DAILY_BLOCK */
	HCQ__MAX
};

static const struct xh_sql client_sql[HCQ__MAX] = {
    /* HCQ_LINK_REPORT: the link needs the admin; its jobs wait */
    {"hubspot_link_report",
     "WITH l AS (UPDATE link SET status = 'needs_reconnect', status_reason = $2,"
     " updated_at = now() WHERE id = $1::bigint RETURNING id)"
     " INSERT INTO audit_event (link_id, action, outcome, job_id, detail)"
     " SELECT id, 'hubspot.auth', 'error', $3::bigint, jsonb_build_object('reason', $2::text)"
     " FROM l",
     3},
    /* HCQ_DAILY_BLOCK: a DAILY 429 blocks the portal's scope until the reset */
    {"hubspot_daily_block",
     "INSERT INTO rate_limit (scope, blocked_until, block_reason)"
     " VALUES ($1, now() + $2::bigint * interval '1 millisecond', 'daily')"
     " ON CONFLICT (scope) DO UPDATE SET blocked_until ="
     " greatest(rate_limit.blocked_until, EXCLUDED.blocked_until),"
     " block_reason = 'daily', updated_at = now()",
     2},
};

enum xh_err
hs_client_init(struct hs_client *c, struct job_ctx *ctx, long long link_id)
{
	memset(c, 0, sizeof(*c));
	c->ctx = ctx;
	c->link_id = link_id;
	return hubspot_access_token(ctx, link_id, &c->token, &c->portal);
}

static void
nap_ms(long long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (ms > 0 && nanosleep(&ts, &ts) != 0)
		;
}

/* Milliseconds to the next UTC midnight, scaled like every limiter window. */
static long long
daily_reset_ms(const struct job_ctx *ctx)
{
	long long now = (long long)time(NULL), left = (86400 - now % 86400) * 1000LL;
	double scale = ctx->cfg->ratelimit.time_scale > 0 ? ctx->cfg->ratelimit.time_scale : 1.0;

	return (long long)((double)left * scale) + 1000;
}

/* 401/403: the link is marked needs_reconnect with the reason; the job waits. */
static enum xh_err
report_link(struct hs_client *c, struct hs_answer *ans)
{
	char link[24], job[24];
	const char *what = ans->v == HS_V_AUTH ? "HubSpot refused the token (401)"
	                                       : "HubSpot refused a scope (403)";
	const char *reason = xh_printf(c->ctx->arena, "%s: %s", what,
	                               ans->err.message != NULL ? ans->err.message : "no message");
	PGresult *res = NULL;

	snprintf(link, sizeof(link), "%lld", c->link_id);
	snprintf(job, sizeof(job), "%lld", c->ctx->job != NULL ? c->ctx->job->id : 0);
	if (xh_db_execv(c->ctx->db, &client_sql[HCQ_LINK_REPORT], &res, link, reason, job) != XH_OK)
		return job_error(c->ctx, XH_ERR_DB, "link report: %s", xh_db_error(c->ctx->db));
	PQclear(res);
	xh_log(XH_LOG_WARN, "hubspot.link_refused", "link", link, "reason", reason, NULL);
	c->ctx->snooze_ms = HS_PAUSE_MS;
	return job_error(c->ctx, XH_ERR_BUSY, "%s; link %lld needs reconnecting", reason,
	                 c->link_id);
}

/* DAILY 429: every worker leaves the portal alone until the reset. */
static enum xh_err
block_daily(struct hs_client *c)
{
	char ms[24];
	const char *scope = xh_printf(c->ctx->arena, "hubspot:%s", c->portal);
	long long wait = daily_reset_ms(c->ctx);
	PGresult *res = NULL;

	snprintf(ms, sizeof(ms), "%lld", wait);
	if (xh_db_execv(c->ctx->db, &client_sql[HCQ_DAILY_BLOCK], &res, scope, ms) != XH_OK)
		return job_error(c->ctx, XH_ERR_DB, "daily block: %s", xh_db_error(c->ctx->db));
	PQclear(res);
	c->ctx->snooze_ms = wait;
	return job_error(c->ctx, XH_ERR_BUSY,
	                 "HubSpot daily limit reached; portal %s waits %lld ms", c->portal, wait);
}

/* The job's outcome for an answer that stops the call; XH_OK to retry. */
static enum xh_err
stop_or_retry(struct hs_client *c, struct hs_answer *ans, int try)
{
	struct job_ctx *ctx = c->ctx;
	long long ra = ans->resp.retry_after_ms;

	switch (ans->v) {
	case HS_V_RATE:
		ctx->snooze_ms = ra > 0 ? ra : 1000;
		return job_error(ctx, XH_ERR_BUSY, "HubSpot rate limited (%s) for %lld ms",
		                 ans->err.policy != NULL ? ans->err.policy : "429", ctx->snooze_ms);
	case HS_V_DAILY:
		return block_daily(c);
	case HS_V_MIGRATING:
		ctx->snooze_ms = ra > 0 ? ra : 60000;
		return job_error(ctx, XH_ERR_BUSY, "HubSpot portal migrating (477); waits %lld ms",
		                 ctx->snooze_ms);
	case HS_V_AUTH:
	case HS_V_SCOPES:
		return report_link(c, ans);
	case HS_V_LOCKED:
		nap_ms(HS_LOCKED_MS);
		return XH_OK;
	case HS_V_TRANSIENT:
		nap_ms((long long)(250.0 * (double)(1 << try) * (0.5 + retry_random())));
		return XH_OK;
	default:
		return XH_OK;
	}
}

/* Performs the request once; XH_OK when it was answered or timed out. */
static enum xh_err
send_once(struct hs_client *c, const char *method, const char *url, const char *body,
          const struct xh_rl_target *t, struct hs_answer *ans)
{
	struct job_ctx *ctx = c->ctx;
	const char *headers[] = {xh_printf(ctx->arena, "Authorization: Bearer %s", c->token),
	                         "Content-Type: application/json", "Accept: application/json",
	                         NULL};
	struct xh_http_req req = {.method = method,
	                          .url = url,
	                          .headers = headers,
	                          .body = body,
	                          .body_len = body != NULL ? strlen(body) : 0,
	                          .rl = t,
	                          .deadline_ms = ctx->deadline_ms,
	                          .max_wait_ms = -1};
	enum xh_err err = xh_http_do(ctx->http, ctx->arena, &req, &ans->resp);

	memset(&ans->err, 0, sizeof(ans->err));
	if (err == XH_ERR_BUSY) {
		ctx->snooze_ms = ans->resp.retry_after_ms > 0 ? ans->resp.retry_after_ms : 1000;
		return job_error(ctx, err, "HubSpot budget: %s", xh_http_error(ctx->http));
	}
	if (err == XH_ERR_DB || err == XH_ERR_INVAL)
		return job_error(ctx, err, "HubSpot call: %s", xh_http_error(ctx->http));
	if (err == XH_ERR_TOOBIG)
		return job_error(ctx, XH_ERR_TRANSIENT, "HubSpot answer over the size cap");
	if (err != XH_OK)
		ans->resp.status = 0;
	if (ans->resp.status < 200 || ans->resp.status > 299)
		hs_error_parse(ctx->arena, ans->resp.body, ans->resp.body_len, &ans->err);
	ans->v = hs_classify(ans->resp.status, &ans->err);
	return XH_OK;
}

enum xh_err
hs_call(struct hs_client *c, const char *method, const char *path, const char *body, int search,
        struct hs_answer *ans)
{
	struct xh_rl_target t = {XH_RL_HUBSPOT, c->portal, search};
	const char *url = xh_printf(c->ctx->arena, "%s%s", c->ctx->cfg->hubspot.api_url, path);
	enum xh_err err;

	for (int try = 0; try < HS_TRIES; try++) {
		if (job_should_yield(c->ctx, 3000)) {
			c->ctx->snooze_ms = 500;
			return job_error(c->ctx, XH_ERR_BUSY, "yielding before %s", path);
		}
		if ((err = send_once(c, method, url, body, &t, ans)) != XH_OK)
			return err;
		if (ans->v != HS_V_LOCKED && ans->v != HS_V_TRANSIENT &&
		    (err = stop_or_retry(c, ans, try)) != XH_OK)
			return err;
		if (ans->v != HS_V_LOCKED && ans->v != HS_V_TRANSIENT)
			return XH_OK;
		if (try + 1 < HS_TRIES)
			stop_or_retry(c, ans, try);
	}
	if (ans->resp.status == 0)
		return job_error(c->ctx, XH_ERR_TRANSIENT, "HubSpot %s: %s", path,
		                 xh_http_error(c->ctx->http));
	return job_error(c->ctx, XH_ERR_TRANSIENT, "HubSpot answered %d to %s %d times",
	                 ans->resp.status, path, HS_TRIES);
}
