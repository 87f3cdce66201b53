/*
 * db_exec.c: the statement half of db.h: named prepared statements that
 * are prepared once per connection, one retry after a reconnect outside a
 * transaction (of idempotent statements only, once one was sent), and
 * transactions with retry on serialization failure.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "db_int.h"

#define DB_TX_RETRIES 3
#define DB_MAX_PARAMS 64

/* 1 if the statement is already prepared on this connection. */
static int
names_has(const struct xh_db *db, const char *name)
{
	for (size_t i = 0; i < db->nnames; i++)
		if (strcmp(db->names[i], name) == 0)
			return 1;
	return 0;
}

/* Remembers a statement prepared on this connection. */
static void
names_add(struct xh_db *db, const char *name)
{
	if (db->nnames == db->capnames) {
		db->capnames = db->capnames ? db->capnames * 2 : 32;
		db->names = xh_xrealloc(db->names, db->capnames * sizeof(*db->names));
	}
	db->names[db->nnames++] = xh_xstrdup(name);
}

/*
 * Records the error of a failed result (res may be NULL) and notices a
 * broken connection. Always returns XH_ERR_DB.
 */
static enum xh_err
result_error(struct xh_db *db, const char *what, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char prefix[96];

	snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", state ? state : "");
	snprintf(prefix, sizeof(prefix), "%s: ", what);
	db_set_error(db, prefix, msg ? msg : PQerrorMessage(db->conn));
	if (PQstatus(db->conn) == CONNECTION_BAD)
		db->broken = 1;
	return XH_ERR_DB;
}

/*
 * Notices a connection that died while idle: the server said goodbye (a
 * restart sends a FATAL message, then closes), so the socket is readable
 * although no statement is under way. Costs one poll(), no round trip.
 */
static void
check_idle(struct xh_db *db)
{
	struct pollfd p;

	if (db->conn == NULL || db->broken || PQsocket(db->conn) < 0)
		return;
	p.fd = PQsocket(db->conn);
	p.events = POLLIN;
	p.revents = 0;
	if (poll(&p, 1, 0) <= 0)
		return;
	if (!PQconsumeInput(db->conn) || PQstatus(db->conn) == CONNECTION_BAD)
		db->broken = 1;
}

/* Makes sure there is a usable connection before a statement. */
static enum xh_err
conn_ready(struct xh_db *db)
{
	check_idle(db);
	if (db->in_tx && (db->conn == NULL || db->broken)) {
		snprintf(db->err, sizeof(db->err), "database connection lost inside a transaction");
		return XH_ERR_DB;
	}
	return xh_db_connect(db);
}

/* Waits for input on the connection: 1 ready, 0 deadline passed, -1 error. */
static int
wait_input(PGconn *conn, long long deadline)
{
	struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};
	long long left;
	int n;

	for (;;) {
		left = deadline > 0 ? deadline - xh_now_ms() : -1;
		if (deadline > 0 && left <= 0)
			return 0;
		n = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n != 0 || deadline == 0)
			return n > 0 ? 1 : (errno == EINTR ? 1 : -1);
	}
}

static int
result_ok(const PGresult *r)
{
	ExecStatusType st = PQresultStatus(r);

	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
}

/*
 * Collects the results of a query sent with PQsend*, giving up at the
 * client-side deadline (query_timeout_ms) so a server that stopped
 * answering cannot hang the caller; the connection is then marked broken
 * and the next use reconnects. Returns the first failed result, else the
 * last one, or NULL with db->err set (timeout or I/O error).
 */
static PGresult *
await_result(struct xh_db *db, const char *what)
{
	long long deadline = db->query_timeout_ms > 0 ? xh_now_ms() + db->query_timeout_ms : 0;
	PGresult *keep = NULL, *r;
	int w;

	for (;;) {
		while (PQisBusy(db->conn)) {
			w = wait_input(db->conn, deadline);
			if (w == 0)
				goto timeout;
			if (w < 0 || !PQconsumeInput(db->conn))
				goto io;
		}
		r = PQgetResult(db->conn);
		if (r == NULL)
			return keep != NULL ? keep
			                    : PQmakeEmptyPGresult(db->conn, PGRES_FATAL_ERROR);
		if (keep != NULL && !result_ok(keep)) {
			PQclear(r);
			continue;
		}
		PQclear(keep);
		keep = r;
	}
timeout:
	snprintf(db->err, sizeof(db->err), "%s: no answer from the database within %d ms", what,
	         db->query_timeout_ms);
	db->timed_out = 1;
	goto fail;
io:
	db_set_error(db, "", PQerrorMessage(db->conn));
fail:
	PQclear(keep);
	db->broken = 1;
	return NULL;
}

/* Prepares sql on this connection unless it already is. */
static enum xh_err
prepare(struct xh_db *db, const struct xh_sql *sql)
{
	PGresult *res;
	enum xh_err err = XH_OK;

	if (names_has(db, sql->name))
		return XH_OK;
	if (!PQsendPrepare(db->conn, sql->name, sql->text, sql->nparams, NULL))
		return result_error(db, sql->name, NULL);
	if ((res = await_result(db, sql->name)) == NULL)
		return XH_ERR_DB;
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		err = result_error(db, sql->name, res);
	else
		names_add(db, sql->name);
	PQclear(res);
	return err;
}

/* One attempt: prepare if needed, then execute. */
static enum xh_err
exec_once(struct xh_db *db, const struct xh_sql *sql, const char *const *params, PGresult **out)
{
	PGresult *res;
	ExecStatusType st;
	enum xh_err err;

	err = conn_ready(db);
	if (!err)
		err = prepare(db, sql);
	if (err)
		return err;
	if (!PQsendQueryPrepared(db->conn, sql->name, sql->nparams, params, NULL, NULL, 0))
		return result_error(db, sql->name, NULL);
	db->sent = 1;
	if ((res = await_result(db, sql->name)) == NULL)
		return XH_ERR_DB;
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		err = result_error(db, sql->name, res);
		PQclear(res);
		return err;
	}
	if (out != NULL)
		*out = res;
	else
		PQclear(res);
	return XH_OK;
}

/* 1 if the statement's text is marked XH_SQL_IDEMPOTENT. */
static int
idempotent(const struct xh_sql *sql)
{
	return strncmp(sql->text, XH_SQL_IDEMPOTENT, sizeof(XH_SQL_IDEMPOTENT) - 1) == 0;
}

enum xh_err
xh_db_exec(struct xh_db *db, const struct xh_sql *sql, const char *const *params, PGresult **res)
{
	enum xh_err err;

	if (res != NULL)
		*res = NULL;
	db->sqlstate[0] = '\0';
	db->timed_out = 0;
	db->sent = 0;
	err = exec_once(db, sql, params, res);
	/*
	 * Retry once on a fresh connection, but not against a server that
	 * hangs, and not a statement the server may have run already unless
	 * running it twice is harmless.
	 */
	if (err && db->broken && !db->in_tx && !db->timed_out && (!db->sent || idempotent(sql))) {
		db->sent = 0;
		err = exec_once(db, sql, params, res);
	}
	if (!err)
		db->err[0] = '\0';
	return err;
}

enum xh_err
xh_db_execv(struct xh_db *db, const struct xh_sql *sql, PGresult **res, ...)
{
	const char *params[DB_MAX_PARAMS];
	va_list ap;

	if (sql->nparams < 0 || sql->nparams > DB_MAX_PARAMS) {
		snprintf(db->err, sizeof(db->err), "%s: too many parameters", sql->name);
		return XH_ERR_INVAL;
	}
	va_start(ap, res);
	for (int i = 0; i < sql->nparams; i++)
		params[i] = va_arg(ap, const char *);
	va_end(ap);
	return xh_db_exec(db, sql, params, res);
}

/*
 * Runs constant SQL with the simple protocol (transaction control and
 * migration scripts). Sets *tag to the command tag if tag is not NULL.
 */
static enum xh_err
exec_simple(struct xh_db *db, const char *what, const char *sql, char *tag, size_t taglen)
{
	PGresult *res;
	ExecStatusType st;
	enum xh_err err = XH_OK;

	db->sqlstate[0] = '\0';
	if (!PQsendQuery(db->conn, sql))
		return result_error(db, what, NULL);
	if ((res = await_result(db, what)) == NULL)
		return XH_ERR_DB;
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
		err = result_error(db, what, res);
	else if (tag != NULL)
		snprintf(tag, taglen, "%s", PQcmdStatus(res));
	PQclear(res);
	return err;
}

/*
 * Opens a transaction. A connection found broken by BEGIN itself (server
 * restarted while idle) is reconnected and BEGIN tried once more.
 */
enum xh_err
xh_db_begin(struct xh_db *db)
{
	enum xh_err err;

	if (db->in_tx) {
		snprintf(db->err, sizeof(db->err), "BEGIN: a transaction is already open");
		return XH_ERR_INVAL;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		err = xh_db_connect(db);
		if (!err)
			err = exec_simple(db, "BEGIN", "BEGIN", NULL, 0);
		if (!err || !db->broken)
			break;
	}
	if (!err)
		db->in_tx = 1;
	return err;
}

/*
 * Commits. A transaction that had already failed is rolled back by the
 * server (tag "ROLLBACK"); that is reported as XH_ERR_DB.
 */
enum xh_err
xh_db_commit(struct xh_db *db)
{
	char tag[32] = "";
	enum xh_err err;

	if (!db->in_tx) {
		snprintf(db->err, sizeof(db->err), "COMMIT: no transaction is open");
		return XH_ERR_INVAL;
	}
	db->in_tx = 0;
	if (db->conn == NULL || db->broken) {
		snprintf(db->err, sizeof(db->err), "database connection lost inside a transaction");
		return XH_ERR_DB;
	}
	err = exec_simple(db, "COMMIT", "COMMIT", tag, sizeof(tag));
	if (!err && strcmp(tag, "COMMIT") != 0) {
		snprintf(db->err, sizeof(db->err),
		         "COMMIT: transaction had failed and was rolled back");
		err = XH_ERR_DB;
	}
	return err;
}

void
xh_db_rollback(struct xh_db *db)
{
	char state[sizeof(db->sqlstate)];
	char msg[sizeof(db->err)];

	db->in_tx = 0;
	if (db->conn == NULL || db->broken || PQtransactionStatus(db->conn) == PQTRANS_IDLE)
		return;
	/* Keep the error that caused the rollback, not the rollback's own. */
	memcpy(state, db->sqlstate, sizeof(state));
	memcpy(msg, db->err, sizeof(msg));
	(void)exec_simple(db, "ROLLBACK", "ROLLBACK", NULL, 0);
	memcpy(db->sqlstate, state, sizeof(state));
	memcpy(db->err, msg, sizeof(msg));
}

static int
retryable(const struct xh_db *db)
{
	return strcmp(db->sqlstate, "40001") == 0 || strcmp(db->sqlstate, "40P01") == 0;
}

/* Sleeps a few milliseconds before a retry so colliding peers drift apart. */
static void
retry_pause(int attempt)
{
	struct timespec ts = {0, 0};

	ts.tv_nsec = (long)(5 + attempt * 10 + ((long)getpid() % 7)) * 1000000L;
	nanosleep(&ts, NULL);
}

enum xh_err
xh_db_tx(struct xh_db *db, enum xh_err (*fn)(struct xh_db *db, void *arg), void *arg)
{
	enum xh_err err = XH_OK;

	for (int attempt = 0; attempt <= DB_TX_RETRIES; attempt++) {
		if (attempt > 0)
			retry_pause(attempt);
		err = xh_db_begin(db);
		if (err)
			return err;
		err = fn(db, arg);
		if (err) {
			xh_db_rollback(db);
		} else {
			err = xh_db_commit(db);
		}
		if (!err || !retryable(db))
			return err;
	}
	return err;
}

enum xh_err
xh_db_exec_script(struct xh_db *db, const char *sql)
{
	enum xh_err err = conn_ready(db);

	if (err)
		return err;
	return exec_simple(db, "script", sql, NULL, 0);
}
