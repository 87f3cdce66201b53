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

The documents (invoices, credit notes, payments) are built in xero_books.py.

Organisation.OrganisationID doubles as the tenant id (as in Xero, where a
tenant of type ORGANISATION has tenantId == OrganisationID).

CLI: xero_data.py [--seed N] [--contacts N] ... [--demo] [--summary]
"""

import argparse
import collections
import datetime as dt
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from xero_books import (BASE_CURRENCY, CURRENCIES, DAY_MS, DEFAULT_NOW,  # noqa: E402
                        HISTORY_DAYS, RATE_OF, TAX_RATES, Builder, balances,
                        finish_credit_note, finish_invoice, make_credit_notes,
                        make_invoices, make_payments, money, ms_date, rhu, settled,
                        weighted)

__all__ = ["generate", "demo", "summarize", "main", "DEFAULT_NOW", "RATE_OF"]

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
        c["Balances"] = balances(b, mine)
        if all(settled(d) for d in mine):
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
    b = Builder(seed, now)
    org = _organisation(b)
    tax_rates = _tax_rates()
    accounts = _accounts(b)
    item_list = _items(b, items)
    contact_list = _contacts(b, contacts)
    invoice_list = make_invoices(b, contact_list, invoices) if contact_list else []
    cn_list = make_credit_notes(b, contact_list, invoice_list, credit_notes) \
        if contact_list else []
    payment_list = make_payments(b, invoice_list, payments)
    for inv in invoice_list:
        finish_invoice(b, inv)
    for cn in cn_list:
        finish_credit_note(b, cn)
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
