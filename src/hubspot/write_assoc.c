/*
 * write_assoc.c: the associations of the hubspot.write job (write_int.h).
 * An association is created once: hubspot_ref.assoc remembers, per record,
 * its HubSpot id and the HubSpot id of each target it was associated to,
 * so an update whose targets did not change makes no association call. A
 * target that changed (an invoice moved to another contact) is associated
 * anew and the old association removed; a record re-created in HubSpot
 * (another id) is associated again in full.
 */
#include <stdio.h>
#include <string.h>

#include "hubspot/write_int.h"

enum assoc_sql {
	HWA_READ, /* HWA_READ */
	HWA_SAVE, /* HWA_SAVE */
	HWA__MAX
};

/* clang-format off */
static const struct xh_sql assoc_sql[HWA__MAX] = {
    /* HWA_READ: $3 ["xero id", ...] */
    {"hubspot_write_assoc_read",
     XH_SQL_IDEMPOTENT "SELECT xero_id::text, assoc::text FROM hubspot_ref"
     " WHERE link_id = $1::bigint AND object = $2 AND assoc IS NOT NULL"
     " AND xero_id IN (SELECT jsonb_array_elements_text($3::jsonb)::uuid)", 3},
    /* HWA_SAVE: $3 [{x, a}, ...] */
    {"hubspot_write_assoc_save",
     XH_SQL_IDEMPOTENT "UPDATE hubspot_ref h SET assoc = v.a"
     " FROM jsonb_to_recordset($3::jsonb) AS v(x uuid, a jsonb)"
     " WHERE h.link_id = $1::bigint AND h.object = $2 AND h.xero_id = v.x", 3},
};
/* clang-format on */

/* 1 if r was written in this batch and nothing refused it. */
static int
written(const struct wr_rec *r)
{
	return r->in.out.r == HS_R_OK && r->refused == NULL;
}

/* The string member k of o, or NULL. */
static const char *
str_of(json_object *o, const char *k)
{
	json_object *v = NULL;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
	           ? json_object_get_string(v)
	           : NULL;
}

/* Marks r's associations known (same target) or moved (old_id), from its stored assoc. */
static void
mark_known(struct xh_arena *a, struct wr_rec *r, json_object *stored)
{
	const char *from = str_of(stored, "from");

	if (from == NULL || r->in.out.hubspot_id == NULL || strcmp(from, r->in.out.hubspot_id) != 0)
		return; /* a record HubSpot gave another id: associated in full again */
	for (int k = 0; k < r->nassoc; k++) {
		struct wr_assoc *as = &r->assoc[k];
		const char *was = str_of(stored, hs_object(as->to)->name);

		if (was == NULL || as->hubspot_id == NULL)
			continue;
		if (strcmp(was, as->hubspot_id) == 0)
			as->known = as->ok = 1;
		else
			as->old_id = xh_strdup(a, was);
	}
}

/* Reads what recs' associations were before. */
static enum xh_err
load_known(struct wr_job *w, struct wr_rec **recs, int m)
{
	struct job_ctx *ctx = w->c.ctx;
	json_object *ids = json_object_new_array();
	PGresult *res = NULL;
	char lk[24];
	enum xh_err e;

	for (int i = 0; i < m; i++)
		if (written(recs[i]) && recs[i]->nassoc > 0)
			json_object_array_add(ids, json_object_new_string(recs[i]->xero_id));
	snprintf(lk, sizeof(lk), "%lld", w->c.link_id);
	e = json_object_array_length(ids) == 0
	        ? XH_OK
	        : xh_db_execv(ctx->db, &assoc_sql[HWA_READ], &res, lk, hs_object(w->o)->name,
	                      json_object_to_json_string_ext(ids, JSON_C_TO_STRING_PLAIN));
	json_object_put(ids);
	if (e != XH_OK)
		return job_error(ctx, XH_ERR_DB, "hubspot_ref associations: %s",
		                 xh_db_error(ctx->db));
	for (int row = 0; res != NULL && row < PQntuples(res); row++) {
		json_object *stored = json_tokener_parse(PQgetvalue(res, row, 1));

		for (int i = 0; i < m && stored != NULL; i++)
			if (written(recs[i]) &&
			    strcmp(recs[i]->xero_id, PQgetvalue(res, row, 0)) == 0)
				mark_known(ctx->arena, recs[i], stored);
		json_object_put(stored);
	}
	PQclear(res);
	return XH_OK;
}

/*
 * Creates the associations to target t that are not known, and removes
 * the ones they replace.
 */
static enum xh_err
assoc_to(struct wr_job *w, struct wr_rec **recs, int m, enum hs_object t)
{
	struct xh_arena *a = w->c.ctx->arena;
	struct hs_link *l = xh_alloc(a, sizeof(*l) * (size_t)(m + 1));
	struct hs_link *old = xh_alloc(a, sizeof(*old) * (size_t)(m + 1));
	struct wr_assoc **back = xh_alloc(a, sizeof(*back) * (size_t)(m + 1));
	int n = 0, nold = 0;
	enum xh_err err;

	for (int i = 0; i < m; i++)
		for (int k = 0; k < recs[i]->nassoc; k++) {
			struct wr_assoc *as = &recs[i]->assoc[k];

			if (as->to != t || !written(recs[i]) || as->known)
				continue;
			l[n] = (struct hs_link){recs[i]->in.out.hubspot_id, as->hubspot_id, 0};
			back[n++] = as;
			if (as->old_id != NULL)
				old[nold++] =
				    (struct hs_link){recs[i]->in.out.hubspot_id, as->old_id, 0};
		}
	if (n == 0)
		return XH_OK;
	if ((err = hs_assoc_batch(&w->c, w->o, t, l, n, 0)) != XH_OK)
		return err;
	for (int i = 0; i < n; i++)
		back[i]->ok = l[i].ok;
	/* A removal HubSpot refuses leaves an extra association, not a wrong one. */
	return nold > 0 ? hs_assoc_batch(&w->c, w->o, t, old, nold, 1) : XH_OK;
}

enum xh_err
wr_write_assocs(struct wr_job *w, struct wr_rec **recs, int m)
{
	struct xh_arena *a = w->c.ctx->arena;
	enum xh_err err;

	if ((err = load_known(w, recs, m)) != XH_OK)
		return err;
	for (int t = 0; t < HS_OBJECT__MAX; t++)
		if ((err = assoc_to(w, recs, m, (enum hs_object)t)) != XH_OK)
			return err;
	for (int i = 0; i < m; i++)
		for (int k = 0; k < recs[i]->nassoc && recs[i]->refused == NULL; k++)
			if (recs[i]->in.out.r == HS_R_OK && !recs[i]->assoc[k].ok)
				recs[i]->refused = xh_printf(a, "association to %s %s refused",
				                             hs_object(recs[i]->assoc[k].to)->name,
				                             recs[i]->assoc[k].xero_id);
	return XH_OK;
}

/* {"from": id, "<target object>": target id, ...} of one written record. */
static json_object *
assoc_doc(const struct wr_rec *r)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "from", json_object_new_string(r->in.out.hubspot_id));
	for (int k = 0; k < r->nassoc; k++)
		if (r->assoc[k].ok && r->assoc[k].hubspot_id != NULL)
			json_object_object_add(d, hs_object(r->assoc[k].to)->name,
			                       json_object_new_string(r->assoc[k].hubspot_id));
	return d;
}

enum xh_err
wr_assoc_save(struct wr_job *w, struct wr_rec **recs, int m)
{
	struct job_ctx *ctx = w->c.ctx;
	json_object *rows = json_object_new_array();
	PGresult *res = NULL;
	char lk[24];
	enum xh_err e = XH_OK;

	for (int i = 0; i < m; i++) {
		json_object *row;

		if (!written(recs[i]) || recs[i]->nassoc == 0)
			continue;
		row = json_object_new_object();
		json_object_object_add(row, "x", json_object_new_string(recs[i]->xero_id));
		json_object_object_add(row, "a", assoc_doc(recs[i]));
		json_object_array_add(rows, row);
	}
	snprintf(lk, sizeof(lk), "%lld", w->c.link_id);
	if (json_object_array_length(rows) > 0)
		e = xh_db_execv(ctx->db, &assoc_sql[HWA_SAVE], &res, lk, hs_object(w->o)->name,
		                json_object_to_json_string_ext(rows, JSON_C_TO_STRING_PLAIN));
	json_object_put(rows);
	PQclear(res);
	if (e != XH_OK)
		return job_error(ctx, XH_ERR_DB, "storing associations: %s", xh_db_error(ctx->db));
	return XH_OK;
}
