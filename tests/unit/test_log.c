/*
 * test_log.c: line format, secret redaction, escaping (one event is one
 * line), request id, level filtering and truncation of the logger.
 */
#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "unit.h"

static FILE *OUT; /* where the logger writes during a test */
static char LINE[16384];

static void
setup(void)
{
	OUT = tmpfile();
	ck_assert_ptr_nonnull(OUT);
	xh_log_open("test", XH_LOG_DEBUG);
	xh_log_set_fd(fileno(OUT));
	xh_log_set_id(NULL);
}

static void
teardown(void)
{
	xh_log_set_fd(2);
	fclose(OUT);
}

/* Everything the logger wrote so far. */
static const char *
captured(void)
{
	size_t n;

	rewind(OUT);
	n = fread(LINE, 1, sizeof(LINE) - 1, OUT);
	LINE[n] = '\0';
	return LINE;
}

/* Number of '\n' in s. */
static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

START_TEST(line_has_logfmt_fields_in_order)
{
	regex_t re;
	const char *line;

	xh_log(XH_LOG_INFO, "db.connect", "host", "localhost", "port", "5432", NULL);
	line = captured();
	ck_assert_int_eq(
	    regcomp(&re,
	            "^ts=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
	            "level=info comp=test pid=[0-9]+ event=db\\.connect host=localhost "
	            "port=5432\n$",
	            REG_EXTENDED | REG_NOSUB),
	    0);
	ck_assert_msg(regexec(&re, line, 0, NULL, 0) == 0, "line: %s", line);
	regfree(&re);
}
END_TEST

START_TEST(format_matches_what_log_writes)
{
	const char *kv[] = {"a", "1", "b", NULL, NULL};
	char buf[512];
	size_t n;

	n = xh_log_format(buf, sizeof(buf), XH_LOG_WARN, "ev", kv);
	ck_assert_uint_eq(n, strlen(buf));
	ck_assert_ptr_nonnull(strstr(buf, " level=warn "));
	ck_assert_ptr_nonnull(strstr(buf, " event=ev a=1 b=\n"));
}
END_TEST

START_TEST(null_value_is_empty)
{
	xh_log(XH_LOG_INFO, "ev", "k", NULL, "z", "1", NULL);
	ck_assert_ptr_nonnull(strstr(captured(), " k= z=1\n"));
}
END_TEST

/* Every exact secret key from the spec, in assorted case. */
static const char *const secret_keys[] = {
    "password",      "passwd",    "secret",        "token",         "access_token",
    "refresh_token", "id_token",  "client_secret", "Authorization", "cookie",
    "Set-Cookie",    "code",      "code_verifier", "api_key",       "key",
    "master_key",    "signature", "session",       "sid",           "csrf",
    "csrf_token",    "PASSWORD",  "Token",
};

START_TEST(exact_secret_keys_are_redacted)
{
	const char *key = secret_keys[_i];
	char want[128];

	xh_log(XH_LOG_INFO, "ev", key, "hunter2", NULL);
	snprintf(want, sizeof(want), " %s=[redacted]\n", key);
	ck_assert_msg(strstr(captured(), want) != NULL, "line: %s", LINE);
	ck_assert_ptr_null(strstr(LINE, "hunter2"));
	ck_assert_int_eq(xh_log_key_is_secret(key), 1);
}
END_TEST

/* Keys secret only by their suffix. */
static const char *const suffix_keys[] = {
    "webhook_secret", "HUBSPOT_CLIENT_SECRET", "xero_token",  "Bearer_Token",
    "db_password",    "DB_PASSWORD",           "signing_key", "Webhook_Key",
};

START_TEST(suffix_secret_keys_are_redacted)
{
	const char *key = suffix_keys[_i];

	xh_log(XH_LOG_INFO, "ev", key, "hunter2", NULL);
	ck_assert_ptr_nonnull(strstr(captured(), "=[redacted]\n"));
	ck_assert_ptr_null(strstr(LINE, "hunter2"));
}
END_TEST

/* Keys that look close to secrets but are not. */
static const char *const plain_keys[] = {
    "user", "monkey", "tokens", "keyboard", "key_id", "codes", "sessions_open", "status_code",
};

START_TEST(plain_keys_are_not_redacted)
{
	xh_log(XH_LOG_INFO, "ev", plain_keys[_i], "visible", NULL);
	ck_assert_ptr_nonnull(strstr(captured(), "=visible\n"));
	ck_assert_int_eq(xh_log_key_is_secret(plain_keys[_i]), 0);
}
END_TEST

/* Values and how they must appear in the line. */
static const char *const escapes[][2] = {
    {"a\nlevel=error", "v=\"a\\nlevel=error\"\n"},
    {"a\rb", "v=\"a\\rb\"\n"},
    {"say \"hi\"", "v=\"say \\\"hi\\\"\"\n"},
    {"back\\slash", "v=\"back\\\\slash\"\n"},
    {"tab\there", "v=\"tab\\there\"\n"},
    {"bell\x07", "v=\"bell\\x07\"\n"},
    {"del\x7f", "v=\"del\\x7f\"\n"},
    {"esc\x1b[31m", "v=\"esc\\x1b[31m\"\n"},
    {"two words", "v=\"two words\"\n"},
    {"a=b", "v=\"a=b\"\n"},
    {"caf\xc3\xa9", "v=caf\xc3\xa9\n"},
};

START_TEST(values_are_escaped_to_one_line)
{
	xh_log(XH_LOG_INFO, "ev", "v", escapes[_i][0], NULL);
	ck_assert_msg(strstr(captured(), escapes[_i][1]) != NULL, "line: %s", LINE);
	ck_assert_int_eq(count_lines(LINE), 1);
}
END_TEST

START_TEST(keys_and_event_are_sanitised)
{
	xh_log(XH_LOG_INFO, "bad event\n", "bad key=\"x\n", "1", NULL);
	ck_assert_msg(strstr(captured(), " event=bad_event_ bad_key__x_=1\n") != NULL, "line: %s",
	              LINE);
	ck_assert_int_eq(count_lines(LINE), 1);
}
END_TEST

START_TEST(id_appears_and_clears)
{
	xh_log_set_id("r-1a2b");
	xh_log(XH_LOG_INFO, "one", NULL);
	xh_log_set_id(NULL);
	xh_log(XH_LOG_INFO, "two", NULL);
	captured();
	ck_assert_ptr_nonnull(strstr(LINE, " id=r-1a2b event=one\n"));
	ck_assert_ptr_null(strstr(strstr(LINE, "event=one\n"), " id="));
}
END_TEST

START_TEST(id_is_escaped)
{
	xh_log_set_id("x\ny");
	xh_log(XH_LOG_INFO, "ev", NULL);
	ck_assert_ptr_nonnull(strstr(captured(), " id=\"x\\ny\" "));
}
END_TEST

START_TEST(levels_below_minimum_are_dropped)
{
	xh_log_open("test", XH_LOG_WARN);
	xh_log(XH_LOG_DEBUG, "debug.ev", NULL);
	xh_log(XH_LOG_INFO, "info.ev", NULL);
	xh_logf(XH_LOG_INFO, "infof.ev", "%d", 1);
	xh_log(XH_LOG_WARN, "warn.ev", NULL);
	xh_log(XH_LOG_ERROR, "error.ev", NULL);
	captured();
	ck_assert_int_eq(count_lines(LINE), 2);
	ck_assert_ptr_null(strstr(LINE, "info"));
	ck_assert_ptr_nonnull(strstr(LINE, "level=warn"));
	ck_assert_ptr_nonnull(strstr(LINE, "level=error"));
}
END_TEST

START_TEST(logf_writes_msg_field)
{
	xh_logf(XH_LOG_ERROR, "job.failed", "attempt %d of %s", 3, "five");
	ck_assert_ptr_nonnull(strstr(captured(), " event=job.failed msg=\"attempt 3 of five\"\n"));
}
END_TEST

START_TEST(long_line_is_truncated)
{
	char *big = malloc(20000);

	memset(big, 'x', 19999);
	big[19999] = '\0';
	xh_log(XH_LOG_INFO, "ev", "v", big, "after", "gone", NULL);
	free(big);
	captured();
	ck_assert_uint_le(strlen(LINE), 8192);
	ck_assert_uint_ge(strlen(LINE), 8000);
	ck_assert_str_eq(LINE + strlen(LINE) - 4, "...\n");
	ck_assert_ptr_null(strstr(LINE, "after"));
	ck_assert_int_eq(count_lines(LINE), 1);
}
END_TEST

START_TEST(truncation_keeps_escapes_whole)
{
	const char *kv[] = {"v",
	                    "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"
	                    "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01",
	                    NULL};
	char buf[120];
	size_t n;

	n = xh_log_format(buf, sizeof(buf), XH_LOG_INFO, "ev", kv);
	ck_assert_uint_lt(n, sizeof(buf));
	ck_assert_str_eq(buf + n - 5, "\"...\n");
	/* the text before the closing quote ends in a whole \x01, never a partial one */
	ck_assert_int_eq(strncmp(buf + n - 9, "\\x01", 4), 0);
}
END_TEST

/* 1 if every '"' of line that is not escaped pairs up: quoted values are closed. */
static int
quotes_balance(const char *line)
{
	int open = 0;

	for (const char *p = line; *p != '\0'; p++) {
		if (*p == '\\' && open && p[1] != '\0')
			p++;
		else if (*p == '"')
			open = !open;
	}
	return !open;
}

START_TEST(a_cut_quoted_value_is_closed)
{
	static const int sizes[] = {60, 61, 62, 63, 64, 65, 80, 97, 120};
	const char *kv[] = {"msg", "a quoted value with spaces \"and quotes\" that is long enough",
	                    NULL};
	char buf[128];
	size_t n;

	n = xh_log_format(buf, (size_t)sizes[_i], XH_LOG_INFO, "ev", kv);
	ck_assert_uint_lt(n, (size_t)sizes[_i]);
	ck_assert_str_eq(buf + n - 4, "...\n");
	ck_assert_msg(quotes_balance(buf), "unbalanced at %d: %s", sizes[_i], buf);
	ck_assert_int_eq(count_lines(buf), 1);
}
END_TEST

static const struct {
	const char *in, *out;
} tokens[] = {
    {"Authorization: Bearer abc.DEF-123_x~+/=", "\"Authorization: Bearer [redacted]\""},
    {"bearer    tok", "\"bearer    [redacted]\""},
    {"Xero answered 401 for Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln now",
     "\"Xero answered 401 for Bearer [redacted] now\""},
    {"token pat-na1-12345678-abcd-ef00 leaked", "\"token [redacted] leaked\""},
    {"(pat-eu1-aaaaaaaabbbb)", "([redacted])"},
    {"eyJhbGciOiJIUzI1NiJ9.eyJhIjoxfQ.sig", "[redacted]"},
    {"eyJhbGciOiJIUzI1NiJ9.eyJhIjoxfQ.", "[redacted]"},
    {"x=eyJa.eyJb.c y", "\"x=[redacted] y\""},
    /* not tokens */
    {"pat-short", "pat-short"},
    {"compat-12345678901", "compat-12345678901"},
    {"eyJonly.onepart", "eyJonly.onepart"},
    {"Bearer", "Bearer"},
    {"Bearer ", "\"Bearer \""},
    {"the bearers went home", "\"the bearers went home\""},
    {"keyJa.b.c", "keyJa.b.c"},
};

START_TEST(token_looking_values_are_redacted_anywhere)
{
	const char *kv[] = {"msg", tokens[_i].in, NULL};
	char buf[512], *v;
	size_t n;

	n = xh_log_format(buf, sizeof(buf), XH_LOG_INFO, "ev", kv);
	ck_assert_uint_gt(n, 0);
	buf[n - 1] = '\0'; /* the newline */
	v = strstr(buf, " msg=");
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v + 5, tokens[_i].out);
}
END_TEST

START_TEST(level_parse)
{
	enum xh_log_level l = XH_LOG_ERROR;

	ck_assert_int_eq(xh_log_level_parse("debug", &l), 0);
	ck_assert_int_eq(l, XH_LOG_DEBUG);
	ck_assert_int_eq(xh_log_level_parse("warn", &l), 0);
	ck_assert_int_eq(l, XH_LOG_WARN);
	ck_assert_int_eq(xh_log_level_parse("error", &l), 0);
	ck_assert_int_eq(l, XH_LOG_ERROR);
	ck_assert_int_eq(xh_log_level_parse("info", &l), 0);
	ck_assert_int_eq(l, XH_LOG_INFO);
	ck_assert_int_eq(xh_log_level_parse("verbose", &l), -1);
	ck_assert_int_eq(xh_log_level_parse("", &l), -1);
	ck_assert_int_eq(xh_log_level_parse(NULL, &l), -1);
	ck_assert_int_eq(l, XH_LOG_INFO);
}
END_TEST

START_TEST(each_event_is_one_write)
{
	char buf[1024];
	int fds[2];
	ssize_t n;

	/* SOCK_SEQPACKET keeps write boundaries: one read returns one write. */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds), 0);
	xh_log_set_fd(fds[1]);
	xh_log(XH_LOG_INFO, "ev", "a", "1", "b", "two words", NULL);
	xh_log_set_fd(fileno(OUT));
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_int_eq(strncmp(buf, "ts=", 3), 0);
	ck_assert_ptr_nonnull(strstr(buf, " a=1 b=\"two words\"\n"));
	ck_assert_int_eq(read(fds[0], buf, sizeof(buf)), 0);
	close(fds[0]);
}
END_TEST

/* Adds one test case holding test t (looped when loop_end > 0). */
static void
add(Suite *s, const char *name, const TTest *t, int loop_end)
{
	unit_add(s, name, t, loop_end, setup, teardown);
}

int
main(void)
{
	Suite *s = suite_create("log");

	add(s, "format", line_has_logfmt_fields_in_order, 0);
	add(s, "format_fn", format_matches_what_log_writes, 0);
	add(s, "null_value", null_value_is_empty, 0);
	add(s, "secret_exact", exact_secret_keys_are_redacted, (int)XH_NELEM(secret_keys));
	add(s, "secret_suffix", suffix_secret_keys_are_redacted, (int)XH_NELEM(suffix_keys));
	add(s, "plain_keys", plain_keys_are_not_redacted, (int)XH_NELEM(plain_keys));
	add(s, "escapes", values_are_escaped_to_one_line, (int)XH_NELEM(escapes));
	add(s, "sanitise", keys_and_event_are_sanitised, 0);
	add(s, "id", id_appears_and_clears, 0);
	add(s, "id_escaped", id_is_escaped, 0);
	add(s, "levels", levels_below_minimum_are_dropped, 0);
	add(s, "logf", logf_writes_msg_field, 0);
	add(s, "truncate", long_line_is_truncated, 0);
	add(s, "truncate_escape", truncation_keeps_escapes_whole, 0);
	add(s, "truncate_quote", a_cut_quoted_value_is_closed, 9);
	add(s, "token_values", token_looking_values_are_redacted_anywhere, (int)XH_NELEM(tokens));
	add(s, "level_parse", level_parse, 0);
	add(s, "one_write", each_event_is_one_write, 0);
	return unit_run(s);
}
