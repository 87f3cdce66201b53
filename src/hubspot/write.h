/*
 * write.h: the hubspot.write job: a batch of records of one HubSpot object
 * for one link, written with the batch client (crm.h). Every write for a
 * portal goes through these jobs, so the workers share one budget (the
 * limiter) and the queue keeps their order. The sync engine enqueues them.
 *
 * Args (JSON object):
 *   "object":  "company" | "contact" | "invoice" | "product" |
 *              "commerce_payment"      (line items travel with invoices)
 *   "op":      "upsert" (default) | "archive"
 *   "inputs":  [input, ...]            any number; written 100 a call
 * input:
 *   "xero_id":    UUID of the Xero record (the hubspot_ref key), required
 *   "key":        value of the object's unique property (crm.h table:
 *                 xero_contact_id, email for contacts, xero_invoice_id,
 *                 xero_item_id, xero_payment_id); default xero_id.
 *                 Contacts need it (their email).
 *   "hash":       64 hex digits: the content hash being pushed (upsert)
 *   "properties": {name: string, ...}  (upsert)
 *   "associations": [{"object": name, "xero_id": UUID}, ...]  records
 *                 already pushed (hubspot_ref), associated with the type
 *                 of the pair (contact->company 279, invoice->contact 177,
 *                 invoice->company 179, payment->invoice 542, ...);
 *                 created once (hubspot_ref.assoc, write_assoc.c): again
 *                 only when the target changed, the old one removed then
 *   "lines":      invoices only: the invoice's line items, each
 *                 {"xero_id": LineItemID, "hash", "properties"}. New lines
 *                 are created with their invoice association (410) in the
 *                 create call; lines already pushed are updated in place
 *                 by xero_line_item_id; lines pushed before and absent now
 *                 are archived. The invoice's hash must cover its lines.
 *
 * An input whose hash equals the pushed one costs no call. An invoice
 * asking hs_invoice_status "open" or "paid" is written as a draft first,
 * and moved to that status only once it has an associated contact (this
 * input's) and at least one line item; otherwise it is refused with a
 * per-input error and stays a draft. The HubSpot ids and the pushed hash
 * are stored in hubspot_ref in one transaction per batch of 100, with the
 * per-input errors (hubspot_ref.last_error and an audit_event each).
 */
#ifndef XH_HUBSPOT_WRITE_H
#define XH_HUBSPOT_WRITE_H

#include "job.h"

/* Job handler; see job.h for the outcome conventions. */
enum xh_err hubspot_write(struct job_ctx *ctx);

#endif
