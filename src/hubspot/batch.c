/*
 * batch.c: batch upsert, create, update, read and archive over as many
 * calls as the plan needs (HUBSPOT.md 2, 2.1). A create that finds its
 * record existing (a run that died after HubSpot accepted it) reads the
 * record by its unique property and updates it in place, so a rerun never
 * duplicates.
 */
#include <string.h>

#include "hubspot/crm.h"

/* Every member gets the call's error (a 400, 404 ... for the whole call). */
static void
fail_members(struct hs_input *in, const int *members, int m, const struct hs_answer *ans,
             enum hs_result r)
{
	for (int i = 0; i < m; i++)
		in[members[i]].out = (struct hs_outcome){.r = r,
		                                         .status = ans->resp.status,
		                                         .category = ans->err.category,
		                                         .message = ans->err.message,
		                                         .context = ans->err.context};
}

/* One call of op over in[members[0..m-1]]. */
static enum xh_err
one_call(struct hs_client *c, enum hs_object o, enum hs_op op, struct hs_input *in,
         const int *members, int m)
{
	const struct hs_object_info *info = hs_object(o);
	struct xh_arena *a = c->ctx->arena;
	char *body = hs_batch_body(a, info, op, in, members, m);
	char *path = xh_printf(a, "/crm/v3/objects/%s/batch/%s", info->path, hs_op_name(op));
	struct hs_answer ans;
	enum xh_err err;

	if (body == NULL)
		return job_error(c->ctx, XH_ERR_INVAL, "%s %s: an input lacks its key or id",
		                 info->name, hs_op_name(op));
	if ((err = hs_call(c, "POST", path, body, 0, &ans)) != XH_OK)
		return err;
	c->calls[o][op]++;
	if (ans.v == HS_V_OK && op == HS_ARCHIVE) {
		for (int i = 0; i < m; i++)
			in[members[i]].out = (struct hs_outcome){
			    .r = HS_R_OK, .hubspot_id = (char *)in[members[i]].id};
		return XH_OK;
	}
	if (ans.v == HS_V_OK) {
		if (hs_batch_parse(a, info, op, ans.resp.body, ans.resp.body_len, in, members, m))
			return job_error(
			    c->ctx, XH_ERR_TRANSIENT,
			    "HubSpot answered %d to %s with a body that is not a batch "
			    "response",
			    ans.resp.status, path);
		return XH_OK;
	}
	fail_members(in, members, m, &ans, ans.v == HS_V_CONFLICT ? HS_R_CONFLICT : HS_R_FAILED);
	return XH_OK;
}

/* Runs op over the inputs whose outcome is pending, in planned calls. */
static enum xh_err
run_planned(struct hs_client *c, enum hs_object o, enum hs_op op, struct hs_input *in, int n)
{
	struct xh_arena *a = c->ctx->arena;
	int *call = xh_alloc(a, sizeof(int) * (size_t)(n + 1));
	int *members = xh_alloc(a, sizeof(int) * (size_t)(n + 1));
	int ncalls = hs_plan_calls(in, n, hs_object(o)->fold_case, HS_BATCH_MAX, call);
	enum xh_err err;

	for (int k = 0; k < ncalls; k++) {
		int m = 0;

		for (int i = 0; i < n; i++)
			if (call[i] == k)
				members[m++] = i;
		if ((err = one_call(c, o, op, in, members, m)) != XH_OK)
			return err;
	}
	return XH_OK;
}

/*
 * Creates that conflicted: read each record by its key, then write the
 * input's properties onto it by id. The association made with the create
 * that won is already there.
 */
static enum xh_err
resolve_conflicts(struct hs_client *c, enum hs_object o, struct hs_input *in, int n)
{
	struct xh_arena *a = c->ctx->arena;
	struct hs_input *rd = xh_alloc(a, sizeof(*rd) * (size_t)(n + 1));
	int *back = xh_alloc(a, sizeof(int) * (size_t)(n + 1)), k = 0, u = 0;
	enum xh_err err;

	for (int i = 0; i < n; i++)
		if (in[i].out.r == HS_R_CONFLICT) {
			rd[k] = (struct hs_input){.key = in[i].key};
			back[k++] = i;
		}
	if (k == 0)
		return XH_OK;
	if ((err = run_planned(c, o, HS_READ, rd, k)) != XH_OK)
		return err;
	for (int j = 0; j < k; j++) {
		struct hs_input *x = &in[back[j]];

		if (rd[j].out.r != HS_R_OK) {
			x->out = rd[j].out;
			x->out.r = HS_R_RETRY;
			continue;
		}
		rd[u] = (struct hs_input){.id = rd[j].out.hubspot_id, .props = x->props};
		back[u++] = back[j];
	}
	if ((err = run_planned(c, o, HS_UPDATE, rd, u)) != XH_OK)
		return err;
	for (int j = 0; j < u; j++)
		in[back[j]].out = rd[j].out;
	return XH_OK;
}

enum xh_err
hs_batch(struct hs_client *c, enum hs_object o, enum hs_op op, struct hs_input *in, int n)
{
	enum xh_err err;

	if (hs_object(o) == NULL || hs_op_name(op) == NULL || n < 0)
		return job_error(c->ctx, XH_ERR_INVAL, "hs_batch: bad object or op");
	for (int i = 0; i < n; i++)
		in[i].out = (struct hs_outcome){.r = HS_R_PENDING};
	if ((err = run_planned(c, o, op, in, n)) != XH_OK)
		return err;
	return op == HS_CREATE ? resolve_conflicts(c, o, in, n) : XH_OK;
}
