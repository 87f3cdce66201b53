/*
 * test_link_card.c: the pure parts of the dashboard's link card: the
 * server-drawn chart of the last 48 hours and the time-left words.
 */
#include <check.h>
#include <string.h>

#include "web/handlers/link_card.h"
#include "unit.h"

/* Occurrences of needle in hay. */
static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

START_TEST(chart_has_one_bar_per_hour_and_the_total)
{
	long long c[48] = {0};
	struct xh_buf b;

	c[47] = 120, c[46] = 30, c[0] = 1;
	xh_buf_init(&b);
	web_link_chart_svg(&b, c, 48, 14);
	xh_buf_putc(&b, '\0');
	ck_assert_int_eq(count(b.data, "<rect class=\"bar\""), 48);
	ck_assert_ptr_nonnull(strstr(b.data, "last 48 hours: 151 in all"));
	/* the tallest bar reaches the top of the plot; the last one is this hour */
	ck_assert_ptr_nonnull(strstr(b.data, "y=\"14.0\" width="));
	ck_assert_ptr_nonnull(strstr(b.data, "<title>14:00 UTC: 120</title>"));
	/* 47 hours before 14:00 is 15:00 two days ago */
	ck_assert_ptr_nonnull(strstr(b.data, "<title>15:00 UTC: 1</title>"));
	ck_assert_ptr_null(strstr(b.data, "<script"));
	xh_buf_free(&b);
}
END_TEST

START_TEST(empty_chart_still_draws_a_scale)
{
	long long c[48] = {0};
	struct xh_buf b;

	xh_buf_init(&b);
	web_link_chart_svg(&b, c, 48, 0);
	xh_buf_putc(&b, '\0');
	ck_assert_ptr_nonnull(strstr(b.data, "0 in all"));
	ck_assert_ptr_nonnull(strstr(b.data, "height=\"0.0\""));
	ck_assert_ptr_null(strstr(b.data, "nan"));
	xh_buf_free(&b);
}
END_TEST

START_TEST(eta_in_plain_words)
{
	char s[64];

	web_eta_label(s, sizeof(s), 0);
	ck_assert_str_eq(s, "under a minute");
	web_eta_label(s, sizeof(s), 59);
	ck_assert_str_eq(s, "under a minute");
	web_eta_label(s, sizeof(s), 90);
	ck_assert_str_eq(s, "about 2 min");
	web_eta_label(s, sizeof(s), 3 * 3600 + 10 * 60 + 5);
	ck_assert_str_eq(s, "about 3 h 10 min");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("link_card");

	unit_add(s, "chart", chart_has_one_bar_per_hour_and_the_total, 0, NULL, NULL);
	unit_add(s, "empty", empty_chart_still_draws_a_scale, 0, NULL, NULL);
	unit_add(s, "eta", eta_in_plain_words, 0, NULL, NULL);
	return unit_run(s);
}
