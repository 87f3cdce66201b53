/*
 * auth.c: a link's HubSpot access token for job handlers (auth.h). OAuth
 * tokens are refreshed on /oauth/v3/token under the credential lease
 * shared with Xero (lib/token_lease.h); static tokens are used as stored.
 */
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cred.h"
#include "http.h"
#include "hubspot/auth.h"
#include "lib/config.h"
#include "token_lease.h"

enum auth_sql {
	AQ_PORTAL, /* AQ_PORTAL */
	AQ_BIND,   /* AQ_BIND */
	AQ_REVIVE, /* AQ_REVIVE */
	AQ__MAX
};

static const struct xh_sql auth_sql[AQ__MAX] = {
    /* AQ_PORTAL */
    {"hubspot_auth_portal", "SELECT hubspot_portal_id FROM link WHERE id = $1::bigint", 1},
    /* AQ_BIND */
    {"hubspot_auth_bind",
     "UPDATE link SET hubspot_portal_id = coalesce(hubspot_portal_id, $2::bigint)"
     " WHERE id = $1::bigint RETURNING coalesce(hubspot_portal_id::text, '')",
     2},
    /* AQ_REVIVE */
    {"hubspot_auth_revive",
     "UPDATE link SET status = 'active', status_reason = NULL WHERE id = $1::bigint"
     " AND status = 'needs_reconnect' AND status_reason LIKE 'HubSpot%'",
     1},
};

/* A string member of the JSON object text json, in the arena; NULL if absent. */
static char *
payload_str(struct xh_arena *a, const char *json, const char *key)
{
	json_object *obj = json != NULL ? json_tokener_parse(json) : NULL, *v = NULL;
	char *out = NULL;

	if (obj != NULL && json_object_object_get_ex(obj, key, &v) &&
	    json_object_is_type(v, json_type_string))
		out = xh_strdup(a, json_object_get_string(v));
	json_object_put(obj);
	return out;
}

/* 1 if s is set and not empty. */
static int
set(const char *s)
{
	return s != NULL && s[0] != '\0';
}

enum xh_err
hubspot_app_client(struct job_ctx *ctx, long long link_id, char **client_id, char **client_secret)
{
	const struct xh_config *cfg = ctx->cfg;
	struct xh_cred c;
	enum xh_err err;

	*client_id =
	    set(cfg->hubspot.client_id) ? xh_strdup(ctx->arena, cfg->hubspot.client_id) : NULL;
	*client_secret = set(cfg->hubspot.client_secret)
	                     ? xh_strdup(ctx->arena, cfg->hubspot.client_secret)
	                     : NULL;
	err = xh_cred_load(ctx->db, ctx->keys, ctx->arena, link_id, "hubspot",
	                   HUBSPOT_CLIENT_SECRET, &c);
	if (err == XH_ERR_NOTFOUND)
		return XH_OK;
	if (err)
		return job_error(ctx, err == XH_ERR_DB ? err : XH_ERR_PERMANENT,
		                 "HubSpot client secret: %s", xh_strerror(err));
	if (set(payload_str(ctx->arena, c.json, "client_secret")))
		*client_secret = payload_str(ctx->arena, c.json, "client_secret");
	if (set(payload_str(ctx->arena, c.json, "client_id")))
		*client_id = payload_str(ctx->arena, c.json, "client_id");
	return XH_OK;
}

/* Nothing to check before the lease: refresh() finds the client credentials. */
static enum xh_err
ready(struct job_ctx *ctx)
{
	(void)ctx;
	return XH_OK;
}

/* Calls /oauth/v3/token with the stored refresh token (the lease is ours). */
static enum xh_err
refresh(struct xh_token_lease *t, struct xh_token_new *out, int *invalid_grant)
{
	struct job_ctx *ctx = t->ctx;
	struct xh_http_req req = {.method = "POST", .max_wait_ms = -1};
	static const char *const headers[] = {"Content-Type: application/x-www-form-urlencoded",
	                                      "Accept: application/json", NULL};
	struct xh_http_resp resp;
	struct hubspot_token_resp tr;
	long long now = (long long)time(NULL);
	char *id = NULL, *secret = NULL;
	enum xh_err err;

	if ((err = hubspot_app_client(ctx, t->link_id, &id, &secret)) != XH_OK)
		return err;
	if (id == NULL || secret == NULL)
		return job_error(
		    ctx, XH_ERR_CONFIG,
		    "[hubspot] client_id and client_secret are needed to refresh tokens");
	req.url = xh_printf(ctx->arena, "%s/oauth/v3/token", ctx->cfg->hubspot.api_url);
	req.headers = headers;
	req.body = hubspot_refresh_form(ctx->arena, id, secret, t->cred.refresh_token);
	req.body_len = strlen(req.body);
	req.deadline_ms = ctx->deadline_ms;
	err = xh_http_do(ctx->http, ctx->arena, &req, &resp);
	if (err)
		return job_error(ctx, err == XH_ERR_INVAL ? XH_ERR_CONFIG : XH_ERR_TRANSIENT,
		                 "HubSpot token endpoint: %s", xh_http_error(ctx->http));
	if (hubspot_token_parse(ctx->arena, resp.body, resp.body_len, &tr) != XH_OK ||
	    resp.status != 200 || tr.access_token == NULL)
		return xh_token_refused(ctx, "HubSpot", &resp, tr.error, invalid_grant);
	out->json = hubspot_token_payload(ctx->arena, t->cred.json, &tr, now);
	out->expires_at = now + tr.expires_in;
	if (out->json == NULL)
		return job_error(ctx, XH_ERR_PERMANENT, "HubSpot credential: %s",
		                 xh_strerror(XH_ERR_INVAL));
	return XH_OK;
}

static const struct xh_token_vendor hubspot_vendor = {"hubspot", "HubSpot", HUBSPOT_TOKEN_MARGIN_S,
                                                      ready, refresh};

/* The link's portal id column, or NULL. */
static char *
link_portal(struct job_ctx *ctx, long long link_id)
{
	PGresult *res = NULL;
	char id[24], *out = NULL;

	snprintf(id, sizeof(id), "%lld", link_id);
	if (xh_db_execv(ctx->db, &auth_sql[AQ_PORTAL], &res, id) != XH_OK)
		return NULL;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		out = xh_strdup(ctx->arena, PQgetvalue(res, 0, 0));
	PQclear(res);
	return out;
}

enum xh_err
hubspot_token_of(struct job_ctx *ctx, long long link_id, char **token, char **portal_id,
                 enum hubspot_kind *kind)
{
	struct xh_token_lease t;
	enum xh_err err;
	int k;

	*token = *portal_id = NULL;
	xh_token_lease_init(&t, &hubspot_vendor, ctx, link_id, -1);
	if ((err = xh_token_lease_get(&t)) != XH_OK)
		return err;
	if (t.cred.access_token == NULL)
		return job_error(ctx, XH_ERR_PERMANENT, "HubSpot credential lacks access_token");
	k = hubspot_kind_parse(payload_str(ctx->arena, t.cred.json, "kind"));
	*kind =
	    k >= 0 ? (enum hubspot_kind)k : (t.cred.refresh_token != NULL ? HK_OAUTH : HK_PROJECT);
	*token = t.cred.access_token;
	*portal_id = payload_str(ctx->arena, t.cred.json, "portal_id");
	if (*portal_id == NULL)
		*portal_id = link_portal(ctx, link_id);
	return XH_OK;
}

enum xh_err
hubspot_access_token(struct job_ctx *ctx, long long link_id, char **token, char **portal_id)
{
	enum hubspot_kind kind;
	enum xh_err err;

	if ((err = hubspot_token_of(ctx, link_id, token, portal_id, &kind)) != XH_OK)
		return err;
	if (*portal_id == NULL) {
		*token = NULL;
		return job_error(ctx, XH_ERR_PERMANENT,
		                 "the link's HubSpot portal is not known yet: run "
		                 "`xhsync hubspot test %lld`",
		                 link_id);
	}
	return XH_OK;
}

/* One credential store, as hubspot_store_credential's transaction. */
struct store_req {
	const struct xh_keyring *kr;
	struct xh_arena *a;
	long long link_id;
	char link[24];
	const char *json, *portal_id;
	char **bound;
};

static enum xh_err
store_tx(struct xh_db *db, void *arg)
{
	struct store_req *s = arg;
	PGresult *res = NULL;
	enum xh_err err;

	err = xh_db_execv(db, &auth_sql[AQ_BIND], &res, s->link, s->portal_id);
	if (!err && PQntuples(res) != 1)
		err = XH_ERR_NOTFOUND;
	if (!err && s->portal_id != NULL && strcmp(PQgetvalue(res, 0, 0), s->portal_id) != 0) {
		*s->bound = xh_strdup(s->a, PQgetvalue(res, 0, 0));
		err = XH_ERR_INVAL;
	}
	PQclear(res);
	if (!err)
		err = xh_cred_store(db, s->kr, s->link_id, "hubspot", XH_CRED_OAUTH, s->json);
	if (!err)
		err = xh_db_execv(db, &auth_sql[AQ_REVIVE], NULL, s->link);
	return err;
}

enum xh_err
hubspot_store_credential(struct xh_db *db, const struct xh_keyring *kr, struct xh_arena *a,
                         long long link_id, const char *json, const char *portal_id, char **bound)
{
	struct store_req s = {kr, a, link_id, "", json, portal_id, bound};

	*bound = NULL;
	snprintf(s.link, sizeof(s.link), "%lld", link_id);
	return xh_db_tx(db, store_tx, &s);
}

const char *
hubspot_store_client_secret(struct xh_db *db, const struct xh_keyring *kr, long long link_id,
                            const char *secret, const char *client_id, enum xh_err *err)
{
	json_object *js;
	const char *text;
	size_t n;

	*err = XH_ERR_INVAL;
	if (secret == NULL || secret[0] == '\0')
		return "the client secret is empty";
	if (!xh_token_chars_ok(secret, HUBSPOT_SECRET_MAX))
		return "the client secret has spaces or characters that are not printable ASCII, "
		       "or is longer than 512 characters";
	if (client_id != NULL && client_id[0] != '\0' && !xh_token_chars_ok(client_id, 256))
		return "the client id has spaces or characters that are not printable ASCII";
	js = json_object_new_object();
	json_object_object_add(js, "client_secret", json_object_new_string(secret));
	if (client_id != NULL && client_id[0] != '\0')
		json_object_object_add(js, "client_id", json_object_new_string(client_id));
	text = json_object_to_json_string_ext(js, JSON_C_TO_STRING_PLAIN);
	n = strlen(text);
	*err = xh_cred_store(db, kr, link_id, "hubspot", HUBSPOT_CLIENT_SECRET, text);
	OPENSSL_cleanse((char *)text, n);
	json_object_put(js);
	return *err == XH_OK ? NULL : "the client secret could not be stored";
}
