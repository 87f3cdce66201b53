/*
 * cmd_credential.c: `xhsync credential set LINK VENDOR [--purpose P]`:
 * seals the JSON payload read from standard input (never from the command
 * line, where other users could see it) and stores it for the link; see
 * cred.h for the payload. Used to seed tokens before the OAuth flows
 * exist, and by the tests.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cred.h"

#define CRED_STDIN_MAX (64 * 1024)

static int cmd_credential_set(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_credential_cmds[] = {
    {"set", cmd_credential_set, CLI_NEEDS_DB, "LINK VENDOR [--purpose PURPOSE] < payload.json",
     "seal and store a link's credential (xero or hubspot; purpose defaults to oauth)", NULL},
    {NULL, NULL, CLI_NEEDS_NOTHING, NULL, NULL, NULL},
};

int
cmd_credential(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, cli_credential_cmds, argc, argv);
}

int
cli_read_stdin(struct xh_buf *b, size_t max)
{
	char chunk[4096];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
		if (b->len + n > max)
			return -1;
		xh_buf_append(b, chunk, n);
	}
	return ferror(stdin) ? -1 : 0;
}

/* Parses "LINK VENDOR [--purpose P]". */
static int
set_args(struct cli_ctx *ctx, int argc, char **argv, long long *link, const char **purpose)
{
	static const struct option longopts[] = {
	    {"purpose", required_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	char *end = NULL;
	int ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch != 'p')
			return cli_usage(ctx, "bad option '%s'", argv[optind - 1]);
		*purpose = optarg;
	}
	if (argc - optind != 2)
		return cli_usage(ctx, "expected LINK and VENDOR");
	errno = 0;
	*link = strtoll(argv[optind], &end, 10);
	if (errno != 0 || *end != '\0' || *link < 1)
		return cli_usage(ctx, "'%s' is not a link id", argv[optind]);
	if (strcmp(argv[optind + 1], "xero") != 0 && strcmp(argv[optind + 1], "hubspot") != 0)
		return cli_usage(ctx, "vendor must be xero or hubspot");
	return CLI_OK;
}

static int
cmd_credential_set(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *purpose = XH_CRED_OAUTH, *vendor;
	struct xh_keyring kr = {0};
	struct xh_buf in;
	char err[256];
	long long link = 0;
	enum xh_err e;
	int rc;

	if ((rc = set_args(ctx, argc, argv, &link, &purpose)) != CLI_OK)
		return rc;
	vendor = argv[optind + 1];
	if (xh_keyring_load(ctx->cfg.secrets.key_file, &kr, err, sizeof(err)) != XH_OK)
		return cli_fail("%s", err);
	xh_buf_init(&in);
	if (cli_read_stdin(&in, CRED_STDIN_MAX) != 0) {
		rc = cli_fail("cannot read the payload from standard input (at most %d bytes)",
		              CRED_STDIN_MAX);
		goto out;
	}
	e = xh_cred_store(ctx->db, &kr, link, vendor, purpose, in.data != NULL ? in.data : "");
	if (e == XH_ERR_INVAL)
		rc = cli_fail("credential set: the payload must be a JSON object and the link must "
		              "exist");
	else if (e != XH_OK)
		rc = cli_fail("credential set: %s", xh_db_error(ctx->db));
	else
		printf("stored %s credential '%s' for link %lld\n", vendor, purpose, link);
out:
	if (in.data != NULL)
		explicit_bzero(in.data, in.cap);
	xh_buf_free(&in);
	xh_keyring_free(&kr);
	return rc;
}
