/*
 * test_hubspot_auth.c: the pure parts of HubSpot authentication and the
 * property bootstrap (src/hubspot/auth_wire.c, oauth.c's query parsing,
 * bootstrap_spec.c): token kinds, the token endpoint's and introspection's
 * answers, the payload, form bodies, the authorize URL, scopes, tiers and
 * the property spec.
 */
#include <check.h>
#include <json-c/json.h>
#include <string.h>

#include "crypto.h"
#include "hubspot/auth.h"
#include "hubspot/bootstrap.h"
#include "hubspot/oauth.h"
#define UNIT_ARENA
#include "unit.h"

/* HubSpot's AccessTokenResponse (examples/oauth_token.json), shortened. */
#define TOKEN_ANSWER                                                                               \
	"{\"access_token\":\"CJSP5qf1KhICAQEYs-gDIIGOBii1hQIyGQAf3xBKmlwHjX7OIpuIFEavB2-"          \
	"qYAGQsF4\","                                                                              \
	"\"refresh_token\":\"na1-6a3f-4cbd\",\"expires_in\":1800,\"token_type\":\"bearer\","       \
	"\"token_use\":\"access_token\",\"hub_id\":12345678,\"user_id\":123,"                      \
	"\"scopes\":[\"oauth\",\"crm.objects.companies.write\"]}"

static enum xh_err
parse(const char *s, struct hubspot_token_resp *r)
{
	return hubspot_token_parse(a, s, strlen(s), r);
}

START_TEST(kinds_parse_and_describe)
{
	ck_assert_int_eq(hubspot_kind_parse("project"), HK_PROJECT);
	ck_assert_int_eq(hubspot_kind_parse("private"), HK_PRIVATE);
	ck_assert_int_eq(hubspot_kind_parse("service"), HK_SERVICE);
	ck_assert_int_eq(hubspot_kind_parse("oauth"), HK_OAUTH);
	ck_assert_int_eq(hubspot_kind_parse("pat"), -1);
	ck_assert_int_eq(hubspot_kind_parse(NULL), -1);
	ck_assert_int_eq(hubspot_kind_info(HK_SERVICE)->webhooks, 0);
	ck_assert_int_eq(hubspot_kind_info(HK_PRIVATE)->webhooks, 1);
	ck_assert_int_eq(hubspot_kind_info(HK_OAUTH)->is_static, 0);
	ck_assert_ptr_null(hubspot_kind_info(HK__MAX));
}
END_TEST

START_TEST(token_shapes_are_checked)
{
	char big[HUBSPOT_TOKEN_MAX + 2];

	ck_assert_ptr_null(
	    hubspot_token_problem(HK_PRIVATE, "pat-na1-11111111-2222-3333-4444-555555555555"));
	ck_assert_ptr_null(hubspot_token_problem(HK_PRIVATE, "pat-eu1-x"));
	ck_assert_ptr_nonnull(hubspot_token_problem(HK_PRIVATE, "pat-1-x"));
	ck_assert_ptr_nonnull(hubspot_token_problem(HK_PRIVATE, "pat-na1-"));
	ck_assert_ptr_nonnull(hubspot_token_problem(HK_PRIVATE, "CJSP5qf1KhICAQEY"));
	ck_assert_ptr_null(hubspot_token_problem(HK_PROJECT, "CJSP5qf1KhICAQEY"));
	ck_assert_ptr_null(hubspot_token_problem(HK_SERVICE, "CJSP5qf1KhICAQEY"));
	ck_assert_ptr_nonnull(hubspot_token_problem(HK_PROJECT, ""));
	ck_assert_ptr_nonnull(hubspot_token_problem(HK_PROJECT, NULL));
	ck_assert_ptr_nonnull(hubspot_token_problem(HK_PROJECT, "two words"));
	ck_assert_ptr_nonnull(hubspot_token_problem(HK_PROJECT, "line\nbreak"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_ptr_nonnull(hubspot_token_problem(HK_PROJECT, big));
	big[HUBSPOT_TOKEN_MAX] = '\0';
	ck_assert_ptr_null(hubspot_token_problem(HK_PROJECT, big));
}
END_TEST

START_TEST(parse_accepts_hubspots_answer)
{
	struct hubspot_token_resp r;

	ck_assert_int_eq(parse(TOKEN_ANSWER, &r), XH_OK);
	ck_assert_str_eq(r.access_token,
	                 "CJSP5qf1KhICAQEYs-gDIIGOBii1hQIyGQAf3xBKmlwHjX7OIpuIFEavB2-qYAGQsF4");
	ck_assert_str_eq(r.refresh_token, "na1-6a3f-4cbd");
	ck_assert_int_eq(r.expires_in, 1800);
	ck_assert_str_eq(r.hub_id, "12345678");
	ck_assert_str_eq(r.scopes[0], "oauth");
	ck_assert_str_eq(r.scopes[1], "crm.objects.companies.write");
	ck_assert_ptr_null(r.scopes[2]);
	ck_assert_ptr_null(r.error);
}
END_TEST

START_TEST(parse_reads_error_answers)
{
	struct hubspot_token_resp r;

	ck_assert_int_eq(parse("{\"error\":\"invalid_grant\",\"error_description\":\"refresh token "
	                       "is invalid, expired or revoked\",\"status\":\"BAD_REFRESH_TOKEN\"}",
	                       &r),
	                 XH_OK);
	ck_assert_str_eq(r.error, "invalid_grant");
	ck_assert_ptr_null(r.access_token);
	ck_assert_int_eq(parse("{\"error\":\"Bad Thing<script>\"}", &r), XH_OK);
	ck_assert_str_eq(r.error, "unknown");
}
END_TEST

START_TEST(parse_refuses_bad_answers)
{
	static const char *const bad[] = {
	    "",
	    "[]",
	    "<html>502</html>",
	    "{\"access_token\":\"a\"}",
	    "{\"access_token\":\"a\",\"expires_in\":0}",
	    "{\"access_token\":\"a\",\"expires_in\":86401}",
	    "{\"access_token\":\"a\",\"expires_in\":\"1800\"}",
	    "{\"access_token\":\"a b\",\"expires_in\":1800}",
	    "{\"access_token\":\"a\",\"expires_in\":1800,\"token_type\":\"mac\"}",
	    "{\"access_token\":\"a\",\"expires_in\":1800,\"hub_id\":\"12\"}",
	    "{\"access_token\":\"a\",\"expires_in\":1800,\"hub_id\":-1}",
	    "{\"access_token\":\"a\",\"expires_in\":1800,\"scopes\":\"oauth\"}",
	    "{\"access_token\":\"a\",\"expires_in\":1800,\"scopes\":[1]}",
	    "{\"access_token\":\"a\",\"expires_in\":1800,\"refresh_token\":7}",
	    "{\"access_token\":\"a\",\"expires_in\":1800} trailing",
	    "{\"error\":5}",
	};
	struct hubspot_token_resp r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse(bad[i], &r) == XH_ERR_INVAL, "accepted %s", bad[i]);
		ck_assert_ptr_null(r.access_token);
	}
	ck_assert_int_eq(hubspot_token_parse(a, NULL, 0, &r), XH_ERR_INVAL);
}
END_TEST

START_TEST(introspection_is_parsed)
{
	struct hubspot_introspect in;
	const char *on = "{\"active\":true,\"hub_id\":42,\"scopes\":[\"oauth\"],\"token_use\":"
	                 "\"access_token\"}";

	ck_assert_int_eq(hubspot_introspect_parse(a, on, strlen(on), &in), XH_OK);
	ck_assert_int_eq(in.active, 1);
	ck_assert_str_eq(in.hub_id, "42");
	ck_assert_str_eq(in.scopes[0], "oauth");
	ck_assert_int_eq(hubspot_introspect_parse(a, "{\"active\":false}", 16, &in), XH_OK);
	ck_assert_int_eq(in.active, 0);
	ck_assert_ptr_null(in.hub_id);
	ck_assert_int_eq(hubspot_introspect_parse(a, "{\"active\":\"yes\"}", 16, &in),
	                 XH_ERR_INVAL);
	ck_assert_int_eq(hubspot_introspect_parse(a, "{}", 2, &in), XH_ERR_INVAL);
	ck_assert_int_eq(hubspot_introspect_parse(a, "{\"active\":true,\"hub_id\":0}", 26, &in),
	                 XH_ERR_INVAL);
}
END_TEST

START_TEST(introspection_keeps_a_domain_only)
{
	struct hubspot_introspect in;
	const char *ok = "{\"active\":true,\"hub_id\":42,\"hub_domain\":\"acme-co.example.com\"}";
	const char *bad[] = {
	    "{\"active\":true,\"hub_domain\":\"<script>\"}",
	    "{\"active\":true,\"hub_domain\":\"a b\"}",
	    "{\"active\":true,\"hub_domain\":\"\"}",
	    "{\"active\":true,\"hub_domain\":\"a\\u0000b\"}",
	    "{\"active\":true,\"hub_domain\":12}",
	};
	char big[400];

	ck_assert_int_eq(hubspot_introspect_parse(a, ok, strlen(ok), &in), XH_OK);
	ck_assert_str_eq(in.hub_domain, "acme-co.example.com");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* an odd name is dropped, never the answer */
		ck_assert_int_eq(hubspot_introspect_parse(a, bad[i], strlen(bad[i]), &in), XH_OK);
		ck_assert_int_eq(in.active, 1);
		ck_assert_ptr_null(in.hub_domain);
	}
	snprintf(big, sizeof(big), "{\"active\":true,\"hub_domain\":\"%0*d\"}",
	         HUBSPOT_DOMAIN_MAX + 1, 0);
	ck_assert_int_eq(hubspot_introspect_parse(a, big, strlen(big), &in), XH_OK);
	ck_assert_ptr_null(in.hub_domain);
}
END_TEST

/* The payload's member key as a string ("" if absent). */
static const char *
member(const char *json, const char *key)
{
	json_object *o = json_tokener_parse(json), *v = NULL;
	const char *out = "";

	if (json_object_object_get_ex(o, key, &v))
		out = xh_strdup(a, json_object_get_string(v));
	json_object_put(o);
	return out;
}

START_TEST(payload_keeps_fields_and_adds_the_portal)
{
	struct hubspot_token_resp r;
	char *p;

	ck_assert_int_eq(parse(TOKEN_ANSWER, &r), XH_OK);
	p = hubspot_token_payload(a, "{\"kind\":\"oauth\",\"refresh_token\":\"old\",\"x\":1}", &r,
	                          1000);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(member(p, "refresh_token"), "na1-6a3f-4cbd");
	ck_assert_str_eq(member(p, "expires_at"), "2800");
	ck_assert_str_eq(member(p, "portal_id"), "12345678");
	ck_assert_str_eq(member(p, "x"), "1");
	ck_assert_str_eq(member(p, "kind"), "oauth");
	r.refresh_token = NULL;
	p = hubspot_token_payload(a, "{\"refresh_token\":\"old\"}", &r, 0);
	ck_assert_str_eq(member(p, "refresh_token"), "old");
	p = hubspot_token_payload(a, NULL, &r, 0);
	ck_assert_str_eq(member(p, "kind"), "oauth");
	ck_assert_ptr_null(hubspot_token_payload(a, "[1]", &r, 0));
	r.access_token = NULL;
	ck_assert_ptr_null(hubspot_token_payload(a, "{}", &r, 0));
}
END_TEST

START_TEST(forms_are_encoded)
{
	ck_assert_str_eq(hubspot_refresh_form(a, "id 1", "s&e=c", "r+t"),
	                 "grant_type=refresh_token&client_id=id%201&client_secret=s%26e%3Dc"
	                 "&refresh_token=r%2Bt");
	ck_assert_str_eq(hubspot_code_form(a, "id", "sec", "http://x/cb?a=1", "c0de", "v"),
	                 "grant_type=authorization_code&client_id=id&client_secret=sec"
	                 "&redirect_uri=http%3A%2F%2Fx%2Fcb%3Fa%3D1&code=c0de&code_verifier=v");
	ck_assert_str_eq(hubspot_introspect_form(a, "id", "sec", "tok"),
	                 "client_id=id&client_secret=sec&token=tok&token_type_hint=access_token");
}
END_TEST

START_TEST(authorize_url_has_state_scopes_and_pkce)
{
	/* RFC 7636 appendix B */
	const char *v = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
	char *u =
	    hubspot_authorize_url(a, "https://app.hubspot.com", "cid", "https://x/cb", "st8", v);

	ck_assert_ptr_nonnull(strstr(u, "https://app.hubspot.com/oauth/authorize?client_id=cid&"));
	ck_assert_ptr_nonnull(strstr(u, "&redirect_uri=https%3A%2F%2Fx%2Fcb&"));
	ck_assert_ptr_nonnull(strstr(u, "&state=st8&"));
	ck_assert_ptr_nonnull(
	    strstr(u, "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&"));
	ck_assert_ptr_nonnull(strstr(u, "code_challenge_method=S256"));
	ck_assert_ptr_nonnull(strstr(u, "scope=crm.objects.companies.read%20"));
	ck_assert_ptr_nonnull(strstr(u, "%20e-commerce"));
	/* e-commerce is asked for once, although several needs take it */
	ck_assert_ptr_null(strstr(strstr(u, "e-commerce") + 1, "e-commerce"));
}
END_TEST

START_TEST(missing_scopes_take_alternatives)
{
	static const char *const all[] = {"crm.objects.companies.read",
	                                  "crm.objects.companies.write",
	                                  "crm.objects.contacts.read",
	                                  "crm.objects.contacts.write",
	                                  "crm.objects.invoices.read",
	                                  "crm.objects.invoices.write",
	                                  "crm.schemas.companies.write",
	                                  "crm.schemas.contacts.write",
	                                  "crm.schemas.invoices.write",
	                                  "e-commerce",
	                                  NULL};
	static const char *const few[] = {"crm.objects.companies.read", "oauth", NULL};
	const struct hubspot_scope_need **m;
	int n = 0, total = 0;

	hubspot_scope_needs(&total);
	m = hubspot_scopes_missing(a, all, &n);
	ck_assert_int_eq(n, 0);
	ck_assert_ptr_null(m[0]);
	m = hubspot_scopes_missing(a, few, &n);
	ck_assert_int_eq(n, total - 1);
	ck_assert_str_eq(m[0]->alt[0], "crm.objects.companies.write");
	m = hubspot_scopes_missing(a, NULL, &n);
	ck_assert_int_eq(n, total);
}
END_TEST

START_TEST(tiers_come_from_the_headers)
{
	ck_assert_str_eq(hubspot_tier_of("100", "250000"), "Free or Starter");
	ck_assert_str_eq(hubspot_tier_of("190", "625000"), "Professional");
	ck_assert_str_eq(hubspot_tier_of("190", "1000000"), "Enterprise");
	ck_assert_str_eq(hubspot_tier_of("190", NULL), "Professional or Enterprise");
	ck_assert_str_eq(hubspot_tier_of("250", "2000000"), "any tier with the API Limit Increase");
	ck_assert_ptr_null(hubspot_tier_of("110", NULL)); /* OAuth: not told */
	ck_assert_ptr_null(hubspot_tier_of(NULL, NULL));
	ck_assert_ptr_null(hubspot_tier_of("100x", "x"));
}
END_TEST

START_TEST(query_params_are_decoded)
{
	const char *u = "http://127.0.0.1/cb?code=c%2Fd+e&state=abc#frag";

	ck_assert_str_eq(hubspot_query_param(a, u, "code"), "c/d e");
	ck_assert_str_eq(hubspot_query_param(a, u, "state"), "abc");
	ck_assert_ptr_null(hubspot_query_param(a, u, "error"));
	ck_assert_ptr_null(hubspot_query_param(a, u, "cod"));
	ck_assert_str_eq(hubspot_query_param(a, "error=access_denied&x=1", "error"),
	                 "access_denied");
	ck_assert_ptr_null(hubspot_query_param(a, "code=%00", "code"));
	ck_assert_ptr_null(hubspot_query_param(a, "code=%4", "code"));
	ck_assert_ptr_null(hubspot_query_param(a, "code=%zz", "code"));
}
END_TEST

/* The spec entry for object.name, or NULL. */
static const struct hubspot_prop_spec *
spec(const char *object, const char *name)
{
	int n;
	const struct hubspot_prop_spec *s = hubspot_prop_specs(&n);

	for (int i = 0; i < n; i++)
		if (strcmp(s[i].object, object) == 0 && strcmp(s[i].name, name) == 0)
			return &s[i];
	return NULL;
}

START_TEST(spec_has_the_keys_and_valid_types)
{
	static const char *const unique[][2] = {{"company", "xero_contact_id"},
	                                        {"invoice", "xero_invoice_id"},
	                                        {"line_item", "xero_line_item_id"},
	                                        {"product", "xero_item_id"},
	                                        {"contact", "email"}};
	int n, no;
	const struct hubspot_prop_spec *s = hubspot_prop_specs(&n);
	const struct hubspot_bs_object *o = hubspot_bs_objects(&no);

	for (size_t i = 0; i < sizeof(unique) / sizeof(unique[0]); i++)
		ck_assert_int_eq(spec(unique[i][0], unique[i][1])->unique, 1);
	ck_assert_int_eq(spec("contact", "xero_contact_id")->unique, 0);
	ck_assert_int_eq(spec("contact", "email")->builtin, 1);
	ck_assert_ptr_nonnull(spec("company", "xero_outstanding"));
	ck_assert_ptr_nonnull(spec("company", "xero_overdue"));
	ck_assert_ptr_nonnull(spec("company", "xero_last_payment_date"));
	ck_assert_ptr_nonnull(spec("company", "xero_unpaid_invoices"));
	ck_assert_ptr_nonnull(spec("invoice", "xero_amount_credited"));
	ck_assert_ptr_nonnull(spec("invoice", "xero_url"));
	for (int i = 0; i < n; i++) {
		int k = 0,
		    pair =
		        (strcmp(s[i].type, "string") == 0 && strcmp(s[i].field, "text") == 0) ||
		        (strcmp(s[i].type, "number") == 0 && strcmp(s[i].field, "number") == 0) ||
		        (strcmp(s[i].type, "date") == 0 && strcmp(s[i].field, "date") == 0);

		ck_assert_msg(pair, "%s.%s: bad type pair", s[i].object, s[i].name);
		ck_assert_msg(!s[i].unique || strcmp(s[i].type, "string") == 0,
		              "unique non-string");
		ck_assert_msg(strncmp(s[i].name, "xero_", 5) == 0 || s[i].builtin, "%s", s[i].name);
		while (k < no && strcmp(o[k].object, s[i].object) != 0)
			k++;
		ck_assert_msg(k < no, "%s: unknown object", s[i].object);
	}
}
END_TEST

START_TEST(spec_rows_of_an_object_are_together)
{
	int n, no;
	const struct hubspot_prop_spec *s = hubspot_prop_specs(&n);
	const struct hubspot_bs_object *o = hubspot_bs_objects(&no);
	int at = 0;

	for (int k = 0; k < no; k++)
		while (at < n && strcmp(s[at].object, o[k].object) == 0)
			at++;
	ck_assert_int_eq(at, n); /* every row is reached in objects order */
}
END_TEST

START_TEST(read_and_create_bodies)
{
	const struct hubspot_prop_spec *list[] = {spec("company", "xero_contact_id"),
	                                          spec("company", "xero_outstanding")};
	char *body = hubspot_bs_read_body(a, "contact");

	ck_assert_str_eq(body, "{\"archived\":false,\"inputs\":[{\"name\":\"email\"},"
	                       "{\"name\":\"xero_contact_id\"}]}");
	body = hubspot_bs_create_body(a, list, 2);
	ck_assert_ptr_nonnull(strstr(body, "{\"inputs\":[{\"name\":\"xero_contact_id\","
	                                   "\"label\":\"Xero contact ID\",\"type\":\"string\","
	                                   "\"fieldType\":\"text\",\"groupName\":\"xero\","
	                                   "\"hasUniqueValue\":true"));
	ck_assert_ptr_nonnull(strstr(body, "\"name\":\"xero_outstanding\""));
	ck_assert_ptr_nonnull(strstr(body, "\"type\":\"number\",\"fieldType\":\"number\""));
	ck_assert_str_eq(hubspot_bs_group_body(),
	                 "{\"name\":\"xero\",\"label\":\"Xero\",\"displayOrder\":-1}");
}
END_TEST

START_TEST(answers_and_conflicts)
{
	const char *read =
	    "{\"status\":\"COMPLETE\",\"results\":[{\"name\":\"xero_contact_id\",\"type\":"
	    "\"string\",\"hasUniqueValue\":false},{\"name\":\"xero_outstanding\",\"type\":"
	    "\"string\"},{\"name\":\"xero_url\",\"type\":\"string\",\"hasUniqueValue\":true}],"
	    "\"numErrors\":1,\"errors\":[{\"status\":\"error\",\"category\":\"OBJECT_NOT_FOUND\","
	    "\"message\":\"Some properties were not found.\",\"context\":{\"names\":[\"x\"]}}]}";
	const char *created =
	    "{\"results\":[],\"errors\":[{\"category\":\"OBJECT_ALREADY_EXISTS\",\"message\":\"A "
	    "property named 'xero_status' already "
	    "exists.\",\"context\":{\"name\":[\"xero_status\"]}}]"
	    "}";
	struct hubspot_prop_found *f = NULL;
	char **names, **msgs;
	int n = 0;

	ck_assert_int_eq(hubspot_bs_parse_props(a, read, strlen(read), &f, &n), XH_OK);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(f[0].name, "xero_contact_id");
	ck_assert_int_eq(f[2].unique, 1);
	ck_assert_ptr_nonnull(
	    strstr(hubspot_bs_conflict(a, spec("company", "xero_contact_id"), &f[0]), "unique"));
	ck_assert_str_eq(hubspot_bs_conflict(a, spec("company", "xero_outstanding"), &f[1]),
	                 "it exists with type string; xhsync needs type number");
	ck_assert_ptr_null(hubspot_bs_conflict(a, spec("company", "xero_url"), &f[2]));
	ck_assert_int_eq(hubspot_bs_parse_errors(a, created, strlen(created), &names, &msgs, &n),
	                 XH_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(names[0], "xero_status");
	ck_assert_str_eq(msgs[0], "A property named 'xero_status' already exists.");
	ck_assert_int_eq(hubspot_bs_parse_errors(a, read, strlen(read), &names, &msgs, &n), XH_OK);
	ck_assert_int_eq(n, 0); /* an error naming no property by "name" */
	ck_assert_int_eq(hubspot_bs_parse_props(a, "{}", 2, &f, &n), XH_OK);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(hubspot_bs_parse_props(a, "<html>", 6, &f, &n), XH_ERR_INVAL);
	ck_assert_int_eq(hubspot_bs_parse_props(a, "{\"results\":[{\"name\":1}]}", 24, &f, &n),
	                 XH_ERR_INVAL);
	ck_assert_int_eq(hubspot_bs_parse_props(a, "{\"results\":{}}", 14, &f, &n), XH_ERR_INVAL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("hubspot_auth");

	unit_add(s, "kinds_parse_and_describe", kinds_parse_and_describe, 0, setup, teardown);
	unit_add(s, "token_shapes_are_checked", token_shapes_are_checked, 0, setup, teardown);
	unit_add(s, "parse_accepts_hubspots_answer", parse_accepts_hubspots_answer, 0, setup,
	         teardown);
	unit_add(s, "parse_reads_error_answers", parse_reads_error_answers, 0, setup, teardown);
	unit_add(s, "parse_refuses_bad_answers", parse_refuses_bad_answers, 0, setup, teardown);
	unit_add(s, "introspection_is_parsed", introspection_is_parsed, 0, setup, teardown);
	unit_add(s, "introspection_keeps_a_domain_only", introspection_keeps_a_domain_only, 0,
	         setup, teardown);
	unit_add(s, "payload_keeps_fields_and_adds_the_portal",
	         payload_keeps_fields_and_adds_the_portal, 0, setup, teardown);
	unit_add(s, "forms_are_encoded", forms_are_encoded, 0, setup, teardown);
	unit_add(s, "authorize_url_has_state_scopes_and_pkce",
	         authorize_url_has_state_scopes_and_pkce, 0, setup, teardown);
	unit_add(s, "missing_scopes_take_alternatives", missing_scopes_take_alternatives, 0, setup,
	         teardown);
	unit_add(s, "tiers_come_from_the_headers", tiers_come_from_the_headers, 0, setup, teardown);
	unit_add(s, "query_params_are_decoded", query_params_are_decoded, 0, setup, teardown);
	unit_add(s, "spec_has_the_keys_and_valid_types", spec_has_the_keys_and_valid_types, 0,
	         setup, teardown);
	unit_add(s, "spec_rows_of_an_object_are_together", spec_rows_of_an_object_are_together, 0,
	         setup, teardown);
	unit_add(s, "read_and_create_bodies", read_and_create_bodies, 0, setup, teardown);
	unit_add(s, "answers_and_conflicts", answers_and_conflicts, 0, setup, teardown);
	return unit_run(s);
}
