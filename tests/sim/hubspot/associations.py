"""Associations v4 (HUBSPOT.md 3.4; crm-associations-v4.json).

Type ids are checked per object pair against the SDK table (assoc_types);
every association is stored with its inverse. Batch limits: create 2000,
read 1000, archive 100 inputs. Batch create answers 201 (the spec; set
assoc_create_status 200 for the behaviour observed since 2025-08-21), 207
when some inputs fail. Line items keep a single parent; invoice totals are
recomputed when their links change.
"""

import time

from . import invoices, model
from .assoc_types import TABLE
from .util import ApiError, body_json, error_body, fail, int_param, iso, need_dict, need_list, standard_error, validation

CATEGORIES = ("HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED", "WORK")
LIMITS = {"create": 2000, "read": 1000, "archive": 100, "default": 2000, "labels": 2000}


def object_type(name):
    """ObjType for a path segment; 400 'Unable to infer object type' otherwise."""
    t = model.resolve(name)
    if t is None:
        validation("Unable to infer object type from: %s" % name)
    return t


def parse_specs(specs):
    """[{associationCategory, associationTypeId}] -> [(category, id)]; 400 when malformed."""
    if not isinstance(specs, list):
        validation("Invalid input JSON on line 1, column 1: Cannot deserialize value of type "
                   "`java.util.HashSet<com.hubspot.inbounddb.associations.base.AssociationSpec>`")
    out = []
    for spec in specs:
        if not isinstance(spec, dict) or "associationCategory" not in spec or "associationTypeId" not in spec:
            validation("Invalid input JSON on line 1, column 3. Some required fields were not set: "
                       "[associationCategory, associationTypeId]")
        cat, tid = spec["associationCategory"], spec["associationTypeId"]
        if cat not in CATEGORIES or not isinstance(tid, int) or isinstance(tid, bool):
            validation("Invalid association spec: associationCategory must be one of %s and associationTypeId an "
                       "integer" % ", ".join(CATEGORIES))
        out.append((cat, tid))
    return out


def check_specs(frm, to, specs):
    """400 unless every (category, id) is a HUBSPOT_DEFINED type from frm to to."""
    for cat, tid in specs:
        if cat != "HUBSPOT_DEFINED" or not TABLE.valid(frm.name, to.name, tid):
            validation("%s association type %d is not valid from %s (%s) to %s (%s)."
                       % (cat, tid, frm.type_id, frm.name, to.type_id, to.name),
                       context={"associationTypeId": [str(tid)]})


def _record(portal, t, rid):
    rec = portal.get(t.name, str(rid))
    if rec is None:
        fail(404, "OBJECT_NOT_FOUND", "%s %s does not exist." % (t.label, rid), context={"id": [str(rid)]})
    return rec


def check_parent(portal, frm, fid, to, tid):
    """The one-parent rule for line items, whichever side they are on."""
    if frm == "line_items" and to in invoices.LINE_PARENTS:
        invoices.check_line_parent(portal, fid, to, tid)
    elif to == "line_items" and frm in invoices.LINE_PARENTS:
        invoices.check_line_parent(portal, tid, frm, fid)


def add(ctx, frm, fid, to, tid, specs):
    """Validate and store associations fid->tid with the given specs."""
    check_specs(frm, to, specs)
    _record(ctx.portal, frm, fid)
    _record(ctx.portal, to, tid)
    check_parent(ctx.portal, frm.name, str(fid), to.name, str(tid))
    a, b = (frm.name, str(fid)), (to.name, str(tid))
    for cat, type_id in specs:
        ctx.portal.link(a, b, type_id, TABLE.inverse.get(type_id), cat)
    invoices.after_link(ctx, a, b)


def remove(ctx, frm, fid, to, tid, specs=None):
    """Remove all associations between two records, or only the given specs."""
    a, b = (frm.name, str(fid)), (to.name, str(tid))
    ids = None if specs is None else [s[1] for s in specs]
    inv = None if ids is None else [TABLE.inverse.get(i) for i in ids]
    ctx.portal.unlink(a, b, ids, inv)
    invoices.after_link(ctx, a, b)


def spec_json(tid, category):
    """AssociationSpecWithLabel (label only for labelled types, e.g. Primary)."""
    out = {"category": category, "typeId": tid}
    if TABLE.label(tid):
        out["label"] = TABLE.label(tid)
    return out


def labels_pair(frm, fid, to, tid, specs):
    """LabelsBetweenObjectPair."""
    labels = [TABLE.label(s[1]) for s in specs if TABLE.label(s[1])]
    return {"fromObjectTypeId": frm.type_id, "fromObjectId": str(fid), "toObjectTypeId": to.type_id,
            "toObjectId": str(tid), "labels": labels}


def batch_envelope(results, errors, started):
    """Batch response body; status 207 when there are errors."""
    body = {"status": "COMPLETE", "results": results, "startedAt": iso(started), "completedAt": iso(time.time())}
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = errors
    return body


def _inputs(req, kind):
    body = body_json(req)
    inputs = need_list(body.get("inputs") if isinstance(body, dict) else None, "inputs")
    if len(inputs) > LIMITS[kind]:
        validation("Too many inputs: %d (the limit is %d)." % (len(inputs), LIMITS[kind]),
                   context={"inputs": [str(len(inputs))]})
    for item in inputs:
        need_dict(item, "inputs[]")
    return inputs


def _id_of(obj, what):
    if not isinstance(obj, dict) or obj.get("id") in (None, ""):
        validation("Invalid input JSON: %s.id is required" % what)
    return str(obj["id"])


def _run_each(inputs, fn):
    """Apply fn to each input; collect results and per-input StandardErrors."""
    results, errors = [], []
    for item in inputs:
        try:
            results.extend(fn(item))
        except ApiError as exc:
            b = exc.body
            ctx = dict(b.get("context") or {})
            if isinstance(item, dict):
                for side in ("from", "to"):
                    if isinstance(item.get(side), dict) and "id" in item[side]:
                        ctx.setdefault(side + "ObjectId", [str(item[side]["id"])])
                if "id" in item:
                    ctx.setdefault("fromObjectId", [str(item["id"])])
            errors.append(standard_error(b["category"], b["message"], ctx, b.get("errors")))
    return results, errors


def batch_create(call, fromObjectType, toObjectType):
    """POST .../batch/create: labelled associations."""
    frm, to, started = object_type(fromObjectType), object_type(toObjectType), time.time()
    ctx = call.ctx()

    def one(item):
        fid, tid = _id_of(item.get("from"), "from"), _id_of(item.get("to"), "to")
        specs = parse_specs(item.get("types"))
        add(ctx, frm, fid, to, tid, specs)
        return [labels_pair(frm, fid, to, tid, specs)]

    results, errors = _run_each(_inputs(call.req, "create"), one)
    return (207 if errors else ctx.portal.assoc_create_status), batch_envelope(results, errors, started)


def _default_pair(frm, to):
    tid = TABLE.default(frm.name, to.name)
    if tid is None:
        validation("There is no default association from %s to %s." % (frm.type_id, to.type_id))
    return tid


def _associate_default(ctx, frm, fid, to, tid):
    type_id = _default_pair(frm, to)
    add(ctx, frm, fid, to, tid, [("HUBSPOT_DEFINED", type_id)])
    out = [{"from": {"id": str(fid)}, "to": {"id": str(tid)},
            "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}}]
    inverse = TABLE.inverse.get(type_id)
    if inverse is not None:
        out.append({"from": {"id": str(tid)}, "to": {"id": str(fid)},
                    "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": inverse}})
    return out


def batch_default(call, fromObjectType, toObjectType):
    """POST .../batch/associate/default."""
    frm, to, started = object_type(fromObjectType), object_type(toObjectType), time.time()
    ctx = call.ctx()
    results, errors = _run_each(
        _inputs(call.req, "default"),
        lambda item: _associate_default(ctx, frm, _id_of(item.get("from"), "from"), to, _id_of(item.get("to"), "to")))
    return (207 if errors else 200), batch_envelope(results, errors, started)


def _targets(portal, frm, rid, to):
    """[MultiAssociatedObjectWithLabel] for one record, ordered by target id."""
    links = portal.associations(frm.name, str(rid), to.name)
    return [{"toObjectId": tid, "associationTypes": [spec_json(t, c) for t, c in sorted(types.items())]}
            for (_, tid), types in sorted(links.items(), key=lambda kv: int(kv[0][1]))]


def _page(items, after, limit):
    start = int_param(after, "after", 0, 0, 1 << 62)
    chunk = items[start:start + limit]
    paging = {"next": {"after": str(start + limit)}} if start + limit < len(items) else None
    return chunk, paging


def batch_read(call, fromObjectType, toObjectType):
    """POST .../batch/read: each input's associations (500 per page)."""
    frm, to, started = object_type(fromObjectType), object_type(toObjectType), time.time()
    portal = call.portal

    def one(item):
        rid = _id_of(item, "input")
        targets = _targets(portal, frm, rid, to) if portal.get(frm.name, rid) else []
        if not targets:
            raise ApiError(404, error_body("OBJECT_NOT_FOUND", "No %s is associated with %s %s."
                                           % (to.singular.lower(), frm.singular.lower(), rid)))
        chunk, paging = _page(targets, item.get("after"), 500)
        out = {"from": {"id": rid}, "to": chunk}
        if paging:
            out["paging"] = paging
        return [out]

    results, errors = _run_each(_inputs(call.req, "read"), one)
    return (207 if errors else 200), batch_envelope(results, errors, started)


def batch_archive(call, fromObjectType, toObjectType):
    """POST .../batch/archive: remove every association between the pairs."""
    frm, to = object_type(fromObjectType), object_type(toObjectType)
    ctx = call.ctx()
    for item in _inputs(call.req, "archive"):
        fid = _id_of(item.get("from") if isinstance(item, dict) else None, "from")
        for target in need_list(item.get("to"), "to"):
            remove(ctx, frm, fid, to, _id_of(target, "to"))
    return 204, None


def batch_labels_archive(call, fromObjectType, toObjectType):
    """POST .../batch/labels/archive: remove only the listed types."""
    frm, to = object_type(fromObjectType), object_type(toObjectType)
    ctx = call.ctx()
    for item in _inputs(call.req, "labels"):
        specs = parse_specs(item.get("types"))
        remove(ctx, frm, _id_of(item.get("from"), "from"), to, _id_of(item.get("to"), "to"), specs)
    return 204, None


def put_default(call, fromObjectType, fromObjectId, toObjectType, toObjectId):
    """PUT /crm/v4/objects/{from}/{id}/associations/default/{to}/{toId}."""
    frm, to, started = object_type(fromObjectType), object_type(toObjectType), time.time()
    results = _associate_default(call.ctx(), frm, fromObjectId, to, toObjectId)
    return 200, batch_envelope(results, [], started)


def put_labelled(call, objectType, objectId, toObjectType, toObjectId):
    """PUT /crm/v4/objects/{type}/{id}/associations/{to}/{toId} with a spec array."""
    frm, to = object_type(objectType), object_type(toObjectType)
    specs = parse_specs(body_json(call.req))
    add(call.ctx(), frm, objectId, to, toObjectId, specs)
    return 201, labels_pair(frm, objectId, to, toObjectId, specs)


def list_for_record(call, objectType, objectId, toObjectType):
    """GET /crm/v4/objects/{type}/{id}/associations/{to}?limit=&after= (limit max 500)."""
    frm, to = object_type(objectType), object_type(toObjectType)
    _record(call.portal, frm, objectId)
    limit = int_param(call.req.q("limit"), "limit", 500, 1, 500)
    chunk, paging = _page(_targets(call.portal, frm, objectId, to), call.req.q("after"), limit)
    body = {"results": chunk}
    if paging:
        body["paging"] = paging
    return 200, body


def delete_pair(call, objectType, objectId, toObjectType, toObjectId):
    """DELETE /crm/v4/objects/{type}/{id}/associations/{to}/{toId}."""
    remove(call.ctx(), object_type(objectType), objectId, object_type(toObjectType), toObjectId)
    return 204, None


def _scopes(kind):
    def fn(params):
        names = [params.get(k) for k in ("fromObjectType", "objectType", "toObjectType") if params.get(k)]
        groups = []
        for n in names:
            t = model.resolve(n)
            if t is not None:
                groups.append(t.read_scopes if kind == "read" else t.write_scopes)
        return groups
    return fn


def routes():
    """(method, pattern, handler, scope groups fn, limit kind) for every version prefix."""
    out = []
    for pre in ("/crm/v4/associations", "/crm/associations/2026-03"):
        base = pre + "/{fromObjectType}/{toObjectType}/batch/"
        out += [("POST", base + "create", batch_create, _scopes("write"), "assoc"),
                ("POST", base + "associate/default", batch_default, _scopes("write"), "assoc"),
                ("POST", base + "read", batch_read, _scopes("read"), "assoc"),
                ("POST", base + "archive", batch_archive, _scopes("write"), "assoc"),
                ("POST", base + "labels/archive", batch_labels_archive, _scopes("write"), "assoc")]
    for pre in ("/crm/v4/objects", "/crm/objects/2026-03"):
        out += [("PUT", pre + "/{fromObjectType}/{fromObjectId}/associations/default/{toObjectType}/{toObjectId}",
                 put_default, _scopes("write"), "burst"),
                ("PUT", pre + "/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}", put_labelled,
                 _scopes("write"), "burst"),
                ("DELETE", pre + "/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}", delete_pair,
                 _scopes("write"), "burst"),
                ("GET", pre + "/{objectType}/{objectId}/associations/{toObjectType}", list_for_record,
                 _scopes("read"), "burst")]
    return out
