/*
 * test_xero_webhook.c: the pure parts of the Xero webhook intake
 * (src/xero/webhook.c): the signature per XERO.md 6.3 (the key used as its
 * ASCII string, never base64-decoded), several keys at once, the payload
 * parser and the fetch call's path. Expected signatures were computed
 * with Python's hmac module.
 */
#include <check.h>
#include <string.h>

#define UNIT_ARENA
#include "unit.h"
#include "xero/webhook.h"

/* An intent-to-receive body with Xero's irregular spacing. */
#define ITR_BODY                                                                                   \
	"{\"events\":[],\"firstEventSequence\": 0,\"lastEventSequence\": 0, \"entropy\": "         \
	"\"S0m3r4Nd0mt3xt\"}"
#define KEY_B64_LOOKING "dGVzdGtleQ=="
#define SIG_ASCII_KEY   "MvpCRmX9grW2d1i0+STuVvd2nlpKQ+Z+6J+MDejOXSU="
#define SIG_DECODED_KEY "KRYZIl8QTg1nMYu3xd1QpCYvc9noQiBeEUeBAq4NVqo="
#define SIG_OTHER_KEY   "1Q84npRAftTJL9V2JjSjIhrS80iK7yftMLXSECMmLw0=" /* key YOUR_WEBHOOK_KEY */

#define TENANT  "c2cc9b6e-9458-4c7d-93cc-f02b81b0594f"
#define CONTACT "717f2bfc-c6d4-41fd-b238-3f2f0c0cf777"
#define EVENT(cat, tenant, id)                                                                     \
	"{\"resourceUrl\":\"https://api.xero.com/api.xro/2.0/X/" id "\",\"resourceId\":\"" id      \
	"\",\"eventDateUtc\":\"2024-06-21T01:15:39.902\",\"eventType\":\"UPDATE\","                \
	"\"eventCategory\":\"" cat "\",\"tenantId\":\"" tenant                                     \
	"\",\"tenantType\":\"ORGANISATION\"}"
#define PAYLOAD(events)                                                                            \
	"{\"events\":[" events "],\"lastEventSequence\":2,\"firstEventSequence\":1,"               \
	"\"entropy\":\"S0m3r4Nd0mt3xt\"}"

static int
verify(const char *sig, const char *body, const char *const *keys, size_t n)
{
	return xero_webhook_verify(sig, strlen(sig), body, strlen(body), keys, n);
}

START_TEST(signature_uses_the_key_as_its_ascii_string)
{
	const char *keys[] = {KEY_B64_LOOKING};

	ck_assert_int_eq(verify(SIG_ASCII_KEY, ITR_BODY, keys, 1), 0);
	ck_assert_int_eq(verify(SIG_DECODED_KEY, ITR_BODY, keys, 1), -1);
}
END_TEST

START_TEST(signature_matches_any_active_key_during_rotation)
{
	const char *keys[] = {"YOUR_WEBHOOK_KEY", KEY_B64_LOOKING};

	ck_assert_int_eq(verify(SIG_ASCII_KEY, ITR_BODY, keys, 2), 1);
	ck_assert_int_eq(verify(SIG_OTHER_KEY, ITR_BODY, keys, 2), 0);
	ck_assert_int_eq(verify(SIG_OTHER_KEY, ITR_BODY, keys + 1, 1), -1);
	ck_assert_int_eq(verify(SIG_OTHER_KEY, ITR_BODY, keys, 0), -1);
}
END_TEST

START_TEST(signature_refuses_altered_truncated_or_padded_values)
{
	const char *keys[] = {KEY_B64_LOOKING};
	char sig[] = SIG_ASCII_KEY;

	sig[5] = sig[5] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(verify(sig, ITR_BODY, keys, 1), -1);
	ck_assert_int_eq(verify("MvpCRmX9grW2d1i0+STuVvd2nlpKQ+Z+6J+MDejOXSU", ITR_BODY, keys, 1),
	                 -1);
	ck_assert_int_eq(verify(SIG_ASCII_KEY "\n", ITR_BODY, keys, 1), -1);
	ck_assert_int_eq(verify("", ITR_BODY, keys, 1), -1);
}
END_TEST

START_TEST(signature_covers_every_body_byte)
{
	const char *keys[] = {KEY_B64_LOOKING};
	/* The same JSON re-serialised (one space less) no longer matches. */
	const char *respaced = "{\"events\":[],\"firstEventSequence\":0,\"lastEventSequence\": 0, "
	                       "\"entropy\": \"S0m3r4Nd0mt3xt\"}";

	ck_assert_int_eq(verify(SIG_ASCII_KEY, respaced, keys, 1), -1);
	ck_assert_int_eq(xero_webhook_verify(SIG_ASCII_KEY, strlen(SIG_ASCII_KEY), ITR_BODY,
	                                     strlen(ITR_BODY) - 1, keys, 1),
	                 -1);
}
END_TEST

START_TEST(parse_reads_events_and_maps_categories)
{
	static const char body[] = PAYLOAD(EVENT("CONTACT", TENANT, CONTACT) "," EVENT(
	    "INVOICE", TENANT,
	    "0a1b2c3d-0000-4000-8000-000000000001") "," EVENT("CREDITNOTE", TENANT,
	                                                      "0a1b2c3d-0000-4000-8000-"
	                                                      "000000000002"));
	struct xero_wh_payload p;

	ck_assert_int_eq(xero_webhook_parse(a, body, strlen(body), &p), XH_OK);
	ck_assert_uint_eq(p.nevents, 3);
	ck_assert_uint_eq(p.ignored, 0);
	ck_assert_int_eq(p.itr, 0);
	ck_assert_int_eq(p.first_seq, 1);
	ck_assert_int_eq(p.last_seq, 2);
	ck_assert_str_eq(p.events[0].object, "contact");
	ck_assert_str_eq(p.events[0].resource, CONTACT);
	ck_assert_str_eq(p.events[0].tenant, TENANT);
	ck_assert_str_eq(p.events[1].object, "invoice");
	ck_assert_str_eq(p.events[2].object, "credit_note");
}
END_TEST

START_TEST(parse_ignores_categories_not_mirrored)
{
	static const char body[] =
	    PAYLOAD(EVENT("SUBSCRIPTION", "app-id-not-a-uuid", "x") "," EVENT(
	        "PREPAYMENT", TENANT, "0a1b2c3d-0000-4000-8000-000000000003"));
	struct xero_wh_payload p;

	ck_assert_int_eq(xero_webhook_parse(a, body, strlen(body), &p), XH_OK);
	ck_assert_uint_eq(p.nevents, 2);
	ck_assert_uint_eq(p.ignored, 2);
	ck_assert_ptr_null(p.events[0].object);
}
END_TEST

START_TEST(parse_knows_intent_to_receive)
{
	struct xero_wh_payload p;

	ck_assert_int_eq(xero_webhook_parse(a, ITR_BODY, strlen(ITR_BODY), &p), XH_OK);
	ck_assert_int_eq(p.itr, 1);
	ck_assert_uint_eq(p.nevents, 0);
}
END_TEST

static const char *const bad_bodies[] = {
    "",
    "[]",
    "{\"events\":[]}",
    "{\"events\":{},\"firstEventSequence\":0,\"lastEventSequence\":0,\"entropy\":\"x\"}",
    "{\"events\":[],\"firstEventSequence\":\"0\",\"lastEventSequence\":0,\"entropy\":\"x\"}",
    "{\"events\":[],\"firstEventSequence\":0,\"lastEventSequence\":0}",
    "{\"events\":[],\"firstEventSequence\":0,\"lastEventSequence\":0,\"entropy\":\"x\"} x",
    "{\"events\":[],\"firstEventSequence\":0,\"lastEventSequence\":0,\"entropy\":\"x\"",
    PAYLOAD("1"),
    PAYLOAD(EVENT("CONTACT", "not-a-uuid", CONTACT)),
    PAYLOAD(EVENT("CONTACT", TENANT, "717f2bfc")),
    PAYLOAD("{\"resourceId\":\"" CONTACT "\",\"tenantId\":\"" TENANT "\"}"),
    "{\"events\":[],\"firstEventSequence\":0,\"lastEventSequence\":0,\"entropy\":\"\xff\"}",
};

START_TEST(parse_refuses_the_wrong_shape)
{
	struct xero_wh_payload p;
	const char *b = bad_bodies[_i];

	ck_assert_int_eq(xero_webhook_parse(a, b, strlen(b), &p), XH_ERR_INVAL);
	ck_assert_uint_eq(p.nevents, 0);
}
END_TEST

START_TEST(fetch_path_lists_ids_on_one_page)
{
	const char *ids[] = {"a", "b", "c"};

	ck_assert_str_eq(xero_fetch_path(a, "Invoices", ids, 3),
	                 "Invoices?page=1&pageSize=50&IDs=a,b,c");
	ck_assert_str_eq(xero_fetch_path(a, "Contacts", ids, 1),
	                 "Contacts?page=1&pageSize=50&IDs=a&includeArchived=true");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("xero_webhook");

	unit_add(s, "signature_ascii_key", signature_uses_the_key_as_its_ascii_string, 0, NULL,
	         NULL);
	unit_add(s, "signature_rotation", signature_matches_any_active_key_during_rotation, 0, NULL,
	         NULL);
	unit_add(s, "signature_altered", signature_refuses_altered_truncated_or_padded_values, 0,
	         NULL, NULL);
	unit_add(s, "signature_bytes", signature_covers_every_body_byte, 0, NULL, NULL);
	unit_add(s, "parse_events", parse_reads_events_and_maps_categories, 0, setup, teardown);
	unit_add(s, "parse_ignored", parse_ignores_categories_not_mirrored, 0, setup, teardown);
	unit_add(s, "parse_itr", parse_knows_intent_to_receive, 0, setup, teardown);
	unit_add(s, "parse_bad", parse_refuses_the_wrong_shape, (int)XH_NELEM(bad_bodies), setup,
	         teardown);
	unit_add(s, "fetch_path", fetch_path_lists_ids_on_one_page, 0, setup, teardown);
	return unit_run(s);
}
