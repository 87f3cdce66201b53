"""HubSpot simulator: malformed input anywhere gives a 4xx, never a 500."""

import re

import pytest

BODIES = [b"", b"{", b"[]", b"null", b"{}", b'"x"', b'{"inputs": "x"}', b'{"inputs": [1, "a", null]}',
          b'{"inputs": [{"from": 1, "to": [1], "types": 7, "id": {}}]}', b'{"properties": [], "associations": {}}',
          b'{"properties": {"name": [1]}, "associations": [{"to": 5}]}', b'{"filterGroups": [1], "sorts": {}}',
          b'{"filterGroups": [{"filters": [{"propertyName": "name", "operator": "IN", "values": 3}]}]}',
          b'{"limit": "x", "after": [], "query": 5}', b'{"name": 5, "label": [], "type": {}, "options": 3}']
CONTROL_BODIES = [b'{"objects": 5}', b'{"objects": {"companies": 5}}', b'{"objects": {"nope": []}}',
                  b'{"properties": {"companies": [1]}}', b'{"groups": 3}', b'{"events": [1]}', b'{"scopes": "x"}',
                  b'{"count": "x"}', b'{"token": []}', b'{"portal_id": "abc"}', b'{"tier": 55}',
                  b'{"signature_version": "v9"}', b'{"kind": 5}', b'{"subscriptions": [1]}']


def _routes(app):
    out = []
    for method, regex, _ in app.routes:
        path = regex.pattern.lstrip("^").rstrip("$").replace("\\", "")
        path = re.sub(r"\(\?P<(\w+)>\[\^/\]\+\)", lambda m: {"objectType": "companies", "fromObjectType": "companies",
                                                                "toObjectType": "contacts"}.get(m.group(1), "1"), path)
        out.append((method, path))
    return out


def test_api_routes_never_answer_500(hubspot):
    hubspot.ctl("POST", "/_sim/portal", {"burst_limit": 100000, "search_limit": 100000})
    bad = []
    for method, path in _routes(hubspot.app):
        for body in BODIES if method in ("POST", "PUT", "PATCH") else [b""]:
            resp = hubspot.api(method, path, body, headers={"Content-Type": "application/json"})
            if resp.status >= 500:
                bad.append((method, path, body, resp.status, resp.body[:200]))
    assert bad == []


@pytest.mark.parametrize("path", ["/_sim/portal", "/_sim/tokens", "/_sim/seed", "/_sim/locked", "/_sim/uninstall",
                                  "/_sim/webhooks/trigger", "/_sim/objects/companies", "/_sim/tokens/revoke"])
def test_control_endpoints_reject_garbage(hubspot, path):
    for body in BODIES + CONTROL_BODIES:
        resp = hubspot.request("POST", path, body)
        assert resp.status < 500, (body, resp.status, resp.body)
