/*
 * link_bootstrap.c: GET+POST /links/{id}/bootstrap: prepares the HubSpot
 * portal for the sync (hubspot_bootstrap_run: the `xero` property group
 * and the properties the default mapping writes) and lists what happened
 * to each property.
 *
 * The POST runs the bootstrap while the page waits, not as a queued job:
 * it is at most three HubSpot calls per object (one when everything is
 * there), each through the shared PostgreSQL rate limiter with the page's
 * 20 s deadline, and the admin wants the per-property outcome on the
 * answer. The result is stored on the link as the job's would be.
 */
#include <string.h>

#include <libpq-fe.h>

#include "hubspot/bootstrap.h"
#include "web/handlers/hubs.h"

enum bs_page_sql {
	BP_LAST, /* BP_LAST */
	BP__MAX
};

static const struct xh_sql bs_page_sql[BP__MAX] = {
    /* BP_LAST: when the bootstrap last ran, and whether it found everything */
    {"web_bootstrap_last",
     XH_SQL_IDEMPOTENT "SELECT to_char(hubspot_bootstrap_at AT TIME ZONE 'UTC',"
                       " 'YYYY-MM-DD HH24:MI \"UTC\"'), NOT EXISTS (SELECT 1 FROM"
                       " jsonb_each(coalesce(hubspot_bootstrap->'objects', '{}')) o"
                       " WHERE NOT coalesce((o.value->>'ok')::boolean, false))"
                       " FROM link WHERE id = $1::bigint AND hubspot_bootstrap_at IS NOT NULL",
     1},
};

/* What each outcome is called on the page, and its style. */
static const struct {
	const char *label;
	const char *style;
} outcomes[BS__MAX] = {
    [BS_EXISTS] = {"Already there", "ok"},       [BS_CREATED] = {"Created", "ok"},
    [BS_CONFLICT] = {"Conflict", "bad"},         [BS_MISSING] = {"Not created", "warn"},
    [BS_FAILED] = {"HubSpot refused it", "bad"},
};

/* A HubSpot object in plain words. */
static const char *
object_label(const char *object)
{
	static const char *const names[][2] = {
	    {"company", "Companies"},    {"contact", "Contacts"}, {"invoice", "Invoices"},
	    {"line_item", "Line items"}, {"product", "Products"},
	};

	for (size_t i = 0; i < XH_NELEM(names); i++)
		if (strcmp(names[i][0], object) == 0)
			return names[i][1];
	return object;
}

/* The specs, or a run's lines, as [{object, name, label, outcome, style, why}]. */
static json_object *
lines_json(const struct hubspot_bootstrap *b)
{
	const struct hubspot_prop_spec *specs;
	json_object *arr = json_object_new_array(), *o;
	int n;

	specs = hubspot_prop_specs(&n);
	for (int i = 0; i < (b != NULL ? b->n : n); i++) {
		const struct hubspot_prop_spec *s = b != NULL ? b->lines[i].spec : &specs[i];

		o = json_object_new_object();
		web_json_str(o, "object", object_label(s->object));
		web_json_str(o, "name", s->name);
		web_json_str(o, "label", s->label);
		if (s->unique)
			json_object_object_add(o, "unique", json_object_new_boolean(1));
		if (b != NULL) {
			web_json_str(o, "outcome", outcomes[b->lines[i].state].label);
			web_json_str(o, "style", outcomes[b->lines[i].state].style);
			web_json_str(o, "why",
			             b->lines[i].why != NULL ? b->lines[i].why
			             : b->lines[i].state == BS_MISSING
			                 ? "another property of this object is in conflict"
			                 : NULL);
		}
		json_object_array_add(arr, o);
	}
	return arr;
}

/* Adds when the bootstrap last ran and whether it was complete. */
static void
add_last(struct web_ctx *ctx, const struct web_link *l, json_object *d)
{
	PGresult *res = NULL;

	if (xh_db_execv(ctx->db, &bs_page_sql[BP_LAST], &res, l->id_text) == XH_OK &&
	    PQntuples(res) == 1) {
		web_json_str(d, "last_at", PQgetvalue(res, 0, 0));
		json_object_object_add(d, "last_ok",
		                       json_object_new_boolean(PQgetvalue(res, 0, 1)[0] == 't'));
	}
	PQclear(res);
}

/* "16 created, 2 already there, 1 conflict" for the run's summary. */
static char *
counts(struct xh_arena *a, const struct hubspot_bootstrap *b)
{
	static const char *const words[BS__MAX] = {
	    [BS_EXISTS] = "already there",      [BS_CREATED] = "created",
	    [BS_CONFLICT] = "in conflict",      [BS_MISSING] = "not created",
	    [BS_FAILED] = "refused by HubSpot",
	};
	static const enum hubspot_bs_state order[] = {BS_CREATED, BS_EXISTS, BS_CONFLICT,
	                                              BS_MISSING, BS_FAILED};
	int n[BS__MAX] = {0}, st;
	char *out = "";

	for (int i = 0; i < b->n; i++)
		n[b->lines[i].state]++;
	for (size_t k = 0; k < XH_NELEM(order); k++)
		if (n[st = order[k]] > 0)
			out = xh_printf(a, "%s%s%d %s", out, out[0] != '\0' ? ", " : "", n[st],
			                words[st]);
	return out;
}

/* Renders the page; b is the run's result or NULL, problem why it did not run. */
static int
bs_render(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, int status,
          const struct web_link *l, const struct hubspot_bootstrap *b, const char *problem)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "link", web_link_json(l));
	json_object_object_add(d, "lines", lines_json(b));
	add_last(ctx, l, d);
	web_json_str(d, "problem", problem);
	if (b != NULL) {
		json_object_object_add(d, "ran", json_object_new_boolean(1));
		json_object_object_add(d, "problems", json_object_new_int(b->problems));
		json_object_object_add(d, "all_ok", json_object_new_boolean(b->problems == 0));
		json_object_object_add(d, "one", json_object_new_boolean(b->problems == 1));
		web_json_str(d, "run_portal", b->portal_id);
		web_json_str(d, "counts", counts(req->arena, b));
		json_object_object_add(d, "calls", json_object_new_int(b->calls));
	}
	return web_page(ctx, req, resp, status, "link_bootstrap", "HubSpot properties - xhsync", d);
}

/* GET /links/{id}/bootstrap (session): what the bootstrap makes, and the button; 404. */
int
web_handle_link_bootstrap(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct web_link l;
	int st;

	if ((st = web_link_load(ctx, req, resp, &l)) != 0)
		return st;
	return bs_render(ctx, req, resp, 200, &l, NULL, NULL);
}

/*
 * POST /links/{id}/bootstrap (session+csrf): 200 with each property's
 * outcome (conflicts included); 409 when HubSpot is not connected; 502
 * when HubSpot could not be asked; 404.
 */
int
web_handle_link_bootstrap_run(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct hubspot_bootstrap b;
	struct job_local run;
	struct web_link l;
	enum xh_err err;
	int st;

	if ((st = web_link_load(ctx, req, resp, &l)) != 0)
		return st;
	if (!l.has_hubspot)
		return bs_render(
		    ctx, req, resp, 409, &l, NULL,
		    "This link is not connected to HubSpot yet. Connect HubSpot first.");
	if ((st = web_run_open(ctx, resp, l.id, &run)) != 0)
		return st;
	err = hubspot_bootstrap_run(&run.ctx, l.id, &b);
	if (err == XH_ERR_DB) {
		resp->reason = "the bootstrap failed on the database";
		st = 500;
	} else if (err != XH_OK) {
		st = bs_render(ctx, req, resp, 502, &l, NULL,
		               xh_printf(req->arena,
		                         "The properties could not be prepared: %s. Nothing is "
		                         "half-made: run it again%s.",
		                         run.ctx.msg,
		                         err == XH_ERR_BUSY ? " in a few seconds"
		                                            : " once the connection test passes"));
	} else {
		st = bs_render(ctx, req, resp, 200, &l, &b, NULL);
	}
	job_local_close(&run);
	return st;
}
