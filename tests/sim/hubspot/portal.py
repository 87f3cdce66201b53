"""One HubSpot account (portal): settings, property definitions, records,
associations and the delayed search index.

All methods run under the app lock; nothing here is thread-safe on its own.
"""

import bisect
import collections
import itertools

from . import model
from .util import iso

TIERS = {  # tier -> (burst per 10 s for static tokens, daily limit)
    "starter": (100, 250000),
    "professional": (190, 625000),
    "enterprise": (190, 1000000),
}
TIER_BY_BURST = {100: "starter", 190: "professional"}


class Record:
    """A stored CRM object. `props` holds strings only."""

    __slots__ = ("id", "otype", "props", "history", "created", "updated", "archived", "archived_at", "index")

    def __init__(self, rid, otype, now):
        self.id = rid
        self.otype = otype
        self.props = {}
        self.history = {}
        self.created = now
        self.updated = now
        self.archived = False
        self.archived_at = None
        self.index = []  # [(visible_at, props snapshot, archived)] for search

    def set(self, name, value, now, source):
        """Set one property and append to its history (newest first)."""
        self.props[name] = value
        hist = self.history.setdefault(name, [])
        entry = {"value": value, "timestamp": iso(now), "sourceType": source}
        hist.insert(0, entry)
        del hist[20:]

    def snapshot(self, visible_at, now):
        """Queue the current state for the search index, dropping superseded states."""
        latest, pending = None, []
        for snap in self.index:
            if snap[0] <= now:
                latest = snap
            else:
                pending.append(snap)
        self.index = ([latest] if latest else []) + pending + [(visible_at, dict(self.props), self.archived)]

    def indexed(self, now):
        """The state search sees at `now`: (props, archived) or None when not yet indexed."""
        seen = None
        for visible_at, props, archived in self.index:
            if visible_at <= now:
                seen = (props, archived)
        return seen


def property_definition(otype, row, now, hubspot_defined=True):
    """A Property object (spec schema) for a built-in property row."""
    name, ptype, field, flags, options = row
    t = model.TYPES[otype]
    return {
        "name": name,
        "label": name.replace("hs_", "").replace("_", " ").capitalize(),
        "type": ptype,
        "fieldType": field,
        "description": "",
        "groupName": t.group,
        "options": [
            {"label": o.capitalize(), "value": o, "displayOrder": i, "hidden": False}
            for i, o in enumerate(options or [])
        ] + ([{"label": "True", "value": "true", "displayOrder": 0, "hidden": False},
              {"label": "False", "value": "false", "displayOrder": 1, "hidden": False}] if ptype == "bool" else []),
        "displayOrder": -1,
        "calculated": "c" in flags,
        "externalOptions": False,
        "hasUniqueValue": "u" in flags,
        "hidden": False,
        "hubspotDefined": hubspot_defined,
        "formField": False,
        "archived": False,
        "createdAt": iso(now),
        "updatedAt": iso(now),
        "modificationMetadata": {
            "archivable": False,
            "readOnlyDefinition": True,
            "readOnlyValue": "r" in flags,
            "readOnlyOptions": ptype != "enumeration",
        },
    }


class Portal:
    """State of one portal."""

    def __init__(self, portal_id, now, tier="starter"):
        self.id = int(portal_id)
        self.tier = tier
        self.burst = TIERS[tier][0]
        self.daily = TIERS[tier][1]
        self.oauth_burst = 110
        self.scopes = set(model.all_scopes())
        self.search_delay = 2.0
        self.search_limit = 5
        self.emit_api_changes = False
        self.allow_open_invoice_delete = False
        self.assoc_create_status = 201
        self.locked = 0
        self.ids = itertools.count(1001)
        self.records = {t: collections.OrderedDict() for t in model.TYPES}
        self.order = {t: [] for t in model.TYPES}  # ids ascending (ids only grow)
        self.unique = collections.defaultdict(dict)  # (otype, prop) -> value -> id
        self.assoc = collections.defaultdict(dict)  # (otype, id) -> (otype, id) -> {typeId: category}
        self.properties = {t: collections.OrderedDict() for t in model.TYPES}
        self.groups = {t: collections.OrderedDict() for t in model.TYPES}
        self.invoice_numbers = itertools.count(1)
        for otype in model.TYPES:
            self._install_builtins(otype, now)

    def _install_builtins(self, otype, now):
        group = model.TYPES[otype].group
        self.groups[otype][group] = {"name": group, "label": group.capitalize(), "displayOrder": -1,
                                     "archived": False}
        for row in model.builtin_properties(otype):
            self.properties[otype][row[0]] = property_definition(otype, row, now)

    def configure(self, cfg):
        """Apply portal keys of a /_sim/portal body (already validated)."""
        if "tier" in cfg:
            tier = cfg["tier"]
            tier = TIER_BY_BURST.get(tier, tier) if isinstance(tier, int) else str(tier)
            self.tier = tier
            self.burst, self.daily = TIERS[tier]
        for key, attr in (("burst_limit", "burst"), ("daily_limit", "daily"), ("oauth_burst_limit", "oauth_burst"),
                          ("search_delay", "search_delay"), ("search_limit", "search_limit"), ("emit_api_changes", "emit_api_changes"),
                          ("allow_open_invoice_delete", "allow_open_invoice_delete"),
                          ("assoc_create_status", "assoc_create_status")):
            if key in cfg:
                setattr(self, attr, cfg[key])
        if "scopes" in cfg:
            self.scopes = set(cfg["scopes"])

    def describe(self):
        """Settings as JSON."""
        return {"portal_id": self.id, "tier": self.tier, "burst_limit": self.burst, "daily_limit": self.daily,
                "oauth_burst_limit": self.oauth_burst, "scopes": sorted(self.scopes),
                "search_delay": self.search_delay, "search_limit": self.search_limit, "emit_api_changes": self.emit_api_changes,
                "allow_open_invoice_delete": self.allow_open_invoice_delete,
                "assoc_create_status": self.assoc_create_status,
                "counts": {t: len(r) for t, r in self.records.items()}}

    # ---- records ----

    def add_record(self, otype, now):
        """A new empty record with the next id (numeric, unique in the portal)."""
        rid = next(self.ids)
        rec = Record(str(rid), otype, now)
        self.records[otype][rec.id] = rec
        self.order[otype].append(rid)
        return rec

    def page(self, otype, after, limit, archived):
        """Up to limit+1 records with id >= after, live or archived, in id order."""
        keys, recs, out = self.order[otype], self.records[otype], []
        i = bisect.bisect_left(keys, after)
        while i < len(keys) and len(out) <= limit:
            rec = recs[str(keys[i])]
            if rec.archived == archived:
                out.append(rec)
            i += 1
        return out

    def get(self, otype, rid, archived=False):
        """A record by id (live, or archived when archived=True), or None."""
        rec = self.records[otype].get(str(rid))
        if rec is None or rec.archived != archived:
            return None
        return rec

    def find_unique(self, otype, prop, value):
        """The live record whose unique property `prop` equals `value`, or None."""
        rid = self.unique[(otype, prop)].get(self.unique_key(prop, value))
        return self.get(otype, rid) if rid else None

    @staticmethod
    def unique_key(prop, value):
        """Index key for a unique value (emails compare case-insensitively)."""
        return value.lower() if prop == "email" else value

    def prop(self, otype, name):
        """A live property definition, or None."""
        p = self.properties[otype].get(name)
        return p if p and not p.get("archived") else None

    def is_unique(self, otype, name):
        """True when `name` has hasUniqueValue (the only valid idProperty)."""
        p = self.prop(otype, name)
        return bool(p and p.get("hasUniqueValue"))

    def sorted_records(self, otype):
        """All records of a type in id order (ids only grow, so insertion order)."""
        return list(self.records[otype].values())

    # ---- associations ----

    def associations(self, otype, rid, to_type=None):
        """{(to_type, to_id): {typeId: category}} for one record, live targets only."""
        out = {}
        for (tt, tid), types in self.assoc.get((otype, rid), {}).items():
            if (to_type is None or tt == to_type) and self.get(tt, tid) is not None and types:
                out[(tt, tid)] = types
        return out

    def link(self, a, b, type_id, inverse_id, category="HUBSPOT_DEFINED"):
        """Store an association a->b with type_id and its inverse b->a."""
        self.assoc[a].setdefault(b, {})[type_id] = category
        if inverse_id is not None:
            self.assoc[b].setdefault(a, {})[inverse_id] = category

    def unlink(self, a, b, type_ids=None, inverse_ids=None):
        """Remove associations between a and b: all of them, or type_ids (a->b)
        and inverse_ids (b->a)."""
        for x, y, ids in ((a, b, type_ids), (b, a, inverse_ids)):
            types = self.assoc.get(x, {}).get(y)
            if types is None:
                continue
            if type_ids is None:
                types.clear()
            else:
                for tid in ids or []:
                    types.pop(tid, None)
            if not types:
                del self.assoc[x][y]
