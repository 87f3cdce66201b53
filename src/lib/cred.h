/*
 * cred.h: a link's vendor credential, sealed in the credential table
 * (sql/0001_init.sql) with AES-256-GCM (crypto.h).
 *
 * The payload is a JSON object (purpose "oauth"):
 *   Xero:    {"access_token": "<bearer token>", "tenant_id": "<uuid>",
 *             "refresh_token": "<token>", "expires_at": <unix seconds>}
 *   HubSpot: {"access_token": "<bearer token>"}
 * refresh_token and expires_at are optional: without a refresh token the
 * access token is used as is (xero/token.h refreshes the others). Readers
 * ignore fields they do not know, and a refresh keeps them. The
 * associated data is "credential:<link_id>:<vendor>:<purpose>", so a
 * sealed blob copied to another row, vendor or purpose does not open.
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
	char *access_token;   /* NULL if absent */
	char *tenant_id;      /* NULL if absent */
	char *refresh_token;  /* NULL if absent */
	long long expires_at; /* access token expiry, unix seconds; 0 if absent */
	char *json;           /* the whole payload, NUL-terminated */
	int version;
};

/*
 * Seals json (must be a JSON object) with the keyring's current key and
 * upserts it as (link, vendor, purpose), bumping version; the row's
 * issued_at becomes now, expires_at follows the payload, and a refresh
 * lease in progress is cancelled (a new consent wins over a refresh).
 * XH_ERR_INVAL for bad JSON or an unknown link/vendor.
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
/*
 * Parses a payload into out (pure; for tests). XH_ERR_INVAL if not an
 * object, or if expires_at is there but not a non-negative integer.
 */
enum xh_err xh_cred_parse(struct xh_arena *a, const char *json, size_t len, struct xh_cred *out);

/*
 * For modules that keep a credential row with their own statements (the
 * Xero token refresh): seals json for (link, vendor, purpose) with the
 * current key, giving the key id and the blob as base64 (for
 * decode($n, 'base64')), both in the arena. XH_ERR_CONFIG without a key.
 */
enum xh_err xh_cred_seal(const struct xh_keyring *kr, struct xh_arena *a, long long link_id,
                         const char *vendor, const char *purpose, const char *json,
                         const char **key_id, char **b64);
/*
 * Opens a row read as (key_id, encode(sealed, 'base64')) and parses it
 * into out (version left 0). XH_ERR_CRYPTO or XH_ERR_INVAL as for
 * xh_cred_load.
 */
enum xh_err xh_cred_open(const struct xh_keyring *kr, struct xh_arena *a, long long link_id,
                         const char *vendor, const char *purpose, const char *key_id,
                         const char *b64, struct xh_cred *out);

/*
 * The same sealing for secrets kept outside the credential table (the
 * webhook keys): plain sealed with the current key under the associated
 * data aad, giving the key id and the blob as base64, in the arena;
 * XH_ERR_CONFIG without a key. Open gives the plaintext back in the arena,
 * or XH_ERR_CRYPTO (unknown key id, other aad, tampered).
 */
enum xh_err xh_secret_seal(const struct xh_keyring *kr, struct xh_arena *a, const char *aad,
                           const char *plain, const char **key_id, char **b64);
enum xh_err xh_secret_open(const struct xh_keyring *kr, struct xh_arena *a, const char *aad,
                           const char *key_id, const char *b64, char **plain);

#endif
