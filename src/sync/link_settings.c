/*
 * link_settings.c: the table of a link's settings, their checks, and how
 * they are stored and read (link_settings.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json.h"
#include "sync/link_settings.h"

/* clang-format off */
static const struct link_setting ls_table[] = {
    {"name", LS_NAME, NULL, 0, 0, "", "Name", "What the console and the CLI call this link."},
    {"status", LS_STATUS, NULL, 0, 0, "", "Status",
     "active: the link syncs; paused: its jobs wait, none is lost."},
    {"xero_tenant_id", LS_UUID, NULL, 0, 0, "", "Xero organisation id",
     "The Xero tenant id this link reads from; set by Connect Xero."},
    {"hubspot_portal_id", LS_ID, NULL, 0, 0, "", "HubSpot portal id",
     "The HubSpot portal this link writes to; set by Connect HubSpot."},
    {"objects.contact", LS_BOOL, NULL, 0, 0, "on", "Contacts",
     "Xero contacts become HubSpot companies with their primary person as a contact."},
    {"objects.invoice", LS_BOOL, NULL, 0, 0, "on", "Sales invoices",
     "Xero sales invoices become HubSpot invoices with their line items."},
    {"objects.payment", LS_BOOL, NULL, 0, 0, "on", "Payments",
     "Payments update paid status, amounts due and company balances."},
    {"objects.credit_note", LS_BOOL, NULL, 0, 0, "on", "Credit notes",
     "Credit notes update credited amounts and appear on the company's timeline."},
    {"objects.item", LS_BOOL, NULL, 0, 0, "on", "Items", "Xero items become HubSpot products."},
    {"poll_interval_s", LS_INT, NULL, 300, 86400, "", "Poll interval (seconds)",
     "How often the reconciling poll reads Xero for this link; empty: the server's"
     " [sync] poll_interval_s. It never polls more often than the server's interval."},
    {"match_key", LS_CHOICE, "domain|name|contact_number|none", 0, 0, "domain",
     "First-push matching key",
     "How companies already in HubSpot are found and adopted on the first push: by email"
     " domain (free-mail domains never match), by name, by a stored Xero contact number,"
     " or not at all."},
    {"conflict_policy", LS_CHOICE, "xero_wins|keep_hubspot_edits", 0, 0, "xero_wins",
     "Conflict policy",
     "xero_wins: Xero's values overwrite HubSpot edits of synced properties;"
     " keep_hubspot_edits: a property edited in HubSpot is no longer overwritten."},
    {"currencies", LS_CURRENCIES, NULL, 0, 0, "", "Currencies",
     "Empty: invoices in every currency; else a comma list such as NZD,AUD, and invoices"
     " in other currencies are excluded."},
    {"filters.invoice_from", LS_DATE, NULL, 0, 0, "", "Invoices dated from",
     "Empty: every invoice; else YYYY-MM-DD, and older invoices are excluded."},
    {"filters.invoice_statuses", LS_WORDS, "DRAFT|SUBMITTED|AUTHORISED|PAID|VOIDED|DELETED", 0, 0,
     "", "Invoice statuses",
     "Empty: invoices in every status; else a comma list such as AUTHORISED,PAID, and"
     " invoices in other statuses are not sent (one already in HubSpot is still updated)."},
    {"filters.customers_only", LS_BOOL, NULL, 0, 0, "off", "Customers only",
     "on: only Xero contacts marked as customers become companies."},
    {"contact_persons", LS_BOOL, NULL, 0, 0, "off", "Extra contact persons",
     "on: a Xero contact's other people who receive emails become HubSpot contacts too."},
    {"webhooks.hubspot_legacy", LS_BOOL, NULL, 0, 0, "off", "Legacy HubSpot webhooks",
     "on: HubSpot v1/v2 signatures are accepted for this link's events when the server"
     " allows them ([webhook] hubspot_legacy); v3 is always accepted."},
    {"paid_mode", LS_CHOICE, "direct|payment", 0, 0, "direct", "Paid status",
     "direct: an invoice's paid status is set on the invoice; payment: through an"
     " associated HubSpot payment."},
};
/* clang-format on */

enum ls_sql {
	LSQ_COLUMN,   /* LSQ_COLUMN */
	LSQ_SETTINGS, /* LSQ_SETTINGS */
	LSQ_AUDIT,    /* LSQ_AUDIT */
	LSQ_GET,      /* LSQ_GET */
	LSQ__MAX
};

/* clang-format off */
static const struct xh_sql ls_sql[LSQ__MAX] = {
    {"link_settings_column", /* $2 column key, $3 value (checked) */
     "UPDATE link SET"
     " name = CASE WHEN $2::text = 'name' THEN $3::text ELSE name END,"
     " status = CASE WHEN $2 = 'status' THEN $3 ELSE status END,"
     " status_reason = CASE WHEN $2 = 'status' THEN NULL ELSE status_reason END,"
     " xero_tenant_id = CASE WHEN $2 = 'xero_tenant_id' THEN $3::uuid ELSE xero_tenant_id END,"
     " hubspot_portal_id = CASE WHEN $2 = 'hubspot_portal_id' THEN $3::bigint"
     "  ELSE hubspot_portal_id END"
     " WHERE id = $1::bigint", 3},
    {"link_settings_json", /* $2 first key, $3 second key or '', $4 JSON value */
     "UPDATE link SET settings = CASE WHEN $3::text = ''"
     " THEN settings || jsonb_build_object($2::text, $4::jsonb)"
     " ELSE settings || jsonb_build_object($2::text, CASE WHEN jsonb_typeof(settings->$2::text)"
     "  = 'object' THEN settings->$2::text ELSE '{}'::jsonb END"
     "  || jsonb_build_object($3::text, $4::jsonb)) END"
     " WHERE id = $1::bigint",
     4},
    {"link_settings_audit",
     "INSERT INTO audit_event (link_id, action, outcome, actor, detail)"
     " VALUES ($1::bigint, 'link.set', 'ok', $2::text, $3::jsonb)", 3},
    {"link_settings_get",
     XH_SQL_IDEMPOTENT "SELECT name, status, coalesce(xero_tenant_id::text, ''),"
     " coalesce(hubspot_portal_id::text, ''), settings::text FROM link WHERE id = $1::bigint", 1},
};
/* clang-format on */

const struct link_setting *
link_settings_table(size_t *n)
{
	*n = XH_NELEM(ls_table);
	return ls_table;
}

const struct link_setting *
link_setting_find(const char *key)
{
	for (size_t i = 0; i < XH_NELEM(ls_table); i++)
		if (strcmp(ls_table[i].key, key) == 0)
			return &ls_table[i];
	return NULL;
}

int
link_setting_is_column(const struct link_setting *s)
{
	return s->kind == LS_NAME || s->kind == LS_STATUS || s->kind == LS_UUID || s->kind == LS_ID;
}

/* 1 if s is one of the |-separated words of choices. */
static int
is_choice(const char *choices, const char *s)
{
	size_t n = strlen(s);

	for (const char *p = choices; *p;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (n > 0 && len == n && strncmp(p, s, n) == 0)
			return 1;
		p += len + (bar != NULL);
	}
	return 0;
}

/* 1, 0, or -1 when s is not a truth value. */
static int
parse_bool(const char *s)
{
	static const char *const yes[] = {"on", "true", "yes", "1"};
	static const char *const no[] = {"off", "false", "no", "0"};

	for (size_t i = 0; i < XH_NELEM(yes); i++) {
		if (strcmp(s, yes[i]) == 0)
			return 1;
		if (strcmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* The integer s in [min, max] into *out: 0, else -1. */
static int
parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;

	if (*s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0' && *out >= min && *out <= max ? 0 : -1;
}

/* 1 if s is a real calendar date YYYY-MM-DD from 1900 to 9999. */
static int
is_date(const char *s)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return 0;
	y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	return !(m == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0)));
}

/* "" or a comma list of 3-letter codes, upper-cased and without spaces; NULL if bad. */
static const char *
norm_currencies(struct xh_arena *a, const char *s)
{
	struct xh_buf b;
	const char *out = NULL;
	int n = 0, len = 0;

	xh_buf_init(&b);
	for (const char *p = s;; p++) {
		if (*p == ' ')
			continue;
		if (*p == ',' || *p == '\0') {
			if (len != 3 && !(len == 0 && *p == '\0' && n == 0))
				goto done;
			if (*p == '\0')
				break;
			xh_buf_putc(&b, ','), len = 0;
		} else if (isalpha((unsigned char)*p) && len < 3) {
			xh_buf_putc(&b, (char)toupper((unsigned char)*p)), len++;
			n += len == 1;
		} else {
			goto done;
		}
	}
	if (n <= 20)
		out = xh_buf_dup(a, &b);
done:
	xh_buf_free(&b);
	return out;
}

/* The index of the |-separated word s in choices, or -1. */
static int
choice_index(const char *choices, const char *s, size_t n)
{
	int i = 0;

	for (const char *p = choices; *p; i++) {
		size_t len = strcspn(p, "|");

		if (n > 0 && len == n && strncmp(p, s, n) == 0)
			return i;
		p += len + (p[len] == '|');
	}
	return -1;
}

/*
 * "" or a comma list of words of choices (any case, spaces and empty items
 * ignored), as the upper-cased words in the order of choices, each once;
 * NULL with *bad the first item that is not one (in a).
 */
static const char *
norm_words(struct xh_arena *a, const char *choices, const char *s, const char **bad)
{
	struct xh_buf b;
	unsigned long seen = 0;
	const char *out;
	char *w = xh_strdup(a, s), *q = w;
	int i = 0;

	*bad = NULL;
	for (const char *p = s;; p++) {
		if (*p != ',' && *p != '\0') {
			if (*p != ' ') /* the error quotes it: printable ASCII only */
				*q++ = isprint((unsigned char)*p) ? (char)toupper((unsigned char)*p)
				                                  : '?';
			continue;
		}
		if (q > w && (i = choice_index(choices, w, (size_t)(q - w))) < 0) {
			*bad = xh_strndup(a, w, (size_t)(q - w) < 40 ? (size_t)(q - w) : 40);
			return NULL;
		}
		if (q > w && i < 32)
			seen |= 1UL << i;
		q = w;
		if (*p == '\0')
			break;
	}
	xh_buf_init(&b);
	i = 0;
	for (const char *p = choices; *p; i++) {
		size_t len = strcspn(p, "|");

		if (seen & (1UL << i)) {
			if (b.len > 0)
				xh_buf_putc(&b, ',');
			xh_buf_append(&b, p, len);
		}
		p += len + (p[len] == '|');
	}
	out = b.len > 0 ? xh_buf_dup(a, &b) : "";
	xh_buf_free(&b);
	return out;
}

/* A JSON string literal of s in a. */
static const char *
json_text(struct xh_arena *a, const char *s)
{
	json_object *o = json_object_new_string(s);
	const char *out = xh_strdup(a, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));

	json_object_put(o);
	return out;
}

/* The check of one kind: NULL and *stored, or why not (without the key). */
static const char *
check_kind(struct xh_arena *a, const struct link_setting *s, const char *v, const char **stored)
{
	const char *bad;
	long long n;
	int b;

	switch (s->kind) {
	case LS_NAME:
		*stored = v;
		return strlen(v) >= 1 && strlen(v) <= 200 ? NULL : "has 1 to 200 characters";
	case LS_STATUS:
		*stored = v;
		return is_choice("active|paused", v) ? NULL : "is active or paused";
	case LS_UUID:
		*stored = xh_strdup(a, v);
		for (char *p = (char *)*stored; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		return strlen(v) == 36 && strspn(v, "0123456789abcdefABCDEF-") == 36 &&
		               v[8] == '-' && v[13] == '-' && v[18] == '-' && v[23] == '-'
		           ? NULL
		           : "is a Xero tenant id (a UUID)";
	case LS_ID:
		*stored = v;
		return parse_int(v, 1, 9223372036854775807LL, &n) == 0 ? NULL
		                                                       : "is a positive number";
	case LS_BOOL:
		b = parse_bool(v);
		*stored = b == 1 ? "true" : "false";
		return b >= 0 ? NULL : "is on or off";
	case LS_INT:
		if (*v == '\0')
			return *stored = "null", NULL;
		if (parse_int(v, s->min, s->max, &n) != 0)
			return xh_printf(a, "is a whole number from %lld to %lld, or empty", s->min,
			                 s->max);
		*stored = xh_printf(a, "%lld", n);
		return NULL;
	case LS_CHOICE:
		*stored = json_text(a, v);
		return is_choice(s->choices, v) ? NULL : xh_printf(a, "is one of %s", s->choices);
	case LS_CURRENCIES:
		if ((v = norm_currencies(a, v)) == NULL)
			return "is empty or a comma list of up to 20 three-letter currency codes "
			       "(NZD,AUD)";
		*stored = json_text(a, v);
		return NULL;
	case LS_DATE:
		*stored = json_text(a, v);
		return *v == '\0' || is_date(v) ? NULL : "is empty or a date as YYYY-MM-DD";
	case LS_WORDS:
		if ((*stored = norm_words(a, s->choices, v, &bad)) == NULL) {
			char *list = xh_strdup(a, s->choices);
			for (char *p = list; *p; p++)
				*p = *p == '|' ? ',' : *p;
			return xh_printf(
			    a,
			    "has '%s', which is not one of %s (a comma list of them, or"
			    " empty for all)",
			    bad, list);
		}
		*stored = json_text(a, *stored);
		return NULL;
	case LS__MAX:
		break;
	}
	return "cannot be set";
}

const char *
link_setting_check(struct xh_arena *a, const char *key, const char *value, const char **stored)
{
	const struct link_setting *s = link_setting_find(key);
	const char *why;

	*stored = NULL;
	if (s == NULL)
		return xh_printf(a, "%.64s: unknown setting", key);
	if (strlen(value) > 1000)
		return xh_printf(a, "%s: the value is too long", key);
	if ((why = check_kind(a, s, value, stored)) != NULL) {
		*stored = NULL;
		return xh_printf(a, "%s %s", key, why);
	}
	return NULL;
}

/* Stores one checked setting; XH_ERR_NOTFOUND if no row changed. */
static enum xh_err
store_one(struct xh_db *db, struct xh_arena *a, const char *link, const struct link_setting *s,
          const char *stored)
{
	PGresult *res = NULL;
	enum xh_err e;
	const char *dot = strchr(s->key, '.');

	if (link_setting_is_column(s))
		e = xh_db_execv(db, &ls_sql[LSQ_COLUMN], &res, link, s->key, stored);
	else
		e = xh_db_execv(db, &ls_sql[LSQ_SETTINGS], &res, link,
		                dot ? xh_strndup(a, s->key, (size_t)(dot - s->key)) : s->key,
		                dot ? dot + 1 : "", stored);
	if (e == XH_OK && strcmp(PQcmdTuples(res), "1") != 0)
		e = XH_ERR_NOTFOUND;
	PQclear(res);
	return e;
}

/* The audit detail: {"key": value, ...} as typed (none of these is a secret). */
static const char *
audit_detail(struct xh_arena *a, const char *const *keys, const char *const *values, size_t n)
{
	json_object *o = json_object_new_object();
	const char *out;

	for (size_t i = 0; i < n; i++)
		json_object_object_add(o, keys[i], json_object_new_string(values[i]));
	out = xh_strdup(a, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return out;
}

enum xh_err
link_settings_set(struct xh_db *db, struct xh_arena *a, const char *link, const char *const *keys,
                  const char *const *values, size_t n, const char *actor, size_t *bad,
                  const char **why)
{
	const char **stored = xh_alloc(a, sizeof(*stored) * (n ? n : 1));
	enum xh_err e;

	*why = NULL;
	for (size_t i = 0; i < n; i++)
		if ((*why = link_setting_check(a, keys[i], values[i], &stored[i])) != NULL) {
			*bad = i;
			return XH_ERR_INVAL;
		}
	if ((e = xh_db_begin(db)) != XH_OK)
		return e;
	for (size_t i = 0; i < n && e == XH_OK; i++)
		e = store_one(db, a, link, link_setting_find(keys[i]), stored[i]);
	if (e == XH_OK && n > 0)
		e = xh_db_execv(db, &ls_sql[LSQ_AUDIT], NULL, link, actor,
		                audit_detail(a, keys, values, n));
	if (e == XH_OK)
		e = xh_db_commit(db);
	if (e != XH_OK)
		xh_db_rollback(db);
	return e;
}

/* The value of a settings key in settings (a JSON object), as a user types it. */
static const char *
effective(json_object *settings, const struct link_setting *s, struct xh_arena *a)
{
	const char *dot = strchr(s->key, '.');
	json_object *v = settings;

	if (dot) {
		json_object *parent = NULL;
		json_object_object_get_ex(settings, xh_strndup(a, s->key, (size_t)(dot - s->key)),
		                          &parent);
		v = json_object_is_type(parent, json_type_object) ? parent : NULL;
	}
	if (v == NULL || !json_object_object_get_ex(v, dot ? dot + 1 : s->key, &v) || v == NULL)
		return s->dflt;
	if (json_object_is_type(v, json_type_boolean))
		return json_object_get_boolean(v) ? "on" : "off";
	if (json_object_is_type(v, json_type_string))
		return xh_strdup(a, json_object_get_string(v));
	if (json_object_is_type(v, json_type_int))
		return xh_printf(a, "%lld", (long long)json_object_get_int64(v));
	return s->dflt;
}

/* The column of LSQ_GET that holds a column setting. */
static int
column_of(const struct link_setting *s)
{
	return s->kind == LS_NAME ? 0 : s->kind == LS_STATUS ? 1 : s->kind == LS_UUID ? 2 : 3;
}

enum xh_err
link_settings_get(struct xh_db *db, const char *link, struct json_object **out)
{
	struct xh_arena *a = xh_arena_new();
	PGresult *res = NULL;
	json_object *js;
	enum xh_err e;

	*out = NULL;
	if ((e = xh_db_execv(db, &ls_sql[LSQ_GET], &res, link)) != XH_OK)
		goto done;
	if (PQntuples(res) != 1) {
		e = XH_ERR_NOTFOUND;
		goto done;
	}
	js = json_tokener_parse(PQgetvalue(res, 0, 4));
	*out = json_object_new_object();
	for (size_t i = 0; i < XH_NELEM(ls_table); i++) {
		const struct link_setting *s = &ls_table[i];
		const char *v = link_setting_is_column(s) ? PQgetvalue(res, 0, column_of(s))
		                                          : effective(js, s, a);
		json_object_object_add(*out, s->key, json_object_new_string(v));
	}
	json_object_put(js);
done:
	PQclear(res);
	xh_arena_free(a);
	return e;
}
