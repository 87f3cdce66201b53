/*
 * base64.c: RFC 4648 base64 and base64url with strict decoders, and hex.
 * OpenSSL's EVP_DecodeBlock accepts whitespace and ignores trailing bits,
 * so the decoder here is our own.
 */
#include <stdint.h>
#include <string.h>

#include "crypto.h"

/* One alphabet: the 64 characters, and whether padding is written/required. */
struct b64_alphabet {
	const char *chars;
	int pad_write;   /* the encoder appends '=' padding */
	int pad_require; /* the decoder insists on padding (else optional) */
};

static const struct b64_alphabet b64_std = {
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 1, 1};
static const struct b64_alphabet b64_url = {
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 0, 0};

/* Encodes n bytes into a NUL-terminated arena string; NULL if n is absurd. */
static char *
b64_encode(struct xh_arena *a, const void *p, size_t n, const struct b64_alphabet *al)
{
	const unsigned char *in = p;
	size_t i, o = 0;
	uint32_t v;
	char *out;

	if (n > (SIZE_MAX / 4 - 1) * 3)
		return NULL;
	out = xh_alloc(a, (n + 2) / 3 * 4 + 1);
	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = al->chars[v >> 18 & 63];
		out[o++] = al->chars[v >> 12 & 63];
		out[o++] = al->chars[v >> 6 & 63];
		out[o++] = al->chars[v & 63];
	}
	if (n - i == 0)
		return out;
	v = (uint32_t)in[i] << 16 | (n - i == 2 ? (uint32_t)in[i + 1] << 8 : 0);
	out[o++] = al->chars[v >> 18 & 63];
	out[o++] = al->chars[v >> 12 & 63];
	if (n - i == 2)
		out[o++] = al->chars[v >> 6 & 63];
	while (al->pad_write && o % 4 != 0)
		out[o++] = '=';
	return out;
}

char *
xh_b64_encode(struct xh_arena *a, const void *p, size_t n)
{
	return b64_encode(a, p, n, &b64_std);
}

char *
xh_b64url_encode(struct xh_arena *a, const void *p, size_t n)
{
	return b64_encode(a, p, n, &b64_url);
}

/* The 6-bit value of c in the alphabet, or -1 if c is not in it. */
static int
b64_value(unsigned char c, const struct b64_alphabet *al)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (unsigned char)al->chars[62])
		return 62;
	if (c == (unsigned char)al->chars[63])
		return 63;
	return -1;
}

/*
 * Checks the padding of s[0..len) and returns the length without it in
 * *body, or -1 if padding is missing (when required), misplaced or wrong.
 */
static int
b64_body_len(const char *s, size_t len, const struct b64_alphabet *al, size_t *body)
{
	size_t pad = 0;

	while (pad < len && pad < 3 && s[len - 1 - pad] == '=')
		pad++;
	if (pad > 2)
		return -1;
	if ((pad > 0 || al->pad_require) && len % 4 != 0)
		return -1;
	*body = len - pad;
	if (*body % 4 == 1)
		return -1;
	if (pad > 0 && pad != 4 - *body % 4)
		return -1;
	return 0;
}

/* Reads k characters from s into a big-endian bit accumulator; -1 if any is bad. */
static int
b64_group(const char *s, size_t k, const struct b64_alphabet *al, uint32_t *v)
{
	size_t i;
	int d;

	*v = 0;
	for (i = 0; i < k; i++) {
		d = b64_value((unsigned char)s[i], al);
		if (d < 0)
			return -1;
		*v = *v << 6 | (uint32_t)d;
	}
	return 0;
}

/* Strict decoder shared by both alphabets; see crypto.h. */
static enum xh_err
b64_decode(struct xh_arena *a, const char *s, size_t len, const struct b64_alphabet *al,
           unsigned char **out, size_t *outlen)
{
	size_t body, rem, i, o = 0;
	unsigned char *buf;
	uint32_t v;

	if ((s == NULL && len > 0) || out == NULL || outlen == NULL)
		return XH_ERR_INVAL;
	if (b64_body_len(s, len, al, &body) < 0)
		return XH_ERR_INVAL;
	rem = body % 4;
	buf = xh_alloc(a, body / 4 * 3 + (rem ? rem - 1 : 0) + 1);
	for (i = 0; i + 4 <= body; i += 4) {
		if (b64_group(s + i, 4, al, &v) < 0)
			return XH_ERR_INVAL;
		buf[o++] = (unsigned char)(v >> 16);
		buf[o++] = (unsigned char)(v >> 8);
		buf[o++] = (unsigned char)v;
	}
	if (rem > 0) {
		/* 2 chars carry 1 byte + 4 spare bits, 3 chars 2 bytes + 2 spare bits. */
		unsigned spare = rem == 2 ? 4 : 2;

		if (b64_group(s + i, rem, al, &v) < 0 || (v & ((1u << spare) - 1)) != 0)
			return XH_ERR_INVAL;
		v >>= spare;
		if (rem == 3)
			buf[o++] = (unsigned char)(v >> 8);
		buf[o++] = (unsigned char)v;
	}
	buf[o] = '\0';
	*out = buf;
	*outlen = o;
	return XH_OK;
}

enum xh_err
xh_b64_decode(struct xh_arena *a, const char *s, size_t len, unsigned char **out, size_t *outlen)
{
	return b64_decode(a, s, len, &b64_std, out, outlen);
}

enum xh_err
xh_b64url_decode(struct xh_arena *a, const char *s, size_t len, unsigned char **out, size_t *outlen)
{
	return b64_decode(a, s, len, &b64_url, out, outlen);
}

char *
xh_hex(struct xh_arena *a, const void *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *in = p;
	char *out;
	size_t i;

	if (n > SIZE_MAX / 2 - 1)
		return NULL;
	out = xh_alloc(a, 2 * n + 1);
	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	return out;
}
