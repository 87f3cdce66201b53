/*
 * test_sync_push.c: the push's decision per record (src/sync/push_rules.c):
 * what is written, what waits for a parent, what is excluded or failed,
 * and the hubspot.write inputs it builds.
 */
#include <check.h>
#include <json-c/json.h>
#include <string.h>

#define UNIT_ARENA
#include "sync/push.h"
#include "unit.h"

#define CID  "0c6f5d7e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
#define HASH "ab"

static struct sync_maps maps;

static void
maps_setup(void)
{
	setup();
	memset(&maps, 0, sizeof(maps));
	sync_mapping_defaults(a, SO_COMPANY, &maps.own);
}

/* Decides doc (JSON text) for object o with the parents given. */
static struct sync_decision
decide(enum sync_object o, const char *doc, const char *company_id, const char *company_why,
       const char *person_id, const char *person_why, const char *own_id)
{
	struct sync_cand c = {"11111111-1111-4111-8111-111111111111",
	                      json_tokener_parse(doc),
	                      HASH,
	                      company_id,
	                      company_why,
	                      person_id,
	                      person_why,
	                      own_id};
	struct sync_decision d;

	ck_assert_ptr_nonnull(c.doc);
	sync_mapping_defaults(a, o, &maps.own);
	sync_mapping_defaults(a, SO_LINE_ITEM, &maps.lines);
	sync_decide(a, o, &maps, &c, &d);
	json_object_put(c.doc);
	return d;
}

/* The member path "a.b" of an input as text, or "(none)". */
static const char *
get(json_object *in, const char *k1, const char *k2)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(in, k1, &v))
		return "(none)";
	if (k2 != NULL && !json_object_object_get_ex(v, k2, &v))
		return "(none)";
	return json_object_get_string(v);
}

static const char contact_doc[] =
    "{\"ContactID\":\"" CID "\",\"Name\":\"Acme Ltd\",\"EmailAddress\":\"Ann@Acme.test\","
    "\"FirstName\":\"Ann\",\"_xhsync\":{\"outstanding\":12.5}}";

START_TEST(a_company_is_written_with_its_mapped_properties)
{
	struct sync_decision d = decide(SO_COMPANY, contact_doc, NULL, NULL, NULL, NULL, NULL);

	ck_assert_int_eq(d.v, SV_WRITE);
	ck_assert_str_eq(get(d.input, "xero_id", NULL), "11111111-1111-4111-8111-111111111111");
	ck_assert_str_eq(get(d.input, "hash", NULL), HASH);
	ck_assert_str_eq(get(d.input, "properties", "name"), "Acme Ltd");
	ck_assert_str_eq(get(d.input, "properties", "domain"), "acme.test");
	ck_assert_str_eq(get(d.input, "associations", NULL), "(none)");
	json_object_put(d.input);
}
END_TEST

START_TEST(a_company_without_a_name_fails_with_the_reason)
{
	struct sync_decision d =
	    decide(SO_COMPANY, "{\"ContactID\":\"" CID "\"}", NULL, NULL, NULL, NULL, NULL);

	ck_assert_int_eq(d.v, SV_FAIL);
	ck_assert_str_eq(d.why, "name: the record has no Name");
	ck_assert_ptr_null(d.input);
}
END_TEST

START_TEST(a_contact_waits_for_its_company_then_is_keyed_by_email)
{
	struct sync_decision d = decide(SO_CONTACT, contact_doc, NULL, NULL, NULL, NULL, NULL);

	ck_assert_int_eq(d.v, SV_WAIT);
	d = decide(SO_CONTACT, contact_doc, "901", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(d.v, SV_WRITE);
	ck_assert_str_eq(get(d.input, "key", NULL), "ann@acme.test");
	ck_assert_str_eq(get(d.input, "properties", "firstname"), "Ann");
	ck_assert_ptr_nonnull(strstr(get(d.input, "associations", NULL), "\"company\""));
	json_object_put(d.input);
}
END_TEST

START_TEST(a_contact_without_a_usable_email_or_company_is_excluded)
{
	struct sync_decision d =
	    decide(SO_CONTACT, contact_doc, NULL, NULL, NULL, "no usable email address", NULL);

	ck_assert_int_eq(d.v, SV_EXCLUDE);
	ck_assert_str_eq(d.why, "no usable email address");
	d = decide(SO_CONTACT, contact_doc, NULL, "not a customer", NULL, NULL, NULL);
	ck_assert_int_eq(d.v, SV_EXCLUDE);
	ck_assert_str_eq(d.why, "its company is not sent: not a customer");
}
END_TEST

static const char invoice_doc[] =
    "{\"InvoiceID\":\"22222222-2222-4222-8222-222222222222\",\"Type\":\"ACCREC\","
    "\"Status\":\"AUTHORISED\",\"CurrencyCode\":\"NZD\",\"Date\":\"2020-01-31\","
    "\"Contact\":{\"ContactID\":\"" CID "\"},\"LineItems\":["
    "{\"LineItemID\":\"33333333-3333-4333-8333-333333333333\",\"Description\":\"A\","
    "\"Quantity\":1,\"UnitAmount\":10},"
    "{\"LineItemID\":\"44444444-4444-4444-8444-444444444444\",\"Description\":\"B\","
    "\"Quantity\":2,\"UnitAmount\":5}]}";

START_TEST(an_invoice_waits_for_its_company_and_its_contact)
{
	struct sync_decision d = decide(SO_INVOICE, invoice_doc, NULL, NULL, NULL, NULL, NULL);

	ck_assert_int_eq(d.v, SV_WAIT);
	ck_assert_ptr_nonnull(strstr(d.why, "company of Xero contact " CID));
	d = decide(SO_INVOICE, invoice_doc, "901", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(d.v, SV_WAIT);
	ck_assert_ptr_nonnull(strstr(d.why, "contact of Xero contact"));
}
END_TEST

START_TEST(an_open_invoice_is_written_with_lines_and_both_associations)
{
	struct sync_decision d = decide(SO_INVOICE, invoice_doc, "901", NULL, "77", NULL, NULL);
	json_object *lines = NULL;

	ck_assert_int_eq(d.v, SV_WRITE);
	ck_assert_ptr_null(d.why);
	ck_assert_str_eq(get(d.input, "properties", "hs_invoice_status"), "open");
	ck_assert(json_object_object_get_ex(d.input, "lines", &lines));
	ck_assert_int_eq(json_object_array_length(lines), 2);
	ck_assert_str_eq(get(json_object_array_get_idx(lines, 1), "properties", "price"), "5.00");
	ck_assert_str_eq(get(json_object_array_get_idx(lines, 0), "xero_id", NULL),
	                 "33333333-3333-4333-8333-333333333333");
	ck_assert_int_eq(strlen(get(json_object_array_get_idx(lines, 0), "hash", NULL)), 64);
	ck_assert_ptr_nonnull(strstr(get(d.input, "associations", NULL), "\"contact\""));
	ck_assert_ptr_nonnull(strstr(get(d.input, "associations", NULL), "\"company\""));
	json_object_put(d.input);
}
END_TEST

START_TEST(an_invoice_whose_contact_has_no_email_stays_a_draft_and_says_why)
{
	struct sync_decision d =
	    decide(SO_INVOICE, invoice_doc, "901", NULL, NULL, "no email address", NULL);

	ck_assert_int_eq(d.v, SV_WRITE);
	ck_assert_str_eq(get(d.input, "properties", "hs_invoice_status"), "draft");
	ck_assert_str_eq(get(d.input, "properties", "xero_status"), "AUTHORISED");
	ck_assert_ptr_nonnull(strstr(d.why, "kept as a draft"));
	ck_assert_ptr_nonnull(strstr(d.why, "no email address"));
	ck_assert_ptr_null(strstr(get(d.input, "associations", NULL), "\"contact\""));
	json_object_put(d.input);
}
END_TEST

START_TEST(an_invoice_without_lines_stays_a_draft)
{
	struct sync_decision d = decide(
	    SO_INVOICE,
	    "{\"InvoiceID\":\"22222222-2222-4222-8222-222222222222\",\"Status\":\"PAID\","
	    "\"CurrencyCode\":\"NZD\",\"Date\":\"2020-01-31\",\"Contact\":{\"ContactID\":\"" CID
	    "\"}}",
	    "901", NULL, "77", NULL, NULL);

	ck_assert_int_eq(d.v, SV_WRITE);
	ck_assert_str_eq(get(d.input, "properties", "hs_invoice_status"), "draft");
	ck_assert_ptr_nonnull(strstr(d.why, "no line items"));
	json_object_put(d.input);
}
END_TEST

START_TEST(a_voided_invoice_never_sent_is_excluded_but_one_sent_is_voided)
{
	const char *voided =
	    "{\"InvoiceID\":\"22222222-2222-4222-8222-222222222222\","
	    "\"Status\":\"VOIDED\",\"CurrencyCode\":\"NZD\",\"Date\":\"2020-01-31\","
	    "\"Contact\":{\"ContactID\":\"" CID "\"}}";
	struct sync_decision d = decide(SO_INVOICE, voided, "901", NULL, "77", NULL, NULL);

	ck_assert_int_eq(d.v, SV_EXCLUDE);
	d = decide(SO_INVOICE, voided, "901", NULL, "77", NULL, "5001");
	ck_assert_int_eq(d.v, SV_WRITE);
	ck_assert_str_eq(get(d.input, "properties", "hs_invoice_status"), "voided");
	json_object_put(d.input);
}
END_TEST

START_TEST(an_invoice_with_a_bad_line_fails_naming_the_line)
{
	const char *bad =
	    "{\"InvoiceID\":\"22222222-2222-4222-8222-222222222222\","
	    "\"Status\":\"AUTHORISED\",\"CurrencyCode\":\"NZD\",\"Date\":\"2020-01-31\","
	    "\"Contact\":{\"ContactID\":\"" CID "\"},\"LineItems\":["
	    "{\"LineItemID\":\"33333333-3333-4333-8333-333333333333\","
	    "\"Description\":\"A\",\"Quantity\":1,\"UnitAmount\":10},"
	    "{\"LineItemID\":\"44444444-4444-4444-8444-444444444444\","
	    "\"Description\":\"B\",\"Quantity\":-1,\"UnitAmount\":-5}]}";
	struct sync_decision d = decide(SO_INVOICE, bad, "901", NULL, "77", NULL, NULL);

	ck_assert_int_eq(d.v, SV_FAIL);
	ck_assert_str_eq(d.why, "line 2: price: UnitAmount -5 is negative");
}
END_TEST

START_TEST(line_items_alone_are_not_pushed)
{
	struct sync_decision d = decide(SO_LINE_ITEM, "{}", NULL, NULL, NULL, NULL, NULL);

	ck_assert_int_eq(d.v, SV_FAIL);
}
END_TEST

static const char payment_doc[] =
    "{\"PaymentID\":\"44444444-4444-4444-8444-444444444444\",\"Amount\":25.5,"
    "\"Date\":\"/Date(1767225600000+0000)/\",\"Status\":\"AUTHORISED\","
    "\"Invoice\":{\"InvoiceID\":\"22222222-2222-4222-8222-222222222222\","
    "\"CurrencyCode\":\"NZD\"}}";

START_TEST(a_payment_waits_for_its_invoice_then_is_associated_to_it)
{
	struct sync_decision d = decide(SO_PAYMENT, payment_doc, NULL, NULL, NULL, NULL, NULL);

	ck_assert_int_eq(d.v, SV_WAIT);
	ck_assert_ptr_nonnull(strstr(d.why, "invoice 22222222"));
	d = decide(SO_PAYMENT, payment_doc, "555", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(d.v, SV_WRITE);
	ck_assert_str_eq(get(d.input, "properties", "hs_initial_amount"), "25.50");
	ck_assert_str_eq(get(d.input, "properties", "hs_currency_code"), "NZD");
	ck_assert_ptr_nonnull(strstr(get(d.input, "associations", NULL), "\"invoice\""));
	json_object_put(d.input);
}
END_TEST

START_TEST(a_deleted_payment_is_archived_if_sent_else_excluded)
{
	static const char deleted[] = "{\"PaymentID\":\"44444444-4444-4444-8444-444444444444\","
	                              "\"Status\":\"DELETED\",\"Invoice\":{}}";
	struct sync_decision d = decide(SO_PAYMENT, deleted, "555", NULL, NULL, NULL, NULL);

	ck_assert_int_eq(d.v, SV_EXCLUDE);
	d = decide(SO_PAYMENT, deleted, "555", NULL, NULL, NULL, "9001");
	ck_assert_int_eq(d.v, SV_ARCHIVE);
	ck_assert_str_eq(get(d.input, "xero_id", NULL), "11111111-1111-4111-8111-111111111111");
	json_object_put(d.input);
}
END_TEST

START_TEST(a_paid_invoice_asks_open_when_payments_make_it_paid)
{
	static const char paid[] =
	    "{\"InvoiceID\":\"22222222-2222-4222-8222-222222222222\",\"Status\":\"PAID\","
	    "\"CurrencyCode\":\"NZD\",\"Date\":\"2020-01-31\",\"Contact\":{\"ContactID\":\"" CID
	    "\"},\"LineItems\":[{\"LineItemID\":\"33333333-3333-4333-8333-333333333333\","
	    "\"Description\":\"A\",\"Quantity\":1,\"UnitAmount\":10}],"
	    "\"_xhsync\":{\"paid_mode\":\"%s\"}}";
	struct sync_decision d =
	    decide(SO_INVOICE, xh_printf(a, paid, "direct"), "901", NULL, "77", NULL, NULL);

	ck_assert_str_eq(get(d.input, "properties", "hs_invoice_status"), "paid");
	json_object_put(d.input);
	d = decide(SO_INVOICE, xh_printf(a, paid, "payment"), "901", NULL, "77", NULL, NULL);
	ck_assert_str_eq(get(d.input, "properties", "hs_invoice_status"), "open");
	ck_assert_str_eq(get(d.input, "properties", "xero_status"), "PAID");
	json_object_put(d.input);
}
END_TEST

START_TEST(a_credit_note_becomes_a_note_on_its_company)
{
	static const char cn[] =
	    "{\"CreditNoteID\":\"55555555-5555-4555-8555-555555555555\",\"Status\":\"%s\","
	    "\"Date\":\"2026-01-01T00:00:00\",\"Contact\":{\"ContactID\":\"" CID "\"},"
	    "\"_xhsync\":{\"note_body\":\"<p>Xero credit note CN-1</p>\"}}";
	struct sync_decision d =
	    decide(SO_NOTE, xh_printf(a, cn, "AUTHORISED"), NULL, NULL, NULL, NULL, NULL);

	ck_assert_int_eq(d.v, SV_WAIT);
	d = decide(SO_NOTE, xh_printf(a, cn, "VOIDED"), "901", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(d.v, SV_EXCLUDE);
	d = decide(SO_NOTE, xh_printf(a, cn, "VOIDED"), "901", NULL, NULL, NULL, "7001");
	ck_assert_int_eq(d.v, SV_WRITE); /* sent before: updated to say voided */
	json_object_put(d.input);
	d = decide(SO_NOTE, xh_printf(a, cn, "PAID"), "901", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(d.v, SV_WRITE);
	ck_assert_str_eq(get(d.input, "properties", "hs_note_body"),
	                 "<p>Xero credit note CN-1</p>");
	ck_assert_str_eq(get(d.input, "properties", "hs_timestamp"), "2026-01-01T00:00:00.000Z");
	ck_assert_ptr_nonnull(strstr(get(d.input, "associations", NULL), "\"company\""));
	json_object_put(d.input);
}
END_TEST

/* A contact person (push_sql.c): its own id, keyed by its email, associated to its contact's
 * company. */
START_TEST(a_contact_person_is_associated_to_the_company_of_its_xero_contact)
{
	static const char doc[] =
	    "{\"ContactID\":\"" CID "\",\"Name\":\"Acme Ltd\",\"EmailAddress\":\"Bo@Acme.test\","
	    "\"FirstName\":\"Bo\",\"LastName\":\"Li\",\"_xhsync\":{\"person_of\":\"" CID "\"}}";
	struct sync_decision d = decide(SO_CONTACT, doc, "901", NULL, NULL, NULL, NULL);

	ck_assert_int_eq(d.v, SV_WRITE);
	ck_assert_str_eq(get(d.input, "xero_id", NULL), "11111111-1111-4111-8111-111111111111");
	ck_assert_str_eq(get(d.input, "key", NULL), "bo@acme.test");
	ck_assert_str_eq(get(d.input, "properties", "xero_contact_id"), CID);
	ck_assert_str_eq(get(d.input, "properties", "lastname"), "Li");
	ck_assert_ptr_nonnull(strstr(get(d.input, "associations", NULL), "\"" CID "\""));
	json_object_put(d.input);
}
END_TEST

/* filters.invoice_statuses keeps an invoice from being sent, not from being kept current. */
START_TEST(the_status_filter_excludes_an_unsent_invoice_and_updates_a_sent_one)
{
	static const char *const why =
	    "status AUTHORISED is not among filters.invoice_statuses (PAID)";
	char *doc = xh_strdup(a, invoice_doc);
	struct sync_decision d;

	doc[strlen(doc) - 1] = '\0';
	doc = xh_printf(a, "%s,\"_xhsync\":{\"filter\":\"%s\"}}", doc, why);
	d = decide(SO_INVOICE, doc, "901", NULL, "902", NULL, NULL);
	ck_assert_int_eq(d.v, SV_EXCLUDE); /* d.why points into the doc, freed by decide */
	d = decide(SO_INVOICE, doc, "901", NULL, "902", NULL, "903");
	ck_assert_int_eq(d.v, SV_WRITE);
	json_object_put(d.input);
	doc = xh_printf(a, "%.*s,\"_xhsync\":{\"filter\":\"currency USD is not among\"}}",
	                (int)strlen(invoice_doc) - 1, invoice_doc);
	d = decide(SO_INVOICE, doc, "901", NULL, "902", NULL, "903");
	ck_assert_int_eq(d.v, SV_EXCLUDE); /* the other filters hold whatever was sent */
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sync_push");

	unit_add(s, "company", a_company_is_written_with_its_mapped_properties, 0, maps_setup,
	         teardown);
	unit_add(s, "company_fail", a_company_without_a_name_fails_with_the_reason, 0, maps_setup,
	         teardown);
	unit_add(s, "contact", a_contact_waits_for_its_company_then_is_keyed_by_email, 0,
	         maps_setup, teardown);
	unit_add(s, "contact_excluded", a_contact_without_a_usable_email_or_company_is_excluded, 0,
	         maps_setup, teardown);
	unit_add(s, "invoice_wait", an_invoice_waits_for_its_company_and_its_contact, 0, maps_setup,
	         teardown);
	unit_add(s, "invoice", an_open_invoice_is_written_with_lines_and_both_associations, 0,
	         maps_setup, teardown);
	unit_add(s, "invoice_draft",
	         an_invoice_whose_contact_has_no_email_stays_a_draft_and_says_why, 0, maps_setup,
	         teardown);
	unit_add(s, "invoice_no_lines", an_invoice_without_lines_stays_a_draft, 0, maps_setup,
	         teardown);
	unit_add(s, "invoice_voided",
	         a_voided_invoice_never_sent_is_excluded_but_one_sent_is_voided, 0, maps_setup,
	         teardown);
	unit_add(s, "invoice_bad_line", an_invoice_with_a_bad_line_fails_naming_the_line, 0,
	         maps_setup, teardown);
	unit_add(s, "line_items", line_items_alone_are_not_pushed, 0, maps_setup, teardown);
	unit_add(s, "payment", a_payment_waits_for_its_invoice_then_is_associated_to_it, 0,
	         maps_setup, teardown);
	unit_add(s, "invoice_paid_mode", a_paid_invoice_asks_open_when_payments_make_it_paid, 0,
	         maps_setup, teardown);
	unit_add(s, "note", a_credit_note_becomes_a_note_on_its_company, 0, maps_setup, teardown);
	unit_add(s, "payment_deleted", a_deleted_payment_is_archived_if_sent_else_excluded, 0,
	         maps_setup, teardown);
	unit_add(s, "contact_person",
	         a_contact_person_is_associated_to_the_company_of_its_xero_contact, 0, maps_setup,
	         teardown);
	unit_add(s, "invoice_status_filter",
	         the_status_filter_excludes_an_unsent_invoice_and_updates_a_sent_one, 0, maps_setup,
	         teardown);
	return unit_run(s);
}
