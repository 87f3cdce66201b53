/*
 * token.c: Xero access tokens for job handlers, refreshed under a lease,
 * and the xero.token_keepalive job (token.h).
 *
 * Links made from one consent share its token set: each uses the grant's
 * holder link's row (token_holder below), so one set is refreshed once.
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

enum token_sql {
	TQ_HOLDER, /* TQ_HOLDER */
	TQ__MAX
};

static const struct xh_sql token_sql[TQ__MAX] = {
    /* TQ_HOLDER: the lowest link of the grant holding a Xero token set, and the link's tenant */
    {"xero_token_holder",
     XH_SQL_IDEMPOTENT "SELECT coalesce((SELECT o.id FROM link o JOIN credential c"
                       " ON c.link_id = o.id AND c.vendor = 'xero' AND c.purpose = 'oauth'"
                       " WHERE o.xero_grant_id = l.xero_grant_id ORDER BY o.id LIMIT 1), l.id),"
                       " coalesce(l.xero_tenant_id::text, '') FROM link l WHERE l.id = $1::bigint",
     1},
};

/*
 * Links made from one consent share one Xero token set (one grant), and
 * Xero rotates its refresh token on every use: refreshing copies of it
 * separately would fork it. So every link of a grant uses, and refreshes
 * under the one lease of, the token set of the grant's lowest link that
 * holds one (*holder; link_id itself for a link without a grant), and
 * calls Xero for its own organisation (*tenant, "" if the link has none).
 */
static enum xh_err
token_holder(struct job_ctx *ctx, long long link_id, long long *holder, char **tenant)
{
	PGresult *res = NULL;
	char link[24];

	*holder = link_id;
	*tenant = "";
	snprintf(link, sizeof(link), "%lld", link_id);
	if (xh_db_execv(ctx->db, &token_sql[TQ_HOLDER], &res, link) != XH_OK) {
		PQclear(res);
		return job_error(ctx, XH_ERR_DB, "reading the link's Xero grant: %s",
		                 xh_db_error(ctx->db));
	}
	if (PQntuples(res) == 1) {
		*holder = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		*tenant = xh_strdup(ctx->arena, PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return XH_OK;
}

enum xh_err
xero_access_token(struct job_ctx *ctx, long long link_id, char **token, char **tenant)
{
	struct xh_token_lease t;
	long long holder;
	char *own_tenant;
	enum xh_err err;

	*token = *tenant = NULL;
	if ((err = token_holder(ctx, link_id, &holder, &own_tenant)) != XH_OK)
		return err;
	xh_token_lease_init(&t, &xero_vendor, ctx, holder, -1);
	err = xh_token_lease_get(&t);
	if (err)
		return err;
	if (t.cred.access_token == NULL)
		return job_error(ctx, XH_ERR_PERMANENT, "Xero credential lacks access_token");
	*token = t.cred.access_token;
	*tenant = own_tenant[0] != '\0' ? own_tenant : t.cred.tenant_id;
	return XH_OK;
}

enum xh_err
xero_token_keepalive(struct job_ctx *ctx)
{
	struct xh_token_lease t;
	long long max_age = 0, holder;
	char *tenant;
	enum xh_err err;

	if (ctx->job->link_id == 0)
		return job_error(ctx, XH_ERR_INVAL, "xero.token_keepalive needs a link");
	if (job_arg_int(ctx->job, "max_age_s", XERO_KEEPALIVE_MAX_AGE_S, 0, 3650 * 86400LL,
	                &max_age) != XH_OK)
		return job_error(ctx, XH_ERR_INVAL, "args.max_age_s must be 0..315360000");
	if ((err = token_holder(ctx, ctx->job->link_id, &holder, &tenant)) != XH_OK)
		return err;
	xh_token_lease_init(&t, &xero_vendor, ctx, holder, max_age);
	err = xh_token_lease_get(&t);
	if (err)
		return err;
	xh_log(XH_LOG_INFO, "xero.token_keepalive", "link", t.link, "refreshed",
	       t.refreshed ? "yes" : "no", "refreshable",
	       t.cred.refresh_token != NULL ? "yes" : "no", NULL);
	return XH_OK;
}
