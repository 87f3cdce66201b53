/*
 * cmd_link.c: `xhsync link add|list|show|set|pause|resume|backfill`: the
 * operator's view of links (one Xero organisation to one HubSpot portal).
 * `show` gives the state of every object: mirrored, in sync, pending,
 * failed, excluded (the numbers the console's dashboard shows, from
 * src/sync/link_ops.c). `set` changes one setting at a time, checked by
 * the rules the console uses too (src/sync/link_settings.c), and audited.
 * pause, resume and backfill are the console's buttons (link_ops.c too).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "conflict.h"
#include "sync/link_settings.h"
#include "sync/link_ops.h"
#include "sync/push_sql.h"

static int cmd_link_add(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_link_list(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_link_show(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_link_set(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_link_act(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_link_cmds[] = {
    {"add", cmd_link_add, CLI_NEEDS_DB, "NAME", "create a link (status setup); prints its id",
     NULL},
    {"list", cmd_link_list, CLI_NEEDS_DB, "", "list links", NULL},
    {"show", cmd_link_show, CLI_NEEDS_DB, "LINK",
     "a link's status, credentials and per-object sync state", NULL},
    {"set", cmd_link_set, CLI_NEEDS_DB, "LINK KEY=VALUE",
     "change one setting: name, status (active|paused), objects.OBJECT (on|off), "
     "poll_interval_s, match_key, conflict_policy, currencies, filters.invoice_from, "
     "filters.customers_only, contact_persons, paid_mode, the vendor ids",
     NULL},
    {"pause", cmd_link_act, CLI_NEEDS_DB, "LINK",
     "pause an active link: its jobs wait in the queue, none is lost", NULL},
    {"resume", cmd_link_act, CLI_NEEDS_DB, "LINK", "resume a paused link: waiting jobs go on",
     NULL},
    {"backfill", cmd_link_act, CLI_NEEDS_DB, "LINK",
     "full pull of every enabled object, then the push (a set-up link becomes active)", NULL},
    {"disconnect", cmd_link_disconnect, CLI_NEEDS_DB, "LINK [--purge]",
     "disconnect from Xero (its connection removed, tokens destroyed); --purge also deletes the "
     "mirror and audit trail",
     NULL},
    {"conflicts", cmd_link_conflicts, CLI_NEEDS_DB, "LINK",
     "Xero contacts whose first push matched more than one HubSpot company", NULL},
    {"resolve", cmd_link_resolve, CLI_NEEDS_DB, "LINK XERO_ID HUBSPOT_ID|new",
     "settle a conflict: adopt that HubSpot company, or create a new one", NULL},
    {NULL, NULL, CLI_NEEDS_NOTHING, NULL, NULL, NULL},
};

enum link_sql {
	LQ_ADD,   /* LQ_ADD */
	LQ_LIST,  /* LQ_LIST */
	LQ_SHOW,  /* LQ_SHOW */
	LQ_CREDS, /* LQ_CREDS */
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
show_details(struct cli_ctx *ctx, const char *link, long long link_id)
{
	struct sync_link_count n[SYNC_LINK_NOBJ];
	PGresult *res = NULL;

	if (xh_db_execv(ctx->db, &link_sql[LQ_CREDS], &res, link) != XH_OK)
		return cli_fail("link show: %s", xh_db_error(ctx->db));
	printf("credentials:%s\n", PQntuples(res) == 0 ? " none" : "");
	for (int i = 0; i < PQntuples(res); i++)
		printf("  %-8s %-12s version %s, expires %s\n", PQgetvalue(res, i, 0),
		       PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3));
	PQclear(res);
	if (sync_link_counts(ctx->db, link_id, n) != XH_OK)
		return cli_fail("link show: %s", xh_db_error(ctx->db));
	printf("%-10s %9s %9s %9s %9s %9s\n", "OBJECT", "MIRRORED", "IN SYNC", "PENDING", "FAILED",
	       "EXCLUDED");
	for (int i = 0; i < SYNC_LINK_NOBJ; i++)
		printf("%-10s %9lld %9lld %9lld %9lld %9lld\n", n[i].object, n[i].mirrored,
		       n[i].synced, n[i].pending, n[i].failed, n[i].excluded);
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
	if ((rc = show_details(ctx, argv[1], link)) != CLI_OK)
		return rc;
	return link_conflicts_print(ctx, argv[1], 1);
}

/* The keys link set accepts, for its error message. */
static const char *
known_keys(struct xh_arena *a)
{
	const struct link_setting *t;
	const char *out = "";
	size_t n;

	t = link_settings_table(&n);
	for (size_t i = 0; i < n; i++)
		out = xh_printf(a, "%s%s%s", out, i ? ", " : "", t[i].key);
	return out;
}

static int
cmd_link_set(struct cli_ctx *ctx, int argc, char **argv)
{
	struct xh_arena *a;
	const char *key, *val, *why;
	char *eq;
	long long link;
	size_t bad;
	enum xh_err e;
	int rc;

	if ((rc = link_arg(ctx, argc, argv, 3, &link)) != CLI_OK)
		return rc;
	if ((eq = strchr(argv[2], '=')) == NULL || eq == argv[2])
		return cli_usage(ctx, "expected KEY=VALUE");
	a = xh_arena_new();
	key = xh_strndup(a, argv[2], (size_t)(eq - argv[2]));
	val = eq + 1;
	if (link_setting_find(key) == NULL)
		rc = cli_fail("link set: %.64s: unknown setting (%s)", key, known_keys(a));
	else if ((e = link_settings_set(ctx->db, a, argv[1], &key, &val, 1, "cli", &bad, &why)) ==
	         XH_ERR_INVAL)
		rc = cli_fail("link set: %s", why);
	else if (e == XH_ERR_NOTFOUND)
		rc = cli_fail("link set: there is no link %s", argv[1]);
	else if (e != XH_OK)
		rc = cli_fail("link set: %s", xh_db_error(ctx->db));
	else
		printf("link %s: %s = %s\n", argv[1], key, val);
	xh_arena_free(a);
	return rc;
}

/* link pause|resume|backfill LINK: the console's lifecycle buttons. */
static int
cmd_link_act(struct cli_ctx *ctx, int argc, char **argv)
{
	static const enum sync_link_action acts[] = {SYNC_LINK_PAUSE, SYNC_LINK_RESUME,
	                                             SYNC_LINK_BACKFILL};
	char msg[512];
	long long link;
	size_t i;
	int rc;

	if ((rc = link_arg(ctx, argc, argv, 2, &link)) != CLI_OK)
		return rc;
	for (i = 0; i + 1 < XH_NELEM(acts); i++)
		if (strcmp(ctx->cmd->name, sync_link_action_name(acts[i])) == 0)
			break;
	if (sync_link_act(ctx->db, link, acts[i], "cli", msg, sizeof(msg)) != XH_OK)
		return cli_fail("link %s: %s", ctx->cmd->name, msg);
	printf("link %s: %s\n", argv[1], msg);
	return CLI_OK;
}
