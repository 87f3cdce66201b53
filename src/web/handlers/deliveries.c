/*
 * deliveries.c: GET /deliveries, the webhook delivery log (what `xhsync
 * webhook log` prints): the newest deliveries of both vendors or of one,
 * verified or refused, with the events a verified one carried, the links
 * they were for and the jobs they made; a refused one shows the start of
 * its body (escaped, like everything). Keyset paged by id, newest first:
 * ?vendor=xero|hubspot&before=ID.
 */
#include <string.h>

#include <json-c/json.h>
#include <libpq-fe.h>

#include "web/handlers/health_common.h"
#include "web/web.h"

#define DELIVERIES_PAGE 50

enum deliveries_sql {
	DELIVERIES_LIST, /* DELIVERIES_LIST */
	DELIVERIES__MAX
};

/* The events of delivery d: a Xero body's events[], or a HubSpot event row each. */
#define DL_EVENTS                                                                                  \
	"(SELECT coalesce(json_agg(json_build_object("                                             \
	"  'what', coalesce(nullif(concat_ws(' ', x.e->>'eventCategory', x.e->>'eventType'), '')," \
	"   x.e->>'subscriptionType', ''), 'id', coalesce(x.e->>'resourceId', x.e->>'objectId'),"  \
	"  'tenant', coalesce(x.e->>'tenantId', x.e->>'portalId'))), '[]')"                        \
	" FROM (SELECT e FROM webhook_event w,"                                                    \
	"  LATERAL (SELECT convert_from(w.body, 'UTF8')::jsonb AS b) j,"                           \
	"  LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(j.b->'events') = 'array'"           \
	"   THEN j.b->'events' ELSE jsonb_build_array(j.b) END) e"                                 \
	"  WHERE w.delivery_id = d.id AND d.verified ORDER BY w.id LIMIT 20) x)"
/* The jobs of delivery d, with their state now ("removed" once pruned). */
#define DL_JOBS                                                                                    \
	"(SELECT coalesce(json_agg(json_build_object('id', u.id, 'kind', coalesce(j.kind, ''),"    \
	"  'state', coalesce(j.state, 'removed')) ORDER BY u.id), '[]')"                           \
	" FROM unnest(d.job_ids) u(id) LEFT JOIN job j ON j.id = u.id)"

/* clang-format off */
static const struct xh_sql deliveries_sql[DELIVERIES__MAX] = {
    /* DELIVERIES_LIST: $1 vendor or NULL, $2 before id or NULL, $3 page size + 1 */
    {"web_deliveries_list",
     XH_SQL_IDEMPOTENT
     "SELECT coalesce(json_agg(json_build_object('id', d.id, 'vendor', CASE d.vendor WHEN 'xero' THEN 'Xero' ELSE 'HubSpot' END,"
     "  'received', to_char(d.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"'),"
     "  'status', d.status, 'verified', d.verified, 'outcome', replace(d.outcome, '_', ' '),"
     "  'n_events', d.events, 'new_events', d.new_events, 'unknown', d.unknown,"
     "  'links', array_to_string(d.link_ids, ', '), 'sample', d.sample,"
     "  'events', " DL_EVENTS ", 'jobs', " DL_JOBS ") ORDER BY d.id DESC), '[]')::text"
     " FROM (SELECT * FROM webhook_delivery WHERE ($1::text IS NULL OR vendor::text = $1)"
     "  AND ($2::bigint IS NULL OR id < $2::bigint) ORDER BY id DESC LIMIT $3::int) d", 3},
};
/* clang-format on */

/* The ?vendor= filter: "xero", "hubspot" or NULL for both (anything else too). */
static const char *
vendor_filter(const struct web_req *req)
{
	const char *v = web_kv_get(&req->query_params, "vendor");

	return v != NULL && (strcmp(v, "xero") == 0 || strcmp(v, "hubspot") == 0) ? v : NULL;
}

/* Moves the page's extra row (there are older ones) into "older" and drops it. */
static void
add_paging(struct json_object *d, struct json_object *rows, const char *vendor)
{
	size_t n = json_object_array_length(rows);
	struct json_object *last;

	if (n <= DELIVERIES_PAGE)
		return;
	json_object_array_del_idx(rows, DELIVERIES_PAGE, n - DELIVERIES_PAGE);
	last = json_object_array_get_idx(rows, DELIVERIES_PAGE - 1);
	json_object_object_add(
	    d, "older",
	    json_object_new_string(json_object_get_string(json_object_object_get(last, "id"))));
	if (vendor != NULL)
		json_object_object_add(d, "older_vendor", json_object_new_string(vendor));
}

/* GET /deliveries (session): 200; a bad cursor is named on the page; 500 if the database fails. */
int
web_handle_deliveries(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	const char *vendor = vendor_filter(req), *before = web_kv_get(&req->query_params, "before");
	struct json_object *d = json_object_new_object(), *rows = NULL;
	PGresult *res = NULL;
	char lim[16];

	if (before != NULL && !health_id_valid(before)) {
		json_object_object_add(d, "bad_cursor", json_object_new_boolean(1));
		before = NULL;
	}
	snprintf(lim, sizeof(lim), "%d", DELIVERIES_PAGE + 1);
	if (xh_db_execv(ctx->db, &deliveries_sql[DELIVERIES_LIST], &res, vendor, before, lim) ==
	        XH_OK &&
	    PQntuples(res) == 1)
		rows = json_tokener_parse(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (rows == NULL) {
		json_object_put(d);
		resp->reason = "cannot read the delivery log";
		return 500;
	}
	add_paging(d, rows, vendor);
	json_object_object_add(d, "has_rows",
	                       json_object_new_boolean(json_object_array_length(rows) > 0));
	json_object_object_add(d, "deliveries", rows);
	json_object_object_add(d,
	                       vendor == NULL     ? "vendor_all"
	                       : vendor[0] == 'x' ? "vendor_xero"
	                                          : "vendor_hubspot",
	                       json_object_new_boolean(1));
	json_object_object_add(d, "paged", json_object_new_boolean(before != NULL));
	json_object_object_add(d, "public_url", /* the addresses to register */
	                       json_object_new_string(ctx->cfg->web.public_url));
	return web_page(ctx, req, resp, 200, "deliveries", "Webhook deliveries - xhsync", d);
}
