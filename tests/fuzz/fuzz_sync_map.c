/*
 * fuzz_sync_map.c: a field-mapping rule as an admin types it (source path
 * and transform, from the console's form or the CLI) and a record to
 * render it on. Input: "path\ntransform\njson". A rule either compiles or
 * is refused with a message; a compiled rule renders any record to a
 * string (possibly empty) or refuses it with a message, and never reads
 * out of bounds.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sync/map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Splits the input at its first two newlines into NUL-terminated parts. */
static int
split(struct xh_arena *a, const uint8_t *data, size_t size, char **part)
{
	char *s = xh_strndup(a, (const char *)data, size);

	for (int i = 0; i < 2; i++) {
		char *nl = strchr(s, '\n');
		if (nl == NULL)
			return -1;
		*nl = '\0';
		part[i] = s;
		s = nl + 1;
	}
	part[2] = s;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xh_arena *a = xh_arena_new();
	struct sync_rule r;
	struct sync_mapping m = {SO_COMPANY, 0, 0, NULL};
	char *part[3], err[256];
	json_object *rec, *props = NULL;

	if (size > 4096 || split(a, data, size, part) != 0)
		goto out;
	err[0] = '\0';
	if (sync_rule_compile(a, "fuzz_target", part[0], part[1], &r, err, sizeof(err)) != XH_OK) {
		if (err[0] == '\0')
			abort();
		goto out;
	}
	rec = json_tokener_parse(part[2]);
	m.n = 1;
	m.rules = &r;
	err[0] = '\0';
	if (sync_map_render(a, &m, rec, rec, &props, err, sizeof(err)) == XH_OK) {
		json_object *v = NULL;
		if (!json_object_object_get_ex(props, "fuzz_target", &v) ||
		    !json_object_is_type(v, json_type_string))
			abort();
	} else if (err[0] == '\0' || props != NULL) {
		abort();
	}
	json_object_put(props);
	json_object_put(rec);
out:
	xh_arena_free(a);
	return 0;
}
