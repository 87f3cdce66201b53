/*
 * cred.c: sealing, storing and opening link credentials (cred.h).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cred.h"

enum cred_sql {
	CQ_STORE, /* CQ_STORE */
	CQ_LOAD,  /* CQ_LOAD */
	CQ__MAX
};

static const struct xh_sql cred_sql[CQ__MAX] = {
    /* CQ_STORE */
    {"cred_store",
     "INSERT INTO credential (link_id, vendor, purpose, key_id, sealed, expires_at)"
     " VALUES ($1::bigint, $2, $3, $4, decode($5, 'base64'),"
     " to_timestamp(nullif($6::bigint, 0)))"
     " ON CONFLICT (link_id, vendor, purpose) DO UPDATE SET key_id = EXCLUDED.key_id,"
     " sealed = EXCLUDED.sealed, version = credential.version + 1,"
     " expires_at = EXCLUDED.expires_at, issued_at = now(), refreshing_until = NULL,"
     " refresh_holder = NULL",
     6},
    /* CQ_LOAD */
    {"cred_load",
     "SELECT key_id, encode(sealed, 'base64'), version FROM credential"
     " WHERE link_id = $1::bigint AND vendor = $2 AND purpose = $3",
     3},
};

/* The associated data binding a blob to its row and purpose. */
static char *
cred_aad(struct xh_arena *a, long long link_id, const char *vendor, const char *purpose)
{
	return xh_printf(a, "credential:%lld:%s:%s", link_id, vendor, purpose);
}

/* A string member of obj copied into the arena, or NULL. */
static char *
member(struct xh_arena *a, json_object *obj, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return xh_strdup(a, json_object_get_string(v));
}

/* expires_at: absent is 0; else a non-negative integer (XH_ERR_INVAL if not). */
static enum xh_err
expires_member(json_object *obj, long long *out)
{
	json_object *v = NULL;

	*out = 0;
	if (!json_object_object_get_ex(obj, "expires_at", &v))
		return XH_OK;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return XH_ERR_INVAL;
	*out = json_object_get_int64(v);
	return XH_OK;
}

enum xh_err
xh_cred_parse(struct xh_arena *a, const char *json, size_t len, struct xh_cred *out)
{
	json_tokener *tok = json_tokener_new();
	json_object *obj;
	enum xh_err err;

	memset(out, 0, sizeof(*out));
	if (tok == NULL)
		return XH_ERR_NOMEM;
	obj = json_tokener_parse_ex(tok, json, (int)len);
	if (obj == NULL || json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		json_tokener_free(tok);
		return XH_ERR_INVAL;
	}
	out->access_token = member(a, obj, "access_token");
	out->tenant_id = member(a, obj, "tenant_id");
	out->refresh_token = member(a, obj, "refresh_token");
	out->json = xh_strndup(a, json, len);
	err = expires_member(obj, &out->expires_at);
	json_object_put(obj);
	json_tokener_free(tok);
	return err;
}

enum xh_err
xh_secret_seal(const struct xh_keyring *kr, struct xh_arena *a, const char *aad, const char *plain,
               const char **key_id, char **b64)
{
	struct xh_buf sealed;
	enum xh_err err;

	if (kr == NULL || kr->n == 0)
		return XH_ERR_CONFIG;
	xh_buf_init(&sealed);
	err = xh_seal(&kr->keys[0], plain, strlen(plain), aad, strlen(aad), &sealed);
	if (!err) {
		*key_id = kr->keys[0].id;
		*b64 = xh_b64_encode(a, sealed.data, sealed.len);
	}
	xh_buf_free(&sealed);
	return err;
}

enum xh_err
xh_cred_seal(const struct xh_keyring *kr, struct xh_arena *a, long long link_id, const char *vendor,
             const char *purpose, const char *json, const char **key_id, char **b64)
{
	return xh_secret_seal(kr, a, cred_aad(a, link_id, vendor, purpose), json, key_id, b64);
}

enum xh_err
xh_cred_store(struct xh_db *db, const struct xh_keyring *kr, long long link_id, const char *vendor,
              const char *purpose, const char *json)
{
	struct xh_arena *a = xh_arena_new();
	struct xh_cred c;
	const char *key_id = NULL;
	char *b64 = NULL, link[24], exp[24];
	enum xh_err err;

	err = kr == NULL || kr->n == 0 ? XH_ERR_CONFIG : xh_cred_parse(a, json, strlen(json), &c);
	if (!err)
		err = xh_cred_seal(kr, a, link_id, vendor, purpose, json, &key_id, &b64);
	if (err)
		goto out;
	snprintf(link, sizeof(link), "%lld", link_id);
	snprintf(exp, sizeof(exp), "%lld", c.expires_at);
	err = xh_db_execv(db, &cred_sql[CQ_STORE], NULL, link, vendor, purpose, key_id, b64, exp);
	if (err && (xh_db_sqlstate(db)[0] == '2' && xh_db_sqlstate(db)[1] == '3'))
		err = XH_ERR_INVAL;
out:
	xh_arena_free(a);
	return err;
}

/* Opens the sealed row (key id, base64 blob) into plain. */
static enum xh_err
cred_open(const struct xh_keyring *kr, struct xh_arena *a, const char *key_id, const char *b64,
          const char *aad, struct xh_buf *plain)
{
	const struct xh_key *k = kr != NULL ? xh_keyring_find(kr, key_id) : NULL;
	unsigned char *blob = NULL;
	size_t bloblen = 0;
	struct xh_buf clean;
	enum xh_err err;

	if (k == NULL)
		return XH_ERR_CRYPTO;
	/* encode(..., 'base64') wraps lines every 76 characters */
	xh_buf_init(&clean);
	for (const char *p = b64; *p != '\0'; p++)
		if (*p != '\n')
			xh_buf_putc(&clean, *p);
	err = xh_b64_decode(a, clean.data != NULL ? clean.data : "", clean.len, &blob, &bloblen);
	xh_buf_free(&clean);
	if (err)
		return XH_ERR_CRYPTO;
	return xh_open(k, blob, bloblen, aad, strlen(aad), plain);
}

enum xh_err
xh_secret_open(const struct xh_keyring *kr, struct xh_arena *a, const char *aad, const char *key_id,
               const char *b64, char **plain)
{
	struct xh_buf buf;
	enum xh_err err;

	*plain = NULL;
	xh_buf_init(&buf);
	err = cred_open(kr, a, key_id, b64, aad, &buf);
	if (!err)
		*plain = xh_strndup(a, buf.data != NULL ? buf.data : "", buf.len);
	if (buf.data != NULL)
		explicit_bzero(buf.data, buf.cap);
	xh_buf_free(&buf);
	return err;
}

enum xh_err
xh_cred_open(const struct xh_keyring *kr, struct xh_arena *a, long long link_id, const char *vendor,
             const char *purpose, const char *key_id, const char *b64, struct xh_cred *out)
{
	struct xh_buf plain;
	enum xh_err err;

	memset(out, 0, sizeof(*out));
	xh_buf_init(&plain);
	err = cred_open(kr, a, key_id, b64, cred_aad(a, link_id, vendor, purpose), &plain);
	if (!err)
		err = xh_cred_parse(a, plain.data, plain.len, out);
	if (plain.data != NULL)
		explicit_bzero(plain.data, plain.cap);
	xh_buf_free(&plain);
	return err;
}

enum xh_err
xh_cred_load(struct xh_db *db, const struct xh_keyring *kr, struct xh_arena *a, long long link_id,
             const char *vendor, const char *purpose, struct xh_cred *out)
{
	PGresult *res = NULL;
	char link[24];
	enum xh_err err;

	memset(out, 0, sizeof(*out));
	snprintf(link, sizeof(link), "%lld", link_id);
	err = xh_db_execv(db, &cred_sql[CQ_LOAD], &res, link, vendor, purpose);
	if (err)
		goto out;
	if (PQntuples(res) == 0) {
		err = XH_ERR_NOTFOUND;
		goto out;
	}
	err = xh_cred_open(kr, a, link_id, vendor, purpose, PQgetvalue(res, 0, 0),
	                   PQgetvalue(res, 0, 1), out);
	if (!err)
		out->version = (int)strtol(PQgetvalue(res, 0, 2), NULL, 10);
out:
	PQclear(res);
	return err;
}
