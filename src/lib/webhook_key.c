/*
 * webhook_key.c: the app's webhook keys, sealed (webhook_key.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cred.h"
#include "log.h"
#include "webhook_key.h"

enum wk_sql {
	WK_ADD,    /* WK_ADD */
	WK_REMOVE, /* WK_REMOVE */
	WK_LOAD,   /* WK_LOAD */
	WK__MAX
};

static const struct xh_sql wk_sql[WK__MAX] = {
    /* WK_ADD */
    {"webhook_key_add",
     "INSERT INTO webhook_key (vendor, label, key_id, sealed) VALUES ($1, $2, $3,"
     " decode($4, 'base64')) ON CONFLICT (vendor, label) DO NOTHING RETURNING id",
     4},
    /* WK_REMOVE */
    {"webhook_key_remove", "DELETE FROM webhook_key WHERE vendor = $1 AND label = $2 RETURNING id",
     2},
    /* WK_LOAD */
    {"webhook_key_load",
     XH_SQL_IDEMPOTENT
     "SELECT label, key_id, encode(sealed, 'base64') FROM webhook_key WHERE vendor = $1"
     " ORDER BY created_at DESC, id DESC LIMIT 16",
     1},
};

static int
vendor_valid(const char *v)
{
	return v != NULL && (strcmp(v, "xero") == 0 || strcmp(v, "hubspot") == 0);
}

int
xh_webhook_key_valid(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return n >= XH_WEBHOOK_KEY_MIN && n <= XH_WEBHOOK_KEY_MAX;
}

int
xh_webhook_label_valid(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n >= 1 && n <= 64 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-") == n;
}

static char *
wk_aad(struct xh_arena *a, const char *vendor, const char *label)
{
	return xh_printf(a, "webhook_key:%s:%s", vendor, label);
}

enum xh_err
xh_webhook_key_add(struct xh_db *db, const struct xh_keyring *kr, const char *vendor,
                   const char *label, const char *secret)
{
	struct xh_arena *a = xh_arena_new();
	const char *key_id = NULL;
	char *b64 = NULL;
	PGresult *res = NULL;
	enum xh_err err = XH_ERR_INVAL;

	if (!vendor_valid(vendor) || !xh_webhook_label_valid(label) ||
	    !xh_webhook_key_valid(secret))
		goto out;
	err = xh_secret_seal(kr, a, wk_aad(a, vendor, label), secret, &key_id, &b64);
	if (!err)
		err = xh_db_execv(db, &wk_sql[WK_ADD], &res, vendor, label, key_id, b64);
	if (!err && PQntuples(res) != 1)
		err = XH_ERR_BUSY;
	PQclear(res);
out:
	xh_arena_free(a);
	return err;
}

enum xh_err
xh_webhook_key_remove(struct xh_db *db, const char *vendor, const char *label)
{
	PGresult *res = NULL;
	enum xh_err err;

	if (!vendor_valid(vendor) || !xh_webhook_label_valid(label))
		return XH_ERR_INVAL;
	err = xh_db_execv(db, &wk_sql[WK_REMOVE], &res, vendor, label);
	if (!err && PQntuples(res) == 0)
		err = XH_ERR_NOTFOUND;
	PQclear(res);
	return err;
}

enum xh_err
xh_webhook_keys_load(struct xh_db *db, const struct xh_keyring *kr, struct xh_arena *a,
                     const char *vendor, const char ***keys, size_t *n)
{
	PGresult *res = NULL;
	const char **out;
	char *plain;
	int rows;

	*keys = NULL;
	*n = 0;
	if (xh_db_execv(db, &wk_sql[WK_LOAD], &res, vendor))
		return XH_ERR_DB;
	rows = PQntuples(res);
	out = xh_alloc(a, sizeof(*out) * (size_t)(rows + 1));
	for (int i = 0; i < rows; i++) {
		const char *label = PQgetvalue(res, i, 0);

		if (xh_secret_open(kr, a, wk_aad(a, vendor, label), PQgetvalue(res, i, 1),
		                   PQgetvalue(res, i, 2), &plain) != XH_OK) {
			xh_log(XH_LOG_WARN, "webhook.key_unreadable", "vendor", vendor, "label",
			       label, NULL);
			continue;
		}
		out[(*n)++] = plain;
	}
	PQclear(res);
	*keys = out;
	return XH_OK;
}
