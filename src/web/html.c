/*
 * html.c: HTML escaping for text and attribute values. Everything a page
 * shows from a vendor or a user goes through here (via the template
 * engine's {{x}}), so hostile strings cannot become markup, and bytes that
 * are not UTF-8 cannot confuse the browser's decoder.
 */
#include <string.h>

#include "template.h"

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if it is not one. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates, and past U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void
web_html_escape_n(struct xh_buf *out, const char *s, size_t n)
{
	static const char *const ent[128] = {
	    ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;",
	};
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	size_t len;

	while (p < end) {
		len = *p == 0 ? 0 : utf8_len(p, (size_t)(end - p));
		if (len == 0) {
			xh_buf_puts(out, "\xef\xbf\xbd"); /* U+FFFD */
			p++;
		} else if (len == 1 && ent[*p] != NULL) {
			xh_buf_puts(out, ent[*p]);
			p++;
		} else {
			xh_buf_append(out, p, len);
			p += len;
		}
	}
}

/* 1 if s[0..n) is valid UTF-8 without NUL bytes (form input the database can take). */
int
web_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	size_t len;

	for (; p < end; p += len)
		if (*p == 0 || (len = utf8_len(p, (size_t)(end - p))) == 0)
			return 0;
	return 1;
}
