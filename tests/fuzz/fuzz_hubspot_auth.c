/*
 * fuzz_hubspot_auth.c: HubSpot's token-endpoint answer
 * (hubspot_token_parse), its token introspection (hubspot_introspect_parse),
 * the payload rebuilt from a stored one, the bootstrap's properties answers
 * and a redirect URL's query. The first input byte picks the parser. An
 * accepted token answer is an error code of [a-z_] or a token set whose
 * tokens are visible ASCII (safe in a header line), expires_in in range
 * and hub_id decimal; an accepted introspection's hub id is decimal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cred.h"
#include "hubspot/auth.h"
#include "hubspot/bootstrap.h"
#include "hubspot/oauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 if s is 1..HUBSPOT_TOKEN_MAX characters in 0x21..0x7e. */
static int
visible(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return n >= 1 && n <= HUBSPOT_TOKEN_MAX;
}

/* 1 if s is NULL or a positive decimal. */
static int
hub_ok(const char *s)
{
	return s == NULL || (s[0] >= '1' && s[0] <= '9' && strspn(s, "0123456789") == strlen(s));
}

static void
check_token(struct xh_arena *a, const char *body, size_t size)
{
	static const char *const scopes[] = {"oauth", NULL};
	struct hubspot_token_resp r,
	    fresh = {"at-new", "rt-new", 1800, "42", (char **)scopes, NULL};
	struct xh_cred c;
	char *p;

	if (hubspot_token_parse(a, body, size, &r) == XH_OK) {
		if (r.error != NULL
		        ? r.access_token != NULL || r.error[0] == '\0' ||
		              strspn(r.error, "abcdefghijklmnopqrstuvwxyz_") != strlen(r.error)
		        : r.access_token == NULL || !visible(r.access_token) ||
		              (r.refresh_token != NULL && !visible(r.refresh_token)) ||
		              r.expires_in < 1 || r.expires_in > HUBSPOT_EXPIRES_IN_MAX ||
		              !hub_ok(r.hub_id))
			abort();
	}
	p = hubspot_token_payload(a, xh_strndup(a, body, size), &fresh, 1000);
	if (p != NULL &&
	    (xh_cred_parse(a, p, strlen(p), &c) != XH_OK || strcmp(c.access_token, "at-new") != 0 ||
	     strcmp(c.refresh_token, "rt-new") != 0 || c.expires_at != 2800))
		abort();
}

static void
check_other(struct xh_arena *a, int which, const char *body, size_t size)
{
	struct hubspot_introspect in;
	struct hubspot_prop_found *f;
	char **names, **msgs;
	int n;

	switch (which) {
	case 1:
		if (hubspot_introspect_parse(a, body, size, &in) == XH_OK && !hub_ok(in.hub_id))
			abort();
		break;
	case 2:
		if (hubspot_bs_parse_props(a, body, size, &f, &n) == XH_OK)
			for (int i = 0; i < n; i++)
				if (f[i].name == NULL || f[i].type == NULL)
					abort();
		break;
	case 3:
		(void)hubspot_bs_parse_errors(a, body, size, &names, &msgs, &n);
		break;
	default:
		(void)hubspot_query_param(a, xh_strndup(a, body, size), "code");
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xh_arena *a = xh_arena_new();

	if (size > 0 && data[0] % 5 == 0)
		check_token(a, (const char *)data + 1, size - 1);
	else if (size > 0)
		check_other(a, data[0] % 5, (const char *)data + 1, size - 1);
	xh_arena_free(a);
	return 0;
}
