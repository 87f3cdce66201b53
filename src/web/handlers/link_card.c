/*
 * link_card.c: what the console shows of one link, as the JSON its
 * templates and /links/{id}/progress.json use: both ends, the status and
 * what to do about it, the last successful sync, the per-object counts
 * (the numbers of `xhsync link show`, src/sync/link_ops.c), the progress
 * of a backfill or sync with its rate and time left, the API calls used
 * today against the daily budgets, and the chart of the last 48 hours.
 *
 * Progress counts units of work: Xero records read by the open pull passes
 * (of sync_cursor's pass totals) plus HubSpot objects the push has dealt
 * with (in sync, failing or excluded, of all mirrored). The rate is the
 * units done in the last 30 s (records fetched and HubSpot writes).
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/ratelimit.h"
#include "sync/link_ops.h"
#include "web/handlers/link_card.h"

#define CHART_HOURS 48
#define RATE_WINDOW 30 /* seconds of work the rate is measured over */

enum lc_sql {
	LC_LINKS,    /* LC_LINKS */
	LC_PROGRESS, /* LC_PROGRESS */
	LC_BUDGET,   /* LC_BUDGET */
	LC_CHART,    /* LC_CHART */
	LC_WORKERS,  /* LC_WORKERS */
	LC_PASSES,   /* LC_PASSES */
	LC__MAX
};

/* clang-format off */
static const struct xh_sql lc_sql[LC__MAX] = {
    /* LC_LINKS: $1 one link, or 0 for all */
    {"web_card_links",
     XH_SQL_IDEMPOTENT
     "SELECT l.id, l.name, coalesce(l.xero_tenant_name, ''), coalesce(l.xero_tenant_id::text, ''),"
     " coalesce(l.hubspot_portal_name, ''), coalesce(l.hubspot_portal_id::text, ''),"
     " coalesce(to_char(greatest((SELECT max(c.last_pull_at) FROM sync_cursor c"
     "   WHERE c.link_id = l.id), (SELECT max(a.at) FROM audit_event a WHERE a.link_id = l.id"
     "   AND a.action = 'hubspot.write' AND a.outcome = 'ok')) AT TIME ZONE 'UTC',"
     "  'YYYY-MM-DD HH24:MI \"UTC\"'), '')"
     " FROM link l WHERE $1::bigint = 0 OR l.id = $1::bigint ORDER BY lower(l.name), l.id", 1},
    /* LC_PROGRESS: open passes' read and total, pulling, seconds since the pass began,
     * the link's sync jobs due soon, units done in the last RATE_WINDOW seconds */
    {"web_card_progress",
     XH_SQL_IDEMPOTENT
     "SELECT coalesce(sum(c.pass_read) FILTER (WHERE c.pass_open), 0),"
     " coalesce(sum(greatest(coalesce(c.pass_total, 0), c.pass_read)) FILTER (WHERE c.pass_open), 0),"
     " coalesce(bool_or(c.pass_open), false),"
     " coalesce(extract(epoch FROM now() - min(c.pass_started_at) FILTER (WHERE c.pass_open)),"
     "  0)::bigint,"
     " (SELECT count(*) FROM job j WHERE j.link_id = $1::bigint"
     "  AND j.state IN ('available', 'running', 'retryable')"
     "  AND (j.state = 'running' OR j.run_at < now() + interval '2 minutes')"
     "  AND j.kind IN ('xero.poll', 'xero.pull', 'xero.fetch', 'sync.push', 'hubspot.write',"
     "   'hubspot.adopt')),"
     " (SELECT count(*) FROM xero_record r WHERE r.link_id = $1::bigint"
     "  AND r.fetched_at > now() - interval '30 seconds')"
     " + (SELECT count(*) FROM audit_event a WHERE a.link_id = $1::bigint"
     "  AND a.action = 'hubspot.write' AND a.outcome = 'ok'"
     "  AND a.at > now() - interval '30 seconds')"
     " FROM sync_cursor c WHERE c.link_id = $1::bigint", 1},
    /* LC_BUDGET: calls of the current day window: $1 the Xero scope, $2 $3 HubSpot's, $4 day */
    {"web_card_budget",
     XH_SQL_IDEMPOTENT
     "SELECT coalesce(sum(day_used) FILTER (WHERE scope = $1), 0),"
     " coalesce(sum(day_used) FILTER (WHERE scope IN ($2, $3)), 0)"
     " FROM rate_limit WHERE scope IN ($1, $2, $3)"
     " AND day_start + $4::bigint * interval '1 ms' > now()", 4},
    /* LC_CHART: records written to HubSpot per hour (each once an hour), oldest first,
     * with the hour of day (UTC) */
    {"web_card_chart",
     XH_SQL_IDEMPOTENT
     "WITH w AS (SELECT date_trunc('hour', a.at) AS h, count(DISTINCT (a.object, a.xero_id)) AS n"
     "  FROM audit_event a"
     "  WHERE a.link_id = $1::bigint AND a.action = 'hubspot.write' AND a.outcome = 'ok'"
     "  AND a.at >= date_trunc('hour', now()) - interval '47 hours' GROUP BY 1)"
     " SELECT extract(hour FROM g.h AT TIME ZONE 'UTC')::int, coalesce(w.n, 0)"
     " FROM generate_series(date_trunc('hour', now()) - interval '47 hours',"
     "  date_trunc('hour', now()), interval '1 hour') g (h)"
     " LEFT JOIN w ON w.h = g.h ORDER BY g.h", 1},
    /* LC_WORKERS */
    {"web_card_workers",
     XH_SQL_IDEMPOTENT "SELECT EXISTS (SELECT 1 FROM worker_heartbeat"
                       " WHERE beat_at > now() - interval '1 minute')", 0},
    /* LC_PASSES: the open pull passes, per Xero object */
    {"web_card_passes",
     XH_SQL_IDEMPOTENT
     "SELECT object, pass_read, coalesce(pass_total, 0), CASE WHEN pass_total > 0"
     " THEN least(100, pass_read * 100 / pass_total) ELSE 0 END"
     " FROM sync_cursor WHERE link_id = $1::bigint AND pass_open ORDER BY object", 1},
};
/* clang-format on */

/* Status words shown to the admin. */
static const struct {
	const char *status, *label;
} status_labels[] = {
    {"setup", "Setting up"}, {"active", "Active"},
    {"paused", "Paused"},    {"needs_reconnect", "Needs reconnect"},
    {"error", "Error"},
};

static void
put_s(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void
put_i(struct json_object *o, const char *k, long long v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void
put_b(struct json_object *o, const char *k, int v)
{
	json_object_object_add(o, k, json_object_new_boolean(v));
}

enum xh_err
web_workers_alive(struct web_ctx *ctx, int *alive)
{
	PGresult *res = NULL;

	*alive = 0;
	if (xh_db_execv(ctx->db, &lc_sql[LC_WORKERS], &res) != XH_OK)
		return XH_ERR_DB;
	*alive = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return XH_OK;
}

/* The status fields: label, flags for the template, reason, next step. */
static void
add_status(struct json_object *card, const struct sync_link_state *st)
{
	const char *next = sync_link_refusal(SYNC_LINK_BACKFILL, st);
	int reconnect = strcmp(st->status, "needs_reconnect") == 0;

	put_s(card, "status", st->status);
	put_s(card, "status_label", st->status);
	for (size_t i = 0; i < XH_NELEM(status_labels); i++)
		if (strcmp(st->status, status_labels[i].status) == 0)
			put_s(card, "status_label", status_labels[i].label);
	put_s(card, "reason", st->reason);
	put_b(card, "is_setup", strcmp(st->status, "setup") == 0);
	put_b(card, "is_active", strcmp(st->status, "active") == 0);
	put_b(card, "is_paused", strcmp(st->status, "paused") == 0);
	put_b(card, "is_error", strcmp(st->status, "error") == 0);
	put_b(card, "needs_reconnect", reconnect);
	put_b(card, "reconnect_hubspot", reconnect && strncmp(st->reason, "HubSpot", 7) == 0);
	put_b(card, "can_backfill", next == NULL);
	put_b(card, "need_xero", !st->xero_ok);
	put_b(card, "need_hubspot", st->xero_ok && !st->hubspot_ok);
	put_b(card, "need_bootstrap", st->xero_ok && st->hubspot_ok && !st->bootstrapped);
	if (strcmp(st->status, "setup") == 0)
		put_s(card, "next_step",
		      next != NULL ? next : "Both sides are connected: start the backfill.");
}

/* The per-object counts and their totals; done and total for the push. */
static enum xh_err
add_counts(struct web_ctx *ctx, long long link, struct json_object *card, long long *done,
           long long *total, long long *pending)
{
	struct sync_link_count n[SYNC_LINK_NOBJ];
	struct json_object *arr = json_object_new_array(), *o, *tot = json_object_new_object();
	long long t[5] = {0, 0, 0, 0, 0};

	if (sync_link_counts(ctx->db, link, n) != XH_OK) {
		json_object_put(arr);
		json_object_put(tot);
		return XH_ERR_DB;
	}
	for (int i = 0; i < SYNC_LINK_NOBJ; i++) {
		o = json_object_new_object();
		put_s(o, "object", n[i].object);
		put_i(o, "mirrored", n[i].mirrored), t[0] += n[i].mirrored;
		put_i(o, "synced", n[i].synced), t[1] += n[i].synced;
		put_i(o, "pending", n[i].pending), t[2] += n[i].pending;
		put_i(o, "failed", n[i].failed), t[3] += n[i].failed;
		put_i(o, "excluded", n[i].excluded), t[4] += n[i].excluded;
		json_object_array_add(arr, o);
	}
	put_i(tot, "mirrored", t[0]), put_i(tot, "synced", t[1]), put_i(tot, "pending", t[2]);
	put_i(tot, "failed", t[3]), put_i(tot, "excluded", t[4]);
	json_object_object_add(card, "objects", arr);
	json_object_object_add(card, "totals", tot);
	*done = t[1] + t[3] + t[4];
	*total = t[0];
	*pending = t[2];
	return XH_OK;
}

/* The phase in plain words. */
static const char *
phase_label(const char *status, int pulling, long long pending, long long jobs, long long total)
{
	if (strcmp(status, "paused") == 0)
		return pending > 0 || jobs > 0 ? "Paused: the rest waits until you resume"
		                               : "Paused";
	if (pulling)
		return "Reading from Xero";
	if (pending > 0)
		return "Writing to HubSpot";
	if (jobs > 0)
		return "Waiting for the worker";
	return total > 0 ? "Up to date" : "Nothing synced yet";
}

/* The open pull passes, each with its own bar. */
static enum xh_err
add_passes(struct web_ctx *ctx, const char *id, struct json_object *p)
{
	struct json_object *arr = json_object_new_array(), *o;
	PGresult *res = NULL;

	if (xh_db_execv(ctx->db, &lc_sql[LC_PASSES], &res, id) != XH_OK) {
		json_object_put(arr);
		return XH_ERR_DB;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		o = json_object_new_object();
		put_s(o, "object", PQgetvalue(res, i, 0));
		put_i(o, "read", strtoll(PQgetvalue(res, i, 1), NULL, 10));
		put_i(o, "total", strtoll(PQgetvalue(res, i, 2), NULL, 10));
		put_i(o, "percent", strtoll(PQgetvalue(res, i, 3), NULL, 10));
		json_object_array_add(arr, o);
	}
	PQclear(res);
	json_object_object_add(p, "passes", arr);
	return XH_OK;
}

/* The progress object from LC_PROGRESS and the push's counts. */
static enum xh_err
add_progress(struct web_ctx *ctx, const char *id, const char *status, struct json_object *card,
             long long push_done, long long push_total, long long pending)
{
	struct json_object *p = json_object_new_object();
	PGresult *res = NULL;
	long long v[6], done, total, window;
	double rate;
	char buf[64];

	if (xh_db_execv(ctx->db, &lc_sql[LC_PROGRESS], &res, id) != XH_OK || PQntuples(res) != 1) {
		PQclear(res);
		json_object_put(p);
		return XH_ERR_DB;
	}
	for (int i = 0; i < 6; i++)
		v[i] = i == 2 ? PQgetvalue(res, 0, 2)[0] == 't'
		              : strtoll(PQgetvalue(res, 0, i), NULL, 10);
	PQclear(res);
	done = v[0] + push_done;
	total = v[1] + push_total;
	window = v[3] > 0 && v[3] < RATE_WINDOW ? v[3] : RATE_WINDOW;
	rate = (double)v[5] / (double)(window > 0 ? window : 1);
	put_b(p, "active", v[2] || pending > 0 || v[4] > 0);
	put_s(p, "phase", phase_label(status, (int)v[2], pending, v[4], total));
	put_i(p, "done", done);
	put_i(p, "total", total);
	put_i(p, "percent", total > 0 ? (done >= total ? 100 : done * 100 / total) : 0);
	snprintf(buf, sizeof(buf), "%.1f", rate);
	put_s(p, "rate", buf);
	put_i(p, "eta_s", rate > 0 && total > done ? (long long)((total - done) / rate + 0.5) : -1);
	if (rate > 0 && total > done)
		web_eta_label(buf, sizeof(buf), (long long)((total - done) / rate + 0.5));
	else
		snprintf(buf, sizeof(buf), "%s", total > done ? "not known yet" : "none");
	put_s(p, "eta", buf);
	put_i(p, "jobs", v[4]);
	json_object_object_add(card, "progress", p);
	return add_passes(ctx, id, p);
}

/* n with thousands separators ("250,000"), into out. */
static void
thousands(char *out, size_t outlen, long long n)
{
	char digits[32];
	size_t len, j = 0;

	snprintf(digits, sizeof(digits), "%lld", n < 0 ? 0 : n);
	len = strlen(digits);
	for (size_t i = 0; i < len && j + 2 < outlen; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[j++] = ',';
		out[j++] = digits[i];
	}
	out[j] = '\0';
}

/* One budget line: used of max, with its percentage. */
static struct json_object *
budget(long long used, long long max)
{
	struct json_object *b = json_object_new_object();
	char s[40];

	put_i(b, "used", used);
	put_i(b, "max", max);
	thousands(s, sizeof(s), used);
	put_s(b, "used_label", s);
	thousands(s, sizeof(s), max);
	put_s(b, "max_label", s);
	put_i(b, "percent", max > 0 ? (used >= max ? 100 : used * 100 / max) : 0);
	put_b(b, "high", max > 0 && used * 5 >= max * 4);
	return b;
}

/* Today's API calls against the daily budgets, from the shared rate limiter. */
static enum xh_err
add_budget(struct web_ctx *ctx, struct json_object *card, const char *tenant, const char *portal)
{
	struct xh_arena *a = xh_arena_new();
	struct xh_rl_target xt = {XH_RL_XERO, tenant, 0}, ht = {XH_RL_HUBSPOT, portal, 0},
	                    st = {XH_RL_HUBSPOT, portal, 1};
	struct xh_rl_plan xp, hp, sp;
	struct json_object *b = json_object_new_object();
	PGresult *res = NULL;
	enum xh_err err = XH_ERR_DB;

	xh_rl_plan(ctx->cfg, &xt, 0, a, &xp);
	xh_rl_plan(ctx->cfg, &ht, 0, a, &hp);
	xh_rl_plan(ctx->cfg, &st, 0, a, &sp);
	if (xh_db_execv(ctx->db, &lc_sql[LC_BUDGET], &res, *tenant ? xp.scope[0] : "",
	                *portal ? hp.scope[0] : "", *portal ? sp.scope[0] : "",
	                xh_printf(a, "%lld", xp.day_ms)) == XH_OK &&
	    PQntuples(res) == 1) {
		json_object_object_add(
		    b, "xero", budget(strtoll(PQgetvalue(res, 0, 0), NULL, 10), xp.day_max[0]));
		json_object_object_add(
		    b, "hubspot", budget(strtoll(PQgetvalue(res, 0, 1), NULL, 10), hp.day_max[0]));
		err = XH_OK;
	}
	PQclear(res);
	xh_arena_free(a);
	json_object_object_add(card, "budget", b);
	return err;
}

/* The chart of the last 48 hours, as trusted SVG markup. */
static enum xh_err
add_chart(struct web_ctx *ctx, const char *id, struct json_object *card)
{
	long long counts[CHART_HOURS] = {0};
	PGresult *res = NULL;
	struct xh_buf b;
	int n, last = 0;

	if (xh_db_execv(ctx->db, &lc_sql[LC_CHART], &res, id) != XH_OK)
		return XH_ERR_DB;
	n = PQntuples(res) < CHART_HOURS ? PQntuples(res) : CHART_HOURS;
	for (int i = 0; i < n; i++) {
		counts[i] = strtoll(PQgetvalue(res, i, 1), NULL, 10);
		last = (int)strtol(PQgetvalue(res, i, 0), NULL, 10);
	}
	PQclear(res);
	xh_buf_init(&b);
	web_link_chart_svg(&b, counts, n, last);
	json_object_object_add(card, "chart",
	                       json_object_new_string_len(b.data ? b.data : "", (int)b.len));
	xh_buf_free(&b);
	return XH_OK;
}

/* The card of row i of LC_LINKS; NULL if a query fails. */
static struct json_object *
card(struct web_ctx *ctx, PGresult *res, int i, int with_chart)
{
	struct json_object *c = json_object_new_object();
	struct sync_link_state st;
	const char *id = PQgetvalue(res, i, 0);
	long long link = strtoll(id, NULL, 10), done = 0, total = 0, pending = 0;
	const char *tname = PQgetvalue(res, i, 2), *tenant = PQgetvalue(res, i, 3);
	const char *pname = PQgetvalue(res, i, 4), *portal = PQgetvalue(res, i, 5);

	put_i(c, "id", link);
	put_s(c, "name", PQgetvalue(res, i, 1));
	put_s(c, "xero_name", *tname ? tname : tenant);
	put_s(c, "hubspot_name", *pname ? pname : portal);
	put_s(c, "hubspot_portal", *pname ? portal : "");
	put_s(c, "last_sync", *PQgetvalue(res, i, 6) ? PQgetvalue(res, i, 6) : "never");
	if (sync_link_state(ctx->db, link, &st) != XH_OK ||
	    add_counts(ctx, link, c, &done, &total, &pending) != XH_OK ||
	    add_progress(ctx, id, st.status, c, done, total, pending) != XH_OK ||
	    add_budget(ctx, c, tenant, portal) != XH_OK ||
	    (with_chart && add_chart(ctx, id, c) != XH_OK)) {
		json_object_put(c);
		return NULL;
	}
	add_status(c, &st);
	return c;
}

struct json_object *
web_link_cards(struct web_ctx *ctx, long long only, int with_chart)
{
	struct json_object *arr, *c;
	PGresult *res = NULL;
	char id[24];

	snprintf(id, sizeof(id), "%lld", only);
	if (xh_db_execv(ctx->db, &lc_sql[LC_LINKS], &res, id) != XH_OK) {
		PQclear(res);
		return NULL;
	}
	arr = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		if ((c = card(ctx, res, i, with_chart)) == NULL) {
			json_object_put(arr);
			arr = NULL;
			break;
		}
		json_object_array_add(arr, c);
	}
	PQclear(res);
	return arr;
}
