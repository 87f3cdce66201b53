"""Shared core for the vendor simulators (Xero, HubSpot).

Pure standard library. Each simulator subclasses App, registers routes, and is
served by serve() (tests, in-process on port 0) or main_cli() (command line).

Common control endpoints, available on every App:
  GET    /_sim/health                 {"ok": true, "name": ...}
  GET    /_sim/requests[?since=ID]    request log entries (JSON list)
  DELETE /_sim/requests               clear the request log
  GET    /_sim/faults                 current fault configuration
  POST   /_sim/faults                 merge a fault configuration (see Faults)
  DELETE /_sim/faults                 clear all faults
  POST   /_sim/time_scale             {"time_scale": 0.01}
  POST   /_sim/reset                  app.reset(): state, log and faults
Anything else under /_sim/ goes to app.control(req).

Request pipeline for non-/_sim/ paths: log start, faults that answer before the
app (burst_429, hang, error_rate), app.handle(req) -> route -> app.invoke()
(latency fault, then the handler), malformed_rate on the way out, log end.
"""

import argparse
import heapq
import http.client
import inspect
import itertools
import json
import random
import re
import select
import signal
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG_BODY_MAX = 64 * 1024
HANG_CAP_SECONDS = 120.0
DEFAULT_ERROR_STATUSES = [500, 502, 503, 504]
DEFAULT_RETRIES = (1, 10, 60, 300)


class BadRequest(Exception):
    """Raised by Request.json() and control handlers on unusable input."""


class Response:
    """What a route handler returns: status, body bytes, headers."""

    def __init__(self, status, body=b"", headers=None):
        self.status = int(status)
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.body = body or b""
        if headers is None:
            self.headers = []
        elif isinstance(headers, dict):
            self.headers = list(headers.items())
        else:
            self.headers = list(headers)

    def header(self, name):
        """First header value by case-insensitive name, or None."""
        low = name.lower()
        for k, v in self.headers:
            if k.lower() == low:
                return v
        return None

    def set_header(self, name, value):
        """Replace (or add) a header."""
        low = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != low]
        self.headers.append((name, str(value)))


def json_response(status, obj, headers=None):
    """A JSON response with Content-Type application/json; charset=utf-8."""
    resp = Response(status, json.dumps(obj).encode("utf-8"), headers)
    if resp.header("Content-Type") is None:
        resp.set_header("Content-Type", "application/json; charset=utf-8")
    return resp


def text_response(status, text, content_type="text/plain; charset=utf-8", headers=None):
    """A text (or HTML) response."""
    resp = Response(status, text.encode("utf-8"), headers)
    if resp.header("Content-Type") is None:
        resp.set_header("Content-Type", content_type)
    return resp


class Request:
    """What a route handler receives."""

    def __init__(self, method, target, headers, body=b"", client=None):
        self.method = method.upper()
        parts = urllib.parse.urlsplit(target)
        self.raw_path = parts.path
        self.path = urllib.parse.unquote(parts.path)
        self.query_string = parts.query
        self.query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        self.headers = headers
        self.body = body or b""
        self.client = client
        self.id = 0

    def json(self):
        """Parsed JSON body; raises BadRequest when absent or invalid."""
        if not self.body:
            raise BadRequest("empty body, expected JSON")
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadRequest("invalid JSON body: %s" % exc) from exc

    def q(self, name, default=None):
        """First value of a query parameter, or default."""
        vals = self.query.get(name)
        return vals[0] if vals else default

    def form(self):
        """Parsed application/x-www-form-urlencoded body: name -> first value."""
        text = self.body.decode("utf-8", "replace")
        return {k: v[0] for k, v in urllib.parse.parse_qs(text, keep_blank_values=True).items()}


class SimClock:
    """Scaled time for rate-limit windows and token lifetimes."""

    def __init__(self):
        self.time_scale = 1.0
        self.default_scale = 1.0

    def now(self):
        """Wall clock seconds (time.time())."""
        return time.time()

    def window(self, seconds):
        """How long a window or lifetime of `seconds` really lasts."""
        return seconds * self.time_scale


class RequestLog:
    """Thread-safe log of every non-/_sim/ request."""

    def __init__(self):
        self._lock = threading.Condition()
        self._entries = []
        self._ids = itertools.count(1)

    def start(self, req):
        """Record a request as received; returns the entry (a dict)."""
        body = req.body[:LOG_BODY_MAX].decode("utf-8", "replace")
        entry = {
            "id": 0,
            "method": req.method,
            "path": req.path,
            "query": req.query_string,
            "headers": {k: v for k, v in req.headers.items()},
            "body": body,
            "status": None,
            "start": time.time(),
            "end": None,
        }
        with self._lock:
            entry["id"] = next(self._ids)
            self._entries.append(entry)
        req.id = entry["id"]
        return entry

    def answering(self, entry, status):
        """The response (status) is being written now."""
        with self._lock:
            entry["status"] = status

    def finish(self, entry, status):
        """Mark an entry done: response fully written (status 0: dropped unanswered)."""
        with self._lock:
            entry["status"] = status
            entry["end"] = time.time()
            self._lock.notify_all()

    def entries(self, since_id=0):
        """Copies of the entries with id > since_id (waits briefly for responses mid-write)."""
        deadline = time.time() + 1.0
        with self._lock:
            while any(e["status"] is not None and e["end"] is None for e in self._entries):
                left = deadline - time.time()
                if left <= 0:
                    break
                self._lock.wait(left)
            return [dict(e) for e in self._entries if e["id"] > since_id]

    def clear(self):
        """Forget all entries (ids keep increasing)."""
        with self._lock:
            self._entries = []


class Faults:
    """Injected faults, configured by POST /_sim/faults (merged).

    Keys: error_rate (0..1) with error_statuses (default [500,502,503,504]);
    latency_ms; hang_rate (0..1, hold the connection unanswered until the
    client gives up, at most 120 s); burst_429 (the next N matching requests
    get the app's 429); malformed_rate (0..1, 200 with an invalid JSON body);
    path_regex (faults apply only to matching paths); seed (deterministic
    randomness).
    """

    KEYS = {
        "error_rate": float,
        "error_statuses": list,
        "latency_ms": float,
        "hang_rate": float,
        "burst_429": int,
        "malformed_rate": float,
        "path_regex": str,
        "seed": int,
    }

    def __init__(self):
        self._lock = threading.Lock()
        self.clear()

    def clear(self):
        """Remove every fault."""
        with self._lock:
            self.config = {}
            self._regex = None
            self._rng = random.Random()

    def configure(self, cfg):
        """Merge a fault configuration; raises BadRequest on bad keys/values."""
        if not isinstance(cfg, dict):
            raise BadRequest("faults must be a JSON object")
        clean = {}
        for key, val in cfg.items():
            clean[key] = self._coerce(key, val)
        with self._lock:
            self.config.update(clean)
            self.config = {k: v for k, v in self.config.items() if v is not None}
            pattern = self.config.get("path_regex")
            self._regex = re.compile(pattern) if pattern else None
            if "seed" in clean:
                self._rng = random.Random(clean["seed"])

    def _coerce(self, key, val):
        kind = self.KEYS.get(key)
        if kind is None:
            raise BadRequest("unknown fault key %r" % key)
        if val is None:
            return None
        try:
            out = kind(val)
        except (TypeError, ValueError) as exc:
            raise BadRequest("bad value for %s" % key) from exc
        if kind is float and key.endswith("_rate") and not 0.0 <= out <= 1.0:
            raise BadRequest("%s must be within 0..1" % key)
        if key == "error_statuses" and not all(isinstance(s, int) and 100 <= s <= 599 for s in out):
            raise BadRequest("error_statuses must be HTTP status integers")
        if key == "path_regex":
            try:
                re.compile(out)
            except re.error as exc:
                raise BadRequest("bad path_regex: %s" % exc) from exc
        return out

    def snapshot(self):
        """The current configuration (a copy)."""
        with self._lock:
            return dict(self.config)

    def matches(self, path):
        """True when faults (if any) target this path."""
        with self._lock:
            return self._regex is None or bool(self._regex.search(path))

    def _roll(self, key):
        rate = self.config.get(key, 0.0)
        return rate > 0.0 and self._rng.random() < rate

    def decide(self):
        """Pick the pre-handler fault for one request: '429', 'hang', an int status, or None."""
        with self._lock:
            burst = self.config.get("burst_429", 0)
            if burst > 0:
                self.config["burst_429"] = burst - 1
                return "429"
            if self._roll("hang_rate"):
                return "hang"
            if self._roll("error_rate"):
                statuses = self.config.get("error_statuses") or DEFAULT_ERROR_STATUSES
                return self._rng.choice(statuses)
        return None

    def latency(self):
        """Seconds of added latency."""
        with self._lock:
            return max(0.0, self.config.get("latency_ms", 0.0)) / 1000.0

    def malformed(self):
        """True when this response should be replaced by broken JSON."""
        with self._lock:
            return self._roll("malformed_rate")


class WebhookSender:
    """Background thread delivering webhook POSTs with retries."""

    def __init__(self, clock, name):
        self.clock = clock
        self.name = name
        self.timeout = 10.0
        self._cond = threading.Condition()
        self._queue = []
        self._deliveries = {}
        self._order = []
        self._ids = itertools.count(1)
        self._seq = itertools.count()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="webhooks-" + name, daemon=True)
        self._thread.start()

    def send(self, url, body, headers, retries=DEFAULT_RETRIES, expect=(200,)):
        """Queue a delivery; returns its id. Retry delays are scaled by the clock."""
        with self._cond:
            did = next(self._ids)
            self._deliveries[did] = {
                "id": did,
                "url": url,
                "attempts": [],
                "delivered": False,
                "done": False,
                "body": body.decode("utf-8", "replace"),
                "headers": dict(headers),
                "expect": list(expect),
                "_raw": body,
                "_retries": list(retries),
            }
            self._order.append(did)
            heapq.heappush(self._queue, (time.time(), next(self._seq), did))
            self._cond.notify_all()
        return did

    def deliveries(self):
        """Copies of all deliveries, oldest first."""
        with self._cond:
            return [self._public(self._deliveries[d]) for d in self._order]

    def delivery(self, did):
        """One delivery by id, or None."""
        with self._cond:
            d = self._deliveries.get(did)
            return self._public(d) if d else None

    def wait(self, did, timeout=10.0):
        """Block until delivery `did` is finished (delivered or out of retries)."""
        deadline = time.time() + timeout
        with self._cond:
            while not self._deliveries[did]["done"]:
                left = deadline - time.time()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def clear(self):
        """Forget all deliveries and pending retries."""
        with self._cond:
            self._queue = []
            self._deliveries = {}
            self._order = []

    def stop(self):
        """End the background thread (pending retries are dropped)."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(timeout=self.timeout + 1)

    @staticmethod
    def _public(d):
        out = {k: v for k, v in d.items() if not k.startswith("_")}
        out["attempts"] = [dict(a) for a in d["attempts"]]
        return out

    def _next_due(self):
        with self._cond:
            while True:
                if self._stopped:
                    return None
                if self._queue:
                    due, _, did = self._queue[0]
                    wait = due - time.time()
                    if wait <= 0:
                        heapq.heappop(self._queue)
                        if did in self._deliveries:
                            return self._deliveries[did]
                        continue
                    self._cond.wait(wait)
                else:
                    self._cond.wait()

    def _run(self):
        while True:
            d = self._next_due()
            if d is None:
                return
            status, error = self._post(d["url"], d["_raw"], d["headers"])
            self._record(d, status, error)

    def _post(self, url, body, headers):
        parts = urllib.parse.urlsplit(url)
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        try:
            conn = cls(parts.hostname, parts.port, timeout=self.timeout)
            try:
                conn.request("POST", target, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                return resp.status, None
            finally:
                conn.close()
        except (OSError, http.client.HTTPException, ValueError) as exc:
            return 0, str(exc)

    def _record(self, d, status, error):
        with self._cond:
            d["attempts"].append({"status": status, "time": time.time(), "error": error})
            if status in d["expect"]:
                d["delivered"] = True
                d["done"] = True
            elif d["_retries"]:
                delay = self.clock.window(d["_retries"].pop(0))
                heapq.heappush(self._queue, (time.time() + delay, next(self._seq), d["id"]))
            else:
                d["done"] = True
            self._cond.notify_all()


class App:
    """Base class each simulator subclasses."""

    name = "sim"
    routes_ignore_case = False

    def __init__(self):
        self.lock = threading.RLock()
        self.clock = SimClock()
        self.log = RequestLog()
        self.faults = Faults()
        self.routes = []

    def route(self, method, pattern, handler):
        """Register handler(req, **params) for METHOD and a '/a/{id}/b' pattern."""
        regex = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(pattern)) + "$"
        flags = re.IGNORECASE if self.routes_ignore_case else 0
        self.routes.append((method.upper(), re.compile(regex, flags), handler))

    def handle(self, req):
        """Match a route and invoke it; 404/405 via not_found/method_not_allowed."""
        allowed = False
        for method, regex, handler in self.routes:
            m = regex.match(req.path)
            if not m:
                continue
            if method != req.method:
                allowed = True
                continue
            return self.invoke(req, handler, m.groupdict())
        return self.method_not_allowed(req) if allowed else self.not_found(req)

    def invoke(self, req, handler, params):
        """Apply the latency fault, then call the handler. Subclasses may wrap."""
        if self.fault_applies(req) and self.faults.matches(req.path):
            delay = self.faults.latency()
            if delay > 0:
                time.sleep(delay)
        return handler(req, **params)

    def not_found(self, req):
        return text_response(404, "Not Found")

    def method_not_allowed(self, req):
        return text_response(405, "Method Not Allowed")

    def bad_request(self, req, message):
        """Response for a BadRequest raised by a handler."""
        return json_response(400, {"error": "bad_request", "message": message})

    def internal_error(self, req, exc):
        """Response for an unexpected exception in a handler."""
        return text_response(500, "simulator error: %s" % exc)

    def fault_response(self, req, status):
        """Response for an injected error status (error_rate)."""
        reason = http.client.responses.get(status, "Error")
        return text_response(status, reason)

    def rate_limited_response(self, req):
        """Vendor-specific 429 for burst_429; subclasses override."""
        return json_response(429, {"error": "rate limited"}, {"Retry-After": "1"})

    def control(self, req):
        """App-specific /_sim/* endpoints; return None when unknown."""
        return None

    def reset(self):
        """Clear state; subclasses extend (and call super)."""
        self.log.clear()
        self.faults.clear()
        self.clock.time_scale = self.clock.default_scale

    def close(self):
        """Release background resources (threads); subclasses extend."""

    def fault_applies(self, req):
        """Whether injected faults may hit this request."""
        return not req.path.startswith("/_sim/")

    # ---- common control endpoints ----

    def _common_control(self, req):
        key = (req.method, req.path.rstrip("/"))
        fn = _COMMON_CONTROL.get(key)
        if fn is not None:
            return fn(self, req)
        resp = self.control(req)
        return resp if resp is not None else json_response(404, {"error": "unknown control endpoint"})

    def _ctl_health(self, req):
        return json_response(200, {"ok": True, "name": self.name})

    def _ctl_requests(self, req):
        try:
            since = int(req.q("since", "0"))
        except ValueError as exc:
            raise BadRequest("since must be an integer") from exc
        return json_response(200, self.log.entries(since))

    def _ctl_requests_clear(self, req):
        self.log.clear()
        return json_response(200, {"ok": True})

    def _ctl_faults_get(self, req):
        return json_response(200, self.faults.snapshot())

    def _ctl_faults_set(self, req):
        self.faults.configure(req.json())
        return json_response(200, self.faults.snapshot())

    def _ctl_faults_clear(self, req):
        self.faults.clear()
        return json_response(200, {})

    def _ctl_time_scale(self, req):
        body = req.json()
        try:
            scale = float(body["time_scale"])
        except (KeyError, TypeError, ValueError) as exc:
            raise BadRequest("expected {\"time_scale\": number}") from exc
        if not scale > 0:
            raise BadRequest("time_scale must be > 0")
        self.clock.time_scale = scale
        return json_response(200, {"time_scale": scale})

    def _ctl_reset(self, req):
        with self.lock:
            self.reset()
        return json_response(200, {"ok": True})


_COMMON_CONTROL = {
    ("GET", "/_sim/health"): App._ctl_health,
    ("GET", "/_sim/requests"): App._ctl_requests,
    ("DELETE", "/_sim/requests"): App._ctl_requests_clear,
    ("GET", "/_sim/faults"): App._ctl_faults_get,
    ("POST", "/_sim/faults"): App._ctl_faults_set,
    ("DELETE", "/_sim/faults"): App._ctl_faults_clear,
    ("POST", "/_sim/time_scale"): App._ctl_time_scale,
    ("POST", "/_sim/reset"): App._ctl_reset,
}


def _malform(body):
    """A body that is not valid JSON: the first half of the real one."""
    if len(body) < 4:
        return b'{"'
    return body[: len(body) // 2]


def _run_app(app, req):
    """Run one request through faults and the app; returns a Response or 'hang'."""
    try:
        if req.path.startswith("/_sim/"):
            return app._common_control(req)
        fault = app.faults.decide() if app.fault_applies(req) and app.faults.matches(req.path) else None
        if fault == "hang":
            return "hang"
        if fault == "429":
            return app.rate_limited_response(req)
        if fault is not None:
            return app.fault_response(req, fault)
        resp = app.handle(req)
        if app.fault_applies(req) and app.faults.matches(req.path) and app.faults.malformed():
            resp = Response(200, _malform(resp.body), [("Content-Type", "application/json; charset=utf-8")])
        return resp
    except BadRequest as exc:
        return app.bad_request(req, str(exc))
    except Exception as exc:  # noqa: BLE001 - a simulator bug must not kill the server
        import traceback

        traceback.print_exc()
        return app.internal_error(req, exc)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "xhsync-sim"

    def log_message(self, fmt, *args):
        """Quiet: the RequestLog is the record."""

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self):
        app = self.server.app
        try:
            body = self._read_body()
        except ValueError:
            self.send_error(400, "bad body framing")
            return
        req = Request(self.command, self.path, self.headers, body, self.client_address)
        entry = None if req.path.startswith("/_sim/") else app.log.start(req)
        resp = _run_app(app, req)
        if resp == "hang":
            self._hang()
            if entry is not None:
                app.log.finish(entry, 0)
            return
        if entry is not None:
            app.log.answering(entry, resp.status)
        try:
            self._write(resp)
        finally:
            if entry is not None:
                app.log.finish(entry, resp.status)

    def _hang(self):
        """Hold the connection without answering until the peer closes or the cap."""
        deadline = time.time() + HANG_CAP_SECONDS
        sock = self.connection
        while time.time() < deadline:
            ready, _, _ = select.select([sock], [], [], 0.2)
            if ready:
                try:
                    if not sock.recv(1, socket.MSG_PEEK):
                        break
                except OSError:
                    break
                time.sleep(0.2)
        self.close_connection = True

    def _write(self, resp):
        self.send_response_only(resp.status)
        if resp.header("Server") is None:
            self.send_header("Server", self.version_string())
        self.send_header("Date", self.date_time_string())
        for k, v in resp.headers:
            if k.lower() not in ("content-length", "connection"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(resp.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)
        self.wfile.flush()

    do_GET = _dispatch
    do_POST = _dispatch
    do_PUT = _dispatch
    do_PATCH = _dispatch
    do_DELETE = _dispatch
    do_HEAD = _dispatch
    do_OPTIONS = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def serve(app, host="127.0.0.1", port=0):
    """Serve app in a background thread; returns (server, actual_port)."""
    server = _Server((host, port), _Handler)
    server.app = app
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="sim-" + app.name, daemon=True)
    thread.start()
    return server, server.server_address[1]


def common_arg_parser(prog, default_port):
    """The argparse parser with the options every simulator accepts."""
    p = argparse.ArgumentParser(prog=prog)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=default_port)
    p.add_argument("--demo", action="store_true", help="seed demo data")
    p.add_argument("--seed", type=int, default=1, help="demo data seed")
    p.add_argument("--time-scale", type=float, default=1.0, help="scale for limit windows and lifetimes")
    return p


def _build_app(app_factory, args):
    """app_factory(args) when it takes an argument, else app_factory(); then
    app.seed_demo(seed) when --demo was given and the app has that method."""
    try:
        nparams = len(inspect.signature(app_factory).parameters)
    except (TypeError, ValueError):
        nparams = 1
    app = app_factory(args) if nparams else app_factory()
    if args.demo and hasattr(app, "seed_demo"):
        app.seed_demo(args.seed)
    return app


def main_cli(app_factory, argv, default_port, add_args=None):
    """Parse --host --port --demo --seed --time-scale (+ add_args(parser)), build
    the app (see _build_app), print 'listening on http://host:port' and serve
    until SIGTERM/SIGINT; returns 0."""
    parser = common_arg_parser(argv[0] if argv else "sim", default_port)
    if add_args is not None:
        add_args(parser)
    args = parser.parse_args(argv[1:] if argv else [])
    app = _build_app(app_factory, args)
    app.clock.time_scale = args.time_scale
    app.clock.default_scale = args.time_scale
    server, port = serve(app, args.host, args.port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("listening on http://%s:%d" % (args.host, port), flush=True)
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    return 0


SIMCORE_STABLE = True
