/*
 * config.c: the configuration keys table and the value parser and printer
 * of each type. Defaults, the file and the environment all go through the
 * same per-type parser, so a default is checked like any other value.
 * The INI reader is in config_load.c.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config_int.h"
#include "log.h"

#define F(m) offsetof(struct xh_config, m)
#define KB   1024.0
#define MB   (1024.0 * 1024.0)

/* clang-format off */
static const struct cfg_key cfg_keys[] = {
	{"database", "dsn", CFG_STR, F(db.dsn), "host=/var/run/postgresql dbname=xhsync", 0, 0, 0, "libpq connection string"},
	{"database", "connect_timeout", CFG_INT, F(db.connect_timeout), "2", 1, 60, 0, "seconds to wait for a connection"},
	{"database", "statement_timeout_ms", CFG_INT, F(db.statement_timeout_ms), "30000", 0, 3600000, 0, "statement timeout in ms, 0 for none"},
	{"web", "socket", CFG_STR, F(web.socket), "/run/xhsync/web.sock", 0, 0, 0, "FastCGI unix socket path"},
	{"web", "socket_mode", CFG_MODE, F(web.socket_mode), "0660", 0, 0777, 0, "socket permissions, octal"},
	{"web", "processes", CFG_INT, F(web.processes), "4", 1, 256, 0, "pre-forked FastCGI processes"},
	{"web", "max_body", CFG_SIZE, F(web.max_body), "1m", KB, 64 * MB, 0, "largest request body in bytes; k or m suffix"},
	{"web", "public_url", CFG_URL, F(web.public_url), "http://127.0.0.1:8080", 0, 0, 0, "base URL users and vendors see"},
	{"web", "templates_dir", CFG_STR, F(web.templates_dir), XH_DATADIR "/templates", 0, 0, 0, "directory of page templates"},
	{"worker", "threads", CFG_INT, F(worker.threads), "4", 1, 64, 0, "job threads per worker process"},
	{"worker", "poll_ms", CFG_INT, F(worker.poll_ms), "1000", 10, 60000, 0, "fallback poll interval in ms"},
	{"worker", "heartbeat_s", CFG_INT, F(worker.heartbeat_s), "10", 1, 3600, 0, "running-job heartbeat interval in s"},
	{"worker", "rescue_after_s", CFG_INT, F(worker.rescue_after_s), "60", 2, 86400, 0, "heartbeat age after which a job is rescued"},
	{"worker", "claim_batch", CFG_INT, F(worker.claim_batch), "10", 1, 1000, 0, "jobs claimed per query"},
	{"log", "level", CFG_LEVEL, F(log.level), "info", 0, 0, 0, "debug, info, warn or error"},
	{"secrets", "key_file", CFG_STR, F(secrets.key_file), XH_SYSCONFDIR "/xhsync/master.key", 0, 0, 0, "master key file (mode 0600)"},
	{"xero", "identity_url", CFG_URL, F(xero.identity_url), "https://identity.xero.com", 0, 0, 0, "Xero token endpoint base"},
	{"xero", "login_url", CFG_URL, F(xero.login_url), "https://login.xero.com", 0, 0, 0, "Xero authorisation endpoint base"},
	{"xero", "api_url", CFG_URL, F(xero.api_url), "https://api.xero.com", 0, 0, 0, "Xero API base"},
	{"xero", "client_id", CFG_STR, F(xero.client_id), "", 0, 0, 0, "Xero app client id"},
	{"xero", "client_secret", CFG_STR, F(xero.client_secret), "", 0, 0, 1, "Xero app client secret"},
	{"hubspot", "api_url", CFG_URL, F(hubspot.api_url), "https://api.hubapi.com", 0, 0, 0, "HubSpot API base"},
	{"hubspot", "app_url", CFG_URL, F(hubspot.app_url), "https://app.hubspot.com", 0, 0, 0, "HubSpot app (authorisation) base"},
	{"hubspot", "client_id", CFG_STR, F(hubspot.client_id), "", 0, 0, 0, "HubSpot app client id"},
	{"hubspot", "client_secret", CFG_STR, F(hubspot.client_secret), "", 0, 0, 1, "HubSpot app client secret"},
	{"ratelimit", "time_scale", CFG_DOUBLE, F(ratelimit.time_scale), "1.0", 0.001, 1000, 0, "multiplies every rate-limit window"},
	{"ratelimit", "xero_concurrent", CFG_INT, F(ratelimit.xero_concurrent), "5", 1, INT_MAX, 0, "Xero calls in flight per organisation"},
	{"ratelimit", "xero_per_minute", CFG_INT, F(ratelimit.xero_per_minute), "60", 1, INT_MAX, 0, "Xero calls per minute per organisation"},
	{"ratelimit", "xero_per_day", CFG_INT, F(ratelimit.xero_per_day), "5000", 1, INT_MAX, 0, "Xero calls per day per organisation"},
	{"ratelimit", "xero_app_per_minute", CFG_INT, F(ratelimit.xero_app_per_minute), "10000", 1, INT_MAX, 0, "Xero calls per minute for the app"},
	{"ratelimit", "hubspot_per_10s", CFG_INT, F(ratelimit.hubspot_per_10s), "100", 1, INT_MAX, 0, "HubSpot calls per 10 s per portal"},
	{"ratelimit", "hubspot_search_per_s", CFG_INT, F(ratelimit.hubspot_search_per_s), "5", 1, INT_MAX, 0, "HubSpot search calls per second per portal"},
	{"ratelimit", "hubspot_per_day", CFG_INT, F(ratelimit.hubspot_per_day), "250000", 1, INT_MAX, 0, "HubSpot calls per day per portal (search included)"},
	{"sync", "poll_interval_s", CFG_INT, F(sync.poll_interval_s), "900", 60, 86400, 0, "seconds between reconciling polls of a link"},
	{"sync", "pull_overlap_s", CFG_INT, F(sync.pull_overlap_s), "120", 1, 86400, 0, "seconds re-read before the last pull's newest record"},
	{"sync", "full_pass_h", CFG_INT, F(sync.full_pass_h), "24", 1, 8760, 0, "hours between full pulls (changes Xero does not date)"},
	{"sync", "page_size", CFG_INT, F(sync.page_size), "1000", 1, 1000, 0, "Xero records per page (Xero's largest is 1000)"},
	{"webhook", "debounce_ms", CFG_INT, F(webhook.debounce_ms), "500", 0, 60000, 0, "ms a webhook's fetch job waits for more events (0: at once)"},
	{"webhook", "hubspot_legacy", CFG_INT, F(webhook.hubspot_legacy), "0", 0, 1, 0, "1: accept HubSpot v1/v2 signatures when v3 headers are absent"},
};
/* clang-format on */

/* Parses val into the field; 0 on success, else -1 with a reason in why. */
typedef int (*cfg_parse_fn)(const struct cfg_key *k, void *field, const char *val, char *why,
                            size_t whylen);
/* Formats the field's value for dump and doc. */
typedef void (*cfg_print_fn)(const struct cfg_key *k, const void *field, char *out, size_t outlen);

/* Sets a heap string field, freeing the old value. */
static void
cfg_set_str(void *field, const char *val)
{
	char **p = field;

	free(*p);
	*p = xh_xstrdup(val);
}

static int
parse_str(const struct cfg_key *k, void *field, const char *val, char *why, size_t whylen)
{
	(void)k, (void)why, (void)whylen;
	cfg_set_str(field, val);
	return 0;
}

/* An http(s) URL with a host and no spaces or control characters. */
static int
parse_url(const struct cfg_key *k, void *field, const char *val, char *why, size_t whylen)
{
	const unsigned char *p;
	size_t skip;

	(void)k;
	skip = strncmp(val, "https://", 8) == 0 ? 8 : strncmp(val, "http://", 7) == 0 ? 7 : 0;
	if (skip == 0 || val[skip] == '\0' || val[skip] == '/') {
		snprintf(why, whylen, "must be an http:// or https:// URL with a host");
		return -1;
	}
	for (p = (const unsigned char *)val; *p != '\0'; p++) {
		if (*p <= ' ' || *p == 0x7f) {
			snprintf(why, whylen, "URL must not contain spaces or control characters");
			return -1;
		}
	}
	cfg_set_str(field, val);
	return 0;
}

static int
parse_level(const struct cfg_key *k, void *field, const char *val, char *why, size_t whylen)
{
	(void)k;
	if (xh_log_level_parse(val, NULL) < 0) {
		snprintf(why, whylen, "must be one of debug, info, warn, error");
		return -1;
	}
	cfg_set_str(field, val);
	return 0;
}

/* Parses a whole string as an integer in base; -1 if anything is left over. */
static int
cfg_strtoll(const char *val, int base, long long *out, const char **end)
{
	char *e;

	if (!isdigit((unsigned char)val[0]) && val[0] != '-')
		return -1;
	errno = 0;
	*out = strtoll(val, &e, base);
	if (errno != 0 || e == val)
		return -1;
	*end = e;
	return 0;
}

/* Checks v against the key's range. */
static int
cfg_range(const struct cfg_key *k, long long v, char *why, size_t whylen)
{
	if ((double)v < k->min || (double)v > k->max) {
		snprintf(why, whylen, "must be between %lld and %lld", (long long)k->min,
		         (long long)k->max);
		return -1;
	}
	return 0;
}

static int
parse_int(const struct cfg_key *k, void *field, const char *val, char *why, size_t whylen)
{
	const char *end;
	long long v;

	if (cfg_strtoll(val, 10, &v, &end) < 0 || *end != '\0') {
		snprintf(why, whylen, "not an integer: \"%.40s\"", val);
		return -1;
	}
	if (cfg_range(k, v, why, whylen) < 0)
		return -1;
	*(int *)field = (int)v;
	return 0;
}

static int
parse_mode(const struct cfg_key *k, void *field, const char *val, char *why, size_t whylen)
{
	const char *end;
	long long v;

	if (cfg_strtoll(val, 8, &v, &end) < 0 || *end != '\0' || v < 0 || v > (long long)k->max) {
		snprintf(why, whylen, "must be octal permissions between 0000 and 0777");
		return -1;
	}
	*(int *)field = (int)v;
	return 0;
}

static int
parse_size(const struct cfg_key *k, void *field, const char *val, char *why, size_t whylen)
{
	static const char suffixes[] = "kKmM";
	static const long long mult[] = {1024, 1024, 1024 * 1024, 1024 * 1024};
	const char *end, *s;
	long long v, m = 1;

	if (cfg_strtoll(val, 10, &v, &end) < 0) {
		snprintf(why, whylen, "not a size: \"%.40s\"", val);
		return -1;
	}
	if (*end != '\0') {
		s = strchr(suffixes, *end);
		if (s == NULL || end[1] != '\0') {
			snprintf(why, whylen, "bad size suffix \"%.8s\" (use k or m)", end);
			return -1;
		}
		m = mult[s - suffixes];
	}
	if (v > LLONG_MAX / m || v < LLONG_MIN / m) {
		snprintf(why, whylen, "size out of range");
		return -1;
	}
	if (cfg_range(k, v * m, why, whylen) < 0)
		return -1;
	*(long long *)field = v * m;
	return 0;
}

static int
parse_double(const struct cfg_key *k, void *field, const char *val, char *why, size_t whylen)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(val, &end);
	if (val[0] == '\0' || isspace((unsigned char)val[0]) || *end != '\0' || errno != 0 ||
	    !isfinite(v)) {
		snprintf(why, whylen, "not a number: \"%.40s\"", val);
		return -1;
	}
	if (v < k->min || v > k->max) {
		snprintf(why, whylen, "must be between %g and %g", k->min, k->max);
		return -1;
	}
	*(double *)field = v;
	return 0;
}

static void
print_str(const struct cfg_key *k, const void *field, char *out, size_t outlen)
{
	const char *s = *(char *const *)field;

	(void)k;
	snprintf(out, outlen, "%s", s ? s : "");
}

static void
print_int(const struct cfg_key *k, const void *field, char *out, size_t outlen)
{
	(void)k;
	snprintf(out, outlen, "%d", *(const int *)field);
}

static void
print_mode(const struct cfg_key *k, const void *field, char *out, size_t outlen)
{
	(void)k;
	snprintf(out, outlen, "0%03o", (unsigned)*(const int *)field);
}

/* Formats bytes with the largest exact suffix, so dump output parses back. */
static void
fmt_size(long long v, char *out, size_t outlen)
{
	if (v != 0 && v % (1024 * 1024) == 0)
		snprintf(out, outlen, "%lldm", v / (1024 * 1024));
	else if (v != 0 && v % 1024 == 0)
		snprintf(out, outlen, "%lldk", v / 1024);
	else
		snprintf(out, outlen, "%lld", v);
}

static void
print_size(const struct cfg_key *k, const void *field, char *out, size_t outlen)
{
	(void)k;
	fmt_size(*(const long long *)field, out, outlen);
}

static void
print_double(const struct cfg_key *k, const void *field, char *out, size_t outlen)
{
	(void)k;
	snprintf(out, outlen, "%g", *(const double *)field);
}

static void
range_none(const struct cfg_key *k, char *out, size_t outlen)
{
	(void)k;
	snprintf(out, outlen, "%s", "");
}

static void
range_int(const struct cfg_key *k, char *out, size_t outlen)
{
	if (k->max >= INT_MAX)
		snprintf(out, outlen, "at least %lld", (long long)k->min);
	else
		snprintf(out, outlen, "%lld..%lld", (long long)k->min, (long long)k->max);
}

static void
range_size(const struct cfg_key *k, char *out, size_t outlen)
{
	char lo[32], hi[32];

	fmt_size((long long)k->min, lo, sizeof(lo));
	fmt_size((long long)k->max, hi, sizeof(hi));
	snprintf(out, outlen, "%s..%s", lo, hi);
}

static void
range_double(const struct cfg_key *k, char *out, size_t outlen)
{
	snprintf(out, outlen, "%g..%g", k->min, k->max);
}

static void
range_mode(const struct cfg_key *k, char *out, size_t outlen)
{
	snprintf(out, outlen, "0000..0%03o", (unsigned)k->max);
}

/* Per-type behaviour; is_str types own a heap string. */
static const struct {
	cfg_parse_fn parse;
	cfg_print_fn print;
	void (*range)(const struct cfg_key *k, char *out, size_t outlen);
	int is_str;
} cfg_types[CFG__MAX] = {
    {parse_str, print_str, range_none, 1},         /* CFG_STR */
    {parse_int, print_int, range_int, 0},          /* CFG_INT */
    {parse_size, print_size, range_size, 0},       /* CFG_SIZE */
    {parse_double, print_double, range_double, 0}, /* CFG_DOUBLE */
    {parse_mode, print_mode, range_mode, 0},       /* CFG_MODE */
    {parse_url, print_str, range_none, 1},         /* CFG_URL */
    {parse_level, print_str, range_none, 1},       /* CFG_LEVEL */
};

const struct cfg_key *
xh_cfg_keys(size_t *n)
{
	*n = XH_NELEM(cfg_keys);
	return cfg_keys;
}

int
xh_cfg_set(struct xh_config *cfg, const struct cfg_key *k, const char *val, char *why,
           size_t whylen)
{
	return cfg_types[k->type].parse(k, (char *)cfg + k->off, val, why, whylen);
}

void
xh_cfg_print(const struct xh_config *cfg, const struct cfg_key *k, char *out, size_t outlen)
{
	cfg_types[k->type].print(k, (const char *)cfg + k->off, out, outlen);
}

int
xh_cfg_is_str(const struct cfg_key *k)
{
	return cfg_types[k->type].is_str;
}

void
xh_cfg_range(const struct cfg_key *k, char *out, size_t outlen)
{
	cfg_types[k->type].range(k, out, outlen);
}
