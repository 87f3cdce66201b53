/*
 * assoc.c: associations v4 in batches (HUBSPOT.md 3.4): create with the
 * HUBSPOT_DEFINED type of the pair (association_type_ids.json), archive by
 * pair. Any 2xx is success (create moved from 201 to 200 in 2025); errors
 * naming inputs (context fromObjectId/toObjectId) fail only those.
 */
#include <string.h>

#include "hubspot/crm.h"

/* from, to, HUBSPOT_DEFINED associationTypeId */
static const struct {
	enum hs_object from, to;
	int type_id;
} assoc_table[] = {
    {HS_CONTACT, HS_COMPANY, 279},   /* CONTACT_TO_COMPANY (general, not primary) */
    {HS_COMPANY, HS_CONTACT, 280},   /* COMPANY_TO_CONTACT */
    {HS_INVOICE, HS_CONTACT, 177},   /* INVOICE_TO_CONTACT */
    {HS_CONTACT, HS_INVOICE, 178},   /* CONTACT_TO_INVOICE */
    {HS_INVOICE, HS_COMPANY, 179},   /* INVOICE_TO_COMPANY */
    {HS_COMPANY, HS_INVOICE, 180},   /* COMPANY_TO_INVOICE */
    {HS_INVOICE, HS_LINE_ITEM, 409}, /* INVOICE_TO_LINE_ITEM */
    {HS_LINE_ITEM, HS_INVOICE, 410}, /* LINE_ITEM_TO_INVOICE */
    {HS_INVOICE, HS_PAYMENT, 541},   /* INVOICE_TO_PAYMENT */
    {HS_PAYMENT, HS_INVOICE, 542},   /* PAYMENT_TO_INVOICE */
    {HS_PAYMENT, HS_CONTACT, 387},   /* PAYMENT_TO_CONTACT */
    {HS_PAYMENT, HS_COMPANY, 389},   /* PAYMENT_TO_COMPANY */
    {HS_NOTE, HS_COMPANY, 190},      /* NOTE_TO_COMPANY */
    {HS_NOTE, HS_CONTACT, 202},      /* NOTE_TO_CONTACT */
};

int
hs_assoc_type(enum hs_object from, enum hs_object to)
{
	for (size_t i = 0; i < XH_NELEM(assoc_table); i++)
		if (assoc_table[i].from == from && assoc_table[i].to == to)
			return assoc_table[i].type_id;
	return 0;
}

static json_object *
id_obj(const char *id)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(id));
	return o;
}

/* create: {from:{id}, to:{id}, types:[spec]}; archive: {from:{id}, to:[{id}]} */
static json_object *
link_json(const struct hs_link *l, int type_id, int archive)
{
	json_object *j = json_object_new_object(), *types, *spec;

	json_object_object_add(j, "from", id_obj(l->from_id));
	if (archive) {
		json_object *to = json_object_new_array();

		json_object_array_add(to, id_obj(l->to_id));
		json_object_object_add(j, "to", to);
		return j;
	}
	json_object_object_add(j, "to", id_obj(l->to_id));
	types = json_object_new_array();
	spec = json_object_new_object();
	json_object_object_add(spec, "associationCategory",
	                       json_object_new_string("HUBSPOT_DEFINED"));
	json_object_object_add(spec, "associationTypeId", json_object_new_int(type_id));
	json_object_array_add(types, spec);
	json_object_object_add(j, "types", types);
	return j;
}

char *
hs_assoc_body(struct xh_arena *a, const struct hs_link *l, int n, int type_id, int archive)
{
	json_object *root = json_object_new_object(), *inputs = json_object_new_array();
	char *out;

	for (int i = 0; i < n; i++)
		json_object_array_add(inputs, link_json(&l[i], type_id, archive));
	json_object_object_add(root, "inputs", inputs);
	out = xh_strdup(a, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	return out;
}

/* The first string of context[name], or NULL. */
static const char *
ctx_first(json_object *ctx, const char *name)
{
	json_object *v;

	if (!json_object_object_get_ex(ctx, name, &v) || !json_object_is_type(v, json_type_array) ||
	    json_object_array_length(v) == 0)
		return NULL;
	return json_object_get_string(json_object_array_get_idx(v, 0));
}

/* Clears ok on the links a 207's errors name by fromObjectId (and toObjectId). */
static void
mark_failed(const struct xh_http_resp *r, struct hs_link *l, int n)
{
	json_object *root = json_tokener_parse(r->body), *errors, *ctx;

	if (root == NULL || !json_object_object_get_ex(root, "errors", &errors) ||
	    !json_object_is_type(errors, json_type_array))
		goto out;
	for (size_t i = 0; i < json_object_array_length(errors); i++) {
		const char *from, *to;

		if (!json_object_object_get_ex(json_object_array_get_idx(errors, i), "context",
		                               &ctx))
			continue;
		from = ctx_first(ctx, "fromObjectId");
		to = ctx_first(ctx, "toObjectId");
		for (int k = 0; from != NULL && k < n; k++)
			if (strcmp(l[k].from_id, from) == 0 &&
			    (to == NULL || strcmp(l[k].to_id, to) == 0))
				l[k].ok = 0;
	}
out:
	json_object_put(root);
}

enum xh_err
hs_assoc_batch(struct hs_client *c, enum hs_object from, enum hs_object to, struct hs_link *l,
               int n, int archive)
{
	const struct hs_object_info *f = hs_object(from), *t = hs_object(to);
	int type_id = hs_assoc_type(from, to);
	struct hs_answer ans;
	enum xh_err err;

	if (f == NULL || t == NULL || type_id == 0)
		return job_error(c->ctx, XH_ERR_INVAL, "no association type for this pair");
	for (int i = 0; i < n; i += HS_BATCH_MAX) {
		int m = n - i < HS_BATCH_MAX ? n - i : HS_BATCH_MAX;
		char *body = hs_assoc_body(c->ctx->arena, &l[i], m, type_id, archive);
		char *path = xh_printf(c->ctx->arena, "/crm/v4/associations/%s/%s/batch/%s",
		                       f->path, t->path, archive ? "archive" : "create");

		if ((err = hs_call(c, "POST", path, body, HS_EXEMPT, &ans)) != XH_OK)
			return err;
		c->assoc_calls++;
		for (int k = 0; k < m; k++)
			l[i + k].ok = ans.v == HS_V_OK;
		if (ans.v == HS_V_OK && ans.resp.status == 207)
			mark_failed(&ans.resp, &l[i], m);
	}
	return XH_OK;
}
