/*
 * cred.h: a link's vendor credential, sealed in the credential table
 * (sql/0001_init.sql) with AES-256-GCM (crypto.h).
 *
 * The payload is a JSON object. The minimal form the diagnostic jobs use
 * (purpose "oauth"):
 *   Xero:    {"access_token": "<bearer token>", "tenant_id": "<uuid>"}
 *   HubSpot: {"access_token": "<bearer token>"}
 * Later writers (the OAuth flows) may add fields (refresh_token,
 * expires_at, ...); readers ignore what they do not know. The associated
 * data is "credential:<link_id>:<vendor>:<purpose>", so a sealed blob
 * copied to another row, vendor or purpose does not open.
 */
#ifndef XH_CRED_H
#define XH_CRED_H

#include "arena.h"
#include "crypto.h"
#include "db.h"
#include "xh.h"

#define XH_CRED_OAUTH "oauth"

/* A loaded credential; strings in the caller's arena. */
struct xh_cred {
	char *access_token; /* NULL if absent */
	char *tenant_id;    /* NULL if absent */
	int version;
};

/*
 * Seals json (must be a JSON object) with the keyring's current key and
 * upserts it as (link, vendor, purpose), bumping version. XH_ERR_INVAL for
 * bad JSON or an unknown link/vendor.
 */
enum xh_err xh_cred_store(struct xh_db *db, const struct xh_keyring *kr, long long link_id,
                          const char *vendor, const char *purpose, const char *json);
/*
 * Loads and opens the credential. XH_ERR_NOTFOUND if there is none,
 * XH_ERR_CRYPTO if it does not open (unknown key id or tampered),
 * XH_ERR_INVAL if the payload is not a JSON object.
 */
enum xh_err xh_cred_load(struct xh_db *db, const struct xh_keyring *kr, struct xh_arena *a,
                         long long link_id, const char *vendor, const char *purpose,
                         struct xh_cred *out);
/* Parses a payload into out (pure; for tests). XH_ERR_INVAL if not an object. */
enum xh_err xh_cred_parse(struct xh_arena *a, const char *json, size_t len, struct xh_cred *out);

#endif
