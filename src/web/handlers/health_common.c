/*
 * health_common.c: the link of a /links/{id}/... route (health_common.h).
 */
#include <string.h>

#include <libpq-fe.h>

#include "web/handlers/health_common.h"

enum hc_sql {
	HC_LINK, /* HC_LINK */
	HC__MAX
};

static const struct xh_sql hc_sql[HC__MAX] = {
    /* HC_LINK */
    {"web_health_link",
     XH_SQL_IDEMPOTENT "SELECT json_build_object('id', id, 'name', name, 'status', status,"
                       " 'status_label', replace(status, '_', ' '))::text"
                       " FROM link WHERE id = $1::bigint",
     1},
};

int
health_id_valid(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n >= 1 && n <= 18 && strspn(s, "0123456789") == n && s[0] != '0';
}

int
health_link_load(struct web_ctx *ctx, struct web_req *req, const char **link,
                 struct json_object **d)
{
	const char *id = web_kv_get(&req->captures, "id");
	struct json_object *l = NULL;
	PGresult *res = NULL;
	int st = 404;

	if (!health_id_valid(id))
		return 404;
	if (xh_db_execv(ctx->db, &hc_sql[HC_LINK], &res, id) != XH_OK)
		st = 500;
	else if (PQntuples(res) == 1 && (l = json_tokener_parse(PQgetvalue(res, 0, 0))) != NULL)
		st = 0;
	PQclear(res);
	*link = id;
	if (st == 0 && d != NULL) {
		*d = json_object_new_object();
		json_object_object_add(*d, "link", l);
	} else {
		json_object_put(l);
	}
	return st;
}
