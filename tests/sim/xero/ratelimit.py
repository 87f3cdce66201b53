"""Xero rate limits: per tenant 5 concurrent, 60/minute, 5,000/day; app 10,000/minute.

Fixed windows (the current Xero docs: "a fixed window which will reset at
different times for each tenant"), each with its own phase, all lengths scaled
by the clock's time_scale. Rejected calls are not counted. A 429 names the
limit in X-Rate-Limit-Problem (minute, day, appminute, concurrent) and carries
Retry-After: whole seconds until that window resets (1 for concurrent).
"""

import math
import random
import threading

MINUTE = 60.0
DAY = 86400.0
DEFAULTS = {"concurrent": 5, "minute": 60, "day": 5000, "app_minute": 10000, "random_phase": True}


class Window:
    """A fixed window counter with a phase offset (fraction of the window)."""

    def __init__(self, phase):
        self.phase = phase
        self.index = None
        self.count = 0

    def _roll(self, now, length):
        idx = math.floor(now / length - self.phase)
        if idx != self.index:
            self.index = idx
            self.count = 0
        return idx

    def used(self, now, length):
        """Calls counted in the current window."""
        self._roll(now, length)
        return self.count

    def retry_after(self, now, length):
        """Seconds until the current window ends."""
        idx = self._roll(now, length)
        return (idx + 1 + self.phase) * length - now

    def add(self, now, length):
        self._roll(now, length)
        self.count += 1


class Ticket:
    """One admitted call: what to release and which headers to send."""

    def __init__(self, key, headers):
        self.key = key
        self.headers = headers


class Limits:
    """All counters, guarded by one lock."""

    def __init__(self, clock):
        self.clock = clock
        self.lock = threading.Lock()
        self.rng = random.Random()
        self.config = dict(DEFAULTS)
        self.reset()

    def reset(self):
        """Forget all counters (configuration is kept)."""
        with self.lock:
            self.minute = {}
            self.day = {}
            self.app = {}
            self.inflight = {}

    def configure(self, cfg):
        """Merge limit settings (concurrent, minute, day, app_minute, random_phase)."""
        with self.lock:
            for key, value in cfg.items():
                if key not in DEFAULTS:
                    raise ValueError("unknown limit %r" % key)
                self.config[key] = bool(value) if key == "random_phase" else int(value)
        self.reset()

    def _window(self, table, key):
        if key not in table:
            table[key] = Window(self.rng.random() if self.config["random_phase"] else 0.0)
        return table[key]

    def _problem(self, now, tkey, day_limit):
        cfg, minute_len, day_len = self.config, self.clock.window(MINUTE), self.clock.window(DAY)
        checks = (
            ("appminute", self._window(self.app, tkey[0]), minute_len, cfg["app_minute"]),
            ("day", self._window(self.day, tkey), day_len, day_limit),
            ("minute", self._window(self.minute, tkey), minute_len, cfg["minute"]),
        )
        for name, win, length, limit in checks:
            if win.used(now, length) >= limit:
                return name, max(1, math.ceil(win.retry_after(now, length)))
        if self.inflight.get(tkey, 0) >= cfg["concurrent"]:
            return "concurrent", 1
        return None

    def _headers(self, now, tkey, day_limit):
        minute_len, day_len = self.clock.window(MINUTE), self.clock.window(DAY)
        app_left = self.config["app_minute"] - self._window(self.app, tkey[0]).used(now, minute_len)
        if tkey[1] is None:
            return [("X-AppMinLimit-Remaining", str(max(0, app_left)))]
        day_left = day_limit - self._window(self.day, tkey).used(now, day_len)
        min_left = self.config["minute"] - self._window(self.minute, tkey).used(now, minute_len)
        return [
            ("X-DayLimit-Remaining", str(max(0, day_left))),
            ("X-MinLimit-Remaining", str(max(0, min_left))),
            ("X-AppMinLimit-Remaining", str(max(0, app_left))),
        ]

    def acquire(self, client_id, tenant_id, day_limit=None):
        """Admit one call: (Ticket, None) or (None, (problem, retry_after, headers)).

        tenant_id None is a tenantless call (only the app minute limit)."""
        now = self.clock.now()
        tkey = (client_id, tenant_id)
        day_limit = day_limit or self.config["day"]
        minute_len, day_len = self.clock.window(MINUTE), self.clock.window(DAY)
        with self.lock:
            problem = self._problem(now, tkey, day_limit) if tenant_id else self._app_problem(now, client_id)
            if problem:
                return None, problem + (self._headers(now, tkey, day_limit),)
            self._window(self.app, client_id).add(now, minute_len)
            if tenant_id:
                self._window(self.day, tkey).add(now, day_len)
                self._window(self.minute, tkey).add(now, minute_len)
                self.inflight[tkey] = self.inflight.get(tkey, 0) + 1
            return Ticket(tkey, self._headers(now, tkey, day_limit)), None

    def _app_problem(self, now, client_id):
        win, length = self._window(self.app, client_id), self.clock.window(MINUTE)
        if win.used(now, length) >= self.config["app_minute"]:
            return "appminute", max(1, math.ceil(win.retry_after(now, length)))
        return None

    def release(self, ticket):
        """End of an admitted call (frees its concurrency slot)."""
        if ticket.key[1] is None:
            return
        with self.lock:
            left = self.inflight.get(ticket.key, 1) - 1
            if left > 0:
                self.inflight[ticket.key] = left
            else:
                self.inflight.pop(ticket.key, None)

    def snapshot(self):
        """Configuration and in-flight counts, for the control API."""
        with self.lock:
            return {"config": dict(self.config),
                    "inflight": {"%s/%s" % k: v for k, v in self.inflight.items()}}
