/*
 * test_xero_connect.c: the pure parts of connecting Xero
 * (src/xero/connect_wire.c): the authorize URL with PKCE, the code
 * exchange's form, the JWT claims read from an access token, and the
 * GET /connections answer, hostile names included.
 */
#include <check.h>
#include <string.h>

#define UNIT_ARENA
#include "crypto.h"
#include "unit.h"
#include "xero/connect.h"

#define CONN_ID   "e1eede29-f875-4a5d-8470-17f6a29a88b1"
#define TENANT_ID "70784a63-d24b-46a9-a4db-0e70a274b056"
#define EVENT_ID  "d99ecdfe-391d-43d2-b834-17636ba90e8d"

/* A connections body with one entry whose tenantName is the raw JSON text name. */
static const char *
one(const char *name)
{
	return xh_printf(a,
	                 "[{\"id\":\"" CONN_ID "\",\"authEventId\":\"" EVENT_ID
	                 "\",\"tenantId\":\"%s\","
	                 "\"tenantType\":\"ORGANISATION\",\"tenantName\":%s,"
	                 "\"createdDateUtc\":\"2019-07-09T23:40:30.1833130\"}]",
	                 TENANT_ID, name);
}

START_TEST(pkce_challenge_is_rfc7636_s256)
{
	/* RFC 7636 appendix B */
	ck_assert_str_eq(xero_pkce_challenge(a, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
	                 "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}
END_TEST

START_TEST(authorize_url_carries_every_parameter_encoded)
{
	char *u = xero_authorize_url(a, "https://login.xero.com", "CID",
	                             "https://h/oauth/xero/callback", XERO_SCOPE_GRANULAR, "st-ate",
	                             "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");

	ck_assert_ptr_nonnull(
	    strstr(u, "https://login.xero.com/identity/connect/authorize?response_type=code"));
	ck_assert_ptr_nonnull(
	    strstr(u, "&client_id=CID&redirect_uri=https%3A%2F%2Fh%2Foauth%2Fxero%2Fcallback"));
	ck_assert_ptr_nonnull(strstr(
	    u, "&scope=openid%20profile%20email%20offline_access%20accounting.contacts.read"));
	ck_assert_ptr_nonnull(
	    strstr(u, "&state=st-ate&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	              "&code_challenge_method=S256"));
	ck_assert_str_eq(
	    xero_code_form(a, "c&d", "https://h/cb", "v"),
	    "grant_type=authorization_code&code=c%26d&redirect_uri=https%3A%2F%2Fh%2Fcb"
	    "&code_verifier=v");
}
END_TEST

START_TEST(jwt_claims_are_read_when_they_are_uuids)
{
	const char *payload =
	    "{\"authentication_event_id\":\"D99ECDFE-391D-43D2-B834-17636BA90E8D\","
	    "\"xero_userid\":\"not-a-uuid\"}";
	char *tok = xh_printf(a, "eyJhbGciOiJSUzI1NiJ9.%s.sig",
	                      xh_b64url_encode(a, payload, strlen(payload)));

	ck_assert_str_eq(xero_jwt_uuid_claim(a, tok, "authentication_event_id"), EVENT_ID);
	ck_assert_ptr_null(xero_jwt_uuid_claim(a, tok, "xero_userid"));
	ck_assert_ptr_null(xero_jwt_uuid_claim(a, tok, "absent"));
	ck_assert_ptr_null(xero_jwt_uuid_claim(a, "no dots", "authentication_event_id"));
	ck_assert_ptr_null(xero_jwt_uuid_claim(a, "a.!!!.c", "authentication_event_id"));
	ck_assert_ptr_null(xero_jwt_uuid_claim(a, NULL, "authentication_event_id"));
}
END_TEST

START_TEST(connections_are_parsed_and_checked)
{
	const char *body = one("\"Maple Florists\"");
	struct xero_conn *c;
	size_t n;

	ck_assert_int_eq(xero_connections_parse(a, body, strlen(body), &c, &n), XH_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(c[0].id, CONN_ID);
	ck_assert_str_eq(c[0].tenant_id, TENANT_ID);
	ck_assert_str_eq(c[0].auth_event, EVENT_ID);
	ck_assert_str_eq(c[0].tenant_type, "ORGANISATION");
	ck_assert_str_eq(c[0].tenant_name, "Maple Florists");
	/* entries without a usable id or tenant are skipped; other shapes are refused */
	body = "[{\"id\":\"x\",\"tenantId\":\"" TENANT_ID "\"},{\"tenantId\":\"" TENANT_ID "\"},7]";
	ck_assert_int_eq(xero_connections_parse(a, body, strlen(body), &c, &n), XH_OK);
	ck_assert_uint_eq(n, 0);
	for (const char *bad = "{}"; bad != NULL; bad = strcmp(bad, "{}") == 0 ? "[" : NULL)
		ck_assert_int_eq(xero_connections_parse(a, bad, strlen(bad), &c, &n), XH_ERR_INVAL);
	ck_assert_int_eq(xero_connections_parse(a, "[] x", 4, &c, &n), XH_ERR_INVAL);
}
END_TEST

START_TEST(hostile_names_are_cleaned_and_cut)
{
	struct xh_buf big;
	struct xero_conn *c;
	const char *body;
	size_t n;

	/* invalid UTF-8 (a lone continuation byte, an overlong form) and control characters */
	body = one("\"<b>\x80 \xc0\xaf\\u0001\\n\"");
	ck_assert_int_eq(xero_connections_parse(a, body, strlen(body), &c, &n), XH_OK);
	ck_assert_str_eq(c[0].tenant_name, "<b>\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd  ");
	/* 10 kB of two-byte characters: cut at a character boundary within the limit */
	xh_buf_init(&big);
	xh_buf_putc(&big, '"');
	for (int i = 0; i < 5000; i++)
		xh_buf_puts(&big, "\xc3\xa9");
	xh_buf_putc(&big, '"');
	body = one(xh_buf_dup(a, &big));
	xh_buf_free(&big);
	ck_assert_int_eq(xero_connections_parse(a, body, strlen(body), &c, &n), XH_OK);
	ck_assert_uint_eq(strlen(c[0].tenant_name), XERO_TENANT_NAME_MAX);
	/* a name that is not a string is empty; an odd tenant type becomes ORGANISATION */
	body = "[{\"id\":\"" CONN_ID "\",\"tenantId\":\"" TENANT_ID "\",\"tenantName\":5,"
	       "\"tenantType\":\"<x>\"}]";
	ck_assert_int_eq(xero_connections_parse(a, body, strlen(body), &c, &n), XH_OK);
	ck_assert_str_eq(c[0].tenant_name, "");
	ck_assert_str_eq(c[0].tenant_type, "ORGANISATION");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("xero_connect");

	unit_add(s, "pkce", pkce_challenge_is_rfc7636_s256, 0, setup, teardown);
	unit_add(s, "authorize", authorize_url_carries_every_parameter_encoded, 0, setup, teardown);
	unit_add(s, "jwt", jwt_claims_are_read_when_they_are_uuids, 0, setup, teardown);
	unit_add(s, "connections", connections_are_parsed_and_checked, 0, setup, teardown);
	unit_add(s, "hostile", hostile_names_are_cleaned_and_cut, 0, setup, teardown);
	return unit_run(s);
}
