/*
 * auth_static.c: hubspot_access_token for a stored static token: the
 * link's sealed HubSpot credential (vendor "hubspot", purpose "oauth", as
 * hubspot.ping reads it) and link.hubspot_portal_id. No refresh.
 */
#include <stdio.h>

#include "cred.h"
#include "hubspot/auth.h"

enum auth_sql {
	HAQ_PORTAL, /* HAQ_PORTAL */
	HAQ__MAX
};

static const struct xh_sql auth_sql[HAQ__MAX] = {
    /* HAQ_PORTAL */
    {"hubspot_auth_portal", "SELECT hubspot_portal_id::text FROM link WHERE id = $1::bigint", 1},
};

enum xh_err
hubspot_access_token(struct job_ctx *ctx, long long link_id, char **token, char **portal_id)
{
	struct xh_cred c;
	PGresult *res = NULL;
	char id[24];
	enum xh_err err;

	snprintf(id, sizeof(id), "%lld", link_id);
	if (xh_db_execv(ctx->db, &auth_sql[HAQ_PORTAL], &res, id) != XH_OK)
		return job_error(ctx, XH_ERR_DB, "link %lld: %s", link_id, xh_db_error(ctx->db));
	*portal_id = PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)
	                 ? xh_strdup(ctx->arena, PQgetvalue(res, 0, 0))
	                 : NULL;
	PQclear(res);
	if (*portal_id == NULL)
		return job_error(ctx, XH_ERR_PERMANENT, "link %lld has no HubSpot portal id",
		                 link_id);
	err = xh_cred_load(ctx->db, ctx->keys, ctx->arena, link_id, "hubspot", XH_CRED_OAUTH, &c);
	if (err)
		return job_error(ctx, err == XH_ERR_DB ? err : XH_ERR_PERMANENT,
		                 "HubSpot credential: %s", xh_strerror(err));
	if (c.access_token == NULL || c.access_token[0] == '\0')
		return job_error(ctx, XH_ERR_PERMANENT, "HubSpot credential lacks access_token");
	*token = c.access_token;
	return XH_OK;
}
