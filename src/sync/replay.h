/*
 * replay.h: push records again, whatever was decided for them before
 * (`xhsync replay` and the console's audit and health pages share it).
 */
#ifndef XH_SYNC_REPLAY_H
#define XH_SYNC_REPLAY_H

#include "sync/map.h"

/* What a replay did. */
struct sync_replay_result {
	int records;           /* hubspot_ref rows marked to push again */
	int enqueued[SO__MAX]; /* 1 for each object whose push was enqueued */
};

/*
 * Replays on link: with xero_id (and object, required then), that one
 * record is pushed again whatever was decided for it, even if nothing was
 * ever decided; without, every failed record (of object, or of every
 * object when object is NULL) is retried. Then the pushes of the objects
 * touched are enqueued (unique per link and object). object is a pushed
 * object's name (company, contact, invoice, product). XH_ERR_INVAL for a
 * bad object or xero id, XH_ERR_DB with xh_db_error() set.
 */
enum xh_err sync_replay(struct xh_db *db, struct xh_arena *a, long long link, const char *object,
                        const char *xero_id, struct sync_replay_result *out);

/* The pushable object named s (not line items), or -1. */
int sync_push_object(const char *s);

#endif
