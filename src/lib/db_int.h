/*
 * db_int.h: the connection handle shared by db.c and db_exec.c. Not for
 * use outside those two files.
 */
#ifndef XH_DB_INT_H
#define XH_DB_INT_H

#include "db.h"

struct xh_db {
	char *dsn;
	int connect_timeout_ms;
	int statement_timeout_ms;
	int query_timeout_ms; /* client-side deadline per statement; 0 = none */
	PGconn *conn;
	int broken;    /* the connection failed; reconnect before next use */
	int in_tx;     /* BEGIN issued, COMMIT/ROLLBACK not yet */
	int timed_out; /* the last statement hit the client deadline: no retry */
	int sent;      /* the last statement reached the server (it may have run) */
	char **names;  /* statements prepared on this connection */
	size_t nnames;
	size_t capnames;
	char password[128]; /* scrubbed from libpq messages; never printed */
	char err[512];
	char sqlstate[6];
};

/* Sets db->err to prefix + a libpq message, one line, password masked. */
void db_set_error(struct xh_db *db, const char *prefix, const char *msg);
/* Forgets the statements prepared on the (closed) connection. */
void db_names_clear(struct xh_db *db);

#endif
