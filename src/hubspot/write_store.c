/*
 * write_store.c: hubspot_ref for the hubspot.write job: what was pushed
 * before, and, in one transaction per batch, the HubSpot ids with the
 * pushed hash, the per-input errors and their audit events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hubspot/write_int.h"

enum store_sql {
	HWQ_REFS,      /* HWQ_REFS */
	HWQ_LINE_REFS, /* HWQ_LINE_REFS */
	HWQ_STORE,     /* HWQ_STORE */
	HWQ_FORGET,    /* HWQ_FORGET */
	HWQ__MAX
};

/* clang-format off */
static const struct xh_sql store_sql[HWQ__MAX] = {
    /* HWQ_REFS */
    {"hubspot_write_refs",
     "SELECT xero_id::text, hubspot_id, encode(pushed_hash, 'hex'), parent_xero_id::text"
     " FROM hubspot_ref WHERE link_id = $1::bigint AND object = $2"
     " AND xero_id IN (SELECT jsonb_array_elements_text($3::jsonb)::uuid)", 3},
    /* HWQ_LINE_REFS */
    {"hubspot_write_line_refs",
     "SELECT xero_id::text, hubspot_id, encode(pushed_hash, 'hex'), parent_xero_id::text"
     " FROM hubspot_ref WHERE link_id = $1::bigint AND object = $2"
     " AND parent_xero_id IN (SELECT jsonb_array_elements_text($3::jsonb)::uuid)", 3},
    /*
     * HWQ_STORE: rows {x, h, p, f, par, err, d, pr}; err NULL: written, with
     * pr the properties sent. A refused input keeps the hash it was refused
     * for (failed_hash), so the push does not send it again until the record
     * changes or is replayed. A write's audit detail gets "changes": the
     * properties whose value differs from what was written before, each
     * {property, before, after} (before null on a first write); `old` reads
     * the refs as they were, before this statement's own upserts.
     */
    {"hubspot_write_store",
     "WITH v AS (SELECT * FROM jsonb_to_recordset($3::jsonb)"
     "   AS r(x uuid, h text, p text, f text, par uuid, err text, d jsonb, pr jsonb)),"
     " old AS (SELECT xero_id, pushed_props FROM hubspot_ref WHERE link_id = $1::bigint"
     "   AND object = $2 AND xero_id IN (SELECT x FROM v)),"
     " ok AS (INSERT INTO hubspot_ref (link_id, object, xero_id, hubspot_id, pushed_hash,"
     "   pushed_at, parent_xero_id, pushed_props)"
     "   SELECT $1::bigint, $2, x, h, decode(p, 'hex'), now(), par, pr FROM v WHERE err IS NULL"
     "   ON CONFLICT (link_id, object, xero_id) DO UPDATE SET hubspot_id = EXCLUDED.hubspot_id,"
     "   pushed_hash = EXCLUDED.pushed_hash, pushed_at = now(),"
     "   parent_xero_id = EXCLUDED.parent_xero_id, attempts = 0, last_error = NULL,"
     "   last_error_at = NULL, failed_hash = NULL, excluded = NULL,"
     "   pushed_props = EXCLUDED.pushed_props RETURNING 1),"
     " bad AS (INSERT INTO hubspot_ref (link_id, object, xero_id, hubspot_id, parent_xero_id,"
     "   attempts, last_error, last_error_at, failed_hash)"
     "   SELECT $1::bigint, $2, x, h, par, 1, err, now(), decode(f, 'hex') FROM v"
     "   WHERE err IS NOT NULL"
     "   ON CONFLICT (link_id, object, xero_id) DO UPDATE SET"
     "   hubspot_id = coalesce(EXCLUDED.hubspot_id, hubspot_ref.hubspot_id),"
     "   attempts = hubspot_ref.attempts + 1, last_error = EXCLUDED.last_error,"
     "   last_error_at = now(), failed_hash = EXCLUDED.failed_hash RETURNING 1)"
     " INSERT INTO audit_event (link_id, object, xero_id, hubspot_id, action, outcome, job_id,"
     "   detail)"
     " SELECT $1::bigint, $2, v.x, v.h, 'hubspot.write',"
     "   CASE WHEN v.err IS NULL THEN 'ok' ELSE 'error' END, $4::bigint,"
     "   CASE WHEN v.err IS NULL AND v.pr IS NOT NULL THEN v.d || jsonb_build_object('changes',"
     "    coalesce((SELECT jsonb_agg(jsonb_build_object('property', k.key,"
     "     'before', o.pushed_props -> k.key, 'after', k.value) ORDER BY k.key)"
     "     FROM jsonb_each(v.pr) k WHERE o.pushed_props IS NULL"
     "     OR o.pushed_props -> k.key IS DISTINCT FROM k.value), '[]'::jsonb))"
     "   ELSE v.d END"
     " FROM v LEFT JOIN old o ON o.xero_id = v.x", 4},
    /* HWQ_FORGET: archived records */
    {"hubspot_write_forget",
     "WITH d AS (DELETE FROM hubspot_ref WHERE link_id = $1::bigint AND object = $2"
     "   AND xero_id IN (SELECT jsonb_array_elements_text($3::jsonb)::uuid)"
     "   RETURNING xero_id, hubspot_id)"
     " INSERT INTO audit_event (link_id, object, xero_id, hubspot_id, action, outcome, job_id)"
     " SELECT $1::bigint, $2, xero_id, hubspot_id, 'hubspot.archive', 'ok', $4::bigint FROM d", 4},
};
/* clang-format on */

static int
ref_cmp(const void *x, const void *y)
{
	return strcmp(((const struct wr_ref *)x)->xero_id, ((const struct wr_ref *)y)->xero_id);
}

struct wr_ref *
wr_find_ref(struct wr_ref *refs, int n, const char *xero_id)
{
	struct wr_ref key = {.xero_id = (char *)xero_id};

	return n > 0 ? bsearch(&key, refs, (size_t)n, sizeof(*refs), ref_cmp) : NULL;
}

/* ["id", ...] as JSON text in the arena. */
static char *
id_list(struct xh_arena *a, char **ids, int n)
{
	json_object *arr = json_object_new_array();
	char *out;

	for (int i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_string(ids[i]));
	out = xh_strdup(a, json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
	json_object_put(arr);
	return out;
}

static char *
col(struct xh_arena *a, PGresult *res, int row, int c)
{
	return PQgetisnull(res, row, c) ? NULL : xh_strdup(a, PQgetvalue(res, row, c));
}

enum xh_err
wr_load_refs(struct job_ctx *ctx, long long link, enum hs_object o, char **ids, int n,
             int by_parent, struct wr_ref **refs, int *nrefs)
{
	char lk[24];
	PGresult *res = NULL;
	int rows;

	snprintf(lk, sizeof(lk), "%lld", link);
	if (xh_db_execv(ctx->db, &store_sql[by_parent ? HWQ_LINE_REFS : HWQ_REFS], &res, lk,
	                hs_object(o)->name, id_list(ctx->arena, ids, n)) != XH_OK)
		return job_error(ctx, XH_ERR_DB, "hubspot_ref: %s", xh_db_error(ctx->db));
	rows = PQntuples(res);
	*refs = xh_alloc(ctx->arena, sizeof(**refs) * (size_t)(rows + 1));
	for (int i = 0; i < rows; i++)
		(*refs)[i] =
		    (struct wr_ref){col(ctx->arena, res, i, 0), col(ctx->arena, res, i, 1),
		                    col(ctx->arena, res, i, 2), col(ctx->arena, res, i, 3)};
	PQclear(res);
	qsort(*refs, (size_t)rows, sizeof(**refs), ref_cmp);
	*nrefs = rows;
	return XH_OK;
}

static void
add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v != NULL ? json_object_new_string(v) : NULL);
}

/* The audit detail of one outcome. */
static json_object *
detail(const struct hs_outcome *out, const char *refused)
{
	json_object *d = json_object_new_object(), *ctx;

	if (refused != NULL) {
		add_str(d, "message", refused);
		return d;
	}
	if (out->r == HS_R_OK) {
		json_object_object_add(d, "new", json_object_new_boolean(out->is_new));
		return d;
	}
	if (out->status > 0)
		json_object_object_add(d, "status", json_object_new_int(out->status));
	add_str(d, "category", out->category);
	add_str(d, "message", out->message != NULL ? out->message : "no message from HubSpot");
	if (out->context != NULL && (ctx = json_tokener_parse(out->context)) != NULL)
		json_object_object_add(d, "context", ctx);
	return d;
}

/*
 * The properties written for an input: its own, without the status move's
 * "_status" object, and the status it was moved to.
 */
static json_object *
written_props(json_object *props, const char *status)
{
	json_object *pr = json_object_new_object();

	if (props != NULL && json_object_is_type(props, json_type_object)) {
		json_object_object_foreach(props, k, v)
		{
			if (strcmp(k, "_status") != 0)
				json_object_object_add(pr, k, json_object_get(v));
		}
	}
	if (status != NULL)
		json_object_object_add(pr, "hs_invoice_status", json_object_new_string(status));
	return pr;
}

/* One input's outcome, as a row for HWQ_STORE. */
struct store_row {
	const char *xero_id;
	const struct hs_outcome *out;
	const char *hash;
	const char *parent;  /* line items: the invoice's xero id */
	const char *refused; /* refused before or after the calls */
	json_object *props;  /* as sent */
	const char *status;  /* the invoice status moved to, or NULL */
	int attempt;         /* the job's */
};

static void
add_row(json_object *rows, const struct store_row *s)
{
	json_object *r = json_object_new_object(), *d = detail(s->out, s->refused);
	int ok = s->out->r == HS_R_OK && s->refused == NULL;
	const char *err = s->refused != NULL        ? s->refused
	                  : s->out->message != NULL ? s->out->message
	                                            : "no message from HubSpot";

	add_str(r, "x", s->xero_id);
	add_str(r, "h", s->out->r == HS_R_OK ? s->out->hubspot_id : NULL);
	add_str(r, "p", ok ? s->hash : NULL);
	add_str(r, "f", ok ? NULL : s->hash);
	add_str(r, "par", s->parent);
	add_str(r, "err", ok ? NULL : err);
	json_object_object_add(d, "attempt", json_object_new_int(s->attempt));
	json_object_object_add(r, "d", d);
	json_object_object_add(r, "pr", ok ? written_props(s->props, s->status) : NULL);
	json_object_array_add(rows, r);
}

static enum xh_err
exec_store(struct job_ctx *ctx, const char *lk, enum hs_object o, json_object *rows)
{
	char job[24];
	PGresult *res = NULL;

	if (json_object_array_length(rows) == 0)
		return XH_OK;
	snprintf(job, sizeof(job), "%lld", ctx->job->id);
	if (xh_db_execv(ctx->db, &store_sql[HWQ_STORE], &res, lk, hs_object(o)->name,
	                json_object_to_json_string_ext(rows, JSON_C_TO_STRING_PLAIN), job) != XH_OK)
		return XH_ERR_DB;
	PQclear(res);
	return XH_OK;
}

/* The rows of recs (HS_R_RETRY ones are left for the next run). */
static void
collect(struct wr_rec **recs, int n, int attempt, json_object *main, json_object *lines)
{
	for (int i = 0; i < n; i++) {
		struct wr_rec *r = recs[i];
		struct store_row s = {r->xero_id, &r->in.out, r->hash,        NULL,
		                      r->refused, r->props,   r->want_status, attempt};

		if (r->in.out.r == HS_R_RETRY || r->in.out.r == HS_R_PENDING)
			continue;
		add_row(main, &s);
		for (int k = 0; k < r->nlines && r->in.out.r == HS_R_OK; k++) {
			struct wr_line *l = &r->lines[k];
			struct store_row ls = {l->xero_id, &l->in.out, l->hash, r->xero_id,
			                       NULL,       l->props,   NULL,    attempt};

			if (l->in.out.r != HS_R_RETRY && l->in.out.r != HS_R_PENDING)
				add_row(lines, &ls);
		}
	}
}

enum xh_err
wr_store(struct job_ctx *ctx, long long link, enum hs_object o, struct wr_rec **recs, int n,
         char **gone_lines, int ngone)
{
	json_object *main = json_object_new_array(), *lines = json_object_new_array();
	char lk[24];
	enum xh_err err;

	snprintf(lk, sizeof(lk), "%lld", link);
	collect(recs, n, ctx->job->attempt, main, lines);
	if ((err = xh_db_begin(ctx->db)) != XH_OK)
		goto out;
	if ((err = exec_store(ctx, lk, o, main)) == XH_OK &&
	    (err = exec_store(ctx, lk, HS_LINE_ITEM, lines)) == XH_OK && ngone > 0)
		err = wr_forget(ctx, link, HS_LINE_ITEM, gone_lines, ngone);
	if (err == XH_OK)
		err = xh_db_commit(ctx->db);
	else
		xh_db_rollback(ctx->db);
out:
	json_object_put(main);
	json_object_put(lines);
	if (err)
		return job_error(ctx, XH_ERR_DB, "storing HubSpot ids: %s", xh_db_error(ctx->db));
	return XH_OK;
}

enum xh_err
wr_forget(struct job_ctx *ctx, long long link, enum hs_object o, char **ids, int n)
{
	char lk[24], job[24];
	PGresult *res = NULL;

	snprintf(lk, sizeof(lk), "%lld", link);
	snprintf(job, sizeof(job), "%lld", ctx->job->id);
	if (xh_db_execv(ctx->db, &store_sql[HWQ_FORGET], &res, lk, hs_object(o)->name,
	                id_list(ctx->arena, ids, n), job) != XH_OK)
		return XH_ERR_DB;
	PQclear(res);
	return XH_OK;
}
