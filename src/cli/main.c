/*
 * main.c: xhsync, the operator's command line: global options, the command
 * table, dispatch, help and the shared helpers of cli.h.
 */
#include <getopt.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h" /* autoconf: PACKAGE_VERSION */

#include "cli.h"
#include "log.h"

/* Every command, one line each; `xhsync help` prints them in this order. */
static const struct cli_cmd cli_commands[] = {
    {"help", cmd_help, CLI_NEEDS_NOTHING, "", "print this help", NULL},
    {"version", cmd_version, CLI_NEEDS_NOTHING, "", "print the version", NULL},
    {"migrate", cmd_migrate, CLI_NEEDS_CONFIG, "[--dir DIR]",
     "apply new sql/NNNN_*.sql migrations (safe to run twice)", NULL},
    {"keygen", cmd_keygen, CLI_NEEDS_NOTHING, "[--id ID] [--force] [FILE]",
     "write a new master key file (mode 0600; --force replaces one)", NULL},
    {"user", cmd_user, CLI_NEEDS_DB, "COMMAND", "manage admin users", cli_user_cmds},
    {"config", cmd_config, CLI_NEEDS_NOTHING, "COMMAND", "check and print the configuration",
     cli_config_cmds},
    {"jobs", cmd_jobs, CLI_NEEDS_DB, "COMMAND", "list, show, retry, cancel and enqueue jobs",
     cli_jobs_cmds},
    {"credential", cmd_credential, CLI_NEEDS_DB, "COMMAND",
     "store a link's sealed vendor credential", cli_credential_cmds},
    {"hubspot", cmd_hubspot, CLI_NEEDS_DB, "COMMAND",
     "connect, test and bootstrap a link's HubSpot portal", cli_hubspot_cmds},
    {"sync", cmd_sync, CLI_NEEDS_DB, "LINK [OBJECT ...] [--full]",
     "pull a link from Xero now: its enabled objects, or the ones named", NULL},
    {"webhook", cmd_webhook, CLI_NEEDS_DB, "COMMAND", "webhook keys and the delivery log",
     cli_webhook_cmds},
    {"link", cmd_link, CLI_NEEDS_DB, "COMMAND", "add, list, show and change links", cli_link_cmds},
    {"push", cmd_push, CLI_NEEDS_DB, "LINK [OBJECT ...]",
     "push what the mirror holds to HubSpot: every object, or company, contact, invoice, product",
     NULL},
    {"replay", cmd_replay, CLI_NEEDS_DB, "LINK [--object O] (--xero-id ID | --failed)",
     "push one record again, or retry every failed record", NULL},
    {"mapping", cmd_mapping, CLI_NEEDS_DB, "COMMAND",
     "show, change, reset and preview a link's field mapping", cli_mapping_cmds},
    {"audit", cmd_audit, CLI_NEEDS_DB, "explain|pages QUERY [--pages N]",
     "how the audit browser's query runs for a filter, and its page times", NULL},
    {NULL, NULL, CLI_NEEDS_NOTHING, NULL, NULL, NULL},
};

static const char cli_exit_doc[] = "Exit status: 0 success, 1 failure (message on stderr), "
                                   "2 usage error.\n";

int
cli_parse_ll(const char *s, long long min, long long max, long long *out)
{
	char *end = NULL;

	errno = 0;
	*out = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *out < min || *out > max)
		return -1;
	return 0;
}

int
cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("xhsync: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_FAIL;
}

/* The separator before a synopsis: none when it is empty. */
static const char *
sp(const char *synopsis)
{
	return synopsis[0] != '\0' ? " " : "";
}

/* Prints the usage line of c, or one line per subcommand of a group. */
static void
usage_lines(const struct cli_ctx *ctx, const struct cli_cmd *c)
{
	const char *g = ctx->group;

	if (c->subs == NULL) {
		fprintf(stderr, "usage: xhsync %s%s%s%s%s\n", g ? g : "", g ? " " : "", c->name,
		        sp(c->synopsis), c->synopsis);
		return;
	}
	for (const struct cli_cmd *s = c->subs; s->name != NULL; s++)
		fprintf(stderr, "usage: xhsync %s %s%s%s\n", c->name, s->name, sp(s->synopsis),
		        s->synopsis);
}

int
cli_usage(const struct cli_ctx *ctx, const char *fmt, ...)
{
	const struct cli_cmd *c = ctx->cmd;
	va_list ap;

	fputs("xhsync: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c != NULL)
		usage_lines(ctx, c);
	fputs("Try 'xhsync help'.\n", stderr);
	return CLI_USAGE;
}

/* Prints one command line of the help, and the lines of its subcommands. */
static void
help_cmd(FILE *out, const char *group, const struct cli_cmd *c)
{
	char left[64];

	if (c->subs != NULL) {
		for (const struct cli_cmd *s = c->subs; s->name != NULL; s++)
			help_cmd(out, c->name, s);
		return;
	}
	snprintf(left, sizeof(left), "%s%s%s%s%s", group ? group : "", group ? " " : "", c->name,
	         sp(c->synopsis), c->synopsis);
	if (strlen(left) > 30)
		fprintf(out, "  %s\n  %-30s %s\n", left, "", c->summary);
	else
		fprintf(out, "  %-30s %s\n", left, c->summary);
}

static void
help(FILE *out)
{
	fputs("usage: xhsync [-c FILE] COMMAND [ARGS]\n\n"
	      "  -c FILE   configuration file (default: $XHSYNC_CONFIG or " XH_CONFIG_DEFAULT_PATH
	      ")\n\nCommands:\n",
	      out);
	for (const struct cli_cmd *c = cli_commands; c->name != NULL; c++)
		help_cmd(out, NULL, c);
	fprintf(out, "\n%s", cli_exit_doc);
}

int
cmd_help(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return cli_usage(ctx, "help takes no arguments");
	help(stdout);
	return CLI_OK;
}

int
cmd_version(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return cli_usage(ctx, "version takes no arguments");
	printf("xhsync %s\n", PACKAGE_VERSION);
	return CLI_OK;
}

int
cli_need(struct cli_ctx *ctx, enum cli_needs needs)
{
	char err[512];
	enum xh_log_level lvl = XH_LOG_WARN;

	if (needs >= CLI_NEEDS_CONFIG && !ctx->have_config) {
		if (xh_config_load(&ctx->cfg, ctx->config_path, err, sizeof(err)) != XH_OK)
			return cli_fail("%s", err);
		ctx->have_config = 1;
		xh_log_level_parse(ctx->cfg.log.level, &lvl);
		xh_log_open("cli", lvl);
	}
	if (needs >= CLI_NEEDS_DB && ctx->db == NULL)
		ctx->db = xh_db_new(ctx->cfg.db.dsn, ctx->cfg.db.connect_timeout * 1000,
		                    ctx->cfg.db.statement_timeout_ms);
	return CLI_OK;
}

static const struct cli_cmd *
find_cmd(const struct cli_cmd *tbl, const char *name)
{
	for (const struct cli_cmd *c = tbl; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Provides what c needs, then runs it with argv[0] = its name. */
static int
run_cmd(struct cli_ctx *ctx, const struct cli_cmd *c, int argc, char **argv)
{
	int rc = cli_need(ctx, c->needs);

	if (rc != CLI_OK)
		return rc;
	ctx->cmd = c;
	optind = 0; /* GNU getopt: start afresh on the handler's argv */
	opterr = 0;
	return c->fn(ctx, argc, argv);
}

int
cli_dispatch(struct cli_ctx *ctx, const struct cli_cmd *subs, int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc < 2)
		return cli_usage(ctx, "%s needs a subcommand", argv[0]);
	c = find_cmd(subs, argv[1]);
	if (c == NULL)
		return cli_usage(ctx, "unknown %s subcommand '%s'", argv[0], argv[1]);
	ctx->group = ctx->cmd->name;
	return run_cmd(ctx, c, argc - 1, argv + 1);
}

/* Parses -c, -h, -V; returns the index of the command or -1 (rc set). */
static int
global_opts(struct cli_ctx *ctx, int argc, char **argv, int *rc)
{
	static const struct option longopts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"config", required_argument, NULL, 'c'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+c:hV", longopts, NULL)) != -1) {
		if (ch == 'c') {
			ctx->config_path = optarg;
			continue;
		}
		*rc = ch == 'h'   ? cmd_help(ctx, 1, argv)
		      : ch == 'V' ? cmd_version(ctx, 1, argv)
		                  : CLI_USAGE;
		if (*rc == CLI_USAGE)
			cli_usage(ctx, "bad option '%s'", argv[optind - 1]);
		return -1;
	}
	if (optind >= argc) {
		*rc = cli_usage(ctx, "no command given");
		return -1;
	}
	return optind;
}

int
main(int argc, char **argv)
{
	struct cli_ctx ctx = {.config_path = xh_config_path()};
	const struct cli_cmd *c;
	int rc = CLI_OK, first;

	xh_log_open("cli", XH_LOG_WARN);
	first = global_opts(&ctx, argc, argv, &rc);
	if (first < 0)
		return rc;
	c = find_cmd(cli_commands, argv[first]);
	if (c == NULL)
		rc = cli_usage(&ctx, "unknown command '%s'", argv[first]);
	else
		rc = run_cmd(&ctx, c, argc - first, argv + first);
	xh_db_free(ctx.db);
	if (ctx.have_config)
		xh_config_free(&ctx.cfg);
	return rc;
}
