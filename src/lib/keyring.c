/*
 * keyring.c: the master key file ("xhk1:<id>:<base64>" lines), key
 * generation and formatting. Key bytes are wiped before memory is freed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "crypto.h"

#define KEY_LINE_MAX 256
#define KEY_PREFIX   "xhk1:"

/* 1 if the n bytes at id are a valid key id: [A-Za-z0-9_-]{1,32}. */
static int
key_id_valid(const char *id, size_t n)
{
	size_t i;
	char c;

	if (n == 0 || n > XH_KEY_ID_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* Parses one trimmed key line into k. Returns NULL, or the reason it is bad. */
static const char *
key_parse_line(const char *line, struct xh_key *k)
{
	const char *id, *colon, *reason = NULL;
	unsigned char *raw = NULL;
	struct xh_arena *a;
	size_t rawlen = 0;

	if (strncmp(line, KEY_PREFIX, strlen(KEY_PREFIX)) != 0)
		return "expected xhk1:<id>:<base64 key>";
	id = line + strlen(KEY_PREFIX);
	colon = strchr(id, ':');
	if (colon == NULL)
		return "expected xhk1:<id>:<base64 key>";
	if (!key_id_valid(id, (size_t)(colon - id)))
		return "key id must be 1 to 32 of [A-Za-z0-9_-]";
	a = xh_arena_new();
	if (xh_b64_decode(a, colon + 1, strlen(colon + 1), &raw, &rawlen) != XH_OK ||
	    rawlen != XH_KEY_LEN) {
		reason = "key must be standard base64 of 32 bytes";
	} else {
		memcpy(k->bytes, raw, XH_KEY_LEN);
		memcpy(k->id, id, (size_t)(colon - id));
		k->id[colon - id] = '\0';
	}
	if (raw != NULL)
		OPENSSL_cleanse(raw, rawlen);
	xh_arena_free(a);
	return reason;
}

/* Appends k to the ring, wiping the old array rather than realloc'ing it. */
static void
kr_push(struct xh_keyring *kr, const struct xh_key *k)
{
	struct xh_key *keys;

	keys = xh_xcalloc(kr->n + 1, sizeof(*keys));
	if (kr->n > 0)
		memcpy(keys, kr->keys, kr->n * sizeof(*keys));
	keys[kr->n] = *k;
	xh_keyring_free(&(struct xh_keyring){kr->keys, kr->n});
	kr->keys = keys;
	kr->n++;
}

/* Removes leading and trailing whitespace in place; returns the start. */
static char *
kr_trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 &&
	       (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* Reads key lines from f into kr. XH_ERR_CONFIG with "path:line: reason". */
static enum xh_err
kr_read(FILE *f, const char *path, struct xh_keyring *kr, char *errbuf, size_t errlen)
{
	char buf[KEY_LINE_MAX], *line;
	enum xh_err err = XH_ERR_CONFIG;
	const char *reason;
	struct xh_key k;
	int lineno = 0;

	while (fgets(buf, sizeof(buf), f) != NULL) {
		lineno++;
		if (strchr(buf, '\n') == NULL && !feof(f)) {
			xh_errf(errbuf, errlen, "%s:%d: line too long", path, lineno);
			goto out;
		}
		line = kr_trim(buf);
		if (*line == '\0' || *line == '#')
			continue;
		if ((reason = key_parse_line(line, &k)) != NULL) {
			xh_errf(errbuf, errlen, "%s:%d: %s", path, lineno, reason);
			goto out;
		}
		if (xh_keyring_find(kr, k.id) != NULL) {
			xh_errf(errbuf, errlen, "%s:%d: duplicate key id %s", path, lineno, k.id);
			goto out;
		}
		kr_push(kr, &k);
	}
	if (ferror(f)) {
		xh_errf(errbuf, errlen, "%s: read error", path);
		err = XH_ERR_IO;
	} else if (kr->n == 0) {
		xh_errf(errbuf, errlen, "%s: no keys", path);
	} else {
		err = XH_OK;
	}
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	OPENSSL_cleanse(&k, sizeof(k));
	return err;
}

/*
 * Loads the key file. XH_ERR_IO if it cannot be opened or read,
 * XH_ERR_CONFIG if it is accessible by group or others or a line is bad.
 */
enum xh_err
xh_keyring_load(const char *path, struct xh_keyring *kr, char *errbuf, size_t errlen)
{
	enum xh_err err = XH_ERR_IO;
	char iobuf[BUFSIZ];
	FILE *f = NULL;
	struct stat st;
	int fd;

	if (path == NULL || kr == NULL)
		return XH_ERR_INVAL;
	kr->keys = NULL;
	kr->n = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		xh_errf(errbuf, errlen, "%s: cannot open: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		xh_errf(errbuf, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		xh_errf(errbuf, errlen,
		        "%s: key file must not be accessible by group or others "
		        "(mode %04o; run chmod 600)",
		        path, (unsigned)(st.st_mode & 07777));
		err = XH_ERR_CONFIG;
		goto out;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		xh_errf(errbuf, errlen, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf)); /* stdio's copy of the keys, wiped below */
	err = kr_read(f, path, kr, errbuf, errlen);
out:
	if (f != NULL)
		fclose(f);
	OPENSSL_cleanse(iobuf, sizeof(iobuf));
	if (fd >= 0)
		close(fd);
	if (err != XH_OK)
		xh_keyring_free(kr);
	return err;
}

void
xh_keyring_free(struct xh_keyring *kr)
{
	if (kr == NULL)
		return;
	if (kr->keys != NULL) {
		OPENSSL_cleanse(kr->keys, kr->n * sizeof(*kr->keys));
		free(kr->keys);
	}
	kr->keys = NULL;
	kr->n = 0;
}

const struct xh_key *
xh_keyring_find(const struct xh_keyring *kr, const char *id)
{
	size_t i;

	if (kr == NULL || id == NULL)
		return NULL;
	for (i = 0; i < kr->n; i++)
		if (strcmp(kr->keys[i].id, id) == 0)
			return &kr->keys[i];
	return NULL;
}

/* XH_ERR_INVAL for a bad id, XH_ERR_CRYPTO if no randomness. */
enum xh_err
xh_key_generate(struct xh_key *k, const char *id)
{
	size_t n;

	if (k == NULL || id == NULL)
		return XH_ERR_INVAL;
	n = strlen(id);
	if (!key_id_valid(id, n))
		return XH_ERR_INVAL;
	memset(k, 0, sizeof(*k));
	memcpy(k->id, id, n);
	if (xh_random_bytes(k->bytes, sizeof(k->bytes)) != XH_OK) {
		OPENSSL_cleanse(k, sizeof(*k));
		return XH_ERR_CRYPTO;
	}
	return XH_OK;
}

char *
xh_key_format(struct xh_arena *a, const struct xh_key *k)
{
	char *b64 = xh_b64_encode(a, k->bytes, sizeof(k->bytes));

	return xh_printf(a, KEY_PREFIX "%s:%s\n", k->id, b64);
}
