/*
 * token.c: Xero access tokens for job handlers, refreshed under a lease,
 * and the xero.token_keepalive job (token.h).
 *
 * The lease, the re-read under FOR UPDATE, the store that requires the
 * lease and the waiting are vendor-neutral (lib/token_lease.h); this file
 * is Xero's part: the client credentials, the call to identity.xero.com
 * and the payload built from its answer. A holder that lost its lease
 * drops its pair; the refresh token it used stays valid for Xero's
 * 30-minute grace, so whoever refreshes next still succeeds and the
 * stored set is never forked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cred.h"
#include "http.h"
#include "lib/config.h"
#include "log.h"
#include "ratelimit.h"
#include "token_lease.h"
#include "xero/token.h"

/* The client id and secret a refresh needs. */
static enum xh_err
ready(struct job_ctx *ctx)
{
	const struct xh_config *cfg = ctx->cfg;

	if (cfg->xero.client_id == NULL || cfg->xero.client_id[0] == '\0' ||
	    cfg->xero.client_secret == NULL || cfg->xero.client_secret[0] == '\0')
		return job_error(ctx, XH_ERR_CONFIG,
		                 "[xero] client_id and client_secret are needed to refresh tokens");
	return XH_OK;
}

/*
 * Calls the token endpoint with the stored refresh token (the lease is
 * ours) and builds the new payload from the answer.
 */
static enum xh_err
refresh(struct xh_token_lease *t, struct xh_token_new *out, int *invalid_grant)
{
	struct job_ctx *ctx = t->ctx;
	struct xh_http_req req = {.method = "POST", .max_wait_ms = -1};
	struct xh_http_resp resp;
	struct xero_token_resp tr;
	const char *headers[4];
	long long now = (long long)time(NULL);
	enum xh_err err;

	headers[0] =
	    xero_token_basic(ctx->arena, ctx->cfg->xero.client_id, ctx->cfg->xero.client_secret);
	headers[1] = "Content-Type: application/x-www-form-urlencoded";
	headers[2] = "Accept: application/json";
	headers[3] = NULL;
	req.url = xh_printf(ctx->arena, "%s/connect/token", ctx->cfg->xero.identity_url);
	req.headers = headers;
	req.body = xero_token_form(ctx->arena, t->cred.refresh_token);
	req.body_len = strlen(req.body);
	req.deadline_ms = ctx->deadline_ms;
	err = xh_http_do(ctx->http, ctx->arena, &req, &resp);
	if (err)
		return job_error(ctx, err == XH_ERR_INVAL ? XH_ERR_CONFIG : XH_ERR_TRANSIENT,
		                 "Xero token endpoint: %s", xh_http_error(ctx->http));
	if (xero_token_parse(ctx->arena, resp.body, resp.body_len, &tr) != XH_OK ||
	    resp.status != 200 || tr.access_token == NULL)
		return xh_token_refused(ctx, "Xero", &resp, tr.error, invalid_grant);
	out->json = xero_token_payload(ctx->arena, t->cred.json, &tr, now);
	out->expires_at = now + tr.expires_in;
	if (out->json == NULL)
		return job_error(ctx, XH_ERR_PERMANENT, "Xero credential: %s",
		                 xh_strerror(XH_ERR_INVAL));
	return XH_OK;
}

static const struct xh_token_vendor xero_vendor = {"xero", "Xero", XERO_TOKEN_MARGIN_S, ready,
                                                   refresh};

enum xh_err
xero_access_token(struct job_ctx *ctx, long long link_id, char **token, char **tenant)
{
	struct xh_token_lease t;
	enum xh_err err;

	*token = *tenant = NULL;
	xh_token_lease_init(&t, &xero_vendor, ctx, link_id, -1);
	err = xh_token_lease_get(&t);
	if (err)
		return err;
	if (t.cred.access_token == NULL)
		return job_error(ctx, XH_ERR_PERMANENT, "Xero credential lacks access_token");
	*token = t.cred.access_token;
	*tenant = t.cred.tenant_id;
	return XH_OK;
}

enum xh_err
xero_token_keepalive(struct job_ctx *ctx)
{
	struct xh_token_lease t;
	long long max_age = 0;
	enum xh_err err;

	if (ctx->job->link_id == 0)
		return job_error(ctx, XH_ERR_INVAL, "xero.token_keepalive needs a link");
	if (job_arg_int(ctx->job, "max_age_s", XERO_KEEPALIVE_MAX_AGE_S, 0, 3650 * 86400LL,
	                &max_age) != XH_OK)
		return job_error(ctx, XH_ERR_INVAL, "args.max_age_s must be 0..315360000");
	xh_token_lease_init(&t, &xero_vendor, ctx, ctx->job->link_id, max_age);
	err = xh_token_lease_get(&t);
	if (err)
		return err;
	xh_log(XH_LOG_INFO, "xero.token_keepalive", "link", t.link, "refreshed",
	       t.refreshed ? "yes" : "no", "refreshable",
	       t.cred.refresh_token != NULL ? "yes" : "no", NULL);
	return XH_OK;
}
