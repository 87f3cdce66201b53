/*
 * home.c: GET /, the dashboard: a card per link (link_card.c) with its
 * status, both ends, counts, live progress, budgets and chart, the
 * "Connect Xero" button, and a warning when no worker is running.
 */
#include <json-c/json.h>

#include "web/handlers/link_card.h"

/* GET / (session): 200 with the dashboard, 500 if the database fails. */
int
web_handle_home(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct json_object *d, *links = web_link_cards(ctx, 0, 1);
	int alive = 1;

	if (links == NULL) {
		resp->reason = "cannot read links";
		return 500;
	}
	web_workers_alive(ctx, &alive);
	d = json_object_new_object();
	json_object_object_add(d, "links", links);
	json_object_object_add(d, "has_links",
	                       json_object_new_boolean(json_object_array_length(links) > 0));
	json_object_object_add(d, "no_worker", json_object_new_boolean(!alive));
	json_object_object_add(d, "db_up", json_object_new_boolean(1));
	return web_page(ctx, req, resp, 200, "dashboard", "Dashboard - xhsync", d);
}
