/*
 * cmd_jobs.c: `xhsync jobs list|show|retry|cancel|enqueue`: the operator's
 * view of the job queue (job.h). list filters by state, kind and link;
 * retry makes a failed, discarded or cancelled job run again now; cancel
 * stops a job that has not finished; enqueue adds one (e.g. xero.ping).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "job.h"

#define JOBS_LIST_DEFAULT 50
#define JOBS_LIST_MAX     10000
#define JOBS_TS(col)                                                                               \
	"coalesce(to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '-')"

enum jobs_sql {
	JOBS_LIST, /* JOBS_LIST */
	JOBS_SHOW, /* JOBS_SHOW */
	JOBS__MAX
};

static const struct xh_sql jobs_sql[JOBS__MAX] = {
    /* JOBS_LIST */
    {"cli_jobs_list",
     XH_SQL_IDEMPOTENT
     "SELECT id, state, kind, coalesce(link_id::text, '-'), attempts || '/' || max_attempts,"
     " " JOBS_TS("run_at") ", coalesce(left(regexp_replace(last_error, '\\s+', ' ', 'g'), 60), '')"
                           " FROM job WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL "
                           "OR kind = $2)"
                           " AND ($3::bigint IS NULL OR link_id = $3::bigint) ORDER BY id DESC "
                           "LIMIT $4::int",
     4},
    /* JOBS_SHOW */
    {"cli_jobs_show",
     "SELECT id, kind, state, coalesce(link_id::text, '-'), args::text, priority,"
     " attempts || '/' || max_attempts, snoozes, coalesce(unique_key, '-'),"
     " CASE WHEN rerun THEN 'yes' ELSE 'no' END, coalesce(worker, '-'),"
     " " JOBS_TS("created_at") ", " JOBS_TS("run_at") ", " JOBS_TS(
         "attempted_at") ","
                         " " JOBS_TS("heartbeat_at") ", " JOBS_TS(
                             "finished_at") ", coalesce(last_error, '-')"
                                            " FROM job WHERE id = $1::bigint",
     1},
};

/* Labels of the JOBS_SHOW columns, in order. */
static const char *const show_labels[] = {
    "id",       "kind",         "state",        "link",        "args",       "priority",
    "attempts", "snoozes",      "unique_key",   "rerun",       "worker",     "created_at",
    "run_at",   "attempted_at", "heartbeat_at", "finished_at", "last_error",
};

static int cmd_jobs_list(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_jobs_show(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_jobs_retry(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_jobs_cancel(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_jobs_enqueue(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_jobs_cmds[] = {
    {"list", cmd_jobs_list, CLI_NEEDS_DB, "[--state S] [--kind K] [--link ID] [--limit N]",
     "list jobs, newest first", NULL},
    {"show", cmd_jobs_show, CLI_NEEDS_DB, "ID", "show one job in full", NULL},
    {"retry", cmd_jobs_retry, CLI_NEEDS_DB, "ID",
     "run a retryable, discarded or cancelled job again now", NULL},
    {"cancel", cmd_jobs_cancel, CLI_NEEDS_DB, "ID", "cancel a job that has not finished", NULL},
    {"enqueue", cmd_jobs_enqueue, CLI_NEEDS_DB, "KIND [--link ID] [--args JSON] [OPTIONS]",
     "add a job; OPTIONS: --unique KEY --delay-ms N --priority N --max-attempts N", NULL},
    {NULL, NULL, CLI_NEEDS_NOTHING, NULL, NULL, NULL},
};

int
cmd_jobs(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, cli_jobs_cmds, argc, argv);
}

/* Checks "<cmd> ID" and parses the id. */
static int
id_arg(struct cli_ctx *ctx, int argc, char **argv, long long *id)
{
	if (argc != 2)
		return cli_usage(ctx, "expected one job ID");
	if (cli_parse_ll(argv[1], 1, 9223372036854775807LL, id) != 0)
		return cli_usage(ctx, "'%s' is not a job id", argv[1]);
	return CLI_OK;
}

/* The filters of `jobs list`. */
struct list_opts {
	const char *state;
	const char *kind;
	const char *link;
	char limit[16];
};

/* Parses the options of `jobs list`; CLI_USAGE on a bad one. */
static int
list_args(struct cli_ctx *ctx, int argc, char **argv, struct list_opts *o)
{
	static const struct option longopts[] = {
	    {"state", required_argument, NULL, 's'},
	    {"kind", required_argument, NULL, 'k'},
	    {"link", required_argument, NULL, 'l'},
	    {"limit", required_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	enum job_state st;
	long long v = JOBS_LIST_DEFAULT;
	int ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 's' && job_state_parse(optarg, &st) == 0)
			o->state = optarg;
		else if (ch == 'k')
			o->kind = optarg;
		else if (ch == 'l' && cli_parse_ll(optarg, 1, 9223372036854775807LL, &v) == 0)
			o->link = optarg;
		else if (ch == 'n' && cli_parse_ll(optarg, 1, JOBS_LIST_MAX, &v) == 0)
			snprintf(o->limit, sizeof(o->limit), "%lld", v);
		else
			return cli_usage(ctx, "bad option or value '%s'", argv[optind - 1]);
	}
	if (optind != argc)
		return cli_usage(ctx, "unexpected argument '%s'", argv[optind]);
	return CLI_OK;
}

static int
cmd_jobs_list(struct cli_ctx *ctx, int argc, char **argv)
{
	struct list_opts o = {0};
	PGresult *res = NULL;
	int rc;

	snprintf(o.limit, sizeof(o.limit), "%d", JOBS_LIST_DEFAULT);
	if ((rc = list_args(ctx, argc, argv, &o)) != CLI_OK)
		return rc;
	if (xh_db_execv(ctx->db, &jobs_sql[JOBS_LIST], &res, o.state, o.kind, o.link, o.limit) !=
	    XH_OK)
		return cli_fail("jobs list: %s", xh_db_error(ctx->db));
	printf("%-8s %-10s %-20s %-6s %-9s %-20s %s\n", "ID", "STATE", "KIND", "LINK", "ATTEMPTS",
	       "RUN_AT", "LAST_ERROR");
	for (int i = 0; i < PQntuples(res); i++)
		printf("%-8s %-10s %-20s %-6s %-9s %-20s %s\n", PQgetvalue(res, i, 0),
		       PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
		       PQgetvalue(res, i, 4), PQgetvalue(res, i, 5), PQgetvalue(res, i, 6));
	PQclear(res);
	return CLI_OK;
}

static int
cmd_jobs_show(struct cli_ctx *ctx, int argc, char **argv)
{
	PGresult *res = NULL;
	long long id;
	int rc;

	if ((rc = id_arg(ctx, argc, argv, &id)) != CLI_OK)
		return rc;
	if (xh_db_execv(ctx->db, &jobs_sql[JOBS_SHOW], &res, argv[1]) != XH_OK)
		return cli_fail("jobs show: %s", xh_db_error(ctx->db));
	if (PQntuples(res) == 0) {
		PQclear(res);
		return cli_fail("no job %lld", id);
	}
	for (int c = 0; c < PQnfields(res) && c < (int)XH_NELEM(show_labels); c++)
		printf("%-13s %s\n", show_labels[c], PQgetvalue(res, 0, c));
	PQclear(res);
	return CLI_OK;
}

/* Reports the result of retry or cancel on job id. */
static int
op_result(struct cli_ctx *ctx, enum xh_err err, long long id, const char *done)
{
	switch (err) {
	case XH_OK:
		printf("job %lld %s\n", id, done);
		return CLI_OK;
	case XH_ERR_NOTFOUND:
		return cli_fail("no job %lld", id);
	case XH_ERR_INVAL:
		return cli_fail("job %lld is not in a state that allows this (see jobs show %lld)",
		                id, id);
	case XH_ERR_BUSY:
		return cli_fail("job %lld: a pending job holds the same unique key", id);
	default:
		return cli_fail("job %lld: %s", id, xh_db_error(ctx->db));
	}
}

static int
cmd_jobs_retry(struct cli_ctx *ctx, int argc, char **argv)
{
	long long id;
	int rc;

	if ((rc = id_arg(ctx, argc, argv, &id)) != CLI_OK)
		return rc;
	return op_result(ctx, job_retry(ctx->db, id), id, "will run again");
}

static int
cmd_jobs_cancel(struct cli_ctx *ctx, int argc, char **argv)
{
	long long id;
	int rc;

	if ((rc = id_arg(ctx, argc, argv, &id)) != CLI_OK)
		return rc;
	return op_result(ctx, job_cancel(ctx->db, id), id, "cancelled");
}

/* Parses the options of `jobs enqueue` into jn. */
static int
enqueue_args(struct cli_ctx *ctx, int argc, char **argv, struct job_new *jn)
{
	static const struct option longopts[] = {
	    {"link", required_argument, NULL, 'l'},
	    {"args", required_argument, NULL, 'a'},
	    {"unique", required_argument, NULL, 'u'},
	    {"delay-ms", required_argument, NULL, 'd'},
	    {"priority", required_argument, NULL, 'p'},
	    {"max-attempts", required_argument, NULL, 'm'},
	    {NULL, 0, NULL, 0},
	};
	long long v = 0;
	int ch, ok;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		ok = 1;
		if (ch == 'l' && (ok = cli_parse_ll(optarg, 1, 9223372036854775807LL, &v) == 0))
			jn->link_id = v;
		else if (ch == 'a')
			jn->args = optarg;
		else if (ch == 'u')
			jn->unique_key = optarg;
		else if (ch == 'd' && (ok = cli_parse_ll(optarg, 0, 31536000000LL, &v) == 0))
			jn->delay_ms = v;
		else if (ch == 'p' && (ok = cli_parse_ll(optarg, -100, 100, &v) == 0))
			jn->priority = (int)v;
		else if (ch == 'm' && (ok = cli_parse_ll(optarg, 1, 1000, &v) == 0))
			jn->max_attempts = (int)v;
		else
			ok = 0;
		if (!ok)
			return cli_usage(ctx, "bad option or value '%s'", argv[optind - 1]);
	}
	if (optind != argc - 1)
		return cli_usage(ctx, "expected one KIND");
	jn->kind = argv[optind];
	return CLI_OK;
}

static int
cmd_jobs_enqueue(struct cli_ctx *ctx, int argc, char **argv)
{
	struct job_new jn = {0};
	long long id = 0;
	int inserted = 0, rc;
	enum xh_err err;

	if ((rc = enqueue_args(ctx, argc, argv, &jn)) != CLI_OK)
		return rc;
	err = job_enqueue(ctx->db, &jn, &id, &inserted);
	if (err == XH_ERR_INVAL)
		return cli_fail("jobs enqueue: rejected (%s)", xh_db_error(ctx->db));
	if (err)
		return cli_fail("jobs enqueue: %s", xh_db_error(ctx->db));
	printf(inserted ? "enqueued job %lld\n" : "collapsed into pending job %lld\n", id);
	return CLI_OK;
}
