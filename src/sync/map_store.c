/*
 * map_store.c: field_mapping rows, validated saves with re-push marking
 * and audit, and the preview (map_store.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/map_store.h"
#include "sync/push.h"
#include "xero/pull.h"

enum map_sql {
	MQ_LIST,      /* MQ_LIST */
	MQ_LINK,      /* MQ_LINK */
	MQ_UPSERT,    /* MQ_UPSERT */
	MQ_DELETE,    /* MQ_DELETE */
	MQ_REPUSH,    /* MQ_REPUSH */
	MQ_AUDIT,     /* MQ_AUDIT */
	MQ_BY_ID,     /* MQ_BY_ID */
	MQ_BY_NUMBER, /* MQ_BY_NUMBER */
	MQ_PERSON,    /* MQ_PERSON */
	MQ__MAX
};

/* clang-format off */
static const struct xh_sql map_sql[MQ__MAX] = {
    {"sync_map_list", /* MQ_LIST */
     "SELECT target_property, source_path, transform, enabled FROM field_mapping"
     " WHERE link_id = $1::bigint AND object = $2 ORDER BY id", 2},
    {"sync_map_link", /* MQ_LINK: locks the link so concurrent saves validate in turn */
     "SELECT id FROM link WHERE id = $1::bigint FOR UPDATE", 1},
    {"sync_map_upsert", /* MQ_UPSERT */
     "INSERT INTO field_mapping (link_id, object, target_property, source_path, transform,"
     " enabled) VALUES ($1::bigint, $2, $3, $4, $5, $6::boolean)"
     " ON CONFLICT (link_id, object, target_property) DO UPDATE SET"
     " source_path = EXCLUDED.source_path, transform = EXCLUDED.transform,"
     " enabled = EXCLUDED.enabled", 6},
    {"sync_map_delete", /* MQ_DELETE: $3 NULL drops every override of the object */
     "DELETE FROM field_mapping WHERE link_id = $1::bigint AND object = $2"
     " AND ($3::text IS NULL OR target_property = $3)", 3},
    {"sync_map_repush", /* MQ_REPUSH: line items are written with their invoice */
     "UPDATE hubspot_ref SET pushed_hash = NULL WHERE link_id = $1::bigint"
     " AND object = CASE WHEN $2 = 'line_item' THEN 'invoice' ELSE $2 END"
     " AND pushed_hash IS NOT NULL", 2},
    {"sync_map_audit", /* MQ_AUDIT */
     "INSERT INTO audit_event (link_id, object, action, outcome, actor, detail)"
     " VALUES ($1::bigint, $2, $3, 'ok', $4, $5::jsonb)", 5},
    {"sync_map_by_id", /* MQ_BY_ID */
     "SELECT xero_id, payload::text FROM xero_record"
     " WHERE link_id = $1::bigint AND object = $2 AND xero_id = $3::uuid", 3},
    {"sync_map_by_number", /* MQ_BY_NUMBER: the newest record with that number */
     "SELECT xero_id, payload::text FROM xero_record"
     " WHERE link_id = $1::bigint AND object = $2 AND payload->>$3 = $4"
     " ORDER BY updated_at DESC LIMIT 1", 4},
    /*
     * MQ_PERSON: a contact person (push_sql.c, 0019) by its id or email, as
     * the contact mapping reads it, whether or not the link sends persons
     */
    {"sync_map_person",
     XH_SQL_IDEMPOTENT "SELECT xh_person_id(r.xero_id, p->>'EmailAddress'), xh_person_doc(r.payload, p)::text"
     " FROM xero_record r CROSS JOIN LATERAL jsonb_array_elements(xh_arr(r.payload,"
     " 'ContactPersons')) p WHERE r.link_id = $1::bigint AND r.object = 'contact'"
     " AND jsonb_typeof(p) = 'object' AND (xh_person_id(r.xero_id, p->>'EmailAddress')::text = lower($2)"
     " OR lower(btrim(p->>'EmailAddress')) = lower(btrim($2)))"
     " ORDER BY r.updated_at DESC LIMIT 1", 2},
};
/* clang-format on */

const char *
sync_mapping_number_field(const char *xero_object)
{
	if (strcmp(xero_object, "invoice") == 0)
		return "InvoiceNumber";
	if (strcmp(xero_object, "contact") == 0)
		return "ContactNumber";
	return "Code";
}

enum xh_err
sync_mapping_load(struct xh_db *db, struct xh_arena *a, long long link, enum sync_object o,
                  struct sync_mapping *m, char *err, size_t errlen)
{
	char id[24];
	PGresult *res = NULL;
	enum xh_err e;

	snprintf(id, sizeof(id), "%lld", link);
	sync_mapping_defaults(a, o, m);
	if ((e = xh_db_execv(db, &map_sql[MQ_LIST], &res, id, sync_object_name(o))) != XH_OK) {
		xh_errf(err, errlen, "%s", xh_db_error(db));
		return e;
	}
	for (int i = 0; i < PQntuples(res) && e == XH_OK; i++) {
		char msg[240];
		e = sync_mapping_override(a, m, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
		                          PQgetvalue(res, i, 2), PQgetvalue(res, i, 3)[0] == 't',
		                          msg, sizeof(msg));
		if (e != XH_OK)
			xh_errf(err, errlen, "stored mapping of %s.%s: %s", sync_object_name(o),
			        PQgetvalue(res, i, 0), msg);
	}
	PQclear(res);
	return e;
}

/* What a change transaction needs. */
struct change_tx {
	const struct sync_mapping_change *c;
	const char *action;
	int set; /* a rule was stored (not dropped) */
	long long repush;
	char *err;
	size_t errlen;
};

/* Locks the link; XH_ERR_NOTFOUND when there is none. */
static enum xh_err
lock_link(struct xh_db *db, const char *id, struct change_tx *t)
{
	PGresult *res = NULL;
	enum xh_err e = xh_db_execv(db, &map_sql[MQ_LINK], &res, id);

	if (e == XH_OK && PQntuples(res) == 0) {
		xh_errf(t->err, t->errlen, "there is no link %s", id);
		e = XH_ERR_NOTFOUND;
	}
	PQclear(res);
	return e;
}

/* Enqueues the push that rewrites what the change marked (line items go with invoices). */
static enum xh_err
repush_now(struct xh_db *db, const struct sync_mapping_change *c)
{
	struct xh_arena *a = xh_arena_new();
	enum xh_err e =
	    sync_push_enqueue(db, a, c->link, c->object == SO_LINE_ITEM ? SO_INVOICE : c->object);

	xh_arena_free(a);
	return e;
}

/* Marks the object's records for re-push, audits the change, and enqueues the push. */
static enum xh_err
repush_and_audit(struct xh_db *db, const char *id, struct change_tx *t)
{
	const struct sync_mapping_change *c = t->c;
	const char *obj = sync_object_name(c->object);
	PGresult *res = NULL;
	json_object *d = json_object_new_object();
	enum xh_err e;

	if ((e = xh_db_execv(db, &map_sql[MQ_REPUSH], &res, id, obj)) != XH_OK)
		goto out;
	t->repush = strtoll(PQcmdTuples(res), NULL, 10);
	if (c->target != NULL)
		json_object_object_add(d, "target", json_object_new_string(c->target));
	if (t->set) {
		json_object_object_add(d, "source", json_object_new_string(c->source));
		json_object_object_add(
		    d, "transform", json_object_new_string(c->transform ? c->transform : "text"));
		json_object_object_add(d, "enabled", json_object_new_boolean(c->enabled));
	}
	json_object_object_add(d, "repush", json_object_new_int64(t->repush));
	e = xh_db_execv(db, &map_sql[MQ_AUDIT], NULL, id, obj, t->action,
	                c->actor ? c->actor : "system", json_object_to_json_string(d));
	if (e == XH_OK && t->repush > 0)
		e = repush_now(db, c);
out:
	PQclear(res);
	json_object_put(d);
	return e;
}

static enum xh_err
set_tx(struct xh_db *db, void *arg)
{
	struct change_tx *t = arg;
	const struct sync_mapping_change *c = t->c;
	struct xh_arena *a = xh_arena_new();
	struct sync_mapping m;
	char id[24];
	enum xh_err e;

	snprintf(id, sizeof(id), "%lld", c->link);
	if ((e = lock_link(db, id, t)) != XH_OK ||
	    (e = sync_mapping_load(db, a, c->link, c->object, &m, t->err, t->errlen)) != XH_OK)
		goto out;
	if ((e = sync_mapping_override(a, &m, c->target, c->source, c->transform, c->enabled,
	                               t->err, t->errlen)) != XH_OK)
		goto out;
	e = xh_db_execv(db, &map_sql[MQ_UPSERT], NULL, id, sync_object_name(c->object), c->target,
	                c->source, c->transform && c->transform[0] ? c->transform : "text",
	                c->enabled ? "true" : "false");
	if (e == XH_OK)
		e = repush_and_audit(db, id, t);
out:
	xh_arena_free(a);
	return e;
}

enum xh_err
sync_mapping_set(struct xh_db *db, const struct sync_mapping_change *c, long long *repush,
                 char *err, size_t errlen)
{
	struct change_tx t = {c, "mapping.set", 1, 0, err, errlen};
	enum xh_err e;

	err[0] = '\0';
	e = xh_db_tx(db, set_tx, &t);
	if (e == XH_ERR_DB && err[0] == '\0')
		xh_errf(err, errlen, "%s", xh_db_error(db));
	*repush = t.repush;
	return e;
}

static enum xh_err
unset_tx(struct xh_db *db, void *arg)
{
	struct change_tx *t = arg;
	const struct sync_mapping_change *c = t->c;
	PGresult *res = NULL;
	char id[24];
	enum xh_err e;

	snprintf(id, sizeof(id), "%lld", c->link);
	if ((e = lock_link(db, id, t)) != XH_OK)
		return e;
	e = xh_db_execv(db, &map_sql[MQ_DELETE], &res, id, sync_object_name(c->object), c->target);
	if (e == XH_OK && strcmp(PQcmdTuples(res), "0") == 0) {
		xh_errf(t->err, t->errlen, "%s has no override%s%s", sync_object_name(c->object),
		        c->target ? " of " : "s", c->target ? c->target : "");
		e = XH_ERR_NOTFOUND;
	}
	PQclear(res);
	return e == XH_OK ? repush_and_audit(db, id, t) : e;
}

enum xh_err
sync_mapping_unset(struct xh_db *db, const struct sync_mapping_change *c, long long *repush,
                   char *err, size_t errlen)
{
	struct change_tx t = {c, c->target ? "mapping.unset" : "mapping.reset", 0, 0, err, errlen};
	enum xh_err e;

	err[0] = '\0';
	e = xh_db_tx(db, unset_tx, &t);
	if (e == XH_ERR_DB && err[0] == '\0')
		xh_errf(err, errlen, "%s", xh_db_error(db));
	*repush = t.repush;
	return e;
}

/* Renders one record (or, for line items, each of its lines) into out. */
static void
render_into(struct xh_arena *a, const struct sync_mapping *m, json_object *rec, json_object *out)
{
	json_object *props = NULL, *lines, *items = NULL;
	char msg[300];

	if (m->object != SO_LINE_ITEM) {
		if (sync_map_render(a, m, rec, NULL, &props, msg, sizeof(msg)) == XH_OK)
			json_object_object_add(out, "properties", props);
		else
			json_object_object_add(out, "error", json_object_new_string(msg));
		return;
	}
	lines = json_object_new_array();
	if (!json_object_object_get_ex(rec, "LineItems", &items) ||
	    !json_object_is_type(items, json_type_array))
		items = NULL;
	for (size_t i = 0; items != NULL && i < json_object_array_length(items); i++) {
		json_object *line = json_object_new_object();
		if (sync_map_render(a, m, json_object_array_get_idx(items, i), rec, &props, msg,
		                    sizeof(msg)) == XH_OK)
			json_object_object_add(line, "properties", props);
		else
			json_object_object_add(line, "error", json_object_new_string(msg));
		json_object_array_add(lines, line);
	}
	json_object_object_add(out, "lines", lines);
}

/*
 * The mirrored record named by key, as (xero_id, payload) in res: by id or
 * number; a contact also by its Name, and a contact person by its id or
 * email (as the contact mapping reads it).
 */
static enum xh_err
find_record(struct xh_db *db, const char *id, const char *xobj, const char *key, PGresult **res)
{
	int contact = strcmp(xobj, "contact") == 0;
	enum xh_err e;

	if (xero_is_uuid(key))
		e = xh_db_execv(db, &map_sql[MQ_BY_ID], res, id, xobj, key);
	else if ((e = xh_db_execv(db, &map_sql[MQ_BY_NUMBER], res, id, xobj,
	                          sync_mapping_number_field(xobj), key)) == XH_OK &&
	         PQntuples(*res) == 0 && contact) {
		PQclear(*res);
		*res = NULL;
		e = xh_db_execv(db, &map_sql[MQ_BY_NUMBER], res, id, xobj, "Name", key);
	}
	if (e != XH_OK || PQntuples(*res) > 0 || !contact)
		return e;
	PQclear(*res);
	*res = NULL;
	return xh_db_execv(db, &map_sql[MQ_PERSON], res, id, key);
}

/*
 * Finds the record named by key and renders it through the stored mapping
 * ("before" when edits is non-NULL, else straight into *out) and, with
 * edits, through the stored mapping with edits[0..nedits-1] on top
 * ("after"). XH_ERR_INVAL when an edit does not compile.
 */
static enum xh_err
preview(struct xh_db *db, struct xh_arena *a, long long link, enum sync_object o, const char *key,
        const struct sync_mapping_change *edits, int nedits, json_object **out, char *err,
        size_t errlen)
{
	const char *xobj = sync_object_source(o);
	struct sync_mapping m, m2;
	PGresult *res = NULL;
	json_object *rec = NULL;
	char id[24];
	enum xh_err e;

	*out = NULL;
	snprintf(id, sizeof(id), "%lld", link);
	if ((e = sync_mapping_load(db, a, link, o, &m, err, errlen)) != XH_OK ||
	    (edits != NULL && (e = sync_mapping_load(db, a, link, o, &m2, err, errlen)) != XH_OK))
		return e;
	for (int i = 0; i < nedits; i++)
		if ((e = sync_mapping_override(a, &m2, edits[i].target, edits[i].source,
		                               edits[i].transform, edits[i].enabled, err,
		                               errlen)) != XH_OK)
			return e;
	if ((e = find_record(db, id, xobj, key, &res)) != XH_OK) {
		xh_errf(err, errlen, "%s", xh_db_error(db));
		return e;
	}
	if (PQntuples(res) == 0) {
		xh_errf(err, errlen, "link %s has no mirrored %s '%.100s' (by id or %s%s)", id,
		        xobj, key, sync_mapping_number_field(xobj),
		        strcmp(xobj, "contact") == 0 ? ", Name, or a contact person's email" : "");
		PQclear(res);
		return XH_ERR_NOTFOUND;
	}
	rec = json_tokener_parse(PQgetvalue(res, 0, 1));
	*out = json_object_new_object();
	json_object_object_add(*out, "xero_id", json_object_new_string(PQgetvalue(res, 0, 0)));
	json_object_object_add(*out, "object", json_object_new_string(sync_object_name(o)));
	if (edits == NULL) {
		render_into(a, &m, rec, *out);
	} else {
		json_object *before = json_object_new_object(), *after = json_object_new_object();
		render_into(a, &m, rec, before);
		render_into(a, &m2, rec, after);
		json_object_object_add(*out, "before", before);
		json_object_object_add(*out, "after", after);
	}
	json_object_put(rec);
	PQclear(res);
	return XH_OK;
}

enum xh_err
sync_mapping_preview(struct xh_db *db, struct xh_arena *a, long long link, enum sync_object o,
                     const char *key, json_object **out, char *err, size_t errlen)
{
	return preview(db, a, link, o, key, NULL, 0, out, err, errlen);
}

enum xh_err
sync_mapping_preview_edits(struct xh_db *db, struct xh_arena *a, long long link, enum sync_object o,
                           const char *key, const struct sync_mapping_change *edits, int nedits,
                           json_object **out, char *err, size_t errlen)
{
	static const struct sync_mapping_change none;

	return preview(db, a, link, o, key, nedits > 0 ? edits : &none, nedits, out, err, errlen);
}

enum xh_err
sync_mapping_disabled(struct xh_db *db, struct xh_arena *a, long long link, enum sync_object o,
                      const char ***targets, int *n)
{
	char id[24];
	PGresult *res = NULL;
	enum xh_err e;

	*n = 0;
	*targets = NULL;
	snprintf(id, sizeof(id), "%lld", link);
	if ((e = xh_db_execv(db, &map_sql[MQ_LIST], &res, id, sync_object_name(o))) != XH_OK)
		return e;
	*targets = xh_alloc(a, sizeof(**targets) * (size_t)(PQntuples(res) + 1));
	for (int i = 0; i < PQntuples(res); i++)
		if (PQgetvalue(res, i, 3)[0] != 't')
			(*targets)[(*n)++] = xh_strdup(a, PQgetvalue(res, i, 0));
	PQclear(res);
	return XH_OK;
}
