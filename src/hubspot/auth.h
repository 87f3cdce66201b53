/*
 * auth.h: a link's HubSpot credential (HUBSPOT.md sections 0 and 1).
 *
 * The credential is sealed in the credential table (vendor "hubspot",
 * purpose "oauth", cred.h) as a JSON object:
 *   {"kind": "project"|"private"|"service"|"oauth", "access_token": "...",
 *    "refresh_token": "..." (oauth), "expires_at": <unix s> (oauth),
 *    "portal_id": "<hub id>" (once known), "scopes": [...] (oauth)}
 * Static tokens (a project app distributed privately, a legacy private app
 * "pat-...", a service key) never expire. OAuth access tokens last 30
 * minutes (expires_in) and are refreshed on /oauth/v3/token (v1 is switched
 * off on 2027-02-16) under the credential lease (lib/token_lease.h), so one
 * worker refreshes and the others wait. The app's client secret, which
 * signs webhooks, is sealed under purpose "client_secret" as
 * {"client_secret": "...", "client_id": "..." (optional)}.
 *
 * Token-endpoint calls are not CRM API calls and pass no rate-limit gate;
 * every CRM call goes through the limiter with account = the portal id.
 * The pure parts (auth_wire.c) are exposed for unit tests and the fuzzer.
 */
#ifndef XH_HUBSPOT_AUTH_H
#define XH_HUBSPOT_AUTH_H

#include "arena.h"
#include "job.h"
#include "xh.h"

#define HUBSPOT_TOKEN_MARGIN_S 300             /* refresh 5 minutes before expiry */
#define HUBSPOT_TOKEN_MAX      4096            /* longest token accepted (HubSpot: >= 300) */
#define HUBSPOT_SECRET_MAX     512             /* longest client secret accepted */
#define HUBSPOT_EXPIRES_IN_MAX 86400LL         /* longest expires_in accepted */
#define HUBSPOT_CLIENT_SECRET  "client_secret" /* credential purpose of the app secret */

/* The kinds of credential (HUBSPOT.md section 0). */
enum hubspot_kind {
	HK_PROJECT, /* HK_PROJECT: a project app distributed privately (static token) */
	HK_PRIVATE, /* HK_PRIVATE: a legacy private app, pat-... */
	HK_SERVICE, /* HK_SERVICE: a service key: no webhooks */
	HK_OAUTH,   /* HK_OAUTH: a public app, OAuth 2.0 */
	HK__MAX
};

struct hubspot_kind_info {
	const char *name;  /* as stored and on the command line */
	const char *label; /* in plain words */
	int webhooks;      /* 1 if HubSpot can send webhooks for it */
	int is_static;     /* 1 for tokens given by the operator */
};

/* The kind's entry; NULL when out of range. */
const struct hubspot_kind_info *hubspot_kind_info(enum hubspot_kind k);
/* The kind named s; -1 if none. */
int hubspot_kind_parse(const char *s);
/*
 * NULL if token is acceptable for kind k, else why not, in plain words:
 * 1..HUBSPOT_TOKEN_MAX visible ASCII characters, and for a legacy private
 * app the pat-<region>- form.
 */
const char *hubspot_token_problem(enum hubspot_kind k, const char *token);

/*
 * The credential payload of a static token of kind k:
 * {"kind", "access_token", "portal_id" (when not NULL)}, in the arena.
 */
char *hubspot_static_payload(struct xh_arena *a, enum hubspot_kind k, const char *token,
                             const char *portal_id);

/* A token-endpoint answer, strings in the arena. */
struct hubspot_token_resp {
	char *access_token;  /* NULL in an error answer */
	char *refresh_token; /* NULL: none sent */
	long long expires_in;
	char *hub_id;  /* decimal text; NULL if absent */
	char **scopes; /* NULL-terminated; NULL if absent */
	char *error;   /* OAuth error code, NULL on success */
};
/*
 * Parses a /oauth/v3/token answer. XH_OK with either a token set
 * (access_token and refresh_token like hubspot_token_problem wants,
 * expires_in 1..HUBSPOT_EXPIRES_IN_MAX, token_type bearer if present,
 * hub_id a positive integer if present, scopes strings if present) or an
 * error code ([a-z_]{1,64}, else "unknown"). XH_ERR_INVAL for anything else.
 */
enum xh_err hubspot_token_parse(struct xh_arena *a, const char *body, size_t len,
                                struct hubspot_token_resp *out);

/* What /oauth/v3/token/introspect says about an access token. */
struct hubspot_introspect {
	int active;       /* 0: revoked, expired or unknown */
	char *hub_id;     /* decimal text; NULL if absent */
	char **scopes;    /* NULL-terminated; NULL if absent */
	char *hub_domain; /* the portal's domain, its only name in the API; NULL if absent or odd */
};
/*
 * Parses an introspection answer; XH_ERR_INVAL if it is not one. hub_domain
 * is kept only when it looks like a domain (1..HUBSPOT_DOMAIN_MAX letters,
 * digits, dots and hyphens): it is shown, and a name is optional.
 */
#define HUBSPOT_DOMAIN_MAX 253
enum xh_err hubspot_introspect_parse(struct xh_arena *a, const char *body, size_t len,
                                     struct hubspot_introspect *out);

/*
 * The credential payload after an exchange or refresh: every field of
 * old_json (NULL: a new one of kind oauth), with access_token,
 * refresh_token (the old one kept when r has none), expires_at =
 * now + r->expires_in, portal_id and scopes when r has them.
 * NULL if old_json is not a JSON object.
 */
char *hubspot_token_payload(struct xh_arena *a, const char *old_json,
                            const struct hubspot_token_resp *r, long long now);
/* The form body of a refresh on /oauth/v3/token. */
char *hubspot_refresh_form(struct xh_arena *a, const char *client_id, const char *client_secret,
                           const char *refresh_token);
/* The form body of a code exchange on /oauth/v3/token (code_verifier: PKCE). */
char *hubspot_code_form(struct xh_arena *a, const char *client_id, const char *client_secret,
                        const char *redirect_uri, const char *code, const char *code_verifier);
/* The form body of an introspection. */
char *hubspot_introspect_form(struct xh_arena *a, const char *client_id, const char *client_secret,
                              const char *token);
/*
 * The authorize URL: <app_url>/oauth/authorize?client_id=&redirect_uri=&
 * scope=<the required scopes>&state=&code_challenge=&code_challenge_method=S256
 * (code_challenge = base64url(SHA-256(verifier))).
 */
char *hubspot_authorize_url(struct xh_arena *a, const char *app_url, const char *client_id,
                            const char *redirect_uri, const char *state, const char *verifier);

/*
 * The scopes a link needs (HUBSPOT.md section 1.3): each requirement is
 * met by any one of its alternatives; the first is the one requested.
 */
struct hubspot_scope_need {
	const char *alt[3]; /* NULL-terminated alternatives */
	const char *why;    /* what it is for, in plain words */
};
const struct hubspot_scope_need *hubspot_scope_needs(int *n);
/* The needs not met by scopes (NULL-terminated); *nmissing of them, in the arena. */
const struct hubspot_scope_need **hubspot_scopes_missing(struct xh_arena *a,
                                                         const char *const *scopes, int *nmissing);
/* The account tier the rate-limit headers give away, or NULL (Max, Daily; NULL if absent). */
const char *hubspot_tier_of(const char *max, const char *daily);

/*
 * A usable access token and the portal id (decimal text) of the link's
 * HubSpot credential; an OAuth one is refreshed first if it expires within
 * the margin. On failure returns the job outcome with ctx->msg set:
 * XH_ERR_PERMANENT (no credential, revoked: link now needs_reconnect),
 * XH_ERR_BUSY with ctx->snooze_ms (another worker's refresh runs), or a
 * transient error. Strings in ctx->arena.
 */
enum xh_err hubspot_access_token(struct job_ctx *ctx, long long link_id, char **token,
                                 char **portal_id);
/*
 * Like hubspot_access_token, but *portal_id may be NULL (not known yet)
 * and *kind tells the credential's kind.
 */
enum xh_err hubspot_token_of(struct job_ctx *ctx, long long link_id, char **token, char **portal_id,
                             enum hubspot_kind *kind);
/*
 * The app's client id and secret for link_id: the link's sealed
 * client_secret credential, else [hubspot] client_id/client_secret.
 * Either may be NULL. Strings in ctx->arena.
 */
enum xh_err hubspot_app_client(struct job_ctx *ctx, long long link_id, char **client_id,
                               char **client_secret);
/*
 * Stores a HubSpot credential payload for link_id (purpose oauth), in one
 * transaction with the link's portal: a link without a portal gets
 * portal_id (may be NULL: not known yet); a link bound to another portal
 * is refused (XH_ERR_INVAL, *bound = its portal, nothing stored). A link
 * that needed reconnecting because of HubSpot becomes active again.
 */
struct xh_keyring;
enum xh_err hubspot_store_credential(struct xh_db *db, const struct xh_keyring *kr,
                                     struct xh_arena *a, long long link_id, const char *json,
                                     const char *portal_id, char **bound);

/*
 * Stores the app's client secret (and client id, when not NULL) for
 * link_id, sealed under purpose HUBSPOT_CLIENT_SECRET. NULL if secret is
 * acceptable (1..HUBSPOT_SECRET_MAX visible ASCII characters) and was
 * stored, else why not in plain words; *err tells XH_ERR_INVAL (the
 * secret) or the store's error (XH_ERR_DB: no such link, among others).
 */
const char *hubspot_store_client_secret(struct xh_db *db, const struct xh_keyring *kr,
                                        long long link_id, const char *secret,
                                        const char *client_id, enum xh_err *err);

#endif
