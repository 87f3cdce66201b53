/*
 * auth.h: the HubSpot credential of a link, as the CRM client needs it.
 */
#ifndef XH_HUBSPOT_AUTH_H
#define XH_HUBSPOT_AUTH_H

#include "job.h"

/* A usable access token and the portal id (decimal text) of the link's HubSpot credential; an OAuth
   one is refreshed first if it expires within the margin. On failure returns the job outcome with
   ctx->msg set: XH_ERR_PERMANENT (no credential, revoked: link now needs_reconnect), XH_ERR_BUSY
   with ctx->snooze_ms, or a transient error. Strings in ctx->arena. */
enum xh_err hubspot_access_token(struct job_ctx *ctx, long long link_id, char **token,
                                 char **portal_id);

#endif
