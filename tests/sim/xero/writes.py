"""PUT/POST Contacts, Items and Invoices: validation, totals, storage.

build_*() turn one submitted element into the object to store (or a list of
validation messages); nothing is stored until the whole request validated
(summarizeErrors=true, the default) or per element (summarizeErrors=false).
Messages are Xero's own where the spec or docs show them.
"""

import copy
import re
from decimal import Decimal

from . import wire
from .store import KINDS

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
READ_ONLY = {
    "Contacts": {"UpdatedDateUTC", "IsSupplier", "IsCustomer", "Balances", "HasValidationErrors",
                 "ValidationErrors", "StatusAttributeString", "HasAttachments", "Website", "Discount"},
    "Items": {"UpdatedDateUTC", "ValidationErrors", "StatusAttributeString", "TotalCostPool",
              "QuantityOnHand"},
    "Invoices": {"UpdatedDateUTC", "UpdatedDateUTCString", "SubTotal", "TotalTax", "Total", "AmountDue",
                 "AmountPaid", "AmountCredited", "Payments", "CreditNotes", "Prepayments", "Overpayments",
                 "FullyPaidOnDate", "HasAttachments", "IsDiscounted", "ValidationErrors",
                 "StatusAttributeString", "HasErrors", "DateString", "DueDateString", "TotalDiscount"},
}
CREATE_STATUSES = {"DRAFT", "SUBMITTED", "AUTHORISED"}
# status now -> statuses a write may move it to
TRANSITIONS = {
    "DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "AUTHORISED": {"AUTHORISED", "VOIDED"},
}
# Field order of a recorded invoice (recorded/GET_Invoices_page1.body.json).
INVOICE_ORDER = ("Type", "InvoiceID", "InvoiceNumber", "Reference", "Payments", "CreditNotes", "Prepayments",
                 "Overpayments", "AmountDue", "AmountPaid", "AmountCredited", "CurrencyRate", "IsDiscounted",
                 "HasAttachments", "HasErrors", "Contact", "DateString", "Date", "DueDateString", "DueDate",
                 "Status", "LineAmountTypes", "LineItems", "SubTotal", "TotalTax", "Total", "UpdatedDateUTC",
                 "CurrencyCode")
NOT_FOUND = "The document with the supplied id was not found for this endpoint."
CONTACT_REF = ("The Contact must contain at least 1 of the following elements to identify the contact: "
               "Name, ContactID, ContactNumber")


class Outcome:
    """One element's result: the object to store (or the submitted one) and messages."""

    def __init__(self, obj, errors, created, events=()):
        self.obj = obj
        self.errors = errors
        self.created = created
        self.events = list(events)


def _clean(kind, element):
    return {k: v for k, v in element.items() if k not in READ_ONLY[kind]}


def _existing(tenant, kind, element, path_id):
    """(existing object or None, error or None) for the element's id."""
    id_field = KINDS[kind][0]
    key = path_id or element.get(id_field)
    if not key:
        return None, None
    found = tenant.get(kind, str(key))
    return (found, None) if found else (None, NOT_FOUND)


def _stamp(obj):
    obj["UpdatedDateUTC"] = wire.wire_date(wire.now_ms())


# ---- Contacts ----


def build_contact(tenant, element, path_id, method, pending):
    """Validate and build a Contact; returns an Outcome."""
    existing, err = _existing(tenant, "Contacts", element, path_id)
    if err:
        return Outcome(element, [err], False)
    obj = copy.deepcopy(existing) if existing else _new_contact()
    obj.update(decimal_clean("Contacts", element))
    errors = _contact_errors(tenant, obj, pending)
    if not errors:
        _stamp(obj)
    return Outcome(obj, errors, existing is None, [("CONTACT", "CREATE" if existing is None else "UPDATE")])


def _new_contact():
    return {"ContactID": wire.new_id(), "ContactStatus": "ACTIVE", "Addresses": [], "Phones": [],
            "ContactGroups": [], "ContactPersons": [], "IsSupplier": False, "IsCustomer": False,
            "HasAttachments": False, "HasValidationErrors": False}


def _contact_errors(tenant, obj, pending):
    errors = []
    name = (obj.get("Name") or "").strip()
    if not name:
        errors.append("The contact name must be specified.")
    elif len(name) > 255:
        errors.append("The contact name must be no more than 255 characters long.")
    elif obj.get("ContactStatus", "ACTIVE") == "ACTIVE" and _name_taken(tenant, obj, pending):
        errors.append("The contact name %s is already assigned to another contact. The contact name must be "
                      "unique across all active contacts." % name)
    email = obj.get("EmailAddress")
    if email and (len(email) > 255 or not EMAIL_RE.match(email)):
        errors.append("Email address must be valid.")
    if obj.get("ContactStatus") not in (None, "ACTIVE", "ARCHIVED", "GDPRREQUEST"):
        errors.append("Contact status must be ACTIVE or ARCHIVED.")
    return errors


def _name_taken(tenant, obj, pending):
    name = obj["Name"].strip().casefold()
    others = list(tenant.objects["Contacts"].values()) + [o for o in pending if o is not obj]
    return any(o.get("ContactID") != obj["ContactID"] and o.get("ContactStatus", "ACTIVE") == "ACTIVE"
               and (o.get("Name") or "").strip().casefold() == name for o in others)


# ---- Items ----


def build_item(tenant, element, path_id, method, pending):
    """Validate and build an Item (POST with a known Code updates it)."""
    existing, err = _existing(tenant, "Items", element, path_id)
    if err:
        return Outcome(element, [err], False)
    code = element.get("Code")
    if existing is None and code and method == "POST":
        existing = tenant.get("Items", str(code))
    obj = copy.deepcopy(existing) if existing else {
        "ItemID": wire.new_id(), "IsSold": True, "IsPurchased": True, "IsTrackedAsInventory": False,
        "SalesDetails": {}, "PurchaseDetails": {}}
    obj.update(decimal_clean("Items", element))
    errors = _item_errors(tenant, obj, pending)
    if not errors:
        _stamp(obj)
    return Outcome(obj, errors, existing is None)


def _item_errors(tenant, obj, pending):
    code = str(obj.get("Code") or "")
    if not code:
        return ["Item code must be specified."]
    errors = []
    if len(code) > 30:
        errors.append("The Item code must be no more than 30 characters long.")
    if len(obj.get("Name") or "") > 50:
        errors.append("The Item name must be no more than 50 characters long.")
    others = list(tenant.objects["Items"].values()) + [o for o in pending if o is not obj]
    if any(o.get("ItemID") != obj["ItemID"] and str(o.get("Code")) == code for o in others):
        errors.append("Price List Item with Code '%s' already exists" % code)
    return errors


# ---- Invoices ----


def build_invoice(tenant, element, path_id, method, pending):
    """Validate and build an Invoice with computed totals."""
    existing, err = _existing(tenant, "Invoices", element, path_id)
    if err:
        return Outcome(element, ["An existing Invoice with the specified InvoiceID could not be found"], False)
    obj = copy.deepcopy(existing) if existing else _new_invoice(tenant)
    submitted = decimal_clean("Invoices", element)
    errors = _status_errors(existing, submitted)
    obj.update(submitted)
    errors += _invoice_errors(tenant, obj, pending)
    new_contact = None
    if not errors:
        new_contact = _resolve_contact(tenant, obj, errors, pending)
    if not errors:
        _totals(tenant, obj, errors)
    if errors:
        return Outcome(element, errors, False)
    _stamp(obj)
    obj = _ordered(obj, INVOICE_ORDER)
    events = [("INVOICE", "CREATE" if existing is None else "UPDATE")]
    out = Outcome(obj, [], existing is None, events)
    out.new_contact = new_contact
    return out


def _ordered(obj, order):
    """obj with the keys in `order` first, in that order."""
    out = {k: obj[k] for k in order if k in obj}
    out.update((k, v) for k, v in obj.items() if k not in out)
    return out


def _new_invoice(tenant):
    today = wire.now_ms() // 86400000 * 86400000
    org = tenant.organisation
    return {"InvoiceID": wire.new_id(), "Status": "DRAFT", "LineAmountTypes": "Exclusive",
            "Reference": "", "Payments": [], "CreditNotes": [], "Prepayments": [], "Overpayments": [],
            "AmountPaid": Decimal(0), "AmountCredited": Decimal(0), "IsDiscounted": False,
            "HasAttachments": False, "HasErrors": False, "Date": wire.wire_date(today),
            "CurrencyCode": org.get("BaseCurrency", "NZD"), "CurrencyRate": Decimal(1), "LineItems": []}


def _status_errors(existing, submitted):
    status = str(submitted.get("Status", existing["Status"] if existing else "DRAFT")).upper()
    submitted["Status"] = status
    if existing is None:
        return [] if status in CREATE_STATUSES else ["Invoice not of valid status for creation"]
    now = existing["Status"]
    if now == "PAID" or (now == "AUTHORISED" and status == "VOIDED" and existing.get("AmountPaid")):
        return ["This document cannot be edited as it has a payment or credit note allocated to it."]
    if status not in TRANSITIONS.get(now, set()):
        return ["Invoice not of valid status for modification"]
    return []


def _invoice_errors(tenant, obj, pending):
    errors = []
    if obj.get("Type") not in ("ACCREC", "ACCPAY"):
        errors.append("Invoice Type must be ACCREC or ACCPAY.")
    if obj.get("LineAmountTypes") not in ("Exclusive", "Inclusive", "NoTax"):
        errors.append("LineAmountTypes must be Exclusive, Inclusive or NoTax.")
    for field in ("Date", "DueDate"):
        if obj.get(field) is not None and wire.date_ms(str(obj[field])) is None:
            errors.append("%s is not a valid date." % field)
    if obj.get("Type") == "ACCREC":
        _number_invoice(tenant, obj, pending, errors)
    return errors


def _number_invoice(tenant, obj, pending, errors):
    others = [o for o in list(tenant.objects["Invoices"].values()) + pending
              if o.get("InvoiceID") != obj["InvoiceID"] and o.get("Type") == "ACCREC"]
    used = {o.get("InvoiceNumber") for o in others}
    if not obj.get("InvoiceNumber"):
        n = len(used) + 1
        while "INV-%04d" % n in used:
            n += 1
        obj["InvoiceNumber"] = "INV-%04d" % n
    elif obj["InvoiceNumber"] in used:
        errors.append("Invoice # must be unique.")


def _resolve_contact(tenant, obj, errors, pending):
    """Point obj's Contact at a stored contact; returns a new contact to create by Name, or None."""
    ref = obj.get("Contact") or {}
    contacts = list(tenant.objects["Contacts"].values()) + pending
    found, new = None, None
    if ref.get("ContactID"):
        found = tenant.get("Contacts", str(ref["ContactID"]))
    elif ref.get("ContactNumber"):
        found = next((c for c in contacts if c.get("ContactNumber") == ref["ContactNumber"]), None)
    elif ref.get("Name"):
        name = ref["Name"].strip().casefold()
        found = next((c for c in contacts if (c.get("Name") or "").strip().casefold() == name
                      and c.get("ContactStatus", "ACTIVE") == "ACTIVE"), None)
        if found is None:
            found = new = dict(_new_contact(), Name=ref["Name"].strip())
            _stamp(new)
    if found is None:
        errors.append(CONTACT_REF if not any(ref.get(k) for k in ("ContactID", "ContactNumber", "Name"))
                      else NOT_FOUND)
        return None
    obj["Contact"] = {"ContactID": found["ContactID"], "Name": found.get("Name", ""), "Addresses": [],
                      "Phones": [], "ContactGroups": [], "ContactPersons": [], "HasValidationErrors": False}
    return new


def _tax_rate(tenant, tax_type, errors):
    if tax_type in (None, "NONE"):
        return Decimal(0)
    rates = tenant.objects["TaxRates"]
    rate = rates.get(tax_type)
    if rate is None:
        if rates:
            errors.append("The TaxType code '%s' does not exist or cannot be used for this type of "
                          "transaction." % tax_type)
        return Decimal(0)
    return wire.to_decimal(rate.get("EffectiveRate", rate.get("DisplayTaxRate", 0)))


def _default_tax_type(tenant, obj, item):
    if obj["LineAmountTypes"] == "NoTax":
        return "NONE"
    details = (item or {}).get("SalesDetails" if obj.get("Type") == "ACCREC" else "PurchaseDetails") or {}
    if details.get("TaxType"):
        return details["TaxType"]
    default = "OUTPUT2" if obj.get("Type") == "ACCREC" else "INPUT2"
    return default if default in tenant.objects["TaxRates"] else "NONE"


def _line(tenant, obj, line, errors):
    """Fill one line's amounts; returns (net amount, tax)."""
    item = None
    if line.get("ItemCode"):
        item = tenant.get("Items", str(line["ItemCode"]))
        if item is None:
            errors.append("Item code '%s' is not valid" % line["ItemCode"])
            return Decimal(0), Decimal(0)
        line.setdefault("Item", {"ItemID": item["ItemID"], "Name": item.get("Name", ""), "Code": item["Code"]})
        line.setdefault("Description", item.get("Description", ""))
        sales = item.get("SalesDetails") or {}
        if "UnitAmount" not in line and "UnitPrice" in sales:
            line["UnitAmount"] = sales["UnitPrice"]
        line.setdefault("AccountCode", sales.get("AccountCode"))
    if not (line.get("Description") or line.get("ItemCode")):
        errors.append("Description needs to be at least 1 char long")
    qty = wire.to_decimal(line.get("Quantity", 1))
    unit = wire.to_decimal(line.get("UnitAmount", 0))
    disc = wire.to_decimal(line.get("DiscountRate", 0))
    amount = wire.money(qty * unit * (100 - disc) / 100) if "UnitAmount" in line else wire.money(
        line.get("LineAmount", 0))
    line.update({"Quantity": qty, "UnitAmount": unit if "UnitAmount" in line else amount, "LineAmount": amount})
    line.setdefault("TaxType", _default_tax_type(tenant, obj, item))
    rate = _tax_rate(tenant, line["TaxType"], errors)
    if obj["LineAmountTypes"] == "Inclusive":
        tax = wire.money(amount - amount / (1 + rate / 100))
        net = amount - tax
    else:
        tax, net = wire.money(amount * rate / 100), amount
    line["TaxAmount"] = tax
    line.setdefault("LineItemID", wire.new_id())
    line.setdefault("Tracking", [])
    return net, tax


def _totals(tenant, obj, errors):
    sub, tax = Decimal(0), Decimal(0)
    for line in obj["LineItems"]:
        net, line_tax = _line(tenant, obj, line, errors)
        sub, tax = sub + net, tax + line_tax
    obj.update({"SubTotal": wire.money(sub), "TotalTax": wire.money(tax), "Total": wire.money(sub + tax)})
    paid = wire.to_decimal(obj.get("AmountPaid", 0)) + wire.to_decimal(obj.get("AmountCredited", 0))
    obj["AmountDue"] = wire.money(obj["Total"] - paid)
    obj["IsDiscounted"] = any(wire.to_decimal(li.get("DiscountRate", 0)) for li in obj["LineItems"])
    for field in ("Date", "DueDate"):
        if obj.get(field) is not None:
            ms = wire.date_ms(str(obj[field]))
            obj[field] = wire.wire_date(ms)
            obj[field + "String"] = wire.iso_from_ms(ms)


def decimal_clean(kind, element):
    """Writable fields of a submitted element (deep copy)."""
    return copy.deepcopy(_clean(kind, element))


BUILDERS = {"Contacts": build_contact, "Items": build_item, "Invoices": build_invoice}


def apply(tenant, kind, elements, method, path_id, summarize):
    """Validate elements and store them. Returns (outcomes, stored): with summarize
    nothing is stored if any element fails; otherwise each valid one is."""
    pending, outcomes = [], []
    for element in elements:
        if not isinstance(element, dict):
            outcomes.append(Outcome({}, ["Each element must be an object."], False))
            continue
        out = BUILDERS[kind](tenant, element, path_id, method, pending)
        outcomes.append(out)
        if not out.errors:
            pending.append(out.obj)
    if summarize and any(o.errors for o in outcomes):
        return outcomes, False
    for out in outcomes:
        if out.errors:
            continue
        new_contact = getattr(out, "new_contact", None)
        if new_contact is not None:
            tenant.put("Contacts", new_contact)
            out.events.insert(0, ("CONTACT", "CREATE", new_contact["ContactID"]))
        tenant.put(kind, out.obj)
        _mark_customer(tenant, kind, out.obj)
    return outcomes, True


def _mark_customer(tenant, kind, obj):
    """IsCustomer/IsSupplier follow invoices (without bumping UpdatedDateUTC, as in Xero)."""
    if kind != "Invoices":
        return
    contact = tenant.get("Contacts", obj["Contact"]["ContactID"])
    if contact is not None:
        contact["IsCustomer" if obj.get("Type") == "ACCREC" else "IsSupplier"] = True
