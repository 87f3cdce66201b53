"""The subset of Xero's `where` and `order` syntax the connector uses.

where (XERO.md section 2.4): comparisons `Path OP value` and string methods
`Path.Contains("x")`, `Path.StartsWith("x")`, `Path.EndsWith("x")`, joined by
AND/&&, OR/||, NOT/!, with parentheses.
  Path: dotted field path (Type, Status, EmailAddress, Contact.ContactID, ...).
  OP: == = != <> > >= < <=.
  value: "string", Guid("..."), GUID("..."), DateTime(2015, 01, 01[, h, m, s]) (UTC),
  number, true, false, null.
String comparisons are case-insensitive. A field not known for the object
kind, or any other syntax, is a QueryParseException (400).
"""

import calendar
import datetime
import re
from decimal import Decimal

from . import wire

TOKEN_RE = re.compile(
    r"""\s*(?:
      (?P<guid>[Gg][Uu][Ii][Dd]\(\s*"(?P<gval>[^"]*)"\s*\))
    | (?P<dt>DateTime\(\s*(?P<dtargs>\d+(?:\s*,\s*\d+){2,5})\s*\))
    | (?P<str>"(?:[^"\\]|\\.)*")
    | (?P<op>==|!=|<>|>=|<=|&&|\|\||=|>|<|!|\(|\))
    | (?P<num>-?\d+(?:\.\d+)?)
    | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)

COMPARE = {
    "==": lambda a, b: a == b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<>": lambda a, b: a != b,
    ">": lambda a, b: a is not None and b is not None and a > b,
    ">=": lambda a, b: a is not None and b is not None and a >= b,
    "<": lambda a, b: a is not None and b is not None and a < b,
    "<=": lambda a, b: a is not None and b is not None and a <= b,
}
STRING_METHODS = {
    "Contains": lambda a, b: a.find(b) >= 0,
    "StartsWith": lambda a, b: a.startswith(b),
    "EndsWith": lambda a, b: a.endswith(b),
}
KEYWORDS = {"AND": "&&", "OR": "||", "NOT": "!", "TRUE": True, "FALSE": False, "NULL": None}


class QueryError(ValueError):
    """Unparsable where/order; becomes a 400 QueryParseException."""


def tokenize(text):
    """List of (kind, value) tokens."""
    pos, out = 0, []
    text = text.strip()
    while pos < len(text):
        m = TOKEN_RE.match(text, pos)
        if not m or m.end() == pos:
            raise QueryError("Unexpected character at position %d in where clause" % pos)
        pos = m.end()
        out.append(_token(m))
    return out


def _datetime(args):
    """DateTime(y, m, d[, h, mi, s]) as ms since the epoch (UTC), like a /Date()/ field."""
    parts = [int(x) for x in args.split(",")]
    try:
        when = datetime.datetime(*parts)
    except ValueError as exc:
        raise QueryError("Invalid DateTime in where clause") from exc
    return Decimal(calendar.timegm(when.timetuple()) * 1000)


def _token(m):
    if m.group("guid") is not None:
        return ("val", m.group("gval").lower())
    if m.group("dt") is not None:
        return ("val", _datetime(m.group("dtargs")))
    if m.group("str") is not None:
        return ("val", m.group("str")[1:-1].replace('\\"', '"'))
    if m.group("op") is not None:
        return ("op", m.group("op"))
    if m.group("num") is not None:
        return ("val", Decimal(m.group("num")))
    word = m.group("word")
    kw = word.upper()
    if kw in ("AND", "OR", "NOT"):
        return ("op", KEYWORDS[kw])
    if kw in ("TRUE", "FALSE", "NULL"):
        return ("val", KEYWORDS[kw])
    return ("field", word)


class Parser:
    """Recursive descent: expr := and ('||' and)*; and := unary ('&&' unary)*."""

    def __init__(self, text, fields):
        self.toks = tokenize(text)
        self.pos = 0
        self.fields = fields

    def parse(self):
        if not self.toks:
            raise QueryError("Empty where clause")
        node = self._or()
        if self.pos != len(self.toks):
            raise QueryError("Unexpected token %r in where clause" % (self.toks[self.pos][1],))
        return node

    def _peek(self, value):
        return self.pos < len(self.toks) and self.toks[self.pos] == ("op", value)

    def _take(self):
        if self.pos >= len(self.toks):
            raise QueryError("Unexpected end of where clause")
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def _or(self):
        node = self._and()
        while self._peek("||"):
            self.pos += 1
            left, right = node, self._and()
            node = lambda o, l=left, r=right: l(o) or r(o)  # noqa: E731
        return node

    def _and(self):
        node = self._unary()
        while self._peek("&&"):
            self.pos += 1
            left, right = node, self._unary()
            node = lambda o, l=left, r=right: l(o) and r(o)  # noqa: E731
        return node

    def _unary(self):
        if self._peek("!"):
            self.pos += 1
            inner = self._unary()
            return lambda o: not inner(o)
        if self._peek("("):
            self.pos += 1
            node = self._or()
            if self._take() != ("op", ")"):
                raise QueryError("Missing ) in where clause")
            return node
        return self._comparison()

    def _comparison(self):
        kind, path = self._take()
        if kind != "field":
            raise QueryError("Expected a field name in where clause")
        if path.split(".")[0] not in self.fields:
            raise QueryError("No property or field '%s' exists in type" % path.split(".")[0])
        head, _, method = path.rpartition(".")
        if head and method in STRING_METHODS:
            return self._string_method(head, method)
        kind, op = self._take()
        if kind != "op" or op not in COMPARE:
            raise QueryError("Expected a comparison after %s" % path)
        kind, value = self._take()
        if kind != "val":
            raise QueryError("Expected a value after %s %s" % (path, op))
        fn = COMPARE[op]
        want = _norm(value)
        return lambda o: fn(_norm(lookup(o, path)), want)


    def _string_method(self, path, method):
        """Path.Method("text"): false when the field is not a string."""
        if self._take() != ("op", "("):
            raise QueryError("Expected ( after %s" % method)
        kind, value = self._take()
        if kind != "val" or not isinstance(value, str):
            raise QueryError("%s takes a string" % method)
        if self._take() != ("op", ")"):
            raise QueryError("Missing ) after %s" % method)
        fn, want = STRING_METHODS[method], value.casefold()

        def pred(o):
            got = lookup(o, path)
            return isinstance(got, str) and fn(got.casefold(), want)
        return pred


def lookup(obj, path):
    """Value at a dotted path, or None."""
    for part in path.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _norm(value):
    """Comparable form: dates as ms, strings case-folded, numbers as Decimal."""
    if isinstance(value, str):
        ms = wire.DATE_RE.match(value)
        return Decimal(ms.group(1)) if ms else value.casefold()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value))
    return value


def compile_where(text, fields):
    """A predicate obj -> bool; raises QueryError."""
    return Parser(text, fields).parse()


def sort_key_for(order, fields):
    """(key function, reverse) for `order=Field [ASC|DESC]`; raises QueryError."""
    parts = order.strip().split()
    if not parts or len(parts) > 2:
        raise QueryError("Invalid order clause")
    field = parts[0]
    direction = parts[1].upper() if len(parts) == 2 else "ASC"
    if field.split(".")[0] not in fields or direction not in ("ASC", "DESC"):
        raise QueryError("Invalid order clause: %s" % order)

    def key(obj):
        v = _norm(lookup(obj, field))
        return (v is None, v if v is not None else 0)

    return key, direction == "DESC"
