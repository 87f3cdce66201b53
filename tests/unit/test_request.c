/*
 * test_request.c: FastCGI params -> struct web_req (method, path rules,
 * Content-Length, query, cookies), the capped body reader, and whole
 * requests served in memory through web_serve_one.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h" /* autoconf: PACKAGE_VERSION */
#include "log.h"
#include "web/web.h"
#include "unit.h"

#define CAP 100

static struct xh_arena *A;
static struct web_req REQ;

static void
setup(void)
{
	A = xh_arena_new();
	xh_log_open("test", XH_LOG_ERROR);
}

static void
teardown(void)
{
	xh_arena_free(A);
}

/* A NULL-terminated env from the NULL-terminated "K=V" arguments. */
static char **
env_of(const char *first, ...)
{
	char **env = xh_alloc(A, 32 * sizeof(*env));
	const char *s = first;
	va_list ap;
	int n = 0;

	va_start(ap, first);
	while (s != NULL && n < 31) {
		env[n++] = xh_strdup(A, s);
		s = va_arg(ap, const char *);
	}
	va_end(ap);
	return env;
}

/* A body reader over a string, counting what it hands out. */
struct src {
	const char *p;
	size_t len, off;
	size_t asked;
};

static long
src_read(void *arg, char *buf, size_t n)
{
	struct src *s = arg;
	size_t left = s->len - s->off;

	s->asked += n;
	if (n > left)
		n = left;
	memcpy(buf, s->p + s->off, n);
	s->off += n;
	return (long)n;
}

START_TEST(parses_method_path_query_and_headers)
{
	web_req_init(&REQ, A,
	             env_of("REQUEST_METHOD=GET", "DOCUMENT_URI=/healthz", "QUERY_STRING=a=1&b=x+y",
	                    "HTTP_ACCEPT=application/json", "HTTP_COOKIE=sid=abc; t=1",
	                    "HTTP_ORIGIN=https://x.example", "HTTP_SEC_FETCH_SITE=same-origin",
	                    NULL),
	             CAP);
	ck_assert_int_eq(REQ.error, 0);
	ck_assert_int_eq(REQ.method, WEB_GET);
	ck_assert_str_eq(REQ.path, "/healthz");
	ck_assert_str_eq(REQ.query, "a=1&b=x+y");
	ck_assert_str_eq(web_kv_get(&REQ.query_params, "b"), "x y");
	ck_assert_str_eq(web_kv_get(&REQ.cookies, "sid"), "abc");
	ck_assert_str_eq(REQ.accept, "application/json");
	ck_assert_str_eq(REQ.origin, "https://x.example");
	ck_assert_str_eq(REQ.sec_fetch_site, "same-origin");
	ck_assert_str_eq(REQ.content_type, "");
	ck_assert_int_eq(REQ.content_length, -1);
	ck_assert_uint_eq(strlen(REQ.id), WEB_REQUEST_ID_LEN);
	ck_assert_uint_eq(strspn(REQ.id, "0123456789abcdef"), WEB_REQUEST_ID_LEN);
}
END_TEST

START_TEST(request_ids_differ)
{
	char first[WEB_REQUEST_ID_LEN + 1];

	web_req_init(&REQ, A, env_of("REQUEST_METHOD=GET", "DOCUMENT_URI=/", NULL), CAP);
	memcpy(first, REQ.id, sizeof(first));
	web_req_init(&REQ, A, env_of("REQUEST_METHOD=GET", "DOCUMENT_URI=/", NULL), CAP);
	ck_assert_str_ne(first, REQ.id);
}
END_TEST

START_TEST(request_uri_is_used_without_document_uri)
{
	web_req_init(&REQ, A,
	             env_of("REQUEST_METHOD=GET", "REQUEST_URI=/a%20b/c+d?x=%2F",
	                    "QUERY_STRING=x=%2F", NULL),
	             CAP);
	ck_assert_int_eq(REQ.error, 0);
	ck_assert_str_eq(REQ.path, "/a b/c+d");
	ck_assert_str_eq(web_kv_get(&REQ.query_params, "x"), "/");
}
END_TEST

START_TEST(unknown_method_is_other)
{
	web_req_init(&REQ, A, env_of("REQUEST_METHOD=get", "DOCUMENT_URI=/", NULL), CAP);
	ck_assert_int_eq(REQ.method, WEB_METHOD_OTHER);
	ck_assert_str_eq(REQ.method_name, "get");
	ck_assert_int_eq(REQ.error, 0);
}
END_TEST

static const char *const bad_paths[] = {
    "DOCUMENT_URI=/..",        "DOCUMENT_URI=/../etc/passwd",
    "DOCUMENT_URI=/a/../b",    "DOCUMENT_URI=/a/./b",
    "DOCUMENT_URI=/a/..",      "DOCUMENT_URI=/.",
    "DOCUMENT_URI=healthz",    "DOCUMENT_URI=",
    "REQUEST_URI=/a/%2e%2e/b", "REQUEST_URI=/a%00b",
    "REQUEST_URI=/a%zz",       "REQUEST_URI=?x=1",
    "REQUEST_METHOD_ONLY=1",
};

START_TEST(bad_paths_are_400)
{
	web_req_init(&REQ, A, env_of("REQUEST_METHOD=GET", bad_paths[_i], NULL), CAP);
	ck_assert_int_eq(REQ.error, 400);
	ck_assert_ptr_null(REQ.path);
	ck_assert_ptr_nonnull(REQ.error_reason);
}
END_TEST

START_TEST(dots_inside_segments_are_fine)
{
	web_req_init(&REQ, A, env_of("REQUEST_METHOD=GET", "DOCUMENT_URI=/a/..b/.c/d..", NULL),
	             CAP);
	ck_assert_int_eq(REQ.error, 0);
	ck_assert_str_eq(REQ.path, "/a/..b/.c/d..");
}
END_TEST

static const char *const bad_lengths[] = {
    "CONTENT_LENGTH=abc", "CONTENT_LENGTH=-1", "CONTENT_LENGTH=+5",
    "CONTENT_LENGTH= 5",  "CONTENT_LENGTH=5x", "CONTENT_LENGTH=99999999999999999999"};

START_TEST(malformed_content_length_is_400)
{
	web_req_init(&REQ, A,
	             env_of("REQUEST_METHOD=POST", "DOCUMENT_URI=/", bad_lengths[_i], NULL), CAP);
	ck_assert_int_eq(REQ.error, 400);
}
END_TEST

START_TEST(content_length_over_cap_is_413)
{
	web_req_init(&REQ, A,
	             env_of("REQUEST_METHOD=POST", "DOCUMENT_URI=/", "CONTENT_LENGTH=101", NULL),
	             CAP);
	ck_assert_int_eq(REQ.error, 413);
	web_req_init(&REQ, A,
	             env_of("REQUEST_METHOD=POST", "DOCUMENT_URI=/", "CONTENT_LENGTH=100", NULL),
	             CAP);
	ck_assert_int_eq(REQ.error, 0);
	ck_assert_int_eq(REQ.content_length, 100);
}
END_TEST

START_TEST(bad_query_is_400)
{
	web_req_init(&REQ, A,
	             env_of("REQUEST_METHOD=GET", "DOCUMENT_URI=/", "QUERY_STRING=a=%zz", NULL),
	             CAP);
	ck_assert_int_eq(REQ.error, 400);
}
END_TEST

START_TEST(oversized_body_is_refused_unread)
{
	struct src s = {"x", 1, 0, 0};

	web_req_init(
	    &REQ, A,
	    env_of("REQUEST_METHOD=POST", "DOCUMENT_URI=/", "CONTENT_LENGTH=5000000", NULL), CAP);
	web_req_read_body(&REQ, CAP, src_read, &s);
	ck_assert_int_eq(REQ.error, 413);
	ck_assert_uint_eq(s.asked, 0);
}
END_TEST

START_TEST(body_of_content_length_is_read)
{
	struct src s = {"hello world", 11, 0, 0};

	web_req_init(&REQ, A,
	             env_of("REQUEST_METHOD=POST", "DOCUMENT_URI=/", "CONTENT_LENGTH=5", NULL),
	             CAP);
	web_req_read_body(&REQ, CAP, src_read, &s);
	ck_assert_int_eq(REQ.error, 0);
	ck_assert_uint_eq(REQ.body_len, 5);
	ck_assert_str_eq(REQ.body, "hello");
	ck_assert_uint_eq(s.off, 5);
}
END_TEST

START_TEST(short_body_is_400)
{
	struct src s = {"abc", 3, 0, 0};

	web_req_init(&REQ, A,
	             env_of("REQUEST_METHOD=POST", "DOCUMENT_URI=/", "CONTENT_LENGTH=10", NULL),
	             CAP);
	web_req_read_body(&REQ, CAP, src_read, &s);
	ck_assert_int_eq(REQ.error, 400);
}
END_TEST

START_TEST(body_without_length_stops_past_cap)
{
	static char big[10 * CAP];
	struct src s = {big, sizeof(big), 0, 0};

	web_req_init(&REQ, A, env_of("REQUEST_METHOD=POST", "DOCUMENT_URI=/", NULL), CAP);
	web_req_read_body(&REQ, CAP, src_read, &s);
	ck_assert_int_eq(REQ.error, 413);
	ck_assert_uint_le(s.off, CAP + 1);
}
END_TEST

START_TEST(body_without_length_within_cap)
{
	struct src s = {"abc", 3, 0, 0};

	web_req_init(&REQ, A, env_of("REQUEST_METHOD=POST", "DOCUMENT_URI=/", NULL), CAP);
	web_req_read_body(&REQ, CAP, src_read, &s);
	ck_assert_int_eq(REQ.error, 0);
	ck_assert_str_eq(REQ.body, "abc");
}
END_TEST

START_TEST(urlencoded_body_is_parsed)
{
	struct src s = {"user=ann%40x.example&remember", 29, 0, 0};

	web_req_init(&REQ, A,
	             env_of("REQUEST_METHOD=POST", "DOCUMENT_URI=/login", "CONTENT_LENGTH=29",
	                    "CONTENT_TYPE=application/x-www-form-urlencoded; charset=UTF-8", NULL),
	             CAP);
	web_req_read_body(&REQ, CAP, src_read, &s);
	ck_assert_int_eq(REQ.error, 0);
	ck_assert_str_eq(web_kv_get(&REQ.form, "user"), "ann@x.example");
	ck_assert_str_eq(web_kv_get(&REQ.form, "remember"), "");
}
END_TEST

START_TEST(bad_urlencoded_body_is_400)
{
	struct src s = {"a=%zz", 5, 0, 0};

	web_req_init(&REQ, A,
	             env_of("REQUEST_METHOD=POST", "DOCUMENT_URI=/", "CONTENT_LENGTH=5",
	                    "CONTENT_TYPE=application/x-www-form-urlencoded", NULL),
	             CAP);
	web_req_read_body(&REQ, CAP, src_read, &s);
	ck_assert_int_eq(REQ.error, 400);
}
END_TEST

START_TEST(other_body_types_are_not_parsed)
{
	struct src s = {"a=1", 3, 0, 0};

	web_req_init(&REQ, A,
	             env_of("REQUEST_METHOD=POST", "DOCUMENT_URI=/", "CONTENT_LENGTH=3",
	                    "CONTENT_TYPE=application/json", NULL),
	             CAP);
	web_req_read_body(&REQ, CAP, src_read, &s);
	ck_assert_uint_eq(REQ.form.n, 0);
	ck_assert_str_eq(REQ.body, "a=1");
}
END_TEST

/* Serves one request in memory against a database that is not there. */
static char *
serve(char **env, struct src *body)
{
	struct xh_config cfg;
	struct web_ctx ctx;
	struct xh_buf out;
	char *s;

	memset(&cfg, 0, sizeof(cfg));
	cfg.web.max_body = CAP;
	ctx.cfg = &cfg;
	ctx.db = xh_db_new("host=/nonexistent-xhsync-test port=1 dbname=x", 500, 0);
	xh_buf_init(&out);
	web_serve_one(&ctx, env, src_read, body, &out);
	s = xh_buf_dup(A, &out);
	xh_buf_free(&out);
	xh_db_free(ctx.db);
	return s;
}

START_TEST(serve_oversized_post_is_413_json_with_request_id)
{
	struct src s = {"", 0, 0, 0};
	char *out = serve(env_of("REQUEST_METHOD=POST", "DOCUMENT_URI=/healthz",
	                         "CONTENT_LENGTH=2097152", "HTTP_ACCEPT=application/json", NULL),
	                  &s);

	ck_assert_int_eq(strncmp(out, "Status: 413 ", 12), 0);
	ck_assert_ptr_nonnull(strstr(out, "\r\nX-Request-Id: "));
	ck_assert_ptr_nonnull(strstr(out, "\"status\":413"));
	ck_assert_uint_eq(s.asked, 0);
}
END_TEST

START_TEST(serve_healthz_without_database_is_503)
{
	struct src s = {"", 0, 0, 0};
	char *out = serve(env_of("REQUEST_METHOD=GET", "DOCUMENT_URI=/healthz", NULL), &s);

	ck_assert_int_eq(strncmp(out, "Status: 503 ", 12), 0);
	ck_assert_ptr_nonnull(
	    strstr(out, "\r\n\r\n{\"status\":\"unavailable\",\"database\":\"down\"}"));
	ck_assert_ptr_nonnull(strstr(out, "\r\nCache-Control: no-store\r\n"));
}
END_TEST

START_TEST(serve_head_healthz_has_headers_only)
{
	struct src s = {"", 0, 0, 0};
	char *out = serve(env_of("REQUEST_METHOD=HEAD", "DOCUMENT_URI=/healthz", NULL), &s);
	char *end = strstr(out, "\r\n\r\n");

	ck_assert_int_eq(strncmp(out, "Status: 503 ", 12), 0);
	ck_assert_ptr_nonnull(strstr(out, "Content-Type: application/json\r\n"));
	ck_assert_ptr_nonnull(end);
	ck_assert_str_eq(end, "\r\n\r\n");
}
END_TEST

/* The dashboard needs a session: with no session check installed it fails closed. */
START_TEST(serve_home_without_session_check_fails_closed)
{
	struct src s = {"", 0, 0, 0};
	char *out = serve(env_of("REQUEST_METHOD=GET", "DOCUMENT_URI=/", NULL), &s);

	ck_assert_int_eq(strncmp(out, "Status: 500 ", 12), 0);
	ck_assert_ptr_null(strstr(out, "<h2>"));
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
	Suite *s = suite_create("request");

	add(s, "parse", parses_method_path_query_and_headers, 0);
	add(s, "ids", request_ids_differ, 0);
	add(s, "request_uri", request_uri_is_used_without_document_uri, 0);
	add(s, "method_other", unknown_method_is_other, 0);
	add(s, "bad_paths", bad_paths_are_400, (int)XH_NELEM(bad_paths));
	add(s, "dots_ok", dots_inside_segments_are_fine, 0);
	add(s, "bad_length", malformed_content_length_is_400, (int)XH_NELEM(bad_lengths));
	add(s, "length_cap", content_length_over_cap_is_413, 0);
	add(s, "bad_query", bad_query_is_400, 0);
	add(s, "body_unread", oversized_body_is_refused_unread, 0);
	add(s, "body_len", body_of_content_length_is_read, 0);
	add(s, "body_short", short_body_is_400, 0);
	add(s, "body_cap", body_without_length_stops_past_cap, 0);
	add(s, "body_nolen", body_without_length_within_cap, 0);
	add(s, "form_body", urlencoded_body_is_parsed, 0);
	add(s, "form_bad", bad_urlencoded_body_is_400, 0);
	add(s, "form_other", other_body_types_are_not_parsed, 0);
	add(s, "serve_413", serve_oversized_post_is_413_json_with_request_id, 0);
	add(s, "serve_503", serve_healthz_without_database_is_503, 0);
	add(s, "serve_head", serve_head_healthz_has_headers_only, 0);
	add(s, "serve_home", serve_home_without_session_check_fails_closed, 0);
	return unit_run(s);
}
