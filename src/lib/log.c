/*
 * log.c: logfmt lines, one write(2) each, with secret redaction (by key,
 * and of token-looking values anywhere) and escaping so that one event is
 * always exactly one well-formed line, even when cut.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX  8192 /* a line, newline included, never exceeds this */
#define LOG_PAIRS_MAX 64   /* key/value pairs kept per event; extra are dropped */
#define LOG_ID_MAX    64
#define LOG_COMP_MAX  32
#define LOG_MSG_MAX   4096

static const char *const log_level_names[XH_LOG__MAX] = {
    "debug", /* XH_LOG_DEBUG */
    "info",  /* XH_LOG_INFO */
    "warn",  /* XH_LOG_WARN */
    "error", /* XH_LOG_ERROR */
};

/* Keys whose values are always secret (compared case-insensitively, '-' == '_'). */
static const char *const log_secret_keys[] = {
    "password",      "passwd",    "secret",        "token",         "access_token",
    "refresh_token", "id_token",  "client_secret", "authorization", "cookie",
    "set_cookie",    "code",      "code_verifier", "api_key",       "key",
    "master_key",    "signature", "session",       "sid",           "csrf",
    "csrf_token",
};

/* Key suffixes that mark a secret (same comparison rules). */
static const char *const log_secret_suffixes[] = {
    "_secret",
    "_token",
    "_password",
    "_key",
};

static char log_comp[LOG_COMP_MAX] = "xhsync";
static atomic_int log_min = XH_LOG_INFO;
static atomic_int log_fd = 2;
static _Thread_local char log_id[LOG_ID_MAX];

/* A bounded output cursor; once full, nothing more is written. */
struct log_out {
	char *p;
	size_t cap; /* bytes usable for content (room for '"', "...\n" and NUL kept aside) */
	size_t len;
	int trunc;
	int in_quote; /* inside a quoted value: a cut line closes it */
};

/* Schemes of an Authorization value: the credential after them is secret. */
static const char *const log_auth_schemes[] = {
    "bearer",
};

#define LOG_PAT_MIN 8 /* characters after "pat-" that make a HubSpot token */

void
xh_log_open(const char *component, enum xh_log_level min)
{
	snprintf(log_comp, sizeof(log_comp), "%s", component ? component : "xhsync");
	if ((unsigned)min < XH_LOG__MAX)
		atomic_store(&log_min, (int)min);
}

void
xh_log_set_fd(int fd)
{
	atomic_store(&log_fd, fd);
}

int
xh_log_level_parse(const char *s, enum xh_log_level *out)
{
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < XH_LOG__MAX; i++) {
		if (strcasecmp(s, log_level_names[i]) == 0) {
			if (out != NULL)
				*out = (enum xh_log_level)i;
			return 0;
		}
	}
	return -1;
}

void
xh_log_set_id(const char *id)
{
	snprintf(log_id, sizeof(log_id), "%s", id ? id : "");
}

/* Lower-cases an ASCII byte and maps '-' to '_', for key comparison. */
static unsigned char
key_fold(char c)
{
	unsigned char u = (unsigned char)c;

	if (u == '-')
		return '_';
	if (u >= 'A' && u <= 'Z')
		return (unsigned char)(u - 'A' + 'a');
	return u;
}

/* 1 if the n bytes at key equal the table word w under key_fold. */
static int
key_eq_n(const char *key, size_t n, const char *w)
{
	size_t i;

	if (strlen(w) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (key_fold(key[i]) != key_fold(w[i]))
			return 0;
	return 1;
}

int
xh_log_key_is_secret(const char *key)
{
	size_t i, n, sl;

	if (key == NULL)
		return 0;
	n = strlen(key);
	for (i = 0; i < XH_NELEM(log_secret_keys); i++)
		if (key_eq_n(key, n, log_secret_keys[i]))
			return 1;
	for (i = 0; i < XH_NELEM(log_secret_suffixes); i++) {
		sl = strlen(log_secret_suffixes[i]);
		if (n >= sl && key_eq_n(key + n - sl, sl, log_secret_suffixes[i]))
			return 1;
	}
	return 0;
}

/* Appends n bytes as one unit, or marks the line truncated if they do not fit. */
static void
out_put(struct log_out *o, const char *s, size_t n)
{
	if (o->trunc || n > o->cap - o->len) {
		o->trunc = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void
out_puts(struct log_out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

/* Appends as much of s as fits (plain text may be cut anywhere). */
static void
out_puts_cut(struct log_out *o, const char *s)
{
	size_t n = strlen(s), room = o->cap - o->len;

	if (o->trunc)
		return;
	if (n > room) {
		memcpy(o->p + o->len, s, room);
		o->len += room;
		o->trunc = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

/* 1 if c may appear in a key or event name as is. */
static int
name_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

/* Writes a key or event name, replacing bytes outside [A-Za-z0-9_.-] by '_'. */
static void
out_name(struct log_out *o, const char *s)
{
	char c;

	if (s == NULL || *s == '\0') {
		out_put(o, "_", 1);
		return;
	}
	for (; *s != '\0'; s++) {
		c = name_char_ok((unsigned char)*s) ? *s : '_';
		out_put(o, &c, 1);
	}
}

/* 1 if the value must be quoted: it holds space, '"', '=', '\' or a control byte. */
static int
value_needs_quotes(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7f)
			return 1;
	return 0;
}

/* Writes one value byte inside quotes, escaped if needed. */
static void
out_escaped_byte(struct log_out *o, unsigned char c)
{
	char esc[8];

	switch (c) {
	case '"':
		out_put(o, "\\\"", 2);
		return;
	case '\\':
		out_put(o, "\\\\", 2);
		return;
	case '\n':
		out_put(o, "\\n", 2);
		return;
	case '\r':
		out_put(o, "\\r", 2);
		return;
	case '\t':
		out_put(o, "\\t", 2);
		return;
	default:
		break;
	}
	if (c < 0x20 || c == 0x7f) {
		snprintf(esc, sizeof(esc), "\\x%02x", c);
		out_put(o, esc, 4);
		return;
	}
	out_put(o, (const char *)&c, 1);
}

/* Writes a value, quoted and escaped when it needs to be. */
static void
out_value(struct log_out *o, const char *s)
{
	const unsigned char *p;

	if (s == NULL)
		s = "";
	if (!value_needs_quotes(s)) {
		out_puts_cut(o, s);
		return;
	}
	out_put(o, "\"", 1);
	o->in_quote = !o->trunc;
	for (p = (const unsigned char *)s; *p != '\0' && !o->trunc; p++)
		out_escaped_byte(o, *p);
	out_put(o, "\"", 1);
	if (!o->trunc)
		o->in_quote = 0;
}

/* A byte of a base64url run (JWT segments, most API tokens). */
static int
b64url_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* A byte of an Authorization credential (RFC 6750 token68). */
static int
cred_char(unsigned char c)
{
	return b64url_char(c) || c == '.' || c == '~' || c == '+' || c == '/' || c == '=';
}

/* Length of the run of bytes at s that f accepts. */
static size_t
span(const char *s, int (*f)(unsigned char))
{
	size_t n = 0;

	while (s[n] != '\0' && f((unsigned char)s[n]))
		n++;
	return n;
}

/*
 * A secret starting at s (the start of a word): "Bearer <token>" and other
 * Authorization schemes (*keep = the scheme and spaces, kept), "pat-..."
 * (HubSpot private app tokens) and JWTs ("eyJ...", three dot-separated
 * base64url parts). Returns the length of what to hide, or 0.
 */
static size_t
secret_at(const char *s, size_t *keep)
{
	size_t k, a, b;

	*keep = 0;
	for (size_t i = 0; i < XH_NELEM(log_auth_schemes); i++) {
		k = strlen(log_auth_schemes[i]);
		if (strncasecmp(s, log_auth_schemes[i], k) != 0 || s[k] != ' ')
			continue;
		while (s[k] == ' ')
			k++;
		if ((a = span(s + k, cred_char)) > 0) {
			*keep = k;
			return a;
		}
	}
	if (strncmp(s, "pat-", 4) == 0 && (a = span(s + 4, b64url_char)) >= LOG_PAT_MIN)
		return 4 + a;
	if (strncmp(s, "eyJ", 3) == 0 && s[a = span(s, b64url_char)] == '.' &&
	    (b = span(s + a + 1, b64url_char)) > 0 && s[a + 1 + b] == '.')
		return a + 2 + b + span(s + a + 2 + b, b64url_char);
	return 0;
}

/*
 * Copies s into buf (cap bytes) with every token-looking secret replaced
 * by "[redacted]"; returns s itself when there is none.
 */
static const char *
redact_values(const char *s, char *buf, size_t cap)
{
	size_t i = 0, o = 0, keep, n;
	int found = 0;

	for (; s[i] != '\0' && o + 1 < cap; i++) {
		if ((i == 0 || !(b64url_char((unsigned char)s[i - 1]) || s[i - 1] == '.')) &&
		    (n = secret_at(s + i, &keep)) > 0) {
			found = 1;
			o += (size_t)snprintf(buf + o, cap - o, "%.*s[redacted]", (int)keep, s + i);
			if (o >= cap)
				o = cap - 1;
			i += keep + n - 1;
			continue;
		}
		buf[o++] = s[i];
	}
	buf[o] = '\0';
	return found ? buf : s;
}

/*
 * Writes " key=value", redacting the value when the key names a secret,
 * and any token-looking part of it otherwise.
 */
static void
out_pair(struct log_out *o, const char *key, const char *val)
{
	char buf[LOG_LINE_MAX];

	out_put(o, " ", 1);
	out_name(o, key);
	out_put(o, "=", 1);
	if (xh_log_key_is_secret(key))
		out_value(o, "[redacted]");
	else
		out_value(o, val != NULL ? redact_values(val, buf, sizeof(buf)) : NULL);
}

/* Writes the UTC time with milliseconds, e.g. 2026-11-21T10:07:53.123Z. */
static void
out_timestamp(struct log_out *o)
{
	struct timespec ts;
	struct tm tm;
	char buf[96];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         ts.tv_nsec / 1000000L);
	out_puts(o, buf);
}

size_t
xh_log_format(char *out, size_t outlen, enum xh_log_level lvl, const char *event,
              const char *const *kv)
{
	struct log_out o = {out, 0, 0, 0, 0};
	char pid[24];
	size_t i;

	if (out == NULL || outlen < 6)
		return 0;
	o.cap = outlen - 6; /* keep room for '"', "...\n" and the NUL */
	out_puts(&o, "ts=");
	out_timestamp(&o);
	out_puts(&o, " level=");
	out_puts(&o, (unsigned)lvl < XH_LOG__MAX ? log_level_names[lvl] : "unknown");
	out_pair(&o, "comp", log_comp);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	out_pair(&o, "pid", pid);
	if (log_id[0] != '\0')
		out_pair(&o, "id", log_id);
	out_puts(&o, " event=");
	out_name(&o, event);
	for (i = 0; kv != NULL && kv[i] != NULL && !o.trunc; i += 2) {
		out_pair(&o, kv[i], kv[i + 1]);
		if (kv[i + 1] == NULL)
			break; /* odd count: the array ends here */
	}
	if (o.trunc) {
		if (o.in_quote) /* a cut value is still a closed one */
			out[o.len++] = '"';
		memcpy(out + o.len, "...", 3);
		o.len += 3;
	}
	out[o.len++] = '\n';
	out[o.len] = '\0';
	return o.len;
}

/* Writes the whole line with one write(2), retrying only if interrupted. */
static void
log_write(const char *line, size_t n)
{
	int fd = atomic_load(&log_fd);
	ssize_t w;

	do
		w = write(fd, line, n);
	while (w < 0 && errno == EINTR);
}

/* Formats and writes an event whose pairs are already collected in kv. */
static void
log_emit(enum xh_log_level lvl, const char *event, const char *const *kv)
{
	char line[LOG_LINE_MAX];
	size_t n;
	int saved = errno;

	n = xh_log_format(line, sizeof(line), lvl, event, kv);
	log_write(line, n);
	errno = saved;
}

void
xh_log(enum xh_log_level lvl, const char *event, ...)
{
	const char *kv[2 * LOG_PAIRS_MAX + 1];
	const char *key;
	size_t n = 0;
	va_list ap;

	if ((int)lvl < atomic_load(&log_min))
		return;
	va_start(ap, event);
	while ((key = va_arg(ap, const char *)) != NULL) {
		const char *val = va_arg(ap, const char *);

		if (n + 2 < XH_NELEM(kv)) {
			kv[n++] = key;
			kv[n++] = val ? val : "";
		}
	}
	va_end(ap);
	kv[n] = NULL;
	log_emit(lvl, event, kv);
}

void
xh_logf(enum xh_log_level lvl, const char *event, const char *fmt, ...)
{
	char msg[LOG_MSG_MAX];
	const char *kv[3] = {"msg", msg, NULL};
	va_list ap;

	if ((int)lvl < atomic_load(&log_min))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_emit(lvl, event, kv);
}
