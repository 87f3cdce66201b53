/*
 * session.c: admin sessions (DESIGN.md §9).
 *
 * The cookie __Host-sid (Secure, HttpOnly, SameSite=Strict, Path=/, no
 * Domain) holds 256 random bits; the database keeps only their SHA-256.
 * A new token is made at every sign-in and the one presented is deleted,
 * so a token planted before sign-in is worth nothing after it. Sessions
 * end after WEB_SESSION_IDLE_S without a request and WEB_SESSION_MAX_S
 * after sign-in. The CSRF token of a session is HMAC(token, purpose): it
 * needs no storage in clear, and its hash is kept with the session.
 *
 * Every POST must also come from our own origin: Sec-Fetch-Site, when the
 * browser sends it, must be same-origin, and Origin, when sent, must be
 * the origin of web.public_url; a POST with neither is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "crypto.h"
#include "log.h"
#include "web.h"

#define TOKEN_BYTES 32
#define CSRF_FIELD  "csrf"
#define UA_MAX      512

enum session_sql {
	SESS_INSERT, /* SESS_INSERT */
	SESS_TOUCH,  /* SESS_TOUCH */
	SESS_DELETE, /* SESS_DELETE */
	SESS_PURGE,  /* SESS_PURGE */
	SESS__MAX
};

/* clang-format off */
static const struct xh_sql session_sql[SESS__MAX] = {
    /* SESS_INSERT */
    {"web_session_insert",
     "INSERT INTO session (token_hash, user_id, csrf_token_hash, idle_expires_at, expires_at,"
     " remote_addr, user_agent)"
     " VALUES (decode($1, 'hex'), $2::bigint, decode($3, 'hex'),"
     " now() + make_interval(secs => $4::int), now() + make_interval(secs => $5::int),"
     " NULLIF($6, '')::inet, NULLIF($7, ''))", 7},
    /* SESS_TOUCH: a live session of an enabled user, its idle expiry moved on */
    {"web_session_touch",
     XH_SQL_IDEMPOTENT "UPDATE session s SET last_seen_at = now(),"
     " idle_expires_at = least(now() + make_interval(secs => $2::int), s.expires_at)"
     " FROM app_user u WHERE s.token_hash = decode($1, 'hex') AND u.id = s.user_id"
     " AND NOT u.disabled AND s.idle_expires_at > now() AND s.expires_at > now()"
     " RETURNING s.user_id, u.email, encode(s.csrf_token_hash, 'hex')", 2},
    /* SESS_DELETE */
    {"web_session_delete", XH_SQL_IDEMPOTENT "DELETE FROM session WHERE token_hash = decode($1, 'hex')", 1},
    /* SESS_PURGE */
    {"web_session_purge",
     XH_SQL_IDEMPOTENT "DELETE FROM session WHERE expires_at < now() OR idle_expires_at < now()", 0},
};
/* clang-format on */

/* Hex SHA-256 of s, in a. */
static const char *
hash_hex(struct xh_arena *a, const char *s)
{
	unsigned char d[XH_SHA256_LEN];

	xh_sha256(s, strlen(s), d);
	return xh_hex(a, d, sizeof(d));
}

/* base64url(HMAC-SHA256(key = token, purpose)): a form token bound to token. */
const char *
web_token_mac(struct xh_arena *a, const char *token, const char *purpose)
{
	unsigned char mac[XH_SHA256_LEN];

	xh_hmac_sha256(token, strlen(token), purpose, strlen(purpose), mac);
	return xh_b64url_encode(a, mac, sizeof(mac));
}

/* 1 if the submitted token got equals want (constant time after the length check). */
int
web_token_matches(const char *got, const char *want)
{
	return got != NULL && want != NULL && xh_ct_equal(got, strlen(got), want, strlen(want));
}

/* 1 if s looks like one of our tokens (base64url, 43 characters). */
static int
token_shaped(const char *s)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                            "0123456789-_";

	return s != NULL && strlen(s) == 43 && strspn(s, alpha) == 43;
}

/* Sets a __Host- cookie; an empty value with max_age 0 deletes it. */
static void
set_cookie(struct web_resp *resp, const char *name, const char *value, int delete)
{
	web_resp_header(resp, "Set-Cookie",
	                xh_printf(resp->arena, "%s=%s; Path=/; Secure; HttpOnly; SameSite=Strict%s",
	                          name, value, delete ? "; Max-Age=0" : ""));
}

/* 303 See Other to location (a path of ours). */
void
web_redirect(struct web_resp *resp, const char *location)
{
	resp->status = 303;
	web_resp_header(resp, "Location", location);
}

/* The User-Agent cut to printable ASCII and UA_MAX bytes, for the session row. */
static const char *
clean_agent(struct xh_arena *a, const char *ua)
{
	size_t i, n = ua ? strlen(ua) : 0;
	char *out;

	if (n > UA_MAX)
		n = UA_MAX;
	out = xh_strndup(a, ua ? ua : "", n);
	for (i = 0; i < n; i++)
		if (out[i] < ' ' || out[i] > '~')
			out[i] = '?';
	return out;
}

/*
 * The session of req's cookie, its idle expiry moved on; NULL if there is
 * none, it expired, its user is disabled, or the database failed.
 */
struct web_session *
web_session_find(struct web_ctx *ctx, struct web_req *req)
{
	const char *tok = web_kv_get(&req->cookies, WEB_SESSION_COOKIE), *csrf;
	struct web_session *s = NULL;
	char idle[16];
	PGresult *res = NULL;

	if (req->session != NULL || !token_shaped(tok))
		return req->session;
	snprintf(idle, sizeof(idle), "%d", WEB_SESSION_IDLE_S);
	if (xh_db_execv(ctx->db, &session_sql[SESS_TOUCH], &res, hash_hex(req->arena, tok), idle) !=
	        XH_OK ||
	    PQntuples(res) != 1)
		goto out;
	csrf = web_token_mac(req->arena, tok, "csrf");
	/* the stored hash must be the one of the token we derive */
	if (!web_token_matches(PQgetvalue(res, 0, 2), hash_hex(req->arena, csrf)))
		goto out;
	s = xh_alloc(req->arena, sizeof(*s));
	s->user_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	s->email = xh_strdup(req->arena, PQgetvalue(res, 0, 1));
	s->token = tok;
	s->csrf = csrf;
	req->session = s;
out:
	PQclear(res);
	return s;
}

/* Deletes the session whose token req's cookie holds, if any. */
static void
delete_presented(struct web_ctx *ctx, struct web_req *req)
{
	const char *tok = web_kv_get(&req->cookies, WEB_SESSION_COOKIE);
	PGresult *res = NULL;

	if (token_shaped(tok))
		xh_db_execv(ctx->db, &session_sql[SESS_DELETE], &res, hash_hex(req->arena, tok));
	PQclear(res);
}

/*
 * Signs user_id in: drops the session presented (rotation) and expired
 * ones, stores a new one and sets its cookie; req->session is the new
 * session. XH_ERR_DB or XH_ERR_CRYPTO on failure (the caller answers 500).
 */
enum xh_err
web_session_start(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp,
                  long long user_id, const char *email)
{
	const char *tok = xh_random_token(req->arena, TOKEN_BYTES), *csrf;
	char uid[24], idle[16], max[16];
	PGresult *res = NULL;
	enum xh_err err;

	if (tok == NULL)
		return XH_ERR_CRYPTO;
	delete_presented(ctx, req);
	xh_db_execv(ctx->db, &session_sql[SESS_PURGE], &res);
	PQclear(res);
	res = NULL;
	csrf = web_token_mac(req->arena, tok, "csrf");
	snprintf(uid, sizeof(uid), "%lld", user_id);
	snprintf(idle, sizeof(idle), "%d", WEB_SESSION_IDLE_S);
	snprintf(max, sizeof(max), "%d", WEB_SESSION_MAX_S);
	err = xh_db_execv(
	    ctx->db, &session_sql[SESS_INSERT], &res, hash_hex(req->arena, tok), uid,
	    hash_hex(req->arena, csrf), idle, max,
	    web_env_get(req->env, "REMOTE_ADDR") ? web_env_get(req->env, "REMOTE_ADDR") : "",
	    clean_agent(req->arena, web_env_get(req->env, "HTTP_USER_AGENT")));
	PQclear(res);
	if (err != XH_OK)
		return err;
	set_cookie(resp, WEB_SESSION_COOKIE, tok, 0);
	req->session = xh_alloc(req->arena, sizeof(*req->session));
	*req->session = (struct web_session){user_id, xh_strdup(req->arena, email), tok, csrf};
	return XH_OK;
}

/* Signs out: deletes the session presented and clears the cookie. */
void
web_session_end(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	delete_presented(ctx, req);
	set_cookie(resp, WEB_SESSION_COOKIE, "", 1);
	req->session = NULL;
}

/* The origin (scheme://host[:port]) of url, in a. */
static const char *
origin_of(struct xh_arena *a, const char *url)
{
	const char *p = strstr(url, "://");
	size_t n = p ? (size_t)(p - url) + 3 + strcspn(p + 3, "/?#") : strlen(url);

	return xh_strndup(a, url, n);
}

/*
 * 1 if a POST comes from our own pages: Sec-Fetch-Site (if sent) is
 * same-origin, Origin (if sent) is web.public_url's origin, and at least
 * one of the two was sent.
 */
int
web_origin_ok(const struct web_ctx *ctx, const struct web_req *req)
{
	const char *want;

	if (req->sec_fetch_site[0] == '\0' && req->origin[0] == '\0')
		return 0;
	if (req->sec_fetch_site[0] != '\0' && strcmp(req->sec_fetch_site, "same-origin") != 0)
		return 0;
	if (req->origin[0] == '\0')
		return 1;
	want = origin_of(req->arena, ctx->cfg->web.public_url);
	return strcmp(req->origin, want) == 0;
}

/*
 * The pre-sign-in token of req's __Host-pre cookie; a new one (with its
 * cookie set on resp) if there is none. The sign-in form carries
 * web_token_mac(token, "login"), so a form posted from elsewhere fails.
 */
const char *
web_prelogin_token(struct web_req *req, struct web_resp *resp)
{
	const char *tok = web_kv_get(&req->cookies, WEB_PRELOGIN_COOKIE);

	if (token_shaped(tok) || resp == NULL)
		return token_shaped(tok) ? tok : NULL;
	if ((tok = xh_random_token(req->arena, TOKEN_BYTES)) != NULL)
		set_cookie(resp, WEB_PRELOGIN_COOKIE, tok, 0);
	return tok;
}

/*
 * The auth hook (web_auth_check) for session routes. WEB_AUTH_SESSION: a
 * GET without a session is sent to /login (303), anything else gets 401.
 * WEB_AUTH_SESSION_CSRF: also a same-origin POST carrying the session's
 * CSRF token, else 403. Other kinds are not ours: 500.
 */
int
web_session_auth(struct web_ctx *ctx, enum web_auth auth, struct web_req *req,
                 struct web_resp *resp)
{
	struct web_session *s;

	if (auth != WEB_AUTH_SESSION && auth != WEB_AUTH_SESSION_CSRF) {
		resp->reason = "no check installed for this auth kind";
		return 500;
	}
	if (auth == WEB_AUTH_SESSION_CSRF && !web_origin_ok(ctx, req)) {
		resp->reason = "cross-origin POST";
		return 403;
	}
	if ((s = web_session_find(ctx, req)) == NULL) {
		resp->reason = "no valid session";
		if (req->method != WEB_GET && req->method != WEB_HEAD)
			return 403;
		web_redirect(resp, "/login");
		web_resp_body(resp, "text/plain; charset=utf-8", "See /login\n", 11);
		return 303;
	}
	if (auth == WEB_AUTH_SESSION_CSRF &&
	    !web_token_matches(web_kv_get(&req->form, CSRF_FIELD), s->csrf)) {
		resp->reason = "CSRF token missing or wrong";
		return 403;
	}
	return 0;
}
