/*
 * fuzz_hubspot_webhook.c: a HubSpot delivery: input is the URI (up to the
 * first newline) and the raw body. The partial URI decoding
 * (hubspot_uri_decode) never grows the URI and is idempotent; v1, v2 and
 * v3 signatures made for the request verify under their secret, not
 * under another, and v3 not outside the timestamp window; the payload
 * parser (hubspot_webhook_parse) keys every event it accepts on a
 * positive portal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hubspot/webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
#define NOW    1796000000000LL

static void
check_uri(struct xh_arena *a, const char *uri)
{
	char *once = hubspot_uri_decode(a, uri);

	if (strlen(once) > strlen(uri) || strcmp(hubspot_uri_decode(a, once), once) != 0)
		abort();
}

static void
check_signatures(struct xh_arena *a, const char *uri, const char *body, size_t len)
{
	const char *secrets[] = {"other", SECRET};
	struct hubspot_sig_req r = {"POST", uri, body, len, NULL, "1796000000000", NULL, "v2"};
	int m = -1;

	r.sig_v3 = hubspot_sig_v3(a, SECRET, "POST", uri, body, len, r.timestamp);
	if (hubspot_webhook_verify(&r, secrets, 2, 0, NOW, &m) != HUBSPOT_SIG_OK || m != 1 ||
	    hubspot_webhook_verify(&r, secrets, 1, 0, NOW, NULL) != HUBSPOT_SIG_BAD ||
	    hubspot_webhook_verify(&r, secrets, 2, 0, NOW + 300001, NULL) != HUBSPOT_SIG_STALE)
		abort();
	r.sig_v3 = NULL;
	r.sig = hubspot_sig_v2(a, SECRET, "POST", uri, body, len);
	if (hubspot_webhook_verify(&r, secrets, 2, 1, NOW, NULL) != HUBSPOT_SIG_OK ||
	    hubspot_webhook_verify(&r, secrets, 2, 0, NOW, NULL) != HUBSPOT_SIG_MISSING)
		abort();
	r.version = "v1";
	r.sig = hubspot_sig_v1(a, SECRET, body, len);
	if (hubspot_webhook_verify(&r, secrets, 2, 1, NOW, NULL) != HUBSPOT_SIG_OK)
		abort();
}

static void
check_payload(struct xh_arena *a, const char *body, size_t len)
{
	struct hubspot_wh_payload p;

	if (hubspot_webhook_parse(a, body, len, &p) != XH_OK) {
		if (p.nevents != 0)
			abort();
		return;
	}
	for (size_t i = 0; i < p.nevents; i++)
		if (p.events[i].portal <= 0 || strncmp(p.events[i].key, "hubspot:", 8) != 0 ||
		    p.events[i].json == NULL || p.events[i].type == NULL)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t ulen = nl != NULL ? (size_t)(nl - data) : size;
	size_t blen = nl != NULL ? size - ulen - 1 : 0;
	struct xh_arena *a = xh_arena_new();
	char *uri = xh_strndup(a, (const char *)data, ulen);
	char *body = xh_strndup(a, nl != NULL ? (const char *)nl + 1 : "", blen);

	check_uri(a, uri);
	check_signatures(a, uri, body, blen);
	check_payload(a, body, blen);
	xh_arena_free(a);
	return 0;
}
