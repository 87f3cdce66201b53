"""Properties API: property groups and properties per object type
(HUBSPOT.md 2.3; crm-properties-v3.json).

Create returns 201 and needs name, label, type, fieldType and groupName with
a valid type/fieldType pair; a name already in use (even archived) gives 409;
hasUniqueValue cannot be changed later and at most 10 unique properties may
exist per object. Built-in properties cannot be edited or archived. Archive
answers 204 even for an unknown name.
"""

import re
import time

from . import model
from .associations import batch_envelope
from .util import ApiError, body_json, error_body, fail, iso, need_dict, need_list, standard_error, truthy, validation

FIELD_TYPES = {
    "string": {"text", "textarea", "file", "html", "phonenumber", "calculation_equation"},
    "number": {"number", "calculation_equation"},
    "date": {"date"},
    "datetime": {"date"},
    "enumeration": {"select", "radio", "checkbox", "booleancheckbox", "calculation_equation"},
    "bool": {"booleancheckbox", "calculation_equation"},
    "phone_number": {"phonenumber"},
}
OPTIONAL = ("description", "displayOrder", "hidden", "formField", "calculationFormula", "currencyPropertyName",
            "dataSensitivity", "externalOptions", "referencedObjectType", "numberDisplayHint", "textDisplayHint",
            "showCurrencySymbol")
EDITABLE = ("label", "description", "groupName", "options", "displayOrder", "hidden", "formField", "type",
            "fieldType", "numberDisplayHint", "textDisplayHint", "showCurrencySymbol")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,99}$")
MAX_UNIQUE = 10


def _type(name):
    t = model.resolve(name)
    if t is None:
        validation("Unable to infer object type from: %s" % name)
    return t


def _options(raw):
    opts = need_list(raw or [], "options")
    out = []
    for n, o in enumerate(opts):
        if not isinstance(o, dict) or not o.get("label") or "value" not in o:
            validation("Each option needs label and value")
        out.append({"label": o["label"], "value": str(o["value"]), "displayOrder": o.get("displayOrder", n),
                    "hidden": bool(o.get("hidden", False)), "description": o.get("description", "")})
    return out


def _check_types(ptype, field):
    if ptype not in FIELD_TYPES:
        validation("type must be one of %s" % ", ".join(sorted(FIELD_TYPES)))
    if field not in FIELD_TYPES[ptype]:
        validation("fieldType %s is not valid for a property of type %s" % (field, ptype))


def _new_property(portal, t, body):
    """Validate a PropertyCreate; returns the Property object (not stored)."""
    need_dict(body, "body")
    missing = [k for k in ("name", "label", "type", "fieldType", "groupName") if not body.get(k)]
    if missing:
        validation("Some required fields were not set: [%s]" % ", ".join(missing))
    name = body["name"]
    if not isinstance(name, str) or not NAME_RE.match(name) or name.startswith("hs_"):
        validation("Property name %r is invalid: use lower-case letters, digits and underscores, starting with a "
                   "letter; the hs_ prefix is reserved." % name)
    if name in portal.properties[t.name]:
        raise ApiError(409, error_body("OBJECT_ALREADY_EXISTS", "A property named '%s' already exists." % name))
    _check_types(body["type"], body["fieldType"])
    if body["groupName"] not in portal.groups[t.name] or portal.groups[t.name][body["groupName"]]["archived"]:
        validation("Property group %s does not exist." % body["groupName"])
    options = _options(body.get("options"))
    if body["type"] == "enumeration" and body["fieldType"] != "booleancheckbox" and not options:
        validation("Enumeration properties need options.")
    unique = bool(body.get("hasUniqueValue", False))
    if unique and sum(1 for p in portal.properties[t.name].values() if p["hasUniqueValue"]) >= MAX_UNIQUE:
        validation("An object can have at most %d unique-value properties." % MAX_UNIQUE)
    now = iso(time.time())
    prop = {"name": name, "label": body["label"], "type": body["type"], "fieldType": body["fieldType"],
            "groupName": body["groupName"], "description": body.get("description", ""), "options": options,
            "displayOrder": body.get("displayOrder", -1), "hasUniqueValue": unique, "hidden": False,
            "formField": False, "calculated": False, "externalOptions": False, "hubspotDefined": False,
            "archived": False, "createdAt": now, "updatedAt": now,
            "modificationMetadata": {"archivable": True, "readOnlyDefinition": False, "readOnlyValue": False,
                                     "readOnlyOptions": False}}
    prop.update({k: body[k] for k in OPTIONAL if k in body})
    return prop


def _get_prop(portal, t, name):
    p = portal.prop(t.name, name)
    if p is None:
        fail(404, "OBJECT_NOT_FOUND", "Unable to find property %s for object type %s." % (name, t.type_id))
    return p


def list_properties(call, objectType):
    """GET /crm/v3/properties/{type}[?archived=]."""
    t = _type(objectType)
    archived = truthy(call.req.q("archived", "false"))
    return 200, {"results": [p for p in call.portal.properties[t.name].values() if p["archived"] == archived]}


def add_property(portal, t, body):
    """Validate and store a new property; returns it."""
    prop = _new_property(portal, t, body)
    portal.properties[t.name][prop["name"]] = prop
    return prop


def create_property(call, objectType):
    """POST /crm/v3/properties/{type} -> 201 Property."""
    return 201, add_property(call.portal, _type(objectType), body_json(call.req))


def get_property(call, objectType, propertyName):
    """GET /crm/v3/properties/{type}/{name}."""
    return 200, _get_prop(call.portal, _type(objectType), propertyName)


def update_property(call, objectType, propertyName):
    """PATCH /crm/v3/properties/{type}/{name}: label, options, group...; never hasUniqueValue."""
    t = _type(objectType)
    p = _get_prop(call.portal, t, propertyName)
    body = need_dict(body_json(call.req), "body")
    if p["modificationMetadata"]["readOnlyDefinition"]:
        validation("Property %s is a HubSpot-defined property with a read-only definition." % propertyName)
    if "hasUniqueValue" in body and bool(body["hasUniqueValue"]) != p["hasUniqueValue"]:
        validation("hasUniqueValue can't be changed once a property is created.")
    unknown = [k for k in body if k not in EDITABLE and k != "hasUniqueValue"]
    if unknown:
        validation("Unknown or read-only fields: %s" % ", ".join(unknown))
    _check_types(body.get("type", p["type"]), body.get("fieldType", p["fieldType"]))
    if "groupName" in body and body["groupName"] not in call.portal.groups[t.name]:
        validation("Property group %s does not exist." % body["groupName"])
    for k in EDITABLE:
        if k in body:
            p[k] = _options(body[k]) if k == "options" else body[k]
    p["updatedAt"] = iso(time.time())
    return 200, p


def archive_property(call, objectType, propertyName):
    """DELETE /crm/v3/properties/{type}/{name} -> 204 (also for unknown names)."""
    t = _type(objectType)
    p = call.portal.prop(t.name, propertyName)
    if p is not None:
        if not p["modificationMetadata"]["archivable"]:
            validation("Property %s is HubSpot-defined and cannot be archived." % propertyName)
        p["archived"], p["archivedAt"] = True, iso(time.time())
        call.portal.unique.pop((t.name, propertyName), None)
    return 204, None


def _batch_inputs(req):
    return need_list(need_dict(body_json(req), "body").get("inputs"), "inputs")


def batch_create(call, objectType):
    """POST …/batch/create {inputs:[PropertyCreate]} -> 201, 207 on partial failure."""
    t, started, results, errors = _type(objectType), time.time(), [], []
    for item in _batch_inputs(call.req):
        try:
            results.append(add_property(call.portal, t, item))
        except ApiError as exc:
            name = item.get("name") if isinstance(item, dict) else None
            errors.append(standard_error(exc.body["category"], exc.body["message"], {"name": [str(name)]}))
    return (207 if errors else 201), batch_envelope(results, errors, started)


def batch_read(call, objectType):
    """POST …/batch/read {archived, inputs:[{name}]}."""
    t, started = _type(objectType), time.time()
    body = need_dict(body_json(call.req), "body")
    results, missing = [], []
    for item in need_list(body.get("inputs"), "inputs"):
        name = item.get("name") if isinstance(item, dict) else None
        p = call.portal.properties[t.name].get(name)
        if p is None or p["archived"] != bool(body.get("archived", False)):
            missing.append(str(name))
        else:
            results.append(p)
    errors = [standard_error("OBJECT_NOT_FOUND", "Some properties were not found.", {"names": missing})] if missing \
        else []
    return (207 if errors else 200), batch_envelope(results, errors, started)


def batch_archive(call, objectType):
    """POST …/batch/archive {inputs:[{name}]} -> 204."""
    t = _type(objectType)
    for item in _batch_inputs(call.req):
        name = item.get("name") if isinstance(item, dict) else None
        p = call.portal.prop(t.name, name)
        if p is not None and p["modificationMetadata"]["archivable"]:
            p["archived"], p["archivedAt"] = True, iso(time.time())
            call.portal.unique.pop((t.name, name), None)
    return 204, None


def _group(portal, t, name):
    g = portal.groups[t.name].get(name)
    if g is None or g["archived"]:
        fail(404, "OBJECT_NOT_FOUND", "Unable to find property group %s for object type %s." % (name, t.type_id))
    return g


def list_groups(call, objectType):
    """GET …/groups."""
    t = _type(objectType)
    return 200, {"results": [g for g in call.portal.groups[t.name].values() if not g["archived"]]}


def add_group(portal, t, body):
    """Validate and store a new property group; 409 on a duplicate name."""
    need_dict(body, "body")
    if not body.get("name") or not body.get("label"):
        validation("Some required fields were not set: [name, label]")
    if body["name"] in portal.groups[t.name]:
        raise ApiError(409, error_body("OBJECT_ALREADY_EXISTS",
                                       "A property group named '%s' already exists." % body["name"]))
    group = {"name": body["name"], "label": body["label"], "displayOrder": body.get("displayOrder", -1),
             "archived": False}
    portal.groups[t.name][group["name"]] = group
    return group


def create_group(call, objectType):
    """POST …/groups {name, label, displayOrder?} -> 201."""
    return 201, add_group(call.portal, _type(objectType), body_json(call.req))


def get_group(call, objectType, groupName):
    """GET …/groups/{name}."""
    t = _type(objectType)
    return 200, _group(call.portal, t, groupName)


def update_group(call, objectType, groupName):
    """PATCH …/groups/{name} {label?, displayOrder?}."""
    t = _type(objectType)
    g = _group(call.portal, t, groupName)
    body = need_dict(body_json(call.req), "body")
    g.update({k: body[k] for k in ("label", "displayOrder") if k in body})
    return 200, g


def archive_group(call, objectType, groupName):
    """DELETE …/groups/{name} -> 204."""
    t = _type(objectType)
    g = call.portal.groups[t.name].get(groupName)
    if g is not None:
        g["archived"] = True
    return 204, None


def scopes(kind):
    """Reading needs the object's read scope (or crm.schemas.<x>.read); writing
    needs crm.schemas.<x>.write (e-commerce for products and line items)."""
    def fn(params):
        t = model.resolve(params.get("objectType"))
        if t is None:
            return []
        if kind == "read":
            return [t.read_scopes + t.write_scopes + [t.read_scopes[0].replace("crm.objects.", "crm.schemas.")]]
        return [t.schema_write]
    return fn


def routes():
    """Property routes; group routes come first so 'groups' is not read as a property name."""
    out = []
    r, w = scopes("read"), scopes("write")
    for pre in ("/crm/v3/properties/{objectType}", "/crm/properties/2026-03/{objectType}"):
        out += [("GET", pre + "/groups", list_groups, r, "burst"),
                ("POST", pre + "/groups", create_group, w, "burst"),
                ("GET", pre + "/groups/{groupName}", get_group, r, "burst"),
                ("PATCH", pre + "/groups/{groupName}", update_group, w, "burst"),
                ("DELETE", pre + "/groups/{groupName}", archive_group, w, "burst"),
                ("POST", pre + "/batch/create", batch_create, w, "burst"),
                ("POST", pre + "/batch/read", batch_read, r, "burst"),
                ("POST", pre + "/batch/archive", batch_archive, w, "burst"),
                ("GET", pre, list_properties, r, "burst"),
                ("POST", pre, create_property, w, "burst"),
                ("GET", pre + "/{propertyName}", get_property, r, "burst"),
                ("PATCH", pre + "/{propertyName}", update_property, w, "burst"),
                ("DELETE", pre + "/{propertyName}", archive_property, w, "burst")]
    return out
