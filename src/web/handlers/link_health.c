/*
 * link_health.c: a link's sync health (GET /links/{id}/health): per
 * HubSpot object the numbers `xhsync link show` prints (in sync, pending,
 * failing, excluded); failing records grouped by the vendor's message,
 * each with its name or number and links to the record in Xero and in
 * HubSpot; excluded records grouped by their reason; the link's jobs that
 * gave up or wait to retry.
 *
 * POST /links/{id}/health/retry pushes failed records again through
 * sync_replay (the replay of `xhsync replay`): one record, one group or
 * every failure of the link. POST /links/{id}/jobs/{job}/retry and
 * /cancel act on one job of the link through job_retry and job_cancel,
 * as `xhsync jobs` does.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <libpq-fe.h>

#include "job.h"
#include "sync/push.h"
#include "sync/link_ops.h"
#include "sync/push_sql.h"
#include "web/handlers/health_common.h"
#include "web/web.h"
#include "xero/pull.h"

#define HEALTH_PER_GROUP "20"  /* records shown per group */
#define HEALTH_GROUPS    "100" /* groups shown per list */

enum health_sql {
	HEALTH_FAILING,  /* HEALTH_FAILING */
	HEALTH_EXCLUDED, /* HEALTH_EXCLUDED */
	HEALTH_JOBS,     /* HEALTH_JOBS */
	HEALTH_JOB_OF,   /* HEALTH_JOB_OF */
	HEALTH__MAX
};

/* The Xero mirror object a HubSpot object comes from. */
#define HL_SRC                                                                                     \
	"(CASE f.object WHEN 'invoice' THEN 'invoice' WHEN 'product' THEN 'item'"                  \
	" ELSE 'contact' END)::xero_object"
/* What an admin knows the record by: the invoice number, the contact's name and email. */
#define HL_NAME                                                                                    \
	"CASE f.object WHEN 'invoice' THEN r.payload->>'InvoiceNumber'"                            \
	" WHEN 'product' THEN concat_ws(' ', r.payload->>'Code', r.payload->>'Name')"              \
	" WHEN 'contact' THEN concat_ws(' ', r.payload->>'Name',"                                  \
	"  '(' || nullif(r.payload->>'EmailAddress', '') || ')')"                                  \
	" ELSE r.payload->>'Name' END"
/* Xero's deep links without the organisation's short code (Xero opens the current one). */
#define HL_XERO_URL                                                                                \
	"CASE f.object WHEN 'invoice' THEN"                                                        \
	" 'https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=' || f.xero_id"              \
	" WHEN 'product' THEN NULL ELSE 'https://go.xero.com/Contacts/View/' || f.xero_id END"
/* HubSpot's record page: <app_url>/contacts/<portal>/record/<object type id>/<id>. */
#define HL_HUBSPOT_URL                                                                             \
	"CASE WHEN f.hubspot_id IS NOT NULL AND l.hubspot_portal_id IS NOT NULL THEN"              \
	" $2 || '/contacts/' || l.hubspot_portal_id || '/record/' || CASE f.object"                \
	" WHEN 'company' THEN '0-2' WHEN 'contact' THEN '0-1' WHEN 'invoice' THEN '0-53'"          \
	" ELSE '0-7' END || '/' || f.hubspot_id END"
/*
 * The records of link $1 matching `where`, grouped by object and `reason`
 * (the biggest groups first), HEALTH_PER_GROUP records each, newest first,
 * as one JSON array of {object, reason, key (md5 of reason), n, more, records}.
 */
#define HL_GROUPS(where, reason, at)                                                               \
	XH_SQL_IDEMPOTENT                                                                          \
	"WITH f AS (SELECT h.object::text AS object, h.xero_id, h.hubspot_id,"                     \
	"  " reason " AS reason, " at " AS at,"                                                    \
	"  row_number() OVER (PARTITION BY h.object, " reason " ORDER BY " at                      \
	"   DESC NULLS LAST, h.xero_id) AS rn,"                                                    \
	"  count(*) OVER (PARTITION BY h.object, " reason ") AS n"                                 \
	"  FROM hubspot_ref h WHERE h.link_id = $1::bigint AND " where "),"                        \
	" g AS (SELECT f.object, f.reason, md5(f.reason) AS key, max(f.n) AS n,"                   \
	"  max(f.n) || CASE WHEN max(f.n) = 1 THEN ' record' ELSE ' records' END AS n_label,"      \
	"  max(f.n) > " HEALTH_PER_GROUP " AS more,"                                               \
	"  json_agg(json_build_object('xero_id', f.xero_id, 'hubspot_id', f.hubspot_id,"           \
	"   'name', coalesce(nullif(" HL_NAME ", ''), 'Xero id ' || f.xero_id),"                   \
	"   'at', to_char(f.at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"'),"                 \
	"   'xero_url', " HL_XERO_URL ", 'hubspot_url', " HL_HUBSPOT_URL ") ORDER BY f.rn)"        \
	"   AS records"                                                                            \
	"  FROM f JOIN link l ON l.id = $1::bigint"                                                \
	"  LEFT JOIN xero_record r ON r.link_id = l.id AND r.object = " HL_SRC                     \
	"   AND r.xero_id = f.xero_id"                                                             \
	"  WHERE f.rn <= " HEALTH_PER_GROUP " GROUP BY f.object, f.reason"                         \
	"  ORDER BY max(f.n) DESC, f.object, f.reason LIMIT " HEALTH_GROUPS ")"                    \
	" SELECT coalesce(json_agg(g ORDER BY g.n DESC, g.object, g.reason), '[]')::text,"         \
	" coalesce(sum(g.n), 0) FROM g"

/* clang-format off */
static const struct xh_sql health_sql[HEALTH__MAX] = {
    /* HEALTH_FAILING: $2 HubSpot's app base URL */
    {"web_health_failing",
     HL_GROUPS("(h.failed_hash IS NOT NULL OR h.last_error IS NOT NULL)",
               "coalesce(h.last_error, '')", "h.last_error_at"), 2},
    /* HEALTH_EXCLUDED: $2 HubSpot's app base URL */
    {"web_health_excluded",
     HL_GROUPS("h.excluded IS NOT NULL", "h.excluded", "h.pushed_at"), 2},
    /* HEALTH_JOBS: the link's jobs that gave up, were cancelled or wait to retry */
    {"web_health_jobs",
     XH_SQL_IDEMPOTENT
     "SELECT coalesce(json_agg(json_build_object('id', j.id, 'kind', j.kind, 'state', j.state,"
     "  'waiting', j.state = 'retryable', 'attempts', j.attempts || ' of ' || j.max_attempts,"
     "  'error', coalesce(left(j.last_error, 500), ''),"
     "  'when', to_char(coalesce(j.finished_at, j.run_at) AT TIME ZONE 'UTC',"
     "   'YYYY-MM-DD HH24:MI \"UTC\"')) ORDER BY j.id DESC), '[]')::text"
     " FROM (SELECT * FROM job WHERE link_id = $1::bigint"
     "  AND state IN ('discarded', 'retryable', 'cancelled') ORDER BY id DESC LIMIT 50) j", 1},
    /* HEALTH_JOB_OF: whether job $2 belongs to link $1 */
    {"web_health_job_of",
     XH_SQL_IDEMPOTENT "SELECT 1 FROM job WHERE id = $2::bigint AND link_id = $1::bigint", 2},
};
/* clang-format on */

/* The per-object numbers of `xhsync link show` as a JSON array, or NULL if the database failed. */
static struct json_object *
object_counts(struct web_ctx *ctx, const char *link)
{
	struct sync_link_count n[SYNC_LINK_NOBJ];
	struct json_object *arr, *o;

	if (sync_link_counts(ctx->db, strtoll(link, NULL, 10), n) != XH_OK)
		return NULL;
	arr = json_object_new_array();
	for (int i = 0; i < SYNC_LINK_NOBJ; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "object", json_object_new_string(n[i].object));
		json_object_object_add(o, "mirrored", json_object_new_int64(n[i].mirrored));
		json_object_object_add(o, "synced", json_object_new_int64(n[i].synced));
		json_object_object_add(o, "pending", json_object_new_int64(n[i].pending));
		json_object_object_add(o, "failed", json_object_new_int64(n[i].failed));
		json_object_object_add(o, "excluded", json_object_new_int64(n[i].excluded));
		json_object_array_add(arr, o);
	}
	return arr;
}

/*
 * HubSpot's "Property values were not valid: [{message...}, ...]" as its
 * messages joined by "; " (in the arena), or NULL for any other text.
 */
static const char *
vendor_summary(struct xh_arena *a, const char *reason)
{
	static const char prefix[] = "Property values were not valid: ";
	struct json_object *arr, *m;
	const char *out = NULL, *s;

	if (strncmp(reason, prefix, sizeof(prefix) - 1) != 0 ||
	    (arr = json_tokener_parse(reason + sizeof(prefix) - 1)) == NULL)
		return NULL;
	for (size_t i = 0; json_object_is_type(arr, json_type_array) &&
	                   i < json_object_array_length(arr) && i < 10;
	     i++) {
		m = json_object_object_get(json_object_array_get_idx(arr, i), "message");
		if ((s = json_object_get_string(m)) != NULL &&
		    json_object_is_type(m, json_type_string))
			out = out == NULL ? xh_printf(a, "%s", s) : xh_printf(a, "%s; %s", out, s);
	}
	json_object_put(arr);
	return out;
}

/* Gives each group of g a "summary" of the vendor's message where one can be read. */
static void
add_summaries(struct xh_arena *a, struct json_object *g)
{
	struct json_object *grp;
	const char *sum;

	for (size_t i = 0; i < json_object_array_length(g); i++) {
		grp = json_object_array_get_idx(g, i);
		sum = vendor_summary(a,
		                     json_object_get_string(json_object_object_get(grp, "reason")));
		if (sum != NULL)
			json_object_object_add(grp, "summary", json_object_new_string(sum));
	}
}

/* Adds the groups of q as data[key] and their record count as data[key_n]; XH_ERR_DB on failure. */
static enum xh_err
add_groups(struct web_ctx *ctx, struct web_req *req, struct json_object *d, enum health_sql q,
           const char *link, const char *key, const char *key_n)
{
	const char *app = ctx->cfg->hubspot.app_url ? ctx->cfg->hubspot.app_url : "";
	PGresult *res = NULL;
	enum xh_err e = xh_db_execv(ctx->db, &health_sql[q], &res, link, app);
	struct json_object *g;

	if (e == XH_OK && PQntuples(res) == 1 && (g = json_tokener_parse(PQgetvalue(res, 0, 0)))) {
		add_summaries(req->arena, g);
		json_object_object_add(d, key, g);
		json_object_object_add(
		    d, key_n, json_object_new_int64(strtoll(PQgetvalue(res, 0, 1), NULL, 10)));
	} else {
		e = XH_ERR_DB;
	}
	PQclear(res);
	return e;
}

/* Adds the link's waiting and given-up jobs as data["jobs"]; XH_ERR_DB on failure. */
static enum xh_err
add_jobs(struct web_ctx *ctx, struct json_object *d, const char *link)
{
	PGresult *res = NULL;
	enum xh_err e = xh_db_execv(ctx->db, &health_sql[HEALTH_JOBS], &res, link);
	struct json_object *j;

	if (e == XH_OK && PQntuples(res) == 1 && (j = json_tokener_parse(PQgetvalue(res, 0, 0)))) {
		json_object_object_add(d, "has_jobs",
		                       json_object_new_boolean(json_object_array_length(j) > 0));
		json_object_object_add(d, "jobs", j);
	} else
		e = XH_ERR_DB;
	PQclear(res);
	return e;
}

/* GET /links/{id}/health (session): 200, 404 for no such link, 500 if the database fails. */
int
web_handle_link_health(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct json_object *d = NULL, *counts;
	const char *link;
	int st;

	if ((st = health_link_load(ctx, req, &link, &d)) != 0)
		return st;
	if ((counts = object_counts(ctx, link)) == NULL ||
	    add_groups(ctx, req, d, HEALTH_FAILING, link, "failing", "failing_n") != XH_OK ||
	    add_groups(ctx, req, d, HEALTH_EXCLUDED, link, "excluded", "excluded_n") != XH_OK ||
	    add_jobs(ctx, d, link) != XH_OK) {
		json_object_put(counts);
		json_object_put(d);
		resp->reason = "cannot read the link's health";
		return 500;
	}
	json_object_object_add(d, "objects", counts);
	return web_page(ctx, req, resp, 200, "link_health", "Sync health - xhsync", d);
}

/* A pushed object's name (not line items), or NULL. */
static const char *
pushed_object(const char *s)
{
	int o = s != NULL && *s != '\0' ? sync_object_find(s) : -1;

	return o < 0 || o == SO_LINE_ITEM ? NULL : sync_object_name((enum sync_object)o);
}

/* 1 if s is 32 lowercase hex digits (an md5 from the page). */
static int
is_md5(const char *s)
{
	return s != NULL && strlen(s) == 32 && strspn(s, "0123456789abcdef") == 32;
}

/*
 * Reads the retry form into rq: scope=one (object, xero_id), group
 * (object, key) or all. Returns 0, or 400 for a form the page never sends.
 */
static int
retry_form(const struct web_req *req, struct sync_replay_req *rq)
{
	const char *scope = web_kv_get(&req->form, "scope");
	const char *xid = web_kv_get(&req->form, "xero_id"), *key = web_kv_get(&req->form, "key");

	rq->object = pushed_object(web_kv_get(&req->form, "object"));
	if (scope != NULL && strcmp(scope, "all") == 0) {
		rq->object = NULL;
		return 0;
	}
	if (scope != NULL && strcmp(scope, "one") == 0 && rq->object && xid && xero_is_uuid(xid)) {
		rq->xero_id = xid;
		return 0;
	}
	if (scope != NULL && strcmp(scope, "group") == 0 && rq->object && is_md5(key)) {
		rq->error_md5 = key;
		return 0;
	}
	return 400;
}

/* POST /links/{id}/health/retry (session, CSRF): 303 back to the health page; 400, 404, 500. */
int
web_handle_link_health_retry(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct sync_replay_req rq = {0};
	const char *link;
	int st, n = 0;

	if ((st = health_link_load(ctx, req, &link, NULL)) != 0)
		return st;
	if ((st = retry_form(req, &rq)) != 0) {
		resp->reason = "retry form without a valid scope, object, id or group";
		return st;
	}
	rq.link = strtoll(link, NULL, 10);
	if (sync_replay(ctx->db, req->arena, &rq, &n) != XH_OK) {
		resp->reason = "replay failed";
		return 500;
	}
	web_redirect(resp, xh_printf(req->arena, "/links/%s/health?m=%s", link,
	                             n > 0 || rq.xero_id != NULL ? "retry_queued" : "retry_none"));
	return 303;
}

/* The job id of the route if it is a job of the link, else NULL (404). */
static const char *
link_job(struct web_ctx *ctx, const struct web_req *req, const char *link)
{
	const char *job = web_kv_get(&req->captures, "job");
	PGresult *res = NULL;
	int mine = 0;

	if (!health_id_valid(job))
		return NULL;
	if (xh_db_execv(ctx->db, &health_sql[HEALTH_JOB_OF], &res, link, job) == XH_OK)
		mine = PQntuples(res) == 1;
	PQclear(res);
	return mine ? job : NULL;
}

/* Retries (retry != 0) or cancels a job of the link; 303 back, 404, 409 in the wrong state. */
static int
job_action(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, int retry)
{
	const char *link, *job;
	enum xh_err e;
	int st;

	if ((st = health_link_load(ctx, req, &link, NULL)) != 0)
		return st;
	if ((job = link_job(ctx, req, link)) == NULL)
		return 404;
	e = retry ? job_retry(ctx->db, strtoll(job, NULL, 10))
	          : job_cancel(ctx->db, strtoll(job, NULL, 10));
	if (e == XH_ERR_NOTFOUND)
		return 404;
	if (e != XH_OK && e != XH_ERR_INVAL) {
		resp->reason = "job retry or cancel failed";
		return 500;
	}
	web_redirect(resp, xh_printf(req->arena, "/links/%s/health?m=%s", link,
	                             e == XH_ERR_INVAL ? "job_state"
	                             : retry           ? "job_retried"
	                                               : "job_cancelled"));
	return 303;
}

/* POST /links/{id}/jobs/{job}/retry (session, CSRF) */
int
web_handle_link_job_retry(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	return job_action(ctx, req, resp, 1);
}

/* POST /links/{id}/jobs/{job}/cancel (session, CSRF) */
int
web_handle_link_job_cancel(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	return job_action(ctx, req, resp, 0);
}
