"""The HubSpot simulator's own /_sim/ endpoints (documented in hubspot_sim.py)."""

import random
import re
import uuid

from . import objects, properties
from .portal import TIERS, TIER_BY_BURST, Portal
from .store import Ctx, archive, full_view, update
from .util import ApiError

APP_KEYS = {"app_id": int, "app_name": str, "client_id": str, "client_secret": str, "webhook_url": (str, type(None)),
            "redirect_uris": list, "app_scopes": list, "auto_approve": (str, type(None)), "access_token_ttl": (int, float),
            "subscriptions": list, "batch_delay": (int, float), "signature_version": (str, list), "user_id": int}
PORTAL_KEYS = {"portal_id": int, "tier": (int, str), "burst_limit": int, "daily_limit": int, "oauth_burst_limit": int,
               "scopes": list, "search_delay": (int, float), "search_limit": int, "emit_api_changes": bool,
               "allow_open_invoice_delete": bool, "assoc_create_status": int}


class Bad(Exception):
    """A malformed control request (400)."""


def _json(req):
    try:
        body = req.json() if req.body else {}
    except Exception as exc:  # simcore.BadRequest
        raise Bad(str(exc)) from exc
    if not isinstance(body, dict):
        raise Bad("expected a JSON object")
    return body


def _portal(app, body, req):
    pid = body.get("portal_id", req.q("portal_id"))
    portal = app.portal(pid)
    if portal is None:
        raise Bad("unknown portal_id %s" % pid)
    return portal


def _check_keys(body):
    for key, val in body.items():
        kind = APP_KEYS.get(key) or PORTAL_KEYS.get(key)
        if kind is None:
            raise Bad("unknown key %r" % key)
        if not isinstance(val, kind) or (isinstance(val, bool) and kind in (int, (int, float))):
            raise Bad("bad value for %s" % key)
    tier = body.get("tier")
    if tier is not None and TIER_BY_BURST.get(tier, tier) not in TIERS:
        raise Bad("tier must be 100, 190, starter, professional or enterprise")
    if body.get("auto_approve") not in (None, "approve", "deny"):
        raise Bad("auto_approve must be null, approve or deny")
    if body.get("assoc_create_status", 201) not in (200, 201):
        raise Bad("assoc_create_status must be 200 or 201")
    for key in ("redirect_uris", "app_scopes", "scopes"):
        if not all(isinstance(v, str) for v in body.get(key, [])):
            raise Bad("%s must be a list of strings" % key)
    for sub in body.get("subscriptions", []):
        if not (isinstance(sub, dict) and isinstance(sub.get("id"), int)
                and isinstance(sub.get("subscriptionType"), str)):
            raise Bad("subscriptions: [{id: int, subscriptionType, objectTypeId?, propertyName?, active?}]")


def _versions(spec):
    items = spec if isinstance(spec, list) else re.split(r"[,+ ]+", spec)
    items = ["v1", "v3"] if items == ["all"] else [v.lower() for v in items if v]
    if not items or any(v not in ("v1", "v2", "v3") for v in items) or {"v1", "v2"} <= set(items):
        raise Bad("signature_version: v1, v2, v3 or a combination of v1|v2 with v3")
    return items


def configure(app, req):
    """POST /_sim/portal: app settings and one portal's settings (created if new)."""
    body = _json(req)
    _check_keys(body)
    for key in APP_KEYS:
        if key in body:
            if key == "signature_version":
                app.oauth["signature_versions"] = _versions(body[key])
            else:
                app.oauth["scopes" if key == "app_scopes" else key] = body[key]
    pid = body.get("portal_id")
    if pid is not None and pid not in app.portals:
        app.portals[pid] = Portal(pid, app.clock.now())
    portal = app.portal(pid)
    portal.configure({k: v for k, v in body.items() if k in PORTAL_KEYS})
    return 200, describe(app)


def describe(app):
    """GET /_sim/config."""
    cfg = dict(app.oauth)
    return {"app": cfg, "portals": [p.describe() for _, p in sorted(app.portals.items())],
            "time_scale": app.clock.time_scale}


def issue_token(app, req):
    """POST /_sim/tokens {portal_id?, kind: static|oauth, scopes?, value?}."""
    body = _json(req)
    portal = _portal(app, body, req)
    scopes = body.get("scopes", sorted(portal.scopes))
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise Bad("scopes must be a list of strings")
    kind = body.get("kind", "static")
    if kind not in ("static", "oauth"):
        raise Bad("kind must be static or oauth")
    if kind == "static":
        tok = app.auth.issue_static(portal.id, scopes, body.get("value"))
        return 200, {"token": tok.value, "kind": "static", "portal_id": portal.id, "scopes": sorted(tok.scopes)}
    tok = app.auth.issue_oauth(portal.id, scopes, app.token_expiry(), client_id=app.oauth["client_id"])
    return 200, {"token": tok.value, "kind": "oauth", "refresh_token": tok.refresh, "portal_id": portal.id,
                 "scopes": sorted(tok.scopes), "expires_in": app.token_lifetime()}


def revoke_token(app, req):
    """POST /_sim/tokens/revoke {token}."""
    return 200, {"revoked": app.auth.revoke(str(_json(req).get("token", "")))}


def uninstall(app, req):
    """POST /_sim/uninstall {portal_id?}: the account removes the app; every token dies."""
    portal = _portal(app, _json(req), req)
    return 200, {"revoked": app.auth.revoke_portal(portal.id)}


def locked(app, req):
    """POST /_sim/locked {count, portal_id?}: the next `count` API calls get 423."""
    body = _json(req)
    portal = _portal(app, body, req)
    count = body.get("count", 1)
    if not isinstance(count, int) or count < 0:
        raise Bad("count must be a non-negative integer")
    portal.locked = count
    return 200, {"locked": count}


def _seed_objects(app, ctx, otype, items):
    t = objects.object_type(otype)
    ids = []
    for item in items:
        clean, links = objects.prepare_create(ctx.portal, t, item)
        ids.append(objects.commit_create(ctx, t, clean, links).id)
    return ids


def seed(app, req):
    """POST /_sim/seed {portal_id?, groups, properties, objects}: immediately searchable, no webhooks.
    A property seeded under the name of an archived one replaces it (an admin restoring it)."""
    body = _json(req)
    portal = _portal(app, body, req)
    ctx = Ctx(portal, app.clock.now(), "SEED")
    for key in ("groups", "properties", "objects"):
        section = body.get(key) or {}
        if not isinstance(section, dict) or not all(isinstance(v, list) for v in section.values()):
            raise Bad("%s must map object types to lists" % key)
    try:
        for add, key, have in ((properties.add_group, "groups", portal.groups),
                               (properties.add_property, "properties", portal.properties)):
            for otype, defs in (body.get(key) or {}).items():
                t = objects.object_type(otype)
                for d in defs:  # an archived property of that name is restored
                    old = have[t.name].get(d.get("name")) if isinstance(d, dict) else None
                    if isinstance(old, dict) and old.get("archived"):
                        del have[t.name][d["name"]]
                        old = None
                    if old is None:
                        add(portal, t, d)
        out = {otype: _seed_objects(app, ctx, otype, items) for otype, items in (body.get("objects") or {}).items()}
    except ApiError as exc:
        return exc.status, exc.body
    return 200, {"ids": out}


def _user_ctx(app, portal):
    now = app.clock.now()
    return Ctx(portal, now, "CRM_UI", app.webhooks.emit, now + app.clock.window(portal.search_delay))


def read_objects(app, req, otype):
    """GET /_sim/objects/{type}[?archived=true|any]: every stored property and association."""
    portal, t = _portal(app, {}, req), objects.object_type(otype)
    which = req.q("archived", "false")
    recs = [r for r in portal.sorted_records(t.name) if which == "any" or r.archived == (which == "true")]
    return 200, [full_view(portal, r) for r in recs]


def _find(portal, otype, rid):
    t = objects.object_type(otype)
    rec = portal.records[t.name].get(str(rid))
    if rec is None:
        objects.not_found(rid)
    return t, rec


def read_object(app, req, otype, rid):
    """GET /_sim/objects/{type}/{id} (archived too)."""
    portal = _portal(app, {}, req)
    return 200, full_view(portal, _find(portal, otype, rid)[1])


def user_create(app, req, otype):
    """POST /_sim/objects/{type} {properties, associations?}: a user creates a record (webhook)."""
    body, portal = _json(req), _portal(app, {}, req)
    t = objects.object_type(otype)
    clean, links = objects.prepare_create(portal, t, body)
    rec = objects.commit_create(_user_ctx(app, portal), t, clean, links)
    return 201, full_view(portal, rec)


def user_update(app, req, otype, rid):
    """PATCH /_sim/objects/{type}/{id} {properties}: a user edits a record (webhook)."""
    body, portal = _json(req), _portal(app, {}, req)
    t, rec = _find(portal, otype, rid)
    clean = objects.prepare_update(portal, t, rec, body.get("properties"))
    update(_user_ctx(app, portal), rec, clean)
    return 200, full_view(portal, rec)


def user_delete(app, req, otype, rid):
    """DELETE /_sim/objects/{type}/{id}: a user deletes a record (webhook)."""
    portal = _portal(app, {}, req)
    _, rec = _find(portal, otype, rid)
    archive(_user_ctx(app, portal), rec)
    return 204, None


def deliveries(app, req):
    """GET /_sim/webhooks: deliveries (attempts, last body and headers) and pending events."""
    return 200, {"deliveries": app.webhooks.sender.list(), "pending": list(app.webhooks.pending)}


def flush(app, req):
    """POST /_sim/webhooks/flush: send pending events now."""
    return 200, {"deliveries": app.webhooks.flush()}


def trigger(app, req):
    """POST /_sim/webhooks/trigger {events:[…]}: send these events (missing fields filled in)."""
    body = _json(req)
    portal = _portal(app, body, req)
    events = body.get("events")
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise Bad("events must be a list of objects")
    now_ms = int(app.clock.now() * 1000)
    filled = [dict({"eventId": next(app.webhooks.event_ids), "subscriptionId": 1, "portalId": portal.id,
                    "appId": app.oauth["app_id"], "occurredAt": now_ms, "attemptNumber": 0,
                    "changeSource": "CRM_UI"}, **e) for e in events]
    app.webhooks.inject(filled)
    return 200, {"deliveries": app.webhooks.flush()}


def clear_deliveries(app, req):
    """DELETE /_sim/webhooks."""
    app.webhooks.reset()
    return 200, {"ok": True}


def ratelimits(app, req):
    """GET /_sim/ratelimit[?portal_id=]."""
    portal = _portal(app, {}, req)
    return 200, app.limiter.describe(portal, app.clock.now(), app.clock)


def reindex(app, req):
    """POST /_sim/search/reindex: every pending write becomes searchable now."""
    portal = _portal(app, _json(req), req)
    now = app.clock.now()
    for recs in portal.records.values():
        for rec in recs.values():
            rec.index = [(now, dict(rec.props), rec.archived)]
    return 200, {"ok": True}


ROUTES = [
    ("GET", r"/_sim/config", lambda app, req: (200, describe(app))),
    ("POST", r"/_sim/portal", configure),
    ("POST", r"/_sim/tokens", issue_token),
    ("POST", r"/_sim/tokens/revoke", revoke_token),
    ("POST", r"/_sim/uninstall", uninstall),
    ("POST", r"/_sim/locked", locked),
    ("POST", r"/_sim/seed", seed),
    ("GET", r"/_sim/objects/(?P<otype>[^/]+)", read_objects),
    ("POST", r"/_sim/objects/(?P<otype>[^/]+)", user_create),
    ("GET", r"/_sim/objects/(?P<otype>[^/]+)/(?P<rid>[^/]+)", read_object),
    ("PATCH", r"/_sim/objects/(?P<otype>[^/]+)/(?P<rid>[^/]+)", user_update),
    ("DELETE", r"/_sim/objects/(?P<otype>[^/]+)/(?P<rid>[^/]+)", user_delete),
    ("GET", r"/_sim/webhooks", deliveries),
    ("DELETE", r"/_sim/webhooks", clear_deliveries),
    ("POST", r"/_sim/webhooks/flush", flush),
    ("POST", r"/_sim/webhooks/trigger", trigger),
    ("GET", r"/_sim/ratelimit", ratelimits),
    ("POST", r"/_sim/search/reindex", reindex),
]
_COMPILED = [(m, re.compile("^" + p + "/?$"), fn) for m, p, fn in ROUTES]


def dispatch(app, req):
    """Route a /_sim/ request; None when unknown (simcore answers 404)."""
    from simcore import Response, json_response

    for method, regex, fn in _COMPILED:
        m = regex.match(req.path)
        if m and method == req.method:
            try:
                status, body = fn(app, req, **m.groupdict())
            except Bad as exc:
                return json_response(400, {"error": "bad_request", "message": str(exc)})
            except ApiError as exc:
                return exc.response()
            return Response(status, b"") if body is None else json_response(status, body)
    return None


DEMO_COMPANIES = ["Acme Ltd", "Globex Corporation", "Initech", "Umbrella Traders", "Stark Supplies", "Wayne Foods"]
DEMO_PEOPLE = [("Ada", "Lovelace"), ("Grace", "Hopper"), ("Alan", "Turing"), ("Katherine", "Johnson"),
               ("Edsger", "Dijkstra"), ("Barbara", "Liskov"), ("Dennis", "Ritchie"), ("Frances", "Allen")]


def seed_demo(app, seed_value):
    """Demo portal: companies with contacts (associated), a deterministic static token."""
    rng = random.Random(seed_value)
    portal = app.portal()
    ctx = Ctx(portal, app.clock.now(), "SEED")
    companies = rng.sample(DEMO_COMPANIES, 4)
    people = rng.sample(DEMO_PEOPLE, 6)
    comp_ids = _seed_objects(app, ctx, "companies", [
        {"properties": {"name": n, "domain": n.split()[0].lower() + ".example", "city": rng.choice(
            ["Auckland", "Wellington", "Sydney", "London"])}} for n in companies])
    contacts = []
    for n, (first, last) in enumerate(people):
        contacts.append({"properties": {"firstname": first, "lastname": last,
                                        "email": "%s.%s@%s" % (first.lower(), last.lower(),
                                                               companies[n % 4].split()[0].lower() + ".example")},
                         "associations": [{"to": {"id": comp_ids[n % 4]}, "types": [
                             {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]}]})
    _seed_objects(app, ctx, "contacts", contacts)
    value = "pat-na1-" + str(uuid.uuid5(uuid.NAMESPACE_URL, "xhsync-hubspot-demo-%d" % seed_value))
    app.auth.issue_static(portal.id, sorted(portal.scopes), value)
    return ["hubspot demo portal %d (tier %s): %d companies, %d contacts" % (portal.id, portal.tier, 4, 6),
            "static token: %s" % value,
            "app id %d, client id %s, client secret %s" % (
                app.oauth["app_id"], app.oauth["client_id"],
                app.oauth["client_secret"] if app.oauth["client_secret"].startswith("hubsim-") else "(as given)")]
