/*
 * fetch.c: the xero.fetch job (webhook.h). Webhooks only say "record X
 * changed"; the intake put X in pending_fetch and enqueued this job for
 * the link and object. It takes up to XERO_FETCH_IDS pending ids at a
 * time, asks Xero for them in one call (IDs=, for Contacts and
 * Invoices; one GET per record for credit notes), and in one transaction
 * stores what came back through the pull's own mirror upsert
 * (xero_mirror_store: same hash and skip rules), removes the ids it got
 * and marks the ones Xero did not return, so they are not asked for again
 * until a new webhook names them. Records that changed trigger their
 * pushes (sync_trigger) in the same transaction, so an edit reaches
 * HubSpot without waiting for a poll. An id stamped again by a webhook while
 * its call was in flight stays pending for the next round.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sync/push.h"
#include "xero/api.h"
#include "xero/pull.h"
#include "xero/webhook.h"

#define FETCH_YIELD_MS 30000 /* stop this long before the deadline; the job goes on later */

enum fetch_sql {
	FQ_STATUS, /* FQ_STATUS */
	FQ_TAKE,   /* FQ_TAKE */
	FQ_DONE,   /* FQ_DONE */
	FQ_AUDIT,  /* FQ_AUDIT */
	FQ__MAX
};

/* clang-format off */
static const struct xh_sql fetch_sql[FQ__MAX] = {
    /* FQ_STATUS */
    {"xero_fetch_status", "SELECT status FROM link WHERE id = $1::bigint", 1},
    /* FQ_TAKE: $3 how many; the newest stamp among them bounds FQ_DONE */
    {"xero_fetch_take",
     "SELECT xero_id::text, to_char(added_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM pending_fetch"
     " WHERE link_id = $1::bigint AND object = $2 AND missing_at IS NULL"
     " ORDER BY added_at, xero_id LIMIT $3::int",
     3},
    /* FQ_DONE: $3 ids returned, $4 ids asked for, $5 newest stamp read (UTC) */
    {"xero_fetch_done",
     "WITH del AS (DELETE FROM pending_fetch WHERE link_id = $1::bigint AND object = $2"
     "  AND xero_id = ANY($3::uuid[]) AND added_at <= ($5::timestamp AT TIME ZONE 'UTC') RETURNING 1),"
     " miss AS (UPDATE pending_fetch SET missing_at = now() WHERE link_id = $1::bigint AND object = $2"
     "  AND xero_id = ANY($4::uuid[]) AND xero_id <> ALL($3::uuid[])"
     "  AND added_at <= ($5::timestamp AT TIME ZONE 'UTC') RETURNING 1)"
     " SELECT (SELECT count(*) FROM del), (SELECT count(*) FROM miss)",
     5},
    /* FQ_AUDIT */
    {"xero_fetch_audit",
     "INSERT INTO audit_event (link_id, object, action, outcome, job_id, detail)"
     " VALUES ($1::bigint, $2, 'xero.fetch', 'ok', $3::bigint, $4::jsonb)",
     4},
};
/* clang-format on */

/* One run of xero.fetch. */
struct fetch_run {
	struct job_ctx *ctx;
	const struct xero_obj *o;
	char link[24];
	const char **ids; /* the round's ids */
	size_t nids;
	const char *stamp; /* newest added_at among them */
	struct xero_page page;
	const char **got; /* ids the answers held */
	size_t ngot;
	long long calls, stored, missing, fresh, changed;
};

/* {a,b,c} as a PostgreSQL array literal of UUIDs. */
static const char *
uuid_array(struct xh_arena *a, const char *const *ids, size_t n)
{
	struct xh_buf b;
	const char *s;

	xh_buf_init(&b);
	xh_buf_putc(&b, '{');
	for (size_t i = 0; i < n; i++)
		xh_buf_printf(&b, "%s%s", i ? "," : "", ids[i]);
	xh_buf_putc(&b, '}');
	s = xh_buf_dup(a, &b);
	xh_buf_free(&b);
	return s;
}

/* Reads the next round's ids; 0 of them when nothing is pending. */
static enum xh_err
take(struct fetch_run *r)
{
	struct xh_arena *a = r->ctx->arena;
	int limit = xero_fetch_by_ids(r->o->endpoint) ? XERO_FETCH_IDS : 1;
	PGresult *res = NULL;
	int n;

	if (xh_db_execv(r->ctx->db, &fetch_sql[FQ_TAKE], &res, r->link, r->o->name,
	                xh_printf(a, "%d", limit)))
		return job_error(r->ctx, XH_ERR_DB, "reading pending ids: %s",
		                 xh_db_error(r->ctx->db));
	n = PQntuples(res);
	r->nids = (size_t)n;
	r->ids = xh_alloc(a, sizeof(*r->ids) * (r->nids + 1));
	for (int i = 0; i < n; i++) {
		r->ids[i] = xh_strdup(a, PQgetvalue(res, i, 0));
		r->stamp = xh_strdup(a, PQgetvalue(res, i, 1));
	}
	PQclear(res);
	return XH_OK;
}

/*
 * Asks Xero for the round's ids and parses the answer. A single-record
 * GET answered 404 is a record Xero no longer has: an empty answer.
 */
static enum xh_err
call(struct fetch_run *r)
{
	struct xh_arena *a = r->ctx->arena;
	const char *path = xero_fetch_by_ids(r->o->endpoint)
	                       ? xero_fetch_path(a, r->o->endpoint, r->ids, r->nids)
	                       : xh_printf(a, "%s/%s", r->o->endpoint, r->ids[0]);
	struct xh_http_resp resp = {0};
	enum xh_err err;

	r->calls++;
	err = xero_api_get(r->ctx, r->ctx->job->link_id, path, NULL, &resp);
	if (err == XH_ERR_PERMANENT && resp.status == 404 && !xero_fetch_by_ids(r->o->endpoint)) {
		memset(&r->page, 0, sizeof(r->page));
		r->page.batch = "[]";
		r->ngot = 0;
		return XH_OK;
	}
	if (err)
		return err;
	if (xero_page_parse(a, r->o, resp.body, resp.body_len, &r->page) != XH_OK ||
	    xero_fetch_returned(a, r->o->endpoint, r->o->id_field, resp.body, resp.body_len,
	                        &r->got, &r->ngot) != XH_OK)
		return job_error(r->ctx, XH_ERR_TRANSIENT, "Xero %s by id: not a %s list",
		                 r->o->endpoint, r->o->endpoint);
	if (r->page.skipped > 0)
		xh_log(XH_LOG_INFO, "xero.fetch_skipped", "object", r->o->name, "records",
		       xh_printf(a, "%d", r->page.skipped), "msg",
		       "other document types or malformed records", NULL);
	return XH_OK;
}

/* The round's transaction: the records into the mirror, the ids out of the pending set. */
static enum xh_err
done_tx(struct xh_db *db, void *arg)
{
	struct fetch_run *r = arg;
	struct xh_arena *a = r->ctx->arena;
	long long nnew = 0, nchanged = 0;
	PGresult *res = NULL;

	if (xero_mirror_store(db, r->link, r->o->name, r->page.batch, &nnew, &nchanged) ||
	    xh_db_execv(db, &fetch_sql[FQ_DONE], &res, r->link, r->o->name,
	                uuid_array(a, r->got, r->ngot), uuid_array(a, r->ids, r->nids), r->stamp))
		return XH_ERR_DB;
	r->stored += strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	r->missing += strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	r->fresh += nnew;
	r->changed += nchanged;
	/* What changed goes on to HubSpot: the pushes, in this transaction. */
	if (nnew + nchanged > 0 && sync_trigger(db, a, r->ctx->job->link_id, r->o->name) != XH_OK)
		return XH_ERR_DB;
	return XH_OK;
}

/* One round in an arena of its own: take, call, store. *more is 0 when nothing was pending. */
static enum xh_err
round_trip(struct fetch_run *r, int *more)
{
	struct xh_arena *job_arena = r->ctx->arena;
	enum xh_err err;

	r->ctx->arena = xh_arena_new();
	err = take(r);
	*more = !err && r->nids > 0;
	if (*more)
		err = call(r);
	if (*more && !err && xh_db_tx(r->ctx->db, done_tx, r) != XH_OK)
		err = job_error(r->ctx, XH_ERR_DB, "storing fetched records: %s",
		                xh_db_error(r->ctx->db));
	xh_arena_free(r->ctx->arena);
	r->ctx->arena = job_arena;
	return err;
}

/* The run's audit row and log line. */
static void
finish(struct fetch_run *r)
{
	struct xh_arena *a = r->ctx->arena;
	const char *detail = xh_printf(a,
	                               "{\"calls\": %lld, \"done\": %lld, \"missing\": %lld,"
	                               " \"new\": %lld, \"changed\": %lld}",
	                               r->calls, r->stored, r->missing, r->fresh, r->changed);

	if (r->calls > 0 && xh_db_execv(r->ctx->db, &fetch_sql[FQ_AUDIT], NULL, r->link, r->o->name,
	                                xh_printf(a, "%lld", r->ctx->job->id), detail))
		xh_log(XH_LOG_WARN, "xero.fetch_audit", "error", xh_db_error(r->ctx->db), NULL);
	xh_log(XH_LOG_INFO, "xero.fetch_done", "link", r->link, "object", r->o->name, "calls",
	       xh_printf(a, "%lld", r->calls), "done", xh_printf(a, "%lld", r->stored), "missing",
	       xh_printf(a, "%lld", r->missing), NULL);
}

/* The link is active: else its ids wait (the pull catches up when it is resumed). */
static int
link_active(struct fetch_run *r)
{
	PGresult *res = NULL;
	int active;

	if (xh_db_execv(r->ctx->db, &fetch_sql[FQ_STATUS], &res, r->link))
		return -1;
	active = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "active") == 0;
	PQclear(res);
	return active;
}

enum xh_err
xero_fetch(struct job_ctx *ctx)
{
	struct fetch_run r = {.ctx = ctx};
	char *object = NULL;
	enum xh_err err = XH_OK;
	int more = 1, active;

	if (job_arg_str(ctx->job, ctx->arena, "object", &object) != XH_OK ||
	    (r.o = xero_obj_find(object)) == NULL || !xero_webhook_has(r.o->name))
		return job_error(ctx, XH_ERR_PERMANENT, "xero.fetch needs an object with webhooks");
	snprintf(r.link, sizeof(r.link), "%lld", ctx->job->link_id);
	if ((active = link_active(&r)) < 0)
		return job_error(ctx, XH_ERR_DB, "reading the link: %s", xh_db_error(ctx->db));
	if (!active)
		return XH_OK;
	while (more && !err) {
		if (job_should_yield(ctx, FETCH_YIELD_MS)) {
			ctx->snooze_ms = 100;
			err = XH_ERR_BUSY;
			break;
		}
		err = round_trip(&r, &more);
	}
	finish(&r);
	return err;
}
