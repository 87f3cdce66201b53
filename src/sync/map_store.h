/*
 * map_store.h: a link's field mapping in PostgreSQL (field_mapping,
 * sql/0001_init.sql): the shipped defaults with the link's overrides on
 * top, validated when saved, and the preview of a mapping on a mirrored
 * record. The CLI (`xhsync mapping`) and the console share these.
 *
 * Saving or resetting a mapping marks the object's records for re-push
 * (hubspot_ref.pushed_hash = NULL, in the same transaction), so the next
 * push rewrites them with the new mapping; changing a line-item mapping
 * marks their invoices, which carry the lines; the push is enqueued with
 * the change. Each change is audited
 * (action mapping.set, mapping.unset, mapping.reset) with the actor.
 */
#ifndef XH_SYNC_MAP_STORE_H
#define XH_SYNC_MAP_STORE_H

#include "db.h"
#include "sync/map.h"

/*
 * The mapping of (link, o) into m. XH_ERR_INVAL when a stored override no
 * longer compiles (a locked target after an upgrade), err naming it;
 * XH_ERR_DB otherwise on failure.
 */
enum xh_err sync_mapping_load(struct xh_db *db, struct xh_arena *a, long long link,
                              enum sync_object o, struct sync_mapping *m, char *err, size_t errlen);

/* One change to a link's mapping. */
struct sync_mapping_change {
	long long link;
	enum sync_object object;
	const char *target;
	const char *source;    /* set: the new rule */
	const char *transform; /* set: NULL for text */
	int enabled;           /* set: 0 turns the target off */
	const char *actor;     /* for the audit trail ("cli", a user's email) */
};

/*
 * Validates c against the current mapping and stores it, marking the
 * object's records for re-push; *repush is how many. XH_ERR_INVAL (err
 * says why: bad path, unknown transform, locked target), XH_ERR_NOTFOUND
 * (no such link), XH_ERR_DB. Nothing changes on failure.
 */
enum xh_err sync_mapping_set(struct xh_db *db, const struct sync_mapping_change *c,
                             long long *repush, char *err, size_t errlen);
/*
 * Drops the override of c->target (back to the default), or, with
 * c->target NULL, every override of the object. XH_ERR_NOTFOUND when there
 * was none to drop.
 */
enum xh_err sync_mapping_unset(struct xh_db *db, const struct sync_mapping_change *c,
                               long long *repush, char *err, size_t errlen);

/*
 * Renders the mapping of (link, o) on the mirrored record named by key
 * (its Xero id, or its number: InvoiceNumber, ContactNumber (then Name) or item Code)
 * without writing anything. *out is {"xero_id": ..., "properties": {...}},
 * or for line items {"xero_id": ..., "lines": [{"properties": ...}, ...]};
 * a record the mapping refuses gives "error" instead of properties.
 * XH_ERR_NOTFOUND when the mirror has no such record. The caller puts
 * *out.
 */
enum xh_err sync_mapping_preview(struct xh_db *db, struct xh_arena *a, long long link,
                                 enum sync_object o, const char *key, json_object **out, char *err,
                                 size_t errlen);

/* The member holding a record's number per Xero object (InvoiceNumber, ContactNumber, Code). */
const char *sync_mapping_number_field(const char *xero_object);

/*
 * As sync_mapping_preview, with the record rendered twice: through the
 * stored mapping ("before") and through it with edits[0..nedits-1] on
 * top, as sync_mapping_set would store them ("after"); each holds
 * "properties", "error" or "lines" as above. Writes nothing.
 * XH_ERR_INVAL (err says why) when an edit does not compile or names a
 * locked target; XH_ERR_NOTFOUND as above.
 */
enum xh_err sync_mapping_preview_edits(struct xh_db *db, struct xh_arena *a, long long link,
                                       enum sync_object o, const char *key,
                                       const struct sync_mapping_change *edits, int nedits,
                                       json_object **out, char *err, size_t errlen);

/* The targets the link turned off for o (overrides with enabled false), in the arena. */
enum xh_err sync_mapping_disabled(struct xh_db *db, struct xh_arena *a, long long link,
                                  enum sync_object o, const char ***targets, int *n);

#endif
