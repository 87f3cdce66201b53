/*
 * db.h: one libpq connection with reconnect, named prepared statements and
 * transactions.
 *
 * Each module keeps its SQL in its own table of struct xh_sql indexed by an
 * enum; a statement is prepared on a connection the first time it is used
 * and again after a reconnect. Parameters are always $n placeholders.
 */
#ifndef XH_DB_H
#define XH_DB_H

#include <libpq-fe.h>

#include "xh.h"

/* A named statement. name is unique across the program. */
struct xh_sql {
	const char *name;
	const char *text;
	int nparams;
};

/*
 * Starts the text of a statement that is idempotent: running it twice has
 * the effect of running it once (a read, or a write guarded so that a
 * second run changes nothing). Only such a statement is sent again after
 * the connection broke while it was under way, since the server may have
 * run it already. {"name", XH_SQL_IDEMPOTENT "SELECT ...", n}
 */
#define XH_SQL_IDEMPOTENT "/* idempotent */ "

struct xh_db;

/*
 * Creates a handle; does not connect (the first use does). Never NULL.
 * connect_timeout_ms bounds each connection attempt with our own poll loop
 * (libpq's connect_timeout has a 2 s floor, too slow for /healthz).
 */
struct xh_db *xh_db_new(const char *dsn, int connect_timeout_ms, int statement_timeout_ms);
void xh_db_free(struct xh_db *db);
/*
 * Client-side deadline for each statement (default: statement timeout plus
 * 5 s; 0 = none). A server that accepts but never answers (stopped, network
 * black hole) then fails the call instead of hanging it, and the handle
 * reconnects on its next use.
 */
void xh_db_set_query_timeout(struct xh_db *db, int ms);
int xh_db_query_timeout(const struct xh_db *db);
/*
 * Connects if not connected, or reconnects if the connection broke (server
 * restart). Returns XH_ERR_DB with xh_db_error() set when the server does
 * not answer within the connect timeout.
 */
enum xh_err xh_db_connect(struct xh_db *db);
/* The live connection, or NULL; for LISTEN and its socket. */
PGconn *xh_db_conn(struct xh_db *db);
/* Last error message ("" if none). Never contains the DSN's password. */
const char *xh_db_error(const struct xh_db *db);
/* SQLSTATE of the last failed statement, or "" (e.g. "23505"). */
const char *xh_db_sqlstate(const struct xh_db *db);

/*
 * Runs a prepared statement with sql->nparams text parameters (NULL means
 * SQL NULL). On success returns XH_OK and, if res is not NULL, the result
 * for the caller to PQclear. A connection found dead before the statement
 * is sent (the server restarted while it was idle) is reconnected first.
 * When it breaks after the statement was sent, the statement is sent once
 * more on a new connection only if it is idempotent and no transaction
 * was open; otherwise XH_ERR_DB, and the caller decides (its own retry is
 * safe where the statement's effect can be seen or is harmless twice).
 */
enum xh_err xh_db_exec(struct xh_db *db, const struct xh_sql *sql, const char *const *params,
                       PGresult **res);
/* Same, with exactly sql->nparams const char * arguments after res. */
enum xh_err xh_db_execv(struct xh_db *db, const struct xh_sql *sql, PGresult **res, ...);

enum xh_err xh_db_begin(struct xh_db *db);
enum xh_err xh_db_commit(struct xh_db *db);
/* Rolls back; safe to call when no transaction is open. */
void xh_db_rollback(struct xh_db *db);
/* 1 while a transaction is open on this handle. */
int xh_db_in_tx(const struct xh_db *db);
/*
 * Runs fn inside BEGIN/COMMIT; rolls back if fn fails. Retries up to 3
 * times on serialization failure or deadlock (40001, 40P01).
 */
enum xh_err xh_db_tx(struct xh_db *db, enum xh_err (*fn)(struct xh_db *db, void *arg), void *arg);

/* Runs a multi-statement script (migrations only; simple protocol). */
enum xh_err xh_db_exec_script(struct xh_db *db, const char *sql);

/* Applies sql/NNNN_*.sql from dir in order under an advisory lock. */
enum xh_err xh_migrate(struct xh_db *db, const char *dir, int *applied, char *errbuf,
                       size_t errlen);

#endif
