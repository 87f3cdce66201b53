"""Accounting API (/api.xro/2.0) routes: a mixin for XeroSim.

Every tenant call goes through XeroSim.invoke: bearer token (401), xero-tenant-id
and the connection (403), scope (401), rate limits (429), then the handler here.
Responses are JSON when Accept names application/json, else Xero's default XML.
"""

import copy
import email.utils
import functools

import simcore

from . import store as storelib
from . import where as wherelib
from . import wire
from . import writes as writelib

BASE = "/api.xro/2.0"
NOT_FOUND_TEXT = "The resource you're looking for cannot be found"
_TX = {"accounting.transactions", "accounting.transactions.read"}
_INV = {"accounting.invoices", "accounting.invoices.read"}
_SET = {"accounting.settings", "accounting.settings.read"}
# kind -> scopes allowing reads; kind -> scopes allowing writes
READ_SCOPES = {
    "Contacts": {"accounting.contacts", "accounting.contacts.read"},
    "Invoices": _TX | _INV,
    "CreditNotes": _TX | _INV,
    "Payments": _TX | {"accounting.payments", "accounting.payments.read"},
    "Items": _SET | _INV,
    "Organisation": _SET,
    "Accounts": _SET,
    "TaxRates": _SET,
}
WRITE_SCOPES = {
    "Contacts": {"accounting.contacts"},
    "Invoices": {"accounting.transactions", "accounting.invoices"},
    "Items": {"accounting.settings", "accounting.invoices"},
}
LIST_KINDS = ("Contacts", "Invoices", "Payments", "CreditNotes", "Items", "Accounts", "TaxRates")
GET_KINDS = ("Contacts", "Invoices", "Payments", "CreditNotes", "Items", "Accounts")
WRITE_KINDS = ("Contacts", "Invoices", "Items")
IDEMPOTENCY_SECONDS = 360.0
IDEMPOTENCY_MAX = 128


class Ctx:
    """The authenticated context of one tenant call."""

    def __init__(self, token, client, tenant, correlation):
        self.token = token
        self.client = client
        self.tenant = tenant
        self.correlation = correlation


def problem(status, detail, correlation):
    """401/403 problem body (PascalCase keys)."""
    title = {401: "Unauthorized", 403: "Forbidden"}[status]
    body = {"Type": None, "Title": title, "Status": status, "Detail": detail, "Instance": correlation,
            "Extensions": {}}
    return simcore.json_response(status, body, {"Xero-Correlation-Id": correlation})


def api_error(status, number, etype, message, elements=None):
    """Xero ApiException body (ValidationException, QueryParseException, ...)."""
    body = {"ErrorNumber": number, "Type": etype, "Message": message}
    if elements is not None:
        body["Elements"] = elements
    return simcore.Response(status, wire.dumps(body), {"Content-Type": "application/json; charset=utf-8"})


def not_found():
    """Xero's 404: a text body, not JSON."""
    return simcore.text_response(404, NOT_FOUND_TEXT, "text/html; charset=utf-8")


def wants_json(req):
    """True when the client asked for JSON (Xero defaults to XML)."""
    return "application/json" in (req.headers.get("Accept") or "").lower()


class AccountingApi:
    """Route handlers for the Accounting API; mixed into XeroSim."""

    def register_accounting(self):
        for kind in LIST_KINDS:
            self._api("GET", BASE + "/" + kind, self.api_list, kind, READ_SCOPES)
        for kind in GET_KINDS:
            self._api("GET", BASE + "/" + kind + "/{key}", self.api_get, kind, READ_SCOPES)
        self._api("GET", BASE + "/Organisation", self.api_organisation, "Organisation", READ_SCOPES)
        for kind in WRITE_KINDS:
            for method in ("PUT", "POST"):
                self._api(method, BASE + "/" + kind, self.api_write, kind, WRITE_SCOPES)
            self._api("POST", BASE + "/" + kind + "/{key}", self.api_write, kind, WRITE_SCOPES)

    def _api(self, method, pattern, fn, kind, scopes):
        handler = functools.partial(fn, kind)
        handler.xero_scopes = scopes[kind]
        self.route(method, pattern, handler)

    # ---- pipeline pieces used by XeroSim.invoke ----

    def authenticate(self, req, scopes):
        """(Ctx, None) or (None, 401/403 Response) for a tenant call."""
        correlation = wire.new_id()
        with self.lock:
            token, detail = self.identity.bearer(req)
            if token is None:
                return None, problem(401, detail, correlation)
            tid = (req.headers.get("xero-tenant-id") or "").strip().lower()
            tenant = self.tenants.get(tid)
            if tenant is None or self.identity.connection_for(token["client_id"], tid) is None:
                return None, problem(403, "AuthenticationUnsuccessful", correlation)
            if not scopes & set(token["scopes"]):
                return None, problem(401, "AuthorizationUnsuccessful", correlation)
            client = self.identity.clients.get(token["client_id"], {"name": "xhsync-sim"})
            return Ctx(token, client, tenant, correlation), None

    def finish(self, req, resp, ctx, rate_headers):
        """Headers every Accounting API response carries."""
        for name, value in rate_headers:
            resp.set_header(name, value)
        if ctx is not None:
            resp.set_header("Xero-Correlation-Id", ctx.correlation)
        resp.set_header("Cache-Control", "max-age=0, no-cache, no-store")
        resp.set_header("Pragma", "no-cache")
        resp.set_header("Expires", email.utils.formatdate(usegmt=True))
        resp.set_header("Server", "Kestrel")
        return resp

    def envelope(self, req, kind, objs, pagination=None, unitdp=2):
        """200 with the Xero envelope, JSON or XML by Accept."""
        ctx = req.xero
        env = {"Id": ctx.correlation, "Status": "OK", "ProviderName": ctx.client.get("name", "xhsync-sim"),
               "DateTimeUTC": wire.wire_date(wire.now_ms(), offset=False)}
        if pagination is not None:
            env["pagination"] = pagination
        env[kind] = objs
        if wants_json(req):
            return simcore.Response(200, wire.dumps(env, unitdp),
                                    {"Content-Type": "application/json; charset=utf-8"})
        return simcore.Response(200, wire.dumps_xml(env, unitdp=unitdp), {"Content-Type": "text/xml; charset=utf-8"})

    # ---- reads ----

    def api_list(self, kind, req):
        """GET /Kind: filters, order, paging."""
        ims = wire.parse_http_date(req.headers.get("If-Modified-Since"))
        try:
            with self.lock:
                query = storelib.Query(kind, req, int(ims.timestamp()) if ims else None)
                objs, pagination = storelib.list_objects(req.xero.tenant, kind, query)
        except storelib.NotFound:
            return not_found()
        except wherelib.QueryError as exc:
            return api_error(400, 16, "QueryParseException", str(exc))
        return self.envelope(req, kind, objs, pagination, _unitdp(req))

    def api_get(self, kind, req, key):
        """GET /Kind/{id or number}."""
        with self.lock:
            obj = req.xero.tenant.get(kind, key)
            obj = storelib.single(kind, copy.deepcopy(obj)) if obj else None
        if obj is None:
            return not_found()
        return self.envelope(req, kind, [obj], None, _unitdp(req))

    def api_organisation(self, kind, req):
        """GET /Organisation (a one-element list)."""
        with self.lock:
            org = copy.deepcopy(req.xero.tenant.organisation)
        return self.envelope(req, "Organisations", [org])

    # ---- writes ----

    def api_write(self, kind, req, key=None):
        """PUT/POST /Kind and POST /Kind/{id}, honouring Idempotency-Key."""
        idem = req.headers.get("Idempotency-Key")
        if idem is not None and (not idem or len(idem) > IDEMPOTENCY_MAX):
            return api_error(400, 10, "ValidationException",
                             "Idempotency-Key must be 1 to %d characters" % IDEMPOTENCY_MAX)
        with self.lock:
            cached = self._idempotent(req.xero.tenant, idem)
            if cached is not None:
                return simcore.Response(cached[0], cached[1], cached[2])
            resp = self._write(kind, req, key)
            if idem is not None:
                req.xero.tenant.idempotency[idem] = (
                    self.clock.now() + self.clock.window(IDEMPOTENCY_SECONDS),
                    (resp.status, resp.body, list(resp.headers)))
        return resp

    def _idempotent(self, tenant, key):
        if key is None:
            return None
        now = self.clock.now()
        for k in [k for k, (exp, _) in tenant.idempotency.items() if exp < now]:
            del tenant.idempotency[k]
        hit = tenant.idempotency.get(key)
        return hit[1] if hit else None

    def _write(self, kind, req, key):
        try:
            body = wire.load_json(req.body)
        except (ValueError, UnicodeDecodeError) as exc:
            return api_error(400, 17, "PostDataInvalidException", "JSON for post data was invalid, %s" % exc)
        elements = body.get(kind) if isinstance(body, dict) and kind in body else body
        elements = elements if isinstance(elements, list) else [elements]
        summarize = (req.q("summarizeErrors") or "true").lower() != "false"
        tenant = req.xero.tenant
        outcomes, stored = writelib.apply(tenant, kind, elements, req.method, key, summarize)
        if not stored:
            failed = [dict(o.obj, ValidationErrors=[{"Message": m} for m in o.errors])
                      for o in outcomes if o.errors]
            return api_error(400, 10, "ValidationException", "A validation exception occurred", failed)
        self._emit_write_events(tenant, kind, outcomes)
        return self.envelope(req, kind, [_element(kind, o, summarize) for o in outcomes], None, _unitdp(req))

    def _emit_write_events(self, tenant, kind, outcomes):
        for out in outcomes:
            if out.errors:
                continue
            for event in out.events:
                rid = event[2] if len(event) > 2 else out.obj[storelib.KINDS[kind][0]]
                self.emit_event(tenant.id, event[0], event[1], rid)


def _element(kind, outcome, summarize):
    obj = storelib.single(kind, copy.deepcopy(outcome.obj))
    if not summarize:
        obj["StatusAttributeString"] = "ERROR" if outcome.errors else "OK"
        obj["ValidationErrors"] = [{"Message": m} for m in outcome.errors]
    return obj


def _unitdp(req):
    return 4 if req.q("unitdp") == "4" else 2
