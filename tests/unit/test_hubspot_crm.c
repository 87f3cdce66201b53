/*
 * test_hubspot_crm.c: the pure half of the HubSpot batch client: call
 * planning (100 a call, one record once a call), request bodies and trace
 * ids, 2xx batch bodies read per input (every batch example in
 * tests/unit/data/hubspot, copied from shared/reference/hubspot/examples),
 * association and search bodies, and the error table.
 */
#include <stdio.h>
#include <string.h>

#define UNIT_ARENA
#include "hubspot/crm.h"
#include "unit.h"

#ifndef HS_EXAMPLES
#define HS_EXAMPLES "tests/unit/data/hubspot"
#endif

static json_object *
example(const char *file, const char *path)
{
	char fn[512];
	json_object *root, *v;
	char *p, *tok, *save = NULL;

	snprintf(fn, sizeof(fn), "%s/%s", HS_EXAMPLES, file);
	root = json_object_from_file(fn);
	ck_assert_msg(root != NULL, "cannot read %s", fn);
	p = xh_strdup(a, path);
	v = root;
	for (tok = strtok_r(p, ".", &save); tok != NULL; tok = strtok_r(NULL, ".", &save))
		ck_assert_msg(json_object_object_get_ex(v, tok, &v), "%s: no %s", file, tok);
	json_object_get(v);
	json_object_put(root);
	return v;
}

static const char *
jget(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : NULL;
}

/* ---- planning ---- */

static struct hs_input *
keyed(int n, const char *fmt, int mod)
{
	struct hs_input *in = xh_alloc(a, sizeof(*in) * (size_t)n);

	for (int i = 0; i < n; i++)
		in[i] = (struct hs_input){.key = xh_printf(a, fmt, mod > 0 ? i % mod : i)};
	return in;
}

static void
check_plan(const struct hs_input *in, int n, const int *call, int ncalls, int fold)
{
	for (int c = 0; c < ncalls; c++) {
		int m = 0;

		for (int i = 0; i < n; i++) {
			if (call[i] != c)
				continue;
			m++;
			for (int j = i + 1; j < n; j++)
				if (call[j] == c)
					ck_assert((fold ? strcasecmp(in[i].key, in[j].key)
					                : strcmp(in[i].key, in[j].key)) != 0);
		}
		ck_assert_int_le(m, HS_BATCH_MAX);
		ck_assert_int_gt(m, 0);
	}
}

START_TEST(plan_chunks_at_100)
{
	struct hs_input *in = keyed(250, "k%d", 0);
	int call[250], n = hs_plan_calls(in, 250, 0, HS_BATCH_MAX, call);

	ck_assert_int_eq(n, 3);
	check_plan(in, 250, call, n, 0);
	ck_assert_int_eq(call[0], 0);
	ck_assert_int_eq(call[99], 0);
	ck_assert_int_eq(call[100], 1);
	ck_assert_int_eq(call[249], 2);
	ck_assert_int_eq(hs_plan_calls(in, 100, 0, HS_BATCH_MAX, call), 1);
	ck_assert_int_eq(hs_plan_calls(in, 101, 0, HS_BATCH_MAX, call), 2);
	ck_assert_int_eq(hs_plan_calls(in, 0, 0, HS_BATCH_MAX, call), 0);
}
END_TEST

START_TEST(plan_splits_duplicates_in_order)
{
	struct hs_input *in = keyed(10, "k%d", 3); /* k0 k1 k2 k0 k1 k2 ... */
	int call[10], n = hs_plan_calls(in, 10, 0, HS_BATCH_MAX, call);

	ck_assert_int_eq(n, 4); /* k0 appears 4 times */
	check_plan(in, 10, call, n, 0);
	for (int i = 3; i < 10; i++)
		ck_assert_int_gt(call[i],
		                 call[i - 3]); /* a later input for one record: a later call */
}
END_TEST

START_TEST(plan_duplicate_after_full_call)
{
	struct hs_input *in = keyed(101, "k%d", 0);
	int call[101], n;

	in[100].key = in[5].key;
	n = hs_plan_calls(in, 101, 0, HS_BATCH_MAX, call);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(call[100], 1);
	check_plan(in, 101, call, n, 0);
}
END_TEST

START_TEST(plan_folds_email_case)
{
	struct hs_input in[2] = {{.key = "Ada@Example.com"}, {.key = "ada@example.COM"}};
	int call[2];

	ck_assert_int_eq(hs_plan_calls(in, 2, 1, HS_BATCH_MAX, call), 2);
	ck_assert_int_eq(hs_plan_calls(in, 2, 0, HS_BATCH_MAX, call), 1);
}
END_TEST

START_TEST(plan_by_record_id)
{
	struct hs_input in[3] = {{.id = "11"}, {.id = "12"}, {.id = "11"}};
	int call[3];

	ck_assert_int_eq(hs_plan_calls(in, 3, 0, HS_BATCH_MAX, call), 2);
	ck_assert_int_eq(call[2], 1);
}
END_TEST

/* ---- bodies ---- */

static json_object *
body_of(enum hs_object o, enum hs_op op, const struct hs_input *in, int n)
{
	int members[8];
	char *b;

	for (int i = 0; i < n; i++)
		members[i] = i;
	b = hs_batch_body(a, hs_object(o), op, in, members, n);
	ck_assert_ptr_nonnull(b);
	return json_tokener_parse(b);
}

static json_object *
nth_input(json_object *body, int i)
{
	json_object *inputs;

	ck_assert(json_object_object_get_ex(body, "inputs", &inputs));
	return json_object_array_get_idx(inputs, (size_t)i);
}

START_TEST(body_upsert_traced_and_keyed)
{
	json_object *p = json_tokener_parse("{\"name\":\"Acme\"}");
	struct hs_input in[2] = {{.key = "3f5d7e1a-0000-4000-8000-000000000001", .props = p},
	                         {.key = "3f5d7e1a-0000-4000-8000-000000000002", .props = p}};
	json_object *b = body_of(HS_COMPANY, HS_UPSERT, in, 2), *x = nth_input(b, 1), *props;

	ck_assert_str_eq(jget(x, "idProperty"), "xero_contact_id");
	ck_assert_str_eq(jget(x, "id"), in[1].key);
	ck_assert_str_eq(jget(x, "objectWriteTraceId"), HS_TRACE_PFX "1");
	ck_assert_str_eq(jget(nth_input(b, 0), "objectWriteTraceId"), HS_TRACE_PFX "0");
	ck_assert(json_object_object_get_ex(x, "properties", &props));
	ck_assert_str_eq(jget(props, "name"), "Acme");
	json_object_put(b);
	json_object_put(p);
}
END_TEST

START_TEST(body_create_with_inline_association)
{
	struct hs_assoc as = {HS_INVOICE, "9001", 410};
	struct hs_input in = {
	    .key = "6a0d6c57-0000-4000-8000-000000000001", .assoc = &as, .nassoc = 1};
	json_object *b = body_of(HS_LINE_ITEM, HS_CREATE, &in, 1), *x = nth_input(b, 0), *v, *t;

	ck_assert_ptr_null(jget(x, "id"));
	ck_assert(json_object_object_get_ex(x, "properties", &v));
	ck_assert_str_eq(jget(v, "xero_line_item_id"), in.key); /* the unique key goes in */
	ck_assert(json_object_object_get_ex(x, "associations", &v));
	v = json_object_array_get_idx(v, 0);
	ck_assert(json_object_object_get_ex(v, "to", &t));
	ck_assert_str_eq(jget(t, "id"), "9001");
	ck_assert(json_object_object_get_ex(v, "types", &t));
	t = json_object_array_get_idx(t, 0);
	ck_assert_str_eq(jget(t, "associationCategory"), "HUBSPOT_DEFINED");
	ck_assert_int_eq(atoi(jget(t, "associationTypeId")), 410);
	json_object_put(b);
}
END_TEST

START_TEST(body_update_read_archive)
{
	struct hs_input by_id = {.id = "77"}, by_key = {.key = "k1"};
	json_object *b = body_of(HS_INVOICE, HS_UPDATE, &by_id, 1), *x = nth_input(b, 0);

	ck_assert_str_eq(jget(x, "id"), "77");
	ck_assert_ptr_null(jget(x, "idProperty"));
	json_object_put(b);
	b = body_of(HS_LINE_ITEM, HS_UPDATE, &by_key, 1);
	ck_assert_str_eq(jget(nth_input(b, 0), "idProperty"), "xero_line_item_id");
	json_object_put(b);
	b = body_of(HS_PRODUCT, HS_READ, &by_key, 1);
	ck_assert_str_eq(jget(b, "idProperty"), "xero_item_id");
	ck_assert_str_eq(jget(nth_input(b, 0), "id"), "k1");
	ck_assert_ptr_null(jget(nth_input(b, 0), "objectWriteTraceId"));
	json_object_put(b);
	b = body_of(HS_PAYMENT, HS_ARCHIVE, &by_id, 1);
	ck_assert_str_eq(jget(nth_input(b, 0), "id"), "77");
	ck_assert_int_eq(json_object_object_length(nth_input(b, 0)), 1);
	json_object_put(b);
}
END_TEST

START_TEST(body_refuses_missing_key_or_id)
{
	struct hs_input none = {0};
	int m = 0;

	ck_assert_ptr_null(hs_batch_body(a, hs_object(HS_COMPANY), HS_UPSERT, &none, &m, 1));
	ck_assert_ptr_null(hs_batch_body(a, hs_object(HS_COMPANY), HS_ARCHIVE, &none, &m, 1));
}
END_TEST

/* ---- responses ---- */

/* Inputs from an example request, and its response with our trace ids. */
static struct hs_input *
from_example(json_object *req, json_object *resp, int *n, const char **body)
{
	json_object *inputs, *errs, *res;
	struct hs_input *in;
	const char *text;

	ck_assert(json_object_object_get_ex(req, "inputs", &inputs));
	*n = (int)json_object_array_length(inputs);
	in = xh_alloc(a, sizeof(*in) * (size_t)*n);
	text = json_object_to_json_string(resp);
	for (int i = 0; i < *n; i++) {
		json_object *x = json_object_array_get_idx(inputs, (size_t)i);
		const char *t = jget(x, "objectWriteTraceId");

		in[i] = (struct hs_input){.key = jget(x, "id")};
		if (t == NULL)
			continue;
		/* theirs -> ours, textually: "theirs" -> "xh-i" */
		for (char *p; (p = strstr(text, xh_printf(a, "\"%s\"", t))) != NULL;)
			text = xh_printf(a, "%.*s\"%s%d\"%s", (int)(p - text), text, HS_TRACE_PFX,
			                 i, p + strlen(t) + 2);
	}
	(void)errs;
	(void)res;
	*body = text;
	return in;
}

static void
parse(enum hs_object o, enum hs_op op, struct hs_input *in, int n, const char *body)
{
	int members[16];

	for (int i = 0; i < n; i++)
		members[i] = i;
	ck_assert_int_eq(hs_batch_parse(a, hs_object(o), op, body, strlen(body), in, members, n),
	                 XH_OK);
}

START_TEST(parse_upsert_200_example)
{
	json_object *req = example("companies_batch_upsert.json", "request.body");
	json_object *resp = example("companies_batch_upsert.json", "response_200_all_ok.body");
	const char *body;
	int n;
	struct hs_input *in = from_example(req, resp, &n, &body);

	parse(HS_COMPANY, HS_UPSERT, in, n, body);
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(in[i].out.r, HS_R_OK);
		ck_assert_ptr_nonnull(in[i].out.hubspot_id);
	}
	ck_assert_str_ne(in[0].out.hubspot_id, in[1].out.hubspot_id);
	json_object_put(req);
	json_object_put(resp);
}
END_TEST

START_TEST(parse_upsert_207_example)
{
	json_object *req = example("companies_batch_upsert.json", "request.body");
	json_object *resp = example("companies_batch_upsert.json", "response_207_partial.body");
	const char *body;
	int n;
	struct hs_input *in = from_example(req, resp, &n, &body);

	parse(HS_COMPANY, HS_UPSERT, in, n, body);
	ck_assert_int_eq(in[0].out.r, HS_R_OK);
	ck_assert_str_eq(in[0].out.hubspot_id, "41234567890");
	ck_assert_int_eq(in[0].out.is_new, 1);
	ck_assert_int_eq(in[1].out.r, HS_R_FAILED);
	ck_assert_str_eq(in[1].out.category, "VALIDATION_ERROR");
	ck_assert_ptr_nonnull(strstr(in[1].out.message, "lots was not a valid number."));
	ck_assert_ptr_nonnull(strstr(in[1].out.context, HS_TRACE_PFX "1"));
	json_object_put(req);
	json_object_put(resp);
}
END_TEST

START_TEST(parse_create_207_docs_example)
{
	json_object *req = example("errors.json", "batch_create_207_docs.request");
	json_object *resp = example("errors.json", "batch_create_207_docs.body");
	const char *body;
	int n;
	struct hs_input *in = from_example(req, resp, &n, &body);

	/* the docs' result carries no trace id: the planner's order is not trusted */
	parse(HS_COMPANY, HS_CREATE, in, n, body);
	ck_assert_int_eq(in[1].out.r, HS_R_FAILED);
	ck_assert_ptr_nonnull(strstr(in[1].out.message, "PROPERTY_DOESNT_EXIST"));
	ck_assert_int_eq(in[0].out.r, HS_R_RETRY);
	json_object_put(req);
	json_object_put(resp);
}
END_TEST

START_TEST(parse_unattributed_error_fails_unanswered)
{
	struct hs_input in[2] = {{.key = "a"}, {.key = "b"}};
	const char *body =
	    "{\"status\":\"COMPLETE\",\"results\":[{\"id\":\"5\",\"objectWriteTraceId\":"
	    "\"xh-0\",\"properties\":{}}],\"numErrors\":1,\"errors\":[{\"category\":"
	    "\"VALIDATION_ERROR\",\"message\":\"bad\",\"context\":{}}]}";

	parse(HS_COMPANY, HS_UPSERT, in, 2, body);
	ck_assert_int_eq(in[0].out.r, HS_R_OK);
	ck_assert_int_eq(in[1].out.r, HS_R_FAILED);
	ck_assert_str_eq(in[1].out.message, "bad");
}
END_TEST

START_TEST(parse_read_not_found_by_ids)
{
	struct hs_input in[2] = {{.key = "k1"}, {.key = "k2"}};
	const char *body =
	    "{\"status\":\"COMPLETE\",\"results\":[{\"id\":\"8\",\"properties\":{"
	    "\"xero_item_id\":\"k2\"}}],\"numErrors\":1,\"errors\":[{\"category\":"
	    "\"OBJECT_NOT_FOUND\",\"message\":\"gone\",\"context\":{\"ids\":[\"k1\"]}}]}";

	parse(HS_PRODUCT, HS_READ, in, 2, body);
	ck_assert_int_eq(in[0].out.r, HS_R_NOTFOUND);
	ck_assert_int_eq(in[1].out.r, HS_R_OK);
	ck_assert_str_eq(in[1].out.hubspot_id, "8");
}
END_TEST

START_TEST(parse_conflict_and_bad_shapes)
{
	struct hs_input in[1] = {{.key = "k"}};
	const char *conflict = "{\"results\":[],\"errors\":[{\"category\":\"CONFLICT\",\"message\":"
	                       "\"exists\",\"context\":{\"objectWriteTraceId\":[\"xh-0\"]}}]}";
	static const char *const bad[] = {"[]", "{\"results\":{}}", "{\"errors\":3}", "nope", ""};
	int m = 0;

	parse(HS_LINE_ITEM, HS_CREATE, in, 1, conflict);
	ck_assert_int_eq(in[0].out.r, HS_R_CONFLICT);
	for (size_t i = 0; i < XH_NELEM(bad); i++) {
		in[0].out.r = HS_R_OK;
		ck_assert_int_eq(hs_batch_parse(a, hs_object(HS_COMPANY), HS_UPSERT, bad[i],
		                                strlen(bad[i]), in, &m, 1),
		                 XH_ERR_INVAL);
		ck_assert_int_eq(in[0].out.r, HS_R_OK); /* untouched */
	}
}
END_TEST

START_TEST(parse_ignores_foreign_trace_and_bad_ids)
{
	struct hs_input in[1] = {{.key = "k"}};
	const char *body = "{\"results\":[{\"id\":\"12x\",\"objectWriteTraceId\":\"xh-0\"},"
	                   "{\"id\":\"9\",\"objectWriteTraceId\":\"xh-7\"}]}";

	parse(HS_COMPANY, HS_UPSERT, in, 1, body);
	ck_assert_int_eq(in[0].out.r, HS_R_RETRY);
}
END_TEST

START_TEST(parse_every_example_body)
{
	static const char *const files[] = {"companies_batch_upsert.json", "errors.json",
	                                    "line_item_create.json", "invoice_create.json",
	                                    "associations_batch_create.json"};

	for (size_t f = 0; f < XH_NELEM(files); f++) {
		char fn[512];
		json_object *root, *v;

		snprintf(fn, sizeof(fn), "%s/%s", HS_EXAMPLES, files[f]);
		ck_assert_ptr_nonnull(root = json_object_from_file(fn));
		json_object_object_foreach(root, k, entry)
		{
			struct hs_input in[2] = {{.key = "a"}, {.key = "b"}};
			int members[2] = {0, 1};
			const char *b;

			(void)k;
			if (!json_object_is_type(entry, json_type_object) ||
			    !json_object_object_get_ex(entry, "body", &v) ||
			    !json_object_is_type(v, json_type_object))
				continue;
			b = json_object_to_json_string(v);
			/* every example object parses; each input gets some outcome */
			ck_assert_int_eq(hs_batch_parse(a, hs_object(HS_COMPANY), HS_UPSERT, b,
			                                strlen(b), in, members, 2),
			                 XH_OK);
			ck_assert_int_ne(in[0].out.r, HS_R_PENDING);
			ck_assert_int_ne(in[1].out.r, HS_R_PENDING);
		}
		json_object_put(root);
	}
}
END_TEST

/* ---- associations, search ---- */

START_TEST(assoc_types_per_pair)
{
	ck_assert_int_eq(hs_assoc_type(HS_CONTACT, HS_COMPANY), 279);
	ck_assert_int_eq(hs_assoc_type(HS_INVOICE, HS_CONTACT), 177);
	ck_assert_int_eq(hs_assoc_type(HS_INVOICE, HS_COMPANY), 179);
	ck_assert_int_eq(hs_assoc_type(HS_LINE_ITEM, HS_INVOICE), 410);
	ck_assert_int_eq(hs_assoc_type(HS_INVOICE, HS_LINE_ITEM), 409);
	ck_assert_int_eq(hs_assoc_type(HS_PAYMENT, HS_INVOICE), 542);
	ck_assert_int_eq(hs_assoc_type(HS_PRODUCT, HS_COMPANY), 0);
}
END_TEST

START_TEST(assoc_bodies)
{
	struct hs_link l = {"1", "2", 0};
	json_object *c = json_tokener_parse(hs_assoc_body(a, &l, 1, 177, 0));
	json_object *r = json_tokener_parse(hs_assoc_body(a, &l, 1, 177, 1)), *x, *v;

	x = nth_input(c, 0);
	ck_assert(json_object_object_get_ex(x, "types", &v));
	ck_assert_int_eq(atoi(jget(json_object_array_get_idx(v, 0), "associationTypeId")), 177);
	ck_assert(json_object_object_get_ex(x, "to", &v));
	ck_assert_str_eq(jget(v, "id"), "2");
	x = nth_input(r, 0);
	ck_assert(json_object_object_get_ex(x, "to", &v));
	ck_assert(json_object_is_type(v, json_type_array)); /* archive: to is a list */
	ck_assert(!json_object_object_get_ex(x, "types", &v));
	json_object_put(c);
	json_object_put(r);
}
END_TEST

START_TEST(search_body_narrows_by_id)
{
	struct hs_filter f = {"hs_invoice_status", "EQ", "open"};
	const char *props[] = {"xero_invoice_id"};
	json_object *b = json_tokener_parse(hs_search_body(a, &f, "4711", "200", props, 1));
	json_object *g, *filters;

	ck_assert_str_eq(jget(b, "after"), "200");
	ck_assert_int_eq(atoi(jget(b, "limit")), HS_SEARCH_MAX);
	ck_assert(json_object_object_get_ex(b, "filterGroups", &g));
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(g, 0), "filters", &filters));
	ck_assert_int_eq(json_object_array_length(filters), 2);
	ck_assert_str_eq(jget(json_object_array_get_idx(filters, 1), "propertyName"),
	                 "hs_object_id");
	ck_assert_str_eq(jget(json_object_array_get_idx(filters, 1), "operator"), "GT");
	ck_assert_str_eq(jget(json_object_array_get_idx(filters, 1), "value"), "4711");
	json_object_put(b);
}
END_TEST

/* ---- errors ---- */

static enum hs_verdict
verdict_of(const char *entry)
{
	json_object *e = example("errors.json", entry), *st, *body;
	struct hs_error err;
	const char *b;
	int status;

	ck_assert(json_object_object_get_ex(e, "status", &st));
	ck_assert(json_object_object_get_ex(e, "body", &body));
	status = json_object_get_int(st);
	b = json_object_to_json_string(body);
	hs_error_parse(a, b, strlen(b), &err);
	json_object_put(e);
	return hs_classify(status, &err);
}

START_TEST(error_table_examples)
{
	ck_assert_int_eq(verdict_of("property_doesnt_exist_docs"), HS_V_INVALID);
	ck_assert_int_eq(verdict_of("non_unique_idProperty_observed"), HS_V_INVALID);
	ck_assert_int_eq(verdict_of("rate_limited_daily_docs"), HS_V_DAILY);
	ck_assert_int_eq(verdict_of("rate_limited_ten_secondly_observed"), HS_V_RATE);
	ck_assert_int_eq(verdict_of("rate_limited_search_observed"), HS_V_RATE);
	ck_assert_int_eq(verdict_of("contact_conflict_observed"), HS_V_CONFLICT);
	ck_assert_int_eq(verdict_of("unauthorized_illustrative"), HS_V_AUTH);
	ck_assert_int_eq(verdict_of("missing_scopes_illustrative"), HS_V_SCOPES);
	ck_assert_int_eq(verdict_of("batch_create_207_docs"), HS_V_OK);
}
END_TEST

START_TEST(error_table_statuses)
{
	static const struct {
		int status;
		enum hs_verdict v;
	} t[] = {{200, HS_V_OK},        {201, HS_V_OK},        {204, HS_V_OK},
	         {207, HS_V_OK},        {0, HS_V_TRANSIENT},   {404, HS_V_NOTFOUND},
	         {408, HS_V_TRANSIENT}, {423, HS_V_LOCKED},    {429, HS_V_RATE},
	         {477, HS_V_MIGRATING}, {500, HS_V_TRANSIENT}, {502, HS_V_TRANSIENT},
	         {503, HS_V_TRANSIENT}, {524, HS_V_TRANSIENT}, {501, HS_V_PERMANENT},
	         {418, HS_V_PERMANENT}, {302, HS_V_PERMANENT}};
	struct hs_error none = {0};

	for (size_t i = 0; i < XH_NELEM(t); i++)
		ck_assert_msg(hs_classify(t[i].status, &none) == t[i].v, "status %d", t[i].status);
	ck_assert_int_eq(hs_classify(429, NULL), HS_V_RATE);
	for (int v = 0; v < HS_V__MAX; v++)
		ck_assert_ptr_nonnull(hs_verdict_name(v));
}
END_TEST

START_TEST(error_parse_any_shape)
{
	struct hs_error e;
	static const char *const bodies[] = {"", "<html>502</html>", "[1]", "{\"message\":7}"};

	for (size_t i = 0; i < XH_NELEM(bodies); i++) {
		hs_error_parse(a, bodies[i], strlen(bodies[i]), &e);
		ck_assert_ptr_null(e.message);
		ck_assert_ptr_null(e.category);
	}
	hs_error_parse(
	    a, "{\"errorType\":\"RATE_LIMIT\",\"policyName\":\"DAILY\",\"message\":\"m\"}", 64, &e);
	ck_assert_str_eq(e.category, "RATE_LIMIT");
	ck_assert_str_eq(e.policy, "DAILY");
}
END_TEST

START_TEST(object_table)
{
	ck_assert_int_eq(hs_object_parse("company"), HS_COMPANY);
	ck_assert_int_eq(hs_object_parse("commerce_payment"), HS_PAYMENT);
	ck_assert_int_eq(hs_object_parse("deal"), -1);
	ck_assert_int_eq(hs_object_parse(NULL), -1);
	ck_assert_str_eq(hs_object(HS_CONTACT)->id_prop, "email");
	ck_assert_int_eq(hs_object(HS_CONTACT)->fold_case, 1);
	ck_assert_str_eq(hs_object(HS_INVOICE)->type_id, "0-53");
	ck_assert_ptr_null(hs_object(HS_OBJECT__MAX));
	ck_assert_str_eq(hs_op_name(HS_ARCHIVE), "archive");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("hubspot_crm");

	unit_add(s, "plan_chunks_at_100", plan_chunks_at_100, 0, setup, teardown);
	unit_add(s, "plan_splits_duplicates_in_order", plan_splits_duplicates_in_order, 0, setup,
	         teardown);
	unit_add(s, "plan_duplicate_after_full_call", plan_duplicate_after_full_call, 0, setup,
	         teardown);
	unit_add(s, "plan_folds_email_case", plan_folds_email_case, 0, setup, teardown);
	unit_add(s, "plan_by_record_id", plan_by_record_id, 0, setup, teardown);
	unit_add(s, "body_upsert_traced_and_keyed", body_upsert_traced_and_keyed, 0, setup,
	         teardown);
	unit_add(s, "body_create_with_inline_association", body_create_with_inline_association, 0,
	         setup, teardown);
	unit_add(s, "body_update_read_archive", body_update_read_archive, 0, setup, teardown);
	unit_add(s, "body_refuses_missing_key_or_id", body_refuses_missing_key_or_id, 0, setup,
	         teardown);
	unit_add(s, "parse_upsert_200_example", parse_upsert_200_example, 0, setup, teardown);
	unit_add(s, "parse_upsert_207_example", parse_upsert_207_example, 0, setup, teardown);
	unit_add(s, "parse_create_207_docs_example", parse_create_207_docs_example, 0, setup,
	         teardown);
	unit_add(s, "parse_unattributed_error_fails_unanswered",
	         parse_unattributed_error_fails_unanswered, 0, setup, teardown);
	unit_add(s, "parse_read_not_found_by_ids", parse_read_not_found_by_ids, 0, setup, teardown);
	unit_add(s, "parse_conflict_and_bad_shapes", parse_conflict_and_bad_shapes, 0, setup,
	         teardown);
	unit_add(s, "parse_ignores_foreign_trace_and_bad_ids",
	         parse_ignores_foreign_trace_and_bad_ids, 0, setup, teardown);
	unit_add(s, "parse_every_example_body", parse_every_example_body, 0, setup, teardown);
	unit_add(s, "assoc_types_per_pair", assoc_types_per_pair, 0, setup, teardown);
	unit_add(s, "assoc_bodies", assoc_bodies, 0, setup, teardown);
	unit_add(s, "search_body_narrows_by_id", search_body_narrows_by_id, 0, setup, teardown);
	unit_add(s, "error_table_examples", error_table_examples, 0, setup, teardown);
	unit_add(s, "error_table_statuses", error_table_statuses, 0, setup, teardown);
	unit_add(s, "error_parse_any_shape", error_parse_any_shape, 0, setup, teardown);
	unit_add(s, "object_table", object_table, 0, setup, teardown);
	return unit_run(s);
}
