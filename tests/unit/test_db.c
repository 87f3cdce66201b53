/*
 * test_db.c: the parts of the db layer that need no server: DSN parsing,
 * connect failures and the connect deadline, password scrubbing of error
 * messages, and transaction bookkeeping when nothing is connected.
 * Statements against a real server are covered by tests/integration.
 */
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "db_int.h"
#include "unit.h"

static const struct xh_sql one = {"test_one", "SELECT 1", 0};
static const struct xh_sql many = {"test_many", "SELECT 1", 65};

/* A TCP socket on 127.0.0.1; listening if listen_it, else closed. */
static int
local_port(int listen_it, int *fd_out)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	if (listen_it)
		ck_assert_int_eq(listen(fd, 4), 0);
	*fd_out = fd;
	return ntohs(sa.sin_port);
}

static long long
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

START_TEST(bad_dsn_is_config_error_without_dsn_text)
{
	struct xh_db *db = xh_db_new("host='unterminated password=pw-in-dsn", 500, 0);

	ck_assert_int_eq(xh_db_connect(db), XH_ERR_CONFIG);
	ck_assert_ptr_null(strstr(xh_db_error(db), "pw-in-dsn"));
	ck_assert_ptr_nonnull(strstr(xh_db_error(db), "dsn"));
	ck_assert_ptr_null(xh_db_conn(db));
	xh_db_free(db);
}
END_TEST

START_TEST(refused_connection_is_db_error_without_password)
{
	char dsn[160];
	int fd, port = local_port(0, &fd);
	struct xh_db *db;

	snprintf(dsn, sizeof(dsn), "postgresql://u:hunter2pw@127.0.0.1:%d/x", port);
	db = xh_db_new(dsn, 2000, 0);
	ck_assert_int_eq(xh_db_connect(db), XH_ERR_DB);
	ck_assert_ptr_nonnull(strstr(xh_db_error(db), "cannot connect to database"));
	ck_assert_ptr_null(strstr(xh_db_error(db), "hunter2pw"));
	ck_assert_ptr_null(xh_db_conn(db));
	close(fd);
	xh_db_free(db);
}
END_TEST

START_TEST(silent_server_hits_connect_deadline)
{
	char dsn[128];
	int fd, port = local_port(1, &fd);
	struct xh_db *db;
	long long t0;

	snprintf(dsn, sizeof(dsn), "host=127.0.0.1 port=%d dbname=x user=u", port);
	db = xh_db_new(dsn, 200, 0);
	t0 = ms_now();
	ck_assert_int_eq(xh_db_connect(db), XH_ERR_DB);
	ck_assert_int_lt(ms_now() - t0, 1500);
	ck_assert_int_ge(ms_now() - t0, 150);
	ck_assert_str_eq(xh_db_error(db), "cannot connect to database: no answer within 200 ms");
	close(fd);
	xh_db_free(db);
}
END_TEST

START_TEST(error_text_masks_password_and_joins_lines)
{
	struct xh_db *db = xh_db_new("", 100, 0);

	snprintf(db->password, sizeof(db->password), "s3cr3t");
	db_set_error(db, "x: ", "auth failed for s3cr3t\n\tdetail s3cr3ts3cr3t\n");
	ck_assert_str_eq(xh_db_error(db), "x: auth failed for [redacted]; \tdetail "
	                                  "[redacted][redacted]");
	xh_db_free(db);
}
END_TEST

START_TEST(error_text_is_bounded)
{
	struct xh_db *db = xh_db_new("", 100, 0);
	char big[4096];

	memset(big, 'e', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	db_set_error(db, "p: ", big);
	ck_assert_uint_eq(strlen(xh_db_error(db)), sizeof(db->err) - 1);
	xh_db_free(db);
}
END_TEST

START_TEST(statements_fail_cleanly_without_server)
{
	char dsn[96];
	int fd, port = local_port(0, &fd);
	struct xh_db *db;
	PGresult *res = (PGresult *)&fd;

	snprintf(dsn, sizeof(dsn), "host=127.0.0.1 port=%d dbname=x user=u", port);
	db = xh_db_new(dsn, 500, 0);
	ck_assert_int_eq(xh_db_exec(db, &one, NULL, &res), XH_ERR_DB);
	ck_assert_ptr_null(res);
	ck_assert_int_eq(xh_db_begin(db), XH_ERR_DB);
	ck_assert_int_eq(xh_db_in_tx(db), 0);
	ck_assert_int_eq(xh_db_commit(db), XH_ERR_INVAL);
	xh_db_rollback(db);
	ck_assert_int_eq(xh_db_in_tx(db), 0);
	ck_assert_int_eq(xh_db_execv(db, &many, NULL), XH_ERR_INVAL);
	close(fd);
	xh_db_free(db);
}
END_TEST

START_TEST(free_accepts_null)
{
	xh_db_free(NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("db");
	TCase *tc = tcase_create("db");

	tcase_add_test(tc, bad_dsn_is_config_error_without_dsn_text);
	tcase_add_test(tc, refused_connection_is_db_error_without_password);
	tcase_add_test(tc, silent_server_hits_connect_deadline);
	tcase_add_test(tc, error_text_masks_password_and_joins_lines);
	tcase_add_test(tc, error_text_is_bounded);
	tcase_add_test(tc, statements_fail_cleanly_without_server);
	tcase_add_test(tc, free_accepts_null);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
