/*
 * retention.c: housekeeping job kinds. audit.retention deletes audit
 * events older than args.keep_days; job.prune deletes finished jobs older
 * than args.keep_days (discarded ones are kept four times as long). Both
 * delete in bounded batches, each its own short statement, and stop at
 * the job's deadline (the next run continues).
 */
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "worker.h"

#define RETENTION_BATCH "5000"

enum retention_sql {
	RQ_AUDIT, /* RQ_AUDIT */
	RQ__MAX
};

static const struct xh_sql retention_sql[RQ__MAX] = {
    /* RQ_AUDIT */
    {"retention_audit",
     "DELETE FROM audit_event WHERE id IN (SELECT id FROM audit_event"
     " WHERE at < now() - $1::int * interval '1 day' LIMIT " RETENTION_BATCH ")",
     1},
};

enum xh_err
worker_audit_retention(struct job_ctx *ctx)
{
	char days[16], total[24];
	long long keep = 0, sum = 0, n;
	PGresult *res = NULL;

	if (job_arg_int(ctx->job, "keep_days", 90, 1, 36500, &keep) != XH_OK)
		return job_error(ctx, XH_ERR_INVAL, "args.keep_days must be 1..36500");
	snprintf(days, sizeof(days), "%lld", keep);
	do {
		if (xh_db_execv(ctx->db, &retention_sql[RQ_AUDIT], &res, days) != XH_OK)
			return job_error(ctx, XH_ERR_DB, "%s", xh_db_error(ctx->db));
		n = strtoll(PQcmdTuples(res), NULL, 10);
		PQclear(res);
		sum += n;
	} while (n > 0 && xh_now_ms() < ctx->deadline_ms);
	snprintf(total, sizeof(total), "%lld", sum);
	xh_log(XH_LOG_INFO, "audit.retention", "keep_days", days, "deleted", total, NULL);
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
