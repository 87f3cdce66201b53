/*
 * test_response.c: error pages in JSON or HTML by Accept, HTML escaping,
 * 500 pages that carry the request id but never the reason, response
 * headers (defaults, replacement, injection) and serialisation.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "web/web.h"
#include "unit.h"

static struct xh_arena *A;
static struct web_req REQ;
static struct web_resp RESP;

static void
setup(void)
{
	A = xh_arena_new();
	memset(&REQ, 0, sizeof(REQ));
	REQ.arena = A;
	REQ.accept = "";
	snprintf(REQ.id, sizeof(REQ.id), "0123456789abcdef");
	web_resp_init(&RESP, A);
}

static void
teardown(void)
{
	web_resp_free(&RESP);
	xh_arena_free(A);
}

static const struct {
	const char *accept;
	int json;
} accepts[] = {
    {"", 0},
    {"*/*", 0},
    {"application/json", 1},
    {"APPLICATION/JSON", 1},
    {"text/html", 0},
    {"application/json, text/html", 0},
    {"text/html;q=0.9, application/json", 1},
    {"application/json;q=0.5, text/html;q=0.8", 0},
    {"application/json ; q=0.9 , text/html;q=0.8", 1},
    {"application/*", 1},
    {"application/json, text/plain, */*", 1},
    {"text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8", 0},
    {"application/json;q=0", 0},
    {"application/json;q=bogus", 0},
    {"application/json;q=1.5", 0},
    {"application/jsonx", 0},
    {"text/*;q=0.5, application/json;q=0.4", 0},
    {"text/plain, application/json;q=0.1", 1},
};

START_TEST(accept_preference)
{
	ck_assert_msg(web_accept_prefers_json(accepts[_i].accept) == accepts[_i].json, "%s",
	              accepts[_i].accept);
}
END_TEST

/* The error object of a JSON error page (owned by *root). */
static struct json_object *
json_error(struct json_object **root)
{
	struct json_object *err = NULL;

	*root = json_tokener_parse(RESP.body.data);
	ck_assert_ptr_nonnull(*root);
	ck_assert(json_object_object_get_ex(*root, "error", &err));
	return err;
}

static const char *
field(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	ck_assert(json_object_object_get_ex(o, key, &v));
	return json_object_get_string(v);
}

START_TEST(json_error_page_shape)
{
	struct json_object *root, *err;

	REQ.accept = "application/json";
	web_resp_error_page(&RESP, &REQ, 404);
	ck_assert_int_eq(RESP.status, 404);
	ck_assert_str_eq(web_resp_get_header(&RESP, "Content-Type"), "application/json");
	ck_assert_str_eq(RESP.body.data, "{\"error\":{\"status\":404,\"message\":\"Not found\","
	                                 "\"request_id\":\"0123456789abcdef\"}}");
	err = json_error(&root);
	ck_assert_str_eq(field(err, "message"), "Not found");
	json_object_put(root);
}
END_TEST

static const struct {
	int status;
	const char *message;
} messages[] = {
    {400, "Bad request"},
    {401, "Authentication required"},
    {403, "Forbidden"},
    {404, "Not found"},
    {405, "Method not allowed"},
    {413, "Request body too large"},
    {500, "Internal server error"},
    {503, "Service unavailable"},
};

START_TEST(every_error_status_has_a_message)
{
	struct json_object *root, *err, *st = NULL;

	REQ.accept = "application/json";
	web_resp_error_page(&RESP, &REQ, messages[_i].status);
	err = json_error(&root);
	ck_assert(json_object_object_get_ex(err, "status", &st));
	ck_assert_int_eq(json_object_get_int(st), messages[_i].status);
	ck_assert_str_eq(field(err, "message"), messages[_i].message);
	ck_assert_str_eq(field(err, "request_id"), REQ.id);
	json_object_put(root);
}
END_TEST

START_TEST(html_error_page_for_browsers)
{
	REQ.accept = "text/html,*/*;q=0.8";
	web_resp_error_page(&RESP, &REQ, 404);
	ck_assert_str_eq(web_resp_get_header(&RESP, "Content-Type"), "text/html; charset=utf-8");
	ck_assert_ptr_nonnull(strstr(RESP.body.data, "<!DOCTYPE html>"));
	ck_assert_ptr_nonnull(strstr(RESP.body.data, "<h1>Not found</h1>"));
	ck_assert_ptr_nonnull(strstr(RESP.body.data, "0123456789abcdef"));
}
END_TEST

START_TEST(html_error_page_escapes_interpolated_text)
{
	snprintf(REQ.id, sizeof(REQ.id), "<b>&\"'x");
	web_resp_error_page(&RESP, &REQ, 400);
	ck_assert_ptr_null(strstr(RESP.body.data, "<b>"));
	ck_assert_ptr_nonnull(strstr(RESP.body.data, "&lt;b&gt;&amp;&quot;&#39;x"));
}
END_TEST

START_TEST(json_error_page_escapes_through_json_c)
{
	struct json_object *root, *err;

	REQ.accept = "application/json";
	snprintf(REQ.id, sizeof(REQ.id), "\"}\\x");
	web_resp_error_page(&RESP, &REQ, 400);
	err = json_error(&root);
	ck_assert_str_eq(field(err, "request_id"), "\"}\\x");
	json_object_put(root);
}
END_TEST

START_TEST(page_500_has_request_id_not_reason)
{
	const char *accept[] = {"application/json", "text/html"};
	int i;

	for (i = 0; i < 2; i++) {
		REQ.accept = accept[i];
		RESP.reason = "password authentication failed for user xhsync";
		web_resp_body(&RESP, "text/plain", "internal detail", 15);
		web_resp_error_page(&RESP, &REQ, 500);
		ck_assert_ptr_null(strstr(RESP.body.data, "password"));
		ck_assert_ptr_null(strstr(RESP.body.data, "internal detail"));
		ck_assert_ptr_nonnull(strstr(RESP.body.data, "Internal server error"));
		ck_assert_ptr_nonnull(strstr(RESP.body.data, "0123456789abcdef"));
	}
}
END_TEST

START_TEST(error_page_keeps_earlier_headers)
{
	ck_assert_int_eq(web_resp_header(&RESP, "Allow", "GET, HEAD"), XH_OK);
	web_resp_error_page(&RESP, &REQ, 405);
	ck_assert_str_eq(web_resp_get_header(&RESP, "Allow"), "GET, HEAD");
	ck_assert_str_eq(web_resp_get_header(&RESP, "X-Frame-Options"), "DENY");
}
END_TEST

START_TEST(html_escape_all_specials)
{
	struct xh_buf b;

	xh_buf_init(&b);
	web_html_escape(&b, "a<b>&\"c'd");
	ck_assert_str_eq(b.data, "a&lt;b&gt;&amp;&quot;c&#39;d");
	xh_buf_reset(&b);
	web_html_escape(&b, "plain text");
	ck_assert_str_eq(b.data, "plain text");
	xh_buf_free(&b);
}
END_TEST

static const struct {
	const char *name;
	const char *value;
} defaults[] = {
    {"Content-Security-Policy",
     "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "same-origin"},
    {"X-Frame-Options", "DENY"},
    {"Cache-Control", "no-store"},
};

START_TEST(default_security_headers)
{
	ck_assert_int_eq(RESP.status, 200);
	ck_assert_str_eq(web_resp_get_header(&RESP, defaults[_i].name), defaults[_i].value);
}
END_TEST

START_TEST(header_replaces_case_insensitively)
{
	size_t n = RESP.nheaders;

	ck_assert_int_eq(web_resp_header(&RESP, "cache-control", "private, max-age=60"), XH_OK);
	ck_assert_uint_eq(RESP.nheaders, n);
	ck_assert_str_eq(web_resp_get_header(&RESP, "Cache-Control"), "private, max-age=60");
}
END_TEST

static const char *const bad_values[] = {"a\r\nSet-Cookie: x=1", "a\nb", "a\rb",
                                         "a\x01"
                                         "b",
                                         "a\x7f"};

START_TEST(header_rejects_injection)
{
	ck_assert_int_eq(web_resp_header(&RESP, "X-Test", bad_values[_i]), XH_ERR_INVAL);
	ck_assert_ptr_null(web_resp_get_header(&RESP, "X-Test"));
}
END_TEST

START_TEST(header_rejects_bad_names)
{
	ck_assert_int_eq(web_resp_header(&RESP, "", "v"), XH_ERR_INVAL);
	ck_assert_int_eq(web_resp_header(&RESP, "Bad Name", "v"), XH_ERR_INVAL);
	ck_assert_int_eq(web_resp_header(&RESP, "Bad:Name", "v"), XH_ERR_INVAL);
	ck_assert_int_eq(web_resp_header(&RESP, "X-Tab", "a\tb"), XH_OK);
}
END_TEST

START_TEST(header_table_full)
{
	char name[32];
	int i;

	for (i = (int)RESP.nheaders; i < WEB_RESP_MAX_HEADERS; i++) {
		snprintf(name, sizeof(name), "X-H%d", i);
		ck_assert_int_eq(web_resp_header(&RESP, name, "v"), XH_OK);
	}
	ck_assert_int_eq(web_resp_header(&RESP, "X-One-More", "v"), XH_ERR_TOOBIG);
	ck_assert_int_eq(web_resp_header(&RESP, "X-H20", "replaced"), XH_OK);
}
END_TEST

START_TEST(serialize_status_headers_body)
{
	struct xh_buf out;

	xh_buf_init(&out);
	web_resp_body(&RESP, "text/plain", "hello", 5);
	RESP.status = 201;
	web_resp_serialize(&RESP, 0, &out);
	ck_assert_int_eq(strncmp(out.data, "Status: 201 Created\r\n", 21), 0);
	ck_assert_ptr_nonnull(strstr(out.data, "\r\nContent-Type: text/plain\r\n"));
	ck_assert_ptr_nonnull(strstr(out.data, "\r\nX-Frame-Options: DENY\r\n"));
	ck_assert_ptr_nonnull(strstr(out.data, "\r\nContent-Length: 5\r\n\r\nhello"));
	ck_assert_int_eq(strcmp(out.data + out.len - 5, "hello"), 0);
	xh_buf_free(&out);
}
END_TEST

START_TEST(serialize_head_has_no_body)
{
	struct xh_buf out;

	xh_buf_init(&out);
	web_resp_body(&RESP, "text/plain", "hello", 5);
	web_resp_serialize(&RESP, 1, &out);
	ck_assert_ptr_nonnull(strstr(out.data, "Content-Length: 5\r\n\r\n"));
	ck_assert_ptr_null(strstr(out.data, "hello"));
	xh_buf_free(&out);
}
END_TEST

START_TEST(status_text)
{
	ck_assert_str_eq(web_status_text(413), "Content Too Large");
	ck_assert_str_eq(web_status_text(405), "Method Not Allowed");
	ck_assert_str_eq(web_status_text(299), "Error");
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
	Suite *s = suite_create("response");

	add(s, "accept", accept_preference, (int)XH_NELEM(accepts));
	add(s, "json_page", json_error_page_shape, 0);
	add(s, "messages", every_error_status_has_a_message, (int)XH_NELEM(messages));
	add(s, "html_page", html_error_page_for_browsers, 0);
	add(s, "html_escape_page", html_error_page_escapes_interpolated_text, 0);
	add(s, "json_escape_page", json_error_page_escapes_through_json_c, 0);
	add(s, "500", page_500_has_request_id_not_reason, 0);
	add(s, "keep_headers", error_page_keeps_earlier_headers, 0);
	add(s, "html_escape", html_escape_all_specials, 0);
	add(s, "defaults", default_security_headers, (int)XH_NELEM(defaults));
	add(s, "replace", header_replaces_case_insensitively, 0);
	add(s, "injection", header_rejects_injection, (int)XH_NELEM(bad_values));
	add(s, "bad_names", header_rejects_bad_names, 0);
	add(s, "full", header_table_full, 0);
	add(s, "serialize", serialize_status_headers_body, 0);
	add(s, "serialize_head", serialize_head_has_no_body, 0);
	add(s, "status_text", status_text, 0);
	return unit_run(s);
}
