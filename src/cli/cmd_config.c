/*
 * cmd_config.c: `xhsync config check|show|doc`: validate the configuration
 * file, print the effective values (secrets redacted), or print the key
 * reference as Markdown for README.md.
 */
#include <stdio.h>

#include "cli.h"

static int cmd_config_check(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_config_show(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_config_doc(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_config_cmds[] = {
    {"check", cmd_config_check, CLI_NEEDS_NOTHING, "", "validate the configuration file", NULL},
    {"show", cmd_config_show, CLI_NEEDS_CONFIG, "",
     "print the effective configuration (secrets redacted)", NULL},
    {"doc", cmd_config_doc, CLI_NEEDS_NOTHING, "", "print the configuration reference (Markdown)",
     NULL},
    {NULL, NULL, CLI_NEEDS_NOTHING, NULL, NULL, NULL},
};

int
cmd_config(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, cli_config_cmds, argc, argv);
}

/* Loads the file with the environment applied, as the daemons would. */
static int
cmd_config_check(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return cli_usage(ctx, "config check takes no arguments");
	if (cli_need(ctx, CLI_NEEDS_CONFIG) != CLI_OK)
		return CLI_FAIL;
	printf("config OK: %s\n", ctx->config_path);
	return CLI_OK;
}

static int
cmd_config_show(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return cli_usage(ctx, "config show takes no arguments");
	xh_config_dump(&ctx->cfg, stdout);
	return CLI_OK;
}

static int
cmd_config_doc(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return cli_usage(ctx, "config doc takes no arguments");
	xh_config_doc(stdout);
	return CLI_OK;
}
