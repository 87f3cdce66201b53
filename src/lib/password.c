/*
 * password.c: generation, hashing and verification of admin passwords.
 */
#include <string.h>

#include <argon2.h>

#include "crypto.h"
#include "password.h"

#define SALT_LEN 16
#define HASH_LEN 32

const char xh_password_alphabet[] = "23456789"
                                    "abcdefghijkmnpqrstuvwxyz"
                                    "ABCDEFGHJKLMNPQRSTUVWXYZ";

/*
 * Draws characters by rejection sampling, so every character of the
 * alphabet is equally likely (no modulo bias).
 */
enum xh_err
xh_password_generate(char *out, size_t outlen, size_t len)
{
	const size_t n = sizeof(xh_password_alphabet) - 1;
	const size_t limit = 256 - 256 % n;
	unsigned char pool[64];
	size_t got = 0;
	enum xh_err err = XH_OK;

	if (len == 0 || len >= outlen)
		return XH_ERR_INVAL;
	while (got < len && !err) {
		err = xh_random_bytes(pool, sizeof(pool));
		for (size_t i = 0; i < sizeof(pool) && got < len && !err; i++)
			if (pool[i] < limit)
				out[got++] = xh_password_alphabet[pool[i] % n];
	}
	out[got] = '\0';
	explicit_bzero(pool, sizeof(pool));
	if (err)
		explicit_bzero(out, outlen);
	return err ? XH_ERR_CRYPTO : XH_OK;
}

enum xh_err
xh_password_hash(const char *pw, char *out, size_t outlen)
{
	unsigned char salt[SALT_LEN];
	size_t pwlen = pw ? strnlen(pw, XH_PASSWORD_MAX + 1) : 0;
	size_t need = argon2_encodedlen(XH_ARGON2_T, XH_ARGON2_M_KIB, XH_ARGON2_P, SALT_LEN,
	                                HASH_LEN, Argon2_id);
	int rc;

	if (pwlen == 0 || pwlen > XH_PASSWORD_MAX || outlen < need)
		return XH_ERR_INVAL;
	if (xh_random_bytes(salt, sizeof(salt)) != XH_OK)
		return XH_ERR_CRYPTO;
	rc = argon2id_hash_encoded(XH_ARGON2_T, XH_ARGON2_M_KIB, XH_ARGON2_P, pw, pwlen, salt,
	                           sizeof(salt), HASH_LEN, out, outlen);
	return rc == ARGON2_OK ? XH_OK : XH_ERR_CRYPTO;
}

int
xh_password_verify(const char *encoded, const char *pw)
{
	size_t pwlen = pw ? strnlen(pw, XH_PASSWORD_MAX + 1) : 0;

	if (encoded == NULL || pwlen == 0 || pwlen > XH_PASSWORD_MAX)
		return 0;
	if (strncmp(encoded, "$argon2id$", 10) != 0)
		return 0;
	return argon2id_verify(encoded, pw, pwlen) == ARGON2_OK;
}

/*
 * A deliberately simple address check: one '@', a local part of printable
 * ASCII without specials, a dotted domain of letters, digits and '-'.
 */
int
xh_email_valid(const char *e)
{
	static const char local_bad[] = "\"(),:;<>[\\]@";
	static const char domain_ok[] = "abcdefghijklmnopqrstuvwxyz"
	                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-";
	const char *at = strchr(e, '@');
	size_t len = strlen(e), dlen;

	if (len < 3 || len > 254 || at == NULL || at == e || at - e > 64)
		return 0;
	for (const char *p = e; p < at; p++)
		if (*p <= ' ' || *p > '~' || strchr(local_bad, *p) != NULL)
			return 0;
	dlen = strlen(at + 1);
	if (dlen < 3 || strspn(at + 1, domain_ok) != dlen || strchr(at + 1, '.') == NULL)
		return 0;
	return strchr(".-", at[1]) == NULL && strchr(".-", at[dlen]) == NULL &&
	       strstr(at + 1, "..") == NULL;
}
