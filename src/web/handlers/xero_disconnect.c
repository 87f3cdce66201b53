/*
 * xero_disconnect.c: GET /links/{id}/disconnect, a confirmation naming
 * what disconnecting does, and its POST, which does it through
 * xero_disconnect() (src/xero/connections.c, also `xhsync link
 * disconnect`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <libpq-fe.h>

#include "web/handlers/xero_web.h"

enum dc_sql {
	DC_PAGE, /* DC_PAGE */
	DC__MAX
};

/* clang-format off */
static const struct xh_sql dc_sql[DC__MAX] = {
    /* DC_PAGE: everything the confirmation names, as one JSON object */
    {"web_xero_disconnect_page",
     XH_SQL_IDEMPOTENT "SELECT json_build_object('id', l.id, 'name', l.name,"
     " 'org', coalesce(l.xero_tenant_name, ''), 'connection_id', l.xero_connection_id,"
     " 'connected', EXISTS (SELECT 1 FROM credential c WHERE c.link_id = l.id AND c.vendor = 'xero'),"
     " 'shared', " XERO_SHARED ","
     " 'records', (SELECT count(*) FROM xero_record r WHERE r.link_id = l.id),"
     " 'audits', (SELECT count(*) FROM audit_event a WHERE a.link_id = l.id))::text"
     " FROM link l WHERE l.id = $1::bigint", 1},
};
/* clang-format on */

/* The confirmation page; 404 for no such link. */
static int
confirm_page(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, long long id)
{
	struct json_object *d = NULL;
	char link[24];
	PGresult *res = NULL;

	snprintf(link, sizeof(link), "%lld", id);
	if (xh_db_execv(ctx->db, &dc_sql[DC_PAGE], &res, link) != XH_OK) {
		PQclear(res);
		return 500;
	}
	if (PQntuples(res) == 1)
		d = json_tokener_parse(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (d == NULL)
		return 404;
	return web_page(ctx, req, resp, 200, "xero_disconnect", "Disconnect from Xero - xhsync", d);
}

/* GET /links/{id}/disconnect (session). */
int
web_handle_xero_disconnect(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	long long id = web_xero_link_id(req);

	return id == 0 ? 404 : confirm_page(ctx, req, resp, id);
}

/*
 * POST /links/{id}/disconnect (session+CSRF): data=keep|purge (keep when
 * absent). 303 to the link's page with a message saying what was done;
 * 404 for no such link; 500 when the database fails (nothing changed).
 */
int
web_handle_xero_disconnect_post(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	long long id = web_xero_link_id(req);
	const char *data = web_kv_get(&req->form, "data"), *m;
	struct xero_disconnect_result r;
	struct web_xero_run run;
	int purge = data != NULL && strcmp(data, "purge") == 0;
	enum xh_err err;

	if (id == 0)
		return 404;
	if (web_xero_run(ctx, req, id, &run) != XH_OK)
		return 503;
	err = xero_disconnect(&run.ctx, id, purge,
	                      xh_printf(req->arena, "admin:%.190s", req->session->email), &r);
	if (err == XH_ERR_NOTFOUND)
		return 404;
	if (err != XH_OK) {
		resp->reason = "disconnect failed";
		return 500;
	}
	m = r.xero_refused ? "xero_disconnected_untold"
	    : purge        ? "xero_disconnected_purged"
	                   : "xero_disconnected";
	web_redirect(resp, xh_printf(req->arena, "/links/%lld?m=%s", id, m));
	return 303;
}
