/*
 * api.h: one call to the Xero Accounting API on behalf of a job's link,
 * with the link's access token (refreshed first when it is about to
 * expire, xero/token.h) and tenant, through the rate-limit gate.
 */
#ifndef XH_XERO_API_H
#define XH_XERO_API_H

#include "http.h"
#include "job.h"

/*
 * GET {[xero] api_url}/api.xro/2.0/{path_query} for link_id, accepting
 * JSON; extra is one more header line ("If-Modified-Since: ...") or NULL.
 * The outcome is xh_http_job_call's, plus the token errors of
 * xero_access_token; a credential without a tenant is XH_ERR_PERMANENT.
 */
enum xh_err xero_api_get(struct job_ctx *ctx, long long link_id, const char *path_query,
                         const char *extra, struct xh_http_resp *resp);

#endif
