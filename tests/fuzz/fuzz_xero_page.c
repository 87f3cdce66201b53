/*
 * fuzz_xero_page.c: a Xero list response (xero_page_parse) read as a page
 * of every object of the table, and Xero's date form (xero_date_ms). An
 * accepted page counts every record as kept or skipped, and its batch is
 * a JSON array of exactly the kept records, each with a UUID "i", a time
 * "t" from 0 to the page's newest, and the record itself as "p"; a date
 * is -1 or a time from 1970 on.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xero/pull.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts unless entry e of a batch is {"i": uuid, "t": 0..max_ms, "p": {...}}. */
static void
check_entry(json_object *e, long long max_ms, long long *newest)
{
	json_object *i, *t, *p;
	long long ms;

	if (!json_object_is_type(e, json_type_object) || json_object_object_length(e) != 3 ||
	    !json_object_object_get_ex(e, "i", &i) || !json_object_object_get_ex(e, "t", &t) ||
	    !json_object_object_get_ex(e, "p", &p) || !json_object_is_type(i, json_type_string) ||
	    !xero_is_uuid(json_object_get_string(i)) || !json_object_is_type(t, json_type_int) ||
	    !json_object_is_type(p, json_type_object))
		abort();
	ms = json_object_get_int64(t);
	if (ms < 0 || ms > max_ms)
		abort();
	if (ms > *newest)
		*newest = ms;
}

/* Aborts unless an accepted page keeps the promises of pull.h. */
static void
check_page(const struct xero_page *p)
{
	json_object *b;
	long long newest = -1;

	if (p->batch == NULL || p->kept < 0 || p->skipped < 0 || p->kept + p->skipped != p->read ||
	    p->item_count < -1 || p->max_ms < -1 || (p->kept > 0 && p->max_ms < 0) ||
	    (p->ordered != 0 && p->ordered != 1))
		abort();
	b = json_tokener_parse(p->batch);
	if (!json_object_is_type(b, json_type_array) ||
	    json_object_array_length(b) != (size_t)p->kept)
		abort();
	for (size_t k = 0; k < json_object_array_length(b); k++)
		check_entry(json_object_array_get_idx(b, k), p->max_ms, &newest);
	if (newest > p->max_ms) /* skipped records' dates count too: max_ms may be newer */
		abort();
	json_object_put(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xh_arena *a = xh_arena_new();
	const struct xero_obj *objs;
	struct xero_page p;
	char *text = xh_strndup(a, (const char *)data, size);
	long long ms;
	int n;

	objs = xero_obj_table(&n);
	for (int i = 0; i < n; i++)
		if (xero_page_parse(a, &objs[i], (const char *)data, size, &p) == XH_OK)
			check_page(&p);
	ms = xero_date_ms(text);
	if (ms < -1 || (ms >= 0 && (strncmp(text, "/Date(", 6) != 0 || strlen(text) < 8 ||
	                            strcmp(text + strlen(text) - 2, ")/") != 0)))
		abort();
	xh_arena_free(a);
	return 0;
}
