/*
 * log.h: one line per event, logfmt style, written with a single write(2)
 * so lines from several processes never interleave:
 *
 *   ts=2026-11-21T10:07:53.123Z level=info comp=web pid=42 id=r-1a2b event=http.request k=v ...
 *
 * Values of known secret keys are replaced by "[redacted]". Control
 * characters in values are escaped, so input cannot forge log lines.
 */
#ifndef XH_LOG_H
#define XH_LOG_H

#include <stdio.h>

#include "xh.h"

enum xh_log_level {
	XH_LOG_DEBUG, /* XH_LOG_DEBUG */
	XH_LOG_INFO,  /* XH_LOG_INFO */
	XH_LOG_WARN,  /* XH_LOG_WARN */
	XH_LOG_ERROR, /* XH_LOG_ERROR */
	XH_LOG__MAX
};

/* Sets the component name ("web", "worker", "cli") and minimum level. */
void xh_log_open(const char *component, enum xh_log_level min);
/* Redirects output to a file descriptor (default 2). For tests. */
void xh_log_set_fd(int fd);
/* Parses "debug", "info", "warn", "error". Returns -1 if unknown. */
int xh_log_level_parse(const char *s, enum xh_log_level *out);
/* Sets this thread's request or job id (copied); NULL clears it. */
void xh_log_set_id(const char *id);
/* 1 if the key names a secret whose value must never be logged. */
int xh_log_key_is_secret(const char *key);

/*
 * Logs an event with key/value string pairs, terminated by NULL:
 *   xh_log(XH_LOG_INFO, "db.connect", "host", host, "port", port, NULL);
 * A NULL value is logged as an empty string.
 */
void xh_log(enum xh_log_level lvl, const char *event, ...) XH_SENTINEL;
/* Logs an event with a single formatted field msg="...". */
void xh_logf(enum xh_log_level lvl, const char *event, const char *fmt, ...) XH_PRINTF(3, 4);

/*
 * Formats one line (with trailing newline) into out, as xh_log would write
 * it; kv is a NULL-terminated array of key, value pointers. Returns the
 * length written (truncated lines end in "...\n"). Exposed for tests.
 */
size_t xh_log_format(char *out, size_t outlen, enum xh_log_level lvl, const char *event,
                     const char *const *kv);

#endif
