/*
 * fuzz_base64.c: both strict base64 decoders on arbitrary input. A decoder
 * that accepts must have seen canonical text: re-encoding the bytes gives
 * back the input (without padding, for base64url).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts unless enc equals the first n bytes of data exactly. */
static void
must_equal(const char *enc, const uint8_t *data, size_t n)
{
	if (strlen(enc) != n || memcmp(enc, data, n) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xh_arena *a = xh_arena_new();
	const char *s = (const char *)data;
	unsigned char *out;
	size_t n, bare = size;

	if (xh_b64_decode(a, s, size, &out, &n) == XH_OK) {
		if (out[n] != '\0')
			abort();
		must_equal(xh_b64_encode(a, out, n), data, size);
	}
	if (xh_b64url_decode(a, s, size, &out, &n) == XH_OK) {
		while (bare > 0 && s[bare - 1] == '=')
			bare--;
		must_equal(xh_b64url_encode(a, out, n), data, bare);
	}
	xh_arena_free(a);
	return 0;
}
