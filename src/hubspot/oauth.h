/*
 * oauth.h: connecting a link to HubSpot with OAuth (a public app,
 * HUBSPOT.md section 1.2), started by the operator from the command line:
 * `xhsync hubspot authorize LINK --redirect-uri URI` prints the authorize
 * URL (a fresh state and a PKCE verifier kept in oauth_flow for 10
 * minutes); `xhsync hubspot callback` takes the URL HubSpot redirected to,
 * spends the state once, exchanges the code on /oauth/v3/token, and stores
 * the sealed token set with the portal it reaches.
 */
#ifndef XH_HUBSPOT_OAUTH_H
#define XH_HUBSPOT_OAUTH_H

#include "job.h"

#define HUBSPOT_FLOW_S 600 /* an authorization must finish within 10 minutes */

/*
 * A new flow for link_id; *url is the authorize URL (ctx->arena).
 * session_hash: the hex SHA-256 of the console session that starts it,
 * which alone may finish it; NULL from the command line.
 */
enum xh_err hubspot_oauth_start(struct job_ctx *ctx, long long link_id, const char *redirect_uri,
                                const char *session_hash, char **url);
/*
 * Finishes the flow named by state with the code HubSpot sent: the state is
 * spent (also when the exchange fails), the token set stored for the
 * flow's link, the link's portal set. *link_id and *portal_id tell which.
 * Only the session that started the flow finishes it (session_hash as
 * given to hubspot_oauth_start; NULL for the command line's flows). With
 * code NULL (the admin denied the app) the state is spent and nothing
 * else happens. XH_ERR_NOTFOUND for an unknown, spent, expired or other
 * session's state (*link_id set when it was expired); else the outcome
 * with ctx->msg set.
 */
enum xh_err hubspot_oauth_finish(struct job_ctx *ctx, const char *state, const char *code,
                                 const char *session_hash, long long *link_id, char **portal_id);
/*
 * The value of query parameter name in a redirect URL or bare query
 * (percent- and plus-decoded), or NULL. Pure.
 */
char *hubspot_query_param(struct xh_arena *a, const char *url, const char *name);

#endif
