/*
 * pull.c: the xero.pull and xero.poll jobs (pull.h): Xero pages into the
 * mirror, one transaction per page, and the per-link poll that starts
 * them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "log.h"
#include "sync/push.h"
#include "xero/api.h"
#include "xero/names.h"
#include "xero/pull.h"

#define PULL_YIELD_MS 60000 /* stop this long before the deadline; the job goes on later */

#define PQ_MS(col) "coalesce((extract(epoch FROM " col ") * 1000)::bigint, -1)"
#define PQ_TS(p)                                                                                   \
	"CASE WHEN " p "::bigint < 0 THEN NULL"                                                    \
	" ELSE 'epoch'::timestamptz + " p "::bigint * interval '1 ms' END"
#define PQ_KEY " WHERE link_id = $1::bigint AND object = $2"

enum pull_sql {
	PQ_ENSURE, /* PQ_ENSURE */
	PQ_READ,   /* PQ_READ */
	PQ_BEGIN,  /* PQ_BEGIN */
	PQ_UPSERT, /* PQ_UPSERT */
	PQ_STEP,   /* PQ_STEP */
	PQ_AUDIT,  /* PQ_AUDIT */
	PQ_POLL,   /* PQ_POLL */
	PQ_STUCK,  /* PQ_STUCK */
	PQ_CLEAR,  /* PQ_CLEAR */
	PQ_GONE,   /* PQ_GONE */
	PQ__MAX
};

/* clang-format off */
static const struct xh_sql pull_sql[PQ__MAX] = {
    /* PQ_ENSURE */
    {"xero_pull_ensure",
     "INSERT INTO sync_cursor (link_id, object) VALUES ($1::bigint, $2) ON CONFLICT DO NOTHING",
     2},
    /* PQ_READ: $3 full-pass period (s); a full pass began when its pass did */
    {"xero_pull_read",
     "SELECT l.status, " PQ_MS("c.modified_since") ", " PQ_MS("c.pass_since") ", c.page,"
     " c.pass_open, c.full_pass_at IS NULL OR c.full_pass_at <= now() - $3::bigint * interval '1 s',"
     " c.full_pass_at = c.pass_started_at, coalesce(c.page_size, 0)"
     " FROM link l JOIN sync_cursor c ON c.link_id = l.id AND c.object = $2"
     " WHERE l.id = $1::bigint",
     3},
    /* PQ_BEGIN: $3 since (ms, -1 none), $4 full */
    {"xero_pull_begin",
     "UPDATE sync_cursor SET pass_open = true, page = 1, pass_since = " PQ_TS("$3") ","
     " page_size = NULL, pass_read = 0, pass_total = NULL, pass_started_at = now(),"
     " full_pass_at = CASE WHEN $4::boolean THEN now() ELSE full_pass_at END" PQ_KEY,
     4},
    /*
     * PQ_UPSERT: $3 the page's batch. A record is rewritten only when its
     * content changed and the copy is not older than the stored one; a
     * page that names a record twice keeps its newest copy.
     */
    {"xero_pull_upsert",
     "WITH r AS (SELECT DISTINCT ON ((e->>'i')::uuid) (e->>'i')::uuid AS id,"
     "  (e->>'t')::bigint AS t, e->'p' AS p FROM jsonb_array_elements($3::jsonb) e"
     "  ORDER BY (e->>'i')::uuid, (e->>'t')::bigint DESC),"
     " up AS (INSERT INTO xero_record (link_id, object, xero_id, updated_at, payload, content_hash)"
     "  SELECT $1::bigint, $2, id, 'epoch'::timestamptz + t * interval '1 ms', p,"
     "  sha256(convert_to(p::text, 'UTF8')) FROM r"
     "  ON CONFLICT (link_id, object, xero_id) DO UPDATE SET updated_at = excluded.updated_at,"
     "  payload = excluded.payload, content_hash = excluded.content_hash, fetched_at = now()"
     "  WHERE xero_record.content_hash <> excluded.content_hash"
     "  AND xero_record.updated_at <= excluded.updated_at RETURNING xmax = 0 AS ins)"
     " SELECT count(*) FILTER (WHERE ins), count(*) FILTER (WHERE NOT ins) FROM up",
     3},
    /*
     * PQ_STEP: the cursor after a page, only if it is where this run read
     * it ($3 page, $4 since); $5 watermark, $6 since, $7 page, $8 open,
     * $9 itemCount, $10 read, $11 records written, $12 skipped, $13 the
     * request's page size.
     */
    {"xero_pull_step",
     "UPDATE sync_cursor SET"
     " modified_since = greatest(" PQ_TS("$5") ", modified_since),"
     " pass_since = " PQ_TS("$6") ", page = $7::int, pass_open = $8::boolean,"
     " page_size = $13::int,"
     " pass_total = CASE WHEN $9::bigint >= 0 AND page = 1 THEN pass_read + $9::bigint"
     "  ELSE greatest(pass_total, pass_read + $10::bigint) END,"
     " pass_read = pass_read + $10::bigint, pulled = pulled + $11::bigint,"
     " skipped = skipped + $12::bigint,"
     " last_pull_at = CASE WHEN $8::boolean THEN last_pull_at ELSE now() END" PQ_KEY
     " AND pass_open AND page = $3::int AND pass_since IS NOT DISTINCT FROM " PQ_TS("$4")
     " RETURNING pass_read, coalesce(pass_total, -1),"
     " (SELECT status FROM link WHERE id = $1::bigint)",
     13},
    /* PQ_AUDIT */
    {"xero_pull_audit",
     "INSERT INTO audit_event (link_id, object, action, outcome, job_id, detail)"
     " VALUES ($1::bigint, $2, 'xero.pull', 'ok', $3::bigint, $4::jsonb)",
     4},
    /*
     * PQ_POLL: the link's status and its enabled objects among $2, in order.
     * A scheduled poll ($3) leaves out the objects pulled less than the
     * link's own poll_interval_s ago (a minute's slack for the schedule's
     * jitter); without that setting, every enabled object.
     */
    {"xero_poll_objects",
     "SELECT l.status, array_to_string(ARRAY(SELECT o FROM unnest($2::text[]) WITH ORDINALITY"
     " u (o, n) WHERE (l.settings->'objects'->o) IS DISTINCT FROM 'false'::jsonb"
     " AND NOT ($3::boolean AND EXISTS (SELECT 1 FROM sync_cursor c WHERE c.link_id = l.id"
     "  AND c.object::text = o AND c.last_pull_at > now() - make_interval(secs =>"
     "  (l.settings->>'poll_interval_s')::int - 60)))"
     " ORDER BY n), ',')"
     " FROM link l WHERE l.id = $1::bigint",
     3},
    /*
     * PQ_STUCK: a record too big to read even alone. The cursor waits at its
     * position ($3 page of $4 records, from $5) so the next try costs one
     * call; the link says why ($6) and the audit has the details ($8).
     */
    {"xero_pull_stuck",
     "WITH c AS (UPDATE sync_cursor SET page = $3::int, page_size = $4::int" PQ_KEY
     "  AND pass_open AND page = $5::int RETURNING 1),"
     " l AS (UPDATE link SET status_reason = $6, updated_at = now() WHERE id = $1::bigint"
     "  RETURNING 1)"
     " INSERT INTO audit_event (link_id, object, action, outcome, job_id, detail)"
     " VALUES ($1::bigint, $2, 'xero.pull', 'error', $7::bigint, $8::jsonb)",
     8},
    /* PQ_CLEAR: a pass of the object ended, so its PQ_STUCK reason is over */
    {"xero_pull_clear",
     "UPDATE link SET status_reason = NULL, updated_at = now() WHERE id = $1::bigint"
     " AND starts_with(status_reason, 'xero.pull ' || $2 || ':')",
     2},
    /*
     * PQ_GONE: a full read of an unpaged object ($3 its batch): records it
     * lacks are marked gone, and gone ones it has again are back. Returns
     * how many changed either way.
     */
    {"xero_pull_gone",
     "WITH ids AS (SELECT (e->>'i')::uuid AS id FROM jsonb_array_elements($3::jsonb) e),"
     " back AS (UPDATE xero_record SET gone_at = NULL, fetched_at = now()" PQ_KEY
     "  AND gone_at IS NOT NULL AND xero_id IN (SELECT id FROM ids) RETURNING 1),"
     " gone AS (UPDATE xero_record SET gone_at = now()" PQ_KEY
     "  AND gone_at IS NULL AND xero_id NOT IN (SELECT id FROM ids) RETURNING 1)"
     " SELECT (SELECT count(*) FROM back) + (SELECT count(*) FROM gone)",
     3},
};
/* clang-format on */

/* One run of xero.pull: a pass, or the rest of one. */
struct pull_run {
	struct job_ctx *ctx;
	const struct xero_obj *o;
	char link[24];
	struct xero_cursor cur;  /* as stored before the current page */
	struct xero_cursor next; /* after it */
	struct xero_page page;
	int page_size;                    /* [sync] page_size */
	int size;                         /* the current request's page size */
	int req_page;                     /* the current request's page at that size */
	int read_one;                     /* this run has read a page */
	int query_size;                   /* the stored size of the current query; 0: none */
	int paused;                       /* the link stopped being active during the run */
	int held;                         /* ... because it is paused: the job waits */
	int full;                         /* the pass is a full one */
	long long page_new, page_changed; /* the page's records inserted or rewritten */
	long long nnew, nchanged;         /* the same, over this run */
	long long nread, nskip, calls;    /* this run's pages */
	long long pass_read, pass_total;
};

static const char *
ll(struct xh_arena *a, long long v)
{
	return xh_printf(a, "%lld", v);
}

/* A job_error for a database failure, naming what failed. */
static enum xh_err
db_error(struct pull_run *r, const char *what)
{
	return job_error(r->ctx, XH_ERR_DB, "%s: %s", what, xh_db_error(r->ctx->db));
}

/*
 * Reads the cursor (creating it) and starts a pass unless one is under
 * way. XH_ERR_NOTFOUND when the link is not active (nothing to do).
 */
static enum xh_err
load_cursor(struct pull_run *r, int full_arg)
{
	struct xh_arena *a = r->ctx->arena;
	const char *full_s = ll(a, (long long)r->ctx->cfg->sync.full_pass_h * 3600);
	PGresult *res = NULL;
	int active, full;

	if (xh_db_execv(r->ctx->db, &pull_sql[PQ_ENSURE], NULL, r->link, r->o->name) ||
	    xh_db_execv(r->ctx->db, &pull_sql[PQ_READ], &res, r->link, r->o->name, full_s))
		return db_error(r, "reading the sync cursor");
	if (PQntuples(res) != 1) {
		PQclear(res);
		return XH_ERR_NOTFOUND;
	}
	active = strcmp(PQgetvalue(res, 0, 0), "active") == 0;
	r->held = strcmp(PQgetvalue(res, 0, 0), "paused") == 0;
	r->cur.watermark_ms = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	r->cur.since_ms = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	r->cur.page = (int)strtol(PQgetvalue(res, 0, 3), NULL, 10);
	r->cur.open = PQgetvalue(res, 0, 4)[0] == 't';
	full = full_arg || PQgetvalue(res, 0, 5)[0] == 't';
	r->full = PQgetvalue(res, 0, 6)[0] == 't';
	r->query_size = (int)strtol(PQgetvalue(res, 0, 7), NULL, 10);
	PQclear(res);
	if (!active)
		return XH_ERR_NOTFOUND;
	/*
	 * An open pass goes on, whether it began long ago or as a full one; a
	 * full pass asked for replaces an open incremental one. Whether a
	 * periodic full pass is due is decided only when a pass begins.
	 */
	if (r->cur.open && (!full_arg || r->full))
		return XH_OK;
	xero_cursor_begin(&r->cur, full, (long long)r->ctx->cfg->sync.pull_overlap_s * 1000);
	r->full = r->cur.since_ms < 0;
	if (xh_db_execv(r->ctx->db, &pull_sql[PQ_BEGIN], NULL, r->link, r->o->name,
	                ll(a, r->cur.since_ms), r->full ? "true" : "false"))
		return db_error(r, "starting a pull pass");
	return XH_OK;
}

/* The path and query of the next request. */
static const char *
page_path(const struct pull_run *r)
{
	struct xh_arena *a = r->ctx->arena;

	if (!r->o->paged)
		return xh_printf(a, "%s?order=UpdatedDateUTC%%20ASC%s", r->o->endpoint,
		                 r->o->query);
	return xh_printf(a, "%s?page=%d&pageSize=%d&order=UpdatedDateUTC%%20ASC%s", r->o->endpoint,
	                 r->req_page, r->size, r->o->query);
}

/*
 * A record over the HTTP client's body cap even alone: the object cannot
 * go past it. Says so on the link and in the audit, and parks the cursor
 * on it; XH_ERR_PERMANENT.
 */
static enum xh_err
stuck(struct pull_run *r, long long offset)
{
	struct xh_arena *a = r->ctx->arena;
	const char *why =
	    xh_printf(a,
	              "xero.pull %s: record %lld of the current query is over the %d MiB response"
	              " limit even alone; the pull of %s cannot go past it",
	              r->o->name, offset + 1, XH_HTTP_BODY_MAX >> 20, r->o->name);
	const char *detail = xh_printf(a,
	                               "{\"error\": \"too_big\", \"page\": %d, \"page_size\": %d,"
	                               " \"offset\": %lld, \"limit_bytes\": %d}",
	                               r->req_page, r->size, offset, XH_HTTP_BODY_MAX);

	xh_log(XH_LOG_ERROR, "xero.pull_stuck", "link", r->link, "object", r->o->name, "msg", why,
	       NULL);
	if (xh_db_execv(r->ctx->db, &pull_sql[PQ_STUCK], NULL, r->link, r->o->name,
	                ll(a, r->req_page), ll(a, r->size), ll(a, r->cur.page), why,
	                ll(a, r->ctx->job->id), detail) != XH_OK)
		return db_error(r, "recording a stuck pull");
	return job_error(r->ctx, XH_ERR_PERMANENT, "%s", why);
}

/*
 * Fetches and parses the page the cursor names. A page over the HTTP
 * client's body cap is asked for again at about half the size, on any
 * page: the query's later pages take the largest size that still lines up
 * with the records already read (xero_page_fit), so page numbers stay
 * right. A run's first request keeps the stored size. A record too big
 * alone is stuck().
 */
static enum xh_err
fetch_page(struct pull_run *r)
{
	struct xh_http_resp resp;
	char ims[32];
	const char *extra = NULL;
	long long offset;
	enum xh_err err;

	if (r->cur.since_ms >= 0) {
		xero_ims_format(r->cur.since_ms, ims);
		extra = xh_printf(r->ctx->arena, "If-Modified-Since: %s", ims);
	}
	offset = (long long)(r->cur.page - 1) * (r->query_size > 0 ? r->query_size : r->page_size);
	/* a run starts at the stored size (one call at a stuck record), then grows back */
	r->size =
	    !r->read_one && r->cur.page > 1 && r->query_size > 0 ? r->query_size : r->page_size;
	for (r->size = xero_page_fit(offset, r->size);;
	     r->size = xero_page_fit(offset, r->size / 2)) {
		r->req_page = (int)(offset / r->size) + 1;
		r->calls++;
		err = xero_api_get(r->ctx, r->ctx->job->link_id, page_path(r), extra, &resp);
		if (err != XH_ERR_TOOBIG || !r->o->paged || r->size < 2)
			break;
		xh_log(XH_LOG_WARN, "xero.pull_page_too_big", "object", r->o->name, "page",
		       ll(r->ctx->arena, r->req_page), "page_size", ll(r->ctx->arena, r->size),
		       NULL);
	}
	if (err == XH_ERR_TOOBIG)
		return stuck(r, offset);
	if (err)
		return err;
	if (xero_page_parse(r->ctx->arena, r->o, resp.body, resp.body_len, &r->page) != XH_OK)
		return job_error(r->ctx, XH_ERR_TRANSIENT, "Xero %s page %d: not a %s list",
		                 r->o->endpoint, r->req_page, r->o->endpoint);
	if (!r->page.ordered)
		xh_log(XH_LOG_WARN, "xero.pull_unordered", "object", r->o->name, "msg",
		       "page not in UpdatedDateUTC order; walking pages", NULL);
	r->nread += r->page.read;
	r->nskip += r->page.skipped;
	r->read_one = 1;
	return XH_OK;
}

/* The pass-end audit row: what this run did, the last page included. */
static enum xh_err
audit_pass(struct xh_db *db, struct pull_run *r)
{
	struct xh_arena *a = r->ctx->arena;
	const char *detail =
	    xh_printf(a,
	              "{\"full\": %s, \"pass_read\": %lld, \"run\": {\"read\": %lld, \"new\": %lld,"
	              " \"changed\": %lld, \"skipped\": %lld, \"calls\": %lld}}",
	              r->full ? "true" : "false", r->pass_read, r->nread, r->nnew + r->page_new,
	              r->nchanged + r->page_changed, r->nskip, r->calls);

	if (xh_db_execv(db, &pull_sql[PQ_CLEAR], NULL, r->link, r->o->name))
		return XH_ERR_DB;
	return xh_db_execv(db, &pull_sql[PQ_AUDIT], NULL, r->link, r->o->name,
	                   ll(a, r->ctx->job->id), detail);
}

enum xh_err
xero_mirror_store(struct xh_db *db, const char *link, const char *object, const char *batch,
                  long long *nnew, long long *nchanged)
{
	PGresult *res = NULL;

	if (xh_db_execv(db, &pull_sql[PQ_UPSERT], &res, link, object, batch))
		return XH_ERR_DB;
	*nnew = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	*nchanged = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	return XH_OK;
}

/*
 * After a full read of an unpaged object (Items: no paging, no deleted
 * flag), what it lacks is gone. A read that kept nothing, or skipped a
 * malformed record, proves nothing and marks nothing. Counts changes in
 * page_changed, so the push is triggered.
 */
static enum xh_err
mark_gone(struct xh_db *db, struct pull_run *r)
{
	PGresult *res = NULL;

	if (r->o->paged || r->cur.since_ms >= 0 || r->page.read == 0 || r->page.skipped > 0)
		return XH_OK;
	if (xh_db_execv(db, &pull_sql[PQ_GONE], &res, r->link, r->o->name, r->page.batch))
		return XH_ERR_DB;
	r->page_changed += strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return XH_OK;
}

/* The page's transaction: records, then the cursor, then (at the end) the audit. */
static enum xh_err
store_tx(struct xh_db *db, void *arg)
{
	struct pull_run *r = arg;
	struct xh_arena *a = r->ctx->arena;
	const char *p[13];
	PGresult *res = NULL;
	int moved;

	if (xero_mirror_store(db, r->link, r->o->name, r->page.batch, &r->page_new,
	                      &r->page_changed) ||
	    mark_gone(db, r))
		return XH_ERR_DB;
	/* A pass's end triggers too: pushes that waited for it (balances) go on. */
	if ((r->page_new + r->page_changed > 0 || !r->next.open) &&
	    sync_trigger(db, a, r->ctx->job->link_id, r->o->name) != XH_OK)
		return XH_ERR_DB;
	p[0] = r->link, p[1] = r->o->name, p[2] = ll(a, r->cur.page), p[3] = ll(a, r->cur.since_ms);
	p[4] = ll(a, r->next.watermark_ms), p[5] = ll(a, r->next.since_ms);
	p[6] = ll(a, r->next.page), p[7] = r->next.open ? "true" : "false";
	p[8] = ll(a, r->page.item_count), p[9] = ll(a, r->page.read),
	p[10] = ll(a, r->page_new + r->page_changed);
	p[11] = ll(a, r->page.skipped), p[12] = ll(a, r->size);
	if (xh_db_exec(db, &pull_sql[PQ_STEP], p, &res))
		return XH_ERR_DB;
	moved = PQntuples(res) != 1;
	if (!moved) {
		r->pass_read = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		r->pass_total = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		r->paused = strcmp(PQgetvalue(res, 0, 2), "active") != 0;
		r->held = strcmp(PQgetvalue(res, 0, 2), "paused") == 0;
	}
	PQclear(res);
	if (moved)
		return XH_ERR_BUSY; /* rolls the page back */
	return r->next.open ? XH_OK : audit_pass(db, r);
}

/* Stores the fetched page and moves the cursor, in one transaction. */
static enum xh_err
store_page(struct pull_run *r)
{
	struct xh_arena *a = r->ctx->arena;
	enum xh_err err;

	r->next = r->cur;
	r->next.page = r->req_page; /* the page at the size it was read with */
	xero_cursor_step(&r->next, &r->page, r->size, r->o->paged);
	r->query_size = r->size;
	err = xh_db_tx(r->ctx->db, store_tx, r);
	if (err == XH_ERR_BUSY)
		return job_error(r->ctx, XH_ERR_TRANSIENT,
		                 "the %s cursor moved under this run; it is left to the other",
		                 r->o->name);
	if (err)
		return db_error(r, "storing a page");
	r->nnew += r->page_new;
	r->nchanged += r->page_changed;
	if (r->page.skipped > 0)
		xh_log(XH_LOG_WARN, "xero.pull_skipped", "object", r->o->name, "records",
		       ll(a, r->page.skipped), "msg", "other document types or malformed records",
		       NULL);
	xh_log(XH_LOG_INFO, "xero.pull_page", "link", r->link, "object", r->o->name, "page",
	       ll(a, r->req_page), "read", ll(a, r->page.read), "pass_read", ll(a, r->pass_read),
	       "pass_total", r->pass_total >= 0 ? ll(a, r->pass_total) : NULL, NULL);
	r->cur = r->next;
	return XH_OK;
}

/* One page, its allocations (the body above all) in an arena of their own. */
static enum xh_err
pull_page(struct pull_run *r)
{
	struct xh_arena *job_arena = r->ctx->arena;
	enum xh_err err;

	r->ctx->arena = xh_arena_new();
	err = fetch_page(r);
	if (!err)
		err = store_page(r);
	xh_arena_free(r->ctx->arena);
	r->ctx->arena = job_arena;
	return err;
}

/* Logs the end of a pass. */
static void
log_done(const struct pull_run *r)
{
	struct xh_arena *a = r->ctx->arena;

	xh_log(XH_LOG_INFO, "xero.pull_done", "link", r->link, "object", r->o->name, "full",
	       r->full ? "yes" : "no", "read", ll(a, r->nread), "new", ll(a, r->nnew), "changed",
	       ll(a, r->nchanged), "calls", ll(a, r->calls), NULL);
}

/* Parses the job's args into r. */
static enum xh_err
pull_args(struct pull_run *r, int *full)
{
	struct job_ctx *ctx = r->ctx;
	char *name = NULL;

	if (ctx->job->link_id == 0)
		return job_error(ctx, XH_ERR_PERMANENT, "xero.pull needs a link");
	if (job_arg_str(ctx->job, ctx->arena, "object", &name) != XH_OK ||
	    (r->o = xero_obj_find(name)) == NULL)
		return job_error(
		    ctx, XH_ERR_PERMANENT,
		    "args.object must be contact, item, invoice, credit_note or payment");
	if (job_arg_bool(ctx->job, "full", 0, full) != XH_OK)
		return job_error(ctx, XH_ERR_PERMANENT, "args.full must be true or false");
	snprintf(r->link, sizeof(r->link), "%lld", ctx->job->link_id);
	r->page_size = ctx->cfg->sync.page_size;
	return XH_OK;
}

/*
 * A paused link's pull or poll waits: the job goes back to the queue, whose
 * claim holds it until the link resumes (job.h), and the cursor keeps the
 * place of an open pass. Returns XH_ERR_BUSY with a short snooze.
 */
static enum xh_err
pull_wait_paused(struct job_ctx *ctx, const char *link)
{
	ctx->snooze_ms = 1000;
	return job_error(ctx, XH_ERR_BUSY, "link %s is paused; this waits until it resumes", link);
}

enum xh_err
xero_pull(struct job_ctx *ctx)
{
	struct pull_run r = {.ctx = ctx, .pass_total = -1};
	enum xh_err err;
	int full = 0;

	err = pull_args(&r, &full);
	if (!err)
		err = load_cursor(&r, full);
	if (err == XH_ERR_NOTFOUND && r.held)
		return pull_wait_paused(ctx, r.link);
	if (err == XH_ERR_NOTFOUND) {
		xh_log(XH_LOG_INFO, "xero.pull_skipped", "link", r.link, "msg", "link not active",
		       NULL);
		return XH_OK;
	}
	while (!err && r.cur.open && !r.paused) {
		if (job_should_yield(ctx, PULL_YIELD_MS)) {
			ctx->snooze_ms = 1; /* the cursor holds the place; go on at once */
			return job_error(ctx, XH_ERR_BUSY, "yielded mid-pass at page %d",
			                 r.cur.page);
		}
		err = pull_page(&r);
	}
	if (!err && r.held && r.cur.open)
		return pull_wait_paused(ctx, r.link);
	if (!err && r.paused && r.cur.open)
		xh_log(XH_LOG_INFO, "xero.pull_stopped", "link", r.link, "object", r.o->name, "msg",
		       "link no longer active; the pass goes on when it is", NULL);
	else if (!err)
		log_done(&r);
	return err;
}

/* "{contact,item,...}": every object's name, as a PostgreSQL array. */
static const char *
object_array(struct xh_arena *a)
{
	struct xh_buf b;
	const struct xero_obj *t;
	const char *out;
	int n;

	t = xero_obj_table(&n);
	xh_buf_init(&b);
	xh_buf_putc(&b, '{');
	for (int i = 0; i < n; i++)
		xh_buf_printf(&b, "%s%s", i ? "," : "", t[i].name);
	xh_buf_putc(&b, '}');
	out = xh_buf_dup(a, &b);
	xh_buf_free(&b);
	return out;
}

/* Enqueues one xero.pull per name in the comma list objs, in one transaction. */
static enum xh_err
enqueue_pulls(struct job_ctx *ctx, char *objs, int full, int *added)
{
	struct job_new jn;
	char *save = NULL;
	enum xh_err err;
	int inserted;

	*added = 0;
	if ((err = xh_db_begin(ctx->db)) != XH_OK)
		return err;
	for (char *o = strtok_r(objs, ",", &save); o != NULL && !err;
	     o = strtok_r(NULL, ",", &save)) {
		xero_pull_job(ctx->arena, ctx->job->link_id, o, full, &jn);
		err = job_enqueue(ctx->db, &jn, NULL, &inserted);
		*added += inserted;
	}
	if (!err)
		err = xh_db_commit(ctx->db);
	if (err)
		xh_db_rollback(ctx->db);
	return err;
}

enum xh_err
xero_poll(struct job_ctx *ctx)
{
	char link[24];
	PGresult *res = NULL;
	char *objs;
	int added = 0, full = 0, scheduled = 0;

	if (ctx->job->link_id == 0)
		return job_error(ctx, XH_ERR_PERMANENT, "xero.poll needs a link");
	if (job_arg_bool(ctx->job, "full", 0, &full) != XH_OK)
		return job_error(ctx, XH_ERR_PERMANENT, "args.full must be true or false");
	if (job_arg_bool(ctx->job, "scheduled", 0, &scheduled) != XH_OK)
		return job_error(ctx, XH_ERR_PERMANENT, "args.scheduled must be true or false");
	snprintf(link, sizeof(link), "%lld", ctx->job->link_id);
	if (xh_db_execv(ctx->db, &pull_sql[PQ_POLL], &res, link, object_array(ctx->arena),
	                scheduled ? "true" : "false"))
		return job_error(ctx, XH_ERR_DB, "reading the link: %s", xh_db_error(ctx->db));
	if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "paused") == 0) {
		PQclear(res);
		return pull_wait_paused(ctx, link);
	}
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 0), "active") != 0) {
		PQclear(res);
		xh_log(XH_LOG_INFO, "xero.poll_skipped", "link", link, "msg", "link not active",
		       NULL);
		return XH_OK;
	}
	objs = xh_strdup(ctx->arena, PQgetvalue(res, 0, 1));
	PQclear(res);
	if (xero_learn_name(ctx, ctx->job->link_id) != XH_OK) /* once, for a link made unnamed */
		return XH_ERR_DB;
	if (enqueue_pulls(ctx, objs, full, &added) != XH_OK)
		return job_error(ctx, XH_ERR_DB, "enqueuing pulls: %s", xh_db_error(ctx->db));
	xh_log(XH_LOG_INFO, "xero.poll", "link", link, "enqueued", ll(ctx->arena, added), NULL);
	return XH_OK;
}
