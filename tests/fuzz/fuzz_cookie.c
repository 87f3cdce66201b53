/*
 * fuzz_cookie.c: the Cookie header parser on arbitrary input. Every pair
 * it returns must have a trimmed, non-empty name, no ';' or control
 * characters, and fit the count and length limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web/web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 if s holds ';' or a control character. */
static int
has_bad_char(const char *s)
{
	for (; *s; s++)
		if (*s == ';' || (unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Aborts unless the pair is well formed. */
static void
check_pair(const struct web_kv *kv)
{
	size_t n = strlen(kv->key);

	if (n == 0 || n > WEB_COOKIE_MAX_NAME || kv->val_len > WEB_COOKIE_MAX_VALUE ||
	    strlen(kv->val) != kv->val_len)
		abort();
	if (kv->key[0] == ' ' || kv->key[n - 1] == ' ' || strchr(kv->key, '=') != NULL)
		abort();
	if (has_bad_char(kv->key) || has_bad_char(kv->val))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xh_arena *a = xh_arena_new();
	char *s = xh_strndup(a, (const char *)data, size); /* stops at an embedded NUL */
	struct web_kvlist l = {0};
	size_t i;

	if (web_cookie_parse(a, s, &l) == XH_OK) {
		if (l.n > WEB_COOKIE_MAX_COUNT)
			abort();
		for (i = 0; i < l.n; i++)
			check_pair(&l.v[i]);
	}
	xh_arena_free(a);
	return 0;
}
