/*
 * map_transform.c: the named transforms of the field mapping (map.h):
 * parsed once per rule, applied to one value of one record.
 *
 * Numbers are never passed through a double: json-c keeps the text a
 * number was read from, and money is padded to two decimals as text, so
 * 1234.5 becomes "1234.50" and 0.1 stays exactly 0.1.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sync/map.h"
#include "xero/pull.h"

/* name, kind, what follows the name: 0 nothing, ':' an argument, '{' enum pairs */
static const struct {
	const char *name;
	enum sync_xform_kind kind;
	char arg;
} xform_table[SX__MAX] = {
    {"text", SX_TEXT, 0},                       /* SX_TEXT */
    {"lower", SX_LOWER, 0},                     /* SX_LOWER */
    {"number", SX_NUMBER, ':'},                 /* SX_NUMBER */
    {"money", SX_MONEY, ':'},                   /* SX_MONEY */
    {"date", SX_DATE, 0},                       /* SX_DATE */
    {"datetime", SX_DATETIME, 0},               /* SX_DATETIME */
    {"enum", SX_ENUM, '{'},                     /* SX_ENUM */
    {"const", SX_CONST, ':'},                   /* SX_CONST */
    {"domain_of_email", SX_DOMAIN_OF_EMAIL, 0}, /* SX_DOMAIN_OF_EMAIL */
    {"format", SX_FORMAT, ':'},                 /* SX_FORMAT */
};

/* Free-mail providers: an address there says nothing about the company. */
static const char *const freemail[] = {
    "gmail.com",     "googlemail.com", "yahoo.com",    "yahoo.co.uk", "hotmail.com",
    "hotmail.co.uk", "outlook.com",    "live.com",     "msn.com",     "icloud.com",
    "me.com",        "mac.com",        "aol.com",      "gmx.com",     "gmx.de",
    "gmx.net",       "web.de",         "mail.com",     "proton.me",   "protonmail.com",
    "zoho.com",      "yandex.com",     "yandex.ru",    "mail.ru",     "qq.com",
    "163.com",       "126.com",        "bigpond.com",  "xtra.co.nz",  "btinternet.com",
    "orange.fr",     "free.fr",        "fastmail.com", "hey.com",     "tutanota.com",
};

int
sync_freemail(const char *domain)
{
	for (size_t i = 0; i < XH_NELEM(freemail); i++)
		if (strcmp(domain, freemail[i]) == 0)
			return 1;
	return 0;
}

/* Splits "A:a,B:b" (n bytes) into xf's pairs. */
static enum xh_err
parse_pairs(struct xh_arena *a, const char *s, size_t n, struct sync_xform *xf, char *err,
            size_t errlen)
{
	char *copy = xh_strndup(a, s, n), *save = NULL, *tok;

	xf->from = xh_alloc(a, sizeof(*xf->from) * SYNC_ENUM_MAX);
	xf->to = xh_alloc(a, sizeof(*xf->to) * SYNC_ENUM_MAX);
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');
		if (colon == NULL || colon == tok)
			return xh_errf(err, errlen, "enum pair '%s' is not FROM:TO", tok),
			       XH_ERR_INVAL;
		if (xf->npairs == SYNC_ENUM_MAX)
			return xh_errf(err, errlen, "enum has more than %d pairs", SYNC_ENUM_MAX),
			       XH_ERR_INVAL;
		*colon = '\0';
		xf->from[xf->npairs] = tok;
		xf->to[xf->npairs++] = colon + 1;
	}
	if (xf->npairs == 0)
		return xh_errf(err, errlen, "enum{} has no pairs"), XH_ERR_INVAL;
	return XH_OK;
}

/* The argument after "name:" for kind; XH_ERR_INVAL if it does not fit. */
static enum xh_err
parse_arg(struct xh_arena *a, const char *arg, struct sync_xform *xf, char *err, size_t errlen)
{
	const char *hole;

	switch (xf->kind) {
	case SX_NUMBER:
	case SX_MONEY:
		if (strcmp(arg, "nonneg") != 0)
			return xh_errf(err, errlen, "%s takes no option but ':nonneg'",
			               xform_table[xf->kind].name),
			       XH_ERR_INVAL;
		xf->nonneg = 1;
		return XH_OK;
	case SX_FORMAT:
		hole = strstr(arg, "{}");
		if (hole == NULL || strstr(hole + 2, "{}") != NULL)
			return xh_errf(err, errlen, "format: needs exactly one {} for the value"),
			       XH_ERR_INVAL;
		xf->arg = xh_strndup(a, arg, (size_t)(hole - arg));
		xf->arg2 = xh_strdup(a, hole + 2);
		return XH_OK;
	default:
		xf->arg = xh_strdup(a, arg);
		return XH_OK;
	}
}

enum xh_err
sync_xform_parse(struct xh_arena *a, const char *s, struct sync_xform *out, char *err,
                 size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (s == NULL || s[0] == '\0')
		s = "text";
	if (strlen(s) > SYNC_XFORM_MAX)
		return xh_errf(err, errlen, "the transform is over %d characters", SYNC_XFORM_MAX),
		       XH_ERR_INVAL;
	for (int k = 0; k < SX__MAX; k++) {
		size_t len = strlen(xform_table[k].name);
		if (strncmp(s, xform_table[k].name, len) != 0)
			continue;
		out->kind = xform_table[k].kind;
		if (s[len] == '\0' && xform_table[k].arg != '{' && out->kind != SX_CONST &&
		    out->kind != SX_FORMAT)
			return XH_OK;
		if (s[len] == ':' && xform_table[k].arg == ':')
			return parse_arg(a, s + len + 1, out, err, errlen);
		if (s[len] == '{' && xform_table[k].arg == '{') {
			size_t n = strlen(s);
			if (s[n - 1] != '}')
				return xh_errf(err, errlen, "enum{ is not closed with }"),
				       XH_ERR_INVAL;
			return parse_pairs(a, s + len + 1, n - len - 2, out, err, errlen);
		}
		if (s[len] != '\0' && (isalnum((unsigned char)s[len]) || s[len] == '_'))
			continue; /* a longer name: "datetime" after "date" */
		return xh_errf(err, errlen, "transform %s is written %s%s", xform_table[k].name,
		               xform_table[k].name,
		               xform_table[k].arg == '{' ? "{FROM:TO,...}" : ":VALUE"),
		       XH_ERR_INVAL;
	}
	return xh_errf(err, errlen,
	               "unknown transform '%.40s' (text, lower, number, money, date, datetime, "
	               "enum{...}, const:, domain_of_email, format:)",
	               s),
	       XH_ERR_INVAL;
}

/* The text of a scalar (a number as it was written); NULL for objects and arrays. */
static const char *
scalar_text(json_object *v, size_t *len)
{
	const char *s;

	switch (json_object_get_type(v)) {
	case json_type_string:
		*len = (size_t)json_object_get_string_len(v);
		return json_object_get_string(v);
	case json_type_int:
	case json_type_double:
	case json_type_boolean:
		s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		*len = strlen(s);
		return s;
	default:
		return NULL;
	}
}

/* 1 if s is a plain decimal: -?digits(.digits)? */
static int
plain_decimal(const char *s)
{
	size_t i = (s[0] == '-') ? 1 : 0, d = 0;

	while (isdigit((unsigned char)s[i]))
		i++, d++;
	if (d == 0)
		return 0;
	if (s[i] == '.') {
		size_t f = 0;
		for (i++; isdigit((unsigned char)s[i]); i++)
			f++;
		if (f == 0)
			return 0;
	}
	return s[i] == '\0';
}

/* 1 if the decimal s is below zero (not "-0.00"). */
static int
negative(const char *s)
{
	return s[0] == '-' && strspn(s + 1, "0.") != strlen(s + 1);
}

/* s (a plain decimal) with at least two decimals. */
static const char *
money_text(struct xh_arena *a, const char *s)
{
	const char *dot = strchr(s, '.');
	size_t dec = dot ? strlen(dot + 1) : 0;

	if (dec >= 2)
		return s;
	return xh_printf(a, "%s%s%s", s, dot ? "" : ".", dec == 1 ? "0" : "00");
}

/* Xero's /Date(ms)/ or an ISO date (time); -1 when neither. */
static long long
date_ms(const char *s)
{
	struct tm tm;
	const char *end;
	long long ms = xero_date_ms(s);

	if (ms >= 0)
		return ms;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end == NULL)
		return -1;
	if (*end == 'T') {
		end = strptime(end + 1, "%H:%M:%S", &tm);
		if (end == NULL)
			return -1;
		if (*end == '.')
			end += 1 + strspn(end + 1, "0123456789");
		if (*end == 'Z')
			end++;
	}
	if (*end != '\0' || tm.tm_year < 0)
		return -1;
	return (long long)timegm(&tm) * 1000;
}

/* The date (time) of ms in UTC as HubSpot takes it. */
static const char *
date_text(struct xh_arena *a, long long ms, int with_time)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[96];

	gmtime_r(&t, &tm);
	if (with_time)
		snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		         (int)(ms % 1000));
	else
		snprintf(buf, sizeof(buf), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		         tm.tm_mday);
	return xh_strdup(a, buf);
}

/* The lower-case domain of an address, or "" when it is not one or free mail. */
static const char *
email_domain(struct xh_arena *a, const char *s)
{
	const char *at = strchr(s, '@');
	char *d;

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL || strchr(at + 1, '.') == NULL)
		return "";
	d = xh_strdup(a, at + 1);
	for (char *p = d; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-')
			return "";
		*p = (char)tolower((unsigned char)*p);
	}
	if (d[0] == '.' || d[strlen(d) - 1] == '.' || strstr(d, "..") != NULL)
		return "";
	return sync_freemail(d) ? "" : d;
}

/* prefix + s percent-encoded (RFC 3986 unreserved kept) + suffix. */
static const char *
format_text(struct xh_arena *a, const struct sync_xform *xf, const char *s)
{
	struct xh_buf b;
	const char *out;

	xh_buf_init(&b);
	xh_buf_puts(&b, xf->arg);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || strchr("-._~", *p) != NULL)
			xh_buf_putc(&b, (char)*p);
		else
			xh_buf_printf(&b, "%%%02X", *p);
	}
	xh_buf_puts(&b, xf->arg2);
	out = xh_buf_dup(a, &b);
	xh_buf_free(&b);
	return out;
}

/* enum{}: the value s maps to; NULL when no pair (nor "*") matches. */
static const char *
enum_text(const struct sync_xform *xf, const char *s)
{
	const char *any = NULL;

	for (int i = 0; i < xf->npairs; i++) {
		if (strcmp(xf->from[i], s) == 0)
			return xf->to[i];
		if (strcmp(xf->from[i], "*") == 0)
			any = xf->to[i];
	}
	return any;
}

/* Applies a transform to the text s of a present value. */
static enum xh_err
apply_text(struct xh_arena *a, const struct sync_xform *xf, const char *s, const char **out,
           char *err, size_t errlen)
{
	long long ms;
	char *low;

	switch (xf->kind) {
	case SX_LOWER:
		low = xh_strdup(a, s);
		for (char *p = low; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		*out = low;
		return XH_OK;
	case SX_NUMBER:
	case SX_MONEY:
		if (!plain_decimal(s))
			return xh_errf(err, errlen, "'%.40s' is not a number", s), XH_ERR_INVAL;
		if (xf->nonneg && negative(s))
			return xh_errf(err, errlen, "%s is negative", s), XH_ERR_INVAL;
		*out = xf->kind == SX_MONEY ? money_text(a, s) : s;
		return XH_OK;
	case SX_DATE:
	case SX_DATETIME:
		if ((ms = date_ms(s)) < 0)
			return xh_errf(err, errlen, "'%.40s' is not a date", s), XH_ERR_INVAL;
		*out = date_text(a, ms, xf->kind == SX_DATETIME);
		return XH_OK;
	case SX_ENUM:
		if ((*out = enum_text(xf, s)) == NULL)
			return xh_errf(err, errlen, "'%.40s' is not one of the enum's values", s),
			       XH_ERR_INVAL;
		return XH_OK;
	case SX_DOMAIN_OF_EMAIL:
		*out = email_domain(a, s);
		return XH_OK;
	case SX_FORMAT:
		*out = format_text(a, xf, s);
		return XH_OK;
	default:
		*out = s;
		return XH_OK;
	}
}

enum xh_err
sync_xform_apply(struct xh_arena *a, const struct sync_xform *xf, json_object *v, const char **out,
                 char *err, size_t errlen)
{
	const char *s;
	size_t len = 0;

	if (xf->kind == SX_CONST) {
		*out = xf->arg;
		return XH_OK;
	}
	*out = "";
	if (v == NULL)
		return XH_OK;
	if ((s = scalar_text(v, &len)) == NULL)
		return xh_errf(err, errlen, "the value is %s, not text or a number",
		               json_object_is_type(v, json_type_array) ? "a list" : "an object"),
		       XH_ERR_INVAL;
	if (strlen(s) != len)
		return xh_errf(err, errlen, "the value contains a NUL byte"), XH_ERR_INVAL;
	if (len > SYNC_VALUE_MAX)
		return xh_errf(err, errlen, "the value is %zu characters, over HubSpot's %d", len,
		               SYNC_VALUE_MAX),
		       XH_ERR_INVAL;
	if (len == 0)
		return XH_OK;
	return apply_text(a, xf, xh_strndup(a, s, len), out, err, errlen);
}
