/*
 * push_sql.h: the push's statements (push_sql.c), shared by push.c and
 * the replay and status commands.
 *
 * Each object's candidate statement takes ($1 link, $2 after updated_at,
 * $3 after xero_id, $4 limit, $5 only records never written) and returns, in Xero's order, the
 * next $4 records as (xero_id, doc, hash hex, updated_at, company_id, company_why, person_id,
 * person_why, own_id, todo); todo is true (and doc set) for those whose effective hash is neither
 * the pushed one nor the failed one; see struct sync_cand.
 */
#ifndef XH_SYNC_PUSH_SQL_H
#define XH_SYNC_PUSH_SQL_H

#include "db.h"
#include "sync/map.h"

enum push_sql {
	PS_CAND_COMPANY, /* PS_CAND_COMPANY */
	PS_CAND_CONTACT, /* PS_CAND_CONTACT */
	PS_CAND_INVOICE, /* PS_CAND_INVOICE */
	PS_CAND_PRODUCT, /* PS_CAND_PRODUCT */
	PS_CAND_PAYMENT, /* PS_CAND_PAYMENT */
	PS_CAND_NOTE,    /* PS_CAND_NOTE */
	PS_DECIDED,      /* PS_DECIDED: excluded or failed, with its audit row */
	PS_SUMMARY,      /* PS_SUMMARY: the run's audit row */
	PS_LINK,         /* PS_LINK: the link's status */
	PS_REPLAY,       /* PS_REPLAY: forget failures (and pushes) to try again */
	PS_REFUSED,      /* PS_REFUSED: inputs of a batch that HubSpot refused */
	PS_SAME,         /* PS_SAME: inputs HubSpot already holds, marked pushed */
	PS__MAX
};

extern const struct xh_sql push_sql[PS__MAX];

/* The candidate statement of o; NULL for line items. */
const struct xh_sql *push_cand_sql(enum sync_object o);

#endif
