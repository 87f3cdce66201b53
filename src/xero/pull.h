/*
 * pull.h: the first half of a sync (DESIGN.md section 3): Xero records
 * into the mirror table xero_record, and the reconciling poll that runs
 * it for every active link.
 *
 * xero.pull (args {"object": "invoice", "full": false}) runs one pass
 * over one object of one link: GET /{Endpoint}?page=N&pageSize=...&
 * order=UpdatedDateUTC ASC with If-Modified-Since, every page upserted
 * into the mirror and the cursor moved in one transaction, so a killed
 * worker repeats at most one page and loses nothing. A record whose
 * content is unchanged is not rewritten.
 *
 * Within a pass the If-Modified-Since moves forward to the newest record
 * read and the page goes back to 1, rather than walking pages of a fixed
 * query: a record edited during the pass moves to the end of Xero's order,
 * and with fixed pages every later record would shift back one place and
 * one would be skipped. Only when more than a page of records share one
 * second does the pass step to the next page of the same query. A pass
 * starts at the watermark minus an overlap (late commits, one-second
 * precision), and a full pass without If-Modified-Since runs every
 * [sync] full_pass_h hours for changes Xero does not date (XERO.md 2.5).
 *
 * xero.poll (per link, every [sync] poll_interval_s) enqueues one
 * xero.pull per enabled object (link settings {"objects": {"payment":
 * false}} turns one off), passing on args {"full": true}. Payments and
 * items have no webhooks, so this poll is how their changes arrive; for
 * the others it catches what the webhooks missed.
 *
 * The pure parts (pull_wire.c) are exposed for unit tests and the fuzzer.
 */
#ifndef XH_XERO_PULL_H
#define XH_XERO_PULL_H

#include <stddef.h>

#include "arena.h"
#include "job.h"
#include "xh.h"

/* One Xero object the mirror holds. */
struct xero_obj {
	const char *name;       /* "invoice": xero_record.object and the job argument */
	const char *endpoint;   /* "Invoices": the path and the list's key in the body */
	const char *id_field;   /* "InvoiceID" */
	const char *query;      /* extra query parameters, URL-encoded, or "" */
	int paged;              /* 0: one call returns every record (Items) */
	const char *type_field; /* with types: keep only records whose field is one of them */
	const char *const *types;
};

/* The objects in the order pushes need them (contacts before invoices). */
const struct xero_obj *xero_obj_table(int *n);
/* The object named name, or NULL. */
const struct xero_obj *xero_obj_find(const char *name);

/* A parsed page. */
struct xero_page {
	char *batch;      /* JSON array [{"i": id, "t": ms, "p": record}, ...] of kept records */
	int kept;         /* records in batch */
	int read;         /* records on the page, kept or not */
	int skipped;      /* records not kept: another type, or malformed (logged by the caller) */
	long long max_ms; /* newest valid UpdatedDateUTC on the page, kept or not; -1 if none */
	int ordered;      /* the valid UpdatedDateUTCs never decrease */
	long long item_count; /* pagination.itemCount, -1 if absent */
};

/*
 * Parses a list response {"<endpoint>": [...], "pagination": {...}}. A
 * record is kept when it has a UUID in id_field, a UpdatedDateUTC of the
 * form "/Date(ms[+-hhmm])/", a type among o->types, and nothing that
 * PostgreSQL's jsonb refuses (a NUL in a string; NaN; a number of over
 * 1000 digits or an exponent of over 4). XH_ERR_INVAL when
 * the body is not such an object, or not valid UTF-8; strings in the arena.
 */
enum xh_err xero_page_parse(struct xh_arena *a, const struct xero_obj *o, const char *body,
                            size_t len, struct xero_page *out);

/* Xero's "/Date(1573755038314+0000)/" as unix ms; -1 if malformed. */
long long xero_date_ms(const char *s);

/* 1 if s is a UUID in its 36-character text form. */
int xero_is_uuid(const char *s);

/* The If-Modified-Since value for ms: "YYYY-MM-DDTHH:MM:SS", UTC. */
void xero_ims_format(long long ms, char out[32]);

/* Where a pass stands; times in unix ms, -1 for none. */
struct xero_cursor {
	long long watermark_ms; /* newest UpdatedDateUTC mirrored */
	long long since_ms;     /* If-Modified-Since of the next request; -1: none */
	int page;               /* page of the next request, from 1 */
	int open;               /* a pass is under way */
};

/*
 * Starts a pass: a full one (no If-Modified-Since) when full is set or
 * nothing was mirrored yet, else from the watermark minus overlap_ms.
 */
void xero_cursor_begin(struct xero_cursor *c, int full, long long overlap_ms);
/*
 * Moves the cursor past a page of page_size that was read with it: a
 * short page, or any page of an unpaged object, ends the pass; else the
 * next request starts after the page's newest record, or, when that
 * second is the one already asked for or the page was not in date order,
 * takes the next page.
 */
void xero_cursor_step(struct xero_cursor *c, const struct xero_page *p, int page_size, int paged);

/*
 * The largest page size, at most max, at which a page starts after exactly
 * offset records (offset a multiple of it), so that a query's later pages
 * line up with its earlier ones; max for offset 0 or a max below 2.
 */
int xero_page_fit(long long offset, int max);

/*
 * The job that pulls object of link ("xero.pull"), or, with object NULL,
 * polls every enabled object ("xero.poll"), unique per link and object.
 * Its args name "full" only when it is set, so that a full request wins
 * over the args of a pending job it collapses into. Strings in the arena.
 */
void xero_pull_job(struct xh_arena *a, long long link, const char *object, int full,
                   struct job_new *jn);

/*
 * Upserts a parsed page's batch (xero_page_parse) into the mirror for
 * link and object, in the caller's transaction: a record is rewritten
 * only when its content hash changed and the copy is not older than the
 * stored one. *nnew and *nchanged count the rows inserted and rewritten.
 * The pull and the webhook fetch (webhook.h) both store through this.
 */
enum xh_err xero_mirror_store(struct xh_db *db, const char *link, const char *object,
                              const char *batch, long long *nnew, long long *nchanged);

/* Job handlers; see job.h for the outcome conventions. */
enum xh_err xero_pull(struct job_ctx *ctx);
enum xh_err xero_poll(struct job_ctx *ctx);

#endif
