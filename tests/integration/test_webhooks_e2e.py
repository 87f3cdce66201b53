"""Webhooks end to end on the test stack (nginx, xhsync-web, the worker,
PostgreSQL and both simulators, which sign and deliver real webhooks): a
Xero edit reaches HubSpot in seconds through xero.fetch and the push; a
person's edit in HubSpot of a synced property is written back with Xero's
value (conflict_policy xero_wins), and the connector's own writes, echoed
back by HubSpot as webhooks, cause no further write."""
import json
import os
import sys
import time
import uuid

import pytest

from conftest import ROOT, cli, wait_for

sys.path.insert(0, os.path.join(ROOT, "tests", "sim"))
import xero_data  # noqa: E402
from test_webhooks import Sim  # noqa: E402

CONTACTS = 5


class Linked:
    """A new Xero tenant and a new HubSpot portal of the stack's simulators,
    joined by an active link with both credentials, bootstrapped, synced,
    with both simulators delivering webhooks to the stack."""

    def __init__(self, db, xero_url, hubspot_url, base_url):
        self.db, self.xero, self.hs = db, Sim(xero_url), Sim(hubspot_url)
        self.base_url = base_url
        self.portal = 90000000 + int(uuid.uuid4().int % 1000000)
        self.xkey, self.hsecret = "k-" + uuid.uuid4().hex, str(uuid.uuid4())
        self.label = "e2e-" + uuid.uuid4().hex[:8]
        app = self.hs.get("/_sim/config")["app"]
        self.saved = {k: app.get(k) for k in ("client_secret", "webhook_url")}
        self.tenant = self.xero.post("/_sim/tenants", {"name": "e2e"})["tenantId"]
        org = xero_data.generate(seed=11, contacts=CONTACTS, invoices=0, payments=0,
                                 credit_notes=0, items=0)
        self.contacts = org["Contacts"]
        self.xero.post("/_sim/seed", {"tenantId": self.tenant, "Contacts": self.contacts})
        tokens = self.xero.post("/_sim/tokens", {"tenantId": self.tenant})
        self.hs.post("/_sim/portal", {"portal_id": self.portal, "tier": "starter"})
        tok = self.hs.post("/_sim/tokens", {"kind": "static", "portal_id": self.portal})
        self.token = tok["token"]
        self.link = self.one("INSERT INTO link (name, status, xero_tenant_id) VALUES"
                             " ('e2e', 'active', %s) RETURNING id", (self.tenant,))
        self.ok("credential", "set", str(self.link), "xero", input=json.dumps(
            {"access_token": tokens["access_token"], "refresh_token": tokens["refresh_token"],
             "tenant_id": self.tenant, "expires_at": int(time.time()) + 1800}))
        self.ok("hubspot", "token", str(self.link), "--kind", "private", "--portal",
                str(self.portal), input=self.token + "\n")
        self.ok("hubspot", "bootstrap", str(self.link))
        self.ok("webhook", "key", "add", "xero", self.label, input=self.xkey + "\n")
        self.ok("webhook", "key", "add", "hubspot", self.label, input=self.hsecret + "\n")
        self.xero.post("/_sim/webhooks", {"url": base_url + "/webhooks/xero", "key": self.xkey,
                                          "batch_delay": 0.1, "retries": []})
        self.hs.post("/_sim/portal", {"client_secret": self.hsecret, "signature_version": "v3",
                                      "webhook_url": base_url + "/webhooks/hubspot",
                                      "batch_delay": 0.1, "portal_id": self.portal,
                                      "emit_api_changes": True})
        self.ok("sync", str(self.link))
        assert wait_for(lambda: len(self.companies()) == CONTACTS and self.idle(), 60), \
            self.companies()

    def ok(self, *args, input=None):
        out = cli(*args, input=input)
        assert out.returncode == 0, (args, out.stderr)
        return out

    def one(self, sql, args=None):
        with self.db.cursor() as cur:
            cur.execute(sql, args)
            row = cur.fetchone()
            return row[0] if row else None

    def idle(self):
        return self.one("SELECT count(*) FROM job WHERE link_id = %s AND state IN"
                        " ('available', 'running', 'retryable')", (self.link,)) == 0

    def settle(self, quiet=2.0, timeout=30):
        """Waits until the link has had no pending job and no new delivery for quiet s."""
        def calm():
            n = self.one("SELECT count(*) FROM webhook_delivery")
            if not self.idle():
                return False
            time.sleep(quiet)
            return self.idle() and self.one("SELECT count(*) FROM webhook_delivery") == n
        assert wait_for(calm, timeout), "the link did not settle"

    def companies(self):
        recs = self.hs.get("/_sim/objects/companies?portal_id=%d" % self.portal)
        return {r["properties"].get("xero_contact_id"): r for r in recs}

    def writes(self):
        """HubSpot write calls made with this link's token."""
        return [e for e in self.hs.get("/_sim/requests") if e["path"].startswith("/crm/")
                and e["method"] in ("POST", "PUT", "PATCH", "DELETE")
                and "/search" not in e["path"] and not e["path"].endswith("/batch/read")
                and {k.lower(): v for k, v in e.get("headers", {}).items()}.get(
                    "authorization") == "Bearer " + self.token]

    def close(self):
        self.xero.post("/_sim/webhooks", {"url": None, "key": None})
        self.hs.post("/_sim/portal", dict(self.saved, portal_id=self.portal,
                                          emit_api_changes=False))
        cli("webhook", "key", "remove", "xero", self.label)
        cli("webhook", "key", "remove", "hubspot", self.label)
        self.one("DELETE FROM job WHERE link_id = %s RETURNING 1", (self.link,))
        self.one("DELETE FROM link WHERE id = %s RETURNING 1", (self.link,))


@pytest.fixture
def linked(db, xero_sim, hubspot_sim, base_url):
    ln = Linked(db, xero_sim, hubspot_sim, base_url)
    ln.settle()
    yield ln
    ln.close()


def test_a_xero_edit_reaches_hubspot_in_seconds(linked):
    c = linked.contacts[0]
    xid = c["ContactID"].lower()
    t0 = time.monotonic()
    linked.xero.post("/_sim/objects/%s/Contacts" % linked.tenant,
                     {"ContactID": c["ContactID"], "Name": "Renamed in Xero"})
    assert wait_for(lambda: linked.companies()[xid]["properties"]["name"] == "Renamed in Xero",
                    15), linked.companies()[xid]
    assert time.monotonic() - t0 < 10


def test_a_persons_hubspot_edit_is_written_back_and_echoes_write_nothing(linked):
    xid, rec = sorted(linked.companies().items())[0]
    name = rec["properties"]["name"]
    before = len(linked.writes())
    linked.hs.call("PATCH", "/_sim/objects/companies/%s?portal_id=%d" % (rec["id"],
                                                                         linked.portal),
                   {"properties": {"name": "Renamed by a person"}})
    assert wait_for(lambda: linked.companies()[xid]["properties"]["name"] == name, 20), \
        linked.companies()[xid]
    linked.settle(quiet=3.0)
    # One batch update wrote Xero's value back; its echo (changeSource
    # INTEGRATION) came back as a webhook and wrote nothing more.
    assert len(linked.writes()) == before + 1, linked.writes()[before:]
    assert linked.one("SELECT count(*) FROM audit_event WHERE link_id = %s"
                      " AND action = 'hubspot.edited'", (linked.link,)) == 1
    assert linked.one("SELECT coalesce(sum((detail->>'own_or_app')::int), 0) FROM audit_event"
                      " WHERE link_id = %s AND action = 'hubspot.events'", (linked.link,)) >= 1
