/*
 * map_path.c: source paths of the field mapping (map.h): parsed once when
 * a rule is compiled, evaluated against a record's JSON for every push.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sync/map.h"

/* 1 for the characters of a member name: [A-Za-z0-9_]. */
static int
name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Length of the name at s (0 if none, or if it starts with a digit). */
static size_t
name_len(const char *s)
{
	size_t n = 0;

	if (isdigit((unsigned char)s[0]))
		return 0;
	while (name_char(s[n]))
		n++;
	return n;
}

/*
 * Parses the selector between '[' and ']' at s (s points after '['), as
 * "n" or "key=value". Returns the length consumed up to and including ']',
 * 0 on error with err set.
 */
static size_t
parse_selector(struct xh_arena *a, const char *s, struct sync_seg *seg, char *err, size_t errlen)
{
	const char *close = strchr(s, ']'), *eq;
	size_t klen;
	char *end = NULL;

	if (close == NULL || close == s)
		return xh_errf(err, errlen, "'[' without a selector and ']'"), 0;
	if (isdigit((unsigned char)s[0])) {
		long v = strtol(s, &end, 10);
		if (end != close || v < 0 || v > 9999)
			return xh_errf(err, errlen, "index must be a number from 0 to 9999"), 0;
		seg->index = (int)v;
		return (size_t)(close - s) + 1;
	}
	eq = memchr(s, '=', (size_t)(close - s));
	klen = name_len(s);
	if (eq == NULL || klen == 0 || s + klen != eq)
		return xh_errf(err, errlen, "selector must be [N] or [Member=value]"), 0;
	if (eq + 1 == close)
		return xh_errf(err, errlen, "selector [%.*s=] has no value", (int)klen, s), 0;
	seg->key = xh_strndup(a, s, klen);
	seg->val = xh_strndup(a, eq + 1, (size_t)(close - eq - 1));
	return (size_t)(close - s) + 1;
}

/* Parses one alternative of n bytes at s (already trimmed). */
static enum xh_err
parse_alt(struct xh_arena *a, const char *s, size_t n, struct sync_alt *alt, char *err,
          size_t errlen)
{
	char msg[160];
	size_t i = 0, len;

	memset(alt, 0, sizeof(*alt));
	if (n == 1 && s[0] == '.')
		return XH_OK;
	if (n >= 2 && s[0] == '^' && s[1] == '.') {
		alt->parent = 1;
		i = 2;
	}
	while (i < n) {
		struct sync_seg *seg;
		if (alt->nseg == SYNC_PATH_MAX_SEGS)
			return xh_errf(err, errlen, "more than %d segments", SYNC_PATH_MAX_SEGS),
			       XH_ERR_INVAL;
		seg = &alt->seg[alt->nseg++];
		seg->index = -1;
		if ((len = name_len(s + i)) == 0)
			return xh_errf(err, errlen, "segment %d: expected a member name at '%.*s'",
			               alt->nseg, (int)(n - i), s + i),
			       XH_ERR_INVAL;
		seg->name = xh_strndup(a, s + i, len);
		i += len;
		if (i < n && s[i] == '[') {
			char *sel = xh_strndup(a, s + i + 1, n - i - 1);
			size_t used = parse_selector(a, sel, seg, msg, sizeof(msg));
			if (used == 0)
				return xh_errf(err, errlen, "segment %d (%s): %s", alt->nseg,
				               seg->name, msg),
				       XH_ERR_INVAL;
			i += 1 + used;
		}
		if (i < n && s[i] != '.')
			return xh_errf(err, errlen, "segment %d (%s): unexpected '%c'", alt->nseg,
			               seg->name, s[i]),
			       XH_ERR_INVAL;
		if (i < n && ++i == n)
			return xh_errf(err, errlen, "path ends with '.'"), XH_ERR_INVAL;
	}
	return alt->nseg == 0
	           ? (xh_errf(err, errlen, "'^.' must be followed by a member"), XH_ERR_INVAL)
	           : XH_OK;
}

/* Trims spaces around [*s, *s + *n). */
static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t'))
		(*s)++, (*n)--;
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

enum xh_err
sync_path_parse(struct xh_arena *a, const char *s, struct sync_path *out, char *err, size_t errlen)
{
	const char *p = s;

	memset(out, 0, sizeof(*out));
	if (s == NULL || s[0] == '\0')
		return xh_errf(err, errlen, "the source path is empty"), XH_ERR_INVAL;
	if (strlen(s) > SYNC_SOURCE_MAX)
		return xh_errf(err, errlen, "the source path is over %d characters",
		               SYNC_SOURCE_MAX),
		       XH_ERR_INVAL;
	for (;;) {
		const char *bar = strstr(p, "||"), *alt = p;
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		if (out->nalt == SYNC_PATH_MAX_ALTS)
			return xh_errf(err, errlen, "more than %d alternatives",
			               SYNC_PATH_MAX_ALTS),
			       XH_ERR_INVAL;
		trim(&alt, &n);
		if (n == 0)
			return xh_errf(err, errlen, "alternative %d is empty", out->nalt + 1),
			       XH_ERR_INVAL;
		if (parse_alt(a, alt, n, &out->alt[out->nalt++], err, errlen) != XH_OK)
			return XH_ERR_INVAL;
		if (bar == NULL)
			return XH_OK;
		p = bar + 2;
	}
}

/* The first element of array arr whose member key is a string equal to val. */
static json_object *
select_where(json_object *arr, const char *key, const char *val)
{
	size_t n = json_object_array_length(arr);

	for (size_t i = 0; i < n; i++) {
		json_object *el = json_object_array_get_idx(arr, i), *m = NULL;
		if (json_object_is_type(el, json_type_object) &&
		    json_object_object_get_ex(el, key, &m) &&
		    json_object_is_type(m, json_type_string) &&
		    strcasecmp(json_object_get_string(m), val) == 0)
			return el;
	}
	return NULL;
}

/* One step: the member, then its selector. NULL when absent. */
static json_object *
step(json_object *cur, const struct sync_seg *seg)
{
	json_object *v = NULL;

	if (!json_object_is_type(cur, json_type_object) ||
	    !json_object_object_get_ex(cur, seg->name, &v))
		return NULL;
	if (seg->key == NULL && seg->index < 0)
		return v;
	if (!json_object_is_type(v, json_type_array))
		return NULL;
	if (seg->index >= 0)
		return json_object_array_get_idx(v, (size_t)seg->index);
	return select_where(v, seg->key, seg->val);
}

static json_object *
eval_alt(const struct sync_alt *alt, json_object *rec, json_object *parent)
{
	json_object *cur = alt->parent ? parent : rec;

	for (int i = 0; i < alt->nseg && cur != NULL; i++)
		cur = step(cur, &alt->seg[i]);
	return json_object_is_type(cur, json_type_null) ? NULL : cur;
}

json_object *
sync_path_eval(const struct sync_path *p, json_object *rec, json_object *parent)
{
	json_object *v = NULL;

	for (int i = 0; i < p->nalt; i++) {
		v = eval_alt(&p->alt[i], rec, parent);
		if (v != NULL && !(json_object_is_type(v, json_type_string) &&
		                   json_object_get_string_len(v) == 0))
			return v;
	}
	return v;
}
