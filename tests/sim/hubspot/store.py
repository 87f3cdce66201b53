"""Record writes: property validation, uniqueness, create/update/archive and
the SimplePublicObject view.

Rules (HUBSPOT.md 2, 2.3, 6.11): property values are strings (numbers and
booleans are accepted and stored as strings); unknown or read-only properties
and malformed values give 400 VALIDATION_ERROR "Property values were not
valid: [...]"; `""` clears a value; a value already held by another record in
a hasUniqueValue property gives 409 CONFLICT.
"""

import json

from . import invoices, model
from .util import ApiError, error_body, iso, parse_number, parse_time, validation


class Ctx:
    """Who writes and when: portal, time, source (API, CRM_UI, SEED), the
    webhook emitter and when the search index sees the change."""

    def __init__(self, portal, now, source, emit=None, visible_at=None):
        self.portal = portal
        self.now = now
        self.source = source
        self.emit = emit or (lambda *a: None)
        self.visible_at = now if visible_at is None else visible_at


def prop_error(portal, name, code, message):
    """One entry of HubSpot's 'Property values were not valid' list."""
    return {"isValid": False, "message": message, "error": code, "name": name,
            "localizedErrorMessage": message, "portalId": portal.id}


def raise_prop_errors(items):
    """400 VALIDATION_ERROR with the documented message and errors[] shape."""
    message = "Property values were not valid: " + json.dumps(items, separators=(",", ":"))
    errors = [{"message": i["message"], "code": i["error"], "context": {"propertyName": [i["name"]]}} for i in items]
    raise ApiError(400, error_body("VALIDATION_ERROR", message, errors=errors))


def _as_text(val):
    if val is None:
        return ""
    if isinstance(val, bool):
        return "true" if val else "false"
    if isinstance(val, (int, float)):
        return repr(val) if isinstance(val, float) and not val.is_integer() else str(int(val))
    if isinstance(val, str):
        return val
    validation("Invalid input JSON on line 1: Cannot deserialize value of type `java.lang.String` from %s value"
               % ("Object" if isinstance(val, dict) else "Array"))
    return None


def _check_number(text):
    return None if parse_number(text) is not None else ("INVALID_INTEGER", "%s was not a valid number." % text)


def _check_bool(text):
    return None if text.lower() in ("true", "false") else ("INVALID_BOOLEAN", "%s was not a valid boolean." % text)


def _check_date(text):
    ts = parse_time(text)
    if ts is None:
        return "INVALID_DATE", "%s was not a valid date." % text
    if ts % 86400:
        return "INVALID_DATE", "%s is not at midnight UTC." % text
    return None


def _check_datetime(text):
    return None if parse_time(text) is not None else ("INVALID_DATETIME", "%s was not a valid datetime." % text)


_CHECKS = {"number": _check_number, "bool": _check_bool, "date": _check_date, "datetime": _check_datetime}


def _normalise(ptype, text):
    """Stored form: booleans lower-case, dates YYYY-MM-DD, datetimes ISO."""
    if ptype == "bool":
        return text.lower()
    if ptype == "date":
        return iso(parse_time(text))[:10]
    if ptype == "datetime":
        return iso(parse_time(text))
    return text


def _check_value(portal, pdef, text):
    """(code, message) when text is not valid for the property, else None."""
    if text == "":
        return None
    check = _CHECKS.get(pdef["type"])
    if check:
        return check(text)
    options = [o["value"] for o in pdef.get("options") or []]
    if pdef["type"] == "enumeration" and options:
        bad = [v for v in text.split(";") if v not in options]
        if bad:
            return "INVALID_OPTION", "%s was not one of the allowed options: [%s]" % (bad[0], ", ".join(options))
    return None


def clean_properties(portal, otype, raw, creating):
    """Validate an input `properties` object; returns {name: stored string}.
    Raises 400 with every invalid property listed."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        validation("Invalid input JSON: properties must be an object")
    out, errs = {}, []
    for name, val in raw.items():
        text = _as_text(val)
        pdef = portal.prop(otype, name)
        if pdef is None:
            errs.append(prop_error(portal, name, "PROPERTY_DOESNT_EXIST", 'Property "%s" does not exist' % name))
        elif pdef["modificationMetadata"]["readOnlyValue"]:
            errs.append(prop_error(portal, name, "READ_ONLY_VALUE",
                                   '"%s" is a read only property; its value cannot be set.' % name))
        else:
            bad = _check_value(portal, pdef, text)
            if bad:
                errs.append(prop_error(portal, name, bad[0], bad[1]))
            else:
                out[name] = _normalise(pdef["type"], text) if text else ""
    if creating:
        for name in model.REQUIRED_ON_CREATE.get(otype, []):
            if not out.get(name) and not any(e["name"] == name for e in errs):
                errs.append(prop_error(portal, name, "REQUIRED_PROPERTY", 'Property "%s" is required' % name))
    if errs:
        raise_prop_errors(errs)
    return out


def check_unique(portal, otype, clean, rid=None, pending=None):
    """409 CONFLICT when a unique value is held by another live record (or by
    an earlier input of the same batch, `pending`: {(prop, key): id})."""
    for name, value in clean.items():
        if not value or not portal.is_unique(otype, name):
            continue
        key = portal.unique_key(name, value)
        other = portal.find_unique(otype, name, value)
        other_id = other.id if other else (pending or {}).get((name, key))
        if other_id and other_id != rid:
            label = model.TYPES[otype].label
            msg = ("%s already exists. Existing ID: %s" % (label, other_id) if name == "email"
                   else '%s with %s "%s" already exists. Existing ID: %s' % (label, name, value, other_id))
            raise ApiError(409, error_body("CONFLICT", msg))


def _index_unique(portal, rec, old):
    for name in set(old) | set(rec.props):
        if not portal.is_unique(rec.otype, name):
            continue
        idx = portal.unique[(rec.otype, name)]
        if old.get(name):
            idx.pop(portal.unique_key(name, old[name]), None)
        if rec.props.get(name) and not rec.archived:
            idx[portal.unique_key(name, rec.props[name])] = rec.id


def _finish(ctx, rec, old):
    """Bookkeeping after any write: unique index, computed values, search index."""
    _index_unique(ctx.portal, rec, old)
    invoices.after_write(ctx, rec)
    rec.snapshot(ctx.visible_at, ctx.now)


def create(ctx, otype, clean):
    """Store a new record with already-validated properties; returns it."""
    portal = ctx.portal
    rec = portal.add_record(otype, ctx.now)
    t = model.TYPES[otype]
    stamp = iso(ctx.now)
    for name, value in invoices.defaults(ctx, otype, clean).items():
        if value != "":
            rec.set(name, value, ctx.now, ctx.source)
    for name, value in (("hs_object_id", rec.id), (t.create_prop, stamp), (t.mod_prop, stamp)):
        rec.set(name, value, ctx.now, ctx.source)
    _finish(ctx, rec, {})
    ctx.emit(ctx, "creation", rec, None)
    return rec


def update(ctx, rec, clean):
    """Apply validated properties to a record; emits one propertyChange per changed value."""
    old = dict(rec.props)
    changed = [(n, v) for n, v in clean.items() if rec.props.get(n, "") != v]
    for name, value in changed:
        if value == "":
            rec.props.pop(name, None)
            rec.history.setdefault(name, []).insert(0, {"value": "", "timestamp": iso(ctx.now),
                                                        "sourceType": ctx.source})
        else:
            rec.set(name, value, ctx.now, ctx.source)
    rec.updated = ctx.now
    rec.set(model.TYPES[rec.otype].mod_prop, iso(ctx.now), ctx.now, ctx.source)
    _finish(ctx, rec, old)
    for name, value in changed:
        ctx.emit(ctx, "propertyChange", rec, (name, value))
    return rec


def archive(ctx, rec):
    """Archive (soft-delete) a record; its unique values become free."""
    invoices.check_archive(ctx.portal, rec)
    old = dict(rec.props)
    rec.archived = True
    rec.archived_at = ctx.now
    rec.updated = ctx.now
    _finish(ctx, rec, old)
    ctx.emit(ctx, "deletion", rec, None)


def view(portal, rec, names=None, history=None, trace_id=None, tables=None):
    """SimplePublicObject JSON for a record.

    names: requested properties (None: the type's defaults; unset ones come
    back as null); history: names for propertiesWithHistory."""
    t = model.TYPES[rec.otype]
    if names:
        wanted = list(dict.fromkeys(list(names) + ["hs_object_id", t.create_prop, t.mod_prop]))
        props = {n: rec.props.get(n) for n in wanted if portal.prop(rec.otype, n) is not None}
    else:
        props = {n: rec.props[n] for n in t.defaults if n in rec.props}
    out = {"id": rec.id, "properties": props, "createdAt": iso(rec.created), "updatedAt": iso(rec.updated),
           "archived": rec.archived}
    if rec.archived:
        out["archivedAt"] = iso(rec.archived_at)
    if history:
        out["propertiesWithHistory"] = {n: list(rec.history.get(n, [])) for n in history
                                        if portal.prop(rec.otype, n) is not None}
    if trace_id is not None:
        out["objectWriteTraceId"] = trace_id
    return out


def full_view(portal, rec):
    """Every stored property plus associations (the control API's read-back)."""
    out = view(portal, rec, names=sorted(rec.props))
    out["associations"] = [
        {"toObjectType": tt, "toObjectId": tid, "typeIds": sorted(types)}
        for (tt, tid), types in sorted(portal.associations(rec.otype, rec.id).items())
    ]
    return out
