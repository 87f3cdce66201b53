/*
 * fuzz_vendor_headers.c: the parsers of what vendors send back before any
 * body is read: rate-limit headers (xh_rl_parse, Retry-After) and the
 * credential payload (xh_cred_parse). The input is split at NUL bytes
 * into header values. Parsed numbers must be -1 or non-negative, and a
 * Retry-After of more than a week is refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cred.h"
#include "ratelimit.h"

static const char *const names[] = {
    "Retry-After",          "X-MinLimit-Remaining",          "X-DayLimit-Remaining",
    "X-Rate-Limit-Problem", "X-HubSpot-RateLimit-Remaining", "X-HubSpot-RateLimit-Max",
};

struct hdrs {
	const char *v[sizeof(names) / sizeof(names[0])];
};

static const char *
get(const char *name, void *arg)
{
	struct hdrs *h = arg;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(names[i], name) == 0)
			return h->v[i];
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *p;
	struct hdrs h = {{0}};
	struct xh_rl_feedback fb;
	struct xh_arena *a;
	struct xh_cred c;
	size_t n = 0;
	long long ra;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (p = buf; n < sizeof(names) / sizeof(names[0]) && p <= buf + size; n++) {
		h.v[n] = p;
		p += strlen(p) + 1;
	}
	for (int v = 0; v < XH_RL__MAX; v++) {
		xh_rl_parse((enum xh_rl_vendor)v, 429, get, &h, &fb);
		if (fb.window_left < -1 || fb.day_left < -1 || fb.window_max < -1 ||
		    fb.retry_after_ms < -1 || fb.retry_after_ms > 7 * 86400 * 1000LL)
			abort();
	}
	ra = xh_rl_retry_after_ms(buf);
	if (ra < -1 || ra > 7 * 86400 * 1000LL)
		abort();
	a = xh_arena_new();
	if (xh_cred_parse(a, (const char *)data, size, &c) == XH_OK && size == 0)
		abort();
	xh_arena_free(a);
	free(buf);
	return 0;
}
