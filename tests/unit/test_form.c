/*
 * test_form.c: percent-decoding, query strings and urlencoded forms, and
 * Cookie header parsing, including malformed input and the size limits.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/web.h"
#include "unit.h"

static struct xh_arena *A;
static struct web_kvlist L;

static void
setup(void)
{
	A = xh_arena_new();
	memset(&L, 0, sizeof(L));
}

static void
teardown(void)
{
	xh_arena_free(A);
}

static enum xh_err
form(const char *s)
{
	return web_form_parse(A, s, strlen(s), &L);
}

static enum xh_err
cookies(const char *s)
{
	return web_cookie_parse(A, s, &L);
}

/* A string of n copies of c, in the arena. */
static char *
repeat(char c, size_t n)
{
	char *s = xh_alloc(A, n + 1);

	memset(s, c, n);
	return s;
}

static const struct {
	const char *in;
	int plus;
	const char *out;
} decode_ok[] = {
    {"", 1, ""},
    {"abc", 1, "abc"},
    {"a%20b", 1, "a b"},
    {"a+b", 1, "a b"},
    {"a+b", 0, "a+b"},
    {"%2B", 1, "+"},
    {"%e2%82%ac", 1, "\xe2\x82\xac"},
    {"%E2%82%AC", 1, "\xe2\x82\xac"},
    {"%25zz", 1, "%zz"},
    {"100%25", 1, "100%"},
};

START_TEST(pct_decode_valid_escapes)
{
	char *out;
	size_t n;

	ck_assert_int_eq(web_pct_decode(A, decode_ok[_i].in, strlen(decode_ok[_i].in),
	                                decode_ok[_i].plus, &out, &n),
	                 XH_OK);
	ck_assert_str_eq(out, decode_ok[_i].out);
	ck_assert_uint_eq(n, strlen(decode_ok[_i].out));
}
END_TEST

static const char *const decode_bad[] = {
    "%", "%2", "abc%", "abc%4", "%zz", "%g0", "%0g", "%00", "a%00b", "% 20",
};

START_TEST(pct_decode_rejects_bad_escapes_and_nul)
{
	char *out = NULL;

	ck_assert_int_eq(web_pct_decode(A, decode_bad[_i], strlen(decode_bad[_i]), 1, &out, NULL),
	                 XH_ERR_INVAL);
}
END_TEST

START_TEST(pct_decode_rejects_raw_nul_inside_len)
{
	char *out;

	ck_assert_int_eq(web_pct_decode(A, "a\0b", 3, 1, &out, NULL), XH_ERR_INVAL);
}
END_TEST

START_TEST(form_pairs_in_order)
{
	ck_assert_int_eq(form("a=1&b=two+words&c=%26%3D"), XH_OK);
	ck_assert_uint_eq(L.n, 3);
	ck_assert_str_eq(L.v[0].key, "a");
	ck_assert_str_eq(L.v[0].val, "1");
	ck_assert_str_eq(L.v[1].key, "b");
	ck_assert_str_eq(L.v[1].val, "two words");
	ck_assert_str_eq(L.v[2].val, "&=");
	ck_assert_uint_eq(L.v[2].val_len, 2);
}
END_TEST

START_TEST(form_empty_values_and_missing_equals)
{
	ck_assert_int_eq(form("empty=&flag&x=1"), XH_OK);
	ck_assert_uint_eq(L.n, 3);
	ck_assert_str_eq(web_kv_get(&L, "empty"), "");
	ck_assert_str_eq(web_kv_get(&L, "flag"), "");
	ck_assert_str_eq(web_kv_get(&L, "x"), "1");
	ck_assert_ptr_null(web_kv_get(&L, "missing"));
}
END_TEST

START_TEST(form_skips_empty_segments_and_keys)
{
	ck_assert_int_eq(form("&&a=1&&=orphan&b=2&"), XH_OK);
	ck_assert_uint_eq(L.n, 2);
	ck_assert_str_eq(L.v[0].key, "a");
	ck_assert_str_eq(L.v[1].key, "b");
}
END_TEST

START_TEST(form_keeps_repeated_keys)
{
	ck_assert_int_eq(form("id=1&id=2&other=x&id=3"), XH_OK);
	ck_assert_uint_eq(web_kv_count(&L, "id"), 3);
	ck_assert_str_eq(web_kv_get(&L, "id"), "1");
	ck_assert_str_eq(L.v[3].val, "3");
}
END_TEST

START_TEST(form_value_may_contain_equals)
{
	ck_assert_int_eq(form("k=a=b"), XH_OK);
	ck_assert_str_eq(web_kv_get(&L, "k"), "a=b");
}
END_TEST

START_TEST(form_decodes_keys_too)
{
	ck_assert_int_eq(form("first+name=Ann&a%5B%5D=1"), XH_OK);
	ck_assert_str_eq(web_kv_get(&L, "first name"), "Ann");
	ck_assert_str_eq(web_kv_get(&L, "a[]"), "1");
}
END_TEST

static const char *const form_bad[] = {"a=%", "a=%zz", "%zz=1", "a=1&b=%0", "a=%00"};

START_TEST(form_rejects_bad_escapes)
{
	ck_assert_int_eq(form(form_bad[_i]), XH_ERR_INVAL);
}
END_TEST

START_TEST(form_stops_at_len)
{
	ck_assert_int_eq(web_form_parse(A, "a=1&b=2", 3, &L), XH_OK);
	ck_assert_uint_eq(L.n, 1);
	ck_assert_str_eq(L.v[0].val, "1");
}
END_TEST

START_TEST(form_pair_count_limit)
{
	struct xh_buf b;
	int i;

	xh_buf_init(&b);
	for (i = 0; i < WEB_FORM_MAX_PAIRS; i++)
		xh_buf_printf(&b, "k%d=v&", i);
	ck_assert_int_eq(web_form_parse(A, b.data, b.len, &L), XH_OK);
	ck_assert_uint_eq(L.n, WEB_FORM_MAX_PAIRS);
	xh_buf_puts(&b, "one=more");
	memset(&L, 0, sizeof(L));
	ck_assert_int_eq(web_form_parse(A, b.data, b.len, &L), XH_ERR_TOOBIG);
	xh_buf_free(&b);
}
END_TEST

START_TEST(form_key_length_limit)
{
	char *ok = xh_printf(A, "%s=1", repeat('k', WEB_FORM_MAX_KEY));
	char *big = xh_printf(A, "%s=1", repeat('k', WEB_FORM_MAX_KEY + 1));

	ck_assert_int_eq(form(ok), XH_OK);
	ck_assert_int_eq(form(big), XH_ERR_TOOBIG);
}
END_TEST

START_TEST(form_value_length_limit)
{
	char *ok = xh_printf(A, "v=%s", repeat('x', WEB_FORM_MAX_VALUE));
	char *big = xh_printf(A, "v=%s", repeat('x', WEB_FORM_MAX_VALUE + 1));

	ck_assert_int_eq(form(ok), XH_OK);
	ck_assert_int_eq(form(big), XH_ERR_TOOBIG);
}
END_TEST

START_TEST(cookie_simple_pairs)
{
	ck_assert_int_eq(cookies("a=1; b=2"), XH_OK);
	ck_assert_uint_eq(L.n, 2);
	ck_assert_str_eq(web_kv_get(&L, "a"), "1");
	ck_assert_str_eq(web_kv_get(&L, "b"), "2");
}
END_TEST

START_TEST(cookie_trims_spaces_and_tabs)
{
	ck_assert_int_eq(cookies("  a = 1 ;\tb=2\t;c=  three words  "), XH_OK);
	ck_assert_str_eq(web_kv_get(&L, "a"), "1");
	ck_assert_str_eq(web_kv_get(&L, "b"), "2");
	ck_assert_str_eq(web_kv_get(&L, "c"), "three words");
}
END_TEST

START_TEST(cookie_strips_one_pair_of_quotes)
{
	ck_assert_int_eq(cookies("q=\"quoted\"; half=\"open; one=\"\"; two=\"\"x\"\""), XH_OK);
	ck_assert_str_eq(web_kv_get(&L, "q"), "quoted");
	ck_assert_str_eq(web_kv_get(&L, "half"), "\"open");
	ck_assert_str_eq(web_kv_get(&L, "one"), "");
	ck_assert_str_eq(web_kv_get(&L, "two"), "\"x\"");
}
END_TEST

START_TEST(cookie_keeps_duplicates_first_wins)
{
	ck_assert_int_eq(cookies("__Host-sid=first; x=1; __Host-sid=second"), XH_OK);
	ck_assert_uint_eq(web_kv_count(&L, "__Host-sid"), 2);
	ck_assert_str_eq(web_kv_get(&L, "__Host-sid"), "first");
}
END_TEST

START_TEST(cookie_ignores_malformed_pairs)
{
	ck_assert_int_eq(cookies("novalue; =orphan; ; ok=1; ctl=a\x01"
	                         "b;;"),
	                 XH_OK);
	ck_assert_uint_eq(L.n, 1);
	ck_assert_str_eq(L.v[0].key, "ok");
}
END_TEST

START_TEST(cookie_values_are_not_decoded)
{
	ck_assert_int_eq(cookies("v=a%20b+c; eq=x=y"), XH_OK);
	ck_assert_str_eq(web_kv_get(&L, "v"), "a%20b+c");
	ck_assert_str_eq(web_kv_get(&L, "eq"), "x=y");
}
END_TEST

START_TEST(cookie_empty_header)
{
	ck_assert_int_eq(cookies(""), XH_OK);
	ck_assert_uint_eq(L.n, 0);
}
END_TEST

START_TEST(cookie_count_limit)
{
	struct xh_buf b;
	int i;

	xh_buf_init(&b);
	for (i = 0; i < WEB_COOKIE_MAX_COUNT; i++)
		xh_buf_printf(&b, "c%d=v; ", i);
	ck_assert_int_eq(cookies(b.data), XH_OK);
	ck_assert_uint_eq(L.n, WEB_COOKIE_MAX_COUNT);
	xh_buf_puts(&b, "extra=1");
	memset(&L, 0, sizeof(L));
	ck_assert_int_eq(cookies(b.data), XH_ERR_TOOBIG);
	xh_buf_free(&b);
}
END_TEST

START_TEST(cookie_name_and_value_length_limits)
{
	ck_assert_int_eq(cookies(xh_printf(A, "v=%s", repeat('x', WEB_COOKIE_MAX_VALUE))), XH_OK);
	ck_assert_int_eq(cookies(xh_printf(A, "v=%s", repeat('x', WEB_COOKIE_MAX_VALUE + 1))),
	                 XH_ERR_TOOBIG);
	ck_assert_int_eq(cookies(xh_printf(A, "%s=1", repeat('n', WEB_COOKIE_MAX_NAME + 1))),
	                 XH_ERR_TOOBIG);
}
END_TEST

static void
add(Suite *s, const char *name, const TTest *t, int loop)
{
	unit_add(s, name, t, loop, setup, teardown);
}

int
main(void)
{
	Suite *s = suite_create("form");

	add(s, "pct_ok", pct_decode_valid_escapes, (int)XH_NELEM(decode_ok));
	add(s, "pct_bad", pct_decode_rejects_bad_escapes_and_nul, (int)XH_NELEM(decode_bad));
	add(s, "pct_raw_nul", pct_decode_rejects_raw_nul_inside_len, 0);
	add(s, "form_order", form_pairs_in_order, 0);
	add(s, "form_empty", form_empty_values_and_missing_equals, 0);
	add(s, "form_skip", form_skips_empty_segments_and_keys, 0);
	add(s, "form_repeat", form_keeps_repeated_keys, 0);
	add(s, "form_eq", form_value_may_contain_equals, 0);
	add(s, "form_keys", form_decodes_keys_too, 0);
	add(s, "form_bad", form_rejects_bad_escapes, (int)XH_NELEM(form_bad));
	add(s, "form_len", form_stops_at_len, 0);
	add(s, "form_count", form_pair_count_limit, 0);
	add(s, "form_key_len", form_key_length_limit, 0);
	add(s, "form_value_len", form_value_length_limit, 0);
	add(s, "cookie_simple", cookie_simple_pairs, 0);
	add(s, "cookie_trim", cookie_trims_spaces_and_tabs, 0);
	add(s, "cookie_quotes", cookie_strips_one_pair_of_quotes, 0);
	add(s, "cookie_dupes", cookie_keeps_duplicates_first_wins, 0);
	add(s, "cookie_malformed", cookie_ignores_malformed_pairs, 0);
	add(s, "cookie_raw", cookie_values_are_not_decoded, 0);
	add(s, "cookie_empty", cookie_empty_header, 0);
	add(s, "cookie_count", cookie_count_limit, 0);
	add(s, "cookie_len", cookie_name_and_value_length_limits, 0);
	return unit_run(s);
}
