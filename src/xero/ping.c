/*
 * ping.c: xero.ping, the diagnostic job: GET /api.xro/2.0/Organisation for
 * the link's tenant with the link's credential (xero/api.h). Success
 * means the credential, the tenant and the API all work.
 */
#include <json-c/json.h>
#include <string.h>

#include "log.h"
#include "xero/api.h"
#include "xero/ping.h"

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
	struct xh_http_resp resp;
	enum xh_err err;

	if (ctx->job->link_id == 0)
		return job_error(ctx, XH_ERR_INVAL, "xero.ping needs a link");
	err = xero_api_get(ctx, ctx->job->link_id, "Organisation", NULL, &resp);
	if (err)
		return err;
	if (!has_organisation(&resp))
		return job_error(ctx, XH_ERR_PERMANENT, "Xero Organisation: unexpected body");
	xh_log(XH_LOG_INFO, "xero.ping", "status", "ok", NULL);
	return XH_OK;
}
