/*
 * test_job_http.c: the pure parts of the HTTP layer and the rate limiter:
 * status classification, the loopback rule for plain http, the limits a
 * call counts against (scaled windows, slots, GCRA for large budgets),
 * which scope a 429 blocks, reading the vendors' headers, and the
 * credential payload.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cred.h"
#include "http.h"
#include "lib/config.h"
#include "ratelimit.h"
#include "unit.h"

static const struct {
	int status;
	enum xh_err err;
} statuses[] = {
    {200, XH_OK},
    {201, XH_OK},
    {204, XH_OK},
    {207, XH_OK},
    {299, XH_OK},
    {301, XH_ERR_PERMANENT},
    {304, XH_ERR_PERMANENT},
    {400, XH_ERR_PERMANENT},
    {401, XH_ERR_PERMANENT},
    {403, XH_ERR_PERMANENT},
    {404, XH_ERR_PERMANENT},
    {408, XH_ERR_TRANSIENT},
    {409, XH_ERR_PERMANENT},
    {425, XH_ERR_TRANSIENT},
    {429, XH_ERR_BUSY},
    {500, XH_ERR_TRANSIENT},
    {501, XH_ERR_PERMANENT},
    {502, XH_ERR_TRANSIENT},
    {503, XH_ERR_TRANSIENT},
    {504, XH_ERR_TRANSIENT},
    {599, XH_ERR_TRANSIENT},
    {0, XH_ERR_PERMANENT},
    {100, XH_ERR_PERMANENT},
};

START_TEST(status_classes)
{
	ck_assert_int_eq(xh_http_status_err(statuses[_i].status), statuses[_i].err);
}
END_TEST

static const struct {
	const char *url;
	int ok;
} urls[] = {
    {"https://api.xero.com/api.xro/2.0/Organisation", 1},
    {"https://api.hubapi.com/crm/v3/objects/companies?limit=1", 1},
    {"http://127.0.0.1:18091/api.xro/2.0/Organisation", 1},
    {"http://127.1.2.3/x", 1},
    {"http://localhost:8080/", 1},
    {"http://LOCALHOST/", 1},
    {"http://[::1]:9000/x", 1},
    {"http://api.xero.com/api.xro/2.0/Organisation", 0},
    {"http://10.0.0.1/", 0},
    {"http://127.0.0.1.evil.example/", 0},
    {"http://localhost.evil.example/", 0},
    {"ftp://127.0.0.1/", 0},
    {"file:///etc/passwd", 0},
    {"gopher://localhost/", 0},
    {"not a url", 0},
    {"", 0},
};

START_TEST(plain_http_only_to_loopback)
{
	ck_assert_int_eq(xh_http_url_allowed(urls[_i].url), urls[_i].ok);
}
END_TEST

START_TEST(url_null_is_refused)
{
	ck_assert_int_eq(xh_http_url_allowed(NULL), 0);
}
END_TEST

static struct xh_config CFG;

static void
load_config(const char *ini)
{
	char err[256];

	ck_assert_msg(xh_config_load_mem(&CFG, "test.conf", ini, strlen(ini), err, sizeof(err)) ==
	                  XH_OK,
	              "%s", err);
}

static void
free_config(void)
{
	xh_config_free(&CFG);
}

START_TEST(plan_xero_tenant)
{
	struct xh_arena *a = xh_arena_new();
	struct xh_rl_target t = {XH_RL_XERO, "6a8f", 0};
	struct xh_rl_plan p;

	load_config("");
	xh_rl_plan(&CFG, &t, 35000, a, &p);
	ck_assert_int_eq(p.n, 2);
	ck_assert_str_eq(p.scope[0], "xero:6a8f");
	ck_assert_str_eq(p.algo[0], "log");
	ck_assert_int_eq(p.max[0], 60);
	/* one minute, widened by 2 % + 20 ms against jitter */
	ck_assert_int_eq(p.window_ms[0], 61220);
	ck_assert_int_eq(p.day_max[0], 5000);
	ck_assert_int_eq(p.day_ms, 86400000);
	ck_assert_str_eq(p.slot_scope, "xero:6a8f");
	ck_assert_int_eq(p.slots, 5);
	ck_assert_int_eq(p.lease_ms, 35000);
	/* 10,000 per minute app-wide: GCRA, 9,900 spaced plus a burst of 100 */
	ck_assert_str_eq(p.scope[1], "xero:app");
	ck_assert_str_eq(p.algo[1], "gcra");
	ck_assert_int_eq(p.max[1] + p.burst[1], 10000);
	ck_assert_int_eq(p.burst[1], 100);
	ck_assert_int_eq(p.day_max[1], 0);
	free_config();
	xh_arena_free(a);
}
END_TEST

START_TEST(plan_time_scale_and_config)
{
	struct xh_arena *a = xh_arena_new();
	struct xh_rl_target t = {XH_RL_XERO, "t", 0};
	struct xh_rl_plan p;

	load_config("[ratelimit]\ntime_scale = 0.05\nxero_per_minute = 30\nxero_concurrent = 2\n"
	            "xero_per_day = 100\n");
	xh_rl_plan(&CFG, &t, 1000, a, &p);
	ck_assert_int_eq(p.max[0], 30);
	ck_assert_int_eq(p.window_ms[0], 3080); /* 3 s scaled minute + 2 % + 20 ms */
	ck_assert_int_eq(p.slots, 2);
	ck_assert_int_eq(p.day_max[0], 100);
	ck_assert_int_eq(p.day_ms, 4320000);
	free_config();
	xh_arena_free(a);
}
END_TEST

START_TEST(plan_xero_tenantless_counts_app_only)
{
	struct xh_arena *a = xh_arena_new();
	struct xh_rl_target t = {XH_RL_XERO, NULL, 0};
	struct xh_rl_plan p;

	load_config("");
	xh_rl_plan(&CFG, &t, 1000, a, &p);
	ck_assert_int_eq(p.n, 1);
	ck_assert_str_eq(p.scope[0], "xero:app");
	ck_assert_ptr_null(p.slot_scope);
	free_config();
	xh_arena_free(a);
}
END_TEST

START_TEST(plan_hubspot_portal_and_search)
{
	struct xh_arena *a = xh_arena_new();
	struct xh_rl_target t = {XH_RL_HUBSPOT, "12345", 0};
	struct xh_rl_plan p;

	load_config("[ratelimit]\nhubspot_per_10s = 190\n");
	xh_rl_plan(&CFG, &t, 1000, a, &p);
	ck_assert_int_eq(p.n, 1);
	ck_assert_str_eq(p.scope[0], "hubspot:12345");
	ck_assert_str_eq(p.algo[0], "log");
	ck_assert_int_eq(p.max[0], 190);
	ck_assert_int_eq(p.window_ms[0], 10220);
	ck_assert_ptr_null(p.slot_scope);
	/* calls also count per day, against the lowest tier's daily limit by default */
	ck_assert_int_eq(p.day_max[0], 250000);
	t.search = 1;
	xh_rl_plan(&CFG, &t, 1000, a, &p);
	ck_assert_int_eq(p.n, 1);
	ck_assert_str_eq(p.scope[0], "hubspot-search:12345");
	ck_assert_int_eq(p.day_max[0], 250000);
	ck_assert_int_eq(p.max[0], 5);
	ck_assert_int_eq(p.window_ms[0], 1040);
	t.account = NULL;
	xh_rl_plan(&CFG, &t, 1000, a, &p);
	ck_assert_int_eq(p.n, 0);
	free_config();
	xh_arena_free(a);
}
END_TEST

START_TEST(block_scope_follows_the_problem)
{
	struct xh_arena *a = xh_arena_new();
	struct xh_rl_target x = {XH_RL_XERO, "t1", 0};
	struct xh_rl_target h = {XH_RL_HUBSPOT, "9", 1};
	struct xh_rl_plan p;

	load_config("");
	xh_rl_plan(&CFG, &x, 1000, a, &p);
	ck_assert_str_eq(xh_rl_block_scope(&p, &x, "minute"), "xero:t1");
	ck_assert_str_eq(xh_rl_block_scope(&p, &x, "day"), "xero:t1");
	ck_assert_str_eq(xh_rl_block_scope(&p, &x, "concurrent"), "xero:t1");
	ck_assert_str_eq(xh_rl_block_scope(&p, &x, NULL), "xero:t1");
	ck_assert_str_eq(xh_rl_block_scope(&p, &x, "AppMinute"), "xero:app");
	xh_rl_plan(&CFG, &h, 1000, a, &p);
	ck_assert_str_eq(xh_rl_block_scope(&p, &h, NULL), "hubspot-search:9");
	h.account = NULL;
	xh_rl_plan(&CFG, &h, 1000, a, &p);
	ck_assert_ptr_null(xh_rl_block_scope(&p, &h, NULL));
	free_config();
	xh_arena_free(a);
}
END_TEST

/* Header lookup over a NULL-terminated name, value list. */
static const char *
get_hdr(const char *name, void *arg)
{
	const char *const *kv = arg;

	for (; kv[0] != NULL; kv += 2)
		if (strcasecmp(kv[0], name) == 0)
			return kv[1];
	return NULL;
}

START_TEST(parse_xero_headers)
{
	const char *h[] = {"X-DayLimit-Remaining",
	                   "4983",
	                   "X-MinLimit-Remaining",
	                   "58",
	                   "X-AppMinLimit-Remaining",
	                   "9999",
	                   NULL,
	                   NULL};
	const char *h429[] = {"Retry-After", "42", "X-Rate-Limit-Problem", "minute", NULL, NULL};
	struct xh_rl_feedback fb;

	xh_rl_parse(XH_RL_XERO, 200, get_hdr, h, &fb);
	ck_assert_int_eq(fb.status, 200);
	ck_assert_int_eq(fb.day_left, 4983);
	ck_assert_int_eq(fb.window_left, 58);
	ck_assert_int_eq(fb.window_max, -1);
	ck_assert_int_eq(fb.retry_after_ms, -1);
	ck_assert_ptr_null(fb.problem);
	xh_rl_parse(XH_RL_XERO, 429, get_hdr, h429, &fb);
	ck_assert_int_eq(fb.retry_after_ms, 42000);
	ck_assert_str_eq(fb.problem, "minute");
	ck_assert_int_eq(fb.window_left, -1);
}
END_TEST

START_TEST(parse_hubspot_headers)
{
	const char *h[] = {"x-hubspot-ratelimit-max",
	                   "100",
	                   "x-hubspot-ratelimit-remaining",
	                   "99",
	                   "X-HubSpot-RateLimit-Daily-Remaining",
	                   "249991",
	                   NULL,
	                   NULL};
	struct xh_rl_feedback fb;

	xh_rl_parse(XH_RL_HUBSPOT, 200, get_hdr, h, &fb);
	ck_assert_int_eq(fb.window_max, 100);
	ck_assert_int_eq(fb.window_left, 99);
	ck_assert_int_eq(fb.day_left, -1);
	ck_assert_ptr_null(fb.problem);
}
END_TEST

START_TEST(parse_rejects_garbage_numbers)
{
	const char *h[] = {"X-MinLimit-Remaining",
	                   "-3",
	                   "X-DayLimit-Remaining",
	                   "12abc",
	                   "Retry-After",
	                   "soon",
	                   NULL,
	                   NULL};
	struct xh_rl_feedback fb;

	xh_rl_parse(XH_RL_XERO, 429, get_hdr, h, &fb);
	ck_assert_int_eq(fb.window_left, -1);
	ck_assert_int_eq(fb.day_left, -1);
	ck_assert_int_eq(fb.retry_after_ms, -1);
}
END_TEST

static const struct {
	const char *v;
	long long ms;
} retry_afters[] = {
    {"0", 0},
    {"1", 1000},
    {"66975", 66975000},
    {"0.25", 250},
    {"1.5", 1500},
    {NULL, -1},
    {"", -1},
    {"-1", -1},
    {"abc", -1},
    {"5s", -1},
    {"99999999", -1},
    {"Wed, 21 Oct 2026 07:28:00 GMT", -1},
    {"NaN", -1},
    {"inf", -1},
    {"0x10", -1},
    {"+3", -1},
    {" 3", -1},
    {"1e3", -1},
    {".", -1},
    {"604800", 604800000},
};

START_TEST(retry_after_values)
{
	ck_assert_int_eq(xh_rl_retry_after_ms(retry_afters[_i].v), retry_afters[_i].ms);
}
END_TEST

START_TEST(cred_payloads)
{
	struct xh_arena *a = xh_arena_new();
	const char *x =
	    "{\"access_token\":\"at-1\",\"tenant_id\":\"6a8f\",\"refresh_token\":\"r\"}";
	const char *h = "{\"access_token\":\"pat-na1-xyz\"}";
	struct xh_cred c;

	ck_assert_int_eq(xh_cred_parse(a, x, strlen(x), &c), XH_OK);
	ck_assert_str_eq(c.access_token, "at-1");
	ck_assert_str_eq(c.tenant_id, "6a8f");
	ck_assert_int_eq(xh_cred_parse(a, h, strlen(h), &c), XH_OK);
	ck_assert_str_eq(c.access_token, "pat-na1-xyz");
	ck_assert_ptr_null(c.tenant_id);
	ck_assert_int_eq(xh_cred_parse(a, "{\"access_token\": 5}", 19, &c), XH_OK);
	ck_assert_ptr_null(c.access_token);
	ck_assert_int_eq(xh_cred_parse(a, "[\"at\"]", 6, &c), XH_ERR_INVAL);
	ck_assert_int_eq(xh_cred_parse(a, "{}x", 3, &c), XH_ERR_INVAL);
	ck_assert_int_eq(xh_cred_parse(a, "", 0, &c), XH_ERR_INVAL);
	ck_assert_int_eq(xh_cred_parse(a, "{\"a\":", 5, &c), XH_ERR_INVAL);
	xh_arena_free(a);
}
END_TEST

static void
add(Suite *s, const char *name, const TTest *t, int loop_end)
{
	unit_add(s, name, t, loop_end, NULL, NULL);
}

int
main(void)
{
	Suite *s = suite_create("job_http");

	add(s, "status", status_classes, (int)XH_NELEM(statuses));
	add(s, "url", plain_http_only_to_loopback, (int)XH_NELEM(urls));
	add(s, "url_null", url_null_is_refused, 0);
	add(s, "plan_xero", plan_xero_tenant, 0);
	add(s, "plan_scale", plan_time_scale_and_config, 0);
	add(s, "plan_tenantless", plan_xero_tenantless_counts_app_only, 0);
	add(s, "plan_hubspot", plan_hubspot_portal_and_search, 0);
	add(s, "block_scope", block_scope_follows_the_problem, 0);
	add(s, "parse_xero", parse_xero_headers, 0);
	add(s, "parse_hubspot", parse_hubspot_headers, 0);
	add(s, "parse_garbage", parse_rejects_garbage_numbers, 0);
	add(s, "retry_after", retry_after_values, (int)XH_NELEM(retry_afters));
	add(s, "cred", cred_payloads, 0);
	return unit_run(s);
}
