/*
 * crm.h: the batch-first HubSpot CRM client (HUBSPOT.md 2, 3, 4, 6, 7).
 *
 *   batch_wire.c  pure: the object table, call planning (at most 100
 *                 inputs a call, inputs for one record in later calls),
 *                 request bodies with a unique objectWriteTraceId per
 *                 input, and 2xx (200/201/207) bodies read back into one
 *                 outcome per input
 *   errors.c      pure: HubSpot's error bodies and the status table
 *   client.c      one call: the shared limiter (portal burst, or the
 *                 search budget), 423/5xx retries, 429/477 snoozes, 401/
 *                 403 reported on the link
 *   batch.c       batch upsert/create/update/read/archive over many calls;
 *                 a create conflict is resolved by reading the record by
 *                 its unique property
 *   assoc.c       associations v4 batch create and archive
 *   search.c      search paging (after, the 10,000 cap by hs_object_id)
 *   props.c       the Properties API read, cached per link
 *   write.c       the hubspot.write job (write.h)
 */
#ifndef XH_HUBSPOT_CRM_H
#define XH_HUBSPOT_CRM_H

#include <json-c/json.h>

#include "arena.h"
#include "http.h"
#include "job.h"

#define HS_BATCH_MAX  100                /* inputs per object batch call */
#define HS_SEARCH_MAX 200                /* results per search page */
#define HS_SEARCH_CAP 10000              /* results one search can page through */
#define HS_TRACE_PFX  "xh-"              /* objectWriteTraceId = HS_TRACE_PFX <input index> */
#define HS_TRIES      4                  /* tries of one call on 423, 5xx and timeouts */
#define HS_LOCKED_MS  2000               /* 423: HubSpot's locks last 2 s */
#define HS_PAUSE_MS   (10 * 60 * 1000LL) /* 401/403: job paused this long */

enum hs_object {
	HS_COMPANY,   /* HS_COMPANY */
	HS_CONTACT,   /* HS_CONTACT */
	HS_INVOICE,   /* HS_INVOICE */
	HS_LINE_ITEM, /* HS_LINE_ITEM */
	HS_PRODUCT,   /* HS_PRODUCT */
	HS_PAYMENT,   /* HS_PAYMENT */
	HS_NOTE,      /* HS_NOTE: no unique property; created, then updated by its stored id */
	HS_OBJECT__MAX
};

struct hs_object_info {
	const char *name;    /* hubspot_ref.object, hubspot.write "object" */
	const char *path;    /* {objectType} in /crm/v3/objects/{objectType} */
	const char *type_id; /* "0-2" */
	const char *id_prop; /* the unique property that keys writes; NULL: by stored id */
	int fold_case;       /* id_prop compares case-insensitively (email) */
};

const struct hs_object_info *hs_object(enum hs_object o);
/* The object named name (hs_object_info.name); -1 if none. */
int hs_object_parse(const char *name);

enum hs_op {
	HS_UPSERT,  /* HS_UPSERT: by id_prop */
	HS_CREATE,  /* HS_CREATE: with inline associations */
	HS_UPDATE,  /* HS_UPDATE: by record id, or by id_prop when id is NULL */
	HS_READ,    /* HS_READ: by id_prop */
	HS_ARCHIVE, /* HS_ARCHIVE: by record id */
	HS_OP__MAX
};

/* "upsert", "create", ...: the batch path segment. */
const char *hs_op_name(enum hs_op op);

/* An association to create inline (create) or in a v4 batch. */
struct hs_assoc {
	enum hs_object to;
	const char *to_id; /* HubSpot record id */
	int type_id;       /* HUBSPOT_DEFINED associationTypeId from this object */
};

enum hs_result {
	HS_R_PENDING,  /* HS_R_PENDING: not answered (yet) */
	HS_R_OK,       /* HS_R_OK: written or read; hubspot_id set */
	HS_R_FAILED,   /* HS_R_FAILED: refused for good; message kept */
	HS_R_CONFLICT, /* HS_R_CONFLICT: create found the record existing */
	HS_R_NOTFOUND, /* HS_R_NOTFOUND: no such record */
	HS_R_RETRY,    /* HS_R_RETRY: no answer for this input; try again */
	HS_R__MAX
};

struct hs_outcome {
	enum hs_result r;
	char *hubspot_id; /* HS_R_OK */
	int is_new;       /* upsert: the record was created */
	int status;       /* the HTTP status of its error; 0 */
	char *category;   /* HubSpot's category, e.g. VALIDATION_ERROR */
	char *message;    /* HubSpot's message */
	char *context;    /* errors[].context as JSON text, or NULL */
};

/* One input of a batch call, and its outcome. Strings are borrowed. */
struct hs_input {
	const char *key;              /* id_prop value: upsert, create, read, update without id */
	const char *id;               /* record id: update, archive; NULL otherwise */
	json_object *props;           /* properties to write (borrowed); NULL for none */
	const struct hs_assoc *assoc; /* create: inline associations */
	int nassoc;
	struct hs_outcome out;
};

/*
 * Assigns each of in[0..n-1] a call number in call[]: at most max inputs
 * a call, and an input naming the same record (key, or id) as an earlier
 * one in a later call than that one, so no call holds one record twice.
 * Returns the number of calls: max(ceil(n / max), the most inputs for one
 * record). Pure.
 */
int hs_plan_calls(const struct hs_input *in, int n, int fold_case, int max, int *call);

/*
 * The JSON body of one batch call of op over in[members[0..m-1]] of
 * object o, each input traced as HS_TRACE_PFX <its index>; in the arena.
 * NULL if an input lacks what op needs (a key, an id).
 */
char *hs_batch_body(struct xh_arena *a, const struct hs_object_info *o, enum hs_op op,
                    const struct hs_input *in, const int *members, int m);

/*
 * Reads a 2xx batch body back into the outcomes of in[members[0..m-1]]:
 * results by objectWriteTraceId (else by id_prop value, else by record
 * id), errors[] by context.objectWriteTraceId (else context.ids). An
 * input neither answered nor named by an error becomes HS_R_FAILED with
 * an unattributed error's message if there was one, else HS_R_RETRY.
 * Strings go to the arena. XH_ERR_INVAL when the body is not a batch
 * response (not an object, results or errors not arrays); then no
 * outcome changes.
 */
enum xh_err hs_batch_parse(struct xh_arena *a, const struct hs_object_info *o, enum hs_op op,
                           const char *body, size_t len, struct hs_input *in, const int *members,
                           int m);

/* ---- errors.c ---- */

/* What a HubSpot answer means for the call. */
enum hs_verdict {
	HS_V_OK,        /* HS_V_OK: 2xx; read the body per input */
	HS_V_INVALID,   /* HS_V_INVALID: 400 for the whole call: permanent */
	HS_V_AUTH,      /* HS_V_AUTH: 401: token refused; link reported, job paused */
	HS_V_SCOPES,    /* HS_V_SCOPES: 403 (MISSING_SCOPES): link reported, job paused */
	HS_V_NOTFOUND,  /* HS_V_NOTFOUND: 404 */
	HS_V_CONFLICT,  /* HS_V_CONFLICT: 409: read the existing record */
	HS_V_LOCKED,    /* HS_V_LOCKED: 423: wait 2 s, retry */
	HS_V_RATE,      /* HS_V_RATE: 429 ten-secondly or search: snooze, no attempt used */
	HS_V_DAILY,     /* HS_V_DAILY: 429 DAILY: portal blocked until the reset */
	HS_V_MIGRATING, /* HS_V_MIGRATING: 477: snooze for Retry-After */
	HS_V_TRANSIENT, /* HS_V_TRANSIENT: 5xx, 408, timeouts: backoff with jitter */
	HS_V_PERMANENT, /* HS_V_PERMANENT: any other status */
	HS_V__MAX
};

const char *hs_verdict_name(enum hs_verdict v);

/* The fields of HubSpot's error body; each NULL when absent. */
struct hs_error {
	char *category; /* category, or errorType for 429s */
	char *message;
	char *policy; /* 429 policyName */
	char *sub_category;
	char *context; /* context as JSON text */
};

/* Reads an error body (any shape; nothing required) into e, in the arena. */
void hs_error_parse(struct xh_arena *a, const char *body, size_t len, struct hs_error *e);
/* The verdict of status (0: no response) with its parsed body. Pure. */
enum hs_verdict hs_classify(int status, const struct hs_error *e);

/* ---- client.c ---- */

/* One portal's client inside a job, with its call counts. */
struct hs_client {
	struct job_ctx *ctx;
	long long link_id;
	char *token;
	char *portal;
	int calls[HS_OBJECT__MAX][HS_OP__MAX]; /* object batch calls that got an answer */
	int assoc_calls;
	int search_calls;
	int props_calls;
};

/* The link's token and portal (hubspot_access_token); its outcome on failure. */
enum xh_err hs_client_init(struct hs_client *c, struct job_ctx *ctx, long long link_id);

/* One answered call. */
struct hs_answer {
	enum hs_verdict v;
	struct xh_http_resp resp;
	struct hs_error err;
};

/* Which budget of the limiter a call spends. */
enum hs_budget {
	HS_BURST,  /* HS_BURST: the portal's ten-second budget */
	HS_SEARCH, /* HS_SEARCH: search's own per-second budget */
	HS_EXEMPT, /* HS_EXEMPT: ten-secondly exempt (v4 association batches): no gate */
};

/*
 * One API call (path below [hubspot] api_url, body JSON or NULL) through
 * the limiter: the budget named (HS_EXEMPT calls pass no gate, as the
 * spec's x-hubspot-rate-limit-exemptions say; a 429 on one still snoozes). 423 waits 2 s and
 * 5xx/timeouts back off with jitter, up to HS_TRIES tries. XH_OK with ans->v in {OK, INVALID,
 * NOTFOUND, CONFLICT, PERMANENT} for the caller to read. Otherwise the job's outcome with ctx->msg
 * set: XH_ERR_BUSY with snooze_ms (429: the limiter blocks the scope for every worker; a DAILY 429
 * blocks the portal until the reset; 477; 401/403 after reporting them on the link, so the job
 * waits instead of being discarded), XH_ERR_TRANSIENT, XH_ERR_DB.
 */
enum xh_err hs_call(struct hs_client *c, const char *method, const char *path, const char *body,
                    enum hs_budget budget, struct hs_answer *ans);

/* ---- batch.c ---- */

/*
 * op over in[0..n-1] of object o, planned into as few calls as
 * hs_plan_calls allows; every input gets an outcome. A create whose
 * record exists (409, or a CONFLICT error for the input) is resolved by
 * reading the record by id_prop, so it ends HS_R_OK with is_new 0.
 * A 400 for the whole call fails each of its inputs with the message.
 * Returns XH_OK, or the outcome of hs_call (inputs not reached stay
 * HS_R_PENDING).
 */
enum xh_err hs_batch(struct hs_client *c, enum hs_object o, enum hs_op op, struct hs_input *in,
                     int n);

/* ---- assoc.c ---- */

/* One association between two records. */
struct hs_link {
	const char *from_id;
	const char *to_id;
	int ok; /* set: answered 2xx (no error naming it) */
};

/* The HUBSPOT_DEFINED type id from one object to another; 0 if none. */
int hs_assoc_type(enum hs_object from, enum hs_object to);
/* The body of a v4 batch create (archive: 0) over l[0..n-1]; in the arena. */
char *hs_assoc_body(struct xh_arena *a, const struct hs_link *l, int n, int type_id, int archive);
/*
 * Creates (or with archive set, removes) the associations l[0..n-1] from
 * `from` to `to` in v4 batches of HS_BATCH_MAX; any 2xx is success, and
 * an error naming inputs clears their ok. XH_OK or hs_call's outcome.
 */
enum xh_err hs_assoc_batch(struct hs_client *c, enum hs_object from, enum hs_object to,
                           struct hs_link *l, int n, int archive);

/* ---- search.c ---- */

/* A filter for a search: property op value (op e.g. "EQ"); prop NULL: none. */
struct hs_filter {
	const char *prop;
	const char *op;
	const char *value;
};

/*
 * The body of one search page: f (if any) and hs_object_id > after_id,
 * sorted by hs_object_id ascending, limit HS_SEARCH_MAX, paging cursor
 * after (NULL: first page), asking for props[0..nprops-1]. In the arena.
 */
char *hs_search_body(struct xh_arena *a, const struct hs_filter *f, const char *after_id,
                     const char *after, const char *const *props, int nprops);

/* Called for each record found; non-zero stops the search. */
typedef int (*hs_search_fn)(const char *id, json_object *props, void *arg);

/*
 * Every record of o matching f, in hs_object_id order, with the search
 * budget: pages by `after`, and before the 10,000th result starts again
 * from hs_object_id > the last id seen, so any number of records can be
 * walked. Results may lag writes (HubSpot indexes after a delay): never
 * use this to read back what was just written. XH_OK, XH_ERR_INVAL for a
 * body that is not a search answer, or hs_call's outcome.
 */
enum xh_err hs_search(struct hs_client *c, enum hs_object o, const struct hs_filter *f,
                      const char *const *props, int nprops, hs_search_fn fn, void *arg);

/* ---- props.c ---- */

/*
 * The portal's property definitions of o (GET /crm/v3/properties/{o}) as
 * JSON text of {"results":[...]}: from the link's cache when younger than
 * max_age_ms, else read and cached. XH_OK or hs_call's outcome.
 */
enum xh_err hs_properties(struct hs_client *c, enum hs_object o, long long max_age_ms, char **json);

#endif
