/*
 * map.c: rules and mappings (map.h): compiling a rule, the default
 * mapping of an object, a link's overrides on top, and rendering a record.
 */
#include <ctype.h>
#include <string.h>

#include "log.h"
#include "sync/map.h"

/* name, the Xero mirror object it is made from */
static const struct {
	const char *name;
	const char *source;
} object_table[SO__MAX] = {
    {"company", "contact"},          /* SO_COMPANY */
    {"contact", "contact"},          /* SO_CONTACT */
    {"invoice", "invoice"},          /* SO_INVOICE */
    {"line_item", "invoice"},        /* SO_LINE_ITEM */
    {"product", "item"},             /* SO_PRODUCT */
    {"commerce_payment", "payment"}, /* SO_PAYMENT */
    {"note", "credit_note"},         /* SO_NOTE */
};

const char *
sync_object_name(enum sync_object o)
{
	return (o >= 0 && o < SO__MAX) ? object_table[o].name : NULL;
}

int
sync_object_find(const char *s)
{
	for (int i = 0; s != NULL && i < SO__MAX; i++)
		if (strcmp(s, object_table[i].name) == 0)
			return i;
	return -1;
}

const char *
sync_object_source(enum sync_object o)
{
	return object_table[o].source;
}

int
sync_property_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > SYNC_TARGET_MAX || !islower((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

enum xh_err
sync_rule_compile(struct xh_arena *a, const char *target, const char *source, const char *transform,
                  struct sync_rule *out, char *err, size_t errlen)
{
	char msg[200];

	memset(out, 0, sizeof(*out));
	if (target == NULL || !sync_property_name(target))
		return xh_errf(
		           err, errlen,
		           "target '%.100s' is not a HubSpot property name (a lower-case letter, "
		           "then letters, digits or _; at most %d)",
		           target ? target : "", SYNC_TARGET_MAX),
		       XH_ERR_INVAL;
	if (sync_path_parse(a, source, &out->path, msg, sizeof(msg)) != XH_OK)
		return xh_errf(err, errlen, "source path '%.100s': %s", source ? source : "", msg),
		       XH_ERR_INVAL;
	if (sync_xform_parse(a, transform, &out->xf, msg, sizeof(msg)) != XH_OK)
		return xh_errf(err, errlen, "transform '%.100s': %s", transform, msg), XH_ERR_INVAL;
	out->target = xh_strdup(a, target);
	out->source = xh_strdup(a, source);
	out->transform = xh_strdup(a, transform && transform[0] ? transform : "text");
	return XH_OK;
}

void
sync_mapping_defaults(struct xh_arena *a, enum sync_object o, struct sync_mapping *m)
{
	int n;
	const struct sync_default *d = sync_defaults(o, &n);
	char err[256];

	m->object = o;
	m->n = 0;
	m->cap = n + 8;
	m->rules = xh_alloc(a, sizeof(*m->rules) * (size_t)m->cap);
	for (int i = 0; i < n; i++) {
		struct sync_rule *r = &m->rules[m->n];
		if (sync_rule_compile(a, d[i].target, d[i].source, d[i].transform, r, err,
		                      sizeof(err)) != XH_OK) {
			xh_log(XH_LOG_ERROR, "sync.mapping_default", "object", object_table[o].name,
			       "error", err, NULL);
			continue;
		}
		r->required = d[i].required;
		r->locked = d[i].locked;
		m->n++;
	}
}

/* The rule of m for target, or NULL. */
static struct sync_rule *
find_rule(struct sync_mapping *m, const char *target)
{
	for (int i = 0; i < m->n; i++)
		if (strcmp(m->rules[i].target, target) == 0)
			return &m->rules[i];
	return NULL;
}

/* Adds a slot at the end of m's rules, growing the array when it is full. */
static struct sync_rule *
append_rule(struct xh_arena *a, struct sync_mapping *m)
{
	if (m->n == m->cap) {
		int cap = m->cap > 0 ? 2 * m->cap : 8;
		struct sync_rule *grown = xh_alloc(a, sizeof(*grown) * (size_t)cap);
		if (m->n > 0)
			memcpy(grown, m->rules, sizeof(*grown) * (size_t)m->n);
		m->rules = grown;
		m->cap = cap;
	}
	return &m->rules[m->n++];
}

enum xh_err
sync_mapping_override(struct xh_arena *a, struct sync_mapping *m, const char *target,
                      const char *source, const char *transform, int enabled, char *err,
                      size_t errlen)
{
	struct sync_rule r, *old = target ? find_rule(m, target) : NULL;

	if (old != NULL && old->locked)
		return xh_errf(
		           err, errlen,
		           "%s is what xhsync keys or decides %s records by; it cannot be changed",
		           target, object_table[m->object].name),
		       XH_ERR_INVAL;
	if (sync_rule_compile(a, target, source, transform, &r, err, errlen) != XH_OK)
		return XH_ERR_INVAL;
	r.overridden = 1;
	if (!enabled) {
		if (old != NULL) {
			memmove(old, old + 1, sizeof(*old) * (size_t)(&m->rules[m->n - 1] - old));
			m->n--;
		}
		return XH_OK;
	}
	if (old != NULL) {
		r.required = old->required;
		*old = r;
	} else {
		*append_rule(a, m) = r;
	}
	return XH_OK;
}

enum xh_err
sync_map_render(struct xh_arena *a, const struct sync_mapping *m, json_object *rec,
                json_object *parent, json_object **props, char *err, size_t errlen)
{
	json_object *out = json_object_new_object();
	char msg[200];

	*props = NULL;
	for (int i = 0; i < m->n; i++) {
		const struct sync_rule *r = &m->rules[i];
		json_object *v = sync_path_eval(&r->path, rec, parent);
		const char *val = NULL;
		if (sync_xform_apply(a, &r->xf, v, &val, msg, sizeof(msg)) != XH_OK) {
			xh_errf(err, errlen, "%s: %s %s", r->target, r->source, msg);
			goto fail;
		}
		if (r->required && val[0] == '\0') {
			xh_errf(err, errlen, "%s: the record has no %s", r->target, r->source);
			goto fail;
		}
		json_object_object_add(out, r->target, json_object_new_string(val));
	}
	*props = out;
	return XH_OK;
fail:
	json_object_put(out);
	return XH_ERR_INVAL;
}
