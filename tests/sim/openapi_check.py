#!/usr/bin/env python3
"""A small OpenAPI 3.0/3.1 response checker on top of python3-jsonschema.

    spec = load_spec("xero_accounting.yaml")           # YAML or JSON
    errs = validate_response(spec, "/Invoices/{InvoiceID}", "get", 200, body)
    errs = validate_schema(spec, "#/components/schemas/Invoice", obj)

Both return a list of human-readable error strings; empty means valid.

What it does to the vendor schemas before handing them to jsonschema:
- `$ref` resolves inside the spec document.  In OpenAPI 3.0 the siblings of a
  `$ref` are ignored (the spec says so; Xero's file puts `type: string` next to
  enum refs), in 3.1 they apply.
- 3.0 `nullable: true` becomes a JSON Schema type union with null.
- 3.0 boolean `exclusiveMinimum`/`exclusiveMaximum` become the numeric form.
- `oneOf` is checked as `anyOf`: the vendor schemas leave objects open
  (no additionalProperties: false), so overlapping branches such as HubSpot's
  token responses would make a strict oneOf reject valid bodies.
- Formats are checked loosely: uuid, date, date-time (ISO 8601 with or without
  zone and with any fraction, as Xero's identity API sends), int32/int64
  ranges; other formats are accepted.
- strict=True additionally rejects properties a schema does not declare (for
  objects that declare `properties`, have no `additionalProperties` and are
  neither composed with nor members of allOf/anyOf/oneOf), except names listed
  in `allow` (e.g. Xero's DateString, which the live API sends but the spec
  omits).  Useful for our own generated data, not for vendor bodies (real
  responses carry undocumented fields).
"""

import json
import os
import re

import jsonschema
import yaml

__all__ = ["load_spec", "validate_response", "validate_schema", "validate_webhook",
           "validate_request", "response_schema", "match_path"]

_MAP_KEYS = ("properties", "patternProperties", "definitions", "$defs",
             "dependentSchemas")
_LIST_KEYS = ("allOf", "anyOf", "oneOf", "prefixItems")
_ONE_KEYS = ("items", "additionalProperties", "not", "contains", "propertyNames",
             "if", "then", "else", "unevaluatedProperties", "unevaluatedItems",
             "additionalItems")
_DROP_KEYS = ("example", "examples", "discriminator", "xml", "externalDocs",
              "description", "readOnly", "writeOnly", "deprecated", "title",
              "nullable", "default")
_COMPOSED = ("allOf", "anyOf", "oneOf")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
                       r"(Z|z|[+-]\d{2}:?\d{2})?$")
_INT_RANGE = {"int32": (-2 ** 31, 2 ** 31 - 1), "int64": (-2 ** 63, 2 ** 63 - 1)}


class _Loader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):
    """Safe YAML loader that keeps timestamps as strings (JSON has no dates)."""


_Loader.yaml_implicit_resolvers = {
    ch: [r for r in rs if r[0] != "tag:yaml.org,2002:timestamp"]
    for ch, rs in yaml.SafeLoader.yaml_implicit_resolvers.items()}


class Spec(dict):
    """The parsed spec document plus cached jsonschema translations."""

    def __init__(self, doc, path):
        super().__init__(doc)
        self.path = path
        self.v31 = str(doc.get("openapi", "3.0")).startswith("3.1")
        self._roots = {}
        self._validators = {}

    def root(self, strict):
        """Translated components used to resolve $ref (strict: None or allow-set)."""
        if strict not in self._roots:
            schemas = self.get("components", {}).get("schemas", {})
            members = _composed_refs(schemas) if strict is not None else set()
            self._roots[strict] = {"components": {
                "schemas": {k: _translate(v, self.v31, strict, k in members)
                            for k, v in schemas.items()}}}
        return self._roots[strict]

    def validator(self, schema, strict):
        """A jsonschema validator for an already-translated schema."""
        root = self.root(strict)
        cls = jsonschema.Draft202012Validator if self.v31 else jsonschema.Draft7Validator
        resolver = jsonschema.RefResolver("", root)
        return cls(schema, resolver=resolver, format_checker=_FORMATS)


def _check_format(fmt, value):
    """Loose format check; unknown formats pass."""
    if fmt == "uuid":
        return bool(_UUID.match(value))
    if fmt == "date":
        return bool(_DATE.match(value))
    if fmt == "date-time":
        return bool(_DATETIME.match(value))
    return True


_FORMATS = jsonschema.FormatChecker(formats=())
for _fmt in ("uuid", "date", "date-time"):
    _FORMATS.checks(_fmt)(lambda v, _f=_fmt: not isinstance(v, str) or _check_format(_f, v))
for _fmt, (_lo, _hi) in _INT_RANGE.items():
    _FORMATS.checks(_fmt)(lambda v, _l=_lo, _h=_hi:
                          not isinstance(v, int) or isinstance(v, bool) or _l <= v <= _h)


def _composed_refs(schemas):
    """Names of component schemas used directly as allOf/anyOf/oneOf members
    (strict mode must leave those open, or the composition could never match)."""
    found = set()

    def walk(node):
        if isinstance(node, dict):
            for key, val in node.items():
                if key in _COMPOSED and isinstance(val, list):
                    found.update(m["$ref"].rsplit("/", 1)[-1] for m in val
                                 if isinstance(m, dict) and "$ref" in m)
                walk(val)
        elif isinstance(node, list):
            for val in node:
                walk(val)

    walk(schemas)
    return found


def _translate(node, v31, strict, member=False):
    """OpenAPI schema object -> JSON Schema (see module docstring).

    strict is None (open objects) or a frozenset of always-allowed names;
    member is True for a schema that is itself an allOf/anyOf/oneOf branch."""
    if not isinstance(node, dict):
        return node
    if "$ref" in node and not v31:
        return {"$ref": node["$ref"]}
    out = {}
    for key, val in node.items():
        if key in _DROP_KEYS or key.startswith("x-"):
            continue
        if key in _MAP_KEYS and isinstance(val, dict):
            out[key] = {k: _translate(v, v31, strict) for k, v in val.items()}
        elif key in _LIST_KEYS and isinstance(val, list):
            out["anyOf" if key == "oneOf" else key] = [_translate(v, v31, strict, True)
                                                       for v in val]
        elif key in _ONE_KEYS:
            out[key] = _translate(val, v31, strict)
        else:
            out[key] = val
    if not v31:
        _fix_exclusive(out)
        if node.get("nullable") is True:
            out = _nullable(out)
    if strict is not None and not member and "properties" in out \
            and "additionalProperties" not in out and not any(k in out for k in _COMPOSED):
        out["additionalProperties"] = False
        out["properties"] = dict(out["properties"])
        for name in strict:
            out["properties"].setdefault(name, {})
    return out


def _fix_exclusive(out):
    """3.0 boolean exclusiveMinimum/Maximum -> draft 7 numeric form."""
    for ex, lim in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(ex), bool):
            if out.pop(ex) and lim in out:
                out[ex] = out.pop(lim)


def _nullable(out):
    """Adds null to a translated schema's accepted values."""
    if "type" in out:
        types = out["type"] if isinstance(out["type"], list) else [out["type"]]
        out["type"] = types + ["null"]
        if "enum" in out:
            out["enum"] = list(out["enum"]) + [None]
        return out
    return {"anyOf": [{"type": "null"}, out]}


_CACHE = {}


def load_spec(path, cache=True):
    """Parses an OpenAPI document (YAML or JSON) into a Spec (cached per path;
    treat the result as read-only)."""
    key = os.path.abspath(path)
    if cache and key in _CACHE:
        return _CACHE[key]
    spec = _parse_spec(path)
    if cache:
        _CACHE[key] = spec
    return spec


def _parse_spec(path):
    """Reads and parses one spec file."""
    with open(path, "rb") as fh:
        raw = fh.read()
    if path.endswith(".json"):
        doc = json.loads(raw)
    else:
        doc = yaml.load(raw, Loader=_Loader)
    if not isinstance(doc, dict) or "openapi" not in doc:
        raise ValueError("%s is not an OpenAPI 3 document" % path)
    return Spec(doc, os.path.abspath(path))


def _deref(spec, node):
    """Follows local $ref chains in non-schema objects (responses, bodies)."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 16:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError("external $ref not supported: %s" % ref)
        node = spec
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        seen += 1
    return node


def _pick_json(content):
    """The JSON media type entry of a content map, or None."""
    for media in ("application/json", "application/json; charset=utf-8"):
        if media in content:
            return content[media]
    for media, entry in content.items():
        if "json" in media:
            return entry
    return content.get("*/*")


def response_schema(spec, path_template, method, status):
    """(schema or None, problem or None) for one documented response."""
    item = spec.get("paths", {}).get(path_template)
    if item is None:
        return None, "path %s is not in %s" % (path_template, spec.path)
    op = item.get(method.lower())
    if op is None:
        return None, "%s %s is not in %s" % (method.upper(), path_template, spec.path)
    responses = op.get("responses", {})
    code = str(status)
    resp = responses.get(code, responses.get(code[0] + "XX", responses.get("default")))
    if resp is None:
        return None, "%s %s documents no %s response" % (method.upper(), path_template, code)
    entry = _pick_json(_deref(spec, resp).get("content") or {})
    if entry is None or "schema" not in entry:
        return None, None
    return entry["schema"], None


def _where(err):
    """JSONPath-ish location of a jsonschema error."""
    out = "$"
    for part in err.absolute_path:
        out += "[%d]" % part if isinstance(part, int) else ".%s" % part
    return out


def _describe(err):
    """One line for an error, with the most specific cause of anyOf failures."""
    msg = "%s: %s" % (_where(err), err.message)
    if err.context:
        best = jsonschema.exceptions.best_match(err.context)
        msg += " [closest: %s: %s]" % (_where(best), best.message)
    if len(msg) > 400:
        msg = msg[:397] + "..."
    return msg


def validate_schema(spec, schema, obj, strict=False, allow=(), max_errors=50):
    """Validates obj against a schema object or a '#/...' ref; returns errors."""
    if isinstance(schema, str):
        schema = {"$ref": schema}
    strict = frozenset(allow) if strict else None
    tschema = _translate(schema, spec.v31, strict)
    key = (json.dumps(tschema, sort_keys=True), strict)
    val = spec._validators.get(key)
    if val is None:
        val = spec._validators[key] = spec.validator(tschema, strict)
    try:
        errors = []
        for err in val.iter_errors(obj):
            errors.append(_describe(err))
            if len(errors) >= max_errors:
                errors.append("... (stopped after %d errors)" % max_errors)
                break
        return errors
    except jsonschema.exceptions.RefResolutionError as exc:
        return ["unresolvable $ref in %s: %s" % (spec.path, exc)]


def validate_response(spec, path_template, method, status, body_obj, strict=False,
                      allow=()):
    """Errors for body_obj as the `status` response of METHOD path_template."""
    schema, problem = response_schema(spec, path_template, method, status)
    if problem:
        return [problem]
    if schema is None:
        if body_obj in (None, "", b""):
            return []
        return ["%s %s %s documents no JSON body but one was sent"
                % (method.upper(), path_template, status)]
    return validate_schema(spec, schema, body_obj, strict, allow)


def validate_webhook(spec, name, body_obj, method="post"):
    """Errors for a webhook payload against an OpenAPI 3.1 `webhooks` entry."""
    hook = spec.get("webhooks", {}).get(name)
    if hook is None or method not in hook:
        return ["webhook %s is not in %s" % (name, spec.path)]
    body = _deref(spec, hook[method].get("requestBody", {}))
    entry = _pick_json(body.get("content") or {})
    if entry is None or "schema" not in entry:
        return ["webhook %s documents no JSON body" % name]
    return validate_schema(spec, entry["schema"], body_obj)


def validate_request(spec, path_template, method, body_obj):
    """Errors for body_obj as the JSON request body of METHOD path_template."""
    op = spec.get("paths", {}).get(path_template, {}).get(method.lower())
    if op is None:
        return ["%s %s is not in %s" % (method.upper(), path_template, spec.path)]
    body = _deref(spec, op.get("requestBody", {}))
    entry = _pick_json(body.get("content") or {})
    if entry is None or "schema" not in entry:
        if body_obj in (None, "", b""):
            return []
        return ["%s %s documents no JSON request body but one was sent"
                % (method.upper(), path_template)]
    return validate_schema(spec, entry["schema"], body_obj)


def _base_path(spec):
    """Path part of the first server URL ('' when none)."""
    servers = spec.get("servers") or [{}]
    url = servers[0].get("url", "")
    path = re.sub(r"^[a-z]+://[^/]*", "", url)
    return path.rstrip("/")


def match_path(spec, path):
    """The path template in spec matching a concrete request path, or None.

    The server URL's path prefix (e.g. /api.xro/2.0) may be present or not;
    literal segments win over {parameters}.  Matching is case-insensitive on
    literal segments, as Xero's routing is."""
    path = path.split("?", 1)[0]
    base = _base_path(spec)
    if base and path.lower().startswith(base.lower() + "/"):
        path = path[len(base):]
    want = path.strip("/").split("/")
    best, best_score = None, -1
    for tmpl in spec.get("paths", {}):
        segs = tmpl.strip("/").split("/")
        if len(segs) != len(want):
            continue
        score = 0
        for s, w in zip(segs, want):
            if s.startswith("{") and s.endswith("}"):
                continue
            if s.lower() != w.lower():
                score = -1
                break
            score += 1
        if score > best_score:
            best, best_score = tmpl, score
    return best
