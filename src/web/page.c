/*
 * page.c: HTML pages from templates/ inside the one base layout.
 *
 * The supervisor loads the templates at start (a broken or missing one
 * stops it with the file and line) and again on SIGHUP (a broken set is
 * logged and the old one kept); children inherit the set when forked.
 * Every page gets the layout's data: title, version, the signed-in user,
 * the session's CSRF token for its forms, and a flash message chosen by
 * the ?m= code of a redirect from a fixed table (never text from the URL).
 */
#include <string.h>

#include <json-c/json.h>

#include "config.h" /* autoconf: PACKAGE_VERSION */
#include "template.h"
#include "web.h"

struct web_tpl_set *web_templates = NULL;

/* Pages the handlers render: the set must hold each of them. */
static const char *const required_pages[] = {
    "base", "login", "dashboard", "users", "error", NULL,
};

/* Flash messages a redirect may ask for with ?m=CODE. */
static const struct flash {
	const char *code;
	const char *kind; /* "ok" or "bad": the style */
	const char *text;
} flashes[] = {
    {"signed_out", "ok", "You are signed out."},
    {"expired", "bad", "Your session ended. Sign in again to go on."},
    {"user_added", "ok", "The admin was added. Give them the password shown below."},
    {"user_disabled", "ok", "The admin was disabled and signed out everywhere."},
    {"password_changed", "ok", "Your password was changed. Other sessions were signed out."},
    {"hubspot_connected", "ok", "HubSpot is connected. Test both connections to be sure."},
};

enum xh_err
web_templates_load(const char *dir, struct web_tpl_set **out, char *errbuf, size_t errlen)
{
	struct web_tpl_set *s = web_tpl_set_new();
	enum xh_err err = web_tpl_set_load_dir(s, dir, required_pages, errbuf, errlen);

	if (err != XH_OK) {
		web_tpl_set_free(s);
		s = NULL;
	}
	*out = s;
	return err;
}

/* Adds the flash message named by ?m= to data, if it names one. */
static void
add_flash(struct json_object *data, const struct web_req *req)
{
	const char *m = web_kv_get(&req->query_params, "m");
	size_t i;

	for (i = 0; m != NULL && i < XH_NELEM(flashes); i++) {
		if (strcmp(m, flashes[i].code) == 0) {
			json_object_object_add(data, "flash",
			                       json_object_new_string(flashes[i].text));
			json_object_object_add(data, "flash_kind",
			                       json_object_new_string(flashes[i].kind));
		}
	}
}

/* The layout's data: title, version, user, CSRF token, flash, nav_<tpl>. */
static void
add_layout(struct json_object *data, const struct web_req *req, const char *tpl, const char *title)
{
	struct json_object *user;
	char nav[64];

	json_object_object_add(data, "title", json_object_new_string(title));
	json_object_object_add(data, "version", json_object_new_string(PACKAGE_VERSION));
	if (req->session != NULL) {
		user = json_object_new_object();
		json_object_object_add(user, "email", json_object_new_string(req->session->email));
		json_object_object_add(data, "user", user);
		json_object_object_add(data, "csrf", json_object_new_string(req->session->csrf));
	}
	snprintf(nav, sizeof(nav), "nav_%s", tpl);
	json_object_object_add(data, nav, json_object_new_boolean(1));
	add_flash(data, req);
}

/* Renders tpl then the base layout around it into resp's body. XH_OK or the render error. */
static enum xh_err
render_page(struct web_resp *resp, const char *tpl, struct json_object *data)
{
	const struct web_tpl *page = web_tpl_set_get(web_templates, tpl);
	const struct web_tpl *base = web_tpl_set_get(web_templates, "base");
	struct xh_buf body;
	enum xh_err err = XH_ERR_NOTFOUND;

	xh_buf_init(&body);
	if (page != NULL && base != NULL &&
	    (err = web_tpl_render(page, web_templates, data, &body)) == XH_OK) {
		json_object_object_add(
		    data, "body",
		    json_object_new_string_len(body.data ? body.data : "", (int)body.len));
		xh_buf_reset(&resp->body);
		err = web_tpl_render(base, web_templates, data, &resp->body);
	}
	xh_buf_free(&body);
	if (err == XH_OK)
		web_resp_header(resp, "Content-Type", "text/html; charset=utf-8");
	return err;
}

/*
 * Renders page tpl with data (taken; NULL for none) in the layout and
 * returns status, or 500 when the page cannot be rendered.
 */
int
web_page(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, int status,
         const char *tpl, const char *title, struct json_object *data)
{
	enum xh_err err;

	(void)ctx;
	if (data == NULL)
		data = json_object_new_object();
	add_layout(data, req, tpl, title);
	err = render_page(resp, tpl, data);
	json_object_put(data);
	if (err != XH_OK) {
		xh_buf_reset(&resp->body);
		resp->reason = "page template failed to render";
		return 500;
	}
	return status;
}

/*
 * The error page from templates: what happened (message), what to do
 * (advice) and the request id. Returns 1 if rendered, 0 if templates are
 * not loaded or fail (the caller then writes its plain page).
 */
int
web_page_error(struct web_resp *resp, const struct web_req *req, int status, const char *title,
               const char *message, const char *advice)
{
	struct json_object *data;
	enum xh_err err;

	if (web_templates == NULL)
		return 0;
	data = json_object_new_object();
	json_object_object_add(data, "status", json_object_new_int(status));
	json_object_object_add(data, "message", json_object_new_string(message));
	json_object_object_add(data, "advice", json_object_new_string(advice));
	json_object_object_add(data, "request_id", json_object_new_string(req->id));
	add_layout(data, req, "error", title);
	err = render_page(resp, "error", data);
	json_object_put(data);
	return err == XH_OK;
}
