/*
 * ping.c: hubspot.ping, the diagnostic job: a one-record read
 * (GET /crm/v3/objects/companies?limit=1) with the link's stored token,
 * counted against the link's portal through the rate-limit gate.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cred.h"
#include "hubspot/ping.h"
#include "http.h"
#include "lib/config.h"
#include "log.h"

enum ping_sql {
	HPQ_PORTAL, /* HPQ_PORTAL */
	HPQ__MAX
};

static const struct xh_sql ping_sql[HPQ__MAX] = {
    /* HPQ_PORTAL */
    {"hubspot_ping_portal", "SELECT hubspot_portal_id FROM link WHERE id = $1::bigint", 1},
};

/* The link's portal id (as text, in the arena), or NULL if unknown. */
static char *
portal_of(struct job_ctx *ctx)
{
	char id[24];
	PGresult *res = NULL;
	char *out = NULL;

	snprintf(id, sizeof(id), "%lld", ctx->job->link_id);
	if (xh_db_execv(ctx->db, &ping_sql[HPQ_PORTAL], &res, id) != XH_OK)
		return NULL;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		out = xh_strdup(ctx->arena, PQgetvalue(res, 0, 0));
	PQclear(res);
	return out;
}

/* 1 if body is {"results": [...]} (possibly empty: a portal without companies). */
static int
has_results(const struct xh_http_resp *r)
{
	json_object *root = json_tokener_parse(r->body), *res = NULL;
	int ok;

	ok = root != NULL && json_object_object_get_ex(root, "results", &res) &&
	     json_object_is_type(res, json_type_array);
	json_object_put(root);
	return ok;
}

enum xh_err
hubspot_ping(struct job_ctx *ctx)
{
	struct xh_cred c;
	struct xh_http_resp resp;
	struct xh_rl_target target = {XH_RL_HUBSPOT, NULL, 0};
	struct xh_http_req req = {.method = "GET", .max_wait_ms = -1};
	const char *headers[3];
	enum xh_err err;

	if (ctx->job->link_id == 0)
		return job_error(ctx, XH_ERR_INVAL, "hubspot.ping needs a link");
	if ((target.account = portal_of(ctx)) == NULL)
		return job_error(ctx, XH_ERR_PERMANENT, "link has no HubSpot portal id");
	err = xh_cred_load(ctx->db, ctx->keys, ctx->arena, ctx->job->link_id, "hubspot",
	                   XH_CRED_OAUTH, &c);
	if (err)
		return job_error(ctx, err == XH_ERR_DB ? err : XH_ERR_PERMANENT,
		                 "HubSpot credential: %s", xh_strerror(err));
	if (c.access_token == NULL)
		return job_error(ctx, XH_ERR_PERMANENT, "HubSpot credential lacks access_token");
	headers[0] = xh_printf(ctx->arena, "Authorization: Bearer %s", c.access_token);
	headers[1] = "Accept: application/json";
	headers[2] = NULL;
	req.url =
	    xh_printf(ctx->arena, "%s/crm/v3/objects/companies?limit=1", ctx->cfg->hubspot.api_url);
	req.headers = headers;
	req.rl = &target;
	err = xh_http_job_call(ctx, &req, "HubSpot", &resp);
	if (err)
		return err;
	if (!has_results(&resp))
		return job_error(ctx, XH_ERR_PERMANENT, "HubSpot companies: unexpected body");
	xh_log(XH_LOG_INFO, "hubspot.ping", "portal", target.account, NULL);
	return XH_OK;
}
