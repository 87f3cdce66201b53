/*
 * ping.c: hubspot.ping, the diagnostic job: a one-record read
 * (GET /crm/v3/objects/companies?limit=1) with the link's access token
 * (hubspot_access_token: refreshed first if it is an OAuth one about to
 * expire), counted against the link's portal through the rate-limit gate.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "hubspot/auth.h"
#include "hubspot/ping.h"
#include "http.h"
#include "lib/config.h"
#include "log.h"

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
	struct xh_http_resp resp;
	char *token = NULL, *portal = NULL;
	struct xh_rl_target target = {XH_RL_HUBSPOT, NULL, 0};
	struct xh_http_req req = {.method = "GET", .max_wait_ms = -1};
	const char *headers[3];
	enum xh_err err;

	if (ctx->job->link_id == 0)
		return job_error(ctx, XH_ERR_INVAL, "hubspot.ping needs a link");
	if ((err = hubspot_access_token(ctx, ctx->job->link_id, &token, &portal)) != XH_OK)
		return err;
	target.account = portal;
	headers[0] = xh_printf(ctx->arena, "Authorization: Bearer %s", token);
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
