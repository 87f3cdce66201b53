/*
 * check_wire.c: the pure parts of the Xero connection test (check.h):
 * reading Xero's problem answers and the Organisation answer. Both bodies
 * come from the network: strict JSON, bounded depth, strings copied only
 * when they fit.
 */
#include <string.h>

#include "json.h"
#include "xero/check.h"

#define PROBLEM_DEPTH 8  /* {"Type", "Title", "Status", "Detail", "Instance", "Extensions": {}} */
#define ORG_DEPTH     16 /* Organisations[0] holds addresses, phones, links... */
#define DETAIL_MAX    256

const char *
xero_problem_detail(struct xh_arena *a, const char *body, size_t len)
{
	json_object *o = body != NULL ? xh_json_parse_strict(body, len, PROBLEM_DEPTH) : NULL;
	const char *d =
	    o != NULL && json_object_is_type(o, json_type_object) ? xh_json_str(o, "Detail") : NULL;
	char *out = xh_strdup(a, d != NULL && strlen(d) <= DETAIL_MAX ? d : "");

	json_object_put(o);
	return out;
}

char *
xero_org_name(struct xh_arena *a, const char *body, size_t len)
{
	json_object *o = body != NULL ? xh_json_parse_strict(body, len, ORG_DEPTH) : NULL;
	json_object *orgs = NULL, *first;
	const char *name = NULL;
	char *out = NULL;

	if (o != NULL && json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, "Organisations", &orgs) &&
	    json_object_is_type(orgs, json_type_array) && json_object_array_length(orgs) > 0 &&
	    json_object_is_type((first = json_object_array_get_idx(orgs, 0)), json_type_object))
		name = xh_json_str(first, "Name");
	if (name != NULL && name[0] != '\0' && strlen(name) <= XERO_ORG_NAME_MAX)
		out = xh_strdup(a, name);
	json_object_put(o);
	return out;
}
