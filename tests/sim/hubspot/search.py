"""CRM search: POST /crm/v3/objects/{type}/search (HUBSPOT.md 2.2).

Limits enforced as documented (search-the-crm, March 2026): at most 5
filterGroups, 6 filters per group, 18 filters in total; one sort; `limit`
up to 200 (default 10); `query` up to 3000 characters; `after` is an integer
offset and paging past 10,000 results gives 400. Archived records never
match. Writes reach the index only after the portal's search_delay (scaled
by time_scale). The 5-per-second limit and the absence of rate-limit headers
are handled by the app's request wrapper (limit kind "search").
"""

import fnmatch

from . import model, objects
from .store import view
from .util import body_json, need_dict, parse_number, parse_time, validation

MAX_GROUPS, MAX_PER_GROUP, MAX_FILTERS = 5, 6, 18
MAX_LIMIT, MAX_RESULTS, MAX_QUERY = 200, 10000, 3000
OPERATORS = ("EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY",
             "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN")


def _key(ptype, text):
    """Comparable form of a value: numbers and times as floats, text lower-cased."""
    if text is None:
        return None
    if ptype == "number":
        return parse_number(text)
    if ptype in ("date", "datetime"):
        return parse_time(text)
    return str(text).lower()


def _cmp(op, have, want):
    if have is None or want is None:
        return False
    return {"EQ": have == want, "NEQ": have != want, "LT": have < want, "LTE": have <= want,
            "GT": have > want, "GTE": have >= want}[op]


def _tokens(text):
    return [t for t in "".join(c if c.isalnum() or c in "@._-" else " " for c in text.lower()).split() if t]


def _match(f, props, ptype):
    """True when one filter matches a record's indexed properties."""
    op, raw = f["operator"], props.get(f["propertyName"])
    have = _key(ptype, raw) if raw not in (None, "") else None
    if op == "HAS_PROPERTY":
        return have is not None
    if op == "NOT_HAS_PROPERTY":
        return have is None
    if op in ("IN", "NOT_IN"):
        wanted = {_key(ptype, v) for v in f.get("values") or []}
        return (have in wanted) == (op == "IN") if have is not None else op == "NOT_IN"
    if op == "BETWEEN":
        lo, hi = _key(ptype, f.get("value")), _key(ptype, f.get("highValue"))
        return have is not None and lo is not None and hi is not None and lo <= have <= hi
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        pat = str(f.get("value") or "").lower()
        hit = raw is not None and any(fnmatch.fnmatchcase(tok, pat) for tok in _tokens(raw) + [raw.lower()])
        return hit == (op == "CONTAINS_TOKEN")
    if op == "NEQ" and have is None:
        return True
    return _cmp(op, have, _key(ptype, f.get("value")))


def _check_filters(portal, t, groups):
    """400 VALIDATION_ERROR when the filter structure breaks a documented limit."""
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        validation("Invalid input JSON: filterGroups must be an array of objects")
    if len(groups) > MAX_GROUPS:
        validation("Too many filter groups: %d given, the limit is %d." % (len(groups), MAX_GROUPS))
    total = 0
    for g in groups:
        filters = g.get("filters") or []
        if not isinstance(filters, list) or len(filters) > MAX_PER_GROUP:
            validation("Too many filters in a group: the limit is %d per group." % MAX_PER_GROUP)
        total += len(filters)
        for f in filters:
            if not isinstance(f, dict) or f.get("operator") not in OPERATORS or not f.get("propertyName"):
                validation("Invalid filter %s: propertyName and a valid operator (%s) are required."
                           % (f, ", ".join(OPERATORS)))
    if total > MAX_FILTERS:
        validation("Too many filters: %d given, the limit is %d in total." % (total, MAX_FILTERS))


def _ptype(portal, t, name):
    p = portal.prop(t.name, name)
    return p["type"] if p else "string"


def _matches(portal, t, props, groups, query):
    if groups and not any(all(_match(f, props, _ptype(portal, t, f["propertyName"])) for f in g.get("filters") or [])
                          for g in groups):
        return False
    if query:
        words = query.lower().split()
        text = " ".join(props.get(n) or "" for n in model.QUERY_PROPS[t.name]).lower()
        return all(any(tok.startswith(w) for tok in _tokens(text)) for w in words)
    return True


def _sort_key(portal, t, sorts):
    if not sorts:
        return (lambda pair: int(pair[0].id)), False
    spec = sorts[0]
    if isinstance(spec, str):
        name, desc = spec.lstrip("-"), spec.startswith("-")
    elif isinstance(spec, dict) and spec.get("propertyName"):
        name, desc = spec["propertyName"], spec.get("direction", "ASCENDING") == "DESCENDING"
    else:
        validation("Invalid sort: expected {propertyName, direction}")
    ptype = _ptype(portal, t, name)

    def key(pair):
        val = _key(ptype, pair[1].get(name))
        return (val is None, val if val is not None else 0, int(pair[0].id))
    return key, desc


def _params(body):
    limit = body.get("limit", 10)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= MAX_LIMIT:
        validation("limit must be an integer between 1 and %d" % MAX_LIMIT)
    after = body.get("after") or "0"
    try:
        after = int(str(after))
    except ValueError:
        validation("after must be an integer offset")
    if after < 0 or after >= MAX_RESULTS:
        validation("Paging beyond %d results is not supported; after=%d." % (MAX_RESULTS, after),
                   context={"after": [str(after)]})
    query = body.get("query") or ""
    if not isinstance(query, str) or len(query) > MAX_QUERY:
        validation("query must be a string of at most %d characters" % MAX_QUERY)
    sorts = body.get("sorts") or []
    if not isinstance(sorts, list) or len(sorts) > 1:
        validation("Only one sort rule is supported.")
    return limit, after, query, sorts


def search(call, objectType):
    """POST /crm/v3/objects/{type}/search -> {total, results, paging?}."""
    t, portal = objects.object_type(objectType), call.portal
    body = need_dict(body_json(call.req), "body")
    limit, after, query, sorts = _params(body)
    groups = body.get("filterGroups") or []
    _check_filters(portal, t, groups)
    now = call.now
    hits = []
    for rec in portal.records[t.name].values():
        seen = rec.indexed(now)
        if seen and not seen[1] and _matches(portal, t, seen[0], groups, query):
            hits.append((rec, seen[0]))
    key, desc = _sort_key(portal, t, sorts)
    hits.sort(key=key, reverse=desc)
    names = body.get("properties") or None
    page = hits[after:after + limit]
    results = []
    for rec, props in page:
        out = view(portal, rec, names)
        out["properties"] = {n: props.get(n) for n in out["properties"]}
        results.append(out)
    out = {"total": len(hits), "results": results}
    if after + limit < len(hits):
        out["paging"] = {"next": {"after": str(after + limit)}}
    return 200, out


def routes():
    """Search routes; limit kind "search" (own 5/s limit, exempt from the burst)."""
    return [("POST", pre + "/{objectType}/search", search, objects.scopes("read"), "search")
            for pre in ("/crm/v3/objects", "/crm/objects/2026-03")]
