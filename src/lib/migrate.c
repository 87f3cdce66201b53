/*
 * migrate.c: applies the numbered SQL files of a directory in order, each
 * in its own transaction, under a session advisory lock so that two
 * `xhsync migrate` runs never interleave. Applied files are recorded in
 * schema_migration with their SHA-256; an applied file that has changed on
 * disk stops the run, because an applied migration must never be edited.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "crypto.h"
#include "db.h"

/* pg_advisory_lock key for migrations: "xhsymig" in ASCII. */
#define MIGRATE_LOCK_KEY "33891842373020007"
#define MIGRATE_MAX_FILE (8 * 1024 * 1024)

enum migrate_sql {
	MIG_LOCK,   /* MIG_LOCK */
	MIG_UNLOCK, /* MIG_UNLOCK */
	MIG_TABLE,  /* MIG_TABLE */
	MIG_LIST,   /* MIG_LIST */
	MIG_INSERT, /* MIG_INSERT */
	MIG__MAX
};

static const struct xh_sql migrate_sql[MIG__MAX] = {
    /* MIG_LOCK */
    {"migrate_lock", "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", 0},
    /* MIG_UNLOCK */
    {"migrate_unlock", "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", 0},
    /* MIG_TABLE */
    {"migrate_table",
     "CREATE TABLE IF NOT EXISTS schema_migration ("
     " version int PRIMARY KEY,"
     " name text NOT NULL,"
     " checksum text NOT NULL,"
     " applied_at timestamptz NOT NULL DEFAULT now())",
     0},
    /* MIG_LIST */
    {"migrate_list", "SELECT version, name, checksum FROM schema_migration ORDER BY version", 0},
    /* MIG_INSERT */
    {"migrate_insert",
     "INSERT INTO schema_migration (version, name, checksum, applied_at)"
     " VALUES ($1::int, $2, $3, now())",
     3},
};

/* One file found in the directory. */
struct mig_file {
	int version;
	char *name; /* file name, e.g. "0001_init.sql" */
};

/* What the run needs in one place, so helpers stay short. */
struct mig_run {
	struct xh_db *db;
	struct xh_arena *a;
	const char *dir;
	char *errbuf;
	size_t errlen;
	int lock_pid; /* backend holding the advisory lock */
};

/* 1 if name matches ^[0-9]{4}_[a-z0-9_]+\.sql$. */
static int
migration_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len < 10 || strcmp(name + len - 4, ".sql") != 0 || name[4] != '_')
		return 0;
	for (size_t i = 0; i < 4; i++)
		if (name[i] < '0' || name[i] > '9')
			return 0;
	for (size_t i = 5; i < len - 4; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyz0123456789_", name[i]) == NULL)
			return 0;
	return 1;
}

static int
mig_file_cmp(const void *x, const void *y)
{
	return strcmp(((const struct mig_file *)x)->name, ((const struct mig_file *)y)->name);
}

/*
 * Lists the migration files of r->dir sorted by name. Two files with the
 * same number are an error (XH_ERR_CONFIG); an unreadable dir is XH_ERR_IO.
 */
static enum xh_err
list_files(struct mig_run *r, struct mig_file **out, size_t *n)
{
	DIR *d = opendir(r->dir);
	struct dirent *e;
	size_t cap = 16;
	enum xh_err err = XH_OK;

	*n = 0;
	if (d == NULL) {
		snprintf(r->errbuf, r->errlen, "%s: %s", r->dir, strerror(errno));
		return XH_ERR_IO;
	}
	*out = xh_xcalloc(cap, sizeof(**out));
	while ((e = readdir(d)) != NULL) {
		if (!migration_name_ok(e->d_name))
			continue;
		if (*n == cap) {
			cap *= 2;
			*out = xh_xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[*n].version = (int)strtol(e->d_name, NULL, 10);
		(*out)[(*n)++].name = xh_strdup(r->a, e->d_name);
	}
	closedir(d);
	qsort(*out, *n, sizeof(**out), mig_file_cmp);
	for (size_t i = 1; i < *n && !err; i++) {
		if ((*out)[i].version != (*out)[i - 1].version)
			continue;
		snprintf(r->errbuf, r->errlen, "%s: %s and %s have the same number", r->dir,
		         (*out)[i - 1].name, (*out)[i].name);
		err = XH_ERR_CONFIG;
	}
	return err;
}

/* Reads a whole file (at most MIGRATE_MAX_FILE bytes) into the arena. */
static enum xh_err
read_file(struct mig_run *r, const char *name, char **text, size_t *len)
{
	char *path = xh_printf(r->a, "%s/%s", r->dir, name);
	FILE *f = fopen(path, "rb");
	struct xh_buf b;
	char chunk[8192];
	size_t got;
	enum xh_err err = XH_OK;

	if (f == NULL) {
		snprintf(r->errbuf, r->errlen, "%s: %s", path, strerror(errno));
		return XH_ERR_IO;
	}
	xh_buf_init(&b);
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len <= MIGRATE_MAX_FILE)
		xh_buf_append(&b, chunk, got);
	if (ferror(f) || b.len > MIGRATE_MAX_FILE || memchr(b.data, '\0', b.len) != NULL) {
		snprintf(r->errbuf, r->errlen, "%s: unreadable, too large or not text", path);
		err = XH_ERR_IO;
		goto out;
	}
	*text = xh_buf_dup(r->a, &b);
	*len = b.len;
out:
	xh_buf_free(&b);
	fclose(f);
	return err;
}

/* Lower-case hex SHA-256 of a file's bytes. */
static char *
checksum(struct xh_arena *a, const char *text, size_t len)
{
	unsigned char md[XH_SHA256_LEN];

	xh_sha256(text, len, md);
	return xh_hex(a, md, sizeof(md));
}

/*
 * Applies one file and records it, in one transaction. A script that ends
 * the transaction itself (COMMIT) is refused: it would break atomicity.
 */
static enum xh_err
apply_one(struct mig_run *r, const struct mig_file *f, const char *text, const char *sum)
{
	const char *why = NULL;
	char version[16];
	enum xh_err err;

	snprintf(version, sizeof(version), "%d", f->version);
	err = xh_db_begin(r->db);
	/* A reconnect (db.h retries once) would have dropped the session lock. */
	if (!err && PQbackendPID(xh_db_conn(r->db)) != r->lock_pid) {
		why = "lost the database connection and the migration lock; run migrate again";
		err = XH_ERR_DB;
	}
	if (!err)
		err = xh_db_exec_script(r->db, text);
	if (!err && PQtransactionStatus(xh_db_conn(r->db)) != PQTRANS_INTRANS) {
		why = "the script must not end the transaction (no BEGIN/COMMIT)";
		err = XH_ERR_CONFIG;
	}
	if (!err)
		err = xh_db_execv(r->db, &migrate_sql[MIG_INSERT], NULL, version, f->name, sum);
	if (!err)
		err = xh_db_commit(r->db);
	if (err) {
		snprintf(r->errbuf, r->errlen, "%s: %s", f->name, why ? why : xh_db_error(r->db));
		xh_db_rollback(r->db);
	}
	return err;
}

/*
 * Compares a file with the applied row of the same version (row < 0: not
 * applied). Returns 1 to apply, 0 to skip, -1 on a mismatch (errbuf set).
 */
static int
check_one(struct mig_run *r, const PGresult *rows, int row, const struct mig_file *f,
          const char *sum, int newest)
{
	if (row < 0 && f->version < newest) {
		snprintf(r->errbuf, r->errlen,
		         "%s is numbered below the newest applied migration (%04d); renumber it",
		         f->name, newest);
		return -1;
	}
	if (row < 0)
		return 1;
	if (strcmp(PQgetvalue(rows, row, 1), f->name) != 0 ||
	    strcmp(PQgetvalue(rows, row, 2), sum) != 0) {
		snprintf(r->errbuf, r->errlen,
		         "%s differs from the applied migration %04d (%s); an applied migration "
		         "must never be edited: add a new file instead",
		         f->name, f->version, PQgetvalue(rows, row, 1));
		return -1;
	}
	return 0;
}

/* Row index of version in the applied list, or -1. */
static int
find_row(const PGresult *rows, int version)
{
	for (int i = 0; i < PQntuples(rows); i++)
		if (strtol(PQgetvalue(rows, i, 0), NULL, 10) == version)
			return i;
	return -1;
}

/* Checks every file against the applied list, then applies the new ones. */
static enum xh_err
apply_all(struct mig_run *r, const struct mig_file *files, size_t n, int *applied)
{
	PGresult *rows = NULL;
	enum xh_err err;
	int newest = 0, row, pending;

	err = xh_db_exec(r->db, &migrate_sql[MIG_LIST], NULL, &rows);
	if (err) {
		snprintf(r->errbuf, r->errlen, "%s", xh_db_error(r->db));
		return err;
	}
	if (PQntuples(rows) > 0)
		newest = (int)strtol(PQgetvalue(rows, PQntuples(rows) - 1, 0), NULL, 10);
	for (size_t i = 0; i < n && !err; i++) {
		char *text = NULL, *sum;
		size_t len = 0;

		err = read_file(r, files[i].name, &text, &len);
		if (err)
			break;
		sum = checksum(r->a, text, len);
		row = find_row(rows, files[i].version);
		pending = check_one(r, rows, row, &files[i], sum, newest);
		if (pending < 0)
			err = XH_ERR_CONFIG;
		else if (pending > 0 && (err = apply_one(r, &files[i], text, sum)) == XH_OK)
			(*applied)++;
	}
	PQclear(rows);
	return err;
}

enum xh_err
xh_migrate(struct xh_db *db, const char *dir, int *applied, char *errbuf, size_t errlen)
{
	struct mig_run r = {db, xh_arena_new(), dir, errbuf, errlen, 0};
	struct mig_file *files = NULL;
	size_t n = 0;
	int locked = 0;
	enum xh_err err;

	*applied = 0;
	errbuf[0] = '\0';
	err = list_files(&r, &files, &n);
	if (!err && (err = xh_db_exec(db, &migrate_sql[MIG_LOCK], NULL, NULL)) == XH_OK) {
		locked = 1;
		r.lock_pid = PQbackendPID(xh_db_conn(db));
	}
	if (!err)
		err = xh_db_exec(db, &migrate_sql[MIG_TABLE], NULL, NULL);
	if (err && errbuf[0] == '\0')
		snprintf(errbuf, errlen, "%s", xh_db_error(db));
	if (!err)
		err = apply_all(&r, files, n, applied);
	if (locked)
		(void)xh_db_exec(db, &migrate_sql[MIG_UNLOCK], NULL, NULL);
	free(files);
	xh_arena_free(r.a);
	return err;
}
