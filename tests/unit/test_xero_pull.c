/*
 * test_xero_pull.c: the pure parts of the Xero pull (src/xero/pull_wire.c):
 * Xero's date form, UUIDs, the If-Modified-Since text, the object table,
 * list pages (kept and skipped records, the batch, pagination, refused
 * bodies) and the pass cursor, including whole passes against a
 * simulated list endpoint.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <string.h>

#define UNIT_ARENA
#include "unit.h"
#include "xero/pull.h"

#define ID1 "22b3fab4-ef56-4d70-a110-a7cc3c1a26cd"
#define ID2 "9B9BA9E5-E907-4B4E-8210-54D82B0AA479"
#define ID3 "1fc7c801-ce81-41b0-b986-f03a1e2b3c4d"

static const struct {
	const char *s;
	long long ms;
} dates[] = {
    {"/Date(1573755038314+0000)/", 1573755038314LL},
    {"/Date(1573755038314)/", 1573755038314LL},
    {"/Date(1573755038314-0530)/", 1573755038314LL},
    {"/Date(0+0000)/", 0},
    {"/Date(0)/", 0},
    {"/Date(999999999999999)/", 999999999999999LL}, /* 15 digits */
    {"/Date(1573755038314+0000)", -1},              /* no ")/" */
    {"/Date(1573755038314+0000", -1},
    {"/Date(1573755038314+0000)/x", -1}, /* trailing bytes */
    {"/Date(1573755038314+0000)/ ", -1},
    {"/Date(1573755038314+00000)/", -1}, /* 5-digit offset */
    {"/Date(1573755038314+000)/", -1},   /* 3-digit offset */
    {"/Date(1573755038314+)/", -1},
    {"/Date(1573755038314+-000)/", -1},
    {"/Date()/", -1}, /* no digits */
    {"/Date(+0000)/", -1},
    {"/Date(-1000)/", -1},            /* before 1970 */
    {"/Date(1234567890123456)/", -1}, /* 16 digits */
    {"/Date(1 )/", -1},
    {"/Date(0x10)/", -1},
    {"Date(1)/", -1},
    {"/date(1)/", -1},
    {" /Date(1)/", -1},
    {"2019-11-14T18:10:38", -1},
    {"", -1},
    {NULL, -1},
};

START_TEST(date_ms_reads_xeros_form_only)
{
	ck_assert_msg(xero_date_ms(dates[_i].s) == dates[_i].ms, "%s: %lld, want %lld",
	              dates[_i].s ? dates[_i].s : "NULL", xero_date_ms(dates[_i].s), dates[_i].ms);
}
END_TEST

static const struct {
	const char *s;
	int ok;
} uuids[] = {
    {ID1, 1},
    {ID2, 1},
    {"00000000-0000-0000-0000-000000000000", 1},
    {"aBcDeF01-2345-6789-AbCd-eF0123456789", 1},
    {"22b3fab4ef56-4d70-a110-a7cc3c1a26cd-", 0},  /* dashes moved */
    {"22b3fab-4ef56-4d70-a110-a7cc3c1a26cd", 0},  /* dash one early */
    {"22b3fab4-ef56-4d70-a110a-7cc3c1a26cd", 0},  /* dash one late */
    {"22b3fab4-ef56-4d70-a110-a7cc3c1a26c", 0},   /* 35 characters */
    {"22b3fab4-ef56-4d70-a110-a7cc3c1a26cdd", 0}, /* 37 characters */
    {"22b3fab4-ef56-4d70-a110-a7cc3c1a26cg", 0},  /* not hex */
    {"22b3fab4-ef56-4d70-a110-a7cc3c1a26c ", 0},
    {"22b3fab4 ef56-4d70-a110-a7cc3c1a26cd", 0},
    {"{22b3fab4-ef56-4d70-a110-a7cc3c1a26cd}", 0},
    {"22b3fab4-ef56-4d70-a110-", 0},
    {"------------------------------------", 0},
    {"", 0},
    {NULL, 0},
};

START_TEST(is_uuid_wants_the_36_character_form)
{
	ck_assert_msg(xero_is_uuid(uuids[_i].s) == uuids[_i].ok, "%s",
	              uuids[_i].s ? uuids[_i].s : "NULL");
}
END_TEST

START_TEST(is_uuid_stops_at_a_short_strings_end)
{
	/* the NUL at 8 ends the check: nothing past it is read */
	char s[9] = "22b3fab4";

	ck_assert_int_eq(xero_is_uuid(s), 0);
}
END_TEST

static const struct {
	long long ms;
	const char *text;
} ims[] = {
    {0, "1970-01-01T00:00:00"},
    {999, "1970-01-01T00:00:00"},
    {1000, "1970-01-01T00:00:01"},
    {1573755038314LL, "2019-11-14T18:10:38"},
    {1573755038999LL, "2019-11-14T18:10:38"},
    {1573755039000LL, "2019-11-14T18:10:39"},
    {951782400000LL, "2000-02-29T00:00:00"},
};

START_TEST(ims_format_is_utc_seconds)
{
	char out[32];

	xero_ims_format(ims[_i].ms, out);
	ck_assert_str_eq(out, ims[_i].text);
}
END_TEST

START_TEST(obj_table_names_every_object_once)
{
	int n = 0;
	const struct xero_obj *t = xero_obj_table(&n);

	ck_assert_int_eq(n, 5);
	ck_assert_str_eq(t[0].name, "contact"); /* contacts before the invoices naming them */
	for (int i = 0; i < n; i++) {
		ck_assert_ptr_eq(xero_obj_find(t[i].name), &t[i]);
		ck_assert(t[i].endpoint != NULL && t[i].id_field != NULL && t[i].query != NULL);
		ck_assert((t[i].types == NULL) == (t[i].type_field == NULL));
	}
	ck_assert_ptr_null(xero_obj_find("Invoice"));
	ck_assert_ptr_null(xero_obj_find("invoices"));
	ck_assert_ptr_null(xero_obj_find(""));
	ck_assert_ptr_null(xero_obj_find(NULL));
	ck_assert_str_eq(xero_obj_find("invoice")->endpoint, "Invoices");
	ck_assert_str_eq(xero_obj_find("invoice")->id_field, "InvoiceID");
	ck_assert_str_eq(xero_obj_find("credit_note")->endpoint, "CreditNotes");
	ck_assert_str_eq(xero_obj_find("payment")->id_field, "PaymentID");
	ck_assert_int_eq(xero_obj_find("item")->paged, 0);
	ck_assert_int_eq(xero_obj_find("contact")->paged, 1);
}
END_TEST

/* Parses the NUL-terminated body as a page of object name. */
static enum xh_err
page(const char *name, const char *body, struct xero_page *p)
{
	const struct xero_obj *o = xero_obj_find(name);

	ck_assert_ptr_nonnull(o);
	return xero_page_parse(a, o, body, strlen(body), p);
}

/* A record of object name as Xero writes it: type (or NULL), id, date "\/Date(ms+0000)\/". */
static const char *
rec(const char *name, const char *type, const char *id, long long ms)
{
	const struct xero_obj *o = xero_obj_find(name);
	const char *date = xh_printf(a, "\"UpdatedDateUTC\":\"\\/Date(%lld+0000)\\/\"", ms);

	if (type == NULL)
		return xh_printf(a, "{\"%s\":\"%s\",%s}", o->id_field, id, date);
	return xh_printf(a, "{\"%s\":\"%s\",\"%s\":\"%s\",%s}", o->type_field, type, o->id_field,
	                 id, date);
}

/* The body {"<endpoint>": [r0, r1, ...]} of object name, for the NULL-ended records. */
static const char *
list(const char *name, const char *r0, ...)
{
	struct xh_buf b;
	const char *r = r0, *out;
	va_list ap;

	xh_buf_init(&b);
	xh_buf_printf(&b, "{\"%s\":[", xero_obj_find(name)->endpoint);
	va_start(ap, r0);
	for (int i = 0; r != NULL; i++, r = va_arg(ap, const char *))
		xh_buf_printf(&b, "%s%s", i ? "," : "", r);
	va_end(ap);
	xh_buf_puts(&b, "]}");
	out = xh_buf_dup(a, &b);
	xh_buf_free(&b);
	return out;
}

/* Asserts that p's batch is an array of p->kept entries whose k-th is id at ms. */
static void
assert_entry(const struct xero_page *p, const char *name, int k, const char *id, long long ms)
{
	json_object *b = json_tokener_parse(p->batch), *e, *v, *r;

	ck_assert_msg(json_object_is_type(b, json_type_array), "batch: %s", p->batch);
	ck_assert_int_eq(json_object_array_length(b), p->kept);
	e = json_object_array_get_idx(b, k);
	ck_assert(json_object_object_get_ex(e, "i", &v) &&
	          json_object_is_type(v, json_type_string));
	ck_assert_str_eq(json_object_get_string(v), id);
	ck_assert(json_object_object_get_ex(e, "t", &v) && json_object_is_type(v, json_type_int));
	ck_assert_int_eq(json_object_get_int64(v), ms);
	ck_assert(json_object_object_get_ex(e, "p", &r) &&
	          json_object_is_type(r, json_type_object));
	ck_assert(json_object_object_get_ex(r, xero_obj_find(name)->id_field, &v));
	ck_assert_str_eq(json_object_get_string(v), id);
	ck_assert_int_eq(json_object_object_length(e), 3);
	json_object_put(b);
}

START_TEST(rec_and_list_build_xeros_form)
{
	ck_assert_str_eq(list("invoice", rec("invoice", "ACCREC", ID1, 5), NULL),
	                 "{\"Invoices\":[{\"Type\":\"ACCREC\",\"InvoiceID\":\"" ID1 "\","
	                 "\"UpdatedDateUTC\":\"\\/Date(5+0000)\\/\"}]}");
	ck_assert_str_eq(list("item", rec("item", NULL, ID1, 5), "null", NULL),
	                 "{\"Items\":[{\"ItemID\":\"" ID1 "\","
	                 "\"UpdatedDateUTC\":\"\\/Date(5+0000)\\/\"},null]}");
	ck_assert_str_eq(list("contact", NULL), "{\"Contacts\":[]}");
}
END_TEST

START_TEST(page_keeps_records_with_id_and_date)
{
	const char *body =
	    "{\"Id\":\"12b9c7bc-4c28-4920-a54c-136e7014eaa2\",\"Status\":\"OK\","
	    "\"Contacts\":["
	    "{\"ContactID\":\"" ID1 "\",\"Name\":\"PowerDirect\","
	    "\"UpdatedDateUTC\":\"\\/Date(1573755038314+0000)\\/\","
	    "\"Addresses\":[{\"City\":\"Wellington\"}],\"IsSupplier\":true},"
	    "{\"ContactID\":\"" ID2 "\",\"Name\":\"Caf\\u00e9 \\/ Bar\","
	    "\"UpdatedDateUTC\":\"/Date(1573755000000)/\",\"Balance\":89.00}"
	    "],\"pagination\":{\"page\":1,\"pageSize\":100,\"pageCount\":1,\"itemCount\":2}}";
	struct xero_page p;
	json_object *b, *r, *v;

	ck_assert_int_eq(page("contact", body, &p), XH_OK);
	ck_assert_int_eq(p.read, 2);
	ck_assert_int_eq(p.kept, 2);
	ck_assert_int_eq(p.skipped, 0);
	ck_assert_int_eq(p.max_ms, 1573755038314LL);
	ck_assert_int_eq(p.item_count, 2);
	assert_entry(&p, "contact", 0, ID1, 1573755038314LL);
	assert_entry(&p, "contact", 1, ID2, 1573755000000LL);
	/* the record is kept whole, its strings decoded */
	b = json_tokener_parse(p.batch);
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(b, 1), "p", &r));
	ck_assert(json_object_object_get_ex(r, "Name", &v));
	ck_assert_str_eq(json_object_get_string(v), "Caf\xc3\xa9 / Bar");
	ck_assert(json_object_object_get_ex(r, "Balance", &v));
	ck_assert(json_object_is_type(v, json_type_double));
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(b, 0), "p", &r));
	ck_assert(json_object_object_get_ex(r, "UpdatedDateUTC", &v));
	ck_assert_str_eq(json_object_get_string(v), "/Date(1573755038314+0000)/");
	ck_assert(json_object_object_get_ex(r, "Addresses", &v));
	ck_assert_int_eq(json_object_array_length(v), 1);
	json_object_put(b);
	/* no "\/" in the batch: it goes to PostgreSQL as it is */
	ck_assert_ptr_null(strstr(p.batch, "\\/"));
}
END_TEST

START_TEST(page_of_nothing_is_an_empty_batch)
{
	struct xero_page p;

	ck_assert_int_eq(page("item", "{\"Items\":[]}", &p), XH_OK);
	ck_assert_str_eq(p.batch, "[]");
	ck_assert_int_eq(p.read, 0);
	ck_assert_int_eq(p.kept, 0);
	ck_assert_int_eq(p.skipped, 0);
	ck_assert_int_eq(p.max_ms, -1);
	ck_assert_int_eq(p.item_count, -1);
}
END_TEST

START_TEST(page_keeps_only_sales_types)
{
	struct xero_page p;

	ck_assert_int_eq(page("invoice",
	                      list("invoice", rec("invoice", "ACCPAY", ID1, 9000),
	                           rec("invoice", "ACCREC", ID2, 5000),
	                           rec("invoice", NULL, ID3, 7000), /* no type */
	                           rec("invoice", "accrec", ID3, 7000), NULL),
	                      &p),
	                 XH_OK);
	ck_assert_int_eq(p.read, 4);
	ck_assert_int_eq(p.kept, 1);
	ck_assert_int_eq(p.skipped, 3);
	ck_assert_int_eq(p.max_ms, 9000); /* every dated record counts, kept or not */
	ck_assert_int_eq(p.ordered, 0);
	assert_entry(&p, "invoice", 0, ID2, 5000);

	ck_assert_int_eq(page("invoice",
	                      "{\"Invoices\":[{\"Type\":5,\"InvoiceID\":\"" ID1 "\","
	                      "\"UpdatedDateUTC\":\"\\/Date(1+0000)\\/\"}]}",
	                      &p),
	                 XH_OK);
	ck_assert_int_eq(p.skipped, 1);

	ck_assert_int_eq(page("payment",
	                      list("payment", rec("payment", "ACCRECPAYMENT", ID1, 1000),
	                           rec("payment", "ACCPAYPAYMENT", ID2, 8000),
	                           rec("payment", "ARCREDITPAYMENT", ID2, 2000),
	                           rec("payment", "APCREDITPAYMENT", ID3, 8000),
	                           rec("payment", "AROVERPAYMENTPAYMENT", ID3, 3000),
	                           rec("payment", "ARPREPAYMENTPAYMENT", ID3, 4000),
	                           rec("payment", "APPREPAYMENTPAYMENT", ID3, 8000), NULL),
	                      &p),
	                 XH_OK);
	ck_assert_int_eq(p.read, 7);
	ck_assert_int_eq(p.kept, 4);
	ck_assert_int_eq(p.skipped, 3);
	ck_assert_int_eq(p.max_ms, 8000); /* supplier payments move the cursor too */
	assert_entry(&p, "payment", 0, ID1, 1000);
	assert_entry(&p, "payment", 1, ID2, 2000);
	assert_entry(&p, "payment", 2, ID3, 3000);
	assert_entry(&p, "payment", 3, ID3, 4000);

	ck_assert_int_eq(page("credit_note",
	                      list("credit_note", rec("credit_note", "ACCPAYCREDIT", ID1, 9000),
	                           rec("credit_note", "ACCRECCREDIT", ID2, 6000), NULL),
	                      &p),
	                 XH_OK);
	ck_assert_int_eq(p.kept, 1);
	ck_assert_int_eq(p.skipped, 1);
	assert_entry(&p, "credit_note", 0, ID2, 6000);

	/* contacts and items keep every type */
	ck_assert_int_eq(page("item",
	                      "{\"Items\":[{\"Type\":\"ACCPAY\",\"ItemID\":\"" ID1 "\","
	                      "\"UpdatedDateUTC\":\"\\/Date(1+0000)\\/\"}]}",
	                      &p),
	                 XH_OK);
	ck_assert_int_eq(p.kept, 1);
}
END_TEST

#define ID_1 "\"ContactID\":\"" ID1 "\""
#define AT_9 "\"UpdatedDateUTC\":\"\\/Date(9000+0000)\\/\""

/* Records a contact page must skip; each is read next to one good record. */
static const char *const bad_records[] = {
    "{" AT_9 "}",                                            /* no id */
    "{\"ContactID\":null," AT_9 "}",                         /* id not a string */
    "{\"ContactID\":7," AT_9 "}",                            /* id a number */
    "{\"ContactID\":\"\"," AT_9 "}",                         /* empty id */
    "{\"ContactID\":\"not-a-uuid\"," AT_9 "}",               /* not a UUID */
    "{\"ContactID\":\"" ID1 "x\"," AT_9 "}",                 /* 37 characters */
    "{\"ContactID\":\"" ID1 "\\u0000\"," AT_9 "}",           /* a NUL after the UUID */
    "{\"contactid\":\"" ID1 "\"," AT_9 "}",                  /* wrong key */
    "{\"InvoiceID\":\"" ID1 "\"," AT_9 "}",                  /* another object's id */
    "{" ID_1 "}",                                            /* no date */
    "{" ID_1 ",\"UpdatedDateUTC\":9000}",                    /* date a number */
    "{" ID_1 ",\"UpdatedDateUTC\":null}",                    /* date null */
    "{" ID_1 ",\"UpdatedDateUTC\":\"2019-11-14T18:10:38\"}", /* ISO date */
    "{" ID_1 ",\"UpdatedDateUTC\":\"/Date(9000+00)/\"}",     /* short offset */
    "{" ID_1 ",\"UpdatedDateUTC\":\"/Date(-9000)/\"}",       /* before 1970 */
    "{" ID_1 ",\"updateddateutc\":\"/Date(9000)/\"}",        /* wrong key */
    "{" ID_1 "," AT_9 ",\"Name\":\"a\\u0000b\"}",            /* a NUL in a string */
    "{" ID_1 "," AT_9 ",\"Addresses\":[{\"Lines\":[\"x\",\"\\u0000\"]}]}", /* a NUL deep down */
    "{" ID_1 "," AT_9 ",\"Total\":NaN}",                                   /* NaN */
    "{" ID_1 "," AT_9 ",\"Total\":1.}",                                    /* "1." */
    "{" ID_1 "," AT_9 ",\"Lines\":[{\"Q\":1.e5}]}",                        /* "1.e5" deep down */
    "\"" ID1 "\"",                                                         /* not an object */
    "null",
    "9000",
    "[{" ID_1 "," AT_9 "}]", /* a record in an array */
    "[\"" ID1 "\"]",
};

START_TEST(page_keeps_json_numbers_and_utf8)
{
	struct xero_page p;

	ck_assert_int_eq(page("contact",
	                      "{\"Contacts\":[{" ID_1 "," AT_9 ",\"Name\":\"caf\xc3\xa9\","
	                      "\"A\":89.00,\"B\":-0.5E-3,\"C\":1e999,\"D\":0,\"E\":-0.0}]}",
	                      &p),
	                 XH_OK);
	ck_assert_int_eq(p.kept, 1);
	ck_assert_ptr_nonnull(strstr(p.batch, "caf\xc3\xa9"));
	ck_assert_ptr_nonnull(strstr(p.batch, "89.00"));
}
END_TEST

START_TEST(page_out_of_date_order_walks_pages)
{
	struct xero_cursor c = {1573755000000LL, 1573755000000LL, 1, 1};
	struct xero_page p;

	ck_assert_int_eq(page("contact",
	                      list("contact", rec("contact", NULL, ID1, 1573755090000LL),
	                           rec("contact", NULL, ID2, 1573755080000LL), NULL),
	                      &p),
	                 XH_OK);
	ck_assert_int_eq(p.ordered, 0);
	ck_assert_int_eq(p.max_ms, 1573755090000LL);
	xero_cursor_step(&c, &p, 2, 1);
	/* the same query's next page, not a jump past records it may not have shown */
	ck_assert_int_eq(c.since_ms, 1573755000000LL);
	ck_assert_int_eq(c.page, 2);
	ck_assert_int_eq(c.watermark_ms, 1573755090000LL);

	ck_assert_int_eq(page("contact",
	                      list("contact", rec("contact", NULL, ID1, 1573755080000LL),
	                           rec("contact", NULL, ID2, 1573755080000LL), NULL),
	                      &p),
	                 XH_OK);
	ck_assert_int_eq(p.ordered, 1); /* equal dates are in order */
}
END_TEST

START_TEST(page_skips_numbers_postgresql_cannot_hold)
{
	struct xero_page p;
	struct xh_buf b;
	const char *body;

	xh_buf_init(&b);
	xh_buf_puts(&b, "{\"Contacts\":[{" ID_1 "," AT_9 ",\"Big\":");
	for (int i = 0; i < 1001; i++)
		xh_buf_putc(&b, '9');
	xh_buf_puts(&b, "}]}");
	body = xh_buf_dup(a, &b);
	xh_buf_free(&b);
	ck_assert_int_eq(page("contact", body, &p), XH_OK);
	ck_assert_int_eq(p.skipped, 1);
	ck_assert_int_eq(
	    page("contact", "{\"Contacts\":[{" ID_1 "," AT_9 ",\"N\":-9223372036854775809}]}", &p),
	    XH_OK);
	ck_assert_int_eq(p.skipped, 1);
	ck_assert_int_eq(
	    page("contact", "{\"Contacts\":[{" ID_1 "," AT_9 ",\"N\":18446744073709551614}]}", &p),
	    XH_OK);
	ck_assert_int_eq(p.kept, 1);
	ck_assert_int_eq(page("contact", "{\"Contacts\":[{" ID_1 "," AT_9 ",\"E\":1e10000}]}", &p),
	                 XH_OK);
	ck_assert_int_eq(p.skipped, 1);
	ck_assert_int_eq(
	    page("contact", "{\"Contacts\":[{" ID_1 "," AT_9 ",\"E\":1.5e-9999}]}", &p), XH_OK);
	ck_assert_int_eq(p.kept, 1);
}
END_TEST

START_TEST(page_skips_malformed_records)
{
	const char *good = "{\"ContactID\":\"" ID3 "\",\"Name\":\"ok\","
	                   "\"UpdatedDateUTC\":\"\\/Date(4000+0000)\\/\"}";
	struct xero_page p;
	const char *body = list("contact", bad_records[_i], good, NULL);

	ck_assert_msg(page("contact", body, &p) == XH_OK, "refused: %s", body);
	ck_assert_msg(p.kept == 1 && p.skipped == 1, "kept %d skipped %d: %s", p.kept, p.skipped,
	              bad_records[_i]);
	ck_assert_int_eq(p.read, 2);
	ck_assert_int_ge(p.max_ms, 4000); /* a bad record's valid date counts too */
	assert_entry(&p, "contact", 0, ID3, 4000);
	/* the other order too */
	ck_assert_int_eq(page("contact", list("contact", good, bad_records[_i], NULL), &p), XH_OK);
	ck_assert_int_eq(p.kept, 1);
	ck_assert_int_eq(p.skipped, 1);
	assert_entry(&p, "contact", 0, ID3, 4000);
}
END_TEST

START_TEST(page_of_only_skipped_records_still_has_a_newest)
{
	struct xero_page p;

	ck_assert_int_eq(page("invoice",
	                      "{\"Invoices\":[{\"Type\":\"ACCPAY\",\"InvoiceID\":\"" ID1 "\"," AT_9
	                      "},{\"InvoiceID\":\"bad\"},null],\"pagination\":{\"itemCount\":3}}",
	                      &p),
	                 XH_OK);
	ck_assert_int_eq(p.read, 3);
	ck_assert_int_eq(p.kept, 0);
	ck_assert_int_eq(p.skipped, 3);
	ck_assert_int_eq(p.max_ms, 9000); /* the supplier invoice's date moves the cursor */
	ck_assert_int_eq(p.item_count, 3);
	ck_assert_str_eq(p.batch, "[]");
}
END_TEST

START_TEST(page_keeps_a_record_named_twice)
{
	struct xero_page p;

	/* the upsert keeps the newest copy; the parser keeps both */
	ck_assert_int_eq(page("contact",
	                      list("contact", rec("contact", NULL, ID1, 2000),
	                           rec("contact", NULL, ID1, 1000), NULL),
	                      &p),
	                 XH_OK);
	ck_assert_int_eq(p.kept, 2);
	ck_assert_int_eq(p.max_ms, 2000);
	assert_entry(&p, "contact", 0, ID1, 2000);
	assert_entry(&p, "contact", 1, ID1, 1000);
}
END_TEST

static const struct {
	const char *pagination;
	long long count;
} counts[] = {
    {"", -1},
    {",\"pagination\":{\"page\":1,\"pageSize\":100,\"pageCount\":3,\"itemCount\":250}", 250},
    {",\"pagination\":{\"itemCount\":0}", 0},
    {",\"pagination\":{\"page\":1}", -1},
    {",\"pagination\":{\"itemCount\":\"250\"}", -1},
    {",\"pagination\":{\"itemCount\":-4}", -1},
    {",\"pagination\":{\"itemCount\":2.5}", -1},
    {",\"pagination\":{\"itemCount\":null}", -1},
    {",\"pagination\":null", -1},
    {",\"pagination\":[{\"itemCount\":3}]", -1},
    {",\"pagination\":7", -1},
    {",\"itemCount\":7", -1},
};

START_TEST(page_reads_the_item_count)
{
	struct xero_page p;
	char *body = xh_printf(a, "{\"Contacts\":[]%s}", counts[_i].pagination);

	ck_assert_int_eq(page("contact", body, &p), XH_OK);
	ck_assert_int_eq(p.item_count, counts[_i].count);
}
END_TEST

/* Bodies a contact page refuses as a whole. */
static const char *const bad_bodies[] = {
    "",
    " ",
    "not json",
    "[]",
    "[{\"Contacts\":[]}]",
    "\"Contacts\"",
    "null",
    "{}",
    "{\"contacts\":[]}",
    "{\"Invoices\":[]}",
    "{\"Contacts\":{}}",
    "{\"Contacts\":null}",
    "{\"Contacts\":\"[]\"}",
    "{\"Contacts\":1}",
    "{\"Contacts\":[]} x",
    "{\"Contacts\":[]}{}",
    "{\"Contacts\":[]}]",
    "{\"Contacts\":[]",
    "{\"Contacts\":[",
    "{\"Contacts\":[],}",
    "{\"Contacts\":[{},]}",
    "{Contacts:[]}",
    "/* c */{\"Contacts\":[]}",
    "{\"Contacts\":[]}// c",
    "{\"Contacts\":[True]}",
    "{\"Contacts\":[0x10]}",
    "{\"Contacts\":[{\"Name\":\"\xff\"}]}", /* not UTF-8 */
    "{\"Contacts\":[{\"Name\":\"\xc3\"}]}", /* a cut sequence */
};

START_TEST(page_refuses_bad_bodies)
{
	struct xero_page p;

	ck_assert_msg(page("contact", bad_bodies[_i], &p) == XH_ERR_INVAL, "accepted: %s",
	              bad_bodies[_i]);
	ck_assert_ptr_null(p.batch);
	ck_assert_int_eq(p.read, 0);
	ck_assert_int_eq(p.kept, 0);
	ck_assert_int_eq(p.max_ms, -1);
}
END_TEST

START_TEST(page_reads_len_bytes_only)
{
	static const char body[] = "{\"Contacts\":[]}{\"Contacts\":[1]} and more";
	static const char with_nul[] = "{\"Contacts\":[]}\0";
	const struct xero_obj *o = xero_obj_find("contact");
	struct xero_page p;

	ck_assert_int_eq(xero_page_parse(a, o, body, 15, &p), XH_OK);
	ck_assert_int_eq(p.read, 0);
	ck_assert_int_eq(xero_page_parse(a, o, body, 14, &p), XH_ERR_INVAL);
	ck_assert_int_eq(xero_page_parse(a, o, body, 16, &p), XH_ERR_INVAL);
	ck_assert_int_eq(xero_page_parse(a, o, with_nul, sizeof(with_nul) - 1, &p), XH_ERR_INVAL);
	ck_assert_int_eq(xero_page_parse(a, o, body, 0, &p), XH_ERR_INVAL);
	/* white space around the value is fine */
	ck_assert_int_eq(page("contact", " \n{\"Contacts\":[]}\r\n", &p), XH_OK);
}
END_TEST

START_TEST(page_refuses_deep_nesting)
{
	struct xh_buf b;
	struct xero_page p;
	char *body;

	/* a record 70 arrays deep: past the parser's depth limit */
	xh_buf_init(&b);
	xh_buf_puts(&b, "{\"Contacts\":[{\"ContactID\":\"" ID1 "\",\"X\":");
	for (int i = 0; i < 70; i++)
		xh_buf_putc(&b, '[');
	for (int i = 0; i < 70; i++)
		xh_buf_putc(&b, ']');
	xh_buf_puts(&b, "}]}");
	body = xh_buf_dup(a, &b);
	xh_buf_free(&b);
	ck_assert_int_eq(page("contact", body, &p), XH_ERR_INVAL);
	/* Xero's usual depth is fine */
	ck_assert_int_eq(page("contact",
	                      "{\"Contacts\":[{" ID_1 "," AT_9
	                      ",\"A\":[{\"B\":[{\"C\":[{\"D\":[1]}]}]}]}]}",
	                      &p),
	                 XH_OK);
	ck_assert_int_eq(p.kept, 1);
}
END_TEST

/* A cursor with these fields. */
static struct xero_cursor
cursor(long long watermark, long long since, int pg, int open)
{
	struct xero_cursor c = {watermark, since, pg, open};

	return c;
}

#define ASSERT_CURSOR(c, wm, since, pg, op)                                                        \
	do {                                                                                       \
		ck_assert_int_eq((c).watermark_ms, (wm));                                          \
		ck_assert_int_eq((c).since_ms, (since));                                           \
		ck_assert_int_eq((c).page, (pg));                                                  \
		ck_assert_int_eq((c).open, (op));                                                  \
	} while (0)

START_TEST(cursor_begin_starts_at_the_watermark_less_the_overlap)
{
	struct xero_cursor c;

	c = cursor(-1, 123, 7, 0); /* nothing mirrored yet: a full pass */
	xero_cursor_begin(&c, 0, 300000);
	ASSERT_CURSOR(c, -1, -1, 1, 1);

	c = cursor(1573755038314LL, -1, 4, 0);
	xero_cursor_begin(&c, 0, 300000);
	ASSERT_CURSOR(c, 1573755038314LL, 1573754738314LL, 1, 1);

	c = cursor(1573755038314LL, 5, 4, 1); /* an open pass starts again */
	xero_cursor_begin(&c, 0, 0);
	ASSERT_CURSOR(c, 1573755038314LL, 1573755038314LL, 1, 1);

	c = cursor(1573755038314LL, 5, 4, 0); /* full: no If-Modified-Since */
	xero_cursor_begin(&c, 1, 300000);
	ASSERT_CURSOR(c, 1573755038314LL, -1, 1, 1);

	c = cursor(0, 5, 4, 0); /* a watermark at the epoch is still one */
	xero_cursor_begin(&c, 0, 0);
	ASSERT_CURSOR(c, 0, 0, 1, 1);

	c = cursor(500, 5, 4, 0); /* the overlap does not reach before 1970 */
	xero_cursor_begin(&c, 0, 300000);
	ASSERT_CURSOR(c, 500, 0, 1, 1);
}
END_TEST

static const struct {
	const char *what;
	struct xero_cursor before;
	int read, page_size, paged;
	long long max_ms;
	struct xero_cursor after;
} steps[] = {
    {"short page ends the pass", {5000, 4000, 3, 1}, 40, 100, 1, 9000, {9000, 4000, 1, 0}},
    {"empty page ends the pass", {5000, 4000, 2, 1}, 0, 100, 1, -1, {5000, 4000, 1, 0}},
    {"unpaged object ends after a full page",
     {5000, -1, 1, 1},
     100,
     100,
     0,
     9000,
     {9000, -1, 1, 0}},
    {"unpaged object ends after a longer one",
     {5000, -1, 1, 1},
     900,
     100,
     0,
     9000,
     {9000, -1, 1, 0}},
    {"full page, newer second: from one second before its newest record",
     {1573754738314LL, 1573754738314LL, 1, 1},
     100,
     100,
     1,
     1573755038314LL,
     {1573755038314LL, 1573755037314LL, 1, 1}},
    {"full page of a full pass moves since and resets the page",
     {-1, -1, 3, 1},
     100,
     100,
     1,
     1573755038314LL,
     {1573755038314LL, 1573755037314LL, 1, 1}},
    {"full page of a full pass near the epoch", {-1, -1, 1, 1}, 100, 100, 1, 500, {500, 0, 1, 1}},
    {"full page within the asked second: next page",
     {1573755000000LL, 1573755038000LL, 2, 1},
     100,
     100,
     1,
     1573755038999LL,
     {1573755038999LL, 1573755038000LL, 3, 1}},
    {"full page reaching only the next second: next page",
     {1573755000000LL, 1573755038000LL, 1, 1},
     100,
     100,
     1,
     1573755039500LL,
     {1573755039500LL, 1573755038000LL, 2, 1}},
    {"full page two seconds on: since moves",
     {1573755000000LL, 1573755038000LL, 5, 1},
     100,
     100,
     1,
     1573755040000LL,
     {1573755040000LL, 1573755039000LL, 1, 1}},
    {"full page of skipped records: next page",
     {7000, 5000, 1, 1},
     100,
     100,
     1,
     -1,
     {7000, 5000, 2, 1}},
    {"full page of skipped records in a full pass: next page",
     {-1, -1, 4, 1},
     100,
     100,
     1,
     -1,
     {-1, -1, 5, 1}},
    {"an older page does not lower the watermark",
     {9000000, 1000, 1, 1},
     10,
     100,
     1,
     2000,
     {9000000, 1000, 1, 0}},
    {"an older full page moves since but not the watermark",
     {9000000, -1, 1, 1},
     100,
     100,
     1,
     5000,
     {9000000, 4000, 1, 1}},
    {"a full page older than since: next page",
     {9000000, 8000000, 1, 1},
     100,
     100,
     1,
     5000,
     {9000000, 8000000, 2, 1}},
};

START_TEST(cursor_step_follows_the_pass)
{
	struct xero_cursor c = steps[_i].before;
	struct xero_page p = {.read = steps[_i].read,
	                      .kept = steps[_i].read,
	                      .max_ms = steps[_i].max_ms,
	                      .ordered = 1,
	                      .item_count = -1};

	xero_cursor_step(&c, &p, steps[_i].page_size, steps[_i].paged);
	ck_assert_msg(c.watermark_ms == steps[_i].after.watermark_ms &&
	                  c.since_ms == steps[_i].after.since_ms &&
	                  c.page == steps[_i].after.page && c.open == steps[_i].after.open,
	              "%s: {%lld, %lld, %d, %d}", steps[_i].what, c.watermark_ms, c.since_ms,
	              c.page, c.open);
}
END_TEST

/*
 * Whole passes against a simulated list endpoint: records sorted by
 * UpdatedDateUTC, If-Modified-Since at one-second precision compared with
 * >= or >, pages of page_size. Every record must be read, and the pass
 * must end.
 */
#define SIM_N 600

static long long sim_t[SIM_N];

/* Fills sim_t: bursts of many records in one second, and sparse ones. */
static void
sim_fill(void)
{
	int n = 0;

	for (; n < 30; n++)
		sim_t[n] = 1573755000000LL + n * 7919;
	for (; n < 280; n++) /* 250 in one second */
		sim_t[n] = 1573756000000LL + (n % 1000);
	for (; n < 300; n++) /* 20 in the next */
		sim_t[n] = 1573756001000LL + n;
	for (; n < SIM_N; n++)
		sim_t[n] = 1573757000000LL + (long long)(n - 300) * 333;
}

/* Runs one pass; marks what it read in seen; the number of requests. */
static int
sim_pass(struct xero_cursor *c, int full, long long overlap, int strict, int page_size, char *seen)
{
	int requests = 0;

	xero_cursor_begin(c, full, overlap);
	while (c->open && requests < 10000) {
		struct xero_page p = {.max_ms = -1, .ordered = 1, .item_count = -1};
		int match = 0;

		for (int i = 0; i < SIM_N; i++) {
			long long s = sim_t[i] / 1000, since = c->since_ms / 1000;

			if (c->since_ms >= 0 && (strict ? s <= since : s < since))
				continue;
			if (match++ / page_size != c->page - 1)
				continue;
			seen[i] = 1;
			p.read++;
			p.kept++;
			if (sim_t[i] > p.max_ms)
				p.max_ms = sim_t[i];
		}
		xero_cursor_step(c, &p, page_size, 1);
		requests++;
	}
	return requests;
}

START_TEST(cursor_passes_read_every_record_and_end)
{
	static const int sizes[] = {100, 7, 250, 1000};
	int strict = _i % 2, page_size = sizes[_i / 2];
	struct xero_cursor c = {-1, -1, 1, 0};
	char seen[SIM_N] = {0};
	int requests;

	sim_fill();
	requests = sim_pass(&c, 0, 300000, strict, page_size, seen);
	ck_assert_msg(!c.open, "pass did not end: size %d, strict %d", page_size, strict);
	for (int i = 0; i < SIM_N; i++)
		ck_assert_msg(seen[i], "record %d missed: size %d, strict %d", i, page_size,
		              strict);
	ck_assert_int_eq(c.watermark_ms, sim_t[SIM_N - 1]);
	ck_assert_int_lt(requests, 2 * SIM_N / page_size + 20);

	/* the next pass starts from the watermark and reads only the overlap */
	memset(seen, 0, sizeof(seen));
	sim_pass(&c, 0, 300000, strict, page_size, seen);
	ck_assert(!c.open);
	ck_assert(seen[SIM_N - 1]);
	ck_assert(!seen[0]);
	ck_assert_int_eq(c.watermark_ms, sim_t[SIM_N - 1]);

	/* a full pass reads everything again */
	memset(seen, 0, sizeof(seen));
	sim_pass(&c, 1, 300000, strict, page_size, seen);
	ck_assert(!c.open);
	for (int i = 0; i < SIM_N; i++)
		ck_assert(seen[i]);
}
END_TEST

static const struct {
	long long offset;
	int max, want;
} fits[] = {
    {0, 1000, 1000}, /* a first page takes the whole size */
    {0, 1, 1},          {0, 0, 1},        {80, 40, 40},     {80, 20, 20},
    {80, 30, 20},       {81, 40, 27},     {101, 1000, 101}, {101, 100, 1},
    {2000, 1000, 1000}, {2000, 500, 500}, {250, 62, 50},    {7, 3, 1},
};

START_TEST(page_fit_lines_up_with_the_records_read)
{
	int got = xero_page_fit(fits[_i].offset, fits[_i].max);

	ck_assert_int_eq(got, fits[_i].want);
	ck_assert_int_le(got, fits[_i].max > 0 ? fits[_i].max : 1);
	ck_assert_int_eq(fits[_i].offset % got, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("xero_pull");

	unit_add(s, "date_ms", date_ms_reads_xeros_form_only, (int)XH_NELEM(dates), NULL, NULL);
	unit_add(s, "is_uuid", is_uuid_wants_the_36_character_form, (int)XH_NELEM(uuids), NULL,
	         NULL);
	unit_add(s, "is_uuid_short", is_uuid_stops_at_a_short_strings_end, 0, NULL, NULL);
	unit_add(s, "ims_format", ims_format_is_utc_seconds, (int)XH_NELEM(ims), NULL, NULL);
	unit_add(s, "obj_table", obj_table_names_every_object_once, 0, NULL, NULL);
	unit_add(s, "builders", rec_and_list_build_xeros_form, 0, setup, teardown);
	unit_add(s, "page", page_keeps_records_with_id_and_date, 0, setup, teardown);
	unit_add(s, "page_empty", page_of_nothing_is_an_empty_batch, 0, setup, teardown);
	unit_add(s, "page_types", page_keeps_only_sales_types, 0, setup, teardown);
	unit_add(s, "page_skip", page_skips_malformed_records, (int)XH_NELEM(bad_records), setup,
	         teardown);
	unit_add(s, "page_all_skipped", page_of_only_skipped_records_still_has_a_newest, 0, setup,
	         teardown);
	unit_add(s, "page_twice", page_keeps_a_record_named_twice, 0, setup, teardown);
	unit_add(s, "page_count", page_reads_the_item_count, (int)XH_NELEM(counts), setup,
	         teardown);
	unit_add(s, "page_bad", page_refuses_bad_bodies, (int)XH_NELEM(bad_bodies), setup,
	         teardown);
	unit_add(s, "page_len", page_reads_len_bytes_only, 0, setup, teardown);
	unit_add(s, "page_depth", page_refuses_deep_nesting, 0, setup, teardown);
	unit_add(s, "page_numbers", page_keeps_json_numbers_and_utf8, 0, setup, teardown);
	unit_add(s, "page_order", page_out_of_date_order_walks_pages, 0, setup, teardown);
	unit_add(s, "page_big_numbers", page_skips_numbers_postgresql_cannot_hold, 0, setup,
	         teardown);
	unit_add(s, "cursor_begin", cursor_begin_starts_at_the_watermark_less_the_overlap, 0, NULL,
	         NULL);
	unit_add(s, "cursor_step", cursor_step_follows_the_pass, (int)XH_NELEM(steps), NULL, NULL);
	unit_add(s, "cursor_pass", cursor_passes_read_every_record_and_end, 8, NULL, NULL);
	unit_add(s, "page_fit", page_fit_lines_up_with_the_records_read, (int)XH_NELEM(fits), NULL,
	         NULL);
	return unit_run(s);
}
