/*
 * fuzz_xero_check.c: the answers the console's Xero connection test reads
 * (xero/check.h): a problem answer's Detail (xero_problem_detail) and the
 * Organisation answer's name (xero_org_name). The first input byte picks
 * the reader. A Detail is at most 256 bytes and never NULL; a name is
 * NULL or 1..XERO_ORG_NAME_MAX bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xero/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xh_arena *a;
	const char *d;
	char *name;

	if (size < 1)
		return 0;
	a = xh_arena_new();
	if (data[0] & 1) {
		d = xero_problem_detail(a, (const char *)data + 1, size - 1);
		if (d == NULL || strlen(d) > 256)
			abort();
	} else {
		name = xero_org_name(a, (const char *)data + 1, size - 1);
		if (name != NULL && (name[0] == '\0' || strlen(name) > XERO_ORG_NAME_MAX))
			abort();
	}
	xh_arena_free(a);
	return 0;
}
