/*
 * cli.h: the xhsync command line. main.c holds the command table, one line
 * per command; each command group lives in its own cmd_*.c file.
 *
 * Adding a command: declare its handler here, write it in cmd_<name>.c,
 * add the file to src/cli/local.mk and one line to cli_commands[] in
 * main.c. A group of subcommands (like `user add`) keeps its own table of
 * struct cli_cmd and calls cli_dispatch().
 */
#ifndef XH_CLI_H
#define XH_CLI_H

#include "arena.h"
#include "lib/config.h"
#include "db.h"
#include "xh.h"

/* Exit codes, documented in `xhsync help`. */
enum cli_exit {
	CLI_OK = 0,    /* CLI_OK: success */
	CLI_FAIL = 1,  /* CLI_FAIL: runtime failure, message on stderr */
	CLI_USAGE = 2, /* CLI_USAGE: bad command line */
};

/* What a command needs before its handler runs. */
enum cli_needs {
	CLI_NEEDS_NOTHING, /* CLI_NEEDS_NOTHING */
	CLI_NEEDS_CONFIG,  /* CLI_NEEDS_CONFIG: ctx->cfg loaded */
	CLI_NEEDS_DB,      /* CLI_NEEDS_DB: ctx->cfg loaded and ctx->db created */
};

struct cli_cmd;

/* State shared by the dispatcher and the handlers. */
struct cli_ctx {
	const char *config_path; /* -c FILE or xh_config_path() */
	struct xh_config cfg;    /* valid when have_config */
	int have_config;
	struct xh_db *db;          /* created on demand; connects on first use */
	const struct cli_cmd *cmd; /* the command being run (for usage errors) */
	const char *group;         /* "user" while running `user add`, else NULL */
};

/* argv[0] is the command's own name; returns an enum cli_exit. */
typedef int cli_handler(struct cli_ctx *ctx, int argc, char **argv);

struct cli_cmd {
	const char *name;
	cli_handler *fn;
	enum cli_needs needs;
	const char *synopsis;       /* arguments after the name, e.g. "[--dir DIR]" */
	const char *summary;        /* one line for `xhsync help` */
	const struct cli_cmd *subs; /* subcommands, NULL-terminated, or NULL */
};

/* Handlers of the top-level commands (main.c, cmd_*.c). */
int cmd_help(struct cli_ctx *ctx, int argc, char **argv);
int cmd_version(struct cli_ctx *ctx, int argc, char **argv);
int cmd_migrate(struct cli_ctx *ctx, int argc, char **argv);
int cmd_keygen(struct cli_ctx *ctx, int argc, char **argv);
int cmd_user(struct cli_ctx *ctx, int argc, char **argv);
int cmd_config(struct cli_ctx *ctx, int argc, char **argv);
int cmd_jobs(struct cli_ctx *ctx, int argc, char **argv);
int cmd_credential(struct cli_ctx *ctx, int argc, char **argv);
int cmd_sync(struct cli_ctx *ctx, int argc, char **argv);
int cmd_webhook(struct cli_ctx *ctx, int argc, char **argv);
int cmd_mapping(struct cli_ctx *ctx, int argc, char **argv);
int cmd_link(struct cli_ctx *ctx, int argc, char **argv);
int cmd_push(struct cli_ctx *ctx, int argc, char **argv);
int cmd_replay(struct cli_ctx *ctx, int argc, char **argv);
int cmd_audit(struct cli_ctx *ctx, int argc, char **argv);
int cmd_hubspot(struct cli_ctx *ctx, int argc, char **argv);
int cmd_link_disconnect(struct cli_ctx *ctx, int argc, char **argv); /* cmd_link_disconnect.c */

/* Subcommand tables of the groups, for dispatch and help. */
extern const struct cli_cmd cli_user_cmds[];
extern const struct cli_cmd cli_config_cmds[];
extern const struct cli_cmd cli_jobs_cmds[];
extern const struct cli_cmd cli_credential_cmds[];
extern const struct cli_cmd cli_webhook_cmds[];
extern const struct cli_cmd cli_mapping_cmds[];
extern const struct cli_cmd cli_link_cmds[];
extern const struct cli_cmd cli_hubspot_cmds[];

/*
 * Makes sure what `needs` asks for is there: loads the configuration
 * and creates the db handle. Returns CLI_OK or CLI_FAIL (message printed).
 */
int cli_need(struct cli_ctx *ctx, enum cli_needs needs);
/* Runs the subcommand named by argv[1] from subs; usage error if none. */
int cli_dispatch(struct cli_ctx *ctx, const struct cli_cmd *subs, int argc, char **argv);
/* Reads all of stdin (at most max bytes) into b; -1 if it cannot or there is more. */
int cli_read_stdin(struct xh_buf *b, size_t max);
/* Parses a decimal integer within [min, max]; -1 if it is not one. */
int cli_parse_ll(const char *s, long long min, long long max, long long *out);
/* Prints "xhsync: <message>" to stderr and returns CLI_FAIL. */
int cli_fail(const char *fmt, ...) XH_PRINTF(1, 2);
/* Prints the message and the current command's usage; returns CLI_USAGE. */
int cli_usage(const struct cli_ctx *ctx, const char *fmt, ...) XH_PRINTF(2, 3);

#endif
