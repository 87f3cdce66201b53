"""Rate limits (HUBSPOT.md 4, 2.2; examples/rate_limit_headers.json, errors.json).

- Burst: a rolling 10-second window per app and portal; the portal tier sets
  the maximum for static tokens (starter 100, professional/enterprise 190),
  OAuth (publicly distributed) apps get 110.
- Daily: per portal, shared by every app (250,000 / 625,000 / 1,000,000).
- Search: 5 requests per second per portal (the portal's search_limit),
  exempt from the burst limit, answered without any rate-limit headers.
- Association v4 batch endpoints are ten-secondly exempt (spec
  x-hubspot-rate-limit-exemptions) but count toward the daily limit.
- Headers on every other API response: X-HubSpot-RateLimit-{Max,Remaining,
  Interval-Milliseconds,Secondly,Secondly-Remaining}, and Daily/Daily-Remaining
  for static tokens only (not for OAuth).
- Every window is scaled by time_scale; a refused call is not counted.
"""

import collections

from .util import ApiError, correlation_id


def _body(message, policy, **extra):
    body = {"status": "error", "message": message, "errorType": "RATE_LIMIT", "correlationId": correlation_id(),
            "policyName": policy}
    body.update(extra)
    return body


def burst_body(app_id, portal_id, kind="static"):
    """429 body for the ten-secondly limit (observed form, errors.json)."""
    group = "publicapi:%s-api-calls-ten-secondly:%s:%s" % ("private_app" if kind == "static" else "oauth",
                                                         app_id, portal_id)
    return _body("You have reached your ten_secondly_rolling limit.", "TEN_SECONDLY_ROLLING", groupName=group)


def daily_body():
    """429 body for the daily limit (docs example)."""
    return _body("You have reached your daily limit.", "DAILY", requestId=correlation_id())


def search_body():
    """429 body for the search limit (observed; policy SECONDLY)."""
    return _body("You have reached your secondly limit.", "SECONDLY", requestId=correlation_id())


class Limiter:
    """Counters per portal; callers hold the app lock."""

    def __init__(self, now):
        self.epoch = now
        self.burst = collections.defaultdict(collections.deque)  # (portal, kind) -> call times
        self.search = collections.defaultdict(collections.deque)  # portal -> call times
        self.daily = {}  # portal -> (day index, count)

    @staticmethod
    def _trim(times, now, window):
        while times and times[0] <= now - window:
            times.popleft()

    def _day(self, portal, now, clock):
        index = int((now - self.epoch) // clock.window(86400))
        day, count = self.daily.get(portal.id, (index, 0))
        return (index, 0) if day != index else (day, count)

    def check(self, portal, tok, kind, now, clock, app_id):
        """Count one call; returns the headers to send, raises 429 when over a limit."""
        day, used = self._day(portal, now, clock)
        if used >= portal.daily:
            raise ApiError(429, daily_body(), self._headers(portal, tok, now, clock, used))
        if kind == "search":
            times = self.search[portal.id]
            self._trim(times, now, clock.window(1))
            if len(times) >= portal.search_limit:
                raise ApiError(429, search_body(), {"X-HubSpot-Correlation-Id": correlation_id()})
            times.append(now)
        elif kind == "burst":
            times = self.burst[(portal.id, tok.kind)]
            self._trim(times, now, clock.window(10))
            if len(times) >= self.maximum(portal, tok):
                raise ApiError(429, burst_body(app_id, portal.id, tok.kind),
                               self._headers(portal, tok, now, clock, used))
            times.append(now)
        self.daily[portal.id] = (day, used + 1)
        return {} if kind == "search" else self._headers(portal, tok, now, clock, used + 1)

    @staticmethod
    def maximum(portal, tok):
        """The burst maximum for this token's app."""
        return portal.burst if tok.kind == "static" else portal.oauth_burst

    def _headers(self, portal, tok, now, clock, used):
        times = self.burst[(portal.id, tok.kind)]
        self._trim(times, now, clock.window(10))
        top = self.maximum(portal, tok)
        last_second = sum(1 for t in times if t > now - clock.window(1))
        out = {
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(round(clock.window(10) * 1000))),
            "X-HubSpot-RateLimit-Max": str(top),
            "X-HubSpot-RateLimit-Remaining": str(max(0, top - len(times))),
            "X-HubSpot-RateLimit-Secondly": str(top // 10),
            "X-HubSpot-RateLimit-Secondly-Remaining": str(max(0, top // 10 - last_second)),
        }
        if tok.kind == "static":
            out["X-HubSpot-RateLimit-Daily"] = str(portal.daily)
            out["X-HubSpot-RateLimit-Daily-Remaining"] = str(max(0, portal.daily - used))
        return out

    def describe(self, portal, now, clock):
        """Current counters for the control API."""
        day, used = self._day(portal, now, clock)
        burst = {}
        for (pid, kind), times in self.burst.items():
            if pid == portal.id:
                self._trim(times, now, clock.window(10))
                burst[kind] = len(times)
        return {"daily_used": used, "burst_in_window": burst, "search_in_window": len(self.search[portal.id])}
