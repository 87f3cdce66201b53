/*
 * fuzz_audit_filter.c: the audit browser's filter and cursor parser
 * (audit_filter_parse) on arbitrary query strings, and its CSV field
 * writer. An accepted filter holds only values of the documented shapes;
 * a CSV field reads back to the input (with a leading apostrophe when it
 * was defused) and never starts with a formula character.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web/handlers/audit.h"
#include "web/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_set(const char *s, const char *set, size_t max)
{
	if (s != NULL && (strlen(s) == 0 || strlen(s) > max || strspn(s, set) != strlen(s)))
		abort();
}

static void
check_filter(const struct audit_filter *f)
{
	check_set(f->link, "0123456789", 19);
	check_set(f->hubspot_id, "0123456789", 20);
	check_set(f->cur_us, "0123456789", 18);
	check_set(f->cur_id, "0123456789", 19);
	check_set(f->object, "abcdefghijklmnopqrstuvwxyz_", 32);
	check_set(f->action, "abcdefghijklmnopqrstuvwxyz0123456789_.", 64);
	check_set(f->from, "0123456789-", 10);
	check_set(f->to, "0123456789-", 10);
	if ((f->cur_us == NULL) != (f->cur_id == NULL))
		abort();
	if (f->number != NULL &&
	    (strlen(f->number) > AUDIT_NUMBER_MAX || !web_utf8_valid(f->number, strlen(f->number))))
		abort();
}

/* Reads one CSV field back; aborts unless it is in. */
static void
check_csv(const char *in)
{
	struct xh_buf b;
	size_t i = 0, k = 0, n;
	char *out;

	xh_buf_init(&b);
	audit_csv_field(&b, in);
	n = b.len;
	out = malloc(n + 2);
	if (n > 0 && b.data[0] == '"') {
		for (i = 1; i + 1 < n; i++) {
			if (b.data[i] == '"' && b.data[++i] != '"')
				abort();
			out[k++] = b.data[i];
		}
		if (i != n - 1 || b.data[i] != '"')
			abort();
	} else {
		if (n > 0 &&
		    (memchr(b.data, ',', n) || memchr(b.data, '"', n) || memchr(b.data, '\n', n)))
			abort();
		memcpy(out, b.data ? b.data : "", n);
		k = n;
	}
	out[k] = '\0';
	if (strchr("=+-@\t\r", out[0]) != NULL && out[0] != '\0')
		abort();
	if (strcmp(out, in) != 0 && !(out[0] == '\'' && strcmp(out + 1, in) == 0))
		abort();
	free(out);
	xh_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xh_arena *a = xh_arena_new();
	struct web_kvlist q = {0};
	struct audit_filter f;
	char *s = xh_strndup(a, (const char *)data, size);

	if (web_form_parse(a, (const char *)data, size, &q) == XH_OK) {
		if (audit_filter_parse(a, &q, &f) == XH_OK)
			check_filter(&f);
		else if (f.field == NULL || f.error == NULL)
			abort();
		audit_filter_query(a, &q);
	}
	check_csv(s);
	xh_arena_free(a);
	return 0;
}
