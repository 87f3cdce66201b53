/*
 * test_password.c: generated passwords (length, alphabet, spread) and
 * Argon2id hashing and verification with the project's parameters.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "password.h"
#include "unit.h"

#define PREFIX "$argon2id$v=19$m=19456,t=2,p=1$"

START_TEST(generate_has_length_and_alphabet)
{
	char pw[XH_PASSWORD_LEN + 1];

	ck_assert_int_eq(xh_password_generate(pw, sizeof(pw), XH_PASSWORD_LEN), XH_OK);
	ck_assert_uint_eq(strlen(pw), XH_PASSWORD_LEN);
	ck_assert_uint_eq(strspn(pw, xh_password_alphabet), XH_PASSWORD_LEN);
}
END_TEST

START_TEST(alphabet_has_no_ambiguous_characters)
{
	ck_assert_uint_eq(strlen(xh_password_alphabet), 56);
	ck_assert_ptr_null(strpbrk(xh_password_alphabet, "01lIoO"));
}
END_TEST

START_TEST(generate_uses_every_character)
{
	char pw[4001];
	size_t seen = 0;

	ck_assert_int_eq(xh_password_generate(pw, sizeof(pw), sizeof(pw) - 1), XH_OK);
	for (const char *c = xh_password_alphabet; *c != '\0'; c++)
		seen += strchr(pw, *c) != NULL;
	ck_assert_uint_eq(seen, strlen(xh_password_alphabet));
}
END_TEST

START_TEST(generate_differs_each_time)
{
	char a[XH_PASSWORD_LEN + 1], b[XH_PASSWORD_LEN + 1];

	ck_assert_int_eq(xh_password_generate(a, sizeof(a), XH_PASSWORD_LEN), XH_OK);
	ck_assert_int_eq(xh_password_generate(b, sizeof(b), XH_PASSWORD_LEN), XH_OK);
	ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(generate_rejects_small_buffer_and_zero_length)
{
	char pw[8];

	ck_assert_int_eq(xh_password_generate(pw, sizeof(pw), 8), XH_ERR_INVAL);
	ck_assert_int_eq(xh_password_generate(pw, sizeof(pw), 0), XH_ERR_INVAL);
}
END_TEST

START_TEST(hash_has_parameters_and_verifies)
{
	char h[XH_PASSWORD_HASH_MAX];

	ck_assert_int_eq(xh_password_hash("correct horse", h, sizeof(h)), XH_OK);
	ck_assert_int_eq(strncmp(h, PREFIX, strlen(PREFIX)), 0);
	ck_assert_int_eq(xh_password_verify(h, "correct horse"), 1);
	ck_assert_int_eq(xh_password_verify(h, "correct horsE"), 0);
	ck_assert_int_eq(xh_password_verify(h, "correct hors"), 0);
}
END_TEST

START_TEST(hash_salts_differ)
{
	char a[XH_PASSWORD_HASH_MAX], b[XH_PASSWORD_HASH_MAX];

	ck_assert_int_eq(xh_password_hash("same", a, sizeof(a)), XH_OK);
	ck_assert_int_eq(xh_password_hash("same", b, sizeof(b)), XH_OK);
	ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(hash_rejects_bad_input)
{
	char h[XH_PASSWORD_HASH_MAX], big[XH_PASSWORD_MAX + 2];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(xh_password_hash("", h, sizeof(h)), XH_ERR_INVAL);
	ck_assert_int_eq(xh_password_hash(NULL, h, sizeof(h)), XH_ERR_INVAL);
	ck_assert_int_eq(xh_password_hash(big, h, sizeof(h)), XH_ERR_INVAL);
	ck_assert_int_eq(xh_password_hash("pw", h, 40), XH_ERR_INVAL);
}
END_TEST

START_TEST(verify_rejects_garbage_and_other_variants)
{
	/* A valid argon2i hash of "password": not accepted, only argon2id is. */
	static const char argon2i[] =
	    "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA";

	ck_assert_int_eq(xh_password_verify(argon2i, "password"), 0);
	ck_assert_int_eq(xh_password_verify("$argon2id$garbage", "password"), 0);
	ck_assert_int_eq(xh_password_verify(NULL, "password"), 0);
	ck_assert_int_eq(xh_password_verify(PREFIX "AAAA$AAAA", ""), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("password");
	TCase *tc = tcase_create("password");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, generate_has_length_and_alphabet);
	tcase_add_test(tc, alphabet_has_no_ambiguous_characters);
	tcase_add_test(tc, generate_uses_every_character);
	tcase_add_test(tc, generate_differs_each_time);
	tcase_add_test(tc, generate_rejects_small_buffer_and_zero_length);
	tcase_add_test(tc, hash_has_parameters_and_verifies);
	tcase_add_test(tc, hash_salts_differ);
	tcase_add_test(tc, hash_rejects_bad_input);
	tcase_add_test(tc, verify_rejects_garbage_and_other_variants);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
