/*
 * webhook_hubspot.c: POST /webhooks/hubspot (DESIGN.md section 8,
 * HUBSPOT.md 5).
 *
 * v3 is checked when its header is there (v1 and v2 only without it, only
 * with [webhook] hubspot_legacy = 1, and only for events of links whose
 * settings allow it: {"webhooks": {"hubspot_legacy": true}}), over the URI rebuilt from
 * [web] public_url's scheme and host and the request URI as sent, before
 * the body is parsed. Each verified event is stored once in
 * webhook_event under a composite key (portal, app, subscription, event
 * id, time, object), so a retried delivery adds nothing; events of
 * portals no link has are stored and counted. In the same transaction one
 * debounced hubspot.events job per link with new events is enqueued; it
 * handles merges, deletions and property edits (src/sync/hs_events.c).
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hubspot/webhook.h"
#include "job.h"
#include "log.h"
#include "web/handlers/webhook.h"

enum wh_hs_sql {
	WHS_EVENTS, /* WHS_EVENTS */
	WHS_JOBS,   /* WHS_JOBS */
	WHS__MAX
};

/* clang-format off */
static const struct xh_sql whs_sql[WHS__MAX] = {
    /*
     * WHS_EVENTS: $1 [{"k": key, "p": portal, "j": event}], $2 the number
     * of events, $3 signed v1/v2 only. Stores the events new to us
     * (portals no link has included) and the delivery's log line, in one
     * statement; returns the log line's outcome and counts. A v1/v2
     * delivery is refused whole (status 401, "legacy_refused", nothing
     * stored) unless every event's link allows it (settings
     * {"webhooks": {"hubspot_legacy": true}}).
     */
    {"web_hubspot_events",
     "WITH d AS (SELECT nextval(pg_get_serial_sequence('webhook_delivery', 'id')) AS id),"
     " e AS (SELECT DISTINCT ON (x.k) x.k, x.j, l.id AS link_id,"
     "  coalesce(l.settings->'webhooks'->'hubspot_legacy' = 'true'::jsonb, false) AS legacy_ok"
     "  FROM jsonb_to_recordset($1::jsonb) AS x (k text, p bigint, j text)"
     "  LEFT JOIN link l ON l.hubspot_portal_id = x.p ORDER BY x.k, l.id),"
     " bad AS (SELECT $3::boolean AND EXISTS (SELECT 1 FROM e WHERE NOT legacy_ok) AS refused),"
     " ins AS (INSERT INTO webhook_event (vendor, link_id, dedupe_key, body, delivery_id)"
     "  SELECT 'hubspot', link_id, k, convert_to(j, 'UTF8'), (SELECT id FROM d) FROM e"
     "  WHERE NOT (SELECT refused FROM bad)"
     "  ON CONFLICT (dedupe_key) DO NOTHING RETURNING link_id),"
     " log AS (INSERT INTO webhook_delivery (id, vendor, status, verified, outcome, events,"
     "  new_events, unknown, link_ids)"
     "  SELECT (SELECT id FROM d), 'hubspot', CASE WHEN (SELECT refused FROM bad) THEN 401 ELSE 200 END,"
     "  true, CASE WHEN (SELECT refused FROM bad) THEN 'legacy_refused'"
     "  WHEN count(*) = 0 THEN 'duplicate' ELSE 'stored' END, $2::int, count(*),"
     "  count(*) FILTER (WHERE link_id IS NULL),"
     "  coalesce(array_agg(DISTINCT link_id) FILTER (WHERE link_id IS NOT NULL), '{}') FROM ins"
     "  RETURNING id, outcome, new_events, unknown, status, link_ids)"
     " SELECT outcome, new_events, unknown, status, id, array_to_string(link_ids, ',') FROM log",
     3},
    /* WHS_JOBS: the handling jobs a delivery enqueued, on its log line */
    {"web_hubspot_jobs",
     "UPDATE webhook_delivery SET job_ids = $2::bigint[] WHERE id = $1::bigint", 2},
};
/* clang-format on */

struct whs_run {
	struct web_ctx *ctx;
	struct web_req *req;
	struct hubspot_wh_payload p;
	struct web_wh_log log;
	int legacy; /* verified by a v1/v2 signature */
};

/* Unix time in ms (the timestamps HubSpot signs are wall-clock). */
static long long
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The URI HubSpot called: the scheme and host of [web] public_url (nginx
 * and any proxy in front may change both) and the request URI as sent.
 */
static const char *
called_uri(struct web_ctx *ctx, struct web_req *req)
{
	const char *base = ctx->cfg->web.public_url, *uri = web_env_get(req->env, "REQUEST_URI");
	const char *host = strstr(base, "://");
	size_t n = host != NULL ? (size_t)(host + 3 - base) + strcspn(host + 3, "/") : strlen(base);

	return xh_printf(req->arena, "%.*s%s", (int)n, base, uri != NULL ? uri : req->path);
}

/* The events as WHS_EVENTS's array. */
static const char *
events_json(struct xh_arena *a, const struct hubspot_wh_payload *p)
{
	json_object *arr = json_object_new_array(), *o;
	const char *s;

	for (size_t i = 0; i < p->nevents; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "k", json_object_new_string(p->events[i].key));
		json_object_object_add(o, "p", json_object_new_int64(p->events[i].portal));
		json_object_object_add(o, "j", json_object_new_string(p->events[i].json));
		json_object_array_add(arr, o);
	}
	s = xh_strdup(a, json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
	json_object_put(arr);
	return s;
}

/*
 * Enqueues one debounced hubspot.events job for each link in the comma
 * list links (the links of the new events) and notes them on the log line.
 */
static enum xh_err
enqueue_handling(struct whs_run *r, const char *delivery, const char *links)
{
	struct xh_arena *a = r->req->arena;
	struct xh_buf ids;
	enum xh_err e = XH_OK;
	const char *p = links;

	if (*links == '\0')
		return XH_OK;
	xh_buf_init(&ids);
	xh_buf_putc(&ids, '{');
	while (e == XH_OK && *p) {
		struct job_new jn = {0};
		long long job = 0;

		jn.kind = HUBSPOT_EVENTS_KIND;
		jn.link_id = strtoll(p, (char **)&p, 10);
		jn.delay_ms = r->ctx->cfg->webhook.debounce_ms;
		jn.unique_key = job_unique_key(a, HUBSPOT_EVENTS_KIND, jn.link_id, NULL);
		e = job_enqueue(r->ctx->db, &jn, &job, NULL);
		xh_buf_printf(&ids, "%s%lld", ids.len > 1 ? "," : "", job);
		p += *p == ',';
	}
	xh_buf_putc(&ids, '}');
	if (e == XH_OK)
		e = xh_db_execv(r->ctx->db, &whs_sql[WHS_JOBS], NULL, delivery,
		                xh_buf_dup(a, &ids));
	xh_buf_free(&ids);
	return e;
}

/* The delivery's statement and its jobs; in the caller's transaction. */
static enum xh_err
store_tx(struct xh_db *db, void *arg)
{
	struct whs_run *r = arg;
	struct xh_arena *a = r->req->arena;
	PGresult *res = NULL;
	enum xh_err e;

	if (xh_db_execv(db, &whs_sql[WHS_EVENTS], &res, events_json(a, &r->p),
	                xh_printf(a, "%zu", r->p.nevents), r->legacy ? "true" : "false"))
		return XH_ERR_DB;
	r->log.status = (int)strtol(PQgetvalue(res, 0, 3), NULL, 10);
	r->log.outcome = xh_strdup(a, PQgetvalue(res, 0, 0));
	r->log.new_events = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	r->log.unknown = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	e = enqueue_handling(r, xh_strdup(a, PQgetvalue(res, 0, 4)),
	                     xh_strdup(a, PQgetvalue(res, 0, 5)));
	PQclear(res);
	return e;
}

/*
 * Stores the events, the log line and the handling jobs in one
 * transaction; XH_ERR_DB if PostgreSQL fails (nothing is kept).
 */
static enum xh_err
store(struct whs_run *r)
{
	return xh_db_tx(r->ctx->db, store_tx, r) == XH_OK ? XH_OK : XH_ERR_DB;
}

/* The refusal for a signature check's outcome. */
static int
refuse_sig(struct whs_run *r, struct web_resp *resp, enum hubspot_sig st)
{
	r->log.outcome = st == HUBSPOT_SIG_STALE     ? "stale"
	                 : st == HUBSPOT_SIG_MISSING ? "no_signature"
	                                             : "bad_signature";
	return web_wh_refuse(r->ctx, r->req, resp, &r->log, "HubSpot signature refused");
}

/*
 * POST /webhooks/hubspot: 401 (signature missing, stale or wrong, or v1/v2 for a link
 * that does not allow it), 400 (verified but not a HubSpot event array), 503 (database
 * unavailable), else 200; every answer has an empty body.
 */
int
web_handle_webhook_hubspot(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct whs_run r = {.ctx = ctx, .req = req};
	struct hubspot_sig_req sr = {req->method_name,
	                             called_uri(ctx, req),
	                             req->body,
	                             req->body_len,
	                             web_env_get(req->env, "HTTP_X_HUBSPOT_SIGNATURE_V3"),
	                             web_env_get(req->env, "HTTP_X_HUBSPOT_REQUEST_TIMESTAMP"),
	                             web_env_get(req->env, "HTTP_X_HUBSPOT_SIGNATURE"),
	                             web_env_get(req->env, "HTTP_X_HUBSPOT_SIGNATURE_VERSION")};
	const char **keys = NULL;
	size_t nkeys = 0;
	enum hubspot_sig st;

	r.log = (struct web_wh_log){.vendor = "hubspot", .status = 401, .outcome = "bad_signature"};
	if (web_wh_keys(ctx, req->arena, "hubspot", &keys, &nkeys) != XH_OK) {
		r.log.status = 503, r.log.outcome = "unavailable";
		return web_wh_refuse(ctx, req, resp, &r.log, "webhook keys unavailable");
	}
	st = hubspot_webhook_verify(&sr, keys, nkeys, ctx->cfg->webhook.hubspot_legacy, wall_ms(),
	                            NULL);
	if (st != HUBSPOT_SIG_OK)
		return refuse_sig(&r, resp, st);
	r.log.verified = 1;
	r.legacy = sr.sig_v3 == NULL;
	if (hubspot_webhook_parse(req->arena, req->body, req->body_len, &r.p) != XH_OK) {
		r.log.status = 400, r.log.outcome = "malformed";
		return web_wh_refuse(ctx, req, resp, &r.log, "not a HubSpot event array");
	}
	r.log.status = 200;
	if (store(&r) != XH_OK) {
		xh_log(XH_LOG_WARN, "webhook.store_failed", "vendor", "hubspot", "error",
		       xh_db_error(ctx->db), NULL);
		resp->reason = "database unavailable";
		return web_wh_bare(resp, 503);
	}
	xh_log(XH_LOG_INFO, "webhook.hubspot", "outcome", r.log.outcome, "events",
	       xh_printf(req->arena, "%zu", r.p.nevents), NULL);
	if (r.log.status != 200)
		resp->reason = "v1/v2 signature for a link that does not allow it";
	return web_wh_bare(resp, r.log.status == 200 ? 200 : 401);
}
