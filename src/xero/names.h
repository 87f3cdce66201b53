/*
 * names.h: the Xero organisation's name of a link made without one
 * (`xhsync link add` with `xhsync credential set`, as ./dev demo does),
 * for the console's cards and pages. It is filled the first time the
 * link's Xero side is used, from a call that returns it anyway: the
 * connection test's GET Organisation, or the first poll's GET /connections,
 * which is tenantless and counts against no organisation's limits
 * (XERO.md section 1.3). Pages only read link.xero_tenant_name: no page
 * view makes a Xero call.
 */
#ifndef XH_XERO_NAMES_H
#define XH_XERO_NAMES_H

#include "job.h"

/*
 * Stores name (not NULL, not "") as link_id's xero_tenant_name. XH_OK, or
 * XH_ERR_DB with ctx->msg.
 */
enum xh_err xero_keep_name(struct job_ctx *ctx, long long link_id, const char *name);
/*
 * When link_id has no organisation name yet: one GET /connections with the
 * link's token, and the name (and connection id, when the link has none)
 * of its organisation stored. Xero's silence or refusal changes nothing
 * (the pull that follows meets and reports the same problem), and
 * ctx->msg and ctx->snooze_ms are left as they were. XH_OK unless the
 * database failed (XH_ERR_DB, ctx->msg).
 */
enum xh_err xero_learn_name(struct job_ctx *ctx, long long link_id);

#endif
