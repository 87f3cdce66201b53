/*
 * link.c: one link in the console: GET /links/{id} (its card in full, its
 * buttons and the way to its other pages), GET /links/{id}/progress.json
 * (what static/progress.js refreshes every 2 s), and the lifecycle POSTs
 * /links/{id}/pause, /resume, /sync and /backfill, which do what `xhsync
 * link pause|resume|backfill` and `xhsync sync` do (src/sync/link_ops.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "sync/link_ops.h"
#include "web/handlers/link_card.h"

/* The link's other pages (their owners build them), in the order shown. */
static const struct {
	const char *path, *label, *hint;
} link_pages[] = {
    {"hubspot", "Connect HubSpot", "a token or sign-in, and the webhook secret"},
    {"test", "Test the connections", "both sides, in plain words"},
    {"bootstrap", "HubSpot properties", "set up the fields xhsync writes"},
    {"settings", "Settings", "objects, filters, schedule and policies"},
    {"mappings", "Field mappings", "which Xero field goes where in HubSpot"},
    {"health", "Sync health", "failing records and jobs, retry"},
    {"/audit?link=", "Audit trail", "every write with before and after, replay, CSV"},
    {"disconnect", "Disconnect", "stop syncing and remove the sign-ins"},
};

/* The {id} capture as a link id; 0 if it is not one. */
static long long
link_id(const struct web_req *req)
{
	const char *s = web_kv_get(&req->captures, "id");
	char *end = NULL;
	long long id;

	if (s == NULL || *s < '0' || *s > '9')
		return 0;
	errno = 0;
	id = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0' && id > 0 ? id : 0;
}

/* The card of link id (a new reference); *status 404 or 500 when there is none. */
static struct json_object *
one_card(struct web_ctx *ctx, long long id, int with_chart, int *status)
{
	struct json_object *cards = web_link_cards(ctx, id, with_chart), *c = NULL;

	*status = cards == NULL ? 500 : 404;
	if (cards != NULL && json_object_array_length(cards) == 1) {
		c = json_object_get(json_object_array_get_idx(cards, 0));
		*status = 200;
	}
	json_object_put(cards);
	return c;
}

/* Renders the link page with an optional error sentence; returns the status. */
static int
link_page(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, int status, long long id,
          const char *error)
{
	struct json_object *d, *pages, *p, *c;
	int alive = 1, st;
	char href[96];

	if ((c = one_card(ctx, id, 1, &st)) == NULL) {
		resp->reason = st == 404 ? "no such link" : "cannot read the link";
		return st;
	}
	d = json_object_new_object();
	pages = json_object_new_array();
	for (size_t i = 0; i < XH_NELEM(link_pages); i++) {
		p = json_object_new_object();
		if (link_pages[i].path[0] == '/') /* a page of its own, filtered to this link */
			snprintf(href, sizeof(href), "%s%lld", link_pages[i].path, id);
		else
			snprintf(href, sizeof(href), "/links/%lld/%s", id, link_pages[i].path);
		json_object_object_add(p, "href", json_object_new_string(href));
		json_object_object_add(p, "label", json_object_new_string(link_pages[i].label));
		json_object_object_add(p, "hint", json_object_new_string(link_pages[i].hint));
		json_object_array_add(pages, p);
	}
	json_object_object_add(c, "full", json_object_new_boolean(1));
	json_object_object_add(d, "link", c);
	json_object_object_add(d, "pages", pages);
	web_workers_alive(ctx, &alive);
	json_object_object_add(d, "no_worker", json_object_new_boolean(!alive));
	if (error != NULL)
		json_object_object_add(d, "error", json_object_new_string(error));
	return web_page(ctx, req, resp, status, "link", "Link - xhsync", d);
}

/* GET /links/{id} (session): 200, 404 for no such link, 500 if the database fails. */
int
web_handle_link(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	long long id = link_id(req);

	return id > 0 ? link_page(ctx, req, resp, 200, id, NULL) : 404;
}

/* GET /links/{id}/progress.json (session): the card without its chart; 404, 500. */
int
web_handle_link_progress(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	long long id = link_id(req);
	struct json_object *c;
	int alive = 1, st = 404;

	if (id <= 0 || (c = one_card(ctx, id, 0, &st)) == NULL)
		return st;
	web_workers_alive(ctx, &alive);
	json_object_object_add(c, "worker_alive", json_object_new_boolean(alive));
	web_resp_json(resp, c);
	json_object_put(c);
	return 200;
}

/* Flash codes (page.c) for what each action did. */
static const char *const done_flash[SYNC_LINK__MAX] = {
    "link_paused",      /* SYNC_LINK_PAUSE */
    "link_resumed",     /* SYNC_LINK_RESUME */
    "backfill_started", /* SYNC_LINK_BACKFILL */
    "sync_started",     /* SYNC_LINK_SYNC */
    "sync_started",     /* SYNC_LINK_SYNC_FULL */
};

/*
 * Does act for the admin: 303 back to the dashboard (form field back =
 * "dashboard") or the link page with a flash; a refusal renders the link
 * page with the reason (409); 404 for no such link; 500 if the database fails.
 */
static int
link_act(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, enum sync_link_action act)
{
	long long id = link_id(req);
	const char *back = web_kv_get(&req->form, "back");
	char msg[512], loc[96];
	enum xh_err err;

	if (id <= 0)
		return 404;
	err = sync_link_act(ctx->db, id, act, req->session ? req->session->email : "console", msg,
	                    sizeof(msg));
	if (err == XH_ERR_NOTFOUND)
		return 404;
	if (err == XH_ERR_INVAL)
		return link_page(ctx, req, resp, 409, id, msg);
	if (err != XH_OK) {
		resp->reason = "link action failed in the database";
		return 500;
	}
	if (back != NULL && strcmp(back, "dashboard") == 0)
		snprintf(loc, sizeof(loc), "/?m=%s", done_flash[act]);
	else
		snprintf(loc, sizeof(loc), "/links/%lld?m=%s", id, done_flash[act]);
	web_redirect(resp, loc);
	return 303;
}

/* POST /links/{id}/pause (session+csrf): 303, 409 if not active, 404, 500. */
int
web_handle_link_pause(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	return link_act(ctx, req, resp, SYNC_LINK_PAUSE);
}

/* POST /links/{id}/resume (session+csrf): 303, 409 if not paused, 404, 500. */
int
web_handle_link_resume(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	return link_act(ctx, req, resp, SYNC_LINK_RESUME);
}

/* POST /links/{id}/sync (session+csrf): "Sync now"; 303, 409 if it cannot, 404, 500. */
int
web_handle_link_sync(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	return link_act(ctx, req, resp, SYNC_LINK_SYNC);
}

/* POST /links/{id}/backfill (session+csrf): 303, 409 if it cannot start, 404, 500. */
int
web_handle_link_backfill(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	return link_act(ctx, req, resp, SYNC_LINK_BACKFILL);
}
