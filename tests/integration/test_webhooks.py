"""Webhook intake through nginx (src/web/handlers/webhook_*.c) and the
xero.fetch job (src/xero/fetch.c), against the test stack: its web, worker,
PostgreSQL and simulators. The simulators sign and deliver real webhooks
(tests/sim/xero/webhooks.py, tests/sim/hubspot/webhooks.py); forged ones are
made here with the same rules.
"""
import base64
import hashlib
import hmac
import json
import math
import os
import sys
import threading
import time
import uuid

import pytest

from conftest import ROOT, cli, request, wait_for

sys.path.insert(0, os.path.join(ROOT, "tests", "sim"))
import xero_data  # noqa: E402
from hubspot import webhooks as hs_sign  # noqa: E402

API = "/api.xro/2.0/"


def xero_sig(key, body):
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


class Sim:
    def __init__(self, url):
        self.url = url

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        r = request(self.url + path, method, data, {"Content-Type": "application/json"}, timeout=30)
        assert r.status < 300, (path, r.status, r.body[:300])
        return json.loads(r.body) if r.body else None

    def post(self, path, body=None):
        return self.call("POST", path, body if body is not None else {})

    def get(self, path):
        return self.call("GET", path)


class XeroHook:
    """A tenant of the stack's Xero simulator, linked in the stack database,
    and a webhook key the simulator signs with."""

    def __init__(self, db, xero_url, base_url):
        self.db = db
        self.sim = Sim(xero_url)
        self.url = base_url + "/webhooks/xero"
        self.key = "k-" + uuid.uuid4().hex
        self.label = "test-" + uuid.uuid4().hex[:8]
        self.tenant = self.sim.post("/_sim/tenants", {"name": "hooks"})["tenantId"]
        tokens = self.sim.post("/_sim/tokens", {"tenantId": self.tenant})
        self.link = self.one("INSERT INTO link (name, status, xero_tenant_id) VALUES"
                             " ('hooks', 'active', %s) RETURNING id", (self.tenant,))
        out = cli("credential", "set", str(self.link), "xero", input=json.dumps(
            {"access_token": tokens["access_token"], "tenant_id": self.tenant}))
        assert out.returncode == 0, out.stderr
        out = cli("webhook", "key", "add", "xero", self.label, input=self.key + "\n")
        assert out.returncode == 0, out.stderr
        self.sim.post("/_sim/webhooks", {"url": self.url, "key": self.key, "batch_max": 50,
                                         "batch_delay": 0.2, "retries": []})
        self.sim.call("DELETE", "/_sim/webhooks/deliveries")
        self.since = self.one("SELECT coalesce(max(id), 0) FROM webhook_delivery")

    def one(self, sql, args=None):
        with self.db.cursor() as cur:
            cur.execute(sql, args)
            row = cur.fetchone()
            return row[0] if row else None

    def rows(self, sql, args=None):
        with self.db.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()

    def close(self):
        self.sim.post("/_sim/webhooks", {"url": None, "key": None})
        cli("webhook", "key", "remove", "xero", self.label)
        self.one("DELETE FROM job WHERE link_id = %s RETURNING 1", (self.link,))
        self.one("DELETE FROM link WHERE id = %s RETURNING 1", (self.link,))

    def state(self):
        """What a delivery may change: events, pending ids, fetch jobs of the link."""
        return (self.one("SELECT count(*) FROM webhook_event WHERE vendor = 'xero'"),
                self.one("SELECT count(*) FROM pending_fetch WHERE link_id = %s", (self.link,)),
                self.one("SELECT count(*) FROM job WHERE link_id = %s AND kind = 'xero.fetch'",
                         (self.link,)))

    def post(self, body, sig=None, headers=None):
        h = {"Content-Type": "application/json; charset=utf-8"}
        if sig is not False:
            h["x-xero-signature"] = sig or xero_sig(self.key, body)
        h.update(headers or {})
        return request(self.url, "POST", body, h)

    def payload(self, events):
        return json.dumps({"events": events, "firstEventSequence": 1,
                           "lastEventSequence": len(events), "entropy": uuid.uuid4().hex},
                          separators=(",", ":")).encode()

    def event(self, category, rid, tenant=None):
        path = {"CONTACT": "Contacts", "INVOICE": "Invoices"}[category]
        return {"resourceUrl": "https://api.xero.com/api.xro/2.0/%s/%s" % (path, rid),
                "resourceId": rid, "eventDateUtc": "2026-12-03T10:00:00.000",
                "eventType": "UPDATE", "eventCategory": category,
                "tenantId": tenant or self.tenant, "tenantType": "ORGANISATION"}

    def deliveries(self):
        return self.rows("SELECT status, verified, outcome, events, new_events, unknown,"
                         " job_ids, sample FROM webhook_delivery WHERE vendor = 'xero' AND id > %s"
                         " ORDER BY id", (self.since,))

    def api_calls(self, since=0):
        return [e for e in self.sim.get("/_sim/requests?since=%d" % since)
                if e["path"].startswith(API) and
                {k.lower(): v for k, v in e["headers"].items()}.get("xero-tenant-id") == self.tenant]


@pytest.fixture
def hook(db, xero_sim, base_url):
    h = XeroHook(db, xero_sim, base_url)
    yield h
    h.close()


def test_intent_to_receive_series_passes_with_200_and_401(hook):
    verdict = hook.sim.post("/_sim/webhooks/itr", {"probes": 8})
    assert verdict["status"] == "OK", verdict
    got = sorted((p["correctly_signed"], p["status"]) for p in verdict["probes"])
    assert got == [(False, 401)] * 4 + [(True, 200)] * 4
    outcomes = sorted(d[2] for d in hook.deliveries())
    assert outcomes == ["bad_signature"] * 4 + ["itr"] * 4


def test_valid_delivery_answers_200_with_an_empty_body_and_no_cookie(hook):
    body = hook.payload([hook.event("CONTACT", str(uuid.uuid4()))])
    r = hook.post(body)
    assert r.status == 200 and r.body == b""
    assert r.header("Set-Cookie") is None


def test_forged_truncated_unsigned_oversized_and_malformed_are_refused_and_store_nothing(hook):
    before = hook.state()
    good = hook.payload([hook.event("CONTACT", str(uuid.uuid4()))])
    forged = hook.post(good, sig=xero_sig("not-the-key-123", good))
    truncated = hook.post(good[:-7], sig=xero_sig(hook.key, good))
    unsigned = hook.post(good, sig=False)
    altered = hook.post(good.replace(b"UPDATE", b"CREATE"), sig=xero_sig(hook.key, good))
    big = b'{"events":[],"entropy":"' + b"x" * (1024 * 1024) + b'"}'
    oversized = hook.post(big)
    not_json = hook.post(b"\x01not json\n")
    wrong_shape = hook.post(b'{"events":[{"tenantId":"x"}],"firstEventSequence":1,'
                            b'"lastEventSequence":1,"entropy":"e"}')
    assert [r.status for r in (forged, truncated, unsigned, altered)] == [401] * 4
    assert all(r.body == b"" for r in (forged, truncated, unsigned, altered))
    assert oversized.status == 413
    assert (not_json.status, wrong_shape.status) == (400, 400)
    assert hook.state() == before
    log = hook.deliveries()
    assert [(d[0], d[1], d[2]) for d in log] == [
        (401, False, "bad_signature")] * 4 + [(400, True, "malformed")] * 2
    assert log[0][7].startswith('{"events":[{"resourceUrl"') and len(log[0][7]) <= 260
    assert log[4][7] == "\\x01not json\\x0a"


def test_the_same_payload_five_times_gives_one_set_of_pending_ids_and_one_job(hook):
    ids = sorted(str(uuid.uuid4()) for _ in range(3))
    stranger = str(uuid.uuid4())
    body = hook.payload([hook.event("CONTACT", i) for i in ids] + [
        hook.event("CONTACT", ids[0]), hook.event("INVOICE", ids[1], tenant=stranger)])
    for _ in range(5):
        hook.sim.post("/_sim/webhooks/send", {"body": body.decode(), "retries": []})
    assert hook.sim.post("/_sim/webhooks/wait", {"timeout": 20})["done"]
    statuses = [d["attempts"][-1]["status"] for d in hook.sim.get("/_sim/webhooks")["deliveries"]]
    assert statuses == [200] * 5
    pending = hook.rows("SELECT xero_id::text, object FROM pending_fetch WHERE link_id = %s"
                        " ORDER BY 1", (hook.link,))
    assert pending == [(i, "contact") for i in ids]
    jobs = hook.rows("SELECT id, args->>'object' FROM job WHERE link_id = %s"
                     " AND kind = 'xero.fetch'", (hook.link,))
    assert [j[1] for j in jobs] == ["contact"]
    log = hook.deliveries()
    assert [d[2] for d in log] == ["stored"] + ["duplicate"] * 4
    assert log[0][3:7] == (5, 5, 1, [jobs[0][0]])
    # Xero has none of these records: the fetch marks them instead of asking again.
    assert wait_for(lambda: hook.one("SELECT count(*) FROM pending_fetch WHERE link_id = %s"
                                     " AND missing_at IS NOT NULL", (hook.link,)) == 3, 20)
    assert wait_for(lambda: hook.one("SELECT state FROM job WHERE id = %s", (jobs[0][0],))
                    == "completed", 20)
    assert len(hook.api_calls()) == 1


def test_500_contact_and_invoice_edits_reach_the_mirror_in_few_xero_calls(hook):
    org = xero_data.generate(seed=12, contacts=250, invoices=400, payments=0, credit_notes=0,
                             items=0)
    sales = [i for i in org["Invoices"] if i["Type"] == "ACCREC"][:250]
    contacts = org["Contacts"]
    hook.sim.post("/_sim/seed", {"tenantId": hook.tenant, "Contacts": contacts,
                                 "Invoices": org["Invoices"]})
    start = hook.sim.get("/_sim/requests")[-1]["id"]
    hook.sim.post("/_sim/objects/%s/Contacts" % hook.tenant,
                  [{"ContactID": c["ContactID"], "Name": c["Name"] + " (edited)"} for c in contacts])
    hook.sim.post("/_sim/objects/%s/Invoices" % hook.tenant,
                  [{"InvoiceID": i["InvoiceID"], "Reference": "edited"} for i in sales])
    assert hook.sim.post("/_sim/webhooks/wait", {"timeout": 60})["done"]

    def mirrored():
        return hook.one(
            "SELECT count(*) FROM xero_record WHERE link_id = %s AND ((object = 'contact'"
            " AND payload->>'Name' LIKE '%%(edited)') OR (object = 'invoice'"
            " AND payload->>'Reference' = 'edited'))", (hook.link,))
    assert wait_for(lambda: mirrored() == 500, 60), mirrored()
    assert wait_for(lambda: hook.one("SELECT count(*) FROM pending_fetch WHERE link_id = %s",
                                     (hook.link,)) == 0, 20)
    calls = hook.api_calls(start)
    assert len(calls) <= math.ceil(500 / 50) + 2, [c["path"] + "?" + c["query"] for c in calls]
    assert all("IDs=" in c["query"] for c in calls)
    events = sum(d[3] for d in hook.deliveries())
    assert events == 500


def test_postgresql_down_gives_non_2xx_and_nothing_half_written(hook, pg_stop, pg_start, dsn):
    body = hook.payload([hook.event("CONTACT", str(uuid.uuid4()))])
    key = "xero:" + hashlib.sha256(body).hexdigest()
    pg_stop()
    r = hook.post(body)
    pg_start()
    assert r.status >= 500
    hook.db = wait_for(lambda: _connect(dsn), 30)
    assert hook.one("SELECT count(*) FROM webhook_event WHERE dedupe_key = %s", (key,)) == 0
    assert hook.state()[1:] == (0, 0)
    # Xero retries: the same delivery is then taken in whole.
    assert wait_for(lambda: hook.post(body).status == 200, 20)
    assert hook.state()[1:] == (1, 1)


def test_postgresql_killed_mid_transaction_gives_non_2xx_and_rolls_everything_back(
        hook, pg_stop, pg_start, dsn):
    body = hook.payload([hook.event("CONTACT", str(uuid.uuid4()))])
    key = "xero:" + hashlib.sha256(body).hexdigest()
    locker = _connect(dsn)
    locker.autocommit = False
    with locker.cursor() as cur:  # the delivery's insert into pending_fetch waits on this
        cur.execute("LOCK TABLE pending_fetch IN SHARE ROW EXCLUSIVE MODE")
    got = []
    t = threading.Thread(target=lambda: got.append(hook.post(body)))
    t.start()
    waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'" \
              " AND query LIKE '%%pending_fetch%%'"
    assert wait_for(lambda: hook.one(waiting) == 1, 5)
    pg_stop()  # fast shutdown: the delivery's open transaction dies with its event row
    t.join(10)
    pg_start()
    assert got and got[0].status >= 500, got
    hook.db = wait_for(lambda: _connect(dsn), 30)
    assert hook.one("SELECT count(*) FROM webhook_event WHERE dedupe_key = %s", (key,)) == 0
    assert hook.state()[1:] == (0, 0)
    assert wait_for(lambda: hook.post(body).status == 200, 20)
    assert hook.state()[1:] == (1, 1)


def _connect(dsn):
    import psycopg2
    try:
        conn = psycopg2.connect(dsn, connect_timeout=3)
        conn.autocommit = True
        return conn
    except psycopg2.OperationalError:
        return None


def test_key_list_never_prints_a_key_and_rotation_keeps_both_keys_working(hook):
    out = cli("webhook", "key", "list", "xero")
    assert out.returncode == 0 and hook.label in out.stdout and hook.key not in out.stdout
    new_key, label = "k-" + uuid.uuid4().hex, "rot-" + uuid.uuid4().hex[:8]
    assert cli("webhook", "key", "add", "xero", label, input=new_key).returncode == 0
    try:
        a = hook.post(hook.payload([hook.event("CONTACT", str(uuid.uuid4()))]))
        b = hook.post(hook.payload([hook.event("CONTACT", str(uuid.uuid4()))]),
                      sig=None, headers=None)
        body = hook.payload([hook.event("CONTACT", str(uuid.uuid4()))])
        c = hook.post(body, sig=xero_sig(new_key, body))
        assert (a.status, b.status, c.status) == (200, 200, 200)
        assert cli("webhook", "key", "add", "xero", label, input=new_key).returncode == 1
    finally:
        assert cli("webhook", "key", "remove", "xero", label).returncode == 0
    assert hook.post(body, sig=xero_sig(new_key, body + b" ")).status == 401
    assert cli("webhook", "key", "remove", "xero", label).returncode == 1
    assert cli("webhook", "key", "add", "xero", "x", input="short").returncode == 1
    log = cli("webhook", "log", "--vendor", "xero", "--limit", "3")
    assert log.returncode == 0 and len(log.stdout.splitlines()) == 4


class HubSpotHook:
    """The stack's HubSpot simulator delivering to /webhooks/hubspot with a
    client secret the stack knows; the original app settings are restored."""

    def __init__(self, db, hubspot_url, base_url):
        self.db = db
        self.sim = Sim(hubspot_url)
        self.url = base_url + "/webhooks/hubspot"
        self.secret = str(uuid.uuid4())
        self.label = "test-" + uuid.uuid4().hex[:8]
        cfg = self.sim.get("/_sim/config")
        app = cfg.get("app", cfg)
        self.saved = {k: app.get(k) for k in ("client_secret", "webhook_url")}
        self.portal = 7000000 + int(uuid.uuid4().int % 1000000)
        self.link = XeroHook.one(self, "INSERT INTO link (name, status, hubspot_portal_id)"
                                 " VALUES ('hs hooks', 'active', %s) RETURNING id", (self.portal,))
        assert cli("webhook", "key", "add", "hubspot", self.label,
                   input=self.secret).returncode == 0
        self.sim.post("/_sim/portal", {"client_secret": self.secret, "webhook_url": self.url,
                                       "signature_version": "v3", "portal_id": self.portal,
                                       "batch_delay": 0.1})
        self.sim.call("DELETE", "/_sim/webhooks")

    one = XeroHook.one
    rows = XeroHook.rows

    def close(self):
        self.sim.post("/_sim/portal", dict(self.saved))
        cli("webhook", "key", "remove", "hubspot", self.label)
        self.one("DELETE FROM link WHERE id = %s RETURNING 1", (self.link,))

    def post(self, body, ts=None, secret=None, uri=None, headers=None):
        ts = str(int(time.time() * 1000) if ts is None else ts)
        h = {"Content-Type": "application/json", "X-HubSpot-Request-Timestamp": ts,
             "X-HubSpot-Signature-v3": hs_sign.sign_v3(secret or self.secret, "POST",
                                                       uri or self.url, body, ts)}
        h.update(headers or {})
        return request(self.url, "POST", body, h)

    def events(self):
        return self.rows("SELECT dedupe_key, link_id FROM webhook_event WHERE vendor = 'hubspot'"
                         " AND dedupe_key LIKE %s ORDER BY 1", ("hubspot:%d:%%" % self.portal,))


@pytest.fixture
def hs(db, hubspot_sim, base_url):
    h = HubSpotHook(db, hubspot_sim, base_url)
    yield h
    h.close()


def _hs_event(portal, eid, obj=101, attempt=0):
    return {"eventId": eid, "subscriptionId": 5, "portalId": portal, "appId": 42,
            "occurredAt": 1796000000000 + eid, "subscriptionType": "company.propertyChange",
            "attemptNumber": attempt, "objectId": obj, "changeSource": "CRM_UI",
            "propertyName": "name", "propertyValue": "x"}


def test_hubspot_deliveries_signed_by_the_simulator_are_stored_once(hs):
    events = [_hs_event(hs.portal, i) for i in (1, 2, 3)]
    hs.sim.post("/_sim/webhooks/trigger", {"events": events})
    hs.sim.post("/_sim/webhooks/flush")
    assert wait_for(lambda: len(hs.events()) == 3, 20), hs.sim.get("/_sim/webhooks")
    assert {e[1] for e in hs.events()} == {hs.link}
    # A retry (attemptNumber 1, fresh timestamp) and the same eventId on another object.
    again = json.dumps([_hs_event(hs.portal, 1, attempt=1), _hs_event(hs.portal, 1, obj=202)])
    r = hs.post(again.encode())
    assert r.status == 200 and r.body == b""
    assert len(hs.events()) == 4


def test_a_hubspot_delivery_enqueues_one_handling_job_per_link_and_a_duplicate_none(hs):
    body = json.dumps([_hs_event(hs.portal, 61), _hs_event(hs.portal, 62, obj=303),
                       _hs_event(hs.portal + 1, 63)]).encode()
    assert hs.post(body).status == 200
    (jobs, links), = hs.rows("SELECT job_ids, link_ids FROM webhook_delivery WHERE vendor ="
                             " 'hubspot' ORDER BY id DESC LIMIT 1")
    assert links == [hs.link] and len(jobs) == 1
    assert hs.one("SELECT kind || ':' || link_id FROM job WHERE id = %s", (jobs[0],)) == \
        "hubspot.events:%d" % hs.link
    assert hs.post(body).status == 200  # the same events again: stored before, nothing new
    (jobs, outcome), = hs.rows("SELECT job_ids, outcome FROM webhook_delivery WHERE vendor ="
                               " 'hubspot' ORDER BY id DESC LIMIT 1")
    assert (jobs, outcome) == ([], "duplicate")
    # The stack's worker handles them: the events are marked, nothing is left.
    assert wait_for(lambda: hs.one("SELECT count(*) FROM webhook_event WHERE link_id = %s"
                                   " AND processed_at IS NULL", (hs.link,)) == 0, 20)


def test_hubspot_stale_forged_legacy_and_unknown_portal(hs):
    body = json.dumps([_hs_event(hs.portal, 50)]).encode()
    now = int(time.time() * 1000)
    before = len(hs.events())
    assert hs.post(body, ts=now - 301000).status == 401
    assert hs.post(body, ts=now + 301000).status == 401
    assert hs.post(body, secret="other-secret").status == 401
    assert hs.post(body, uri=hs.url + "?x=1").status == 401
    v1 = {"X-HubSpot-Signature": hs_sign.sign_v1(hs.secret, body),
          "X-HubSpot-Signature-Version": "v1", "Content-Type": "application/json"}
    assert request(hs.url, "POST", body, v1).status == 401  # legacy off by default
    assert len(hs.events()) == before
    assert hs.post(b'{"not": "an array"}').status == 400
    stranger = json.dumps([_hs_event(hs.portal + 1, 51)]).encode()
    assert hs.post(body, ts=now - 299000).status == 200
    assert hs.post(stranger).status == 200
    row = hs.rows("SELECT outcome, unknown FROM webhook_delivery WHERE vendor = 'hubspot'"
                  " ORDER BY id DESC LIMIT 1")
    assert row == [("stored", 1)]
    outcomes = [r[0] for r in hs.rows("SELECT outcome FROM webhook_delivery WHERE vendor ="
                                      " 'hubspot' ORDER BY id DESC LIMIT 8")]
    assert outcomes[2:][::-1] == ["stale", "stale", "bad_signature", "bad_signature",
                                  "no_signature", "malformed"]


def test_webhook_keys_and_secrets_never_reach_the_logs(hook, hs, run_dir):
    hook.post(hook.payload([hook.event("CONTACT", str(uuid.uuid4()))]))
    hs.post(json.dumps([_hs_event(hs.portal, 77)]).encode())
    logs = os.path.join(run_dir, "log")
    for name in os.listdir(logs):
        if name.endswith(".log") and "sim" not in name:
            with open(os.path.join(logs, name), "rb") as f:
                text = f.read()
            assert hook.key.encode() not in text, name
            assert hs.secret.encode() not in text, name


def test_thousands_of_events_in_one_body_are_taken_in_one_transaction(hook):
    ids = [str(uuid.uuid4()) for _ in range(3300)]
    body = hook.payload([hook.event("CONTACT", i) for i in ids])
    assert len(body) < 1024 * 1024
    r = hook.post(body)
    assert r.status == 200 and r.elapsed < 5, r.elapsed
    assert hook.one("SELECT count(*) FROM pending_fetch WHERE link_id = %s", (hook.link,)) >= 3000
    # 10,000 events do not fit in Xero's 1 MiB: refused whole, nothing kept.
    before = hook.state()
    huge = hook.payload([hook.event("CONTACT", str(uuid.uuid4())) for _ in range(10000)])
    assert hook.post(huge).status == 413
    assert hook.state() == before


@pytest.fixture
def legacy_on(run_dir, config_path, base_url):
    """[webhook] hubspot_legacy = 1 in the stack's config, reloaded by SIGHUP; restored after."""
    import signal
    with open(config_path) as f:
        saved = f.read()
    pidfile = os.path.join(run_dir, "pid", "web-supervisor.pid")
    with open(pidfile) as f:
        pid = int(f.read().strip())

    def reload(text):
        with open(config_path, "w") as f:
            f.write(text)
        os.kill(pid, signal.SIGHUP)
        time.sleep(1.0)  # the supervisor replaces its children
        assert wait_for(lambda: request(base_url + "/healthz").status == 200, 10)

    reload(saved + "\n[webhook]\nhubspot_legacy = 1\n")
    try:
        yield
    finally:
        reload(saved)


def test_hubspot_v1_only_for_links_that_allow_it(hs, legacy_on):
    def v1(events):
        body = json.dumps(events).encode()
        return request(hs.url, "POST", body, {
            "Content-Type": "application/json", "X-HubSpot-Signature-Version": "v1",
            "X-HubSpot-Signature": hs_sign.sign_v1(hs.secret, body)})
    before = len(hs.events())
    r = v1([_hs_event(hs.portal, 90)])
    assert (r.status, r.body) == (401, b"")
    assert len(hs.events()) == before
    assert hs.rows("SELECT status, outcome FROM webhook_delivery WHERE vendor = 'hubspot'"
                   " ORDER BY id DESC LIMIT 1") == [(401, "legacy_refused")]
    hs.one("UPDATE link SET settings = '{\"webhooks\": {\"hubspot_legacy\": true}}'"
           " WHERE id = %s RETURNING 1", (hs.link,))
    assert v1([_hs_event(hs.portal, 91)]).status == 200
    assert len(hs.events()) == before + 1
    # One event of a portal no link has (so none allows v1) refuses the whole delivery.
    assert v1([_hs_event(hs.portal, 92), _hs_event(hs.portal + 1, 93)]).status == 401
    assert len(hs.events()) == before + 1
    forged = json.dumps([_hs_event(hs.portal, 94)]).encode()
    assert request(hs.url, "POST", forged, {
        "X-HubSpot-Signature-Version": "v1",
        "X-HubSpot-Signature": hs_sign.sign_v1("wrong", forged)}).status == 401
