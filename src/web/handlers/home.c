/*
 * home.c: GET /, the dashboard: one card per link with its status and,
 * per Xero object, the records mirrored, the last pull and the progress of
 * an open pass (sync_cursor.pass_read of pass_total).
 */
#include <json-c/json.h>
#include <libpq-fe.h>

#include "web/web.h"

enum home_sql {
	HOME_LINKS, /* HOME_LINKS */
	HOME__MAX
};

/* clang-format off */
static const struct xh_sql home_sql[HOME__MAX] = {
    /* HOME_LINKS: the whole dashboard as one JSON array */
    {"web_home_links",
     XH_SQL_IDEMPOTENT "SELECT coalesce(json_agg(json_build_object("
     "  'id', l.id, 'name', l.name, 'status', l.status,"
     "  'status_label', replace(l.status, '_', ' '), 'reason', l.status_reason,"
     "  'needs_reconnect', l.status = 'needs_reconnect',"
     "  'has_objects', EXISTS (SELECT 1 FROM sync_cursor c WHERE c.link_id = l.id),"
     "  'objects', coalesce((SELECT json_agg(json_build_object("
     "     'object', c.object,"
     "     'mirrored', (SELECT count(*) FROM xero_record r"
     "                  WHERE r.link_id = l.id AND r.object = c.object),"
     "     'last_pull', coalesce(to_char(c.last_pull_at AT TIME ZONE 'UTC',"
     "                  'YYYY-MM-DD HH24:MI \"UTC\"'), 'never'),"
     "     'pass_open', c.pass_open, 'pass_read', c.pass_read, 'pass_total', c.pass_total,"
     "     'percent', CASE WHEN c.pass_total > 0"
     "                THEN least(100, c.pass_read * 100 / c.pass_total) ELSE 0 END)"
     "     ORDER BY c.object) FROM sync_cursor c WHERE c.link_id = l.id), '[]'::json))"
     " ORDER BY lower(l.name), l.id), '[]'::json)::text FROM link l", 0},
};
/* clang-format on */

/* The links as JSON (a new reference), or NULL if the database failed. */
static struct json_object *
links_json(struct web_ctx *ctx)
{
	struct json_object *links = NULL;
	PGresult *res = NULL;

	if (xh_db_execv(ctx->db, &home_sql[HOME_LINKS], &res) == XH_OK && PQntuples(res) == 1)
		links = json_tokener_parse(PQgetvalue(res, 0, 0));
	PQclear(res);
	return links;
}

/* GET / (session): 200 with the dashboard, 500 if the database fails. */
int
web_handle_home(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct json_object *d, *links = links_json(ctx);

	if (links == NULL) {
		resp->reason = "cannot read links";
		return 500;
	}
	d = json_object_new_object();
	json_object_object_add(d, "links", links);
	json_object_object_add(d, "has_links",
	                       json_object_new_boolean(json_object_array_length(links) > 0));
	json_object_object_add(d, "db_up", json_object_new_boolean(web_db_ping(ctx->db) == XH_OK));
	return web_page(ctx, req, resp, 200, "dashboard", "Dashboard - xhsync", d);
}
