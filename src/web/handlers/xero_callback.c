/*
 * xero_callback.c: GET /oauth/xero/callback, where Xero sends the browser
 * back (xero_connect.c started the flow).
 *
 * The route is public because a browser coming back from Xero does not
 * send the SameSite=Strict session cookie; the flow's own checks stand in
 * for it: the state is spent once (DELETE ... RETURNING), unexpired, and
 * the flow cookie's hash must be the one stored at the start (and the
 * session cookie, when sent, the session that started it). Then the code
 * is exchanged with the verifier, GET /connections?authEventId= tells the
 * organisations of this consent, and the token set is sealed in
 * xero_grant (never in a cookie or the page) until the admin chooses
 * (xero_choose.c); a reconnect replaces its link's token set at once.
 * Every answer carries Referrer-Policy: no-referrer, and the URL with the
 * code is left by a redirect. Each refusal is a page saying what to do;
 * none leaves anything half made.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <libpq-fe.h>

#include "cred.h"
#include "crypto.h"
#include "log.h"
#include "web/handlers/xero_web.h"

enum cb_sql {
	CB_SPEND,  /* CB_SPEND */
	CB_GRANT,  /* CB_GRANT */
	CB_TENANT, /* CB_TENANT */
	CB__MAX
};

/* clang-format off */
static const struct xh_sql cb_sql[CB__MAX] = {
    /* CB_SPEND: a state is spent once, whatever happens next */
    {"web_xero_spend",
     "DELETE FROM oauth_flow f WHERE state = $1 AND provider = 'xero' AND browser_hash IS NOT NULL"
     " RETURNING coalesce(encode(session_hash, 'hex'), ''), encode(browser_hash, 'hex'),"
     " code_verifier, coalesce(link_id, 0), redirect_uri, expires_at > now(),"
     " EXISTS (SELECT 1 FROM session s WHERE s.token_hash = f.session_hash"
     "  AND s.idle_expires_at > now() AND s.expires_at > now()), coalesce(scope, '')", 1},
    /* CB_GRANT: one grant waiting per session */
    {"web_xero_grant",
     "WITH old AS (DELETE FROM xero_grant WHERE session_hash = decode($1, 'hex')"
     "  OR expires_at < now())"
     " INSERT INTO xero_grant (session_hash, grant_id, key_id, sealed, connections, expires_at)"
     " VALUES (decode($1, 'hex'), $2::uuid, $3, decode($4, 'base64'), $5::jsonb,"
     " now() + make_interval(secs => $6::int)) RETURNING id", 6},
    /* CB_TENANT */
    {"web_xero_link_tenant",
     XH_SQL_IDEMPOTENT "SELECT coalesce(xero_tenant_id::text, ''), coalesce(xero_tenant_name, name)"
     " FROM link WHERE id = $1::bigint", 1},
};
/* clang-format on */

/* The flow as spent, and what the request brought. */
struct flow {
	const char *state, *session_hash, *browser_hash, *verifier_hash, *redirect_uri, *scope;
	const char *browser_token; /* the flow cookie */
	long long link_id;
	int live, session_ok;
};

/* A page for a refused callback (status 400 unless said). */
#define PROBLEM(status, title, msg, advice)                                                        \
	web_xero_problem(ctx, req, resp, status, f->link_id, title, msg, advice)

/* 1 if s is one of our 43-character base64url tokens. */
static int
token_shaped(const char *s)
{
	return s != NULL && strlen(s) == 43 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 43;
}

/* Spends the flow of f->state; 0 if there is none (forged or already used), -1 on failure. */
static int
spend(struct web_ctx *ctx, struct web_req *req, struct flow *f)
{
	PGresult *res = NULL;
	int found;

	if (xh_db_execv(ctx->db, &cb_sql[CB_SPEND], &res, web_xero_hash(req->arena, f->state)) !=
	    XH_OK) {
		PQclear(res);
		return -1;
	}
	if ((found = PQntuples(res) == 1)) {
		f->session_hash = xh_strdup(req->arena, PQgetvalue(res, 0, 0));
		f->browser_hash = xh_strdup(req->arena, PQgetvalue(res, 0, 1));
		f->verifier_hash = xh_strdup(req->arena, PQgetvalue(res, 0, 2));
		f->link_id = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
		f->redirect_uri = xh_strdup(req->arena, PQgetvalue(res, 0, 4));
		f->live = PQgetvalue(res, 0, 5)[0] == 't';
		f->session_ok = PQgetvalue(res, 0, 6)[0] == 't';
		f->scope = xh_strdup(req->arena, PQgetvalue(res, 0, 7));
	}
	PQclear(res);
	return found;
}

/* 1 if this browser (flow cookie) and session (when its cookie came) started the flow. */
static int
same_browser(struct web_req *req, const struct flow *f)
{
	if (!token_shaped(f->browser_token) ||
	    !web_token_matches(web_xero_hash(req->arena, f->browser_token), f->browser_hash))
		return 0;
	return req->session == NULL ||
	       web_token_matches(web_xero_hash(req->arena, req->session->token), f->session_hash);
}

/* What Xero's error parameter means, in plain words. */
static int
xero_said_no(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, const struct flow *f,
             const char *error)
{
	if (strcmp(error, "access_denied") == 0)
		return PROBLEM(
		    400, "Xero access was not allowed",
		    "You chose not to allow xhsync access on Xero's page, so nothing was "
		    "connected and nothing was changed.",
		    "To connect, start again and choose Allow access on Xero's page.");
	if (strcmp(error, "invalid_scope") == 0 || strcmp(error, "unauthorized_client") == 0)
		return PROBLEM(
		    400, "Xero refused the permissions asked for",
		    xh_printf(req->arena,
		              "Xero answered \"%s\": this Xero app may not ask for the "
		              "permission set that was chosen. Nothing was changed.",
		              xero_clean_text(req->arena, error, 64)),
		    "Start again with the other permission set (apps created before March "
		    "2026 may need the broad one), or check the app in Xero's developer "
		    "portal.");
	return PROBLEM(400, "Xero reported a problem",
	               xh_printf(req->arena,
	                         "Xero sent back the error \"%s\" instead of a sign-in. Nothing "
	                         "was changed.",
	                         xero_clean_text(req->arena, error, 64)),
	               "Start again. If it happens again, check the Xero app's settings.");
}

/* A random UUID (version 4), in a. */
static char *
new_uuid(struct xh_arena *a)
{
	unsigned char b[16];
	const char *h;

	if (xh_random_bytes(b, sizeof(b)) != XH_OK)
		return NULL;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	h = xh_hex(a, b, sizeof(b));
	return xh_printf(a, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

/* The grant's token set as JSON (the payload every link of the grant gets). */
static char *
grant_json(struct xh_arena *a, const struct xero_token_resp *tr, const struct flow *f,
           const char *grant_id)
{
	json_object *o = json_object_new_object();
	char *out;

	json_object_object_add(o, "access_token", json_object_new_string(tr->access_token));
	if (tr->refresh_token != NULL)
		json_object_object_add(o, "refresh_token",
		                       json_object_new_string(tr->refresh_token));
	json_object_object_add(o, "expires_at",
	                       json_object_new_int64((long long)time(NULL) + tr->expires_in));
	json_object_object_add(o, "scope", json_object_new_string(f->scope));
	json_object_object_add(o, "grant", json_object_new_string(grant_id));
	out = xh_strdup(a, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return out;
}

/* The organisations as JSON for xero_grant.connections (no secret). */
static char *
conns_json(struct xh_arena *a, const struct xero_conn *c, size_t n)
{
	json_object *arr = json_object_new_array(), *o;
	char *out;

	for (size_t i = 0; i < n; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(c[i].id));
		json_object_object_add(o, "tenantId", json_object_new_string(c[i].tenant_id));
		json_object_object_add(o, "tenantType", json_object_new_string(c[i].tenant_type));
		json_object_object_add(o, "tenantName", json_object_new_string(c[i].tenant_name));
		json_object_array_add(arr, o);
	}
	out = xh_strdup(a, json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
	json_object_put(arr);
	return out;
}

/*
 * Leaves the URL that carried the code: a 303 when the session cookie came
 * with this request (the browser sends it on), else a page that moves on
 * from our own origin, so that the next request carries it.
 */
static int
leave(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, const char *to)
{
	struct json_object *d;

	if (req->session != NULL) {
		web_redirect(resp, to);
		return 303;
	}
	d = json_object_new_object();
	json_object_object_add(d, "refresh", json_object_new_string(to));
	return web_page(ctx, req, resp, 200, "xero_continue", "Xero connected - xhsync", d);
}

struct reconnect_tx {
	struct job_ctx *jc;
	struct web_xero_org org;
	const char *json, *grant, *user;
	long long link;
};

static enum xh_err
reconnect_tx(struct xh_db *db, void *arg)
{
	struct reconnect_tx *t = arg;

	(void)db;
	return web_xero_attach(t->jc, &t->org, t->json, t->grant, t->user, &t->link);
}

/* A reconnect: the link's organisation must be among those of the consent. */
static int
reconnect(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, const struct flow *f,
          struct web_xero_run *r, const struct xero_conn *c, size_t n, const char *json,
          const char *grant, const char *user)
{
	struct reconnect_tx t = {.jc = &r->ctx, .json = json, .grant = grant, .user = user};
	char link[24];
	PGresult *res = NULL;
	const char *tenant = "", *name = "";

	snprintf(link, sizeof(link), "%lld", f->link_id);
	if (xh_db_execv(ctx->db, &cb_sql[CB_TENANT], &res, link) == XH_OK && PQntuples(res) == 1) {
		tenant = xh_strdup(req->arena, PQgetvalue(res, 0, 0));
		name = xh_strdup(req->arena, PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	for (size_t i = 0; i < n && t.org.conn == NULL; i++)
		if (strcmp(c[i].tenant_id, tenant) == 0)
			t.org.conn = &c[i];
	if (t.org.conn == NULL)
		return PROBLEM(
		    409, "Another organisation was chosen",
		    xh_printf(req->arena,
		              "This link is for the Xero organisation \"%s\", but it was not "
		              "among the organisations you allowed on Xero's page. Nothing "
		              "was changed.",
		              name),
		    "Reconnect again and tick that organisation on Xero's page. To link "
		    "another organisation, use Connect Xero instead.");
	t.org.link_id = f->link_id;
	if (xh_db_tx(ctx->db, reconnect_tx, &t) != XH_OK) {
		resp->reason = "cannot store the reconnected token set";
		return 500;
	}
	xh_log(XH_LOG_INFO, "web.xero_reconnected", "link", link, NULL);
	return leave(ctx, req, resp, xh_printf(req->arena, "/links/%s?m=xero_reconnected", link));
}

/* Seals the grant for the admin's choice and moves on to it. */
static int
keep_grant(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, const struct flow *f,
           struct web_xero_run *r, const struct xero_conn *c, size_t n, const char *json,
           const char *grant)
{
	const char *key_id = NULL;
	char *b64 = NULL, ttl[16];

	snprintf(ttl, sizeof(ttl), "%d", WEB_XERO_GRANT_S);
	if (xh_secret_seal(r->ctx.keys, req->arena, xh_printf(req->arena, "xero_grant:%s", grant),
	                   json, &key_id, &b64) != XH_OK ||
	    xh_db_execv(ctx->db, &cb_sql[CB_GRANT], NULL, f->session_hash, grant, key_id, b64,
	                conns_json(req->arena, c, n), ttl) != XH_OK) {
		resp->reason = "cannot keep the Xero grant";
		return 500;
	}
	return leave(ctx, req, resp, "/connect/xero/choose");
}

/* The refusal page for a code Xero would not exchange. */
static int
exchange_failed(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp,
                const struct flow *f, enum xh_err err, const char *oauth_error, const char *msg)
{
	xh_log(XH_LOG_WARN, "web.xero_exchange_failed", "error", msg, NULL);
	if (err == XH_ERR_TRANSIENT)
		return PROBLEM(
		    502, "Xero could not be reached",
		    "xhsync could not finish the sign-in with Xero. Nothing was changed.",
		    "Wait a minute and start again.");
	if (err == XH_ERR_CONFIG)
		return PROBLEM(
		    502, "Xero refused this console's app",
		    "Xero did not accept the app's client id or secret. Nothing was changed.",
		    "Ask your operator to check client_id and client_secret in the [xero] "
		    "section of the configuration.");
	if (oauth_error != NULL && strcmp(oauth_error, "invalid_grant") == 0)
		return PROBLEM(
		    400, "Xero did not accept this sign-in",
		    "Its one-time code was already used, has expired, or does not belong "
		    "to this sign-in. Nothing was changed.",
		    "Start again: each sign-in with Xero can be used once, within a few "
		    "minutes.");
	return PROBLEM(400, "Xero did not accept this sign-in", msg, "Start again.");
}

/* The code exchanged, the organisations listed, then kept or applied. */
static int
finish(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, const struct flow *f,
       const char *code, const char *verifier)
{
	struct web_xero_run r;
	struct xero_token_resp tr;
	struct xero_conn *c = NULL;
	const char *oauth_error = NULL, *grant, *user, *json;
	size_t n = 0;
	enum xh_err err;

	if (web_xero_run(ctx, req, f->link_id, &r) != XH_OK)
		return PROBLEM(503, "Secrets are not readable",
		               "The console cannot read its master key, so it cannot keep a Xero "
		               "sign-in safely. Nothing was changed.",
		               "Ask your operator to check [secrets] key_file.");
	err = xero_exchange_code(&r.ctx, code, f->redirect_uri, verifier, &tr, &oauth_error);
	if (err != XH_OK)
		return exchange_failed(ctx, req, resp, f, err, oauth_error, r.ctx.msg);
	err = xero_list_connections(
	    &r.ctx, tr.access_token,
	    xero_jwt_uuid_claim(req->arena, tr.access_token, "authentication_event_id"), &c, &n);
	if (err != XH_OK)
		return PROBLEM(502, "Xero did not list the organisations", r.ctx.msg,
		               "Start again in a minute.");
	if (n == 0)
		return PROBLEM(
		    400, "No organisation was chosen",
		    "Xero's page was approved without any organisation ticked, so there is "
		    "nothing to connect.",
		    "Start again and tick at least one organisation on Xero's page.");
	if ((grant = new_uuid(req->arena)) == NULL)
		return 500;
	user = xero_jwt_uuid_claim(req->arena, tr.access_token, "xero_userid");
	json = grant_json(req->arena, &tr, f, grant);
	if (f->link_id > 0)
		return reconnect(ctx, req, resp, f, &r, c, n, json, grant, user ? user : "");
	return keep_grant(ctx, req, resp, f, &r, c, n, json, grant);
}

/* The checks on the flow itself, before anything is asked of Xero. */
static int
check_flow(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, struct flow *f)
{
	int found = spend(ctx, req, f);

	if (found < 0)
		return 500;
	if (!found)
		return PROBLEM(
		    400, "This sign-in link is not valid",
		    "It was already used, or it did not come from a sign-in started in this "
		    "console. Nothing was changed.",
		    "Start again from the console.");
	if (!f->live)
		return PROBLEM(
		    400, "The sign-in took too long",
		    "More than 10 minutes passed between starting and coming back from Xero, "
		    "so this sign-in has expired. Nothing was changed.",
		    "Start again and finish on Xero's page within 10 minutes.");
	if (!same_browser(req, f))
		return PROBLEM(403, "This sign-in belongs to another session",
		               "It was started in another browser or by another sign-in to the "
		               "console, so it cannot finish here. Nothing was changed.",
		               "Start again from this browser.");
	if (!f->session_ok)
		return PROBLEM(
		    403, "Your console session ended",
		    "The session that started this sign-in has ended. Nothing was changed.",
		    "Sign in to the console again, then start again.");
	return 0;
}

/* GET /oauth/xero/callback (public; see the top of this file). */
int
web_handle_xero_callback(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct flow fl = {0}, *f = &fl;
	const char *error = web_kv_get(&req->query_params, "error"),
	           *code = web_kv_get(&req->query_params, "code"), *verifier;
	int st;

	web_resp_header(resp, "Referrer-Policy", "no-referrer");
	web_resp_header(resp, "Set-Cookie",
	                xh_printf(req->arena,
	                          "%s=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0",
	                          WEB_XERO_FLOW_COOKIE));
	web_session_find(ctx, req);
	f->state = web_kv_get(&req->query_params, "state");
	f->browser_token = web_kv_get(&req->cookies, WEB_XERO_FLOW_COOKIE);
	if (!token_shaped(f->state))
		return PROBLEM(
		    400, "This page is the end of a Xero sign-in",
		    "It was opened without the details Xero adds when it sends you back, so "
		    "there is nothing to finish.",
		    "Start from the console with Connect Xero.");
	if ((st = check_flow(ctx, req, resp, f)) != 0)
		return st;
	if (error != NULL)
		return xero_said_no(ctx, req, resp, f, error);
	if (code == NULL || code[0] == '\0' || strlen(code) > 2048)
		return PROBLEM(400, "Xero sent no sign-in code",
		               "The answer from Xero lacks the one-time code. Nothing was changed.",
		               "Start again.");
	verifier = web_xero_verifier(req->arena, f->browser_token, f->state);
	if (!web_token_matches(web_xero_hash(req->arena, verifier), f->verifier_hash))
		return PROBLEM(
		    400, "The sign-in's security check is missing",
		    "The proof (PKCE verifier) kept for this sign-in is missing or does not "
		    "match, so its code is not used. Nothing was changed.",
		    "Start again.");
	return finish(ctx, req, resp, f, code, verifier);
}
