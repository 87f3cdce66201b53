/*
 * link_ops.c: a link's per-object counts and its lifecycle actions, for
 * the command line and the console alike (link_ops.h).
 *
 * Pausing holds the link's jobs in the queue (the claim skips a paused
 * link, job.h) and a pull or push that notices the pause mid-run goes back
 * to the queue with its place kept, so nothing is lost; resuming lets them
 * run again at once. A backfill and "sync now" enqueue the link's
 * reconciling poll (xero.poll), full or incremental; it enqueues one
 * xero.pull per enabled object, whose pages trigger the push.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "sync/link_ops.h"
#include "xero/pull.h"

enum link_ops_sql {
	LO_COUNTS, /* LO_COUNTS */
	LO_STATE,  /* LO_STATE */
	LO_MOVE,   /* LO_MOVE */
	LO_AUDIT,  /* LO_AUDIT */
	LO_NOTIFY, /* LO_NOTIFY */
	LO__MAX
};

/* clang-format off */
static const struct xh_sql lo_sql[LO__MAX] = {
    /* LO_COUNTS: per HubSpot object: mirrored, in sync, pending, failed, excluded */
    {"sync_link_counts",
     XH_SQL_IDEMPOTENT
     "WITH o (obj, src, n) AS (VALUES ('company', 'contact', 1), ('contact', 'contact', 2),"
     "  ('invoice', 'invoice', 3), ('product', 'item', 4)),"
     " m AS (SELECT o.obj, o.n, count(r.xero_id) AS mirrored,"
     "  count(*) FILTER (WHERE h.hubspot_id IS NOT NULL AND h.failed_hash IS NULL"
     "   AND h.last_error IS NULL) AS synced,"
     "  count(*) FILTER (WHERE r.xero_id IS NOT NULL AND (h.xero_id IS NULL OR"
     "   (h.pushed_hash IS NULL AND h.failed_hash IS NULL AND h.last_error IS NULL))) AS pending,"
     "  count(*) FILTER (WHERE h.failed_hash IS NOT NULL OR h.last_error IS NOT NULL) AS failed,"
     "  count(*) FILTER (WHERE h.excluded IS NOT NULL) AS excluded"
     "  FROM o LEFT JOIN xero_record r ON r.link_id = $1::bigint AND r.object = o.src"
     "  LEFT JOIN hubspot_ref h ON h.link_id = $1::bigint AND h.object = o.obj"
     "   AND h.xero_id = r.xero_id GROUP BY o.obj, o.n)"
     " SELECT obj, mirrored, synced, pending, failed, excluded FROM m ORDER BY n", 1},
    /* LO_STATE: status, reason, and what a backfill needs */
    {"sync_link_state",
     XH_SQL_IDEMPOTENT
     "SELECT l.status, coalesce(l.status_reason, ''),"
     " l.xero_tenant_id IS NOT NULL AND EXISTS (SELECT 1 FROM credential c"
     "  WHERE c.link_id = l.id AND c.vendor = 'xero' AND c.purpose = 'oauth'),"
     " l.hubspot_portal_id IS NOT NULL AND EXISTS (SELECT 1 FROM credential c"
     "  WHERE c.link_id = l.id AND c.vendor = 'hubspot'),"
     " coalesce(l.hubspot_bootstrap->>'portal' = l.hubspot_portal_id::text, false)"
     " FROM link l WHERE l.id = $1::bigint", 1},
    /* LO_MOVE: $2 from, $3 to; no row if the status moved meanwhile */
    {"sync_link_move",
     "UPDATE link SET status = $3, status_reason = NULL"
     " WHERE id = $1::bigint AND status = $2 RETURNING id", 3},
    /* LO_AUDIT: $2 action, $3 actor, $4 detail */
    {"sync_link_audit",
     "INSERT INTO audit_event (link_id, action, outcome, actor, detail)"
     " VALUES ($1::bigint, $2, 'ok', $3, $4::jsonb)", 4},
    /* LO_NOTIFY: wakes the workers (with the commit) for the jobs a resume frees */
    {"sync_link_notify", "SELECT pg_notify('" JOB_CHANNEL "', '')", 0},
};
/* clang-format on */

static const char *const action_names[SYNC_LINK__MAX] = {
    "pause",     /* SYNC_LINK_PAUSE */
    "resume",    /* SYNC_LINK_RESUME */
    "backfill",  /* SYNC_LINK_BACKFILL */
    "sync",      /* SYNC_LINK_SYNC */
    "sync_full", /* SYNC_LINK_SYNC_FULL */
};

const char *
sync_link_action_name(enum sync_link_action act)
{
	return (unsigned)act < SYNC_LINK__MAX ? action_names[act] : NULL;
}

enum xh_err
sync_link_counts(struct xh_db *db, long long link, struct sync_link_count out[SYNC_LINK_NOBJ])
{
	PGresult *res = NULL;
	char id[24];
	long long *col[5];

	snprintf(id, sizeof(id), "%lld", link);
	memset(out, 0, sizeof(*out) * SYNC_LINK_NOBJ);
	if (xh_db_execv(db, &lo_sql[LO_COUNTS], &res, id) != XH_OK)
		return XH_ERR_DB;
	for (int i = 0; i < PQntuples(res) && i < SYNC_LINK_NOBJ; i++) {
		snprintf(out[i].object, sizeof(out[i].object), "%s", PQgetvalue(res, i, 0));
		col[0] = &out[i].mirrored, col[1] = &out[i].synced, col[2] = &out[i].pending;
		col[3] = &out[i].failed, col[4] = &out[i].excluded;
		for (int c = 0; c < 5; c++)
			*col[c] = strtoll(PQgetvalue(res, i, c + 1), NULL, 10);
	}
	PQclear(res);
	return XH_OK;
}

enum xh_err
sync_link_state(struct xh_db *db, long long link, struct sync_link_state *st)
{
	PGresult *res = NULL;
	enum xh_err err = XH_ERR_NOTFOUND;
	char id[24];

	snprintf(id, sizeof(id), "%lld", link);
	memset(st, 0, sizeof(*st));
	if (xh_db_execv(db, &lo_sql[LO_STATE], &res, id) != XH_OK)
		return XH_ERR_DB;
	if (PQntuples(res) == 1) {
		snprintf(st->status, sizeof(st->status), "%s", PQgetvalue(res, 0, 0));
		snprintf(st->reason, sizeof(st->reason), "%s", PQgetvalue(res, 0, 1));
		st->xero_ok = PQgetvalue(res, 0, 2)[0] == 't';
		st->hubspot_ok = PQgetvalue(res, 0, 3)[0] == 't';
		st->bootstrapped = PQgetvalue(res, 0, 4)[0] == 't';
		err = XH_OK;
	}
	PQclear(res);
	return err;
}

/* Why a pull cannot start in this state (NULL: it can), for msg. */
static const char *
pull_refusal(enum sync_link_action act, const struct sync_link_state *st)
{
	if (strcmp(st->status, "paused") == 0)
		return "The link is paused: resume it first.";
	if (strcmp(st->status, "needs_reconnect") == 0)
		return "Xero or HubSpot no longer accepts this link's sign-in: reconnect it first.";
	if (strcmp(st->status, "error") == 0)
		return "The link is in error: fix what its status says, then try again.";
	if (strcmp(st->status, "setup") == 0 && act != SYNC_LINK_BACKFILL)
		return "The link is not set up yet: start the backfill once both sides are "
		       "connected.";
	if (act != SYNC_LINK_BACKFILL)
		return NULL;
	if (!st->xero_ok)
		return "Connect Xero first: the link has no Xero organisation.";
	if (!st->hubspot_ok)
		return "Connect HubSpot first: the link has no HubSpot portal.";
	if (!st->bootstrapped)
		return "Set up the HubSpot properties (bootstrap) first, so HubSpot accepts the "
		       "records.";
	return NULL;
}

const char *
sync_link_refusal(enum sync_link_action act, const struct sync_link_state *st)
{
	if (act == SYNC_LINK_PAUSE)
		return strcmp(st->status, "active") == 0 ? NULL
		                                         : "Only an active link can be paused.";
	if (act == SYNC_LINK_RESUME)
		return strcmp(st->status, "paused") == 0 ? NULL
		                                         : "Only a paused link can be resumed.";
	return pull_refusal(act, st);
}

/*
 * The status act moves the link to (*to, from *from; NULL: no move), or a
 * refusal in msg. Returns 0 to go on, 1 when nothing is to be done (msg
 * says so), -1 when refused.
 */
static int
plan_action(enum sync_link_action act, const struct sync_link_state *st, const char **from,
            const char **to, char *msg, size_t msglen)
{
	const char *why;

	*from = *to = NULL;
	if (act == SYNC_LINK_PAUSE || act == SYNC_LINK_RESUME) {
		const char *want = act == SYNC_LINK_PAUSE ? "active" : "paused";
		const char *next = act == SYNC_LINK_PAUSE ? "paused" : "active";

		if (strcmp(st->status, next) == 0) {
			snprintf(msg, msglen, "The link is already %s.", next);
			return 1;
		}
		if (strcmp(st->status, want) != 0) {
			snprintf(msg, msglen, "%s", sync_link_refusal(act, st));
			return -1;
		}
		*from = want, *to = next;
		return 0;
	}
	if ((why = pull_refusal(act, st)) != NULL) {
		snprintf(msg, msglen, "%s", why);
		return -1;
	}
	if (strcmp(st->status, "setup") == 0)
		*from = "setup", *to = "active";
	return 0;
}

/* Enqueues the link's poll; says in msg what it did. */
static enum xh_err
enqueue_poll(struct xh_db *db, long long link, int full, char *msg, size_t msglen)
{
	struct xh_arena *a = xh_arena_new();
	struct job_new jn;
	long long job = 0;
	int inserted = 0;
	enum xh_err err;

	xero_pull_job(a, link, NULL, full, &jn);
	err = job_enqueue(db, &jn, &job, &inserted);
	if (err == XH_OK)
		snprintf(msg, msglen,
		         inserted ? "%s: enqueued xero.poll job %lld."
		                  : "%s: xero.poll job %lld was already pending (its args now "
		                    "include these).",
		         full
		             ? "Started a full pull of every enabled object, then the push"
		             : "Started an incremental pull of every enabled object, then the push",
		         job);
	xh_arena_free(a);
	return err;
}

/* The writes of act, in the caller's transaction. */
static enum xh_err
act_writes(struct xh_db *db, long long link, const char *id, enum sync_link_action act,
           const char *from, const char *to, const char *actor, char *msg, size_t msglen)
{
	PGresult *res = NULL;
	char action[32], detail[96];
	int moved;

	if (from != NULL) {
		if (xh_db_execv(db, &lo_sql[LO_MOVE], &res, id, from, to) != XH_OK)
			return XH_ERR_DB;
		moved = PQntuples(res) == 1;
		PQclear(res);
		if (!moved) {
			snprintf(msg, msglen,
			         "The link changed meanwhile: reload the page and try again.");
			return XH_ERR_INVAL;
		}
		snprintf(msg, msglen, "The link is now %s.", to);
	}
	if (act != SYNC_LINK_PAUSE && act != SYNC_LINK_RESUME &&
	    enqueue_poll(db, link, act != SYNC_LINK_SYNC, msg, msglen) != XH_OK)
		return XH_ERR_DB;
	if (act == SYNC_LINK_RESUME && xh_db_execv(db, &lo_sql[LO_NOTIFY], NULL) != XH_OK)
		return XH_ERR_DB;
	snprintf(action, sizeof(action), "link.%s", action_names[act]);
	snprintf(detail, sizeof(detail), "{\"from\": \"%s\", \"to\": \"%s\"}", from ? from : "",
	         to ? to : "");
	return xh_db_execv(db, &lo_sql[LO_AUDIT], NULL, id, action, actor, detail);
}

/* actor cut to the audit column's 200 bytes, on a UTF-8 character boundary. */
static void
actor_copy(char *out, size_t outlen, const char *actor)
{
	const char *s = actor != NULL && *actor != '\0' ? actor : "system";
	size_t n = strlen(s);

	if (n >= outlen) {
		n = outlen - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	snprintf(out, outlen, "%.*s", (int)n, s);
}

enum xh_err
sync_link_act(struct xh_db *db, long long link, enum sync_link_action act, const char *actor,
              char *msg, size_t msglen)
{
	struct sync_link_state st;
	const char *from, *to;
	char id[24], who[201];
	enum xh_err err;
	int plan;

	snprintf(id, sizeof(id), "%lld", link);
	msg[0] = '\0';
	if ((unsigned)act >= SYNC_LINK__MAX)
		return XH_ERR_INVAL;
	if ((err = sync_link_state(db, link, &st)) == XH_ERR_NOTFOUND)
		snprintf(msg, msglen, "There is no link %s.", id);
	if (err != XH_OK)
		goto out;
	if ((plan = plan_action(act, &st, &from, &to, msg, msglen)) != 0)
		return plan > 0 ? XH_OK : XH_ERR_INVAL;
	actor_copy(who, sizeof(who), actor);
	if ((err = xh_db_begin(db)) != XH_OK)
		goto out;
	err = act_writes(db, link, id, act, from, to, who, msg, msglen);
	if (err == XH_OK)
		err = xh_db_commit(db);
	if (err != XH_OK)
		xh_db_rollback(db);
out:
	if (err == XH_ERR_DB)
		snprintf(msg, msglen, "The database failed: %s", xh_db_error(db));
	return err;
}
