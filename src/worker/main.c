/*
 * main.c: xhsync-worker entry point. Loads the configuration, opens the
 * log, connects to PostgreSQL and waits for SIGTERM or SIGINT, then shuts
 * down cleanly and exits 0.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/config.h"
#include "db.h"
#include "log.h"

static void
usage(void)
{
	fprintf(stderr, "usage: xhsync-worker [-c config]\n");
}

/* Parses argv; returns the config path or NULL on a usage error. */
static const char *
parse_args(int argc, char **argv)
{
	const char *path = xh_config_path();
	int ch;

	while ((ch = getopt(argc, argv, "c:h")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		default:
			return NULL;
		}
	}
	if (optind != argc)
		return NULL;
	return path;
}

/* Blocks the termination signals so sigwait() can take them. */
static void
block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int
main(int argc, char **argv)
{
	struct xh_config cfg;
	enum xh_log_level lvl = XH_LOG_INFO;
	char err[512];
	const char *path;
	struct xh_db *db;
	sigset_t set;
	int sig = 0;

	if ((path = parse_args(argc, argv)) == NULL) {
		usage();
		return 2;
	}
	if (xh_config_load(&cfg, path, err, sizeof(err)) != XH_OK) {
		fprintf(stderr, "xhsync-worker: %s\n", err);
		return 1;
	}
	xh_log_level_parse(cfg.log.level, &lvl);
	xh_log_open("worker", lvl);
	block_signals(&set);
	db = xh_db_new(cfg.db.dsn, cfg.db.connect_timeout * 1000, cfg.db.statement_timeout_ms);
	if (xh_db_connect(db) != XH_OK)
		xh_log(XH_LOG_WARN, "worker.db_unavailable", "error", xh_db_error(db), NULL);
	xh_log(XH_LOG_INFO, "worker.start", "config", path, NULL);
	while (sigwait(&set, &sig) != 0)
		;
	xh_log(XH_LOG_INFO, "worker.stop", "signal", strsignal(sig), NULL);
	xh_db_free(db);
	xh_config_free(&cfg);
	return 0;
}
