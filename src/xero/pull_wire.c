/*
 * pull_wire.c: the pure parts of the Xero pull (pull.h): the object
 * table, page parsing, Xero's date form, and the pass cursor.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "xero/pull.h"

#define PAGE_DEPTH      64   /* Xero's records nest about six deep */
#define JSON_NUM_DIGITS 1000 /* longest integer or fraction part kept */

static const char *const sales_invoice[] = {"ACCREC", NULL};
static const char *const sales_credit[] = {"ACCRECCREDIT", NULL};
/* Payments against sales documents: invoices, credit notes, over- and prepayments. */
static const char *const sales_payment[] = {"ACCRECPAYMENT", "ARCREDITPAYMENT",
                                            "AROVERPAYMENTPAYMENT", "ARPREPAYMENTPAYMENT", NULL};

static const struct xero_obj obj_table[] = {
    {"contact", "Contacts", "ContactID", "&includeArchived=true", 1, NULL, NULL},
    {"item", "Items", "ItemID", "", 0, NULL, NULL},
    {"invoice", "Invoices", "InvoiceID", "&where=Type%3D%3D%22ACCREC%22", 1, "Type", sales_invoice},
    {"credit_note", "CreditNotes", "CreditNoteID", "&where=Type%3D%3D%22ACCRECCREDIT%22", 1, "Type",
     sales_credit},
    {"payment", "Payments", "PaymentID", "", 1, "PaymentType", sales_payment},
};

const struct xero_obj *
xero_obj_table(int *n)
{
	*n = (int)XH_NELEM(obj_table);
	return obj_table;
}

const struct xero_obj *
xero_obj_find(const char *name)
{
	for (size_t i = 0; name != NULL && i < XH_NELEM(obj_table); i++)
		if (strcmp(obj_table[i].name, name) == 0)
			return &obj_table[i];
	return NULL;
}

int
xero_is_uuid(const char *s)
{
	if (s == NULL)
		return 0;
	for (int i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : strchr("0123456789abcdefABCDEF", s[i]) == NULL || !s[i])
			return 0;
	}
	return s[36] == '\0';
}

/* Parses 1..max decimal digits at *p, advancing it; -1 if there are none. */
static long long
digits(const char **p, int max)
{
	long long v = 0;
	int n = 0;

	while (n < max && **p >= '0' && **p <= '9') {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n > 0 ? v : -1;
}

long long
xero_date_ms(const char *s)
{
	long long ms;

	if (s == NULL || strncmp(s, "/Date(", 6) != 0)
		return -1;
	s += 6;
	ms = digits(&s, 15); /* 15 digits reach the year 33658 */
	if (ms < 0)
		return -1;
	if (*s == '+' || *s == '-') {
		const char *z = ++s;

		if (digits(&s, 4) < 0 || s - z != 4)
			return -1;
	}
	return strcmp(s, ")/") == 0 ? ms : -1;
}

void
xero_ims_format(long long ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
}

/* Skips a run of at most max digits at *s; 0 if there are none or too many. */
static int
skip_digits(const char **s, size_t max)
{
	size_t n = strspn(*s, "0123456789");

	*s += n;
	return n >= 1 && n <= max;
}

/*
 * 1 if s is a number as RFC 8259 writes it (json-c also takes "NaN", "1."
 * and "1.e5") that PostgreSQL's numeric can hold: no part longer than
 * JSON_NUM_DIGITS digits, which also bounds the exponent.
 */
static int
json_number(const char *s)
{
	s += *s == '-';
	if (*s == '0')
		s++;
	else if (*s < '1' || *s > '9' || !skip_digits(&s, JSON_NUM_DIGITS))
		return 0;
	if (*s == '.' && (s++, !skip_digits(&s, JSON_NUM_DIGITS)))
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		s += *s == '+' || *s == '-';
		if (!skip_digits(&s, 4)) /* |exponent| < 10000: numeric's range is wider */
			return 0;
	}
	return *s == '\0';
}

/*
 * 1 if v (recursively) holds what jsonb refuses or json-c changed: a string
 * with a NUL byte, a number JSON does not write (json-c accepts "NaN", "1."
 * and "1.e5") or numeric cannot hold, or an integer beyond 64 bits.
 */
static int
unstorable(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_int: /* json-c clamps what 64 bits cannot hold: that is not Xero's value */
		return json_object_get_int64(v) == INT64_MIN ||
		       json_object_get_uint64(v) == UINT64_MAX;
	case json_type_double:
		return !json_number(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	case json_type_string:
		return strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v);
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (unstorable(json_object_array_get_idx(v, i)))
				return 1;
		return 0;
	case json_type_object: {
		json_object_object_foreach(v, key, val)
		{
			(void)key; /* json-c keys are NUL-terminated C strings */
			if (unstorable(val))
				return 1;
		}
		return 0;
	}
	default:
		return 0;
	}
}

/* The string member key of obj, or NULL. */
static const char *
member_str(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* 1 if rec's type field is among o->types (or o keeps every type). */
static int
type_kept(const struct xero_obj *o, json_object *rec)
{
	const char *t;

	if (o->types == NULL)
		return 1;
	t = member_str(rec, o->type_field);
	for (int i = 0; t != NULL && o->types[i] != NULL; i++)
		if (strcmp(t, o->types[i]) == 0)
			return 1;
	return 0;
}

/*
 * Adds rec to batch when it is kept; counts it either way. Every dated
 * record, kept or not, moves max_ms and the order check: the cursor steps
 * past what the page showed, not only past what the mirror keeps.
 */
static void
take_record(const struct xero_obj *o, json_object *rec, json_object *batch, struct xero_page *out)
{
	int obj = json_object_is_type(rec, json_type_object);
	const char *id = obj ? member_str(rec, o->id_field) : NULL;
	long long ms = obj ? xero_date_ms(member_str(rec, "UpdatedDateUTC")) : -1;
	json_object *e;

	out->read++;
	if (ms >= 0) {
		if (ms < out->max_ms)
			out->ordered = 0;
		else
			out->max_ms = ms;
	}
	if (ms < 0 || !xero_is_uuid(id) || !type_kept(o, rec) || unstorable(rec)) {
		out->skipped++;
		return;
	}
	e = json_object_new_object();
	json_object_object_add(e, "i", json_object_new_string(id));
	json_object_object_add(e, "t", json_object_new_int64(ms));
	json_object_object_add(e, "p", json_object_get(rec));
	json_object_array_add(batch, e);
	out->kept++;
}

/* pagination.itemCount of root, or -1. */
static long long
item_count(json_object *root)
{
	json_object *pg, *v;

	if (!json_object_object_get_ex(root, "pagination", &pg) ||
	    !json_object_object_get_ex(pg, "itemCount", &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	return json_object_get_int64(v) >= 0 ? json_object_get_int64(v) : -1;
}

enum xh_err
xero_page_parse(struct xh_arena *a, const struct xero_obj *o, const char *body, size_t len,
                struct xero_page *out)
{
	json_object *root = xh_json_parse_strict(body, len, PAGE_DEPTH), *list, *batch;

	memset(out, 0, sizeof(*out));
	out->max_ms = -1;
	out->ordered = 1;
	if (root == NULL || !json_object_object_get_ex(root, o->endpoint, &list) ||
	    !json_object_is_type(list, json_type_array)) {
		json_object_put(root);
		return XH_ERR_INVAL;
	}
	batch = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(list); i++)
		take_record(o, json_object_array_get_idx(list, i), batch, out);
	out->item_count = item_count(root);
	out->batch =
	    xh_strdup(a, json_object_to_json_string_ext(batch, JSON_C_TO_STRING_PLAIN |
	                                                           JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(batch);
	json_object_put(root);
	return XH_OK;
}

void
xero_cursor_begin(struct xero_cursor *c, int full, long long overlap_ms)
{
	c->open = 1;
	c->page = 1;
	c->since_ms = full || c->watermark_ms < 0 ? -1 : c->watermark_ms - overlap_ms;
	if (c->since_ms < 0 && !full && c->watermark_ms >= 0)
		c->since_ms = 0; /* an overlap reaching back past 1970 */
}

void
xero_cursor_step(struct xero_cursor *c, const struct xero_page *p, int page_size, int paged)
{
	long long next;

	if (p->max_ms > c->watermark_ms)
		c->watermark_ms = p->max_ms;
	if (!paged || p->read < page_size) {
		c->open = 0;
		c->page = 1;
		return;
	}
	/*
	 * One second back from the newest record: whether Xero compares
	 * If-Modified-Since with >= or > at its one-second precision, every
	 * record not yet read comes back. That holds only if the page came in
	 * UpdatedDateUTC order; if not, walk the pages of the same query.
	 */
	next = p->max_ms >= 1000 ? p->max_ms - 1000 : 0;
	if (p->ordered && p->max_ms >= 0 &&
	    next / 1000 > (c->since_ms < 0 ? -1 : c->since_ms / 1000)) {
		c->since_ms = next;
		c->page = 1;
	} else {
		c->page++;
	}
}

int
xero_page_fit(long long offset, int max)
{
	if (offset <= 0 || max < 2)
		return max < 1 ? 1 : max;
	for (int d = max; d > 1; d--)
		if (offset % d == 0)
			return d;
	return 1;
}

void
xero_pull_job(struct xh_arena *a, long long link, const char *object, int full, struct job_new *jn)
{
	memset(jn, 0, sizeof(*jn));
	jn->kind = object != NULL ? "xero.pull" : "xero.poll";
	jn->link_id = link;
	jn->unique_key = job_unique_key(a, jn->kind, link, object);
	if (object != NULL) /* a name from the object table: nothing to escape */
		jn->args =
		    xh_printf(a, "{\"object\": \"%s\"%s}", object, full ? ", \"full\": true" : "");
	else
		jn->args = full ? "{\"full\": true}" : "{}";
}
