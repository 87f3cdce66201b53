"""The shared simulator core: routing, control endpoints, faults, keep-alive, webhook sender."""

import http.client
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import simcore


class Echo(simcore.App):
    name = "echo"

    def __init__(self):
        super().__init__()
        self.route("GET", "/things/{tid}", lambda req, tid: simcore.json_response(200, {"id": tid, "q": req.q("a")}))
        self.route("POST", "/things", lambda req: simcore.json_response(201, req.json()))


@pytest.fixture
def echo():
    from conftest import SimHandle

    handle = SimHandle(Echo())
    yield handle
    handle.close()


def test_routes_params_query_and_json(echo):
    resp = echo.request("GET", "/things/a%20b?a=1&a=2")
    assert resp.status == 200 and resp.json() == {"id": "a b", "q": "1"}
    assert echo.request("POST", "/things", {"k": [1]}).json() == {"k": [1]}
    assert echo.request("POST", "/things", "{bad").status == 400
    assert echo.request("DELETE", "/things").status == 405
    assert echo.request("GET", "/nothing").status == 404


def test_keep_alive_and_content_length(echo):
    conn = http.client.HTTPConnection("127.0.0.1", echo.port, timeout=5)
    for i in range(3):
        conn.request("GET", "/things/%d" % i)
        resp = conn.getresponse()
        body = resp.read()
        assert int(resp.getheader("Content-Length")) == len(body) and resp.getheader("Connection") != "close"
    sock_id = id(conn.sock)
    conn.request("GET", "/things/x")
    conn.getresponse().read()
    assert id(conn.sock) == sock_id  # same connection reused
    conn.close()


def test_chunked_request_body(echo):
    sock = socket.create_connection(("127.0.0.1", echo.port), timeout=5)
    sock.sendall(b"POST /things HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                 b"Content-Type: application/json\r\nConnection: close\r\n\r\n"
                 b"4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n")
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    sock.close()
    assert data.startswith(b"HTTP/1.1 201") and data.endswith(b'{"a": 1}')


def test_request_log_and_control(echo):
    echo.request("GET", "/things/1")
    echo.request("GET", "/_sim/health")
    log = echo.ctl("GET", "/_sim/requests")
    assert [e["path"] for e in log] == ["/things/1"]  # /_sim/ calls are not logged
    assert set(log[0]) == {"id", "method", "path", "query", "headers", "body", "status", "start", "end"}
    echo.ctl("DELETE", "/_sim/requests")
    assert echo.ctl("GET", "/_sim/requests") == []
    assert echo.request("GET", "/_sim/unknown").status == 404


def test_faults_configuration(echo):
    assert echo.request("POST", "/_sim/faults", {"nope": 1}).status == 400
    assert echo.request("POST", "/_sim/faults", {"error_rate": 2}).status == 400
    assert echo.request("POST", "/_sim/faults", {"path_regex": "("}).status == 400
    echo.ctl("POST", "/_sim/faults", {"latency_ms": 10})
    assert echo.ctl("POST", "/_sim/faults", {"error_rate": 0.5}) == {"latency_ms": 10.0, "error_rate": 0.5}
    assert echo.ctl("DELETE", "/_sim/faults") == {}


def test_generic_faults(echo):
    echo.ctl("POST", "/_sim/faults", {"burst_429": 1})
    assert echo.request("GET", "/things/1").status == 429
    echo.ctl("POST", "/_sim/faults", {"error_rate": 1, "error_statuses": [502]})
    assert echo.request("GET", "/things/1").status == 502
    echo.ctl("POST", "/_sim/faults", {"error_rate": 0, "malformed_rate": 1})
    resp = echo.request("GET", "/things/abcdef")
    assert resp.status == 200
    with pytest.raises(ValueError):
        resp.json()


def test_time_scale_and_reset(echo):
    assert echo.ctl("POST", "/_sim/time_scale", {"time_scale": 0.01}) == {"time_scale": 0.01}
    assert echo.app.clock.window(60) == pytest.approx(0.6)
    assert echo.request("POST", "/_sim/time_scale", {"time_scale": 0}).status == 400
    echo.ctl("POST", "/_sim/reset")
    assert echo.app.clock.time_scale == 1.0


class Sink:
    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.got = []
        sink = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                sink.got.append(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(sink.statuses.pop(0) if sink.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = "http://127.0.0.1:%d/hook" % self.server.server_address[1]


def test_webhook_sender_retries_on_scaled_schedule():
    clock = simcore.SimClock()
    clock.time_scale = 0.01
    sink = Sink([500, 503])
    sender = simcore.WebhookSender(clock, "t")
    try:
        start = time.time()
        did = sender.send(sink.url, b"{}", {"Content-Type": "application/json"}, retries=(10, 20))
        assert sender.wait(did, 5)
        d = sender.delivery(did)
        assert [a["status"] for a in d["attempts"]] == [500, 503, 200] and d["delivered"]
        assert time.time() - start >= 0.3  # 0.1 s + 0.2 s of scaled retry delay
        gone = sender.send("http://127.0.0.1:1/none", b"{}", {}, retries=())
        assert sender.wait(gone, 5)
        failed = sender.delivery(gone)
        assert not failed["delivered"] and failed["attempts"][0]["status"] == 0 and failed["attempts"][0]["error"]
    finally:
        sender.stop()
        sink.server.shutdown()
        sink.server.server_close()


def test_main_cli_builds_app_from_args(monkeypatch):
    built = {}

    class Stop(Exception):
        pass

    def fake_serve(app, host, port):
        built.update(app=app, host=host, port=port)
        raise Stop()

    monkeypatch.setattr(simcore, "serve", fake_serve)
    with pytest.raises(Stop):
        simcore.main_cli(lambda args: Echo(), ["prog", "--port", "0", "--time-scale", "0.5"], 9999)
    assert built["port"] == 0 and built["app"].clock.time_scale == 0.5 and built["host"] == "127.0.0.1"
    assert json.dumps(built["app"].faults.snapshot()) == "{}"
