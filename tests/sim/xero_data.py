#!/usr/bin/env python3
"""Deterministic synthetic Xero organisation, in Accounting API wire shape.

generate(seed=1, contacts=2000, invoices=10000, ...) returns
  {"Organisation": {...}, "Contacts": [...], "Invoices": [...], "Payments": [...],
   "CreditNotes": [...], "Items": [...], "TaxRates": [...], "Accounts": [...]}

Every object is shaped as a single-object GET (or a paged list) of the real API
returns it (see ../shared/reference/xero/recorded and examples): PascalCase
keys, GUID ids, "/Date(ms+0000)/" dates (unescaped; the simulator escapes the
slashes on output), money as floats rounded to 2 decimals (the simulator
formats fixed decimals on output).  Amounts are kept consistent: line totals,
SubTotal/TotalTax/Total, payments, credit-note allocations, AmountDue/Paid/
Credited, Status and contact Balances all agree.  The same arguments always
give the same output (one random.Random(seed), fixed default `now`).

Organisation.OrganisationID doubles as the tenant id (as in Xero, where a
tenant of type ORGANISATION has tenantId == OrganisationID).

CLI: xero_data.py [--seed N] [--contacts N] ... [--demo] [--summary]
"""

import argparse
import collections
import datetime as dt
import json
import random
import sys
import uuid

DAY_MS = 86400000
DEFAULT_NOW = dt.datetime(2026, 8, 1, 9, 30, 0, tzinfo=dt.timezone.utc)
HISTORY_DAYS = 730
BASE_CURRENCY = "NZD"
# foreign units per 1 NZD, and how often a contact trades in that currency
CURRENCIES = [("NZD", 1.0, 82), ("AUD", 0.92, 7), ("USD", 0.60, 6),
              ("GBP", 0.47, 3), ("EUR", 0.55, 2)]
COUNTRY_OF = {"NZD": ("New Zealand", ["Auckland", "Wellington", "Christchurch",
                                      "Hamilton", "Tauranga", "Dunedin", "Nelson"]),
              "AUD": ("Australia", ["Sydney", "Melbourne", "Brisbane", "Perth"]),
              "USD": ("United States", ["Seattle", "Austin", "Denver", "Boston"]),
              "GBP": ("United Kingdom", ["London", "Leeds", "Bristol"]),
              "EUR": ("Ireland", ["Dublin", "Cork", "Galway"])}

FIRST = ("Aroha Ben Chloe Daniel Emma Finn Grace Hemi Isla James Kate Liam Mia "
         "Noah Olivia Priya Quinn Rawiri Sofia Tama Uma Vivek Wiremu Xavier "
         "Yuki Zoe Ana Mele Sione Hannah Oscar Ruby Jack Lucy Tom").split()
LAST = ("Smith Williams Brown Wilson Taylor Anderson Thomas Walker Ngata Patel "
        "Chen Singh Harris Martin King Wright Clarke Robinson Thompson Young "
        "Tane Kaur Nguyen Murphy Kelly Campbell Stewart Scott Morris Cooper "
        "Parata Fraser Reid Hughes Bell Ward").split()
ADJ = ("Bayside Kowhai Summit Harbour Coastal Southern Northern Golden Silver "
       "Red Blue Green Alpine Kauri Rimu Totara Pacific Central Urban Rural "
       "Bright Swift Clever Open Pure Fern Tui Kea Ruru Manuka").split()
NOUN = ("Plumbing Design Builders Consulting Media Logistics Foods Motors "
        "Software Electrical Landscapes Coffee Print Studio Health Dental "
        "Marine Timber Fitness Legal Accounting Events Bakery Brewing Cycles "
        "Solar Security Cleaning Travel Imports").split()
SUFFIX = ["Ltd", "Limited", "Co", "Group", "& Co", "Partners", "Holdings", "NZ Ltd"]
STREETS = ("Queen Victoria George Princes Ponsonby Cuba Lambton Riccarton "
           "Karangahape Dominion Great-North Marine Station Church").split()
STREET_KIND = ["Street", "Road", "Avenue", "Terrace", "Parade", "Lane"]
ITEM_KIND = [("Consulting", "hour", 95, 220), ("Installation", "job", 150, 900),
             ("Support plan", "month", 49, 499), ("Training", "session", 120, 650),
             ("Widget", "unit", 8, 60), ("Cable kit", "unit", 12, 45),
             ("Licence", "seat", 15, 120), ("Design", "hour", 80, 180),
             ("Maintenance", "visit", 90, 350), ("Spare part", "unit", 5, 75)]
ITEM_GRADE = ["Standard", "Pro", "Premium", "Basic", "Plus", "Lite", "XL", "Mini"]
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
# Code, Name, Type, Class, TaxType, extra fields
ACCOUNTS = [
    ("090", "Business Bank Account", "BANK", "ASSET", "NONE",
     {"BankAccountNumber": "0211110123456000", "BankAccountType": "BANK",
      "CurrencyCode": BASE_CURRENCY, "EnablePaymentsToAccount": False}),
    ("200", "Sales", "REVENUE", "REVENUE", "OUTPUT2", {}),
    ("260", "Other Revenue", "REVENUE", "REVENUE", "OUTPUT2", {}),
    ("300", "Purchases", "DIRECTCOSTS", "EXPENSE", "INPUT2", {}),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "EXPENSE", "INPUT2", {}),
    ("400", "Advertising", "OVERHEADS", "EXPENSE", "INPUT2", {}),
    ("425", "Freight & Courier", "OVERHEADS", "EXPENSE", "INPUT2", {}),
    ("445", "Light, Power, Heating", "OVERHEADS", "EXPENSE", "INPUT2", {}),
    ("461", "Printing & Stationery", "OVERHEADS", "EXPENSE", "INPUT2", {}),
    ("469", "Rent", "OVERHEADS", "EXPENSE", "INPUT2", {}),
    ("485", "Subscriptions", "OVERHEADS", "EXPENSE", "INPUT2", {}),
    ("489", "Telephone & Internet", "OVERHEADS", "EXPENSE", "INPUT2", {}),
    ("610", "Accounts Receivable", "CURRENT", "ASSET", "NONE",
     {"SystemAccount": "DEBTORS"}),
    ("630", "Inventory", "INVENTORY", "ASSET", "NONE", {}),
    ("800", "Accounts Payable", "CURRLIAB", "LIABILITY", "NONE",
     {"SystemAccount": "CREDITORS"}),
    ("820", "GST", "CURRLIAB", "LIABILITY", "NONE", {"SystemAccount": "GST"}),
]
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


class _Builder:
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


def _organisation(b):
    """The Organisation object (GET /Organisation returns it in a list)."""
    rng = b.rng
    name = "%s %s Ltd" % (rng.choice(ADJ), rng.choice(NOUN))
    created = b.now_ms - (HISTORY_DAYS + 400) * DAY_MS
    return {
        "APIKey": "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                          for _ in range(30)),
        "Name": name, "LegalName": name, "PaysTax": True, "Version": "NZ",
        "OrganisationType": "COMPANY", "BaseCurrency": BASE_CURRENCY,
        "CountryCode": "NZ", "IsDemoCompany": False, "OrganisationStatus": "ACTIVE",
        "TaxNumber": "%03d-%03d-%03d" % (rng.randrange(1000), rng.randrange(1000),
                                         rng.randrange(1000)),
        "FinancialYearEndDay": 31, "FinancialYearEndMonth": 3,
        "SalesTaxBasis": "INVOICE", "SalesTaxPeriod": "TWOMONTHS",
        "DefaultSalesTax": "Tax Exclusive", "DefaultPurchasesTax": "Tax Exclusive",
        "CreatedDateUTC": "/Date(%d)/" % created,
        "OrganisationEntityType": "COMPANY", "Timezone": "NEWZEALANDSTANDARDTIME",
        "ShortCode": "!" + "".join(rng.choice("abcdefghjkmnpqrstuvwxyz0123456789")
                                   for _ in range(5)),
        "OrganisationID": b.guid(), "Edition": "BUSINESS", "Class": "PREMIUM",
        "LineOfBusiness": "Professional services",
        "Addresses": [{"AddressType": "STREET", "AddressLine1": "12 Queen Street",
                       "City": "Auckland", "Region": "", "PostalCode": "1010",
                       "Country": "New Zealand", "AttentionTo": ""}],
        "Phones": [{"PhoneType": "OFFICE", "PhoneNumber": "555 0100",
                    "PhoneAreaCode": "09", "PhoneCountryCode": "64"}],
        "ExternalLinks": [], "PaymentTerms": {},
    }


def _tax_rates():
    """The organisation's TaxRates list (NZ GST set)."""
    out = []
    for ttype, name, report, pct, sales, purch in TAX_RATES:
        out.append({
            "Name": name, "TaxType": ttype, "ReportTaxType": report,
            "CanApplyToAssets": True, "CanApplyToEquity": True,
            "CanApplyToExpenses": purch, "CanApplyToLiabilities": True,
            "CanApplyToRevenue": sales, "DisplayTaxRate": float(pct),
            "EffectiveRate": float(pct), "Status": "ACTIVE",
            "TaxComponents": [{"Name": "GST", "Rate": float(pct),
                               "IsCompound": False, "IsNonRecoverable": False}],
        })
    return out


def _accounts(b):
    """Chart of accounts; also fills b.accounts (code -> AccountID)."""
    out = []
    for code, name, atype, aclass, tax, extra in ACCOUNTS:
        acc = {"AccountID": b.guid(), "Code": code, "Name": name, "Status": "ACTIVE",
               "Type": atype, "TaxType": tax, "Class": aclass,
               "EnablePaymentsToAccount": False, "ShowInExpenseClaims": aclass == "EXPENSE",
               "BankAccountType": "", "ReportingCode": aclass[:3],
               "ReportingCodeName": aclass.title(), "HasAttachments": False,
               "UpdatedDateUTC": ms_date(b.now_ms - (HISTORY_DAYS + 300) * DAY_MS
                                         + b.rng.randrange(DAY_MS)),
               "AddToWatchlist": code == "090"}
        acc.update(extra)
        b.accounts[code] = acc["AccountID"]
        out.append(acc)
    return out


def _items(b, count):
    """Items (products and services) with sales and some purchase details."""
    out = []
    for i in range(count):
        kind, unit, lo, hi = b.rng.choice(ITEM_KIND)
        grade = b.rng.choice(ITEM_GRADE)
        price = b.rng.randrange(lo, hi + 1) * 100 + b.rng.choice([0, 0, 50, 95])
        code = "%s-%s-%03d" % (kind[:4].upper().strip(), grade[:3].upper(), i + 1)
        name = "%s %s (per %s)" % (grade, kind, unit)
        tracked = unit == "unit" and b.rng.random() < 0.5
        item = {"ItemID": b.guid(), "Code": code,
                "Description": "%s %s, charged per %s" % (grade, kind.lower(), unit),
                "UpdatedDateUTC": ms_date(b.stamp(b.past_day() - HISTORY_DAYS // 3)),
                "PurchaseDetails": {},
                "SalesDetails": {"UnitPrice": money(price), "AccountCode": "200",
                                 "TaxType": "OUTPUT2"},
                "Name": name, "IsTrackedAsInventory": tracked, "IsSold": True,
                "IsPurchased": unit == "unit", "_price": price}
        if unit == "unit":
            cost = rhu(price * b.rng.randrange(45, 75), 100)
            item["PurchaseDescription"] = "%s %s (wholesale)" % (grade, kind.lower())
            item["PurchaseDetails"] = {"UnitPrice": money(cost), "AccountCode": "300",
                                       "TaxType": "INPUT2"}
        if tracked:
            qty = b.rng.randrange(0, 400)
            item["PurchaseDetails"] = {"UnitPrice": item["PurchaseDetails"]["UnitPrice"],
                                       "COGSAccountCode": "310", "TaxType": "INPUT2"}
            item["InventoryAssetAccountCode"] = "630"
            item["QuantityOnHand"] = float(qty)
            item["TotalCostPool"] = money(qty * cost)
        out.append(item)
    b.items = out
    return out


def _company_name(b, used):
    """A unique realistic contact name (company or person)."""
    rng = b.rng
    for _ in range(50):
        roll = rng.random()
        if roll < 0.15:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            name = "%s %s" % (first, last)
        elif roll < 0.35:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            name = "%s & %s %s" % (last, rng.choice(LAST), rng.choice(SUFFIX))
        else:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            name = "%s %s %s" % (rng.choice(ADJ), rng.choice(NOUN), rng.choice(SUFFIX))
        if name not in used:
            used.add(name)
            return name, first, last, roll < 0.15
    name = "%s %d" % (name, len(used) + 1)
    used.add(name)
    return name, first, last, False


def _slug(text):
    """Lower-case letters and digits only, for made-up e-mail domains."""
    return "".join(ch for ch in text.lower() if ch.isalnum())[:24] or "mail"


def _address(b, atype, country, cities, filled):
    """One Address; unfilled ones are the bare stubs Xero returns."""
    if not filled:
        return {"AddressType": atype}
    rng = b.rng
    line1 = ("PO Box %d" % rng.randrange(100, 99999) if atype == "POBOX" else
             "%d %s %s" % (rng.randrange(1, 400), rng.choice(STREETS),
                           rng.choice(STREET_KIND)))
    return {"AddressType": atype, "AddressLine1": line1, "City": rng.choice(cities),
            "Region": "", "PostalCode": "%04d" % rng.randrange(1000, 9999),
            "Country": country, "AttentionTo": ""}


def _phones(b, individual):
    """The four phone slots Xero always returns; some filled."""
    rng = b.rng
    out = []
    for ptype in ("DDI", "DEFAULT", "FAX", "MOBILE"):
        filled = (ptype == "DEFAULT" and not individual) or \
                 (ptype == "MOBILE" and rng.random() < 0.5)
        ph = {"PhoneType": ptype}
        if filled:
            ph.update({"PhoneNumber": "%03d %04d" % (rng.randrange(200, 999),
                                                     rng.randrange(10000)),
                       "PhoneAreaCode": "021" if ptype == "MOBILE" else
                       rng.choice(["09", "04", "03", "07"]),
                       "PhoneCountryCode": "64"})
        out.append(ph)
    return out


def _contacts(b, count):
    """Contacts with roles, currency, persons, addresses and phones."""
    rng = b.rng
    used = set()
    out = []
    for i in range(count):
        name, first, last, individual = _company_name(b, used)
        cur = weighted(rng, [(c[0], c[2]) for c in CURRENCIES])
        country, cities = COUNTRY_OF[cur]
        domain = ("%s.co.nz" % _slug(name)) if not individual else rng.choice(
            ["xtra.co.nz", "gmail.com", "outlook.com"])
        c = {"ContactID": b.guid(), "ContactStatus": "ACTIVE", "Name": name,
             "FirstName": first, "LastName": last,
             "EmailAddress": "%s.%s@%s" % (first.lower(), last.lower(), domain),
             "BankAccountDetails": "",
             "Addresses": [_address(b, "POBOX", country, cities, rng.random() < 0.3),
                           _address(b, "STREET", country, cities, rng.random() < 0.85)],
             "Phones": _phones(b, individual), "ContactGroups": [],
             "IsSupplier": False, "IsCustomer": False,
             "SalesDefaultLineAmountType": "EXCLUSIVE",
             "PurchasesDefaultLineAmountType": "INCLUSIVE",
             "ContactPersons": [], "HasAttachments": False, "HasValidationErrors": False}
        if rng.random() < 0.3:
            c["ContactNumber"] = "C%05d" % (i + 1)
        if rng.random() < 0.4:
            c["AccountNumber"] = "AC-%04d" % (i + 1)
        if not individual and rng.random() < 0.5:
            c["TaxNumber"] = "%03d-%03d-%03d" % (rng.randrange(1000), rng.randrange(1000),
                                                 rng.randrange(1000))
        if cur != BASE_CURRENCY:
            c["DefaultCurrency"] = cur
        for _ in range(0 if individual else rng.choice([0, 0, 1, 1, 2, 3])):
            pf, pl = rng.choice(FIRST), rng.choice(LAST)
            c["ContactPersons"].append({"FirstName": pf, "LastName": pl,
                                        "EmailAddress": "%s.%s@%s" % (pf.lower(),
                                                                      pl.lower(), domain),
                                        "IncludeInEmails": rng.random() < 0.6})
        role = rng.random()
        c["_role"] = "both" if role < 0.08 else ("supplier" if role < 0.2 else "customer")
        c["_cur"] = cur
        out.append(c)
    if count >= 2:
        out[0]["_role"], out[1]["_role"] = "customer", "supplier"
    return out


def _pick_pool(b, contacts, kind):
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


def _invoices(b, contacts, count):
    """All invoices, dated and numbered in date order."""
    rng = b.rng
    pools = {k: _pick_pool(b, contacts, k) for k in ("ACCREC", "ACCPAY")}
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


def _credit_notes(b, contacts, invoices, count):
    """Credit notes; most AUTHORISED ones credit (part of) an open invoice."""
    rng = b.rng
    open_by_kind = {k: [i for i in invoices if i["Type"] == k and i["Status"] == "AUTHORISED"]
                    for k in ("ACCREC", "ACCPAY")}
    pools = {k: _pick_pool(b, contacts, k) for k in ("ACCREC", "ACCPAY")}
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


def _payments(b, invoices, count):
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


def _finish_invoice(b, inv):
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


def _finish_credit_note(b, cn):
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


def _balances(b, docs):
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


def _settled(doc):
    """True when a document leaves nothing open on its contact."""
    return doc["Status"] in ("PAID", "VOIDED", "DELETED")


def _finish_contacts(b, contacts, invoices, credit_notes):
    """Roles, created/updated times, archiving and Balances of every contact."""
    rng = b.rng
    docs = collections.defaultdict(list)
    for d in invoices + credit_notes:
        docs[d["_contact"]["ContactID"]].append(d)
    eligible = []
    for c in contacts:
        mine = docs[c["ContactID"]]
        c["IsCustomer"] = any(d["Type"].startswith("ACCREC") for d in mine)
        c["IsSupplier"] = any(d["Type"].startswith("ACCPAY") for d in mine)
        first = min([d["_day"] for d in mine], default=b.past_day() + 1)
        c["_created"] = b.stamp(first - rng.randrange(1, 60))
        c["_last"] = max([c["_created"]] + [d["_updated"] for d in mine])
        c["Balances"] = _balances(b, mine)
        if all(_settled(d) for d in mine):
            eligible.append(c)
    archived = {id(c) for c in rng.sample(eligible, min(len(eligible), len(contacts) // 20))}
    for c in contacts:
        updated = c["_created"]
        if id(c) in archived:
            c["ContactStatus"] = "ARCHIVED"
            updated = b.later(c["_last"], 90)
        elif rng.random() < 0.35:
            updated = b.later(updated, 365)
        c["UpdatedDateUTC"] = ms_date(updated)


def _strip(objs):
    """Removes the generator's private '_' keys in place."""
    for o in objs:
        for k in [k for k in o if k.startswith("_")]:
            del o[k]


def generate(seed=1, contacts=2000, invoices=10000, payments=6000, credit_notes=300,
             items=100, now=None):
    """A whole synthetic organisation; same arguments give the same result."""
    b = _Builder(seed, now)
    org = _organisation(b)
    tax_rates = _tax_rates()
    accounts = _accounts(b)
    item_list = _items(b, items)
    contact_list = _contacts(b, contacts)
    invoice_list = _invoices(b, contact_list, invoices) if contact_list else []
    cn_list = _credit_notes(b, contact_list, invoice_list, credit_notes) \
        if contact_list else []
    payment_list = _payments(b, invoice_list, payments)
    for inv in invoice_list:
        _finish_invoice(b, inv)
    for cn in cn_list:
        _finish_credit_note(b, cn)
    _finish_contacts(b, contact_list, invoice_list, cn_list)
    contact_list.sort(key=lambda c: c["Name"])
    for group in (item_list, contact_list, invoice_list, cn_list, payment_list):
        _strip(group)
    return {"Organisation": org, "Contacts": contact_list, "Invoices": invoice_list,
            "Payments": payment_list, "CreditNotes": cn_list, "Items": item_list,
            "TaxRates": tax_rates, "Accounts": accounts}


def demo(seed=1):
    """A small organisation for demo mode and quick tests."""
    return generate(seed=seed, contacts=25, invoices=120, payments=60, credit_notes=8,
                    items=12)


def summarize(org):
    """{collection: {"total": n, "by_status": {...}, "by_type": {...}}}."""
    keys = {"Contacts": ("ContactStatus", None), "Invoices": ("Status", "Type"),
            "Payments": ("Status", "PaymentType"), "CreditNotes": ("Status", "Type"),
            "Items": (None, None), "TaxRates": ("Status", None),
            "Accounts": ("Status", "Type")}
    out = {}
    for name, (status, kind) in keys.items():
        objs = org[name]
        row = {"total": len(objs)}
        if status:
            row["by_status"] = dict(sorted(collections.Counter(o[status] for o in objs).items()))
        if kind:
            row["by_type"] = dict(sorted(collections.Counter(o[kind] for o in objs).items()))
        out[name] = row
    return out


def _parse_args(argv):
    """Command-line options."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--contacts", type=int, default=2000)
    ap.add_argument("--invoices", type=int, default=10000)
    ap.add_argument("--payments", type=int, default=6000)
    ap.add_argument("--credit-notes", type=int, default=300)
    ap.add_argument("--items", type=int, default=100)
    ap.add_argument("--now", help="ISO timestamp (UTC) used as the present")
    ap.add_argument("--demo", action="store_true", help="the small demo organisation")
    ap.add_argument("--summary", action="store_true", help="print counts, not JSON")
    ap.add_argument("--indent", type=int, default=None)
    return ap.parse_args(argv)


def main(argv=None):
    """CLI entry point: JSON organisation (or a summary) on stdout."""
    a = _parse_args(argv)
    now = dt.datetime.fromisoformat(a.now) if a.now else None
    if a.demo:
        org = generate(a.seed, 25, 120, 60, 8, 12, now=now)
    else:
        org = generate(a.seed, a.contacts, a.invoices, a.payments, a.credit_notes,
                       a.items, now=now)
    if not a.summary:
        json.dump(org, sys.stdout, indent=a.indent)
        sys.stdout.write("\n")
        return 0
    for name, row in summarize(org).items():
        parts = ["%s %d" % kv for kv in row.get("by_status", {}).items()]
        parts += ["%s %d" % kv for kv in row.get("by_type", {}).items()]
        print("%-12s %6d  %s" % (name, row["total"], ", ".join(parts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
