"""HubSpot simulator: webhook signing (official vectors), event format,
batching, retries, and emission for user edits through the control API."""

import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from hubspot import webhooks
from conftest import REFERENCE  # noqa: E402

VECTORS = os.path.join(REFERENCE, "hubspot",
                       "signature_vectors.json")
SECRET = "hubsim-client-secret-0001"


def _vectors():
    with open(VECTORS, encoding="utf-8") as fh:
        return json.load(fh)


class Receiver:
    """A local webhook target: records requests, answers from a status script."""

    def __init__(self, statuses=()):
        self.requests = []
        self.statuses = list(statuses)
        self.cond = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with outer.cond:
                    outer.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
                    status = outer.statuses.pop(0) if outer.statuses else 200
                    outer.cond.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/hooks/hubspot" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def wait(self, n, timeout=5.0):
        deadline = time.time() + timeout
        with self.cond:
            while len(self.requests) < n and time.time() < deadline:
                self.cond.wait(0.05)
            return list(self.requests)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    rec = Receiver()
    yield rec
    rec.close()


def _configure(hs, url, **extra):
    cfg = {"webhook_url": url, "client_secret": SECRET}
    cfg.update(extra)
    hs.ctl("POST", "/_sim/portal", cfg)


@pytest.mark.parametrize("vec", _vectors()["official_vectors"], ids=lambda v: v["id"])
def test_signing_matches_official_vectors(vec):
    body, secret = vec["request_body"], vec["client_secret"]
    if vec["version"] == "v1":
        got = webhooks.sign_v1(secret, body)
    elif vec["version"] == "v2":
        got = webhooks.sign_v2(secret, vec["http_method"], vec["uri"], body)
    else:
        got = webhooks.sign_v3(secret, vec["http_method"], vec["uri"], body, vec["timestamp_ms"])
    assert got == vec["expected_signature"]


def test_verify_timestamp_rules():
    vec = next(v for v in _vectors()["official_vectors"] if v["id"] == "py-v3-singlequote-body")
    headers = {"X-HubSpot-Signature-v3": vec["expected_signature"], "X-HubSpot-Request-Timestamp": vec["timestamp_ms"]}
    args = (vec["client_secret"], "POST", vec["uri"], vec["request_body"])
    ts = int(vec["timestamp_ms"])
    assert webhooks.verify(headers, *args, now_ms=ts + 1000)
    assert webhooks.verify(headers, *args, now_ms=ts + 300000)  # exactly 5 minutes: accepted (Node/PHP)
    assert not webhooks.verify(headers, *args, now_ms=ts + 300001)
    assert not webhooks.verify(dict(headers, **{"X-HubSpot-Request-Timestamp": "wrong_timestamp"}), *args,
                               now_ms=ts)
    assert not webhooks.verify({"X-HubSpot-Signature-v3": vec["expected_signature"]}, *args, now_ms=ts)
    assert not webhooks.verify(headers, "other-secret", "POST", vec["uri"], vec["request_body"], now_ms=ts)


def test_v3_uri_decoding_rule():
    assert webhooks.v3_uri("https://x.example/a%3Ab%2fc?q=%40%2C%20") == "https://x.example/a:b/c?q=@,%20"
    encoded = webhooks.sign_v3("s", "POST", "https://x.example/a%3Ab", "{}", "1")
    assert encoded == webhooks.sign_v3("s", "POST", "https://x.example/a:b", "{}", "1")


def _edit(hs, otype, rid, props):
    resp = hs.request("PATCH", "/_sim/objects/%s/%s" % (otype, rid), {"properties": props})
    assert resp.status == 200, resp.body


def test_user_edit_emits_signed_property_change(hubspot, receiver):
    _configure(hubspot, receiver.url)
    rid = hubspot.ctl("POST", "/_sim/seed", {"objects": {"companies": [{"properties": {"name": "A"}}]}})
    rid = rid["ids"]["companies"][0]
    _edit(hubspot, "companies", rid, {"name": "Acme Ltd", "city": "Auckland"})
    got = receiver.wait(1)
    assert len(got) == 1
    req = got[0]
    events = json.loads(req["body"])
    assert sorted(e["propertyName"] for e in events) == ["city", "name"]
    ev = next(e for e in events if e["propertyName"] == "name")
    assert ev["subscriptionType"] == "company.propertyChange" and ev["propertyValue"] == "Acme Ltd"
    assert ev["objectId"] == int(rid) and ev["portalId"] == hubspot.portal_id and ev["appId"] == 987654
    assert ev["changeSource"] == "CRM_UI" and ev["attemptNumber"] == 0
    assert isinstance(ev["eventId"], int) and isinstance(ev["occurredAt"], int)
    hdr = req["headers"]
    assert hdr["X-HubSpot-Signature-Version"] == "v1"
    assert hdr["X-HubSpot-Signature"] == webhooks.sign_v1(SECRET, req["body"])
    assert webhooks.verify(hdr, SECRET, "POST", receiver.url, req["body"], int(time.time() * 1000))
    assert hdr["X-HubSpot-Signature-v3"] == webhooks.sign_v3(SECRET, "POST", receiver.url, req["body"],
                                                             hdr["X-HubSpot-Request-Timestamp"])


def test_v2_signature_version(hubspot, receiver):
    _configure(hubspot, receiver.url, signature_version="v2")
    hubspot.request("POST", "/_sim/objects/contacts", {"properties": {"email": "n@x.example"}})
    req = receiver.wait(1)[0]
    assert req["headers"]["X-HubSpot-Signature-Version"] == "v2"
    assert req["headers"]["X-HubSpot-Signature"] == webhooks.sign_v2(SECRET, "POST", receiver.url, req["body"])
    assert "X-HubSpot-Signature-v3" not in req["headers"]
    ev = json.loads(req["body"])[0]
    assert ev["subscriptionType"] == "contact.creation" and ev["changeFlag"] == "NEW"


def test_generic_object_events_for_invoices(hubspot, receiver):
    _configure(hubspot, receiver.url)
    inv = hubspot.ctl("POST", "/_sim/seed", {"objects": {"invoices": [{"properties": {"hs_currency": "USD"}}]}})
    inv = inv["ids"]["invoices"][0]
    _edit(hubspot, "invoices", inv, {"hs_invoice_status": "voided"})
    assert hubspot.request("DELETE", "/_sim/objects/invoices/" + inv).status == 400  # voided: not deletable
    ev = json.loads(receiver.wait(1)[0]["body"])[0]
    assert ev["subscriptionType"] == "object.propertyChange" and ev["objectTypeId"] == "0-53"
    assert ev["propertyName"] == "hs_invoice_status" and ev["propertyValue"] == "voided"


def test_user_delete_emits_deletion(hubspot, receiver):
    _configure(hubspot, receiver.url)
    rid = hubspot.ctl("POST", "/_sim/seed", {"objects": {"deals": [{"properties": {"dealname": "D"}}]}})
    assert hubspot.request("DELETE", "/_sim/objects/deals/" + rid["ids"]["deals"][0]).status == 204
    ev = json.loads(receiver.wait(1)[0]["body"])[0]
    assert ev["subscriptionType"] == "deal.deletion" and ev["changeFlag"] == "DELETED"


def test_api_writes_do_not_notify_unless_enabled(hubspot, receiver):
    _configure(hubspot, receiver.url, batch_delay=0.05)
    hubspot.api("POST", "/crm/v3/objects/companies", {"properties": {"name": "quiet"}})
    time.sleep(0.2)
    assert receiver.requests == [] and hubspot.ctl("GET", "/_sim/webhooks")["pending"] == []
    hubspot.ctl("POST", "/_sim/portal", {"emit_api_changes": True})
    hubspot.api("POST", "/crm/v3/objects/companies", {"properties": {"name": "loud"}})
    ev = json.loads(receiver.wait(1)[0]["body"])[0]
    assert ev["changeSource"] == "INTEGRATION" and ev["subscriptionType"] == "company.creation"


def test_subscriptions_filter_events(hubspot, receiver):
    _configure(hubspot, receiver.url, subscriptions=[
        {"id": 7, "subscriptionType": "company.propertyChange", "propertyName": "name", "active": True}])
    rid = hubspot.ctl("POST", "/_sim/seed", {"objects": {"companies": [{"properties": {"name": "A"}}]}})
    _edit(hubspot, "companies", rid["ids"]["companies"][0], {"name": "B", "city": "X"})
    events = json.loads(receiver.wait(1)[0]["body"])
    assert [(e["subscriptionId"], e["propertyName"]) for e in events] == [(7, "name")]


def test_batches_hold_at_most_100_events(hubspot, receiver):
    _configure(hubspot, receiver.url)
    events = [{"subscriptionType": "company.creation", "objectId": i} for i in range(150)]
    ids = hubspot.ctl("POST", "/_sim/webhooks/trigger", {"events": events})["deliveries"]
    assert len(ids) == 2
    got = receiver.wait(2)
    assert sorted(len(json.loads(r["body"])) for r in got) == [50, 100]


def test_failed_delivery_is_retried_with_new_attempt_number(hubspot):
    rec = Receiver(statuses=[500, 404])
    try:
        _configure(hubspot, rec.url)
        hubspot.ctl("POST", "/_sim/time_scale", {"time_scale": 0.001})  # 30 s, 120 s -> 30 ms, 120 ms
        hubspot.ctl("POST", "/_sim/webhooks/trigger", {"events": [{"subscriptionType": "contact.creation",
                                                                   "objectId": 5}]})
        got = rec.wait(3)
        assert [json.loads(r["body"])[0]["attemptNumber"] for r in got] == [0, 1, 2]
        for r in got:
            assert r["headers"]["X-HubSpot-Signature"] == webhooks.sign_v1(SECRET, r["body"])
        assert hubspot.app.webhooks.sender.wait(1, timeout=2)
        delivery = hubspot.ctl("GET", "/_sim/webhooks")["deliveries"][0]
        assert delivery["delivered"] and [a["status"] for a in delivery["attempts"]] == [500, 404, 200]
        assert [a["attemptNumber"] for a in delivery["attempts"]] == [0, 1, 2]
    finally:
        rec.close()


def test_unreachable_target_is_recorded(hubspot):
    _configure(hubspot, "http://127.0.0.1:9/never")
    hubspot.ctl("POST", "/_sim/webhooks/trigger", {"events": [{"subscriptionType": "deal.creation", "objectId": 1}]})
    deadline = time.time() + 3
    while time.time() < deadline:
        attempts = hubspot.ctl("GET", "/_sim/webhooks")["deliveries"][0]["attempts"]
        if attempts:
            break
        time.sleep(0.02)
    assert attempts[0]["status"] == 0 and attempts[0]["error"]


def test_retries_stop_after_ten(hubspot):
    rec = Receiver(statuses=[503] * 20)
    try:
        _configure(hubspot, rec.url)
        hubspot.ctl("POST", "/_sim/time_scale", {"time_scale": 0.000001})  # ~24 h of retries in ~0.1 s
        hubspot.ctl("POST", "/_sim/webhooks/trigger", {"events": [{"subscriptionType": "product.creation",
                                                                   "objectId": 9}]})
        assert hubspot.app.webhooks.sender.wait(1, timeout=5)
        delivery = hubspot.ctl("GET", "/_sim/webhooks")["deliveries"][0]
        assert not delivery["delivered"] and delivery["done"]
        assert [a["attemptNumber"] for a in delivery["attempts"]] == list(range(11))
    finally:
        rec.close()
