/*
 * job_admin.c: what operators and the scheduler do to the queue (job.h):
 * cancel, retry, prune finished jobs, and fire recurring schedules.
 */
#include <stdio.h>
#include <stdlib.h>

#include "job_int.h"

enum admin_sql {
	AQ_CANCEL,    /* AQ_CANCEL */
	AQ_RETRY,     /* AQ_RETRY */
	AQ_EXISTS,    /* AQ_EXISTS */
	AQ_PRUNE,     /* AQ_PRUNE */
	AQ_SCHED_ADD, /* AQ_SCHED_ADD */
	AQ_SCHED_RUN, /* AQ_SCHED_RUN */
	AQ_LINKS_ADD, /* AQ_LINKS_ADD */
	AQ_LINKS_RUN, /* AQ_LINKS_RUN */
	AQ__MAX
};

/* Links that get per-link schedules: in use, with a credential of vendor $2. */
#define AQ_LINK_ELIGIBLE                                                                           \
	"l.status IN ('active', 'setup') AND EXISTS (SELECT 1 FROM credential c"                   \
	" WHERE c.link_id = l.id AND c.vendor = $2 AND c.purpose = 'oauth')"

static const struct xh_sql admin_sql[AQ__MAX] = {
    /* AQ_CANCEL */
    {"job_cancel",
     "UPDATE job SET state = 'cancelled', finished_at = now()"
     " WHERE id = $1::bigint AND state IN " JQ_NONFINAL " RETURNING id",
     1},
    /* AQ_RETRY */
    {"job_retry",
     "WITH r AS (UPDATE job SET state = 'available', run_at = now(), attempts = 0,"
     " finished_at = NULL, rerun = false"
     " WHERE id = $1::bigint AND state IN ('retryable', 'discarded', 'cancelled')"
     " RETURNING id) SELECT id, " JQ_NOTIFY "::text FROM r",
     1},
    /* AQ_EXISTS */
    {"job_exists", "SELECT state FROM job WHERE id = $1::bigint", 1},
    /* AQ_PRUNE */
    {"job_prune",
     "DELETE FROM job WHERE id IN (SELECT id FROM job"
     " WHERE (state IN ('completed', 'cancelled')"
     "  AND finished_at < now() - $1::bigint * interval '1 ms')"
     " OR (state = 'discarded' AND finished_at < now() - $1::bigint * interval '4 ms')"
     " LIMIT 5000)",
     1},
    /* AQ_SCHED_ADD */
    {"job_sched_add",
     "INSERT INTO job_schedule (key, next_run_at) VALUES ($1, now()) ON CONFLICT DO NOTHING", 1},
    /* AQ_SCHED_RUN */
    {"job_sched_run",
     "WITH due AS (UPDATE job_schedule SET next_run_at = now() + $2::bigint * interval '1 ms',"
     "  last_run_at = now() WHERE key = $1 AND next_run_at <= now() RETURNING key),"
     " ins AS (INSERT INTO job (kind, link_id, args, priority, max_attempts, unique_key)"
     "  SELECT $3, nullif($4::bigint, 0), coalesce($5::jsonb, '{}'), $6::smallint,"
     "   $7::int, key FROM due"
     "  ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN " JQ_NONFINAL
     "  DO NOTHING RETURNING id)"
     " SELECT (SELECT count(*) FROM due), (SELECT count(*) FROM ins),"
     " CASE WHEN EXISTS (SELECT 1 FROM ins) THEN " JQ_NOTIFY "::text END",
     7},
    /* AQ_LINKS_ADD: $1 key prefix, $2 vendor, $3 period (ms) */
    {"job_sched_links_add",
     "INSERT INTO job_schedule (key, next_run_at, link_id)"
     " SELECT $1::text || ':' || l.id,"
     "  now() + $3::bigint * (0.5 + random() / 2) * interval '1 ms', l.id"
     " FROM link l WHERE " AQ_LINK_ELIGIBLE
     " AND NOT EXISTS (SELECT 1 FROM job_schedule s WHERE s.key = $1::text || ':' || l.id)"
     " ON CONFLICT DO NOTHING",
     3},
    /* AQ_LINKS_RUN: as AQ_SCHED_RUN for every eligible link's due schedule */
    {"job_sched_links_run",
     "WITH due AS (UPDATE job_schedule s SET next_run_at = now() + $3::bigint * interval '1 ms',"
     "  last_run_at = now() FROM link l WHERE s.link_id = l.id AND s.key = $1::text || ':' || l.id"
     "  AND s.next_run_at <= now() AND " AQ_LINK_ELIGIBLE " RETURNING s.key, s.link_id),"
     " ins AS (INSERT INTO job (kind, link_id, args, priority, max_attempts, unique_key)"
     "  SELECT $4, link_id, coalesce($5::jsonb, '{}'), $6::smallint, $7::int, key FROM due"
     "  ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN " JQ_NONFINAL
     "  DO NOTHING RETURNING id)"
     " SELECT (SELECT count(*) FROM due), (SELECT count(*) FROM ins),"
     " CASE WHEN EXISTS (SELECT 1 FROM ins) THEN " JQ_NOTIFY "::text END",
     7},
};

enum xh_err
job_prune(struct xh_db *db, long long keep_ms, long long *n)
{
	char ms[24];

	snprintf(ms, sizeof(ms), "%lld", keep_ms);
	return job_exec_count(db, &admin_sql[AQ_PRUNE], ms, n);
}

/*
 * After an operator statement that touched no row: XH_ERR_NOTFOUND if the
 * job does not exist, else XH_ERR_INVAL (it is in the wrong state).
 */
static enum xh_err
why_untouched(struct xh_db *db, const char *id)
{
	PGresult *res = NULL;
	enum xh_err err;

	err = xh_db_execv(db, &admin_sql[AQ_EXISTS], &res, id);
	if (!err)
		err = PQntuples(res) == 0 ? XH_ERR_NOTFOUND : XH_ERR_INVAL;
	PQclear(res);
	return err;
}

/* Runs an operator statement on one job id (cancel, retry). */
static enum xh_err
operator_op(struct xh_db *db, enum admin_sql q, long long id)
{
	char idb[24];
	PGresult *res = NULL;
	enum xh_err err;
	int rows;

	snprintf(idb, sizeof(idb), "%lld", id);
	err = xh_db_execv(db, &admin_sql[q], &res, idb);
	if (err)
		return job_db_failure(db, err);
	rows = PQntuples(res);
	PQclear(res);
	return rows > 0 ? XH_OK : why_untouched(db, idb);
}

enum xh_err
job_cancel(struct xh_db *db, long long id)
{
	return operator_op(db, AQ_CANCEL, id);
}

enum xh_err
job_retry(struct xh_db *db, long long id)
{
	return operator_op(db, AQ_RETRY, id);
}

enum xh_err
job_schedule_tick(struct xh_db *db, const char *key, long long every_ms, const struct job_new *jn,
                  int *fired)
{
	char every[24], link[24], prio[16], maxa[16];
	PGresult *res = NULL;
	enum xh_err err;

	if (fired != NULL)
		*fired = 0;
	err = xh_db_execv(db, &admin_sql[AQ_SCHED_ADD], NULL, key);
	if (err)
		return err;
	snprintf(every, sizeof(every), "%lld", every_ms);
	snprintf(link, sizeof(link), "%lld", jn->link_id);
	snprintf(prio, sizeof(prio), "%d", jn->priority);
	snprintf(maxa, sizeof(maxa), "%d",
	         jn->max_attempts > 0 ? jn->max_attempts : JOB_DEFAULT_ATTEMPTS);
	err = xh_db_execv(db, &admin_sql[AQ_SCHED_RUN], &res, key, every, jn->kind, link, jn->args,
	                  prio, maxa);
	if (err)
		return job_db_failure(db, err);
	if (fired != NULL)
		*fired = job_col_ll(res, 0, 1) > 0;
	PQclear(res);
	return XH_OK;
}

enum xh_err
job_schedule_tick_links(struct xh_db *db, const char *key, const char *vendor, long long every_ms,
                        const struct job_new *jn, int *fired)
{
	char every[24], prio[16], maxa[16];
	PGresult *res = NULL;
	enum xh_err err;

	if (fired != NULL)
		*fired = 0;
	snprintf(every, sizeof(every), "%lld", every_ms);
	err = xh_db_execv(db, &admin_sql[AQ_LINKS_ADD], NULL, key, vendor, every);
	if (err)
		return job_db_failure(db, err);
	snprintf(prio, sizeof(prio), "%d", jn->priority);
	snprintf(maxa, sizeof(maxa), "%d",
	         jn->max_attempts > 0 ? jn->max_attempts : JOB_DEFAULT_ATTEMPTS);
	err = xh_db_execv(db, &admin_sql[AQ_LINKS_RUN], &res, key, vendor, every, jn->kind,
	                  jn->args, prio, maxa);
	if (err)
		return job_db_failure(db, err);
	if (fired != NULL)
		*fired = (int)job_col_ll(res, 0, 1);
	PQclear(res);
	return XH_OK;
}
