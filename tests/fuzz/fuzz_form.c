/*
 * fuzz_form.c: the query string / urlencoded form parser and the percent
 * decoder on arbitrary input. Accepted input must give pairs within the
 * limits and without NUL, re-encoding the pairs must parse back to the
 * same pairs, and the UTF-8 check of form values (web_utf8_valid) must
 * agree with the HTML escaper.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/template.h"
#include "web/web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Appends s[0..n) percent-encoded (everything but unreserved characters). */
static void
encode(struct xh_buf *b, const char *s, size_t n)
{
	static const char unreserved[] = "-._~";
	size_t i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    (c != '\0' && strchr(unreserved, c) != NULL))
			xh_buf_putc(b, (char)c);
		else
			xh_buf_printf(b, "%%%02X", c);
	}
}

/* Aborts unless every pair is within the limits and NUL-free. */
static void
check_pairs(const struct web_kvlist *l)
{
	size_t i, klen;

	if (l->n > WEB_FORM_MAX_PAIRS)
		abort();
	for (i = 0; i < l->n; i++) {
		klen = strlen(l->v[i].key);
		if (klen == 0 || klen > WEB_FORM_MAX_KEY || l->v[i].val_len > WEB_FORM_MAX_VALUE ||
		    strlen(l->v[i].val) != l->v[i].val_len)
			abort();
	}
}

/*
 * Aborts unless the UTF-8 check agrees with the escaper on each value: a
 * value the check accepts is escaped without U+FFFD (unless it had one).
 */
static void
check_utf8(const struct web_kvlist *l)
{
	struct xh_buf b;
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (!web_utf8_valid(l->v[i].val, l->v[i].val_len) ||
		    strstr(l->v[i].val, "\xef\xbf\xbd") != NULL)
			continue;
		xh_buf_init(&b);
		web_html_escape_n(&b, l->v[i].val, l->v[i].val_len);
		if (b.data != NULL && strstr(b.data, "\xef\xbf\xbd") != NULL)
			abort();
		xh_buf_free(&b);
	}
}

/* Re-encodes l and aborts unless it parses back to the same pairs. */
static void
round_trip(struct xh_arena *a, const struct web_kvlist *l)
{
	struct web_kvlist again = {0};
	struct xh_buf b;
	size_t i;

	xh_buf_init(&b);
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			xh_buf_putc(&b, '&');
		encode(&b, l->v[i].key, strlen(l->v[i].key));
		xh_buf_putc(&b, '=');
		encode(&b, l->v[i].val, l->v[i].val_len);
	}
	if (web_form_parse(a, b.data ? b.data : "", b.len, &again) != XH_OK || again.n != l->n)
		abort();
	for (i = 0; i < l->n; i++)
		if (strcmp(again.v[i].key, l->v[i].key) != 0 ||
		    strcmp(again.v[i].val, l->v[i].val) != 0)
			abort();
	xh_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xh_arena *a = xh_arena_new();
	const char *s = (const char *)data;
	struct web_kvlist l = {0};
	char *out;
	size_t n;

	if (web_pct_decode(a, s, size, (int)(size & 1), &out, &n) == XH_OK &&
	    (n > size || strlen(out) != n))
		abort();
	if (web_form_parse(a, s, size, &l) == XH_OK) {
		check_pairs(&l);
		round_trip(a, &l);
		check_utf8(&l);
	}
	xh_arena_free(a);
	return 0;
}
