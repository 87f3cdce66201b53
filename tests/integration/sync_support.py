"""A private Xero organisation and HubSpot portal joined by one link, for the
sync tests: a database (jobs_support.JobsInstance), both simulators, the
link with both credentials, and a checker that computes what HubSpot must
hold from the Xero simulator's own data, independently of the engine's
mapping code."""
import json
import os
import re
import sys
import time

import pytest

from jobs_support import FAST_WORKER, ROOT, JobsInstance, add_xero_link, wait_for

sys.path.insert(0, os.path.join(ROOT, "tests", "sim"))
import xero_data  # noqa: E402

SMALL = dict(contacts=40, invoices=150, payments=60, credit_notes=8, items=10)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
STATUS = {"DRAFT": "draft", "SUBMITTED": "draft", "AUTHORISED": "open", "PAID": "paid",
          "VOIDED": "voided", "DELETED": "voided"}
SYNC_KINDS = ("xero.poll", "xero.pull", "sync.push")


def by_prop(records, prop):
    """Records keyed by one of their properties."""
    return {r["properties"].get(prop): r for r in records}


def assoc_ids(rec, otype):
    """The ids of the records of otype a stored record is associated to."""
    return {str(a["toObjectId"]) for a in rec.get("associations") or []
            if a["toObjectType"] == otype}


class Sync:
    """Both simulators, a seeded organisation and a link between them."""

    def __init__(self, tmp_path, sizes=SMALL, seed=7, scale=0.05, hs_args=(), xero_args=()):
        self.inst = JobsInstance(tmp_path)
        self.xero = self.inst.sim("xero_sim.py", *xero_args)
        self.hs = self.inst.sim("hubspot_sim.py", "--time-scale", str(scale), *hs_args)
        self.org = xero_data.generate(seed=seed, **sizes)
        self.tenant = self.org["Organisation"]["OrganisationID"]
        self.xero.post("/_sim/seed", dict(self.org, tenantId=self.tenant))
        self.link, _, _ = add_xero_link(self.inst, self.xero, name="sync", tenant=self.tenant)
        self.hs.post("/_sim/portal", {"portal_id": 23456789, "tier": "starter"})
        tok = self.hs.post("/_sim/tokens", {"kind": "static"})
        self.config = self.inst.write_config("sync.conf", {
            "worker": FAST_WORKER,
            "ratelimit": {"time_scale": scale},
            "xero": {"api_url": self.xero.url, "identity_url": self.xero.url},
            "hubspot": {"api_url": self.hs.url},
        })
        self.cli_ok("hubspot", "token", str(self.link), "--kind", "private", "--portal",
                    str(tok["portal_id"]), input=tok["token"] + "\n")
        self.cli_ok("hubspot", "bootstrap", str(self.link))

    def cli_ok(self, *args, input=None):
        out = self.inst.cli(*args, config=self.config, input=input)
        assert out.returncode == 0, (args, out.stdout, out.stderr)
        return out

    # ---- running ----

    def pending(self):
        return self.inst.one("SELECT count(*) FROM job WHERE kind = ANY(%s)"
                             " AND state IN ('available', 'running', 'retryable')",
                             (list(SYNC_KINDS),))

    def settle(self, timeout=120):
        """Waits until no sync job is pending (twice in a row, 0.5 s apart)."""
        def idle():
            if self.pending() != 0:
                return False
            time.sleep(0.5)
            return self.pending() == 0
        assert wait_for(idle, timeout=timeout, interval=0.2), self.jobs()

    def jobs(self):
        return self.inst.q("SELECT id, kind, state, attempts, last_error, args::text FROM job"
                           " WHERE kind = ANY(%s) AND state <> 'completed' ORDER BY id",
                           (list(SYNC_KINDS),))

    def sync(self, workers=1, timeout=120, full=False):
        """`xhsync sync LINK` with fresh workers, until everything settled."""
        args = ["sync", str(self.link)] + (["--full"] if full else [])
        self.cli_ok(*args)
        ws = [self.inst.worker(self.config) for _ in range(workers)]
        try:
            self.settle(timeout)
        finally:
            for w in ws:
                w.stop()
        bad = [j for j in self.inst.q("SELECT kind, state, last_error FROM job WHERE kind = ANY(%s)"
                                      " AND state = 'discarded'", (list(SYNC_KINDS),))]
        assert bad == [], bad

    def hubspot_writes(self):
        """Write calls the HubSpot simulator answered (batch writes and associations)."""
        return [e for e in self.hs.requests("/crm/") if e["method"] in ("POST", "PUT", "PATCH",
                                                                          "DELETE")
                and "/search" not in e["path"] and not e["path"].endswith("/batch/read")]

    def store(self, otype):
        return self.hs.get("/_sim/objects/%s" % otype)

    def xero_objects(self, kind):
        return self.xero.get("/_sim/objects/%s/%s" % (self.tenant, kind))


@pytest.fixture
def s(tmp_path):
    """The sync tests' fixture: a Sync, closed afterwards."""
    sync = Sync(tmp_path)
    yield sync
    sync.inst.close()


class Checker:
    """What HubSpot must hold, from the Xero organisation alone."""

    def __init__(self, contacts, invoices):
        self.contacts = {c["ContactID"].lower(): c for c in contacts}
        owners = {}
        for cid in sorted(self.contacts):
            email = (self.contacts[cid].get("EmailAddress") or "").strip().lower()
            if EMAIL.match(email):
                owners.setdefault(email, cid)
        self.person = {cid: e for e, cid in owners.items()}
        self.invoices = {i["InvoiceID"].lower(): i for i in invoices if i["Type"] == "ACCREC"
                         and i["Status"] not in ("VOIDED", "DELETED")}

    def companies(self):
        return {cid: c["Name"] for cid, c in self.contacts.items()}

    def people(self):
        return dict(self.person)

    def invoice_states(self):
        out = {}
        for iid, inv in self.invoices.items():
            cid = inv["Contact"]["ContactID"].lower()
            st = STATUS[inv["Status"]]
            if st in ("open", "paid") and (cid not in self.person or not inv.get("LineItems")):
                st = "draft"
            out[iid] = (st, inv["CurrencyCode"], cid, len(inv.get("LineItems") or []))
        return out

    def line_count(self):
        return sum(len(i.get("LineItems") or []) for i in self.invoices.values())
