/*
 * kinds.c: the job-kind table and the recurring schedules. Adding a kind
 * is one line here plus its handler.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hubspot/adopt.h"
#include "hubspot/bootstrap.h"
#include "hubspot/ping.h"
#include "hubspot/write.h"
#include "hubspot/webhook.h"
#include "sync/hs_events.h"
#include "sync/push.h"
#include "worker.h"
#include "xero/ping.h"
#include "xero/pull.h"
#include "xero/token.h"
#include "xero/webhook.h"

enum worker_kind {
	WK_XERO_PING,         /* WK_XERO_PING */
	WK_HUBSPOT_PING,      /* WK_HUBSPOT_PING */
	WK_AUDIT_RETENTION,   /* WK_AUDIT_RETENTION */
	WK_JOB_PRUNE,         /* WK_JOB_PRUNE */
	WK_XERO_KEEPALIVE,    /* WK_XERO_KEEPALIVE */
	WK_XERO_PULL,         /* WK_XERO_PULL */
	WK_XERO_POLL,         /* WK_XERO_POLL */
	WK_XERO_FETCH,        /* WK_XERO_FETCH */
	WK_HUBSPOT_WRITE,     /* WK_HUBSPOT_WRITE */
	WK_HUBSPOT_ADOPT,     /* WK_HUBSPOT_ADOPT */
	WK_HUBSPOT_PROPS,     /* WK_HUBSPOT_PROPS */
	WK_SYNC_PUSH,         /* WK_SYNC_PUSH */
	WK_HUBSPOT_BOOTSTRAP, /* WK_HUBSPOT_BOOTSTRAP */
	WK_HUBSPOT_EVENTS,    /* WK_HUBSPOT_EVENTS */
	WK_WEBHOOK_PRUNE,     /* WK_WEBHOOK_PRUNE */
	WK__MAX
};

/* name, handler, timeout_s, max_attempts, retry policy */
static const struct job_kind kind_table[WK__MAX] = {
    {"xero.ping", xero_ping, 60, 5, RETRY_FAST},                           /* WK_XERO_PING */
    {"hubspot.ping", hubspot_ping, 60, 5, RETRY_FAST},                     /* WK_HUBSPOT_PING */
    {"audit.retention", worker_audit_retention, 600, 3, RETRY_DEFAULT},    /* WK_AUDIT_RETENTION */
    {"job.prune", worker_job_prune, 600, 3, RETRY_DEFAULT},                /* WK_JOB_PRUNE */
    {"xero.token_keepalive", xero_token_keepalive, 120, 5, RETRY_DEFAULT}, /* WK_XERO_KEEPALIVE */
    {"xero.pull", xero_pull, 1800, 10, RETRY_DEFAULT},                     /* WK_XERO_PULL */
    {"xero.poll", xero_poll, 60, 5, RETRY_FAST},                           /* WK_XERO_POLL */
    {XERO_FETCH_KIND, xero_fetch, 600, 10, RETRY_FAST},                    /* WK_XERO_FETCH */
    {"hubspot.write", hubspot_write, 600, 20, RETRY_FAST},                 /* WK_HUBSPOT_WRITE */
    {"hubspot.adopt", hubspot_adopt, 600, 10, RETRY_FAST},                 /* WK_HUBSPOT_ADOPT */
    {"hubspot.properties", hubspot_properties, 60, 5, RETRY_FAST},         /* WK_HUBSPOT_PROPS */
    {"sync.push", sync_push, 1800, 20, RETRY_FAST},                        /* WK_SYNC_PUSH */
    {"hubspot.bootstrap", hubspot_bootstrap_job, 300, 5, RETRY_DEFAULT}, /* WK_HUBSPOT_BOOTSTRAP */
    {HUBSPOT_EVENTS_KIND, sync_hubspot_events, 600, 20, RETRY_FAST},     /* WK_HUBSPOT_EVENTS */
    {"webhook.prune", worker_webhook_prune, 600, 3, RETRY_DEFAULT},      /* WK_WEBHOOK_PRUNE */
};

enum worker_schedule {
	WS_AUDIT_RETENTION, /* WS_AUDIT_RETENTION */
	WS_JOB_PRUNE,       /* WS_JOB_PRUNE */
	WS_XERO_KEEPALIVE,  /* WS_XERO_KEEPALIVE */
	WS_XERO_POLL,       /* WS_XERO_POLL */
	WS_WEBHOOK_PRUNE,   /* WS_WEBHOOK_PRUNE */
	WS__MAX
};

/*
 * key (= the job's unique key; per link "<key>:<link id>"), kind, period,
 * args, and the vendor whose links each get one (NULL: app-wide). The
 * reconciling poll's period is [sync] poll_interval_s (set at start); as a
 * scheduled poll it skips what a link's own longer poll_interval_s says
 * is not due yet (src/xero/pull.c).
 */
static const struct job_schedule schedule_table[WS__MAX] = {
    {"schedule:audit.retention", "audit.retention", 6 * 3600 * 1000LL, "{\"keep_days\": 90}",
     NULL}, /* WS_AUDIT_RETENTION */
    {"schedule:job.prune", "job.prune", 3600 * 1000LL, "{\"keep_days\": 7}",
     NULL}, /* WS_JOB_PRUNE */
    {"schedule:xero.token_keepalive", "xero.token_keepalive", 12 * 3600 * 1000LL,
     "{\"max_age_s\": 604800}", "xero"}, /* WS_XERO_KEEPALIVE */
    {"schedule:xero.poll", "xero.poll", 900 * 1000LL, "{\"scheduled\": true}",
     "xero"}, /* WS_XERO_POLL */
    {"schedule:webhook.prune", "webhook.prune", 6 * 3600 * 1000LL, "{\"keep_days\": 30}",
     NULL}, /* WS_WEBHOOK_PRUNE */
};

const struct job_kind *
worker_kind_table(int *n)
{
	*n = WK__MAX;
	return kind_table;
}

/* Appends the n kinds of table to w's list. */
static void
add_kinds(struct worker *w, const struct job_kind *table, int n)
{
	w->kinds = xh_xrealloc(w->kinds, sizeof(*w->kinds) * (size_t)(w->nkinds + n));
	w->kind_names =
	    xh_xrealloc(w->kind_names, sizeof(*w->kind_names) * (size_t)(w->nkinds + n));
	for (int i = 0; i < n; i++) {
		w->kinds[w->nkinds] = &table[i];
		w->kind_names[w->nkinds++] = table[i].name;
	}
}

void
worker_kinds_init(struct worker *w, int test_kinds)
{
	const struct job_kind *t;
	int n;

	t = worker_kind_table(&n);
	add_kinds(w, t, n);
	if (test_kinds) {
		t = worker_test_kind_table(&n);
		add_kinds(w, t, n);
	}
}

void
worker_kinds_free(struct worker *w)
{
	free(w->kinds);
	free(w->kind_names);
	free((void *)w->schedules);
	w->kinds = NULL;
	w->kind_names = NULL;
	w->schedules = NULL;
	w->nkinds = w->nschedules = 0;
}

const struct job_kind *
worker_kind_find(const struct worker *w, const char *name)
{
	for (int i = 0; i < w->nkinds; i++)
		if (strcmp(w->kinds[i]->name, name) == 0)
			return w->kinds[i];
	return NULL;
}

void
worker_schedules_init(struct worker *w, long long test_schedule_ms, long long link_schedule_ms)
{
	struct job_schedule *s = xh_xcalloc(WS__MAX + 1, sizeof(*s));
	int n = WS__MAX;

	memcpy(s, schedule_table, sizeof(schedule_table));
	s[WS_XERO_POLL].every_ms = (long long)w->cfg->sync.poll_interval_s * 1000;
	for (int i = 0; i < n && link_schedule_ms > 0; i++)
		if (s[i].link_vendor != NULL)
			s[i].every_ms = link_schedule_ms;
	if (test_schedule_ms > 0 && worker_kind_find(w, "test.noop") != NULL)
		s[n++] = (struct job_schedule){"schedule:test.noop", "test.noop", test_schedule_ms,
		                               "{}", NULL};
	w->schedules = s;
	w->nschedules = n;
}
