/*
 * write.c: the hubspot.write job (write.h). Per planned batch of at most
 * 100 records: upsert, the invoices' lines (update in place, create with
 * the invoice association, archive the removed), the associations, the
 * invoices' open/paid status once allowed, then one transaction storing
 * ids and hashes. A rerun after a crash repeats only unstored batches, and
 * upserts by unique property and creates with a conflict read-back keep
 * it from duplicating anything.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hubspot/write.h"
#include "hubspot/write_int.h"
#include "log.h"

/* Copies recs' inputs into one array for hs_batch, and outcomes back. */
static struct hs_input *
gather(struct xh_arena *a, struct wr_rec **recs, int m)
{
	struct hs_input *in = xh_alloc(a, sizeof(*in) * (size_t)(m + 1));

	for (int i = 0; i < m; i++) {
		in[i] = recs[i]->in;
		in[i].props = recs[i]->props;
	}
	return in;
}

/* The lines of one batch of invoices, sorted into update, create and archive. */
struct line_plan {
	struct hs_input *upd, *cre, *arc;
	struct wr_line **upd_l, **cre_l;
	char **gone;
	int nupd, ncre, narc;
};

static int
in_lines(const struct wr_rec *r, const char *xero_id)
{
	for (int k = 0; k < r->nlines; k++)
		if (strcmp(r->lines[k].xero_id, xero_id) == 0)
			return 1;
	return 0;
}

/* Sorts one invoice's lines into the plan (lines unchanged since their push cost nothing). */
static void
plan_lines_of(struct wr_rec *r, struct wr_ref *refs, int nrefs, struct line_plan *p)
{
	for (int k = 0; k < r->nlines; k++) {
		struct wr_line *l = &r->lines[k];
		struct wr_ref *ref = wr_find_ref(refs, nrefs, l->xero_id);

		l->in = (struct hs_input){.key = l->xero_id, .props = l->props};
		if (ref != NULL && ref->hubspot_id != NULL && ref->hash != NULL &&
		    strcasecmp(ref->hash, l->hash) == 0) {
			l->in.out =
			    (struct hs_outcome){.r = HS_R_OK, .hubspot_id = ref->hubspot_id};
		} else if (ref != NULL && ref->hubspot_id != NULL) {
			p->upd_l[p->nupd] = l;
			p->upd[p->nupd++] = l->in;
		} else {
			l->assoc = (struct hs_assoc){HS_INVOICE, r->in.out.hubspot_id,
			                             hs_assoc_type(HS_LINE_ITEM, HS_INVOICE)};
			l->in.assoc = &l->assoc;
			l->in.nassoc = 1;
			p->cre_l[p->ncre] = l;
			p->cre[p->ncre++] = l->in;
		}
	}
}

/* Refs of lines under these invoices that the invoices no longer have. */
static void
plan_gone(struct wr_rec **recs, int m, struct wr_ref *refs, int nrefs, struct line_plan *p)
{
	for (int j = 0; j < nrefs; j++)
		for (int i = 0; i < m; i++)
			if (refs[j].parent != NULL &&
			    strcmp(refs[j].parent, recs[i]->xero_id) == 0 && recs[i]->has_lines &&
			    !in_lines(recs[i], refs[j].xero_id) && refs[j].hubspot_id != NULL) {
				p->gone[p->narc] = refs[j].xero_id;
				p->arc[p->narc++] = (struct hs_input){.id = refs[j].hubspot_id};
			}
}

/* Outcomes of one kind of line call back onto the lines. */
static void
lines_back(struct wr_line **l, const struct hs_input *in, int n)
{
	for (int i = 0; i < n; i++)
		l[i]->in.out = in[i].out;
}

/* A line that did not make it keeps its invoice from counting as pushed. */
static void
invoice_from_lines(struct job_ctx *ctx, struct wr_rec *r)
{
	for (int k = 0; k < r->nlines && r->refused == NULL; k++) {
		const struct hs_outcome *o = &r->lines[k].in.out;

		if (o->r == HS_R_RETRY || o->r == HS_R_PENDING)
			r->in.out.r = HS_R_RETRY;
		else if (o->r != HS_R_OK)
			r->refused = xh_printf(ctx->arena, "line %s: %s", r->lines[k].xero_id,
			                       o->message != NULL ? o->message : "refused");
	}
}

static enum xh_err
write_lines(struct wr_job *w, struct wr_rec **recs, int m, char ***gone, int *ngone)
{
	struct job_ctx *ctx = w->c.ctx;
	struct xh_arena *a = ctx->arena;
	char **parents = xh_alloc(a, sizeof(char *) * (size_t)(m + 1));
	struct line_plan p = {0};
	struct wr_ref *refs;
	int np = 0, nl = 0, nrefs;
	enum xh_err err;

	for (int i = 0; i < m; i++)
		if (recs[i]->has_lines && recs[i]->in.out.r == HS_R_OK &&
		    recs[i]->refused == NULL) {
			parents[np++] = recs[i]->xero_id;
			nl += recs[i]->nlines;
		}
	if (np == 0)
		return XH_OK;
	if ((err = wr_load_refs(ctx, w->c.link_id, HS_LINE_ITEM, parents, np, 1, &refs, &nrefs)))
		return err;
	p.upd = xh_alloc(a, sizeof(*p.upd) * (size_t)(nl + 1));
	p.cre = xh_alloc(a, sizeof(*p.cre) * (size_t)(nl + 1));
	p.upd_l = xh_alloc(a, sizeof(*p.upd_l) * (size_t)(nl + 1));
	p.cre_l = xh_alloc(a, sizeof(*p.cre_l) * (size_t)(nl + 1));
	p.arc = xh_alloc(a, sizeof(*p.arc) * (size_t)(nrefs + 1));
	p.gone = xh_alloc(a, sizeof(char *) * (size_t)(nrefs + 1));
	for (int i = 0; i < m; i++)
		if (recs[i]->has_lines && recs[i]->in.out.r == HS_R_OK && recs[i]->refused == NULL)
			plan_lines_of(recs[i], refs, nrefs, &p);
	plan_gone(recs, m, refs, nrefs, &p);
	if ((err = hs_batch(&w->c, HS_LINE_ITEM, HS_UPDATE, p.upd, p.nupd)) != XH_OK ||
	    (err = hs_batch(&w->c, HS_LINE_ITEM, HS_CREATE, p.cre, p.ncre)) != XH_OK ||
	    (err = hs_batch(&w->c, HS_LINE_ITEM, HS_ARCHIVE, p.arc, p.narc)) != XH_OK)
		return err;
	lines_back(p.upd_l, p.upd, p.nupd);
	lines_back(p.cre_l, p.cre, p.ncre);
	*gone = p.gone;
	*ngone = 0;
	for (int j = 0; j < p.narc; j++)
		if (p.arc[j].out.r == HS_R_OK)
			(*gone)[(*ngone)++] = p.gone[j];
	for (int i = 0; i < m; i++)
		if (recs[i]->has_lines && recs[i]->in.out.r == HS_R_OK)
			invoice_from_lines(ctx, recs[i]);
	return XH_OK;
}

/* 1 if invoice r may be open or paid: an associated contact and a line item. */
static int
may_open(const struct wr_rec *r)
{
	int contact = 0, line = 0;

	for (int k = 0; k < r->nassoc; k++)
		contact |= r->assoc[k].to == HS_CONTACT && r->assoc[k].ok;
	for (int k = 0; k < r->nlines; k++)
		line |= r->lines[k].in.out.r == HS_R_OK;
	return contact && line;
}

/* Moves the invoices that asked for it to open or paid, or refuses. */
static enum xh_err
write_status(struct wr_job *w, struct wr_rec **recs, int m)
{
	struct xh_arena *a = w->c.ctx->arena;
	struct hs_input *in = xh_alloc(a, sizeof(*in) * (size_t)(m + 1));
	struct wr_rec **back = xh_alloc(a, sizeof(*back) * (size_t)(m + 1));
	int n = 0;
	enum xh_err err;

	for (int i = 0; i < m; i++) {
		struct wr_rec *r = recs[i];
		json_object *p;

		if (r->want_status == NULL || r->in.out.r != HS_R_OK || r->refused != NULL)
			continue;
		if (!may_open(r)) {
			r->refused =
			    xh_printf(a,
			              "not set %s: an invoice needs an associated contact and "
			              "line item (HUBSPOT.md 3.1); left a draft",
			              r->want_status);
			continue;
		}
		p = json_object_new_object();
		json_object_object_add(p, "hs_invoice_status",
		                       json_object_new_string(r->want_status));
		json_object_object_add(r->props, "_status", p); /* freed with the args */
		in[n] = (struct hs_input){.id = r->in.out.hubspot_id, .props = p};
		back[n++] = r;
	}
	if ((err = hs_batch(&w->c, HS_INVOICE, HS_UPDATE, in, n)) != XH_OK)
		return err;
	for (int i = 0; i < n; i++)
		if (in[i].out.r != HS_R_OK)
			back[i]->refused =
			    xh_printf(a, "status %s: %s", back[i]->want_status,
			              in[i].out.message != NULL ? in[i].out.message : "refused");
	return XH_OK;
}

/* 1 if r is written by its stored HubSpot id rather than its unique property. */
static int
by_id(const struct wr_job *w, const struct wr_rec *r)
{
	if (r->ref == NULL || r->ref->hubspot_id == NULL)
		return 0;
	/* a company adopted on the first push carries no xero_contact_id yet */
	return hs_object(w->o)->id_prop == NULL || (w->o == HS_COMPANY && r->ref->hash == NULL);
}

/*
 * The records' own write: upserts by the unique property; a record of an
 * object without one (notes), or an adopted company, written before is
 * updated by its stored id; a new note is created with its associations
 * inline, which then count as made.
 */
static enum xh_err
write_main(struct wr_job *w, struct wr_rec **recs, int m, struct hs_input *in)
{
	struct xh_arena *a = w->c.ctx->arena;
	struct hs_input *ups = xh_alloc(a, sizeof(*ups) * (size_t)(m + 1));
	struct hs_input *upd = xh_alloc(a, sizeof(*upd) * (size_t)(m + 1));
	struct hs_input *cre = xh_alloc(a, sizeof(*cre) * (size_t)(m + 1));
	int *si = xh_alloc(a, sizeof(int) * (size_t)(m + 1)), ns = 0;
	int *ui = xh_alloc(a, sizeof(int) * (size_t)(m + 1)),
	    *ci = xh_alloc(a, sizeof(int) * (size_t)(m + 1));
	int nu = 0, nc = 0;
	enum xh_err err;

	for (int i = 0; i < m; i++) {
		struct wr_rec *r = recs[i];
		struct hs_assoc *as;

		if (by_id(w, r)) {
			upd[nu] = (struct hs_input){.id = r->ref->hubspot_id, .props = in[i].props};
			ui[nu++] = i;
			continue;
		}
		if (hs_object(w->o)->id_prop != NULL) {
			ups[ns] = in[i];
			si[ns++] = i;
			continue;
		}
		as = xh_alloc(a, sizeof(*as) * (size_t)(r->nassoc + 1));
		for (int k = 0; k < r->nassoc; k++)
			as[k] = (struct hs_assoc){r->assoc[k].to, r->assoc[k].hubspot_id,
			                          hs_assoc_type(w->o, r->assoc[k].to)};
		cre[nc] = (struct hs_input){
		    .key = in[i].key, .props = in[i].props, .assoc = as, .nassoc = r->nassoc};
		ci[nc++] = i;
	}
	if ((err = hs_batch(&w->c, w->o, HS_UPSERT, ups, ns)) != XH_OK ||
	    (err = hs_batch(&w->c, w->o, HS_UPDATE, upd, nu)) != XH_OK ||
	    (err = hs_batch(&w->c, w->o, HS_CREATE, cre, nc)) != XH_OK)
		return err;
	for (int j = 0; j < ns; j++)
		in[si[j]].out = ups[j].out;
	for (int j = 0; j < nu; j++)
		in[ui[j]].out = upd[j].out;
	for (int j = 0; j < nc; j++) {
		in[ci[j]].out = cre[j].out;
		for (int k = 0; k < recs[ci[j]]->nassoc && cre[j].out.r == HS_R_OK; k++)
			recs[ci[j]]->assoc[k].known = recs[ci[j]]->assoc[k].ok = 1;
	}
	return XH_OK;
}

/* One planned batch: upsert, lines, associations, status, store. */
static enum xh_err
write_group(struct wr_job *w, struct wr_rec **recs, int m)
{
	struct hs_input *in = gather(w->c.ctx->arena, recs, m);
	char **gone = NULL;
	int ngone = 0;
	enum xh_err err;

	if ((err = write_main(w, recs, m, in)) != XH_OK)
		return err;
	for (int i = 0; i < m; i++)
		recs[i]->in.out = in[i].out;
	if (w->o == HS_INVOICE && (err = write_lines(w, recs, m, &gone, &ngone)) != XH_OK)
		return err;
	if ((err = wr_write_assocs(w, recs, m)) != XH_OK)
		return err;
	if (w->o == HS_INVOICE && (err = write_status(w, recs, m)) != XH_OK)
		return err;
	if ((err = wr_store(w->c.ctx, w->c.link_id, w->o, recs, m, gone, ngone)) != XH_OK)
		return err;
	return wr_assoc_save(w, recs, m);
}

/* Upsert: refused inputs are stored at once; the rest in planned batches. */
static enum xh_err
write_all(struct wr_job *w, int *retry)
{
	struct xh_arena *a = w->c.ctx->arena;
	struct wr_rec **act = xh_alloc(a, sizeof(*act) * (size_t)(w->n + 1));
	struct wr_rec **refused = xh_alloc(a, sizeof(*refused) * (size_t)(w->n + 1));
	struct wr_rec **grp = xh_alloc(a, sizeof(*grp) * (size_t)(w->n + 1));
	int *call = xh_alloc(a, sizeof(int) * (size_t)(w->n + 1)), na = 0, nr = 0, ncalls;
	struct hs_input *keys;
	enum xh_err err;

	for (int i = 0; i < w->n; i++)
		if (w->r[i].refused != NULL)
			refused[nr++] = &w->r[i];
		else if (!w->r[i].skip)
			act[na++] = &w->r[i];
	for (int i = 0; i < nr; i++)
		refused[i]->in.out = (struct hs_outcome){.r = HS_R_FAILED};
	if (nr > 0 && (err = wr_store(w->c.ctx, w->c.link_id, w->o, refused, nr, NULL, 0)))
		return err;
	keys = gather(a, act, na);
	ncalls = hs_plan_calls(keys, na, hs_object(w->o)->fold_case, HS_BATCH_MAX, call);
	for (int k = 0; k < ncalls; k++) {
		int m = 0;

		for (int i = 0; i < na; i++)
			if (call[i] == k)
				grp[m++] = act[i];
		if ((err = write_group(w, grp, m)) != XH_OK)
			return err;
		for (int i = 0; i < m; i++)
			*retry +=
			    grp[i]->in.out.r == HS_R_RETRY || grp[i]->in.out.r == HS_R_PENDING;
	}
	return XH_OK;
}

/* Archive: by the stored HubSpot ids; the refs go with the records. */
static enum xh_err
archive_all(struct wr_job *w)
{
	struct xh_arena *a = w->c.ctx->arena;
	struct hs_input *in = xh_alloc(a, sizeof(*in) * (size_t)(w->n + 1));
	char **ids = xh_alloc(a, sizeof(char *) * (size_t)(w->n + 1));
	int n = 0, k = 0;
	enum xh_err err;

	for (int i = 0; i < w->n; i++)
		if (!w->r[i].skip) {
			ids[n] = w->r[i].xero_id;
			in[n++] = (struct hs_input){.id = w->r[i].ref->hubspot_id};
		}
	if ((err = hs_batch(&w->c, w->o, HS_ARCHIVE, in, n)) != XH_OK)
		return err;
	for (int i = 0; i < n; i++)
		if (in[i].out.r == HS_R_OK)
			ids[k++] = ids[i];
	if (k > 0 && wr_forget(w->c.ctx, w->c.link_id, w->o, ids, k) != XH_OK)
		return job_error(w->c.ctx, XH_ERR_DB, "forgetting archived: %s",
		                 xh_db_error(w->c.ctx->db));
	return XH_OK;
}

/* Logs the calls this run made, per object and op. */
static void
log_calls(const struct wr_job *w, int retry)
{
	char buf[512], n[24], r[24];
	size_t len = 0;

	buf[0] = '\0';
	for (int o = 0; o < HS_OBJECT__MAX; o++)
		for (int op = 0; op < HS_OP__MAX; op++)
			if (w->c.calls[o][op] > 0 && len < sizeof(buf))
				len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s.%s=%d",
				                        len ? " " : "", hs_object(o)->name,
				                        hs_op_name(op), w->c.calls[o][op]);
	snprintf(n, sizeof(n), "%d", w->c.assoc_calls);
	snprintf(r, sizeof(r), "%d", retry);
	xh_log(XH_LOG_INFO, "hubspot.write", "object", hs_object(w->o)->name, "calls", buf,
	       "assoc_calls", n, "retry", r, NULL);
}

enum xh_err
hubspot_write(struct job_ctx *ctx)
{
	json_object *root = json_tokener_parse(ctx->job->args);
	struct wr_job w = {0};
	int retry = 0;
	enum xh_err err;

	if (ctx->job->link_id == 0 || root == NULL) {
		err = job_error(ctx, XH_ERR_INVAL, "hubspot.write needs a link and JSON args");
		goto out;
	}
	if ((err = wr_parse_args(ctx, &w, root)) != XH_OK ||
	    (err = hs_client_init(&w.c, ctx, ctx->job->link_id)) != XH_OK ||
	    (err = wr_mark_pushed(ctx, &w)) != XH_OK ||
	    (!w.archive && (err = wr_resolve_assocs(ctx, &w)) != XH_OK))
		goto out;
	err = w.archive ? archive_all(&w) : write_all(&w, &retry);
	if (err == XH_OK && retry > 0)
		err =
		    job_error(ctx, XH_ERR_TRANSIENT, "%d inputs had no answer from HubSpot", retry);
	log_calls(&w, retry);
out:
	json_object_put(root);
	return err;
}
