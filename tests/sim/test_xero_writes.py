"""Xero simulator: PUT/POST Contacts, Invoices, Items; validation bodies; Idempotency-Key."""

import uuid
from decimal import Decimal

import pytest

import xero_data


@pytest.fixture
def books(xero):
    """Tenant with tax rates, accounts, items and two contacts from the generator."""
    data = xero_data.generate(5, contacts=2, invoices=0, payments=0, credit_notes=0, items=3)
    xero.seed(TaxRates=data["TaxRates"], Accounts=data["Accounts"], Items=data["Items"], Contacts=data["Contacts"])
    xero.data = data
    return xero


def validation(resp):
    assert resp.status == 400, resp.body
    body = resp.json()
    assert body["ErrorNumber"] == 10 and body["Type"] == "ValidationException"
    assert body["Message"] == "A validation exception occurred"
    return [e["Message"] for el in body["Elements"] for e in el["ValidationErrors"]]


def test_put_contact_creates_and_returns_envelope(books):
    resp = books.api("PUT", "/Contacts", {"Contacts": [{"Name": "Buzz Lightyear", "EmailAddress": "buzz@example.com"}]})
    assert resp.status == 200, resp.body
    made = resp.json()["Contacts"][0]
    assert made["ContactStatus"] == "ACTIVE" and uuid.UUID(made["ContactID"])
    assert made["UpdatedDateUTC"].startswith("/Date(")
    stored = books.ctl("GET", "/_sim/objects/%s/Contacts/%s" % (books.tenant_id, made["ContactID"]))
    assert stored["Name"] == "Buzz Lightyear"


def test_duplicate_contact_name_is_validation_exception(books):
    books.api("PUT", "/Contacts", {"Name": "Buzz Lightyear"})
    msgs = validation(books.api("PUT", "/Contacts", {"Contacts": [{"Name": "buzz lightyear"}]}))
    assert msgs == ["The contact name buzz lightyear is already assigned to another contact. "
                    "The contact name must be unique across all active contacts."]


def test_bad_email_and_missing_name(books):
    msgs = validation(books.api("PUT", "/Contacts", {"Contacts": [{"Name": "A", "EmailAddress": "nope"}, {}]}))
    assert "Email address must be valid." in msgs and len(msgs) == 2


def test_summarize_errors_false_saves_the_valid_ones(books):
    resp = books.api("PUT", "/Contacts?summarizeErrors=false",
                     {"Contacts": [{"Name": "Good One"}, {"Name": "Bad", "EmailAddress": "x"}]})
    assert resp.status == 200
    els = resp.json()["Contacts"]
    assert [e["StatusAttributeString"] for e in els] == ["OK", "ERROR"]
    assert els[1]["ValidationErrors"] == [{"Message": "Email address must be valid."}]
    names = {c["Name"] for c in books.ctl("GET", "/_sim/objects/%s/Contacts" % books.tenant_id)}
    assert "Good One" in names and "Bad" not in names


def test_summarized_failure_saves_nothing(books):
    before = len(books.ctl("GET", "/_sim/objects/%s/Contacts" % books.tenant_id))
    validation(books.api("PUT", "/Contacts", {"Contacts": [{"Name": "Fine"}, {"Name": ""}]}))
    assert len(books.ctl("GET", "/_sim/objects/%s/Contacts" % books.tenant_id)) == before


def test_post_contact_updates_by_id(books):
    cid = books.data["Contacts"][0]["ContactID"]
    resp = books.api("POST", "/Contacts/" + cid, {"Contacts": [{"EmailAddress": "new@example.com"}]})
    assert resp.status == 200
    got = books.api("GET", "/Contacts/" + cid).json()["Contacts"][0]
    assert got["EmailAddress"] == "new@example.com" and got["Name"] == books.data["Contacts"][0]["Name"]
    assert got["UpdatedDateUTC"] != books.data["Contacts"][0]["UpdatedDateUTC"]
    missing = books.api("POST", "/Contacts/" + str(uuid.uuid4()), {"Name": "Ghost"})
    assert validation(missing) == ["The document with the supplied id was not found for this endpoint."]


def test_invalid_json_body(books):
    resp = books.api("PUT", "/Contacts", "{not json", headers={"Content-Type": "application/json"})
    assert resp.status == 400 and resp.json()["Type"] == "PostDataInvalidException"


def test_idempotency_key_replays_the_first_response(books):
    key = {"Idempotency-Key": "create-inv-1"}
    body = {"Invoices": [{"Type": "ACCREC", "Contact": {"ContactID": books.data["Contacts"][0]["ContactID"]},
                          "LineItems": [{"Description": "Work", "Quantity": 1, "UnitAmount": 100}]}]}
    first = books.api("PUT", "/Invoices", body, headers=key)
    again = books.api("PUT", "/Invoices", body, headers=key)
    assert first.status == again.status == 200
    assert first.json()["Invoices"][0]["InvoiceID"] == again.json()["Invoices"][0]["InvoiceID"]
    assert len(books.ctl("GET", "/_sim/objects/%s/Invoices" % books.tenant_id)) == 1
    other = books.api("PUT", "/Invoices", body, headers={"Idempotency-Key": "create-inv-2"})
    assert other.json()["Invoices"][0]["InvoiceID"] != first.json()["Invoices"][0]["InvoiceID"]
    assert books.api("PUT", "/Invoices", body, headers={"Idempotency-Key": "k" * 129}).status == 400


def test_idempotency_key_expires_after_six_minutes_scaled(books):
    books.ctl("POST", "/_sim/time_scale", {"time_scale": 0.0005})  # 360 s -> 0.18 s
    import time

    body = {"Name": "Once"}
    assert books.api("PUT", "/Contacts", body, headers={"Idempotency-Key": "k1"}).status == 200
    assert books.api("PUT", "/Contacts", body, headers={"Idempotency-Key": "k1"}).status == 200
    time.sleep(0.25)
    assert books.api("PUT", "/Contacts", body, headers={"Idempotency-Key": "k1"}).status == 400


def test_invoice_totals_tax_and_number(books):
    item = books.data["Items"][0]
    body = {"Type": "ACCREC", "Contact": {"ContactID": books.data["Contacts"][0]["ContactID"]},
            "Date": "2026-07-01", "DueDate": "2026-07-31T00:00:00", "Status": "AUTHORISED",
            "LineItems": [{"Description": "Hours", "Quantity": 3, "UnitAmount": 33.33, "TaxType": "OUTPUT2"},
                          {"ItemCode": item["Code"], "Quantity": 2}]}
    resp = books.api("PUT", "/Invoices", {"Invoices": [body]})
    assert resp.status == 200, resp.body
    inv = resp.json()["Invoices"][0]
    price = Decimal(str(item["SalesDetails"]["UnitPrice"]))
    sub = Decimal("99.99") + 2 * price
    assert Decimal(str(inv["SubTotal"])) == sub
    tax = Decimal("15.00") + (2 * price * Decimal("0.15")).quantize(Decimal("0.01"))
    assert Decimal(str(inv["TotalTax"])) == tax and Decimal(str(inv["Total"])) == sub + tax
    assert Decimal(str(inv["AmountDue"])) == sub + tax
    assert inv["InvoiceNumber"].startswith("INV-") and inv["DateString"] == "2026-07-01T00:00:00"
    assert inv["Date"] == "/Date(1782864000000+0000)/" and inv["Status"] == "AUTHORISED"
    assert inv["LineItems"][1]["Item"]["Code"] == item["Code"]
    assert list(inv)[:3] == ["Type", "InvoiceID", "InvoiceNumber"]


def test_inclusive_line_amounts(books):
    body = {"Type": "ACCREC", "LineAmountTypes": "Inclusive", "Contact": {"Name": "Walk In"},
            "LineItems": [{"Description": "Thing", "Quantity": 1, "UnitAmount": 115, "TaxType": "OUTPUT2"}]}
    inv = books.api("PUT", "/Invoices", body).json()["Invoices"][0]
    assert (inv["SubTotal"], inv["TotalTax"], inv["Total"]) == (100, 15, 115)
    walk_in = books.api("GET", "/Contacts/" + inv["Contact"]["ContactID"]).json()["Contacts"][0]
    assert walk_in["Name"] == "Walk In" and walk_in["IsCustomer"] is True


def test_invoice_validation_messages(books):
    cid = books.data["Contacts"][0]["ContactID"]
    assert validation(books.api("PUT", "/Invoices", {"Type": "ACCREC", "LineItems": []})) == [
        "The Contact must contain at least 1 of the following elements to identify the contact: "
        "Name, ContactID, ContactNumber"]
    books.api("PUT", "/Invoices", {"Type": "ACCREC", "InvoiceNumber": "X-1", "Contact": {"ContactID": cid}})
    assert validation(books.api("PUT", "/Invoices", {"Type": "ACCREC", "InvoiceNumber": "X-1",
                                                     "Contact": {"ContactID": cid}})) == ["Invoice # must be unique."]
    bad_tax = {"Type": "ACCREC", "Contact": {"ContactID": cid},
               "LineItems": [{"Description": "a", "UnitAmount": 1, "TaxType": "BOGUS"}]}
    assert "BOGUS" in validation(books.api("PUT", "/Invoices", bad_tax))[0]
    bad_item = {"Type": "ACCREC", "Contact": {"ContactID": cid}, "LineItems": [{"ItemCode": "NOPE"}]}
    assert validation(books.api("PUT", "/Invoices", bad_item)) == ["Item code 'NOPE' is not valid"]
    assert validation(books.api("PUT", "/Invoices", {"Type": "ACCREC", "Status": "PAID",
                                                     "Contact": {"ContactID": cid}})) == [
        "Invoice not of valid status for creation"]


def test_invoice_status_transitions(books):
    cid = books.data["Contacts"][0]["ContactID"]
    lines = [{"Description": "a", "Quantity": 1, "UnitAmount": 10}]
    draft = books.api("PUT", "/Invoices", {"Type": "ACCREC", "Contact": {"ContactID": cid},
                                           "LineItems": lines}).json()["Invoices"][0]
    iid = draft["InvoiceID"]
    assert validation(books.api("POST", "/Invoices/" + iid, {"Status": "VOIDED"})) == [
        "Invoice not of valid status for modification"]
    assert books.api("POST", "/Invoices/" + iid, {"Status": "AUTHORISED"}).status == 200
    assert validation(books.api("POST", "/Invoices/" + iid, {"Status": "DELETED"})) == [
        "Invoice not of valid status for modification"]
    voided = books.api("POST", "/Invoices", {"Invoices": [{"InvoiceID": iid, "Status": "VOIDED"}]})
    assert voided.json()["Invoices"][0]["Status"] == "VOIDED"
    other = books.api("PUT", "/Invoices", {"Type": "ACCREC", "Contact": {"ContactID": cid}}).json()
    deleted = books.api("POST", "/Invoices/" + other["Invoices"][0]["InvoiceID"], {"Status": "DELETED"})
    assert deleted.json()["Invoices"][0]["Status"] == "DELETED"


def test_items_code_unique_and_post_updates_by_code(books):
    made = books.api("PUT", "/Items", {"Items": [{"Code": "abc", "Name": "Widget"}]})
    assert made.status == 200 and made.json()["Items"][0]["IsSold"] is True
    assert validation(books.api("PUT", "/Items", {"Items": [{"Code": "abc"}]})) == [
        "Price List Item with Code 'abc' already exists"]
    upd = books.api("POST", "/Items", {"Items": [{"Code": "abc", "Name": "Widget 2",
                                                  "SalesDetails": {"UnitPrice": 12.5}}]})
    assert upd.status == 200 and upd.json()["Items"][0]["ItemID"] == made.json()["Items"][0]["ItemID"]
    assert '"UnitPrice": 12.5000' in books.api("GET", "/Items/abc").text
    assert validation(books.api("PUT", "/Items", {"Name": "no code"})) == ["Item code must be specified."]
    assert validation(books.api("PUT", "/Items", {"Code": "x" * 31})) == [
        "The Item code must be no more than 30 characters long."]
