"""HUBSPOT_DEFINED association type ids per object pair.

Loaded from data/association_type_ids.json, a verbatim copy of
shared/reference/hubspot/association_type_ids.json (the official Ruby SDK
enum; a test checks the copy is identical). Names look like
INVOICE_TO_LINE_ITEM or PRIMARY_CONTACT_TO_COMPANY; only pairs between the
simulated object types are kept.
"""

import json
import os

from . import model

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "association_type_ids.json")
_SPECIAL = {"PARENT_TO_CHILD_COMPANY": ("COMPANY", "COMPANY"), "CHILD_TO_PARENT_COMPANY": ("COMPANY", "COMPANY")}
_INVERSE_SPECIAL = {"PARENT_TO_CHILD_COMPANY": "CHILD_TO_PARENT_COMPANY",
                    "CHILD_TO_PARENT_COMPANY": "PARENT_TO_CHILD_COMPANY"}


def _split(name):
    """'PRIMARY_CONTACT_TO_COMPANY' -> ('CONTACT', 'COMPANY', True), or None."""
    if name in _SPECIAL:
        return _SPECIAL[name] + (False,)
    primary = name.startswith("PRIMARY_")
    core = name[len("PRIMARY_"):] if primary else name
    if core.count("_TO_") != 1:
        return None
    left, right = core.split("_TO_")
    if left in model.BY_TOKEN and right in model.BY_TOKEN:
        return left, right, primary
    return None


def _inverse_name(name):
    if name in _INVERSE_SPECIAL:
        return _INVERSE_SPECIAL[name]
    left, right, primary = _split(name)
    return ("PRIMARY_" if primary else "") + right + "_TO_" + left


class TypeTable:
    """Lookups over the id table: by id, by pair, inverses and defaults."""

    def __init__(self, path=DATA):
        with open(path, encoding="utf-8") as fh:
            raw = json.load(fh)["association_type_ids"]
        self.by_id = {}  # id -> (from otype, to otype, name)
        by_name = {}
        for name, tid in raw.items():
            parts = _split(name)
            if parts is None:
                continue
            frm, to = model.BY_TOKEN[parts[0]].name, model.BY_TOKEN[parts[1]].name
            self.by_id[tid] = (frm, to, name)
            by_name[name] = tid
        self.inverse = {tid: by_name.get(_inverse_name(name)) for tid, (_, _, name) in self.by_id.items()}
        self.pairs = {}
        for tid, (frm, to, _) in self.by_id.items():
            self.pairs.setdefault((frm, to), set()).add(tid)

    def valid(self, frm, to, tid):
        """True when tid is a HUBSPOT_DEFINED type from `frm` to `to`."""
        return tid in self.pairs.get((frm, to), ())

    def default(self, frm, to):
        """The unlabelled default type id for a pair (not PRIMARY/parent/child), or None."""
        ids = [t for t in self.pairs.get((frm, to), ()) if self.plain(t)]
        return min(ids) if ids else None

    def plain(self, tid):
        """True for an unlabelled general association id."""
        name = self.by_id[tid][2]
        return not name.startswith("PRIMARY_") and name not in _SPECIAL

    def label(self, tid):
        """The association's label: 'Primary' for PRIMARY_ types, None otherwise."""
        info = self.by_id.get(tid)
        return "Primary" if info and info[2].startswith("PRIMARY_") else None

    def type_name(self, tid):
        """Lower-case v3 association type name, e.g. 'invoice_to_line_item'."""
        info = self.by_id.get(tid)
        return info[2].lower() if info else "unknown"

    def target(self, frm, tid):
        """The object type a typeId points to when used from `frm`, or None."""
        info = self.by_id.get(tid)
        return info[1] if info and info[0] == frm else None


TABLE = TypeTable()
