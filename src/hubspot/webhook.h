/*
 * webhook.h: HubSpot webhook deliveries (HUBSPOT.md section 5, DESIGN.md
 * section 8).
 *
 * The pure parts (webhook.c) are the request signatures v1, v2 and v3,
 * v3's partial URI decoding and timestamp window, and the payload parser;
 * the web handler stores each verified event once, keyed on a composite
 * of its ids (eventId alone is not unique).
 */
#ifndef XH_HUBSPOT_WEBHOOK_H
#define XH_HUBSPOT_WEBHOOK_H

#include <stddef.h>

#include "arena.h"
#include "xh.h"

/*
 * v3's window: a timestamp more than this far from now (either way) is
 * refused. Exactly 300000 ms old is accepted, as the Node and PHP SDKs do.
 */
#define HUBSPOT_WEBHOOK_MAX_AGE_MS 300000LL

/* The job that handles a link's stored events (src/sync/hs_events.c). */
#define HUBSPOT_EVENTS_KIND "hubspot.events"

/* Outcome of a signature check. */
enum hubspot_sig {
	HUBSPOT_SIG_OK,      /* HUBSPOT_SIG_OK: a secret matched */
	HUBSPOT_SIG_MISSING, /* HUBSPOT_SIG_MISSING: no signature we may check */
	HUBSPOT_SIG_STALE,   /* HUBSPOT_SIG_STALE: v3 timestamp missing, malformed or outside the
	                        window */
	HUBSPOT_SIG_BAD,     /* HUBSPOT_SIG_BAD: no secret gives this signature */
	HUBSPOT_SIG__MAX
};

/* "ok", "missing", "stale", "bad". */
const char *hubspot_sig_name(enum hubspot_sig s);

/* What a signature covers, as received. Absent headers are NULL. */
struct hubspot_sig_req {
	const char *method;
	const char *uri; /* the full URL HubSpot called: scheme, host, path, query */
	const void *body;
	size_t len;
	const char *sig_v3;    /* X-HubSpot-Signature-v3 */
	const char *timestamp; /* X-HubSpot-Request-Timestamp, ms */
	const char *sig;       /* X-HubSpot-Signature (v1 or v2) */
	const char *version;   /* X-HubSpot-Signature-Version: "v1" (default) or "v2" */
};

/*
 * v3's URI: the escapes %3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B
 * (either case) decoded, everything else as it is. In the arena.
 */
char *hubspot_uri_decode(struct xh_arena *a, const char *uri);
/* hex(SHA-256(secret + body)). */
char *hubspot_sig_v1(struct xh_arena *a, const char *secret, const void *body, size_t len);
/* hex(SHA-256(secret + method + uri + body)). */
char *hubspot_sig_v2(struct xh_arena *a, const char *secret, const char *method, const char *uri,
                     const void *body, size_t len);
/* base64(HMAC-SHA256(secret, method + decoded uri + body + timestamp)). */
char *hubspot_sig_v3(struct xh_arena *a, const char *secret, const char *method, const char *uri,
                     const void *body, size_t len, const char *timestamp);
/* 1 if timestamp is 1..15 digits within HUBSPOT_WEBHOOK_MAX_AGE_MS of now_ms. */
int hubspot_ts_fresh(const char *timestamp, long long now_ms);

/*
 * Checks r against each of the nsecrets client secrets (all tried, in
 * constant time): v3 when its header is present; else v1 or v2 only when
 * legacy is set. *matched (may be NULL) gets the index of the secret.
 */
enum hubspot_sig hubspot_webhook_verify(const struct hubspot_sig_req *r, const char *const *secrets,
                                        size_t nsecrets, int legacy, long long now_ms,
                                        int *matched);

/* One event of a delivery; strings in the arena. */
struct hubspot_wh_event {
	long long portal; /* portalId, > 0 */
	const char *key;  /* dedupe key: portal, app, subscription, event id, time, object */
	const char *json; /* the event as received (re-serialised compactly) */
	const char *type; /* subscriptionType or eventType */
};

struct hubspot_wh_payload {
	struct hubspot_wh_event *events;
	size_t nevents;
};

/*
 * Parses a verified body: a JSON array of objects, each with integer
 * eventId, subscriptionId, portalId (> 0), occurredAt and objectId, and a
 * string subscriptionType or eventType. XH_ERR_INVAL otherwise (400).
 */
enum xh_err hubspot_webhook_parse(struct xh_arena *a, const char *body, size_t len,
                                  struct hubspot_wh_payload *out);

#endif
