/*
 * names.c: the Xero organisation's name of a link (names.h).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "xero/connect.h"
#include "xero/names.h"
#include "xero/token.h"

enum names_sql {
	NQ_UNNAMED, /* NQ_UNNAMED */
	NQ_KEEP,    /* NQ_KEEP */
	NQ_LEARNT,  /* NQ_LEARNT */
	NQ__MAX
};

static const struct xh_sql names_sql[NQ__MAX] = {
    /* NQ_UNNAMED: the tenant of a link without a name ("" when not set) */
    {"xero_names_unnamed",
     XH_SQL_IDEMPOTENT "SELECT coalesce(xero_tenant_id::text, '') FROM link"
                       " WHERE id = $1::bigint AND xero_tenant_name IS NULL",
     1},
    /* NQ_KEEP */
    {"xero_names_keep",
     XH_SQL_IDEMPOTENT "UPDATE link SET xero_tenant_name = $2 WHERE id = $1::bigint"
                       " AND xero_tenant_name IS DISTINCT FROM $2",
     2},
    /* NQ_LEARNT: the name and, when missing, the connection id of GET /connections */
    {"xero_names_learnt",
     XH_SQL_IDEMPOTENT "UPDATE link SET xero_tenant_name = coalesce(xero_tenant_name, $2),"
                       " xero_connection_id = coalesce(xero_connection_id, $3::uuid)"
                       " WHERE id = $1::bigint",
     3},
};

enum xh_err
xero_keep_name(struct job_ctx *ctx, long long link_id, const char *name)
{
	char id[24];

	if (name == NULL || name[0] == '\0')
		return XH_OK;
	snprintf(id, sizeof(id), "%lld", link_id);
	if (xh_db_execv(ctx->db, &names_sql[NQ_KEEP], NULL, id, name) != XH_OK)
		return job_error(ctx, XH_ERR_DB, "storing the organisation's name: %s",
		                 xh_db_error(ctx->db));
	return XH_OK;
}

/* The tenant of link id when it has no name: 1 (in *tenant, "" if unknown), 0 named, -1 db. */
static int
unnamed(struct job_ctx *ctx, const char *id, char **tenant)
{
	PGresult *res = NULL;
	int n;

	if (xh_db_execv(ctx->db, &names_sql[NQ_UNNAMED], &res, id) != XH_OK) {
		PQclear(res);
		return -1;
	}
	if ((n = PQntuples(res)) == 1)
		*tenant = xh_strdup(ctx->arena, PQgetvalue(res, 0, 0));
	PQclear(res);
	return n == 1;
}

/* The organisation tenant among the token's connections, or NULL. */
static const struct xero_conn *
find_tenant(struct job_ctx *ctx, const char *token, const char *tenant)
{
	struct xero_conn *c;
	size_t n;

	if (tenant == NULL || tenant[0] == '\0' ||
	    xero_list_connections(ctx, token, NULL, &c, &n) != XH_OK)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(c[i].tenant_id, tenant) == 0 && c[i].tenant_name[0] != '\0')
			return &c[i];
	return NULL;
}

enum xh_err
xero_learn_name(struct job_ctx *ctx, long long link_id)
{
	char id[24], msg[sizeof(ctx->msg)], *tenant = NULL, *token = NULL, *cred_tenant = NULL;
	long long snooze = ctx->snooze_ms;
	const struct xero_conn *c = NULL;
	int st;

	snprintf(id, sizeof(id), "%lld", link_id);
	if ((st = unnamed(ctx, id, &tenant)) < 0)
		return job_error(ctx, XH_ERR_DB, "reading the link: %s", xh_db_error(ctx->db));
	if (st == 0)
		return XH_OK;
	memcpy(msg, ctx->msg, sizeof(msg));
	if (xero_access_token(ctx, link_id, &token, &cred_tenant) == XH_OK)
		c = find_tenant(ctx, token, tenant[0] != '\0' ? tenant : cred_tenant);
	memcpy(ctx->msg, msg, sizeof(msg));
	ctx->snooze_ms = snooze;
	if (c == NULL)
		return XH_OK;
	if (xh_db_execv(ctx->db, &names_sql[NQ_LEARNT], NULL, id, c->tenant_name, c->id) != XH_OK)
		return job_error(ctx, XH_ERR_DB, "storing the organisation's name: %s",
		                 xh_db_error(ctx->db));
	return XH_OK;
}
