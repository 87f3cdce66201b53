/*
 * link_hubspot_oauth.c: GET /oauth/hubspot/callback, where HubSpot sends
 * the browser back after the admin approved or denied the app.
 *
 * The route is public because the session cookie is SameSite=Strict and a
 * browser does not send it on a navigation that started at HubSpot: the
 * handler then answers a page whose "Continue" link (a same-site
 * navigation, which carries the cookie) asks for the same URL again. With
 * a session, the state is spent by hubspot_oauth_finish, which accepts
 * only a state that this very session started, unexpired and unused; the
 * code is exchanged on /oauth/v3/token and the token set stored with its
 * portal. Success redirects away from the URL holding the code, with
 * Referrer-Policy: no-referrer; every refusal is a page saying what to do.
 */
#include <string.h>

#include "hubspot/check.h"
#include "hubspot/oauth.h"
#include "web/handlers/hubs.h"

#define PARAM_MAX 512 /* longest state or code looked at */

/* A plain-words result page; link_id 0 for none. */
static int
result(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, int status,
       long long link_id, const char *headline, const char *message)
{
	json_object *d = json_object_new_object();

	web_json_str(d, "headline", headline);
	web_json_str(d, "message", message);
	if (link_id > 0)
		web_json_str(d, "link_id", xh_printf(req->arena, "%lld", link_id));
	return web_page(ctx, req, resp, status, "hubspot_oauth", "HubSpot sign-in - xhsync", d);
}

/* No session cookie came: once, a page that asks again from our own site. */
static int
no_session(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	json_object *d;

	if (web_kv_get(&req->query_params, "resumed") != NULL)
		return result(ctx, req, resp, 403, 0, "Sign in to finish connecting HubSpot",
		              "Your console session has ended, so the HubSpot sign-in cannot be "
		              "finished. Sign in, open the link's HubSpot page and connect again.");
	d = json_object_new_object();
	web_json_str(d, "resume",
	             xh_printf(req->arena, "/oauth/hubspot/callback?%s&resumed=1", req->query));
	return web_page(ctx, req, resp, 200, "hubspot_oauth", "HubSpot sign-in - xhsync", d);
}

/* A query parameter, or NULL when absent, empty or over PARAM_MAX. */
static const char *
param(struct web_req *req, const char *name)
{
	const char *v = web_kv_get(&req->query_params, name);

	return v != NULL && v[0] != '\0' && strlen(v) <= PARAM_MAX ? v : NULL;
}

/* Spends state after a denial or a HubSpot error; the page says so. */
static int
denied(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, struct job_local *run,
       const char *state, const char *error)
{
	long long link = 0;
	char *portal = NULL;

	if (state != NULL)
		hubspot_oauth_finish(&run->ctx, state, NULL, web_session_hash(req), &link, &portal);
	if (strcmp(error, "access_denied") == 0)
		return result(ctx, req, resp, 200, link, "HubSpot was not connected",
		              "You did not allow xhsync to use HubSpot, so nothing was changed. To "
		              "connect, start again and choose \"Connect app\" at HubSpot.");
	return result(ctx, req, resp, 400, link, "HubSpot did not connect the app",
	              xh_printf(req->arena,
	                        "HubSpot answered with the error \"%.64s\" and nothing was "
	                        "changed. Start again; if it goes on, check the app's settings "
	                        "in HubSpot (redirect URL and scopes).",
	                        error));
}

/* Exchanges the code; 303 to the link's page, or a page saying why not. */
static int
finish(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, struct job_local *run,
       const char *state, const char *code)
{
	long long link = 0;
	char *portal = NULL;
	enum xh_err err;

	err = hubspot_oauth_finish(&run->ctx, state, code, web_session_hash(req), &link, &portal);
	if (err == XH_ERR_NOTFOUND)
		return result(
		    ctx, req, resp, 400, link, "This HubSpot sign-in cannot be used",
		    "It was used already, is older than 10 minutes, or was started in "
		    "another browser session. Nothing was changed. Open the link's HubSpot "
		    "page and connect again.");
	if (err != XH_OK)
		return result(
		    ctx, req, resp, 502, link, "HubSpot did not complete the connection",
		    xh_printf(req->arena, "%s. Nothing was saved; connect again.", run->ctx.msg));
	hubspot_learn_portal_name(&run->ctx, link, NULL); /* a name is nice to have */
	web_resp_header(resp, "Referrer-Policy", "no-referrer");
	web_redirect(resp, xh_printf(req->arena, "/links/%lld/hubspot?m=hubspot_connected", link));
	return 303;
}

/* GET /oauth/hubspot/callback (public; the handler requires the session, see above). */
int
web_handle_oauth_hubspot_callback(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	const char *state = param(req, "state"), *code = param(req, "code"),
	           *error = param(req, "error");
	struct job_local run;
	int st;

	web_resp_header(resp, "Referrer-Policy", "no-referrer");
	if (web_session_find(ctx, req) == NULL)
		return no_session(ctx, req, resp);
	if (error == NULL && (state == NULL || code == NULL))
		return result(ctx, req, resp, 400, 0, "This is not a HubSpot sign-in answer",
		              "The address lacks the code and state HubSpot adds. Open the link's "
		              "HubSpot page and connect again.");
	if ((st = web_run_open(ctx, resp, 0, &run)) != 0)
		return st;
	st = error != NULL ? denied(ctx, req, resp, &run, state, error)
	                   : finish(ctx, req, resp, &run, state, code);
	job_local_close(&run);
	return st;
}
