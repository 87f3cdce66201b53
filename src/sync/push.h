/*
 * push.h: the push from the mirror to HubSpot (DESIGN.md section 3, the
 * second half of "mirror, then push").
 *
 * One sync.push job per link and HubSpot object (unique key
 * "sync.push:<link>:<object>") walks the mirror in Xero's order and takes
 * the records whose effective content differs from what was pushed. The
 * effective content is the mirrored record plus what else decides its
 * HubSpot form: a company's balances summed over its invoices, an
 * invoice's company and contact in HubSpot. So a paid invoice re-pushes
 * its company, and a company re-created in HubSpot re-pushes its invoices,
 * while an unchanged record costs nothing: no HubSpot call, no row written.
 *
 * Each record is mapped (map.h) and then either written (hubspot.write's
 * inputs, 100 a call), left waiting for a parent that is not in HubSpot
 * yet (a company before its contact and invoices, a contact before its
 * invoices), excluded with the reason, or failed with the reason; the
 * last two are kept in hubspot_ref (excluded, failed_hash) and the audit
 * trail, and are not looked at again until the record changes or is
 * replayed. A push that wrote anything enqueues the pushes of the objects
 * that depend on it, so waiting records go as soon as their parent does,
 * without polling.
 */
#ifndef XH_SYNC_PUSH_H
#define XH_SYNC_PUSH_H

#include "job.h"
#include "sync/map.h"

#define SYNC_PUSH_BATCH 100 /* records taken per step: one HubSpot batch */

/* The sync.push job of (link, o), unique per link and object; in the arena. */
void sync_push_job(struct xh_arena *a, long long link, enum sync_object o, struct job_new *jn);

/* Enqueues the push of (link, o), in the caller's transaction if one is open. */
enum xh_err sync_push_enqueue(struct xh_db *db, struct xh_arena *a, long long link,
                              enum sync_object o);
/*
 * Enqueues the pushes that a change to the mirror's xero_object ("contact",
 * "invoice", "payment", "credit_note", "item") makes due for link, in the
 * caller's transaction if one is open. XH_ERR_DB on failure.
 */
enum xh_err sync_trigger(struct xh_db *db, struct xh_arena *a, long long link,
                         const char *xero_object);

/* The pushable object named s (not line items), or -1. */
int sync_push_object(const char *s);

/* What to replay: one record, one group of failures, or every failure of a link. */
struct sync_replay_req {
	long long link;
	const char *object;    /* a pushed object's name, or NULL for every object */
	const char *xero_id;   /* one record (with object), pushed again whatever it was */
	const char *error_md5; /* md5 hex of the last_error shared by a group, or NULL */
	unsigned enqueued;     /* out: bit 1 << object for each push enqueued */
};

/*
 * Replays: forgets what was decided for the records asked (failures, and
 * for one record its push too) and enqueues the pushes of their objects;
 * *n gets the records touched. A single record never decided is pushed
 * anyway. The arguments are trusted (validated by the caller). XH_ERR_DB
 * on failure.
 */
enum xh_err sync_replay(struct xh_db *db, struct xh_arena *a, struct sync_replay_req *rq, int *n);

/*
 * Job handler of sync.push; args {"object": "company"|"contact"|"invoice"|"product"|
 * "commerce_payment"}.
 */
enum xh_err sync_push(struct job_ctx *ctx);

/* What the push decided for one record. */
enum sync_verdict {
	SV_WRITE,   /* SV_WRITE: an input for hubspot.write */
	SV_WAIT,    /* SV_WAIT: a parent is not in HubSpot yet */
	SV_EXCLUDE, /* SV_EXCLUDE: not sent, with the reason */
	SV_FAIL,    /* SV_FAIL: the mapping refused it, with the reason */
	SV_ARCHIVE, /* SV_ARCHIVE: gone from Xero; input {"xero_id"} for an archive write */
	SV__MAX
};

/* One candidate row of the mirror, as the object's statement reads it. */
struct sync_cand {
	const char *xero_id;
	json_object *doc;        /* the record with "_xhsync" facts; owned by the caller */
	const char *hash;        /* effective content hash, hex */
	const char *company_id;  /* the HubSpot company of its Xero contact, or NULL */
	const char *company_why; /* why that company is not in HubSpot (excluded), or NULL */
	const char *person_id;   /* the HubSpot contact of its Xero contact, or NULL */
	const char *person_why;  /* why that contact is not in HubSpot, or NULL */
	const char *own_id;      /* its own HubSpot id, if pushed before */
};

/* The decision for a candidate, with the input to write for SV_WRITE. */
struct sync_decision {
	enum sync_verdict v;
	json_object *input; /* SV_WRITE: owned by the caller */
	const char *why;    /* SV_WAIT, SV_EXCLUDE, SV_FAIL; or a note on a write */
};

/* The mappings a push of one object uses: its own, and line items' for invoices. */
struct sync_maps {
	struct sync_mapping own;
	struct sync_mapping lines;
};

/*
 * Decides one candidate of object o (pure, in push_rules.c): renders it
 * through maps and builds the hubspot.write input (write.h), or says why
 * not. Strings in the arena.
 */
void sync_decide(struct xh_arena *a, enum sync_object o, const struct sync_maps *maps,
                 const struct sync_cand *c, struct sync_decision *d);

#endif
