/*
 * link_ops.h: what the command line (`xhsync link show|pause|resume|
 * backfill`, `xhsync sync`) and the console (the dashboard, the link page
 * and its buttons) share about one link: its per-object counts and its
 * lifecycle actions. One place, so both always show and do the same.
 */
#ifndef XH_SYNC_LINK_OPS_H
#define XH_SYNC_LINK_OPS_H

#include <stddef.h>

#include "db.h"
#include "xh.h"

/* The HubSpot objects counted, in display order. */
#define SYNC_LINK_NOBJ 4

/*
 * One HubSpot object's state for a link: Xero records mirrored that map to
 * it, and of those the ones in sync (written, no failure), pending (not yet
 * looked at by the push), failing (mapping or HubSpot refused the content)
 * and excluded (a filter or rule keeps them out).
 */
struct sync_link_count {
	char object[16]; /* company, contact, invoice, product */
	long long mirrored, synced, pending, failed, excluded;
};

/* Fills out[0..SYNC_LINK_NOBJ-1] for link; XH_ERR_DB if the query fails. */
enum xh_err sync_link_counts(struct xh_db *db, long long link,
                             struct sync_link_count out[SYNC_LINK_NOBJ]);

enum sync_link_action {
	SYNC_LINK_PAUSE,    /* SYNC_LINK_PAUSE: active -> paused; its jobs wait */
	SYNC_LINK_RESUME,   /* SYNC_LINK_RESUME: paused -> active; waiting jobs go on */
	SYNC_LINK_BACKFILL, /* SYNC_LINK_BACKFILL: a full pull of every enabled object, then the
	                       push */
	SYNC_LINK_SYNC, /* SYNC_LINK_SYNC: "sync now", an incremental pull of every enabled object
	                 */
	SYNC_LINK_SYNC_FULL, /* SYNC_LINK_SYNC_FULL: `sync --full`, as SYNC but a full pull */
	SYNC_LINK__MAX
};

/* What a link's lifecycle depends on. */
struct sync_link_state {
	char status[24];  /* setup, active, paused, needs_reconnect, error */
	char reason[256]; /* status_reason, "" if none */
	int xero_ok;      /* a Xero organisation and its sign-in */
	int hubspot_ok;   /* a HubSpot portal and its token */
	int bootstrapped; /* the portal's properties were set up */
};

/* Reads link's state; XH_ERR_NOTFOUND if there is no such link, XH_ERR_DB. */
enum xh_err sync_link_state(struct xh_db *db, long long link, struct sync_link_state *st);

/*
 * Why act cannot be done in state st, in plain words saying what to do
 * (for a link being set up: its next step); NULL if it can.
 */
const char *sync_link_refusal(enum sync_link_action act, const struct sync_link_state *st);

/* "pause", "resume", "backfill", "sync", "sync_full"; NULL if out of range. */
const char *sync_link_action_name(enum sync_link_action act);

/*
 * Does act to link on behalf of actor (an admin's email, or "cli"), with
 * an audit row. A backfill makes a link in setup active when both sides
 * are connected. msg gets one sentence in plain words: what was done, or
 * why not and what to do. Returns XH_OK, XH_ERR_NOTFOUND (no such link),
 * XH_ERR_INVAL (refused in this state: msg says why) or XH_ERR_DB.
 */
enum xh_err sync_link_act(struct xh_db *db, long long link, enum sync_link_action act,
                          const char *actor, char *msg, size_t msglen);

#endif
