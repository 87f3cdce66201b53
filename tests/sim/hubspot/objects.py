"""CRM objects v3: create, get (also by idProperty), update, archive, list
with `after` paging (HUBSPOT.md 2; crm-*-v3.json), plus the shared input
checks the batch endpoints reuse.
"""

from . import associations, invoices, model, store
from .assoc_types import TABLE
from .util import body_json, csv_param, fail, int_param, need_dict, truthy, validation


def object_type(name):
    """ObjType for a path segment; 400 'Unable to infer object type' otherwise."""
    return associations.object_type(name)


def not_found(rid):
    """HubSpot's 404 for a missing record."""
    fail(404, "OBJECT_NOT_FOUND", "Object not found.  objectId are usually numeric.", context={"id": [str(rid)]})


def non_unique(portal, t, prop, op="update/upsert"):
    """HubSpot's 400 for an idProperty that is not a unique-value property."""
    validation("Unable to perform %s by non-unique %s property %s in portal ID %d" % (op, t.type_id, prop, portal.id))


def check_id_property(portal, t, prop, op):
    """Which idProperty values each operation accepts:
    read any unique property (or hs_object_id); update a unique one except
    contact email (observed: node #548); upsert a unique one (hs_object_id is
    not: segment #3957)."""
    if prop in (None, "", "hs_object_id") and op != "upsert":
        return None
    if prop in (None, ""):
        prop = "hs_object_id"
    ok = portal.is_unique(t.name, prop) and not (op == "update" and prop == "email")
    if not ok:
        non_unique(portal, t, prop, "read" if op == "read" else "update/upsert")
    return prop


def lookup(portal, t, ident, prop, archived=False):
    """The record `ident` names (record id, or value of unique `prop`), or None."""
    if prop is None:
        return portal.get(t.name, str(ident), archived)
    if not archived:
        return portal.find_unique(t.name, prop, str(ident))
    key = portal.unique_key(prop, str(ident))
    return next((r for r in portal.records[t.name].values()
                 if r.archived and portal.unique_key(prop, r.props.get(prop, "")) == key), None)


def parse_inline(portal, t, items, new_id=None):
    """Create-time associations [{to:{id}, types:[...]}] -> [(to ObjType, id, specs)].
    Each typeId must start at this object type; the target must exist."""
    out = []
    for item in items or []:
        if not isinstance(item, dict) or not isinstance(item.get("to"), dict) or "id" not in item["to"]:
            validation("Invalid input JSON: associations[].to.id is required")
        specs = associations.parse_specs(item.get("types"))
        targets = {TABLE.target(t.name, tid) for _, tid in specs}
        if not specs or None in targets or len(targets) != 1:
            validation("Invalid association type(s) %s for a %s: each associationTypeId must go from %s."
                       % ([tid for _, tid in specs], t.singular.lower(), t.type_id))
        to = model.TYPES[targets.pop()]
        associations.check_specs(t, to, specs)
        tid = str(item["to"]["id"])
        if portal.get(to.name, tid) is None:
            validation("One or more associations are invalid: %s %s does not exist." % (to.label, tid),
                       context={"toObjectId": [tid]})
        associations.check_parent(portal, t.name, new_id, to.name, tid)
        out.append((to, tid, specs))
    return out


def prepare_create(portal, t, item, pending=None):
    """Validate one create input (no side effects); returns (clean props, links)."""
    need_dict(item, "input")
    clean = store.clean_properties(portal, t.name, item.get("properties"), True)
    links = parse_inline(portal, t, item.get("associations"))
    store.check_unique(portal, t.name, clean, None, pending)
    invoices.check_status(portal, t.name, clean.get("hs_invoice_status"), None, [(to.name, i) for to, i, _ in links])
    return clean, links


def commit_create(ctx, t, clean, links):
    """Store a prepared create and its associations; returns the record."""
    rec = store.create(ctx, t.name, clean)
    for to, tid, specs in links:
        associations.add(ctx, t, rec.id, to, tid, specs)
    return rec


def prepare_update(portal, t, rec, props, pending=None):
    """Validate an update of `rec`; returns the clean properties."""
    clean = store.clean_properties(portal, t.name, props, False)
    store.check_unique(portal, t.name, clean, rec.id, pending)
    if "hs_invoice_status" in clean:
        invoices.check_status(portal, t.name, clean["hs_invoice_status"], rec.id)
    return clean


def add_pending(portal, t, clean, rid, pending):
    """Remember unique values claimed by earlier inputs of one batch."""
    for name, value in clean.items():
        if value and portal.is_unique(t.name, name):
            pending[(name, portal.unique_key(name, value))] = rid


def assoc_view(portal, rec, to_names):
    """The `associations` member of SimplePublicObjectWithAssociations."""
    out = {}
    for name in to_names:
        to = model.resolve(name)
        if to is None:
            continue
        links = portal.associations(rec.otype, rec.id, to.name)
        results = [{"id": tid, "type": TABLE.type_name(type_id)}
                   for (_, tid), types in sorted(links.items(), key=lambda kv: int(kv[0][1])) for type_id in types]
        if results:
            out[name] = {"results": results}
    return out


def with_assocs(portal, rec, req):
    """view() plus associations requested by ?associations=."""
    out = store.view(portal, rec, csv_param(req, "properties") or None, csv_param(req, "propertiesWithHistory"))
    wanted = csv_param(req, "associations")
    if wanted:
        assoc = assoc_view(portal, rec, wanted)
        if assoc:
            out["associations"] = assoc
    return out


def list_objects(call, objectType):
    """GET /crm/v3/objects/{type}?limit=&after=&properties=&associations=&archived=."""
    t, req = object_type(objectType), call.req
    limit = int_param(req.q("limit"), "limit", 10, 1, 100)
    after = int_param(req.q("after"), "after", 0, 0, 1 << 62)
    archived = truthy(req.q("archived", "false"))
    recs = call.portal.page(t.name, after, limit, archived)
    body = {"results": [with_assocs(call.portal, r, req) for r in recs[:limit]]}
    if len(recs) > limit:
        nxt = recs[limit].id
        body["paging"] = {"next": {"after": nxt, "link": "%s%s?after=%s" % (call.base_url(), req.path, nxt)}}
    return 200, body


def get_object(call, objectType, objectId):
    """GET /crm/v3/objects/{type}/{id}[?idProperty=]."""
    t, req = object_type(objectType), call.req
    prop = check_id_property(call.portal, t, req.q("idProperty"), "read")
    rec = lookup(call.portal, t, objectId, prop, truthy(req.q("archived", "false")))
    if rec is None:
        not_found(objectId)
    return 200, with_assocs(call.portal, rec, req)


def create_object(call, objectType):
    """POST /crm/v3/objects/{type} -> 201 SimplePublicObject."""
    t = object_type(objectType)
    item = need_dict(body_json(call.req), "body")
    clean, links = prepare_create(call.portal, t, item)
    rec = commit_create(call.ctx(), t, clean, links)
    return 201, store.view(call.portal, rec, sorted(rec.props))


def update_object(call, objectType, objectId):
    """PATCH /crm/v3/objects/{type}/{id}[?idProperty=] -> 200."""
    t = object_type(objectType)
    body = need_dict(body_json(call.req), "body")
    prop = check_id_property(call.portal, t, call.req.q("idProperty"), "update")
    rec = lookup(call.portal, t, objectId, prop)
    if rec is None:
        not_found(objectId)
    clean = prepare_update(call.portal, t, rec, body.get("properties"))
    store.update(call.ctx(), rec, clean)
    return 200, store.view(call.portal, rec, sorted(rec.props))


def archive_object(call, objectType, objectId):
    """DELETE /crm/v3/objects/{type}/{id} -> 204 (also when already gone)."""
    t = object_type(objectType)
    rec = call.portal.get(t.name, objectId)
    if rec is not None:
        store.archive(call.ctx(), rec)
    return 204, None


def scopes(kind):
    """Scope groups for an object route: the type's read or write scopes."""
    def fn(params):
        t = model.resolve(params.get("objectType"))
        if t is None:
            return []
        return [t.read_scopes if kind == "read" else t.write_scopes]
    return fn


def routes():
    """(method, pattern, handler, scope fn, limit kind) for /crm/v3 and /crm/objects/2026-03."""
    out = []
    for pre in ("/crm/v3/objects", "/crm/objects/2026-03"):
        out += [("GET", pre + "/{objectType}", list_objects, scopes("read"), "burst"),
                ("POST", pre + "/{objectType}", create_object, scopes("write"), "burst"),
                ("GET", pre + "/{objectType}/{objectId}", get_object, scopes("read"), "burst"),
                ("PATCH", pre + "/{objectType}/{objectId}", update_object, scopes("write"), "burst"),
                ("DELETE", pre + "/{objectType}/{objectId}", archive_object, scopes("write"), "burst")]
    return out


