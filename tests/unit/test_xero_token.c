/*
 * test_xero_token.c: the pure parts of the Xero token refresh
 * (src/xero/token_wire.c): the token endpoint's answers, when a refresh is
 * due, the payload stored after a refresh, the request's form body and
 * client authentication, and the credential payload's new fields.
 */
#include <check.h>
#include <json-c/json.h>
#include <string.h>

#include "cred.h"
#define UNIT_ARENA
#include "unit.h"
#include "xero/token.h"

/* Xero's recorded answer (XERO.md 1.2), shortened tokens. */
#define XERO_ANSWER                                                                                \
	"{\"id_token\":\"eyJh.id.sig\",\"access_token\":\"eyJh.at.sig\",\"expires_in\":1800,"      \
	"\"token_type\":\"Bearer\",\"refresh_token\":\"0f1e2d3c4b5a\","                            \
	"\"scope\":\"email profile openid offline_access\"}"

/* Parses s; the result code. */
static enum xh_err
parse(const char *s, struct xero_token_resp *r)
{
	return xero_token_parse(a, s, strlen(s), r);
}

START_TEST(parse_accepts_xeros_answer)
{
	struct xero_token_resp r;

	ck_assert_int_eq(parse(XERO_ANSWER, &r), XH_OK);
	ck_assert_str_eq(r.access_token, "eyJh.at.sig");
	ck_assert_str_eq(r.refresh_token, "0f1e2d3c4b5a");
	ck_assert_int_eq(r.expires_in, 1800);
	ck_assert_ptr_null(r.error);
}
END_TEST

START_TEST(parse_accepts_an_answer_without_refresh_token_or_type)
{
	struct xero_token_resp r;

	ck_assert_int_eq(parse("{\"access_token\":\"abc\",\"expires_in\":60}", &r), XH_OK);
	ck_assert_str_eq(r.access_token, "abc");
	ck_assert_ptr_null(r.refresh_token);
	ck_assert_int_eq(r.expires_in, 60);
	ck_assert_int_eq(parse("{\"access_token\":\"abc\",\"expires_in\":60,"
	                       "\"token_type\":\"bearer\"}",
	                       &r),
	                 XH_OK);
}
END_TEST

START_TEST(parse_reads_error_answers)
{
	struct xero_token_resp r;

	ck_assert_int_eq(parse("{\"error\":\"invalid_grant\"}", &r), XH_OK);
	ck_assert_str_eq(r.error, "invalid_grant");
	ck_assert_ptr_null(r.access_token);
	ck_assert_int_eq(parse("{\"error\":\"invalid_client\",\"error_description\":\"x\"}", &r),
	                 XH_OK);
	ck_assert_str_eq(r.error, "invalid_client");
	/* an error code outside [a-z_] is not repeated in messages */
	ck_assert_int_eq(parse("{\"error\":\"Bad\\r\\nthing\"}", &r), XH_OK);
	ck_assert_str_eq(r.error, "unknown");
	ck_assert_int_eq(parse("{\"error\":\"\"}", &r), XH_OK);
	ck_assert_str_eq(r.error, "unknown");
}
END_TEST

/* Answers that must be refused as a whole. */
static const char *const bad_answers[] = {
    "",
    "not json",
    "[]",
    "\"x\"",
    "{}",
    "{\"error\":5}",
    "{\"access_token\":\"abc\"}",
    "{\"access_token\":\"abc\",\"expires_in\":0}",
    "{\"access_token\":\"abc\",\"expires_in\":-5}",
    "{\"access_token\":\"abc\",\"expires_in\":\"1800\"}",
    "{\"access_token\":\"abc\",\"expires_in\":1800.5}",
    "{\"access_token\":\"abc\",\"expires_in\":99999999999}",
    "{\"access_token\":\"\",\"expires_in\":1800}",
    "{\"access_token\":5,\"expires_in\":1800}",
    "{\"access_token\":\"a b\",\"expires_in\":1800}",
    "{\"access_token\":\"ab\\r\\nX-Evil: 1\",\"expires_in\":1800}",
    "{\"access_token\":\"caf\\u00e9\",\"expires_in\":1800}",
    "{\"access_token\":\"abc\",\"expires_in\":1800,\"token_type\":\"mac\"}",
    "{\"access_token\":\"abc\",\"expires_in\":1800,\"token_type\":1}",
    "{\"access_token\":\"abc\",\"expires_in\":1800,\"refresh_token\":7}",
    "{\"access_token\":\"abc\",\"expires_in\":1800,\"refresh_token\":\"\"}",
    "{\"access_token\":\"abc\",\"expires_in\":1800} trailing",
};

START_TEST(parse_refuses_bad_answers)
{
	struct xero_token_resp r;

	ck_assert_msg(parse(bad_answers[_i], &r) == XH_ERR_INVAL, "accepted: %s", bad_answers[_i]);
	ck_assert_ptr_null(r.access_token);
	ck_assert_ptr_null(r.refresh_token);
	ck_assert_ptr_null(r.error);
}
END_TEST

START_TEST(parse_bounds_token_length)
{
	struct xero_token_resp r;
	char tok[XERO_TOKEN_MAX + 2];
	char *body;

	memset(tok, 'a', sizeof(tok) - 1);
	tok[XERO_TOKEN_MAX] = '\0';
	body = xh_printf(a, "{\"access_token\":\"%s\",\"expires_in\":1800}", tok);
	ck_assert_int_eq(parse(body, &r), XH_OK);
	tok[XERO_TOKEN_MAX] = 'a';
	tok[XERO_TOKEN_MAX + 1] = '\0';
	body = xh_printf(a, "{\"access_token\":\"%s\",\"expires_in\":1800}", tok);
	ck_assert_int_eq(parse(body, &r), XH_ERR_INVAL);
}
END_TEST

static const struct {
	long long expires_at, now, age_s, max_age_s;
	int due;
} due_cases[] = {
    {2000, 1000, 0, -1, 0},                    /* 1000 s left */
    {1301, 1000, 0, -1, 0},                    /* 301 s left */
    {1300, 1000, 0, -1, 1},                    /* exactly the margin */
    {1100, 1000, 0, -1, 1},                    /* inside the margin */
    {900, 1000, 0, -1, 1},                     /* expired */
    {0, 1000, 0, -1, 1},                       /* unknown expiry */
    {9000, 1000, 86400 * 8, -1, 0},            /* old, but no age rule */
    {9000, 1000, 86400 * 8, 86400 * 7, 1},     /* older than the keep-alive age */
    {9000, 1000, 86400 * 7, 86400 * 7, 1},     /* exactly that age */
    {9000, 1000, 86400 * 7 - 1, 86400 * 7, 0}, /* just younger */
    {9000, 1000, 0, 0, 1},                     /* max_age 0: now */
    {1200, 1000, 5, 86400 * 7, 1},             /* young, but about to expire */
};

START_TEST(due_follows_the_margin_and_the_age_rule)
{
	ck_assert_int_eq(xero_token_due(due_cases[_i].expires_at, due_cases[_i].now,
	                                due_cases[_i].age_s, due_cases[_i].max_age_s),
	                 due_cases[_i].due);
}
END_TEST

/* The string member key of the JSON text s, or NULL; in the arena. */
static const char *
member(const char *s, const char *key)
{
	json_object *o = json_tokener_parse(s), *v = NULL;
	const char *out = NULL;

	if (o != NULL && json_object_object_get_ex(o, key, &v))
		out = xh_strdup(a, json_object_get_string(v));
	json_object_put(o);
	return out;
}

START_TEST(payload_replaces_the_pair_and_keeps_other_fields)
{
	struct xero_token_resp r = {"new-at", "new-rt", 1800, NULL};
	const char *old = "{\"access_token\":\"old-at\",\"tenant_id\":\"t-1\","
	                  "\"refresh_token\":\"old-rt\",\"expires_at\":5,\"scope\":\"x y\"}";
	char *p = xero_token_payload(a, old, &r, 1000000);
	struct xh_cred c;

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(xh_cred_parse(a, p, strlen(p), &c), XH_OK);
	ck_assert_str_eq(c.access_token, "new-at");
	ck_assert_str_eq(c.refresh_token, "new-rt");
	ck_assert_str_eq(c.tenant_id, "t-1");
	ck_assert_int_eq(c.expires_at, 1001800);
	ck_assert_str_eq(member(p, "scope"), "x y");
	ck_assert_ptr_null(strstr(p, "old-"));
}
END_TEST

START_TEST(payload_keeps_the_refresh_token_when_none_is_sent)
{
	struct xero_token_resp r = {"new-at", NULL, 60, NULL};
	char *p =
	    xero_token_payload(a, "{\"access_token\":\"a\",\"refresh_token\":\"rt\"}", &r, 10);

	ck_assert_str_eq(member(p, "refresh_token"), "rt");
	ck_assert_str_eq(member(p, "access_token"), "new-at");
	ck_assert_str_eq(member(p, "expires_at"), "70");
}
END_TEST

START_TEST(payload_refuses_a_bad_old_payload)
{
	struct xero_token_resp r = {"at", "rt", 60, NULL};
	struct xero_token_resp none = {NULL, NULL, 0, "invalid_grant"};

	ck_assert_ptr_null(xero_token_payload(a, "[1]", &r, 10));
	ck_assert_ptr_null(xero_token_payload(a, "{", &r, 10));
	ck_assert_ptr_null(xero_token_payload(a, NULL, &r, 10));
	ck_assert_ptr_null(xero_token_payload(a, "{}", &none, 10));
}
END_TEST

START_TEST(form_and_basic_auth_are_encoded)
{
	ck_assert_str_eq(xero_token_form(a, "ab-._~9"),
	                 "grant_type=refresh_token&refresh_token=ab-._~9");
	ck_assert_str_eq(xero_token_form(a, "a+b/c=&d e%"),
	                 "grant_type=refresh_token&refresh_token=a%2Bb%2Fc%3D%26d%20e%25");
	/* base64("CLIENT:s3cret") */
	ck_assert_str_eq(xero_token_basic(a, "CLIENT", "s3cret"),
	                 "Authorization: Basic Q0xJRU5UOnMzY3JldA==");
	/* base64("a%20b:s%3A1"): RFC 6749 2.3.1 encodes both before joining */
	ck_assert_str_eq(xero_token_basic(a, "a b", "s:1"),
	                 "Authorization: Basic YSUyMGI6cyUzQTE=");
}
END_TEST

START_TEST(cred_payload_reads_refresh_token_and_expiry)
{
	const char *x = "{\"access_token\":\"at\",\"tenant_id\":\"t\",\"refresh_token\":\"rt\","
	                "\"expires_at\":1700000000}";
	struct xh_cred c;

	ck_assert_int_eq(xh_cred_parse(a, x, strlen(x), &c), XH_OK);
	ck_assert_str_eq(c.refresh_token, "rt");
	ck_assert_int_eq(c.expires_at, 1700000000);
	ck_assert_str_eq(c.json, x);
	ck_assert_int_eq(xh_cred_parse(a, "{\"access_token\":\"at\"}", 21, &c), XH_OK);
	ck_assert_ptr_null(c.refresh_token);
	ck_assert_int_eq(c.expires_at, 0);
	ck_assert_int_eq(xh_cred_parse(a, "{\"expires_at\":\"1\"}", 18, &c), XH_ERR_INVAL);
	ck_assert_int_eq(xh_cred_parse(a, "{\"expires_at\":-1}", 17, &c), XH_ERR_INVAL);
	ck_assert_int_eq(xh_cred_parse(a, "{\"expires_at\":1.5}", 18, &c), XH_ERR_INVAL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("xero_token");

	unit_add(s, "parse", parse_accepts_xeros_answer, 0, setup, teardown);
	unit_add(s, "parse_minimal", parse_accepts_an_answer_without_refresh_token_or_type, 0,
	         setup, teardown);
	unit_add(s, "parse_errors", parse_reads_error_answers, 0, setup, teardown);
	unit_add(s, "parse_bad", parse_refuses_bad_answers, (int)XH_NELEM(bad_answers), setup,
	         teardown);
	unit_add(s, "parse_length", parse_bounds_token_length, 0, setup, teardown);
	unit_add(s, "due", due_follows_the_margin_and_the_age_rule, (int)XH_NELEM(due_cases), setup,
	         teardown);
	unit_add(s, "payload", payload_replaces_the_pair_and_keeps_other_fields, 0, setup,
	         teardown);
	unit_add(s, "payload_keep", payload_keeps_the_refresh_token_when_none_is_sent, 0, setup,
	         teardown);
	unit_add(s, "payload_bad", payload_refuses_a_bad_old_payload, 0, setup, teardown);
	unit_add(s, "form", form_and_basic_auth_are_encoded, 0, setup, teardown);
	unit_add(s, "cred", cred_payload_reads_refresh_token_and_expiry, 0, setup, teardown);
	return unit_run(s);
}
