"""Spec conformance, part 2a: the Xero simulator.

Every Xero endpoint the connector uses is called on a running simulator seeded
with the generator's demo org, and each answer is validated against the
response schema in xero_accounting.yaml, xero-identity.yaml or
xero-webhooks.yaml.  A failure names the request and the schema errors: route
it to the Xero simulator's owner.
"""

import base64
import datetime as dt
import hashlib
import json
import secrets
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import openapi_check as oc
import xero_data
from conformance import conforms, identity_spec, webhooks_spec, xero_spec


DEMO = xero_data.demo()


@pytest.fixture
def xorg(xero):
    """The Xero simulator's test tenant seeded with the generator's demo org."""
    org = DEMO
    xero.seed(**{k: org[k] for k in ("Contacts", "Invoices", "Payments", "CreditNotes", "Items",
                                       "TaxRates", "Accounts")})
    xero.org = org
    return xero


def _first(org, kind, key, **match):
    """Id of the first generated object of `kind` whose fields equal `match`."""
    for obj in org[kind]:
        if all(obj.get(k) == v for k, v in match.items()):
            return obj[key]
    raise LookupError("no %s with %r" % (kind, match))


def _ids(org, kind, key, n):
    return ",".join(o[key] for o in org[kind][:n])


# (id, path builder, template, collection key in the body)
XERO_READS = [
    ("contacts-paged", lambda o: "/Contacts?page=1&pageSize=100&includeArchived=true",
     "/Contacts", "Contacts"),
    ("contacts-unpaged", lambda o: "/Contacts", "/Contacts", "Contacts"),
    ("contacts-ids", lambda o: "/Contacts?IDs=" + _ids(o, "Contacts", "ContactID", 5),
     "/Contacts", "Contacts"),
    ("contacts-modified", lambda o: "/Contacts?page=1&order=UpdatedDateUTC%20ASC", "/Contacts",
     "Contacts"),
    ("contact-by-id", lambda o: "/Contacts/" + o["Contacts"][0]["ContactID"],
     "/Contacts/{ContactID}", "Contacts"),
    ("invoices-paged", lambda o: "/Invoices?page=1&pageSize=1000&order=UpdatedDateUTC%20ASC",
     "/Invoices", "Invoices"),
    ("invoices-page2", lambda o: "/Invoices?page=2&pageSize=50", "/Invoices", "Invoices"),
    ("invoices-unpaged", lambda o: "/Invoices", "/Invoices", "Invoices"),
    ("invoices-where", lambda o: "/Invoices?page=1&where=Type%3D%3D%22ACCREC%22",
     "/Invoices", "Invoices"),
    ("invoices-ids", lambda o: "/Invoices?IDs=" + _ids(o, "Invoices", "InvoiceID", 50),
     "/Invoices", "Invoices"),
    ("invoice-paid", lambda o: "/Invoices/" + _first(o, "Invoices", "InvoiceID", Status="PAID"),
     "/Invoices/{InvoiceID}", "Invoices"),
    ("invoice-credited", lambda o: "/Invoices/" + next(
        i["InvoiceID"] for i in o["Invoices"] if i["CreditNotes"]),
     "/Invoices/{InvoiceID}", "Invoices"),
    ("payments-paged", lambda o: "/Payments?page=1&pageSize=1000", "/Payments", "Payments"),
    ("payment-by-id", lambda o: "/Payments/" + o["Payments"][0]["PaymentID"],
     "/Payments/{PaymentID}", "Payments"),
    ("creditnotes-paged", lambda o: "/CreditNotes?page=1&pageSize=100", "/CreditNotes",
     "CreditNotes"),
    ("creditnote-allocated", lambda o: "/CreditNotes/" + next(
        c["CreditNoteID"] for c in o["CreditNotes"] if c["Allocations"]),
     "/CreditNotes/{CreditNoteID}", "CreditNotes"),
    ("items", lambda o: "/Items", "/Items", "Items"),
    ("item-by-id", lambda o: "/Items/" + o["Items"][0]["ItemID"], "/Items/{ItemID}", "Items"),
    ("organisation", lambda o: "/Organisation", "/Organisation", "Organisations"),
    ("taxrates", lambda o: "/TaxRates", "/TaxRates", "TaxRates"),
    ("accounts", lambda o: "/Accounts", "/Accounts", "Accounts"),
]


@pytest.mark.parametrize("case", XERO_READS, ids=lambda c: c[0])
def test_xero_sim_reads(xorg, case):
    _, make_path, template, key = case
    path = make_path(xorg.org)
    body = conforms("Xero", xero_spec(), template, "get", path, xorg.api("GET", path))
    assert body[key], "Xero simulator: %s returned no %s" % (path, key)


def test_xero_sim_bad_object_is_caught(xorg):
    """The pipeline can fail: a malformed stored invoice shows up as schema errors."""
    bad = dict(xorg.org["Invoices"][0], Status="OPEN", Total="12.00")
    xorg.seed(Invoices=[bad])
    resp = xorg.api("GET", "/Invoices/" + bad["InvoiceID"])
    errs = oc.validate_response(xero_spec(), "/Invoices/{InvoiceID}", "get", 200, resp.json())
    assert sorted(e.split(":")[0] for e in errs) == ["$.Invoices[0].Status",
                                                     "$.Invoices[0].Total"], errs


def _ms(date):
    """Epoch ms of a '/Date(ms+0000)/' string."""
    return int(date[6:date.index("+")])


def test_xero_sim_if_modified_since(xorg):
    stamps = sorted(_ms(i["UpdatedDateUTC"]) for i in xorg.org["Invoices"])
    since = stamps[len(stamps) // 2] // 1000
    header = dt.datetime.fromtimestamp(since, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    resp = xorg.api("GET", "/Invoices?page=1", headers={"If-Modified-Since": header})
    body = conforms("Xero", xero_spec(), "/Invoices", "get", "/Invoices (If-Modified-Since)",
                     resp)
    assert 0 < len(body["Invoices"]) < len(stamps)


LINE = {"Description": "Conformance work", "Quantity": 2, "UnitAmount": 125.5,
        "AccountCode": "200", "TaxType": "OUTPUT2"}


def _new_invoice(o):
    return {"Invoices": [{"Type": "ACCREC", "Contact": {"ContactID": o["Contacts"][0]["ContactID"]},
                          "Date": "2026-07-01", "DueDate": "2026-07-31",
                          "LineAmountTypes": "Exclusive", "LineItems": [LINE],
                          "Status": "AUTHORISED", "Reference": "HubSpot deal 42"}]}


def _draft(o):
    return _first(o, "Invoices", "InvoiceID", Status="DRAFT", Type="ACCREC")


# (id, method, path builder, body builder, template, status): the writes the
# HubSpot->Xero flow makes, and the ValidationException answers to bad ones.
XERO_WRITES = [
    ("put-invoice", "PUT", lambda o: "/Invoices", _new_invoice, "/Invoices", 200),
    ("post-invoice", "POST", lambda o: "/Invoices",
     lambda o: {"Invoices": [{"InvoiceID": _draft(o), "Reference": "updated"}]}, "/Invoices", 200),
    ("post-invoice-id", "POST", lambda o: "/Invoices/" + _draft(o),
     lambda o: {"Invoices": [{"Reference": "again"}]}, "/Invoices/{InvoiceID}", 200),
    ("put-invoice-invalid", "PUT", lambda o: "/Invoices",
     lambda o: {"Invoices": [{"Type": "ACCREC", "LineItems": [LINE]}]}, "/Invoices", 400),
    ("put-contact", "PUT", lambda o: "/Contacts",
     lambda o: {"Contacts": [{"Name": "Conformance Co", "EmailAddress": "cc@example.com"}]},
     "/Contacts", 200),
    ("post-contact", "POST", lambda o: "/Contacts",
     lambda o: {"Contacts": [{"ContactID": o["Contacts"][0]["ContactID"],
                              "EmailAddress": "new@example.com"}]}, "/Contacts", 200),
    ("post-contact-id", "POST", lambda o: "/Contacts/" + o["Contacts"][0]["ContactID"],
     lambda o: {"Contacts": [{"FirstName": "Changed"}]}, "/Contacts/{ContactID}", 200),
    ("put-contact-duplicate", "PUT", lambda o: "/Contacts",
     lambda o: {"Contacts": [{"Name": o["Contacts"][1]["Name"]}]}, "/Contacts", 400),
    ("put-item", "PUT", lambda o: "/Items",
     lambda o: {"Items": [{"Code": "CONF-1", "Name": "Conformance item",
                           "SalesDetails": {"UnitPrice": 12.5, "AccountCode": "200"}}]},
     "/Items", 200),
    ("post-item", "POST", lambda o: "/Items",
     lambda o: {"Items": [{"ItemID": o["Items"][0]["ItemID"], "Code": o["Items"][0]["Code"],
                           "Description": "new"}]}, "/Items", 200),
    ("post-item-id", "POST", lambda o: "/Items/" + o["Items"][0]["ItemID"],
     lambda o: {"Items": [{"Code": o["Items"][0]["Code"], "Name": "Renamed"}]},
     "/Items/{ItemID}", 200),
]


@pytest.mark.parametrize("case", XERO_WRITES, ids=lambda c: c[0])
def test_xero_sim_writes(xorg, case):
    _, method, make_path, make_body, template, status = case
    path, body = make_path(xorg.org), make_body(xorg.org)
    resp = xorg.api(method, path, body, headers={"Content-Type": "application/json"})
    got = conforms("Xero", xero_spec(), template, method.lower(), path, resp, status)
    if status == 400:
        assert got["Type"] == "ValidationException" and got["Elements"]


def _pkce():
    verifier = "v" * 20 + secrets.token_urlsafe(40)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _xero_token_call(xero, form):
    auth = base64.b64encode(("%s:%s" % (xero.client_id, xero.client_secret)).encode()).decode()
    return xero.request("POST", "/connect/token", urllib.parse.urlencode(form),
                        {"Content-Type": "application/x-www-form-urlencoded",
                         "Authorization": "Basic " + auth})


def _check_token(xero, resp, what):
    assert resp.status == 200, "Xero simulator: %s -> %s %s" % (what, resp.status, resp.body)
    errs = oc.validate_schema(identity_spec(), "#/components/schemas/AccessToken", resp.json())
    assert errs == [], "Xero simulator: %s does not match xero-identity.yaml AccessToken:\n  %s" % (
        what, "\n  ".join(errs))
    return resp.json()


def test_xero_sim_token_endpoint(xero):
    verifier, challenge = _pkce()
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": xero.client_id, "redirect_uri": xero.redirect_uri,
        "scope": "openid profile email offline_access accounting.transactions.read",
        "state": "s1", "code_challenge": challenge, "code_challenge_method": "S256",
        "auto": "approve"})
    resp = xero.request("GET", "/identity/connect/authorize?" + query)
    assert resp.status == 302, resp.body
    code = dict(urllib.parse.parse_qsl(resp.header("Location").split("?", 1)[1]))["code"]
    tok = _check_token(xero, _xero_token_call(xero, {
        "grant_type": "authorization_code", "code": code, "redirect_uri": xero.redirect_uri,
        "code_verifier": verifier}), "POST /connect/token (authorization_code)")
    assert tok["refresh_token"] and tok["expires_in"] == 1800
    _check_token(xero, _xero_token_call(xero, {"grant_type": "refresh_token",
                                               "refresh_token": tok["refresh_token"]}),
                 "POST /connect/token (refresh_token)")


def test_xero_sim_connections(xero):
    auth = {"Authorization": "Bearer " + xero.token["access_token"]}
    resp = xero.request("GET", "/connections", headers=auth)
    conns = conforms("Xero", identity_spec(), "/Connections", "get", "/connections", resp)
    assert [c["tenantId"] for c in conns] == [xero.tenant_id]
    event = conns[0]["authEventId"]
    resp = xero.request("GET", "/connections?authEventId=" + event, headers=auth)
    conforms("Xero", identity_spec(), "/Connections", "get", "/connections?authEventId", resp)
    resp = xero.request("DELETE", "/connections/" + conns[0]["id"], headers=auth)
    conforms("Xero", identity_spec(), "/Connections/{id}", "delete", "/connections/{id}", resp,
              204)


class _Sink:
    """A webhook endpoint that answers 200 and keeps every body."""

    def __init__(self):
        self.bodies = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                sink.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = "http://127.0.0.1:%d/hook" % self.server.server_address[1]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sink():
    s = _Sink()
    yield s
    s.close()


def test_xero_sim_webhook_payloads(xorg, sink):
    xorg.ctl("POST", "/_sim/webhooks", {"url": sink.url, "key": "conformance-key"})
    tid, org = xorg.tenant_id, xorg.org
    xorg.ctl("POST", "/_sim/objects/%s/Contacts" % tid,
             {"ContactID": org["Contacts"][0]["ContactID"], "EmailAddress": "x@example.com"})
    xorg.ctl("POST", "/_sim/objects/%s/Invoices" % tid,
             {"InvoiceID": org["Invoices"][0]["InvoiceID"], "Reference": "edited"})
    xorg.ctl("POST", "/_sim/objects/%s/CreditNotes" % tid,
             {"CreditNoteID": org["CreditNotes"][0]["CreditNoteID"], "Reference": "edited"})
    xorg.api("PUT", "/Contacts", {"Contacts": [{"Name": "Webhook Co"}]})
    assert xorg.ctl("POST", "/_sim/webhooks/wait", {"timeout": 10})["done"]
    payloads = [json.loads(b) for b in sink.bodies]
    cats = sorted(e["eventCategory"] for p in payloads for e in p["events"])
    assert cats == ["CONTACT", "CONTACT", "CREDITNOTE", "INVOICE"], cats
    for p in payloads:
        errs = oc.validate_webhook(webhooks_spec(), "contacts", p)
        assert errs == [], "Xero simulator webhook payload vs WebhookEvent:\n  " + "\n  ".join(errs)
        for ev in p["events"]:
            if ev["eventCategory"] == "CREDITNOTE":
                one = dict(p, events=[ev])
                errs = oc.validate_webhook(webhooks_spec(), "creditNotes", one)
                assert errs == [], "Xero simulator CREDITNOTE event:\n  " + "\n  ".join(errs)
