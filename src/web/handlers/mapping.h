/*
 * mapping.h: the field-mapping editor's pages (mapping.c) and forms
 * (mapping_post.c), over src/sync/map_store.h and map_check.h.
 */
#ifndef XH_WEB_MAPPING_H
#define XH_WEB_MAPPING_H

#include <json-c/json.h>

#include "sync/map_check.h"
#include "web/web.h"

/* What one request to an object's page is about. */
struct map_req {
	long long link;
	const char *link_name;
	enum sync_object object;
	struct sync_portal_props props;
};

/* The form as typed, and the outcome of a POST for the page. */
struct map_form {
	const char *target, *source, *transform, *record;
	struct sync_rule_problems bad;
	const char *record_error; /* the preview's record was not found */
	const char *error;        /* a message about the whole form */
	const char *notice;       /* what a successful POST did */
	long long repush;         /* records marked by a save; -1: none shown */
	json_object *preview;     /* the preview for the page (taken), or NULL */
	int plain;                /* the preview has no edit: the current mapping alone */
};

/*
 * Reads {id} and {object} of the route and the link's name and cached
 * properties into r. 0, or the status to answer: 404 for no such link or
 * object, 500 if the database fails.
 */
int web_map_req(struct web_ctx *ctx, struct web_req *req, int with_object, struct map_req *r);
/* Renders the object's page with the form f (NULL: fresh) and returns status (or 500). */
int web_map_page(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, int status,
                 struct map_req *r, struct map_form *f);
/* The preview's rows for the page: before/after per property, changes flagged. */
json_object *web_map_preview_rows(json_object *pv, const char *record);

#endif
