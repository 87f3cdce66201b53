/*
 * link_test.c: GET+POST /links/{id}/test: tests both ends of a link and
 * says in plain words what works and what to do. The GET page has the
 * button; the POST runs the tests while the page waits (a few calls each:
 * xero_check, hubspot_check, through the shared rate limits) and shows
 * the verdicts. Nothing is cached: every test asks the vendors again.
 */
#include <string.h>

#include "hubspot/check.h"
#include "xero/check.h"
#include "web/handlers/hubs.h"

/* The page's words for each Xero verdict: the badge and its style. */
static const struct verdict {
	const char *badge;
	const char *style; /* ok, warn or bad */
} xero_verdicts[XC__MAX] = {
    [XC_WORKS] = {"Works", "ok"},
    [XC_SCOPES] = {"Missing permissions", "warn"},
    [XC_EXPIRED] = {"Expired", "bad"},
    [XC_REVOKED] = {"Revoked", "bad"},
    [XC_DISCONNECTED] = {"Organisation disconnected", "bad"},
    [XC_NOT_CONNECTED] = {"Not connected", "warn"},
    [XC_ERROR] = {"Could not test", "bad"},
};

/* One side's result for the template. */
static json_object *
side(const char *badge, const char *style, const char *summary, const char *problem)
{
	json_object *o = json_object_new_object();

	web_json_str(o, "badge", badge);
	web_json_str(o, "style", style);
	web_json_str(o, "summary", summary);
	web_json_str(o, "problem", problem);
	return o;
}

/* Adds [{scope, why}] under "missing" when n > 0. */
static void
add_missing(json_object *o, const char *const *scopes, const char *const *whys, int n)
{
	json_object *arr, *m;

	if (n <= 0)
		return;
	arr = json_object_new_array();
	for (int i = 0; i < n; i++) {
		m = json_object_new_object();
		web_json_str(m, "scope", scopes[i]);
		web_json_str(m, "why", whys[i]);
		json_object_array_add(arr, m);
	}
	json_object_object_add(o, "missing", arr);
	json_object_object_add(o, "has_missing", json_object_new_boolean(1));
}

/* The Xero side in words. */
static json_object *
xero_side(struct xh_arena *a, const struct web_link *l, const struct xero_check *c)
{
	const struct verdict *v = &xero_verdicts[c->state];
	const char *org = c->org_name != NULL ? c->org_name : l->tenant_name;
	const char *scopes[8], *whys[8];
	json_object *o;
	char *summary = NULL;

	if (c->state == XC_WORKS || c->state == XC_SCOPES)
		summary = org != NULL
		              ? xh_printf(a, "Signed in to the Xero organisation \"%s\".", org)
		              : xh_printf(a, "Signed in to Xero (the organisation's name is "
		                             "not available to this sign-in).");
	o = side(v->badge, v->style, summary, c->problem);
	for (int i = 0; i < c->nmissing && i < 8; i++) {
		scopes[i] = c->missing[i]->scope;
		whys[i] = c->missing[i]->why;
	}
	add_missing(o, scopes, whys, c->nmissing < 8 ? c->nmissing : 8);
	return o;
}

/* The HubSpot side in words. */
static json_object *
hubspot_side(struct xh_arena *a, const struct web_link *l, const struct hubspot_check *c)
{
	const char *scopes[16], *whys[16], *badge, *style, *problem = c->problem;
	int n = c->nmissing < 16 ? c->nmissing : 16;
	char *summary = NULL;
	json_object *o;

	if (!c->have_token && !l->has_hubspot) {
		badge = "Not connected", style = "warn";
		problem = "This link has no HubSpot token yet. Connect HubSpot first.";
	} else if (!c->have_token || c->token_ok == 0) {
		badge = "Revoked", style = "bad";
		if (strstr(c->problem != NULL ? c->problem : "", "expired") != NULL)
			badge = "Revoked or expired";
	} else if (c->token_ok != 1 || c->problem != NULL) {
		badge = "Could not test", style = "bad";
	} else if (n > 0) {
		badge = "Missing scopes", style = "warn";
		problem = "The app lacks scopes the sync needs. Add them to the app in HubSpot (a "
		          "private app keeps its token when its scopes change), then test again.";
	} else {
		badge = "Works", style = "ok";
	}
	if (c->token_ok == 1 && c->portal_id != NULL)
		summary = xh_printf(a, "HubSpot accepts the token for portal %s%s%s%s%s.",
		                    c->portal_id, l->portal_name != NULL ? " (" : "",
		                    l->portal_name != NULL ? l->portal_name : "",
		                    l->portal_name != NULL ? ")" : "",
		                    c->tier != NULL ? xh_printf(a, ", a %s account", c->tier) : "");
	o = side(badge, style, summary, problem);
	for (int i = 0; i < n; i++) {
		scopes[i] = web_scope_alts(a, c->missing[i]->alt);
		whys[i] = c->missing[i]->why;
	}
	add_missing(o, scopes, whys, n);
	if (c->have_token && !hubspot_kind_info(c->kind)->webhooks)
		web_json_str(
		    o, "warning",
		    "This is a service key: HubSpot sends no webhooks for it, so edits made "
		    "in HubSpot wait for the scheduled poll.");
	web_json_str(o, "note", c->note);
	return o;
}

/* Renders the test page; results may be NULL (not run yet). */
static int
test_render(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, int status,
            const struct web_link *l, json_object *xero, json_object *hubspot)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "link", web_link_json(l));
	if (xero != NULL) {
		json_object_object_add(d, "ran", json_object_new_boolean(1));
		json_object_object_add(d, "xero", xero);
		json_object_object_add(d, "hubspot", hubspot);
	}
	return web_page(ctx, req, resp, status, "link_test", "Test connections - xhsync", d);
}

/* GET /links/{id}/test (session): the page with the button; 404 for no such link. */
int
web_handle_link_test(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct web_link l;
	int st;

	if ((st = web_link_load(ctx, req, resp, &l)) != 0)
		return st;
	return test_render(ctx, req, resp, 200, &l, NULL, NULL);
}

/* POST /links/{id}/test (session+csrf): 200 with both verdicts; 404; 500 on a database failure. */
int
web_handle_link_test_run(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct hubspot_check hc;
	struct xero_check xc;
	struct job_local run;
	struct web_link l;
	json_object *xs, *hs;
	int st;

	if ((st = web_link_load(ctx, req, resp, &l)) != 0)
		return st;
	if ((st = web_run_open(ctx, resp, l.id, &run)) != 0)
		return st;
	if (xero_check(&run.ctx, l.id, &xc) != XH_OK ||
	    hubspot_check(&run.ctx, l.id, &hc) != XH_OK) {
		resp->reason = "the connection test failed on the database";
		job_local_close(&run);
		return 500;
	}
	web_link_load(ctx, req, resp, &l); /* the check may have learned the portal */
	xs = xero_side(req->arena, &l, &xc);
	hs = hubspot_side(req->arena, &l, &hc);
	job_local_close(&run);
	return test_render(ctx, req, resp, 200, &l, xs, hs);
}
