/*
 * push.c: the sync.push job (push.h): candidates from the mirror, a
 * decision each (push_rules.c), the writes through hubspot.write's code
 * (src/hubspot/write.h), the records not written kept with their reason,
 * and the pushes this one makes due.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hubspot/adopt.h"
#include "hubspot/bootstrap.h"
#include "hubspot/write.h"
#include "log.h"
#include "sync/map_store.h"
#include "sync/push.h"
#include "sync/push_sql.h"

#define PUSH_YIELD_MS 30000 /* stop this long before the deadline; the job goes on later */

/* What one run did. */
struct push_run {
	struct job_ctx *ctx;
	enum sync_object o;
	char link[24];
	char after_ts[64];
	char after_id[40];
	long long read, written, waiting, excluded, failed, unchanged;
	int new_only; /* companies while invoices are still being pulled: only new ones */
	int idle;     /* nothing to push for this link (commerce payments, paid_mode direct) */
	const char
	    *match_key;      /* companies on the link's first push: adopt by this key; else NULL */
	json_object *inputs; /* decided, not yet written: written SYNC_PUSH_BATCH at a time */
	json_object *archives;      /* records gone from Xero, archived SYNC_PUSH_BATCH at a time */
	const char *first_wait;     /* the first waiting record's reason, for the summary */
	struct xh_arena *job_arena; /* the job's; ctx->arena is the step's while a step runs */
};

/* The HubSpot objects whose records depend on o's, pushed after o wrote. */
static const enum sync_object dependents[SO__MAX][3] = {
    {SO_CONTACT, SO_INVOICE, SO_NOTE}, /* SO_COMPANY */
    {SO_INVOICE, SO__MAX, SO__MAX},    /* SO_CONTACT */
    {SO_PAYMENT, SO__MAX, SO__MAX},    /* SO_INVOICE */
    {SO__MAX, SO__MAX, SO__MAX},       /* SO_LINE_ITEM */
    {SO__MAX, SO__MAX, SO__MAX},       /* SO_PRODUCT */
    {SO__MAX, SO__MAX, SO__MAX},       /* SO_PAYMENT */
    {SO__MAX, SO__MAX, SO__MAX},       /* SO_NOTE */
};

/* Reads one candidate row into c; the doc is parsed (NULL if it does not parse). */
static void
read_cand(PGresult *res, int i, struct sync_cand *c)
{
	const char *v[9];

	for (int k = 0; k < 9; k++)
		v[k] = PQgetisnull(res, i, k) ? NULL : PQgetvalue(res, i, k);
	c->xero_id = v[0];
	c->doc = json_tokener_parse(v[1]);
	c->hash = v[2];
	c->company_id = v[4];
	c->company_why = v[5];
	c->person_id = v[6];
	c->person_why = v[7];
	c->own_id = v[8];
}

/* Keeps a record that is not written, with its reason and an audit row. */
static enum xh_err
keep_decision(struct push_run *r, const struct sync_cand *c, const struct sync_decision *d)
{
	char job[24];

	snprintf(job, sizeof(job), "%lld", r->ctx->job->id);
	if (d->v == SV_EXCLUDE)
		r->excluded++;
	else
		r->failed++;
	return xh_db_execv(r->ctx->db, &push_sql[PS_DECIDED], NULL, r->link, sync_object_name(r->o),
	                   c->xero_id, c->hash, d->v == SV_EXCLUDE ? "excluded" : "failed", d->why,
	                   job);
}

/* Decides one candidate: adds its input to inputs, or keeps why not. */
static enum xh_err
take(struct push_run *r, const struct sync_maps *maps, struct sync_cand *c, json_object *inputs)
{
	struct sync_decision d;

	if (c->doc == NULL) {
		d = (struct sync_decision){SV_FAIL, NULL, "the mirrored record is not JSON"};
		return keep_decision(r, c, &d);
	}
	sync_decide(r->ctx->arena, r->o, maps, c, &d);
	switch (d.v) {
	case SV_WRITE:
		if (d.why != NULL)
			json_object_object_add(d.input, "note", json_object_new_string(d.why));
		json_object_array_add(inputs, d.input);
		return XH_OK;
	case SV_ARCHIVE:
		json_object_array_add(r->archives, d.input);
		return XH_OK;
	case SV_WAIT:
		if (r->waiting++ == 0)
			r->first_wait = xh_printf(r->job_arena, "%s: %s", c->xero_id, d.why);
		return XH_OK;
	default:
		return keep_decision(r, c, &d);
	}
}

/* Counts a written batch: the inputs HubSpot refused are failed, the rest written. */
static enum xh_err
count_refused(struct push_run *r, json_object *inputs)
{
	PGresult *res = NULL;
	long long n = (long long)json_object_array_length(inputs), bad;
	enum xh_err e =
	    xh_db_execv(r->ctx->db, &push_sql[PS_REFUSED], &res, r->link, sync_object_name(r->o),
	                json_object_to_json_string_ext(inputs, JSON_C_TO_STRING_PLAIN));

	if (e != XH_OK)
		return job_error(r->ctx, e, "counting refusals: %s", xh_db_error(r->ctx->db));
	bad = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	r->failed += bad;
	r->written += n - bad;
	return XH_OK;
}

/*
 * The write of one batch of inputs: the hubspot.write handler run inline
 * on this job's context with these args, so the push keeps its order and
 * the limiter shares the portal's budget with every other writer.
 */
static enum xh_err
write_batch(struct push_run *r, json_object *inputs, const char *op)
{
	json_object *args = json_object_new_object();
	struct job inner = *r->ctx->job;
	struct job_ctx ictx = *r->ctx;
	enum xh_err e;

	json_object_object_add(args, "object", json_object_new_string(sync_object_name(r->o)));
	json_object_object_add(args, "op", json_object_new_string(op));
	json_object_object_add(args, "inputs", json_object_get(inputs));
	inner.args = (char *)json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN);
	ictx.job = &inner;
	ictx.msg[0] = '\0';
	e = hubspot_write(&ictx);
	r->ctx->snooze_ms = ictx.snooze_ms;
	memcpy(r->ctx->msg, ictx.msg, sizeof(r->ctx->msg));
	if (e == XH_OK)
		e = count_refused(r, inputs);
	json_object_put(args);
	return e;
}

/* 1 if o's inputs are written as rendered, with no lines or status of their own. */
static int
compares_rendered(enum sync_object o)
{
	return o == SO_COMPANY || o == SO_CONTACT || o == SO_PRODUCT || o == SO_NOTE;
}

/* 1 if xero_id is one of the first n rows' of res. */
static int
in_result(PGresult *res, int n, const char *xero_id)
{
	for (int i = 0; i < n; i++)
		if (strcmp(PQgetvalue(res, i, 0), xero_id) == 0)
			return 1;
	return 0;
}

/*
 * Drops the inputs from index from on that HubSpot already holds as
 * rendered (PS_SAME): a company renamed in Xero changes its contact's
 * record but not the contact's properties, so the contact costs no call.
 */
static enum xh_err
drop_unchanged(struct push_run *r, size_t from)
{
	size_t n = json_object_array_length(r->inputs);
	json_object *fresh, *kept;
	PGresult *res = NULL;
	enum xh_err e;
	int rows;

	if (!compares_rendered(r->o) || n <= from)
		return XH_OK;
	fresh = json_object_new_array();
	for (size_t i = from; i < n; i++)
		json_object_array_add(fresh,
		                      json_object_get(json_object_array_get_idx(r->inputs, i)));
	e = xh_db_execv(r->ctx->db, &push_sql[PS_SAME], &res, r->link, sync_object_name(r->o),
	                json_object_to_json_string_ext(fresh, JSON_C_TO_STRING_PLAIN));
	json_object_put(fresh);
	if (e != XH_OK)
		return job_error(r->ctx, e, "comparing with what was pushed: %s",
		                 xh_db_error(r->ctx->db));
	rows = PQntuples(res);
	kept = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *in = json_object_array_get_idx(r->inputs, i), *x = NULL;
		json_object_object_get_ex(in, "xero_id", &x);
		if (i >= from && rows > 0 && in_result(res, rows, json_object_get_string(x)))
			continue;
		json_object_array_add(kept, json_object_get(in));
	}
	r->unchanged += rows;
	PQclear(res);
	json_object_put(r->inputs);
	r->inputs = kept;
	return XH_OK;
}

/*
 * Writes the first SYNC_PUSH_BATCH decided inputs once there are that
 * many, or, with all set, whatever is left; records waiting for a parent
 * do not make a call smaller than it could be.
 */
/* The number of lines of a decided invoice input. */
static size_t
lines_of(json_object *in)
{
	json_object *l = NULL;

	return json_object_object_get_ex(in, "lines", &l) && json_object_is_type(l, json_type_array)
	           ? json_object_array_length(l)
	           : 0;
}

/* The calls of an invoice batch besides its lines: upsert, two associations, status. */
#define INVOICE_CALLS 4

/*
 * How many of a full list of invoice inputs to write in one batch: a
 * batch's lines go 100 a call, so 100 invoices with 230 lines cost 3 line
 * calls where 87 with 200 lines cost 2. The cut from 50 to 100 invoices
 * with the fewest calls per invoice, (INVOICE_CALLS + ceil(lines / 100)) / k.
 */
static size_t
invoice_cut(json_object *list)
{
	size_t best = SYNC_PUSH_BATCH, best_calls = 0, lines = 0;

	for (size_t k = 1; k <= SYNC_PUSH_BATCH; k++) {
		size_t calls;
		lines += lines_of(json_object_array_get_idx(list, k - 1));
		calls = INVOICE_CALLS + (lines + SYNC_PUSH_BATCH - 1) / SYNC_PUSH_BATCH;
		if (k >= SYNC_PUSH_BATCH / 2 &&
		    (best_calls == 0 || calls * best < best_calls * k)) {
			best = k;
			best_calls = calls;
		}
	}
	return best;
}

static enum xh_err
flush_list(struct push_run *r, json_object **list, const char *op, int all)
{
	size_t n = json_object_array_length(*list), take;
	json_object *batch, *rest;
	enum xh_err e = XH_OK;

	while (e == XH_OK && (n >= SYNC_PUSH_BATCH || (all && n > 0))) {
		take = n < SYNC_PUSH_BATCH ? n : SYNC_PUSH_BATCH;
		if (take == SYNC_PUSH_BATCH && r->o == SO_INVOICE && *list == r->inputs)
			take = invoice_cut(*list);
		batch = json_object_new_array();
		rest = json_object_new_array();
		for (size_t i = 0; i < n; i++)
			json_object_array_add(i < take ? batch : rest,
			                      json_object_get(json_object_array_get_idx(*list, i)));
		json_object_put(*list);
		*list = rest;
		e = write_batch(r, batch, op);
		json_object_put(batch);
		n -= take;
	}
	return e;
}

static enum xh_err
flush(struct push_run *r, int all)
{
	enum xh_err e = flush_list(r, &r->inputs, "upsert", all);

	return e == XH_OK ? flush_list(r, &r->archives, "archive", all) : e;
}

/*
 * One step: up to SYNC_PUSH_BATCH candidates after the cursor, decided and
 * written. *more is 0 when the mirror had no more.
 */
static enum xh_err
step(struct push_run *r, const struct sync_maps *maps, int *more)
{
	PGresult *res = NULL;
	size_t from = json_object_array_length(r->inputs);
	char lim[8];
	enum xh_err e;
	int n;

	snprintf(lim, sizeof(lim), "%d", SYNC_PUSH_BATCH);
	e = xh_db_execv(r->ctx->db, push_cand_sql(r->o), &res, r->link, r->after_ts, r->after_id,
	                lim, r->new_only ? "true" : "false");
	if (e != XH_OK) {
		e = job_error(r->ctx, e, "reading %s candidates: %s", sync_object_name(r->o),
		              xh_db_error(r->ctx->db));
		goto out;
	}
	n = PQntuples(res);
	*more = n == SYNC_PUSH_BATCH;
	for (int i = 0; i < n && e == XH_OK; i++) {
		struct sync_cand c;
		if (PQgetvalue(res, i, 9)[0] != 't')
			continue; /* as pushed, or failed as it is */
		read_cand(res, i, &c);
		e = take(r, maps, &c, r->inputs);
		json_object_put(c.doc);
		r->read++;
	}
	if (n > 0) {
		snprintf(r->after_ts, sizeof(r->after_ts), "%s", PQgetvalue(res, n - 1, 3));
		snprintf(r->after_id, sizeof(r->after_id), "%s", PQgetvalue(res, n - 1, 0));
	}
	if (e == XH_OK)
		e = drop_unchanged(r, from);
	if (e == XH_OK)
		e = flush(r, !*more);
out:
	PQclear(res);
	return e;
}

/*
 * A step with its allocations (renderings, the writes' requests and
 * answers) in an arena of its own, so a push's memory stays flat however
 * many records it walks.
 */
static enum xh_err
step_apart(struct push_run *r, const struct sync_maps *maps, int *more)
{
	enum xh_err e;

	r->job_arena = r->ctx->arena;
	r->ctx->arena = xh_arena_new();
	e = step(r, maps, more);
	xh_arena_free_wipe(r->ctx->arena); /* the HubSpot token, auth headers */
	r->ctx->arena = r->job_arena;
	return e;
}

/* The mappings of the run's object; XH_ERR_PERMANENT when a stored one no longer compiles. */
static enum xh_err
load_maps(struct push_run *r, struct sync_maps *maps)
{
	char err[300];
	long long link = r->ctx->job->link_id;

	if (sync_mapping_load(r->ctx->db, r->ctx->arena, link, r->o, &maps->own, err,
	                      sizeof(err)) != XH_OK ||
	    (r->o == SO_INVOICE && sync_mapping_load(r->ctx->db, r->ctx->arena, link, SO_LINE_ITEM,
	                                             &maps->lines, err, sizeof(err)) != XH_OK))
		return job_error(r->ctx, XH_ERR_PERMANENT, "mapping: %s", err);
	return XH_OK;
}

/* The audit row of the run, and the pushes that depend on what it wrote. */
static enum xh_err
finish(struct push_run *r)
{
	char job[24], *detail;
	enum xh_err e = XH_OK;

	for (int k = 0; k < 3 && r->written > 0 && e == XH_OK; k++)
		if (dependents[r->o][k] != SO__MAX)
			e = sync_push_enqueue(r->ctx->db, r->ctx->arena, r->ctx->job->link_id,
			                      dependents[r->o][k]);
	if (e != XH_OK || r->read == 0)
		return e;
	snprintf(job, sizeof(job), "%lld", r->ctx->job->id);
	detail =
	    xh_printf(r->ctx->arena,
	              "{\"read\": %lld, \"written\": %lld, \"unchanged\": %lld, \"waiting\": %lld,"
	              " \"excluded\": %lld, \"failed\": %lld}",
	              r->read, r->written, r->unchanged, r->waiting, r->excluded, r->failed);
	xh_log(XH_LOG_INFO, "sync.push", "object", sync_object_name(r->o), "detail", detail,
	       "first_wait", r->first_wait, NULL);
	return xh_db_execv(r->ctx->db, &push_sql[PS_SUMMARY], NULL, r->link, sync_object_name(r->o),
	                   job, detail);
}

/*
 * XH_OK if the link is active (and whether companies are pushed new only);
 * a paused one waits, others end the job.
 */
static enum xh_err
check_link(struct push_run *r)
{
	PGresult *res = NULL;
	enum xh_err e = xh_db_execv(r->ctx->db, &push_sql[PS_LINK], &res, r->link);
	const char *st;

	if (e != XH_OK)
		return e;
	st = PQntuples(res) == 1 ? xh_strdup(r->ctx->arena, PQgetvalue(res, 0, 0)) : NULL;
	/*
	 * While invoices, payments or credit notes are still being pulled, a
	 * company's balances are not final: write the new companies (their
	 * invoices wait for them) and leave the rest to the push that the end
	 * of the pass triggers, so a backfill writes each company about once.
	 */
	r->new_only = r->o == SO_COMPANY && st != NULL && PQgetvalue(res, 0, 1)[0] == 't';
	r->idle = r->o == SO_PAYMENT && st != NULL && strcmp(PQgetvalue(res, 0, 2), "payment") != 0;
	if (r->o == SO_COMPANY && st != NULL && PQgetvalue(res, 0, 3)[0] == 't')
		r->match_key = xh_strdup(r->ctx->arena, PQgetvalue(res, 0, 4));
	PQclear(res);
	if (st == NULL)
		return job_error(r->ctx, XH_ERR_PERMANENT, "link %s is gone", r->link);
	if (strcmp(st, "active") == 0)
		return XH_OK;
	/* the claim holds a paused link's jobs, so this one goes on as it resumes */
	r->ctx->snooze_ms = strcmp(st, "paused") == 0 ? 1000 : 60000;
	return job_error(r->ctx, XH_ERR_BUSY, "link %s is %s; the push waits", r->link, st);
}

/*
 * XH_OK if the portal was bootstrapped for the object (and line items, for
 * invoices); otherwise the job waits an hour instead of writing properties
 * HubSpot would refuse, and the link says why.
 */
static enum xh_err
check_bootstrap(struct push_run *r)
{
	int ok = 0, lines = 1;
	long long link = r->ctx->job->link_id;

	if (r->o == SO_NOTE)
		return XH_OK; /* notes need no property of ours */
	if (hubspot_bootstrap_ok(r->ctx->db, link, sync_object_name(r->o), &ok) != XH_OK ||
	    (r->o == SO_INVOICE &&
	     hubspot_bootstrap_ok(r->ctx->db, link, "line_item", &lines) != XH_OK))
		return job_error(r->ctx, XH_ERR_DB, "bootstrap state: %s", xh_db_error(r->ctx->db));
	if (ok && lines)
		return XH_OK;
	r->ctx->snooze_ms = 3600 * 1000LL;
	return job_error(r->ctx, XH_ERR_BUSY,
	                 "the HubSpot portal of link %s is not bootstrapped for %ss: run `xhsync "
	                 "hubspot bootstrap %s`",
	                 r->link, sync_object_name(r->o), r->link);
}

/*
 * A link's first push of companies: the portal's companies that carry a
 * Xero id (hubspot.adopt, run inline like the writes) and those matching
 * by match_key (hubspot_adopt_match) are adopted before any is created.
 */
static enum xh_err
adopt_first(struct push_run *r)
{
	struct job inner = *r->ctx->job;
	struct job_ctx ictx = *r->ctx;
	long long adopted, conflicts;
	enum xh_err e;

	if (r->match_key == NULL)
		return XH_OK;
	inner.args = (char *)"{\"object\": \"company\"}";
	ictx.job = &inner;
	ictx.msg[0] = '\0';
	e = hubspot_adopt(&ictx);
	if (e == XH_OK)
		e = hubspot_adopt_match(&ictx, r->match_key, &adopted, &conflicts);
	r->ctx->snooze_ms = ictx.snooze_ms;
	memcpy(r->ctx->msg, ictx.msg, sizeof(r->ctx->msg));
	if (e == XH_OK)
		xh_log(XH_LOG_INFO, "sync.adopt", "link", r->link, "match_key", r->match_key,
		       "adopted", xh_printf(r->ctx->arena, "%lld", adopted), "conflicts",
		       xh_printf(r->ctx->arena, "%lld", conflicts), NULL);
	return e;
}

/* The run's object from the job's args. */
static enum xh_err
parse_object(struct job_ctx *ctx, enum sync_object *o)
{
	char *name = NULL;
	int k;

	if (ctx->job->link_id == 0 || job_arg_str(ctx->job, ctx->arena, "object", &name) != XH_OK ||
	    (k = sync_object_find(name)) < 0 || push_cand_sql((enum sync_object)k) == NULL)
		return job_error(ctx, XH_ERR_INVAL,
		                 "sync.push needs a link and an object (company, contact, invoice, "
		                 "product, commerce_payment, note)");
	*o = (enum sync_object)k;
	return XH_OK;
}

enum xh_err
sync_push(struct job_ctx *ctx)
{
	struct push_run r = {.ctx = ctx,
	                     .after_ts = "-infinity",
	                     .after_id = "00000000-0000-0000-0000-000000000000"};
	struct sync_maps maps;
	enum xh_err e;
	int more = 1;

	memset(&maps, 0, sizeof(maps));
	if ((e = parse_object(ctx, &r.o)) != XH_OK)
		return e;
	snprintf(r.link, sizeof(r.link), "%lld", ctx->job->link_id);
	if ((e = check_link(&r)) != XH_OK || r.idle)
		return e;
	if ((e = check_bootstrap(&r)) != XH_OK || (e = adopt_first(&r)) != XH_OK ||
	    (e = load_maps(&r, &maps)) != XH_OK)
		return e;
	r.inputs = json_object_new_array();
	r.archives = json_object_new_array();
	while (more && e == XH_OK) {
		if (job_should_yield(ctx, PUSH_YIELD_MS)) {
			ctx->snooze_ms = 100;
			e = job_error(ctx, XH_ERR_BUSY, "push yields; it goes on from the mirror");
			break;
		}
		e = step_apart(&r, &maps, &more);
	}
	if (e == XH_OK || r.written > 0) {
		enum xh_err f = finish(&r);
		if (e == XH_OK)
			e = f;
	}
	json_object_put(r.inputs);
	json_object_put(r.archives);
	return e;
}
