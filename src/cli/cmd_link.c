/*
 * cmd_link.c: `xhsync link add|list|show|set`: the operator's view of
 * links (one Xero organisation to one HubSpot portal). `show` gives the
 * state of every object: mirrored, in sync, pending, failed, excluded.
 * `set` changes one setting at a time, validated (the console uses the
 * same rules): name, status (active or paused), the vendor ids, and
 * objects.<object> on or off.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sync/push_sql.h"

static int cmd_link_add(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_link_list(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_link_show(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_link_set(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_link_cmds[] = {
    {"add", cmd_link_add, CLI_NEEDS_DB, "NAME", "create a link (status setup); prints its id",
     NULL},
    {"list", cmd_link_list, CLI_NEEDS_DB, "", "list links", NULL},
    {"show", cmd_link_show, CLI_NEEDS_DB, "LINK",
     "a link's status, credentials and per-object sync state", NULL},
    {"set", cmd_link_set, CLI_NEEDS_DB, "LINK KEY=VALUE",
     "change one setting: name, status (active|paused), xero_tenant_id, hubspot_portal_id, "
     "objects.OBJECT (on|off)",
     NULL},
    {NULL, NULL, CLI_NEEDS_NOTHING, NULL, NULL, NULL},
};

enum link_sql {
	LQ_ADD,   /* LQ_ADD */
	LQ_LIST,  /* LQ_LIST */
	LQ_SHOW,  /* LQ_SHOW */
	LQ_CREDS, /* LQ_CREDS */
	LQ_SET,   /* LQ_SET */
	LQ__MAX
};

/* clang-format off */
static const struct xh_sql link_sql[LQ__MAX] = {
    {"cli_link_add", "INSERT INTO link (name) VALUES ($1) RETURNING id", 1},
    {"cli_link_list",
     "SELECT id, name, status, coalesce(xero_tenant_id::text, '-'),"
     " coalesce(hubspot_portal_id::text, '-') FROM link ORDER BY id", 0},
    {"cli_link_show",
     "SELECT name, status, coalesce(status_reason, ''), coalesce(xero_tenant_id::text, '-'),"
     " coalesce(hubspot_portal_id::text, '-'), settings::text FROM link WHERE id = $1::bigint", 1},
    {"cli_link_creds", /* which secrets exist, never what they are */
     "SELECT vendor, purpose, version, coalesce(expires_at::text, '-') FROM credential"
     " WHERE link_id = $1::bigint ORDER BY vendor, purpose", 1},
    {"cli_link_set", /* $2 key, $3 value (validated by the caller) */
     "UPDATE link SET"
     " name = CASE WHEN $2 = 'name' THEN $3 ELSE name END,"
     " status = CASE WHEN $2 = 'status' THEN $3 ELSE status END,"
     " status_reason = CASE WHEN $2 = 'status' THEN NULL ELSE status_reason END,"
     " xero_tenant_id = CASE WHEN $2 = 'xero_tenant_id' THEN lower($3)::uuid ELSE xero_tenant_id END,"
     " hubspot_portal_id = CASE WHEN $2 = 'hubspot_portal_id' THEN $3::bigint"
     "  ELSE hubspot_portal_id END,"
     " settings = CASE WHEN $2 LIKE 'objects.%' THEN jsonb_set(settings || jsonb_build_object("
     "  'objects', coalesce(settings->'objects', '{}'::jsonb)), ARRAY['objects', substr($2, 9)],"
     "  to_jsonb($3 = 'on')) ELSE settings END"
     " WHERE id = $1::bigint", 3},
};
/* clang-format on */

int
cmd_link(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, cli_link_cmds, argc, argv);
}

/* Parses argv[1] as a link id. */
static int
link_arg(struct cli_ctx *ctx, int argc, char **argv, int want, long long *link)
{
	if (argc != want)
		return cli_usage(ctx, "expected %s", ctx->cmd->synopsis);
	if (cli_parse_ll(argv[1], 1, 9223372036854775807LL, link) != 0)
		return cli_usage(ctx, "'%s' is not a link id", argv[1]);
	return CLI_OK;
}

static int
cmd_link_add(struct cli_ctx *ctx, int argc, char **argv)
{
	PGresult *res = NULL;
	size_t n;

	if (argc != 2)
		return cli_usage(ctx, "expected NAME");
	n = strlen(argv[1]);
	if (n < 1 || n > 200)
		return cli_usage(ctx, "a link's name has 1 to 200 characters");
	if (xh_db_execv(ctx->db, &link_sql[LQ_ADD], &res, argv[1]) != XH_OK)
		return cli_fail("link add: %s", xh_db_error(ctx->db));
	printf("%s\n", PQgetvalue(res, 0, 0));
	PQclear(res);
	return CLI_OK;
}

static int
cmd_link_list(struct cli_ctx *ctx, int argc, char **argv)
{
	PGresult *res = NULL;

	(void)argv;
	if (argc != 1)
		return cli_usage(ctx, "link list takes no arguments");
	if (xh_db_execv(ctx->db, &link_sql[LQ_LIST], &res) != XH_OK)
		return cli_fail("link list: %s", xh_db_error(ctx->db));
	printf("%-6s %-16s %-36s %-12s %s\n", "ID", "STATUS", "XERO TENANT", "PORTAL", "NAME");
	for (int i = 0; i < PQntuples(res); i++)
		printf("%-6s %-16s %-36s %-12s %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 2),
		       PQgetvalue(res, i, 3), PQgetvalue(res, i, 4), PQgetvalue(res, i, 1));
	PQclear(res);
	return CLI_OK;
}

/* Prints the credential rows and the per-object table of a link. */
static int
show_details(struct cli_ctx *ctx, const char *link)
{
	PGresult *res = NULL;

	if (xh_db_execv(ctx->db, &link_sql[LQ_CREDS], &res, link) != XH_OK)
		return cli_fail("link show: %s", xh_db_error(ctx->db));
	printf("credentials:%s\n", PQntuples(res) == 0 ? " none" : "");
	for (int i = 0; i < PQntuples(res); i++)
		printf("  %-8s %-12s version %s, expires %s\n", PQgetvalue(res, i, 0),
		       PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3));
	PQclear(res);
	if (xh_db_execv(ctx->db, &push_sql[PS_OBJECTS], &res, link) != XH_OK)
		return cli_fail("link show: %s", xh_db_error(ctx->db));
	printf("%-10s %9s %9s %9s %9s %9s\n", "OBJECT", "MIRRORED", "IN SYNC", "PENDING", "FAILED",
	       "EXCLUDED");
	for (int i = 0; i < PQntuples(res); i++)
		printf("%-10s %9s %9s %9s %9s %9s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
		       PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4),
		       PQgetvalue(res, i, 5));
	PQclear(res);
	return CLI_OK;
}

static int
cmd_link_show(struct cli_ctx *ctx, int argc, char **argv)
{
	PGresult *res = NULL;
	long long link;
	int rc;

	if ((rc = link_arg(ctx, argc, argv, 2, &link)) != CLI_OK)
		return rc;
	if (xh_db_execv(ctx->db, &link_sql[LQ_SHOW], &res, argv[1]) != XH_OK)
		return cli_fail("link show: %s", xh_db_error(ctx->db));
	if (PQntuples(res) == 0) {
		PQclear(res);
		return cli_fail("link show: there is no link %s", argv[1]);
	}
	printf("link %s: %s\nstatus: %s%s%s\nxero tenant: %s\nhubspot portal: %s\nsettings: %s\n",
	       argv[1], PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
	       PQgetvalue(res, 0, 2)[0] ? " (" : "", PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3),
	       PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 5));
	PQclear(res);
	return show_details(ctx, argv[1]);
}

/* NULL if key=value is a valid setting, else why not. */
static const char *
check_setting(const char *key, const char *value)
{
	static const char *const objects[] = {"contact", "invoice", "credit_note", "payment",
	                                      "item"};
	long long portal;

	if (strcmp(key, "name") == 0)
		return strlen(value) >= 1 && strlen(value) <= 200 ? NULL
		                                                  : "name has 1 to 200 characters";
	if (strcmp(key, "status") == 0)
		return strcmp(value, "active") == 0 || strcmp(value, "paused") == 0
		           ? NULL
		           : "status is active or paused";
	if (strcmp(key, "xero_tenant_id") == 0)
		return strlen(value) == 36 && strspn(value, "0123456789abcdefABCDEF-") == 36
		           ? NULL
		           : "xero_tenant_id is a Xero tenant UUID";
	if (strcmp(key, "hubspot_portal_id") == 0)
		return cli_parse_ll(value, 1, 9223372036854775807LL, &portal) == 0
		           ? NULL
		           : "hubspot_portal_id is a positive number";
	if (strncmp(key, "objects.", 8) == 0) {
		for (size_t i = 0; i < XH_NELEM(objects); i++)
			if (strcmp(key + 8, objects[i]) == 0)
				return strcmp(value, "on") == 0 || strcmp(value, "off") == 0
				           ? NULL
				           : "objects.* is on or off";
		return "objects.* is one of contact, invoice, credit_note, payment, item";
	}
	return "unknown setting (name, status, xero_tenant_id, hubspot_portal_id, objects.OBJECT)";
}

static int
cmd_link_set(struct cli_ctx *ctx, int argc, char **argv)
{
	PGresult *res = NULL;
	char *eq, key[64];
	const char *why;
	long long link;
	int rc;

	if ((rc = link_arg(ctx, argc, argv, 3, &link)) != CLI_OK)
		return rc;
	if ((eq = strchr(argv[2], '=')) == NULL || (size_t)(eq - argv[2]) >= sizeof(key))
		return cli_usage(ctx, "expected KEY=VALUE");
	snprintf(key, sizeof(key), "%.*s", (int)(eq - argv[2]), argv[2]);
	if ((why = check_setting(key, eq + 1)) != NULL)
		return cli_fail("link set: %s: %s", key, why);
	if (xh_db_execv(ctx->db, &link_sql[LQ_SET], &res, argv[1], key, eq + 1) != XH_OK)
		return cli_fail("link set: %s", xh_db_error(ctx->db));
	rc = strcmp(PQcmdTuples(res), "1") == 0
	         ? CLI_OK
	         : cli_fail("link set: there is no link %s", argv[1]);
	PQclear(res);
	if (rc == CLI_OK)
		printf("link %s: %s = %s\n", argv[1], key, eq + 1);
	return rc;
}
