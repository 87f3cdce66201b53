/*
 * connections.c: Xero's identity and connection calls for connecting and
 * disconnecting organisations (connect.h), shared by xhsync-web and the
 * CLI. The calls are tenantless (no xero-tenant-id), made rarely by an
 * admin's action, so they pass no per-organisation rate-limit gate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cred.h"
#include "http.h"
#include "lib/config.h"
#include "log.h"
#include "token_lease.h"
#include "xero/connect.h"
#include "xero/pull.h"

enum conn_sql {
	XC_LINK,   /* XC_LINK */
	XC_CRED,   /* XC_CRED */
	XC_JOBS,   /* XC_JOBS */
	XC_PURGE,  /* XC_PURGE */
	XC_UNLINK, /* XC_UNLINK */
	XC_AUDIT,  /* XC_AUDIT */
	XC_NEXT,   /* XC_NEXT */
	XC__MAX
};

/* clang-format off */
static const struct xh_sql conn_sql[XC__MAX] = {
    /* XC_LINK: the link, and how many other links may share its Xero sign-in (XERO_SHARED) */
    {"xero_disc_link",
     XH_SQL_IDEMPOTENT "SELECT coalesce(l.xero_connection_id::text, ''),"
     " coalesce(l.xero_tenant_id::text, ''), " XERO_SHARED
     " FROM link l WHERE l.id = $1::bigint", 1},
    /* XC_CRED */
    {"xero_disc_cred", "DELETE FROM credential WHERE link_id = $1::bigint AND vendor = 'xero'", 1},
    /* XC_JOBS: nothing queued for the link runs any more */
    {"xero_disc_jobs",
     "UPDATE job SET state = 'cancelled', finished_at = now(),"
     " last_error = 'the link was disconnected from Xero'"
     " WHERE link_id = $1::bigint AND state IN ('available', 'retryable')", 1},
    /* XC_PURGE: the mirror, the pull and push state, and the audit trail */
    {"xero_disc_purge",
     "WITH r AS (DELETE FROM xero_record WHERE link_id = $1::bigint RETURNING 1),"
     " c AS (DELETE FROM sync_cursor WHERE link_id = $1::bigint RETURNING 1),"
     " h AS (DELETE FROM hubspot_ref WHERE link_id = $1::bigint RETURNING 1),"
     " p AS (DELETE FROM pending_fetch WHERE link_id = $1::bigint RETURNING 1),"
     " a AS (DELETE FROM audit_event WHERE link_id = $1::bigint RETURNING 1)"
     " SELECT (SELECT count(*) FROM r), (SELECT count(*) FROM a),"
     " (SELECT count(*) FROM c) + (SELECT count(*) FROM h) + (SELECT count(*) FROM p)", 1},
    /* XC_UNLINK: the tenant id and name stay, so connecting that organisation again updates it */
    {"xero_disc_unlink",
     "UPDATE link SET status = 'setup', status_reason = $2, xero_connection_id = NULL,"
     " xero_grant_id = NULL, xero_user_id = NULL WHERE id = $1::bigint", 2},
    /* XC_AUDIT */
    {"xero_disc_audit",
     "INSERT INTO audit_event (link_id, action, outcome, actor, detail)"
     " VALUES ($1::bigint, 'xero.disconnect', 'ok', $2, $3::jsonb)", 3},
    /* XC_NEXT: when the link holds its grant's token set, the next link of the grant */
    {"xero_disc_next",
     "SELECT o.id FROM link l JOIN link o ON o.xero_grant_id = l.xero_grant_id AND o.id > l.id"
     " JOIN credential c ON c.link_id = o.id AND c.vendor = 'xero' AND c.purpose = 'oauth'"
     " JOIN credential lc ON lc.link_id = l.id AND lc.vendor = 'xero' AND lc.purpose = 'oauth'"
     " WHERE l.id = $1::bigint AND NOT EXISTS (SELECT 1 FROM link p JOIN credential pc"
     "  ON pc.link_id = p.id AND pc.vendor = 'xero' AND pc.purpose = 'oauth'"
     "  WHERE p.xero_grant_id = l.xero_grant_id AND p.id < l.id)"
     " ORDER BY o.id LIMIT 1", 1},
};
/* clang-format on */

/* Client authentication header, or NULL (ctx->msg set) without client credentials. */
static const char *
client_basic(struct job_ctx *ctx)
{
	const struct xh_config *cfg = ctx->cfg;

	if (cfg->xero.client_id == NULL || cfg->xero.client_id[0] == '\0' ||
	    cfg->xero.client_secret == NULL || cfg->xero.client_secret[0] == '\0') {
		job_error(ctx, XH_ERR_CONFIG,
		          "[xero] client_id and client_secret are not configured");
		return NULL;
	}
	return xero_token_basic(ctx->arena, cfg->xero.client_id, cfg->xero.client_secret);
}

/* One call; XH_ERR_TRANSIENT with ctx->msg when Xero cannot be reached. */
static enum xh_err
call(struct job_ctx *ctx, const char *method, const char *url, const char **headers,
     const char *body, struct xh_http_resp *resp)
{
	struct xh_http_req req = {
	    .method = method, .url = url, .headers = headers, .max_wait_ms = -1};

	req.body = body;
	req.body_len = body != NULL ? strlen(body) : 0;
	req.deadline_ms = ctx->deadline_ms;
	if (xh_http_do(ctx->http, ctx->arena, &req, resp) != XH_OK)
		return job_error(ctx, XH_ERR_TRANSIENT, "Xero could not be reached: %s",
		                 xh_http_error(ctx->http));
	return XH_OK;
}

enum xh_err
xero_exchange_code(struct job_ctx *ctx, const char *code, const char *redirect_uri,
                   const char *verifier, struct xero_token_resp *tr, const char **oauth_error)
{
	const char *headers[4] = {NULL, "Content-Type: application/x-www-form-urlencoded",
	                          "Accept: application/json", NULL};
	struct xh_http_resp resp;
	enum xh_err err;

	*oauth_error = NULL;
	memset(tr, 0, sizeof(*tr));
	if ((headers[0] = client_basic(ctx)) == NULL)
		return XH_ERR_CONFIG;
	err = call(ctx, "POST",
	           xh_printf(ctx->arena, "%s/connect/token", ctx->cfg->xero.identity_url), headers,
	           xero_code_form(ctx->arena, code, redirect_uri, verifier), &resp);
	if (err)
		return err;
	if (xero_token_parse(ctx->arena, resp.body, resp.body_len, tr) == XH_OK &&
	    resp.status == 200 && tr->access_token != NULL)
		return XH_OK;
	*oauth_error = tr->error != NULL ? tr->error : "unknown";
	if (strcmp(*oauth_error, "invalid_client") == 0 ||
	    strcmp(*oauth_error, "unauthorized_client") == 0)
		return job_error(ctx, XH_ERR_CONFIG,
		                 "Xero refused the app's client id or secret (%s)", *oauth_error);
	if (resp.status >= 500 || resp.status == 429)
		return job_error(ctx, XH_ERR_TRANSIENT, "Xero's sign-in service answered %d",
		                 resp.status);
	return job_error(ctx, XH_ERR_PERMANENT, "Xero refused the code (%d %s)", resp.status,
	                 *oauth_error);
}

enum xh_err
xero_list_connections(struct job_ctx *ctx, const char *access_token, const char *auth_event,
                      struct xero_conn **out, size_t *n)
{
	const char *headers[3] = {NULL, "Accept: application/json", NULL};
	struct xh_http_resp resp;
	const char *url;
	enum xh_err err;

	*out = NULL;
	*n = 0;
	headers[0] = xh_printf(ctx->arena, "Authorization: Bearer %s", access_token);
	url = xh_printf(ctx->arena, "%s/connections%s%s", ctx->cfg->xero.api_url,
	                auth_event != NULL ? "?authEventId=" : "",
	                auth_event != NULL ? xh_form_encode(ctx->arena, auth_event) : "");
	if ((err = call(ctx, "GET", url, headers, NULL, &resp)) != XH_OK)
		return err;
	if (resp.status != 200)
		return job_error(ctx,
		                 resp.status >= 500 || resp.status == 429 ? XH_ERR_TRANSIENT
		                                                          : XH_ERR_PERMANENT,
		                 "Xero answered %d to GET /connections", resp.status);
	if (xero_connections_parse(ctx->arena, resp.body, resp.body_len, out, n) != XH_OK)
		return job_error(ctx, XH_ERR_PERMANENT,
		                 "Xero's list of organisations was unreadable");
	return XH_OK;
}

/* The connection id of tenant in the token's connections ("" if none). */
static const char *
find_connection(struct job_ctx *ctx, const char *token, const char *tenant)
{
	struct xero_conn *c;
	size_t n;

	if (tenant[0] == '\0' || xero_list_connections(ctx, token, NULL, &c, &n) != XH_OK)
		return "";
	for (size_t i = 0; i < n; i++)
		if (strcmp(c[i].tenant_id, tenant) == 0)
			return xh_strdup(ctx->arena, c[i].id);
	return "";
}

/* Says why Xero could not be told, in r. */
static void
refused(struct xero_disconnect_result *r, const char *why)
{
	r->xero_refused = 1;
	snprintf(r->xero_msg, sizeof(r->xero_msg), "%s", why);
}

/* DELETE /connections/{connection id}: never the tenant id (XERO.md section 1.3). */
static void
delete_connection(struct job_ctx *ctx, const char *token, const char *cid,
                  struct xero_disconnect_result *r)
{
	const char *headers[2] = {NULL, NULL};
	struct xh_http_resp resp;

	headers[0] = xh_printf(ctx->arena, "Authorization: Bearer %s", token);
	if (call(ctx, "DELETE",
	         xh_printf(ctx->arena, "%s/connections/%s", ctx->cfg->xero.api_url, cid), headers,
	         NULL, &resp) != XH_OK) {
		refused(r, ctx->msg);
		return;
	}
	if (resp.status == 204 || resp.status == 200 || resp.status == 404) {
		r->xero_deleted = 1;
		return;
	}
	snprintf(ctx->msg, sizeof(ctx->msg), "Xero answered %d to removing the connection",
	         resp.status);
	refused(r, ctx->msg);
}

/* POST /connect/revocation with the refresh token (its grant and the user's connections go). */
static void
revoke(struct job_ctx *ctx, const char *refresh_token, struct xero_disconnect_result *r)
{
	const char *headers[3] = {NULL, "Content-Type: application/x-www-form-urlencoded", NULL};
	struct xh_http_resp resp;

	if ((headers[0] = client_basic(ctx)) == NULL)
		return;
	if (call(ctx, "POST",
	         xh_printf(ctx->arena, "%s/connect/revocation", ctx->cfg->xero.identity_url),
	         headers,
	         xh_printf(ctx->arena, "token=%s", xh_form_encode(ctx->arena, refresh_token)),
	         &resp) == XH_OK &&
	    resp.status == 200)
		r->revoked = 1;
}

/* Tells Xero: the connection goes, and the grant when no other link needs it. */
static void
tell_xero(struct job_ctx *ctx, long long link_id, const char *cid, const char *tenant,
          struct xero_disconnect_result *r)
{
	char *token = NULL, *tid = NULL;
	struct xh_cred cred;

	if (xero_access_token(ctx, link_id, &token, &tid) != XH_OK) {
		refused(r, ctx->msg);
		return;
	}
	if (cid[0] == '\0')
		cid = find_connection(ctx, token, tenant);
	if (cid[0] == '\0')
		refused(r, "Xero lists no connection to this organisation any more");
	else
		delete_connection(ctx, token, cid, r);
	if (r->shared)
		return;
	if (xh_cred_load(ctx->db, ctx->keys, ctx->arena, link_id, "xero", XH_CRED_OAUTH, &cred) ==
	        XH_OK &&
	    cred.refresh_token != NULL)
		revoke(ctx, cred.refresh_token, r);
}

enum xh_err
xero_grant_hand_over(struct job_ctx *ctx, long long link_id)
{
	char link[24];

	struct xh_cred from, to;
	struct xero_token_resp tr;
	PGresult *res = NULL;
	long long next = 0;
	enum xh_err err;
	char *json;

	snprintf(link, sizeof(link), "%lld", link_id);
	if ((err = xh_db_execv(ctx->db, &conn_sql[XC_NEXT], &res, link)) != XH_OK)
		return err;
	if (PQntuples(res) == 1)
		next = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	if (next == 0)
		return XH_OK;
	if ((err = xh_cred_load(ctx->db, ctx->keys, ctx->arena, link_id, "xero", XH_CRED_OAUTH,
	                        &from)) != XH_OK ||
	    (err = xh_cred_load(ctx->db, ctx->keys, ctx->arena, next, "xero", XH_CRED_OAUTH,
	                        &to)) != XH_OK)
		return err;
	/* the next link's payload (its organisation) with the set's tokens and expiry */
	tr = (struct xero_token_resp){from.access_token, from.refresh_token,
	                              from.expires_at - (long long)time(NULL), NULL};
	if ((json = xero_token_payload(ctx->arena, to.json, &tr, (long long)time(NULL))) == NULL)
		return XH_ERR_INVAL;
	return xh_cred_store(ctx->db, ctx->keys, next, "xero", XH_CRED_OAUTH, json);
}

struct disc_tx {
	struct job_ctx *ctx;
	const char *link, *actor, *reason, *detail;
	int purge;
	struct xero_disconnect_result *r;
};

/* The local part, in one transaction: credential, jobs, purge, status, audit. */
static enum xh_err
disconnect_tx(struct xh_db *db, void *arg)
{
	struct disc_tx *t = arg;
	PGresult *res = NULL;
	enum xh_err err;

	if ((err = xero_grant_hand_over(t->ctx, strtoll(t->link, NULL, 10))) != XH_OK ||
	    (err = xh_db_execv(db, &conn_sql[XC_CRED], NULL, t->link)) != XH_OK ||
	    (err = xh_db_execv(db, &conn_sql[XC_JOBS], NULL, t->link)) != XH_OK)
		return err;
	if (t->purge) {
		if ((err = xh_db_execv(db, &conn_sql[XC_PURGE], &res, t->link)) != XH_OK)
			return err;
		t->r->records = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		t->r->audits = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		PQclear(res);
	}
	if ((err = xh_db_execv(db, &conn_sql[XC_UNLINK], NULL, t->link, t->reason)) != XH_OK)
		return err;
	return xh_db_execv(db, &conn_sql[XC_AUDIT], NULL, t->link, t->actor, t->detail);
}

/* The audit detail: what was done. */
static const char *
audit_detail(struct xh_arena *a, const struct xero_disconnect_result *r, int purge)
{
	return xh_printf(a,
	                 "{\"xero_connection_deleted\": %s, \"token_revoked\": %s, \"purged\": %s,"
	                 " \"xero_refused\": %s}",
	                 r->xero_deleted ? "true" : "false", r->revoked ? "true" : "false",
	                 purge ? "true" : "false", r->xero_refused ? "true" : "false");
}

enum xh_err
xero_disconnect(struct job_ctx *ctx, long long link_id, int purge, const char *actor,
                struct xero_disconnect_result *r)
{
	struct disc_tx t = {.ctx = ctx, .actor = actor, .purge = purge, .r = r};
	const char *cid, *tenant;
	PGresult *res = NULL;
	enum xh_err err;

	memset(r, 0, sizeof(*r));
	t.link = xh_printf(ctx->arena, "%lld", link_id);
	if ((err = xh_db_execv(ctx->db, &conn_sql[XC_LINK], &res, t.link)) != XH_OK)
		return job_error(ctx, err, "reading the link: %s", xh_db_error(ctx->db));
	if (PQntuples(res) != 1) {
		PQclear(res);
		return job_error(ctx, XH_ERR_NOTFOUND, "there is no link %lld", link_id);
	}
	cid = xh_strdup(ctx->arena, PQgetvalue(res, 0, 0));
	tenant = xh_strdup(ctx->arena, PQgetvalue(res, 0, 1));
	r->shared = strtoll(PQgetvalue(res, 0, 2), NULL, 10) > 0;
	PQclear(res);
	tell_xero(ctx, link_id, cid, tenant, r);
	t.reason =
	    purge ? "Disconnected from Xero; its mirrored records and audit trail were deleted."
	          : "Disconnected from Xero; connect the organisation again to resume.";
	t.detail = audit_detail(ctx->arena, r, purge);
	if ((err = xh_db_tx(ctx->db, disconnect_tx, &t)) != XH_OK)
		return job_error(ctx, XH_ERR_DB, "disconnecting the link: %s",
		                 xh_db_error(ctx->db));
	xh_log(XH_LOG_INFO, "xero.disconnected", "link", t.link, "xero_deleted",
	       r->xero_deleted ? "yes" : "no", "revoked", r->revoked ? "yes" : "no", "purged",
	       purge ? "yes" : "no", NULL);
	return XH_OK;
}
