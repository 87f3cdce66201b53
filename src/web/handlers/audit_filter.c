/*
 * audit_filter.c: the audit browser's filter and keyset cursor, checked
 * from the query string (audit.h), and the page query. Every value is a
 * parameter of one prepared statement: a filter not given is NULL, and the
 * statement is planned for the values of each run (plan_cache_mode), so
 * the planner sees which filters are set and takes that filter's index.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/token_lease.h" /* xh_form_encode */
#include "web/handlers/audit.h"
#include "web/template.h" /* web_utf8_valid */
#include "xero/pull.h"    /* xero_is_uuid */

const char *const audit_filter_keys[] = {
    "link", "object", "record", "hubspot_id", "action", "outcome", "from", "to", NULL,
};

/*
 * The page query: $1 link, $2 object, $3 xero id, $4 number or name, $5
 * HubSpot id, $6 action, $7 outcome, $8 from, $9 to (dates, UTC), $10 $11
 * the cursor (at in microseconds, id), $12 rows. The label is the record's
 * number or name in the mirror (one primary-key lookup per row).
 */
#define AUDIT_PAGE_SQL                                                                             \
	"SELECT e.id, to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),"                  \
	" e.link_id, l.name, e.object, e.xero_id, x.label, e.hubspot_id, e.action, e.outcome,"     \
	" e.job_id, coalesce(e.detail->>'message', e.detail->>'reason',"                           \
	"  CASE WHEN e.detail ? 'written' THEN concat_ws(', ', (e.detail->>'read') || ' read',"    \
	"  (e.detail->>'written') || ' written', (e.detail->>'waiting') || ' waiting',"            \
	"  (e.detail->>'excluded') || ' excluded', (e.detail->>'failed') || ' failed')"            \
	"  WHEN jsonb_typeof(e.detail->'changes') <> 'array' THEN NULL"                            \
	"  WHEN e.detail->>'new' = 'true' THEN 'created with '"                                    \
	"   || jsonb_array_length(e.detail->'changes') || ' properties'"                           \
	"  WHEN jsonb_array_length(e.detail->'changes') = 0 THEN 'no property changed'"            \
	"  ELSE 'changed: ' || (SELECT string_agg(c->>'property', ', ')"                           \
	"   FROM jsonb_array_elements(e.detail->'changes') c) END),"                               \
	" e.detail::text,"                                                                         \
	" (extract(epoch FROM e.at) * 1000000)::bigint"                                            \
	" FROM audit_event e LEFT JOIN link l ON l.id = e.link_id"                                 \
	" LEFT JOIN LATERAL (SELECT xh_record_label(r.payload) AS label FROM xero_record r"        \
	"  WHERE r.link_id = e.link_id AND r.xero_id = e.xero_id AND r.object = CASE e.object"     \
	"  WHEN 'company' THEN 'contact' WHEN 'product' THEN 'item' ELSE e.object END) x ON true"  \
	" WHERE ($1::bigint IS NULL OR e.link_id = $1::bigint)"                                    \
	" AND ($2::text IS NULL OR e.object = $2::text)"                                           \
	" AND ($3::uuid IS NULL OR e.xero_id = $3::uuid)"                                          \
	" AND ($4::text IS NULL OR e.xero_id = ANY (ARRAY(SELECT r.xero_id FROM xero_record r"     \
	"  WHERE lower(xh_record_label(r.payload)) = lower($4::text))))"                           \
	" AND ($5::text IS NULL OR e.hubspot_id = $5::text)"                                       \
	" AND ($6::text IS NULL OR e.action = $6::text)"                                           \
	" AND ($7::text IS NULL OR e.outcome = $7::text)"                                          \
	" AND ($8::date IS NULL OR e.at >= $8::date::timestamp AT TIME ZONE 'UTC')"                \
	" AND ($9::date IS NULL OR e.at < ($9::date + 1)::timestamp AT TIME ZONE 'UTC')"           \
	" AND ($10::bigint IS NULL OR (e.at, e.id) < (timestamptz 'epoch'"                         \
	"  + $10::bigint * interval '1 microsecond', $11::bigint))"                                \
	" ORDER BY e.at DESC, e.id DESC LIMIT $12::int"

enum audit_sql {
	AQ_CUSTOM,  /* AQ_CUSTOM */
	AQ_PAGE,    /* AQ_PAGE */
	AQ_EXPLAIN, /* AQ_EXPLAIN */
	AQ__MAX
};

/* clang-format off */
static const struct xh_sql audit_sql[AQ__MAX] = {
    /* AQ_CUSTOM: for this transaction, plan each run for its own values */
    {"web_audit_custom_plan",
     XH_SQL_IDEMPOTENT "SELECT set_config('plan_cache_mode', 'force_custom_plan', true)", 0},
    /* AQ_PAGE */
    {"web_audit_page", XH_SQL_IDEMPOTENT AUDIT_PAGE_SQL, 12},
    /* AQ_EXPLAIN: how the page query runs for these values */
    {"web_audit_explain", XH_SQL_IDEMPOTENT "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " AUDIT_PAGE_SQL, 12},
};
/* clang-format on */

/* 1 if s is 1..max characters, each in set (a string of allowed bytes). */
static int
all_in(const char *s, size_t max, const char *set)
{
	size_t n = strlen(s);

	return n >= 1 && n <= max && strspn(s, set) == n;
}

#define DIGITS "0123456789"
#define LOWER  "abcdefghijklmnopqrstuvwxyz"

/* A positive decimal within [1, max] with no sign or leading zero; 0 if not. */
static long long
positive(const char *s, long long max)
{
	char *end;
	long long v;

	if (!all_in(s, 19, DIGITS) || s[0] == '0')
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	return (errno != 0 || *end != '\0' || v < 1 || v > max) ? 0 : v;
}

/* 1 if s is a real calendar date YYYY-MM-DD between 1970 and 9999. */
static int
is_date(const char *s)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || strspn(s, DIGITS) != 4 ||
	    strspn(s + 5, DIGITS) != 2 || strspn(s + 8, DIGITS) != 2)
		return 0;
	y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	return !(m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

static enum xh_err
bad(struct audit_filter *f, const char *field, const char *error)
{
	f->field = field;
	f->error = error;
	return XH_ERR_INVAL;
}

/* The value of key with spaces trimmed, or NULL when absent or blank. */
static const char *
value(struct xh_arena *a, const struct web_kvlist *q, const char *key)
{
	const char *v = web_kv_get(q, key);
	size_t n;

	if (v == NULL)
		return NULL;
	while (*v == ' ' || *v == '\t')
		v++;
	n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	return n == 0 ? NULL : xh_strndup(a, v, n);
}

/* "record": a Xero id, or a document number or name. */
static enum xh_err
parse_record(struct audit_filter *f, const char *v)
{
	if (v == NULL)
		return XH_OK;
	if (xero_is_uuid(v)) {
		f->xero_id = v;
		return XH_OK;
	}
	if (strlen(v) > AUDIT_NUMBER_MAX || !web_utf8_valid(v, strlen(v)))
		return bad(f, "record",
		           "Type a Xero id, or an invoice number or contact name of at most 200 "
		           "characters.");
	f->number = v;
	return XH_OK;
}

/* "before": "<microseconds>_<id>", as the page's own "Older" link makes it. */
static enum xh_err
parse_cursor(struct xh_arena *a, struct audit_filter *f, const char *v)
{
	const char *sep = v != NULL ? strchr(v, '_') : NULL;
	char *us;

	if (v == NULL)
		return XH_OK;
	if (sep == NULL || (size_t)(sep - v) > 18)
		goto refuse;
	us = xh_strndup(a, v, (size_t)(sep - v));
	if (positive(us, AUDIT_MAX_US) == 0 || positive(sep + 1, 9223372036854775807LL) == 0)
		goto refuse;
	f->cur_us = us;
	f->cur_id = sep + 1;
	return XH_OK;
refuse:
	return bad(f, "before",
	           "This page link is not valid (it may have been cut or edited). Go back to the "
	           "first page of the audit trail.");
}

enum xh_err
audit_filter_parse(struct xh_arena *a, const struct web_kvlist *q, struct audit_filter *f)
{
	const char *v;

	memset(f, 0, sizeof(*f));
	if ((v = value(a, q, "link")) != NULL && positive(v, 9223372036854775807LL) == 0)
		return bad(f, "link", "Choose a link from the list.");
	f->link = v;
	if ((v = value(a, q, "object")) != NULL && !all_in(v, 32, LOWER "_"))
		return bad(f, "object", "Choose a record type from the list.");
	f->object = v;
	if (parse_record(f, value(a, q, "record")) != XH_OK)
		return XH_ERR_INVAL;
	if ((v = value(a, q, "hubspot_id")) != NULL && !all_in(v, 20, DIGITS))
		return bad(f, "hubspot_id", "A HubSpot id is a number of up to 20 digits.");
	f->hubspot_id = v;
	if ((v = value(a, q, "action")) != NULL &&
	    (!all_in(v, 64, LOWER DIGITS "_.") || strchr(LOWER, v[0]) == NULL))
		return bad(f, "action", "Choose an action from the list (such as hubspot.write).");
	f->action = v;
	if ((v = value(a, q, "outcome")) != NULL && strcmp(v, "ok") != 0 &&
	    strcmp(v, "error") != 0 && strcmp(v, "skipped") != 0 &&
	    strcmp(v, "needs_reconnect") != 0)
		return bad(f, "outcome", "Choose an outcome from the list.");
	f->outcome = v;
	if ((f->from = value(a, q, "from")) != NULL && !is_date(f->from))
		return bad(f, "from", "Give the first day as a date: YYYY-MM-DD.");
	if ((f->to = value(a, q, "to")) != NULL && !is_date(f->to))
		return bad(f, "to", "Give the last day as a date: YYYY-MM-DD.");
	if (f->from != NULL && f->to != NULL && strcmp(f->from, f->to) > 0)
		return bad(f, "to", "The last day is before the first day: swap them.");
	return parse_cursor(a, f, value(a, q, "before"));
}

char *
audit_filter_query(struct xh_arena *a, const struct web_kvlist *q)
{
	struct xh_buf b;
	char *out;

	xh_buf_init(&b);
	for (int i = 0; audit_filter_keys[i] != NULL; i++) {
		const char *v = value(a, q, audit_filter_keys[i]);

		if (v != NULL)
			xh_buf_printf(&b, "%s%s=%s", b.len ? "&" : "", audit_filter_keys[i],
			              xh_form_encode(a, v));
	}
	out = xh_buf_dup(a, &b);
	xh_buf_free(&b);
	return out;
}

/* Runs statement q of the page query's parameters in a custom-plan transaction. */
static enum xh_err
run(struct xh_db *db, enum audit_sql q, const struct audit_filter *f, int limit, PGresult **res)
{
	char lim[16];
	enum xh_err err;

	snprintf(lim, sizeof(lim), "%d", limit);
	*res = NULL;
	if ((err = xh_db_begin(db)) != XH_OK)
		return err;
	if ((err = xh_db_execv(db, &audit_sql[AQ_CUSTOM], NULL)) == XH_OK)
		err = xh_db_execv(db, &audit_sql[q], res, f->link, f->object, f->xero_id, f->number,
		                  f->hubspot_id, f->action, f->outcome, f->from, f->to, f->cur_us,
		                  f->cur_id, lim);
	if (err == XH_OK)
		err = xh_db_commit(db);
	if (err != XH_OK) {
		xh_db_rollback(db);
		PQclear(*res);
		*res = NULL;
	}
	return err;
}

enum xh_err
audit_page_query(struct xh_db *db, const struct audit_filter *f, int limit, PGresult **res)
{
	return run(db, AQ_PAGE, f, limit, res);
}

enum xh_err
audit_page_explain(struct xh_db *db, const struct audit_filter *f, int limit, PGresult **res)
{
	return run(db, AQ_EXPLAIN, f, limit, res);
}
