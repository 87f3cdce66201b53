/*
 * fuzz_xero_connect.c: what connecting Xero reads from Xero: the
 * GET /connections answer (xero_connections_parse) and a JWT access
 * token's claims (xero_jwt_uuid_claim). Accepted connections have
 * lower-case UUID ids and names that are valid UTF-8 without control
 * characters, at most XERO_TENANT_NAME_MAX bytes; a claim is a UUID.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xero/connect.h"
#include "xero/pull.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 if s is a lower-case UUID. */
static int
lower_uuid(const char *s)
{
	return xero_is_uuid(s) && strspn(s, "0123456789abcdef-") == 36;
}

/* 1 if s is valid UTF-8 without C0 controls or DEL (structure only: lead and continuation bytes).
 */
static int
clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		size_t len = *p < 0x80         ? 1
		             : (*p >> 5) == 6  ? 2
		             : (*p >> 4) == 14 ? 3
		             : (*p >> 3) == 30 ? 4
		                               : 0;

		if (len == 0 || (len == 1 && (*p < 0x20 || *p == 0x7f)))
			return 0;
		for (size_t i = 1; i < len; i++)
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		p += len;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xh_arena *a = xh_arena_new();
	struct xero_conn *c;
	size_t n;
	char *text = xh_strndup(a, (const char *)data, size), *claim;

	if (xero_connections_parse(a, (const char *)data, size, &c, &n) == XH_OK) {
		if (n > XERO_CONNECTIONS_MAX)
			abort();
		for (size_t i = 0; i < n; i++)
			if (!lower_uuid(c[i].id) || !lower_uuid(c[i].tenant_id) ||
			    (c[i].auth_event[0] != '\0' && !lower_uuid(c[i].auth_event)) ||
			    c[i].tenant_type[0] == '\0' || !clean(c[i].tenant_name) ||
			    strlen(c[i].tenant_name) > XERO_TENANT_NAME_MAX)
				abort();
	}
	claim = xero_jwt_uuid_claim(a, text, "authentication_event_id");
	if (claim != NULL && !lower_uuid(claim))
		abort();
	if (!clean(xero_clean_text(a, text, 64)) || strlen(xero_clean_text(a, text, 64)) > 64)
		abort();
	xh_arena_free(a);
	return 0;
}
