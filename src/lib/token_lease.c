/*
 * token_lease.c: the vendor-neutral token refresh under a credential
 * lease (token_lease.h), used by src/xero/token.c and src/hubspot/auth.c.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "log.h"
#include "ratelimit.h"
#include "token_lease.h"

#define LEASE_TRIES     3 /* leases lost in a row before giving up for now */
#define LEASE_SNOOZE_MS 1000

#define TL_ROW                                                                                     \
	"SELECT c.key_id, encode(c.sealed, 'base64'), c.version,"                                  \
	" extract(epoch FROM now() - c.issued_at)::bigint,"                                        \
	" coalesce(c.refreshing_until > now(), false), l.status = 'needs_reconnect',"              \
	" greatest(coalesce(extract(epoch FROM c.refreshing_until - now()) * 1000, 0), 0)::bigint" \
	" FROM credential c JOIN link l ON l.id = c.link_id"                                       \
	" WHERE c.link_id = $1::bigint AND c.vendor = $2 AND c.purpose = 'oauth'"
#define TL_WHERE  " WHERE link_id = $1::bigint AND vendor = $2 AND purpose = 'oauth'"
#define TL_NOTIFY "pg_notify('" TOKEN_LEASE_CHANNEL "', $2 || ':' || $1)"

enum lease_sql {
	TL_PEEK,      /* TL_PEEK */
	TL_LOCK,      /* TL_LOCK */
	TL_LEASE,     /* TL_LEASE */
	TL_STORE,     /* TL_STORE */
	TL_RELEASE,   /* TL_RELEASE */
	TL_RECONNECT, /* TL_RECONNECT */
	TL_LISTEN,    /* TL_LISTEN */
	TL_UNLISTEN,  /* TL_UNLISTEN */
	TL__MAX
};

static const struct xh_sql lease_sql[TL__MAX] = {
    /* TL_PEEK */
    {"token_lease_peek", TL_ROW, 2},
    /* TL_LOCK */
    {"token_lease_lock", TL_ROW " FOR UPDATE OF c", 2},
    /* TL_LEASE */
    {"token_lease_take",
     "UPDATE credential SET refreshing_until = now() + $4::int * interval '1 ms',"
     " refresh_holder = $3" TL_WHERE,
     4},
    /* TL_STORE */
    {"token_lease_store",
     "WITH c AS (UPDATE credential SET key_id = $4, sealed = decode($5, 'base64'),"
     " version = version + 1, expires_at = to_timestamp($6::bigint), issued_at = now(),"
     " refreshing_until = NULL, refresh_holder = NULL" TL_WHERE " AND refresh_holder = $3"
     " RETURNING version) SELECT version, " TL_NOTIFY " FROM c",
     6},
    /* TL_RELEASE */
    {"token_lease_release",
     "WITH c AS (UPDATE credential SET refreshing_until = NULL, refresh_holder = NULL" TL_WHERE
     " AND refresh_holder = $3 RETURNING 1) SELECT " TL_NOTIFY " FROM c",
     3},
    /* TL_RECONNECT: only while the lease is ours, i.e. the refused set is the stored one */
    {"token_lease_reconnect",
     "WITH c AS (UPDATE credential SET refreshing_until = NULL, refresh_holder = NULL" TL_WHERE
     "  AND refresh_holder = $3 RETURNING link_id),"
     " l AS (UPDATE link SET status = 'needs_reconnect', status_reason = $4"
     "  WHERE id IN (SELECT link_id FROM c)"
     /* Xero links made from one consent share this token set (xero/token.c) */
     "  OR ($2 = 'xero' AND xero_grant_id IN (SELECT g.xero_grant_id FROM link g"
     "   WHERE g.id IN (SELECT link_id FROM c))) RETURNING id),"
     " n AS (SELECT " TL_NOTIFY " FROM c)"
     " INSERT INTO audit_event (link_id, action, outcome, job_id, detail)"
     " SELECT id, 'token_refresh', 'needs_reconnect', nullif($5::bigint, 0),"
     " jsonb_build_object('vendor', $2::text, 'error', 'invalid_grant') FROM l, n"
     " RETURNING id",
     5},
    /* TL_LISTEN */
    {"token_lease_listen", "LISTEN " TOKEN_LEASE_CHANNEL, 0},
    /* TL_UNLISTEN */
    {"token_lease_unlisten", "UNLISTEN " TOKEN_LEASE_CHANNEL, 0},
};

/* What to do with the row as last read. */
enum lease_step {
	TS_USE,       /* TS_USE: the stored access token is good */
	TS_REFRESH,   /* TS_REFRESH: the lease is ours; refresh now */
	TS_WAIT,      /* TS_WAIT: another worker is refreshing */
	TS_RECONNECT, /* TS_RECONNECT: refresh due, but the link needs reconnecting */
	TS__MAX
};

int
xh_token_due(long long expires_at, long long now, long long margin_s, long long age_s,
             long long max_age_s)
{
	if (expires_at - now <= margin_s)
		return 1;
	return max_age_s >= 0 && age_s >= max_age_s;
}

int
xh_token_chars_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

char *
xh_oauth_error_code(struct xh_arena *a, const char *e)
{
	size_t n = strlen(e);

	if (n == 0 || n > 64 || strspn(e, "abcdefghijklmnopqrstuvwxyz_") != n)
		return xh_strdup(a, "unknown");
	return xh_strdup(a, e);
}

char *
xh_form_encode(struct xh_arena *a, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	struct xh_buf b;
	char *out;

	xh_buf_init(&b);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL) {
			xh_buf_putc(&b, (char)*p);
			continue;
		}
		xh_buf_putc(&b, '%');
		xh_buf_putc(&b, hex[*p >> 4]);
		xh_buf_putc(&b, hex[*p & 15]);
	}
	out = xh_buf_dup(a, &b);
	xh_buf_free(&b);
	return out;
}

enum xh_err
xh_token_refused(struct job_ctx *ctx, const char *label, const struct xh_http_resp *r,
                 const char *code, int *invalid_grant)
{
	enum xh_err err;

	if (code == NULL)
		code = "";
	if (r->status == 400 && strcmp(code, "invalid_grant") == 0) {
		*invalid_grant = 1;
		return XH_ERR_PERMANENT;
	}
	if (strcmp(code, "invalid_client") == 0 || strcmp(code, "unauthorized_client") == 0)
		return job_error(ctx, XH_ERR_CONFIG, "%s refused the app's client credentials (%s)",
		                 label, code);
	err = xh_http_status_err(r->status);
	if (err == XH_OK) /* 2xx without a usable token set */
		err = XH_ERR_TRANSIENT;
	if (err == XH_ERR_BUSY) {
		ctx->snooze_ms = xh_rl_retry_after_ms(xh_http_header(r, "Retry-After"));
		if (ctx->snooze_ms <= 0)
			ctx->snooze_ms = LEASE_SNOOZE_MS;
	}
	return job_error(ctx, err, "%s token endpoint answered %d%s%s", label, r->status,
	                 code[0] != '\0' ? " " : "", code);
}

/* "<vendor>.<what>" for log events. */
static const char *
event(const struct xh_token_lease *t, const char *what, char *buf, size_t len)
{
	snprintf(buf, len, "%s.%s", t->v->vendor, what);
	return buf;
}

/* Reads and opens the credential row with statement q (plain or locking). */
static enum xh_err
read_row(struct xh_token_lease *t, enum lease_sql q)
{
	struct job_ctx *ctx = t->ctx;
	PGresult *res = NULL;
	enum xh_err err;

	err = xh_db_execv(ctx->db, &lease_sql[q], &res, t->link, t->v->vendor);
	if (!err && PQntuples(res) == 0)
		err = XH_ERR_NOTFOUND;
	if (!err)
		err = xh_cred_open(ctx->keys, ctx->arena, t->link_id, t->v->vendor, XH_CRED_OAUTH,
		                   PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), &t->cred);
	if (!err) {
		t->cred.version = (int)strtol(PQgetvalue(res, 0, 2), NULL, 10);
		t->age_s = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
		t->leased = PQgetvalue(res, 0, 4)[0] == 't';
		t->reconnect = PQgetvalue(res, 0, 5)[0] == 't';
		t->lease_ms = strtoll(PQgetvalue(res, 0, 6), NULL, 10);
	}
	PQclear(res);
	return err;
}

/*
 * The step for the row as read. The age rule applies only to the set first
 * seen: one another worker stored meanwhile is new enough.
 */
static enum lease_step
decide(const struct xh_token_lease *t)
{
	long long max_age = t->cred.version == t->seen_version ? t->max_age_s : -1;

	if (t->cred.refresh_token == NULL ||
	    !xh_token_due(t->cred.expires_at, (long long)time(NULL), t->v->margin_s, t->age_s,
	                  max_age))
		return TS_USE;
	if (t->reconnect)
		return TS_RECONNECT;
	return t->leased ? TS_WAIT : TS_REFRESH;
}

/* The claim transaction: lock and re-read the row, decide, take the lease if due. */
static enum xh_err
claim_tx(struct xh_db *db, void *arg)
{
	struct xh_token_lease *t = arg;
	char ms[16];
	enum xh_err err;

	err = read_row(t, TL_LOCK);
	if (err)
		return err;
	t->locked_reads++;
	t->step = decide(t);
	if (t->step != TS_REFRESH)
		return XH_OK;
	snprintf(ms, sizeof(ms), "%d", TOKEN_LEASE_MS);
	return xh_db_execv(db, &lease_sql[TL_LEASE], NULL, t->link, t->v->vendor, t->holder, ms);
}

/* Gives the lease back after a failed refresh (best effort: it also expires). */
static void
release(struct xh_token_lease *t)
{
	char ev[64];

	if (xh_db_execv(t->ctx->db, &lease_sql[TL_RELEASE], NULL, t->link, t->v->vendor,
	                t->holder) != XH_OK)
		xh_log(XH_LOG_WARN, event(t, "token_release_failed", ev, sizeof(ev)), "link",
		       t->link, "error", xh_db_error(t->ctx->db), NULL);
}

/* The job outcome for a credential that cannot be read. */
static enum xh_err
cred_error(struct xh_token_lease *t, enum xh_err err)
{
	return job_error(t->ctx, err == XH_ERR_DB ? err : XH_ERR_PERMANENT, "%s credential: %s",
	                 t->v->label, xh_strerror(err));
}

/*
 * Stores the refreshed pair while the lease is ours, then adopts it.
 * *lost when the lease was gone (the pair is dropped unused).
 */
static enum xh_err
store(struct xh_token_lease *t, const struct xh_token_new *nw, int *lost)
{
	struct job_ctx *ctx = t->ctx;
	char *b64 = NULL, exp[24], ev[64];
	const char *key_id = NULL;
	PGresult *res = NULL;
	enum xh_err err;

	err = xh_cred_seal(ctx->keys, ctx->arena, t->link_id, t->v->vendor, XH_CRED_OAUTH, nw->json,
	                   &key_id, &b64);
	if (err) {
		release(t);
		return cred_error(t, err);
	}
	snprintf(exp, sizeof(exp), "%lld", nw->expires_at);
	err = xh_db_execv(ctx->db, &lease_sql[TL_STORE], &res, t->link, t->v->vendor, t->holder,
	                  key_id, b64, exp);
	if (err)
		return job_error(ctx, XH_ERR_DB, "storing the refreshed %s token: %s", t->v->label,
		                 xh_db_error(ctx->db));
	*lost = PQntuples(res) == 0;
	PQclear(res);
	if (*lost) {
		xh_log(XH_LOG_WARN, event(t, "token_lease_lost", ev, sizeof(ev)), "link", t->link,
		       NULL);
		return XH_OK;
	}
	t->refreshed = 1;
	xh_log(XH_LOG_INFO, event(t, "token_refreshed", ev, sizeof(ev)), "link", t->link, NULL);
	return xh_cred_parse(ctx->arena, nw->json, strlen(nw->json), &t->cred);
}

/*
 * invalid_grant: the link needs reconnecting (audited, alert in the log),
 * if the refused set is still the stored one (*lost otherwise).
 */
static enum xh_err
reconnect(struct xh_token_lease *t, int *lost)
{
	struct job_ctx *ctx = t->ctx;
	PGresult *res = NULL;
	char job[24], ev[64];
	char *reason =
	    xh_printf(ctx->arena, "%s refused the refresh token (invalid_grant)", t->v->label);
	enum xh_err err;

	snprintf(job, sizeof(job), "%lld", ctx->job->id);
	err = xh_db_execv(ctx->db, &lease_sql[TL_RECONNECT], &res, t->link, t->v->vendor, t->holder,
	                  reason, job);
	if (err)
		return job_error(ctx, XH_ERR_DB, "recording invalid_grant: %s",
		                 xh_db_error(ctx->db));
	*lost = PQntuples(res) == 0;
	PQclear(res);
	if (*lost)
		return XH_OK;
	xh_log(XH_LOG_ERROR, event(t, "token_invalid_grant", ev, sizeof(ev)), "link", t->link,
	       "status", "needs_reconnect", NULL);
	return job_error(ctx, XH_ERR_PERMANENT, "%s: the link needs reconnecting", reason);
}

/* The lease is ours: refresh, then store or give the lease back. */
static enum xh_err
refresh(struct xh_token_lease *t, int *lost)
{
	struct xh_token_new nw = {NULL, 0};
	int invalid_grant = 0;
	enum xh_err err;

	err = t->v->refresh(t, &nw, &invalid_grant);
	if (!err)
		return store(t, &nw, lost);
	if (invalid_grant) {
		enum xh_err rerr = reconnect(t, lost);

		return *lost ? XH_OK : rerr;
	}
	release(t);
	return err;
}

/* 1 if n is the notification of our credential's lease. */
static int
ours(const struct xh_token_lease *t, const PGnotify *n)
{
	char key[96];

	snprintf(key, sizeof(key), "%s:%s", t->v->vendor, t->link);
	return strcmp(n->relname, TOKEN_LEASE_CHANNEL) == 0 && strcmp(n->extra, key) == 0;
}

/* Drains queued notifications; 1 if one was for our lease. */
static int
drain(const struct xh_token_lease *t, PGconn *conn)
{
	PGnotify *n;
	int got = 0;

	while ((n = PQnotifies(conn)) != NULL) {
		got |= ours(t, n);
		PQfreemem(n);
	}
	return got;
}

/*
 * Sleeps until the lease's end is notified or until_ms (the lease's
 * expiry, the wait limit or the job's deadline), without touching the row.
 */
static void
wait_lease(struct xh_token_lease *t, long long until_ms)
{
	PGconn *conn = xh_db_conn(t->ctx->db);
	long long left;

	t->waits++;
	while ((left = until_ms - xh_now_ms()) > 0) {
		struct pollfd pfd = {.fd = conn != NULL ? PQsocket(conn) : -1, .events = POLLIN};

		if (conn != NULL && drain(t, conn))
			return;
		if (poll(&pfd, pfd.fd >= 0 ? 1 : 0, (int)left) > 0 &&
		    (PQconsumeInput(conn) == 0 || drain(t, conn)))
			return;
	}
}

/* Starts listening for lease ends (once per request); 1 if listening. */
static int
listen_leases(struct xh_token_lease *t, int *listening)
{
	if (!*listening)
		*listening = xh_db_execv(t->ctx->db, &lease_sql[TL_LISTEN], NULL) == XH_OK;
	return *listening;
}

/* Stops listening and drops what was queued. */
static void
unlisten(struct xh_token_lease *t, int listening)
{
	PGconn *conn;

	if (!listening)
		return;
	(void)xh_db_execv(t->ctx->db, &lease_sql[TL_UNLISTEN], NULL);
	if ((conn = xh_db_conn(t->ctx->db)) != NULL)
		(void)drain(t, conn);
}

/*
 * One wait for another holder: the first time only LISTEN (the caller
 * re-reads at once, so an end notified before the LISTEN is not missed),
 * then sleep until the notification or the lease's expiry. 0 when the
 * wait limit or the deadline has come.
 */
static int
wait_step(struct xh_token_lease *t, long long start, int *listening)
{
	long long until = start + TOKEN_LEASE_WAIT_MS, now = xh_now_ms();

	if (until > t->ctx->deadline_ms && t->ctx->deadline_ms > 0)
		until = t->ctx->deadline_ms;
	if (now >= until)
		return 0;
	if (!*listening && listen_leases(t, listening))
		return 1;
	if (now + t->lease_ms + 10 < until)
		until = now + t->lease_ms + 10; /* a killed holder: its lease runs out */
	wait_lease(t, until);
	return 1;
}

/* Runs claim steps until the stored token is usable or a step fails. */
static enum xh_err
claim_loop(struct xh_token_lease *t, int *listening)
{
	struct job_ctx *ctx = t->ctx;
	long long start = xh_now_ms();
	int tries = 0, lost;
	enum xh_err err;

	for (;;) {
		err = xh_db_tx(ctx->db, claim_tx, t);
		if (err)
			return cred_error(t, err);
		if (t->step == TS_USE)
			return XH_OK;
		if (t->step == TS_RECONNECT)
			return job_error(ctx, XH_ERR_PERMANENT, "the link needs reconnecting to %s",
			                 t->v->label);
		if (t->step == TS_REFRESH) {
			lost = 0;
			err = refresh(t, &lost);
			if (err || !lost)
				return err;
			if (++tries < LEASE_TRIES)
				continue;
		} else if (wait_step(t, start, listening)) {
			continue;
		}
		ctx->snooze_ms = LEASE_SNOOZE_MS;
		return job_error(ctx, XH_ERR_BUSY, "another worker is refreshing the %s token",
		                 t->v->label);
	}
}

void
xh_token_lease_init(struct xh_token_lease *t, const struct xh_token_vendor *v, struct job_ctx *ctx,
                    long long link_id, long long max_age_s)
{
	memset(t, 0, sizeof(*t));
	t->v = v;
	t->ctx = ctx;
	t->link_id = link_id;
	t->max_age_s = max_age_s;
	snprintf(t->link, sizeof(t->link), "%lld", link_id);
}

enum xh_err
xh_token_lease_get(struct xh_token_lease *t)
{
	struct job_ctx *ctx = t->ctx;
	int listening = 0;
	enum xh_err err;

	err = read_row(t, TL_PEEK);
	if (err)
		return cred_error(t, err);
	t->seen_version = t->cred.version;
	if (decide(t) == TS_USE)
		return XH_OK;
	if ((err = t->v->ready(ctx)) != XH_OK)
		return err;
	t->holder = xh_printf(ctx->arena, "j%lld:%s", ctx->job->id, xh_random_token(ctx->arena, 9));
	err = claim_loop(t, &listening);
	unlisten(t, listening);
	if (t->waits > 0) {
		char ev[64], reads[16], waits[16];

		snprintf(reads, sizeof(reads), "%d", t->locked_reads);
		snprintf(waits, sizeof(waits), "%d", t->waits);
		xh_log(XH_LOG_INFO, event(t, "token_waited", ev, sizeof(ev)), "link", t->link,
		       "locked_reads", reads, "sleeps", waits, NULL);
	}
	return err;
}
