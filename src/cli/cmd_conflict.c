/*
 * cmd_conflict.c: `xhsync link conflicts LINK` lists the Xero contacts the
 * first push could not adopt because more than one HubSpot company matched
 * (src/hubspot/adopt_match.c); `xhsync link resolve LINK XERO_ID
 * HUBSPOT_ID|new` settles one: adopt that company, or create a new one.
 * Until then the contact's company is not pushed.
 */
#include <stdio.h>
#include <string.h>

#include "conflict.h"
#include "sync/push.h"
#include "xero/pull.h"

enum conflict_sql {
	CQ_LIST,    /* CQ_LIST */
	CQ_RESOLVE, /* CQ_RESOLVE */
	CQ__MAX
};

/* clang-format off */
static const struct xh_sql conflict_sql[CQ__MAX] = {
    {"cli_link_conflicts",
     XH_SQL_IDEMPOTENT "SELECT c.xero_id::text, coalesce(r.payload->>'Name', '?'), c.match_key,"
     " c.match_value, array_to_string(ARRAY(SELECT jsonb_array_elements_text(c.candidates)), ',')"
     " FROM sync_conflict c LEFT JOIN xero_record r ON r.link_id = c.link_id"
     " AND r.object = 'contact' AND r.xero_id = c.xero_id"
     " WHERE c.link_id = $1::bigint AND c.resolved_at IS NULL ORDER BY c.created_at, c.xero_id",
     1},
    /* $3 HubSpot company id (one of the candidates) or 'new'; the ref names it, or is reset */
    {"cli_link_resolve",
     "WITH c AS (UPDATE sync_conflict SET resolved_at = now(), resolution = $3"
     "  WHERE link_id = $1::bigint AND xero_id = $2::uuid AND resolved_at IS NULL"
     "  AND ($3 = 'new' OR candidates ? $3) RETURNING xero_id),"
     " r AS (INSERT INTO hubspot_ref (link_id, object, xero_id, hubspot_id)"
     "  SELECT $1::bigint, 'company', xero_id, $3 FROM c WHERE $3 <> 'new'"
     "  ON CONFLICT (link_id, object, xero_id) DO UPDATE SET hubspot_id = EXCLUDED.hubspot_id,"
     "  pushed_hash = NULL, excluded = NULL, failed_hash = NULL RETURNING 1),"
     " n AS (UPDATE hubspot_ref SET pushed_hash = NULL, excluded = NULL"
     "  WHERE link_id = $1::bigint AND object = 'company' AND $3 = 'new'"
     "  AND xero_id IN (SELECT xero_id FROM c) RETURNING 1),"
     " a AS (INSERT INTO audit_event (link_id, object, xero_id, hubspot_id, action, outcome, actor,"
     "  detail) SELECT $1::bigint, 'company', xero_id, nullif($3, 'new'), 'link.resolve', 'ok',"
     "  'cli', jsonb_build_object('resolution', $3::text) FROM c RETURNING 1)"
     " SELECT count(*) FROM c",
     3},
};
/* clang-format on */

int
link_conflicts_print(struct cli_ctx *ctx, const char *link, int brief)
{
	PGresult *res = NULL;
	int n;

	if (xh_db_execv(ctx->db, &conflict_sql[CQ_LIST], &res, link) != XH_OK)
		return cli_fail("link conflicts: %s", xh_db_error(ctx->db));
	n = PQntuples(res);
	if (brief && n > 0)
		printf("adoption conflicts: %d (see `xhsync link conflicts %s`)\n", n, link);
	else if (!brief && n == 0)
		printf("no adoption conflicts\n");
	for (int i = 0; i < n && !brief; i++)
		printf("%s %s: %s %s matches HubSpot companies %s\n", PQgetvalue(res, i, 0),
		       PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
		       PQgetvalue(res, i, 4));
	if (!brief && n > 0)
		printf("resolve one with `xhsync link resolve %s XERO_ID HUBSPOT_ID` (adopt that "
		       "company) or `... XERO_ID new` (create a new one)\n",
		       link);
	PQclear(res);
	return CLI_OK;
}

int
cmd_link_conflicts(struct cli_ctx *ctx, int argc, char **argv)
{
	long long link;

	if (argc != 2 || cli_parse_ll(argv[1], 1, 9223372036854775807LL, &link) != 0)
		return cli_usage(ctx, "expected LINK (a link id)");
	return link_conflicts_print(ctx, argv[1], 0);
}

int
cmd_link_resolve(struct cli_ctx *ctx, int argc, char **argv)
{
	struct xh_arena *a;
	PGresult *res = NULL;
	long long link, id;
	int rc = CLI_OK;

	if (argc != 4 || cli_parse_ll(argv[1], 1, 9223372036854775807LL, &link) != 0 ||
	    !xero_is_uuid(argv[2]) ||
	    (strcmp(argv[3], "new") != 0 && cli_parse_ll(argv[3], 1, 9223372036854775807LL, &id)))
		return cli_usage(ctx, "expected LINK XERO_ID HUBSPOT_ID|new");
	if (xh_db_execv(ctx->db, &conflict_sql[CQ_RESOLVE], &res, argv[1], argv[2], argv[3]) !=
	    XH_OK)
		return cli_fail("link resolve: %s", xh_db_error(ctx->db));
	if (PQgetvalue(res, 0, 0)[0] == '0') {
		PQclear(res);
		return cli_fail("link resolve: no open conflict of link %s for %s with HubSpot "
		                "company %s (see `xhsync link conflicts %s`)",
		                argv[1], argv[2], argv[3], argv[1]);
	}
	PQclear(res);
	a = xh_arena_new();
	if (sync_push_enqueue(ctx->db, a, link, SO_COMPANY) != XH_OK)
		rc = cli_fail("link resolve: %s", xh_db_error(ctx->db));
	else
		printf("resolved: %s\n", strcmp(argv[3], "new") == 0
		                             ? "a new HubSpot company will be created"
		                             : "that HubSpot company is adopted");
	xh_arena_free(a);
	return rc;
}
