/*
 * xero_web.h: what the console's Xero pages share (xero_connect.c,
 * xero_choose.c, xero_disconnect.c): the process's keyring and HTTP
 * client, a job context for the Xero code in src/xero/, the page a flow
 * ends on when something is wrong, and storing a token set on a link.
 */
#ifndef XH_WEB_XERO_WEB_H
#define XH_WEB_XERO_WEB_H

#include "job.h"
#include "web/web.h"
#include "xero/connect.h"

#define WEB_XERO_FLOW_COOKIE "__Host-xflow"
#define WEB_XERO_FLOW_S      600 /* an authorization must come back within 10 minutes */
#define WEB_XERO_GRANT_S     900 /* the organisations must be chosen within 15 minutes */

/* A job context for one request (arena, database, HTTP client, keyring). */
struct web_xero_run {
	struct job job;
	struct job_ctx ctx;
};

/*
 * Fills r for link_id (0 for none). XH_ERR_CONFIG when the key file
 * cannot be read (the keyring and client are loaded once per process).
 */
enum xh_err web_xero_run(struct web_ctx *ctx, struct web_req *req, long long link_id,
                         struct web_xero_run *r);
/* {web.public_url}/oauth/xero/callback, in a. */
const char *web_xero_redirect_uri(const struct web_ctx *ctx, struct xh_arena *a);
/* A flow's PKCE verifier: HMAC(browser token, "xero-pkce:" state), 43 characters. */
const char *web_xero_verifier(struct xh_arena *a, const char *browser_token, const char *state);
/* Hex SHA-256 of s, in a. */
const char *web_xero_hash(struct xh_arena *a, const char *s);
/* The link id of the {id} capture, or 0 when it is not a positive integer. */
long long web_xero_link_id(const struct web_req *req);
/*
 * Renders the page for a connect flow that cannot go on: title, what
 * happened, what to do, and a button to start again (to the reconnect
 * of link_id when it is not 0). Returns status.
 */
int web_xero_problem(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, int status,
                     long long link_id, const char *title, const char *message, const char *advice);

/* One organisation to attach a token set to. */
struct web_xero_org {
	const struct xero_conn *conn;
	long long link_id; /* the link to update; 0: the one for this tenant, or a new one */
};
/*
 * Stores the token set grant_json (from the grant: access and refresh
 * token, expiry, scope) on the link for org, creating the link (named
 * after the organisation) if the tenant has none, and sets the link's
 * connection id, organisation name, grant and Xero user; a link that
 * needed reconnecting becomes active. Call inside a transaction. *link_id
 * is the link. XH_ERR_DB or XH_ERR_INVAL on failure.
 */
enum xh_err web_xero_attach(struct job_ctx *ctx, const struct web_xero_org *org,
                            const char *grant_json, const char *grant_id, const char *user_id,
                            long long *link_id);

#endif
