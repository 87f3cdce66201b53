/*
 * props.c: the portal's property definitions per object
 * (GET /crm/v3/properties/{objectType}, HUBSPOT.md 2.3), cached per link
 * in hubspot_property_cache so the mapping editor lists real properties
 * without a call each time.
 */
#include <stdio.h>

#include "hubspot/crm.h"

enum props_sql {
	HPR_GET, /* HPR_GET */
	HPR_PUT, /* HPR_PUT */
	HPR__MAX
};

static const struct xh_sql props_sql[HPR__MAX] = {
    /* HPR_GET: the cached body if young enough */
    {"hubspot_props_get",
     "SELECT body::text FROM hubspot_property_cache WHERE link_id = $1::bigint AND object = $2"
     " AND fetched_at > now() - $3::bigint * interval '1 millisecond'",
     3},
    /* HPR_PUT */
    {"hubspot_props_put",
     "INSERT INTO hubspot_property_cache (link_id, object, body) VALUES ($1::bigint, $2, $3::jsonb)"
     " ON CONFLICT (link_id, object) DO UPDATE SET body = EXCLUDED.body, fetched_at = now()",
     3},
};

/* 1 if body is {"results": [...]}. */
static int
is_property_list(const struct xh_http_resp *r)
{
	json_object *root = json_tokener_parse(r->body), *res;
	int ok = root != NULL && json_object_is_type(root, json_type_object) &&
	         json_object_object_get_ex(root, "results", &res) &&
	         json_object_is_type(res, json_type_array);

	json_object_put(root);
	return ok;
}

enum xh_err
hs_properties(struct hs_client *c, enum hs_object o, long long max_age_ms, char **json)
{
	const struct hs_object_info *info = hs_object(o);
	char lk[24], age[24];
	struct hs_answer ans;
	PGresult *res = NULL;
	enum xh_err err;

	snprintf(lk, sizeof(lk), "%lld", c->link_id);
	snprintf(age, sizeof(age), "%lld", max_age_ms);
	if (xh_db_execv(c->ctx->db, &props_sql[HPR_GET], &res, lk, info->name, age) != XH_OK)
		return job_error(c->ctx, XH_ERR_DB, "property cache: %s", xh_db_error(c->ctx->db));
	*json = PQntuples(res) == 1 ? xh_strdup(c->ctx->arena, PQgetvalue(res, 0, 0)) : NULL;
	PQclear(res);
	if (*json != NULL)
		return XH_OK;
	err = hs_call(c, "GET", xh_printf(c->ctx->arena, "/crm/v3/properties/%s", info->path), NULL,
	              0, &ans);
	if (err != XH_OK)
		return err;
	c->props_calls++;
	if (ans.v != HS_V_OK || !is_property_list(&ans.resp))
		return job_error(c->ctx, XH_ERR_PERMANENT, "HubSpot properties of %s: answer %d",
		                 info->path, ans.resp.status);
	if (xh_db_execv(c->ctx->db, &props_sql[HPR_PUT], &res, lk, info->name, ans.resp.body) !=
	    XH_OK)
		return job_error(c->ctx, XH_ERR_DB, "property cache: %s", xh_db_error(c->ctx->db));
	PQclear(res);
	*json = ans.resp.body;
	return XH_OK;
}
