/*
 * replay.c: sync_replay (replay.h): marks the records to push again
 * (PS_REPLAY) and enqueues the pushes of the objects touched.
 */
#include <stdio.h>
#include <string.h>

#include "sync/push.h"
#include "sync/push_sql.h"
#include "sync/replay.h"
#include "xero/pull.h"

int
sync_push_object(const char *s)
{
	int o = s != NULL ? sync_object_find(s) : -1;

	return (o < 0 || o == SO_LINE_ITEM) ? -1 : o;
}

enum xh_err
sync_replay(struct xh_db *db, struct xh_arena *a, long long link, const char *object,
            const char *xero_id, struct sync_replay_result *out)
{
	PGresult *res = NULL;
	char id[24];
	enum xh_err e = XH_OK;

	memset(out, 0, sizeof(*out));
	if ((object != NULL && sync_push_object(object) < 0) ||
	    (xero_id != NULL && (object == NULL || !xero_is_uuid(xero_id))))
		return XH_ERR_INVAL;
	snprintf(id, sizeof(id), "%lld", link);
	if (xh_db_execv(db, &push_sql[PS_REPLAY], &res, id, object, xero_id) != XH_OK)
		return XH_ERR_DB;
	out->records = PQntuples(res);
	for (int i = 0; i < PQntuples(res); i++) {
		int k = sync_push_object(PQgetvalue(res, i, 0));
		if (k >= 0)
			out->enqueued[k] = 1;
	}
	PQclear(res);
	if (xero_id != NULL && out->records == 0)
		out->enqueued[sync_push_object(object)] = 1; /* never decided: push it anyway */
	for (int k = 0; k < SO__MAX && e == XH_OK; k++)
		if (out->enqueued[k])
			e = sync_push_enqueue(db, a, link, (enum sync_object)k);
	return e;
}
