"""Document engine of the synthetic Xero organisation (see xero_data.py).

Invoices with line items, credit notes and their allocations, payments, and
the final amounts, statuses and balances that tie them together.  Money is
kept in integer cents and rounded half up per line, as Xero does; floats with
2 decimals appear only in the wire-shaped output.  Keys starting with "_" are
the generator's private bookkeeping; xero_data strips them before returning.
"""

import datetime as dt
import random
import uuid

DAY_MS = 86400000
DEFAULT_NOW = dt.datetime(2026, 8, 1, 9, 30, 0, tzinfo=dt.timezone.utc)
HISTORY_DAYS = 730
BASE_CURRENCY = "NZD"
# foreign units per 1 NZD, and how often a contact trades in that currency
CURRENCIES = [("NZD", 1.0, 82), ("AUD", 0.92, 7), ("USD", 0.60, 6),
              ("GBP", 0.47, 3), ("EUR", 0.55, 2)]

FREE_SALES = ["Call-out fee", "Travel time", "Project management",
              "Freight", "Materials", "Additional labour", "Site survey"]
FREE_BILLS = [("Monthly electricity", "445"), ("Office rent", "469"),
              ("Stationery", "461"), ("Advertising", "400"),
              ("Internet and phone", "489"), ("Courier", "425"),
              ("Stock purchases", "300"), ("Subscriptions", "485")]
REFERENCES = ["", "", "", "PO {n}", "Job {n}", "Order {n}", "Monthly support",
              "Project {n}", "Quote {n}"]
PAY_REFS = ["", "", "Direct credit", "Bank transfer", "Online payment",
            "Cheque {n}", "Card {n}"]


# TaxType: (Name, ReportTaxType, rate percent, sales?, purchases?)
TAX_RATES = [("OUTPUT2", "15% GST on Income", "OUTPUT", 15, True, False),
             ("INPUT2", "15% GST on Expenses", "INPUT", 15, False, True),
             ("NONE", "No GST", "NONE", 0, True, True),
             ("ZERORATED", "Zero Rated", "ZERORATEDOUTPUT", 0, True, False),
             ("GSTONIMPORTS", "GST on Imports", "GSTONIMPORTS", 0, False, True)]
RATE_OF = {t[0]: t[3] for t in TAX_RATES}

INVOICE_PRESTATUS = [("AUTHORISED", 87), ("DRAFT", 5), ("SUBMITTED", 2),
                     ("DELETED", 3), ("VOIDED", 3)]
CREDIT_PRESTATUS = [("AUTHORISED", 82), ("DRAFT", 8), ("SUBMITTED", 2),
                    ("DELETED", 4), ("VOIDED", 4)]


def rhu(num, den):
    """Round num/den half up (num >= 0, den > 0), integers only."""
    return (2 * num + den) // (2 * den)


def money(cents):
    """Integer cents -> float with 2 decimals."""
    return round(cents / 100, 2)


def ms_date(ms):
    """Xero entity date string for epoch milliseconds."""
    return "/Date(%d+0000)/" % ms


def day_string(day):
    """Xero DateString for an epoch day number."""
    return (dt.date(1970, 1, 1) + dt.timedelta(days=day)).isoformat() + "T00:00:00"


def iso_utc(ms):
    """UpdatedDateUTCString form: 2019-03-05T18:59:06Z."""
    t = dt.datetime.fromtimestamp(ms // 1000, dt.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def weighted(rng, table):
    """Pick the first element of a (value, weight) row."""
    return rng.choices([r[0] for r in table], [r[1] for r in table])[0]


class Builder:
    """Holds the random source, clock and lookup tables while generating."""

    def __init__(self, seed, now):
        self.rng = random.Random(seed)
        now = now or DEFAULT_NOW
        if now.tzinfo is None:
            now = now.replace(tzinfo=dt.timezone.utc)
        self.now_ms = int(now.timestamp() * 1000)
        self.today = self.now_ms // DAY_MS
        self.last_day = self.today - 1
        self.accounts = {}
        self.items = []

    def guid(self):
        """Random version-4 GUID from the seeded generator."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def stamp(self, day, lo_h=7, hi_h=19):
        """A millisecond timestamp during working hours of `day`, never after now."""
        ms = day * DAY_MS + self.rng.randrange(lo_h * 3600000, hi_h * 3600000)
        return min(ms, self.now_ms - self.rng.randrange(60000, 3600000))

    def later(self, ms, max_days):
        """A timestamp some time after `ms`, capped just before now."""
        ms += self.rng.randrange(60000, max(120000, max_days * DAY_MS))
        return min(ms, self.now_ms - self.rng.randrange(1000, 60000))

    def past_day(self):
        """An epoch day in the history window, skewed towards recent days."""
        back = int(HISTORY_DAYS * self.rng.random() ** 1.4)
        return self.last_day - back

    def rate_on(self, currency, day):
        """A currency rate (6 dp) for `currency` near its base rate; 1.0 for NZD."""
        base = next(c[1] for c in CURRENCIES if c[0] == currency)
        if currency == BASE_CURRENCY:
            return 1.0
        return round(base * (1 + self.rng.uniform(-0.04, 0.04)), 6)



def pick_pool(b, contacts, kind):
    """(contacts, cumulative weights) usable for ACCREC or ACCPAY documents."""
    want = ("customer", "both") if kind == "ACCREC" else ("supplier", "both")
    pool = [c for c in contacts if c["_role"] in want] or contacts
    cum, total = [], 0.0
    for _ in pool:
        total += min(b.rng.paretovariate(1.16), 60.0)
        cum.append(total)
    return pool, cum


def _line(b, kind, cur, lat, item=None):
    """One line item (dict) plus its (LineAmount, TaxAmount) in cents."""
    rng = b.rng
    roll = rng.random()
    q4 = 10000 if roll < 0.5 else (rng.randrange(2, 21) * 10000 if roll < 0.85 else
                                   rng.choice([2500, 5000, 12500, 15000, 25000, 75000]))
    if kind in ("ACCREC", "ACCRECCREDIT"):
        tax = "ZERORATED" if cur != BASE_CURRENCY else "OUTPUT2"
        if item is None and b.items and rng.random() < 0.6:
            item = rng.choice(b.items)
        if item is not None:
            unit, desc, code = item["_price"], item["Description"], "200"
        else:
            unit = int(10 ** rng.uniform(3.0, 5.2)) // 50 * 50 or 500
            desc, code = rng.choice(FREE_SALES), rng.choice(["200", "200", "260"])
    else:
        tax = "INPUT2"
        desc, code = rng.choice(FREE_BILLS)
        unit = int(10 ** rng.uniform(2.5, 5.0))
    if lat == "NoTax":
        tax = "NONE"
    amount = rhu(q4 * unit, 10000)
    pct = RATE_OF[tax]
    taxc = rhu(amount * pct, 100) if lat == "Exclusive" else rhu(amount * pct, 100 + pct)
    line = {"Description": desc, "UnitAmount": money(unit), "TaxType": tax,
            "TaxAmount": money(taxc), "LineAmount": money(amount), "AccountCode": code,
            "Tracking": [], "Quantity": q4 / 10000, "LineItemID": b.guid(),
            "AccountID": b.accounts[code]}
    if item is not None:
        line["ItemCode"] = item["Code"]
        line["Item"] = {"ItemID": item["ItemID"], "Name": item["Name"], "Code": item["Code"]}
    return line, amount, taxc


def _totals(lat, amounts, taxes):
    """(SubTotal, TotalTax, Total) in cents for line sums under LineAmountTypes."""
    lines, tax = sum(amounts), sum(taxes)
    if lat == "Inclusive":
        return lines - tax, tax, lines
    return lines, tax, lines + tax


def _contact_ref(c):
    """The slim contact summary nested inside documents."""
    return {"ContactID": c["ContactID"], "Name": c["Name"], "Addresses": [],
            "Phones": [], "ContactGroups": [], "ContactPersons": [],
            "HasValidationErrors": False}


def _lat_for(b, cur):
    """LineAmountTypes for a new document in currency `cur`."""
    if cur != BASE_CURRENCY:
        return "Exclusive" if b.rng.random() < 0.8 else "NoTax"
    return weighted(b.rng, [("Exclusive", 75), ("Inclusive", 20), ("NoTax", 5)])


def _fill_lines(doc, b, lines_n):
    """Adds LineItems and SubTotal/TotalTax/Total to an invoice or credit note."""
    amounts, taxes = [], []
    for _ in range(lines_n):
        line, a, t = _line(b, doc["Type"], doc["CurrencyCode"], doc["LineAmountTypes"])
        doc["LineItems"].append(line)
        amounts.append(a)
        taxes.append(t)
    sub, tax, total = _totals(doc["LineAmountTypes"], amounts, taxes)
    doc["SubTotal"], doc["TotalTax"], doc["Total"] = money(sub), money(tax), money(total)
    doc["_total"] = total


def _invoice(b, contact, kind, day):
    """One invoice before payments and credits are applied."""
    rng = b.rng
    cur = contact["_cur"]
    due_day = day + rng.choice([7, 14, 20, 30, 30, 45])
    inv = {"Type": kind, "InvoiceID": b.guid(), "InvoiceNumber": "",
           "Reference": "", "Payments": [], "CreditNotes": [], "Prepayments": [],
           "Overpayments": [], "AmountDue": 0.0, "AmountPaid": 0.0,
           "AmountCredited": 0.0, "CurrencyRate": b.rate_on(cur, day),
           "IsDiscounted": False, "HasAttachments": False, "HasErrors": False,
           "Contact": _contact_ref(contact),
           "DateString": day_string(day), "Date": ms_date(day * DAY_MS),
           "DueDateString": day_string(due_day), "DueDate": ms_date(due_day * DAY_MS),
           "Status": weighted(rng, INVOICE_PRESTATUS),
           "LineAmountTypes": _lat_for(b, cur), "LineItems": [],
           "CurrencyCode": cur, "SentToContact": False,
           "_contact": contact, "_day": day, "_due_day": due_day,
           "_created": b.stamp(day), "_events": [], "_paid": 0, "_credited": 0}
    if kind == "ACCREC":
        ref = rng.choice(REFERENCES)
        inv["Reference"] = ref.format(n=rng.randrange(1000, 9999))
    else:
        inv["InvoiceNumber"] = rng.choice(["", "%d" % rng.randrange(10000, 99999),
                                           "BILL-%d" % rng.randrange(100, 9999)])
    _fill_lines(inv, b, weighted(rng, [(1, 40), (2, 25), (3, 15), (4, 12), (5, 8)]))
    return inv


def make_invoices(b, contacts, count):
    """All invoices, dated and numbered in date order."""
    rng = b.rng
    pools = {k: pick_pool(b, contacts, k) for k in ("ACCREC", "ACCPAY")}
    out = []
    for _ in range(count):
        kind = "ACCREC" if rng.random() < 0.85 else "ACCPAY"
        pool, cum = pools[kind]
        contact = rng.choices(pool, cum_weights=cum)[0]
        out.append(_invoice(b, contact, kind, b.past_day()))
    out.sort(key=lambda i: (i["_day"], i["_created"]))
    n = 0
    for inv in out:
        if inv["Type"] == "ACCREC":
            n += 1
            inv["InvoiceNumber"] = "INV-%05d" % n
    return out


def _credit_note(b, contact, kind, day, invoice=None):
    """One credit note; when `invoice` is given it credits part of one of its lines."""
    rng = b.rng
    cn = {"CreditNoteID": "", "CreditNoteNumber": "", "Payments": [], "ID": "",
          "HasErrors": False, "CurrencyRate": 1.0, "Type": kind, "Reference": "",
          "RemainingCredit": 0.0, "Allocations": [], "HasAttachments": False,
          "Contact": _contact_ref(contact), "DateString": day_string(day),
          "Date": ms_date(day * DAY_MS), "Status": weighted(rng, CREDIT_PRESTATUS),
          "LineAmountTypes": invoice["LineAmountTypes"] if invoice else
          _lat_for(b, contact["_cur"]),
          "LineItems": [], "CurrencyCode": contact["_cur"], "SentToContact": False,
          "_contact": contact, "_day": day, "_created": b.stamp(day), "_events": [],
          "_allocated": 0}
    cn["CreditNoteID"] = cn["ID"] = b.guid()
    cn["CurrencyRate"] = b.rate_on(contact["_cur"], day)
    if invoice is None:
        _fill_lines(cn, b, rng.choice([1, 1, 2]))
        return cn
    src = rng.choice(invoice["LineItems"])
    q = src["Quantity"] if rng.random() < 0.5 else min(src["Quantity"], 1.0)
    unit = rhu(int(round(src["UnitAmount"] * 100)) * rng.choice([100, 100, 50, 25]), 100)
    amount = rhu(int(round(q * 10000)) * unit, 10000)
    pct = RATE_OF[src["TaxType"]]
    lat = cn["LineAmountTypes"]
    taxc = rhu(amount * pct, 100) if lat == "Exclusive" else rhu(amount * pct, 100 + pct)
    line = dict(src, Description="Credit: " + src["Description"], UnitAmount=money(unit),
                Quantity=q, LineAmount=money(amount), TaxAmount=money(taxc),
                LineItemID=b.guid(), Tracking=[])
    if "Item" in src:
        line["Item"] = dict(src["Item"])
    cn["LineItems"].append(line)
    sub, tax, total = _totals(lat, [amount], [taxc])
    cn["SubTotal"], cn["TotalTax"], cn["Total"] = money(sub), money(tax), money(total)
    cn["_total"] = total
    return cn


def _due(inv):
    """Outstanding cents on an invoice so far."""
    return inv["_total"] - inv["_paid"] - inv["_credited"]


def _allocate(b, cn, inv):
    """Allocates as much of credit note `cn` as `inv` can take."""
    amount = min(cn["_total"] - cn["_allocated"], _due(inv))
    if amount <= 0:
        return
    ts = b.later(max(cn["_created"], inv["_created"]), 2)
    inv["_credited"] += amount
    cn["_allocated"] += amount
    inv["_cn_allocs"].append((cn, amount))
    inv["_events"].append((ts, cn["_day"]))
    cn["_events"].append(ts)
    cn["Allocations"].append({
        "AllocationID": b.guid(), "Amount": money(amount), "Date": cn["Date"],
        "Invoice": {"InvoiceID": inv["InvoiceID"], "InvoiceNumber": inv["InvoiceNumber"],
                    "Payments": [], "CreditNotes": [], "Prepayments": [],
                    "Overpayments": [], "IsDiscounted": False, "InvoiceAddresses": [],
                    "HasErrors": False, "InvoicePaymentServices": [], "LineItems": []}})


def make_credit_notes(b, contacts, invoices, count):
    """Credit notes; most AUTHORISED ones credit (part of) an open invoice."""
    rng = b.rng
    open_by_kind = {k: [i for i in invoices if i["Type"] == k and i["Status"] == "AUTHORISED"]
                    for k in ("ACCREC", "ACCPAY")}
    pools = {k: pick_pool(b, contacts, k) for k in ("ACCREC", "ACCPAY")}
    for inv in invoices:
        inv["_cn_allocs"] = []
    out = []
    against = [n < round(count * 0.65) for n in range(count)]
    rng.shuffle(against)
    for n in range(count):
        kind = "ACCRECCREDIT" if rng.random() < 0.9 else "ACCPAYCREDIT"
        cands = open_by_kind[kind[:6]]
        if cands and against[n]:
            inv = rng.choice(cands)
            day = min(inv["_day"] + rng.randrange(1, 60), b.last_day)
            cn = _credit_note(b, inv["_contact"], kind, day, inv)
            if cn["Status"] == "AUTHORISED":
                _allocate(b, cn, inv)
        else:
            pool, cum = pools[kind[:6]]
            cn = _credit_note(b, rng.choices(pool, cum_weights=cum)[0], kind, b.past_day())
        out.append(cn)
    out.sort(key=lambda c: (c["_day"], c["_created"]))
    n = 0
    for cn in out:
        if cn["Type"] == "ACCRECCREDIT":
            n += 1
            cn["CreditNoteNumber"] = "CN-%04d" % n
            cn["Reference"] = rng.choice(["", "", "Returned goods", "Pricing adjustment",
                                          "Goodwill"])
        else:
            cn["CreditNoteNumber"] = rng.choice(["", "SCN-%d" % rng.randrange(100, 9999)])
    return out


def _split(b, target, k):
    """Splits `target` cents into at most k positive parts, earlier ones rounded."""
    parts, rest = [], target
    while len(parts) < k - 1 and rest >= 200:
        part = rhu(rest * b.rng.randrange(20, 60), 100) // 100 * 100
        if not 0 < part < rest:
            break
        parts.append(part)
        rest -= part
    parts.append(rest)
    return parts


def _payment(b, inv, cents, day, status):
    """One payment of `cents` against `inv` on epoch day `day`."""
    rng = b.rng
    cur = inv["CurrencyCode"]
    rate = inv["CurrencyRate"] if rng.random() < 0.7 else b.rate_on(cur, day)
    bank = cents if cur == BASE_CURRENCY else rhu(cents * 1000000, int(round(rate * 1e6)))
    ts = b.stamp(day)
    if status == "DELETED":
        ts = b.later(ts, 20)
    ref = rng.choice(PAY_REFS).format(n=rng.randrange(100000, 999999))
    return {"PaymentID": b.guid(), "Date": ms_date(day * DAY_MS), "BankAmount": money(bank),
            "Amount": money(cents), "Reference": ref, "CurrencyRate": rate,
            "PaymentType": "ACCRECPAYMENT" if inv["Type"] == "ACCREC" else "ACCPAYPAYMENT",
            "Status": status, "UpdatedDateUTC": ms_date(ts),
            "UpdatedDateUTCString": iso_utc(ts), "HasAccount": True,
            "IsReconciled": rng.random() < 0.7,
            "Account": {"AccountID": b.accounts["090"], "Code": "090"},
            "Invoice": {"Type": inv["Type"], "InvoiceID": inv["InvoiceID"],
                        "InvoiceNumber": inv["InvoiceNumber"], "Payments": [],
                        "CreditNotes": [], "Prepayments": [], "Overpayments": [],
                        "IsDiscounted": False, "InvoiceAddresses": [], "HasErrors": False,
                        "InvoicePaymentServices": [], "Contact": dict(inv["Contact"]),
                        "LineItems": [], "CurrencyCode": cur},
            "HasValidationErrors": False, "_ts": ts, "_day": day, "_cents": cents}


def _pay_invoice(b, inv, k, with_deleted):
    """Plans up to k live payments (and maybe one deleted) for one invoice."""
    rng = b.rng
    due = _due(inv)
    target = due
    if rng.random() < 0.12 and due >= 200:
        target = max(1, rhu(due * rng.randrange(10, 90), 100))
    day = max([inv["_day"]] + [e[1] for e in inv["_events"]])
    out = []
    if with_deleted:
        dday = min(day + rng.randrange(0, 30), b.last_day)
        out.append(_payment(b, inv, due, dday, "DELETED"))
        inv["_events"].append((out[-1]["_ts"], dday))
        day = dday
    for cents in _split(b, target, k):
        day = min(day + rng.randrange(0, 40), b.last_day)
        p = _payment(b, inv, cents, day, "AUTHORISED")
        inv["_paid"] += cents
        inv["_payments"].append(p)
        inv["_events"].append((p["_ts"], day))
        out.append(p)
    return out


def make_payments(b, invoices, count):
    """Exactly `count` payments, oldest open invoices paid first (with jitter)."""
    rng = b.rng
    for inv in invoices:
        inv["_payments"] = []
    cands = [i for i in invoices if i["Status"] == "AUTHORISED" and _due(i) > 0]
    cands.sort(key=lambda i: i["_day"] + rng.uniform(0, 120))
    out = []
    for inv in cands:
        left = count - len(out)
        if left <= 0:
            break
        k = min(weighted(rng, [(1, 80), (2, 15), (3, 5)]), left)
        deleted = left > k and rng.random() < 0.03
        out.extend(_pay_invoice(b, inv, k, deleted))
    if len(out) < count:
        raise ValueError("cannot place %d payments on %d open invoices"
                         % (count, len(cands)))
    out.sort(key=lambda p: (p["_day"], p["_ts"]))
    return out


def finish_invoice(b, inv):
    """Final amounts, Status, summaries and UpdatedDateUTC of one invoice."""
    rng = b.rng
    pre, total = inv["Status"], inv["_total"]
    if pre in ("DRAFT", "SUBMITTED"):
        due = total
    elif pre in ("VOIDED", "DELETED"):
        due = 0
        inv["_events"].append((b.later(inv["_created"], 30), inv["_day"]))
    else:
        due = _due(inv)
        inv["Status"] = "PAID" if due == 0 else "AUTHORISED"
        inv["SentToContact"] = inv["Type"] == "ACCREC" and rng.random() < 0.85
    inv["AmountDue"], inv["AmountPaid"] = money(due), money(inv["_paid"])
    inv["AmountCredited"] = money(inv["_credited"])
    inv["Payments"] = [{"PaymentID": p["PaymentID"], "Date": p["Date"], "Amount": p["Amount"],
                        "Reference": p["Reference"], "CurrencyRate": p["CurrencyRate"],
                        "HasAccount": False, "HasValidationErrors": False}
                       for p in inv["_payments"]]
    inv["CreditNotes"] = [{"CreditNoteID": cn["CreditNoteID"],
                           "CreditNoteNumber": cn["CreditNoteNumber"], "ID": cn["ID"],
                           "HasErrors": False, "AppliedAmount": money(amt),
                           "DateString": cn["DateString"], "Date": cn["Date"],
                           "LineItems": [], "Total": cn["Total"]}
                          for cn, amt in inv["_cn_allocs"]]
    updated = max([inv["_created"]] + [e[0] for e in inv["_events"]])
    if rng.random() < 0.1:
        updated = b.later(updated, 10)
    inv["UpdatedDateUTC"] = ms_date(updated)
    inv["UpdatedDateUTCString"] = iso_utc(updated)
    inv["_updated"] = updated
    if inv["Status"] == "PAID":
        inv["FullyPaidOnDate"] = ms_date(max(e[1] for e in inv["_events"]) * DAY_MS)


def finish_credit_note(b, cn):
    """Final RemainingCredit, Status and UpdatedDateUTC of one credit note."""
    pre, total = cn["Status"], cn["_total"]
    if pre in ("VOIDED", "DELETED"):
        remaining = 0
        cn["_events"].append(b.later(cn["_created"], 30))
    else:
        remaining = total - cn["_allocated"]
        if pre == "AUTHORISED":
            cn["Status"] = "PAID" if remaining == 0 else "AUTHORISED"
            cn["SentToContact"] = cn["Type"] == "ACCRECCREDIT" and b.rng.random() < 0.7
    cn["RemainingCredit"] = money(remaining)
    updated = max([cn["_created"]] + cn["_events"])
    cn["UpdatedDateUTC"] = ms_date(updated)
    cn["UpdatedDateUTCString"] = iso_utc(updated)
    cn["_updated"] = updated
    if cn["Status"] == "PAID":
        cn["FullyPaidOnDate"] = cn["Date"]


def balances(b, docs):
    """Contact Balances from its approved invoices and unallocated credit."""
    bal = {"ACCREC": [0, 0], "ACCPAY": [0, 0]}
    for d in docs:
        side = bal[d["Type"][:6]]
        if d["Status"] != "AUTHORISED":
            continue
        if "InvoiceID" in d:
            side[0] += _due(d)
            if d["_due_day"] < b.today:
                side[1] += _due(d)
        else:
            side[0] -= d["_total"] - d["_allocated"]
    return {"AccountsReceivable": {"Outstanding": money(bal["ACCREC"][0]),
                                   "Overdue": money(bal["ACCREC"][1])},
            "AccountsPayable": {"Outstanding": money(bal["ACCPAY"][0]),
                                "Overdue": money(bal["ACCPAY"][1])}}


def settled(doc):
    """True when a document leaves nothing open on its contact."""
    return doc["Status"] in ("PAID", "VOIDED", "DELETED")
