/*
 * audit.h: what the audit browser's files share: the filter of a page (from
 * the query string, checked before anything reaches SQL), its keyset
 * cursor, and the page query the list, the CSV export and the benchmark
 * run.
 */
#ifndef XH_WEB_AUDIT_H
#define XH_WEB_AUDIT_H

#include <libpq-fe.h>

#include "web/web.h"

#define AUDIT_PAGE_ROWS  50                   /* rows on one page of the browser */
#define AUDIT_CSV_ROWS   500                  /* rows fetched per step of the CSV export */
#define AUDIT_NUMBER_MAX 200                  /* bytes of a document number or name */
#define AUDIT_MAX_US     253402300799999999LL /* 9999-12-31 23:59:59.999999 UTC */

/*
 * A page's filter. Every member is NULL when not given, else a checked
 * value passed to SQL as a parameter: link and hubspot_id digits, xero_id
 * a UUID, number any UTF-8 text, the others from fixed character sets.
 */
struct audit_filter {
	const char *link, *object, *xero_id, *number, *hubspot_id, *action, *outcome;
	const char *from, *to;       /* YYYY-MM-DD, dates in UTC (to inclusive) */
	const char *cur_us, *cur_id; /* the cursor: rows older than (at, id) */
	const char *field;           /* on XH_ERR_INVAL: the field at fault */
	const char *error;           /* on XH_ERR_INVAL: what to do, in plain words */
};

/* The filter names in the query string, in the page form's order. */
extern const char *const audit_filter_keys[];

/*
 * Reads and checks the filter in the query string q (keys as above plus
 * "record": a Xero id or a document number, and "before": the cursor
 * "<microseconds since 1970>_<id>"). XH_ERR_INVAL with f->field and
 * f->error on the first bad value; nothing reaches SQL then.
 */
enum xh_err audit_filter_parse(struct xh_arena *a, const struct web_kvlist *q,
                               struct audit_filter *f);

/* The query string of f without the cursor (for links), escaped for a URL. */
char *audit_filter_query(struct xh_arena *a, const struct web_kvlist *q);

/*
 * Runs the page query: up to limit rows of f, newest first, in one short
 * transaction that plans it for the values given (so each filter's index
 * is used). Columns: see enum audit_col. XH_ERR_DB with xh_db_error().
 */
enum audit_col {
	AC_ID,        /* AC_ID */
	AC_AT,        /* AC_AT: "YYYY-MM-DD HH:MM:SS" UTC */
	AC_LINK,      /* AC_LINK */
	AC_LINK_NAME, /* AC_LINK_NAME */
	AC_OBJECT,    /* AC_OBJECT */
	AC_XERO_ID,   /* AC_XERO_ID */
	AC_LABEL,     /* AC_LABEL: the record's number or name from the mirror */
	AC_HUBSPOT,   /* AC_HUBSPOT */
	AC_ACTION,    /* AC_ACTION */
	AC_OUTCOME,   /* AC_OUTCOME */
	AC_JOB,       /* AC_JOB */
	AC_MESSAGE,   /* AC_MESSAGE: the vendor's or the push's message */
	AC_DETAIL,    /* AC_DETAIL: the detail JSON */
	AC_CUR_US,    /* AC_CUR_US: at in microseconds since 1970 */
	AC__MAX
};
enum xh_err audit_page_query(struct xh_db *db, const struct audit_filter *f, int limit,
                             PGresult **res);

/* The same query under EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON): one row, the plan. */
enum xh_err audit_page_explain(struct xh_db *db, const struct audit_filter *f, int limit,
                               PGresult **res);

/* CSV (audit_csv.c): one field, quoted when needed, formulas defused. */
void audit_csv_field(struct xh_buf *b, const char *s);

#endif
