/*
 * template_render.c: renders a parsed template over json-c values with a
 * context stack, as the mustache spec describes: names resolve from the
 * innermost context outwards, a dotted name resolves its first part that
 * way and the rest inside what it found, "." is the current context.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "template_int.h"

struct render {
	const struct web_tpl_set *set;
	struct json_object *stack[WEB_TPL_MAX_DEPTH];
	int n;       /* contexts on the stack */
	int depth;   /* sections and partials being rendered */
	size_t work; /* nodes rendered plus bytes re-parsed: bounds runaway templates */
	struct xh_buf *out;
	enum xh_err err;
};

static void render_nodes(struct render *r, const struct tpl_node *nd);

/* The member key[0..n) of object o: 1 and *val if present, else 0. */
static int
member(struct json_object *o, const char *key, size_t n, struct json_object **val)
{
	char k[260];

	if (!json_object_is_type(o, json_type_object) || n >= sizeof(k))
		return 0;
	memcpy(k, key, n);
	k[n] = '\0';
	return json_object_object_get_ex(o, k, val);
}

/*
 * Resolves name[0..len): 1 with *val (NULL for JSON null) if found, else
 * 0. A dotted name whose first part is found but whose rest is not is a
 * miss: it does not fall back to outer contexts.
 */
static int
lookup(const struct render *r, const char *name, size_t len, struct json_object **val)
{
	const char *dot = memchr(name, '.', len), *end = name + len;
	size_t seg = dot ? (size_t)(dot - name) : len;
	struct json_object *cur = NULL;
	int i, found = 0;

	if (len == 1 && name[0] == '.') {
		*val = r->n > 0 ? r->stack[r->n - 1] : NULL;
		return 1;
	}
	for (i = r->n - 1; i >= 0 && !found; i--)
		found = member(r->stack[i], name, seg, &cur);
	while (found && dot != NULL) {
		name = dot + 1;
		dot = memchr(name, '.', (size_t)(end - name));
		seg = dot ? (size_t)(dot - name) : (size_t)(end - name);
		found = member(cur, name, seg, &cur);
	}
	*val = found ? cur : NULL;
	return found;
}

/* Truthiness for sections: null, false, 0, "" and [] are false. */
static int
truthy(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return 0;
	case json_type_boolean:
		return json_object_get_boolean(v);
	case json_type_int:
		return json_object_get_int64(v) != 0;
	case json_type_double:
		return json_object_get_double(v) != 0.0;
	case json_type_string:
		return json_object_get_string_len(v) > 0;
	case json_type_array:
		return json_object_array_length(v) > 0;
	default:
		return 1;
	}
}

/* Appends the shortest decimal form of d that reads back as d. */
static void
put_double(struct xh_buf *b, double d)
{
	char s[40];
	int prec;

	for (prec = 15; prec <= 17; prec++) {
		snprintf(s, sizeof(s), "%.*g", prec, d);
		if (strtod(s, NULL) == d)
			break;
	}
	xh_buf_puts(b, s);
}

/* Appends value v as text, escaped unless raw. Null appends nothing. */
static void
put_value(struct render *r, struct json_object *v, int raw)
{
	struct xh_buf tmp, *dst = raw ? r->out : &tmp;
	const char *s;
	size_t n;

	xh_buf_init(&tmp);
	switch (json_object_get_type(v)) {
	case json_type_null:
		break;
	case json_type_string:
		s = json_object_get_string(v);
		n = (size_t)json_object_get_string_len(v);
		if (raw)
			xh_buf_append(r->out, s, n);
		else
			web_html_escape_n(r->out, s, n);
		break;
	case json_type_int:
		xh_buf_printf(dst, "%" PRId64, json_object_get_int64(v));
		break;
	case json_type_double:
		put_double(dst, json_object_get_double(v));
		break;
	case json_type_boolean:
		xh_buf_puts(dst, json_object_get_boolean(v) ? "true" : "false");
		break;
	default:
		xh_buf_puts(dst, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	}
	if (!raw && tmp.len > 0)
		web_html_escape_n(r->out, tmp.data, tmp.len);
	xh_buf_free(&tmp);
}

/* Renders nd's children with v pushed as the innermost context. */
static void
render_with(struct render *r, const struct tpl_node *nd, struct json_object *v)
{
	if (r->n == WEB_TPL_MAX_DEPTH) {
		r->err = XH_ERR_TOOBIG;
		return;
	}
	r->stack[r->n++] = v;
	render_nodes(r, nd->child);
	r->n--;
}

/* {{#name}}: once per element of a list, once for another true value. */
static void
render_section(struct render *r, const struct tpl_node *nd)
{
	struct json_object *v;
	size_t i, n;

	if (!lookup(r, nd->s, nd->len, &v) || !truthy(v))
		return;
	if (!json_object_is_type(v, json_type_array)) {
		render_with(r, nd, v);
		return;
	}
	n = json_object_array_length(v);
	for (i = 0; i < n && r->err == XH_OK; i++)
		render_with(r, nd, json_object_array_get_idx(v, i));
}

/* The source of t with indent put before each of its lines. */
static char *
indent_source(const struct web_tpl *t, const char *indent, size_t *outlen)
{
	struct xh_buf b;
	size_t i;
	char *s;

	xh_buf_init(&b);
	for (i = 0; i < t->src_len; i++) {
		if (i == 0 || t->src[i - 1] == '\n')
			xh_buf_puts(&b, indent);
		xh_buf_putc(&b, t->src[i]);
	}
	*outlen = b.len;
	s = xh_xmalloc(b.len + 1);
	memcpy(s, b.data ? b.data : "", b.len + 1);
	xh_buf_free(&b);
	return s;
}

/* {{>name}}: the partial from the set (none: nothing), indented if standalone. */
static void
render_partial(struct render *r, const struct tpl_node *nd)
{
	char name[260];
	const struct web_tpl *t;
	struct web_tpl *ind = NULL;
	size_t n;
	char *src;

	if (nd->len >= sizeof(name) || r->set == NULL)
		return;
	memcpy(name, nd->s, nd->len);
	name[nd->len] = '\0';
	if ((t = web_tpl_set_get(r->set, name)) == NULL)
		return;
	if (nd->indent[0] != '\0') {
		src = indent_source(t, nd->indent, &n);
		r->work += n;
		if (web_tpl_parse(t->name, src, n, &ind, NULL, 0) != XH_OK)
			r->err = XH_ERR_INVAL;
		free(src);
		t = ind;
	}
	if (t != NULL)
		render_nodes(r, t->first);
	web_tpl_free(ind);
}

static void
render_node(struct render *r, const struct tpl_node *nd)
{
	struct json_object *v;

	switch (nd->kind) {
	case TPL_TEXT:
		xh_buf_append(r->out, nd->s, nd->len);
		break;
	case TPL_VAR:
	case TPL_RAW:
		if (lookup(r, nd->s, nd->len, &v))
			put_value(r, v, nd->kind == TPL_RAW);
		break;
	case TPL_SECTION:
		render_section(r, nd);
		break;
	case TPL_INVERTED:
		if (!lookup(r, nd->s, nd->len, &v) || !truthy(v))
			render_nodes(r, nd->child);
		break;
	case TPL_PARTIAL:
		render_partial(r, nd);
		break;
	default:
		break;
	}
}

/* Renders a list of nodes; stops at the first error or when too deep. */
static void
render_nodes(struct render *r, const struct tpl_node *nd)
{
	if (++r->depth > WEB_TPL_MAX_DEPTH) {
		r->err = XH_ERR_TOOBIG;
		r->depth--;
		return;
	}
	for (; nd != NULL && r->err == XH_OK; nd = nd->next) {
		render_node(r, nd);
		if (r->out->len > WEB_TPL_MAX_OUTPUT || ++r->work > WEB_TPL_MAX_WORK)
			r->err = XH_ERR_TOOBIG;
	}
	r->depth--;
}

enum xh_err
web_tpl_render(const struct web_tpl *t, const struct web_tpl_set *set, struct json_object *data,
               struct xh_buf *out)
{
	struct render r;

	memset(&r, 0, sizeof(r));
	r.set = set;
	r.out = out;
	r.stack[r.n++] = data;
	render_nodes(&r, t->first);
	return r.err;
}
