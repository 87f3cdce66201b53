"""Xero webhooks: batched signed event payloads, retries, intent-to-receive.

Signature: x-xero-signature = base64(HMAC-SHA256(key = webhook key string as
its bytes, msg = raw body)). Events are only sent for tenants connected to the
subscription's app (as in Xero). Events wait `batch_delay` seconds so that
several land in one payload (max `batch_max`), with per-subscription sequence
numbers and random entropy. Failed deliveries are retried: at once, then every
15 minutes for 24 hours (delays scaled by time_scale).
"""

import base64
import datetime
import hashlib
import hmac
import json
import random
import string
import threading

import simcore

RETRIES = (0,) + (900,) * 96
ENTROPY_CHARS = string.ascii_uppercase
NULLABLE = {"url", "key", "client_id"}
SETTING_TYPES = {
    "url": str,
    "key": str,
    "client_id": str,
    "batch_delay": float,
    "batch_max": lambda v: max(1, int(v)),
    "retries": lambda v: [float(x) for x in v],
    "require_itr": bool,
}
CATEGORY_PATH = {"CONTACT": "Contacts", "INVOICE": "Invoices", "CREDITNOTE": "CreditNotes"}


def sign(key, body):
    """The x-xero-signature value for body under the webhook key."""
    return base64.b64encode(hmac.new(key.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def missign(signature, rng):
    """The signature with one base64 character altered (an ITR probe that must get 401)."""
    idx = rng.randrange(len(signature.rstrip("=")))
    alphabet = string.ascii_letters + string.digits + "+/"
    new = rng.choice([c for c in alphabet if c != signature[idx]])
    return signature[:idx] + new + signature[idx + 1 :]


def entropy(rng):
    """20 random upper-case letters, like Xero's samples."""
    return "".join(rng.choice(ENTROPY_CHARS) for _ in range(20))


class Webhooks:
    """Subscription config, pending events, the sender and ITR results."""

    def __init__(self, clock, sender_factory=simcore.WebhookSender):
        self.clock = clock
        self.lock = threading.RLock()
        self.rng = random.Random()
        self.sender = sender_factory(clock, "xero")
        self.sender.timeout = 5.0
        self.config = {"url": None, "key": None, "client_id": None, "batch_delay": 0.2, "batch_max": 50,
                       "retries": list(RETRIES), "require_itr": False}
        self.reset()

    def reset(self):
        """Forget events, sequence numbers, deliveries and ITR state."""
        with self.lock:
            self.pending = []
            self.sequence = 0
            self.itr = None
            self.timer = None
        self.sender.clear()

    def configure(self, cfg):
        """Merge subscription settings (values coerced to their types)."""
        with self.lock:
            for key, value in cfg.items():
                kind = SETTING_TYPES.get(key)
                if kind is None:
                    raise simcore.BadRequest("unknown webhook setting %r" % key)
                try:
                    value = None if value is None and key in NULLABLE else kind(value)
                except (TypeError, ValueError) as exc:
                    raise simcore.BadRequest("bad value for webhook setting %r" % key) from exc
                if key in ("url", "key") and value != self.config[key]:
                    self.itr = None  # a new endpoint or key must pass intent-to-receive again
                self.config[key] = value

    def active(self):
        """True when events may be delivered."""
        cfg = self.config
        if not cfg["url"] or not cfg["key"]:
            return False
        return not cfg["require_itr"] or bool(self.itr and self.itr["ok"])

    def emit(self, tenant_id, category, event_type, resource_id, data=None):
        """Queue one event (dropped when no subscription is active)."""
        event = {
            "resourceUrl": "https://api.xero.com/api.xro/2.0/%s/%s" % (CATEGORY_PATH[category], resource_id),
            "resourceId": resource_id,
            "eventDateUtc": _event_date(self.clock.now()),
            "eventType": event_type,
            "eventCategory": category,
            "tenantId": tenant_id,
            "tenantType": "ORGANISATION",
        }
        if data is not None:
            event["data"] = data
        with self.lock:
            if not self.active():
                return
            self.pending.append(event)
            if len(self.pending) >= self.config["batch_max"]:
                self._flush_locked()
            elif self.timer is None:
                self.timer = threading.Timer(self.config["batch_delay"], self.flush)
                self.timer.daemon = True
                self.timer.start()

    def flush(self):
        """Send every pending event now; returns the delivery ids."""
        with self.lock:
            return self._flush_locked()

    def _flush_locked(self):
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        ids = []
        while self.pending:
            batch = self.pending[: self.config["batch_max"]]
            self.pending = self.pending[len(batch) :]
            ids.append(self._send_batch(batch))
        return ids

    def _send_batch(self, events):
        first = self.sequence + 1
        self.sequence += len(events)
        payload = {"events": events, "firstEventSequence": first, "lastEventSequence": self.sequence,
                   "entropy": entropy(self.rng)}
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        headers = self._headers(sign(self.config["key"], body))
        return self.sender.send(self.config["url"], body, headers, retries=self.config["retries"], expect=(200,))

    @staticmethod
    def _headers(signature):
        return {"Content-Type": "application/json; charset=utf-8", "Accept": "*/*",
                "x-xero-signature": signature}

    def send_raw(self, body, signature=None, retries=None):
        """Deliver a caller-made payload (signed correctly unless signature is given)."""
        with self.lock:
            if not self.config["url"] or not self.config["key"]:
                raise simcore.BadRequest("configure the webhook url and key first")
            sig = signature or sign(self.config["key"], body)
            return self.sender.send(self.config["url"], body, self._headers(sig),
                                    retries=self.config["retries"] if retries is None else retries)

    def intent_to_receive(self, probes=4, timeout=10.0):
        """Run the ITR series: good probes must get 200, mis-signed ones 401. Returns the result."""
        with self.lock:
            url, key = self.config["url"], self.config["key"]
        if not url or not key:
            raise simcore.BadRequest("configure the webhook url and key first")
        plan = [True, False] * (max(2, probes) // 2)
        self.rng.shuffle(plan)
        results = []
        for good in plan:
            body = _itr_body(self.rng)
            sig = sign(key, body) if good else missign(sign(key, body), self.rng)
            did = self.sender.send(url, body, self._headers(sig), retries=(), expect=(200,) if good else (401,))
            self.sender.wait(did, timeout)
            d = self.sender.delivery(did)
            status = d["attempts"][-1]["status"] if d["attempts"] else 0
            results.append({"delivery": did, "correctly_signed": good, "expected": 200 if good else 401,
                            "status": status})
        result = _itr_verdict(results)
        with self.lock:
            self.itr = result
        return result

    def snapshot(self):
        """Control-API view."""
        with self.lock:
            return {"config": dict(self.config), "sequence": self.sequence, "pending": list(self.pending),
                    "itr": self.itr, "deliveries": self.sender.deliveries()}


def _itr_verdict(results):
    bad_good = [r for r in results if r["correctly_signed"] and r["status"] != 200]
    bad_bad = [r for r in results if not r["correctly_signed"] and r["status"] != 401]
    error = None
    if bad_good:
        error = "Intent to receive is required"
    elif bad_bad:
        error = "Response to incorrectly signed payload not 401"
    return {"ok": error is None, "status": "OK" if error is None else "FAILED", "error": error,
            "probes": results}


def _itr_body(rng):
    """An empty-events ITR payload with varying field order and spacing."""
    fields = [('"events"', "[]"), ('"firstEventSequence"', "0"), ('"lastEventSequence"', "0"),
              ('"entropy"', '"%s"' % entropy(rng))]
    rng.shuffle(fields)
    colon, comma = rng.choice([(":", ","), (": ", ", "), (" : ", ",\r\n  ")])
    return ("{" + comma.join(k + colon + v for k, v in fields) + "}").encode("utf-8")


def _event_date(now):
    """eventDateUtc: UTC with milliseconds and no Z."""
    dt = datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d" % (dt.microsecond // 1000)
