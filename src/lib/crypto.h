/*
 * crypto.h: random bytes, base64, SHA-256/HMAC, constant-time compare and
 * AES-256-GCM sealing with associated data and key ids (OpenSSL 3 EVP).
 */
#ifndef XH_CRYPTO_H
#define XH_CRYPTO_H

#include <stddef.h>

#include "arena.h"
#include "xh.h"

#define XH_SHA256_LEN   32
#define XH_KEY_LEN      32
#define XH_KEY_ID_MAX   32
#define XH_GCM_NONCE    12
#define XH_GCM_TAG      16
#define XH_SEAL_VERSION 1
/* Overhead of a sealed blob: version byte, nonce, tag. */
#define XH_SEAL_OVERHEAD (1 + XH_GCM_NONCE + XH_GCM_TAG)

/* Fills buf with n cryptographically random bytes (RAND_bytes). */
enum xh_err xh_random_bytes(void *buf, size_t n);
/* A token of nbytes random bytes as unpadded base64url, in the arena. */
char *xh_random_token(struct xh_arena *a, size_t nbytes);

/* Standard base64 with padding (RFC 4648 section 4). */
char *xh_b64_encode(struct xh_arena *a, const void *p, size_t n);
/* URL-safe base64 without padding (RFC 4648 section 5). */
char *xh_b64url_encode(struct xh_arena *a, const void *p, size_t n);
/*
 * Strict decoders: reject characters outside the alphabet, bad padding and
 * non-zero trailing bits. Standard requires padding; url accepts either.
 * Output is NUL-terminated (not counted in *outlen). XH_ERR_INVAL if bad.
 */
enum xh_err xh_b64_decode(struct xh_arena *a, const char *s, size_t len, unsigned char **out,
                          size_t *outlen);
enum xh_err xh_b64url_decode(struct xh_arena *a, const char *s, size_t len, unsigned char **out,
                             size_t *outlen);

void xh_sha256(const void *msg, size_t n, unsigned char out[XH_SHA256_LEN]);
void xh_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
                    unsigned char out[XH_SHA256_LEN]);
/* Lower-case hex of n bytes, in the arena. */
char *xh_hex(struct xh_arena *a, const void *p, size_t n);
/* 1 if equal (lengths first, then CRYPTO_memcmp), else 0. */
int xh_ct_equal(const void *a, size_t alen, const void *b, size_t blen);

/* A sealing key and its id ([A-Za-z0-9_-]{1,32}). */
struct xh_key {
	char id[XH_KEY_ID_MAX + 1];
	unsigned char bytes[XH_KEY_LEN];
};

/* Every key in the key file; keys[0] is the current one used to seal. */
struct xh_keyring {
	struct xh_key *keys;
	size_t n;
};

/*
 * Key file: one key per line, "xhk1:<id>:<base64 of 32 bytes>", current
 * key first; '#' comments and blank lines allowed. The file must not be
 * readable by group or others. On error, errbuf names the file and line.
 */
enum xh_err xh_keyring_load(const char *path, struct xh_keyring *kr, char *errbuf, size_t errlen);
/* Wipes and frees the keys. */
void xh_keyring_free(struct xh_keyring *kr);
const struct xh_key *xh_keyring_find(const struct xh_keyring *kr, const char *id);
/* New random key with the given id. */
enum xh_err xh_key_generate(struct xh_key *k, const char *id);
/* The key-file line for k (with trailing newline), in the arena. */
char *xh_key_format(struct xh_arena *a, const struct xh_key *k);

/*
 * AES-256-GCM. A sealed blob is version(1) | nonce(12) | ciphertext | tag(16).
 * The key id is bound into the associated data along with aad, so a blob
 * opened with another key id or other aad fails with XH_ERR_CRYPTO.
 * Both replace out's contents (left empty on failure); out must not alias
 * the input.
 */
enum xh_err xh_seal(const struct xh_key *k, const void *pt, size_t ptlen, const void *aad,
                    size_t aadlen, struct xh_buf *out);
enum xh_err xh_open(const struct xh_key *k, const void *sealed, size_t len, const void *aad,
                    size_t aadlen, struct xh_buf *out);

#endif
