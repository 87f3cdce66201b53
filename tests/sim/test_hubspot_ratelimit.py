"""HubSpot simulator: per-portal 10-second burst by tier, daily limit,
X-HubSpot-RateLimit-* headers and 429 bodies, scaled by time_scale."""

import time

C = "/crm/v3/objects/companies"


def _burst(hs, n, token=None):
    return [hs.api("GET", C, token=token) for _ in range(n)]


def test_headers_on_static_token_calls(hubspot):
    first, second = _burst(hubspot, 2)
    assert first.header("X-HubSpot-RateLimit-Max") == "100"
    assert first.header("X-HubSpot-RateLimit-Interval-Milliseconds") == "10000"
    assert first.header("X-HubSpot-RateLimit-Remaining") == "99"
    assert second.header("X-HubSpot-RateLimit-Remaining") == "98"
    assert first.header("X-HubSpot-RateLimit-Daily") == "250000"
    assert second.header("X-HubSpot-RateLimit-Daily-Remaining") == "249998"
    assert first.header("X-HubSpot-RateLimit-Secondly") == "10"
    assert first.header("X-HubSpot-Correlation-Id")


def test_starter_tier_burst_is_100_per_10_seconds(hubspot):
    replies = _burst(hubspot, 101)
    assert all(r.status == 200 for r in replies[:100])
    assert replies[99].header("X-HubSpot-RateLimit-Remaining") == "0"
    last = replies[100]
    assert last.status == 429
    body = last.json()
    assert body["errorType"] == "RATE_LIMIT" and body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert body["groupName"].endswith(":%d" % hubspot.portal_id) and "category" not in body
    assert last.header("X-HubSpot-RateLimit-Remaining") == "0"


def test_professional_tier_allows_190(hubspot):
    hubspot.ctl("POST", "/_sim/portal", {"tier": 190})
    replies = _burst(hubspot, 191)
    assert replies[0].header("X-HubSpot-RateLimit-Max") == "190"
    assert [r.status for r in replies].count(429) == 1 and replies[-1].status == 429


def test_window_is_scaled_by_time_scale(hubspot):
    hubspot.ctl("POST", "/_sim/portal", {"burst_limit": 5})
    assert [r.status for r in _burst(hubspot, 6)] == [200] * 5 + [429]
    hubspot.ctl("POST", "/_sim/time_scale", {"time_scale": 0.01})  # 10 s -> 100 ms
    time.sleep(0.15)
    reply = hubspot.api("GET", C)
    assert reply.status == 200 and reply.header("X-HubSpot-RateLimit-Interval-Milliseconds") == "100"


def test_daily_limit(hubspot):
    hubspot.ctl("POST", "/_sim/portal", {"daily_limit": 3})
    replies = _burst(hubspot, 4)
    assert [r.status for r in replies] == [200, 200, 200, 429]
    body = replies[3].json()
    assert body["policyName"] == "DAILY" and body["message"] == "You have reached your daily limit."
    assert replies[2].header("X-HubSpot-RateLimit-Daily-Remaining") == "0"


def test_daily_limit_is_shared_but_burst_is_per_app(hubspot):
    hubspot.ctl("POST", "/_sim/portal", {"burst_limit": 3, "oauth_burst_limit": 3})
    oauth = hubspot.ctl("POST", "/_sim/tokens", {"kind": "oauth"})["token"]
    assert [r.status for r in _burst(hubspot, 4)] == [200, 200, 200, 429]
    assert [r.status for r in _burst(hubspot, 3, oauth)] == [200, 200, 200]
    assert hubspot.ctl("GET", "/_sim/ratelimit")["daily_used"] == 6


def test_association_batches_are_burst_exempt(hubspot):
    hubspot.ctl("POST", "/_sim/portal", {"burst_limit": 2})
    body = {"inputs": [{"id": "1"}]}
    replies = [hubspot.api("POST", "/crm/v4/associations/companies/contacts/batch/read", body) for _ in range(4)]
    assert all(r.status == 207 for r in replies)
    assert _burst(hubspot, 1)[0].header("X-HubSpot-RateLimit-Remaining") == "1"


def test_burst_429_fault_uses_hubspot_body(hubspot):
    hubspot.ctl("POST", "/_sim/faults", {"burst_429": 2})
    replies = _burst(hubspot, 3)
    assert [r.status for r in replies] == [429, 429, 200]
    assert replies[0].json()["policyName"] == "TEN_SECONDLY_ROLLING"
