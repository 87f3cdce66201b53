/*
 * cmd_sync.c: `xhsync sync LINK [OBJECT ...] [--full]`: pull a link from
 * Xero now (src/xero/pull.h). Without objects it enqueues the link's
 * reconciling poll (xero.poll), which pulls every object the link's
 * settings enable; with objects, one xero.pull for each. --full reads
 * everything, without If-Modified-Since. The jobs are unique per link (and
 * object), so asking twice queues nothing twice. A worker does the work;
 * `xhsync jobs list --link LINK` and the sync_cursor table show progress.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "job.h"
#include "sync/link_ops.h"
#include "xero/pull.h"

static const struct xh_sql link_status = {"cli_sync_link",
                                          "SELECT status FROM link WHERE id = $1::bigint", 1};

/* CLI_OK if the link exists and is active; else prints why. */
static int
check_link(struct cli_ctx *ctx, const char *link)
{
	PGresult *res = NULL;
	int rc = CLI_OK;

	if (xh_db_execv(ctx->db, &link_status, &res, link) != XH_OK)
		return cli_fail("sync: %s", xh_db_error(ctx->db));
	if (PQntuples(res) != 1)
		rc = cli_fail("sync: there is no link %s", link);
	else if (strcmp(PQgetvalue(res, 0, 0), "active") != 0)
		rc = cli_fail("sync: link %s is %s; only active links are pulled", link,
		              PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

/* Enqueues one job; prints what happened. */
static int
enqueue(struct cli_ctx *ctx, struct xh_arena *a, long long link, const char *object, int full)
{
	struct job_new jn;
	long long id = 0;
	int inserted = 0;

	xero_pull_job(a, link, object, full, &jn);
	if (job_enqueue(ctx->db, &jn, &id, &inserted) != XH_OK)
		return cli_fail("sync: %s", xh_db_error(ctx->db));
	printf(inserted ? "enqueued %s job %lld%s%s\n"
	                : "%s job %lld%s%s was already pending (its args now include these)\n",
	       jn.kind, id, object ? " for " : "", object ? object : "");
	return CLI_OK;
}

/* The whole link: what the console's "Sync now" and backfill do (link_ops.h). */
static int
sync_all(struct cli_ctx *ctx, long long link, int full)
{
	char msg[512];

	if (sync_link_act(ctx->db, link, full ? SYNC_LINK_SYNC_FULL : SYNC_LINK_SYNC, "cli", msg,
	                  sizeof(msg)) != XH_OK)
		return cli_fail("sync: %s", msg);
	printf("%s\n", msg);
	return CLI_OK;
}

/* Parses --full; leaves optind at the first operand. */
static int
sync_opts(struct cli_ctx *ctx, int argc, char **argv, int *full)
{
	static const struct option longopts[] = {{"full", no_argument, NULL, 'f'},
	                                         {NULL, 0, NULL, 0}};
	int ch;

	*full = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch != 'f')
			return cli_usage(ctx, "bad option '%s'", argv[optind - 1]);
		*full = 1;
	}
	if (optind >= argc)
		return cli_usage(ctx, "expected a LINK");
	return CLI_OK;
}

int
cmd_sync(struct cli_ctx *ctx, int argc, char **argv)
{
	struct xh_arena *a;
	long long link;
	int full, rc, i;

	if ((rc = sync_opts(ctx, argc, argv, &full)) != CLI_OK)
		return rc;
	if (cli_parse_ll(argv[optind], 1, 9223372036854775807LL, &link) != 0)
		return cli_usage(ctx, "LINK must be a link id, not '%s'", argv[optind]);
	for (i = optind + 1; i < argc; i++)
		if (xero_obj_find(argv[i]) == NULL)
			return cli_usage(ctx,
			                 "unknown object '%s' (contact, item, invoice, "
			                 "credit_note or payment)",
			                 argv[i]);
	if ((rc = check_link(ctx, argv[optind])) != CLI_OK)
		return rc;
	if (optind + 1 == argc)
		return sync_all(ctx, link, full);
	a = xh_arena_new();
	for (i = optind + 1; i < argc && rc == CLI_OK; i++)
		rc = enqueue(ctx, a, link, argv[i], full);
	xh_arena_free(a);
	return rc;
}
