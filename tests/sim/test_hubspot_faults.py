"""HubSpot simulator: injected faults (423 Locked, 5xx, latency, hangs,
malformed JSON) and the command line (demo mode)."""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

C = "/crm/v3/objects/companies"
SIM = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hubspot_sim.py")


def test_locked_423_for_the_next_calls(hubspot):
    hubspot.ctl("POST", "/_sim/locked", {"count": 2})
    replies = [hubspot.api("GET", C) for _ in range(3)]
    assert [r.status for r in replies] == [423, 423, 200]
    body = replies[0].json()
    assert body["status"] == "error" and body["category"] == "LOCKED" and "2 seconds" in body["message"]


def test_error_statuses_fault_can_give_423_and_5xx(hubspot):
    hubspot.ctl("POST", "/_sim/faults", {"error_rate": 1, "error_statuses": [423]})
    resp = hubspot.api("GET", C)
    assert resp.status == 423 and resp.json()["category"] == "LOCKED"
    hubspot.ctl("POST", "/_sim/faults", {"error_statuses": [503]})
    assert hubspot.api("GET", C).status == 503
    hubspot.ctl("DELETE", "/_sim/faults")
    assert hubspot.api("GET", C).status == 200


def test_faults_limited_by_path_regex(hubspot):
    hubspot.ctl("POST", "/_sim/faults", {"error_rate": 1, "error_statuses": [502], "path_regex": "/search$"})
    assert hubspot.api("POST", C + "/search", {}).status == 502
    assert hubspot.api("GET", C).status == 200


def test_malformed_json_fault(hubspot):
    hubspot.ctl("POST", "/_sim/faults", {"malformed_rate": 1})
    resp = hubspot.api("GET", C)
    assert resp.status == 200
    with pytest.raises(ValueError):
        json.loads(resp.body)


def test_latency_fault(hubspot):
    hubspot.ctl("POST", "/_sim/faults", {"latency_ms": 150})
    start = time.time()
    assert hubspot.api("GET", C).status == 200
    assert time.time() - start >= 0.15


def test_hang_fault_times_the_client_out(hubspot):
    hubspot.ctl("POST", "/_sim/faults", {"hang_rate": 1})
    with pytest.raises((socket.timeout, TimeoutError)):
        hubspot.request("GET", C, headers={"Authorization": "Bearer " + hubspot.token}, timeout=0.3)


def test_request_log_records_api_calls(hubspot):
    hubspot.api("POST", C, {"properties": {"name": "Logged"}})
    entry = hubspot.ctl("GET", "/_sim/requests")[-1]
    assert entry["method"] == "POST" and entry["path"] == C and entry["status"] == 201
    assert "Logged" in entry["body"] and entry["end"] >= entry["start"]


def test_reset_clears_state(hubspot):
    hubspot.api("POST", C, {"properties": {"name": "x"}})
    hubspot.ctl("POST", "/_sim/reset")
    assert hubspot.ctl("GET", "/_sim/objects/companies") == []
    assert hubspot.api("GET", C).status == 401  # tokens are gone too


def _start(*args):
    proc = subprocess.Popen([sys.executable, SIM, "--port", "0"] + list(args), stdout=subprocess.PIPE, text=True)
    lines = []
    deadline = time.time() + 10
    while time.time() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if line.startswith("listening on"):
            return proc, int(line.rsplit(":", 1)[1]), "".join(lines)
    proc.kill()
    raise AssertionError("simulator did not start: %r" % lines)


def _get(port, path, token=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", path, headers={"Authorization": "Bearer " + token} if token else {})
    resp = conn.getresponse()
    return resp.status, json.loads(resp.read())


def test_cli_demo_mode(tmp_path):
    proc, port, out = _start("--demo", "--seed", "3", "--time-scale", "0.5", "--webhook-url",
                             "http://127.0.0.1:1/hook", "--client-secret", "s3cret", "--client-id", "cid-1")
    try:
        token = re.search(r"static token: (pat-na1-[0-9a-f-]{36})", out).group(1)
        status, companies = _get(port, "/crm/v3/objects/companies", token)
        assert status == 200 and len(companies["results"]) == 4
        assert len(_get(port, "/crm/v3/objects/contacts?limit=100", token)[1]["results"]) == 6
        cfg = _get(port, "/_sim/config")[1]
        assert cfg["time_scale"] == 0.5 and cfg["app"]["webhook_url"] == "http://127.0.0.1:1/hook"
        assert cfg["app"]["client_secret"] == "s3cret" and cfg["app"]["client_id"] == "cid-1"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        proc.stdout.close()
    proc2, port2, out2 = _start("--demo", "--seed", "3")
    try:
        assert re.search(r"static token: (\S+)", out2).group(1) == token  # deterministic per seed
    finally:
        proc2.send_signal(signal.SIGTERM)
        proc2.wait(timeout=10)
        proc2.stdout.close()
