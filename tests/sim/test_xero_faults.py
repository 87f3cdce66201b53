"""Xero simulator: injected faults, request log, reset, and the command line (demo mode)."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


def test_error_rate_gives_xero_5xx_text(xero):
    xero.ctl("POST", "/_sim/faults", {"error_rate": 1, "error_statuses": [503]})
    resp = xero.api("GET", "/Contacts")
    assert resp.status == 503 and resp.text == "The Xero API is temporarily unavailable"
    assert xero.ctl("GET", "/_sim/health")["ok"]  # control is never faulted
    form = urllib.parse.urlencode({"grant_type": "refresh_token", "refresh_token": xero.token["refresh_token"],
                                   "client_id": xero.client_id, "client_secret": xero.client_secret})
    token = xero.request("POST", "/connect/token", form, {"Content-Type": "application/x-www-form-urlencoded"})
    assert token.status == 200  # identity is not an API path


def test_error_rate_is_deterministic_with_seed(xero):
    def run():
        xero.ctl("POST", "/_sim/faults", {"error_rate": 0.5, "seed": 7})
        return [xero.api("GET", "/Organisation").status for _ in range(12)]

    first = run()
    assert first == run() and set(first) - {200} and 200 in first


def test_path_regex_limits_faults(xero):
    xero.ctl("POST", "/_sim/faults", {"error_rate": 1, "path_regex": "/Invoices"})
    assert xero.api("GET", "/Invoices").status in (500, 502, 503, 504)
    assert xero.api("GET", "/Contacts").status == 200


def test_latency(xero):
    xero.ctl("POST", "/_sim/faults", {"latency_ms": 300})
    start = time.time()
    assert xero.api("GET", "/Organisation").status == 200
    assert time.time() - start >= 0.3


def test_hang_until_client_gives_up(xero):
    xero.ctl("POST", "/_sim/faults", {"hang_rate": 1})
    with pytest.raises(TimeoutError):
        xero.api("GET", "/Organisation", timeout=0.4)
    xero.ctl("DELETE", "/_sim/faults")
    assert xero.api("GET", "/Organisation").status == 200
    deadline = time.time() + 3
    while time.time() < deadline:
        hung = [e for e in xero.ctl("GET", "/_sim/requests") if e["status"] == 0]
        if hung:
            break
        time.sleep(0.05)
    assert hung and hung[0]["path"] == "/api.xro/2.0/Organisation"


def test_malformed_json(xero):
    xero.ctl("POST", "/_sim/faults", {"malformed_rate": 1})
    resp = xero.api("GET", "/Organisation")
    assert resp.status == 200
    with pytest.raises(ValueError):
        json.loads(resp.text)


def test_revoked_token_fault(xero):
    xero.ctl("POST", "/_sim/tokens/revoke", {"token": xero.token["access_token"]})
    assert xero.api("GET", "/Contacts").status == 401


def test_tenant_disconnect_fault(xero):
    assert xero.ctl("POST", "/_sim/tenants/%s/disconnect" % xero.tenant_id)["removed"] == 1
    resp = xero.api("GET", "/Contacts")
    assert resp.status == 403 and resp.json()["Detail"] == "AuthenticationUnsuccessful"


def test_request_log(xero):
    xero.ctl("DELETE", "/_sim/requests")
    xero.api("PUT", "/Contacts?summarizeErrors=false", {"Name": "Logged"})
    entries = xero.ctl("GET", "/_sim/requests")
    assert len(entries) == 1
    e = entries[0]
    assert e["method"] == "PUT" and e["path"] == "/api.xro/2.0/Contacts" and e["query"] == "summarizeErrors=false"
    assert e["status"] == 200 and json.loads(e["body"]) == {"Name": "Logged"}
    assert e["headers"]["xero-tenant-id"] == xero.tenant_id and e["start"] <= e["end"]
    assert xero.ctl("GET", "/_sim/requests?since=%d" % e["id"]) == []


def test_reset_clears_state(xero):
    xero.ctl("POST", "/_sim/faults", {"latency_ms": 5})
    xero.ctl("POST", "/_sim/reset")
    assert xero.ctl("GET", "/_sim/tenants") == [] and xero.ctl("GET", "/_sim/faults") == {}
    assert xero.api("GET", "/Contacts").status == 401


def test_cli_demo_mode_serves_generated_org_and_exits_on_sigterm():
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "xero_sim.py"), "--port", "0", "--demo",
                             "--seed", "4", "--time-scale", "0.5", "--redirect-uri", "http://localhost/cb"],
                            stdout=subprocess.PIPE, text=True)
    try:
        demo = proc.stdout.readline()
        assert demo.startswith("demo client_id=") and "client_secret=" in demo
        line = proc.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:")
        port = int(line.rsplit(":", 1)[1])
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/_sim/tenants")
        tenants = json.loads(conn.getresponse().read())
        assert len(tenants) == 1 and tenants[0]["counts"]["Invoices"] > 100
        conn.request("GET", "/_sim/clients")
        assert json.loads(conn.getresponse().read())[0]["redirect_uris"] == ["http://localhost/cb"]
        conn.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()


def test_reset_in_demo_mode_reseeds_the_demo_org():
    import xero_sim
    from conftest import SimHandle

    handle = SimHandle(xero_sim.XeroSim(demo_seed=2))
    try:
        before = handle.ctl("GET", "/_sim/tenants")
        tid = before[0]["tenantId"]
        handle.ctl("POST", "/_sim/objects/%s/Contacts" % tid, {"Name": "Scratch"})
        handle.ctl("POST", "/_sim/reset")
        after = handle.ctl("GET", "/_sim/tenants")
        assert after == before and after[0]["counts"]["Invoices"] > 0
    finally:
        handle.close()
