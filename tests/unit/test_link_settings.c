/*
 * test_link_settings.c: the checks of link settings (src/sync/link_settings.c)
 * that need no database: filters.invoice_statuses.
 */
#include <check.h>
#include <string.h>

#define UNIT_ARENA
#include "sync/link_settings.h"
#include "unit.h"

/* The stored JSON text of key=value, or the reason it is refused. */
static const char *
check(const char *key, const char *value)
{
	const char *stored = NULL, *why = link_setting_check(a, key, value, &stored);

	return why != NULL ? why : stored;
}

START_TEST(invoice_statuses_are_normalised_in_a_fixed_order)
{
	ck_assert_str_eq(check("filters.invoice_statuses", ""), "\"\"");
	ck_assert_str_eq(check("filters.invoice_statuses", "AUTHORISED,PAID"),
	                 "\"AUTHORISED,PAID\"");
	ck_assert_str_eq(check("filters.invoice_statuses", " paid, Authorised ,paid,"),
	                 "\"AUTHORISED,PAID\"");
	ck_assert_str_eq(check("filters.invoice_statuses", "deleted,voided,draft,submitted"),
	                 "\"DRAFT,SUBMITTED,VOIDED,DELETED\"");
	ck_assert_str_eq(check("filters.invoice_statuses", " , "), "\"\"");
}
END_TEST

START_TEST(a_bad_invoice_status_is_named)
{
	const char *why = check("filters.invoice_statuses", "AUTHORISED,PAYED");

	ck_assert_str_eq(why, "filters.invoice_statuses has 'PAYED', which is not one of "
	                      "DRAFT,SUBMITTED,AUTHORISED,PAID,VOIDED,DELETED (a comma list of "
	                      "them, or empty for all)");
	why = check("filters.invoice_statuses", "paid;voided");
	ck_assert_ptr_nonnull(strstr(why, "'PAID;VOIDED'"));
	why = check("filters.invoice_statuses", "<script>AUTHORISEDAUTHORISEDAUTHORISEDAUTHORISED");
	ck_assert_ptr_nonnull(strstr(why, "'<SCRIPT>AUTHORISEDAUTHORISEDAUTHORISEDAU'"));
	why = check("filters.invoice_statuses", "PAID,\xff\xfe");
	ck_assert_ptr_nonnull(strstr(why, "'\?\?'")); /* \? : no trigraph */
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("link_settings");

	unit_add(s, "statuses", invoice_statuses_are_normalised_in_a_fixed_order, 0, setup,
	         teardown);
	unit_add(s, "statuses_bad", a_bad_invoice_status_is_named, 0, setup, teardown);
	return unit_run(s);
}
