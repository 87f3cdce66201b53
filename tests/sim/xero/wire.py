"""Xero wire format: \\/Date()\\/ dates, fixed-decimal money, CRLF pretty JSON, XML.

Objects are stored as wire-shaped dicts (dates as "/Date(ms+0000)/" strings,
numbers as Decimal or int) and rendered here, the way the recorded traffic in
reference/xero/recorded/*.body.json looks byte for byte.
"""

import datetime
import email.utils
import json
import re
import uuid
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from xml.sax.saxutils import escape as xml_escape

CRLF = "\r\n"
DATE_RE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")

# Decimal places per field; other non-integer numbers get 2 (money).
DECIMAL_PLACES = {
    "CurrencyRate": 6,
    "Quantity": 4,
    "UnitPrice": 4,
    "QuantityOnHand": 4,
    "DisplayTaxRate": 4,
    "EffectiveRate": 4,
    "Rate": 4,
}

# Fields that are decimal in the spec even when the seed gave an integer.
DECIMAL_FIELDS = {
    "CurrencyRate", "CISDeduction", "CISRate", "SubTotal", "TotalTax", "Total", "TotalDiscount",
    "AmountDue", "AmountPaid", "AmountCredited", "Discount", "Amount", "BankAmount",
    "RemainingCredit", "AppliedAmount", "TotalCostPool", "QuantityOnHand", "DisplayTaxRate",
    "EffectiveRate", "Quantity", "UnitAmount", "TaxAmount", "LineAmount", "DiscountRate",
    "DiscountAmount", "UnitPrice", "Outstanding", "Overdue", "Rate",
}

# Plural list element -> singular child element name in XML.
XML_SINGULAR = {
    "Invoices": "Invoice", "Contacts": "Contact", "Payments": "Payment", "CreditNotes": "CreditNote",
    "Items": "Item", "Organisations": "Organisation", "TaxRates": "TaxRate", "Accounts": "Account",
    "LineItems": "LineItem", "Addresses": "Address", "Phones": "Phone", "ContactGroups": "ContactGroup",
    "ContactPersons": "ContactPerson", "Tracking": "TrackingCategory", "Allocations": "Allocation",
    "TaxComponents": "TaxComponent", "ValidationErrors": "ValidationError", "Warnings": "Warning",
    "Elements": "DataContractBase", "Prepayments": "Prepayment", "Overpayments": "Overpayment",
    "ExternalLinks": "ExternalLink", "Options": "Option", "Attachments": "Attachment",
}


def new_id():
    """A fresh lower-case GUID string."""
    return str(uuid.uuid4())


def now_ms():
    """Current UTC time in epoch milliseconds."""
    return int(datetime.datetime.now(datetime.timezone.utc).timestamp() * 1000)


def wire_date(ms, offset=True):
    """'/Date(ms+0000)/' (entity dates) or '/Date(ms)/' (envelope DateTimeUTC)."""
    return "/Date(%d+0000)/" % ms if offset else "/Date(%d)/" % ms


def date_ms(value):
    """Epoch ms of a '/Date(..)/' string, an ISO date/time or a date; None if unparsable."""
    if not isinstance(value, str):
        return None
    m = DATE_RE.match(value.strip())
    if m:
        return int(m.group(1))
    dt = parse_iso(value)
    return int(dt.timestamp() * 1000) if dt else None


def parse_iso(text):
    """Parse ISO 8601 forms the SDKs send (Z, offsets, no zone = UTC, 1-7 fraction digits)."""
    text = text.strip()
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    m = re.match(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?)?([+-]\d{2}:?\d{2})?$", text)
    if not m:
        return None
    day, clock, frac, zone = m.groups()
    frac = (frac or "")[:7]
    micro = int((frac[1:] + "000000")[:6]) if frac else 0
    try:
        base = datetime.datetime.fromisoformat(day + "T" + (clock or "00:00:00") + (zone or "+00:00"))
    except ValueError:
        return None
    return base.replace(microsecond=micro).astimezone(datetime.timezone.utc)


def parse_http_date(text):
    """If-Modified-Since: ISO 8601 (any SDK form) or RFC 1123; UTC datetime or None."""
    if not text:
        return None
    dt = parse_iso(text)
    if dt is not None:
        return dt
    try:
        dt = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt.astimezone(datetime.timezone.utc)


def iso_from_ms(ms, fmt="%Y-%m-%dT%H:%M:%S"):
    """UTC ISO string for epoch ms (DateString/DueDateString shape by default)."""
    dt = datetime.datetime.fromtimestamp(ms / 1000.0, datetime.timezone.utc)
    return dt.strftime(fmt)


def connection_date(ms):
    """/connections date form: 7 fractional digits, no Z."""
    dt = datetime.datetime.fromtimestamp(ms / 1000.0, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%07d" % (dt.microsecond * 10)


def to_decimal(value):
    """Decimal from a number or numeric string; raises ValueError."""
    if isinstance(value, bool):
        raise ValueError("boolean is not a number")
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError("not a number: %r" % (value,)) from exc


def money(value, places=2):
    """Round half away from zero to `places`."""
    return to_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def load_json(data):
    """Parse request/seed JSON keeping decimals exact."""
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    return json.loads(data, parse_float=Decimal)


def _number(key, value, unitdp):
    if isinstance(value, int) and key not in DECIMAL_FIELDS:
        return str(value)
    places = unitdp if key == "UnitAmount" else DECIMAL_PLACES.get(key, 2)
    return format(money(value, places), "f")


def _string(value):
    return json.dumps(value, ensure_ascii=False).replace("/", "\\/")


def _dump(value, key, indent, unitdp, out):
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        out.append("{" + CRLF)
        items = list(value.items())
        for i, (k, v) in enumerate(items):
            out.append(pad + "  " + _string(k) + ": ")
            _dump(v, k, indent + 1, unitdp, out)
            out.append(("," if i < len(items) - 1 else "") + CRLF)
        out.append(pad + "}")
    elif isinstance(value, list):
        if not value:
            out.append("[]")
            return
        out.append("[" + CRLF)
        for i, v in enumerate(value):
            out.append(pad + "  ")
            _dump(v, key, indent + 1, unitdp, out)
            out.append(("," if i < len(value) - 1 else "") + CRLF)
        out.append(pad + "]")
    else:
        out.append(_scalar(key, value, unitdp))


def _scalar(key, value, unitdp):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return _number(key, value, unitdp)
    return _string(str(value))


def dumps(obj, unitdp=2):
    """Xero-style JSON bytes: CRLF, 2-space indent, escaped slashes, fixed decimals."""
    out = []
    _dump(obj, "", 0, unitdp, out)
    return "".join(out).encode("utf-8")


def _xml_scalar(key, value, unitdp):
    if isinstance(value, str):
        ms = DATE_RE.match(value)
        return iso_from_ms(int(ms.group(1))) if ms else value
    if value is None:
        return ""
    return _scalar(key, value, unitdp)


def _xml(key, value, unitdp, out):
    if isinstance(value, dict):
        out.append("<%s>" % key)
        for k, v in value.items():
            _xml(k, v, unitdp, out)
        out.append("</%s>" % key)
    elif isinstance(value, list):
        child = XML_SINGULAR.get(key, key[:-1] if key.endswith("s") else key)
        out.append("<%s>" % key)
        for v in value:
            _xml(child, v, unitdp, out)
        out.append("</%s>" % key)
    elif value is not None:
        out.append("<%s>%s</%s>" % (key, xml_escape(_xml_scalar(key, value, unitdp)), key))


def dumps_xml(obj, root="Response", unitdp=2):
    """The same envelope rendered as Xero's default XML."""
    out = ['<%s xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' % root,
           ' xmlns:xsd="http://www.w3.org/2001/XMLSchema">']
    for k, v in obj.items():
        _xml(k, v, unitdp, out)
    out.append("</%s>" % root)
    return "".join(out).encode("utf-8")
