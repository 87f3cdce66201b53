/*
 * auth_wire.c: the pure parts of HubSpot authentication (auth.h): token
 * kinds, the token endpoint's and the introspection's answers, the
 * payload, the form bodies, the authorize URL, scopes and tiers.
 */
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"
#include "json.h"
#include "hubspot/auth.h"
#include "token_lease.h"

#define BODY_MAX   (64 * 1024) /* a token answer is well under 4 KiB */
#define SCOPES_MAX 200

static const struct hubspot_kind_info kinds[HK__MAX] = {
    {"project", "a project app distributed privately", 1, 1}, /* HK_PROJECT */
    {"private", "a legacy private app", 1, 1},                /* HK_PRIVATE */
    {"service", "a service key", 0, 1},                       /* HK_SERVICE */
    {"oauth", "a public app (OAuth)", 1, 0},                  /* HK_OAUTH */
};

/* HUBSPOT.md 1.3; line items and products also take the legacy e-commerce scope. */
static const struct hubspot_scope_need needs[] = {
    {{"crm.objects.companies.read", NULL}, "read companies"},
    {{"crm.objects.companies.write", NULL}, "write companies"},
    {{"crm.objects.contacts.read", NULL}, "read contacts"},
    {{"crm.objects.contacts.write", NULL}, "write contacts"},
    {{"crm.objects.invoices.read", NULL}, "read invoices"},
    {{"crm.objects.invoices.write", NULL}, "write invoices"},
    {{"crm.objects.line_items.read", "e-commerce", NULL}, "read line items"},
    {{"crm.objects.line_items.write", "e-commerce", NULL}, "write line items"},
    {{"crm.objects.products.read", "e-commerce", NULL}, "read products"},
    {{"crm.objects.products.write", "e-commerce", NULL}, "write products"},
    {{"crm.schemas.companies.write", NULL}, "create company properties"},
    {{"crm.schemas.contacts.write", NULL}, "create contact properties"},
    {{"crm.schemas.invoices.write", NULL}, "create invoice properties"},
    {{"e-commerce", "crm.schemas.line_items.write", NULL}, "create line item properties"},
    {{"e-commerce", "crm.schemas.products.write", NULL}, "create product properties"},
};

const struct hubspot_kind_info *
hubspot_kind_info(enum hubspot_kind k)
{
	return (int)k >= 0 && k < HK__MAX ? &kinds[k] : NULL;
}

int
hubspot_kind_parse(const char *s)
{
	for (int i = 0; i < HK__MAX; i++)
		if (s != NULL && strcmp(s, kinds[i].name) == 0)
			return i;
	return -1;
}

/* 1 if s is pat-<letters><digit>-<rest>, the legacy private-app form. */
static int
pat_form(const char *s)
{
	size_t n;

	if (strncmp(s, "pat-", 4) != 0)
		return 0;
	s += 4;
	n = strspn(s, "abcdefghijklmnopqrstuvwxyz");
	if (n < 2 || s[n] < '0' || s[n] > '9')
		return 0;
	s += n + strspn(s + n, "0123456789");
	return s[0] == '-' && s[1] != '\0';
}

const char *
hubspot_token_problem(enum hubspot_kind k, const char *token)
{
	if (token == NULL || token[0] == '\0')
		return "the token is empty";
	if (!xh_token_chars_ok(token, HUBSPOT_TOKEN_MAX))
		return "the token has spaces or characters that are not printable ASCII, or is "
		       "too long";
	if (k == HK_PRIVATE && !pat_form(token))
		return "a legacy private app token looks like pat-na1-xxxxxxxx-...; this is not "
		       "one";
	return NULL;
}

char *
hubspot_static_payload(struct xh_arena *a, enum hubspot_kind k, const char *token,
                       const char *portal_id)
{
	json_object *o = json_object_new_object();
	char *out;

	json_object_object_add(o, "kind", json_object_new_string(hubspot_kind_info(k)->name));
	json_object_object_add(o, "access_token", json_object_new_string(token));
	if (portal_id != NULL)
		json_object_object_add(o, "portal_id", json_object_new_string(portal_id));
	out = xh_strdup(a, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	/* json-c's copy held the token: wipe it before it goes back to the heap */
	OPENSSL_cleanse((char *)json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	                strlen(out));
	json_object_put(o);
	return out;
}

/* hub_id (a positive integer) as text: 1 found, 0 absent, -1 bad. */
static int
hub_member(struct xh_arena *a, json_object *obj, char **out)
{
	json_object *v = NULL;

	*out = NULL;
	if (!json_object_object_get_ex(obj, "hub_id", &v))
		return 0;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1)
		return -1;
	*out = xh_printf(a, "%lld", (long long)json_object_get_int64(v));
	return 1;
}

/* hub_domain when it looks like a domain, else NULL (never an error: it is only shown). */
static char *
domain_member(struct xh_arena *a, json_object *obj)
{
	json_object *v = NULL;
	const char *s;
	size_t n;

	if (!json_object_object_get_ex(obj, "hub_domain", &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	n = strlen(s);
	if (n == 0 || n > HUBSPOT_DOMAIN_MAX || (size_t)json_object_get_string_len(v) != n ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != n)
		return NULL;
	return xh_strdup(a, s);
}

/* scopes (an array of up to SCOPES_MAX short strings): 1 found, 0 absent, -1 bad. */
static int
scopes_member(struct xh_arena *a, json_object *obj, char ***out)
{
	json_object *v = NULL;
	size_t n;

	*out = NULL;
	if (!json_object_object_get_ex(obj, "scopes", &v))
		return 0;
	if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) > SCOPES_MAX)
		return -1;
	n = json_object_array_length(v);
	*out = xh_alloc(a, sizeof(char *) * (n + 1));
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(v, i);

		if (!json_object_is_type(s, json_type_string) ||
		    !xh_token_chars_ok(json_object_get_string(s), 200))
			return -1;
		(*out)[i] = xh_strdup(a, json_object_get_string(s));
	}
	(*out)[n] = NULL;
	return 1;
}

/* The optional token fields of a success answer. */
static enum xh_err
parse_extras(struct xh_arena *a, json_object *obj, struct hubspot_token_resp *out)
{
	const char *rt, *type;

	if (xh_json_str_member(obj, "token_type", &type) < 0 ||
	    (type != NULL && strcasecmp(type, "bearer") != 0))
		return XH_ERR_INVAL;
	switch (xh_json_str_member(obj, "refresh_token", &rt)) {
	case -1:
		return XH_ERR_INVAL;
	case 1:
		if (!xh_token_chars_ok(rt, HUBSPOT_TOKEN_MAX))
			return XH_ERR_INVAL;
		out->refresh_token = xh_strdup(a, rt);
		break;
	default:
		break;
	}
	if (hub_member(a, obj, &out->hub_id) < 0 || scopes_member(a, obj, &out->scopes) < 0)
		return XH_ERR_INVAL;
	return XH_OK;
}

/* Fills out from a success answer; XH_ERR_INVAL if a field is missing or bad. */
static enum xh_err
parse_tokens(struct xh_arena *a, json_object *obj, struct hubspot_token_resp *out)
{
	const char *at;
	json_object *v = NULL;
	long long exp;

	if (xh_json_str_member(obj, "access_token", &at) != 1 ||
	    !xh_token_chars_ok(at, HUBSPOT_TOKEN_MAX))
		return XH_ERR_INVAL;
	if (!json_object_object_get_ex(obj, "expires_in", &v) ||
	    !json_object_is_type(v, json_type_int))
		return XH_ERR_INVAL;
	exp = json_object_get_int64(v);
	if (exp < 1 || exp > HUBSPOT_EXPIRES_IN_MAX)
		return XH_ERR_INVAL;
	out->expires_in = exp;
	out->access_token = xh_strdup(a, at);
	return parse_extras(a, obj, out);
}

/* The JSON object in body, or NULL (also when it is too long or not all used). */
static json_object *
parse_object(const char *body, size_t len)
{
	json_tokener *tok;
	json_object *obj;

	if (body == NULL || len > BODY_MAX || (tok = json_tokener_new()) == NULL)
		return NULL;
	obj = json_tokener_parse_ex(tok, body, (int)len);
	if (obj != NULL && (json_tokener_get_parse_end(tok) != len ||
	                    !json_object_is_type(obj, json_type_object))) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

enum xh_err
hubspot_token_parse(struct xh_arena *a, const char *body, size_t len,
                    struct hubspot_token_resp *out)
{
	json_object *obj = parse_object(body, len);
	const char *e;
	enum xh_err err = XH_ERR_INVAL;

	memset(out, 0, sizeof(*out));
	if (obj == NULL)
		return XH_ERR_INVAL;
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
	json_object_put(obj);
	return err;
}

enum xh_err
hubspot_introspect_parse(struct xh_arena *a, const char *body, size_t len,
                         struct hubspot_introspect *out)
{
	json_object *obj = parse_object(body, len), *v = NULL;
	enum xh_err err = XH_ERR_INVAL;

	memset(out, 0, sizeof(*out));
	if (obj == NULL)
		return XH_ERR_INVAL;
	if (!json_object_object_get_ex(obj, "active", &v) ||
	    !json_object_is_type(v, json_type_boolean))
		goto out;
	out->active = json_object_get_boolean(v);
	if (hub_member(a, obj, &out->hub_id) < 0 || scopes_member(a, obj, &out->scopes) < 0)
		goto out;
	out->hub_domain = domain_member(a, obj);
	err = XH_OK;
out:
	if (err)
		memset(out, 0, sizeof(*out));
	json_object_put(obj);
	return err;
}

/* A JSON array of the NULL-terminated strings v. */
static json_object *
str_array(char **v)
{
	json_object *arr = json_object_new_array();

	for (; *v != NULL; v++)
		json_object_array_add(arr, json_object_new_string(*v));
	return arr;
}

char *
hubspot_token_payload(struct xh_arena *a, const char *old_json, const struct hubspot_token_resp *r,
                      long long now)
{
	json_object *obj =
	    old_json != NULL ? json_tokener_parse(old_json) : json_object_new_object();
	char *out = NULL;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) || r->access_token == NULL)
		goto out;
	if (old_json == NULL)
		json_object_object_add(obj, "kind", json_object_new_string("oauth"));
	json_object_object_add(obj, "access_token", json_object_new_string(r->access_token));
	if (r->refresh_token != NULL)
		json_object_object_add(obj, "refresh_token",
		                       json_object_new_string(r->refresh_token));
	json_object_object_add(obj, "expires_at", json_object_new_int64(now + r->expires_in));
	if (r->hub_id != NULL)
		json_object_object_add(obj, "portal_id", json_object_new_string(r->hub_id));
	if (r->scopes != NULL)
		json_object_object_add(obj, "scopes", str_array(r->scopes));
	out = xh_strdup(a, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
out:
	json_object_put(obj);
	return out;
}

char *
hubspot_refresh_form(struct xh_arena *a, const char *client_id, const char *client_secret,
                     const char *refresh_token)
{
	return xh_printf(a,
	                 "grant_type=refresh_token&client_id=%s&client_secret=%s&refresh_token=%s",
	                 xh_form_encode(a, client_id), xh_form_encode(a, client_secret),
	                 xh_form_encode(a, refresh_token));
}

char *
hubspot_code_form(struct xh_arena *a, const char *client_id, const char *client_secret,
                  const char *redirect_uri, const char *code, const char *code_verifier)
{
	return xh_printf(a,
	                 "grant_type=authorization_code&client_id=%s&client_secret=%s"
	                 "&redirect_uri=%s&code=%s&code_verifier=%s",
	                 xh_form_encode(a, client_id), xh_form_encode(a, client_secret),
	                 xh_form_encode(a, redirect_uri), xh_form_encode(a, code),
	                 xh_form_encode(a, code_verifier));
}

char *
hubspot_introspect_form(struct xh_arena *a, const char *client_id, const char *client_secret,
                        const char *token)
{
	return xh_printf(a, "client_id=%s&client_secret=%s&token=%s&token_type_hint=access_token",
	                 xh_form_encode(a, client_id), xh_form_encode(a, client_secret),
	                 xh_form_encode(a, token));
}

/* The requested scopes: each need's first alternative, once, space-separated. */
static char *
scope_list(struct xh_arena *a)
{
	struct xh_buf b;
	char *out;

	xh_buf_init(&b);
	for (size_t i = 0; i < sizeof(needs) / sizeof(needs[0]); i++) {
		const char *s = needs[i].alt[0];
		int seen = 0;

		for (size_t j = 0; j < i; j++)
			seen |= strcmp(needs[j].alt[0], s) == 0;
		if (seen)
			continue;
		if (b.len > 0)
			xh_buf_putc(&b, ' ');
		xh_buf_puts(&b, s);
	}
	out = xh_buf_dup(a, &b);
	xh_buf_free(&b);
	return out;
}

char *
hubspot_authorize_url(struct xh_arena *a, const char *app_url, const char *client_id,
                      const char *redirect_uri, const char *state, const char *verifier)
{
	unsigned char digest[XH_SHA256_LEN];

	xh_sha256(verifier, strlen(verifier), digest);
	return xh_printf(a,
	                 "%s/oauth/authorize?client_id=%s&redirect_uri=%s&scope=%s&state=%s"
	                 "&code_challenge=%s&code_challenge_method=S256",
	                 app_url, xh_form_encode(a, client_id), xh_form_encode(a, redirect_uri),
	                 xh_form_encode(a, scope_list(a)), xh_form_encode(a, state),
	                 xh_b64url_encode(a, digest, sizeof(digest)));
}

const struct hubspot_scope_need *
hubspot_scope_needs(int *n)
{
	*n = (int)(sizeof(needs) / sizeof(needs[0]));
	return needs;
}

/* 1 if scopes holds one of need's alternatives. */
static int
met(const struct hubspot_scope_need *need, const char *const *scopes)
{
	for (int i = 0; need->alt[i] != NULL; i++)
		for (const char *const *s = scopes; s != NULL && *s != NULL; s++)
			if (strcmp(*s, need->alt[i]) == 0)
				return 1;
	return 0;
}

const struct hubspot_scope_need **
hubspot_scopes_missing(struct xh_arena *a, const char *const *scopes, int *nmissing)
{
	size_t n = sizeof(needs) / sizeof(needs[0]);
	const struct hubspot_scope_need **out = xh_alloc(a, sizeof(*out) * (n + 1));

	*nmissing = 0;
	for (size_t i = 0; i < n; i++)
		if (!met(&needs[i], scopes))
			out[(*nmissing)++] = &needs[i];
	out[*nmissing] = NULL;
	return out;
}

/* Daily limit or burst maximum -> tier (HUBSPOT.md section 4). */
static const struct {
	int daily; /* 1: matched against the Daily header, 0: against Max */
	long long value;
	const char *tier;
} tiers[] = {
    {1, 250000, "Free or Starter"},
    {1, 625000, "Professional"},
    {1, 1000000, "Enterprise"},
    {0, 100, "Free or Starter"},
    {0, 190, "Professional or Enterprise"},
    {0, 250, "any tier with the API Limit Increase"},
};

const char *
hubspot_tier_of(const char *max, const char *daily)
{
	for (size_t i = 0; i < sizeof(tiers) / sizeof(tiers[0]); i++) {
		const char *h = tiers[i].daily ? daily : max;
		char *end = NULL;

		if (h != NULL && strtoll(h, &end, 10) == tiers[i].value && end != h && *end == '\0')
			return tiers[i].tier;
	}
	if (daily != NULL && strtoll(daily, NULL, 10) > 1000000)
		return "any tier with the API Limit Increase";
	return NULL;
}
