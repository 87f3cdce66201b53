/*
 * job_local.c: foreground runs of vendor code (job_local.h).
 */
#include <string.h>

#include "http.h"
#include "job_local.h"

enum xh_err
job_local_open(struct job_local *r, const struct xh_config *cfg, struct xh_db *db,
               const struct xh_keyring *kr, long long link_id, long long timeout_ms,
               const char *name)
{
	memset(r, 0, sizeof(*r));
	r->arena = xh_arena_new();
	r->job.kind = "local";
	r->job.link_id = link_id;
	r->job.args = "{}";
	r->job.attempt = 1;
	r->job.max_attempts = 1;
	r->ctx.job = &r->job;
	r->ctx.db = db;
	r->ctx.cfg = cfg;
	r->ctx.keys = kr;
	r->ctx.arena = r->arena;
	r->ctx.deadline_ms = xh_now_ms() + timeout_ms;
	r->ctx.http = xh_http_new(cfg, db, name);
	if (r->ctx.http == NULL) {
		xh_arena_free(r->arena);
		r->arena = NULL;
		return XH_ERR_NOMEM;
	}
	return XH_OK;
}

void
job_local_close(struct job_local *r)
{
	xh_http_free(r->ctx.http);
	r->ctx.http = NULL;
	if (r->arena != NULL)
		xh_arena_free_wipe(r->arena);
	r->arena = NULL;
}
