/*
 * json.h: strict parsing of untrusted JSON (json-c).
 */
#ifndef XH_JSON_H
#define XH_JSON_H

#include <json-c/json.h>
#include <stddef.h>

/*
 * Parses len bytes as exactly one strict JSON value, valid UTF-8, nested
 * at most depth deep. NULL if they are anything else (trailing bytes
 * included); the caller puts the result.
 */
json_object *xh_json_parse_strict(const char *s, size_t len, int depth);

/* The string member key of obj, or NULL when absent or not a string. */
const char *xh_json_str(json_object *obj, const char *key);

/* The string member key of obj: 1 found (*out set), 0 absent, -1 not a string. */
int xh_json_str_member(json_object *obj, const char *key, const char **out);

/* 1 and *out when member key of obj is an integer, else 0. */
int xh_json_int(json_object *obj, const char *key, long long *out);

#endif
