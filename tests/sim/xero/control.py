"""Xero-specific /_sim/ control endpoints: a mixin for XeroSim (documented in xero_sim.py)."""

import copy
import re

import simcore

from . import store as storelib
from . import wire

WEBHOOK_KINDS = {"Contacts": "CONTACT", "Invoices": "INVOICE", "CreditNotes": "CREDITNOTE"}
SEED_KINDS = ("TaxRates", "Accounts", "Items", "Contacts", "Invoices", "CreditNotes", "Payments")
T = r"(?P<tenant>[0-9A-Fa-f-]{36})"
K = r"(?P<kind>Contacts|Invoices|Payments|CreditNotes|Items|Accounts|TaxRates|Organisation)"


def ok(obj=None, status=200):
    """JSON control response (decimals rendered as numbers)."""
    return simcore.Response(status, wire.dumps({"ok": True} if obj is None else obj),
                            {"Content-Type": "application/json; charset=utf-8"})


def body_of(req):
    """Decoded JSON body (decimals exact) or {} when empty."""
    if not req.body:
        return {}
    try:
        return wire.load_json(req.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise simcore.BadRequest("invalid JSON body: %s" % exc) from exc


class ControlApi:
    """The /_sim/ endpoints specific to the Xero simulator."""

    def control_table(self):
        rows = [
            ("GET", r"/_sim/clients", self.c_clients),
            ("POST", r"/_sim/clients", self.c_client_set),
            ("POST", r"/_sim/app", self.c_app),
            ("GET", r"/_sim/tenants", self.c_tenants),
            ("POST", r"/_sim/tenants", self.c_tenant_add),
            ("DELETE", r"/_sim/tenants/" + T, self.c_tenant_delete),
            ("POST", r"/_sim/tenants/" + T + "/disconnect", self.c_tenant_disconnect),
            ("POST", r"/_sim/seed", self.c_seed),
            ("GET", r"/_sim/objects/" + T + "/" + K, self.c_objects),
            ("GET", r"/_sim/objects/" + T + "/" + K + r"/(?P<key>[^/]+)", self.c_object),
            ("POST", r"/_sim/objects/" + T + "/" + K, self.c_edit),
            ("DELETE", r"/_sim/objects/" + T + r"/Items/(?P<key>[^/]+)", self.c_item_delete),
            ("POST", r"/_sim/authorize", self.c_authorize),
            ("GET", r"/_sim/tokens", self.c_tokens),
            ("POST", r"/_sim/tokens", self.c_token_issue),
            ("POST", r"/_sim/tokens/revoke", self.c_token_revoke),
            ("POST", r"/_sim/tokens/expire", self.c_token_expire),
            ("POST", r"/_sim/token_settings", self.c_token_settings),
            ("GET", r"/_sim/limits", self.c_limits),
            ("POST", r"/_sim/limits", self.c_limits_set),
            ("GET", r"/_sim/webhooks", self.c_webhooks),
            ("POST", r"/_sim/webhooks", self.c_webhooks_set),
            ("POST", r"/_sim/webhooks/flush", self.c_webhooks_flush),
            ("POST", r"/_sim/webhooks/itr", self.c_webhooks_itr),
            ("POST", r"/_sim/webhooks/send", self.c_webhooks_send),
            ("POST", r"/_sim/webhooks/wait", self.c_webhooks_wait),
            ("DELETE", r"/_sim/webhooks/deliveries", self.c_webhooks_clear),
        ]
        return [(m, re.compile("^" + p + "/?$"), fn) for m, p, fn in rows]

    def control(self, req):
        for method, regex, fn in self._control:
            m = regex.match(req.path)
            if m and method == req.method:
                return fn(req, **m.groupdict())
        return None

    def _tenant(self, tenant):
        t = self.tenants.get(tenant.lower())
        if t is None:
            raise simcore.BadRequest("unknown tenant %s" % tenant)
        return t

    # ---- app, tenants, data ----

    def c_clients(self, req):
        with self.lock:
            return ok(list(self.identity.clients.values()))

    def c_client_set(self, req):
        with self.lock:
            return ok(self.identity.set_client(body_of(req)))

    def c_app(self, req):
        """Configure the default app and its webhook in one call."""
        cfg = body_of(req)
        with self.lock:
            client = self.identity.set_client(dict(cfg, client_id=cfg.get("client_id", self.default_client)))
            self.default_client = client["client_id"]
            hook = {k[8:]: v for k, v in cfg.items() if k.startswith("webhook_")}
            self.webhooks.configure(dict(hook, client_id=client["client_id"]))
            return ok({"client": client, "webhook": self.webhooks.config})

    def c_tenants(self, req):
        with self.lock:
            return ok([t.summary() for t in self.tenants.values()])

    def c_tenant_add(self, req):
        with self.lock:
            return ok(self.add_tenant(body_of(req)).summary())

    def c_tenant_delete(self, req, tenant):
        with self.lock:
            self._tenant(tenant)
            self.identity.disconnect(lambda c: c["tenantId"] == tenant.lower())
            del self.tenants[tenant.lower()]
        return ok()

    def c_tenant_disconnect(self, req, tenant):
        """Fault: the org disconnects the app (all its connections go)."""
        with self.lock:
            self._tenant(tenant)
            n = self.identity.disconnect(lambda c: c["tenantId"] == tenant.lower())
        return ok({"removed": n})

    def c_seed(self, req):
        body = body_of(req)
        with self.lock:
            tenant = self.seed(body, body.get("tenantId"), bool(body.get("emitEvents")))
            return ok(tenant.summary())

    def c_objects(self, req, tenant, kind):
        with self.lock:
            t = self._tenant(tenant)
            if kind == "Organisation":
                return ok(copy.deepcopy(t.organisation))
            return ok(copy.deepcopy(list(t.objects[kind].values())))

    def c_object(self, req, tenant, kind, key):
        with self.lock:
            obj = self._tenant(tenant).get(kind, key) if kind != "Organisation" else None
            if obj is None:
                return simcore.json_response(404, {"error": "not found"})
            return ok(copy.deepcopy(obj))

    def c_edit(self, req, tenant, kind):
        """A user changing data in Xero: merge fields, bump UpdatedDateUTC, emit webhooks."""
        body = body_of(req)
        objs = body if isinstance(body, list) else [body]
        with self.lock:
            t = self._tenant(tenant)
            if kind == "Organisation":
                t.organisation.update(objs[0])
                return ok(t.organisation)
            return ok([self._edit_one(t, kind, o) for o in objs])

    def c_item_delete(self, req, tenant, key):
        """A user deleting an item in Xero: it is simply gone from GET /Items (no deleted flag)."""
        with self.lock:
            t = self._tenant(tenant)
            item = t.get("Items", key)
            if item is None:
                return simcore.json_response(404, {"error": "not found"})
            del t.objects["Items"][item["ItemID"]]
            return ok({"removed": item["ItemID"]})

    def _edit_one(self, tenant, kind, change):
        id_field = storelib.KINDS[kind][0]
        existing = tenant.get(kind, str(change[id_field])) if change.get(id_field) else None
        obj = copy.deepcopy(existing) if existing else {}
        obj.update(storelib.decimalize(change))
        obj = storelib.prepare_seed_object(kind, obj)
        if kind not in ("TaxRates", "Accounts"):
            obj["UpdatedDateUTC"] = wire.wire_date(wire.now_ms())
        tenant.put(kind, obj)
        self.object_event(tenant, kind, obj, "UPDATE" if existing else "CREATE")
        return obj

    # ---- identity ----

    def c_authorize(self, req):
        body = body_of(req)
        with self.lock:
            if "auto" in body:
                if body["auto"] not in (None, "approve", "deny"):
                    raise simcore.BadRequest("auto must be approve, deny or null")
                self.identity.settings["auto"] = body["auto"]
            if "tenants" in body:
                self.identity.settings["auto_tenants"] = [t.lower() for t in body["tenants"] or []] or None
            return ok({k: self.identity.settings[k] for k in ("auto", "auto_tenants")})

    def c_tokens(self, req):
        with self.lock:
            return simcore.json_response(200, self.identity.snapshot())

    def c_token_issue(self, req):
        """Issue a token set directly (no browser): connects the tenants, returns the token response."""
        body = body_of(req)
        tids = body.get("tenants") or ([body["tenantId"]] if body.get("tenantId") else list(self.tenants))
        with self.lock:
            tids = [self._tenant(t).id for t in tids]
            client_id = body.get("client_id", self.default_client)
            if client_id not in self.identity.clients:
                raise simcore.BadRequest("unknown client_id")
            event = wire.new_id()
            self.identity.connect(client_id, tids, event, self.tenants)
            scopes = (body.get("scope") or self.default_scope).split()
            resp = self.identity.issue(client_id, scopes, event, grant=wire.new_id())
            resp["authEventId"] = event
            resp["connections"] = self.identity.list_connections(client_id, event)
            return simcore.json_response(200, resp)

    def c_token_revoke(self, req):
        """Fault: revoke a token's whole grant (tokens stop working; connections stay)."""
        token = body_of(req).get("token")
        with self.lock:
            rec = self.identity.access.get(token) or self.identity.refresh.get(token)
            if rec is None:
                raise simcore.BadRequest("unknown token")
            self.identity.revoke_grant(rec["grant"])
        return ok()

    def c_token_expire(self, req):
        """Expire one access token now (or all, with no body)."""
        token = body_of(req).get("access_token")
        with self.lock:
            now = self.clock.now()
            for t, rec in self.identity.access.items():
                if token in (None, t):
                    rec["expires"] = min(rec["expires"], now)
        return ok()

    def c_token_settings(self, req):
        body = body_of(req)
        with self.lock:
            for key, value in body.items():
                if key not in ("access_lifetime", "code_lifetime", "invalidate_access_on_refresh", "strict_grace"):
                    raise simcore.BadRequest("unknown token setting %r" % key)
                self.identity.settings[key] = float(value) if key.endswith("lifetime") else bool(value)
            return ok(self.identity.settings)

    # ---- limits and webhooks ----

    def c_limits(self, req):
        return simcore.json_response(200, self.limits.snapshot())

    def c_limits_set(self, req):
        try:
            self.limits.configure(body_of(req))
        except (ValueError, TypeError) as exc:
            raise simcore.BadRequest(str(exc)) from exc
        return simcore.json_response(200, self.limits.snapshot())

    def c_webhooks(self, req):
        return simcore.json_response(200, self.webhooks.snapshot())

    def c_webhooks_set(self, req):
        self.webhooks.configure(body_of(req))
        return simcore.json_response(200, self.webhooks.snapshot()["config"])

    def c_webhooks_flush(self, req):
        return simcore.json_response(200, {"deliveries": self.webhooks.flush()})

    def c_webhooks_itr(self, req):
        body = body_of(req)
        return simcore.json_response(200, self.webhooks.intent_to_receive(int(body.get("probes", 4))))

    def c_webhooks_send(self, req):
        """Deliver a raw payload: {"body": "...", "signature": optional, "retries": optional}."""
        body = body_of(req)
        raw = body.get("body")
        if not isinstance(raw, str):
            raise simcore.BadRequest("body must be a string (sent byte for byte)")
        retries = body.get("retries")
        did = self.webhooks.send_raw(raw.encode("utf-8"), body.get("signature"),
                                     [float(r) for r in retries] if retries is not None else None)
        return simcore.json_response(200, {"delivery": did})

    def c_webhooks_wait(self, req):
        """Flush, then wait until every delivery is finished (or timeout seconds)."""
        timeout = float(body_of(req).get("timeout", 10))
        self.webhooks.flush()
        done = all(self.webhooks.sender.wait(d["id"], timeout) for d in self.webhooks.sender.deliveries())
        return simcore.json_response(200, {"done": done, "deliveries": self.webhooks.sender.deliveries()})

    def c_webhooks_clear(self, req):
        self.webhooks.sender.clear()
        return ok()
