/*
 * request.c: FastCGI params and body -> struct web_req, validated once here.
 * A problem found while parsing is recorded in req->error (400 or 413) for
 * the dispatcher to answer; nothing behind this file re-checks the input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "crypto.h"
#include "web.h"

#define BODY_CHUNK 16384

static const char *const method_names[WEB_METHOD__MAX] = {
    "GET",     /* WEB_GET */
    "HEAD",    /* WEB_HEAD */
    "POST",    /* WEB_POST */
    "PUT",     /* WEB_PUT */
    "DELETE",  /* WEB_DELETE */
    "PATCH",   /* WEB_PATCH */
    "OPTIONS", /* WEB_OPTIONS */
    "OTHER",   /* WEB_METHOD_OTHER */
};

const char *
web_method_name(enum web_method m)
{
	return (unsigned)m < WEB_METHOD__MAX ? method_names[m] : "OTHER";
}

/* The method named s (case-sensitive, as HTTP says), or WEB_METHOD_OTHER. */
enum web_method
web_method_parse(const char *s)
{
	size_t i;

	for (i = 0; i < WEB_METHOD_OTHER; i++)
		if (strcmp(s, method_names[i]) == 0)
			return (enum web_method)i;
	return WEB_METHOD_OTHER;
}

/* The value of param name in a "KEY=VALUE" array, or NULL. */
const char *
web_env_get(char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (; env != NULL && *env != NULL; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

static const char *
env_or_empty(char *const *env, const char *name)
{
	const char *v = web_env_get(env, name);

	return v ? v : "";
}

/* Records the first parse problem; later ones are not interesting. */
static void
req_fail(struct web_req *req, int status, const char *reason)
{
	if (req->error != 0)
		return;
	req->error = status;
	req->error_reason = reason;
}

/* Fills req->id with 8 random bytes as hex (a pid and counter if RAND fails). */
static void
req_make_id(struct web_req *req)
{
	static unsigned counter;
	unsigned char rnd[WEB_REQUEST_ID_LEN / 2];
	size_t i;

	if (xh_random_bytes(rnd, sizeof(rnd)) != XH_OK) {
		snprintf(req->id, sizeof(req->id), "%08x%08x", (unsigned)getpid(), ++counter);
		return;
	}
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(req->id + 2 * i, 3, "%02x", rnd[i]);
}

/* 1 if path has a "." or ".." segment. */
static int
has_dot_segment(const char *path)
{
	const char *seg = path;
	size_t n;

	while (seg != NULL) {
		seg++; /* past '/' */
		n = strcspn(seg, "/");
		if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return 1;
		seg = strchr(seg, '/');
	}
	return 0;
}

/*
 * Sets req->path from DOCUMENT_URI (already decoded by nginx) or else from
 * REQUEST_URI minus its query, percent-decoded. A missing or relative path,
 * a bad escape, an encoded NUL or a dot segment leads to 400.
 */
static void
req_parse_path(struct web_req *req)
{
	const char *uri = web_env_get(req->env, "DOCUMENT_URI");
	char *path = NULL;

	if (uri != NULL) {
		path = xh_strdup(req->arena, uri);
	} else if ((uri = web_env_get(req->env, "REQUEST_URI")) != NULL) {
		if (web_pct_decode(req->arena, uri, strcspn(uri, "?"), 0, &path, NULL) != XH_OK)
			path = NULL;
	}
	if (path == NULL || path[0] != '/')
		req_fail(req, 400, "request path missing or malformed");
	else if (has_dot_segment(path))
		req_fail(req, 400, "dot segment in request path");
	else
		req->path = path;
}

/* Parses CONTENT_LENGTH: absent is -1; malformed is 400; over max_body is 413. */
static void
req_parse_length(struct web_req *req, long long max_body)
{
	const char *s = web_env_get(req->env, "CONTENT_LENGTH");
	char *end;
	long long n;

	req->content_length = -1;
	if (s == NULL || *s == '\0')
		return;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < 0 || s[0] < '0' || s[0] > '9') {
		req_fail(req, 400, "malformed Content-Length");
		return;
	}
	req->content_length = n;
	if (n > max_body)
		req_fail(req, 413, "Content-Length over web.max_body");
}

/*
 * Initialises req from FastCGI params: request id, method, path, query
 * parameters, the headers we use, and cookies. Problems are recorded in
 * req->error; the body is read separately by web_req_read_body.
 */
void
web_req_init(struct web_req *req, struct xh_arena *a, char **env, long long max_body)
{
	memset(req, 0, sizeof(*req));
	req->arena = a;
	req->env = env;
	req_make_id(req);
	req->method_name = env_or_empty(env, "REQUEST_METHOD");
	req->method = web_method_parse(req->method_name);
	req->query = env_or_empty(env, "QUERY_STRING");
	req->content_type = env_or_empty(env, "CONTENT_TYPE");
	req->cookie_header = env_or_empty(env, "HTTP_COOKIE");
	req->accept = env_or_empty(env, "HTTP_ACCEPT");
	req->origin = env_or_empty(env, "HTTP_ORIGIN");
	req->sec_fetch_site = env_or_empty(env, "HTTP_SEC_FETCH_SITE");
	req->host = env_or_empty(env, "HTTP_HOST");
	req->body = "";
	if (req->method_name[0] == '\0')
		req_fail(req, 400, "no REQUEST_METHOD");
	req_parse_path(req);
	req_parse_length(req, max_body);
	if (web_form_parse(a, req->query, strlen(req->query), &req->query_params) != XH_OK)
		req_fail(req, 400, "malformed query string");
	if (web_cookie_parse(a, req->cookie_header, &req->cookies) != XH_OK)
		req_fail(req, 400, "Cookie header over limits");
}

/* 1 if the Content-Type's media type is application/x-www-form-urlencoded. */
static int
is_urlencoded(const char *ctype)
{
	static const char form[] = "application/x-www-form-urlencoded";
	size_t n = sizeof(form) - 1;

	return strncasecmp(ctype, form, n) == 0 &&
	       (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ');
}

/*
 * Reads the body through rd, never more than max_body bytes: a body that
 * turns out longer leads to 413, one shorter than Content-Length to 400.
 * Nothing is read when parsing already failed (so an announced oversized
 * body is refused unread). A urlencoded body is parsed into req->form.
 */
void
web_req_read_body(struct web_req *req, long long max_body, web_body_reader *rd, void *arg)
{
	long long want = req->content_length >= 0 ? req->content_length : max_body + 1;
	char chunk[BODY_CHUNK];
	struct xh_buf b;
	long long left;
	long got;

	if (req->error != 0 || want == 0)
		return;
	xh_buf_init(&b);
	while ((left = want - (long long)b.len) > 0) {
		got = rd(arg, chunk, left < BODY_CHUNK ? (size_t)left : sizeof(chunk));
		if (got <= 0)
			break;
		xh_buf_append(&b, chunk, (size_t)got);
	}
	if ((long long)b.len > max_body)
		req_fail(req, 413, "body over web.max_body");
	else if ((long long)b.len < req->content_length)
		req_fail(req, 400, "body shorter than Content-Length");
	else if (b.len > 0)
		req->body = xh_buf_dup(req->arena, &b);
	req->body_len = req->error ? 0 : b.len;
	xh_buf_free(&b);
	if (req->error == 0 && is_urlencoded(req->content_type) &&
	    web_form_parse(req->arena, req->body, req->body_len, &req->form) != XH_OK)
		req_fail(req, 400, "malformed form body");
}
