/*
 * bootstrap.c: the HubSpot property bootstrap run, its stored result and
 * the hubspot.bootstrap job (bootstrap.h).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "hubspot/auth.h"
#include "hubspot/bootstrap.h"
#include "lib/config.h"
#include "log.h"

enum bs_sql {
	BQ_STORE, /* BQ_STORE */
	BQ_OK,    /* BQ_OK */
	BQ__MAX
};

static const struct xh_sql bs_sql[BQ__MAX] = {
    /* BQ_STORE */
    {"hubspot_bootstrap_store",
     "UPDATE link SET hubspot_bootstrap = $2::jsonb, hubspot_bootstrap_at = now()"
     " WHERE id = $1::bigint",
     2},
    /* BQ_OK */
    {"hubspot_bootstrap_ok",
     "SELECT coalesce((hubspot_bootstrap #>> ARRAY['objects', $2, 'ok'])::boolean, false)"
     " AND hubspot_bootstrap->>'portal' = hubspot_portal_id::text"
     " FROM link WHERE id = $1::bigint",
     2},
};

static const char *const state_names[BS__MAX] = {
    "exists",   /* BS_EXISTS */
    "created",  /* BS_CREATED */
    "conflict", /* BS_CONFLICT */
    "missing",  /* BS_MISSING */
    "failed",   /* BS_FAILED */
};

/* One run: the job context, the token, and the result being built. */
struct bs_run {
	struct job_ctx *ctx;
	const char *token;
	struct xh_rl_target target;
	struct hubspot_bootstrap *b;
};

/* One properties API call through the limiter (XH_OK for 2xx). */
static enum xh_err
call(struct bs_run *r, const char *path, const char *suffix, const char *body,
     struct xh_http_resp *resp)
{
	struct job_ctx *ctx = r->ctx;
	struct xh_http_req req = {.method = "POST", .max_wait_ms = -1, .rl = &r->target};
	const char *headers[] = {xh_printf(ctx->arena, "Authorization: Bearer %s", r->token),
	                         "Content-Type: application/json", "Accept: application/json",
	                         NULL};

	req.url = xh_printf(ctx->arena, "%s/crm/v3/properties/%s%s", ctx->cfg->hubspot.api_url,
	                    path, suffix);
	req.headers = headers;
	req.body = body;
	req.body_len = strlen(body);
	r->b->calls++;
	return xh_http_job_call(ctx, &req, "HubSpot", resp);
}

/* The portal's property named name among found[0..n-1], or NULL. */
static const struct hubspot_prop_found *
find(const struct hubspot_prop_found *found, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(found[i].name, name) == 0)
			return &found[i];
	return NULL;
}

/* Sorts the object's lines into exists/conflict/missing; the number of conflicts. */
static int
classify(struct bs_run *r, struct hubspot_bs_line *lines, int n,
         const struct hubspot_prop_found *found, int nfound)
{
	int conflicts = 0;

	for (int i = 0; i < n; i++) {
		const struct hubspot_prop_found *f = find(found, nfound, lines[i].spec->name);

		lines[i].state = BS_MISSING;
		if (f != NULL) {
			lines[i].why = hubspot_bs_conflict(r->ctx->arena, lines[i].spec, f);
			lines[i].state = lines[i].why != NULL ? BS_CONFLICT : BS_EXISTS;
		} else if (lines[i].spec->builtin) {
			lines[i].state = BS_CONFLICT;
			lines[i].why = "HubSpot's own property is missing on this portal";
		}
		conflicts += lines[i].state == BS_CONFLICT;
	}
	return conflicts;
}

/* The group, then the missing properties in one batch create. */
static enum xh_err
create_missing(struct bs_run *r, const char *path, struct hubspot_bs_line *lines, int n)
{
	struct job_ctx *ctx = r->ctx;
	const struct hubspot_prop_spec **todo = xh_alloc(ctx->arena, sizeof(*todo) * (size_t)n);
	struct xh_http_resp resp;
	char **names, **msgs;
	int ntodo = 0, nerr = 0;
	enum xh_err err;

	for (int i = 0; i < n; i++)
		if (lines[i].state == BS_MISSING)
			todo[ntodo++] = lines[i].spec;
	if (ntodo == 0)
		return XH_OK;
	err = call(r, path, "/groups", hubspot_bs_group_body(), &resp);
	if (err && !(err == XH_ERR_PERMANENT && resp.status == 409))
		return err;
	err =
	    call(r, path, "/batch/create", hubspot_bs_create_body(ctx->arena, todo, ntodo), &resp);
	if (err)
		return err;
	if (hubspot_bs_parse_errors(ctx->arena, resp.body, resp.body_len, &names, &msgs, &nerr))
		return job_error(ctx, XH_ERR_TRANSIENT, "HubSpot: unexpected batch create answer");
	for (int i = 0; i < n; i++) {
		if (lines[i].state != BS_MISSING)
			continue;
		lines[i].state = BS_CREATED;
		for (int j = 0; j < nerr; j++)
			if (strcmp(names[j], lines[i].spec->name) == 0) {
				lines[i].state = BS_FAILED;
				lines[i].why = msgs[j];
			}
		r->b->problems += lines[i].state == BS_FAILED;
	}
	return XH_OK;
}

/* One object: read its properties, stop at a conflict, create what is missing. */
static enum xh_err
bootstrap_object(struct bs_run *r, const struct hubspot_bs_object *o, struct hubspot_bs_line *lines,
                 int n)
{
	struct job_ctx *ctx = r->ctx;
	struct hubspot_prop_found *found = NULL;
	struct xh_http_resp resp;
	int nfound = 0, conflicts;
	enum xh_err err;

	err = call(r, o->path, "/batch/read", hubspot_bs_read_body(ctx->arena, o->object), &resp);
	if (err)
		return err;
	if (hubspot_bs_parse_props(ctx->arena, resp.body, resp.body_len, &found, &nfound))
		return job_error(ctx, XH_ERR_TRANSIENT, "HubSpot: unexpected properties answer");
	conflicts = classify(r, lines, n, found, nfound);
	r->b->problems += conflicts;
	if (conflicts > 0) {
		xh_log(XH_LOG_WARN, "hubspot.bootstrap_conflict", "object", o->object, "portal",
		       r->target.account, NULL);
		return XH_OK;
	}
	return create_missing(r, o->path, lines, n);
}

/* The stored result: {"portal": ..., "objects": {object: {ok, properties}}}. */
static char *
result_json(struct xh_arena *a, const struct hubspot_bootstrap *b)
{
	json_object *root = json_object_new_object(), *objs = json_object_new_object();
	const struct hubspot_bs_object *o;
	int no;
	char *out;

	o = hubspot_bs_objects(&no);
	for (int k = 0; k < no; k++) {
		json_object *e = json_object_new_object(), *props = json_object_new_object();
		int ok = 1;

		for (int i = 0; i < b->n; i++) {
			const struct hubspot_bs_line *l = &b->lines[i];

			if (strcmp(l->spec->object, o[k].object) != 0)
				continue;
			ok &= l->state == BS_EXISTS || l->state == BS_CREATED;
			json_object_object_add(props, l->spec->name,
			                       json_object_new_string(state_names[l->state]));
		}
		json_object_object_add(e, "ok", json_object_new_boolean(ok));
		json_object_object_add(e, "properties", props);
		json_object_object_add(objs, o[k].object, e);
	}
	json_object_object_add(root, "portal", json_object_new_string(b->portal_id));
	json_object_object_add(root, "objects", objs);
	out = xh_strdup(a, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	return out;
}

/* The result's lines, one per spec, pointing at the table. */
static void
init_lines(struct job_ctx *ctx, struct hubspot_bootstrap *b)
{
	const struct hubspot_prop_spec *s = hubspot_prop_specs(&b->n);

	b->lines = xh_alloc(ctx->arena, sizeof(*b->lines) * (size_t)b->n);
	for (int i = 0; i < b->n; i++) {
		b->lines[i].spec = &s[i];
		b->lines[i].state = BS_MISSING;
		b->lines[i].why = NULL;
	}
}

enum xh_err
hubspot_bootstrap_run(struct job_ctx *ctx, long long link_id, struct hubspot_bootstrap *b)
{
	struct bs_run r = {ctx, NULL, {XH_RL_HUBSPOT, NULL, 0}, b};
	const struct hubspot_bs_object *o;
	char *token = NULL, id[24];
	int no, at = 0;
	enum xh_err err;

	memset(b, 0, sizeof(*b));
	if ((err = hubspot_access_token(ctx, link_id, &token, &b->portal_id)) != XH_OK)
		return err;
	r.token = token;
	r.target.account = b->portal_id;
	init_lines(ctx, b);
	o = hubspot_bs_objects(&no);
	for (int k = 0; k < no && !err; k++) {
		int n = 0;

		while (at + n < b->n && strcmp(b->lines[at + n].spec->object, o[k].object) == 0)
			n++;
		err = bootstrap_object(&r, &o[k], &b->lines[at], n);
		at += n;
	}
	if (err)
		return err;
	snprintf(id, sizeof(id), "%lld", link_id);
	if (xh_db_execv(ctx->db, &bs_sql[BQ_STORE], NULL, id, result_json(ctx->arena, b)) != XH_OK)
		return job_error(ctx, XH_ERR_DB, "storing the bootstrap: %s", xh_db_error(ctx->db));
	xh_logf(XH_LOG_INFO, "hubspot.bootstrap", "portal %s: %d calls, %d problems", b->portal_id,
	        b->calls, b->problems);
	return XH_OK;
}

void
hubspot_bootstrap_print(const struct hubspot_bootstrap *b, FILE *out)
{
	for (int i = 0; i < b->n; i++) {
		const struct hubspot_bs_line *l = &b->lines[i];

		fprintf(out, "%-10s %-24s %s%s%s\n", l->spec->object, l->spec->name,
		        state_names[l->state], l->why != NULL ? ": " : "",
		        l->why != NULL ? l->why : "");
	}
	fprintf(out, "portal %s: %d HubSpot calls, %d problem%s%s\n", b->portal_id, b->calls,
	        b->problems, b->problems == 1 ? "" : "s",
	        b->problems > 0 ? " (objects with a conflict were left unchanged)" : "");
}

enum xh_err
hubspot_bootstrap_ok(struct xh_db *db, long long link_id, const char *object, int *ok)
{
	PGresult *res = NULL;
	char id[24];
	enum xh_err err;

	*ok = 0;
	snprintf(id, sizeof(id), "%lld", link_id);
	if ((err = xh_db_execv(db, &bs_sql[BQ_OK], &res, id, object)) != XH_OK)
		return err;
	*ok = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return XH_OK;
}

enum xh_err
hubspot_bootstrap_job(struct job_ctx *ctx)
{
	struct hubspot_bootstrap b;
	enum xh_err err;

	if (ctx->job->link_id == 0)
		return job_error(ctx, XH_ERR_INVAL, "hubspot.bootstrap needs a link");
	if ((err = hubspot_bootstrap_run(ctx, ctx->job->link_id, &b)) != XH_OK)
		return err;
	for (int i = 0; i < b.n; i++)
		if (b.lines[i].state == BS_CONFLICT || b.lines[i].state == BS_FAILED)
			return job_error(ctx, XH_ERR_PERMANENT,
			                 "%d property problem(s), first %s.%s: %s", b.problems,
			                 b.lines[i].spec->object, b.lines[i].spec->name,
			                 b.lines[i].why);
	return XH_OK;
}
