/*
 * test_router.c: route matching (literal segments, {name} captures), 404
 * versus 405 with Allow, HEAD served by GET routes, the auth hook, and how
 * the dispatcher turns handler statuses into responses.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/web.h"
#include "unit.h"

static struct xh_arena *A;
static struct web_req REQ;
static struct web_resp RESP;
static int CALLS;
static const char *LAST;

static int
h_ok(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	(void)ctx;
	(void)req;
	CALLS++;
	LAST = "ok";
	web_resp_body(resp, "text/plain", "ok", 2);
	return 200;
}

static int
h_other(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	(void)ctx;
	(void)req;
	(void)resp;
	CALLS++;
	LAST = "other";
	return 204;
}

static int
h_empty_404(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	(void)ctx;
	(void)req;
	(void)resp;
	CALLS++;
	return 404;
}

static int
h_503_body(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	(void)ctx;
	(void)req;
	CALLS++;
	web_resp_body(resp, "application/json", "{\"down\":1}", 10);
	return 503;
}

static int
h_500_leaky(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	(void)ctx;
	(void)req;
	CALLS++;
	web_resp_body(resp, "text/plain", "secret stack trace", 18);
	resp->reason = "boom";
	return 500;
}

static int
h_bad_status(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	(void)ctx;
	(void)req;
	(void)resp;
	CALLS++;
	return 42;
}

static const struct web_route routes[] = {
    {WEB_GET, "/", h_ok, WEB_AUTH_PUBLIC},
    {WEB_GET, "/healthz", h_ok, WEB_AUTH_PUBLIC},
    {WEB_GET, "/things", h_ok, WEB_AUTH_PUBLIC},
    {WEB_POST, "/things", h_other, WEB_AUTH_PUBLIC},
    {WEB_POST, "/submit", h_other, WEB_AUTH_PUBLIC},
    {WEB_GET, "/links/{link}/jobs/{job}", h_ok, WEB_AUTH_PUBLIC},
    {WEB_GET, "/links/{link}", h_other, WEB_AUTH_PUBLIC},
    {WEB_GET, "/admin", h_ok, WEB_AUTH_SESSION},
    {WEB_GET, "/empty404", h_empty_404, WEB_AUTH_PUBLIC},
    {WEB_GET, "/down", h_503_body, WEB_AUTH_PUBLIC},
    {WEB_GET, "/leaky", h_500_leaky, WEB_AUTH_PUBLIC},
    {WEB_GET, "/bad", h_bad_status, WEB_AUTH_PUBLIC},
};

static void
setup(void)
{
	A = xh_arena_new();
	memset(&RESP, 0, sizeof(RESP));
	CALLS = 0;
	LAST = NULL;
	web_auth_check = NULL;
}

static void
teardown(void)
{
	web_resp_free(&RESP);
	xh_arena_free(A);
	web_auth_check = NULL;
}

/* Dispatches method path (Accept: application/json); returns the status. */
static int
run(const char *method, const char *path)
{
	char **env = xh_alloc(A, 4 * sizeof(*env));

	env[0] = xh_printf(A, "REQUEST_METHOD=%s", method);
	env[1] = xh_printf(A, "DOCUMENT_URI=%s", path);
	env[2] = xh_strdup(A, "HTTP_ACCEPT=application/json");
	web_req_init(&REQ, A, env, 1024);
	web_resp_free(&RESP);
	web_resp_init(&RESP, A);
	return web_dispatch(routes, XH_NELEM(routes), NULL, &REQ, &RESP);
}

START_TEST(literal_path_matches_its_route)
{
	ck_assert_int_eq(run("GET", "/healthz"), 200);
	ck_assert_int_eq(CALLS, 1);
	ck_assert_str_eq(RESP.body.data, "ok");
}
END_TEST

START_TEST(root_matches_only_root)
{
	ck_assert_int_eq(run("GET", "/"), 200);
	ck_assert_int_eq(run("GET", "/x"), 404);
}
END_TEST

static const char *const not_found[] = {
    "/healthz/", "/healthzx",      "/health",       "/HEALTHZ",       "//healthz",         "/links",
    "/links/",   "/links//jobs/1", "/links/1/jobs", "/links/1/jobs/", "/links/1/jobs/2/x", "/nope",
};

START_TEST(near_misses_are_404)
{
	ck_assert_int_eq(run("GET", not_found[_i]), 404);
	ck_assert_int_eq(CALLS, 0);
	ck_assert_ptr_null(web_resp_get_header(&RESP, "Allow"));
	ck_assert_ptr_nonnull(strstr(RESP.body.data, "\"status\":404"));
}
END_TEST

START_TEST(captures_fill_named_segments)
{
	ck_assert_int_eq(run("GET", "/links/42/jobs/a%20b"), 200);
	ck_assert_uint_eq(REQ.captures.n, 2);
	ck_assert_str_eq(web_kv_get(&REQ.captures, "link"), "42");
	ck_assert_str_eq(web_kv_get(&REQ.captures, "job"), "a%20b");
}
END_TEST

START_TEST(capture_route_without_tail)
{
	ck_assert_int_eq(run("GET", "/links/7"), 204);
	ck_assert_str_eq(LAST, "other");
	ck_assert_str_eq(web_kv_get(&REQ.captures, "link"), "7");
}
END_TEST

START_TEST(match_function_leaves_captures_alone_on_failure)
{
	struct web_kvlist caps = {0};

	ck_assert_int_eq(web_route_match("/a/{x}/b", "/a/1/c", A, &caps), 0);
	ck_assert_uint_eq(caps.n, 0);
	ck_assert_int_eq(web_route_match("/a/{x}/b", "/a/1/b", A, &caps), 1);
	ck_assert_str_eq(web_kv_get(&caps, "x"), "1");
	ck_assert_int_eq(web_route_match("/a/{x}", "/a/1/b", NULL, NULL), 0);
}
END_TEST

START_TEST(other_method_on_known_path_is_405_with_allow)
{
	ck_assert_int_eq(run("DELETE", "/things"), 405);
	ck_assert_int_eq(CALLS, 0);
	ck_assert_str_eq(web_resp_get_header(&RESP, "Allow"), "GET, HEAD, POST");
	ck_assert_ptr_nonnull(strstr(RESP.body.data, "\"status\":405"));
}
END_TEST

START_TEST(get_on_post_only_path_is_405)
{
	ck_assert_int_eq(run("GET", "/submit"), 405);
	ck_assert_str_eq(web_resp_get_header(&RESP, "Allow"), "POST");
}
END_TEST

START_TEST(unknown_method_is_405_on_known_path)
{
	ck_assert_int_eq(run("BREW", "/healthz"), 405);
	ck_assert_str_eq(web_resp_get_header(&RESP, "Allow"), "GET, HEAD");
}
END_TEST

START_TEST(post_picks_the_post_route)
{
	ck_assert_int_eq(run("POST", "/things"), 204);
	ck_assert_str_eq(LAST, "other");
}
END_TEST

START_TEST(head_is_served_by_get_route)
{
	struct xh_buf out;

	ck_assert_int_eq(run("HEAD", "/healthz"), 200);
	ck_assert_int_eq(CALLS, 1);
	xh_buf_init(&out);
	web_resp_serialize(&RESP, 1, &out);
	ck_assert_ptr_nonnull(strstr(out.data, "Content-Length: 2\r\n"));
	ck_assert_int_eq(out.data[out.len - 1], '\n');
	ck_assert_ptr_null(strstr(out.data, "\r\n\r\nok"));
	xh_buf_free(&out);
}
END_TEST

START_TEST(head_on_post_only_path_is_405)
{
	ck_assert_int_eq(run("HEAD", "/submit"), 405);
	ck_assert_str_eq(web_resp_get_header(&RESP, "Allow"), "POST");
}
END_TEST

START_TEST(non_public_route_without_auth_module_fails_closed)
{
	ck_assert_int_eq(run("GET", "/admin"), 500);
	ck_assert_int_eq(CALLS, 0);
	ck_assert_ptr_null(strstr(RESP.body.data, "auth"));
}
END_TEST

static enum web_auth SEEN_AUTH;

static int
deny(struct web_ctx *ctx, enum web_auth auth, struct web_req *req, struct web_resp *resp)
{
	(void)ctx;
	(void)req;
	(void)resp;
	SEEN_AUTH = auth;
	return 401;
}

static int
allow(struct web_ctx *ctx, enum web_auth auth, struct web_req *req, struct web_resp *resp)
{
	(void)ctx;
	(void)req;
	(void)resp;
	SEEN_AUTH = auth;
	return 0;
}

START_TEST(auth_hook_can_refuse)
{
	web_auth_check = deny;
	ck_assert_int_eq(run("GET", "/admin"), 401);
	ck_assert_int_eq(SEEN_AUTH, WEB_AUTH_SESSION);
	ck_assert_int_eq(CALLS, 0);
}
END_TEST

START_TEST(auth_hook_can_allow)
{
	web_auth_check = allow;
	ck_assert_int_eq(run("GET", "/admin"), 200);
	ck_assert_int_eq(CALLS, 1);
}
END_TEST

START_TEST(auth_hook_not_called_for_public_routes)
{
	web_auth_check = deny;
	ck_assert_int_eq(run("GET", "/healthz"), 200);
}
END_TEST

START_TEST(error_status_without_body_gets_error_page)
{
	ck_assert_int_eq(run("GET", "/empty404"), 404);
	ck_assert_ptr_nonnull(strstr(RESP.body.data, "\"message\":\"Not found\""));
}
END_TEST

START_TEST(error_status_with_body_keeps_body)
{
	ck_assert_int_eq(run("GET", "/down"), 503);
	ck_assert_str_eq(RESP.body.data, "{\"down\":1}");
}
END_TEST

START_TEST(handler_500_body_is_replaced)
{
	ck_assert_int_eq(run("GET", "/leaky"), 500);
	ck_assert_ptr_null(strstr(RESP.body.data, "secret"));
	ck_assert_ptr_nonnull(strstr(RESP.body.data, REQ.id));
	ck_assert_str_eq(RESP.reason, "boom");
}
END_TEST

START_TEST(invalid_handler_status_is_500)
{
	ck_assert_int_eq(run("GET", "/bad"), 500);
	ck_assert_int_eq(RESP.status, 500);
	ck_assert_ptr_nonnull(RESP.reason);
}
END_TEST

START_TEST(parse_error_answers_before_routing)
{
	ck_assert_int_eq(run("GET", "/../healthz"), 400);
	ck_assert_int_eq(CALLS, 0);
	ck_assert_ptr_nonnull(strstr(RESP.body.data, "\"status\":400"));
}
END_TEST

static void
add(Suite *s, const char *name, const TTest *t, int loop)
{
	unit_add(s, name, t, loop, setup, teardown);
}

int
main(void)
{
	Suite *s = suite_create("router");

	add(s, "literal", literal_path_matches_its_route, 0);
	add(s, "root", root_matches_only_root, 0);
	add(s, "near_miss", near_misses_are_404, (int)XH_NELEM(not_found));
	add(s, "captures", captures_fill_named_segments, 0);
	add(s, "capture_short", capture_route_without_tail, 0);
	add(s, "match_fn", match_function_leaves_captures_alone_on_failure, 0);
	add(s, "405", other_method_on_known_path_is_405_with_allow, 0);
	add(s, "405_post_only", get_on_post_only_path_is_405, 0);
	add(s, "405_unknown", unknown_method_is_405_on_known_path, 0);
	add(s, "post", post_picks_the_post_route, 0);
	add(s, "head", head_is_served_by_get_route, 0);
	add(s, "head_405", head_on_post_only_path_is_405, 0);
	add(s, "auth_closed", non_public_route_without_auth_module_fails_closed, 0);
	add(s, "auth_deny", auth_hook_can_refuse, 0);
	add(s, "auth_allow", auth_hook_can_allow, 0);
	add(s, "auth_public", auth_hook_not_called_for_public_routes, 0);
	add(s, "error_page", error_status_without_body_gets_error_page, 0);
	add(s, "error_body", error_status_with_body_keeps_body, 0);
	add(s, "500_replaced", handler_500_body_is_replaced, 0);
	add(s, "bad_status", invalid_handler_status_is_500, 0);
	add(s, "parse_error", parse_error_answers_before_routing, 0);
	return unit_run(s);
}
