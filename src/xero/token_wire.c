/*
 * token_wire.c: the pure parts of the Xero token refresh (token.h): the
 * token endpoint's answer, when to refresh, the new payload, and the
 * request's form body and client authentication.
 */
#include <json-c/json.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"
#include "json.h"
#include "token_lease.h"
#include "xero/token.h"

#define TOKEN_BODY_MAX (64 * 1024) /* a token answer is about 4 KiB */

/* 1 if s is 1..XERO_TOKEN_MAX visible ASCII characters (no space, no CR/LF). */
static int
token_ok(const char *s)
{
	return xh_token_chars_ok(s, XERO_TOKEN_MAX);
}

/* Fills out from a success answer; XH_ERR_INVAL if a field is missing or bad. */
static enum xh_err
parse_tokens(struct xh_arena *a, json_object *obj, struct xero_token_resp *out)
{
	const char *at, *rt, *type;
	json_object *v = NULL;
	long long exp;

	if (xh_json_str_member(obj, "access_token", &at) != 1 || !token_ok(at))
		return XH_ERR_INVAL;
	if (xh_json_str_member(obj, "token_type", &type) < 0 ||
	    (type != NULL && strcasecmp(type, "Bearer") != 0))
		return XH_ERR_INVAL;
	switch (xh_json_str_member(obj, "refresh_token", &rt)) {
	case -1:
		return XH_ERR_INVAL;
	case 1:
		if (!token_ok(rt))
			return XH_ERR_INVAL;
		out->refresh_token = xh_strdup(a, rt);
		break;
	default:
		break;
	}
	if (!json_object_object_get_ex(obj, "expires_in", &v) ||
	    !json_object_is_type(v, json_type_int))
		return XH_ERR_INVAL;
	exp = json_object_get_int64(v);
	if (exp < 1 || exp > XERO_EXPIRES_IN_MAX)
		return XH_ERR_INVAL;
	out->expires_in = exp;
	out->access_token = xh_strdup(a, at);
	return XH_OK;
}

enum xh_err
xero_token_parse(struct xh_arena *a, const char *body, size_t len, struct xero_token_resp *out)
{
	json_tokener *tok = json_tokener_new();
	json_object *obj = NULL;
	const char *e;
	enum xh_err err = XH_ERR_INVAL;

	memset(out, 0, sizeof(*out));
	if (tok == NULL)
		return XH_ERR_NOMEM;
	if (body == NULL || len > TOKEN_BODY_MAX)
		goto out;
	obj = json_tokener_parse_ex(tok, body, (int)len);
	if (obj == NULL || json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(obj, json_type_object))
		goto out;
	switch (xh_json_str_member(obj, "error", &e)) {
	case 1:
		out->error = xh_oauth_error_code(a, e);
		err = XH_OK;
		break;
	case 0:
		err = parse_tokens(a, obj, out);
		break;
	default:
		break;
	}
	if (err)
		memset(out, 0, sizeof(*out));
out:
	json_object_put(obj);
	json_tokener_free(tok);
	return err;
}

int
xero_token_due(long long expires_at, long long now, long long age_s, long long max_age_s)
{
	return xh_token_due(expires_at, now, XERO_TOKEN_MARGIN_S, age_s, max_age_s);
}

char *
xero_token_payload(struct xh_arena *a, const char *old_json, const struct xero_token_resp *r,
                   long long now)
{
	json_object *obj = json_tokener_parse(old_json != NULL ? old_json : "");
	char *out = NULL;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) || r->access_token == NULL)
		goto out;
	json_object_object_add(obj, "access_token", json_object_new_string(r->access_token));
	if (r->refresh_token != NULL)
		json_object_object_add(obj, "refresh_token",
		                       json_object_new_string(r->refresh_token));
	json_object_object_add(obj, "expires_at", json_object_new_int64(now + r->expires_in));
	out = xh_strdup(a, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
out:
	json_object_put(obj);
	return out;
}

char *
xero_token_form(struct xh_arena *a, const char *refresh_token)
{
	return xh_printf(a, "grant_type=refresh_token&refresh_token=%s",
	                 xh_form_encode(a, refresh_token));
}

char *
xero_token_basic(struct xh_arena *a, const char *client_id, const char *client_secret)
{
	char *pair =
	    xh_printf(a, "%s:%s", xh_form_encode(a, client_id), xh_form_encode(a, client_secret));

	return xh_printf(a, "Authorization: Basic %s", xh_b64_encode(a, pair, strlen(pair)));
}
