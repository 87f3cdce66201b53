"""Tests for the synthetic Xero organisation generator (xero_data.py)."""

import collections
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time

import pytest

import openapi_check
import xero_data

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.environ.get("XHSYNC_REFERENCE",
                     os.path.join(HERE, "..", "..", "..", "shared", "reference"))
XERO_SPEC = os.path.join(REF, "xero", "xero_accounting.yaml")
# Real wire fields (present in the recorded live responses under
# reference/xero/recorded) that the OpenAPI spec does not declare.
WIRE_EXTRAS = ("DateString", "DueDateString", "ID", "InvoicePaymentServices")
SCHEMAS = [("Contacts", "Contact"), ("Invoices", "Invoice"), ("Payments", "Payment"),
           ("CreditNotes", "CreditNote"), ("Items", "Item"), ("TaxRates", "TaxRate"),
           ("Accounts", "Account")]
MSDATE = re.compile(r"^/Date\((-?\d+)\+0000\)/$")
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
NOW_MS = int(xero_data.DEFAULT_NOW.timestamp() * 1000)


def cents(x):
    """Float money -> integer cents, refusing values with more than 2 decimals."""
    c = round(x * 100)
    assert abs(c - x * 100) < 1e-6, "not a 2-decimal amount: %r" % x
    return c


def ms(s):
    """Epoch ms of a /Date(...)/ string."""
    m = MSDATE.match(s)
    assert m, "bad Xero date %r" % s
    return int(m.group(1))


@pytest.fixture(scope="module")
def full():
    """The default full-size organisation, and how long it took to build."""
    t0 = time.monotonic()
    org = xero_data.generate()
    return org, time.monotonic() - t0


@pytest.fixture(scope="module")
def org(full):
    return full[0]


@pytest.fixture(scope="module")
def demo():
    return xero_data.demo()


@pytest.fixture(scope="module")
def spec():
    return openapi_check.load_spec(XERO_SPEC)


def test_same_seed_same_output():
    a = xero_data.generate(seed=7, contacts=60, invoices=300, payments=150,
                           credit_notes=20, items=10)
    b = xero_data.generate(seed=7, contacts=60, invoices=300, payments=150,
                           credit_notes=20, items=10)
    c = xero_data.generate(seed=8, contacts=60, invoices=300, payments=150,
                           credit_notes=20, items=10)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert json.dumps(a, sort_keys=True) != json.dumps(c, sort_keys=True)
    assert xero_data.demo(3) == xero_data.demo(3)


def test_full_size_counts_and_speed(full):
    org, seconds = full
    assert seconds < 10, "full-size org took %.1f s" % seconds
    want = {"Contacts": 2000, "Invoices": 10000, "Payments": 6000, "CreditNotes": 300,
            "Items": 100}
    assert {k: len(org[k]) for k in want} == want
    assert org["TaxRates"] and org["Accounts"] and org["Organisation"]["OrganisationID"]


def test_demo_counts_and_variety(demo):
    assert [len(demo[k]) for k in ("Contacts", "Invoices", "Payments", "CreditNotes",
                                   "Items")] == [25, 120, 60, 8, 12]
    assert any(cn["Allocations"] for cn in demo["CreditNotes"])
    statuses = {i["Status"] for i in demo["Invoices"]}
    assert {"AUTHORISED", "PAID"} <= statuses
    assert statuses & {"VOIDED", "DELETED"}
    assert {i["Type"] for i in demo["Invoices"]} == {"ACCREC", "ACCPAY"}


def test_realistic_mix(org):
    inv = org["Invoices"]
    by_status = collections.Counter(i["Status"] for i in inv)
    assert set(by_status) == {"DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED"}
    assert by_status["PAID"] > 0.3 * len(inv) and by_status["AUTHORISED"] > 0.2 * len(inv)
    for rare in ("DRAFT", "SUBMITTED", "VOIDED", "DELETED"):
        assert 0.005 * len(inv) < by_status[rare] < 0.1 * len(inv), rare
    accpay = sum(i["Type"] == "ACCPAY" for i in inv)
    assert 0.05 * len(inv) < accpay < 0.3 * len(inv)
    currencies = collections.Counter(i["CurrencyCode"] for i in inv)
    assert len(currencies) >= 4 and currencies["NZD"] > len(inv) / 2
    assert all(i["CurrencyRate"] == 1.0 for i in inv if i["CurrencyCode"] == "NZD")
    assert all(i["CurrencyRate"] != 1.0 for i in inv if i["CurrencyCode"] != "NZD")
    assert collections.Counter(len(i["LineItems"]) for i in inv).keys() == {1, 2, 3, 4, 5}
    assert any("ItemCode" in li for i in inv for li in i["LineItems"])
    assert any("ItemCode" not in li for i in inv for li in i["LineItems"])
    assert {i["LineAmountTypes"] for i in inv} == {"Exclusive", "Inclusive", "NoTax"}
    contacts = org["Contacts"]
    assert 50 <= sum(c["ContactStatus"] == "ARCHIVED" for c in contacts) <= 200
    assert sum(bool(c["ContactPersons"]) for c in contacts) > 0.2 * len(contacts)
    assert any(c["IsCustomer"] and c["IsSupplier"] for c in contacts)
    assert {p["Status"] for p in org["Payments"]} == {"AUTHORISED", "DELETED"}
    assert {c["Type"] for c in org["CreditNotes"]} == {"ACCRECCREDIT", "ACCPAYCREDIT"}
    assert sum(bool(c["Allocations"]) for c in org["CreditNotes"]) > 50


def test_contact_names_unique_and_shapes(org):
    names = [c["Name"] for c in org["Contacts"]]
    assert len(set(names)) == len(names)
    assert all(len(n) <= 255 for n in names)
    for c in org["Contacts"]:
        assert sorted(a["AddressType"] for a in c["Addresses"]) == ["POBOX", "STREET"]
        assert sorted(p["PhoneType"] for p in c["Phones"]) == ["DDI", "DEFAULT", "FAX",
                                                                 "MOBILE"]
        assert "@" in c["EmailAddress"]


def _all_ids(org):
    """Every GUID id field in the org, with its collection."""
    keys = {"Contacts": "ContactID", "Invoices": "InvoiceID", "Payments": "PaymentID",
            "CreditNotes": "CreditNoteID", "Items": "ItemID", "Accounts": "AccountID"}
    for coll, key in keys.items():
        for o in org[coll]:
            yield o[key]
    for i in org["Invoices"]:
        for li in i["LineItems"]:
            yield li["LineItemID"]
    for c in org["CreditNotes"]:
        for li in c["LineItems"]:
            yield li["LineItemID"]
        for a in c["Allocations"]:
            yield a["AllocationID"]


def test_ids_are_unique_guids(org):
    ids = list(_all_ids(org))
    assert len(ids) == len(set(ids))
    assert all(GUID.match(i) for i in ids)


def test_wire_dates(org):
    day_ms = 86400000
    for coll in ("Invoices", "CreditNotes"):
        for d in org[coll]:
            date = ms(d["Date"])
            assert date % day_ms == 0
            stamp = dt.datetime.fromtimestamp(date / 1000, dt.timezone.utc)
            assert d["DateString"] == stamp.strftime("%Y-%m-%dT00:00:00")
            assert date < ms(d["UpdatedDateUTC"]) + day_ms
            assert d["UpdatedDateUTCString"] == dt.datetime.fromtimestamp(
                ms(d["UpdatedDateUTC"]) // 1000, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    for i in org["Invoices"]:
        assert ms(i["DueDate"]) >= ms(i["Date"])
    for coll in ("Contacts", "Invoices", "Payments", "CreditNotes", "Items", "Accounts"):
        for o in org[coll]:
            assert ms(o["UpdatedDateUTC"]) < NOW_MS, coll


def test_now_moves_everything():
    now = dt.datetime(2025, 1, 15, 12, 0, tzinfo=dt.timezone.utc)
    small = xero_data.generate(seed=2, contacts=20, invoices=80, payments=40,
                               credit_notes=5, items=5, now=now)
    limit = int(now.timestamp() * 1000)
    stamps = [ms(o["UpdatedDateUTC"]) for k in ("Contacts", "Invoices", "Payments")
              for o in small[k]]
    assert max(stamps) < limit
    assert max(stamps) > limit - 30 * 86400000


def _line_cents(lat, li):
    """(LineAmount, TaxAmount) in cents recomputed from one line."""
    amount = round(li["Quantity"] * 10000) * cents(li["UnitAmount"])
    amount = (2 * amount + 10000) // 20000
    pct = xero_data.RATE_OF[li["TaxType"]]
    if lat == "NoTax":
        assert li["TaxType"] == "NONE"
    den = 100 if lat == "Exclusive" else 100 + pct
    return amount, (2 * amount * pct + den) // (2 * den)


def _check_document_totals(doc):
    """Line amounts, tax and SubTotal/TotalTax/Total agree."""
    lat = doc["LineAmountTypes"]
    amounts, taxes = 0, 0
    for li in doc["LineItems"]:
        a, t = _line_cents(lat, li)
        assert cents(li["LineAmount"]) == a
        assert cents(li["TaxAmount"]) == t
        amounts, taxes = amounts + a, taxes + t
    assert cents(doc["TotalTax"]) == taxes
    assert cents(doc["SubTotal"]) + cents(doc["TotalTax"]) == cents(doc["Total"])
    assert cents(doc["Total"]) == (amounts if lat == "Inclusive" else amounts + taxes)
    assert cents(doc["Total"]) > 0


def test_document_totals_consistent(org):
    for doc in org["Invoices"] + org["CreditNotes"]:
        _check_document_totals(doc)


def _sums(org):
    """Live payment and allocation cents per invoice id, from their own collections."""
    paid, credited = collections.Counter(), collections.Counter()
    for p in org["Payments"]:
        if p["Status"] == "AUTHORISED":
            paid[p["Invoice"]["InvoiceID"]] += cents(p["Amount"])
    for cn in org["CreditNotes"]:
        for a in cn["Allocations"]:
            credited[a["Invoice"]["InvoiceID"]] += cents(a["Amount"])
    return paid, credited


def test_invoice_amounts_match_payments_and_credits(org):
    paid, credited = _sums(org)
    for inv in org["Invoices"]:
        iid, total = inv["InvoiceID"], cents(inv["Total"])
        assert cents(inv["AmountPaid"]) == paid[iid] == sum(cents(p["Amount"])
                                                           for p in inv["Payments"])
        assert cents(inv["AmountCredited"]) == credited[iid] == sum(
            cents(c["AppliedAmount"]) for c in inv["CreditNotes"])
        due = cents(inv["AmountDue"])
        if inv["Status"] in ("AUTHORISED", "PAID"):
            assert due == total - paid[iid] - credited[iid] >= 0
            assert (inv["Status"] == "PAID") == (due == 0)
            assert ("FullyPaidOnDate" in inv) == (inv["Status"] == "PAID")
        else:
            assert paid[iid] == credited[iid] == 0
            assert due == (total if inv["Status"] in ("DRAFT", "SUBMITTED") else 0)
            assert "FullyPaidOnDate" not in inv


def test_payments_reference_open_invoices(org):
    invoices = {i["InvoiceID"]: i for i in org["Invoices"]}
    for p in org["Payments"]:
        inv = invoices[p["Invoice"]["InvoiceID"]]
        assert inv["Status"] in ("AUTHORISED", "PAID")
        assert p["PaymentType"] == {"ACCREC": "ACCRECPAYMENT",
                                    "ACCPAY": "ACCPAYPAYMENT"}[inv["Type"]]
        assert p["Invoice"]["InvoiceNumber"] == inv["InvoiceNumber"]
        assert p["Invoice"]["Contact"]["ContactID"] == inv["Contact"]["ContactID"]
        assert p["Invoice"]["CurrencyCode"] == inv["CurrencyCode"]
        assert 0 < cents(p["Amount"]) <= cents(inv["Total"])
        assert ms(inv["Date"]) <= ms(p["Date"]) < NOW_MS
        on_invoice = {x["PaymentID"] for x in inv["Payments"]}
        assert (p["PaymentID"] in on_invoice) == (p["Status"] == "AUTHORISED")
        if inv["CurrencyCode"] == "NZD":
            assert p["BankAmount"] == p["Amount"]
    paid_dates = collections.defaultdict(list)
    for p in org["Payments"]:
        if p["Status"] == "AUTHORISED":
            paid_dates[p["Invoice"]["InvoiceID"]].append(ms(p["Date"]))
    for iid, dates in paid_dates.items():
        inv = invoices[iid]
        if inv["Status"] == "PAID" and not inv["CreditNotes"]:
            assert ms(inv["FullyPaidOnDate"]) == max(dates)


def test_credit_notes_allocations(org):
    invoices = {i["InvoiceID"]: i for i in org["Invoices"]}
    for cn in org["CreditNotes"]:
        allocated = sum(cents(a["Amount"]) for a in cn["Allocations"])
        assert cn["ID"] == cn["CreditNoteID"]
        if cn["Status"] in ("AUTHORISED", "PAID"):
            assert cents(cn["RemainingCredit"]) == cents(cn["Total"]) - allocated >= 0
            assert (cn["Status"] == "PAID") == (cents(cn["RemainingCredit"]) == 0)
        else:
            assert allocated == 0
        for a in cn["Allocations"]:
            inv = invoices[a["Invoice"]["InvoiceID"]]
            assert inv["Type"] == cn["Type"][:6]
            assert inv["Contact"]["ContactID"] == cn["Contact"]["ContactID"]
            assert inv["CurrencyCode"] == cn["CurrencyCode"]
            assert ms(a["Date"]) >= ms(inv["Date"])
            summary = [c for c in inv["CreditNotes"] if c["CreditNoteID"] == cn["CreditNoteID"]]
            assert [cents(s["AppliedAmount"]) for s in summary] == [cents(a["Amount"])]
    numbers = [c["CreditNoteNumber"] for c in org["CreditNotes"] if c["Type"] == "ACCRECCREDIT"]
    assert len(numbers) == len(set(numbers))


def test_contact_balances_and_roles(org):
    docs = collections.defaultdict(list)
    for d in org["Invoices"] + org["CreditNotes"]:
        docs[d["Contact"]["ContactID"]].append(d)
    today = NOW_MS // 86400000 * 86400000
    for c in org["Contacts"]:
        mine = docs[c["ContactID"]]
        assert c["IsCustomer"] == any(d["Type"].startswith("ACCREC") for d in mine)
        assert c["IsSupplier"] == any(d["Type"].startswith("ACCPAY") for d in mine)
        for side, kind in (("AccountsReceivable", "ACCREC"), ("AccountsPayable", "ACCPAY")):
            out = sum(cents(d["AmountDue"]) for d in mine
                      if "InvoiceID" in d and d["Type"] == kind and d["Status"] == "AUTHORISED")
            out -= sum(cents(d["RemainingCredit"]) for d in mine
                       if "CreditNoteID" in d and d["Type"] == kind + "CREDIT"
                       and d["Status"] == "AUTHORISED")
            over = sum(cents(d["AmountDue"]) for d in mine
                       if "InvoiceID" in d and d["Type"] == kind and d["Status"] == "AUTHORISED"
                       and ms(d["DueDate"]) < today)
            assert cents(c["Balances"][side]["Outstanding"]) == out
            assert cents(c["Balances"][side]["Overdue"]) == over
        if c["ContactStatus"] == "ARCHIVED":
            assert all(d["Status"] in ("PAID", "VOIDED", "DELETED") for d in mine)
        for d in mine:
            assert d["Contact"]["Name"] == c["Name"]


def test_invoice_numbers(org):
    accrec = [i for i in org["Invoices"] if i["Type"] == "ACCREC"]
    numbers = [i["InvoiceNumber"] for i in accrec]
    assert len(set(numbers)) == len(numbers)
    assert numbers == sorted(numbers)
    assert [ms(i["Date"]) for i in accrec] == sorted(ms(i["Date"]) for i in accrec)


def _schema_errors(spec, org, sample_every=1):
    """'Collection[i]: error' strings for objects failing their component schema."""
    out = []
    for coll, name in SCHEMAS:
        for n, obj in enumerate(org[coll]):
            if n % sample_every:
                continue
            for e in openapi_check.validate_schema(
                    spec, "#/components/schemas/" + name, obj, strict=True,
                    allow=WIRE_EXTRAS):
                out.append("%s[%d] %s" % (coll, n, e))
    for e in openapi_check.validate_schema(spec, "#/components/schemas/Organisation",
                                           org["Organisation"], strict=True):
        out.append("Organisation " + e)
    return out


def test_demo_objects_match_xero_schemas(spec, demo):
    assert _schema_errors(spec, demo) == []


def test_full_org_sample_matches_xero_schemas(spec, org):
    assert _schema_errors(spec, org, sample_every=25) == []


def test_list_envelopes_match_responses(spec, demo):
    """Whole collections as list responses of the real endpoints."""
    for path, key in (("/Contacts", "Contacts"), ("/Invoices", "Invoices"),
                      ("/Payments", "Payments"), ("/CreditNotes", "CreditNotes"),
                      ("/Items", "Items"), ("/TaxRates", "TaxRates"),
                      ("/Accounts", "Accounts")):
        body = {"Id": "00000000-0000-4000-8000-000000000000", "Status": "OK",
                "ProviderName": "xhsync", "DateTimeUTC": "/Date(1785576600000)/",
                key: demo[key]}
        assert openapi_check.validate_response(spec, path, "get", 200, body) == [], path
    body = {"Organisations": [demo["Organisation"]]}
    assert openapi_check.validate_response(spec, "/Organisation", "get", 200, body) == []


def test_schema_check_catches_broken_objects(spec, demo):
    inv = json.loads(json.dumps(demo["Invoices"][0]))
    inv["Total"] = "12.00"
    inv["Status"] = "OPEN"
    inv["LineItems"][0]["Quantity"] = None
    inv["AmountDeu"] = 1.0
    errs = openapi_check.validate_schema(spec, "#/components/schemas/Invoice", inv,
                                         strict=True, allow=WIRE_EXTRAS)
    text = "\n".join(errs)
    assert len(errs) == 4, text
    for needle in ("$.Total", "$.Status", "$.LineItems[0].Quantity", "AmountDeu"):
        assert needle in text


def test_too_many_payments_is_an_error():
    with pytest.raises(ValueError):
        xero_data.generate(seed=1, contacts=5, invoices=4, payments=50, credit_notes=0,
                           items=1)


def test_empty_org():
    org = xero_data.generate(seed=1, contacts=0, invoices=0, payments=0, credit_notes=0,
                             items=0)
    assert [org[k] for k in ("Contacts", "Invoices", "Payments", "CreditNotes",
                             "Items")] == [[]] * 5


def _cli(*args):
    """Runs xero_data.py with the system Python; returns stdout."""
    proc = subprocess.run([sys.executable, os.path.join(HERE, "xero_data.py")] + list(args),
                          capture_output=True, text=True, timeout=60, check=True)
    return proc.stdout


def test_cli_json_and_summary():
    out = json.loads(_cli("--seed", "3", "--contacts", "6", "--invoices", "20",
                          "--payments", "8", "--credit-notes", "2", "--items", "3"))
    assert out == json.loads(json.dumps(xero_data.generate(3, 6, 20, 8, 2, 3)))
    summary = _cli("--demo", "--summary")
    rows = {line.split()[0]: int(line.split()[1]) for line in summary.splitlines()}
    assert rows["Contacts"] == 25 and rows["Invoices"] == 120 and rows["Payments"] == 60
    assert "PAID" in summary and "ACCREC" in summary
