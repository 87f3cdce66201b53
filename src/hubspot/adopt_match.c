/*
 * adopt_match.c: adoption of pre-existing HubSpot companies on a link's
 * first push (adopt.h). Every company of the portal without a Xero id is
 * read with search (its own budget) and matched, in one statement, to the
 * Xero contacts not in HubSpot yet, by the link's match_key (SQL
 * xh_match_value, 0018): the email's domain (free mail never matches),
 * the name (case and spaces ignored) or a contact number already in
 * xero_contact_number. One candidate each way is adopted: hubspot_ref gets
 * its id without a pushed hash, so the push updates that company by id
 * (and from then on by xero_contact_id) instead of creating one. Anything
 * else with a candidate is a conflict (sync_conflict), never guessed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hubspot/adopt.h"
#include "hubspot/crm.h"

enum match_sql {
	HAM_MATCH, /* HAM_MATCH */
	HAM_DONE,  /* HAM_DONE */
	HAM__MAX
};

/* clang-format off */
static const struct xh_sql match_sql[HAM__MAX] = {
    /*
     * HAM_MATCH: $2 match key, $3 [{h, name, domain, number}] the portal's
     * companies without a Xero id, $4 job. Returns (adopted, conflicts).
     */
    {"hubspot_adopt_match",
     "WITH hs AS (SELECT r.h, xh_match_value($2, CASE $2 WHEN 'domain' THEN r.domain"
     "   WHEN 'name' THEN r.name ELSE r.number END) AS k"
     "  FROM jsonb_to_recordset($3::jsonb) AS r(h text, name text, domain text, number text)"
     "  WHERE NOT EXISTS (SELECT 1 FROM hubspot_ref f WHERE f.link_id = $1::bigint"
     "   AND f.object = 'company' AND f.hubspot_id = r.h)),"
     " xc AS (SELECT r.xero_id, xh_match_value($2, CASE $2"
     "   WHEN 'domain' THEN split_part(r.payload->>'EmailAddress', '@', 2)"
     "   WHEN 'name' THEN r.payload->>'Name' ELSE r.payload->>'ContactNumber' END) AS k"
     "  FROM xero_record r WHERE r.link_id = $1::bigint AND r.object = 'contact'"
     "  AND NOT EXISTS (SELECT 1 FROM hubspot_ref f WHERE f.link_id = $1::bigint"
     "   AND f.object = 'company' AND f.xero_id = r.xero_id AND f.hubspot_id IS NOT NULL)),"
     " m AS (SELECT xc.xero_id, xc.k, array_agg(DISTINCT hs.h) AS ids"
     "  FROM xc JOIN hs ON hs.k = xc.k GROUP BY xc.xero_id, xc.k),"
     " shared AS (SELECT h FROM m, unnest(m.ids) h GROUP BY h HAVING count(*) > 1),"
     " ok AS (SELECT xero_id, ids[1] AS h FROM m WHERE cardinality(ids) = 1"
     "  AND ids[1] NOT IN (SELECT h FROM shared)),"
     " ins AS (INSERT INTO hubspot_ref (link_id, object, xero_id, hubspot_id)"
     "  SELECT $1::bigint, 'company', xero_id, h FROM ok"
     "  ON CONFLICT (link_id, object, xero_id) DO UPDATE SET hubspot_id = EXCLUDED.hubspot_id,"
     "  pushed_hash = NULL, excluded = NULL WHERE hubspot_ref.hubspot_id IS NULL"
     "  RETURNING xero_id, hubspot_id),"
     " con AS (INSERT INTO sync_conflict (link_id, xero_id, match_key, match_value, candidates)"
     "  SELECT $1::bigint, xero_id, $2, left(k, 500), to_jsonb(ids) FROM m"
     "  WHERE xero_id NOT IN (SELECT xero_id FROM ok)"
     "  ON CONFLICT (link_id, xero_id) DO UPDATE SET match_key = EXCLUDED.match_key,"
     "  match_value = EXCLUDED.match_value, candidates = EXCLUDED.candidates,"
     "  created_at = now(), resolved_at = NULL, resolution = NULL RETURNING xero_id),"
     " aud AS (INSERT INTO audit_event (link_id, object, xero_id, hubspot_id, action, outcome,"
     "  job_id, detail)"
     "  SELECT $1::bigint, 'company', xero_id, hubspot_id, 'hubspot.adopt', 'ok', $4::bigint,"
     "  jsonb_build_object('match_key', $2::text) FROM ins"
     "  UNION ALL SELECT $1::bigint, 'company', xero_id, NULL, 'hubspot.adopt', 'skipped',"
     "  $4::bigint, jsonb_build_object('match_key', $2::text, 'reason',"
     "  'more than one HubSpot company matches: see xhsync link conflicts') FROM con"
     "  RETURNING 1)"
     " SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM con), (SELECT count(*) FROM aud)",
     4},
    /* HAM_DONE: the link's first-push adoption ran */
    {"hubspot_adopt_done",
     XH_SQL_IDEMPOTENT "UPDATE link SET hubspot_adopted_at = now() WHERE id = $1::bigint", 1},
};
/* clang-format on */

static const char *const match_props[] = {"name", "domain", "xero_contact_id",
                                          "xero_contact_number"};

/* A string property of a search hit, or NULL. */
static const char *
prop(json_object *props, const char *k)
{
	json_object *v = NULL;

	return props != NULL && json_object_object_get_ex(props, k, &v) &&
	               json_object_is_type(v, json_type_string)
	           ? json_object_get_string(v)
	           : NULL;
}

/* The same, "" when absent. */
static json_object *
prop_str(json_object *props, const char *k)
{
	const char *v = prop(props, k);

	return json_object_new_string(v != NULL ? v : "");
}

/* One company of the portal: kept unless it already carries a Xero id. */
static int
on_company(const char *id, json_object *props, void *arg)
{
	json_object *rows = arg, *row;
	const char *x = prop(props, "xero_contact_id");

	if (x != NULL && x[0] != '\0')
		return 0; /* hubspot.adopt's own walk takes those */
	row = json_object_new_object();
	json_object_object_add(row, "h", json_object_new_string(id));
	json_object_object_add(row, "name", prop_str(props, "name"));
	json_object_object_add(row, "domain", prop_str(props, "domain"));
	json_object_object_add(row, "number", prop_str(props, "xero_contact_number"));
	json_object_array_add(rows, row);
	return 0;
}

enum xh_err
hubspot_adopt_match(struct job_ctx *ctx, const char *match_key, long long *adopted,
                    long long *conflicts)
{
	struct hs_client c;
	json_object *rows = json_object_new_array();
	PGresult *res = NULL;
	char lk[24], job[24];
	enum xh_err err;

	*adopted = *conflicts = 0;
	snprintf(lk, sizeof(lk), "%lld", ctx->job->link_id);
	snprintf(job, sizeof(job), "%lld", ctx->job->id);
	if (strcmp(match_key, "none") == 0)
		goto done;
	if ((err = hs_client_init(&c, ctx, ctx->job->link_id)) != XH_OK ||
	    (err = hs_search(&c, HS_COMPANY, NULL, match_props, (int)XH_NELEM(match_props),
	                     on_company, rows)) != XH_OK)
		goto out;
	if (xh_db_execv(ctx->db, &match_sql[HAM_MATCH], &res, lk, match_key,
	                json_object_to_json_string_ext(rows, JSON_C_TO_STRING_PLAIN),
	                job) != XH_OK) {
		err = job_error(ctx, XH_ERR_DB, "adoption: %s", xh_db_error(ctx->db));
		goto out;
	}
	*adopted = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	*conflicts = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
done:
	err = xh_db_execv(ctx->db, &match_sql[HAM_DONE], NULL, lk) == XH_OK
	          ? XH_OK
	          : job_error(ctx, XH_ERR_DB, "adoption: %s", xh_db_error(ctx->db));
out:
	json_object_put(rows);
	return err;
}
