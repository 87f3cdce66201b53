/*
 * link_hubspot.c: connecting a link to HubSpot from the console.
 *
 * GET /links/{id}/hubspot shows the connection (portal, kind, whether the
 * app's client secret is stored) and three forms. POST .../token checks a
 * static token with HubSpot (hubspot_check_token: introspection and a
 * one-record read, nothing written) and only then stores it sealed with
 * the portal it reaches. POST .../secret stores the app's client secret,
 * write-only. POST .../oauth starts an OAuth flow bound to the session
 * (hubspot_oauth_start) and sends the browser to HubSpot; GET
 * /oauth/hubspot/callback finishes it (link_hubspot_oauth.c). A secret
 * typed into a form is never put back into a page.
 */
#include <string.h>

#include "cred.h"
#include "json.h"
#include "hubspot/auth.h"
#include "hubspot/check.h"
#include "hubspot/oauth.h"
#include "lib/config.h"
#include "web/handlers/hubs.h"

/* What the page shows besides the link: a form's outcome or a notice. */
struct hs_page {
	const char *notice;
	const char *form;  /* "token", "secret" or "oauth": the form the error is for */
	const char *field; /* the field named by the error */
	const char *error;
	const char *kind;                  /* the kind chosen in the token form */
	const char *portal;                /* the portal typed in the token form */
	const char *client_id;             /* the client id typed in the secret form */
	const struct hubspot_check *check; /* after a token was saved */
};

/* The stored credential's kind, or -1 (none, or it cannot be opened). */
static int
stored_kind(struct web_ctx *ctx, struct web_req *req, const struct web_link *l)
{
	const struct xh_keyring *kr = web_keyring(ctx);
	struct xh_cred c;
	json_object *o;
	int k = -1;

	if (!l->has_hubspot || kr == NULL ||
	    xh_cred_load(ctx->db, kr, req->arena, l->id, "hubspot", XH_CRED_OAUTH, &c) != XH_OK)
		return -1;
	if ((o = json_tokener_parse(c.json)) != NULL)
		k = hubspot_kind_parse(xh_json_str(o, "kind"));
	json_object_put(o);
	if (k < 0)
		k = c.refresh_token != NULL ? HK_OAUTH : HK_PROJECT;
	return k;
}

/* 1 if the server can run OAuth with HubSpot. */
static int
oauth_ready(const struct xh_config *cfg)
{
	return cfg->hubspot.client_id != NULL && cfg->hubspot.client_id[0] != '\0' &&
	       cfg->hubspot.client_secret != NULL && cfg->hubspot.client_secret[0] != '\0' &&
	       cfg->hubspot.app_url != NULL && cfg->hubspot.app_url[0] != '\0';
}

/* The missing scopes of a check as [{scope, why}]. */
static json_object *
missing_json(struct xh_arena *a, const struct hubspot_check *c)
{
	json_object *arr = json_object_new_array(), *m;

	for (int i = 0; i < c->nmissing; i++) {
		m = json_object_new_object();
		web_json_str(m, "scope", web_scope_alts(a, c->missing[i]->alt));
		web_json_str(m, "why", c->missing[i]->why);
		json_object_array_add(arr, m);
	}
	return arr;
}

/* Renders the page for link l with p's outcome; returns status (or 500). */
static int
hs_render(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, int status,
          const struct web_link *l, const struct hs_page *p)
{
	json_object *d = json_object_new_object(), *link = web_link_json(l);
	int kind = stored_kind(ctx, req, l);
	char key[64];

	if (kind >= 0) {
		web_json_str(link, "kind_label", hubspot_kind_info(kind)->label);
		json_object_object_add(d, "is_service",
		                       json_object_new_boolean(!hubspot_kind_info(kind)->webhooks));
	}
	json_object_object_add(d, "link", link);
	json_object_object_add(d, "oauth_ready", json_object_new_boolean(oauth_ready(ctx->cfg)));
	json_object_object_add(d, "server_secret",
	                       json_object_new_boolean(ctx->cfg->hubspot.client_secret != NULL &&
	                                               ctx->cfg->hubspot.client_secret[0] != '\0'));
	web_json_str(d, "notice", p->notice);
	if (p->form != NULL && p->error != NULL) {
		snprintf(key, sizeof(key), "%s_error", p->form);
		web_json_str(d, key, p->error);
	}
	if (p->field != NULL) {
		snprintf(key, sizeof(key), "invalid_%s", p->field);
		json_object_object_add(d, key, json_object_new_boolean(1));
	}
	snprintf(key, sizeof(key), "kind_%s", p->kind != NULL ? p->kind : "project");
	json_object_object_add(d, key, json_object_new_boolean(1));
	web_json_str(d, "portal", p->portal);
	web_json_str(d, "client_id", p->client_id);
	if (p->check != NULL && p->check->nmissing > 0) {
		json_object_object_add(d, "scopes_missing", json_object_new_boolean(1));
		json_object_object_add(d, "missing", missing_json(req->arena, p->check));
	}
	return web_page(ctx, req, resp, status, "link_hubspot", "HubSpot - xhsync", d);
}

/* GET /links/{id}/hubspot (session): 200, 404 for no such link. */
int
web_handle_link_hubspot(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct web_link l;
	struct hs_page p = {0};
	int st;

	if ((st = web_link_load(ctx, req, resp, &l)) != 0)
		return st;
	return hs_render(ctx, req, resp, 200, &l, &p);
}

/* A form value cut to max bytes for showing back (never a secret), or NULL. */
static const char *
kept(struct web_req *req, const char *name, size_t max)
{
	const char *v = web_kv_get(&req->form, name);

	return v != NULL && strlen(v) > max ? xh_strndup(req->arena, v, max) : v;
}

/* 1 if s is a hub id: 1 to 18 digits, not starting with 0. */
static int
portal_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 18 && strspn(s, "0123456789") == n && s[0] != '0';
}

/* Checks the token form's fields; NULL if fine, else the message (p->field set). */
static const char *
token_form_problem(struct web_req *req, struct hs_page *p, int *kind)
{
	const char *token = web_kv_get(&req->form, "token"), *why;

	*kind = p->kind != NULL ? hubspot_kind_parse(p->kind) : -1;
	p->field = "kind";
	if (*kind < 0 || !hubspot_kind_info(*kind)->is_static)
		return "Kind of token: choose one of the three kinds.";
	p->field = "token";
	if (token == NULL || token[0] == '\0')
		return "Access token: paste the token from HubSpot.";
	if ((why = hubspot_token_problem(*kind, token)) != NULL)
		return xh_printf(req->arena, "Access token: %s.", why);
	p->field = "portal";
	if (p->portal != NULL && p->portal[0] != '\0' && !portal_ok(p->portal))
		return "Portal: a hub id is a number such as 12345678; leave it empty if unsure.";
	p->field = NULL;
	return NULL;
}

/* The message s ends with a full stop, as a sentence followed by another. */
static const char *
sentence(struct xh_arena *a, const char *s)
{
	size_t n = strlen(s);

	return n > 0 && s[n - 1] == '.' ? s : xh_printf(a, "%s.", s);
}

/* Why HubSpot's check of a new token failed, for the form; NULL if it works. */
static const char *
check_problem(struct web_req *req, const struct hubspot_check *c, struct hs_page *p)
{
	p->field = "token";
	if (c->token_ok == 0 || (c->problem != NULL && c->portal_id != NULL))
		return xh_printf(
		    req->arena, "Access token: %s Nothing was saved.",
		    sentence(req->arena, c->problem != NULL ? c->problem : "HubSpot refused it"));
	if (c->portal_id == NULL) {
		p->field = "portal";
		return "Portal: HubSpot did not say which portal this token belongs to. Enter the "
		       "portal's hub id (in HubSpot's account menu), or store the app's client "
		       "secret below first.";
	}
	if (c->token_ok != 1)
		return "Access token: HubSpot did not confirm the token. Nothing was saved.";
	p->field = NULL;
	return NULL;
}

/* Stores the checked token; NULL when stored, else the message for the form. */
static const char *
store_token(struct web_ctx *ctx, struct web_req *req, const struct web_link *l, int kind,
            const struct hubspot_check *c, int *status)
{
	char *bound = NULL, *json;
	enum xh_err err;

	json =
	    hubspot_static_payload(req->arena, kind, web_kv_get(&req->form, "token"), c->portal_id);
	err = hubspot_store_credential(ctx->db, web_keyring(ctx), req->arena, l->id, json,
	                               c->portal_id, &bound);
	if (err == XH_ERR_INVAL && bound != NULL)
		return xh_printf(
		    req->arena,
		    "Access token: this token belongs to portal %s, but the link is for "
		    "portal %s. Use a token of portal %s, or make a new link.",
		    c->portal_id, bound, bound);
	if (err == XH_ERR_NOTFOUND)
		*status = 404;
	else if (err != XH_OK)
		*status = 500;
	return err == XH_OK ? NULL : "";
}

/* POST /links/{id}/hubspot/token (session+csrf): 200 saved, 422 naming the field, 404. */
int
web_handle_link_hubspot_token(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct hs_page p = {.form = "token"};
	struct hubspot_check c;
	struct job_local run;
	struct web_link l;
	enum xh_err err;
	int st, kind, status = 0;

	if ((st = web_link_load(ctx, req, resp, &l)) != 0)
		return st;
	p.kind = kept(req, "kind", 16);
	p.portal = kept(req, "portal", 32);
	if ((p.error = token_form_problem(req, &p, &kind)) != NULL)
		return hs_render(ctx, req, resp, 422, &l, &p);
	if ((st = web_run_open(ctx, resp, l.id, &run)) != 0)
		return st;
	err = hubspot_check_token(&run.ctx, l.id, kind, web_kv_get(&req->form, "token"),
	                          p.portal != NULL && p.portal[0] != '\0' ? p.portal : NULL, &c);
	if (err == XH_OK && (p.error = check_problem(req, &c, &p)) == NULL &&
	    (p.error = store_token(ctx, req, &l, kind, &c, &status)) == NULL) {
		err = hubspot_keep_portal_name(&run.ctx, l.id, c.portal_id, c.portal_name);
		p.notice = xh_printf(
		    req->arena,
		    "HubSpot accepted the token: the link is connected to portal %s%s%s%s.",
		    c.portal_id, c.portal_name != NULL ? " (" : "",
		    c.portal_name != NULL ? c.portal_name : "", c.portal_name != NULL ? ")" : "");
		p.check = &c;
		p.form = NULL;
		web_link_load(ctx, req, resp, &l);
	}
	if (err != XH_OK) {
		status = 500;
		resp->reason = "the token check failed on the database";
	}
	st = status != 0 ? status : hs_render(ctx, req, resp, p.error != NULL ? 422 : 200, &l, &p);
	job_local_close(&run);
	return st;
}

/* POST /links/{id}/hubspot/secret (session+csrf): 200 saved, 422 naming the field, 404. */
int
web_handle_link_hubspot_secret(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct hs_page p = {.form = "secret", .field = "client_secret"};
	const struct xh_keyring *kr = web_keyring(ctx);
	struct web_link l;
	enum xh_err err;
	const char *why;
	int st;

	if ((st = web_link_load(ctx, req, resp, &l)) != 0)
		return st;
	if (kr == NULL) {
		resp->reason = "the key file cannot be read";
		return 500;
	}
	p.client_id = kept(req, "client_id", 256);
	why =
	    hubspot_store_client_secret(ctx->db, kr, l.id, web_kv_get(&req->form, "client_secret"),
	                                web_kv_get(&req->form, "client_id"), &err);
	if (why != NULL && err != XH_ERR_INVAL) {
		resp->reason = "cannot store the client secret";
		return 500;
	}
	if (why != NULL) {
		if (strstr(why, "client id") != NULL)
			p.field = "client_id";
		p.error = xh_printf(
		    req->arena, "%s: %s. Nothing was saved.",
		    strcmp(p.field, "client_id") == 0 ? "Client id" : "Client secret", why);
		return hs_render(ctx, req, resp, 422, &l, &p);
	}
	web_link_load(ctx, req, resp, &l);
	p = (struct hs_page){.notice =
	                         "The app's client secret was saved. It is never shown again."};
	return hs_render(ctx, req, resp, 200, &l, &p);
}

/* The callback URL HubSpot sends the browser back to. */
const char *
web_hubspot_redirect_uri(struct web_ctx *ctx, struct xh_arena *a)
{
	const char *base = ctx->cfg->web.public_url;
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	return xh_printf(a, "%.*s/oauth/hubspot/callback", (int)n, base);
}

/* POST /links/{id}/hubspot/oauth (session+csrf): 303 to HubSpot; 422 when not configured. */
int
web_handle_link_hubspot_oauth(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct hs_page p = {.form = "oauth"};
	struct job_local run;
	struct web_link l;
	char *url = NULL;
	int st;

	if ((st = web_link_load(ctx, req, resp, &l)) != 0)
		return st;
	if (!oauth_ready(ctx->cfg)) {
		p.error = "HubSpot sign-in is not set up on this server: ask the operator to set "
		          "[hubspot] client_id, client_secret and app_url, or use a token.";
		return hs_render(ctx, req, resp, 422, &l, &p);
	}
	if ((st = web_run_open(ctx, resp, l.id, &run)) != 0)
		return st;
	if (hubspot_oauth_start(&run.ctx, l.id, web_hubspot_redirect_uri(ctx, req->arena),
	                        web_session_hash(req), &url) != XH_OK) {
		resp->reason = "cannot start the HubSpot authorization";
		st = 500;
	} else {
		web_redirect(resp, xh_strdup(req->arena, url));
		st = 303;
	}
	job_local_close(&run);
	return st;
}
