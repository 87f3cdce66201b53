/*
 * health_common.h: what the sync health, settings and deliveries pages
 * share: the {id} of a link route checked and its link loaded.
 */
#ifndef XH_WEB_HEALTH_COMMON_H
#define XH_WEB_HEALTH_COMMON_H

#include <json-c/json.h>

#include "web/web.h"

/* 1 if s is a positive decimal id of at most 18 digits. */
int health_id_valid(const char *s);

/*
 * Checks the route's {id} and loads that link: *link gets the id (in the
 * request's arena) and, if d is not NULL, *d a new page data object with
 * "link": {id, name, status, status_label}. Returns 0, 404 for no such
 * link, 500 if the database fails.
 */
int health_link_load(struct web_ctx *ctx, struct web_req *req, const char **link,
                     struct json_object **d);

#endif
