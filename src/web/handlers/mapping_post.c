/*
 * mapping_post.c: the field-mapping editor's forms, all POSTs with the
 * CSRF token. preview renders the typed rule on a mirrored Xero record
 * next to the current mapping and writes nothing; save checks the rule
 * (each problem named by its field, the typed values kept, nothing
 * changed) and stores it, which marks the object's records for re-push
 * (map_store.c); disable, unset and reset turn a rule off, back to its
 * default, or every rule of the object back to the defaults; refresh asks
 * the worker to read the portal's properties again.
 */
#include <string.h>

#include "web/handlers/mapping.h"
#include "web/template.h"

#define FORM_MAX 500 /* longest source, transform or record key kept */

/* v cut to FORM_MAX bytes, on a character boundary, in the arena. */
static const char *
cut(struct xh_arena *a, const char *v)
{
	size_t n = strlen(v);

	if (n > FORM_MAX) {
		n = FORM_MAX;
		while (n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80)
			n--;
	}
	return xh_printf(a, "%.*s", (int)n, v);
}

/*
 * The form's fields, each cut to FORM_MAX bytes (whatever was typed is
 * shown back). 1 if every field is text (UTF-8), else 0 with the field at
 * fault named in f.
 */
static int
read_form(struct web_req *req, struct map_form *f)
{
	static const char *const names[] = {"target", "source", "transform", "record"};
	static const char *const not_text[] = {
	    "HubSpot property: choose one of the portal's properties.",
	    "Xero source: this contains bytes that are not text; type the path again.",
	    "Transform: this contains bytes that are not text; type it again.",
	    "Xero record: this contains bytes that are not text; type the number or ID again."};
	const char **dst[] = {&f->target, &f->source, &f->transform, &f->record};
	const char **bad[] = {&f->bad.target, &f->bad.source, &f->bad.transform, &f->record_error};
	int ok = 1;

	memset(f, 0, sizeof(*f));
	f->repush = -1;
	for (size_t i = 0; i < XH_NELEM(names); i++) {
		const char *v = web_kv_get(&req->form, names[i]);
		*dst[i] = v == NULL ? "" : cut(req->arena, v);
		if (!web_utf8_valid(*dst[i], strlen(*dst[i]))) {
			*bad[i] = not_text[i];
			ok = 0;
		}
	}
	return ok;
}

/* The change the form asks for. */
static struct sync_mapping_change
change_of(const struct map_req *r, const struct web_req *req, const struct map_form *f, int enabled)
{
	struct sync_mapping_change c = {
	    .link = r->link,
	    .object = r->object,
	    .target = f->target,
	    .source = enabled ? f->source : ".",
	    .transform = enabled && f->transform[0] != '\0' ? f->transform : "text",
	    .enabled = enabled,
	    .actor = req->session->email,
	};
	return c;
}

/* Checks the change; 0 if valid, 422 with the problems in f, 500. */
static int
check(struct web_ctx *ctx, struct web_req *req, const struct map_req *r, struct map_form *f,
      const struct sync_mapping_change *c)
{
	if (sync_mapping_check(ctx->db, req->arena, c, &r->props, &f->bad) != XH_OK)
		return 500;
	return f->bad.target || f->bad.source || f->bad.transform ? 422 : 0;
}

/* Starts a POST to an object's page: the request and the form; 422 for a form that is not text. */
static int
begin(struct web_ctx *ctx, struct web_req *req, struct map_req *r, struct map_form *f)
{
	int st = web_map_req(ctx, req, 1, r);

	if (!read_form(req, f) && st == 0)
		return 422;
	return st;
}

/*
 * POST .../preview: 200 with the preview (of the current mapping alone
 * when no rule was typed), 422 for a bad rule or a record the mirror lacks.
 */
int
web_handle_mapping_preview(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct sync_mapping_change c;
	struct map_req r;
	struct map_form f;
	char err[300];
	enum xh_err e;
	int st, edited;

	if ((st = begin(ctx, req, &r, &f)) != 0)
		return st == 422 ? web_map_page(ctx, req, resp, 422, &r, &f) : st;
	c = change_of(&r, req, &f, 1);
	edited = f.target[0] != '\0' || f.source[0] != '\0';
	f.plain = !edited;
	if (edited && (st = check(ctx, req, &r, &f, &c)) != 0)
		return st == 422 ? web_map_page(ctx, req, resp, 422, &r, &f) : st;
	if (f.record[0] == '\0') {
		f.record_error = "Xero record: enter the number or ID of a record to preview on.";
		return web_map_page(ctx, req, resp, 422, &r, &f);
	}
	e = sync_mapping_preview_edits(ctx->db, req->arena, r.link, r.object, f.record, &c, edited,
	                               &f.preview, err, sizeof(err));
	if (e == XH_ERR_NOTFOUND) {
		f.record_error =
		    xh_printf(req->arena,
		              "Xero record: no %s '%s' is mirrored for this link. Check "
		              "the number, or use the record's ID.",
		              sync_object_source(r.object), f.record);
		return web_map_page(ctx, req, resp, 422, &r, &f);
	}
	if (e == XH_ERR_INVAL) {
		f.error = xh_strdup(req->arena, err);
		return web_map_page(ctx, req, resp, 422, &r, &f);
	}
	return e == XH_OK ? web_map_page(ctx, req, resp, 200, &r, &f) : 500;
}

/*
 * Stores the form's rule (enabled) or turns its target off, and renders
 * the outcome: 200 saying how many records will be re-pushed, or 422
 * naming the field at fault with nothing changed.
 */
static int
store(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, int enabled)
{
	struct sync_mapping_change c;
	struct map_req r;
	struct map_form f;
	char err[300];
	enum xh_err e;
	int st;

	if ((st = begin(ctx, req, &r, &f)) == 0) {
		c = change_of(&r, req, &f, enabled);
		st = check(ctx, req, &r, &f, &c);
	}
	if (st != 0)
		return st == 422 ? web_map_page(ctx, req, resp, 422, &r, &f) : st;
	e = sync_mapping_set(ctx->db, &c, &f.repush, err, sizeof(err));
	if (e == XH_ERR_INVAL) {
		f.error = xh_strdup(req->arena, err);
		f.repush = -1;
		return web_map_page(ctx, req, resp, 422, &r, &f);
	}
	if (e != XH_OK)
		return e == XH_ERR_NOTFOUND ? 404 : 500;
	f.notice = enabled
	               ? xh_printf(req->arena, "Saved: %s now comes from %s | %s.", c.target,
	                           c.source, c.transform)
	               : xh_printf(req->arena, "Turned off: %s is no longer written.", c.target);
	f.target = f.source = f.transform = NULL;
	return web_map_page(ctx, req, resp, 200, &r, &f);
}

/* POST .../save (target, source, transform). */
int
web_handle_mapping_save(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	return store(ctx, req, resp, 1);
}

/* POST .../disable (target): 422 for a locked rule. */
int
web_handle_mapping_disable(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	return store(ctx, req, resp, 0);
}

/* Drops one override (target) or all (reset) and renders the outcome. */
static int
drop(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, int all)
{
	struct sync_mapping_change c;
	struct map_req r;
	struct map_form f;
	char err[300];
	enum xh_err e;
	int st;

	if ((st = begin(ctx, req, &r, &f)) != 0)
		return st == 422 ? web_map_page(ctx, req, resp, 422, &r, &f) : st;
	c = change_of(&r, req, &f, 1);
	c.target = all ? NULL : f.target;
	e = sync_mapping_unset(ctx->db, &c, &f.repush, err, sizeof(err));
	if (e == XH_ERR_NOTFOUND) {
		f.repush = -1;
		f.error = all ? "Nothing to reset: every rule is already the default."
		              : "Nothing to undo: this rule is already the default.";
		f.target = NULL;
		return web_map_page(ctx, req, resp, 422, &r, &f);
	}
	if (e != XH_OK)
		return 500;
	f.notice = all ? "Reset: every rule is back to the default."
	               : xh_printf(req->arena, "%s is back to its default rule.", f.target);
	f.target = NULL;
	return web_map_page(ctx, req, resp, 200, &r, &f);
}

/* POST .../unset (target): back to the default rule. */
int
web_handle_mapping_unset(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	return drop(ctx, req, resp, 0);
}

/* POST .../reset: every rule of the object back to the defaults. */
int
web_handle_mapping_reset(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	return drop(ctx, req, resp, 1);
}

/* POST .../refresh: asks for the portal's properties again; 303 back to the page. */
int
web_handle_mapping_refresh(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct map_req r;
	int st;

	if ((st = web_map_req(ctx, req, 1, &r)) != 0)
		return st;
	if (sync_portal_props_refresh(ctx->db, r.link) != XH_OK)
		return 500;
	web_redirect(resp, xh_printf(req->arena, "/links/%lld/mappings/%s", r.link,
	                             sync_object_name(r.object)));
	return 303;
}

/* Adds the before/after rows of one rendering (properties or error) to rows. */
static void
diff_rows(json_object *before, json_object *after, json_object *out)
{
	json_object *bp = NULL, *ap = NULL, *rows = json_object_new_array(), *v;

	json_object_object_get_ex(before, "properties", &bp);
	json_object_object_get_ex(after, "properties", &ap);
	if (json_object_object_get_ex(before, "error", &v))
		json_object_object_add(out, "error_before", json_object_get(v));
	if (json_object_object_get_ex(after, "error", &v))
		json_object_object_add(out, "error_after", json_object_get(v));
	for (int pass = 0; pass < 2; pass++) {
		json_object *src = pass == 0 ? ap : bp, *other = pass == 0 ? bp : ap;
		if (src == NULL)
			continue;
		json_object_object_foreach(src, k, val)
		{
			json_object *row, *o = NULL;
			const char *now, *then;
			if (pass == 1 && ap != NULL && json_object_object_get_ex(ap, k, NULL))
				continue;
			json_object_object_get_ex(other, k, &o);
			now = json_object_get_string(pass == 0 ? o : val);
			then = json_object_get_string(pass == 0 ? val : o);
			row = json_object_new_object();
			json_object_object_add(row, "property", json_object_new_string(k));
			json_object_object_add(row, "before",
			                       json_object_new_string(now ? now : ""));
			json_object_object_add(row, "after",
			                       json_object_new_string(then ? then : ""));
			json_object_object_add(row, "no_before",
			                       json_object_new_boolean(now == NULL));
			json_object_object_add(row, "no_after",
			                       json_object_new_boolean(then == NULL));
			json_object_object_add(row, "changed",
			                       json_object_new_boolean(now == NULL ||
			                                               then == NULL ||
			                                               strcmp(now, then)));
			json_object_array_add(rows, row);
		}
	}
	json_object_object_add(out, "rows", rows);
}

json_object *
web_map_preview_rows(json_object *pv, const char *record)
{
	json_object *out = json_object_new_object(), *b = NULL, *a = NULL, *bl, *al, *v;

	if (json_object_object_get_ex(pv, "xero_id", &v))
		json_object_object_add(out, "xero_id", json_object_get(v));
	json_object_object_add(out, "record", json_object_new_string(record ? record : ""));
	json_object_object_get_ex(pv, "before", &b);
	json_object_object_get_ex(pv, "after", &a);
	if (json_object_object_get_ex(b, "lines", &bl) &&
	    json_object_object_get_ex(a, "lines", &al)) {
		json_object *lines = json_object_new_array();
		for (size_t i = 0; i < json_object_array_length(al); i++) {
			json_object *line = json_object_new_object();
			json_object_object_add(line, "n", json_object_new_int((int)i + 1));
			diff_rows(json_object_array_get_idx(bl, i),
			          json_object_array_get_idx(al, i), line);
			json_object_array_add(lines, line);
		}
		json_object_object_add(out, "has_lines", json_object_new_boolean(1));
		json_object_object_add(out, "empty",
		                       json_object_new_boolean(json_object_array_length(al) == 0));
		json_object_object_add(out, "lines", lines);
	} else {
		diff_rows(b, a, out);
	}
	json_object_put(pv);
	return out;
}
