/*
 * http.c: the libcurl client layer (http.h): the rate-limit gate before a
 * call, the call itself on a reused easy handle, and the limit headers fed
 * back after it.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "crypto.h"
#include "http.h"
#include "job.h"
#include "lib/config.h"
#include "log.h"

#define HTTP_CONNECT_MS     10000
#define HTTP_TOTAL_MS       30000
#define HTTP_LEASE_PAD_MS   5000 /* a slot lease outlives the call's timeout */
#define HTTP_GATE_WAIT_MS   2000 /* longest in-thread wait at the gate */
#define HTTP_POLL_MS        25   /* re-ask interval while all slots are taken */
#define HTTP_SLOT_SNOOZE_MS 250  /* snooze when the slots stay taken */
#define HTTP_MAX_HEADERS    100
#define HTTP_USER_AGENT     "xhsync"

struct xh_http {
	const struct xh_config *cfg;
	struct xh_db *db;
	CURL *curl;
	char name[96]; /* holder prefix: "<worker>:<random>" */
	unsigned long seq;
	char err[256];
};

/* What the curl callbacks fill during one call. */
struct http_call {
	struct xh_arena *a;
	struct xh_buf body;
	int too_big;
	struct xh_http_resp *resp;
};

struct xh_http *
xh_http_new(const struct xh_config *cfg, struct xh_db *db, const char *name)
{
	struct xh_http *h = xh_xcalloc(1, sizeof(*h));
	unsigned char rnd[4] = {0};

	h->cfg = cfg;
	h->db = db;
	h->curl = curl_easy_init();
	xh_random_bytes(rnd, sizeof(rnd));
	snprintf(h->name, sizeof(h->name), "%.80s:%02x%02x%02x%02x", name != NULL ? name : "http",
	         rnd[0], rnd[1], rnd[2], rnd[3]);
	return h;
}

void
xh_http_free(struct xh_http *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	free(h);
}

const char *
xh_http_error(const struct xh_http *h)
{
	return h->err;
}

/* 1 for localhost, an IPv4 address in 127.0.0.0/8, and ::1 (bracketed or not). */
static int
host_is_loopback(const char *host)
{
	struct in_addr v4;

	if (inet_pton(AF_INET, host, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	return strcasecmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 ||
	       strcmp(host, "[::1]") == 0;
}

int
xh_http_url_allowed(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int ok = 0;

	if (u == NULL || url == NULL)
		goto out;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	ok =
	    strcmp(scheme, "https") == 0 || (strcmp(scheme, "http") == 0 && host_is_loopback(host));
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

enum xh_err
xh_http_status_err(int status)
{
	if (status >= 200 && status <= 299)
		return XH_OK;
	if (status == 429)
		return XH_ERR_BUSY;
	if (status == 408 || status == 425 || (status >= 500 && status <= 599 && status != 501))
		return XH_ERR_TRANSIENT;
	return XH_ERR_PERMANENT;
}

const char *
xh_http_header(const struct xh_http_resp *r, const char *name)
{
	for (int i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->hnames[i], name) == 0)
			return r->hvalues[i];
	return NULL;
}

/* Adapter for xh_rl_parse. */
static const char *
resp_get(const char *name, void *arg)
{
	return xh_http_header(arg, name);
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct http_call *c = arg;

	if (n * size > XH_HTTP_BODY_MAX - c->body.len) {
		c->too_big = 1;
		return 0;
	}
	xh_buf_append(&c->body, p, n * size);
	return n * size;
}

/* Keeps the headers of the last response (a new status line resets them). */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct http_call *c = arg;
	struct xh_http_resp *r = c->resp;
	size_t len = n * size, k;
	char *colon;

	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		r->nheaders = 0;
		return len;
	}
	colon = memchr(p, ':', len);
	if (colon == NULL || r->nheaders >= HTTP_MAX_HEADERS)
		return len;
	k = (size_t)(colon - p);
	r->hnames[r->nheaders] = xh_strndup(c->a, p, k);
	for (k++; k < len && (p[k] == ' ' || p[k] == '\t'); k++)
		;
	while (len > k && (p[len - 1] == '\r' || p[len - 1] == '\n' || p[len - 1] == ' '))
		len--;
	r->hvalues[r->nheaders++] = xh_strndup(c->a, p + k, len - k);
	return n * size;
}

/* Sleeps ms milliseconds. */
static void
nap(long long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* The total timeout of a call: the default, cut to the job's deadline. */
static long long
call_timeout_ms(const struct xh_http_req *req)
{
	long long left;

	if (req->deadline_ms <= 0)
		return HTTP_TOTAL_MS;
	left = req->deadline_ms - xh_now_ms();
	return left < HTTP_TOTAL_MS ? (left > 1 ? left : 1) : HTTP_TOTAL_MS;
}

/*
 * Passes the gate, waiting in the thread up to the request's limit (slots
 * are re-asked every HTTP_POLL_MS). XH_ERR_BUSY with *wait when the wait
 * would be longer.
 */
static enum xh_err
gate(struct xh_http *h, const struct xh_http_req *req, const struct xh_rl_plan *p,
     struct xh_rl_grant *g, long long *wait)
{
	long long max = req->max_wait_ms >= 0 ? req->max_wait_ms : HTTP_GATE_WAIT_MS;
	long long waited = 0, nap_ms;
	char holder[128], reason[32];
	enum xh_err err;

	for (;;) {
		snprintf(holder, sizeof(holder), "%s:%lu", h->name, ++h->seq);
		err = xh_rl_acquire(h->db, p, holder, g, wait, reason, sizeof(reason));
		if (err != XH_ERR_BUSY)
			break;
		nap_ms = strcmp(reason, "concurrent") == 0 && *wait > HTTP_POLL_MS ? HTTP_POLL_MS
		                                                                   : *wait;
		if (waited + nap_ms > max ||
		    (req->deadline_ms > 0 && xh_now_ms() + nap_ms > req->deadline_ms)) {
			if (strcmp(reason, "concurrent") == 0)
				*wait = HTTP_SLOT_SNOOZE_MS;
			snprintf(h->err, sizeof(h->err), "rate limited (%s) for %lld ms", reason,
			         *wait);
			return XH_ERR_BUSY;
		}
		nap(nap_ms);
		waited += nap_ms;
	}
	if (err)
		snprintf(h->err, sizeof(h->err), "rate-limit gate: %s", xh_db_error(h->db));
	return err;
}

/* Sets the options of one request on the (reset) easy handle. */
static void
set_options(struct xh_http *h, const struct xh_http_req *req, struct http_call *c,
            struct curl_slist *hdrs)
{
	CURL *e = h->curl;

	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, req->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)HTTP_CONNECT_MS);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)call_timeout_ms(req));
	curl_easy_setopt(e, CURLOPT_USERAGENT, HTTP_USER_AGENT);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
	if (req->body != NULL) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	} else if (strcmp(req->method, "GET") != 0) {
		curl_easy_setopt(e, CURLOPT_NOBODY, strcmp(req->method, "HEAD") == 0 ? 1L : 0L);
	}
}

/* The request id to log: the vendor's correlation id if it sent one. */
static const char *
vendor_request_id(const struct xh_http_resp *r)
{
	static const char *const names[] = {"Xero-Correlation-Id", "X-HubSpot-Correlation-Id",
	                                    "X-Request-Id"};

	for (size_t i = 0; i < XH_NELEM(names); i++)
		if (xh_http_header(r, names[i]) != NULL)
			return xh_http_header(r, names[i]);
	return "";
}

/* Logs one call: method, host, path (no query), status, time, vendor id. */
static void
log_call(struct xh_http *h, const struct xh_http_req *req, const struct xh_http_resp *r,
         long long ms, CURLcode cc)
{
	CURLU *u = curl_url();
	char *host = NULL, *path = NULL, st[16], msbuf[24];

	if (u != NULL && curl_url_set(u, CURLUPART_URL, req->url, 0) == CURLUE_OK) {
		curl_url_get(u, CURLUPART_HOST, &host, 0);
		curl_url_get(u, CURLUPART_PATH, &path, 0);
	}
	snprintf(st, sizeof(st), "%d", r->status);
	snprintf(msbuf, sizeof(msbuf), "%lld", ms);
	xh_log(cc == CURLE_OK ? XH_LOG_INFO : XH_LOG_WARN, "http.request", "method", req->method,
	       "host", host, "path", path, "status", st, "ms", msbuf, "vendor_id", r->request_id,
	       "error", cc == CURLE_OK ? NULL : h->err, NULL);
	curl_free(host);
	curl_free(path);
	curl_url_cleanup(u);
}

/* Performs the call itself; fills resp. */
static enum xh_err
perform(struct xh_http *h, struct xh_arena *a, const struct xh_http_req *req,
        struct xh_http_resp *resp)
{
	struct http_call c = {.a = a, .resp = resp};
	struct curl_slist *hdrs = NULL;
	long long start = xh_now_ms();
	long status = 0;
	enum xh_err err = XH_OK;
	CURLcode cc;

	resp->hnames = xh_alloc(a, sizeof(char *) * HTTP_MAX_HEADERS);
	resp->hvalues = xh_alloc(a, sizeof(char *) * HTTP_MAX_HEADERS);
	xh_buf_init(&c.body);
	for (const char *const *p = req->headers; p != NULL && *p != NULL; p++)
		hdrs = curl_slist_append(hdrs, *p);
	set_options(h, req, &c, hdrs);
	cc = curl_easy_perform(h->curl);
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	if (cc != CURLE_OK) {
		snprintf(h->err, sizeof(h->err), "%s", curl_easy_strerror(cc));
		err = c.too_big ? XH_ERR_TOOBIG : XH_ERR_HTTP;
	}
	resp->status = cc == CURLE_OK ? (int)status : 0;
	resp->body = xh_buf_dup(a, &c.body);
	resp->body_len = c.body.len;
	resp->request_id = vendor_request_id(resp);
	log_call(h, req, resp, xh_now_ms() - start, cc);
	for (struct curl_slist *s = hdrs; s != NULL; s = s->next) /* curl's copies of them */
		OPENSSL_cleanse(s->data, strlen(s->data));
	curl_slist_free_all(hdrs);
	OPENSSL_cleanse(c.body.data, c.body.cap); /* a token endpoint's answer */
	xh_buf_free(&c.body);
	return err;
}

enum xh_err
xh_http_do(struct xh_http *h, struct xh_arena *a, const struct xh_http_req *req,
           struct xh_http_resp *resp)
{
	struct xh_rl_plan plan;
	struct xh_rl_grant grant = {0};
	struct xh_rl_feedback fb;
	enum xh_err err;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after_ms = -1;
	resp->request_id = "";
	h->err[0] = '\0';
	if (h->curl == NULL || req->method == NULL || !xh_http_url_allowed(req->url)) {
		snprintf(h->err, sizeof(h->err), "refused URL (https, or http to loopback only)");
		return XH_ERR_INVAL;
	}
	if (req->rl != NULL) {
		xh_rl_plan(h->cfg, req->rl, call_timeout_ms(req) + HTTP_LEASE_PAD_MS, a, &plan);
		err = gate(h, req, &plan, &grant, &resp->retry_after_ms);
		if (err)
			return err;
	}
	err = perform(h, a, req, resp);
	if (req->rl != NULL) {
		xh_rl_parse(req->rl->vendor, resp->status, resp_get, resp, &fb);
		if (resp->status == 429) /* without Retry-After: one window of the scope */
			resp->retry_after_ms = fb.retry_after_ms > 0 ? fb.retry_after_ms
			                       : plan.n > 0          ? plan.window_ms[0]
			                                             : 1000;
		/* once more on failure: a slot not given back is lost until its lease ends */
		if (xh_rl_done(h->db, &plan, req->rl, &grant, err ? NULL : &fb) != XH_OK &&
		    xh_rl_done(h->db, &plan, req->rl, &grant, err ? NULL : &fb) != XH_OK)
			xh_log(XH_LOG_WARN, "ratelimit.done_failed", "error", xh_db_error(h->db),
			       NULL);
	}
	return err;
}

enum xh_err
xh_http_job_call(struct job_ctx *ctx, struct xh_http_req *req, const char *vendor,
                 struct xh_http_resp *resp)
{
	enum xh_err err;

	req->deadline_ms = ctx->deadline_ms;
	err = xh_http_do(ctx->http, ctx->arena, req, resp);
	if (err == XH_OK)
		err = xh_http_status_err(resp->status);
	if (err == XH_ERR_BUSY) {
		ctx->snooze_ms = resp->retry_after_ms > 0 ? resp->retry_after_ms : 1000;
		return job_error(ctx, err, "%s rate limited for %lld ms", vendor, ctx->snooze_ms);
	}
	if (err != XH_OK && resp->status > 0)
		return job_error(ctx, err, "%s answered %d", vendor, resp->status);
	if (err != XH_OK)
		return job_error(ctx, err, "%s: %s", vendor, xh_http_error(ctx->http));
	return XH_OK;
}
