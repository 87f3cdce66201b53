/*
 * conflict.h: first-push adoption conflicts on the command line
 * (cmd_conflict.c), for `xhsync link conflicts|resolve|show`.
 */
#ifndef XH_CLI_CONFLICT_H
#define XH_CLI_CONFLICT_H

#include "cli.h"

int cmd_link_conflicts(struct cli_ctx *ctx, int argc, char **argv);
int cmd_link_resolve(struct cli_ctx *ctx, int argc, char **argv);
/* Prints link's open conflicts; brief: one line, and only if there are any. */
int link_conflicts_print(struct cli_ctx *ctx, const char *link, int brief);

#endif
