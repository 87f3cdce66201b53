/*
 * audit.c: GET /audit, the audit browser's list: a filter form (link,
 * record type, Xero id or number, HubSpot id, action, outcome, dates) and
 * the matching entries newest first, 50 a page, with an "Older" link that
 * carries the keyset cursor of the last row. A bad filter re-shows the
 * form as typed with the field named, and runs no query.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "web/handlers/audit.h"

#define MESSAGE_SHOWN 160 /* bytes of a message shown in the list */

enum audit_list_sql {
	AL_LINKS, /* AL_LINKS */
	AL__MAX
};

/* clang-format off */
static const struct xh_sql audit_list_sql[AL__MAX] = {
    /* AL_LINKS: for the link filter */
    {"web_audit_links", XH_SQL_IDEMPOTENT "SELECT id, name FROM link ORDER BY id", 0},
};
/* clang-format on */

/* The record types and outcomes the form offers. */
static const char *const objects[] = {
    "company", "contact", "invoice", "line_item", "product", "commerce_payment", NULL,
};
static const char *const outcomes[] = {"ok", "error", "skipped", "needs_reconnect", NULL};
static const char *const actions[] = {
    "hubspot.write", "hubspot.archive", "push", "push.excluded", "push.error", NULL,
};

static void
put(json_object *o, const char *k, const char *v)
{
	if (v != NULL)
		json_object_object_add(o, k, json_object_new_string(v));
}

/* [{value, selected}] of a fixed list, the one equal to cur selected. */
static json_object *
choices(const char *const *list, const char *cur)
{
	json_object *arr = json_object_new_array();

	for (int i = 0; list[i] != NULL; i++) {
		json_object *c = json_object_new_object();

		put(c, "value", list[i]);
		json_object_object_add(
		    c, "selected",
		    json_object_new_boolean(cur != NULL && strcmp(cur, list[i]) == 0));
		json_object_array_add(arr, c);
	}
	return arr;
}

/* The links for the link filter; an empty list if the database failed. */
static json_object *
link_choices(struct web_ctx *ctx, const char *cur)
{
	json_object *arr = json_object_new_array();
	PGresult *res = NULL;

	if (xh_db_execv(ctx->db, &audit_list_sql[AL_LINKS], &res) == XH_OK)
		for (int i = 0; i < PQntuples(res); i++) {
			json_object *c = json_object_new_object();

			put(c, "value", PQgetvalue(res, i, 0));
			put(c, "name", PQgetvalue(res, i, 1));
			json_object_object_add(
			    c, "selected",
			    json_object_new_boolean(cur != NULL &&
			                            strcmp(cur, PQgetvalue(res, i, 0)) == 0));
			json_object_array_add(arr, c);
		}
	PQclear(res);
	return arr;
}

/* s cut to at most max bytes on a character boundary, with "..." if cut. */
static const char *
shorten(struct xh_arena *a, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return s;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return xh_printf(a, "%.*s...", (int)max, s);
}

static const char *
col(PGresult *res, int row, int c)
{
	return PQgetisnull(res, row, c) ? NULL : PQgetvalue(res, row, c);
}

/* One list row. */
static json_object *
row_json(struct xh_arena *a, PGresult *res, int i)
{
	json_object *r = json_object_new_object();
	const char *label = col(res, i, AC_LABEL), *xid = col(res, i, AC_XERO_ID);
	const char *msg = col(res, i, AC_MESSAGE);

	put(r, "id", col(res, i, AC_ID));
	put(r, "at", col(res, i, AC_AT));
	put(r, "link", col(res, i, AC_LINK_NAME));
	put(r, "object", col(res, i, AC_OBJECT));
	put(r, "record", label != NULL ? label : xid != NULL ? xh_printf(a, "%.8s...", xid) : NULL);
	put(r, "hubspot_id", col(res, i, AC_HUBSPOT));
	put(r, "action", col(res, i, AC_ACTION));
	put(r, "outcome", col(res, i, AC_OUTCOME));
	put(r, "message", msg != NULL ? shorten(a, msg, MESSAGE_SHOWN) : NULL);
	return r;
}

/* The rows, and the "Older" link when there are more than a page. */
static void
add_rows(struct web_req *req, json_object *d, PGresult *res, const char *query)
{
	int n = PQntuples(res), shown = n > AUDIT_PAGE_ROWS ? AUDIT_PAGE_ROWS : n;
	json_object *rows = json_object_new_array();

	for (int i = 0; i < shown; i++)
		json_object_array_add(rows, row_json(req->arena, res, i));
	json_object_object_add(d, "rows", rows);
	json_object_object_add(d, "has_rows", json_object_new_boolean(shown > 0));
	if (n > AUDIT_PAGE_ROWS)
		put(d, "older",
		    xh_printf(req->arena, "/audit?%s%sbefore=%s_%s", query, *query ? "&" : "",
		              PQgetvalue(res, shown - 1, AC_CUR_US),
		              PQgetvalue(res, shown - 1, AC_ID)));
}

/* The form's values as typed (the template escapes them). */
static void
add_form(struct web_ctx *ctx, struct web_req *req, json_object *d)
{
	const struct web_kvlist *q = &req->query_params;

	json_object_object_add(d, "links", link_choices(ctx, web_kv_get(q, "link")));
	json_object_object_add(d, "objects", choices(objects, web_kv_get(q, "object")));
	json_object_object_add(d, "outcomes", choices(outcomes, web_kv_get(q, "outcome")));
	json_object_object_add(d, "actions", choices(actions, NULL));
	put(d, "record", web_kv_get(q, "record"));
	put(d, "hubspot_id", web_kv_get(q, "hubspot_id"));
	put(d, "action", web_kv_get(q, "action"));
	put(d, "from", web_kv_get(q, "from"));
	put(d, "to", web_kv_get(q, "to"));
}

/* GET /audit */
int
web_handle_audit(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	json_object *d = json_object_new_object();
	struct audit_filter f;
	const char *query = audit_filter_query(req->arena, &req->query_params);
	PGresult *res = NULL;
	char key[64];

	add_form(ctx, req, d);
	put(d, "csv", xh_printf(req->arena, "/audit.csv%s%s", *query ? "?" : "", query));
	put(d, "filtered", *query ? "1" : NULL);
	if (audit_filter_parse(req->arena, &req->query_params, &f) != XH_OK) {
		put(d, "error", f.error);
		snprintf(key, sizeof(key), "invalid_%s", f.field);
		json_object_object_add(d, key, json_object_new_boolean(1));
		return web_page(ctx, req, resp, 400, "audit", "Audit trail - xhsync", d);
	}
	put(d, "paged", f.cur_us != NULL ? "1" : NULL);
	put(d, "first", xh_printf(req->arena, "/audit%s%s", *query ? "?" : "", query));
	if (audit_page_query(ctx->db, &f, AUDIT_PAGE_ROWS + 1, &res) != XH_OK) {
		json_object_put(d);
		resp->reason = "audit page query failed";
		return 503;
	}
	add_rows(req, d, res, query);
	PQclear(res);
	return web_page(ctx, req, resp, 200, "audit", "Audit trail - xhsync", d);
}
