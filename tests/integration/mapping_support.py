"""A link of the test stack for the field-mapping editor's tests: a small
organisation seeded on the stack's Xero simulator, the stack's HubSpot
simulator portal with its properties bootstrapped, and a first sync run to
the end by the stack's own worker (as sync_support.Sync does on a private
database; here the console must see the link, so it lives on the stack's)."""
import json
import os
import random
import subprocess
import sys
import time

from jobs_support import BUILD, CONFIG, ROOT, Sim, wait_for

sys.path.insert(0, os.path.join(ROOT, "tests", "sim"))
import xero_data  # noqa: E402

SIZES = dict(contacts=6, invoices=12, payments=2, credit_notes=0, items=3)
WRITES = ("POST", "PUT", "PATCH", "DELETE")


class SimClient(Sim):
    """A simulator of the test stack, already running at url (jobs_support.Sim's calls)."""

    def __init__(self, url):  # pylint: disable=super-init-not-called
        self.url = url


def cli(*args, input=None):
    """The xhsync CLI on the test stack (usable from the browser suite too)."""
    env = dict(os.environ, XHSYNC_SQL_DIR=os.path.join(ROOT, "sql"))
    return subprocess.run([os.path.join(BUILD, "xhsync"), "-c", CONFIG] + list(args),
                          capture_output=True, text=True, input=input, env=env, timeout=120)


def ok(*args, input=None):
    out = cli(*args, input=input)
    assert out.returncode == 0, (args, out.stdout, out.stderr)
    return out


class MapLink:
    """One synced link on the stack's database and simulators."""

    def __init__(self, db, xero_url, hubspot_url):
        self.db = db
        self.xero = SimClient(xero_url)
        self.hs = SimClient(hubspot_url)
        self.org = xero_data.generate(seed=random.randrange(1, 10 ** 9), **SIZES)
        self.tenant = self.org["Organisation"]["OrganisationID"]
        self.xero.post("/_sim/seed", dict(self.org, tenantId=self.tenant))
        tok = self.xero.post("/_sim/tokens", {"tenantId": self.tenant})
        self.link = self.one("INSERT INTO link (name, status, xero_tenant_id) VALUES"
                             " (%s, 'active', %s) RETURNING id",
                             ("mapping editor %s" % self.tenant[:8], self.tenant))
        ok("credential", "set", str(self.link), "xero", input=json.dumps({
            "access_token": tok["access_token"], "tenant_id": self.tenant,
            "refresh_token": tok["refresh_token"], "expires_at": int(time.time()) + 1800}))
        hs = self.hs.post("/_sim/tokens", {"kind": "static"})
        ok("hubspot", "token", str(self.link), "--kind", "private", "--portal",
           str(hs["portal_id"]), input=hs["token"] + "\n")
        ok("hubspot", "bootstrap", str(self.link))
        ok("sync", str(self.link))
        self.settle()

    def one(self, sql, args=None):
        with self.db.cursor() as c:
            c.execute(sql, args)
            row = c.fetchone()
            return row[0] if row else None

    def pending(self):
        return self.one("SELECT count(*) FROM job WHERE link_id = %s AND state IN"
                        " ('available', 'running', 'retryable')", (self.link,))

    def settle(self, timeout=180):
        """Waits until the link has no pending job (twice, 0.5 s apart)."""
        def idle():
            if self.pending() != 0:
                return False
            time.sleep(0.5)
            return self.pending() == 0
        assert wait_for(idle, timeout=timeout, interval=0.3), self.one(
            "SELECT json_agg(json_build_object('kind', kind, 'state', state, 'error', last_error))"
            " FROM job WHERE link_id = %s AND state <> 'completed'", (self.link,))

    def invoices(self):
        """The link's sales invoices, as mirrored (number -> payload)."""
        with self.db.cursor() as c:
            c.execute("SELECT payload FROM xero_record WHERE link_id = %s AND object = 'invoice'"
                      " AND payload->>'Type' = 'ACCREC'", (self.link,))
            return {r[0]["InvoiceNumber"]: r[0] for r in c.fetchall()}

    def pushed_invoice(self):
        """A mirrored invoice that HubSpot holds: (payload, HubSpot id)."""
        with self.db.cursor() as c:
            c.execute("SELECT r.payload, h.hubspot_id FROM xero_record r JOIN hubspot_ref h"
                      " ON h.link_id = r.link_id AND h.object = 'invoice' AND h.xero_id = r.xero_id"
                      " WHERE r.link_id = %s AND h.hubspot_id IS NOT NULL"
                      " AND h.pushed_hash IS NOT NULL ORDER BY r.payload->>'InvoiceNumber'"
                      " LIMIT 1", (self.link,))
            return c.fetchone()

    def hubspot_writes(self):
        """Write calls the HubSpot simulator answered (as sync_support.Sync counts them)."""
        return [e for e in self.hs.requests("/crm/") if e["method"] in WRITES and "/search" not in e["path"]
                and not e["path"].endswith("/batch/read")]

    def hubspot_invoice(self, hubspot_id):
        return self.hs.get("/_sim/objects/invoices/%s" % hubspot_id)

    def state(self):
        """What a mapping change would alter in the database."""
        return self.one(
            "SELECT json_build_object("
            " 'rules', (SELECT coalesce(json_agg(json_build_object('t', target_property,"
            "   's', source_path, 'x', transform, 'e', enabled) ORDER BY id), '[]'::json)"
            "   FROM field_mapping WHERE link_id = %s),"
            " 'marked', (SELECT count(*) FROM hubspot_ref WHERE link_id = %s"
            "   AND pushed_hash IS NULL),"
            " 'audit', (SELECT count(*) FROM audit_event WHERE link_id = %s),"
            " 'jobs', (SELECT count(*) FROM job WHERE link_id = %s))::text",
            (self.link,) * 4)

    def close(self):
        with self.db.cursor() as c:
            c.execute("DELETE FROM audit_event WHERE link_id = %s", (self.link,))
            c.execute("DELETE FROM link WHERE id = %s", (self.link,))
