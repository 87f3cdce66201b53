/*
 * cmd_user.c: `xhsync user add|passwd|list|disable|enable`: admin users of
 * the console. Passwords are generated, never chosen, and printed once;
 * only their Argon2id hash is stored (password.h).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "password.h"

enum user_sql {
	USER_INSERT,       /* USER_INSERT */
	USER_SET_PASSWORD, /* USER_SET_PASSWORD */
	USER_SET_DISABLED, /* USER_SET_DISABLED */
	USER_END_SESSIONS, /* USER_END_SESSIONS */
	USER_LIST,         /* USER_LIST */
	USER__MAX
};

static const struct xh_sql user_sql[USER__MAX] = {
    /* USER_INSERT */
    {"cli_user_insert", "INSERT INTO app_user (email, password_hash) VALUES ($1, $2)", 2},
    /* USER_SET_PASSWORD */
    {"cli_user_set_password",
     "UPDATE app_user SET password_hash = $2 WHERE lower(email) = lower($1) RETURNING id", 2},
    /* USER_SET_DISABLED */
    {"cli_user_set_disabled",
     "UPDATE app_user SET disabled = $2::boolean WHERE lower(email) = lower($1) RETURNING id", 2},
    /* USER_END_SESSIONS */
    {"cli_user_end_sessions", "DELETE FROM session WHERE user_id = $1::bigint", 1},
    /* USER_LIST */
    {"cli_user_list",
     "SELECT id, email, CASE WHEN disabled THEN 'disabled' ELSE 'active' END,"
     " to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
     " coalesce(to_char(last_login_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
     " '-') FROM app_user ORDER BY id",
     0},
};

/* An update of one user by email, and whether it matched a row. */
struct user_change {
	const struct xh_sql *sql;
	const char *email;
	const char *value;
	int end_sessions; /* also log the user out everywhere */
	int found;
};

static int cmd_user_add(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_user_passwd(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_user_list(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_user_disable(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_user_enable(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_user_cmds[] = {
    {"add", cmd_user_add, CLI_NEEDS_DB, "EMAIL",
     "create an admin; prints a one-time generated password", NULL},
    {"passwd", cmd_user_passwd, CLI_NEEDS_DB, "EMAIL",
     "generate a new password for an admin and end their sessions", NULL},
    {"list", cmd_user_list, CLI_NEEDS_DB, "", "list admins", NULL},
    {"disable", cmd_user_disable, CLI_NEEDS_DB, "EMAIL",
     "stop an admin from logging in and end their sessions", NULL},
    {"enable", cmd_user_enable, CLI_NEEDS_DB, "EMAIL", "allow a disabled admin again", NULL},
    {NULL, NULL, CLI_NEEDS_NOTHING, NULL, NULL, NULL},
};

int
cmd_user(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, cli_user_cmds, argc, argv);
}

/* Checks that argv is exactly "<cmd> EMAIL" with a sane address. */
static int
email_arg(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc != 2)
		return cli_usage(ctx, "expected one EMAIL argument");
	if (!xh_email_valid(argv[1]))
		return cli_usage(ctx, "'%s' is not a valid email address", argv[1]);
	return CLI_OK;
}

/*
 * Prints "<what> user EMAIL" and the new password with one write(2), past
 * stdio, so no stdio buffer keeps the password; the line is wiped after.
 */
static void
print_password(const char *what, const char *email, const char *pw)
{
	char line[512];
	int n;

	fflush(stdout);
	n = snprintf(line, sizeof(line), "%s user %s\npassword: %s\n", what, email, pw);
	if (n > 0 && (size_t)n < sizeof(line) && write(STDOUT_FILENO, line, (size_t)n) != n)
		fprintf(stderr, "xhsync: could not write the password to standard output\n");
	OPENSSL_cleanse(line, sizeof(line));
}

/* Generates a password and its hash. CLI_FAIL if either step fails. */
static int
new_password(char *pw, size_t pwlen, char *hash, size_t hashlen)
{
	if (xh_password_generate(pw, pwlen, XH_PASSWORD_LEN) != XH_OK)
		return cli_fail("cannot generate a password");
	if (xh_password_hash(pw, hash, hashlen) != XH_OK)
		return cli_fail("cannot hash the password");
	return CLI_OK;
}

static int
cmd_user_add(struct cli_ctx *ctx, int argc, char **argv)
{
	char pw[XH_PASSWORD_LEN + 1], hash[XH_PASSWORD_HASH_MAX];
	int rc = email_arg(ctx, argc, argv);

	if (rc == CLI_OK)
		rc = new_password(pw, sizeof(pw), hash, sizeof(hash));
	if (rc != CLI_OK)
		goto out;
	if (xh_db_execv(ctx->db, &user_sql[USER_INSERT], NULL, argv[1], hash) != XH_OK) {
		rc = strcmp(xh_db_sqlstate(ctx->db), "23505") == 0
		         ? cli_fail("user %s already exists", argv[1])
		         : cli_fail("user add: %s", xh_db_error(ctx->db));
		goto out;
	}
	print_password("created", argv[1], pw);
out:
	explicit_bzero(pw, sizeof(pw));
	return rc;
}

/* In one transaction: changes the user's row, then ends their sessions. */
static enum xh_err
user_change_tx(struct xh_db *db, void *arg)
{
	struct user_change *ch = arg;
	PGresult *res = NULL;
	enum xh_err err;

	err = xh_db_execv(db, ch->sql, &res, ch->email, ch->value);
	ch->found = !err && PQntuples(res) == 1;
	if (ch->found && ch->end_sessions)
		err = xh_db_execv(db, &user_sql[USER_END_SESSIONS], NULL, PQgetvalue(res, 0, 0));
	PQclear(res);
	return err;
}

/* Runs one change; CLI_FAIL with a message if it fails or finds no user. */
static int
user_change(struct cli_ctx *ctx, struct user_change *ch)
{
	if (xh_db_tx(ctx->db, user_change_tx, ch) != XH_OK)
		return cli_fail("user %s: %s", ctx->cmd->name, xh_db_error(ctx->db));
	if (!ch->found)
		return cli_fail("no user %s", ch->email);
	return CLI_OK;
}

static int
cmd_user_passwd(struct cli_ctx *ctx, int argc, char **argv)
{
	char pw[XH_PASSWORD_LEN + 1], hash[XH_PASSWORD_HASH_MAX];
	struct user_change ch = {&user_sql[USER_SET_PASSWORD], argv[1], hash, 1, 0};
	int rc = email_arg(ctx, argc, argv);

	if (rc == CLI_OK)
		rc = new_password(pw, sizeof(pw), hash, sizeof(hash));
	if (rc == CLI_OK)
		rc = user_change(ctx, &ch);
	if (rc == CLI_OK)
		print_password("updated", argv[1], pw);
	explicit_bzero(pw, sizeof(pw));
	return rc;
}

/* disable and enable: flips app_user.disabled; disabling ends sessions. */
static int
set_disabled(struct cli_ctx *ctx, int argc, char **argv, const char *value)
{
	int disable = strcmp(value, "true") == 0;
	struct user_change ch = {&user_sql[USER_SET_DISABLED], argv[1], value, disable, 0};
	int rc = email_arg(ctx, argc, argv);

	if (rc == CLI_OK)
		rc = user_change(ctx, &ch);
	if (rc == CLI_OK)
		printf("%s user %s\n", disable ? "disabled" : "enabled", argv[1]);
	return rc;
}

static int
cmd_user_disable(struct cli_ctx *ctx, int argc, char **argv)
{
	return set_disabled(ctx, argc, argv, "true");
}

static int
cmd_user_enable(struct cli_ctx *ctx, int argc, char **argv)
{
	return set_disabled(ctx, argc, argv, "false");
}

static int
cmd_user_list(struct cli_ctx *ctx, int argc, char **argv)
{
	PGresult *res = NULL;

	(void)argv;
	if (argc != 1)
		return cli_usage(ctx, "user list takes no arguments");
	if (xh_db_exec(ctx->db, &user_sql[USER_LIST], NULL, &res) != XH_OK)
		return cli_fail("user list: %s", xh_db_error(ctx->db));
	printf("%-6s %-40s %-9s %-21s %s\n", "ID", "EMAIL", "STATUS", "CREATED", "LAST LOGIN");
	for (int i = 0; i < PQntuples(res); i++)
		printf("%-6s %-40s %-9s %-21s %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
		       PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4));
	PQclear(res);
	return CLI_OK;
}
