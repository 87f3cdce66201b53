/*
 * hs_events.h: the hubspot.events job, which handles the HubSpot webhook
 * events the web intake stored for a link (hs_events.c).
 */
#ifndef XH_SYNC_HS_EVENTS_H
#define XH_SYNC_HS_EVENTS_H

#include "job.h"

/* Job handler of hubspot.events (no args; one job per link, unique). */
enum xh_err sync_hubspot_events(struct job_ctx *ctx);

#endif
