/*
 * link_common.c: what the HubSpot, test and bootstrap pages share (hubs.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "crypto.h"
#include "log.h"
#include "web/handlers/hubs.h"

enum link_sql {
	LQ_LINK, /* LQ_LINK */
	LQ__MAX
};

/* clang-format off */
static const struct xh_sql link_sql[LQ__MAX] = {
    /* LQ_LINK: the link and which credentials it holds (never their contents) */
    {"web_hubs_link",
     XH_SQL_IDEMPOTENT "SELECT l.name, l.status, l.status_reason, l.hubspot_portal_id::text,"
     " l.hubspot_portal_name, l.xero_tenant_name,"
     " (SELECT to_char(c.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"')"
     "  FROM credential c WHERE c.link_id = l.id AND c.vendor = 'hubspot' AND c.purpose = 'oauth'),"
     " EXISTS (SELECT 1 FROM credential c WHERE c.link_id = l.id AND c.vendor = 'hubspot'"
     "  AND c.purpose = 'client_secret'),"
     " EXISTS (SELECT 1 FROM credential c WHERE c.link_id = l.id AND c.vendor = 'xero'"
     "  AND c.purpose = 'oauth')"
     " FROM link l WHERE l.id = $1::bigint", 1},
};
/* clang-format on */

/* The value of column i, or NULL when it is NULL. */
static const char *
col(struct xh_arena *a, PGresult *res, int i)
{
	return PQgetisnull(res, 0, i) ? NULL : xh_strdup(a, PQgetvalue(res, 0, i));
}

int
web_link_load(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, struct web_link *l)
{
	const char *id = web_kv_get(&req->captures, "id");
	PGresult *res = NULL;
	char *end;

	memset(l, 0, sizeof(*l));
	errno = 0;
	if (id == NULL || strlen(id) > 18 || (l->id = strtoll(id, &end, 10)) <= 0 || *end != '\0' ||
	    errno != 0)
		return 404;
	l->id_text = xh_printf(req->arena, "%lld", l->id);
	if (xh_db_execv(ctx->db, &link_sql[LQ_LINK], &res, l->id_text) != XH_OK) {
		PQclear(res);
		resp->reason = "cannot read the link";
		return 500;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		return 404;
	}
	l->name = col(req->arena, res, 0);
	l->status = col(req->arena, res, 1);
	l->status_reason = col(req->arena, res, 2);
	l->portal_id = col(req->arena, res, 3);
	l->portal_name = col(req->arena, res, 4);
	l->tenant_name = col(req->arena, res, 5);
	l->hubspot_since = col(req->arena, res, 6);
	l->has_hubspot = l->hubspot_since != NULL;
	l->has_secret = PQgetvalue(res, 0, 7)[0] == 't';
	l->has_xero = PQgetvalue(res, 0, 8)[0] == 't';
	PQclear(res);
	return 0;
}

void
web_json_str(struct json_object *o, const char *k, const char *v)
{
	if (v != NULL)
		json_object_object_add(o, k, json_object_new_string(v));
}

struct json_object *
web_link_json(const struct web_link *l)
{
	struct json_object *o = json_object_new_object();
	char label[64];
	size_t i;

	snprintf(label, sizeof(label), "%s", l->status);
	for (i = 0; label[i] != '\0'; i++)
		if (label[i] == '_')
			label[i] = ' ';
	web_json_str(o, "id", l->id_text);
	web_json_str(o, "name", l->name);
	web_json_str(o, "status", l->status);
	web_json_str(o, "status_label", label);
	web_json_str(o, "reason", l->status_reason);
	web_json_str(o, "portal_id", l->portal_id);
	web_json_str(o, "portal_name", l->portal_name);
	web_json_str(o, "tenant_name", l->tenant_name);
	web_json_str(o, "hubspot_since", l->hubspot_since);
	json_object_object_add(o, "has_hubspot", json_object_new_boolean(l->has_hubspot));
	json_object_object_add(o, "has_secret", json_object_new_boolean(l->has_secret));
	json_object_object_add(o, "has_xero", json_object_new_boolean(l->has_xero));
	return o;
}

/* The keyring of this web child: read at first use, kept until exit. */
static struct xh_keyring keyring;
static int keyring_state; /* 0 not read, 1 read, -1 unreadable */

const struct xh_keyring *
web_keyring(struct web_ctx *ctx)
{
	char err[256];

	if (keyring_state == 0) {
		keyring_state = 1;
		if (xh_keyring_load(ctx->cfg->secrets.key_file, &keyring, err, sizeof(err))) {
			xh_log(XH_LOG_ERROR, "web.keyring", "error", err, NULL);
			keyring_state = -1;
		}
	}
	return keyring_state > 0 ? &keyring : NULL;
}

int
web_run_open(struct web_ctx *ctx, struct web_resp *resp, long long link_id, struct job_local *run)
{
	const struct xh_keyring *kr = web_keyring(ctx);

	if (kr == NULL) {
		resp->reason = "the key file cannot be read";
		return 500;
	}
	if (job_local_open(run, ctx->cfg, ctx->db, kr, link_id, WEB_VENDOR_TIMEOUT_MS, "web") !=
	    XH_OK) {
		resp->reason = "cannot make an HTTP client";
		return 500;
	}
	return 0;
}

const char *
web_session_hash(struct web_req *req)
{
	unsigned char d[XH_SHA256_LEN];

	xh_sha256(req->session->token, strlen(req->session->token), d);
	return xh_hex(req->arena, d, sizeof(d));
}

const char *
web_scope_alts(struct xh_arena *a, const char *const *alt)
{
	const char *out = alt[0] != NULL ? alt[0] : "";

	for (int i = 1; alt[i] != NULL; i++)
		out = xh_printf(a, "%s or %s", out, alt[i]);
	return out;
}
