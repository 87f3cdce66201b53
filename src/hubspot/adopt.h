/*
 * adopt.h: two read-side HubSpot jobs of the CRM client.
 *
 * hubspot.adopt {"object": name}: finds every record of the object in the
 *   portal that carries a Xero id (search, HAS_PROPERTY on xero_contact_id,
 *   xero_invoice_id, ...) and records the ones hubspot_ref does not know
 *   (hubspot_id set, no pushed hash, so the next push writes them by upsert
 *   instead of creating). For a portal written before, or a database
 *   restored from an old backup. Counts go to an audit_event
 *   (hubspot.adopt).
 * hubspot.properties {"objects": [name, ...], "max_age_s": N}: refreshes
 *   the link's cached property definitions (hubspot_property_cache) of
 *   each object older than max_age_s (default 0: always read).
 */
#ifndef XH_HUBSPOT_ADOPT_H
#define XH_HUBSPOT_ADOPT_H

#include "job.h"

/* Job handlers; see job.h for the outcome conventions. */
enum xh_err hubspot_adopt(struct job_ctx *ctx);
enum xh_err hubspot_properties(struct job_ctx *ctx);

/*
 * adopt_match.c: on the first push of the job's link, adopts the portal's
 * companies without a Xero id that match one Xero contact by match_key
 * (domain|name|contact_number|none) and lists every ambiguous match as a
 * conflict (sync_conflict); then marks the link adopted
 * (link.hubspot_adopted_at). XH_OK with the counts, or the job's outcome.
 */
enum xh_err hubspot_adopt_match(struct job_ctx *ctx, const char *match_key, long long *adopted,
                                long long *conflicts);

#endif
