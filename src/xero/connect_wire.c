/*
 * connect_wire.c: the pure parts of connecting Xero (connect.h): the
 * authorize URL, the code exchange's form, the access token's
 * authentication event, and the GET /connections answer.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "crypto.h"
#include "json.h"
#include "token_lease.h"
#include "xero/connect.h"
#include "xero/pull.h"

#define CONNECTIONS_BODY_MAX (4 * 1024 * 1024)
#define JWT_MAX              XERO_TOKEN_MAX

char *
xero_pkce_challenge(struct xh_arena *a, const char *verifier)
{
	unsigned char d[XH_SHA256_LEN];

	xh_sha256(verifier, strlen(verifier), d);
	return xh_b64url_encode(a, d, sizeof(d));
}

char *
xero_authorize_url(struct xh_arena *a, const char *login_url, const char *client_id,
                   const char *redirect_uri, const char *scope, const char *state,
                   const char *verifier)
{
	return xh_printf(a,
	                 "%s/identity/connect/authorize?response_type=code&client_id=%s"
	                 "&redirect_uri=%s&scope=%s&state=%s&code_challenge=%s"
	                 "&code_challenge_method=S256",
	                 login_url, xh_form_encode(a, client_id), xh_form_encode(a, redirect_uri),
	                 xh_form_encode(a, scope), xh_form_encode(a, state),
	                 xero_pkce_challenge(a, verifier));
}

char *
xero_code_form(struct xh_arena *a, const char *code, const char *redirect_uri, const char *verifier)
{
	return xh_printf(
	    a, "grant_type=authorization_code&code=%s&redirect_uri=%s&code_verifier=%s",
	    xh_form_encode(a, code), xh_form_encode(a, redirect_uri), xh_form_encode(a, verifier));
}

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len = *p < 0x80         ? 1
	             : (*p >> 5) == 6  ? 2
	             : (*p >> 4) == 14 ? 3
	             : (*p >> 3) == 30 ? 4
	                               : 0;
	unsigned cp;

	if (len == 0 || len > n)
		return 0;
	if (len == 1)
		return 1;
	cp = *p & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

char *
xero_clean_text(struct xh_arena *a, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
	struct xh_buf b;
	size_t len;
	char *out;

	xh_buf_init(&b);
	while (p < end) {
		len = utf8_len(p, (size_t)(end - p));
		if (b.len + (len == 0 ? 3 : len) > max)
			break;
		if (len == 0)
			xh_buf_puts(&b, "\xef\xbf\xbd"); /* U+FFFD */
		else if (len == 1 && (*p < 0x20 || *p == 0x7f))
			xh_buf_putc(&b, ' ');
		else
			xh_buf_append(&b, p, len);
		p += len == 0 ? 1 : len;
	}
	out = xh_buf_dup(a, &b);
	xh_buf_free(&b);
	return out;
}

/* Parses len bytes as one JSON value (strict syntax; UTF-8 is cleaned later). */
static json_object *
parse_json(const char *s, size_t len)
{
	json_tokener *tok = json_tokener_new_ex(8);
	json_object *obj = NULL;

	if (tok == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, s, (int)len);
	if (obj != NULL && json_tokener_get_parse_end(tok) != len) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

/* Copies member key of o into dst (37 bytes) if it is a UUID; 1 if it was. */
static int uuid_member(json_object *o, const char *key, char dst[37]);

char *
xero_jwt_uuid_claim(struct xh_arena *a, const char *token, const char *claim)
{
	const char *p1 = token != NULL ? strchr(token, '.') : NULL, *p2;
	char uuid[37];
	unsigned char *payload = NULL;
	size_t plen = 0;
	json_object *obj;
	char *out = NULL;

	if (p1 == NULL || strlen(token) > JWT_MAX || (p2 = strchr(p1 + 1, '.')) == NULL)
		return NULL;
	if (xh_b64url_decode(a, p1 + 1, (size_t)(p2 - p1 - 1), &payload, &plen) != XH_OK)
		return NULL;
	obj = parse_json((const char *)payload, plen);
	if (obj != NULL && json_object_is_type(obj, json_type_object) &&
	    uuid_member(obj, claim, uuid))
		out = xh_strdup(a, uuid);
	json_object_put(obj);
	return out;
}

static int
uuid_member(json_object *o, const char *key, char dst[37])
{
	const char *v;

	dst[0] = '\0';
	if (xh_json_str_member(o, key, &v) != 1 || !xero_is_uuid(v))
		return 0;
	snprintf(dst, 37, "%s", v);
	for (char *c = dst; *c != '\0'; c++)
		if (*c >= 'A' && *c <= 'F')
			*c = (char)(*c - 'A' + 'a');
	return 1;
}

/* Fills c from one array element; 0 when it lacks a usable id or tenant. */
static int
one_conn(struct xh_arena *a, json_object *o, struct xero_conn *c)
{
	const char *type = NULL, *name = NULL;
	size_t tl;

	memset(c, 0, sizeof(*c));
	if (!json_object_is_type(o, json_type_object) || !uuid_member(o, "id", c->id) ||
	    !uuid_member(o, "tenantId", c->tenant_id))
		return 0;
	uuid_member(o, "authEventId", c->auth_event);
	if (xh_json_str_member(o, "tenantType", &type) == 1 && (tl = strlen(type)) > 0 &&
	    tl < sizeof(c->tenant_type) && strspn(type, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == tl)
		memcpy(c->tenant_type, type, tl + 1);
	else
		snprintf(c->tenant_type, sizeof(c->tenant_type), "ORGANISATION");
	if (xh_json_str_member(o, "tenantName", &name) != 1)
		name = "";
	c->tenant_name = xero_clean_text(a, name, XERO_TENANT_NAME_MAX);
	return 1;
}

enum xh_err
xero_connections_parse(struct xh_arena *a, const char *body, size_t len, struct xero_conn **out,
                       size_t *n)
{
	json_object *arr = NULL;
	size_t count, i;
	enum xh_err err = XH_ERR_INVAL;

	*out = NULL;
	*n = 0;
	if (body == NULL || len > CONNECTIONS_BODY_MAX || (arr = parse_json(body, len)) == NULL ||
	    !json_object_is_type(arr, json_type_array))
		goto out;
	count = json_object_array_length(arr);
	if (count > XERO_CONNECTIONS_MAX)
		goto out;
	*out = xh_alloc(a, (count + 1) * sizeof(**out));
	for (i = 0; i < count; i++)
		if (one_conn(a, json_object_array_get_idx(arr, i), &(*out)[*n]))
			(*n)++;
	err = XH_OK;
out:
	json_object_put(arr);
	return err;
}
