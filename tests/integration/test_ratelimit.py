"""The rate limiter shared by every worker, measured where it matters: at
the simulators' request logs. Three xhsync-worker processes run xero.ping
and hubspot.ping jobs for one link, with time-scaled windows, against
private simulators and a private database (jobs_support).
"""
import json

import pytest

from jobs_support import FAST_WORKER, JobsInstance, wait_for

XERO_SCALE = 0.05      # a Xero minute lasts 3 s
HUBSPOT_SCALE = 0.1    # a HubSpot ten-second window lasts 1 s
ORG_PATH = "/api.xro/2.0/Organisation"
COMPANIES_PATH = "/crm/v3/objects/companies"


def max_in_flight(entries):
    """The most requests the simulator was serving at one instant."""
    events = []
    for e in entries:
        events.append((e["start"], 1))
        events.append((e["end"], -1))
    cur = peak = 0
    for _, d in sorted(events, key=lambda x: (x[0], x[1])):
        cur += d
        peak = max(peak, cur)
    return peak


def max_in_window(entries, window):
    """The most requests that started within any window of `window` seconds."""
    starts = sorted(e["start"] for e in entries)
    peak = j = 0
    for i, s in enumerate(starts):
        while starts[j] <= s - window:
            j += 1
        peak = max(peak, i - j + 1)
    return peak


class Setup:
    """A link with a Xero tenant and a HubSpot portal, tokens from the simulators."""

    def __init__(self, tmp_path, day_limit=None, xero_overrides=None, threads=4):
        self.inst = JobsInstance(tmp_path)
        self.xero = self.inst.sim("xero_sim.py", "--time-scale", str(XERO_SCALE))
        self.hubspot = self.inst.sim("hubspot_sim.py", "--time-scale", str(HUBSPOT_SCALE))
        tenant = {"name": "Limiter Org"}
        if day_limit:
            tenant["dayLimit"] = day_limit
        self.tenant = self.xero.post("/_sim/tenants", tenant)["tenantId"]
        token = self.xero.post("/_sim/tokens", {"tenantId": self.tenant})["access_token"]
        hs = self.hubspot.post("/_sim/tokens", {"kind": "static"})
        self.portal = hs["portal_id"]
        self.link = self.inst.one(
            "INSERT INTO link (name, xero_tenant_id, hubspot_portal_id) VALUES ('lim', %s, %s)"
            " RETURNING id", (self.tenant, self.portal))
        self.set_credential("xero", {"access_token": token, "tenant_id": self.tenant})
        self.set_credential("hubspot", {"access_token": hs["token"]})
        limits = {"time_scale": XERO_SCALE}
        limits.update(xero_overrides or {})
        self.config = self.inst.write_config("lim.conf", {
            "worker": dict(FAST_WORKER, threads=threads),
            "log": {"level": "warn"},
            "ratelimit": limits,
            "xero": {"api_url": self.xero.url},
            "hubspot": {"api_url": self.hubspot.url},
        })

    def set_credential(self, vendor, payload):
        out = self.inst.cli("credential", "set", str(self.link), vendor,
                            input=json.dumps(payload))
        assert out.returncode == 0, out.stderr

    def enqueue(self, kind, n):
        for _ in range(n):
            out = self.inst.cli("jobs", "enqueue", kind, "--link", str(self.link))
            assert out.returncode == 0, out.stderr

    def done(self, kind, n):
        return lambda: self.inst.one("SELECT count(*) FROM job WHERE kind = %s"
                                     " AND state = 'completed'", (kind,)) >= n


@pytest.fixture
def lim(tmp_path):
    s = Setup(tmp_path)
    yield s
    s.inst.close()


def test_xero_limits_hold_at_the_simulator_with_3_workers(lim):
    # every call lasts 150 ms, so the five slots are what limits concurrency
    lim.xero.post("/_sim/faults", {"latency_ms": 150, "path_regex": "Organisation"})
    lim.enqueue("xero.ping", 150)
    workers = [lim.inst.worker(lim.config) for _ in range(3)]
    assert wait_for(lim.done("xero.ping", 150), timeout=120), lim.inst.states()
    for w in workers:
        assert w.stop() == 0
    calls = lim.xero.requests(ORG_PATH)
    assert len(calls) == 150, "one call per job, no retries"
    assert {e["status"] for e in calls} == {200}, "the simulator never had to refuse"
    assert max_in_flight(calls) <= 5
    assert max_in_flight(calls) >= 3, "the workers did run calls side by side"
    assert max_in_window(calls, 60 * XERO_SCALE) <= 60
    span = max(e["start"] for e in calls) - min(e["start"] for e in calls)
    assert span >= 2 * 60 * XERO_SCALE, "150 calls need three minute windows"
    assert lim.inst.one("SELECT count(*) FROM job WHERE state <> 'completed'"
                        " AND kind = 'xero.ping'") == 0


def test_xero_429_is_honoured_by_every_worker_and_jobs_are_snoozed(lim):
    workers = [lim.inst.worker(lim.config) for _ in range(3)]
    lim.xero.post("/_sim/faults", {"burst_429": 1, "latency_ms": 50,
                                   "path_regex": "Organisation"})
    lim.enqueue("xero.ping", 30)
    assert wait_for(lim.done("xero.ping", 30), timeout=60), lim.inst.states()
    for w in workers:
        assert w.stop() == 0
    calls = sorted(lim.xero.requests(ORG_PATH), key=lambda e: e["start"])
    refused = [e for e in calls if e["status"] == 429]
    assert len(refused) == 1
    blocked_from = refused[0]["end"] + 0.1  # calls already past the gate may still land
    blocked_until = refused[0]["end"] + 1.0  # Retry-After: 1
    inside = [e for e in calls if blocked_from <= e["start"] < blocked_until]
    assert inside == [], "a worker called Xero while the tenant was blocked"
    assert len([e for e in calls if e["status"] == 200]) == 30
    rows = lim.inst.q("SELECT state, attempts, snoozes, last_error FROM job"
                      " WHERE kind = 'xero.ping'")
    assert all(r[0] == "completed" and r[1] == 1 and r[3] is None for r in rows), rows
    assert sum(r[2] for r in rows) >= 1, "the refused job was snoozed"


def test_xero_day_limit_follows_the_remaining_header(tmp_path):
    s = Setup(tmp_path, day_limit=12, threads=1)
    try:
        s.enqueue("xero.ping", 15)
        w = s.inst.worker(s.config)
        assert wait_for(s.done("xero.ping", 12), timeout=60), s.inst.states()
        assert wait_for(lambda: s.inst.one(
            "SELECT count(*) FROM job WHERE kind = 'xero.ping' AND state = 'available'"
            " AND snoozes > 0 AND run_at > now() + interval '10 minutes'") == 3, timeout=30)
        assert w.stop() == 0
        calls = s.xero.requests(ORG_PATH)
        assert [e["status"] for e in calls] == [200] * 12, "the 13th call never left"
        assert s.inst.one("SELECT count(*) FROM job WHERE last_error IS NOT NULL") == 0
    finally:
        s.inst.close()


def test_hubspot_ten_second_window_holds_at_the_simulator(tmp_path):
    s = Setup(tmp_path, xero_overrides={"time_scale": HUBSPOT_SCALE, "hubspot_per_10s": 10})
    try:
        s.enqueue("hubspot.ping", 35)
        workers = [s.inst.worker(s.config) for _ in range(3)]
        assert wait_for(s.done("hubspot.ping", 35), timeout=60), s.inst.states()
        for w in workers:
            assert w.stop() == 0
        calls = s.hubspot.requests(COMPANIES_PATH)
        assert len(calls) == 35
        assert {e["status"] for e in calls} == {200}
        assert max_in_window(calls, 10 * HUBSPOT_SCALE) <= 10
        span = max(e["start"] for e in calls) - min(e["start"] for e in calls)
        assert span >= 3 * 10 * HUBSPOT_SCALE
        assert all(e["headers"].get("Authorization", "").startswith("Bearer ") for e in calls)
    finally:
        s.inst.close()


def test_ping_without_credential_or_with_a_bad_token_is_discarded(lim):
    lim.inst.q("DELETE FROM credential WHERE vendor = 'hubspot'")
    lim.set_credential("xero", {"access_token": "not-a-token", "tenant_id": lim.tenant})
    lim.enqueue("xero.ping", 1)
    lim.enqueue("hubspot.ping", 1)
    w = lim.inst.worker(lim.config)
    assert wait_for(lambda: lim.inst.one("SELECT count(*) FROM job WHERE state = 'discarded'"
                                         " AND kind LIKE '%%.ping'") == 2, timeout=30)
    errors = dict(lim.inst.q("SELECT kind, last_error FROM job WHERE kind LIKE '%%.ping'"))
    assert errors["xero.ping"] == "Xero answered 401"
    assert errors["hubspot.ping"] == "HubSpot credential: not found"
    assert w.stop() == 0
    # the token never reaches the logs
    assert "not-a-token" not in w.output()


def test_pings_succeed_and_send_the_tenant(lim):
    lim.enqueue("xero.ping", 1)
    lim.enqueue("hubspot.ping", 1)
    w = lim.inst.worker(lim.config)
    assert wait_for(lim.done("xero.ping", 1)) and wait_for(lim.done("hubspot.ping", 1))
    assert w.stop() == 0
    (call,) = lim.xero.requests(ORG_PATH)
    headers = {k.lower(): v for k, v in call["headers"].items()}
    assert headers["xero-tenant-id"] == lim.tenant
    assert headers["accept"] == "application/json"


def test_claim_skips_a_link_whose_vendor_scope_is_blocked(lim):
    # a 429 seen by some worker: the tenant is blocked for 4 s
    lim.inst.q("INSERT INTO rate_limit (scope, blocked_until) VALUES (%s, now() + interval '4 s')",
               ("xero:" + lim.tenant,))
    lim.enqueue("xero.ping", 1)
    lim.enqueue("hubspot.ping", 1)
    w = lim.inst.worker(lim.config)
    # the HubSpot job of the same link runs; the Xero job is not even claimed
    assert wait_for(lim.done("hubspot.ping", 1), timeout=10)
    assert lim.inst.q("SELECT state, attempts, snoozes FROM job WHERE kind = 'xero.ping'") == [
        ("available", 0, 0)]
    assert lim.xero.requests(ORG_PATH) == []
    assert wait_for(lim.done("xero.ping", 1), timeout=10)
    (call,) = lim.xero.requests(ORG_PATH)
    blocked_until = lim.inst.one("SELECT extract(epoch FROM blocked_until) FROM rate_limit"
                                 " WHERE scope = %s", ("xero:" + lim.tenant,))
    assert call["start"] >= float(blocked_until)
    assert w.stop() == 0
