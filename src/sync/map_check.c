/*
 * map_check.c: the portal's cached property lists and the editor's checks
 * of a rule before it is saved (map_check.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "sync/map_check.h"

enum check_sql {
	MC_PROPS,   /* MC_PROPS */
	MC_PENDING, /* MC_PENDING */
	MC_MEMBER,  /* MC_MEMBER */
	MC__MAX
};

/* clang-format off */
static const struct xh_sql check_sql[MC__MAX] = {
    /* MC_PROPS: one row per cached property (name NULL for an empty list) */
    {"sync_check_props",
     XH_SQL_IDEMPOTENT "SELECT to_char(c.fetched_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"'),"
     " p->>'name', coalesce(p->>'label', ''), coalesce(p->>'type', ''),"
     " (coalesce(p->'modificationMetadata'->'readOnlyValue', 'false'::jsonb) = 'true'::jsonb)::int"
     " FROM hubspot_property_cache c LEFT JOIN LATERAL jsonb_array_elements("
     "  CASE jsonb_typeof(c.body->'results') WHEN 'array' THEN c.body->'results'"
     "  ELSE '[]'::jsonb END) p ON true"
     " WHERE c.link_id = $1::bigint AND c.object = $2 ORDER BY p->>'name'", 2},
    /* MC_PENDING: the newest refresh: whether it waits or runs, and why it last failed */
    {"sync_check_pending",
     XH_SQL_IDEMPOTENT "SELECT (state IN ('available', 'running', 'retryable'))::int,"
     " CASE WHEN state IN ('retryable', 'discarded') THEN coalesce(last_error, '') ELSE '' END"
     " FROM job WHERE kind = 'hubspot.properties' AND link_id = $1::bigint"
     " ORDER BY id DESC LIMIT 1", 1},
    /* MC_MEMBER: whether the link mirrors records of the object, and whether one has member $3
       (one of its LineItems[] when $4); each EXISTS stops at the first match */
    {"sync_check_member",
     XH_SQL_IDEMPOTENT "SELECT EXISTS (SELECT 1 FROM xero_record WHERE link_id = $1::bigint"
     " AND object = $2)::int, (CASE WHEN $4::boolean THEN EXISTS (SELECT 1 FROM xero_record r"
     "  CROSS JOIN LATERAL jsonb_array_elements(CASE jsonb_typeof(r.payload->'LineItems')"
     "  WHEN 'array' THEN r.payload->'LineItems' ELSE '[]'::jsonb END) li"
     "  WHERE r.link_id = $1::bigint AND r.object = $2 AND jsonb_typeof(li) = 'object'"
     "  AND li ? $3)"
     " ELSE EXISTS (SELECT 1 FROM xero_record WHERE link_id = $1::bigint AND object = $2"
     "  AND payload ? $3) END)::int", 4},
};
/* clang-format on */

enum xh_err
sync_portal_props_load(struct xh_db *db, struct xh_arena *a, long long link, enum sync_object o,
                       struct sync_portal_props *out)
{
	PGresult *res = NULL;
	char id[24];
	int rows;

	memset(out, 0, sizeof(*out));
	snprintf(id, sizeof(id), "%lld", link);
	if (xh_db_execv(db, &check_sql[MC_PROPS], &res, id, sync_object_name(o)) != XH_OK)
		return XH_ERR_DB;
	rows = PQntuples(res);
	out->cached = rows > 0;
	out->fetched = rows > 0 ? xh_strdup(a, PQgetvalue(res, 0, 0)) : "";
	out->v = xh_alloc(a, sizeof(*out->v) * (size_t)(rows + 1));
	for (int i = 0; i < rows; i++) {
		struct sync_portal_prop *p = &out->v[out->n];
		if (PQgetisnull(res, i, 1))
			continue;
		p->name = xh_strdup(a, PQgetvalue(res, i, 1));
		p->label = xh_strdup(a, PQgetvalue(res, i, 2));
		p->type = xh_strdup(a, PQgetvalue(res, i, 3));
		p->read_only = PQgetvalue(res, i, 4)[0] == '1';
		out->n++;
	}
	PQclear(res);
	return XH_OK;
}

const struct sync_portal_prop *
sync_portal_prop_find(const struct sync_portal_props *p, const char *name)
{
	for (int i = 0; name != NULL && i < p->n; i++)
		if (strcmp(p->v[i].name, name) == 0)
			return &p->v[i];
	return NULL;
}

enum xh_err
sync_portal_props_refresh(struct xh_db *db, long long link)
{
	struct xh_arena *a = xh_arena_new();
	json_object *args = json_object_new_object(), *objs = json_object_new_array();
	struct job_new jn = {.kind = "hubspot.properties", .link_id = link};
	enum xh_err e;

	for (int o = 0; o < SO__MAX; o++)
		json_object_array_add(objs, json_object_new_string(sync_object_name(o)));
	json_object_object_add(args, "objects", objs);
	json_object_object_add(args, "max_age_s", json_object_new_int(0));
	jn.args = json_object_to_json_string(args);
	jn.unique_key = job_unique_key(a, jn.kind, link, NULL);
	e = job_enqueue(db, &jn, NULL, NULL);
	json_object_put(args);
	xh_arena_free(a);
	return e;
}

enum xh_err
sync_portal_props_pending(struct xh_db *db, struct xh_arena *a, long long link, int *pending,
                          const char **failed)
{
	PGresult *res = NULL;
	char id[24];
	enum xh_err e;
	int row;

	snprintf(id, sizeof(id), "%lld", link);
	e = xh_db_execv(db, &check_sql[MC_PENDING], &res, id);
	row = e == XH_OK && PQntuples(res) == 1;
	*pending = row && PQgetvalue(res, 0, 0)[0] == '1';
	*failed =
	    row && PQgetvalue(res, 0, 1)[0] != '\0' ? xh_strdup(a, PQgetvalue(res, 0, 1)) : NULL;
	PQclear(res);
	return e;
}

/* The target's problem, or NULL. */
static const char *
target_problem(struct xh_arena *a, const struct sync_mapping *m,
               const struct sync_mapping_change *c, const struct sync_portal_props *props)
{
	const struct sync_portal_prop *pp;

	if (c->target == NULL || !sync_property_name(c->target))
		return "HubSpot property: choose one of the portal's properties.";
	for (int i = 0; i < m->n; i++)
		if (m->rules[i].locked && strcmp(m->rules[i].target, c->target) == 0)
			return xh_printf(
			    a,
			    "HubSpot property: %s is a key rule the sync relies on; it "
			    "cannot be changed or turned off.",
			    c->target);
	if (props == NULL)
		return NULL;
	if (!props->cached)
		return "HubSpot property: the portal's properties have not been read yet. Press "
		       "\"Refresh properties\", wait a few seconds and save again.";
	if ((pp = sync_portal_prop_find(props, c->target)) == NULL)
		return xh_printf(a,
		                 "HubSpot property: the portal has no %s property %s. Choose one "
		                 "from the list, or press \"Refresh properties\" if you just "
		                 "created it.",
		                 sync_object_name(c->object), c->target);
	if (pp->read_only)
		return xh_printf(a, "HubSpot property: %s is read-only in HubSpot.", c->target);
	return NULL;
}

/* The first member an alternative of path names that no mirrored record has, or NULL. */
static enum xh_err
missing_member(struct xh_db *db, long long link, enum sync_object o, const struct sync_path *path,
               const char **missing)
{
	char id[24];

	*missing = NULL;
	snprintf(id, sizeof(id), "%lld", link);
	for (int i = 0; i < path->nalt && *missing == NULL; i++) {
		const struct sync_alt *alt = &path->alt[i];
		int lines = o == SO_LINE_ITEM && !alt->parent;
		PGresult *res = NULL;

		if (alt->nseg == 0 || strcmp(alt->seg[0].name, "_xhsync") == 0)
			continue;
		if (xh_db_execv(db, &check_sql[MC_MEMBER], &res, id, sync_object_source(o),
		                alt->seg[0].name, lines ? "true" : "false") != XH_OK)
			return XH_ERR_DB;
		if (PQgetvalue(res, 0, 0)[0] == '1' && PQgetvalue(res, 0, 1)[0] == '0')
			*missing = alt->seg[0].name;
		PQclear(res);
	}
	return XH_OK;
}

/* The source path's problem into p->source, or nothing. */
static enum xh_err
source_problem(struct xh_db *db, struct xh_arena *a, const struct sync_mapping_change *c,
               struct sync_rule_problems *p)
{
	struct sync_path path;
	const char *missing;
	char msg[200];

	if (c->source == NULL || c->source[0] == '\0') {
		p->source = "Xero source: enter a path such as Reference or Contact.Name.";
		return XH_OK;
	}
	if (sync_path_parse(a, c->source, &path, msg, sizeof(msg)) != XH_OK) {
		p->source = xh_printf(a, "Xero source: %s.", msg);
		return XH_OK;
	}
	if (missing_member(db, c->link, c->object, &path, &missing) != XH_OK)
		return XH_ERR_DB;
	if (missing != NULL)
		p->source = xh_printf(a,
		                      "Xero source: no mirrored Xero %s%s has a field '%s' (names "
		                      "are case-sensitive, as in Reference or Contact.Name).",
		                      sync_object_source(c->object),
		                      c->object == SO_LINE_ITEM ? " line" : "", missing);
	return XH_OK;
}

enum xh_err
sync_mapping_check(struct xh_db *db, struct xh_arena *a, const struct sync_mapping_change *c,
                   const struct sync_portal_props *props, struct sync_rule_problems *p)
{
	struct sync_mapping m;
	struct sync_xform xf;
	char msg[300];
	enum xh_err e;

	memset(p, 0, sizeof(*p));
	if ((e = sync_mapping_load(db, a, c->link, c->object, &m, msg, sizeof(msg))) != XH_OK)
		return e == XH_ERR_INVAL ? XH_OK : e;
	p->target = target_problem(a, &m, c, c->enabled ? props : NULL);
	if (!c->enabled)
		return XH_OK;
	if ((e = source_problem(db, a, c, p)) != XH_OK)
		return e;
	if (sync_xform_parse(a, c->transform ? c->transform : "text", &xf, msg, sizeof(msg)) !=
	    XH_OK)
		p->transform = xh_printf(a, "Transform: %s.", msg);
	return XH_OK;
}
