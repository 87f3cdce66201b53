/*
 * config.h: the configuration, read from an INI file and overridden by
 * environment variables XHSYNC_<SECTION>_<KEY> (upper case). Every key is
 * one line in a table (config.c) with its type, default, range and doc;
 * `xhsync config doc` prints that table for README.md.
 */
#ifndef XH_CONFIG_H
#define XH_CONFIG_H

#include <stdio.h>

#include "xh.h"

#define XH_CONFIG_DEFAULT_PATH XH_SYSCONFDIR "/xhsync/xhsync.conf"

struct xh_config {
	struct {
		char *dsn;                /* [database] dsn */
		int connect_timeout;      /* [database] connect_timeout, seconds */
		int statement_timeout_ms; /* [database] statement_timeout_ms */
	} db;
	struct {
		char *socket;        /* [web] socket: FastCGI unix socket path */
		int socket_mode;     /* [web] socket_mode: octal permissions */
		int processes;       /* [web] processes: pre-forked children */
		long long max_body;  /* [web] max_body: bytes, accepts k/m suffix */
		char *public_url;    /* [web] public_url: base URL users and vendors see */
		char *templates_dir; /* [web] templates_dir */
	} web;
	struct {
		int threads;        /* [worker] threads */
		int poll_ms;        /* [worker] poll_ms: fallback poll interval */
		int heartbeat_s;    /* [worker] heartbeat_s */
		int rescue_after_s; /* [worker] rescue_after_s: stale heartbeat age */
		int claim_batch;    /* [worker] claim_batch */
	} worker;
	struct {
		char *level; /* [log] level */
	} log;
	struct {
		char *key_file; /* [secrets] key_file */
	} secrets;
	struct {
		char *identity_url;  /* [xero] identity_url */
		char *login_url;     /* [xero] login_url */
		char *api_url;       /* [xero] api_url */
		char *client_id;     /* [xero] client_id */
		char *client_secret; /* [xero] client_secret (secret) */
	} xero;
	struct {
		char *api_url;       /* [hubspot] api_url */
		char *app_url;       /* [hubspot] app_url */
		char *client_id;     /* [hubspot] client_id */
		char *client_secret; /* [hubspot] client_secret (secret) */
	} hubspot;
	struct {
		double time_scale;        /* [ratelimit] time_scale */
		int xero_concurrent;      /* [ratelimit] xero_concurrent */
		int xero_per_minute;      /* [ratelimit] xero_per_minute */
		int xero_per_day;         /* [ratelimit] xero_per_day */
		int xero_app_per_minute;  /* [ratelimit] xero_app_per_minute */
		int hubspot_per_10s;      /* [ratelimit] hubspot_per_10s */
		int hubspot_search_per_s; /* [ratelimit] hubspot_search_per_s */
		int hubspot_per_day;      /* [ratelimit] hubspot_per_day */
	} ratelimit;
	struct {
		int poll_interval_s; /* [sync] poll_interval_s: reconciling poll per link */
		int pull_overlap_s;  /* [sync] pull_overlap_s: re-read before the watermark */
		int full_pass_h;     /* [sync] full_pass_h: hours between full passes */
		int page_size;       /* [sync] page_size: Xero records per page */
	} sync;
	struct {
		int debounce_ms;    /* [webhook] debounce_ms: delay of the fetch job a delivery
		                       enqueues */
		int hubspot_legacy; /* [webhook] hubspot_legacy: accept v1/v2 signatures without v3
		                     */
	} webhook;
};

/*
 * Fills cfg with defaults, then the file at path (NULL: no file), then the
 * environment. On failure returns XH_ERR_CONFIG (or XH_ERR_IO for an
 * unreadable file) with a message in errbuf naming the file, line and key,
 * e.g. "xhsync.conf:12: [web] processes: must be between 1 and 256".
 * Unknown sections and keys are errors. cfg is freed on failure.
 */
enum xh_err xh_config_load(struct xh_config *cfg, const char *path, char *errbuf, size_t errlen);
/*
 * Like xh_config_load, but reads the INI text from memory (data, len) and
 * does not consult the environment; name is used in messages. For tests
 * and the fuzzer.
 */
enum xh_err xh_config_load_mem(struct xh_config *cfg, const char *name, const char *data,
                               size_t len, char *errbuf, size_t errlen);
void xh_config_free(struct xh_config *cfg);
/* Writes the effective configuration as INI; secrets shown as "[redacted]". */
void xh_config_dump(const struct xh_config *cfg, FILE *out);
/* Writes the key reference (section, key, env var, default, doc) as Markdown. */
void xh_config_doc(FILE *out);
/* The path to use: XHSYNC_CONFIG if set, else the default path. */
const char *xh_config_path(void);

#endif
