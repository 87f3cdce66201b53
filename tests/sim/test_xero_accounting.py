"""Xero simulator: Accounting API reads, filters, paging, wire format and error shapes."""

import datetime
import re
import uuid

import pytest

import xero_data

NOT_FOUND_TEXT = "The resource you're looking for cannot be found"
BASE_MS = 1580991463202  # 2020-02-06T12:17:43.202Z


def contact(i, **extra):
    obj = {"ContactID": str(uuid.UUID(int=i + 1)), "Name": "Contact %04d" % i, "ContactStatus": "ACTIVE",
           "EmailAddress": "c%d@example.com" % i, "UpdatedDateUTC": "/Date(%d+0000)/" % (BASE_MS + i * 1000)}
    obj.update(extra)
    return obj


def invoice(i, contact_id, **extra):
    obj = {"Type": "ACCREC", "InvoiceID": str(uuid.UUID(int=10_000 + i)), "InvoiceNumber": "INV-%04d" % i,
           "Contact": {"ContactID": contact_id, "Name": "x"}, "Status": "AUTHORISED",
           "LineAmountTypes": "Exclusive", "Date": "/Date(1563753600000+0000)/",
           "LineItems": [{"Description": "Monthly electricity", "UnitAmount": 89, "Quantity": 1,
                          "LineAmount": 89, "TaxAmount": 11.61, "TaxType": "OUTPUT2",
                          "LineItemID": str(uuid.UUID(int=20_000 + i))}],
           "SubTotal": 77.39, "TotalTax": 11.61, "Total": 89, "AmountDue": 89, "AmountPaid": 0,
           "CurrencyRate": 1, "CurrencyCode": "NZD",
           "UpdatedDateUTC": "/Date(%d+0000)/" % (BASE_MS + i * 1000)}
    obj.update(extra)
    return obj


@pytest.fixture
def org(xero):
    """A tenant with 250 contacts and 120 invoices."""
    contacts = [contact(i) for i in range(250)]
    contacts[3]["ContactStatus"] = "ARCHIVED"
    invoices = [invoice(i, contacts[i % 7]["ContactID"]) for i in range(120)]
    for i in range(0, 120, 4):
        invoices[i]["Type"] = "ACCPAY"
    for i in range(0, 120, 5):
        invoices[i]["Status"] = "PAID"
    invoices[7]["Status"] = "VOIDED"
    xero.seed(Contacts=contacts, Invoices=invoices)
    xero.contacts, xero.invoices = contacts, invoices
    return xero


def items_of(resp, kind):
    assert resp.status == 200, resp.body
    return resp.json()[kind]


def test_get_by_id_and_by_number(org):
    inv = org.invoices[5]
    by_id = items_of(org.api("GET", "/Invoices/" + inv["InvoiceID"]), "Invoices")
    assert [i["InvoiceID"] for i in by_id] == [inv["InvoiceID"]]
    assert by_id[0]["LineItems"][0]["LineItemID"] == inv["LineItems"][0]["LineItemID"]
    by_no = items_of(org.api("GET", "/Invoices/INV-0005"), "Invoices")
    assert by_no[0]["InvoiceID"] == inv["InvoiceID"]
    assert items_of(org.api("GET", "/Contacts/" + org.contacts[1]["ContactID"].upper()), "Contacts")


def test_unknown_id_is_404_text(org):
    resp = org.api("GET", "/Invoices/" + str(uuid.uuid4()))
    assert resp.status == 404 and resp.text == NOT_FOUND_TEXT
    assert resp.header("Content-Type").startswith("text/html")
    assert org.api("GET", "/NoSuchThing").status == 404


def test_envelope_and_correlation_id(org):
    resp = org.api("GET", "/Contacts?page=1")
    body = resp.json()
    assert body["Id"] == resp.header("Xero-Correlation-Id") and body["Status"] == "OK"
    assert body["ProviderName"] == "xhsync"
    assert re.fullmatch(r"/Date\(\d+\)/", body["DateTimeUTC"])
    assert resp.header("Content-Type") == "application/json; charset=utf-8"
    assert resp.header("Cache-Control") == "max-age=0, no-cache, no-store"


def test_wire_format_escaped_dates_fixed_decimals_crlf(org):
    raw = org.api("GET", "/Invoices/" + org.invoices[1]["InvoiceID"]).text
    assert '"UpdatedDateUTC": "\\/Date(%d+0000)\\/"' % (BASE_MS + 1000) in raw
    assert '"DateTimeUTC": "\\/Date(' in raw
    assert '"Total": 89.00' in raw and '"TotalTax": 11.61' in raw and '"AmountPaid": 0.00' in raw
    assert '"CurrencyRate": 1.000000' in raw and '"Quantity": 1.0000' in raw and '"UnitAmount": 89.00' in raw
    assert "\r\n  \"Id\": " in raw and "\n" not in raw.replace("\r\n", "")
    four = org.api("GET", "/Invoices/" + org.invoices[1]["InvoiceID"] + "?unitdp=4").text
    assert '"UnitAmount": 89.0000' in four


def test_ids_filter_and_limit(org):
    ids = [c["ContactID"] for c in org.contacts[:50]]
    got = items_of(org.api("GET", "/Contacts?IDs=" + ",".join(ids)), "Contacts")
    assert {c["ContactID"] for c in got} == set(ids)
    too_many = org.api("GET", "/Contacts?IDs=" + ",".join(c["ContactID"] for c in org.contacts[:51]))
    assert too_many.status == 404 and too_many.text == NOT_FOUND_TEXT
    inv_ids = ",".join(i["InvoiceID"] for i in org.invoices[:51])
    assert org.api("GET", "/Invoices?page=1&IDs=" + inv_ids).status == 404


def test_paging_with_pagination_object(org):
    first = org.api("GET", "/Contacts?page=1&includeArchived=true").json()
    assert first["pagination"] == {"page": 1, "pageSize": 100, "pageCount": 3, "itemCount": 250}
    assert len(first["Contacts"]) == 100
    third = org.api("GET", "/Contacts?page=3&includeArchived=true").json()
    assert len(third["Contacts"]) == 50 and third["pagination"]["page"] == 3
    assert org.api("GET", "/Contacts?page=4&includeArchived=true").json()["Contacts"] == []
    seen = {c["ContactID"] for p in (1, 2, 3)
            for c in org.api("GET", "/Contacts?includeArchived=true&page=%d" % p).json()["Contacts"]}
    assert len(seen) == 250


def test_page_size_max_1000(org):
    big = org.api("GET", "/Contacts?page=1&pageSize=1000&includeArchived=true").json()
    assert len(big["Contacts"]) == 250 and big["pagination"]["pageCount"] == 1
    over = org.api("GET", "/Contacts?page=1&pageSize=5000").json()
    assert over["pagination"]["pageSize"] == 1000
    small = org.api("GET", "/Invoices?page=2&pageSize=50").json()
    assert small["pagination"] == {"page": 2, "pageSize": 50, "pageCount": 3, "itemCount": 120}


def test_unpaged_invoice_list_omits_line_items(org):
    body = org.api("GET", "/Invoices").json()
    assert "pagination" not in body and len(body["Invoices"]) == 120
    assert all(i["LineItems"] == [] for i in body["Invoices"])
    paged = org.api("GET", "/Invoices?page=1").json()["Invoices"]
    assert all(len(i["LineItems"]) == 1 for i in paged)


def test_items_accounts_taxrates_organisation_not_paged(xero):
    data = xero_data.generate(3, contacts=5, invoices=5, payments=2, credit_notes=1, items=7)
    xero.seed(Items=data["Items"], Accounts=data["Accounts"], TaxRates=data["TaxRates"])
    items = xero.api("GET", "/Items?page=1").json()
    assert "pagination" not in items and len(items["Items"]) == 7
    assert '"UnitPrice": ' in xero.api("GET", "/Items").text
    assert len(items_of(xero.api("GET", "/Accounts"), "Accounts")) == len(data["Accounts"])
    assert len(items_of(xero.api("GET", "/TaxRates"), "TaxRates")) == len(data["TaxRates"])
    orgs = items_of(xero.api("GET", "/Organisation"), "Organisations")
    assert orgs[0]["OrganisationID"] == xero.tenant_id and orgs[0]["Name"] == "Test Org"


def iso(ms, fmt):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime(fmt)


@pytest.mark.parametrize("header", [
    "2020-02-06T12:18:43.202Z",  # xero-node toISOString
    "2020-02-06T12:18:43",  # Nango: no ms, no Z
    "2020-02-06T12:18:43.202",  # no zone
    "2020-02-06T12:18:43.202000+00:00",  # python isoformat
    "2020-02-06T04:18:43.202-08:00",  # spec example form with offset
    "Thu, 06 Feb 2020 12:18:43 GMT",  # RFC 1123
])
def test_if_modified_since_iso_forms(org, header):
    # Contact i was updated at BASE_MS + i s; 12:18:43 is i == 60.
    got = items_of(org.api("GET", "/Contacts?page=1&pageSize=1000", headers={"If-Modified-Since": header}),
                   "Contacts")
    names = sorted(c["Name"] for c in got)
    assert names[0] == "Contact 0060" and len(got) == 190


def test_if_modified_since_accurate_to_the_second(org):
    # Contact 60 was updated at 12:18:43.202; asking from 12:18:43.900 still returns it.
    got = items_of(org.api("GET", "/Contacts", headers={"If-Modified-Since": "2020-02-06T12:18:43.900Z"}),
                   "Contacts")
    assert min(c["Name"] for c in got) == "Contact 0060"
    later = items_of(org.api("GET", "/Contacts", headers={"If-Modified-Since": "2020-02-06T12:18:44Z"}),
                     "Contacts")
    assert min(c["Name"] for c in later) == "Contact 0061"
    assert org.api("GET", "/Contacts", headers={"If-Modified-Since": "2030-01-01T00:00:00Z"}).json()[
        "Contacts"] == []


def test_order_updated_date(org):
    asc = items_of(org.api("GET", "/Invoices?page=1&order=UpdatedDateUTC"), "Invoices")
    stamps = [int(re.search(r"\d+", i["UpdatedDateUTC"]).group()) for i in asc]
    assert stamps == sorted(stamps)
    desc = items_of(org.api("GET", "/Invoices?page=1&order=UpdatedDateUTC%20DESC"), "Invoices")
    assert desc[0]["InvoiceNumber"] == "INV-0119"
    assert org.api("GET", "/Invoices?order=Bogus").status == 400


@pytest.mark.parametrize("where,expected", [
    ('Type=="ACCREC"', lambda i: i["Type"] == "ACCREC"),
    ('Status=="PAID" OR Status=="VOIDED"', lambda i: i["Status"] in ("PAID", "VOIDED")),
    ('Type=="ACCREC" AND Status=="AUTHORISED"', lambda i: i["Type"] == "ACCREC" and i["Status"] == "AUTHORISED"),
    ('Type == "ACCREC" && (Status == "PAID" || Status == "VOIDED")',
     lambda i: i["Type"] == "ACCREC" and i["Status"] in ("PAID", "VOIDED")),
    ('Contact.ContactID==Guid("00000000-0000-0000-0000-000000000003")',
     lambda i: i["Contact"]["ContactID"].endswith("0003")),
    ('Contact.ContactID = GUID("00000000-0000-0000-0000-000000000003") AND Type=="ACCPAY"',
     lambda i: i["Contact"]["ContactID"].endswith("0003") and i["Type"] == "ACCPAY"),
    ('Status!="PAID"', lambda i: i["Status"] != "PAID"),
])
def test_where_on_invoices(org, where, expected):
    got = items_of(org.api("GET", "/Invoices?page=1&pageSize=1000&where=" + _q(where)), "Invoices")
    want = {i["InvoiceID"] for i in org.invoices if expected(i)}
    assert {i["InvoiceID"] for i in got} == want and want


def test_where_email_on_contacts(org):
    got = items_of(org.api("GET", "/Contacts?where=" + _q('EmailAddress=="C17@Example.com"')), "Contacts")
    assert [c["Name"] for c in got] == ["Contact 0017"]


def test_where_syntax_errors_are_400(org):
    for bad in ('Nope=="x"', 'Type=="ACCREC" AND', 'Type=="ACCREC', "Type=="):
        resp = org.api("GET", "/Invoices?where=" + _q(bad))
        assert resp.status == 400, bad
        assert resp.json()["Type"] == "QueryParseException"


def test_list_params_statuses_contactids_and_archived(org):
    got = items_of(org.api("GET", "/Invoices?page=1&Statuses=PAID,VOIDED"), "Invoices")
    assert {i["Status"] for i in got} == {"PAID", "VOIDED"}
    cid = org.contacts[2]["ContactID"]
    got = items_of(org.api("GET", "/Invoices?page=1&ContactIDs=" + cid), "Invoices")
    assert got and all(i["Contact"]["ContactID"] == cid for i in got)
    default = items_of(org.api("GET", "/Contacts?page=1&pageSize=1000"), "Contacts")
    assert len(default) == 249 and all(c["ContactStatus"] == "ACTIVE" for c in default)
    search = items_of(org.api("GET", "/Contacts?searchTerm=contact%200042"), "Contacts")
    assert [c["Name"] for c in search] == ["Contact 0042"]


def test_xml_when_accept_json_missing(org):
    resp = org.api("GET", "/Contacts/" + org.contacts[0]["ContactID"], headers={"Accept": "*/*"})
    assert resp.status == 200 and resp.header("Content-Type").startswith("text/xml")
    assert resp.text.startswith("<Response") and "<Contacts><Contact><ContactID>" in resp.text
    assert "<UpdatedDateUTC>2020-02-06T12:17:43</UpdatedDateUTC>" in resp.text
    no_accept = org.request("GET", "/api.xro/2.0/Contacts", headers={
        "Authorization": "Bearer " + org.token["access_token"], "xero-tenant-id": org.tenant_id})
    assert no_accept.text.startswith("<Response")


@pytest.mark.parametrize("tenant", [None, str(uuid.uuid4())])
def test_missing_or_unknown_tenant_is_403_problem(org, tenant):
    headers = {"Authorization": "Bearer " + org.token["access_token"], "Accept": "application/json"}
    if tenant:
        headers["xero-tenant-id"] = tenant
    resp = org.request("GET", "/api.xro/2.0/Contacts", headers=headers)
    assert resp.status == 403
    body = resp.json()
    assert body == {"Type": None, "Title": "Forbidden", "Status": 403, "Detail": "AuthenticationUnsuccessful",
                    "Instance": body["Instance"], "Extensions": {}}


def test_tenant_not_connected_is_403(org):
    other = org.ctl("POST", "/_sim/tenants", {"name": "Unconnected"})["tenantId"]
    assert org.api("GET", "/Contacts", tenant=other).status == 403


def test_bad_token_is_401_authentication_unsuccessful(org):
    resp = org.api("GET", "/Contacts", token="garbage")
    assert resp.status == 401 and resp.json()["Detail"] == "AuthenticationUnsuccessful"


def test_missing_scope_is_401_authorization_unsuccessful(org):
    tok = org.ctl("POST", "/_sim/tokens", {"tenantId": org.tenant_id, "scope": "accounting.contacts.read"})
    assert org.api("GET", "/Contacts", token=tok["access_token"]).status == 200
    resp = org.api("GET", "/Invoices", token=tok["access_token"])
    assert resp.status == 401 and resp.json()["Detail"] == "AuthorizationUnsuccessful"
    write = org.api("PUT", "/Contacts", {"Name": "X"}, token=tok["access_token"])
    assert write.status == 401 and write.json()["Detail"] == "AuthorizationUnsuccessful"


def test_granular_scopes_accepted(org):
    tok = org.ctl("POST", "/_sim/tokens", {"tenantId": org.tenant_id,
                                           "scope": "accounting.invoices.read accounting.payments.read"})
    assert org.api("GET", "/Invoices", token=tok["access_token"]).status == 200
    assert org.api("GET", "/Payments", token=tok["access_token"]).status == 200
    assert org.api("GET", "/Items", token=tok["access_token"]).status == 200
    assert org.api("GET", "/Contacts", token=tok["access_token"]).status == 401


def test_generated_org_serves_payments_and_credit_notes(xero):
    data = xero_data.generate(2, contacts=20, invoices=60, payments=30, credit_notes=6, items=5)
    xero.seed(**{k: v for k, v in data.items() if k != "Organisation"})
    pays = xero.api("GET", "/Payments?page=1").json()
    assert pays["pagination"]["itemCount"] == 30
    pid = data["Payments"][3]["PaymentID"]
    assert items_of(xero.api("GET", "/Payments/" + pid), "Payments")[0]["PaymentID"] == pid
    aid = data["Accounts"][2]["AccountID"]
    assert items_of(xero.api("GET", "/Accounts/" + aid), "Accounts")[0]["Code"] == data["Accounts"][2]["Code"]
    cns = items_of(xero.api("GET", "/CreditNotes?page=1"), "CreditNotes")
    one = items_of(xero.api("GET", "/CreditNotes/" + cns[0]["CreditNoteID"]), "CreditNotes")[0]
    assert one["CreditNoteNumber"] == cns[0]["CreditNoteNumber"] and one["UpdatedDateUTCString"].endswith("Z")


def _q(text):
    import urllib.parse

    return urllib.parse.quote(text, safe="")
