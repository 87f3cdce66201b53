/*
 * connect.h: connecting Xero organisations with the authorization-code
 * flow and PKCE (XERO.md sections 1.1 to 1.3 and 1.6), and letting them go
 * again (section 1.5).
 *
 * The pure parts (connect_wire.c) build the authorize URL and the code
 * exchange, read the access token's authentication_event_id, and parse
 * GET /connections; they take untrusted input and have a fuzz target
 * (tests/fuzz/fuzz_xero_connect.c). connections.c talks to Xero and the
 * database: the code exchange, the connections of one consent, and the
 * disconnect shared by the console and `xhsync link disconnect`.
 */
#ifndef XH_XERO_CONNECT_H
#define XH_XERO_CONNECT_H

#include <stddef.h>

#include "arena.h"
#include "job.h"
#include "xero/token.h"
#include "xh.h"

/*
 * Read-only permission sets (XERO.md section 1.6). The granular set adds
 * accounting.settings.read (unchanged by the granular scopes) because the
 * connection test reads GET /Organisation, which needs it.
 */
#define XERO_SCOPE_GRANULAR                                                                        \
	"openid profile email offline_access accounting.contacts.read accounting.invoices.read"    \
	" accounting.payments.read accounting.settings.read"
#define XERO_SCOPE_LEGACY                                                                          \
	"openid profile email offline_access accounting.transactions.read"                         \
	" accounting.contacts.read accounting.settings.read"

#define XERO_CONNECTIONS_MAX 1000 /* organisations one answer may list */
#define XERO_TENANT_NAME_MAX 500  /* bytes kept of an organisation's name */

/* One GET /connections entry, validated; strings in the arena. */
struct xero_conn {
	char id[37];          /* the connection id (for DELETE /connections/{id}) */
	char tenant_id[37];   /* the organisation */
	char auth_event[37];  /* authEventId, "" if absent */
	char tenant_type[33]; /* ORGANISATION, PRACTICE, ... */
	char *tenant_name;    /* valid UTF-8 without control characters; may be "" */
};

/* base64url(SHA-256(verifier)): the S256 code challenge. */
char *xero_pkce_challenge(struct xh_arena *a, const char *verifier);
/* {login_url}/identity/connect/authorize?response_type=code&client_id=...&redirect_uri=...
 * &scope=...&state=...&code_challenge=...&code_challenge_method=S256 */
char *xero_authorize_url(struct xh_arena *a, const char *login_url, const char *client_id,
                         const char *redirect_uri, const char *scope, const char *state,
                         const char *verifier);
/* grant_type=authorization_code&code=...&redirect_uri=...&code_verifier=... */
char *xero_code_form(struct xh_arena *a, const char *code, const char *redirect_uri,
                     const char *verifier);
/*
 * A UUID claim (authentication_event_id, xero_userid) of a JWT access
 * token, lower-cased; the payload is read, not verified (the token came
 * straight from Xero's token endpoint over TLS). NULL if absent or not a
 * UUID.
 */
char *xero_jwt_uuid_claim(struct xh_arena *a, const char *token, const char *claim);
/*
 * Parses a GET /connections body: a JSON array of at most
 * XERO_CONNECTIONS_MAX objects, each with UUID id and tenantId. Entries
 * without them are skipped. Names are cleaned (invalid UTF-8 to U+FFFD,
 * controls to spaces, cut to XERO_TENANT_NAME_MAX bytes). XH_ERR_INVAL if
 * the body is not such an array.
 */
enum xh_err xero_connections_parse(struct xh_arena *a, const char *body, size_t len,
                                   struct xero_conn **out, size_t *n);
/* s cleaned as names are (see above), at most max bytes, in the arena. */
char *xero_clean_text(struct xh_arena *a, const char *s, size_t max);

/*
 * connections.c. Exchanges an authorization code (client secret by HTTP
 * Basic, plus the PKCE verifier) at {identity_url}/connect/token. XH_OK
 * with *tr a token set; XH_ERR_PERMANENT with ctx->msg and *oauth_error
 * (e.g. "invalid_grant": a code used twice or expired) when Xero refused;
 * XH_ERR_CONFIG without client credentials; XH_ERR_TRANSIENT when Xero
 * could not be reached.
 */
enum xh_err xero_exchange_code(struct job_ctx *ctx, const char *code, const char *redirect_uri,
                               const char *verifier, struct xero_token_resp *tr,
                               const char **oauth_error);
/*
 * GET {api_url}/connections[?authEventId=] with the access token (no
 * tenant header). XH_OK with the list, else the outcome with ctx->msg.
 */
enum xh_err xero_list_connections(struct job_ctx *ctx, const char *access_token,
                                  const char *auth_event, struct xero_conn **out, size_t *n);

/*
 * Links made from one consent share its token set, held by the grant's
 * lowest link with one (xero/token.c). When link_id holds it and another
 * link of the grant has a credential, that link gets the current set, so
 * it stays connected once link_id's set is gone or replaced (disconnect,
 * reconnect, a new consent). Call inside the transaction that does that.
 * XH_OK when there is nothing to hand over.
 */
enum xh_err xero_grant_hand_over(struct job_ctx *ctx, long long link_id);

/*
 * SQL: how many other links with a Xero credential may share link l's Xero
 * sign-in: the same consent (grant), the same Xero user, or a user not
 * known on either side (links made with `xhsync credential set`). Revoking
 * a refresh token ends all of its user's connections (XERO.md section
 * 1.5), so it is revoked only when this is 0.
 */
#define XERO_SHARED                                                                                \
	"(SELECT count(*) FROM link o WHERE o.id <> l.id AND (o.xero_grant_id = l.xero_grant_id"   \
	" OR o.xero_user_id = l.xero_user_id OR o.xero_user_id IS NULL OR l.xero_user_id IS NULL)" \
	" AND EXISTS (SELECT 1 FROM credential c WHERE c.link_id = o.id AND c.vendor = 'xero'))"

/* What a disconnect did, for the page or the command's output. */
struct xero_disconnect_result {
	int xero_deleted;   /* DELETE /connections/{id} answered 204 (or 404: already gone) */
	int xero_refused;   /* Xero could not be told (no token, refused, unreachable) */
	int revoked;        /* the grant's refresh token was revoked (its last link) */
	int shared;         /* other links still use the grant: not revoked */
	long long records;  /* mirror rows deleted (purge) */
	long long audits;   /* audit events deleted (purge) */
	char xero_msg[256]; /* why Xero could not be told; "" if it was */
};

/*
 * Disconnects link_id from Xero: DELETE /connections/{connection id}
 * (never the tenant id) with the link's token, revocation of the refresh
 * token when no other connected link shares the grant, the link's Xero
 * credential destroyed, its pending jobs cancelled, with purge its
 * mirror, pull state and audit trail deleted, and the link left in
 * status setup with a status_reason saying it was disconnected (audited,
 * by actor). Xero's refusal does not stop the local part (r->xero_refused
 * says so). XH_ERR_NOTFOUND for no such link, XH_ERR_DB on failure.
 */
enum xh_err xero_disconnect(struct job_ctx *ctx, long long link_id, int purge, const char *actor,
                            struct xero_disconnect_result *r);

#endif
