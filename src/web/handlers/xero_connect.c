/*
 * xero_connect.c: connecting Xero from the console (XERO.md section 1).
 *
 * POST /connect/xero and POST /links/{id}/xero/reconnect start an
 * authorization: a one-time state and a PKCE S256 verifier, bound to the
 * admin's session and to this browser, then 303 to Xero's authorize URL.
 * The session cookie is SameSite=Strict, so a browser does not send it
 * when Xero redirects back; the start therefore also sets a short-lived
 * SameSite=Lax cookie (WEB_XERO_FLOW_COOKIE) with a random token. The
 * database keeps only hashes: of the state, of that token, and of the
 * verifier, which is HMAC(token, state) and so exists only while the
 * browser holds the cookie.
 *
 * GET /oauth/xero/callback (xero_callback.c) finishes it.
 */
#include <string.h>

#include <json-c/json.h>
#include <libpq-fe.h>

#include "crypto.h"
#include "lib/config.h"
#include "log.h"
#include "web/handlers/xero_web.h"

enum xs_sql {
	XS_START,     /* XS_START */
	XS_RECONNECT, /* XS_RECONNECT */
	XS__MAX
};

/* clang-format off */
static const struct xh_sql xs_sql[XS__MAX] = {
    /* XS_START: old flows of the session go; the new one lives WEB_XERO_FLOW_S */
    {"web_xero_start",
     "WITH old AS (DELETE FROM oauth_flow WHERE expires_at < now()"
     "  OR (provider = 'xero' AND session_hash = decode($3, 'hex')))"
     " INSERT INTO oauth_flow (state, provider, code_verifier, session_hash, link_id,"
     " redirect_uri, expires_at, browser_hash, scope) VALUES ($1, 'xero', $2, decode($3, 'hex'),"
     " nullif($4::bigint, 0), $5, now() + make_interval(secs => $6::int), decode($7, 'hex'), $8)",
     8},
    /* XS_RECONNECT: the link to reconnect must know its organisation */
    {"web_xero_reconnect_link",
     XH_SQL_IDEMPOTENT "SELECT xero_tenant_id IS NOT NULL FROM link WHERE id = $1::bigint", 1},
};
/* clang-format on */

/* The callback URL Xero sends the browser back to. */
const char *
web_xero_redirect_uri(const struct web_ctx *ctx, struct xh_arena *a)
{
	const char *base = ctx->cfg->web.public_url;
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	return xh_printf(a, "%.*s/oauth/xero/callback", (int)n, base);
}

/* The verifier of a flow: HMAC(browser token, "xero-pkce:" state), 43 characters. */
const char *
web_xero_verifier(struct xh_arena *a, const char *browser_token, const char *state)
{
	return web_token_mac(a, browser_token, xh_printf(a, "xero-pkce:%s", state));
}

/* The permission set the form chose: granular (default) or legacy. */
static const char *
chosen_scope(const struct web_req *req)
{
	const char *s = web_kv_get(&req->form, "scopes");

	return s != NULL && strcmp(s, "legacy") == 0 ? XERO_SCOPE_LEGACY : XERO_SCOPE_GRANULAR;
}

/* Stores a new flow for link_id (0: connect) and sends the browser to Xero. */
static int
start(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, long long link_id)
{
	const struct xh_config *cfg = ctx->cfg;
	const char *state = xh_random_token(req->arena, 32), *tok = xh_random_token(req->arena, 32);
	const char *uri = web_xero_redirect_uri(ctx, req->arena), *verifier,
	           *scope = chosen_scope(req);
	char link[24], ttl[16];

	if (cfg->xero.client_id == NULL || cfg->xero.client_id[0] == '\0' ||
	    cfg->xero.client_secret == NULL || cfg->xero.client_secret[0] == '\0')
		return web_xero_problem(
		    ctx, req, resp, 503, link_id, "Xero is not set up",
		    "This console has no Xero app configured, so it cannot ask Xero "
		    "for access.",
		    "Ask your operator to set client_id and client_secret in the "
		    "[xero] section of the configuration.");
	if (state == NULL || tok == NULL)
		return 500;
	verifier = web_xero_verifier(req->arena, tok, state);
	snprintf(link, sizeof(link), "%lld", link_id);
	snprintf(ttl, sizeof(ttl), "%d", WEB_XERO_FLOW_S);
	if (xh_db_execv(ctx->db, &xs_sql[XS_START], NULL, web_xero_hash(req->arena, state),
	                web_xero_hash(req->arena, verifier),
	                web_xero_hash(req->arena, req->session->token), link, uri, ttl,
	                web_xero_hash(req->arena, tok), scope) != XH_OK) {
		resp->reason = "cannot store the authorization";
		return 500;
	}
	web_resp_header(resp, "Set-Cookie",
	                xh_printf(req->arena,
	                          "%s=%s; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=%d",
	                          WEB_XERO_FLOW_COOKIE, tok, WEB_XERO_FLOW_S));
	web_redirect(resp, xero_authorize_url(req->arena, cfg->xero.login_url, cfg->xero.client_id,
	                                      uri, scope, state, verifier));
	xh_log(XH_LOG_INFO, "web.xero_connect_start", "link", link, NULL);
	return 303;
}

/* POST /connect/xero (session+CSRF): 303 to Xero's consent page. */
int
web_handle_xero_connect(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	return start(ctx, req, resp, 0);
}

/*
 * POST /links/{id}/xero/reconnect (session+CSRF): the same, for a link
 * whose organisation is known; its token set is replaced at the callback.
 * 404 for no such link; a page saying why for a link without one.
 */
int
web_handle_xero_reconnect(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	long long id = web_xero_link_id(req);
	char link[24];
	PGresult *res = NULL;
	int known;

	if (id == 0)
		return 404;
	snprintf(link, sizeof(link), "%lld", id);
	if (xh_db_execv(ctx->db, &xs_sql[XS_RECONNECT], &res, link) != XH_OK) {
		PQclear(res);
		return 500;
	}
	known = PQntuples(res) == 1 ? PQgetvalue(res, 0, 0)[0] == 't' : -1;
	PQclear(res);
	if (known < 0)
		return 404;
	if (!known)
		return web_xero_problem(
		    ctx, req, resp, 409, 0, "Nothing to reconnect",
		    "This link has never been connected to a Xero organisation.",
		    "Use Connect Xero to choose its organisation.");
	return start(ctx, req, resp, id);
}
