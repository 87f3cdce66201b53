"""The batch-first HubSpot client (src/hubspot/) through the real worker and
limiter: hubspot.write jobs against a private HubSpot simulator and a
private database (jobs_support). The simulator's store is counted, its
request log shows every call, and every request body the client sent is
checked against the OpenAPI request schema in ../shared/reference.
"""
import hashlib
import json
import os
import signal
import sys
import time
import uuid

import psycopg2
import pytest

from jobs_support import FAST_WORKER, ROOT, JobsInstance, connect, wait_for

sys.path.insert(0, os.path.join(ROOT, "tests", "sim"))
import openapi_check as oc  # noqa: E402

REF = os.environ.get("XHSYNC_REFERENCE", os.path.join(ROOT, "..", "shared", "reference"))
SPECS = {  # objectType in the path -> spec file stem
    "companies": "crm-companies-v3", "contacts": "crm-contacts-v3", "invoices": "crm-invoices-v3",
    "line_items": "crm-line-items-v3", "products": "crm-products-v3",
    "commerce_payments": "crm-commerce-payments-v3",
}
UNIQUE = {"companies": "xero_contact_id", "invoices": "xero_invoice_id",
          "line_items": "xero_line_item_id", "products": "xero_item_id"}
GROUPS = {"companies": "companyinformation", "invoices": "invoiceinformation",
          "line_items": "lineiteminformation", "products": "productinformation",
          "contacts": "contactinformation"}
UPSERT = "/crm/v3/objects/%s/batch/upsert"

pytestmark = pytest.mark.skipif(not os.path.isdir(REF), reason="needs ../shared/reference")


def xid(tag, n):
    """A stable UUID per (tag, n)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "xhsync-test-%s-%d" % (tag, n)))


def digest(obj):
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()


def prop_def(otype, name, unique):
    return {"name": name, "label": name, "type": "string", "fieldType": "text",
            "groupName": GROUPS[otype], "hasUniqueValue": unique}


class Portal:
    """A database, a HubSpot simulator with the xero_* properties, a link with a static token."""

    def __init__(self, tmp_path, scale=0.1, tier="starter", worker=None, scopes=None):
        self.inst = JobsInstance(tmp_path)
        self.hs = self.inst.sim("hubspot_sim.py", "--time-scale", str(scale))
        self.scale = scale
        self.hs.post("/_sim/portal", {"portal_id": 12345678, "tier": tier})
        props = {t: [prop_def(t, n, True)] for t, n in UNIQUE.items()}
        props["contacts"] = [prop_def("contacts", "xero_contact_id", False)]
        self.hs.post("/_sim/seed", {"properties": props})
        body = {"kind": "static"}
        if scopes is not None:
            body["scopes"] = scopes
        tok = self.hs.post("/_sim/tokens", body)
        self.token = tok["token"]
        self.link = self.inst.one("INSERT INTO link (name, status, hubspot_portal_id) VALUES"
                                  " ('hs', 'active', %s) RETURNING id", (tok["portal_id"],))
        out = self.inst.cli("credential", "set", str(self.link), "hubspot",
                            input=json.dumps({"access_token": self.token}))
        assert out.returncode == 0, out.stderr
        self.config = self.inst.write_config("hs.conf", {
            "worker": dict(FAST_WORKER, **(worker or {})),
            "ratelimit": {"time_scale": scale},
            "hubspot": {"api_url": self.hs.url},
        })

    def enqueue(self, obj, inputs, op=None):
        args = {"object": obj, "inputs": inputs}
        if op:
            args["op"] = op
        jid = self.inst.one("INSERT INTO job (kind, link_id, args) VALUES ('hubspot.write', %s,"
                            " %s::jsonb) RETURNING id", (self.link, json.dumps(args)))
        self.inst.q("SELECT pg_notify('xhsync_job', '')")
        return jid

    def jobs(self):
        return self.inst.q("SELECT id, state, attempts, snoozes, last_error FROM job"
                           " WHERE kind = 'hubspot.write' ORDER BY id")

    def done(self, n=None):
        rows = self.jobs()
        return rows and (n is None or len(rows) >= n) and all(
            r[1] in ("completed", "discarded") for r in rows)

    def run(self, workers=1, timeout=90):
        ws = [self.inst.worker(self.config) for _ in range(workers)]
        assert wait_for(self.done, timeout=timeout), self.jobs()
        for w in ws:
            w.stop()
        assert [j for j in self.jobs() if j[1] != "completed"] == []

    def store(self, otype):
        return self.hs.get("/_sim/objects/%s" % otype)

    def calls(self, path, ok_only=True):
        return [e for e in self.hs.requests(path) if e["path"] == path
                and (not ok_only or (e["status"] or 0) < 300)]

    def refs(self, obj):
        return {r[0]: r[1:] for r in self.inst.q(
            "SELECT xero_id::text, hubspot_id, encode(pushed_hash, 'hex'), last_error"
            " FROM hubspot_ref WHERE link_id = %s AND object = %s", (self.link, obj))}

    def check_requests(self):
        """Every API request validates against its OpenAPI request schema."""
        bad, seen = [], 0
        for e in self.hs.requests():
            if e["path"].startswith("/_sim/") or e["method"] != "POST":
                continue
            parts = e["path"].split("/")
            stem = "crm-associations-v4" if parts[2] == "v4" else SPECS[parts[4]]
            spec = oc.load_spec(os.path.join(REF, "hubspot", "openapi", stem + ".json"))
            tmpl = oc.match_path(spec, e["path"])
            errs = ["no path"] if tmpl is None else oc.validate_request(
                spec, tmpl, "post", json.loads(e["body"]))
            seen += 1
            if errs:
                bad.append((e["path"], errs[:3]))
        assert seen > 0
        assert bad == []


def companies(n, tag="co", extra=None):
    out = []
    for i in range(n):
        props = {"name": "Company %d" % i, "domain": "c%d.example" % i}
        props.update(extra or {})
        out.append({"xero_id": xid(tag, i), "hash": digest([tag, i, props]), "properties": props})
    return out


@pytest.fixture
def portal(tmp_path):
    p = Portal(tmp_path)
    yield p
    p.inst.close()


def test_1000_companies_in_10_calls_then_again_none_new(portal):
    batch = companies(1000)
    portal.enqueue("company", batch)
    portal.run()
    assert len(portal.calls(UPSERT % "companies")) == 10
    assert len(portal.store("companies")) == 1000
    refs = portal.refs("company")
    assert len(refs) == 1000 and all(r[0] and r[1] and r[2] is None for r in refs.values())
    # the same 1000 again, changed: 10 more calls, nothing new
    again = companies(1000, extra={"city": "Auckland"})
    portal.enqueue("company", again)
    portal.run()
    assert len(portal.calls(UPSERT % "companies")) == 20
    store = portal.store("companies")
    assert len(store) == 1000 and all(c["properties"].get("city") == "Auckland" for c in store)
    news = portal.inst.q("SELECT detail->>'new', count(*) FROM audit_event WHERE action ="
                         " 'hubspot.write' GROUP BY 1")
    assert dict(news) == {"true": 1000, "false": 1000}
    assert {k: v[0] for k, v in portal.refs("company").items()} == {k: v[0] for k, v in refs.items()}
    # unchanged: no call at all
    portal.enqueue("company", again)
    portal.run()
    assert len(portal.calls(UPSERT % "companies", ok_only=False)) == 20
    portal.check_requests()


def test_3_bad_among_100_the_97_written_and_the_3_reported(portal):
    batch = companies(100)
    for i in (7, 50, 93):
        batch[i]["properties"]["no_such_property"] = "x"
    portal.enqueue("company", batch)
    portal.run()
    assert len(portal.calls(UPSERT % "companies")) == 1
    assert len(portal.store("companies")) == 97
    refs = portal.refs("company")
    bad = {k: v for k, v in refs.items() if v[2] is not None}
    assert set(bad) == {batch[i]["xero_id"] for i in (7, 50, 93)}
    for v in bad.values():
        assert v[0] is None and v[1] is None and "no_such_property" in v[2]
    audits = portal.inst.q("SELECT xero_id::text, detail FROM audit_event WHERE outcome = 'error'")
    assert {a[0] for a in audits} == set(bad)
    for _, d in audits:
        assert d["category"] == "VALIDATION_ERROR" and "PROPERTY_DOESNT_EXIST" in d["message"]
        assert "objectWriteTraceId" in d["context"]
    assert sum(1 for v in refs.values() if v[1] is not None) == 97
    portal.check_requests()


def invoices(n, lines_per=3, tag="inv", status=None, contact=None, company=None):
    out = []
    for i in range(n):
        props = {"hs_currency": "NZD", "hs_invoice_billable": "false"}
        if status:
            props["hs_invoice_status"] = status
        lines = [{"xero_id": xid(tag + "-line-%d" % i, k), "hash": digest([tag, i, k]),
                  "properties": {"name": "Line %d.%d" % (i, k), "quantity": "1",
                                 "price": str(10 + k)}} for k in range(lines_per)]
        rec = {"xero_id": xid(tag, i), "hash": digest([tag, i, props, lines_per]),
               "properties": props, "lines": lines}
        assoc = []
        if contact:
            assoc.append({"object": "contact", "xero_id": contact})
        if company:
            assoc.append({"object": "company", "xero_id": company})
        if assoc:
            rec["associations"] = assoc
        out.append(rec)
    return out


def killed_between_accept_and_store(portal, obj, inputs, otype, accepted):
    """Runs one hubspot.write job with hubspot_ref write-locked (reads go on), SIGKILLs
    the worker once the simulator holds `accepted` records of otype, then reruns it."""
    locker = connect(portal.inst.dsn)
    locker.autocommit = False
    with locker.cursor() as cur:
        cur.execute("LOCK TABLE hubspot_ref IN EXCLUSIVE MODE")
    portal.enqueue(obj, inputs)
    w = portal.inst.worker(portal.config)
    try:
        assert wait_for(lambda: len(portal.store(otype)) >= accepted, timeout=30)
        time.sleep(0.3)
        w.proc.send_signal(signal.SIGKILL)
        w.proc.wait(10)
    finally:
        locker.rollback()
        locker.close()
    assert portal.refs(obj) == {}
    portal.run(timeout=120)  # the rescuer hands the job to a new worker


def test_sigkill_after_hubspot_accepted_and_before_ids_stored_duplicates_nothing(portal):
    products = [{"xero_id": xid("item", i), "hash": digest(["item", i]),
                 "properties": {"name": "Item %d" % i, "price": "5"}} for i in range(150)]
    killed_between_accept_and_store(portal, "company", companies(150), "companies", 100)
    killed_between_accept_and_store(portal, "product", products, "products", 100)
    killed_between_accept_and_store(portal, "invoice", invoices(150, lines_per=2),
                                    "line_items", 200)
    assert len(portal.store("companies")) == 150
    assert len(portal.store("products")) == 150
    assert len(portal.store("invoices")) == 150
    lines = portal.store("line_items")
    assert len(lines) == 300
    assert len({l["properties"]["xero_line_item_id"] for l in lines}) == 300
    assert len(portal.refs("line_item")) == 300 and len(portal.refs("invoice")) == 150
    assert len(portal.refs("company")) == 150 and len(portal.refs("product")) == 150
    # the rerun's line creates conflicted and were read back by xero_line_item_id
    assert len(portal.calls("/crm/v3/objects/line_items/batch/read")) >= 2
    # every line item still has exactly its own invoice
    for l in lines:
        assert [a["toObjectType"] for a in l["associations"]] == ["invoices"], l
    portal.check_requests()


def test_invoices_open_or_paid_only_with_a_contact_and_a_line_item(portal):
    co = companies(1)
    portal.enqueue("company", co)
    portal.run()  # an association's target must be written first (write.h)
    person = [{"xero_id": xid("person", 0), "key": "ada@example.com", "hash": "a" * 64,
               "properties": {"email": "ada@example.com", "firstname": "Ada"},
               "associations": [{"object": "company", "xero_id": co[0]["xero_id"]}]}]
    portal.enqueue("contact", person)
    portal.run()
    good = invoices(2, tag="good", status="open", contact=person[0]["xero_id"],
                    company=co[0]["xero_id"])
    paid = invoices(1, tag="paid", status="paid", contact=person[0]["xero_id"])
    no_contact = invoices(1, tag="nocontact", status="open")
    no_lines = invoices(1, lines_per=0, tag="nolines", status="paid", contact=person[0]["xero_id"])
    portal.enqueue("invoice", good + paid + no_contact + no_lines)
    portal.run()
    store = {i["properties"]["xero_invoice_id"]: i for i in portal.store("invoices")}
    status = {k: v["properties"]["hs_invoice_status"] for k, v in store.items()}
    assert status[good[0]["xero_id"]] == "open" and status[good[1]["xero_id"]] == "open"
    assert status[paid[0]["xero_id"]] == "paid"
    assert status[no_contact[0]["xero_id"]] == "draft"
    assert status[no_lines[0]["xero_id"]] == "draft"
    for k, v in store.items():
        if v["properties"]["hs_invoice_status"] in ("open", "paid"):
            linked = {a["toObjectType"] for a in v["associations"]}
            assert {"contacts", "line_items"} <= linked, v
    refs = portal.refs("invoice")
    assert "needs an associated contact and line item" in refs[no_lines[0]["xero_id"]][2]
    assert refs[no_contact[0]["xero_id"]][1] is None  # not counted as pushed
    # the client never asked HubSpot for an open/paid invoice without them
    asked = [json.loads(e["body"]) for e in portal.hs.requests("/crm/v3/objects/invoices/batch/")]
    wanted = {i["id"] for b in asked for i in b["inputs"]
              if i.get("properties", {}).get("hs_invoice_status") in ("open", "paid")}
    allowed = {store[x["xero_id"]]["id"] for x in good + paid}
    assert wanted == allowed
    portal.check_requests()


def test_429_storms_and_5xx_still_write_everything_within_the_budget(tmp_path):
    p = Portal(tmp_path, scale=0.1, worker={"threads": "3"})
    try:
        p.hs.post("/_sim/faults", {"error_rate": 0.05, "seed": 3,
                                   "path_regex": "^/crm/"})
        for k in range(30):
            p.enqueue("company", companies(100, tag="storm%d" % k))
        p.hs.post("/_sim/faults", {"burst_429": 8})
        ws = [p.inst.worker(p.config) for _ in range(3)]
        for _ in range(2):  # more storms while the writes go on
            assert wait_for(lambda: p.hs.get("/_sim/faults").get("burst_429", 0) == 0, timeout=30)
            time.sleep(0.2)
            p.hs.post("/_sim/faults", {"burst_429": 8})
        assert wait_for(p.done, timeout=240), p.jobs()
        for w in ws:
            w.stop()
        assert [j for j in p.jobs() if j[1] != "completed"] == []
        assert len(p.store("companies")) == 3000
        assert len(p.refs("company")) == 3000
        entries = [e for e in p.hs.requests("/crm/") if (e["status"] or 0) < 300]
        starts = sorted(e["start"] for e in entries)
        window, peak, j = 10 * p.scale, 0, 0
        for i, s in enumerate(starts):
            while starts[j] <= s - window:
                j += 1
            peak = max(peak, i - j + 1)
        assert peak <= 100, peak
        statuses = [e["status"] for e in p.hs.requests("/crm/")]
        assert p.hs.get("/_sim/faults").get("burst_429", 0) == 0
        assert statuses.count(429) >= 24 and any(s >= 500 for s in statuses)
        p.check_requests()
    finally:
        p.inst.close()


def test_423_waits_two_seconds_and_retries(portal):
    portal.hs.post("/_sim/locked", {"count": 1})
    portal.enqueue("company", companies(5))
    portal.run()
    tries = portal.hs.requests(UPSERT % "companies")
    assert [e["status"] for e in tries] == [423, 200]
    assert tries[1]["start"] - tries[0]["start"] >= 2.0
    assert len(portal.store("companies")) == 5


def test_401_reports_the_link_and_pauses_the_job(portal):
    portal.hs.post("/_sim/tokens/revoke", {"token": portal.token})
    portal.enqueue("company", companies(3))
    w = portal.inst.worker(portal.config)
    assert wait_for(lambda: portal.jobs()[0][3] >= 1, timeout=30), portal.jobs()
    w.stop()
    job = portal.jobs()[0]
    assert job[1] in ("available", "retryable") and job[2] == 0  # paused: no attempt used
    status, reason = portal.inst.q("SELECT status, status_reason FROM link WHERE id = %s",
                                   (portal.link,))[0]
    assert status == "needs_reconnect" and "401" in reason
    assert portal.inst.one("SELECT count(*) FROM audit_event WHERE action = 'hubspot.auth'") == 1


def test_403_missing_scopes_reports_the_link(tmp_path):
    p = Portal(tmp_path, scopes=["crm.objects.contacts.read"])
    try:
        p.enqueue("company", companies(3))
        w = p.inst.worker(p.config)
        assert wait_for(lambda: p.jobs()[0][3] >= 1, timeout=30), p.jobs()
        w.stop()
        assert p.jobs()[0][1] in ("available", "retryable")
        reason = p.inst.one("SELECT status_reason FROM link WHERE id = %s", (p.link,))
        assert "403" in reason
    finally:
        p.inst.close()


def test_a_daily_429_blocks_the_portal_until_the_reset(portal):
    portal.hs.post("/_sim/portal", {"portal_id": 12345678, "daily_limit": 1})
    portal.enqueue("company", companies(150))
    w = portal.inst.worker(portal.config)
    assert wait_for(lambda: portal.jobs()[0][3] >= 1, timeout=30), portal.jobs()
    w.stop()
    blocked = portal.inst.q("SELECT block_reason, blocked_until > now() + interval '1 minute'"
                            " FROM rate_limit WHERE scope = %s", ("hubspot:12345678",))
    assert blocked == [("daily", True)]
    job = portal.jobs()[0]
    assert job[1] in ("available", "retryable") and job[2] == 0
    assert len(portal.store("companies")) == 100  # the first call went through


def test_removed_lines_are_archived_and_changed_ones_updated_in_place(portal):
    inv = invoices(1, lines_per=3, tag="edit")
    portal.enqueue("invoice", inv)
    portal.run()
    before = {l["properties"]["xero_line_item_id"]: l["id"] for l in portal.store("line_items")}
    inv[0]["lines"] = inv[0]["lines"][:2]
    inv[0]["lines"][0]["properties"]["price"] = "99"
    inv[0]["lines"][0]["hash"] = "b" * 64
    inv[0]["hash"] = "c" * 64
    portal.enqueue("invoice", inv)
    portal.run()
    live = {l["properties"]["xero_line_item_id"]: l for l in portal.store("line_items")}
    assert set(live) == {l["xero_id"] for l in inv[0]["lines"]}
    first = live[inv[0]["lines"][0]["xero_id"]]
    assert first["id"] == before[first["properties"]["xero_line_item_id"]]
    assert first["properties"]["price"] == "99"
    assert len(portal.refs("line_item")) == 2
    assert len(portal.calls("/crm/v3/objects/line_items/batch/update")) == 1
    assert len(portal.calls("/crm/v3/objects/line_items/batch/archive")) == 1
    portal.check_requests()


def run_kind(portal, kind, args, timeout=120):
    jid = portal.inst.one("INSERT INTO job (kind, link_id, args) VALUES (%s, %s, %s::jsonb)"
                          " RETURNING id", (kind, portal.link, json.dumps(args)))
    portal.inst.q("SELECT pg_notify('xhsync_job', '')")
    w = portal.inst.worker(portal.config)
    done = lambda: portal.inst.one("SELECT state FROM job WHERE id = %s", (jid,)) in (
        "completed", "discarded")
    assert wait_for(done, timeout=timeout)
    w.stop()
    return portal.inst.q("SELECT state, last_error FROM job WHERE id = %s", (jid,))[0]


def test_adopt_finds_every_record_past_the_10000_search_cap(portal):
    n = int(os.environ.get("XH_ADOPT_N", "10050"))
    seeded = [{"properties": {"name": "Old %d" % i, "xero_contact_id": xid("old", i)}}
              for i in range(n)] + [{"properties": {"name": "No xero id %d" % i}} for i in range(20)]
    portal.hs.post("/_sim/seed", {"objects": {"companies": seeded}})
    portal.enqueue("company", companies(1, tag="old"))  # xid("old", 0): already known
    portal.run()
    known = portal.refs("company")
    assert run_kind(portal, "hubspot.adopt", {"object": "company"}) == ("completed", None)
    refs = portal.refs("company")
    assert len(refs) == n and set(refs) == {xid("old", i) for i in range(n)}
    assert refs[xid("old", 0)] == known[xid("old", 0)]  # a known record is left alone
    store = {c["properties"].get("xero_contact_id"): c["id"] for c in portal.store("companies")}
    assert all(store[x] == v[0] for x, v in refs.items())
    detail = portal.inst.one("SELECT detail FROM audit_event WHERE action = 'hubspot.adopt'")
    assert detail["seen"] == n and detail["adopted"] == n - 1 and detail["skipped"] == 0
    pages = [json.loads(e["body"]) for e in portal.calls("/crm/v3/objects/companies/search")]
    assert len(pages) == detail["calls"] and len(pages) <= -(-n // 200) + 2
    assert max(int(p["after"]) for p in pages) + 200 <= 10000  # never past the cap
    assert any(int(p["after"]) == 0 and p["filterGroups"][0]["filters"][-1]["value"] != "0"
               for p in pages)  # a restart narrowed by hs_object_id
    starts = sorted(e["start"] for e in portal.calls("/crm/v3/objects/companies/search"))
    assert all(b - a >= 0 for a, b in zip(starts, starts[5:]))
    assert all(starts[i + 5] - starts[i] >= 1.0 * portal.scale * 0.95
               for i in range(len(starts) - 5))  # 5 a (scaled) second
    portal.check_requests()


def test_properties_are_read_once_and_cached_per_link(portal):
    args = {"objects": ["company", "invoice"], "max_age_s": 3600}
    assert run_kind(portal, "hubspot.properties", args) == ("completed", None)
    assert run_kind(portal, "hubspot.properties", args) == ("completed", None)
    calls = portal.calls("/crm/v3/properties/companies") + portal.calls("/crm/v3/properties/invoices")
    assert len(calls) == 2
    rows = dict(portal.inst.q("SELECT object, body FROM hubspot_property_cache WHERE link_id = %s",
                              (portal.link,)))
    assert set(rows) == {"company", "invoice"}
    assert "xero_contact_id" in {p["name"] for p in rows["company"]["results"]}
    args["max_age_s"] = 0
    assert run_kind(portal, "hubspot.properties", args) == ("completed", None)
    assert len(portal.calls("/crm/v3/properties/companies")) == 2
    assert run_kind(portal, "hubspot.properties", {"objects": ["deal"]})[0] == "discarded"
