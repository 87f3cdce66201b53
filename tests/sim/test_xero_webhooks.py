"""Xero simulator: signed webhook payloads, batching, sequences, retries, intent-to-receive."""

import base64
import glob
import hashlib
import hmac
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from xero import webhooks as hooks
from conftest import REFERENCE  # noqa: E402

KEY = "n3w+Xero/WebhookKey==with+Symbols0123456789abcdefghij"
REF = os.path.join(REFERENCE, "xero",
                   "webhooks")


def xero_rule(key, body):
    """XERO.md 6.3, written independently of the simulator."""
    return base64.b64encode(hmac.new(key.encode("ascii"), body, hashlib.sha256).digest()).decode()


class Receiver:
    """A webhook endpoint: verifies x-xero-signature (200/401), or fails the first `fail` calls."""

    def __init__(self, key=KEY, fail=0, always=None):
        self.key, self.fail, self.always = key, fail, always
        self.calls = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.decide(self.headers.get("x-xero-signature", ""), body)
                receiver.calls.append({"headers": dict(self.headers), "body": body, "status": status})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = "http://127.0.0.1:%d/webhooks/xero" % self.server.server_address[1]

    def decide(self, signature, body):
        if self.always is not None:
            return self.always
        if len(self.calls) < self.fail:
            return 500
        return 200 if hmac.compare_digest(signature, xero_rule(self.key, body)) else 401

    def events(self):
        return [e for c in self.calls if c["status"] == 200 for e in json.loads(c["body"])["events"]]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(xero):
    rec = Receiver()
    xero.ctl("POST", "/_sim/webhooks", {"url": rec.url, "key": KEY})
    yield rec
    rec.close()


def wait(xero):
    return xero.ctl("POST", "/_sim/webhooks/wait", {"timeout": 10})


def test_signature_matches_xero_rule_on_reference_payloads():
    for path in sorted(glob.glob(os.path.join(REF, "*.json"))):
        with open(path, "rb") as fh:
            raw = fh.read()
        assert hooks.sign(KEY, raw) == xero_rule(KEY, raw)
        # The key is used as given, never base64-decoded.
        assert hooks.sign("YWJj", raw) == xero_rule("YWJj", raw) != xero_rule("abc", raw)


def test_known_vectors_computed_with_openssl():
    # openssl dgst -sha256 -hmac "$KEY" -binary < file | base64  (an independent implementation)
    vectors = {"spec_example_contact_update.json": "48cTo/Osg1hIjK8fYHRYsHF+yP8RUdyQTz/KeMWRoHI=",
               "SYNTHETIC_invoice_and_contact_update.json": "974ubjwIc34QN2UXi2Ob+CNK1S+2s+I0WNv9Gv5UQy4="}
    for name, expected in vectors.items():
        with open(os.path.join(REF, name), "rb") as fh:
            assert hooks.sign(KEY, fh.read()) == expected
    assert hooks.sign("key", b"{}") == "p3dyTZQ+tI3Gm8qKSm1XoE2z+ex+HeTlgehgJlvfMDI="


def test_write_api_emits_signed_batched_events(xero, receiver):
    xero.api("PUT", "/Contacts", {"Contacts": [{"Name": "One"}, {"Name": "Two"}]})
    xero.api("PUT", "/Invoices", {"Type": "ACCREC", "Contact": {"Name": "Three"}})
    done = wait(xero)
    assert done["done"]
    assert len(receiver.calls) == 1  # one payload carrying all events
    call = receiver.calls[0]
    assert call["status"] == 200
    assert call["headers"]["Content-Type"] == "application/json; charset=utf-8"
    payload = json.loads(call["body"])
    cats = [(e["eventCategory"], e["eventType"]) for e in payload["events"]]
    assert cats == [("CONTACT", "CREATE")] * 3 + [("INVOICE", "CREATE")]
    assert payload["firstEventSequence"] == 1 and payload["lastEventSequence"] == 4
    assert len(payload["entropy"]) == 20
    ev = payload["events"][3]
    assert ev["resourceUrl"] == "https://api.xero.com/api.xro/2.0/Invoices/" + ev["resourceId"]
    assert ev["tenantId"] == xero.tenant_id and ev["tenantType"] == "ORGANISATION"
    assert len(ev["eventDateUtc"].split(".")[1]) == 3 and not ev["eventDateUtc"].endswith("Z")


def test_sequences_continue_across_payloads(xero, receiver):
    xero.api("PUT", "/Contacts", {"Name": "A"})
    wait(xero)
    xero.api("PUT", "/Contacts", {"Name": "B"})
    wait(xero)
    seqs = [(json.loads(c["body"])["firstEventSequence"], json.loads(c["body"])["lastEventSequence"])
            for c in receiver.calls]
    assert seqs == [(1, 1), (2, 2)]
    entropies = {json.loads(c["body"])["entropy"] for c in receiver.calls}
    assert len(entropies) == 2


def test_update_events_and_no_events_for_items_or_payments(xero, receiver):
    cid = xero.api("PUT", "/Contacts", {"Name": "A"}).json()["Contacts"][0]["ContactID"]
    xero.api("POST", "/Contacts/" + cid, {"EmailAddress": "a@example.com"})
    xero.api("PUT", "/Items", {"Code": "I1"})
    xero.ctl("POST", "/_sim/objects/%s/Payments" % xero.tenant_id, {"Amount": 5, "Status": "AUTHORISED"})
    wait(xero)
    assert [(e["eventCategory"], e["eventType"]) for e in receiver.events()] == [
        ("CONTACT", "CREATE"), ("CONTACT", "UPDATE")]


def test_control_edit_emits_events_including_creditnote_data(xero, receiver):
    cn = {"CreditNoteID": "55d84274-a3da-4829-a7c0-0cab601b95cc", "Type": "ACCRECCREDIT", "Status": "DRAFT"}
    xero.seed(CreditNotes=[cn])
    xero.ctl("POST", "/_sim/objects/%s/CreditNotes" % xero.tenant_id,
             {"CreditNoteID": cn["CreditNoteID"], "Status": "AUTHORISED"})
    xero.ctl("POST", "/_sim/objects/%s/Invoices" % xero.tenant_id, {"Type": "ACCREC", "Status": "DRAFT"})
    wait(xero)
    events = receiver.events()
    assert [(e["eventCategory"], e["eventType"]) for e in events] == [("CREDITNOTE", "UPDATE"),
                                                                       ("INVOICE", "CREATE")]
    assert events[0]["data"] == {"Type": "ACCRECCREDIT", "Status": "AUTHORISED"}
    stored = xero.ctl("GET", "/_sim/objects/%s/CreditNotes/%s" % (xero.tenant_id, cn["CreditNoteID"]))
    assert stored["Status"] == "AUTHORISED"


def test_seed_emits_only_when_asked(xero, receiver):
    xero.seed(Contacts=[{"Name": "Quiet"}])
    xero.seed(Contacts=[{"Name": "Loud"}], emitEvents=True)
    wait(xero)
    assert len(receiver.events()) == 1


def test_no_events_for_unconnected_tenants(xero, receiver):
    other = xero.ctl("POST", "/_sim/tenants", {"name": "Not connected"})["tenantId"]
    xero.ctl("POST", "/_sim/objects/%s/Contacts" % other, {"Name": "Nobody hears"})
    wait(xero)
    assert receiver.calls == []


def test_many_events_split_by_batch_max(xero, receiver):
    xero.ctl("POST", "/_sim/webhooks", {"batch_max": 3})
    xero.api("PUT", "/Contacts", {"Contacts": [{"Name": "C%d" % i} for i in range(7)]})
    wait(xero)
    sizes = [len(json.loads(c["body"])["events"]) for c in receiver.calls]
    assert sorted(sizes) == [1, 3, 3] and len(receiver.events()) == 7


def test_failed_deliveries_are_retried(xero):
    rec = Receiver(fail=2)
    try:
        xero.ctl("POST", "/_sim/time_scale", {"time_scale": 0.0002})  # 15 min -> 0.18 s
        xero.ctl("POST", "/_sim/webhooks", {"url": rec.url, "key": KEY})
        xero.api("PUT", "/Contacts", {"Name": "Retry me"})
        done = wait(xero)
        attempts = done["deliveries"][0]["attempts"]
        assert [a["status"] for a in attempts] == [500, 500, 200]
        assert done["deliveries"][0]["delivered"] is True
        assert len({c["body"] for c in rec.calls}) == 1  # the same signed payload each time
    finally:
        rec.close()


def test_intent_to_receive_passes_for_a_verifying_receiver(xero, receiver):
    result = xero.ctl("POST", "/_sim/webhooks/itr", {"probes": 4})
    assert result["ok"] and result["status"] == "OK" and result["error"] is None
    assert sorted(p["correctly_signed"] for p in result["probes"]) == [False, False, True, True]
    for call in receiver.calls:
        body = json.loads(call["body"])
        assert body["events"] == [] and body["firstEventSequence"] == 0 and body["lastEventSequence"] == 0
    bad = [c for c in receiver.calls if c["status"] == 401]
    assert len(bad) == 2
    for call in bad:  # mis-signed by exactly one base64 character
        good = xero_rule(KEY, call["body"])
        sent = call["headers"]["x-xero-signature"]
        assert len(sent) == len(good) and sum(a != b for a, b in zip(sent, good)) == 1
    assert xero.ctl("GET", "/_sim/webhooks")["itr"]["ok"] is True


def test_intent_to_receive_fails_when_receiver_accepts_everything(xero):
    rec = Receiver(always=200)
    try:
        xero.ctl("POST", "/_sim/webhooks", {"url": rec.url, "key": KEY})
        result = xero.ctl("POST", "/_sim/webhooks/itr", {})
        assert not result["ok"] and result["error"] == "Response to incorrectly signed payload not 401"
    finally:
        rec.close()


def test_intent_to_receive_fails_when_receiver_rejects_good_probes(xero):
    rec = Receiver(key="wrong key")
    try:
        xero.ctl("POST", "/_sim/webhooks", {"url": rec.url, "key": KEY})
        result = xero.ctl("POST", "/_sim/webhooks/itr", {})
        assert not result["ok"] and result["error"] == "Intent to receive is required"
    finally:
        rec.close()


def test_itr_payload_formatting_varies(xero, receiver):
    for _ in range(4):
        xero.ctl("POST", "/_sim/webhooks/itr", {"probes": 4})
    shapes = {(c["body"].index(b'"entropy"'), b": " in c["body"]) for c in receiver.calls}
    assert len(shapes) > 1


def test_require_itr_gates_delivery(xero, receiver):
    xero.ctl("POST", "/_sim/webhooks", {"require_itr": True})
    xero.api("PUT", "/Contacts", {"Name": "Before"})
    wait(xero)
    assert receiver.events() == []
    xero.ctl("POST", "/_sim/webhooks/itr", {})
    xero.api("PUT", "/Contacts", {"Name": "After"})
    wait(xero)
    assert len(receiver.events()) == 1
    xero.ctl("POST", "/_sim/webhooks", {"url": receiver.url + "?v=2"})  # URL change: ITR again
    assert xero.ctl("GET", "/_sim/webhooks")["itr"] is None
    xero.api("PUT", "/Contacts", {"Name": "After URL change"})
    wait(xero)
    assert len(receiver.events()) == 1


def test_raw_send_for_receiver_tests(xero, receiver):
    with open(os.path.join(REF, "spec_example_contact_update.json"), encoding="utf-8") as fh:
        raw = fh.read()
    good = xero.ctl("POST", "/_sim/webhooks/send", {"body": raw, "retries": []})["delivery"]
    bad = xero.ctl("POST", "/_sim/webhooks/send", {"body": raw, "signature": "AAAA", "retries": []})["delivery"]
    deliveries = {d["id"]: d for d in wait(xero)["deliveries"]}
    assert deliveries[good]["attempts"][0]["status"] == 200
    assert deliveries[bad]["attempts"][0]["status"] == 401
    assert receiver.calls[0]["body"] == raw.encode()


def test_signing_waits_for_batch_delay_then_sends(xero, receiver):
    xero.ctl("POST", "/_sim/webhooks", {"batch_delay": 0.05})
    xero.api("PUT", "/Contacts", {"Name": "Timer"})
    deadline = time.time() + 5
    while not receiver.calls and time.time() < deadline:
        time.sleep(0.02)
    assert receiver.calls and receiver.calls[0]["status"] == 200
