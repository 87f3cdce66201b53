/*
 * xero_choose.c: GET and POST /connect/xero/choose, the last step of
 * connecting Xero: the organisations the admin allowed on Xero's page,
 * with checkboxes. The POST makes one link per ticked organisation (named
 * after it), or updates the link that organisation already has, storing
 * the token set sealed as `xhsync credential set` does (xh_cred_store),
 * all in one transaction that also spends the waiting grant.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <libpq-fe.h>

#include "cred.h"
#include "log.h"
#include "web/handlers/xero_web.h"

enum ch_sql {
	CH_PAGE,  /* CH_PAGE */
	CH_LOCK,  /* CH_LOCK */
	CH_SPEND, /* CH_SPEND */
	CH__MAX
};

/* clang-format off */
static const struct xh_sql ch_sql[CH__MAX] = {
    /* CH_PAGE: the session's waiting grant, each organisation with the link it has */
    {"web_xero_choose_page",
     XH_SQL_IDEMPOTENT "SELECT g.id, (SELECT json_agg(json_build_object("
     "  'tenant_id', c ->> 'tenantId', 'name', c ->> 'tenantName',"
     "  'type', lower(c ->> 'tenantType'), 'link', (SELECT json_build_object('id', l.id, 'name', l.name)"
     "   FROM link l WHERE l.xero_tenant_id = (c ->> 'tenantId')::uuid ORDER BY l.id LIMIT 1)))"
     "  FROM jsonb_array_elements(g.connections) c)::text"
     " FROM xero_grant g WHERE g.session_hash = decode($1, 'hex') AND g.expires_at > now()"
     " ORDER BY g.id DESC LIMIT 1", 1},
    /* CH_LOCK: the grant named by the form, if it is this session's and still waiting */
    {"web_xero_choose_lock",
     "SELECT grant_id::text, key_id, encode(sealed, 'base64'), connections::text FROM xero_grant"
     " WHERE id = $1::bigint AND session_hash = decode($2, 'hex') AND expires_at > now()"
     " FOR UPDATE", 2},
    /* CH_SPEND */
    {"web_xero_choose_spend", "DELETE FROM xero_grant WHERE id = $1::bigint", 1},
};
/* clang-format on */

/*
 * Ticks each organisation: all of them on a first showing (the admin chose
 * them on Xero's page already), else what the admin ticked (a refused form
 * keeps its input).
 */
static void
tick(struct json_object *orgs, const struct web_req *req, int refused)
{
	size_t n = orgs != NULL ? json_object_array_length(orgs) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(orgs, i), *id = NULL;
		int on = !refused;

		json_object_object_get_ex(o, "tenant_id", &id);
		for (size_t k = 0; refused && id != NULL && k < req->form.n; k++)
			if (strcmp(req->form.v[k].key, "tenant") == 0 &&
			    strcmp(req->form.v[k].val, json_object_get_string(id)) == 0)
				on = 1;
		json_object_object_add(o, "checked", json_object_new_boolean(on));
	}
}

/* Renders the page for the session's grant; error names the field at fault. */
static int
choose_page(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, int status,
            const char *error)
{
	const char *sess = web_xero_hash(req->arena, req->session->token);
	struct json_object *d, *orgs;
	PGresult *res = NULL;

	if (xh_db_execv(ctx->db, &ch_sql[CH_PAGE], &res, sess) != XH_OK) {
		PQclear(res);
		return 500;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		return web_xero_problem(
		    ctx, req, resp, 404, 0, "Nothing to choose",
		    "There is no Xero sign-in waiting for a choice: it was finished, "
		    "or more than 15 minutes passed.",
		    "Start again with Connect Xero.");
	}
	orgs = json_tokener_parse(PQgetvalue(res, 0, 1));
	d = json_object_new_object();
	json_object_object_add(d, "grant", json_object_new_string(PQgetvalue(res, 0, 0)));
	tick(orgs, req, error != NULL);
	json_object_object_add(d, "orgs", orgs != NULL ? orgs : json_object_new_array());
	if (error != NULL)
		json_object_object_add(d, "error", json_object_new_string(error));
	PQclear(res);
	return web_page(ctx, req, resp, status, "xero_choose", "Choose organisations - xhsync", d);
}

/* GET /connect/xero/choose (session). */
int
web_handle_xero_choose(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	return choose_page(ctx, req, resp, 200, NULL);
}

/* The choice being applied. */
struct choice {
	struct web_req *req;
	struct web_xero_run run;
	const char *grant_row, *grant_id, *json, *user;
	struct xero_conn *conns;
	size_t nconns;
	size_t chosen[XERO_CONNECTIONS_MAX];
	size_t nchosen;
	long long first_link;
	int found; /* the grant was there */
	int bad;   /* a ticked organisation is not in the grant */
};

/* The ticked organisations, as indexes into c->conns; c->bad if one is not there. */
static void
ticked(struct choice *c)
{
	const struct web_kvlist *f = &c->req->form;

	for (size_t i = 0; i < f->n; i++) {
		size_t j;

		if (strcmp(f->v[i].key, "tenant") != 0)
			continue;
		for (j = 0; j < c->nconns && strcmp(c->conns[j].tenant_id, f->v[i].val) != 0; j++)
			;
		if (j == c->nconns) {
			c->bad = 1;
			continue;
		}
		for (size_t k = 0; k < c->nchosen && j != SIZE_MAX; k++)
			if (c->chosen[k] == j)
				j = SIZE_MAX;
		if (j != SIZE_MAX && c->nchosen < XERO_CONNECTIONS_MAX)
			c->chosen[c->nchosen++] = j;
	}
}

/* Reads and opens the locked grant into c; XH_OK with c->found 0 when it is gone. */
static enum xh_err
load_grant(struct xh_db *db, struct choice *c)
{
	struct xh_arena *a = c->req->arena;
	PGresult *res = NULL;
	char *plain = NULL;
	const char *conns;
	enum xh_err err;

	err = xh_db_execv(db, &ch_sql[CH_LOCK], &res, c->grant_row,
	                  web_xero_hash(a, c->req->session->token));
	if (err != XH_OK || PQntuples(res) != 1)
		goto out;
	c->found = 1;
	c->grant_id = xh_strdup(a, PQgetvalue(res, 0, 0));
	err = xh_secret_open(c->run.ctx.keys, a, xh_printf(a, "xero_grant:%s", c->grant_id),
	                     PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), &plain);
	conns = PQgetvalue(res, 0, 3);
	if (err == XH_OK)
		err = xero_connections_parse(a, conns, strlen(conns), &c->conns, &c->nconns);
	c->json = plain;
	c->user = "";
	if (err == XH_OK && plain != NULL) {
		struct xh_cred cr;

		if (xh_cred_parse(a, plain, strlen(plain), &cr) == XH_OK &&
		    cr.access_token != NULL) {
			const char *u = xero_jwt_uuid_claim(a, cr.access_token, "xero_userid");
			c->user = u != NULL ? u : "";
		}
	}
out:
	PQclear(res);
	return err;
}

/* The choice in one transaction: the grant locked, a link per organisation, the grant spent. */
static enum xh_err
choose_tx(struct xh_db *db, void *arg)
{
	struct choice *c = arg;
	struct web_xero_org org = {0};
	long long link;
	enum xh_err err;

	c->found = c->bad = 0;
	c->nchosen = 0;
	if ((err = load_grant(db, c)) != XH_OK || !c->found)
		return err;
	ticked(c);
	if (c->bad || c->nchosen == 0)
		return XH_OK;
	for (size_t i = 0; i < c->nchosen; i++) {
		org.conn = &c->conns[c->chosen[i]];
		if ((err = web_xero_attach(&c->run.ctx, &org, c->json, c->grant_id, c->user,
		                           &link)) != XH_OK)
			return err;
		if (i == 0)
			c->first_link = link;
	}
	return xh_db_execv(db, &ch_sql[CH_SPEND], NULL, c->grant_row);
}

/*
 * POST /connect/xero/choose (session+CSRF): 303 to the new link's page
 * (one organisation) or the dashboard (several); 422 naming the field
 * when none is ticked; a page saying so when the grant is gone.
 */
int
web_handle_xero_choose_post(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct choice *c = xh_alloc(req->arena, sizeof(*c));

	c->req = req;
	c->grant_row = web_kv_get(&req->form, "grant");
	if (c->grant_row == NULL || strspn(c->grant_row, "0123456789") != strlen(c->grant_row) ||
	    strlen(c->grant_row) == 0 || strlen(c->grant_row) > 18)
		return choose_page(ctx, req, resp, 400, "The form was incomplete: choose again.");
	if (web_xero_run(ctx, req, 0, &c->run) != XH_OK)
		return 503;
	if (xh_db_tx(ctx->db, choose_tx, c) != XH_OK) {
		resp->reason = "cannot create the links";
		return 500;
	}
	if (!c->found)
		return choose_page(ctx, req, resp, 404, NULL);
	if (c->bad || c->nchosen == 0)
		return choose_page(
		    ctx, req, resp, 422,
		    c->bad ? "Organisations: one of them is not part of this sign-in; "
		             "choose from the list."
		           : "Organisations: tick at least one organisation to connect.");
	xh_log(XH_LOG_INFO, "web.xero_connected", "organisations",
	       xh_printf(req->arena, "%zu", c->nchosen), NULL);
	web_redirect(resp, c->nchosen == 1 ? xh_printf(req->arena, "/links/%lld?m=xero_connected",
	                                               c->first_link)
	                                   : "/?m=xero_connected_many");
	return 303;
}
