/*
 * webhook.c: the pure parts of the Xero webhook intake and fetch
 * (webhook.h): the signature over the raw body, the payload parser and
 * the fetch call's path.
 */
#include <string.h>

#include "crypto.h"
#include "json.h"
#include "xero/pull.h"
#include "xero/webhook.h"

#define WH_DEPTH 16 /* a payload nests three deep, a CREDITNOTE's data{} one more */

/* eventCategory -> mirror object; categories not here are ignored. */
static const struct {
	const char *category;
	const char *object;
} category_table[] = {
    {"CONTACT", "contact"},        /* Contacts */
    {"INVOICE", "invoice"},        /* Invoices (ACCREC and ACCPAY; the type filter decides) */
    {"CREDITNOTE", "credit_note"}, /* CreditNotes */
};

const char *
xero_webhook_object(const char *category)
{
	for (size_t i = 0; category != NULL && i < XH_NELEM(category_table); i++)
		if (strcmp(category_table[i].category, category) == 0)
			return category_table[i].object;
	return NULL;
}

int
xero_webhook_has(const char *object)
{
	for (size_t i = 0; object != NULL && i < XH_NELEM(category_table); i++)
		if (strcmp(category_table[i].object, object) == 0)
			return 1;
	return 0;
}

int
xero_webhook_verify(const char *sig, size_t siglen, const void *body, size_t len,
                    const char *const *keys, size_t nkeys)
{
	struct xh_arena *a = xh_arena_new();
	unsigned char mac[XH_SHA256_LEN];
	int found = -1;

	for (size_t i = 0; i < nkeys; i++) {
		xh_hmac_sha256(keys[i], strlen(keys[i]), body, len, mac);
		if (xh_ct_equal(xh_b64_encode(a, mac, sizeof(mac)), XERO_WEBHOOK_SIG_LEN, sig,
		                siglen) &&
		    found < 0)
			found = (int)i;
	}
	xh_arena_free(a);
	return found;
}

/* Reads one event into ev. XH_ERR_INVAL when it lacks the fields we use. */
static enum xh_err
take_event(struct xh_arena *a, json_object *e, struct xero_wh_event *ev)
{
	const char *tenant = xh_json_str(e, "tenantId"), *res = xh_json_str(e, "resourceId");
	const char *cat = xh_json_str(e, "eventCategory");

	if (!json_object_is_type(e, json_type_object) || cat == NULL || tenant == NULL ||
	    res == NULL)
		return XH_ERR_INVAL;
	ev->object = xero_webhook_object(cat);
	/* SUBSCRIPTION events carry an application id, not an organisation's. */
	if (ev->object != NULL && (!xero_is_uuid(tenant) || !xero_is_uuid(res)))
		return XH_ERR_INVAL;
	ev->tenant = xh_strdup(a, tenant);
	ev->resource = xh_strdup(a, res);
	return XH_OK;
}

/* The top-level fields: events[], both sequence numbers and entropy. */
static json_object *
payload_events(json_object *root, struct xero_wh_payload *out)
{
	json_object *events;

	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "events", &events) ||
	    !json_object_is_type(events, json_type_array) ||
	    !xh_json_int(root, "firstEventSequence", &out->first_seq) ||
	    !xh_json_int(root, "lastEventSequence", &out->last_seq) ||
	    xh_json_str(root, "entropy") == NULL)
		return NULL;
	return events;
}

enum xh_err
xero_webhook_parse(struct xh_arena *a, const char *body, size_t len, struct xero_wh_payload *out)
{
	json_object *root = xh_json_parse_strict(body, len, WH_DEPTH), *events;
	enum xh_err err = XH_ERR_INVAL;

	memset(out, 0, sizeof(*out));
	if (root == NULL || (events = payload_events(root, out)) == NULL)
		goto out;
	out->nevents = json_object_array_length(events);
	out->events = xh_alloc(a, sizeof(*out->events) * (out->nevents + 1));
	for (size_t i = 0; i < out->nevents; i++) {
		if (take_event(a, json_object_array_get_idx(events, i), &out->events[i]) != XH_OK)
			goto out;
		out->ignored += out->events[i].object == NULL;
	}
	out->itr = out->nevents == 0 && out->first_seq == 0 && out->last_seq == 0;
	err = XH_OK;
out:
	json_object_put(root);
	if (err)
		memset(out, 0, sizeof(*out));
	return err;
}

char *
xero_fetch_path(struct xh_arena *a, const char *endpoint, const char *const *ids, size_t n)
{
	struct xh_buf b;
	char *s;

	/* page= keeps invoices' line items (XERO.md 2.3); archived contacts are updates too. */
	xh_buf_init(&b);
	xh_buf_printf(&b, "%s?page=1&pageSize=%d&IDs=", endpoint, XERO_FETCH_IDS);
	for (size_t i = 0; i < n; i++)
		xh_buf_printf(&b, "%s%s", i ? "," : "", ids[i]);
	if (strcmp(endpoint, "Contacts") == 0)
		xh_buf_puts(&b, "&includeArchived=true");
	s = xh_buf_dup(a, &b);
	xh_buf_free(&b);
	return s;
}

int
xero_fetch_by_ids(const char *endpoint)
{
	return strcmp(endpoint, "Contacts") == 0 || strcmp(endpoint, "Invoices") == 0;
}

enum xh_err
xero_fetch_returned(struct xh_arena *a, const char *endpoint, const char *id_field,
                    const char *body, size_t len, const char ***ids, size_t *n)
{
	json_object *root = xh_json_parse_strict(body, len, 64), *list;
	const char *id;
	size_t count;

	*ids = NULL;
	*n = 0;
	if (root == NULL || !json_object_object_get_ex(root, endpoint, &list) ||
	    !json_object_is_type(list, json_type_array)) {
		json_object_put(root);
		return XH_ERR_INVAL;
	}
	count = json_object_array_length(list);
	*ids = xh_alloc(a, sizeof(**ids) * (count + 1));
	for (size_t i = 0; i < count; i++)
		if ((id = xh_json_str(json_object_array_get_idx(list, i), id_field)) != NULL &&
		    xero_is_uuid(id))
			(*ids)[(*n)++] = xh_strdup(a, id);
	json_object_put(root);
	return XH_OK;
}
