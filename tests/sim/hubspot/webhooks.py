"""Webhooks: events for changes, batching, signing (v1, v2, v3) and delivery
with retries (HUBSPOT.md 5; examples/webhook_payloads.json,
signature_vectors.json).

Events are emitted for changes made "as a user" through the control API
(changeSource CRM_UI) and, when a portal sets emit_api_changes, for API writes
(changeSource INTEGRATION). They are sent as JSON arrays of at most 100
events to the app's target URL, signed with the app's client secret:
v1 hex(SHA-256(secret + body)); v2 hex(SHA-256(secret + method + uri + body));
v3 base64(HMAC-SHA256(secret, method + uri + body + timestamp)) over the URI
with the documented escapes decoded, plus X-HubSpot-Request-Timestamp.
A delivery succeeds on any 2xx within 5 s; otherwise it is retried up to 10
times over about 24 hours (scaled by time_scale), attemptNumber counting
from 0 and the signatures recomputed for each attempt.
"""

import base64
import hashlib
import hmac
import heapq
import http.client
import itertools
import json
import random
import threading
import time
import urllib.parse

from . import model

V3_DECODE = {"%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$", "%27": "'", "%28": "(",
             "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";"}
RETRY_SCHEDULE = (30, 120, 600, 1800, 3600, 7200, 10800, 14400, 21600, 25200)
MAX_EVENTS = 100
MAX_CONCURRENT = 10
TIMEOUT = 5.0
USER_AGENT = ("HubSpot Connect 2.0 (http://dev.hubspot.com/) (namespace: webhooks-nio-http-client) - "
              "WebhooksExecutorDaemon-executor")
MAX_AGE_MS = 300000


def _bytes(val):
    return val if isinstance(val, bytes) else val.encode("utf-8")


def v3_uri(uri):
    """The URI as v3 signs it: the listed percent-escapes decoded (any case)."""
    out, i = [], 0
    while i < len(uri):
        esc = uri[i:i + 3].upper()
        if esc in V3_DECODE:
            out.append(V3_DECODE[esc])
            i += 3
        else:
            out.append(uri[i])
            i += 1
    return "".join(out)


def sign_v1(secret, body):
    """v1: lower-case hex SHA-256 of secret + body."""
    return hashlib.sha256(_bytes(secret) + _bytes(body)).hexdigest()


def sign_v2(secret, method, uri, body):
    """v2: lower-case hex SHA-256 of secret + method + uri + body."""
    return hashlib.sha256(_bytes(secret) + _bytes(method) + _bytes(uri) + _bytes(body)).hexdigest()


def sign_v3(secret, method, uri, body, timestamp):
    """v3: base64 HMAC-SHA256 keyed by the secret over method + uri + body + timestamp."""
    msg = _bytes(method) + _bytes(v3_uri(uri)) + _bytes(body) + _bytes(str(timestamp))
    return base64.b64encode(hmac.new(_bytes(secret), msg, hashlib.sha256).digest()).decode()


def verify(headers, secret, method, uri, body, now_ms):
    """Check a request the way a receiver should: v3 when its headers are
    present (timestamp at most 300000 ms old, accepted at exactly 300000 as in
    the Node/PHP SDKs), else v1/v2 by X-HubSpot-Signature-Version."""
    get = {k.lower(): v for k, v in headers.items()}.get
    sig3, ts = get("x-hubspot-signature-v3"), get("x-hubspot-request-timestamp")
    if sig3 is not None:
        if ts is None or not ts.isdigit() or now_ms - int(ts) > MAX_AGE_MS:
            return False
        return hmac.compare_digest(sig3, sign_v3(secret, method, uri, body, ts))
    sig, version = get("x-hubspot-signature"), (get("x-hubspot-signature-version") or "v1").lower()
    if sig is None:
        return False
    want = sign_v2(secret, method, uri, body) if version == "v2" else sign_v1(secret, body)
    return hmac.compare_digest(sig, want)


def signed_headers(secret, versions, url, body, now_ms):
    """Delivery headers with the configured signature versions ("v1"/"v2", "v3")."""
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, "X-HubSpot-Timeout-Millis": "5000"}
    if "v2" in versions:
        headers["X-HubSpot-Signature"] = sign_v2(secret, "POST", url, body)
        headers["X-HubSpot-Signature-Version"] = "v2"
    elif "v1" in versions:
        headers["X-HubSpot-Signature"] = sign_v1(secret, body)
        headers["X-HubSpot-Signature-Version"] = "v1"
    if "v3" in versions:
        headers["X-HubSpot-Request-Timestamp"] = str(now_ms)
        headers["X-HubSpot-Signature-v3"] = sign_v3(secret, "POST", url, body, now_ms)
    return headers


def default_subscriptions():
    """creation, deletion and propertyChange (any property) for every type:
    legacy `company.*` style where HubSpot has it, generic `object.*` otherwise."""
    subs, ids = [], itertools.count(1)
    for t in model.TYPES.values():
        for event in ("creation", "deletion", "propertyChange"):
            sub = {"id": next(ids), "active": True}
            if t.legacy:
                sub["subscriptionType"] = "%s.%s" % (t.legacy, event)
            else:
                sub.update(subscriptionType="object." + event, objectTypeId=t.type_id)
            subs.append(sub)
    return subs


def _matches(sub, t, event, prop):
    if not sub.get("active", True):
        return False
    kind = sub.get("subscriptionType", "")
    if kind == "object." + event:
        ok = sub.get("objectTypeId") == t.type_id
    else:
        ok = kind == "%s.%s" % (t.legacy, event)
    return ok and (event != "propertyChange" or sub.get("propertyName") in (None, prop))


class Webhooks:
    """Pending events per portal, batching and the delivery log."""

    def __init__(self, app):
        self.app = app
        self.event_ids = itertools.count(1)
        self.pending = []
        self.timer = None
        self.sender = Sender(app.clock)

    def emit(self, ctx, event, rec, change):
        """store's emitter: queue events for a change when its source should notify."""
        cfg = self.app.oauth
        if ctx.source == "CRM_UI":
            source, source_id = "CRM_UI", "userId:%d" % cfg["user_id"]
        elif ctx.source == "API" and ctx.portal.emit_api_changes:
            source, source_id = "INTEGRATION", str(cfg["app_id"])
        else:
            return
        t = model.TYPES[rec.otype]
        prop, value = change if change else (None, None)
        for sub in cfg["subscriptions"]:
            if _matches(sub, t, event, prop):
                self.pending.append(self._event(ctx, sub, t, event, rec, prop, value, source, source_id))
        self._schedule()

    def _event(self, ctx, sub, t, event, rec, prop, value, source, source_id):
        ev = {"eventId": next(self.event_ids), "subscriptionId": sub["id"], "portalId": ctx.portal.id,
              "appId": self.app.oauth["app_id"], "occurredAt": int(ctx.now * 1000),
              "subscriptionType": sub["subscriptionType"], "attemptNumber": 0, "objectId": int(rec.id),
              "changeSource": source, "sourceId": source_id}
        if "objectTypeId" in sub:
            ev["objectTypeId"] = t.type_id
        if event == "propertyChange":
            ev.update(propertyName=prop, propertyValue=value)
        else:
            ev["changeFlag"] = {"creation": "NEW", "deletion": "DELETED"}[event]
        return ev

    def inject(self, events):
        """Queue raw events given through the control API."""
        self.pending.extend(events)
        self._schedule()

    def _schedule(self):
        if self.timer is None and self.pending:
            self.timer = threading.Timer(self.app.oauth["batch_delay"], self._flush_locked)
            self.timer.daemon = True
            self.timer.start()

    def _flush_locked(self):
        with self.app.lock:
            self.flush()

    def flush(self):
        """Send pending events now, in batches of at most 100; returns delivery ids."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        cfg, ids = self.app.oauth, []
        events, self.pending = self.pending, []
        if not cfg.get("webhook_url"):
            return ids
        for i in range(0, len(events), MAX_EVENTS):
            ids.append(self.sender.deliver(cfg["webhook_url"], events[i:i + MAX_EVENTS], cfg["client_secret"],
                                           list(cfg["signature_versions"])))
        return ids

    def close(self):
        """Stop timers and the delivery thread."""
        self.reset()
        self.sender.stop()

    def reset(self):
        """Drop pending events and deliveries."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.pending = []
        self.sender.clear()


class Sender:
    """Background delivery with a retry heap and bounded concurrency."""

    def __init__(self, clock):
        self.clock = clock
        self.cond = threading.Condition()
        self.queue = []
        self.deliveries = {}
        self.ids = itertools.count(1)
        self.seq = itertools.count()
        self.rng = random.Random(7)
        self.slots = threading.BoundedSemaphore(MAX_CONCURRENT)
        self.stopped = False
        threading.Thread(target=self._run, name="hubspot-webhooks", daemon=True).start()

    def stop(self):
        """End the delivery thread (pending retries are dropped)."""
        with self.cond:
            self.stopped = True
            self.cond.notify_all()

    def deliver(self, url, events, secret, versions):
        """Queue a batch; returns the delivery id."""
        with self.cond:
            did = next(self.ids)
            self.deliveries[did] = {"id": did, "url": url, "events": events, "attempts": [], "delivered": False,
                                    "done": False, "body": None, "headers": None, "_secret": secret,
                                    "_versions": versions}
            heapq.heappush(self.queue, (time.time(), next(self.seq), did))
            self.cond.notify_all()
        return did

    def list(self):
        """Public copies of every delivery, oldest first."""
        with self.cond:
            return [dict({k: v for k, v in d.items() if not k.startswith("_")},
                         attempts=[dict(a) for a in d["attempts"]]) for d in self.deliveries.values()]

    def wait(self, did, timeout=10.0):
        """Block until a delivery finished (delivered or retries exhausted)."""
        deadline = time.time() + timeout
        with self.cond:
            while did in self.deliveries and not self.deliveries[did]["done"]:
                left = deadline - time.time()
                if left <= 0 or not self.cond.wait(left):
                    break
            return did in self.deliveries and self.deliveries[did]["done"]

    def clear(self):
        """Forget deliveries and pending retries."""
        with self.cond:
            self.queue, self.deliveries = [], {}
            self.cond.notify_all()

    def _next(self):
        with self.cond:
            while not self.stopped:
                if self.queue and self.queue[0][0] <= time.time():
                    did = heapq.heappop(self.queue)[2]
                    if did in self.deliveries:
                        return self.deliveries[did]
                    continue
                self.cond.wait(max(0.0, self.queue[0][0] - time.time()) if self.queue else None)
            return None

    def _run(self):
        while True:
            d = self._next()
            if d is None:
                return
            self.slots.acquire()
            threading.Thread(target=self._attempt, args=(d,), daemon=True).start()

    def _attempt(self, d):
        try:
            n = len(d["attempts"])
            body = json.dumps([dict(e, attemptNumber=n) for e in d["events"]], separators=(",", ":")).encode()
            headers = signed_headers(d["_secret"], d["_versions"], d["url"], body, int(time.time() * 1000))
            status, error = post(d["url"], body, headers)
            self._record(d, n, body, headers, status, error)
        finally:
            self.slots.release()

    def _record(self, d, n, body, headers, status, error):
        with self.cond:
            d["attempts"].append({"attemptNumber": n, "status": status, "time": time.time(), "error": error})
            d["body"], d["headers"] = body.decode(), headers
            if 200 <= status < 300:
                d["delivered"] = d["done"] = True
            elif n < len(RETRY_SCHEDULE):
                delay = self.clock.window(RETRY_SCHEDULE[n]) * (0.8 + 0.4 * self.rng.random())
                heapq.heappush(self.queue, (time.time() + delay, next(self.seq), d["id"]))
            else:
                d["done"] = True
            self.cond.notify_all()


def post(url, body, headers):
    """One POST; (status, None) or (0, error text) on a connection failure or timeout."""
    parts = urllib.parse.urlsplit(url)
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    try:
        conn = cls(parts.hostname, parts.port, timeout=TIMEOUT)
        try:
            conn.request("POST", target, body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            return resp.status, None
        finally:
            conn.close()
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return 0, str(exc) or exc.__class__.__name__
