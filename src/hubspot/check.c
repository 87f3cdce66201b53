/*
 * check.c: the HubSpot connection check (check.h).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cred.h"
#include "http.h"
#include "hubspot/check.h"
#include "lib/config.h"
#include "log.h"

enum check_sql {
	KQ_RECONNECT, /* KQ_RECONNECT */
	KQ_PORTAL,    /* KQ_PORTAL */
	KQ_NAME,      /* KQ_NAME */
	KQ__MAX
};

static const struct xh_sql check_sql[KQ__MAX] = {
    /* KQ_RECONNECT */
    {"hubspot_check_reconnect",
     "WITH l AS (UPDATE link SET status = 'needs_reconnect', status_reason = $2"
     " WHERE id = $1::bigint RETURNING id)"
     " INSERT INTO audit_event (link_id, action, outcome, detail)"
     " SELECT id, 'hubspot_test', 'needs_reconnect', jsonb_build_object('vendor', 'hubspot',"
     " 'reason', $2::text) FROM l",
     2},
    /* KQ_PORTAL: set once; the answer says which portal the link is for */
    {"hubspot_check_portal",
     "UPDATE link SET hubspot_portal_id = coalesce(hubspot_portal_id, $2::bigint)"
     " WHERE id = $1::bigint RETURNING hubspot_portal_id::text",
     2},
    /* KQ_NAME: the portal's name, for the link of that portal */
    {"hubspot_check_name",
     XH_SQL_IDEMPOTENT "UPDATE link SET hubspot_portal_name = $3 WHERE id = $1::bigint"
                       " AND coalesce(hubspot_portal_id, $2::bigint) = $2::bigint"
                       " AND hubspot_portal_name IS DISTINCT FROM $3",
     3},
};

/* A string member of a JSON body (error category...), or NULL. */
static const char *
body_str(struct xh_arena *a, const struct xh_http_resp *r, const char *key)
{
	json_object *obj = r->body != NULL ? json_tokener_parse(r->body) : NULL, *v = NULL;
	const char *out = NULL;

	if (obj != NULL && json_object_is_type(obj, json_type_object) &&
	    json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, json_type_string))
		out = xh_strdup(a, json_object_get_string(v));
	json_object_put(obj);
	return out;
}

/* The token is refused: the link needs reconnecting (audited). */
static enum xh_err
refused(struct job_ctx *ctx, long long link_id, struct hubspot_check *c, const char *why)
{
	char id[24];

	c->token_ok = 0;
	c->problem =
	    xh_printf(ctx->arena, "%s.%s", why,
	              c->probe ? "" : " Give the link a new token or connect HubSpot again.");
	if (c->probe) /* a token not stored yet says nothing about the link */
		return XH_OK;
	snprintf(id, sizeof(id), "%lld", link_id);
	if (xh_db_execv(ctx->db, &check_sql[KQ_RECONNECT], NULL, id, why) != XH_OK)
		return job_error(ctx, XH_ERR_DB, "recording the refused token: %s",
		                 xh_db_error(ctx->db));
	xh_log(XH_LOG_WARN, "hubspot.token_refused", "link", id, "status", "needs_reconnect", NULL);
	return XH_OK;
}

/* Introspects token with the app's client credentials; 1 if it answered. */
static int
introspect(struct job_ctx *ctx, long long link_id, const char *token, struct hubspot_check *c,
           struct hubspot_introspect *in)
{
	static const char *const headers[] = {"Content-Type: application/x-www-form-urlencoded",
	                                      "Accept: application/json", NULL};
	struct xh_http_req req = {.method = "POST", .max_wait_ms = -1};
	struct xh_http_resp resp;
	char *id = NULL, *secret = NULL;

	if (hubspot_app_client(ctx, link_id, &id, &secret) != XH_OK || id == NULL ||
	    secret == NULL) {
		c->note = "the app's client id and secret are not known (xhsync hubspot "
		          "client-secret), so the token's scopes could not be read";
		return 0;
	}
	req.url = xh_printf(ctx->arena, "%s/oauth/v3/token/introspect", ctx->cfg->hubspot.api_url);
	req.headers = headers;
	req.body = hubspot_introspect_form(ctx->arena, id, secret, token);
	req.body_len = strlen(req.body);
	req.deadline_ms = ctx->deadline_ms;
	c->calls++;
	if (xh_http_do(ctx->http, ctx->arena, &req, &resp) == XH_OK && resp.status == 200 &&
	    hubspot_introspect_parse(ctx->arena, resp.body, resp.body_len, in) == XH_OK)
		return 1;
	c->note = xh_printf(
	    ctx->arena, "HubSpot would not introspect the token (%s); its scopes are not known",
	    resp.status > 0 ? xh_printf(ctx->arena, "it answered %d", resp.status) : "no answer");
	return 0;
}

/* One one-record CRM read through the limiter: does the API take the token? */
static enum xh_err
crm_read(struct job_ctx *ctx, long long link_id, const char *token, struct hubspot_check *c)
{
	struct xh_rl_target target = {XH_RL_HUBSPOT, c->portal_id, 0};
	struct xh_http_req req = {.method = "GET", .max_wait_ms = 10000, .rl = &target};
	const char *headers[] = {xh_printf(ctx->arena, "Authorization: Bearer %s", token),
	                         "Accept: application/json", NULL};
	struct xh_http_resp resp;
	const char *cat;
	enum xh_err err;

	req.url =
	    xh_printf(ctx->arena, "%s/crm/v3/objects/companies?limit=1", ctx->cfg->hubspot.api_url);
	req.headers = headers;
	req.deadline_ms = ctx->deadline_ms;
	if ((err = xh_http_do(ctx->http, ctx->arena, &req, &resp)) != XH_OK) {
		c->problem = xh_printf(ctx->arena, "HubSpot could not be asked: %s",
		                       err == XH_ERR_BUSY ? "the portal's call budget is used up "
		                                            "for now; try again in a few seconds"
		                                          : xh_http_error(ctx->http));
		return err == XH_ERR_DB ? job_error(ctx, err, "%s", c->problem) : XH_OK;
	}
	c->calls++;
	cat = body_str(ctx->arena, &resp, "category");
	if (resp.status == 401)
		return refused(ctx, link_id, c,
		               xh_printf(ctx->arena,
		                         "HubSpot refused the token (%s): it was revoked, is "
		                         "mistyped, or is not a HubSpot token",
		                         cat != NULL ? cat : "401"));
	c->tier = hubspot_tier_of(xh_http_header(&resp, "X-HubSpot-RateLimit-Max"),
	                          xh_http_header(&resp, "X-HubSpot-RateLimit-Daily"));
	if (resp.status == 200 || resp.status == 403)
		c->token_ok = 1;
	if (resp.status == 403 && !c->scopes_known) {
		c->missing = xh_alloc(ctx->arena, 2 * sizeof(*c->missing));
		c->missing[0] = &hubspot_scope_needs(&c->nmissing)[0];
		c->missing[1] = NULL;
		c->nmissing = 1;
	} else if (resp.status != 200 && resp.status != 403) {
		c->problem =
		    xh_printf(ctx->arena, "HubSpot answered %d to a one-record read%s%s",
		              resp.status, cat != NULL ? ": " : "", cat != NULL ? cat : "");
	}
	return XH_OK;
}

/* Stores the portal on a link without one; a problem if the link is for another. */
static enum xh_err
keep_portal(struct job_ctx *ctx, long long link_id, struct hubspot_check *c)
{
	PGresult *res = NULL;
	char id[24];
	enum xh_err err;

	if (c->probe) /* hubspot_store_credential binds the portal with the token */
		return XH_OK;
	snprintf(id, sizeof(id), "%lld", link_id);
	err = xh_db_execv(ctx->db, &check_sql[KQ_PORTAL], &res, id, c->portal_id);
	if (err)
		return job_error(ctx, XH_ERR_DB, "storing the portal: %s", xh_db_error(ctx->db));
	if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), c->portal_id) != 0)
		c->problem = xh_printf(ctx->arena,
		                       "the token reaches portal %s, but the link is for portal %s",
		                       c->portal_id, PQgetvalue(res, 0, 0));
	PQclear(res);
	return XH_OK;
}

/* Introspection first: an inactive token needs no API call. */
static enum xh_err
check_token(struct job_ctx *ctx, long long link_id, const char *token, struct hubspot_check *c)
{
	struct hubspot_introspect in;
	enum xh_err err;

	if (introspect(ctx, link_id, token, c, &in)) {
		if (!in.active)
			return refused(ctx, link_id, c,
			               "HubSpot says the token is not active: it was revoked, has "
			               "expired, or was never issued");
		c->scopes_known = in.scopes != NULL;
		if (c->scopes_known)
			c->missing = hubspot_scopes_missing(
			    ctx->arena, (const char *const *)in.scopes, &c->nmissing);
		if (in.hub_id != NULL)
			c->portal_id = in.hub_id;
		c->portal_name = in.hub_domain;
	}
	if (c->portal_id == NULL) {
		c->problem = "the link's HubSpot portal is not known: give it with xhsync hubspot "
		             "token --portal ID, or set the app's client id and secret";
		return XH_OK;
	}
	if ((err = keep_portal(ctx, link_id, c)) != XH_OK || c->problem != NULL)
		return err;
	return crm_read(ctx, link_id, token, c);
}

enum xh_err
hubspot_check(struct job_ctx *ctx, long long link_id, struct hubspot_check *c)
{
	char *token = NULL;
	enum xh_err err;

	memset(c, 0, sizeof(*c));
	c->token_ok = -1;
	err = hubspot_token_of(ctx, link_id, &token, &c->portal_id, &c->kind);
	if (err) {
		c->problem = xh_strdup(ctx->arena, ctx->msg);
		return err == XH_ERR_DB ? err : XH_OK;
	}
	c->have_token = 1;
	if ((err = check_token(ctx, link_id, token, c)) != XH_OK || c->problem != NULL)
		return err;
	return hubspot_keep_portal_name(ctx, link_id, c->portal_id, c->portal_name);
}

enum xh_err
hubspot_check_token(struct job_ctx *ctx, long long link_id, enum hubspot_kind kind,
                    const char *token, const char *portal_id, struct hubspot_check *c)
{
	memset(c, 0, sizeof(*c));
	c->token_ok = -1;
	c->probe = 1;
	c->have_token = 1;
	c->kind = kind;
	c->portal_id = portal_id != NULL ? xh_strdup(ctx->arena, portal_id) : NULL;
	return check_token(ctx, link_id, token, c);
}

enum xh_err
hubspot_keep_portal_name(struct job_ctx *ctx, long long link_id, const char *portal_id,
                         const char *name)
{
	char id[24];

	if (portal_id == NULL || name == NULL)
		return XH_OK;
	snprintf(id, sizeof(id), "%lld", link_id);
	if (xh_db_execv(ctx->db, &check_sql[KQ_NAME], NULL, id, portal_id, name) != XH_OK)
		return job_error(ctx, XH_ERR_DB, "storing the portal's name: %s",
		                 xh_db_error(ctx->db));
	return XH_OK;
}

enum xh_err
hubspot_learn_portal_name(struct job_ctx *ctx, long long link_id, const char *token)
{
	struct hubspot_check c;
	struct hubspot_introspect in;
	struct xh_cred cred;

	memset(&c, 0, sizeof(c));
	/* the stored token as it is: a name is not worth a refresh */
	if (token == NULL &&
	    xh_cred_load(ctx->db, ctx->keys, ctx->arena, link_id, "hubspot", XH_CRED_OAUTH,
	                 &cred) == XH_OK &&
	    (cred.expires_at == 0 || cred.expires_at > (long long)time(NULL) + 60))
		token = cred.access_token;
	if (token == NULL || !introspect(ctx, link_id, token, &c, &in) || !in.active)
		return XH_OK;
	return hubspot_keep_portal_name(ctx, link_id, in.hub_id, in.hub_domain);
}

void
hubspot_check_print(const struct hubspot_check *c, FILE *out)
{
	const struct hubspot_kind_info *k = hubspot_kind_info(c->kind);

	if (c->have_token)
		fprintf(out, "credential: %s\n", k->label);
	if (c->have_token && !k->webhooks)
		fprintf(out, "warning: a service key cannot receive HubSpot webhooks; changes made "
		             "in HubSpot reach xhsync only through the scheduled poll\n");
	fprintf(out, "token: %s\n",
	        c->token_ok == 1   ? "works"
	        : c->token_ok == 0 ? "refused"
	                           : "not checked");
	if (c->portal_id != NULL)
		fprintf(out, "portal (hub id): %s\n", c->portal_id);
	if (c->portal_name != NULL)
		fprintf(out, "portal name: %s\n", c->portal_name);
	if (c->token_ok == 1)
		fprintf(out, "account tier: %s\n",
		        c->tier != NULL ? c->tier
		                        : "cannot be learned with this token (OAuth apps get no "
		                          "daily-limit headers)");
	if (c->scopes_known && c->nmissing == 0)
		fprintf(out, "scopes: every required scope is granted\n");
	for (int i = 0; i < c->nmissing; i++)
		fprintf(out, "missing scope: %s (needed to %s)\n", c->missing[i]->alt[0],
		        c->missing[i]->why);
	if (c->note != NULL)
		fprintf(out, "note: %s\n", c->note);
	if (c->problem != NULL)
		fprintf(out, "problem: %s\n", c->problem);
}
