/*
 * search.c: the CRM search endpoint (HUBSPOT.md 2.2) with its own budget
 * (5 a second per portal, exempt from the ten-second one). Pages follow
 * `after`; since HubSpot refuses to page past 10,000 results, a walk sorts
 * by hs_object_id and, before reaching the cap, starts again from
 * hs_object_id > the last id seen. Search lags writes, so nothing here is
 * used to read back a write (batch read by unique property does that).
 */
#include <stdlib.h>
#include <string.h>

#include "hubspot/crm.h"

static json_object *
filter(const char *prop, const char *op, const char *value)
{
	json_object *f = json_object_new_object();

	json_object_object_add(f, "propertyName", json_object_new_string(prop));
	json_object_object_add(f, "operator", json_object_new_string(op));
	if (value != NULL)
		json_object_object_add(f, "value", json_object_new_string(value));
	return f;
}

char *
hs_search_body(struct xh_arena *a, const struct hs_filter *f, const char *after_id,
               const char *after, const char *const *props, int nprops)
{
	json_object *root = json_object_new_object(), *groups = json_object_new_array();
	json_object *group = json_object_new_object(), *filters = json_object_new_array();
	json_object *sorts = json_object_new_array(), *p = json_object_new_array();
	char *out;

	if (f != NULL && f->prop != NULL)
		json_object_array_add(filters, filter(f->prop, f->op, f->value));
	json_object_array_add(filters, filter("hs_object_id", "GT", after_id ? after_id : "0"));
	json_object_object_add(group, "filters", filters);
	json_object_array_add(groups, group);
	json_object_array_add(sorts, json_object_new_string("hs_object_id"));
	for (int i = 0; i < nprops; i++)
		json_object_array_add(p, json_object_new_string(props[i]));
	json_object_object_add(root, "filterGroups", groups);
	json_object_object_add(root, "sorts", sorts);
	json_object_object_add(root, "properties", p);
	json_object_object_add(root, "limit", json_object_new_int(HS_SEARCH_MAX));
	json_object_object_add(root, "after", json_object_new_string(after ? after : "0"));
	out = xh_strdup(a, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	return out;
}

/* Hands one page's records to fn; *next gets paging.next.after or NULL. */
static enum xh_err
read_page(struct xh_arena *a, const struct xh_http_resp *r, hs_search_fn fn, void *arg,
          char **last_id, char **next, int *stop)
{
	json_object *root = json_tokener_parse(r->body), *results, *v, *props;
	enum xh_err err = XH_ERR_INVAL;

	*next = NULL;
	if (root == NULL || !json_object_object_get_ex(root, "results", &results) ||
	    !json_object_is_type(results, json_type_array))
		goto out;
	for (size_t i = 0; i < json_object_array_length(results) && !*stop; i++) {
		json_object *rec = json_object_array_get_idx(results, i);

		if (!json_object_object_get_ex(rec, "id", &v) ||
		    !json_object_is_type(v, json_type_string))
			goto out;
		*last_id = xh_strdup(a, json_object_get_string(v));
		if (!json_object_object_get_ex(rec, "properties", &props))
			props = NULL;
		*stop = fn(*last_id, props, arg);
	}
	if (json_object_object_get_ex(root, "paging", &v) &&
	    json_object_object_get_ex(v, "next", &v) && json_object_object_get_ex(v, "after", &v) &&
	    json_object_is_type(v, json_type_string))
		*next = xh_strdup(a, json_object_get_string(v));
	err = XH_OK;
out:
	json_object_put(root);
	return err;
}

enum xh_err
hs_search(struct hs_client *c, enum hs_object o, const struct hs_filter *f,
          const char *const *props, int nprops, hs_search_fn fn, void *arg)
{
	struct xh_arena *a = c->ctx->arena;
	const char *path = xh_printf(a, "/crm/v3/objects/%s/search", hs_object(o)->path);
	char *last_id = "0", *after = NULL, *next;
	struct hs_answer ans;
	int stop = 0;
	enum xh_err err;

	for (;;) {
		char *body = hs_search_body(a, f, last_id, after, props, nprops);

		if ((err = hs_call(c, "POST", path, body, 1, &ans)) != XH_OK)
			return err;
		c->search_calls++;
		if (ans.v != HS_V_OK)
			return job_error(c->ctx, XH_ERR_PERMANENT, "HubSpot search answered %d: %s",
			                 ans.resp.status, ans.err.message ? ans.err.message : "");
		if (read_page(a, &ans.resp, fn, arg, &last_id, &next, &stop) != XH_OK)
			return job_error(c->ctx, XH_ERR_INVAL,
			                 "HubSpot search: not a search answer");
		if (stop || next == NULL)
			return XH_OK;
		/* the cap: restart from hs_object_id > last_id rather than page past it */
		after = strtoll(next, NULL, 10) + HS_SEARCH_MAX > HS_SEARCH_CAP ? NULL : next;
	}
}
