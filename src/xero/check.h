/*
 * check.h: the console's Xero connection test: does the link's Xero
 * sign-in work, which organisation it reaches, and may it read what the
 * sync reads (XERO.md sections 1.5 and 2.6).
 *
 * At most four Accounting API calls through the link's own token and the
 * shared rate-limit gate (xero/api.h): one-record reads of Contacts,
 * Invoices and Payments (each needs its scope: a 401
 * AuthorizationUnsuccessful names a missing one), then Organisation for
 * the organisation's name (a 401 there only costs the name: the granular
 * scope set has no accounting.settings.read). Only that name is written,
 * as the link's xero_tenant_name (names.h).
 */
#ifndef XH_XERO_CHECK_H
#define XH_XERO_CHECK_H

#include "job.h"

/* The verdict, in the order the page tells them. */
enum xero_check_state {
	XC_WORKS,         /* XC_WORKS: every read works */
	XC_SCOPES,        /* XC_SCOPES: signed in, but some reads lack their scope */
	XC_EXPIRED,       /* XC_EXPIRED: Xero says the access token expired */
	XC_REVOKED,       /* XC_REVOKED: Xero refuses the sign-in: revoked or unused 60 days */
	XC_DISCONNECTED,  /* XC_DISCONNECTED: the organisation is no longer connected to the app */
	XC_NOT_CONNECTED, /* XC_NOT_CONNECTED: the link has no Xero sign-in */
	XC_ERROR,         /* XC_ERROR: Xero could not be asked (network, limits, answers) */
	XC__MAX
};

/* One read the sync needs and the scope it takes. */
struct xero_check_need {
	const char *path;  /* the probe, under /api.xro/2.0/ */
	const char *scope; /* what to grant, in Xero's words */
	const char *why;   /* what it is for, in plain words */
};

/* The result, strings in ctx->arena. */
struct xero_check {
	enum xero_check_state state;
	char *org_name;                         /* the organisation's name, or NULL */
	const struct xero_check_need **missing; /* NULL-terminated */
	int nmissing;
	char *problem; /* what is wrong, in plain words; NULL when it works */
	int calls;     /* Xero calls made */
};

/*
 * The Detail member of a Xero problem answer (401/403: "TokenExpired: ...",
 * "AuthenticationUnsuccessful", "AuthorizationUnsuccessful"), or "" when
 * body is not one. Pure (check_wire.c); in the arena.
 */
const char *xero_problem_detail(struct xh_arena *a, const char *body, size_t len);
/*
 * Organisations[0].Name of a GET Organisation answer (at most
 * XERO_ORG_NAME_MAX bytes, valid UTF-8), or NULL when there is none. Pure.
 */
#define XERO_ORG_NAME_MAX 500
char *xero_org_name(struct xh_arena *a, const char *body, size_t len);

/*
 * Runs the test for link_id. XH_OK when it ran (the verdict is in out);
 * XH_ERR_DB when the database failed, with ctx->msg set.
 */
enum xh_err xero_check(struct job_ctx *ctx, long long link_id, struct xero_check *out);

#endif
