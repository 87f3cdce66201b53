/*
 * form.c: percent-decoding, query strings and application/x-www-form-urlencoded
 * bodies, and the Cookie header. Everything is decoded into the request
 * arena; every length is checked against the limits in web.h.
 */
#include <string.h>

#include "web.h"

/* Value of a hex digit, or -1. */
static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes %XX escapes (and '+' as space when plus_is_space) of s[0..len)
 * into a NUL-terminated arena string. XH_ERR_INVAL for a truncated or
 * non-hex escape, or an escape that decodes to NUL.
 */
enum xh_err
web_pct_decode(struct xh_arena *a, const char *s, size_t len, int plus_is_space, char **out,
               size_t *outlen)
{
	char *d = xh_alloc(a, len + 1);
	size_t i, n = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '\0')
			return XH_ERR_INVAL;
		if (s[i] == '+' && plus_is_space) {
			d[n++] = ' ';
			continue;
		}
		if (s[i] != '%') {
			d[n++] = s[i];
			continue;
		}
		if (len - i < 3)
			return XH_ERR_INVAL;
		hi = hexval((unsigned char)s[i + 1]);
		lo = hexval((unsigned char)s[i + 2]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return XH_ERR_INVAL;
		d[n++] = (char)(hi * 16 + lo);
		i += 2;
	}
	d[n] = '\0';
	*out = d;
	if (outlen != NULL)
		*outlen = n;
	return XH_OK;
}

/* Appends a pair (pointers are kept, not copied), growing the list in the arena. */
void
web_kv_add(struct xh_arena *a, struct web_kvlist *l, const char *key, const char *val,
           size_t val_len)
{
	struct web_kv *nv;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		nv = xh_alloc(a, l->cap * sizeof(*nv));
		if (l->n > 0)
			memcpy(nv, l->v, l->n * sizeof(*nv));
		l->v = nv;
	}
	l->v[l->n].key = key;
	l->v[l->n].val = val;
	l->v[l->n].val_len = val_len;
	l->n++;
}

/* The first value for key, or NULL. */
const char *
web_kv_get(const struct web_kvlist *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			return l->v[i].val;
	return NULL;
}

/* How many times key occurs. */
size_t
web_kv_count(const struct web_kvlist *l, const char *key)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			n++;
	return n;
}

/*
 * Decodes one "key=value" (or bare "key") segment and appends it. A segment
 * with an empty key is ignored. XH_ERR_INVAL for bad escapes, XH_ERR_TOOBIG
 * over the key, value or pair-count limits.
 */
static enum xh_err
form_pair(struct xh_arena *a, const char *seg, size_t len, struct web_kvlist *out)
{
	const char *eq = memchr(seg, '=', len);
	size_t klen = eq ? (size_t)(eq - seg) : len;
	size_t vraw = eq ? len - klen - 1 : 0;
	char *key, *val;
	size_t kdec, vdec;
	enum xh_err err;

	if (klen > 3 * (size_t)WEB_FORM_MAX_KEY || vraw > 3 * (size_t)WEB_FORM_MAX_VALUE)
		return XH_ERR_TOOBIG;
	if ((err = web_pct_decode(a, seg, klen, 1, &key, &kdec)) != XH_OK)
		return err;
	if ((err = web_pct_decode(a, eq ? eq + 1 : "", vraw, 1, &val, &vdec)) != XH_OK)
		return err;
	if (kdec > WEB_FORM_MAX_KEY || vdec > WEB_FORM_MAX_VALUE)
		return XH_ERR_TOOBIG;
	if (kdec == 0)
		return XH_OK;
	if (out->n >= WEB_FORM_MAX_PAIRS)
		return XH_ERR_TOOBIG;
	web_kv_add(a, out, key, val, vdec);
	return XH_OK;
}

/*
 * Parses a query string or urlencoded body s[0..len) and appends its pairs
 * to out in order. Empty segments ("a=1&&b=2") are skipped; "flag" with no
 * '=' is the pair flag="". XH_ERR_INVAL for a bad escape or a NUL,
 * XH_ERR_TOOBIG over a limit; out then holds the pairs before the error.
 */
enum xh_err
web_form_parse(struct xh_arena *a, const char *s, size_t len, struct web_kvlist *out)
{
	size_t start = 0, end;
	const char *amp;
	enum xh_err err;

	while (start < len) {
		amp = memchr(s + start, '&', len - start);
		end = amp ? (size_t)(amp - s) : len;
		if (end > start && (err = form_pair(a, s + start, end - start, out)) != XH_OK)
			return err;
		start = end + 1;
	}
	return XH_OK;
}

/* Trims spaces and tabs from both ends of s[*b..*e). */
static void
trim_ows(const char *s, size_t *b, size_t *e)
{
	while (*b < *e && (s[*b] == ' ' || s[*b] == '\t'))
		(*b)++;
	while (*e > *b && (s[*e - 1] == ' ' || s[*e - 1] == '\t'))
		(*e)--;
}

/* 1 if s[0..n) holds a control character. */
static int
has_ctl(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

/*
 * Parses one cookie-pair s[0..len) (RFC 6265 section 5.2): trims spaces
 * around the name and value and one pair of surrounding double quotes.
 * Pairs without '=', with an empty name or with control characters are
 * ignored. XH_ERR_TOOBIG over the name, value or count limits.
 */
static enum xh_err
cookie_pair(struct xh_arena *a, const char *s, size_t len, struct web_kvlist *out)
{
	const char *eq = memchr(s, '=', len);
	size_t nb = 0, ne, vb, ve = len;

	if (eq == NULL)
		return XH_OK;
	ne = (size_t)(eq - s);
	vb = ne + 1;
	trim_ows(s, &nb, &ne);
	trim_ows(s, &vb, &ve);
	if (ve - vb >= 2 && s[vb] == '"' && s[ve - 1] == '"') {
		vb++;
		ve--;
	}
	if (ne == nb || has_ctl(s + nb, ne - nb) || has_ctl(s + vb, ve - vb))
		return XH_OK;
	if (ne - nb > WEB_COOKIE_MAX_NAME || ve - vb > WEB_COOKIE_MAX_VALUE)
		return XH_ERR_TOOBIG;
	if (out->n >= WEB_COOKIE_MAX_COUNT)
		return XH_ERR_TOOBIG;
	web_kv_add(a, out, xh_strndup(a, s + nb, ne - nb), xh_strndup(a, s + vb, ve - vb), ve - vb);
	return XH_OK;
}

/*
 * Parses a Cookie header ("a=1; b=2") and appends the pairs to out in the
 * order sent; duplicates are kept (web_kv_get returns the first, which the
 * browser sends for the most specific path). Values are not percent-decoded.
 * XH_ERR_TOOBIG over a limit.
 */
enum xh_err
web_cookie_parse(struct xh_arena *a, const char *s, struct web_kvlist *out)
{
	size_t len = strlen(s), start = 0, end;
	const char *semi;
	enum xh_err err;

	while (start < len) {
		semi = memchr(s + start, ';', len - start);
		end = semi ? (size_t)(semi - s) : len;
		if ((err = cookie_pair(a, s + start, end - start, out)) != XH_OK)
			return err;
		start = end + 1;
	}
	return XH_OK;
}
