/*
 * webhook.h: what the two webhook handlers (webhook_xero.c,
 * webhook_hubspot.c) share: the process's keyring, the vendor's keys,
 * the delivery log and the bare answer vendors expect.
 */
#ifndef XH_WEB_WEBHOOK_H
#define XH_WEB_WEBHOOK_H

#include "web/web.h"

#define WEB_WH_SAMPLE 256 /* bytes of a refused body kept, before escaping */

/* One line of the delivery log (webhook_delivery). */
struct web_wh_log {
	long long id; /* the row's id when reserved beforehand, else 0 */
	const char *vendor;
	int status;
	int verified;
	const char *outcome; /* "stored", "duplicate", "itr", "bad_signature", ... */
	long long events, new_events, unknown;
	const char *link_ids; /* "{1,2}" or NULL */
	const char *job_ids;  /* "{7}" or NULL */
	const char *sample;   /* refused body's escaped start, or NULL */
};

/* The process's keyring (loaded once, also to seal secrets), or NULL when unreadable. */
struct xh_keyring;
const struct xh_keyring *web_wh_keyring(struct web_ctx *ctx);
/*
 * The vendor's active keys, opened with the process's keyring (loaded
 * once). XH_ERR_CONFIG when the key file cannot be read, XH_ERR_DB.
 */
enum xh_err web_wh_keys(struct web_ctx *ctx, struct xh_arena *a, const char *vendor,
                        const char ***keys, size_t *n);
/* The first WEB_WH_SAMPLE bytes of body, printable ASCII kept, the rest as \xHH. */
char *web_wh_sample(struct xh_arena *a, const char *body, size_t len);
/* Writes l (inside the caller's transaction if one is open); *id (may be NULL) its row. */
enum xh_err web_wh_log(struct xh_db *db, struct xh_arena *a, const struct web_wh_log *l,
                       long long *id);
/*
 * Answers a refusal: logs it (a database failure only to the process
 * log), sets the reason, and returns status with an empty body.
 */
int web_wh_refuse(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp,
                  struct web_wh_log *l, const char *reason);
/* The answer vendors expect: status, no body, no cookie. */
int web_wh_bare(struct web_resp *resp, int status);

#endif
