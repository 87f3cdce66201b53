/*
 * token.h: Xero access tokens for job handlers, refreshed when they are
 * about to expire, and the xero.token_keepalive job (DESIGN.md section 7,
 * XERO.md section 1.4).
 *
 * Xero access tokens last 30 minutes; refresh tokens rotate on every use
 * (the old one stays usable for a 30-minute grace) and die after 60 days
 * unused. Two workers refreshing the same set would fork it, so a refresh
 * runs under a lease on the credential row (sql/0003_token_refresh.sql):
 * exactly one worker calls the token endpoint, the new pair is committed
 * before anyone uses it, and the others wait and read it. invalid_grant
 * moves the link to needs_reconnect, audited, and fails the job for good.
 *
 * The token endpoint (identity.xero.com) is not the Accounting API: Xero
 * documents no rate limit for it, and its calls count against neither the
 * tenant's limits nor the app-wide minute (XERO.md sections 0 and 4 list
 * limits for API calls only). So refreshes do not pass the rate-limit gate
 * (xh_http_req.rl = NULL); the lease already makes them rare, one per
 * token set and expiry.
 *
 * The pure parts (token_wire.c) are exposed for unit tests and the fuzzer.
 */
#ifndef XH_XERO_TOKEN_H
#define XH_XERO_TOKEN_H

#include "arena.h"
#include "job.h"
#include "xh.h"

#define XERO_TOKEN_MARGIN_S      300             /* refresh 5 minutes before expiry */
#define XERO_KEEPALIVE_MAX_AGE_S (7 * 86400LL)   /* keep-alive: refresh sets older than this */
#define XERO_TOKEN_MAX           8192            /* longest token accepted from Xero */
#define XERO_EXPIRES_IN_MAX      (366 * 86400LL) /* longest expires_in accepted */

/* A token-endpoint answer, strings in the arena. */
struct xero_token_resp {
	char *access_token;   /* NULL in an error answer */
	char *refresh_token;  /* NULL: none sent (the old one stays in use) */
	long long expires_in; /* seconds; 0 in an error answer */
	char *error;          /* OAuth error code ("invalid_grant"), NULL on success */
};

/*
 * Parses a token-endpoint body. XH_OK with either a usable token set
 * (access_token of visible ASCII up to XERO_TOKEN_MAX, expires_in in
 * 1..XERO_EXPIRES_IN_MAX, token_type Bearer if present, refresh_token
 * like access_token if present) or an error code (error of [a-z_],
 * "unknown" otherwise). XH_ERR_INVAL for anything else.
 */
enum xh_err xero_token_parse(struct xh_arena *a, const char *body, size_t len,
                             struct xero_token_resp *out);
/*
 * 1 if a token set with a refresh token must be refreshed now: its access
 * token expires within XERO_TOKEN_MARGIN_S of now (unix seconds; an
 * unknown expiry, 0, counts as expired), or max_age_s >= 0 and the set
 * is at least max_age_s old (age_s).
 */
int xero_token_due(long long expires_at, long long now, long long age_s, long long max_age_s);
/*
 * The payload after a refresh: every field of old_json, with access_token,
 * refresh_token (the old one kept when r has none) and expires_at =
 * now + r->expires_in. NULL if old_json is not a JSON object.
 */
char *xero_token_payload(struct xh_arena *a, const char *old_json, const struct xero_token_resp *r,
                         long long now);
/* The form body of a refresh: grant_type=refresh_token&refresh_token=<encoded>. */
char *xero_token_form(struct xh_arena *a, const char *refresh_token);
/* "Authorization: Basic ..." with the form-encoded client id and secret (RFC 6749 2.3.1). */
char *xero_token_basic(struct xh_arena *a, const char *client_id, const char *client_secret);

/*
 * A usable access token and the tenant id (may be NULL) of the link's
 * Xero credential, refreshed first if it expires within
 * XERO_TOKEN_MARGIN_S. A payload without refresh_token is used as is.
 * On failure returns the job outcome with ctx->msg set: XH_ERR_PERMANENT
 * (no credential, invalid_grant: link now needs_reconnect), XH_ERR_CONFIG
 * (client id/secret missing or refused), XH_ERR_BUSY with ctx->snooze_ms
 * (another worker's refresh is still running, or a 429), or a transient
 * error. Strings are in ctx->arena.
 */
enum xh_err xero_access_token(struct job_ctx *ctx, long long link_id, char **token, char **tenant);

/*
 * Job handler of xero.token_keepalive: refreshes the link's token set when
 * it is older than args.max_age_s (default XERO_KEEPALIVE_MAX_AGE_S) or
 * its access token is about to expire, so idle links stay connected.
 */
enum xh_err xero_token_keepalive(struct job_ctx *ctx);

#endif
