"""Object types, their scopes and their built-in (HubSpot-defined) properties.

Scopes follow the OpenAPI `security` blocks in shared/reference/hubspot/openapi
(any one listed scope suffices). Built-in properties are the ones HUBSPOT.md
names; flags: r = value read-only, u = hasUniqueValue, c = calculated.
"""

import collections

ObjType = collections.namedtuple(
    "ObjType", "name type_id singular label read_scopes write_scopes schema_write group legacy create_prop mod_prop defaults"
)


def _scopes(base, extra=()):
    return ["crm.objects.%s.read" % base] + list(extra), ["crm.objects.%s.write" % base] + list(extra)


def _obj(name, type_id, singular, label, base, schema, group, legacy, create_prop, mod_prop, defaults, extra=()):
    read, write = _scopes(base, extra)
    return ObjType(name, type_id, singular, label, read, write, schema, group, legacy, create_prop, mod_prop, defaults)


# name: ObjType(plural name, type id, association-name token, label, read scopes,
#               write scopes, schema write scopes, property group, legacy webhook
#               prefix or None, create-date property, modified-date property,
#               properties returned when the request names none)
TYPES = collections.OrderedDict(
    (t.name, t)
    for t in [
        _obj("contacts", "0-1", "CONTACT", "Contact", "contacts", ["crm.schemas.contacts.write"], "contactinformation",
             "contact", "createdate", "lastmodifieddate",
             ["createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"]),
        _obj("companies", "0-2", "COMPANY", "Company", "companies", ["crm.schemas.companies.write"], "companyinformation",
             "company", "createdate", "hs_lastmodifieddate",
             ["createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"]),
        _obj("deals", "0-3", "DEAL", "Deal", "deals", ["crm.schemas.deals.write"], "dealinformation",
             "deal", "createdate", "hs_lastmodifieddate",
             ["amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate", "hs_object_id",
              "pipeline"]),
        _obj("products", "0-7", "PRODUCT", "Product", "products", ["e-commerce"], "productinformation",
             "product", "createdate", "hs_lastmodifieddate",
             ["createdate", "description", "hs_lastmodifieddate", "hs_object_id", "name", "price"], ["e-commerce"]),
        _obj("line_items", "0-8", "LINE_ITEM", "Line item", "line_items", ["e-commerce"], "lineiteminformation",
             "line_item", "createdate", "hs_lastmodifieddate",
             ["amount", "createdate", "hs_lastmodifieddate", "hs_object_id", "name", "price", "quantity"],
             ["e-commerce"]),
        _obj("invoices", "0-53", "INVOICE", "Invoice", "invoices", ["crm.schemas.invoices.write"], "invoiceinformation",
             None, "hs_createdate", "hs_lastmodifieddate",
             ["hs_createdate", "hs_currency", "hs_invoice_status", "hs_lastmodifieddate", "hs_object_id"]),
        _obj("notes", "0-46", "NOTE", "Note", "contacts", ["crm.schemas.contacts.write"], "engagement",
             None, "hs_createdate", "hs_lastmodifieddate",
             ["hs_createdate", "hs_lastmodifieddate", "hs_object_id"]),
        _obj("commerce_payments", "0-101", "PAYMENT", "Payment", "commercepayments",
             ["crm.schemas.commercepayments.write"], "paymentinformation", None, "hs_createdate",
             "hs_lastmodifieddate", ["hs_createdate", "hs_lastmodifieddate", "hs_object_id"]),
    ]
)
TYPES["notes"] = TYPES["notes"]._replace(read_scopes=["crm.objects.notes.read", "crm.objects.contacts.read"])

BY_ID = {t.type_id: t for t in TYPES.values()}
BY_TOKEN = {t.singular: t for t in TYPES.values()}
ALIASES = {"company": "companies", "contact": "contacts", "deal": "deals", "product": "products",
           "line_item": "line_items", "invoice": "invoices", "note": "notes", "commerce_payment": "commerce_payments"}

LIFECYCLE = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer",
             "evangelist", "other"]
DEALSTAGES = ["appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin",
              "contractsent", "closedwon", "closedlost"]
INVOICE_STATUSES = ["draft", "open", "paid", "voided"]
PAYMENT_STATUSES = ["succeeded", "processing", "failed", "refunded", "partially_refunded", "canceled"]

# Shared by every type: the record id and (per type) its create/modified dates.
_COMMON = [("hs_object_id", "number", "number", "r")]

# object type -> [(name, type, fieldType, flags[, options])]
BUILTIN = {
    "contacts": [
        ("email", "string", "text", "u"), ("firstname", "string", "text", ""), ("lastname", "string", "text", ""),
        ("phone", "string", "phonenumber", ""), ("company", "string", "text", ""),
        ("jobtitle", "string", "text", ""), ("website", "string", "text", ""), ("address", "string", "text", ""),
        ("city", "string", "text", ""), ("country", "string", "text", ""), ("zip", "string", "text", ""),
        ("lifecyclestage", "enumeration", "radio", "", LIFECYCLE), ("hubspot_owner_id", "enumeration", "select", ""),
        ("hs_lastmodifieddate", "datetime", "date", "r"),
    ],
    "companies": [
        ("name", "string", "text", ""), ("domain", "string", "text", ""), ("phone", "string", "phonenumber", ""),
        ("website", "string", "text", ""), ("address", "string", "text", ""), ("address2", "string", "text", ""),
        ("city", "string", "text", ""), ("state", "string", "text", ""), ("zip", "string", "text", ""),
        ("country", "string", "text", ""), ("industry", "string", "text", ""),
        ("description", "string", "textarea", ""), ("numberofemployees", "number", "number", ""),
        ("annualrevenue", "number", "number", ""), ("lifecyclestage", "enumeration", "radio", "", LIFECYCLE),
        ("hubspot_owner_id", "enumeration", "select", ""),
    ],
    "deals": [
        ("dealname", "string", "text", ""), ("amount", "number", "number", ""),
        ("dealstage", "enumeration", "radio", "", DEALSTAGES), ("pipeline", "enumeration", "select", "", ["default"]),
        ("closedate", "datetime", "date", ""), ("deal_currency_code", "string", "text", ""),
        ("description", "string", "textarea", ""), ("hubspot_owner_id", "enumeration", "select", ""),
    ],
    "products": [
        ("name", "string", "text", ""), ("price", "number", "number", ""), ("description", "string", "textarea", ""),
        ("hs_sku", "string", "text", ""), ("hs_cost_of_goods_sold", "number", "number", ""),
        ("hs_recurring_billing_period", "string", "text", ""), ("hs_product_type", "string", "text", ""),
    ],
    "line_items": [
        ("name", "string", "text", ""), ("quantity", "number", "number", ""), ("price", "number", "number", ""),
        ("amount", "number", "number", "rc"), ("hs_sku", "string", "text", ""),
        ("description", "string", "textarea", ""), ("hs_product_id", "string", "text", ""),
        ("hs_line_item_currency_code", "string", "text", ""), ("discount", "number", "number", ""),
        ("hs_discount_percentage", "number", "number", ""), ("hs_tax_rate_group_id", "string", "text", ""),
        ("hs_recurring_billing_period", "string", "text", ""), ("hs_total_discount", "number", "number", "rc"),
    ],
    "invoices": [
        ("hs_currency", "string", "text", ""), ("hs_invoice_date", "datetime", "date", ""),
        ("hs_due_date", "datetime", "date", ""),
        ("hs_invoice_status", "enumeration", "select", "", INVOICE_STATUSES),
        ("hs_purchase_order_number", "string", "text", ""), ("hs_comments", "string", "textarea", ""),
        ("hs_tax_id", "string", "text", ""), ("hs_invoice_billable", "bool", "booleancheckbox", ""),
        ("hs_language", "string", "text", ""), ("hs_locale", "string", "text", ""),
        ("hs_title", "string", "text", ""), ("hs_number", "string", "text", "rc"),
        ("hs_subtotal", "number", "number", "rc"), ("hs_amount_billed", "number", "number", "rc"),
        ("hs_amount_paid", "number", "number", "rc"), ("hs_balance_due", "number", "number", "rc"),
        ("hs_payment_date", "datetime", "date", "rc"), ("hs_days_overdue", "number", "number", "rc"),
        ("hs_invoice_link", "string", "text", "rc"), ("hs_pdf_download_link", "string", "text", "rc"),
    ],
    "notes": [
        ("hs_note_body", "string", "html", ""), ("hs_timestamp", "datetime", "date", ""),
        ("hubspot_owner_id", "enumeration", "select", ""), ("hs_attachment_ids", "string", "text", ""),
    ],
    "commerce_payments": [
        ("hs_initial_amount", "number", "number", ""), ("hs_initiated_date", "datetime", "date", ""),
        ("hs_currency_code", "string", "text", ""), ("hs_payment_method", "string", "text", ""),
        ("hs_reference_number", "string", "text", ""), ("hs_customer_email", "string", "text", ""),
        ("hs_internal_comment", "string", "textarea", ""),
        ("hs_latest_status", "enumeration", "select", "", PAYMENT_STATUSES),
        ("hs_net_amount", "number", "number", "rc"),
    ],
}

# Properties a create must carry (HUBSPOT.md 3.1, 3.3); notes need a timestamp.
REQUIRED_ON_CREATE = {
    "invoices": ["hs_currency"],
    "commerce_payments": ["hs_initial_amount", "hs_initiated_date"],
    "notes": ["hs_timestamp"],
}

# Built-in properties searched by a free-text `query` (HubSpot's default searchable set).
QUERY_PROPS = {
    "contacts": ["firstname", "lastname", "email", "phone", "company", "website"],
    "companies": ["name", "domain", "website", "phone"],
    "deals": ["dealname"],
    "products": ["name", "description", "hs_sku"],
    "line_items": ["name", "description", "hs_sku"],
    "invoices": ["hs_number", "hs_title"],
    "notes": ["hs_note_body"],
    "commerce_payments": ["hs_reference_number", "hs_customer_email"],
}


def resolve(name):
    """A path objectType (plural name, singular alias or type id) -> ObjType or None."""
    key = (name or "").lower()
    key = ALIASES.get(key, key)
    return TYPES.get(key) or BY_ID.get(key)


def builtin_properties(otype):
    """(name, type, fieldType, flags, options) for every built-in property of a type."""
    t = TYPES[otype]
    dates = [(t.create_prop, "datetime", "date", "r"), (t.mod_prop, "datetime", "date", "r")]
    rows = list(_COMMON) + dates + list(BUILTIN[otype])
    seen, out = set(), []
    for row in rows:
        if row[0] in seen:
            continue
        seen.add(row[0])
        out.append(row if len(row) == 5 else row + (None,))
    return out


def all_scopes():
    """Every scope the simulator knows (for demo tokens and the default app)."""
    out = set()
    for t in TYPES.values():
        out.update(t.read_scopes + t.write_scopes + t.schema_write)
        out.add(t.read_scopes[0].replace("crm.objects.", "crm.schemas."))
    out.add("oauth")
    return sorted(out)
