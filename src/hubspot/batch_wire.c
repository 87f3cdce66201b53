/*
 * batch_wire.c: the pure half of the batch client: the object table, call
 * planning, request bodies and 2xx responses read back per input
 * (HUBSPOT.md 2, 2.1; examples/companies_batch_upsert.json, errors.json).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hubspot/crm.h"

/* name, objectType path, type id, unique id property, case-insensitive */
static const struct hs_object_info object_table[HS_OBJECT__MAX] = {
    {"company", "companies", "0-2", "xero_contact_id", 0},                    /* HS_COMPANY */
    {"contact", "contacts", "0-1", "email", 1},                               /* HS_CONTACT */
    {"invoice", "invoices", "0-53", "xero_invoice_id", 0},                    /* HS_INVOICE */
    {"line_item", "line_items", "0-8", "xero_line_item_id", 0},               /* HS_LINE_ITEM */
    {"product", "products", "0-7", "xero_item_id", 0},                        /* HS_PRODUCT */
    {"commerce_payment", "commerce_payments", "0-101", "xero_payment_id", 0}, /* HS_PAYMENT */
    {"note", "notes", "0-46", NULL, 0},                                       /* HS_NOTE */
};

static const char *const op_names[HS_OP__MAX] = {
    "upsert",  /* HS_UPSERT */
    "create",  /* HS_CREATE */
    "update",  /* HS_UPDATE */
    "read",    /* HS_READ */
    "archive", /* HS_ARCHIVE */
};

const struct hs_object_info *
hs_object(enum hs_object o)
{
	return (unsigned)o < HS_OBJECT__MAX ? &object_table[o] : NULL;
}

int
hs_object_parse(const char *name)
{
	for (int i = 0; name != NULL && i < HS_OBJECT__MAX; i++)
		if (strcmp(object_table[i].name, name) == 0)
			return i;
	return -1;
}

const char *
hs_op_name(enum hs_op op)
{
	return (unsigned)op < HS_OP__MAX ? op_names[op] : NULL;
}

/* ---- planning ---- */

struct plan_key {
	const char *k;
	int idx;
	int fold;
};

static int
plan_cmp(const void *x, const void *y)
{
	const struct plan_key *a = x, *b = y;
	int c = a->fold ? strcasecmp(a->k, b->k) : strcmp(a->k, b->k);

	return c != 0 ? c : (a->idx > b->idx) - (a->idx < b->idx);
}

/* The record an input names: its id if it has one, else its key. */
static const char *
record_of(const struct hs_input *in)
{
	return in->id != NULL ? in->id : in->key != NULL ? in->key : "";
}

int
hs_plan_calls(const struct hs_input *in, int n, int fold_case, int max, int *call)
{
	struct plan_key *keys;
	int *prev, *fill, ncalls = 0, first_open = 0;

	if (n <= 0)
		return 0;
	keys = xh_xcalloc((size_t)n, sizeof(*keys));
	prev = xh_xcalloc((size_t)n, sizeof(*prev));
	fill = xh_xcalloc((size_t)n + 1, sizeof(*fill));
	for (int i = 0; i < n; i++)
		keys[i] = (struct plan_key){record_of(&in[i]), i, fold_case && in[i].id == NULL};
	qsort(keys, (size_t)n, sizeof(*keys), plan_cmp);
	for (int i = 0; i < n; i++)
		prev[keys[i].idx] =
		    i > 0 && plan_cmp(&(struct plan_key){keys[i - 1].k, 0, keys[i].fold},
		                      &(struct plan_key){keys[i].k, 0, keys[i].fold}) == 0
		        ? keys[i - 1].idx
		        : -1;
	for (int i = 0; i < n; i++) {
		int c = prev[i] >= 0 ? call[prev[i]] + 1 : first_open;

		while (fill[c] >= max)
			c++;
		call[i] = c;
		fill[c]++;
		if (c + 1 > ncalls)
			ncalls = c + 1;
		while (fill[first_open] >= max)
			first_open++;
	}
	free(keys);
	free(prev);
	free(fill);
	return ncalls;
}

/* ---- request bodies ---- */

static json_object *
trace_id(int idx)
{
	char t[32];

	snprintf(t, sizeof(t), HS_TRACE_PFX "%d", idx);
	return json_object_new_string(t);
}

/* properties: a copy of the input's, with id_prop set to the key for a create. */
static json_object *
props_copy(const struct hs_object_info *o, const struct hs_input *in, int with_key)
{
	json_object *p = NULL;

	if (in->props != NULL && json_object_deep_copy(in->props, &p, NULL) != 0)
		p = NULL;
	if (p == NULL)
		p = json_object_new_object();
	if (with_key && in->key != NULL && o->id_prop != NULL)
		json_object_object_add(p, o->id_prop, json_object_new_string(in->key));
	return p;
}

/* [{to:{id}, types:[{associationCategory, associationTypeId}]}] */
static json_object *
inline_assocs(const struct hs_input *in)
{
	json_object *arr = json_object_new_array();

	for (int i = 0; i < in->nassoc; i++) {
		json_object *a = json_object_new_object(), *to = json_object_new_object();
		json_object *types = json_object_new_array(), *t = json_object_new_object();

		json_object_object_add(to, "id", json_object_new_string(in->assoc[i].to_id));
		json_object_object_add(t, "associationCategory",
		                       json_object_new_string("HUBSPOT_DEFINED"));
		json_object_object_add(t, "associationTypeId",
		                       json_object_new_int(in->assoc[i].type_id));
		json_object_array_add(types, t);
		json_object_object_add(a, "to", to);
		json_object_object_add(a, "types", types);
		json_object_array_add(arr, a);
	}
	return arr;
}

/* One element of inputs[] for op; NULL if the input lacks what op needs. */
static json_object *
input_json(const struct hs_object_info *o, enum hs_op op, const struct hs_input *in, int idx)
{
	json_object *j;
	int by_key = in->id == NULL;

	if ((op == HS_ARCHIVE && in->id == NULL) ||
	    (op != HS_ARCHIVE && by_key && in->key == NULL) ||
	    (op != HS_CREATE && by_key && o->id_prop == NULL))
		return NULL; /* an object without id_prop is created, then written by id */
	j = json_object_new_object();
	if (op != HS_CREATE)
		json_object_object_add(j, "id", json_object_new_string(by_key ? in->key : in->id));
	if ((op == HS_UPSERT || op == HS_UPDATE) && by_key)
		json_object_object_add(j, "idProperty", json_object_new_string(o->id_prop));
	if (op == HS_UPSERT || op == HS_UPDATE || op == HS_CREATE)
		json_object_object_add(j, "properties", props_copy(o, in, op == HS_CREATE));
	if (op == HS_CREATE)
		json_object_object_add(j, "associations", inline_assocs(in));
	if (op == HS_UPSERT || op == HS_UPDATE || op == HS_CREATE)
		json_object_object_add(j, "objectWriteTraceId", trace_id(idx));
	return j;
}

char *
hs_batch_body(struct xh_arena *a, const struct hs_object_info *o, enum hs_op op,
              const struct hs_input *in, const int *members, int m)
{
	json_object *root = json_object_new_object(), *inputs = json_object_new_array();
	char *out = NULL;

	json_object_object_add(root, "inputs", inputs);
	for (int i = 0; i < m; i++) {
		json_object *j = input_json(o, op, &in[members[i]], members[i]);

		if (j == NULL)
			goto out;
		json_object_array_add(inputs, j);
	}
	if (op == HS_READ) {
		json_object *props = json_object_new_array();

		json_object_array_add(props, json_object_new_string(o->id_prop));
		json_object_object_add(root, "idProperty", json_object_new_string(o->id_prop));
		json_object_object_add(root, "properties", props);
		json_object_object_add(root, "propertiesWithHistory", json_object_new_array());
	}
	out = xh_strdup(a, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
out:
	json_object_put(root);
	return out;
}

/* ---- responses ---- */

static const char *
str_field(json_object *o, const char *name)
{
	json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The member whose trace id is t (HS_TRACE_PFX <index>); -1 if none. */
static int
by_trace(const char *t, const int *members, int m)
{
	char *end = NULL;
	long v;

	if (t == NULL || strncmp(t, HS_TRACE_PFX, strlen(HS_TRACE_PFX)) != 0)
		return -1;
	t += strlen(HS_TRACE_PFX);
	if (*t < '0' || *t > '9')
		return -1;
	v = strtol(t, &end, 10);
	if (*end != '\0')
		return -1;
	for (int i = 0; i < m; i++)
		if (members[i] == v)
			return i;
	return -1;
}

/* The member keyed (or with record id) s; -1 if none. */
static int
by_value(const struct hs_object_info *o, const char *s, int want_id, const struct hs_input *in,
         const int *members, int m)
{
	for (int i = 0; s != NULL && i < m; i++) {
		const struct hs_input *x = &in[members[i]];
		const char *v = want_id ? x->id : x->key;

		if (v != NULL && (o->fold_case && !want_id ? strcasecmp(v, s) : strcmp(v, s)) == 0)
			return i;
	}
	return -1;
}

/* 1 if s is a HubSpot record id: 1 to 20 digits. */
static int
is_record_id(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > 20)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Which member result r answers: trace id, then id_prop value, then record id. */
static int
result_member(const struct hs_object_info *o, json_object *r, const struct hs_input *in,
              const int *members, int m)
{
	json_object *props;
	int k = by_trace(str_field(r, "objectWriteTraceId"), members, m);

	if (k < 0 && o->id_prop != NULL && json_object_object_get_ex(r, "properties", &props))
		k = by_value(o, str_field(props, o->id_prop), 0, in, members, m);
	if (k < 0)
		k = by_value(o, str_field(r, "id"), 1, in, members, m);
	return k;
}

static void
apply_result(struct xh_arena *a, const struct hs_object_info *o, json_object *r,
             struct hs_input *in, const int *members, int m)
{
	json_object *nw;
	const char *id = str_field(r, "id");
	int k;

	if (!json_object_is_type(r, json_type_object) || !is_record_id(id))
		return;
	if ((k = result_member(o, r, in, members, m)) < 0)
		return;
	in[members[k]].out = (struct hs_outcome){.r = HS_R_OK, .hubspot_id = xh_strdup(a, id)};
	in[members[k]].out.is_new = json_object_object_get_ex(r, "new", &nw) &&
	                            json_object_is_type(nw, json_type_boolean) &&
	                            json_object_get_boolean(nw);
}

/* The result an error of category cat means for an input. */
static enum hs_result
error_result(const char *cat)
{
	if (cat != NULL && strcmp(cat, "CONFLICT") == 0)
		return HS_R_CONFLICT;
	if (cat != NULL && strcmp(cat, "OBJECT_NOT_FOUND") == 0)
		return HS_R_NOTFOUND;
	return HS_R_FAILED;
}

/* Marks member k with error e (not over a result it already has). */
static void
mark_error(struct xh_arena *a, struct hs_input *x, json_object *e, json_object *ctx)
{
	const char *cat = str_field(e, "category");

	if (x->out.r == HS_R_OK)
		return;
	x->out = (struct hs_outcome){.r = error_result(cat), .status = 0};
	x->out.category = cat != NULL ? xh_strdup(a, cat) : NULL;
	x->out.message =
	    str_field(e, "message") != NULL ? xh_strdup(a, str_field(e, "message")) : NULL;
	x->out.context =
	    ctx != NULL ? xh_strdup(a, json_object_to_json_string_ext(ctx, JSON_C_TO_STRING_PLAIN))
	                : NULL;
}

/* Marks the members an error names; returns how many. */
static int
apply_error(struct xh_arena *a, const struct hs_object_info *o, json_object *e, struct hs_input *in,
            const int *members, int m)
{
	json_object *ctx = NULL, *list;
	int named = 0;

	if (!json_object_is_type(e, json_type_object) ||
	    !json_object_object_get_ex(e, "context", &ctx) ||
	    !json_object_is_type(ctx, json_type_object))
		return 0;
	if (json_object_object_get_ex(ctx, "objectWriteTraceId", &list) &&
	    json_object_is_type(list, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			int k = by_trace(json_object_get_string(json_object_array_get_idx(list, i)),
			                 members, m);
			if (k >= 0 && ++named)
				mark_error(a, &in[members[k]], e, ctx);
		}
	}
	if (named == 0 && json_object_object_get_ex(ctx, "ids", &list) &&
	    json_object_is_type(list, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			const char *s = json_object_get_string(json_object_array_get_idx(list, i));
			int k = by_value(o, s, 1, in, members, m);

			if (k < 0)
				k = by_value(o, s, 0, in, members, m);
			if (k >= 0 && ++named)
				mark_error(a, &in[members[k]], e, ctx);
		}
	}
	return named;
}

/* The inputs nothing answered: the first unattributed error's, else retry. */
static void
mark_unanswered(struct xh_arena *a, json_object *lost, struct hs_input *in, const int *members,
                int m)
{
	for (int i = 0; i < m; i++) {
		struct hs_input *x = &in[members[i]];

		if (x->out.r != HS_R_PENDING)
			continue;
		if (lost != NULL)
			mark_error(a, x, lost, NULL);
		else
			x->out = (struct hs_outcome){
			    .r = HS_R_RETRY, .message = "HubSpot returned no result for it"};
	}
}

enum xh_err
hs_batch_parse(struct xh_arena *a, const struct hs_object_info *o, enum hs_op op, const char *body,
               size_t len, struct hs_input *in, const int *members, int m)
{
	json_tokener *tok = json_tokener_new();
	json_object *root = NULL, *results = NULL, *errors = NULL, *lost = NULL;
	enum xh_err err = XH_ERR_INVAL;

	(void)op;
	if (tok != NULL && body != NULL && len <= (size_t)XH_HTTP_BODY_MAX)
		root = json_tokener_parse_ex(tok, body, (int)len);
	if (root == NULL || !json_object_is_type(root, json_type_object) ||
	    (json_object_object_get_ex(root, "results", &results) &&
	     !json_object_is_type(results, json_type_array)) ||
	    (json_object_object_get_ex(root, "errors", &errors) &&
	     !json_object_is_type(errors, json_type_array)))
		goto out;
	for (int i = 0; i < m; i++)
		in[members[i]].out = (struct hs_outcome){.r = HS_R_PENDING};
	for (size_t i = 0; results != NULL && i < json_object_array_length(results); i++)
		apply_result(a, o, json_object_array_get_idx(results, i), in, members, m);
	for (size_t i = 0; errors != NULL && i < json_object_array_length(errors); i++) {
		json_object *e = json_object_array_get_idx(errors, i);

		if (apply_error(a, o, e, in, members, m) == 0 && lost == NULL &&
		    json_object_is_type(e, json_type_object))
			lost = e;
	}
	mark_unanswered(a, lost, in, members, m);
	err = XH_OK;
out:
	json_object_put(root);
	if (tok != NULL)
		json_tokener_free(tok);
	return err;
}
