/*
 * job.c: the life of a job in the queue (job.h): enqueue, claim,
 * heartbeat, complete, fail, snooze, release and rescue. Every statement
 * is one named, prepared statement in job_sql[]; arrays travel as
 * PostgreSQL array literals built by pgarray_*(). Operator commands and
 * schedules are in job_admin.c, handler helpers in job_ctx.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job_int.h"

enum job_sql {
	JQ_ENQUEUE,   /* JQ_ENQUEUE */
	JQ_WAKE,      /* JQ_WAKE */
	JQ_CLAIM,     /* JQ_CLAIM */
	JQ_HEARTBEAT, /* JQ_HEARTBEAT */
	JQ_COMPLETE,  /* JQ_COMPLETE */
	JQ_FAIL,      /* JQ_FAIL */
	JQ_SNOOZE,    /* JQ_SNOOZE */
	JQ_RELEASE,   /* JQ_RELEASE */
	JQ_RESCUE,    /* JQ_RESCUE */
	JQ__MAX
};

#define JQ_READY "('available', 'retryable')"

/*
 * Idempotent (db.h): the writes that only touch a job still running under
 * the caller's token, so a second run finds nothing to do, the wake-up and
 * the rescue. The claim and the enqueue are not: run twice, they would
 * claim or insert twice.
 */

/*
 * The claim (job.h): walk the (link, vendor) groups that have ready jobs
 * with a loose index scan over job_ready_idx, drop groups of paused links
 * (their jobs wait, untouched, until the link resumes) and groups whose
 * vendor scope is blocked by a 429, take the n groups whose next due job is
 * oldest, lock up to n due jobs of each (SKIP LOCKED), and keep the n
 * with the lowest rank within their group: every group's first job
 * before any group's second.
 */
#define JQ_CLAIM_TEXT                                                                              \
	"WITH RECURSIVE grp(l, v) AS ("                                                            \
	" (SELECT coalesce(link_id, 0), vendor FROM job WHERE state IN " JQ_READY                  \
	"   ORDER BY 1, 2 LIMIT 1)"                                                                \
	" UNION ALL"                                                                               \
	" SELECT n.l, n.v FROM grp g CROSS JOIN LATERAL ("                                         \
	"  SELECT coalesce(link_id, 0) AS l, vendor AS v FROM job WHERE state IN " JQ_READY        \
	"   AND (coalesce(link_id, 0), vendor) > (g.l, g.v) ORDER BY 1, 2 LIMIT 1) n),"            \
	" open_grp AS (SELECT g.l, g.v FROM grp g LEFT JOIN link k ON k.id = g.l"                  \
	"  WHERE k.status IS DISTINCT FROM 'paused'"                                               \
	"  AND NOT EXISTS (SELECT 1 FROM rate_limit r WHERE r.blocked_until > now()"               \
	"   AND r.scope IN (CASE g.v WHEN 'xero' THEN 'xero:' || k.xero_tenant_id"                 \
	"    WHEN 'hubspot' THEN 'hubspot:' || k.hubspot_portal_id END,"                           \
	"    CASE g.v WHEN 'xero' THEN 'xero:app' END))),"                                         \
	" head AS (SELECT o.l, o.v FROM open_grp o CROSS JOIN LATERAL ("                           \
	"  SELECT priority, run_at FROM job j WHERE coalesce(j.link_id, 0) = o.l"                  \
	"   AND j.vendor = o.v AND j.state IN " JQ_READY " AND j.run_at <= now()"                  \
	"   AND j.kind = ANY ($3::text[]) ORDER BY priority, run_at, id LIMIT 1) h"                \
	"  ORDER BY h.priority, h.run_at LIMIT $1::int),"                                          \
	" pick AS (SELECT p.id FROM head hd CROSS JOIN LATERAL ("                                  \
	"  SELECT x.*, row_number() OVER (ORDER BY x.priority, x.run_at, x.id) AS rk FROM ("       \
	"   SELECT id, priority, run_at FROM job j WHERE coalesce(j.link_id, 0) = hd.l"            \
	"    AND j.vendor = hd.v AND j.state IN " JQ_READY " AND j.run_at <= now()"                \
	"    AND j.kind = ANY ($3::text[]) ORDER BY priority, run_at, id LIMIT $1::int"            \
	"    FOR UPDATE SKIP LOCKED) x) p"                                                         \
	"  ORDER BY p.rk, p.priority, p.run_at, p.id LIMIT $1::int)"                               \
	" UPDATE job SET state = 'running', attempts = attempts + 1, attempted_at = now(),"        \
	"  heartbeat_at = now(), worker = $2"                                                      \
	" WHERE id IN (SELECT id FROM pick)"                                                       \
	" RETURNING id, kind, coalesce(link_id, 0), args::text, attempts,"                         \
	"  max_attempts, unique_key, snoozes"

static const struct xh_sql job_sql[JQ__MAX] = {
    /* JQ_ENQUEUE */
    {"job_enqueue",
     "WITH ins AS (INSERT INTO job (kind, link_id, args, priority, run_at, max_attempts,"
     " unique_key) VALUES ($1, nullif($2::bigint, 0), coalesce($3::jsonb, '{}'),"
     " $4::smallint, now() + $5::bigint * interval '1 ms', $6::int, $7)"
     " ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN " JQ_NONFINAL
     " DO UPDATE SET rerun = job.rerun OR job.state = 'running',"
     " args = CASE WHEN job.state = 'running' THEN job.args ELSE job.args || excluded.args END,"
     " rerun_args = CASE WHEN job.state = 'running'"
     "  THEN coalesce(job.rerun_args, '{}') || excluded.args END,"
     " run_at = CASE WHEN job.state = 'running' THEN job.run_at"
     "  ELSE least(job.run_at, excluded.run_at) END"
     " RETURNING id, xmax = 0 AS inserted, state <> 'running' AND run_at <= now() AS due)"
     " SELECT id, inserted, due FROM ins",
     7},
    /* JQ_WAKE */
    {"job_wake", XH_SQL_IDEMPOTENT "SELECT " JQ_NOTIFY, 0},
    /* JQ_CLAIM */
    {"job_claim", JQ_CLAIM_TEXT, 3},
    /* JQ_HEARTBEAT */
    {"job_heartbeat",
     XH_SQL_IDEMPOTENT
     "UPDATE job j SET heartbeat_at = now() FROM unnest($1::bigint[], $2::text[]) h(id, tok)"
     " WHERE j.id = h.id AND j.worker = h.tok AND j.state = 'running'",
     2},
    /* JQ_COMPLETE */
    {"job_complete",
     XH_SQL_IDEMPOTENT
     "WITH done AS (UPDATE job SET"
     " state = CASE WHEN rerun THEN 'available' ELSE 'completed' END,"
     " finished_at = CASE WHEN rerun THEN NULL ELSE now() END,"
     " run_at = CASE WHEN rerun THEN now() ELSE run_at END,"
     " attempts = CASE WHEN rerun THEN 0 ELSE attempts END,"
     " args = CASE WHEN rerun THEN coalesce(rerun_args, args) ELSE args END,"
     " rerun = false, rerun_args = NULL"
     " FROM unnest($1::bigint[], $2::text[]) h(id, tok)"
     " WHERE job.id = h.id AND job.worker = h.tok AND job.state = 'running' RETURNING state)"
     " SELECT count(*), CASE WHEN bool_or(state = 'available') THEN " JQ_NOTIFY "::text END"
     " FROM done",
     2},
    /* JQ_FAIL */
    {"job_fail",
     XH_SQL_IDEMPOTENT
     "UPDATE job SET state = CASE WHEN $3::boolean OR attempts >= $4::int"
     "  THEN 'discarded' ELSE 'retryable' END,"
     " run_at = now() + $5::bigint * interval '1 ms', last_error = left($6, 2000),"
     " finished_at = CASE WHEN $3::boolean OR attempts >= $4::int THEN now() END"
     " WHERE id = $2::bigint AND worker = $1 AND state = 'running' RETURNING state",
     6},
    /* JQ_SNOOZE */
    {"job_snooze",
     XH_SQL_IDEMPOTENT "UPDATE job SET state = 'available', attempts = greatest(attempts - 1, 0),"
                       " snoozes = snoozes + 1, run_at = now() + $3::bigint * interval '1 ms'"
                       " WHERE id = $2::bigint AND worker = $1 AND state = 'running'",
     3},
    /* JQ_RELEASE */
    {"job_release",
     XH_SQL_IDEMPOTENT
     "WITH rel AS (UPDATE job SET state = 'available', attempts = greatest(attempts - 1, 0),"
     " run_at = now() FROM unnest($1::bigint[], $2::text[]) h(id, tok)"
     " WHERE job.id = h.id AND job.worker = h.tok AND job.state = 'running' RETURNING job.id)"
     " SELECT count(*), CASE WHEN count(*) > 0 THEN " JQ_NOTIFY "::text END FROM rel",
     2},
    /* JQ_RESCUE */
    {"job_rescue",
     XH_SQL_IDEMPOTENT "WITH stale AS (SELECT id FROM job WHERE state = 'running'"
                       "  AND heartbeat_at < now() - $1::bigint * interval '1 ms'"
                       "  AND now() - pg_postmaster_start_time() > $1::bigint * interval '1 ms'"
                       "  ORDER BY heartbeat_at LIMIT 1000 FOR UPDATE SKIP LOCKED),"
                       " res AS (UPDATE job j SET state = CASE WHEN attempts >= max_attempts"
                       "   THEN 'discarded' ELSE 'retryable' END, run_at = now(),"
                       "  finished_at = CASE WHEN attempts >= max_attempts THEN now() END,"
                       "  last_error = 'rescued: no heartbeat from ' || coalesce(worker, '?')"
                       "   || ' since ' || heartbeat_at"
                       "  FROM stale WHERE j.id = stale.id RETURNING j.state)"
                       " SELECT count(*), CASE WHEN bool_or(state = 'retryable') THEN " JQ_NOTIFY
                       "::text END"
                       " FROM res",
     1},
};

static const char *const job_state_names[JOB_STATE__MAX] = {
    "available", /* JOB_AVAILABLE */
    "running",   /* JOB_RUNNING */
    "retryable", /* JOB_RETRYABLE */
    "completed", /* JOB_COMPLETED */
    "discarded", /* JOB_DISCARDED */
    "cancelled", /* JOB_CANCELLED */
};

const char *
job_state_name(enum job_state st)
{
	if ((unsigned)st >= JOB_STATE__MAX)
		return NULL;
	return job_state_names[st];
}

int
job_state_parse(const char *s, enum job_state *out)
{
	for (int i = 0; i < JOB_STATE__MAX; i++) {
		if (s != NULL && strcmp(s, job_state_names[i]) == 0) {
			*out = (enum job_state)i;
			return 0;
		}
	}
	return -1;
}

/* "{1,2,3}": a bigint[] literal of ids, in the arena. */
static char *
pgarray_ids(struct xh_arena *a, const long long *ids, int n)
{
	struct xh_buf b;
	char *out;

	xh_buf_init(&b);
	xh_buf_putc(&b, '{');
	for (int i = 0; i < n; i++)
		xh_buf_printf(&b, "%s%lld", i ? "," : "", ids[i]);
	xh_buf_putc(&b, '}');
	out = xh_buf_dup(a, &b);
	xh_buf_free(&b);
	return out;
}

/* {"a","b"}: a text[] literal with every element quoted, in the arena. */
static char *
pgarray_text(struct xh_arena *a, const char *const *s, int n)
{
	struct xh_buf b;
	char *out;

	xh_buf_init(&b);
	xh_buf_putc(&b, '{');
	for (int i = 0; i < n; i++) {
		xh_buf_puts(&b, i ? ",\"" : "\"");
		for (const char *p = s[i]; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				xh_buf_putc(&b, '\\');
			xh_buf_putc(&b, *p);
		}
		xh_buf_putc(&b, '"');
	}
	xh_buf_putc(&b, '}');
	out = xh_buf_dup(a, &b);
	xh_buf_free(&b);
	return out;
}

long long
job_col_ll(PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return 0;
	return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

enum xh_err
job_db_failure(struct xh_db *db, enum xh_err err)
{
	const char *st = xh_db_sqlstate(db);

	if (strncmp(st, "22", 2) == 0 || strcmp(st, "23514") == 0 || strcmp(st, "23503") == 0)
		return XH_ERR_INVAL;
	if (strcmp(st, "23505") == 0)
		return XH_ERR_BUSY;
	return err;
}

enum xh_err
job_enqueue(struct xh_db *db, const struct job_new *jn, long long *id, int *inserted)
{
	char link[24], prio[16], delay[24], maxa[16];
	const char *p[7];
	PGresult *res = NULL;
	enum xh_err err;
	int due;

	if (jn == NULL || jn->kind == NULL)
		return XH_ERR_INVAL;
	snprintf(link, sizeof(link), "%lld", jn->link_id);
	snprintf(prio, sizeof(prio), "%d", jn->priority);
	snprintf(delay, sizeof(delay), "%lld", jn->delay_ms > 0 ? jn->delay_ms : 0);
	snprintf(maxa, sizeof(maxa), "%d",
	         jn->max_attempts > 0 ? jn->max_attempts : JOB_DEFAULT_ATTEMPTS);
	p[0] = jn->kind;
	p[1] = link;
	p[2] = jn->args;
	p[3] = prio;
	p[4] = delay;
	p[5] = maxa;
	p[6] = jn->unique_key;
	err = xh_db_exec(db, &job_sql[JQ_ENQUEUE], p, &res);
	if (err)
		return job_db_failure(db, err);
	if (id != NULL)
		*id = job_col_ll(res, 0, 0);
	if (inserted != NULL)
		*inserted = PQgetvalue(res, 0, 1)[0] == 't';
	due = PQgetvalue(res, 0, 2)[0] == 't'; /* inserted due, or a pending one made due */
	PQclear(res);
	/*
	 * Inside the caller's transaction the NOTIFY goes out with its commit.
	 * Outside one, the insert has committed already: a NOTIFY on its own
	 * writes nothing, so it does not hold PostgreSQL's notify lock across
	 * a WAL flush as a NOTIFY in the inserting transaction would (that
	 * lock serialises every notifying commit). A lost notification only
	 * costs one poll interval.
	 */
	if (due && xh_db_exec(db, &job_sql[JQ_WAKE], NULL, NULL) != XH_OK && xh_db_in_tx(db))
		return XH_ERR_DB;
	return XH_OK;
}

/* Copies row i of a claim result into j. */
static void
claim_row(struct xh_arena *a, PGresult *res, int i, struct job *j)
{
	j->id = job_col_ll(res, i, 0);
	j->kind = xh_strdup(a, PQgetvalue(res, i, 1));
	j->link_id = job_col_ll(res, i, 2);
	j->args = xh_strdup(a, PQgetvalue(res, i, 3));
	j->attempt = (int)job_col_ll(res, i, 4);
	j->max_attempts = (int)job_col_ll(res, i, 5);
	j->unique_key = PQgetisnull(res, i, 6) ? NULL : xh_strdup(a, PQgetvalue(res, i, 6));
	j->snoozes = (int)job_col_ll(res, i, 7);
}

enum xh_err
job_claim(struct xh_db *db, const char *token, int n, const char *const *kinds, int nkinds,
          struct xh_arena *a, struct job **jobs, int *njobs)
{
	char nbuf[16];
	const char *p[3];
	PGresult *res = NULL;
	enum xh_err err;
	int rows;

	*jobs = NULL;
	*njobs = 0;
	if (n <= 0 || nkinds <= 0)
		return XH_OK;
	snprintf(nbuf, sizeof(nbuf), "%d", n);
	p[0] = nbuf;
	p[1] = token;
	p[2] = pgarray_text(a, kinds, nkinds);
	err = xh_db_exec(db, &job_sql[JQ_CLAIM], p, &res);
	if (err)
		return err;
	rows = PQntuples(res);
	*jobs = xh_alloc(a, sizeof(**jobs) * (size_t)(rows > 0 ? rows : 1));
	for (int i = 0; i < rows; i++)
		claim_row(a, res, i, &(*jobs)[i]);
	*njobs = rows;
	PQclear(res);
	return XH_OK;
}

/* Runs a statement whose inputs are the arrays of held ids and their tokens. */
static enum xh_err
exec_holds(struct xh_db *db, enum job_sql q, const struct job_hold *h, int n, int *count)
{
	struct xh_arena *a;
	const char *p[2], **toks;
	long long *ids;
	PGresult *res = NULL;
	enum xh_err err;

	if (count != NULL)
		*count = 0;
	if (n <= 0)
		return XH_OK;
	a = xh_arena_new();
	ids = xh_alloc(a, sizeof(*ids) * (size_t)n);
	toks = xh_alloc(a, sizeof(*toks) * (size_t)n);
	for (int i = 0; i < n; i++) {
		ids[i] = h[i].id;
		toks[i] = h[i].token;
	}
	p[0] = pgarray_ids(a, ids, n);
	p[1] = pgarray_text(a, toks, n);
	err = xh_db_exec(db, &job_sql[q], p, &res);
	if (!err && count != NULL)
		*count = PQntuples(res) > 0 ? (int)job_col_ll(res, 0, 0)
		                            : (int)strtol(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	xh_arena_free(a);
	return err;
}

enum xh_err
job_heartbeat(struct xh_db *db, const struct job_hold *h, int n, int *beaten)
{
	return exec_holds(db, JQ_HEARTBEAT, h, n, beaten);
}

enum xh_err
job_complete(struct xh_db *db, const struct job_hold *h, int n, int *done)
{
	return exec_holds(db, JQ_COMPLETE, h, n, done);
}

enum xh_err
job_release(struct xh_db *db, const struct job_hold *h, int n)
{
	return exec_holds(db, JQ_RELEASE, h, n, NULL);
}

enum xh_err
job_fail(struct xh_db *db, const char *token, const struct job *j, int max_attempts, int permanent,
         long long backoff_ms, const char *msg, enum job_state *state)
{
	char id[24], maxa[16], backoff[24];
	const char *p[6];
	PGresult *res = NULL;
	enum xh_err err;

	snprintf(id, sizeof(id), "%lld", j->id);
	snprintf(maxa, sizeof(maxa), "%d", max_attempts);
	snprintf(backoff, sizeof(backoff), "%lld", backoff_ms > 0 ? backoff_ms : 0);
	p[0] = token;
	p[1] = id;
	p[2] = permanent ? "true" : "false";
	p[3] = maxa;
	p[4] = backoff;
	p[5] = msg != NULL ? msg : "";
	err = xh_db_exec(db, &job_sql[JQ_FAIL], p, &res);
	if (err)
		return err;
	if (PQntuples(res) == 0)
		err = XH_ERR_NOTFOUND;
	else if (state != NULL)
		job_state_parse(PQgetvalue(res, 0, 0), state);
	PQclear(res);
	return err;
}

enum xh_err
job_snooze(struct xh_db *db, const char *token, long long id, long long delay_ms)
{
	char idb[24], delay[24];

	snprintf(idb, sizeof(idb), "%lld", id);
	snprintf(delay, sizeof(delay), "%lld", delay_ms > 0 ? delay_ms : 0);
	return xh_db_execv(db, &job_sql[JQ_SNOOZE], NULL, token, idb, delay);
}

enum xh_err
job_exec_count(struct xh_db *db, const struct xh_sql *sql, const char *arg, long long *count)
{
	PGresult *res = NULL;
	enum xh_err err;

	err = xh_db_execv(db, sql, &res, arg);
	if (err)
		return err;
	if (count != NULL) {
		if (PQntuples(res) > 0)
			*count = job_col_ll(res, 0, 0);
		else
			*count = strtoll(PQcmdTuples(res), NULL, 10);
	}
	PQclear(res);
	return XH_OK;
}

enum xh_err
job_rescue(struct xh_db *db, long long stale_ms, int *n)
{
	char ms[24];
	long long c = 0;
	enum xh_err err;

	snprintf(ms, sizeof(ms), "%lld", stale_ms);
	err = job_exec_count(db, &job_sql[JQ_RESCUE], ms, &c);
	if (n != NULL)
		*n = (int)c;
	return err;
}
