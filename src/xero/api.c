/*
 * api.c: an authorised Xero Accounting API call for a job (api.h).
 */
#include <ctype.h>
#include <openssl/crypto.h>
#include <string.h>

#include "xero/api.h"
#include "lib/config.h"
#include "xero/pull.h"
#include "xero/token.h"

enum xh_err
xero_api_get(struct job_ctx *ctx, long long link_id, const char *path_query, const char *extra,
             struct xh_http_resp *resp)
{
	char *token = NULL, *tenant = NULL;
	struct xh_rl_target target = {XH_RL_XERO, NULL, 0};
	struct xh_http_req req = {.method = "GET", .max_wait_ms = -1};
	const char *headers[5];
	enum xh_err err;

	err = xero_access_token(ctx, link_id, &token, &tenant);
	if (err)
		return err;
	if (tenant == NULL || !xero_is_uuid(tenant)) /* it goes into a header line */
		return job_error(ctx, XH_ERR_PERMANENT, "Xero credential lacks a tenant_id UUID");
	/* one spelling, as link.xero_tenant_id (uuid) prints it: one rate-limit scope per tenant */
	for (char *p = tenant; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	headers[0] = xh_printf(ctx->arena, "Authorization: Bearer %s", token);
	headers[1] = xh_printf(ctx->arena, "xero-tenant-id: %s", tenant);
	headers[2] = "Accept: application/json";
	headers[3] = extra;
	headers[4] = NULL;
	target.account = tenant;
	req.url = xh_printf(ctx->arena, "%s/api.xro/2.0/%s", ctx->cfg->xero.api_url, path_query);
	req.headers = headers;
	req.rl = &target;
	err = xh_http_job_call(ctx, &req, "Xero", resp);
	/* the arena may be a pull page's, freed without a wipe */
	OPENSSL_cleanse((char *)headers[0], strlen(headers[0]));
	OPENSSL_cleanse(token, strlen(token));
	return err;
}
