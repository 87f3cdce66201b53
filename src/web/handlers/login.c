/*
 * login.c: GET/POST /login and POST /logout.
 *
 * A wrong email and a wrong password get the same answer, and take the
 * same time (a missing account is checked against a dummy Argon2id hash).
 * Failures are counted per account (the email as typed, existing or not)
 * and per client address in login_throttle; over the limit, every attempt
 * is refused with one message for a while, right password or not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <libpq-fe.h>

#include "password.h"
#include "web/web.h"

#define ACCOUNT_FAILURES 5  /* per email in the window */
#define IP_FAILURES      20 /* per client address in the window */
#define EMAIL_MAX        254

static const char msg_wrong[] = "The email or the password is not right.";
static const char msg_throttled[] = "Too many failed sign-ins. Wait 15 minutes, then try again.";
static const char msg_expired[] = "The sign-in form had expired. Try again.";

enum login_sql {
	LOGIN_USER,    /* LOGIN_USER */
	LOGIN_BLOCKED, /* LOGIN_BLOCKED */
	LOGIN_FAILED,  /* LOGIN_FAILED */
	LOGIN_CLEAR,   /* LOGIN_CLEAR */
	LOGIN_TOUCH,   /* LOGIN_TOUCH */
	LOGIN__MAX
};

/* clang-format off */
static const struct xh_sql login_sql[LOGIN__MAX] = {
    /* LOGIN_USER */
    {"web_login_user",
     XH_SQL_IDEMPOTENT "SELECT id, password_hash, disabled::int, email FROM app_user WHERE lower(email) = lower($1)", 1},
    /* LOGIN_BLOCKED: is the account or the address blocked now? */
    {"web_login_blocked",
     "SELECT 1 FROM login_throttle WHERE blocked_until > now()"
     " AND ((scope = 'account' AND key = lower($1)) OR (scope = 'ip' AND key = $2))", 2},
    /* LOGIN_FAILED: count a failure on both scopes; block at the limit (15-minute window) */
    {"web_login_failed",
     "INSERT INTO login_throttle AS t (scope, key, failures, window_start)"
     " SELECT v.scope, v.key, 1, now() FROM (VALUES ('account', lower($1)), ('ip', $2)) AS v(scope, key)"
     " WHERE v.key <> ''"
     " ON CONFLICT (scope, key) DO UPDATE SET"
     " failures = CASE WHEN t.window_start < now() - interval '15 minutes' THEN 1 ELSE t.failures + 1 END,"
     " window_start = CASE WHEN t.window_start < now() - interval '15 minutes' THEN now() ELSE t.window_start END,"
     " blocked_until = CASE WHEN t.window_start >= now() - interval '15 minutes'"
     "  AND t.failures + 1 >= CASE WHEN t.scope = 'account' THEN $3::int ELSE $4::int END"
     "  THEN now() + interval '15 minutes' ELSE t.blocked_until END", 4},
    /* LOGIN_CLEAR: a successful sign-in forgets the account's failures */
    {"web_login_clear", "DELETE FROM login_throttle WHERE scope = 'account' AND key = lower($1)", 1},
    /* LOGIN_TOUCH */
    {"web_login_touch", "UPDATE app_user SET last_login_at = now() WHERE id = $1::bigint", 1},
};
/* clang-format on */

/* Renders the sign-in form (status, an error message or NULL, the email typed). */
static int
login_form(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, int status,
           const char *error, const char *email)
{
	struct json_object *d = json_object_new_object();
	const char *pre = web_prelogin_token(req, resp);

	if (pre == NULL) {
		json_object_put(d);
		resp->reason = "no random bytes for the sign-in token";
		return 500;
	}
	json_object_object_add(d, "login_csrf",
	                       json_object_new_string(web_token_mac(req->arena, pre, "login")));
	if (error != NULL)
		json_object_object_add(d, "error", json_object_new_string(error));
	json_object_object_add(d, "email", json_object_new_string(email ? email : ""));
	return web_page(ctx, req, resp, status, "login", "Sign in - xhsync", d);
}

/* GET /login: the form; someone signed in already goes to the dashboard. */
int
web_handle_login(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	if (web_session_find(ctx, req) != NULL) {
		web_redirect(resp, "/");
		return 303;
	}
	return login_form(ctx, req, resp, 200, NULL, NULL);
}

/* A hash to check against when the account does not exist (same cost). */
static const char *
dummy_hash(void)
{
	static char h[XH_PASSWORD_HASH_MAX];

	if (h[0] == '\0' && xh_password_hash("no such account, same work", h, sizeof(h)) != XH_OK)
		h[0] = '\0';
	return h;
}

/* The client address nginx saw, or "". */
static const char *
client_addr(const struct web_req *req)
{
	const char *a = web_env_get(req->env, "REMOTE_ADDR");

	return a && strlen(a) < 64 ? a : "";
}

/* 1 if the email field is something we can store and look up. */
static int
email_usable(const char *e)
{
	size_t i, n = e ? strlen(e) : 0;

	if (n == 0 || n > EMAIL_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (e[i] <= ' ' || e[i] > '~')
			return 0;
	return 1;
}

/* 1 if the account or the address is blocked (or the database failed: fail closed). */
static int
blocked(struct web_ctx *ctx, const char *email, const char *ip)
{
	PGresult *res = NULL;
	int b = 1;

	if (xh_db_execv(ctx->db, &login_sql[LOGIN_BLOCKED], &res, email, ip) == XH_OK)
		b = PQntuples(res) > 0;
	PQclear(res);
	return b;
}

static void
record_failure(struct web_ctx *ctx, const char *email, const char *ip)
{
	char acc[16], addr[16];
	PGresult *res = NULL;

	snprintf(acc, sizeof(acc), "%d", ACCOUNT_FAILURES);
	snprintf(addr, sizeof(addr), "%d", IP_FAILURES);
	xh_db_execv(ctx->db, &login_sql[LOGIN_FAILED], &res, email, ip, acc, addr);
	PQclear(res);
}

/*
 * Checks email and password: 1 and *uid, *canon (the stored email) if
 * they match an enabled account, else 0. Always runs one Argon2id check.
 */
static int
check_password(struct web_ctx *ctx, struct web_req *req, const char *email, const char *pw,
               long long *uid, const char **canon)
{
	PGresult *res = NULL;
	int found = 0, ok;

	if (xh_db_execv(ctx->db, &login_sql[LOGIN_USER], &res, email) == XH_OK)
		found = PQntuples(res) == 1;
	ok = xh_password_verify(found ? PQgetvalue(res, 0, 1) : dummy_hash(), pw);
	if (found && ok && strcmp(PQgetvalue(res, 0, 2), "0") == 0) {
		*uid = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		*canon = xh_strdup(req->arena, PQgetvalue(res, 0, 3));
	} else {
		ok = 0;
	}
	PQclear(res);
	return ok;
}

/* After a good password: clear the account's failures and start a session. */
static int
sign_in(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, long long uid,
        const char *email)
{
	char id[24];
	PGresult *res = NULL;

	if (web_session_start(ctx, req, resp, uid, email) != XH_OK) {
		resp->reason = "cannot store the session";
		return 500;
	}
	snprintf(id, sizeof(id), "%lld", uid);
	xh_db_execv(ctx->db, &login_sql[LOGIN_CLEAR], &res, email);
	PQclear(res);
	res = NULL;
	xh_db_execv(ctx->db, &login_sql[LOGIN_TOUCH], &res, id);
	PQclear(res);
	web_redirect(resp, "/");
	return 303;
}

/*
 * POST /login: 403 for a cross-origin post or a form without its
 * pre-sign-in token, 429 while throttled, 401 with the form again for a
 * wrong email or password, 303 to / with a fresh session cookie.
 */
int
web_handle_login_post(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	const char *email = web_kv_get(&req->form, "email"),
	           *pw = web_kv_get(&req->form, "password");
	const char *pre = web_prelogin_token(req, NULL), *ip = client_addr(req), *canon = NULL;
	long long uid = 0;

	if (!web_origin_ok(ctx, req)) {
		resp->reason = "cross-origin POST";
		return 403;
	}
	if (pre == NULL || !web_token_matches(web_kv_get(&req->form, "csrf"),
	                                      web_token_mac(req->arena, pre, "login")))
		return login_form(ctx, req, resp, 403, msg_expired,
		                  email_usable(email) ? email : "");
	if (!email_usable(email) || pw == NULL || *pw == '\0' || strlen(pw) > XH_PASSWORD_MAX)
		return login_form(ctx, req, resp, 401, msg_wrong, email_usable(email) ? email : "");
	if (blocked(ctx, email, ip))
		return login_form(ctx, req, resp, 429, msg_throttled, email);
	if (!check_password(ctx, req, email, pw, &uid, &canon)) {
		record_failure(ctx, email, ip);
		return login_form(ctx, req, resp, 401,
		                  blocked(ctx, email, ip) ? msg_throttled : msg_wrong, email);
	}
	return sign_in(ctx, req, resp, uid, canon);
}

/* POST /logout (session + CSRF): ends the session, 303 to the sign-in page. */
int
web_handle_logout(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	web_session_end(ctx, req, resp);
	web_redirect(resp, "/login?m=signed_out");
	return 303;
}
