"""CRM object batch endpoints: read, create, update, upsert, archive
(HUBSPOT.md 2 and 2.1; errors.json batch_create_207_docs).

- At most 100 inputs per request.
- create: 207 per-input results only when every input carries an
  objectWriteTraceId; otherwise the first failing input fails the whole batch
  (its own status and body) and nothing is written.
- update/upsert: per-input failures give 207 with numErrors/errors, each
  error's context naming its objectWriteTraceId (or the input id).
- upsert needs a unique-value idProperty (hs_object_id is not one); two
  inputs resolving to the same record reject the whole batch, as do
  duplicate ids in update.
- read: ids that do not exist come back in one OBJECT_NOT_FOUND error (207).
"""

import time

from . import objects, store
from .associations import batch_envelope
from .util import ApiError, body_json, need_dict, need_list, standard_error, truthy, validation

MAX_INPUTS = 100


def _inputs(req, limit=MAX_INPUTS):
    body = need_dict(body_json(req), "body")
    inputs = need_list(body.get("inputs"), "inputs")
    if len(inputs) > limit:
        validation("Batch input too large: %d inputs given, the limit is %d." % (len(inputs), limit),
                   context={"inputs": [str(len(inputs))]})
    for item in inputs:
        need_dict(item, "inputs[]")
    return body, inputs


def _as_error(exc, item):
    """A per-input StandardError keyed by objectWriteTraceId (or the input id)."""
    b = exc.body
    trace = item.get("objectWriteTraceId")
    ctx = {"objectWriteTraceId": [str(trace)]} if trace else {"ids": [str(item.get("id", ""))]}
    return standard_error(b.get("category", "VALIDATION_ERROR"), b.get("message", ""), ctx, b.get("errors"))


def _result(portal, rec, item, new=None):
    out = store.view(portal, rec, sorted(rec.props), trace_id=item.get("objectWriteTraceId"))
    if new is not None:
        out["new"] = new
    return out


def _reply(results, errors, started, ok_status):
    return (207 if errors else ok_status), batch_envelope(results, errors, started)


def batch_read(call, objectType):
    """POST …/batch/read {idProperty?, inputs:[{id}], properties, propertiesWithHistory}."""
    t, started, portal = objects.object_type(objectType), time.time(), call.portal
    body, inputs = _inputs(call.req)
    prop = objects.check_id_property(portal, t, body.get("idProperty"), "read")
    archived = truthy(call.req.q("archived", "false"))
    names, hist = body.get("properties") or None, body.get("propertiesWithHistory") or None
    results, missing = [], []
    for ident in dict.fromkeys(str(i.get("id", "")) for i in inputs):
        rec = objects.lookup(portal, t, ident, prop, archived)
        if rec is None:
            missing.append(ident)
        else:
            results.append(store.view(portal, rec, names, hist))
    errors = []
    if missing:
        errors.append(standard_error(
            "OBJECT_NOT_FOUND", "Could not get some %s objects, they may be deleted or not exist. Check that ids "
            "are valid numbers and > 0." % t.singular, {"ids": missing}))
    return _reply(results, errors, started, 200)


def batch_create(call, objectType):
    """POST …/batch/create {inputs:[{properties, associations, objectWriteTraceId?}]}."""
    t, started, portal = objects.object_type(objectType), time.time(), call.portal
    _, inputs = _inputs(call.req)
    ctx = call.ctx()
    if inputs and all(i.get("objectWriteTraceId") for i in inputs):
        results, errors = [], []
        for item in inputs:
            try:
                clean, links = objects.prepare_create(portal, t, item)
                results.append(_result(portal, objects.commit_create(ctx, t, clean, links), item))
            except ApiError as exc:
                errors.append(_as_error(exc, item))
        return _reply(results, errors, started, 201)
    plans, pending = [], {}
    for n, item in enumerate(inputs):
        clean, links = objects.prepare_create(portal, t, item, pending)
        objects.add_pending(portal, t, clean, "(batch input %d)" % n, pending)
        plans.append((item, clean, links))
    results = [_result(portal, objects.commit_create(ctx, t, c, l), i) for i, c, l in plans]
    return _reply(results, [], started, 201)


def _resolve(portal, t, item, default_prop, op):
    prop = objects.check_id_property(portal, t, item.get("idProperty", default_prop), op)
    if item.get("id") in (None, ""):
        validation("Invalid input JSON: inputs[].id is required")
    return prop, str(item["id"])


def _reject_duplicates(keys):
    seen, dups = set(), []
    for key in keys:
        if key in seen and key not in dups:
            dups.append(key)
        seen.add(key)
    if dups:
        validation("Duplicate IDs found in batch input: [%s]. IDs must be unique" % ", ".join(d[-1] for d in dups))


def batch_update(call, objectType):
    """POST …/batch/update {inputs:[{id, idProperty?, properties, objectWriteTraceId?}]}."""
    t, started, portal = objects.object_type(objectType), time.time(), call.portal
    body, inputs = _inputs(call.req)
    keyed = [_resolve(portal, t, i, body.get("idProperty"), "update") for i in inputs]
    recs = [objects.lookup(portal, t, ident, prop) for prop, ident in keyed]
    _reject_duplicates([("id", r.id) if r else k for r, k in zip(recs, keyed)])
    ctx, results, errors, pending = call.ctx(), [], [], {}
    for item, rec, (_, ident) in zip(inputs, recs, keyed):
        try:
            if rec is None:
                objects.not_found(ident)
            clean = objects.prepare_update(portal, t, rec, item.get("properties"), pending)
            objects.add_pending(portal, t, clean, rec.id, pending)
            results.append(_result(portal, store.update(ctx, rec, clean), item))
        except ApiError as exc:
            errors.append(_as_error(exc, item))
    return _reply(results, errors, started, 200)


def _upsert_one(ctx, t, item, prop, ident, rec):
    portal = ctx.portal
    props = dict(item.get("properties") or {}) if isinstance(item.get("properties"), dict) else item.get("properties")
    if rec is not None:
        clean = objects.prepare_update(portal, t, rec, props)
        return _result(portal, store.update(ctx, rec, clean), item, new=False)
    if isinstance(props, dict):
        props[prop] = ident
    clean, links = objects.prepare_create(portal, t, {"properties": props, "associations": []})
    return _result(portal, objects.commit_create(ctx, t, clean, links), item, new=True)


def batch_upsert(call, objectType):
    """POST …/batch/upsert {inputs:[{id, idProperty, properties, objectWriteTraceId?}]}."""
    t, started, portal = objects.object_type(objectType), time.time(), call.portal
    body, inputs = _inputs(call.req)
    keyed = [_resolve(portal, t, i, body.get("idProperty"), "upsert") for i in inputs]
    recs = [objects.lookup(portal, t, ident, prop) for prop, ident in keyed]
    _reject_duplicates([("id", r.id) if r else (p, portal.unique_key(p, i), i) for r, (p, i) in zip(recs, keyed)])
    ctx, results, errors = call.ctx(), [], []
    for item, rec, (prop, ident) in zip(inputs, recs, keyed):
        try:
            results.append(_upsert_one(ctx, t, item, prop, ident, rec))
        except ApiError as exc:
            errors.append(_as_error(exc, item))
    return _reply(results, errors, started, 200)


def batch_archive(call, objectType):
    """POST …/batch/archive {inputs:[{id}]} -> 204; unknown ids are ignored.
    An input that may not be archived (a non-draft invoice) rejects the batch."""
    t, portal = objects.object_type(objectType), call.portal
    _, inputs = _inputs(call.req)
    recs = [portal.get(t.name, str(i.get("id", ""))) for i in inputs]
    recs = list({r.id: r for r in recs if r is not None}.values())
    for rec in recs:
        store.invoices.check_archive(portal, rec)
    ctx = call.ctx()
    for rec in recs:
        store.archive(ctx, rec)
    return 204, None


def routes():
    """(method, pattern, handler, scope fn, limit kind) for every batch endpoint."""
    out = []
    for pre in ("/crm/v3/objects", "/crm/objects/2026-03"):
        base = pre + "/{objectType}/batch/"
        out += [("POST", base + "read", batch_read, objects.scopes("read"), "burst"),
                ("POST", base + "create", batch_create, objects.scopes("write"), "burst"),
                ("POST", base + "update", batch_update, objects.scopes("write"), "burst"),
                ("POST", base + "upsert", batch_upsert, objects.scopes("write"), "burst"),
                ("POST", base + "archive", batch_archive, objects.scopes("write"), "burst")]
    return out


