/*
 * http.h: the HTTP client every vendor client uses, over libcurl.
 *
 * One struct xh_http per thread: it owns a curl easy handle (connections
 * are reused between calls) and borrows the thread's database connection
 * for the rate-limit gate. Every call that names a rate-limit target
 * passes the gate first (ratelimit.h) and feeds the response's limit
 * headers back. TLS peers are verified; plain http:// is accepted only
 * for loopback hosts (the test simulators). Redirects are not followed.
 * Logs carry method, host, path, status, time and the vendor's request or
 * correlation id; never query strings, headers or bodies.
 */
#ifndef XH_HTTP_H
#define XH_HTTP_H

#include <stddef.h>

#include "arena.h"
#include "db.h"
#include "ratelimit.h"
#include "xh.h"

#define XH_HTTP_BODY_MAX (32 * 1024 * 1024)

struct xh_http;
struct xh_config;

/* One request. headers are "Name: value" lines, NULL-terminated. */
struct xh_http_req {
	const char *method;         /* "GET", "POST", ... */
	const char *url;            /* absolute http(s) URL */
	const char *const *headers; /* may be NULL */
	const char *body;           /* NULL: none */
	size_t body_len;
	const struct xh_rl_target *rl; /* NULL: no gate (tenantless identity calls) */
	long long deadline_ms;         /* xh_now_ms() deadline; 0: none */
	long long max_wait_ms;         /* longest wait at the gate; -1: the default */
};

/* One response, in the arena given to xh_http_do. */
struct xh_http_resp {
	int status;
	char *body; /* NUL-terminated */
	size_t body_len;
	char **hnames; /* header names as received */
	char **hvalues;
	int nheaders;
	long long retry_after_ms; /* Retry-After, or the gate's wait; -1 if none */
	const char *request_id;   /* the vendor's correlation id, or "" */
};

/*
 * A client for one thread. db is the thread's connection (used for the
 * gate only, never inside a transaction); name prefixes slot holders.
 */
struct xh_http *xh_http_new(const struct xh_config *cfg, struct xh_db *db, const char *name);
void xh_http_free(struct xh_http *h);

/*
 * Performs req. XH_OK when a response arrived, whatever its status (see
 * xh_http_status_err). XH_ERR_BUSY when the gate asks for a longer wait
 * than req->max_wait_ms allows (resp->retry_after_ms is the wait),
 * XH_ERR_HTTP for transport failures and timeouts, XH_ERR_INVAL for a
 * refused URL, XH_ERR_TOOBIG for a body over XH_HTTP_BODY_MAX,
 * XH_ERR_DB when the gate cannot be asked. A short reason is in
 * xh_http_error().
 */
enum xh_err xh_http_do(struct xh_http *h, struct xh_arena *a, const struct xh_http_req *req,
                       struct xh_http_resp *resp);
const char *xh_http_error(const struct xh_http *h);

struct job_ctx;

/*
 * One call made by a job handler: xh_http_do with the job's deadline, and
 * its result classified for the queue. XH_OK for a 2xx; XH_ERR_BUSY with
 * ctx->snooze_ms set when the gate asks for a long wait or the vendor
 * answers 429; otherwise the error of xh_http_status_err or the transport,
 * with ctx->msg saying what (e.g. "Xero answered 404").
 */
enum xh_err xh_http_job_call(struct job_ctx *ctx, struct xh_http_req *req, const char *vendor,
                             struct xh_http_resp *resp);

/* The first header named name (case-insensitive), or NULL. */
const char *xh_http_header(const struct xh_http_resp *r, const char *name);

/*
 * What a status means for a job: XH_OK for 2xx; XH_ERR_BUSY for 429;
 * XH_ERR_TRANSIENT for 408, 425 and 5xx except 501; XH_ERR_PERMANENT for
 * everything else (3xx, other 4xx, 501).
 */
enum xh_err xh_http_status_err(int status);

/*
 * 1 if the URL may be called: https://, or http:// to a loopback host
 * (localhost, 127.0.0.0/8, ::1). Pure; exposed for tests.
 */
int xh_http_url_allowed(const char *url);

#endif
