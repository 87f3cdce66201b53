/*
 * bootstrap.h: the HubSpot property bootstrap (DESIGN.md section 10):
 * `xhsync hubspot bootstrap LINK` and the hubspot.bootstrap job.
 *
 * The `xero` property group on each object used, and the custom
 * properties the default mapping writes (issue 11): unique-value ids
 * xero_contact_id (companies), xero_invoice_id (invoices),
 * xero_line_item_id (line items) and xero_item_id (products); contacts are
 * keyed by HubSpot's own unique `email`, with a plain xero_contact_id
 * beside it; status, amounts, balances and deep links. The spec is one
 * table (bootstrap_spec.c).
 *
 * Safe to run any number of times. Per object: one batch read of the
 * spec's names; when everything is there, that is all. A property that
 * exists with another type, or is not unique where we need unique, is a
 * conflict: it is reported and nothing is created for that object (never
 * overwritten). Otherwise the group is created (409: it exists) and the
 * missing properties in one batch create. So a first run costs 3 calls
 * per object, a second 1.
 *
 * The result is stored on the link (hubspot_bootstrap, with the portal it
 * was checked against, and hubspot_bootstrap_at), and pushes ask
 * hubspot_bootstrap_ok() before writing.
 */
#ifndef XH_HUBSPOT_BOOTSTRAP_H
#define XH_HUBSPOT_BOOTSTRAP_H

#include <stdio.h>

#include "arena.h"
#include "db.h"
#include "job.h"
#include "xh.h"

#define HUBSPOT_GROUP "xero"

/* One object the bootstrap prepares. */
struct hubspot_bs_object {
	const char *object; /* hubspot_object (sql/0001_init.sql): "company" */
	const char *path;   /* the API's object type: "companies" */
};

/* One property the default mapping needs. */
struct hubspot_prop_spec {
	const char *object; /* hubspot_object */
	const char *name;
	const char *label;
	const char *type;  /* string, number, date */
	const char *field; /* fieldType: text, number, date */
	int unique;        /* must have hasUniqueValue */
	int builtin;       /* HubSpot's own (contact email): checked, never created */
	const char *description;
};

const struct hubspot_bs_object *hubspot_bs_objects(int *n);
const struct hubspot_prop_spec *hubspot_prop_specs(int *n);

/* A property as the portal has it. */
struct hubspot_prop_found {
	char *name;
	char *type;
	int unique;
};

/* {"archived": false, "inputs": [{"name": ...}]} for the object's spec names. */
char *hubspot_bs_read_body(struct xh_arena *a, const char *object);
/*
 * Reads results[] of a properties answer (batch read or create; missing
 * names are not results). XH_ERR_INVAL if the body is not such an answer.
 */
enum xh_err hubspot_bs_parse_props(struct xh_arena *a, const char *body, size_t len,
                                   struct hubspot_prop_found **out, int *n);
/* Reads errors[] of a batch create: the names refused and HubSpot's messages. */
enum xh_err hubspot_bs_parse_errors(struct xh_arena *a, const char *body, size_t len, char ***names,
                                    char ***messages, int *n);
/* Why the portal's property f conflicts with spec s, or NULL when it fits. */
const char *hubspot_bs_conflict(struct xh_arena *a, const struct hubspot_prop_spec *s,
                                const struct hubspot_prop_found *f);
/* The group's create body. */
const char *hubspot_bs_group_body(void);
/* {"inputs": [PropertyCreate...]} for specs[0..n-1] (none builtin). */
char *hubspot_bs_create_body(struct xh_arena *a, const struct hubspot_prop_spec *const *specs,
                             int n);

/* What happened to one property. */
enum hubspot_bs_state {
	BS_EXISTS,   /* BS_EXISTS: there and fitting; left alone */
	BS_CREATED,  /* BS_CREATED: created now */
	BS_CONFLICT, /* BS_CONFLICT: there, but of another type or not unique */
	BS_MISSING,  /* BS_MISSING: not there; not created (its object has a conflict) */
	BS_FAILED,   /* BS_FAILED: HubSpot refused to create it */
	BS__MAX
};

struct hubspot_bs_line {
	const struct hubspot_prop_spec *spec;
	enum hubspot_bs_state state;
	const char *why; /* for conflicts and failures, in plain words */
};

/* A run's result, in ctx->arena. */
struct hubspot_bootstrap {
	char *portal_id;
	struct hubspot_bs_line *lines; /* one per spec, in spec order */
	int n;
	int calls;    /* HubSpot calls made */
	int problems; /* conflicts and failures */
};

/*
 * Runs the bootstrap for link_id and stores the result on the link.
 * XH_OK when it ran to the end (out->problems may be > 0); else the job
 * outcome with ctx->msg set (credential, transport or HubSpot errors).
 */
enum xh_err hubspot_bootstrap_run(struct job_ctx *ctx, long long link_id,
                                  struct hubspot_bootstrap *out);
/* Writes one line per property and a summary. */
void hubspot_bootstrap_print(const struct hubspot_bootstrap *b, FILE *out);
/*
 * *ok = 1 if the link's last bootstrap found object (a hubspot_object)
 * complete on the portal the link has now; 0 if never bootstrapped, not
 * complete, or checked against another portal.
 */
enum xh_err hubspot_bootstrap_ok(struct xh_db *db, long long link_id, const char *object, int *ok);
/* The hubspot.bootstrap job: permanent failure when a property conflicts. */
enum xh_err hubspot_bootstrap_job(struct job_ctx *ctx);

#endif
