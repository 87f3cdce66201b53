/*
 * audit_detail.c: GET /audit/{id}, one audit entry: what was done to which
 * record, the properties written (before -> after), the vendor's error,
 * the job and attempt, and links to the record in Xero and in HubSpot;
 * POST /audit/{id}/replay pushes the record again (sync_replay, the same
 * replay as `xhsync replay`) and comes back to the entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "hubspot/crm.h" /* hs_object: the HubSpot object type ids */
#include "sync/push.h"
#include "web/handlers/audit.h"

#define XERO_CONTACT_URL "https://go.xero.com/Contacts/View/"
#define XERO_INVOICE_URL "https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID="

enum audit_detail_sql {
	AD_ONE, /* AD_ONE */
	AD__MAX
};

enum detail_col {
	DC_ID,        /* DC_ID */
	DC_AT,        /* DC_AT */
	DC_LINK,      /* DC_LINK */
	DC_LINK_NAME, /* DC_LINK_NAME */
	DC_OBJECT,    /* DC_OBJECT */
	DC_XERO_ID,   /* DC_XERO_ID */
	DC_LABEL,     /* DC_LABEL */
	DC_HUBSPOT,   /* DC_HUBSPOT */
	DC_ACTION,    /* DC_ACTION */
	DC_OUTCOME,   /* DC_OUTCOME */
	DC_JOB,       /* DC_JOB */
	DC_ACTOR,     /* DC_ACTOR */
	DC_DETAIL,    /* DC_DETAIL */
	DC_PORTAL,    /* DC_PORTAL */
	DC_JOB_KIND,  /* DC_JOB_KIND */
	DC_JOB_STATE, /* DC_JOB_STATE */
	DC_JOB_TRIES, /* DC_JOB_TRIES: "attempts of max" */
	DC_JOB_ERROR, /* DC_JOB_ERROR */
	DC_PARENT,    /* DC_PARENT: a line item's invoice */
	DC__MAX
};

/* clang-format off */
static const struct xh_sql audit_detail_sql[AD__MAX] = {
    /* AD_ONE: the entry with its link, job and record */
    {"web_audit_one",
     XH_SQL_IDEMPOTENT "SELECT e.id, to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),"
     " e.link_id, l.name, e.object, e.xero_id, x.label, e.hubspot_id, e.action, e.outcome,"
     " e.job_id, e.actor, e.detail::text, l.hubspot_portal_id, j.kind, j.state,"
     " j.attempts || ' of ' || j.max_attempts, j.last_error, f.parent_xero_id"
     " FROM audit_event e LEFT JOIN link l ON l.id = e.link_id"
     " LEFT JOIN job j ON j.id = e.job_id"
     " LEFT JOIN hubspot_ref f ON f.link_id = e.link_id AND f.object = e.object"
     "  AND f.xero_id = e.xero_id"
     " LEFT JOIN LATERAL (SELECT xh_record_label(r.payload) AS label FROM xero_record r"
     "  WHERE r.link_id = e.link_id AND r.xero_id = e.xero_id AND r.object = CASE e.object"
     "  WHEN 'company' THEN 'contact' WHEN 'product' THEN 'item' ELSE e.object END) x ON true"
     " WHERE e.id = $1::bigint", 1},
};
/* clang-format on */

static void
put(json_object *o, const char *k, const char *v)
{
	if (v != NULL)
		json_object_object_add(o, k, json_object_new_string(v));
}

static const char *
col(PGresult *res, int c)
{
	return PQgetisnull(res, 0, c) ? NULL : PQgetvalue(res, 0, c);
}

/* The entry's id from the path, or 0. */
static long long
entry_id(const struct web_req *req)
{
	const char *s = web_kv_get(&req->captures, "id");
	char *end;
	long long v;

	if (s == NULL || strlen(s) > 19 || strspn(s, "0123456789") != strlen(s) || s[0] == '0')
		return 0;
	v = strtoll(s, &end, 10);
	return *end == '\0' && v > 0 ? v : 0;
}

/* The 404 page of an entry that does not exist. */
static int
missing(struct web_resp *resp, const struct web_req *req)
{
	web_page_error(resp, req, 404, "No such audit entry - xhsync",
	               "There is no audit entry at this address.",
	               "Go back to the audit trail and open an entry from the list.");
	return 404;
}

/* Loads the entry of the path into *res (one row): 200, 404 or 503. */
static int
load(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, PGresult **res)
{
	long long id = entry_id(req);
	char buf[24];

	*res = NULL;
	if (id == 0)
		return missing(resp, req);
	snprintf(buf, sizeof(buf), "%lld", id);
	if (xh_db_execv(ctx->db, &audit_detail_sql[AD_ONE], res, buf) != XH_OK) {
		resp->reason = "audit entry query failed";
		return 503;
	}
	if (PQntuples(*res) == 1)
		return 200;
	PQclear(*res);
	*res = NULL;
	return missing(resp, req);
}

/* A JSON value as the page shows it: strings as they are, null as NULL. */
static const char *
shown(json_object *v)
{
	if (v == NULL)
		return NULL;
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

/* The detail's "changes" as rows {property, before, after, first}. */
static void
add_changes(json_object *d, json_object *detail)
{
	json_object *changes, *rows = json_object_new_array();

	if (json_object_object_get_ex(detail, "changes", &changes) &&
	    json_object_is_type(changes, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(changes); i++) {
			json_object *c = json_object_array_get_idx(changes, i), *v, *r;

			if (!json_object_is_type(c, json_type_object))
				continue;
			r = json_object_new_object();
			json_object_object_get_ex(c, "property", &v);
			put(r, "property", shown(v));
			v = NULL;
			json_object_object_get_ex(c, "before", &v);
			put(r, "before", shown(v));
			json_object_object_add(r, "no_before", json_object_new_boolean(v == NULL));
			v = NULL;
			json_object_object_get_ex(c, "after", &v);
			put(r, "after", shown(v));
			json_object_array_add(rows, r);
		}
		json_object_object_add(d, "has_changes_list", json_object_new_boolean(1));
	}
	json_object_object_add(d, "has_changes",
	                       json_object_new_boolean(json_object_array_length(rows) > 0));
	json_object_object_add(d, "changes", rows);
}

/* The vendor's or the push's words, the HTTP status and category, the attempt. */
static void
add_detail(json_object *d, const char *text)
{
	json_object *detail = text != NULL ? json_tokener_parse(text) : NULL, *v;
	static const char *const keys[] = {"message", "reason", "category", "status", "attempt"};

	if (detail == NULL || !json_object_is_type(detail, json_type_object)) {
		json_object_put(detail);
		add_changes(d, NULL);
		return;
	}
	for (size_t i = 0; i < XH_NELEM(keys); i++)
		if (json_object_object_get_ex(detail, keys[i], &v) && v != NULL)
			put(d, keys[i], shown(v));
	if (json_object_object_get_ex(detail, "context", &v) && v != NULL)
		put(d, "context", shown(v));
	if (json_object_object_get_ex(detail, "new", &v))
		json_object_object_add(d, "first_write",
		                       json_object_new_boolean(json_object_get_boolean(v)));
	add_changes(d, detail);
	put(d, "detail_json", json_object_to_json_string_ext(detail, JSON_C_TO_STRING_PRETTY));
	json_object_put(detail);
}

/* Links to the record in Xero and in HubSpot, where the entry names one. */
static void
add_links(struct web_ctx *ctx, struct xh_arena *a, json_object *d, PGresult *res)
{
	const char *obj = col(res, DC_OBJECT), *xid = col(res, DC_XERO_ID);
	const char *hid = col(res, DC_HUBSPOT), *portal = col(res, DC_PORTAL);
	int o = obj != NULL ? hs_object_parse(obj) : -1;

	if (obj != NULL && xid != NULL) {
		if (strcmp(obj, "company") == 0 || strcmp(obj, "contact") == 0)
			put(d, "xero_url", xh_printf(a, XERO_CONTACT_URL "%s", xid));
		else if (strcmp(obj, "invoice") == 0)
			put(d, "xero_url", xh_printf(a, XERO_INVOICE_URL "%s", xid));
		else if (strcmp(obj, "line_item") == 0 && col(res, DC_PARENT) != NULL)
			put(d, "xero_url",
			    xh_printf(a, XERO_INVOICE_URL "%s", col(res, DC_PARENT)));
	}
	if (o >= 0 && hid != NULL && portal != NULL)
		put(d, "hubspot_url",
		    xh_printf(a, "%s/contacts/%s/record/%s/%s", ctx->cfg->hubspot.app_url, portal,
		              hs_object((enum hs_object)o)->type_id, hid));
}

/* What the replay button pushes again: the record, or a line item's invoice. */
static int
replay_target(PGresult *res, const char **object, const char **xero_id)
{
	const char *obj = col(res, DC_OBJECT);

	*object = obj;
	*xero_id = col(res, DC_XERO_ID);
	if (obj != NULL && strcmp(obj, "line_item") == 0) {
		*object = "invoice";
		*xero_id = col(res, DC_PARENT);
	}
	return col(res, DC_LINK) != NULL && *xero_id != NULL && sync_push_object(*object) >= 0;
}

/* The entry's facts for the page. */
static void
add_entry(struct web_ctx *ctx, struct web_req *req, json_object *d, PGresult *res)
{
	static const struct {
		const char *key;
		int c;
	} cols[] = {
	    {"id", DC_ID},
	    {"at", DC_AT},
	    {"link", DC_LINK},
	    {"link_name", DC_LINK_NAME},
	    {"object", DC_OBJECT},
	    {"xero_id", DC_XERO_ID},
	    {"label", DC_LABEL},
	    {"hubspot_id", DC_HUBSPOT},
	    {"action", DC_ACTION},
	    {"outcome", DC_OUTCOME},
	    {"job", DC_JOB},
	    {"actor", DC_ACTOR},
	    {"job_kind", DC_JOB_KIND},
	    {"job_state", DC_JOB_STATE},
	    {"job_tries", DC_JOB_TRIES},
	    {"job_error", DC_JOB_ERROR},
	};
	const char *object, *xid;

	for (size_t i = 0; i < XH_NELEM(cols); i++)
		put(d, cols[i].key, col(res, cols[i].c));
	add_detail(d, col(res, DC_DETAIL));
	add_links(ctx, req->arena, d, res);
	json_object_object_add(d, "can_replay",
	                       json_object_new_boolean(replay_target(res, &object, &xid)));
	if (col(res, DC_XERO_ID) != NULL)
		put(d, "history",
		    xh_printf(req->arena, "/audit?record=%s%s%s", col(res, DC_XERO_ID),
		              col(res, DC_LINK) ? "&link=" : "",
		              col(res, DC_LINK) ? col(res, DC_LINK) : ""));
	if (web_kv_get(&req->query_params, "replayed") != NULL)
		json_object_object_add(d, "replayed", json_object_new_boolean(1));
}

/* GET /audit/{id} */
int
web_handle_audit_detail(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	json_object *d;
	PGresult *res;
	int st = load(ctx, req, resp, &res);

	if (st != 200)
		return st;
	d = json_object_new_object();
	add_entry(ctx, req, d, res);
	PQclear(res);
	return web_page(ctx, req, resp, 200, "audit_entry", "Audit entry - xhsync", d);
}

/* POST /audit/{id}/replay: the record is pushed again; back to the entry. */
int
web_handle_audit_replay(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct sync_replay_req rq = {0};
	const char *object, *xid;
	PGresult *res;
	int st = load(ctx, req, resp, &res), n = 0;

	if (st != 200)
		return st;
	if (!replay_target(res, &object, &xid)) {
		PQclear(res);
		web_page_error(
		    resp, req, 409, "Nothing to replay - xhsync",
		    "This entry does not name a record that xhsync pushes to HubSpot.",
		    "Replay an entry of a company, contact, invoice, line item or product.");
		return 409;
	}
	rq.link = strtoll(col(res, DC_LINK), NULL, 10);
	rq.object = object;
	rq.xero_id = xid;
	if (sync_replay(ctx->db, req->arena, &rq, &n) != XH_OK) {
		PQclear(res);
		resp->reason = "replay failed";
		return 503;
	}
	web_redirect(resp, xh_printf(req->arena, "/audit/%s?replayed=1", col(res, DC_ID)));
	PQclear(res);
	return 303;
}
