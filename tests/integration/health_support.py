"""A small organisation synced on the test stack, for the sync health,
deliveries and settings pages (test_console_health.py and the browser's
test_health.py): a seeded tenant of the stack's Xero simulator, a portal of
its HubSpot simulator with a static token and the bootstrapped properties,
a link between them, and `xhsync sync` run to the end by the stack's own
worker. Records are broken the way a HubSpot admin would break them: a
property the mapping writes is deleted from the portal."""
import base64
import configparser
import hashlib
import hmac
import json
import os
import random
import subprocess
import sys
import time
import urllib.request
import uuid

# Not from conftest: the browser suite has a conftest of its own.
ROOT = os.environ.get("XHSYNC_TEST_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("XHSYNC_TEST_BUILD", os.path.join(ROOT, "build", "asan"))
CONFIG = os.environ.get("XHSYNC_TEST_CONFIG", os.path.join(ROOT, ".run", "test", "xhsync.conf"))

sys.path.insert(0, os.path.join(ROOT, "tests", "sim"))
import xero_data  # noqa: E402

SIZES = dict(contacts=8, invoices=14, payments=4, credit_notes=1, items=3)
SYNC_KINDS = ["xero.poll", "xero.pull", "sync.push", "xero.fetch"]
REF_PROP = {"name": "xero_reference", "label": "Xero reference", "type": "string",
            "fieldType": "text", "groupName": "xero"}


def call(url, method="GET", body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    with urllib.request.urlopen(req, timeout=30) as r:
        raw = r.read()
        return json.loads(raw) if raw else None


def stack_config():
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(CONFIG)
    return cp


def cli_ok(*args, input=None):
    """The xhsync CLI against the test stack; it must succeed."""
    out = subprocess.run([os.path.join(BUILD, "xhsync"), "-c", CONFIG] + list(args),
                         capture_output=True, text=True, input=input, timeout=120,
                         env=dict(os.environ, XHSYNC_SQL_DIR=os.path.join(ROOT, "sql")))
    assert out.returncode == 0, (args, out.stdout, out.stderr)
    return out


def xero_delivery(key, tenant, contact_id):
    """A Xero webhook body for one contact update, and its x-xero-signature under key."""
    body = json.dumps({"events": [{
        "resourceUrl": "https://api.xero.com/api.xro/2.0/Contacts/" + contact_id,
        "resourceId": contact_id, "eventDateUtc": "2026-12-03T10:00:00.000",
        "eventType": "UPDATE", "eventCategory": "CONTACT", "tenantId": tenant,
        "tenantType": "ORGANISATION"}], "firstEventSequence": 1, "lastEventSequence": 1,
        "entropy": uuid.uuid4().hex}).encode()
    return body, base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


class SyncedLink:
    """A link of the stack joining a fresh Xero tenant to a fresh HubSpot portal, synced."""

    def __init__(self, db, name="health"):
        cfg = stack_config()
        self.db = db
        self.xero = cfg["xero"]["api_url"].rstrip("/")
        self.hs = cfg["hubspot"]["api_url"].rstrip("/")
        self.portal = random.randint(30000000, 89999999)
        self.org = xero_data.generate(seed=self.portal % 1000, **SIZES)
        self.tenant = self.org["Organisation"]["OrganisationID"]
        # Records the push leaves out on purpose, whatever the seed drew.
        self.org["Contacts"][-1]["EmailAddress"] = ""
        [i for i in self.org["Invoices"] if i["Type"] == "ACCREC"][-1]["Status"] = "VOIDED"
        call(self.xero + "/_sim/seed", "POST", dict(self.org, tenantId=self.tenant))
        tokens = call(self.xero + "/_sim/tokens", "POST", {"tenantId": self.tenant})
        self.link = self.one("INSERT INTO link (name, status, xero_tenant_id) VALUES"
                             " (%s, 'active', %s) RETURNING id", (name, self.tenant))
        cli_ok("credential", "set", str(self.link), "xero", input=json.dumps(
            {"access_token": tokens["access_token"], "refresh_token": tokens["refresh_token"],
             "expires_at": int(time.time()) + 1800, "tenant_id": self.tenant}))
        call(self.hs + "/_sim/portal", "POST", {"portal_id": self.portal, "tier": "starter",
                                                "search_delay": 0.05})
        tok = call(self.hs + "/_sim/tokens", "POST", {"kind": "static",
                                                      "portal_id": self.portal})
        self.token = tok["token"]
        cli_ok("hubspot", "token", str(self.link), "--kind", "private", "--portal",
               str(self.portal), input=self.token + "\n")
        cli_ok("hubspot", "bootstrap", str(self.link))
        self.sync()

    # ---- database ----

    def one(self, sql, args=None):
        rows = self.q(sql, args)
        return rows[0][0] if rows else None

    def q(self, sql, args=None):
        with self.db.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall() if cur.description else []

    # ---- running ----

    def pending(self):
        return self.one("SELECT count(*) FROM job WHERE link_id = %s AND kind = ANY(%s)"
                        " AND state IN ('available', 'running', 'retryable')",
                        (self.link, SYNC_KINDS))

    def settle(self, timeout=120):
        """Waits until no sync job of the link is pending, twice 0.5 s apart."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pending() == 0:
                time.sleep(0.5)
                if self.pending() == 0:
                    return
            time.sleep(0.2)
        raise AssertionError(self.q("SELECT id, kind, state, last_error FROM job WHERE"
                                    " link_id = %s AND state <> 'completed'", (self.link,)))

    def sync(self):
        cli_ok("sync", str(self.link))
        self.settle()

    # ---- breaking and mending HubSpot ----

    def hs_call(self, method, path, body=None):
        return call(self.hs + path, method, body, {"Authorization": "Bearer " + self.token})

    def drop_reference_property(self):
        """A HubSpot admin deletes the invoice property the mapping writes Reference to."""
        self.hs_call("DELETE", "/crm/v3/properties/invoices/xero_reference")

    def restore_reference_property(self):
        call(self.hs + "/_sim/seed", "POST", {"portal_id": self.portal,
                                              "properties": {"invoices": [REF_PROP]}})

    def sent_invoices(self):
        """Invoices of the tenant that are in HubSpot, as the Xero simulator holds them."""
        sent = {r[0] for r in self.q("SELECT xero_id::text FROM hubspot_ref WHERE link_id = %s"
                                     " AND object = 'invoice' AND hubspot_id IS NOT NULL"
                                     " AND last_error IS NULL", (self.link,))}
        invs = call(self.xero + "/_sim/objects/%s/Invoices" % self.tenant)
        return [i for i in invs if i["InvoiceID"].lower() in sent]

    def change_invoice(self, inv, reference):
        call(self.xero + "/_sim/objects/%s/Invoices" % self.tenant, "POST",
             {"InvoiceID": inv["InvoiceID"], "Reference": reference})

    def break_invoices(self, n, tag):
        """n sent invoices change in Xero after their HubSpot property went: they fail."""
        self.drop_reference_property()
        invs = self.sent_invoices()[:n]
        assert len(invs) == n, "not enough invoices in HubSpot"
        for k, inv in enumerate(invs):
            self.change_invoice(inv, "%s %d" % (tag, k))
        self.sync()
        return [i["InvoiceID"].lower() for i in invs]

    def failing(self):
        return {r[0]: r[1] for r in self.q(
            "SELECT xero_id::text, last_error FROM hubspot_ref WHERE link_id = %s"
            " AND (failed_hash IS NOT NULL OR last_error IS NOT NULL)", (self.link,))}

    def hubspot_reference(self, xero_id):
        for rec in call(self.hs + "/_sim/objects/invoices?portal_id=%d" % self.portal):
            if (rec["properties"].get("xero_invoice_id") or "").lower() == xero_id:
                return rec["properties"].get("xero_reference")
        return None

    def close(self):
        self.one("DELETE FROM job WHERE link_id = %s RETURNING 1", (self.link,))
        self.one("DELETE FROM link WHERE id = %s RETURNING 1", (self.link,))


