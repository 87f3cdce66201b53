/*
 * users.c: the admins page. GET /users lists them; POST /users adds one
 * with a generated password shown once (as `xhsync user add` does); POST
 * /users/{id}/disable disables another admin and ends their sessions;
 * POST /account/password changes one's own password and ends one's other
 * sessions. Forms that fail keep what was typed and name the field.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <libpq-fe.h>

#include "crypto.h"
#include "password.h"
#include "web/web.h"

#define NEW_PASSWORD_MIN 12

enum users_sql {
	USERS_LIST,       /* USERS_LIST */
	USERS_INSERT,     /* USERS_INSERT */
	USERS_DISABLE,    /* USERS_DISABLE */
	USERS_END_ALL,    /* USERS_END_ALL */
	USERS_HASH,       /* USERS_HASH */
	USERS_SET_HASH,   /* USERS_SET_HASH */
	USERS_END_OTHERS, /* USERS_END_OTHERS */
	USERS__MAX
};

/* clang-format off */
static const struct xh_sql users_sql[USERS__MAX] = {
    /* USERS_LIST */
    {"web_users_list",
     XH_SQL_IDEMPOTENT "SELECT id, email, disabled::int,"
     " coalesce(to_char(last_login_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"'), 'never')"
     " FROM app_user ORDER BY lower(email)", 0},
    /* USERS_INSERT: nothing when the email is taken */
    {"web_users_insert",
     "INSERT INTO app_user (email, password_hash) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id", 2},
    /* USERS_DISABLE: never oneself */
    {"web_users_disable",
     "UPDATE app_user SET disabled = true WHERE id = $1::bigint AND id <> $2::bigint RETURNING id", 2},
    /* USERS_END_ALL */
    {"web_users_end_all", "DELETE FROM session WHERE user_id = $1::bigint", 1},
    /* USERS_HASH */
    {"web_users_hash", XH_SQL_IDEMPOTENT "SELECT password_hash FROM app_user WHERE id = $1::bigint", 1},
    /* USERS_SET_HASH */
    {"web_users_set_hash", "UPDATE app_user SET password_hash = $2 WHERE id = $1::bigint", 2},
    /* USERS_END_OTHERS: every session of the user but the one in use */
    {"web_users_end_others",
     "DELETE FROM session WHERE user_id = $1::bigint AND token_hash <> decode($2, 'hex')", 2},
};
/* clang-format on */

/* A form's outcome for the page: which form, the field at fault, the message. */
struct users_form {
	const char *form;  /* "add" or "password" */
	const char *field; /* the field named by the message */
	const char *error;
	const char *email;                    /* the email typed in the add form */
	const char *new_email, *new_password; /* shown once after adding */
};

static void
add_str(struct json_object *o, const char *k, const char *v)
{
	if (v != NULL)
		json_object_object_add(o, k, json_object_new_string(v));
}

/* The admins as a JSON array; NULL if the database failed. */
static struct json_object *
list_users(struct web_ctx *ctx, const struct web_req *req)
{
	struct json_object *arr, *u;
	PGresult *res = NULL;
	int i;

	if (xh_db_execv(ctx->db, &users_sql[USERS_LIST], &res) != XH_OK) {
		PQclear(res);
		return NULL;
	}
	arr = json_object_new_array();
	for (i = 0; i < PQntuples(res); i++) {
		u = json_object_new_object();
		add_str(u, "id", PQgetvalue(res, i, 0));
		add_str(u, "email", PQgetvalue(res, i, 1));
		json_object_object_add(
		    u, "disabled",
		    json_object_new_boolean(strcmp(PQgetvalue(res, i, 2), "1") == 0));
		add_str(u, "last_login", PQgetvalue(res, i, 3));
		json_object_object_add(
		    u, "self",
		    json_object_new_boolean(strtoll(PQgetvalue(res, i, 0), NULL, 10) ==
		                            req->session->user_id));
		json_object_array_add(arr, u);
	}
	PQclear(res);
	return arr;
}

/* Renders the page with the list and a form's outcome (f may be NULL). */
static int
users_page(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, int status,
           const struct users_form *f)
{
	struct json_object *d = json_object_new_object(), *users = list_users(ctx, req);
	char key[64];

	if (users == NULL) {
		json_object_put(d);
		resp->reason = "cannot list users";
		return 500;
	}
	json_object_object_add(d, "users", users);
	if (f != NULL) {
		snprintf(key, sizeof(key), "%s_error", f->form);
		add_str(d, key, f->error);
		if (f->field != NULL) {
			snprintf(key, sizeof(key), "invalid_%s", f->field);
			json_object_object_add(d, key, json_object_new_boolean(1));
		}
		add_str(d, "add_email", f->email);
		add_str(d, "new_email", f->new_email);
		add_str(d, "new_password", f->new_password);
	}
	return web_page(ctx, req, resp, status, "users", "Admins - xhsync", d);
}

/* GET /users */
int
web_handle_users(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	return users_page(ctx, req, resp, 200, NULL);
}

/* POST /users: 422 naming the email field when invalid or taken, else the page with the password.
 */
int
web_handle_users_add(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	const char *email = web_kv_get(&req->form, "email");
	struct users_form f = {"add", "email", NULL, NULL, NULL, NULL};
	char pw[XH_PASSWORD_LEN + 1], hash[XH_PASSWORD_HASH_MAX];
	PGresult *res = NULL;
	int added;

	f.email = email && strlen(email) <= 254 ? email : "";
	if (email == NULL || !xh_email_valid(email)) {
		f.error = "Email: enter an address like name@example.com.";
		return users_page(ctx, req, resp, 422, &f);
	}
	if (xh_password_generate(pw, sizeof(pw), XH_PASSWORD_LEN) != XH_OK ||
	    xh_password_hash(pw, hash, sizeof(hash)) != XH_OK) {
		resp->reason = "cannot make a password";
		return 500;
	}
	if (xh_db_execv(ctx->db, &users_sql[USERS_INSERT], &res, email, hash) != XH_OK) {
		PQclear(res);
		resp->reason = "cannot add the user";
		return 500;
	}
	added = PQntuples(res) == 1;
	PQclear(res);
	if (!added) {
		f.error = "Email: an admin with this address exists already.";
		return users_page(ctx, req, resp, 422, &f);
	}
	f = (struct users_form){"add", NULL, NULL, NULL, email, pw};
	req->query_params.n = 0;
	web_kv_add(req->arena, &req->query_params, "m", "user_added", 10);
	return users_page(ctx, req, resp, 200, &f);
}

/* POST /users/{id}/disable: 404 for no such other admin, else 303 to /users. */
int
web_handle_users_disable(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	const char *id = web_kv_get(&req->captures, "id");
	char self[24], *end;
	PGresult *res = NULL;
	int done;

	errno = 0;
	if (id == NULL || strtoll(id, &end, 10) <= 0 || *end != '\0' || errno != 0 ||
	    strlen(id) > 18)
		return 404;
	snprintf(self, sizeof(self), "%lld", req->session->user_id);
	if (xh_db_execv(ctx->db, &users_sql[USERS_DISABLE], &res, id, self) != XH_OK) {
		PQclear(res);
		return 500;
	}
	done = PQntuples(res) == 1;
	PQclear(res);
	if (!done)
		return 404;
	res = NULL;
	xh_db_execv(ctx->db, &users_sql[USERS_END_ALL], &res, id);
	PQclear(res);
	web_redirect(resp, "/users?m=user_disabled");
	return 303;
}

/* Checks the password form; NULL if fine, else the message and *field. */
static const char *
password_problem(struct web_ctx *ctx, struct web_req *req, const char **field)
{
	const char *cur = web_kv_get(&req->form, "current"), *nw = web_kv_get(&req->form, "new"),
	           *again = web_kv_get(&req->form, "confirm");
	char uid[24];
	PGresult *res = NULL;
	int ok = 0;

	snprintf(uid, sizeof(uid), "%lld", req->session->user_id);
	if (cur != NULL && xh_db_execv(ctx->db, &users_sql[USERS_HASH], &res, uid) == XH_OK &&
	    PQntuples(res) == 1)
		ok = xh_password_verify(PQgetvalue(res, 0, 0), cur);
	PQclear(res);
	*field = "current";
	if (!ok)
		return "Current password: this is not your password.";
	*field = "new";
	if (nw == NULL || strlen(nw) < NEW_PASSWORD_MIN || strlen(nw) > XH_PASSWORD_MAX)
		return "New password: use 12 to 256 characters.";
	*field = "confirm";
	if (again == NULL || strcmp(nw, again) != 0)
		return "Repeat new password: the two new passwords differ.";
	return NULL;
}

/* POST /account/password: 422 naming the field, else 303 to /users. */
int
web_handle_account_password(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct users_form f = {"password", NULL, NULL, NULL, NULL, NULL};
	char hash[XH_PASSWORD_HASH_MAX], uid[24], tokhash[XH_SHA256_LEN];
	PGresult *res = NULL;
	enum xh_err err;

	if ((f.error = password_problem(ctx, req, &f.field)) != NULL)
		return users_page(ctx, req, resp, 422, &f);
	if (xh_password_hash(web_kv_get(&req->form, "new"), hash, sizeof(hash)) != XH_OK)
		return 500;
	snprintf(uid, sizeof(uid), "%lld", req->session->user_id);
	err = xh_db_execv(ctx->db, &users_sql[USERS_SET_HASH], &res, uid, hash);
	PQclear(res);
	if (err != XH_OK)
		return 500;
	res = NULL;
	xh_sha256(req->session->token, strlen(req->session->token), (unsigned char *)tokhash);
	xh_db_execv(ctx->db, &users_sql[USERS_END_OTHERS], &res, uid,
	            xh_hex(req->arena, tokhash, sizeof(tokhash)));
	PQclear(res);
	web_redirect(resp, "/users?m=password_changed");
	return 303;
}
