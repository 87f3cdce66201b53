/*
 * main.c: xhsync-worker. Loads the configuration, starts the job threads,
 * the listener and the maintenance thread, and waits for SIGTERM or
 * SIGINT. Then it stops claiming, lets each thread finish the job in hand
 * and release the rest of its batch, stops the other threads and exits 0.
 *
 * Environment (tests and benchmarks only):
 *   XHSYNC_WORKER_TEST_KINDS=1         also run the test.* job kinds
 *   XHSYNC_WORKER_TEST_SCHEDULE_MS=N   schedule test.noop every N ms
 *   XHSYNC_WORKER_TEST_LINK_SCHEDULE_MS=N  run the per-link schedules
 *                                      (token keep-alive) every N ms
 */
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "worker.h"

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

/* Blocks the termination signals in every thread so sigwait() takes them. */
static void
block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

struct xh_db *
worker_db_new(const struct worker *w)
{
	return xh_db_new(w->cfg->db.dsn, w->cfg->db.connect_timeout * 1000,
	                 w->cfg->db.statement_timeout_ms);
}

/* An environment flag or number; def when unset or not a number. */
static long long
env_ll(const char *name, long long def)
{
	const char *v = getenv(name);
	char *end = NULL;
	long long n;

	if (v == NULL || *v == '\0')
		return def;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < 0)
		return def;
	return n;
}

/* Loads the sealing keys if a key file is configured and readable. */
static int
load_keys(struct worker *w)
{
	char err[256];

	if (w->cfg->secrets.key_file == NULL || w->cfg->secrets.key_file[0] == '\0')
		return 0;
	if (xh_keyring_load(w->cfg->secrets.key_file, &w->keys, err, sizeof(err)) != XH_OK) {
		/* jobs that need a credential fail until the key file is fixed */
		xh_log(XH_LOG_WARN, "worker.keys", "error", err, NULL);
		return 0;
	}
	w->have_keys = 1;
	return 0;
}

/* Sets up the shared state; -1 on failure (logged). */
static int
worker_init(struct worker *w, const struct xh_config *cfg)
{
	pthread_condattr_t ca;
	char host[64] = "host";
	int test_kinds = env_ll("XHSYNC_WORKER_TEST_KINDS", 0) == 1;

	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	gethostname(host, sizeof(host) - 1);
	snprintf(w->name, sizeof(w->name), "%s:%d", host, (int)getpid());
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &ca);
	pthread_cond_init(&w->beat_wake, &ca);
	pthread_condattr_destroy(&ca);
	worker_kinds_init(w, test_kinds);
	worker_schedules_init(w, test_kinds ? env_ll("XHSYNC_WORKER_TEST_SCHEDULE_MS", 0) : 0,
	                      test_kinds ? env_ll("XHSYNC_WORKER_TEST_LINK_SCHEDULE_MS", 0) : 0);
	if (cfg->worker.rescue_after_s <= cfg->worker.heartbeat_s)
		xh_log(XH_LOG_WARN, "worker.config", "msg",
		       "rescue_after_s should be well above heartbeat_s", NULL);
	return load_keys(w);
}

static void
worker_fini(struct worker *w)
{
	if (w->have_keys)
		xh_keyring_free(&w->keys);
	worker_kinds_free(w);
	free(w->running);
	free(w->done);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->beat_wake);
	pthread_mutex_destroy(&w->mu);
}

/* Starts every thread; -1 if one could not start. */
static int
worker_start(struct worker *w)
{
	if (worker_maint_start(w) != 0)
		return -1;
	if (worker_beat_start(w) != 0) {
		atomic_store(&w->finished, 1);
		return -1;
	}
	if (worker_listen_start(w) != 0 || worker_pool_start(w) != 0) {
		atomic_store(&w->stopping, 1);
		worker_wake_all(w);
		return -1;
	}
	return 0;
}

/* Orderly stop: no more claims, jobs in hand finish, then the rest. */
static void
worker_stop(struct worker *w)
{
	atomic_store(&w->stopping, 1);
	worker_wake_all(w);
	worker_pool_join(w);
	worker_listen_join(w);
	atomic_store(&w->finished, 1);
	worker_beat_join(w);
	worker_maint_join(w);
}

/* Starts, waits for a termination signal, stops. Returns the exit status. */
static int
run(const struct xh_config *cfg, const char *path)
{
	struct worker w;
	sigset_t set;
	char threads[16];
	int sig = 0, rc = 0;

	block_signals(&set);
	if (worker_init(&w, cfg) != 0) {
		worker_fini(&w);
		return 1;
	}
	snprintf(threads, sizeof(threads), "%d", cfg->worker.threads);
	xh_log(XH_LOG_INFO, "worker.start", "config", path, "threads", threads, "name", w.name,
	       NULL);
	if (worker_start(&w) != 0)
		rc = 1;
	else
		while (sigwait(&set, &sig) != 0)
			;
	xh_log(XH_LOG_INFO, "worker.stopping", "signal", rc ? "" : strsignal(sig), NULL);
	worker_stop(&w);
	xh_log(XH_LOG_INFO, "worker.stop", NULL);
	worker_fini(&w);
	return rc;
}

int
main(int argc, char **argv)
{
	struct xh_config cfg;
	enum xh_log_level lvl = XH_LOG_INFO;
	char err[512];
	const char *path;
	int rc;

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
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = run(&cfg, path);
	curl_global_cleanup();
	xh_config_free(&cfg);
	return rc;
}
