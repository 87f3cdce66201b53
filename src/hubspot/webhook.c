/*
 * webhook.c: the pure parts of the HubSpot webhook intake (webhook.h).
 */
#include <string.h>
#include <strings.h>

#include "crypto.h"
#include "hubspot/webhook.h"
#include "json.h"

#define WH_DEPTH  16
#define TS_DIGITS 15 /* ms since 1970 stay under 15 digits for 30,000 years */

static const char *const sig_names[HUBSPOT_SIG__MAX] = {
    "ok",      /* HUBSPOT_SIG_OK */
    "missing", /* HUBSPOT_SIG_MISSING */
    "stale",   /* HUBSPOT_SIG_STALE */
    "bad",     /* HUBSPOT_SIG_BAD */
};

/* The escapes v3 decodes (HUBSPOT.md 5.3), by their two hex digits. */
static const struct {
	const char hex[3];
	char c;
} uri_escapes[] = {
    {"3A", ':'},  {"2F", '/'}, {"3F", '?'}, {"40", '@'}, {"21", '!'}, {"24", '$'},
    {"27", '\''}, {"28", '('}, {"29", ')'}, {"2A", '*'}, {"2C", ','}, {"3B", ';'},
};

const char *
hubspot_sig_name(enum hubspot_sig s)
{
	return (unsigned)s < HUBSPOT_SIG__MAX ? sig_names[s] : "bad";
}

/* The character the escape at p ("%xx") stands for, when v3 decodes it; else 0. */
static char
uri_escape(const char *p)
{
	if (p[0] != '%' || p[1] == '\0' || p[2] == '\0')
		return 0;
	for (size_t i = 0; i < XH_NELEM(uri_escapes); i++)
		if (strncasecmp(p + 1, uri_escapes[i].hex, 2) == 0)
			return uri_escapes[i].c;
	return 0;
}

char *
hubspot_uri_decode(struct xh_arena *a, const char *uri)
{
	char *out = xh_alloc(a, strlen(uri) + 1), *o = out, c;

	while (*uri != '\0') {
		if ((c = uri_escape(uri)) != 0) {
			*o++ = c;
			uri += 3;
		} else {
			*o++ = *uri++;
		}
	}
	*o = '\0';
	return out;
}

/* hex(SHA-256(the n parts)). */
static char *
sha256_hex(struct xh_arena *a, const void *const *parts, const size_t *lens, size_t n)
{
	struct xh_buf b;
	unsigned char md[XH_SHA256_LEN];

	xh_buf_init(&b);
	for (size_t i = 0; i < n; i++)
		xh_buf_append(&b, parts[i], lens[i]);
	xh_sha256(b.data != NULL ? b.data : "", b.len, md);
	xh_buf_free(&b);
	return xh_hex(a, md, sizeof(md));
}

char *
hubspot_sig_v1(struct xh_arena *a, const char *secret, const void *body, size_t len)
{
	const void *parts[] = {secret, body};
	size_t lens[] = {strlen(secret), len};

	return sha256_hex(a, parts, lens, 2);
}

char *
hubspot_sig_v2(struct xh_arena *a, const char *secret, const char *method, const char *uri,
               const void *body, size_t len)
{
	const void *parts[] = {secret, method, uri, body};
	size_t lens[] = {strlen(secret), strlen(method), strlen(uri), len};

	return sha256_hex(a, parts, lens, 4);
}

char *
hubspot_sig_v3(struct xh_arena *a, const char *secret, const char *method, const char *uri,
               const void *body, size_t len, const char *timestamp)
{
	unsigned char mac[XH_SHA256_LEN];
	struct xh_buf b;

	xh_buf_init(&b);
	xh_buf_puts(&b, method);
	xh_buf_puts(&b, hubspot_uri_decode(a, uri));
	xh_buf_append(&b, body, len);
	xh_buf_puts(&b, timestamp);
	xh_hmac_sha256(secret, strlen(secret), b.data, b.len, mac);
	xh_buf_free(&b);
	return xh_b64_encode(a, mac, sizeof(mac));
}

int
hubspot_ts_fresh(const char *timestamp, long long now_ms)
{
	size_t n = timestamp != NULL ? strspn(timestamp, "0123456789") : 0;
	long long ts = 0;

	if (n == 0 || n > TS_DIGITS || timestamp[n] != '\0')
		return 0;
	for (size_t i = 0; i < n; i++)
		ts = ts * 10 + (timestamp[i] - '0');
	return now_ms - ts <= HUBSPOT_WEBHOOK_MAX_AGE_MS &&
	       ts - now_ms <= HUBSPOT_WEBHOOK_MAX_AGE_MS;
}

/* The signature r would carry under secret, in the version r uses. */
static char *
expected(struct xh_arena *a, const struct hubspot_sig_req *r, const char *secret)
{
	if (r->sig_v3 != NULL)
		return hubspot_sig_v3(a, secret, r->method, r->uri, r->body, r->len, r->timestamp);
	if (r->version != NULL && strcasecmp(r->version, "v2") == 0)
		return hubspot_sig_v2(a, secret, r->method, r->uri, r->body, r->len);
	return hubspot_sig_v1(a, secret, r->body, r->len);
}

/* Which check applies to r: OK to go on, else the refusal. */
static enum hubspot_sig
applicable(const struct hubspot_sig_req *r, int legacy, long long now_ms)
{
	if (r->sig_v3 != NULL)
		return hubspot_ts_fresh(r->timestamp, now_ms) ? HUBSPOT_SIG_OK : HUBSPOT_SIG_STALE;
	if (!legacy || r->sig == NULL)
		return HUBSPOT_SIG_MISSING;
	if (r->version != NULL && strcasecmp(r->version, "v1") != 0 &&
	    strcasecmp(r->version, "v2") != 0)
		return HUBSPOT_SIG_MISSING;
	return HUBSPOT_SIG_OK;
}

enum hubspot_sig
hubspot_webhook_verify(const struct hubspot_sig_req *r, const char *const *secrets, size_t nsecrets,
                       int legacy, long long now_ms, int *matched)
{
	const char *got = r->sig_v3 != NULL ? r->sig_v3 : r->sig;
	struct xh_arena *a;
	enum hubspot_sig st;
	char *want;
	int found = -1;

	if ((st = applicable(r, legacy, now_ms)) != HUBSPOT_SIG_OK)
		return st;
	a = xh_arena_new();
	for (size_t i = 0; i < nsecrets; i++) {
		want = expected(a, r, secrets[i]);
		if (xh_ct_equal(want, strlen(want), got, strlen(got)) && found < 0)
			found = (int)i;
	}
	xh_arena_free(a);
	if (matched != NULL)
		*matched = found;
	return found >= 0 ? HUBSPOT_SIG_OK : HUBSPOT_SIG_BAD;
}

/* Reads one event. XH_ERR_INVAL when it lacks the fields we key on. */
static enum xh_err
take_event(struct xh_arena *a, json_object *e, struct hubspot_wh_event *ev)
{
	long long id, sub, at, obj, app = 0;
	const char *type = xh_json_str(e, "subscriptionType");

	if (type == NULL)
		type = xh_json_str(e, "eventType");
	if (!json_object_is_type(e, json_type_object) || type == NULL ||
	    !xh_json_int(e, "eventId", &id) || !xh_json_int(e, "subscriptionId", &sub) ||
	    !xh_json_int(e, "portalId", &ev->portal) || !xh_json_int(e, "occurredAt", &at) ||
	    !xh_json_int(e, "objectId", &obj) || ev->portal <= 0)
		return XH_ERR_INVAL;
	xh_json_int(e, "appId", &app);
	/* attemptNumber is left out: a retry of the same event has the same key. */
	ev->key = xh_printf(a, "hubspot:%lld:%lld:%lld:%lld:%lld:%lld", ev->portal, app, sub, id,
	                    at, obj);
	ev->type = xh_strdup(a, type);
	ev->json = xh_strdup(a, json_object_to_json_string_ext(
	                            e, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	return XH_OK;
}

enum xh_err
hubspot_webhook_parse(struct xh_arena *a, const char *body, size_t len,
                      struct hubspot_wh_payload *out)
{
	json_object *root = xh_json_parse_strict(body, len, WH_DEPTH);
	enum xh_err err = XH_ERR_INVAL;

	memset(out, 0, sizeof(*out));
	if (root == NULL || !json_object_is_type(root, json_type_array))
		goto out;
	out->nevents = json_object_array_length(root);
	out->events = xh_alloc(a, sizeof(*out->events) * (out->nevents + 1));
	for (size_t i = 0; i < out->nevents; i++)
		if (take_event(a, json_object_array_get_idx(root, i), &out->events[i]) != XH_OK)
			goto out;
	err = XH_OK;
out:
	json_object_put(root);
	if (err)
		memset(out, 0, sizeof(*out));
	return err;
}
