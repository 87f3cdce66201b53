/*
 * job_local.h: a job context for running vendor code in the foreground,
 * outside the worker: `xhsync hubspot test` and the console's connection
 * test and bootstrap. The code it runs is the workers' own (token leases,
 * the rate-limit gate in PostgreSQL), so a foreground call shares every
 * limit with the workers; only the deadline is the caller's.
 */
#ifndef XH_JOB_LOCAL_H
#define XH_JOB_LOCAL_H

#include "job.h"

struct xh_keyring;

/* The pieces of one foreground run; fill with job_local_open. */
struct job_local {
	struct xh_arena *arena; /* everything the run allocates; wiped at close */
	struct job job;         /* kind "local", the link, args {} */
	struct job_ctx ctx;     /* what the vendor code gets */
};

/*
 * Opens a run for link_id on db (no transaction open) with the keyring kr
 * (kept by the caller), an HTTP client named name and a deadline
 * timeout_ms from now. XH_ERR_NOMEM if the HTTP client cannot be made.
 */
enum xh_err job_local_open(struct job_local *r, const struct xh_config *cfg, struct xh_db *db,
                           const struct xh_keyring *kr, long long link_id, long long timeout_ms,
                           const char *name);
/* Frees the HTTP client and wipes and frees the arena (tokens were in it). */
void job_local_close(struct job_local *r);

#endif
