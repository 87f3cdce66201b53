/*
 * push_jobs.c: the sync.push jobs (push.h): how they are enqueued, and
 * which a change to the mirror makes due. Apart from the push itself, so
 * the CLI and the pull link it without the HubSpot client.
 */
#include <string.h>

#include "sync/push.h"

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
