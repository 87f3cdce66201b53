/*
 * test_config.c: defaults, file values, environment overrides, every kind
 * of error (with file, line and key in the message), dump and doc.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/config.h"
#include "unit.h"

static struct xh_config CFG;
static char ERR[512];
static char PATH[64];

static void
setup(void)
{
	memset(&CFG, 0, sizeof(CFG));
	ERR[0] = '\0';
	PATH[0] = '\0';
	unsetenv("XHSYNC_WEB_PROCESSES");
	unsetenv("XHSYNC_XERO_CLIENT_SECRET");
	unsetenv("XHSYNC_CONFIG");
}

static void
teardown(void)
{
	xh_config_free(&CFG);
	if (PATH[0] != '\0')
		unlink(PATH);
}

/* Writes text to a new temporary file, remembered in PATH for teardown. */
static const char *
conf_file(const char *text)
{
	int fd;

	snprintf(PATH, sizeof(PATH), "/tmp/xh-test-conf-XXXXXX");
	fd = mkstemp(PATH);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return PATH;
}

/* Parses text from memory as file "t.conf". */
static enum xh_err
load_text(const char *text)
{
	return xh_config_load_mem(&CFG, "t.conf", text, strlen(text), ERR, sizeof(ERR));
}

START_TEST(defaults_without_file)
{
	ck_assert_int_eq(xh_config_load(&CFG, NULL, ERR, sizeof(ERR)), XH_OK);
	ck_assert_str_eq(CFG.db.dsn, "host=/var/run/postgresql dbname=xhsync");
	ck_assert_int_eq(CFG.db.connect_timeout, 2);
	ck_assert_int_eq(CFG.db.statement_timeout_ms, 30000);
	ck_assert_str_eq(CFG.web.socket, "/run/xhsync/web.sock");
	ck_assert_int_eq(CFG.web.socket_mode, 0660);
	ck_assert_int_eq(CFG.web.processes, 4);
	ck_assert_int_eq(CFG.web.max_body, 1024 * 1024);
	ck_assert_str_eq(CFG.web.public_url, "http://127.0.0.1:8080");
	ck_assert_str_eq(CFG.web.templates_dir, XH_DATADIR "/templates");
	ck_assert_int_eq(CFG.worker.threads, 4);
	ck_assert_int_eq(CFG.worker.poll_ms, 1000);
	ck_assert_int_eq(CFG.worker.heartbeat_s, 10);
	ck_assert_int_eq(CFG.worker.rescue_after_s, 60);
	ck_assert_int_eq(CFG.worker.claim_batch, 10);
	ck_assert_str_eq(CFG.log.level, "info");
	ck_assert_str_eq(CFG.secrets.key_file, XH_SYSCONFDIR "/xhsync/master.key");
	ck_assert_str_eq(CFG.xero.identity_url, "https://identity.xero.com");
	ck_assert_str_eq(CFG.xero.login_url, "https://login.xero.com");
	ck_assert_str_eq(CFG.xero.api_url, "https://api.xero.com");
	ck_assert_str_eq(CFG.xero.client_id, "");
	ck_assert_str_eq(CFG.xero.client_secret, "");
	ck_assert_str_eq(CFG.hubspot.api_url, "https://api.hubapi.com");
	ck_assert_str_eq(CFG.hubspot.app_url, "https://app.hubspot.com");
	ck_assert_str_eq(CFG.hubspot.client_id, "");
	ck_assert_str_eq(CFG.hubspot.client_secret, "");
	ck_assert_double_eq(CFG.ratelimit.time_scale, 1.0);
	ck_assert_int_eq(CFG.ratelimit.xero_concurrent, 5);
	ck_assert_int_eq(CFG.ratelimit.xero_per_minute, 60);
	ck_assert_int_eq(CFG.ratelimit.xero_per_day, 5000);
	ck_assert_int_eq(CFG.ratelimit.xero_app_per_minute, 10000);
	ck_assert_int_eq(CFG.ratelimit.hubspot_per_10s, 100);
	ck_assert_int_eq(CFG.ratelimit.hubspot_search_per_s, 5);
}
END_TEST

START_TEST(file_values_override_defaults)
{
	const char *path = conf_file("# xhsync\n"
	                             "; another comment\n"
	                             "\n"
	                             "[database]\n"
	                             "  dsn = \"dbname=other user=x\"  \n"
	                             "[web]\r\n"
	                             "processes=16\r\n"
	                             "socket_mode = 0600\n"
	                             "max_body = 64k\n"
	                             "public_url = https://sync.example.com\n"
	                             "[ratelimit]\n"
	                             "time_scale = 0.01\n"
	                             "[log]\n"
	                             "level = debug\n");

	ck_assert_int_eq(xh_config_load(&CFG, path, ERR, sizeof(ERR)), XH_OK);
	ck_assert_str_eq(CFG.db.dsn, "dbname=other user=x");
	ck_assert_int_eq(CFG.web.processes, 16);
	ck_assert_int_eq(CFG.web.socket_mode, 0600);
	ck_assert_int_eq(CFG.web.max_body, 64 * 1024);
	ck_assert_str_eq(CFG.web.public_url, "https://sync.example.com");
	ck_assert_double_eq_tol(CFG.ratelimit.time_scale, 0.01, 1e-12);
	ck_assert_str_eq(CFG.log.level, "debug");
	ck_assert_int_eq(CFG.worker.threads, 4);
}
END_TEST

START_TEST(env_overrides_file)
{
	const char *path = conf_file("[web]\nprocesses = 2\n[xero]\nclient_secret = fromfile\n");

	setenv("XHSYNC_WEB_PROCESSES", "8", 1);
	setenv("XHSYNC_XERO_CLIENT_SECRET", "fromenv", 1);
	ck_assert_int_eq(xh_config_load(&CFG, path, ERR, sizeof(ERR)), XH_OK);
	ck_assert_int_eq(CFG.web.processes, 8);
	ck_assert_str_eq(CFG.xero.client_secret, "fromenv");
}
END_TEST

START_TEST(env_error_names_variable)
{
	setenv("XHSYNC_WEB_PROCESSES", "999", 1);
	ck_assert_int_eq(xh_config_load(&CFG, NULL, ERR, sizeof(ERR)), XH_ERR_CONFIG);
	ck_assert_str_eq(ERR, "XHSYNC_WEB_PROCESSES: must be between 1 and 256");
	ck_assert_ptr_null(CFG.db.dsn);
}
END_TEST

START_TEST(mem_load_ignores_environment)
{
	setenv("XHSYNC_WEB_PROCESSES", "8", 1);
	ck_assert_int_eq(load_text("[web]\nsocket = /tmp/s\n"), XH_OK);
	ck_assert_int_eq(CFG.web.processes, 4);
	ck_assert_str_eq(CFG.web.socket, "/tmp/s");
}
END_TEST

/* A bad input and the exact message it must produce. */
static const char *const errors[][2] = {
    {"[nope]\nx = 1\n", "t.conf:1: [nope]: unknown section"},
    {"[web]\nbogus = 1\n", "t.conf:2: [web] bogus: unknown key"},
    {"[web]\nprocesses = 4x\n", "t.conf:2: [web] processes: not an integer: \"4x\""},
    {"[web]\nprocesses = \n", "t.conf:2: [web] processes: not an integer: \"\""},
    {"[web]\nprocesses = 99999999999999999999\n",
     "t.conf:2: [web] processes: not an integer: \"99999999999999999999\""},
    {"[web]\nprocesses = 0\n", "t.conf:2: [web] processes: must be between 1 and 256"},
    {"[web]\nprocesses = 257\n", "t.conf:2: [web] processes: must be between 1 and 256"},
    {"[web]\nprocesses = -1\n", "t.conf:2: [web] processes: must be between 1 and 256"},
    {"[web]\nmax_body = 10g\n", "t.conf:2: [web] max_body: bad size suffix \"g\" (use k or m)"},
    {"[web]\nmax_body = 10kb\n", "t.conf:2: [web] max_body: bad size suffix \"kb\" (use k or m)"},
    {"[web]\nmax_body = 65m\n", "t.conf:2: [web] max_body: must be between 1024 and 67108864"},
    {"[web]\npublic_url = ftp://x\n",
     "t.conf:2: [web] public_url: must be an http:// or https:// URL with a host"},
    {"[web]\npublic_url = https://\n",
     "t.conf:2: [web] public_url: must be an http:// or https:// URL with a host"},
    {"[web]\nsocket_mode = 0899\n",
     "t.conf:2: [web] socket_mode: must be octal permissions between 0000 and 0777"},
    {"[web]\nprocesses = 2\n\nprocesses = 3\n", "t.conf:4: [web] processes: duplicate key"},
    {"[web]\nprocesses = 2\n[worker]\n[web]\nprocesses = 3\n",
     "t.conf:5: [web] processes: duplicate key"},
    {"[web]\nprocesses 4\n", "t.conf:2: [web] processes: missing '=' after key"},
    {"[web\nprocesses = 4\n", "t.conf:1: [web: unterminated section header"},
    {"processes = 4\n", "t.conf:1: processes: key outside of any [section]"},
    {"[web]\nsocket = \"/tmp/s\n", "t.conf:2: [web] socket: unterminated quoted value"},
    {"[ratelimit]\ntime_scale = fast\n",
     "t.conf:2: [ratelimit] time_scale: not a number: \"fast\""},
    {"[ratelimit]\ntime_scale = 0.0001\n",
     "t.conf:2: [ratelimit] time_scale: must be between 0.001 and 1000"},
    {"[ratelimit]\nxero_per_minute = 0\n",
     "t.conf:2: [ratelimit] xero_per_minute: must be between 1 and 2147483647"},
    {"[log]\nlevel = loud\n", "t.conf:2: [log] level: must be one of debug, info, warn, error"},
};

START_TEST(errors_name_file_line_and_key)
{
	ck_assert_int_eq(load_text(errors[_i][0]), XH_ERR_CONFIG);
	ck_assert_str_eq(ERR, errors[_i][1]);
	ck_assert_ptr_null(CFG.db.dsn); /* freed on failure */
}
END_TEST

START_TEST(file_errors_name_the_path)
{
	const char *path = conf_file("[web]\nthreads = 2\n");
	char want[128];

	ck_assert_int_eq(xh_config_load(&CFG, path, ERR, sizeof(ERR)), XH_ERR_CONFIG);
	snprintf(want, sizeof(want), "%s:2: [web] threads: unknown key", path);
	ck_assert_str_eq(ERR, want);
}
END_TEST

START_TEST(long_line_is_error)
{
	char text[5000];

	memset(text, '#', sizeof(text));
	memcpy(text, "[web]\n", 6);
	text[sizeof(text) - 1] = '\0';
	ck_assert_int_eq(load_text(text), XH_ERR_CONFIG);
	ck_assert_str_eq(ERR, "t.conf:2: line longer than 4096 bytes");
}
END_TEST

START_TEST(line_of_4096_bytes_is_fine)
{
	char text[6 + 4096 + 2];

	memcpy(text, "[web]\n", 6);
	memset(text + 6, '#', 4096);
	text[6 + 4096] = '\n';
	text[6 + 4097] = '\0';
	ck_assert_int_eq(load_text(text), XH_OK);
}
END_TEST

START_TEST(nul_byte_is_error)
{
	static const char text[] = "[web]\nsocket = a\0b\n";

	ck_assert_int_eq(
	    xh_config_load_mem(&CFG, "t.conf", text, sizeof(text) - 1, ERR, sizeof(ERR)),
	    XH_ERR_CONFIG);
	ck_assert_str_eq(ERR, "t.conf:2: NUL byte in line");
}
END_TEST

START_TEST(missing_file_is_io_error)
{
	ck_assert_int_eq(xh_config_load(&CFG, "/nonexistent/xhsync.conf", ERR, sizeof(ERR)),
	                 XH_ERR_IO);
	ck_assert_str_eq(ERR, "/nonexistent/xhsync.conf: cannot open: No such file or directory");
	ck_assert_ptr_null(CFG.db.dsn);
}
END_TEST

START_TEST(unreadable_file_is_io_error)
{
	/* a directory opens but cannot be read, even as root */
	ck_assert_int_eq(xh_config_load(&CFG, "/tmp", ERR, sizeof(ERR)), XH_ERR_IO);
	ck_assert_msg(strncmp(ERR, "/tmp: cannot", 12) == 0, "message: %s", ERR);
}
END_TEST

START_TEST(size_suffixes)
{
	ck_assert_int_eq(load_text("[web]\nmax_body = 2M\n"), XH_OK);
	ck_assert_int_eq(CFG.web.max_body, 2 * 1024 * 1024);
	xh_config_free(&CFG);
	ck_assert_int_eq(load_text("[web]\nmax_body = 4096\n"), XH_OK);
	ck_assert_int_eq(CFG.web.max_body, 4096);
}
END_TEST

/* Dumps CFG into a string (static buffer). */
static const char *
dump(void)
{
	static char text[8192];
	FILE *f = fmemopen(text, sizeof(text), "w");

	ck_assert_ptr_nonnull(f);
	xh_config_dump(&CFG, f);
	fclose(f);
	return text;
}

START_TEST(dump_redacts_secrets)
{
	ck_assert_int_eq(load_text("[xero]\nclient_secret = s3cr3t-xero\nclient_id = abc\n"),
	                 XH_OK);
	dump();
	ck_assert_ptr_null(strstr(dump(), "s3cr3t"));
	ck_assert_ptr_nonnull(strstr(dump(), "[xero]\n"));
	ck_assert_ptr_nonnull(strstr(dump(), "client_id = \"abc\"\nclient_secret = [redacted]\n"));
	/* an empty secret is shown as empty, so operators see it is unset */
	ck_assert_ptr_nonnull(strstr(dump(), "[hubspot]\napi_url = \"https://api.hubapi.com\"\n"
	                                     "app_url = \"https://app.hubspot.com\"\n"
	                                     "client_id = \"\"\nclient_secret = \"\"\n"));
}
END_TEST

START_TEST(dump_parses_back)
{
	struct xh_config again;
	char text[8192];

	ck_assert_int_eq(load_text("[web]\nmax_body = 3k\nsocket_mode = 0640\n"
	                           "[ratelimit]\ntime_scale = 0.5\n"),
	                 XH_OK);
	snprintf(text, sizeof(text), "%s", dump());
	ck_assert_int_eq(xh_config_load_mem(&again, "dump", text, strlen(text), ERR, sizeof(ERR)),
	                 XH_OK);
	ck_assert_int_eq(again.web.max_body, 3 * 1024);
	ck_assert_int_eq(again.web.socket_mode, 0640);
	ck_assert_double_eq(again.ratelimit.time_scale, 0.5);
	ck_assert_str_eq(again.db.dsn, CFG.db.dsn);
	xh_config_free(&again);
}
END_TEST

START_TEST(doc_lists_every_key_with_env)
{
	static char text[16384];
	FILE *f = fmemopen(text, sizeof(text), "w");

	xh_config_doc(f);
	fclose(f);
	ck_assert_int_eq(
	    strncmp(text, "| section | key | env | default | description |\n|---|", 52), 0);
	ck_assert_ptr_nonnull(strstr(text, "| web | processes | `XHSYNC_WEB_PROCESSES` | `4` |"));
	ck_assert_ptr_nonnull(strstr(text, "(1..256) |\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "| xero | client_secret | `XHSYNC_XERO_CLIENT_SECRET` |"));
	ck_assert_ptr_nonnull(strstr(text, "`XHSYNC_RATELIMIT_HUBSPOT_SEARCH_PER_S`"));
}
END_TEST

START_TEST(config_path_from_env)
{
	ck_assert_str_eq(xh_config_path(), XH_CONFIG_DEFAULT_PATH);
	setenv("XHSYNC_CONFIG", "/tmp/x.conf", 1);
	ck_assert_str_eq(xh_config_path(), "/tmp/x.conf");
	setenv("XHSYNC_CONFIG", "", 1);
	ck_assert_str_eq(xh_config_path(), XH_CONFIG_DEFAULT_PATH);
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
	Suite *s = suite_create("config");

	add(s, "defaults", defaults_without_file, 0);
	add(s, "file", file_values_override_defaults, 0);
	add(s, "env", env_overrides_file, 0);
	add(s, "env_error", env_error_names_variable, 0);
	add(s, "mem_no_env", mem_load_ignores_environment, 0);
	add(s, "errors", errors_name_file_line_and_key, (int)XH_NELEM(errors));
	add(s, "file_error_path", file_errors_name_the_path, 0);
	add(s, "long_line", long_line_is_error, 0);
	add(s, "line_4096", line_of_4096_bytes_is_fine, 0);
	add(s, "nul", nul_byte_is_error, 0);
	add(s, "missing", missing_file_is_io_error, 0);
	add(s, "unreadable", unreadable_file_is_io_error, 0);
	add(s, "size", size_suffixes, 0);
	add(s, "dump_redacts", dump_redacts_secrets, 0);
	add(s, "dump_round_trip", dump_parses_back, 0);
	add(s, "doc", doc_lists_every_key_with_env, 0);
	add(s, "path", config_path_from_env, 0);
	return unit_run(s);
}
