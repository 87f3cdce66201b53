/*
 * crypto.c: random bytes, SHA-256, HMAC-SHA256, constant-time compare and
 * AES-256-GCM sealing, all through OpenSSL 3 EVP.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "crypto.h"
#include "log.h"

/* Domain separation prefix of the associated data; the NUL is included. */
static const char seal_domain[] = "xh-seal-v1";

/* Offsets inside a sealed blob. */
#define SEAL_NONCE_AT 1
#define SEAL_CT_AT    (1 + XH_GCM_NONCE)

/* A primitive that cannot fail did: the library is broken, so stop. */
static void
crypto_fatal(const char *what)
{
	xh_log(XH_LOG_ERROR, "crypto.fatal", "op", what, NULL);
	abort();
}

enum xh_err
xh_random_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;
	int chunk;

	while (n > 0) {
		chunk = n > INT_MAX ? INT_MAX : (int)n;
		if (RAND_bytes(p, chunk) != 1)
			return XH_ERR_CRYPTO;
		p += chunk;
		n -= (size_t)chunk;
	}
	return XH_OK;
}

char *
xh_random_token(struct xh_arena *a, size_t nbytes)
{
	unsigned char *raw;
	char *tok;

	raw = xh_alloc(a, nbytes + 1);
	if (xh_random_bytes(raw, nbytes) != XH_OK)
		return NULL;
	tok = xh_b64url_encode(a, raw, nbytes);
	OPENSSL_cleanse(raw, nbytes);
	return tok;
}

void
xh_sha256(const void *msg, size_t n, unsigned char out[XH_SHA256_LEN])
{
	if (EVP_Digest(n ? msg : "", n, out, NULL, EVP_sha256(), NULL) != 1)
		crypto_fatal("sha256");
}

void
xh_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
               unsigned char out[XH_SHA256_LEN])
{
	unsigned char khash[XH_SHA256_LEN];
	unsigned int outlen = XH_SHA256_LEN;

	/* HMAC hashes keys longer than the block anyway; do it early for the int length. */
	if (klen > INT_MAX) {
		xh_sha256(key, klen, khash);
		key = khash;
		klen = sizeof(khash);
	}
	if (HMAC(EVP_sha256(), klen ? key : "", (int)klen, mlen ? msg : (const void *)"", mlen, out,
	         &outlen) == NULL)
		crypto_fatal("hmac-sha256");
	OPENSSL_cleanse(khash, sizeof(khash));
}

int
xh_ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	if (alen != blen)
		return 0;
	if (alen == 0)
		return 1;
	return CRYPTO_memcmp(a, b, alen) == 0;
}

/* Feeds n bytes of associated data, in int-sized chunks. 0 on success. */
static int
seal_aad_part(EVP_CIPHER_CTX *ctx, const void *p, size_t n)
{
	const unsigned char *q = p;
	int chunk, outl;

	while (n > 0) {
		chunk = n > INT_MAX ? INT_MAX : (int)n;
		if (EVP_CipherUpdate(ctx, NULL, &outl, q, chunk) != 1)
			return -1;
		q += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

/* Associated data: "xh-seal-v1" NUL key-id NUL aad. 0 on success. */
static int
seal_aad(EVP_CIPHER_CTX *ctx, const struct xh_key *k, const void *aad, size_t aadlen)
{
	if (seal_aad_part(ctx, seal_domain, sizeof(seal_domain)) < 0)
		return -1;
	if (seal_aad_part(ctx, k->id, strnlen(k->id, XH_KEY_ID_MAX) + 1) < 0)
		return -1;
	return seal_aad_part(ctx, aad, aadlen);
}

/*
 * Sets up ctx for AES-256-GCM with key k, nonce and the bound associated
 * data; enc is 1 to seal, 0 to open. Returns the context or NULL.
 */
static EVP_CIPHER_CTX *
seal_ctx(const struct xh_key *k, const unsigned char *nonce, const void *aad, size_t aadlen,
         int enc)
{
	EVP_CIPHER_CTX *ctx;

	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return NULL;
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, k->bytes, nonce, enc) != 1 ||
	    seal_aad(ctx, k, aad, aadlen) < 0) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* Encrypts or decrypts n bytes of p in place. 0 on success. */
static int
seal_crypt_inplace(EVP_CIPHER_CTX *ctx, unsigned char *p, size_t n)
{
	int outl = 0;

	if (n == 0)
		return 0;
	if (EVP_CipherUpdate(ctx, p, &outl, p, (int)n) != 1 || (size_t)outl != n)
		return -1;
	return 0;
}

/* Checks the arguments shared by xh_seal and xh_open. */
static enum xh_err
seal_args(const struct xh_key *k, const void *data, size_t len, const void *aad, size_t aadlen,
          const struct xh_buf *out)
{
	if (k == NULL || out == NULL || (data == NULL && len > 0) || (aad == NULL && aadlen > 0))
		return XH_ERR_INVAL;
	if (len > INT_MAX - XH_SEAL_OVERHEAD)
		return XH_ERR_TOOBIG;
	return XH_OK;
}

/* Frees the cipher context; on failure wipes and empties out. Returns err. */
static enum xh_err
seal_finish(EVP_CIPHER_CTX *ctx, struct xh_buf *out, enum xh_err err)
{
	if (err != XH_OK && out->data != NULL) {
		OPENSSL_cleanse(out->data, out->len);
		xh_buf_reset(out);
	}
	EVP_CIPHER_CTX_free(ctx);
	return err;
}

/*
 * Seals pt into out (replacing its contents) as version | nonce | ct | tag.
 * Returns XH_ERR_CRYPTO if OpenSSL fails; out is then empty.
 */
enum xh_err
xh_seal(const struct xh_key *k, const void *pt, size_t ptlen, const void *aad, size_t aadlen,
        struct xh_buf *out)
{
	unsigned char head[SEAL_CT_AT], tag[XH_GCM_TAG];
	EVP_CIPHER_CTX *ctx = NULL;
	enum xh_err err;
	int outl;

	if ((err = seal_args(k, pt, ptlen, aad, aadlen, out)) != XH_OK)
		return err;
	err = XH_ERR_CRYPTO;
	xh_buf_reset(out);
	head[0] = XH_SEAL_VERSION;
	if (xh_random_bytes(head + SEAL_NONCE_AT, XH_GCM_NONCE) != XH_OK)
		goto fail;
	if ((ctx = seal_ctx(k, head + SEAL_NONCE_AT, aad, aadlen, 1)) == NULL)
		goto fail;
	xh_buf_append(out, head, sizeof(head));
	xh_buf_append(out, pt, ptlen);
	if (seal_crypt_inplace(ctx, (unsigned char *)out->data + SEAL_CT_AT, ptlen) < 0 ||
	    EVP_EncryptFinal_ex(ctx, tag, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, XH_GCM_TAG, tag) != 1)
		goto fail;
	xh_buf_append(out, tag, sizeof(tag));
	err = XH_OK;
fail:
	return seal_finish(ctx, out, err);
}

/*
 * Opens a sealed blob into out (replacing its contents; out must not alias
 * sealed). Returns XH_ERR_CRYPTO for an unknown version, a short blob, or
 * any tampering, wrong key, key id or aad; out is then empty.
 */
enum xh_err
xh_open(const struct xh_key *k, const void *sealed, size_t len, const void *aad, size_t aadlen,
        struct xh_buf *out)
{
	const unsigned char *in = sealed;
	EVP_CIPHER_CTX *ctx = NULL;
	unsigned char tag[XH_GCM_TAG], fin[XH_GCM_TAG];
	enum xh_err err;
	size_t ctlen;
	int outl;

	if ((err = seal_args(k, sealed, len, aad, aadlen, out)) != XH_OK)
		return err;
	err = XH_ERR_CRYPTO;
	xh_buf_reset(out);
	if (len < XH_SEAL_OVERHEAD || in[0] != XH_SEAL_VERSION)
		goto fail;
	ctlen = len - XH_SEAL_OVERHEAD;
	memcpy(tag, in + len - XH_GCM_TAG, XH_GCM_TAG);
	if ((ctx = seal_ctx(k, in + SEAL_NONCE_AT, aad, aadlen, 0)) == NULL)
		goto fail;
	xh_buf_append(out, in + SEAL_CT_AT, ctlen);
	if (seal_crypt_inplace(ctx, (unsigned char *)out->data, ctlen) < 0 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, XH_GCM_TAG, tag) != 1 ||
	    EVP_DecryptFinal_ex(ctx, fin, &outl) != 1)
		goto fail;
	err = XH_OK;
fail:
	return seal_finish(ctx, out, err);
}
