/*
 * webhook.h: Xero webhook deliveries (XERO.md section 6, DESIGN.md
 * section 8).
 *
 * The pure parts (webhook.c): the signature check over the raw body and
 * the payload parser, for the unit tests and the fuzzer. The intake
 * (webhook_intake.c) stores a verified delivery, adds its ids to
 * pending_fetch and enqueues one debounced xero.fetch per link and
 * object, in one transaction; xero.fetch (fetch.c) asks Xero for those
 * ids, at most XERO_FETCH_IDS per call.
 */
#ifndef XH_XERO_WEBHOOK_H
#define XH_XERO_WEBHOOK_H

#include <stddef.h>

#include "arena.h"
#include "job.h"
#include "xh.h"

#define XERO_WEBHOOK_SIG_LEN 44 /* base64 of a SHA-256 HMAC, with its padding */
#define XERO_FETCH_IDS       50 /* ids per IDs= call (XERO.md 2.4: over about 52 gives 404) */
#define XERO_FETCH_KIND      "xero.fetch"

/*
 * Checks x-xero-signature (sig, siglen bytes) against
 * base64(HMAC-SHA256(key as its ASCII bytes, body)) for each of the
 * nkeys keys, comparing in constant time; every key is tried, whatever
 * matched. Returns the index of the first key that matches, -1 if none.
 */
int xero_webhook_verify(const char *sig, size_t siglen, const void *body, size_t len,
                        const char *const *keys, size_t nkeys);

/* One event of a delivery. */
struct xero_wh_event {
	const char *tenant;   /* tenantId, a UUID */
	const char *resource; /* resourceId, a UUID */
	const char *object;   /* the mirror's object ("contact", ...) or NULL: not one we fetch */
};

/* A parsed delivery. */
struct xero_wh_payload {
	struct xero_wh_event *events;
	size_t nevents;
	size_t ignored; /* events of categories we do not mirror (SUBSCRIPTION, ...) */
	long long first_seq, last_seq;
	int itr; /* an intent-to-receive probe: no events, sequence numbers 0 */
};

/*
 * Parses a verified body: {"events": [...], "firstEventSequence": n,
 * "lastEventSequence": n, "entropy": "..."}; each event needs a UUID
 * resourceId and tenantId and a string eventCategory. XH_ERR_INVAL for
 * anything else (the intake answers 400); strings in the arena.
 */
enum xh_err xero_webhook_parse(struct xh_arena *a, const char *body, size_t len,
                               struct xero_wh_payload *out);

/* The mirror object of an eventCategory ("CONTACT" -> "contact"), or NULL. */
const char *xero_webhook_object(const char *category);
/* 1 if Xero sends webhooks for the mirror object named object. */
int xero_webhook_has(const char *object);

/* Job handler of xero.fetch (args {"object": "contact"}); see job.h. */
enum xh_err xero_fetch(struct job_ctx *ctx);

/*
 * The ids of the records a fetch call's answer holds (kept by the pull's
 * rules or not), in the arena: those are done with; the ids asked for and
 * not among them are marked missing. XH_ERR_INVAL if the body is not the
 * endpoint's list.
 */
enum xh_err xero_fetch_returned(struct xh_arena *a, const char *endpoint, const char *id_field,
                                const char *body, size_t len, const char ***ids, size_t *n);

/* 1 if endpoint takes IDs= (XERO.md 2.4: Contacts and Invoices); else one GET per record. */
int xero_fetch_by_ids(const char *endpoint);

/* The path and query of one fetch call for ids[0..n-1] of object (pure; for tests). */
char *xero_fetch_path(struct xh_arena *a, const char *endpoint, const char *const *ids, size_t n);

#endif
