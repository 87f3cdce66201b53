/*
 * hs_events.c: the hubspot.events job (hs_events.h): what HubSpot's
 * webhooks say happened to records the sync owns (ISSUE 12 step 3).
 *
 * The web intake stores each verified event in webhook_event and enqueues
 * one debounced job per link. The job takes the link's unhandled events in
 * order, a batch per transaction, and for companies and contacts:
 *   - deletion: the record's HubSpot id is forgotten. Under the link's
 *     conflict_policy "xero_wins" (the default) its pushed hash is cleared
 *     too, so the next push re-creates it; under "keep_hubspot_edits" it is
 *     excluded ("deleted in HubSpot") until it changes in Xero;
 *   - merge: the record that owned the primary (or else the first merged)
 *     HubSpot id takes the merged record's new id; any other record of ours
 *     that was merged into it is excluded, never guessed;
 *   - propertyChange of a property the link's mapping writes, made by a
 *     person (changeSource other than INTEGRATION or API, which are app
 *     writes: the connector's own echoes among them, so the two directions
 *     never ping-pong): audited as hubspot.edited and, under "xero_wins",
 *     the record is marked for the next push, which writes Xero's value back.
 * Deal stage changes stay stored for the later HubSpot-to-Xero flow; all
 * other events are only marked handled. Events are state hints: the push
 * always writes the mirror's current state, so order never matters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json.h"
#include "log.h"
#include "sync/hs_events.h"
#include "sync/map_store.h"
#include "sync/push.h"

#define HS_EVENTS_BATCH "200"

enum hse_sql {
	HQ_POLICY,  /* HQ_POLICY */
	HQ_TAKE,    /* HQ_TAKE */
	HQ_DONE,    /* HQ_DONE */
	HQ_DELETED, /* HQ_DELETED */
	HQ_MERGE_X, /* HQ_MERGE_X */
	HQ_MERGE_K, /* HQ_MERGE_K */
	HQ_EDITED,  /* HQ_EDITED */
	HQ_AUDIT,   /* HQ_AUDIT */
	HQ__MAX
};

/* clang-format off */
static const struct xh_sql hse_sql[HQ__MAX] = {
    {"hs_events_policy",
     XH_SQL_IDEMPOTENT "SELECT coalesce(settings->>'conflict_policy', 'xero_wins')"
     " FROM link WHERE id = $1::bigint", 1},
    {"hs_events_take",
     "SELECT id, convert_from(body, 'UTF8') FROM webhook_event WHERE vendor = 'hubspot'"
     " AND link_id = $1::bigint AND processed_at IS NULL ORDER BY id LIMIT " HS_EVENTS_BATCH
     " FOR UPDATE SKIP LOCKED", 1},
    {"hs_events_done",
     "UPDATE webhook_event SET processed_at = now() WHERE id = ANY($1::bigint[])", 1},
    /* $4: 1 keep it deleted (excluded), 0 re-create it on the next push */
    {"hs_events_deleted",
     "UPDATE hubspot_ref SET hubspot_id = NULL,"
     " pushed_hash = CASE WHEN $4::boolean THEN pushed_hash END,"
     " excluded = CASE WHEN $4::boolean THEN 'deleted in HubSpot' ELSE excluded END"
     " WHERE link_id = $1::bigint AND object = $2 AND hubspot_id = $3 RETURNING xero_id", 4},
    /* the merged records of ours other than the one that keeps the new id */
    {"hs_events_merge_others",
     "UPDATE hubspot_ref SET hubspot_id = NULL,"
     " excluded = 'merged in HubSpot into ' || $5 || ', which another Xero record owns'"
     " WHERE link_id = $1::bigint AND object = $2 AND hubspot_id = ANY($3::text[])"
     " AND xero_id <> (SELECT xero_id FROM hubspot_ref WHERE link_id = $1::bigint"
     "  AND object = $2 AND hubspot_id = ANY($3::text[])"
     "  ORDER BY hubspot_id = $4 DESC, hubspot_id LIMIT 1) RETURNING xero_id", 5},
    {"hs_events_merge_keep",
     "UPDATE hubspot_ref SET hubspot_id = $4 WHERE link_id = $1::bigint AND object = $2"
     " AND hubspot_id = ANY($3::text[]) RETURNING xero_id", 4},
    /* $4: 1 overwrite on the next push */
    {"hs_events_edited",
     "UPDATE hubspot_ref SET pushed_hash = CASE WHEN $4::boolean THEN NULL ELSE pushed_hash END"
     " WHERE link_id = $1::bigint AND object = $2 AND hubspot_id = $3 RETURNING xero_id", 4},
    {"hs_events_audit",
     "INSERT INTO audit_event (link_id, object, xero_id, hubspot_id, action, outcome, job_id,"
     " detail) VALUES ($1::bigint, nullif($2, ''), nullif($3, '')::uuid, nullif($4, ''), $5,"
     " $6, $7::bigint, $8::jsonb)", 8},
};
/* clang-format on */

/* What one run did. */
struct hse_run {
	struct job_ctx *ctx;
	const char *link;
	int xero_wins;
	int push[SO__MAX]; /* objects to push after the batch */
	long long events, deleted, merged, edited, own, deals, ignored;
};

/* The HubSpot object ("company"/"contact") an event is about, or -1 if other. */
static int
event_object(json_object *ev, const char *type, const char **action)
{
	const char *dot = strchr(type, '.'), *tid;

	*action = dot ? dot + 1 : "";
	if (strncmp(type, "company.", 8) == 0)
		return SO_COMPANY;
	if (strncmp(type, "contact.", 8) == 0)
		return SO_CONTACT;
	if (strncmp(type, "object.", 7) == 0 && (tid = xh_json_str(ev, "objectTypeId")) != NULL)
		return strcmp(tid, "0-2") == 0   ? SO_COMPANY
		       : strcmp(tid, "0-1") == 0 ? SO_CONTACT
		                                 : -1;
	return -1;
}

/* A member of ev that is an integer id (HubSpot sends numbers), as text; NULL if none. */
static const char *
id_member(struct xh_arena *a, json_object *ev, const char *key)
{
	json_object *v;
	long long n;

	if (!json_object_object_get_ex(ev, key, &v))
		return NULL;
	if (json_object_is_type(v, json_type_int) && (n = json_object_get_int64(v)) > 0)
		return xh_printf(a, "%lld", n);
	if (json_object_is_type(v, json_type_string) &&
	    strspn(json_object_get_string(v), "0123456789") == strlen(json_object_get_string(v)) &&
	    json_object_get_string_len(v) > 0 && json_object_get_string_len(v) <= 20)
		return xh_strdup(a, json_object_get_string(v));
	return NULL;
}

/* An audit row of one handled event. */
static enum xh_err
audit(struct hse_run *r, int o, const char *xero_id, const char *hs_id, const char *action,
      json_object *detail)
{
	const char *d = json_object_to_json_string_ext(detail, JSON_C_TO_STRING_PLAIN);
	enum xh_err e;

	e = xh_db_execv(r->ctx->db, &hse_sql[HQ_AUDIT], NULL, r->link,
	                o >= 0 ? sync_object_name((enum sync_object)o) : "", xero_id ? xero_id : "",
	                hs_id ? hs_id : "", action, "ok",
	                xh_printf(r->ctx->arena, "%lld", r->ctx->job->id), d);
	json_object_put(detail);
	return e;
}

static enum xh_err
on_deletion(struct hse_run *r, int o, const char *id)
{
	PGresult *res = NULL;
	json_object *d;
	enum xh_err e;

	e = xh_db_execv(r->ctx->db, &hse_sql[HQ_DELETED], &res, r->link, sync_object_name(o), id,
	                r->xero_wins ? "false" : "true");
	for (int i = 0; e == XH_OK && i < PQntuples(res); i++) {
		d = json_object_new_object();
		json_object_object_add(
		    d, "policy",
		    json_object_new_string(r->xero_wins ? "xero_wins" : "keep_hubspot_edits"));
		json_object_object_add(
		    d, "then",
		    json_object_new_string(r->xero_wins ? "re-created on the next push"
		                                        : "left deleted until it changes in Xero"));
		e = audit(r, o, PQgetvalue(res, i, 0), id, "hubspot.deleted", d);
		r->deleted++;
		r->push[o] |= r->xero_wins;
	}
	PQclear(res);
	return e;
}

/* The merged ids of a merge event (mergedObjectIds and the primary) as a SQL array. */
static const char *
merge_ids(struct xh_arena *a, json_object *ev, const char *primary)
{
	json_object *arr;
	const char *out = xh_printf(a, "{%s", primary ? primary : "0");

	if (json_object_object_get_ex(ev, "mergedObjectIds", &arr) &&
	    json_object_is_type(arr, json_type_array))
		for (size_t i = 0; i < json_object_array_length(arr) && i < 100; i++) {
			json_object *v = json_object_array_get_idx(arr, i);
			if (json_object_is_type(v, json_type_int) && json_object_get_int64(v) > 0)
				out = xh_printf(a, "%s,%lld", out,
				                (long long)json_object_get_int64(v));
		}
	return xh_printf(a, "%s}", out);
}

static enum xh_err
on_merge(struct hse_run *r, int o, json_object *ev)
{
	struct xh_arena *a = r->ctx->arena;
	const char *primary = id_member(a, ev, "primaryObjectId");
	const char *to = id_member(a, ev, "newObjectId"), *ids;
	PGresult *res = NULL;
	enum xh_err e;

	to = to ? to : primary;
	if (to == NULL)
		return r->ignored++, XH_OK;
	ids = merge_ids(a, ev, primary);
	e = xh_db_execv(r->ctx->db, &hse_sql[HQ_MERGE_X], &res, r->link, sync_object_name(o), ids,
	                primary ? primary : "", to);
	for (int i = 0; e == XH_OK && i < PQntuples(res); i++) {
		json_object *d = json_object_new_object();
		json_object_object_add(d, "merged_into", json_object_new_string(to));
		json_object_object_add(d, "then",
		                       json_object_new_string("excluded: another Xero "
		                                              "record owns the merged one"));
		e = audit(r, o, PQgetvalue(res, i, 0), to, "hubspot.merged", d);
	}
	PQclear(res);
	if (e == XH_OK)
		e = xh_db_execv(r->ctx->db, &hse_sql[HQ_MERGE_K], &res, r->link,
		                sync_object_name(o), ids, to);
	for (int i = 0; e == XH_OK && i < PQntuples(res); i++) {
		json_object *d = json_object_new_object();
		json_object_object_add(d, "merged_into", json_object_new_string(to));
		json_object_object_add(d, "ids", json_object_new_string(ids));
		e = audit(r, o, PQgetvalue(res, i, 0), to, "hubspot.merged", d);
		r->merged++;
	}
	PQclear(res);
	return e;
}

/* 1 if the link's mapping of o writes property. */
static int
owned(struct hse_run *r, int o, const char *property)
{
	struct sync_mapping m;
	char err[256];

	if (sync_mapping_load(r->ctx->db, r->ctx->arena, r->ctx->job->link_id, (enum sync_object)o,
	                      &m, err, sizeof(err)) != XH_OK)
		return 0;
	for (int i = 0; i < m.n; i++)
		if (strcmp(m.rules[i].target, property) == 0)
			return 1;
	return 0;
}

/* The audit detail of a person's edit. */
static json_object *
edit_detail(struct hse_run *r, json_object *ev, const char *property, const char *source)
{
	json_object *d = json_object_new_object();
	const char *value = xh_json_str(ev, "propertyValue"), *who = xh_json_str(ev, "sourceId");

	json_object_object_add(d, "property", json_object_new_string(property));
	json_object_object_add(d, "value", value ? json_object_new_string(value) : NULL);
	json_object_object_add(d, "source", json_object_new_string(source));
	json_object_object_add(d, "by", who ? json_object_new_string(who) : NULL);
	json_object_object_add(
	    d, "then",
	    json_object_new_string(r->xero_wins ? "overwritten on the next push"
	                                        : "not written back now (keep_hubspot_edits)"));
	return d;
}

static enum xh_err
on_property(struct hse_run *r, int o, const char *id, json_object *ev)
{
	const char *property = xh_json_str(ev, "propertyName");
	const char *source = xh_json_str(ev, "changeSource");
	PGresult *res = NULL;
	enum xh_err e;

	source = source ? source : "";
	if (strcmp(source, "INTEGRATION") == 0 || strcmp(source, "API") == 0)
		return r->own++, XH_OK;
	if (property == NULL || !owned(r, o, property))
		return r->ignored++, XH_OK;
	e = xh_db_execv(r->ctx->db, &hse_sql[HQ_EDITED], &res, r->link, sync_object_name(o), id,
	                r->xero_wins ? "true" : "false");
	for (int i = 0; e == XH_OK && i < PQntuples(res); i++) {
		e = audit(r, o, PQgetvalue(res, i, 0), id, "hubspot.edited",
		          edit_detail(r, ev, property, source));
		r->edited++;
		r->push[o] |= r->xero_wins;
	}
	if (e == XH_OK && PQntuples(res) == 0)
		r->ignored++;
	PQclear(res);
	return e;
}

/* Handles one stored event; a body that is not an event object is only marked handled. */
static enum xh_err
handle(struct hse_run *r, const char *body)
{
	json_object *ev = xh_json_parse_strict(body, strlen(body), 16);
	const char *type, *action, *id, *prop;
	enum xh_err e = XH_OK;
	int o;

	r->events++;
	type = ev ? xh_json_str(ev, "subscriptionType") : NULL;
	type = type ? type : ev ? xh_json_str(ev, "eventType") : NULL;
	if (type == NULL) {
		r->ignored++;
	} else if ((o = event_object(ev, type, &action)) < 0) {
		prop = xh_json_str(ev, "propertyName");
		if (strncmp(type, "deal.", 5) == 0 && prop && strcmp(prop, "dealstage") == 0)
			r->deals++; /* stays stored for HubSpot-to-Xero */
		else
			r->ignored++;
	} else if (strcmp(action, "merge") == 0) {
		e = on_merge(r, o, ev);
	} else if ((id = id_member(r->ctx->arena, ev, "objectId")) == NULL) {
		r->ignored++;
	} else if (strcmp(action, "deletion") == 0) {
		e = on_deletion(r, o, id);
	} else if (strcmp(action, "propertyChange") == 0) {
		e = on_property(r, o, id, ev);
	} else {
		r->ignored++;
	}
	json_object_put(ev);
	return e;
}

/* One batch in one transaction; *n the events taken. */
static enum xh_err
batch(struct hse_run *r, int *n)
{
	struct xh_db *db = r->ctx->db;
	PGresult *res = NULL;
	const char *ids = "{";
	enum xh_err e;

	*n = 0;
	memset(r->push, 0, sizeof(r->push));
	if ((e = xh_db_begin(db)) != XH_OK)
		return e;
	e = xh_db_execv(db, &hse_sql[HQ_TAKE], &res, r->link);
	for (int i = 0; e == XH_OK && i < PQntuples(res); i++) {
		e = handle(r, PQgetvalue(res, i, 1));
		ids = xh_printf(r->ctx->arena, "%s%s%s", ids, i ? "," : "", PQgetvalue(res, i, 0));
	}
	*n = e == XH_OK ? PQntuples(res) : 0;
	PQclear(res);
	if (e == XH_OK && *n > 0)
		e = xh_db_execv(db, &hse_sql[HQ_DONE], NULL, xh_printf(r->ctx->arena, "%s}", ids));
	for (int o = 0; e == XH_OK && o < SO__MAX; o++)
		if (r->push[o])
			e = sync_push_enqueue(db, r->ctx->arena, r->ctx->job->link_id, o);
	if (e == XH_OK)
		e = xh_db_commit(db);
	if (e != XH_OK)
		xh_db_rollback(db);
	return e;
}

/* The run's summary row. */
static enum xh_err
summary(struct hse_run *r)
{
	json_object *d = json_object_new_object();
	const struct {
		const char *k;
		long long v;
	} f[] = {{"events", r->events},  {"deleted", r->deleted}, {"merged", r->merged},
	         {"edited", r->edited},  {"own_or_app", r->own},  {"deal_stage", r->deals},
	         {"ignored", r->ignored}};

	for (size_t i = 0; i < XH_NELEM(f); i++)
		json_object_object_add(d, f[i].k, json_object_new_int64(f[i].v));
	return audit(r, -1, NULL, NULL, "hubspot.events", d);
}

enum xh_err
sync_hubspot_events(struct job_ctx *ctx)
{
	struct hse_run r = {.ctx = ctx};
	PGresult *res = NULL;
	enum xh_err e;
	int n = 0;

	if (ctx->job->link_id == 0)
		return job_error(ctx, XH_ERR_PERMANENT, "hubspot.events needs a link");
	r.link = xh_printf(ctx->arena, "%lld", ctx->job->link_id);
	if (xh_db_execv(ctx->db, &hse_sql[HQ_POLICY], &res, r.link) != XH_OK)
		return job_error(ctx, XH_ERR_DB, "reading the link: %s", xh_db_error(ctx->db));
	r.xero_wins = PQntuples(res) == 0 || strcmp(PQgetvalue(res, 0, 0), "xero_wins") == 0;
	PQclear(res);
	do {
		if ((e = batch(&r, &n)) != XH_OK)
			return job_error(ctx, XH_ERR_DB, "handling events: %s",
			                 xh_db_error(ctx->db));
	} while (n > 0 && !job_should_yield(ctx, 5000));
	if (r.events > 0 && summary(&r) != XH_OK)
		return job_error(ctx, XH_ERR_DB, "auditing: %s", xh_db_error(ctx->db));
	xh_log(XH_LOG_INFO, "hubspot.events", "link", r.link, "events",
	       xh_printf(ctx->arena, "%lld", r.events), "edited",
	       xh_printf(ctx->arena, "%lld", r.edited), NULL);
	if (n == 0)
		return XH_OK;
	ctx->snooze_ms = 100; /* yielded with events left: go on shortly */
	return job_error(ctx, XH_ERR_BUSY, "yielded with events left");
}
