/*
 * ping.h: the hubspot.ping diagnostic job: one one-record read
 * (GET /crm/v3/objects/companies?limit=1) with the link's credential,
 * through the rate-limit gate.
 */
#ifndef XH_HUBSPOT_PING_H
#define XH_HUBSPOT_PING_H

#include "job.h"

/* Job handler; see job.h for the outcome conventions. */
enum xh_err hubspot_ping(struct job_ctx *ctx);

#endif
