/*
 * web.h: the xhsync-web FastCGI front.
 *
 * A request arrives as FastCGI params and a body; request.c turns it into a
 * typed struct web_req hanging off one per-request arena. router.c matches
 * it against a route table and calls a handler, which fills a struct
 * web_resp and returns an HTTP status. Only the dispatcher turns error
 * statuses into error pages (response.c). fcgi_loop.c does the FastCGI I/O
 * around that, so dispatch can be tested in memory.
 */
#ifndef XH_WEB_H
#define XH_WEB_H

#include <stddef.h>

#include "arena.h"
#include "db.h"
#include "lib/config.h"
#include "xh.h"

/* HTTP methods we know; anything else is WEB_METHOD_OTHER. */
enum web_method {
	WEB_GET,          /* WEB_GET */
	WEB_HEAD,         /* WEB_HEAD */
	WEB_POST,         /* WEB_POST */
	WEB_PUT,          /* WEB_PUT */
	WEB_DELETE,       /* WEB_DELETE */
	WEB_PATCH,        /* WEB_PATCH */
	WEB_OPTIONS,      /* WEB_OPTIONS */
	WEB_METHOD_OTHER, /* WEB_METHOD_OTHER: unknown method */
	WEB_METHOD__MAX
};

/* Limits of the form, query and cookie parsers (over a limit: XH_ERR_TOOBIG). */
#define WEB_FORM_MAX_PAIRS   256
#define WEB_FORM_MAX_KEY     256
#define WEB_FORM_MAX_VALUE   (256 * 1024)
#define WEB_COOKIE_MAX_COUNT 64
#define WEB_COOKIE_MAX_NAME  256
#define WEB_COOKIE_MAX_VALUE 4096

/* Request id: 8 random bytes as hex. */
#define WEB_REQUEST_ID_LEN 16

/* One decoded name/value pair. Values never contain NUL. */
struct web_kv {
	const char *key;
	const char *val;
	size_t val_len;
};

/* An ordered list of pairs in the request arena; repeated keys are kept. */
struct web_kvlist {
	struct web_kv *v;
	size_t n;
	size_t cap;
};

/* A parsed request. Every pointer lives in arena or in env. */
struct web_req {
	struct xh_arena *arena;
	char **env; /* raw FastCGI params, "KEY=VALUE", NULL-terminated */
	enum web_method method;
	const char *method_name;    /* as sent */
	const char *path;           /* percent-decoded, starts with '/'; NULL if invalid */
	const char *query;          /* raw query string, "" if none */
	const char *content_type;   /* "" if absent */
	long long content_length;   /* -1 if absent */
	const char *cookie_header;  /* "" if absent */
	const char *accept;         /* "" if absent */
	const char *origin;         /* "" if absent */
	const char *sec_fetch_site; /* "" if absent */
	const char *host;           /* "" if absent */
	struct web_kvlist query_params;
	struct web_kvlist form; /* application/x-www-form-urlencoded body */
	struct web_kvlist cookies;
	struct web_kvlist captures; /* {name} segments of the matched route */
	const char *body;           /* NUL-terminated copy; may contain NUL bytes */
	size_t body_len;
	char id[WEB_REQUEST_ID_LEN + 1];
	int error;                   /* 400 or 413 found while parsing; 0 if none */
	const char *error_reason;    /* for the log only */
	struct web_session *session; /* the signed-in admin (session.c); NULL if none */
};

#define WEB_RESP_MAX_HEADERS 32

struct web_header {
	const char *name;
	const char *value;
};

/* A response being built; headers and reason live in arena. */
struct web_resp {
	struct xh_arena *arena;
	int status;
	struct web_header headers[WEB_RESP_MAX_HEADERS];
	size_t nheaders;
	struct xh_buf body;
	const char *reason; /* why an error happened: logged, never shown */
	int bare;           /* an error status answered with an empty body (webhooks) */
};

/* What a handler may use besides the request: one per child process. */
struct web_ctx {
	const struct xh_config *cfg;
	struct xh_db *db;
};

/*
 * Who may call a route. WEB_AUTH_UNSET (0) is what a route gets when its
 * line forgets the field: the dispatcher refuses it (500) and a unit test
 * fails on it.
 */
enum web_auth {
	WEB_AUTH_UNSET,        /* WEB_AUTH_UNSET: not chosen; refused */
	WEB_AUTH_PUBLIC,       /* WEB_AUTH_PUBLIC: anyone */
	WEB_AUTH_SESSION,      /* WEB_AUTH_SESSION: a logged-in admin */
	WEB_AUTH_SESSION_CSRF, /* WEB_AUTH_SESSION_CSRF: admin plus CSRF token and origin check */
	WEB_AUTH_SIGNATURE,    /* WEB_AUTH_SIGNATURE: a vendor-signed webhook */
	WEB_AUTH__MAX
};

/* A handler fills resp and returns an HTTP status. */
typedef int web_handler(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp);

/*
 * An auth check for non-public routes: returns 0 to let the request through,
 * else the HTTP status to answer (401, 403, ...).
 */
typedef int web_auth_fn(struct web_ctx *ctx, enum web_auth auth, struct web_req *req,
                        struct web_resp *resp);

struct web_route {
	enum web_method method;
	const char *pattern; /* "/a/{name}/b": literal segments and {name} captures */
	web_handler *handler;
	enum web_auth auth;
};

/* The application's routes (routes.c). */
enum web_route_id {
	WEB_ROUTE_HOME,             /* WEB_ROUTE_HOME: GET / */
	WEB_ROUTE_HEALTHZ,          /* WEB_ROUTE_HEALTHZ: GET /healthz */
	WEB_ROUTE_WEBHOOK_XERO,     /* WEB_ROUTE_WEBHOOK_XERO: POST /webhooks/xero */
	WEB_ROUTE_WEBHOOK_HUBSPOT,  /* WEB_ROUTE_WEBHOOK_HUBSPOT: POST /webhooks/hubspot */
	WEB_ROUTE_LOGIN,            /* WEB_ROUTE_LOGIN: GET /login */
	WEB_ROUTE_LOGIN_POST,       /* WEB_ROUTE_LOGIN_POST: POST /login */
	WEB_ROUTE_LOGOUT,           /* WEB_ROUTE_LOGOUT: POST /logout */
	WEB_ROUTE_USERS,            /* WEB_ROUTE_USERS: GET /users */
	WEB_ROUTE_USERS_ADD,        /* WEB_ROUTE_USERS_ADD: POST /users */
	WEB_ROUTE_USERS_DISABLE,    /* WEB_ROUTE_USERS_DISABLE: POST /users/{id}/disable */
	WEB_ROUTE_ACCOUNT_PASSWORD, /* WEB_ROUTE_ACCOUNT_PASSWORD: POST /account/password */
	/* connect HubSpot, test both ends, bootstrap (handlers/link_*.c) */
	WEB_ROUTE_LINK_HUBSPOT,        /* WEB_ROUTE_LINK_HUBSPOT: GET /links/{id}/hubspot */
	WEB_ROUTE_LINK_HUBSPOT_TOKEN,  /* WEB_ROUTE_LINK_HUBSPOT_TOKEN: POST .../hubspot/token */
	WEB_ROUTE_LINK_HUBSPOT_SECRET, /* WEB_ROUTE_LINK_HUBSPOT_SECRET: POST .../hubspot/secret */
	WEB_ROUTE_LINK_HUBSPOT_OAUTH,  /* WEB_ROUTE_LINK_HUBSPOT_OAUTH: POST .../hubspot/oauth */
	WEB_ROUTE_OAUTH_HUBSPOT_CALLBACK, /* WEB_ROUTE_OAUTH_HUBSPOT_CALLBACK: GET
	                                     /oauth/hubspot/callback */
	WEB_ROUTE_LINK_TEST,              /* WEB_ROUTE_LINK_TEST: GET /links/{id}/test */
	WEB_ROUTE_LINK_TEST_RUN,          /* WEB_ROUTE_LINK_TEST_RUN: POST /links/{id}/test */
	WEB_ROUTE_LINK_BOOTSTRAP,         /* WEB_ROUTE_LINK_BOOTSTRAP: GET /links/{id}/bootstrap */
	WEB_ROUTE_LINK_BOOTSTRAP_RUN, /* WEB_ROUTE_LINK_BOOTSTRAP_RUN: POST /links/{id}/bootstrap */
	WEB_ROUTE__MAX
};
extern const struct web_route web_routes[WEB_ROUTE__MAX];

/*
 * Set to web_session_auth by each child at start (fcgi_loop.c). While NULL,
 * a route that is not WEB_AUTH_PUBLIC answers 500: it fails closed.
 * web_session_auth answers 500 for WEB_AUTH_SIGNATURE: the webhook module
 * adds its check there.
 */
extern web_auth_fn *web_auth_check;

/* form.c */
enum xh_err web_pct_decode(struct xh_arena *a, const char *s, size_t len, int plus_is_space,
                           char **out, size_t *outlen);
enum xh_err web_form_parse(struct xh_arena *a, const char *s, size_t len, struct web_kvlist *out);
enum xh_err web_cookie_parse(struct xh_arena *a, const char *s, struct web_kvlist *out);
void web_kv_add(struct xh_arena *a, struct web_kvlist *l, const char *key, const char *val,
                size_t val_len);
const char *web_kv_get(const struct web_kvlist *l, const char *key);
size_t web_kv_count(const struct web_kvlist *l, const char *key);

/* request.c */
const char *web_method_name(enum web_method m);
enum web_method web_method_parse(const char *s);
const char *web_env_get(char *const *env, const char *name);
void web_req_init(struct web_req *req, struct xh_arena *a, char **env, long long max_body);
typedef long web_body_reader(void *arg, char *buf, size_t n);
void web_req_read_body(struct web_req *req, long long max_body, web_body_reader *rd, void *arg);

/* response.c */
void web_resp_init(struct web_resp *resp, struct xh_arena *a);
void web_resp_free(struct web_resp *resp);
enum xh_err web_resp_header(struct web_resp *resp, const char *name, const char *value);
const char *web_resp_get_header(const struct web_resp *resp, const char *name);
void web_resp_body(struct web_resp *resp, const char *content_type, const void *p, size_t n);
struct json_object;
void web_resp_json(struct web_resp *resp, struct json_object *obj);
void web_resp_error_page(struct web_resp *resp, const struct web_req *req, int status);
void web_resp_serialize(const struct web_resp *resp, int head_only, struct xh_buf *out);
const char *web_status_text(int status);
void web_html_escape(struct xh_buf *out, const char *s);
/* Page frame shared by every HTML response: head with stylesheet, <main>. */
void web_html_open(struct xh_buf *b, const char *title);
void web_html_close(struct xh_buf *b);
int web_accept_prefers_json(const char *accept);

/* router.c */
int web_route_match(const char *pattern, const char *path, struct xh_arena *a,
                    struct web_kvlist *captures);
int web_dispatch(const struct web_route *routes, size_t nroutes, struct web_ctx *ctx,
                 struct web_req *req, struct web_resp *resp);

/* handlers */
enum xh_err web_db_ping(struct xh_db *db);
int web_handle_healthz(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp);
int web_handle_home(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp);
int web_handle_webhook_xero(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp);
int web_handle_webhook_hubspot(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp);
int web_handle_login(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp);
int web_handle_login_post(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp);
int web_handle_logout(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp);
int web_handle_users(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp);
int web_handle_users_add(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp);
int web_handle_users_disable(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp);
int web_handle_account_password(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp);

/* session.c: sign-in sessions, CSRF tokens and the origin check (DESIGN.md §9). */
#define WEB_SESSION_COOKIE  "__Host-sid"
#define WEB_PRELOGIN_COOKIE "__Host-pre"
#define WEB_SESSION_IDLE_S  1800  /* 30 minutes without a request */
#define WEB_SESSION_MAX_S   43200 /* 12 hours after sign-in, whatever happens */
struct web_session {
	long long user_id;
	const char *email;
	const char *token; /* the cookie's token (never logged) */
	const char *csrf;  /* the token every form of this session carries */
};
int web_session_auth(struct web_ctx *ctx, enum web_auth auth, struct web_req *req,
                     struct web_resp *resp);
struct web_session *web_session_find(struct web_ctx *ctx, struct web_req *req);
enum xh_err web_session_start(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp,
                              long long user_id, const char *email);
void web_session_end(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp);
int web_origin_ok(const struct web_ctx *ctx, const struct web_req *req);
const char *web_token_mac(struct xh_arena *a, const char *token, const char *purpose);
int web_token_matches(const char *got, const char *want);
const char *web_prelogin_token(struct web_req *req, struct web_resp *resp);
void web_redirect(struct web_resp *resp, const char *location);

/* page.c: pages from templates inside the base layout. */
struct json_object;
struct web_tpl_set;
extern struct web_tpl_set *web_templates;
enum xh_err web_templates_load(const char *dir, struct web_tpl_set **out, char *errbuf,
                               size_t errlen);
int web_page(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, int status,
             const char *tpl, const char *title, struct json_object *data);
int web_page_error(struct web_resp *resp, const struct web_req *req, int status, const char *title,
                   const char *message, const char *advice);

/* fcgi_loop.c: serves requests on listen_fd until told to stop; returns an exit code. */
int web_child_run(int listen_fd, const struct xh_config *cfg);
void web_serve_one(struct web_ctx *ctx, char **env, web_body_reader *rd, void *rdarg,
                   struct xh_buf *out);

/* supervisor.c: runs until SIGTERM/SIGINT; returns the exit code. */
int web_supervise(const char *config_path, struct xh_config *cfg, const char *pidfile);

/* handlers/link_*.c: connect HubSpot, test both ends, bootstrap (hubs.h for shared pieces) */
int web_handle_link_hubspot(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp);
int web_handle_link_hubspot_token(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp);
int web_handle_link_hubspot_secret(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp);
int web_handle_link_hubspot_oauth(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp);
int web_handle_oauth_hubspot_callback(struct web_ctx *ctx, struct web_req *req,
                                      struct web_resp *resp);
int web_handle_link_test(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp);
int web_handle_link_test_run(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp);
int web_handle_link_bootstrap(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp);
int web_handle_link_bootstrap_run(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp);
const char *web_hubspot_redirect_uri(struct web_ctx *ctx, struct xh_arena *a);
/* The web child's keyring, read at first use (link_common.c); NULL, logged, if unreadable. */
struct xh_keyring;
const struct xh_keyring *web_keyring(struct web_ctx *ctx);

#endif
