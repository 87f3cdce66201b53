"""Per-tenant object store and the read side of the Accounting API.

Objects are wire-shaped dicts (as GET returns them) keyed by their id field.
list_objects() applies the documented filters (IDs, where, If-Modified-Since,
includeArchived, Statuses, ContactIDs, InvoiceNumbers, searchTerm), ordering and
paging, then shapes each object the way the paged or unpaged list shows it.
"""

import copy
import math
from decimal import Decimal

from . import where as wherelib
from . import wire
from .fields import FIELDS

# kind -> (id field, alternate key accepted by GET /Kind/{key}, paged?)
KINDS = {
    "Contacts": ("ContactID", "ContactNumber", True),
    "Invoices": ("InvoiceID", "InvoiceNumber", True),
    "Payments": ("PaymentID", None, True),
    "CreditNotes": ("CreditNoteID", "CreditNoteNumber", True),
    "Items": ("ItemID", "Code", False),
    "Accounts": ("AccountID", None, False),
    "TaxRates": ("TaxType", None, False),
}
# Kinds whose list filters support IDs=.
IDS_KINDS = {"Contacts", "Invoices"}
MAX_IDS = 50
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
# Fields only present on paged lists or single GETs (unpaged lists drop them).
UNPAGED_DROP = {
    "Contacts": ("MergedToContactID", "SalesDefaultLineAmountType", "PurchasesDefaultLineAmountType"),
}
UPDATED_STRING_KINDS = {"Invoices", "CreditNotes", "Payments"}
SEARCH_FIELDS = {
    "Contacts": ("Name", "FirstName", "LastName", "ContactNumber", "EmailAddress"),
    "Invoices": ("InvoiceNumber", "Reference", "Contact.Name"),
}
SUMMARY_DROP = {
    "Contacts": ("Addresses", "Phones", "ContactPersons", "ContactGroups", "Balances", "PaymentTerms"),
    "Invoices": ("LineItems", "Payments", "CreditNotes", "Prepayments", "Overpayments", "InvoiceAddresses"),
}


class NotFound(Exception):
    """Becomes the 404 text response."""


class Tenant:
    """One organisation: its Organisation record and objects by kind."""

    def __init__(self, tenant_id, name, tenant_type="ORGANISATION", day_limit=None):
        self.id = tenant_id
        self.name = name
        self.type = tenant_type
        self.day_limit = day_limit
        self.objects = {kind: {} for kind in KINDS}
        self.organisation = default_organisation(tenant_id, name)
        self.idempotency = {}

    def summary(self):
        """Control-API view of the tenant."""
        return {
            "tenantId": self.id,
            "tenantName": self.name,
            "tenantType": self.type,
            "dayLimit": self.day_limit,
            "counts": {k: len(v) for k, v in self.objects.items()},
        }

    def get(self, kind, key):
        """Object by id (case-insensitive GUID) or by the kind's alternate key."""
        id_field, alt, _ = KINDS[kind]
        objs = self.objects[kind]
        found = objs.get(key) or objs.get(key.lower())
        if found is None and id_field != "TaxType":
            found = next((o for o in objs.values() if str(o.get(id_field, "")).lower() == key.lower()), None)
        if found is None and alt:
            found = next((o for o in objs.values() if o.get(alt) == key), None)
        return found

    def put(self, kind, obj):
        """Store obj under its id."""
        self.objects[kind][obj[KINDS[kind][0]]] = obj


def default_organisation(tenant_id, name):
    """A plausible Organisation record for a new tenant."""
    return {
        "APIKey": tenant_id.replace("-", "")[:30].upper(),
        "Name": name,
        "LegalName": name,
        "PaysTax": True,
        "Version": "NZ",
        "OrganisationType": "COMPANY",
        "BaseCurrency": "NZD",
        "CountryCode": "NZ",
        "IsDemoCompany": False,
        "OrganisationStatus": "ACTIVE",
        "FinancialYearEndDay": 31,
        "FinancialYearEndMonth": 3,
        "SalesTaxBasis": "PAYMENTS",
        "SalesTaxPeriod": "TWOMONTHS",
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Exclusive",
        "CreatedDateUTC": wire.wire_date(wire.now_ms(), offset=False),
        "OrganisationEntityType": "COMPANY",
        "Timezone": "NEWZEALANDSTANDARDTIME",
        "ShortCode": "!" + tenant_id[:5],
        "OrganisationID": tenant_id,
        "Edition": "BUSINESS",
        "Class": "PREMIUM",
        "Addresses": [],
        "Phones": [],
        "ExternalLinks": [],
        "PaymentTerms": {},
    }


def decimalize(value):
    """Floats (from an in-process seed) to exact Decimals, recursively."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: decimalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decimalize(v) for v in value]
    return value


def prepare_seed_object(kind, obj):
    """Fill ids and UpdatedDateUTC on a seeded object; returns it."""
    obj = decimalize(obj)
    id_field = KINDS[kind][0]
    if not obj.get(id_field):
        obj[id_field] = wire.new_id()
    if kind != "TaxRates" and "UpdatedDateUTC" not in obj and kind != "Accounts":
        obj["UpdatedDateUTC"] = wire.wire_date(wire.now_ms())
    if kind == "CreditNotes":
        obj.setdefault("ID", obj[id_field])
    return obj


def updated_ms(obj):
    """UpdatedDateUTC in epoch ms (0 when absent)."""
    return wire.date_ms(obj.get("UpdatedDateUTC")) or 0


def split_list(text):
    """Comma list query value -> stripped non-empty parts."""
    return [p.strip() for p in (text or "").split(",") if p.strip()]


class Query:
    """The list parameters of one GET /Kind request, validated."""

    def __init__(self, kind, req, ims):
        self.kind = kind
        self.paged = KINDS[kind][2] and req.q("page") is not None
        self.page = self._int(req.q("page"), 1) if self.paged else None
        self.page_size = min(MAX_PAGE_SIZE, self._int(req.q("pageSize"), DEFAULT_PAGE_SIZE))
        self.ims = ims
        self.ids = [i.lower() for i in split_list(req.q("IDs"))] if kind in IDS_KINDS else []
        if len(self.ids) > MAX_IDS:
            raise NotFound()
        self.statuses = {s.upper() for s in split_list(req.q("Statuses"))} if kind == "Invoices" else set()
        self.contact_ids = {c.lower() for c in split_list(req.q("ContactIDs"))} if kind == "Invoices" else set()
        self.numbers = set(split_list(req.q("InvoiceNumbers"))) if kind == "Invoices" else set()
        self.archived = (req.q("includeArchived") or "").lower() == "true"
        self.summary = (req.q("summaryOnly") or "").lower() == "true"
        self.search = (req.q("searchTerm") or "").casefold()
        fields = FIELDS[kind]
        self.where = wherelib.compile_where(req.q("where"), fields) if req.q("where") else None
        self.order = wherelib.sort_key_for(req.q("order"), fields) if req.q("order") else None

    @staticmethod
    def _int(text, default):
        if text is None or text == "":
            return default
        try:
            value = int(text)
        except ValueError as exc:
            raise wherelib.QueryError("'%s' is not a valid integer" % text) from exc
        return max(1, value)

    def matches(self, obj):
        """True when obj passes every filter of this query."""
        return all(check(self, obj) for check in FILTERS)


def _f_ids(q, obj):
    return not q.ids or str(obj.get(KINDS[q.kind][0], "")).lower() in q.ids


def _f_archived(q, obj):
    return q.kind != "Contacts" or q.archived or q.ids or obj.get("ContactStatus") != "ARCHIVED"


def _f_ims(q, obj):
    # Accurate to the second: compare whole seconds, inclusive.
    return q.ims is None or updated_ms(obj) // 1000 >= q.ims


def _f_invoice_lists(q, obj):
    if q.statuses and str(obj.get("Status", "")).upper() not in q.statuses:
        return False
    if q.contact_ids and str(wherelib.lookup(obj, "Contact.ContactID") or "").lower() not in q.contact_ids:
        return False
    return not q.numbers or obj.get("InvoiceNumber") in q.numbers


def _f_search(q, obj):
    if not q.search:
        return True
    fields = SEARCH_FIELDS.get(q.kind, ())
    return any(q.search in str(wherelib.lookup(obj, f) or "").casefold() for f in fields)


def _f_where(q, obj):
    return q.where is None or q.where(obj)


FILTERS = (_f_ids, _f_archived, _f_ims, _f_invoice_lists, _f_search, _f_where)


def shape(kind, obj, paged, summary=False):
    """A copy of obj as a list response shows it."""
    out = copy.deepcopy(obj)
    if kind == "Invoices" and not paged:
        out["LineItems"] = []
    if not paged:
        for key in UNPAGED_DROP.get(kind, ()):
            out.pop(key, None)
    if summary:
        for key in SUMMARY_DROP.get(kind, ()):
            out.pop(key, None)
    return single(kind, out)


def single(kind, obj):
    """Add derived fields every response carries (UpdatedDateUTCString)."""
    if kind in UPDATED_STRING_KINDS and obj.get("UpdatedDateUTC"):
        obj["UpdatedDateUTCString"] = wire.iso_from_ms(updated_ms(obj), "%Y-%m-%dT%H:%M:%SZ")
    return obj


def list_objects(tenant, kind, query):
    """(objects, pagination or None) for a validated Query."""
    objs = [o for o in tenant.objects[kind].values() if query.matches(o)]
    if query.order:
        key, reverse = query.order
        objs.sort(key=key, reverse=reverse)
    if not query.paged:
        return [shape(kind, o, False, query.summary) for o in objs], None
    total = len(objs)
    start = (query.page - 1) * query.page_size
    chunk = objs[start : start + query.page_size]
    pagination = {
        "page": query.page,
        "pageSize": query.page_size,
        "pageCount": math.ceil(total / query.page_size),
        "itemCount": total,
    }
    return [shape(kind, o, True, query.summary) for o in chunk], pagination
