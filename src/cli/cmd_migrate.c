/*
 * cmd_migrate.c: `xhsync migrate [--dir DIR]`: applies the numbered SQL
 * files of DIR (default $XHSYNC_SQL_DIR, else the installed sql/ folder).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

#define MIGRATE_DEFAULT_DIR XH_DATADIR "/sql"

/* The folder to read: --dir, then $XHSYNC_SQL_DIR, then the installed one. */
static const char *
migrate_dir(const char *opt)
{
	const char *env = getenv("XHSYNC_SQL_DIR");

	if (opt != NULL)
		return opt;
	if (env != NULL && env[0] != '\0')
		return env;
	return MIGRATE_DEFAULT_DIR;
}

/*
 * Runs the migrations on a connection of its own without a statement
 * timeout: building an index on a big table may take longer than the
 * timeout meant for requests. Exit 1 on any failure.
 */
int
cmd_migrate(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"dir", required_argument, NULL, 'd'},
	    {NULL, 0, NULL, 0},
	};
	const char *dir = NULL;
	struct xh_db *db;
	char err[1024];
	int ch, applied = 0, rc = CLI_OK;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch != 'd')
			return cli_usage(ctx, "bad option '%s'", argv[optind - 1]);
		dir = optarg;
	}
	if (optind != argc)
		return cli_usage(ctx, "unexpected argument '%s'", argv[optind]);
	dir = migrate_dir(dir);
	db = xh_db_new(ctx->cfg.db.dsn, ctx->cfg.db.connect_timeout * 1000, 0);
	if (xh_migrate(db, dir, &applied, err, sizeof(err)) != XH_OK)
		rc = cli_fail("migrate: %s", err);
	if (applied > 0)
		printf("applied %d migration(s)\n", applied);
	else if (rc == CLI_OK)
		printf("database is up to date\n");
	xh_db_free(db);
	return rc;
}
