/*
 * fuzz_log.c: the log line formatter on arbitrary values (vendor error
 * messages and request fields end up there), through the token redaction
 * and the cut at any buffer size. Every line must be exactly one line,
 * end in "\n", keep its quotes balanced (a cut value is closed), and
 * never show a "Bearer" credential.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts unless line (n bytes) is one well-formed line. */
static void
check_line(const char *line, size_t n)
{
	int open = 0;

	if (n == 0 || line[n - 1] != '\n' || memchr(line, '\n', n - 1) != NULL)
		abort();
	for (size_t i = 0; i + 1 < n; i++) {
		if (line[i] == '\\' && open)
			i++;
		else if (line[i] == '"')
			open = !open;
	}
	if (open)
		abort();
}

/* Aborts if a "bearer <credential>" survived outside "[redacted]". */
static void
check_bearer(const char *line)
{
	for (const char *p = line; (p = strcasestr(p, "bearer ")) != NULL; p++) {
		const char *q = p + 7;

		while (*q == ' ')
			q++;
		if ((p == line || p[-1] == ' ' || p[-1] == '"') &&
		    ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		     (*q >= '0' && *q <= '9')))
			abort();
	}
}

/* Runs check_bearer on the msg value only (up to the last " next="). */
static void
check_value(char *line)
{
	char *msg = strstr(line, " msg="), *end = NULL;

	for (char *p = msg; p != NULL && (p = strstr(p + 1, " next=")) != NULL;)
		end = p;
	if (msg == NULL || end == NULL)
		return; /* cut before the next field */
	*end = '\0';
	check_bearer(msg + 5);
	*end = ' ';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[9000];
	char *val;
	const char *kv[5];
	size_t cap, n;

	if (size < 2)
		return 0;
	cap = 6 + ((size_t)data[0] << 8 | data[1]) % (sizeof(line) - 6);
	val = malloc(size - 1);
	if (val == NULL)
		return 0;
	memcpy(val, data + 2, size - 2);
	val[size - 2] = '\0';
	kv[0] = "msg", kv[1] = val, kv[2] = "next", kv[3] = "x y", kv[4] = NULL;
	n = xh_log_format(line, cap, XH_LOG_INFO, "fuzz", kv);
	if (n >= cap)
		abort();
	check_line(line, n);
	check_value(line);
	free(val);
	return 0;
}
