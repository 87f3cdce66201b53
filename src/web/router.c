/*
 * router.c: matches a request against a route table, runs the auth check
 * and the handler, and turns error statuses into error pages. This is the
 * only place where an error becomes an HTTP answer.
 */
#include <string.h>

#include "web.h"

web_auth_fn *web_auth_check = NULL;

/*
 * Matches path against pattern segment by segment: literal text must be
 * equal, "{name}" takes one non-empty segment. On a match returns 1 and,
 * if captures is not NULL, appends the captured segments to it (in a).
 */
int
web_route_match(const char *pattern, const char *path, struct xh_arena *a,
                struct web_kvlist *captures)
{
	struct web_kvlist got = {0};
	const char *close;
	size_t n;

	while (*pattern != '\0' && *path != '\0') {
		if (*pattern != '{') {
			if (*pattern++ != *path++)
				return 0;
			continue;
		}
		close = strchr(pattern, '}');
		n = strcspn(path, "/");
		if (close == NULL || n == 0)
			return 0;
		if (captures != NULL)
			web_kv_add(a, &got,
			           xh_strndup(a, pattern + 1, (size_t)(close - pattern - 1)),
			           xh_strndup(a, path, n), n);
		pattern = close + 1;
		path += n;
	}
	if (*pattern != '\0' || *path != '\0')
		return 0;
	if (captures != NULL)
		*captures = got;
	return 1;
}

/* 1 if a route for method m serves req (HEAD is served by GET routes). */
static int
method_serves(enum web_method m, enum web_method req)
{
	return m == req || (m == WEB_GET && req == WEB_HEAD);
}

/*
 * The route for req, with its captures stored in req->captures; NULL if
 * none. *allowed collects a bit per method of routes whose path matched.
 */
static const struct web_route *
route_find(const struct web_route *routes, size_t n, struct web_req *req, unsigned *allowed)
{
	size_t i;

	*allowed = 0;
	for (i = 0; i < n; i++) {
		if (!web_route_match(routes[i].pattern, req->path, NULL, NULL))
			continue;
		*allowed |= 1u << routes[i].method;
		if (routes[i].method == WEB_GET)
			*allowed |= 1u << WEB_HEAD;
		if (method_serves(routes[i].method, req->method)) {
			web_route_match(routes[i].pattern, req->path, req->arena, &req->captures);
			return &routes[i];
		}
	}
	return NULL;
}

/* Sets the Allow header of a 405 from a method bit set, in enum order. */
static void
set_allow(struct web_resp *resp, unsigned allowed)
{
	struct xh_buf b;
	int m;

	xh_buf_init(&b);
	for (m = 0; m < WEB_METHOD_OTHER; m++)
		if (allowed & (1u << m))
			xh_buf_printf(&b, "%s%s", b.len ? ", " : "", web_method_name(m));
	web_resp_header(resp, "Allow", b.data ? b.data : "");
	xh_buf_free(&b);
}

/*
 * Runs the auth check of a route: 0 to go on, else the status to answer.
 * A route without an auth requirement, or a non-public route with no auth
 * module installed, is refused (500): it fails closed.
 */
static int
route_auth(struct web_ctx *ctx, const struct web_route *r, struct web_req *req,
           struct web_resp *resp)
{
	if (r->auth == WEB_AUTH_UNSET || r->auth >= WEB_AUTH__MAX) {
		resp->reason = "route has no auth requirement";
		return 500;
	}
	/* A webhook handler checks its vendor's signature itself, over the raw body. */
	if (r->auth == WEB_AUTH_PUBLIC || r->auth == WEB_AUTH_SIGNATURE)
		return 0;
	if (web_auth_check == NULL) {
		resp->reason = "route needs auth but no auth check is installed";
		return 500;
	}
	return web_auth_check(ctx, r->auth, req, resp);
}

/*
 * Dispatches req: a parse error found earlier, no matching path (404), a
 * path served only by other methods (405 with Allow), a refused auth check,
 * or the handler's status. Error statuses with no body, and every 500,
 * become the error page. Returns the final status (also resp->status).
 */
int
web_dispatch(const struct web_route *routes, size_t nroutes, struct web_ctx *ctx,
             struct web_req *req, struct web_resp *resp)
{
	const struct web_route *r;
	unsigned allowed;
	int status;

	if (req->error != 0) {
		resp->reason = req->error_reason;
		status = req->error;
		goto out;
	}
	if ((r = route_find(routes, nroutes, req, &allowed)) == NULL) {
		status = allowed ? 405 : 404;
		if (allowed)
			set_allow(resp, allowed);
		goto out;
	}
	if ((status = route_auth(ctx, r, req, resp)) != 0)
		goto out;
	status = r->handler(ctx, req, resp);
	if (status < 100 || status > 599) {
		resp->reason = "handler returned an invalid status";
		status = 500;
	}
out:
	resp->status = status;
	if (status == 500 || (status >= 400 && resp->body.len == 0 && !resp->bare))
		web_resp_error_page(resp, req, status);
	return status;
}
