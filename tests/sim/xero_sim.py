#!/usr/bin/python3
"""Xero simulator: identity (OAuth2/OIDC), connections, Accounting API, rate limits, webhooks.

Run:  /usr/bin/python3 tests/sim/xero_sim.py --port 8091 [--host 127.0.0.1] [--demo] [--seed 1]
        [--time-scale 1.0] [--webhook-url URL --webhook-key KEY]
        [--client-id ID --client-secret S --redirect-uri URI ...]
In tests: app = XeroSim(); server, port = simcore.serve(app).
Written from ../shared/reference/XERO.md and the OpenAPI specs beside it.

Vendor endpoints (one server plays login.xero.com, identity.xero.com and api.xero.com):
  GET  /identity/connect/authorize        consent page; ?auto=approve|deny&tenants=T1,T2 for tests
  POST /connect/token                     authorization_code (PKCE S256), refresh_token
  POST /connect/revocation                revoke a refresh token (and the user's connections)
  GET  /connections[?authEventId=]        DELETE /connections/{id}
  GET  /.well-known/openid-configuration  and .../jwks (RS256 key of this process)
  /api.xro/2.0/{Contacts,Invoices,Payments,CreditNotes,Items,Accounts,TaxRates}[/{id}], /Organisation
  PUT|POST /api.xro/2.0/{Contacts,Invoices,Items}, POST .../{id}  (Idempotency-Key honoured)
Responses are XML unless the request's Accept names application/json (Xero's default).

Control API (JSON; besides simcore's /_sim/health, requests, faults, time_scale, reset):
  GET  /_sim/clients                      apps (client_id, client_secret, redirect_uris, name)
  POST /_sim/clients                      create/update an app; client_secret null = PKCE app
  POST /_sim/app                          default app + webhook: {client_id, client_secret,
                                          redirect_uris, name, webhook_url, webhook_key, ...}
  GET  /_sim/tenants                      POST /_sim/tenants {tenantId?, name, dayLimit?, Organisation?}
  DELETE /_sim/tenants/{T}                POST /_sim/tenants/{T}/disconnect (fault: org disconnects)
  POST /_sim/seed                         {"tenantId"?, "Organisation"?, "Contacts": [...], "Invoices",
                                          "Payments", "CreditNotes", "Items", "TaxRates", "Accounts",
                                          "emitEvents"?}: objects in Xero wire JSON (as GET returns
                                          them; xero_data.generate() output). Creates the tenant
                                          if needed (id = tenantId or Organisation.OrganisationID).
                                          Stored as given (UpdatedDateUTC kept); no webhooks unless
                                          emitEvents.
  GET  /_sim/objects/{T}/{Kind}[/{id}]    stored objects as stored (Kind may be Organisation)
  DELETE /_sim/objects/{T}/Items/{id}     a user deleting an item (gone from GET /Items, no flag)
  POST /_sim/objects/{T}/{Kind}           a user edit: object or list, merged by id, UpdatedDateUTC
                                          bumped, CONTACT/INVOICE/CREDITNOTE webhook emitted
  POST /_sim/authorize                    {"auto": "approve"|"deny"|null, "tenants": [...]}
  GET  /_sim/tokens                       settings, tokens, connections
  POST /_sim/tokens                       {"tenantId"|"tenants", "scope"?, "client_id"?} -> token
                                          response + authEventId + connections (no browser needed)
  POST /_sim/tokens/revoke {"token"}      fault: the grant stops working
  POST /_sim/tokens/expire {"access_token"?}  expire one (or every) access token now
  POST /_sim/token_settings               {access_lifetime (s, default 1800, not time-scaled),
                                          code_lifetime, invalidate_access_on_refresh, strict_grace}
  GET|POST /_sim/limits                   {concurrent, minute, day, app_minute, random_phase}
  GET  /_sim/webhooks                     config, sequence, pending events, ITR result, deliveries
  POST /_sim/webhooks                     {url, key, client_id, batch_delay, batch_max, retries,
                                          require_itr}
  POST /_sim/webhooks/flush               send pending events now
  POST /_sim/webhooks/itr {"probes"?}     run intent-to-receive; returns {ok, status, error, probes}
  POST /_sim/webhooks/send {"body", "signature"?, "retries"?}  deliver a raw payload
  POST /_sim/webhooks/wait {"timeout"?}   flush and wait for all deliveries to finish
  DELETE /_sim/webhooks/deliveries        forget deliveries
Time scaling (time_scale): rate-limit windows, Retry-After, refresh grace (30 min) and idle
lifetime (60 days), idempotency cache (6 min), webhook retry delays. Access-token lifetime has
its own switch (token_settings.access_lifetime).
Faults (simcore): the API paths only (/api.xro/, /connections); 429s are Xero-shaped.
"""

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import simcore  # noqa: E402
from xero import identity as identitylib  # noqa: E402
from xero import store as storelib  # noqa: E402
from xero import wire  # noqa: E402
from xero.accounting import AccountingApi, not_found  # noqa: E402
from xero.control import SEED_KINDS, WEBHOOK_KINDS, ControlApi  # noqa: E402
from xero.identity_routes import IdentityRoutes  # noqa: E402
from xero.ratelimit import Limits  # noqa: E402
from xero.webhooks import Webhooks  # noqa: E402

DEFAULT_PORT = 8091
DEFAULT_CLIENT_ID = "A1B2C3D4E5F60718293A4B5C6D7E8F90"
DEFAULT_CLIENT_SECRET = "sim-xero-secret-5kHq2vR8yW3nB7xT1mZ4cJ6pL9dF0gA"


class XeroSim(AccountingApi, IdentityRoutes, ControlApi, simcore.App):
    """The Xero simulator application."""

    name = "xero"
    routes_ignore_case = True

    def __init__(self, client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET, redirect_uris=(),
                 webhook_url=None, webhook_key=None, demo_seed=None):
        super().__init__()
        self.boot = {"client_id": client_id, "client_secret": client_secret,
                     "redirect_uris": list(redirect_uris), "webhook_url": webhook_url,
                     "webhook_key": webhook_key, "demo_seed": demo_seed}
        self.identity = identitylib.Identity(self.clock)
        self.limits = Limits(self.clock)
        self.webhooks = Webhooks(self.clock)
        self.default_scope = identitylib.DEFAULT_SCOPE
        self._control = self.control_table()
        self.register_identity()
        self.register_accounting()
        self._boot_state()

    def _boot_state(self):
        """State after start (and after reset): the default app, webhook config, demo data."""
        b = self.boot
        self.tenants = {}
        self.identity.clients = {}
        self.identity.reset_tokens()
        self.identity.set_client({"client_id": b["client_id"], "client_secret": b["client_secret"],
                                  "redirect_uris": b["redirect_uris"], "name": "xhsync"})
        self.default_client = b["client_id"]
        self.webhooks.configure({"url": b["webhook_url"], "key": b["webhook_key"], "client_id": b["client_id"]})
        if b["demo_seed"] is not None:
            self.seed_demo(b["demo_seed"])

    def reset(self):
        """Back to the start state (demo data is re-seeded in demo mode)."""
        super().reset()
        self.limits.reset()
        self.webhooks.reset()
        self._boot_state()

    def close(self):
        """Stop the webhook sender thread."""
        self.webhooks.sender.stop()

    # ---- tenants and data ----

    def add_tenant(self, cfg):
        """Create (or update) a tenant from {tenantId?, name?, tenantType?, dayLimit?, Organisation?}."""
        org = cfg.get("Organisation") or {}
        tid = str(cfg.get("tenantId") or org.get("OrganisationID") or wire.new_id()).lower()
        name = cfg.get("name") or org.get("Name") or "Sim Org %s" % tid[:8]
        tenant = self.tenants.get(tid) or storelib.Tenant(tid, name, cfg.get("tenantType", "ORGANISATION"))
        tenant.name = name
        tenant.day_limit = cfg.get("dayLimit", tenant.day_limit)
        tenant.organisation.update(storelib.decimalize(org), OrganisationID=tid, Name=name)
        self.tenants[tid] = tenant
        return tenant

    def seed(self, data, tenant_id=None, emit=False):
        """Load wire-shaped objects into a tenant (created if needed); returns the tenant."""
        org = data.get("Organisation") or (data.get("Organisations") or [None])[0] or {}
        tid = tenant_id or org.get("OrganisationID")
        tenant = self.tenants.get(str(tid).lower()) if tid else None
        if tenant is None or org:
            tenant = self.add_tenant({"tenantId": tid, "Organisation": org, "name": data.get("tenantName")})
        for kind in SEED_KINDS:
            for obj in data.get(kind) or []:
                obj = storelib.prepare_seed_object(kind, obj)
                tenant.put(kind, obj)
                if emit:
                    self.object_event(tenant, kind, obj, "CREATE")
        return tenant

    def seed_demo(self, seed):
        """Seed the demo org from tests/sim/xero_data.py (its demo() sizes)."""
        import xero_data

        self.boot["demo_seed"] = seed
        self.seed(xero_data.demo(seed))

    # ---- webhooks ----

    def object_event(self, tenant, kind, obj, event_type):
        """Emit the webhook for a changed object, if that kind has webhooks."""
        category = WEBHOOK_KINDS.get(kind)
        if category is None:
            return
        data = {"Type": obj.get("Type"), "Status": obj.get("Status")} if category == "CREDITNOTE" else None
        self.emit_event(tenant.id, category, event_type, obj[storelib.KINDS[kind][0]], data)

    def emit_event(self, tenant_id, category, event_type, resource_id, data=None):
        """Queue an event when the tenant is connected to the subscribing app."""
        client = self.webhooks.config["client_id"] or self.default_client
        if self.identity.connection_for(client, tenant_id) is not None:
            self.webhooks.emit(tenant_id, category, event_type, resource_id, data)

    # ---- request pipeline ----

    def invoke(self, req, handler, params):
        """Tenant calls: auth, tenant, scope, rate limit (slot held through the handler)."""
        scopes = getattr(handler, "xero_scopes", None)
        if scopes is None:
            return super().invoke(req, handler, params)
        ctx, err = self.authenticate(req, scopes)
        if err is not None:
            return err
        ticket, refused = self.limits.acquire(ctx.token["client_id"], ctx.tenant.id, ctx.tenant.day_limit)
        if ticket is None:
            return self.finish(req, self.too_many(refused), ctx, [])
        try:
            req.xero = ctx
            resp = super().invoke(req, handler, params)
        finally:
            self.limits.release(ticket)
        return self.finish(req, resp, ctx, ticket.headers)

    @staticmethod
    def too_many(refused):
        """429 naming the limit, with Retry-After and the remaining-count headers."""
        problem, retry_after, headers = refused
        resp = simcore.Response(429, b"", headers)
        resp.set_header("X-Rate-Limit-Problem", problem)
        resp.set_header("Retry-After", str(int(retry_after)))
        return resp

    def rate_limited_response(self, req):
        """burst_429 fault: a minute-limit 429."""
        retry = max(1, math.ceil(self.clock.window(1.0)))
        return self.too_many(("minute", retry, [("X-MinLimit-Remaining", "0")]))

    def fault_response(self, req, status):
        """Injected 5xx: Xero's plain-text bodies."""
        text = {503: "The Xero API is temporarily unavailable"}.get(status, "An error occurred in Xero.")
        return simcore.text_response(status, text)

    def fault_applies(self, req):
        """Faults hit the vendor API paths only, never identity or control."""
        path = req.path.lower()
        return path.startswith("/api.xro/") or path.startswith("/connections")

    def not_found(self, req):
        return not_found()


def _add_args(parser):
    parser.add_argument("--webhook-url")
    parser.add_argument("--webhook-key")
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    parser.add_argument("--redirect-uri", action="append", default=[])


def _factory(args):
    app = XeroSim(args.client_id, args.client_secret or None, args.redirect_uri, args.webhook_url,
                  args.webhook_key)
    if args.demo:
        # A secret given on the command line is the caller's: never echo it to a log.
        shown = args.client_secret if args.client_secret == DEFAULT_CLIENT_SECRET else "(as given)"
        print("demo client_id=%s client_secret=%s" % (args.client_id, shown), flush=True)
    return app


if __name__ == "__main__":
    sys.exit(simcore.main_cli(_factory, sys.argv, DEFAULT_PORT, _add_args))
