/*
 * test_sync_map.c: the field-mapping engine (src/sync/map*.c): source
 * paths, transforms, the shipped defaults, overrides and rendering.
 */
#include <check.h>
#include <json-c/json.h>
#include <string.h>

#define UNIT_ARENA
#include "hubspot/bootstrap.h"
#include "sync/map.h"
#include "unit.h"

static const char *good_paths[] = {
    ".",
    "Name",
    "Balances.AccountsReceivable.Outstanding",
    "Addresses[AddressType=STREET].City",
    "Phones[0].PhoneNumber",
    "^.CurrencyCode",
    "Description || ItemCode",
    " Name ||Code ",
    "A.B.C.D.E.F.G.H",
};

START_TEST(good_paths_parse)
{
	struct sync_path p;
	char err[200] = "";

	ck_assert_msg(sync_path_parse(a, good_paths[_i], &p, err, sizeof(err)) == XH_OK, "%s: %s",
	              good_paths[_i], err);
}
END_TEST

static const struct {
	const char *path;
	const char *msg; /* part of the error */
} bad_paths[] = {
    {"", "empty"},
    {"Name.", "ends with '.'"},
    {"Name..City", "segment 2"},
    {".Name", "expected a member name"},
    {"1Name", "expected a member name"},
    {"Addresses[AddressType=STREET.City", "without"},
    {"Addresses[].City", "selector"},
    {"Addresses[Type=].City", "no value"},
    {"Addresses[=x].City", "[N] or [Member=value]"},
    {"Phones[-1]", "[N] or [Member=value]"},
    {"Phones[10000]", "0 to 9999"},
    {"Phones[1x]", "0 to 9999"},
    {"Name]", "unexpected ']'"},
    {"Na-me", "unexpected '-'"},
    {"^.", "followed by a member"},
    {"Name || ", "alternative 2 is empty"},
    {"a || b || c || d || e", "more than 4"},
    {"A.B.C.D.E.F.G.H.I", "more than 8"},
    {"Name; DROP TABLE link", "unexpected ';'"},
};

START_TEST(bad_paths_are_refused_with_the_reason)
{
	struct sync_path p;
	char err[200] = "";

	ck_assert_int_eq(sync_path_parse(a, bad_paths[_i].path, &p, err, sizeof(err)),
	                 XH_ERR_INVAL);
	ck_assert_msg(strstr(err, bad_paths[_i].msg) != NULL, "%s: '%s' lacks '%s'",
	              bad_paths[_i].path, err, bad_paths[_i].msg);
}
END_TEST

START_TEST(a_path_over_500_characters_is_refused)
{
	char s[600];
	struct sync_path p;
	char err[200] = "";

	memset(s, 'a', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	ck_assert_int_eq(sync_path_parse(a, s, &p, err, sizeof(err)), XH_ERR_INVAL);
	ck_assert_ptr_nonnull(strstr(err, "over 500"));
}
END_TEST

static const char contact_json[] =
    "{\"ContactID\":\"ABC\",\"Name\":\"Acme\",\"EmailAddress\":\"\",\"Nothing\":null,"
    "\"Addresses\":[{\"AddressType\":\"POBOX\",\"City\":\"Box\"},"
    "{\"AddressType\":\"STREET\",\"City\":\"Wellington\"}],"
    "\"Phones\":[{\"PhoneType\":\"DEFAULT\",\"PhoneNumber\":\"123\"}],"
    "\"Balances\":{\"AccountsReceivable\":{\"Outstanding\":1234.5}}}";

/* The text of path evaluated on the contact (parent: {"CurrencyCode":"NZD"}); "(null)" if none. */
static const char *
eval(const char *path)
{
	json_object *rec = json_tokener_parse(contact_json);
	json_object *parent = json_tokener_parse("{\"CurrencyCode\":\"NZD\"}");
	struct sync_path p;
	char err[200];
	const char *out = "(null)";
	json_object *v;

	ck_assert_int_eq(sync_path_parse(a, path, &p, err, sizeof(err)), XH_OK);
	v = sync_path_eval(&p, rec, parent);
	if (v != NULL)
		out = xh_strdup(a, json_object_get_string(v));
	json_object_put(rec);
	json_object_put(parent);
	return out;
}

START_TEST(paths_find_members_elements_and_the_parent)
{
	ck_assert_str_eq(eval("Name"), "Acme");
	ck_assert_str_eq(eval("Addresses[AddressType=STREET].City"), "Wellington");
	ck_assert_str_eq(eval("Addresses[addresstype=street].City"),
	                 "(null)"); /* member names exact */
	ck_assert_str_eq(eval("Addresses[AddressType=street].City"), "Wellington");
	ck_assert_str_eq(eval("Addresses[0].City"), "Box");
	ck_assert_str_eq(eval("Addresses[2].City"), "(null)");
	ck_assert_str_eq(eval("Addresses[AddressType=DELIVERY].City"), "(null)");
	ck_assert_str_eq(eval("Name[0]"), "(null)"); /* not an array */
	ck_assert_str_eq(eval("Balances.AccountsReceivable.Outstanding"), "1234.5");
	ck_assert_str_eq(eval("^.CurrencyCode"), "NZD");
	ck_assert_str_eq(eval("Nothing"), "(null)");
	ck_assert_str_eq(eval("Missing.Deeper"), "(null)");
	ck_assert_str_eq(eval("EmailAddress || Name"), "Acme"); /* "" falls through */
	ck_assert_str_eq(eval("Missing || Phones[PhoneType=DEFAULT].PhoneNumber"), "123");
}
END_TEST

/* Applies transform to the JSON value text (NULL: no value); "ERR:<msg>" on refusal. */
static const char *
apply(const char *transform, const char *value)
{
	struct sync_xform xf;
	json_object *v = value ? json_tokener_parse(value) : NULL;
	char err[200] = "";
	const char *out = NULL;

	ck_assert_msg(sync_xform_parse(a, transform, &xf, err, sizeof(err)) == XH_OK, "%s: %s",
	              transform, err);
	if (sync_xform_apply(a, &xf, v, &out, err, sizeof(err)) != XH_OK)
		out = xh_printf(a, "ERR:%s", err);
	json_object_put(v);
	return out;
}

START_TEST(text_lower_and_absent_values)
{
	ck_assert_str_eq(apply("text", "\"Acme <b>&\""), "Acme <b>&");
	ck_assert_str_eq(apply("", "\"x\""), "x");
	ck_assert_str_eq(apply("text", "42"), "42");
	ck_assert_str_eq(apply("text", "true"), "true");
	ck_assert_str_eq(apply("text", NULL), "");
	ck_assert_str_eq(apply("lower", "\"AbC-9F\""), "abc-9f");
	ck_assert_ptr_nonnull(strstr(apply("text", "{\"a\":1}"), "ERR:the value is an object"));
	ck_assert_ptr_nonnull(strstr(apply("text", "[1]"), "ERR:the value is a list"));
	ck_assert_ptr_nonnull(
	    strstr(apply("text", "\"a\\u0000b\""), "ERR:the value contains a NUL"));
}
END_TEST

START_TEST(money_and_numbers_keep_their_digits)
{
	ck_assert_str_eq(apply("money", "1234.5"), "1234.50");
	ck_assert_str_eq(apply("money", "1234"), "1234.00");
	ck_assert_str_eq(apply("money", "0.1"), "0.10");
	ck_assert_str_eq(apply("money", "5000.0000"), "5000.0000");
	ck_assert_str_eq(apply("money", "\"12.30\""), "12.30");
	ck_assert_str_eq(apply("money", "-3.5"), "-3.50");
	ck_assert_str_eq(apply("money", "123456789012345.67"), "123456789012345.67");
	ck_assert_str_eq(apply("money:nonneg", "-0.00"), "-0.00");
	ck_assert_ptr_nonnull(strstr(apply("money:nonneg", "-3.5"), "ERR:-3.5 is negative"));
	ck_assert_ptr_nonnull(strstr(apply("money", "\"12,30\""), "is not a number"));
	ck_assert_ptr_nonnull(strstr(apply("money", "1e5"), "is not a number"));
	ck_assert_ptr_nonnull(strstr(apply("money", "\"1.\""), "is not a number"));
	ck_assert_str_eq(apply("number", "1.0000"), "1.0000");
	ck_assert_ptr_nonnull(strstr(apply("number:nonneg", "-2"), "negative"));
	ck_assert_str_eq(apply("number", NULL), "");
}
END_TEST

START_TEST(dates_from_xero_and_iso_forms)
{
	ck_assert_str_eq(apply("date", "\"/Date(1539993600000+0000)/\""), "2018-10-20");
	ck_assert_str_eq(apply("date", "\"2018-10-20T00:00:00\""), "2018-10-20");
	ck_assert_str_eq(apply("date", "\"2018-10-20\""), "2018-10-20");
	ck_assert_str_eq(apply("datetime", "\"/Date(1541176290160+0000)/\""),
	                 "2018-11-02T16:31:30.160Z");
	ck_assert_str_eq(apply("datetime", "\"2018-11-02T16:31:30Z\""), "2018-11-02T16:31:30.000Z");
	ck_assert_ptr_nonnull(strstr(apply("date", "\"yesterday\""), "is not a date"));
	ck_assert_ptr_nonnull(strstr(apply("date", "\"2018-10-20 junk\""), "is not a date"));
	ck_assert_str_eq(apply("date", NULL), "");
}
END_TEST

START_TEST(enum_const_domain_and_format)
{
	const char *st = "enum{DRAFT:draft,AUTHORISED:open,PAID:paid}";

	ck_assert_str_eq(apply(st, "\"AUTHORISED\""), "open");
	ck_assert_ptr_nonnull(strstr(apply(st, "\"VOIDED\""), "not one of the enum"));
	ck_assert_str_eq(apply("enum{A:x,*:other}", "\"B\""), "other");
	ck_assert_str_eq(apply("const:false", NULL), "false");
	ck_assert_str_eq(apply("const:", "\"x\""), "");
	ck_assert_str_eq(apply("domain_of_email", "\"Ann@Example.CO.NZ\""), "example.co.nz");
	ck_assert_str_eq(apply("domain_of_email", "\"ann@gmail.com\""), "");
	ck_assert_str_eq(apply("domain_of_email", "\"not an email\""), "");
	ck_assert_str_eq(apply("domain_of_email", "\"a@b@c.com\""), "");
	ck_assert_str_eq(apply("domain_of_email", "\"a@exa mple.com\""), "");
	ck_assert_str_eq(apply("format:https://x/View?id={}&v=1", "\"a b/c\""),
	                 "https://x/View?id=a%20b%2Fc&v=1");
	ck_assert_str_eq(apply("format:https://x/{}", NULL), "");
}
END_TEST

static const struct {
	const char *transform;
	const char *msg;
} bad_transforms[] = {
    {"uppercase", "unknown transform"},
    {"money:round", "no option but ':nonneg'"},
    {"enum", "enum{FROM:TO"},
    {"enum{}", "no pairs"},
    {"enum{A}", "not FROM:TO"},
    {"enum{A:a", "not closed"},
    {"const", ":VALUE"},
    {"format:no hole", "exactly one {}"},
    {"format:{}{}", "exactly one {}"},
    {"text:x", ":VALUE"},
};

START_TEST(bad_transforms_are_refused_with_the_reason)
{
	struct sync_xform xf;
	char err[200] = "";

	ck_assert_int_eq(sync_xform_parse(a, bad_transforms[_i].transform, &xf, err, sizeof(err)),
	                 XH_ERR_INVAL);
	ck_assert_msg(strstr(err, bad_transforms[_i].msg) != NULL, "%s: '%s' lacks '%s'",
	              bad_transforms[_i].transform, err, bad_transforms[_i].msg);
}
END_TEST

START_TEST(every_shipped_default_compiles)
{
	for (int o = 0; o < SO__MAX; o++) {
		int n;
		const struct sync_default *d = sync_defaults(o, &n);
		struct sync_mapping m;
		ck_assert_int_gt(n, 0);
		for (int i = 0; i < n; i++) {
			struct sync_rule r;
			char err[200] = "";
			ck_assert_msg(sync_rule_compile(a, d[i].target, d[i].source, d[i].transform,
			                                &r, err, sizeof(err)) == XH_OK,
			              "%s.%s: %s", sync_object_name(o), d[i].target, err);
		}
		sync_mapping_defaults(a, o, &m);
		ck_assert_int_eq(m.n, n);
		ck_assert_int_eq(sync_object_find(sync_object_name(o)), o);
	}
	ck_assert_int_eq(sync_object_find("deal"), -1);
	ck_assert_str_eq(sync_object_source(SO_LINE_ITEM), "invoice");
}
END_TEST

/* 1 if the property bootstrap creates (or checks) object.name. */
static int
bootstrapped(const char *object, const char *name)
{
	int n;
	const struct hubspot_prop_spec *sp = hubspot_prop_specs(&n);

	for (int i = 0; i < n; i++)
		if (strcmp(sp[i].object, object) == 0 && strcmp(sp[i].name, name) == 0)
			return 1;
	return 0;
}

START_TEST(every_custom_property_of_the_defaults_is_bootstrapped)
{
	for (int o = 0; o < SO__MAX; o++) {
		int n;
		const struct sync_default *d = sync_defaults(o, &n);
		for (int i = 0; i < n; i++)
			if (strncmp(d[i].target, "xero_", 5) == 0)
				ck_assert_msg(bootstrapped(sync_object_name(o), d[i].target),
				              "%s.%s is mapped but not in bootstrap_spec.c",
				              sync_object_name(o), d[i].target);
	}
}
END_TEST

static const char invoice_json[] =
    "{\"InvoiceID\":\"6B3C1F2A-0000-4000-8000-00000000000A\",\"Type\":\"ACCREC\","
    "\"InvoiceNumber\":\"INV-0001\",\"Reference\":\"PO 7\",\"Status\":\"AUTHORISED\","
    "\"CurrencyCode\":\"NZD\",\"Date\":\"/Date(1539993600000+0000)/\","
    "\"DueDate\":\"/Date(1541203200000+0000)/\",\"Total\":115,\"AmountPaid\":0,"
    "\"AmountDue\":115.00,\"AmountCredited\":0,"
    "\"LineItems\":[{\"LineItemID\":\"11111111-2222-4333-8444-555555555555\","
    "\"Description\":\"Consulting\",\"Quantity\":2.0000,\"UnitAmount\":50.00,"
    "\"ItemCode\":\"CONS\",\"TaxAmount\":15.00,\"LineAmount\":100.00}]}";

/* The property target of props, or "(none)". */
static const char *
prop(json_object *props, const char *target)
{
	json_object *v = NULL;

	return json_object_object_get_ex(props, target, &v) ? json_object_get_string(v) : "(none)";
}

START_TEST(an_invoice_and_its_line_render_through_the_defaults)
{
	json_object *inv = json_tokener_parse(invoice_json), *props = NULL, *line;
	struct sync_mapping m;
	char err[200] = "";

	sync_mapping_defaults(a, SO_INVOICE, &m);
	ck_assert_int_eq(sync_map_render(a, &m, inv, NULL, &props, err, sizeof(err)), XH_OK);
	ck_assert_str_eq(prop(props, "xero_invoice_id"), "6b3c1f2a-0000-4000-8000-00000000000a");
	ck_assert_str_eq(prop(props, "hs_invoice_status"), "open");
	ck_assert_str_eq(prop(props, "hs_invoice_billable"), "false");
	ck_assert_str_eq(prop(props, "hs_currency"), "NZD");
	ck_assert_str_eq(prop(props, "hs_invoice_date"), "2018-10-20");
	ck_assert_str_eq(prop(props, "hs_due_date"), "2018-11-03");
	ck_assert_str_eq(prop(props, "xero_total"), "115.00");
	ck_assert_str_eq(prop(props, "xero_fully_paid_date"), "");
	ck_assert_str_eq(prop(props, "xero_url"),
	                 "https://go.xero.com/AccountsReceivable/"
	                 "View.aspx?InvoiceID=6B3C1F2A-0000-4000-8000-00000000000A");
	json_object_put(props);

	line = json_object_array_get_idx(json_object_object_get(inv, "LineItems"), 0);
	sync_mapping_defaults(a, SO_LINE_ITEM, &m);
	ck_assert_int_eq(sync_map_render(a, &m, line, inv, &props, err, sizeof(err)), XH_OK);
	ck_assert_str_eq(prop(props, "name"), "Consulting");
	ck_assert_str_eq(prop(props, "quantity"), "2.0000");
	ck_assert_str_eq(prop(props, "price"), "50.00");
	ck_assert_str_eq(prop(props, "hs_sku"), "CONS");
	ck_assert_str_eq(prop(props, "hs_line_item_currency_code"), "NZD");
	json_object_put(props);
	json_object_put(inv);
}
END_TEST

/* Renders obj's defaults on json; returns the error ("" on success). */
static const char *
render_error(enum sync_object o, const char *json)
{
	json_object *rec = json_tokener_parse(json), *props = NULL;
	struct sync_mapping m;
	char err[300] = "";

	ck_assert_ptr_nonnull(rec);
	sync_mapping_defaults(a, o, &m);
	if (sync_map_render(a, &m, rec, NULL, &props, err, sizeof(err)) == XH_OK)
		ck_assert_ptr_nonnull(props);
	else
		ck_assert_ptr_null(props);
	json_object_put(props);
	json_object_put(rec);
	return xh_strdup(a, err);
}

START_TEST(a_record_that_does_not_fit_fails_naming_the_property)
{
	ck_assert_str_eq(render_error(SO_COMPANY, "{\"ContactID\":\"X\",\"Name\":\"Acme\"}"), "");
	ck_assert_str_eq(render_error(SO_COMPANY, "{\"ContactID\":\"X\"}"),
	                 "name: the record has no Name");
	ck_assert_str_eq(render_error(SO_COMPANY, "{\"ContactID\":\"X\",\"Name\":\"\"}"),
	                 "name: the record has no Name");
	ck_assert_str_eq(render_error(SO_COMPANY, "{\"ContactID\":\"X\",\"Name\":\"a\\u0000b\"}"),
	                 "name: Name the value contains a NUL byte");
	ck_assert_str_eq(render_error(SO_PRODUCT, "{\"ItemID\":\"I\",\"Code\":\"C\","
	                                          "\"SalesDetails\":{\"UnitPrice\":\"abc\"}}"),
	                 "price: SalesDetails.UnitPrice 'abc' is not a number");
	ck_assert_str_eq(render_error(SO_INVOICE,
	                              "{\"InvoiceID\":\"I\",\"Status\":\"WEIRD\","
	                              "\"CurrencyCode\":\"NZD\",\"Date\":\"2020-01-01\"}"),
	                 "hs_invoice_status: Status 'WEIRD' is not one of the enum's values");
	ck_assert_str_eq(render_error(SO_LINE_ITEM, "{\"LineItemID\":\"L\",\"Description\":\"d\","
	                                            "\"Quantity\":1,\"UnitAmount\":-5}"),
	                 "price: UnitAmount -5 is negative");
}
END_TEST

START_TEST(a_1000_character_name_is_kept_whole)
{
	char name[1001];
	json_object *rec = json_object_new_object(), *props = NULL;
	struct sync_mapping m;
	char err[200] = "";

	memset(name, 'n', 1000);
	name[1000] = '\0';
	json_object_object_add(rec, "ContactID", json_object_new_string("X"));
	json_object_object_add(rec, "Name", json_object_new_string(name));
	sync_mapping_defaults(a, SO_COMPANY, &m);
	ck_assert_int_eq(sync_map_render(a, &m, rec, NULL, &props, err, sizeof(err)), XH_OK);
	ck_assert_uint_eq(strlen(prop(props, "name")), 1000);
	json_object_put(props);
	json_object_put(rec);
}
END_TEST

START_TEST(overrides_replace_add_and_remove_but_never_touch_locked_rules)
{
	struct sync_mapping m;
	char err[200] = "";
	json_object *rec = json_tokener_parse(contact_json), *props = NULL;
	int n;

	sync_mapping_defaults(a, SO_COMPANY, &m);
	n = m.n;
	ck_assert_int_eq(
	    sync_mapping_override(a, &m, "xero_contact_id", "Name", "text", 1, err, sizeof(err)),
	    XH_ERR_INVAL);
	ck_assert_ptr_nonnull(strstr(err, "cannot be changed"));
	ck_assert_int_eq(sync_mapping_override(a, &m, "city", "Addresses[AddressType=POBOX].City",
	                                       "lower", 1, err, sizeof(err)),
	                 XH_OK);
	ck_assert_int_eq(sync_mapping_override(a, &m, "xero_balance",
	                                       "Balances.AccountsReceivable.Outstanding", "money",
	                                       1, err, sizeof(err)),
	                 XH_OK);
	ck_assert_int_eq(sync_mapping_override(a, &m, "phone", "Phones[0].PhoneNumber", "text", 0,
	                                       err, sizeof(err)),
	                 XH_OK);
	ck_assert_int_eq(m.n, n);
	ck_assert_int_eq(
	    sync_mapping_override(a, &m, "Bad-Name", "Name", "text", 1, err, sizeof(err)),
	    XH_ERR_INVAL);
	ck_assert_ptr_nonnull(strstr(err, "not a HubSpot property name"));
	ck_assert_int_eq(sync_mapping_override(a, &m, "city", "Name[", "text", 1, err, sizeof(err)),
	                 XH_ERR_INVAL);
	ck_assert_ptr_nonnull(strstr(err, "source path 'Name['"));
	for (int i = 0; i < 20; i++) /* grows past the first allocation */
		ck_assert_int_eq(sync_mapping_override(a, &m, xh_printf(a, "extra_%d", i), "Name",
		                                       "text", 1, err, sizeof(err)),
		                 XH_OK);
	ck_assert_int_eq(sync_map_render(a, &m, rec, NULL, &props, err, sizeof(err)), XH_OK);
	ck_assert_str_eq(prop(props, "city"), "box");
	ck_assert_str_eq(prop(props, "xero_balance"), "1234.50");
	ck_assert_str_eq(prop(props, "phone"), "(none)");
	ck_assert_str_eq(prop(props, "extra_19"), "Acme");
	ck_assert_str_eq(prop(props, "xero_contact_id"), "abc");
	json_object_put(props);
	json_object_put(rec);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sync_map");

	unit_add(s, "good_paths", good_paths_parse, (int)XH_NELEM(good_paths), setup, teardown);
	unit_add(s, "bad_paths", bad_paths_are_refused_with_the_reason, (int)XH_NELEM(bad_paths),
	         setup, teardown);
	unit_add(s, "long_path", a_path_over_500_characters_is_refused, 0, setup, teardown);
	unit_add(s, "eval", paths_find_members_elements_and_the_parent, 0, setup, teardown);
	unit_add(s, "text", text_lower_and_absent_values, 0, setup, teardown);
	unit_add(s, "money", money_and_numbers_keep_their_digits, 0, setup, teardown);
	unit_add(s, "dates", dates_from_xero_and_iso_forms, 0, setup, teardown);
	unit_add(s, "enum", enum_const_domain_and_format, 0, setup, teardown);
	unit_add(s, "bad_transforms", bad_transforms_are_refused_with_the_reason,
	         (int)XH_NELEM(bad_transforms), setup, teardown);
	unit_add(s, "defaults", every_shipped_default_compiles, 0, setup, teardown);
	unit_add(s, "bootstrap", every_custom_property_of_the_defaults_is_bootstrapped, 0, setup,
	         teardown);
	unit_add(s, "invoice", an_invoice_and_its_line_render_through_the_defaults, 0, setup,
	         teardown);
	unit_add(s, "record_errors", a_record_that_does_not_fit_fails_naming_the_property, 0, setup,
	         teardown);
	unit_add(s, "long_name", a_1000_character_name_is_kept_whole, 0, setup, teardown);
	unit_add(s, "overrides", overrides_replace_add_and_remove_but_never_touch_locked_rules, 0,
	         setup, teardown);
	return unit_run(s);
}
