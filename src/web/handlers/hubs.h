/*
 * hubs.h: what the console's HubSpot connect, connection test and
 * bootstrap pages share (link_common.c): the link a /links/{id}/... URL
 * names, the process's keyring, and foreground runs of the vendor code
 * (job_local.h) with a deadline short enough for a page.
 */
#ifndef XH_WEB_HUBS_H
#define XH_WEB_HUBS_H

#include <json-c/json.h>

#include "job_local.h"
#include "web/web.h"

/* A vendor call made while a page waits: well inside nginx's 30 s. */
#define WEB_VENDOR_TIMEOUT_MS 20000

/* A link as these pages show it; strings in the request arena. */
struct web_link {
	long long id;
	const char *id_text;
	const char *name, *status, *status_reason;
	const char *portal_id, *portal_name;   /* NULL if not known */
	const char *tenant_name;               /* NULL if not known */
	int has_hubspot, has_secret, has_xero; /* credentials stored */
	const char *hubspot_since;             /* when the HubSpot credential was stored */
};

/*
 * Loads the link of the {id} capture. 0 when found; 404 for no such
 * link or a malformed id; 500 when the database fails (resp->reason set).
 */
int web_link_load(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp,
                  struct web_link *l);
/* {"id", "name", "status", "status_label", "reason", "portal_id", ...} for templates. */
struct json_object *web_link_json(const struct web_link *l);
/*
 * Opens a foreground run for link_id with the keyring and
 * WEB_VENDOR_TIMEOUT_MS. 0, or 500 with resp->reason set.
 */
int web_run_open(struct web_ctx *ctx, struct web_resp *resp, long long link_id,
                 struct job_local *run);
/* Hex SHA-256 of the session token (oauth_flow.session_hash), in the arena. */
const char *web_session_hash(struct web_req *req);
/* A scope need's alternatives in words: "a or b" (alt NULL-terminated), in the arena. */
const char *web_scope_alts(struct xh_arena *a, const char *const *alt);
/* Adds string v under k when v is not NULL. */
void web_json_str(struct json_object *o, const char *k, const char *v);

#endif
