/*
 * webhook_xero.c: POST /webhooks/xero (DESIGN.md section 8, XERO.md 6).
 *
 * The signature is checked over the raw body against every active key
 * before the body is parsed; 401 with an empty body if none matches,
 * which is what the intent-to-receive probes test. A verified delivery
 * is stored, its ids added to pending_fetch and one debounced xero.fetch
 * enqueued per link and object, in one transaction; then 200 with an
 * empty body and no cookie. A delivery seen before (same body: Xero's
 * retries repeat it byte for byte) is acknowledged and changes nothing.
 * The answer never depends on reaching Xero, only PostgreSQL: if that
 * fails, 503, and Xero retries.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "crypto.h"
#include "job.h"
#include "log.h"
#include "web/handlers/webhook.h"
#include "xero/webhook.h"

enum wx_sql {
	WX_INTAKE, /* WX_INTAKE */
	WX__MAX
};

/* clang-format off */
static const struct xh_sql wx_sql[WX__MAX] = {
    /*
     * WX_INTAKE: $1 dedupe key, $2 body, $3 [{"t": tenant, "o": object,
     * "i": id}]. Stores the delivery unless it was seen before; only then
     * adds each (link, object, id) of a known tenant to pending_fetch (an
     * id already pending is stamped again, so a fetch in flight does not
     * drop the newer change, and loses a "missing" mark). Reserves the
     * delivery log's row id. Returns whether the delivery is new, that
     * id, the events of tenants no link has, and the (link, object)
     * pairs as "link:object,...". One statement: one round trip.
     */
    {"web_xero_intake",
     "WITH d AS (SELECT nextval(pg_get_serial_sequence('webhook_delivery', 'id')) AS id),"
     " e AS (SELECT DISTINCT t, o, i FROM jsonb_to_recordset($3::jsonb) AS x (t uuid, o text, i uuid)),"
     " m AS (SELECT l.id AS link_id, e.o, e.i FROM e JOIN link l ON l.xero_tenant_id = e.t),"
     " ev AS (INSERT INTO webhook_event (vendor, dedupe_key, body, delivery_id, link_id)"
     "  SELECT 'xero', $1, convert_to($2, 'UTF8'), d.id, (SELECT min(link_id) FROM m) FROM d"
     "  ON CONFLICT (dedupe_key) DO NOTHING RETURNING id),"
     " ins AS (INSERT INTO pending_fetch (link_id, object, xero_id)"
     "  SELECT link_id, o, i FROM m WHERE EXISTS (SELECT 1 FROM ev)"
     "  ON CONFLICT (link_id, object, xero_id) DO UPDATE SET added_at = clock_timestamp(), missing_at = NULL"
     "  RETURNING link_id, object)"
     " SELECT (SELECT count(*) FROM ev), (SELECT id FROM d),"
     " (SELECT count(*) FROM e WHERE NOT EXISTS (SELECT 1 FROM link l WHERE l.xero_tenant_id = e.t)),"
     " coalesce((SELECT string_agg(DISTINCT link_id || ':' || object, ',') FROM ins), '')",
     3},
};
/* clang-format on */

/* One delivery being taken in. */
struct wx_run {
	struct web_ctx *ctx;
	struct web_req *req;
	struct xero_wh_payload p;
	struct web_wh_log log;
	const char *events_json; /* the events we mirror, for WX_INTAKE */
	long long *links, *jobs; /* distinct links, and the jobs enqueued */
	size_t nlinks, njobs;
};

/* The mirrored events as WX_INTAKE's array. */
static const char *
events_json(struct xh_arena *a, const struct xero_wh_payload *p)
{
	json_object *arr = json_object_new_array(), *o;
	const char *s;

	for (size_t i = 0; i < p->nevents; i++) {
		if (p->events[i].object == NULL)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "t", json_object_new_string(p->events[i].tenant));
		json_object_object_add(o, "o", json_object_new_string(p->events[i].object));
		json_object_object_add(o, "i", json_object_new_string(p->events[i].resource));
		json_object_array_add(arr, o);
	}
	s = xh_strdup(a, json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
	json_object_put(arr);
	return s;
}

/* ids[0..n-1] as a PostgreSQL array literal, in the arena. */
static const char *
pg_array(struct xh_arena *a, const long long *ids, size_t n)
{
	struct xh_buf b;
	const char *s;

	xh_buf_init(&b);
	xh_buf_putc(&b, '{');
	for (size_t i = 0; i < n; i++)
		xh_buf_printf(&b, "%s%lld", i ? "," : "", ids[i]);
	xh_buf_putc(&b, '}');
	s = xh_buf_dup(a, &b);
	xh_buf_free(&b);
	return s;
}

/* Enqueues the fetch of one "link:object" pair and notes the link and job. */
static enum xh_err
enqueue_fetch(struct wx_run *r, const char *pair)
{
	struct xh_arena *a = r->req->arena;
	const char *colon = strchr(pair, ':');
	struct job_new jn = {0};
	long long job = 0;
	size_t i;

	if (colon == NULL)
		return XH_ERR_DB;
	jn.kind = XERO_FETCH_KIND;
	jn.link_id = strtoll(pair, NULL, 10);
	jn.args = xh_printf(a, "{\"object\": \"%s\"}", colon + 1);
	jn.delay_ms = r->ctx->cfg->webhook.debounce_ms;
	jn.unique_key = job_unique_key(a, XERO_FETCH_KIND, jn.link_id, colon + 1);
	if (job_enqueue(r->ctx->db, &jn, &job, NULL) != XH_OK)
		return XH_ERR_DB;
	r->jobs[r->njobs++] = job;
	for (i = 0; i < r->nlinks && r->links[i] != jn.link_id; i++)
		;
	if (i == r->nlinks)
		r->links[r->nlinks++] = jn.link_id;
	return XH_OK;
}

/* Enqueues one fetch per "link:object" pair of the list. */
static enum xh_err
enqueue_pairs(struct wx_run *r, char *pairs)
{
	char *save = NULL, *pair;
	enum xh_err err = XH_OK;
	size_t n = 1;

	for (const char *c = pairs; *c != '\0'; c++)
		n += *c == ',';
	r->links = xh_alloc(r->req->arena, sizeof(*r->links) * n);
	r->jobs = xh_alloc(r->req->arena, sizeof(*r->jobs) * n);
	for (pair = strtok_r(pairs, ",", &save); pair != NULL && !err;
	     pair = strtok_r(NULL, ",", &save))
		err = enqueue_fetch(r, pair);
	return err;
}

/* The delivery's transaction: the event (or nothing, if seen before), ids, jobs, log. */
static enum xh_err
intake_tx(struct xh_db *db, void *arg)
{
	struct wx_run *r = arg;
	struct xh_arena *a = r->req->arena;
	unsigned char md[XH_SHA256_LEN];
	const char *key;
	PGresult *res = NULL;
	char *pairs;
	int fresh;

	r->nlinks = r->njobs = 0;
	xh_sha256(r->req->body, r->req->body_len, md);
	key = xh_printf(a, "xero:%s", xh_hex(a, md, sizeof(md)));
	if (xh_db_execv(db, &wx_sql[WX_INTAKE], &res, key, r->req->body, r->events_json))
		return XH_ERR_DB;
	fresh = PQgetvalue(res, 0, 0)[0] == '1';
	r->log.id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	r->log.unknown = fresh ? strtoll(PQgetvalue(res, 0, 2), NULL, 10) : 0;
	pairs = xh_strdup(a, PQgetvalue(res, 0, 3));
	PQclear(res);
	r->log.outcome = fresh ? "stored" : "duplicate";
	r->log.new_events = fresh ? (long long)r->p.nevents : 0;
	if (enqueue_pairs(r, pairs) != XH_OK)
		return XH_ERR_DB;
	r->log.link_ids = pg_array(a, r->links, r->nlinks);
	r->log.job_ids = pg_array(a, r->jobs, r->njobs);
	return web_wh_log(db, a, &r->log, NULL);
}

/* Logs a delivery that needed no transaction (an intent-to-receive probe). */
static int
answer_itr(struct wx_run *r, struct web_resp *resp)
{
	r->log.outcome = "itr";
	if (web_wh_log(r->ctx->db, r->req->arena, &r->log, NULL) != XH_OK)
		xh_log(XH_LOG_WARN, "webhook.log_failed", "vendor", "xero", "error",
		       xh_db_error(r->ctx->db), NULL);
	return web_wh_bare(resp, 200);
}

/*
 * POST /webhooks/xero: 401 (bad or missing signature), 400 (verified but
 * not a Xero payload), 503 (database unavailable), else 200; every answer
 * has an empty body.
 */
int
web_handle_webhook_xero(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	const char *sig = web_env_get(req->env, "HTTP_X_XERO_SIGNATURE");
	struct wx_run r = {.ctx = ctx, .req = req};
	const char **keys = NULL;
	size_t nkeys = 0;

	r.log = (struct web_wh_log){.vendor = "xero", .status = 401, .outcome = "bad_signature"};
	if (web_wh_keys(ctx, req->arena, "xero", &keys, &nkeys) != XH_OK) {
		r.log.status = 503, r.log.outcome = "unavailable";
		return web_wh_refuse(ctx, req, resp, &r.log, "webhook keys unavailable");
	}
	if (sig == NULL || nkeys == 0 ||
	    xero_webhook_verify(sig, strlen(sig), req->body, req->body_len, keys, nkeys) < 0)
		return web_wh_refuse(ctx, req, resp, &r.log, "Xero signature does not match");
	r.log.verified = 1;
	if (xero_webhook_parse(req->arena, req->body, req->body_len, &r.p) != XH_OK) {
		r.log.status = 400, r.log.outcome = "malformed";
		return web_wh_refuse(ctx, req, resp, &r.log, "not a Xero webhook payload");
	}
	r.log.status = 200;
	r.log.events = (long long)r.p.nevents;
	if (r.p.nevents == 0)
		return answer_itr(&r, resp);
	r.events_json = events_json(req->arena, &r.p);
	if (xh_db_tx(ctx->db, intake_tx, &r) != XH_OK) {
		xh_log(XH_LOG_WARN, "webhook.store_failed", "vendor", "xero", "error",
		       xh_db_error(ctx->db), NULL);
		resp->reason = "database unavailable";
		return web_wh_bare(resp, 503);
	}
	xh_log(XH_LOG_INFO, "webhook.xero", "outcome", r.log.outcome, "events",
	       xh_printf(req->arena, "%zu", r.p.nevents), "jobs",
	       xh_printf(req->arena, "%zu", r.njobs), NULL);
	return web_wh_bare(resp, 200);
}
