/*
 * bootstrap_spec.c: the properties the default mapping needs, and the
 * pure parts of the bootstrap (bootstrap.h): request bodies, answers,
 * conflicts.
 */
#include <json-c/json.h>
#include <string.h>

#include "hubspot/bootstrap.h"

static const struct hubspot_bs_object objects[] = {
    {"company", "companies"},    {"contact", "contacts"}, {"invoice", "invoices"},
    {"line_item", "line_items"}, {"product", "products"}, {"commerce_payment", "commerce_payments"},
};

#define S "string", "text"
#define N "number", "number"
#define D "date", "date"

/* object, name, label, type, fieldType, unique, builtin, description */
static const struct hubspot_prop_spec specs[] = {
    {"company", "xero_contact_id", "Xero contact ID", S, 1, 0, "The Xero ContactID (xhsync key)"},
    {"company", "xero_status", "Xero status", S, 0, 0, "ACTIVE or ARCHIVED in Xero"},
    {"company", "xero_outstanding", "Xero outstanding", N, 0, 0, "Accounts receivable outstanding"},
    {"company", "xero_overdue", "Xero overdue", N, 0, 0, "Accounts receivable overdue"},
    {"company", "xero_last_payment_date", "Xero last payment date", D, 0, 0,
     "Date of the last payment received in Xero"},
    {"company", "xero_unpaid_invoices", "Xero unpaid invoices", N, 0, 0,
     "Number of unpaid sales invoices"},
    {"company", "xero_url", "Xero link", S, 0, 0, "Deep link to the contact in Xero"},
    {"company", "xero_contact_number", "Xero contact number", S, 0, 0, "ContactNumber in Xero"},
    {"company", "xero_account_number", "Xero account number", S, 0, 0, "AccountNumber in Xero"},
    {"company", "xero_tax_number", "Xero tax number", S, 0, 0, "The contact's tax number in Xero"},
    {"company", "xero_currency", "Xero currency", S, 0, 0, "The contact's default currency"},
    {"contact", "email", "Email", S, 1, 1, NULL},
    {"contact", "xero_contact_id", "Xero contact ID", S, 0, 0, "The Xero ContactID"},
    {"invoice", "xero_invoice_id", "Xero invoice ID", S, 1, 0, "The Xero InvoiceID (xhsync key)"},
    {"invoice", "xero_status", "Xero status", S, 0, 0, "The invoice's status in Xero"},
    {"invoice", "xero_total", "Xero total", N, 0, 0, "Invoice total in Xero"},
    {"invoice", "xero_amount_paid", "Xero amount paid", N, 0, 0, "Amount paid in Xero"},
    {"invoice", "xero_amount_due", "Xero amount due", N, 0, 0, "Amount due in Xero"},
    {"invoice", "xero_amount_credited", "Xero amount credited", N, 0, 0,
     "Amount credited by credit notes in Xero"},
    {"invoice", "xero_url", "Xero link", S, 0, 0, "Deep link to the invoice in Xero"},
    {"invoice", "xero_invoice_number", "Xero invoice number", S, 0, 0, "InvoiceNumber in Xero"},
    {"invoice", "xero_reference", "Xero reference", S, 0, 0, "The invoice's reference in Xero"},
    {"invoice", "xero_fully_paid_date", "Xero fully paid date", D, 0, 0,
     "When Xero recorded the invoice as paid in full"},
    {"line_item", "xero_line_item_id", "Xero line item ID", S, 1, 0,
     "The Xero LineItemID (xhsync key)"},
    {"line_item", "xero_tax_amount", "Xero tax amount", N, 0, 0, "The line's tax in Xero"},
    {"line_item", "xero_tax_type", "Xero tax type", S, 0, 0, "The line's tax type in Xero"},
    {"line_item", "xero_line_amount", "Xero line amount", N, 0, 0, "The line's amount in Xero"},
    {"product", "xero_item_id", "Xero item ID", S, 1, 0, "The Xero ItemID (xhsync key)"},
    {"commerce_payment", "xero_payment_id", "Xero payment ID", S, 1, 0,
     "The Xero PaymentID (xhsync key)"},
};

#undef S
#undef N
#undef D

const struct hubspot_bs_object *
hubspot_bs_objects(int *n)
{
	*n = (int)(sizeof(objects) / sizeof(objects[0]));
	return objects;
}

const struct hubspot_prop_spec *
hubspot_prop_specs(int *n)
{
	*n = (int)(sizeof(specs) / sizeof(specs[0]));
	return specs;
}

/* obj serialised into the arena; obj is freed. */
static char *
dump(struct xh_arena *a, json_object *obj)
{
	char *out = xh_strdup(a, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));

	json_object_put(obj);
	return out;
}

char *
hubspot_bs_read_body(struct xh_arena *a, const char *object)
{
	json_object *root = json_object_new_object(), *inputs = json_object_new_array();

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		json_object *in;

		if (strcmp(specs[i].object, object) != 0)
			continue;
		in = json_object_new_object();
		json_object_object_add(in, "name", json_object_new_string(specs[i].name));
		json_object_array_add(inputs, in);
	}
	json_object_object_add(root, "archived", json_object_new_boolean(0));
	json_object_object_add(root, "inputs", inputs);
	return dump(a, root);
}

/* The array member key of the object in body (a new reference), or NULL. */
static json_object *
array_of(const char *body, size_t len, const char *key, json_object **root)
{
	json_tokener *tok = json_tokener_new();
	json_object *v = NULL;

	*root = tok != NULL && body != NULL ? json_tokener_parse_ex(tok, body, (int)len) : NULL;
	if (*root != NULL && (json_tokener_get_parse_end(tok) != len ||
	                      !json_object_is_type(*root, json_type_object))) {
		json_object_put(*root);
		*root = NULL;
	}
	json_tokener_free(tok);
	if (*root == NULL)
		return NULL;
	if (!json_object_object_get_ex(*root, key, &v))
		return json_object_new_array(); /* absent: none */
	return json_object_is_type(v, json_type_array) ? json_object_get(v) : NULL;
}

/* A string member, or NULL. */
static const char *
str_of(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* One results[] entry; XH_ERR_INVAL if it is not a property. */
static enum xh_err
one_prop(struct xh_arena *a, json_object *p, struct hubspot_prop_found *f)
{
	json_object *u = NULL;

	if (!json_object_is_type(p, json_type_object) || str_of(p, "name") == NULL ||
	    str_of(p, "type") == NULL)
		return XH_ERR_INVAL;
	f->name = xh_strdup(a, str_of(p, "name"));
	f->type = xh_strdup(a, str_of(p, "type"));
	f->unique = json_object_object_get_ex(p, "hasUniqueValue", &u) &&
	            json_object_is_type(u, json_type_boolean) && json_object_get_boolean(u);
	return XH_OK;
}

enum xh_err
hubspot_bs_parse_props(struct xh_arena *a, const char *body, size_t len,
                       struct hubspot_prop_found **out, int *n)
{
	json_object *root = NULL, *arr = array_of(body, len, "results", &root);
	enum xh_err err = arr != NULL ? XH_OK : XH_ERR_INVAL;
	size_t count = arr != NULL ? json_object_array_length(arr) : 0;

	*out = xh_alloc(a, sizeof(**out) * (count + 1));
	*n = 0;
	for (size_t i = 0; i < count && !err; i++)
		err = one_prop(a, json_object_array_get_idx(arr, i), &(*out)[(*n)++]);
	if (err)
		*n = 0;
	json_object_put(arr);
	json_object_put(root);
	return err;
}

/* Adds errors[i]'s names (context.name[]) and message; XH_ERR_INVAL if malformed. */
static enum xh_err
one_error(struct xh_arena *a, json_object *e, char **names, char **messages, int *n, int cap)
{
	json_object *ctxo = NULL, *list = NULL;
	const char *msg;

	if (!json_object_is_type(e, json_type_object))
		return XH_ERR_INVAL;
	msg = str_of(e, "message");
	if (!json_object_object_get_ex(e, "context", &ctxo) ||
	    !json_object_object_get_ex(ctxo, "name", &list) ||
	    !json_object_is_type(list, json_type_array))
		return XH_OK; /* an error naming no property */
	for (size_t i = 0; i < json_object_array_length(list) && *n < cap; i++) {
		json_object *s = json_object_array_get_idx(list, i);

		if (!json_object_is_type(s, json_type_string))
			return XH_ERR_INVAL;
		names[*n] = xh_strdup(a, json_object_get_string(s));
		messages[(*n)++] = xh_strdup(a, msg != NULL ? msg : "refused");
	}
	return XH_OK;
}

enum xh_err
hubspot_bs_parse_errors(struct xh_arena *a, const char *body, size_t len, char ***names,
                        char ***messages, int *n)
{
	json_object *root = NULL, *arr = array_of(body, len, "errors", &root);
	enum xh_err err = arr != NULL ? XH_OK : XH_ERR_INVAL;
	int cap = (int)(sizeof(specs) / sizeof(specs[0]));

	*names = xh_alloc(a, sizeof(char *) * (size_t)(cap + 1));
	*messages = xh_alloc(a, sizeof(char *) * (size_t)(cap + 1));
	*n = 0;
	for (size_t i = 0; arr != NULL && i < json_object_array_length(arr) && !err; i++)
		err = one_error(a, json_object_array_get_idx(arr, i), *names, *messages, n, cap);
	if (err)
		*n = 0;
	json_object_put(arr);
	json_object_put(root);
	return err;
}

const char *
hubspot_bs_conflict(struct xh_arena *a, const struct hubspot_prop_spec *s,
                    const struct hubspot_prop_found *f)
{
	if (strcmp(f->type, s->type) != 0)
		return xh_printf(a, "it exists with type %s; xhsync needs type %s", f->type,
		                 s->type);
	if (s->unique && !f->unique)
		return "it exists without unique values; xhsync keys records by it and needs "
		       "hasUniqueValue (which HubSpot cannot change on an existing property)";
	return NULL;
}

const char *
hubspot_bs_group_body(void)
{
	return "{\"name\":\"" HUBSPOT_GROUP "\",\"label\":\"Xero\",\"displayOrder\":-1}";
}

/* A PropertyCreate for s. */
static json_object *
create_one(const struct hubspot_prop_spec *s)
{
	json_object *p = json_object_new_object();

	json_object_object_add(p, "name", json_object_new_string(s->name));
	json_object_object_add(p, "label", json_object_new_string(s->label));
	json_object_object_add(p, "type", json_object_new_string(s->type));
	json_object_object_add(p, "fieldType", json_object_new_string(s->field));
	json_object_object_add(p, "groupName", json_object_new_string(HUBSPOT_GROUP));
	json_object_object_add(p, "hasUniqueValue", json_object_new_boolean(s->unique));
	if (s->description != NULL)
		json_object_object_add(p, "description", json_object_new_string(s->description));
	return p;
}

char *
hubspot_bs_create_body(struct xh_arena *a, const struct hubspot_prop_spec *const *list, int n)
{
	json_object *root = json_object_new_object(), *inputs = json_object_new_array();

	for (int i = 0; i < n; i++)
		json_object_array_add(inputs, create_one(list[i]));
	json_object_object_add(root, "inputs", inputs);
	return dump(a, root);
}
