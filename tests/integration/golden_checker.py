"""The golden checker of the sync tests (test_sync_golden.py): what the
HubSpot portal must hold, property by property, computed from the Xero
simulator's objects alone (Contacts, Invoices, Payments, CreditNotes,
Items), without the engine's mapping code or SQL, and the comparison of
that expectation with the HubSpot simulator's store.

The rules, from issue 11 and the shipped default mapping (which HubSpot
property holds what; the values are derived here):

- every Xero contact is a company keyed by xero_contact_id; its balances
  are in the base currency (an invoice's amount divided by its
  CurrencyRate): outstanding is the sum of the amounts due on its open
  (AUTHORISED) sales invoices as its payments and credit-note allocations
  leave them, overdue the part of that whose due date has passed,
  unpaid_invoices how many of them still have something due, and the last
  payment date the latest date of a live payment on any of its invoices.
  Unallocated credit is not netted off (the engine's definition, see
  push_sql.c; Xero's own Balances figure nets it, so that figure is not
  what HubSpot is compared with);
- the owner of an email address (the contact with the smallest id among
  those sharing it; a missing or malformed address has none) is a HubSpot
  contact associated to its company;
- a sales invoice (ACCREC) is in HubSpot unless it was voided or deleted
  before it was ever sent; its paid, credited and due amounts and its
  status come from the live (not DELETED) payments and the allocations of
  live sales credit notes; draft and submitted are draft, authorised
  open, paid paid, and an open or paid invoice is held as draft when its
  contact has no HubSpot contact or it has no lines; it is associated to
  its company, to its contact's HubSpot contact when there is one, and to
  one line item per Xero line;
- an item is a product; an approved sales credit note is a note on its
  company's timeline naming its number, date, total, currency, status,
  remaining credit and each allocation.
"""
import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# The free-mail domains the generator (tests/sim/xero_data.py) gives individuals.
FREE_MAIL = {"gmail.com", "outlook.com", "xtra.co.nz"}
HS_STATUS = {"DRAFT": "draft", "SUBMITTED": "draft", "AUTHORISED": "open", "PAID": "paid",
             "VOIDED": "voided", "DELETED": "voided"}
CENT = Decimal("0.01")

# How each property is compared: exact text (after trimming), a number, a date (day).
TEXT, NUM, DAY = "text", "num", "day"
COMPANY_KINDS = {"xero_outstanding": NUM, "xero_overdue": NUM, "xero_unpaid_invoices": NUM,
                 "xero_last_payment_date": DAY}
INVOICE_KINDS = {"hs_invoice_date": DAY, "hs_due_date": DAY, "xero_fully_paid_date": DAY,
                 "xero_total": NUM, "xero_amount_paid": NUM, "xero_amount_due": NUM,
                 "xero_amount_credited": NUM}
LINE_KINDS = {"quantity": NUM, "price": NUM, "discount": NUM, "xero_tax_amount": NUM,
              "xero_line_amount": NUM}
PRODUCT_KINDS = {"price": NUM}
# Balances are sums of base-currency amounts rounded once: allow one cent.
TOLERANCE = {"xero_outstanding": Decimal("0.01"), "xero_overdue": Decimal("0.01")}


def dec(v):
    """A Xero number as a Decimal (0 when absent)."""
    if v is None or v == "":
        return Decimal(0)
    return Decimal(str(v))


def cents(v):
    return v.quantize(CENT, rounding=ROUND_HALF_UP)


def day_of(s):
    """A Xero date ("/Date(ms+0000)/" or ISO) as an ISO day, or ""."""
    if not s:
        return ""
    m = re.match(r"^/Date\((-?\d+)([+-]\d{4})?\)/$", s)
    if m:
        return (dt.date(1970, 1, 1) + dt.timedelta(days=int(m.group(1)) // 86400000)).isoformat()
    if re.match(r"^\d{4}-\d{2}-\d{2}", s):
        return s[:10]
    raise ValueError("not a Xero date: %r" % s)


def lid(s):
    return (s or "").lower()


def txt(v):
    """What a text property holds for a Xero value (None and "" are alike)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def phone(c, kind="DEFAULT"):
    return next((p.get("PhoneNumber") or "" for p in c.get("Phones") or []
                 if p.get("PhoneType") == kind), "")


def street(c):
    return next((a for a in c.get("Addresses") or [] if a.get("AddressType") == "STREET"), {})


def domain(email):
    e = (email or "").strip().lower()
    if not EMAIL.match(e):
        return ""
    d = e.split("@", 1)[1]
    return "" if d in FREE_MAIL else d


def fmt_money(v):
    return "%.2f" % cents(dec(v))


class Golden:
    """The expected HubSpot state of one Xero organisation."""

    def __init__(self, contacts, invoices, payments, credit_notes, items, today=None):
        self.today = today or dt.datetime.now(dt.timezone.utc).date().isoformat()
        self.contacts = {lid(c["ContactID"]): c for c in contacts}
        self.items = {lid(i["ItemID"]): i for i in items}
        self.sales = {lid(i["InvoiceID"]): i for i in invoices if i.get("Type") == "ACCREC"}
        self.credits = {lid(c["CreditNoteID"]): c for c in credit_notes
                        if c.get("Type") == "ACCRECCREDIT"}
        self.live_payments = [p for p in payments if p.get("Status") != "DELETED"
                              and lid(p["Invoice"]["InvoiceID"]) in self.sales]
        self._owners()
        self._money()

    @classmethod
    def of(cls, sync, **kw):
        """From a sync_support.Sync's Xero simulator."""
        return cls(*(sync.xero_objects(k) for k in ("Contacts", "Invoices", "Payments",
                                                    "CreditNotes", "Items")), **kw)

    # ---- derived facts ----

    def _owners(self):
        owners = {}
        for cid in sorted(self.contacts):
            email = (self.contacts[cid].get("EmailAddress") or "").strip().lower()
            if EMAIL.match(email):
                owners.setdefault(email, cid)
        self.person = {cid: e for e, cid in owners.items()}

    def _money(self):
        """Paid, credited, due, status and payment dates of every sales invoice."""
        self.paid = {iid: Decimal(0) for iid in self.sales}
        self.credited = {iid: Decimal(0) for iid in self.sales}
        self.pay_days = {iid: [] for iid in self.sales}
        self.alloc_days = {iid: [] for iid in self.sales}
        for p in self.live_payments:
            iid = lid(p["Invoice"]["InvoiceID"])
            self.paid[iid] += dec(p.get("Amount"))
            self.pay_days[iid].append(day_of(p.get("Date")))
        for cn in self.credits.values():
            if cn.get("Status") in ("VOIDED", "DELETED"):
                continue
            for al in cn.get("Allocations") or []:
                iid = lid(al["Invoice"]["InvoiceID"])
                if iid in self.sales and lid(self.sales[iid]["Contact"]["ContactID"]) == lid(
                        cn["Contact"]["ContactID"]):
                    self.credited[iid] += dec(al.get("Amount"))
                    self.alloc_days[iid].append(day_of(al.get("Date") or cn.get("Date")))

    def status(self, iid):
        """Xero's status of a sales invoice as its payments and credits leave it."""
        st = self.sales[iid]["Status"]
        if st not in ("AUTHORISED", "PAID"):
            return st
        return "PAID" if self.due(iid) <= 0 else "AUTHORISED"

    def due(self, iid):
        inv = self.sales[iid]
        if inv["Status"] not in ("AUTHORISED", "PAID"):
            return dec(inv.get("AmountDue"))
        return max(cents(dec(inv.get("Total")) - self.paid[iid] - self.credited[iid]), Decimal(0))

    def rate(self, inv):
        r = dec(inv.get("CurrencyRate"))
        return r if r != 0 else Decimal(1)

    def sent(self, iid):
        """Whether the invoice is in HubSpot after a backfill (never sent: voided, deleted)."""
        return self.sales[iid]["Status"] not in ("VOIDED", "DELETED")

    # ---- expected records: {xero id: {property: value}} and associations ----

    def companies(self):
        out = {}
        by_contact = {}
        for iid, inv in self.sales.items():
            by_contact.setdefault(lid(inv["Contact"]["ContactID"]), []).append(iid)
        for cid, c in self.contacts.items():
            st = street(c)
            props = {
                "xero_contact_id": cid, "name": txt(c.get("Name")),
                "xero_contact_number": txt(c.get("ContactNumber")),
                "xero_account_number": txt(c.get("AccountNumber")),
                "xero_status": txt(c.get("ContactStatus")),
                "domain": domain(c.get("EmailAddress")), "phone": phone(c),
                "address": txt(st.get("AddressLine1")), "address2": txt(st.get("AddressLine2")),
                "city": txt(st.get("City")), "state": txt(st.get("Region")),
                "zip": txt(st.get("PostalCode")), "country": txt(st.get("Country")),
                "xero_tax_number": txt(c.get("TaxNumber")),
                "xero_currency": txt(c.get("DefaultCurrency")),
                "xero_url": "https://go.xero.com/Contacts/View/" + cid,
            }
            props.update(self._balances(by_contact.get(cid, [])))
            out[cid] = props
        return out

    def _balances(self, iids):
        outstanding = overdue = Decimal(0)
        unpaid, days = 0, []
        for iid in iids:
            inv = self.sales[iid]
            days += self.pay_days[iid]
            if self.status(iid) != "AUTHORISED":
                continue
            base = self.due(iid) / self.rate(inv)
            outstanding += base
            if day_of(inv.get("DueDate") or inv.get("DueDateString")) < self.today:
                overdue += base
            if base > 0:
                unpaid += 1
        return {"xero_outstanding": cents(outstanding), "xero_overdue": cents(overdue),
                "xero_unpaid_invoices": Decimal(unpaid),
                "xero_last_payment_date": max(days, default="")}

    def people(self):
        out = {}
        for cid, email in self.person.items():
            c = self.contacts[cid]
            out[cid] = {"email": email, "xero_contact_id": cid,
                        "firstname": txt(c.get("FirstName")), "lastname": txt(c.get("LastName")),
                        "phone": phone(c)}
        return out

    def invoice_status(self, iid):
        """HubSpot's status of a sent invoice."""
        inv = self.sales[iid]
        st = HS_STATUS[self.status(iid)]
        held = lid(inv["Contact"]["ContactID"]) not in self.person or not inv.get("LineItems")
        return "draft" if st in ("open", "paid") and held else st

    def invoices(self):
        out = {}
        for iid, inv in self.sales.items():
            if not self.sent(iid):
                continue
            st = self.status(iid)
            paid_day = ""
            if st == "PAID":
                paid_day = (day_of(inv.get("FullyPaidOnDate")) if inv["Status"] == "PAID" else ""
                            ) or max(self.pay_days[iid] + self.alloc_days[iid], default="")
            amounts = inv["Status"] in ("AUTHORISED", "PAID")
            out[iid] = {
                "xero_invoice_id": iid, "hs_invoice_status": self.invoice_status(iid),
                "hs_invoice_billable": "false", "hs_currency": txt(inv.get("CurrencyCode")),
                "hs_invoice_date": day_of(inv.get("Date") or inv.get("DateString")),
                "hs_due_date": day_of(inv.get("DueDate") or inv.get("DueDateString")),
                "xero_invoice_number": txt(inv.get("InvoiceNumber")),
                "xero_reference": txt(inv.get("Reference")), "xero_status": st,
                "xero_total": cents(dec(inv.get("Total"))),
                "xero_amount_paid": cents(self.paid[iid]) if amounts else dec(inv.get(
                    "AmountPaid")),
                "xero_amount_due": self.due(iid),
                "xero_amount_credited": cents(self.credited[iid]) if amounts else dec(inv.get(
                    "AmountCredited")),
                "xero_fully_paid_date": paid_day,
                "xero_url": "https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=" + iid,
            }
        return out

    def line_items(self):
        """{line id: (invoice id, properties)} of the sent invoices' lines."""
        out = {}
        for iid, inv in self.sales.items():
            if not self.sent(iid):
                continue
            for li in inv.get("LineItems") or []:
                item = li.get("Item") or {}
                out[lid(li["LineItemID"])] = (iid, {
                    "xero_line_item_id": lid(li["LineItemID"]),
                    "name": txt(li.get("Description") or li.get("ItemCode") or item.get("Name")),
                    "description": txt(li.get("Description")),
                    "quantity": dec(li.get("Quantity")), "price": dec(li.get("UnitAmount")),
                    "hs_sku": txt(li.get("ItemCode")),
                    "discount": dec(li["DiscountRate"]) if li.get("DiscountRate") is not None
                    else "",
                    "hs_line_item_currency_code": txt(inv.get("CurrencyCode")),
                    "xero_tax_amount": dec(li.get("TaxAmount")),
                    "xero_tax_type": txt(li.get("TaxType")),
                    "xero_line_amount": dec(li.get("LineAmount"))})
        return out

    def products(self):
        out = {}
        for iid, it in self.items.items():
            price = (it.get("SalesDetails") or {}).get("UnitPrice")
            out[iid] = {"xero_item_id": iid, "name": txt(it.get("Name") or it.get("Code")),
                        "hs_sku": txt(it.get("Code")), "description": txt(it.get("Description")),
                        "price": dec(price) if price is not None else ""}
        return out

    def notes(self):
        """{credit note id: (contact id, facts)}: what each note's body must say."""
        out = {}
        for nid, cn in self.credits.items():
            if cn.get("Status") not in ("AUTHORISED", "PAID"):
                continue
            allocs = sorted((txt(al["Invoice"].get("InvoiceNumber") or al["Invoice"]["InvoiceID"]),
                             fmt_money(al.get("Amount")), day_of(al.get("Date")))
                            for al in cn.get("Allocations") or [])
            out[nid] = (lid(cn["Contact"]["ContactID"]), {
                "number": txt(cn.get("CreditNoteNumber")), "date": day_of(cn.get("Date")),
                "total": fmt_money(cn.get("Total")), "currency": txt(cn.get("CurrencyCode")),
                "status": txt(cn.get("Status")), "remaining": fmt_money(cn.get("RemainingCredit")),
                "allocations": allocs})
        return out


# ---- reading the HubSpot store ----

NOTE_HEAD = re.compile(r"Xero credit note (?P<number>.+?) dated (?P<date>\d{4}-\d{2}-\d{2}): "
                       r"(?P<total>-?\d+\.\d\d) (?P<currency>[A-Z]{3}) \((?P<status>[A-Z]+)\), "
                       r"(?P<remaining>-?\d+\.\d\d) not allocated")
NOTE_ALLOC = re.compile(r"(?P<inv>[^;:<>]+?) (?P<amt>-?\d+\.\d\d) on (?P<day>\d{4}-\d{2}-\d{2})")


def note_facts(body):
    """The facts a note's HTML body states (see Golden.notes), or None."""
    m = NOTE_HEAD.search(body or "")
    if m is None:
        return None
    facts = m.groupdict()
    allocs = []
    am = re.search(r"Allocated: (.*?)\.</p>", body)
    if am:
        for part in am.group(1).split("; "):
            a = NOTE_ALLOC.fullmatch(part.strip())
            allocs.append((a.group("inv"), a.group("amt"), a.group("day")) if a else ("?", part,
                                                                                       ""))
    facts["allocations"] = sorted(allocs)
    return facts


def assoc(rec, otype):
    return {str(a["toObjectId"]) for a in rec.get("associations") or []
            if a["toObjectType"] == otype}


def same(kind, want, got, tol=None):
    """Whether a HubSpot property value matches the expected value."""
    got = "" if got is None else str(got).strip()
    if kind == NUM:
        if want == "":
            return got == ""
        if got == "":
            return False
        try:
            diff = abs(Decimal(got) - Decimal(want))
        except ArithmeticError:
            return False
        return diff <= (tol or Decimal(0))
    if kind == DAY:
        return got[:10] == want
    return got == txt(want)


class Diff:
    """Differences found, collected so one failure lists them all (the first few)."""

    def __init__(self):
        self.items = []

    def add(self, *what):
        self.items.append(" ".join(str(w) for w in what))

    def props(self, where, want, got, kinds):
        for k, v in want.items():
            kind = kinds.get(k, TEXT)
            if kind == TEXT and isinstance(v, Decimal):
                kind = NUM
            if not same(kind, v, got.get(k), TOLERANCE.get(k)):
                self.add(where, k, "want", repr(v), "got", repr(got.get(k)))

    def check(self):
        assert not self.items, "%d difference(s) from the golden state:\n  %s" % (
            len(self.items), "\n  ".join(self.items[:40]))


def keyed(diff, what, records, key):
    """{key value: record}; duplicates and records without the key are differences."""
    out = {}
    for r in records:
        k = (r["properties"].get(key) or "").lower()
        if not k:
            diff.add(what, r["id"], "has no", key)
        elif k in out:
            diff.add(what, "duplicate", key, k, "(HubSpot ids %s and %s)" % (out[k]["id"], r["id"]))
        else:
            out[k] = r
    return out


def compare(golden, store):
    """Compares the expected state with store(otype) (the HubSpot simulator's
    live records) field by field; returns the HubSpot ids by Xero id per
    object, and fails listing every difference."""
    d = Diff()
    got = {"companies": keyed(d, "company", store("companies"), "xero_contact_id"),
           "contacts": keyed(d, "contact", store("contacts"), "xero_contact_id"),
           "invoices": keyed(d, "invoice", store("invoices"), "xero_invoice_id"),
           "line_items": keyed(d, "line item", store("line_items"), "xero_line_item_id"),
           "products": keyed(d, "product", store("products"), "xero_item_id")}
    wants = {"companies": (golden.companies(), COMPANY_KINDS),
             "contacts": (golden.people(), {}),
             "invoices": (golden.invoices(), INVOICE_KINDS),
             "line_items": ({k: p for k, (_, p) in golden.line_items().items()}, LINE_KINDS),
             "products": (golden.products(), PRODUCT_KINDS)}
    for otype, (want, kinds) in wants.items():
        have = got[otype]
        for k in sorted(set(want) - set(have)):
            d.add(otype, k, "missing from HubSpot")
        for k in sorted(set(have) - set(want)):
            d.add(otype, k, "in HubSpot but not expected (HubSpot id %s)" % have[k]["id"])
        for k in sorted(set(want) & set(have)):
            d.props("%s %s" % (otype, k), want[k], have[k]["properties"], kinds)
    ids = {otype: {k: str(r["id"]) for k, r in recs.items()} for otype, recs in got.items()}
    _associations(d, golden, got, ids)
    ids["notes"] = _notes(d, golden, store("notes"), ids)
    d.check()
    return ids


def _associations(d, golden, got, ids):
    co, pe, inv = ids["companies"], ids["contacts"], ids["invoices"]
    for cid, rec in got["contacts"].items():
        if cid in co and assoc(rec, "companies") != {co[cid]}:
            d.add("contact", cid, "companies", sorted(assoc(rec, "companies")), "want", co.get(cid))
    lines_of = {}
    for lid_, (iid, _) in golden.line_items().items():
        lines_of.setdefault(iid, set()).add(ids["line_items"].get(lid_))
    invoices_of = {}
    for iid, rec in got["invoices"].items():
        if iid not in golden.sales:
            continue
        cid = lid(golden.sales[iid]["Contact"]["ContactID"])
        invoices_of.setdefault(cid, set()).add(str(rec["id"]))
        want = {"companies": {co.get(cid)}, "contacts": {pe[cid]} if cid in golden.person else
                set(), "line_items": lines_of.get(iid, set())}
        for otype, w in want.items():
            if assoc(rec, otype) != w:
                d.add("invoice", iid, otype, sorted(assoc(rec, otype)), "want", sorted(w, key=str))
    for lid_, (iid, _) in golden.line_items().items():
        rec = got["line_items"].get(lid_)
        if rec is not None and assoc(rec, "invoices") != {inv.get(iid)}:
            d.add("line item", lid_, "invoices", sorted(assoc(rec, "invoices")), "want",
                  inv.get(iid))
    for cid, rec in got["companies"].items():
        if assoc(rec, "invoices") != invoices_of.get(cid, set()):
            d.add("company", cid, "invoices", len(assoc(rec, "invoices")), "want",
                  len(invoices_of.get(cid, set())))


def _notes(d, golden, notes, ids):
    """Each approved sales credit note is one note on its company, saying what it must."""
    want = golden.notes()
    by_number = {}
    for n in notes:
        facts = note_facts(n["properties"].get("hs_note_body"))
        if facts is None:
            d.add("note", n["id"], "is not a credit note's note:",
                  repr(n["properties"].get("hs_note_body"))[:120])
            continue
        by_number.setdefault(facts["number"], []).append((n, facts))
    out = {}
    for nid, (cid, facts) in sorted(want.items()):
        mine = by_number.pop(facts["number"], [])
        if len(mine) != 1:
            d.add("credit note", facts["number"], "has", len(mine), "notes, want 1")
            continue
        n, have = mine[0]
        out[nid] = str(n["id"])
        for k, v in facts.items():
            if have[k] != v:
                d.add("note of", facts["number"], k, "want", v, "got", have[k])
        if not same(DAY, facts["date"], n["properties"].get("hs_timestamp")):
            d.add("note of", facts["number"], "hs_timestamp", n["properties"].get("hs_timestamp"))
        if assoc(n, "companies") != {ids["companies"].get(cid)}:
            d.add("note of", facts["number"], "companies", sorted(assoc(n, "companies")))
    for number in by_number:
        d.add("note of", number, "is in HubSpot but not expected")
    return out
