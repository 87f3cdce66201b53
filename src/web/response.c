/*
 * response.c: status, headers and body of a response, the error pages, and
 * the CGI-style serialisation written back over FastCGI.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "template.h"
#include "web.h"

/* Status line text and the message users see on an error page. */
struct status_info {
	int code;
	const char *text;
	const char *message;
};

static const struct status_info statuses[] = {
    {200, "OK", "OK"},
    {201, "Created", "Created"},
    {204, "No Content", "No content"},
    {302, "Found", "Found"},
    {303, "See Other", "See other"},
    {304, "Not Modified", "Not modified"},
    {400, "Bad Request", "Bad request"},
    {401, "Unauthorized", "Authentication required"},
    {403, "Forbidden", "Forbidden"},
    {404, "Not Found", "Not found"},
    {405, "Method Not Allowed", "Method not allowed"},
    {409, "Conflict", "Conflict"},
    {413, "Content Too Large", "Request body too large"},
    {422, "Unprocessable Content", "Unprocessable request"},
    {429, "Too Many Requests", "Too many requests"},
    {500, "Internal Server Error", "Internal server error"},
    {502, "Bad Gateway", "Bad gateway"},
    {503, "Service Unavailable", "Service unavailable"},
};

/* Headers every response carries; a handler may replace Cache-Control. */
static const struct web_header default_headers[] = {
    {"Content-Security-Policy",
     "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "same-origin"},
    {"X-Frame-Options", "DENY"},
    {"Cache-Control", "no-store"},
};

static const struct status_info *
status_find(int status)
{
	size_t i;

	for (i = 0; i < XH_NELEM(statuses); i++)
		if (statuses[i].code == status)
			return &statuses[i];
	return NULL;
}

/* The reason phrase for status ("Error" if unknown). */
const char *
web_status_text(int status)
{
	const struct status_info *s = status_find(status);

	return s ? s->text : "Error";
}

static const char *
status_message(int status)
{
	const struct status_info *s = status_find(status);

	return s ? s->message : "Error";
}

/* Starts a 200 response with the default security headers. */
void
web_resp_init(struct web_resp *resp, struct xh_arena *a)
{
	size_t i;

	memset(resp, 0, sizeof(*resp));
	resp->arena = a;
	resp->status = 200;
	xh_buf_init(&resp->body);
	for (i = 0; i < XH_NELEM(default_headers); i++)
		resp->headers[resp->nheaders++] = default_headers[i];
}

void
web_resp_free(struct web_resp *resp)
{
	xh_buf_free(&resp->body);
}

/* 1 if s is a non-empty HTTP token (RFC 9110 tchar). */
static int
is_token(const char *s)
{
	static const char extra[] = "!#$%&'*+-.^_`|~";

	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s) != NULL))
			return 0;
	return 1;
}

/* 1 if s holds a control character other than tab (header injection). */
static int
has_ctl(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * Sets header name to value, replacing an earlier one of the same name.
 * XH_ERR_INVAL if name is not a token or value has CR, LF or another
 * control character; XH_ERR_TOOBIG when the header table is full.
 */
enum xh_err
web_resp_header(struct web_resp *resp, const char *name, const char *value)
{
	size_t i;

	if (!is_token(name) || has_ctl(value))
		return XH_ERR_INVAL;
	for (i = 0; i < resp->nheaders; i++)
		if (strcasecmp(resp->headers[i].name, name) == 0)
			break;
	if (i == XH_NELEM(resp->headers))
		return XH_ERR_TOOBIG;
	if (i == resp->nheaders)
		resp->headers[resp->nheaders++].name = xh_strdup(resp->arena, name);
	resp->headers[i].value = xh_strdup(resp->arena, value);
	return XH_OK;
}

/* The value of header name, or NULL. */
const char *
web_resp_get_header(const struct web_resp *resp, const char *name)
{
	size_t i;

	for (i = 0; i < resp->nheaders; i++)
		if (strcasecmp(resp->headers[i].name, name) == 0)
			return resp->headers[i].value;
	return NULL;
}

/* Replaces the body with p[0..n) of the given content type. */
void
web_resp_body(struct web_resp *resp, const char *content_type, const void *p, size_t n)
{
	xh_buf_reset(&resp->body);
	xh_buf_append(&resp->body, p, n);
	web_resp_header(resp, "Content-Type", content_type);
}

/* Replaces the body with obj as compact JSON; obj stays the caller's. */
void
web_resp_json(struct web_resp *resp, struct json_object *obj)
{
	size_t n = 0;
	const char *s = json_object_to_json_string_length(
	    obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);

	web_resp_body(resp, "application/json", s, n);
}

/* Appends s HTML-escaped (template.h: web_html_escape_n). */
void
web_html_escape(struct xh_buf *out, const char *s)
{
	web_html_escape_n(out, s, strlen(s));
}

/* Parses a q value ("0", "0.5", "1.000") into thousandths; -1 if malformed. */
static int
parse_q(const char *s, size_t n)
{
	int q, scale = 100;
	size_t i;

	if (n == 0 || (s[0] != '0' && s[0] != '1'))
		return -1;
	q = (s[0] - '0') * 1000;
	if (n == 1)
		return q;
	if (s[1] != '.' || n > 5)
		return -1;
	for (i = 2; i < n; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		q += (s[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

/* How well media range r[0..n) covers "type/sub": 3 exact, 2 type/ *, 1 * / *, 0 not. */
static int
range_covers(const char *r, size_t n, const char *type, const char *sub)
{
	size_t tl = strlen(type), sl = strlen(sub);

	if (n == 3 && memcmp(r, "*/*", 3) == 0)
		return 1;
	if (n < tl + 2 || strncasecmp(r, type, tl) != 0 || r[tl] != '/')
		return 0;
	if (n == tl + 2 && r[tl + 1] == '*')
		return 2;
	return n == tl + 1 + sl && strncasecmp(r + tl + 1, sub, sl) == 0 ? 3 : 0;
}

/* The q (thousandths) of one Accept element, from its ";q=" parameter. */
static int
element_q(const char *params, size_t n)
{
	const char *p = params, *end = params + n, *semi;

	while (p < end) {
		while (p < end && (*p == ' ' || *p == ';'))
			p++;
		semi = memchr(p, ';', (size_t)(end - p));
		if (semi == NULL)
			semi = end;
		if (semi - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			while (semi > p + 2 && (semi[-1] == ' ' || semi[-1] == '\t'))
				semi--;
			return parse_q(p + 2, (size_t)(semi - p - 2));
		}
		p = semi;
	}
	return 1000;
}

/* Updates the best (most specific) match of one Accept element for a type. */
struct accept_best {
	int spec;
	int q;
};

static void
accept_element(const char *e, size_t n, struct accept_best *json, struct accept_best *html)
{
	size_t rl = strcspn(e, ";,");
	int q, sj, sh;

	q = element_q(e + rl, n - rl);
	while (rl > 0 && (e[rl - 1] == ' ' || e[rl - 1] == '\t'))
		rl--;
	if (q < 0)
		return;
	sj = range_covers(e, rl, "application", "json");
	sh = range_covers(e, rl, "text", "html");
	if (sj > json->spec)
		*json = (struct accept_best){sj, q};
	if (sh > html->spec)
		*html = (struct accept_best){sh, q};
}

/*
 * 1 if the Accept header prefers application/json over text/html: by q
 * value, then by how specifically each is named. No Accept, or a tie, is
 * HTML (a browser).
 */
int
web_accept_prefers_json(const char *accept)
{
	struct accept_best json = {0, 0}, html = {0, 0};
	const char *p = accept;
	size_t n;

	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		n = strcspn(p, ",");
		if (n > 0)
			accept_element(p, n, &json, &html);
		p += n;
	}
	if (json.q != html.q)
		return json.q > html.q;
	return json.q > 0 && json.spec > html.spec;
}

/* The error page as JSON: {"error":{"status":..,"message":..,"request_id":..}}. */
static void
error_json(struct web_resp *resp, const char *request_id, int status)
{
	struct json_object *root = json_object_new_object(), *err = json_object_new_object();

	json_object_object_add(err, "status", json_object_new_int(status));
	json_object_object_add(err, "message", json_object_new_string(status_message(status)));
	json_object_object_add(err, "request_id", json_object_new_string(request_id));
	json_object_object_add(root, "error", err);
	web_resp_json(resp, root);
	json_object_put(root);
}

/* Starts a page: doctype, head with the title (escaped) and stylesheet, body. */
void
web_html_open(struct xh_buf *b, const char *title)
{
	xh_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	               "<link rel=\"stylesheet\" href=\"/static/xhsync.css\">\n<title>");
	web_html_escape(b, title);
	xh_buf_puts(b, "</title>\n</head>\n<body>\n<main>\n");
}

/* Ends a page opened with web_html_open. */
void
web_html_close(struct xh_buf *b)
{
	xh_buf_puts(b, "</main>\n</body>\n</html>\n");
}

/* What an error page tells a person to do next, per status. */
static const struct {
	int code;
	const char *advice;
} advices[] = {
    {400, "The request was malformed. Go back, reload the page and try again."},
    {401, "Sign in, then try again."},
    {403, "The request was refused: the form may be out of date, your session may have ended, or "
          "it came from another site. Go back, reload the page and try again."},
    {404, "There is no page at this address. Check the link, or start again from the dashboard."},
    {405, "This address does not accept that kind of request. Use the links and buttons of the "
          "console."},
    {413, "What you sent is too large. Send less at a time."},
    {429, "Too many requests. Wait a few minutes and try again."},
    {500, "Something went wrong on our side. Try again; if it keeps failing, give the request id "
          "below to whoever runs xhsync (it is in their logs)."},
    {503, "The service is not available right now. Try again in a minute."},
};

static const char *
status_advice(int status)
{
	size_t i;

	for (i = 0; i < XH_NELEM(advices); i++)
		if (advices[i].code == status)
			return advices[i].advice;
	return "Go back and try again.";
}

/* The error page: from templates when loaded, else a small HTML document. */
static void
error_html(struct web_resp *resp, const struct web_req *req, int status)
{
	struct xh_buf *b = &resp->body;
	const char *msg = status_message(status), *request_id = req->id;
	char title[96];

	snprintf(title, sizeof(title), "%d %s - xhsync", status, msg);
	xh_buf_reset(b);
	if (web_page_error(resp, req, status, title, msg, status_advice(status)))
		return;
	web_html_open(b, title);
	xh_buf_puts(b, "<h1>");
	web_html_escape(b, msg);
	xh_buf_puts(b, "</h1>\n<p>");
	web_html_escape(b, status_advice(status));
	xh_buf_puts(b, "</p>\n<p>Request id: <code>");
	web_html_escape(b, request_id);
	xh_buf_puts(b, "</code></p>\n<p><a href=\"/\">Back to the start page</a></p>\n");
	web_html_close(b);
	web_resp_header(resp, "Content-Type", "text/html; charset=utf-8");
}

/*
 * Turns resp into the error page for status, in JSON if the client prefers
 * it, else HTML. The page shows only the generic message and the request
 * id, never resp->reason. Headers already set (Allow, ...) are kept.
 */
void
web_resp_error_page(struct web_resp *resp, const struct web_req *req, int status)
{
	resp->status = status;
	if (web_accept_prefers_json(req->accept))
		error_json(resp, req->id, status);
	else
		error_html(resp, req, status);
}

/*
 * Writes the CGI response: Status line, headers, Content-Length, blank
 * line, then the body unless head_only (HEAD: same headers, no body).
 */
void
web_resp_serialize(const struct web_resp *resp, int head_only, struct xh_buf *out)
{
	size_t i;

	xh_buf_printf(out, "Status: %d %s\r\n", resp->status, web_status_text(resp->status));
	for (i = 0; i < resp->nheaders; i++)
		xh_buf_printf(out, "%s: %s\r\n", resp->headers[i].name, resp->headers[i].value);
	if (resp->stream.fn != NULL) { /* length unknown: the body follows, streamed */
		xh_buf_append(out, "\r\n", 2);
		return;
	}
	xh_buf_printf(out, "Content-Length: %zu\r\n\r\n", resp->body.len);
	if (!head_only && resp->body.len > 0)
		xh_buf_append(out, resp->body.data, resp->body.len);
}
