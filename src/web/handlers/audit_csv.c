/*
 * audit_csv.c: GET /audit.csv, the entries of the current filter as CSV
 * (RFC 4180), newest first. The body is streamed: the page query runs 500
 * rows at a time along the keyset cursor and each row is written out at
 * once, so memory stays flat however many rows match. A field that a
 * spreadsheet would run as a formula (starting = + - @, tab or CR) gets a
 * leading apostrophe.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "web/handlers/audit.h"

static const char csv_header[] = "id,at_utc,link_id,link,object,xero_id,number_or_name,"
                                 "hubspot_id,action,outcome,job_id,message,detail\r\n";

void
audit_csv_field(struct xh_buf *b, const char *s)
{
	int defuse = s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
	int quote = defuse || strpbrk(s, ",\"\r\n") != NULL ||
	            (s[0] != '\0' && (s[0] == ' ' || s[strlen(s) - 1] == ' '));

	if (!quote) {
		xh_buf_puts(b, s);
		return;
	}
	xh_buf_putc(b, '"');
	if (defuse)
		xh_buf_putc(b, '\'');
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '"')
			xh_buf_putc(b, '"');
		xh_buf_putc(b, *p);
	}
	xh_buf_putc(b, '"');
}

/* The CSV columns, in csv_header's order, from the page query's. */
static const enum audit_col csv_cols[] = {
    AC_ID,      AC_AT,     AC_LINK,    AC_LINK_NAME, AC_OBJECT,  AC_XERO_ID, AC_LABEL,
    AC_HUBSPOT, AC_ACTION, AC_OUTCOME, AC_JOB,       AC_MESSAGE, AC_DETAIL,
};

/* Writes rows of res; -1 once the client went away. */
static int
write_rows(struct web_stream *s, PGresult *res, struct xh_buf *line)
{
	for (int i = 0; i < PQntuples(res); i++) {
		xh_buf_reset(line);
		for (size_t k = 0; k < XH_NELEM(csv_cols); k++) {
			if (k > 0)
				xh_buf_putc(line, ',');
			audit_csv_field(line, PQgetvalue(res, i, csv_cols[k]));
		}
		xh_buf_append(line, "\r\n", 2);
		if (web_stream_write(s, line->data, line->len) != 0)
			return -1;
	}
	return 0;
}

/* The stream: the header, then pages of rows until one comes back short. */
static enum xh_err
csv_stream(struct web_ctx *ctx, struct web_stream *s, void *arg)
{
	struct audit_filter *f = arg;
	char us[24], id[24];
	struct xh_buf line;
	enum xh_err err = XH_OK;
	PGresult *res = NULL;
	int n = AUDIT_CSV_ROWS;

	xh_buf_init(&line);
	if (web_stream_write(s, csv_header, sizeof(csv_header) - 1) != 0)
		n = 0;
	while (n == AUDIT_CSV_ROWS) {
		if ((err = audit_page_query(ctx->db, f, AUDIT_CSV_ROWS, &res)) != XH_OK) {
			xh_log(XH_LOG_WARN, "web.audit.csv", "error", xh_db_error(ctx->db), NULL);
			break;
		}
		n = PQntuples(res);
		if (n > 0) {
			snprintf(us, sizeof(us), "%s", PQgetvalue(res, n - 1, AC_CUR_US));
			snprintf(id, sizeof(id), "%s", PQgetvalue(res, n - 1, AC_ID));
			f->cur_us = us;
			f->cur_id = id;
		}
		if (write_rows(s, res, &line) != 0)
			n = 0;
		PQclear(res);
	}
	xh_buf_free(&line);
	return err;
}

/* GET /audit.csv: the filter of the page (its cursor ignored: every row). */
int
web_handle_audit_csv(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct audit_filter *f = xh_alloc(req->arena, sizeof(*f));

	if (audit_filter_parse(req->arena, &req->query_params, f) != XH_OK) {
		web_page_error(resp, req, 400, "Bad filter - xhsync", f->error,
		               "Correct the filter on the audit page, then export again.");
		return 400;
	}
	f->cur_us = f->cur_id = NULL;
	web_resp_header(resp, "Content-Type", "text/csv; charset=utf-8");
	web_resp_header(resp, "Content-Disposition", "attachment; filename=\"xhsync-audit.csv\"");
	web_resp_header(resp, "X-Accel-Buffering", "no"); /* nginx passes it on as it comes */
	resp->stream.fn = csv_stream;
	resp->stream.arg = f;
	(void)ctx;
	return 200;
}
