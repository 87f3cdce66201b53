/*
 * check.h: `xhsync hubspot test LINK` and the console's connection check:
 * does the link's HubSpot token work, which portal (hub id) it reaches,
 * the account tier when the rate-limit headers give it away, and which
 * required scopes (HUBSPOT.md section 1.3) are missing.
 *
 * At most two calls: the token's introspection on /oauth/v3/token/introspect
 * (when the app's client id and secret are known; a token-endpoint call,
 * outside the CRM rate limits) and one one-record CRM read
 * (GET /crm/v3/objects/companies?limit=1) through the limiter, whose
 * rate-limit headers tell the tier. An inactive or refused token moves the
 * link to needs_reconnect (audited); a portal learned for a link without
 * one is stored on the link.
 */
#ifndef XH_HUBSPOT_CHECK_H
#define XH_HUBSPOT_CHECK_H

#include <stdio.h>

#include "hubspot/auth.h"

/* The result, strings in ctx->arena. */
struct hubspot_check {
	int have_token; /* a credential was found and opened */
	enum hubspot_kind kind;
	int token_ok;      /* 1 HubSpot accepted it, 0 refused, -1 not known */
	char *portal_id;   /* the hub id it reaches, or NULL */
	char *portal_name; /* the portal's domain (introspection's hub_domain), or NULL */
	const char *tier;  /* e.g. "Professional", or NULL when it cannot be learned */
	int scopes_known;  /* the token's scopes were read (introspection) */
	const struct hubspot_scope_need **missing; /* NULL-terminated */
	int nmissing;
	char *problem; /* what is wrong, in plain words; NULL when all is well */
	char *note;    /* something to know that is not an error, or NULL */
	int calls;     /* HubSpot calls made */
	int probe;     /* checking a token not stored yet: nothing is written */
};

/*
 * Runs the check for link_id. XH_OK when the check ran (its verdict is in
 * out, problem set when something is wrong); XH_ERR_DB when the database
 * failed, with ctx->msg set.
 */
enum xh_err hubspot_check(struct job_ctx *ctx, long long link_id, struct hubspot_check *out);
/*
 * The same check for a static token of kind k that is not stored yet
 * (the console's token form): portal_id may be NULL (learned by
 * introspection); nothing is written, neither the link's status nor its
 * portal. XH_OK when the check ran, as hubspot_check.
 */
enum xh_err hubspot_check_token(struct job_ctx *ctx, long long link_id, enum hubspot_kind kind,
                                const char *token, const char *portal_id,
                                struct hubspot_check *out);
/*
 * Stores name as link_id's hubspot_portal_name when the link is for
 * portal_id or has no portal yet; nothing when name or portal_id is NULL.
 * HubSpot's API has no display name for a portal: the name is the domain
 * the token introspection gives (hub_domain). XH_OK, or XH_ERR_DB with
 * ctx->msg.
 */
enum xh_err hubspot_keep_portal_name(struct job_ctx *ctx, long long link_id, const char *portal_id,
                                     const char *name);
/*
 * Learns and stores the portal's name for link_id from token, a token just
 * stored (NULL: the link's stored one, unless it expires within a minute:
 * no refresh for a name): one introspection on the token endpoint (outside the CRM
 * rate limits), only when the app's client id and secret are known. HubSpot's silence or refusal
 * changes nothing (the check says what is wrong); XH_OK unless the database failed (XH_ERR_DB,
 * ctx->msg).
 */
enum xh_err hubspot_learn_portal_name(struct job_ctx *ctx, long long link_id, const char *token);
/* Writes the result in plain words, one fact a line. */
void hubspot_check_print(const struct hubspot_check *c, FILE *out);

#endif
