/*
 * webhook_key.h: the app's webhook keys (Xero) and client secrets
 * (HubSpot), sealed in the webhook_key table (sql/0009_webhooks.sql) with
 * the associated data "webhook_key:<vendor>:<label>". Several keys of a
 * vendor are active at once, so a key can be rotated without downtime:
 * add the new one, switch the vendor over, remove the old one.
 */
#ifndef XH_WEBHOOK_KEY_H
#define XH_WEBHOOK_KEY_H

#include <stddef.h>

#include "arena.h"
#include "crypto.h"
#include "db.h"
#include "xh.h"

#define XH_WEBHOOK_KEY_MIN 8
#define XH_WEBHOOK_KEY_MAX 256

/* 1 if s may be a key: XH_WEBHOOK_KEY_MIN..MAX visible ASCII characters. */
int xh_webhook_key_valid(const char *s);
/* 1 if s may be a label: [A-Za-z0-9_.:-]{1,64}. */
int xh_webhook_label_valid(const char *s);

/*
 * Seals secret and stores it as (vendor, label). XH_ERR_INVAL for a bad
 * vendor, label or secret, XH_ERR_BUSY if the label is taken,
 * XH_ERR_CONFIG without a master key.
 */
enum xh_err xh_webhook_key_add(struct xh_db *db, const struct xh_keyring *kr, const char *vendor,
                               const char *label, const char *secret);
/* Removes (vendor, label); XH_ERR_NOTFOUND if there is none. */
enum xh_err xh_webhook_key_remove(struct xh_db *db, const char *vendor, const char *label);
/*
 * The vendor's keys, opened, in the arena (*keys[0..*n-1], newest first).
 * A row that does not open (another master key, tampered) is logged by
 * label and left out.
 */
enum xh_err xh_webhook_keys_load(struct xh_db *db, const struct xh_keyring *kr, struct xh_arena *a,
                                 const char *vendor, const char ***keys, size_t *n);

#endif
