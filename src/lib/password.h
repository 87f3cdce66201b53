/*
 * password.h: admin passwords: generated from RAND_bytes over an
 * unambiguous alphabet, stored as encoded Argon2id hashes
 * (m = 19456 KiB, t = 2, p = 1, 16-byte salt, 32-byte hash).
 */
#ifndef XH_PASSWORD_H
#define XH_PASSWORD_H

#include <stddef.h>

#include "xh.h"

#define XH_PASSWORD_LEN      20  /* generated password length */
#define XH_PASSWORD_MAX      256 /* longest password accepted for hashing */
#define XH_PASSWORD_HASH_MAX 128 /* buffer size for an encoded hash */
#define XH_ARGON2_M_KIB      19456
#define XH_ARGON2_T          2
#define XH_ARGON2_P          1

/* Characters of generated passwords: no 0/O/o, 1/l/I. */
extern const char xh_password_alphabet[];

/*
 * Writes a random password of len characters (plus NUL) into out, which
 * holds outlen bytes. XH_ERR_INVAL if it does not fit, XH_ERR_CRYPTO if
 * the random generator fails.
 */
enum xh_err xh_password_generate(char *out, size_t outlen, size_t len);
/*
 * Hashes pw with a fresh random salt into out as
 * "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>". XH_ERR_INVAL for an
 * empty or over-long password or a short buffer, XH_ERR_CRYPTO otherwise.
 */
enum xh_err xh_password_hash(const char *pw, char *out, size_t outlen);
/* 1 if pw matches the encoded Argon2id hash, else 0 (also for bad input). */
int xh_password_verify(const char *encoded, const char *pw);
/*
 * 1 if e is an admin email we accept: one '@', a local part of printable
 * ASCII without specials, a dotted domain of letters, digits and '-'.
 */
int xh_email_valid(const char *e);

#endif
