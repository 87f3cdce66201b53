/*
 * webhook.c: what the webhook handlers share (webhook.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "log.h"
#include "web/handlers/webhook.h"
#include "webhook_key.h"

enum wh_sql {
	WH_LOG, /* WH_LOG */
	WH__MAX
};

static const struct xh_sql wh_sql[WH__MAX] = {
    /* WH_LOG */
    {"web_webhook_log",
     "INSERT INTO webhook_delivery (id, vendor, status, verified, outcome, events, new_events,"
     " unknown, link_ids, job_ids, sample) VALUES (coalesce(nullif($11::bigint, 0),"
     " nextval(pg_get_serial_sequence('webhook_delivery', 'id'))), $1, $2::smallint,"
     " $3::boolean, $4, $5::int, $6::int, $7::int, coalesce($8::bigint[], '{}'),"
     " coalesce($9::bigint[], '{}'), $10) RETURNING id",
     11},
};

enum xh_err
web_wh_keys(struct web_ctx *ctx, struct xh_arena *a, const char *vendor, const char ***keys,
            size_t *n)
{
	const struct xh_keyring *kr = web_keyring(ctx);

	if (kr == NULL)
		return XH_ERR_CONFIG;
	return xh_webhook_keys_load(ctx->db, kr, a, vendor, keys, n);
}

char *
web_wh_sample(struct xh_arena *a, const char *body, size_t len)
{
	size_t n = len < WEB_WH_SAMPLE ? len : WEB_WH_SAMPLE;
	struct xh_buf b;
	unsigned char c;
	char *s;

	xh_buf_init(&b);
	for (size_t i = 0; i < n; i++) {
		c = (unsigned char)body[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			xh_buf_putc(&b, (char)c);
		else
			xh_buf_printf(&b, "\\x%02x", c);
	}
	if (len > n)
		xh_buf_puts(&b, "...");
	s = xh_buf_dup(a, &b);
	xh_buf_free(&b);
	return s;
}

enum xh_err
web_wh_log(struct xh_db *db, struct xh_arena *a, const struct web_wh_log *l, long long *id)
{
	const char *p[11];
	PGresult *res = NULL;
	enum xh_err err;

	p[0] = l->vendor, p[1] = xh_printf(a, "%d", l->status), p[2] = l->verified ? "t" : "f";
	p[3] = l->outcome, p[4] = xh_printf(a, "%lld", l->events);
	p[5] = xh_printf(a, "%lld", l->new_events), p[6] = xh_printf(a, "%lld", l->unknown);
	p[7] = l->link_ids, p[8] = l->job_ids, p[9] = l->sample;
	p[10] = xh_printf(a, "%lld", l->id);
	err = xh_db_exec(db, &wh_sql[WH_LOG], p, &res);
	if (!err && id != NULL)
		*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return err;
}

int
web_wh_bare(struct web_resp *resp, int status)
{
	resp->bare = 1;
	xh_buf_reset(&resp->body);
	return status;
}

int
web_wh_refuse(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, struct web_wh_log *l,
              const char *reason)
{
	l->sample = web_wh_sample(req->arena, req->body, req->body_len);
	if (web_wh_log(ctx->db, req->arena, l, NULL) != XH_OK)
		xh_log(XH_LOG_WARN, "webhook.log_failed", "vendor", l->vendor, "error",
		       xh_db_error(ctx->db), NULL);
	xh_log(XH_LOG_INFO, "webhook.refused", "vendor", l->vendor, "outcome", l->outcome, NULL);
	resp->reason = reason;
	return web_wh_bare(resp, l->status);
}
