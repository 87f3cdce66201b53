"""Fixtures that start the simulators in-process on port 0 (one fresh server per test).

xero:    a XeroSim with one tenant ("Test Org") connected and a token set issued;
         see XeroHandle for the helpers.
hubspot: a HubSpotApp with its default portal and a full-scope static token;
         see HubSpotHandle.
"""

import http.client
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import simcore  # noqa: E402

# The vendor reference material (OpenAPI specs, signature vectors, recorded
# payloads) sits beside the checkout in ../shared/reference, as it does in CI.
# Without it the files that check against it cannot run; tests/run says so.
REFERENCE = os.environ.get("XHSYNC_REFERENCE", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "reference"))
NEEDS_REFERENCE = ["test_conformance.py", "test_conformance_xero.py", "test_conformance_hubspot.py",
                   "test_hubspot_webhooks.py", "test_hubspot_associations.py", "test_xero_data.py",
                   "test_xero_webhooks.py"]
collect_ignore = [] if os.path.isdir(REFERENCE) else NEEDS_REFERENCE


class SimResponse:
    """Status, headers (case-insensitive .header()), raw body, .json()."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name, default=None):
        low = name.lower()
        return next((v for k, v in self.headers if k.lower() == low), default)

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self):
        return self.body.decode("utf-8")


class SimHandle:
    """A running simulator: app object, base URL, raw HTTP helpers."""

    def __init__(self, app):
        self.app = app
        self.server, self.port = simcore.serve(app)
        self.url = "http://127.0.0.1:%d" % self.port

    def request(self, method, path, body=None, headers=None, timeout=10):
        """One HTTP request on a new connection; dict/list bodies are sent as JSON."""
        headers = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            return SimResponse(resp.status, resp.getheaders(), resp.read())
        finally:
            conn.close()

    def ctl(self, method, path, body=None):
        """A control call that must succeed; returns the parsed JSON."""
        resp = self.request(method, path, body)
        assert resp.status == 200, (path, resp.status, resp.body)
        return resp.json()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.app.close()


class XeroHandle(SimHandle):
    """Xero simulator with a connected tenant: .tenant_id, .token (token response)."""

    redirect_uri = "http://localhost:8080/xero/callback"

    def __init__(self):
        import xero_sim

        super().__init__(xero_sim.XeroSim(redirect_uris=[self.redirect_uri]))
        self.client_id = xero_sim.DEFAULT_CLIENT_ID
        self.client_secret = xero_sim.DEFAULT_CLIENT_SECRET
        self.tenant_id = self.ctl("POST", "/_sim/tenants", {"name": "Test Org"})["tenantId"]
        self.token = self.ctl("POST", "/_sim/tokens", {"tenantId": self.tenant_id})

    def api(self, method, path, body=None, headers=None, token=None, tenant=None, timeout=10):
        """An Accounting API call with bearer, tenant and Accept: application/json."""
        base = {"Authorization": "Bearer " + (token or self.token["access_token"]),
                "xero-tenant-id": tenant or self.tenant_id, "Accept": "application/json"}
        base.update(headers or {})
        return self.request(method, "/api.xro/2.0" + path, body, base, timeout)

    def seed(self, **kinds):
        """Seed wire-shaped objects into the test tenant."""
        return self.ctl("POST", "/_sim/seed", dict(kinds, tenantId=self.tenant_id))


class HubSpotHandle(SimHandle):
    """HubSpot simulator (default portal 12345678) with a full-scope static token (.token)."""

    def __init__(self):
        import hubspot_sim

        super().__init__(hubspot_sim.HubSpotApp())
        self.portal_id = 12345678
        self.token = self.ctl("POST", "/_sim/tokens", {"kind": "static"})["token"]

    def api(self, method, path, body=None, token=None, headers=None):
        """An API call with `Authorization: Bearer` (token=False sends none)."""
        base = {} if token is False else {"Authorization": "Bearer " + (token or self.token)}
        base.update(headers or {})
        return self.request(method, path, body, base)


@pytest.fixture
def hubspot():
    handle = HubSpotHandle()
    try:
        yield handle
    finally:
        handle.close()


@pytest.fixture
def xero():
    handle = XeroHandle()
    try:
        yield handle
    finally:
        handle.close()
