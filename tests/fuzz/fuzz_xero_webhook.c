/*
 * fuzz_xero_webhook.c: a Xero delivery: input is one length byte, that
 * many bytes of webhook key, then the raw body. The body signed with the
 * key (as xero_webhook_verify computes it) must verify under that key and
 * not under another or with one character changed; the payload parser
 * (xero_webhook_parse) must accept only events whose mirrored ones carry
 * UUIDs; and the fetch answer reader (xero_fetch_returned) returns only
 * UUIDs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "xero/pull.h"
#include "xero/webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The signature Xero would send for body under key. */
static char *
sign(struct xh_arena *a, const char *key, const uint8_t *body, size_t len)
{
	unsigned char mac[XH_SHA256_LEN];

	xh_hmac_sha256(key, strlen(key), body, len, mac);
	return xh_b64_encode(a, mac, sizeof(mac));
}

static void
check_signature(struct xh_arena *a, const char *key, const uint8_t *body, size_t len)
{
	const char *keys[] = {"another-key-1", key};
	char *sig = sign(a, key, body, len);

	if (xero_webhook_verify(sig, strlen(sig), body, len, keys, 2) != 1 ||
	    xero_webhook_verify(sig, strlen(sig), body, len, keys, 1) != -1)
		abort();
	sig[3] = sig[3] == 'A' ? 'B' : 'A';
	if (xero_webhook_verify(sig, strlen(sig), body, len, keys, 2) != -1)
		abort();
}

static void
check_payload(struct xh_arena *a, const char *body, size_t len)
{
	struct xero_wh_payload p;
	const char **ids;
	size_t n, ignored = 0;

	if (xero_webhook_parse(a, body, len, &p) == XH_OK) {
		for (size_t i = 0; i < p.nevents; i++) {
			const struct xero_wh_event *e = &p.events[i];

			if (e->object == NULL)
				ignored++;
			else if (!xero_is_uuid(e->tenant) || !xero_is_uuid(e->resource) ||
			         !xero_webhook_has(e->object))
				abort();
		}
		if (ignored != p.ignored || (p.itr && p.nevents != 0))
			abort();
	} else if (p.nevents != 0) {
		abort();
	}
	if (xero_fetch_returned(a, "Contacts", "ContactID", body, len, &ids, &n) == XH_OK)
		for (size_t i = 0; i < n; i++)
			if (!xero_is_uuid(ids[i]))
				abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xh_arena *a;
	size_t klen;
	char *key;

	if (size < 1 || (klen = data[0]) + 1 > size)
		return 0;
	a = xh_arena_new();
	key = xh_strndup(a, (const char *)data + 1, klen);
	if (strlen(key) == klen && klen > 0)
		check_signature(a, key, data + 1 + klen, size - 1 - klen);
	check_payload(a, xh_strndup(a, (const char *)data + 1 + klen, size - 1 - klen),
	              size - 1 - klen);
	xh_arena_free(a);
	return 0;
}
