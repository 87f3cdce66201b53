/*
 * cmd_push.c: `xhsync push LINK [OBJECT ...]` enqueues the push of what
 * the mirror holds (src/sync/push.h): every object, or the ones named;
 * unchanged records cost nothing. `xhsync replay LINK [--object O]
 * [--xero-id ID | --failed]` pushes one record again whatever was decided
 * for it, or retries every failed record, and enqueues the pushes.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sync/push.h"
#include "sync/push_sql.h"
#include "xero/pull.h"

/* The objects `push` takes by default, in the order parents come first. */
static const enum sync_object push_all[] = {SO_COMPANY, SO_CONTACT, SO_INVOICE,
                                            SO_PRODUCT, SO_PAYMENT, SO_NOTE};

/* Enqueues one push and says so. */
static int
enqueue(struct cli_ctx *ctx, struct xh_arena *a, long long link, enum sync_object o)
{
	if (sync_push_enqueue(ctx->db, a, link, o) != XH_OK)
		return cli_fail("push: %s", xh_db_error(ctx->db));
	printf("enqueued the %s push of link %lld\n", sync_object_name(o), link);
	return CLI_OK;
}

int
cmd_push(struct cli_ctx *ctx, int argc, char **argv)
{
	struct xh_arena *a = xh_arena_new();
	long long link;
	int rc = CLI_OK;

	if (argc < 2 || cli_parse_ll(argv[1], 1, 9223372036854775807LL, &link) != 0) {
		rc = cli_usage(ctx, "expected a link id");
		goto out;
	}
	for (int i = 2; i < argc; i++)
		if (sync_push_object(argv[i]) < 0) {
			rc = cli_usage(ctx,
			               "'%s' is not a pushed object (company, contact, invoice, "
			               "product)",
			               argv[i]);
			goto out;
		}
	for (int i = 2; i < argc && rc == CLI_OK; i++)
		rc = enqueue(ctx, a, link, (enum sync_object)sync_push_object(argv[i]));
	for (size_t i = 0; argc == 2 && i < XH_NELEM(push_all) && rc == CLI_OK; i++)
		rc = enqueue(ctx, a, link, push_all[i]);
out:
	xh_arena_free(a);
	return rc;
}

/* What replay was asked. */
struct replay_opts {
	const char *object; /* NULL: every object */
	const char *xero_id;
	int failed;
};

static int
replay_args(struct cli_ctx *ctx, int argc, char **argv, struct replay_opts *o, long long *link)
{
	static const struct option longopts[] = {
	    {"object", required_argument, NULL, 'o'},
	    {"xero-id", required_argument, NULL, 'x'},
	    {"failed", no_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'o')
			o->object = optarg;
		else if (ch == 'x')
			o->xero_id = optarg;
		else if (ch == 'f')
			o->failed = 1;
		else
			return cli_usage(ctx, "bad option '%s'", argv[optind - 1]);
	}
	if (argc - optind != 1 || cli_parse_ll(argv[optind], 1, 9223372036854775807LL, link) != 0)
		return cli_usage(ctx, "expected a link id");
	if ((o->xero_id != NULL) == (o->failed != 0))
		return cli_usage(ctx, "give either --xero-id ID or --failed");
	if (o->object != NULL && sync_push_object(o->object) < 0)
		return cli_usage(ctx, "'%s' is not a pushed object", o->object);
	if (o->xero_id != NULL && (!xero_is_uuid(o->xero_id) || o->object == NULL))
		return cli_usage(ctx, "--xero-id takes a Xero UUID, with --object");
	return CLI_OK;
}

int
cmd_replay(struct cli_ctx *ctx, int argc, char **argv)
{
	struct replay_opts o = {0};
	struct xh_arena *a = xh_arena_new();
	struct sync_replay_req rq = {0};
	int rc, n = 0;

	if ((rc = replay_args(ctx, argc, argv, &o, &rq.link)) != CLI_OK)
		goto out;
	rq.object = o.object;
	rq.xero_id = o.xero_id;
	if (sync_replay(ctx->db, a, &rq, &n) != XH_OK) {
		rc = cli_fail("replay: %s", xh_db_error(ctx->db));
		goto out;
	}
	printf("%d record(s) to push again\n", n);
	for (int k = 0; k < SO__MAX; k++)
		if (rq.enqueued & (1u << k))
			printf("enqueued the %s push of link %lld\n",
			       sync_object_name((enum sync_object)k), rq.link);
out:
	xh_arena_free(a);
	return rc;
}
