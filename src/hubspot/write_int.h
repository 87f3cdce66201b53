/*
 * write_int.h: what write.c (the hubspot.write flow) and write_store.c
 * (its hubspot_ref reads and writes) share.
 */
#ifndef XH_HUBSPOT_WRITE_INT_H
#define XH_HUBSPOT_WRITE_INT_H

#include "hubspot/crm.h"

#define WR_MAX_ASSOC 4

/* One stored reference. */
struct wr_ref {
	char *xero_id;
	char *hubspot_id; /* NULL if never written */
	char *hash;       /* pushed hash as hex, NULL if none */
	char *parent;     /* line items: the invoice's xero id */
};

/* A line item of an invoice input. */
struct wr_line {
	char *xero_id;
	const char *hash;
	json_object *props;
	struct hs_assoc assoc; /* 410 to the invoice, for a create */
	struct hs_input in;
	int exists; /* pushed before: updated in place */
};

/* An association asked for by an input. */
struct wr_assoc {
	enum hs_object to;
	char *xero_id;
	const char *hubspot_id; /* resolved from hubspot_ref */
	int ok;
	int known;          /* created before from this record to this target: no call */
	const char *old_id; /* the target it was created to before, if another one */
};

/* One input of the job. */
struct wr_rec {
	char *xero_id;
	const char *hash;
	json_object *props;      /* as sent (an invoice without open/paid) */
	const char *want_status; /* invoice: "open" or "paid" asked for */
	struct wr_assoc assoc[WR_MAX_ASSOC];
	int nassoc;
	struct wr_line *lines;
	int nlines;
	int has_lines;      /* "lines" given (invoices) */
	struct wr_ref *ref; /* NULL if never pushed */
	int skip;           /* hash unchanged: no call */
	char *refused;      /* refused before or after the calls; permanent */
	struct hs_input in;
};

/* The job: its client, object, op and inputs. */
struct wr_job {
	struct hs_client c;
	enum hs_object o;
	int archive;
	struct wr_rec *r;
	int n;
};

/* The job's args (write.h) into w; XH_ERR_INVAL with ctx->msg. */
enum xh_err wr_parse_args(struct job_ctx *ctx, struct wr_job *w, json_object *root);
/* Marks inputs whose hash was pushed (or repeated later in the job) skip. */
enum xh_err wr_mark_pushed(struct job_ctx *ctx, struct wr_job *w);
/* Resolves association targets; an input whose target is not pushed is refused. */
enum xh_err wr_resolve_assocs(struct job_ctx *ctx, struct wr_job *w);

/* The refs of xero ids (or, with by_parent, of line items under them). */
enum xh_err wr_load_refs(struct job_ctx *ctx, long long link, enum hs_object o, char **ids, int n,
                         int by_parent, struct wr_ref **refs, int *nrefs);
/* The ref of xero_id in refs[0..n-1] (sorted by wr_load_refs), or NULL. */
struct wr_ref *wr_find_ref(struct wr_ref *refs, int n, const char *xero_id);

/*
 * One transaction: the refs of recs[0..n-1] of object o (ids and hashes
 * of the written ones, errors of the failed ones, with an audit_event
 * each), their lines', and the removal of archived lines' refs.
 */
enum xh_err wr_store(struct job_ctx *ctx, long long link, enum hs_object o, struct wr_rec **recs,
                     int n, char **gone_lines, int ngone);
/*
 * write_assoc.c: the associations of the written records recs[0..m-1],
 * created only when new or when their target changed (the old one is
 * removed then), and what was created kept in hubspot_ref.assoc; save
 * runs after wr_store.
 */
enum xh_err wr_write_assocs(struct wr_job *w, struct wr_rec **recs, int m);
enum xh_err wr_assoc_save(struct wr_job *w, struct wr_rec **recs, int m);

/* Archive op: removes the refs of xero ids, with an audit_event each. */
enum xh_err wr_forget(struct job_ctx *ctx, long long link, enum hs_object o, char **ids, int n);

#endif
