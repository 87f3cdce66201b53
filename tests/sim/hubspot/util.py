"""Shared helpers: HubSpot error bodies, ISO timestamps, ids, input checks.

Every API error leaves the simulator as an ApiError turned into HubSpot's
standard error body (HUBSPOT.md section 4, examples/errors.json):
{"status":"error","message","correlationId","category", optional "errors",
"context", "links"}.
"""

import datetime
import functools
import json
import uuid

from simcore import json_response


class ApiError(Exception):
    """An API failure carried up to the request wrapper: status + JSON body."""

    def __init__(self, status, body, headers=None):
        super().__init__(body.get("message", "error") if isinstance(body, dict) else "error")
        self.status = status
        self.body = body
        self.headers = headers or {}

    def response(self):
        """The simcore Response for this error."""
        return json_response(self.status, self.body, self.headers)


def correlation_id():
    """A fresh correlation id (a UUID string), as HubSpot sends with every error."""
    return str(uuid.uuid4())


def error_body(category, message, errors=None, context=None, links=None):
    """HubSpot's standard error body (the spec's Error schema)."""
    body = {"status": "error", "message": message, "correlationId": correlation_id(), "category": category}
    if errors is not None:
        body["errors"] = errors
    if context is not None:
        body["context"] = context
    if links is not None:
        body["links"] = links
    return body


def fail(status, category, message, **kw):
    """Raise an ApiError with the standard body."""
    raise ApiError(status, error_body(category, message, **kw))


def validation(message, **kw):
    """Raise 400 VALIDATION_ERROR."""
    fail(400, "VALIDATION_ERROR", message, **kw)


def standard_error(category, message, context, errors=None):
    """One element of a batch `errors` array (the spec's StandardError schema,
    which requires status, category, message, context, errors and links; its
    subCategory is typed as an object, so string sub-categories are left out)."""
    return {
        "status": "error",
        "category": category,
        "message": message,
        "context": context,
        "errors": errors or [],
        "links": {},
    }


@functools.lru_cache(maxsize=4096)
def iso(ts):
    """Epoch seconds -> '2026-03-02T10:00:00.000Z' (milliseconds, Z); cached,
    since one request stamps many values with the same time."""
    dt = datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def parse_time(text):
    """An ISO 8601 string or epoch milliseconds -> epoch seconds, or None."""
    text = (text or "").strip()
    if not text:
        return None
    if text.lstrip("-").isdigit():
        return int(text) / 1000.0
    try:
        if len(text) == 10:
            dt = datetime.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=datetime.timezone.utc)
        else:
            dt = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    return dt.timestamp()


def parse_number(text):
    """A decimal string -> float, or None."""
    try:
        val = float(text)
    except (TypeError, ValueError):
        return None
    return val if val == val and val not in (float("inf"), float("-inf")) else None


def body_json(req):
    """The JSON body of an API request; malformed input gives HubSpot's 400."""
    if not req.body:
        validation("Invalid input JSON on line 1, column 1: No content to map due to end-of-input")
    try:
        return json.loads(req.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        validation("Invalid input JSON on line 1, column 1: %s" % exc)
    return None


def need_dict(val, what):
    """Check an input is a JSON object (400 otherwise)."""
    if not isinstance(val, dict):
        validation("Invalid input JSON: %s must be an object" % what)
    return val


def need_list(val, what):
    """Check an input is a JSON array (400 otherwise)."""
    if not isinstance(val, list):
        validation("Invalid input JSON: %s must be an array" % what)
    return val


def int_param(text, name, default, lo, hi):
    """A bounded integer query/body parameter; 400 when malformed or out of range."""
    if text is None or text == "":
        return default
    try:
        val = int(str(text))
    except ValueError:
        validation("%s must be an integer" % name)
    if not lo <= val <= hi:
        validation("%s must be between %d and %d" % (name, lo, hi))
    return val


def csv_param(req, name):
    """A comma-separated (or repeated) query parameter as a list."""
    out = []
    for chunk in req.query.get(name, []):
        out.extend(p for p in chunk.split(",") if p)
    return out


def truthy(text):
    """'true' (any case) -> True."""
    return str(text).lower() == "true"
