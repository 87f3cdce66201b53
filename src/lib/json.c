/*
 * json.c: strict parsing of untrusted JSON (json.h).
 */
#include <stdint.h>

#include "json.h"

json_object *
xh_json_parse_strict(const char *s, size_t len, int depth)
{
	json_tokener *tok = json_tokener_new_ex(depth);
	json_object *root;

	if (tok == NULL || len > (size_t)INT32_MAX) {
		json_tokener_free(tok);
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, s, (int)len);
	if (root != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
	                     json_tokener_get_parse_end(tok) != len)) {
		json_object_put(root);
		root = NULL;
	}
	json_tokener_free(tok);
	return root;
}

const char *
xh_json_str(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int
xh_json_int(json_object *obj, const char *key, long long *out)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_int))
		return 0;
	*out = (long long)json_object_get_int64(v);
	return 1;
}

int
xh_json_str_member(json_object *obj, const char *key, const char **out)
{
	json_object *v = NULL;

	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*out = json_object_get_string(v);
	return 1;
}
