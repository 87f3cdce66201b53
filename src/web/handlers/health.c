/*
 * health.c: GET /healthz, for load balancers and the operator: one trivial
 * prepared statement tells whether this process can reach PostgreSQL.
 */
#include <json-c/json.h>

#include "log.h"
#include "web/web.h"

#define WEB_PING_TIMEOUT_MS 1500

enum health_sql {
	HEALTH_SQL_PING, /* HEALTH_SQL_PING */
	HEALTH_SQL__MAX
};

static const struct xh_sql health_sql[HEALTH_SQL__MAX] = {
    [HEALTH_SQL_PING] = {"web_health_ping", XH_SQL_IDEMPOTENT "SELECT 1", 0},
};

/*
 * Runs SELECT 1 on db (connecting or reconnecting as needed). Returns
 * XH_ERR_DB, logged with the reason, when the database does not answer.
 */
enum xh_err
web_db_ping(struct xh_db *db)
{
	int saved = xh_db_query_timeout(db);
	enum xh_err err;

	/* A server that accepts but does not answer must not hold /healthz past 2 s. */
	xh_db_set_query_timeout(db, WEB_PING_TIMEOUT_MS);
	err = xh_db_execv(db, &health_sql[HEALTH_SQL_PING], NULL);
	xh_db_set_query_timeout(db, saved);

	if (err != XH_OK)
		xh_log(XH_LOG_WARN, "web.db.ping", "error", xh_db_error(db), NULL);
	return err;
}

/*
 * GET /healthz: 200 {"status":"ok","database":"ok"}, or 503
 * {"status":"unavailable","database":"down"} when the database is down.
 */
int
web_handle_healthz(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	int up = web_db_ping(ctx->db) == XH_OK;
	struct json_object *o = json_object_new_object();

	(void)req;
	json_object_object_add(o, "status", json_object_new_string(up ? "ok" : "unavailable"));
	json_object_object_add(o, "database", json_object_new_string(up ? "ok" : "down"));
	web_resp_json(resp, o);
	json_object_put(o);
	if (!up)
		resp->reason = "database down";
	return up ? 200 : 503;
}
