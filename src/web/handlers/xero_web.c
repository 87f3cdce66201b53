/*
 * xero_web.c: what the console's Xero pages share (xero_web.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <libpq-fe.h>

#include "cred.h"
#include "crypto.h"
#include "http.h"
#include "log.h"
#include "web/handlers/webhook.h"
#include "web/handlers/xero_web.h"

#define RUN_TIMEOUT_MS 25000 /* nginx gives a FastCGI answer 60 s */

enum xw_sql {
	XW_FOR_TENANT, /* XW_FOR_TENANT */
	XW_CREATE,     /* XW_CREATE */
	XW_UPDATE,     /* XW_UPDATE */
	XW__MAX
};

/* clang-format off */
static const struct xh_sql xw_sql[XW__MAX] = {
    /* XW_FOR_TENANT: the oldest link of the organisation */
    {"web_xero_for_tenant",
     "SELECT id FROM link WHERE xero_tenant_id = $1::uuid ORDER BY id LIMIT 1", 1},
    /* XW_CREATE */
    {"web_xero_create",
     "INSERT INTO link (name, xero_tenant_id, xero_connection_id, xero_tenant_name,"
     " xero_grant_id, xero_user_id) VALUES ($1, $2::uuid, $3::uuid, $4, $5::uuid,"
     " nullif($6, '')::uuid) RETURNING id", 6},
    /* XW_UPDATE: a new token set; the tenant must be the link's (or the link has none yet) */
    {"web_xero_update",
     "UPDATE link SET xero_tenant_id = $2::uuid, xero_connection_id = $3::uuid,"
     " xero_tenant_name = $4, xero_grant_id = $5::uuid, xero_user_id = nullif($6, '')::uuid,"
     " status = CASE WHEN status = 'needs_reconnect' THEN 'active' ELSE status END,"
     " status_reason = CASE WHEN status = 'needs_reconnect'"
     "  OR status_reason LIKE 'Disconnected from Xero%' THEN NULL ELSE status_reason END"
     " WHERE id = $1::bigint AND (xero_tenant_id IS NULL OR xero_tenant_id = $2::uuid)"
     " RETURNING id", 6},
};
/* clang-format on */

/* Made once per process: children serve many requests. */
static struct xh_http *xw_http;

enum xh_err
web_xero_run(struct web_ctx *ctx, struct web_req *req, long long link_id, struct web_xero_run *r)
{
	const struct xh_keyring *kr = web_keyring(ctx);

	if (kr == NULL)
		return XH_ERR_CONFIG;
	if (xw_http == NULL && (xw_http = xh_http_new(ctx->cfg, ctx->db, "web")) == NULL)
		return XH_ERR_CONFIG;
	job_ctx_oneoff(&r->ctx, &r->job, ctx->db, xw_http, ctx->cfg, kr, req->arena, link_id,
	               RUN_TIMEOUT_MS);
	return XH_OK;
}

const char *
web_xero_hash(struct xh_arena *a, const char *s)
{
	unsigned char d[XH_SHA256_LEN];

	xh_sha256(s, strlen(s), d);
	return xh_hex(a, d, sizeof(d));
}

long long
web_xero_link_id(const struct web_req *req)
{
	const char *id = web_kv_get(&req->captures, "id");
	char *end = NULL;
	long long v;

	if (id == NULL || strlen(id) > 18)
		return 0;
	errno = 0;
	v = strtoll(id, &end, 10);
	return errno == 0 && end != id && *end == '\0' && v > 0 ? v : 0;
}

int
web_xero_problem(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, int status,
                 long long link_id, const char *title, const char *message, const char *advice)
{
	struct json_object *d = json_object_new_object();

	json_object_object_add(d, "heading", json_object_new_string(title));
	json_object_object_add(d, "message", json_object_new_string(message));
	json_object_object_add(d, "advice", json_object_new_string(advice));
	if (link_id > 0) { /* for the reconnect form (xero_reconnect_form.mustache) */
		json_object_object_add(d, "link_id", json_object_new_int64(link_id));
		json_object_object_add(d, "id", json_object_new_int64(link_id));
		json_object_object_add(d, "name", json_object_new_string("this link"));
	}
	web_resp_header(resp, "Referrer-Policy", "no-referrer");
	return web_page(ctx, req, resp, status, "xero_problem",
	                xh_printf(req->arena, "%s - xhsync", title), d);
}

/* The link's credential payload: the grant's token set plus this organisation. */
static char *
payload(struct xh_arena *a, const char *grant_json, const struct xero_conn *c)
{
	json_object *o = json_tokener_parse(grant_json);
	char *out = NULL;

	if (o == NULL || !json_object_is_type(o, json_type_object))
		goto out;
	json_object_object_add(o, "tenant_id", json_object_new_string(c->tenant_id));
	json_object_object_add(o, "connection_id", json_object_new_string(c->id));
	out = xh_strdup(a, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
out:
	json_object_put(o);
	return out;
}

/* The name of a new link: the organisation's, else one made from its id. */
static const char *
link_name(struct xh_arena *a, const struct xero_conn *c)
{
	const char *n = xero_clean_text(a, c->tenant_name, 200);

	if (strspn(n, " ") == strlen(n))
		return xh_printf(a, "Xero organisation %.8s", c->tenant_id);
	return n;
}

enum xh_err
web_xero_attach(struct job_ctx *ctx, const struct web_xero_org *org, const char *grant_json,
                const char *grant_id, const char *user_id, long long *link_id)
{
	const struct xero_conn *c = org->conn;
	const char *json = payload(ctx->arena, grant_json, c);
	char id[24];
	PGresult *res = NULL;
	enum xh_err err;

	*link_id = org->link_id;
	if (json == NULL)
		return XH_ERR_INVAL;
	if (*link_id == 0 &&
	    (err = xh_db_execv(ctx->db, &xw_sql[XW_FOR_TENANT], &res, c->tenant_id)) == XH_OK &&
	    PQntuples(res) == 1)
		*link_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	res = NULL;
	snprintf(id, sizeof(id), "%lld", *link_id);
	if (*link_id == 0)
		err = xh_db_execv(ctx->db, &xw_sql[XW_CREATE], &res, link_name(ctx->arena, c),
		                  c->tenant_id, c->id, c->tenant_name, grant_id, user_id);
	else if ((err = xero_grant_hand_over(ctx, *link_id)) == XH_OK) /* it leaves its old grant */
		err = xh_db_execv(ctx->db, &xw_sql[XW_UPDATE], &res, id, c->tenant_id, c->id,
		                  c->tenant_name, grant_id, user_id);
	if (err == XH_OK && PQntuples(res) != 1)
		err = XH_ERR_INVAL;
	if (err == XH_OK)
		*link_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	if (err != XH_OK)
		return err;
	return xh_cred_store(ctx->db, ctx->keys, *link_id, "xero", XH_CRED_OAUTH, json);
}
