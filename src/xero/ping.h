/*
 * ping.h: the xero.ping diagnostic job: one GET Organisation for the
 * link's tenant with the link's credential, through the rate-limit gate.
 */
#ifndef XH_XERO_PING_H
#define XH_XERO_PING_H

#include "job.h"

/* Job handler; see job.h for the outcome conventions. */
enum xh_err xero_ping(struct job_ctx *ctx);

#endif
