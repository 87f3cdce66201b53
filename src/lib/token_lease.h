/*
 * token_lease.h: OAuth access tokens for job handlers, refreshed under a
 * lease on the credential row, for any vendor (DESIGN.md section 7).
 *
 * Vendors whose refresh tokens rotate (Xero) fork the token set when two
 * workers refresh it at once; vendors whose refresh tokens do not rotate
 * (HubSpot) still waste calls and race on the stored pair. So a refresh
 * runs under a lease (sql/0003_token_refresh.sql): exactly one worker
 * calls the token endpoint, the new pair is committed before anyone uses
 * it, and the others wait and read it.
 *
 * Why a lease rather than holding the row lock: the refresh is decided
 * under SELECT ... FOR UPDATE with a re-read, but STYLE.md forbids holding
 * a row lock across an HTTP call. So:
 *   1. BEGIN; SELECT ... FOR UPDATE re-reads the row (another worker may
 *      have refreshed already: then its token is used). If a refresh is
 *      due and no unexpired lease is held, set refreshing_until and
 *      refresh_holder. COMMIT.
 *   2. The lease holder alone calls the token endpoint, holding no lock.
 *   3. It stores the new pair, sealed, in one UPDATE that requires it
 *      still holds the lease, and only then uses it. A holder that lost
 *      its lease drops its pair and reads again.
 * Every end of a lease (stored, released, refused for good) sends NOTIFY
 * on TOKEN_LEASE_CHANNEL with "<vendor>:<link id>". Waiters LISTEN, re-read
 * once, and then sleep on the connection's socket until that notification
 * or the lease's expiry (a killed holder), so waiting threads do not poll
 * the row; they snooze their job if the refresh takes longer than
 * TOKEN_LEASE_WAIT_MS. invalid_grant moves the link to needs_reconnect,
 * audited, and fails the job for good.
 */
#ifndef XH_TOKEN_LEASE_H
#define XH_TOKEN_LEASE_H

#include "arena.h"
#include "cred.h"
#include "job.h"
#include "xh.h"

#define TOKEN_LEASE_CHANNEL "xhsync_token"
#define TOKEN_LEASE_MS      60000 /* the HTTP client's 30 s timeout, the store, a margin */
#define TOKEN_LEASE_WAIT_MS 5000  /* longest wait for another worker's refresh */

struct xh_token_lease;

/* A refreshed token set, as the vendor built it. */
struct xh_token_new {
	char *json;           /* the whole new payload (cred.h), in the arena */
	long long expires_at; /* access token expiry, unix seconds */
};

/* What a vendor plugs into the lease; one static table per vendor. */
struct xh_token_vendor {
	const char *vendor; /* credential.vendor and log prefix: "xero" */
	const char *label;  /* in messages: "Xero" */
	long long margin_s; /* refresh when the access token expires within this */
	/* XH_OK if this process can refresh (client id and secret known), else the outcome. */
	enum xh_err (*ready)(struct job_ctx *ctx);
	/*
	 * Calls the token endpoint with t->cred (the lease is held, no lock).
	 * XH_OK with out filled; else the job outcome with ctx->msg set, and
	 * *invalid_grant = 1 when the vendor refused the refresh token for good.
	 */
	enum xh_err (*refresh)(struct xh_token_lease *t, struct xh_token_new *out,
	                       int *invalid_grant);
};

/* One token request of a job, across its steps. */
struct xh_token_lease {
	const struct xh_token_vendor *v;
	struct job_ctx *ctx;
	long long link_id;
	char link[24];
	long long max_age_s; /* refresh sets at least this old; -1: on expiry only */
	char *holder;        /* our lease name */
	int seen_version;    /* version at the first read */
	struct xh_cred cred; /* the row as last read */
	long long age_s;     /* since the set was issued */
	long long lease_ms;  /* time left on another holder's lease */
	int leased;          /* an unexpired lease is held */
	int reconnect;       /* the link needs reconnecting */
	int step;            /* what to do next (token_lease.c) */
	int refreshed;       /* this request stored a new pair */
	int waits;           /* times this request slept for another holder */
	int locked_reads;    /* SELECT ... FOR UPDATE reads of the row */
};

/* A request for the link's "oauth" credential of v with the given age rule. */
void xh_token_lease_init(struct xh_token_lease *t, const struct xh_token_vendor *v,
                         struct job_ctx *ctx, long long link_id, long long max_age_s);
/*
 * Makes t->cred hold a usable token set: as stored when it is not due
 * (one plain read, no lock), else refreshed under the lease. A payload
 * without refresh_token is used as is. On failure the job outcome with
 * ctx->msg set: XH_ERR_PERMANENT (no credential, invalid_grant: the link
 * now needs reconnecting), XH_ERR_BUSY with ctx->snooze_ms (another
 * worker's refresh runs on), or what v->ready and v->refresh return.
 */
enum xh_err xh_token_lease_get(struct xh_token_lease *t);

/*
 * 1 if a token set must be refreshed now: its access token expires within
 * margin_s of now (unix seconds; an unknown expiry, 0, counts as expired),
 * or max_age_s >= 0 and the set is at least max_age_s old (age_s).
 */
int xh_token_due(long long expires_at, long long now, long long margin_s, long long age_s,
                 long long max_age_s);
struct xh_http_resp;
/*
 * The outcome of a token-endpoint answer that gave no usable token set
 * (status r->status, OAuth error code or NULL), ctx->msg set: invalid_grant
 * on a 400 sets *invalid_grant (XH_ERR_PERMANENT); invalid_client and
 * unauthorized_client are XH_ERR_CONFIG; a 429 is XH_ERR_BUSY with
 * ctx->snooze_ms from Retry-After; a 2xx without a usable set is transient;
 * other statuses as xh_http_status_err says.
 */
enum xh_err xh_token_refused(struct job_ctx *ctx, const char *label, const struct xh_http_resp *r,
                             const char *code, int *invalid_grant);
/* 1 if s is 1..max visible ASCII characters (no space, no CR/LF). */
int xh_token_chars_ok(const char *s, size_t max);
/* An OAuth error code as sent, if it is [a-z_]{1,64}; else "unknown". In the arena. */
char *xh_oauth_error_code(struct xh_arena *a, const char *e);
/* s percent-encoded for a form body or query: unreserved characters stay. */
char *xh_form_encode(struct xh_arena *a, const char *s);

#endif
