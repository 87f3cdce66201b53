/*
 * cmd_link_disconnect.c: `xhsync link disconnect LINK [--purge]`: the
 * console's disconnect (src/xero/connections.c) from the command line.
 * Xero is asked to remove the link's connection (DELETE /connections/{id}
 * with the connection id), the refresh token is revoked when no other
 * connected link shares the Xero sign-in, the link's Xero credential is
 * destroyed and its queued jobs cancelled; with --purge its mirror and
 * audit trail are deleted too. The link stays, in status setup.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "crypto.h"
#include "http.h"
#include "job.h"
#include "xero/connect.h"

#define RUN_TIMEOUT_MS 60000

/* Parses "LINK [--purge]". */
static int
disconnect_args(struct cli_ctx *ctx, int argc, char **argv, long long *link, int *purge)
{
	static const struct option longopts[] = {
	    {"purge", no_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch != 'p')
			return cli_usage(ctx, "bad option '%s'", argv[optind - 1]);
		*purge = 1;
	}
	if (argc - optind != 1)
		return cli_usage(ctx, "expected LINK");
	if (cli_parse_ll(argv[optind], 1, 999999999999999999LL, link) != 0)
		return cli_usage(ctx, "'%s' is not a link id", argv[optind]);
	return CLI_OK;
}

/* Prints what was done, in the console's words. */
static void
report(long long link, int purge, const struct xero_disconnect_result *r)
{
	printf("link %lld disconnected from Xero\n", link);
	if (r->xero_deleted)
		printf("  Xero: the connection to the organisation was removed\n");
	else
		printf(
		    "  Xero could not be told (%s): remove xhsync under Connected Apps in Xero\n",
		    r->xero_msg);
	if (r->revoked)
		printf("  Xero sign-in: revoked (no other link used it)\n");
	else if (r->shared)
		printf("  Xero sign-in: kept, other links may use it\n");
	printf("  credentials: the link's Xero tokens were destroyed; queued jobs cancelled\n");
	if (purge)
		printf("  purged: %lld mirrored records, %lld audit events\n", r->records,
		       r->audits);
	else
		printf("  kept: the mirrored records and the audit trail\n");
}

int
cmd_link_disconnect(struct cli_ctx *ctx, int argc, char **argv)
{
	struct xero_disconnect_result r;
	struct xh_keyring kr = {0};
	struct job j;
	struct job_ctx jc;
	char err[256];
	long long link = 0;
	int purge = 0, rc;
	enum xh_err e;

	if ((rc = disconnect_args(ctx, argc, argv, &link, &purge)) != CLI_OK)
		return rc;
	if (xh_keyring_load(ctx->cfg.secrets.key_file, &kr, err, sizeof(err)) != XH_OK)
		return cli_fail("%s", err);
	job_ctx_oneoff(&jc, &j, ctx->db, xh_http_new(&ctx->cfg, ctx->db, "cli"), &ctx->cfg, &kr,
	               xh_arena_new(), link, RUN_TIMEOUT_MS);
	e = xero_disconnect(&jc, link, purge, "cli", &r);
	if (e == XH_OK)
		report(link, purge, &r);
	else
		rc = cli_fail("link disconnect: %s", jc.msg);
	xh_http_free(jc.http);
	xh_arena_free_wipe(jc.arena);
	xh_keyring_free(&kr);
	return rc;
}
