/*
 * db.c: the connection half of db.h: a bounded connect, reconnect after a
 * broken connection, and error reporting. Statements and transactions are
 * in db_exec.c.
 *
 * The DSN may hold a password, so it is never copied into an error message
 * or a log line; libpq's own messages are scrubbed of the password too.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "db_int.h"
#include "log.h"

#define DB_DEFAULT_CONNECT_MS 10000
#define DB_APP_NAME           "xhsync"
#define DB_GRACE_MS           5000

struct xh_db *
xh_db_new(const char *dsn, int connect_timeout_ms, int statement_timeout_ms)
{
	struct xh_db *db = xh_xcalloc(1, sizeof(*db));

	db->dsn = xh_xstrdup(dsn != NULL ? dsn : "");
	db->connect_timeout_ms =
	    connect_timeout_ms > 0 ? connect_timeout_ms : DB_DEFAULT_CONNECT_MS;
	db->statement_timeout_ms = statement_timeout_ms > 0 ? statement_timeout_ms : 0;
	/* The server cancels at statement_timeout; the client waits a little longer. */
	db->query_timeout_ms =
	    db->statement_timeout_ms > 0 ? db->statement_timeout_ms + DB_GRACE_MS : 0;
	return db;
}

void
xh_db_set_query_timeout(struct xh_db *db, int ms)
{
	db->query_timeout_ms = ms > 0 ? ms : 0;
}

int
xh_db_query_timeout(const struct xh_db *db)
{
	return db->query_timeout_ms;
}

/* Forgets every prepared statement name (the server forgot them too). */
void
db_names_clear(struct xh_db *db)
{
	for (size_t i = 0; i < db->nnames; i++)
		free(db->names[i]);
	db->nnames = 0;
}

/* Closes the connection and forgets its per-connection state. */
static void
conn_close(struct xh_db *db)
{
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = NULL;
	db->broken = 0;
	db->in_tx = 0;
	db_names_clear(db);
}

void
xh_db_free(struct xh_db *db)
{
	if (db == NULL)
		return;
	conn_close(db);
	free(db->names);
	free(db->dsn);
	explicit_bzero(db->password, sizeof(db->password));
	free(db);
}

/*
 * Sets the error message from a libpq message: newlines become "; ", a
 * trailing newline is dropped, and the password (if any) is masked.
 */
void
db_set_error(struct xh_db *db, const char *prefix, const char *msg)
{
	static const char mask[] = "[redacted]";
	size_t plen = strlen(db->password), cap = sizeof(db->err) - 1;
	size_t o = strnlen(prefix, cap);

	memcpy(db->err, prefix, o);
	for (const char *p = msg != NULL ? msg : ""; *p != '\0' && o < cap; p++) {
		if (plen > 0 && strncmp(p, db->password, plen) == 0) {
			size_t n = sizeof(mask) - 1 < cap - o ? sizeof(mask) - 1 : cap - o;

			memcpy(db->err + o, mask, n);
			o += n;
			p += plen - 1;
		} else if (*p != '\n') {
			db->err[o++] = *p;
		} else if (p[1] != '\0' && o + 2 < cap) {
			db->err[o++] = ';';
			db->err[o++] = ' ';
		}
	}
	db->err[o] = '\0';
}

/*
 * Builds the keyword/value arrays for PQconnectStartParams from the DSN
 * (conninfo or URI), adding our statement_timeout to options and a default
 * application_name. Returns XH_ERR_CONFIG if the DSN does not parse.
 */
static enum xh_err
conn_params(struct xh_db *db, struct xh_arena *a, const char ***kw, const char ***val)
{
	PQconninfoOption *opts = PQconninfoParse(db->dsn, NULL);
	const char *options = NULL, *app = NULL;
	size_t n = 0, i = 0;

	if (opts == NULL) {
		snprintf(db->err, sizeof(db->err),
		         "database dsn is not a valid connection string or URI");
		return XH_ERR_CONFIG;
	}
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
		n++;
	*kw = xh_alloc(a, (n + 3) * sizeof(**kw));
	*val = xh_alloc(a, (n + 3) * sizeof(**val));
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		if (strcmp(o->keyword, "options") == 0) {
			options = xh_strdup(a, o->val);
			continue;
		}
		if (strcmp(o->keyword, "application_name") == 0)
			app = o->val;
		if (strcmp(o->keyword, "password") == 0)
			snprintf(db->password, sizeof(db->password), "%s", o->val);
		(*kw)[i] = xh_strdup(a, o->keyword);
		(*val)[i++] = xh_strdup(a, o->val);
	}
	if (app == NULL) {
		(*kw)[i] = "application_name";
		(*val)[i++] = DB_APP_NAME;
	}
	if (db->statement_timeout_ms > 0)
		options = xh_printf(a, "%s%s-c statement_timeout=%d", options ? options : "",
		                    options ? " " : "", db->statement_timeout_ms);
	if (options != NULL) {
		(*kw)[i] = "options";
		(*val)[i++] = options;
	}
	PQconninfoFree(opts);
	return XH_OK;
}

/*
 * Drives PQconnectPoll until the connection is up, fails, or the deadline
 * passes. Returns XH_ERR_DB with the reason in db->err.
 */
static enum xh_err
conn_poll(struct xh_db *db, long long deadline)
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;

	while (st != PGRES_POLLING_OK) {
		struct pollfd pfd = {.fd = PQsocket(db->conn)};
		long long left = deadline - xh_now_ms();
		int r;

		if (st == PGRES_POLLING_FAILED) {
			db_set_error(db, "cannot connect to database: ", PQerrorMessage(db->conn));
			return XH_ERR_DB;
		}
		if (left <= 0 || pfd.fd < 0)
			break;
		pfd.events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0)
			st = PQconnectPoll(db->conn);
	}
	if (st == PGRES_POLLING_OK)
		return XH_OK;
	snprintf(db->err, sizeof(db->err), "cannot connect to database: no answer within %d ms",
	         db->connect_timeout_ms);
	return XH_ERR_DB;
}

/* Server notices ("relation exists, skipping") go to the debug log. */
static void
notice_log(void *arg, const char *msg)
{
	(void)arg;
	xh_log(XH_LOG_DEBUG, "db.notice", "msg", msg, NULL);
}

/* Opens a fresh connection under the connect deadline. */
static enum xh_err
conn_open(struct xh_db *db)
{
	struct xh_arena *a = xh_arena_new();
	const char **kw = NULL, **val = NULL;
	long long deadline = xh_now_ms() + db->connect_timeout_ms;
	enum xh_err err;

	conn_close(db);
	err = conn_params(db, a, &kw, &val);
	if (err)
		goto out;
	db->conn = PQconnectStartParams(kw, val, 0);
	if (db->conn == NULL) {
		snprintf(db->err, sizeof(db->err), "cannot connect to database: out of memory");
		err = XH_ERR_NOMEM;
		goto out;
	}
	if (PQstatus(db->conn) == CONNECTION_BAD) {
		db_set_error(db, "cannot connect to database: ", PQerrorMessage(db->conn));
		err = XH_ERR_DB;
		goto out;
	}
	err = conn_poll(db, deadline);
	if (!err)
		PQsetNoticeProcessor(db->conn, notice_log, NULL);
out:
	if (err && db->conn != NULL) {
		PQfinish(db->conn);
		db->conn = NULL;
	}
	xh_arena_free(a);
	return err;
}

enum xh_err
xh_db_connect(struct xh_db *db)
{
	int had = db->conn != NULL;

	if (db->conn != NULL && !db->broken && PQstatus(db->conn) == CONNECTION_OK)
		return XH_OK;
	if (had)
		xh_log(XH_LOG_WARN, "db.reconnect", NULL);
	return conn_open(db);
}

PGconn *
xh_db_conn(struct xh_db *db)
{
	return db->conn;
}

const char *
xh_db_error(const struct xh_db *db)
{
	return db->err;
}

const char *
xh_db_sqlstate(const struct xh_db *db)
{
	return db->sqlstate;
}

int
xh_db_in_tx(const struct xh_db *db)
{
	return db->in_tx;
}
