/*
 * fuzz_xero_token.c: the Xero token endpoint's answer (xero_token_parse)
 * and the payload rebuilt from a stored one (xero_token_payload). An
 * accepted answer is either an error code of [a-z_] or a token set whose
 * tokens are visible ASCII (safe in a header line) and whose expires_in is
 * in range; a rebuilt payload parses back with the new pair and expiry.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cred.h"
#include "xero/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 if s is 1..XERO_TOKEN_MAX characters in 0x21..0x7e. */
static int
visible(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return n >= 1 && n <= XERO_TOKEN_MAX;
}

/* Aborts unless an accepted answer keeps the promises of token.h. */
static void
check_answer(const struct xero_token_resp *r)
{
	if (r->error != NULL) {
		if (r->access_token != NULL || r->error[0] == '\0' ||
		    strspn(r->error, "abcdefghijklmnopqrstuvwxyz_") != strlen(r->error))
			abort();
		return;
	}
	if (r->access_token == NULL || !visible(r->access_token) ||
	    (r->refresh_token != NULL && !visible(r->refresh_token)) || r->expires_in < 1 ||
	    r->expires_in > XERO_EXPIRES_IN_MAX)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct xero_token_resp fresh = {"at-new", "rt-new", 1800, NULL};
	struct xh_arena *a = xh_arena_new();
	struct xero_token_resp r;
	struct xh_cred c;
	char *text = xh_strndup(a, (const char *)data, size), *p;

	if (xero_token_parse(a, (const char *)data, size, &r) == XH_OK)
		check_answer(&r);
	p = xero_token_payload(a, text, &fresh, 1000);
	if (p != NULL &&
	    (xh_cred_parse(a, p, strlen(p), &c) != XH_OK || strcmp(c.access_token, "at-new") != 0 ||
	     strcmp(c.refresh_token, "rt-new") != 0 || c.expires_at != 2800))
		abort();
	xh_arena_free(a);
	return 0;
}
