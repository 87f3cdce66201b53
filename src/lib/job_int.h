/*
 * job_int.h: what the job_*.c files share. Not for use elsewhere.
 */
#ifndef XH_JOB_INT_H
#define XH_JOB_INT_H

#include "job.h"

#define JQ_NONFINAL "('available', 'running', 'retryable')"
#define JQ_NOTIFY   "pg_notify('" JOB_CHANNEL "', '')"

/* A bigint column of a result; 0 for NULL. */
long long job_col_ll(PGresult *res, int row, int col);
/*
 * The error for a failed statement: check and foreign-key violations and
 * bad values are XH_ERR_INVAL, a unique violation XH_ERR_BUSY, else err.
 */
enum xh_err job_db_failure(struct xh_db *db, enum xh_err err);
/* Runs sql with one parameter; *count is count(*) of row 0, or the rows touched. */
enum xh_err job_exec_count(struct xh_db *db, const struct xh_sql *sql, const char *arg,
                           long long *count);

#endif
