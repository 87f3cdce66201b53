/*
 * adopt.c: hubspot.adopt and hubspot.properties (adopt.h). Adoption walks
 * the portal with search (its own budget, past the 10,000 cap) and stores
 * what it found in batches of one statement each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hubspot/adopt.h"
#include "hubspot/crm.h"
#include "log.h"
#include "xero/pull.h"

#define ADOPT_FLUSH 1000 /* records a statement */

enum adopt_sql {
	HAD_STORE, /* HAD_STORE */
	HAD_AUDIT, /* HAD_AUDIT */
	HAD__MAX
};

static const struct xh_sql adopt_sql[HAD__MAX] = {
    /* HAD_STORE: rows {x, h}; known records are left alone */
    {"hubspot_adopt_store",
     "WITH v AS (SELECT DISTINCT ON (x) x, h FROM jsonb_to_recordset($3::jsonb) AS r(x uuid, h "
     "text)"
     "   ORDER BY x, h),"
     " ins AS (INSERT INTO hubspot_ref (link_id, object, xero_id, hubspot_id)"
     "   SELECT $1::bigint, $2::text, x, h FROM v WHERE NOT EXISTS (SELECT 1 FROM hubspot_ref r"
     "   WHERE r.link_id = $1::bigint AND r.object = $2::text AND (r.xero_id = v.x OR r.hubspot_id "
     "= "
     "v.h))"
     "   ON CONFLICT DO NOTHING RETURNING 1)"
     " SELECT count(*) FROM ins",
     3},
    /* HAD_AUDIT */
    {"hubspot_adopt_audit",
     "INSERT INTO audit_event (link_id, object, action, outcome, job_id, detail)"
     " VALUES ($1::bigint, $2, 'hubspot.adopt', 'ok', $3::bigint, $4::jsonb)",
     4},
};

struct adopt {
	struct job_ctx *ctx;
	enum hs_object o;
	const char *prop; /* the property holding the Xero id */
	json_object *rows;
	long long seen, adopted, skipped;
	enum xh_err err;
};

static enum xh_err
flush(struct adopt *ad)
{
	char lk[24];
	PGresult *res = NULL;

	if (json_object_array_length(ad->rows) == 0)
		return XH_OK;
	snprintf(lk, sizeof(lk), "%lld", ad->ctx->job->link_id);
	if (xh_db_execv(ad->ctx->db, &adopt_sql[HAD_STORE], &res, lk, hs_object(ad->o)->name,
	                json_object_to_json_string_ext(ad->rows, JSON_C_TO_STRING_PLAIN)) != XH_OK)
		return job_error(ad->ctx, XH_ERR_DB, "adopt: %s", xh_db_error(ad->ctx->db));
	ad->adopted += strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	json_object_put(ad->rows);
	ad->rows = json_object_new_array();
	return XH_OK;
}

/* One search hit: kept when its Xero id is a UUID. */
static int
on_record(const char *id, json_object *props, void *arg)
{
	struct adopt *ad = arg;
	json_object *v, *row;
	const char *x = NULL;

	ad->seen++;
	if (props != NULL && json_object_object_get_ex(props, ad->prop, &v) &&
	    json_object_is_type(v, json_type_string))
		x = json_object_get_string(v);
	if (x == NULL || !xero_is_uuid(x)) {
		ad->skipped++;
		return 0;
	}
	row = json_object_new_object();
	json_object_object_add(row, "x", json_object_new_string(x));
	json_object_object_add(row, "h", json_object_new_string(id));
	json_object_array_add(ad->rows, row);
	if (json_object_array_length(ad->rows) >= ADOPT_FLUSH && (ad->err = flush(ad)) != XH_OK)
		return 1;
	return 0;
}

static enum xh_err
audit(struct adopt *ad, const struct hs_client *c)
{
	char lk[24], job[24], detail[256];
	PGresult *res = NULL;

	snprintf(lk, sizeof(lk), "%lld", ad->ctx->job->link_id);
	snprintf(job, sizeof(job), "%lld", ad->ctx->job->id);
	snprintf(detail, sizeof(detail),
	         "{\"seen\": %lld, \"adopted\": %lld, \"skipped\": %lld, \"calls\": %d}", ad->seen,
	         ad->adopted, ad->skipped, c->search_calls);
	if (xh_db_execv(ad->ctx->db, &adopt_sql[HAD_AUDIT], &res, lk, hs_object(ad->o)->name, job,
	                detail) != XH_OK)
		return job_error(ad->ctx, XH_ERR_DB, "adopt audit: %s", xh_db_error(ad->ctx->db));
	PQclear(res);
	return XH_OK;
}

enum xh_err
hubspot_adopt(struct job_ctx *ctx)
{
	struct adopt ad = {.ctx = ctx};
	struct hs_client c;
	struct hs_filter f = {NULL, "HAS_PROPERTY", NULL};
	char *obj = NULL;
	int o;
	enum xh_err err;

	if (ctx->job->link_id == 0 || job_arg_str(ctx->job, ctx->arena, "object", &obj) != XH_OK ||
	    (o = hs_object_parse(obj)) < 0)
		return job_error(ctx, XH_ERR_INVAL, "hubspot.adopt needs a link and an object");
	ad.o = (enum hs_object)o;
	ad.prop = ad.o == HS_CONTACT ? "xero_contact_id" : hs_object(ad.o)->id_prop;
	f.prop = ad.prop;
	if ((err = hs_client_init(&c, ctx, ctx->job->link_id)) != XH_OK)
		return err;
	ad.rows = json_object_new_array();
	err = hs_search(&c, ad.o, &f, &ad.prop, 1, on_record, &ad);
	if (err == XH_OK)
		err = ad.err != XH_OK ? ad.err : flush(&ad);
	json_object_put(ad.rows);
	if (err == XH_OK)
		err = audit(&ad, &c);
	return err;
}

enum xh_err
hubspot_properties(struct job_ctx *ctx)
{
	json_object *root = json_tokener_parse(ctx->job->args), *objs;
	struct hs_client c;
	long long age = 0;
	char *json;
	enum xh_err err = XH_OK;

	if (ctx->job->link_id == 0 || root == NULL ||
	    !json_object_object_get_ex(root, "objects", &objs) ||
	    !json_object_is_type(objs, json_type_array) ||
	    job_arg_int(ctx->job, "max_age_s", 0, 0, 86400 * 365, &age) != XH_OK) {
		err = job_error(ctx, XH_ERR_INVAL, "hubspot.properties needs a link and objects");
		goto out;
	}
	if ((err = hs_client_init(&c, ctx, ctx->job->link_id)) != XH_OK)
		goto out;
	for (size_t i = 0; i < json_object_array_length(objs) && err == XH_OK; i++) {
		int o = hs_object_parse(json_object_get_string(json_object_array_get_idx(objs, i)));

		err = o < 0 ? job_error(ctx, XH_ERR_INVAL, "hubspot.properties: unknown object")
		            : hs_properties(&c, (enum hs_object)o, age * 1000, &json);
	}
out:
	json_object_put(root);
	return err;
}
