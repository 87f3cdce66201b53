"""Xero simulator: the id kinds of /connections (XERO.md section 1.3), the
tenantless rate headers (section 4), and the documented `where` grammar
(section 2.4): DateTime(), .Contains(), .StartsWith(), .EndsWith()."""

import time
import urllib.parse
import uuid

import pytest


def bearer(xero, token=None):
    return {"Authorization": "Bearer " + (token or xero.token["access_token"])}


def test_delete_connection_takes_only_the_connection_id(xero):
    conn = xero.token["connections"][0]
    for wrong in (xero.tenant_id, conn["authEventId"]):
        resp = xero.request("DELETE", "/connections/" + wrong, headers=bearer(xero))
        assert resp.status == 403 and resp.json()["Detail"] == "AuthenticationUnsuccessful", wrong
    assert xero.request("DELETE", "/connections/" + str(uuid.uuid4()), headers=bearer(xero)).status == 404
    assert xero.request("DELETE", "/connections/" + conn["id"], headers=bearer(xero)).status == 204
    assert xero.request("GET", "/connections", headers=bearer(xero)).json() == []


def test_delete_connection_of_another_app_is_not_found(xero):
    other = xero.ctl("POST", "/_sim/clients", {"client_id": "OTHERAPP", "client_secret": "s3cret",
                                                "redirect_uris": [xero.redirect_uri]})
    token = xero.ctl("POST", "/_sim/tokens", {"tenantId": xero.tenant_id, "client_id": other["client_id"]})
    mine = xero.token["connections"][0]["id"]
    assert xero.request("DELETE", "/connections/" + mine, headers=bearer(xero, token["access_token"])).status == 404
    assert xero.request("GET", "/connections", headers=bearer(xero)).json()[0]["id"] == mine


def test_connections_carry_every_id_kind_and_the_tenant_type(xero):
    practice = xero.ctl("POST", "/_sim/tenants", {"name": "Practice", "tenantType": "PRACTICE"})["tenantId"]
    token = xero.ctl("POST", "/_sim/tokens", {"tenants": [xero.tenant_id, practice]})
    conns = xero.request("GET", "/connections?authEventId=" + token["authEventId"],
                         headers=bearer(xero, token["access_token"])).json()
    assert {c["tenantType"] for c in conns} == {"ORGANISATION", "PRACTICE"}
    for c in conns:
        assert len({c["id"], c["tenantId"], c["authEventId"]}) == 3
        uuid.UUID(c["id"]), uuid.UUID(c["tenantId"]), uuid.UUID(c["authEventId"])
    # The organisation was connected before: this consent reconnected it.
    org = next(c for c in conns if c["tenantId"] == xero.tenant_id)
    assert org["id"] == xero.token["connections"][0]["id"]  # one connection per app and tenant


def test_reconnect_keeps_the_connection_id_and_moves_updated_date(xero):
    first = xero.token["connections"][0]
    time.sleep(0.01)
    again = xero.ctl("POST", "/_sim/tokens", {"tenantId": xero.tenant_id})
    conn = xero.request("GET", "/connections?authEventId=" + again["authEventId"],
                        headers=bearer(xero, again["access_token"])).json()[0]
    assert conn["id"] == first["id"] and conn["authEventId"] == again["authEventId"]
    assert conn["createdDateUtc"] != conn["updatedDateUtc"]
    assert not conn["createdDateUtc"].endswith("Z")


def test_tenantless_calls_carry_only_the_app_minute_header(xero):
    resp = xero.request("GET", "/connections", headers=bearer(xero))
    assert resp.header("X-AppMinLimit-Remaining") is not None
    assert resp.header("X-MinLimit-Remaining") is None and resp.header("X-DayLimit-Remaining") is None
    assert resp.header("Content-Type") == "application/json"


def _contact(i, name, date_ms):
    return {"ContactID": str(uuid.UUID(int=i + 1)), "Name": name, "ContactStatus": "ACTIVE",
            "UpdatedDateUTC": "/Date(%d+0000)/" % date_ms}


def _invoice(i, contact_id, date_ms):
    return {"Type": "ACCREC", "InvoiceID": str(uuid.UUID(int=100 + i)), "InvoiceNumber": "INV-%03d" % i,
            "Contact": {"ContactID": contact_id}, "Status": "AUTHORISED", "Date": "/Date(%d+0000)/" % date_ms,
            "LineItems": [], "Total": 10, "AmountDue": 10, "AmountPaid": 0, "CurrencyCode": "NZD",
            "UpdatedDateUTC": "/Date(%d+0000)/" % date_ms}


@pytest.fixture
def books(xero):
    jan_2015, jan_2020 = 1420070400000, 1577836800000
    contacts = [_contact(0, "Maple Florists", jan_2015), _contact(1, "Oak Bakery", jan_2020),
                _contact(2, "Florists of Oak", jan_2020)]
    invoices = [_invoice(0, contacts[0]["ContactID"], jan_2015), _invoice(1, contacts[1]["ContactID"], jan_2020)]
    xero.seed(Contacts=contacts, Invoices=invoices)
    return xero


def _names(xero, where):
    resp = xero.api("GET", "/Contacts?page=1&where=" + urllib.parse.quote(where))
    assert resp.status == 200, resp.text()
    return sorted(c["Name"] for c in resp.json()["Contacts"])


@pytest.mark.parametrize("where,names", [
    ('Name.Contains("florist")', ["Florists of Oak", "Maple Florists"]),
    ('Name.StartsWith("Oak")', ["Oak Bakery"]),
    ('Name.EndsWith("oak")', ["Florists of Oak"]),
    ('Name.Contains("Oak") && !Name.StartsWith("Oak")', ["Florists of Oak"]),
    ('Name.StartsWith("Maple") OR Name.EndsWith("Bakery")', ["Maple Florists", "Oak Bakery"]),
])
def test_where_string_methods(books, where, names):
    assert _names(books, where) == names


def test_where_datetime(books):
    resp = books.api("GET", "/Invoices?page=1&where=" + urllib.parse.quote("Date >= DateTime(2019, 01, 01)"))
    assert [i["InvoiceNumber"] for i in resp.json()["Invoices"]] == ["INV-001"]
    resp = books.api("GET", "/Invoices?page=1&where=" + urllib.parse.quote(
        'Date < DateTime(2019, 01, 01, 12, 30, 00) && Type == "ACCREC"'))
    assert [i["InvoiceNumber"] for i in resp.json()["Invoices"]] == ["INV-000"]


def test_where_bad_methods_and_dates_are_400(books):
    for bad in ('Name.Contains(5)', 'Name.Contains("x"', 'Name.StartsWith "x"', 'Date > DateTime(2019, 13, 01)',
                'Date > DateTime(2019)'):
        resp = books.api("GET", "/Contacts?where=" + urllib.parse.quote(bad))
        assert resp.status == 400, bad
        assert resp.json()["Type"] == "QueryParseException"
