/*
 * ping.c: xero.ping, the diagnostic job: GET /api.xro/2.0/Organisation for
 * the link's tenant with the link's access token (refreshed first when it
 * is about to expire, xero/token.h), through the rate-limit gate. Success
 * means the credential, the tenant and the API all work.
 */
#include <json-c/json.h>
#include <string.h>

#include "http.h"
#include "lib/config.h"
#include "log.h"
#include "xero/ping.h"
#include "xero/token.h"

/* 1 if body is {"Organisations": [ {...}, ... ]} with at least one. */
static int
has_organisation(const struct xh_http_resp *r)
{
	json_object *root = json_tokener_parse(r->body), *orgs = NULL;
	int ok;

	ok = root != NULL && json_object_object_get_ex(root, "Organisations", &orgs) &&
	     json_object_is_type(orgs, json_type_array) && json_object_array_length(orgs) > 0;
	json_object_put(root);
	return ok;
}

enum xh_err
xero_ping(struct job_ctx *ctx)
{
	char *token = NULL, *tenant = NULL;
	struct xh_http_resp resp;
	struct xh_rl_target target = {XH_RL_XERO, NULL, 0};
	struct xh_http_req req = {.method = "GET", .max_wait_ms = -1};
	const char *headers[4];
	enum xh_err err;

	if (ctx->job->link_id == 0)
		return job_error(ctx, XH_ERR_INVAL, "xero.ping needs a link");
	err = xero_access_token(ctx, ctx->job->link_id, &token, &tenant);
	if (err)
		return err;
	if (tenant == NULL)
		return job_error(ctx, XH_ERR_PERMANENT, "Xero credential lacks tenant_id");
	headers[0] = xh_printf(ctx->arena, "Authorization: Bearer %s", token);
	headers[1] = xh_printf(ctx->arena, "xero-tenant-id: %s", tenant);
	headers[2] = "Accept: application/json";
	headers[3] = NULL;
	target.account = tenant;
	req.url = xh_printf(ctx->arena, "%s/api.xro/2.0/Organisation", ctx->cfg->xero.api_url);
	req.headers = headers;
	req.rl = &target;
	err = xh_http_job_call(ctx, &req, "Xero", &resp);
	if (err)
		return err;
	if (!has_organisation(&resp))
		return job_error(ctx, XH_ERR_PERMANENT, "Xero Organisation: unexpected body");
	xh_log(XH_LOG_INFO, "xero.ping", "tenant", tenant, NULL);
	return XH_OK;
}
