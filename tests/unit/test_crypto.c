/*
 * test_crypto.c: base64 (RFC 4648 vectors and strictness), SHA-256,
 * HMAC-SHA256 (RFC 4231), constant-time compare, sealing and key files.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "unit.h"

static struct xh_arena *A;

static void
setup(void)
{
	A = xh_arena_new();
}

static void
teardown(void)
{
	xh_arena_free(A);
}

/* RFC 4648 section 10. */
static const char *const rfc4648[][2] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

/* The same vector without padding, for base64url. */
static const char *
unpadded(const char *s)
{
	return xh_strndup(A, s, strcspn(s, "="));
}

START_TEST(b64_encode_rfc4648_vectors)
{
	const char *in = rfc4648[_i][0];

	ck_assert_str_eq(xh_b64_encode(A, in, strlen(in)), rfc4648[_i][1]);
}
END_TEST

START_TEST(b64url_encode_rfc4648_vectors_unpadded)
{
	const char *in = rfc4648[_i][0];

	ck_assert_str_eq(xh_b64url_encode(A, in, strlen(in)), unpadded(rfc4648[_i][1]));
}
END_TEST

START_TEST(b64_decode_rfc4648_vectors)
{
	const char *enc = rfc4648[_i][1];
	unsigned char *out = NULL;
	size_t n = 99;

	ck_assert_int_eq(xh_b64_decode(A, enc, strlen(enc), &out, &n), XH_OK);
	ck_assert_uint_eq(n, strlen(rfc4648[_i][0]));
	ck_assert_str_eq((char *)out, rfc4648[_i][0]);
}
END_TEST

START_TEST(b64url_decode_accepts_padded_and_unpadded)
{
	const char *enc = rfc4648[_i][1], *bare = unpadded(enc);
	unsigned char *out = NULL;
	size_t n = 0;

	ck_assert_int_eq(xh_b64url_decode(A, enc, strlen(enc), &out, &n), XH_OK);
	ck_assert_str_eq((char *)out, rfc4648[_i][0]);
	ck_assert_int_eq(xh_b64url_decode(A, bare, strlen(bare), &out, &n), XH_OK);
	ck_assert_str_eq((char *)out, rfc4648[_i][0]);
	ck_assert_uint_eq(n, strlen(rfc4648[_i][0]));
}
END_TEST

START_TEST(b64_alphabets_differ_in_two_chars)
{
	static const unsigned char raw[] = {0xfb, 0xff};
	unsigned char *out;
	size_t n;

	ck_assert_str_eq(xh_b64_encode(A, raw, 2), "+/8=");
	ck_assert_str_eq(xh_b64url_encode(A, raw, 2), "-_8");
	ck_assert_int_eq(xh_b64_decode(A, "-_8=", 4, &out, &n), XH_ERR_INVAL);
	ck_assert_int_eq(xh_b64url_decode(A, "+/8", 3, &out, &n), XH_ERR_INVAL);
	ck_assert_int_eq(xh_b64url_decode(A, "-_8", 3, &out, &n), XH_OK);
	ck_assert_mem_eq(out, raw, 2);
}
END_TEST

/* Inputs both decoders must refuse. */
static const char *const b64_bad[] = {
    "Zm9v!A==", /* character outside the alphabet */
    "Zm 9v",    /* space */
    "Zm9v\n",   /* newline */
    "Zg=a",     /* data after padding */
    "=Zg=",     /* padding first */
    "Zg===",    /* three pad characters */
    "Z===",     /* a single data character */
    "Zm8==",    /* too much padding */
    "Zh==",     /* non-zero trailing bits (1 byte) */
    "Zm9=",     /* non-zero trailing bits (2 bytes) */
    "Z",        /* one character cannot encode a byte */
    "Zm9vY",    /* ditto after a full group */
    "Zm9vYg=",  /* padding short of a multiple of 4 */
};

START_TEST(b64_decode_rejects_malformed)
{
	const char *s = b64_bad[_i];
	unsigned char *out = NULL;
	size_t n = 0;

	ck_assert_int_eq(xh_b64_decode(A, s, strlen(s), &out, &n), XH_ERR_INVAL);
	ck_assert_int_eq(xh_b64url_decode(A, s, strlen(s), &out, &n), XH_ERR_INVAL);
}
END_TEST

START_TEST(b64_decode_requires_padding)
{
	unsigned char *out;
	size_t n;

	ck_assert_int_eq(xh_b64_decode(A, "Zm8", 3, &out, &n), XH_ERR_INVAL);
	ck_assert_int_eq(xh_b64_decode(A, "Zg", 2, &out, &n), XH_ERR_INVAL);
}
END_TEST

START_TEST(b64_decode_stops_at_len_not_nul)
{
	unsigned char *out;
	size_t n;

	ck_assert_int_eq(xh_b64_decode(A, "Zm9vJUNK", 4, &out, &n), XH_OK);
	ck_assert_str_eq((char *)out, "foo");
	ck_assert_int_eq(xh_b64_decode(A, "Zm9v\0AAA", 8, &out, &n), XH_ERR_INVAL);
}
END_TEST

START_TEST(b64_round_trips_binary)
{
	unsigned char raw[256], *out;
	size_t i, n;
	char *enc;

	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(255 - i);
	for (i = 0; i <= sizeof(raw); i += 37) {
		enc = xh_b64_encode(A, raw, i);
		ck_assert_int_eq(xh_b64_decode(A, enc, strlen(enc), &out, &n), XH_OK);
		ck_assert_uint_eq(n, i);
		ck_assert(i == 0 || memcmp(out, raw, i) == 0);
		enc = xh_b64url_encode(A, raw, i);
		ck_assert_int_eq(xh_b64url_decode(A, enc, strlen(enc), &out, &n), XH_OK);
		ck_assert_uint_eq(n, i);
		ck_assert(i == 0 || memcmp(out, raw, i) == 0);
	}
}
END_TEST

/* Decodes hex test-vector text into bytes. */
static unsigned char *
unhex(const char *h, size_t *n)
{
	unsigned char *out;
	size_t i;

	*n = strlen(h) / 2;
	out = xh_alloc(A, *n + 1);
	for (i = 0; i < *n; i++) {
		unsigned int v;

		ck_assert_int_eq(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
	return out;
}

/* RFC 4231 cases 1-7: key (hex or repeated byte), data, expected HMAC. */
static const struct {
	unsigned char fill; /* key byte, repeated klen times; 0: key is hex */
	size_t klen;
	const char *keyhex, *data, *mac;
} rfc4231[] = {
    {0x0b, 20, NULL, "Hi There",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
    {0, 0, "4a656665", "what do ya want for nothing?",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    {0xaa, 20, NULL, NULL, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
    {0, 0, "0102030405060708090a0b0c0d0e0f10111213141516171819", NULL,
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
    {0x0c, 20, NULL, "Test With Truncation", "a3b6167473100ee06e0c796c2955552b"},
    {0xaa, 131, NULL, "Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
    {0xaa, 131, NULL,
     "This is a test using a larger than block-size key and a larger than block-size data. "
     "The key needs to be hashed before being used by the HMAC algorithm.",
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
};

START_TEST(hmac_sha256_rfc4231)
{
	unsigned char key[256], data[64], mac[XH_SHA256_LEN];
	const unsigned char *k = key, *d = (const unsigned char *)rfc4231[_i].data;
	size_t klen = rfc4231[_i].klen, dlen;
	const char *want = rfc4231[_i].mac;

	memset(key, rfc4231[_i].fill, sizeof(key));
	if (rfc4231[_i].keyhex != NULL)
		k = unhex(rfc4231[_i].keyhex, &klen);
	if (d != NULL) {
		dlen = strlen((const char *)d);
	} else { /* cases 3 and 4: 50 bytes of 0xdd or 0xcd */
		dlen = 50;
		memset(data, _i == 2 ? 0xdd : 0xcd, dlen);
		d = data;
	}
	xh_hmac_sha256(k, klen, d, dlen, mac);
	/* case 5 is truncated to 128 bits */
	ck_assert_str_eq(xh_hex(A, mac, strlen(want) / 2), want);
}
END_TEST

START_TEST(sha256_abc_and_empty)
{
	unsigned char h[XH_SHA256_LEN];

	xh_sha256("abc", 3, h);
	ck_assert_str_eq(xh_hex(A, h, sizeof(h)),
	                 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	xh_sha256(NULL, 0, h);
	ck_assert_str_eq(xh_hex(A, h, sizeof(h)),
	                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
END_TEST

START_TEST(ct_equal_compares_length_then_bytes)
{
	ck_assert_int_eq(xh_ct_equal("abc", 3, "abc", 3), 1);
	ck_assert_int_eq(xh_ct_equal("abc", 3, "abd", 3), 0);
	ck_assert_int_eq(xh_ct_equal("abc", 3, "abcd", 4), 0);
	ck_assert_int_eq(xh_ct_equal("abcd", 3, "abcX", 3), 1);
	ck_assert_int_eq(xh_ct_equal("", 0, "", 0), 1);
	ck_assert_int_eq(xh_ct_equal("", 0, "a", 1), 0);
}
END_TEST

START_TEST(random_token_is_b64url_and_unique)
{
	char *t1 = xh_random_token(A, 32), *t2 = xh_random_token(A, 32);

	ck_assert_ptr_nonnull(t1);
	ck_assert_uint_eq(strlen(t1), 43);
	ck_assert_uint_eq(
	    strspn(t1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), 43);
	ck_assert_str_ne(t1, t2);
}
END_TEST

/* A fixed test key. */
static struct xh_key
test_key(const char *id, unsigned char fill)
{
	struct xh_key k;

	memset(&k, 0, sizeof(k));
	snprintf(k.id, sizeof(k.id), "%s", id);
	memset(k.bytes, fill, sizeof(k.bytes));
	return k;
}

START_TEST(seal_open_round_trip)
{
	struct xh_key k = test_key("k1", 7);
	struct xh_buf s, p;

	xh_buf_init(&s);
	xh_buf_init(&p);
	ck_assert_int_eq(xh_seal(&k, "refresh-token", 13, "credential:1", 12, &s), XH_OK);
	ck_assert_uint_eq(s.len, XH_SEAL_OVERHEAD + 13);
	ck_assert_int_eq((unsigned char)s.data[0], XH_SEAL_VERSION);
	ck_assert(memmem(s.data, s.len, "refresh-token", 13) == NULL);
	ck_assert_int_eq(xh_open(&k, s.data, s.len, "credential:1", 12, &p), XH_OK);
	ck_assert_uint_eq(p.len, 13);
	ck_assert_str_eq(p.data, "refresh-token");
	xh_buf_free(&s);
	xh_buf_free(&p);
}
END_TEST

START_TEST(seal_empty_plaintext)
{
	struct xh_key k = test_key("k1", 7);
	struct xh_buf s, p;

	xh_buf_init(&s);
	xh_buf_init(&p);
	ck_assert_int_eq(xh_seal(&k, NULL, 0, NULL, 0, &s), XH_OK);
	ck_assert_uint_eq(s.len, XH_SEAL_OVERHEAD);
	ck_assert_int_eq(xh_open(&k, s.data, s.len, NULL, 0, &p), XH_OK);
	ck_assert_uint_eq(p.len, 0);
	xh_buf_free(&s);
	xh_buf_free(&p);
}
END_TEST

START_TEST(seal_uses_fresh_nonce)
{
	struct xh_key k = test_key("k1", 7);
	struct xh_buf s1, s2;

	xh_buf_init(&s1);
	xh_buf_init(&s2);
	ck_assert_int_eq(xh_seal(&k, "same", 4, "aad", 3, &s1), XH_OK);
	ck_assert_int_eq(xh_seal(&k, "same", 4, "aad", 3, &s2), XH_OK);
	ck_assert_uint_eq(s1.len, s2.len);
	ck_assert(memcmp(s1.data + 1, s2.data + 1, XH_GCM_NONCE) != 0);
	xh_buf_free(&s1);
	xh_buf_free(&s2);
}
END_TEST

/* Byte offsets to flip: version, nonce, ciphertext, tag. */
static const size_t tamper_at[] = {0, 1, 1 + XH_GCM_NONCE, 1 + XH_GCM_NONCE + 5};

START_TEST(open_detects_tampering)
{
	struct xh_key k = test_key("k1", 7);
	struct xh_buf s, p;

	xh_buf_init(&s);
	xh_buf_init(&p);
	ck_assert_int_eq(xh_seal(&k, "hello", 5, "aad", 3, &s), XH_OK);
	s.data[tamper_at[_i]] ^= 0x01;
	ck_assert_int_eq(xh_open(&k, s.data, s.len, "aad", 3, &p), XH_ERR_CRYPTO);
	ck_assert_uint_eq(p.len, 0);
	xh_buf_free(&s);
	xh_buf_free(&p);
}
END_TEST

START_TEST(open_rejects_truncated_blob)
{
	struct xh_key k = test_key("k1", 7);
	struct xh_buf s, p;

	xh_buf_init(&s);
	xh_buf_init(&p);
	ck_assert_int_eq(xh_seal(&k, "hello", 5, NULL, 0, &s), XH_OK);
	ck_assert_int_eq(xh_open(&k, s.data, s.len - 1, NULL, 0, &p), XH_ERR_CRYPTO);
	ck_assert_int_eq(xh_open(&k, s.data, XH_SEAL_OVERHEAD - 1, NULL, 0, &p), XH_ERR_CRYPTO);
	xh_buf_free(&s);
	xh_buf_free(&p);
}
END_TEST

START_TEST(open_rejects_wrong_aad)
{
	struct xh_key k = test_key("k1", 7);
	struct xh_buf s, p;

	xh_buf_init(&s);
	xh_buf_init(&p);
	ck_assert_int_eq(xh_seal(&k, "hello", 5, "credential:1", 12, &s), XH_OK);
	ck_assert_int_eq(xh_open(&k, s.data, s.len, "credential:2", 12, &p), XH_ERR_CRYPTO);
	ck_assert_int_eq(xh_open(&k, s.data, s.len, NULL, 0, &p), XH_ERR_CRYPTO);
	xh_buf_free(&s);
	xh_buf_free(&p);
}
END_TEST

START_TEST(open_rejects_wrong_key_id)
{
	struct xh_key k1 = test_key("k1", 7), k2 = test_key("k2", 7);
	struct xh_buf s, p;

	xh_buf_init(&s);
	xh_buf_init(&p);
	ck_assert_int_eq(xh_seal(&k1, "hello", 5, "aad", 3, &s), XH_OK);
	ck_assert_int_eq(xh_open(&k2, s.data, s.len, "aad", 3, &p), XH_ERR_CRYPTO);
	xh_buf_free(&s);
	xh_buf_free(&p);
}
END_TEST

START_TEST(open_rejects_wrong_key)
{
	struct xh_key k1 = test_key("k1", 7), k2 = test_key("k1", 8);
	struct xh_buf s, p;

	xh_buf_init(&s);
	xh_buf_init(&p);
	ck_assert_int_eq(xh_seal(&k1, "hello", 5, "aad", 3, &s), XH_OK);
	ck_assert_int_eq(xh_open(&k2, s.data, s.len, "aad", 3, &p), XH_ERR_CRYPTO);
	xh_buf_free(&s);
	xh_buf_free(&p);
}
END_TEST

/* Writes content to a new temporary file with the given mode; returns its path. */
static char *
key_file(const char *content, mode_t mode)
{
	char *path = xh_strdup(A, "/tmp/xh-test-keys-XXXXXX");
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

#define KEY_A "xhk1:old:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
#define KEY_B "xhk1:cur-2://////////////////////////////////////////8=\n"

START_TEST(keyring_loads_keys_in_order)
{
	char *path = key_file("# master keys\n\n" KEY_B "  " KEY_A, 0600);
	struct xh_keyring kr;
	const struct xh_key *k;
	char err[256] = "";

	ck_assert_int_eq(xh_keyring_load(path, &kr, err, sizeof(err)), XH_OK);
	ck_assert_uint_eq(kr.n, 2);
	ck_assert_str_eq(kr.keys[0].id, "cur-2");
	ck_assert_int_eq(kr.keys[0].bytes[0], 0xff);
	k = xh_keyring_find(&kr, "old");
	ck_assert_ptr_eq(k, &kr.keys[1]);
	ck_assert_int_eq(k->bytes[31], 0);
	ck_assert_ptr_null(xh_keyring_find(&kr, "nope"));
	xh_keyring_free(&kr);
	ck_assert_ptr_null(kr.keys);
	ck_assert_uint_eq(kr.n, 0);
	unlink(path);
}
END_TEST

/* Bad key files and the part of the message that must name the problem. */
static const struct {
	const char *content;
	const char *msg;
} bad_key_files[] = {
    {KEY_A "# ok\nxhk2:x:AAAA\n", ":3: expected xhk1"},
    {"xhk1:k1:AAAA\n", ":1: key must be standard base64 of 32 bytes"},
    {"xhk1:k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", ":1: key must be"},
    {"xhk1:bad/id:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", ":1: key id"},
    {"xhk1::AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", ":1: key id"},
    {"xhk1:k1\n", ":1: expected xhk1"},
    {KEY_A KEY_A, ":2: duplicate key id old"},
    {"# nothing\n", ": no keys"},
};

START_TEST(keyring_rejects_bad_file)
{
	char *path = key_file(bad_key_files[_i].content, 0600);
	struct xh_keyring kr;
	char err[256] = "";

	ck_assert_int_eq(xh_keyring_load(path, &kr, err, sizeof(err)), XH_ERR_CONFIG);
	ck_assert_msg(strstr(err, bad_key_files[_i].msg) != NULL, "message: %s", err);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "message: %s", err);
	ck_assert_ptr_null(kr.keys);
	ck_assert_uint_eq(kr.n, 0);
	unlink(path);
}
END_TEST

static const mode_t loose_modes[] = {0640, 0604, 0620, 0601};

START_TEST(keyring_refuses_group_or_other_access)
{
	char *path = key_file(KEY_A, loose_modes[_i]);
	struct xh_keyring kr;
	char err[256] = "";

	ck_assert_int_eq(xh_keyring_load(path, &kr, err, sizeof(err)), XH_ERR_CONFIG);
	ck_assert_msg(strstr(err, "group or others") != NULL, "message: %s", err);
	ck_assert_msg(strstr(err, "chmod 600") != NULL, "message: %s", err);
	unlink(path);
}
END_TEST

START_TEST(keyring_missing_file_is_io_error)
{
	struct xh_keyring kr;
	char err[256] = "";

	ck_assert_int_eq(xh_keyring_load("/nonexistent/master.key", &kr, err, sizeof(err)),
	                 XH_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/master.key: cannot open"));
}
END_TEST

START_TEST(key_generate_format_reload)
{
	struct xh_key k1, k2;
	struct xh_keyring kr;
	struct xh_buf s, p;
	char err[256] = "", *path, *text;

	xh_buf_init(&s);
	xh_buf_init(&p);
	ck_assert_int_eq(xh_key_generate(&k1, "2026-01"), XH_OK);
	ck_assert_int_eq(xh_key_generate(&k2, "old"), XH_OK);
	ck_assert(memcmp(k1.bytes, k2.bytes, XH_KEY_LEN) != 0);
	text = xh_printf(A, "%s%s", xh_key_format(A, &k1), xh_key_format(A, &k2));
	ck_assert_int_eq(strncmp(text, "xhk1:2026-01:", 13), 0);
	path = key_file(text, 0600);
	ck_assert_int_eq(xh_keyring_load(path, &kr, err, sizeof(err)), XH_OK);
	ck_assert_uint_eq(kr.n, 2);
	ck_assert_str_eq(kr.keys[0].id, "2026-01");
	ck_assert_mem_eq(kr.keys[0].bytes, k1.bytes, XH_KEY_LEN);
	ck_assert_int_eq(xh_seal(&k2, "x", 1, NULL, 0, &s), XH_OK);
	ck_assert_int_eq(xh_open(xh_keyring_find(&kr, "old"), s.data, s.len, NULL, 0, &p), XH_OK);
	xh_keyring_free(&kr);
	xh_buf_free(&s);
	xh_buf_free(&p);
	unlink(path);
}
END_TEST

START_TEST(key_generate_rejects_bad_id)
{
	struct xh_key k;

	ck_assert_int_eq(xh_key_generate(&k, ""), XH_ERR_INVAL);
	ck_assert_int_eq(xh_key_generate(&k, "a/b"), XH_ERR_INVAL);
	ck_assert_int_eq(xh_key_generate(&k, "a:b"), XH_ERR_INVAL);
	ck_assert_int_eq(xh_key_generate(&k, "123456789012345678901234567890123"), XH_ERR_INVAL);
	ck_assert_int_eq(xh_key_generate(&k, "12345678901234567890123456789012"), XH_OK);
}
END_TEST

/* Adds one test case holding test t, with the arena fixture. */
static void
add(Suite *s, const char *name, const TTest *t, int loop_end)
{
	unit_add(s, name, t, loop_end, setup, teardown);
}

START_TEST(arena_wipe_clears_every_allocation)
{
	struct xh_arena *a = xh_arena_new();
	char *small = xh_strdup(a, "Bearer secret-token-value");
	char *big = xh_alloc(a, 100000); /* a chunk of its own */
	char *after;

	memset(big, 'k', 100000);
	after = xh_printf(a, "refresh_token=%s", "r-123");
	xh_arena_wipe(a);
	for (size_t i = 0; i < sizeof("Bearer secret-token-value"); i++)
		ck_assert_int_eq(small[i], 0);
	for (size_t i = 0; i < 100000; i++)
		ck_assert_int_eq(big[i], 0);
	ck_assert_int_eq(after[0], 0);
	ck_assert_str_eq(xh_strdup(a, "still usable"), "still usable");
	xh_arena_free_wipe(a);
	xh_arena_wipe(NULL);
	xh_arena_free_wipe(NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("crypto");

	add(s, "b64_encode", b64_encode_rfc4648_vectors, (int)XH_NELEM(rfc4648));
	add(s, "b64url_encode", b64url_encode_rfc4648_vectors_unpadded, (int)XH_NELEM(rfc4648));
	add(s, "b64_decode", b64_decode_rfc4648_vectors, (int)XH_NELEM(rfc4648));
	add(s, "b64url_decode", b64url_decode_accepts_padded_and_unpadded, (int)XH_NELEM(rfc4648));
	add(s, "b64_alphabets", b64_alphabets_differ_in_two_chars, 0);
	add(s, "b64_bad", b64_decode_rejects_malformed, (int)XH_NELEM(b64_bad));
	add(s, "b64_padding", b64_decode_requires_padding, 0);
	add(s, "b64_len", b64_decode_stops_at_len_not_nul, 0);
	add(s, "b64_round_trip", b64_round_trips_binary, 0);
	add(s, "hmac", hmac_sha256_rfc4231, (int)XH_NELEM(rfc4231));
	add(s, "sha256", sha256_abc_and_empty, 0);
	add(s, "ct_equal", ct_equal_compares_length_then_bytes, 0);
	add(s, "token", random_token_is_b64url_and_unique, 0);
	add(s, "seal", seal_open_round_trip, 0);
	add(s, "seal_empty", seal_empty_plaintext, 0);
	add(s, "seal_nonce", seal_uses_fresh_nonce, 0);
	add(s, "tamper", open_detects_tampering, (int)XH_NELEM(tamper_at));
	add(s, "truncated", open_rejects_truncated_blob, 0);
	add(s, "wrong_aad", open_rejects_wrong_aad, 0);
	add(s, "wrong_key_id", open_rejects_wrong_key_id, 0);
	add(s, "wrong_key", open_rejects_wrong_key, 0);
	add(s, "keyring", keyring_loads_keys_in_order, 0);
	add(s, "keyring_bad", keyring_rejects_bad_file, (int)XH_NELEM(bad_key_files));
	add(s, "keyring_mode", keyring_refuses_group_or_other_access, (int)XH_NELEM(loose_modes));
	add(s, "keyring_missing", keyring_missing_file_is_io_error, 0);
	add(s, "key_round_trip", key_generate_format_reload, 0);
	add(s, "key_id", key_generate_rejects_bad_id, 0);
	add(s, "arena_wipe", arena_wipe_clears_every_allocation, 0);
	return unit_run(s);
}
