/*
 * check.c: the console's Xero connection test (check.h).
 */
#include <stdio.h>
#include <string.h>

#include "xero/api.h"
#include "xero/check.h"
#include "xero/names.h"

enum xcheck_sql {
	XQ_LINK, /* XQ_LINK */
	XQ__MAX
};

static const struct xh_sql xcheck_sql[XQ__MAX] = {
    /* XQ_LINK: does the link have a Xero sign-in, and does it need reconnecting now */
    {"xero_check_link",
     XH_SQL_IDEMPOTENT
     "SELECT EXISTS (SELECT 1 FROM credential c WHERE c.link_id = l.id"
     " AND c.vendor = 'xero' AND c.purpose = 'oauth'), l.status = 'needs_reconnect'"
     " FROM link l WHERE l.id = $1::bigint",
     1},
};

/* The reads the sync makes, cheapest form (one record a page). */
static const struct xero_check_need needs[] = {
    {"Contacts?page=1&pageSize=1", "accounting.contacts.read", "read customers (Contacts)"},
    {"Invoices?page=1&pageSize=1", "accounting.invoices.read or accounting.transactions.read",
     "read sales invoices, credit notes and items"},
    {"Payments?page=1&pageSize=1", "accounting.payments.read or accounting.transactions.read",
     "read payments"},
};

/* Link state: 1 has a credential, *reconnect set; 0 none; -1 database error. */
static int
link_state(struct job_ctx *ctx, long long link_id, int *reconnect)
{
	PGresult *res = NULL;
	char id[24];
	int have = 0;

	snprintf(id, sizeof(id), "%lld", link_id);
	if (xh_db_execv(ctx->db, &xcheck_sql[XQ_LINK], &res, id) != XH_OK) {
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) == 1) {
		have = PQgetvalue(res, 0, 0)[0] == 't';
		*reconnect = PQgetvalue(res, 0, 1)[0] == 't';
	}
	PQclear(res);
	return have;
}

/* Sets the verdict and its words; returns 0 (stop probing). */
static int
verdict(struct xero_check *c, enum xero_check_state st, char *problem)
{
	c->state = st;
	c->problem = problem;
	return 0;
}

/*
 * What a failed call means. Returns 1 when the test goes on (a missing
 * scope), 0 when the verdict is set.
 */
static int
judge(struct job_ctx *ctx, long long link_id, struct xero_check *c, enum xh_err err,
      const struct xh_http_resp *r, const struct xero_check_need *n)
{
	const char *d = xero_problem_detail(ctx->arena, r->body, r->body_len);
	int reconnect = 0;

	if (r->status == 401 && strcmp(d, "AuthorizationUnsuccessful") == 0) {
		if (n !=
		    NULL) /* else Organisation: no accounting.settings.read costs the name only */
			c->missing[c->nmissing++] = n;
		return 1;
	}
	if (r->status == 401 && strncmp(d, "TokenExpired", 12) == 0)
		return verdict(c, XC_EXPIRED,
		               "Xero says the link's access token has expired and it could not be "
		               "renewed. Reconnect Xero to sign in again.");
	if (r->status == 401)
		return verdict(c, XC_REVOKED,
		               "Xero no longer accepts the link's sign-in: access was revoked in "
		               "Xero, or another sign-in replaced it. Reconnect Xero.");
	if (r->status == 403)
		return verdict(c, XC_DISCONNECTED,
		               "Xero says this organisation is no longer connected to xhsync (it "
		               "was disconnected in Xero). Reconnect Xero and choose it again.");
	if (r->status == 0 && link_state(ctx, link_id, &reconnect) >= 0 && reconnect)
		return verdict(c, XC_REVOKED,
		               xh_printf(ctx->arena,
		                         "Xero refused to renew the link's sign-in (%s). It was "
		                         "revoked, or not used for 60 days. Reconnect Xero.",
		                         ctx->msg));
	if (err == XH_ERR_BUSY)
		return verdict(c, XC_ERROR,
		               "Xero's call limit for this organisation is used up for the moment. "
		               "Try the test again in a minute.");
	return verdict(c, XC_ERROR,
	               xh_printf(ctx->arena,
	                         "Xero could not be asked: %s. Try again; if it goes "
	                         "on, look at the worker's log.",
	                         ctx->msg[0] != '\0' ? ctx->msg : "no answer"));
}

/* One read; 1 it worked, 0 it did not (judged). */
static int
probe(struct job_ctx *ctx, long long link_id, struct xero_check *c, const char *path,
      const struct xero_check_need *n, struct xh_http_resp *r)
{
	enum xh_err err;

	memset(r, 0, sizeof(*r));
	ctx->msg[0] = '\0';
	err = xero_api_get(ctx, link_id, path, NULL, r);
	if (r->status > 0)
		c->calls++;
	if (err == XH_OK)
		return 1;
	judge(ctx, link_id, c, err, r, n);
	return 0;
}

enum xh_err
xero_check(struct job_ctx *ctx, long long link_id, struct xero_check *c)
{
	struct xh_http_resp r;
	int reconnect = 0, have;
	size_t i;

	memset(c, 0, sizeof(*c));
	c->missing = xh_alloc(ctx->arena, (XH_NELEM(needs) + 1) * sizeof(*c->missing));
	memset(c->missing, 0, (XH_NELEM(needs) + 1) * sizeof(*c->missing));
	if ((have = link_state(ctx, link_id, &reconnect)) < 0)
		return job_error(ctx, XH_ERR_DB, "reading the link: %s", xh_db_error(ctx->db));
	if (!have) {
		verdict(c, XC_NOT_CONNECTED,
		        "This link has no Xero sign-in yet. Connect Xero first.");
		return XH_OK;
	}
	for (i = 0; i < XH_NELEM(needs); i++)
		if (!probe(ctx, link_id, c, needs[i].path, &needs[i], &r) && c->problem != NULL)
			return XH_OK;
	if ((size_t)c->nmissing == XH_NELEM(needs))
		c->problem =
		    "Xero accepts the sign-in but lets xhsync read none of customers, "
		    "invoices or payments. Reconnect Xero and allow every permission asked.";
	if (probe(ctx, link_id, c, "Organisation", NULL, &r))
		c->org_name = xero_org_name(ctx->arena, r.body, r.body_len);
	if (xero_keep_name(ctx, link_id, c->org_name) != XH_OK)
		return XH_ERR_DB;
	if (c->state == XC_WORKS && c->nmissing > 0) {
		c->state = XC_SCOPES;
		if (c->problem == NULL)
			c->problem =
			    "Xero accepts the sign-in, but some permissions the sync needs were "
			    "not granted. Reconnect Xero and allow them.";
	}
	return XH_OK;
}
