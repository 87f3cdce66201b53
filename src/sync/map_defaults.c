/*
 * map_defaults.c: the mapping that ships, one table per HubSpot object
 * (DESIGN.md section 10). A link overrides any unlocked row in
 * field_mapping; locked rows are what the engine keys, associates and
 * decides status by, so they cannot change.
 *
 * The xero_* properties are created by the HubSpot property bootstrap;
 * the others are HubSpot's own.
 */
#include "sync/map.h"

#define STREET           "Addresses[AddressType=STREET]."
#define XERO_INVOICE_URL "format:https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID={}"
#define XERO_CONTACT_URL "format:https://go.xero.com/Contacts/View/{}"
#define INVOICE_STATUS                                                                             \
	"enum{DRAFT:draft,SUBMITTED:draft,AUTHORISED:open,PAID:paid,VOIDED:voided,DELETED:voided}"

/* target, source path, transform, required, locked */
static const struct sync_default company_rules[] = {
    {"xero_contact_id", "ContactID", "lower", 1, 1},
    {"name", "Name", "text", 1, 0},
    {"xero_contact_number", "ContactNumber", "text", 0, 0},
    {"xero_account_number", "AccountNumber", "text", 0, 0},
    {"xero_status", "ContactStatus", "text", 0, 1},
    {"domain", "EmailAddress", "domain_of_email", 0, 0},
    {"phone", "Phones[PhoneType=DEFAULT].PhoneNumber", "text", 0, 0},
    {"address", STREET "AddressLine1", "text", 0, 0},
    {"address2", STREET "AddressLine2", "text", 0, 0},
    {"city", STREET "City", "text", 0, 0},
    {"state", STREET "Region", "text", 0, 0},
    {"zip", STREET "PostalCode", "text", 0, 0},
    {"country", STREET "Country", "text", 0, 0},
    {"xero_tax_number", "TaxNumber", "text", 0, 0},
    {"xero_currency", "DefaultCurrency", "text", 0, 0},
    {"xero_url", "ContactID", XERO_CONTACT_URL, 0, 0},
    /* Balances: summed by the push over the contact's invoices in the mirror (push_sql.c). */
    {"xero_outstanding", "_xhsync.outstanding", "money", 0, 0},
    {"xero_overdue", "_xhsync.overdue", "money", 0, 0},
    {"xero_unpaid_invoices", "_xhsync.unpaid_invoices", "number", 0, 0},
    {"xero_last_payment_date", "_xhsync.last_payment_date", "date", 0, 0},
};

static const struct sync_default contact_rules[] = {
    {"email", "EmailAddress", "lower", 1, 1},
    {"xero_contact_id", "ContactID", "lower", 1, 1},
    {"firstname", "FirstName", "text", 0, 0},
    {"lastname", "LastName", "text", 0, 0},
    {"phone", "Phones[PhoneType=DEFAULT].PhoneNumber", "text", 0, 0},
};

static const struct sync_default invoice_rules[] = {
    {"xero_invoice_id", "InvoiceID", "lower", 1, 1},
    {"hs_invoice_status", "Status", INVOICE_STATUS, 1, 1},
    {"hs_invoice_billable", ".", "const:false", 1, 1},
    {"hs_currency", "CurrencyCode", "text", 1, 1},
    {"hs_invoice_date", "Date || DateString", "date", 1, 0},
    {"hs_due_date", "DueDate || DueDateString", "date", 0, 0},
    {"xero_invoice_number", "InvoiceNumber", "text", 0, 0},
    {"xero_reference", "Reference", "text", 0, 0},
    {"xero_status", "Status", "text", 0, 1},
    {"xero_total", "Total", "money", 0, 0},
    {"xero_amount_paid", "AmountPaid", "money", 0, 0},
    {"xero_amount_due", "AmountDue", "money", 0, 0},
    {"xero_amount_credited", "AmountCredited", "money", 0, 0},
    {"xero_fully_paid_date", "FullyPaidOnDate", "date", 0, 0},
    {"xero_url", "InvoiceID", XERO_INVOICE_URL, 0, 0},
};

/* Relative to one element of the invoice's LineItems[]; ^. is the invoice. */
static const struct sync_default line_item_rules[] = {
    {"xero_line_item_id", "LineItemID", "lower", 1, 1},
    {"name", "Description || ItemCode || Item.Name", "text", 1, 0},
    {"description", "Description", "text", 0, 0},
    {"quantity", "Quantity", "number", 1, 0},
    {"price", "UnitAmount", "money:nonneg", 1, 0},
    {"hs_sku", "ItemCode", "text", 0, 0},
    {"discount", "DiscountRate", "number:nonneg", 0, 0},
    {"hs_line_item_currency_code", "^.CurrencyCode", "text", 1, 1},
    {"xero_tax_amount", "TaxAmount", "money", 0, 0},
    {"xero_tax_type", "TaxType", "text", 0, 0},
    {"xero_line_amount", "LineAmount", "money", 0, 0},
};

static const struct sync_default product_rules[] = {
    {"xero_item_id", "ItemID", "lower", 1, 1},
    {"name", "Name || Code", "text", 1, 0},
    {"hs_sku", "Code", "text", 0, 0},
    {"description", "Description", "text", 0, 0},
    {"price", "SalesDetails.UnitPrice", "money", 0, 0},
};

/* A commerce payment associated with its invoice (link setting paid_mode=payment). */
static const struct sync_default payment_rules[] = {
    {"xero_payment_id", "PaymentID", "lower", 1, 1},
    {"hs_initial_amount", "Amount", "money", 1, 1},
    {"hs_initiated_date", "Date", "date", 1, 0},
    {"hs_currency_code", "Invoice.CurrencyCode", "text", 0, 0},
    {"hs_reference_number", "Reference", "text", 0, 0},
    {"hs_latest_status", ".", "const:succeeded", 0, 1},
};

/* A credit note on its company's timeline; the body is written by the push (push_sql.c). */
static const struct sync_default note_rules[] = {
    {"hs_timestamp", "Date || DateString", "datetime", 1, 0},
    {"hs_note_body", "_xhsync.note_body", "text", 1, 0},
};

static const struct {
	const struct sync_default *rules;
	int n;
} default_table[SO__MAX] = {
    {company_rules, (int)XH_NELEM(company_rules)},     /* SO_COMPANY */
    {contact_rules, (int)XH_NELEM(contact_rules)},     /* SO_CONTACT */
    {invoice_rules, (int)XH_NELEM(invoice_rules)},     /* SO_INVOICE */
    {line_item_rules, (int)XH_NELEM(line_item_rules)}, /* SO_LINE_ITEM */
    {product_rules, (int)XH_NELEM(product_rules)},     /* SO_PRODUCT */
    {payment_rules, (int)XH_NELEM(payment_rules)},     /* SO_PAYMENT */
    {note_rules, (int)XH_NELEM(note_rules)},           /* SO_NOTE */
};

const struct sync_default *
sync_defaults(enum sync_object o, int *n)
{
	*n = default_table[o].n;
	return default_table[o].rules;
}
