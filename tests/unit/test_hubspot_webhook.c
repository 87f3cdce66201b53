/*
 * test_hubspot_webhook.c: the pure parts of the HubSpot webhook intake
 * (src/hubspot/webhook.c): v1, v2 and v3 against every vector of
 * shared/reference/hubspot/signature_vectors.json (copied below), the v3
 * timestamp window and its edges, the partial URI decoding, several
 * secrets at once, and the payload parser.
 */
#include <check.h>
#include <string.h>

#include "hubspot/webhook.h"
#define UNIT_ARENA
#include "unit.h"

#define SECRET "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
#define URI    "https://www.example.com/webhook_uri"
#define SQ     "{'example_field':'example_value'}"

/* signature_vectors.json official_vectors: id, version, method, uri, body, timestamp, signature. */
static const struct vector {
	const char *id, *version, *method, *uri, *body, *ts, *sig;
} vectors[] = {
    {"docs-v1-array-body", "v1", NULL, NULL,
     "[{\"eventId\":1,\"subscriptionId\":12345,\"portalId\":62515,\"occurredAt\":1564113600000,"
     "\"subscriptionType\":\"contact.creation\",\"attemptNumber\":0,\"objectId\":123,"
     "\"changeSource\":\"CRM\",\"changeFlag\":\"NEW\",\"appId\":54321}]",
     NULL, "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"},
    {"docs-v2-get-empty-body", "v2", "GET", URI, "", NULL,
     "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e"},
    {"docs-v2-post-json-body", "v2", "POST", URI, "{\"example_field\":\"example_value\"}", NULL,
     "9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900"},
    {"py-v3-singlequote-body", "v3", "POST", URI, SQ, "1693657560000",
     "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y="},
    {"py-rb-v1-singlequote-body", "v1", NULL, NULL, SQ, NULL,
     "69fc6631a867edd4f9e9e627fc5c1148e3fbdd8b21837b6d2b8901c1fa57f750"},
    {"py-rb-v2-singlequote-body", "v2", "POST", URI, SQ, NULL,
     "4fe4e3a7d3cf09db53be39d0a58130e2aaba074ec123a9e355b876a689a1c383"},
    {"rb-v3-singlequote-body", "v3", "POST", URI, SQ, "1700000300000",
     "RnbPH7+UMKVkbV32P8bz450N4M56aPmcru1+D3kSDtw="},
};

/* The signature request a vector describes (method and URI filled in for v1). */
static struct hubspot_sig_req
vector_req(const struct vector *v)
{
	struct hubspot_sig_req r = {v->method ? v->method : "POST",
	                            v->uri ? v->uri : URI,
	                            v->body,
	                            strlen(v->body),
	                            NULL,
	                            NULL,
	                            NULL,
	                            NULL};

	if (strcmp(v->version, "v3") == 0) {
		r.sig_v3 = v->sig;
		r.timestamp = v->ts;
	} else {
		r.sig = v->sig;
		r.version = v->version;
	}
	return r;
}

START_TEST(every_vector_computes_its_signature)
{
	const struct vector *v = &vectors[_i];
	const char *got;

	if (strcmp(v->version, "v1") == 0)
		got = hubspot_sig_v1(a, SECRET, v->body, strlen(v->body));
	else if (strcmp(v->version, "v2") == 0)
		got = hubspot_sig_v2(a, SECRET, v->method, v->uri, v->body, strlen(v->body));
	else
		got = hubspot_sig_v3(a, SECRET, v->method, v->uri, v->body, strlen(v->body), v->ts);
	ck_assert_msg(strcmp(got, v->sig) == 0, "%s: %s", v->id, got);
}
END_TEST

START_TEST(every_vector_verifies_with_its_secret_and_not_another)
{
	const struct vector *v = &vectors[_i];
	struct hubspot_sig_req r = vector_req(v);
	const char *secrets[] = {"other-secret", SECRET};
	long long now = v->ts ? strtoll(v->ts, NULL, 10) + 1000 : 0;
	int matched = -2;

	ck_assert_int_eq(hubspot_webhook_verify(&r, secrets, 2, 1, now, &matched), HUBSPOT_SIG_OK);
	ck_assert_int_eq(matched, 1);
	ck_assert_int_eq(hubspot_webhook_verify(&r, secrets, 1, 1, now, &matched), HUBSPOT_SIG_BAD);
	ck_assert_int_eq(matched, -1);
}
END_TEST

START_TEST(static_v3_vectors_are_stale_now)
{
	const struct vector *v = &vectors[3];
	struct hubspot_sig_req r = vector_req(v);
	const char *secrets[] = {SECRET};

	/* 2026: both static v3 vectors are years old, as the Ruby spec expects. */
	ck_assert_int_eq(hubspot_webhook_verify(&r, secrets, 1, 1, 1796000000000LL, NULL),
	                 HUBSPOT_SIG_STALE);
}
END_TEST

START_TEST(v1_and_v2_only_when_allowed)
{
	struct hubspot_sig_req r = vector_req(&vectors[0]);
	const char *secrets[] = {SECRET};

	ck_assert_int_eq(hubspot_webhook_verify(&r, secrets, 1, 0, 0, NULL), HUBSPOT_SIG_MISSING);
	r.version = "v9";
	ck_assert_int_eq(hubspot_webhook_verify(&r, secrets, 1, 1, 0, NULL), HUBSPOT_SIG_MISSING);
	r.version = NULL; /* no version header: v1 */
	ck_assert_int_eq(hubspot_webhook_verify(&r, secrets, 1, 1, 0, NULL), HUBSPOT_SIG_OK);
	r.sig = NULL;
	ck_assert_int_eq(hubspot_webhook_verify(&r, secrets, 1, 1, 0, NULL), HUBSPOT_SIG_MISSING);
}
END_TEST

START_TEST(v3_is_used_when_present_even_beside_v1)
{
	struct hubspot_sig_req r = vector_req(&vectors[3]);
	const char *secrets[] = {SECRET};

	r.sig = vectors[4].sig; /* a valid v1 of the same body does not rescue a bad v3 */
	r.sig_v3 = "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Z=";
	ck_assert_int_eq(hubspot_webhook_verify(&r, secrets, 1, 1, 1693657561000LL, NULL),
	                 HUBSPOT_SIG_BAD);
}
END_TEST

/* signature_vectors.json timestamp_rule_cases, and the same edges in the future. */
static const struct {
	const char *ts;
	long long now;
	int fresh;
} ts_cases[] = {
    {"1693657560000", 1693657561000LL, 1},   /* fresh */
    {"1693657560000", 1693657860000LL, 1},   /* exactly_300000_old: accepted (Node/PHP rule) */
    {"1693657560000", 1693657860001LL, 0},   /* stale */
    {NULL, 1693657560000LL, 0},              /* missing_timestamp */
    {"wrong_timestamp", 1693657560000LL, 0}, /* non_numeric_timestamp */
    {"1693657860000", 1693657560000LL, 1},   /* 300000 ms ahead */
    {"1693657860001", 1693657560000LL, 0},   /* further ahead */
    {"", 1693657560000LL, 0},
    {"-1693657560000", 1693657560000LL, 0},
    {"1693657560000 ", 1693657560000LL, 0},
    {"9999999999999999999999", 1693657560000LL, 0},
};

START_TEST(timestamp_window_edges)
{
	ck_assert_int_eq(hubspot_ts_fresh(ts_cases[_i].ts, ts_cases[_i].now), ts_cases[_i].fresh);
}
END_TEST

START_TEST(stale_timestamp_refused_before_the_signature)
{
	struct hubspot_sig_req r = vector_req(&vectors[3]);
	const char *secrets[] = {SECRET};

	ck_assert_int_eq(hubspot_webhook_verify(&r, secrets, 1, 1, 1693657860000LL, NULL),
	                 HUBSPOT_SIG_OK);
	ck_assert_int_eq(hubspot_webhook_verify(&r, secrets, 1, 1, 1693657860001LL, NULL),
	                 HUBSPOT_SIG_STALE);
	r.timestamp = NULL;
	ck_assert_int_eq(hubspot_webhook_verify(&r, secrets, 1, 1, 1693657560000LL, NULL),
	                 HUBSPOT_SIG_STALE);
}
END_TEST

START_TEST(uri_decoding_is_partial)
{
	ck_assert_str_eq(hubspot_uri_decode(a, "https://h/p%3Aa%2Fb%3Fc%40d%21e%24f%27g%28h%29i%2Aj"
	                                       "%2Ck%3Bl?q=%3a%2f"),
	                 "https://h/p:a/b?c@d!e$f'g(h)i*j,k;l?q=:/");
	/* Others stay encoded: space, %, &, =, +, #, and a broken escape. */
	ck_assert_str_eq(hubspot_uri_decode(a, "https://h/a%20b%25c%26d%3De%2Bf%23g%3"),
	                 "https://h/a%20b%25c%26d%3De%2Bf%23g%3");
	/* %25 is not decoded, so nothing is decoded twice. */
	ck_assert_str_eq(hubspot_uri_decode(a, "https://h/%253A"), "https://h/%253A");
	ck_assert_str_eq(hubspot_uri_decode(a, ""), "");
}
END_TEST

START_TEST(v3_signs_the_decoded_uri)
{
	const char *secrets[] = {SECRET};
	const char *enc = "https://www.example.com/webhook_uri%3Fa%3Ab?x=%2C";
	const char *dec = "https://www.example.com/webhook_uri?a:b?x=,";
	struct hubspot_sig_req r = {"POST", enc, SQ, strlen(SQ), NULL, "1693657560000", NULL, NULL};

	r.sig_v3 = hubspot_sig_v3(a, SECRET, "POST", dec, SQ, strlen(SQ), "1693657560000");
	ck_assert_str_eq(r.sig_v3,
	                 hubspot_sig_v3(a, SECRET, "POST", enc, SQ, strlen(SQ), "1693657560000"));
	ck_assert_int_eq(hubspot_webhook_verify(&r, secrets, 1, 0, 1693657560000LL, NULL),
	                 HUBSPOT_SIG_OK);
	r.uri = "https://www.example.com/webhook_uri%20";
	ck_assert_int_eq(hubspot_webhook_verify(&r, secrets, 1, 0, 1693657560000LL, NULL),
	                 HUBSPOT_SIG_BAD);
}
END_TEST

START_TEST(parse_keys_events_without_attempt_number)
{
	const char *b1 = "[{\"eventId\":1,\"subscriptionId\":12345,\"portalId\":62515,"
	                 "\"occurredAt\":1564113600000,\"subscriptionType\":\"contact.creation\","
	                 "\"attemptNumber\":0,\"objectId\":123,\"appId\":54321},"
	                 "{\"eventId\":1,\"subscriptionId\":9,\"portalId\":62515,"
	                 "\"occurredAt\":1564113600000,\"eventType\":\"company.deletion\","
	                 "\"objectId\":7}]";
	const char *b2 = "[{\"eventId\":1,\"subscriptionId\":12345,\"portalId\":62515,"
	                 "\"occurredAt\":1564113600000,\"subscriptionType\":\"contact.creation\","
	                 "\"attemptNumber\":3,\"objectId\":123,\"appId\":54321}]";
	struct hubspot_wh_payload p, q;

	ck_assert_int_eq(hubspot_webhook_parse(a, b1, strlen(b1), &p), XH_OK);
	ck_assert_uint_eq(p.nevents, 2);
	ck_assert_int_eq(p.events[0].portal, 62515);
	ck_assert_str_eq(p.events[0].key, "hubspot:62515:54321:12345:1:1564113600000:123");
	ck_assert_str_eq(p.events[1].type, "company.deletion");
	ck_assert_str_ne(p.events[0].key, p.events[1].key); /* same eventId, other event */
	ck_assert_int_eq(hubspot_webhook_parse(a, b2, strlen(b2), &q), XH_OK);
	ck_assert_str_eq(q.events[0].key, p.events[0].key);
	ck_assert_ptr_nonnull(strstr(q.events[0].json, "\"attemptNumber\":3"));
}
END_TEST

static const char *const hs_bad[] = {
    "",
    "{}",
    "[1]",
    "[{\"eventId\":1,\"subscriptionId\":1,\"portalId\":0,\"occurredAt\":1,"
    "\"subscriptionType\":\"a\",\"objectId\":1}]",
    "[{\"eventId\":\"1\",\"subscriptionId\":1,\"portalId\":5,\"occurredAt\":1,"
    "\"subscriptionType\":\"a\",\"objectId\":1}]",
    "[{\"eventId\":1,\"subscriptionId\":1,\"portalId\":5,\"occurredAt\":1,\"objectId\":1}]",
    "[{\"eventId\":1,\"subscriptionId\":1,\"portalId\":5,\"occurredAt\":1,"
    "\"subscriptionType\":\"a\"}]",
    "[] []",
};

START_TEST(parse_refuses_the_wrong_shape)
{
	struct hubspot_wh_payload p;

	ck_assert_int_eq(hubspot_webhook_parse(a, hs_bad[_i], strlen(hs_bad[_i]), &p),
	                 XH_ERR_INVAL);
	ck_assert_uint_eq(p.nevents, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("hubspot_webhook");
	int nv = (int)XH_NELEM(vectors);

	unit_add(s, "vectors_compute", every_vector_computes_its_signature, nv, setup, teardown);
	unit_add(s, "vectors_verify", every_vector_verifies_with_its_secret_and_not_another, nv,
	         NULL, NULL);
	unit_add(s, "v3_static_stale", static_v3_vectors_are_stale_now, 0, NULL, NULL);
	unit_add(s, "legacy_allowed", v1_and_v2_only_when_allowed, 0, NULL, NULL);
	unit_add(s, "v3_first", v3_is_used_when_present_even_beside_v1, 0, NULL, NULL);
	unit_add(s, "ts_window", timestamp_window_edges, (int)XH_NELEM(ts_cases), NULL, NULL);
	unit_add(s, "ts_first", stale_timestamp_refused_before_the_signature, 0, NULL, NULL);
	unit_add(s, "uri_decode", uri_decoding_is_partial, 0, setup, teardown);
	unit_add(s, "v3_uri", v3_signs_the_decoded_uri, 0, setup, teardown);
	unit_add(s, "parse_keys", parse_keys_events_without_attempt_number, 0, setup, teardown);
	unit_add(s, "parse_bad", parse_refuses_the_wrong_shape, (int)XH_NELEM(hs_bad), setup,
	         teardown);
	return unit_run(s);
}
