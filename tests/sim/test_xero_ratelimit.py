"""Xero simulator: per-tenant concurrent/minute/day limits, app limit, headers and 429 shape."""

import threading
import time

import pytest


@pytest.fixture
def fixed(xero):
    """Windows aligned (no random phase) and 100x longer, so no window rolls over mid-test."""
    xero.ctl("POST", "/_sim/limits", {"random_phase": False})
    xero.ctl("POST", "/_sim/time_scale", {"time_scale": 100})
    return xero


def remaining(resp):
    return tuple(int(resp.header(h)) for h in ("X-DayLimit-Remaining", "X-MinLimit-Remaining",
                                               "X-AppMinLimit-Remaining"))


def test_headers_on_every_tenant_call(fixed):
    first = fixed.api("GET", "/Organisation")
    assert remaining(first) == (4999, 59, 9999)
    second = fixed.api("GET", "/Contacts/nope")  # a 404 is still a counted tenant call
    assert second.status == 404 and remaining(second) == (4998, 58, 9998)


def test_sixty_per_minute_then_429_with_retry_after(fixed):
    seen = [remaining(fixed.api("GET", "/Organisation"))[1] for _ in range(60)]
    assert seen == list(range(59, -1, -1))
    resp = fixed.api("GET", "/Organisation")
    assert resp.status == 429
    assert resp.header("X-Rate-Limit-Problem") == "minute"
    retry = int(resp.header("Retry-After"))
    assert 1 <= retry <= 6000  # the rest of a 60 s window, times 100
    assert resp.header("X-MinLimit-Remaining") == "0" and resp.header("X-DayLimit-Remaining") == "4940"
    assert resp.header("Xero-Correlation-Id")


def test_minute_window_resets_scaled(xero):
    xero.ctl("POST", "/_sim/limits", {"minute": 3})
    xero.ctl("POST", "/_sim/time_scale", {"time_scale": 0.01})  # 60 s window -> 0.6 s
    statuses = [xero.api("GET", "/Organisation").status for _ in range(6)]
    deadline = time.time() + 2
    while 429 not in statuses and time.time() < deadline:
        statuses.append(xero.api("GET", "/Organisation").status)
    assert 429 in statuses
    retry = xero.api("GET", "/Organisation")
    time.sleep(0.65)
    assert xero.api("GET", "/Organisation").status == 200, retry.headers


def test_day_limit_per_tenant(fixed):
    fixed.ctl("POST", "/_sim/tenants", {"tenantId": fixed.tenant_id, "dayLimit": 3})
    assert [fixed.api("GET", "/Organisation").status for _ in range(3)] == [200] * 3
    resp = fixed.api("GET", "/Organisation")
    assert resp.status == 429 and resp.header("X-Rate-Limit-Problem") == "day"
    assert int(resp.header("Retry-After")) > 6000  # a day window, not a minute one
    assert resp.header("X-DayLimit-Remaining") == "0"


def test_limits_are_per_tenant(fixed):
    fixed.ctl("POST", "/_sim/limits", {"minute": 2})
    other = fixed.ctl("POST", "/_sim/tenants", {"name": "Second"})["tenantId"]
    tok = fixed.ctl("POST", "/_sim/tokens", {"tenants": [fixed.tenant_id, other]})["access_token"]
    assert [fixed.api("GET", "/Organisation", token=tok).status for _ in range(3)] == [200, 200, 429]
    assert fixed.api("GET", "/Organisation", token=tok, tenant=other).status == 200


def test_app_minute_limit_across_tenants(fixed):
    fixed.ctl("POST", "/_sim/limits", {"app_minute": 3})
    other = fixed.ctl("POST", "/_sim/tenants", {"name": "Second"})["tenantId"]
    tok = fixed.ctl("POST", "/_sim/tokens", {"tenants": [fixed.tenant_id, other]})["access_token"]
    fixed.api("GET", "/Organisation", token=tok)
    fixed.api("GET", "/Organisation", token=tok, tenant=other)
    conns = fixed.request("GET", "/connections", headers={"Authorization": "Bearer " + tok})
    assert conns.header("X-AppMinLimit-Remaining") == "0"
    resp = fixed.api("GET", "/Organisation", token=tok, tenant=other)
    assert resp.status == 429 and resp.header("X-Rate-Limit-Problem") == "appminute"
    assert fixed.request("GET", "/connections", headers={"Authorization": "Bearer " + tok}).status == 429


def test_five_concurrent_calls_per_tenant(fixed):
    fixed.ctl("POST", "/_sim/faults", {"latency_ms": 1200, "path_regex": "Organisation"})
    results = []

    def call():
        results.append(fixed.api("GET", "/Organisation", timeout=10))

    threads = [threading.Thread(target=call) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status for r in results)
    assert statuses == [200] * 5 + [429], statuses
    refused = next(r for r in results if r.status == 429)
    assert refused.header("X-Rate-Limit-Problem") == "concurrent" and refused.header("Retry-After") == "1"
    # Slots are released: the next call is admitted.
    fixed.ctl("DELETE", "/_sim/faults")
    assert fixed.api("GET", "/Organisation").status == 200


def test_rejected_calls_are_not_counted(fixed):
    fixed.ctl("POST", "/_sim/limits", {"minute": 1})
    assert fixed.api("GET", "/Organisation").status == 200
    for _ in range(3):
        assert fixed.api("GET", "/Organisation").status == 429
    assert fixed.api("GET", "/Organisation").header("X-DayLimit-Remaining") == "4999"


def test_burst_429_fault_is_xero_shaped(xero):
    xero.ctl("POST", "/_sim/faults", {"burst_429": 2})
    first, second, third = (xero.api("GET", "/Contacts") for _ in range(3))
    assert first.status == second.status == 429 and third.status == 200
    assert first.header("X-Rate-Limit-Problem") == "minute" and int(first.header("Retry-After")) >= 1
    assert xero.ctl("GET", "/_sim/faults")["burst_429"] == 0
