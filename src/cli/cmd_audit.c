/*
 * cmd_audit.c: `xhsync audit explain QUERY` prints how PostgreSQL runs the
 * audit browser's page query for a filter (EXPLAIN ANALYZE as JSON), and
 * `xhsync audit pages QUERY [--pages N]` walks N pages of it the way the
 * browser's "Older" link does, with the time of each. QUERY is the filter
 * as the browser's address has it ("link=1&record=INV-0042&outcome=error").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "web/handlers/audit.h"

/* The filter of QUERY into f; a usage error naming the bad field. */
static int
filter_arg(struct cli_ctx *ctx, struct xh_arena *a, const char *query, struct audit_filter *f)
{
	struct web_kvlist q = {0};

	if (web_form_parse(a, query, strlen(query), &q) != XH_OK)
		return cli_usage(ctx, "the filter is not a query string (key=value&...)");
	if (audit_filter_parse(a, &q, f) != XH_OK)
		return cli_usage(ctx, "%s: %s", f->field, f->error);
	return CLI_OK;
}

static int
explain(struct cli_ctx *ctx, struct xh_arena *a, const char *query)
{
	struct audit_filter f;
	PGresult *res = NULL;
	int rc = filter_arg(ctx, a, query, &f);

	if (rc != CLI_OK)
		return rc;
	if (audit_page_explain(ctx->db, &f, AUDIT_PAGE_ROWS + 1, &res) != XH_OK)
		return cli_fail("audit explain: %s", xh_db_error(ctx->db));
	for (int i = 0; i < PQntuples(res); i++)
		printf("%s\n", PQgetvalue(res, i, 0));
	PQclear(res);
	return CLI_OK;
}

/* Monotonic time in microseconds. */
static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
ms_cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* Walks up to n pages, printing each page's time and the p50 and p99. */
static int
pages(struct cli_ctx *ctx, struct xh_arena *a, const char *query, int n)
{
	struct audit_filter f;
	double *ms = xh_alloc(a, sizeof(double) * (size_t)n);
	char us[24], id[24];
	int rc = filter_arg(ctx, a, query, &f), done = 0, rows = AUDIT_PAGE_ROWS;

	if (rc == CLI_OK && xh_db_connect(ctx->db) != XH_OK) /* not in the first page's time */
		return cli_fail("audit pages: %s", xh_db_error(ctx->db));

	while (rc == CLI_OK && done < n && rows == AUDIT_PAGE_ROWS) {
		PGresult *res = NULL;
		long long t0 = now_us();

		if (audit_page_query(ctx->db, &f, AUDIT_PAGE_ROWS, &res) != XH_OK)
			return cli_fail("audit pages: %s", xh_db_error(ctx->db));
		ms[done] = (double)(now_us() - t0) / 1000.0;
		rows = PQntuples(res);
		printf("page %d: %d rows in %.2f ms\n", done + 1, rows, ms[done]);
		if (rows > 0) {
			snprintf(us, sizeof(us), "%s", PQgetvalue(res, rows - 1, AC_CUR_US));
			snprintf(id, sizeof(id), "%s", PQgetvalue(res, rows - 1, AC_ID));
			f.cur_us = us, f.cur_id = id;
		}
		PQclear(res);
		done++;
	}
	if (rc == CLI_OK && done > 0) {
		qsort(ms, (size_t)done, sizeof(double), ms_cmp);
		printf("pages %d p50 %.2f ms p99 %.2f ms max %.2f ms\n", done, ms[done / 2],
		       ms[(done * 99) / 100 < done ? (done * 99) / 100 : done - 1], ms[done - 1]);
	}
	return rc;
}

int
cmd_audit(struct cli_ctx *ctx, int argc, char **argv)
{
	struct xh_arena *a = xh_arena_new();
	int rc, n = 20;

	if (argc == 3 && strcmp(argv[1], "explain") == 0)
		rc = explain(ctx, a, argv[2]);
	else if ((argc == 3 || argc == 5) && strcmp(argv[1], "pages") == 0 &&
	         (argc == 3 ||
	          (strcmp(argv[3], "--pages") == 0 && (n = atoi(argv[4])) >= 1 && n <= 100000)))
		rc = pages(ctx, a, argv[2], n);
	else
		rc =
		    cli_usage(ctx, "expected: explain QUERY | pages QUERY [--pages N (1..100000)]");
	xh_arena_free(a);
	return rc;
}
