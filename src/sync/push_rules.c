/*
 * push_rules.c: what the push does with one mirrored record, per HubSpot
 * object (push.h): one small rule each, pure, so every decision is a unit
 * test. The inputs follow src/hubspot/write.h.
 */
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "sync/push.h"

/* The string member key of obj, or NULL. */
static const char *
member(json_object *obj, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The string member key of the record's "_xhsync" facts, or NULL. */
static const char *
fact(const struct sync_cand *c, const char *key)
{
	json_object *x = NULL;

	json_object_object_get_ex(c->doc, "_xhsync", &x);
	return member(x, key);
}

/* A new input {"xero_id", "hash", "properties"}; takes props. */
static json_object *
input_of(const struct sync_cand *c, json_object *props)
{
	json_object *in = json_object_new_object();

	json_object_object_add(in, "xero_id", json_object_new_string(c->xero_id));
	json_object_object_add(in, "hash", json_object_new_string(c->hash));
	json_object_object_add(in, "properties", props);
	return in;
}

/* Adds {"object": to, "xero_id": id} to the input's associations. */
static void
associate(json_object *in, const char *to, const char *xero_id)
{
	json_object *list = NULL, *a = json_object_new_object();

	if (!json_object_object_get_ex(in, "associations", &list)) {
		list = json_object_new_array();
		json_object_object_add(in, "associations", list);
	}
	json_object_object_add(a, "object", json_object_new_string(to));
	json_object_object_add(a, "xero_id", json_object_new_string(xero_id));
	json_object_array_add(list, a);
}

/* Renders c->doc through m into *props; SV_FAIL with the reason when it does not fit. */
static int
render(struct xh_arena *a, const struct sync_mapping *m, const struct sync_cand *c,
       json_object **props, struct sync_decision *d)
{
	char err[300];

	if (sync_map_render(a, m, c->doc, NULL, props, err, sizeof(err)) == XH_OK)
		return 0;
	d->v = SV_FAIL;
	d->why = xh_strdup(a, err);
	return -1;
}

static void
decide_company(struct xh_arena *a, const struct sync_maps *maps, const struct sync_cand *c,
               struct sync_decision *d)
{
	json_object *props;

	if (c->company_why != NULL || fact(c, "filter") != NULL) { /* a conflict, or a filter */
		d->v = SV_EXCLUDE;
		d->why = c->company_why != NULL ? c->company_why : fact(c, "filter");
		return;
	}
	if (render(a, &maps->own, c, &props, d) == 0) {
		d->v = SV_WRITE;
		d->input = input_of(c, props);
	}
}

static void
decide_contact(struct xh_arena *a, const struct sync_maps *maps, const struct sync_cand *c,
               struct sync_decision *d)
{
	json_object *props, *email = NULL;

	if (c->person_why != NULL) {
		d->v = SV_EXCLUDE;
		d->why = c->person_why;
		return;
	}
	if (c->company_id == NULL) {
		d->v = c->company_why ? SV_EXCLUDE : SV_WAIT;
		d->why = c->company_why
		             ? xh_printf(a, "its company is not sent: %s", c->company_why)
		             : "waiting for its company";
		return;
	}
	if (render(a, &maps->own, c, &props, d) != 0)
		return;
	d->v = SV_WRITE;
	d->input = input_of(c, props);
	json_object_object_get_ex(props, "email", &email);
	json_object_object_add(d->input, "key", json_object_get(email));
	/* a contact person (push_sql.c) belongs to the company of its Xero contact */
	associate(d->input, "company", fact(c, "person_of") ? fact(c, "person_of") : c->xero_id);
}

/* SHA-256 (hex) of a line's rendered properties: its pushed hash. */
static const char *
line_hash(struct xh_arena *a, json_object *props)
{
	const char *s = json_object_to_json_string_ext(props, JSON_C_TO_STRING_PLAIN);
	unsigned char md[XH_SHA256_LEN];

	xh_sha256(s, strlen(s), md);
	return xh_hex(a, md, sizeof(md));
}

/* The invoice's lines as write.h inputs; -1 with SV_FAIL when one does not fit. */
static int
render_lines(struct xh_arena *a, const struct sync_maps *maps, const struct sync_cand *c,
             json_object **lines, struct sync_decision *d)
{
	json_object *items = NULL;
	char err[300];

	*lines = json_object_new_array();
	if (json_object_object_get_ex(c->doc, "LineItems", &items) &&
	    !json_object_is_type(items, json_type_array))
		items = NULL;
	for (size_t i = 0; items != NULL && i < json_object_array_length(items); i++) {
		json_object *li = json_object_array_get_idx(items, i), *props = NULL, *in,
		            *id = NULL;
		if (sync_map_render(a, &maps->lines, li, c->doc, &props, err, sizeof(err)) !=
		    XH_OK) {
			d->v = SV_FAIL;
			d->why = xh_printf(a, "line %zu: %s", i + 1, err);
			json_object_put(*lines);
			return -1;
		}
		json_object_object_get_ex(props, "xero_line_item_id", &id);
		in = json_object_new_object();
		json_object_object_add(in, "xero_id", json_object_get(id));
		json_object_object_add(in, "hash", json_object_new_string(line_hash(a, props)));
		json_object_object_add(in, "properties", props);
		json_object_array_add(*lines, in);
	}
	return 0;
}

/* Keeps an invoice a draft when HubSpot would refuse open or paid; the note says why. */
static void
hold_as_draft(struct xh_arena *a, json_object *props, const char *why, struct sync_decision *d)
{
	json_object *st = NULL;
	const char *s;

	if (!json_object_object_get_ex(props, "hs_invoice_status", &st))
		return;
	s = xh_strdup(a, json_object_get_string(st)); /* replacing the member frees it */
	if (strcmp(s, "open") != 0 && strcmp(s, "paid") != 0)
		return;
	json_object_object_add(props, "hs_invoice_status", json_object_new_string("draft"));
	d->why = xh_printf(a, "kept as a draft in HubSpot (Xero: %s): %s", s, why);
}

/* The invoice's status in Xero and whether it was never sent: excluded then. */
static int
voided_unsent(const struct sync_cand *c)
{
	const char *st = member(c->doc, "Status");

	return c->own_id == NULL && st != NULL &&
	       (strcmp(st, "VOIDED") == 0 || strcmp(st, "DELETED") == 0);
}

/*
 * paid_mode payment: HubSpot derives paid from the commerce payments
 * associated with the invoice (HUBSPOT.md 3.3), so the invoice asks open.
 */
static void
paid_through_payments(const struct sync_cand *c, json_object *props)
{
	const char *mode = fact(c, "paid_mode"), *st = member(props, "hs_invoice_status");

	if (mode != NULL && strcmp(mode, "payment") == 0 && st != NULL && strcmp(st, "paid") == 0)
		json_object_object_add(props, "hs_invoice_status", json_object_new_string("open"));
}

/*
 * 1 if a link filter leaves the invoice out. filters.invoice_statuses
 * (its reason starts "status", xh_invoice_filter in 0019) decides which
 * invoices are sent, not which are kept current: one in HubSpot already
 * is still updated, so its void or payment reaches HubSpot.
 */
static int
filtered_out(const struct sync_cand *c)
{
	const char *why = fact(c, "filter");

	return why != NULL && (c->own_id == NULL || strncmp(why, "status ", 7) != 0);
}

static void
decide_invoice(struct xh_arena *a, const struct sync_maps *maps, const struct sync_cand *c,
               struct sync_decision *d)
{
	json_object *props, *lines;
	json_object *contact = NULL;
	const char *cid;

	json_object_object_get_ex(c->doc, "Contact", &contact);
	cid = member(contact, "ContactID");
	if (filtered_out(c)) {
		d->v = SV_EXCLUDE;
		d->why = fact(c, "filter");
		return;
	}
	if (voided_unsent(c)) {
		d->v = SV_EXCLUDE;
		d->why = "voided or deleted in Xero before it was ever sent";
		return;
	}
	if (c->company_id == NULL || (c->person_id == NULL && c->person_why == NULL)) {
		d->v = c->company_why && c->company_id == NULL ? SV_EXCLUDE : SV_WAIT;
		d->why = d->v == SV_EXCLUDE
		             ? xh_printf(a, "its company is not sent: %s", c->company_why)
		             : xh_printf(a, "waiting for the %s of Xero contact %s",
		                         c->company_id ? "contact" : "company", cid ? cid : "?");
		return;
	}
	if (render(a, &maps->own, c, &props, d) != 0)
		return;
	if (render_lines(a, maps, c, &lines, d) != 0) {
		json_object_put(props);
		return;
	}
	paid_through_payments(c, props);
	if (c->person_id == NULL)
		hold_as_draft(a, props, xh_printf(a, "its contact has %s", c->person_why), d);
	else if (json_object_array_length(lines) == 0)
		hold_as_draft(a, props, "it has no line items", d);
	d->v = SV_WRITE;
	d->input = input_of(c, props);
	json_object_object_add(d->input, "lines", lines);
	associate(d->input, "company", cid);
	if (c->person_id != NULL)
		associate(d->input, "contact", cid);
}

/* Archives a record pushed before (SV_ARCHIVE), or excludes one never sent, saying why. */
static void
gone(const struct sync_cand *c, const char *why, struct sync_decision *d)
{
	d->v = c->own_id != NULL ? SV_ARCHIVE : SV_EXCLUDE;
	d->why = why;
	if (c->own_id != NULL) {
		d->input = json_object_new_object();
		json_object_object_add(d->input, "xero_id", json_object_new_string(c->xero_id));
	}
}

/* A product; an item gone from Xero's full list is archived. */
static void
decide_product(struct xh_arena *a, const struct sync_maps *maps, const struct sync_cand *c,
               struct sync_decision *d)
{
	if (fact(c, "gone") != NULL)
		gone(c, "gone from Xero's list of items", d);
	else
		decide_company(a, maps, c, d);
}

/*
 * 0 if the candidate's parent (company_id: an invoice for a payment, a
 * company for a note) is in HubSpot; else SV_EXCLUDE with the parent's
 * reason, or SV_WAIT saying `waiting`.
 */
static int
need_parent(struct xh_arena *a, const struct sync_cand *c, const char *what, const char *waiting,
            struct sync_decision *d)
{
	if (c->company_id != NULL)
		return 0;
	d->v = c->company_why ? SV_EXCLUDE : SV_WAIT;
	d->why =
	    c->company_why ? xh_printf(a, "its %s is not sent: %s", what, c->company_why) : waiting;
	return -1;
}

/* A commerce payment of an invoice in HubSpot (paid_mode payment); a deleted one is archived. */
static void
decide_payment(struct xh_arena *a, const struct sync_maps *maps, const struct sync_cand *c,
               struct sync_decision *d)
{
	json_object *props, *inv = NULL;
	const char *st = member(c->doc, "Status"), *iid;

	json_object_object_get_ex(c->doc, "Invoice", &inv);
	iid = member(inv, "InvoiceID");
	if (st != NULL && strcmp(st, "DELETED") == 0) {
		gone(c, "deleted in Xero", d);
		return;
	}
	if (need_parent(a, c, "invoice", xh_printf(a, "waiting for invoice %s", iid ? iid : "?"),
	                d) != 0 ||
	    render(a, &maps->own, c, &props, d) != 0)
		return;
	d->v = SV_WRITE;
	d->input = input_of(c, props);
	associate(d->input, "invoice", iid);
}

/* A credit note as a note on its company's timeline, updated in place when it changes. */
static void
decide_note(struct xh_arena *a, const struct sync_maps *maps, const struct sync_cand *c,
            struct sync_decision *d)
{
	json_object *props, *contact = NULL;
	const char *st = member(c->doc, "Status"), *cid;

	json_object_object_get_ex(c->doc, "Contact", &contact);
	cid = member(contact, "ContactID");
	if (c->own_id == NULL && st != NULL &&
	    (strcmp(st, "VOIDED") == 0 || strcmp(st, "DELETED") == 0 || strcmp(st, "DRAFT") == 0 ||
	     strcmp(st, "SUBMITTED") == 0)) {
		d->v = SV_EXCLUDE;
		d->why = "not approved in Xero, or voided or deleted before it was ever sent";
		return;
	}
	if (need_parent(a, c, "company",
	                xh_printf(a, "waiting for the company of Xero contact %s", cid ? cid : "?"),
	                d) != 0 ||
	    render(a, &maps->own, c, &props, d) != 0)
		return;
	d->v = SV_WRITE;
	d->input = input_of(c, props);
	associate(d->input, "company", cid);
}

typedef void decide_fn(struct xh_arena *a, const struct sync_maps *maps, const struct sync_cand *c,
                       struct sync_decision *d);

static decide_fn *const decide_table[SO__MAX] = {
    decide_company, /* SO_COMPANY */
    decide_contact, /* SO_CONTACT */
    decide_invoice, /* SO_INVOICE */
    NULL,           /* SO_LINE_ITEM: written with their invoice */
    decide_product, /* SO_PRODUCT */
    decide_payment, /* SO_PAYMENT */
    decide_note,    /* SO_NOTE */
};

void
sync_decide(struct xh_arena *a, enum sync_object o, const struct sync_maps *maps,
            const struct sync_cand *c, struct sync_decision *d)
{
	memset(d, 0, sizeof(*d));
	if (decide_table[o] == NULL) {
		d->v = SV_FAIL;
		d->why = "line items are pushed with their invoice";
		return;
	}
	decide_table[o](a, maps, c, d);
}
