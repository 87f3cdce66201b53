"""HubSpotApp: the simcore App that wires routes, auth, scopes, the 423 and
rate-limit checks, and the control API together."""

import time

import simcore
from simcore import App, Response, json_response

from . import associations, auth, batch, control, model, objects, properties, ratelimit, search, webhooks
from .portal import Portal
from .store import Ctx
from .util import ApiError, correlation_id, error_body

DEFAULT_PORTAL = 12345678
DEFAULT_APP_ID = 987654
DEFAULT_CLIENT_ID = "xhsync-demo-client"  # what ./dev writes into [hubspot] client_id
DEFAULT_SECRET = "hubsim-client-secret-0001"
LOCKED_MESSAGE = "The resource is locked; too many requests changed it at once. Wait at least 2 seconds and retry."


class Call:
    """One authenticated API request: app, request, portal, token and time."""

    def __init__(self, app, req, portal, tok, now):
        self.app, self.req, self.portal, self.token, self.now = app, req, portal, tok, now

    def ctx(self):
        """Write context for API changes (search sees them after search_delay)."""
        delay = self.app.clock.window(self.portal.search_delay)
        return Ctx(self.portal, self.now, "API", self.app.webhooks.emit, self.now + delay)

    def base_url(self):
        """http://host[:port] as the client addressed us (for paging links)."""
        return "http://" + (self.req.headers.get("Host") or "api.hubapi.com")


def _to_response(result):
    if isinstance(result, Response):
        return result
    status, body = result
    return Response(status, b"") if body is None else json_response(status, body)


class HubSpotApp(App):
    """The HubSpot simulator."""

    name = "hubspot"

    def __init__(self, args=None):
        super().__init__()
        self.options = {"webhook_url": getattr(args, "webhook_url", None),
                        "client_id": getattr(args, "client_id", None) or DEFAULT_CLIENT_ID,
                        "client_secret": getattr(args, "client_secret", None) or DEFAULT_SECRET}
        self.webhooks = webhooks.Webhooks(self)
        self.demo_seed = None
        for method, pattern, handler, scope_fn, kind in (
                search.routes() + batch.routes() + objects.routes() + associations.routes() + properties.routes()):
            self.route(method, pattern, self._api(handler, scope_fn, kind))
        for method, pattern, handler in auth.routes():
            self.route(method, pattern, self._plain(handler))
        self.reset()

    def reset(self):
        """Fresh state: one portal, the default app, no tokens, no deliveries."""
        super().reset()
        now = time.time()
        self.portals = {DEFAULT_PORTAL: Portal(DEFAULT_PORTAL, now)}
        self.auth = auth.Auth()
        self.limiter = ratelimit.Limiter(now)
        self.oauth = {
            "app_id": DEFAULT_APP_ID, "app_name": "xhsync", "client_id": self.options["client_id"],
            "client_secret": self.options["client_secret"], "redirect_uris": [], "scopes": model.all_scopes(),
            "auto_approve": None, "access_token_ttl": 1800, "webhook_url": self.options["webhook_url"],
            "signature_versions": ["v1", "v3"], "batch_delay": 0.2, "subscriptions": webhooks.default_subscriptions(),
            "user_id": 45678,
        }
        self.webhooks.reset()
        if self.demo_seed is not None:
            control.seed_demo(self, self.demo_seed)

    def close(self):
        """Stop background threads (the fixture calls this after each test)."""
        self.webhooks.close()

    # ---- helpers used by the modules ----

    def token_lifetime(self):
        """expires_in for a new OAuth token: access_token_ttl as it really lasts."""
        return max(1, int(round(self.clock.window(self.oauth["access_token_ttl"]))))

    def token_expiry(self):
        """Absolute expiry of a new OAuth token."""
        return self.clock.now() + self.clock.window(self.oauth["access_token_ttl"])

    def portal(self, portal_id=None):
        """A portal by id (default: the first one); None when unknown."""
        if portal_id in (None, ""):
            return self.portals[min(self.portals)]
        try:
            return self.portals.get(int(portal_id))
        except (TypeError, ValueError):
            return None

    # ---- request wrappers ----

    def _api(self, handler, scope_fn, kind):
        """Wrap an API handler: auth, scopes, 423 fault, rate limit, headers."""
        def run(req, **params):
            headers = {}
            with self.lock:
                try:
                    now = self.clock.now()
                    tok = self.auth.authenticate(req, now)
                    portal = self.portals.get(tok.portal_id)
                    if portal is None:
                        raise ApiError(401, error_body("INVALID_AUTHENTICATION", auth.AUTH_MESSAGE))
                    self.auth.check_scopes(tok, scope_fn(params), portal.scopes)
                    self._check_locked(portal)
                    headers = self.limiter.check(portal, tok, kind, now, self.clock, self.oauth["app_id"])
                    resp = _to_response(handler(Call(self, req, portal, tok, now), **params))
                except ApiError as exc:
                    resp = exc.response()
            for name, value in headers.items():
                if resp.header(name) is None:
                    resp.set_header(name, value)
            if resp.header("X-HubSpot-Correlation-Id") is None:
                resp.set_header("X-HubSpot-Correlation-Id", correlation_id())
            return resp
        return run

    def _plain(self, handler):
        """Wrap an OAuth endpoint: no Bearer auth, no rate limit."""
        def run(req, **params):
            with self.lock:
                return handler(self, req, **params)
        return run

    @staticmethod
    def _check_locked(portal):
        if portal.locked > 0:
            portal.locked -= 1
            raise ApiError(423, error_body("LOCKED", LOCKED_MESSAGE))

    # ---- simcore hooks ----

    def not_found(self, req):
        return json_response(404, error_body("OBJECT_NOT_FOUND", "No route for %s %s" % (req.method, req.path)))

    def method_not_allowed(self, req):
        return json_response(405, error_body("VALIDATION_ERROR", "Method %s is not allowed here" % req.method))

    def bad_request(self, req, message):
        if req.path.startswith("/_sim/"):
            return json_response(400, {"error": "bad_request", "message": message})
        return json_response(400, error_body("VALIDATION_ERROR", message))

    def fault_response(self, req, status):
        """Injected error statuses: HubSpot's 423 body, a JSON 500, gateway text otherwise."""
        if status == 423:
            return json_response(423, error_body("LOCKED", LOCKED_MESSAGE))
        if status == 500:
            return json_response(500, error_body("INTERNAL_ERROR", "internal error"))
        return super().fault_response(req, status)

    def rate_limited_response(self, req):
        """The burst_429 fault: the search or ten-secondly 429 for the default portal."""
        if req.path.endswith("/search"):
            return json_response(429, ratelimit.search_body())
        return json_response(429, ratelimit.burst_body(self.oauth["app_id"], min(self.portals)))

    def fault_applies(self, req):
        return not req.path.startswith("/_sim/")

    def control(self, req):
        with self.lock:
            return control.dispatch(self, req)

    def seed_demo(self, seed):
        """--demo: a portal with a few companies and contacts; prints a static token."""
        with self.lock:
            self.demo_seed = seed
            info = control.seed_demo(self, seed)
        for line in info:
            print(line, flush=True)


def main(argv):
    """CLI entry (see hubspot_sim.py)."""
    def add_args(parser):
        parser.add_argument("--webhook-url", default=None, help="webhook target URL of the app")
        parser.add_argument("--client-id", default=None, help="the app's OAuth client id")
        parser.add_argument("--client-secret", default=None, help="the app's client secret (signs webhooks)")
    return simcore.main_cli(HubSpotApp, argv, 8092, add_args)
