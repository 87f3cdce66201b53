/*
 * errors.c: what a HubSpot answer means (HUBSPOT.md 4 "Status codes",
 * "429 bodies"; examples/errors.json). Pure.
 */
#include <string.h>

#include "hubspot/crm.h"

static const char *const verdict_names[HS_V__MAX] = {
    "ok",        /* HS_V_OK */
    "invalid",   /* HS_V_INVALID */
    "auth",      /* HS_V_AUTH */
    "scopes",    /* HS_V_SCOPES */
    "not_found", /* HS_V_NOTFOUND */
    "conflict",  /* HS_V_CONFLICT */
    "locked",    /* HS_V_LOCKED */
    "rate",      /* HS_V_RATE */
    "daily",     /* HS_V_DAILY */
    "migrating", /* HS_V_MIGRATING */
    "transient", /* HS_V_TRANSIENT */
    "permanent", /* HS_V_PERMANENT */
};

/* Statuses with a verdict of their own; everything else by class. */
static const struct {
	int status;
	enum hs_verdict v;
} status_table[] = {
    {0, HS_V_TRANSIENT},   /* no response: timeout or transport */
    {400, HS_V_INVALID},   /* validation */
    {401, HS_V_AUTH},      /* INVALID_AUTHENTICATION */
    {403, HS_V_SCOPES},    /* MISSING_SCOPES */
    {404, HS_V_NOTFOUND},  /* OBJECT_NOT_FOUND */
    {408, HS_V_TRANSIENT}, /* request timeout */
    {409, HS_V_CONFLICT},  /* CONFLICT */
    {423, HS_V_LOCKED},    /* locked for 2 s */
    {429, HS_V_RATE},      /* see policyName */
    {477, HS_V_MIGRATING}, /* migration in progress, Retry-After */
    {501, HS_V_PERMANENT}, /* not implemented */
};

const char *
hs_verdict_name(enum hs_verdict v)
{
	return (unsigned)v < HS_V__MAX ? verdict_names[v] : NULL;
}

static char *
dup_str(struct xh_arena *a, json_object *o, const char *name)
{
	json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return xh_strdup(a, json_object_get_string(v));
}

void
hs_error_parse(struct xh_arena *a, const char *body, size_t len, struct hs_error *e)
{
	json_tokener *tok = json_tokener_new();
	json_object *root = NULL, *ctx;

	memset(e, 0, sizeof(*e));
	if (tok != NULL && body != NULL && len > 0 && len <= (size_t)XH_HTTP_BODY_MAX)
		root = json_tokener_parse_ex(tok, body, (int)len);
	if (root != NULL && json_object_is_type(root, json_type_object)) {
		e->category = dup_str(a, root, "category");
		if (e->category == NULL)
			e->category = dup_str(a, root, "errorType");
		e->message = dup_str(a, root, "message");
		e->policy = dup_str(a, root, "policyName");
		e->sub_category = dup_str(a, root, "subCategory");
		if (json_object_object_get_ex(root, "context", &ctx) &&
		    json_object_is_type(ctx, json_type_object))
			e->context = xh_strdup(
			    a, json_object_to_json_string_ext(ctx, JSON_C_TO_STRING_PLAIN));
	}
	json_object_put(root);
	if (tok != NULL)
		json_tokener_free(tok);
}

enum hs_verdict
hs_classify(int status, const struct hs_error *e)
{
	for (size_t i = 0; i < XH_NELEM(status_table); i++) {
		if (status_table[i].status != status)
			continue;
		if (status == 429 && e != NULL && e->policy != NULL &&
		    strcmp(e->policy, "DAILY") == 0)
			return HS_V_DAILY;
		return status_table[i].v;
	}
	if (status >= 200 && status < 300)
		return HS_V_OK;
	if (status >= 500 && status < 600)
		return HS_V_TRANSIENT;
	return HS_V_PERMANENT;
}
