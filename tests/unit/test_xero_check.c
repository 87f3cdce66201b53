/*
 * test_xero_check.c: the pure parts of the console's Xero connection test
 * (src/xero/check_wire.c): Xero's problem answers and the Organisation
 * answer's name.
 */
#include <check.h>
#include <string.h>

#define UNIT_ARENA
#include "unit.h"
#include "xero/check.h"

/* Detail of s. */
static const char *
detail(const char *s)
{
	return xero_problem_detail(a, s, strlen(s));
}

/* Name of s. */
static const char *
name(const char *s)
{
	return xero_org_name(a, s, strlen(s));
}

START_TEST(detail_reads_xeros_problem_answers)
{
	/* XERO.md 2.6: 401 and 403 bodies as the live API sends them */
	ck_assert_str_eq(detail("{\"Type\":null,\"Title\":\"Unauthorized\",\"Status\":401,"
	                        "\"Detail\":\"AuthorizationUnsuccessful\",\"Instance\":\"u\","
	                        "\"Extensions\":{}}"),
	                 "AuthorizationUnsuccessful");
	ck_assert_str_eq(detail("{\"Status\":401,\"Detail\":\"TokenExpired: token expired at "
	                        "09/24/2021 08:23:47\"}"),
	                 "TokenExpired: token expired at 09/24/2021 08:23:47");
}
END_TEST

static const char *const not_problems[] = {
    "",
    "The resource you're looking for cannot be found",
    "{\"Detail\":7}",
    "[]",
    "null",
    "{\"Detail\":\"x\"} trailing",
    "{\"Detail\":\"\xff\"}",
};

START_TEST(detail_is_empty_for_anything_else)
{
	ck_assert_str_eq(detail(not_problems[_i]), "");
}
END_TEST

START_TEST(detail_ignores_an_overlong_detail)
{
	char body[600];

	memset(body, 'd', sizeof(body));
	memcpy(body, "{\"Detail\":\"", 11);
	memcpy(body + sizeof(body) - 3, "\"}", 3);
	ck_assert_str_eq(detail(body), "");
}
END_TEST

START_TEST(name_reads_the_first_organisation)
{
	ck_assert_str_eq(
	    name("{\"Organisations\":[{\"Name\":\"Demo <Co> \\u00e9\"},{\"Name\":\"b\"}]}"),
	    "Demo <Co> \xc3\xa9");
}
END_TEST

static const char *const no_names[] = {
    "{\"Organisations\":[]}",
    "{\"Organisations\":[{\"Name\":\"\"}]}",
    "{\"Organisations\":[{}]}",
    "{\"Organisations\":[\"Name\"]}",
    "{\"Organisations\":{\"Name\":\"x\"}}",
    "{\"Name\":\"x\"}",
    "<Organisations/>",
    "",
};

START_TEST(name_is_null_without_one)
{
	ck_assert_ptr_null(name(no_names[_i]));
}
END_TEST

START_TEST(name_longer_than_the_column_is_refused)
{
	char body[XERO_ORG_NAME_MAX + 64];
	size_t n = XERO_ORG_NAME_MAX + 1;

	memcpy(body, "{\"Organisations\":[{\"Name\":\"", 27);
	memset(body + 27, 'n', n);
	memcpy(body + 27 + n, "\"}]}", 5);
	ck_assert_ptr_null(name(body));
	body[27 + n - 1] = '"';
	memcpy(body + 27 + n - 1, "\"}]}", 5);
	ck_assert_int_eq(strlen(name(body)), XERO_ORG_NAME_MAX);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("xero_check");

	unit_add(s, "detail", detail_reads_xeros_problem_answers, 0, setup, teardown);
	unit_add(s, "detail_other", detail_is_empty_for_anything_else, (int)XH_NELEM(not_problems),
	         setup, teardown);
	unit_add(s, "detail_long", detail_ignores_an_overlong_detail, 0, setup, teardown);
	unit_add(s, "name", name_reads_the_first_organisation, 0, setup, teardown);
	unit_add(s, "name_none", name_is_null_without_one, (int)XH_NELEM(no_names), setup,
	         teardown);
	unit_add(s, "name_long", name_longer_than_the_column_is_refused, 0, setup, teardown);
	return unit_run(s);
}
