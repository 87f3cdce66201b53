/*
 * write_args.c: the hubspot.write job's inputs (write.h), checked once
 * here, and what hubspot_ref says about them: unchanged ones are skipped,
 * association targets resolved to HubSpot ids.
 */
#include <ctype.h>
#include <string.h>

#include <strings.h>

#include "hubspot/write_int.h"
#include "xero/pull.h"

static int
is_hash(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return n == 64;
}

static char *
lower_dup(struct xh_arena *a, const char *s)
{
	char *d = xh_strdup(a, s);

	for (char *p = d; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

static const char *
jstr(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
	           ? json_object_get_string(v)
	           : NULL;
}

/* "xero_id" (a UUID, lower-cased) and "hash" of o; NULL and *why on error. */
static char *
parse_ids(struct xh_arena *a, json_object *o, int want_hash, const char **hash, const char **why)
{
	const char *x = jstr(o, "xero_id");

	*hash = jstr(o, "hash");
	if (x == NULL || !xero_is_uuid(x))
		*why = "xero_id must be a UUID";
	else if (want_hash && !is_hash(*hash))
		*why = "hash must be 64 hex digits";
	else
		return lower_dup(a, x);
	return NULL;
}

static enum xh_err
parse_lines(struct job_ctx *ctx, json_object *o, struct wr_rec *r)
{
	json_object *arr, *props;

	if (!json_object_object_get_ex(o, "lines", &arr))
		return XH_OK;
	if (!json_object_is_type(arr, json_type_array))
		return job_error(ctx, XH_ERR_INVAL, "lines must be an array");
	r->has_lines = 1;
	r->nlines = (int)json_object_array_length(arr);
	r->lines = xh_alloc(ctx->arena, sizeof(*r->lines) * (size_t)(r->nlines + 1));
	for (int k = 0; k < r->nlines; k++) {
		json_object *l = json_object_array_get_idx(arr, k);
		struct wr_line *w = &r->lines[k];
		const char *why = NULL;

		if ((w->xero_id = parse_ids(ctx->arena, l, 1, &w->hash, &why)) == NULL)
			return job_error(ctx, XH_ERR_INVAL, "line %d: %s", k, why);
		w->props = json_object_object_get_ex(l, "properties", &props) ? props : NULL;
	}
	return XH_OK;
}

static enum xh_err
parse_assocs(struct job_ctx *ctx, json_object *o, struct wr_rec *r, enum hs_object from)
{
	json_object *arr;

	if (!json_object_object_get_ex(o, "associations", &arr))
		return XH_OK;
	if (!json_object_is_type(arr, json_type_array) ||
	    json_object_array_length(arr) > WR_MAX_ASSOC)
		return job_error(ctx, XH_ERR_INVAL, "associations: an array of at most %d",
		                 WR_MAX_ASSOC);
	for (size_t k = 0; k < json_object_array_length(arr); k++) {
		json_object *e = json_object_array_get_idx(arr, k);
		int to = hs_object_parse(jstr(e, "object"));
		const char *x = jstr(e, "xero_id");

		if (to < 0 || hs_assoc_type(from, (enum hs_object)to) == 0 || x == NULL ||
		    !xero_is_uuid(x))
			return job_error(ctx, XH_ERR_INVAL,
			                 "association %zu: bad object or xero_id", k);
		r->assoc[r->nassoc++] = (struct wr_assoc){.to = (enum hs_object)to,
		                                          .xero_id = lower_dup(ctx->arena, x)};
	}
	return XH_OK;
}

/* An invoice's open/paid status is held back until its associations exist. */
static void
hold_status(struct xh_arena *a, json_object *o, struct wr_rec *r)
{
	const char *st = jstr(r->props, "hs_invoice_status");
	json_object *copy = NULL;

	if (st == NULL || (strcmp(st, "open") != 0 && strcmp(st, "paid") != 0))
		return;
	r->want_status = xh_strdup(a, st);
	if (json_object_deep_copy(r->props, &copy, NULL) == 0) {
		json_object_object_del(copy, "hs_invoice_status");
		json_object_object_add(o, "_sent", copy); /* freed with the args */
		r->props = copy;
	}
}

static enum xh_err
parse_input(struct job_ctx *ctx, struct wr_job *w, json_object *o, struct wr_rec *r)
{
	const char *why = NULL, *key = jstr(o, "key");
	json_object *props;
	enum xh_err err;

	if (!json_object_is_type(o, json_type_object))
		return job_error(ctx, XH_ERR_INVAL, "inputs[] must be objects");
	if ((r->xero_id = parse_ids(ctx->arena, o, !w->archive, &r->hash, &why)) == NULL)
		return job_error(ctx, XH_ERR_INVAL, "input: %s", why);
	if (w->o == HS_CONTACT && key == NULL && !w->archive)
		return job_error(ctx, XH_ERR_INVAL, "contact %s needs its email as key",
		                 r->xero_id);
	r->in.key = key != NULL ? xh_strdup(ctx->arena, key) : r->xero_id;
	r->props = json_object_object_get_ex(o, "properties", &props) &&
	                   json_object_is_type(props, json_type_object)
	               ? props
	               : NULL;
	if ((err = parse_assocs(ctx, o, r, w->o)) != XH_OK)
		return err;
	if (w->o == HS_INVOICE && r->props != NULL)
		hold_status(ctx->arena, o, r);
	return w->o == HS_INVOICE ? parse_lines(ctx, o, r) : XH_OK;
}

enum xh_err
wr_parse_args(struct job_ctx *ctx, struct wr_job *w, json_object *root)
{
	const char *obj = jstr(root, "object"), *op = jstr(root, "op");
	json_object *inputs;
	int o = hs_object_parse(obj);

	if (o < 0 || o == HS_LINE_ITEM)
		return job_error(ctx, XH_ERR_INVAL, "hubspot.write: unknown object %s",
		                 obj != NULL ? obj : "(none)");
	w->o = (enum hs_object)o;
	if (op != NULL && strcmp(op, "upsert") != 0 && strcmp(op, "archive") != 0)
		return job_error(ctx, XH_ERR_INVAL, "hubspot.write: op is upsert or archive");
	w->archive = op != NULL && strcmp(op, "archive") == 0;
	if (!json_object_object_get_ex(root, "inputs", &inputs) ||
	    !json_object_is_type(inputs, json_type_array))
		return job_error(ctx, XH_ERR_INVAL, "hubspot.write: inputs must be an array");
	w->n = (int)json_object_array_length(inputs);
	w->r = xh_alloc(ctx->arena, sizeof(*w->r) * (size_t)(w->n + 1));
	memset(w->r, 0, sizeof(*w->r) * (size_t)(w->n + 1));
	for (int i = 0; i < w->n; i++) {
		enum xh_err err =
		    parse_input(ctx, w, json_object_array_get_idx(inputs, i), &w->r[i]);

		if (err != XH_OK)
			return err;
	}
	return XH_OK;
}

/* ---- references ---- */

/* Marks unchanged inputs (hash pushed) and earlier inputs of a repeated xero_id. */
enum xh_err
wr_mark_pushed(struct job_ctx *ctx, struct wr_job *w)
{
	char **ids = xh_alloc(ctx->arena, sizeof(char *) * (size_t)(w->n + 1));
	struct wr_ref *refs;
	int nrefs;
	enum xh_err err;

	for (int i = 0; i < w->n; i++)
		ids[i] = w->r[i].xero_id;
	if ((err = wr_load_refs(ctx, w->c.link_id, w->o, ids, w->n, 0, &refs, &nrefs)) != XH_OK)
		return err;
	for (int i = 0; i < w->n; i++) {
		struct wr_rec *r = &w->r[i];

		r->ref = wr_find_ref(refs, nrefs, r->xero_id);
		r->skip = !w->archive && r->ref != NULL && r->ref->hash != NULL &&
		          strcasecmp(r->ref->hash, r->hash) == 0;
		for (int j = i + 1; j < w->n && !r->skip; j++)
			r->skip = strcmp(w->r[j].xero_id, r->xero_id) == 0; /* the later one wins */
		if (w->archive)
			r->skip = r->ref == NULL || r->ref->hubspot_id == NULL;
	}
	return XH_OK;
}

/* Resolves every association's target through hubspot_ref; refuses inputs whose target is missing.
 */
enum xh_err
wr_resolve_assocs(struct job_ctx *ctx, struct wr_job *w)
{
	for (int t = 0; t < HS_OBJECT__MAX; t++) {
		char **ids =
		    xh_alloc(ctx->arena, sizeof(char *) * (size_t)(w->n * WR_MAX_ASSOC + 1));
		struct wr_ref *refs;
		int n = 0, nrefs;
		enum xh_err err;

		for (int i = 0; i < w->n; i++)
			for (int k = 0; k < w->r[i].nassoc; k++)
				if ((int)w->r[i].assoc[k].to == t && !w->r[i].skip)
					ids[n++] = w->r[i].assoc[k].xero_id;
		if (n == 0)
			continue;
		if ((err = wr_load_refs(ctx, w->c.link_id, (enum hs_object)t, ids, n, 0, &refs,
		                        &nrefs)) != XH_OK)
			return err;
		for (int i = 0; i < w->n; i++)
			for (int k = 0; k < w->r[i].nassoc; k++) {
				struct wr_assoc *as = &w->r[i].assoc[k];
				struct wr_ref *ref;

				if ((int)as->to != t || w->r[i].skip)
					continue;
				ref = wr_find_ref(refs, nrefs, as->xero_id);
				as->hubspot_id = ref != NULL ? ref->hubspot_id : NULL;
				if (as->hubspot_id == NULL && w->r[i].refused == NULL)
					w->r[i].refused =
					    xh_printf(ctx->arena, "%s %s is not in HubSpot yet",
					              hs_object(as->to)->name, as->xero_id);
			}
	}
	return XH_OK;
}
