/*
 * mapping.c: the field-mapping editor's pages. GET /links/{id}/mappings
 * lists the HubSpot objects a link writes, with how many rules the link
 * changed; GET /links/{id}/mappings/{object} shows the object's mapping
 * table (target <- source | transform, default or changed, locked key
 * rules marked), the form that edits, previews and saves one rule (its
 * target chosen from the portal's cached properties), and how many
 * records wait to be written again. ?edit=TARGET fills the form with
 * that rule.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "web/handlers/mapping.h"

enum mapw_sql {
	MAPW_LINK,    /* MAPW_LINK */
	MAPW_COUNTS,  /* MAPW_COUNTS */
	MAPW_WAITING, /* MAPW_WAITING */
	MAPW_SAMPLE,  /* MAPW_SAMPLE */
	MAPW__MAX
};

/* clang-format off */
static const struct xh_sql mapw_sql[MAPW__MAX] = {
    /* MAPW_LINK */
    {"web_map_link", XH_SQL_IDEMPOTENT "SELECT name FROM link WHERE id = $1::bigint", 1},
    /* MAPW_COUNTS: the link's changed and turned-off rules per object */
    {"web_map_counts",
     XH_SQL_IDEMPOTENT "SELECT object, count(*) FILTER (WHERE enabled),"
     " count(*) FILTER (WHERE NOT enabled), json_agg(json_build_object('target', target_property,"
     " 'source', source_path, 'transform', transform, 'off', NOT enabled) ORDER BY id)::text"
     " FROM field_mapping WHERE link_id = $1::bigint GROUP BY object", 1},
    /* MAPW_WAITING: records of the object marked for (re-)push, and all it wrote */
    {"web_map_waiting",
     XH_SQL_IDEMPOTENT "SELECT count(*) FILTER (WHERE pushed_hash IS NULL), count(*)"
     " FROM hubspot_ref WHERE link_id = $1::bigint AND object = $2", 2},
    /* MAPW_SAMPLE: the number (or id) of the newest mirrored record, to preview on */
    {"web_map_sample",
     XH_SQL_IDEMPOTENT "SELECT coalesce(nullif(payload->>$3, ''),"
     " CASE WHEN $2 = 'contact' THEN nullif(payload->>'Name', '') END, xero_id::text)"
     " FROM xero_record WHERE link_id = $1::bigint AND object = $2"
     " ORDER BY updated_at DESC, xero_id LIMIT 1", 3},
};
/* clang-format on */

/* name, plain words, what names a record for the preview */
static const struct {
	const char *label;
	const char *about;
	const char *record;
} object_info[SO__MAX] = {
    {"Companies", "Each Xero contact becomes a HubSpot company.",
     "Xero contact: its name, contact number or ID"}, /* SO_COMPANY */
    {"Contacts", "The person of a Xero contact (by email) becomes a HubSpot contact.",
     "Xero contact: its name, contact number or ID"}, /* SO_CONTACT */
    {"Invoices", "Each Xero sales invoice becomes a HubSpot invoice.",
     "Xero invoice: its number (like INV-0001) or ID"}, /* SO_INVOICE */
    {"Line items", "Each line of a Xero sales invoice becomes a HubSpot line item.",
     "Xero invoice whose lines to show: its number or ID"}, /* SO_LINE_ITEM */
    {"Products", "Each Xero item becomes a HubSpot product.",
     "Xero item: its code or ID"}, /* SO_PRODUCT */
};

static void
add_str(json_object *o, const char *k, const char *v)
{
	if (v != NULL)
		json_object_object_add(o, k, json_object_new_string(v));
}

static void
add_bool(json_object *o, const char *k, int v)
{
	json_object_object_add(o, k, json_object_new_boolean(v));
}

int
web_map_req(struct web_ctx *ctx, struct web_req *req, int with_object, struct map_req *r)
{
	const char *id = web_kv_get(&req->captures, "id"),
	           *obj = web_kv_get(&req->captures, "object");
	PGresult *res = NULL;
	char *end;
	int o = 0, found;

	memset(r, 0, sizeof(*r));
	errno = 0;
	if (id == NULL || strlen(id) > 18 || (r->link = strtoll(id, &end, 10)) <= 0 ||
	    *end != '\0' || errno != 0)
		return 404;
	if (with_object && (o = sync_object_find(obj)) < 0)
		return 404;
	r->object = (enum sync_object)o;
	if (xh_db_execv(ctx->db, &mapw_sql[MAPW_LINK], &res, id) != XH_OK) {
		PQclear(res);
		return 500;
	}
	found = PQntuples(res) == 1;
	r->link_name = found ? xh_strdup(req->arena, PQgetvalue(res, 0, 0)) : NULL;
	PQclear(res);
	if (!found)
		return 404;
	if (with_object &&
	    sync_portal_props_load(ctx->db, req->arena, r->link, r->object, &r->props) != XH_OK)
		return 500;
	return 0;
}

/* One text of a query result as a new JSON string ("0" when absent). */
static const char *
cell(PGresult *res, int row, int col)
{
	return row < PQntuples(res) ? PQgetvalue(res, row, col) : "0";
}

/* The link and its objects for the index page; NULL if the database fails. */
static json_object *
index_data(struct web_ctx *ctx, const struct map_req *r)
{
	json_object *d = json_object_new_object(), *objs = json_object_new_array();
	char id[24];
	PGresult *res = NULL;

	snprintf(id, sizeof(id), "%lld", r->link);
	if (xh_db_execv(ctx->db, &mapw_sql[MAPW_COUNTS], &res, id) != XH_OK) {
		PQclear(res);
		json_object_put(d);
		json_object_put(objs);
		return NULL;
	}
	for (int o = 0; o < SO__MAX; o++) {
		json_object *j = json_object_new_object();
		int n, row = PQntuples(res);
		for (int i = 0; i < PQntuples(res); i++)
			if (strcmp(PQgetvalue(res, i, 0), sync_object_name(o)) == 0)
				row = i;
		sync_defaults(o, &n);
		add_str(j, "object", sync_object_name(o));
		add_str(j, "label", object_info[o].label);
		add_str(j, "about", object_info[o].about);
		json_object_object_add(j, "defaults", json_object_new_int(n));
		add_str(j, "changed", cell(res, row, 1));
		add_str(j, "off", cell(res, row, 2));
		if (row < PQntuples(res))
			json_object_object_add(j, "changes",
			                       json_tokener_parse(PQgetvalue(res, row, 3)));
		add_bool(j, "has_changes", row < PQntuples(res));
		json_object_array_add(objs, j);
	}
	PQclear(res);
	json_object_object_add(d, "objects", objs);
	return d;
}

static void
add_link(json_object *d, const struct map_req *r)
{
	json_object *l = json_object_new_object();

	json_object_object_add(l, "id", json_object_new_int64(r->link));
	add_str(l, "name", r->link_name);
	json_object_object_add(d, "link", l);
}

/* GET /links/{id}/mappings (session): 200, 404 for no such link. */
int
web_handle_mappings(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct map_req r;
	json_object *d;
	int st;

	if ((st = web_map_req(ctx, req, 0, &r)) != 0)
		return st;
	if ((d = index_data(ctx, &r)) == NULL)
		return 500;
	add_link(d, &r);
	return web_page(ctx, req, resp, 200, "mappings", "Field mappings - xhsync", d);
}

/* The mapping table rows; marks the row being edited. */
static json_object *
rules_json(const struct map_req *r, const struct sync_mapping *m, const char *editing)
{
	json_object *arr = json_object_new_array();

	for (int i = 0; i < m->n; i++) {
		const struct sync_rule *ru = &m->rules[i];
		const struct sync_portal_prop *pp = sync_portal_prop_find(&r->props, ru->target);
		json_object *j = json_object_new_object();
		add_str(j, "target", ru->target);
		add_str(j, "label", pp != NULL ? pp->label : NULL);
		add_bool(j, "missing", r->props.cached && pp == NULL);
		add_str(j, "source", ru->source);
		add_str(j, "transform", ru->transform);
		add_bool(j, "overridden", ru->overridden);
		add_bool(j, "locked", ru->locked);
		add_bool(j, "required", ru->required);
		add_bool(j, "editing", editing != NULL && strcmp(editing, ru->target) == 0);
		json_object_array_add(arr, j);
	}
	return arr;
}

/* The dropdown: the portal's writable properties, and what was typed if it is not one. */
static json_object *
options_json(const struct map_req *r, const char *chosen)
{
	json_object *arr = json_object_new_array(), *j;
	int found = 0;

	for (int i = 0; i < r->props.n; i++) {
		const struct sync_portal_prop *p = &r->props.v[i];
		int sel = chosen != NULL && strcmp(chosen, p->name) == 0;
		if (p->read_only && !sel)
			continue;
		found |= sel;
		j = json_object_new_object();
		add_str(j, "name", p->name);
		add_str(j, "label", p->label);
		add_bool(j, "selected", sel);
		json_object_array_add(arr, j);
	}
	if (chosen != NULL && chosen[0] != '\0' && !found) {
		j = json_object_new_object();
		add_str(j, "name", chosen);
		add_str(j, "label", "not a property of the portal");
		add_bool(j, "selected", 1);
		json_object_array_put_idx(arr, json_object_array_length(arr), j);
	}
	return arr;
}

/* How many of the object's records wait to be written to HubSpot, and the preview's sample. */
static void
add_counts(struct web_ctx *ctx, json_object *d, const struct map_req *r)
{
	const char *obj = sync_object_name(r->object == SO_LINE_ITEM ? SO_INVOICE : r->object);
	const char *xobj = sync_object_source(r->object);
	PGresult *res = NULL;
	char id[24];

	snprintf(id, sizeof(id), "%lld", r->link);
	if (xh_db_execv(ctx->db, &mapw_sql[MAPW_WAITING], &res, id, obj) == XH_OK &&
	    PQntuples(res) == 1) {
		add_str(d, "waiting", PQgetvalue(res, 0, 0));
		add_bool(d, "has_waiting", strcmp(PQgetvalue(res, 0, 0), "0") != 0);
		add_str(d, "written", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	res = NULL;
	if (xh_db_execv(ctx->db, &mapw_sql[MAPW_SAMPLE], &res, id, xobj,
	                sync_mapping_number_field(xobj)) == XH_OK &&
	    PQntuples(res) == 1)
		add_str(d, "sample", PQgetvalue(res, 0, 0));
	PQclear(res);
}

/* The turned-off targets, the object tabs and the properties' state. */
static void
add_context(struct web_ctx *ctx, json_object *d, const struct map_req *r, struct xh_arena *a)
{
	json_object *tabs = json_object_new_array(), *off = json_object_new_array();
	const char **targets = NULL, *failed = NULL;
	int n = 0, pending = 0;

	for (int o = 0; o < SO__MAX; o++) {
		json_object *t = json_object_new_object();
		add_str(t, "object", sync_object_name(o));
		add_str(t, "label", object_info[o].label);
		add_bool(t, "current", o == (int)r->object);
		json_object_array_add(tabs, t);
	}
	json_object_object_add(d, "tabs", tabs);
	if (sync_mapping_disabled(ctx->db, a, r->link, r->object, &targets, &n) == XH_OK)
		for (int i = 0; i < n; i++)
			json_object_array_add(off, json_object_new_string(targets[i]));
	json_object_object_add(d, "off", off);
	add_bool(d, "has_off", n > 0);
	sync_portal_props_pending(ctx->db, a, r->link, &pending, &failed);
	add_bool(d, "props_pending", pending);
	add_str(d, "props_failed", failed);
	add_bool(d, "props_cached", r->props.cached);
	add_str(d, "props_fetched", r->props.fetched);
	json_object_object_add(d, "props_count", json_object_new_int(r->props.n));
}

/*
 * Marks the preview rows of properties the push works out from other
 * records (sources under _xhsync., such as a company's balances): the
 * preview cannot show them.
 */
static void
mark_computed(json_object *rows, const struct sync_mapping *m)
{
	for (size_t i = 0; rows != NULL && i < json_object_array_length(rows); i++) {
		json_object *row = json_object_array_get_idx(rows, i), *p = NULL;
		json_object_object_get_ex(row, "property", &p);
		for (int k = 0; k < m->n; k++)
			if (strcmp(m->rules[k].target, json_object_get_string(p)) == 0 &&
			    strncmp(m->rules[k].source, "_xhsync.", 8) == 0)
				add_bool(row, "computed", 1);
	}
}

/* The form's values and messages. */
static void
add_form(json_object *d, const struct map_form *f, const struct sync_mapping *m)
{
	add_str(d, "f_target", f->target);
	add_str(d, "f_source", f->source);
	add_str(d, "f_transform", f->transform);
	add_str(d, "f_record", f->record);
	add_str(d, "target_error", f->bad.target);
	add_str(d, "source_error", f->bad.source);
	add_str(d, "transform_error", f->bad.transform);
	add_str(d, "record_error", f->record_error);
	add_str(d, "form_error", f->error);
	add_str(d, "notice", f->notice);
	if (f->repush >= 0) {
		json_object_object_add(d, "repush", json_object_new_int64(f->repush));
		add_bool(d, "repush_some", f->repush > 0);
	}
	if (f->preview != NULL) {
		json_object *pv = web_map_preview_rows(f->preview, f->record);
		add_bool(pv, "plain", f->plain);
		mark_computed(json_object_object_get(pv, "rows"), m);
		json_object_object_add(d, "preview", pv);
	}
}

int
web_map_page(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, int status,
             struct map_req *r, struct map_form *f)
{
	struct map_form fresh = {.repush = -1};
	struct sync_mapping m;
	json_object *d;
	char err[300];

	if (f == NULL)
		f = &fresh;
	if (sync_mapping_load(ctx->db, req->arena, r->link, r->object, &m, err, sizeof(err)) !=
	    XH_OK) {
		json_object_put(f->preview);
		resp->reason = "cannot load the mapping";
		return 500;
	}
	d = json_object_new_object();
	add_link(d, r);
	add_str(d, "object", sync_object_name(r->object));
	add_str(d, "object_label", object_info[r->object].label);
	add_str(d, "object_about", object_info[r->object].about);
	add_str(d, "record_label", object_info[r->object].record);
	json_object_object_add(d, "rules", rules_json(r, &m, f->target));
	json_object_object_add(d, "options", options_json(r, f->target));
	add_bool(d, "has_options",
	         json_object_array_length(json_object_object_get(d, "options")) > 0);
	add_counts(ctx, d, r);
	add_context(ctx, d, r, req->arena);
	add_form(d, f, &m);
	add_bool(d, "invalid", status == 422);
	return web_page(ctx, req, resp, status, "mapping",
	                xh_printf(req->arena, "%s mapping - xhsync", object_info[r->object].label),
	                d);
}

/*
 * On the first visit, has the worker read the portal's properties: when
 * none are cached and no refresh waits or has failed (after a failure the
 * page says why, and the admin presses Refresh once it is fixed).
 */
static void
auto_refresh(struct web_ctx *ctx, struct web_req *req, const struct map_req *r)
{
	const char *failed = NULL;
	int pending = 0;

	if (!r->props.cached &&
	    sync_portal_props_pending(ctx->db, req->arena, r->link, &pending, &failed) == XH_OK &&
	    !pending && failed == NULL)
		sync_portal_props_refresh(ctx->db, r->link);
}

/* GET /links/{id}/mappings/{object} (session): 200, 404 for no such link or object. */
int
web_handle_mapping(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct map_form f = {.repush = -1};
	const char *edit = web_kv_get(&req->query_params, "edit");
	struct sync_mapping m;
	struct map_req r;
	char err[300];
	int st;

	if ((st = web_map_req(ctx, req, 1, &r)) != 0)
		return st;
	auto_refresh(ctx, req, &r);
	if (edit != NULL &&
	    sync_mapping_load(ctx->db, req->arena, r.link, r.object, &m, err, sizeof(err)) == XH_OK)
		for (int i = 0; i < m.n; i++)
			if (strcmp(m.rules[i].target, edit) == 0 && !m.rules[i].locked) {
				f.target = m.rules[i].target;
				f.source = m.rules[i].source;
				f.transform = m.rules[i].transform;
			}
	return web_map_page(ctx, req, resp, 200, &r, &f);
}
