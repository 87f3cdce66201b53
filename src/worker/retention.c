/*
 * retention.c: housekeeping job kinds. audit.retention deletes audit
 * events older than args.keep_days; webhook.prune deletes the webhook
 * delivery log and handled stored events older than args.keep_days;
 * job.prune deletes finished jobs older than args.keep_days (discarded
 * ones are kept four times as long). Both
 * delete in bounded batches, each its own short statement, and stop at
 * the job's deadline (the next run continues).
 */
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "worker.h"

#define RETENTION_BATCH "5000"

enum retention_sql {
	RQ_AUDIT,    /* RQ_AUDIT */
	RQ_DELIVERY, /* RQ_DELIVERY */
	RQ_WH_EVENT, /* RQ_WH_EVENT */
	RQ__MAX
};

static const struct xh_sql retention_sql[RQ__MAX] = {
    /* RQ_AUDIT */
    {"retention_audit",
     "DELETE FROM audit_event WHERE id IN (SELECT id FROM audit_event"
     " WHERE at < now() - $1::int * interval '1 day' LIMIT " RETENTION_BATCH ")",
     1},
    /* RQ_DELIVERY: the webhook delivery log */
    {"retention_webhook_delivery",
     "DELETE FROM webhook_delivery WHERE id IN (SELECT id FROM webhook_delivery"
     " WHERE received_at < now() - $1::int * interval '1 day' LIMIT " RETENTION_BATCH ")",
     1},
    /*
     * RQ_WH_EVENT: stored events, once handled (HubSpot's, by hubspot.events)
     * or never to be (Xero's: their ids went to pending_fetch on arrival).
     * HubSpot's unhandled ones stay until handled.
     */
    {"retention_webhook_event",
     "DELETE FROM webhook_event WHERE id IN (SELECT id FROM webhook_event"
     " WHERE received_at < now() - $1::int * interval '1 day'"
     " AND (processed_at IS NOT NULL OR vendor = 'xero') LIMIT " RETENTION_BATCH ")",
     1},
};

/* Runs the batched DELETE q until nothing is left or the deadline; adds to *sum. */
static enum xh_err
delete_batches(struct job_ctx *ctx, enum retention_sql q, const char *days, long long *sum)
{
	PGresult *res = NULL;
	long long n;

	do {
		if (xh_db_execv(ctx->db, &retention_sql[q], &res, days) != XH_OK)
			return job_error(ctx, XH_ERR_DB, "%s", xh_db_error(ctx->db));
		n = strtoll(PQcmdTuples(res), NULL, 10);
		PQclear(res);
		*sum += n;
	} while (n > 0 && xh_now_ms() < ctx->deadline_ms);
	return XH_OK;
}

/* The job's args.keep_days (default def) as text into days. */
static enum xh_err
keep_days(struct job_ctx *ctx, long long def, char *days, size_t n)
{
	long long keep = 0;

	if (job_arg_int(ctx->job, "keep_days", def, 1, 36500, &keep) != XH_OK)
		return job_error(ctx, XH_ERR_INVAL, "args.keep_days must be 1..36500");
	snprintf(days, n, "%lld", keep);
	return XH_OK;
}

enum xh_err
worker_audit_retention(struct job_ctx *ctx)
{
	char days[16], total[24];
	long long sum = 0;
	enum xh_err e;

	if ((e = keep_days(ctx, 90, days, sizeof(days))) != XH_OK ||
	    (e = delete_batches(ctx, RQ_AUDIT, days, &sum)) != XH_OK)
		return e;
	snprintf(total, sizeof(total), "%lld", sum);
	xh_log(XH_LOG_INFO, "audit.retention", "keep_days", days, "deleted", total, NULL);
	return XH_OK;
}

enum xh_err
worker_webhook_prune(struct job_ctx *ctx)
{
	char days[16], d1[24], d2[24];
	long long deliveries = 0, events = 0;
	enum xh_err e;

	if ((e = keep_days(ctx, 30, days, sizeof(days))) != XH_OK ||
	    (e = delete_batches(ctx, RQ_DELIVERY, days, &deliveries)) != XH_OK ||
	    (e = delete_batches(ctx, RQ_WH_EVENT, days, &events)) != XH_OK)
		return e;
	snprintf(d1, sizeof(d1), "%lld", deliveries);
	snprintf(d2, sizeof(d2), "%lld", events);
	xh_log(XH_LOG_INFO, "webhook.prune", "keep_days", days, "deliveries", d1, "events", d2,
	       NULL);
	return XH_OK;
}

enum xh_err
worker_job_prune(struct job_ctx *ctx)
{
	char days[16], total[24];
	long long keep = 0, n = 0, sum = 0;

	if (job_arg_int(ctx->job, "keep_days", 7, 1, 36500, &keep) != XH_OK)
		return job_error(ctx, XH_ERR_INVAL, "args.keep_days must be 1..36500");
	do {
		if (job_prune(ctx->db, keep * 86400000LL, &n) != XH_OK)
			return job_error(ctx, XH_ERR_DB, "%s", xh_db_error(ctx->db));
		sum += n;
	} while (n > 0 && xh_now_ms() < ctx->deadline_ms);
	snprintf(days, sizeof(days), "%lld", keep);
	snprintf(total, sizeof(total), "%lld", sum);
	xh_log(XH_LOG_INFO, "job.prune", "keep_days", days, "deleted", total, NULL);
	return XH_OK;
}
