/*
 * cmd_webhook.c: `xhsync webhook key add|list|remove` (the app's Xero
 * webhook keys and HubSpot client secrets, lib/webhook_key.h) and
 * `xhsync webhook log` (the delivery log). A key is read from standard
 * input, never from the command line where other users could see it, and
 * is never printed.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "webhook_key.h"

#define KEY_STDIN_MAX 4096

static int cmd_webhook_key(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_webhook_log(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_webhook_cmds[] = {
    {"key", cmd_webhook_key, CLI_NEEDS_DB,
     "add VENDOR LABEL < key | list [VENDOR] | remove VENDOR LABEL",
     "manage the webhook keys (xero) and client secrets (hubspot); several may be active", NULL},
    {"log", cmd_webhook_log, CLI_NEEDS_DB, "[--vendor V] [--limit N]",
     "print the newest webhook deliveries, refused ones included", NULL},
    {NULL, NULL, CLI_NEEDS_NOTHING, NULL, NULL, NULL},
};

enum wh_cli_sql {
	WC_LIST, /* WC_LIST */
	WC_LOG,  /* WC_LOG */
	WC__MAX
};

static const struct xh_sql wc_sql[WC__MAX] = {
    /* WC_LIST: $1 vendor or NULL; never the sealed value */
    {"cli_webhook_key_list",
     "SELECT vendor, label, key_id, to_char(created_at AT TIME ZONE 'UTC',"
     " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM webhook_key"
     " WHERE $1::text IS NULL OR vendor = $1 ORDER BY vendor, created_at, id",
     1},
    /* WC_LOG: $1 vendor or NULL, $2 limit */
    {"cli_webhook_log",
     "SELECT to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
     " vendor, status, CASE WHEN verified THEN 'yes' ELSE 'no' END, outcome, events, new_events,"
     " unknown, array_to_string(link_ids, ','), array_to_string(job_ids, ','),"
     " coalesce(sample, '') FROM webhook_delivery WHERE $1::text IS NULL OR vendor = $1"
     " ORDER BY received_at DESC, id DESC LIMIT $2::int",
     2},
};

int
cmd_webhook(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, cli_webhook_cmds, argc, argv);
}

static int
vendor_ok(const char *v)
{
	return strcmp(v, "xero") == 0 || strcmp(v, "hubspot") == 0;
}

/* Reads the key: stdin's first line without its line ending. -1 if unreadable or too long. */
static int
read_key(char *buf, size_t len)
{
	size_t n = fread(buf, 1, len - 1, stdin);

	if (ferror(stdin) || n == len - 1)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static int
key_add(struct cli_ctx *ctx, int argc, char **argv)
{
	struct xh_keyring kr = {0};
	char key[KEY_STDIN_MAX], err[256];
	enum xh_err e;
	int rc = CLI_OK;

	if (argc != 3 || !vendor_ok(argv[1]))
		return cli_usage(ctx, "expected: key add xero|hubspot LABEL < key");
	if (!xh_webhook_label_valid(argv[2]))
		return cli_usage(ctx, "a label is 1 to 64 of A-Z a-z 0-9 _ . : -");
	if (xh_keyring_load(ctx->cfg.secrets.key_file, &kr, err, sizeof(err)) != XH_OK)
		return cli_fail("%s", err);
	if (read_key(key, sizeof(key)) != 0 || !xh_webhook_key_valid(key)) {
		rc = cli_fail("the key on standard input must be %d to %d visible ASCII characters",
		              XH_WEBHOOK_KEY_MIN, XH_WEBHOOK_KEY_MAX);
		goto out;
	}
	e = xh_webhook_key_add(ctx->db, &kr, argv[1], argv[2], key);
	if (e == XH_ERR_BUSY)
		rc = cli_fail("a %s key labelled '%s' exists; remove it first", argv[1], argv[2]);
	else if (e != XH_OK)
		rc = cli_fail("webhook key add: %s",
		              e == XH_ERR_DB ? xh_db_error(ctx->db) : xh_strerror(e));
	else
		printf("added %s webhook key '%s'\n", argv[1], argv[2]);
out:
	explicit_bzero(key, sizeof(key));
	xh_keyring_free(&kr);
	return rc;
}

static int
key_list(struct cli_ctx *ctx, int argc, char **argv)
{
	PGresult *res = NULL;

	if (argc > 2 || (argc == 2 && !vendor_ok(argv[1])))
		return cli_usage(ctx, "expected: key list [xero|hubspot]");
	if (xh_db_execv(ctx->db, &wc_sql[WC_LIST], &res, argc == 2 ? argv[1] : NULL))
		return cli_fail("webhook key list: %s", xh_db_error(ctx->db));
	printf("%-8s %-24s %-18s %s\n", "VENDOR", "LABEL", "SEALED_BY", "CREATED");
	for (int i = 0; i < PQntuples(res); i++)
		printf("%-8s %-24s %-18s %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
		       PQgetvalue(res, i, 2), PQgetvalue(res, i, 3));
	PQclear(res);
	return CLI_OK;
}

static int
key_remove(struct cli_ctx *ctx, int argc, char **argv)
{
	enum xh_err e;

	if (argc != 3 || !vendor_ok(argv[1]))
		return cli_usage(ctx, "expected: key remove xero|hubspot LABEL");
	e = xh_webhook_key_remove(ctx->db, argv[1], argv[2]);
	if (e == XH_ERR_NOTFOUND || e == XH_ERR_INVAL)
		return cli_fail("no %s webhook key labelled '%s'", argv[1], argv[2]);
	if (e != XH_OK)
		return cli_fail("webhook key remove: %s", xh_db_error(ctx->db));
	printf("removed %s webhook key '%s'\n", argv[1], argv[2]);
	return CLI_OK;
}

/* add, list, remove: argv[0] is "key". */
static int
cmd_webhook_key(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct {
		const char *name;
		cli_handler *fn;
	} subs[] = {{"add", key_add}, {"list", key_list}, {"remove", key_remove}};

	for (size_t i = 0; argc >= 2 && i < XH_NELEM(subs); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].fn(ctx, argc - 1, argv + 1);
	return cli_usage(ctx, "expected key add, key list or key remove");
}

static int
cmd_webhook_log(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"vendor", required_argument, NULL, 'v'},
	    {"limit", required_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	const char *vendor = NULL;
	long long limit = 20;
	char lim[24];
	PGresult *res = NULL;
	int ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'v' && vendor_ok(optarg))
			vendor = optarg;
		else if (ch != 'n' || cli_parse_ll(optarg, 1, 10000, &limit) != 0)
			return cli_usage(ctx, "bad option or value '%s'", argv[optind - 1]);
	}
	if (optind != argc)
		return cli_usage(ctx, "unexpected argument '%s'", argv[optind]);
	snprintf(lim, sizeof(lim), "%lld", limit);
	if (xh_db_execv(ctx->db, &wc_sql[WC_LOG], &res, vendor, lim))
		return cli_fail("webhook log: %s", xh_db_error(ctx->db));
	printf("%-24s %-7s %-6s %-8s %-14s %6s %6s %7s %-8s %-10s %s\n", "RECEIVED", "VENDOR",
	       "STATUS", "VERIFIED", "OUTCOME", "EVENTS", "NEW", "UNKNOWN", "LINKS", "JOBS",
	       "SAMPLE");
	for (int i = 0; i < PQntuples(res); i++)
		printf("%-24s %-7s %-6s %-8s %-14s %6s %6s %7s %-8s %-10s %s\n",
		       PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
		       PQgetvalue(res, i, 3), PQgetvalue(res, i, 4), PQgetvalue(res, i, 5),
		       PQgetvalue(res, i, 6), PQgetvalue(res, i, 7), PQgetvalue(res, i, 8),
		       PQgetvalue(res, i, 9), PQgetvalue(res, i, 10));
	PQclear(res);
	return CLI_OK;
}
