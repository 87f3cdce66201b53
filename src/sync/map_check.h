/*
 * map_check.h: what the field-mapping editor checks before a rule is
 * saved, beyond what compiling it checks (map.h): that the portal has the
 * target property, and that the Xero records mirrored for the link carry
 * the member the source path starts with. The portal's properties come
 * from hubspot_property_cache, which the hubspot.properties job fills
 * through the HubSpot client (src/hubspot/props.c).
 */
#ifndef XH_SYNC_MAP_CHECK_H
#define XH_SYNC_MAP_CHECK_H

#include "db.h"
#include "sync/map_store.h"

/* One property definition of the portal. */
struct sync_portal_prop {
	const char *name;
	const char *label;
	const char *type;
	int read_only; /* modificationMetadata.readOnlyValue: HubSpot refuses writes */
};

/* The cached property list of one object of a link's portal. */
struct sync_portal_props {
	int cached;          /* 0: never fetched; the rest is empty */
	const char *fetched; /* when, "YYYY-MM-DD HH:MM UTC" */
	int n;
	struct sync_portal_prop *v; /* sorted by name */
};

/* The cached properties of o for link into out, strings in the arena. XH_ERR_DB on failure. */
enum xh_err sync_portal_props_load(struct xh_db *db, struct xh_arena *a, long long link,
                                   enum sync_object o, struct sync_portal_props *out);
/* The property called name, or NULL. */
const struct sync_portal_prop *sync_portal_prop_find(const struct sync_portal_props *p,
                                                     const char *name);
/*
 * Enqueues the hubspot.properties job that reads every object's property
 * list of the link's portal again (one pending job per link). XH_ERR_DB.
 */
enum xh_err sync_portal_props_refresh(struct xh_db *db, long long link);
/*
 * *pending 1 while a refresh of link's properties waits or runs; *failed
 * why the newest one failed (it retries or was given up), else NULL.
 */
enum xh_err sync_portal_props_pending(struct xh_db *db, struct xh_arena *a, long long link,
                                      int *pending, const char **failed);

/* What is wrong with a rule, per form field; NULL where nothing is. */
struct sync_rule_problems {
	const char *target;
	const char *source;
	const char *transform;
};

/*
 * Checks the rule c would store for its target (in order: the target is
 * a property name, not locked, and one the portal has and lets us write;
 * the source path parses and starts with a member the mirrored records
 * have; the transform parses), each message naming its field. For a
 * change that turns the target off (enabled 0) only the first two. XH_OK with
 * p filled (all NULL: valid), XH_ERR_DB. Changes nothing.
 */
enum xh_err sync_mapping_check(struct xh_db *db, struct xh_arena *a,
                               const struct sync_mapping_change *c,
                               const struct sync_portal_props *props, struct sync_rule_problems *p);

#endif
