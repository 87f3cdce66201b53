/*
 * push_jobs.c: the sync.push jobs (push.h): how they are enqueued, which
 * a change to the mirror makes due, and the replay of records (the CLI's
 * `xhsync replay` and the console's Retry). Apart from the push itself,
 * so the CLI, the console and the pull link it without the HubSpot client.
 */
#include <stdio.h>
#include <string.h>

#include "sync/push.h"
#include "sync/push_sql.h"

/* Xero mirror object -> the pushes a change to it makes due. */
static const struct {
	const char *xero;
	enum sync_object push[3];
} trigger_table[] = {
    {"contact", {SO_COMPANY, SO_CONTACT, SO__MAX}},
    {"invoice", {SO_INVOICE, SO_COMPANY, SO__MAX}},     /* the company's balances */
    {"payment", {SO_INVOICE, SO_COMPANY, SO_PAYMENT}},  /* paid, due, status; balances */
    {"credit_note", {SO_INVOICE, SO_COMPANY, SO_NOTE}}, /* credited, due; timeline */
    {"item", {SO_PRODUCT, SO__MAX, SO__MAX}},
};

void
sync_push_job(struct xh_arena *a, long long link, enum sync_object o, struct job_new *jn)
{
	memset(jn, 0, sizeof(*jn));
	jn->kind = "sync.push";
	jn->link_id = link;
	jn->args = xh_printf(a, "{\"object\": \"%s\"}", sync_object_name(o));
	jn->unique_key = job_unique_key(a, "sync.push", link, sync_object_name(o));
}

enum xh_err
sync_push_enqueue(struct xh_db *db, struct xh_arena *a, long long link, enum sync_object o)
{
	struct job_new jn;

	sync_push_job(a, link, o, &jn);
	return job_enqueue(db, &jn, NULL, NULL);
}

int
sync_push_object(const char *s)
{
	int o = s != NULL ? sync_object_find(s) : -1;

	return (o < 0 || o == SO_LINE_ITEM) ? -1 : o;
}

enum xh_err
sync_trigger(struct xh_db *db, struct xh_arena *a, long long link, const char *xero_object)
{
	enum xh_err e = XH_OK;

	for (size_t i = 0; i < XH_NELEM(trigger_table); i++) {
		if (strcmp(trigger_table[i].xero, xero_object) != 0)
			continue;
		for (int k = 0; k < 3 && e == XH_OK; k++)
			if (trigger_table[i].push[k] != SO__MAX)
				e = sync_push_enqueue(db, a, link, trigger_table[i].push[k]);
	}
	return e;
}

enum xh_err
sync_replay(struct xh_db *db, struct xh_arena *a, struct sync_replay_req *rq, int *n)
{
	int seen[SO__MAX] = {0}, k;
	PGresult *res = NULL;
	enum xh_err e;
	char id[24];

	*n = 0;
	rq->enqueued = 0;
	snprintf(id, sizeof(id), "%lld", rq->link);
	e = xh_db_execv(db, &push_sql[PS_REPLAY], &res, id, rq->object, rq->xero_id, rq->error_md5);
	if (e != XH_OK)
		goto out;
	*n = PQntuples(res);
	for (int i = 0; i < *n; i++)
		if ((k = sync_object_find(PQgetvalue(res, i, 0))) >= 0 && k != SO_LINE_ITEM)
			seen[k] = 1;
	if (rq->xero_id != NULL && *n == 0 && (k = sync_object_find(rq->object)) >= 0 &&
	    k != SO_LINE_ITEM)
		seen[k] = 1; /* never decided: push it anyway */
	for (k = 0; k < SO__MAX && e == XH_OK; k++)
		if (seen[k] &&
		    (e = sync_push_enqueue(db, a, rq->link, (enum sync_object)k)) == XH_OK)
			rq->enqueued |= 1u << k;
out:
	PQclear(res);
	return e;
}
